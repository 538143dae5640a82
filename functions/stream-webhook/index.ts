/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `stream-webhook` edge function (verify_jwt = false in config.toml: the
// mux-signature header authenticates the request). The logic lives in handler.ts.
import { requireEnv } from "../_shared/env.ts";
import { LiveApi } from "../_shared/streaming/api.ts";
import { streamingProviderName, streamWebhookSecrets } from "../_shared/streaming/index.ts";
import { createStreamWebhookHandler } from "./handler.ts";

let api: LiveApi | undefined;

Deno.serve(createStreamWebhookHandler({
  api: () =>
    api ??= new LiveApi({
      supabaseUrl: requireEnv("SUPABASE_URL"),
      anonKey: requireEnv("SUPABASE_ANON_KEY"),
      serviceRoleKey: requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
    }),
  secrets: streamWebhookSecrets,
  provider: streamingProviderName,
}));
