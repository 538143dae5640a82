-- Module discovery: search RPCs (near, covering, bounds, clusters; providers and listings),
-- filters, sorts, keyset pagination, validation codes, roles, and query plans on enough rows for
-- the planner to prefer indexes.
begin;
select plan(130);

------------------------------------------------------------------------------------------------
-- Fixtures around C = (10, 20), far from any seed data. Offsets are metres along a meridian
-- (exact on the sphere) or a parallel. The clock: Monday 2030-01-07 06:00 UTC = 10:00 in Dubai.
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 06:00:00+00');

create function pg_temp.deg(metres float8) returns float8 language sql immutable as
  $$ select metres / (6371008.8 * pi() / 180) $$;
create function pg_temp.u(n int) returns uuid language sql stable as
  $$ select tests.get_supabase_uid('disc_p' || n) $$;
create function pg_temp.listing(p_title text) returns uuid language sql stable as
  $$ select id from public.service_listings where title = p_title $$;
grant execute on function pg_temp.deg(float8), pg_temp.u(int), pg_temp.listing(text) to anon, authenticated, service_role;

insert into public.categories (slug, names) values
  ('disc-root', '{"en": "Disc root", "ar": "ج"}'),
  ('disc-other', '{"en": "Disc other", "ar": "ج"}');
insert into public.categories (slug, names, parent_id)
select v.slug, '{"en": "Disc", "ar": "ج"}', (select id from public.categories where slug = v.parent)
  from (values ('disc-leaf-a', 'disc-root'), ('disc-leaf-b', 'disc-root'), ('disc-other-leaf', 'disc-other')) as v(slug, parent);
insert into public.categories (slug, names, is_active) values ('disc-retired', '{"en": "Retired", "ar": "ج"}', false);
create function pg_temp.cat(p_slug text) returns uuid language sql stable as
  $$ select id from public.categories where slug = p_slug $$;
grant execute on function pg_temp.cat(text) to anon, authenticated, service_role;

select tests.create_supabase_user('disc_p' || n) from generate_series(1, 9) as n;
select tests.create_supabase_user('disc_customer');

insert into public.provider_profiles (id, display_name, base_location, service_radius_m, rating_avg, rating_count,
                                      is_available, is_verified)
select pg_temp.u(v.n), 'Disc provider ' || v.n,
       extensions.st_setsrid(extensions.st_makepoint(20 + v.east_deg, 10 + v.north_deg), 4326)::extensions.geography,
       v.radius, v.rating, v.cnt, v.avail, v.verified
  from (values
    (1, pg_temp.deg(1000), 0::float8, 5000, 4.80, 50, true, true),
    (2, 0, pg_temp.deg(2000) / cos(radians(10)), 1000, 4.20, 10, false, false),
    (3, pg_temp.deg(-3000), 0, 10000, 3.00, 3, true, false),
    (4, 0, pg_temp.deg(-15000) / cos(radians(10)), 20000, 5.00, 1, false, false),
    (5, pg_temp.deg(4000), 0, 10000, 4.90, 200, false, true),
    (6, pg_temp.deg(500), 0, 5000, 5.00, 99, true, true),
    (7, pg_temp.deg(50000), 0, 5000, 4.00, 5, true, false),
    (8, pg_temp.deg(-6000), 0, 3000, 2.00, 4, false, false),
    (9, pg_temp.deg(-6000), 0, 3000, 2.00, 4, false, false)
  ) as v(n, north_deg, east_deg, radius, rating, cnt, avail, verified);

insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
values
  (pg_temp.u(1), pg_temp.cat('disc-leaf-a'), 'disc L1a', 'hourly', 10000, true),
  (pg_temp.u(1), pg_temp.cat('disc-leaf-a'), 'disc L1b', 'fixed', 15000, true),
  (pg_temp.u(2), pg_temp.cat('disc-leaf-b'), 'disc L2', 'hourly', 5000, true),
  (pg_temp.u(3), pg_temp.cat('disc-leaf-a'), 'disc L3', 'fixed', 20000, true),
  (pg_temp.u(3), pg_temp.cat('disc-leaf-b'), 'disc L3 old', 'fixed', 1000, false),
  (pg_temp.u(4), pg_temp.cat('disc-other-leaf'), 'disc L4', 'fixed', 30000, true),
  (pg_temp.u(6), pg_temp.cat('disc-leaf-a'), 'disc L6', 'hourly', 100, true),
  (pg_temp.u(8), pg_temp.cat('disc-leaf-b'), 'disc L8', 'quote', 0, true);

-- Weekly hours (Dubai time; weekday 0 = Sunday) and time off.
insert into public.availability_rules (provider_id, weekday, start_time, end_time) values
  (pg_temp.u(1), 1, '08:00', '12:00'),
  (pg_temp.u(2), 1, '06:00', '09:00'),
  (pg_temp.u(2), 2, '13:00', '15:00'),
  (pg_temp.u(3), 1, '09:00', '17:00'),
  (pg_temp.u(3), 2, '09:00', '17:00'),
  (pg_temp.u(5), 1, '00:00', '23:59:59.999999');
insert into public.provider_time_off (provider_id, period)
values (pg_temp.u(3), tstzrange('2030-01-07 04:00+00', '2030-01-07 08:00+00'));

create function pg_temp.near(p_sort text default 'distance', p_radius float8 default 10000) returns uuid[] language sql stable as
  $$ select array(select provider_id from public.search_providers_nearby(10, 20, p_radius, p_sort => p_sort, p_limit => 100)) $$;
