-- Module discovery, the coverage cells (private.provider_coverage_cells): kept in step with
-- provider_profiles by their triggers (moves, radius changes, drawn areas, categories, ratings,
-- prices, hiding, closing), a partition per service category, no covered point outside a
-- provider's cells, the distances that decide coverage without the area telling the truth, and the
-- covering searches sorted by rating or price returning exactly what brute force returns, page
-- after page, ties included.
begin;
select plan(27);

select tests.freeze_time('2030-01-07 06:00:00+00');
-- The covering searches read the new structures where at least this many areas reach the point
-- (500 in a city); one here, so the region's 300 providers take those paths.
update private.settings set value = '1' where key = 'discovery.covering_probe';
insert into public.categories (slug, names)
select v.slug, '{"en": "CV", "ar": "ج"}' from (values ('cv-a'), ('cv-b')) as v(slug);

select ok(to_regclass('private.provider_coverage_cells_' || replace(tests.category_id('cv-a')::text, '-', '')) is not null,
  'a new service category gets its own partition of the coverage cells');

-- 300 providers within ~25 km of (10, 20): radii of 2 to 20 km, a few of 60 km (cells of a
-- coarser level); every 23rd draws an area beside its base (the base is outside it), every 29th
-- one around its base. Prices and ratings repeat, so sort keys tie.
select tests.create_provider('cv_p' || n, 10 + ((n * 37) % 300 - 150) * 0.0015, 20 + ((n * 53) % 300 - 150) * 0.0015,
         radius_m => case when n % 17 = 0 then 60000 else 2000 + ((n * 7) % 19) * 1000 end,
         available => n % 2 = 0,
         profile => jsonb_build_object('rating_avg', 3 + (n % 5) * 0.5, 'rating_count', n % 4, 'rating_sum', round((3 + (n % 5) * 0.5) * (n % 4)))
           || case when n % 23 = 0 then jsonb_build_object('service_area', extensions.st_geogfromtext(format(
                     'MULTIPOLYGON(((%1$s %2$s,%3$s %2$s,%3$s %4$s,%1$s %4$s,%1$s %2$s)))',
                     20 + ((n * 53) % 300 - 150) * 0.0015 + 0.02, 10 + ((n * 37) % 300 - 150) * 0.0015 - 0.05,
                     20 + ((n * 53) % 300 - 150) * 0.0015 + 0.12, 10 + ((n * 37) % 300 - 150) * 0.0015 + 0.05)))
                   when n % 29 = 0 then jsonb_build_object('service_area', extensions.st_geogfromtext(format(
                     'MULTIPOLYGON(((%1$s %2$s,%3$s %2$s,%3$s %4$s,%1$s %4$s,%1$s %2$s)))',
                     20 + ((n * 53) % 300 - 150) * 0.0015 - 0.03, 10 + ((n * 37) % 300 - 150) * 0.0015 - 0.04,
                     20 + ((n * 53) % 300 - 150) * 0.0015 + 0.05, 10 + ((n * 37) % 300 - 150) * 0.0015 + 0.02)))
                   else '{}' end)
  from generate_series(1, 300) n;
-- One based 150 km away whose drawn area covers the whole region.
select tests.create_provider('cv_far', 11.35, 20, profile => jsonb_build_object('service_area',
         extensions.st_geogfromtext('MULTIPOLYGON(((19.6 9.6,20.4 9.6,20.4 10.4,19.6 10.4,19.6 9.6)))')));
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
select tests.get_supabase_uid('cv_p' || n), tests.category_id(case when n % 3 = 0 then 'cv-b' else 'cv-a' end),
       'cv listing ' || n, case when n % 11 = 0 then 'quote' else 'hourly' end,
       case when n % 11 = 0 then 0 else 5000 + (n % 4) * 1000 end, true
  from generate_series(1, 300) n
union all
select tests.get_supabase_uid('cv_far'), tests.category_id('cv-a'), 'cv far', 'fixed', 4000, true;

create temp view expected_cells as
  select r.* from public.provider_profiles pp cross join lateral private.provider_coverage_rows(pp) r;
create temp view expected_pairs as
  select c.id as category_id, pp.id as provider_id
    from public.provider_profiles pp
   cross join lateral unnest(pp.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) c(id)
   where pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null;

select set_eq('select distinct category_id, provider_id from private.provider_coverage_cells', 'select * from expected_pairs',
  'rows for every visible provider in each of its categories (with ancestors) and the nil category');
