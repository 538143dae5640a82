-- Module jobs: rate limits, job requests (fuzzing, matching, policies), job-media storage,
-- offers and counters (every action and misuse), accepting into a booking, timers.
begin;
select plan(188);

-- Ids shared with every role: transaction-local settings read through pg_temp.id().
create function pg_temp.id(name text) returns uuid language sql stable as $$ select current_setting('jt.' || name)::uuid $$;
create function pg_temp.keep(name text, value uuid) returns uuid language sql as $$ select set_config('jt.' || name, value::text, true)::uuid $$;
grant execute on function pg_temp.id(text), pg_temp.keep(text, uuid) to anon, authenticated, service_role;

-- The SQLSTATE-coded error details of a statement (to read HL006's reset time).
create function pg_temp.error_detail(stmt text) returns text language plpgsql as $$
declare d text;
begin
  execute stmt;
  return null;
exception when others then
  get stacked diagnostics d = pg_exception_detail;
  return d;
end $$;
grant execute on function pg_temp.error_detail(text) to authenticated;

-- Uploads as the Storage API performs them (role authenticated, owner_id = JWT sub).
create function pg_temp.upload(bucket text, path text) returns void language sql as $$
  insert into storage.objects (bucket_id, name, owner_id, metadata)
  values (bucket, path, auth.uid()::text, '{"size": 1024, "mimetype": "image/jpeg"}');
$$;
grant execute on function pg_temp.upload(text, text) to anon, authenticated;

-- A point `north_m` metres north and `east_m` metres east of the job site (25.08 N, 55.14 E).
create function pg_temp.pt(north_m float8, east_m float8 default 0) returns extensions.geography language sql immutable as $$
  select extensions.st_setsrid(extensions.st_makepoint(55.14 + east_m / (111320 * cos(radians(25.08))), 25.08 + north_m / 111320.0), 4326)::extensions.geography
$$;

select tests.freeze_time('2030-03-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures: categories, users, providers
------------------------------------------------------------------------------------------------
with c as (insert into public.categories (slug, names) values ('jt-home', '{"en": "Home", "ar": "المنزل"}') returning id) select pg_temp.keep('cat_home', id) from c;
with c as (insert into public.categories (slug, parent_id, names) values ('jt-plumbing', pg_temp.id('cat_home'), '{"en": "Plumbing", "ar": "سباكة"}') returning id) select pg_temp.keep('cat_plumbing', id) from c;
with c as (insert into public.categories (slug, names) values ('jt-cleaning', '{"en": "Cleaning", "ar": "تنظيف"}') returning id) select pg_temp.keep('cat_cleaning', id) from c;
with c as (insert into public.categories (slug, kind, names) values ('jt-goods', 'goods', '{"en": "Goods", "ar": "بضائع"}') returning id) select pg_temp.keep('cat_goods', id) from c;
with c as (insert into public.categories (slug, names) values ('jt-empty', '{"en": "Nobody", "ar": "لا أحد"}') returning id) select pg_temp.keep('cat_empty', id) from c;

select pg_temp.keep('cust', tests.create_supabase_user('jt_cust'));
select pg_temp.keep('cust2', tests.create_supabase_user('jt_cust2'));
select pg_temp.keep('spammer', tests.create_supabase_user('jt_spammer'));
select pg_temp.keep('admin', tests.create_supabase_user('jt_admin'));
insert into public.user_roles (user_id, role) values (pg_temp.id('admin'), 'admin');

create function pg_temp.provider(ident text, north_m float8, radius_m int, category uuid, available bool,
                                 p_rating numeric, p_rating_count int, p_verified bool, p_response_s int)
returns uuid language plpgsql as $$
declare v_id uuid := tests.create_supabase_user(ident);
begin
  insert into public.provider_profiles (id, display_name, base_location, service_radius_m, is_available)
  values (v_id, ident, pg_temp.pt(north_m), radius_m, available);
  insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
  values (v_id, category, ident || ' service', 'hourly', 10000);
  update public.provider_profiles
     set rating_avg = p_rating, rating_count = p_rating_count, is_verified = p_verified, response_time_s = p_response_s
   where id = v_id;
  return pg_temp.keep(ident, v_id);
end $$;
select pg_temp.provider('p_near', 1000, 10000, pg_temp.id('cat_plumbing'), true, 4.5, 10, true, null);
select pg_temp.provider('p_mid', 3000, 10000, pg_temp.id('cat_plumbing'), true, 0, 0, false, 60);
select pg_temp.provider('p_far', -8000, 10000, pg_temp.id('cat_plumbing'), true, 5.0, 50, false, null);
select pg_temp.provider('p_unavail', 500, 10000, pg_temp.id('cat_plumbing'), false, 5.0, 50, true, 10);
select pg_temp.provider('p_othercat', -500, 10000, pg_temp.id('cat_cleaning'), true, 5.0, 50, true, 10);
select pg_temp.provider('p_outside', 30000, 5000, pg_temp.id('cat_plumbing'), true, 5.0, 50, true, 10);

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
select throws_ok(format($$ select public.post_job(%L, 'Fx', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  'HL301', null, 'a title under 3 characters is refused (HL301)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 2, p_fixed_budget => 100, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  'HL301', null, 'a duration under 5 minutes is refused (HL301)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  'HL302', null, 'a job without a budget is refused (HL302)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_budget_min => 500, p_budget_max => 100, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  'HL302', null, 'a range with min > max is refused (HL302)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_budget_max => 200, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  'HL302', null, 'a fixed budget and a range together are refused (HL302)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 95, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  'HL200', null, 'a latitude out of range is refused (HL200)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100) $$, pg_temp.id('cat_plumbing')),
  'HL304', null, 'neither asap nor a window is refused (HL304)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true,
                                                  p_preferred_start => '2030-03-02 08:00+00', p_preferred_end => '2030-03-02 12:00+00') $$, pg_temp.id('cat_plumbing')),
  'HL304', null, 'asap and a window together are refused (HL304)');
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100,
                                                  p_preferred_start => '2030-02-01 08:00+00', p_preferred_end => '2030-02-01 12:00+00') $$, pg_temp.id('cat_plumbing')),
  'HL304', null, 'a window in the past is refused (HL304)');
