-- Module: discovery (per-category spatial index)
-- The nearby search in a category walks only that category's providers: a table of (category,
-- provider, base location, rating) for every visible provider and each of its categories (with
-- their ancestors: provider_profiles.category_ids), partitioned by category, so each category has
-- its own GiST index on the location and a KNN walk never reads another category's providers.
-- Each row also carries its map cell and sort keys (btree indexes on (cell, key)), and the nil
-- category's partition holds every visible provider: the nearby searches sorted by rating, price
-- or relevance read them cell by cell in key order. Kept by a trigger on provider_profiles in the
-- same transaction, and a partition per category by a trigger on categories. Used through
-- private.discovery_category_nearest and private.discovery_ranked_nearby (the candidates of
-- private.discovery_provider_rows). See docs/discovery.md "How the searches use indexes".
--
-- Why a table and not an index on provider_profiles: a GiST index on (category, location) mixes a
-- discrete key into the spatial tree and loses its locality (measured at 1M providers: 9-10 ms
-- for a page of 20, slower than the plain location walk), while a spatial index per category
-- answers the same page in about 0.5 ms. category_ids is an array: an index per category needs a
-- row per (provider, category).

------------------------------------------------------------------------------------------------
-- Map cells: square tiles of 360 / 2^14 degrees (about 2.4 km north-south), numbered row by row
-- from (-90, -180). Ranked searches read the cells around the point, each in its key order.
------------------------------------------------------------------------------------------------
create or replace function private.discovery_cell(p_location extensions.geography)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (floor((extensions.st_y(p_location::extensions.geometry) + 90) / (360.0 / 16384))::integer * 16384
          + least(floor((extensions.st_x(p_location::extensions.geometry) + 180) / (360.0 / 16384))::integer, 16383));
$$;
comment on function private.discovery_cell(extensions.geography) is
  'The map cell of a point: tiles of 360/2^14 degrees numbered row * 16384 + column from (-90, -180).';
revoke all on function private.discovery_cell(extensions.geography) from public, anon, authenticated, service_role;

create table private.provider_category_points (
  category_id uuid not null,
  provider_id uuid not null,
  location extensions.geography(Point, 4326) not null,
  cell integer not null,
  rating_avg numeric(3,2) not null,
  reputation_score numeric(5,4) not null,
  price_from bigint,
  -- The part of the relevance score that does not depend on the distance (see discovery_sql).
  relevance_base double precision not null,
  primary key (category_id, provider_id)
) partition by list (category_id);
comment on table private.provider_category_points is
  'Discovery: a row per visible provider and category (provider_profiles.category_ids), and one in the nil category '
  'for every visible provider, with its base location, map cell and sort keys; partitioned by category (a GiST index '
  'on location and btree indexes on (cell, key) each). Maintained by triggers.';
revoke all on table private.provider_category_points from public, anon, authenticated, service_role;

-- Categories added before their partition exists land here (the trigger on categories moves them).
create table private.provider_category_points_other partition of private.provider_category_points default;
revoke all on table private.provider_category_points_other from public, anon, authenticated, service_role;
-- Every visible provider (searches without a category).
create table private.provider_category_points_all partition of private.provider_category_points
  for values in ('00000000-0000-0000-0000-000000000000');
revoke all on table private.provider_category_points_all from public, anon, authenticated, service_role;

create index provider_category_points_location_idx on private.provider_category_points using gist (location);
create index provider_category_points_rating_idx
  on private.provider_category_points (cell, reputation_score desc) include (location, rating_avg, price_from);
create index provider_category_points_price_idx
  on private.provider_category_points (cell, price_from) include (location, rating_avg);
create index provider_category_points_relevance_idx
  on private.provider_category_points (cell, relevance_base desc) include (location, rating_avg, price_from);

