/**
 * /functions/v1/payments — client payment actions (the user's JWT) and the trusted worker.
 *
 * Client routes (a signed-in user; every state comes from the provider's answer, applied by the
 * database's apply_* functions: nothing a client sends can mark anything paid):
 *   POST /payments/booking          {booking_id, payment_method?, promo_code?}
 *        Starts or resumes the booking's payment (prepare_booking_payment as the user): creates the
 *        manual-capture PaymentIntent with the operation's idempotency key, confirmed at once when a
 *        payment method is known (local: a test token authorises, or asks for 3DS), else returns
 *        the client_secret for the app to confirm (Stripe.js / mobile SDK).
 *   POST /payments/booking/confirm  {booking_id}  after the app's 3DS step: local completes the
 *        challenge; Stripe re-reads the intent. Both apply what the provider says.
 *   POST /payments/tip              {booking_id, amount, payment_method?}  (captured at once)
 *   POST /payments/tip/confirm      {booking_id, amount}
 *   POST /payments/subject          {kind, id, payment_method?}  the payment of another module's
 *        subject (e.g. kind order): prepare_subject_payment as the user (the kind's prepare handler
 *        checks the subject and the payer), then as /booking (manual or automatic capture, as the
 *        subject's module created it)
 *   POST /payments/subject/confirm  {kind, id}  after the app's 3DS step
 *   GET  /payments/onboarding[?business_id=]   my (or my business's) payout account and its flags
 *   POST /payments/onboarding       {business_id?, return_url?, refresh_url?}  the account (created
 *        on first use, Connect Express) and a one-time onboarding link
 *   GET  /payments/methods          my saved cards (brand, last4, expiry)
 * Service role only:
 *   POST /payments/worker           {batch_size?, max_batches?}  drain the operation outbox
 *   POST /payments/sync             {payment_intent | refund | transfer | account: id}  re-read an
 *        object from the provider and apply it (reconciliation; local onboarding in tests)
 *
 * Errors: JSON {code, message, details?}: 400 invalid_request (zod, field errors) / HL641, 401 HL001,
 * 403 HL002, 404 HL003/HL620, 409, 422, 402 HL670 (declined), 429 HL006 and 503 HL671 with
 * Retry-After; database errors keep their HL code and status.
 */
import { z } from "zod";
import { bearer, errorResponse, handle, HttpError, json, methodNotAllowed, readJson } from "../_shared/http.ts";
import { MoneyApi, type PreparedPayment, type PreparedPayoutAccount } from "../_shared/payments/api.ts";
import {
  isProviderError,
  type PaymentIntent,
  type PaymentProvider,
  type ProviderError,
} from "../_shared/payments/types.ts";
import { runWorker } from "./worker.ts";

export interface PaymentsDeps {
  api: () => MoneyApi;
  provider: () => PaymentProvider;
  returnUrl?: string;
  refreshUrl?: string;
  country?: string;
  batchSize?: number;
  maxBatches?: number;
  budgetMs?: number;
}

