-- Module: discovery (per-category spatial index)
-- The nearby search in a category walks only that category's providers: a table of (category,
-- provider, base location, rating) for every visible provider and each of its categories (with
-- their ancestors: provider_profiles.category_ids), partitioned by category, so each category has
-- its own GiST index on the base's Web Mercator position (the planar walk, ..0304) and a KNN walk
-- never reads another category's providers.
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

------------------------------------------------------------------------------------------------
-- Coverage without the area, for most points
------------------------------------------------------------------------------------------------
-- Distances (metres on the sphere, as the <-> operator measures) from a base to its area's
-- boundary (0 when the base is outside the area) and to the area's farthest vertex (0 for an
-- empty area). A point nearer the base than the first is covered, one farther than the second
-- is not (geodesic edges: an edge's points are never farther than its ends).
create or replace function private.coverage_radii(
  p_base extensions.geography, p_area extensions.geography,
  out inner_m double precision, out outer_m double precision)
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when extensions.st_intersects(p_area, p_base)
              then extensions.st_distance(p_base, extensions.st_boundary(p_area::extensions.geometry)::extensions.geography, false)
              else 0 end,
         coalesce((select max(extensions.st_distance(p_base, d.geom::extensions.geography, false))
                     from extensions.st_dumppoints(p_area::extensions.geometry) d), 0);
$$;
comment on function private.coverage_radii(extensions.geography, extensions.geography) is
  'Discovery: the distance from a base to its service area''s boundary (0 when outside) and to its farthest vertex.';
revoke all on function private.coverage_radii(extensions.geography, extensions.geography)
  from public, anon, authenticated, service_role;

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
  -- private.coverage_radii of the base and the service area (covering searches).
  cover_inner double precision not null,
  cover_outer double precision not null,
  -- Accepting work, and with weekly hours (availability_rules): the searches for providers
  -- available now or with an open slot walk only the rows that can pass.
  is_available boolean not null,
  has_hours boolean not null,
  -- private.discovery_position(location): the planar walk's key (GiST index).
  position extensions.geometry(Point, 3857) not null,
  primary key (category_id, provider_id)
) partition by list (category_id);
comment on table private.provider_category_points is
  'Discovery: a row per visible provider and category (provider_profiles.category_ids), and one in the nil category '
  'for every visible provider, with its base location, map cell and sort keys; partitioned by category (a GiST index '
  'on the Web Mercator position and btree indexes on (cell, key) each). Maintained by triggers.';
revoke all on table private.provider_category_points from public, anon, authenticated, service_role;

-- Categories added before their partition exists land here (the trigger on categories moves them).
create table private.provider_category_points_other partition of private.provider_category_points default;
revoke all on table private.provider_category_points_other from public, anon, authenticated, service_role;
-- Every visible provider (searches without a category).
create table private.provider_category_points_all partition of private.provider_category_points
  for values in ('00000000-0000-0000-0000-000000000000');
revoke all on table private.provider_category_points_all from public, anon, authenticated, service_role;

-- Its indexes (a GiST index on position, btree indexes on (cell, key)) are created by
-- private.refresh_provider_category_points below, which drops and rebuilds them around a reload.