------------------------------------------------------------------------------------------------
-- A partition per category
------------------------------------------------------------------------------------------------
create or replace function private.ensure_category_points_partition(p_category_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_name text := 'provider_category_points_' || pg_catalog.replace(p_category_id::text, '-', '');
  v_rows private.provider_category_points[];
begin
  if pg_catalog.to_regclass('private.' || v_name) is not null then
    return;
  end if;
  -- Rows of the category kept in the default partition meanwhile move into the new one.
  with moved as (
    delete from private.provider_category_points_other o where o.category_id = p_category_id returning o.*)
  select pg_catalog.array_agg(m::private.provider_category_points) into v_rows from moved m;
  execute pg_catalog.format('create table private.%I partition of private.provider_category_points for values in (%L)',
    v_name, p_category_id);
  execute pg_catalog.format('revoke all on table private.%I from public, anon, authenticated, service_role', v_name);
  if v_rows is not null then
    insert into private.provider_category_points select * from pg_catalog.unnest(v_rows);
  end if;
end;
$$;
comment on function private.ensure_category_points_partition(uuid) is
  'Creates the partition of private.provider_category_points for a category (moving its rows out of the default one).';
revoke all on function private.ensure_category_points_partition(uuid) from public, anon, authenticated, service_role;

create or replace function private.category_points_partition_on_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.kind = 'service' then
    perform private.ensure_category_points_partition(new.id);
  end if;
  return null;
end;
$$;
comment on function private.category_points_partition_on_insert() is
  'Trigger (after insert on categories): a service category gets its partition of private.provider_category_points.';
revoke all on function private.category_points_partition_on_insert() from public, anon, authenticated, service_role;

create trigger categories_points_partition
  after insert on public.categories
  for each row execute function private.category_points_partition_on_insert();

------------------------------------------------------------------------------------------------
-- The rows of a provider
------------------------------------------------------------------------------------------------
-- The rows of a provider: one per category (with ancestors) and one in the nil category, for a
-- visible provider with a base location; none otherwise.
create or replace function private.provider_category_rows(p public.provider_profiles)
returns setof private.provider_category_points
language sql
stable
set search_path = ''
as $$
  select c.id, p.id, p.base_location, private.discovery_cell(p.base_location), p.rating_avg, p.reputation_score,
         p.price_from, 0.35 * p.reputation_score::float8 / 5 + 0.10 * p.is_available::int + 0.10 * p.is_verified::int
    from (select distinct u.id from pg_catalog.unnest(p.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) u(id)) c
   where p.deleted_at is null and p.hidden_at is null and p.base_location is not null;
$$;
comment on function private.provider_category_rows(public.provider_profiles) is
  'The rows of private.provider_category_points for a provider (its categories and the nil category), with the map cell '
  'and the sort keys; none for a hidden or closed provider.';
revoke all on function private.provider_category_rows(public.provider_profiles) from public, anon, authenticated, service_role;

create or replace function private.sync_provider_category_points()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from private.provider_category_points x
     where x.provider_id = old.id
       and x.category_id = any (old.category_ids || '00000000-0000-0000-0000-000000000000'::uuid);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into private.provider_category_points select * from private.provider_category_rows(new);
  end if;
  return null;
end;
$$;
comment on function private.sync_provider_category_points() is
  'Trigger (after insert, update of the searched columns, delete on provider_profiles): the provider''s rows in '
  'private.provider_category_points (visible providers with a base location: one per category, one in the nil category).';
revoke all on function private.sync_provider_category_points() from public, anon, authenticated, service_role;

create trigger provider_profiles_category_points_insert
  after insert on public.provider_profiles
  for each row execute function private.sync_provider_category_points();
create trigger provider_profiles_category_points_update
  after update of base_location, category_ids, rating_avg, reputation_score, price_from, is_available, is_verified,
                  deleted_at, hidden_at on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.category_ids is distinct from new.category_ids
        or old.rating_avg is distinct from new.rating_avg or old.reputation_score is distinct from new.reputation_score
        or old.price_from is distinct from new.price_from or old.is_available is distinct from new.is_available
        or old.is_verified is distinct from new.is_verified
        or old.deleted_at is distinct from new.deleted_at or old.hidden_at is distinct from new.hidden_at)
  execute function private.sync_provider_category_points();
create trigger provider_profiles_category_points_delete
  after delete on public.provider_profiles
  for each row execute function private.sync_provider_category_points();

-- Rebuilds the table from provider_profiles (after a bulk load that skipped the triggers).
create or replace function private.refresh_provider_category_points()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows bigint;
  v_category uuid;
begin
  for v_category in select c.id from public.categories c where c.kind = 'service' loop
    perform private.ensure_category_points_partition(v_category);
  end loop;
  delete from private.provider_category_points x where x.category_id is not null;
  insert into private.provider_category_points
  select r.* from public.provider_profiles pp cross join lateral private.provider_category_rows(pp) r;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
comment on function private.refresh_provider_category_points() is
  'Rebuilds private.provider_category_points from provider_profiles (partitions for every service category, and the nil category of all providers); returns the rows.';
