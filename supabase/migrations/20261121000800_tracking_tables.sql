-- Module: tracking (tables)
-- Live location of the provider assigned to a booking while it is en route, arrived or in
-- progress: the provider's app reports fixes (public.report_location), the database validates,
-- throttles, stores a trail, updates the ETA and broadcasts each stored fix on the Realtime topic
-- `booking:<id>` to the customer and the provider's dispatchers. When the booking leaves those
-- states the session ends; its summary (distance, arrival, first and last fix) stays and the trail
-- is deleted tracking.trail_retention_hours later by pg_cron. The module never changes the
-- bookings module's objects: it keeps its own rows keyed by booking id and learns about
-- transitions through bookings' registry private.booking_transition_handlers.
--
-- Decisions (docs/messaging.md, "Live location"):
--   * Reporter: the provider-side person who started the session (who took start_travel, or
--     arrive when the booking skipped en_route): the individual provider, or the business member
--     (staff, manager, owner) assigned to the job. A session started by the system or an
--     operator is the provider's own. Staff must still belong to the booking's business.
--   * Watchers (read on booking:<id>, get_booking_location): the customer, the provider, the
--     business's dispatchers (members with business role owner or manager) and the reporter.
--     Nobody sends client broadcasts or tracks presence on booking topics: every fix comes from
--     the database, so a client cannot spoof one.
--   * Throttle: a fix recorded less than tracking.min_interval_seconds after the last stored fix
--     is coalesced: it updates the live state (last fix, remaining distance, ETA) but is neither
--     stored in the trail nor broadcast.
--   * ETA (while en route): remaining = geodesic distance(last fix, booking location) ×
--     tracking.route_factor; speed = greatest(recent speed, tracking.speed_floor_mps), where recent
--     speed is the trail distance over the last tracking.speed_window_seconds divided by its
--     duration (the device's reported speed while the window holds fewer than two fixes); ETA =
--     recorded_at + remaining / speed, or recorded_at within tracking.arrival_radius_m.

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL550-HL569). Booking not found (HL400) and latitude/longitude out
-- of range (HL200, HL201) reuse the existing codes.
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL550', 'not_location_reporter', 403, 'Only the provider assigned to this booking can report its location.',
   'The person who started the travel (or marked the arrival) reports; the customer, other staff and operators cannot.'),
  ('HL551', 'booking_not_tracked', 409, 'Location is reported only while the booking is en route, arrived or in progress.',
   'Start the travel first (transition_booking start_travel); details give the booking''s state.'),
  ('HL552', 'invalid_location_accuracy', 400, 'The accuracy must be between 0 and the maximum in metres.',
   'Send the device''s horizontal accuracy in metres (null when unknown); see details for the maximum.'),
  ('HL553', 'invalid_heading', 400, 'The heading must be between 0 and 360 degrees.',
   'Send the course over ground in degrees clockwise from north, or null.'),
  ('HL554', 'invalid_speed', 400, 'The speed must be between 0 and the maximum in metres per second.',
   'Send the device''s speed in m/s (null when unknown); see details for the maximum.'),
  ('HL555', 'location_in_future', 400, 'The location''s time is in the future.',
   'recorded_at may be at most tracking.max_clock_skew_seconds ahead of the server clock; check the device clock.'),
  ('HL556', 'location_too_old', 400, 'The location is too old.',
   'Fixes older than tracking.max_age_seconds are refused; send the current fix.'),
  ('HL557', 'location_report_incomplete', 400, 'A location report needs a latitude, a longitude and the time it was recorded.',
   'Send p_lat, p_lng and p_recorded_at; accuracy, heading and speed may be null.'),
  ('HL558', 'location_not_shared', 403, 'This booking''s live location is shared with its customer and the provider''s dispatchers only.',
   'Business staff see it when they are the one travelling; operators do not see it.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('tracking.min_interval_seconds', '5',
   'Minimum time between two stored trail fixes of a booking; faster fixes are coalesced (live state only, not stored, not broadcast).'),
  ('tracking.max_clock_skew_seconds', '10',
   'How far ahead of the server clock a fix''s recorded_at may be (device clock skew).'),
  ('tracking.max_age_seconds', '60',
   'Fixes recorded longer ago than this are refused.'),
  ('tracking.max_accuracy_m', '2000',
   'Largest horizontal accuracy (metres) a fix may report.'),
  ('tracking.max_speed_mps', '100',
   'Largest speed (m/s, 360 km/h) a fix may report; also the ETA''s speed cap.'),
  ('tracking.speed_floor_mps', '2.5',
   'Slowest speed the ETA assumes (m/s, 9 km/h), so a stationary provider still gets a finite ETA.'),
  ('tracking.speed_window_seconds', '120',
   'Recent speed for the ETA: trail distance over this many seconds before the last stored fix.'),
  ('tracking.route_factor', '1.3',
   'Road distance over straight-line distance assumed by the ETA.'),
  ('tracking.arrival_radius_m', '50',
   'Within this distance of the booking location the ETA is the fix''s time.'),
  ('tracking.trail_retention_hours', '24',
   'Trails are deleted this long after the booking left en route / arrived / in progress (pg_cron); the summary stays.'),
  ('tracking.retention_batch_size', '1000',
   'Most sessions whose trails one retention run deletes.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- One row per booking that was ever tracked: the live state while active, the summary after.
------------------------------------------------------------------------------------------------
create table private.booking_tracking (
  booking_id uuid primary key references public.bookings (id) on delete cascade,
  -- Who reports (null once their profile is gone).
  reporter_id uuid references public.profiles (id) on delete set null,
  started_at timestamptz not null,
  -- Set when the booking left en_route/arrived/in_progress.
  ended_at timestamptz,
  arrived_at timestamptz,
  -- First and last fix (the summary); the last fix is also the live position.
  first_location extensions.geography(Point, 4326),
  first_recorded_at timestamptz,
  last_location extensions.geography(Point, 4326),
  last_recorded_at timestamptz,
  last_accuracy_m real,
  last_heading real,
  last_speed_mps real,
  -- recorded_at of the last fix stored in the trail (the throttle's reference).
  last_stored_at timestamptz,
  -- Trail distance so far, metres (sum of segments between stored fixes).
  distance_m double precision not null default 0 check (distance_m >= 0),
  remaining_m double precision check (remaining_m is null or remaining_m >= 0),
  eta_at timestamptz,
  fixes_received integer not null default 0,
  fixes_stored integer not null default 0,
  trail_deleted_at timestamptz,
  updated_at timestamptz not null default now()
);
comment on table private.booking_tracking is
  'Live location of a booking (last fix, remaining distance, ETA) while it is en route, arrived or in progress, and its summary '
  '(distance travelled, arrival time, first and last fix) kept after the trail is deleted.';
create index booking_tracking_reporter_id_idx on private.booking_tracking (reporter_id);
create index booking_tracking_retention_idx on private.booking_tracking (ended_at)
  where ended_at is not null and trail_deleted_at is null;

-- The trail: fixes at least tracking.min_interval_seconds apart, with the distance so far.
create table private.tracking_points (
  booking_id uuid not null references private.booking_tracking (booking_id) on delete cascade,
  recorded_at timestamptz not null,
  location extensions.geography(Point, 4326) not null,
  accuracy_m real,
  heading real,
  speed_mps real,
  -- booking_tracking.distance_m when this fix was stored.
  distance_m double precision not null,
  received_at timestamptz not null,
  primary key (booking_id, recorded_at)
);
comment on table private.tracking_points is
  'Trail of a tracked booking: stored fixes (throttled) with the cumulative distance. Deleted by pg_cron '
  'tracking.trail_retention_hours after the booking leaves the active states.';

revoke all on table private.booking_tracking, private.tracking_points from anon, authenticated, service_role;