grant execute on function pg_temp.near(text, float8) to anon, authenticated, service_role;
-- p8 and p9 share a location: ties are ordered by id.
create function pg_temp.twins() returns uuid[] language sql stable as
  $$ select array(select unnest(array[pg_temp.u(8), pg_temp.u(9)]) as id order by id) $$;
grant execute on function pg_temp.twins() to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The functions: invoker, callable by the API roles.
------------------------------------------------------------------------------------------------
-- Provider 6 closed their account: never a search result (closed after its fixtures were written).
update public.profiles set deleted_at = now() where id = pg_temp.u(6);

select is(
  (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proname in ('search_providers_nearby', 'search_providers_covering',
      'search_providers_in_bounds', 'cluster_providers_in_bounds', 'search_listings_nearby',
      'search_listings_in_bounds', 'cluster_listings_in_bounds') and not p.prosecdef),
  7, 'the seven discovery RPCs exist and are security invoker');
select ok(
  (select bool_and(has_function_privilege(r, p.oid, 'execute'))
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
          unnest(array['anon', 'authenticated', 'service_role']) as r
    where n.nspname = 'public' and p.proname like any (array['search\_%', 'cluster\_%'])),
  'anon, authenticated and service_role may execute every discovery RPC');
select ok(
  (select bool_and(p.provolatile = 's') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proname like any (array['search\_%', 'cluster\_%'])),
  'discovery RPCs are stable (read-only transactions through the Data API)');

------------------------------------------------------------------------------------------------
-- Near a point: membership, order, distances.
------------------------------------------------------------------------------------------------
select is(pg_temp.near(), array[pg_temp.u(1), pg_temp.u(2), pg_temp.u(3), pg_temp.u(5)] || pg_temp.twins(),
  'nearby: providers within 10 km, nearest first, ties by id; deleted accounts and farther providers left out');
select ok(
  (select abs(distance_m - 1000) < 0.01 from public.search_providers_nearby(10, 20) where provider_id = pg_temp.u(1)),
  'distance_m is in metres (a provider 1 km north is 1000 m away)');
select ok(
  (select abs(distance_m - extensions.st_distance(
      (select base_location from public.provider_profiles where id = pg_temp.u(2)),
      extensions.st_setsrid(extensions.st_makepoint(20, 10), 4326)::extensions.geography, false)) < 0.001
     from public.search_providers_nearby(10, 20) where provider_id = pg_temp.u(2)),
  'distance_m is the great-circle distance on the sphere');
select is(pg_temp.near('distance', 3500), array[pg_temp.u(1), pg_temp.u(2), pg_temp.u(3)], 'a 3.5 km radius keeps providers up to 3.5 km');
select is(pg_temp.near('distance', 100000), array[pg_temp.u(1), pg_temp.u(2), pg_temp.u(3), pg_temp.u(5)] || pg_temp.twins()
  || array[pg_temp.u(4), pg_temp.u(7)], 'the largest radius (100 km) is allowed');
select ok(
  (select bool_and(r.display_name like 'Disc provider %' and r.username is not null and r.currency = 'AED'
                   and r.lat between 9 and 11 and r.lng between 19 and 21 and r.cursor is not null)
     from public.search_providers_nearby(10, 20) r),
  'rows carry the card fields, the position and a cursor');
select is(
  (select row(price_from, rating_avg, rating_count, is_available, is_verified)::text
     from public.search_providers_nearby(10, 20) where provider_id = pg_temp.u(1)),
  row(10000::bigint, 4.80::numeric, 50, true, true)::text,
  'price_from, rating and flags come from the provider profile');

-- Filters.
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_category_id => pg_temp.cat('disc-root'))),
  array[pg_temp.u(1), pg_temp.u(2), pg_temp.u(3), pg_temp.u(8)], 'a parent category matches providers of its subcategories');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_category_id => pg_temp.cat('disc-leaf-a'))),
  array[pg_temp.u(1), pg_temp.u(3)], 'a leaf category matches its providers only (inactive listings do not count)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, 20000, p_category_id => pg_temp.cat('disc-other'))),
  array[pg_temp.u(4)], 'category and radius combine');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_min_rating => 4.5)),
  array[pg_temp.u(1), pg_temp.u(5)], 'minimum rating');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_verified_only => true)),
  array[pg_temp.u(1), pg_temp.u(5)], 'verified only');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[pg_temp.u(1)],
  'available now: accepting work, inside weekly hours in Dubai time, not on time off (p3 is off, p5 is not accepting work)');
select tests.freeze_time('2030-01-07 09:00:00+00');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[pg_temp.u(3)], 'available now follows the clock: at 13:00 Dubai p1''s hours are over and p3''s time off has ended');
select tests.freeze_time('2030-01-07 06:00:00+00');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_min_price => 6000, p_max_price => 25000)),
  array[pg_temp.u(1), pg_temp.u(3)], 'price range on price_from (providers without a price are left out)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_max_price => 5000)),
  array[pg_temp.u(2)], 'maximum price alone');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-08 06:00+00', p_open_to => '2030-01-08 08:00+00')),
  array[pg_temp.u(3)], 'open slot in a window: Tuesday 10:00-12:00 Dubai matches p3 only');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-07 06:00+00', p_open_to => '2030-01-07 07:00+00')),
  array[pg_temp.u(1), pg_temp.u(5)], 'open slot in a window: time off removes p3 from Monday 10:00-11:00');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-07 02:00+00', p_open_to => '2030-01-07 06:30+00')),
  array[pg_temp.u(1), pg_temp.u(5)], 'open slot in a window: the past part does not count (p2 works 06:00-09:00 Dubai)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, 10000, pg_temp.cat('disc-root'), 4, false, true)),
  array[pg_temp.u(1)], 'filters combine (category, rating, verified)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_min_rating => 0)),
  pg_temp.near(), 'a minimum rating of 0 filters nothing');

