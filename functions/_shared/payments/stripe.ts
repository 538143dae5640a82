/**
 * The Stripe implementation of PaymentProvider, with the official SDK (npm:stripe through the
 * import map; `Stripe.createFetchHttpClient()` so it runs on Deno's fetch).
 *
 * - PaymentIntents with `capture_method: manual` (authorise now, capture on completion, partial
 *   capture with `amount_to_capture` releases the rest), card only, `latest_charge` expanded so the
 *   authorisation's `capture_before` reaches the database.
 * - Connect: Express accounts (`controller` settings of an Express account), onboarding account
 *   links, transfers from the platform balance to the connected account (separate charges and
 *   transfers, grouped by `transfer_group`).
 * - Every mutating call sends the operation's idempotency key as `Idempotency-Key`.
 * - The SDK retries network errors itself (maxNetworkRetries, same key); Stripe errors become
 *   ProviderError (see `mapStripeError`).
 */
import Stripe from "stripe";
import {
  type Account,
  type AccountLink,
  type AccountParams,
  type CreateIntentParams,
  type Customer,
  type CustomerParams,
  type PaymentIntent,
  type PaymentMethod,
  type PaymentProvider,
  providerCurrency,
  ProviderError,
  type Refund,
  type RefundParams,
  type Transfer,
  type TransferParams,
} from "./types.ts";

export interface StripeProviderOptions {
  /** Secret key (sk_live_/sk_test_/rk_): never logged. */
  secretKey: string;
  /** An HTTP client for the SDK (tests pass a replaying one); default: fetch. */
  httpClient?: ReturnType<typeof Stripe.createFetchHttpClient>;
  /** SDK retries of network errors and 409/5xx with the same idempotency key (default 2). */
  maxNetworkRetries?: number;
  /** Per-request timeout in ms (default 20 000). */
  timeout?: number;
}

interface RawStripeError {
  type?: string;
  rawType?: string;
  code?: string;
  decline_code?: string;
  message?: string;
  statusCode?: number;
  requestId?: string;
  payment_intent?: unknown;
  raw?: { type?: string; payment_intent?: unknown };
}

/** Stripe's error → ProviderError (kind by type and code; the declined intent kept). */
export function mapStripeError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as RawStripeError;
  const type = e.type ?? "";
  const rawType = e.rawType ?? e.raw?.type ?? "";
  const code = e.code ?? null;
  const status = typeof e.statusCode === "number" ? e.statusCode : null;
  const pi = (e.payment_intent ?? e.raw?.payment_intent ?? null) as PaymentIntent | null;
  const opts = {
    code,
    declineCode: e.decline_code || null,
    httpStatus: status,
    paymentIntent: pi,
    requestId: e.requestId ?? null,
  };
  const message = e.message || "Stripe request failed";
  if (code === "authentication_required") return new ProviderError("authentication_required", message, opts);
  if (code === "charge_expired_for_capture") return new ProviderError("authorization_expired", message, opts);
  if (type === "StripeIdempotencyError" || rawType === "idempotency_error") {
    return new ProviderError("idempotency_conflict", message, opts);
  }
  if (type === "StripeCardError" || rawType === "card_error") {
    if (code === "processing_error") return new ProviderError("capture_failed", message, { ...opts, retryable: true });
    return new ProviderError("card_declined", message, opts);
  }
  if (type === "StripeRateLimitError" || code === "rate_limit" || code === "lock_timeout") {
    return new ProviderError("rate_limited", message, { ...opts, retryable: true });
  }
  if (type === "StripeAuthenticationError" || type === "StripePermissionError") {
    return new ProviderError("authentication", message, opts);
  }
  if (type === "StripeConnectionError" || type === "StripeAPIError" || (status !== null && status >= 500)) {
    return new ProviderError("unavailable", message, { ...opts, retryable: true });
  }
  if (type === "StripeInvalidRequestError" || rawType === "invalid_request_error") {
    if (code === "resource_missing") return new ProviderError("not_found", message, opts);
    if (
      code === "payment_intent_unexpected_state" || code === "charge_already_captured" ||
      code === "charge_already_refunded"
    ) {
      return new ProviderError("invalid_state", message, opts);
    }
    if (
      code === "insufficient_capabilities_for_transfer" || code === "account_invalid" || code === "payouts_not_allowed"
    ) {
      return new ProviderError("payout_failed", message, opts);
    }
    return new ProviderError("invalid_request", message, opts);
  }
  return new ProviderError("unavailable", message, { ...opts, retryable: true });
}

/** Strip the SDK's `lastResponse` (request id, headers) from an object before storing it. */
function plain<T>(obj: unknown): T {
  const { lastResponse: _drop, ...rest } = obj as Record<string, unknown>;
  return rest as T;
}

