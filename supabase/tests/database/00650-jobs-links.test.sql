-- Module jobs: how jobs meet the earlier modules. A provider's first offer after a job
-- notification is their answer to it (job_matches.responded_at, provider_profiles.response_time_s),
-- and matching ranks a fast responder above an otherwise equal slow one; jobs register with the
-- registries of identity (account deletion), catalog (provider references), core (the job-media
-- bucket) and bookings (transition handlers).
begin;
select plan(11);

select tests.create_supabase_user('jl_cust');
select tests.create_supabase_user('jl_fast');
select tests.create_supabase_user('jl_slow');
select tests.get_supabase_uid('jl_cust') as cust, tests.get_supabase_uid('jl_fast') as fast,
       tests.get_supabase_uid('jl_slow') as slow \gset

insert into public.categories (id, slug, names)
values ('c0000000-0000-4000-8000-0000000000c1', 'jl-plumbing', '{"en": "Plumbing", "ar": "سباكة"}');
-- Two providers alike in everything the score weighs but their response time (both at the same base).
insert into public.provider_profiles (id, display_name, base_location, is_available)
values (:'fast', 'Fast Pro', 'SRID=4326;POINT(55.27 25.20)', true),
       (:'slow', 'Slow Pro', 'SRID=4326;POINT(55.27 25.20)', true);
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, currency)
select p, 'c0000000-0000-4000-8000-0000000000c1', 'Leaks', 'fixed', 10000, 'AED' from unnest(array[:'fast', :'slow']::uuid[]) p;

select tests.freeze_time('2030-02-01 06:00:00+00');

-- First job: both are notified; only jl_fast answers, ten minutes later.
select tests.authenticate_as('jl_cust');
select (public.post_job('c0000000-0000-4000-8000-0000000000c1', 'Leaking tap', 25.2001, 55.2701, 60,
                        p_fixed_budget => 20000, p_asap => true)).id as job1 \gset
select tests.authenticate_as_service_role();
select is((select count(*)::int from public.job_matches where job_id = :'job1' and source = 'matched'), 2, 'both providers are notified');

select tests.freeze_time('2030-02-01 06:10:00+00');
select tests.authenticate_as('jl_fast');
select lives_ok(format($$ select public.make_offer(%L, 18000, '2030-02-02 08:00+00') $$, :'job1'), 'the fast provider offers');
select tests.authenticate_as_service_role();
select is((select responded_at from public.job_matches where job_id = :'job1' and provider_id = :'fast'),
  '2030-02-01 06:10:00+00'::timestamptz, 'the match records when the provider answered');
select is((select response_time_s from public.provider_profiles where id = :'fast'), 600, 'the answer time (600 s) is the provider''s response time');
select is((select response_time_s from public.provider_profiles where id = :'slow'), null::integer, 'a provider who did not answer has none');

-- A second offer on another job they were not notified of is not an answer to a notification.
select tests.freeze_time('2030-02-01 09:00:00+00');
select tests.authenticate_as('jl_fast');
select lives_ok(format($$ select public.withdraw_offer((select id from public.job_offers where job_id = %L)) $$, :'job1'),
  'the provider withdraws');
select lives_ok(format($$ select public.make_offer(%L, 17000, '2030-02-02 10:00+00') $$, :'job1'), 'and offers again');
select is((select response_time_s from public.provider_profiles where id = :'fast'), 600, 'only the first answer to a notification counts');

-- Matching weighs it: on a new job the fast responder ranks first (ties would go to distance, then id).
select tests.authenticate_as('jl_cust');
select (public.post_job('c0000000-0000-4000-8000-0000000000c1', 'Blocked drain', 25.2001, 55.2701, 60,
                        p_fixed_budget => 20000, p_asap => true)).id as job2 \gset
select tests.authenticate_as_service_role();
select results_eq(
  format($$ select provider_id from public.job_matches where job_id = %L order by rank $$, :'job2'),
  format($$ values (%L::uuid), (%L::uuid) $$, :'fast', :'slow'),
  'the provider with the shorter response time ranks first');
select ok((select score from public.job_matches where job_id = :'job2' and provider_id = :'fast')
        > (select score from public.job_matches where job_id = :'job2' and provider_id = :'slow'),
  'and scores higher');

-- Jobs register with the earlier modules' registries.
reset role;
select results_eq(
  $$ select 'deletion' as registry, handler from private.account_deletion_handlers where module = 'jobs'
     union all select 'provider references', handler from private.provider_reference_checks where module = 'jobs'
     union all select 'storage', handler from private.storage_buckets where bucket_id = 'job-media'
     union all select 'booking transitions', handler from private.booking_transition_handlers where module = 'jobs'
     order by 1 $$,
  $$ values ('booking transitions'::text, 'private.job_after_booking_closed(public.bookings,text,text,text,jsonb)'::text),
            ('deletion', 'private.delete_account_jobs(uuid)'),
            ('provider references', 'private.provider_has_job_records(uuid)'),
            ('storage', 'private.job_media_folders(text)') $$,
  'jobs register their deletion step, provider-reference check, job-media folder rule and booking transition handler');

select * from finish();
rollback;
