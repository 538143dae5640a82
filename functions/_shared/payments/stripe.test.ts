/**
 * The Stripe provider against recorded request/response shapes, without network: the SDK gets a
 * fetch-based HttpClient whose fetch replays a script of exchanges and checks each request the
 * SDK makes (method, path, form-encoded parameters, Idempotency-Key, Stripe-Account, API key).
 */
import Stripe from "stripe";
import { assert, assertEquals } from "../testing.ts";
import * as fx from "./stripe.fixtures.ts";
import { mapStripeError, StripeProvider } from "./stripe.ts";
import { ProviderError } from "./types.ts";

interface Exchange {
  method: string;
  path: string;
  /** Expected form parameters (exact); GET query parameters for GET. */
  params?: Record<string, string>;
  idempotencyKey?: string | null;
  stripeAccount?: string | null;
  status?: number;
  body: unknown;
}

function replay(script: Exchange[]) {
  const seen: { method: string; path: string; params: Record<string, string>; headers: Headers }[] = [];
  const fetchFn = (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const headers = new Headers(init.headers as HeadersInit);
    const method = init.method ?? "GET";
    const raw = method === "GET" || method === "DELETE" ? url.search.slice(1) : String(init.body ?? "");
    const params = Object.fromEntries(new URLSearchParams(raw));
    seen.push({ method, path: url.pathname, params, headers });
    const next = script.shift();
    if (!next) throw new Error(`unexpected request ${method} ${url.pathname}`);
    assertEquals(url.host, "api.stripe.com");
    assertEquals(`${method} ${url.pathname}`, `${next.method} ${next.path}`);
    assertEquals(headers.get("authorization"), "Bearer sk_test_replay");
    if (next.params) assertEquals(params, next.params, `${next.method} ${next.path} parameters`);
    if (next.idempotencyKey !== undefined) assertEquals(headers.get("idempotency-key"), next.idempotencyKey);
    if (next.stripeAccount !== undefined) assertEquals(headers.get("stripe-account"), next.stripeAccount);
    return Promise.resolve(
      new Response(JSON.stringify(next.body), {
        status: next.status ?? 200,
        headers: { "content-type": "application/json", "request-id": `req_replay${seen.length}` },
      }),
    );
  };
  const provider = new StripeProvider({
    secretKey: "sk_test_replay",
    httpClient: Stripe.createFetchHttpClient(fetchFn as typeof fetch),
    maxNetworkRetries: 0,
  });
  return { provider, seen, done: () => assertEquals(script.length, 0, "every recorded exchange was used") };
}

async function rejects(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    assert(err instanceof ProviderError, `a ProviderError, got ${err}`);
    return err;
  }
  throw new Error("expected a rejection");
}

Deno.test("stripe: manual-capture intent, confirmed with a payment method, latest_charge expanded, idempotency key sent", async () => {
  const r = replay([{
    method: "POST",
    path: "/v1/payment_intents",
    params: {
      amount: "10500",
      currency: "aed",
      customer: "cus_RzAbCdEfGhIjKl",
      capture_method: "manual",
      "allowed_payment_method_types[0]": "card",
      payment_method: "pm_card_visa",
      confirm: "true",
      setup_future_usage: "off_session",
      transfer_group: "booking_6f1c1f7e",
      "metadata[hl_payment_id]": "p1",
      "expand[0]": "latest_charge",
    },
    idempotencyKey: "hl:authorize:p1:1",
    stripeAccount: null,
    body: fx.paymentIntent(),
  }]);
  const pi = await r.provider.createPaymentIntent({
    amount: 10500,
    currency: "AED",
    customer: "cus_RzAbCdEfGhIjKl",
    payment_method: "pm_card_visa",
    transfer_group: "booking_6f1c1f7e",
    metadata: { hl_payment_id: "p1" },
  }, "hl:authorize:p1:1");
  assertEquals(pi.status, "requires_capture");
  assertEquals(pi.amount_capturable, 10500);
  assert(
    typeof pi.latest_charge === "object" &&
      pi.latest_charge?.payment_method_details?.card?.capture_before === fx.T0 + 604800,
  );
  assert(!("lastResponse" in pi), "the SDK's lastResponse is not part of the stored object");
  r.done();
});

