-- Module catalog, providers: onboarding through create_provider_profile, the provider profile's
-- policies and trust fields, verification, coverage (radius, drawn polygon), certifications,
-- provider statistics (database only) and deleting a provider profile.
begin;
select plan(96);

select tests.create_supabase_user(u) from unnest(array['cat_admin', 'cat_mod', 'cat_prov', 'cat_prov2', 'cat_cust', 'cat_temp']) u;
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('cat_admin'), 'admin'),
  (tests.get_supabase_uid('cat_mod'), 'moderator');
select tests.create_category('tcat-leaks');

------------------------------------------------------------------------------------------------
-- Onboarding
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 91, 55.27) $$, 'HL200', null, 'latitude 91 is HL200');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', -90.0001, 55.27) $$, 'HL200', null, 'latitude -90.0001 is HL200');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 180.5) $$, 'HL201', null, 'longitude 180.5 is HL201');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, null) $$, 'HL201', null, 'a missing longitude is HL201');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 0) $$, 'HL202', null, 'radius 0 is HL202');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, -5) $$, 'HL202', null, 'a negative radius is HL202');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 100001) $$, 'HL202', null, 'a radius over 100 km is HL202');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 5000, 'Mars/Olympus') $$, 'HL214', null, 'an unknown time zone is HL214');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 5000, 'Asia/Dubai', 'aed') $$, 'HL206', null, 'a malformed currency is HL206');
select throws_ok($$ select public.create_provider_profile('Omar Fixes', 25.2, 55.27, 5000, 'Asia/Dubai', null, -1) $$, 'HL205', null, 'a negative hourly rate is HL205');
select throws_ok($$ select public.create_provider_profile('O', 25.2, 55.27) $$, 'HL222', null, 'a one-letter display name is HL222');
select ok(not (select is_provider from public.profiles where id = tests.get_supabase_uid('cat_prov')), 'failed onboarding leaves the user a customer');
select is((select display_name from public.create_provider_profile('Omar Fixes', 25.2048, 55.2708, 5000, 'Asia/Dubai', null, 9000, 'Omar Plumbing LLC', 'Leaks and taps', array['plumbing', 'tiling'])),
  'Omar Fixes', 'create_provider_profile creates the profile');
