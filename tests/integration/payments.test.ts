/**
 * Every payment path through the gateway with supabase-js and the local provider
 * (PAYMENTS_PROVIDER=local): the customer's app calls the `payments` function with their session,
 * the booking lifecycle queues provider operations in the database, and the worker (called here as
 * pg_cron calls it, with the service role) performs them against the local provider and reports
 * back. Each test checks the payment row, the local provider's own object and the ledger.
 */
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor, adminSql, bookInState, createCategory, operator, serviceClient, stack, startTimes } from "../support.ts";
import {
  customerTotal,
  ledgerCheck,
  paidBooking,
  payableProvider,
  paymentOf,
  payments,
  providerLedgerMismatches,
  providerObject,
  runWorker,
  settle,
  walk,
} from "./payments-support.ts";

const sql = adminSql();
let categoryId: string;
let admin: Actor;

beforeAll(async () => {
  categoryId = await createCategory(sql, "payments", { en: "Payments test", ar: "اختبار الدفع" });
  admin = await operator(sql, "money-admin", "admin");
});
afterAll(async () => {
  await sql.end();
});

type Intent = { status: string; amount: number; amount_received: number; amount_capturable: number; latest_charge: { amount_refunded: number } };

async function expectLedgerAgrees(payments: string[], accounts: string[] = []) {
  const check = await ledgerCheck(admin);
  expect(check).toMatchObject({ balanced: true });
  expect(await providerLedgerMismatches(sql, { payments, accounts })).toEqual([]);
}

