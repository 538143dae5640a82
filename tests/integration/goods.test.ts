/**
 * Goods products through the gateway with supabase-js, as the people involved: a seller uploads a
 * photo to listing-media and lists a lamp; a buyer likes it, views it twice in a day (one view),
 * follows the seller; anon reads the product; nobody writes a counter; errors are JSON codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, adminSql, anonClient, type Actor } from "../support.ts";

const sql = adminSql();
const jpeg = () => new Blob([Buffer.from("ffd8ffe000104a46494600010100000100010000ffd9", "hex")], { type: "image/jpeg" });

let category: string;
let seller: Actor;
let buyer: Actor;
let productId: string;

beforeAll(async () => {
  const [{ id }] = await sql`
    insert into public.categories (slug, kind, names, default_pricing_unit)
    values (${`it-goods-${process.pid}-${Date.now()}`}, 'goods', ${sql.json({ en: "Home decor", ar: "ديكور المنزل" })}, 'fixed')
    returning id`;
  category = id as string;
  [seller, buyer] = await Promise.all([actor("goods.seller"), actor("goods.buyer")]);
}, 60_000);

afterAll(async () => {
  await sql.end();
});

describe("products", () => {
  it("a seller uploads a photo to listing-media and lists a lamp", async () => {
    const path = `${seller.id}/lamp.jpg`;
    const up = await seller.client.storage.from("listing-media").upload(path, jpeg(), { contentType: "image/jpeg" });
    expect(up.error).toBeNull();
    const other = await buyer.client.storage.from("listing-media").upload(`${seller.id}/sneaky.jpg`, jpeg(), { contentType: "image/jpeg" });
    expect(other.error).not.toBeNull();

    const { data, error } = await seller.client.rpc("create_product", {
      p_title: "Brass table lamp", p_price: 15000, p_original_price: 20000, p_category_id: category, p_condition: "like_new",
      p_lat: 25.08, p_lng: 55.14, p_neighbourhood: "Dubai Marina", p_building: "Marina Gate 1",
      p_image_paths: [path], p_tags: ["lifestyle"],
    });
    expect(error).toBeNull();
    expect(data).toMatchObject({ seller_id: seller.id, currency: "AED", status: "available", quantity: 1, image_paths: [path] });
    productId = data!.id;
  });

  it("bad input gets a specific code and writes nothing", async () => {
    const missing = await seller.client.rpc("create_product", {
      p_title: "Lamp", p_price: 100, p_category_id: category, p_condition: "new", p_lat: 25, p_lng: 55,
      p_image_paths: [`${seller.id}/never-uploaded.jpg`],
    });
    expect(missing.error?.code).toBe("HL804");
    const condition = await seller.client.rpc("create_product", {
      p_title: "Lamp", p_price: 100, p_category_id: category, p_condition: "broken", p_lat: 25, p_lng: 55,
    });
    expect(condition.error?.code).toBe("HL801");
    const { count } = await seller.client.from("products").select("id", { count: "exact", head: true }).eq("seller_id", seller.id);
    expect(count).toBe(1);
  });

  it("a buyer likes it, views it twice in a day (one view) and follows the seller", async () => {
    expect((await buyer.client.rpc("like_product", { p_product_id: productId })).data).toBe(true);
    expect((await buyer.client.rpc("like_product", { p_product_id: productId })).data).toBe(false);
    expect((await buyer.client.rpc("record_product_view", { p_product_id: productId })).data).toBe(true);
    expect((await buyer.client.rpc("record_product_view", { p_product_id: productId })).data).toBe(false);
    expect((await buyer.client.rpc("follow_seller", { p_seller_id: seller.id })).data).toBe(true);

    const { data: likes } = await buyer.client.from("product_likes").select("product_id");
    expect(likes).toEqual([{ product_id: productId }]);
    const { data: stats } = await buyer.client.from("seller_stats").select("follower_count").eq("seller_id", seller.id).single();
    expect(stats!.follower_count).toBe(1);
  });

  it("clients cannot write the counters", async () => {
    const { error } = await seller.client.from("products").update({ like_count: 1000, view_count: 1000 }).eq("id", productId);
    expect(error?.code).toBe("42501");
    const fake = await seller.client.from("product_likes").insert({ product_id: productId, user_id: seller.id });
    expect(fake.error?.code).toBe("42501");
  });

  it("anon reads the product with its counts, and the seller's list", async () => {
    const anon = anonClient();
    const { data, error } = await anon.rpc("get_product", { p_product_id: productId });
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: productId, title: "Brass table lamp", like_count: 1, view_count: 1 });
    const list = await anon.rpc("list_seller_products", { p_seller_id: seller.id });
    expect(list.error).toBeNull();
    expect(list.data!.map((p) => p.id)).toEqual([productId]);
    const url = anon.storage.from("listing-media").getPublicUrl(data!.image_paths[0]).data.publicUrl;
    expect((await fetch(url)).status).toBe(200);
  });

  it("a withdrawn product leaves the public reads; relisting brings it back", async () => {
    expect((await seller.client.rpc("withdraw_product", { p_product_id: productId })).error).toBeNull();
    const gone = await anonClient().rpc("get_product", { p_product_id: productId });
    expect(gone.error?.code).toBe("HL800");
    const edit = await buyer.client.rpc("update_product", { p_product_id: productId, p_changes: { price: 1 } });
    expect(edit.error?.code).toBe("HL800");
    expect((await seller.client.rpc("relist_product", { p_product_id: productId })).error).toBeNull();
    expect((await anonClient().rpc("get_product", { p_product_id: productId })).error).toBeNull();
  });
});