------------------------------------------------------------------------------------------------
-- A partition per category (of this table and of private.provider_coverage_cells)
------------------------------------------------------------------------------------------------
-- p_table: a table of discovery partitioned by category_id, with a default partition <table>_other.
create or replace function private.ensure_category_partition(p_table text, p_category_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_name text := p_table || '_' || pg_catalog.replace(p_category_id::text, '-', '');
begin
  if p_table not in ('provider_category_points', 'provider_coverage_cells') then
    raise exception 'discovery: % is not partitioned by category', p_table;
  end if;
  if pg_catalog.to_regclass('private.' || v_name) is not null then
    return;
  end if;
  -- A new table with the category's rows kept in the default partition meanwhile, then attached
  -- (PostgreSQL refuses a partition whose rows are still in the default one).
  execute pg_catalog.format('create table private.%I (like private.%I including defaults)', v_name, p_table);
  execute pg_catalog.format('revoke all on table private.%I from public, anon, authenticated, service_role', v_name);
  execute pg_catalog.format(
    'with moved as (delete from private.%I o where o.category_id = $1 returning o.*) insert into private.%I select * from moved',
    p_table || '_other', v_name) using p_category_id;
  execute pg_catalog.format('alter table private.%I attach partition private.%I for values in (%L)', p_table, v_name,
    p_category_id);
end;
$$;
comment on function private.ensure_category_partition(text, uuid) is
  'Creates the partition of a discovery table partitioned by category (provider_category_points, provider_coverage_cells) '
  'for a category, moving its rows out of the default partition.';
revoke all on function private.ensure_category_partition(text, uuid) from public, anon, authenticated, service_role;

-- The partition of a discovery table to read for a category (the nil uuid or null: all
-- providers): its own, or the default <table>_other while the category has none yet.
create or replace function private.category_partition(p_table text, p_category_id uuid)
returns text
language sql
stable
parallel safe
set search_path = ''
as $$
  select case when pg_catalog.to_regclass('private.' || n.name) is null then p_table || '_other' else n.name end
    from (select p_table || '_' || case when p_category_id is null or p_category_id = '00000000-0000-0000-0000-000000000000'
                                        then 'all' else pg_catalog.replace(p_category_id::text, '-', '') end as name) n;
$$;
comment on function private.category_partition(text, uuid) is
  'The partition of a discovery table partitioned by category to read for a category (nil or null: all), or its default partition.';
revoke all on function private.category_partition(text, uuid) from public, anon, authenticated, service_role;
grant execute on function private.category_partition(text, uuid) to anon, authenticated, service_role;

-- The radius around the centre of map bounds that holds all of them (the farthest corner, 1 % of
-- margin), at least p_radius.
create or replace function private.bounds_radius(
  p_point extensions.geography, p_radius double precision,
  p_south double precision, p_west double precision, p_north double precision, p_east double precision)
returns double precision
language sql
immutable
parallel safe
set search_path = ''
as $$
  select greatest(p_radius, max(extensions.st_distance(p_point,
           extensions.st_setsrid(extensions.st_makepoint(c.lng, c.lat), 4326)::extensions.geography, false))) * 1.01
    from (values (p_south, p_west), (p_south, p_east), (p_north, p_west), (p_north, p_east)) c(lat, lng);
$$;
comment on function private.bounds_radius(extensions.geography, double precision, double precision, double precision,
  double precision, double precision) is
  'The radius around p_point (the centre of map bounds) within which every point of the bounds lies (1 % of margin), at least p_radius.';
revoke all on function private.bounds_radius(extensions.geography, double precision, double precision, double precision,
  double precision, double precision) from public, anon, authenticated, service_role;
grant execute on function private.bounds_radius(extensions.geography, double precision, double precision, double precision,
  double precision, double precision) to anon, authenticated, service_role;

-- Trigger argument: the table.
create or replace function private.category_partition_on_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.kind = 'service' then
    perform private.ensure_category_partition(tg_argv[0], new.id);
  end if;
  return null;
end;
$$;
comment on function private.category_partition_on_insert() is
  'Trigger (after insert on categories; argument: a discovery table partitioned by category): a service category gets its partition.';
revoke all on function private.category_partition_on_insert() from public, anon, authenticated, service_role;

create trigger categories_points_partition
  after insert on public.categories
  for each row execute function private.category_partition_on_insert('provider_category_points');

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
         p.price_from, 0.35 * p.reputation_score::float8 / 5 + 0.10 * p.is_available::int + 0.10 * p.is_verified::int,
         r.inner_m, r.outer_m, p.is_available,
         exists (select from public.availability_rules h where h.provider_id = p.id),
         private.discovery_position(p.base_location)
    from private.coverage_radii(p.base_location, p.coverage) r
   cross join (select distinct u.id from pg_catalog.unnest(p.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) u(id)) c
   where p.deleted_at is null and p.hidden_at is null and p.base_location is not null;
$$;
comment on function private.provider_category_rows(public.provider_profiles) is
  'The rows of private.provider_category_points for a provider (its categories and the nil category), with the map cell '
  'and the sort keys; none for a hidden or closed provider.';
revoke all on function private.provider_category_rows(public.provider_profiles) from public, anon, authenticated, service_role;

-- A provider's rows of a discovery table kept by triggers (this one and
-- private.provider_coverage_cells). Trigger arguments: the table, and the function that gives a
-- provider's rows of it (the same function rebuilds the table).
create or replace function private.sync_provider_discovery_rows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not (tg_argv[0] = 'provider_category_points' and tg_argv[1] = 'provider_category_rows'
          or tg_argv[0] = 'provider_coverage_cells' and tg_argv[1] = 'provider_coverage_rows') then
    raise exception 'discovery: no rows function % for %', tg_argv[1], tg_argv[0];
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    execute pg_catalog.format(
      'delete from private.%I x where x.provider_id = $1 and x.category_id = any ($2 || %L::uuid)',
      tg_argv[0], '00000000-0000-0000-0000-000000000000')
      using old.id, old.category_ids;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    execute pg_catalog.format('insert into private.%I select * from private.%I($1)', tg_argv[0], tg_argv[1]) using new;
  end if;
  return null;