select throws_ok(format($$ select public.post_job(%L, 'Buy a sofa', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, pg_temp.id('cat_goods')),
  'HL209', null, 'a goods category is refused (HL209)');
select throws_ok($$ select public.post_job(gen_random_uuid(), 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$,
  'HL208', null, 'an unknown category is refused (HL208)');
select tests.clear_authentication();
select throws_ok(format($$ select public.post_job(%L, 'Fix the sink', 25.08, 55.14, 60, p_fixed_budget => 100, p_asap => true) $$, pg_temp.id('cat_plumbing')),
  '42501', null, 'anon cannot post a job');
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_requests), 0, 'nothing was written by the refused posts');

------------------------------------------------------------------------------------------------
-- Posting, fuzzing, matching
------------------------------------------------------------------------------------------------
select pg_temp.keep('job1', (public.post_job(
  p_category_id => pg_temp.id('cat_plumbing'), p_title => 'Leaking kitchen sink', p_lat => 25.08, p_lng => 55.14,
  p_duration_minutes => 90, p_description => 'Water under the sink', p_address => 'Marina Tower 12, flat 1204',
  p_neighbourhood => 'Dubai Marina', p_budget_min => 10000, p_budget_max => 20000, p_currency => 'AED', p_asap => true)).id);
reset role;

select results_eq(
  $$ select status, budget_kind, budget_min, budget_max, currency::text, is_asap, neighbourhood, expires_at
       from public.job_requests where id = pg_temp.id('job1') $$,
  $$ values ('open'::text, 'range'::text, 10000::bigint, 20000::bigint, 'AED'::text, true, 'Dubai Marina'::text, '2030-03-04 08:00+00'::timestamptz) $$,
  'post_job stores the job open, with its budget and an expiry jobs.expiry_hours (72 h) ahead');
select is((select address from private.job_locations where job_id = pg_temp.id('job1')), 'Marina Tower 12, flat 1204',
  'the exact address is kept in private.job_locations');
select ok((select extensions.st_equals(location::extensions.geometry, pg_temp.pt(0)::extensions.geometry) from private.job_locations where job_id = pg_temp.id('job1')),
  'the exact point is kept in private.job_locations');
select ok((select extensions.st_distance(j.fuzzed_location, l.location) between 1 and 300
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = pg_temp.id('job1')),
  'the public point is within a few hundred metres of the exact point (400 m grid: at most ~283 m)');
select ok((select not extensions.st_equals(j.fuzzed_location::extensions.geometry, l.location::extensions.geometry)
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = pg_temp.id('job1')),
  'the public point is not the exact point');
select ok((select extensions.st_equals(j.fuzzed_location::extensions.geometry, private.fuzz_point(l.location, 400)::extensions.geometry)
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = pg_temp.id('job1')),
  'fuzzing is deterministic (stable for a point)');
select ok(extensions.st_equals(private.fuzz_point(pg_temp.pt(30, 40), 400)::extensions.geometry, private.fuzz_point(pg_temp.pt(35, 38), 400)::extensions.geometry)
          and not extensions.st_equals(private.fuzz_point(pg_temp.pt(0), 400)::extensions.geometry, private.fuzz_point(pg_temp.pt(900), 400)::extensions.geometry),
  'nearby points share a cell (cannot be averaged back) and distant points do not');
select ok((select bool_and(extensions.st_distance(private.fuzz_point(pg_temp.pt(n, e), 400), pg_temp.pt(n, e)) <= 290)
             from generate_series(-2000, 2000, 137) n, generate_series(-2000, 2000, 151) e),
  'over a grid of sample points the fuzzed point is never more than ~283 m away');

-- Matching: available providers offering the category whose coverage covers the exact point,
-- ranked by score (rating, distance, verification, response time), limited by jobs.match_limit.
select results_eq(
  $$ select provider_id, rank from public.job_matches where job_id = pg_temp.id('job1') order by rank $$,
  $$ values (pg_temp.id('p_near'), 1), (pg_temp.id('p_mid'), 2), (pg_temp.id('p_far'), 3) $$,
  'matching notifies available providers of the category covering the job, best score first (near+verified, then prior-rated fast responder, then far)');
select is((select notified_count from public.job_requests where id = pg_temp.id('job1')), 3, 'the job records how many providers were notified');
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = pg_temp.id('job1')::text), 3,
  'each matched provider gets a job.matched notification');
