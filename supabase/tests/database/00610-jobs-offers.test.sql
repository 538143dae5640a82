-- Module jobs, offers: making offers (and every misuse), who reads them, countering, declining,
-- withdrawing and wrong actors, expiry, accepting into a booking in one transaction (the other
-- offers closed), accepting a counter, double booking refused cleanly, cancelling and expiring
-- jobs, notifications, and the module's contract.
begin;
select plan(97);

select tests.freeze_time('2030-03-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures: categories, users, providers (ids kept with tests.keep, for every role)
------------------------------------------------------------------------------------------------
select tests.keep('cat_home', tests.create_category('jt-home', names => '{"en": "Home", "ar": "المنزل"}'));
select tests.keep('cat_plumbing', tests.create_category('jt-plumbing', 'jt-home', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('cat_cleaning', tests.create_category('jt-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('cat_goods', tests.create_category('jt-goods', kind => 'goods', names => '{"en": "Goods", "ar": "بضائع"}'));
select tests.keep('cat_empty', tests.create_category('jt-empty', names => '{"en": "Nobody", "ar": "لا أحد"}'));

select tests.keep('cust', tests.create_supabase_user('jt_cust'));
select tests.keep('cust2', tests.create_supabase_user('jt_cust2'));
select tests.keep('spammer', tests.create_supabase_user('jt_spammer'));
select tests.keep('admin', tests.create_supabase_user('jt_admin'));
insert into public.user_roles (user_id, role) values (tests.id('admin'), 'admin');

-- Providers `north_m` metres north of the job site (25.08 N, 55.14 E), each with one hourly
-- listing in a category.
select tests.keep(v.p, tests.create_provider(v.p, 25.08 + v.north_m / 111320.0, 55.14, tests.id(v.category), v.radius_m, v.available,
         profile => jsonb_build_object('rating_avg', v.rating, 'rating_count', v.rating_count,
                                       'rating_sum', round(v.rating * v.rating_count), 'is_verified', v.verified,
                                       'response_time_s', v.response_s)))
  from (values ('p_near', 1000::float8, 10000, 'cat_plumbing', true, 4.5, 10, true, null::int),
               ('p_mid', 3000, 10000, 'cat_plumbing', true, 0, 0, false, 60),
               ('p_far', -8000, 10000, 'cat_plumbing', true, 5.0, 50, false, null),
               ('p_unavail', 500, 10000, 'cat_plumbing', false, 5.0, 50, true, 10),
               ('p_othercat', -500, 10000, 'cat_cleaning', true, 5.0, 50, true, 10),
               ('p_outside', 30000, 5000, 'cat_plumbing', true, 5.0, 50, true, 10))
       v(p, north_m, radius_m, category, available, rating, rating_count, verified, response_s);

-- The customer's job (job1), a job in the parent category shown to two providers (job2), and a
-- provider's own job (job_mid), posted as in 00600-jobs-posting.
select tests.authenticate_as('jt_cust');
select tests.keep('job1', (public.post_job(
  p_category_id => tests.id('cat_plumbing'), p_title => 'Leaking kitchen sink', p_lat => 25.08, p_lng => 55.14,
  p_duration_minutes => 90, p_description => 'Water under the sink', p_address => 'Marina Tower 12, flat 1204',
  p_neighbourhood => 'Dubai Marina', p_budget_min => 10000, p_budget_max => 20000, p_currency => 'AED', p_asap => true)).id);
reset role;
update private.settings set value = '2' where key = 'jobs.match_limit';
select tests.authenticate_as('jt_cust');
select tests.keep('job2', (public.post_job(tests.id('cat_home'), 'Bathroom tap', 25.08, 55.14, 60, p_fixed_budget => 15000, p_asap => true)).id);
reset role;
update private.settings set value = '10' where key = 'jobs.match_limit';
select tests.authenticate_as('p_mid');
select tests.keep('job_mid', (public.post_job(tests.id('cat_plumbing'), 'Shower drain (posted by a provider)', 25.08, 55.14, 60,
  p_fixed_budget => 9000, p_preferred_start => '2030-03-05 08:00+00', p_preferred_end => '2030-03-05 18:00+00')).id);
reset role;

------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust2');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00') $$, tests.id('job1')),
  'HL106', null, 'a customer without a provider profile cannot offer (HL106)');
select tests.authenticate_as('p_mid');
select throws_ok(format($$ select public.make_offer(%L, 9000, '2030-03-02 10:00+00') $$, tests.id('job_mid')),
  'HL311', 'You cannot make an offer on your own job.', 'offering on your own job is HL311');
select throws_ok($$ select public.make_offer(gen_random_uuid(), 9000, '2030-03-02 10:00+00') $$, 'HL300', null, 'offering on an unknown job is HL300');
select throws_ok(format($$ select public.make_offer(%L, 0, '2030-03-02 10:00+00') $$, tests.id('job1')), 'HL313', null, 'a zero price is HL313');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-02-02 10:00+00') $$, tests.id('job1')), 'HL314', null, 'a start in the past is HL314');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00', p_expires_at => '2030-03-03 10:00+00') $$, tests.id('job1')),
  'HL314', null, 'an expiry after the start is HL314');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00', p_currency => 'USD') $$, tests.id('job1')),
  'HL315', null, 'another currency than the job''s is HL315');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00', p_duration_minutes => 1) $$, tests.id('job1')),
  'HL313', null, 'an invalid duration is HL313');

