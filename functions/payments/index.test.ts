/**
 * The payments function's routes, validation and worker loop against a fake PostgREST (the SQL
 * side scripted per RPC) and the local provider on the in-memory store. The whole path through
 * the stack (database, outbox, ledger) is tests/integration/payments.test.ts.
 */
import { assert, assertEquals } from "../_shared/testing.ts";
import { type ClaimedOperation, MoneyApi, type PreparedPayment } from "../_shared/payments/api.ts";
import { LocalProvider, MemoryStore } from "../_shared/payments/local.ts";
import type { PaymentIntent } from "../_shared/payments/types.ts";
import { createPaymentsHandler } from "./handler.ts";

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.sig`;
}
const USER = "11111111-1111-4111-8111-111111111111";
const BOOKING = "22222222-2222-4222-8222-222222222222";
const PAYMENT = "33333333-3333-4333-8333-333333333333";
const userToken = jwt({ role: "authenticated", sub: USER, email: "c@example.test" });
const serviceToken = jwt({ role: "service_role" });

type RpcFn = (args: Record<string, unknown>, auth: string) => { status?: number; body: unknown };

function setup(rpcs: Record<string, RpcFn> = {}) {
  const calls: { fn: string; args: Record<string, unknown>; auth: string }[] = [];
  const f = (input: string | URL | Request, init: RequestInit = {}) => {
    const fn = String(input).split("/rpc/")[1];
    const args = JSON.parse(String(init.body)) as Record<string, unknown>;
    const auth = new Headers(init.headers as HeadersInit).get("authorization") ?? "";
    calls.push({ fn, args, auth });
    const impl = rpcs[fn] ?? (() => ({ body: { changed: true, status: "ok" } }));
    const r = impl(args, auth);
    return Promise.resolve(Response.json(r.body, { status: r.status ?? 200 }));
  };
  const api = new MoneyApi({
    supabaseUrl: "http://db.test",
    anonKey: "anon",
    serviceRoleKey: "service-key",
    fetch: f as typeof fetch,
  });
  const store = new MemoryStore();
  const provider = new LocalProvider({ store });
  const handler = createPaymentsHandler({ api: () => api, provider: () => provider });
  const call = async (method: string, path: string, body?: unknown, token: string | null = userToken) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await handler(
      new Request(`http://functions.test/payments${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      }),
    );
    return {
      status: res.status,
      headers: res.headers,
      body: await res.json().catch(() => null) as Record<string, unknown>,
    };
  };
  return { calls, store, provider, call };
}

function prepared(over: Partial<PreparedPayment> = {}): PreparedPayment {
  return {
    payment_id: PAYMENT,
    booking_id: BOOKING,
    kind: "booking",
    status: "pending",
    attempt: 1,
    provider: "local",
    provider_ref: null,
    amount: 15750,
    currency: "AED",
    capture_method: "manual",
    payment_method: null,
    customer_id: USER,
    provider_customer_ref: null,
    idempotency_key: `hl:authorize:${PAYMENT}:1`,
    description: "Booking HL-000123",
    metadata: { hl_payment_id: PAYMENT, hl_booking_id: BOOKING, hl_kind: "booking" },
    authorization_due_at: "2026-12-06T01:00:00Z",
    ...over,
  };
}

Deno.test("payments: authentication and routing (401, 403 both ways, 404, 405)", async () => {
  const { call, calls } = setup();
  assertEquals((await call("POST", "/booking", { booking_id: BOOKING }, null)).body.code, "HL001");
  const svc = await call("POST", "/booking", { booking_id: BOOKING }, serviceToken);
  assertEquals([svc.status, svc.body.code], [403, "HL002"]);
  const worker = await call("POST", "/worker", {}, userToken);
  assertEquals([worker.status, worker.body.code], [403, "HL002"]);
  assertEquals((await call("POST", "/sync", { account: "acct_x" }, userToken)).status, 403);
  assertEquals((await call("POST", "/nope", {})).status, 404);
  const wrong = await call("GET", "/booking");
  assertEquals([wrong.status, wrong.headers.get("allow")], [405, "POST, OPTIONS"]);
  assertEquals(calls.length, 0, "nothing reached the database");
});

