-- Module jobs, posting: the generic rate limiter, posting a job (validation codes), the exact
-- place kept private and a fuzzed public point, matching and notifying providers, the post_job
-- rate limit, who sees jobs (RLS), and the job board of open jobs near a provider.
begin;
select plan(73);

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

------------------------------------------------------------------------------------------------
-- Generic rate limiting
------------------------------------------------------------------------------------------------
select is(private.check_rate_limit('jt:test', 2, interval '1 minute'), 1, 'check_rate_limit counts a hit and returns what remains');
select is(private.check_rate_limit('jt:test', 2, interval '1 minute'), 0, 'the second hit leaves 0');
select throws_ok($$ select private.check_rate_limit('jt:test', 2, interval '1 minute') $$, 'HL006', 'Too many requests.',
  'the third hit inside the window is refused with HL006');
select is(private.check_rate_limit('jt:other', 2, interval '1 minute'), 1, 'keys are counted separately');
select tests.freeze_time('2030-03-01 08:01:00.000001+00');
select is(private.check_rate_limit('jt:test', 2, interval '1 minute'), 1, 'the window slides: hits older than the window no longer count');
select tests.freeze_time('2030-03-01 08:00+00');
select throws_ok($$ select private.check_rate_limit('jt:test', 0, interval '1 minute') $$, 'XX000', null, 'a limit below 1 is a programming error');

------------------------------------------------------------------------------------------------
-- Posting a job: validation
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.post_job(%L, 'Fx', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, tests.id('cat_plumbing')),
  'HL301', null, 'a title under 3 characters is refused (HL301)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 2, p_fixed_budget => 100, p_asap => true) $$, tests.id('cat_plumbing')),
  'HL301', null, 'a duration under 5 minutes is refused (HL301)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_asap => true) $$, tests.id('cat_plumbing')),
  'HL302', null, 'a job without a budget is refused (HL302)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_budget_min => 500, p_budget_max => 100, p_asap => true) $$, tests.id('cat_plumbing')),
  'HL302', null, 'a range with min > max is refused (HL302)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_budget_max => 200, p_asap => true) $$, tests.id('cat_plumbing')),
  'HL302', null, 'a fixed budget and a range together are refused (HL302)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 95, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, tests.id('cat_plumbing')),
  'HL200', null, 'a latitude out of range is refused (HL200)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100) $$, tests.id('cat_plumbing')),
  'HL304', null, 'neither asap nor a window is refused (HL304)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true,
                                                  p_preferred_start => '2030-03-02 08:00+00', p_preferred_end => '2030-03-02 12:00+00') $$, tests.id('cat_plumbing')),
  'HL304', null, 'asap and a window together are refused (HL304)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100,
                                                  p_preferred_start => '2030-02-01 08:00+00', p_preferred_end => '2030-02-01 12:00+00') $$, tests.id('cat_plumbing')),
  'HL304', null, 'a window in the past is refused (HL304)');
select throws_ok(format($$ select public.post_job(%L, 'Buy a sofa', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, tests.id('cat_goods')),
  'HL209', null, 'a goods category is refused (HL209)');
select throws_ok($$ select public.post_job(gen_random_uuid(), 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$,
  'HL208', null, 'an unknown category is refused (HL208)');
select tests.clear_authentication();
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, tests.id('cat_plumbing')),
  '42501', null, 'anon cannot post a job');
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_requests), 0, 'nothing was written by the refused posts');

------------------------------------------------------------------------------------------------
-- Posting, fuzzing, matching
------------------------------------------------------------------------------------------------
select tests.keep('job1', (public.post_job(
  p_category_id => tests.id('cat_plumbing'), p_title => 'Leaking kitchen sink', p_lat => 25.08, p_lng => 55.14,
  p_duration_minutes => 90, p_description => 'Water under the sink', p_address => 'Marina Tower 12, flat 1204',
  p_neighbourhood => 'Dubai Marina', p_budget_min => 10000, p_budget_max => 20000, p_currency => 'AED', p_asap => true)).id);
reset role;

