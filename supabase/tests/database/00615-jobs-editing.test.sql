-- Module jobs, editing an open job (public.update_job): wrong actors and bad input, an edit that
-- changes nothing, providers with live offers told what changed, offers the new budget or window
-- invalidates closed with a reason (and only those), expiry following the window, a new place or
-- category matched again, the address kept or forgotten, and no edit once the job is assigned.
begin;
select plan(47);

select tests.freeze_time('2030-03-01 08:00+00');

select tests.keep('cat_plumbing', tests.create_category('je-plumbing', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('cat_cleaning', tests.create_category('je-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('cat_goods', tests.create_category('je-goods', kind => 'goods', names => '{"en": "Goods", "ar": "بضائع"}'));
select tests.keep('cust', tests.create_supabase_user('je_cust'));
select tests.keep('other', tests.create_supabase_user('je_other'));

-- Providers around the job site (25.08 N, 55.14 E); p_east is 30 km east (not matched there).
select tests.keep(v.p, tests.create_provider(v.p, 25.08 + v.north_m / 111320.0, v.lng, tests.id(v.category), 10000, true))
  from (values ('je_a', 1000::float8, 55.14::float8, 'cat_plumbing'),
               ('je_b', 2000, 55.14, 'cat_plumbing'),
               ('je_c', 3000, 55.14, 'cat_plumbing'),
               ('je_clean', 1500, 55.14, 'cat_cleaning'),
               ('je_east', 0, 55.14 + 30000 / (111320.0 * cos(radians(25.08))), 'cat_plumbing')) v(p, north_m, lng, category);

select tests.authenticate_as('je_cust');
select tests.keep('job', (public.post_job(
  p_category_id => tests.id('cat_plumbing'), p_title => 'Leaking kitchen sink', p_lat => 25.08, p_lng => 55.14,
  p_duration_minutes => 90, p_description => 'Water under the sink', p_address => 'Marina Tower 12, flat 1204',
  p_budget_min => 10000, p_budget_max => 20000, p_currency => 'AED',
  p_preferred_start => '2030-03-02 06:00+00', p_preferred_end => '2030-03-02 18:00+00')).id);
reset role;
select is((select count(*)::int from public.job_matches where job_id = tests.id('job')), 3,
  'posting matched the three plumbers within reach (not the cleaner, not the far one)');

-- Offers: a inside the budget and window, b near the top of the budget, c above the budget from
-- the start.
select tests.keep('offer_a', tests.create_offer('je_a', tests.id('job'), '2030-03-02 10:00+00', 15000));
select tests.keep('offer_b', tests.create_offer('je_b', tests.id('job'), '2030-03-02 16:00+00', 19000));
select tests.keep('offer_c', tests.create_offer('je_c', tests.id('job'), '2030-03-02 10:00+00', 25000));

------------------------------------------------------------------------------------------------
-- Wrong actors and bad input: nothing changes.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('je_other');
select throws_ok(format($$ select public.update_job(%L, '{"title": "Mine now"}') $$, tests.id('job')),
  'HL307', null, 'another customer cannot edit the job (HL307)');
select tests.authenticate_as('je_a');
select throws_ok(format($$ select public.update_job(%L, '{"fixed_budget": 1}') $$, tests.id('job')),
  'HL307', null, 'nor can a provider who offered on it');
select tests.authenticate_as('je_cust');
select throws_ok($$ select public.update_job('00000000-0000-0000-0000-00000000abcd', '{"title": "Nothing"}') $$,
  'HL300', null, 'an unknown job: HL300');
select throws_ok(format($$ select public.update_job(%L, '{}') $$, tests.id('job')), 'HL301', null, 'an empty change: HL301');
select throws_ok(format($$ select public.update_job(%L, '["title"]') $$, tests.id('job')), 'HL301', null, 'changes must be an object');
select throws_ok(format($$ select public.update_job(%L, '{"status": "assigned"}') $$, tests.id('job')),
  'HL301', null, 'a field that cannot be edited (status) is refused, not ignored');
select throws_ok(format($$ select public.update_job(%L, '{"currency": "USD"}') $$, tests.id('job')),
  'HL302', null, 'the currency cannot change (HL302)');
select throws_ok(format($$ select public.update_job(%L, '{"duration_minutes": "long"}') $$, tests.id('job')),
  'HL301', null, 'a value of the wrong type: HL301, not a server error');
select throws_ok(format($$ select public.update_job(%L, '{"title": 42}') $$, tests.id('job')),
  'HL301', null, 'a number for a text field: HL301 (not silently turned into text)');
select throws_ok(format($$ select public.update_job(%L, '{"asap": "yes"}') $$, tests.id('job')),
  'HL301', null, 'asap must be a boolean');
select throws_ok(format($$ select public.update_job(%L, '{"preferred_start": "2030-03-02 10:00 Foo/Bar", "preferred_end": "2030-03-02T20:00:00Z"}') $$, tests.id('job')),
  'HL301', null, 'an unknown time zone: HL301');
select throws_ok(format($$ select public.update_job(%L, '{"category_id": "not-a-uuid"}') $$, tests.id('job')),
  'HL301', null, 'a malformed uuid: HL301');
select throws_ok(format($$ select public.update_job(%L, '{"title": "ab"}') $$, tests.id('job')),
  'HL301', null, 'a title too short: HL301 as in post_job');
select throws_ok(format($$ select public.update_job(%L, '{"budget_min": 5000}') $$, tests.id('job')),
  'HL302', null, 'a budget is given whole: budget_min alone is HL302');
select throws_ok(format($$ select public.update_job(%L, '{"preferred_start": "2030-02-01T00:00:00Z", "preferred_end": "2030-02-02T00:00:00Z"}') $$, tests.id('job')),
  'HL304', null, 'a window in the past: HL304');
select throws_ok(format($$ select public.update_job(%L, '{"lat": 25.1}') $$, tests.id('job')),
  'HL201', null, 'a place needs both lat and lng (HL201 for the missing longitude)');
select throws_ok(format($$ select public.update_job(%L, '{"category_id": "%s"}') $$, tests.id('job'), tests.id('cat_goods')),
  'HL209', null, 'a goods category: HL209');
select throws_ok(format($$ select public.update_job(%L, '{"photo_paths": ["elsewhere/x.jpg"]}') $$, tests.id('job')),
  'HL308', null, 'photos outside the job''s folder: HL308');
reset role;
select is((select (title, budget_max, status) from public.job_requests where id = tests.id('job')),
          ('Leaking kitchen sink'::text, 20000::bigint, 'open'::text), 'and the job is unchanged');

------------------------------------------------------------------------------------------------
-- An edit that changes nothing: the job as it is, nobody told.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('je_cust');
select is((public.update_job(tests.id('job'), '{"title": "Leaking kitchen sink", "budget_min": 10000, "budget_max": 20000}')).title,
  'Leaking kitchen sink', 'an edit to the same values returns the job');
reset role;
select is((select count(*)::int from public.notifications where kind = 'job.updated' and payload ->> 'job_id' = tests.id('job')::text), 0,
  'and tells nobody');

------------------------------------------------------------------------------------------------
-- Texts: every live offer's provider is told what changed.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('je_cust');
select is((public.update_job(tests.id('job'), '{"title": "Leaking sink and tap", "description": null}')).description, null,
  'the title changes and JSON null clears the description');
reset role;
select set_eq(
  $$ select user_id, payload ->> 'changes' from public.notifications where kind = 'job.updated' and payload ->> 'job_id' = tests.id('job')::text $$,
  format($$ values (%L::uuid, '["title", "description"]'), (%L::uuid, '["title", "description"]'), (%L::uuid, '["title", "description"]') $$,
         tests.id('je_a'), tests.id('je_b'), tests.id('je_c')),
  'the three providers with live offers get job.updated with the list of changes');

------------------------------------------------------------------------------------------------
-- Budget: offers that fitted the old budget and exceed the new one close; the others stay.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('je_cust');
select is((public.update_job(tests.id('job'), '{"fixed_budget": 16000}')).budget_kind, 'fixed', 'the budget becomes fixed at 160.00');
reset role;
select is((select status from public.job_offers where id = tests.id('offer_b')), 'closed',
  'b (190.00, within the old budget) no longer fits: closed');
select is((select message from public.job_offer_events where offer_id = tests.id('offer_b') and action = 'close'), 'job_edited_budget',
  'its timeline records the reason');
select is((select payload ->> 'reason' from public.notifications where user_id = tests.id('je_b') and kind = 'offer.invalidated'),
  'job_edited_budget', 'its provider gets offer.invalidated with the reason');
select is(array(select status from public.job_offers where id in (tests.id('offer_a'), tests.id('offer_c')) order by price),
  array['pending', 'pending'], 'a (150.00) fits; c was above the budget before the edit and is left to the customer');
select is((select count(*)::int from public.notifications where kind = 'job.updated' and payload ->> 'changes' = '["budget"]'
             and payload ->> 'job_id' = tests.id('job')::text), 2,
  'the two remaining live offers are told');

------------------------------------------------------------------------------------------------
-- Window: offers that started inside the old window and outside the new one close; the expiry
-- follows the window.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('je_cust');
select is((public.update_job(tests.id('job'), '{"preferred_start": "2030-03-02T12:00:00Z", "preferred_end": "2030-03-02T20:00:00Z"}')).expires_at,
  '2030-03-02 20:00+00'::timestamptz, 'a later window: the job expires at its end (before the 72 hours since posting)');
reset role;
select is(array(select status from public.job_offers where id in (tests.id('offer_a'), tests.id('offer_c')) order by price),
  array['closed', 'closed'], 'a and c start at 10:00, now outside the window: both closed');
select is((select count(*)::int from public.job_offer_events where job_id = tests.id('job') and action = 'close' and message = 'job_edited_window'), 2,
  'with the reason job_edited_window');

------------------------------------------------------------------------------------------------
-- Place and category: the public point moves, the old address is forgotten, matching runs again.
------------------------------------------------------------------------------------------------
select tests.keep('offer_a2', tests.create_offer('je_a', tests.id('job'), '2030-03-02 13:00+00', 15000));
select is((select count(*)::int from public.notifications where user_id = tests.id('je_east') and kind = 'job.matched'), 0,
  'the provider 30 km east was not matched');
select tests.authenticate_as('je_cust');
select lives_ok(format($$ select public.update_job(%L, %L) $$, tests.id('job'),
                       format('{"lat": 25.08, "lng": %s}', 55.14 + 30000 / (111320.0 * cos(radians(25.08))))),
  'the job moves 30 km east');
reset role;
select ok((select j.fuzzed_location operator(extensions.<->) l.location
             from public.job_requests j join private.job_locations l on l.job_id = j.id where j.id = tests.id('job')) < 400
          and (select location operator(extensions.<->) extensions.st_point(55.14, 25.08)::extensions.geography
                 from private.job_locations where job_id = tests.id('job')) between 29900 and 30100,
  'the exact point is the new one, the public point is its fuzzed cell');
select is((select address from private.job_locations where job_id = tests.id('job')), null,
  'the old address is forgotten (none was given with the new place)');
select is((select count(*)::int from public.notifications where user_id = tests.id('je_east') and kind = 'job.matched'), 1,
  'matching ran again: the provider there is notified');
select is((select status from public.job_offers where id = tests.id('offer_a2')), 'pending',
  'a live offer is not closed by a move (offers are open to anyone)');
select ok(exists (select 1 from public.notifications where user_id = tests.id('je_a') and kind = 'job.updated' and payload ->> 'changes' = '["place"]'),
  'and its provider is told the place changed');
select tests.authenticate_as('je_cust');
select lives_ok(format($$ select public.update_job(%L, '{"lat": 25.08, "lng": 55.14, "address": "Marina Tower 14"}') $$, tests.id('job')),
  'moving back with an address');
reset role;
select is((select address from private.job_locations where job_id = tests.id('job')), 'Marina Tower 14', 'keeps the new address');
select tests.authenticate_as('je_cust');
select lives_ok(format($$ select public.update_job(%L, '{"category_id": "%s"}') $$, tests.id('job'), tests.id('cat_cleaning')),
  'the category changes to cleaning');
reset role;
select is((select count(*)::int from public.notifications where user_id = tests.id('je_clean') and kind = 'job.matched'), 1,
  'and the cleaner nearby is matched');

------------------------------------------------------------------------------------------------
-- Assigned: no edit.
------------------------------------------------------------------------------------------------
-- Hidden by moderation, or past its expiry before the timer ran: no edit.
reset role;
update public.job_requests set hidden_at = now() where id = tests.id('job');
select tests.authenticate_as('je_cust');
select throws_ok(format($$ select public.update_job(%L, '{"title": "Back on the board"}') $$, tests.id('job')),
  'HL306', null, 'a job hidden by moderation cannot be edited (nor re-matched)');
reset role;
update public.job_requests set hidden_at = null where id = tests.id('job');
select tests.freeze_time('2030-03-02 20:30+00');
select tests.authenticate_as('je_cust');
select throws_ok(format($$ select public.update_job(%L, '{"preferred_start": "2030-03-05T08:00:00Z", "preferred_end": "2030-03-05T18:00:00Z"}') $$, tests.id('job')),
  'HL306', null, 'a job past its expiry cannot be brought back by an edit');
reset role;
select tests.freeze_time('2030-03-01 08:00+00');
select tests.accept_offer('je_cust', tests.id('offer_a2'));
select tests.authenticate_as('je_cust');
select throws_ok(format($$ select public.update_job(%L, '{"title": "Too late"}') $$, tests.id('job')),
  'HL306', null, 'once assigned the job cannot be edited (HL306)');

select * from finish();
rollback;
