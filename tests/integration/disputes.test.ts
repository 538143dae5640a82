/**
 * Disputes through the gateway with supabase-js, as the people involved use them: the customer
 * pays for a booking, it completes, the customer opens a dispute and uploads evidence through the
 * Storage API, the provider answers with a statement, an operator resolves with a partial refund;
 * the payment shows the refund, the provider's payout the remainder, and the ledger agrees. The
 * other side reads the evidence, a stranger cannot; bad input gets its code and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor, adminSql, createCategory, operator, serviceClient } from "../support.ts";
import { ledgerCheck, paidBooking, payableProvider, paymentOf, payments, providerObject, settle } from "./payments-support.ts";

const sql = adminSql();
let categoryId: string;
let support: Actor;
let admin: Actor;

beforeAll(async () => {
  categoryId = await createCategory(sql, "disputes", { en: "Disputes test", ar: "اختبار النزاعات" });
  support = await operator(sql, "disputes-support", "support");
  admin = await operator(sql, "disputes-admin", "admin");
});
afterAll(async () => {
  await sql.end();
});

const jpeg = () => new Blob([Buffer.from("ffd8ffe000104a46494600010100000100010000ffd9", "hex")], { type: "image/jpeg" });

describe("disputes", () => {
  it("customer disputes a paid booking with evidence, the provider answers, an operator refunds part; payout gets the rest", async () => {
    const provider = await payableProvider(sql, "dispute-provider", categoryId);
    const customer = await actor("dispute-customer");
    const stranger = await actor("dispute-stranger");

    // The provider can be paid: connected account onboarded, profile verified.
    const start = await payments(provider.client, "onboarding", {});
    expect(start.status).toBe(200);
    const account = String(start.body.account_id);
    await sql`select local_payments.complete_onboarding(${account})`;
    expect((await payments(serviceClient(), "sync", { account })).status).toBe(200);
    await sql`update public.profiles set is_verified = true where id = ${provider.id}`;

    const { id: bookingId, payment } = await paidBooking(sql, customer, provider, "completed");
    await settle(sql, [payment.id]);
    const captured = await paymentOf(sql, bookingId);
    expect(captured.status).toBe("captured");

    // Bad input first: a specific code each, nothing written.
    const badReason = await customer.client.rpc("open_dispute", { p_kind: "booking", p_trade_id: bookingId, p_reason: "meh" });
    expect([badReason.status, badReason.error?.code]).toEqual([400, "HL741"]);
    const notParty = await stranger.client.rpc("open_dispute", { p_kind: "booking", p_trade_id: bookingId, p_reason: "poor_quality" });
    expect([notParty.status, notParty.error?.code]).toEqual([404, "HL701"]);
    expect((await sql`select count(*)::int as n from public.disputes where trade_id = ${bookingId}`)[0].n).toBe(0);

    // The customer opens the dispute.
    const opened = await customer.client.rpc("open_dispute", {
      p_kind: "booking", p_trade_id: bookingId, p_reason: "poor_quality", p_details: "The tap still drips after the repair.",
    });
    expect(opened.error).toBeNull();
    const dispute = opened.data as { id: string; status: string; my_side: string; opener_side: string };
    expect(dispute).toMatchObject({ status: "open", my_side: "customer", opener_side: "customer" });
    const booking = await customer.client.from("bookings").select("status").eq("id", bookingId).single();
    expect(booking.data?.status).toBe("disputed");
    const again = await provider.client.rpc("open_dispute", { p_kind: "booking", p_trade_id: bookingId, p_reason: "other" });
    expect([again.status, again.error?.code]).toEqual([409, "HL744"]);

    // Evidence through the Storage API, into the dispute's folder.
    const path = `${dispute.id}/${customer.id}/tap.jpg`;
    const up = await customer.client.storage.from("dispute-evidence").upload(path, jpeg(), { contentType: "image/jpeg" });
    expect(up.error).toBeNull();
    const wrongFolder = await customer.client.storage.from("dispute-evidence")
      .upload(`${dispute.id}/${provider.id}/tap.jpg`, jpeg(), { contentType: "image/jpeg" });
    expect((wrongFolder.error as { statusCode?: string } | null)?.statusCode).toBe("403");
    const sneak = await stranger.client.storage.from("dispute-evidence")
      .upload(`${dispute.id}/${stranger.id}/x.jpg`, jpeg(), { contentType: "image/jpeg" });
    expect((sneak.error as { statusCode?: string } | null)?.statusCode).toBe("403");
    const notUploaded = await customer.client.rpc("add_dispute_statement", {
      p_dispute_id: dispute.id, p_body: "see photo", p_evidence: [`${dispute.id}/${customer.id}/missing.jpg`],
    });
    expect([notUploaded.status, notUploaded.error?.code]).toEqual([400, "HL747"]);
    const statement = await customer.client.rpc("add_dispute_statement", {
      p_dispute_id: dispute.id, p_body: "Photo taken the day after.", p_evidence: [path],
    });
    expect(statement.error).toBeNull();

    // The other side and operators read the evidence; a stranger cannot.
    const providerView = await provider.client.storage.from("dispute-evidence").download(path);
    expect(providerView.error).toBeNull();
    expect((await support.client.storage.from("dispute-evidence").createSignedUrl(path, 60)).error).toBeNull();
    expect((await stranger.client.storage.from("dispute-evidence").createSignedUrl(path, 60)).error).not.toBeNull();
    expect((await stranger.client.storage.from("dispute-evidence").download(path)).error).not.toBeNull();
    const strangerRead = await stranger.client.rpc("get_dispute", { p_dispute_id: dispute.id });
    expect([strangerRead.status, strangerRead.error?.code]).toEqual([404, "HL740"]);

    // The provider answers; their app learnt about the dispute from a notification.
    const notified = await provider.client.rpc("list_notifications", {});
    expect(JSON.stringify(notified.data)).toContain("dispute.opened");
    const answer = await provider.client.rpc("add_dispute_statement", {
      p_dispute_id: dispute.id, p_body: "The drip comes from the old valve, which the customer declined to replace.",
    });
    expect(answer.error).toBeNull();
    const seen = await provider.client.rpc("get_dispute", { p_dispute_id: dispute.id });
    const events = (seen.data as { events: { event: string; actor_side: string; evidence: string[] }[] }).events;
    expect(events.map((e) => [e.event, e.actor_side])).toEqual([["opened", "customer"], ["statement", "customer"], ["statement", "provider"]]);
    expect(events[1].evidence).toEqual([path]);

    // The operator queue (Studio or an admin app), then the decision.
    const queue = await support.client.from("operator_dispute_queue").select("*").eq("dispute_id", dispute.id);
    expect(queue.data).toMatchObject([{ customer_statements: 1, provider_statements: 1, escalated: false, currency: "AED" }]);
    expect((await customer.client.from("operator_dispute_queue").select("*")).data).toEqual([]);
    const paid = captured.amount_captured;
    const refund = Math.floor(paid * 0.3);
    const tooMuch = await support.client.rpc("resolve_dispute", {
      p_dispute_id: dispute.id, p_outcome: "partial_refund", p_refund_amount: paid + 1, p_reason: "x",
    });
    expect([tooMuch.status, tooMuch.error?.code]).toEqual([400, "HL625"]);
    const byParty = await customer.client.rpc("resolve_dispute", { p_dispute_id: dispute.id, p_outcome: "full_refund", p_reason: "x" });
    expect([byParty.status, byParty.error?.code]).toEqual([403, "HL002"]);
    const resolved = await support.client.rpc("resolve_dispute", {
      p_dispute_id: dispute.id, p_outcome: "partial_refund", p_refund_amount: refund, p_reason: "Valve issue shared: 30% back.",
    });
    expect(resolved.error).toBeNull();
    expect(resolved.data).toMatchObject({ status: "resolved", outcome: "partial_refund", refund_amount: refund });

    // The money: refunded at the provider, the rest released and paid out to the provider.
    await settle(sql, [payment.id]);
    const after = await paymentOf(sql, bookingId);
    expect([after.status, after.amount_refunded, after.released_at !== null]).toEqual(["partially_refunded", refund, true]);
    const refunds = await sql`select data from local_payments.objects where object = 'refund' and ref = ${after.provider_ref}`;
    expect(refunds.map((r) => [r.data.amount, r.data.status])).toEqual([[refund, "succeeded"]]);
    const [expected] = await sql`
      select (c.provider_payout - (private.allocate_refund(c.breakdown, ${refund}) ->> 'provider_payout')::bigint)::float8 as payout
        from public.booking_charges c where c.booking_id = ${bookingId}`;
    const payouts = await provider.client.from("payouts").select("status, amount").eq("payment_id", payment.id);
    expect(payouts.data).toEqual([{ status: "paid", amount: expected.payout }]);
    const [{ provider_ref }] = await sql`select provider_ref from public.payouts where payment_id = ${payment.id}`;
    const transfer = await providerObject<{ amount: number; destination: string }>(sql, provider_ref);
    expect([transfer.amount, transfer.destination]).toEqual([expected.payout, account]);
    expect(await ledgerCheck(admin)).toMatchObject({ balanced: true });

    // Both sides see the outcome; the dispute takes nothing more.
    const mine = await customer.client.rpc("list_my_disputes", { p_status: "resolved" });
    expect((mine.data ?? []).map((d) => [d.id, d.outcome])).toEqual([[dispute.id, "partial_refund"]]);
    const late = await provider.client.rpc("add_dispute_statement", { p_dispute_id: dispute.id, p_body: "one more thing" });
    expect([late.status, late.error?.code]).toEqual([409, "HL745"]);
    const audit = await admin.client.from("audit_log").select("action, actor_id, reason").eq("target_id", dispute.id).order("id");
    expect(audit.data?.map((a) => a.action)).toEqual(["dispute.opened", "dispute.resolved"]);
    expect(audit.data?.[1]).toMatchObject({ actor_id: support.id, reason: "Valve issue shared: 30% back." });
  }, 90_000);
});
