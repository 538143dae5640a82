/**
 * The local implementation of PaymentProvider: Stripe's states and semantics without Stripe, for
 * development and tests (PAYMENTS_PROVIDER=local, the default here).
 *
 * Objects have Stripe's shapes (ids pi_local_…, re_local_…, acct_local_…, tr_local_…), so the
 * database's apply_* functions take them as they take Stripe's. Behaviour:
 *
 * - Payment methods are Stripe's test tokens: `pm_card_visa` / `pm_card_mastercard` authorise,
 *   `pm_card_chargeDeclined` is declined (card_declined, the intent stays requires_payment_method),
 *   `pm_card_authenticationRequired` needs 3DS: on-session the intent goes `requires_action` and
 *   a later confirm completes it; off-session (re-authorisation) it fails authentication_required.
 *   `pm_card_captureFails` (local only) authorises, then every capture fails (processing_error).
 *   A token used for a customer is saved as a card payment method (pm_local_…) that keeps the
 *   token's behaviour, as Stripe saves cards with setup_future_usage.
 * - Automatic capture (tips) goes straight to `succeeded`. Manual capture: `requires_capture` until captured, voided or expired. The authorisation
 *   expires `authorizationHours` after it was made (default 168 = 7 days, like card networks and
 *   Stripe): on the store's clock, which for the database store is private.now() (tests move it
 *   with hyperlocal.frozen_now, or back-date capture_before). An expired intent reads as canceled
 *   (cancellation_reason `automatic`) and a capture of it fails charge_expired_for_capture.
 * - Partial capture releases the rest; refunds up to captured − refunded; transfers to accounts;
 *   an account whose metadata has `hl_test_payouts_fail = "true"` refuses transfers
 *   (insufficient_capabilities_for_transfer → payout_failed). Accounts start not onboarded
 *   (charges/payouts disabled) until `completeOnboarding` (local only).
 * - Idempotency: the first answer (object or error) to a key is stored with a fingerprint of the
 *   request; the same key and request replays it, another request is refused (idempotency_error).
 *   Calls on the same key are serialised by the store.
 */
import {
  type Account,
  type AccountLink,
  type AccountParams,
  type Charge,
  type CreateIntentParams,
  type Customer,
  type CustomerParams,
  type PaymentIntent,
  type PaymentMethod,
  type PaymentProvider,
  providerCurrency,
  ProviderError,
  type ProviderErrorKind,
  type Refund,
  type RefundParams,
  type Transfer,
  type TransferParams,
} from "./types.ts";

export type LocalObject = Customer | PaymentMethod | PaymentIntent | Refund | Account | Transfer;

export interface StoredAnswer {
  fingerprint: string;
  /** 200 for an object, the error's HTTP status otherwise. */
  status: number;
  body: unknown;
}

/** One transaction of the store (serialised per idempotency key / object). */
export interface LocalTx {
  /** The store's clock. */
  now(): Promise<Date>;
  get<T extends LocalObject>(id: string): Promise<T | undefined>;
  /** Insert or replace; `ref` is a lookup key (customer of a payment method, user of a customer). */
  put(obj: LocalObject, ref?: string | null): Promise<void>;
  listByRef<T extends LocalObject>(object: string, ref: string): Promise<T[]>;
  answer(key: string): Promise<StoredAnswer | undefined>;
  saveAnswer(key: string, answer: StoredAnswer): Promise<void>;
}

export interface LocalStore {
  /** Run `fn` in one transaction, serialised with other transactions holding `lockKey`. */
  transaction<T>(lockKey: string, fn: (tx: LocalTx) => Promise<T>): Promise<T>;
}

/** Error bodies as Stripe writes them (type/code/decline_code/message). */
interface ErrorBody {
  error: {
    type: string;
    code?: string;
    decline_code?: string;
    message: string;
    payment_intent?: PaymentIntent;
  };
}