select results_eq(
  $$ select status, budget_kind, budget_min, budget_max, currency::text, is_asap, neighbourhood, expires_at
       from public.job_requests where id = tests.id('job1') $$,
  $$ values ('open'::text, 'range'::text, 10000::bigint, 20000::bigint, 'AED'::text, true, 'Dubai Marina'::text, '2030-03-04 08:00+00'::timestamptz) $$,
  'post_job stores the job open, with its budget and an expiry jobs.expiry_hours (72 h) ahead');
select is((select address from private.job_locations where job_id = tests.id('job1')), 'Marina Tower 12, flat 1204',
  'the exact address is kept in private.job_locations');
select ok((select extensions.st_equals(location::extensions.geometry, tests.point_near(25.08, 55.14, 0)::extensions.geometry) from private.job_locations where job_id = tests.id('job1')),
  'the exact point is kept in private.job_locations');
select ok((select extensions.st_distance(j.fuzzed_location, l.location) between 1 and 300
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = tests.id('job1')),
  'the public point is within a few hundred metres of the exact point (400 m grid: at most ~283 m)');
select ok((select not extensions.st_equals(j.fuzzed_location::extensions.geometry, l.location::extensions.geometry)
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = tests.id('job1')),
  'the public point is not the exact point');
select ok((select extensions.st_equals(j.fuzzed_location::extensions.geometry, private.fuzz_point(l.location, 400)::extensions.geometry)
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = tests.id('job1')),
  'fuzzing is deterministic (stable for a point)');
select ok(extensions.st_equals(private.fuzz_point(tests.point_near(25.08, 55.14, 30, 40), 400)::extensions.geometry, private.fuzz_point(tests.point_near(25.08, 55.14, 35, 38), 400)::extensions.geometry)
          and not extensions.st_equals(private.fuzz_point(tests.point_near(25.08, 55.14, 0), 400)::extensions.geometry, private.fuzz_point(tests.point_near(25.08, 55.14, 900), 400)::extensions.geometry),
  'nearby points share a cell (cannot be averaged back) and distant points do not');
select ok((select bool_and(extensions.st_distance(private.fuzz_point(tests.point_near(25.08, 55.14, n, e), 400), tests.point_near(25.08, 55.14, n, e)) <= 290)
             from generate_series(-2000, 2000, 137) n, generate_series(-2000, 2000, 151) e),
  'over a grid of sample points the fuzzed point is never more than ~283 m away');

-- Matching: available providers offering the category whose coverage covers the exact point,
-- ranked by score (rating, distance, verification, response time), limited by jobs.match_limit.
select results_eq(
  $$ select provider_id, rank from public.job_matches where job_id = tests.id('job1') order by rank $$,
  $$ values (tests.id('p_near'), 1), (tests.id('p_mid'), 2), (tests.id('p_far'), 3) $$,
  'matching notifies available providers of the category covering the job, best score first (near+verified, then prior-rated fast responder, then far)');
select is((select notified_count from public.job_requests where id = tests.id('job1')), 3, 'the job records how many providers were notified');
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = tests.id('job1')::text), 3,
  'each matched provider gets a job.matched notification');
select ok((select score from public.job_matches where job_id = tests.id('job1') and provider_id = tests.id('p_near'))
        > (select score from public.job_matches where job_id = tests.id('job1') and provider_id = tests.id('p_far')),
  'a near verified provider outranks a far better-rated one');
select is((select distance_m % 100 from public.job_matches where job_id = tests.id('job1') and provider_id = tests.id('p_near')), 0,
  'match distances are rounded to 100 m (and measured to the public point)');

update private.settings set value = '2' where key = 'jobs.match_limit';
select tests.authenticate_as('jt_cust');
-- Posted in the parent category: providers of subcategories match through their ancestors.
select tests.keep('job2', (public.post_job(tests.id('cat_home'), 'Bathroom tap', 25.08, 55.14, 60, p_fixed_budget => 15000, p_asap => true)).id);
reset role;
select results_eq(
  $$ select provider_id from public.job_matches where job_id = tests.id('job2') order by rank $$,
  $$ values (tests.id('p_near')), (tests.id('p_mid')) $$,
  'jobs.match_limit bounds how many are notified; a parent category matches providers of its subcategories');
update private.settings set value = '10' where key = 'jobs.match_limit';