describe("payments: authorise", () => {
  it("an accepted request: progress is refused until the customer's card is authorised, then the provider holds it", async () => {
    const provider = await payableProvider(sql, "pay-request", categoryId);
    const customer = await actor("pay-request-customer");
    const booking = await bookInState({ customer, provider, listing: provider.listing, start: startTimes({ daysAhead: 6, utcHours: [0, 18] })(), place: { lat: 25.2, lng: 55.27 } }, "accepted");
    const early = await provider.client.rpc("transition_booking", { p_booking_id: booking.id, p_transition: "start_travel" });
    expect(early.error?.code).toBe("HL624");

    const stranger = await actor("pay-stranger");
    const notMine = await payments(stranger.client, "booking", { booking_id: booking.id, payment_method: "pm_card_visa" });
    expect([notMine.status, notMine.body.code]).toEqual([403, "HL621"]);

    const paid = await payments(customer.client, "booking", { booking_id: booking.id, payment_method: "pm_card_visa" });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: "authorized", intent_status: "requires_capture", client_secret: null, currency: "AED" });
    const payment = await paymentOf(sql, booking.id);
    expect(payment.amount_authorized).toBe(await customerTotal(sql, booking.id));
    const intent = await providerObject<Intent>(sql, payment.provider_ref!);
    expect([intent.status, intent.amount_capturable]).toEqual(["requires_capture", payment.amount_authorized]);

    // Paying again changes nothing (same intent, no second authorisation).
    const again = await payments(customer.client, "booking", { booking_id: booking.id, payment_method: "pm_card_visa" });
    expect([again.status, again.body.payment_intent]).toEqual([200, payment.provider_ref]);
    const [{ n }] = await sql`select count(*)::int as n from local_payments.objects where object = 'payment_intent' and data->'metadata'->>'hl_payment_id' = ${payment.id}`;
    expect(n).toBe(1);
    await walk(customer, provider, booking.id, "en_route");
  });

  it("instant book: accepted at once, authorised by the same call", async () => {
    const provider = await payableProvider(sql, "pay-instant", categoryId, { booking_mode: "instant" });
    const customer = await actor("pay-instant-customer");
    const booked = await customer.client.rpc("book_listing", {
      p_listing_id: provider.listing, p_start: startTimes({ daysAhead: 7, utcHours: [0, 18] })(), p_lat: 25.2, p_lng: 55.27,
    });
    expect(booked.error).toBeNull();
    const booking = booked.data as { id: string; status: string };
    expect(booking.status).toBe("accepted");
    const paid = await payments(customer.client, "booking", { booking_id: booking.id, payment_method: "pm_card_mastercard" });
    expect(paid.body.status).toBe("authorized");
    const methods = await payments(customer.client, "methods", undefined, "GET");
    expect(methods.status).toBe(200);
    expect(methods.body.payment_methods).toEqual([
      expect.objectContaining({ type: "card", brand: "mastercard", last4: "4444" }),
    ]);
  });

  it("a declined card: 402 HL670, the payment failed, nothing held; another card then authorises", async () => {
    const provider = await payableProvider(sql, "pay-declined", categoryId);
    const customer = await actor("pay-declined-customer");
    const booking = await bookInState({ customer, provider, listing: provider.listing, start: startTimes({ daysAhead: 8, utcHours: [0, 18] })(), place: { lat: 25.2, lng: 55.27 } }, "accepted");
    const declined = await payments(customer.client, "booking", { booking_id: booking.id, payment_method: "pm_card_chargeDeclined" });
    expect([declined.status, declined.body.code]).toEqual([402, "HL670"]);
    expect(declined.body.details).toMatchObject({ reason: "card_declined", decline_code: "generic_decline" });
    expect((await paymentOf(sql, booking.id)).status).toBe("failed");
    const ok = await payments(customer.client, "booking", { booking_id: booking.id, payment_method: "pm_card_visa" });
    expect([ok.status, ok.body.status]).toEqual([200, "authorized"]);
  });

  it("requires_action (3DS): the app gets the client secret, the confirm step authorises", async () => {
    const provider = await payableProvider(sql, "pay-3ds", categoryId);
    const customer = await actor("pay-3ds-customer");
    const booking = await bookInState({ customer, provider, listing: provider.listing, start: startTimes({ daysAhead: 9, utcHours: [0, 18] })(), place: { lat: 25.2, lng: 55.27 } }, "accepted");
    const confirmFirst = await payments(customer.client, "booking/confirm", { booking_id: booking.id });
    expect([confirmFirst.status, confirmFirst.body.code]).toEqual([422, "HL674"]);
    const first = await payments(customer.client, "booking", { booking_id: booking.id, payment_method: "pm_card_authenticationRequired" });
    expect(first.body).toMatchObject({ status: "requires_action", intent_status: "requires_action" });
    expect(String(first.body.client_secret)).toMatch(/^pi_local_\w+_secret_\w+$/);
    expect((await paymentOf(sql, booking.id)).status).toBe("requires_action");
    const progress = await provider.client.rpc("transition_booking", { p_booking_id: booking.id, p_transition: "arrive" });
    expect(progress.error?.code).toBe("HL624");
    const done = await payments(customer.client, "booking/confirm", { booking_id: booking.id });
    expect(done.body).toMatchObject({ status: "authorized", intent_status: "requires_capture", client_secret: null });
  });

  it("an authorisation that lapses at the provider is recorded expired and the booking is cancelled by the system", async () => {
    const provider = await payableProvider(sql, "pay-expiry", categoryId);
    const customer = await actor("pay-expiry-customer");
    const { id, payment } = await paidBooking(sql, customer, provider, "accepted");
    // The card network's window ends (the local provider expires it lazily, on its next read).
    await sql`select local_payments.set_capture_before(${payment.provider_ref}, now() - interval '1 minute')`;
    const synced = await payments(serviceClient(), "sync", { payment_intent: payment.provider_ref });
    expect(synced.status).toBe(200);
    expect(synced.body.object).toMatchObject({ status: "canceled", cancellation_reason: "automatic", amount_capturable: 0 });
    expect((await paymentOf(sql, id)).status).toBe("expired");
    // Without a held payment the booking cannot go ahead: the system cancels it, and it takes no
    // payment any more.
    const [booking] = await sql`select status from public.bookings where id = ${id}`;
    expect(booking.status).toBe("cancelled");
    const again = await payments(customer.client, "booking", { booking_id: id, payment_method: "pm_card_visa" });
    expect([again.status, again.body.code]).toEqual([422, "HL622"]);
  });

  it("bad input is refused with field errors and nothing is written", async () => {
    const customer = await actor("pay-bad-input");
    const r = await payments(customer.client, "booking", { booking_id: "x", payment_method: "'; drop table" });
    expect([r.status, r.body.code]).toEqual([400, "invalid_request"]);
    const missing = await payments(customer.client, "booking", { booking_id: "00000000-0000-4000-8000-000000000000" });
    expect([missing.status, missing.body.code]).toEqual([404, "HL620"]);
    const worker = await payments(customer.client, "worker", {});
    expect([worker.status, worker.body.code]).toEqual([403, "HL002"]);
    const tip = await payments(customer.client, "tip", { booking_id: "00000000-0000-4000-8000-000000000000", amount: 0 });
    expect(tip.status).toBe(400);
  });
});