select ok((select score from public.job_matches where job_id = pg_temp.id('job1') and provider_id = pg_temp.id('p_near'))
        > (select score from public.job_matches where job_id = pg_temp.id('job1') and provider_id = pg_temp.id('p_far')),
  'a near verified provider outranks a far better-rated one');
select is((select distance_m % 100 from public.job_matches where job_id = pg_temp.id('job1') and provider_id = pg_temp.id('p_near')), 0,
  'match distances are rounded to 100 m (and measured to the public point)');

update private.settings set value = '2' where key = 'jobs.match_limit';
select tests.authenticate_as('jt_cust');
-- Posted in the parent category: providers of subcategories match through their ancestors.
select pg_temp.keep('job2', (public.post_job(pg_temp.id('cat_home'), 'Bathroom tap', 25.08, 55.14, 60, p_fixed_budget => 15000, p_asap => true)).id);
reset role;
select results_eq(
  $$ select provider_id from public.job_matches where job_id = pg_temp.id('job2') order by rank $$,
  $$ values (pg_temp.id('p_near')), (pg_temp.id('p_mid')) $$,
  'jobs.match_limit bounds how many are notified; a parent category matches providers of its subcategories');
update private.settings set value = '10' where key = 'jobs.match_limit';

-- The poster is never matched to their own job.
select tests.authenticate_as('p_mid');
select pg_temp.keep('job_mid', (public.post_job(pg_temp.id('cat_plumbing'), 'Shower drain (posted by a provider)', 25.08, 55.14, 60,
  p_fixed_budget => 9000, p_preferred_start => '2030-03-05 08:00+00', p_preferred_end => '2030-03-05 18:00+00')).id);
reset role;
select ok(not exists (select 1 from public.job_matches where job_id = pg_temp.id('job_mid') and provider_id = pg_temp.id('p_mid'))
          and exists (select 1 from public.job_matches where job_id = pg_temp.id('job_mid') and provider_id = pg_temp.id('p_near')),
  'a provider posting a job is not matched to it');
select is((select expires_at from public.job_requests where id = pg_temp.id('job_mid')), '2030-03-04 08:00+00'::timestamptz,
  'a job expires after jobs.expiry_hours or at the end of its window, whichever is first');
select is((select upper(preferred_window) from public.job_requests where id = pg_temp.id('job_mid')), '2030-03-05 18:00+00'::timestamptz,
  'the preferred window is stored');

------------------------------------------------------------------------------------------------
-- Rate limit: 20 jobs an hour per customer (generic mechanism, rate_limit.post_job)
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_spammer');
select is((select count(*)::int from generate_series(1, 20) g
            cross join lateral public.post_job(pg_temp.id('cat_empty'), 'Job number ' || g, 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true) j),
  20, 'a customer posts 20 jobs within an hour');
select throws_ok(format($$ select public.post_job(%L, 'Job number 21', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true) $$, pg_temp.id('cat_empty')),
  'HL006', 'Too many requests.', 'the 21st job within the hour is refused with HL006');
select is((pg_temp.error_detail(format($$ select public.post_job(%L, 'Job number 21', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true) $$, pg_temp.id('cat_empty')))::jsonb
           ->> 'resets_at'), '2030-03-01T09:00:00Z', 'the HL006 details say when the limit resets');
select is((select count(*)::int from public.job_requests where customer_id = pg_temp.id('spammer')), 20, 'the refused job was not written');
select tests.freeze_time('2030-03-01 09:00:00.5+00');
select isnt((public.post_job(pg_temp.id('cat_empty'), 'Job number 21', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true)).id, null,
  'after the window the customer may post again');
select tests.freeze_time('2030-03-01 08:00+00');
select tests.authenticate_as('jt_cust2');
select isnt((public.post_job(pg_temp.id('cat_empty'), 'Someone else''s job', 25.08, 55.14, 30, p_fixed_budget => 1000, p_asap => true)).id, null,
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
select throws_ok(format($$ update public.job_requests set status = 'cancelled' where id = %L $$, pg_temp.id('job1')), '42501', null,
  'clients cannot write job rows directly');
select tests.authenticate_as('jt_cust2');
select is((select count(*)::int from public.job_requests where customer_id = pg_temp.id('cust')), 0, 'another customer sees none of them');
select tests.authenticate_as('p_outside');
select is((select count(*)::int from public.job_requests where id in (pg_temp.id('job1'), pg_temp.id('job2'))), 2,
  'any provider (even unmatched) sees open jobs: the job board');
select is((select count(*)::int from public.job_matches), 0, 'an unmatched provider has no matches');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.job_matches), 3, 'a matched provider reads their own matches');
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_matches where job_id = pg_temp.id('job1')), 3, 'the customer reads who their job was shown to');
select tests.authenticate_as('jt_admin');
select is((select count(*)::int from public.job_requests where customer_id in (pg_temp.id('cust'), pg_temp.id('spammer'))), 23, 'operators see every job');
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
select is((select count(*)::int from public.list_open_jobs_near_me(p_category_id => pg_temp.id('cat_home'))), 3,
  'the category filter includes subcategories');
select is((select count(*)::int from public.list_open_jobs_near_me(p_category_id => pg_temp.id('cat_plumbing'), p_min_budget => 16000)), 1,
  'budget filter: jobs whose budget reaches the minimum');