Deno.test("stripe: off-session re-authorisation sends off_session and no setup_future_usage", async () => {
  const r = replay([{
    method: "POST",
    path: "/v1/payment_intents",
    params: {
      amount: "10500",
      currency: "aed",
      customer: "cus_RzAbCdEfGhIjKl",
      capture_method: "manual",
      "allowed_payment_method_types[0]": "card",
      payment_method: "pm_1QxAbc2eZvKYlo2CvIsa4242",
      confirm: "true",
      off_session: "true",
      "expand[0]": "latest_charge",
    },
    idempotencyKey: "hl:reauthorize:p1:2",
    body: fx.paymentIntent({ id: "pi_reauth" }),
  }]);
  const pi = await r.provider.createPaymentIntent({
    amount: 10500,
    currency: "aed",
    customer: "cus_RzAbCdEfGhIjKl",
    payment_method: "pm_1QxAbc2eZvKYlo2CvIsa4242",
    off_session: true,
  }, "hl:reauthorize:p1:2");
  assertEquals(pi.id, "pi_reauth");
  r.done();
});

Deno.test("stripe: intent without a payment method is not confirmed (the app confirms with client_secret)", async () => {
  const r = replay([{
    method: "POST",
    path: "/v1/payment_intents",
    params: {
      amount: "500",
      currency: "aed",
      customer: "cus_RzAbCdEfGhIjKl",
      capture_method: "manual",
      "allowed_payment_method_types[0]": "card",
      setup_future_usage: "off_session",
      "expand[0]": "latest_charge",
    },
    idempotencyKey: "k",
    body: fx.paymentIntent({
      status: "requires_payment_method",
      amount: 500,
      amount_capturable: 0,
      latest_charge: null,
      payment_method: null,
    }),
  }]);
  const pi = await r.provider.createPaymentIntent(
    { amount: 500, currency: "aed", customer: "cus_RzAbCdEfGhIjKl" },
    "k",
  );
  assertEquals(pi.status, "requires_payment_method");
  assert(pi.client_secret?.startsWith(`${pi.id}_secret_`));
  r.done();
});

Deno.test("stripe: capture (partial with amount_to_capture, full without), cancel, refund", async () => {
  const id = "pi_3QxAbc2eZvKYlo2C0a1b2c3d";
  const r = replay([
    {
      method: "POST",
      path: `/v1/payment_intents/${id}/capture`,
      params: { amount_to_capture: "2500", "expand[0]": "latest_charge" },
      idempotencyKey: "hl:capture:p1:1",
      body: fx.paymentIntent({ status: "succeeded", amount_capturable: 0, amount_received: 2500 }),
    },
    {
      method: "POST",
      path: `/v1/payment_intents/${id}/capture`,
      params: { "expand[0]": "latest_charge" },
      idempotencyKey: "hl:capture:p2:1",
      body: fx.paymentIntent({ status: "succeeded", amount_capturable: 0, amount_received: 10500 }),
    },
    {
      method: "POST",
      path: `/v1/payment_intents/${id}/cancel`,
      params: { cancellation_reason: "abandoned", "expand[0]": "latest_charge" },
      idempotencyKey: "hl:cancel:p3:1",
      body: fx.paymentIntent({
        status: "canceled",
        amount_capturable: 0,
        canceled_at: fx.T0 + 60,
        cancellation_reason: "abandoned",
      }),
    },
    {
      method: "POST",
      path: "/v1/refunds",
      params: {
        payment_intent: id,
        amount: "2500",
        reason: "requested_by_customer",
        "metadata[hl_operation]": "refund",
      },
      idempotencyKey: "hl:refund:p2:1",
      body: fx.refund(),
    },
  ]);
  assertEquals(
    (await r.provider.capturePaymentIntent(id, { amount_to_capture: 2500 }, "hl:capture:p1:1")).amount_received,
    2500,
  );
  assertEquals((await r.provider.capturePaymentIntent(id, {}, "hl:capture:p2:1")).amount_received, 10500);
  assertEquals(
    (await r.provider.cancelPaymentIntent(id, { cancellation_reason: "abandoned" }, "hl:cancel:p3:1")).status,
    "canceled",
  );
  const re = await r.provider.createRefund(
    { payment_intent: id, amount: 2500, reason: "requested_by_customer", metadata: { hl_operation: "refund" } },
    "hl:refund:p2:1",
  );
  assertEquals([re.object, re.amount, re.status], ["refund", 2500, "succeeded"]);
  r.done();
});

