/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `kyc-retention` edge function. The logic lives in handler.ts so tests can
// import it without starting a server.
import { handler } from "./handler.ts";

Deno.serve(handler);