select is((select count(*)::int from public.list_open_jobs_near_me(p_my_categories_only => true)), 3, 'only my categories');
select is((select count(*)::int from public.list_open_jobs_near_me(p_window_start => '2030-03-05 00:00+00', p_window_end => '2030-03-06 00:00+00', p_category_id => pg_temp.id('cat_home'))), 3,
  'window filter keeps asap jobs and jobs whose window overlaps');
select is((select count(*)::int from public.list_open_jobs_near_me(p_asap_only => true, p_category_id => pg_temp.id('cat_home'))), 2, 'asap only');
select is((select count(*)::int from public.list_open_jobs_near_me(p_lat => 25.6, p_lng => 55.6, p_radius_m => 5000)), 0,
  'nothing far from the given point');
select ok((select bool_and(distance_m between 0 and 1000 + 300) and bool_and(lat <> 25.08)
             from public.list_open_jobs_near_me(p_category_id => pg_temp.id('cat_home'))),
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
select ok(not exists (select 1 from public.list_open_jobs_near_me(p_limit => 100) where id = pg_temp.id('job_mid')),
  'a provider does not see their own jobs in the list');

------------------------------------------------------------------------------------------------
-- Offers: making them, and misuse
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust2');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00') $$, pg_temp.id('job1')),
  'HL106', null, 'a customer without a provider profile cannot offer (HL106)');
select tests.authenticate_as('p_mid');
select throws_ok(format($$ select public.make_offer(%L, 9000, '2030-03-02 10:00+00') $$, pg_temp.id('job_mid')),
  'HL311', 'You cannot make an offer on your own job.', 'offering on your own job is HL311');
select throws_ok($$ select public.make_offer(gen_random_uuid(), 9000, '2030-03-02 10:00+00') $$, 'HL300', null, 'offering on an unknown job is HL300');
select throws_ok(format($$ select public.make_offer(%L, 0, '2030-03-02 10:00+00') $$, pg_temp.id('job1')), 'HL313', null, 'a zero price is HL313');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-02-02 10:00+00') $$, pg_temp.id('job1')), 'HL314', null, 'a start in the past is HL314');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00', p_expires_at => '2030-03-03 10:00+00') $$, pg_temp.id('job1')),
  'HL314', null, 'an expiry after the start is HL314');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00', p_currency => 'USD') $$, pg_temp.id('job1')),
  'HL315', null, 'another currency than the job''s is HL315');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 10:00+00', p_duration_minutes => 1) $$, pg_temp.id('job1')),
  'HL313', null, 'an invalid duration is HL313');

select pg_temp.keep('o_mid', (public.make_offer(pg_temp.id('job1'), 16000, '2030-03-02 10:00+00', 120, 'Can come tomorrow morning')).id);
select results_eq(
  $$ select status, price, currency::text, duration_minutes, expires_at from public.job_offers where id = pg_temp.id('o_mid') $$,
  $$ values ('pending'::text, 16000::bigint, 'AED'::text, 120, '2030-03-02 10:00+00'::timestamptz) $$,
  'make_offer stores a pending offer in the job''s currency; the default expiry (48 h) is capped by the start');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 14:00+00') $$, pg_temp.id('job1')),
  'HL312', 'You already have a live offer on this job.', 'a second live offer on the same job is HL312');
select tests.authenticate_as('p_near');
select pg_temp.keep('o_near', (public.make_offer(pg_temp.id('job1'), 18000, '2030-03-02 12:00+00', p_expires_at => '2030-03-01 20:00+00')).id);
select tests.authenticate_as('p_far');
select pg_temp.keep('o_far', (public.make_offer(pg_temp.id('job1'), 14000, '2030-03-03 09:00+00')).id);
select tests.authenticate_as('p_outside');
select pg_temp.keep('o_outside', (public.make_offer(pg_temp.id('job1'), 12000, '2030-03-03 15:00+00')).id);
select tests.authenticate_as('p_othercat');
select pg_temp.keep('o_other', (public.make_offer(pg_temp.id('job1'), 13000, '2030-03-04 07:00+00')).id);
reset role;
select is((select count(*)::int from public.notifications where user_id = pg_temp.id('cust') and kind = 'offer.received'), 5,
  'the customer is notified of each offer');
select is((select count(*)::int from public.job_offer_events where job_id = pg_temp.id('job1') and action = 'make'), 5, 'each offer is in the timeline');

-- Reading offers: the customer sees all, a provider only their own.
select tests.authenticate_as('jt_cust');
select is((select count(*)::int from public.job_offers where job_id = pg_temp.id('job1')), 5, 'the customer reads every offer on their job');
select is(jsonb_array_length(public.get_job(pg_temp.id('job1')) -> 'offers'), 5, 'get_job gives the customer every offer');
select is(public.get_job(pg_temp.id('job1')) -> 'exact_location' ->> 'address', 'Marina Tower 12, flat 1204', 'get_job gives the customer the exact address');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.job_offers), 1, 'a provider reads only their own offers');
select is((select array_agg(o ->> 'id') from jsonb_array_elements(public.get_job(pg_temp.id('job1')) -> 'offers') o), array[pg_temp.id('o_near')::text],
  'get_job gives a provider only their own offer');
