-- Module catalog: policies for every role, trust fields, derived data, validation codes, slots,
-- favorites and provider statistics.
begin;
select plan(289);

-- Rows a statement touched, run as the current role (RLS applies); 0 = silently filtered out.
create function pg_temp.affected(q text) returns integer language plpgsql as $$
declare n integer;
begin
  execute q;
  get diagnostics n = row_count;
  return n;
end $$;
grant execute on function pg_temp.affected(text) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
do $$
begin
  perform tests.create_supabase_user(u)
     from unnest(array['cat_admin', 'cat_mod', 'cat_prov', 'cat_prov2', 'cat_cust', 'cat_boss', 'cat_staff', 'cat_temp']) as u;
end $$;
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('cat_admin'), 'admin'),
  (tests.get_supabase_uid('cat_mod'), 'moderator');

-- Error codes of the module are registered in their range.
select is((select count(*)::integer from private.error_codes where code between 'HL200' and 'HL249'), 30,
  'catalog error codes HL200-HL231 (but HL228-HL229, shared with identity as HL112-HL113) are registered');

------------------------------------------------------------------------------------------------
-- Categories: admins manage them through the Data API.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_admin');
insert into public.categories (id, parent_id, slug, names, icon, default_pricing_unit, sort_order) values
  ('00000000-0000-4000-a000-000000000101', null, 'tcat-home', '{"en": "Home", "ar": "المنزل"}', 'home', 'hourly', 1),
  ('00000000-0000-4000-a000-000000000104', null, 'tcat-cleaning', '{"en": "Cleaning", "ar": "تنظيف"}', 'broom', 'hourly', 2);
insert into public.categories (id, parent_id, slug, names, default_pricing_unit, sort_order) values
  ('00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000101', 'tcat-plumbing', '{"en": "Plumbing", "ar": "سباكة"}', 'fixed', 1);
insert into public.categories (id, parent_id, slug, names, default_pricing_unit) values
  ('00000000-0000-4000-a000-000000000103', '00000000-0000-4000-a000-000000000102', 'tcat-leaks', '{"en": "Leaks", "ar": "تسريبات", "ar-AE": "تسريب مياه"}', 'fixed');
insert into public.categories (id, slug, kind, names) values
  ('00000000-0000-4000-a000-000000000105', 'tcat-goods', 'goods', '{"en": "Furniture", "ar": "أثاث"}'),
  ('00000000-0000-4000-a000-000000000106', 'tcat-spare', 'service', '{"en": "Spare", "ar": "احتياطي"}');
select is((select path_ids from public.categories where slug = 'tcat-leaks'),
  array['00000000-0000-4000-a000-000000000101', '00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000103']::uuid[],
  'admins add categories; path_ids lists ancestors then the category');
select is(pg_temp.affected($$ update public.categories set icon = 'wrench' where slug = 'tcat-plumbing' $$), 1, 'admins can edit categories');
select is(pg_temp.affected($$ update public.categories set is_active = false where slug = 'tcat-spare' $$), 1, 'admins can deactivate categories');
select ok(exists (select 1 from public.categories where slug = 'tcat-spare'), 'admins see inactive categories');

-- Validation with documented codes.
select throws_ok($$ insert into public.categories (slug, names) values ('Bad Slug', '{"en": "x", "ar": "y"}') $$,
  'HL210', null, 'a malformed slug is HL210');
select throws_ok($$ insert into public.categories (slug, names) values ('tcat-no-ar', '{"en": "Only English"}') $$,
  'HL210', null, 'names without Arabic is HL210');
select throws_ok($$ insert into public.categories (slug, names) values ('tcat-home', '{"en": "Again", "ar": "مرة"}') $$,
  'HL212', null, 'a taken slug is HL212');
select throws_ok($$ insert into public.categories (slug, parent_id, names) values ('tcat-orphan', '00000000-0000-4000-a000-0000000009ff', '{"en": "x", "ar": "y"}') $$,
  'HL208', null, 'an unknown parent is HL208');
select throws_ok($$ update public.categories set parent_id = '00000000-0000-4000-a000-000000000103' where slug = 'tcat-home' $$,
  'HL211', null, 'moving a category under its descendant is HL211');
select throws_ok($$ insert into public.categories (slug, names, default_pricing_unit) values ('tcat-daily', '{"en": "x", "ar": "y"}', 'daily') $$,
  'HL224', null, 'an unknown default pricing unit is HL224');
select throws_ok($$ insert into public.categories (slug, parent_id, kind, names) values ('tcat-sofa', '00000000-0000-4000-a000-000000000101', 'goods', '{"en": "x", "ar": "y"}') $$,
  'HL210', null, 'a goods category cannot sit under a service category (HL210)');
select throws_ok($$ delete from public.categories where slug = 'tcat-plumbing' $$,
  'HL213', null, 'a category with subcategories cannot be deleted (HL213)');

-- Other users and anon.
select tests.authenticate_as('cat_cust');
select ok(not exists (select 1 from public.categories where slug = 'tcat-spare'), 'users do not see inactive categories');
select ok(exists (select 1 from public.categories where slug = 'tcat-home'), 'users see active categories');
select throws_ok($$ insert into public.categories (slug, names) values ('tcat-user', '{"en": "x", "ar": "y"}') $$,
  '42501', null, 'users cannot add categories');
select is(pg_temp.affected($$ update public.categories set icon = 'hacked' where slug = 'tcat-home' $$), 0, 'users cannot edit categories');
select is(pg_temp.affected($$ delete from public.categories where slug = 'tcat-cleaning' $$), 0, 'users cannot delete categories');
select tests.clear_authentication();
select ok(exists (select 1 from public.categories where slug = 'tcat-home'), 'anon sees active categories');
select ok(not exists (select 1 from public.categories where slug = 'tcat-spare'), 'anon does not see inactive categories');
select throws_ok($$ insert into public.categories (slug, names) values ('tcat-anon', '{"en": "x", "ar": "y"}') $$,
  '42501', null, 'anon cannot add categories');
select throws_ok($$ update public.categories set icon = 'x' where slug = 'tcat-home' $$, '42501', null, 'anon cannot edit categories');
select throws_ok($$ delete from public.categories where slug = 'tcat-home' $$, '42501', null, 'anon cannot delete categories');