select tests.keep('o_mid', (public.make_offer(tests.id('job1'), 16000, '2030-03-02 10:00+00', 120, 'Can come tomorrow morning')).id);
select results_eq(
  $$ select status, price, currency::text, duration_minutes, expires_at from public.job_offers where id = tests.id('o_mid') $$,
  $$ values ('pending'::text, 16000::bigint, 'AED'::text, 120, '2030-03-02 10:00+00'::timestamptz) $$,
  'make_offer stores a pending offer in the job''s currency; the default expiry (48 h) is capped by the start');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 14:00+00') $$, tests.id('job1')),
  'HL312', 'You already have a live offer on this job.', 'a second live offer on the same job is HL312');
select tests.authenticate_as('p_near');
select tests.keep('o_near', (public.make_offer(tests.id('job1'), 18000, '2030-03-02 12:00+00', p_expires_at => '2030-03-01 20:00+00')).id);
select tests.authenticate_as('p_far');
select tests.keep('o_far', (public.make_offer(tests.id('job1'), 14000, '2030-03-03 09:00+00')).id);
select tests.authenticate_as('p_outside');
select tests.keep('o_outside', (public.make_offer(tests.id('job1'), 12000, '2030-03-03 15:00+00')).id);
select tests.authenticate_as('p_othercat');
select tests.keep('o_other', (public.make_offer(tests.id('job1'), 13000, '2030-03-04 07:00+00')).id);
reset role;
select is((select count(*)::int from public.notifications where user_id = tests.id('cust') and kind = 'offer.received'), 5,
  'the customer is notified of each offer');
select is((select count(*)::int from public.job_offer_events where job_id = tests.id('job1') and action = 'make'), 5, 'each offer is in the timeline');

-- Reading offers: the customer sees all, a provider only their own.
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_offers where job_id = tests.id('job1')), 5, 'the customer reads every offer on their job');
select is(jsonb_array_length(public.get_job(tests.id('job1')) -> 'offers'), 5, 'get_job gives the customer every offer');
select is(public.get_job(tests.id('job1')) -> 'exact_location' ->> 'address', 'Marina Tower 12, flat 1204', 'get_job gives the customer the exact address');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.job_offers), 1, 'a provider reads only their own offers');
select is((select array_agg(o ->> 'id') from jsonb_array_elements(public.get_job(tests.id('job1')) -> 'offers') o), array[tests.id('o_near')::text],
  'get_job gives a provider only their own offer');
select ok((public.get_job(tests.id('job1')) -> 'exact_location') = 'null'::jsonb and (public.get_job(tests.id('job1')) -> 'job' ->> 'lat')::float8 <> 25.08,
  'get_job gives a provider the fuzzed point only');
select is((public.get_job(tests.id('job1')) ->> 'live_offer_count')::int, 5, 'get_job tells how many live offers the job has');
select tests.authenticate_as('jt_cust2');
select is((select count(*)::int from public.job_offers), 0, 'another customer reads no offers');
select throws_ok(format($$ select public.get_job(%L) $$, tests.id('job1')), 'HL300', null, 'get_job hides other customers'' jobs (HL300)');
select tests.authenticate_as('jt_admin');
select is(jsonb_array_length(public.get_job(tests.id('job1')) -> 'offers'), 5, 'operators see every offer');
select is(public.get_job(tests.id('job1')) ->> 'viewer', 'operator', 'get_job tells operators apart');
select is((select count(*)::int from public.job_offers where job_id = tests.id('job1')), 5, 'operators read every offer');

