/**
 * Bulk seed for the goods feeds benchmark: N products over the Dubai model (scripts/bench/metro.ts)
 * listed by N / 10 sellers (auth.users → profiles → profile_private), with likes and views rows.
 *
 * Set-based SQL (generate_series), run as the local superuser supabase_admin with
 * `session_replication_role = replica`, which skips every per-row trigger and foreign-key check.
 * What the triggers would produce is computed set-based:
 *   - profiles + profile_private (private.handle_new_user), profiles.is_seller;
 *   - products.like_count / view_count = the rows inserted into product_likes / private.product_views
 *     (product_likes_count / product_views_count), available_quantity / status / sold_at consistent
 *     (products_status_stock), the validation triggers' rules (titles, tags, prices, categories of
 *     kind goods);
 *   - seller_stats is not needed by the feeds (no follows are seeded).
 * Sold and reserved products carry their status without the orders that produced it (the feeds
 * only read the status). Products' secondary indexes are dropped during the load and rebuilt
 * afterwards (including the feeds' GiST and full-text indexes), then VACUUM ANALYZE.
 * A consistency check compares counters with rows and the validation rules on a sample.
 *
 * Only for the bench stack (.hyperlocal/bench): it writes around the project's triggers.
 */
import type { Profile } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { bulkSession, inParallel, type Sql, sqlArray, timed } from "./bulk.ts";
import { METRO, M_PER_DEG } from "./metro.ts";


/** Per goods category (seeded slugs): weight, typical price (AED), nouns in English and Arabic. */
export const GOODS_VOCABULARY: Array<{ slug: string; weight: number; price: number; nouns: Array<[string, string]> }> = [
  { slug: "furniture", weight: 14, price: 600, nouns: [["sofa", "كنبة"], ["dining table", "طاولة طعام"], ["office chair", "كرسي مكتب"],
    ["wardrobe", "خزانة ملابس"], ["bookshelf", "رف كتب"], ["bed frame", "هيكل سرير"]] },
  { slug: "electronics", weight: 16, price: 900, nouns: [["iphone", "ايفون"], ["laptop", "لابتوب"], ["headphones", "سماعات"],
    ["television", "تلفزيون"], ["camera", "كاميرا"], ["playstation", "بلايستيشن"]] },
  { slug: "home-decor", weight: 9, price: 150, nouns: [["lamp", "مصباح"], ["mirror", "مرآة"], ["carpet", "سجادة"],
    ["curtains", "ستائر"], ["vase", "مزهرية"], ["wall clock", "ساعة حائط"]] },
  { slug: "kids-baby", weight: 9, price: 200, nouns: [["stroller", "عربة أطفال"], ["car seat", "كرسي سيارة"], ["crib", "سرير أطفال"],
    ["toys", "ألعاب"], ["bicycle", "دراجة"], ["high chair", "كرسي أطفال"]] },
  { slug: "mens-fashion", weight: 8, price: 180, nouns: [["jacket", "جاكيت"], ["watch", "ساعة"], ["kandura", "كندورة"],
    ["shirt", "قميص"], ["sunglasses", "نظارة شمسية"], ["wallet", "محفظة"]] },
  { slug: "sneakers", weight: 7, price: 450, nouns: [["jordan sneakers", "حذاء جوردن"], ["running shoes", "حذاء جري"],
    ["yeezy", "ييزي"], ["air max", "اير ماكس"], ["trainers", "حذاء رياضي"], ["basketball shoes", "حذاء كرة سلة"]] },
  { slug: "beauty", weight: 6, price: 120, nouns: [["perfume", "عطر"], ["oud", "عود"], ["hair dryer", "مجفف شعر"],
    ["makeup kit", "طقم مكياج"], ["skincare set", "مجموعة عناية"], ["straightener", "مكواة شعر"]] },
  { slug: "books", weight: 6, price: 40, nouns: [["novel", "رواية"], ["cookbook", "كتاب طبخ"], ["textbook", "كتاب مدرسي"],
    ["comics", "قصص مصورة"], ["dictionary", "قاموس"], ["poetry book", "ديوان شعر"]] },
  { slug: "collectibles", weight: 5, price: 300, nouns: [["coins", "عملات"], ["stamps", "طوابع"], ["vinyl records", "اسطوانات"],
    ["figurine", "تمثال صغير"], ["antique clock", "ساعة أثرية"], ["model car", "سيارة مجسم"]] },
  { slug: "trading-cards", weight: 4, price: 80, nouns: [["pokemon cards", "بطاقات بوكيمون"], ["yugioh deck", "مجموعة يوغي"],
    ["magic cards", "بطاقات ماجيك"], ["booster box", "صندوق بطاقات"], ["card binder", "ملف بطاقات"], ["graded card", "بطاقة مصنفة"]] },
  { slug: "sports-cards", weight: 3, price: 120, nouns: [["football cards", "بطاقات كرة قدم"], ["basketball cards", "بطاقات كرة سلة"],
    ["cricket cards", "بطاقات كريكيت"], ["panini stickers", "ملصقات بانيني"], ["rookie card", "بطاقة لاعب"], ["signed card", "بطاقة موقعة"]] },
  { slug: "other-goods", weight: 13, price: 100, nouns: [["treadmill", "جهاز مشي"], ["tent", "خيمة"], ["guitar", "جيتار"],
    ["plants", "نباتات"], ["suitcase", "حقيبة سفر"], ["coffee machine", "آلة قهوة"]] },
];
const ADJECTIVES: Array<[string, string]> = [["Vintage", "قديم"], ["Brand new", "جديد"], ["Barely used", "شبه جديد"],
  ["Large", "كبير"], ["Compact", "صغير"], ["Black", "أسود"], ["White", "أبيض"], ["Wooden", "خشبي"], ["Premium", "فاخر"],
  ["Classic", "كلاسيكي"], ["Modern", "حديث"], ["Grey", "رمادي"]];