-- Localized tree.
select is((select name from public.category_tree('ar') where slug = 'tcat-plumbing'), 'سباكة', 'category_tree gives Arabic names');
select is((select name from public.category_tree('fr') where slug = 'tcat-plumbing'), 'Plumbing', 'category_tree falls back to English');
select is((select name from public.category_tree('ar-AE') where slug = 'tcat-leaks'), 'تسريب مياه', 'category_tree prefers the regional name');
select is((select name from public.category_tree('ar-SA') where slug = 'tcat-leaks'), 'تسريبات', 'category_tree falls back to the language');
select ok((select min(ord) filter (where slug = 'tcat-home') < min(ord) filter (where slug = 'tcat-plumbing')
             and min(ord) filter (where slug = 'tcat-plumbing') < min(ord) filter (where slug = 'tcat-leaks')
             and min(depth) filter (where slug = 'tcat-leaks') = 2
             from (select slug, depth, row_number() over () as ord from public.category_tree('en')) t),
  'category_tree lists parents before children with their depth');
select ok(not exists (select 1 from public.category_tree('en', null, true) where slug = 'tcat-spare'),
  'category_tree leaves inactive categories out for non-admins');
select throws_ok($$ select * from public.category_tree('english') $$, 'HL227', null, 'a malformed locale is HL227');
select tests.authenticate_as('cat_admin');
select ok(exists (select 1 from public.category_tree('en', null, true) where slug = 'tcat-spare'),
  'admins can list inactive categories in the tree');
select ok(not exists (select 1 from public.category_tree('en', 'service') where kind <> 'service'), 'category_tree filters by kind');
select is(pg_temp.affected($$ delete from public.categories where slug = 'tcat-spare' $$), 1, 'admins can delete unused categories');

------------------------------------------------------------------------------------------------
-- Onboarding
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 91, 55.27) $$, 'HL200', null, 'latitude 91 is HL200');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', -90.0001, 55.27) $$, 'HL200', null, 'latitude -90.0001 is HL200');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 180.5) $$, 'HL201', null, 'longitude 180.5 is HL201');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, null) $$, 'HL201', null, 'a missing longitude is HL201');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 0) $$, 'HL202', null, 'radius 0 is HL202');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, -5) $$, 'HL202', null, 'a negative radius is HL202');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 100001) $$, 'HL202', null, 'a radius over 100 km is HL202');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 5000, 'Mars/Olympus') $$, 'HL214', null, 'an unknown time zone is HL214');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 5000, 'Asia/Dubai', 'aed') $$, 'HL206', null, 'a malformed currency is HL206');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 5000, 'Asia/Dubai', null, -1) $$, 'HL205', null, 'a negative hourly rate is HL205');
select throws_ok($$ select public.create_provider_profile('O', 25.2, 55.27) $$, 'HL222', null, 'a one-letter display name is HL222');
select ok(not (select is_provider from public.profiles where id = tests.get_supabase_uid('cat_prov')), 'failed onboarding leaves the user a customer');
select is((select display_name from public.create_provider_profile('Omar Fixes', 25.2048, 55.2708, 5000, 'Asia/Dubai', null, 9000, 'Omar Plumbing LLC', 'Leaks and taps', array['plumbing', 'tiling'])),
  'Omar Fixes', 'create_provider_profile creates the profile');
select ok((select is_provider from public.profiles where id = tests.get_supabase_uid('cat_prov')), 'the user becomes a provider');
select is((select array[base_lat, base_lng] from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  array[25.2048, 55.2708]::float8[], 'base_lat/base_lng expose the base as numbers');
select is((select currency::text from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), 'AED', 'the currency defaults to the profile''s');
select throws_ok($$ select public.create_provider_profile('Omar Again', 25.2, 55.27) $$, 'HL221', null, 'a second provider profile is HL221');
select throws_ok($$ insert into public.provider_profiles (id, display_name, base_location) values (auth.uid(), 'Direct', 'SRID=4326;POINT(200 100)') $$,
  '42501', null, 'provider profiles cannot be inserted directly (raw geography would be silently wrapped)');

select tests.authenticate_as('cat_prov2');
select ok((select currency::text = 'GBP' from public.create_provider_profile('London Fixer', 51.5074, -0.1278, 8000, 'Europe/London', 'GBP')),
  'a second provider onboards in London with GBP');
select tests.authenticate_as('cat_temp');
select lives_ok($$ select public.create_provider_profile('Temp Provider', 25.1, 55.1) $$, 'a third provider onboards');
select tests.clear_authentication();
select throws_ok($$ select public.create_provider_profile('Anon', 25.2, 55.27) $$, '42501', null, 'anon cannot onboard');

------------------------------------------------------------------------------------------------
-- Provider profiles: policies and trust fields
------------------------------------------------------------------------------------------------
select ok(exists (select 1 from public.provider_profiles where display_name = 'Omar Fixes'), 'anon reads provider profiles');
select throws_ok($$ update public.provider_profiles set display_name = 'Anon' where display_name = 'Omar Fixes' $$, '42501', null, 'anon cannot edit provider profiles');
select throws_ok($$ delete from public.provider_profiles where display_name = 'Omar Fixes' $$, '42501', null, 'anon cannot delete provider profiles');

select tests.authenticate_as('cat_prov');
select is(pg_temp.affected($$ update public.provider_profiles set display_name = 'Omar Fixes It', is_available = true where id = auth.uid() $$), 1,
  'providers edit their profile and toggle is_available');
select throws_ok($$ update public.provider_profiles set rating_avg = 5 where id = auth.uid() $$, '42501', null, 'providers cannot write rating_avg');
select throws_ok($$ update public.provider_profiles set rating_count = 100 where id = auth.uid() $$, '42501', null, 'providers cannot write rating_count');
select throws_ok($$ update public.provider_profiles set rating_sum = 500 where id = auth.uid() $$, '42501', null, 'providers cannot write rating_sum');
select throws_ok($$ update public.provider_profiles set completed_jobs = 100 where id = auth.uid() $$, '42501', null, 'providers cannot write completed_jobs');
select throws_ok($$ update public.provider_profiles set response_time_s = 1 where id = auth.uid() $$, '42501', null, 'providers cannot write response_time_s');
select throws_ok($$ update public.provider_profiles set is_verified = true where id = auth.uid() $$, '42501', null, 'providers cannot write is_verified');
select throws_ok($$ update public.provider_profiles set coverage = null where id = auth.uid() $$, '42501', null, 'providers cannot write coverage');
select throws_ok($$ update public.provider_profiles set category_ids = '{}' where id = auth.uid() $$, '42501', null, 'providers cannot write category_ids');
select throws_ok($$ update public.provider_profiles set price_from = 1 where id = auth.uid() $$, '42501', null, 'providers cannot write price_from');
select throws_ok($$ update public.provider_profiles set business_id = null where id = auth.uid() $$, '42501', null, 'providers cannot write business_id');
select throws_ok($$ update public.provider_profiles set base_location = 'SRID=4326;POINT(55 25)' where id = auth.uid() $$, '42501', null, 'providers cannot write base_location directly');
select throws_ok($$ update public.provider_profiles set service_area = null where id = auth.uid() $$, '42501', null, 'providers cannot write service_area directly');
select throws_ok($$ update public.provider_profiles set service_radius_m = 200000 where id = auth.uid() $$, 'HL202', null, 'a radius over 100 km is HL202, not a check violation');
select throws_ok($$ update public.provider_profiles set hourly_rate = 1000000000 where id = auth.uid() $$, 'HL205', null, 'an absurd hourly rate is HL205');
select throws_ok($$ update public.provider_profiles set timezone = 'Dubai' where id = auth.uid() $$, 'HL214', null, 'an unknown time zone is HL214');
select throws_ok($$ update public.provider_profiles set skills = array['ok', ''] where id = auth.uid() $$, 'HL222', null, 'an empty skill is HL222');

select tests.authenticate_as('cat_prov2');
select is(pg_temp.affected($$ update public.provider_profiles set display_name = 'Hijack' where id = tests.get_supabase_uid('cat_prov') $$), 0,
  'other providers cannot edit a profile');
select is(pg_temp.affected($$ delete from public.provider_profiles where id = tests.get_supabase_uid('cat_prov') $$), 0,
  'other providers cannot delete a profile');
select tests.authenticate_as('cat_admin');
select is(pg_temp.affected($$ update public.provider_profiles set display_name = 'Admin Edit' where id = tests.get_supabase_uid('cat_prov') $$), 0,
  'admins do not edit provider profiles through the table');

-- Verification by operators.
select tests.authenticate_as('cat_prov');
select throws_ok($$ select public.verify_provider(auth.uid()) $$, 'HL002', null, 'providers cannot verify themselves');
select tests.authenticate_as('cat_mod');
select ok((select is_verified from public.verify_provider(tests.get_supabase_uid('cat_prov'))), 'moderators (providers.verify) verify providers');
select throws_ok($$ select public.verify_provider('00000000-0000-4000-a000-0000000009ff') $$, 'HL220', null, 'verifying an unknown provider is HL220');

------------------------------------------------------------------------------------------------
-- Coverage: radius, drawn polygon, moves
------------------------------------------------------------------------------------------------
select ok((select extensions.st_covers(coverage, extensions.st_project(base_location, 4900, 0))
              and not extensions.st_covers(coverage, extensions.st_project(base_location, 5100, 0))
             from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  'coverage is a circle of service_radius_m around the base');

select tests.authenticate_as('cat_prov');
select lives_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.30], [55.20, 25.15]]]}') $$,
  'providers draw a service area as GeoJSON');
