-- Module: discovery
-- Geodiscovery RPCs over the catalog: providers near a point, providers whose service area covers
-- a point, providers and listings inside map bounds (rows for client-side clustering, or a
-- server-side grid of counts), listings near a point.
--
-- Design (see README "Discovery"):
-- * Every RPC is SECURITY INVOKER: row level security of provider_profiles, profiles,
--   service_listings, categories and availability_rules applies to the caller exactly as a table
--   read would (the benchmark measures that overhead). Only what a search needs is exposed past
--   RLS: private.provider_busy_periods (time-off *ranges*, never reasons, security definer) and
--   closed accounts (provider_profiles.deleted_at), which searches leave out for every role.
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
-- Busy periods. The catalog module owns this helper (slots); bookings will add their ranges to
-- it. Defined here only when the catalog migrations have not defined it yet, so both branches
-- merge without one replacing the other.
------------------------------------------------------------------------------------------------
do $do$
begin
  if pg_catalog.to_regprocedure('private.provider_busy_periods(uuid, tstzrange)') is null then
    execute $fn$
      create function private.provider_busy_periods(p_provider_id uuid, p_range tstzrange)
      returns setof tstzrange
      language sql
      stable
      parallel safe
      security definer
      set search_path = ''
      as $body$
        select t.period
          from public.provider_time_off t
         where t.provider_id = p_provider_id
           and t.period && p_range
      $body$
    $fn$;
    comment on function private.provider_busy_periods(uuid, tstzrange) is
      'Ranges in which a provider cannot take work (time off; bookings later) overlapping p_range. Security definer: exposes ranges, never reasons.';
  end if;
end
$do$;
grant execute on function private.provider_busy_periods(uuid, tstzrange) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Availability predicates used as search filters.
------------------------------------------------------------------------------------------------
create or replace function private.provider_is_open(p_provider_id uuid, p_timezone text, p_at timestamptz)
returns boolean
language sql
stable
parallel safe
set search_path = ''
as $$
  select exists (
           select 1
             from public.availability_rules r
            where r.provider_id = p_provider_id
              and r.weekday = extract(dow from (p_at at time zone p_timezone))::smallint
              and r.start_time <= (p_at at time zone p_timezone)::time
              and (p_at at time zone p_timezone)::time < r.end_time)
     and not exists (
           select 1 from private.provider_busy_periods(p_provider_id, pg_catalog.tstzrange(p_at, p_at, '[]')));
$$;
comment on function private.provider_is_open(uuid, text, timestamptz) is
  'True when an availability rule of the provider (in its time zone) covers p_at and no busy period does.';

create or replace function private.provider_has_open_slot(p_provider_id uuid, p_timezone text, p_window tstzrange)
returns boolean
language sql
stable
parallel safe
set search_path = ''
as $$
  with open_hours as (
    select pg_catalog.range_agg(
             pg_catalog.tstzrange((d.day + r.start_time) at time zone p_timezone,
                                  (d.day + r.end_time) at time zone p_timezone, '[)') * p_window) as hours
      from (select (pg_catalog.lower(p_window) at time zone p_timezone)::date - 1 + k as day
              from pg_catalog.generate_series(0, (pg_catalog.upper(p_window) at time zone p_timezone)::date
                                                 - (pg_catalog.lower(p_window) at time zone p_timezone)::date + 1) as k) as d
      join public.availability_rules r
        on r.provider_id = p_provider_id
       and r.weekday = extract(dow from d.day)::smallint
  ), busy as (
    select pg_catalog.range_agg(b.period) as periods
      from private.provider_busy_periods(p_provider_id, p_window) as b(period)
  )
  select coalesce(not pg_catalog.isempty(o.hours - coalesce(b.periods, '{}'::tstzmultirange)), false)
    from open_hours o, busy b;
$$;
comment on function private.provider_has_open_slot(uuid, text, tstzrange) is
  'True when the provider''s weekly hours (in its time zone) cover some part of p_window outside its busy periods.';

