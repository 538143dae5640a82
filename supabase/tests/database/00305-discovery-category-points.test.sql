-- Module discovery, the per-category spatial index (private.provider_category_points): kept in
-- step with provider_profiles by its triggers (listings, moves, ratings, hiding, closing), a
-- partition per service category (and the nil category of all providers), and the nearby searches
-- it serves (a category by distance; rating, price and relevance sorts read cell by cell) returning
-- exactly what a brute-force query over provider_profiles returns, page after page, ties included.
begin;
select plan(69);

select tests.freeze_time('2030-01-07 06:00:00+00');
insert into public.categories (slug, names) values ('cp-root', '{"en": "CP root", "ar": "ج"}');
insert into public.categories (slug, names, parent_id)
select v.slug, '{"en": "CP", "ar": "ج"}', tests.category_id('cp-root')
  from (values ('cp-leaf-a'), ('cp-leaf-b')) as v(slug);
insert into public.categories (slug, names) values ('cp-dense', '{"en": "CP dense", "ar": "ج"}');

select ok(to_regclass('private.provider_category_points_' || replace(tests.category_id('cp-leaf-a')::text, '-', '')) is not null,
  'a new service category gets its own partition');

-- 300 providers around (-30, 40) within ~20 km, ratings 3.0-5.0, in leaf a (2 of 3) or b; and 240
-- more packed within ~3 km of (-30.02, 40.02) in 'cp-dense' (map cells of ~2.4 km hold dozens of
-- them: the ranked searches' second pass). Ratings, prices, availability and verification repeat,
-- so sort keys tie.
select tests.create_provider('cp_p' || n, -30 + ((n * 37) % 300 - 150) * 0.0012, 40 + ((n * 53) % 300 - 150) * 0.0014,
         available => n % 2 = 0,
         profile => jsonb_build_object('rating_avg', 3 + (n % 21) * 0.1, 'rating_count', 5, 'rating_sum', round((3 + (n % 21) * 0.1) * 5),
                                       'is_verified', n % 3 = 0))
  from generate_series(1, 300) n;
select tests.create_provider('cp_d' || n, -30.02 + ((n * 37) % 240 - 120) * 0.0002, 40.02 + ((n * 53) % 240 - 120) * 0.0002,
         available => n % 4 = 0,
         profile => jsonb_build_object('rating_avg', 3.5 + (n % 4) * 0.5, 'rating_count', n % 3, 'rating_sum', round((3.5 + (n % 4) * 0.5) * (n % 3)),
                                       'is_verified', n % 5 = 0))
  from generate_series(1, 240) n;
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
select tests.get_supabase_uid('cp_p' || n), tests.category_id(case when n % 3 = 0 then 'cp-leaf-b' else 'cp-leaf-a' end),
       'cp listing ' || n, 'hourly', 5000 + (n % 7) * 500, true
  from generate_series(1, 300) n
union all
select tests.get_supabase_uid('cp_d' || n), tests.category_id('cp-dense'), 'cp dense listing ' || n,
       case when n % 6 = 0 then 'quote' else 'fixed' end, case when n % 6 = 0 then 0 else 4000 + (n % 5) * 1000 end, true
  from generate_series(1, 240) n;

-- Weekly hours (some providers in Dubai time, +4), days without hours, and time off this morning,
-- for the availability filters ("now" is Monday 2030-01-07 06:00 UTC).
update public.provider_profiles set timezone = 'Asia/Dubai'
 where id in (select tests.get_supabase_uid(v.p || n) from generate_series(1, 300) n, (values ('cp_p'), ('cp_d')) v(p)
               where n % 3 = 1 and (v.p = 'cp_p' or n <= 240));
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select tests.get_supabase_uid(v.p || n), d, make_time(4 + n % 6, 0, 0), make_time(9 + n % 7, 30, 0)
  from generate_series(1, 300) n, (values ('cp_p'), ('cp_d')) v(p), generate_series(0, 6) d
 where (v.p = 'cp_p' or n <= 240) and n % 5 <> 0 and (d + n) % 7 <> 0;
insert into public.provider_time_off (provider_id, period)
select tests.get_supabase_uid('cp_p' || n), tstzrange('2030-01-07 05:00+00', '2030-01-07 09:00+00')
  from generate_series(1, 300) n where n % 3 = 0;

-- The rows equal a query over provider_profiles (visible providers, each category with its ancestors).
create temp view expected_points as
  select c.id as category_id, pp.id as provider_id, pp.base_location::text as location,
         floor((pp.base_lat + 90) / (360.0 / 16384))::int * 16384 + floor((pp.base_lng + 180) / (360.0 / 16384))::int as cell,
         pp.rating_avg, pp.reputation_score, pp.price_from,
         round((0.35 * pp.reputation_score::float8 / 5 + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int)::numeric, 12) as relevance_base,
         pp.is_available, exists (select from public.availability_rules r where r.provider_id = pp.id) as has_hours
    from public.provider_profiles pp
   cross join lateral unnest(pp.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) c(id)
   where pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null;
create temp view actual_points as
  select x.category_id, x.provider_id, x.location::text as location, x.cell, x.rating_avg, x.reputation_score, x.price_from,
         round(x.relevance_base::numeric, 12) as relevance_base, x.is_available, x.has_hours
    from private.provider_category_points x;
select set_eq('select * from actual_points', 'select * from expected_points',
  'a row per visible provider and category (listings'' categories and their ancestors) and one in the nil category, with map cell and sort keys');
select is((select count(*)::int from private.provider_category_points where category_id = tests.category_id('cp-root')), 300,
  'the parent category holds every provider of its subcategories');
select is((select count(*)::int from private.provider_category_points_all),
          (select count(*)::int from public.provider_profiles where deleted_at is null and hidden_at is null),
          'the nil category holds every visible provider');

update public.provider_profiles set base_location = tests.point(-30.1, 40.1) where id = tests.get_supabase_uid('cp_p1');
update public.provider_profiles set rating_avg = 1.5 where id = tests.get_supabase_uid('cp_p2');
update public.provider_profiles set hidden_at = now() where id = tests.get_supabase_uid('cp_p4');
update public.profiles set deleted_at = now() where id = tests.get_supabase_uid('cp_p5');
update public.service_listings set is_active = false where provider_id = tests.get_supabase_uid('cp_p7');
update public.provider_profiles set is_available = not is_available, is_verified = true where id = tests.get_supabase_uid('cp_p8');
update public.service_listings set base_price = 900 where provider_id = tests.get_supabase_uid('cp_p9');
delete from public.availability_rules where provider_id = tests.get_supabase_uid('cp_p11');
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
values (tests.get_supabase_uid('cp_p10'), 3, '09:00', '10:00');
update public.availability_rules set provider_id = tests.get_supabase_uid('cp_p15') where provider_id = tests.get_supabase_uid('cp_p12');
select set_eq('select * from actual_points', 'select * from expected_points',
  'moves, ratings, availability, weekly hours (removed, added, moved to another provider), verification, prices, hiding, closing an account and retiring listings are followed');
select is(array(select category_id from private.provider_category_points where provider_id = tests.get_supabase_uid('cp_p7')),
  array['00000000-0000-0000-0000-000000000000'::uuid], 'a provider without active listings is in the nil category only');
update public.provider_profiles set hidden_at = null where id = tests.get_supabase_uid('cp_p4');
select set_eq('select * from actual_points', 'select * from expected_points', 'unhiding brings the rows back');

select is(private.refresh_provider_category_points(), (select count(*) from expected_points),
  'the rebuild writes the same rows');
select set_eq('select * from actual_points', 'select * from expected_points', 'and only them');

-- Exactness: the nearby search in a category with a minimum rating returns what brute force does.
create temp table cp_points as
  select k, -30 + (k % 5 - 2) * 0.05 as lat, 40 + (k / 5 - 2) * 0.05 as lng from generate_series(0, 24) k;
create function pg_temp.brute(p_lat float8, p_lng float8, p_category uuid, p_min_rating numeric, p_radius float8,
                              p_offset int, p_limit int) returns uuid[] language sql as $$
  select array(select pp.id from public.provider_profiles pp
                where pp.deleted_at is null and pp.hidden_at is null and pp.category_ids @> array[p_category]
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and (pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng)) <= p_radius
                order by pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng), pp.id
               offset p_offset limit p_limit)
