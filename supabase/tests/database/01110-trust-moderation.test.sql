-- Module trust, moderation: the report target registry, reporting (reasons, dedupe, visibility,
-- own content, rate limit), who reads reports, the operator queue (grouping, counts, SLA age with a
-- frozen clock), hide / restore / dismiss / warn (permissions, reasons, reports closed with the
-- outcome, notifications, audit), hidden content invisible to everyone but its owner and
-- moderators (listings, messages, jobs, accounts), and account deletion.
begin;
select plan(100);

select tests.freeze_time('2030-05-06 06:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
select tests.keep('cat', tests.create_category('mo-plumbing', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('prov', tests.create_provider('mo_prov', 25.08, 55.14, tests.id('cat'), opens => '06:00', closes => '22:00'));
select tests.keep('prov2', tests.create_provider('mo_prov2', 25.081, 55.141));
select tests.keep('cust', tests.create_supabase_user('mo_cust'));
select tests.keep('rep', tests.create_supabase_user('mo_rep'));
select tests.keep('stranger', tests.create_supabase_user('mo_stranger'));
select tests.keep('mod', tests.create_supabase_user('mo_mod'));
select tests.keep('sup', tests.create_supabase_user('mo_sup'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator'), (tests.id('sup'), 'support');
select tests.keep('listing', tests.listing_id('mo_prov service'));
select tests.keep('job', tests.create_job('mo_cust', tests.id('cat'), 'Leaking tap'));

select tests.authenticate_as('mo_cust');
select tests.keep('conv', (public.start_conversation('service_listing', tests.id('listing'))).id);
select (public.send_message(tests.id('conv'), 'Is Tuesday possible?')).id as m_cust \gset
select tests.authenticate_as('mo_prov');
select (public.send_message(tests.id('conv'), 'Pay me outside the app, cheaper')).id as m_prov \gset
select (public.send_message(tests.id('conv'), 'Tuesday works')).id as m_prov_ok \gset
select tests.reset_authentication();
insert into public.messages (conversation_id, kind, payload) values (tests.id('conv'), 'system', '{"event": "test"}')
returning id as m_system \gset

------------------------------------------------------------------------------------------------
-- The registry
------------------------------------------------------------------------------------------------
select set_eq($$ select kind from private.report_targets $$, array['job', 'message', 'product', 'review', 'service_listing', 'stream', 'stream_comment', 'user'],
  'trust registers the kinds user, service_listing, message and job (the reviews file review, goods product, live stream and stream_comment)');
select is((select owner_handler || ' ' || hide_handler from private.report_targets where kind = 'message'),
  'private.message_report_owner(uuid) private.set_message_hidden(uuid,boolean)', 'handlers are stored schema-qualified');
select throws_ok($$ insert into private.report_targets (kind, module, owner_handler, hide_handler, description)
                    values ('bogus', 'x', 'private.set_job_hidden(uuid, boolean)', 'private.set_job_hidden(uuid, boolean)', 'x') $$,
  '23514', null, 'an owner handler must take (uuid) and return uuid');
select throws_ok($$ insert into private.report_targets (kind, module, owner_handler, hide_handler, description)
                    values ('bogus', 'x', 'private.job_report_owner(uuid)', 'private.job_report_owner(uuid)', 'x') $$,
  '23514', null, 'a hide handler must take (uuid, boolean) and return void');
select is(private.report_target_ref(private.report_target_uuid('123456789')), '123456789',
  'numeric ids (messages) round-trip through their uuid form');
select is(private.report_target_ref(tests.id('job')), tests.id('job')::text, 'uuids stay uuids');

------------------------------------------------------------------------------------------------
-- Reasons and reporting
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select is((select count(*)::int from public.report_reasons), 7, 'the reasons are a public list');
select throws_ok(format($$ select public.report_content('service_listing', %L, 'spam') $$, tests.id('listing')), '42501', null,
  'reporting needs a signed-in user');

select tests.authenticate_as('mo_rep');
select is((public.report_content('service_listing', tests.id('listing')::text, 'scam', 'Asks for payment by bank transfer')).status,
  'open', 'a report opens');
select tests.freeze_time('2030-05-06 06:30+00');
select is((select target_owner_id from public.reports where reporter_id = tests.id('rep') and kind = 'service_listing'),
  tests.id('prov'), 'it records the owner of the content');
select throws_ok(format($$ select public.report_content('service_listing', %L, 'spam') $$, tests.id('listing')), 'HL766', null,
  'one open report per reporter and target');
select throws_ok(format($$ select public.report_content('listing', %L, 'spam') $$, tests.id('listing')), 'HL760', null,
  'unknown kinds are refused');
select throws_ok($$ select public.report_content('service_listing', 'not-an-id', 'spam') $$, 'HL763', null,
  'a malformed id is not found');
select throws_ok(format($$ select public.report_content('service_listing', %L, 'spam') $$, gen_random_uuid()), 'HL763', null,
  'a missing listing is not found');
select throws_ok(format($$ select public.report_content('job', %L, 'rude') $$, tests.id('job')), 'HL764', null,
  'reasons come from the list');
select throws_ok(format($$ select public.report_content('service_listing', %L, 'impersonation') $$, tests.id('listing')), 'HL764', null,
  'a reason applies to its kinds only');
select throws_ok(format($$ select public.report_content('job', %L, 'other') $$, tests.id('job')), 'HL764', null,
  'other needs details');
select throws_ok(format($$ select public.report_content('job', %L, 'spam', %L) $$, tests.id('job'), repeat('x', 1001)), 'HL764', null,
  'details are bounded');
select throws_ok(format($$ select public.report_content('message', %L, 'spam') $$, :m_prov), 'HL763', null,
  'a message outside your conversations is not found for you');
select is((public.report_content('user', tests.id('prov')::text, 'impersonation')).kind, 'user', 'users are reported');

select tests.authenticate_as('mo_cust');
select is((public.report_content('message', :m_prov::text, 'scam', 'off-platform payment')).target_owner_id, tests.id('prov'),
  'a participant reports the other side''s message by its number (folded from messaging''s reports)');
select throws_ok(format($$ select public.report_content('message', %L, 'spam') $$, :m_cust), 'HL765', null,
  'nobody reports their own message');
select throws_ok(format($$ select public.report_content('message', %L, 'spam') $$, :m_system), 'HL763', null,
  'system messages cannot be reported');
select throws_ok(format($$ select public.report_content('job', %L, 'spam') $$, tests.id('job')), 'HL765', null,
  'nor their own job');
select is((public.report_content('service_listing', tests.id('listing')::text, 'scam')).status, 'open',
  'a second reporter reports the same listing');

select tests.freeze_time('2030-05-06 07:00+00');
select tests.authenticate_as('mo_prov2');
select is((public.report_content('job', tests.id('job')::text, 'prohibited', 'Asks for an unlicensed gas fitting')).kind, 'job',
  'a provider reports an open job they can see');
select tests.authenticate_as('mo_prov');
select throws_ok(format($$ select public.report_content('service_listing', %L, 'spam') $$, tests.id('listing')), 'HL765', null,
  'nobody reports their own listing');

-- Rate limit (rate_limit.report_content), counted per reporter.
select tests.reset_authentication();
update private.settings set value = '{"limit": 2, "window": "1 hour"}' where key = 'rate_limit.report_content';
select tests.authenticate_as('mo_stranger');
select lives_ok(format($$ select public.report_content('user', %L, 'spam') $$, tests.id('prov')), 'first report');
select lives_ok(format($$ select public.report_content('user', %L, 'spam') $$, tests.id('prov2')), 'second report');
select throws_ok(format($$ select public.report_content('user', %L, 'spam') $$, tests.id('cust')), 'HL006', null,
  'reports are rate-limited per reporter');
select tests.reset_authentication();
update private.settings set value = '{"limit": 20, "window": "1 hour"}' where key = 'rate_limit.report_content';

------------------------------------------------------------------------------------------------
-- Who reads reports, and the queue
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_rep');
select is((select count(*)::int from public.reports), 2, 'reporters read their own reports');
select is((select count(*)::int from public.operator_report_queue), 0, 'the queue is for moderators only');
select tests.authenticate_as('mo_sup');
select is((select count(*)::int from public.reports), 0, 'support (no content.moderate) reads no reports');
select is((select count(*)::int from public.operator_report_queue), 0, 'nor the queue');

select tests.freeze_time('2030-05-07 08:00+00');
select tests.authenticate_as('mo_mod');
select is((select count(*)::int from public.reports), 7, 'moderators read every report');
select is((select count(*)::int from public.operator_report_queue), 5, 'the queue has one row per reported target');
select is((select row(open_reports, reporters, reasons::text, target_owner_id)::text from public.operator_report_queue
            where kind = 'service_listing' and target_id = tests.id('listing')),
  row(2, 2, '{scam}', tests.id('prov'))::text, 'open reports are grouped per target with counts and reasons');
select is((select sla_age from public.operator_report_queue where kind = 'job'), interval '25 hours',
  'the SLA age runs from the oldest open report (frozen clock)');
select ok((select sla_breached from public.operator_report_queue where kind = 'job'), 'past moderation.report_sla_hours it is breached');
select is((select target_ref from public.operator_report_queue where kind = 'message'), :m_prov::text,
  'messages show their number as target_ref');
select is((select kind || ':' || open_reports from public.operator_report_queue limit 1), 'service_listing:2',
  'oldest first');

------------------------------------------------------------------------------------------------
-- Hiding and restoring a listing
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_sup');
select throws_ok(format($$ select public.hide_content('service_listing', %L, 'Scam reports') $$, tests.id('listing')), 'HL002', null,
  'hiding needs content.moderate');
select tests.authenticate_as('mo_mod');
select throws_ok(format($$ select public.hide_content('service_listing', %L, ' ') $$, tests.id('listing')), 'HL767', null,
  'every action needs a reason');
select throws_ok(format($$ select public.hide_content('service_listing', %L, 'Scam reports') $$, gen_random_uuid()), 'HL763', null,
  'unknown content cannot be hidden');
select is((public.hide_content('service_listing', tests.id('listing')::text, 'Off-platform payment requests')).reports_closed, 2,
  'hiding closes the target''s open reports');
select is((select array_agg(distinct status || '/' || outcome) from public.reports where kind = 'service_listing'),
  array['actioned/hidden'], 'with the outcome');
select ok((select hidden_at is not null from public.service_listings where id = tests.id('listing')), 'the listing is hidden');
select throws_ok(format($$ select public.hide_content('service_listing', %L, 'again') $$, tests.id('listing')), 'HL768', null,
  'hiding twice is refused');
select tests.reset_authentication();
select is(tests.notification_count('mo_prov', 'moderation.content_hidden'), 1, 'the owner is notified');
select is((select n.params ->> 'reason' from public.notifications n
            where n.user_id = tests.id('prov') and n.kind = 'moderation.content_hidden'),
  'Off-platform payment requests', 'with the reason');
select is((select row(actor_id, reason, after ->> 'hidden')::text from public.audit_log
            where action = 'content.hidden' and target_type = 'service_listing' and target_id = tests.id('listing')::text),
  row(tests.id('mod'), 'Off-platform payment requests', 'true')::text, 'and it is audited with actor and reason');
select tests.authenticate_as('mo_mod');

select tests.clear_authentication();
select is((select count(*)::int from public.service_listings where id = tests.id('listing')), 0, 'anon no longer sees it');
select tests.authenticate_as('mo_cust');
select is((select count(*)::int from public.service_listings where id = tests.id('listing')), 0, 'nor do other users');
select throws_ok(format($$ select public.book_listing(%L, '2030-05-09 06:00+00') $$, tests.id('listing')), 'HL411', null,
  'a hidden listing cannot be booked');
select is((select count(*)::int from public.search_listings_nearby(25.08, 55.14) where listing_id = tests.id('listing')), 0,
  'discovery leaves it out');
select is((select price_from from public.provider_profiles where id = tests.id('prov')), null::bigint,
  'and the provider''s derived price no longer counts it');
select tests.authenticate_as('mo_prov');
select ok((select hidden_at is not null from public.service_listings where id = tests.id('listing')),
  'its provider still reads it and sees it is hidden');
select is((select count(*)::int from public.moderation_actions where user_id = tests.id('prov')), 1,
  'and reads the action about it with its reason');
select tests.authenticate_as('mo_mod');
select is((select count(*)::int from public.service_listings where id = tests.id('listing')), 1, 'moderators see it');

select throws_ok(format($$ select public.restore_content('job', %L, 'Nothing wrong') $$, tests.id('job')), 'HL769', null,
  'only hidden content can be restored');
select is((public.restore_content('service_listing', tests.id('listing')::text, 'Provider explained; appeal accepted')).action,
  'restore', 'restoring');
select tests.clear_authentication();
select is((select count(*)::int from public.service_listings where id = tests.id('listing')), 1, 'the listing is public again');
select tests.reset_authentication();
select is(tests.notification_count('mo_prov', 'moderation.content_restored'), 1, 'the owner is told');
select is((select count(*)::int from public.audit_log where action = 'content.restored'), 1, 'restore is audited');

------------------------------------------------------------------------------------------------
-- Hiding a message: a tombstone for the other side, the sender sees it is hidden.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_mod');
select is((public.hide_content('message', :m_prov::text, 'Off-platform payment')).reports_closed, 1, 'hiding the reported message');
select tests.authenticate_as('mo_cust');
select is((select count(*)::int from public.messages where id = :m_prov), 0, 'the other side cannot read the row');
select is((select row(m ->> 'body', m ->> 'hidden')::text from jsonb_array_elements(public.history(tests.id('conv')) -> 'items') m
            where (m ->> 'id')::bigint = :m_prov), row(null::text, 'true')::text, 'history shows them a tombstone');
select is((select count(*)::int from public.messages where conversation_id = tests.id('conv')), 3, 'the other messages stay readable');
select tests.authenticate_as('mo_prov');
select is((select count(*)::int from public.messages where id = :m_prov), 1, 'the sender still reads it');
select is((select row(m ->> 'body', m ->> 'hidden')::text from jsonb_array_elements(public.history(tests.id('conv')) -> 'items') m
            where (m ->> 'id')::bigint = :m_prov), row('Pay me outside the app, cheaper', 'true')::text,
  'and sees that it is hidden');
select tests.reset_authentication();
select is((select payload -> 'message' ->> 'hidden' from realtime.messages
            where topic = 'conversation:' || tests.id('conv') and event = 'message.hidden'), 'true',
  'the conversation gets message.hidden live, without the content');

------------------------------------------------------------------------------------------------
-- Hiding a job; dismissing reports
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_mod');
select is((public.hide_content('job', tests.id('job')::text, 'Unlicensed gas work')).action, 'hide', 'hiding a job');
select tests.keep('prov3', tests.create_provider('mo_prov3', 25.082, 55.142));
select tests.authenticate_as('mo_prov3');
select is((select count(*)::int from public.list_open_jobs_near_me(25.08, 55.14, p_limit => 100) where id = tests.id('job')), 0,
  'a hidden job leaves the board');
select is((select count(*)::int from public.job_requests where id = tests.id('job')), 0, 'providers no longer read it');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-05-09 08:00+00') $$, tests.id('job')), 'HL300', null,
  'nor offer on it');
select tests.authenticate_as('mo_prov');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-05-09 08:00+00') $$, tests.id('job')), 'HL306', null,
  'a provider it was shown to reads it but cannot offer either');
select tests.authenticate_as('mo_cust');
select ok((select hidden_at is not null from public.job_requests where id = tests.id('job')), 'its customer sees it is hidden');

select tests.authenticate_as('mo_mod');
select throws_ok(format($$ select public.dismiss_reports('job', %L, 'Nothing to do') $$, tests.id('job')), 'HL770', null,
  'dismissing needs open reports');
select is((public.dismiss_reports('user', tests.id('prov2')::text, 'Not impersonation')).reports_closed, 1, 'dismissing reports');
select is((select status || '/' || outcome from public.reports where kind = 'user' and target_id = tests.id('prov2')),
  'dismissed/dismissed', 'they close as dismissed');
select tests.reset_authentication();
select is(tests.notification_count('mo_prov2', 'moderation.content_hidden') + tests.notification_count('mo_prov2', 'moderation.warning'), 0,
  'the owner is not bothered');
select is((select count(*)::int from public.audit_log where action = 'report.dismissed'), 1, 'dismissals are audited');

------------------------------------------------------------------------------------------------
-- Warnings
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_sup');
select throws_ok(format($$ select public.warn_user(%L, 'Be nice') $$, tests.id('prov')), 'HL002', null, 'warning needs users.suspend');
select tests.authenticate_as('mo_mod');
select throws_ok(format($$ select public.warn_user(%L, 'Be nice') $$, tests.id('mod')), 'HL777', null, 'nobody warns themselves');
select throws_ok(format($$ select public.warn_user(%L, 'Be nice') $$, gen_random_uuid()), 'HL114', null, 'unknown users');
select is((public.warn_user(tests.id('prov'), 'Keep payments in the app')).reports_closed, 2,
  'a warning closes the open reports on the user');
select is((select array_agg(distinct outcome) from public.reports where kind = 'user' and target_id = tests.id('prov')),
  array['warned'], 'as warned');
select tests.reset_authentication();
select is(tests.notification_count('mo_prov', 'moderation.warning'), 1, 'the user is notified');
select is((select reason from public.audit_log where action = 'user.warned' and target_id = tests.id('prov')::text),
  'Keep payments in the app', 'and it is audited');
select tests.authenticate_as('mo_prov');
select is((select array_agg(action order by id) from public.moderation_actions),
  array['hide', 'restore', 'hide', 'warn'], 'the user reads every action about them, warnings included');
select tests.authenticate_as('mo_cust');
select is((select array_agg(action order by id) from public.moderation_actions), array['hide'], 'and only those');
select tests.authenticate_as('mo_rep');
select is((select array_agg(status order by created_at) from public.reports), array['actioned', 'actioned'],
  'reporters read the status of their reports');

------------------------------------------------------------------------------------------------
-- Hiding an account: its provider profile leaves discovery.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_mod');
select is((public.hide_content('user', tests.id('prov2')::text, 'Fake business')).kind, 'user', 'hiding an account');
select ok((select hidden_at is not null from public.profiles where id = tests.id('prov2')), 'the profile is marked hidden');
select tests.authenticate_as('mo_cust');
select is((select count(*)::int from public.search_providers_nearby(25.08, 55.14) where provider_id = tests.id('prov2')), 0,
  'its provider profile leaves discovery');
select tests.authenticate_as('mo_mod');
select lives_ok(format($$ select public.restore_content('user', %L, 'Documents checked') $$, tests.id('prov2')), 'restoring the account');
select tests.authenticate_as('mo_cust');
select is((select count(*)::int from public.search_providers_nearby(25.08, 55.14) where provider_id = tests.id('prov2')), 1,
  'it is found again');

------------------------------------------------------------------------------------------------
-- Writes are RPCs only; account deletion keeps reports without the reporter.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mo_rep');
select throws_ok($$ update public.reports set status = 'dismissed' where true $$, '42501', null, 'clients cannot change reports');
select throws_ok(format($$ insert into public.reports (kind, target_id, reason) values ('job', %L, 'spam') $$, tests.id('job')),
  '42501', null, 'nor write them directly');
select tests.reset_authentication();
select private.delete_account_moderation(tests.id('rep'));
select is((select count(*)::int from public.reports where reporter_id is null and kind = 'service_listing'), 1,
  'a deleted reporter''s reports stay, without the reporter');

select * from finish();
rollback;