select ok((public.get_job(pg_temp.id('job1')) -> 'exact_location') = 'null'::jsonb and (public.get_job(pg_temp.id('job1')) -> 'job' ->> 'lat')::float8 <> 25.08,
  'get_job gives a provider the fuzzed point only');
select is((public.get_job(pg_temp.id('job1')) ->> 'live_offer_count')::int, 5, 'get_job tells how many live offers the job has');
select tests.authenticate_as('jt_cust2');
select is((select count(*)::int from public.job_offers), 0, 'another customer reads no offers');
select throws_ok(format($$ select public.get_job(%L) $$, pg_temp.id('job1')), 'HL300', null, 'get_job hides other customers'' jobs (HL300)');
select tests.authenticate_as('jt_admin');
select is(jsonb_array_length(public.get_job(pg_temp.id('job1')) -> 'offers'), 5, 'operators see every offer');
select is(public.get_job(pg_temp.id('job1')) ->> 'viewer', 'operator', 'get_job tells operators apart');
select is((select count(*)::int from public.job_offers where job_id = pg_temp.id('job1')), 5, 'operators read every offer');

------------------------------------------------------------------------------------------------
-- job-media storage
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust');
select lives_ok(format($$ select pg_temp.upload('job-media', %L) $$, pg_temp.id('cust') || '/' || pg_temp.id('job1') || '/sink.jpg'),
  'the customer uploads a photo under <user id>/<job id>/');
select throws_ok(format($$ select pg_temp.upload('job-media', %L) $$, pg_temp.id('cust') || '/' || gen_random_uuid() || '/x.jpg'),
  '42501', null, 'not under a job of theirs');
select throws_ok(format($$ select pg_temp.upload('job-media', %L) $$, pg_temp.id('cust') || '/x.jpg'),
  '42501', null, 'not at the root of their folder');
select throws_ok(format($$ select pg_temp.upload('job-media', %L) $$, pg_temp.id('p_mid') || '/' || pg_temp.id('job_mid') || '/x.jpg'),
  '42501', null, 'not into another user''s job folder');
select is((public.set_job_photos(pg_temp.id('job1'), array[pg_temp.id('cust') || '/' || pg_temp.id('job1') || '/sink.jpg'])).photo_paths,
  array[pg_temp.id('cust') || '/' || pg_temp.id('job1') || '/sink.jpg'], 'set_job_photos attaches uploaded photos');
select throws_ok(format($$ select public.set_job_photos(%L, array[%L]) $$, pg_temp.id('job1'), pg_temp.id('cust') || '/' || pg_temp.id('job1') || '/missing.jpg'),
  'HL308', null, 'a photo that was not uploaded is HL308');
select throws_ok(format($$ select public.set_job_photos(%L, array[%L]) $$, pg_temp.id('job1'), 'elsewhere/sink.jpg'),
  'HL308', null, 'a photo outside the job folder is HL308');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'the customer reads their job photos');
select tests.authenticate_as('p_mid');
select throws_ok(format($$ select public.set_job_photos(%L, '{}') $$, pg_temp.id('job1')), 'HL307', null, 'only the customer sets photos (HL307)');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'a matched provider reads the job photos');
select tests.authenticate_as('p_unavail');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 0, 'an unmatched provider cannot read them...');
select is(public.get_job(pg_temp.id('job1')) ->> 'viewer', 'provider', '...until they open the job (recorded as shown to them)');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'then they can read the photos');
select tests.authenticate_as('p_othercat');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'a provider who offered reads them');
select tests.authenticate_as('jt_cust2');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 0, 'another customer cannot read them');
select tests.clear_authentication();
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 0, 'anon cannot read them');
reset role;
select is((select public from storage.buckets where id = 'job-media'), false, 'job-media is a private bucket');
select is((select count(*)::int from pg_policies where schemaname = 'storage' and tablename = 'objects'), 4,
  'still one policy per action on storage.objects');

------------------------------------------------------------------------------------------------
-- Declining, countering, withdrawing, wrong actors
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_mid');
select throws_ok(format($$ select public.decline_offer(%L) $$, pg_temp.id('o_mid')), 'HL307', null, 'a provider cannot decline (HL307)');
select throws_ok(format($$ select public.counter_offer(%L, 15000) $$, pg_temp.id('o_mid')), 'HL307', null, 'a provider cannot counter (HL307)');
select throws_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o_mid')), 'HL307', null, 'a provider cannot accept (HL307)');
select throws_ok(format($$ select public.withdraw_offer(%L) $$, pg_temp.id('o_near')), 'HL310', null, 'a provider cannot touch another provider''s offer (HL310)');
select throws_ok(format($$ select public.respond_to_counter(%L, true) $$, pg_temp.id('o_mid')), 'HL321', null, 'no counter to respond to (HL321)');
select tests.authenticate_as('jt_cust2');
select throws_ok(format($$ select public.decline_offer(%L) $$, pg_temp.id('o_mid')), 'HL310', null, 'a stranger cannot see the offer (HL310)');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.withdraw_offer(%L) $$, pg_temp.id('o_mid')), 'HL316', null, 'the customer cannot withdraw (HL316)');
select throws_ok(format($$ select public.respond_to_counter(%L, false) $$, pg_temp.id('o_mid')), 'HL316', null, 'the customer cannot answer a counter (HL316)');
select throws_ok(format($$ select public.counter_offer(%L, 16000) $$, pg_temp.id('o_mid')), 'HL320', null, 'a counter equal to the price is HL320');