select ok((select extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.34, 25.29), 4326)::extensions.geography)
              and not extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.40, 25.20), 4326)::extensions.geography)
             from public.provider_profiles where id = auth.uid()),
  'coverage is the drawn polygon when one is set (the radius is ignored)');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.30], [55.35, 25.15], [55.20, 25.30], [55.20, 25.15]]]}') $$,
  'HL203', null, 'a self-intersecting polygon is HL203');
select throws_ok($$ select public.set_service_area('{"type": "Point", "coordinates": [55.2, 25.2]}') $$, 'HL203', null, 'a point is not a service area (HL203)');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.2, 25.1], [55.3]]]}') $$, 'HL203', null, 'unreadable GeoJSON is HL203');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.2, 95], [55.3, 95], [55.3, 96], [55.2, 95]]]}') $$, 'HL200', null, 'a vertex beyond latitude 90 is HL200');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[185, 25], [186, 25], [186, 26], [185, 25]]]}') $$, 'HL201', null, 'a vertex beyond longitude 180 is HL201');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[50, 20], [60, 20], [60, 30], [50, 30], [50, 20]]]}') $$, 'HL204', null, 'a 1000 km wide area is HL204');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.2, 25.2], [55.2001, 25.2], [55.2001, 25.2001], [55.2, 25.2]]]}') $$, 'HL204', null, 'a 10 m area is HL204');
select lives_ok($$ select public.set_service_area(null) $$, 'set_service_area(null) goes back to the radius');
select ok((select service_area is null and extensions.st_covers(coverage, extensions.st_project(base_location, 4900, 0))
              and not extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.34, 25.29), 4326)::extensions.geography)
             from public.provider_profiles where id = auth.uid()),
  'coverage is the radius circle again');
select lives_ok($$ select public.set_service_area('{"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.15]]]]}}') $$,
  'a GeoJSON Feature with a MultiPolygon is accepted');
select lives_ok($$ select public.set_service_area(null) $$, 'the drawn area is cleared again');
select tests.authenticate_as('cat_cust');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.15]]]}') $$,
  'HL106', null, 'a non-provider setting a service area is HL106');
select throws_ok($$ select public.set_provider_location(25.2, 55.3) $$, 'HL106', null, 'a non-provider setting a location is HL106');

------------------------------------------------------------------------------------------------
-- Listings
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes) values
  ('00000000-0000-4000-a000-000000000201', auth.uid(), '00000000-0000-4000-a000-000000000103', 'Fix a leaking pipe', 'fixed', 15000, 60);
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes, service_radius_m) values
  ('00000000-0000-4000-a000-000000000202', auth.uid(), '00000000-0000-4000-a000-000000000104', 'Deep cleaning', 'hourly', 8000, 120, 1000);
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price) values
  ('00000000-0000-4000-a000-000000000203', auth.uid(), '00000000-0000-4000-a000-000000000102', 'Bathroom refit', 'quote', 0);
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, is_active) values
  ('00000000-0000-4000-a000-000000000204', auth.uid(), '00000000-0000-4000-a000-000000000103', 'Secret listing', 'fixed', 100, false);
select is((select currency::text from public.service_listings where id = '00000000-0000-4000-a000-000000000201'), 'AED',
  'a listing''s currency defaults to the provider''s');
select is((select category_ids from public.provider_profiles where id = auth.uid()),
  array['00000000-0000-4000-a000-000000000101', '00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000103', '00000000-0000-4000-a000-000000000104']::uuid[],
  'category_ids holds the active listings'' categories with their ancestors');
select is((select price_from from public.provider_profiles where id = auth.uid()), 8000::bigint,
  'price_from is the lowest active, non-quote price');
select ok((select extensions.st_equals(l.coverage::extensions.geometry, p.coverage::extensions.geometry) and l.location = p.base_location
             from public.service_listings l join public.provider_profiles p on p.id = l.provider_id
            where l.id = '00000000-0000-4000-a000-000000000201'),
  'a listing without overrides inherits the provider''s coverage and base');
