-- Module: goods (feeds and search)
-- The discover feed, the community feed and product search over public.products: nearby goods
-- ranked by a documented score (distance, freshness, popularity, the seller's reputation and a
-- personal affinity from the caller's recent likes and views; text relevance for search), with
-- filters, keyset pages behind an opaque cursor that fixes the anchor time, and the indexes that
-- keep a page fast at a million products. See docs/goods.md "Feeds and search".
--
-- How a page is built (private.goods_feed_page): a bounded candidate set read in index order
-- (the nearest goods.feed.candidates visible, available products within the radius through a
-- partial GiST index; for search, the word matches near the point through the GIN index of words
-- and grid cells, nearest first), then scored, sorted on (sort key, id) and cut after the cursor;
-- the sellers' standing is checked on the sorted rows until the page is full. The functions are
-- security definer with their own visibility predicate (products' row level security would hide
-- the partial indexes from the planner).

create extension if not exists pg_trgm with schema extensions;

------------------------------------------------------------------------------------------------
-- Error codes (HL810-HL819) and settings
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL810', 'invalid_goods_radius', 400, 'The search radius is invalid.',
   'p_radius_m is 100 to 50000 metres.'),
  ('HL811', 'invalid_goods_filter', 400, 'A filter is invalid.',
   'p_conditions from new|like_new|good|fair (no nulls), p_feed discover|community.'),
  ('HL812', 'invalid_goods_price_range', 400, 'The price range is invalid.',
   'p_min_price and p_max_price are 0 to 1000000000 minor units, the minimum at most the maximum.'),
  ('HL813', 'invalid_goods_page_size', 400, 'The page size is invalid.', 'p_limit is 1 to 100.'),
  ('HL814', 'invalid_goods_search_query', 400, 'The search text is invalid.',
   'p_query is 1 to 200 characters with at least one word (or 3 letters for fuzzy matching).'),
  ('HL815', 'invalid_goods_sort', 400, 'The sort is invalid.', 'p_sort is relevance, distance or newest.'),
  ('HL816', 'invalid_goods_category_filter', 400, 'The category filter is not a goods category.',
   'Use a category of kind goods (category_tree(p_kind => ''goods'')); its subcategories are included.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('goods.feed.weight_distance', '0.35', 'Feed score weight of distance: 0.5 ^ (distance_m / goods.feed.distance_half_m).'),
  ('goods.feed.weight_freshness', '0.25', 'Feed score weight of freshness: 0.5 ^ (age in hours / goods.feed.freshness_half_life_hours).'),
  ('goods.feed.weight_popularity', '0.15',
   'Feed score weight of popularity: min(1, ln(1 + 3 likes + views) / ln(1 + goods.feed.popularity_saturation)).'),
  ('goods.feed.weight_reputation', '0.10',
   'Feed score weight of the seller''s reputation: reputation_score / 5 (seller role), the prior mean when unrated.'),
  ('goods.feed.weight_affinity', '0.15',
   'Feed score weight of the signed-in caller''s affinity for the category and the seller (recent likes and views, follows).'),
  ('goods.feed.distance_half_m', '1500', 'Distance at which the distance component halves (metres).'),
  ('goods.feed.freshness_half_life_hours', '72', 'Age at which the freshness component halves (hours).'),
  ('goods.feed.popularity_saturation', '200', 'Value of 3 likes + views at which popularity reaches 1.'),
  ('goods.feed.affinity_days', '30', 'How far back likes and views count for the personal affinity (days).'),
  ('goods.feed.candidates', '200',
   'Candidates a feed or search page ranks: the nearest visible, available products within the radius (matching, for search).'),
  ('goods.search.weight_text', '0.5',
   'Search relevance = weight_text * text match + (1 - weight_text) * the feed score of the product.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Indexes: visible and available products only (what every feed and search reads)
------------------------------------------------------------------------------------------------
-- The text searched: title, description and tags, in English and Arabic (both configurations,
-- so either language's words match with stemming). Immutable, so it can be indexed.
create or replace function private.product_search_document(p_title text, p_description text, p_tags text[])
returns tsvector
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.to_tsvector('pg_catalog.english'::pg_catalog.regconfig, v.doc)
      || pg_catalog.to_tsvector('pg_catalog.arabic'::pg_catalog.regconfig, v.doc)
    from (select coalesce(p_title, '') || ' ' || coalesce(p_description, '') || ' '
                 || coalesce(pg_catalog.array_to_string(p_tags, ' '), '') as doc) v;
$$;
comment on function private.product_search_document(text, text, text[]) is
  'The full-text document of a product: title, description and tags in the english and arabic configurations (indexed).';
revoke all on function private.product_search_document(text, text, text[]) from public, anon, authenticated, service_role;

-- The query: the words in both configurations (websearch syntax: quotes, or, -word).
create or replace function private.product_search_query(p_text text)
returns tsquery
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.websearch_to_tsquery('pg_catalog.english'::pg_catalog.regconfig, p_text)
      || pg_catalog.websearch_to_tsquery('pg_catalog.arabic'::pg_catalog.regconfig, p_text);
$$;
comment on function private.product_search_query(text) is
  'The tsquery of a search text: websearch_to_tsquery in english OR in arabic.';
revoke all on function private.product_search_query(text) from public, anon, authenticated, service_role;

-- The grid cells of a place, for the search indexes: a fine cell (0.01 degree, about 1.1 km) and a
-- coarse one (0.1 degree), as 'f<lat>:<lng>' and 'c<lat>:<lng>' of the floored scaled degrees.
create or replace function private.product_geo_cells(p_location extensions.geography)
returns text[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select array['f' || pg_catalog.floor(v.lat * 100)::bigint || ':' || pg_catalog.floor(v.lng * 100)::bigint,
               'c' || pg_catalog.floor(v.lat * 10)::bigint || ':' || pg_catalog.floor(v.lng * 10)::bigint]
    from (select extensions.st_y(p_location::extensions.geometry) as lat,
                 extensions.st_x(p_location::extensions.geometry) as lng) v
   where p_location is not null;
$$;
comment on function private.product_geo_cells(extensions.geography) is
  'The grid cells of a product''s place (fine 0.01 and coarse 0.1 degree), the second column of the search indexes.';
revoke all on function private.product_geo_cells(extensions.geography) from public, anon, authenticated, service_role;

-- The cells that cover a circle: fine cells when at most 64 of them do, else coarse ones. Null
-- when the circle crosses a pole or the antimeridian (the search then reads every cell: no filter).
create or replace function private.goods_search_cells(p_lat double precision, p_lng double precision, p_radius_m double precision)
returns text[]
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_lat0 double precision := p_lat - p_radius_m / 111000.0;
  v_lat1 double precision := p_lat + p_radius_m / 111000.0;
  v_dlng double precision;
  v_k integer := 100;
  v_cells text[] := '{}';
begin
  if v_lat0 <= -89 or v_lat1 >= 89 then
    return null;
  end if;
  v_dlng := p_radius_m / (111000.0 * pg_catalog.cos(pg_catalog.radians(greatest(abs(v_lat0), abs(v_lat1)))));
  if p_lng - v_dlng <= -180 or p_lng + v_dlng >= 180 then
    return null;
  end if;
  if (pg_catalog.floor(v_lat1 * 100) - pg_catalog.floor(v_lat0 * 100) + 1)
     * (pg_catalog.floor((p_lng + v_dlng) * 100) - pg_catalog.floor((p_lng - v_dlng) * 100) + 1) > 64 then
    v_k := 10;
  end if;
  for i in pg_catalog.floor(v_lat0 * v_k)::integer .. pg_catalog.floor(v_lat1 * v_k)::integer loop
    for j in pg_catalog.floor((p_lng - v_dlng) * v_k)::integer .. pg_catalog.floor((p_lng + v_dlng) * v_k)::integer loop
      v_cells := v_cells || ((case v_k when 100 then 'f' else 'c' end) || i || ':' || j);
    end loop;
  end loop;
  return v_cells;
end;
$$;
comment on function private.goods_search_cells(double precision, double precision, double precision) is
  'The grid cells (private.product_geo_cells) covering a circle: fine ones when at most 64, else coarse; null across a pole or the antimeridian.';
revoke all on function private.goods_search_cells(double precision, double precision, double precision)
  from public, anon, authenticated, service_role;

-- GiST indexes for the KNN walks: all live products, the community feed's, and per category (the
-- category first, so a category's products are walked alone). Not (feed, location): a GiST index
-- split on a two-valued first column loses the spatial locality the walk needs.
create index products_location_live_idx on public.products using gist (location)
  where hidden_at is null and withdrawn_at is null and status = 'available';
create index products_community_location_live_idx on public.products using gist (location)
  where hidden_at is null and withdrawn_at is null and status = 'available' and feed = 'community';
create index products_category_location_live_idx on public.products using gist (category_id, location)
  where hidden_at is null and withdrawn_at is null and status = 'available';
-- The search index pairs the words with the product's grid cells (private.product_geo_cells) in one
-- multicolumn GIN index: a search ANDs its words with the cells around the point inside the index,
-- so it reads only the matches near the point, not the city's (a corrected search too: see
-- 20261121001322_goods_search_words.sql).
create index products_search_live_idx on public.products
  using gin (private.product_search_document(title, description, tags), private.product_geo_cells(location))
  where hidden_at is null and withdrawn_at is null and status = 'available';

------------------------------------------------------------------------------------------------
-- Cursors: base64url of [1, mode, fingerprint, anchor time, sort key, id]
------------------------------------------------------------------------------------------------
create or replace function private.goods_cursor_encode(p_mode text, p_fingerprint text, p_at timestamptz, p_key numeric, p_id uuid)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(
           pg_catalog.jsonb_build_array(1, p_mode, p_fingerprint,
             pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_key::text, p_id)::text,
           'UTF8'), 'base64'), E'+/\n', '-_'), '=');
