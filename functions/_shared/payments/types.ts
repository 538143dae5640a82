/**
 * The payment provider interface: what the `payments` worker, the client routes and the
 * `stripe-webhook` function need from a card processor with escrow-style manual capture and
 * marketplace payouts.
 *
 * Objects are Stripe-shaped (the JSON Stripe's API returns, trimmed to the fields we use, amounts
 * in integer minor units, lowercase currency), so the database's apply_* functions accept what the
 * Stripe implementation (./stripe.ts) returns, what the local implementation (./local.ts) returns
 * and what a Stripe webhook event carries, alike.
 *
 * Every mutating call takes an idempotency key derived from the operation (the SQL outbox gives
 * it, e.g. `hl:capture:<payment id>:1`): repeating a call with the same key and the same
 * parameters returns the first answer and never charges twice; the same key with other parameters
 * is refused (`idempotency_conflict`).
 *
 * Failures are thrown as ProviderError with a `kind` the callers switch on (declined card, 3DS
 * required, expired authorisation, idempotency conflict, ...), `retryable` for transient ones, and
 * the provider's object in the state it was left in when the provider returns one (a declined
 * PaymentIntent stays `requires_payment_method`).
 */

export type ProviderName = "local" | "stripe";

export type PaymentIntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "canceled"
  | "succeeded";

export interface LastPaymentError {
  type: string;
  code?: string | null;
  decline_code?: string | null;
  message?: string | null;
}

/** The charge of an intent (Stripe's `latest_charge`, expanded). */
export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  refunded: boolean;
  currency: string;
  payment_intent: string;
  status: "succeeded" | "pending" | "failed";
  payment_method_details?: {
    type: "card";
    card?: {
      brand?: string | null;
      last4?: string | null;
      /** Unix seconds: the authorisation must be captured before this (manual capture). */
      capture_before?: number | null;
    } | null;
  } | null;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: PaymentIntentStatus;
  capture_method: "manual" | "automatic" | "automatic_async";
  customer: string | null;
  payment_method: string | null;
  client_secret: string | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  created: number;
  livemode: boolean;
  metadata: Record<string, string>;
  transfer_group?: string | null;
  next_action?: { type: string; [k: string]: unknown } | null;
  last_payment_error?: LastPaymentError | null;
  /** Expanded on create/confirm/capture/retrieve by both implementations (an id string in events). */
  latest_charge?: Charge | string | null;
}

export interface Refund {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  payment_intent: string | null;
  charge?: string | null;
  status: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
  reason: string | null;
  created: number;
  metadata: Record<string, string>;
  failure_reason?: string | null;
}

export interface Account {
  id: string;
  object: "account";
  type: "express" | "standard" | "custom";
  country: string | null;
  default_currency: string | null;
  email: string | null;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  created: number;
  metadata: Record<string, string>;
  requirements?: { currently_due: string[]; disabled_reason: string | null } | null;
}

export interface AccountLink {
  object: "account_link";
  url: string;
  created: number;
  expires_at: number;
}

export interface Transfer {
  id: string;
  object: "transfer";
  amount: number;
  amount_reversed: number;
  currency: string;
  destination: string;
  reversed: boolean;
  transfer_group: string | null;
  created: number;
  metadata: Record<string, string>;
}

export interface PaymentMethod {
  id: string;
  object: "payment_method";
  type: "card";
  customer: string | null;
  card: { brand: string; last4: string; exp_month: number; exp_year: number; funding?: string } | null;
  created: number;
  metadata?: Record<string, string>;
}

export interface Customer {
  id: string;
  object: "customer";
  email: string | null;
  name?: string | null;
  created: number;
  metadata: Record<string, string>;
}

export interface CustomerParams {
  /** Our user id; kept in the customer's metadata (hl_user_id) to find it again. */
  userId: string;
  email?: string | null;
  name?: string | null;
}

export interface CreateIntentParams {
  amount: number;
  currency: string;
  customer: string;
  /** A saved payment method (pm_...) or, for the local provider and Stripe test mode, a test token. */
  payment_method?: string;
  /** Confirm at once (needs payment_method). Without it the app confirms with the client secret. */
  confirm?: boolean;
  /** Re-authorisation without the customer present (saved payment method). */
  off_session?: boolean;
  /** `manual` (default: authorise now, capture later) or `automatic` (tips: captured at once). */
  capture_method?: "manual" | "automatic";
  description?: string;
  transfer_group?: string;
  metadata?: Record<string, string>;
}

export interface RefundParams {
  payment_intent: string;
  /** Minor units; omitted = everything not yet refunded. */
  amount?: number;
  reason?: "duplicate" | "fraudulent" | "requested_by_customer";
  metadata?: Record<string, string>;
}

