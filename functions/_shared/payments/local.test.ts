/**
 * The local provider's semantics on the in-memory store (the database store is exercised through
 * the stack by tests/integration/payments.test.ts): states, expiry on the store's clock, each
 * injectable failure, partial capture, refunds ≤ captured, transfers, idempotency.
 */
import { assert, assertEquals } from "../testing.ts";
import { LocalProvider, MemoryStore } from "./local.ts";
import { ProviderError } from "./types.ts";

function setup() {
  let now = new Date("2026-12-01T10:00:00Z");
  const store = new MemoryStore(() => now);
  const provider = new LocalProvider({ store });
  return {
    provider,
    store,
    advance: (hours: number) => {
      now = new Date(now.getTime() + hours * 3600_000);
    },
  };
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

async function customer(p: LocalProvider, user = "u1") {
  return (await p.findOrCreateCustomer({ userId: user, email: `${user}@example.test` }, `hl:customer:${user}`)).id;
}

Deno.test("local: authorise with pm_card_visa → requires_capture, capture_before = +7 days, card saved", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  assertEquals(await customer(provider), cus, "one customer per user");
  const pi = await provider.createPaymentIntent({
    amount: 10500,
    currency: "AED",
    customer: cus,
    payment_method: "pm_card_visa",
  }, "a1");
  assertEquals([pi.status, pi.amount_capturable, pi.currency, pi.capture_method], [
    "requires_capture",
    10500,
    "aed",
    "manual",
  ]);
  const charge = pi.latest_charge;
  assert(typeof charge === "object" && charge !== null);
  assertEquals(charge.payment_method_details?.card?.capture_before, Date.parse("2026-12-08T10:00:00Z") / 1000);
  const methods = await provider.listPaymentMethods(cus);
  assertEquals(methods.map((m) => [m.id, m.card?.last4]), [[pi.payment_method ?? undefined, "4242"]]);
  // The saved card re-authorises off-session.
  const again = await provider.createPaymentIntent(
    { amount: 10500, currency: "aed", customer: cus, payment_method: methods[0].id, off_session: true },
    "a2",
  );
  assertEquals(again.status, "requires_capture");
});

Deno.test("local: same idempotency key → same answer, no second intent; other parameters → idempotency_conflict", async () => {
  const { provider, store } = setup();
  const cus = await customer(provider);
  const params = { amount: 500, currency: "aed", customer: cus, payment_method: "pm_card_visa" };
  const a = await provider.createPaymentIntent(params, "hl:authorize:p1:1");
  const b = await provider.createPaymentIntent(params, "hl:authorize:p1:1");
  assertEquals(a.id, b.id);
  assertEquals([...store.objects.values()].filter((o) => o.obj.object === "payment_intent").length, 1);
  const e = await rejects(provider.createPaymentIntent({ ...params, amount: 600 }, "hl:authorize:p1:1"));
  assertEquals(e.kind, "idempotency_conflict");
  // A capture repeated with its key captures once.
  const c1 = await provider.capturePaymentIntent(a.id, { amount_to_capture: 200 }, "hl:capture:p1:1");
  const c2 = await provider.capturePaymentIntent(a.id, { amount_to_capture: 200 }, "hl:capture:p1:1");
  assertEquals([c1.amount_received, c2.amount_received, c2.status], [200, 200, "succeeded"]);
});

Deno.test("local: pm_card_chargeDeclined → card_declined, the intent stays requires_payment_method; replay keeps the error", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  const params = { amount: 500, currency: "aed", customer: cus, payment_method: "pm_card_chargeDeclined" };
  const e = await rejects(provider.createPaymentIntent(params, "d1"));
  assertEquals([e.kind, e.code, e.declineCode, e.httpStatus], [
    "card_declined",
    "card_declined",
    "generic_decline",
    402,
  ]);
  assertEquals(e.paymentIntent?.status, "requires_payment_method");
  const stored = await provider.retrievePaymentIntent(e.paymentIntent!.id);
  assertEquals([stored.status, stored.last_payment_error?.code], ["requires_payment_method", "card_declined"]);
  const replayed = await rejects(provider.createPaymentIntent(params, "d1"));
  assertEquals(replayed.paymentIntent?.id, e.paymentIntent?.id);
  // Another card on the same intent authorises.
  const ok = await provider.confirmPaymentIntent(stored.id, { payment_method: "pm_card_mastercard" }, "d2");
  assertEquals(ok.status, "requires_capture");
});

