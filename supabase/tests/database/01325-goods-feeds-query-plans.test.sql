-- Module goods, feeds and search query plans: on enough rows for the planner to prefer indexes,
-- no feed or search reads products sequentially; feeds walk the partial GiST index in distance
-- order (KNN) and search reads its GIN index, the words with the grid cells around the point in
-- the same index scan. Each check EXPLAINs the exact candidate query the RPCs execute
-- (private.goods_candidates_sql) with arguments bound as private.goods_feed_page binds them.
begin;
select plan(12);

select tests.freeze_time(now());
select tests.keep('cat', tests.create_category('fq-furniture', kind => 'goods'));
select tests.keep('cat2', tests.create_category('fq-books', kind => 'goods'));
select tests.keep('seller', tests.create_supabase_user('fq_seller'));
select tests.keep('viewer', tests.create_supabase_user('fq_viewer'));

-- 12,000 products in a 0.4 x 0.4 degree square around (25.1, 55.2); 90% available.
insert into public.products (seller_id, title, description, price, category_id, condition, feed, location, quantity,
                             available_quantity, tags, created_at)
select tests.id('seller'),
       (array['Oak chair', 'Leather sofa', 'Desk lamp', 'Mystery novel', 'Kids bike', 'Coffee table'])[1 + n % 6] || ' ' || n,
       'Good condition, pick up nearby. Item ' || n,
       1000 + (n % 500) * 100,
       case when n % 3 = 0 then tests.id('cat2') else tests.id('cat') end,
       (array['new', 'like_new', 'good', 'fair'])[1 + n % 4],
       case when n % 5 = 0 then 'community' else 'discover' end,
       tests.point(24.9 + (n * 0.61803398875 % 1) * 0.4, 55.0 + (n * 0.41421356237 % 1) * 0.4),
       1, 1, '{}', now() - make_interval(hours => n % 2000)
  from generate_series(1, 12000) n;
update public.products set available_quantity = 0, status = 'sold', sold_at = now() where title like '% _0';
-- A category as rare as one of a city's twelve (1 product in 12).
select tests.keep('rare', tests.create_category('fq-rare', kind => 'goods'));
update public.products set category_id = tests.id('rare') where title ~ ' [0-9]*(12|24|36|48|60|72|84|96)$';
analyze public.products;
-- A page ranks goods.feed.candidates products; on this small table a smaller number keeps the
-- proportions of a city-sized one (a bounded walk among many more products within the radius).
update private.settings set value = '25' where key = 'goods.feed.candidates';

create function tests.explain_rows(p_sql text) returns table ("QUERY PLAN" text)
language plpgsql as $$
begin
  return query execute 'explain (costs off) ' || p_sql;
end $$;

create function tests.fq_plan(p_mode text, p_filters text[], p_query text default null, p_category uuid default null) returns text
language plpgsql as $$
declare
  v_plan text := '';
  v_row record;
begin
  for v_row in execute 'explain (costs off) ' || private.goods_candidates_sql(p_mode, p_filters)
    using tests.point(25.1, 55.2), 10000::double precision, array[tests.id('cat')], array['new', 'good']::text[], 1000::bigint,
          40000::bigint, 'discover'::text, private.product_search_query(coalesce(p_query, 'chair')), tests.id('viewer'),
          extensions._st_expand(tests.point(25.1, 55.2), 10000), coalesce(p_category, tests.id('cat')), private.goods_search_cells(25.1, 55.2, 2000), 25
  loop
    v_plan := v_plan || v_row."QUERY PLAN" || E'\n';
  end loop;
  return v_plan;
end $$;

select unalike(tests.fq_plan('discover', '{viewer}'), '%Seq Scan on products%', 'discover: no sequential scan of products');
select matches(tests.fq_plan('discover', '{viewer}'),
  'Index Scan using products_location_live_idx on products p\s+Order By: \(location <->',
  'discover: KNN walk of the partial GiST index on location');
select unalike(tests.fq_plan('discover', '{viewer}'), '%location && %',
  'discover without a filter that rejects rows: no box in the walk (it stops after the candidates)');
select matches(tests.fq_plan('discover', '{viewer,conditions}'),
  'Index Cond: \(location && ', 'discover with a filter: the box around the circle bounds the walk');
select matches(tests.fq_plan('discover', '{viewer,category,one_category}', null, tests.id('rare')),
  'Index Scan using products_category_location_live_idx on products p\s+Index Cond: \(category_id = ',
  'discover in one category: the category is an index condition of the walk');
select matches(tests.fq_plan('discover', '{viewer,category,conditions,min_price,max_price,feed}'),
  'Order By: \(location <->', 'discover with every filter: still in distance order');
select matches(tests.fq_plan('community', '{viewer}'),
  'Index Scan using products_community_location_live_idx on products p\s+Order By: \(location <->',
  'community: KNN walk of the community feed''s partial GiST index');
select unalike(tests.fq_plan('search', '{viewer}'), '%Seq Scan on products%', 'search: no sequential scan');
select matches(tests.fq_plan('search', '{viewer}'), 'Bitmap Index Scan on products_search_live_idx',
  'search: the full-text GIN index');
select matches(tests.fq_plan('search', '{viewer,cells}'),
  'Bitmap Index Scan on products_search_live_idx\s+Index Cond: \(\(private.product_search_document\(title, description, tags\) @@ [^\n]+ AND \(private.product_geo_cells\(location\) &&',
  'search near the point: the words and the grid cells in one scan of the GIN index');
select unalike(tests.fq_plan('search', '{viewer,category,feed}', 'كرسي'), '%Seq Scan on products%',
  'search in Arabic with filters: no sequential scan');
-- Typo correction: the nearest listed words by trigram distance, from the vocabulary's GiST index.
insert into private.product_words (word, products)
select 'w' || left(md5(n::text), 20), 1 from generate_series(1, 5000) n on conflict do nothing;
analyze private.product_words;
select matches((select string_agg(e."QUERY PLAN", E'\n')
                  from tests.explain_rows($q$select w.word from private.product_words w where w.products > 0
                                              order by w.word operator(extensions.<->) 'zebrra' limit 12$q$) e),
  'Index Scan using product_words_trgm_idx', 'typo correction: a KNN read of the vocabulary''s trigram index');

select * from finish();
rollback;
