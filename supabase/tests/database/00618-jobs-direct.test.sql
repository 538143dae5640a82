-- Module jobs, direct jobs (buddies first): post_job p_direct_to refused with its codes (list,
-- window, not a buddy, yourself, not a provider, not able), only the chosen providers see, offer
-- on and take the job during the window (board, map, clusters, get_job, the table), matching
-- waits (also after an edit), declining (wrong actors, idempotent, all declined opens the job at
-- once), and the timer opening the job to everyone at the end of the window (matching, the
-- customer told, live offers kept) but not a job already taken.
begin;
select plan(63);

select tests.freeze_time('2030-03-01 08:00+00');

select tests.keep('cat_plumbing', tests.create_category('jd-plumbing', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('cat_cleaning', tests.create_category('jd-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep(u, tests.create_supabase_user(u)) from unnest(array['jd_cust', 'jd_friend', 'jd_nobody']) u;
select tests.keep(v.p, tests.create_provider(v.p, 25.08 + v.north_m / 111320.0, 55.14, tests.id(v.category), v.radius, true))
  from (values ('jd_a', 1000::float8, 'cat_plumbing', 10000),
               ('jd_b', 1500, 'cat_plumbing', 10000),
               ('jd_c', 2000, 'cat_plumbing', 10000),
               ('jd_d', 2500, 'cat_plumbing', 10000),
               ('jd_clean', 1000, 'cat_cleaning', 10000),
               ('jd_far', 20000, 'cat_plumbing', 5000)) v(p, north_m, category, radius);
-- The customer's buddies: plumbers a, b, d and far, the cleaner, and a friend who is not a provider
-- (jd_c is a plumber nearby who is not their buddy).
insert into public.buddies (user_id, buddy_id)
select tests.id('jd_cust'), tests.id(b) from unnest(array['jd_a', 'jd_b', 'jd_d', 'jd_far', 'jd_clean', 'jd_friend']) b;

------------------------------------------------------------------------------------------------
-- Refusals when posting
------------------------------------------------------------------------------------------------
create temporary table post (label text, direct_to uuid[], minutes integer) on commit drop;
grant all on post to authenticated;
insert into post values
  ('empty', '{}', null),
  ('duplicate', array[tests.id('jd_a'), tests.id('jd_a')], null),
  ('null entry', array[tests.id('jd_a'), null], null),
  ('too many', array(select gen_random_uuid() from generate_series(1, 11)), null),
  ('short window', array[tests.id('jd_a')], 4),
  ('long window', array[tests.id('jd_a')], 1441),
  ('window alone', null, 30),
  ('not a buddy', array[tests.id('jd_a'), tests.id('jd_c')], null),
  ('yourself', array[tests.id('jd_cust')], null),
  ('not a provider', array[tests.id('jd_friend')], null),
  ('other category', array[tests.id('jd_clean')], null),
  ('place outside the area', array[tests.id('jd_far')], null);
create or replace function pg_temp.post_direct(p_label text) returns void language plpgsql as $$
begin
  perform public.post_job(tests.id('cat_plumbing'), 'Fix the tap', 25.08, 55.14, 60, p_fixed_budget => 20000, p_asap => true,
                          p_direct_to => (select direct_to from post where label = p_label),
                          p_direct_window_minutes => (select minutes from post where label = p_label));
end $$;
grant execute on function pg_temp.post_direct(text) to authenticated;
select tests.authenticate_as('jd_cust');
select throws_ok($$ select pg_temp.post_direct('empty') $$, 'HL330', null, 'an empty list: HL330');
select throws_ok($$ select pg_temp.post_direct('duplicate') $$, 'HL330', null, 'a provider twice: HL330');
select throws_ok($$ select pg_temp.post_direct('null entry') $$, 'HL330', null, 'a null entry: HL330');
select throws_ok($$ select pg_temp.post_direct('too many') $$, 'HL330', null, 'more than jobs.direct_max_providers (10): HL330');
select throws_ok($$ select pg_temp.post_direct('short window') $$, 'HL331', null, 'a window under 5 minutes: HL331');
select throws_ok($$ select pg_temp.post_direct('long window') $$, 'HL331', null, 'a window over 1440 minutes: HL331');
select throws_ok($$ select pg_temp.post_direct('window alone') $$, 'HL330', null, 'a window without providers: HL330');
select throws_ok($$ select pg_temp.post_direct('not a buddy') $$, 'HL332', 'You can send a job directly only to your buddies.',
  'a provider who is not a buddy: HL332');
select throws_ok($$ select pg_temp.post_direct('yourself') $$, 'HL332', null, 'yourself (never your own buddy): HL332');
select throws_ok($$ select pg_temp.post_direct('not a provider') $$, 'HL333', null, 'a buddy who is not a provider: HL333');
select throws_ok($$ select pg_temp.post_direct('other category') $$, 'HL334', null, 'a buddy who does not offer the category: HL334');
select throws_ok($$ select pg_temp.post_direct('place outside the area') $$, 'HL334', null,
  'a buddy whose area does not cover the place: HL334');
select is((select count(*)::int from public.job_requests where customer_id = auth.uid()), 0, 'nothing was posted');

------------------------------------------------------------------------------------------------
-- A direct job to a and b for 30 minutes
------------------------------------------------------------------------------------------------
select tests.keep('job', (public.post_job(tests.id('cat_plumbing'), 'Fix the tap', 25.08, 55.14, 60, p_fixed_budget => 20000,
                                          p_asap => true, p_direct_to => array[tests.id('jd_a'), tests.id('jd_b')],
                                          p_direct_window_minutes => 30)).id);
reset role;
select is((select direct_until from public.job_requests where id = tests.id('job')), '2030-03-01 08:30+00'::timestamptz,
  'the window ends 30 minutes after posting');
select is((select array_agg(provider_id order by provider_id) from public.job_matches where job_id = tests.id('job') and source = 'direct'),
  (select array_agg(x order by x) from unnest(array[tests.id('jd_a'), tests.id('jd_b')]) x), 'the chosen providers are recorded (source direct)');
select is(tests.notification_count('jd_a', 'job.direct_request', 'job_id', tests.id('job'))
          + tests.notification_count('jd_b', 'job.direct_request', 'job_id', tests.id('job')), 2, 'both are told (job.direct_request)');
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = tests.id('job')::text), 0,
  'matching waits for the window');

-- A stranger (a plumber nearby who was not chosen) does not see it anywhere, nor offers on it.
select tests.authenticate_as('jd_c');
select throws_ok(format($$ select public.get_job(%L) $$, tests.id('job')), 'HL300', null, 'get_job: HL300 for a provider not chosen');
select is((select count(*)::int from public.list_open_jobs_near_me() where id = tests.id('job')), 0, 'not on their board');
select is((select count(*)::int from public.list_open_jobs_in_bounds(25.07, 55.13, 25.1, 55.15) where id = tests.id('job')), 0,
  'not on their map');
select is((select coalesce(sum(job_count), 0)::int from public.cluster_open_jobs_in_bounds(25.07, 55.13, 25.1, 55.15)), 0,
  'not in their map clusters');
select is((select count(*)::int from public.job_requests where id = tests.id('job')), 0, 'not readable in the table');
select throws_ok(format($$ select public.make_offer(%L, 18000, '2030-03-02 10:00+00') $$, tests.id('job')), 'HL300', null,
  'make_offer: HL300');
select tests.authenticate_as('jd_d');
select throws_ok(format($$ select public.get_job(%L) $$, tests.id('job')), 'HL300', null, 'a buddy not chosen does not see it either');
select throws_ok(format($$ select public.decline_direct_job(%L) $$, tests.id('job')), 'HL300', null, 'nor can decline it (HL300)');
select tests.authenticate_as('jd_nobody');
select throws_ok(format($$ select public.get_job(%L) $$, tests.id('job')), 'HL300', null, 'a user who is not a provider: HL300');

-- A chosen provider sees it everywhere and offers on it.
select tests.authenticate_as('jd_a');
select is(public.get_job(tests.id('job')) ->> 'viewer', 'provider', 'a chosen provider opens it');
select is((select direct_until from public.list_open_jobs_near_me() where id = tests.id('job')), '2030-03-01 08:30+00'::timestamptz,
  'it is on their board, with the end of the window');
select is((select count(*)::int from public.list_open_jobs_in_bounds(25.07, 55.13, 25.1, 55.15) where id = tests.id('job')), 1, 'and on their map');
select is((select sum(job_count)::int from public.cluster_open_jobs_in_bounds(25.07, 55.13, 25.1, 55.15)), 1, 'and in their clusters');
select is((select count(*)::int from public.job_requests where id = tests.id('job')), 1, 'and readable in the table');
select tests.keep('offer_a', (public.make_offer(tests.id('job'), 18000, '2030-03-02 10:00+00')).id);
select is((select status from public.job_offers where id = tests.id('offer_a')), 'pending', 'a chosen provider makes an offer');

-- An edit of the place does not match the job to the public during the window.
select tests.authenticate_as('jd_cust');
select is((public.update_job(tests.id('job'), '{"lat": 25.081, "lng": 55.141}')).notified_count, 0,
  'moving the job during the window notifies nobody new');
reset role;
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = tests.id('job')::text), 0,
  'matching still waits');