$$;
create function pg_temp.brute_ranked(p_lat float8, p_lng float8, p_category uuid, p_sort text, p_min_rating numeric,
                                     p_min_price bigint, p_max_price bigint, p_radius float8, p_offset int, p_limit int)
returns uuid[] language sql as $$
  select array(select pp.id
                 from public.provider_profiles pp
                cross join lateral (select pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng) as d) d
                where pp.deleted_at is null and pp.hidden_at is null
                  and (p_category is null or pp.category_ids @> array[p_category])
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and (p_min_price is null or pp.price_from >= p_min_price)
                  and (p_max_price is null or pp.price_from <= p_max_price)
                  and d.d <= p_radius
                order by case p_sort when 'rating' then -pp.reputation_score::float8
                                     when 'price' then coalesce(pp.price_from::float8, 1e15)
                                     else -(0.45 * greatest(0, 1 - d.d / p_radius) + 0.35 * pp.reputation_score::float8 / 5
                                            + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int) end,
                         d.d, pp.id
               offset p_offset limit p_limit)
$$;
grant execute on function pg_temp.brute_ranked(float8, float8, uuid, text, numeric, bigint, bigint, float8, int, int) to authenticated;
create function pg_temp.brute_bounds(p_south float8, p_west float8, p_north float8, p_east float8, p_category uuid,
                                     p_min_rating numeric, p_offset int, p_limit int) returns uuid[] language sql as $$
  select array(select pp.id from public.provider_profiles pp
                where pp.deleted_at is null and pp.hidden_at is null and pp.category_ids @> array[p_category]
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and pp.base_lat between p_south and p_north and pp.base_lng between p_west and p_east
                order by pp.base_location operator(extensions.<->) tests.point((p_south + p_north) / 2, (p_west + p_east) / 2), pp.id
               offset p_offset limit p_limit)
$$;
grant execute on function pg_temp.brute_bounds(float8, float8, float8, float8, uuid, numeric, int, int) to authenticated;
grant select on cp_points to authenticated;
grant execute on function pg_temp.brute(float8, float8, uuid, numeric, float8, int, int) to authenticated;
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, tests.category_id('cp-leaf-a'), 4.2) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-leaf-a'), 4.2, 8000, 0, 20)),
  0, 'category + rating, 25 points: the same 20 providers in the same order as brute force');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 3000, tests.category_id('cp-root'), null, p_limit => 50) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-root'), null, 3000, 0, 50)),
  0, 'a parent category without a rating, 3 km, 50 a page: the same as brute force (pages cut by the radius too)');
select is((select count(*)::int from cp_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_nearby(p.lat, p.lng, 10000, tests.category_id('cp-leaf-a'), 4, p_limit => 7) r
                                 offset 6) c
                          cross join lateral public.search_providers_nearby(p.lat, p.lng, 10000, tests.category_id('cp-leaf-a'), 4,
                                                                            p_after => c.cursor, p_limit => 7) r2)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-leaf-a'), 4, 10000, 7, 7)),
  0, 'the second page through the cursor: the same as brute force');
