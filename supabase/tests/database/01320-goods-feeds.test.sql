-- Module goods, feeds and search: what the discover feed shows (visible, available, sellers in
-- good standing, within the radius, not the caller's own), its ranking (distance, freshness,
-- popularity, reputation; the score is the documented sum), the personal affinity from likes and
-- views, filters (category with subcategories, condition, price, feed), keyset pages (no repeat,
-- no gap, anchored at the first page's time), the community feed's building and neighbourhood
-- tiers, search (English stemming, Arabic, tags, typos, geo, sorts) and every error code.
begin;
select plan(73);

select tests.freeze_time(now());

------------------------------------------------------------------------------------------------
-- Fixtures (inserted as the table owner; the counters and times set directly)
------------------------------------------------------------------------------------------------
select tests.keep('furniture', tests.create_category('fd-furniture', kind => 'goods'));
select tests.keep('chairs', tests.create_category('fd-chairs', 'fd-furniture', kind => 'goods'));
select tests.keep('books', tests.create_category('fd-books', kind => 'goods'));
select tests.keep('svc', tests.create_category('fd-plumbing'));
select tests.keep('s1', tests.create_supabase_user('fd_s1'));
select tests.keep('s2', tests.create_supabase_user('fd_s2'));
select tests.keep('s3', tests.create_supabase_user('fd_s3'));
select tests.keep('shidden', tests.create_supabase_user('fd_shidden'));
select tests.keep('ssusp', tests.create_supabase_user('fd_ssusp'));
select tests.keep('buyer', tests.create_supabase_user('fd_buyer'));
update public.profiles set hidden_at = now() where id = tests.id('shidden');
insert into public.user_suspensions (user_id, reason, starts_at) values (tests.id('ssusp'), 'fraud test', now() - interval '1 day');
update public.profiles set neighbourhood = 'Marina' where id = tests.id('buyer');

-- Centre (25.2, 55.3); products north of it at the given distance.
create function tests.fd_mk(p_key text, p_seller text, p_title text, p_category text, p_north_m float8, p_age_hours float8,
  p_likes int default 0, p_views int default 0, p_condition text default 'good', p_price bigint default 10000,
  p_feed text default 'discover', p_neighbourhood text default null, p_building text default null,
  p_description text default '', p_tags text[] default '{}')
returns uuid language plpgsql as $$
declare v_id uuid;
begin
  insert into public.products (seller_id, title, description, price, category_id, condition, feed, location, neighbourhood,
                               building, quantity, available_quantity, tags, like_count, view_count, created_at)
  values (tests.id(p_seller), p_title, p_description, p_price, tests.id(p_category), p_condition, p_feed,
          tests.point_near(25.2, 55.3, p_north_m), p_neighbourhood, p_building, 1, 1, p_tags, p_likes, p_views,
          now() - make_interval(secs => p_age_hours * 3600))
  returning id into v_id;
  perform tests.keep(p_key, v_id);
  return v_id;
end $$;

select tests.fd_mk('A', 's1', 'Oak dining chair', 'chairs', 200, 1, p_price => 20000, p_condition => 'like_new');
select tests.fd_mk('B', 's1', 'Walnut bookshelf', 'furniture', 2000, 1, p_price => 45000);
select tests.fd_mk('C', 's2', 'Mystery novels box', 'books', 200, 400, p_price => 3000, p_condition => 'fair');
select tests.fd_mk('D', 's2', 'Leather sofa', 'furniture', 200, 1, 50, 100, p_price => 150000, p_description => 'Three seats, brown');
select tests.fd_mk('R', 's3', 'Poetry collection', 'books', 300, 1, p_price => 2500);
select tests.fd_mk('E', 's1', 'Desk lamp far away', 'furniture', 20000, 1);
select tests.fd_mk('F', 's1', 'Hidden lamp', 'furniture', 100, 1);
select tests.fd_mk('G', 's1', 'Withdrawn lamp', 'furniture', 100, 1);
select tests.fd_mk('H', 's1', 'Reserved lamp', 'furniture', 100, 1);
select tests.fd_mk('I', 's1', 'Sold lamp', 'furniture', 100, 1);
select tests.fd_mk('J', 'shidden', 'Lamp of a hidden seller', 'furniture', 100, 1);
select tests.fd_mk('K', 'ssusp', 'Lamp of a suspended seller', 'furniture', 100, 1);
select tests.fd_mk('L', 'buyer', 'My own lamp', 'furniture', 100, 1);
select tests.fd_mk('M', 's3', 'Baby stroller', 'furniture', 800, 1, p_feed => 'community', p_neighbourhood => 'Marina',
                  p_building => 'Tower 1');
select tests.fd_mk('N', 's3', 'Kids bike', 'furniture', 350, 1, p_feed => 'community', p_neighbourhood => 'marina ');
select tests.fd_mk('O', 's3', 'Toy box', 'furniture', 150, 1, p_feed => 'community', p_neighbourhood => 'JLT');
select tests.fd_mk('P', 's3', 'كرسي خشبي', 'chairs', 500, 1, p_description => 'كرسي مريح للمكتب');
select tests.fd_mk('Q', 's3', 'Standing desk', 'furniture', 600, 1, p_description => 'Moving out, must go', p_tags => '{urgency}');
update public.products set hidden_at = now() where id = tests.id('F');
update public.products set withdrawn_at = now() where id = tests.id('G');
select private.set_product_stock(tests.id('H'), 0, 'reserved');
select private.set_product_stock(tests.id('I'), 0, 'sold');
insert into public.user_reputation (user_id, role, rating_count, rating_sum, rating_avg, reputation_score)
values (tests.id('s2'), 'seller', 10, 48, 4.8, 4.5);

create table tests.fd_kept as select null::text as key, null::text as value limit 0;
insert into tests.fd_kept
select k, tests.id(k)::text from unnest(string_to_array('A B C D R E F G H I J K L M N O P Q', ' ')) k;
grant select on tests.fd_kept to anon, authenticated;
create function tests.fd_keys(p_ids uuid[]) returns text language sql as $$
  select coalesce(string_agg(k.key, ' ' order by o.n), '')
    from unnest(p_ids) with ordinality o(id, n)
    join lateral (select key from tests.fd_kept where value = o.id::text limit 1) k on true
$$;
grant execute on function tests.fd_keys(uuid[]) to anon, authenticated;

create function tests.fd_walk(p_page int, p_move_clock interval default null) returns uuid[] language plpgsql as $$
declare
  v_ids uuid[] := '{}';
  v_cursor text;
  v_row record;
  v_n int;
begin
  loop
    v_n := 0;
    for v_row in select * from public.discover_products(25.2, 55.3, p_limit => p_page, p_cursor => v_cursor) loop
      v_ids := v_ids || (v_row.product).id;
      v_cursor := v_row.cursor;
      v_n := v_n + 1;
    end loop;
    exit when v_n < p_page;
    if p_move_clock is not null then
      perform tests.freeze_time(private.now() + p_move_clock);
    end if;
  end loop;
  return v_ids;
end $$;
grant execute on function tests.fd_walk(int, interval) to anon, authenticated;
------------------------------------------------------------------------------------------------
-- Discover: what shows, in which order
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_limit => 100) d)),
  'D L O A R N P Q M B C',
  'anon: visible available products within 10 km by score: popular D, then by distance among the fresh ones, the old C last');