------------------------------------------------------------------------------------------------
-- Declining
------------------------------------------------------------------------------------------------
select tests.keep('public_job', tests.create_job('jd_cust', tests.id('cat_plumbing'), 'A public job'));
select tests.authenticate_as('jd_c');
select throws_ok(format($$ select public.decline_direct_job(%L) $$, tests.id('public_job')), 'HL335', null,
  'a job that was not sent to the caller cannot be declined (HL335)');
select tests.authenticate_as('jd_a');
select throws_ok(format($$ select public.decline_direct_job(%L) $$, tests.id('job')), 'HL312', null,
  'a chosen provider with a live offer withdraws it before declining (HL312)');
select tests.authenticate_as('jd_b');
select isnt((public.decline_direct_job(tests.id('job'))).declined_at, null, 'a chosen provider declines');
select is((public.decline_direct_job(tests.id('job'))).declined_at, '2030-03-01 08:00+00'::timestamptz, 'declining again changes nothing');
reset role;
select is(tests.notification_count('jd_cust', 'job.direct_declined', 'job_id', tests.id('job')), 1, 'the customer is told once');
select is((select direct_closed_at from public.job_requests where id = tests.id('job')), null, 'a is still deciding: the window runs');
select tests.authenticate_as('jd_c');
select is((select count(*)::int from public.list_open_jobs_near_me() where id = tests.id('job')), 0, 'still hidden from others');

