-- Module: discovery (availability walk)
-- Nearby and map searches by distance with availability filters ("available now", an open slot
-- in a window): the category's walk of private.provider_category_points (only providers with
-- weekly hours, and accepting work for "available now"), tested a batch at a time with
-- private.providers_open_at / private.providers_with_open_slot. Used by
-- private.discovery_provider_rows (path 'open'). See docs/discovery.md.

------------------------------------------------------------------------------------------------
-- The nearest providers of a category that are open now or have an open slot in a window
------------------------------------------------------------------------------------------------
-- The first p_limit by (distance, id), after the cursor, within the radius (and the map bounds),
-- rated at least p_min_rating, and open at p_at (accepting work: private.providers_open_at)
-- and/or with an open slot in p_window (private.providers_with_open_slot), whichever are given,
-- and the rows that tie with the last by distance (the caller sorts by (distance, id)). One walk
-- of the category's partition (as in discovery_category_nearest; providers with weekly hours, with
-- p_at accepting work), read through a cursor in batches, each batch's availability tested in one call; the
-- batch doubles (from 2 * p_limit) until the page is full or the walk leaves the radius.
create or replace function private.discovery_open_nearest(
  p_point extensions.geography,
  p_radius double precision,
  p_category_id uuid,
  p_min_rating numeric,
  p_at timestamptz,
  p_window tstzrange,
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
  v_table text := private.category_partition('provider_category_points', p_category_id);
  v_walk refcursor;
  v_batch integer := greatest(p_limit, 1) * 2;
  v_id uuid;
  v_distance double precision;
  v_ids uuid[];
  v_distances double precision[];
  v_open uuid[];
  v_ended boolean := false;
  v_found integer := 0;
  v_last double precision;
  v_rows integer;
begin
  if p_at is null and p_window is null then
    raise exception 'discovery: open nearest needs p_at or p_window';
  end if;
  if p_south is not null then
    p_radius := private.bounds_radius(p_point, p_radius, p_south, p_west, p_north, p_east);
  end if;
  -- The walk: the partition's GiST index in distance order (KNN), after the cursor, kept open
  -- between batches.
  open v_walk for execute pg_catalog.format($q$
    select x.provider_id, x.location operator(extensions.<->) $1
      from private.%I x
     where x.location operator(extensions.&&) extensions._st_expand($1, $2)%s%s%s%s%s
     order by x.location operator(extensions.<->) $1$q$,
    v_table,
    case when p_at is not null then ' and x.has_hours and x.is_available' else ' and x.has_hours' end,
    case when v_table = 'provider_category_points_other' then ' and x.category_id = $3' else '' end,
    case when p_min_rating is not null then ' and x.rating_avg >= $4' else '' end,
    case when p_after_id is not null then ' and (x.location operator(extensions.<->) $1, x.provider_id) > ($5, $6)' else '' end,
    case when p_south is not null then ' and private.point_in_bounds(x.location, $7, $8, $9, $10)' else '' end)
    using p_point, p_radius, p_category_id, p_min_rating, p_after_distance, p_after_id, p_south, p_west, p_north, p_east;
  loop
    -- The next batch in distance order; once the page is full, only the rows that tie with its
    -- last distance.
    v_ids := '{}';
    v_distances := '{}';
    loop
      fetch v_walk into v_id, v_distance;
      if not found or v_distance > p_radius then
        v_ended := true;
        exit;
      end if;
      if v_found >= p_limit and v_distance > v_last then
        v_ended := true;
        exit;
      end if;
      v_ids := v_ids || v_id;
      v_distances := v_distances || v_distance;
      exit when pg_catalog.cardinality(v_ids) >= v_batch;
    end loop;
    if pg_catalog.cardinality(v_ids) > 0 then
      select pg_catalog.array_agg(u.id) into v_open
        from pg_catalog.unnest(v_ids) u(id)
       where (p_at is null or u.id in (select private.providers_open_at(v_ids, p_at)))
         and (p_window is null or u.id in (select private.providers_with_open_slot(v_ids, p_window)));
      -- The batch's open providers in walk order, up to the page size (then the ties).
      for v_id, v_distance in
        select u.id, u.distance
          from rows from (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_distances)) with ordinality as u(id, distance, i)
         where u.id = any (v_open)
         order by u.i
      loop
        exit when v_found >= p_limit and v_distance > v_last;
        provider_id := v_id;
        distance := v_distance;
        return next;
        v_found := v_found + 1;
        if v_found = p_limit then
          v_last := v_distance;
        end if;
      end loop;
    end if;
    exit when v_ended;
    v_batch := least(v_batch * 2, 1024);
  end loop;
  close v_walk;
end;
$$;
comment on function private.discovery_open_nearest(extensions.geography, double precision, uuid, numeric, timestamptz,
  tstzrange, double precision, uuid, integer, double precision, double precision, double precision, double precision) is
  'Discovery: the nearest providers of a category (null: all) open at p_at (accepting work) and/or with an open slot '
  'in p_window, after a cursor, within a radius (and map bounds), with a minimum rating; the candidates of the nearby '
  'and map searches with availability filters.';
revoke all on function private.discovery_open_nearest(extensions.geography, double precision, uuid, numeric, timestamptz,
  tstzrange, double precision, uuid, integer, double precision, double precision, double precision, double precision)
  from public, anon, authenticated, service_role;
grant execute on function private.discovery_open_nearest(extensions.geography, double precision, uuid, numeric, timestamptz,
  tstzrange, double precision, uuid, integer, double precision, double precision, double precision, double precision)
  to anon, authenticated, service_role;
