-- Module discovery, searching near a point: the RPCs' contract (invoker, stable, callable by
-- the API roles), providers near a point (membership, order, distances, filters, sorts), keyset
-- pagination, providers covering a point, and the same results for every role.
begin;
select plan(55);

------------------------------------------------------------------------------------------------
-- Fixtures around C = (10, 20), far from any seed data. Offsets are metres along a meridian
-- (exact on the sphere) or a parallel. The clock: Monday 2030-01-07 06:00 UTC = 10:00 in Dubai.
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 06:00:00+00');
insert into public.categories (slug, names) values
  ('disc-root', '{"en": "Disc root", "ar": "ج"}'),
  ('disc-other', '{"en": "Disc other", "ar": "ج"}');
insert into public.categories (slug, names, parent_id)
select v.slug, '{"en": "Disc", "ar": "ج"}', tests.category_id(v.parent)
  from (values ('disc-leaf-a', 'disc-root'), ('disc-leaf-b', 'disc-root'), ('disc-other-leaf', 'disc-other')) as v(slug, parent);
insert into public.categories (slug, names, is_active) values ('disc-retired', '{"en": "Retired", "ar": "ج"}', false);
select tests.create_supabase_user('disc_customer');

select tests.create_provider('disc_p' || v.n, 10 + v.north_deg, 20 + v.east_deg, radius_m => v.radius, available => v.avail,
         profile => jsonb_build_object('display_name', 'Disc provider ' || v.n, 'rating_avg', v.rating, 'rating_count', v.cnt,
                                       'rating_sum', round(v.rating * v.cnt),
                                       'is_verified', v.verified))
  from (values
    (1, tests.metres_to_degrees(1000), 0::float8, 5000, 4.80, 50, true, true),
    (2, 0, tests.metres_to_degrees(2000) / cos(radians(10)), 1000, 4.20, 10, false, false),
    (3, tests.metres_to_degrees(-3000), 0, 10000, 3.00, 3, true, false),
    (4, 0, tests.metres_to_degrees(-15000) / cos(radians(10)), 20000, 5.00, 1, false, false),
    (5, tests.metres_to_degrees(4000), 0, 10000, 4.90, 200, false, true),
    (6, tests.metres_to_degrees(500), 0, 5000, 5.00, 99, true, true),
    (7, tests.metres_to_degrees(50000), 0, 5000, 4.00, 5, true, false),
    (8, tests.metres_to_degrees(-6000), 0, 3000, 2.00, 4, false, false),
    (9, tests.metres_to_degrees(-6000), 0, 3000, 2.00, 4, false, false)
  ) as v(n, north_deg, east_deg, radius, rating, cnt, avail, verified);

insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
values
  (tests.get_supabase_uid('disc_p1'), tests.category_id('disc-leaf-a'), 'disc L1a', 'hourly', 10000, true),
  (tests.get_supabase_uid('disc_p1'), tests.category_id('disc-leaf-a'), 'disc L1b', 'fixed', 15000, true),
  (tests.get_supabase_uid('disc_p2'), tests.category_id('disc-leaf-b'), 'disc L2', 'hourly', 5000, true),
  (tests.get_supabase_uid('disc_p3'), tests.category_id('disc-leaf-a'), 'disc L3', 'fixed', 20000, true),
  (tests.get_supabase_uid('disc_p3'), tests.category_id('disc-leaf-b'), 'disc L3 old', 'fixed', 1000, false),
  (tests.get_supabase_uid('disc_p4'), tests.category_id('disc-other-leaf'), 'disc L4', 'fixed', 30000, true),
  (tests.get_supabase_uid('disc_p6'), tests.category_id('disc-leaf-a'), 'disc L6', 'hourly', 100, true),
  (tests.get_supabase_uid('disc_p8'), tests.category_id('disc-leaf-b'), 'disc L8', 'quote', 0, true);

-- Weekly hours (Dubai time; weekday 0 = Sunday) and time off.
insert into public.availability_rules (provider_id, weekday, start_time, end_time) values
  (tests.get_supabase_uid('disc_p1'), 1, '08:00', '12:00'),
  (tests.get_supabase_uid('disc_p2'), 1, '06:00', '09:00'),
  (tests.get_supabase_uid('disc_p2'), 2, '13:00', '15:00'),
  (tests.get_supabase_uid('disc_p3'), 1, '09:00', '17:00'),
  (tests.get_supabase_uid('disc_p3'), 2, '09:00', '17:00'),
  (tests.get_supabase_uid('disc_p5'), 1, '00:00', '23:59:59.999999');
insert into public.provider_time_off (provider_id, period)
values (tests.get_supabase_uid('disc_p3'), tstzrange('2030-01-07 04:00+00', '2030-01-07 08:00+00'));

-- Provider 6 closed their account: never a search result (closed after its fixtures were written).
update public.profiles set deleted_at = now() where id = tests.get_supabase_uid('disc_p6');

create function pg_temp.near(p_sort text default 'distance', p_radius float8 default 10000) returns uuid[] language sql stable as
  $$ select array(select provider_id from public.search_providers_nearby(10, 20, p_radius, p_sort => p_sort, p_limit => 100)) $$;
