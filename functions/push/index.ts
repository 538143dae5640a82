/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `push` edge function. The logic lives in handler.ts (and the providers in
// providers.ts) so tests can import them without starting a server.
import { handler } from "./handler.ts";

Deno.serve(handler);
