-- Module tracking: live location of a booking. Sessions follow the booking's transitions (who
-- reports, arrival, end); report_location validates, authorises, throttles (coalesces), stores the
-- trail, computes distance and ETA and broadcasts on booking:<id>; misuse is refused with its code
-- and writes nothing; watchers read the live state; the realtime.messages rules of booking:<id>;
-- retention by pg_cron keeps the summary; account deletion erases positions.
begin;
select plan(93);

------------------------------------------------------------------------------------------------
-- Fixtures: Fixit Pro owns Fixit Co (manager lt_mgr, staff lt_staff and lt_staff2); Solo Pro
-- works alone; lt_cust books both; lt_op is support; lt_stranger has nothing to do with it.
------------------------------------------------------------------------------------------------
select tests.create_supabase_user(u)
  from unnest(array['lt_cust', 'lt_prov', 'lt_mgr', 'lt_staff', 'lt_staff2', 'lt_solo', 'lt_stranger', 'lt_op']) u;
select tests.get_supabase_uid('lt_cust') as cust, tests.get_supabase_uid('lt_prov') as prov,
       tests.get_supabase_uid('lt_staff') as staff, tests.get_supabase_uid('lt_solo') as solo,
       tests.get_supabase_uid('lt_op') as op \gset
insert into public.user_roles (user_id, role) values (:'op', 'support');
select tests.create_business('lt_prov', 'Fixit Co', managers => array['lt_mgr'], staff => array['lt_staff', 'lt_staff2'],
                             id => 'b0000000-0000-4000-8000-0000000008a1');
select tests.create_provider('lt_prov', 25.20, 55.27, profile => '{"business_id": "b0000000-0000-4000-8000-0000000008a1"}');
select tests.create_provider('lt_solo', 25.20, 55.27);

select tests.freeze_time(date_trunc('minute', now()));
-- The service location, about 1.5 km from the providers' base.
select tests.create_booking('lt_cust', 'lt_prov', 'accepted', location => tests.point(25.21, 55.28)) as biz \gset
select tests.create_booking('lt_cust', 'lt_solo', 'en_route', location => tests.point(25.21, 55.28)) as solo_b \gset
select tests.create_booking('lt_cust', 'lt_solo', 'accepted', location => tests.point(25.21, 55.28)) as solo_acc \gset
select tests.authorize_booking_payment(:'biz');
select tests.create_booking('lt_cust', 'lt_solo', 'completed', location => tests.point(25.21, 55.28)) as solo_done \gset

------------------------------------------------------------------------------------------------
-- Sessions follow the booking.
------------------------------------------------------------------------------------------------
select is((select reporter_id from private.booking_tracking where booking_id = :'solo_b'), :'solo'::uuid,
  'start_travel by an individual provider starts a session they report');
select ok(not exists (select 1 from private.booking_tracking where booking_id = :'solo_acc'),
  'an accepted booking has no session');
select tests.authenticate_as('lt_staff');
select is((public.transition_booking(:'biz', 'start_travel')).status, 'en_route', 'staff set off');
reset role;
select is((select reporter_id from private.booking_tracking where booking_id = :'biz'), :'staff'::uuid,
  'the staff member who set off is the booking''s reporter');
select is((select count(*)::int from realtime.messages where topic = 'booking:' || :'biz' and event = 'tracking_status'
             and payload ->> 'status' = 'en_route' and (payload ->> 'tracking')::boolean), 1,
  'the session start is broadcast as tracking_status on booking:<id>');

------------------------------------------------------------------------------------------------
-- Reports: stored, coalesced, ignored; distance and ETA.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('lt_staff');
select is(public.report_location(:'biz', 25.20, 55.27, 5, 45, 0, private.now() - interval '20 seconds') ->> 'status', 'stored',
  'the first fix is stored');
select is(public.report_location(:'biz', 25.2001, 55.2701, 5, 45, 1, private.now() - interval '17 seconds') ->> 'status', 'coalesced',
  'a fix 3 s later (under tracking.min_interval_seconds) is coalesced');
select is(public.report_location(:'biz', 25.2001, 55.2701, 5, 45, 1, private.now() - interval '18 seconds') ->> 'status', 'ignored',
  'a fix older than the last one is ignored');