select ok(not exists (select 1 from public.discover_products(25.2, 55.3, p_radius_m => 50000, p_limit => 100) d
                       where (d.product).id = any (array[tests.id('F'), tests.id('G'), tests.id('H'), tests.id('I'),
                                                          tests.id('J'), tests.id('K')])),
  'never hidden, withdrawn, reserved, sold, nor products of hidden or suspended sellers');
select ok(exists (select 1 from public.discover_products(25.2, 55.3, p_radius_m => 50000, p_limit => 100) d
                   where (d.product).id = tests.id('E')), 'a 50 km radius reaches the product 20 km away');
select ok(exists (select 1 from public.discover_products(25.2, 55.3, p_limit => 100) d where (d.product).id = tests.id('L')),
  'anon sees the buyer''s product');

select tests.authenticate_as('fd_buyer');
select ok(not exists (select 1 from public.discover_products(25.2, 55.3, p_limit => 100) d where (d.product).id = tests.id('L')),
  'a signed-in user does not see their own products in the feed');

-- The score is the documented weighted sum of the components returned in reasons.
select ok((select bool_and(abs(d.score - (0.35 * (d.reasons ->> 'distance')::numeric + 0.25 * (d.reasons ->> 'freshness')::numeric
                                      + 0.15 * (d.reasons ->> 'popularity')::numeric + 0.10 * (d.reasons ->> 'reputation')::numeric
                                      + 0.15 * (d.reasons ->> 'affinity')::numeric)) < 0.0002)
             from public.discover_products(25.2, 55.3, p_limit => 100) d),
  'score = 0.35 distance + 0.25 freshness + 0.15 popularity + 0.10 reputation + 0.15 affinity (reasons)');