describe("payments: capture, cancellation, refunds", () => {
  it("completion captures the authorised amount through the worker; escrow is released to the provider", async () => {
    const provider = await payableProvider(sql, "pay-complete", categoryId);
    const customer = await actor("pay-complete-customer");
    const { id, payment } = await paidBooking(sql, customer, provider, "completed");
    await settle(sql, [payment.id]);
    const captured = await paymentOf(sql, id);
    expect([captured.status, captured.amount_captured]).toEqual(["captured", payment.amount_authorized]);
    const intent = await providerObject<Intent>(sql, captured.provider_ref!);
    expect([intent.status, intent.amount_received]).toEqual(["succeeded", payment.amount_authorized]);
    // The dispute window's end (the timer's work), then the ledger.
    await sql`select private.release_payment(${payment.id})`;
    await settle(sql, [payment.id]);
    expect((await paymentOf(sql, id)).released_at).not.toBeNull();
    await expectLedgerAgrees([payment.id]);
  });

  it("a late customer cancellation captures only the fee and releases the rest", async () => {
    const provider = await payableProvider(sql, "pay-late", categoryId, {
      cancellation_policy: { free_until_minutes: 1440, fee_percent: 40 },
    });
    const customer = await actor("pay-late-customer");
    // Inside the free-cancellation window (24 h) and inside the provider's day (00:00-23:59 in
    // Dubai, UTC+4): a one-hour booking starting at 19:00 UTC would end after 23:59 there.
    let startMs = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 5 * 3_600_000;
    while (new Date(startMs).getUTCHours() === 19) startMs += 3_600_000;
    const soon = new Date(startMs).toISOString();
    const { id, payment } = await paidBooking(sql, customer, provider, "accepted", { start: soon });
    const cancel = await customer.client.rpc("transition_booking", { p_booking_id: id, p_transition: "cancel", p_reason: "plans changed" });
    expect(cancel.error).toBeNull();
    await settle(sql, [payment.id]);
    const after = await paymentOf(sql, id);
    const [{ fee }] = await sql<{ fee: number }[]>`select (private.cancellation_amounts(${id})->>'customer_total')::float8 as fee`;
    expect(fee).toBeGreaterThan(0);
    expect(fee).toBeLessThan(payment.amount_authorized);
    expect([after.status, after.amount_captured]).toEqual(["captured", fee]);
    const intent = await providerObject<Intent>(sql, after.provider_ref!);
    expect([intent.status, intent.amount_received, intent.latest_charge.amount_refunded])
      .toEqual(["succeeded", fee, payment.amount_authorized - fee]);
    await expectLedgerAgrees([payment.id]);
  });

  it("a provider-side cancellation voids the authorisation: the customer keeps everything", async () => {
    const provider = await payableProvider(sql, "pay-provider-cancel", categoryId);
    const customer = await actor("pay-provider-cancel-customer");
    const { id, payment } = await paidBooking(sql, customer, provider, "accepted");
    const cancel = await provider.client.rpc("transition_booking", { p_booking_id: id, p_transition: "cancel", p_reason: "van broke down" });
    expect(cancel.error).toBeNull();
    await settle(sql, [payment.id]);
    const after = await paymentOf(sql, id);
    expect([after.status, after.amount_captured]).toEqual(["canceled", 0]);
    const intent = await providerObject<Intent>(sql, after.provider_ref!);
    expect([intent.status, intent.amount_received, intent.amount_capturable]).toEqual(["canceled", 0, 0]);
    await expectLedgerAgrees([payment.id]);
  });

  it("a dispute after completion resolved with a partial refund: refunded at the provider, escrow settled", async () => {
    const provider = await payableProvider(sql, "pay-dispute", categoryId);
    const customer = await actor("pay-dispute-customer");
    const { id, payment } = await paidBooking(sql, customer, provider, "completed");
    await settle(sql, [payment.id]);
    const dispute = await customer.client.rpc("transition_booking", { p_booking_id: id, p_transition: "dispute", p_reason: "tap still leaks" });
    expect(dispute.error).toBeNull();
    const tooMuch = await admin.client.rpc("transition_booking", {
      p_booking_id: id, p_transition: "resolve", p_reason: "refund", p_metadata: { refund_amount: payment.amount_authorized + 1 },
    });
    expect(tooMuch.error?.code).toBe("HL625");
    const refundAmount = Math.floor(payment.amount_authorized / 4);
    const resolve = await admin.client.rpc("transition_booking", {
      p_booking_id: id, p_transition: "resolve", p_reason: "partial refund agreed", p_metadata: { refund_amount: refundAmount },
    });
    expect(resolve.error).toBeNull();
    await settle(sql, [payment.id]);
    const after = await paymentOf(sql, id);
    expect([after.status, after.amount_captured, after.amount_refunded])
      .toEqual(["partially_refunded", payment.amount_authorized, refundAmount]);
    const refunds = await sql`select data from local_payments.objects where object = 'refund' and ref = ${after.provider_ref}`;
    expect(refunds.map((r) => [r.data.amount, r.data.status])).toEqual([[refundAmount, "succeeded"]]);
    await expectLedgerAgrees([payment.id]);
  });

  it("a tip after completion is captured at once (100% to the provider); a second different tip is a conflict", async () => {
    const provider = await payableProvider(sql, "pay-tip", categoryId);
    const customer = await actor("pay-tip-customer");
    const { id, payment } = await paidBooking(sql, customer, provider, "in_progress");
    const early = await payments(customer.client, "tip", { booking_id: id, amount: 500, payment_method: "pm_card_visa" });
    expect([early.status, early.body.code]).toEqual([422, "HL626"]);
    await walk(customer, provider, id, "completed", "in_progress");
    const tip = await payments(customer.client, "tip", { booking_id: id, amount: 500, payment_method: "pm_card_visa" });
    expect(tip.status).toBe(200);
    expect(tip.body).toMatchObject({ kind: "tip", status: "captured", intent_status: "succeeded", amount: 500 });
    const tipRow = await paymentOf(sql, id, "tip");
    expect([tipRow.amount_captured, (await providerObject<Intent>(sql, tipRow.provider_ref!)).amount_received]).toEqual([500, 500]);
    const other = await payments(customer.client, "tip", { booking_id: id, amount: 900, payment_method: "pm_card_visa" });
    expect([other.status, other.body.code]).toEqual([409, "HL628"]);
    await settle(sql, [payment.id, tipRow.id]);
    await expectLedgerAgrees([payment.id, tipRow.id]);
  });
});

