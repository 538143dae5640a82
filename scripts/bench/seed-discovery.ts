/**
 * Bulk seed for the discovery benchmark: N providers over the Dubai model (scripts/bench/metro.ts),
 * each with auth.users → profiles (+ profile_private) → provider_profiles, 1-3 service listings,
 * and weekly hours for the providers who are accepting work.
 *
 * Set-based SQL (generate_series), run as the local superuser supabase_admin with
 * `session_replication_role = replica`, which skips every per-row trigger (the sign-up trigger,
 * validation and derivation triggers, and the foreign-key checks). Everything those triggers
 * would produce is computed set-based with the same expressions:
 *   - profiles + profile_private (private.handle_new_user), profiles.is_provider (provider_profile_flag);
 *   - provider_profiles.coverage = st_multi(st_buffer(base_location, service_radius_m)) (provider_profile_derive);
 *   - category_ids = distinct, sorted categories with ancestors of active listings, price_from = cheapest
 *     active non-quote listing (refresh_provider_catalog);
 *   - service_listings.location / coverage from the provider and the listing's radius override
 *     (service_listing_derive);
 *   - private.provider_time_zones (remember_provider_time_zone);
 *   - categories go through their normal triggers (path_ids).
 * Secondary indexes of provider_profiles and service_listings are dropped during the load and
 * rebuilt afterwards (faster than maintaining them row by row), then everything is VACUUM ANALYZEd.
 * A consistency check recomputes the derived columns of a sample with the triggers' own functions.
 *
 * Only for the bench stack (.hyperlocal/bench): it writes around the project's triggers.
 */
import type { Profile } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { bulkSession, inParallel, type Sql, sqlArray, timed } from "./bulk.ts";
import { METRO, M_PER_DEG } from "./metro.ts";


/** Service categories used by the benchmark (created when missing; slugs are reused when present). */
export const BENCH_CATEGORIES: Array<{
  slug: string;
  en: string;
  ar: string;
  unit: "hourly" | "fixed" | "per_item";
  children: Array<{ slug: string; en: string; ar: string; weight: number; unit?: "hourly" | "fixed" | "per_item" }>;
}> = [
  { slug: "home-maintenance", en: "Home maintenance", ar: "صيانة المنزل", unit: "hourly", children: [
    { slug: "plumbing", en: "Plumbing", ar: "سباكة", weight: 6 },
    { slug: "electrical", en: "Electrical", ar: "كهرباء", weight: 5 },
    { slug: "ac-repair", en: "AC repair", ar: "تصليح المكيفات", weight: 7 },
    { slug: "handyman", en: "Handyman", ar: "أعمال متنوعة", weight: 6 },
    { slug: "painting", en: "Painting", ar: "دهان", weight: 3, unit: "fixed" },
    { slug: "pest-control", en: "Pest control", ar: "مكافحة الحشرات", weight: 2, unit: "fixed" },
  ] },
  { slug: "cleaning", en: "Cleaning", ar: "تنظيف", unit: "hourly", children: [
    { slug: "home-cleaning", en: "Home cleaning", ar: "تنظيف المنازل", weight: 12 },
    { slug: "deep-cleaning", en: "Deep cleaning", ar: "تنظيف عميق", weight: 4, unit: "fixed" },
    { slug: "sofa-carpet-cleaning", en: "Sofa & carpet cleaning", ar: "تنظيف الكنب والسجاد", weight: 3, unit: "fixed" },
    { slug: "laundry", en: "Laundry & ironing", ar: "غسيل وكي", weight: 3, unit: "per_item" },
  ] },
  { slug: "beauty-wellness", en: "Beauty & wellness", ar: "تجميل وعافية", unit: "fixed", children: [
    { slug: "hair-at-home", en: "Hair at home", ar: "تصفيف الشعر في المنزل", weight: 4 },
    { slug: "nails", en: "Nails", ar: "أظافر", weight: 3 },
    { slug: "massage", en: "Massage", ar: "مساج", weight: 3, unit: "hourly" },
    { slug: "makeup", en: "Makeup", ar: "مكياج", weight: 2 },
  ] },
  { slug: "moving-delivery", en: "Moving & delivery", ar: "نقل وتوصيل", unit: "fixed", children: [
    { slug: "movers", en: "Movers", ar: "نقل أثاث", weight: 3 },
    { slug: "courier", en: "Courier", ar: "توصيل", weight: 2 },
    { slug: "furniture-assembly", en: "Furniture assembly", ar: "تركيب أثاث", weight: 3, unit: "hourly" },
  ] },
  { slug: "tutoring", en: "Tutoring", ar: "دروس خصوصية", unit: "hourly", children: [
    { slug: "math-tutoring", en: "Maths tutoring", ar: "دروس رياضيات", weight: 3 },
    { slug: "language-lessons", en: "Language lessons", ar: "دروس لغات", weight: 3 },
    { slug: "music-lessons", en: "Music lessons", ar: "دروس موسيقى", weight: 1 },
  ] },
  { slug: "pets", en: "Pets", ar: "حيوانات أليفة", unit: "fixed", children: [
    { slug: "dog-walking", en: "Dog walking", ar: "تمشية الكلاب", weight: 2, unit: "hourly" },
    { slug: "pet-grooming", en: "Pet grooming", ar: "تجميل الحيوانات", weight: 2 },
    { slug: "pet-sitting", en: "Pet sitting", ar: "رعاية الحيوانات", weight: 1, unit: "hourly" },
  ] },
  { slug: "automotive", en: "Automotive", ar: "سيارات", unit: "fixed", children: [
    { slug: "car-wash", en: "Car wash at home", ar: "غسيل السيارات", weight: 4 },
    { slug: "mobile-mechanic", en: "Mobile mechanic", ar: "ميكانيكي متنقل", weight: 2, unit: "hourly" },
  ] },
  { slug: "tech-help", en: "Tech help", ar: "مساعدة تقنية", unit: "fixed", children: [
    { slug: "phone-repair", en: "Phone repair", ar: "تصليح الهواتف", weight: 2 },
    { slug: "computer-repair", en: "Computer repair", ar: "تصليح الحواسيب", weight: 2 },
    { slug: "smart-home-setup", en: "Smart home setup", ar: "تركيب المنزل الذكي", weight: 1 },
  ] },
];

