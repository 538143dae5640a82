/**
 * POST /functions/v1/stripe-webhook — Stripe's webhook endpoint (verify_jwt = false: Stripe sends
 * no JWT; the signature is the authentication).
 *
 *   1. The `Stripe-Signature` header is verified over the raw body with the official SDK
 *      (`stripe.webhooks.constructEventAsync`, SubtleCrypto, tolerance 300 s: a replay of an old
 *      delivery is refused). Bad or missing signature, stale timestamp → 400 HL673.
 *   2. The event goes to the database in ONE call, apply_webhook_event (service role): the event id
 *      is stored once (a duplicate delivery answers `duplicate` and changes nothing), the object is
 *      applied by the same apply_* functions the worker uses (idempotent, never moving a payment
 *      backwards, so out-of-order events are harmless), unknown types are recorded `ignored`, and an
 *      object that fails to apply is recorded `failed` (answered 200: Stripe's retries would not
 *      help; the event stays in private.webhook_events for an operator).
 *   3. 200 {received, event_id, status}. A malformed event → 400 HL635. Only when the database
 *      cannot be reached does it answer 503, so Stripe retries the delivery later.
 *
 * Nothing from the payload is logged (it may hold customer details).
 */
import Stripe from "stripe";
import { handle, HttpError, json, methodNotAllowed } from "../_shared/http.ts";
import type { MoneyApi } from "../_shared/payments/api.ts";
import type { ProviderName } from "../_shared/payments/types.ts";

export const TOLERANCE_SECONDS = 300;
/** Stripe's events are far smaller; a larger body is not Stripe's. */
export const MAX_BODY_BYTES = 512 * 1024;

export interface WebhookDeps {
  api: () => MoneyApi;
  /** The endpoint's signing secret(s): during a secret roll Stripe signs with both. */
  secrets: () => string[];
  provider: () => ProviderName;
  /** Clock for the tolerance check (tests). */
  now?: () => number;
}

const webhooks = new Stripe("sk_unused_for_webhook_verification").webhooks;
const crypto = Stripe.createSubtleCryptoProvider();

/** `nowMs`: the receiving time in ms (the SDK's receivedAt); default Date.now(). */
async function verify(body: string, signature: string, secrets: string[], nowMs?: number): Promise<Stripe.Event> {
  let last: unknown;
  for (const secret of secrets) {
    try {
      return await webhooks.constructEventAsync(body, signature, secret, TOLERANCE_SECONDS, crypto, nowMs);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

export function createWebhookHandler(deps: WebhookDeps): (req: Request) => Promise<Response> {
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const signature = req.headers.get("stripe-signature");
    if (!signature) {
      throw new HttpError(400, "HL673", "The webhook signature is missing or invalid.", "no Stripe-Signature header");
    }
    const declared = Number(req.headers.get("content-length") ?? "0");
    if (declared > MAX_BODY_BYTES) {
      throw new HttpError(400, "HL635", "The webhook event is malformed.", "body too large");
    }
    const body = await req.text();
    if (body.length > MAX_BODY_BYTES) {
      throw new HttpError(400, "HL635", "The webhook event is malformed.", "body too large");
    }
    let event: Stripe.Event;
    try {
      event = await verify(body, signature, deps.secrets(), deps.now?.());
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type === "StripeSignatureVerificationError") {
        // The SDK's message may describe the secret; the client only learns which check failed.
        const reason = /tolerance/i.test((err as Error).message) ? "timestamp_outside_tolerance" : "signature_mismatch";
        throw new HttpError(400, "HL673", "The webhook signature is missing or invalid.", reason);
      }
      // The signature matched but the body is not JSON.
      throw new HttpError(400, "HL635", "The webhook event is malformed.", "body is not a JSON event");
    }
    const e = event as unknown as { id?: unknown; type?: unknown; data?: { object?: unknown } };
    if (
      typeof e.id !== "string" || typeof e.type !== "string" || typeof e.data?.object !== "object" ||
      e.data.object === null
    ) {
      throw new HttpError(400, "HL635", "The webhook event is malformed.", "an event needs id, type and data.object");
    }
    const r = await deps.api().applyWebhookEvent(deps.provider(), event).catch(() => null);
    if (!r) throw new HttpError(503, "HL671", "The payment service is unavailable. Try again shortly.");
    if (!r.ok) {
      const b = (r.body ?? {}) as { code?: string; message?: string; details?: unknown };
      if (r.status < 500 && typeof b.code === "string" && /^HL\d{3}$/.test(b.code)) {
        throw new HttpError(r.status, b.code, b.message ?? "The webhook event was refused.", b.details ?? undefined);
      }
      throw new HttpError(503, "HL671", "The payment service is unavailable. Try again shortly.");
    }
    const out = (r.body ?? {}) as { status?: string; error?: string | null };
    return json({ received: true, event_id: e.id, type: e.type, status: out.status ?? null });
  });
}