end;
$$;
comment on function private.sync_provider_discovery_rows() is
  'Trigger (after insert, update of the searched columns, delete on provider_profiles; arguments: a discovery table '
  'and its rows function): the provider''s rows in that table.';
revoke all on function private.sync_provider_discovery_rows() from public, anon, authenticated, service_role;

create trigger provider_profiles_category_points_insert
  after insert on public.provider_profiles
  for each row execute function private.sync_provider_discovery_rows('provider_category_points', 'provider_category_rows');
create trigger provider_profiles_category_points_update
  -- coverage is derived (BEFORE trigger) from the radius or the drawn area: those are the columns updated.
  after update of base_location, service_radius_m, service_area, coverage, category_ids, rating_avg, reputation_score,
                  price_from, is_available, is_verified, deleted_at, hidden_at on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.coverage is distinct from new.coverage
        or old.category_ids is distinct from new.category_ids
        or old.rating_avg is distinct from new.rating_avg or old.reputation_score is distinct from new.reputation_score
        or old.price_from is distinct from new.price_from or old.is_available is distinct from new.is_available
        or old.is_verified is distinct from new.is_verified
        or old.deleted_at is distinct from new.deleted_at or old.hidden_at is distinct from new.hidden_at)
  execute function private.sync_provider_discovery_rows('provider_category_points', 'provider_category_rows');
create trigger provider_profiles_category_points_delete
  after delete on public.provider_profiles
  for each row execute function private.sync_provider_discovery_rows('provider_category_points', 'provider_category_rows');

-- has_hours follows the provider's weekly rules (statement triggers: set_weekly_availability
-- replaces a provider's rules in two statements).
create or replace function private.provider_category_points_hours()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  -- The providers of the statement's rules (each trigger declares the transition tables of its
  -- event only: read them by dynamic SQL).
  execute case tg_op
            when 'UPDATE' then 'select pg_catalog.array_agg(distinct u.provider_id) from (select o.provider_id from old_rules o'
                               || ' union all select n.provider_id from new_rules n) u'
            when 'INSERT' then 'select pg_catalog.array_agg(distinct n.provider_id) from new_rules n'
            else 'select pg_catalog.array_agg(distinct o.provider_id) from old_rules o' end
    into v_ids;
  -- By key (category, provider): the provider's categories and the nil one.
  update private.provider_category_points x
     set has_hours = h.has_hours
    from (select pp.id, pp.category_ids || '00000000-0000-0000-0000-000000000000'::uuid as categories,
                 exists (select from public.availability_rules r where r.provider_id = pp.id) as has_hours
            from public.provider_profiles pp
           where pp.id = any (v_ids)) h
   where x.provider_id = h.id
     and x.category_id = any (h.categories)
     and x.has_hours is distinct from h.has_hours;
  -- And their periods of weekly hours around the present ("available now", ..0308).
  if v_ids is not null then
    perform private.sync_provider_open_periods(v_ids);
  end if;
  return null;
end;
$$;
comment on function private.provider_category_points_hours() is
  'Trigger (after insert, update or delete on availability_rules, per statement): has_hours and the open periods of the providers whose rules changed.';
