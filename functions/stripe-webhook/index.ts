/// <reference types="@supabase/functions-js/edge-runtime.d.ts" />
// Entrypoint of the `stripe-webhook` edge function (verify_jwt = false in config.toml: the Stripe
// signature authenticates the request). The logic lives in handler.ts.
import { optionalEnv, requireEnv } from "../_shared/env.ts";
import { MoneyApi } from "../_shared/payments/api.ts";
import { providerName, webhookSecret } from "../_shared/payments/index.ts";
import { createWebhookHandler } from "./handler.ts";

let api: MoneyApi | undefined;

Deno.serve(createWebhookHandler({
  api: () =>
    api ??= new MoneyApi({
      supabaseUrl: requireEnv("SUPABASE_URL"),
      anonKey: requireEnv("SUPABASE_ANON_KEY"),
      serviceRoleKey: requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
    }),
  // STRIPE_WEBHOOK_SECRET, plus STRIPE_WEBHOOK_SECRET_PREVIOUS while a secret is being rolled.
  secrets: () => [webhookSecret(), optionalEnv("STRIPE_WEBHOOK_SECRET_PREVIOUS")].filter((s): s is string => !!s),
  provider: providerName,
}));
