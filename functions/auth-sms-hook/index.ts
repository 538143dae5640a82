/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `auth-sms-hook` edge function (Auth's Send SMS hook). The logic lives in
// handler.ts so tests can import it without starting a server.
import { handler } from "./handler.ts";

Deno.serve(handler);
