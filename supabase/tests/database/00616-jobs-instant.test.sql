-- Module jobs, instant jobs: posted with a fixed budget and p_instant, matched providers told it
-- can be taken, take_job by wrong actors and unqualified providers refused with their codes, the
-- start checked, the taker booked at the budget through the offer path (timeline make + take, the
-- customer told, other live offers closed), and a second taker answered HL309.
begin;
select plan(31);

select tests.freeze_time('2030-03-01 08:00+00');

select tests.keep('cat_plumbing', tests.create_category('ji-plumbing', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('cat_cleaning', tests.create_category('ji-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('cust', tests.create_supabase_user('ji_cust'));
select tests.keep('nobody', tests.create_supabase_user('ji_nobody'));
select tests.keep(v.p, tests.create_provider(v.p, 25.08 + v.north_m / 111320.0, 55.14, tests.id(v.category), v.radius, v.available))
  from (values ('ji_a', 1000::float8, 'cat_plumbing', 10000, true),
               ('ji_b', 2000, 'cat_plumbing', 10000, true),
               ('ji_c', 2500, 'cat_plumbing', 10000, true),
               ('ji_clean', 1000, 'cat_cleaning', 10000, true),
               ('ji_far', 20000, 'cat_plumbing', 5000, true),
               ('ji_off', 1500, 'cat_plumbing', 10000, false)) v(p, north_m, category, radius, available);

select tests.authenticate_as('ji_cust');
select throws_ok(format($$ select public.post_job(%L, 'Unblock the drain', 25.08, 55.14, 60, p_budget_min => 10000,
                                                  p_budget_max => 20000, p_asap => true, p_instant => true) $$, tests.id('cat_plumbing')),
  'HL302', null, 'an instant job needs a fixed budget (HL302)');
select tests.keep('job', (public.post_job(tests.id('cat_plumbing'), 'Unblock the drain', 25.08, 55.14, 60, p_fixed_budget => 18000,
                                          p_preferred_start => '2030-03-01 12:00+00', p_preferred_end => '2030-03-01 20:00+00',
                                          p_instant => true)).id);
select tests.keep('asap_job', (public.post_job(tests.id('cat_plumbing'), 'Burst pipe', 25.08, 55.14, 60, p_fixed_budget => 30000,
                                               p_asap => true, p_instant => true)).id);
select tests.keep('offers_job', (public.post_job(tests.id('cat_plumbing'), 'Quote me', 25.08, 55.14, 60, p_fixed_budget => 10000,
                                                 p_asap => true)).id);
reset role;
select is((select is_instant from public.job_requests where id = tests.id('job')), true, 'the job is instant');
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = tests.id('job')::text
             and (payload -> 'instant')::boolean), 3,
  'the three available plumbers within reach are told it can be taken (job.matched, instant)');

-- A normal offer on the instant job (offers stay possible): closed when someone takes it.
select tests.keep('offer_c', tests.create_offer('ji_c', tests.id('job'), '2030-03-01 14:00+00', 16000));

------------------------------------------------------------------------------------------------
-- Wrong actors, unqualified providers, bad starts.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('ji_nobody');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL106', null, 'a user without a provider profile: HL106');
select tests.authenticate_as('ji_a');
select throws_ok($$ select public.take_job('00000000-0000-0000-0000-00000000abcd') $$, 'HL300', null, 'an unknown job: HL300');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('offers_job')), 'HL326', null,
  'a job that takes offers cannot be taken (HL326)');
select tests.authenticate_as('ji_clean');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL327', 'Only an available provider who offers the job''s category and covers its place can take it.',
  'a provider of another category: HL327');
select tests.authenticate_as('ji_far');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL327', null, 'a provider whose area does not cover the place: HL327');
select tests.authenticate_as('ji_off');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL327', null, 'a provider not taking work: HL327');
select tests.authenticate_as('ji_c');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL312', null,
  'a provider with a live offer on the job must withdraw it first (HL312)');
select tests.authenticate_as('ji_cust');
select throws_ok(format($$ select public.update_job(%L, '{"budget_min": 10000, "budget_max": 20000}') $$, tests.id('job')), 'HL302', null,
  'an instant job keeps a fixed budget when edited (HL302)');
