-- Module: discovery (RPCs)
-- Providers near a point, providers whose service area covers a point, providers and listings
-- inside map bounds (rows, or a server-side grid of counts), listings near a point.

------------------------------------------------------------------------------------------------
-- Public RPCs (SECURITY INVOKER; anon, authenticated and service_role). Each validates its
-- arguments (private.discovery_prepare) and runs the query of its shape (private.discovery_sql)
-- with the arguments bound, in one PL/pgSQL frame: this is the hot path of the app.
-- Function settings: no JIT (short index-driven queries: compiling would cost more than it saves)
-- and shortest-exact float output (cursor keys are floats written as JSON text and must
-- round-trip bit for bit, whatever the session says).
------------------------------------------------------------------------------------------------
create or replace function public.search_providers_nearby(
  p_lat double precision,
  p_lng double precision,
  p_radius_m double precision default 10000,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null,
  p_sort text default 'distance',
  p_after text default null,
  p_limit integer default 20
)
returns table (
  provider_id uuid, display_name text, business_name text, username text, avatar_path text,
  rating_avg numeric, rating_count integer, reputation_score numeric, completed_jobs integer, price_from bigint, hourly_rate bigint,
  currency text, is_available boolean, is_verified boolean, lat double precision, lng double precision,
  distance_m double precision, relevance double precision, cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
as $$
declare
  s private.discovery_search;
  v_path text;
begin
  s := private.discovery_prepare(
    'provider', 'near', p_lat, p_lng, p_radius_m, null, null, null, null, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 100);
  -- The app's usual searches: one static statement over the per-category table.
  v_path := private.discovery_path(s);
  if v_path is not null then
    return query select * from private.discovery_provider_rows(s, v_path);
    return;
  end if;
  return query execute private.discovery_sql(s)
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.search_providers_nearby(double precision, double precision, double precision, uuid, numeric,
  boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer) is
$$Providers whose base is within p_radius_m metres (0 < r <= 100000, default 10 km) of (p_lat, p_lng).
Filters: p_category_id (the category or any descendant among the provider's active listings), p_min_rating (0-5, on rating_avg),
p_available_now (accepting work, inside weekly hours in the provider's time zone, not on time off),
p_verified_only, p_min_price / p_max_price (price_from, minor units 0-1e9; providers without a price are left out),
p_open_from + p_open_to (weekly hours cover part of the window outside busy periods; at most 31 days).
p_sort: distance (default; nearest first), rating (best reputation_score first), price (cheapest first; no price last)
or relevance: 0.45 * max(0, 1 - distance_m / radius) + 0.35 * reputation_score / 5 + 0.10 * is_available + 0.10 * is_verified;
ties by distance, then id. reputation_score is the Bayesian average (C * m + rating_sum) / (C + rating_count) (settings
reputation.prior_mean m = 3.5, reputation.prior_weight C = 5).
distance_m is great-circle metres on the mean-radius sphere. Page with p_limit (1-100, default 20) and
p_after = the cursor of the last row. Security invoker (row level security applies).
Errors: HL200 latitude, HL201 longitude, HL252 radius, HL253 prices, HL208/HL209 category, HL255 rating,
HL256 page size, HL007 cursor, HL258 sort, HL259 time window.$$;

create or replace function public.search_providers_covering(
  p_lat double precision,
  p_lng double precision,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null,
  p_sort text default 'distance',
  p_after text default null,
  p_limit integer default 20
)
returns table (
  provider_id uuid, display_name text, business_name text, username text, avatar_path text,
  rating_avg numeric, rating_count integer, reputation_score numeric, completed_jobs integer, price_from bigint, hourly_rate bigint,
  currency text, is_available boolean, is_verified boolean, lat double precision, lng double precision,
  distance_m double precision, relevance double precision, cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
as $$
declare
  s private.discovery_search;
  v_path text;
begin
  s := private.discovery_prepare(
    'provider', 'covering', p_lat, p_lng, null, null, null, null, null, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 100);
  -- Sorted by rating or price: the coverage cells (private.discovery_covering_ranked).
  v_path := private.discovery_path(s);
  if v_path is not null then
    return query select * from private.discovery_provider_rows(s, v_path);
    return;
  end if;
  return query execute private.discovery_sql(s)
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.search_providers_covering(double precision, double precision, uuid, numeric,
  boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer) is
$$Providers who serve the customer's location: their service area (drawn area, else service_radius_m around their
base) covers (p_lat, p_lng). distance_m is from the provider's base to the point. Same filters, sorts, paging and
errors as search_providers_nearby (no radius; relevance normalises distance by 25 km). Security invoker.$$;

create or replace function public.search_providers_in_bounds(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null,
  p_sort text default 'distance',
  p_after text default null,
  p_limit integer default 200
)
returns table (
  provider_id uuid, display_name text, business_name text, username text, avatar_path text,
  rating_avg numeric, rating_count integer, reputation_score numeric, completed_jobs integer, price_from bigint, hourly_rate bigint,
  currency text, is_available boolean, is_verified boolean, lat double precision, lng double precision,
  distance_m double precision, relevance double precision, cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
as $$
declare
  s private.discovery_search;
  v_path text;
begin
  s := private.discovery_prepare(
    'provider', 'bounds', null, null, null, p_south, p_west, p_north, p_east, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 500);
  -- A category by distance from the centre: the category's own spatial index, bounded by the map.
  v_path := private.discovery_path(s);
  if v_path is not null then
    return query select * from private.discovery_provider_rows(s, v_path);
    return;
  end if;
  return query execute private.discovery_sql(s)
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.search_providers_in_bounds(double precision, double precision, double precision, double precision,
  uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer) is
$$Providers whose base lies inside the map bounds (degrees; south < north, west < east; at most 100 km x 100 km,
else HL261; HL260 for inverted bounds). Rows carry lat/lng for client-side clustering. Capped: p_limit 1-500
(default 200) per page, nearest to the centre of the bounds first by default (distance_m is from the centre);
page with p_after. Same filters, sorts and errors as search_providers_nearby; relevance normalises distance by
the half-diagonal of the bounds. For a grid of counts use cluster_providers_in_bounds. Security invoker.$$;

create or replace function public.cluster_providers_in_bounds(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_grid_size integer default 8,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null
)
returns table (
  cell_row integer, cell_col integer, provider_count integer, lat double precision, lng double precision,
  cell_south double precision, cell_west double precision, cell_north double precision, cell_east double precision,
  provider_id uuid, min_price bigint)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
-- Counting cells: PostgreSQL estimates one group per point and would sort every point of the
-- area (up to a million) rather than hash a few dozen cells.
set enable_sort = off
as $$
declare
  s private.discovery_search;
  v_level integer;
begin
  if p_grid_size is null or not (p_grid_size between 1 and 32) then
    perform private.raise_error('HL262', pg_catalog.format('grid size %s', coalesce(p_grid_size::text, 'null')));
  end if;
  s := private.discovery_prepare(
    'provider', 'bounds', null, null, null, p_south, p_west, p_north, p_east, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, 'distance', null, p_grid_size, 32);
  -- All providers or a category, on a grid whose cells hold at least 6 x 6 of the finest tiles:
  -- the pre-aggregated tiles (private.provider_tiles), a few thousand rows whatever the density.
  v_level := private.discovery_tile_level(p_south, p_west, p_north, p_east, p_grid_size);
  if v_level is not null and s.filters operator(pg_catalog.<@) array['category']::text[] then
    return query
    select t.cell_row, t.cell_col, t.provider_count, t.lat, t.lng,
           p_south + t.cell_row * (p_north - p_south) / p_grid_size,
           p_west + t.cell_col * (p_east - p_west) / p_grid_size,
           p_south + (t.cell_row + 1) * (p_north - p_south) / p_grid_size,
           p_west + (t.cell_col + 1) * (p_east - p_west) / p_grid_size,
           t.provider_id, t.min_price
      from private.discovery_tile_clusters(p_south, p_west, p_north, p_east, p_grid_size, s.category_id, v_level) t;
    return;
  end if;
  return query execute private.discovery_sql(s, 'cluster')
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.cluster_providers_in_bounds(double precision, double precision, double precision, double precision,
  integer, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz) is
$$Server-side clustering for a map: splits the bounds into p_grid_size x p_grid_size cells (1-32, default 8; HL262)
and returns the non-empty cells with provider_count, the mean position of their providers (where to draw the
cluster), the cell bounds (to zoom into) and min_price; provider_id is set when a cell holds a single provider.
Counts are exact with filters other than a category, or when the cells are small (under ~0.9 km for the finest
tiles); otherwise they come from pre-aggregated map tiles of at most a sixth of a cell, each tile's providers
counted in the cell of their mean position (a tile across a cell edge counts on one side; the benchmark measures
the share). Same bounds rules (HL260, HL261) and filters as search_providers_in_bounds. Security invoker.$$;

create or replace function public.search_listings_nearby(
  p_lat double precision,
  p_lng double precision,
  p_radius_m double precision default 10000,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null,
  p_sort text default 'distance',
  p_after text default null,
  p_limit integer default 20
)
returns table (
  listing_id uuid, provider_id uuid, title text, category_id uuid, pricing_unit text, base_price bigint,
  currency text, duration_minutes integer, cover_image_path text, provider_display_name text,
  provider_avatar_path text, rating_avg numeric, rating_count integer, reputation_score numeric, is_available boolean, is_verified boolean,
  lat double precision, lng double precision, distance_m double precision, relevance double precision, cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
as $$
declare
  s private.discovery_search;
begin
  s := private.discovery_prepare(
    'listing', 'near', p_lat, p_lng, p_radius_m, null, null, null, null, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 100);
  -- By distance: the nearest providers of the category bring their listings (one static statement).
  if private.discovery_path(s) = 'listings' then
    return query select * from private.discovery_listing_rows(s);
    return;
  end if;
  return query execute private.discovery_sql(s)
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.search_listings_nearby(double precision, double precision, double precision, uuid, numeric,
  boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer) is
$$Active service listings whose provider's base is within p_radius_m metres (0 < r <= 100000, default 10 km) of
(p_lat, p_lng). p_category_id matches the listing's category or any descendant; p_min_price / p_max_price apply to
base_price (minor units; "quote" listings are left out when a price filter is set); rating, availability,
verification and time-window filters apply to the provider. Sorts, relevance formula, paging (1-100, default 20)
and errors as search_providers_nearby; price sorts by base_price (quotes last). Security invoker.$$;

create or replace function public.search_listings_in_bounds(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null,
  p_sort text default 'distance',
  p_after text default null,
  p_limit integer default 200
)
returns table (
  listing_id uuid, provider_id uuid, title text, category_id uuid, pricing_unit text, base_price bigint,
  currency text, duration_minutes integer, cover_image_path text, provider_display_name text,
  provider_avatar_path text, rating_avg numeric, rating_count integer, reputation_score numeric, is_available boolean, is_verified boolean,
  lat double precision, lng double precision, distance_m double precision, relevance double precision, cursor text)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
as $$
declare
  s private.discovery_search;
begin
  s := private.discovery_prepare(
    'listing', 'bounds', null, null, null, p_south, p_west, p_north, p_east, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 500);
  return query execute private.discovery_sql(s)
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.search_listings_in_bounds(double precision, double precision, double precision, double precision,
  uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer) is
$$Active service listings inside the map bounds (rules as search_providers_in_bounds: at most 100 km x 100 km,
p_limit 1-500, default 200, nearest to the centre first by default, lat/lng for client-side clustering).
Filters and sorts as search_listings_nearby. For a grid of counts use cluster_listings_in_bounds. Security invoker.$$;

create or replace function public.cluster_listings_in_bounds(
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_grid_size integer default 8,
  p_category_id uuid default null,
  p_min_rating numeric default null,
  p_available_now boolean default false,
  p_verified_only boolean default false,
  p_min_price numeric default null,
  p_max_price numeric default null,
  p_open_from timestamptz default null,
  p_open_to timestamptz default null
)
returns table (
  cell_row integer, cell_col integer, listing_count integer, lat double precision, lng double precision,
  cell_south double precision, cell_west double precision, cell_north double precision, cell_east double precision,
  listing_id uuid, min_price bigint)
language plpgsql
stable
parallel safe
set search_path = ''
set jit = off
set extra_float_digits = 1
-- Counting cells: PostgreSQL estimates one group per point and would sort every point of the
-- area (up to a million) rather than hash a few dozen cells.
set enable_sort = off
as $$
declare
  s private.discovery_search;
begin
  if p_grid_size is null or not (p_grid_size between 1 and 32) then
    perform private.raise_error('HL262', pg_catalog.format('grid size %s', coalesce(p_grid_size::text, 'null')));
  end if;
  s := private.discovery_prepare(
    'listing', 'bounds', null, null, null, p_south, p_west, p_north, p_east, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, 'distance', null, p_grid_size, 32);
  return query execute private.discovery_sql(s, 'cluster')
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.cluster_listings_in_bounds(double precision, double precision, double precision, double precision,
  integer, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz) is
$$Grid clustering of active listings inside the map bounds, as cluster_providers_in_bounds (listing_count per
non-empty cell, mean position, cell bounds, min_price; listing_id when a cell holds one listing). Security invoker.$$;

revoke all on function
  public.search_providers_nearby(double precision, double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.search_providers_covering(double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.search_providers_in_bounds(double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.cluster_providers_in_bounds(double precision, double precision, double precision, double precision, integer, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz),
  public.search_listings_nearby(double precision, double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.search_listings_in_bounds(double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.cluster_listings_in_bounds(double precision, double precision, double precision, double precision, integer, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function
  public.search_providers_nearby(double precision, double precision, double precision, uuid, numeric,
    boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.search_providers_covering(double precision, double precision, uuid, numeric,
    boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.search_providers_in_bounds(double precision, double precision, double precision, double precision,
    uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.cluster_providers_in_bounds(double precision, double precision, double precision, double precision,
    integer, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz),
  public.search_listings_nearby(double precision, double precision, double precision, uuid, numeric,
    boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.search_listings_in_bounds(double precision, double precision, double precision, double precision,
    uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer),
  public.cluster_listings_in_bounds(double precision, double precision, double precision, double precision,
    integer, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz)
  to anon, authenticated, service_role;
