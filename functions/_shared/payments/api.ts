/**
 * The money module's SQL API as the `payments` and `stripe-webhook` functions call it: PostgREST
 * RPCs, with the caller's JWT for the client routes (so the database's guards, RLS and rate limits
 * apply to the user) and with the service role key for the trusted ones (claim/complete operations,
 * apply_* of provider objects, webhook events). See /docs/money.md for the contract.
 *
 * A database error raised by private.raise_error comes back from PostgREST as its HTTP status and
 * `{code: "HLnnn", message, details, hint}`: `rpcOrThrow` turns it into an HttpError with the same
 * status and code, so the client sees the registry's code.
 */
import { HttpError } from "../http.ts";
import type { Account, PaymentIntent, ProviderName, Refund, Transfer } from "./types.ts";

export interface RpcResult {
  ok: boolean;
  status: number;
  body: unknown;
}

export interface PreparedPayment {
  payment_id: string;
  /** The booking (subject kind booking), else null. */
  booking_id: string | null;
  /** The subject's kind for its own payment (booking, or another module's kind such as order), or tip. */
  kind: string;
  subject_kind?: string;
  subject_id?: string;
  status: string;
  attempt: number;
  provider: ProviderName;
  provider_ref: string | null;
  amount: number;
  currency: string;
  capture_method: "manual" | "automatic";
  payment_method: string | null;
  customer_id: string;
  provider_customer_ref: string | null;
  idempotency_key: string;
  description: string | null;
  metadata: Record<string, string>;
  authorization_due_at?: string | null;
  breakdown?: unknown;
}

export interface PreparedPayoutAccount {
  payout_account_id: string;
  provider: ProviderName;
  provider_account_id: string | null;
  profile_id: string | null;
  business_id: string | null;
  email: string | null;
  country: string | null;
  idempotency_key: string;
  metadata: Record<string, string>;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
}

export interface ClaimedOperation {
  operation_id: number;
  operation: "capture" | "cancel" | "refund" | "reauthorize" | "transfer" | string;
  attempt: number;
  idempotency_key: string;
  provider: ProviderName;
  payment_id: string | null;
  refund_id: string | null;
  payout_id: string | null;
  provider_ref: string | null;
  amount: number | null;
  currency: string | null;
  payment_method: string | null;
  provider_customer_ref: string | null;
  destination_account: string | null;
  metadata: Record<string, string> | null;
  created_at: string;
}

export interface ApplyResult {
  changed?: boolean;
  status?: string;
  ignored?: string;
  [k: string]: unknown;
}

export interface MoneyApiOptions {
  supabaseUrl: string;
  /** The key PostgREST needs as `apikey` (anon) for user calls. */
  anonKey: string;
  serviceRoleKey: string;
  fetch?: typeof fetch;
}