const KIND_OF: Record<string, ProviderErrorKind> = {
  card_declined: "card_declined",
  authentication_required: "authentication_required",
  charge_expired_for_capture: "authorization_expired",
  processing_error: "capture_failed",
  insufficient_capabilities_for_transfer: "payout_failed",
  payment_intent_unexpected_state: "invalid_state",
  charge_already_refunded: "invalid_state",
  amount_too_large: "invalid_request",
  parameter_invalid_integer: "invalid_request",
  parameter_missing: "invalid_request",
  resource_missing: "not_found",
  idempotency_key_in_use: "idempotency_conflict",
};

class LocalFailure extends Error {
  constructor(readonly status: number, readonly body: ErrorBody) {
    super(body.error.message);
  }
}

function toProviderError(status: number, body: ErrorBody): ProviderError {
  const e = body.error;
  const kind: ProviderErrorKind = e.type === "idempotency_error"
    ? "idempotency_conflict"
    : KIND_OF[e.code ?? ""] ?? (e.type === "card_error" ? "card_declined" : "invalid_request");
  return new ProviderError(kind, e.message, {
    code: e.code ?? null,
    declineCode: e.decline_code ?? null,
    httpStatus: status,
    paymentIntent: e.payment_intent ?? null,
    retryable: kind === "capture_failed",
  });
}

const fail = (status: number, type: string, code: string, message: string, extra: Partial<ErrorBody["error"]> = {}) =>
  new LocalFailure(status, { error: { type, code, message, ...extra } });

/** Test tokens → card and behaviour. */
interface TestCard {
  brand: string;
  last4: string;
  behaviour: "ok" | "declined" | "authentication_required" | "capture_fails";
}
export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: "visa", last4: "4242", behaviour: "ok" },
  pm_card_mastercard: { brand: "mastercard", last4: "4444", behaviour: "ok" },
  pm_card_chargeDeclined: { brand: "visa", last4: "0002", behaviour: "declined" },
  pm_card_authenticationRequired: { brand: "visa", last4: "3184", behaviour: "authentication_required" },
  pm_card_captureFails: { brand: "visa", last4: "0259", behaviour: "capture_fails" },
};

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randomId(prefix: string, n = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}

