-- Module bookings, stalled bookings: en route or arrived but never started, they are cancelled
-- by the system 12 hours after their scheduled end (bookings.stalled_after_minutes), through the
-- transition path, without a fee; bookings that moved on or are not yet due are left alone.
begin;
select plan(10);

-- Monday 2030-06-03 10:00 in Dubai.
select tests.freeze_time('2030-06-03 06:00+00');
select tests.create_supabase_user('x_c1');
select tests.create_provider('x_pb', 25.08, 55.14, opens => '00:00', closes => '24:00', profile => '{"display_name": "x_pb Pro"}');

select ok((select bool_and('system' = any (actors)) from public.booking_transitions where name = 'cancel' and from_state in ('en_route', 'arrived'))
          and (select count(*) = 2 from public.booking_transitions where name = 'cancel' and from_state in ('en_route', 'arrived')),
  'the system may cancel en-route and arrived bookings');
select is(private.setting('bookings.stalled_after_minutes'), '720'::jsonb, 'the timeout is a setting (12 h after the scheduled end)');

-- Instant bookings of x_pb by x_c1, walked to en route (and on) as fixtures.
select tests.keep('s_en_route', tests.create_booking('x_c1', 'x_pb', 'en_route', '2030-06-03 09:00+00', price => 9000, instant => true));   -- ends 10:00, stalls at 22:00
select tests.keep('s_arrived', tests.create_booking('x_c1', 'x_pb', 'en_route', '2030-06-03 07:00+00', price => 9000, instant => true));    -- ends 08:00, stalls at 20:00
select tests.keep('s_moved', tests.create_booking('x_c1', 'x_pb', 'en_route', '2030-06-03 05:00+00', price => 9000, instant => true));      -- moves on before the timer
select tests.keep('s_not_due', tests.create_booking('x_c1', 'x_pb', 'en_route', '2030-06-03 11:30+00', price => 9000, instant => true));    -- ends 12:30, stalls at 00:30
select tests.apply_booking_transition(tests.id(b), 'arrive', 'provider') from unnest(array['s_arrived', 's_moved']) b;

select tests.freeze_time('2030-06-03 21:00+00');
select tests.apply_booking_transition(tests.id('s_moved'), 'start', 'provider');
select tests.freeze_time('2030-06-03 23:01+00');
select results_eq($$ select (r ->> 'stalled')::int, (r ->> 'failed')::int from private.run_booking_timers() r $$,
  $$ values (2, 0) $$, 'the timer cancels the two stalled bookings');
select results_eq(
  $$ select b.status, b.cancelled_by, b.cancel_reason, b.cancelled_late, e.from_state, e.actor_role
       from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'cancel'
      where b.id in (tests.id('s_en_route'), tests.id('s_arrived')) order by lower(b.period) $$,
  $$ values ('cancelled'::text, 'system'::text, 'stalled'::text, false, 'arrived'::text, 'system'::text),
            ('cancelled'::text, 'system'::text, 'stalled'::text, false, 'en_route'::text, 'system'::text) $$,
  'stalled bookings are cancelled by the system through the transition path, without a fee, with the reason on the timeline');
select is((select status from public.bookings where id = tests.id('s_moved')), 'in_progress', 'a booking that moved on first is left alone');
select is((select status from public.bookings where id = tests.id('s_not_due')), 'en_route', 'a booking not yet 12 h past its end is left alone');
select is(tests.notification_count('x_c1', 'booking.cancelled', 'booking_id', tests.id('s_arrived'))
          + tests.notification_count('x_pb', 'booking.cancelled', 'booking_id', tests.id('s_arrived')), 2,
  'both parties are told');
select is((private.run_booking_timers() ->> 'stalled')::int, 0, 'the next run finds nothing to do');
select tests.freeze_time('2030-06-04 00:31+00');
select is((private.run_booking_timers() ->> 'stalled')::int, 1, 'the last one stalls on time, 12 h after its end');
select is((select status from public.bookings where id = tests.id('s_not_due')), 'cancelled', 'it is cancelled');

select * from finish();
rollback;