function parse(raw: string): unknown {
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A PostgREST error answer → HttpError with the registry's code (PGRST codes mapped to HL00x). */
export function httpErrorOf(r: RpcResult): HttpError {
  const b = (r.body ?? {}) as { code?: unknown; message?: unknown; details?: unknown; hint?: unknown };
  const code = typeof b.code === "string" ? b.code : "";
  const message = typeof b.message === "string" ? b.message : "The request failed.";
  if (/^HL\d{3}$/.test(code)) {
    const details = b.details ?? b.hint ?? undefined;
    return new HttpError(r.status, code, message, details === null ? undefined : details);
  }
  if (r.status === 401 || code === "PGRST301" || code === "PGRST302") {
    return new HttpError(401, "HL001", "You must be signed in to do this.");
  }
  if (r.status === 403 || code === "42501") return new HttpError(403, "HL002", "You are not allowed to do this.");
  if (r.status === 404) return new HttpError(404, "HL003", "The requested resource does not exist.");
  // Anything else is ours (a schema or connection problem), not the client's: 502 from upstream.
  return new HttpError(502, "HL672", "The payments service could not complete the request.", {
    upstream_status: r.status,
  });
}

export class MoneyApi {
  private readonly url: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: MoneyApiOptions) {
    this.url = opts.supabaseUrl.replace(/\/+$/, "");
    this.doFetch = opts.fetch ?? fetch;
  }

  /** Call an RPC; `token` = the user's JWT, or the service role key when omitted. */
  async rpc(fn: string, args: unknown, token?: string): Promise<RpcResult> {
    const key = token ?? this.opts.serviceRoleKey;
    const res = await this.doFetch(`${this.url}/rest/v1/rpc/${fn}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${key}`,
        apikey: token ? this.opts.anonKey : this.opts.serviceRoleKey,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
      body: JSON.stringify(args),
    });
    return { ok: res.ok, status: res.status, body: parse(await res.text()) };
  }

  async rpcOrThrow<T>(fn: string, args: unknown, token?: string): Promise<T> {
    const r = await this.rpc(fn, args, token);
    if (!r.ok) throw httpErrorOf(r);
    return r.body as T;
  }

  // ---- as the user ----
  prepareBookingPayment(
    token: string,
    a: { bookingId: string; provider: ProviderName; paymentMethod?: string; promoCode?: string },
  ) {
    return this.rpcOrThrow<PreparedPayment>("prepare_booking_payment", {
      p_booking_id: a.bookingId,
      p_provider: a.provider,
      p_payment_method: a.paymentMethod ?? null,
      p_promo_code: a.promoCode ?? null,
    }, token);
  }

  prepareTipPayment(
    token: string,
    a: { bookingId: string; provider: ProviderName; amount: number; paymentMethod?: string },
  ) {
    return this.rpcOrThrow<PreparedPayment>("prepare_tip_payment", {
      p_booking_id: a.bookingId,
      p_provider: a.provider,
      p_amount: a.amount,
      p_payment_method: a.paymentMethod ?? null,
    }, token);
  }

  /** The payer's payment of another module's subject (its kind's prepare handler decides). */
  prepareSubjectPayment(
    token: string,
    a: { kind: string; subjectId: string; provider: ProviderName; paymentMethod?: string },
  ) {
    return this.rpcOrThrow<PreparedPayment>("prepare_subject_payment", {
      p_kind: a.kind,
      p_subject_id: a.subjectId,
      p_provider: a.provider,
      p_payment_method: a.paymentMethod ?? null,
    }, token);
  }

  preparePayoutAccount(token: string, a: { provider: ProviderName; businessId?: string }) {
    return this.rpcOrThrow<PreparedPayoutAccount>("prepare_payout_account", {
      p_provider: a.provider,
      p_business_id: a.businessId ?? null,
    }, token);
  }

  getPaymentCustomer(token: string, provider: ProviderName) {
    return this.rpcOrThrow<string | null>("get_payment_customer", { p_provider: provider }, token);
  }

  // ---- as the service role ----
  recordPaymentCustomer(userId: string, provider: ProviderName, customerRef: string) {
    return this.rpcOrThrow<null>("record_payment_customer", {
      p_user_id: userId,
      p_provider: provider,
      p_customer_ref: customerRef,
    });
  }

  claimOperations(limit: number) {
    return this.rpcOrThrow<ClaimedOperation[]>("claim_payment_operations", { p_limit: limit });
  }

  completeOperation(
    id: number,
    attempt: number,
    outcome: "succeeded" | "retry" | "failed",
    result: unknown,
    error: string | null,
  ) {
    return this.rpcOrThrow<{ operation_id: number; status: string; next_attempt_at: string | null; stale: boolean }>(
      "complete_payment_operation",
      { p_operation_id: id, p_attempt: attempt, p_outcome: outcome, p_result: result ?? null, p_error: error },
    );
  }

  applyPaymentIntent(provider: ProviderName, intent: PaymentIntent) {
    return this.rpcOrThrow<ApplyResult>("apply_payment_intent", { p_provider: provider, p_intent: intent });
  }

  applyRefund(provider: ProviderName, refund: Refund) {
    return this.rpcOrThrow<ApplyResult>("apply_refund", { p_provider: provider, p_refund: refund });
  }

  applyTransfer(provider: ProviderName, transfer: Transfer) {
    return this.rpcOrThrow<ApplyResult>("apply_transfer", { p_provider: provider, p_transfer: transfer });
  }

  applyAccount(provider: ProviderName, account: Account) {
    return this.rpcOrThrow<ApplyResult>("apply_account", { p_provider: provider, p_account: account });
  }

  /** Raw: the webhook maps HL635 to 400 and anything else to a retryable answer. */
  applyWebhookEvent(provider: ProviderName, event: unknown) {
    return this.rpc("apply_webhook_event", { p_provider: provider, p_event: event });
  }
}