$$;
comment on function private.goods_cursor_encode(text, text, timestamptz, numeric, uuid) is
  'Opaque keyset cursor of a goods feed or search page (read back by private.goods_cursor_decode).';
revoke all on function private.goods_cursor_encode(text, text, timestamptz, numeric, uuid) from public, anon, authenticated, service_role;

create or replace function private.goods_cursor_decode(
  p_cursor text, p_mode text, p_fingerprint text, out at timestamptz, out key numeric, out id uuid)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_text text;
  v_json jsonb;
  v_problem text;
begin
  begin
    v_text := pg_catalog.translate(p_cursor, '-_', '+/');
    v_text := v_text || pg_catalog.repeat('=', (4 - pg_catalog.length(v_text) % 4) % 4);
    v_json := pg_catalog.convert_from(pg_catalog.decode(v_text, 'base64'), 'UTF8')::jsonb;
    if pg_catalog.jsonb_typeof(v_json) <> 'array' or pg_catalog.jsonb_array_length(v_json) <> 6
       or v_json ->> 0 is distinct from '1' then
      v_problem := 'not a goods feed cursor';
    elsif v_json ->> 1 is distinct from p_mode then
      v_problem := pg_catalog.format('the cursor belongs to %s', v_json ->> 1);
    elsif v_json ->> 2 is distinct from p_fingerprint then
      v_problem := 'the cursor belongs to a request with other parameters';
    else
      at := (v_json ->> 3)::timestamptz;
      key := (v_json ->> 4)::numeric;
      id := (v_json ->> 5)::uuid;
      if at is null or key is null or id is null then
        v_problem := 'incomplete cursor';
      end if;
    end if;
  exception when others then
    v_problem := 'the cursor cannot be decoded';
  end;
  if v_problem is not null then
    perform private.raise_error('HL007', v_problem);
  end if;
