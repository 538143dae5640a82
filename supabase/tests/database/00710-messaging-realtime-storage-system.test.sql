-- Module messaging: the conversation:<id> Realtime topic rule and the realtime.messages policies,
-- the broadcasts the triggers send, the chat-attachments bucket through the storage.objects
-- policies, system messages from bookings and offers, and account deletion.
begin;
select plan(44);

select tests.freeze_time('2030-03-01 08:00+00');

select tests.keep('cat', tests.create_category('mr-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('cust', tests.create_supabase_user('mr_cust'));
select tests.keep('stranger', tests.create_supabase_user('mr_stranger'));
select tests.keep('leaver', tests.create_supabase_user('mr_leaver'));
select tests.keep('prov', tests.create_provider('mr_prov', 25.08, 55.14, tests.id('cat')));
select tests.keep('bmgr', tests.create_supabase_user('mr_bmgr'));
select tests.keep('biz', tests.create_business('mr_prov', 'Shine Co', managers => array['mr_bmgr']));
reset role;
update public.provider_profiles set business_id = tests.id('biz') where id = tests.id('prov');

select tests.authenticate_as('mr_cust');
select tests.keep('conv', (public.start_conversation('service_listing', tests.listing_id('mr_prov service'))).id);
select tests.authenticate_as('mr_leaver');
select tests.keep('conv_leaver', (public.start_conversation('service_listing', tests.listing_id('mr_prov service'))).id);

------------------------------------------------------------------------------------------------
-- The topic rule
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mr_cust');
select ok(private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'read'), 'a participant receives on the conversation topic');
select ok(private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'write'), 'sends broadcasts there (typing)');
select ok(private.realtime_allows('conversation:' || tests.id('conv'), 'presence', 'read'), 'reads presence');
select ok(private.realtime_allows('conversation:' || tests.id('conv'), 'presence', 'write'), 'and tracks presence');
select ok(not private.realtime_allows('conversation:' || tests.id('conv') || ':x', 'broadcast', 'read'), 'a malformed topic is closed');
select ok(not private.realtime_allows('conversation:not-a-uuid', 'broadcast', 'read'), 'so is a topic without a conversation id');
select tests.authenticate_as('mr_bmgr');
select ok(private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'read'), 'a manager of the provider''s business receives');
select tests.authenticate_as('mr_stranger');
select ok(not private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'read'), 'a stranger receives nothing');
select ok(not private.realtime_allows('conversation:' || tests.id('conv'), 'presence', 'write'), 'and tracks no presence');

-- Realtime's own probes: rows for the topic read back, or inserted, as the user under realtime.topic().
reset role;
insert into realtime.messages (topic, extension, private, payload)
values ('conversation:' || tests.id('conv'), 'broadcast', true, '{}'), ('conversation:' || tests.id('conv'), 'presence', true, '{}'),
       ('conversation:' || tests.id('conv_leaver'), 'broadcast', true, '{}');
select tests.authenticate_as('mr_cust');
select set_config('realtime.topic', 'conversation:' || tests.id('conv'), true);
select is((select count(*)::int from realtime.messages where topic like 'conversation:%'), 2,
  'the SELECT policy shows a participant the probes of their conversation (broadcast and presence)');
select lives_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'broadcast', true) $$, 'conversation:' || tests.id('conv')),
  'the INSERT policy lets a participant broadcast');
select lives_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'presence', true) $$, 'conversation:' || tests.id('conv')),
  'and track presence');
select tests.authenticate_as('mr_stranger');
select set_config('realtime.topic', 'conversation:' || tests.id('conv'), true);
select is((select count(*)::int from realtime.messages where topic like 'conversation:%'), 0, 'a stranger''s probe reads nothing');
select throws_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'broadcast', true) $$, 'conversation:' || tests.id('conv')),
  '42501', null, 'and may not broadcast');
select throws_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'presence', true) $$, 'conversation:' || tests.id('conv')),
  '42501', null, 'nor track presence');

-- A block: the blocked side gets nothing of the blocker; the blocker keeps the topic.
select tests.authenticate_as('mr_cust');
select public.block_user(tests.id('prov'));
select tests.authenticate_as('mr_prov');
select ok(not private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'read'), 'the blocked provider no longer receives');
select ok(not private.realtime_allows('conversation:' || tests.id('conv'), 'presence', 'read'), 'nor sees presence');
select ok(not private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'write'), 'nor sends typing');
select tests.authenticate_as('mr_bmgr');
select ok(not private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'read'), 'nor does their business');
select tests.authenticate_as('mr_cust');
select ok(private.realtime_allows('conversation:' || tests.id('conv'), 'broadcast', 'read'), 'the blocker still does');
select public.unblock_user(tests.id('prov'));

------------------------------------------------------------------------------------------------
-- Broadcasts from the database
------------------------------------------------------------------------------------------------
reset role;
delete from realtime.messages where topic like 'conversation:%' or topic like 'user:%';
select tests.freeze_time('2030-03-01 08:01+00');
select tests.authenticate_as('mr_cust');
select set_config('tests.m', (public.send_message(tests.id('conv'), 'Hi there')).id::text, false);
reset role;
select is((select payload -> 'message' ->> 'body' from realtime.messages
            where topic = 'conversation:' || tests.id('conv') and event = 'message.created'), 'Hi there',
  'a new message is broadcast as message.created on conversation:<id>');
select ok((select private from realtime.messages where topic = 'conversation:' || tests.id('conv') and event = 'message.created'),
  'on the private topic');
select is((select (payload ->> 'unread_count')::int from realtime.messages
            where topic = 'user:' || tests.id('prov') and event = 'inbox.updated'), 1,
  'the recipient''s inbox change goes to user:<id> (inbox.updated with the unread count)');
