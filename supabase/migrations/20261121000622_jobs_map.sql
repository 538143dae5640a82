-- Module: jobs (the job board on a map)
-- Open jobs inside map bounds for a provider, with the filters of list_open_jobs_near_me and the
-- same fuzzed points (the board's query: private.open_jobs_page), nearest to the centre of the
-- bounds first, keyset pages; and a grid of counts for zoomed-out maps.

-- Map bounds, checked as the board checks its searches (HL324): inside the world, south < north and
-- west < east, at most 100 km a side. Returns the centre and the radius around it that holds them.
create or replace function private.check_job_bounds(
  p_south double precision, p_west double precision, p_north double precision, p_east double precision,
  out centre extensions.geography, out radius double precision)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_south is null or p_west is null or p_north is null or p_east is null then
    perform private.raise_error('HL324', 'give p_south, p_west, p_north and p_east (degrees)');
  end if;
  centre := private.make_point((p_south + p_north) / 2, (p_west + p_east) / 2);
  perform private.make_point(p_south, p_west);
  perform private.make_point(p_north, p_east);
  if p_south >= p_north or p_west >= p_east then
    perform private.raise_error('HL324', 'bounds need south < north and west < east (split a view across the antimeridian in two)');
  end if;
  radius := greatest(
    extensions.st_distance(centre, extensions.st_setsrid(extensions.st_makepoint(p_west, p_south), 4326)::extensions.geography, false),
    extensions.st_distance(centre, extensions.st_setsrid(extensions.st_makepoint(p_east, p_south), 4326)::extensions.geography, false),
    extensions.st_distance(centre, extensions.st_setsrid(extensions.st_makepoint(p_west, p_north), 4326)::extensions.geography, false),
    extensions.st_distance(centre, extensions.st_setsrid(extensions.st_makepoint(p_east, p_north), 4326)::extensions.geography, false))
    * 1.01;
  if radius > 71000 then
    perform private.raise_error('HL324', 'bounds are limited to about 100 km x 100 km: zoom in');
  end if;
end;
$$;
comment on function private.check_job_bounds(double precision, double precision, double precision, double precision) is
  'Checks map bounds for the job board (HL324, HL200/HL201); returns their centre and the radius that holds them.';
revoke all on function private.check_job_bounds(double precision, double precision, double precision, double precision)
  from public, anon, authenticated, service_role;

create or replace function public.list_open_jobs_in_bounds(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_category_id uuid default null,
  p_min_budget bigint default null,
  p_max_budget bigint default null,
  p_currency text default null,
  p_asap_only boolean default false,
  p_window_start timestamptz default null,
  p_window_end timestamptz default null,
  p_my_categories_only boolean default false,
  p_limit integer default 50,
  p_cursor text default null
)
returns setof public.open_job
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_provider public.provider_profiles;
  v_b record;
  v_f record;
begin
  v_provider := private.require_provider(v_uid);
  select * into v_b from private.check_job_bounds(p_south, p_west, p_north, p_east);
  select * into v_f from private.check_open_jobs_filters(p_min_budget, p_max_budget, p_window_start, p_window_end, p_limit, p_cursor);
  return query
  select * from private.open_jobs_page(v_uid, v_provider.category_ids, v_b.centre, v_b.radius, p_south, p_west, p_north, p_east,
                                       p_category_id, p_min_budget, p_max_budget, p_currency, p_asap_only, v_f.window_filter,
                                       p_my_categories_only, v_f.after_distance, v_f.after_id, p_limit);
end;
$$;
comment on function public.list_open_jobs_in_bounds(double precision, double precision, double precision, double precision, uuid,
  bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) is
  'Open jobs whose public (fuzzed) point lies inside the map bounds (degrees; south < north, west < east, at most ~100 km a side), '
  'for the calling provider, with the filters of list_open_jobs_near_me; nearest to the centre of the bounds first (distance_m '
  'from the centre); p_limit 1-100 (default 50), keyset pages with the last row''s cursor. Errors: HL106 not a provider, '
  'HL324 bounds or parameters, HL200/HL201, HL007 cursor.';
revoke all on function public.list_open_jobs_in_bounds(double precision, double precision, double precision, double precision, uuid,
  bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.list_open_jobs_in_bounds(double precision, double precision, double precision, double precision, uuid,
  bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) to authenticated;

create or replace function public.cluster_open_jobs_in_bounds(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_grid_size integer default 8,
  p_category_id uuid default null,
  p_min_budget bigint default null,
  p_max_budget bigint default null,
  p_currency text default null,
  p_asap_only boolean default false,
  p_window_start timestamptz default null,
  p_window_end timestamptz default null,
  p_my_categories_only boolean default false
)
returns table (
  cell_row integer, cell_col integer, job_count integer, lat double precision, lng double precision,
  cell_south double precision, cell_west double precision, cell_north double precision, cell_east double precision,
  job_id uuid, max_budget bigint, currency char(3))
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_provider public.provider_profiles;
  v_b record;
  v_f record;
begin
  v_provider := private.require_provider(v_uid);
  if p_grid_size is null or not (p_grid_size between 1 and 32) then
    perform private.raise_error('HL324', 'grid_size must be between 1 and 32');
  end if;
  select * into v_b from private.check_job_bounds(p_south, p_west, p_north, p_east);
  select * into v_f from private.check_open_jobs_filters(p_min_budget, p_max_budget, p_window_start, p_window_end, 1, null);
  -- Every open job of the bounds (open jobs number thousands in a city, not millions), counted
  -- exactly per cell.
  return query
  select c.r, c.c, pg_catalog.count(*)::integer, pg_catalog.avg(c.lat), pg_catalog.avg(c.lng),
         p_south + c.r * (p_north - p_south) / p_grid_size, p_west + c.c * (p_east - p_west) / p_grid_size,
         p_south + (c.r + 1) * (p_north - p_south) / p_grid_size, p_west + (c.c + 1) * (p_east - p_west) / p_grid_size,
         case when pg_catalog.count(*) = 1 then (pg_catalog.array_agg(c.id))[1] end,
         -- Budgets compare only within one currency.
         case when pg_catalog.count(distinct c.currency) = 1 then pg_catalog.max(c.budget_max) end,
         case when pg_catalog.count(distinct c.currency) = 1 then pg_catalog.min(c.currency) end
    from (select j.id, j.lat, j.lng, j.budget_max, j.currency,
                 least(pg_catalog.floor((j.lat - p_south) / (p_north - p_south) * p_grid_size)::integer, p_grid_size - 1) as r,
                 least(pg_catalog.floor((j.lng - p_west) / (p_east - p_west) * p_grid_size)::integer, p_grid_size - 1) as c
            from private.open_jobs_page(v_uid, v_provider.category_ids, v_b.centre, v_b.radius, p_south, p_west, p_north, p_east,
                                        p_category_id, p_min_budget, p_max_budget, p_currency, p_asap_only, v_f.window_filter,
                                        p_my_categories_only, null, null, null) j) c
   group by c.r, c.c
   order by c.r, c.c;
end;
$$;
comment on function public.cluster_open_jobs_in_bounds(double precision, double precision, double precision, double precision, integer,
  uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean) is
  'The open jobs of list_open_jobs_in_bounds (same bounds, filters and fuzzed points) counted on a p_grid_size x p_grid_size grid '
  '(1-32, default 8): the non-empty cells with job_count, the mean position of their jobs, the cell bounds, the highest budget '
  'and its currency (null when the cell mixes currencies; filter with p_currency), '
  'and job_id when a cell holds one job. Exact counts. Errors: HL106, HL324, HL200/HL201.';
revoke all on function public.cluster_open_jobs_in_bounds(double precision, double precision, double precision, double precision, integer,
  uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean) from public, anon, authenticated, service_role;
grant execute on function public.cluster_open_jobs_in_bounds(double precision, double precision, double precision, double precision, integer,
  uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean) to authenticated;