select tests.authenticate_as('ji_a');
select throws_ok(format($$ select public.take_job(%L, p_expected_budget => 20000) $$, tests.id('job')), 'HL329', null,
  'the budget the provider saw differs from the job''s: HL329, nothing booked');
reset role;
update public.job_requests set hidden_at = now() where id = tests.id('job');
select tests.authenticate_as('ji_off');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL300', null,
  'a job hidden by moderation is unknown to a provider it was never shown to (HL300)');
select tests.authenticate_as('ji_a');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL306', null,
  'and not open to one it was shown to (HL306)');
reset role;
update public.job_requests set hidden_at = null where id = tests.id('job');
select tests.authenticate_as('ji_a');
select throws_ok(format($$ select public.take_job(%L, '2030-03-01 08:30+00') $$, tests.id('job')), 'HL328', null,
  'a start sooner than the lead (60 minutes): HL328');
select throws_ok(format($$ select public.take_job(%L, '2030-03-01 21:00+00') $$, tests.id('job')), 'HL328', null,
  'a start outside the window: HL328');
reset role;
select is((select status from public.job_requests where id = tests.id('job')), 'open', 'after all of that the job is still open');

------------------------------------------------------------------------------------------------
-- Taken: booked at the budget, through the offer path.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('ji_a');
select tests.keep('booking', (public.take_job(tests.id('job'), '2030-03-01 15:00+00', p_expected_budget => 18000)).id);
reset role;
select is((select (status, price, provider_id, lower(period), upper(period)) from public.bookings where id = tests.id('booking')),
          ('accepted'::text, 18000::bigint, tests.id('ji_a'), '2030-03-01 15:00+00'::timestamptz, '2030-03-01 16:00+00'::timestamptz),
  'the taker is booked at once: accepted, at the budget, from the given start for the job''s duration');
select is((select (status, booking_id) from public.job_requests where id = tests.id('job')), ('assigned'::text, tests.id('booking')),
  'the job is assigned to that booking');
select is(array(select action from public.job_offer_events e join public.job_offers o on o.id = e.offer_id
                 where o.job_id = tests.id('job') and o.provider_id = tests.id('ji_a') order by e.id),
          array['make', 'take'], 'the taker''s offer has its timeline: made, then taken');
select is((select (status, accepted_price) from public.job_offers where job_id = tests.id('job') and provider_id = tests.id('ji_a')),
          ('accepted'::text, 18000::bigint), 'and is accepted at the budget');
select is((select status from public.job_offers where id = tests.id('offer_c')), 'closed', 'the other live offer is closed');
select is((select payload ->> 'booking_id' from public.notifications where user_id = tests.id('cust') and kind = 'job.taken'),
          tests.id('booking')::text, 'the customer is told (job.taken, with the booking)');
select is((select count(*)::int from public.notifications where user_id = tests.id('ji_c') and kind = 'offer.closed'), 1,
  'and the provider whose offer closed');
select tests.authenticate_as('ji_b');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL309', null, 'a second taker: HL309');
select tests.authenticate_as('ji_clean');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('job')), 'HL309', null,
  'a taker the job was never shown to hears the same (HL309), not "no such job"');
select tests.authenticate_as('ji_a');
select throws_ok(format($$ select public.take_job(%L, '2030-03-01 15:30+00') $$, tests.id('asap_job')), 'HL404', null,
  'a taker already booked at that time: HL404, and nothing is left behind');
reset role;
select is((select count(*)::int from public.job_offers where job_id = tests.id('asap_job')), 0, 'no offer remains from the failed take');

------------------------------------------------------------------------------------------------
-- An asap job taken without a start: the earliest, on a five-minute mark.
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-03-01 08:02+00');
select tests.authenticate_as('ji_b');
select tests.keep('booking2', (public.take_job(tests.id('asap_job'))).id);
reset role;
select is((select lower(period) from public.bookings where id = tests.id('booking2')), '2030-03-01 09:05+00'::timestamptz,
  'no start given: one hour from now, rounded up to five minutes');
select is((select price from public.bookings where id = tests.id('booking2')), 30000::bigint, 'at that job''s budget');
select is((select count(*)::int from public.job_offer_events where job_id = tests.id('asap_job') and action = 'take'), 1,
  'one take on the timeline');

select * from finish();
rollback;