select ok((select is_provider from public.profiles where id = tests.get_supabase_uid('cat_prov')), 'the user becomes a provider');
select is((select array[base_lat, base_lng] from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  array[25.2048, 55.2708]::float8[], 'base_lat/base_lng expose the base as numbers');
select is((select currency::text from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), 'AED', 'the currency defaults to the profile''s');
select throws_ok($$ select public.create_provider_profile('Omar Again', 25.2, 55.27) $$, 'HL221', null, 'a second provider profile is HL221');
select throws_ok($$ insert into public.provider_profiles (id, display_name, base_location) values (auth.uid(), 'Direct', 'SRID=4326;POINT(200 100)') $$,
  '42501', null, 'provider profiles cannot be inserted directly (raw geography would be silently wrapped)');

select tests.authenticate_as('cat_prov2');
select ok((select currency::text = 'GBP' from public.create_provider_profile('London Fixer', 51.5074, -0.1278, 8000, 'Europe/London', 'GBP')),
  'a second provider onboards in London with GBP');
select tests.authenticate_as('cat_temp');
select lives_ok($$ select public.create_provider_profile('Temp Provider', 25.1, 55.1) $$, 'a third provider onboards');
select tests.clear_authentication();
select throws_ok($$ select public.create_provider_profile('Anon', 25.2, 55.27) $$, '42501', null, 'anon cannot onboard');

------------------------------------------------------------------------------------------------
-- Provider profiles: policies and trust fields
------------------------------------------------------------------------------------------------
select ok(exists (select 1 from public.provider_profiles where display_name = 'Omar Fixes'), 'anon reads provider profiles');
select throws_ok($$ update public.provider_profiles set display_name = 'Anon' where display_name = 'Omar Fixes' $$, '42501', null, 'anon cannot edit provider profiles');
select throws_ok($$ delete from public.provider_profiles where display_name = 'Omar Fixes' $$, '42501', null, 'anon cannot delete provider profiles');

select tests.authenticate_as('cat_prov');
select is(tests.affected_rows($$ update public.provider_profiles set display_name = 'Omar Fixes It', is_available = true where id = auth.uid() $$), 1,
  'providers edit their profile and toggle is_available');
select throws_ok($$ update public.provider_profiles set rating_avg = 5 where id = auth.uid() $$, '42501', null, 'providers cannot write rating_avg');
select throws_ok($$ update public.provider_profiles set rating_count = 100 where id = auth.uid() $$, '42501', null, 'providers cannot write rating_count');
select throws_ok($$ update public.provider_profiles set rating_sum = 500 where id = auth.uid() $$, '42501', null, 'providers cannot write rating_sum');
select throws_ok($$ update public.provider_profiles set completed_jobs = 100 where id = auth.uid() $$, '42501', null, 'providers cannot write completed_jobs');
select throws_ok($$ update public.provider_profiles set response_time_s = 1 where id = auth.uid() $$, '42501', null, 'providers cannot write response_time_s');
select throws_ok($$ update public.provider_profiles set is_verified = true where id = auth.uid() $$, '42501', null, 'providers cannot write is_verified');
select throws_ok($$ update public.provider_profiles set coverage = null where id = auth.uid() $$, '42501', null, 'providers cannot write coverage');
select throws_ok($$ update public.provider_profiles set category_ids = '{}' where id = auth.uid() $$, '42501', null, 'providers cannot write category_ids');
select throws_ok($$ update public.provider_profiles set price_from = 1 where id = auth.uid() $$, '42501', null, 'providers cannot write price_from');
select throws_ok($$ update public.provider_profiles set business_id = null where id = auth.uid() $$, '42501', null, 'providers cannot write business_id');
select throws_ok($$ update public.provider_profiles set base_location = 'SRID=4326;POINT(55 25)' where id = auth.uid() $$, '42501', null, 'providers cannot write base_location directly');
select throws_ok($$ update public.provider_profiles set service_area = null where id = auth.uid() $$, '42501', null, 'providers cannot write service_area directly');
select throws_ok($$ update public.provider_profiles set service_radius_m = 200000 where id = auth.uid() $$, 'HL202', null, 'a radius over 100 km is HL202, not a check violation');
select throws_ok($$ update public.provider_profiles set hourly_rate = 1000000000 where id = auth.uid() $$, 'HL205', null, 'an absurd hourly rate is HL205');
select throws_ok($$ update public.provider_profiles set timezone = 'Dubai' where id = auth.uid() $$, 'HL214', null, 'an unknown time zone is HL214');
select throws_ok($$ update public.provider_profiles set skills = array['ok', ''] where id = auth.uid() $$, 'HL222', null, 'an empty skill is HL222');

select tests.authenticate_as('cat_prov2');
select is(tests.affected_rows($$ update public.provider_profiles set display_name = 'Hijack' where id = tests.get_supabase_uid('cat_prov') $$), 0,
  'other providers cannot edit a profile');
select is(tests.affected_rows($$ delete from public.provider_profiles where id = tests.get_supabase_uid('cat_prov') $$), 0,
  'other providers cannot delete a profile');
select tests.authenticate_as('cat_admin');
select is(tests.affected_rows($$ update public.provider_profiles set display_name = 'Admin Edit' where id = tests.get_supabase_uid('cat_prov') $$), 0,
  'admins do not edit provider profiles through the table');

-- Verification is the verification module's decision path (01010-verification-kyc): a provider
-- cannot set their own badge.
select tests.authenticate_as('cat_prov');
select throws_ok($$ update public.provider_profiles set is_verified = true where id = auth.uid() $$, '42501', null,
  'providers cannot verify themselves');

------------------------------------------------------------------------------------------------
-- Coverage: radius, drawn polygon, moves
------------------------------------------------------------------------------------------------
select ok((select extensions.st_covers(coverage, extensions.st_project(base_location, 4900, 0))
              and not extensions.st_covers(coverage, extensions.st_project(base_location, 5100, 0))
             from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')),
  'coverage is a circle of service_radius_m around the base');

select tests.authenticate_as('cat_prov');
select lives_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.30], [55.20, 25.15]]]}') $$,
  'providers draw a service area as GeoJSON');
select ok((select extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.34, 25.29), 4326)::extensions.geography)
              and not extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.40, 25.20), 4326)::extensions.geography)
             from public.provider_profiles where id = auth.uid()),
  'coverage is the drawn polygon when one is set (the radius is ignored)');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.30], [55.35, 25.15], [55.20, 25.30], [55.20, 25.15]]]}') $$,
  'HL203', null, 'a self-intersecting polygon is HL203');
