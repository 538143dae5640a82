-- Module: discovery (pre-aggregated map tiles)
-- Map clusters over a city read a few thousand tiles instead of every provider in view: counts,
-- sums of positions, the lowest price and one provider per square tile of 360 / 2^z degrees for
-- z = 12..18 (about 10 km down to 150 m north-south), per category and for all providers (the nil
-- category), kept by triggers on provider_profiles in the same transaction.
-- cluster_providers_in_bounds uses them when the only filter is a category and the tiles of some
-- level are at most a sixth of a grid cell: each tile's providers go to the cell holding their
-- mean position (a tile across a cell edge counts on one side: the documented precision, measured
-- by the benchmark). Other filters, and grids finer than the finest tiles allow, count exactly.

create table private.provider_tiles (
  category_id uuid not null,
  level smallint not null check (level between 12 and 18),
  tile_y integer not null,
  tile_x integer not null,
  provider_count integer not null check (provider_count >= 0),   -- 0 only until the trigger deletes the row
  sum_lat double precision not null,
  sum_lng double precision not null,
  min_price bigint,
  -- One provider of the tile: the only one when provider_count = 1.
  a_provider uuid not null,
  -- No aggregate in an index: the triggers' updates of counts and sums stay HOT (one provider
  -- moves 7 levels x categories of tiles, and a bulk change in one transaction updates the coarse
  -- tiles thousands of times). A map view reads neighbouring tiles, which the rebuild writes in
  -- key order (see refresh_provider_tiles).
  primary key (category_id, level, tile_y, tile_x)
);
comment on table private.provider_tiles is
  'Discovery: visible providers aggregated per map tile (360/2^level degrees, levels 12-18) and category (nil: all); '
  'maintained by triggers on provider_profiles. Read by private.discovery_tile_clusters.';
revoke all on table private.provider_tiles from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- A provider's tiles: one per level and category (with the nil category).
------------------------------------------------------------------------------------------------
create or replace function private.provider_tile_keys(p_location extensions.geography, p_category_ids uuid[])
returns table (category_id uuid, level smallint, tile_y integer, tile_x integer, lat double precision, lng double precision)
language sql
immutable
parallel safe
set search_path = ''
as $$
  select c.id, z.level::smallint,
         floor((g.lat + 90) / (360.0 / (1 << z.level)))::integer,
         least(floor((g.lng + 180) / (360.0 / (1 << z.level)))::integer, (1 << z.level) - 1),
         g.lat, g.lng
    from (select extensions.st_y(p_location::extensions.geometry) as lat,
                 extensions.st_x(p_location::extensions.geometry) as lng) g
   cross join pg_catalog.generate_series(12, 18) z(level)
   cross join (select distinct u.id
                 from pg_catalog.unnest(p_category_ids || '00000000-0000-0000-0000-000000000000'::uuid) u(id)) c;
$$;
comment on function private.provider_tile_keys(extensions.geography, uuid[]) is
  'The tiles (levels 12-18) of a provider at p_location in each of its categories and the nil category.';
revoke all on function private.provider_tile_keys(extensions.geography, uuid[]) from public, anon, authenticated, service_role;