-- The poster is never matched to their own job.
select tests.authenticate_as('p_mid');
select tests.keep('job_mid', (public.post_job(tests.id('cat_plumbing'), 'Shower drain (posted by a provider)', 25.08, 55.14, 60,
  p_fixed_budget => 9000, p_preferred_start => '2030-03-05 08:00+00', p_preferred_end => '2030-03-05 18:00+00')).id);
reset role;
select ok(not exists (select 1 from public.job_matches where job_id = tests.id('job_mid') and provider_id = tests.id('p_mid'))
          and exists (select 1 from public.job_matches where job_id = tests.id('job_mid') and provider_id = tests.id('p_near')),
  'a provider posting a job is not matched to it');
select is((select expires_at from public.job_requests where id = tests.id('job_mid')), '2030-03-04 08:00+00'::timestamptz,
  'a job expires after jobs.expiry_hours or at the end of its window, whichever is first');
select is((select upper(preferred_window) from public.job_requests where id = tests.id('job_mid')), '2030-03-05 18:00+00'::timestamptz,
  'the preferred window is stored');

------------------------------------------------------------------------------------------------
-- Rate limit: 20 jobs an hour per customer (generic mechanism, rate_limit.post_job)
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_spammer');
select is((select count(*)::int from generate_series(1, 20) g
            cross join lateral public.post_job(tests.id('cat_empty'), 'Job number ' || g, 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true) j),
  20, 'a customer posts 20 jobs within an hour');
select throws_ok(format($$ select public.post_job(%L, 'Job number 21', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true) $$, tests.id('cat_empty')),
  'HL006', 'Too many requests.', 'the 21st job within the hour is refused with HL006');
select is(((tests.error_of(format($$ select public.post_job(%L, 'Job number 21', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true) $$, tests.id('cat_empty'))) ->> 'detail')::jsonb
           ->> 'resets_at'), '2030-03-01T09:00:00Z', 'the HL006 details say when the limit resets');
select is((select count(*)::int from public.job_requests where customer_id = tests.id('spammer')), 20, 'the refused job was not written');
select tests.freeze_time('2030-03-01 09:00:00.5+00');
select isnt((public.post_job(tests.id('cat_empty'), 'Job number 21', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true)).id, null,
  'after the window the customer may post again');
select tests.freeze_time('2030-03-01 08:00+00');
select tests.authenticate_as('jt_cust2');
select isnt((public.post_job(tests.id('cat_empty'), 'Someone else''s job', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true)).id, null,
  'the limit is per customer');
reset role;
select is((select value from private.settings where key = 'rate_limit.post_job'), '{"limit": 20, "window": "1 hour"}'::jsonb,
  'the limit is configured in private.settings');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-purge-rate-limits' and command like '%purge_rate_limit_hits%'),
  'pg_cron purges old rate-limit hits');
select tests.freeze_time('2030-03-01 12:00+00');
select cmp_ok(private.purge_rate_limit_hits(), '>=', 21, 'purging deletes hits whose window has passed');
select tests.freeze_time('2030-03-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Who sees jobs (RLS)
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_requests), 2, 'the customer sees their own jobs');
select throws_ok($$ select * from private.job_locations $$, '42501', null, 'the exact locations are not readable through the API roles');
select throws_ok(format($$ update public.job_requests set status = 'cancelled' where id = %L $$, tests.id('job1')), '42501', null,
  'clients cannot write job rows directly');
select tests.authenticate_as('jt_cust2');
select is((select count(*)::int from public.job_requests where customer_id = tests.id('cust')), 0, 'another customer sees none of them');
select tests.authenticate_as('p_outside');
select is((select count(*)::int from public.job_requests where id in (tests.id('job1'), tests.id('job2'))), 2,
  'any provider (even unmatched) sees open jobs: the job board');
select is((select count(*)::int from public.job_matches), 0, 'an unmatched provider has no matches');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.job_matches), 3, 'a matched provider reads their own matches');
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_matches where job_id = tests.id('job1')), 3, 'the customer reads who their job was shown to');
select tests.authenticate_as('jt_admin');
select is((select count(*)::int from public.job_requests where customer_id in (tests.id('cust'), tests.id('spammer'))), 23, 'operators see every job');
select tests.clear_authentication();
select throws_ok($$ select * from public.job_requests $$, '42501', null, 'anon cannot read jobs');
select throws_ok($$ select * from public.job_offers $$, '42501', null, 'anon cannot read offers');