select throws_ok($$ select public.set_service_area('{"type": "Point", "coordinates": [55.2, 25.2]}') $$, 'HL203', null, 'a point is not a service area (HL203)');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.2, 25.1], [55.3]]]}') $$, 'HL203', null, 'unreadable GeoJSON is HL203');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.2, 95], [55.3, 95], [55.3, 96], [55.2, 95]]]}') $$, 'HL200', null, 'a vertex beyond latitude 90 is HL200');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[185, 25], [186, 25], [186, 26], [185, 25]]]}') $$, 'HL201', null, 'a vertex beyond longitude 180 is HL201');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[50, 20], [60, 20], [60, 30], [50, 30], [50, 20]]]}') $$, 'HL204', null, 'a 1000 km wide area is HL204');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.2, 25.2], [55.2001, 25.2], [55.2001, 25.2001], [55.2, 25.2]]]}') $$, 'HL204', null, 'a 10 m area is HL204');
select lives_ok($$ select public.set_service_area(null) $$, 'set_service_area(null) goes back to the radius');
select ok((select service_area is null and extensions.st_covers(coverage, extensions.st_project(base_location, 4900, 0))
              and not extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.34, 25.29), 4326)::extensions.geography)
             from public.provider_profiles where id = auth.uid()),
  'coverage is the radius circle again');
select lives_ok($$ select public.set_service_area('{"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.15]]]]}}') $$,
  'a GeoJSON Feature with a MultiPolygon is accepted');
select lives_ok($$ select public.set_service_area(null) $$, 'the drawn area is cleared again');
select tests.authenticate_as('cat_cust');
select throws_ok($$ select public.set_service_area('{"type": "Polygon", "coordinates": [[[55.20, 25.15], [55.35, 25.15], [55.35, 25.30], [55.20, 25.15]]]}') $$,
  'HL106', null, 'a non-provider setting a service area is HL106');
select throws_ok($$ select public.set_provider_location(25.2, 55.3) $$, 'HL106', null, 'a non-provider setting a location is HL106');


------------------------------------------------------------------------------------------------
-- Certifications
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.provider_certifications (provider_id, name, issuer, expires_on)
values (auth.uid(), 'Plumbing licence', 'Dubai Municipality', '2099-01-01');
select ok(exists (select 1 from public.provider_certifications where name = 'Plumbing licence'), 'providers add certifications');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer, expires_on) values (auth.uid(), 'Old', 'Issuer', '2000-01-01') $$,
  'HL226', null, 'an expired certification is HL226');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (auth.uid(), 'X', 'Issuer') $$,
  'HL226', null, 'a one-letter certification name is HL226');
select throws_ok($$ update public.provider_certifications set verified_at = now() where name = 'Plumbing licence' $$,
  '42501', null, 'providers cannot write verified_at');
select tests.authenticate_as('cat_cust');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (tests.get_supabase_uid('cat_prov'), 'Forged', 'Issuer') $$,
  '42501', null, 'users cannot add certifications for a provider');
select is(tests.affected_rows($$ update public.provider_certifications set issuer = 'X' where name = 'Plumbing licence' $$), 0, 'other users cannot edit certifications');
select is(tests.affected_rows($$ delete from public.provider_certifications where name = 'Plumbing licence' $$), 0, 'other users cannot delete certifications');
select tests.clear_authentication();
select ok(exists (select 1 from public.provider_certifications where name = 'Plumbing licence'), 'anon reads certifications');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (tests.get_supabase_uid('cat_prov'), 'Anon', 'Issuer') $$,
  '42501', null, 'anon cannot add certifications');
-- Verified as the verification module's approval does it (as the database owner).
reset role;
update public.provider_certifications set verified_at = now(), verified_by = tests.get_supabase_uid('cat_admin') where name = 'Plumbing licence';
select tests.authenticate_as('cat_prov');
update public.provider_certifications set issuer = 'Dubai Municipality (DM)' where name = 'Plumbing licence';
select ok((select verified_at is null and verified_by is null from public.provider_certifications where name = 'Plumbing licence'),
  'changing a certificate clears its verification');
select is(tests.affected_rows($$ delete from public.provider_certifications where name = 'Plumbing licence' $$), 1, 'providers delete their certifications');