-- Sorts.
select is(pg_temp.near('rating'), array[pg_temp.u(5), pg_temp.u(1), pg_temp.u(2), pg_temp.u(3)] || pg_temp.twins(),
  'sort by rating: best first, then distance, then id');
select is(pg_temp.near('price'), array[pg_temp.u(2), pg_temp.u(1), pg_temp.u(3), pg_temp.u(5)] || pg_temp.twins(),
  'sort by price: cheapest first, providers without a price last (by distance)');
select ok(
  (select bool_and(abs(r.relevance - (0.45 * greatest(0, 1 - r.distance_m / 10000)
                                      + 0.35 * ((r.rating_count * r.rating_avg + 17.5) / (r.rating_count + 5)) / 5
                                      + 0.10 * r.is_available::int + 0.10 * r.is_verified::int)) < 1e-9)
     from public.search_providers_nearby(10, 20) r),
  'relevance follows the documented formula');
select is(pg_temp.near('relevance'),
  array(select r.provider_id from public.search_providers_nearby(10, 20, p_limit => 100) r
         order by r.relevance desc, r.distance_m, r.provider_id),
  'sort by relevance: highest score first');
select is((pg_temp.near('relevance'))[1], pg_temp.u(1), 'relevance puts the close, well-rated, verified, available provider first');

------------------------------------------------------------------------------------------------
-- Keyset pagination.
------------------------------------------------------------------------------------------------
create function pg_temp.paged(p_sort text, p_size int, p_kind text default 'near') returns uuid[] language plpgsql as $$
declare
  v_after text;
  v_ids uuid[] := '{}';
  v_n int;
  r record;
begin
  for i in 1..50 loop
    v_n := 0;
    if p_kind = 'near' then
      for r in select provider_id as id, cursor from public.search_providers_nearby(10, 20, p_sort => p_sort, p_after => v_after, p_limit => p_size) loop
        v_ids := v_ids || r.id; v_after := r.cursor; v_n := v_n + 1;
      end loop;
    elsif p_kind = 'listings' then
      for r in select listing_id as id, cursor from public.search_listings_nearby(10, 20, p_sort => p_sort, p_after => v_after, p_limit => p_size) loop
        v_ids := v_ids || r.id; v_after := r.cursor; v_n := v_n + 1;
      end loop;
    else
      for r in select provider_id as id, cursor from public.search_providers_in_bounds(9.9, 19.9, 10.1, 20.1, p_sort => p_sort, p_after => v_after, p_limit => p_size) loop
        v_ids := v_ids || r.id; v_after := r.cursor; v_n := v_n + 1;
      end loop;
    end if;
    exit when v_n < p_size;
  end loop;
  return v_ids;
end $$;
grant execute on function pg_temp.paged(text, int, text) to anon, authenticated, service_role;

select is(pg_temp.paged('distance', 1), pg_temp.near('distance'), 'distance: pages of 1 give the whole list, no duplicates or gaps (across a tie)');
select is(pg_temp.paged('distance', 4), pg_temp.near('distance'), 'distance: pages of 4');
select is(pg_temp.paged('rating', 2), pg_temp.near('rating'), 'rating: pages of 2');
select is(pg_temp.paged('price', 1), pg_temp.near('price'), 'price: pages of 1 (through the providers without a price)');
select is(pg_temp.paged('relevance', 3), pg_temp.near('relevance'), 'relevance: pages of 3');
select is(pg_temp.paged('distance', 1, 'listings'),
  array(select listing_id from public.search_listings_nearby(10, 20, p_limit => 100)),
  'listings: pages of 1 through listings sharing a location');
select is(pg_temp.paged('rating', 1, 'bounds'),
  array(select provider_id from public.search_providers_in_bounds(9.9, 19.9, 10.1, 20.1, p_sort => 'rating')),
  'bounds: pages of 1');
select is(
  (select count(*)::int from public.search_providers_nearby(10, 20, p_after =>
     (select cursor from public.search_providers_nearby(10, 20) offset 4 limit 1))),
  1, 'the page after the next-to-last row holds the last row only');
select throws_ok(
  $$ select * from public.search_providers_nearby(10, 20, p_sort => 'rating',
       p_after => (select cursor from public.search_providers_nearby(10, 20) limit 1)) $$,
  'HL007', 'The page cursor is invalid.', 'a cursor of another sort order is refused');
select throws_ok(
  $$ select * from public.search_providers_nearby(10, 20, 5000,
       p_after => (select cursor from public.search_providers_nearby(10, 20) limit 1)) $$,
  'HL007', 'The page cursor is invalid.', 'a cursor of a search with other parameters is refused');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_after => 'not-a-cursor') $$,
  'HL007', 'The page cursor is invalid.', 'garbage is not a cursor');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_after => 'WzEsMl0') $$,
  'HL007', 'The page cursor is invalid.', 'valid base64 of the wrong shape is not a cursor');

