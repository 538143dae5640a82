-- Module: discovery (availability walk)
-- Nearby and map searches by distance with availability filters ("available now", an open slot
-- in a window): for "available now", the walk of the periods of weekly hours around the present
-- (private.provider_open_periods, below); otherwise the category's walk of
-- private.provider_category_points (only providers with weekly hours, and accepting work for
-- "available now" outside that window), tested a batch at a time with
-- private.providers_open_at / private.providers_with_open_slot. Used by
-- private.discovery_provider_rows (path 'open'). See docs/discovery.md.

------------------------------------------------------------------------------------------------
-- The nearest providers of a category that are open now or have an open slot in a window
------------------------------------------------------------------------------------------------
-- The first p_limit by (distance, id), after the cursor, within the radius (and the map bounds),
-- rated at least p_min_rating, and open at p_at (accepting work: private.providers_open_at)
-- and/or with an open slot in p_window (private.providers_with_open_slot), whichever are given,
-- and the rows that tie with the last by distance (the caller sorts by (distance, id)). One walk
-- of the category's partition in plane distance order (as in discovery_category_nearest;
-- providers with weekly hours, with p_at accepting work), read through a cursor in batches, each
-- batch's availability tested in one call; the batch doubles (from 2 * p_limit) until the page is
-- full and no row after can be nearer than its farthest (private.discovery_planar_scale), or the
-- walk leaves the radius. The rows returned are a superset of the page (the caller sorts and cuts).
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
  -- "Available now" inside the window of private.provider_open_periods walks that table, unless
  -- most providers with hours are open (then nearly every row of the category's walk passes, and
  -- its own partition's index is the faster walk).
  v_open_now boolean := p_at is not null
    and exists (select from private.provider_open_window w
                 where p_at >= w.covered_from and p_at < w.covered_until
                   and coalesce(w.open_share, 0) < (private.setting('discovery.open_periods_max_share'))::double precision);
  v_walk refcursor;
  v_tied uuid[] := '{}';
  v_tied_distance double precision;
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
  v_planar double precision;
  v_lat double precision := extensions.st_y(p_point::extensions.geometry);
  v_position extensions.geometry := private.discovery_position(p_point);
begin
  if p_at is null and p_window is null then
    raise exception 'discovery: open nearest needs p_at or p_window';
  end if;
  if p_south is not null then
    p_radius := private.bounds_radius(p_point, p_radius, p_south, p_west, p_north, p_east);
  end if;
  -- The walk: a GiST index in distance order (KNN), after the cursor, kept open between batches:
  -- the open periods containing p_at, or the category's partition.
  if v_open_now then
    open v_walk for execute pg_catalog.format($q$
      select x.provider_id, x.location operator(extensions.<->) $1, null::double precision
        from private.provider_open_periods x
       where x.category_id = $3
         and x.period operator(pg_catalog.@>) $11
         and x.location operator(extensions.&&) extensions._st_expand($1, $2)%s%s
       order by x.location operator(extensions.<->) $1$q$,
      case when p_after_id is not null then ' and (x.location operator(extensions.<->) $1, x.provider_id) > ($5, $6)' else '' end,
      -- The bounds, exactly (inline: a function call per row costs more than the row).
      case when p_south is not null then
        ' and extensions.st_y(x.location::extensions.geometry) between $7 and $9 and extensions.st_x(x.location::extensions.geometry) between $8 and $10'
      else '' end)
      using p_point, p_radius, coalesce(p_category_id, '00000000-0000-0000-0000-000000000000'::uuid), p_min_rating,
            p_after_distance, p_after_id, p_south, p_west, p_north, p_east, p_at;
  else
    if not private.discovery_planar_ok(p_point, p_radius) then
      raise exception 'discovery: the planar walk does not serve % within % m', extensions.st_astext(p_point), p_radius;
    end if;
    open v_walk for execute pg_catalog.format($q$
      select x.provider_id, d.distance, x.position operator(extensions.<->) $11
        from private.%I x
       cross join lateral (select x.location operator(extensions.<->) $1 as distance) d
       where x.position operator(extensions.&&) $12
         and d.distance <= $2%s%s%s%s%s
       order by x.position operator(extensions.<->) $11$q$,
      v_table,
      case when p_at is not null then ' and x.has_hours and x.is_available' else ' and x.has_hours' end,
      case when v_table = 'provider_category_points_other' then ' and x.category_id = $3' else '' end,
      case when p_min_rating is not null then ' and x.rating_avg >= $4' else '' end,
      case when p_after_id is not null then ' and (d.distance, x.provider_id) > ($5, $6)' else '' end,
      -- The bounds, exactly (inline: a function call per row costs more than the row).
      case when p_south is not null then
        ' and extensions.st_y(x.location::extensions.geometry) between $7 and $9 and extensions.st_x(x.location::extensions.geometry) between $8 and $10'
      else '' end)
      using p_point, p_radius, p_category_id, p_min_rating, p_after_distance, p_after_id, p_south, p_west, p_north, p_east,
            v_position,
            -- The radius's box on the plane, or the bounds' (an index condition: the walk ends there).
            case when p_south is not null then private.discovery_plane_box(p_south, p_west, p_north, p_east)
                 else extensions.st_expand(v_position, p_radius / private.discovery_planar_scale(v_lat, p_radius)) end;
  end if;
  loop
    -- The next batch in distance order; once the page is full, only the rows that tie with its
    -- last distance.
    v_ids := '{}';
    v_distances := '{}';
    loop
      fetch v_walk into v_id, v_distance, v_planar;
      if not found or v_distance > p_radius and v_open_now then
        v_ended := true;
        exit;
      end if;
      -- The page is full: the periods' walk (true distance order) ends after its last row's
      -- ties; the plane walk once no row after can be as near as the page's farthest row.
      if v_found >= p_limit
         and (v_open_now and v_distance > v_last
              or not v_open_now and v_planar * private.discovery_planar_scale(v_lat, v_last) > v_last) then
        v_ended := true;
        exit;
      end if;
      continue when v_found >= p_limit and v_distance > v_last;
      -- A provider's periods that both contain p_at (widened around a clock change) come at
      -- the same distance: once.
      if v_open_now then
        if v_distance is distinct from v_tied_distance then
          v_tied := '{}';
          v_tied_distance := v_distance;
        end if;
        continue when v_id = any (v_tied);
        v_tied := v_tied || v_id;
      end if;
      v_ids := v_ids || v_id;
      v_distances := v_distances || v_distance;
      exit when pg_catalog.cardinality(v_ids) >= v_batch;
    end loop;
    if pg_catalog.cardinality(v_ids) > 0 then
      select pg_catalog.array_agg(u.id) into v_open
        from pg_catalog.unnest(v_ids) u(id)
       where (p_at is null or u.id in (select private.providers_open_at(v_ids, p_at)))
         -- The open periods do not carry the rating and the toggle.
         and (not v_open_now
              or u.id in (select pp.id from public.provider_profiles pp
                           where pp.id = any (v_ids) and pp.is_available
                             and (p_min_rating is null or pp.rating_avg >= p_min_rating)))
         and (p_window is null or u.id in (select private.providers_with_open_slot(v_ids, p_window)));
      -- The batch's open providers in walk order, up to the page size (then the ties).
      for v_id, v_distance in
        select u.id, u.distance
          from rows from (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_distances)) with ordinality as u(id, distance, i)
         where u.id = any (v_open)
         order by u.i
      loop
        -- Past the page's farthest row (the plane walk: rows come nearly, not exactly, in
        -- distance order; v_last is the farthest of the first p_limit found).
        continue when v_found >= p_limit and v_distance > v_last;
        provider_id := v_id;
        distance := v_distance;
        return next;
        v_found := v_found + 1;
        if v_found <= p_limit then
          v_last := greatest(v_last, v_distance);
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

