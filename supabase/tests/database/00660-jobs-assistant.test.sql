-- Module jobs, assistant: the catalog the assistant reads (keywords, typical minutes, leaves,
-- only active service categories, its rate limit) and the budget estimate from completed
-- bookings: percentiles, the nearby → wide area → category → listings → none fallbacks, what is
-- never counted (other states, other categories, old bookings), the tier's currency, bookings made
-- from jobs, and the errors.
begin;
select plan(44);

select tests.freeze_time('2030-03-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
select tests.keep('home', tests.create_category('ja-home', names => '{"en": "Home", "ar": "المنزل"}'));
select tests.keep('plumbing', tests.create_category('ja-plumbing', 'ja-home', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('painting', tests.create_category('ja-painting', 'ja-home', names => '{"en": "Painting", "ar": "دهان"}'));
select tests.keep('empty', tests.create_category('ja-empty', names => '{"en": "Nothing yet", "ar": "لا شيء"}'));
select tests.keep('goods', tests.create_category('ja-goods', kind => 'goods', names => '{"en": "Goods", "ar": "بضائع"}'));
select tests.keep('off', tests.create_category('ja-off', names => '{"en": "Retired", "ar": "متوقف"}'));
update public.categories set is_active = false where id = tests.id('off');

insert into private.category_keywords (category_id, locale, keyword) values
  (tests.id('plumbing'), 'en', 'leak'), (tests.id('plumbing'), 'en', 'tap'), (tests.id('plumbing'), 'ar', 'سباك');

select tests.keep('cust', tests.create_supabase_user('ja_cust'));
select tests.keep('cust2', tests.create_supabase_user('ja_cust2'));
-- Two plumbers based at the job site (25.08 N, 55.14 E) and a painter there (a quote listing
-- and a priced one).
select tests.keep('plumber1', tests.create_provider('ja_plumber1', 25.08, 55.14, tests.id('plumbing'),
                                                    listing => '{"base_price": 12000, "duration_minutes": 90}'));
select tests.keep('plumber2', tests.create_provider('ja_plumber2', 25.08, 55.14, tests.id('plumbing'),
                                                    listing => '{"base_price": 18000, "duration_minutes": 30}'));
select tests.keep('painter', tests.create_provider('ja_painter', 25.08, 55.14, tests.id('painting'),
                                                   listing => '{"base_price": 50000, "duration_minutes": 240}'));
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
values (tests.id('painter'), tests.id('painting'), 'Quote only painting', 'quote', 0);

-- Completed plumbing bookings at the site: 10000, 20000, 30000, 40000 (one hour each; one of
-- two hours), and bookings that never count: cancelled, requested, in progress.
select tests.create_booking('ja_cust', 'ja_plumber1', 'completed', listing => tests.listing_id('ja_plumber1 service'), price => 10000, location => tests.point(25.08, 55.14));
select tests.create_booking('ja_cust', 'ja_plumber1', 'completed', listing => tests.listing_id('ja_plumber1 service'), price => 20000, location => tests.point(25.08, 55.14));
select tests.create_booking('ja_cust', 'ja_plumber2', 'completed', listing => tests.listing_id('ja_plumber2 service'), price => 30000, location => tests.point(25.081, 55.14));
select tests.create_booking('ja_cust', 'ja_plumber2', 'completed', listing => tests.listing_id('ja_plumber2 service'), price => 40000, location => tests.point(25.08, 55.141),
                            duration => '2 hours');
select tests.create_booking('ja_cust', 'ja_plumber1', 'cancelled', listing => tests.listing_id('ja_plumber1 service'), price => 999999);
select tests.create_booking('ja_cust', 'ja_plumber1', 'requested', listing => tests.listing_id('ja_plumber1 service'), price => 999999);
select tests.create_booking('ja_cust', 'ja_plumber2', 'in_progress', listing => tests.listing_id('ja_plumber2 service'), price => 999999);
-- Two completed painting bookings: too few for statistics.
select tests.create_booking('ja_cust', 'ja_painter', 'completed', listing => tests.listing_id('ja_painter service'), price => 70000);
select tests.create_booking('ja_cust', 'ja_painter', 'completed', listing => tests.listing_id('ja_painter service'), price => 90000);

------------------------------------------------------------------------------------------------
-- Who may call
------------------------------------------------------------------------------------------------
select ok(not has_function_privilege('anon', 'public.assistant_catalog()', 'execute')
          and not has_function_privilege('anon', 'public.assistant_estimate(uuid, double precision, double precision)', 'execute')
          and has_function_privilege('authenticated', 'public.assistant_estimate(uuid, double precision, double precision)', 'execute'),
          'the assistant RPCs are for signed-in users only');
select tests.clear_authentication();
select is(tests.error_of($$select public.assistant_estimate(tests.id('plumbing'))$$) ->> 'sqlstate', '42501', 'anon: permission denied');
select is(tests.error_of($$select count(*) from public.assistant_catalog()$$) ->> 'sqlstate', '42501', 'anon: permission denied (catalog)');
select tests.authenticate_as_service_role();
select is(tests.error_of($$select public.assistant_estimate(tests.id('plumbing'))$$) ->> 'sqlstate', '42501', 'service role: not granted either');

select tests.authenticate_as('ja_cust2');

------------------------------------------------------------------------------------------------
-- The catalog
------------------------------------------------------------------------------------------------
select is((select keywords from public.assistant_catalog() where id = tests.id('plumbing')),
          '{"en": ["leak", "tap"], "ar": ["سباك"]}'::jsonb, 'keywords per language, sorted');
select is((select typical_minutes from public.assistant_catalog() where id = tests.id('plumbing')), 60,
          'typical minutes: the median of the listings'' durations (30, 90), to 5 minutes');
select is((select typical_minutes from public.assistant_catalog() where id = tests.id('home')), 75,
          'a parent''s typical minutes include its subcategories'' listings (30, 60, 90, 240 → 75)');
select is((select typical_minutes from public.assistant_catalog() where id = tests.id('empty')), null,
          'no listings → no typical minutes');
select results_eq($$select is_leaf from public.assistant_catalog() where id in (tests.id('home'), tests.id('plumbing')) order by slug$$,
                  array[false, true], 'is_leaf: false for a parent, true for a leaf');
select is((select count(*)::integer from public.assistant_catalog() where id in (tests.id('goods'), tests.id('off'))), 0,
          'goods and inactive categories are not offered');
select ok((select bool_and(names ? 'en' and names ? 'ar') from public.assistant_catalog()), 'names in both languages');

------------------------------------------------------------------------------------------------
-- Estimates: the nearby tier and its percentiles
------------------------------------------------------------------------------------------------
select is(public.assistant_estimate(tests.id('plumbing'), 25.08, 55.14),
          jsonb_build_object('category_id', tests.id('plumbing'), 'basis', 'nearby', 'radius_m', 10000, 'sample_size', 4,
                             'currency', 'AED', 'budget_min', 17500, 'budget_median', 25000, 'budget_max', 32500,
                             'duration_minutes', 60),
          'nearby: p25/p50/p75 of 10000..40000 and the median booked minutes; other states never count');
select is(public.assistant_estimate(tests.id('home'), 25.08, 55.14) ->> 'basis', 'nearby',
          'a parent category counts its subcategories'' bookings');
select is((public.assistant_estimate(tests.id('home'), 25.08, 55.14) ->> 'sample_size')::integer, 6,
          '... all six of them (4 plumbing, 2 painting)');
select is(public.assistant_estimate(tests.id('plumbing'), 25.08 + 30000 / 111320.0, 55.14) - 'category_id',
          '{"basis": "wide_area", "radius_m": 50000, "sample_size": 4, "currency": "AED", "budget_min": 17500,
            "budget_median": 25000, "budget_max": 32500, "duration_minutes": 60}'::jsonb,
          '30 km away: nothing within 10 km → the wide area (50 km)');
select is(public.assistant_estimate(tests.id('plumbing'), 24.0, 54.0) ->> 'basis', 'category',
          '150 km away: nothing within 50 km → the whole category');
select is(public.assistant_estimate(tests.id('plumbing')) ->> 'basis', 'category', 'no place → the whole category');
select is((public.assistant_estimate(tests.id('plumbing')) ->> 'radius_m'), null, '... without a radius');

------------------------------------------------------------------------------------------------
-- Thin data: listings, then nothing
------------------------------------------------------------------------------------------------
select is(public.assistant_estimate(tests.id('painting'), 25.08, 55.14) - 'category_id',
          '{"basis": "listings", "radius_m": null, "sample_size": 1, "currency": "AED", "budget_min": 50000,
            "budget_median": 50000, "budget_max": 50000, "duration_minutes": 240}'::jsonb,
          'two bookings are too few (min_sample 3) → the priced listings; quote listings are left out');
select is(public.assistant_estimate(tests.id('empty'), 25.08, 55.14) - 'category_id',
          '{"basis": "none", "radius_m": null, "sample_size": 0, "currency": null, "budget_min": null,
            "budget_median": null, "budget_max": null, "duration_minutes": null}'::jsonb,
          'no bookings, no listings → basis none');