export interface AccountParams {
  /** Whose account: our user or business id (metadata hl_owner_kind / hl_owner_id). */
  ownerKind: "user" | "business";
  ownerId: string;
  email?: string | null;
  country: string;
  metadata?: Record<string, string>;
}

export interface TransferParams {
  amount: number;
  currency: string;
  destination: string;
  transfer_group?: string;
  metadata?: Record<string, string>;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  findOrCreateCustomer(params: CustomerParams, idempotencyKey: string): Promise<Customer>;
  listPaymentMethods(customer: string): Promise<PaymentMethod[]>;
  createPaymentIntent(params: CreateIntentParams, idempotencyKey: string): Promise<PaymentIntent>;
  /** Confirm (again): with a payment method, or to complete a `requires_action` step locally. */
  confirmPaymentIntent(
    id: string,
    params: { payment_method?: string; off_session?: boolean },
    idempotencyKey: string,
  ): Promise<PaymentIntent>;
  retrievePaymentIntent(id: string): Promise<PaymentIntent>;
  /** Capture all (no amount) or `amount_to_capture`; the rest of the authorisation is released. */
  capturePaymentIntent(
    id: string,
    params: { amount_to_capture?: number },
    idempotencyKey: string,
  ): Promise<PaymentIntent>;
  /** Void an uncaptured authorisation. */
  cancelPaymentIntent(
    id: string,
    params: { cancellation_reason?: "duplicate" | "fraudulent" | "requested_by_customer" | "abandoned" },
    idempotencyKey: string,
  ): Promise<PaymentIntent>;
  createRefund(params: RefundParams, idempotencyKey: string): Promise<Refund>;
  retrieveRefund(id: string): Promise<Refund>;
  /** A connected account (Stripe Connect Express) for a payee. */
  createAccount(params: AccountParams, idempotencyKey: string): Promise<Account>;
  retrieveAccount(id: string): Promise<Account>;
  /** A one-time onboarding link for the account. */
  createAccountLink(params: { account: string; refresh_url: string; return_url: string }): Promise<AccountLink>;
  createTransfer(params: TransferParams, idempotencyKey: string): Promise<Transfer>;
  retrieveTransfer(id: string): Promise<Transfer>;
}

export type ProviderErrorKind =
  /** The card was declined (insufficient funds, generic decline, ...). Not retryable with this card. */
  | "card_declined"
  /** Strong customer authentication is needed; off-session, the customer must come back. */
  | "authentication_required"
  /** The authorisation expired before capture (Stripe `charge_expired_for_capture`). */
  | "authorization_expired"
  /** The capture itself failed at the processor. */
  | "capture_failed"
  /** A transfer/payout to the connected account was refused (account cannot receive payouts). */
  | "payout_failed"
  /** The same idempotency key was used with other parameters, or concurrently. */
  | "idempotency_conflict"
  /** The object is in a state that does not allow this (e.g. capture of a canceled intent). */
  | "invalid_state"
  /** Bad parameters (amount too large, refund beyond captured, ...). */
  | "invalid_request"
  | "not_found"
  /** Credentials or permissions (misconfiguration, not the client's fault). */
  | "authentication"
  | "rate_limited"
  /** Network trouble or a provider-side error: retry later with the same idempotency key. */
  | "unavailable";

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** The provider's own code (card_declined, amount_too_large, ...), when it gave one. */
  readonly code: string | null;
  readonly declineCode: string | null;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  /** The intent in the state the failure left it in (declined → requires_payment_method). */
  readonly paymentIntent: PaymentIntent | null;
  readonly requestId: string | null;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    opts: {
      code?: string | null;
      declineCode?: string | null;
      httpStatus?: number | null;
      retryable?: boolean;
      paymentIntent?: PaymentIntent | null;
      requestId?: string | null;
    } = {},
  ) {
    super(message);
    this.name = "ProviderError";
    this.kind = kind;
    this.code = opts.code ?? null;
    this.declineCode = opts.declineCode ?? null;
    this.httpStatus = opts.httpStatus ?? null;
    this.retryable = opts.retryable ?? (kind === "unavailable" || kind === "rate_limited");
    this.paymentIntent = opts.paymentIntent ?? null;
    this.requestId = opts.requestId ?? null;
  }

  /** A JSON-safe summary (no card data: only codes and the provider's message). */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      code: this.code,
      decline_code: this.declineCode,
      message: this.message,
      retryable: this.retryable,
      http_status: this.httpStatus,
    };
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError ||
    (typeof err === "object" && err !== null && (err as { name?: unknown }).name === "ProviderError");
}

/** Provider currencies are lowercase ISO codes; the database keeps uppercase char(3). */
export const providerCurrency = (c: string): string => c.trim().toLowerCase();