const secs = (d: Date) => Math.floor(d.getTime() / 1000);

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${
    Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(",")
  }}`;
}

export interface LocalProviderOptions {
  store: LocalStore;
  /** Hours an authorisation can be captured (default 168). */
  authorizationHours?: number;
  /** Base of the onboarding links (default hyperlocal-local://connect/onboarding). */
  onboardingBaseUrl?: string;
}

export class LocalProvider implements PaymentProvider {
  readonly name = "local" as const;
  readonly store: LocalStore;
  readonly authorizationHours: number;
  readonly onboardingBaseUrl: string;

  constructor(opts: LocalProviderOptions) {
    this.store = opts.store;
    this.authorizationHours = opts.authorizationHours ?? 168;
    this.onboardingBaseUrl = opts.onboardingBaseUrl ?? "hyperlocal-local://connect/onboarding";
  }

  /** Run a mutating request once per idempotency key (answers replayed, other requests refused). */
  private async idempotent<T>(key: string, request: unknown, fn: (tx: LocalTx) => Promise<T>): Promise<T> {
    if (!key || key.length > 255) {
      throw toProviderError(400, {
        error: {
          type: "invalid_request_error",
          code: "parameter_invalid_string",
          message: "Idempotency-Key must be 1-255 characters",
        },
      });
    }
    const fingerprint = stableStringify(request);
    const outcome = await this.store.transaction(`idem:${key}`, async (tx) => {
      const stored = await tx.answer(key);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          return {
            status: 400,
            body: {
              error: {
                type: "idempotency_error",
                message:
                  "Keys for idempotent requests can only be used with the same parameters they were first used with.",
              },
            } as unknown,
          };
        }
        return { status: stored.status, body: stored.body };
      }
      let answer: StoredAnswer;
      try {
        const value = await fn(tx);
        answer = { fingerprint, status: 200, body: value };
      } catch (err) {
        if (!(err instanceof LocalFailure)) throw err;
        answer = { fingerprint, status: err.status, body: err.body };
        // A declined attempt still changed the intent (last_payment_error): keep that change.
        if (err.body.error.payment_intent) await tx.put(err.body.error.payment_intent);
      }
      await tx.saveAnswer(key, answer);
      return { status: answer.status, body: answer.body };
    });
    if (outcome.status !== 200) throw toProviderError(outcome.status, outcome.body as ErrorBody);
    return outcome.body as T;
  }

  /** Reads outside idempotency still go through a transaction (expiry is applied on read). */
  private async read<T>(lockKey: string, fn: (tx: LocalTx) => Promise<T>): Promise<T> {
    try {
      return await this.store.transaction(lockKey, fn);
    } catch (err) {
      if (err instanceof LocalFailure) throw toProviderError(err.status, err.body);
      throw err;
    }
  }

  // ---- customers and payment methods ---------------------------------------------------------

  async findOrCreateCustomer(p: CustomerParams, idempotencyKey: string): Promise<Customer> {
    const existing = await this.read(`user:${p.userId}`, (tx) => tx.listByRef<Customer>("customer", p.userId));
    if (existing.length > 0) return existing[0];
    return this.idempotent(idempotencyKey, { op: "customers.create", ...p }, async (tx) => {
      const again = await tx.listByRef<Customer>("customer", p.userId);
      if (again.length > 0) return again[0];
      const c: Customer = {
        id: randomId("cus_local", 14),
        object: "customer",
        email: p.email ?? null,
        name: p.name ?? null,
        created: secs(await tx.now()),
        metadata: { hl_user_id: p.userId },
      };
      await tx.put(c, p.userId);
      return c;
    });
  }

  listPaymentMethods(customer: string): Promise<PaymentMethod[]> {
    return this.read(`customer:${customer}`, async (tx) => {
      if (!(await tx.get<Customer>(customer))) {
        throw fail(404, "invalid_request_error", "resource_missing", `No such customer: '${customer}'`);
      }
      return await tx.listByRef<PaymentMethod>("payment_method", customer);
    });
  }

  /** The saved method for a token (created on first use) or a saved pm_local_ id of this customer. */
  private async resolveMethod(
    tx: LocalTx,
    customer: string,
    pm: string,
  ): Promise<{ method: PaymentMethod; card: TestCard }> {
    const token = TEST_CARDS[pm];
    if (token) {
      const saved = (await tx.listByRef<PaymentMethod>("payment_method", customer))
        .find((m) => m.metadata?.test_token === pm);
      if (saved) return { method: saved, card: token };
      const method: PaymentMethod = {
        id: randomId("pm_local", 24),
        object: "payment_method",
        type: "card",
        customer,
        card: { brand: token.brand, last4: token.last4, exp_month: 12, exp_year: 2034, funding: "credit" },
        created: secs(await tx.now()),
        metadata: { test_token: pm },
      };
      await tx.put(method, customer);
      return { method, card: token };
    }
    const method = await tx.get<PaymentMethod>(pm);
    if (!method || method.object !== "payment_method") {
      throw fail(400, "invalid_request_error", "resource_missing", `No such PaymentMethod: '${pm}'`);
    }
    if (method.customer !== customer) {
      throw fail(
        400,
        "invalid_request_error",
        "payment_method_unexpected_state",
        "The provided PaymentMethod belongs to another customer.",
      );
    }
    return { method, card: TEST_CARDS[method.metadata?.test_token ?? ""] ?? TEST_CARDS.pm_card_visa };
  }

  // ---- payment intents -------------------------------------------------------------------------

  /** The intent with expiry applied (an authorisation past capture_before is canceled `automatic`). */
  private async intent(tx: LocalTx, id: string): Promise<PaymentIntent> {
    const pi = await tx.get<PaymentIntent>(id);
    if (!pi || pi.object !== "payment_intent") {
      throw fail(404, "invalid_request_error", "resource_missing", `No such payment_intent: '${id}'`);
    }
    const charge = typeof pi.latest_charge === "object" ? pi.latest_charge : null;
    const before = charge?.payment_method_details?.card?.capture_before;
    if (pi.status === "requires_capture" && before && secs(await tx.now()) >= before) {
      const now = secs(await tx.now());
      const expired: PaymentIntent = {
        ...pi,
        status: "canceled",
        amount_capturable: 0,
        canceled_at: now,
        cancellation_reason: "automatic",
        latest_charge: charge ? { ...charge, amount_refunded: charge.amount, refunded: true } : charge,
      };
      await tx.put(expired);
      return expired;
    }
    return pi;
  }

  /** Attempt the authorisation of `pi` with `pm` (on- or off-session). */
  private async authorise(
    tx: LocalTx,
    pi: PaymentIntent,
    pm: string,
    offSession: boolean,
  ): Promise<PaymentIntent> {
    const { method, card } = await this.resolveMethod(tx, pi.customer ?? "", pm);
    const now = await tx.now();
    const withMethod: PaymentIntent = { ...pi, payment_method: method.id, last_payment_error: null, next_action: null };
    if (card.behaviour === "declined") {
      const declined: PaymentIntent = {
        ...withMethod,
        status: "requires_payment_method",
        payment_method: null,
        last_payment_error: {
          type: "card_error",
          code: "card_declined",
          decline_code: "generic_decline",
          message: "Your card was declined.",
        },
      };
      throw fail(402, "card_error", "card_declined", "Your card was declined.", {
        decline_code: "generic_decline",
        payment_intent: declined,
      });
    }
    if (card.behaviour === "authentication_required" && pi.status !== "requires_action") {
      if (offSession) {
        const failed: PaymentIntent = {
          ...withMethod,
          status: "requires_payment_method",
          last_payment_error: {
            type: "card_error",
            code: "authentication_required",
            decline_code: "authentication_required",
            message: "Your card was declined. This transaction requires authentication.",
          },
        };
        throw fail(
          402,
          "card_error",
          "authentication_required",
          "Your card was declined. This transaction requires authentication.",
          {
            decline_code: "authentication_required",
            payment_intent: failed,
          },
        );
      }
      const pending: PaymentIntent = {
        ...withMethod,
        status: "requires_action",
        next_action: { type: "use_stripe_sdk", use_stripe_sdk: { type: "three_d_secure_redirect" } },
      };
      await tx.put(pending);
      return pending;
    }
    const charge: Charge = {
      id: randomId("ch_local", 24),
      object: "charge",
      amount: pi.amount,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      refunded: false,
      currency: pi.currency,
      payment_intent: pi.id,
      status: "succeeded",
      payment_method_details: {
        type: "card",
        card: {
          brand: card.brand,
          last4: card.last4,
          capture_before: secs(now) + Math.round(this.authorizationHours * 3600),
        },
      },
    };
    const authorised: PaymentIntent = pi.capture_method === "manual"
      ? { ...withMethod, status: "requires_capture", amount_capturable: pi.amount, latest_charge: charge }
      : {
        // Automatic capture (tips): captured with the authorisation.
        ...withMethod,
        status: "succeeded",
        amount_capturable: 0,
        amount_received: pi.amount,
        latest_charge: { ...charge, amount_captured: pi.amount, captured: true },
      };
    await tx.put(authorised);
    return authorised;
  }

  createPaymentIntent(p: CreateIntentParams, idempotencyKey: string): Promise<PaymentIntent> {
    const request = { op: "payment_intents.create", ...p, currency: providerCurrency(p.currency) };
    return this.idempotent(idempotencyKey, request, async (tx) => {
      if (!Number.isSafeInteger(p.amount) || p.amount < 1) {
        throw fail(
          400,
          "invalid_request_error",
          "parameter_invalid_integer",
          "This value must be greater than or equal to 1.",
        );
      }
      if (!/^[a-z]{3}$/.test(providerCurrency(p.currency))) {
        throw fail(400, "invalid_request_error", "parameter_invalid_string", `Invalid currency: ${p.currency}`);
      }
      if (!(await tx.get<Customer>(p.customer))) {
        throw fail(400, "invalid_request_error", "resource_missing", `No such customer: '${p.customer}'`);
      }
      // An unknown payment method is refused before anything exists (Stripe: 400, no intent).
      if (p.payment_method) await this.resolveMethod(tx, p.customer, p.payment_method);
      const id = randomId("pi_local", 24);
      const pi: PaymentIntent = {
        id,
        object: "payment_intent",
        amount: p.amount,
        amount_capturable: 0,
        amount_received: 0,
        currency: providerCurrency(p.currency),
        status: "requires_payment_method",
        capture_method: p.capture_method ?? "manual",
        customer: p.customer,
        payment_method: null,
        client_secret: `${id}_secret_${randomId("s", 16).slice(2)}`,
        canceled_at: null,
        cancellation_reason: null,
        created: secs(await tx.now()),
        livemode: false,
        metadata: p.metadata ?? {},
        transfer_group: p.transfer_group ?? null,
        next_action: null,
        last_payment_error: null,
        latest_charge: null,
      };
      await tx.put(pi);
      const confirm = p.confirm ?? p.payment_method !== undefined;
      if (p.payment_method && confirm) return await this.authorise(tx, pi, p.payment_method, p.off_session ?? false);
      if (p.payment_method) {
        const { method } = await this.resolveMethod(tx, p.customer, p.payment_method);
        const withMethod: PaymentIntent = { ...pi, payment_method: method.id, status: "requires_confirmation" };
        await tx.put(withMethod);
        return withMethod;
      }
      return pi;
    });
  }

  confirmPaymentIntent(
    id: string,
    p: { payment_method?: string; off_session?: boolean },
    idempotencyKey: string,
  ): Promise<PaymentIntent> {
    return this.idempotent(idempotencyKey, { op: "payment_intents.confirm", id, ...p }, async (tx) => {
      const pi = await this.intent(tx, id);
      if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(pi.status)) {
        throw fail(
          400,
          "invalid_request_error",
          "payment_intent_unexpected_state",
          `This PaymentIntent's status is ${pi.status}; it cannot be confirmed.`,
          { payment_intent: pi },
        );
      }
      if (pi.status === "requires_action") {
        // The customer completed the 3DS challenge (the app's handleNextAction on Stripe).
        return await this.authorise(tx, pi, p.payment_method ?? tokenOf(pi) ?? "", false);
      }
      const pm = p.payment_method ?? pi.payment_method;
      if (!pm) {
        throw fail(
          400,
          "invalid_request_error",
          "payment_intent_unexpected_state",
          "You cannot confirm this PaymentIntent because it's missing a payment method.",
          { payment_intent: pi },
        );
      }
      return await this.authorise(tx, pi, pm, p.off_session ?? false);
    });
  }

  retrievePaymentIntent(id: string): Promise<PaymentIntent> {
    return this.read(`pi:${id}`, (tx) => this.intent(tx, id));
  }

  capturePaymentIntent(id: string, p: { amount_to_capture?: number }, idempotencyKey: string): Promise<PaymentIntent> {
    return this.idempotent(idempotencyKey, { op: "payment_intents.capture", id, ...p }, async (tx) => {
      const pi = await this.intent(tx, id);
      if (pi.status === "canceled" && pi.cancellation_reason === "automatic") {
        throw fail(
          400,
          "invalid_request_error",
          "charge_expired_for_capture",
          "The charge has expired and can no longer be captured.",
          { payment_intent: pi },
        );
      }
      if (pi.status !== "requires_capture") {
        throw fail(
          400,
          "invalid_request_error",
          "payment_intent_unexpected_state",
          `This PaymentIntent could not be captured because it has a status of ${pi.status}.`,
          { payment_intent: pi },
        );
      }
      const amount = p.amount_to_capture ?? pi.amount_capturable;
      if (!Number.isSafeInteger(amount) || amount < 0 || amount > pi.amount_capturable) {
        throw fail(
          400,
          "invalid_request_error",
          "amount_too_large",
          `amount_to_capture must be between 0 and ${pi.amount_capturable}.`,
        );
      }
      const charge = pi.latest_charge as Charge;
      const method = pi.payment_method ? await tx.get<PaymentMethod>(pi.payment_method) : undefined;
      if (TEST_CARDS[method?.metadata?.test_token ?? ""]?.behaviour === "capture_fails") {
        throw fail(
          402,
          "card_error",
          "processing_error",
          "An error occurred while processing your card. Try again in a little bit.",
        );
      }
      const captured: PaymentIntent = {
        ...pi,
        status: "succeeded",
        amount_capturable: 0,
        amount_received: amount,
        latest_charge: {
          ...charge,
          amount_captured: amount,
          captured: true,
          // The uncaptured rest is released back to the card (Stripe shows it refunded).
          amount_refunded: pi.amount - amount,
          refunded: amount === 0,
        },
      };
      await tx.put(captured);
      return captured;
    });
  }

  cancelPaymentIntent(
    id: string,
    p: { cancellation_reason?: "duplicate" | "fraudulent" | "requested_by_customer" | "abandoned" },
    idempotencyKey: string,
  ): Promise<PaymentIntent> {
    return this.idempotent(idempotencyKey, { op: "payment_intents.cancel", id, ...p }, async (tx) => {
      const pi = await this.intent(tx, id);
      if (pi.status === "succeeded" || pi.status === "canceled" || pi.status === "processing") {
        throw fail(
          400,
          "invalid_request_error",
          "payment_intent_unexpected_state",
          `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
          { payment_intent: pi },
        );
      }
      const charge = typeof pi.latest_charge === "object" ? pi.latest_charge : null;
      const canceled: PaymentIntent = {
        ...pi,
        status: "canceled",
        amount_capturable: 0,
        canceled_at: secs(await tx.now()),
        cancellation_reason: p.cancellation_reason ?? "requested_by_customer",
        next_action: null,
        latest_charge: charge ? { ...charge, amount_refunded: charge.amount, refunded: true } : charge,
      };
      await tx.put(canceled);
      return canceled;
    });
  }

  // ---- refunds -------------------------------------------------------------------------------

  createRefund(p: RefundParams, idempotencyKey: string): Promise<Refund> {
    return this.idempotent(idempotencyKey, { op: "refunds.create", ...p }, async (tx) => {
      const pi = await this.intent(tx, p.payment_intent);
      if (pi.status !== "succeeded") {
        throw fail(
          400,
          "invalid_request_error",
          "payment_intent_unexpected_state",
          `This PaymentIntent does not have a successful charge to refund (status ${pi.status}).`,
        );
      }
      const charge = pi.latest_charge as Charge;
      const refunds = await tx.listByRef<Refund>("refund", pi.id);
      const refunded = refunds.filter((r) => r.status === "succeeded" || r.status === "pending")
        .reduce((s, r) => s + r.amount, 0);
      const available = pi.amount_received - refunded;
      if (available <= 0) {
        throw fail(
          400,
          "invalid_request_error",
          "charge_already_refunded",
          `Charge ${charge.id} has already been refunded.`,
        );
      }
      const amount = p.amount ?? available;
      if (!Number.isSafeInteger(amount) || amount < 1) {
        throw fail(
          400,
          "invalid_request_error",
          "parameter_invalid_integer",
          "This value must be greater than or equal to 1.",
        );
      }
      if (amount > available) {
        throw fail(
          400,
          "invalid_request_error",
          "amount_too_large",
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${available})`,
        );
      }
      const refund: Refund = {
        id: randomId("re_local", 24),
        object: "refund",
        amount,
        currency: pi.currency,
        payment_intent: pi.id,
        charge: charge.id,
        status: "succeeded",
        reason: p.reason ?? null,
        created: secs(await tx.now()),
        metadata: p.metadata ?? {},
        failure_reason: null,
      };
      await tx.put(refund, pi.id);
      const released = pi.amount - pi.amount_received;
      await tx.put({
        ...pi,
        latest_charge: {
          ...charge,
          amount_refunded: released + refunded + amount,
          refunded: refunded + amount >= pi.amount_received,
        },
      });
      return refund;
    });
  }

  retrieveRefund(id: string): Promise<Refund> {
    return this.read(`refund:${id}`, async (tx) => {
      const r = await tx.get<Refund>(id);
      if (!r || r.object !== "refund") {
        throw fail(404, "invalid_request_error", "resource_missing", `No such refund: '${id}'`);
      }
      return r;
    });
  }

  // ---- Connect ---------------------------------------------------------------------------------

  createAccount(p: AccountParams, idempotencyKey: string): Promise<Account> {
    return this.idempotent(idempotencyKey, { op: "accounts.create", ...p }, async (tx) => {
      const a: Account = {
        id: randomId("acct_local", 16),
        object: "account",
        type: "express",
        country: p.country.toUpperCase(),
        default_currency: null,
        email: p.email ?? null,
        charges_enabled: false,
        payouts_enabled: false,
        details_submitted: false,
        created: secs(await tx.now()),
        metadata: { ...(p.metadata ?? {}), hl_owner_kind: p.ownerKind, hl_owner_id: p.ownerId },
        requirements: {
          currently_due: ["external_account", "individual.verification.document"],
          disabled_reason: "requirements.past_due",
        },
      };
      await tx.put(a, `${p.ownerKind}:${p.ownerId}`);
      return a;
    });
  }

  retrieveAccount(id: string): Promise<Account> {
    return this.read(`account:${id}`, async (tx) => {
      const a = await tx.get<Account>(id);
      if (!a || a.object !== "account") {
        throw fail(404, "invalid_request_error", "resource_missing", `No such account: '${id}'`);
      }
      return a;
    });
  }

  createAccountLink(p: { account: string; refresh_url: string; return_url: string }): Promise<AccountLink> {
    return this.read(`account:${p.account}`, async (tx) => {
      const a = await tx.get<Account>(p.account);
      if (!a || a.object !== "account") {
        throw fail(400, "invalid_request_error", "resource_missing", `No such account: '${p.account}'`);
      }
      const now = secs(await tx.now());
      const q = new URLSearchParams({ account: a.id, return_url: p.return_url, refresh_url: p.refresh_url });
      return { object: "account_link", url: `${this.onboardingBaseUrl}?${q}`, created: now, expires_at: now + 300 };
    });
  }

  /** Local only: the payee finished onboarding (what Stripe's hosted flow does). */
  completeOnboarding(id: string, opts: { payoutsFail?: boolean } = {}): Promise<Account> {
    return this.read(`account:${id}`, async (tx) => {
      const a = await tx.get<Account>(id);
      if (!a || a.object !== "account") {
        throw fail(404, "invalid_request_error", "resource_missing", `No such account: '${id}'`);
      }
      const done: Account = {
        ...a,
        charges_enabled: true,
        payouts_enabled: true,
        details_submitted: true,
        requirements: { currently_due: [], disabled_reason: null },
        metadata: {
          ...a.metadata,
          ...(opts.payoutsFail !== undefined ? { hl_test_payouts_fail: String(opts.payoutsFail) } : {}),
        },
      };
      await tx.put(done);
      return done;
    });
  }

  createTransfer(p: TransferParams, idempotencyKey: string): Promise<Transfer> {
    const request = { op: "transfers.create", ...p, currency: providerCurrency(p.currency) };
    return this.idempotent(idempotencyKey, request, async (tx) => {
      if (!Number.isSafeInteger(p.amount) || p.amount < 1) {
        throw fail(
          400,
          "invalid_request_error",
          "parameter_invalid_integer",
          "This value must be greater than or equal to 1.",
        );
      }
      const a = await tx.get<Account>(p.destination);
      if (!a || a.object !== "account") {
        throw fail(400, "invalid_request_error", "resource_missing", `No such destination: '${p.destination}'`);
      }
      if (!a.payouts_enabled || a.metadata.hl_test_payouts_fail === "true") {
        throw fail(
          400,
          "invalid_request_error",
          "insufficient_capabilities_for_transfer",
          "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
        );
      }
      const t: Transfer = {
        id: randomId("tr_local", 24),
        object: "transfer",
        amount: p.amount,
        amount_reversed: 0,
        currency: providerCurrency(p.currency),
        destination: a.id,
        reversed: false,
        transfer_group: p.transfer_group ?? null,
        created: secs(await tx.now()),
        metadata: p.metadata ?? {},
      };
      await tx.put(t, a.id);
      return t;
    });
  }

  retrieveTransfer(id: string): Promise<Transfer> {
    return this.read(`transfer:${id}`, async (tx) => {
      const t = await tx.get<Transfer>(id);
      if (!t || t.object !== "transfer") {
        throw fail(404, "invalid_request_error", "resource_missing", `No such transfer: '${id}'`);
      }
      return t;
    });
  }
}