Deno.test("stripe: Connect Express account, onboarding link, transfer", async () => {
  const r = replay([
    {
      method: "POST",
      path: "/v1/accounts",
      params: {
        type: "express",
        country: "AE",
        email: "provider@example.test",
        "capabilities[transfers][requested]": "true",
        "metadata[hl_owner_kind]": "user",
        "metadata[hl_owner_id]": "u2",
      },
      idempotencyKey: "hl:account:user:u2",
      body: fx.account(),
    },
    {
      method: "POST",
      path: "/v1/account_links",
      params: {
        account: "acct_1QxProv1derAbCd",
        refresh_url: "https://app.example/payouts/refresh",
        return_url: "https://app.example/payouts/done",
        type: "account_onboarding",
      },
      body: fx.accountLink,
    },
    {
      method: "POST",
      path: "/v1/transfers",
      params: {
        amount: "9000",
        currency: "aed",
        destination: "acct_1QxProv1derAbCd",
        transfer_group: "booking_6f1c1f7e",
        "metadata[hl_payout_id]": "po1",
      },
      idempotencyKey: "hl:transfer:po1:1",
      stripeAccount: null,
      body: fx.transfer(),
    },
    { method: "GET", path: "/v1/accounts/acct_1QxProv1derAbCd", body: fx.account({ payouts_enabled: true }) },
  ]);
  const a = await r.provider.createAccount(
    { ownerKind: "user", ownerId: "u2", email: "provider@example.test", country: "ae" },
    "hl:account:user:u2",
  );
  assertEquals([a.type, a.payouts_enabled], ["express", false]);
  const link = await r.provider.createAccountLink({
    account: a.id,
    refresh_url: "https://app.example/payouts/refresh",
    return_url: "https://app.example/payouts/done",
  });
  assert(link.url.startsWith("https://connect.stripe.com/"));
  const t = await r.provider.createTransfer(
    {
      amount: 9000,
      currency: "AED",
      destination: a.id,
      transfer_group: "booking_6f1c1f7e",
      metadata: { hl_payout_id: "po1" },
    },
    "hl:transfer:po1:1",
  );
  assertEquals([t.object, t.amount, t.destination], ["transfer", 9000, a.id]);
  assertEquals((await r.provider.retrieveAccount(a.id)).payouts_enabled, true);
  r.done();
});

Deno.test("stripe: customer found by metadata search, else created once; saved cards listed", async () => {
  const r = replay([
    {
      method: "GET",
      path: "/v1/customers/search",
      params: { query: "metadata['hl_user_id']:'u1'", limit: "1" },
      body: { object: "search_result", data: [], has_more: false, url: "/v1/customers/search" },
    },
    {
      method: "POST",
      path: "/v1/customers",
      params: { email: "customer@example.test", "metadata[hl_user_id]": "u1" },
      idempotencyKey: "hl:customer:u1",
      body: fx.customer,
    },
    {
      method: "GET",
      path: "/v1/customers/search",
      params: { query: "metadata['hl_user_id']:'u1'", limit: "1" },
      body: { object: "search_result", data: [fx.customer], has_more: false, url: "/v1/customers/search" },
    },
    {
      method: "GET",
      path: "/v1/customers/cus_RzAbCdEfGhIjKl/payment_methods",
      params: { type: "card", limit: "20" },
      body: {
        object: "list",
        data: [fx.paymentMethod],
        has_more: false,
        url: "/v1/customers/cus_RzAbCdEfGhIjKl/payment_methods",
      },
    },
  ]);
  const c = await r.provider.findOrCreateCustomer({ userId: "u1", email: "customer@example.test" }, "hl:customer:u1");
  assertEquals(c.id, "cus_RzAbCdEfGhIjKl");
  assertEquals((await r.provider.findOrCreateCustomer({ userId: "u1" }, "hl:customer:u1")).id, c.id);
  const methods = await r.provider.listPaymentMethods(c.id);
  assertEquals(methods.map((m) => [m.id, m.card?.last4]), [["pm_1QxAbc2eZvKYlo2CvIsa4242", "4242"]]);
  r.done();
});