------------------------------------------------------------------------------------------------
-- Covering a point vs near it.
------------------------------------------------------------------------------------------------
select is(array(select provider_id from public.search_providers_covering(10, 20)),
  array[pg_temp.u(1), pg_temp.u(3), pg_temp.u(5), pg_temp.u(4)],
  'covering: providers whose service area reaches the point, nearest base first');
select ok(pg_temp.u(4) <> all (pg_temp.near()) and pg_temp.u(4) = any (array(select provider_id from public.search_providers_covering(10, 20))),
  'a provider 15 km away with a 20 km area covers the point without being "near"');
select ok(pg_temp.u(2) = any (pg_temp.near()) and pg_temp.u(2) <> all (array(select provider_id from public.search_providers_covering(10, 20))),
  'a provider 2 km away with a 1 km area is near but does not cover the point');
select is(array(select provider_id from public.search_providers_covering(10, 20, p_category_id => pg_temp.cat('disc-other'))),
  array[pg_temp.u(4)], 'covering with a category filter');
select is(array(select provider_id from public.search_providers_covering(10, 20, p_sort => 'rating')),
  array[pg_temp.u(4), pg_temp.u(5), pg_temp.u(1), pg_temp.u(3)], 'covering sorted by rating');
update public.provider_profiles
   set service_area = extensions.st_multi(extensions.st_makeenvelope(20.2, 9.9, 20.3, 10.1, 4326))::extensions.geography
 where id = pg_temp.u(7);
select is(array(select provider_id from public.search_providers_covering(10, 20.25)),
  array[pg_temp.u(7)], 'a drawn service area replaces the radius (p7 is based 50 km away)');
update public.provider_profiles
   set base_location = extensions.st_setsrid(extensions.st_makepoint(20, 10 + pg_temp.deg(150000)), 4326)::extensions.geography
 where id = pg_temp.u(7);
select is(array(select provider_id from public.search_providers_covering(10, 20.25)),
  array[pg_temp.u(7)], 'a drawn area is found even when its provider is based more than 100 km away');
select is(array(select provider_id from public.search_providers_covering(10, 20.25, p_sort => 'rating')),
  array[pg_temp.u(7)], 'the same with another sort order');

------------------------------------------------------------------------------------------------
-- Map bounds: rows and grid clusters.
------------------------------------------------------------------------------------------------
select is(
  array(select provider_id from public.search_providers_in_bounds(9.965, 19.96, 10.03, 20.03) order by provider_id),
  array(select unnest(array[pg_temp.u(1), pg_temp.u(2), pg_temp.u(3)]) as id order by id),
  'bounds: the providers inside the box (p5, 4 km north, is outside)');
select is((select provider_id from public.search_providers_in_bounds(9.965, 19.96, 10.03, 20.03) limit 1), pg_temp.u(1),
  'bounds: nearest to the centre of the box first');
select is(
  (select count(*)::int from public.search_providers_in_bounds(9.9, 19.9, 10.1, 20.1)
    where lat between 9.9 and 10.1 and lng between 19.9 and 20.1),
  6, 'bounds rows carry lat/lng inside the box, for client-side clustering');
select is(
  (select count(*)::int from public.search_providers_in_bounds(9.9, 19.9, 10.1, 20.1, p_limit => 2)), 2,
  'bounds results are capped by the page size');
select is(
  array(select row(cell_row, cell_col, provider_count, provider_id)::text
          from public.cluster_providers_in_bounds(9.965, 19.96, 10.03, 20.03, 2)),
  array[row(0, 1, 1, pg_temp.u(3))::text, row(1, 1, 2, null::uuid)::text],
  'clusters: counts per grid cell, the provider id when a cell holds one');
select ok(
  (select bool_and(lat between cell_south and cell_north and lng between cell_west and cell_east)
     from public.cluster_providers_in_bounds(9.9, 19.9, 10.1, 20.1, 4)),
  'clusters are drawn inside their cell');
select is(
  (select sum(provider_count)::int from public.cluster_providers_in_bounds(9.9, 19.9, 10.1, 20.1, 4,
     p_category_id => pg_temp.cat('disc-root'))),
  4, 'clusters apply the filters');
select is(
  (select min_price from public.cluster_providers_in_bounds(9.965, 19.96, 10.03, 20.03, 1)), 5000::bigint,
  'clusters report the lowest price in the cell');