Deno.test("local: pm_card_authenticationRequired → requires_action, confirm completes it; off-session → authentication_required", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  const pi = await provider.createPaymentIntent(
    { amount: 700, currency: "aed", customer: cus, payment_method: "pm_card_authenticationRequired" },
    "s1",
  );
  assertEquals([pi.status, pi.next_action?.type, pi.amount_capturable], ["requires_action", "use_stripe_sdk", 0]);
  const e = await rejects(provider.capturePaymentIntent(pi.id, {}, "s2"));
  assertEquals(e.kind, "invalid_state");
  const done = await provider.confirmPaymentIntent(pi.id, {}, "s3");
  assertEquals([done.status, done.amount_capturable], ["requires_capture", 700]);
  const off = await rejects(provider.createPaymentIntent(
    { amount: 700, currency: "aed", customer: cus, payment_method: done.payment_method!, off_session: true },
    "s4",
  ));
  assertEquals([off.kind, off.paymentIntent?.status], ["authentication_required", "requires_payment_method"]);
});

Deno.test("local: authorisation expires on the store's clock → canceled (automatic), capture → authorization_expired", async () => {
  const { provider, advance } = setup();
  const cus = await customer(provider);
  const pi = await provider.createPaymentIntent({
    amount: 900,
    currency: "aed",
    customer: cus,
    payment_method: "pm_card_visa",
  }, "e1");
  advance(167);
  assertEquals((await provider.retrievePaymentIntent(pi.id)).status, "requires_capture");
  advance(1);
  const expired = await provider.retrievePaymentIntent(pi.id);
  assertEquals([expired.status, expired.cancellation_reason, expired.amount_capturable], ["canceled", "automatic", 0]);
  const e = await rejects(provider.capturePaymentIntent(pi.id, {}, "e2"));
  assertEquals([e.kind, e.code], ["authorization_expired", "charge_expired_for_capture"]);
});

Deno.test("local: partial capture releases the rest; refunds up to captured, then charge_already_refunded", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  const pi = await provider.createPaymentIntent({
    amount: 10000,
    currency: "aed",
    customer: cus,
    payment_method: "pm_card_visa",
  }, "r1");
  const tooMuch = await rejects(provider.capturePaymentIntent(pi.id, { amount_to_capture: 10001 }, "r2"));
  assertEquals(tooMuch.kind, "invalid_request");
  const cap = await provider.capturePaymentIntent(pi.id, { amount_to_capture: 4000 }, "r3");
  assertEquals([cap.status, cap.amount_received, cap.amount_capturable], ["succeeded", 4000, 0]);
  const charge = cap.latest_charge;
  assert(typeof charge === "object" && charge !== null);
  assertEquals([charge.amount_captured, charge.amount_refunded], [4000, 6000]);
  const refund1 = await provider.createRefund({ payment_intent: pi.id, amount: 1500 }, "r4");
  assertEquals([refund1.amount, refund1.status], [1500, "succeeded"]);
  const big = await rejects(provider.createRefund({ payment_intent: pi.id, amount: 2501 }, "r5"));
  assertEquals([big.kind, big.code], ["invalid_request", "amount_too_large"]);
  const rest = await provider.createRefund({ payment_intent: pi.id }, "r6");
  assertEquals(rest.amount, 2500);
  const none = await rejects(provider.createRefund({ payment_intent: pi.id, amount: 1 }, "r7"));
  assertEquals([none.kind, none.code], ["invalid_state", "charge_already_refunded"]);
  const cancel = await rejects(provider.cancelPaymentIntent(pi.id, {}, "r8"));
  assertEquals(cancel.kind, "invalid_state");
});

Deno.test("local: void an authorisation; refund of an uncaptured intent is refused", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  const pi = await provider.createPaymentIntent({
    amount: 300,
    currency: "aed",
    customer: cus,
    payment_method: "pm_card_visa",
  }, "v1");
  assertEquals((await rejects(provider.createRefund({ payment_intent: pi.id }, "v2"))).kind, "invalid_state");
  const c = await provider.cancelPaymentIntent(pi.id, { cancellation_reason: "abandoned" }, "v3");
  assertEquals([c.status, c.cancellation_reason, c.amount_capturable], ["canceled", "abandoned", 0]);
});