select ok((select extensions.st_covers(coverage, extensions.st_project(location, 900, 1)) and not extensions.st_covers(coverage, extensions.st_project(location, 1100, 1))
             from public.service_listings where id = '00000000-0000-4000-a000-000000000202'),
  'a listing radius overrides the coverage');

-- Validation codes.
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Negative', 'fixed', -1) $$,
  'HL205', null, 'a negative price is HL205');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Absurd', 'fixed', 2000000000) $$,
  'HL205', null, 'an absurd price is HL205');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Quote', 'quote', 500) $$,
  'HL205', null, 'a quote listing with a price is HL205 (not clamped to 0)');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-0000000009ff', 'Unknown', 'fixed', 100) $$,
  'HL208', null, 'an unknown category is HL208');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000105', 'Sofa', 'fixed', 100) $$,
  'HL209', null, 'a goods category is HL209');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, currency) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Dollars', 'fixed', 100, 'USD') $$,
  'HL207', null, 'another currency than the provider''s is HL207');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, currency) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Lower', 'fixed', 100, 'aed') $$,
  'HL206', null, 'a malformed currency is HL206');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, duration_minutes) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Odd', 'fixed', 100, 7) $$,
  'HL225', null, 'a 7-minute duration is HL225');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Daily', 'daily', 100) $$,
  'HL224', null, 'an unknown pricing unit is HL224');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'ab', 'fixed', 100) $$,
  'HL223', null, 'a two-letter title is HL223');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, service_radius_m) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Tiny', 'fixed', 100, 50) $$,
  'HL202', null, 'a 50 m listing radius is HL202');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, service_area) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Area', 'fixed', 100, null) $$,
  '42501', null, 'listing areas are not written directly');
select throws_ok($$ update public.provider_profiles set currency = 'USD' where id = auth.uid() $$, 'HL207', null, 'a provider with listings cannot change currency (HL207)');

select tests.authenticate_as('cat_cust');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Not a provider', 'fixed', 100) $$,
  'HL106', null, 'a non-provider adding a listing is HL106');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Forged', 'fixed', 100) $$,
  '42501', null, 'users cannot add listings for a provider');
select ok(not exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'other users do not see inactive listings');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000201'), 'other users see active listings');
select is(pg_temp.affected($$ update public.service_listings set title = 'Hijacked' where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'other users cannot edit listings');
select is(pg_temp.affected($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'other users cannot delete listings');
select throws_ok($$ select public.set_listing_service_area('00000000-0000-4000-a000-000000000201', null) $$, 'HL219', null, 'set_listing_service_area on another''s listing is HL219');

select tests.clear_authentication();
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000201'), 'anon sees active listings');
select ok(not exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'anon does not see inactive listings');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Anon', 'fixed', 100) $$,
  '42501', null, 'anon cannot add listings');
select throws_ok($$ update public.service_listings set title = 'Anon' where id = '00000000-0000-4000-a000-000000000201' $$, '42501', null, 'anon cannot edit listings');
select throws_ok($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000201' $$, '42501', null, 'anon cannot delete listings');

select tests.authenticate_as('cat_mod');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'moderators see inactive listings');
select is(pg_temp.affected($$ update public.service_listings set title = 'Moderated' where id = '00000000-0000-4000-a000-000000000204' $$), 0, 'moderators do not edit listings');
select tests.authenticate_as('cat_admin');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'admins see inactive listings');

select tests.authenticate_as('cat_prov');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'providers see their inactive listings');
select is(pg_temp.affected($$ update public.service_listings set is_active = false where id = '00000000-0000-4000-a000-000000000202' $$), 1, 'providers edit their listings');
select is((select price_from from public.provider_profiles where id = auth.uid()), 15000::bigint, 'price_from follows a deactivated listing');
select is((select category_ids from public.provider_profiles where id = auth.uid()),
  array['00000000-0000-4000-a000-000000000101', '00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000103']::uuid[],
  'category_ids follows a deactivated listing');
select is(pg_temp.affected($$ update public.service_listings set is_active = true where id = '00000000-0000-4000-a000-000000000202' $$), 1, 'providers reactivate their listings');
select throws_ok($$ update public.service_listings set pricing_unit = 'quote' where id = '00000000-0000-4000-a000-000000000201' $$, 'HL205', null, 'switching to quote without clearing the price is HL205');
select lives_ok($$ select public.set_listing_service_area('00000000-0000-4000-a000-000000000202', '{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.15]]]}') $$,
  'providers draw a listing area');
select ok((select extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.34, 25.16), 4326)::extensions.geography)
             from public.service_listings where id = '00000000-0000-4000-a000-000000000202'),
  'the drawn listing area overrides the radius');
select lives_ok($$ select public.set_listing_service_area('00000000-0000-4000-a000-000000000202', null) $$, 'the listing area is cleared');

-- Provider changes propagate to listings.
select lives_ok($$ select public.set_provider_location(25.0800, 55.1400) $$, 'providers move their base with lat/lng');
select throws_ok($$ select public.set_provider_location(25.08, 255.14) $$, 'HL201', null, 'set_provider_location validates longitude');
select ok((select l.location = p.base_location and extensions.st_equals(l.coverage::extensions.geometry, p.coverage::extensions.geometry)
             from public.service_listings l join public.provider_profiles p on p.id = l.provider_id
            where l.id = '00000000-0000-4000-a000-000000000201'),
  'a provider move carries inheriting listings along');
select ok((select extensions.st_covers(l.coverage, extensions.st_project(p.base_location, 900, 2))
             from public.service_listings l join public.provider_profiles p on p.id = l.provider_id
            where l.id = '00000000-0000-4000-a000-000000000202'),
  'a listing radius is re-centred on the new base');
update public.provider_profiles set service_radius_m = 20000 where id = auth.uid();
select ok((select extensions.st_covers(l.coverage, extensions.st_project(p.base_location, 19000, 0))
             from public.service_listings l join public.provider_profiles p on p.id = l.provider_id
            where l.id = '00000000-0000-4000-a000-000000000201'),
  'a radius change alone reaches inheriting listings');