select cmp_ok((select sum(cardinality(pg_temp.brute(p.lat, p.lng, tests.category_id('cp-leaf-a'), 4.2, 8000, 0, 20)))::int from cp_points p),
  '>', 200, 'the comparisons are not empty: the 25 points find over 200 providers in all');
-- Map bounds of a category by distance from the centre: the category's walk, cut by the bounds.
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_in_bounds(p.lat - 0.04, p.lng - 0.05, p.lat + 0.03, p.lng + 0.06,
                                                                                    tests.category_id('cp-leaf-a'), 4, p_limit => 15) r)
                  is distinct from pg_temp.brute_bounds(p.lat - 0.04, p.lng - 0.05, p.lat + 0.03, p.lng + 0.06, tests.category_id('cp-leaf-a'), 4, 0, 15)),
  0, 'a category in map bounds, 25 boxes: the same providers in the same order as brute force');
select is((select count(*)::int from cp_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_in_bounds(p.lat - 0.04, p.lng - 0.05, p.lat + 0.03, p.lng + 0.06,
                                                                                        tests.category_id('cp-dense'), p_limit => 6) r
                                 offset 5) c
                          cross join lateral public.search_providers_in_bounds(p.lat - 0.04, p.lng - 0.05, p.lat + 0.03, p.lng + 0.06,
                                                                                tests.category_id('cp-dense'), p_after => c.cursor, p_limit => 6) r2)
                  is distinct from pg_temp.brute_bounds(p.lat - 0.04, p.lng - 0.05, p.lat + 0.03, p.lng + 0.06, tests.category_id('cp-dense'), null, 6, 6)),
  0, 'and the second page through the cursor');
-- Sorted by rating, price or relevance: the same rows in the same order as brute force (ties by
-- distance, then id), on every point, with and without a category, on page 1 and through the
-- cursor, and with pages small enough for the dense cells to need the second pass.
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, tests.category_id('cp-leaf-a'), 4,
                                                                                p_sort => 'rating') r)
                  is distinct from pg_temp.brute_ranked(p.lat, p.lng, tests.category_id('cp-leaf-a'), 'rating', 4, null, null, 8000, 0, 20)),
  0, 'by rating in a category with a minimum rating, 25 points: as brute force');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 5000, p_sort => 'relevance') r)
                  is distinct from pg_temp.brute_ranked(p.lat, p.lng, null, 'relevance', null, null, null, 5000, 0, 20)),
  0, 'by relevance among all providers, 25 points: as brute force');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 6000, tests.category_id('cp-dense'),
                                                                                p_sort => 'price', p_limit => 5) r)
                  is distinct from pg_temp.brute_ranked(p.lat, p.lng, tests.category_id('cp-dense'), 'price', null, null, null, 6000, 0, 5)),
  0, 'by price in the dense category, 5 a page (full cells): as brute force, providers without a price last');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 7000, p_min_price => 4500, p_max_price => 7000,
                                                                                p_sort => 'price', p_limit => 4) r)
                  is distinct from pg_temp.brute_ranked(p.lat, p.lng, null, 'price', null, 4500, 7000, 7000, 0, 4)),
  0, 'by price within a price range among all providers: as brute force');
select is((select count(*)::int from cp_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_nearby(p.lat, p.lng, 4000, p_sort => 'rating', p_limit => 3) r
                                 offset 2) c
                          cross join lateral public.search_providers_nearby(p.lat, p.lng, 4000, p_sort => 'rating', p_after => c.cursor,
                                                                            p_limit => 3) r2)
                  is distinct from pg_temp.brute_ranked(p.lat, p.lng, null, 'rating', null, null, null, 4000, 3, 3)),
  0, 'by rating, 3 a page, the second page through the cursor: as brute force');
select is((select count(*)::int from cp_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_nearby(p.lat, p.lng, 6000, tests.category_id('cp-dense'),
                                                                                    p_sort => 'relevance', p_limit => 4) r
                                 offset 3) c
                          cross join lateral public.search_providers_nearby(p.lat, p.lng, 6000, tests.category_id('cp-dense'),
                                                                            p_sort => 'relevance', p_after => c.cursor, p_limit => 4) r2)
                  is distinct from pg_temp.brute_ranked(p.lat, p.lng, tests.category_id('cp-dense'), 'relevance', null, null, null, 6000, 4, 4)),
  0, 'by relevance in the dense category, the second page through the cursor: as brute force');
select cmp_ok((select count(*)::int from cp_points p
                where cardinality(pg_temp.brute_ranked(p.lat, p.lng, tests.category_id('cp-dense'), 'price', null, null, null, 6000, 0, 5)) = 5),
  '>', 5, 'the dense comparisons are not empty');
-- Listings nearby by distance: the nearest providers of the category bring their listings.
create function pg_temp.brute_listings(p_lat float8, p_lng float8, p_radius float8, p_category uuid, p_min_price bigint,
                                       p_max_price bigint, p_offset int, p_limit int) returns uuid[] language sql as $$
  select array(select l.id
                 from public.service_listings l
                 join public.provider_profiles pp on pp.id = l.provider_id
                where l.is_active and l.hidden_at is null and pp.deleted_at is null and pp.hidden_at is null
                  and (p_category is null or l.category_id in (select c.id from public.categories c where c.path_ids @> array[p_category]))
                  and (p_min_price is null or (l.pricing_unit <> 'quote' and l.base_price >= p_min_price))
                  and (p_max_price is null or (l.pricing_unit <> 'quote' and l.base_price <= p_max_price))
                  and (pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng)) <= p_radius
                order by pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng), l.id
               offset p_offset limit p_limit)
