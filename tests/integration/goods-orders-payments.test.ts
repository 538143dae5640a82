/**
 * Goods orders paid through money, through the gateway with supabase-js and the local provider:
 * the buyer reserves (buy_product) and pays with the payments function (`payments/subject`, kind
 * order), the worker captures into escrow, the seller sends, the buyer receives, the order timer's
 * completion step (frozen clock) releases the escrow and the seller sees the payable and the held
 * payout, then paid once verified; a declined card leaves the reservation, 3-D Secure is confirmed;
 * a cancellation after capture refunds everything; a dispute
 * resolved with a partial refund refunds it and releases the rest. The ledger is checked after each
 * (money's ledger_check, and the local provider's objects against the ledger).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor, adminSql, operator, serviceClient } from "../support.ts";
import { ledgerCheck, payments, providerLedgerMismatches, providerObject, settle } from "./payments-support.ts";

const sql = adminSql();
let category: string;
let admin: Actor;

type Order = { id: string; status: string; customer_total: number; seller_payout: number; refunded_amount: number };

beforeAll(async () => {
  const [{ id }] = await sql`
    insert into public.categories (slug, kind, names, default_pricing_unit)
    values (${`it-order-pay-${process.pid}-${Date.now()}`}, 'goods', ${sql.json({ en: "Bikes", ar: "دراجات" })}, 'fixed')
    returning id`;
  category = id as string;
  admin = await operator(sql, "orderpay-admin", "admin");
}, 60_000);

afterAll(async () => {
  await sql.end();
});

async function listProduct(seller: Actor, title: string): Promise<string> {
  const { data, error } = await seller.client.rpc("create_product", {
    p_title: title, p_price: 40000, p_category_id: category, p_condition: "good", p_lat: 25.08, p_lng: 55.14,
  });
  expect(error).toBeNull();
  return data!.id;
}

async function buy(buyer: Actor, productId: string): Promise<Order> {
  const { data, error } = await buyer.client.rpc("buy_product", {
    p_product_id: productId, p_fulfilment: "delivery", p_delivery_address: "Marina Gate 1, apt 1203",
  });
  expect(error).toBeNull();
  return data as unknown as Order;
}

/** Pays the order as the buyer's app does; returns the payment id. */
async function pay(buyer: Actor, orderId: string): Promise<string> {
  const paid = await payments(buyer.client, "subject", { kind: "order", id: orderId, payment_method: "pm_card_visa" });
  expect(paid.status).toBe(200);
  expect(paid.body).toMatchObject({ status: "authorized", subject_kind: "order", subject_id: orderId, intent_status: "requires_capture" });
  return String(paid.body.payment_id);
}

async function orderOf(client: Actor, orderId: string): Promise<Order> {
  const { data, error } = await client.client.rpc("get_order", { p_order_id: orderId });
  expect(error).toBeNull();
  return data as unknown as Order;
}

async function paymentRow(id: string) {
  const [row] = await sql`
    select status, amount::float8 as amount, amount_captured::float8 as captured, amount_refunded::float8 as refunded,
           released_at, provider_ref from public.payments where id = ${id}`;
  return row;
}

async function expectLedgerAgrees(paymentIds: string[], accounts: string[] = []) {
  expect(await ledgerCheck(admin)).toMatchObject({ balanced: true });
  expect(await providerLedgerMismatches(sql, { payments: paymentIds, accounts })).toEqual([]);
}

/** The order timer's completion step for this order, with the domain clock after the dispute window. */
async function completeByTimer(orderId: string) {
  return sql.begin(async (tx) => {
    const [{ at }] = await tx`
      select (received_at + make_interval(hours => private.setting('goods.dispute_window_hours')::int + 1))::text as at
        from public.orders where id = ${orderId}`;
    await tx`select set_config('hyperlocal.frozen_now', ${at}, true)`;
    const [r] = await tx`select * from private.apply_order_timer(array[${orderId}]::uuid[], 'complete', 'dispute_window_over')`;
    return r;
  });
}

