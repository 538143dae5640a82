-- Module goods, products: goods categories, creating and validating products (every error code),
-- media in the seller's own listing-media folder, updating / withdrawing / relisting and who may,
-- stock written only by the database, reads under RLS (anon, buyer, seller, moderator), keyset
-- pages, views deduplicated per viewer per day (frozen clock), likes and follows with counters
-- equal to the rows, privileges on the counters, reporting and hiding, suspension, account deletion.
begin;
select plan(121);

select tests.freeze_time('2030-07-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
select tests.keep('lamps', tests.create_category('gp-lamps', kind => 'goods', names => '{"en": "Lamps", "ar": "مصابيح"}'));
select tests.keep('svc', tests.create_category('gp-plumbing'));
select tests.keep('seller', tests.create_supabase_user('gp_seller'));
select tests.keep('buyer', tests.create_supabase_user('gp_buyer'));
select tests.keep('buyer2', tests.create_supabase_user('gp_buyer2'));
select tests.keep('mod', tests.create_supabase_user('gp_mod'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator');

select tests.authenticate_as('gp_seller');
select tests.upload('listing-media', tests.id('seller') || '/lamp-1.jpg');
select tests.upload('listing-media', tests.id('seller') || '/lamp-2.jpg');
select tests.upload('listing-media', tests.id('seller') || '/lamp.mp4');
select tests.upload('listing-media', tests.id('seller') || '/lamp-thumb.jpg');
select tests.authenticate_as('gp_buyer');
select tests.upload('listing-media', tests.id('buyer') || '/not-yours.jpg');

------------------------------------------------------------------------------------------------
-- Categories
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gp_seller');
select is((select kind from public.categories where id = tests.id('lamps')), 'goods', 'goods categories are catalog categories of kind goods');

------------------------------------------------------------------------------------------------
-- Creating
------------------------------------------------------------------------------------------------
select tests.keep('lamp', (public.create_product(
  p_title => 'Brass lamp', p_price => 15000, p_category_id => tests.id('lamps'), p_condition => 'like_new',
  p_lat => 25.08, p_lng => 55.14, p_description => 'Warm light', p_original_price => 20000,
  p_neighbourhood => 'Dubai Marina', p_building => 'Marina Gate 1',
  p_image_paths => array[tests.id('seller') || '/lamp-1.jpg', tests.id('seller') || '/lamp-2.jpg'],
  p_video_path => tests.id('seller') || '/lamp.mp4', p_video_thumbnail_path => tests.id('seller') || '/lamp-thumb.jpg',
  p_tags => array['lifestyle'])).id);
select results_eq(
  format($$ select seller_id, currency::text, status, quantity, available_quantity, feed, view_count, like_count, sold_at
              from public.products where id = %L $$, tests.id('lamp')),
  format($$ values (%L::uuid, 'AED', 'available', 1, 1, 'discover', 0::bigint, 0::bigint, null::timestamptz) $$, tests.id('seller')),
  'a product: the caller sells it, AED by default, a single available item, discover feed, no counts');
select ok((select extensions.st_dwithin(location, tests.point(25.08, 55.14), 1) from public.products where id = tests.id('lamp')),
  'the location is the given lat/lng');
select tests.keep('stock', (public.create_product('Phone cases', 2500, tests.id('lamps'), 'new', 25.081, 55.141,
  p_quantity => 5, p_feed => 'community', p_tags => array['urgency', 'event'])).id);
select is((select available_quantity from public.products where id = tests.id('stock')), 5, 'stock: all units available');

create temporary table bad (label text, stmt text, code text);
insert into bad values
  ('empty title', $$ select public.create_product('  ', 100, %L, 'new', 25, 55) $$, 'HL801'),
  ('title over 100', $$ select public.create_product(repeat('x', 101), 100, %L, 'new', 25, 55) $$, 'HL801'),
  ('description over 4000', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_description => repeat('x', 4001)) $$, 'HL801'),
  ('unknown condition', $$ select public.create_product('Lamp', 100, %L, 'broken', 25, 55) $$, 'HL801'),
  ('unknown feed', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_feed => 'global') $$, 'HL801'),
  ('long building', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_building => repeat('b', 101)) $$, 'HL801'),
  ('quantity 0', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_quantity => 0) $$, 'HL801'),
  ('unknown tag', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_tags => array['vintage']) $$, 'HL801'),
  ('negative price', $$ select public.create_product('Lamp', -1, %L, 'new', 25, 55) $$, 'HL802'),
  ('original below price', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_original_price => 99) $$, 'HL802'),
  ('bad currency', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_currency => 'aed') $$, 'HL802'),
  ('latitude', $$ select public.create_product('Lamp', 100, %L, 'new', 91, 55) $$, 'HL200'),
  ('longitude', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 181) $$, 'HL201'),
  ('image not uploaded', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_image_paths => array[auth.uid() || '/missing.jpg']) $$, 'HL804'),
  ('someone else''s image', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_image_paths => array[(select tests.id('buyer'))::text || '/not-yours.jpg']) $$, 'HL804'),
  ('path escaping', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_image_paths => array[auth.uid() || '/../x.jpg']) $$, 'HL804'),
  ('eleven images', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_image_paths => array(select auth.uid() || '/lamp-1.jpg' from generate_series(1, 11))) $$, 'HL804'),
  ('duplicate images', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_image_paths => array[auth.uid() || '/lamp-1.jpg', auth.uid() || '/lamp-1.jpg']) $$, 'HL804'),
  ('a video as an image', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_image_paths => array[auth.uid() || '/lamp.mp4']) $$, 'HL804'),
  ('an image as the video', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_video_path => auth.uid() || '/lamp-1.jpg', p_video_thumbnail_path => auth.uid() || '/lamp-thumb.jpg') $$, 'HL804'),
  ('video without thumbnail', $$ select public.create_product('Lamp', 100, %L, 'new', 25, 55, p_video_path => auth.uid() || '/lamp.mp4') $$, 'HL804');