end;
$$;
comment on function private.goods_cursor_decode(text, text, text) is
  'Reads a goods feed or search cursor for this mode and request (HL007 otherwise): anchor time, sort key, id.';
revoke all on function private.goods_cursor_decode(text, text, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The candidates of a page: built from the active filters only, run with its arguments bound
------------------------------------------------------------------------------------------------
-- Returns one value: the candidates (private.goods_candidate[], nearest first). Parameters: $1 point,
-- $2 radius_m (for search: the ring read), $3 category ids (with descendants), $4 conditions, $5 min
-- price, $6 max price, $7 feed, $8 tsquery, $9 viewer, $10 the box around the circle, $11 the
-- category when it has no subcategories, $12 the grid cells around the point (search), $13 how many.
-- Feeds walk the GiST index nearest first (KNN) and stop after $13 rows; the radius cuts them after
-- the walk (a distance or box condition inside the walk costs more than the rows it saves). Only when
-- a filter may reject rows does the walk carry the box as an index condition, so a rare filter does
-- not walk past the radius. Search reads the GIN index (words and cells) and sorts its matches.
-- A candidate of a page: the columns the score needs, read once by the candidate query.
create type private.goods_candidate as (
  id uuid, seller_id uuid, category_id uuid, title text, neighbourhood text, building text,
  like_count bigint, view_count bigint, created_at timestamptz, dist double precision
);
comment on type private.goods_candidate is 'A candidate product of a goods feed or search page, with its distance (private.goods_feed_page).';

create or replace function private.goods_candidates_sql(p_mode text, p_filters text[])
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_where text := '';
  v_filtered boolean := false;
begin
  if p_mode = 'community' then
    v_where := v_where || ' and p.feed = ''community''';
  elsif 'feed' = any (p_filters) then
    v_where := v_where || ' and p.feed = $7';
    v_filtered := true;
  end if;
  if 'category' = any (p_filters) then
    -- One category (no subcategories): an index condition of the (category_id, location) index.
    if 'one_category' = any (p_filters) then
      v_where := v_where || ' and p.category_id = $11';
    else
      v_where := v_where || ' and p.category_id = any ($3)';
      v_filtered := true;
    end if;
  end if;
  if 'conditions' = any (p_filters) then
    v_where := v_where || ' and p.condition = any ($4)';
    v_filtered := true;
  end if;
  if 'min_price' = any (p_filters) then
    v_where := v_where || ' and p.price >= $5';
    v_filtered := true;
  end if;
  if 'max_price' = any (p_filters) then
    v_where := v_where || ' and p.price <= $6';
    v_filtered := true;
  end if;
  if 'viewer' = any (p_filters) then
    v_where := v_where || ' and p.seller_id <> $9';
  end if;
  if p_mode in ('discover', 'community') then
    return pg_catalog.format($q$
      select pg_catalog.array_agg((c.id, c.seller_id, c.category_id, c.title, c.neighbourhood, c.building, c.like_count,
                                    c.view_count, c.created_at, c.dist)::private.goods_candidate order by c.dist, c.id)
        from (select p.id, p.seller_id, p.category_id, p.title, p.neighbourhood, p.building, p.like_count, p.view_count,
                     p.created_at, p.location operator(extensions.<->) $1 as dist
                from public.products p
               where p.hidden_at is null and p.withdrawn_at is null and p.status = 'available'%s%s
               order by p.location operator(extensions.<->) $1
               limit $13) c
       where c.dist <= $2$q$,
      v_where, case when v_filtered then ' and p.location operator(extensions.&&) $10' else '' end);
  end if;
  -- Search: the words (and the cells around the point, in the same GIN index scan), nearest first.
  return pg_catalog.format($q$
    select pg_catalog.array_agg((c.id, c.seller_id, c.category_id, c.title, c.neighbourhood, c.building, c.like_count,
                                    c.view_count, c.created_at, c.dist)::private.goods_candidate order by c.dist, c.id)
      from (select m.*
              from (select p.id, p.seller_id, p.category_id, p.title, p.neighbourhood, p.building, p.like_count, p.view_count,
                           p.created_at, p.location operator(extensions.<->) $1 as dist
                      from public.products p
                     where p.hidden_at is null and p.withdrawn_at is null and p.status = 'available'
                       and private.product_search_document(p.title, p.description, p.tags) @@ $8%s%s) m
             where m.dist <= $2
             order by m.dist, m.id
             limit $13) c$q$,
    case when 'cells' = any (p_filters) then ' and private.product_geo_cells(p.location) operator(pg_catalog.&&) $12' else '' end,
    v_where);
end;
$$;
comment on function private.goods_candidates_sql(text, text[]) is
  'The SQL reading the candidates of a goods feed or search page (private.goods_candidate[], nearest first) for a mode (discover, '
  'community, search) and the active filters (feed, category, one_category, conditions, min_price, max_price, viewer, cells); '
  'parameters $1-$13 as listed above it. Used by private.goods_feed_page and the plan tests.';
revoke all on function private.goods_candidates_sql(text, text[]) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- One page of a feed or a search
------------------------------------------------------------------------------------------------
create or replace function private.goods_feed_page(
  p_mode text,                -- discover | community | search (search_fuzzy is chosen inside)
  p_lat double precision,
  p_lng double precision,
  p_radius_m integer,
  p_category_id uuid,
  p_conditions text[],
  p_min_price bigint,
  p_max_price bigint,
  p_feed text,
  p_query text,
  p_sort text,
  p_neighbourhood text,
  p_building text,
  p_limit integer,
  p_cursor text
)
returns table (product public.products, distance_m double precision, score numeric, reasons jsonb, cursor text)
language plpgsql
stable
security definer
set search_path = ''
-- The scoring statement is planned once per connection (its custom plans are no better and cost a
-- few milliseconds each); the candidate queries are dynamic SQL, planned with their values anyway.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_point extensions.geography;
  v_viewer uuid := (select auth.uid());
  v_category_ids uuid[];
  v_query tsquery;
  v_query_text text;
  v_sort text := coalesce(p_sort, case when p_mode = 'search' then 'relevance' else 'score' end);
  v_neighbourhood text;
  v_building text;
  v_settings jsonb;
  v_candidates integer;
  v_fingerprint text;
  v_at timestamptz;
  v_after_key numeric;
  v_after_id uuid;
  v_variant text;
  v_filters text[];
  v_try text;
  v_cells text[];
  v_ring integer;
  v_cands private.goods_candidate[];
  v_found integer;
  -- The settings the score reads, as values (not looked up per candidate).
  v_w_distance float8;
  v_w_freshness float8;
  v_w_popularity float8;
  v_w_reputation float8;
  v_w_affinity float8;
  v_w_text float8;
  v_distance_half float8;
  v_freshness_half float8;
  v_popularity_log float8;
  v_prior numeric;
  v_since timestamptz;
  v_category_affinity jsonb := '{}';
  v_seller_affinity jsonb := '{}';
begin
  v_point := private.discovery_point(p_lat, p_lng);
  if p_radius_m is null or p_radius_m not between 100 and 50000 then
    perform private.raise_error('HL810', pg_catalog.format('radius %s m', coalesce(p_radius_m::text, 'null')));
  end if;
  if p_conditions is not null and (pg_catalog.array_position(p_conditions, null) is not null
     or not p_conditions <@ array['new', 'like_new', 'good', 'fair']::text[]) then
    perform private.raise_error('HL811', pg_catalog.format('conditions %s', p_conditions));
  end if;
  if p_feed is not null and p_feed not in ('discover', 'community') then
    perform private.raise_error('HL811', pg_catalog.format('feed %L', p_feed));
  end if;
  if (p_min_price is not null and p_min_price not between 0 and 1000000000)
     or (p_max_price is not null and p_max_price not between 0 and 1000000000)
     or p_min_price > p_max_price then
    perform private.raise_error('HL812', pg_catalog.format('min %s, max %s',
      coalesce(p_min_price::text, 'none'), coalesce(p_max_price::text, 'none')));
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL813', pg_catalog.format('limit %s', coalesce(p_limit::text, 'null')));
  end if;
  if p_mode = 'search' and v_sort not in ('relevance', 'distance', 'newest') then
    perform private.raise_error('HL815', pg_catalog.format('sort %L', p_sort));
  end if;
  if p_category_id is not null then
    if not exists (select 1 from public.categories c
                    where c.id = p_category_id and c.kind = 'goods' and private.category_is_live(c.path_ids)) then
      perform private.raise_error('HL816', pg_catalog.format('category %s', p_category_id));
    end if;
    select pg_catalog.array_agg(c.id order by c.id) into v_category_ids
      from public.categories c
     where c.path_ids @> array[p_category_id] and c.is_active;
  end if;
  if p_mode = 'search' then
    v_query_text := pg_catalog.btrim(coalesce(p_query, ''));
    if pg_catalog.char_length(v_query_text) not between 1 and 200 then
      perform private.raise_error('HL814', 'p_query is 1 to 200 characters');
    end if;
    v_query := private.product_search_query(v_query_text);
    if pg_catalog.numnode(v_query) = 0 and pg_catalog.char_length(v_query_text) < 3 then
      perform private.raise_error('HL814', pg_catalog.format('%L has no word to search', v_query_text));
    end if;
    v_query_text := pg_catalog.lower(v_query_text);
  end if;
  if p_mode = 'community' then
    v_neighbourhood := nullif(pg_catalog.lower(pg_catalog.btrim(p_neighbourhood)), '');
    v_building := nullif(pg_catalog.lower(pg_catalog.btrim(p_building)), '');
    if v_neighbourhood is null and v_viewer is not null then
      select nullif(pg_catalog.lower(pg_catalog.btrim(pr.neighbourhood)), '') into v_neighbourhood
        from public.profiles pr where pr.id = v_viewer;
    end if;
  end if;

  select pg_catalog.jsonb_object_agg(s.key, s.value) into v_settings
    from private.settings s where s.key ^@ 'goods.feed.' or s.key ^@ 'goods.search.';
  v_settings := v_settings || pg_catalog.jsonb_build_object('reputation.prior_mean', private.setting('reputation.prior_mean'));
  v_candidates := (v_settings ->> 'goods.feed.candidates')::integer;

  -- A cursor belongs to one request: everything but the page size.
  v_fingerprint := pg_catalog.md5(pg_catalog.concat_ws('|', p_mode, p_lat, p_lng, p_radius_m, p_category_id,
    p_conditions::text, p_min_price, p_max_price, p_feed, v_query_text, v_sort, v_neighbourhood, v_building, v_viewer));
  -- Search pages of a corrected search (no product matched the words) say so in their cursor.
  v_variant := p_mode;
  if p_mode = 'search' and p_cursor is not null then
    begin
      if pg_catalog.convert_from(pg_catalog.decode(pg_catalog.translate(p_cursor, '-_', '+/')
           || pg_catalog.repeat('=', (4 - pg_catalog.length(p_cursor) % 4) % 4), 'base64'), 'UTF8')::jsonb ->> 1 = 'search_fuzzy' then
        v_variant := 'search_fuzzy';
      end if;
    exception when others then
      null;  -- goods_cursor_decode reports it
    end;
  end if;
  if p_cursor is not null then
    select d.at, d.key, d.id into v_at, v_after_key, v_after_id
      from private.goods_cursor_decode(p_cursor, v_variant, v_fingerprint) d;
  else
    v_at := private.now();
  end if;

  -- Only the active filters become SQL (planned with their values).
  v_filters := array_remove(array[
    case when p_feed is not null then 'feed' end,
    case when v_category_ids is not null then 'category' end,
    case when pg_catalog.cardinality(v_category_ids) = 1 then 'one_category' end,
    case when p_conditions is not null then 'conditions' end,
    case when p_min_price is not null then 'min_price' end,
    case when p_max_price is not null then 'max_price' end,
    case when v_viewer is not null then 'viewer' end], null);

  -- The candidates (private.goods_candidate[], nearest first). A word search reads its matches
  -- ring by ring from the point (1 km, then wider as the density seen asks, up to the radius)
  -- through the grid cells of each ring, until a ring holds the candidates a page ranks (then the
  -- nearest ones are all inside it) or the ring is the radius; where no cells can be listed (the
  -- circle crosses a pole or the antimeridian) it reads the whole radius at once. A first search
  -- page whose words match nothing within the radius searches the corrected words instead
  -- (private.product_search_correction), its pages too.
  foreach v_try in array case when v_variant = 'search' and p_cursor is null and pg_catalog.char_length(v_query_text) >= 3
                              then array['search', 'search_fuzzy'] else array[v_variant] end loop
    if v_try = 'search_fuzzy' then
      v_query := private.product_search_correction(v_query_text);
      exit when v_query is null;
    end if;
    if v_try = 'discover' or v_try = 'community' then
      execute private.goods_candidates_sql(v_try, v_filters) into v_cands
        using v_point, p_radius_m::double precision, v_category_ids, p_conditions, p_min_price, p_max_price, p_feed,
              null::tsquery, v_viewer, extensions._st_expand(v_point, p_radius_m::double precision), v_category_ids[1],
              null::text[], v_candidates;
    else
      v_ring := least(p_radius_m, 1000);
      loop
        v_cells := private.goods_search_cells(p_lat, p_lng, v_ring::double precision);
        if v_cells is null then
          v_ring := p_radius_m;
        end if;
        execute private.goods_candidates_sql('search', case when v_cells is not null then v_filters || 'cells'::text else v_filters end)
          into v_cands
          using v_point, v_ring::double precision, v_category_ids, p_conditions, p_min_price, p_max_price, p_feed,
                v_query, v_viewer, null::extensions.geography, v_category_ids[1], v_cells, v_candidates;
        v_found := coalesce(pg_catalog.cardinality(v_cands), 0);
        exit when v_cells is null or v_ring >= p_radius_m or v_found >= v_candidates;
        -- The next ring where the density seen so far would hold the candidates (x 1.3 to 4 the area's side).
        v_ring := least(p_radius_m, (v_ring * case when v_found = 0 then 4
          else least(4, greatest(1.3, 1.25 * pg_catalog.sqrt(v_candidates::double precision / v_found))) end)::integer);
      end loop;
    end if;
    v_variant := v_try;
    exit when v_cands is not null;
  end loop;
  if v_cands is null then
    return;
  end if;

  v_w_distance := (v_settings ->> 'goods.feed.weight_distance')::float8;
  v_w_freshness := (v_settings ->> 'goods.feed.weight_freshness')::float8;
  v_w_popularity := (v_settings ->> 'goods.feed.weight_popularity')::float8;
  v_w_reputation := (v_settings ->> 'goods.feed.weight_reputation')::float8;
  v_w_affinity := (v_settings ->> 'goods.feed.weight_affinity')::float8;
  v_w_text := case when v_variant in ('search', 'search_fuzzy') then (v_settings ->> 'goods.search.weight_text')::float8 else 0 end;
  v_distance_half := (v_settings ->> 'goods.feed.distance_half_m')::float8;
  v_freshness_half := (v_settings ->> 'goods.feed.freshness_half_life_hours')::float8 * 3600;
  v_popularity_log := pg_catalog.ln(1 + (v_settings ->> 'goods.feed.popularity_saturation')::float8);
  v_prior := (v_settings ->> 'reputation.prior_mean')::numeric;
  v_since := v_at - pg_catalog.make_interval(days => (v_settings ->> 'goods.feed.affinity_days')::integer);

  -- The caller's affinities (docs/goods.md "The personal signal"): per category and per seller,
  -- the weight of their recent likes (3) and views (1) over the weight of their top one; 1 for a
  -- seller they follow.
  if v_viewer is not null then
    with events as (
      select * from (
        select pr.category_id, pr.seller_id, 3.0 as w
          from public.product_likes l join public.products pr on pr.id = l.product_id
         where l.user_id = v_viewer and l.created_at >= v_since
         order by l.created_at desc limit 200) likes
      union all
      select * from (
        select pr.category_id, pr.seller_id, 1.0 as w
          from private.product_views v join public.products pr on pr.id = v.product_id
         where v.viewer_id = v_viewer and v.viewed_at >= v_since
         order by v.viewed_at desc limit 200) views
    )
    select coalesce((select pg_catalog.jsonb_object_agg(x.category_id, x.a) from (
                       select e.category_id, pg_catalog.sum(e.w) / pg_catalog.max(pg_catalog.sum(e.w)) over () as a
                         from events e group by e.category_id) x), '{}'),
           coalesce((select pg_catalog.jsonb_object_agg(y.seller_id, y.a) from (
                       select x.seller_id, pg_catalog.max(x.a) as a from (
                         select e.seller_id, pg_catalog.sum(e.w) / pg_catalog.max(pg_catalog.sum(e.w)) over () as a
                           from events e group by e.seller_id
                         union all
                         select f.seller_id, 1.0 from public.seller_follows f where f.follower_id = v_viewer) x
                       group by x.seller_id) y), '{}')
      into v_category_affinity, v_seller_affinity;
  end if;

  -- Score the candidates, sort them on (sort key, id), cut after the cursor; the sellers' standing
  -- is checked on the sorted rows only until the page is full. One statement, few plan nodes: a
  -- candidate costs a handful of expressions and one reputation probe.
  return query
  select (select p from public.products p where p.id = k.id),
         k.dist, k.s,
         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'distance', round(k.k_distance::numeric, 4), 'freshness', round(k.k_freshness::numeric, 4),
           'popularity', round(k.k_popularity::numeric, 4), 'reputation', round(k.k_reputation::numeric, 4),
           'affinity', round(k.k_affinity::numeric, 4), 'text', round(k.k_text::numeric, 4),
           'community', case k.tier when 2 then 'building' when 1 then 'neighbourhood' end)),
         private.goods_cursor_encode(v_variant, v_fingerprint, v_at, k.sort_key, k.id)
    from (
      select kk.* from (
      select sc.*, case v_sort when 'distance' then -round(sc.dist::numeric, 3)
                               when 'newest' then extract(epoch from sc.created_at)::numeric
                               else sc.s + coalesce(sc.tier, 0) end as sort_key
        from (
          select pa.*,
                 round(((v_w_distance * pa.k_distance + v_w_freshness * pa.k_freshness + v_w_popularity * pa.k_popularity
                         + v_w_reputation * pa.k_reputation + v_w_affinity * pa.k_affinity) * (1 - v_w_text)
                        + v_w_text * coalesce(pa.k_text, 0))::numeric, 6) as s
            from (
              select c.id, c.seller_id, c.dist, c.created_at,
                     pg_catalog.power(0.5::float8, c.dist / v_distance_half) as k_distance,
                     pg_catalog.power(0.5::float8, greatest(0, extract(epoch from (v_at - c.created_at)))::float8 / v_freshness_half) as k_freshness,
                     least(1, pg_catalog.ln(1 + 3 * c.like_count + c.view_count)::float8 / v_popularity_log) as k_popularity,
                     coalesce((select r.reputation_score from public.user_reputation r
                                where r.user_id = c.seller_id and r.role = 'seller' and r.rating_count > 0), v_prior)::float8 / 5
                       as k_reputation,
                     coalesce(0.5 * (v_category_affinity ->> c.category_id::text)::float8, 0)
                       + coalesce(0.5 * (v_seller_affinity ->> c.seller_id::text)::float8, 0) as k_affinity,
                     -- Search: 1 when the title holds the words, 0.4 when only the description or tags do; x 0.8 when corrected.
                     case when v_variant in ('search', 'search_fuzzy') then
                       (case when (pg_catalog.to_tsvector('pg_catalog.english'::pg_catalog.regconfig, c.title)
                                   || pg_catalog.to_tsvector('pg_catalog.arabic'::pg_catalog.regconfig, c.title)) @@ v_query
                             then 1.0 else 0.4 end
                        * case when v_variant = 'search_fuzzy' then 0.8 else 1.0 end)::float8 end as k_text,
                     case when v_variant = 'community' then
                       case when v_building is not null and pg_catalog.lower(pg_catalog.btrim(c.building)) = v_building
                                 and (v_neighbourhood is null or pg_catalog.lower(pg_catalog.btrim(c.neighbourhood)) = v_neighbourhood) then 2
                            when v_neighbourhood is not null and pg_catalog.lower(pg_catalog.btrim(c.neighbourhood)) = v_neighbourhood then 1
                            else 0 end end as tier
                from pg_catalog.unnest(v_cands) c
              offset 0  -- each component computed once per candidate
            ) pa
        ) sc
      ) kk
       where v_after_key is null or (kk.sort_key, kk.id) < (v_after_key, v_after_id)
       order by kk.sort_key desc, kk.id desc
      offset 0  -- the sellers' checks below run on the sorted rows, not on every candidate
    ) k
   where coalesce((select s.deleted_at is null and s.hidden_at is null from public.profiles s where s.id = k.seller_id), false)
     and not exists (select 1 from public.user_suspensions u
                      where u.user_id = k.seller_id and u.ended_at is null and u.starts_at <= v_at
                        and (u.ends_at is null or u.ends_at > v_at))
   order by k.sort_key desc, k.id desc
   limit p_limit;