/** The category the benchmark query filters on. */
export const BENCH_QUERY_CATEGORY = "plumbing";

const FIRST_NAMES = ["Ahmed", "Fatima", "Omar", "Aisha", "Mohammed", "Mariam", "Ali", "Noura", "Yusuf", "Layla",
  "Hassan", "Sara", "Khalid", "Huda", "Rashid", "Amna", "Tariq", "Reem", "Imran", "Priya", "Rahul", "Anjali",
  "Joseph", "Maria", "John", "Grace", "Arjun", "Deepa", "Bilal", "Zainab", "Samir", "Hala", "Karim", "Nadia",
  "Vikram", "Meera", "Daniel", "Elena", "Musa", "Leila"];
const LAST_NAMES = ["Al Mansouri", "Khan", "Al Hashimi", "Sharma", "Fernandes", "Haddad", "Nair", "Al Suwaidi",
  "Qureshi", "Santos", "Rahman", "Menon", "Al Falasi", "Pillai", "Mathew", "Saleh", "Iqbal", "Reyes", "Aziz",
  "Das", "Al Marri", "George", "Hussain", "Verma", "Chowdhury", "Al Nuaimi", "Pereira", "Siddiqui", "Kapoor", "Farouk"];


export interface SeedReport {
  providers: number;
  listings: number;
  availabilityRules: number;
  users: number;
  seconds: number;
  steps: Array<{ step: string; seconds: number }>;
}