Deno.test("local: pm_card_captureFails authorises, then capture fails (capture_failed, retryable)", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  const pi = await provider.createPaymentIntent({
    amount: 300,
    currency: "aed",
    customer: cus,
    payment_method: "pm_card_captureFails",
  }, "c1");
  assertEquals(pi.status, "requires_capture");
  const e = await rejects(provider.capturePaymentIntent(pi.id, {}, "c2"));
  assertEquals([e.kind, e.code, e.retryable], ["capture_failed", "processing_error", true]);
  assertEquals((await provider.retrievePaymentIntent(pi.id)).status, "requires_capture");
});

Deno.test("local: Connect account, onboarding, transfers; a flagged account fails payouts", async () => {
  const { provider } = setup();
  const a = await provider.createAccount({ ownerKind: "user", ownerId: "u2", country: "ae" }, "hl:account:user:u2");
  assertEquals([a.type, a.country, a.payouts_enabled, a.metadata.hl_owner_id], ["express", "AE", false, "u2"]);
  const link = await provider.createAccountLink({
    account: a.id,
    refresh_url: "https://x/r",
    return_url: "https://x/d",
  });
  assert(link.url.includes(a.id) && link.expires_at > link.created);
  const early = await rejects(provider.createTransfer({ amount: 100, currency: "aed", destination: a.id }, "t0"));
  assertEquals([early.kind, early.code], ["payout_failed", "insufficient_capabilities_for_transfer"]);
  await provider.completeOnboarding(a.id);
  const t = await provider.createTransfer({
    amount: 100,
    currency: "AED",
    destination: a.id,
    metadata: { hl_payout_id: "po1" },
  }, "t1");
  assertEquals([t.amount, t.currency, t.destination, t.reversed], [100, "aed", a.id, false]);
  assertEquals(
    (await provider.createTransfer({
      amount: 100,
      currency: "AED",
      destination: a.id,
      metadata: { hl_payout_id: "po1" },
    }, "t1")).id,
    t.id,
  );
  await provider.completeOnboarding(a.id, { payoutsFail: true });
  assertEquals(
    (await rejects(provider.createTransfer({ amount: 100, currency: "aed", destination: a.id }, "t2"))).kind,
    "payout_failed",
  );
});

Deno.test("local: bad input → invalid_request / not_found, nothing stored", async () => {
  const { provider, store } = setup();
  const cus = await customer(provider);
  const before = store.objects.size;
  assertEquals(
    (await rejects(provider.createPaymentIntent({ amount: 0, currency: "aed", customer: cus }, "b1"))).kind,
    "invalid_request",
  );
  assertEquals(
    (await rejects(provider.createPaymentIntent({ amount: 5, currency: "aed", customer: "cus_nope" }, "b2"))).kind,
    "not_found",
  );
  assertEquals((await rejects(provider.retrievePaymentIntent("pi_nope"))).kind, "not_found");
  assertEquals(
    (await rejects(
      provider.createPaymentIntent({ amount: 5, currency: "aed", customer: cus, payment_method: "pm_unknown" }, "b3"),
    )).kind,
    "not_found",
  );
  assertEquals(store.objects.size, before);
});

Deno.test("local: automatic capture (tips) is captured with the authorisation", async () => {
  const { provider } = setup();
  const cus = await customer(provider);
  const pi = await provider.createPaymentIntent(
    { amount: 1000, currency: "aed", customer: cus, payment_method: "pm_card_visa", capture_method: "automatic" },
    "tip1",
  );
  assertEquals([pi.status, pi.amount_received, pi.amount_capturable, pi.capture_method], [
    "succeeded",
    1000,
    0,
    "automatic",
  ]);
  const sca = await provider.createPaymentIntent(
    {
      amount: 1000,
      currency: "aed",
      customer: cus,
      payment_method: "pm_card_authenticationRequired",
      capture_method: "automatic",
    },
    "tip2",
  );
  assertEquals(sca.status, "requires_action");
  assertEquals((await provider.confirmPaymentIntent(sca.id, {}, "tip3")).status, "succeeded");
});