-- The lowest price and one provider of a tile, read again from the per-category table after a
-- provider left it (the tile's 2.4 km cells through their (cell, price) index at the coarse
-- levels, the tile's box through the GiST index at the fine ones).
create or replace function private.provider_tile_recount(p_category_id uuid, p_level smallint, p_y integer, p_x integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_size double precision := 360.0 / (1 << p_level);
  v_table text := private.category_partition('provider_category_points', p_category_id);
  v_min bigint;
  v_one uuid;
  v_shift integer := 14 - p_level;
  v_low extensions.geometry;
  v_high extensions.geometry;
begin
  if p_level <= 14 then
    execute pg_catalog.format($q$
      select min(m.price), min(m.one::text)::uuid
        from (select cy * 16384 + cx as cell
                from pg_catalog.generate_series($1 << $3, (($1 + 1) << $3) - 1) cy,
                     pg_catalog.generate_series($2 << $3, (($2 + 1) << $3) - 1) cx) c
       cross join lateral (select (select x.price_from from private.%1$I x
                                    where x.category_id = $4 and x.cell = c.cell and x.price_from is not null
                                    order by x.price_from limit 1) as price,
                                  (select x.provider_id from private.%1$I x
                                    where x.category_id = $4 and x.cell = c.cell limit 1) as one) m$q$, v_table)
      into v_min, v_one using p_y, p_x, v_shift, p_category_id;
  else
    -- A tile finer than a map cell: the rows inside its box on the plane (the GiST index of
    -- positions; Web Mercator keeps latitude/longitude rectangles rectangular, a metre of margin),
    -- then its own.
    v_low := private.discovery_position(
      extensions.st_setsrid(extensions.st_makepoint(-180 + p_x * v_size, -90 + p_y * v_size), 4326)::extensions.geography);
    v_high := private.discovery_position(
      extensions.st_setsrid(extensions.st_makepoint(-180 + (p_x + 1) * v_size, -90 + (p_y + 1) * v_size), 4326)::extensions.geography);
    execute pg_catalog.format($q$
      select min(x.price_from), min(x.provider_id::text)::uuid
        from private.%1$I x
       where x.category_id = $1
         and x.position operator(extensions.&&) $2
         and floor((extensions.st_y(x.location::extensions.geometry) + 90) / $3) = $4
         and floor((extensions.st_x(x.location::extensions.geometry) + 180) / $3) = $5$q$, v_table)
      into v_min, v_one
      using p_category_id,
            extensions.st_makeenvelope(extensions.st_x(v_low) - 1, extensions.st_y(v_low) - 1,
                                       extensions.st_x(v_high) + 1, extensions.st_y(v_high) + 1, 3857),
            v_size, p_y, p_x;
  end if;
  update private.provider_tiles t
     set min_price = v_min, a_provider = coalesce(v_one, t.a_provider)
   where t.category_id = p_category_id and t.level = p_level and t.tile_y = p_y and t.tile_x = p_x;
end;
$$;
comment on function private.provider_tile_recount(uuid, smallint, integer, integer) is
  'Reads the lowest price and one provider of a tile again from private.provider_category_points.';
revoke all on function private.provider_tile_recount(uuid, smallint, integer, integer) from public, anon, authenticated, service_role;

create or replace function private.sync_provider_tiles()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old boolean := tg_op in ('UPDATE', 'DELETE') and old.deleted_at is null and old.hidden_at is null
                   and old.base_location is not null;
  v_new boolean := tg_op in ('INSERT', 'UPDATE') and new.deleted_at is null and new.hidden_at is null
                   and new.base_location is not null;
  v_tile record;
begin
  if v_old then
    -- Leave the old tiles; those emptied go, those that lose their lowest price or their named
    -- provider are read again.
    for v_tile in
      with k as (select * from private.provider_tile_keys(old.base_location, old.category_ids))
      update private.provider_tiles t
         set provider_count = t.provider_count - 1, sum_lat = t.sum_lat - k.lat, sum_lng = t.sum_lng - k.lng
        from k
       where t.category_id = k.category_id and t.level = k.level and t.tile_y = k.tile_y and t.tile_x = k.tile_x
      returning t.category_id, t.level, t.tile_y, t.tile_x, t.provider_count, t.min_price, t.a_provider
    loop
      if v_tile.provider_count = 0 then
        delete from private.provider_tiles t
         where t.category_id = v_tile.category_id and t.level = v_tile.level
           and t.tile_y = v_tile.tile_y and t.tile_x = v_tile.tile_x;
      elsif v_tile.a_provider = old.id or v_tile.min_price = old.price_from then
        -- The new row may put the provider back: read after it is in (below) only if still needed.
        perform private.provider_tile_recount(v_tile.category_id, v_tile.level, v_tile.tile_y, v_tile.tile_x);
      end if;
    end loop;
  end if;
  if v_new then
    insert into private.provider_tiles as t
      (category_id, level, tile_y, tile_x, provider_count, sum_lat, sum_lng, min_price, a_provider)
    select k.category_id, k.level, k.tile_y, k.tile_x, 1, k.lat, k.lng, new.price_from, new.id
      from private.provider_tile_keys(new.base_location, new.category_ids) k
    on conflict (category_id, level, tile_y, tile_x) do update
      set provider_count = t.provider_count + 1, sum_lat = t.sum_lat + excluded.sum_lat,
          sum_lng = t.sum_lng + excluded.sum_lng,
          min_price = case when t.min_price is null then excluded.min_price
                           when excluded.min_price is null then t.min_price
                           else least(t.min_price, excluded.min_price) end;
  end if;
  return null;
end;
$$;
comment on function private.sync_provider_tiles() is
  'Trigger (after insert, update of base, categories, price or visibility, delete on provider_profiles): moves the '
  'provider''s counts, positions and price between tiles of private.provider_tiles.';
revoke all on function private.sync_provider_tiles() from public, anon, authenticated, service_role;

-- After the per-category table's triggers (names sort after provider_profiles_category_points_*),
-- whose rows the recount reads.
create trigger provider_profiles_tiles_insert
  after insert on public.provider_profiles
  for each row execute function private.sync_provider_tiles();
create trigger provider_profiles_tiles_update
  after update of base_location, category_ids, price_from, deleted_at, hidden_at on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.category_ids is distinct from new.category_ids
        or old.price_from is distinct from new.price_from or old.deleted_at is distinct from new.deleted_at
        or old.hidden_at is distinct from new.hidden_at)
  execute function private.sync_provider_tiles();
create trigger provider_profiles_tiles_delete
  after delete on public.provider_profiles
  for each row execute function private.sync_provider_tiles();

-- Rebuilds the tiles from the per-category table (after a bulk load that skipped the triggers):
-- the finest level from the rows, each coarser one from the level below, each written in key
-- order so that the tiles of a map view lie on few heap pages (at 1M providers: ~1.5 µs per tile
-- read instead of ~3 µs from rows scattered by the grouping).
create or replace function private.refresh_provider_tiles()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows bigint := 0;
  v_level integer;
  v_n bigint;
begin
  delete from private.provider_tiles t where t.level is not null;
  insert into private.provider_tiles (category_id, level, tile_y, tile_x, provider_count, sum_lat, sum_lng, min_price, a_provider)
  select g.category_id, 18, g.tile_y, g.tile_x, count(*), sum(g.lat), sum(g.lng), min(g.price_from), min(g.provider_id::text)::uuid
    from (select x.category_id, x.provider_id, x.price_from, p.lat, p.lng,
                 floor((p.lat + 90) / (360.0 / 262144))::integer as tile_y,
                 least(floor((p.lng + 180) / (360.0 / 262144))::integer, 262143) as tile_x
            from private.provider_category_points x
           cross join lateral (select extensions.st_y(x.location::extensions.geometry) as lat,
                                      extensions.st_x(x.location::extensions.geometry) as lng) p) g
   group by g.category_id, g.tile_y, g.tile_x
   order by g.category_id, g.tile_y, g.tile_x;
  get diagnostics v_rows = row_count;
  for v_level in reverse 17..12 loop
    insert into private.provider_tiles (category_id, level, tile_y, tile_x, provider_count, sum_lat, sum_lng, min_price, a_provider)
    select t.category_id, v_level, t.tile_y >> 1, t.tile_x >> 1, sum(t.provider_count), sum(t.sum_lat), sum(t.sum_lng),
           min(t.min_price), min(t.a_provider::text)::uuid
      from private.provider_tiles t
     where t.level = v_level + 1
     group by t.category_id, t.tile_y >> 1, t.tile_x >> 1
     order by t.category_id, t.tile_y >> 1, t.tile_x >> 1;
    get diagnostics v_n = row_count;
    v_rows := v_rows + v_n;
  end loop;
  return v_rows;
end;
$$;
comment on function private.refresh_provider_tiles() is
  'Rebuilds private.provider_tiles from private.provider_category_points; returns the rows.';
revoke all on function private.refresh_provider_tiles() from public, anon, authenticated, service_role;

select private.refresh_provider_tiles();

------------------------------------------------------------------------------------------------
-- Clusters from the tiles
------------------------------------------------------------------------------------------------
-- The tile level for a cluster grid: the coarsest whose tiles are at most a sixth of a cell (the
-- coarsest kept is 12), or null when even level 18 is coarser (the caller counts exactly). A sixth
-- is the trade between work and precision: a view reads at most (6..12 x grid)^2 tiles (~3,800
-- for 8 x 8 over a 35 km metro, ~5 ms) and about 2-3% of the providers of such a view count in
-- a neighbouring cell (an eighth: ~14,000 tiles and 17 ms for ~2%; measured by bench:discovery).
create or replace function private.discovery_tile_level(
  p_south double precision, p_west double precision, p_north double precision, p_east double precision, p_grid integer)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when l.level <= 18 then greatest(l.level, 12) end
    from (select ceil(ln(360.0 * 6 * p_grid / least(p_north - p_south, p_east - p_west)) / ln(2))::integer as level) l;
$$;
comment on function private.discovery_tile_level(double precision, double precision, double precision, double precision, integer) is
  'The level of private.provider_tiles for a p_grid x p_grid cluster grid over the bounds (tiles at most a sixth of a cell), or null.';
revoke all on function private.discovery_tile_level(double precision, double precision, double precision, double precision, integer)
  from public, anon, authenticated, service_role;
grant execute on function private.discovery_tile_level(double precision, double precision, double precision, double precision, integer)
  to anon, authenticated, service_role;

-- The cells of the grid from the tiles of p_level: each tile goes to the cell of its providers'
-- mean position; tiles whose mean falls outside the bounds are left out. Security definer: the
-- table is not readable by API roles; what it returns (counts of visible providers) is public.
create or replace function private.discovery_tile_clusters(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_grid integer,
  p_category_id uuid,
  p_level integer
)
returns table (
  cell_row integer, cell_col integer, provider_count integer, lat double precision, lng double precision,
  provider_id uuid, min_price bigint)
language sql
stable
security definer
set search_path = ''
rows 64
as $$
  select a.cell_row, a.cell_col, a.n::integer, a.sum_lat / a.n, a.sum_lng / a.n, case when a.n = 1 then a.one end, a.min_price
    from (select c.cell_row, c.cell_col, sum(c.provider_count) as n, sum(c.sum_lat) as sum_lat,
                 sum(c.sum_lng) as sum_lng, min(c.min_price) as min_price,
                 -- Named only for a cell of one provider, i.e. of one tile of one.
                 min(c.a_provider::text) filter (where c.provider_count = 1)::uuid as one
            from (select t.provider_count, t.sum_lat, t.sum_lng, t.min_price, t.a_provider,
                         case when t.sum_lat / t.provider_count >= p_north then p_grid - 1
                              else floor((t.sum_lat / t.provider_count - p_south) / (p_north - p_south) * p_grid)::integer
                         end as cell_row,
                         case when t.sum_lng / t.provider_count >= p_east then p_grid - 1
                              else floor((t.sum_lng / t.provider_count - p_west) / (p_east - p_west) * p_grid)::integer
                         end as cell_col
                    from private.provider_tiles t
                   where t.category_id = coalesce(p_category_id, '00000000-0000-0000-0000-000000000000')
                     and t.level = p_level
                     and t.tile_y between floor((p_south + 90) / (360.0 / (1 << p_level)))::integer
                                      and floor((p_north + 90) / (360.0 / (1 << p_level)))::integer
                     and t.tile_x between floor((p_west + 180) / (360.0 / (1 << p_level)))::integer
                                      and floor((p_east + 180) / (360.0 / (1 << p_level)))::integer
                     and t.sum_lat / t.provider_count between p_south and p_north
                     and t.sum_lng / t.provider_count between p_west and p_east) c
           group by c.cell_row, c.cell_col) a
   -- One key, not the grouping columns: the cells are hashed, then the few of them sorted (the
   -- planner, expecting a handful of tiles, would rather sort thousands of tiles to group them).
   order by a.cell_row * p_grid + a.cell_col;
$$;
comment on function private.discovery_tile_clusters(double precision, double precision, double precision, double precision,
  integer, uuid, integer) is
  'Discovery: the non-empty cells of a cluster grid from the tiles of p_level of private.provider_tiles (nil category: all providers).';
revoke all on function private.discovery_tile_clusters(double precision, double precision, double precision, double precision,
  integer, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.discovery_tile_clusters(double precision, double precision, double precision, double precision,
  integer, uuid, integer) to anon, authenticated, service_role;