------------------------------------------------------------------------------------------------
-- Listings.
------------------------------------------------------------------------------------------------
select is(array(select listing_id from public.search_listings_nearby(10, 20)),
  array(select unnest(array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b')]) as id order by id)
    || array[pg_temp.listing('disc L2'), pg_temp.listing('disc L3'), pg_temp.listing('disc L8')],
  'listings near: active listings by distance then id (inactive and closed-account listings left out)');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_category_id => pg_temp.cat('disc-leaf-a')) order by listing_id),
  array(select unnest(array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b'), pg_temp.listing('disc L3')]) as id order by id),
  'listings: category filter on the listing''s own category');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_category_id => pg_temp.cat('disc-root'))),
  array(select listing_id from public.search_listings_nearby(10, 20)),
  'listings: a parent category matches its subcategories');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_sort => 'price')),
  array[pg_temp.listing('disc L2'), pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b'), pg_temp.listing('disc L3'),
        pg_temp.listing('disc L8')],
  'listings by price: base_price ascending, quotes last');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_min_price => 6000) order by base_price),
  array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b'), pg_temp.listing('disc L3')],
  'listings: price filter on base_price leaves quotes out');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_min_rating => 4.5, p_verified_only => true) order by listing_id),
  array(select unnest(array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b')]) as id order by id),
  'listings: provider filters (rating, verified)');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_available_now => true) order by listing_id),
  array(select unnest(array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b')]) as id order by id),
  'listings: provider available now');
select ok(
  (select bool_and(r.provider_display_name like 'Disc provider %' and r.title like 'disc L%' and r.currency = 'AED'
                   and r.cursor is not null and r.distance_m > 0)
     from public.search_listings_nearby(10, 20) r),
  'listing rows carry the card fields');
select is(
  array(select listing_id from public.search_listings_in_bounds(9.965, 19.96, 10.03, 20.03) order by listing_id),
  array(select unnest(array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b'), pg_temp.listing('disc L2'),
                            pg_temp.listing('disc L3')]) as id order by id),
  'listings in bounds');
select is(
  array(select row(cell_row, cell_col, listing_count, listing_id)::text
          from public.cluster_listings_in_bounds(9.965, 19.96, 10.03, 20.03, 2)),
  array[row(0, 1, 1, pg_temp.listing('disc L3'))::text, row(1, 1, 3, null::uuid)::text],
  'listing clusters');

------------------------------------------------------------------------------------------------
-- Roles: the same public results for anon, a signed-in user and service_role (RLS applies to
-- the first two; service_role sees no more because search filters deleted accounts itself).
------------------------------------------------------------------------------------------------
create temp table expected_near as select pg_temp.near() as ids, pg_temp.near('relevance') as rel;
grant select on expected_near to anon, authenticated, service_role;
select tests.clear_authentication();
select is(pg_temp.near(), (select ids from expected_near), 'anon gets the same results');
select is(array(select listing_id from public.search_listings_nearby(10, 20)),
  array(select unnest(array[pg_temp.listing('disc L1a'), pg_temp.listing('disc L1b')]) as id order by id)
    || array[pg_temp.listing('disc L2'), pg_temp.listing('disc L3'), pg_temp.listing('disc L8')],
  'anon gets the same listings');
select tests.authenticate_as('disc_customer');
select is(pg_temp.near('relevance'), (select rel from expected_near), 'a signed-in user gets the same results');
select tests.authenticate_as('disc_p3');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_category_id => pg_temp.cat('disc-leaf-b'))),
  array[pg_temp.listing('disc L2'), pg_temp.listing('disc L8')],
  'a provider''s own inactive listing (visible to them through RLS) is still not a search result');
select tests.authenticate_as_service_role();
select is(pg_temp.near(), (select ids from expected_near), 'service_role gets the same results (no deleted accounts)');
select tests.clear_authentication();
select throws_ok($$ select * from public.search_providers_nearby(91, 20) $$, 'HL200', null, 'anon gets the same validation errors');
reset role;

------------------------------------------------------------------------------------------------
-- Validation: a specific code for each bad input, never a clamp.
------------------------------------------------------------------------------------------------
select throws_ok($$ select * from public.search_providers_nearby(90.0001, 20) $$, 'HL200', 'Latitude must be between -90 and 90.', 'latitude above 90');
select throws_ok($$ select * from public.search_providers_nearby(-91, 20) $$, 'HL200', null, 'latitude below -90');
select throws_ok($$ select * from public.search_providers_nearby('NaN', 20) $$, 'HL200', null, 'latitude NaN');
select throws_ok($$ select * from public.search_providers_nearby(null, 20) $$, 'HL200', null, 'latitude missing');
select lives_ok($$ select * from public.search_providers_nearby(90, 180, 1) $$, 'the poles and the antimeridian are valid coordinates');
select throws_ok($$ select * from public.search_providers_nearby(10, 180.5) $$, 'HL201', 'Longitude must be between -180 and 180.', 'longitude above 180');
select throws_ok($$ select * from public.search_providers_nearby(10, '-Infinity') $$, 'HL201', null, 'longitude -Infinity');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, 0) $$, 'HL252', 'The search radius must be more than 0 and at most 100000 metres.', 'radius 0');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, -5) $$, 'HL252', null, 'negative radius');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, 100000.5) $$, 'HL252', null, 'radius above 100 km');
select throws_ok($$ select * from public.search_listings_nearby(10, 20, null) $$, 'HL252', null, 'radius null');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_min_price => -1) $$, 'HL253',
  'Prices are whole minor units from 0 to 1000000000, and the minimum cannot exceed the maximum.', 'negative price');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_max_price => 1000000001) $$, 'HL253', null, 'absurd price');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_min_price => 10.5) $$, 'HL253', null, 'fractional minor units');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_min_price => 500, p_max_price => 100) $$, 'HL253', null, 'minimum above maximum');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_category_id => gen_random_uuid()) $$, 'HL208', 'The category does not exist.', 'unknown category');
