-- Module: discovery (coverage cells)
-- "Providers covering my address, best rated first (or cheapest first)": in a dense city hundreds
-- of thousands of service areas reach a point, and reading them all to sort them took seconds.
-- This table is an inverted index of the service areas (provider_profiles.coverage): each visible
-- provider has a row per category (with the nil category: all providers) and per map cell its
-- area's box touches, at the level where the box fits in one cell (so at most 2 x 2 cells; square
-- cells of 360 / 2^level degrees, levels 0-16, numbered like private.discovery_cell). The
-- providers whose area covers a point are among the rows of the point's cell at each level; those
-- are read in rating or price order (btree indexes (cell_key, key)) and merged, each row's
-- coverage tested exactly, until the page is full (private.discovery_covering_ranked).
-- The exact test is cheap for most rows: each row carries the distance from the base to the
-- area's boundary (the base is inside the area: every point nearer is covered) and to its
-- farthest vertex (every point farther is not; private.coverage_radii); in between, the area
-- itself decides.
-- Kept by a trigger on provider_profiles in the same transaction; partitioned by category like
-- private.provider_category_points.

------------------------------------------------------------------------------------------------
-- Cells
------------------------------------------------------------------------------------------------
-- The key of the cell holding (lat, lng) at a level: level * 2^40 + row * 2^level + column.
create or replace function private.coverage_cell_key(p_level integer, p_lat double precision, p_lng double precision)
returns bigint
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (p_level::bigint << 40)
         + least(greatest(floor((p_lat + 90) / (360.0 / (1::bigint << p_level)))::bigint, 0),
                 greatest((1::bigint << p_level) / 2 - 1, 0)) * (1::bigint << p_level)
         + least(greatest(floor((p_lng + 180) / (360.0 / (1::bigint << p_level)))::bigint, 0), (1::bigint << p_level) - 1);
$$;
comment on function private.coverage_cell_key(integer, double precision, double precision) is
  'Discovery: the key of the map cell (360/2^level degrees) holding a latitude/longitude at a level (0-16).';
revoke all on function private.coverage_cell_key(integer, double precision, double precision)
  from public, anon, authenticated, service_role;

-- The cells of an area: at the finest level (at most 16) where its box, widened by 0.001 degrees
-- (geodesic edges bow out of the box of their vertices by far less), fits in a cell: 1 to 4 keys.
create or replace function private.coverage_cell_keys(p_area extensions.geography)
returns setof bigint
language sql
immutable
parallel safe
set search_path = ''
as $$
  select distinct private.coverage_cell_key(z.level, y.lat, x.lng)
    from (select extensions.st_ymin(b) - 0.001 as south, extensions.st_ymax(b) + 0.001 as north,
                 extensions.st_xmin(b) - 0.001 as west, extensions.st_xmax(b) + 0.001 as east
            from (select extensions.box2d(p_area::extensions.geometry) as b) q
           where not extensions.st_isempty(p_area::extensions.geometry)) bb
   cross join lateral (select least(16, greatest(0, floor(pg_catalog.log(2.0,
                          (360.0 / greatest(bb.north - bb.south, bb.east - bb.west))::numeric))))::integer as level) z
   cross join lateral (values (bb.south), (bb.north)) y(lat)
   cross join lateral (values (bb.west), (bb.east)) x(lng);
$$;
comment on function private.coverage_cell_keys(extensions.geography) is
  'Discovery: the map cells (keys of private.coverage_cell_key) of a service area: its box at the finest level where it fits in one cell.';
revoke all on function private.coverage_cell_keys(extensions.geography) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The table
------------------------------------------------------------------------------------------------
create table private.provider_coverage_cells (
  category_id uuid not null,
  cell_key bigint not null,
  provider_id uuid not null,
  location extensions.geography(Point, 4326) not null,
  cover_inner double precision not null,
  cover_outer double precision not null,
  rating_avg numeric(3,2) not null,
  reputation_score numeric(5,4) not null,
  price_from bigint
) partition by list (category_id);
comment on table private.provider_coverage_cells is
  'Discovery: a row per visible provider, category (nil: all) and map cell its service area''s box touches (at the '
  'level where it fits in one cell), with its base, the distances that decide coverage without the area for most '
  'points, and sort keys; partitioned by category. Maintained by triggers. Read by private.discovery_covering_ranked.';
revoke all on table private.provider_coverage_cells from public, anon, authenticated, service_role;

create table private.provider_coverage_cells_other partition of private.provider_coverage_cells default;
revoke all on table private.provider_coverage_cells_other from public, anon, authenticated, service_role;
create table private.provider_coverage_cells_all partition of private.provider_coverage_cells
  for values in ('00000000-0000-0000-0000-000000000000');