select is((select count(*)::int from (select category_id, provider_id, count(*) n from private.provider_coverage_cells
                                       group by 1, 2 having count(*) not between 1 and 4) q), 0,
  'an area touches 1 to 4 cells at its level');
select set_eq('select * from private.provider_coverage_cells', 'select * from expected_cells',
  'the rows are the provider''s rows (cells, base, coverage distances, sort keys)');

-- Sample points: a 9 x 9 grid over the region, and points just inside and just outside circles.
create temp table cv_points as
  select k, 10 + (k % 9 - 4) * 0.045 as lat, 20 + (k / 9 - 4) * 0.045 as lng from generate_series(0, 80) k
  union all
  select 100 + n * 2 + f.i, extensions.st_y(q.g::extensions.geometry), extensions.st_x(q.g::extensions.geometry)
    from generate_series(1, 12) n
   cross join (values (0, 0.9993::float8), (1, 1.0007::float8)) f(i, factor)
   cross join lateral (select extensions.st_project(pp.base_location, pp.service_radius_m * f.factor, radians(40 + n * 25)) as g
                         from public.provider_profiles pp where pp.id = tests.get_supabase_uid('cv_p' || n)) q
  union all
  -- Corners of the far provider's area, where few other areas reach.
  select 200 + v.i, v.lat, v.lng from (values (0, 10.39, 19.61), (1, 9.61, 20.39), (2, 10.39, 20.39), (3, 9.7, 19.7)) v(i, lat, lng);
grant select on cv_points to authenticated;

select is((select count(*)::int
             from cv_points p
             join public.provider_profiles pp on extensions.st_intersects(pp.coverage, tests.point(p.lat, p.lng))
            where pp.deleted_at is null and pp.hidden_at is null
              and not exists (select from private.provider_coverage_cells_all x
                               where x.provider_id = pp.id
                                 and x.cell_key in (select private.coverage_cell_key(z, p.lat, p.lng) from generate_series(0, 16) z))),
  0, 'every covered sample point lies in one of the provider''s cells');
select is((select count(*)::int
             from cv_points p
             join private.provider_coverage_cells_all x on true
             join public.provider_profiles pp on pp.id = x.provider_id
            cross join lateral (select x.location operator(extensions.<->) tests.point(p.lat, p.lng) as d) d
            where (d.d < x.cover_inner * 0.999 - 0.01 and not extensions.st_intersects(pp.coverage, tests.point(p.lat, p.lng)))
               or (d.d > x.cover_outer * 1.001 + 0.01 and extensions.st_intersects(pp.coverage, tests.point(p.lat, p.lng)))),
  0, 'nearer than the boundary distance is covered, farther than the farthest vertex is not (every provider, every point)');
select cmp_ok((select count(*)::int from cv_points p join public.provider_profiles pp
                 on extensions.st_intersects(pp.coverage, tests.point(p.lat, p.lng)) where p.k >= 100), '>=', 12,
  'the points around the circles are covered by their provider when just inside');

-- Brute force: providers whose area covers the point, by reputation or price, then distance, id.
create function pg_temp.brute(p_lat float8, p_lng float8, p_category uuid, p_sort text, p_min_rating numeric,
                              p_min_price bigint, p_max_price bigint, p_offset int, p_limit int)
returns uuid[] language sql as $$
  select array(select pp.id
                 from public.provider_profiles pp
                where pp.deleted_at is null and pp.hidden_at is null
                  and (p_category is null or pp.category_ids @> array[p_category])
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and (p_min_price is null or pp.price_from >= p_min_price)
                  and (p_max_price is null or pp.price_from <= p_max_price)
                  and extensions.st_intersects(pp.coverage, tests.point(p_lat, p_lng))
                order by case p_sort when 'rating' then -pp.reputation_score::float8
                                     else coalesce(pp.price_from::float8, 1e15) end,
                         pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng), pp.id
               offset p_offset limit p_limit)
$$;
grant execute on function pg_temp.brute(float8, float8, uuid, text, numeric, bigint, bigint, int, int) to authenticated;
create function pg_temp.brute_relevance(p_lat float8, p_lng float8, p_category uuid, p_min_rating numeric, p_offset int, p_limit int)
returns uuid[] language sql as $$
  select array(select pp.id
                 from public.provider_profiles pp
                cross join lateral (select pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng) as d) d
                where pp.deleted_at is null and pp.hidden_at is null
                  and (p_category is null or pp.category_ids @> array[p_category])
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and extensions.st_intersects(pp.coverage, tests.point(p_lat, p_lng))
                order by -(0.45 * greatest(0, 1 - d.d / 25000) + 0.35 * pp.reputation_score::float8 / 5
                           + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int), d.d, pp.id
               offset p_offset limit p_limit)
