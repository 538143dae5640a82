/**
 * The goods story: Noura lists a brass lamp with a photo; Bilal, a neighbour, finds it, opens it and
 * likes it, haggles over it in its conversation, buys it (reservation, payment into escrow,
 * hand-over) and then watches Noura sell a chair live. The story is a list of chapters sharing one
 * `GoodsScene` (`goodsChapters`).
 */
import { type Narrative, type Person, money } from "./narrative.ts";
import { liveChapter } from "./live.ts";
import { drainUntil } from "./services.ts";
import { type World, photo, signInByPhone } from "./world.ts";

/** What the goods chapters share. */
export interface GoodsScene {
  seller: Person;
  buyer: Person;
  product: { id: string; title: string; price: number; currency: string; image_paths: string[] };
  categoryId: string;
  neighbourhood: string;
}

type Chapter = (n: Narrative, world: World, scene: GoodsScene) => Promise<void>;

interface Product {
  id: string;
  title: string;
  price: number;
  currency: string;
  status: string;
  image_paths: string[];
  like_count: number;
  view_count: number;
}

async function listLamp(n: Narrative, world: World): Promise<GoodsScene> {
  n.chapter("A neighbour lists a lamp", "Noura sells a lamp she no longer needs: she uploads a photo to the public listing-media bucket (her own folder) and lists it. Stock and status belong to the database.");
  const seller = await signInByPhone(n, world, { name: "Noura", role: "neighbour selling", fullName: "Noura Khalil" });
  const buyer = await signInByPhone(n, world, { name: "Bilal", role: "neighbour buying", fullName: "Bilal Aziz" });
  const neighbourhood = "Al Barsha";
  const categoryId = await n.step(seller, "picks the Home decor category", async (s) => {
    const rows = await s.read<Array<{ id: string }>>(`supabase.from("categories").select("id").eq("slug", "home-decor").eq("kind", "goods")`,
      seller.client.from("categories").select("id").eq("slug", "home-decor").eq("kind", "goods"));
    s.check(rows.length === 1, "Home decor is a goods category");
    return rows[0].id;
  });
  const product = await n.step(seller, "photographs the lamp and lists it", async (s) => {
    const path = `${seller.id}/lamp-${world.run}.jpg`;
    await s.upload(seller.client, "listing-media", path, photo());
    const p = await s.rpc<Product>(seller.client, "create_product", {
      p_title: "Brass table lamp", p_description: "Warm light, works perfectly. Pick up in Al Barsha.",
      p_price: 12000, p_original_price: 20000, p_category_id: categoryId, p_condition: "good",
      p_lat: 25.1136, p_lng: 55.2003, p_neighbourhood: neighbourhood, p_image_paths: [path], p_tags: ["lifestyle"],
    });
    s.check(p.status === "available", `"${p.title}" listed at ${money(p.price, p.currency)} (was ${money(20000)}), available`);
    return p;
  });
  return { seller, buyer, product, categoryId, neighbourhood };
}

/** Bilal browses his neighbourhood's home decor, opens the lamp (a counted view) and likes it. */
const findAndLike: Chapter = async (n, _world, scene) => {
  const { buyer, product } = scene;
  n.chapter("A buyer finds it and likes it", "Products are public to read (row level security shows what is listed, not hidden, not withdrawn). Bilal browses his neighbourhood's home decor, newest first, opens the lamp and likes it; views count once per viewer and day.");
  await n.step(buyer, "browses home decor in his neighbourhood", async (s) => {
    const found = await s.read<Array<{ id: string; title: string; price: number }>>(
      `supabase.from("products").select("id, title, price").eq("category_id", homeDecor).eq("neighbourhood", ${JSON.stringify(scene.neighbourhood)}).eq("status", "available").order("created_at", { ascending: false })`,
      buyer.client.from("products").select("id, title, price").eq("category_id", scene.categoryId).eq("neighbourhood", scene.neighbourhood)
        .eq("status", "available").order("created_at", { ascending: false }).limit(20),
    );
    s.check(found.some((p) => p.id === product.id), `he finds "${product.title}" for ${money(product.price)}`, found);
  });
  await n.step(buyer, "opens the lamp and likes it", async (s) => {
    const opened = await s.rpc<Product>(buyer.client, "get_product", { p_product_id: product.id });
    const url = buyer.client.storage.from("listing-media").getPublicUrl(opened.image_paths[0]).data.publicUrl;
    s.call(`supabase.storage.from("listing-media").getPublicUrl(product.image_paths[0])`);
    s.check((await fetch(url)).status === 200, "the photo loads from its public URL");
    const counted = await s.rpc<boolean>(buyer.client, "record_product_view", { p_product_id: product.id });
    s.check(counted === true, "his view is counted");
    const liked = await s.rpc<boolean>(buyer.client, "like_product", { p_product_id: product.id });
    s.check(liked === true, "liked");
    const after = await s.rpc<Product>(buyer.client, "get_product", { p_product_id: product.id });
    s.check(after.like_count === 1 && after.view_count === 1, "the lamp now shows 1 like and 1 view (counted by the database)", after);
  });
};

interface Offer {
  id: string;
  status: string;
  amount: number;
  currency: string;
  turn: string | null;
  order_id: string | null;
}

interface OfferMessage {
  id: number;
  kind: string;
  sender_id: string | null;
  payload: { event?: string; action?: string; offer_id?: string; amount?: number; status?: string } | null;
}

