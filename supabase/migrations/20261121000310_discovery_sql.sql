-- Module: discovery (queries)
-- The SQL text of every search shape, built from the active filters only and run with the
-- arguments bound (see discovery_search for the design).

------------------------------------------------------------------------------------------------
-- The SQL of a search, from its shape. Parameters: see private.discovery_search ($19 = sort).
------------------------------------------------------------------------------------------------
create or replace function private.discovery_sql(s private.discovery_search, p_mode text default 'rows')
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_geo text;
  v_id text;
  v_id_col text;
  v_from text;
  v_base text[];
  v_area text[];
  v_area2 text[];
  v_filters text[] := '{}';
  v_price text;
  v_dist text;
  v_relevance text;
  v_k1 text;
  v_k2 text;
  v_order text;
  v_outer_order text;
  v_select text;
  v_select2 text;
  v_outer text;
begin
  if s.entity = 'provider' then
    v_geo := 'pp.base_location';
    v_id := 'pp.id';
    v_id_col := 'provider_id';
    v_from := 'public.provider_profiles pp';
    v_base := array['pp.deleted_at is null', 'pp.hidden_at is null'];
    v_price := 'pp.price_from';
  elsif s.entity = 'listing' then
    -- A listing's location is its provider's base (service_listing_derive), so listings are found
    -- through the providers' GiST index and joined by provider_id. Searching service_listings'
    -- own GiST index would not work for API roles: its RLS policy (active, or your own) comes
    -- first, and PostGIS operators are not LEAKPROOF, so PostgreSQL may not use them as index
    -- conditions under that policy (it would read the whole table).
    v_geo := 'pp.base_location';
    v_id := 'l.id';
    v_id_col := 'listing_id';
    v_from := 'public.provider_profiles pp join public.service_listings l on l.provider_id = pp.id';
    v_base := array['l.is_active', 'l.hidden_at is null', 'pp.deleted_at is null', 'pp.hidden_at is null'];
    v_price := '(case when l.pricing_unit = ''quote'' then null else l.base_price end)';
  else
    raise exception 'discovery: unknown entity %', s.entity;
  end if;

  v_dist := pg_catalog.format('(%s operator(extensions.<->) $1)', v_geo);

  -- Area: an index condition (`&&` against a box: good selectivity estimates from the column
  -- statistics) and the exact test. ST_DWithin / ST_Intersects are not used directly: the planner
  -- gives those function calls a near-zero selectivity and a cost of 10000 per row, which makes it
  -- sort whole neighbourhoods (and JIT-compile) instead of walking the KNN index to the LIMIT.
  if s.area = 'near' then
    v_area := array[pg_catalog.format('%s operator(extensions.&&) $3', v_geo),   -- $3 = _st_expand(point, radius)
                    pg_catalog.format('%s <= $2', v_dist)];
  elsif s.area = 'covering' then
    if s.entity <> 'provider' then
      raise exception 'discovery: covering is for providers';
    end if;
    if s.sort = 'distance' and s.covered_by_many then
      -- 1. Bases within 100 km ($3), which includes every radius-based area that can cover the
      --    point, walked by distance (KNN) until the page is full. `coverage && $1` is left out on
      --    purpose: its estimate is far too low in dense areas and would make the planner read
      --    every area around the point before sorting.
      v_area := array['pp.base_location operator(extensions.&&) $3', 'private.area_covers(pp.coverage, $1)'];
      -- 2. Drawn areas of providers based farther away (partial GiST index on drawn areas).
      v_area2 := array['pp.service_area is not null', 'pp.coverage operator(extensions.&&) $1',
                       'not (pp.base_location operator(extensions.&&) $3)', 'private.area_covers(pp.coverage, $1)'];
    else
      -- Few areas reach the point, or another order needs all of them: the coverage GiST index.
      v_area := array['pp.coverage operator(extensions.&&) $1', 'private.area_covers(pp.coverage, $1)'];
    end if;
  elsif s.area = 'bounds' then
    v_area := array[pg_catalog.format('%s operator(extensions.&&) $3', v_geo),   -- $3 = the bounds, widened a little
                    pg_catalog.format('private.point_in_bounds(%s, $4, $5, $6, $7)', v_geo)];
  else
    raise exception 'discovery: unknown area %', s.area;
  end if;

  -- Filters.
  if 'category' = any (s.filters) then
    v_filters := v_filters || case s.entity when 'provider' then 'pp.category_ids @> array[$8]' else 'l.category_id = any ($9)' end;
  end if;
  if 'min_rating' = any (s.filters) then
    v_filters := v_filters || 'pp.rating_avg >= $10'::text;
  end if;
  if 'min_price' = any (s.filters) then
    v_filters := v_filters || pg_catalog.format('%s >= $11', v_price);
  end if;
  if 'max_price' = any (s.filters) then
    v_filters := v_filters || pg_catalog.format('%s <= $12', v_price);
  end if;
  if 'verified' = any (s.filters) then
    v_filters := v_filters || 'pp.is_verified'::text;
  end if;
  -- Availability: candidate rules as a semi-join (the planner can start from the rules when few
  -- match, e.g. at night), then the exact check with time zone and busy periods.
  if 'available_now' = any (s.filters) then
    v_filters := v_filters || 'pp.is_available'::text
      || pg_catalog.format('pp.id in (select r.provider_id from public.availability_rules r where %s)', s.open_now_rules)
      || 'exists (select from private.providers_open_at(array[pp.id], $13))'::text;
  end if;
  if 'open_window' = any (s.filters) then
    v_filters := v_filters
      || pg_catalog.format('pp.id in (select r.provider_id from public.availability_rules r where %s)', s.open_window_rules)
      || 'exists (select from private.providers_with_open_slot(array[pp.id], $14))'::text;
  end if;

  -- Relevance in [0, 1]: 0.45 proximity + 0.35 reputation (the catalog's Bayesian average of the
  -- stars) + 0.10 available + 0.10 verified. Added in the same order everywhere (the distance-free
  -- part, as private.provider_category_points.relevance_base holds it, then proximity), so a
  -- cursor's key compares equal to the row's key whichever query computes it.
  v_relevance := pg_catalog.format(
    '(0.35 * pp.reputation_score::float8 / 5 + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int '
    || '+ 0.45 * greatest(0, 1 - %s / $2))', v_dist);

  -- Sort keys: k1 (then distance, then id) and the keyset condition after a cursor. The outer
  -- order repeats the inner one on the output columns.
  if s.sort = 'distance' then
    v_k1 := v_dist;
    v_k2 := 'null::float8';
    v_order := pg_catalog.format('%s, %s', v_dist, v_id);
    v_outer_order := pg_catalog.format('s.distance_m, s.%s', v_id_col);
    if 'after' = any (s.filters) then
      v_filters := v_filters || pg_catalog.format('(%s, %s) > ($15, $17)', v_dist, v_id);
    end if;
  else
    v_k1 := case s.sort
      -- Best first by reputation (the Bayesian average): one 5-star rating does not beat fifty 4.8s.
      when 'rating' then 'pp.reputation_score::float8'
      when 'price' then pg_catalog.format('coalesce(%s::float8, 1e15)', v_price)
      when 'relevance' then v_relevance
      else null end;
    if v_k1 is null then
      raise exception 'discovery: unknown sort %', s.sort;
    end if;
    v_k2 := v_dist;
    v_outer_order := pg_catalog.format('%s, s.distance_m, s.%s',
      case s.sort
        when 'rating' then 's.reputation_score::float8 desc'
        when 'price' then case s.entity when 'provider' then 'coalesce(s.price_from::float8, 1e15)'
                          else 'coalesce((case when s.pricing_unit = ''quote'' then null else s.base_price end)::float8, 1e15)' end
        else 's.relevance desc' end,
      v_id_col);
    if s.sort = 'price' then
      v_order := pg_catalog.format('%s, %s, %s', v_k1, v_dist, v_id);
      if 'after' = any (s.filters) then
        v_filters := v_filters || pg_catalog.format('(%1$s > $15 or (%1$s = $15 and (%2$s, %3$s) > ($16, $17)))', v_k1, v_dist, v_id);
      end if;
    else
      v_order := pg_catalog.format('%s desc, %s, %s', v_k1, v_dist, v_id);
      if 'after' = any (s.filters) then
        v_filters := v_filters || pg_catalog.format('(%1$s < $15 or (%1$s = $15 and (%2$s, %3$s) > ($16, $17)))', v_k1, v_dist, v_id);
      end if;
    end if;
  end if;

  if p_mode = 'cluster' then
    if s.area <> 'bounds' then
      raise exception 'discovery: clusters need bounds';
    end if;
    -- One geometry cast per point; points of the widened box outside the bounds land in cells
    -- outside 0..n-1 and are dropped with their (few) groups; points on the north/east edge go
    -- to the last row/column.
    return pg_catalog.format($q$
select a.cell_row, a.cell_col, a.item_count, a.lat, a.lng,
       $4 + a.cell_row * ($6 - $4) / $18 as cell_south,
       $5 + a.cell_col * ($7 - $5) / $18 as cell_west,
       $4 + (a.cell_row + 1) * ($6 - $4) / $18 as cell_north,
       $5 + (a.cell_col + 1) * ($7 - $5) / $18 as cell_east,
       a.only_id, a.min_price
  from (select c.cell_row, c.cell_col, count(*)::integer as item_count, avg(c.lat) as lat, avg(c.lng) as lng,
               case when count(*) = 1 then (pg_catalog.array_agg(c.id))[1] end as only_id,
               min(c.price) as min_price
          from (select g.id, g.price, g.lat, g.lng,
                       case when g.lat = $6 then $18 - 1 else floor((g.lat - $4) / ($6 - $4) * $18)::integer end as cell_row,
                       case when g.lng = $7 then $18 - 1 else floor((g.lng - $5) / ($7 - $5) * $18)::integer end as cell_col
                  from (select h.id, h.price, extensions.st_y(h.geom) as lat, extensions.st_x(h.geom) as lng
                          from (select %1$s as id, %2$s as price, %3$s::extensions.geometry as geom
                                  from %4$s
                                 where %5$s
                                offset 0) h) g) c
         group by c.cell_row, c.cell_col
        offset 0) a
 where a.cell_row between 0 and $18 - 1 and a.cell_col between 0 and $18 - 1
 order by a.cell_row, a.cell_col$q$,
      v_id, v_price, v_geo, v_from,
      pg_catalog.array_to_string(v_base || pg_catalog.format('%s operator(extensions.&&) $3', v_geo) || v_filters, E'\n                                   and '));
  end if;

  -- The inner query reads provider_profiles (and listings); profiles (username, avatar) are
  -- joined by the outer query, for the returned rows only.
  if s.entity = 'provider' then
    v_select := 'pp.id as provider_id, pp.display_name, pp.business_name, '
      || 'pp.rating_avg, pp.rating_count, pp.reputation_score, pp.completed_jobs, pp.price_from, pp.hourly_rate, '
      || 'pp.currency::text as currency, '
      || 'pp.is_available, pp.is_verified';
    v_outer := 's.provider_id, s.display_name, s.business_name, pr.username, pr.avatar_path, s.rating_avg, s.rating_count, '
      || 's.reputation_score, '
      || 's.completed_jobs, s.price_from, s.hourly_rate, s.currency, s.is_available, s.is_verified, '
      || 's.lat, s.lng, s.distance_m, s.relevance, s.cursor';
  else
    v_select := 'l.id as listing_id, l.provider_id, l.title, l.category_id, l.pricing_unit, l.base_price, '
      || 'l.currency::text as currency, l.duration_minutes, l.cover_image_path, pp.display_name as provider_display_name, '
      || 'pp.rating_avg, pp.rating_count, pp.reputation_score, pp.is_available, pp.is_verified';
    v_outer := 's.listing_id, s.provider_id, s.title, s.category_id, s.pricing_unit, s.base_price, s.currency, '
      || 's.duration_minutes, s.cover_image_path, s.provider_display_name, pr.avatar_path as provider_avatar_path, '
      || 's.rating_avg, s.rating_count, s.reputation_score, s.is_available, s.is_verified, s.lat, s.lng, s.distance_m, '
      || 's.relevance, s.cursor';
  end if;

  v_select := pg_catalog.format($q$
select %1$s,
       extensions.st_y(%2$s::extensions.geometry) as lat,
       extensions.st_x(%2$s::extensions.geometry) as lng,
       %3$s as distance_m,
       %4$s as relevance,
       pg_catalog.concat('2_', $19, '_', $20, '_', pg_catalog.replace((%5$s)::text, '+', ''), '_',
                         pg_catalog.replace((%6$s)::text, '+', ''), '_', %7$s) as cursor
  from %8$s
 where $q$,
    v_select, v_geo, v_dist, v_relevance, v_k1, v_k2, v_id, v_from);
  v_select2 := v_select || pg_catalog.array_to_string(v_base || v_area2 || v_filters, E'\n   and ');
  v_select := v_select || pg_catalog.array_to_string(v_base || v_area || v_filters, E'\n   and ');

  if s.sort = 'distance' then
    -- The KNN index can only deliver ORDER BY <distance> alone, so the inner query takes the
    -- first $18 by distance *with ties* straight from the index, and the outer one applies the
    -- (distance, id) total order the cursor relies on.
    v_select := pg_catalog.format(E'(%s\n order by %s\n fetch first $18 rows with ties)', v_select, v_dist);
  else
    v_select := pg_catalog.format(E'(%s\n order by %s\n limit $18)', v_select, v_order);
  end if;
  if v_area2 is not null then
    v_select := v_select || E'\nunion all\n(' || v_select2 || ')';
  end if;
  return pg_catalog.format(E'select %s\n  from (%s) s\n  left join public.profiles pr on pr.id = s.provider_id\n order by %s\n limit $18',
    v_outer, v_select, v_outer_order);