Deno.test("payments: validation → 400 with field errors, nothing called", async () => {
  const { call, calls } = setup();
  const r = await call("POST", "/booking", { booking_id: "not-a-uuid", payment_method: "pm card; drop" });
  assertEquals([r.status, r.body.code], [400, "invalid_request"]);
  const paths = (r.body.details as { path: string[] }[]).map((d) => d.path.join("."));
  assertEquals(paths.sort(), ["booking_id", "payment_method"]);
  assertEquals((await call("POST", "/booking", "{not json")).body.code, "invalid_json");
  assertEquals(
    (await call("POST", "/booking", { booking_id: BOOKING, paid: true })).status,
    400,
    "unknown keys refused",
  );
  assertEquals((await call("POST", "/tip", { booking_id: BOOKING, amount: -5 })).status, 400);
  assertEquals((await call("POST", "/tip", { booking_id: BOOKING, amount: 1.5 })).status, 400);
  assertEquals((await call("POST", "/onboarding", { return_url: "javascript:alert(1)" })).status, 400);
  assertEquals((await call("GET", "/onboarding?business_id=nope")).status, 400);
  assertEquals((await call("POST", "/worker", { batch_size: 1000 }, serviceToken)).status, 400);
  assertEquals((await call("POST", "/sync", { account: "acct_1", refund: "re_1" }, serviceToken)).status, 400);
  assertEquals(calls.length, 0);
});

Deno.test("payments: database errors keep their code and status (HL621 403, HL006 429 + Retry-After)", async () => {
  const { call } = setup({
    prepare_booking_payment: () => ({
      status: 403,
      body: { code: "HL621", message: "Only the booking's customer can pay for it.", details: null, hint: null },
    }),
    prepare_tip_payment: () => ({
      status: 429,
      body: {
        code: "HL006",
        message: "Too many requests.",
        details: '{"limit": 30, "retry_after_seconds": 591}',
        hint: null,
      },
    }),
  });
  const r = await call("POST", "/booking", { booking_id: BOOKING });
  assertEquals([r.status, r.body.code], [403, "HL621"]);
  const t = await call("POST", "/tip", { booking_id: BOOKING, amount: 500 });
  assertEquals([t.status, t.body.code, t.headers.get("retry-after")], [429, "HL006", "591"]);
});

Deno.test("payments: POST /booking with pm_card_visa authorises at once; the database gets the provider's intent", async () => {
  const applied: PaymentIntent[] = [];
  const { call, calls } = setup({
    prepare_booking_payment: (args, auth) => {
      assertEquals(auth, `Bearer ${userToken}`, "prepared as the user");
      assertEquals(args, {
        p_booking_id: BOOKING,
        p_provider: "local",
        p_payment_method: "pm_card_visa",
        p_promo_code: null,
      });
      return { body: prepared({ payment_method: "pm_card_visa" }) };
    },
    apply_payment_intent: (args, auth) => {
      assertEquals(auth, "Bearer service-key", "applied with the service role");
      applied.push(args.p_intent as PaymentIntent);
      return { body: { changed: true, status: "authorized" } };
    },
  });
  const r = await call("POST", "/booking", { booking_id: BOOKING, payment_method: "pm_card_visa" });
  assertEquals(r.status, 200);
  assertEquals([r.body.status, r.body.intent_status, r.body.client_secret], ["authorized", "requires_capture", null]);
  assertEquals(applied.length, 1);
  assertEquals([applied[0].amount, applied[0].currency, applied[0].metadata.hl_payment_id], [15750, "aed", PAYMENT]);
  assert(calls.some((c) => c.fn === "record_payment_customer" && c.args.p_user_id === USER), "customer recorded");
});

Deno.test("payments: a declined card → 402 HL670 and the declined intent is applied (→ failed)", async () => {
  const applied: PaymentIntent[] = [];
  const { call } = setup({
    prepare_booking_payment: () => ({ body: prepared() }),
    apply_payment_intent: (args) => {
      applied.push(args.p_intent as PaymentIntent);
      return { body: { changed: true, status: "failed" } };
    },
  });
  const r = await call("POST", "/booking", { booking_id: BOOKING, payment_method: "pm_card_chargeDeclined" });
  assertEquals([r.status, r.body.code], [402, "HL670"]);
  assertEquals((r.body.details as Record<string, unknown>).decline_code, "generic_decline");
  assertEquals([applied.length, applied[0].status, applied[0].last_payment_error?.code], [
    1,
    "requires_payment_method",
    "card_declined",
  ]);
});

Deno.test("payments: requires_action → client_secret; /booking/confirm completes it (local 3DS stand-in)", async () => {
  let providerRef: string | null = null;
  let status = "pending";
  const { call } = setup({
    prepare_booking_payment: () => ({ body: prepared({ provider_ref: providerRef, status }) }),
    apply_payment_intent: (args) => {
      const pi = args.p_intent as PaymentIntent;
      providerRef = pi.id;
      status = pi.status === "requires_action"
        ? "requires_action"
        : pi.status === "requires_capture"
        ? "authorized"
        : status;
      return { body: { changed: true, status } };
    },
  });
  const first = await call("POST", "/booking", {
    booking_id: BOOKING,
    payment_method: "pm_card_authenticationRequired",
  });
  assertEquals([first.body.status, first.body.intent_status], ["requires_action", "requires_action"]);
  assert(String(first.body.client_secret).startsWith(`${providerRef}_secret_`));
  const done = await call("POST", "/booking/confirm", { booking_id: BOOKING });
  assertEquals([done.status, done.body.status, done.body.client_secret], [200, "authorized", null]);
  const again = await call("POST", "/booking", { booking_id: BOOKING });
  assertEquals(again.body.status, "authorized", "an authorised payment is returned as it is");
});