reset role;
select is((select count(*)::int from private.tracking_points where booking_id = :'biz'), 1, 'the coalesced fix is not in the trail');
select is((select array[fixes_received, fixes_stored] from private.booking_tracking where booking_id = :'biz'), array[2, 1],
  'two fixes received, one stored (the ignored one counts nowhere)');
select is((select last_recorded_at from private.booking_tracking where booking_id = :'biz'), private.now() - interval '17 seconds',
  'the coalesced fix is the live position');
select is((select count(*)::int from realtime.messages where topic = 'booking:' || :'biz' and event = 'location'), 1,
  'only the stored fix was broadcast as location');
select is((select payload ->> 'lat' from realtime.messages where topic = 'booking:' || :'biz' and event = 'location'), '25.2',
  'the broadcast carries the fix');

-- Stationary for 10 s: ETA at the speed floor.
select tests.authenticate_as('lt_staff');
select public.report_location(:'biz', 25.20, 55.27, 5, 45, 0, private.now() - interval '10 seconds') as r1 \gset
reset role;
select is(:'r1'::jsonb ->> 'status', 'stored', 'a fix 10 s after the last stored one is stored');
select is((:'r1'::jsonb ->> 'distance_m')::numeric, 0.0, 'no movement, no distance');
select is((:'r1'::jsonb ->> 'eta_at')::timestamptz,
          (private.now() - interval '10 seconds')
          + make_interval(secs => extensions.st_distance(tests.point(25.20, 55.27), tests.point(25.21, 55.28)) * 1.3 / 2.5),
  'stationary: ETA = recorded_at + straight distance × route factor 1.3 / speed floor 2.5 m/s');
select is(round((:'r1'::jsonb ->> 'remaining_m')::numeric),
          round((extensions.st_distance(tests.point(25.20, 55.27), tests.point(25.21, 55.28)) * 1.3)::numeric),
  'remaining distance = straight distance × 1.3');

-- Moving 100 m north in 10 s: 10 m/s over the window.
select tests.authenticate_as('lt_staff');
select public.report_location(:'biz', 25.20 + tests.metres_to_degrees(100), 55.27, 5, 0, 10, private.now()) as r2 \gset
reset role;
select ok(abs((:'r2'::jsonb ->> 'distance_m')::numeric - 100) < 1, 'the trail distance adds the segment (100 m)');
select is((:'r2'::jsonb ->> 'eta_at')::timestamptz,
          private.now() + make_interval(secs =>
            extensions.st_distance(tests.point(25.20 + tests.metres_to_degrees(100), 55.27), tests.point(25.21, 55.28)) * 1.3
            / ((select distance_m from private.tracking_points where booking_id = :'biz' and recorded_at = private.now()) / 20)),
  'moving: ETA uses the recent speed (trail distance over the last 120 s window: 100 m / 20 s)');
select is((select distance_m from private.booking_tracking where booking_id = :'biz')::numeric,
          (select distance_m from private.tracking_points where booking_id = :'biz' and recorded_at = private.now())::numeric,
  'the session keeps the distance so far');
select ok(private.tracking_eta(now(), 10000, 0, null, private.tracking_settings()) = now() + interval '5200 seconds',
  'tracking_eta: a stationary provider 10 km away gets 10000 × 1.3 / 2.5 s, never a division by zero');
select ok(private.tracking_eta(now(), 40, null, null, private.tracking_settings()) = now(),
  'tracking_eta: within the arrival radius the ETA is the fix''s time');
select ok(private.tracking_eta(now(), 10000, 5000, null, private.tracking_settings()) = now() + interval '130 seconds',
  'tracking_eta: speeds are capped at tracking.max_speed_mps');

------------------------------------------------------------------------------------------------
-- Misuse: each refused with its code, nothing written.
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), '42501', null,
  'anon cannot call report_location');
select tests.authenticate_as('lt_cust');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL550', null,
  'the customer cannot report (HL550)');
select tests.authenticate_as('lt_staff2');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL550', null,
  'other staff of the business cannot report (HL550)');
select tests.authenticate_as('lt_mgr');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL550', null,
  'a dispatcher watches but does not report (HL550)');
select tests.authenticate_as('lt_prov');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL550', null,
  'nor does the business owner when staff travel (HL550)');
