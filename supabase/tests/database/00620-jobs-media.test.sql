-- Module jobs, job-media storage: the customer uploads photos under <user id>/<job id>/ and
-- attaches them; who may read them (the customer, matched providers, providers who opened the job
-- or offered) and who may not (other providers, other customers, anon).
begin;
select plan(20);

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
         profile => jsonb_build_object('rating_avg', v.rating, 'rating_count', v.rating_count, 'is_verified', v.verified,
                                       'response_time_s', v.response_s)))
  from (values ('p_near', 1000::float8, 10000, 'cat_plumbing', true, 4.5, 10, true, null::int),
               ('p_mid', 3000, 10000, 'cat_plumbing', true, 0, 0, false, 60),
               ('p_far', -8000, 10000, 'cat_plumbing', true, 5.0, 50, false, null),
               ('p_unavail', 500, 10000, 'cat_plumbing', false, 5.0, 50, true, 10),
               ('p_othercat', -500, 10000, 'cat_cleaning', true, 5.0, 50, true, 10),
               ('p_outside', 30000, 5000, 'cat_plumbing', true, 5.0, 50, true, 10))
       v(p, north_m, radius_m, category, available, rating, rating_count, verified, response_s);

-- The customer's job (job1, matched to p_near, p_mid and p_far) with an offer by p_othercat, and
-- a job posted by p_mid.
select tests.authenticate_as('jt_cust');
select tests.keep('job1', (public.post_job(
  p_category_id => tests.id('cat_plumbing'), p_title => 'Leaking kitchen sink', p_lat => 25.08, p_lng => 55.14,
  p_duration_minutes => 90, p_description => 'Water under the sink', p_address => 'Marina Tower 12, flat 1204',
  p_neighbourhood => 'Dubai Marina', p_budget_min => 10000, p_budget_max => 20000, p_currency => 'AED', p_asap => true)).id);
reset role;
select tests.authenticate_as('p_mid');
select tests.keep('job_mid', (public.post_job(tests.id('cat_plumbing'), 'Shower drain (posted by a provider)', 25.08, 55.14, 60,
  p_fixed_budget => 9000, p_preferred_start => '2030-03-05 08:00+00', p_preferred_end => '2030-03-05 18:00+00')).id);
reset role;
select tests.keep('o_other', tests.create_offer('p_othercat', tests.id('job1'), '2030-03-04 07:00+00', 13000));


------------------------------------------------------------------------------------------------
-- job-media storage
------------------------------------------------------------------------------------------------
select tests.authenticate_as('jt_cust');
select lives_ok(format($$ select tests.upload('job-media', %L) $$, tests.id('cust') || '/' || tests.id('job1') || '/sink.jpg'),
  'the customer uploads a photo under <user id>/<job id>/');
select throws_ok(format($$ select tests.upload('job-media', %L) $$, tests.id('cust') || '/' || gen_random_uuid() || '/x.jpg'),
  '42501', null, 'not under a job of theirs');
select throws_ok(format($$ select tests.upload('job-media', %L) $$, tests.id('cust') || '/x.jpg'),
  '42501', null, 'not at the root of their folder');
select throws_ok(format($$ select tests.upload('job-media', %L) $$, tests.id('p_mid') || '/' || tests.id('job_mid') || '/x.jpg'),
  '42501', null, 'not into another user''s job folder');
select is((public.set_job_photos(tests.id('job1'), array[tests.id('cust') || '/' || tests.id('job1') || '/sink.jpg'])).photo_paths,
  array[tests.id('cust') || '/' || tests.id('job1') || '/sink.jpg'], 'set_job_photos attaches uploaded photos');
select throws_ok(format($$ select public.set_job_photos(%L, array[%L]) $$, tests.id('job1'), tests.id('cust') || '/' || tests.id('job1') || '/missing.jpg'),
  'HL308', null, 'a photo that was not uploaded is HL308');
select throws_ok(format($$ select public.set_job_photos(%L, array[%L]) $$, tests.id('job1'), 'elsewhere/sink.jpg'),
  'HL308', null, 'a photo outside the job folder is HL308');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'the customer reads their job photos');
select tests.authenticate_as('p_mid');
select throws_ok(format($$ select public.set_job_photos(%L, '{}') $$, tests.id('job1')), 'HL307', null, 'only the customer sets photos (HL307)');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'a matched provider reads the job photos');
select tests.authenticate_as('p_unavail');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 0, 'an unmatched provider cannot read them...');
select is(public.get_job(tests.id('job1')) ->> 'viewer', 'provider', '...until they open the job (recorded as shown to them)');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'then they can read the photos');
select tests.authenticate_as('p_othercat');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 1, 'a provider who offered reads them');
select tests.authenticate_as('jt_cust2');
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 0, 'another customer cannot read them');
select tests.clear_authentication();
select is((select count(*)::int from storage.objects where bucket_id = 'job-media'), 0, 'anon cannot read them');
reset role;
select is((select public from storage.buckets where id = 'job-media'), false, 'job-media is a private bucket');

-- Photos change only while the job can change (private.lock_my_open_job, as update_job).
update public.job_requests set hidden_at = now() where id = tests.id('job1');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.set_job_photos(%L, '{}') $$, tests.id('job1')), 'HL306', null,
  'not on a job hidden by moderation (HL306)');
reset role;
update public.job_requests set hidden_at = null, expires_at = private.now() - interval '1 minute' where id = tests.id('job1');
select tests.authenticate_as('jt_cust');
select throws_ok(format($$ select public.set_job_photos(%L, '{}') $$, tests.id('job1')), 'HL306', null,
  'not on a job past its expiry that the timer has not closed yet (HL306)');
reset role;
select is((select count(*)::int from pg_policies where schemaname = 'storage' and tablename = 'objects'), 4,
  'still one policy per action on storage.objects');

select * from finish();
rollback;