-- Every chosen provider declines: the job opens at once.
select tests.authenticate_as('jd_cust');
select tests.keep('declined_job', (public.post_job(tests.id('cat_plumbing'), 'Nobody wants it', 25.08, 55.14, 60, p_fixed_budget => 20000,
                                                   p_asap => true, p_direct_to => array[tests.id('jd_a'), tests.id('jd_b')])).id);
select is((select direct_until from public.job_requests where id = tests.id('declined_job')), '2030-03-01 09:00+00'::timestamptz,
  'the default window is jobs.direct_window_minutes (60)');
select tests.authenticate_as('jd_a');
select lives_ok(format($$ select public.decline_direct_job(%L) $$, tests.id('declined_job')), 'a declines');
select tests.authenticate_as('jd_b');
select lives_ok(format($$ select public.decline_direct_job(%L) $$, tests.id('declined_job')), 'b declines');
reset role;
select results_eq(format($$ select direct_closed_at, direct_until from public.job_requests where id = %L $$, tests.id('declined_job')),
  $$ values ('2030-03-01 08:00+00'::timestamptz, '2030-03-01 08:00+00'::timestamptz) $$,
  'when the last chosen provider declines the window closes at once');
select is((select payload ->> 'reason' from public.notifications where kind = 'job.opened_to_all'
            and payload ->> 'job_id' = tests.id('declined_job')::text), 'all_declined', 'the customer is told (job.opened_to_all, all_declined)');