select throws_ok($$ select * from public.search_listings_nearby(10, 20, p_category_id => pg_temp.cat('disc-retired')) $$, 'HL209', null, 'inactive category');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_min_rating => 5.01) $$, 'HL255', 'The minimum rating must be between 0 and 5.', 'rating above 5');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_min_rating => -1) $$, 'HL255', null, 'negative rating');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_limit => 101) $$, 'HL256', 'The page size must be between 1 and the maximum of this search.', 'page size above 100');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_limit => 0) $$, 'HL256', null, 'page size 0');
select lives_ok($$ select * from public.search_providers_nearby(10, 20, p_limit => 100) $$, 'page size 100 is allowed');
select throws_ok($$ select * from public.search_listings_in_bounds(9.9, 19.9, 10.1, 20.1, p_limit => 501) $$, 'HL256', null, 'bounds page size above 500');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_sort => 'cheapest') $$, 'HL258', 'Unknown sort order.', 'unknown sort');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_open_from => '2030-01-08 06:00+00') $$, 'HL259',
  'The availability window needs both ends, a start before its end, an end in the future and a span of at most 31 days.', 'window without an end');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_open_from => '2030-01-08 06:00+00', p_open_to => '2030-01-08 06:00+00') $$,
  'HL259', null, 'empty window');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_open_from => '2030-01-08 06:00+00', p_open_to => '2030-02-10 06:00+00') $$,
  'HL259', null, 'window longer than 31 days');
select throws_ok($$ select * from public.search_providers_nearby(10, 20, p_open_from => '2030-01-01 06:00+00', p_open_to => '2030-01-02 06:00+00') $$,
  'HL259', null, 'window in the past');
select throws_ok($$ select * from public.search_providers_in_bounds(10, 19, 9, 20) $$, 'HL260',
  'The map bounds are invalid: south must be below north and west left of east.', 'south above north');
select throws_ok($$ select * from public.search_providers_in_bounds(9, 179, 10, -179) $$, 'HL260', null, 'bounds across the antimeridian');
select throws_ok($$ select * from public.search_providers_in_bounds(9, 19, 95, 20) $$, 'HL200', null, 'bounds latitude out of range');
select throws_ok($$ select * from public.search_providers_in_bounds(9, 19, 10, 20) $$, 'HL261', 'The map area is too large; zoom in.', 'bounds larger than 100 km');
select lives_ok($$ select * from public.search_providers_in_bounds(9.6, 19.6, 10.4, 20.4) $$, 'bounds of about 90 km are allowed');
select throws_ok($$ select * from public.cluster_providers_in_bounds(9.9, 19.9, 10.1, 20.1, 33) $$, 'HL262',
  'The cluster grid must have between 1 and 32 cells per side.', 'grid too fine');
select throws_ok($$ select * from public.cluster_listings_in_bounds(9.9, 19.9, 10.1, 20.1, 0) $$, 'HL262', null, 'grid of 0 cells');
select throws_ok($$ select * from public.search_providers_covering(10, 200) $$, 'HL201', null, 'covering validates coordinates');
select is(
  (select count(*)::int from private.error_codes where code between 'HL250' and 'HL299'), 9,
  'nine discovery error codes are registered (coordinates, categories and cursors use the shared HL200/HL201, HL208/HL209, HL007)');
select ok((select deleted_at is not null from public.provider_profiles where id = pg_temp.u(6)),
  'closing an account marks its provider profile deleted');
select tests.authenticate_as_service_role();
select ok(not (pg_temp.u(6) = any (pg_temp.near())), 'a closed account stays out of searches for service_role too (p6 is 500 m away)');
reset role;
select ok(exists (select 1 from private.provider_time_zones where time_zone = 'Asia/Dubai'),
  'provider time zones are registered (availability filters start from them)');
update public.provider_profiles set timezone = 'Asia/Kolkata' where id = pg_temp.u(9);
select ok(exists (select 1 from private.provider_time_zones where time_zone = 'Asia/Kolkata'),
  'a provider moving to a new time zone registers it');
-- p9 works Monday 09:00-10:00 in Kolkata: 06:00 UTC is 11:30 there (closed), 04:00 UTC is 09:30 (open).
insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (pg_temp.u(9), 1, '09:00', '10:00');
update public.provider_profiles set is_available = true where id = pg_temp.u(9);
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[pg_temp.u(1)], 'available now uses each provider''s own time zone (p9 in Kolkata is closed at 11:30)');
select tests.freeze_time('2030-01-07 03:45:00+00');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[pg_temp.u(9)], 'at 03:45 UTC p9 is open (09:15 Kolkata) and p1 not yet (07:45 Dubai)');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-07 03:00+00', p_open_to => '2030-01-07 04:00+00')),
  array[pg_temp.u(2), pg_temp.u(5), pg_temp.u(9)],
  'open window across time zones: 07:45-08:00 Dubai (p2, p5) and 09:15-09:30 Kolkata (p9)');
select tests.freeze_time('2030-01-07 06:00:00+00');

------------------------------------------------------------------------------------------------
-- Query plans, on enough rows for the planner to prefer indexes: 12,000 providers (half with a
-- listing) in a 1 x 1 degree square around C2 = (-20, 135). Each check EXPLAINs the exact text
-- the RPC executes (private.discovery_sql) with the arguments bound, as a signed-in user.
------------------------------------------------------------------------------------------------
select setseed(0.3);
create temp table bulk as
  select id, row_number() over () as n from tests.create_supabase_users('disc_bulk', 12000) as id;
-- The derivation trigger validates the time zone against pg_timezone_names (about 20 ms a row):
-- for this bulk fixture it is skipped and coverage computed with the trigger's own expression.
alter table public.provider_profiles disable trigger provider_profiles_derive;
insert into public.provider_profiles (id, display_name, base_location, service_radius_m, rating_avg, rating_count,
                                      is_available, is_verified, coverage)
