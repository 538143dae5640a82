-- Module: tracking (reports)
-- public.report_location: the assigned provider's app sends fixes while the booking is en route,
-- arrived or in progress. Validated (HL557, HL200, HL201, HL552-HL556), authorised (HL400, HL550,
-- HL551), throttled (coalesced below tracking.min_interval_seconds), stored as a trail with the
-- distance so far, the ETA recomputed, and each stored fix broadcast as `location` on
-- booking:<id>. A refused report writes nothing.

-- The module's settings in one read.
create or replace function private.tracking_settings()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(pg_catalog.substr(s.key, pg_catalog.length('tracking.') + 1), s.value), '{}'::jsonb)
    from private.settings s
   where s.key like 'tracking.%';
$$;
comment on function private.tracking_settings() is
  'The tracking.* settings as one object keyed without the prefix (min_interval_seconds, max_age_seconds, ...).';
revoke all on function private.tracking_settings() from public, anon, authenticated, service_role;

-- ETA of a fix (docs/messaging.md): remaining = geodesic distance × route_factor; speed =
-- least(max_speed, greatest(speed_floor, recent speed, else the reported speed, else 0)); within
-- arrival_radius (straight line) the ETA is the fix's time. Null without a destination.
create or replace function private.tracking_eta(
  p_recorded_at timestamptz,
  p_straight_m double precision,
  p_recent_speed double precision,
  p_reported_speed double precision,
  p_settings jsonb
)
returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select case
    when p_straight_m is null then null
    when p_straight_m <= (p_settings ->> 'arrival_radius_m')::double precision then p_recorded_at
    else p_recorded_at + pg_catalog.make_interval(secs =>
      p_straight_m * (p_settings ->> 'route_factor')::double precision
      / least((p_settings ->> 'max_speed_mps')::double precision,
              greatest((p_settings ->> 'speed_floor_mps')::double precision,
                       coalesce(p_recent_speed, p_reported_speed, 0))))
  end;
$$;
comment on function private.tracking_eta(timestamptz, double precision, double precision, double precision, jsonb) is
  'ETA of a fix recorded at p_recorded_at, p_straight_m (geodesic metres) from the destination: recorded_at + '
  'p_straight_m × route_factor / least(max_speed_mps, greatest(speed_floor_mps, recent speed, else reported speed, else 0)); '
  'recorded_at within arrival_radius_m; null without a destination.';
revoke all on function private.tracking_eta(timestamptz, double precision, double precision, double precision, jsonb)
  from public, anon, authenticated, service_role;

