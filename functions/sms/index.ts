/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `sms` edge function (SMS a user asks for: the booking start code). The logic
// lives in handler.ts so tests can import it without starting a server.
import { handler } from "./handler.ts";

Deno.serve(handler);