end;
$$;
comment on function private.discovery_sql(private.discovery_search, text) is
  'The query text of a discovery search with only its active filters; parameters $1..$20 as in private.discovery_search.';

revoke all on function private.discovery_sql(private.discovery_search, text) from public, anon, authenticated, service_role;
grant execute on function private.discovery_sql(private.discovery_search, text) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Which searches read candidates from the per-category tables (private.discovery_provider_rows):
--   'distance': providers of a category by distance, nearby or in map bounds, or covering the
--               point in a category or not (with a minimum rating, after a cursor);
--   'ranked':   providers nearby by rating, price or relevance within 3 to 25 km, or covering the
--               point by relevance (in a category or not, with a minimum rating or a price range,
--               after a cursor), away from the poles and the antimeridian (the map cells are plain
--               latitude/longitude tiles);
--   'covering': providers whose service area covers the point, by rating or price (in a category
--               or not, with a minimum rating or a price range, after a cursor);
--   'listings': listings nearby by distance (in a category or not, with a minimum rating or a
--               price range, after a cursor): private.discovery_listing_rows;
-- Covering searches take these paths where many service areas reach the point (the probe of
-- private.discovery_prepare); where few do, the general query reads just those areas. The walks
-- by distance ('distance', 'open', 'listings') are planar: only where
-- private.discovery_planar_ok holds (away from the poles and the antimeridian).
-- null: the general query of private.discovery_sql.
-- PL/pgSQL on purpose: a SQL function that cannot be inlined is planned again on every call.
------------------------------------------------------------------------------------------------
create or replace function private.discovery_path(s private.discovery_search)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_lat double precision := extensions.st_y(s.point::extensions.geometry);
  v_lng double precision := extensions.st_x(s.point::extensions.geometry);
  -- The radius the walk reads: map bounds are read within private.bounds_radius of their centre.
  v_reach double precision := case s.area when 'covering' then 100000 when 'bounds' then s.scale * 1.02 else s.scale end;