grant execute on function pg_temp.near(text, float8) to anon, authenticated, service_role;
-- p8 and p9 share a location: ties are ordered by id.
create function pg_temp.twins() returns uuid[] language sql stable as
  $$ select array(select unnest(array[tests.get_supabase_uid('disc_p8'), tests.get_supabase_uid('disc_p9')]) as id order by id) $$;
grant execute on function pg_temp.twins() to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The functions: invoker, callable by the API roles.
------------------------------------------------------------------------------------------------
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
    where n.nspname = 'public'
      and p.proname like any (array['search\_providers\_%', 'search\_listings\_%', 'cluster\_providers\_%', 'cluster\_listings\_%'])),
  'anon, authenticated and service_role may execute every discovery RPC');
select ok(
  (select bool_and(p.provolatile = 's') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and p.proname like any (array['search\_providers\_%', 'search\_listings\_%', 'cluster\_providers\_%', 'cluster\_listings\_%'])),
  'discovery RPCs are stable (read-only transactions through the Data API)');

------------------------------------------------------------------------------------------------
-- Near a point: membership, order, distances.
------------------------------------------------------------------------------------------------
select is(pg_temp.near(), array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p3'), tests.get_supabase_uid('disc_p5')] || pg_temp.twins(),
  'nearby: providers within 10 km, nearest first, ties by id; deleted accounts and farther providers left out');
select ok(
  (select abs(distance_m - 1000) < 0.01 from public.search_providers_nearby(10, 20) where provider_id = tests.get_supabase_uid('disc_p1')),
  'distance_m is in metres (a provider 1 km north is 1000 m away)');
select ok(
  (select abs(distance_m - extensions.st_distance(
      (select base_location from public.provider_profiles where id = tests.get_supabase_uid('disc_p2')),
      extensions.st_setsrid(extensions.st_makepoint(20, 10), 4326)::extensions.geography, false)) < 0.001
     from public.search_providers_nearby(10, 20) where provider_id = tests.get_supabase_uid('disc_p2')),
  'distance_m is the great-circle distance on the sphere');
select is(pg_temp.near('distance', 3500), array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p3')], 'a 3.5 km radius keeps providers up to 3.5 km');
select is(pg_temp.near('distance', 100000), array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p3'), tests.get_supabase_uid('disc_p5')] || pg_temp.twins()
  || array[tests.get_supabase_uid('disc_p4'), tests.get_supabase_uid('disc_p7')], 'the largest radius (100 km) is allowed');
select ok(
  (select bool_and(r.display_name like 'Disc provider %' and r.username is not null and r.currency = 'AED'
                   and r.lat between 9 and 11 and r.lng between 19 and 21 and r.cursor is not null)
     from public.search_providers_nearby(10, 20) r),
  'rows carry the card fields, the position and a cursor');
select is(
  (select row(price_from, rating_avg, rating_count, is_available, is_verified)::text
     from public.search_providers_nearby(10, 20) where provider_id = tests.get_supabase_uid('disc_p1')),
  row(10000::bigint, 4.80::numeric, 50, true, true)::text,
  'price_from, rating and flags come from the provider profile');

-- Filters.
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_category_id => tests.category_id('disc-root'))),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p3'), tests.get_supabase_uid('disc_p8')], 'a parent category matches providers of its subcategories');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_category_id => tests.category_id('disc-leaf-a'))),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p3')], 'a leaf category matches its providers only (inactive listings do not count)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, 20000, p_category_id => tests.category_id('disc-other'))),
  array[tests.get_supabase_uid('disc_p4')], 'category and radius combine');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_min_rating => 4.5)),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p5')], 'minimum rating');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_verified_only => true)),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p5')], 'verified only');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[tests.get_supabase_uid('disc_p1')],
  'available now: accepting work, inside weekly hours in Dubai time, not on time off (p3 is off, p5 is not accepting work)');
select tests.freeze_time('2030-01-07 09:00:00+00');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[tests.get_supabase_uid('disc_p3')], 'available now follows the clock: at 13:00 Dubai p1''s hours are over and p3''s time off has ended');
select tests.freeze_time('2030-01-07 06:00:00+00');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_min_price => 6000, p_max_price => 25000)),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p3')], 'price range on price_from (providers without a price are left out)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_max_price => 5000)),
  array[tests.get_supabase_uid('disc_p2')], 'maximum price alone');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-08 06:00+00', p_open_to => '2030-01-08 08:00+00')),
  array[tests.get_supabase_uid('disc_p3')], 'open slot in a window: Tuesday 10:00-12:00 Dubai matches p3 only');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-07 06:00+00', p_open_to => '2030-01-07 07:00+00')),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p5')], 'open slot in a window: time off removes p3 from Monday 10:00-11:00');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-07 02:00+00', p_open_to => '2030-01-07 06:30+00')),
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p5')], 'open slot in a window: the past part does not count (p2 works 06:00-09:00 Dubai)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, 10000, tests.category_id('disc-root'), 4, false, true)),
  array[tests.get_supabase_uid('disc_p1')], 'filters combine (category, rating, verified)');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_min_rating => 0)),
  pg_temp.near(), 'a minimum rating of 0 filters nothing');