end;
$$;
comment on function private.goods_feed_page(text, double precision, double precision, integer, uuid, text[], bigint, bigint,
  text, text, text, text, text, integer, text) is
  'One page of the discover feed, the community feed or a search (docs/goods.md "Feeds and search"): validates '
  '(HL200/HL201, HL810-HL816, HL007), reads a bounded candidate set in index order, scores and pages it.';
revoke all on function private.goods_feed_page(text, double precision, double precision, integer, uuid, text[], bigint, bigint,
  text, text, text, text, text, integer, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- RPCs
------------------------------------------------------------------------------------------------
create or replace function public.discover_products(
  p_lat double precision,
  p_lng double precision,
  p_radius_m integer default 10000,
  p_category_id uuid default null,
  p_conditions text[] default null,
  p_min_price bigint default null,
  p_max_price bigint default null,
  p_feed text default null,
  p_limit integer default 20,
  p_cursor text default null
)
returns table (product public.products, distance_m double precision, score numeric, reasons jsonb, cursor text)
language sql
stable
security definer
set search_path = ''
as $$
  select * from private.goods_feed_page('discover', p_lat, p_lng, p_radius_m, p_category_id, p_conditions, p_min_price,
    p_max_price, p_feed, null, null, null, null, p_limit, p_cursor);
$$;
comment on function public.discover_products(double precision, double precision, integer, uuid, text[], bigint, bigint, text,
  integer, text) is
  'Discover feed: visible, available products near the point ranked by score (distance, freshness, popularity, seller '
  'reputation, the signed-in caller''s affinity), with filters; reasons explain the score; keyset pages through cursor. '
  'HL200/HL201, HL810-HL813, HL816, HL007.';
revoke all on function public.discover_products(double precision, double precision, integer, uuid, text[], bigint, bigint,
  text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.discover_products(double precision, double precision, integer, uuid, text[], bigint, bigint,
  text, integer, text) to anon, authenticated, service_role;

create or replace function public.community_feed(
  p_lat double precision,
  p_lng double precision,
  p_radius_m integer default 3000,
  p_neighbourhood text default null,
  p_building text default null,
  p_category_id uuid default null,
  p_conditions text[] default null,
  p_min_price bigint default null,
  p_max_price bigint default null,
  p_limit integer default 20,
  p_cursor text default null
)
returns table (product public.products, distance_m double precision, score numeric, reasons jsonb, cursor text)
language sql
stable
security definer
set search_path = ''
as $$
  select * from private.goods_feed_page('community', p_lat, p_lng, p_radius_m, p_category_id, p_conditions, p_min_price,
    p_max_price, null, null, null, p_neighbourhood, p_building, p_limit, p_cursor);
$$;
comment on function public.community_feed(double precision, double precision, integer, text, text, uuid, text[], bigint,
  bigint, integer, text) is
  'Community feed: visible, available products of the community feed near the point, the same building first, then the '
  'same neighbourhood (default: the caller''s profile neighbourhood), then the rest, each by score; keyset pages. '
  'HL200/HL201, HL810-HL813, HL816, HL007.';
revoke all on function public.community_feed(double precision, double precision, integer, text, text, uuid, text[], bigint,
  bigint, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.community_feed(double precision, double precision, integer, text, text, uuid, text[], bigint,
  bigint, integer, text) to anon, authenticated, service_role;

create or replace function public.search_products(
  p_query text,
  p_lat double precision,
  p_lng double precision,
  p_radius_m integer default 10000,
  p_category_id uuid default null,
  p_conditions text[] default null,
  p_min_price bigint default null,
  p_max_price bigint default null,
  p_feed text default null,
  p_sort text default 'relevance',
  p_limit integer default 20,
  p_cursor text default null
)
returns table (product public.products, distance_m double precision, score numeric, reasons jsonb, cursor text)
language sql
stable
security definer
set search_path = ''
as $$
  select * from private.goods_feed_page('search', p_lat, p_lng, p_radius_m, p_category_id, p_conditions, p_min_price,
    p_max_price, p_feed, p_query, p_sort, null, null, p_limit, p_cursor);
$$;
comment on function public.search_products(text, double precision, double precision, integer, uuid, text[], bigint, bigint,
  text, text, integer, text) is
  'Product search near a point: full text (english and arabic, title, description, tags) or fuzzy title match (trigram), '
  'with the feed filters; sorted by relevance (text match and the feed score), distance or newest; keyset pages. '
  'HL200/HL201, HL810-HL816, HL007.';
revoke all on function public.search_products(text, double precision, double precision, integer, uuid, text[], bigint, bigint,
  text, text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.search_products(text, double precision, double precision, integer, uuid, text[], bigint,
  bigint, text, text, integer, text) to anon, authenticated, service_role;