------------------------------------------------------------------------------------------------
-- Remaining policy cells: each action by the owner, another user, anon and an operator
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.provider_certifications (provider_id, name, issuer) values (auth.uid(), 'First aid', 'Red Crescent');
select tests.authenticate_as('cat_cust');
select ok(exists (select 1 from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), 'signed-in users read provider profiles');
select ok(exists (select 1 from public.provider_certifications where name = 'First aid'), 'signed-in users read certifications');
select tests.clear_authentication();
select throws_ok($$ update public.provider_certifications set issuer = 'Anon' where name = 'First aid' $$, '42501', null, 'anon cannot edit certifications');
select throws_ok($$ delete from public.provider_certifications where name = 'First aid' $$, '42501', null, 'anon cannot delete certifications');

select tests.authenticate_as('cat_admin');
select is(tests.affected_rows($$ delete from public.provider_profiles where id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not delete provider profiles');
select throws_ok($$ insert into public.provider_certifications (provider_id, name, issuer) values (tests.get_supabase_uid('cat_prov'), 'Admin cert', 'Issuer') $$,
  '42501', null, 'admins do not add certifications for providers');
select is(tests.affected_rows($$ update public.provider_certifications set issuer = 'Admin' where name = 'First aid' $$), 0, 'admins do not edit certifications (they verify them)');
select is(tests.affected_rows($$ delete from public.provider_certifications where name = 'First aid' $$), 0, 'admins do not delete certifications');

------------------------------------------------------------------------------------------------
-- Provider statistics: database only
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
select throws_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 5) $$, '42501', null, 'users cannot call the rating function');
reset role;
select lives_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 5) $$, 'record_provider_rating adds a rating');
select is((select array[rating_count::numeric, rating_sum, rating_avg] from private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 4)),
  array[2, 9, 4.50]::numeric[], 'ratings keep count, sum and a 2-decimal average');
select lives_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 4) $$, 'a third rating');
select is((select rating_avg from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), 4.33, 'the average is rounded (13/3)');
select is((select array[rating_count::numeric, rating_avg] from private.remove_provider_rating(tests.get_supabase_uid('cat_prov'), 5)),
  array[2, 4.00]::numeric[], 'remove_provider_rating takes a rating back');
select throws_ok($$ select private.record_provider_rating(tests.get_supabase_uid('cat_prov'), 6) $$, 'HL230', null, 'six stars is HL230');
select throws_ok($$ select private.record_provider_rating('00000000-0000-4000-a000-0000000009ff', 5) $$, 'HL220', null, 'rating an unknown provider is HL220');
select throws_ok($$ select private.remove_provider_rating(tests.get_supabase_uid('cat_prov2'), 5) $$, 'HL005', null, 'removing a rating that was never given is HL005');
select is((select completed_jobs from private.record_completed_job(tests.get_supabase_uid('cat_prov'))), 1, 'record_completed_job counts jobs');
select is((select response_time_s from private.record_provider_response(tests.get_supabase_uid('cat_prov'), 100)), 100, 'the first response time is taken as is');
select is((select response_time_s from private.record_provider_response(tests.get_supabase_uid('cat_prov'), 200)), 120, 'later ones form a moving average');
select is((select array[rating_count, rating_sum, completed_jobs, response_time_s] from private.set_provider_stats(tests.get_supabase_uid('cat_prov2'), 3, 12, 7, 600)),
  array[3, 12, 7, 600], 'set_provider_stats stores recomputed totals');
select throws_ok($$ select private.set_provider_stats(tests.get_supabase_uid('cat_prov2'), 2, 11, 0, null) $$, 'HL230', null, 'totals beyond 5 stars per rating are HL230');

------------------------------------------------------------------------------------------------
-- Deleting a provider profile
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_temp');
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price) values
  (auth.uid(), tests.category_id('tcat-leaks'), 'Temporary', 'fixed', 100);
select is(tests.affected_rows($$ delete from public.provider_profiles where id = auth.uid() $$), 1, 'providers delete their own profile');
reset role;
select ok((select not is_provider from public.profiles where id = tests.get_supabase_uid('cat_temp'))
          and not exists (select 1 from public.service_listings where provider_id = tests.get_supabase_uid('cat_temp')),
  'the user is a customer again and the listings are gone');

select * from finish();
rollback;