describe("payments: payouts", () => {
  it("a payout is held while the provider is unverified, then released through the connected account", async () => {
    const provider = await payableProvider(sql, "pay-payout", categoryId);
    const customer = await actor("pay-payout-customer");
    // Onboarding: the account and its link, then the payee completes Stripe's (here: local) flow.
    const start = await payments(provider.client, "onboarding", {});
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ provider: "local", payouts_enabled: false });
    expect(String(start.body.onboarding_url)).toContain(String(start.body.account_id));
    const account = String(start.body.account_id);
    await sql`select local_payments.complete_onboarding(${account})`;
    const synced = await payments(serviceClient(), "sync", { account });
    expect(synced.status).toBe(200);
    const status = await payments(provider.client, "onboarding", undefined, "GET");
    expect(status.body).toMatchObject({ account_id: account, payouts_enabled: true, details_submitted: true });

    const { id, payment } = await paidBooking(sql, customer, provider, "completed");
    await settle(sql, [payment.id]);
    await sql`select private.release_payment(${payment.id})`;
    await settle(sql, [payment.id]);
    const held = await sql`select id, status, held_reason, amount::float8 as amount from public.payouts where payment_id = ${payment.id}`;
    expect(held.map((p) => [p.status, p.held_reason])).toEqual([["held", "payee_not_verified"]]);
    // The provider reads their own payout; the customer does not.
    const mine = await provider.client.from("payouts").select("id, status").eq("payment_id", payment.id);
    expect(mine.data?.map((p) => p.status)).toEqual(["held"]);
    const theirs = await customer.client.from("payouts").select("id").eq("payment_id", payment.id);
    expect(theirs.data).toEqual([]);

    // Verification (the trust module's decision, made with the service role here).
    await sql`update public.profiles set is_verified = true where id = ${provider.id}`;
    await settle(sql, [payment.id]);
    const paid = await sql`select status, provider_ref, amount::float8 as amount from public.payouts where payment_id = ${payment.id}`;
    expect(paid.map((p) => p.status)).toEqual(["paid"]);
    const transfer = await providerObject<{ amount: number; destination: string }>(sql, paid[0].provider_ref);
    expect([transfer.amount, transfer.destination]).toEqual([paid[0].amount, account]);
    expect(id).toBeTruthy();
    await expectLedgerAgrees([payment.id], [account]);
  });

  it("a payout the provider refuses fails back to payable and is held again", async () => {
    const provider = await payableProvider(sql, "pay-payout-fail", categoryId);
    const customer = await actor("pay-payout-fail-customer");
    const start = await payments(provider.client, "onboarding", {});
    const account = String(start.body.account_id);
    await sql`select local_payments.complete_onboarding(${account}, true)`;
    await payments(serviceClient(), "sync", { account });
    await sql`update public.profiles set is_verified = true where id = ${provider.id}`;
    const { payment } = await paidBooking(sql, customer, provider, "completed");
    await settle(sql, [payment.id]);
    await sql`select private.release_payment(${payment.id})`;
    await settle(sql, [payment.id]);
    const rows = await sql`select status, held_reason from public.payouts where payment_id = ${payment.id} order by created_at`;
    expect(rows.map((r) => r.status)).toEqual(["failed", "held"]);
    expect(rows[1].held_reason).toBe("previous_payout_failed");
    await expectLedgerAgrees([payment.id], [account]);
  });
});