/**
 * Bilal haggles over the lamp in its conversation: an offer, Noura's counter, his acceptance
 * (the lamp is reserved at the agreed price), then he pays into escrow through the payments
 * function, Noura hands it over and he confirms receipt.
 */
const haggleAndBuy: Chapter = async (n, world, scene) => {
  const { seller, buyer, product } = scene;
  n.chapter("They haggle in chat and he buys it", "A conversation about a product (context goods_listing) carries the haggling: every offer, counter and acceptance is an offer message both apps receive live. Accepting reserves the lamp at the agreed price; Bilal pays it into escrow through the payments function, Noura hands it over, he confirms.");
  const conv = await n.step(buyer, "opens a chat about the lamp; both apps listen", async (s) => {
    const c = await s.rpc<{ id: string }>(buyer.client, "start_conversation", { p_context_kind: "goods_listing", p_context_id: product.id });
    const atSeller = await s.listen(seller.client, `conversation:${c.id}`);
    const atBuyer = await s.listen(buyer.client, `conversation:${c.id}`);
    return { id: c.id, atSeller, atBuyer };
  });
  const isOffer = (action: string) => (p: Record<string, unknown>) => {
    const m = p.message as OfferMessage | undefined;
    return m?.kind === "offer" && m.payload?.action === action;
  };
  const offer = await n.step(buyer, `offers ${money(9000)} for it`, async (s) => {
    const o = await s.rpc<Offer>(buyer.client, "make_product_offer", {
      p_product_id: product.id, p_amount: 9000, p_message: "Would you take 90? I can pick it up tonight.",
    });
    s.check(o.status === "pending" && o.turn === "seller", "the offer is pending; Noura's turn", o);
    const got = await s.received(conv.atSeller, "message.created", isOffer("make"));
    s.check((got.message as OfferMessage).payload?.amount === 9000, "Noura's app shows the offer card (an offer message on the conversation's channel)", got);
    return o;
  });
  await n.step(seller, `counters at ${money(10500)}`, async (s) => {
    const o = await s.rpc<Offer>(seller.client, "respond_to_product_offer", {
      p_offer_id: offer.id, p_action: "counter", p_amount: 10500, p_message: "105 and it is yours.",
    });
    s.check(o.status === "pending" && o.turn === "buyer" && o.amount === 10500, "countered; Bilal's turn", o);
    await s.received(conv.atBuyer, "message.created", isOffer("counter"));
    s.check(true, "Bilal's app received the counter live");
  });
  const order = await n.step(buyer, "accepts: the lamp is reserved for him at the agreed price", async (s) => {
    const o = await s.rpc<Offer>(buyer.client, "respond_to_product_offer", { p_offer_id: offer.id, p_action: "accept" });
    s.check(o.status === "accepted" && o.order_id !== null, "accepted; the database reserved the lamp in the same transaction", o);
    const row = await s.rpc<{ id: string; status: string; unit_price: number; reference: string; customer_total: number }>(
      buyer.client, "get_order", { p_order_id: o.order_id });
    s.check(row.status === "reserved" && row.unit_price === 10500,
      `order ${row.reference} reserved at ${money(10500)}; he pays ${money(row.customer_total)} in all (the fee schedule's buyer side)`, row);
    const p = await s.rpc<{ status: string }>(buyer.client, "get_product", { p_product_id: product.id });
    s.check(p.status !== "available", `the lamp is no longer available to others (${p.status})`, p);
    return row;
  });
  const paymentId = await n.step(buyer, "pays: his card is authorised and the order is paid (escrow)", async (s) => {
    const paid = await s.invokeOk(buyer.client, "payments/subject", { kind: "order", id: order.id, payment_method: "pm_card_visa" });
    s.check(paid.status === "authorized", `${money(Number(paid.amount), String(paid.currency))} authorised: the order's customer total`, paid);
    const o = await s.rpc<{ status: string; paid_amount: number }>(buyer.client, "get_order", { p_order_id: order.id });
    s.check(o.status === "paid" && o.paid_amount === Number(paid.amount), "the order is paid: the authorisation moved it", o);
    return String(paid.payment_id);
  });
  await n.step(world.backOffice, "runs the payments worker (pg_cron's job): the capture into escrow", async (s) => {
    const captured = await drainUntil(s, world, "the capture", async () => {
      const { data } = await buyer.client.from("payments").select("status, amount_captured").eq("id", paymentId).single();
      return data?.status === "captured" ? data : null;
    });
    s.check(true, `${money(Number(captured.amount_captured))} captured and held in escrow until the order completes`);
  });
  await n.step(seller, "hands the lamp over; Bilal confirms he has it", async (s) => {
    const sent = await s.rpc<{ status: string }>(seller.client, "transition_order", { p_order_id: order.id, p_action: "send" });
    s.check(sent.status === "sent", "marked handed over", sent);
    const received = await s.rpc<{ status: string }>(buyer.client, "transition_order", { p_order_id: order.id, p_action: "receive" });
    s.check(received.status === "received", "Bilal marks it received", received);
  });
  n.note("After goods.dispute_window_hours pg_cron completes the order and the escrow is released to Noura (her payout is held until she is verified with a payouts account); until then either side can open a dispute. The lamp is sold; its other pending offers were closed by the database.");
};

/** The goods chapters after the listing, in order (live selling last: it sells its own item). */
export const goodsChapters: Chapter[] = [findAndLike, haggleAndBuy, liveChapter];

export async function goodsStory(n: Narrative, world: World): Promise<GoodsScene> {
  const scene = await listLamp(n, world);
  for (const chapter of goodsChapters) await chapter(n, world, scene);
  return scene;
}