-- A third painting booking makes the bookings count, and the range follows them.
select tests.create_booking('ja_cust', 'ja_painter', 'completed', listing => tests.listing_id('ja_painter service'), price => 110000);
select is(public.assistant_estimate(tests.id('painting'), 25.08, 55.14) ->> 'basis', 'nearby',
          'a third completed booking: bookings again');
select is(array[(public.assistant_estimate(tests.id('painting'), 25.08, 55.14) ->> 'budget_min')::bigint,
                (public.assistant_estimate(tests.id('painting'), 25.08, 55.14) ->> 'budget_max')::bigint],
          array[80000::bigint, 100000::bigint], 'p25/p75 of 70000, 90000, 110000');

-- The tier's most common currency: two USD bookings do not mix with four AED ones.
select tests.reset_authentication();
update public.bookings set currency = 'USD'
 where id in (select id from public.bookings where provider_id = tests.id('painter') and status = 'completed' order by price limit 1);
select tests.authenticate_as('ja_cust2');
select is(public.assistant_estimate(tests.id('painting'), 25.08, 55.14) ->> 'basis', 'listings',
          'only two bookings in the most common currency → not enough');
select is((public.assistant_estimate(tests.id('home'), 25.08, 55.14) ->> 'currency'), 'AED',
          'the parent''s statistics use its most common currency');
