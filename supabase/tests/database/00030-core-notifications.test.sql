-- Module core: notifications (registry, texts, notify, RLS, list and mark read, realtime event),
-- preferences and quiet hours, device tokens (RLS, RPCs, moving), and the push outbox's claim and
-- complete RPCs (skip locked, quiet hours, backoff, dead letter, unregistered tokens).
begin;
select plan(79);

select tests.create_supabase_user('nt_ann');
select tests.create_supabase_user('nt_bob');
select tests.freeze_time('2026-12-07 10:00:00+00');
-- Deliveries committed outside this test (a dev stack) stay out of its claims.
update private.push_deliveries set status = 'skipped' where status in ('pending', 'sending');

-- Registry and texts ---------------------------------------------------------------------------
select is((select count(*)::int from private.notification_types t
            where not exists (select 1 from private.notification_texts x where x.key = t.title_key and x.locale = 'en')
               or not exists (select 1 from private.notification_texts x where x.key = t.title_key and x.locale = 'ar')
               or not exists (select 1 from private.notification_texts x where x.key = t.body_key and x.locale = 'en')
               or not exists (select 1 from private.notification_texts x where x.key = t.body_key and x.locale = 'ar')),
  0, 'every registered kind has an English and an Arabic title and body');
select ok((select count(*) from private.notification_types where module = 'bookings') >= 14
      and (select count(*) from private.notification_types where module = 'jobs') = 19,
  'bookings and jobs register their kinds from their own files');
select is((select count(*)::int from pg_catalog.unnest(array['requested','accepted','en_route','arrived','in_progress','completed',
            'declined','expired','cancelled','disputed','resolved']) s
            where not exists (select 1 from private.notification_types t where t.kind = 'booking.' || s)),
  0, 'every booking state a transition notifies is registered');
select throws_ok($$ select private.notify(tests.get_supabase_uid('nt_ann'), 'no.such_kind', '{}') $$,
  'HL570', null, 'notify refuses an unregistered kind');
select throws_ok($$ select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.accepted', '[1]') $$,
  'HL004', null, 'notify refuses a payload that is not an object');
select lives_ok($$ select private.notify(null, 'booking.accepted', '{}') $$, 'a null user is a no-op');

-- notify: row, params, deep link, realtime event --------------------------------------------------
select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.accepted',
  jsonb_build_object('booking_id', '11111111-1111-1111-1111-111111111111', 'reference', 'HL-AB12', 'extra', 1));
select is((select params from public.notifications where user_id = tests.get_supabase_uid('nt_ann')),
  '{"booking_id": "11111111-1111-1111-1111-111111111111", "reference": "HL-AB12"}'::jsonb, 'params are the registered payload keys');
select is((select deep_link from public.notifications where user_id = tests.get_supabase_uid('nt_ann')),
  'hyperlocal://bookings/11111111-1111-1111-1111-111111111111', 'the deep link is filled from the params');
select is((select (payload ->> 'title_key') || '|' || event from realtime.messages
            where topic = 'user:' || tests.get_supabase_uid('nt_ann') and event = 'notification.created'),
  'booking.accepted.title|notification.created', 'the new notification is broadcast on user:<id>');

select private.notify(tests.get_supabase_uid('nt_bob'), 'job.matched', '{"job_id": "22222222-2222-2222-2222-222222222222", "title": "Fix a tap"}');

-- RLS ----------------------------------------------------------------------------------------------
select tests.authenticate_as('nt_ann');
select is((select count(*)::int from public.notifications), 1, 'a user reads only their own notifications');
select is(tests.affected_rows($$ update public.notifications set read_at = now() where kind = 'job.matched' $$), 0,
  'and cannot mark another user''s');
select throws_ok($$ update public.notifications set kind = 'job.matched' $$, '42501', null, 'only read_at is writable');
select throws_ok($$ insert into public.notifications (user_id, kind, type_group, title_key, body_key, deep_link) values (auth.uid(), 'booking.accepted', 'bookings', 'a', 'b', 'c') $$,
  '42501', null, 'users cannot write notifications');
select tests.reset_authentication();
select tests.authenticate_as('nt_bob');
select is((select count(*)::int from public.notifications), 1, 'the other user sees theirs');
select tests.reset_authentication();

-- list (keyset pages, locale) and mark read ------------------------------------------------------
select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.reminder',
  '{"booking_id": "11111111-1111-1111-1111-111111111111", "reference": "HL-AB12", "minutes_before": 60}');