select is((public.counter_offer(pg_temp.id('o_mid'), 14500, 'Could you do 145?')).status, 'countered', 'the customer counters');
select throws_ok(format($$ select public.counter_offer(%L, 14000) $$, pg_temp.id('o_mid')), 'HL317', null, 'a countered offer cannot be countered again (HL317)');
select is((public.decline_offer(pg_temp.id('o_other'), 'Not the right trade')).status, 'declined', 'the customer declines an offer');
select throws_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o_other')), 'HL317', null, 'a declined offer cannot be accepted (HL317)');
select is((public.counter_offer(pg_temp.id('o_outside'), 11000)).status, 'countered', 'the customer counters another offer');
select tests.authenticate_as('p_outside');
select is((public.respond_to_counter(pg_temp.id('o_outside'), false, 'Too low')).status, 'rejected', 'the provider rejects the counter');
select isnt((public.make_offer(pg_temp.id('job1'), 11500, '2030-03-03 15:00+00')).id, pg_temp.id('o_outside'),
  'after a rejected counter the provider may make a new offer');
select tests.authenticate_as('p_far');
select is((public.withdraw_offer(pg_temp.id('o_far'))).status, 'withdrawn', 'the provider withdraws');
select throws_ok(format($$ select public.withdraw_offer(%L) $$, pg_temp.id('o_far')), 'HL319', null, 'withdrawing twice is HL319');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o_far')), 'HL319', 'The provider withdrew this offer.',
  'accepting a withdrawn offer is HL319');
reset role;
select results_eq(
  $$ select user_id, kind from public.notifications
      where kind in ('offer.countered', 'offer.declined', 'counter.rejected', 'offer.withdrawn')
        and payload ->> 'job_id' = pg_temp.id('job1')::text order by created_at, kind, user_id $$,
  $$ select * from (values (pg_temp.id('p_mid'), 'offer.countered'), (pg_temp.id('p_othercat'), 'offer.declined'),
                           (pg_temp.id('p_outside'), 'offer.countered'), (pg_temp.id('cust'), 'counter.rejected'),
                           (pg_temp.id('cust'), 'offer.withdrawn')) v(u, k) order by 2, 1 $$,
  'each answer notifies the other party');

------------------------------------------------------------------------------------------------
-- Expiry: accepting an expired offer; the timer
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-03-01 20:00+00');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o_near')), 'HL318', 'The offer has expired.',
  'accepting an offer past its expiry is HL318 (even before the timer ran)');
reset role;
select cmp_ok((private.run_job_timers() ->> 'offers_expired')::int, '>=', 1, 'the timer expires offers past their expiry');
select is((select array_agg(status order by id) from public.job_offers where job_id in (pg_temp.id('job1'), pg_temp.id('job2'), pg_temp.id('job_mid')) and status = 'expired'),
  array['expired'], 'exactly the offer past its expiry is expired');
select is((select status from public.job_offers where id = pg_temp.id('o_near')), 'expired', 'the offer is expired');
select is((select status from public.job_requests where id = pg_temp.id('job1')), 'open', 'its job stays open');
select is(private.run_job_timers(), '{"jobs_expired": 0, "offers_expired": 0}'::jsonb, 'the timer is idempotent');
select ok(exists (select 1 from public.notifications where user_id = pg_temp.id('p_near') and kind = 'offer.expired'), 'the provider is told');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-job-timers' and schedule = '* * * * *'), 'pg_cron runs the timers every minute');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o_near')), 'HL318', null, 'an expired offer stays unacceptable');

------------------------------------------------------------------------------------------------
-- Accepting: one transaction creates the booking, assigns the job, closes the other offers
------------------------------------------------------------------------------------------------
select pg_temp.keep('booking1', (public.accept_offer(pg_temp.id('o_mid'))).id);
reset role;
select results_eq(
  $$ select customer_id, provider_id, status, price, currency::text, period, job_id, offer_id from public.bookings where id = pg_temp.id('booking1') $$,
  $$ values (pg_temp.id('cust'), pg_temp.id('p_mid'), 'accepted'::text, 16000::bigint, 'AED'::text,
             tstzrange('2030-03-02 10:00+00', '2030-03-02 12:00+00', '[)'), pg_temp.id('job1'), pg_temp.id('o_mid')) $$,
  'accept_offer books the provider at the offer''s price, start and duration (a countered offer at the provider''s own price)');
select ok((select extensions.st_equals(s.location::extensions.geometry, pg_temp.pt(0)::extensions.geometry) and s.address = 'Marina Tower 12, flat 1204'
             from private.booking_secrets s where s.booking_id = pg_temp.id('booking1')),
  'the booking carries the job''s exact place (kept private)');
select results_eq(
  $$ select status, booking_id, accepted_offer_id from public.job_requests where id = pg_temp.id('job1') $$,
  $$ values ('assigned'::text, pg_temp.id('booking1'), pg_temp.id('o_mid')) $$,
  'the job is assigned to the booking');