select tests.authenticate_as('lt_op');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL550', null,
  'nor an operator (HL550)');
select tests.authenticate_as('lt_stranger');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL400', null,
  'a stranger learns nothing about the booking (HL400)');
select throws_ok($$ select public.report_location(gen_random_uuid(), 25.2, 55.27, 5, 0, 0, private.now()) $$, 'HL400', null,
  'an unknown booking is HL400');
select tests.authenticate_as('lt_solo');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'solo_acc'), 'HL551', null,
  'no location before the provider sets off (HL551)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'solo_done'), 'HL551', null,
  'no location once the booking is completed (HL551)');
select tests.authenticate_as('lt_staff');
select throws_ok(format($$ select public.report_location(%L, 91, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL200', null,
  'latitude above 90 (HL200)');
select throws_ok(format($$ select public.report_location(%L, 'NaN', 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL200', null,
  'latitude NaN (HL200)');
select throws_ok(format($$ select public.report_location(%L, 25.2, -180.5, 5, 0, 0, private.now()) $$, :'biz'), 'HL201', null,
  'longitude below -180 (HL201)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, -1, 0, 0, private.now()) $$, :'biz'), 'HL552', null,
  'negative accuracy (HL552)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 2001, 0, 0, private.now()) $$, :'biz'), 'HL552', null,
  'accuracy above tracking.max_accuracy_m (HL552)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 'Infinity', 0, 0, private.now()) $$, :'biz'), 'HL552', null,
  'infinite accuracy (HL552)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 360.5, 0, private.now()) $$, :'biz'), 'HL553', null,
  'heading above 360 (HL553)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, -1, 0, private.now()) $$, :'biz'), 'HL553', null,
  'negative heading (HL553)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, -0.1, private.now()) $$, :'biz'), 'HL554', null,
  'negative speed (HL554)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 101, private.now()) $$, :'biz'), 'HL554', null,
  'speed above tracking.max_speed_mps (HL554)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now() + interval '11 seconds') $$, :'biz'),
  'HL555', null, 'a fix more than tracking.max_clock_skew_seconds (10) ahead is from the future (HL555)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now() - interval '61 seconds') $$, :'biz'),
  'HL556', null, 'a fix older than a minute (HL556)');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, null) $$, :'biz'), 'HL557', null,
  'a fix without its time (HL557)');
select throws_ok(format($$ select public.report_location(%L, null, 55.27) $$, :'biz'), 'HL557', null,
  'a fix without latitude (HL557)');
reset role;
select is((select array[fixes_received, fixes_stored] from private.booking_tracking where booking_id = :'biz'), array[4, 3],
  'the refused reports changed nothing: still 4 fixes received, 3 stored');
select is((select count(*)::int from realtime.messages where topic = 'booking:' || :'biz' and event = 'location'), 3,
  'and broadcast nothing');
-- A staff reporter who left the business no longer reports; the individual provider reports their own booking.
delete from public.business_members where user_id = :'staff';
select tests.authenticate_as('lt_staff');
select throws_ok(format($$ select public.report_location(%L, 25.2, 55.27, 5, 0, 0, private.now()) $$, :'biz'), 'HL400', null,
  'a reporter who left the business is a stranger to the booking and cannot report (HL400)');
reset role;
insert into public.business_members (business_id, user_id, role) values ('b0000000-0000-4000-8000-0000000008a1', :'staff', 'staff');
select tests.authenticate_as('lt_solo');
select is(public.report_location(:'solo_b', 25.2, 55.27, 3, 90, 4, private.now()) ->> 'status', 'stored',
  'an individual provider reports their own booking');
reset role;
select ok((select extensions.st_equals(location::extensions.geometry, tests.point(25.2, 55.27)::extensions.geometry)
             from private.tracking_points where booking_id = :'solo_b'), 'the trail holds the fix as a geography point');
-- Within the skew allowance a fix slightly ahead of the server clock is accepted.
select tests.authenticate_as('lt_staff');
select is(public.report_location(:'biz', 25.2, 55.27, null, null, null, private.now() + interval '4 seconds') ->> 'status', 'coalesced',
  'a fix 4 s ahead (within the allowance), without accuracy, heading or speed, is accepted (coalesced)');

------------------------------------------------------------------------------------------------
-- Watchers: get_booking_location and the realtime.messages rules of booking:<id>.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('lt_cust');
select public.get_booking_location(:'biz') as live \gset
select is(:'live'::jsonb ->> 'tracking', 'true', 'the customer reads the live state: tracking on');
select is((:'live'::jsonb -> 'last' ->> 'recorded_at')::timestamptz, private.now() + interval '4 seconds', 'with the last fix');
select ok((:'live'::jsonb ->> 'eta_at') is not null and (:'live'::jsonb ->> 'topic') = 'booking:' || :'biz', 'an ETA and the topic to subscribe to');
select tests.authenticate_as('lt_mgr');
select is(public.get_booking_location(:'biz') ->> 'booking_id', :'biz', 'a dispatcher (manager) reads it');
select tests.authenticate_as('lt_staff2');
select throws_ok(format($$ select public.get_booking_location(%L) $$, :'biz'), 'HL558', null, 'other staff do not (HL558)');
select tests.authenticate_as('lt_op');
select throws_ok(format($$ select public.get_booking_location(%L) $$, :'biz'), 'HL558', null, 'nor operators (HL558)');
select tests.authenticate_as('lt_stranger');
select throws_ok(format($$ select public.get_booking_location(%L) $$, :'biz'), 'HL400', null, 'a stranger gets HL400');

select tests.authenticate_as('lt_cust');
select ok(private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'booking topic: the customer receives');
select ok(not private.realtime_allows('booking:' || :'biz', 'broadcast', 'write'), 'but sends no client broadcast');
select ok(not private.realtime_allows('booking:' || :'biz', 'presence', 'read')
          and not private.realtime_allows('booking:' || :'biz', 'presence', 'write'), 'and has no presence there');
select tests.authenticate_as('lt_prov');
select ok(private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'the business owner (dispatcher) receives');
select tests.authenticate_as('lt_mgr');
select ok(private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'a manager (dispatcher) receives');
select tests.authenticate_as('lt_staff');
select ok(private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'the reporting staff member receives');
select ok(not private.realtime_allows('booking:' || :'biz', 'broadcast', 'write'), 'but sends no client broadcast either');
select tests.authenticate_as('lt_staff2');
select ok(not private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'other staff do not receive');
select tests.authenticate_as('lt_op');
select ok(not private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'operators do not receive');
select tests.authenticate_as('lt_stranger');
select ok(not private.realtime_allows('booking:' || :'biz', 'broadcast', 'read'), 'a stranger does not receive');
select tests.authenticate_as('lt_cust');
select ok(not private.realtime_allows('booking:not-a-uuid', 'broadcast', 'read')
          and not private.realtime_allows('booking:' || :'biz' || ':x', 'broadcast', 'read'), 'malformed booking topics are closed');
-- Realtime's own probes, under realtime.topic().
reset role;
insert into realtime.messages (topic, extension, private, payload)
values ('booking:' || :'biz', 'presence', true, '{}'), ('booking:' || :'solo_b', 'broadcast', true, '{}');
select tests.authenticate_as('lt_cust');
select set_config('realtime.topic', 'booking:' || :'biz', true);
select is((select count(*)::int from realtime.messages where extension = 'broadcast'), 4,
  'SELECT policy: the customer sees the booking''s broadcasts (tracking_status and three locations)');
select is((select count(*)::int from realtime.messages where extension = 'presence'), 0, 'but no presence');
select throws_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'broadcast', true) $$, 'booking:' || :'biz'),
  '42501', null, 'INSERT policy: the customer cannot broadcast on the booking topic (no spoofed fixes)');