select p.id, 'Bulk ' || p.n, p.loc, p.radius, round((1 + random() * 4)::numeric, 2), (p.n % 50)::int, p.n % 3 = 0, p.n % 5 = 0,
       extensions.st_multi(extensions.st_buffer(p.loc, p.radius::float8)::extensions.geometry)::extensions.geography
  from (select b.id, b.n, case when b.n % 10 = 0 then 60000 else 2000 + (b.n % 10) * 1000 end as radius,
               extensions.st_setsrid(extensions.st_makepoint(134.5 + random(), -20.5 + random()), 4326)::extensions.geography as loc
          from bulk b offset 0) as p;
alter table public.provider_profiles enable trigger provider_profiles_derive;
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
select b.id, case when b.n % 4 = 0 then pg_temp.cat('disc-leaf-a') else pg_temp.cat('disc-leaf-b') end,
       'Bulk listing ' || b.n, 'hourly', 1000 + (b.n % 100) * 100
  from bulk b where b.n % 2 = 0;
-- A provider based 300 km away whose drawn area covers C2.
select tests.create_supabase_user('disc_far');
insert into public.provider_profiles (id, display_name, base_location, service_area)
values (tests.get_supabase_uid('disc_far'), 'Far away',
        extensions.st_setsrid(extensions.st_makepoint(135, -20 + pg_temp.deg(300000)), 4326)::extensions.geography,
        extensions.st_multi(extensions.st_makeenvelope(134.9, -20.1, 135.1, -19.9, 4326))::extensions.geography);
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
values (tests.get_supabase_uid('disc_far'), pg_temp.cat('disc-other-leaf'), 'Far listing', 'fixed', 5000);
analyze public.provider_profiles;
analyze public.service_listings;
analyze public.profiles;
analyze public.categories;

create function pg_temp.plan(p_entity text, p_area text, p_sort text, p_filters jsonb default '{}',
                             p_mode text default 'rows') returns jsonb language plpgsql as $$
declare
  s private.discovery_search;
  v_plan json;
begin
  s := private.discovery_prepare(p_entity, p_area,
         case when p_area <> 'bounds' then coalesce((p_filters ->> 'lat')::float8, -20) end, case when p_area <> 'bounds' then 135 end,
         case when p_area = 'near' then coalesce((p_filters ->> 'radius')::float8, 5000) end,
         case when p_area = 'bounds' then -20.05 end, case when p_area = 'bounds' then 134.95 end,
         case when p_area = 'bounds' then -19.95 end, case when p_area = 'bounds' then 135.05 end,
         (p_filters ->> 'category')::uuid, (p_filters ->> 'min_rating')::numeric,
         coalesce((p_filters ->> 'available_now')::boolean, false), coalesce((p_filters ->> 'verified')::boolean, false),
         (p_filters ->> 'min_price')::numeric, (p_filters ->> 'max_price')::numeric, null, null,
         p_sort, p_filters ->> 'after', case when p_mode = 'cluster' then 8 else 20 end,
         case when p_mode = 'cluster' then 32 else 100 end);
  execute 'explain (format json) ' || private.discovery_sql(s, p_mode) into v_plan
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
  return v_plan::jsonb;