------------------------------------------------------------------------------------------------
-- Open now: the periods of weekly hours around the present
------------------------------------------------------------------------------------------------
-- "Available now" walked every provider with hours within the radius and tested each batch: at
-- night, when few are open, that is every provider of the radius (seconds at a million
-- providers). private.provider_open_periods holds, for every visible provider and each of its
-- categories (and the nil category), the periods of its weekly hours that overlap a short window
-- around the present (private.provider_open_window: from a minute ago to
-- discovery.open_horizon_minutes ahead), with its base location; a GiST index on
-- (category, location, period) lets the walk visit only providers whose hours cover the moment.
-- It is a superset of the providers open now: time off, bookings and the accepting-work toggle
-- are still tested a batch at a time (private.providers_open_at), as before. On days when the
-- zone's clocks change, a period is widened by the change, so that ambiguous and skipped local
-- times never leave out a provider that the exact test keeps. When most providers with hours are
-- open (discovery.open_periods_max_share of them, counted by the job), the category's own walk
-- is faster: the GiST index on (category, location, period) mixes the category into the tree.
-- Kept by:
--   * a pg_cron job every minute (private.tick_provider_open_periods): adds the periods that start
--     in the next slice of time (read through the rules' (weekday, start_time) index, zone by
--     zone), drops those that ended, moves the window; rebuilds everything when the window is
--     stale (the job stopped for longer than the horizon), while searches fall back to the walk;
--   * the statement triggers on availability_rules (private.provider_category_points_hours, ..0305)
--     and a trigger on provider_profiles (base location, categories, time zone, visibility): the
--     provider's rows for the current window, in the same transaction.
--     They take the window row FOR SHARE, and the job holds it FOR UPDATE while it moves the window
--     (at the hour when most providers open, about 20 s at a million providers); a change
--     that finds it held does not wait: it queues the provider (private.provider_open_resync) and
--     the job's next run rewrites its rows, a minute later at most. A change that commits while
--     the job reads the rules is thus never lost.