$$;
grant execute on function pg_temp.brute_listings(float8, float8, float8, uuid, bigint, bigint, int, int) to authenticated;
select is((select count(*)::int from cp_points p
            where array(select r.listing_id from public.search_listings_nearby(p.lat, p.lng, 8000, tests.category_id('cp-root')) r)
                  is distinct from pg_temp.brute_listings(p.lat, p.lng, 8000, tests.category_id('cp-root'), null, null, 0, 20)),
  0, 'listings nearby in a parent category, 25 points: the same 20 listings in the same order as brute force');
select is((select count(*)::int from cp_points p
            where array(select r.listing_id from public.search_listings_nearby(p.lat, p.lng, 9000, tests.category_id('cp-dense'),
                                                                                p_min_price => 6500, p_max_price => 7000, p_limit => 6) r)
                  is distinct from pg_temp.brute_listings(p.lat, p.lng, 9000, tests.category_id('cp-dense'), 6500, 7000, 0, 6)),
  0, 'listings nearby with a price range most providers miss (the walk read again farther): as brute force');
select is((select count(*)::int from cp_points p
            where array(select r2.listing_id
                          from (select r.cursor from public.search_listings_nearby(p.lat, p.lng, 6000, p_limit => 5) r offset 4) c
                          cross join lateral public.search_listings_nearby(p.lat, p.lng, 6000, p_after => c.cursor, p_limit => 5) r2)
                  is distinct from pg_temp.brute_listings(p.lat, p.lng, 6000, null, null, null, 5, 5)),
  0, 'listings nearby among all, the second page through the cursor: as brute force');
-- Open now or with an open slot in a window, by distance: the category's walk of providers
-- accepting work, tested a batch at a time, against brute force over the rules and time off.
create function pg_temp.brute_open(p_lat float8, p_lng float8, p_radius float8, p_category uuid, p_min_rating numeric,
                                   p_at timestamptz, p_from timestamptz, p_to timestamptz, p_offset int, p_limit int)
returns uuid[] language sql as $$
  select array(select pp.id from public.provider_profiles pp
                where pp.deleted_at is null and pp.hidden_at is null
                  and (p_category is null or pp.category_ids @> array[p_category])
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and (pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng)) <= p_radius
                  and (p_at is null or (pp.is_available and
                        exists (select 1 from public.availability_rules r
                                 where r.provider_id = pp.id and r.weekday = extract(dow from p_at at time zone pp.timezone)
                                   and (p_at at time zone pp.timezone)::time >= r.start_time
                                   and (p_at at time zone pp.timezone)::time < r.end_time)
                        and not exists (select 1 from public.provider_time_off t where t.provider_id = pp.id and t.period @> p_at)))
                  and (p_from is null or exists (
                        select 1
                          from public.availability_rules r
                         cross join generate_series((p_from at time zone pp.timezone)::date - 1,
                                                    (p_to at time zone pp.timezone)::date + 1, interval '1 day') g(day)
                         cross join lateral (select tstzrange((g.day::date + r.start_time) at time zone pp.timezone,
                                                              (g.day::date + r.end_time) at time zone pp.timezone)
                                                    * tstzrange(greatest(p_from, '2030-01-07 06:00+00'), p_to) as open) o
                         where r.provider_id = pp.id and r.weekday = extract(dow from g.day) and not isempty(o.open)
                           and not exists (select 1 from public.provider_time_off t where t.provider_id = pp.id and t.period @> o.open)))
                order by pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng), pp.id
               offset p_offset limit p_limit)
$$;
create function pg_temp.on_time_off_in_hours(p_at timestamptz) returns setof uuid language sql as $$
  select t.provider_id from public.provider_time_off t join public.provider_profiles pp on pp.id = t.provider_id
   where t.period @> p_at and pp.is_available
     and exists (select 1 from public.availability_rules r
                  where r.provider_id = pp.id and r.weekday = extract(dow from p_at at time zone pp.timezone)
                    and (p_at at time zone pp.timezone)::time >= r.start_time and (p_at at time zone pp.timezone)::time < r.end_time)
$$;
-- Brute force reads every provider's time off: as the test's own role (RLS shows a user only theirs).
select tests.reset_authentication();
select cmp_ok((select count(*)::int from pg_temp.on_time_off_in_hours('2030-01-07 06:00+00')), '>', 20,
  'many providers are inside their hours but on time off now');
create temp table open_expected as
  select p.k,
         pg_temp.brute_open(p.lat, p.lng, 8000, null, null, '2030-01-07 06:00+00', null, null, 0, 20) as now_all,
         pg_temp.brute_open(p.lat, p.lng, 9000, tests.category_id('cp-leaf-a'), 3.8, '2030-01-07 06:00+00', null, null, 0, 6) as now_rated,
         pg_temp.brute_open(p.lat, p.lng, 8000, tests.category_id('cp-root'), null, null,
                            '2030-01-07 05:00+00', '2030-01-07 08:00+00', 0, 10) as slot_today,
         pg_temp.brute_open(p.lat, p.lng, 7000, null, null, null, '2030-01-08 03:00+00', '2030-01-08 04:30+00', 5, 5) as slot_page_2,
         pg_temp.brute_open(p.lat, p.lng, 8000, null, null, '2030-01-07 06:00+00', '2030-01-08 03:00+00', '2030-01-08 12:00+00', 0, 8) as both,
         array(select pg_temp.on_time_off_in_hours('2030-01-07 06:00+00')) as on_time_off
    from cp_points p;