------------------------------------------------------------------------------------------------
-- Listing open jobs near me (providers)
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust2');
select throws_ok($$ select * from public.list_open_jobs_near_me() $$, 'HL106', null, 'only providers list open jobs (HL106)');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.list_open_jobs_near_me()), 20, 'a provider lists open jobs within their radius, 20 per page by default');
select is((select count(*)::int from public.list_open_jobs_near_me(p_limit => 100)), 25, 'every open job around is listed (3 here, 21 of the spammer, 1 of another customer)');
select is((select count(*)::int from public.list_open_jobs_near_me(p_category_id => tests.id('cat_home'))), 3,
  'the category filter includes subcategories');
select is((select count(*)::int from public.list_open_jobs_near_me(p_category_id => tests.id('cat_plumbing'), p_min_budget => 16000)), 1,
  'budget filter: jobs whose budget reaches the minimum');
select is((select count(*)::int from public.list_open_jobs_near_me(p_my_categories_only => true)), 3, 'only my categories');
select is((select count(*)::int from public.list_open_jobs_near_me(p_window_start => '2030-03-05 00:00+00', p_window_end => '2030-03-06 00:00+00', p_category_id => tests.id('cat_home'))), 3,
  'window filter keeps asap jobs and jobs whose window overlaps');
select is((select count(*)::int from public.list_open_jobs_near_me(p_asap_only => true, p_category_id => tests.id('cat_home'))), 2, 'asap only');
select is((select count(*)::int from public.list_open_jobs_near_me(p_lat => 25.6, p_lng => 55.6, p_radius_m => 5000)), 0,
  'nothing far from the given point');
select ok((select bool_and(distance_m between 0 and 1000 + 300) and bool_and(lat <> 25.08)
             from public.list_open_jobs_near_me(p_category_id => tests.id('cat_home'))),
  'distances are to the fuzzed point (never the exact one)');
-- Keyset pagination walks every row exactly once, in order.
create temp table jt_pages as
  with recursive pages(n, cur, ids) as (
    select 1, (select cursor from public.list_open_jobs_near_me(p_limit => 4) offset 3),
           (select array_agg(id) from public.list_open_jobs_near_me(p_limit => 4))
    union all
    select n + 1, (select cursor from public.list_open_jobs_near_me(p_limit => 4, p_cursor => cur) offset 3),
           ids || (select array_agg(id) from public.list_open_jobs_near_me(p_limit => 4, p_cursor => cur))
      from pages where cur is not null and n < 20)
  select ids from pages order by n desc limit 1;
grant select on jt_pages to authenticated;
select is((select cardinality(ids) from jt_pages), (select count(*)::int from public.list_open_jobs_near_me(p_limit => 100)),
  'keyset pages cover every job once');
select is((select ids from jt_pages), (select array_agg(id) from public.list_open_jobs_near_me(p_limit => 100)),
  'keyset pages keep the distance order');
select throws_ok($$ select * from public.list_open_jobs_near_me(p_cursor => 'garbage') $$, 'HL007', null, 'an invalid cursor is HL007');
select throws_ok($$ select * from public.list_open_jobs_near_me(p_radius_m => 5) $$, 'HL324', null, 'an invalid radius is HL324');
select throws_ok($$ select * from public.list_open_jobs_near_me(p_limit => 1000) $$, 'HL324', null, 'an invalid limit is HL324');
select throws_ok($$ select * from public.list_open_jobs_near_me(p_lat => 25.0) $$, 'HL008', null, 'lat without lng is HL008');
select tests.authenticate_as('p_mid');
select ok(not exists (select 1 from public.list_open_jobs_near_me(p_limit => 100) where id = tests.id('job_mid')),
  'a provider does not see their own jobs in the list');

------------------------------------------------------------------------------------------------
-- Offers: making them, and misuse

select * from finish();
rollback;