select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.en_route',
  '{"booking_id": "11111111-1111-1111-1111-111111111111", "reference": "HL-AB12"}');
select set_config('nt.bob_notification', (select id::text from public.notifications where kind = 'job.matched'), true);
select tests.authenticate_as('nt_ann');
select is((select count(*)::int from public.list_notifications(2)), 2, 'a page holds p_limit rows');
select is((select count(*)::int from public.list_notifications(2, (select cursor from public.list_notifications(2) offset 1 limit 1))), 1,
  'the next page continues after the cursor');
select is((select count(distinct id)::int from (
            select id from public.list_notifications(2)
            union all select id from public.list_notifications(2, (select cursor from public.list_notifications(2) offset 1 limit 1))) p),
  3, 'pages do not overlap');
select is((select body from public.list_notifications(10, null, false, 'ar') where kind = 'booking.reminder'),
  'يبدأ الحجز HL-AB12 بعد 60 دقيقة.', 'texts are rendered in the asked locale with their params');
select is((select title from public.list_notifications(10, null, false, 'fr') where kind = 'booking.reminder'),
  'Upcoming booking', 'an unknown language falls back to English');
select throws_ok($$ select * from public.list_notifications(0) $$, 'HL571', null, 'page size 0 is refused');
select throws_ok($$ select * from public.list_notifications(10, 'not-a-cursor') $$, 'HL007', null, 'a bad cursor is refused');
select throws_ok($$ select * from public.list_notifications(10, null, false, 'english') $$, 'HL571', null, 'a bad locale is refused');
select throws_ok(format($$ select public.mark_notifications_read(array[%L]::uuid[]) $$, current_setting('nt.bob_notification')),
  'HL572', null, 'marking another user''s notification is refused');
select ok((select bool_and(read_at is null) from public.notifications), 'and marked nothing');
select is(public.mark_notifications_read(array(select id from public.notifications where kind = 'booking.accepted')), 1, 'mark read');
select is(public.unread_notification_count(), 2, 'unread count');
select is((select count(*)::int from public.list_notifications(10, null, true)), 2, 'unread only');
select is(public.mark_all_notifications_read(), 2, 'mark all read');
select is(public.unread_notification_count(), 0, 'nothing unread');
select tests.reset_authentication();
select is((select count(*)::int from realtime.messages where topic = 'user:' || tests.get_supabase_uid('nt_ann') and event = 'notifications.read'),
  2, 'the user''s other devices hear about reads');
select throws_ok($$ select * from public.list_notifications() $$, 'HL001', null, 'list needs a user');

-- Preferences ------------------------------------------------------------------------------------
select tests.authenticate_as('nt_bob');
select throws_ok($$ select public.set_notification_preference('nope', 'push', false) $$, 'HL575', null, 'unknown group');
select throws_ok($$ select public.set_notification_preference('jobs', 'sms', false) $$, 'HL575', null, 'unknown channel');
select public.set_notification_preference('jobs', 'in_app', false);
select is((select (public.get_notification_preferences() -> 'groups' -> 1 -> 'channels')),
  '{"in_app": false, "push": true, "email": false}'::jsonb, 'preferences show the choice and the defaults');
select throws_ok($$ insert into public.notification_preferences (user_id, type_group, channel, enabled) values (auth.uid(), 'jobs', 'push', false) $$,
  '42501', null, 'preferences are written through the RPC only');
select tests.reset_authentication();
select private.notify(tests.get_supabase_uid('nt_bob'), 'job.matched', '{"job_id": "22222222-2222-2222-2222-222222222222", "title": "Paint"}');
select is((select count(*)::int from public.notifications where user_id = tests.get_supabase_uid('nt_bob') and not in_app), 1,
  'in-app off: the row exists for push only');
select tests.authenticate_as('nt_bob');
select is((select count(*)::int from public.notifications), 1, 'and the user does not see it');
select public.set_notification_preference('jobs', 'push', false);
select tests.reset_authentication();
select private.notify(tests.get_supabase_uid('nt_bob'), 'job.matched', '{"job_id": "22222222-2222-2222-2222-222222222222", "title": "Tile"}');
select is((select count(*)::int from public.notifications where user_id = tests.get_supabase_uid('nt_bob')), 2,
  'every channel off: nothing is written');