grant select on open_expected to authenticated;
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, p_available_now => true) r)
                  is distinct from e.now_all),
  0, 'available now among all providers, 25 points: the same 20 providers in the same order as brute force');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 9000, tests.category_id('cp-leaf-a'), 3.8,
                                                                                p_available_now => true, p_limit => 6) r)
                  is distinct from e.now_rated),
  0, 'available now in a category with a minimum rating (most candidates fail: the batch doubles): as brute force');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, tests.category_id('cp-root'),
                          p_open_from => '2030-01-07 05:00+00', p_open_to => '2030-01-07 08:00+00', p_limit => 10) r)
                  is distinct from e.slot_today),
  0, 'an open slot this morning (time off and hours in two time zones decide it): as brute force');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_nearby(p.lat, p.lng, 7000, p_open_from => '2030-01-08 03:00+00',
                                                                                   p_open_to => '2030-01-08 04:30+00', p_limit => 5) r offset 4) c
                          cross join lateral public.search_providers_nearby(p.lat, p.lng, 7000, p_open_from => '2030-01-08 03:00+00',
                                                                            p_open_to => '2030-01-08 04:30+00', p_after => c.cursor, p_limit => 5) r2)
                  is distinct from e.slot_page_2),
  0, 'an open slot tomorrow, the second page through the cursor: as brute force');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, p_available_now => true,
                          p_open_from => '2030-01-08 03:00+00', p_open_to => '2030-01-08 12:00+00', p_limit => 8) r)
                  is distinct from e.both),
  0, 'open now and with a slot tomorrow: both tests, as brute force');
select cmp_ok((select sum(cardinality(e.now_rated))::int from open_expected e), '>', 50, 'the availability comparisons are not empty');
select cmp_ok((select count(*)::int from open_expected e
                where exists (select 1 from cp_points p
                               cross join lateral pg_temp.brute_open(p.lat, p.lng, 8000, null, null, '2030-01-08 06:00+00', null, null, 0, 20) b
                              where p.k = e.k and b && e.on_time_off)), '>', 10,
  'providers on time off now would be on most pages tomorrow, when they are free (time off decides today''s pages)');
select is(private.discovery_path(private.discovery_prepare('provider', 'near', -30, 40, 5000, null, null, null, null,
            tests.category_id('cp-root'), 4, true, false, null, null, '2030-01-08 03:00+00', '2030-01-08 04:30+00', 'distance', null, 20, 100)),
  'open', 'nearby by distance with availability filters takes the category''s walk of providers accepting work');
select is(private.discovery_path(private.discovery_prepare('listing', 'near', -30, 40, 5000, null, null, null, null,
            tests.category_id('cp-root'), null, false, false, 100, 9000, null, null, 'distance', null, 20, 100)),
  'listings', 'listings nearby by distance with a category and a price range take the category''s walk');
select tests.clear_authentication();

-- "Available now" inside the window of private.provider_open_periods (the periods of weekly hours
-- around the present, kept by the minute's job and by triggers): the walk visits only providers
-- whose hours cover the moment, and returns what brute force does.
select tests.reset_authentication();
create temp view expected_open as
  select pp.id as provider_id, c.id as category_id,
         tstzrange((g.day::date + r.start_time) at time zone pp.timezone, (g.day::date + r.end_time) at time zone pp.timezone) as period,
         pp.base_location::text as location
    from public.provider_profiles pp
   cross join private.provider_open_window w
   cross join lateral unnest(pp.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) c(id)
    join public.availability_rules r on r.provider_id = pp.id
   cross join generate_series((w.covered_from at time zone pp.timezone)::date - 1, (w.covered_until at time zone pp.timezone)::date + 1,
                              interval '1 day') g(day)
   where r.weekday = extract(dow from g.day) and pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null
     and tstzrange((g.day::date + r.start_time) at time zone pp.timezone, (g.day::date + r.end_time) at time zone pp.timezone)
         && tstzrange(w.covered_from, w.covered_until);
create temp view actual_open as
  select provider_id, category_id, period, location::text as location from private.provider_open_periods;
select cmp_ok(private.refresh_provider_open_periods()::int, '>', 500,
  'the rebuild around the frozen present writes a row per provider, category and period of hours overlapping the window');
select set_eq('select * from actual_open', 'select * from expected_open',
  'the open periods: every visible provider''s hours overlapping [now - 1 min, now + the horizon)');
select is((select round(open_share::numeric, 6) from private.provider_open_window),
          (select round((count(*) filter (where exists (
                    select from public.availability_rules r
                     where r.provider_id = pp.id and r.weekday = extract(dow from l.at)
                       and r.start_time <= l.at::time and l.at::time < r.end_time)))::numeric / count(*), 6)
             from public.provider_profiles pp
            cross join lateral (select timestamptz '2030-01-07 06:00+00' at time zone pp.timezone as at) l
            where pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null
              and exists (select from public.availability_rules r where r.provider_id = pp.id)),
  'the window records the share of providers with weekly hours open now');
-- Whatever that share, the searches below read the open periods.
update private.settings set value = '1.01' where key = 'discovery.open_periods_max_share';
grant select on open_expected to authenticated;
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, p_available_now => true) r)
                  is distinct from e.now_all),
  0, 'available now through the open periods, 25 points: the same 20 providers in the same order as brute force');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 9000, tests.category_id('cp-leaf-a'), 3.8,
                                                                                p_available_now => true, p_limit => 6) r)
                  is distinct from e.now_rated),
  0, 'through the open periods, a category with a minimum rating (checked with the toggle, a batch at a time): as brute force');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, p_available_now => true,
                          p_open_from => '2030-01-08 03:00+00', p_open_to => '2030-01-08 12:00+00', p_limit => 8) r)
                  is distinct from e.both),
  0, 'through the open periods, open now and with a slot tomorrow: as brute force');
select tests.reset_authentication();
-- When at least discovery.open_periods_max_share of them is open, the category's walk serves
-- instead (here the periods are emptied: the pages are still right).
savepoint choice;
update private.settings set value = to_jsonb((select open_share from private.provider_open_window) - 0.001)
 where key = 'discovery.open_periods_max_share';
