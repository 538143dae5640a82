-- Module catalog, listings: creating listings (inherited currency, coverage and base), the
-- validation codes, who sees and edits them (owner, other users, anon, moderators, admins),
-- derived price_from and category_ids, drawn listing areas, and provider moves propagating.
begin;
select plan(53);

select tests.create_supabase_user(u) from unnest(array['cat_admin', 'cat_mod', 'cat_cust']) u;
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('cat_admin'), 'admin'),
  (tests.get_supabase_uid('cat_mod'), 'moderator');
-- The category tree: Home > Plumbing > Leaks, Cleaning, and a goods category.
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
-- An AED provider based in Dubai with a 5 km radius.
select tests.create_provider('cat_prov', 25.2048, 55.2708, radius_m => 5000, profile => '{"display_name": "Omar Fixes"}');

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
select is(tests.affected_rows($$ update public.service_listings set title = 'Hijacked' where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'other users cannot edit listings');
select is(tests.affected_rows($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'other users cannot delete listings');
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
select is(tests.affected_rows($$ update public.service_listings set title = 'Moderated' where id = '00000000-0000-4000-a000-000000000204' $$), 0, 'moderators do not edit listings');
select tests.authenticate_as('cat_admin');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'admins see inactive listings');

select tests.authenticate_as('cat_prov');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'providers see their inactive listings');
select is(tests.affected_rows($$ update public.service_listings set is_active = false where id = '00000000-0000-4000-a000-000000000202' $$), 1, 'providers edit their listings');
select is((select price_from from public.provider_profiles where id = auth.uid()), 15000::bigint, 'price_from follows a deactivated listing');
select is((select category_ids from public.provider_profiles where id = auth.uid()),
  array['00000000-0000-4000-a000-000000000101', '00000000-0000-4000-a000-000000000102', '00000000-0000-4000-a000-000000000103']::uuid[],
  'category_ids follows a deactivated listing');
select is(tests.affected_rows($$ update public.service_listings set is_active = true where id = '00000000-0000-4000-a000-000000000202' $$), 1, 'providers reactivate their listings');
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
-- Remaining policy cells: each action by the owner, another user, anon and an operator
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_admin');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values (tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Admin listing', 'fixed', 100) $$,
  '42501', null, 'admins do not add listings for providers');
select is(tests.affected_rows($$ update public.service_listings set title = 'Admin edit' where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'admins do not edit listings');
select is(tests.affected_rows($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000201' $$), 0, 'admins do not delete listings');
select tests.authenticate_as('cat_prov');
select throws_ok($$ update public.service_listings set location = null where id = '00000000-0000-4000-a000-000000000201' $$, '42501', null, 'providers cannot write a listing''s location');
select throws_ok($$ update public.service_listings set coverage = null where id = '00000000-0000-4000-a000-000000000201' $$, '42501', null, 'providers cannot write a listing''s coverage');
select is(tests.affected_rows($$ delete from public.service_listings where id = '00000000-0000-4000-a000-000000000203' $$), 1, 'providers delete their listings');

select * from finish();
rollback;
