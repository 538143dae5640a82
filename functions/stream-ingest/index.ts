/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `stream-ingest` edge function (verify_jwt = true). The logic lives in handler.ts.
import { requireEnv } from "../_shared/env.ts";
import { LiveApi } from "../_shared/streaming/api.ts";
import { streamingProviderFromEnv } from "../_shared/streaming/index.ts";
import { createStreamIngestHandler } from "./handler.ts";

let api: LiveApi | undefined;

Deno.serve(createStreamIngestHandler({
  api: () =>
    api ??= new LiveApi({
      supabaseUrl: requireEnv("SUPABASE_URL"),
      anonKey: requireEnv("SUPABASE_ANON_KEY"),
      serviceRoleKey: requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
    }),
  provider: streamingProviderFromEnv,
}));