$$;
grant execute on function pg_temp.brute_relevance(float8, float8, uuid, numeric, int, int) to authenticated;

select tests.authenticate_as('cv_p10');
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'), 4,
                                                                                  p_sort => 'rating') r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cv-a'), 'rating', 4, null, null, 0, 20)),
  0, 'covering, by rating, a category and a minimum rating, 109 points: the same 20 in the same order as brute force');
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-b'),
                                                                                  p_sort => 'price', p_limit => 7) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cv-b'), 'price', null, null, null, 0, 7)),
  0, 'covering, by price in a category, 7 a page (prices tie: by distance): as brute force');
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, p_min_price => 5500,
                                                                                  p_max_price => 7000, p_sort => 'price') r)
                  is distinct from pg_temp.brute(p.lat, p.lng, null, 'price', null, 5500, 7000, 0, 20)),
  0, 'covering, by price within a price range among all providers: as brute force');
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, p_sort => 'price', p_limit => 100) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, null, 'price', null, null, null, 0, 100)),
  0, 'covering, by price among all providers, 100 a page: providers without a price last, as brute force');
select is((select count(*)::int from cv_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_covering(p.lat, p.lng, p_sort => 'rating', p_limit => 4) r
                                 offset 3) c
                          cross join lateral public.search_providers_covering(p.lat, p.lng, p_sort => 'rating', p_after => c.cursor,
                                                                              p_limit => 4) r2)
                  is distinct from pg_temp.brute(p.lat, p.lng, null, 'rating', null, null, null, 4, 4)),
  0, 'covering, by rating, the second page through the cursor: as brute force');
select is((select count(*)::int from cv_points p
            where array(select r3.provider_id
                          from (select r.cursor from public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'),
                                                                                      p_sort => 'price', p_limit => 9) r
                                 offset 8) c
                          cross join lateral (select r2.cursor from public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'),
                                                 p_sort => 'price', p_after => c.cursor, p_limit => 9) r2 offset 8) c2
                          cross join lateral public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'), p_sort => 'price',
                                                                              p_after => c2.cursor, p_limit => 9) r3)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cv-a'), 'price', null, null, null, 18, 9)),
  0, 'covering, by price in a category, the third page through the cursors: as brute force');
select cmp_ok((select sum(cardinality(pg_temp.brute(p.lat, p.lng, tests.category_id('cv-b'), 'price', null, null, null, 0, 7)))::int
                 from cv_points p), '>', 400, 'the comparisons are not empty');
select is((select array_agg(private.discovery_path(private.discovery_prepare('provider', 'covering', 10, 20, null, null, null, null, null,
                                null, null, false, false, null, null, null, null, v.sort, null, 20, 100)) order by v.sort)
             from (values ('distance'), ('price'), ('rating'), ('relevance')) v(sort)),
          array['distance', 'covering', 'covering', 'ranked'],
  'covering searches by distance, price, rating and relevance take the per-category table and the coverage cells');
-- By distance: the category's walk from the point, covering only, and drawn areas of providers
-- based over 100 km away.
create function pg_temp.brute_distance(p_lat float8, p_lng float8, p_category uuid, p_min_rating numeric, p_offset int, p_limit int)
returns uuid[] language sql as $$
  select array(select pp.id
                 from public.provider_profiles pp
                where pp.deleted_at is null and pp.hidden_at is null
                  and (p_category is null or pp.category_ids @> array[p_category])
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and extensions.st_intersects(pp.coverage, tests.point(p_lat, p_lng))
                order by pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng), pp.id
               offset p_offset limit p_limit)
$$;
grant execute on function pg_temp.brute_distance(float8, float8, uuid, numeric, int, int) to authenticated;
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'), 3.5) r)
                  is distinct from pg_temp.brute_distance(p.lat, p.lng, tests.category_id('cv-a'), 3.5, 0, 20)),
  0, 'covering, by distance, a category and a minimum rating, 109 points: as brute force');