select is(tests.error_of(format(stmt, tests.id('lamps'))) ->> 'sqlstate', code, 'create_product refuses: ' || label)
  from bad order by label;
select throws_ok(format($$ select public.create_product('Lamp', 100, %L, 'new', 25, 55) $$, tests.id('svc')), 'HL803', null,
  'a service category is not a goods category');
select throws_ok($$ select public.create_product('Lamp', 100, gen_random_uuid(), 'new', 25, 55) $$, 'HL803', null, 'an unknown category');
select is((select count(*)::integer from public.products where seller_id = tests.id('seller')), 2, 'nothing was written by the refused calls');
select tests.clear_authentication();
select throws_ok(format($$ select public.create_product('Lamp', 100, %L, 'new', 25, 55) $$, tests.id('lamps')), '42501', null,
  'anon cannot list');

------------------------------------------------------------------------------------------------
-- Clients write no column; counts are the database's
------------------------------------------------------------------------------------------------
select ok(not has_table_privilege('authenticated', 'public.products', 'INSERT'), 'authenticated cannot insert products');
select ok(not has_column_privilege('authenticated', 'public.products', 'view_count', 'UPDATE'), 'view_count is not writable by users');
select ok(not has_column_privilege('authenticated', 'public.products', 'like_count', 'UPDATE'), 'like_count is not writable by users');
select ok(not has_column_privilege('authenticated', 'public.products', 'status', 'UPDATE'), 'status is not writable by users');
select ok(not has_column_privilege('authenticated', 'public.products', 'sold_at', 'UPDATE'), 'sold_at is not writable by users');
select ok(not has_column_privilege('anon', 'public.products', 'view_count', 'UPDATE'), 'nor by anon');
select ok(not has_column_privilege('authenticated', 'public.seller_stats', 'follower_count', 'UPDATE'), 'follower_count is not writable');
select ok(not has_table_privilege('authenticated', 'public.product_likes', 'INSERT'), 'likes are written only by like_product');
select ok(not has_table_privilege('authenticated', 'public.seller_follows', 'INSERT'), 'follows are written only by follow_seller');
select ok(not has_table_privilege('authenticated', 'private.product_views', 'SELECT'), 'views are private');
select ok(not has_function_privilege('authenticated', 'private.set_product_stock(uuid, integer, text)', 'EXECUTE'),
  'the stock function is the database''s');
select tests.authenticate_as('gp_seller');
select is(tests.error_of(format($$ update public.products set like_count = 1000 where id = %L $$, tests.id('lamp'))) ->> 'sqlstate',
  '42501', 'a seller cannot set their like count');

------------------------------------------------------------------------------------------------
-- Updating, withdrawing, relisting
------------------------------------------------------------------------------------------------
select is((public.update_product(tests.id('lamp'), '{"price": 12000, "tags": ["lifestyle", "urgency"], "lat": 25.09, "lng": 55.15}')).price,
  12000::bigint, 'the seller changes the price');