begin
  if s.entity = 'provider' and s.sort = 'distance'
     and ((s.area in ('near', 'bounds') and 'category' = any (s.filters)) or (s.area = 'covering' and s.covered_by_many))
     and s.filters operator(pg_catalog.<@) array['category', 'min_rating', 'after']::text[]
     and private.discovery_planar_ok(s.point, v_reach) then
    return 'distance';
  end if;
  if s.entity = 'provider' and s.sort = 'distance' and s.area in ('near', 'bounds')
     and ('available_now' = any (s.filters) or 'open_window' = any (s.filters))
     and s.filters operator(pg_catalog.<@) array['category', 'min_rating', 'after', 'available_now', 'open_window']::text[]
     and private.discovery_planar_ok(s.point, v_reach) then
    return 'open';
  end if;
  if s.entity = 'provider' and s.scale between 3000 and 25000
     and ((s.area = 'near' and s.sort <> 'distance') or (s.area = 'covering' and s.sort = 'relevance' and s.covered_by_many))
     and abs(v_lat) < 80 and abs(v_lng) + degrees(s.scale * 1.01 / 6371008.8) / cos(radians(abs(v_lat) + 0.3)) < 180
     and s.filters operator(pg_catalog.<@) array['category', 'min_rating', 'min_price', 'max_price', 'after']::text[] then
    return 'ranked';
  end if;
  if s.entity = 'listing' and s.area = 'near' and s.sort = 'distance'
     and s.filters operator(pg_catalog.<@) array['category', 'min_rating', 'min_price', 'max_price', 'after']::text[]
     and private.discovery_planar_ok(s.point, v_reach) then
    return 'listings';
  end if;
  if s.entity = 'provider' and s.area = 'covering' and s.covered_by_many and s.sort in ('rating', 'price')
     and s.filters operator(pg_catalog.<@) array['category', 'min_rating', 'min_price', 'max_price', 'after']::text[] then
    return 'covering';
  end if;
  return null;