------------------------------------------------------------------------------------------------
-- Category moves and deactivation refresh providers
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_admin');
update public.categories set is_active = false where slug = 'tcat-cleaning';
select is((select array[price_from::text, cardinality(category_ids)::text] from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  array['15000', '3'], 'deactivating a category drops it from category_ids and price_from');
update public.categories set is_active = true where slug = 'tcat-cleaning';
update public.categories set is_active = false where slug = 'tcat-home';
select is((select category_ids from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  array['00000000-0000-4000-a000-000000000104']::uuid[], 'deactivating an ancestor hides the whole subtree');
update public.categories set is_active = true where slug = 'tcat-home';
update public.categories set parent_id = '00000000-0000-4000-a000-000000000104' where slug = 'tcat-plumbing';
select is((select path_ids from public.categories where slug = 'tcat-leaks'),
  array['00000000-0000-4000-a000-000000000104', '00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000103']::uuid[],
  'moving a category re-derives its descendants'' paths');
select is((select category_ids from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  array['00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000103', '00000000-0000-4000-a000-000000000104']::uuid[],
  'moving a category refreshes providers'' category_ids');
select throws_ok($$ delete from public.categories where slug = 'tcat-leaks' $$, 'HL213', null, 'a category with listings cannot be deleted (HL213)');
select tests.authenticate_as('cat_prov');
update public.categories set is_active = false where slug = 'tcat-cleaning';
select ok((select is_active from public.categories where slug = 'tcat-cleaning'), '(providers cannot deactivate categories)');

------------------------------------------------------------------------------------------------
-- Certifications
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.provider_certifications (provider_id, name, issuer, number, expires_on, document_path)
values (auth.uid(), 'Plumbing licence', 'Dubai Municipality', 'DM-123', '2099-01-01', 'certs/dm-123.pdf');
select ok(exists (select 1 from public.provider_certifications where name = 'Plumbing licence'), 'providers add certifications');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer, expires_on) values (auth.uid(), 'Old', 'Issuer', '2000-01-01') $$,
  'HL226', null, 'an expired certification is HL226');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (auth.uid(), 'X', 'Issuer') $$,
  'HL226', null, 'a one-letter certification name is HL226');
select throws_ok($$ update public.provider_certifications set verified_at = now() where name = 'Plumbing licence' $$,
  '42501', null, 'providers cannot write verified_at');
select throws_ok($$ select public.verify_certification((select id from public.provider_certifications where name = 'Plumbing licence')) $$, 'HL002', null, 'providers cannot verify certifications');
select tests.authenticate_as('cat_cust');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (tests.get_supabase_uid('cat_prov'), 'Forged', 'Issuer') $$,
  '42501', null, 'users cannot add certifications for a provider');
select is(pg_temp.affected($$ update public.provider_certifications set number = 'X' where name = 'Plumbing licence' $$), 0, 'other users cannot edit certifications');
select is(pg_temp.affected($$ delete from public.provider_certifications where name = 'Plumbing licence' $$), 0, 'other users cannot delete certifications');
select tests.clear_authentication();
select ok(exists (select 1 from public.provider_certifications where name = 'Plumbing licence'), 'anon reads certifications');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (tests.get_supabase_uid('cat_prov'), 'Anon', 'Issuer') $$,
  '42501', null, 'anon cannot add certifications');
select tests.authenticate_as('cat_admin');
select ok((select verified_by = auth.uid() and verified_at is not null from public.verify_certification((select id from public.provider_certifications where name = 'Plumbing licence'))),
  'admins verify certifications');
select throws_ok($$ select public.verify_certification('00000000-0000-4000-a000-0000000009ff') $$, 'HL231', null, 'an unknown certification is HL231');
select tests.authenticate_as('cat_prov');
update public.provider_certifications set number = 'DM-124' where name = 'Plumbing licence';
select ok((select verified_at is null and verified_by is null from public.provider_certifications where name = 'Plumbing licence'),
  'changing a certificate clears its verification');
select is(pg_temp.affected($$ delete from public.provider_certifications where name = 'Plumbing licence' $$), 1, 'providers delete their certifications');

------------------------------------------------------------------------------------------------
-- Availability rules and time off
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
values (auth.uid(), 1, '09:00', '12:00');
select ok(exists (select 1 from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1), 'providers add weekly rules');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 1, '11:00', '13:00') $$,
  'HL216', null, 'an overlapping rule is HL216');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 7, '09:00', '10:00') $$,
  'HL215', null, 'weekday 7 is HL215');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 2, '10:00', '09:00') $$,
  'HL215', null, 'a rule ending before it starts is HL215');
select throws_ok($$ select public.set_weekly_availability('{"weekday": 1}') $$, 'HL215', null, 'set_weekly_availability needs an array (HL215)');
select throws_ok($$ select public.set_weekly_availability('[{"weekday": "monday", "start_time": "09:00", "end_time": "10:00"}]') $$, 'HL215', null, 'an unreadable rule is HL215');
select tests.authenticate_as('cat_cust');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('cat_prov'), 3, '09:00', '10:00') $$,
  '42501', null, 'users cannot add rules for a provider');
select is(pg_temp.affected($$ update public.availability_rules set end_time = '23:00' where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1 $$), 0, 'other users cannot edit rules');
select is(pg_temp.affected($$ delete from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1 $$), 0, 'other users cannot delete rules');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 3, '09:00', '10:00') $$,
  'HL106', null, 'a non-provider adding a rule is HL106');
select tests.clear_authentication();
select ok(exists (select 1 from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1), 'anon reads weekly rules');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('cat_prov'), 3, '09:00', '10:00') $$,
  '42501', null, 'anon cannot add rules');
select throws_ok($$ select count(*) from public.provider_time_off $$, '42501', null, 'anon cannot read time off');

select tests.authenticate_as('cat_prov');
insert into public.provider_time_off (provider_id, period, reason)
values (auth.uid(), '[2026-12-24 00:00+04, 2026-12-27 00:00+04)', 'Holiday');
select ok(exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'providers add and read their time off');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (auth.uid(), 'empty') $$, 'HL217', null, 'an empty period is HL217');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (auth.uid(), '[2026-12-01 00:00+04,)') $$, 'HL217', null, 'an unbounded period is HL217');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (auth.uid(), '[2026-01-01 00:00+04, 2028-01-01 00:00+04)') $$, 'HL217', null, 'two years off is HL217');
select tests.authenticate_as('cat_prov2');
select ok(not exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'other users do not see time off');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (tests.get_supabase_uid('cat_prov'), '[2026-12-01 00:00+04, 2026-12-02 00:00+04)') $$,
  '42501', null, 'users cannot add time off for a provider');
select is(pg_temp.affected($$ update public.provider_time_off set reason = 'x' where reason = 'Holiday' $$), 0, 'other users cannot edit time off');
select is(pg_temp.affected($$ delete from public.provider_time_off where reason = 'Holiday' $$), 0, 'other users cannot delete time off');
select tests.authenticate_as('cat_admin');
select ok(not exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'admins do not read time off');