delete from private.provider_open_periods;
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from cp_points p join open_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, p_available_now => true) r)
                  is distinct from e.now_all),
  0, 'with a share open above the setting, available now walks the category''s table (the periods emptied): as brute force');
select tests.reset_authentication();
rollback to savepoint choice;

-- Kept by triggers: hours removed, added, moved; a move; a new time zone; hiding; a new category.
delete from public.availability_rules where provider_id = tests.get_supabase_uid('cp_p13');
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select tests.get_supabase_uid('cp_p' || n), 1, '05:30', '06:30' from generate_series(20, 60, 10) n;
update public.availability_rules set provider_id = tests.get_supabase_uid('cp_p25') where provider_id = tests.get_supabase_uid('cp_p14');
update public.provider_profiles set base_location = tests.point(-30.05, 40.05) where id = tests.get_supabase_uid('cp_p16');
update public.provider_profiles set timezone = 'Asia/Kolkata' where id = tests.get_supabase_uid('cp_p17');
update public.provider_profiles set hidden_at = now() where id = tests.get_supabase_uid('cp_p18');
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
values (tests.get_supabase_uid('cp_p19'), tests.category_id('cp-dense'), 'cp new category', 'hourly', 5000, true);
select set_eq('select * from actual_open', 'select * from expected_open',
  'rules removed, added and moved to another provider, a move, a time zone, hiding and a new category are followed at once');

-- The minute's job: the periods starting in the next slice come in zone by zone, the ended go.
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select pp.id, 1, (timestamptz '2030-01-07 06:20+00' at time zone pp.timezone)::time, '23:00'
  from generate_series(6, 296, 7) n
  join public.provider_profiles pp on pp.id = tests.get_supabase_uid('cp_p' || n)
 where n not in (20, 30, 40, 50, 60);
select tests.freeze_time('2030-01-07 06:12:00+00');
select is(private.tick_provider_open_periods() > 0, true, 'the job adds the periods that start before now + the horizon');
select is((select (covered_from, covered_until) from private.provider_open_window),
          (timestamptz '2030-01-07 06:11:00+00', timestamptz '2030-01-07 06:22:00+00'), 'and moves the window');
select set_eq('select * from actual_open', 'select * from expected_open',
  'after the job: the same rows as a rebuild for the new window (zone by zone: Dubai and Kolkata)');

-- A change made while the job held the window was queued (private.provider_open_resync): the
-- job's next run rewrites that provider's rows and empties the queue.
delete from private.provider_open_periods where provider_id = tests.get_supabase_uid('cp_p22');
insert into private.provider_open_resync (provider_id) values (tests.get_supabase_uid('cp_p22'));
select tests.freeze_time('2030-01-07 06:13:00+00');
select private.tick_provider_open_periods();
select set_eq('select * from actual_open', 'select * from expected_open', 'the job rewrites the queued provider''s rows');
select is((select count(*)::int from private.provider_open_resync), 0, 'and empties the queue');

-- Night (midnight in Dubai, where the day's hours and the next day's meet): the few open are
-- found without walking the others.
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select tests.get_supabase_uid('cp_p' || n), d.weekday, d.opens, d.closes
  from generate_series(70, 290, 10) n, (values (1, '22:00'::time, '24:00'::time), (2, '00:00', '02:00')) d(weekday, opens, closes)
 where n % 7 <> 6;
select tests.freeze_time('2030-01-07 20:00:00+00');
select is(private.tick_provider_open_periods() > 0, true, 'a job after a gap longer than the horizon rebuilds the window');
create temp table night_expected as
  select p.k, pg_temp.brute_open(p.lat, p.lng, 20000, null, null, '2030-01-07 20:00+00', null, null, 0, 20) as now_all from cp_points p;
grant select on night_expected to authenticated;
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from cp_points p join night_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 20000, p_available_now => true) r)
                  is distinct from e.now_all),
  0, 'available now at night through the open periods: as brute force');
select cmp_ok((select sum(cardinality(now_all))::int from night_expected), '>', 25, 'and some are open at night');
select tests.reset_authentication();
-- Inside the window the search reads the open periods only; outside it, it walks the providers.
delete from private.provider_open_periods;
select is((select count(*)::int from cp_points p
            where exists (select from public.search_providers_nearby(p.lat, p.lng, 20000, p_available_now => true))),
  0, 'inside the window the search reads the open periods (emptied here: nothing found)');
select tests.freeze_time('2030-01-07 20:10:00+00');
select is((select count(*)::int from cp_points p join night_expected e using (k)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 20000, p_available_now => true) r)
                  is distinct from e.now_all),
  0, 'at the end of the window (the job late) the search walks the providers instead: as brute force');

-- A clock change: 01:30 in New York on the night clocks go back happens twice; a rule of
-- 01:00-01:45 that day keeps its provider open at the first one too (the period is widened).
select tests.create_provider('cp_ny', 10, 10);
update public.provider_profiles set timezone = 'America/New_York' where id = tests.get_supabase_uid('cp_ny');
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
values (tests.get_supabase_uid('cp_ny'), 0, '01:00', '01:45');
select tests.freeze_time('2030-11-03 05:30:00+00');
select private.refresh_provider_open_periods();
select is(array(select private.providers_open_at(array[tests.get_supabase_uid('cp_ny')], '2030-11-03 05:30+00')),
          array[tests.get_supabase_uid('cp_ny')], 'at 05:30 UTC (01:30 EDT) the rule keeps the provider open');
select is(array(select provider_id from public.search_providers_nearby(10, 10, 1000, p_available_now => true)),
          array[tests.get_supabase_uid('cp_ny')], 'and the open periods find it (widened by the change of the clocks)');