const uuid = z.uuid();
const paymentMethod = z.string().regex(/^[A-Za-z0-9_]{1,100}$/, "a payment method id (pm_...)");
const bookingBody = z.object({
  booking_id: uuid,
  payment_method: paymentMethod.optional(),
  promo_code: z.string().trim().min(1).max(64).optional(),
}).strict();
const confirmBody = z.object({ booking_id: uuid }).strict();
const tipBody = z.object({
  booking_id: uuid,
  amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  payment_method: paymentMethod.optional(),
}).strict();
const tipConfirmBody = z.object({ booking_id: uuid, amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict();
const subjectKind = z.string().regex(/^[a-z][a-z0-9_]{1,30}$/, "a registered subject kind (e.g. order)");
const subjectBody = z.object({ kind: subjectKind, id: uuid, payment_method: paymentMethod.optional() }).strict();
const subjectConfirmBody = z.object({ kind: subjectKind, id: uuid }).strict();
const onboardingBody = z.object({
  business_id: uuid.optional(),
  return_url: z.url({ protocol: /^(https|hyperlocal)$/ }).max(2000).optional(),
  refresh_url: z.url({ protocol: /^(https|hyperlocal)$/ }).max(2000).optional(),
}).strict();
const workerBody = z.object({
  batch_size: z.int().min(1).max(100).optional(),
  max_batches: z.int().min(1).max(50).optional(),
}).strict();
const providerId = z.string().regex(/^[A-Za-z0-9_]{3,255}$/);
const syncBody = z.object({
  payment_intent: providerId.optional(),
  refund: providerId.optional(),
  transfer: providerId.optional(),
  account: providerId.optional(),
}).strict().refine((b) => Object.values(b).filter((v) => v !== undefined).length === 1, {
  message: "Give exactly one of payment_intent, refund, transfer, account",
});

interface Claims {
  role?: string;
  sub?: string;
  email?: string;
}

/** Claims of a JWT the gateway already verified (verify_jwt = true). */
function claimsOf(token: string): Claims {
  try {
    const part = token.split(".")[1] ?? "";
    const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (part.length % 4)) % 4);
    return JSON.parse(atob(padded)) as Claims;
  } catch {
    return {};
  }
}

const AUTHORISED = new Set(["authorized", "captured", "partially_refunded", "refunded"]);
const CONFIRMABLE = new Set(["requires_payment_method", "requires_confirmation"]);

/** A provider failure → the client's answer (a declined card is 402, an outage 503). */
function providerHttpError(e: ProviderError, clientGaveMethod: boolean): HttpError {
  switch (e.kind) {
    case "card_declined":
    case "authentication_required":
      return new HttpError(402, "HL670", "The card was declined. Try another payment method.", {
        reason: e.kind,
        decline_code: e.declineCode ?? e.code,
      });
    case "unavailable":
    case "rate_limited":
      return new HttpError(503, "HL671", "The payment service is unavailable. Try again shortly.", { retry_after: 5 });
    case "invalid_state":
      return new HttpError(409, "HL005", "The request conflicts with the current state of the resource.", {
        reason: e.code,
      });
    case "not_found":
    case "invalid_request":
      if (clientGaveMethod && /payment_method|resource_missing/.test(e.code ?? "")) {
        return new HttpError(400, "HL641", "The payment method id is invalid.", { reason: e.code });
      }
      return new HttpError(502, "HL672", "The payment provider refused the request.", { reason: e.code });
    default:
      return new HttpError(502, "HL672", "The payment provider refused the request.", { reason: e.kind });
  }
}

/** Seconds to wait, from the database limiter's details ({"retry_after_seconds": n}, as JSON text). */
function retryAfter(err: unknown): number | undefined {
  if (!(err instanceof HttpError)) return undefined;
  let d: unknown = err.details;
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return undefined;
    }
  }
  const n = (d as { retry_after_seconds?: unknown; retry_after?: unknown } | null)?.retry_after_seconds ??
    (d as { retry_after?: unknown } | null)?.retry_after;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.ceil(n) : undefined;
}

/** Adds Retry-After to 429/503 answers. */
function withRetryAfter(fn: (req: Request) => Promise<Response>): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      return await fn(req);
    } catch (err) {
      const res = errorResponse(err);
      if (res.status === 429 || res.status === 503) {
        const h = new Headers(res.headers);
        if (!h.has("Retry-After")) h.set("Retry-After", String(retryAfter(err) ?? (res.status === 429 ? 60 : 5)));
        return new Response(res.body, { status: res.status, headers: h });
      }
      return res;
    }
  };
}