end;
$$;
comment on function private.discovery_path(private.discovery_search) is
  'Discovery: distance, open, ranked or covering when a provider search reads candidates from the per-category tables (private.discovery_provider_rows), listings for a listing search that does (private.discovery_listing_rows), else null.';
revoke all on function private.discovery_path(private.discovery_search) from public, anon, authenticated, service_role;
grant execute on function private.discovery_path(private.discovery_search) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The page of providers from candidates (one static statement, planned once per connection):
--   'distance': the nearest providers of a category (private.discovery_category_nearest: the
--               first row_limit by distance after the cursor, with ties, within the radius and
--               the map bounds when the search has them, or covering the point);
--   'ranked':   candidates by rating, price or relevance (private.discovery_ranked_nearby, a
--               superset of the page);
--   'covering': the page of providers covering the point by rating or price
--               (private.discovery_covering_ranked);
--   'open':     the nearest providers of a category open now or with an open slot in the window
--               (private.discovery_open_nearest: exactly the page, by distance after the cursor);
-- then the providers are read by id and sorted exactly as the query of private.discovery_sql.
------------------------------------------------------------------------------------------------
create or replace function private.discovery_provider_rows(s private.discovery_search, p_path text)
returns table (
  provider_id uuid, display_name text, business_name text, username text, avatar_path text,
  rating_avg numeric, rating_count integer, reputation_score numeric, completed_jobs integer, price_from bigint, hourly_rate bigint,
  currency text, is_available boolean, is_verified boolean, lat double precision, lng double precision,
  distance_m double precision, relevance double precision, cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
    select pp.id, pp.display_name, pp.business_name, pr.username, pr.avatar_path, pp.rating_avg, pp.rating_count,
           pp.reputation_score, pp.completed_jobs, pp.price_from, pp.hourly_rate, pp.currency::text, pp.is_available,
           pp.is_verified,
           extensions.st_y(pp.base_location::extensions.geometry), extensions.st_x(pp.base_location::extensions.geometry),
           c.distance, k.relevance,
           -- The cursor (format: private.discovery_cursor_decode).
           pg_catalog.concat('2_', s.sort, '_', s.fingerprint, '_', pg_catalog.replace(k.k1::text, '+', ''), '_',
                             pg_catalog.replace((case when s.sort <> 'distance' then c.distance end)::text, '+', ''), '_',
                             pp.id)
      from (select n.provider_id, n.distance
              from private.discovery_category_nearest(s.point, s.scale, s.category_id, s.min_rating, s.after_k1,
                                                      s.after_id, s.row_limit, s.south, s.west, s.north, s.east,
                                                      s.area = 'covering') n
             where p_path = 'distance'
            union all
            select r.provider_id, r.distance
              from private.discovery_ranked_nearby(s.point, s.scale, s.category_id, s.sort, s.min_rating, s.min_price,
                                                   s.max_price, s.after_k1, s.after_k2, s.after_id, s.row_limit,
                                                   s.area = 'covering') r
             where p_path = 'ranked'
            union all
            select v.provider_id, v.distance
              from private.discovery_covering_ranked(s.point, s.category_id, s.sort, s.min_rating, s.min_price,
                                                     s.max_price, s.after_k1, s.after_k2, s.after_id, s.row_limit) v
             where p_path = 'covering'
            union all
            select o.provider_id, o.distance
              from private.discovery_open_nearest(s.point, s.scale, s.category_id, s.min_rating,
                                                  case when 'available_now' = any (s.filters) then s.at end,
                                                  case when 'open_window' = any (s.filters) then s.slot_window end,
                                                  s.after_k1, s.after_id, s.row_limit, s.south, s.west, s.north, s.east) o
             where p_path = 'open') c
      join public.provider_profiles pp on pp.id = c.provider_id
      left join public.profiles pr on pr.id = pp.id
     cross join lateral (
           select 0.35 * pp.reputation_score::float8 / 5 + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int
                    + 0.45 * greatest(0, 1 - c.distance / s.scale) as relevance) rel
     cross join lateral (
           select rel.relevance,
                  case s.sort when 'distance' then c.distance
                              when 'rating' then pp.reputation_score::float8
                              when 'price' then coalesce(pp.price_from::float8, 1e15)
                              else rel.relevance end as k1) k
     where pp.deleted_at is null
       and pp.hidden_at is null
       and (s.category_id is null or pp.category_ids operator(pg_catalog.@>) array[s.category_id])
       and (s.min_rating is null or pp.rating_avg >= s.min_rating)
       and (s.min_price is null or pp.price_from >= s.min_price)
       and (s.max_price is null or pp.price_from <= s.max_price)
     order by case when s.sort in ('distance', 'price') then k.k1 else -k.k1 end, c.distance, pp.id
     limit s.row_limit;
end;
$$;
comment on function private.discovery_provider_rows(private.discovery_search, text) is
  'Discovery: a page of providers from the per-category candidates (p_path distance, open, ranked or covering), sorted as private.discovery_sql sorts.';
revoke all on function private.discovery_provider_rows(private.discovery_search, text) from public, anon, authenticated, service_role;
grant execute on function private.discovery_provider_rows(private.discovery_search, text) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The page of listings nearby by distance (one static statement per pass, planned once per
-- connection): listings are at their provider's base, so the nearest providers of the category
-- (private.discovery_category_nearest on its partition, the nil one without a category) bring
-- their listings of the category, and the first row_limit of those by (distance, id) after the
-- cursor is the page when it is full or when the walk reached every provider in the radius: every
-- listing nearer than the last one belongs to a provider read. Otherwise (providers whose listings
-- the price range leaves out) the walk is read again twice as far.
------------------------------------------------------------------------------------------------
create or replace function private.discovery_listing_rows(s private.discovery_search)
returns table (
  listing_id uuid, provider_id uuid, title text, category_id uuid, pricing_unit text, base_price bigint,
  currency text, duration_minutes integer, cover_image_path text, provider_display_name text,
  provider_avatar_path text, rating_avg numeric, rating_count integer, reputation_score numeric, is_available boolean,
  is_verified boolean, lat double precision, lng double precision, distance_m double precision, relevance double precision,
  cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  v_providers integer := s.row_limit;
  v_ids uuid[];
  v_distances double precision[];
  v_found integer;
begin
  loop
    -- The providers of this pass (after the cursor's distance: a provider there may have more
    -- listings after the cursor's), and how many of their listings qualify.
    select pg_catalog.array_agg(n.provider_id), pg_catalog.array_agg(n.distance)
      into v_ids, v_distances
      from private.discovery_category_nearest(s.point, s.scale, s.category_id, s.min_rating, s.after_k1,
                                              case when s.after_id is not null then '00000000-0000-0000-0000-000000000000'::uuid end,
                                              v_providers) n;
    -- The walk reached every provider in the radius: whatever the listings, the page is exact.
    exit when coalesce(pg_catalog.cardinality(v_ids), 0) < v_providers;
    select count(*)::integer into v_found
      from (select 1
              from rows from (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_distances)) as n(provider_id, distance)
              join public.service_listings l on l.provider_id = n.provider_id
             where l.is_active and l.hidden_at is null
               and (s.category_id is null or l.category_id = any (s.category_ids))
               and (s.min_price is null or (l.pricing_unit <> 'quote' and l.base_price >= s.min_price))
               and (s.max_price is null or (l.pricing_unit <> 'quote' and l.base_price <= s.max_price))
               and (s.after_id is null or (n.distance, l.id) > (s.after_k1, s.after_id))
             limit s.row_limit) f;
    exit when v_found >= s.row_limit;
    v_providers := v_providers * 2;
  end loop;
  return query
    select l.id, l.provider_id, l.title, l.category_id, l.pricing_unit, l.base_price, l.currency::text, l.duration_minutes,
           l.cover_image_path, pp.display_name, pr.avatar_path, pp.rating_avg, pp.rating_count, pp.reputation_score,
           pp.is_available, pp.is_verified,
           extensions.st_y(pp.base_location::extensions.geometry), extensions.st_x(pp.base_location::extensions.geometry),
           n.distance,
           0.35 * pp.reputation_score::float8 / 5 + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int
             + 0.45 * greatest(0, 1 - n.distance / s.scale),
           -- The cursor (format: private.discovery_cursor_decode).
           pg_catalog.concat('2_', s.sort, '_', s.fingerprint, '_', pg_catalog.replace(n.distance::text, '+', ''), '__', l.id)
      from rows from (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_distances)) as n(provider_id, distance)
      join public.provider_profiles pp on pp.id = n.provider_id
      join public.service_listings l on l.provider_id = n.provider_id
      left join public.profiles pr on pr.id = pp.id
     where l.is_active and l.hidden_at is null
       and pp.deleted_at is null and pp.hidden_at is null
       and (s.category_id is null or l.category_id = any (s.category_ids))
       and (s.min_rating is null or pp.rating_avg >= s.min_rating)
       and (s.min_price is null or (l.pricing_unit <> 'quote' and l.base_price >= s.min_price))
       and (s.max_price is null or (l.pricing_unit <> 'quote' and l.base_price <= s.max_price))
       and (s.after_id is null or (n.distance, l.id) > (s.after_k1, s.after_id))
     order by n.distance, l.id
     limit s.row_limit;
end;
$$;
comment on function private.discovery_listing_rows(private.discovery_search) is
  'Discovery: a page of listings nearby by distance from the nearest providers of the category (private.discovery_category_nearest), sorted as private.discovery_sql sorts.';
revoke all on function private.discovery_listing_rows(private.discovery_search) from public, anon, authenticated, service_role;
grant execute on function private.discovery_listing_rows(private.discovery_search) to anon, authenticated, service_role;