function tokenOf(pi: PaymentIntent): string | undefined {
  return pi.payment_method ?? undefined;
}

/** An in-memory store (Deno unit tests): one lock chain per key, an injectable clock. */
export class MemoryStore implements LocalStore {
  readonly objects = new Map<string, { obj: LocalObject; ref: string | null }>();
  readonly answers = new Map<string, StoredAnswer>();
  clock: () => Date;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(clock: () => Date = () => new Date()) {
    this.clock = clock;
  }

  transaction<T>(_lockKey: string, fn: (tx: LocalTx) => Promise<T>): Promise<T> {
    // One global chain: simple and serialisable; a failed transaction leaves nothing behind.
    const run = async () => {
      const writes = new Map<string, { obj: LocalObject; ref: string | null }>();
      const answers = new Map<string, StoredAnswer>();
      const tx: LocalTx = {
        now: () => Promise.resolve(this.clock()),
        get: <U extends LocalObject>(id: string) =>
          Promise.resolve(structuredClone((writes.get(id) ?? this.objects.get(id))?.obj) as U | undefined),
        put: (obj, ref) => {
          const prev = writes.get(obj.id) ?? this.objects.get(obj.id);
          writes.set(obj.id, { obj: structuredClone(obj), ref: ref ?? prev?.ref ?? null });
          return Promise.resolve();
        },
        listByRef: <U extends LocalObject>(object: string, ref: string) => {
          const all = new Map(this.objects);
          for (const [k, v] of writes) all.set(k, v);
          return Promise.resolve(
            [...all.values()].filter((v) => v.obj.object === object && v.ref === ref)
              .map((v) => structuredClone(v.obj) as U)
              .sort((a, b) => a.created - b.created || a.id.localeCompare(b.id)),
          );
        },
        answer: (key) => Promise.resolve(answers.get(key) ?? this.answers.get(key)),
        saveAnswer: (key, a) => {
          answers.set(key, structuredClone(a));
          return Promise.resolve();
        },
      };
      const result = await fn(tx);
      for (const [k, v] of writes) this.objects.set(k, v);
      for (const [k, v] of answers) this.answers.set(k, v);
      return result;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }
}