select is((select count(*)::int from cv_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_covering(p.lat, p.lng, p_limit => 5) r offset 4) c
                          cross join lateral public.search_providers_covering(p.lat, p.lng, p_after => c.cursor, p_limit => 5) r2)
                  is distinct from pg_temp.brute_distance(p.lat, p.lng, null, null, 5, 5)),
  0, 'covering, by distance among all providers, the second page through the cursor: as brute force');
select is((select count(*)::int from cv_points p
            where p.k >= 200
              and tests.get_supabase_uid('cv_far') = any (array(select r.provider_id
                                                                   from public.search_providers_covering(p.lat, p.lng, p_limit => 100) r))),
  4, 'the provider based 150 km away is found by distance at the corners its area covers');
-- By relevance: the per-category table cell by cell within 25 km, covering only, and the areas of
-- providers based farther when the page has room for them (the corners).
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, p_sort => 'relevance') r)
                  is distinct from pg_temp.brute_relevance(p.lat, p.lng, null, null, 0, 20)),
  0, 'covering, by relevance among all providers, 109 points: as brute force');
select is((select count(*)::int from cv_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'), 3.5,
                                                                                      p_sort => 'relevance', p_limit => 6) r
                                 offset 5) c
                          cross join lateral public.search_providers_covering(p.lat, p.lng, tests.category_id('cv-a'), 3.5,
                                                                              p_sort => 'relevance', p_after => c.cursor, p_limit => 6) r2)
                  is distinct from pg_temp.brute_relevance(p.lat, p.lng, tests.category_id('cv-a'), 3.5, 6, 6)),
  0, 'covering, by relevance in a category with a minimum rating, the second page through the cursor: as brute force');
select is((select count(*)::int from cv_points p
            where p.k >= 200
              and tests.get_supabase_uid('cv_far') = any (array(select r.provider_id
                                                                   from public.search_providers_covering(p.lat, p.lng, p_sort => 'relevance') r))),
  4, 'the provider based 150 km away is on the relevance page at the corners its area covers');
select tests.reset_authentication();

-- The rows follow moves, radius changes, drawn areas, categories, ratings, prices, hiding and closing.
update public.provider_profiles set base_location = tests.point(10.2, 20.2) where id = tests.get_supabase_uid('cv_p1');
update public.provider_profiles set service_radius_m = 45000 where id = tests.get_supabase_uid('cv_p2');
update public.provider_profiles set service_area = extensions.st_geogfromtext('MULTIPOLYGON(((19.9 9.9,20.1 9.9,20.1 10.1,19.9 10.1,19.9 9.9)))')
 where id = tests.get_supabase_uid('cv_p3');
update public.provider_profiles set service_area = null where id = tests.get_supabase_uid('cv_p23');
update public.provider_profiles set rating_avg = 1.5 where id = tests.get_supabase_uid('cv_p4');
update public.provider_profiles set hidden_at = now() where id = tests.get_supabase_uid('cv_p5');
update public.profiles set deleted_at = now() where id = tests.get_supabase_uid('cv_p6');
update public.service_listings set category_id = tests.category_id('cv-b') where provider_id = tests.get_supabase_uid('cv_p7');
update public.service_listings set base_price = 900 where provider_id = tests.get_supabase_uid('cv_p8');
select set_eq('select * from private.provider_coverage_cells', 'select * from expected_cells',
  'moves, radius changes, drawn areas set and removed, ratings, prices, categories, hiding and closing are followed');
select is((select count(*)::int from private.provider_coverage_cells where provider_id in
            (tests.get_supabase_uid('cv_p5'), tests.get_supabase_uid('cv_p6'))), 0, 'hidden and closed providers have no rows');
select tests.authenticate_as('cv_p10');
select is((select count(*)::int from cv_points p
            where array(select r.provider_id from public.search_providers_covering(p.lat, p.lng, p_sort => 'rating', p_limit => 30) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, null, 'rating', null, null, null, 0, 30)),
  0, 'after the changes, covering by rating among all providers: as brute force');
select tests.reset_authentication();

select is(private.refresh_provider_coverage_cells(), (select count(*) from expected_cells), 'the rebuild writes the same rows');
select set_eq('select * from private.provider_coverage_cells', 'select * from expected_cells', 'and only them');
select is((select count(*)::int from private.provider_category_points_all a
             join private.provider_coverage_cells_all c using (provider_id)
            where (a.cover_inner, a.cover_outer) is distinct from (c.cover_inner, c.cover_outer)), 0,
  'the per-category table carries the same coverage distances');

select * from finish();
rollback;