select is((select tags from public.products where id = tests.id('lamp')), array['lifestyle', 'urgency'], 'and the tags');
select throws_ok(format($$ select public.update_product(%L, '{"price": 30000}') $$, tests.id('lamp')), 'HL802', null,
  'the price cannot rise above the original price');
select throws_ok(format($$ select public.update_product(%L, '{"status": "sold"}') $$, tests.id('lamp')), 'HL801', null,
  'status is not the seller''s to change');
select throws_ok(format($$ select public.update_product(%L, '{"view_count": 5}') $$, tests.id('lamp')), 'HL801', null,
  'nor the counts');
select throws_ok(format($$ select public.update_product(%L, '{"price": "cheap"}') $$, tests.id('lamp')), 'HL801', null,
  'a value of the wrong type');
select throws_ok(format($$ select public.update_product(%L, '{"lat": 25}') $$, tests.id('lamp')), 'HL801', null,
  'lat without lng');
select throws_ok(format($$ select public.update_product(%L, '{"image_paths": ["%s/not-yours.jpg"]}') $$, tests.id('lamp'), tests.id('buyer')),
  'HL804', null, 'media stay the seller''s own');
select tests.authenticate_as('gp_buyer');
select throws_ok(format($$ select public.update_product(%L, '{"price": 1}') $$, tests.id('lamp')), 'HL805', null,
  'a buyer cannot edit someone''s product');
select throws_ok(format($$ select public.withdraw_product(%L) $$, tests.id('lamp')), 'HL805', null, 'nor withdraw it');
select tests.authenticate_as('gp_seller');
select isnt((public.withdraw_product(tests.id('lamp'))).withdrawn_at, null, 'the seller withdraws');
select tests.authenticate_as('gp_buyer');
select is((select count(*)::integer from public.products where id = tests.id('lamp')), 0, 'a withdrawn product is not public');
select throws_ok(format($$ select public.get_product(%L) $$, tests.id('lamp')), 'HL800', null, 'get_product: HL800 when withdrawn');
select throws_ok(format($$ select public.like_product(%L) $$, tests.id('lamp')), 'HL800', null, 'nor can it be liked');
select tests.authenticate_as('gp_seller');
select is((public.get_product(tests.id('lamp'))).title, 'Brass lamp', 'its seller still reads it');
select is((public.update_product(tests.id('lamp'), '{"description": "Warm light, dimmable"}')).description, 'Warm light, dimmable',
  'and edits it while withdrawn');
select is((public.relist_product(tests.id('lamp'))).withdrawn_at, null, 'and relists it');

-- Quantity of a stock product follows the units left.
select is((public.update_product(tests.id('stock'), '{"quantity": 8}')).available_quantity, 8, 'more stock, more available');

------------------------------------------------------------------------------------------------
-- Stock: the database's function
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select is((private.set_product_stock(tests.id('stock'), 3, 'available')).available_quantity, 3, 'units sold: 3 of 8 left');
select throws_ok(format($$ select private.set_product_stock(%L, 0, 'available') $$, tests.id('stock')), 'HL809', null,
  'available means units left');
select throws_ok(format($$ select private.set_product_stock(%L, 9, 'available') $$, tests.id('stock')), 'HL809', null,
  'never more than the quantity');
select throws_ok(format($$ select private.set_product_stock(%L, 2, 'sold') $$, tests.id('stock')), 'HL809', null,
  'sold means none left');
select tests.authenticate_as('gp_seller');
select throws_ok(format($$ select public.update_product(%L, '{"quantity": 4}') $$, tests.id('stock')), 'HL806', null,
  'quantity cannot drop to the units already taken');
select is((public.update_product(tests.id('stock'), '{"quantity": 6}')).available_quantity, 1, 'but can shrink to them plus one');
select tests.reset_authentication();
select is((private.set_product_stock(tests.id('stock'), 0, 'reserved')).status, 'reserved', 'the last unit reserved');
select tests.authenticate_as('gp_seller');
select throws_ok(format($$ select public.update_product(%L, '{"price": 1}') $$, tests.id('stock')), 'HL806', null,
  'a reserved product cannot be edited');