create or replace function public.report_location(
  p_booking_id uuid,
  p_lat double precision,
  p_lng double precision,
  p_accuracy double precision default null,
  p_heading double precision default null,
  p_speed double precision default null,
  p_recorded_at timestamptz default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_settings jsonb := private.tracking_settings();
  v_booking public.bookings;
  v_roles text[];
  v_tracking private.booking_tracking;
  v_point extensions.geography;
  v_destination extensions.geography;
  v_store boolean;
  v_previous extensions.geography;
  v_distance double precision;
  v_ref timestamptz;
  v_window record;
  v_recent double precision;
  v_straight double precision;
  v_eta timestamptz;
  v_remaining double precision;
  v_result jsonb;
begin
  -- Input.
  if p_booking_id is null or p_lat is null or p_lng is null or p_recorded_at is null then
    perform private.raise_error('HL557', 'p_booking_id, p_lat, p_lng and p_recorded_at are required');
  end if;
  if not (p_lat between -90 and 90) then
    perform private.raise_error('HL200', pg_catalog.format('p_lat %s', p_lat));
  end if;
  if not (p_lng between -180 and 180) then
    perform private.raise_error('HL201', pg_catalog.format('p_lng %s', p_lng));
  end if;
  if p_accuracy is not null and not (p_accuracy between 0 and (v_settings ->> 'max_accuracy_m')::double precision) then
    perform private.raise_error('HL552', pg_catalog.format('p_accuracy %s: 0 to %s m', p_accuracy, v_settings ->> 'max_accuracy_m'));
  end if;
  if p_heading is not null and not (p_heading between 0 and 360) then
    perform private.raise_error('HL553', pg_catalog.format('p_heading %s', p_heading));
  end if;
  if p_speed is not null and not (p_speed between 0 and (v_settings ->> 'max_speed_mps')::double precision) then
    perform private.raise_error('HL554', pg_catalog.format('p_speed %s: 0 to %s m/s', p_speed, v_settings ->> 'max_speed_mps'));
  end if;
  if p_recorded_at > v_now + pg_catalog.make_interval(secs => (v_settings ->> 'max_clock_skew_seconds')::double precision) then
    perform private.raise_error('HL555', pg_catalog.format('recorded_at %s, server time %s', p_recorded_at, v_now));
  end if;
  if p_recorded_at < v_now - pg_catalog.make_interval(secs => (v_settings ->> 'max_age_seconds')::double precision) then
    perform private.raise_error('HL556', pg_catalog.format('recorded_at %s, server time %s, at most %s s old',
                                                           p_recorded_at, v_now, v_settings ->> 'max_age_seconds'));
  end if;

  -- Who and when. Strangers learn nothing about the booking (HL400).
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  select * into v_tracking from private.booking_tracking t where t.booking_id = p_booking_id for update;
  if v_booking.status not in ('en_route', 'arrived', 'in_progress') or v_tracking.booking_id is null
     or v_tracking.ended_at is not null then
    if v_tracking.reporter_id = v_uid or (v_tracking.booking_id is null and v_roles && array['provider', 'staff']) then
      perform private.raise_error('HL551', pg_catalog.format('the booking is %s', v_booking.status));
    end if;
    perform private.raise_error('HL550', 'you are not the provider assigned to this booking');
  end if;
  if v_tracking.reporter_id is distinct from v_uid
     or (v_uid <> v_booking.provider_id
         and not exists (select 1 from public.business_members bm
                          where bm.business_id = v_booking.business_id and bm.user_id = v_uid)) then
    perform private.raise_error('HL550', 'you are not the provider assigned to this booking');
  end if;

  -- A fix not newer than the last one (a retry, or out of order) changes nothing.
  if p_recorded_at <= v_tracking.last_recorded_at then
    return pg_catalog.jsonb_build_object('status', 'ignored', 'booking_id', p_booking_id, 'recorded_at', p_recorded_at,
                                         'reason', 'not newer than the last fix', 'last_recorded_at', v_tracking.last_recorded_at);
  end if;

  v_point := extensions.st_setsrid(extensions.st_makepoint(p_lng, p_lat), 4326)::extensions.geography;
  v_store := v_tracking.last_stored_at is null
          or p_recorded_at >= v_tracking.last_stored_at
                              + pg_catalog.make_interval(secs => (v_settings ->> 'min_interval_seconds')::double precision);
  v_distance := v_tracking.distance_m;
  if v_store then
    if v_tracking.last_stored_at is not null then
      select tp.location into v_previous
        from private.tracking_points tp
       where tp.booking_id = p_booking_id and tp.recorded_at = v_tracking.last_stored_at;
      v_distance := v_distance + coalesce(extensions.st_distance(v_previous, v_point), 0);
    end if;
    insert into private.tracking_points (booking_id, recorded_at, location, accuracy_m, heading, speed_mps, distance_m, received_at)
    values (p_booking_id, p_recorded_at, v_point, p_accuracy, p_heading, p_speed, v_distance, v_now);
    v_ref := p_recorded_at;
  else
    v_ref := v_tracking.last_stored_at;
  end if;

  -- Recent speed: trail distance over the window before the last stored fix.
  select tp.recorded_at, tp.distance_m into v_window
    from private.tracking_points tp
   where tp.booking_id = p_booking_id
     and tp.recorded_at >= v_ref - pg_catalog.make_interval(secs => (v_settings ->> 'speed_window_seconds')::double precision)
   order by tp.recorded_at
   limit 1;
  if v_window.recorded_at is not null and v_ref - v_window.recorded_at >= interval '1 second' then
    v_recent := (v_distance - v_window.distance_m) / extract(epoch from v_ref - v_window.recorded_at)::double precision;
  end if;

  select s.location into v_destination from private.booking_secrets s where s.booking_id = p_booking_id;
  v_straight := extensions.st_distance(v_point, v_destination);
  v_remaining := v_straight * (v_settings ->> 'route_factor')::double precision;
  if v_booking.status = 'en_route' then
    v_eta := private.tracking_eta(p_recorded_at, v_straight, v_recent, p_speed, v_settings);
  end if;

  update private.booking_tracking t
     set first_location = coalesce(t.first_location, v_point),
         first_recorded_at = coalesce(t.first_recorded_at, p_recorded_at),
         last_location = v_point,
         last_recorded_at = p_recorded_at,
         last_accuracy_m = p_accuracy,
         last_heading = p_heading,
         last_speed_mps = p_speed,
         last_stored_at = case when v_store then p_recorded_at else t.last_stored_at end,
         distance_m = v_distance,
         remaining_m = v_remaining,
         eta_at = v_eta,
         fixes_received = t.fixes_received + 1,
         fixes_stored = t.fixes_stored + case when v_store then 1 else 0 end,
         updated_at = v_now
   where t.booking_id = p_booking_id;

  v_result := pg_catalog.jsonb_build_object(
    'booking_id', p_booking_id, 'status', v_booking.status,
    'lat', p_lat, 'lng', p_lng, 'accuracy', p_accuracy, 'heading', p_heading, 'speed', p_speed,
    'recorded_at', p_recorded_at, 'distance_m', pg_catalog.round(v_distance::numeric, 1),
    'remaining_m', pg_catalog.round(v_remaining::numeric, 1), 'eta_at', v_eta);
  if v_store then
    perform realtime.send(v_result, 'location', 'booking:' || p_booking_id::text, true);
  end if;
  return v_result || pg_catalog.jsonb_build_object(
    'status', case when v_store then 'stored' else 'coalesced' end,
    'booking_status', v_booking.status,
    'next_store_at', case when v_store then p_recorded_at else v_tracking.last_stored_at end
                     + pg_catalog.make_interval(secs => (v_settings ->> 'min_interval_seconds')::double precision));
end;
$$;
comment on function public.report_location(uuid, double precision, double precision, double precision, double precision, double precision, timestamptz) is
  'The assigned provider''s fix for a booking en route, arrived or in progress: lat, lng, accuracy (m), heading (degrees), speed '
  '(m/s), recorded_at (at most tracking.max_clock_skew_seconds ahead, at most tracking.max_age_seconds old). Stored in the trail '
  'and broadcast as `location` on booking:<id> when at least tracking.min_interval_seconds after the last stored fix, else '
  'coalesced (live state only); a fix not newer than the last is ignored. Returns the fix with distance_m, remaining_m, eta_at '
  'and status stored/coalesced/ignored. Errors: HL001, HL557, HL200, HL201, HL552-HL556, HL400, HL550, HL551.';
revoke all on function public.report_location(uuid, double precision, double precision, double precision, double precision, double precision, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function public.report_location(uuid, double precision, double precision, double precision, double precision, double precision, timestamptz)
  to authenticated;