-- Time zones far from UTC, with half-hour offsets and clock changes (the United States, Europe,
-- Lord Howe's half hour), and rules around local midnight: the job's slices and a provider's rows
-- against a brute force over every local day, and the exact test never outside the periods.
select setseed(0.14);
create temp table zp as
select tests.create_provider('zp_' || z.i, -60 + z.i * 0.01, -60, available => true) as id, z.tz
  from (select row_number() over () as i, tz from unnest(array['Pacific/Kiritimati','America/Los_Angeles','Asia/Kathmandu','Europe/London','Australia/Lord_Howe','America/St_Johns','Pacific/Pago_Pago','UTC']) tz) z;
update public.provider_profiles pp set timezone = zp.tz from zp where pp.id = zp.id;
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select zp.id, d, r.s, r.e from zp, generate_series(0,6) d, (values ('00:00'::time,'01:30'::time), ('01:45','03:15'), ('09:00','17:00'), ('22:30','24:00')) r(s,e);
create temp table brute as
select pp.id as provider_id, tstzrange(((g.day::date + r.start_time) at time zone pp.timezone) - private.clock_shift(g.day::date, pp.timezone),
                                       ((g.day::date + r.end_time) at time zone pp.timezone) + private.clock_shift(g.day::date, pp.timezone)) as period
  from public.provider_profiles pp join zp on zp.id = pp.id
  join public.availability_rules r on r.provider_id = pp.id
 cross join generate_series(timestamp '2030-03-01', timestamp '2030-11-30', interval '1 day') g(day)
 where r.weekday = extract(dow from g.day);
create index on brute using gist (provider_id, period);
analyze zp;
analyze brute;
create temp table windows as
select a, a + (interval '1 minute' * (1 + (random() * 2000)::int)) as b
  from (select timestamptz '2030-03-05 00:00+00' + interval '1 minute' * (random() * 60 * 24 * 250)::int as a from generate_series(1, 60)) x
union all values ('2030-03-10 09:30+00'::timestamptz, '2030-03-10 10:30+00'::timestamptz), ('2030-11-03 08:00+00', '2030-11-03 10:00+00'),
  ('2030-03-31 00:30+00', '2030-03-31 01:30+00'), ('2030-10-27 00:00+00', '2030-10-27 02:00+00'), ('2030-04-06 15:00+00', '2030-04-06 16:00+00');
analyze windows;
select is((select count(*)::int from windows w
 where exists ((select s.provider_id, s.period from private.provider_open_periods_starting(w.a, w.b) s join zp on zp.id = s.provider_id
                 where s.category_id = '00000000-0000-0000-0000-000000000000'
                except select b.provider_id, b.period from brute b where lower(b.period) >= w.a and lower(b.period) < w.b)
               union all
               (select b.provider_id, b.period from brute b where lower(b.period) >= w.a and lower(b.period) < w.b
                except select s.provider_id, s.period from private.provider_open_periods_starting(w.a, w.b) s join zp on zp.id = s.provider_id
                 where s.category_id = '00000000-0000-0000-0000-000000000000'))), 0,
  'the job''s slices (zone by zone, through the rules'' index) hold exactly the periods starting in them, in eight zones over 65 windows');
select is((select count(*)::int from windows w
 where exists ((select o.provider_id, o.period from zp join public.provider_profiles pp on pp.id = zp.id cross join lateral private.provider_open_period_rows(pp, w.a, w.b) o
                 where o.category_id = '00000000-0000-0000-0000-000000000000'
                except select b.provider_id, b.period from brute b where b.period && tstzrange(w.a, w.b))
               union all
               (select b.provider_id, b.period from brute b where b.period && tstzrange(w.a, w.b)
                except select o.provider_id, o.period from zp join public.provider_profiles pp on pp.id = zp.id cross join lateral private.provider_open_period_rows(pp, w.a, w.b) o
                 where o.category_id = '00000000-0000-0000-0000-000000000000'))), 0,
  'a provider''s rows for a window hold exactly its periods overlapping it');
-- superset: for random moments, every provider providers_open_at keeps has a period containing it
select is((select count(*)::int from (select timestamptz '2030-03-05 00:00+00' + interval '1 minute' * (random() * 60 * 24 * 250)::int as t from generate_series(1, 300)
  union all select '2030-11-03 08:30+00' union all select '2030-11-03 09:15+00' union all select '2030-03-10 10:05+00' union all select '2030-04-06 15:45+00') m
 where exists (select from private.providers_open_at((select array_agg(id) from zp), m.t) o(id)
                where not exists (select from brute b where b.provider_id = o.id and b.period @> m.t))), 0,
  'at 304 moments (clock changes in the United States, Europe and Lord Howe among them) every provider open by the exact test has a period containing the moment');

------------------------------------------------------------------------------------------------
-- The planar walk (Web Mercator, ..0304): exact where the plane's order differs from the true
-- one, through ties on the plane, and not used across the antimeridian or near the poles.
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
insert into public.categories (slug, names) values ('cp-planar', '{"en": "CP planar", "ar": "ج"}');
-- 200 providers within ~11 km of (80, 20), where the plane's scale changes by 4 % across the
-- radius; 30 at one spot of (60, 10); 6 on both sides of the antimeridian at (-16.8, 180).
select tests.create_provider('cp_pl' || n, 80 + ((n * 37) % 101 - 50) * 0.002, 20 + ((n * 53) % 101 - 50) * 0.012,
         category => tests.category_id('cp-planar'),
         profile => jsonb_build_object('rating_avg', 3 + (n % 21) * 0.1, 'rating_count', 5, 'rating_sum', round((3 + (n % 21) * 0.1) * 5)))
  from generate_series(1, 200) n;
select tests.create_provider('cp_tie' || n, 60, 10, category => tests.category_id('cp-planar')) from generate_series(1, 30) n;
select tests.create_provider('cp_am' || n, -16.8 + n * 0.001, case when n % 2 = 0 then 179.99 - n * 0.002 else -179.99 + n * 0.002 end,
         category => tests.category_id('cp-planar'))
  from generate_series(1, 6) n;
select is((select count(*)::int from private.provider_category_points x
            where x.position operator(extensions.~=) private.discovery_position(x.location)
              and x.category_id = tests.category_id('cp-planar')), 236,
  'each row''s plane position is the Web Mercator position of its base');
create temp table planar_points as
  select k, 80 + (k % 3 - 1) * 0.04 as lat, 20 + (k / 3 - 1) * 0.25 as lng from generate_series(0, 8) k;
grant select on planar_points to authenticated;
-- And two more 17 km east of them, 3000 m due north and 3003 m due south of (80, 21.5): the
-- northern one is nearer, but farther on the plane (its scale grows towards the pole).
select tests.create_provider('cp_north', 80 + degrees(3000 / 6371008.7714), 21.5, category => tests.category_id('cp-planar'));
select tests.create_provider('cp_south', 80 - degrees(3003 / 6371008.7714), 21.5, category => tests.category_id('cp-planar'));
select ok((select n.base_location operator(extensions.<->) tests.point(80, 21.5) < s.base_location operator(extensions.<->) tests.point(80, 21.5)
              and private.discovery_position(n.base_location) operator(extensions.<->) private.discovery_position(tests.point(80, 21.5))
                  > private.discovery_position(s.base_location) operator(extensions.<->) private.discovery_position(tests.point(80, 21.5))
             from public.provider_profiles n, public.provider_profiles s
            where n.id = tests.get_supabase_uid('cp_north') and s.id = tests.get_supabase_uid('cp_south')),
  'the plane orders the two the other way round from their true distance');
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from planar_points p, (values (1), (4), (20)) l(n)
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 15000, tests.category_id('cp-planar'),
                                                                                p_limit => l.n) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-planar'), null, 15000, 0, l.n)),
  0, 'at 80 degrees north, 9 points, pages of 1, 4 and 20: the same providers in the same order as brute force');