------------------------------------------------------------------------------------------------
-- Businesses: attaching providers, staff read access
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_boss');
insert into public.businesses (owner_id, name) values (auth.uid(), 'Boss Services');
reset role;
insert into public.business_members (business_id, user_id, role) values
  ((select id from public.businesses where name = 'Boss Services'), tests.get_supabase_uid('cat_staff'), 'staff');
select tests.authenticate_as('cat_boss');
select throws_ok($$ select public.set_provider_business(tests.get_supabase_uid('cat_prov'), (select id from public.businesses where name = 'Boss Services')) $$,
  'HL113', null, 'attaching a provider who is not a member is HL113');
reset role;
insert into public.business_members (business_id, user_id, role) values
  ((select id from public.businesses where name = 'Boss Services'), tests.get_supabase_uid('cat_prov'), 'staff');
select tests.authenticate_as('cat_staff');
select throws_ok($$ select public.set_provider_business(tests.get_supabase_uid('cat_prov'), (select id from public.businesses where name = 'Boss Services')) $$,
  'HL112', null, 'staff cannot attach providers (HL112)');
select ok(not exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'staff do not see hidden listings of unattached providers');
select tests.authenticate_as('cat_prov');
select throws_ok($$ select public.set_provider_business(auth.uid(), (select id from public.businesses where name = 'Boss Services')) $$,
  'HL112', null, 'providers cannot attach themselves to a business they do not manage');
select tests.authenticate_as('cat_boss');
select is((select business_id from public.set_provider_business(tests.get_supabase_uid('cat_prov'), (select id from public.businesses where name = 'Boss Services'))),
  (select id from public.businesses where name = 'Boss Services'), 'the business owner attaches a member''s provider profile');
select tests.authenticate_as('cat_staff');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'staff see hidden listings of their business''s providers');
select ok(exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'staff see time off of their business''s providers');
select is(pg_temp.affected($$ update public.service_listings set title = 'Staff edit' where id = '00000000-0000-4000-a000-000000000204' $$), 0, 'staff cannot edit those listings');
select is(pg_temp.affected($$ update public.availability_rules set end_time = '13:00' where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1 $$), 0, 'staff cannot edit their availability');
select is(pg_temp.affected($$ delete from public.provider_time_off where reason = 'Holiday' $$), 0, 'staff cannot delete their time off');
reset role;
delete from public.business_members where business_id = (select id from public.businesses where name = 'Boss Services') and user_id = tests.get_supabase_uid('cat_prov');
select is((select business_id from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), null::uuid,
  'leaving the business detaches the provider profile');

------------------------------------------------------------------------------------------------
-- Slots
------------------------------------------------------------------------------------------------
-- cat_prov: Asia/Dubai, Monday 09:00-12:00; listing 201 lasts 60 minutes; step 30, notice 60.
select tests.freeze_time('2026-03-01 12:00+00');  -- a Sunday
select tests.clear_authentication();
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 05:00+00', '2026-03-02 05:30+00', '2026-03-02 06:00+00', '2026-03-02 06:30+00', '2026-03-02 07:00+00']::timestamptz[],
  'anon gets slots: Monday 09:00-12:00 Dubai in 30-minute steps for a 60-minute job');
select ok((select bool_and(slot_end = slot_start + interval '60 minutes') from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  'slots last the listing''s duration');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-03-31')), 25,
  'a 31-day range returns every Monday''s slots');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-03-01', 'America/Los_Angeles')), 5,
  'dates are read in the requested time zone (Sunday in Los Angeles holds Monday morning in Dubai)');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02', 'America/Los_Angeles')), 0,
  'and Monday in Los Angeles holds none');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-04-01') $$,
  'HL218', null, 'more than 31 days is HL218');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-05', '2026-03-01') $$,
  'HL217', null, 'a reversed range is HL217');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', null, '2026-03-01') $$,
  'HL217', null, 'a missing date is HL217');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-03-02', 'Mars/Olympus') $$,
  'HL214', null, 'an unknown time zone is HL214');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-0000000009ff', '2026-03-01', '2026-03-02') $$,
  'HL219', null, 'an unknown listing is HL219');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000204', '2026-03-01', '2026-03-02') $$,
  'HL219', null, 'an inactive listing is HL219 for others');
select tests.authenticate_as('cat_prov');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000204', '2026-03-02', '2026-03-02')), 5,
  'providers preview slots of their inactive listings');

-- Minimum notice.
select tests.freeze_time('2026-03-02 05:10+00');  -- Monday 09:10 in Dubai
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 06:30+00', '2026-03-02 07:00+00']::timestamptz[], 'slots start at least 60 minutes from now');

-- Step setting.
select tests.freeze_time('2026-03-01 12:00+00');
reset role;
update private.settings set value = '0' where key = 'catalog.slot_step_minutes';
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 05:00+00', '2026-03-02 06:00+00', '2026-03-02 07:00+00']::timestamptz[], 'step 0 makes back-to-back slots of the listing duration');
update private.settings set value = '30' where key = 'catalog.slot_step_minutes';

-- Adjacent rules merge; time off is excluded.
select tests.authenticate_as('cat_prov');
select is((select count(*)::integer from public.set_weekly_availability(
  '[{"weekday": 1, "start_time": "09:00", "end_time": "12:00"}, {"weekday": 2, "start_time": "09:00", "end_time": "10:00"}, {"weekday": 2, "start_time": "10:00", "end_time": "11:00"}]')),
  3, 'set_weekly_availability replaces the week');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-03', '2026-03-03')),
  array['2026-03-03 05:00+00', '2026-03-03 05:30+00', '2026-03-03 06:00+00']::timestamptz[], 'adjacent rules form one stretch (09:30-10:30 spans both)');
insert into public.provider_time_off (provider_id, period) values (auth.uid(), '[2026-03-02 06:00+00, 2026-03-02 06:30+00)');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 05:00+00', '2026-03-02 06:30+00', '2026-03-02 07:00+00']::timestamptz[], 'slots overlapping time off are left out');

-- DST: a London provider, Sundays 00:30-03:00 and 09:00-11:00, 60-minute listing.
select tests.authenticate_as('cat_prov2');
select lives_ok($$ select public.set_weekly_availability('[{"weekday": 0, "start_time": "00:30", "end_time": "03:00"}, {"weekday": 0, "start_time": "09:00", "end_time": "11:00"}]') $$,
  'the London provider sets Sunday hours');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes) values
  ('00000000-0000-4000-a000-000000000205', auth.uid(), '00000000-0000-4000-a000-000000000103', 'London leaks', 'hourly', 6000, 60);