export async function seedDiscovery(p: Profile, providers: number): Promise<SeedReport> {
  const started = Date.now();
  const steps: SeedReport["steps"] = [];
  // One reserved connection each: session settings must stick.
  const pool = connect(p, "supabase_admin", { max: 2, idle_timeout: 0, connection: { application_name: "hyperlocal-bench-seed" } });
  const a = await pool.reserve();
  const b = await pool.reserve();
  const conns = [a as unknown as Sql, b as unknown as Sql];
  try {
    // 1. Categories, through their triggers (path_ids).
    await timed(steps, "categories", async () => {
      for (const [i, root] of BENCH_CATEGORIES.entries()) {
        // Slugs the seeded catalog already has are reused (its trigger refuses a taken slug
        // before ON CONFLICT could skip it).
        await a`
          insert into public.categories (slug, kind, names, default_pricing_unit, sort_order)
          select ${root.slug}, 'service', ${a.json({ en: root.en, ar: root.ar })}, ${root.unit}, ${i}
           where not exists (select 1 from public.categories where slug = ${root.slug})`;
        for (const [j, c] of root.children.entries()) {
          await a`
            insert into public.categories (slug, kind, parent_id, names, default_pricing_unit, sort_order)
            select ${c.slug}, 'service', r.id, ${a.json({ en: c.en, ar: c.ar })}, ${c.unit ?? root.unit}, ${j}
              from public.categories r
             where r.slug = ${root.slug}
               and not exists (select 1 from public.categories where slug = ${c.slug})`;
        }
      }
    });
    const leaves = BENCH_CATEGORIES.flatMap((r) => r.children.map((c) => ({ ...c, unit: c.unit ?? r.unit })));
    const rows = await a`select id, slug from public.categories where slug = any(${leaves.map((l) => l.slug)})`;
    const idBySlug = new Map(rows.map((r) => [r.slug as string, r.id as string]));
    const totalWeight = leaves.reduce((n, l) => n + l.weight, 0);
    let cum = 0;
    const catLower: number[] = [];
    for (const l of leaves) {
      catLower.push(cum);
      cum += l.weight / totalWeight;
    }

    await bulkSession(a as unknown as Sql, { workMem: "512MB", maintenanceWorkMem: "1GB" });
    await bulkSession(b as unknown as Sql, { workMem: "512MB", maintenanceWorkMem: "1GB" });

    // 2. Staging: providers drawn from the metro model (deterministic: setseed + md5 ids).
    const hoods = METRO.neighbourhoods;
    const hoodTotal = hoods.reduce((n, h) => n + h.weight, 0) + METRO.background.weight;
    let hc = 0;
    const hoodLower: number[] = [];
    for (const h of hoods) {
      hoodLower.push(hc);
      hc += h.weight / hoodTotal;
    }
    hoodLower.push(hc); // the uniform background
    const bg = METRO.background;
    await timed(steps, "staging: providers", async () => {
      await a.unsafe(`
        drop schema if exists bench_seed cascade;
        create schema bench_seed;
        select setseed(0.20261121);
        create unlogged table bench_seed.providers as
        with r as materialized (
          select n, random() as u_pick, 1 - random() as u1, random() as u2, random() as u3, random() as u4,
                 random() as u5, random() as u6, random() as u7, random() as u8, random() as u9, random() as u10,
                 random() as u11, random() as u12, random() as u13, random() as u14, random() as u15, random() as u16
            from generate_series(1, ${providers}) n
        ), h as (
          select r.*, width_bucket(r.u_pick, ${sqlArray(hoodLower, "float8")}) as hood from r
        ), p as (
          select h.*,
                 case when h.hood <= ${hoods.length}
                   then (${sqlArray(hoods.map((x) => x.lat), "float8")})[h.hood]
                        + (${sqlArray(hoods.map((x) => x.sigmaM), "float8")})[h.hood] * sqrt(-2 * ln(h.u1)) * cos(2 * pi() * h.u2) / ${M_PER_DEG}
                   else ${bg.south} + h.u3 * ${bg.north - bg.south} end as lat,
                 case when h.hood <= ${hoods.length}
                   then (${sqlArray(hoods.map((x) => x.lng), "float8")})[h.hood]
                        + (${sqlArray(hoods.map((x) => x.sigmaM), "float8")})[h.hood] * sqrt(-2 * ln(h.u1)) * sin(2 * pi() * h.u2)
                          / (${M_PER_DEG} * cos(radians((${sqlArray(hoods.map((x) => x.lat), "float8")})[h.hood])))
                   else ${bg.west} + h.u4 * ${bg.east - bg.west} end as lng,
                 h.u6 < 0.75 as rated
            from h
        )
        select n,
               md5('bench-provider-' || n)::uuid as id,
               'bench.provider.' || n || '@example.test' as email,
               'bench_p' || n as username,
               (${sqlArray(FIRST_NAMES, "text")})[1 + (n * 7) % ${FIRST_NAMES.length}] || ' '
                 || (${sqlArray(LAST_NAMES, "text")})[1 + (n * 13) % ${LAST_NAMES.length}] as display_name,
               extensions.st_setsrid(extensions.st_makepoint(lng, lat), 4326)::extensions.geography as geog,
               2000 + floor(u5 * 37)::int * 500 as radius,
               case when rated then floor(exp(u7 * ln(400)))::int else 0 end as rating_count,
               case when rated then round(least(5, greatest(1, 4.25 + 0.55 * (u8 + u9 + u10 - 1.5) * 2))::numeric, 2)
                    else 0 end as rating_avg,
               u11 < 0.30 as is_available,
               u12 < 0.20 as is_verified,
               (40 + floor(u13 * 27)::int * 10) * 100::bigint as hourly_rate,
               u14, u15,
               1 + floor(u16 * 3)::int as n_listings
          from p;
        alter table bench_seed.providers add primary key (n);`);
    });

    // 3. Accounts: auth.users, profiles, profile_private (as handle_new_user + provider_profile_flag).
    await timed(steps, "auth.users + profiles + profile_private", async () => {
      const half = (k: number) => `where s.n % 2 = ${k}`;
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
           from bench_seed.providers s ${half(k)}`,
        `insert into public.profiles (id, username, full_name, locale, is_provider)
         select s.id, s.username, s.display_name, 'en', true from bench_seed.providers s ${half(k)}`,
        `insert into public.profile_private (profile_id) select s.id from bench_seed.providers s ${half(k)}`,
      ]));
    });

    // 4. Staging: listings, and the providers' derived catalog fields.
    await timed(steps, "staging: listings + derived catalog fields", async () => {
      await a.unsafe(`
        create unlogged table bench_seed.listings as
        with l as materialized (
          select p.n, p.id as provider_id, p.display_name, g.k,
                 random() as u_cat, random() as u_quote, random() as u_price, random() as u_active,
                 random() as u_override, random() as u_radius, random() as u_duration
            from bench_seed.providers p
           cross join lateral generate_series(1, p.n_listings) as g(k)
        ), c as (
          select l.*, width_bucket(l.u_cat, ${sqlArray(catLower, "float8")}) as cat from l
        )
        select md5('bench-listing-' || c.n || '-' || c.k)::uuid as id,
               c.n, c.provider_id,
               (${sqlArray(leaves.map((l) => idBySlug.get(l.slug) ?? null), "uuid")})[c.cat] as category_id,
               (${sqlArray(leaves.map((l) => l.en), "text")})[c.cat] || ' by ' || c.display_name as title,
               case when c.u_quote < 0.08 then 'quote' else (${sqlArray(leaves.map((l) => l.unit), "text")})[c.cat] end as pricing_unit,
               case when c.u_quote < 0.08 then 0
                    when (${sqlArray(leaves.map((l) => l.unit), "text")})[c.cat] = 'hourly' then (50 + floor(c.u_price * 26)::int * 10) * 100
                    when (${sqlArray(leaves.map((l) => l.unit), "text")})[c.cat] = 'per_item' then (10 + floor(c.u_price * 20)::int * 5) * 100
                    else (100 + floor(c.u_price * 29)::int * 50) * 100 end::bigint as base_price,
               (array[60, 90, 120, 180])[1 + floor(c.u_duration * 4)::int] as duration_minutes,
               case when c.u_override < 0.05 then 1000 + floor(c.u_radius * 10)::int * 1000 end as radius,
               c.u_active < 0.95 as is_active
          from c;
        create unlogged table bench_seed.catalog as
        select l.provider_id,
               array_agg(distinct cid order by cid) as category_ids,
               min(l.base_price) filter (where l.pricing_unit <> 'quote') as price_from
          from bench_seed.listings l
          join public.categories cat on cat.id = l.category_id
         cross join lateral unnest(cat.path_ids) as cid
         where l.is_active
         group by l.provider_id;
        alter table bench_seed.catalog add primary key (provider_id);`);
    });

    // 5. Secondary indexes off during the load.
    const indexes = await a`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
        from pg_index i
       where i.indrelid in ('public.provider_profiles'::regclass, 'public.service_listings'::regclass)
         and not i.indisprimary and not i.indisunique
         and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`;
    await a.unsafe(indexes.map((i) => `drop index ${i.name};`).join("\n"));

    // 6. Provider profiles with coverage and catalog fields (as the derivation triggers).
    await timed(steps, "provider_profiles (coverage = st_buffer per provider)", async () => {
      await inParallel(conns, [0, 1].map((k) => [`
        insert into public.provider_profiles (id, display_name, base_location, service_radius_m, hourly_rate, currency,
          timezone, is_available, is_verified, rating_avg, rating_count, rating_sum, reputation_score, completed_jobs,
          response_time_s, coverage, category_ids, price_from)
        select s.id, s.display_name, s.geog, s.radius, s.hourly_rate, 'AED', 'Asia/Dubai', s.is_available, s.is_verified,
               s.rating_avg, s.rating_count, round(s.rating_avg * s.rating_count)::int,
               private.reputation_score(round(s.rating_avg * s.rating_count)::bigint, s.rating_count),
               s.rating_count + floor(s.u14 * s.rating_count * 2)::int,
               60 + floor(s.u15 * 7200)::int,
               extensions.st_multi(extensions.st_buffer(s.geog, s.radius::float8)::extensions.geometry)::extensions.geography,
               coalesce(c.category_ids, '{}'), c.price_from
          from bench_seed.providers s
          left join bench_seed.catalog c on c.provider_id = s.id
         where s.n % 2 = ${k}`]));
    });

    // 7. Listings: location and coverage from the provider (service_listing_derive).
    await timed(steps, "service_listings", async () => {
      await inParallel(conns, [0, 1].map((k) => [`
        insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, currency,
          duration_minutes, service_radius_m, is_active, location, coverage)
        select l.id, l.provider_id, l.category_id, l.title, l.pricing_unit, l.base_price, 'AED', l.duration_minutes,
               l.radius, l.is_active, p.base_location,
               case when l.radius is not null
                 then extensions.st_multi(extensions.st_buffer(p.base_location, l.radius::float8)::extensions.geometry)::extensions.geography
                 else p.coverage end
          from bench_seed.listings l
          join public.provider_profiles p on p.id = l.provider_id
         where l.n % 2 = ${k}`]));
    });

    // Time zones in use (private.remember_provider_time_zone).
    await a.unsafe(`insert into private.provider_time_zones (time_zone)
                    select distinct timezone from public.provider_profiles on conflict do nothing`);

    // 8. Weekly hours for providers accepting work: Sunday-Thursday (+ Saturday for some), Dubai time.
    await timed(steps, "availability_rules", async () => {
      await inParallel(conns, [0, 1].map((k) => [`
        insert into public.availability_rules (provider_id, weekday, start_time, end_time)
        select s.id, d.weekday,
               make_time(7 + (s.n % 3), 0, 0),
               case when d.weekday = 6 then make_time(14, 0, 0) else make_time(17 + (s.n % 4), 0, 0) end
          from bench_seed.providers s
         cross join lateral (select w from generate_series(0, 4) w
                             union all select 6 where s.n % 2 = 0) as d(weekday)
         where s.is_available and s.n % 2 = ${k}`]));
    });

    // 9. Indexes back, then statistics and visibility maps.
    await timed(steps, `indexes (${indexes.length})`, async () => {
      const defs = indexes.map((i) => `${i.def as string};`);
      // GiST first, alternating between the two connections.
      const ordered = [...defs].sort((x, y) => Number(/gist/.test(y)) - Number(/gist/.test(x)));
      await inParallel(conns, [ordered.filter((_, i) => i % 2 === 0), ordered.filter((_, i) => i % 2 === 1)]);
    });
    // The load skipped the triggers, the per-category search table's too: rebuild it.
    await timed(steps, "per-category search table (private.refresh_provider_category_points)", async () => {
      await a.unsafe("select private.refresh_provider_category_points()");
    });
    await timed(steps, "open periods for \"available now\" (private.refresh_provider_open_periods)", async () => {
      await a.unsafe("select private.refresh_provider_open_periods()");
    });
    await timed(steps, "map tiles for clusters (private.refresh_provider_tiles)", async () => {
      await a.unsafe("select private.refresh_provider_tiles()");
    });
    await timed(steps, "coverage cells (private.refresh_provider_coverage_cells)", async () => {
      await a.unsafe("set maintenance_work_mem = '1GB'");
      await a.unsafe("select private.refresh_provider_coverage_cells()");
    });
    await timed(steps, "vacuum analyze", async () => {
      await inParallel(conns, [
        ["vacuum (analyze) public.provider_profiles", "vacuum (analyze) public.profiles", "vacuum (analyze) auth.users",
         "vacuum (analyze) private.provider_category_points", "vacuum (analyze) private.provider_tiles"],
        ["vacuum (analyze) private.provider_coverage_cells"],
        ["vacuum (analyze) public.service_listings", "vacuum (analyze) public.availability_rules",
         "vacuum (analyze) public.profile_private", "vacuum (analyze) public.categories"],
      ]);
    });
    await a.unsafe("drop schema bench_seed cascade");

    // 10. Consistency: the triggers' own derivations on a sample must agree with what was loaded.
    await timed(steps, "consistency check (sample of 2000)", async () => {
      const [check] = await a.unsafe(`
        with sample as (select id from public.provider_profiles tablesample system (1) limit 2000)
        select count(*) as sampled,
               count(*) filter (where p.coverage::text is distinct from
                 extensions.st_multi(extensions.st_buffer(p.base_location, p.service_radius_m::float8)::extensions.geometry)::extensions.geography::text) as bad_coverage,
               count(*) filter (where p.category_ids is distinct from coalesce((
                   select array_agg(distinct cid order by cid)
                     from public.service_listings l join public.categories c on c.id = l.category_id
                    cross join lateral unnest(c.path_ids) as cid
                    where l.provider_id = p.id and l.is_active), '{}')) as bad_categories,
               count(*) filter (where p.price_from is distinct from (
                   select min(l.base_price) from public.service_listings l
                    where l.provider_id = p.id and l.is_active and l.pricing_unit <> 'quote')) as bad_price,
               count(*) filter (where not exists (select 1 from public.profiles pr where pr.id = p.id and pr.is_provider)) as bad_profile,
               count(*) filter (where p.reputation_score <> private.reputation_score(p.rating_sum, p.rating_count)) as bad_reputation,
               count(*) filter (where not exists (select 1 from private.provider_time_zones z where z.time_zone = p.timezone)) as bad_zone,
               count(*) filter (where exists (select 1 from public.service_listings l where l.provider_id = p.id
                   and (l.location::text is distinct from p.base_location::text
                        or (l.service_radius_m is null and l.coverage::text is distinct from p.coverage::text)))) as bad_listing
          from public.provider_profiles p join sample using (id)`);
      const bad = Number(check.bad_coverage) + Number(check.bad_categories) + Number(check.bad_price)
        + Number(check.bad_profile) + Number(check.bad_listing) + Number(check.bad_zone) + Number(check.bad_reputation);
      if (bad > 0) throw new Error(`bulk seed disagrees with the triggers: ${JSON.stringify(check)}`);
    });

    const [counts] = await a`
      select (select count(*) from public.provider_profiles)::int as providers,
             (select count(*) from public.service_listings)::int as listings,
             (select count(*) from public.availability_rules)::int as rules,
             (select count(*) from auth.users)::int as users`;
    return {
      providers: counts.providers as number,
      listings: counts.listings as number,
      availabilityRules: counts.rules as number,
      users: counts.users as number,
      seconds: (Date.now() - started) / 1000,
      steps,
    };
  } finally {
    a.release();
    b.release();
    await pool.end();
  }
}
