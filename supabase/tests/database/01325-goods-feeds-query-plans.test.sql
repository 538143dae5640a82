-- Module goods, feeds and search query plans: on enough rows for the planner to prefer indexes,
-- no feed or search reads products sequentially; feeds walk the partial GiST index in distance
-- order (KNN) and search reads its GIN indexes (full text; trigram for typos), the words with the
-- grid cells around the point in the same index scan. Each check EXPLAINs the exact
-- text the RPCs execute (private.goods_feed_sql) with arguments bound as private.goods_feed_page binds them.
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
analyze public.products;
-- A page ranks goods.feed.candidates products; on this small table a smaller number keeps the
-- proportions of a city-sized one (a bounded walk among many more products within the radius).
update private.settings set value = '25' where key = 'goods.feed.candidates';

create function tests.fq_plan(p_mode text, p_sort text, p_filters text[], p_query text default null) returns text
language plpgsql as $$
declare
  v_settings jsonb;
  v_plan text := '';
  v_row record;
begin
  select jsonb_object_agg(s.key, s.value) || jsonb_build_object('reputation.prior_mean', 3.5) into v_settings
    from private.settings s where s.key ^@ 'goods.feed.' or s.key ^@ 'goods.search.';
  for v_row in execute 'explain (costs off) ' || private.goods_feed_sql(p_mode, p_sort, p_filters)
    using tests.point(25.1, 55.2), 10000, array[tests.id('cat')], array['new', 'good']::text[], 1000::bigint, 40000::bigint,
          'discover'::text, private.product_search_query(coalesce(p_query, 'chair')), lower(coalesce(p_query, 'chair')),
          now(), tests.id('viewer'), v_settings, p_mode, 'fp'::text, null::numeric, null::uuid, 20,
          'marina'::text, 'tower 1'::text, extensions._st_expand(tests.point(25.1, 55.2), 10000), tests.id('cat'),
          private.goods_search_cells(25.1, 55.2, 2000)
  loop
    v_plan := v_plan || v_row."QUERY PLAN" || E'\n';
  end loop;
  return v_plan;
end $$;

select unalike(tests.fq_plan('discover', 'score', '{viewer}'), '%Seq Scan on products%', 'discover: no sequential scan of products');
select matches(tests.fq_plan('discover', 'score', '{viewer}'),
  'Index Scan using products_location(_live)?_idx on products p\s+(Index Cond: [^\n]+\n\s+)?Order By: \(location <->',
  'discover: KNN walk of a GiST index on location');
select matches(tests.fq_plan('discover', 'score', '{viewer,category,one_category,conditions,min_price,max_price,feed}'),
  'Index Scan using products_category_location_live_idx on products p\s+Index Cond: \(\(category_id = ',
  'discover in one category: the category is an index condition of the walk');
select matches(tests.fq_plan('discover', 'score', '{viewer,category,conditions,min_price,max_price,feed}'),
  'Order By: \(location <->', 'discover with every filter: still in distance order');
select matches(tests.fq_plan('community', 'score', '{viewer}'),
  'Index Scan using products_community_location_live_idx on products p\s+Index Cond: [^\n]+\n\s+Order By: \(location <->',
  'community: KNN walk of the community feed''s partial GiST index');
select unalike(tests.fq_plan('search', 'relevance', '{viewer}'), '%Seq Scan on products%', 'search: no sequential scan');
select matches(tests.fq_plan('search', 'relevance', '{viewer}'), 'Bitmap Index Scan on products_search_live_idx',
  'search: the full-text GIN index');
select matches(tests.fq_plan('search_fuzzy', 'relevance', '{viewer}', 'zebrra'), 'Bitmap Index Scan on products_title_trgm_live_idx',
  'search with a typo (no word matched): the trigram GIN index on titles');
select matches(tests.fq_plan('search', 'relevance', '{viewer,cells}'),
  'Bitmap Index Scan on products_search_live_idx\s+Index Cond: \(\(private.product_search_document\(title, description, tags\) @@ [^\n]+ AND \(private.product_geo_cells\(location\) &&',
  'search near the point: the words and the grid cells in one scan of the GIN index');
select matches(tests.fq_plan('search_fuzzy', 'relevance', '{viewer,cells}', 'zebrra'), 'Bitmap Index Scan on products_title_trgm_live_idx',
  'fuzzy search near the point: still the trigram GIN index (the cells filter its matches)');
select unalike(tests.fq_plan('search', 'distance', '{viewer,category,feed}', 'كرسي'), '%Seq Scan on products%',
  'search in Arabic with filters, by distance: no sequential scan');
select unalike(tests.fq_plan('discover', 'score', '{viewer}'), '%Seq Scan on product_likes%',
  'the personal signal reads the caller''s likes by index');

select * from finish();
rollback;