revoke all on table private.provider_coverage_cells_all from public, anon, authenticated, service_role;

-- The key (category_id, provider_id, cell_key) and the (cell_key, key) indexes are created by
-- private.refresh_provider_coverage_cells (below), which drops them while it reloads the table.

create trigger categories_coverage_partition
  after insert on public.categories
  for each row execute function private.category_partition_on_insert('provider_coverage_cells');

------------------------------------------------------------------------------------------------
-- The rows of a provider
------------------------------------------------------------------------------------------------
create or replace function private.provider_coverage_rows(p public.provider_profiles)
returns setof private.provider_coverage_cells
language sql
stable
set search_path = ''
as $$
  select c.id, k.key, p.id, p.base_location, g.inner_m, g.outer_m, p.rating_avg, p.reputation_score, p.price_from
    from (select r.inner_m, r.outer_m, array(select private.coverage_cell_keys(p.coverage)) as keys
            from private.coverage_radii(p.base_location, p.coverage) r
           where p.deleted_at is null and p.hidden_at is null and p.base_location is not null
             and not extensions.st_isempty(p.coverage::extensions.geometry)) g
   cross join (select distinct u.id from pg_catalog.unnest(p.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) u(id)) c
   cross join pg_catalog.unnest(g.keys) k(key);
$$;
comment on function private.provider_coverage_rows(public.provider_profiles) is
  'The rows of private.provider_coverage_cells for a provider (its categories and the nil category, times its area''s '
  'cells); none for a hidden or closed provider or one without a service area.';
revoke all on function private.provider_coverage_rows(public.provider_profiles) from public, anon, authenticated, service_role;

create trigger provider_profiles_coverage_cells_insert
  after insert on public.provider_profiles
  for each row execute function private.sync_provider_discovery_rows('provider_coverage_cells', 'provider_coverage_rows');
create trigger provider_profiles_coverage_cells_update
  -- coverage is derived (BEFORE trigger) from the radius or the drawn area: those are the columns updated.
  after update of base_location, service_radius_m, service_area, coverage, category_ids, rating_avg, reputation_score,
                  price_from, deleted_at, hidden_at
  on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.coverage is distinct from new.coverage
        or old.category_ids is distinct from new.category_ids
        or old.rating_avg is distinct from new.rating_avg or old.reputation_score is distinct from new.reputation_score
        or old.price_from is distinct from new.price_from
        or old.deleted_at is distinct from new.deleted_at or old.hidden_at is distinct from new.hidden_at)
  execute function private.sync_provider_discovery_rows('provider_coverage_cells', 'provider_coverage_rows');
create trigger provider_profiles_coverage_cells_delete
  after delete on public.provider_profiles
  for each row execute function private.sync_provider_discovery_rows('provider_coverage_cells', 'provider_coverage_rows');

-- Rebuilds the table from provider_profiles (after a bulk load that skipped the triggers), and
-- its key and sort-key indexes: dropped during the load and built at the end (at a million providers,
-- about 13 million rows: row by row into the indexes, the load wrote tens of gigabytes of WAL).
create or replace function private.refresh_provider_coverage_cells()
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
    perform private.ensure_category_partition('provider_coverage_cells', v_category);
  end loop;
  truncate private.provider_coverage_cells;
  if pg_catalog.to_regclass('private.provider_coverage_cells_pkey') is not null then
    alter table private.provider_coverage_cells drop constraint provider_coverage_cells_pkey;
    drop index private.provider_coverage_cells_rating_idx;
    drop index private.provider_coverage_cells_price_idx;
  end if;
  insert into private.provider_coverage_cells
  select r.* from public.provider_profiles pp cross join lateral private.provider_coverage_rows(pp) r;
  get diagnostics v_rows = row_count;
  alter table private.provider_coverage_cells add constraint provider_coverage_cells_pkey
    primary key (category_id, provider_id, cell_key);
  create index provider_coverage_cells_rating_idx on private.provider_coverage_cells
    (cell_key, reputation_score desc) include (location, cover_inner, cover_outer, rating_avg, price_from);
  create index provider_coverage_cells_price_idx on private.provider_coverage_cells
    (cell_key, price_from) include (location, cover_inner, cover_outer, rating_avg, reputation_score);
  return v_rows;
end;
$$;
comment on function private.refresh_provider_coverage_cells() is
  'Rebuilds private.provider_coverage_cells from provider_profiles (partitions for every service category and the nil '
  'category), its key and its sort-key indexes; returns the rows.';
revoke all on function private.refresh_provider_coverage_cells() from public, anon, authenticated, service_role;

select private.refresh_provider_coverage_cells();

