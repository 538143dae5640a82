-- Module jobs, jobs follow their bookings: when the booking made from a job is cancelled before
-- work started, the job reopens (provider or operator cancels, no-show) and is matched again, is
-- cancelled with it (customer cancels), or expires when its preferred window is over; the provider
-- who let it down is excluded from it.
begin;
select plan(37);

-- Monday 2030-06-03 10:00 in Dubai.
select tests.freeze_time('2030-06-03 06:00+00');
select tests.create_category('xm-repairs', names => '{"en": "Repairs", "ar": "تصليح"}');
-- Providers in Dubai Marina with one instant listing, open all week.
select tests.create_provider(p, 25.08, 55.14, tests.category_id('xm-repairs'), opens => '00:00', closes => '24:00',
         profile => jsonb_build_object('display_name', p || ' Pro'),
         listing => '{"pricing_unit": "fixed", "duration_minutes": 60, "booking_mode": "instant"}')
  from unnest(array['x_pa', 'x_pb', 'x_pc']) p;
select tests.create_supabase_user(u) from unnest(array['x_c1', 'x_c2', 'x_cother', 'x_op']) u;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('x_op'), 'support'), (tests.get_supabase_uid('x_op'), 'admin');

-- Jobs follow their bookings
------------------------------------------------------------------------------------------------
-- (a) The provider cancels: the job reopens; offers stay closed; the customer and the other
-- offerers hear about it; it can be booked again.
select tests.keep('j1', tests.create_job('x_c1', tests.category_id('xm-repairs'), 'Fix j1', description => 'Details of j1', address => 'Villa 9, Marina'));
select tests.keep('o1a', tests.create_offer('x_pa', tests.id('j1'), '2030-06-06 06:00+00'));
select tests.keep('o1b', tests.create_offer('x_pb', tests.id('j1'), '2030-06-06 08:00+00'));
select tests.keep('b1', tests.accept_offer('x_c1', tests.id('o1a')));
select results_eq($$ select status, booking_id from public.job_requests where id = tests.id('j1') $$,
  $$ values ('assigned'::text, tests.id('b1')) $$, 'accepting assigns the job');
-- Two providers join nearby after the job was posted: the reopened job is matched again, at most
-- jobs.match_limit (1 here) new providers.
select (select notified_count from public.job_requests where id = tests.id('j1')) as j1_notified \gset
select tests.create_provider(p, 25.08, 55.14, tests.category_id('xm-repairs'), opens => '00:00', closes => '24:00',
         profile => jsonb_build_object('display_name', p || ' Pro'),
         listing => '{"pricing_unit": "fixed", "duration_minutes": 60, "booking_mode": "instant"}')
  from unnest(array['x_pnew1', 'x_pnew2']) p;
update private.settings set value = '1' where key = 'jobs.match_limit';
select tests.freeze_time('2030-06-03 07:00+00');
select tests.authenticate_as('x_pa');
select lives_ok($$ select public.transition_booking(tests.id('b1'), 'cancel', 'Van broke down') $$, 'the provider cancels the booking');
select tests.reset_authentication();
update private.settings set value = '10' where key = 'jobs.match_limit';
select is(tests.notification_count('x_pnew1', 'job.matched', 'job_id', tests.id('j1')) + tests.notification_count('x_pnew2', 'job.matched', 'job_id', tests.id('j1')), 1,
  'the reopened job is matched again: a provider not notified before gets job.matched (jobs.match_limit applies to the new ones)');
select results_eq($$ select count(*)::int, min(rank) from public.job_matches
                      where job_id = tests.id('j1') and provider_id in (tests.get_supabase_uid('x_pnew1'), tests.get_supabase_uid('x_pnew2')) and source = 'matched' $$,
  $$ values (1, 1) $$, 'and is recorded in job_matches');
select is((select notified_count from public.job_requests where id = tests.id('j1')), :j1_notified + 1, 'notified_count counts the new one');
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = tests.id('j1')::text
              and user_id in (tests.get_supabase_uid('x_pa'), tests.get_supabase_uid('x_pb'), tests.get_supabase_uid('x_pc'))), 3,
  'providers notified when the job was posted are not notified twice');
update public.provider_profiles set is_available = false where id in (tests.get_supabase_uid('x_pnew1'), tests.get_supabase_uid('x_pnew2'));
select is(private.match_job(tests.id('j1')), 0, 'matching again without a new provider in range notifies nobody');
select results_eq($$ select provider_id, booking_id from private.job_exclusions where job_id = tests.id('j1') $$,
  $$ values (tests.get_supabase_uid('x_pa'), tests.id('b1')) $$, 'the provider who cancelled is excluded from the job');