create table private.provider_open_periods (
  provider_id uuid not null,
  category_id uuid not null,
  -- A period of weekly hours in UTC (widened by the clock change on such days).
  period tstzrange not null,
  location extensions.geography(Point, 4326) not null,
  primary key (provider_id, category_id, period)
);
comment on table private.provider_open_periods is
  'Discovery: the periods of weekly hours overlapping private.provider_open_window, a row per visible provider, category '
  '(with the nil category) and period, with the base location; the walk of "available now". Maintained by triggers and pg_cron.';
revoke all on table private.provider_open_periods from public, anon, authenticated, service_role;
-- The walk: providers of a category whose period contains the moment, by distance.
create index provider_open_periods_walk_idx on private.provider_open_periods using gist (category_id, location, period);
-- The minute's purge of the periods that ended.
create index provider_open_periods_end_idx on private.provider_open_periods (pg_catalog.upper(period));

create table private.provider_open_window (
  singleton boolean primary key default true check (singleton),
  covered_from timestamptz not null,
  covered_until timestamptz not null,
  refreshed_at timestamptz not null default now(),
  -- The share of providers with weekly hours whose hours cover the moment the job last ran.
  open_share double precision,
  check (covered_from < covered_until)
);
comment on table private.provider_open_window is
  'Discovery: the window [covered_from, covered_until) whose every overlapping period of weekly hours is in '
  'private.provider_open_periods; "available now" at a moment outside it walks the providers with hours instead.';
revoke all on table private.provider_open_window from public, anon, authenticated, service_role;

insert into private.settings (key, value, description) values
  ('discovery.open_periods_max_share', '0.5',
   'Available now: the walk reads the open periods while less than this share of the providers with weekly hours is '
   'open (private.provider_open_window.open_share, counted by the minute''s job), and the category''s table otherwise.'),
  ('discovery.open_horizon_minutes', '10',
   'Available now: how far ahead of the present private.provider_open_periods holds the periods of weekly hours '
   '(the pg_cron job moves it every minute; a job late by more than this makes searches walk the providers instead).');

-- The time zones of providers, one index probe each (provider_profiles_timezone_idx).
create index provider_profiles_timezone_idx on public.provider_profiles (timezone);

-- The change of a zone's UTC offset from the day before a local day to the day after it: 0 on most
-- days, the clock change (an hour in most zones) around one.
create or replace function private.clock_shift(p_day date, p_timezone text)
returns interval
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.make_interval(secs => abs(extract(epoch from
           ((p_day + 2)::timestamp at time zone p_timezone) - ((p_day - 1)::timestamp at time zone p_timezone)) - 259200));
$$;
comment on function private.clock_shift(date, text) is
  'Discovery: how much a zone''s UTC offset changes from the day before a local day to the day after (0 on most days).';
revoke all on function private.clock_shift(date, text) from public, anon, authenticated, service_role;

-- The UTC period of a rule of weekly hours on a local day: [day + start, day + end) in the zone,
-- widened on both sides by p_shift (private.clock_shift of the day).
create or replace function private.open_period(p_day date, p_start time, p_end time, p_timezone text, p_shift interval)
returns tstzrange
language sql
stable
parallel safe
set search_path = ''
as $$
  select pg_catalog.tstzrange(((p_day + p_start) at time zone p_timezone) - p_shift,
                              ((p_day + p_end) at time zone p_timezone) + p_shift, '[)');