revoke all on function private.refresh_provider_category_points() from public, anon, authenticated, service_role;

select private.refresh_provider_category_points();

------------------------------------------------------------------------------------------------
-- The nearest providers of a category (the candidates of a nearby search by distance)
------------------------------------------------------------------------------------------------
-- The first p_limit by distance, with ties, after the cursor (p_after_distance, p_after_id), at
-- most p_radius metres away, rated at least p_min_rating (null: any), inside the bounds when they
-- are given (map searches: the point is their centre). Security definer: API roles cannot read
-- the table; what it returns (ids and distances of visible providers) is public.
create or replace function private.discovery_category_nearest(
  p_point extensions.geography,
  p_radius double precision,
  p_category_id uuid,
  p_min_rating numeric,
  p_after_distance double precision,
  p_after_id uuid,
  p_limit integer,
  p_south double precision default null,
  p_west double precision default null,
  p_north double precision default null,
  p_east double precision default null
)
returns table (provider_id uuid, distance double precision)
language plpgsql
stable
security definer
set search_path = ''
rows 20
as $$
declare
  -- The category's partition itself (planned for it alone, with the values: a plan over the
  -- partitioned table would consider every partition on each call).
  v_table text := 'provider_category_points_' || pg_catalog.replace(p_category_id::text, '-', '');
begin
  if pg_catalog.to_regclass('private.' || v_table) is null then
    v_table := 'provider_category_points_other';
  end if;
  if p_south is not null then
    -- Every point of the bounds is within the farthest corner's distance (1 % of margin).
    select greatest(p_radius, max(extensions.st_distance(p_point,
             extensions.st_setsrid(extensions.st_makepoint(c.lng, c.lat), 4326)::extensions.geography, false))) * 1.01
      into p_radius
      from (values (p_south, p_west), (p_south, p_east), (p_north, p_west), (p_north, p_east)) c(lat, lng);
  end if;
  return query execute pg_catalog.format($q$
    select n.provider_id, n.distance
      from (select x.provider_id, x.location operator(extensions.<->) $1 as distance
              from private.%I x
             where x.category_id = $3%s%s%s
             order by x.location operator(extensions.<->) $1
             fetch first $7 rows with ties) n
     where n.distance <= $2$q$,
    v_table,
    case when p_min_rating is not null then ' and x.rating_avg >= $4' else '' end,
    case when p_after_id is not null then ' and (x.location operator(extensions.<->) $1, x.provider_id) > ($5, $6)' else '' end,
    case when p_south is not null then ' and private.point_in_bounds(x.location, $8, $9, $10, $11)' else '' end)
    using p_point, p_radius, p_category_id, p_min_rating, p_after_distance, p_after_id, p_limit,
          p_south, p_west, p_north, p_east;
end;
$$;
comment on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer, double precision, double precision, double precision, double precision) is
  'Discovery: the nearest visible providers of a category (KNN on its partition of private.provider_category_points), '
  'after a cursor, within a radius (and map bounds), with a minimum rating; used by the nearby and map searches.';
revoke all on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer, double precision, double precision, double precision, double precision)
  from public, anon, authenticated, service_role;
