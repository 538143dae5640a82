/**
 * Goods feeds and search through the gateway with supabase-js: a seller lists three items in a
 * quiet corner of the map; anon browses the discover feed page by page with the cursor; a buyer's
 * like raises the seller's other items for that buyer only ("why this": reasons); the community
 * feed puts the caller's building first; search finds English, Arabic and misspelt words near the
 * point; bad input gets JSON error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, adminSql, anonClient, type Actor } from "../support.ts";

const sql = adminSql();
// A point of its own (southern Pacific), so other test files' products never show up here.
const lat = -40 - Math.random() * 5;
const lng = -120 - Math.random() * 5;
const north = (m: number) => lat + m / 111_195;

let category: string;
let seller: Actor;
let buyer: Actor;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const [{ id }] = await sql`
    insert into public.categories (slug, kind, names, default_pricing_unit)
    values (${`it-feeds-${process.pid}-${Date.now()}`}, 'goods', ${sql.json({ en: "Furniture", ar: "أثاث" })}, 'fixed')
    returning id`;
  category = id as string;
  [seller, buyer] = await Promise.all([actor("feeds.seller"), actor("feeds.buyer")]);
  const items: Array<[string, Record<string, unknown>]> = [
    ["chair", { p_title: "Oak dining chair", p_lat: north(100), p_description: "Solid oak, seats one" }],
    ["shelf", { p_title: "Walnut bookshelf", p_lat: north(600) }],
    ["stroller", { p_title: "Baby stroller", p_lat: north(300), p_feed: "community", p_building: "Tower 9", p_neighbourhood: "Feeds Bay" }],
    ["table", { p_title: "طاولة خشبية", p_lat: north(900), p_description: "طاولة طعام لستة أشخاص" }],
  ];
  for (const [key, args] of items) {
    const { data, error } = await seller.client.rpc("create_product", {
      p_price: 20000, p_category_id: category, p_condition: "good", p_lng: lng, ...args,
    } as never);
    expect(error).toBeNull();
    ids[key] = (data as { id: string }).id;
  }
}, 60_000);

afterAll(async () => {
  await sql.end();
});

const keyOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0];

describe("discover feed", () => {
  it("anon sees nearby products ranked, with distance, score and reasons", async () => {
    const { data, error } = await anonClient().rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 2000 });
    expect(error).toBeNull();
    expect(data!.map((r) => keyOf(r.product.id))).toEqual(["chair", "stroller", "shelf", "table"]);
    const first = data![0];
    expect(first.distance_m).toBeGreaterThan(90);
    expect(first.distance_m).toBeLessThan(110);
    expect(Object.keys(first.reasons as object).sort()).toEqual(["affinity", "distance", "freshness", "popularity", "reputation"]);
    expect(typeof first.cursor).toBe("string");
  });

  it("pages through the cursor without repeats or gaps", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 6; i++) {
      const { data, error } = await anonClient().rpc("discover_products", {
        p_lat: lat, p_lng: lng, p_radius_m: 2000, p_limit: 1, ...(cursor ? { p_cursor: cursor } : {}),
      });
      expect(error).toBeNull();
      if (!data!.length) break;
      seen.push(keyOf(data![0].product.id)!);
      cursor = data![0].cursor;
    }
    expect(seen).toEqual(["chair", "stroller", "shelf", "table"]);
  });

  it("a like raises the seller's items for the buyer only, and says why", async () => {
    expect((await buyer.client.rpc("like_product", { p_product_id: ids.table })).data).toBe(true);
    const { data } = await buyer.client.rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 2000 });
    const shelf = data!.find((r) => r.product.id === ids.shelf)!;
    expect((shelf.reasons as { affinity: number }).affinity).toBe(1);
    const anon = await anonClient().rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 2000 });
    expect((anon.data!.find((r) => r.product.id === ids.shelf)!.reasons as { affinity: number }).affinity).toBe(0);
  });

  it("filters: feed, price, conditions", async () => {
    const community = await anonClient().rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 2000, p_feed: "community" });
    expect(community.data!.map((r) => keyOf(r.product.id))).toEqual(["stroller"]);
    const cheap = await anonClient().rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 2000, p_max_price: 100 });
    expect(cheap.data).toEqual([]);
    const fair = await anonClient().rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 2000, p_conditions: ["fair"] });
    expect(fair.data).toEqual([]);
  });
});

describe("community feed and search", () => {
  it("the community feed puts the building first and names the tier", async () => {
    const { data, error } = await buyer.client.rpc("community_feed", { p_lat: lat, p_lng: lng, p_building: "tower 9" });
    expect(error).toBeNull();
    expect(data!.map((r) => keyOf(r.product.id))).toEqual(["stroller"]);
    expect((data![0].reasons as { community?: string }).community).toBe("building");
  });

  it("search: English stemming, Arabic, a typo, within the radius", async () => {
    const search = async (q: string, radius = 2000) =>
      (await anonClient().rpc("search_products", { p_query: q, p_lat: lat, p_lng: lng, p_radius_m: radius })).data!.map((r) => keyOf(r.product.id));
    expect(await search("chairs")).toEqual(["chair"]);
    expect(await search("طاولة")).toEqual(["table"]);
    expect(await search("bookshelv")).toEqual(["shelf"]);
    expect(await search("bookshelf", 500)).toEqual([]);
  });

  it("bad input gets a JSON error code", async () => {
    const radius = await anonClient().rpc("discover_products", { p_lat: lat, p_lng: lng, p_radius_m: 0 });
    expect(radius.error?.code).toBe("HL810");
    const query = await anonClient().rpc("search_products", { p_query: " ", p_lat: lat, p_lng: lng });
    expect(query.error?.code).toBe("HL814");
    const cursor = await anonClient().rpc("community_feed", { p_lat: lat, p_lng: lng, p_cursor: "garbage" });
    expect(cursor.error?.code).toBe("HL007");
    const lat91 = await anonClient().rpc("search_products", { p_query: "chair", p_lat: 91, p_lng: lng });
    expect(lat91.error?.code).toBe("HL200");
  });
});