select is((select array_agg(user_id order by user_id) from public.notifications where kind = 'job.matched'
            and payload ->> 'job_id' = tests.id('declined_job')::text),
  (select array_agg(x order by x) from unnest(array[tests.id('jd_c'), tests.id('jd_d')]) x),
  'matching runs: the other plumbers within reach are notified, not the chosen ones');
select tests.authenticate_as('jd_a');
select throws_ok(format($$ select public.decline_direct_job(%L) $$, tests.id('declined_job')), 'HL336', null,
  'declining after the window: HL336');

------------------------------------------------------------------------------------------------
-- An instant direct job taken by the chosen provider
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jd_cust');
select tests.keep('instant_job', (public.post_job(tests.id('cat_plumbing'), 'Burst pipe', 25.08, 55.14, 60, p_fixed_budget => 30000,
                                                  p_asap => true, p_instant => true, p_direct_to => array[tests.id('jd_a')],
                                                  p_direct_window_minutes => 30)).id);
select tests.authenticate_as('jd_c');
select throws_ok(format($$ select public.take_job(%L) $$, tests.id('instant_job')), 'HL300', null,
  'a provider not chosen cannot take it during the window (HL300)');
select tests.authenticate_as('jd_a');
select is((public.take_job(tests.id('instant_job'))).status, 'accepted', 'the chosen provider takes it');

------------------------------------------------------------------------------------------------
-- The window ends: the timer opens the open job to everyone, not the taken one
------------------------------------------------------------------------------------------------
reset role;
select tests.freeze_time('2030-03-01 08:29+00');
select is((private.run_job_timers() ->> 'direct_windows_closed')::int, 0, 'nothing to do before the window ends');
select tests.freeze_time('2030-03-01 08:31+00');
select is((private.run_job_timers() ->> 'direct_windows_closed')::int, 2, 'after it the timer closes both windows');
select isnt((select direct_closed_at from public.job_requests where id = tests.id('job')), null, 'the direct job''s window is closed');
select is((select array_agg(user_id order by user_id) from public.notifications where kind = 'job.matched'
            and payload ->> 'job_id' = tests.id('job')::text),
  (select array_agg(x order by x) from unnest(array[tests.id('jd_c'), tests.id('jd_d')]) x),
  'matching runs for it: the plumbers within reach who were not chosen');
select is((select notified_count from public.job_requests where id = tests.id('job')), 2, 'notified_count counts them');
select is((select payload ->> 'reason' from public.notifications where kind = 'job.opened_to_all'
            and payload ->> 'job_id' = tests.id('job')::text), 'window_ended', 'the customer is told (job.opened_to_all, window_ended)');
select is((select status from public.job_offers where id = tests.id('offer_a')), 'pending', 'the chosen provider''s offer stays live');
select results_eq(format($$ select status, direct_closed_at is not null from public.job_requests where id = %L $$, tests.id('instant_job')),
  $$ values ('assigned'::text, true) $$, 'the taken job''s window is closed too');
select is((select count(*)::int from public.notifications where kind in ('job.matched', 'job.opened_to_all')
            and payload ->> 'job_id' = tests.id('instant_job')::text), 0, 'but it is not matched and nobody is told');
select is((private.run_job_timers() ->> 'direct_windows_closed')::int, 0, 'the timer is idempotent');

select tests.authenticate_as('jd_c');
select is(public.get_job(tests.id('job')) ->> 'viewer', 'provider', 'everyone sees the job now');
select is((select direct_until from public.list_open_jobs_near_me() where id = tests.id('job')), null,
  'on the board, without a window');
select isnt((public.make_offer(tests.id('job'), 17000, '2030-03-02 14:00+00')).id, null, 'and offers on it');

select * from finish();
rollback;