select tests.reset_authentication();
select isnt((private.set_product_stock(tests.id('stock'), 0, 'sold')).sold_at, null, 'sold: sold_at set');
select tests.authenticate_as('gp_seller');
select throws_ok(format($$ select public.withdraw_product(%L) $$, tests.id('stock')), 'HL806', null, 'a sold product cannot be withdrawn');
select tests.clear_authentication();
select is((public.get_product(tests.id('stock'))).status, 'sold', 'sold products stay readable, anon included');

------------------------------------------------------------------------------------------------
-- Reading and keyset pages
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gp_seller');
select tests.freeze_time('2030-07-01 08:30+00');
select public.create_product('Item 4', 400, tests.id('lamps'), 'good', 25.08, 55.14);
select tests.freeze_time('2030-07-01 08:20+00');
select public.create_product('Item ' || i, 100 * i, tests.id('lamps'), 'good', 25.08, 55.14) from generate_series(1, 3) i;
select tests.freeze_time('2030-07-01 09:00+00');
select tests.keep('newest', (public.create_product('Newest', 100, tests.id('lamps'), 'fair', 25.08, 55.14)).id);
select public.withdraw_product(tests.id('newest'));
select is((select count(*)::integer from public.list_seller_products(tests.id('seller'), p_limit => 100)), 7, 'the seller lists all their products');
select tests.clear_authentication();
select is((select title from public.list_seller_products(tests.id('seller'), p_limit => 1)), 'Item 4',
  'anon: newest first, the withdrawn newest left out');
select is((select count(*)::integer from public.list_seller_products(tests.id('seller'), p_limit => 100)), 6, 'anon sees six');
select is((with first as (select * from public.list_seller_products(tests.id('seller'), p_limit => 3)),
               last as (select * from first order by created_at, id limit 1)
          select count(*)::integer from last, public.list_seller_products(tests.id('seller'), last.created_at, last.id, 100)),
  3, 'the next page starts after the last row');
select throws_ok($$ select public.list_seller_products(gen_random_uuid(), p_limit => 0) $$, 'HL801', null, 'page size 1..100');
select throws_ok($$ select public.list_seller_products(gen_random_uuid(), now(), null) $$, 'HL801', null, 'keyset needs both values');

------------------------------------------------------------------------------------------------
-- Views, likes, follows and their counters
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-07-01 10:00+00');
select tests.authenticate_as('gp_buyer');
select is(public.record_product_view(tests.id('lamp')), true, 'a first view of the day counts');
select is(public.record_product_view(tests.id('lamp')), false, 'a second view the same day does not');
select tests.freeze_time('2030-07-01 23:59+00');
select is(public.record_product_view(tests.id('lamp')), false, 'nor later that day');
select tests.freeze_time('2030-07-02 00:01+00');
select is(public.record_product_view(tests.id('lamp')), true, 'the next day counts again');
select tests.authenticate_as('gp_buyer2');
select is(public.record_product_view(tests.id('lamp')), true, 'another viewer counts');
select tests.authenticate_as('gp_seller');
select is(public.record_product_view(tests.id('lamp')), false, 'the seller''s own views do not');
select tests.clear_authentication();
select throws_ok(format($$ select public.record_product_view(%L) $$, tests.id('lamp')), '42501', null, 'anon views are not recorded');

select tests.authenticate_as('gp_buyer');
select is(public.like_product(tests.id('lamp')), true, 'a like');
select is(public.like_product(tests.id('lamp')), false, 'one like per user');
select tests.authenticate_as('gp_buyer2');
select is(public.like_product(tests.id('lamp')), true, 'another user''s like');
select is(public.unlike_product(tests.id('lamp')), true, 'unlike');
select is(public.unlike_product(tests.id('lamp')), false, 'unlike twice: nothing to remove');
select is(public.like_product(tests.id('lamp')), true, 'liked again');
select is((select count(*)::integer from public.product_likes), 1, 'a user reads only their own likes');
select is(public.follow_seller(tests.id('seller')), true, 'a buyer follows the seller');
select is(public.follow_seller(tests.id('seller')), false, 'once');
select throws_ok(format($$ select public.follow_seller(%L) $$, tests.id('buyer2')), 'HL807', null, 'not themselves');
select throws_ok($$ select public.follow_seller(gen_random_uuid()) $$, 'HL808', null, 'not a stranger to the database');
select tests.authenticate_as('gp_buyer');
select is(public.follow_seller(tests.id('seller')), true, 'a second follower');
select is(public.unfollow_seller(tests.id('seller')), true, 'who leaves');
select is(public.follow_seller(tests.id('seller')), true, 'and comes back');
select tests.clear_authentication();
select results_eq(
  format($$ select view_count, like_count from public.products where id = %L $$, tests.id('lamp')),
  $$ values (3::bigint, 2::bigint) $$, 'counters: three viewer-days, two likes');