-- p_unavail (not matched) opens job1: from then on it counts as shown to them.
select tests.authenticate_as('p_unavail');
select public.get_job(tests.id('job1')) ->> 'viewer' as viewer;
reset role;

------------------------------------------------------------------------------------------------
-- Declining, countering, withdrawing, wrong actors
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_mid');
select throws_ok(format($$ select public.decline_offer(%L) $$, tests.id('o_mid')), 'HL307', null, 'a provider cannot decline (HL307)');
select throws_ok(format($$ select public.counter_offer(%L, 15000) $$, tests.id('o_mid')), 'HL307', null, 'a provider cannot counter (HL307)');
select throws_ok(format($$ select public.accept_offer(%L) $$, tests.id('o_mid')), 'HL307', null, 'a provider cannot accept (HL307)');
select throws_ok(format($$ select public.withdraw_offer(%L) $$, tests.id('o_near')), 'HL310', null, 'a provider cannot touch another provider''s offer (HL310)');
select throws_ok(format($$ select public.respond_to_counter(%L, true) $$, tests.id('o_mid')), 'HL321', null, 'no counter to respond to (HL321)');
select tests.authenticate_as('jt_cust2');
select throws_ok(format($$ select public.decline_offer(%L) $$, tests.id('o_mid')), 'HL310', null, 'a stranger cannot see the offer (HL310)');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.withdraw_offer(%L) $$, tests.id('o_mid')), 'HL316', null, 'the customer cannot withdraw (HL316)');
select throws_ok(format($$ select public.respond_to_counter(%L, false) $$, tests.id('o_mid')), 'HL316', null, 'the customer cannot answer a counter (HL316)');
select throws_ok(format($$ select public.counter_offer(%L, 16000) $$, tests.id('o_mid')), 'HL320', null, 'a counter equal to the price is HL320');

select is((public.counter_offer(tests.id('o_mid'), 14500, 'Could you do 145?')).status, 'countered', 'the customer counters');
select throws_ok(format($$ select public.counter_offer(%L, 14000) $$, tests.id('o_mid')), 'HL317', null, 'a countered offer cannot be countered again (HL317)');
select is((public.decline_offer(tests.id('o_other'), 'Not the right trade')).status, 'declined', 'the customer declines an offer');
select throws_ok(format($$ select public.accept_offer(%L) $$, tests.id('o_other')), 'HL317', null, 'a declined offer cannot be accepted (HL317)');
select is((public.counter_offer(tests.id('o_outside'), 11000)).status, 'countered', 'the customer counters another offer');
select tests.authenticate_as('p_outside');
select is((public.respond_to_counter(tests.id('o_outside'), false, 'Too low')).status, 'rejected', 'the provider rejects the counter');
select isnt((public.make_offer(tests.id('job1'), 11500, '2030-03-03 15:00+00')).id, tests.id('o_outside'),
  'after a rejected counter the provider may make a new offer');
select tests.authenticate_as('p_far');
select is((public.withdraw_offer(tests.id('o_far'))).status, 'withdrawn', 'the provider withdraws');
select throws_ok(format($$ select public.withdraw_offer(%L) $$, tests.id('o_far')), 'HL319', null, 'withdrawing twice is HL319');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, tests.id('o_far')), 'HL319', 'The provider withdrew this offer.',
  'accepting a withdrawn offer is HL319');
reset role;
select results_eq(
  $$ select user_id, kind from public.notifications
      where kind in ('offer.countered', 'offer.declined', 'counter.rejected', 'offer.withdrawn')
        and payload ->> 'job_id' = tests.id('job1')::text order by created_at, kind, user_id $$,
  $$ select * from (values (tests.id('p_mid'), 'offer.countered'), (tests.id('p_othercat'), 'offer.declined'),
                           (tests.id('p_outside'), 'offer.countered'), (tests.id('cust'), 'counter.rejected'),
                           (tests.id('cust'), 'offer.withdrawn')) v(u, k) order by 2, 1 $$,
  'each answer notifies the other party');