select tests.authenticate_as('lt_staff');
select throws_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'broadcast', true) $$, 'booking:' || :'biz'),
  '42501', null, 'nor can the reporter: fixes go through report_location');
select tests.authenticate_as('lt_stranger');
select is((select count(*)::int from realtime.messages), 0, 'a stranger''s probe sees nothing');

------------------------------------------------------------------------------------------------
-- Arrival, end of the session, summary.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('lt_staff');
select is((public.transition_booking(:'biz', 'arrive')).status, 'arrived', 'staff arrive');
reset role;
select ok((select arrived_at = private.now() and eta_at is null from private.booking_tracking where booking_id = :'biz'),
  'the arrival time is recorded and the ETA cleared');
select tests.freeze_time(date_trunc('minute', now()) + interval '1 minute');
select tests.authenticate_as('lt_staff');
select is(public.report_location(:'biz', 25.21, 55.28, 5, 0, 0, private.now()) ->> 'eta_at', null,
  'reports go on while arrived, without an ETA');
reset role;
select tests.apply_booking_transition(:'biz', 'start', 'provider', :'staff');
select tests.apply_booking_transition(:'biz', 'complete', 'provider', :'staff');
select ok((select ended_at = private.now() from private.booking_tracking where booking_id = :'biz'), 'completion ends the session');
select tests.authenticate_as('lt_staff');
select throws_ok(format($$ select public.report_location(%L, 25.21, 55.28, 5, 0, 0, private.now()) $$, :'biz'), 'HL551', null,
  'the reporter gets HL551 once the booking is completed');