grant execute on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer, double precision, double precision, double precision, double precision)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Nearby providers sorted by rating, price or relevance (the candidates of a ranked search)
------------------------------------------------------------------------------------------------
-- Reading every provider within the radius and sorting (hundreds of thousands in a city centre)
-- is replaced by two bounded passes over the map cells the circle touches, each cell read in key
-- order through the (cell, key) index of the category's partition (the nil category: all):
--   1. the cells wholly inside the circle: the first p_limit rows of each (after the cursor);
--   2. T = the p_limit-th best of those; then, in the inner cells that had more rows and in the
--      cells on the circle's edge (all of their rows within the radius when there is no T yet),
--      the rows that can still reach T: key at least T (rating), at most T (price), or for
--      relevance (a score that falls with the distance) a distance-free part of at least
--      T - 0.45 * (1 - dmin / radius), dmin a lower bound of the cell's distance to the point.
-- Every row of the true first page is in the union (the other rows of a cell rank below its
-- p_limit rows, or below T), so the caller's sort of these candidates is exact, ties included.
-- Returns the candidates with their distance and sort key (as the RPC's cursor writes it).
-- A candidate as the passes collect it.
create type private.discovery_ranked_row as (
  provider_id uuid, distance double precision, k1 double precision, cell integer);
comment on type private.discovery_ranked_row is 'A candidate row of private.discovery_ranked_nearby.';

create or replace function private.discovery_ranked_nearby(
  p_point extensions.geography,
  p_radius double precision,
  p_category_id uuid,
  p_sort text,
  p_min_rating numeric,
  p_min_price bigint,
  p_max_price bigint,
  p_after_k1 double precision,
  p_after_k2 double precision,
  p_after_id uuid,
  p_limit integer
)
returns table (provider_id uuid, distance double precision, k1 double precision)
language plpgsql
stable
security definer
set search_path = ''
-- A few pages' worth (the planner's default of 1000 would make it hash-join the providers).
rows 50
as $$
declare
  v_size constant double precision := 360.0 / 16384;
  v_earth constant double precision := 6371008.8;
  v_lat double precision := extensions.st_y(p_point::extensions.geometry);
  v_lng double precision := extensions.st_x(p_point::extensions.geometry);
  v_dlat double precision := degrees(p_radius / v_earth) * 1.001;
  v_dlng double precision;
  v_table text := 'provider_category_points_'
    || coalesce(pg_catalog.replace(p_category_id::text, '-', ''), 'all');
  v_key text;
  v_cell_order text;
  v_filters text := '';
  v_inner integer[];
  v_inner_dmins double precision[];
  v_edge integer[];
  v_edge_dmins double precision[];
  v_first private.discovery_ranked_row[];
  v_full integer[];
  v_full_dmins double precision[];
  v_threshold double precision;
  v_more private.discovery_ranked_row[];