select tests.authenticate_as('x_pa');
select throws_ok($$ select public.make_offer(tests.id('j1'), 14000, '2030-06-07 10:00+00', 60) $$, 'HL325', null,
  'and cannot offer on it again (HL325)');
select ok(not exists (select 1 from public.list_open_jobs_near_me(p_radius_m => 100000) where id = tests.id('j1')),
  'nor does the job board show it to them');
select tests.authenticate_as('x_pb');
select ok(exists (select 1 from public.list_open_jobs_near_me(p_radius_m => 100000) where id = tests.id('j1')),
  'while other providers still see the reopened job');
select tests.reset_authentication();
select results_eq(
  $$ select status, booking_id, accepted_offer_id, assigned_at, expires_at, reopened_at, reopen_count
       from public.job_requests where id = tests.id('j1') $$,
  $$ values ('open'::text, null::uuid, null::uuid, null::timestamptz, '2030-06-06 07:00+00'::timestamptz, '2030-06-03 07:00+00'::timestamptz, 1) $$,
  'the job reopens: open, no booking or accepted offer, a fresh expiry (jobs.expiry_hours), reopened_at and reopen_count');
select results_eq($$ select status from public.job_offers where id in (tests.id('o1a'), tests.id('o1b')) order by price, proposed_start $$,
  $$ values ('accepted'::text), ('closed'::text) $$, 'the offers stay closed (the accepted one keeps its booking)');
select is(tests.notification_count('x_c1', 'job.reopened', 'job_id', tests.id('j1')), 1, 'the customer is notified (job.reopened)');
select is(tests.notification_count('x_pb', 'job.reopened', 'job_id', tests.id('j1')), 1, 'so is the provider whose offer the assignment closed');
select is(tests.notification_count('x_pa', 'job.reopened', 'job_id', tests.id('j1')), 0, 'but not the provider who cancelled');
select tests.authenticate_as('x_pc');
select ok(exists (select 1 from public.list_open_jobs_near_me() where id = tests.id('j1')), 'the job is back on the job board');
select tests.reset_authentication();
select tests.keep('o1c', tests.create_offer('x_pb', tests.id('j1'), '2030-06-07 08:00+00'));
select tests.keep('b1c', tests.accept_offer('x_c1', tests.id('o1c')));
select results_eq($$ select j.status, j.booking_id, j.accepted_offer_id, (select count(*)::int from public.bookings b join public.job_offers o on o.booking_id = b.id where o.job_id = j.id)
                      from public.job_requests j where j.id = tests.id('j1') $$,
  $$ values ('assigned'::text, tests.id('b1c'), tests.id('o1c'), 2) $$, 'the reopened job is booked again through a new offer');

-- (b) The customer cancels: the job is cancelled too.
select tests.keep('j2', tests.create_job('x_c2', tests.category_id('xm-repairs'), 'Fix j2', description => 'Details of j2', address => 'Villa 9, Marina'));
select tests.keep('o2', tests.create_offer('x_pb', tests.id('j2'), '2030-06-06 10:00+00'));
select tests.keep('b2', tests.accept_offer('x_c2', tests.id('o2')));
select tests.authenticate_as('x_c2');
select lives_ok($$ select public.transition_booking(tests.id('b2'), 'cancel', 'Fixed it myself') $$, 'the customer cancels the booking');
select tests.reset_authentication();
select results_eq($$ select status, booking_id, cancelled_at, cancel_reason, reopen_count from public.job_requests where id = tests.id('j2') $$,
  $$ values ('cancelled'::text, null::uuid, '2030-06-03 07:00+00'::timestamptz, 'Fixed it myself'::text, 0) $$,
  'the job is cancelled with the customer''s reason');
select is(tests.notification_count('x_c2', 'job.reopened', 'job_id', tests.id('j2')), 0, 'and does not reopen');

-- (c) An operator cancels: the job reopens (the reversible choice).
select tests.keep('j5', tests.create_job('x_cother', tests.category_id('xm-repairs'), 'Fix j5', description => 'Details of j5', address => 'Villa 9, Marina'));
select tests.keep('o5', tests.create_offer('x_pb', tests.id('j5'), '2030-06-07 06:00+00'));
select tests.keep('b5', tests.accept_offer('x_cother', tests.id('o5')));
select tests.authenticate_as('x_op');
select lives_ok($$ select public.transition_booking(tests.id('b5'), 'cancel', 'Provider unreachable') $$, 'an operator cancels the booking');
select tests.reset_authentication();
select is((select status from public.job_requests where id = tests.id('j5')), 'open', 'the job reopens');
select is((select (payload ->> 'actor') || '/' || (payload ->> 'reason') from public.notifications
            where user_id = tests.get_supabase_uid('x_cother') and kind = 'job.reopened' and payload ->> 'job_id' = tests.id('j5')::text),
  'operator/Provider unreachable', 'the customer hears who cancelled and why');