$$;
comment on function private.open_period(date, time, time, text, interval) is
  'Discovery: the UTC period of a rule of weekly hours (start, end in the zone) on a local day, widened by p_shift on both sides.';
revoke all on function private.open_period(date, time, time, text, interval) from public, anon, authenticated, service_role;

-- A provider's rows of private.provider_open_periods for the periods overlapping [p_from, p_until).
create or replace function private.provider_open_period_rows(
  p public.provider_profiles, p_from timestamptz, p_until timestamptz)
returns setof private.provider_open_periods
language sql
stable
set search_path = ''
as $$
  select p.id, c.id, o.period, p.base_location
    from (select x.day, private.clock_shift(x.day, p.timezone) as shift
            from (select (p_from at time zone p.timezone)::date - 2 + k as day
                    from pg_catalog.generate_series(0, (p_until at time zone p.timezone)::date
                                                       - (p_from at time zone p.timezone)::date + 3) as k) x) d
    join public.availability_rules r
      on r.provider_id = p.id
     and r.weekday = extract(dow from d.day)::smallint
   cross join lateral (select private.open_period(d.day, r.start_time, r.end_time, p.timezone, d.shift) as period) o
   cross join (select distinct u.id from pg_catalog.unnest(p.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) u(id)) c
   where p.deleted_at is null and p.hidden_at is null and p.base_location is not null
     and o.period operator(pg_catalog.&&) pg_catalog.tstzrange(p_from, p_until, '[)');
$$;
comment on function private.provider_open_period_rows(public.provider_profiles, timestamptz, timestamptz) is
  'Discovery: a provider''s rows of private.provider_open_periods (its categories and the nil one) for the periods of '
  'its weekly hours overlapping [p_from, p_until); none for a hidden or closed provider.';
revoke all on function private.provider_open_period_rows(public.provider_profiles, timestamptz, timestamptz)
  from public, anon, authenticated, service_role;

-- Every provider's rows for the periods that start in [p_from, p_until): zone by zone (a probe of
-- provider_profiles_timezone_idx each) and local day by local day, the rules of that weekday whose
-- start falls in the slice (with a margin of twice the clock change around one), through the
-- rules' (weekday, start_time) index; each (zone, day) planned with its values (a slice of a minute
-- reads a few rules by index, a day's rebuild reads them all).
create or replace function private.provider_open_periods_starting(p_from timestamptz, p_until timestamptz)
returns setof private.provider_open_periods
language plpgsql
stable
set search_path = ''
as $$
declare
  v_tz text;
  v_margin interval;
  v_lo timestamp;
  v_hi timestamp;
  v_day date;