------------------------------------------------------------------------------------------------
-- Expiry: accepting an expired offer; the timer
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-03-01 20:00+00');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, tests.id('o_near')), 'HL318', 'The offer has expired.',
  'accepting an offer past its expiry is HL318 (even before the timer ran)');
reset role;
select cmp_ok((private.run_job_timers() ->> 'offers_expired')::int, '>=', 1, 'the timer expires offers past their expiry');
select is((select array_agg(status order by id) from public.job_offers where job_id in (tests.id('job1'), tests.id('job2'), tests.id('job_mid')) and status = 'expired'),
  array['expired'], 'exactly the offer past its expiry is expired');
select is((select status from public.job_offers where id = tests.id('o_near')), 'expired', 'the offer is expired');
select is((select status from public.job_requests where id = tests.id('job1')), 'open', 'its job stays open');
select is(private.run_job_timers(), '{"jobs_expired": 0, "offers_expired": 0, "direct_windows_closed": 0}'::jsonb, 'the timer is idempotent');
select ok(exists (select 1 from public.notifications where user_id = tests.id('p_near') and kind = 'offer.expired'), 'the provider is told');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-job-timers' and schedule = '* * * * *'), 'pg_cron runs the timers every minute');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, tests.id('o_near')), 'HL318', null, 'an expired offer stays unacceptable');

------------------------------------------------------------------------------------------------
-- Accepting: one transaction creates the booking, assigns the job, closes the other offers
------------------------------------------------------------------------------------------------
select tests.keep('booking1', (public.accept_offer(tests.id('o_mid'))).id);
reset role;
select results_eq(
  $$ select b.customer_id, b.provider_id, b.status, b.price, b.currency::text, b.period, (e.metadata ->> 'job_id')::uuid, (e.metadata ->> 'offer_id')::uuid
       from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'create'
      where b.id = tests.id('booking1') $$,
  $$ values (tests.id('cust'), tests.id('p_mid'), 'accepted'::text, 16000::bigint, 'AED'::text,
             tstzrange('2030-03-02 10:00+00', '2030-03-02 12:00+00', '[)'), tests.id('job1'), tests.id('o_mid')) $$,
  'accept_offer books the provider at the offer''s price, start and duration (a countered offer at the provider''s own price); the timeline names the job and offer');
select ok((select extensions.st_equals(s.location::extensions.geometry, tests.point_near(25.08, 55.14, 0)::extensions.geometry) and s.address = 'Marina Tower 12, flat 1204'
             from private.booking_secrets s where s.booking_id = tests.id('booking1')),
  'the booking carries the job''s exact place (kept private)');
select results_eq(
  $$ select status, booking_id, accepted_offer_id from public.job_requests where id = tests.id('job1') $$,
  $$ values ('assigned'::text, tests.id('booking1'), tests.id('o_mid')) $$,
  'the job is assigned to the booking');
select results_eq(
  $$ select status, accepted_price, booking_id from public.job_offers where id = tests.id('o_mid') $$,
  $$ values ('accepted'::text, 16000::bigint, tests.id('booking1')) $$,
  'the offer is accepted');
select is((select array_agg(status order by status) from public.job_offers where job_id = tests.id('job1') and id <> tests.id('o_mid')),
  array['closed', 'declined', 'expired', 'rejected', 'withdrawn'], 'the other live offer was closed; finished ones keep their status');
select ok(exists (select 1 from public.notifications where user_id = tests.id('p_mid') and kind = 'offer.accepted' and payload ->> 'booking_id' = tests.id('booking1')::text)
          and exists (select 1 from public.notifications where user_id = tests.id('p_outside') and kind = 'offer.closed'),
  'the accepted provider and the closed ones are notified');
select is((select count(*)::int from public.bookings b join public.job_offers o on o.booking_id = b.id where o.job_id = tests.id('job1')), 1, 'exactly one booking for the job');
select results_eq(
  $$ select action, from_status, to_status, actor_role, price from public.job_offer_events where offer_id = tests.id('o_mid') order by id $$,
  $$ values ('make'::text, null::text, 'pending'::text, 'provider'::text, 16000::bigint),
            ('counter', 'pending', 'countered', 'customer', 14500),
            ('accept', 'countered', 'accepted', 'customer', 16000) $$,
  'the offer timeline records every step with its actor and price');