select is((select count(*)::int from private.job_exclusions where job_id = tests.id('j5')), 0,
  'an operator''s cancellation excludes nobody');
select tests.authenticate_as('x_pb');
select lives_ok($$ select public.withdraw_offer((public.make_offer(tests.id('j5'), 15000, '2030-06-08 10:00+00', 60)).id) $$,
  'so its provider may quote again (and withdraws it here)');
select tests.reset_authentication();


-- (d) No-show (system): the job reopens.
select tests.keep('j3', tests.create_job('x_c1', tests.category_id('xm-repairs'), 'Fix j3', description => 'Details of j3', address => 'Villa 9, Marina'));
select tests.keep('o3', tests.create_offer('x_pc', tests.id('j3'), '2030-06-03 08:00+00'));
select tests.keep('b3', tests.accept_offer('x_c1', tests.id('o3')));
-- (e) A job with a preferred window; its booking stalls en route after the window ended.
select tests.keep('j4', tests.create_job('x_c2', tests.category_id('xm-repairs'), 'Fix j4', preferred_window => '[2030-06-03 07:00+00, 2030-06-03 12:00+00)', description => 'Details of j4', address => 'Villa 9, Marina'));
select tests.keep('o4', tests.create_offer('x_pc', tests.id('j4'), '2030-06-03 10:00+00'));
select tests.keep('b4', tests.accept_offer('x_c2', tests.id('o4')));
select tests.authorize_booking_payment(tests.id('b4'));
select tests.authenticate_as('x_pc');
select lives_ok($$ select public.transition_booking(tests.id('b4'), 'start_travel') $$, 'the provider sets off');
select tests.reset_authentication();

select tests.freeze_time('2030-06-03 09:05+00');
select ok((private.run_booking_timers() ->> 'no_show')::int >= 1, 'the timer cancels the no-show');
select results_eq($$ select b.status, b.cancel_reason, j.status, j.expires_at, j.reopen_count
                      from public.bookings b join public.job_requests j on j.id = (select o.job_id from public.job_offers o where o.booking_id = b.id) where b.id = tests.id('b3') $$,
  $$ values ('cancelled'::text, 'no_show'::text, 'open'::text, '2030-06-06 09:05+00'::timestamptz, 1) $$,
  'after a no-show (system) the job reopens with a fresh expiry');
select is((select provider_id from private.job_exclusions where job_id = tests.id('j3')), tests.get_supabase_uid('x_pc'),
  'a no-show excludes its provider from the job');
select tests.authenticate_as('x_pc');
select throws_ok($$ select public.make_offer(tests.id('j3'), 15000, '2030-06-05 10:00+00', 60) $$, 'HL325', null,
  'who cannot offer on it again (HL325)');
select tests.authenticate_as('x_pb');
select lives_ok($$ select public.make_offer(tests.id('j3'), 15000, '2030-06-05 10:00+00', 60) $$,
  'while another provider can');
select tests.reset_authentication();
select is((select status from public.bookings where id = tests.id('b4')), 'en_route', 'an en-route booking is not a no-show');

-- (e, continued) Its booking stalls en route, 12 h after its end: the window is over.
select tests.freeze_time('2030-06-03 23:01+00');
select results_eq($$ select (r ->> 'stalled')::int, (r ->> 'failed')::int from private.run_booking_timers() r $$,
  $$ values (1, 0) $$, 'the timer cancels the stalled booking of the job');
select results_eq($$ select b.status, j.status, j.expired_at from public.bookings b join public.job_requests j on j.id = (select o.job_id from public.job_offers o where o.booking_id = b.id) where b.id = tests.id('b4') $$,
  $$ values ('cancelled'::text, 'expired'::text, '2030-06-03 23:01+00'::timestamptz) $$,
  'a job whose preferred window is over expires instead of reopening');
select is(tests.notification_count('x_c2', 'job.expired', 'job_id', tests.id('j4')), 1, 'and the customer is told');
select tests.freeze_time('2030-06-03 07:00+00');

-- A provider booked through a job is busy for other jobs too.
select tests.authenticate_as('x_pb');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-06-07 08:30+00', 60) $$, tests.id('j5')), 'HL404', null,
  'offering a time the provider is booked is HL404, as for bookings');
select tests.reset_authentication();

select * from finish();
rollback;