select is((select d.reasons from public.discover_products(25.2, 55.3, p_limit => 100) d where (d.product).id = tests.id('A')),
  (select jsonb_build_object('distance', round(power(0.5, d.distance_m / 1500.0)::numeric, 4), 'freshness', round(power(0.5, 1 / 72.0)::numeric, 4),
                     'popularity', 0.0000, 'reputation', 0.7000, 'affinity', 0.0000)
     from public.discover_products(25.2, 55.3, p_limit => 100) d where (d.product).id = tests.id('A')),
  'reasons of A: distance 0.5^(distance_m/1500), freshness 0.5^(1/72), no likes, unrated seller neutral (3.5/5), no affinity');
select is((select (d.reasons ->> 'reputation')::numeric from public.discover_products(25.2, 55.3, p_limit => 100) d
            where (d.product).id = tests.id('D')), 0.9000, 'a rated seller: reputation_score / 5');
select ok((select abs(d.distance_m - 2000) < 5 from public.discover_products(25.2, 55.3, p_limit => 100) d where (d.product).id = tests.id('B')),
  'distance_m in metres');

-- Personal affinity: liking a book makes the other books rank higher for this user only.
select ok((select public.like_product(tests.id('C'))), 'the buyer likes a book');
select ok((select public.record_product_view(tests.id('C'))), 'and views it');
select is((select (d.reasons ->> 'affinity')::numeric from public.discover_products(25.2, 55.3, p_limit => 100) d
            where (d.product).id = tests.id('R')), 0.5000, 'affinity of another seller''s book: category 0.5 × 1');
select is((select (d.reasons ->> 'affinity')::numeric from public.discover_products(25.2, 55.3, p_limit => 100) d
            where (d.product).id = tests.id('D')), 0.5000, 'affinity of the liked seller''s sofa: seller 0.5 × 1');
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_limit => 100) d
                                where (d.product).id in (tests.id('A'), tests.id('R')))),
  'R A', 'the book R now ranks above the chair A for the buyer');
select tests.clear_authentication();
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_limit => 100) d
                                where (d.product).id in (tests.id('A'), tests.id('R')))),
  'A R', 'and not for anon');
select tests.authenticate_as('fd_s3');
select ok((select public.follow_seller(tests.id('s1'))), 's3 follows s1');
select is((select (d.reasons ->> 'affinity')::numeric from public.discover_products(25.2, 55.3, p_limit => 100) d
            where (d.product).id = tests.id('A')), 0.5000, 'a followed seller: seller affinity 1');

------------------------------------------------------------------------------------------------
-- Filters
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_category_id => tests.id('furniture'),
                                                                                p_feed => 'discover', p_limit => 100) d)),
  'D L A P Q B', 'category furniture includes its subcategory chairs; feed discover');
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_category_id => tests.id('chairs'),
                                                                                p_limit => 100) d)),
  'A P', 'a subcategory alone');
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_conditions => array['like_new', 'fair'],
                                                                                p_limit => 100) d)),
  'A C', 'conditions');
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_min_price => 3000, p_max_price => 45000,
                                                                                p_limit => 100) d)),
  'L O A N P Q M C B', 'price range, both ends included');
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_feed => 'community', p_limit => 100) d)),
  'O N M', 'feed community');
select is(tests.fd_keys(array(select (d.product).id from public.discover_products(25.2, 55.3, p_radius_m => 1000, p_limit => 100) d)),
  'D L O A R N P Q M C', 'radius 1 km');

------------------------------------------------------------------------------------------------
-- Pages: keyset on (score, id), anchored at the first page's time
------------------------------------------------------------------------------------------------
select is(tests.fd_keys(tests.fd_walk(3)), 'D L O A R N P Q M C B', 'pages of 3 give the whole feed once, in order');
select is(tests.fd_keys(tests.fd_walk(1)), 'D L O A R N P Q M C B', 'pages of 1 too');
select is(tests.fd_keys(tests.fd_walk(2, interval '5 days')), 'D L O A R N P Q M C B',
  'the clock moving days between pages changes nothing: the cursor keeps the anchor time');