const PHRASES_EN = ["Moving out, must go this week.", "Works perfectly, no scratches.", "Original box and receipt included.",
  "Selling because I upgraded.", "Smoke-free and pet-free home.", "Price slightly negotiable.", "Pick up only.",
  "Can deliver nearby for a small fee.", "Bought last year, rarely used.", "Great gift idea."];
const PHRASES_AR = ["للبيع بسبب السفر.", "بحالة ممتازة بدون خدوش.", "مع العلبة الأصلية والفاتورة.", "السعر قابل للتفاوض.",
  "الاستلام من الموقع فقط.", "استخدام قليل جدا."];


export interface GoodsSeedReport {
  products: number;
  sellers: number;
  likes: number;
  views: number;
  available: number;
  seconds: number;
  steps: Array<{ step: string; seconds: number }>;
}

/** Cumulative lower bounds of weights (for width_bucket). */
function lowers(weights: number[]): number[] {
  const total = weights.reduce((n, w) => n + w, 0);
  let c = 0;
  return weights.map((w) => {
    const lo = c;
    c += w / total;
    return lo;
  });
}

export async function seedGoods(p: Profile, products: number): Promise<GoodsSeedReport> {
  const started = Date.now();
  const steps: GoodsSeedReport["steps"] = [];
  const sellers = Math.max(100, Math.round(products / 10));
  const pool = connect(p, "supabase_admin", { max: 2, idle_timeout: 0, connection: { application_name: "hyperlocal-bench-seed" } });
  const a = await pool.reserve();
  const b = await pool.reserve();
  const conns = [a as unknown as Sql, b as unknown as Sql];
  try {
    const cats = await a`select id, slug from public.categories where kind = 'goods' and slug = any(${GOODS_VOCABULARY.map((v) => v.slug)})`;
    const idBySlug = new Map(cats.map((r) => [r.slug as string, r.id as string]));
    const missing = GOODS_VOCABULARY.filter((v) => !idBySlug.has(v.slug)).map((v) => v.slug);
    if (missing.length) throw new Error(`goods categories missing from the seed: ${missing.join(", ")}`);
    await bulkSession(a as unknown as Sql, { workMem: "256MB", maintenanceWorkMem: "512MB" });
    await bulkSession(b as unknown as Sql, { workMem: "256MB", maintenanceWorkMem: "512MB" });

    const hoods = METRO.neighbourhoods;
    const hoodLower = lowers([...hoods.map((h) => h.weight), METRO.background.weight]);
    const bg = METRO.background;
    const nounsEn = GOODS_VOCABULARY.flatMap((v) => v.nouns.map((n) => n[0]));
    const nounsAr = GOODS_VOCABULARY.flatMap((v) => v.nouns.map((n) => n[1]));
    const catLower = lowers(GOODS_VOCABULARY.map((v) => v.weight));

    // 1. Sellers: home point from the metro model, neighbourhood, building.
    await timed(steps, "staging: sellers", async () => {
      await a.unsafe(`
        drop schema if exists bench_goods cascade;
        create schema bench_goods;
        select setseed(0.1320);
        create unlogged table bench_goods.sellers as
        with r as materialized (
          select n, random() as u_pick, 1 - random() as u1, random() as u2, random() as u3, random() as u4, random() as u5
            from generate_series(1, ${sellers}) n
        ), h as (
          select r.*, width_bucket(r.u_pick, ${sqlArray(hoodLower, "float8")}) as hood from r
        )
        select n, md5('bench-goods-seller-' || n)::uuid as id,
               'bench.goods.' || n || '@example.test' as email, 'bench_g' || n as username,
               'Seller ' || n as display_name,
               case when h.hood <= ${hoods.length} then (${sqlArray(hoods.map((x) => x.name), "text")})[h.hood] end as neighbourhood,
               case when h.hood <= ${hoods.length} and h.u5 < 0.8 then 'Tower ' || (1 + (n * 31) % 40) end as building,
               case when h.hood <= ${hoods.length}
                 then (${sqlArray(hoods.map((x) => x.lat), "float8")})[h.hood]
                      + (${sqlArray(hoods.map((x) => x.sigmaM), "float8")})[h.hood] * sqrt(-2 * ln(h.u1)) * cos(2 * pi() * h.u2) / ${M_PER_DEG}
                 else ${bg.south} + h.u3 * ${bg.north - bg.south} end as lat,
               case when h.hood <= ${hoods.length}
                 then (${sqlArray(hoods.map((x) => x.lng), "float8")})[h.hood]
                      + (${sqlArray(hoods.map((x) => x.sigmaM), "float8")})[h.hood] * sqrt(-2 * ln(h.u1)) * sin(2 * pi() * h.u2)
                        / (${M_PER_DEG} * cos(radians((${sqlArray(hoods.map((x) => x.lat), "float8")})[h.hood])))
                 else ${bg.west} + h.u4 * ${bg.east - bg.west} end as lng
          from h;
        alter table bench_goods.sellers add primary key (n);`);
    });

    // 2. Accounts (as handle_new_user; sellers are sellers).
    await timed(steps, "auth.users + profiles + profile_private", async () => {
      await inParallel(conns, [0, 1].map((k) => [
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
           raw_app_meta_data, raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token,
           email_change_token_new, email_change, email_change_token_current, phone_change, phone_change_token,
           reauthentication_token, is_sso_user, is_anonymous)
         select '00000000-0000-0000-0000-000000000000', s.id, 'authenticated', 'authenticated', s.email, '', now(),
                '{"provider": "email", "providers": ["email"]}'::jsonb,
                jsonb_build_object('full_name', s.display_name, 'username', s.username, 'sub', s.id, 'email', s.email,
                                   'email_verified', true, 'phone_verified', false),
                now(), now(), '', '', '', '', '', '', '', '', false, false
           from bench_goods.sellers s where s.n % 2 = ${k}`,
        `insert into public.profiles (id, username, full_name, locale, is_seller, neighbourhood)
         select s.id, s.username, s.display_name, 'en', true, s.neighbourhood from bench_goods.sellers s where s.n % 2 = ${k}`,
        `insert into public.profile_private (profile_id) select s.id from bench_goods.sellers s where s.n % 2 = ${k}`,
      ]));
    });

    // 3. Staging: products (skewed: a few sellers list many items), their likes and views counts.
    await timed(steps, "staging: products", async () => {
      await a.unsafe(`
        create unlogged table bench_goods.products as
        with r as materialized (
          select n, random() as u_seller, random() as u_cat, random() as u_noun, random() as u_adj, random() as u_lang,
                 random() as u_age, random() as u_price, random() as u_cond, random() as u_feed, random() as u_state,
                 random() as u_tags, random() as u_likes, random() as u_likes2, random() as u_views, random() as u_views2,
                 random() as u_phrase, random() as u_qty, 1 - random() as j1, random() as j2
            from generate_series(1, ${products}) n
        ), c as (
          select r.*, width_bucket(r.u_cat, ${sqlArray(catLower, "float8")}) as cat,
                 1 + least(5, floor(r.u_noun * 6)::int) as noun, 1 + floor(r.u_adj * ${ADJECTIVES.length})::int as adj,
                 1 + floor(power(r.u_seller, 1.5) * ${sellers})::int as seller_n
            from r
        ), d as (
          select c.*, (c.cat - 1) * 6 + c.noun as w,
                 c.u_lang < 0.15 as arabic,
                 case when c.u_state < 0.04 then 'reserved' when c.u_state < 0.12 then 'sold' else 'available' end as status,
                 case when c.u_qty < 0.9 then 1 else 2 + floor((c.u_qty - 0.9) * 90)::int end as quantity,
                 now() - make_interval(secs => least(180 * 86400, -ln(1 - c.u_age) * 20 * 86400)) as created_at
            from c
        )
        select d.n, md5('bench-goods-product-' || d.n)::uuid as id, s.id as seller_id,
               case when d.arabic
                 then (${sqlArray(nounsAr, "text")})[d.w] || ' ' || (${sqlArray(ADJECTIVES.map((x) => x[1]), "text")})[d.adj]
                 else (${sqlArray(ADJECTIVES.map((x) => x[0]), "text")})[d.adj] || ' ' || (${sqlArray(nounsEn, "text")})[d.w] end as title,
               case when d.arabic
                 then (${sqlArray(nounsAr, "text")})[d.w] || ' ' || (${sqlArray(ADJECTIVES.map((x) => x[1]), "text")})[d.adj] || '. '
                      || (${sqlArray(PHRASES_AR, "text")})[1 + floor(d.u_phrase * ${PHRASES_AR.length})::int]
                      || ' ' || coalesce(s.neighbourhood, 'دبي')
                 else (${sqlArray(ADJECTIVES.map((x) => x[0]), "text")})[d.adj] || ' ' || (${sqlArray(nounsEn, "text")})[d.w] || ' in '
                      || (array['new', 'like new', 'good', 'fair'])[1 + (d.n % 4)] || ' condition. '
                      || (${sqlArray(PHRASES_EN, "text")})[1 + floor(d.u_phrase * ${PHRASES_EN.length})::int]
                      || ' Pick up in ' || coalesce(s.neighbourhood, 'Dubai') || '.' end as description,
               (round((${sqlArray(GOODS_VOCABULARY.map((v) => v.price), "float8")})[d.cat] * exp((d.u_price - 0.5) * 3)) * 100)::bigint as price,
               (${sqlArray(GOODS_VOCABULARY.map((v) => idBySlug.get(v.slug) ?? null), "uuid")})[d.cat] as category_id,
               (array['new', 'like_new', 'good', 'fair'])[1 + (d.n % 4)] as condition,
               case when d.u_feed < 0.2 then 'community' else 'discover' end as feed,
               extensions.st_setsrid(extensions.st_makepoint(
                 s.lng + 40 * sqrt(-2 * ln(d.j1)) * sin(2 * pi() * d.j2) / (${M_PER_DEG} * cos(radians(s.lat))),
                 s.lat + 40 * sqrt(-2 * ln(d.j1)) * cos(2 * pi() * d.j2) / ${M_PER_DEG}), 4326)::extensions.geography as location,
               s.neighbourhood, s.building, d.quantity,
               case when d.status = 'available' then d.quantity else 0 end as available_quantity,
               d.status,
               case when d.status = 'sold' then d.created_at + interval '2 days' end as sold_at,
               case when d.u_state > 0.97 then d.created_at + interval '1 day' end as withdrawn_at,
               case when d.u_state between 0.965 and 0.9685 then d.created_at + interval '3 hours' end as hidden_at,
               case when d.u_tags < 0.1 then '{urgency}' when d.u_tags < 0.15 then '{event}' when d.u_tags < 0.3 then '{lifestyle}'
                    when d.u_tags < 0.33 then '{lifestyle,urgency}' else '{}' end::text[] as tags,
               case when d.u_likes < 0.15 then floor(exp(d.u_likes2 * ln(20)))::int else 0 end as n_likes,
               case when d.u_views < 0.25 then floor(exp(d.u_views2 * ln(12)))::int else 0 end
                 + case when d.u_likes < 0.15 then floor(exp(d.u_likes2 * ln(20)))::int else 0 end as n_views,
               d.created_at
          from d join bench_goods.sellers s on s.n = d.seller_n;
        alter table bench_goods.products add primary key (n);`);
    });

    // 4. Secondary indexes of products, likes and views off during the load.
    const indexes = await a`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
        from pg_index i
       where i.indrelid in ('public.products'::regclass, 'public.product_likes'::regclass, 'private.product_views'::regclass)
         and not i.indisprimary and not i.indisunique
         and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`;
    await a.unsafe(indexes.map((i) => `drop index ${i.name};`).join("\n"));

    await timed(steps, "products", async () => {
      await inParallel(conns, [0, 1].map((k) => [`
        insert into public.products (id, seller_id, title, description, price, currency, category_id, condition, feed, location,
          neighbourhood, building, quantity, available_quantity, status, sold_at, withdrawn_at, tags, view_count, like_count,
          hidden_at, created_at, updated_at)
        select id, seller_id, title, description, price, 'AED', category_id, condition, feed, location, neighbourhood, building,
               quantity, available_quantity, status, sold_at, withdrawn_at, tags, n_views, n_likes, hidden_at, created_at, created_at
          from bench_goods.products where n % 2 = ${k}`]));
    });

    // 5. Likes and views: distinct users per product (an arithmetic walk over the sellers, step
    //    coprime with their count), the counters above equal to these rows.
    const stepLikes = coprime(sellers, 7919);
    const stepViews = coprime(sellers, 104729);
    await timed(steps, "product_likes + product_views", async () => {
      await inParallel(conns, [[`
        insert into public.product_likes (product_id, user_id, created_at)
        select p.id, s.id, p.created_at + (now() - p.created_at) * ((g.k::float8) / (p.n_likes + 1))
          from bench_goods.products p
         cross join lateral generate_series(1, p.n_likes) g(k)
          join bench_goods.sellers s on s.n = 1 + ((p.n * 31 + g.k::bigint * ${stepLikes}) % ${sellers})
         where p.n_likes > 0`], [`
        insert into private.product_views (product_id, viewer_id, day, viewed_at)
        select p.id, s.id, (v.at at time zone 'UTC')::date, v.at
          from bench_goods.products p
         cross join lateral generate_series(1, p.n_views) g(k)
         cross join lateral (select p.created_at + (now() - p.created_at) * ((g.k::float8) / (p.n_views + 1)) as at) v
          join bench_goods.sellers s on s.n = 1 + ((p.n * 17 + g.k::bigint * ${stepViews}) % ${sellers})
         where p.n_views > 0`]]);
    });

    await timed(steps, `indexes (${indexes.length}, including the feeds' GiST and full-text)`, async () => {
      const defs = indexes.map((i) => `${i.def as string};`);
      // The expensive ones (full text, GiST) spread over both connections.
      const weight = (d: string) => (/search_document/.test(d) ? 4 : /gist/.test(d) ? 2 : 1);
      const ordered = [...defs].sort((x, y) => weight(y) - weight(x));
      const lists: string[][] = [[], []];
      const load = [0, 0];
      for (const d of ordered) {
        const i = load[0] <= load[1] ? 0 : 1;
        lists[i].push(d);
        load[i] += weight(d);
      }
      await inParallel(conns, lists);
    });
    // The load skipped the triggers, the vocabulary's too: count it as the nightly job does.
    await timed(steps, "search vocabulary (private.refresh_product_words)", async () => {
      await a.unsafe("select private.refresh_product_words()");
    });
    await timed(steps, "vacuum analyze", async () => {
      await inParallel(conns, [
        ["vacuum (analyze) public.products", "vacuum (analyze) public.profiles", "vacuum (analyze) private.product_words"],
        ["vacuum (analyze) public.product_likes", "vacuum (analyze) private.product_views", "vacuum (analyze) auth.users",
         "vacuum (analyze) public.profile_private"],
      ]);
    });

    await timed(steps, "consistency check (sample of 2000)", async () => {
      const [check] = await a.unsafe(`
        with sample as (select id from public.products tablesample system (1) limit 2000)
        select count(*) as sampled,
               count(*) filter (where p.like_count <> (select count(*) from public.product_likes l where l.product_id = p.id)) as bad_likes,
               count(*) filter (where p.view_count <> (select count(*) from private.product_views v where v.product_id = p.id)) as bad_views,
               count(*) filter (where not ((p.status = 'available') = (p.available_quantity > 0)
                                           and (p.status = 'sold') = (p.sold_at is not null))) as bad_status,
               count(*) filter (where char_length(btrim(p.title)) not between 1 and 100 or char_length(p.description) > 4000
                                   or not p.tags <@ array['lifestyle', 'urgency', 'event']::text[]
                                   or p.price not between 0 and 1000000000) as bad_fields,
               count(*) filter (where not exists (select 1 from public.categories c where c.id = p.category_id and c.kind = 'goods')) as bad_category,
               count(*) filter (where not exists (select 1 from public.profiles s where s.id = p.seller_id and s.is_seller)) as bad_seller
          from public.products p join sample using (id)`);
      const bad = ["bad_likes", "bad_views", "bad_status", "bad_fields", "bad_category", "bad_seller"].reduce((n, k) => n + Number(check[k]), 0);
      if (bad > 0) throw new Error(`bulk seed disagrees with the triggers: ${JSON.stringify(check)}`);
    });
    await a.unsafe("drop schema bench_goods cascade");

    const [counts] = await a`
      select (select count(*) from public.products)::int as products,
             (select count(*) from public.products where status = 'available' and hidden_at is null and withdrawn_at is null)::int as available,
             (select count(*) from public.product_likes)::int as likes,
             (select count(*) from private.product_views)::int as views`;
    return {
      products: counts.products as number,
      sellers,
      likes: counts.likes as number,
      views: counts.views as number,
      available: counts.available as number,
      seconds: (Date.now() - started) / 1000,
      steps,
    };
  } finally {
    a.release();
    b.release();
    await pool.end();
  }
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}

/** The first step ≥ start coprime with n (so k × step mod n visits distinct values for k < n). */
function coprime(n: number, start: number): number {
  let s = start;
  while (gcd(n, s) !== 1) s += 1;
  return s;
}