select is((public.assistant_estimate(tests.id('home'), 25.08, 55.14) ->> 'sample_size')::integer, 6,
          '... and only its bookings (4 plumbing + 2 painting in AED)');

------------------------------------------------------------------------------------------------
-- A booking made from a job counts in the job's category
------------------------------------------------------------------------------------------------
select tests.keep('job', tests.create_job('ja_cust', tests.id('empty'), 'Something new', budget => 30000));
select tests.keep('offer', tests.create_offer('ja_plumber1', tests.id('job'), '2030-03-20 10:00+00', price => 33000));
select tests.keep('job_booking', tests.accept_offer('ja_cust', tests.id('offer')));
select tests.authorize_booking_payment(tests.id('job_booking'));
select tests.apply_booking_transition(tests.id('job_booking'), 'arrive', 'provider', tests.id('plumber1'));
select tests.apply_booking_transition(tests.id('job_booking'), 'start', 'provider', tests.id('plumber1'));
select tests.apply_booking_transition(tests.id('job_booking'), 'complete', 'provider', tests.id('plumber1'));
select tests.reset_authentication();
update private.settings set value = value || '{"min_sample": 1}' where key = 'jobs.assistant';
select tests.authenticate_as('ja_cust2');
select is(public.assistant_estimate(tests.id('empty'), 25.08, 55.14) - 'category_id',
          '{"basis": "nearby", "radius_m": 10000, "sample_size": 1, "currency": "AED", "budget_min": 33000,
            "budget_median": 33000, "budget_max": 33000, "duration_minutes": 60}'::jsonb,
          'a job''s booking (no listing) counts in the job''s category, at the job''s exact place');