export function createPaymentsHandler(deps: PaymentsDeps): (req: Request) => Promise<Response> {
  const returnUrl = deps.returnUrl ?? "hyperlocal://payouts/onboarding/done";
  const refreshUrl = deps.refreshUrl ?? "hyperlocal://payouts/onboarding/refresh";

  async function ensureCustomer(api: MoneyApi, provider: PaymentProvider, prep: PreparedPayment, claims: Claims) {
    if (prep.provider_customer_ref) return prep.provider_customer_ref;
    const c = await provider.findOrCreateCustomer(
      { userId: prep.customer_id, email: claims.email ?? null },
      `hl:customer:${prep.customer_id}`,
    );
    await api.recordPaymentCustomer(prep.customer_id, provider.name, c.id);
    return c.id;
  }

  /** Create, resume or confirm the intent of a prepared payment; apply and answer. */
  async function pay(prep: PreparedPayment, claims: Claims, method: string | undefined, confirmAction: boolean) {
    const api = deps.api();
    const provider = deps.provider();
    let applied: { status?: string } | null = null;
    if (AUTHORISED.has(prep.status) && !confirmAction) return answer(prep, null, prep.status);
    const pm = method ?? prep.payment_method ?? undefined;
    try {
      let pi: PaymentIntent | null = null;
      if (prep.provider_ref) {
        pi = await provider.retrievePaymentIntent(prep.provider_ref);
        if (confirmAction && pi.status === "requires_action" && provider.name === "local") {
          // Local stand-in for the app completing the 3DS challenge with Stripe's SDK.
          pi = await provider.confirmPaymentIntent(pi.id, {}, `${prep.idempotency_key}:action`);
        } else if (pi.status === "canceled") {
          pi = null; // a new attempt gets a new intent (its idempotency key has the new attempt)
        } else if (!confirmAction && method && CONFIRMABLE.has(pi.status)) {
          pi = await provider.confirmPaymentIntent(
            pi.id,
            { payment_method: method },
            `${prep.idempotency_key}:confirm:${method}`,
          );
        }
      } else if (confirmAction) {
        throw new HttpError(422, "HL674", "There is no payment step to confirm; start the payment first.");
      }
      if (!pi) {
        const customer = await ensureCustomer(api, provider, prep, claims);
        pi = await provider.createPaymentIntent({
          amount: prep.amount,
          currency: prep.currency,
          customer,
          payment_method: pm,
          confirm: pm !== undefined,
          capture_method: prep.capture_method,
          description: prep.description ?? undefined,
          metadata: prep.metadata,
        }, prep.idempotency_key);
      }
      applied = await api.applyPaymentIntent(provider.name, pi);
      return answer(prep, pi, applied?.status ?? prep.status);
    } catch (err) {
      if (!isProviderError(err)) throw err;
      if (err.paymentIntent) await api.applyPaymentIntent(provider.name, err.paymentIntent);
      throw providerHttpError(err, method !== undefined);
    }
  }

  function answer(prep: PreparedPayment, pi: PaymentIntent | null, status: string) {
    const pending = pi !== null &&
      ["requires_payment_method", "requires_confirmation", "requires_action"].includes(pi.status);
    return json({
      payment_id: prep.payment_id,
      booking_id: prep.booking_id,
      kind: prep.kind,
      subject_kind: prep.subject_kind ?? "booking",
      subject_id: prep.subject_id ?? prep.booking_id,
      status,
      provider: prep.provider,
      payment_intent: pi?.id ?? prep.provider_ref,
      intent_status: pi?.status ?? null,
      // Only while the app still has to confirm: the client secret lets it do so, nothing more.
      client_secret: pending ? pi!.client_secret : null,
      next_action: pi?.status === "requires_action" ? (pi.next_action ?? null) : null,
      amount: prep.amount,
      currency: prep.currency,
      authorization_due_at: prep.authorization_due_at ?? null,
    });
  }

  async function onboarding(req: Request, token: string, claims: Claims) {
    const api = deps.api();
    const provider = deps.provider();
    const isPost = req.method === "POST";
    let businessId: string | undefined;
    let back = returnUrl;
    let refresh = refreshUrl;
    if (isPost) {
      const b = await readJson(req, onboardingBody);
      businessId = b.business_id;
      back = b.return_url ?? back;
      refresh = b.refresh_url ?? refresh;
    } else {
      const q = new URL(req.url).searchParams.get("business_id");
      businessId = q === null ? undefined : z.object({ business_id: uuid }).parse({ business_id: q }).business_id;
    }
    const prep: PreparedPayoutAccount = await api.preparePayoutAccount(token, { provider: provider.name, businessId });
    try {
      let account = prep.provider_account_id ? await provider.retrieveAccount(prep.provider_account_id) : null;
      if (!account && isPost) {
        account = await provider.createAccount({
          ownerKind: prep.business_id ? "business" : "user",
          ownerId: prep.business_id ?? prep.profile_id ?? claims.sub ?? "",
          email: prep.email ?? claims.email ?? null,
          country: prep.country ?? deps.country ?? "AE",
          metadata: prep.metadata,
        }, prep.idempotency_key);
      }
      if (account) await api.applyAccount(provider.name, account);
      const link = account && isPost && !account.details_submitted
        ? await provider.createAccountLink({ account: account.id, return_url: back, refresh_url: refresh })
        : null;
      return json({
        payout_account_id: prep.payout_account_id,
        business_id: prep.business_id,
        provider: provider.name,
        account_id: account?.id ?? null,
        charges_enabled: account?.charges_enabled ?? prep.charges_enabled,
        payouts_enabled: account?.payouts_enabled ?? prep.payouts_enabled,
        details_submitted: account?.details_submitted ?? prep.details_submitted,
        onboarding_url: link?.url ?? null,
        onboarding_expires_at: link ? new Date(link.expires_at * 1000).toISOString() : null,
      });
    } catch (err) {
      if (isProviderError(err)) throw providerHttpError(err, false);
      throw err;
    }
  }

  async function methods(token: string) {
    const api = deps.api();
    const provider = deps.provider();
    const customer = await api.getPaymentCustomer(token, provider.name);
    if (!customer) return json({ provider: provider.name, payment_methods: [] });
    try {
      const list = await provider.listPaymentMethods(customer);
      return json({
        provider: provider.name,
        payment_methods: list.map((m) => ({
          id: m.id,
          type: m.type,
          brand: m.card?.brand ?? null,
          last4: m.card?.last4 ?? null,
          exp_month: m.card?.exp_month ?? null,
          exp_year: m.card?.exp_year ?? null,
        })),
      });
    } catch (err) {
      if (isProviderError(err)) throw providerHttpError(err, false);
      throw err;
    }
  }

  async function sync(req: Request) {
    const b = await readJson(req, syncBody);
    const api = deps.api();
    const provider = deps.provider();
    try {
      if (b.payment_intent) {
        const pi = await provider.retrievePaymentIntent(b.payment_intent);
        return json({ object: pi, applied: await api.applyPaymentIntent(provider.name, pi) });
      }
      if (b.refund) {
        const r = await provider.retrieveRefund(b.refund);
        return json({ object: r, applied: await api.applyRefund(provider.name, r) });
      }
      if (b.transfer) {
        const t = await provider.retrieveTransfer(b.transfer);
        return json({ object: t, applied: await api.applyTransfer(provider.name, t) });
      }
      const a = await provider.retrieveAccount(b.account!);
      return json({ object: a, applied: await api.applyAccount(provider.name, a) });
    } catch (err) {
      if (isProviderError(err) && err.kind === "not_found") {
        throw new HttpError(404, "HL003", "The requested resource does not exist.", { reason: err.code });
      }
      if (isProviderError(err)) throw providerHttpError(err, false);
      throw err;
    }
  }

  const route = async (req: Request): Promise<Response> => {
    const path = (/\/payments(\/[^?]*)?$/.exec(new URL(req.url).pathname)?.[1] ?? "/").replace(/\/+$/, "") || "/";
    const known: Record<string, string[]> = {
      "/booking": ["POST"],
      "/booking/confirm": ["POST"],
      "/tip": ["POST"],
      "/tip/confirm": ["POST"],
      "/subject": ["POST"],
      "/subject/confirm": ["POST"],
      "/onboarding": ["GET", "POST"],
      "/methods": ["GET"],
      "/worker": ["POST"],
      "/sync": ["POST"],
    };
    const allowed = known[path];
    if (!allowed) throw new HttpError(404, "HL003", "The requested resource does not exist.", { path });
    if (!allowed.includes(req.method)) return methodNotAllowed([...allowed, "OPTIONS"]);
    const token = bearer(req);
    if (!token) throw new HttpError(401, "HL001", "You must be signed in to do this.");
    const claims = claimsOf(token);
    const trusted = path === "/worker" || path === "/sync";
    if (trusted) {
      if (claims.role !== "service_role") {
        throw new HttpError(
          403,
          "HL002",
          "You are not allowed to do this.",
          `${path} is called with the service role key`,
        );
      }
      if (path === "/sync") return await sync(req);
      const text = await req.text();
      let parsed: unknown = {};
      if (text.trim() !== "") {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new HttpError(400, "invalid_json", "Request body must be valid JSON");
        }
      }
      const o = workerBody.parse(parsed);
      const totals = await runWorker(deps.api(), deps.provider(), {
        batchSize: o.batch_size ?? deps.batchSize ?? 25,
        maxBatches: o.max_batches ?? deps.maxBatches ?? 20,
        budgetMs: deps.budgetMs ?? 20_000,
      });
      return json(totals);
    }
    if (claims.role !== "authenticated" || !claims.sub) {
      throw new HttpError(403, "HL002", "You are not allowed to do this.", "payments routes act for a signed-in user");
    }
    const api = deps.api();
    const providerName = deps.provider().name;
    switch (path) {
      case "/booking": {
        const b = await readJson(req, bookingBody);
        const prep = await api.prepareBookingPayment(token, {
          bookingId: b.booking_id,
          provider: providerName,
          paymentMethod: b.payment_method,
          promoCode: b.promo_code,
        });
        return await pay(prep, claims, b.payment_method, false);
      }
      case "/booking/confirm": {
        const b = await readJson(req, confirmBody);
        const prep = await api.prepareBookingPayment(token, { bookingId: b.booking_id, provider: providerName });
        return await pay(prep, claims, undefined, true);
      }
      case "/tip": {
        const b = await readJson(req, tipBody);
        const prep = await api.prepareTipPayment(token, {
          bookingId: b.booking_id,
          provider: providerName,
          amount: b.amount,
          paymentMethod: b.payment_method,
        });
        return await pay(prep, claims, b.payment_method, false);
      }
      case "/tip/confirm": {
        const b = await readJson(req, tipConfirmBody);
        const prep = await api.prepareTipPayment(token, {
          bookingId: b.booking_id,
          provider: providerName,
          amount: b.amount,
        });
        return await pay(prep, claims, undefined, true);
      }
      case "/subject": {
        const b = await readJson(req, subjectBody);
        const prep = await api.prepareSubjectPayment(token, {
          kind: b.kind,
          subjectId: b.id,
          provider: providerName,
          paymentMethod: b.payment_method,
        });
        return await pay(prep, claims, b.payment_method, false);
      }
      case "/subject/confirm": {
        const b = await readJson(req, subjectConfirmBody);
        const prep = await api.prepareSubjectPayment(token, { kind: b.kind, subjectId: b.id, provider: providerName });
        return await pay(prep, claims, undefined, true);
      }
      case "/onboarding":
        return await onboarding(req, token, claims);
      default:
        return await methods(token);
    }
  };
  return handle(withRetryAfter(route));
}