-- Sorts.
select is(pg_temp.near('rating'), array[tests.get_supabase_uid('disc_p5'), tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p3')] || pg_temp.twins(),
  'sort by rating: best reputation score first, then distance, then id');
select is(pg_temp.near('price'), array[tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p3'), tests.get_supabase_uid('disc_p5')] || pg_temp.twins(),
  'sort by price: cheapest first, providers without a price last (by distance)');
select ok(
  (select bool_and(abs(r.relevance - (0.45 * greatest(0, 1 - r.distance_m / 10000)
                                      + 0.35 * r.reputation_score / 5
                                      + 0.10 * r.is_available::int + 0.10 * r.is_verified::int)) < 1e-9)
     from public.search_providers_nearby(10, 20) r),
  'relevance follows the documented formula');
select is(pg_temp.near('relevance'),
  array(select r.provider_id from public.search_providers_nearby(10, 20, p_limit => 100) r
         order by r.relevance desc, r.distance_m, r.provider_id),
  'sort by relevance: highest score first');
select is((pg_temp.near('relevance'))[1], tests.get_supabase_uid('disc_p1'), 'relevance puts the close, well-rated, verified, available provider first');

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
  array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p3'), tests.get_supabase_uid('disc_p5'), tests.get_supabase_uid('disc_p4')],
  'covering: providers whose service area reaches the point, nearest base first');
select ok(tests.get_supabase_uid('disc_p4') <> all (pg_temp.near()) and tests.get_supabase_uid('disc_p4') = any (array(select provider_id from public.search_providers_covering(10, 20))),
  'a provider 15 km away with a 20 km area covers the point without being "near"');
select ok(tests.get_supabase_uid('disc_p2') = any (pg_temp.near()) and tests.get_supabase_uid('disc_p2') <> all (array(select provider_id from public.search_providers_covering(10, 20))),
  'a provider 2 km away with a 1 km area is near but does not cover the point');
select is(array(select provider_id from public.search_providers_covering(10, 20, p_category_id => tests.category_id('disc-other'))),
  array[tests.get_supabase_uid('disc_p4')], 'covering with a category filter');
select is(array(select provider_id from public.search_providers_covering(10, 20, p_sort => 'rating')),
  array[tests.get_supabase_uid('disc_p5'), tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p4'), tests.get_supabase_uid('disc_p3')],
  'covering sorted by rating: by reputation score, so one 5-star rating (p4) does not beat fifty 4.8s (p1)');
update public.provider_profiles
   set service_area = extensions.st_multi(extensions.st_makeenvelope(20.2, 9.9, 20.3, 10.1, 4326))::extensions.geography
 where id = tests.get_supabase_uid('disc_p7');
select is(array(select provider_id from public.search_providers_covering(10, 20.25)),
  array[tests.get_supabase_uid('disc_p7')], 'a drawn service area replaces the radius (p7 is based 50 km away)');
update public.provider_profiles
   set base_location = extensions.st_setsrid(extensions.st_makepoint(20, 10 + tests.metres_to_degrees(150000)), 4326)::extensions.geography
 where id = tests.get_supabase_uid('disc_p7');
select is(array(select provider_id from public.search_providers_covering(10, 20.25)),
  array[tests.get_supabase_uid('disc_p7')], 'a drawn area is found even when its provider is based more than 100 km away');
select is(array(select provider_id from public.search_providers_covering(10, 20.25, p_sort => 'rating')),
  array[tests.get_supabase_uid('disc_p7')], 'the same with another sort order');

------------------------------------------------------------------------------------------------
-- Roles: the same public results for anon, a signed-in user and service_role (RLS applies to
-- the first two; service_role sees no more because search filters deleted accounts itself).
------------------------------------------------------------------------------------------------
create temp table expected_near as select pg_temp.near() as ids, pg_temp.near('relevance') as rel;
grant select on expected_near to anon, authenticated, service_role;
select tests.clear_authentication();
select is(pg_temp.near(), (select ids from expected_near), 'anon gets the same results');
select is(array(select listing_id from public.search_listings_nearby(10, 20)),
  array(select unnest(array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b')]) as id order by id)
    || array[tests.listing_id('disc L2'), tests.listing_id('disc L3'), tests.listing_id('disc L8')],
  'anon gets the same listings');
select tests.authenticate_as('disc_customer');
select is(pg_temp.near('relevance'), (select rel from expected_near), 'a signed-in user gets the same results');
select tests.authenticate_as('disc_p3');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_category_id => tests.category_id('disc-leaf-b'))),
  array[tests.listing_id('disc L2'), tests.listing_id('disc L8')],
  'a provider''s own inactive listing (visible to them through RLS) is still not a search result');
select tests.authenticate_as_service_role();
select is(pg_temp.near(), (select ids from expected_near), 'service_role gets the same results (no deleted accounts)');
select tests.clear_authentication();
select throws_ok($$ select * from public.search_providers_nearby(91, 20) $$, 'HL200', null, 'anon gets the same validation errors');
reset role;

select * from finish();
rollback;