select tests.authenticate_as('p_mid');
select is((select count(*)::int from public.job_offer_events where offer_id = tests.id('o_mid')), 3, 'the provider reads their offer''s timeline');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.job_offer_events where offer_id = tests.id('o_mid')), 0, 'other providers do not');
reset role;
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, (select id from public.job_offers where job_id = tests.id('job1') and status = 'closed')),
  'HL309', 'Another offer was already accepted for this job.', 'accepting another offer afterwards is HL309');
select throws_ok(format($$ select public.cancel_job(%L) $$, tests.id('job1')), 'HL306', null, 'an assigned job cannot be cancelled here (HL306)');
select tests.authenticate_as('p_far');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-05 10:00+00') $$, tests.id('job1')), 'HL309', null,
  'offering on an assigned job is HL309');
select tests.authenticate_as('p_outside');
select is((select status from public.job_requests where id = tests.id('job1')), 'assigned', 'a provider who offered still sees the assigned job');
select tests.authenticate_as('p_unavail');
select is((select status from public.job_requests where id = tests.id('job1')), 'assigned', 'so does a provider it was shown to');
select tests.authenticate_as('p_othercat');
select is((select count(*)::int from public.bookings b join public.job_offers o on o.booking_id = b.id where o.job_id = tests.id('job1')), 0, 'a losing provider cannot read the booking');

------------------------------------------------------------------------------------------------
-- Accepting a counter books at the counter price; double booking is refused cleanly
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_near');
select tests.keep('o2_near', (public.make_offer(tests.id('job2'), 15000, '2030-03-03 10:00+00', 60)).id);
select tests.authenticate_as('p_mid');
-- p_mid is booked 2030-03-02 10:00-12:00 on job1.
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 11:00+00', 60) $$, tests.id('job2')), 'HL404', null,
  'offering a time the provider is already booked is HL404 slot_unavailable');
select tests.authenticate_as('jt_cust');
select is((public.counter_offer(tests.id('o2_near'), 13000)).status, 'countered', 'the customer counters');
select tests.authenticate_as('p_near');
select is((public.respond_to_counter(tests.id('o2_near'), true)).status, 'accepted', 'the provider accepts the counter: booked at once');
reset role;
select results_eq(
  $$ select b.price, b.provider_id, o.accepted_price, o.price, j.status
       from public.bookings b join public.job_offers o on o.booking_id = b.id join public.job_requests j on j.id = o.job_id
      where o.job_id = tests.id('job2') $$,
  $$ values (13000::bigint, tests.id('p_near'), 13000::bigint, 15000::bigint, 'assigned'::text) $$,
  'the booking is at the counter price; the offer keeps its original price');
select ok(exists (select 1 from public.notifications where user_id = tests.id('cust') and kind = 'counter.accepted'), 'the customer is told');

-- An offer that overlaps a booking made after it: refused at acceptance, nothing half-written.
select tests.authenticate_as('jt_cust');
select tests.keep('job3', (public.post_job(tests.id('cat_plumbing'), 'Another sink', 25.08, 55.14, 60, p_fixed_budget => 9000, p_asap => true)).id);
select tests.keep('job4', (public.post_job(tests.id('cat_plumbing'), 'And a boiler', 25.08, 55.14, 60, p_fixed_budget => 9000, p_asap => true)).id);
select tests.authenticate_as('p_far');
select tests.keep('o3_far', (public.make_offer(tests.id('job3'), 9000, '2030-03-06 10:00+00', 60)).id);
select tests.keep('o4_far', (public.make_offer(tests.id('job4'), 9000, '2030-03-06 10:30+00', 60)).id);
select tests.authenticate_as('jt_cust');
select lives_ok(format($$ select public.accept_offer(%L) $$, tests.id('o3_far')), 'the first of two overlapping offers is accepted');
select throws_ok(format($$ select public.accept_offer(%L) $$, tests.id('o4_far')), 'HL404', 'The provider is not free at this time.',
  'the overlapping one is refused with HL404 slot_unavailable (exclusion constraint)');
reset role;
select results_eq(
  $$ select j.status, o.status, (select count(*)::int from public.bookings b join public.job_offers bo on bo.booking_id = b.id where bo.job_id = j.id)
       from public.job_requests j join public.job_offers o on o.job_id = j.id where o.id = tests.id('o4_far') $$,
  $$ values ('open'::text, 'pending'::text, 0) $$,
  'nothing was half-written: the job is still open, the offer pending, no booking');