Deno.test("stripe errors: declined (intent kept), authentication_required, expired authorisation, idempotency, not found", async () => {
  const create = {
    amount: 10500,
    currency: "aed",
    customer: "cus_RzAbCdEfGhIjKl",
    payment_method: "pm_card_chargeDeclined",
  };
  const r = replay([
    { method: "POST", path: "/v1/payment_intents", status: 402, body: fx.errors.cardDeclined },
    { method: "POST", path: "/v1/payment_intents", status: 402, body: fx.errors.authenticationRequired },
    { method: "POST", path: "/v1/payment_intents/pi_old/capture", status: 400, body: fx.errors.chargeExpired },
    { method: "POST", path: "/v1/payment_intents/pi_x/capture", status: 400, body: fx.errors.idempotency },
    { method: "GET", path: "/v1/payment_intents/pi_nope", status: 404, body: fx.errors.missing },
    { method: "POST", path: "/v1/refunds", status: 400, body: fx.errors.refundTooLarge },
    { method: "POST", path: "/v1/transfers", status: 400, body: fx.errors.transferCapabilities },
    { method: "POST", path: "/v1/payment_intents/pi_x/cancel", status: 429, body: fx.errors.rateLimited },
    { method: "POST", path: "/v1/payment_intents/pi_x/cancel", status: 500, body: fx.errors.apiError },
  ]);
  const declined = await rejects(r.provider.createPaymentIntent(create, "k1"));
  assertEquals([declined.kind, declined.code, declined.declineCode, declined.retryable], [
    "card_declined",
    "card_declined",
    "generic_decline",
    false,
  ]);
  assertEquals(declined.paymentIntent?.status, "requires_payment_method");
  assertEquals(declined.httpStatus, 402);
  const sca = await rejects(r.provider.createPaymentIntent({ ...create, off_session: true }, "k2"));
  assertEquals(sca.kind, "authentication_required");
  assertEquals((await rejects(r.provider.capturePaymentIntent("pi_old", {}, "k3"))).kind, "authorization_expired");
  assertEquals(
    (await rejects(r.provider.capturePaymentIntent("pi_x", {}, "hl:capture:x:1"))).kind,
    "idempotency_conflict",
  );
  assertEquals((await rejects(r.provider.retrievePaymentIntent("pi_nope"))).kind, "not_found");
  const tooLarge = await rejects(r.provider.createRefund({ payment_intent: "pi_x", amount: 20000 }, "k4"));
  assertEquals([tooLarge.kind, tooLarge.code], ["invalid_request", "amount_too_large"]);
  assertEquals(
    (await rejects(r.provider.createTransfer({ amount: 1, currency: "aed", destination: "acct_x" }, "k5"))).kind,
    "payout_failed",
  );
  const limited = await rejects(r.provider.cancelPaymentIntent("pi_x", {}, "k6"));
  assertEquals([limited.kind, limited.retryable], ["rate_limited", true]);
  const down = await rejects(r.provider.cancelPaymentIntent("pi_x", {}, "k7"));
  assertEquals([down.kind, down.retryable], ["unavailable", true]);
  assertEquals(JSON.stringify(declined.toJSON()).includes("4242"), false, "no card data in the error summary");
  r.done();
});

Deno.test("stripe: the SDK retries a 500 with the same Idempotency-Key", async () => {
  const keys: (string | null)[] = [];
  let n = 0;
  const fetchFn = (_input: string | URL | Request, init: RequestInit = {}) => {
    keys.push(new Headers(init.headers as HeadersInit).get("idempotency-key"));
    n++;
    const body = n === 1 ? fx.errors.apiError : fx.paymentIntent({ status: "succeeded" });
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status: n === 1 ? 500 : 200,
        headers: { "content-type": "application/json" },
      }),
    );
  };
  const p = new StripeProvider({
    secretKey: "sk_test_replay",
    httpClient: Stripe.createFetchHttpClient(fetchFn as typeof fetch),
    maxNetworkRetries: 1,
  });
  const pi = await p.capturePaymentIntent("pi_3QxAbc2eZvKYlo2C0a1b2c3d", {}, "hl:capture:p9:1");
  assertEquals(pi.status, "succeeded");
  assertEquals(keys, ["hl:capture:p9:1", "hl:capture:p9:1"]);
});

Deno.test("mapStripeError: unknown throwables become retryable 'unavailable'", () => {
  const e = mapStripeError(new TypeError("fetch failed"));
  assertEquals([e.kind, e.retryable], ["unavailable", true]);
});