select is((select follower_count from public.seller_stats where seller_id = tests.id('seller')), 2::bigint,
  'two followers, public');
select tests.reset_authentication();
select results_eq(
  $$ select p.view_count, p.like_count,
            (select count(*) from private.product_views v where v.product_id = p.id),
            (select count(*) from public.product_likes l where l.product_id = p.id)
       from public.products p where p.seller_id = tests.id('seller') and (p.view_count > 0 or p.like_count > 0) $$,
  $$ values (3::bigint, 2::bigint, 3::bigint, 2::bigint) $$, 'counters equal the rows');
select is((select follower_count from public.seller_stats where seller_id = tests.id('seller')),
  (select count(*) from public.seller_follows where seller_id = tests.id('seller')), 'followers equal the rows');

------------------------------------------------------------------------------------------------
-- Reporting and hiding
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gp_buyer');
select is((public.report_content('product', tests.id('lamp')::text, 'scam')).kind, 'product', 'a buyer reports a product');
select tests.authenticate_as('gp_buyer2');
select is((public.report_content('product', tests.id('lamp')::text, 'prohibited')).reason, 'prohibited',
  'the prohibited reason applies to products');
select tests.authenticate_as('gp_seller');
select throws_ok(format($$ select public.report_content('product', %L, 'scam') $$, tests.id('lamp')), 'HL765', null,
  'a seller cannot report their own product');
select tests.authenticate_as('gp_mod');
select lives_ok(format($$ select public.hide_content('product', %L, 'Counterfeit brand') $$, tests.id('lamp')), 'a moderator hides it');
select is((select count(*)::integer from public.products where id = tests.id('lamp')), 1, 'moderators still read it');
select tests.authenticate_as('gp_buyer2');
select is((select count(*)::integer from public.products where id = tests.id('lamp')), 0, 'hidden: gone for buyers');
select throws_ok(format($$ select public.record_product_view(%L) $$, tests.id('lamp')), 'HL800', null, 'no views of a hidden product');
select tests.clear_authentication();
select is((select count(*)::integer from public.list_seller_products(tests.id('seller'), p_limit => 100)
            where id = tests.id('lamp')), 0, 'and out of the seller''s public list');
select tests.authenticate_as('gp_seller');
select is((public.get_product(tests.id('lamp'))).hidden_at is not null, true, 'the seller sees it is hidden');

------------------------------------------------------------------------------------------------
-- Suspension
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gp_mod');
select lives_ok(format($$ select public.suspend_user(%L, 'Selling counterfeits') $$, tests.id('seller')), 'the seller is suspended');
select tests.authenticate_as('gp_seller');
select throws_ok(format($$ select public.create_product('Lamp', 100, %L, 'new', 25, 55) $$, tests.id('lamps')), 'HL761', null,
  'a suspended seller cannot list');
select throws_ok(format($$ select public.update_product(%L, '{"price": 1}') $$, tests.id('lamp')), 'HL761', null,
  'nor edit');
select throws_ok(format($$ select public.relist_product(%L) $$, tests.id('newest')), 'HL761', null, 'nor relist');
select isnt((public.withdraw_product(tests.id('lamp'))).withdrawn_at, null, 'but can withdraw');

------------------------------------------------------------------------------------------------
-- Account deletion
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select ok(tests.delete_own_account('gp_buyer') is not null, 'the buyer deletes their account');
select results_eq(
  format($$ select view_count, like_count from public.products where id = %L $$, tests.id('lamp')),
  $$ values (1::bigint, 1::bigint) $$, 'their views and like go, the counters follow');
select is((select follower_count from public.seller_stats where seller_id = tests.id('seller')), 1::bigint, 'and their follow');
select ok(tests.delete_own_account('gp_seller') is not null, 'the seller deletes their account');
select is((select count(*)::integer from public.products where seller_id = tests.id('seller')
            and (withdrawn_at is null or image_paths <> '{}' or video_path is not null)), 0,
  'their products are withdrawn without media');
select is((select follower_count from public.seller_stats where seller_id = tests.id('seller')), 0::bigint, 'and followed by no one');

select * from finish();
rollback;