revoke all on function
  private.provider_is_open(uuid, text, timestamptz),
  private.provider_has_open_slot(uuid, text, tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.provider_is_open(uuid, text, timestamptz),
                          private.provider_has_open_slot(uuid, text, tstzrange)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Availability filters at scale. Checking weekly hours provider by provider is fine when many
-- match (the nearest few pass), but at night nobody does and every provider in the radius would be
-- checked. So the searches also offer the planner the other way round: the rules that can cover
-- "now" (or the window), found through an index on (weekday, start_time), for each time zone
-- providers use. The registry of those time zones is kept by a trigger.
------------------------------------------------------------------------------------------------
create table if not exists private.provider_time_zones (
  time_zone text primary key
);
comment on table private.provider_time_zones is
  'Time zones used by provider profiles (a superset: zones are added, never removed). Maintained by a trigger.';
revoke all on table private.provider_time_zones from anon, authenticated, service_role;
grant select on private.provider_time_zones to anon, authenticated, service_role;

create or replace function private.remember_provider_time_zone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.provider_time_zones (time_zone) values (new.timezone) on conflict do nothing;
  return null;
end;
$$;
comment on function private.remember_provider_time_zone() is
  'AFTER INSERT/UPDATE of timezone on provider_profiles: records the zone in private.provider_time_zones.';

create or replace trigger provider_profiles_remember_time_zone
  after insert or update of timezone on public.provider_profiles
  for each row execute function private.remember_provider_time_zone();

insert into private.provider_time_zones (time_zone)
select distinct p.timezone from public.provider_profiles p
on conflict do nothing;

create index if not exists availability_rules_weekday_start_idx
  on public.availability_rules (weekday, start_time) include (end_time, provider_id);

-- Drawn service areas can lie anywhere; radius-based ones stay within 100 km of the base. The
-- covering search walks bases by distance (KNN) up to 100 km, and finds drawn areas of providers
-- based farther away through this small partial index.
create index if not exists provider_profiles_drawn_area_idx
  on public.provider_profiles using gist (coverage) where service_area is not null;

------------------------------------------------------------------------------------------------
-- Closed accounts never show up in searches, for any role: every search filters on
-- provider_profiles.deleted_at (kept in step with profiles.deleted_at by the catalog), a column
-- of the row it already reads, and joins profiles only for the rows it returns.
------------------------------------------------------------------------------------------------

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
do $do$
begin
  if pg_catalog.to_regtype('private.discovery_search') is null then
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
      covered_by_many boolean    -- covering: at least 500 service areas reach the point
    );
  end if;
end
$do$;
comment on type private.discovery_search is 'A validated discovery search: what private.discovery_prepare returns and the RPCs bind to the query of private.discovery_sql.';

create or replace function private.discovery_cursor_decode(
  p_cursor text, p_sort text, p_fingerprint text,
  out k1 double precision, out k2 double precision, out id uuid)
language plpgsql
stable
parallel safe
set search_path = ''
as $$
declare
  v_text text;
  v_json jsonb;
  v_problem text;
