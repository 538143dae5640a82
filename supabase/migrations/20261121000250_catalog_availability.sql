-- Module: catalog (availability)
-- Weekly hours, busy periods (time off, and the busy blocks later modules keep in
-- private.provider_busy_blocks: bookings that hold time) and the bookable slots of a listing.

-- Replaces the caller's week in one transaction (PostgREST cannot group a delete and inserts).
create or replace function public.set_weekly_availability(p_rules jsonb)
returns setof public.availability_rules
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_rule jsonb;
  v_weekday smallint;
  v_start time;
  v_end time;
begin
  perform private.require_provider(v_uid);
  if p_rules is null or pg_catalog.jsonb_typeof(p_rules) <> 'array' then
    perform private.raise_error('HL215', 'p_rules is an array of {weekday, start_time, end_time}');
  end if;
  delete from public.availability_rules where provider_id = v_uid;
  for v_rule in select value from pg_catalog.jsonb_array_elements(p_rules) loop
    begin
      v_weekday := (v_rule ->> 'weekday')::smallint;
      v_start := (v_rule ->> 'start_time')::time;
      v_end := (v_rule ->> 'end_time')::time;
    exception when others then
      v_weekday := null;
    end;
    if pg_catalog.jsonb_typeof(v_rule) <> 'object' or v_weekday is null then
      perform private.raise_error('HL215', pg_catalog.format('cannot read rule %s', v_rule));
    end if;
    insert into public.availability_rules (provider_id, weekday, start_time, end_time)
    values (v_uid, v_weekday, v_start, v_end);
  end loop;
  return query select * from public.availability_rules r where r.provider_id = v_uid order by r.weekday, r.start_time;
end;
$$;
comment on function public.set_weekly_availability(jsonb) is
  'Replaces the calling provider''s weekly rules with [{weekday 0-6 (0 = Sunday), start_time "09:00", end_time "17:00"}] in the provider''s time zone. Errors: HL106, HL215, HL216.';
revoke all on function public.set_weekly_availability(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.set_weekly_availability(jsonb) to authenticated;

------------------------------------------------------------------------------------------------
-- Busy periods and slots. Slots (get_available_slots), "available now" (list_buddies) and
-- discovery's availability filters all read private.provider_busy_periods.
------------------------------------------------------------------------------------------------
create or replace function private.provider_busy_periods(p_provider_id uuid, p_range tstzrange)
returns setof tstzrange
language sql
stable
security definer
set search_path = ''
as $$
  select t.period
    from public.provider_time_off t
   where t.provider_id = p_provider_id
     and t.period && p_range
  union all
  select b.period
    from private.provider_busy_blocks b
   where b.provider_id = p_provider_id
     and b.period && p_range;
$$;
comment on function private.provider_busy_periods(uuid, tstzrange) is
  'Periods when a provider cannot take work, overlapping a range: time off and the busy blocks other modules keep (bookings that hold time). Security definer: exposes ranges, never reasons.';
revoke all on function private.provider_busy_periods(uuid, tstzrange) from public, anon, authenticated, service_role;
grant execute on function private.provider_busy_periods(uuid, tstzrange) to anon, authenticated, service_role;

create or replace function private.provider_open_hours(p_provider_id uuid, p_range tstzrange)
returns tstzmultirange
language sql
stable
security definer
set search_path = ''
as $$
  -- Wall-clock weekly rules become instants day by day in the provider's zone, so DST changes
  -- move them correctly; a rule lying in a spring-forward gap can end "before" it starts and is
  -- simply not open that day. Adjacent rules (and 24:00 followed by 00:00) merge.
  with p as (
    select pp.timezone from public.provider_profiles pp where pp.id = p_provider_id
  ), days as (
    select d::date as day, p.timezone
      from p, pg_catalog.generate_series(
             ((pg_catalog.lower(p_range) at time zone p.timezone)::date - 1)::timestamp,
             ((pg_catalog.upper(p_range) at time zone p.timezone)::date)::timestamp,
             interval '1 day') as d
  ), rule_instants as (
    select (days.day + r.start_time) at time zone days.timezone as opens,
           (days.day + r.end_time) at time zone days.timezone as closes
      from days
      join public.availability_rules r
        on r.provider_id = p_provider_id and r.weekday = extract(dow from days.day)
  )
  select coalesce(pg_catalog.range_agg(pg_catalog.tstzrange(ri.opens, ri.closes, '[)')), '{}'::tstzmultirange)
    from rule_instants ri
   where ri.opens < ri.closes;
$$;
comment on function private.provider_open_hours(uuid, tstzrange) is
  'The provider''s weekly hours as instants over the days that can overlap p_range (time zone and DST aware, adjacent rules merged). Used by slots and bookings.';
revoke all on function
  private.provider_open_hours(uuid, tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.provider_open_hours(uuid, tstzrange) to service_role;

create or replace function private.provider_available_at(p_provider_id uuid, p_at timestamptz)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select p.is_available
       and exists (
         select 1 from public.availability_rules r
          where r.provider_id = p.id
            and r.weekday = extract(dow from (p_at at time zone p.timezone))
            and r.start_time <= (p_at at time zone p.timezone)::time
            and (p_at at time zone p.timezone)::time < r.end_time)
       and not exists (select 1 from private.provider_busy_periods(p.id, tstzrange(p_at, p_at, '[]')))
      from public.provider_profiles p
     where p.id = p_provider_id), false);
