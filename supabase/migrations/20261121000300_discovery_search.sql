-- Module: discovery (validation and filters)
-- Geodiscovery RPCs over the catalog: providers near a point, providers whose service area covers
-- a point, providers and listings inside map bounds (rows for client-side clustering, or a
-- server-side grid of counts), listings near a point.
--
-- Design (see docs/discovery.md):
-- * Every RPC is SECURITY INVOKER: row level security of provider_profiles, profiles,
--   service_listings, categories and availability_rules applies to the caller exactly as a table
--   read would (the benchmark measures that overhead). Only what a search needs is exposed past
--   RLS: the catalog's private.provider_busy_periods (busy *ranges*, never reasons, security
--   definer) and closed accounts (provider_profiles.deleted_at), which searches leave out for every
--   role. The indexes the searches rely on, and the registry of the time zones providers use, are
--   the catalog's (catalog_tables, catalog_derived).
-- * Validation lives in one place, private.discovery_prepare (lat/lng through
--   private.discovery_point), and raises registered HL25x errors: never a silent clamp.
-- * The SQL each search runs is produced by private.discovery_sql from the active filters only
--   (no `$n is null or ...` branches), and executed with its arguments bound, so every call is
--   planned for its actual values: KNN (`<->`) index order for distance sorts, `&&` index
--   conditions (with good selectivity estimates) for the area. The pgTAP plan checks EXPLAIN
--   exactly this text. Planning costs a fraction of a millisecond; the functions set
--   search_path (advisor lint), so SQL functions could not be inlined anyway.
-- * Listings are reached through their provider's base_location (a listing's location is its
--   provider's base by construction): service_listings' RLS policy is not trivially true and
--   PostGIS operators are not LEAKPROOF, so under that policy PostgreSQL cannot use them as index
--   conditions on service_listings itself.
-- * Distances are great-circle metres on the mean-radius sphere (what the geography KNN
--   operator `<->` computes; within 0.5% of the WGS84 ellipsoid), so distance_m, the radius
--   filter and the sort order agree exactly.
-- * Pagination is keyset: every row carries `cursor` (opaque base64url text with the sort key,
--   the id and a fingerprint of the search); pass the last row's cursor as p_after.

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL200-HL299).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL252', 'invalid_search_radius', 400, 'The search radius must be more than 0 and at most 100000 metres.',
   'Send p_radius_m in metres, e.g. 5000 for 5 km.'),
  ('HL253', 'invalid_price_range', 400,
   'Prices are whole minor units from 0 to 1000000000, and the minimum cannot exceed the maximum.',
   'Send p_min_price / p_max_price in minor units (fils, cents), e.g. 15000 for 150.00 AED.'),
  ('HL255', 'invalid_min_rating', 400, 'The minimum rating must be between 0 and 5.',
   'Send p_min_rating as a number such as 4 or 4.5.'),
  ('HL256', 'invalid_page_size', 400, 'The page size must be between 1 and the maximum of this search.',
   'Nearby searches return at most 100 rows per page, map-bounds searches at most 500; page with p_after.'),
  ('HL258', 'invalid_sort', 400, 'Unknown sort order.',
   'Use one of: distance, rating, price, relevance.'),
  ('HL259', 'invalid_availability_window', 400,
   'The availability window needs both ends, a start before its end, an end in the future and a span of at most 31 days.',
   'Send p_open_from and p_open_to as ISO 8601 timestamps with a time zone.'),
  ('HL260', 'invalid_bounds', 400, 'The map bounds are invalid: south must be below north and west left of east.',
   'Send p_south, p_west, p_north, p_east in degrees; split a box that crosses the antimeridian in two.'),
  ('HL261', 'bounds_too_large', 400, 'The map area is too large; zoom in.',
   'Map-bounds searches cover at most 100 km from south to north and from west to east.'),
  ('HL262', 'invalid_grid_size', 400, 'The cluster grid must have between 1 and 32 cells per side.',
   'Send p_grid_size, e.g. 8 for an 8 x 8 grid over the visible map.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Availability predicates used as search filters.
------------------------------------------------------------------------------------------------
-- Each takes a batch of providers and returns those that pass: the searches test their candidates
-- a batch at a time (one call per batch; a function call per row cost about 0.2 ms at 1M providers).
create or replace function private.providers_open_at(p_provider_ids uuid[], p_at timestamptz)
returns setof uuid
language sql
stable
parallel safe
set search_path = ''
as $$
  select pp.id
    from public.provider_profiles pp
   where pp.id = any (p_provider_ids)
     and exists (
           select 1
             from public.availability_rules r
            where r.provider_id = pp.id
              and r.weekday = extract(dow from (p_at at time zone pp.timezone))::smallint
              and r.start_time <= (p_at at time zone pp.timezone)::time
              and (p_at at time zone pp.timezone)::time < r.end_time)
     and not exists (
           select 1 from private.provider_busy_periods(pp.id, pg_catalog.tstzrange(p_at, p_at, '[]')));
$$;
comment on function private.providers_open_at(uuid[], timestamptz) is
  'Those of the providers that an availability rule (in the provider''s time zone) keeps open at p_at and no busy period covers then.';

create or replace function private.providers_with_open_slot(p_provider_ids uuid[], p_window tstzrange)
returns setof uuid
language sql
stable
parallel safe
set search_path = ''
as $$
  select pp.id
    from public.provider_profiles pp
   cross join lateral (
         select pg_catalog.range_agg(
                  pg_catalog.tstzrange((d.day + r.start_time) at time zone pp.timezone,
                                       (d.day + r.end_time) at time zone pp.timezone, '[)') * p_window) as hours
           from (select (pg_catalog.lower(p_window) at time zone pp.timezone)::date - 1 + k as day
                   from pg_catalog.generate_series(0, (pg_catalog.upper(p_window) at time zone pp.timezone)::date
                                                      - (pg_catalog.lower(p_window) at time zone pp.timezone)::date + 1) as k) as d
           join public.availability_rules r
             on r.provider_id = pp.id
            and r.weekday = extract(dow from d.day)::smallint) o
   cross join lateral (
         select pg_catalog.range_agg(b.period) as periods
           from private.provider_busy_periods(pp.id, p_window) as b(period)) b
   where pp.id = any (p_provider_ids)
     and coalesce(not pg_catalog.isempty(o.hours - coalesce(b.periods, '{}'::tstzmultirange)), false);
$$;
comment on function private.providers_with_open_slot(uuid[], tstzrange) is
  'Those of the providers whose weekly hours (in the provider''s time zone) cover some part of p_window outside their busy periods.';

revoke all on function
  private.providers_open_at(uuid[], timestamptz),
  private.providers_with_open_slot(uuid[], tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.providers_open_at(uuid[], timestamptz),
                          private.providers_with_open_slot(uuid[], tstzrange)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Closed accounts never show up in searches, for any role: every search filters on
-- provider_profiles.deleted_at (kept in step with profiles.deleted_at by the catalog), a column
-- of the row it already reads, and joins profiles only for the rows it returns. Providers hidden
-- by moderation (suspended or hidden accounts: provider_profiles.hidden_at, kept by the trust
-- module) and listings hidden by moderation (service_listings.hidden_at) are left out the same way.
------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('discovery.covering_probe', '500',
   'Covering searches: when at least this many service areas reach the point (a bounded probe of the coverage index), '
   'the searches walk the bases by distance or read the coverage cells; below it they read just those areas.');

------------------------------------------------------------------------------------------------
-- Validation: one place for every search argument.
------------------------------------------------------------------------------------------------
create or replace function private.discovery_point(p_lat double precision, p_lng double precision)
returns extensions.geography
language plpgsql
stable
parallel safe
set search_path = ''
as $$
begin
  -- NaN compares above every number in PostgreSQL, so it fails these checks too.
  if p_lat is null or not (p_lat between -90 and 90) then
    perform private.raise_error('HL200', pg_catalog.format('latitude %s is outside -90..90', coalesce(p_lat::text, 'null')));
  end if;
  if p_lng is null or not (p_lng between -180 and 180) then
    perform private.raise_error('HL201', pg_catalog.format('longitude %s is outside -180..180', coalesce(p_lng::text, 'null')));
  end if;
  return extensions.st_setsrid(extensions.st_makepoint(p_lng, p_lat), 4326)::extensions.geography;
end;
$$;
comment on function private.discovery_point(double precision, double precision) is
  'Validated WGS84 point from latitude/longitude (HL200, HL201). The one place discovery checks coordinates.';

-- What a validated search carries into private.discovery_sql's parameters ($1..$20).
create type private.discovery_search as (
  entity text,               -- provider | listing
  area text,                 -- near | covering | bounds
  sort text,                 -- distance | rating | price | relevance
  filters text[],            -- active optional filters
  point extensions.geography,-- $1  search point, or the centre of the bounds
  scale double precision,    -- $2  radius (near), half-diagonal (bounds), 25 km (covering)
  box extensions.geography,  -- $3  index pre-filter: the radius box (near), the bounds widened a
                             --     little (bounds), 100 km around the point (covering)
  south double precision,    -- $4
  west double precision,     -- $5
  north double precision,    -- $6
  east double precision,     -- $7
  category_id uuid,          -- $8
  category_ids uuid[],       -- $9  the category and its descendants (listings)
  min_rating numeric,        -- $10
  min_price bigint,          -- $11
  max_price bigint,          -- $12
  at timestamptz,            -- $13 "now" for available-now
  slot_window tstzrange,     -- $14
  after_k1 double precision, -- $15
  after_k2 double precision, -- $16
  after_id uuid,             -- $17
  row_limit integer,         -- $18 page size, or grid cells per side
  fingerprint text,          -- $20 ($19 is sort)
  open_now_rules text,       -- SQL condition on availability_rules r: rules that may cover "now"
  open_window_rules text,    -- SQL condition on availability_rules r: rules that may meet the window
  covered_by_many boolean    -- covering: at least discovery.covering_probe service areas reach the point
);
comment on type private.discovery_search is 'A validated discovery search: what private.discovery_prepare returns and the RPCs bind to the query of private.discovery_sql.';

-- The keyset cursor of a row: 2_<sort>_<search fingerprint>_<key1>_<key2>_<id>, the keys as
-- shortest exact float text ('+' of exponents dropped: URL-safe; every discovery RPC runs with
-- extra_float_digits = 1, so they round-trip bit for bit), key2 empty when null. The page
-- queries write it inline (private.discovery_provider_rows, private.discovery_listing_rows,
-- private.discovery_sql): a function call per row costs more than the rest of the row.
create or replace function private.discovery_cursor_decode(
  p_cursor text, p_sort text, p_fingerprint text,
  out k1 double precision, out k2 double precision, out id uuid)
language plpgsql
stable
parallel safe
set search_path = ''
as $$
declare
  v_parts text[];
  v_problem text;
begin
  begin
    v_parts := pg_catalog.string_to_array(p_cursor, '_');
    if pg_catalog.cardinality(v_parts) <> 6 or v_parts[1] <> '2' then
      v_problem := 'not a discovery cursor';
    elsif v_parts[2] is distinct from p_sort then
      v_problem := pg_catalog.format('the cursor belongs to a search sorted by %s', v_parts[2]);
    elsif v_parts[3] is distinct from p_fingerprint then
      v_problem := 'the cursor belongs to a search with other parameters';
    else
      k1 := nullif(v_parts[4], '')::double precision;
      k2 := nullif(v_parts[5], '')::double precision;
      id := nullif(v_parts[6], '')::uuid;
      if k1 is null or id is null or k1 = 'NaN' or abs(k1) = 'Infinity' or k2 = 'NaN' or abs(k2) = 'Infinity' then
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
comment on function private.discovery_cursor_decode(text, text, text) is
  'Decodes a keyset cursor (2_<sort>_<search fingerprint>_<key1>_<key2>_<id>, written by the page queries) for this sort and search; HL007 otherwise.';

create or replace function private.discovery_prepare(
  p_entity text,
  p_area text,
  p_lat double precision,
  p_lng double precision,
  p_radius_m double precision,
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_category_id uuid,
  p_min_rating numeric,
  p_available_now boolean,
  p_verified_only boolean,
  p_min_price numeric,
  p_max_price numeric,
  p_open_from timestamptz,
  p_open_to timestamptz,
  p_sort text,
  p_after text,
  p_limit integer,
  p_max_limit integer
)
returns private.discovery_search
language plpgsql
stable
parallel safe
set search_path = ''
as $$
declare
  s private.discovery_search;
  v_earth_m constant double precision := 6371008.8;   -- mean radius, as the geography sphere
  v_m_per_deg constant double precision := 6371008.8 * pi() / 180;
  v_height_m double precision;
  v_width_m double precision;
  v_margin double precision;
  v_probe integer;
  v_cursor record;
  v_active boolean;
begin
  s.entity := p_entity;
  s.area := p_area;
  s.filters := '{}';
  s.at := private.now();

  -- Where.
  if p_area in ('near', 'covering') then
    s.point := private.discovery_point(p_lat, p_lng);
    if p_area = 'near' then
      if p_radius_m is null or not (p_radius_m > 0 and p_radius_m <= 100000) then
        perform private.raise_error('HL252', pg_catalog.format('radius %s m', coalesce(p_radius_m::text, 'null')));
      end if;
      s.scale := p_radius_m;
      -- The box ST_DWithin's index support uses: every point within the radius is inside it.
      s.box := extensions._st_expand(s.point, p_radius_m);
    else
      s.scale := 25000;
      -- Radius-based areas reach at most 100 km from the base.
      s.box := extensions._st_expand(s.point, 100000);
      -- How to find the nearest providers who cover the point depends on how many areas reach it,
      -- which the planner cannot estimate (PostGIS estimates a point inside polygons at ~1 row):
      -- many (a city centre) -> walk the bases by distance until the page is full; few (the edge
      -- of town) -> read just those areas through the coverage index. A bounded probe decides.
      v_probe := (private.setting('discovery.covering_probe'))::integer;
      select count(*) >= v_probe into s.covered_by_many
        from (select 1 from public.provider_profiles p
               where p.coverage operator(extensions.&&) s.point limit v_probe) as probe;
    end if;
  elsif p_area = 'bounds' then
    perform private.discovery_point(p_south, p_west);
    perform private.discovery_point(p_north, p_east);
    if not (p_south < p_north) or not (p_west < p_east) then
      perform private.raise_error('HL260',
        pg_catalog.format('south %s, west %s, north %s, east %s', p_south, p_west, p_north, p_east));
    end if;
    v_height_m := (p_north - p_south) * v_m_per_deg;
    -- Width along the parallel closest to the equator (the widest one).
    v_width_m := (p_east - p_west) * v_m_per_deg
      * cos(radians(case when p_south <= 0 and p_north >= 0 then 0 else least(abs(p_south), abs(p_north)) end));
    if v_height_m > 100000 or v_width_m > 100000 then
      perform private.raise_error('HL261',
        pg_catalog.format('the box is %s km x %s km', round((v_height_m / 1000)::numeric, 1), round((v_width_m / 1000)::numeric, 1)));
    end if;
    s.south := p_south;
    s.west := p_west;
    s.north := p_north;
    s.east := p_east;
    s.point := extensions.st_setsrid(extensions.st_makepoint((p_west + p_east) / 2, (p_south + p_north) / 2), 4326)::extensions.geography;
    s.scale := greatest(extensions.st_distance(s.point,
      extensions.st_setsrid(extensions.st_makepoint(p_east, p_north), 4326)::extensions.geography, false), 1);
    -- Geography edges are great circles: widen the box a little for the index pre-filter; the
    -- exact latitude/longitude test follows in the query.
    v_margin := 0.01 + 0.01 * greatest(p_north - p_south, p_east - p_west);
    s.box := extensions.st_makeenvelope(greatest(p_west - v_margin, -180), greatest(p_south - v_margin, -90),
                                        least(p_east + v_margin, 180), least(p_north + v_margin, 90), 4326)::extensions.geography;
  else
    raise exception 'discovery: unknown area %', p_area;
  end if;

  -- What.
  if p_category_id is not null then
    -- One statement: the category (HL208 unknown, HL209 inactive) and its active subtree.
    select c.is_active, array(select d.id from public.categories d where d.path_ids @> array[p_category_id] and d.is_active)
      into v_active, s.category_ids
      from public.categories c where c.id = p_category_id;
    if not found then
      perform private.raise_error('HL208', pg_catalog.format('category %s', p_category_id));
    end if;
    if not v_active then
      perform private.raise_error('HL209', pg_catalog.format('category %s', p_category_id));
    end if;
    s.category_id := p_category_id;
    s.filters := s.filters || 'category'::text;
  end if;

  if p_min_rating is not null then
    if not (p_min_rating between 0 and 5) then
      perform private.raise_error('HL255', pg_catalog.format('minimum rating %s', p_min_rating));
    end if;
    if p_min_rating > 0 then
      s.min_rating := p_min_rating;
      s.filters := s.filters || 'min_rating'::text;
    end if;
  end if;

  if p_min_price is not null and (not (p_min_price between 0 and 1000000000) or p_min_price <> trunc(p_min_price)) then
    perform private.raise_error('HL253', pg_catalog.format('minimum price %s', p_min_price));
  end if;
  if p_max_price is not null and (not (p_max_price between 0 and 1000000000) or p_max_price <> trunc(p_max_price)) then
    perform private.raise_error('HL253', pg_catalog.format('maximum price %s', p_max_price));
  end if;
  if p_min_price > p_max_price then
    perform private.raise_error('HL253', pg_catalog.format('minimum price %s is above maximum price %s', p_min_price, p_max_price));
  end if;
  if p_min_price is not null then
    s.min_price := p_min_price::bigint;
    s.filters := s.filters || 'min_price'::text;
  end if;
  if p_max_price is not null then
    s.max_price := p_max_price::bigint;
    s.filters := s.filters || 'max_price'::text;
  end if;

  if coalesce(p_verified_only, false) then
    s.filters := s.filters || 'verified'::text;
  end if;
  if coalesce(p_available_now, false) then
    s.filters := s.filters || 'available_now'::text;
    -- Rules that cover "now" in some provider time zone (a superset, checked exactly later).
    select coalesce(pg_catalog.string_agg(distinct pg_catalog.format(
             '(r.weekday = %s and r.start_time <= %L::time and r.end_time > %L::time)',
             extract(dow from s.at at time zone z.time_zone)::int,
             (s.at at time zone z.time_zone)::time, (s.at at time zone z.time_zone)::time), ' or '), 'false')
      into s.open_now_rules
      from private.provider_time_zones z;
  end if;

  if p_open_from is not null or p_open_to is not null then
    if p_open_from is null or p_open_to is null then
      perform private.raise_error('HL259', 'send both p_open_from and p_open_to');
    end if;
    if not (p_open_from < p_open_to) then
      perform private.raise_error('HL259', pg_catalog.format('from %s is not before to %s', p_open_from, p_open_to));
    end if;
    if p_open_to - p_open_from > interval '31 days' then
      perform private.raise_error('HL259', 'the window is longer than 31 days');
    end if;
    if p_open_to <= s.at then
      perform private.raise_error('HL259', 'the window is in the past');
    end if;
    -- Only the future part of the window can hold an open slot.
    s.slot_window := pg_catalog.tstzrange(greatest(p_open_from, s.at), p_open_to, '[)');
    s.filters := s.filters || 'open_window'::text;
    -- Rules that can meet the window on one of its local days, in some provider time zone; an
    -- hour of margin each side covers daylight-saving shifts (the exact check comes later).
    select coalesce(pg_catalog.string_agg(distinct pg_catalog.format(
             '(r.weekday = %s and r.start_time < %L::time and r.end_time > %L::time)',
             extract(dow from d.day)::int,
             case when d.hi >= d.day + interval '23 hours' then '24:00'::time else (d.hi + interval '1 hour')::time end,
             case when d.lo < d.day + interval '1 hour' then '00:00'::time else (d.lo - interval '1 hour')::time end), ' or '), 'false')
      into s.open_window_rules
      from (select w.day,
                   greatest(w.lo_local, w.day::timestamp) as lo,
                   least(w.hi_local, w.day::timestamp + interval '1 day') as hi
              from (select (pg_catalog.lower(s.slot_window) at time zone z.time_zone) as lo_local,
                           (pg_catalog.upper(s.slot_window) at time zone z.time_zone) as hi_local,
                           gs.day::date as day
                      from private.provider_time_zones z
                     cross join lateral pg_catalog.generate_series(
                       (pg_catalog.lower(s.slot_window) at time zone z.time_zone)::date::timestamp,
                       (pg_catalog.upper(s.slot_window) at time zone z.time_zone)::date::timestamp,
                       interval '1 day') as gs(day)) as w
             where least(w.hi_local, w.day::timestamp + interval '1 day') > greatest(w.lo_local, w.day::timestamp)) as d;
  end if;

  -- How.
  s.sort := coalesce(p_sort, 'distance');
  if s.sort not in ('distance', 'rating', 'price', 'relevance') then
    perform private.raise_error('HL258', pg_catalog.format('sort %L', p_sort));
  end if;

  s.row_limit := coalesce(p_limit, 20);
  if not (s.row_limit between 1 and p_max_limit) then
    perform private.raise_error('HL256', pg_catalog.format('page size %s; allowed 1 to %s', s.row_limit, p_max_limit));
  end if;

  s.fingerprint := pg_catalog.left(pg_catalog.md5(pg_catalog.concat_ws('|',
    p_entity, p_area, p_lat, p_lng, p_radius_m, p_south, p_west, p_north, p_east, p_category_id,
    s.min_rating, s.min_price, s.max_price, coalesce(p_available_now, false), coalesce(p_verified_only, false),
    p_open_from, p_open_to, s.sort)), 16);

  if p_after is not null then
    select * into v_cursor from private.discovery_cursor_decode(p_after, s.sort, s.fingerprint);
    s.after_k1 := v_cursor.k1;
    s.after_k2 := v_cursor.k2;
    s.after_id := v_cursor.id;
    s.filters := s.filters || 'after'::text;
  end if;

  return s;
end;
$$;
comment on function private.discovery_prepare(text, text, double precision, double precision, double precision,
  double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean,
  numeric, numeric, timestamptz, timestamptz, text, text, integer, integer) is
  'Validates every discovery argument (HL200-HL262) and returns the search to run. Never clamps.';

revoke all on function
  private.discovery_point(double precision, double precision),
  private.discovery_cursor_decode(text, text, text),
  private.discovery_prepare(text, text, double precision, double precision, double precision, double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer, integer)
  from public, anon, authenticated, service_role;
grant execute on function
  private.discovery_point(double precision, double precision),
  private.discovery_cursor_decode(text, text, text),
  private.discovery_prepare(text, text, double precision, double precision, double precision,
    double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean,
    numeric, numeric, timestamptz, timestamptz, text, text, integer, integer)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Exact spatial tests used after the index condition. Plain functions on purpose: the planner
-- estimates them with its default selectivity instead of the near-zero one PostGIS's support
-- functions give ST_Intersects, which keeps row estimates (and the KNN-or-bitmap choice) sane.
------------------------------------------------------------------------------------------------
create or replace function private.area_covers(p_area extensions.geography, p_point extensions.geography)
returns boolean
language plpgsql
immutable
parallel safe
cost 100
set search_path = ''
as $$
begin
  return extensions.st_intersects(p_area, p_point);
end;
$$;
comment on function private.area_covers(extensions.geography, extensions.geography) is
  'True when the area (a service area) covers the point, boundary included.';

create or replace function private.point_in_bounds(
  p_point extensions.geography, p_south double precision, p_west double precision,
  p_north double precision, p_east double precision)
returns boolean
language plpgsql
immutable
parallel safe
cost 5
set search_path = ''
as $$
begin
  return extensions.st_y(p_point::extensions.geometry) between p_south and p_north
     and extensions.st_x(p_point::extensions.geometry) between p_west and p_east;
end;
$$;
comment on function private.point_in_bounds(extensions.geography, double precision, double precision, double precision, double precision) is
  'True when the point''s latitude/longitude lie inside the bounds (edges included).';

revoke all on function
  private.area_covers(extensions.geography, extensions.geography),
  private.point_in_bounds(extensions.geography, double precision, double precision, double precision, double precision)
  from public, anon, authenticated, service_role;
grant execute on function private.area_covers(extensions.geography, extensions.geography),
  private.point_in_bounds(extensions.geography, double precision, double precision, double precision, double precision)
  to anon, authenticated, service_role;
