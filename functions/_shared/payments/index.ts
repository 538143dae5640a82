/**
 * The payment provider chosen by configuration:
 *
 *   PAYMENTS_PROVIDER        `local` (default) or `stripe`
 *   STRIPE_SECRET_KEY        stripe: the platform's secret (or restricted) key
 *   STRIPE_WEBHOOK_SECRET    stripe-webhook: the endpoint's signing secret (whsec_...); with the local
 *                            provider a development secret is used when unset (LOCAL_WEBHOOK_SECRET)
 *   PAYMENTS_AUTHORIZATION_HOURS  local: hours an authorisation lasts (default 168)
 *   PAYMENTS_CONNECT_COUNTRY default country of new connected accounts (default AE)
 *   PAYMENTS_RETURN_URL / PAYMENTS_REFRESH_URL  where Stripe's onboarding sends the payee back
 */
import { db } from "../db.ts";
import { optionalEnv, requireEnv } from "../env.ts";
import { LocalProvider } from "./local.ts";
import { PgStore } from "./local-pg.ts";
import { StripeProvider } from "./stripe.ts";
import type { PaymentProvider, ProviderName } from "./types.ts";

export * from "./types.ts";

/** The development signing secret of stripe-webhook with the local provider (never in production). */
export const LOCAL_WEBHOOK_SECRET = "whsec_hyperlocal_local_development_only";

export function providerName(): ProviderName {
  const name = optionalEnv("PAYMENTS_PROVIDER", "local");
  if (name !== "local" && name !== "stripe") {
    throw new Error(`Unknown PAYMENTS_PROVIDER ${name}: use local or stripe`);
  }
  return name;
}

let cached: PaymentProvider | undefined;

/** The provider of this function instance (created on first use). */
export function providerFromEnv(): PaymentProvider {
  if (cached) return cached;
  if (providerName() === "stripe") {
    cached = new StripeProvider({ secretKey: requireEnv("STRIPE_SECRET_KEY") });
  } else {
    cached = new LocalProvider({
      store: new PgStore(db()),
      authorizationHours: Number(optionalEnv("PAYMENTS_AUTHORIZATION_HOURS", "168")),
    });
  }
  return cached;
}

/** The webhook signing secret: required with Stripe, a fixed development secret locally. */
export function webhookSecret(): string {
  if (providerName() === "stripe") return requireEnv("STRIPE_WEBHOOK_SECRET");
  return optionalEnv("STRIPE_WEBHOOK_SECRET", LOCAL_WEBHOOK_SECRET)!;
}