revoke all on function private.provider_category_points_hours() from public, anon, authenticated, service_role;
create trigger availability_rules_category_points_insert
  after insert on public.availability_rules
  referencing new table as new_rules
  for each statement execute function private.provider_category_points_hours();
create trigger availability_rules_category_points_update
  after update on public.availability_rules
  referencing old table as old_rules new table as new_rules
  for each statement execute function private.provider_category_points_hours();
create trigger availability_rules_category_points_delete
  after delete on public.availability_rules
  referencing old table as old_rules
  for each statement execute function private.provider_category_points_hours();

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
    perform private.ensure_category_partition('provider_category_points', v_category);
  end loop;
  -- Loading without the indexes and building them afterwards is several times faster than
  -- keeping them current row by row (a GiST insert per row and partition).
  truncate private.provider_category_points;
  drop index if exists private.provider_category_points_position_idx;
  drop index if exists private.provider_category_points_rating_idx;
  drop index if exists private.provider_category_points_price_idx;
  drop index if exists private.provider_category_points_relevance_idx;
  insert into private.provider_category_points
  select r.* from public.provider_profiles pp cross join lateral private.provider_category_rows(pp) r;
  get diagnostics v_rows = row_count;
  create index provider_category_points_position_idx on private.provider_category_points using gist (position);
  create index provider_category_points_rating_idx on private.provider_category_points
    (cell, reputation_score desc) include (location, rating_avg, price_from);
  create index provider_category_points_price_idx on private.provider_category_points
    (cell, price_from) include (location, rating_avg);
  create index provider_category_points_relevance_idx on private.provider_category_points
    (cell, relevance_base desc) include (location, rating_avg, price_from, cover_inner, cover_outer);
  return v_rows;
end;
$$;
comment on function private.refresh_provider_category_points() is
  'Rebuilds private.provider_category_points from provider_profiles (partitions for every service category, and the nil category of all providers); returns the rows.';
revoke all on function private.refresh_provider_category_points() from public, anon, authenticated, service_role;

select private.refresh_provider_category_points();

------------------------------------------------------------------------------------------------
-- The nearest providers of a category (the candidates of a search by distance)
------------------------------------------------------------------------------------------------
-- The first p_limit by distance, with ties, after the cursor (p_after_distance, p_after_id), at
-- most p_radius metres away, rated at least p_min_rating (null: any), inside the bounds when they
-- are given (map searches: the point is their centre). Null category: all providers.
-- p_covering: only providers whose service area covers the point (p_radius is then ignored):
-- those based within 100 km (the largest service radius) by the same walk, and those based
-- farther whose drawn area reaches the point (the GiST index of drawn areas).
-- The walk: the category's partition by Web Mercator distance (KNN on its GiST index, one static
-- statement: the generic plan prunes to the partition when it starts), a few rows more than the
-- page; the rows read hold the true first p_limit when the walk ran out of rows, or when the
-- last row read is so far on the plane that no row after it can be nearer than the page's last
-- (private.discovery_planar_scale); otherwise (rows tied on the plane, nearly never) it reads
-- twice as many. Only where private.discovery_planar_ok holds (the callers check).
-- Security definer: API roles cannot read the table; what it returns (ids and distances of
-- visible providers) is public.
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
  p_east double precision default null,
  p_covering boolean default false
)
returns table (provider_id uuid, distance double precision)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
rows 20
as $$
declare
  v_category uuid := coalesce(p_category_id, '00000000-0000-0000-0000-000000000000'::uuid);
  v_lat double precision := extensions.st_y(p_point::extensions.geometry);
  v_position extensions.geometry := private.discovery_position(p_point);
  v_box extensions.geometry;
  v_read integer := p_limit + 4;
  v_ids uuid[];
  v_distances double precision[];
  v_count integer;
  v_last_planar double precision;
  -- The page's last distance (the p_limit-th of the rows read; null when fewer were read).
  v_kth double precision;
