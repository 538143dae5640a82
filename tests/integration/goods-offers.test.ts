/**
 * Haggling through the gateway with supabase-js: a buyer starts the conversation about a product,
 * offers, the seller counters, the buyer counters back, the seller accepts and the order is
 * reserved at the offer's price; the offer messages arrive over Realtime on conversation:<id>.
 * The race: 20 buyers' offers accepted concurrently by the seller on a stock of 1 (exactly one
 * order, the others HL845) and on a stock of 5 (exactly 5).
 */
import type { RealtimeChannel } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, adminSql, newUser, type Actor } from "../support.ts";

const sql = adminSql();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let category: string;
let seller: Actor;
let buyers: Actor[];
const channels: RealtimeChannel[] = [];

async function listProduct(title: string, quantity: number, price = 12000): Promise<string> {
  const { data, error } = await seller.client.rpc("create_product", {
    p_title: title, p_price: price, p_category_id: category, p_condition: "good", p_lat: 25.08, p_lng: 55.14,
    p_quantity: quantity, p_neighbourhood: "JLT",
  });
  expect(error).toBeNull();
  return data!.id;
}

function join(ch: RealtimeChannel): Promise<string> {
  channels.push(ch);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status for ${ch.topic}`)), 20_000);
    let done = false;
    ch.subscribe((status) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(status);
    });
  });
}

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

beforeAll(async () => {
  const [{ id }] = await sql`
    insert into public.categories (slug, kind, names, default_pricing_unit)
    values (${`it-offers-${process.pid}-${Date.now()}`}, 'goods', ${sql.json({ en: "Bikes", ar: "دراجات" })}, 'fixed')
    returning id`;
  category = id as string;
  seller = await actor("offers.seller");
  buyers = await Promise.all(Array.from({ length: 20 }, (_, k) => actor(`offers.buyer${k}`)));
}, 180_000);

afterAll(async () => {
  for (const ch of channels) await ch.unsubscribe();
  await sql.end();
});

describe("haggling in the product's conversation", () => {
  it("start the conversation, offer, counter, counter, accept: the order is reserved at the offer's price", async () => {
    const productId = await listProduct("Road bike", 1, 150000);
    const { session, client: buyer } = await newUser("offers.chat.buyer");
    await buyer.realtime.setAuth(session.accessToken);

    const own = await seller.client.rpc("start_conversation", { p_context_kind: "goods_listing", p_context_id: productId });
    expect(own.error?.code).toBe("HL516");
    const conv = await buyer.rpc("start_conversation", { p_context_kind: "goods_listing", p_context_id: productId });
    expect(conv.error).toBeNull();
    expect(conv.data).toMatchObject({ context_kind: "goods_listing", context_id: productId });

    const got: { action: string; kind: string; amount: number }[] = [];
    const status = await join(buyer.channel(`conversation:${conv.data!.id}`, { config: { private: true } })
      .on("broadcast", { event: "message.created" }, (m) => {
        const message = (m.payload as { message: { kind: string; payload: { action: string; amount: number } } }).message;
        got.push({ action: message.payload?.action, kind: message.kind, amount: message.payload?.amount });
      }));
    expect(status).toBe("SUBSCRIBED");

    const tooHigh = await buyer.rpc("make_product_offer", { p_product_id: productId, p_amount: 150001 });
    expect(tooHigh.error?.code).toBe("HL825");
    const made = await buyer.rpc("make_product_offer", { p_product_id: productId, p_amount: 100000, p_message: "Would you take 1000?" });
    expect(made.error).toBeNull();
    const offer = made.data!;
    expect(offer).toMatchObject({ status: "pending", turn: "seller", amount: 100000, currency: "AED", conversation_id: conv.data!.id });

    const early = await buyer.rpc("respond_to_product_offer", { p_offer_id: offer.id, p_action: "accept" });
    expect(early.error?.code).toBe("HL823");
    const countered = await seller.client.rpc("respond_to_product_offer", { p_offer_id: offer.id, p_action: "counter", p_amount: 130000 });
    expect(countered.data).toMatchObject({ status: "pending", turn: "buyer", amount: 130000 });
    const back = await buyer.rpc("respond_to_product_offer", { p_offer_id: offer.id, p_action: "counter", p_amount: 120000 });
    expect(back.data).toMatchObject({ turn: "seller", amount: 120000 });
    const accepted = await seller.client.rpc("respond_to_product_offer", { p_offer_id: offer.id, p_action: "accept", p_message: "Deal" });
    expect(accepted.error).toBeNull();
    expect(accepted.data!.status).toBe("accepted");

    const order = await buyer.rpc("get_order", { p_order_id: accepted.data!.order_id! });
    expect(order.data).toMatchObject({ status: "reserved", unit_price: 120000, offer_id: offer.id, my_role: "buyer" });

    await until("four offer messages", () => got.length >= 4);
    expect(got).toEqual([
      { action: "make", kind: "offer", amount: 100000 },
      { action: "counter", kind: "offer", amount: 130000 },
      { action: "counter", kind: "offer", amount: 120000 },
      { action: "accept", kind: "offer", amount: 120000 },
    ]);
    const history = await buyer.rpc("history", { p_conversation_id: conv.data!.id });
    expect(history.error).toBeNull();

    const timeline = await seller.client.from("product_offer_events").select("action, actor_role, amount").eq("offer_id", offer.id).order("id");
    expect(timeline.data).toEqual([
      { action: "make", actor_role: "buyer", amount: 100000 },
      { action: "counter", actor_role: "seller", amount: 130000 },
      { action: "counter", actor_role: "buyer", amount: 120000 },
      { action: "accept", actor_role: "seller", amount: 120000 },
    ]);
    const stranger = buyers[0];
    expect((await stranger.client.from("product_offers").select("id").eq("id", offer.id)).data).toEqual([]);
    buyer.realtime.disconnect();
  }, 60_000);
});

describe("the acceptance race", () => {
  async function race(quantity: number) {
    const productId = await listProduct(`Helmets x${quantity}`, quantity, 9000);
    const offers = await Promise.all(buyers.map((b, i) =>
      b.client.rpc("make_product_offer", { p_product_id: productId, p_amount: 8000 + i })));
    expect(offers.filter((r) => r.error)).toEqual([]);
    const results = await Promise.all(offers.map((o) =>
      seller.client.rpc("respond_to_product_offer", { p_offer_id: o.data!.id, p_action: "accept" })));
    const [row] = await sql`
      select p.available_quantity, p.status,
             (select count(*)::int from public.orders o where o.product_id = p.id) as orders,
             (select count(*)::int from public.product_offers f where f.product_id = p.id and f.status = 'accepted') as accepted,
             (select count(*)::int from public.product_offers f where f.product_id = p.id and f.status = 'pending') as pending
        from public.products p where p.id = ${productId}`;
    return { results, row };
  }

  it("20 offers on a single item accepted at once: exactly one order, the others HL845 and still pending", async () => {
    const { results, row } = await race(1);
    expect(results.filter((r) => !r.error)).toHaveLength(1);
    expect(new Set(results.filter((r) => r.error).map((r) => r.error!.code))).toEqual(new Set(["HL845"]));
    expect(row).toEqual({ available_quantity: 0, status: "reserved", orders: 1, accepted: 1, pending: 19 });
  }, 120_000);

  it("20 offers on a stock of 5 accepted at once: exactly 5 orders", async () => {
    const { results, row } = await race(5);
    expect(results.filter((r) => !r.error)).toHaveLength(5);
    expect(row).toEqual({ available_quantity: 0, status: "reserved", orders: 5, accepted: 5, pending: 15 });
  }, 120_000);
});
