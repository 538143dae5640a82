-- Module catalog, categories: the error code range, admins managing the tree through the Data
-- API (validation codes), what users and anon see, the localized tree, and how deactivating or
-- moving a category refreshes the providers' derived category_ids and price_from.
begin;
select plan(39);

select tests.create_supabase_user(u) from unnest(array['cat_admin', 'cat_prov', 'cat_cust']) u;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('cat_admin'), 'admin');

-- Error codes of the module are registered in their range.
select is((select count(*)::integer from private.error_codes where code between 'HL200' and 'HL249'), 33,
  'catalog error codes HL200-HL234 (but HL228-HL229, shared with identity as HL112-HL113) are registered');

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
select is(tests.affected_rows($$ update public.categories set icon = 'wrench' where slug = 'tcat-plumbing' $$), 1, 'admins can edit categories');
select is(tests.affected_rows($$ update public.categories set is_active = false where slug = 'tcat-spare' $$), 1, 'admins can deactivate categories');
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
select is(tests.affected_rows($$ update public.categories set icon = 'hacked' where slug = 'tcat-home' $$), 0, 'users cannot edit categories');
select is(tests.affected_rows($$ delete from public.categories where slug = 'tcat-cleaning' $$), 0, 'users cannot delete categories');
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
select is(tests.affected_rows($$ delete from public.categories where slug = 'tcat-spare' $$), 1, 'admins can delete unused categories');

------------------------------------------------------------------------------------------------
-- Category moves and deactivation refresh providers
------------------------------------------------------------------------------------------------
reset role;
-- cat_prov offers a fixed-price leak fix, hourly cleaning, a plumbing quote and a hidden listing.
select tests.create_provider('cat_prov', 25.2048, 55.2708, radius_m => 5000, profile => '{"display_name": "Omar Fixes"}');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, is_active) values
  ('00000000-0000-4000-a000-000000000201', tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Fix a leaking pipe', 'fixed', 15000, true),
  ('00000000-0000-4000-a000-000000000202', tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000104', 'Deep cleaning', 'hourly', 8000, true),
  ('00000000-0000-4000-a000-000000000203', tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000102', 'Bathroom refit', 'quote', 0, true),
  ('00000000-0000-4000-a000-000000000204', tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Secret listing', 'fixed', 100, false);
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


select * from finish();
rollback;