$$;
comment on function private.provider_available_at(uuid, timestamptz) is
  'True when the provider''s toggle is on, a weekly rule covers the moment in their time zone, and no busy period does.';
revoke all on function
  private.provider_available_at(uuid, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function private.provider_available_at(uuid, timestamptz) to service_role;

create or replace function public.get_available_slots(
  p_listing_id uuid,
  p_from date,
  p_to date,
  p_tz text default null
)
returns table (slot_start timestamptz, slot_end timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_listing public.service_listings;
  v_provider public.provider_profiles;
  v_tz text;
  v_window tstzrange;
  v_duration interval;
  v_step interval;
  v_earliest timestamptz;
  v_max_days integer := (private.setting('catalog.max_slot_range_days'))::integer;
  v_step_minutes integer := (private.setting('catalog.slot_step_minutes'))::integer;
begin
  select * into v_listing from public.service_listings l where l.id = p_listing_id;
  if not found or not (
       (v_listing.is_active and v_listing.hidden_at is null)
       or v_listing.provider_id is not distinct from v_uid
       or (v_uid is not null and v_listing.provider_id in (select private.business_provider_ids()))
       or (v_uid is not null and private.authorize('content.moderate'))) then
    perform private.raise_error('HL219', pg_catalog.format('listing %s', coalesce(p_listing_id::text, 'null')));
  end if;
  if p_from is null or p_to is null or p_from > p_to then
    perform private.raise_error('HL217', pg_catalog.format('from %s to %s', p_from, p_to));
  end if;
  if p_to - p_from + 1 > v_max_days then
    perform private.raise_error('HL218', pg_catalog.format('%s days requested; at most %s', p_to - p_from + 1, v_max_days));
  end if;
  if p_tz is not null and not private.is_valid_timezone(p_tz) then
    perform private.raise_error('HL214', pg_catalog.format('time zone %L', p_tz));
  end if;
  select * into v_provider from public.provider_profiles p where p.id = v_listing.provider_id;
  v_tz := coalesce(p_tz, v_provider.timezone);
  -- The requested dates are whole days in the requested (or the provider's) time zone.
  v_window := tstzrange(p_from::timestamp at time zone v_tz, (p_to + 1)::timestamp at time zone v_tz, '[)');
  v_duration := pg_catalog.make_interval(mins => v_listing.duration_minutes);
  v_step := case when v_step_minutes > 0 then pg_catalog.make_interval(mins => v_step_minutes) else v_duration end;
  v_earliest := private.now() + pg_catalog.make_interval(mins => (private.setting('catalog.min_notice_minutes'))::integer);

  return query
  with open_hours as (
    select private.provider_open_hours(v_provider.id, v_window) as hours
  ), busy as (
    select coalesce(pg_catalog.range_agg(b.period), '{}'::tstzmultirange) as periods
      from private.provider_busy_periods(v_provider.id, v_window) as b(period)
  ), free as (
    select o.hours - b.periods as hours from open_hours o, busy b
  )
  select s.t, s.t + v_duration
    from open_hours o
   cross join lateral pg_catalog.unnest(o.hours) as h(r)
   cross join lateral pg_catalog.generate_series(pg_catalog.lower(h.r), pg_catalog.upper(h.r) - v_duration, v_step) as s(t)
   cross join free f
   where s.t >= v_earliest
     and v_window @> s.t
     and f.hours @> pg_catalog.tstzrange(s.t, s.t + v_duration, '[)')
   order by s.t;
end;
$$;
comment on function public.get_available_slots(uuid, date, date, text) is
  'Bookable slots of a listing between two dates (inclusive, whole days in p_tz or the provider''s time zone): the provider''s weekly rules (DST-aware), the listing duration, the catalog.slot_step_minutes grid, catalog.min_notice_minutes from now, minus time off and bookings. Errors: HL214, HL217, HL218 (more than catalog.max_slot_range_days), HL219.';
revoke all on function
  public.get_available_slots(uuid, date, date, text)
  from public, anon, authenticated, service_role;
grant execute on function public.get_available_slots(uuid, date, date, text) to anon, authenticated, service_role;