select tests.reset_authentication();
update private.settings set value = value || '{"min_sample": 3}' where key = 'jobs.assistant';
select tests.authenticate_as('ja_cust2');

------------------------------------------------------------------------------------------------
-- Old bookings leave the statistics (lookback_days)
------------------------------------------------------------------------------------------------
select tests.freeze_time('2031-04-01 08:00+00');
select is(public.assistant_estimate(tests.id('plumbing'), 25.08, 55.14) ->> 'basis', 'listings',
          'bookings completed more than 365 days ago no longer count');
select tests.freeze_time('2030-03-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Errors, nothing written
------------------------------------------------------------------------------------------------
select is(tests.error_of($$select public.assistant_estimate(gen_random_uuid())$$) ->> 'sqlstate', 'HL208', 'unknown category → HL208');
select is(tests.error_of($$select public.assistant_estimate(null)$$) ->> 'sqlstate', 'HL208', 'no category → HL208');
select is(tests.error_of($$select public.assistant_estimate(tests.id('goods'))$$) ->> 'sqlstate', 'HL209', 'a goods category → HL209');
select is(tests.error_of($$select public.assistant_estimate(tests.id('off'))$$) ->> 'sqlstate', 'HL209', 'an inactive category → HL209');
select is(tests.error_of($$select public.assistant_estimate(tests.id('plumbing'), 25.08, null)$$) ->> 'sqlstate', 'HL008', 'only a latitude → HL008');
select is(tests.error_of($$select public.assistant_estimate(tests.id('plumbing'), 91, 55)$$) ->> 'sqlstate', 'HL200', 'latitude 91 → HL200');
select is(tests.error_of($$select public.assistant_estimate(tests.id('plumbing'), 25, 181)$$) ->> 'sqlstate', 'HL201', 'longitude 181 → HL201');

------------------------------------------------------------------------------------------------
-- Rate limits: each catalog read is one assistant request; estimates have their own limit
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
update private.settings set value = '{"limit": 2, "window": "1 hour"}' where key = 'rate_limit.assistant';
update private.settings set value = '{"limit": 1, "window": "1 hour"}' where key = 'rate_limit.assistant_estimate';
select tests.authenticate_as('ja_cust');
select ok((select count(*) from public.assistant_catalog()) > 0, 'first assistant request');
select ok((select count(*) from public.assistant_catalog()) > 0, 'second assistant request');
select is(tests.error_of($$select count(*) from public.assistant_catalog()$$) ->> 'sqlstate', 'HL006', 'third within the hour → HL006');
select is(public.assistant_estimate(tests.id('plumbing')) ->> 'basis', 'category', 'first estimate');
select is(tests.error_of($$select public.assistant_estimate(tests.id('plumbing'))$$) ->> 'sqlstate', 'HL006', 'second estimate → HL006');
select is(tests.error_of($$select public.assistant_estimate(tests.id('goods'))$$) ->> 'sqlstate', 'HL209',
          'invalid input is refused before the limit is counted');
select tests.freeze_time('2030-03-01 09:01+00');
select ok((select count(*) from public.assistant_catalog()) > 0, 'an hour later the window has room again');

------------------------------------------------------------------------------------------------
-- Keywords are lower case
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select throws_ok($$insert into private.category_keywords (category_id, locale, keyword) values (tests.id('plumbing'), 'en', 'Leak')$$,
                 '23514', null, 'keywords are stored in lower case');
select throws_ok($$insert into private.category_keywords (category_id, locale, keyword) values (tests.id('plumbing'), 'fr', 'fuite')$$,
                 '23514', null, 'keywords are en or ar');

select results_eq($$select code, name, http_status from private.error_codes where code between 'HL340' and 'HL349' order by code$$,
                  $$values ('HL340', 'invalid_job_description', 400), ('HL341', 'unsupported_assistant_locale', 400),
                           ('HL342', 'no_category_match', 422)$$,
                  'the assistant registers HL340-HL342 (the edge function answers them)');

select * from finish();
rollback;
