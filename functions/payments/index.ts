/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `payments` edge function. The logic lives in handler.ts (routes) and
// worker.ts (the outbox worker) so tests can import them without starting a server.
import { optionalEnv, requireEnv } from "../_shared/env.ts";
import { MoneyApi } from "../_shared/payments/api.ts";
import { providerFromEnv } from "../_shared/payments/index.ts";
import { createPaymentsHandler } from "./handler.ts";

let api: MoneyApi | undefined;

Deno.serve(createPaymentsHandler({
  api: () =>
    api ??= new MoneyApi({
      supabaseUrl: requireEnv("SUPABASE_URL"),
      anonKey: requireEnv("SUPABASE_ANON_KEY"),
      serviceRoleKey: requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
    }),
  provider: providerFromEnv,
  returnUrl: optionalEnv("PAYMENTS_RETURN_URL"),
  refreshUrl: optionalEnv("PAYMENTS_REFRESH_URL"),
  country: optionalEnv("PAYMENTS_CONNECT_COUNTRY", "AE"),
  batchSize: Number(optionalEnv("PAYMENTS_WORKER_BATCH_SIZE", "25")),
  maxBatches: Number(optionalEnv("PAYMENTS_WORKER_MAX_BATCHES", "20")),
}));