begin
  v_tz := (select pp.timezone from public.provider_profiles pp order by pp.timezone limit 1);
  while v_tz is not null loop
    -- Local starts of the slice: exact away from clock changes, twice the change around one (a
    -- day's period is widened by the change around that day, which can reach into the day before:
    -- the days next to the slice's ends count too).
    v_margin := 2 * greatest(private.clock_shift((p_from at time zone v_tz)::date - 1, v_tz),
                             private.clock_shift((p_from at time zone v_tz)::date + 1, v_tz),
                             private.clock_shift((p_until at time zone v_tz)::date - 1, v_tz),
                             private.clock_shift((p_until at time zone v_tz)::date + 1, v_tz));
    v_lo := (p_from at time zone v_tz) - v_margin;
    v_hi := (p_until at time zone v_tz) + v_margin;
    v_day := v_lo::date;
    while v_day <= v_hi::date loop
      return query execute $q$
        select pp.id, c.id, o.period, pp.base_location
          from public.availability_rules r
          join public.provider_profiles pp on pp.id = r.provider_id
         cross join lateral (select private.open_period($1, r.start_time, r.end_time, $2, $3) as period) o
         cross join lateral (select distinct u.id
                               from pg_catalog.unnest(pp.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) u(id)) c
         where r.weekday = $4 and r.start_time >= $5 and r.start_time <= $6
           and pp.timezone = $2
           and pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null
           and pg_catalog.lower(o.period) >= $7 and pg_catalog.lower(o.period) < $8$q$
        using v_day, v_tz, private.clock_shift(v_day, v_tz), extract(dow from v_day)::smallint,
              case when v_day = v_lo::date then v_lo::time else time '00:00' end,
              case when v_day = v_hi::date then v_hi::time else time '24:00' end,
              p_from, p_until;
      v_day := v_day + 1;
    end loop;
    v_tz := (select pp.timezone from public.provider_profiles pp where pp.timezone > v_tz order by pp.timezone limit 1);
  end loop;
end;
$$;
comment on function private.provider_open_periods_starting(timestamptz, timestamptz) is
  'Discovery: the rows of private.provider_open_periods of every provider for the periods starting in [p_from, p_until).';
revoke all on function private.provider_open_periods_starting(timestamptz, timestamptz)
  from public, anon, authenticated, service_role;

-- Providers whose rows a change could not rewrite while the job held the window: the job's next
-- run rewrites them.
create table private.provider_open_resync (
  provider_id uuid primary key,
  queued_at timestamptz not null default now()
);
comment on table private.provider_open_resync is
  'Discovery: providers whose open periods changed while the minute''s job was moving the window; the job rewrites their rows.';
revoke all on table private.provider_open_resync from public, anon, authenticated, service_role;

-- The share of providers with weekly hours whose hours cover p_at (the nil category's rows).
create or replace function private.provider_open_share(p_at timestamptz)
returns double precision
language sql
stable
set search_path = ''
as $$
  select (select count(*) from private.provider_open_periods x
           where x.category_id = '00000000-0000-0000-0000-000000000000' and x.period operator(pg_catalog.@>) p_at)::double precision
         / greatest((select count(*) from private.provider_category_points_all a where a.has_hours), 1);
$$;
comment on function private.provider_open_share(timestamptz) is
  'Discovery: the share of providers with weekly hours whose hours cover p_at (from private.provider_open_periods).';
revoke all on function private.provider_open_share(timestamptz) from public, anon, authenticated, service_role;

-- Rewrites the rows of some providers for the window [p_from, p_until).
create or replace function private.write_provider_open_periods(p_provider_ids uuid[], p_from timestamptz, p_until timestamptz)
returns void
language sql
security definer
set search_path = ''
as $$
  delete from private.provider_open_periods x where x.provider_id = any (p_provider_ids);
  insert into private.provider_open_periods
  select o.*
    from public.provider_profiles pp
   cross join lateral private.provider_open_period_rows(pp, p_from, p_until) o
   where pp.id = any (p_provider_ids)
     and exists (select from public.availability_rules r where r.provider_id = pp.id);
$$;
comment on function private.write_provider_open_periods(uuid[], timestamptz, timestamptz) is
  'Discovery: rewrites the rows of private.provider_open_periods of these providers for the window [p_from, p_until).';
revoke all on function private.write_provider_open_periods(uuid[], timestamptz, timestamptz)
  from public, anon, authenticated, service_role;

-- Rebuilds the table for the window around p_at (null: now): after a bulk load that skipped the
-- triggers, or when the job has not run for longer than the horizon. Returns the rows.
create or replace function private.refresh_provider_open_periods(p_at timestamptz default null)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_at timestamptz := coalesce(p_at, private.now());
  v_from timestamptz := v_at - interval '1 minute';
  v_until timestamptz := v_at + pg_catalog.make_interval(mins => (private.setting('discovery.open_horizon_minutes'))::integer);
  v_rows bigint;
begin
  -- The window row first (held until commit: changes meanwhile are queued), then the rows.
  insert into private.provider_open_window as w (singleton, covered_from, covered_until, refreshed_at)
  values (true, v_from, v_until, pg_catalog.clock_timestamp())
  on conflict (singleton) do update
    set covered_from = excluded.covered_from, covered_until = excluded.covered_until, refreshed_at = excluded.refreshed_at;
  delete from private.provider_open_resync;
  truncate private.provider_open_periods;
  -- The periods overlapping the window: those starting up to a day and a clock change before it
  -- (a rule lasts at most a day) that end inside or after it.
  insert into private.provider_open_periods
  select s.*
    from private.provider_open_periods_starting(v_from - interval '27 hours', v_until) s
   where pg_catalog.upper(s.period) > v_from;
  get diagnostics v_rows = row_count;
  update private.provider_open_window w set open_share = private.provider_open_share(v_at) where w.singleton;
  return v_rows;
end;
$$;
comment on function private.refresh_provider_open_periods(timestamptz) is
  'Discovery: rebuilds private.provider_open_periods and its window around p_at (null: now); returns the rows.';
revoke all on function private.refresh_provider_open_periods(timestamptz) from public, anon, authenticated, service_role;

-- The minute's job: adds the periods that start before now + the horizon, drops those that ended
-- a minute ago, rewrites the queued providers, moves the window; rebuilds when the window does not
-- contain now. Returns the rows added.
create or replace function private.tick_provider_open_periods()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_until_new timestamptz :=
    v_now + pg_catalog.make_interval(mins => (private.setting('discovery.open_horizon_minutes'))::integer);
  v_from timestamptz;
  v_until timestamptz;
  v_queued uuid[];
  v_rows bigint := 0;
begin
  select w.covered_from, w.covered_until into v_from, v_until
    from private.provider_open_window w
     for update;
  if not found or v_now < v_from or v_now >= v_until then
    return private.refresh_provider_open_periods(v_now);
  end if;
  v_from := greatest(v_from, v_now - interval '1 minute');
  if v_until_new > v_until then
    insert into private.provider_open_periods
    select s.* from private.provider_open_periods_starting(v_until, v_until_new) s
        on conflict do nothing;
    get diagnostics v_rows = row_count;
    v_until := v_until_new;
  end if;
  delete from private.provider_open_periods x where pg_catalog.upper(x.period) <= v_from;
  with q as (delete from private.provider_open_resync returning provider_id)
  select pg_catalog.array_agg(q.provider_id) into v_queued from q;
  if v_queued is not null then
    perform private.write_provider_open_periods(v_queued, v_from, v_until);
  end if;
  update private.provider_open_window w
     set covered_from = v_from, covered_until = v_until, refreshed_at = pg_catalog.clock_timestamp(),
         open_share = private.provider_open_share(v_now)
   where w.singleton;
  return v_rows;
end;
$$;
comment on function private.tick_provider_open_periods() is
  'Discovery (pg_cron, every minute): moves the window of private.provider_open_periods to now + the horizon; returns the rows added.';
revoke all on function private.tick_provider_open_periods() from public, anon, authenticated, service_role;

-- The rows of some providers for the current window (after a change of their hours, location,
-- categories, time zone or visibility). While the job holds the window, the providers are queued
-- for it instead: a change never waits for the job.
create or replace function private.sync_provider_open_periods(p_provider_ids uuid[])
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_from timestamptz;
  v_until timestamptz;
begin
  select w.covered_from, w.covered_until into v_from, v_until
    from private.provider_open_window w
     for share skip locked;
  if found then
    perform private.write_provider_open_periods(p_provider_ids, v_from, v_until);
  elsif exists (select from private.provider_open_window) then
    insert into private.provider_open_resync (provider_id)
    select u.id from pg_catalog.unnest(p_provider_ids) u(id)
        on conflict (provider_id) do nothing;
  end if;
end;
$$;
comment on function private.sync_provider_open_periods(uuid[]) is
  'Discovery: the rows of private.provider_open_periods of these providers for the current window (queued for the job while it moves the window).';
revoke all on function private.sync_provider_open_periods(uuid[]) from public, anon, authenticated, service_role;

create or replace function private.provider_open_periods_on_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.sync_provider_open_periods(array[case when tg_op = 'DELETE' then old.id else new.id end]);
  return null;
end;
$$;
comment on function private.provider_open_periods_on_profile() is
  'Trigger (after update of the base location, categories, time zone or visibility, or delete, on provider_profiles): the provider''s open periods.';
revoke all on function private.provider_open_periods_on_profile() from public, anon, authenticated, service_role;
create trigger provider_profiles_open_periods_update
  after update of base_location, category_ids, timezone, deleted_at, hidden_at on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.category_ids is distinct from new.category_ids
        or old.timezone is distinct from new.timezone
        or old.deleted_at is distinct from new.deleted_at or old.hidden_at is distinct from new.hidden_at)
  execute function private.provider_open_periods_on_profile();
create trigger provider_profiles_open_periods_delete
  after delete on public.provider_profiles
  for each row execute function private.provider_open_periods_on_profile();

select private.refresh_provider_open_periods();
select cron.schedule('hyperlocal-open-now', '* * * * *', 'select private.tick_provider_open_periods()');