describe("stripe-webhook through the gateway", () => {
  const secret = "whsec_hyperlocal_local_development_only";
  const webhooks = new Stripe("sk_test_unused").webhooks;

  async function deliver(payload: string, signature: string) {
    const res = await fetch(`${stack.apiUrl}/functions/v1/stripe-webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature },
      body: payload,
    });
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  }

  it("applies a signed event once (a duplicate changes nothing), refuses bad signatures, records unknown types", async () => {
    const provider = await payableProvider(sql, "pay-webhook", categoryId);
    const customer = await actor("pay-webhook-customer");
    const { id, payment } = await paidBooking(sql, customer, provider, "accepted");
    // The provider voided the authorisation on its side (e.g. on the dashboard): the event says so.
    const intent = await providerObject<Record<string, unknown>>(sql, payment.provider_ref!);
    const eventId = `evt_test_${Date.now()}`;
    const payload = JSON.stringify({
      id: eventId, object: "event", type: "payment_intent.canceled", created: Math.floor(Date.now() / 1000),
      data: { object: { ...intent, status: "canceled", amount_capturable: 0, cancellation_reason: "requested_by_customer" } },
    });
    const signature = webhooks.generateTestHeaderString({ payload, secret });
    const first = await deliver(payload, signature);
    expect([first.status, first.body.status]).toEqual([200, "applied"]);
    expect((await paymentOf(sql, id)).status).toBe("canceled");
    const again = await deliver(payload, signature);
    expect([again.status, again.body.status]).toEqual([200, "duplicate"]);
    const [{ n }] = await sql`select count(*)::int as n from private.webhook_events where event_id = ${eventId}`;
    expect(n).toBe(1);

    const tampered = await deliver(payload.replace("payment_intent.canceled", "payment_intent.succeeded"), signature);
    expect([tampered.status, tampered.body.code]).toEqual([400, "HL673"]);
    const stale = webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect((await deliver(payload, stale)).status).toBe(400);
    const wrong = webhooks.generateTestHeaderString({ payload, secret: "whsec_not_ours" });
    expect((await deliver(payload, wrong)).body.code).toBe("HL673");

    const unknown = JSON.stringify({ id: `${eventId}_u`, object: "event", type: "balance.available", created: 1, data: { object: { object: "balance" } } });
    const u = await deliver(unknown, webhooks.generateTestHeaderString({ payload: unknown, secret }));
    expect([u.status, u.body.status]).toEqual([200, "ignored"]);
    await runWorker();
  });
});
