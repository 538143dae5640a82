/**
 * Goods orders through the gateway with supabase-js: 100 signed-in buyers race for a single item
 * (exactly one order, the others HL845) and for a stock of 5 (exactly 5, never negative); a buyer
 * buys with delivery, pays through the payments function (local provider), the seller sends it, the
 * buyer receives it and reads the timeline; strangers see nothing; errors are JSON codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, adminSql, serviceClient, type Actor } from "../support.ts";
import { payments } from "./payments-support.ts";

const sql = adminSql();
let category: string;
let seller: Actor;
let buyers: Actor[];

async function listProduct(title: string, quantity: number): Promise<string> {
  const { data, error } = await seller.client.rpc("create_product", {
    p_title: title, p_price: 12000, p_category_id: category, p_condition: "good", p_lat: 25.08, p_lng: 55.14,
    p_quantity: quantity,
  });
  expect(error).toBeNull();
  return data!.id;
}

beforeAll(async () => {
  const [{ id }] = await sql`
    insert into public.categories (slug, kind, names, default_pricing_unit)
    values (${`it-orders-${process.pid}-${Date.now()}`}, 'goods', ${sql.json({ en: "Sneakers", ar: "أحذية رياضية" })}, 'fixed')
    returning id`;
  category = id as string;
  seller = await actor("orders.seller");
  buyers = [];
  for (let i = 0; i < 100; i += 20) {
    buyers.push(...(await Promise.all(Array.from({ length: 20 }, (_, k) => actor(`orders.buyer${i + k}`)))));
  }
}, 180_000);

afterAll(async () => {
  await sql.end();
});

describe("the purchase race", () => {
  it("100 concurrent buyers of a single item: exactly one order, everyone else HL845", async () => {
    const productId = await listProduct("Air Jordan 1, size 43", 1);
    const results = await Promise.all(buyers.map((b) => b.client.rpc("buy_product", { p_product_id: productId })));
    const won = results.filter((r) => !r.error);
    expect(won).toHaveLength(1);
    expect(new Set(results.filter((r) => r.error).map((r) => r.error!.code))).toEqual(new Set(["HL845"]));
    const [row] = await sql`select available_quantity, status, (select count(*)::int from public.orders o where o.product_id = p.id) as orders
                              from public.products p where p.id = ${productId}`;
    expect(row).toEqual({ available_quantity: 0, status: "reserved", orders: 1 });
  }, 120_000);

  it("100 concurrent buyers of a stock of 5: exactly 5 orders, stock never negative", async () => {
    const productId = await listProduct("Phone cases", 5);
    const results = await Promise.all(buyers.map((b) => b.client.rpc("buy_product", { p_product_id: productId })));
    expect(results.filter((r) => !r.error)).toHaveLength(5);
    const [row] = await sql`select available_quantity, status, (select count(*)::int from public.orders o where o.product_id = p.id) as orders
                              from public.products p where p.id = ${productId}`;
    expect(row).toEqual({ available_quantity: 0, status: "reserved", orders: 5 });
  }, 120_000);
});

describe("an order from reservation to receipt", () => {
  it("buy with delivery, pay (payments function), send, receive; strangers see nothing", async () => {
    const productId = await listProduct("Vintage jacket", 1);
    const [buyer, stranger] = [buyers[0], buyers[1]];
    const own = await seller.client.rpc("buy_product", { p_product_id: productId });
    expect(own.error?.code).toBe("HL846");
    const noAddress = await buyer.client.rpc("buy_product", { p_product_id: productId, p_fulfilment: "delivery" });
    expect(noAddress.error?.code).toBe("HL848");

    const bought = await buyer.client.rpc("buy_product", {
      p_product_id: productId, p_fulfilment: "delivery", p_delivery_address: "Marina Gate 1, apt 1203",
    });
    expect(bought.error).toBeNull();
    const order = bought.data!;
    expect(order).toMatchObject({ status: "reserved", subtotal: 12000, currency: "AED", trade_kind: "goods_discover" });
    expect(order.customer_total).toBe(order.seller_payout + order.platform_revenue + order.tax);

    expect((await stranger.client.from("orders").select("id").eq("id", order.id)).data).toEqual([]);
    expect((await stranger.client.rpc("get_order", { p_order_id: order.id })).error?.code).toBe("HL840");
    expect((await buyer.client.rpc("transition_order", { p_order_id: order.id, p_action: "pay" })).error?.code).toBe("HL843");

    expect((await serviceClient().rpc("transition_order", { p_order_id: order.id, p_action: "pay" })).error?.code).toBe("HL624");
    const paid = await payments(buyer.client, "subject", { kind: "order", id: order.id, payment_method: "pm_card_visa" });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe("authorized");
    expect((await buyer.client.rpc("get_order", { p_order_id: order.id })).data).toMatchObject({ status: "paid" });
    const sent = await seller.client.rpc("transition_order", { p_order_id: order.id, p_action: "send" });
    expect(sent.data?.status).toBe("sent");
    const received = await buyer.client.rpc("transition_order", { p_order_id: order.id, p_action: "receive" });
    expect(received.data?.status).toBe("received");

    const view = await buyer.client.rpc("get_order", { p_order_id: order.id });
    const detail = view.data as { my_role: string; can_dispute: boolean; events: { transition: string }[] };
    expect(detail.my_role).toBe("buyer");
    expect(detail.can_dispute).toBe(true);
    expect(detail.events.map((e) => e.transition)).toEqual(["reserve", "pay", "send", "receive"]);
    const mine = await seller.client.rpc("list_my_orders", { p_role: "seller", p_status: "received" });
    expect(mine.data?.map((o) => o.id)).toContain(order.id);
    const [{ status }] = await sql`select status from public.products where id = ${productId}`;
    expect(status).toBe("sold");
  }, 60_000);
});
