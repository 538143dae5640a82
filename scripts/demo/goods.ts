/**
 * The goods story: Noura lists a brass lamp with a photo; Bilal, a neighbour, finds it, opens it and
 * likes it. The story is a list of chapters sharing one `GoodsScene`: the haggle-and-buy chapter
 * (offers in the product's conversation, reservation, purchase) and the live-selling chapter (a
 * seller goes live and sells a pinned item) go into `goodsChapters` after `findAndLike` when the
 * goods orders, offers and live modules exist.
 */
import { type Narrative, type Person, money } from "./narrative.ts";
import { liveChapter } from "./live.ts";
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

/** The goods chapters after the listing, in order (live selling last: it sells its own item). */
export const goodsChapters: Chapter[] = [findAndLike, liveChapter];

export async function goodsStory(n: Narrative, world: World): Promise<GoodsScene> {
  const scene = await listLamp(n, world);
  for (const chapter of goodsChapters) await chapter(n, world, scene);
  return scene;
}