-- Quiet hours ------------------------------------------------------------------------------------
select tests.authenticate_as('nt_ann');
select throws_ok($$ select public.set_quiet_hours('22:00', null, 'UTC') $$, 'HL576', null, 'start without end');
select throws_ok($$ select public.set_quiet_hours('22:00', '22:00', 'UTC') $$, 'HL576', null, 'empty period');
select throws_ok($$ select public.set_quiet_hours('22:00', '07:00', 'Mars/Olympus') $$, 'HL576', null, 'unknown time zone');
select public.set_quiet_hours('22:00', '07:00', 'Asia/Dubai');
select tests.reset_authentication();
select is(private.quiet_hours_end(tests.get_supabase_uid('nt_ann'), '2026-12-07 19:30+00'), '2026-12-08 03:00+00'::timestamptz,
  '23:30 in Dubai is quiet until 07:00 local the next morning');
select is(private.quiet_hours_end(tests.get_supabase_uid('nt_ann'), '2026-12-07 01:00+00'), '2026-12-07 03:00+00'::timestamptz,
  '05:00 in Dubai is quiet until 07:00');
select is(private.quiet_hours_end(tests.get_supabase_uid('nt_ann'), '2026-12-07 10:00+00'), null, '14:00 in Dubai is not');

-- Device tokens ----------------------------------------------------------------------------------
select tests.authenticate_as('nt_ann');
select throws_ok($$ select public.register_device_token('short', 'fcm') $$, 'HL573', null, 'too short');
select throws_ok($$ select public.register_device_token('a-token-with-a space-in', 'fcm') $$, 'HL573', null, 'spaces');
select throws_ok($$ select public.register_device_token('abcdefabcdefabcdefab', 'pager') $$, 'HL573', null, 'unknown platform');
select throws_ok($$ select public.register_device_token('not-hex-not-hex-not-hex', 'apns') $$, 'HL573', null, 'APNs tokens are hex');
select public.register_device_token('ann-phone-0000000001', 'fcm', 'ar');
select public.register_device_token('shared-tablet-000001', 'web');
select throws_ok($$ insert into public.device_tokens (user_id, token, platform) values (auth.uid(), 'direct-insert-000001', 'fcm') $$,
  '42501', null, 'tokens are written through the RPCs only');
select tests.reset_authentication();
select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.cancelled', '{"booking_id": "11111111-1111-1111-1111-111111111111", "reference": "HL-AB12"}');
select is((select count(*)::int from private.push_deliveries where user_id = tests.get_supabase_uid('nt_ann') and status = 'pending'), 2,
  'one push delivery per device token');
select tests.authenticate_as('nt_bob');
select is((select count(*)::int from public.device_tokens), 0, 'a user does not see another user''s tokens');
select throws_ok($$ select public.unregister_device_token('ann-phone-0000000001') $$, 'HL574', null, 'nor removes them');
select public.register_device_token('shared-tablet-000001', 'web');
select is((select count(*)::int from public.device_tokens), 1, 'a token registered by another user moves to them');
select tests.reset_authentication();
select is((select status from private.push_deliveries d join public.device_tokens t on t.id = d.device_token_id
            where t.token = 'shared-tablet-000001'), 'skipped', 'and the previous owner''s pending push to it is cancelled');

-- Claim and complete -----------------------------------------------------------------------------
-- A statement run as the service role (the push function), its rows as JSON.
create function pg_temp.as_service(statement text) returns setof jsonb language plpgsql as $f$
begin
  perform tests.authenticate_as_service_role();
  return query execute 'select to_jsonb(x) from (' || statement || ') x';
  perform tests.reset_authentication();
end;
$f$;
create function pg_temp.report(outcome text, error text default 'boom') returns jsonb language sql as $f$
  select pg_temp.as_service(format(
    $$ select public.complete_push_deliveries(jsonb_build_array(jsonb_build_object('delivery_id', %s, 'attempt', %s,
         'provider', 'recording', 'outcome', %L, 'error', %L))) as r $$,
    d.id, d.attempts, outcome, error)) -> 'r'
    from private.push_deliveries d where d.status = 'sending';
$f$;

