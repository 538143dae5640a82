-- Module messaging: starting conversations per context, sending (text, image, offer), idempotency,
-- limits, edit/delete windows, read receipts and unread counts, inbox and history pages, archive,
-- mute, blocks (reports: 01110-trust-moderation), business members answering for a provider, and row level security.
begin;
select plan(93);

select tests.freeze_time('2030-03-01 08:00+00');

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
select tests.keep('cat', tests.create_category('mt-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('cust', tests.create_supabase_user('mt_cust'));
select tests.keep('cust2', tests.create_supabase_user('mt_cust2'));
select tests.keep('stranger', tests.create_supabase_user('mt_stranger'));
select tests.keep('mod', tests.create_supabase_user('mt_mod'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator');
select tests.keep('prov', tests.create_provider('mt_prov', 25.08, 55.14, tests.id('cat')));
select tests.keep('far', tests.create_provider('mt_far', 27.5, 55.14, tests.id('cat')));
-- A provider answering through a business with a manager and a staff member.
select tests.keep('bprov', tests.create_supabase_user('mt_bprov'));
select tests.keep('bmgr', tests.create_supabase_user('mt_bmgr'));
select tests.keep('bstaff', tests.create_supabase_user('mt_bstaff'));
select tests.keep('biz', tests.create_business('mt_bprov', 'Sparkle Co', managers => array['mt_bmgr'], staff => array['mt_bstaff']));
select tests.create_provider('mt_bprov', 25.081, 55.14, tests.id('cat'), profile => jsonb_build_object('business_id', tests.id('biz')));

------------------------------------------------------------------------------------------------
-- start_conversation
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_cust');
select tests.keep('c_listing', (public.start_conversation('service_listing', tests.listing_id('mt_prov service'))).id);
select is((select count(*)::int from public.conversation_participants where conversation_id = tests.id('c_listing')), 2,
  'a listing conversation has the customer and the provider as participants');
select is((public.start_conversation('service_listing', tests.listing_id('mt_prov service'))).id, tests.id('c_listing'),
  'one conversation per pair and context: starting again returns it');
select throws_ok($$ select public.start_conversation('goods_listing', gen_random_uuid()) $$, 'HL503', null,
  'a registered kind (goods_listing) asks its handler: an unknown product is HL503');
select throws_ok($$ select public.start_conversation('chatroom', gen_random_uuid()) $$, 'HL502', null, 'unknown context kind');
select throws_ok(format($$ select public.start_conversation('direct', %L) $$, tests.id('prov')), 'HL502', null,
  'a direct conversation takes no context id');
select throws_ok($$ select public.start_conversation('booking', gen_random_uuid()) $$, 'HL503', null, 'unknown booking');
select throws_ok(format($$ select public.start_conversation('direct', null, %L) $$, tests.id('cust2')), 'HL506', null,
  'direct messages need the other side''s allowance');
select throws_ok(format($$ select public.start_conversation('direct', null, %L) $$, tests.id('cust')), 'HL516', null,
  'nobody talks to themselves');
select tests.authenticate_as('mt_prov');
select throws_ok(format($$ select public.start_conversation('service_listing', %L) $$, tests.listing_id('mt_prov service')), 'HL516', null,
  'a provider cannot start a conversation about their own listing');

-- Bookings: the parties only; a booking allows direct messages afterwards.
select tests.keep('booking', tests.create_booking('mt_cust', 'mt_prov', 'accepted'));
select tests.authenticate_as('mt_stranger');
select throws_ok(format($$ select public.start_conversation('booking', %L) $$, tests.id('booking')), 'HL504', null,
  'a stranger cannot open a booking''s conversation');
select tests.authenticate_as('mt_prov');
select tests.keep('c_booking', (public.start_conversation('booking', tests.id('booking'))).id);
select is((select context_kind from public.conversations where id = tests.id('c_booking')), 'booking',
  'the provider opens the booking''s conversation');
select tests.keep('c_direct', (public.start_conversation('direct', null, tests.id('cust'))).id);
select ok(tests.id('c_direct') is not null, 'after a booking between them, a direct conversation opens');

-- Jobs: the customer and a provider who was shown the job or offered.
select tests.keep('job', tests.create_job('mt_cust', tests.id('cat')));
select tests.authenticate_as('mt_cust');
select throws_ok(format($$ select public.start_conversation('job', %L, %L) $$, tests.id('job'), tests.id('far')), 'HL504', null,
  'a provider the job was never shown to is not a party');
select tests.authenticate_as('mt_far');
select throws_ok(format($$ select public.start_conversation('job', %L) $$, tests.id('job')), 'HL504', null,
  'nor can that provider start it');
select tests.authenticate_as('mt_prov');
select tests.keep('c_job', (public.start_conversation('job', tests.id('job'))).id);
select ok(tests.id('c_job') is not null, 'a matched provider starts the job''s conversation with the customer');

------------------------------------------------------------------------------------------------
-- send_message
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_cust');
select set_config('tests.m1', (public.send_message(tests.id('c_listing'), 'Hello, are you free on Monday?', p_client_key => 'key-00000001')).id::text, false);
select is((select unread_count from public.conversation_participants
            where conversation_id = tests.id('c_listing') and user_id = tests.id('prov')), 1, 'the recipient has one unread message');
select is((select unread_count from public.conversation_participants
            where conversation_id = tests.id('c_listing') and user_id = tests.id('cust')), 0, 'the sender has none');
select is((select last_message_id from public.conversations where id = tests.id('c_listing')), current_setting('tests.m1')::bigint,
  'the conversation keeps its last message');
reset role;
select is(tests.notification_count('mt_prov', 'message.received', 'conversation_id', tests.id('c_listing')), 1,
  'the recipient is notified (message.received)');
select is((select private.notification_text(n.title_key, 'ar', n.params) || ' | ' || private.notification_text(n.body_key, 'en', n.params)
             from public.notifications n
            where n.user_id = tests.id('prov') and n.kind = 'message.received'
              and n.payload ->> 'conversation_id' = tests.id('c_listing')::text),
  (select coalesce(nullif(p.full_name, ''), p.username) from public.profiles p where p.id = tests.id('cust'))
    || ' | Hello, are you free on Monday?',
  'the notification renders as the sender''s name over the message text');
select tests.authenticate_as('mt_cust');
select is((public.send_message(tests.id('c_listing'), 'Hello, are you free on Monday?', p_client_key => 'key-00000001')).id,
  current_setting('tests.m1')::bigint, 'a retried send with the same client key returns the same message');
select is((select count(*)::int from public.messages where conversation_id = tests.id('c_listing')), 1, 'and writes nothing');
select throws_ok(format($$ select public.send_message(%L, 'Something else', p_client_key => 'key-00000001') $$, tests.id('c_listing')),
  'HL517', null, 'the same key for another message is refused');
select throws_ok(format($$ select public.send_message(%L, repeat('x', 4001)) $$, tests.id('c_listing')), 'HL510', null,
  'oversize messages are refused');
select throws_ok(format($$ select public.send_message(%L, '   ') $$, tests.id('c_listing')), 'HL509', null, 'empty text is refused');
select throws_ok(format($$ select public.send_message(%L, 'hi', 'system') $$, tests.id('c_listing')), 'HL509', null,
  'clients cannot write system messages');
select throws_ok(format($$ select public.send_message(%L, 'hi', p_client_key => 'bad key!') $$, tests.id('c_listing')), 'HL509', null,
  'malformed client keys are refused');
select throws_ok(format($$ select public.send_message(%L, null, 'offer', p_payload => '{"amount": -5, "currency": "AED"}') $$, tests.id('c_listing')),
  'HL522', null, 'an offer with a negative amount is refused');
select throws_ok(format($$ select public.send_message(%L, null, 'offer', p_payload => '{"amount": 100, "currency": "AED", "extra": 1}') $$, tests.id('c_listing')),
  'HL522', null, 'an offer with unknown fields is refused');
select is((public.send_message(tests.id('c_listing'), 'My price', 'offer',
           p_payload => jsonb_build_object('amount', 25000, 'currency', 'AED', 'ref', jsonb_build_object('type', 'job_offer', 'id', gen_random_uuid())))).kind,
  'offer', 'a structured offer is sent');
select throws_ok(format($$ select public.send_message(%L, null, 'image', %L) $$, tests.id('c_listing'), tests.id('c_listing') || '/' || tests.id('cust') || '/nope.jpg'),
  'HL511', null, 'an image must exist in chat-attachments');
select throws_ok(format($$ select public.send_message(%L, null, 'image', %L) $$, tests.id('c_listing'), tests.id('c_listing') || '/' || tests.id('prov') || '/x.jpg'),
  'HL511', null, 'an image must be the sender''s own upload');
select tests.upload('chat-attachments', tests.id('c_listing') || '/' || tests.id('cust') || '/sink.jpg');
select is((public.send_message(tests.id('c_listing'), 'The sink', 'image', tests.id('c_listing') || '/' || tests.id('cust') || '/sink.jpg')).kind,
  'image', 'an uploaded image is sent with a caption');
select throws_ok(format($$ select public.send_message(%L, 'hi', p_attachment_path => 'x/y.jpg') $$, tests.id('c_listing')), 'HL511', null,
  'text messages carry no attachment');

-- Strangers, anon, spoofing.
select tests.authenticate_as('mt_stranger');
select throws_ok(format($$ select public.send_message(%L, 'let me in') $$, tests.id('c_listing')), 'HL500', null,
  'a non-participant cannot send');
select throws_ok(format($$ insert into public.messages (conversation_id, author_id, sender_id, kind, body) values (%L, %L, %L, 'text', 'spoof') $$,
  tests.id('c_listing'), tests.id('cust'), tests.id('cust')), '42501', null, 'nobody inserts messages directly (no spoofed senders)');
select tests.clear_authentication();
select throws_ok(format($$ select public.send_message(%L, 'hi') $$, tests.id('c_listing')), '42501', null, 'anon cannot call send_message');

-- Flooding: the database limiter, nothing written when refused.
reset role;
update private.settings set value = '{"limit": 5, "window": "1 minute"}' where key = 'rate_limit.send_message';
select tests.authenticate_as('mt_prov');
select public.send_message(tests.id('c_direct'), 'flood ' || i) from generate_series(1, 5) i;
select throws_ok(format($$ select public.send_message(%L, 'one too many') $$, tests.id('c_direct')), 'HL006', null,
  'a sender over the limit is refused (HL006)');
select is((select count(*)::int from public.messages where conversation_id = tests.id('c_direct')), 5, 'and nothing is written');
reset role;
update private.settings set value = '{"limit": 30, "window": "1 minute"}' where key = 'rate_limit.send_message';

------------------------------------------------------------------------------------------------
-- Edit and delete windows
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_prov');
select throws_ok(format($$ select public.edit_message(%s, 'changed') $$, current_setting('tests.m1')), 'HL513', null,
  'only the sender edits a message');
select tests.authenticate_as('mt_cust');
select is((public.edit_message(current_setting('tests.m1')::bigint, 'Hello, are you free on Tuesday?')).body,
  'Hello, are you free on Tuesday?', 'the sender edits within the window');
select tests.authenticate_as('mt_stranger');
select throws_ok(format($$ select public.edit_message(%s, 'x') $$, current_setting('tests.m1')), 'HL512', null,
  'strangers do not even see the message');
select tests.freeze_time('2030-03-01 08:20+00');
select tests.authenticate_as('mt_cust');
select throws_ok(format($$ select public.edit_message(%s, 'late') $$, current_setting('tests.m1')), 'HL514', null,
  'no edits after messaging.edit_window_minutes');
select ok((public.delete_message(current_setting('tests.m1')::bigint)).deleted_at is not null, 'the sender deletes within the delete window');
select throws_ok(format($$ select public.delete_message(%s) $$, current_setting('tests.m1')), 'HL515', null, 'a deleted message stays deleted');
select is((select count(*)::int from public.messages where id = current_setting('tests.m1')::bigint), 0,
  'participants no longer read a deleted row');
select is((public.history(tests.id('c_listing')) -> 'items' -> -1 ->> 'body'), null, 'history shows it as a tombstone');
select is((public.history(tests.id('c_listing')) -> 'items' -> -1 ->> 'deleted_at') is not null, true, 'with its deletion time');
reset role;
select is((select body from public.messages where id = current_setting('tests.m1')::bigint), 'Hello, are you free on Tuesday?',
  'the record keeps the content for moderation');
select is((select unread_count from public.conversation_participants
            where conversation_id = tests.id('c_listing') and user_id = tests.id('prov')), 2,
  'a deleted unread message leaves the unread count (offer and image remain)');

------------------------------------------------------------------------------------------------
-- Read receipts
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-03-01 08:21+00');
select tests.authenticate_as('mt_prov');
select public.send_message(tests.id('c_listing'), 'Tuesday works.');
select is((public.mark_read(tests.id('c_listing'))).unread_count, 0, 'mark_read clears the unread count');
select tests.authenticate_as('mt_cust');
select is((select last_read_message_id from public.conversation_participants
            where conversation_id = tests.id('c_listing') and user_id = tests.id('prov')),
          (select last_message_id from public.conversations where id = tests.id('c_listing')),
  'the other side sees the read receipt');
select throws_ok(format($$ select public.mark_read(%L, %s) $$, tests.id('c_listing'), (select max(id) from public.messages where conversation_id = tests.id('c_direct'))),
  'HL512', null, 'a message of another conversation cannot be marked read here');
select tests.authenticate_as('mt_stranger');
select throws_ok(format($$ select public.mark_read(%L) $$, tests.id('c_listing')), 'HL500', null, 'strangers cannot mark read');

------------------------------------------------------------------------------------------------
-- Inbox and history
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_cust');
select is(jsonb_array_length(public.inbox() -> 'items'), 4, 'the customer''s inbox lists their four conversations');
select is((public.inbox() -> 'items' -> 0 ->> 'conversation_id')::uuid, tests.id('c_listing'), 'most recent activity first');
select is((public.inbox() -> 'items' -> 0 -> 'other' ->> 'id')::uuid, tests.id('prov'), 'with the other party''s public profile');
select is((select (i ->> 'unread_count')::int from jsonb_array_elements(public.inbox() -> 'items') i
            where i ->> 'conversation_id' = tests.id('c_direct')::text), 5, 'and the unread count (five flood messages in the direct conversation)');
select is(jsonb_array_length(public.inbox(p_limit => 2, p_cursor => public.inbox(p_limit => 2) ->> 'next_cursor') -> 'items'), 2,
  'keyset pages follow next_cursor');
select is(public.inbox(p_limit => 2, p_cursor => public.inbox(p_limit => 2) ->> 'next_cursor') ->> 'next_cursor', null,
  'the last page has no next cursor');
select throws_ok($$ select public.inbox(p_cursor => 'garbage') $$, 'HL007', null, 'a forged cursor is refused');
select throws_ok($$ select public.inbox(p_limit => 0) $$, 'HL256', null, 'page sizes are 1 to messaging.max_page_size');
select is(jsonb_array_length(public.history(tests.id('c_direct'), p_limit => 2) -> 'items'), 2, 'history pages');
select ok((public.history(tests.id('c_direct'), p_limit => 2) ->> 'has_more')::boolean, 'and says when there is more');
select is((public.history(tests.id('c_direct'), p_before => ((public.history(tests.id('c_direct'), p_limit => 2) -> 'items' -> 1 ->> 'id')::bigint), p_limit => 50) -> 'items' -> 0 ->> 'body'),
  'flood 3', 'the page before a cursor, newest first');
select is((public.history(tests.id('c_direct'), p_after => ((public.history(tests.id('c_direct'), p_limit => 5) -> 'items' -> 4 ->> 'id')::bigint)) -> 'items' -> 0 ->> 'body'),
  'flood 2', 'messages after a cursor, oldest first');
select throws_ok(format($$ select public.history(%L, 1, 2) $$, tests.id('c_direct')), 'HL007', null, 'before and after together are refused');
select tests.authenticate_as('mt_stranger');
select throws_ok(format($$ select public.history(%L) $$, tests.id('c_direct')), 'HL500', null, 'strangers read no history');

------------------------------------------------------------------------------------------------
-- Archive and mute
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_cust');
select ok((public.archive_conversation(tests.id('c_direct'))).archived_at is not null, 'a participant archives a conversation');
select is(jsonb_array_length(public.inbox(p_archived => true) -> 'items'), 1, 'it moves to the archive');
select ok((public.mute_conversation(tests.id('c_direct'), '2030-03-02 08:00+00')).muted_until is not null, 'and mutes it for a day');
select throws_ok(format($$ select public.mute_conversation(%L, '2029-01-01') $$, tests.id('c_direct')), 'HL521', null, 'mute times lie ahead');
select tests.authenticate_as('mt_prov');
select public.send_message(tests.id('c_direct'), 'Still there?');
reset role;
select is(tests.notification_count('mt_cust', 'message.received', 'conversation_id', tests.id('c_direct')), 5,
  'a muted conversation notifies nobody (five from before muting)');
select tests.authenticate_as('mt_cust');
select is(jsonb_array_length(public.inbox(p_archived => true) -> 'items'), 0, 'a new message brings it back from the archive');

------------------------------------------------------------------------------------------------
-- Blocks
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_cust');
select throws_ok(format($$ select public.block_user(%L) $$, tests.id('cust')), 'HL520', null, 'nobody blocks themselves');
select is((public.block_user(tests.id('prov'))).blocked_id, tests.id('prov'), 'the customer blocks the provider');
select is((select count(*)::int from public.user_blocks), 1, 'the blocker reads their block');
select tests.authenticate_as('mt_prov');
select throws_ok(format($$ select public.send_message(%L, 'hello?') $$, tests.id('c_listing')), 'HL507', null,
  'the blocked side cannot message the blocker');
select throws_ok(format($$ select public.start_conversation('job', %L) $$, tests.id('job')), 'HL507', null,
  'nor start conversations with them');
select is((select count(*)::int from public.user_blocks), 0, 'the blocked side does not see the block row');
select tests.authenticate_as('mt_cust');
select throws_ok(format($$ select public.send_message(%L, 'hello?') $$, tests.id('c_listing')), 'HL508', null,
  'the blocker must unblock before writing');
select ok(public.unblock_user(tests.id('prov')), 'unblocking');
select is((public.send_message(tests.id('c_listing'), 'Sorry, wrong button')).kind, 'text', 'lets them talk again');

------------------------------------------------------------------------------------------------
-- A business answers for its provider
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_cust2');
select tests.keep('c_biz', (public.start_conversation('service_listing', tests.listing_id('mt_bprov service'))).id);
select public.send_message(tests.id('c_biz'), 'Do you clean ovens?');
select is((select business_id from public.conversations where id = tests.id('c_biz')), tests.id('biz'), 'the conversation records the provider''s business');
select tests.authenticate_as('mt_bmgr');
select is((public.send_message(tests.id('c_biz'), 'Yes we do!')).author_id, tests.id('bprov'),
  'a manager answers for the provider (author is the provider)');
select is((select sender_id from public.messages where conversation_id = tests.id('c_biz') order by id desc limit 1), tests.id('bmgr'),
  'the record keeps who wrote it');
select is(jsonb_array_length(public.inbox(p_business_id => tests.id('biz')) -> 'items'), 1, 'the business inbox lists it');
select is((public.mark_read(tests.id('c_biz'))).user_id, tests.id('bprov'), 'mark_read marks the provider''s side');
select throws_ok(format($$ select public.archive_conversation(%L) $$, tests.id('c_biz')), 'HL501', null, 'archiving is the participant''s own');
select tests.authenticate_as('mt_bstaff');
select throws_ok(format($$ select public.send_message(%L, 'me too') $$, tests.id('c_biz')), 'HL500', null, 'staff do not answer chats');
select throws_ok(format($$ select public.inbox(p_business_id => %L) $$, tests.id('biz')), 'HL111', null, 'nor read the business inbox');

------------------------------------------------------------------------------------------------
-- Row level security: strangers see nothing
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mt_stranger');
select is((select count(*)::int from public.conversations) + (select count(*)::int from public.conversation_participants)
          + (select count(*)::int from public.messages), 0, 'a stranger reads no conversation, participant or message');
select throws_ok($$ update public.conversation_participants set unread_count = 0 where true $$, '42501', null, 'clients never write the tables');

select * from finish();
rollback;