------------------------------------------------------------------------------------------------
-- Cancelling
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_far');
select throws_ok(format($$ select public.cancel_job(%L) $$, tests.id('job4')), 'HL307', null, 'a provider cannot cancel the job (HL307)');
select tests.authenticate_as('jt_cust2');
select throws_ok(format($$ select public.cancel_job(%L) $$, tests.id('job4')), 'HL300', null, 'a stranger does not see it (HL300)');
select tests.authenticate_as('jt_cust');
select is((public.cancel_job(tests.id('job4'), 'Fixed it myself')).status, 'cancelled', 'the customer cancels an open job');
select is((select status from public.job_offers where id = tests.id('o4_far')), 'closed', 'its live offers are closed');
select throws_ok(format($$ select public.cancel_job(%L) $$, tests.id('job4')), 'HL306', null, 'cancelling twice is HL306');
select tests.authenticate_as('p_outside');
select throws_ok(format($$ select public.make_offer(%L, 9000, '2030-03-07 10:00+00') $$, tests.id('job4')), 'HL300', null,
  'a cancelled job is no longer visible to providers who never engaged with it');
select tests.authenticate_as('jt_admin');
select is((public.cancel_job(tests.id('job_mid'), 'Spam')).status, 'cancelled', 'an operator can cancel any open job');

------------------------------------------------------------------------------------------------
-- Job expiry
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust2');
select tests.keep('job5', (public.post_job(tests.id('cat_plumbing'), 'Nobody wants this', 25.08, 55.14, 60, p_fixed_budget => 500, p_asap => true)).id);
select tests.authenticate_as('p_near');
select tests.keep('o5', (public.make_offer(tests.id('job5'), 900, '2030-03-09 10:00+00', p_expires_at => '2030-03-08 10:00+00')).id);
select tests.freeze_time('2030-03-04 20:00:01+00');
select throws_ok(format($$ select public.make_offer(%L, 900, '2030-03-09 10:00+00') $$, tests.id('job5')), 'HL306', null,
  'a job past its expiry takes no offers (even before the timer ran)');
reset role;
select cmp_ok((private.run_job_timers() ->> 'jobs_expired')::int, '>=', 1, 'the timer expires open jobs past their expiry');
select results_eq(
  $$ select j.status, o.status from public.job_requests j join public.job_offers o on o.job_id = j.id where j.id = tests.id('job5') $$,
  $$ values ('expired'::text, 'closed'::text) $$,
  'the expired job''s live offers are closed');
select ok(exists (select 1 from public.notifications where user_id = tests.id('cust2') and kind = 'job.expired' and payload ->> 'job_id' = tests.id('job5')::text),
  'the customer is told their job expired');
select is((select status from public.job_requests where id = tests.id('job1')), 'assigned', 'assigned jobs are not expired');
select is((private.run_job_timers() ->> 'jobs_expired')::int, 0, 'the job timer is idempotent');

------------------------------------------------------------------------------------------------
-- Notifications: users read theirs and mark them read, nothing else
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_near');
select ok((select bool_and(user_id = tests.id('p_near')) and count(*) > 0 from public.notifications), 'users read only their notifications');
update public.notifications set read_at = now() where kind = 'job.matched';
select ok((select bool_and(read_at is not null) from public.notifications where kind = 'job.matched'), 'users mark them read');
select throws_ok($$ update public.notifications set kind = 'x' where true $$, '42501', null, 'users cannot change anything else');
select tests.authenticate_as('jt_cust2');
update public.notifications set read_at = now() where user_id = tests.id('p_near');
reset role;
select is((select count(*)::int from public.notifications where user_id = tests.id('p_near') and read_at is null and kind <> 'job.matched'),
          (select count(*)::int from public.notifications where user_id = tests.id('p_near') and kind <> 'job.matched'),
  'nobody marks another user''s notifications');

------------------------------------------------------------------------------------------------
-- Contract: error codes and foreign keys
------------------------------------------------------------------------------------------------
select is((select count(*)::int from private.error_codes where code between 'HL300' and 'HL339'), 33, 'the jobs module registers HL300-HL336 (unknown categories use the catalog''s HL208/HL209, a busy provider the bookings'' HL404)');
select fk_ok('public', 'job_requests', 'booking_id', 'public', 'bookings', 'id');
select fk_ok('public', 'job_offers', 'booking_id', 'public', 'bookings', 'id');

select * from finish();
rollback;