select tests.freeze_time(now());

select is(tests.error_of(format($$ select * from public.discover_products(25.2, 55.3, p_radius_m => 5000, p_cursor => %L) $$,
  (select d.cursor from public.discover_products(25.2, 55.3, p_limit => 1) d))) ->> 'sqlstate', 'HL007',
  'a cursor belongs to its request (another radius: HL007)');
select is(tests.error_of($$ select * from public.discover_products(25.2, 55.3, p_cursor => 'bm9wZQ') $$) ->> 'sqlstate', 'HL007',
  'a forged cursor: HL007');
select is(tests.error_of(format($$ select * from public.community_feed(25.2, 55.3, p_cursor => %L) $$,
  (select d.cursor from public.discover_products(25.2, 55.3, p_limit => 1) d))) ->> 'sqlstate', 'HL007',
  'a discover cursor is not a community cursor');

------------------------------------------------------------------------------------------------
-- Community feed: same building, then same neighbourhood, then the rest
------------------------------------------------------------------------------------------------
select tests.authenticate_as('fd_buyer');
select is(tests.fd_keys(array(select (d.product).id from public.community_feed(25.2, 55.3, p_building => 'tower 1') d)),
  'M N O', 'building Tower 1 first (any case), then the caller''s neighbourhood Marina, then the rest');
select is((select d.reasons ->> 'community' from public.community_feed(25.2, 55.3, p_building => 'Tower 1') d
            where (d.product).id = tests.id('N')), 'neighbourhood', 'reasons name the tier');
select tests.clear_authentication();
select is(tests.fd_keys(array(select (d.product).id from public.community_feed(25.2, 55.3) d)),
  'O N M', 'anon without a neighbourhood: by score (nearest first here)');
select is(tests.fd_keys(array(select (d.product).id from public.community_feed(25.2, 55.3, p_neighbourhood => 'JLT') d)),
  'O N M', 'a given neighbourhood first');
select is((select count(*)::int from public.community_feed(25.2, 55.3, p_radius_m => 500) d), 2, 'the radius applies (3 km by default)');

------------------------------------------------------------------------------------------------
-- Search
------------------------------------------------------------------------------------------------
select is(tests.fd_keys(array(select (d.product).id from public.search_products('chairs', 25.2, 55.3) d)),
  'A', 'English stemming: chairs finds the Oak dining chair');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('كرسي', 25.2, 55.3) d)),
  'P', 'Arabic: title and description');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('urgency', 25.2, 55.3) d)),
  'Q', 'tags are searched');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('moving', 25.2, 55.3) d)),
  'Q', 'descriptions are searched');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('bookshelv', 25.2, 55.3) d)),
  'B', 'a typo is corrected to the nearest listed word (bookshelv: bookshelf)');
select is((select d.reasons ->> 'text' from public.search_products('walnat bookshelf', 25.2, 55.3) d
            where (d.product).id = tests.id('B')), '0.8000', 'a corrected search scores 0.8 x the text score (title match)');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('lamp', 25.2, 55.3) d)),
  'L', 'geo: the far lamp is outside 10 km; hidden, withdrawn, reserved, sold and bad sellers'' lamps never show');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('lamp', 25.2, 55.3, p_radius_m => 50000) d)),
  'L E', 'with 50 km, by relevance (the nearer first)');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('sofa | seats | chair', 25.2, 55.3, p_sort => 'distance') d)),
  '', 'websearch syntax: | is not an operator, all words must match');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('bookshelf or chair', 25.2, 55.3, p_sort => 'distance') d)),
  'A B', 'or; sorted by distance');
select is((select d.reasons ->> 'text' from public.search_products('chair or sofa', 25.2, 55.3) d where (d.product).id = tests.id('D')),
  '1.0000', 'a title match scores text 1');
select is((select d.reasons ->> 'text' from public.search_products('brown', 25.2, 55.3) d where (d.product).id = tests.id('D')),
  '0.4000', 'a description-only match scores text 0.4');
select is((select tests.fd_keys(array[(p1.product).id, (p2.product).id])
             from public.search_products('lamx', 25.2, 55.3, p_radius_m => 50000, p_limit => 1) p1
             cross join lateral public.search_products('lamx', 25.2, 55.3, p_radius_m => 50000, p_limit => 1, p_cursor => p1.cursor) p2),
  'L E', 'a corrected search pages on with its cursor (the second page stays corrected)');