Deno.test("payments: confirm with nothing started → 422 HL674", async () => {
  const { call } = setup({ prepare_booking_payment: () => ({ body: prepared() }) });
  const r = await call("POST", "/booking/confirm", { booking_id: BOOKING });
  assertEquals([r.status, r.body.code], [422, "HL674"]);
});

Deno.test("worker: capture with the operation's key; a re-claimed operation (same key) never captures twice", async () => {
  const { provider, store } = setup();
  const cus = await provider.findOrCreateCustomer({ userId: USER }, "c");
  const pi = await provider.createPaymentIntent({
    amount: 10000,
    currency: "aed",
    customer: cus.id,
    payment_method: "pm_card_visa",
  }, "a");
  const op = (attempt: number): ClaimedOperation => ({
    operation_id: 7,
    operation: "capture",
    attempt,
    idempotency_key: `hl:capture:${PAYMENT}:1`,
    provider: "local",
    payment_id: PAYMENT,
    refund_id: null,
    payout_id: null,
    provider_ref: pi.id,
    amount: 2500,
    currency: "AED",
    payment_method: null,
    provider_customer_ref: null,
    destination_account: null,
    metadata: {},
    created_at: "2026-12-06T00:00:00Z",
  });
  const completions: Record<string, unknown>[] = [];
  let queue: ClaimedOperation[][] = [[op(1)], [op(2)]];
  // A fake database that hands out the same operation twice (lease expired, claimed again).
  const handler = createPaymentsHandler({
    api: () =>
      new MoneyApi({
        supabaseUrl: "http://db.test",
        anonKey: "a",
        serviceRoleKey: "service-key",
        fetch: ((i: string, init: RequestInit) => {
          const fn = String(i).split("/rpc/")[1];
          const args = JSON.parse(String(init.body));
          if (fn === "claim_payment_operations") return Promise.resolve(Response.json(queue.shift() ?? []));
          if (fn === "complete_payment_operation") {
            completions.push(args);
            return Promise.resolve(
              Response.json({ operation_id: 7, status: args.p_outcome, next_attempt_at: null, stale: false }),
            );
          }
          return Promise.resolve(Response.json({ changed: true, status: "captured" }));
        }) as unknown as typeof fetch,
      }),
    provider: () => provider,
  });
  const res = await handler(
    new Request("http://f.test/payments/worker", {
      method: "POST",
      headers: { authorization: `Bearer ${serviceToken}` },
    }),
  );
  const totals = await res.json();
  assertEquals([res.status, totals.claimed, totals.succeeded, totals.failed], [200, 2, 2, 0]);
  assertEquals(completions.map((c) => [c.p_attempt, c.p_outcome]), [[1, "succeeded"], [2, "succeeded"]]);
  const after = await provider.retrievePaymentIntent(pi.id);
  assertEquals([after.status, after.amount_received], ["succeeded", 2500]);
  assertEquals(
    [...store.answers.keys()].filter((k) => k.startsWith("hl:capture:")).length,
    1,
    "one capture at the provider",
  );
  queue = [];
});