end $$;
-- Relations read by a sequential scan anywhere in a plan.
create function pg_temp.seq_scanned(p_plan jsonb) returns text[] language sql immutable as $$
  select coalesce(array_agg(distinct r #>> '{}'), '{}')
    from jsonb_path_query(p_plan, 'strict $.**  ? (@."Node Type" == "Seq Scan")."Relation Name"') as r
   where r #>> '{}' in ('provider_profiles', 'service_listings', 'profiles', 'availability_rules')
$$;
-- Whether the plan walks the given GiST index in distance order (KNN).
create function pg_temp.knn(p_plan jsonb, p_index text) returns boolean language sql immutable as $$
  select jsonb_path_exists(p_plan, 'strict $.** ? (@."Index Name" == $i && exists (@."Order By"))', jsonb_build_object('i', p_index))
$$;
grant execute on function pg_temp.plan(text, text, text, jsonb, text), pg_temp.seq_scanned(jsonb), pg_temp.knn(jsonb, text)
  to authenticated;

create temp table plans (name text, plan jsonb);
grant select, insert on plans to authenticated;
select tests.authenticate_as('disc_customer');
insert into plans values
  ('providers near, distance', pg_temp.plan('provider', 'near', 'distance')),
  ('providers near 50 km, distance', pg_temp.plan('provider', 'near', 'distance', '{"radius": 50000}')),
  ('providers near 50 km, distance, category + rating', pg_temp.plan('provider', 'near', 'distance',
     jsonb_build_object('radius', 50000, 'category', pg_temp.cat('disc-leaf-a'), 'min_rating', 4))),
  ('providers near 50 km, distance, after a cursor', pg_temp.plan('provider', 'near', 'distance',
     jsonb_build_object('radius', 50000, 'after', (select cursor from public.search_providers_nearby(-20, 135, 50000) offset 5 limit 1)))),
  ('providers near, category + rating', pg_temp.plan('provider', 'near', 'distance',
     jsonb_build_object('category', pg_temp.cat('disc-leaf-a'), 'min_rating', 4))),
  ('providers near, rating', pg_temp.plan('provider', 'near', 'rating')),
  ('providers near, price range', pg_temp.plan('provider', 'near', 'price', '{"min_price": 2000, "max_price": 8000}')),
  ('providers near, relevance, verified', pg_temp.plan('provider', 'near', 'relevance', '{"verified": true}')),
  ('providers near, available now', pg_temp.plan('provider', 'near', 'distance', '{"available_now": true}')),
  ('providers covering, distance', pg_temp.plan('provider', 'covering', 'distance')),
  ('providers covering few, distance', pg_temp.plan('provider', 'covering', 'distance', '{"lat": -21.2}')),
  ('providers covering, rating', pg_temp.plan('provider', 'covering', 'rating')),
  ('providers in bounds, distance', pg_temp.plan('provider', 'bounds', 'distance')),
  ('providers in bounds, price', pg_temp.plan('provider', 'bounds', 'price')),
  ('provider clusters', pg_temp.plan('provider', 'bounds', 'distance', '{}', 'cluster')),
  ('listings near, distance, category', pg_temp.plan('listing', 'near', 'distance',
     jsonb_build_object('category', pg_temp.cat('disc-leaf-a')))),
  ('listings near 50 km, distance, category', pg_temp.plan('listing', 'near', 'distance',
     jsonb_build_object('radius', 50000, 'category', pg_temp.cat('disc-leaf-a')))),
  ('listings near, price', pg_temp.plan('listing', 'near', 'price')),
  ('listings in bounds, distance', pg_temp.plan('listing', 'bounds', 'distance')),
  ('listing clusters', pg_temp.plan('listing', 'bounds', 'distance', '{}', 'cluster'));

select is(array(select name || ': ' || array_to_string(pg_temp.seq_scanned(plan), ', ') from plans
                 where pg_temp.seq_scanned(plan) <> '{}'),
          '{}'::text[], 'no discovery query plan reads provider_profiles, service_listings or profiles sequentially');
select ok(pg_temp.knn((select plan from plans where name = 'providers near 50 km, distance'), 'provider_profiles_base_location_idx'),
  'nearby providers by distance walk the base_location GiST index in KNN order (many candidates)');
select ok(pg_temp.knn((select plan from plans where name = 'providers near 50 km, distance, category + rating'), 'provider_profiles_base_location_idx'),
  'with category and rating filters over many candidates too (the benchmark query)');
select ok(pg_temp.knn((select plan from plans where name = 'providers near 50 km, distance, after a cursor'), 'provider_profiles_base_location_idx'),
  'and on the next page');
select ok(pg_temp.knn((select plan from plans where name = 'providers in bounds, distance'), 'provider_profiles_base_location_idx'),
  'bounds by distance from the centre use KNN too');
select ok(pg_temp.knn((select plan from plans where name = 'listings near 50 km, distance, category'), 'provider_profiles_base_location_idx')
          and jsonb_path_exists((select plan from plans where name = 'listings near 50 km, distance, category'),
                'strict $.** ? (@."Index Name" == "service_listings_provider_id_idx")'),
  'nearby listings walk the providers'' GiST index in KNN order and join listings by provider_id');
select ok(pg_temp.knn((select plan from plans where name = 'providers covering, distance'), 'provider_profiles_base_location_idx'),
  'covering by distance where many areas reach the point walks the bases in KNN order');
select ok(
  jsonb_path_exists((select plan from plans where name = 'providers covering, distance'),
    'strict $.** ? (@."Index Name" == "provider_profiles_drawn_area_idx")'),
  'and finds drawn areas of far-away providers through the partial index');
select ok(
  jsonb_path_exists((select plan from plans where name = 'providers covering few, distance'),
    'strict $.** ? (@."Index Name" == "provider_profiles_coverage_idx")')
  and not pg_temp.knn((select plan from plans where name = 'providers covering few, distance'), 'provider_profiles_base_location_idx'),
  'where few areas reach the point, covering reads just those through the coverage index');
select is(
  array(select provider_id from public.search_providers_covering(-20, 135)),
  array(select p.id from public.provider_profiles p
         where extensions.st_intersects(p.coverage, extensions.st_setsrid(extensions.st_makepoint(135, -20), 4326)::extensions.geography)
         order by p.base_location <-> extensions.st_setsrid(extensions.st_makepoint(135, -20), 4326)::extensions.geography, p.id
         limit 20),
  'covering by KNN returns exactly the 20 nearest providers whose area covers the point');
select is(
  array(select provider_id from public.search_providers_covering(-20, 135, p_category_id => pg_temp.cat('disc-other'))),
  array[tests.get_supabase_uid('disc_far')],
  'covering by KNN still finds a drawn area of a provider based 300 km away');
select is(
  array(select provider_id from public.search_providers_covering(-21.2, 135)),
  array(select p.id from public.provider_profiles p
         where extensions.st_intersects(p.coverage, extensions.st_setsrid(extensions.st_makepoint(135, -21.2), 4326)::extensions.geography)
         order by p.base_location <-> extensions.st_setsrid(extensions.st_makepoint(135, -21.2), 4326)::extensions.geography, p.id
         limit 20),
  'covering through the coverage index returns the same as a brute-force search');
-- The plan checks can fail: without the spatial index the same query reads the table.
reset role;
drop index public.provider_profiles_base_location_idx;
select is(pg_temp.seq_scanned(pg_temp.plan('provider', 'near', 'distance')), array['provider_profiles'],
  'control: without the GiST index the nearby query scans provider_profiles');

select * from finish();
rollback;