select is(tests.fd_keys(array(select (d.product).id from public.search_products('desk', 25.2, 55.3, p_sort => 'newest') d)),
  'Q', 'sort newest');

------------------------------------------------------------------------------------------------
-- The vocabulary for typo correction
------------------------------------------------------------------------------------------------
reset role;
-- Across the antimeridian no grid cells are listed: the search reads the whole radius at once.
with x as (
  insert into public.products (seller_id, title, description, price, category_id, condition, feed, location, quantity,
                               available_quantity, tags)
  values (tests.id('s1'), 'Antimeridian kayak', '', 9000, tests.id('furniture'), 'good', 'discover',
          tests.point(-17.0, -179.97), 1, 1, '{}')
  returning id)
select tests.keep('AM', (select id from x));
select is(array(select (d.product).id from public.search_products('kayak', -17.0, 179.99, p_radius_m => 10000) d),
  array[tests.id('AM')], 'a search whose circle crosses the antimeridian finds a product 4 km away on the other side');
select ok(exists (select 1 from private.product_words where word = 'bookshelf'), 'listing a product adds its words to the vocabulary');
update public.products set description = 'Solid walnut, zanzibarian style' where id = tests.id('B');
select ok(exists (select 1 from private.product_words where word = 'zanzibarian'), 'editing a product adds its new words');
select is(private.product_search_correction('qqqqxyz'), null, 'a word with no near listed word: no correction (no result)');
select is(private.product_search_correction('lamp'), null, 'known words only: nothing to correct');
select ok(private.refresh_product_words() > 0, 'the daily refresh recounts the vocabulary');
select is((select products from private.product_words where word = 'bookshelf'),
  (select count(*)::integer from public.products p
    where 'bookshelf' = any (private.product_words_of(p.title, p.description, p.tags))
      and p.hidden_at is null and p.withdrawn_at is null and p.status = 'available'),
  'its counts are the visible, available products holding the word');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-product-words' and command = 'select private.refresh_product_words()'),
  'the refresh is scheduled daily with pg_cron');

------------------------------------------------------------------------------------------------
-- Errors
------------------------------------------------------------------------------------------------
create temporary table bad (label text, stmt text, code text);
insert into bad values
  ('latitude', $$ select * from public.discover_products(91, 55) $$, 'HL200'),
  ('longitude', $$ select * from public.search_products('x', 25, 181) $$, 'HL201'),
  ('radius 0', $$ select * from public.discover_products(25, 55, p_radius_m => 0) $$, 'HL810'),
  ('radius 60 km', $$ select * from public.community_feed(25, 55, p_radius_m => 60000) $$, 'HL810'),
  ('condition', $$ select * from public.discover_products(25, 55, p_conditions => array['broken']) $$, 'HL811'),
  ('null condition', $$ select * from public.discover_products(25, 55, p_conditions => array[null]::text[]) $$, 'HL811'),
  ('feed', $$ select * from public.discover_products(25, 55, p_feed => 'global') $$, 'HL811'),
  ('negative price', $$ select * from public.discover_products(25, 55, p_min_price => -1) $$, 'HL812'),
  ('min above max', $$ select * from public.search_products('lamp', 25, 55, p_min_price => 10, p_max_price => 5) $$, 'HL812'),
  ('page 0', $$ select * from public.discover_products(25, 55, p_limit => 0) $$, 'HL813'),
  ('page 101', $$ select * from public.community_feed(25, 55, p_limit => 101) $$, 'HL813'),
  ('empty query', $$ select * from public.search_products('  ', 25, 55) $$, 'HL814'),
  ('long query', $$ select * from public.search_products(repeat('a', 201), 25, 55) $$, 'HL814'),
  ('no word', $$ select * from public.search_products('!!', 25, 55) $$, 'HL814'),
  ('sort', $$ select * from public.search_products('lamp', 25, 55, p_sort => 'price') $$, 'HL815'),
  ('service category', $$ select * from public.discover_products(25, 55, p_category_id => tests.id('svc')) $$, 'HL816'),
  ('unknown category', $$ select * from public.discover_products(25, 55, p_category_id => gen_random_uuid()) $$, 'HL816');
select is(tests.error_of(stmt) ->> 'sqlstate', code, 'refused: ' || label) from bad order by code, label;

select * from finish();
rollback;
