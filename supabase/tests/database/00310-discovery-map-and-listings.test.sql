-- Module discovery, map and listings: providers in map bounds and grid clusters, listing
-- searches, closed accounts, and availability filters across provider time zones.
begin;
select plan(25);

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

------------------------------------------------------------------------------------------------
-- Map bounds: rows and grid clusters.
------------------------------------------------------------------------------------------------
select is(
  array(select provider_id from public.search_providers_in_bounds(9.965, 19.96, 10.03, 20.03) order by provider_id),
  array(select unnest(array[tests.get_supabase_uid('disc_p1'), tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p3')]) as id order by id),
  'bounds: the providers inside the box (p5, 4 km north, is outside)');
select is((select provider_id from public.search_providers_in_bounds(9.965, 19.96, 10.03, 20.03) limit 1), tests.get_supabase_uid('disc_p1'),
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
  array[row(0, 1, 1, tests.get_supabase_uid('disc_p3'))::text, row(1, 1, 2, null::uuid)::text],
  'clusters: counts per grid cell, the provider id when a cell holds one');
select ok(
  (select bool_and(lat between cell_south and cell_north and lng between cell_west and cell_east)
     from public.cluster_providers_in_bounds(9.9, 19.9, 10.1, 20.1, 4)),
  'clusters are drawn inside their cell');
select is(
  (select sum(provider_count)::int from public.cluster_providers_in_bounds(9.9, 19.9, 10.1, 20.1, 4,
     p_category_id => tests.category_id('disc-root'))),
  4, 'clusters apply the filters');
select is(
  (select min_price from public.cluster_providers_in_bounds(9.965, 19.96, 10.03, 20.03, 1)), 5000::bigint,
  'clusters report the lowest price in the cell');

------------------------------------------------------------------------------------------------
-- Listings.
------------------------------------------------------------------------------------------------
select is(array(select listing_id from public.search_listings_nearby(10, 20)),
  array(select unnest(array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b')]) as id order by id)
    || array[tests.listing_id('disc L2'), tests.listing_id('disc L3'), tests.listing_id('disc L8')],
  'listings near: active listings by distance then id (inactive and closed-account listings left out)');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_category_id => tests.category_id('disc-leaf-a')) order by listing_id),
  array(select unnest(array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b'), tests.listing_id('disc L3')]) as id order by id),
  'listings: category filter on the listing''s own category');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_category_id => tests.category_id('disc-root'))),
  array(select listing_id from public.search_listings_nearby(10, 20)),
  'listings: a parent category matches its subcategories');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_sort => 'price')),
  array[tests.listing_id('disc L2'), tests.listing_id('disc L1a'), tests.listing_id('disc L1b'), tests.listing_id('disc L3'),
        tests.listing_id('disc L8')],
  'listings by price: base_price ascending, quotes last');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_min_price => 6000) order by base_price),
  array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b'), tests.listing_id('disc L3')],
  'listings: price filter on base_price leaves quotes out');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_min_rating => 4.5, p_verified_only => true) order by listing_id),
  array(select unnest(array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b')]) as id order by id),
  'listings: provider filters (rating, verified)');
select is(array(select listing_id from public.search_listings_nearby(10, 20, p_available_now => true) order by listing_id),
  array(select unnest(array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b')]) as id order by id),
  'listings: provider available now');
select ok(
  (select bool_and(r.provider_display_name like 'Disc provider %' and r.title like 'disc L%' and r.currency = 'AED'
                   and r.cursor is not null and r.distance_m > 0)
     from public.search_listings_nearby(10, 20) r),
  'listing rows carry the card fields');
select is(
  array(select listing_id from public.search_listings_in_bounds(9.965, 19.96, 10.03, 20.03) order by listing_id),
  array(select unnest(array[tests.listing_id('disc L1a'), tests.listing_id('disc L1b'), tests.listing_id('disc L2'),
                            tests.listing_id('disc L3')]) as id order by id),
  'listings in bounds');
select is(
  array(select row(cell_row, cell_col, listing_count, listing_id)::text
          from public.cluster_listings_in_bounds(9.965, 19.96, 10.03, 20.03, 2)),
  array[row(0, 1, 1, tests.listing_id('disc L3'))::text, row(1, 1, 3, null::uuid)::text],
  'listing clusters');

------------------------------------------------------------------------------------------------
-- Closed accounts and time zones.
------------------------------------------------------------------------------------------------
select ok((select deleted_at is not null from public.provider_profiles where id = tests.get_supabase_uid('disc_p6')),
  'closing an account marks its provider profile deleted');
select tests.authenticate_as_service_role();
select ok(not (tests.get_supabase_uid('disc_p6') = any (array(select provider_id from public.search_providers_nearby(10, 20, p_limit => 100)))),
  'a closed account stays out of searches for service_role too (p6 is 500 m away)');
reset role;
select ok(exists (select 1 from private.provider_time_zones where time_zone = 'Asia/Dubai'),
  'provider time zones are registered (availability filters start from them)');
update public.provider_profiles set timezone = 'Asia/Kolkata' where id = tests.get_supabase_uid('disc_p9');
select ok(exists (select 1 from private.provider_time_zones where time_zone = 'Asia/Kolkata'),
  'a provider moving to a new time zone registers it');
-- p9 works Monday 09:00-10:00 in Kolkata: 06:00 UTC is 11:30 there (closed), 04:00 UTC is 09:30 (open).
insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('disc_p9'), 1, '09:00', '10:00');
update public.provider_profiles set is_available = true where id = tests.get_supabase_uid('disc_p9');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[tests.get_supabase_uid('disc_p1')], 'available now uses each provider''s own time zone (p9 in Kolkata is closed at 11:30)');
select tests.freeze_time('2030-01-07 03:45:00+00');
select is(array(select provider_id from public.search_providers_nearby(10, 20, p_available_now => true)),
  array[tests.get_supabase_uid('disc_p9')], 'at 03:45 UTC p9 is open (09:15 Kolkata) and p1 not yet (07:45 Dubai)');
select is(array(select provider_id from public.search_providers_nearby(10, 20,
    p_open_from => '2030-01-07 03:00+00', p_open_to => '2030-01-07 04:00+00')),
  array[tests.get_supabase_uid('disc_p2'), tests.get_supabase_uid('disc_p5'), tests.get_supabase_uid('disc_p9')],
  'open window across time zones: 07:45-08:00 Dubai (p2, p5) and 09:15-09:30 Kolkata (p9)');
select tests.freeze_time('2030-01-07 06:00:00+00');

select * from finish();
rollback;