select is((select count(*)::int from realtime.messages where topic = 'user:' || tests.id('cust') and event = 'inbox.updated'), 1,
  'the sender''s inbox moves too');
select tests.authenticate_as('mr_cust');
select public.edit_message(current_setting('tests.m')::bigint, 'Hi there!');
select tests.authenticate_as('mr_prov');
select public.mark_read(tests.id('conv'));
select tests.authenticate_as('mr_cust');
select public.delete_message(current_setting('tests.m')::bigint);
reset role;
select is((select payload -> 'message' ->> 'body' from realtime.messages
            where topic = 'conversation:' || tests.id('conv') and event = 'message.updated'), 'Hi there!', 'an edit is broadcast as message.updated');
select is((select (payload ->> 'last_read_message_id')::bigint from realtime.messages
            where topic = 'conversation:' || tests.id('conv') and event = 'message.read'), current_setting('tests.m')::bigint,
  'a read receipt is broadcast as message.read');
select is((select payload -> 'message' ->> 'body' from realtime.messages
            where topic = 'conversation:' || tests.id('conv') and event = 'message.deleted'), null,
  'a deletion is broadcast as message.deleted, without the content');

------------------------------------------------------------------------------------------------
-- chat-attachments
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mr_cust');
select lives_ok(format($$ select tests.upload('chat-attachments', %L) $$, tests.id('conv') || '/' || tests.id('cust') || '/a.jpg'),
  'a participant uploads into their folder of the conversation');
select throws_ok(format($$ select tests.upload('chat-attachments', %L) $$, tests.id('conv') || '/' || tests.id('prov') || '/b.jpg'),
  '42501', null, 'not into the other participant''s');
select throws_ok(format($$ select tests.upload('chat-attachments', %L) $$, tests.id('conv_leaver') || '/' || tests.id('cust') || '/c.jpg'),
  '42501', null, 'nor into a conversation they are not part of');
select tests.authenticate_as('mr_prov');
select is((select count(*)::int from storage.objects where bucket_id = 'chat-attachments' and name like tests.id('conv') || '/%'), 1,
  'the other participant reads it');
select tests.authenticate_as('mr_stranger');
select is((select count(*)::int from storage.objects where bucket_id = 'chat-attachments'), 0, 'strangers read no attachment');
select throws_ok(format($$ select tests.upload('chat-attachments', %L) $$, tests.id('conv') || '/' || tests.id('stranger') || '/d.jpg'),
  '42501', null, 'nor upload any');
select tests.authenticate_as('mr_cust');
select public.block_user(tests.id('prov'));
select tests.authenticate_as('mr_prov');
select throws_ok(format($$ select tests.upload('chat-attachments', %L) $$, tests.id('conv') || '/' || tests.id('prov') || '/e.jpg'),
  '42501', null, 'a blocked participant uploads nothing');
select tests.authenticate_as('mr_cust');
select public.unblock_user(tests.id('prov'));
set local storage.allow_delete_query = 'true';
select is(tests.affected_rows(format($$ delete from storage.objects where bucket_id = 'chat-attachments' and name = %L $$,
  tests.id('conv') || '/' || tests.id('cust') || '/a.jpg')), 1, 'the uploader deletes their own attachment');

------------------------------------------------------------------------------------------------
-- System messages
------------------------------------------------------------------------------------------------
select tests.keep('booking', tests.create_booking('mr_cust', 'mr_prov', 'en_route'));
reset role;
select tests.keep('conv_booking', (select id from public.conversations where context_kind = 'booking' and context_id = tests.id('booking')));
select is((select array_agg(payload ->> 'event' order by id) from public.messages where conversation_id = tests.id('conv_booking')),
  array['booking.accept', 'booking.start_travel'], 'every booking transition writes a system message into the booking''s conversation');
select is((select business_id from public.conversations where id = tests.id('conv_booking')), tests.id('biz'),
  'answered by the booking''s business');
select tests.keep('job', tests.create_job('mr_cust', tests.id('cat')));
select tests.keep('offer', tests.create_offer('mr_prov', tests.id('job'), '2030-03-05 10:00+00', 18000));
select tests.keep('conv_job', (select id from public.conversations where context_kind = 'job' and context_id = tests.id('job')));
select is((select payload - 'offer_id' - 'job_id' from public.messages where conversation_id = tests.id('conv_job')),
  '{"event": "offer.make", "status": "pending", "actor_role": "provider", "amount": 18000, "currency": "AED"}'::jsonb,
  'an offer opens the job''s conversation with a system message');
select tests.authenticate_as('mr_cust');
select public.decline_offer(tests.id('offer'));
reset role;
select is((select payload ->> 'event' from public.messages where conversation_id = tests.id('conv_job') order by id desc limit 1),
  'offer.decline', 'offer events follow in the same conversation');

------------------------------------------------------------------------------------------------
-- Account deletion
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mr_leaver');
select set_config('tests.lm', (public.send_message(tests.id('conv_leaver'), 'My address is 12 Palm St')).id::text, false);
reset role;
select lives_ok($$ select tests.delete_own_account('mr_leaver') $$, 'a user with conversations deletes their account');
select is((select body from public.messages where id = current_setting('tests.lm')::bigint), null, 'their words are erased');
select ok((select deleted_at is not null from public.messages where id = current_setting('tests.lm')::bigint), 'the message stays as a tombstone');
select is((select count(*)::int from public.conversation_participants where user_id = tests.id('leaver')), 0, 'they leave their conversations');
select tests.authenticate_as('mr_prov');
select throws_ok(format($$ select public.send_message(%L, 'Hello?') $$, tests.id('conv_leaver')), 'HL523', null,
  'the other side keeps a read-only conversation');

select * from finish();
rollback;