begin
  if pg_catalog.to_regclass('private.' || v_table) is null then
    v_table := 'provider_category_points_other';
  end if;
  -- The cells whose box comes within the radius, with bounds of their distance to the point
  -- (metres on the sphere: equirectangular at the latitude nearest a pole, 1 % of margin).
  v_dlng := v_dlat / cos(radians(least(abs(v_lat) + v_dlat, 89.9)));
  select pg_catalog.array_agg(g.cell order by g.cell) filter (where g.dmax <= p_radius),
         pg_catalog.array_agg(g.dmin order by g.cell) filter (where g.dmax <= p_radius),
         pg_catalog.array_agg(g.cell order by g.cell) filter (where g.dmax > p_radius),
         pg_catalog.array_agg(g.dmin order by g.cell) filter (where g.dmax > p_radius)
    into v_inner, v_inner_dmins, v_edge, v_edge_dmins
    from (select b.cell,
                 0.99 * v_earth * radians(sqrt(
                   greatest(0, b.south - v_lat, v_lat - b.north) ^ 2
                   + (b.cos_far * greatest(0, b.west - v_lng, v_lng - b.east)) ^ 2)) as dmin,
                 1.01 * v_earth * radians(sqrt(
                   greatest(abs(b.south - v_lat), abs(v_lat - b.north)) ^ 2
                   + greatest(abs(b.west - v_lng), abs(v_lng - b.east)) ^ 2)) as dmax
            from (select y * 16384 + x as cell, -90 + y * v_size as south, -90 + (y + 1) * v_size as north,
                         -180 + x * v_size as west, -180 + (x + 1) * v_size as east,
                         cos(radians(least(greatest(abs(-90 + y * v_size), abs(-90 + (y + 1) * v_size)), 90))) as cos_far
                    from pg_catalog.generate_series(floor((v_lat - v_dlat + 90) / v_size)::integer,
                                                    floor((v_lat + v_dlat + 90) / v_size)::integer) y
                   cross join pg_catalog.generate_series(floor((v_lng - v_dlng + 180) / v_size)::integer,
                                                         floor((v_lng + v_dlng + 180) / v_size)::integer) x) b) g
   where g.dmin <= p_radius;

  v_key := case p_sort
    when 'rating' then 'x.reputation_score::float8'
    when 'price' then 'coalesce(x.price_from::float8, 1e15)'
    else 'x.relevance_base + 0.45 * greatest(0, 1 - d.distance / $2)' end;
  v_cell_order := case p_sort
    when 'rating' then 'x.reputation_score desc'
    when 'price' then 'x.price_from'
    else 'x.relevance_base desc' end;
  if p_min_rating is not null then
    v_filters := v_filters || ' and x.rating_avg >= $5';
  end if;
  if p_min_price is not null then
    v_filters := v_filters || ' and x.price_from >= $6';
  end if;
  if p_max_price is not null then
    v_filters := v_filters || ' and x.price_from <= $7';
  end if;
  if p_after_id is not null then
    v_filters := v_filters || pg_catalog.format(
      case when p_sort = 'price' then ' and (%1$s > $8 or (%1$s = $8 and (d.distance, x.provider_id) > ($9, $10)))'
           else ' and (%1$s < $8 or (%1$s = $8 and (d.distance, x.provider_id) > ($9, $10)))' end, v_key);
  end if;

  -- 1. The first rows of each inner cell.
  execute pg_catalog.format($q$
    select pg_catalog.array_agg(row(f.provider_id, f.distance, f.k1, f.cell)::private.discovery_ranked_row)
      from pg_catalog.unnest($3) as c(cell)
     cross join lateral (
           select x.provider_id, d.distance, %2$s as k1, x.cell
             from private.%1$I x
            cross join lateral (select x.location operator(extensions.<->) $1 as distance) d
            where x.cell = c.cell and d.distance <= $2%3$s
            order by %4$s
            limit $4) f$q$,
    v_table, v_key, v_filters, v_cell_order)
    into v_first
    using p_point, p_radius, v_inner, p_limit, p_min_rating, p_min_price, p_max_price, p_after_k1, p_after_k2, p_after_id;

  -- T, and the inner cells that had more rows than were read.
  select f.k1 into v_threshold
    from pg_catalog.unnest(v_first) f
   order by case when p_sort = 'price' then f.k1 else -f.k1 end, f.distance, f.provider_id
  offset p_limit - 1 limit 1;
  select pg_catalog.array_agg(c.cell), pg_catalog.array_agg(c.dmin)
    into v_full, v_full_dmins
    from rows from (pg_catalog.unnest(v_inner), pg_catalog.unnest(v_inner_dmins)) as c(cell, dmin)
   where (select count(*) from pg_catalog.unnest(v_first) f where f.cell = c.cell) >= p_limit;

  -- 2. In those and in the edge cells, the rows that can still reach T (all, without a T).
  execute pg_catalog.format($q$
    select pg_catalog.array_agg(row(r.provider_id, r.distance, r.k1, r.cell)::private.discovery_ranked_row)
      from (select x.provider_id, d.distance, %2$s as k1, x.cell
              from rows from (pg_catalog.unnest($3), pg_catalog.unnest($4)) as c(cell, dmin)
              join private.%1$I x on x.cell = c.cell
             cross join lateral (select x.location operator(extensions.<->) $1 as distance) d
             where %4$s and d.distance <= $2%3$s) r$q$,
    v_table, v_key, v_filters,
    case when v_threshold is null then 'true'
         when p_sort = 'rating' then 'x.reputation_score >= $11::numeric - 0.0001'
         when p_sort = 'price' then case when v_threshold >= 1e15 then 'true' else 'x.price_from <= floor($11)::bigint' end
         else 'x.relevance_base >= $11 - 0.45 * greatest(0, 1 - c.dmin / $2) - 1e-9' end)
    into v_more
    using p_point, p_radius, coalesce(v_full, '{}') || coalesce(v_edge, '{}'),
          coalesce(v_full_dmins, '{}') || coalesce(v_edge_dmins, '{}'),
          p_min_rating, p_min_price, p_max_price, p_after_k1, p_after_k2, p_after_id, v_threshold;

  return query
    select f.provider_id, f.distance, f.k1 from pg_catalog.unnest(v_first) f
     where v_full is null or not (f.cell = any (v_full))
    union all
    select m.provider_id, m.distance, m.k1 from pg_catalog.unnest(v_more) m;
end;
$$;
comment on function private.discovery_ranked_nearby(extensions.geography, double precision, uuid, text, numeric, bigint,
  bigint, double precision, double precision, uuid, integer) is
  'Discovery: candidates of a nearby search sorted by rating, price or relevance (a superset of the first page, read '
  'cell by cell in key order from the category''s partition of private.provider_category_points; null category: all).';
revoke all on function private.discovery_ranked_nearby(extensions.geography, double precision, uuid, text, numeric, bigint,
  bigint, double precision, double precision, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.discovery_ranked_nearby(extensions.geography, double precision, uuid, text, numeric, bigint,
  bigint, double precision, double precision, uuid, integer) to anon, authenticated, service_role;