Deno.test("worker: refusals are 'failed' with a code, transient ones 'retry'; declined re-authorisation applies the intent", async () => {
  const store = new MemoryStore();
  const provider = new LocalProvider({ store });
  const cus = await provider.findOrCreateCustomer({ userId: USER }, "c");
  const failing = await provider.createPaymentIntent({
    amount: 500,
    currency: "aed",
    customer: cus.id,
    payment_method: "pm_card_captureFails",
  }, "f");
  const base = {
    attempt: 1,
    provider: "local" as const,
    payment_id: PAYMENT,
    refund_id: null,
    payout_id: null,
    payment_method: null,
    provider_customer_ref: null,
    destination_account: null,
    metadata: { hl_payment_id: PAYMENT },
    created_at: "2026-12-06T00:00:00Z",
    currency: "AED",
  };
  let queue: ClaimedOperation[][] = [[
    { ...base, operation_id: 1, operation: "capture", idempotency_key: "k1", provider_ref: failing.id, amount: 500 },
    { ...base, operation_id: 2, operation: "refund", idempotency_key: "k2", provider_ref: failing.id, amount: 100 },
    {
      ...base,
      operation_id: 3,
      operation: "reauthorize",
      idempotency_key: "k3",
      provider_ref: failing.id,
      amount: 500,
      payment_method: "pm_card_chargeDeclined",
      provider_customer_ref: cus.id,
    },
    {
      ...base,
      operation_id: 4,
      operation: "transfer",
      idempotency_key: "k4",
      provider_ref: null,
      amount: 100,
      destination_account: "acct_nope",
    },
  ]];
  const completions = new Map<number, [string, string | null]>();
  const intents: PaymentIntent[] = [];
  const api = new MoneyApi({
    supabaseUrl: "http://db.test",
    anonKey: "a",
    serviceRoleKey: "s",
    fetch: ((i: string, init: RequestInit) => {
      const fn = String(i).split("/rpc/")[1];
      const args = JSON.parse(String(init.body));
      if (fn === "claim_payment_operations") return Promise.resolve(Response.json(queue.shift() ?? []));
      if (fn === "complete_payment_operation") {
        completions.set(args.p_operation_id, [args.p_outcome, args.p_error]);
        return Promise.resolve(
          Response.json({ operation_id: args.p_operation_id, status: "x", next_attempt_at: null, stale: false }),
        );
      }
      if (fn === "apply_payment_intent") intents.push(args.p_intent);
      return Promise.resolve(Response.json({ changed: true }));
    }) as unknown as typeof fetch,
  });
  const handler = createPaymentsHandler({ api: () => api, provider: () => provider });
  const res = await handler(
    new Request("http://f.test/payments/worker", {
      method: "POST",
      headers: { authorization: `Bearer ${serviceToken}` },
    }),
  );
  assertEquals(res.status, 200);
  assertEquals(completions.get(1), ["retry", "capture_failed:processing_error"]);
  assertEquals(completions.get(2), ["failed", "invalid_state:payment_intent_unexpected_state"]);
  assertEquals(completions.get(3), ["failed", "card_declined:card_declined"]);
  assertEquals(completions.get(4)?.[0], "failed");
  assert(
    intents.some((pi) => pi.status === "requires_payment_method" && pi.metadata.hl_payment_id === PAYMENT),
    "declined intent applied",
  );
  queue = [];
});

Deno.test("payments: POST /subject prepares another module's subject as the user and authorises it; confirm; errors", async () => {
  const ORDER = "44444444-4444-4444-8444-444444444444";
  const subject = (over: Partial<PreparedPayment> = {}) =>
    prepared({
      booking_id: null,
      kind: "order",
      subject_kind: "order",
      subject_id: ORDER,
      description: "Order 44444444",
      metadata: { hl_payment_id: PAYMENT, hl_subject_kind: "order", hl_subject_id: ORDER, hl_kind: "order" },
      ...over,
    });
  const { call, calls, provider } = setup({
    prepare_subject_payment: (args, auth) => {
      if (args.p_kind !== "order") {
        return { status: 404, body: { code: "HL645", message: "This kind of subject cannot be paid here." } };
      }
      assertEquals(auth, `Bearer ${userToken}`, "as the user");
      return { body: subject() };
    },
    apply_payment_intent: (args) => ({
      body: { payment_id: PAYMENT, status: (args.p_intent as PaymentIntent).status === "requires_capture" ? "authorized" : "x" },
    }),
  });
  const r = await call("POST", "/subject", { kind: "order", id: ORDER, payment_method: "pm_card_visa" });
  assertEquals(r.status, 200);
  assertEquals([r.body.subject_kind, r.body.subject_id, r.body.booking_id, r.body.kind], ["order", ORDER, null, "order"]);
  assertEquals([r.body.status, r.body.intent_status, r.body.client_secret], ["authorized", "requires_capture", null]);
  const prep = calls.find((c) => c.fn === "prepare_subject_payment")!;
  assertEquals(prep.args, { p_kind: "order", p_subject_id: ORDER, p_provider: "local", p_payment_method: "pm_card_visa" });
  const pi = (calls.find((c) => c.fn === "apply_payment_intent")!.args.p_intent) as PaymentIntent;
  assertEquals(pi.metadata, subject().metadata, "the intent carries the subject's metadata");
  assertEquals([pi.amount, pi.capture_method], [15750, "manual"]);
  assertEquals((await provider.retrievePaymentIntent(pi.id)).status, "requires_capture", "authorised at the provider");

  const none = await call("POST", "/subject/confirm", { kind: "order", id: ORDER });
  assertEquals([none.status, none.body.code], [422, "HL674"], "nothing to confirm before an intent exists");
  const unknown = await call("POST", "/subject", { kind: "parcel", id: ORDER });
  assertEquals([unknown.status, unknown.body.code], [404, "HL645"]);
  const bad = await call("POST", "/subject", { kind: "Order!", id: "x", amount: 1 });
  assertEquals([bad.status, bad.body.code], [400, "invalid_request"]);
  assertEquals((await call("GET", "/subject")).status, 405);
  assertEquals((await call("POST", "/subject", { kind: "order", id: ORDER }, serviceToken)).status, 403);
});