export class StripeProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  readonly stripe: Stripe;

  constructor(opts: StripeProviderOptions) {
    this.stripe = new Stripe(opts.secretKey, {
      httpClient: opts.httpClient ?? Stripe.createFetchHttpClient(),
      maxNetworkRetries: opts.maxNetworkRetries ?? 2,
      timeout: opts.timeout ?? 20_000,
      appInfo: { name: "hyperlocal-payments" },
    });
  }

  private async call<T>(fn: () => Promise<unknown>): Promise<T> {
    try {
      return plain<T>(await fn());
    } catch (err) {
      throw mapStripeError(err);
    }
  }

  async findOrCreateCustomer(p: CustomerParams, idempotencyKey: string): Promise<Customer> {
    // Search is eventually consistent (seconds): the database keeps the id once known; the
    // idempotency key covers a retry of the same create within Stripe's 24 h key window.
    const found = await this.call<{ data: Customer[] }>(() =>
      this.stripe.customers.search({ query: `metadata['hl_user_id']:'${p.userId.replace(/'/g, "")}'`, limit: 1 })
    );
    if (found.data.length > 0) return plain<Customer>(found.data[0]);
    return await this.call<Customer>(() =>
      this.stripe.customers.create(
        {
          ...(p.email ? { email: p.email } : {}),
          ...(p.name ? { name: p.name } : {}),
          metadata: { hl_user_id: p.userId },
        },
        { idempotencyKey },
      )
    );
  }

  async listPaymentMethods(customer: string): Promise<PaymentMethod[]> {
    const list = await this.call<{ data: PaymentMethod[] }>(() =>
      this.stripe.customers.listPaymentMethods(customer, { type: "card", limit: 20 })
    );
    return list.data.map((m) => plain<PaymentMethod>(m));
  }

  createPaymentIntent(p: CreateIntentParams, idempotencyKey: string): Promise<PaymentIntent> {
    const confirm = p.confirm ?? p.payment_method !== undefined;
    return this.call<PaymentIntent>(() =>
      this.stripe.paymentIntents.create(
        {
          amount: p.amount,
          currency: providerCurrency(p.currency),
          customer: p.customer,
          capture_method: p.capture_method ?? "manual",
          allowed_payment_method_types: ["card"],
          ...(p.payment_method ? { payment_method: p.payment_method } : {}),
          ...(confirm ? { confirm: true } : {}),
          ...(p.off_session ? { off_session: true } : { setup_future_usage: "off_session" as const }),
          ...(p.description ? { description: p.description } : {}),
          ...(p.transfer_group ? { transfer_group: p.transfer_group } : {}),
          metadata: p.metadata ?? {},
          expand: ["latest_charge"],
        },
        { idempotencyKey },
      )
    );
  }

  confirmPaymentIntent(
    id: string,
    p: { payment_method?: string; off_session?: boolean },
    idempotencyKey: string,
  ): Promise<PaymentIntent> {
    return this.call<PaymentIntent>(() =>
      this.stripe.paymentIntents.confirm(
        id,
        {
          ...(p.payment_method ? { payment_method: p.payment_method } : {}),
          ...(p.off_session ? { off_session: true } : {}),
          expand: ["latest_charge"],
        },
        { idempotencyKey },
      )
    );
  }

  retrievePaymentIntent(id: string): Promise<PaymentIntent> {
    return this.call<PaymentIntent>(() => this.stripe.paymentIntents.retrieve(id, { expand: ["latest_charge"] }));
  }

  capturePaymentIntent(id: string, p: { amount_to_capture?: number }, idempotencyKey: string): Promise<PaymentIntent> {
    return this.call<PaymentIntent>(() =>
      this.stripe.paymentIntents.capture(
        id,
        {
          ...(p.amount_to_capture !== undefined ? { amount_to_capture: p.amount_to_capture } : {}),
          expand: ["latest_charge"],
        },
        { idempotencyKey },
      )
    );
  }

  cancelPaymentIntent(
    id: string,
    p: { cancellation_reason?: "duplicate" | "fraudulent" | "requested_by_customer" | "abandoned" },
    idempotencyKey: string,
  ): Promise<PaymentIntent> {
    return this.call<PaymentIntent>(() =>
      this.stripe.paymentIntents.cancel(
        id,
        { ...(p.cancellation_reason ? { cancellation_reason: p.cancellation_reason } : {}), expand: ["latest_charge"] },
        { idempotencyKey },
      )
    );
  }

  createRefund(p: RefundParams, idempotencyKey: string): Promise<Refund> {
    return this.call<Refund>(() =>
      this.stripe.refunds.create(
        {
          payment_intent: p.payment_intent,
          ...(p.amount !== undefined ? { amount: p.amount } : {}),
          ...(p.reason ? { reason: p.reason } : {}),
          metadata: p.metadata ?? {},
        },
        { idempotencyKey },
      )
    );
  }

  retrieveRefund(id: string): Promise<Refund> {
    return this.call<Refund>(() => this.stripe.refunds.retrieve(id));
  }

  createAccount(p: AccountParams, idempotencyKey: string): Promise<Account> {
    return this.call<Account>(() =>
      this.stripe.accounts.create(
        {
          type: "express",
          country: p.country.toUpperCase(),
          ...(p.email ? { email: p.email } : {}),
          capabilities: { transfers: { requested: true } },
          metadata: { ...(p.metadata ?? {}), hl_owner_kind: p.ownerKind, hl_owner_id: p.ownerId },
        },
        { idempotencyKey },
      )
    );
  }

  retrieveAccount(id: string): Promise<Account> {
    return this.call<Account>(() => this.stripe.accounts.retrieve(id));
  }

  createAccountLink(p: { account: string; refresh_url: string; return_url: string }): Promise<AccountLink> {
    return this.call<AccountLink>(() =>
      this.stripe.accountLinks.create({
        account: p.account,
        refresh_url: p.refresh_url,
        return_url: p.return_url,
        type: "account_onboarding",
      })
    );
  }

  createTransfer(p: TransferParams, idempotencyKey: string): Promise<Transfer> {
    return this.call<Transfer>(() =>
      this.stripe.transfers.create(
        {
          amount: p.amount,
          currency: providerCurrency(p.currency),
          destination: p.destination,
          ...(p.transfer_group ? { transfer_group: p.transfer_group } : {}),
          metadata: p.metadata ?? {},
        },
        { idempotencyKey },
      )
    );
  }

  retrieveTransfer(id: string): Promise<Transfer> {
    return this.call<Transfer>(() => this.stripe.transfers.retrieve(id));
  }
}