begin
  if p_south is not null then
    p_radius := private.bounds_radius(p_point, p_radius, p_south, p_west, p_north, p_east);
  end if;
  if p_covering then
    p_radius := 100000;
  end if;
  if not private.discovery_planar_ok(p_point, p_radius) then
    raise exception 'discovery: the planar walk does not serve % within % m', extensions.st_astext(p_point), p_radius;
  end if;
  -- Every point within the radius (map bounds: inside the bounds) is inside this box of the
  -- plane: an index condition, so the walk ends at the radius or the bounds even when fewer rows
  -- there pass the other conditions.
  if p_south is not null then
    v_box := private.discovery_plane_box(p_south, p_west, p_north, p_east);
  else
    v_box := extensions.st_expand(v_position, p_radius / private.discovery_planar_scale(v_lat, p_radius));
  end if;
  loop
    select pg_catalog.array_agg(w.provider_id), pg_catalog.array_agg(w.distance), max(w.planar), count(*),
           (pg_catalog.array_agg(w.distance order by w.distance))[p_limit]
      into v_ids, v_distances, v_last_planar, v_count, v_kth
      from (select x.provider_id, d.distance, x.position operator(extensions.<->) v_position as planar
              from private.provider_category_points x
             cross join lateral (select x.location operator(extensions.<->) p_point as distance) d
             where x.category_id = v_category
               and x.position operator(extensions.&&) v_box
               and d.distance <= p_radius
               and (p_min_rating is null or x.rating_avg >= p_min_rating)
               and (p_after_id is null or (d.distance, x.provider_id) > (p_after_distance, p_after_id))
               -- Map bounds, exactly (inline: a function call per row costs more than the row).
               and (p_south is null
                    or extensions.st_y(x.location::extensions.geometry) between p_south and p_north
                       and extensions.st_x(x.location::extensions.geometry) between p_west and p_east)
               -- Covering: the area covers the point (private.coverage_radii decide most rows).
               and (not p_covering
                    or (d.distance <= x.cover_outer * 1.001 + 0.01
                        and (d.distance < x.cover_inner * 0.999 - 0.01
                             or private.area_covers((select pp.coverage from public.provider_profiles pp
                                                      where pp.id = x.provider_id), p_point))))
             order by x.position operator(extensions.<->) v_position
             limit v_read) w;
    -- The walk ran out of rows: every row that passes was read.
    exit when v_count < v_read;
    -- Rows after the last one read are at least as far on the plane; one as near as the page's
    -- last row would be within v_kth of the point, where the scale is at least this.
    exit when v_last_planar * private.discovery_planar_scale(v_lat, v_kth) > v_kth;
    v_read := v_read * 2;
  end loop;
  return query
    select u.id, u.d
      from rows from (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_distances)) u(id, d)
     where v_kth is null or u.d <= v_kth;
  if p_covering then
    -- Drawn areas of providers based beyond the walk's 100 km.
    return query
      select pp.id, pp.base_location operator(extensions.<->) p_point
        from public.provider_profiles pp
       where pp.service_area is not null
         and pp.coverage operator(extensions.&&) p_point
         and private.area_covers(pp.coverage, p_point)
         and (pp.base_location operator(extensions.<->) p_point) > p_radius
         and pp.deleted_at is null and pp.hidden_at is null
         and (p_category_id is null or pp.category_ids operator(pg_catalog.@>) array[p_category_id])
         and (p_min_rating is null or pp.rating_avg >= p_min_rating)
         and (p_after_id is null or (pp.base_location operator(extensions.<->) p_point, pp.id) > (p_after_distance, p_after_id));
  end if;
end;
$$;
comment on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer, double precision, double precision, double precision, double precision, boolean) is
  'Discovery: the nearest visible providers of a category (null: all; KNN on its partition of '
  'private.provider_category_points), after a cursor, within a radius (and map bounds) or covering the point, with a '
  'minimum rating; used by the nearby, map and covering searches.';
revoke all on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer, double precision, double precision, double precision, double precision, boolean)
  from public, anon, authenticated, service_role;