select is(array(select r.provider_id from public.search_providers_nearby(80, 21.5, 5000, tests.category_id('cp-planar'), p_limit => 1) r
                union all
                select r2.provider_id
                  from (select r.cursor from public.search_providers_nearby(80, 21.5, 5000, tests.category_id('cp-planar'), p_limit => 1) r) c
                 cross join lateral public.search_providers_nearby(80, 21.5, 5000, tests.category_id('cp-planar'), p_after => c.cursor,
                                                                   p_limit => 1) r2),
          array[tests.get_supabase_uid('cp_north'), tests.get_supabase_uid('cp_south')],
  'pages of one at (80, 21.5): the northern provider first, then the southern one');
select is((select count(*)::int from planar_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_nearby(p.lat, p.lng, 15000, tests.category_id('cp-planar'), 4,
                                                                                    p_limit => 3) r offset 2) c
                          cross join lateral public.search_providers_nearby(p.lat, p.lng, 15000, tests.category_id('cp-planar'), 4,
                                                                            p_after => c.cursor, p_limit => 3) r2)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-planar'), 4, 15000, 3, 3)),
  0, 'and with a minimum rating, the second page through the cursor');
select is((select count(*)::int from private.discovery_category_nearest(tests.point(60.001, 10), 5000, tests.category_id('cp-planar'),
                                                                         null, null, null, 20)), 30,
  'thirty providers at one spot: the walk reads past its first batch and returns the page with all its ties');
select is(array(select r.provider_id from public.search_providers_nearby(60.001, 10, 5000, tests.category_id('cp-planar'), p_limit => 20) r
                union all
                select r2.provider_id
                  from (select r.cursor from public.search_providers_nearby(60.001, 10, 5000, tests.category_id('cp-planar'), p_limit => 20) r
                         offset 19) c
                 cross join lateral public.search_providers_nearby(60.001, 10, 5000, tests.category_id('cp-planar'), p_after => c.cursor) r2),
          pg_temp.brute(60.001, 10, tests.category_id('cp-planar'), null, 5000, 0, 40),
  'and two pages of them through the cursor: all thirty once, by id, as brute force');
select tests.reset_authentication();
select tests.create_provider('cp_edge', 60.01, 10.01, category => tests.category_id('cp-planar'));
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from public.search_providers_in_bounds(60, 10, 60.01, 10.01, tests.category_id('cp-planar'), p_limit => 40)),
  31, 'map bounds with providers on two corners (the thirty at the south-west one, one at the north-east): edges included');
select ok(private.discovery_planar_ok(tests.point(80, 20), 15000)
          and not private.discovery_planar_ok(tests.point(84.95, 20), 15000)
          and not private.discovery_planar_ok(tests.point(-16.8, 179.97), 5000)
          and not private.discovery_planar_ok(tests.point(-16.8, -179.97), 5000)
          and private.discovery_planar_ok(tests.point(-16.8, 179.9), 5000),
  'the planar walk serves 80 degrees north and 10 km from the antimeridian, not 15 km from 85 degrees nor 3 km from the antimeridian');
select is(array(select r.provider_id from public.search_providers_nearby(-16.797, 179.999, 5000, tests.category_id('cp-planar')) r),
          pg_temp.brute(-16.797, 179.999, tests.category_id('cp-planar'), null, 5000, 0, 20),
  'at the antimeridian the search takes the general query: providers on both sides, as brute force');
select is(cardinality(pg_temp.brute(-16.797, 179.999, tests.category_id('cp-planar'), null, 5000, 0, 20)), 6,
  'and both sides are there');

select * from finish();
rollback;