select tests.authenticate_as('nt_ann');
select throws_ok($$ select * from public.claim_push_deliveries(10) $$, '42501', null, 'users cannot claim deliveries');
select tests.authenticate_as_service_role();
select throws_ok($$ select * from public.claim_push_deliveries(0) $$, 'HL577', null, 'batch size 0 is refused');
select throws_ok($$ select public.complete_push_deliveries('[{"delivery_id": 1}]') $$, 'HL578', null, 'an incomplete result is refused');
select tests.reset_authentication();
select throws_ok($$ select * from public.claim_push_deliveries(10) $$, 'HL002', null, 'only a service-role request claims');
-- 10:00 UTC is 14:00 in Dubai: not quiet.
select is((select string_agg((r ->> 'title') || '|' || (r ->> 'locale'), ',')
             from pg_temp.as_service('select * from public.claim_push_deliveries(10)') r),
  'تم إلغاء الحجز|ar', 'the claim returns the delivery with its text in the device''s locale');
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 0,
  'a claimed delivery is not claimed twice');
select is(pg_temp.report('retry') ->> 'retry', '1', 'a transient failure is retried');
select is((select next_attempt_at from private.push_deliveries where last_error = 'boom'), '2026-12-07 10:00:30+00'::timestamptz,
  'after push.backoff_base_seconds');
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 0, 'not before');
select tests.freeze_time('2026-12-07 10:00:31+00');
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 1, 'then claimed again');
select is(pg_temp.report('retry') ->> 'retry', '1', 'second failure');
select is((select next_attempt_at from private.push_deliveries where last_error = 'boom'), '2026-12-07 10:01:31+00'::timestamptz,
  'the delay doubles');
update private.settings set value = '3' where key = 'push.max_attempts';
select tests.freeze_time('2026-12-07 10:02:00+00');
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 1, 'third attempt');
select is(pg_temp.report('retry') ->> 'dead', '1', 'the last attempt dead-letters');
select is((select count(*)::int from private.push_attempts a join private.push_deliveries d on d.id = a.delivery_id
            where d.status = 'dead'), 3, 'every attempt is logged');
select is(pg_temp.as_service($$ select public.complete_push_deliveries('[{"delivery_id": 999999, "attempt": 1, "provider": "fcm", "outcome": "sent"}]') as r $$)
            -> 'r' ->> 'stale', '1', 'a report for a delivery that is not claimed is ignored');

-- Unregistered tokens.
select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.completed', '{"booking_id": "11111111-1111-1111-1111-111111111111", "reference": "HL-AB12"}');
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 1, 'claimed');
select is(pg_temp.report('unregistered', 'UNREGISTERED') ->> 'unregistered', '1', 'unregistered reported');
select is((select count(*)::int from public.device_tokens where token = 'ann-phone-0000000001'), 0, 'the token is deleted');

-- Quiet hours defer, push turned off skips.
select tests.authenticate_as('nt_ann');
select public.register_device_token('ann-phone-0000000002', 'fcm');
select tests.reset_authentication();
select tests.freeze_time('2026-12-07 20:00:00+00');   -- midnight in Dubai
select private.notify(tests.get_supabase_uid('nt_ann'), 'booking.resolved', '{"booking_id": "11111111-1111-1111-1111-111111111111", "reference": "HL-AB12"}');
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 0, 'nothing is sent inside quiet hours');
select is((select next_attempt_at from private.push_deliveries d join public.notifications n on n.id = d.notification_id
            where n.kind = 'booking.resolved'), '2026-12-08 03:00:00+00'::timestamptz, 'the delivery waits for their end, not dropped');
select tests.freeze_time('2026-12-08 03:00:00+00');
select tests.authenticate_as('nt_ann');
select public.set_notification_preference('bookings', 'push', false);
select tests.reset_authentication();
select is((select count(*)::int from pg_temp.as_service('select * from public.claim_push_deliveries(10)')), 0, 'push turned off since');
select is((select status from private.push_deliveries d join public.notifications n on n.id = d.notification_id
            where n.kind = 'booking.resolved'), 'skipped', 'the delivery is skipped');

-- Account deletion: identity's registry runs core's step.
select is((select position from private.account_deletion_handlers where handler = 'private.delete_account_notifications(uuid)'), 1100,
  'the notification data step is registered for account deletion, after the others');
select private.delete_account_notifications(tests.get_supabase_uid('nt_ann'));
select is((select count(*)::int from public.device_tokens where user_id = tests.get_supabase_uid('nt_ann'))
        + (select count(*)::int from public.notifications where user_id = tests.get_supabase_uid('nt_ann'))
        + (select count(*)::int from private.push_deliveries where user_id = tests.get_supabase_uid('nt_ann')), 0,
  'a deleted account keeps no tokens, notifications or pushes');

select * from finish();
rollback;