select is((select currency::text from public.service_listings where id = '00000000-0000-4000-a000-000000000205'), 'GBP', 'the London listing is priced in GBP');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000205', '2026-03-22', '2026-03-22')),
  array['2026-03-22 00:30+00', '2026-03-22 01:00+00', '2026-03-22 01:30+00', '2026-03-22 02:00+00',
        '2026-03-22 09:00+00', '2026-03-22 09:30+00', '2026-03-22 10:00+00']::timestamptz[],
  'London in winter: local time is UTC');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000205', '2026-03-29', '2026-03-29')),
  array['2026-03-29 00:30+00', '2026-03-29 01:00+00', '2026-03-29 08:00+00', '2026-03-29 08:30+00', '2026-03-29 09:00+00']::timestamptz[],
  'the last Sunday of March: 00:30-03:00 lasts 90 minutes and 09:00 BST is 08:00 UTC');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000205', '2026-10-25', '2026-10-25')),
  array['2026-10-24 23:30+00', '2026-10-25 00:00+00', '2026-10-25 00:30+00', '2026-10-25 01:00+00', '2026-10-25 01:30+00', '2026-10-25 02:00+00',
        '2026-10-25 09:00+00', '2026-10-25 09:30+00', '2026-10-25 10:00+00']::timestamptz[],
  'the last Sunday of October: 00:30-03:00 lasts 3.5 hours');
select lives_ok($$ select public.set_weekly_availability('[{"weekday": 0, "start_time": "01:30", "end_time": "02:00"}]') $$,
  'a rule inside the spring-forward gap is accepted');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes) values
  ('00000000-0000-4000-a000-000000000206', auth.uid(), '00000000-0000-4000-a000-000000000103', 'Quick check', 'fixed', 2000, 30);