begin
  begin
    v_text := pg_catalog.translate(p_cursor, '-_', '+/');
    v_text := v_text || pg_catalog.repeat('=', (4 - pg_catalog.length(v_text) % 4) % 4);
    v_json := pg_catalog.convert_from(pg_catalog.decode(v_text, 'base64'), 'UTF8')::jsonb;
    if pg_catalog.jsonb_typeof(v_json) <> 'array' or pg_catalog.jsonb_array_length(v_json) <> 6
       or v_json ->> 0 is distinct from '1' then
      v_problem := 'not a discovery cursor';
    elsif v_json ->> 1 is distinct from p_sort then
      v_problem := pg_catalog.format('the cursor belongs to a search sorted by %s', v_json ->> 1);
    elsif v_json ->> 2 is distinct from p_fingerprint then
      v_problem := 'the cursor belongs to a search with other parameters';
    else
      k1 := (v_json ->> 3)::double precision;
      k2 := (v_json ->> 4)::double precision;
      id := (v_json ->> 5)::uuid;
      if k1 is null or id is null then
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
  'Decodes a keyset cursor (base64url of [1, sort, search fingerprint, key1, key2, id], written by the queries of private.discovery_sql) for this sort and search; HL007 otherwise.';

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
  v_cursor record;
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
      select count(*) >= 500 into s.covered_by_many
        from (select 1 from public.provider_profiles p
               where p.coverage operator(extensions.&&) s.point limit 500) as probe;
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
    if not exists (select 1 from public.categories c where c.id = p_category_id) then
      perform private.raise_error('HL208', pg_catalog.format('category %s', p_category_id));
    end if;
    if not exists (select 1 from public.categories c where c.id = p_category_id and c.is_active) then
      perform private.raise_error('HL209', pg_catalog.format('category %s', p_category_id));
    end if;
    s.category_id := p_category_id;
    s.category_ids := array(select c.id from public.categories c where c.path_ids @> array[p_category_id] and c.is_active);
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
    v_base := array['pp.deleted_at is null'];
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
    v_base := array['l.is_active', 'pp.deleted_at is null'];
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
      || 'private.provider_is_open(pp.id, pp.timezone, $13)'::text;
  end if;
  if 'open_window' = any (s.filters) then
    v_filters := v_filters
      || pg_catalog.format('pp.id in (select r.provider_id from public.availability_rules r where %s)', s.open_window_rules)
      || 'private.provider_has_open_slot(pp.id, pp.timezone, $14)'::text;
  end if;

  -- Relevance in [0, 1]: 0.45 proximity + 0.35 Bayesian rating + 0.10 available + 0.10 verified.
  v_relevance := pg_catalog.format(
    '(0.45 * greatest(0, 1 - %s / $2) '
    || '+ 0.35 * ((pp.rating_count * pp.rating_avg::float8 + 17.5) / (pp.rating_count + 5)) / 5 '
    || '+ 0.10 * pp.is_available::int + 0.10 * pp.is_verified::int)', v_dist);

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
      when 'rating' then 'pp.rating_avg::float8'
      when 'price' then pg_catalog.format('coalesce(%s::float8, 1e15)', v_price)
      when 'relevance' then v_relevance
      else null end;
    if v_k1 is null then
      raise exception 'discovery: unknown sort %', s.sort;
    end if;
    v_k2 := v_dist;
    v_outer_order := pg_catalog.format('%s, s.distance_m, s.%s',
      case s.sort
        when 'rating' then 's.rating_avg::float8 desc'
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
      || 'pp.rating_avg, pp.rating_count, pp.completed_jobs, pp.price_from, pp.hourly_rate, pp.currency::text as currency, '
      || 'pp.is_available, pp.is_verified';
    v_outer := 's.provider_id, s.display_name, s.business_name, pr.username, pr.avatar_path, s.rating_avg, s.rating_count, '
      || 's.completed_jobs, s.price_from, s.hourly_rate, s.currency, s.is_available, s.is_verified, '
      || 's.lat, s.lng, s.distance_m, s.relevance, s.cursor';
  else
    v_select := 'l.id as listing_id, l.provider_id, l.title, l.category_id, l.pricing_unit, l.base_price, '
      || 'l.currency::text as currency, l.duration_minutes, l.cover_image_path, pp.display_name as provider_display_name, '
      || 'pp.rating_avg, pp.rating_count, pp.is_available, pp.is_verified';
    v_outer := 's.listing_id, s.provider_id, s.title, s.category_id, s.pricing_unit, s.base_price, s.currency, '
      || 's.duration_minutes, s.cover_image_path, s.provider_display_name, pr.avatar_path as provider_avatar_path, '
      || 's.rating_avg, s.rating_count, s.is_available, s.is_verified, s.lat, s.lng, s.distance_m, s.relevance, s.cursor';
  end if;

  v_select := pg_catalog.format($q$
select %1$s,
       extensions.st_y(%2$s::extensions.geometry) as lat,
       extensions.st_x(%2$s::extensions.geometry) as lng,
       %3$s as distance_m,
       %4$s as relevance,
       pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(
         pg_catalog.json_build_array(1, $19, $20, %5$s, %6$s, %7$s)::text, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') as cursor
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

revoke all on function
  private.discovery_point(double precision, double precision),
  private.discovery_cursor_decode(text, text, text),
  private.discovery_prepare(text, text, double precision, double precision, double precision, double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer, integer),
  private.discovery_sql(private.discovery_search, text)
  from public, anon, authenticated, service_role;
grant execute on function
  private.discovery_point(double precision, double precision),
  private.discovery_cursor_decode(text, text, text),
  private.discovery_prepare(text, text, double precision, double precision, double precision,
    double precision, double precision, double precision, double precision, uuid, numeric, boolean, boolean,
    numeric, numeric, timestamptz, timestamptz, text, text, integer, integer),
  private.discovery_sql(private.discovery_search, text)
  to anon, authenticated, service_role;

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
  rating_avg numeric, rating_count integer, completed_jobs integer, price_from bigint, hourly_rate bigint,
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
begin
  s := private.discovery_prepare(
    'provider', 'near', p_lat, p_lng, p_radius_m, null, null, null, null, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 100);
  return query execute private.discovery_sql(s)
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
end;
$$;
comment on function public.search_providers_nearby(double precision, double precision, double precision, uuid, numeric,
  boolean, boolean, numeric, numeric, timestamptz, timestamptz, text, text, integer) is
$$Providers whose base is within p_radius_m metres (0 < r <= 100000, default 10 km) of (p_lat, p_lng).
Filters: p_category_id (the category or any descendant among the provider's active listings), p_min_rating (0-5),
p_available_now (accepting work, inside weekly hours in the provider's time zone, not on time off),
p_verified_only, p_min_price / p_max_price (price_from, minor units 0-1e9; providers without a price are left out),
p_open_from + p_open_to (weekly hours cover part of the window outside busy periods; at most 31 days).
p_sort: distance (default; nearest first), rating (best first), price (cheapest first; no price last) or relevance:
0.45 * max(0, 1 - distance_m / radius) + 0.35 * bayes / 5 + 0.10 * is_available + 0.10 * is_verified,
bayes = (rating_count * rating_avg + 5 * 3.5) / (rating_count + 5); ties by distance, then id.
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
  rating_avg numeric, rating_count integer, completed_jobs integer, price_from bigint, hourly_rate bigint,
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
begin
  s := private.discovery_prepare(
    'provider', 'covering', p_lat, p_lng, null, null, null, null, null, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 100);
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
  rating_avg numeric, rating_count integer, completed_jobs integer, price_from bigint, hourly_rate bigint,
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
begin
  s := private.discovery_prepare(
    'provider', 'bounds', null, null, null, p_south, p_west, p_north, p_east, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, p_sort, p_after, p_limit, 500);
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
begin
  if p_grid_size is null or not (p_grid_size between 1 and 32) then
    perform private.raise_error('HL262', pg_catalog.format('grid size %s', coalesce(p_grid_size::text, 'null')));
  end if;
  s := private.discovery_prepare(
    'provider', 'bounds', null, null, null, p_south, p_west, p_north, p_east, p_category_id, p_min_rating,
    p_available_now, p_verified_only, p_min_price, p_max_price, p_open_from, p_open_to, 'distance', null, p_grid_size, 32);
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
Counts are exact. Same bounds rules (HL260, HL261) and filters as search_providers_in_bounds. Security invoker.$$;

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
  provider_avatar_path text, rating_avg numeric, rating_count integer, is_available boolean, is_verified boolean,
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
  provider_avatar_path text, rating_avg numeric, rating_count integer, is_available boolean, is_verified boolean,
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
