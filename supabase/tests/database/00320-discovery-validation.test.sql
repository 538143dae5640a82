-- Module discovery, validation: a specific error code for each bad input to the search RPCs,
-- never a clamp, the same for anon; the module's error code range.
begin;
select plan(37);

-- The clock: Monday 2030-01-07 06:00 UTC (availability windows before it are in the past).
select tests.freeze_time('2030-01-07 06:00:00+00');
insert into public.categories (slug, names) values
  ('disc-root', '{"en": "Disc root", "ar": "ج"}'),
  ('disc-other', '{"en": "Disc other", "ar": "ج"}');
insert into public.categories (slug, names, parent_id)
select v.slug, '{"en": "Disc", "ar": "ج"}', tests.category_id(v.parent)
  from (values ('disc-leaf-a', 'disc-root'), ('disc-leaf-b', 'disc-root'), ('disc-other-leaf', 'disc-other')) as v(slug, parent);
insert into public.categories (slug, names, is_active) values ('disc-retired', '{"en": "Retired", "ar": "ج"}', false);
select tests.create_supabase_user('disc_customer');


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
select throws_ok($$ select * from public.search_listings_nearby(10, 20, p_category_id => tests.category_id('disc-retired')) $$, 'HL209', null, 'inactive category');
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

select * from finish();
rollback;