select is((select array_agg(slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000206', '2026-03-22', '2026-03-22')),
  array['2026-03-22 01:30+00']::timestamptz[], 'a 30-minute rule holds one 30-minute slot on a normal Sunday');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000206', '2026-03-29', '2026-03-29')), 0,
  'and none (without an error) when 01:30-02:00 does not exist');
reset role;
select is(private.is_within_availability(tests.get_supabase_uid('cat_prov2'), tstzrange('2026-03-22 01:30+00', '2026-03-22 02:00+00')), true,
  'bookings use the same open hours: 01:30-02:00 on a normal Sunday is open');
select is(private.is_within_availability(tests.get_supabase_uid('cat_prov2'), tstzrange('2026-03-29 00:30+00', '2026-03-29 01:00+00')), false,
  'and a Sunday whose rule falls in the gap is closed, without an error');

------------------------------------------------------------------------------------------------
-- Favorites
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_cust');
insert into public.favorites (user_id, provider_id) values
  (auth.uid(), tests.get_supabase_uid('cat_prov')), (auth.uid(), tests.get_supabase_uid('cat_prov2'));
select is((select count(*)::integer from public.favorites), 2, 'users save and read their favorites');
select throws_ok($$ insert into public.favorites (user_id, provider_id) values (auth.uid(), '00000000-0000-4000-a000-0000000009ff') $$,
  'HL220', null, 'saving an unknown provider is HL220');
select is((select count(*)::integer from public.list_favorite_providers()), 2, 'list_favorite_providers lists saved providers');
select is((select display_name from public.list_favorite_providers() where provider_id = tests.get_supabase_uid('cat_prov')), 'Omar Fixes It',
  'with their display data');
-- Monday 09:30 in Dubai: inside cat_prov's rule, toggle on (set above), no time off.
select tests.freeze_time('2026-03-02 05:30+00');
select is((select array_agg(provider_id) from public.list_favorite_providers(true)), array[tests.get_supabase_uid('cat_prov')],
  'available now: toggle on and inside a weekly rule');
select tests.freeze_time('2026-03-02 06:10+00');
select is((select count(*)::integer from public.list_favorite_providers(true)), 0, 'not available during time off');
select tests.freeze_time('2026-03-02 09:00+00');
select is((select count(*)::integer from public.list_favorite_providers(true)), 0, 'not available outside the weekly rules');
select tests.freeze_time('2026-03-02 05:30+00');
select tests.authenticate_as('cat_prov');
update public.provider_profiles set is_available = false where id = auth.uid();
select tests.authenticate_as('cat_cust');
select is((select count(*)::integer from public.list_favorite_providers(true)), 0, 'not available with the toggle off');
select tests.authenticate_as('cat_prov2');
select is((select count(*)::integer from public.favorites), 0, 'other users do not see someone''s favorites');
select throws_ok($$ insert into public.favorites (user_id, provider_id) values (tests.get_supabase_uid('cat_cust'), tests.get_supabase_uid('cat_temp')) $$,
  '42501', null, 'users cannot save favorites for someone else');
select is(pg_temp.affected($$ delete from public.favorites where user_id = tests.get_supabase_uid('cat_cust') $$), 0, 'other users cannot remove someone''s favorites');
select is((select count(*)::integer from public.list_favorite_providers()), 0, 'list_favorite_providers only lists the caller''s');
select tests.clear_authentication();
select throws_ok($$ select count(*) from public.favorites $$, '42501', null, 'anon cannot read favorites');
select throws_ok($$ select * from public.list_favorite_providers() $$, '42501', null, 'anon cannot list favorites');
select tests.authenticate_as('cat_cust');
select is(pg_temp.affected($$ delete from public.favorites where provider_id = tests.get_supabase_uid('cat_prov2') $$), 1, 'users remove their favorites');

------------------------------------------------------------------------------------------------
-- Remaining policy cells: each action by the owner, another user, anon and an operator
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.provider_certifications (provider_id, name, issuer) values (auth.uid(), 'First aid', 'Red Crescent');
select tests.authenticate_as('cat_cust');
select ok(exists (select 1 from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), 'signed-in users read provider profiles');
select ok(exists (select 1 from public.provider_certifications where name = 'First aid'), 'signed-in users read certifications');
select ok(exists (select 1 from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov')), 'signed-in users read weekly rules');

select tests.clear_authentication();
select throws_ok($$ update public.provider_certifications set issuer = 'Anon' where name = 'First aid' $$, '42501', null, 'anon cannot edit certifications');
select throws_ok($$ delete from public.provider_certifications where name = 'First aid' $$, '42501', null, 'anon cannot delete certifications');
select throws_ok($$ update public.availability_rules set end_time = '23:00' where weekday = 1 $$, '42501', null, 'anon cannot edit rules');
select throws_ok($$ delete from public.availability_rules where weekday = 1 $$, '42501', null, 'anon cannot delete rules');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (tests.get_supabase_uid('cat_prov'), '[2026-12-01 00:00+04, 2026-12-02 00:00+04)') $$,
  '42501', null, 'anon cannot add time off');
select throws_ok($$ update public.provider_time_off set reason = 'x' where reason = 'Holiday' $$, '42501', null, 'anon cannot edit time off');
select throws_ok($$ delete from public.provider_time_off where reason = 'Holiday' $$, '42501', null, 'anon cannot delete time off');
select throws_ok($$ insert into public.favorites (user_id, provider_id) values (tests.get_supabase_uid('cat_cust'), tests.get_supabase_uid('cat_temp')) $$,
  '42501', null, 'anon cannot save favorites');
select throws_ok($$ delete from public.favorites where user_id = tests.get_supabase_uid('cat_cust') $$, '42501', null, 'anon cannot remove favorites');

select tests.authenticate_as('cat_admin');
select is(pg_temp.affected($$ delete from public.provider_profiles where id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not delete provider profiles');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (tests.get_supabase_uid('cat_prov'), 'Admin cert', 'Issuer') $$,
  '42501', null, 'admins do not add certifications for providers');
select is(pg_temp.affected($$ update public.provider_certifications set issuer = 'Admin' where name = 'First aid' $$), 0, 'admins do not edit certifications (they verify them)');
select is(pg_temp.affected($$ delete from public.provider_certifications where name = 'First aid' $$), 0, 'admins do not delete certifications');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Admin listing', 'fixed', 100) $$,
  '42501', null, 'admins do not add listings for providers');
select is(pg_temp.affected($$ update public.service_listings set title = 'Admin edit' where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'admins do not edit listings');
select is(pg_temp.affected($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'admins do not delete listings');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('cat_prov'), 5, '09:00', '10:00') $$,
  '42501', null, 'admins do not add rules for providers');
select is(pg_temp.affected($$ update public.availability_rules set end_time = '23:00' where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not edit rules');
select is(pg_temp.affected($$ delete from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not delete rules');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (tests.get_supabase_uid('cat_prov'), '[2026-12-01 00:00+04, 2026-12-02 00:00+04)') $$,
  '42501', null, 'admins do not add time off for providers');
select is(pg_temp.affected($$ update public.provider_time_off set reason = 'x' where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not edit time off');
select is(pg_temp.affected($$ delete from public.provider_time_off where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not delete time off');
select is((select count(*)::integer from public.favorites where user_id = tests.get_supabase_uid('cat_cust')), 0, 'admins do not read users'' favorites');
select is(pg_temp.affected($$ delete from public.favorites where user_id = tests.get_supabase_uid('cat_cust') $$), 0, 'admins do not remove users'' favorites');

select tests.authenticate_as('cat_prov');
select is(pg_temp.affected($$ update public.availability_rules set end_time = '13:00' where provider_id = auth.uid() and weekday = 1 $$), 1, 'providers edit their rules');
select throws_ok($$ update public.availability_rules set start_time = '14:00' where provider_id = auth.uid() and weekday = 1 $$, 'HL215', null, 'an edit that starts after the end is HL215');
select is(pg_temp.affected($$ delete from public.availability_rules where provider_id = auth.uid() and weekday = 2 $$), 2, 'providers delete their rules');
select is(pg_temp.affected($$ update public.provider_time_off set reason = 'Family holiday' where reason = 'Holiday' $$), 1, 'providers edit their time off');
select is(pg_temp.affected($$ delete from public.provider_time_off where reason = 'Family holiday' $$), 1, 'providers delete their time off');
select throws_ok($$ update public.service_listings set location = null where id = '00000000-0000-4000-a000-000000000201' $$, '42501', null, 'providers cannot write a listing''s location');
select throws_ok($$ update public.service_listings set coverage = null where id = '00000000-0000-4000-a000-000000000201' $$, '42501', null, 'providers cannot write a listing''s coverage');
select is(pg_temp.affected($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000203' $$), 1, 'providers delete their listings');

------------------------------------------------------------------------------------------------
-- Provider statistics: database only
------------------------------------------------------------------------------------------------
select throws_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 5) $$, '42501', null, 'users cannot call the rating function');
reset role;
select lives_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 5) $$, 'record_provider_rating adds a rating');
select is((select array[rating_count::numeric, rating_sum, rating_avg] from private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 4)),
  array[2, 9, 4.50]::numeric[], 'ratings keep count, sum and a 2-decimal average');
select lives_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 4) $$, 'a third rating');
select is((select rating_avg from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), 4.33, 'the average is rounded (13/3)');
select is((select array[rating_count::numeric, rating_avg] from private.remove_provider_rating(tests.get_supabase_uid('cat_prov'), 5)),
  array[2, 4.00]::numeric[], 'remove_provider_rating takes a rating back');
select throws_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 6) $$, 'HL230', null, 'six stars is HL230');
select throws_ok($$ select private.record_provider_rating('00000000-0000-4000-a000-0000000009ff', 5) $$, 'HL220', null, 'rating an unknown provider is HL220');
select throws_ok($$ select private.remove_provider_rating(tests.get_supabase_uid('cat_prov2'), 5) $$, 'HL005', null, 'removing a rating that was never given is HL005');
select is((select completed_jobs from private.record_completed_job(tests.get_supabase_uid('cat_prov'))), 1, 'record_completed_job counts jobs');
select is((select response_time_s from private.record_provider_response(tests.get_supabase_uid('cat_prov'), 100)), 100, 'the first response time is taken as is');
select is((select response_time_s from private.record_provider_response(tests.get_supabase_uid('cat_prov'), 200)), 120, 'later ones form a moving average');
select is((select array[rating_count, rating_sum, completed_jobs, response_time_s] from private.set_provider_stats(tests.get_supabase_uid('cat_prov2'), 3, 12, 7, 600)),
  array[3, 12, 7, 600], 'set_provider_stats stores recomputed totals');
select throws_ok($$ select private.set_provider_stats(tests.get_supabase_uid('cat_prov2'), 2, 11, 0, null) $$, 'HL230', null, 'totals beyond 5 stars per rating are HL230');

------------------------------------------------------------------------------------------------
-- Deleting a provider profile
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_temp');
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values
  (auth.uid(), '00000000-0000-4000-a000-000000000103', 'Temporary', 'fixed', 100);
select is(pg_temp.affected($$ delete from public.provider_profiles where id = auth.uid() $$), 1, 'providers delete their own profile');
reset role;
select ok((select not is_provider from public.profiles where id = tests.get_supabase_uid('cat_temp'))
          and not exists (select 1 from public.service_listings where provider_id = tests.get_supabase_uid('cat_temp')),
  'the user is a customer again and the listings are gone');

select * from finish();
rollback;