select results_eq(
  $$ select status, accepted_price, booking_id from public.job_offers where id = pg_temp.id('o_mid') $$,
  $$ values ('accepted'::text, 16000::bigint, pg_temp.id('booking1')) $$,
  'the offer is accepted');
select is((select array_agg(status order by status) from public.job_offers where job_id = pg_temp.id('job1') and id <> pg_temp.id('o_mid')),
  array['closed', 'declined', 'expired', 'rejected', 'withdrawn'], 'the other live offer was closed; finished ones keep their status');
select ok(exists (select 1 from public.notifications where user_id = pg_temp.id('p_mid') and kind = 'offer.accepted' and payload ->> 'booking_id' = pg_temp.id('booking1')::text)
          and exists (select 1 from public.notifications where user_id = pg_temp.id('p_outside') and kind = 'offer.closed'),
  'the accepted provider and the closed ones are notified');
select is((select count(*)::int from public.bookings where job_id = pg_temp.id('job1')), 1, 'exactly one booking for the job');
select results_eq(
  $$ select action, from_status, to_status, actor_role, price from public.job_offer_events where offer_id = pg_temp.id('o_mid') order by id $$,
  $$ values ('make'::text, null::text, 'pending'::text, 'provider'::text, 16000::bigint),
            ('counter', 'pending', 'countered', 'customer', 14500),
            ('accept', 'countered', 'accepted', 'customer', 16000) $$,
  'the offer timeline records every step with its actor and price');
select tests.authenticate_as('p_mid');
select is((select count(*)::int from public.job_offer_events where offer_id = pg_temp.id('o_mid')), 3, 'the provider reads their offer''s timeline');
select tests.authenticate_as('p_near');
select is((select count(*)::int from public.job_offer_events where offer_id = pg_temp.id('o_mid')), 0, 'other providers do not');
reset role;
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.accept_offer(%L) $$, (select id from public.job_offers where job_id = pg_temp.id('job1') and status = 'closed')),
  'HL309', 'Another offer was already accepted for this job.', 'accepting another offer afterwards is HL309');
select throws_ok(format($$ select public.cancel_job(%L) $$, pg_temp.id('job1')), 'HL306', null, 'an assigned job cannot be cancelled here (HL306)');
select tests.authenticate_as('p_far');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-05 10:00+00') $$, pg_temp.id('job1')), 'HL309', null,
  'offering on an assigned job is HL309');
select tests.authenticate_as('p_outside');
select is((select status from public.job_requests where id = pg_temp.id('job1')), 'assigned', 'a provider who offered still sees the assigned job');
select tests.authenticate_as('p_unavail');
select is((select status from public.job_requests where id = pg_temp.id('job1')), 'assigned', 'so does a provider it was shown to');
select tests.authenticate_as('p_othercat');
select is((select count(*)::int from public.bookings where job_id = pg_temp.id('job1')), 0, 'a losing provider cannot read the booking');

------------------------------------------------------------------------------------------------
-- Accepting a counter books at the counter price; double booking is refused cleanly
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_near');
select pg_temp.keep('o2_near', (public.make_offer(pg_temp.id('job2'), 15000, '2030-03-03 10:00+00', 60)).id);
select tests.authenticate_as('p_mid');
-- p_mid is booked 2030-03-02 10:00-12:00 on job1.
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-03-02 11:00+00', 60) $$, pg_temp.id('job2')), 'HL404', null,
  'offering a time the provider is already booked is HL404 slot_unavailable');
select tests.authenticate_as('jt_cust');
select is((public.counter_offer(pg_temp.id('o2_near'), 13000)).status, 'countered', 'the customer counters');
select tests.authenticate_as('p_near');
select is((public.respond_to_counter(pg_temp.id('o2_near'), true)).status, 'accepted', 'the provider accepts the counter: booked at once');
reset role;
select results_eq(
  $$ select b.price, b.provider_id, o.accepted_price, o.price, j.status
       from public.bookings b join public.job_offers o on o.id = b.offer_id join public.job_requests j on j.id = b.job_id
      where b.job_id = pg_temp.id('job2') $$,
  $$ values (13000::bigint, pg_temp.id('p_near'), 13000::bigint, 15000::bigint, 'assigned'::text) $$,
  'the booking is at the counter price; the offer keeps its original price');
select ok(exists (select 1 from public.notifications where user_id = pg_temp.id('cust') and kind = 'counter.accepted'), 'the customer is told');

-- An offer that overlaps a booking made after it: refused at acceptance, nothing half-written.
select tests.authenticate_as('jt_cust');
select pg_temp.keep('job3', (public.post_job(pg_temp.id('cat_plumbing'), 'Another sink', 25.08, 55.14, 60, p_fixed_budget => 9000, p_asap => true)).id);
select pg_temp.keep('job4', (public.post_job(pg_temp.id('cat_plumbing'), 'And a boiler', 25.08, 55.14, 60, p_fixed_budget => 9000, p_asap => true)).id);
select tests.authenticate_as('p_far');
select pg_temp.keep('o3_far', (public.make_offer(pg_temp.id('job3'), 9000, '2030-03-06 10:00+00', 60)).id);
select pg_temp.keep('o4_far', (public.make_offer(pg_temp.id('job4'), 9000, '2030-03-06 10:30+00', 60)).id);
select tests.authenticate_as('jt_cust');
select lives_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o3_far')), 'the first of two overlapping offers is accepted');
select throws_ok(format($$ select public.accept_offer(%L) $$, pg_temp.id('o4_far')), 'HL404', 'The provider is not free at this time.',
  'the overlapping one is refused with HL404 slot_unavailable (exclusion constraint)');