------------------------------------------------------------------------------------------------
-- Providers covering a point, sorted by rating or price (the candidates of a covering search)
------------------------------------------------------------------------------------------------
-- The point's cell at each level, each read in key order through the (cell_key, key) index of
-- the category's partition (nil category: all), the coverage tested on each row, until the cell's
-- first p_limit in the page's order (key, then distance, then id), after the cursor; then the
-- first p_limit of those. Exactly the page, not a superset.
-- Security definer: API roles cannot read the table; what it returns is public.
create or replace function private.discovery_covering_ranked(
  p_point extensions.geography,
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
rows 20
as $$
declare
  v_table text := private.category_partition('provider_coverage_cells', p_category_id);
  v_lat double precision := extensions.st_y(p_point::extensions.geometry);
  v_lng double precision := extensions.st_x(p_point::extensions.geometry);
  v_keys bigint[];
  v_key text;
  v_order text;
  v_filters text := '';
begin
  if p_sort not in ('rating', 'price') then
    raise exception 'discovery: covering cells sort by rating or price, not %', p_sort;
  end if;
  select pg_catalog.array_agg(private.coverage_cell_key(z, v_lat, v_lng) order by z)
    into v_keys from pg_catalog.generate_series(0, 16) z;

  v_key := case p_sort when 'rating' then 'x.reputation_score::float8' else 'coalesce(x.price_from::float8, 1e15)' end;
  v_order := case p_sort when 'rating' then 'reputation_score desc' else 'price_from' end;
  if p_category_id is not null and v_table = 'provider_coverage_cells_other' then
    v_filters := v_filters || ' and x.category_id = $10';
  end if;
  if p_min_rating is not null then
    v_filters := v_filters || ' and x.rating_avg >= $4';
  end if;
  if p_min_price is not null then
    v_filters := v_filters || ' and x.price_from >= $5';
  end if;
  if p_max_price is not null then
    v_filters := v_filters || ' and x.price_from <= $6';
  end if;
  if p_after_id is not null then
    -- The index range starts at the cursor's key; the exact condition follows.
    v_filters := v_filters || case p_sort
      when 'rating' then ' and x.reputation_score <= $7::numeric'
      else case when p_after_k1 >= 1e15 then ' and x.price_from is null' else ' and (x.price_from >= floor($7)::bigint or x.price_from is null)' end
      end
      || pg_catalog.format(case when p_sort = 'price'
                                then ' and (%1$s > $7 or (%1$s = $7 and (x.location operator(extensions.<->) $1, x.provider_id) > ($8, $9)))'
                                else ' and (%1$s < $7 or (%1$s = $7 and (x.location operator(extensions.<->) $1, x.provider_id) > ($8, $9)))' end,
                           v_key);
  end if;

  -- Each level's cell: its first p_limit rows in the page's order (an index scan in key order,
  -- the coverage tested on the way, an incremental sort finishing the group of equal keys); a
  -- provider has rows at one level only, so the page is the first p_limit of these.
  return query execute pg_catalog.format($q$
    select c.provider_id, c.distance, c.k1
      from pg_catalog.unnest($2) as k(cell_key)
     cross join lateral (
           select x.provider_id, d.distance, %2$s as k1
             from private.%1$I x
            cross join lateral (select x.location operator(extensions.<->) $1 as distance) d
            where x.cell_key = k.cell_key%3$s
              and d.distance <= x.cover_outer * 1.001 + 0.01
              and (d.distance < x.cover_inner * 0.999 - 0.01
                   or private.area_covers((select pp.coverage from public.provider_profiles pp where pp.id = x.provider_id), $1))
            order by x.%4$s, d.distance, x.provider_id
            limit $3) c
     order by %5$s, c.distance, c.provider_id
     limit $3$q$,
    v_table, v_key, v_filters, v_order, case p_sort when 'rating' then 'c.k1 desc' else 'c.k1' end)
    using p_point, v_keys, p_limit, p_min_rating, p_min_price, p_max_price, p_after_k1, p_after_k2, p_after_id,
          p_category_id;
end;
$$;
comment on function private.discovery_covering_ranked(extensions.geography, uuid, text, numeric, bigint, bigint,
  double precision, double precision, uuid, integer) is
  'Discovery: the page of visible providers whose service area covers a point, by rating or price (then distance, id), '
  'after a cursor, from the category''s partition of private.provider_coverage_cells (null category: all).';
revoke all on function private.discovery_covering_ranked(extensions.geography, uuid, text, numeric, bigint, bigint,
  double precision, double precision, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.discovery_covering_ranked(extensions.geography, uuid, text, numeric, bigint, bigint,
  double precision, double precision, uuid, integer) to anon, authenticated, service_role;