describe("paying for a goods order", () => {
  it("reserve, pay through the payments function, capture, send, receive, complete: the seller's payable and payout", async () => {
    const [seller, buyer, stranger] = await Promise.all([actor("orderpay.seller"), actor("orderpay.buyer"), actor("orderpay.stranger")]);
    const start = await payments(seller.client, "onboarding", {});
    expect(start.status).toBe(200);
    const account = String(start.body.account_id);
    await sql`select local_payments.complete_onboarding(${account})`;
    expect((await payments(serviceClient(), "sync", { account })).status).toBe(200);

    const order = await buy(buyer, await listProduct(seller, "Road bike"));
    const notMine = await payments(stranger.client, "subject", { kind: "order", id: order.id, payment_method: "pm_card_visa" });
    expect([notMine.status, notMine.body.code]).toEqual([404, "HL840"]);
    const own = await payments(seller.client, "subject", { kind: "order", id: order.id, payment_method: "pm_card_visa" });
    expect([own.status, own.body.code]).toEqual([403, "HL843"]);

    const paymentId = await pay(buyer, order.id);
    expect(await orderOf(buyer, order.id)).toMatchObject({ status: "paid" });
    expect(await paymentRow(paymentId)).toMatchObject({ status: "authorized", amount: order.customer_total });
    // Both sides read the order's payment; a stranger does not.
    for (const side of [buyer, seller]) {
      const { data } = await side.client.from("payments").select("id, status").eq("subject_id", order.id);
      expect(data?.map((p) => p.id)).toEqual([paymentId]);
    }
    expect((await stranger.client.from("payments").select("id").eq("subject_id", order.id)).data).toEqual([]);

    await settle(sql, [paymentId]);
    const captured = await paymentRow(paymentId);
    expect(captured).toMatchObject({ status: "captured", captured: order.customer_total });
    const intent = await providerObject<{ status: string; amount_received: number }>(sql, captured.provider_ref);
    expect([intent.status, intent.amount_received]).toEqual(["succeeded", order.customer_total]);

    expect((await seller.client.rpc("transition_order", { p_order_id: order.id, p_action: "send" })).data?.status).toBe("sent");
    expect((await buyer.client.rpc("transition_order", { p_order_id: order.id, p_action: "receive" })).data?.status).toBe("received");
    expect((await paymentRow(paymentId)).released_at).toBeNull();
    expect(await completeByTimer(order.id)).toMatchObject({ applied: 1, failed: 0 });
    expect(await orderOf(seller, order.id)).toMatchObject({ status: "completed" });
    expect((await paymentRow(paymentId)).released_at).not.toBeNull();

    const held = await seller.client.from("payouts").select("status, held_reason, amount").eq("payment_id", paymentId);
    expect(held.data).toEqual([{ status: "held", held_reason: "payee_not_verified", amount: order.seller_payout }]);
    const balance = await seller.client.rpc("my_balance");
    expect(balance.data?.find((b) => b.currency === "AED")).toMatchObject({ payable: order.seller_payout, paid_out: 0 });
    await expectLedgerAgrees([paymentId], [account]);

    // Verified: the held payout is sent to the connected account.
    await sql`update public.profiles set is_verified = true where id = ${seller.id}`;
    await settle(sql, [paymentId]);
    const paid = await seller.client.from("payouts").select("status, amount").eq("payment_id", paymentId);
    expect(paid.data).toEqual([{ status: "paid", amount: order.seller_payout }]);
    expect((await seller.client.rpc("my_balance")).data?.find((b) => b.currency === "AED"))
      .toMatchObject({ payable: 0, paid_out: order.seller_payout });
    await expectLedgerAgrees([paymentId], [account]);
  }, 120_000);

  it("a declined card leaves the reservation for another try; 3-D Secure is confirmed through payments/subject/confirm", async () => {
    const [seller, buyer] = await Promise.all([actor("orderpay.3ds.seller"), actor("orderpay.3ds.buyer")]);
    const order = await buy(buyer, await listProduct(seller, "Gravel bike"));
    const declined = await payments(buyer.client, "subject", { kind: "order", id: order.id, payment_method: "pm_card_chargeDeclined" });
    expect([declined.status, declined.body.code]).toEqual([402, "HL670"]);
    expect(await orderOf(buyer, order.id)).toMatchObject({ status: "reserved" });
    const { data: told } = await buyer.client.from("notifications").select("kind").eq("kind", "order.payment_failed");
    expect(told?.length).toBe(1);

    const challenge = await payments(buyer.client, "subject", { kind: "order", id: order.id, payment_method: "pm_card_authenticationRequired" });
    expect(challenge.status).toBe(200);
    expect(challenge.body).toMatchObject({ status: "requires_action", intent_status: "requires_action" });
    expect(challenge.body.client_secret).toBeTruthy();
    expect(await orderOf(buyer, order.id)).toMatchObject({ status: "reserved" });
    const confirmed = await payments(buyer.client, "subject/confirm", { kind: "order", id: order.id });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: "authorized", subject_kind: "order" });
    expect(await orderOf(buyer, order.id)).toMatchObject({ status: "paid" });
    const paymentId = String(confirmed.body.payment_id);
    await settle(sql, [paymentId]);
    expect(await paymentRow(paymentId)).toMatchObject({ status: "captured" });
    await expectLedgerAgrees([paymentId]);
  }, 120_000);

  it("a paid order cancelled after the capture: everything is refunded to the buyer", async () => {
    const [seller, buyer] = await Promise.all([actor("orderpay.cancel.seller"), actor("orderpay.cancel.buyer")]);
    const order = await buy(buyer, await listProduct(seller, "Folding bike"));
    const paymentId = await pay(buyer, order.id);
    await settle(sql, [paymentId]);
    const noReason = await buyer.client.rpc("transition_order", { p_order_id: order.id, p_action: "cancel" });
    expect(noReason.error?.code).toBe("HL850");
    const cancelled = await buyer.client.rpc("transition_order", { p_order_id: order.id, p_action: "cancel", p_reason: "Found one closer" });
    expect(cancelled.data).toMatchObject({ status: "cancelled", refunded_amount: order.customer_total });
    await settle(sql, [paymentId]);
    const row = await paymentRow(paymentId);
    expect(row).toMatchObject({ status: "refunded", refunded: order.customer_total, released_at: null });
    const intent = await providerObject<{ latest_charge: { amount_refunded: number } }>(sql, row.provider_ref);
    expect(intent.latest_charge.amount_refunded).toBe(order.customer_total);
    expect((await seller.client.from("payouts").select("id").eq("payment_id", paymentId)).data).toEqual([]);
    await expectLedgerAgrees([paymentId]);
  }, 120_000);

  it("a dispute resolved with a partial refund: refunded, the rest released to the seller", async () => {
    const [seller, buyer] = await Promise.all([actor("orderpay.dispute.seller"), actor("orderpay.dispute.buyer")]);
    const order = await buy(buyer, await listProduct(seller, "Kids bike"));
    const paymentId = await pay(buyer, order.id);
    await settle(sql, [paymentId]);
    await seller.client.rpc("transition_order", { p_order_id: order.id, p_action: "send" });
    const opened = await buyer.client.rpc("open_dispute", { p_kind: "purchase", p_trade_id: order.id, p_reason: "damage", p_details: "Bent wheel" });
    expect(opened.error).toBeNull();
    const disputeId = (opened.data as { id: string }).id;
    const resolved = await admin.client.rpc("resolve_dispute", {
      p_dispute_id: disputeId, p_outcome: "partial_refund", p_refund_amount: 10000, p_reason: "Wheel repair",
    });
    expect(resolved.error).toBeNull();
    expect(await orderOf(buyer, order.id)).toMatchObject({ status: "resolved", refunded_amount: 10000 });
    await settle(sql, [paymentId]);
    const row = await paymentRow(paymentId);
    expect(row).toMatchObject({ status: "partially_refunded", refunded: 10000 });
    expect(row.released_at).not.toBeNull();
    const held = await seller.client.from("payouts").select("status, amount").eq("payment_id", paymentId);
    expect(held.data).toHaveLength(1);
    expect(held.data![0].status).toBe("held");
    expect(held.data![0].amount).toBeLessThan(order.seller_payout);
    expect(held.data![0].amount).toBeGreaterThan(0);
    await expectLedgerAgrees([paymentId]);
  }, 120_000);
});
