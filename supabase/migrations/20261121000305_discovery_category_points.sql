-- Module: discovery (per-category spatial index)
-- The nearby search in a category walks only that category's providers: a table of (category,
-- provider, base location, rating) for every visible provider and each of its categories (with
-- their ancestors: provider_profiles.category_ids), partitioned by category, so each category has
-- its own GiST index on the location and a KNN walk never reads another category's providers.
-- Kept by a trigger on provider_profiles in the same transaction, and a partition per category by
-- a trigger on categories. private.discovery_sql uses it for the nearby, distance-sorted search
-- in a category (optionally with a minimum rating). See docs/discovery.md "How a search is read".
--
-- Why a table and not an index on provider_profiles: a GiST index on (category, location) mixes a
-- discrete key into the spatial tree and loses its locality (measured at 1M providers: 9-10 ms
-- for a page of 20, slower than the plain location walk), while a spatial index per category
-- answers the same page in about 0.5 ms. category_ids is an array: an index per category needs a
-- row per (provider, category).

create extension if not exists btree_gist with schema extensions;

create table private.provider_category_points (
  category_id uuid not null,
  provider_id uuid not null,
  location extensions.geography(Point, 4326) not null,
  rating_avg numeric,
  primary key (category_id, provider_id)
) partition by list (category_id);
comment on table private.provider_category_points is
  'Discovery: a row per visible provider and category (provider_profiles.category_ids) with its base location and rating, '
  'partitioned by category (one partition per category, a GiST index on location each). Maintained by triggers.';
revoke all on table private.provider_category_points from public, anon, authenticated, service_role;

-- Categories added before their partition exists land here (the trigger on categories moves them).
create table private.provider_category_points_other partition of private.provider_category_points default;
revoke all on table private.provider_category_points_other from public, anon, authenticated, service_role;

create index provider_category_points_location_idx on private.provider_category_points using gist (location);

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
create or replace function private.sync_provider_category_points()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from private.provider_category_points x
     where x.provider_id = old.id and x.category_id = any (old.category_ids);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.deleted_at is null and new.hidden_at is null and new.base_location is not null then
    insert into private.provider_category_points (category_id, provider_id, location, rating_avg)
    select distinct c.id, new.id, new.base_location, new.rating_avg
      from pg_catalog.unnest(new.category_ids) c(id);
  end if;
  return null;
end;
$$;
comment on function private.sync_provider_category_points() is
  'Trigger (after insert, update of the searched columns, delete on provider_profiles): the provider''s rows in '
  'private.provider_category_points (visible providers with a base location, one per category).';
revoke all on function private.sync_provider_category_points() from public, anon, authenticated, service_role;

create trigger provider_profiles_category_points_insert
  after insert on public.provider_profiles
  for each row execute function private.sync_provider_category_points();
create trigger provider_profiles_category_points_update
  after update of base_location, category_ids, rating_avg, deleted_at, hidden_at on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.category_ids is distinct from new.category_ids
        or old.rating_avg is distinct from new.rating_avg or old.deleted_at is distinct from new.deleted_at
        or old.hidden_at is distinct from new.hidden_at)
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
  insert into private.provider_category_points (category_id, provider_id, location, rating_avg)
  select distinct c.id, pp.id, pp.base_location, pp.rating_avg
    from public.provider_profiles pp cross join lateral pg_catalog.unnest(pp.category_ids) c(id)
   where pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
comment on function private.refresh_provider_category_points() is
  'Rebuilds private.provider_category_points from provider_profiles (partitions for every service category); returns the rows.';
revoke all on function private.refresh_provider_category_points() from public, anon, authenticated, service_role;

select private.refresh_provider_category_points();

------------------------------------------------------------------------------------------------
-- The nearest providers of a category (the candidates of a nearby search by distance)
------------------------------------------------------------------------------------------------
-- The first p_limit by distance, with ties, after the cursor (p_after_distance, p_after_id), at
-- most p_radius metres away, rated at least p_min_rating (null: any). Security definer: API roles
-- cannot read the table; what it returns (ids and distances of visible providers) is public.
create or replace function private.discovery_category_nearest(
  p_point extensions.geography,
  p_radius double precision,
  p_category_id uuid,
  p_min_rating numeric,
  p_after_distance double precision,
  p_after_id uuid,
  p_limit integer
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
  return query execute pg_catalog.format($q$
    select n.provider_id, n.distance
      from (select x.provider_id, x.location operator(extensions.<->) $1 as distance
              from private.%I x
             where x.category_id = $3%s%s
             order by x.location operator(extensions.<->) $1
             fetch first $7 rows with ties) n
     where n.distance <= $2$q$,
    v_table,
    case when p_min_rating is not null then ' and x.rating_avg >= $4' else '' end,
    case when p_after_id is not null then ' and (x.location operator(extensions.<->) $1, x.provider_id) > ($5, $6)' else '' end)
    using p_point, p_radius, p_category_id, p_min_rating, p_after_distance, p_after_id, p_limit;
end;
$$;
comment on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer) is
  'Discovery: the nearest visible providers of a category (KNN on its partition of private.provider_category_points), '
  'after a cursor, within a radius, with a minimum rating; used by private.discovery_sql.';
revoke all on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.discovery_category_nearest(extensions.geography, double precision, uuid, numeric,
  double precision, uuid, integer) to anon, authenticated, service_role;
