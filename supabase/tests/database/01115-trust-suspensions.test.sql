-- Module trust, suspensions: suspending (permissions, reasons, period), the one check on every
-- write path (jobs, offers, bookings as booker and as the provider booked, listings, provider
-- profile, conversations, messages), what a suspended user can still do (read, finish a booking
-- under way, report, appeal), discovery, appeals, lifting, expiry with a frozen clock (the check
-- before pg_cron, then the job), indefinite suspensions, trusted back ends, and who reads what.
begin;
select plan(68);

select tests.freeze_time('2030-06-03 06:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
select tests.keep('cat', tests.create_category('su-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('prov', tests.create_provider('su_prov', 25.08, 55.14, tests.id('cat'), opens => '00:00', closes => '23:59'));
select tests.keep('prov2', tests.create_provider('su_prov2', 25.081, 55.141, tests.id('cat'), opens => '00:00', closes => '23:59'));
select tests.keep('cust', tests.create_supabase_user('su_cust'));
select tests.keep('cust2', tests.create_supabase_user('su_cust2'));
select tests.keep('mod', tests.create_supabase_user('su_mod'));
select tests.keep('sup', tests.create_supabase_user('su_sup'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator'), (tests.id('sup'), 'support');
select tests.keep('listing', tests.listing_id('su_prov service'));
select tests.keep('listing2', tests.listing_id('su_prov2 service'));
select tests.keep('job', tests.create_job('su_cust2', tests.id('cat'), 'Deep clean'));
-- A booking under way between the two, and their conversation.
select tests.keep('booking', tests.create_booking('su_cust', 'su_prov', 'in_progress'));
select tests.authenticate_as('su_cust');
select tests.keep('conv', (public.start_conversation('service_listing', tests.id('listing'))).id);
select (public.send_message(tests.id('conv'), 'See you soon')).id as m_cust \gset

------------------------------------------------------------------------------------------------
-- Suspending
------------------------------------------------------------------------------------------------
select tests.authenticate_as('su_sup');
select throws_ok(format($$ select public.suspend_user(%L, 'Scam', now() + interval '7 days') $$, tests.id('prov')), 'HL002', null,
  'suspending needs users.suspend');
select tests.authenticate_as('su_mod');
select throws_ok(format($$ select public.suspend_user(%L, 'x') $$, tests.id('prov')), 'HL767', null, 'a reason is required');
select throws_ok(format($$ select public.suspend_user(%L, 'Scam', '2030-06-02') $$, tests.id('prov')), 'HL772', null,
  'the end must be in the future');
select throws_ok(format($$ select public.suspend_user(%L, 'Scam', '2045-01-01') $$, tests.id('prov')), 'HL772', null,
  'and at most 10 years ahead');
select throws_ok(format($$ select public.suspend_user(%L, 'Scam') $$, tests.id('mod')), 'HL777', null, 'nobody suspends themselves');
select throws_ok(format($$ select public.suspend_user(%L, 'Scam') $$, gen_random_uuid()), 'HL114', null, 'unknown users');
select is((public.suspend_user(tests.id('prov'), 'Repeated off-platform payment requests', '2030-06-10 06:00+00')).ends_at,
  '2030-06-10 06:00+00'::timestamptz, 'a moderator suspends a provider for 7 days');
select throws_ok(format($$ select public.suspend_user(%L, 'Again') $$, tests.id('prov')), 'HL771', null, 'not twice');
select tests.reset_authentication();
select is(tests.notification_count('su_prov', 'account.suspended'), 1, 'the user is notified');
select is((select row(actor_id, reason, after ->> 'ends_at')::text from public.audit_log where action = 'user.suspended'),
  row(tests.id('mod'), 'Repeated off-platform payment requests', '2030-06-10T06:00:00+00:00')::text, 'it is audited');
select ok((select hidden_at is not null from public.provider_profiles where id = tests.id('prov')), 'their provider profile is hidden');

------------------------------------------------------------------------------------------------
-- Every write path refuses the suspended user
------------------------------------------------------------------------------------------------
select tests.authenticate_as('su_prov');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-06-05 08:00+00') $$, tests.id('job')), 'HL761', null,
  'no offers');
select throws_ok(format($$ select public.post_job(%L, 'Need help', 25.08, 55.14, 60, p_fixed_budget => 10000, p_asap => true) $$,
  tests.id('cat')), 'HL761', null, 'no jobs');
select throws_ok(format($$ select public.book_listing(%L, '2030-06-05 08:00+00') $$, tests.id('listing2')), 'HL761', null,
  'no bookings');
select throws_ok(format($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
                           values (%L, %L, 'New service', 'fixed', 5000) $$, tests.id('prov'), tests.id('cat')), 'HL761', null,
  'no new listings');
select throws_ok(format($$ update public.service_listings set title = 'Cheaper now' where id = %L $$, tests.id('listing')), 'HL761', null,
  'no listing updates');
select throws_ok(format($$ update public.provider_profiles set description = 'DM me' where id = %L $$, tests.id('prov')), 'HL761', null,
  'no provider profile edits');
select throws_ok(format($$ select public.start_conversation('service_listing', %L) $$, tests.id('listing2')), 'HL761', null,
  'no new conversations');
select throws_ok(format($$ select public.send_message(%L, 'Pay me in cash') $$, tests.id('conv')), 'HL761', null, 'no messages');
select is((tests.error_of(format($$ select public.send_message(%L, 'hi') $$, tests.id('conv'))) ->> 'detail'),
  'suspended until 2030-06-10T06:00:00Z', 'the error says until when');
select throws_ok($$ select private.assert_not_suspended(auth.uid()) $$, 'HL761', null, 'the one check says so directly');

select tests.authenticate_as('su_cust2');
select throws_ok(format($$ select public.book_listing(%L, '2030-06-05 08:00+00') $$, tests.id('listing')), 'HL762', null,
  'nobody books a suspended provider');
select lives_ok($$ select private.assert_not_suspended(auth.uid()) $$, 'others are not suspended');

-- Trusted back ends (no signed-in user) act for the platform and are not refused.
select tests.reset_authentication();
select lives_ok(format($$ update public.service_listings set title = 'Edited by support' where id = %L $$, tests.id('listing')),
  'SQL and the service role (no signed-in user) are not refused');

------------------------------------------------------------------------------------------------
-- What a suspended user can still do
------------------------------------------------------------------------------------------------
select tests.authenticate_as('su_prov');
select is((select count(*)::int from public.bookings where id = tests.id('booking')), 1, 'read their bookings');
select is((select count(*)::int from public.list_my_bookings('provider')), 1, 'list them');
select is((select count(*)::int from public.service_listings where provider_id = tests.id('prov')), 1, 'read their listings');
select is((public.history(tests.id('conv')) -> 'items' -> 0 ->> 'body'), 'See you soon', 'read their messages');
select is((public.transition_booking(tests.id('booking'), 'complete')).status, 'completed', 'finish a booking under way');
select is((public.report_content('user', tests.id('cust2')::text, 'spam')).status, 'open', 'report');
select is((select count(*)::int from public.user_suspensions), 1, 'read their suspension');
select lives_ok($$ select public.mark_read(tests.id('conv'), null) $$, 'mark messages read');

------------------------------------------------------------------------------------------------
-- Discovery
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select is((select count(*)::int from public.search_providers_nearby(25.08, 55.14) where provider_id = tests.id('prov')), 0,
  'a suspended provider leaves provider searches');
select is((select count(*)::int from public.search_listings_nearby(25.08, 55.14) where provider_id = tests.id('prov')), 0,
  'and listing searches');
select is((select count(*)::int from public.search_providers_nearby(25.08, 55.14) where provider_id = tests.id('prov2')), 1,
  'others stay');

------------------------------------------------------------------------------------------------
-- Appeals
------------------------------------------------------------------------------------------------
select tests.authenticate_as('su_cust');
select throws_ok($$ select public.appeal_suspension('I did nothing wrong at all') $$, 'HL773', null, 'only a suspended user appeals');
select tests.authenticate_as('su_prov');
select throws_ok($$ select public.appeal_suspension('no') $$, 'HL775', null, 'an appeal explains itself');
select is((public.appeal_suspension('The customer asked for cash; I refused.')).appeal_status, 'pending', 'the user appeals');
select throws_ok($$ select public.appeal_suspension('Once more, please reconsider') $$, 'HL774', null, 'once per suspension');
select tests.authenticate_as('su_mod');
select is((select count(*)::int from public.user_suspensions where appeal_status = 'pending'), 1, 'moderators see the pending appeal');
select tests.authenticate_as('su_cust2');
select is((select count(*)::int from public.user_suspensions), 0, 'other users see no suspensions');
select tests.authenticate_as('su_sup');
select throws_ok(format($$ select public.answer_suspension_appeal(%L, true, 'ok') $$,
  (select id from public.user_suspensions where user_id = tests.id('prov'))), 'HL002', null, 'answering needs users.suspend');
select tests.authenticate_as('su_mod');
select is((public.answer_suspension_appeal((select id from public.user_suspensions where user_id = tests.id('prov')), false,
  'Chat history shows the requests')).appeal_status, 'rejected', 'a rejected appeal');
select throws_ok(format($$ select public.answer_suspension_appeal(%L, true, 'changed my mind') $$,
  (select id from public.user_suspensions where user_id = tests.id('prov'))), 'HL776', null, 'is answered once');
select throws_ok(format($$ select public.answer_suspension_appeal(%L, true, 'Looks fine') $$, gen_random_uuid()), 'HL778', null,
  'unknown suspensions');
select tests.reset_authentication();
select is(tests.notification_count('su_prov', 'account.appeal_answered'), 1, 'the user hears the answer');
select throws_ok($$ select private.assert_not_suspended(tests.id('prov')) $$, 'HL761', null, 'and stays suspended');

------------------------------------------------------------------------------------------------
-- Lifting
------------------------------------------------------------------------------------------------
select tests.authenticate_as('su_mod');
select is((public.lift_suspension(tests.id('prov'), 'Second chance after a call')).end_kind, 'lifted', 'a moderator lifts it');
select throws_ok(format($$ select public.lift_suspension(%L, 'again') $$, tests.id('prov')), 'HL773', null, 'nothing left to lift');
select tests.authenticate_as('su_prov');
select is((public.send_message(tests.id('conv'), 'Back again')).kind, 'text', 'messages work again');
select ok((public.make_offer(tests.id('job'), 15000, '2030-06-05 08:00+00')).id is not null, 'offers work again');
select tests.clear_authentication();
select is((select count(*)::int from public.search_providers_nearby(25.08, 55.14) where provider_id = tests.id('prov')), 1,
  'the provider is found again');
select tests.reset_authentication();
select is(tests.notification_count('su_prov', 'account.suspension_lifted'), 1, 'the user is notified');
select is((select reason from public.audit_log where action = 'suspension.lifted'), 'Second chance after a call', 'lifting is audited');

------------------------------------------------------------------------------------------------
-- Expiry (frozen clock): the check stops at ends_at; pg_cron's job then closes it.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('su_mod');
select lives_ok(format($$ select public.suspend_user(%L, 'Abusive messages', '2030-06-04 06:00+00') $$, tests.id('cust')),
  'a customer suspended for a day');
select tests.authenticate_as('su_cust');
select throws_ok(format($$ select public.post_job(%L, 'Need help', 25.08, 55.14, 60, p_fixed_budget => 10000, p_asap => true) $$,
  tests.id('cat')), 'HL761', null, 'cannot post a job');
select tests.freeze_time('2030-06-04 06:00:01+00');
select ok((public.post_job(tests.id('cat'), 'Need help', 25.08, 55.14, 60, p_fixed_budget => 10000, p_asap => true)).id is not null,
  'the moment it ends they post again, before the job runs');
select tests.reset_authentication();
select is(private.expire_suspensions(), 1, 'the expiry job closes it');
select is((select row(end_kind, ended_at)::text from public.user_suspensions where user_id = tests.id('cust')),
  row('expired', '2030-06-04 06:00+00'::timestamptz)::text, 'as expired at its end');
select is(tests.notification_count('su_cust', 'account.suspension_lifted'), 1, 'and tells the user');
select is(private.expire_suspensions(), 0, 'idempotent');
select is((select jobname from cron.job where jobname = 'hyperlocal-suspension-expiry'), 'hyperlocal-suspension-expiry',
  'scheduled with pg_cron');

-- An indefinite suspension stays; answering an appeal with a grant lifts it.
select tests.authenticate_as('su_mod');
select is((public.suspend_user(tests.id('cust2'), 'Fraudulent jobs')).ends_at, null, 'indefinite');
select tests.freeze_time('2034-01-01 00:00+00');
select tests.authenticate_as('su_cust2');
select throws_ok($$ select private.assert_not_suspended(auth.uid()) $$, 'HL761', null, 'years later still suspended');
select lives_ok($$ select public.appeal_suspension('It was a misunderstanding with a neighbour.') $$, 'appealing');
select tests.authenticate_as('su_mod');
select is((public.answer_suspension_appeal((select id from public.user_suspensions where user_id = tests.id('cust2')), true,
  'Identity confirmed')).end_kind, 'appeal_granted', 'a granted appeal lifts the suspension');
select tests.authenticate_as('su_cust2');
select lives_ok($$ select private.assert_not_suspended(auth.uid()) $$, 'the user is free again');

------------------------------------------------------------------------------------------------
-- Writes are RPCs only
------------------------------------------------------------------------------------------------
select throws_ok($$ update public.user_suspensions set ended_at = now() where true $$, '42501', null,
  'clients cannot end their own suspension');

select * from finish();
rollback;