grant execute on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer, double precision, double precision, double precision, double precision, boolean)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Nearby providers sorted by rating, price or relevance (the candidates of a ranked search)
------------------------------------------------------------------------------------------------
-- Reading every provider within the radius and sorting (hundreds of thousands in a city centre)
-- is replaced by two bounded passes over the map cells the circle touches, each cell read in key
-- order through the (cell, key) index of the category's partition (the nil category: all):
--   1. the first p_limit rows of some cells wholly inside the circle (after the cursor): all of
--      them for rating and price; for relevance (a score that falls with the distance) the nine
--      nearest to the point, where the best scores are;
--   2. T = the p_limit-th best of those; then, in the inner cells of pass 1 that had more rows,
--      the other inner cells and the cells on the circle's edge (all of their rows within the
--      radius when there is no T yet), the rows that can still reach T: key at least T (rating),
--      at most T (price), or for relevance a distance-free part of at least
--      T - 0.45 * (1 - dmin / radius), dmin a lower bound of the cell's distance to the point
--      (cells where even the highest distance-free part, 0.55, cannot reach T are not read).
-- Every row of the true first page is in the union (the other rows of a cell rank below its
-- p_limit rows, or below T, which is at most the true p_limit-th best), so the caller's sort of
-- these candidates is exact, ties included. Of the union, the function returns the first p_limit
-- in the page's order and the rows that tie with the last of them.
-- p_covering (relevance only; radius 25 km): only providers whose service area covers the point,
-- and those based farther whose area reaches it (a relevance of at most 0.55) when they can rank.
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
  p_limit integer,
  p_covering boolean default false
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
  v_table text := private.category_partition('provider_category_points', p_category_id);
  v_key text;
  v_cell_order text;
  v_filters text := '';
  v_inner integer[];
  v_inner_dmins double precision[];
  v_first_cells integer[];
  v_edge integer[];
  v_edge_dmins double precision[];
  v_first private.discovery_ranked_row[];
  v_full integer[];
  v_full_dmins double precision[];
  v_threshold double precision;
  v_more private.discovery_ranked_row[];
  v_far private.discovery_ranked_row[];