reset role;
select is((select count(*)::int from realtime.messages where topic = 'booking:' || :'biz' and event = 'tracking_status'
             and payload ->> 'status' = 'completed' and not (payload ->> 'tracking')::boolean and payload ? 'distance_m'), 1,
  'the end is broadcast with the summary');
select tests.create_booking('lt_cust', 'lt_solo', 'arrived', location => tests.point(25.21, 55.28)) as solo_arr \gset
select ok((select arrived_at is not null and reporter_id = :'solo'::uuid from private.booking_tracking where booking_id = :'solo_arr'),
  'a booking that arrives without travelling starts its session on arrival');
select tests.apply_booking_transition(:'solo_b', 'cancel', 'customer', :'cust');
select ok((select ended_at is not null from private.booking_tracking where booking_id = :'solo_b'), 'cancelling ends the session too');

------------------------------------------------------------------------------------------------
-- Retention (pg_cron) keeps the summary.
------------------------------------------------------------------------------------------------
select is((select schedule from cron.job where jobname = 'hyperlocal-tracking-retention'), '*/10 * * * *',
  'the retention job runs every 10 minutes');
select is(private.purge_tracking_trails(), 0, 'nothing is purged before tracking.trail_retention_hours');
select tests.freeze_time(date_trunc('minute', now()) + interval '1 minute' + interval '24 hours');
select ok(private.purge_tracking_trails() >= 3, 'after 24 h the ended sessions'' trails are purged');
select is((select array_agg(booking_id order by booking_id) from private.booking_tracking
            where booking_id in (:'biz', :'solo_b', :'solo_done', :'solo_arr') and trail_deleted_at is not null),
          (select array_agg(b order by b) from unnest(array[:'biz', :'solo_b', :'solo_done']::uuid[]) b),
  'those of Fixit, the cancelled and the completed solo bookings, not the one still under way');
select is((select count(*)::int from private.tracking_points where booking_id = :'biz'), 0, 'the trail is gone');
select tests.authenticate_as('lt_cust');
select public.get_booking_location(:'biz') as summary \gset
select ok((:'summary'::jsonb ->> 'distance_m')::numeric > 100 and :'summary'::jsonb ->> 'arrived_at' is not null
          and :'summary'::jsonb -> 'first' ->> 'lat' = '25.2' and :'summary'::jsonb -> 'last' ->> 'lat' = '25.21'
          and :'summary'::jsonb ->> 'trail_deleted_at' is not null,
  'the summary stays: distance, arrival, first and last fix');
reset role;
select is(private.purge_tracking_trails(), 0, 'purging again does nothing');

------------------------------------------------------------------------------------------------
-- Account deletion erases positions, keeps times and distances.
------------------------------------------------------------------------------------------------
select private.delete_account_tracking(:'cust');
select ok((select bool_and(first_location is null and last_location is null and distance_m is not null)
             from private.booking_tracking t join public.bookings b on b.id = t.booking_id where b.customer_id = :'cust'),
  'account deletion erases the positions of the user''s sessions');
select is((select count(*)::int from private.tracking_points tp join public.bookings b on b.id = tp.booking_id
            where b.customer_id = :'cust'), 0, 'and their trails');

select * from finish();
rollback;