reset role;
select results_eq(
  $$ select j.status, o.status, (select count(*)::int from public.bookings b where b.job_id = j.id)
       from public.job_requests j join public.job_offers o on o.job_id = j.id where o.id = pg_temp.id('o4_far') $$,
  $$ values ('open'::text, 'pending'::text, 0) $$,
  'nothing was half-written: the job is still open, the offer pending, no booking');

------------------------------------------------------------------------------------------------
-- Cancelling
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_far');
select throws_ok(format($$ select public.cancel_job(%L) $$, pg_temp.id('job4')), 'HL307', null, 'a provider cannot cancel the job (HL307)');
select tests.authenticate_as('jt_cust2');
select throws_ok(format($$ select public.cancel_job(%L) $$, pg_temp.id('job4')), 'HL300', null, 'a stranger does not see it (HL300)');
select tests.authenticate_as('jt_cust');
select is((public.cancel_job(pg_temp.id('job4'), 'Fixed it myself')).status, 'cancelled', 'the customer cancels an open job');
select is((select status from public.job_offers where id = pg_temp.id('o4_far')), 'closed', 'its live offers are closed');
select throws_ok(format($$ select public.cancel_job(%L) $$, pg_temp.id('job4')), 'HL306', null, 'cancelling twice is HL306');
select tests.authenticate_as('p_outside');
select throws_ok(format($$ select public.make_offer(%L, 9000, '2030-03-07 10:00+00') $$, pg_temp.id('job4')), 'HL300', null,
  'a cancelled job is no longer visible to providers who never engaged with it');
select tests.authenticate_as('jt_admin');
select is((public.cancel_job(pg_temp.id('job_mid'), 'Spam')).status, 'cancelled', 'an operator can cancel any open job');

------------------------------------------------------------------------------------------------
-- Job expiry
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust2');
select pg_temp.keep('job5', (public.post_job(pg_temp.id('cat_plumbing'), 'Nobody wants this', 25.08, 55.14, 60, p_fixed_budget => 500, p_asap => true)).id);
select tests.authenticate_as('p_near');
select pg_temp.keep('o5', (public.make_offer(pg_temp.id('job5'), 900, '2030-03-09 10:00+00', p_expires_at => '2030-03-08 10:00+00')).id);
select tests.freeze_time('2030-03-04 20:00:01+00');
select throws_ok(format($$ select public.make_offer(%L, 900, '2030-03-09 10:00+00') $$, pg_temp.id('job5')), 'HL306', null,
  'a job past its expiry takes no offers (even before the timer ran)');
reset role;
select cmp_ok((private.run_job_timers() ->> 'jobs_expired')::int, '>=', 1, 'the timer expires open jobs past their expiry');
select results_eq(
  $$ select j.status, o.status from public.job_requests j join public.job_offers o on o.job_id = j.id where j.id = pg_temp.id('job5') $$,
  $$ values ('expired'::text, 'closed'::text) $$,
  'the expired job''s live offers are closed');
select ok(exists (select 1 from public.notifications where user_id = pg_temp.id('cust2') and kind = 'job.expired' and payload ->> 'job_id' = pg_temp.id('job5')::text),
  'the customer is told their job expired');
select is((select status from public.job_requests where id = pg_temp.id('job1')), 'assigned', 'assigned jobs are not expired');
select is((private.run_job_timers() ->> 'jobs_expired')::int, 0, 'the job timer is idempotent');

------------------------------------------------------------------------------------------------
-- Notifications: users read theirs and mark them read, nothing else
------------------------------------------------------------------------------------------------
select tests.authenticate_as('p_near');
select ok((select bool_and(user_id = pg_temp.id('p_near')) and count(*) > 0 from public.notifications), 'users read only their notifications');
update public.notifications set read_at = now() where kind = 'job.matched';
select ok((select bool_and(read_at is not null) from public.notifications where kind = 'job.matched'), 'users mark them read');
select throws_ok($$ update public.notifications set kind = 'x' where true $$, '42501', null, 'users cannot change anything else');
select tests.authenticate_as('jt_cust2');
update public.notifications set read_at = now() where user_id = pg_temp.id('p_near');
reset role;
select is((select count(*)::int from public.notifications where user_id = pg_temp.id('p_near') and read_at is null and kind <> 'job.matched'),
          (select count(*)::int from public.notifications where user_id = pg_temp.id('p_near') and kind <> 'job.matched'),
  'nobody marks another user''s notifications');

------------------------------------------------------------------------------------------------
-- Contract: error codes and foreign keys
------------------------------------------------------------------------------------------------
select is((select count(*)::int from private.error_codes where code between 'HL300' and 'HL349'), 22, 'the jobs module registers HL300-HL325 (unknown categories use the catalog''s HL208/HL209, a busy provider the bookings'' HL404)');
select fk_ok('public', 'bookings', 'job_id', 'public', 'job_requests', 'id');
select fk_ok('public', 'bookings', 'offer_id', 'public', 'job_offers', 'id');

select * from finish();
rollback;