begin
  if p_covering and p_sort <> 'relevance' then
    raise exception 'discovery: covering searches by % read the coverage cells', p_sort;
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
  if p_covering then
    -- The service area covers the point (private.coverage_radii decide most rows).
    v_filters := v_filters || ' and d.distance <= x.cover_outer * 1.001 + 0.01'
      || ' and (d.distance < x.cover_inner * 0.999 - 0.01 or private.area_covers('
      || '(select pp.coverage from public.provider_profiles pp where pp.id = x.provider_id), $1))';
  end if;
  if p_after_id is not null then
    v_filters := v_filters || pg_catalog.format(
      case when p_sort = 'price' then ' and (%1$s > $8 or (%1$s = $8 and (d.distance, x.provider_id) > ($9, $10)))'
           else ' and (%1$s < $8 or (%1$s = $8 and (d.distance, x.provider_id) > ($9, $10)))' end, v_key);
  end if;

  -- 1. The first rows of each inner cell (relevance: of the nine nearest).
  if p_sort = 'relevance' then
    select pg_catalog.array_agg(c.cell) into v_first_cells
      from (select c.cell from rows from (pg_catalog.unnest(v_inner), pg_catalog.unnest(v_inner_dmins)) as c(cell, dmin)
             order by c.dmin, c.cell limit 9) c;
  else
    v_first_cells := v_inner;
  end if;
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
    using p_point, p_radius, v_first_cells, p_limit, p_min_rating, p_min_price, p_max_price, p_after_k1, p_after_k2, p_after_id;

  -- T, and the inner cells still to read: those of pass 1 that had more rows than were read,
  -- and the others (relevance: those where a row can still reach T).
  select f.k1 into v_threshold
    from pg_catalog.unnest(v_first) f
   order by case when p_sort = 'price' then f.k1 else -f.k1 end, f.distance, f.provider_id
  offset p_limit - 1 limit 1;
  select pg_catalog.array_agg(c.cell), pg_catalog.array_agg(c.dmin)
    into v_full, v_full_dmins
    from rows from (pg_catalog.unnest(v_inner), pg_catalog.unnest(v_inner_dmins)) as c(cell, dmin)
   where (not (c.cell = any (v_first_cells))
          or (select count(*) from pg_catalog.unnest(v_first) f where f.cell = c.cell) >= p_limit)
     and (p_sort <> 'relevance' or v_threshold is null
          or 0.55 + 0.45 * greatest(0, 1 - c.dmin / p_radius) >= v_threshold - 1e-9);
  if p_sort = 'relevance' and v_threshold is not null then
    select pg_catalog.array_agg(c.cell), pg_catalog.array_agg(c.dmin)
      into v_edge, v_edge_dmins
      from rows from (pg_catalog.unnest(v_edge), pg_catalog.unnest(v_edge_dmins)) as c(cell, dmin)
     where 0.55 + 0.45 * greatest(0, 1 - c.dmin / p_radius) >= v_threshold - 1e-9;
  end if;

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

  -- Covering: the areas of providers based beyond the radius (relevance = the distance-free
  -- part, at most 0.55) matter only when the page is not full of better rows. Few areas reach a
  -- point where that happens; the coverage GiST index finds them.
  if p_covering then
    select c.k1 into v_threshold
      from (select f.k1, f.distance, f.provider_id from pg_catalog.unnest(v_first) f
             where v_full is null or not (f.cell = any (v_full))
            union all
            select m.k1, m.distance, m.provider_id from pg_catalog.unnest(v_more) m) c
     order by -c.k1, c.distance, c.provider_id
    offset p_limit - 1 limit 1;
    if v_threshold is null or v_threshold < 0.55 + 1e-9 then
      select pg_catalog.array_agg(row(f.provider_id, f.distance, f.k1, null)::private.discovery_ranked_row)
        into v_far
        from (select pp.id as provider_id, d.distance,
                     0.35 * pp.reputation_score::float8 / 5 + 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int
                       + 0.45 * greatest(0, 1 - d.distance / p_radius) as k1
                from public.provider_profiles pp
               cross join lateral (select pp.base_location operator(extensions.<->) p_point as distance) d
               where pp.coverage operator(extensions.&&) p_point
                 and private.area_covers(pp.coverage, p_point)
                 and d.distance > p_radius
                 and pp.deleted_at is null and pp.hidden_at is null
                 and (p_category_id is null or pp.category_ids operator(pg_catalog.@>) array[p_category_id])
                 and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                 and (p_min_price is null or pp.price_from >= p_min_price)
                 and (p_max_price is null or pp.price_from <= p_max_price)) f
       where (v_threshold is null or f.k1 >= v_threshold - 1e-9)
         and (p_after_id is null or f.k1 < p_after_k1
              or (f.k1 = p_after_k1 and (f.distance, f.provider_id) > (p_after_k2, p_after_id)));
    end if;
  end if;

  -- The first p_limit of the union in the page's order, and the rows within 1e-9 of the last
  -- one's key (the caller computes relevance in another order of additions).
  return query
    with c as (
      select f.provider_id, f.distance, f.k1 from pg_catalog.unnest(v_first) f
       where v_full is null or not (f.cell = any (v_full))
      union all
      select m.provider_id, m.distance, m.k1 from pg_catalog.unnest(v_more) m
      union all
      select r.provider_id, r.distance, r.k1 from pg_catalog.unnest(v_far) r),
    t as (
      select c.k1 from c
       order by case when p_sort = 'price' then c.k1 else -c.k1 end, c.distance, c.provider_id
      offset p_limit - 1 limit 1)
    select c.provider_id, c.distance, c.k1 from c
     where not exists (select from t)
        or case when p_sort = 'price' then c.k1 <= (select t.k1 from t) + 1e-9
                else c.k1 >= (select t.k1 from t) - 1e-9 end;
end;
$$;
comment on function private.discovery_ranked_nearby(extensions.geography, double precision, uuid, text, numeric, bigint,
  bigint, double precision, double precision, uuid, integer, boolean) is
  'Discovery: candidates of a nearby search sorted by rating, price or relevance, or of a covering search by relevance '
  '(a superset of the first page, read cell by cell in key order from the category''s partition of '
  'private.provider_category_points; null category: all).';
revoke all on function private.discovery_ranked_nearby(extensions.geography, double precision, uuid, text, numeric, bigint,
  bigint, double precision, double precision, uuid, integer, boolean) from public, anon, authenticated, service_role;
grant execute on function private.discovery_ranked_nearby(extensions.geography, double precision, uuid, text, numeric, bigint,
  bigint, double precision, double precision, uuid, integer, boolean) to anon, authenticated, service_role;
