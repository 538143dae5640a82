-- Module: messaging (tables)
-- Conversations between two users tied to a context (a job, a booking, a service listing, a goods
-- listing, or none: direct), their messages, each participant's read state and blocks. Reports
-- of messages go to the trust module's one report store (public.reports, kind message). Error
-- codes HL500-HL549 and the module's settings live here too.
--
-- Decisions (see docs/messaging.md):
--   * A conversation has exactly two participants, stored as an ordered pair (user_low < user_high)
--     so "one conversation per pair and context" is a unique constraint. When the provider side
--     belongs to a business (provider_profiles.business_id, or bookings.business_id), the
--     conversation records that business and which participant it answers for
--     (business_user_id): the business's owners and managers read and answer as that participant.
--   * Messages have a bigint identity: keyset pages by (conversation_id, id), cheap at millions of
--     rows. author_id is the participant a message speaks for (the provider when a business member
--     answers), sender_id the user who actually wrote it; system messages have neither.
--   * Counters (last message, last activity, unread counts) are kept by triggers, never by clients.
--   * Soft delete keeps the row and its body for moderation (service role, the trust module);
--     participants see a tombstone.

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL500-HL549).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL500', 'conversation_not_found', 404, 'The conversation does not exist or you are not part of it.',
   'Check the id: you only see conversations you take part in (or answer for as a business owner or manager).'),
  ('HL501', 'not_conversation_participant', 403, 'Only the conversation''s participants can do this.',
   'Business members read and answer for the business; archiving and muting are for the participants themselves.'),
  ('HL502', 'invalid_conversation_context', 400, 'The conversation context is invalid.',
   'p_context_kind: job, booking, service_listing, direct, or a kind registered in private.conversation_contexts (goods_listing); direct takes no p_context_id, the others need one.'),
  ('HL503', 'context_not_found', 404, 'The job, booking or listing of this conversation does not exist.',
   'Check p_context_id; inactive, hidden or withdrawn listings and products cannot be asked about.'),
  ('HL504', 'not_context_party', 403, 'You and the other user are not the two sides of this context.',
   'Jobs: the customer and a provider who was shown the job or offered on it; bookings: the customer and the provider; listings: a customer and the provider.'),
  ('HL506', 'direct_not_allowed', 403, 'This user has not allowed direct messages from you.',
   'Direct conversations open once you have a booking together or the other user has written to you.'),
  ('HL507', 'blocked_by_user', 403, 'This user does not accept messages from you.',
   'They blocked you: you cannot start conversations with them or write to them.'),
  ('HL508', 'user_blocked', 409, 'You blocked this user.',
   'Unblock them (unblock_user) to write to them again.'),
  ('HL509', 'invalid_message', 400, 'The message is invalid.',
   'Kinds: text (a body), image (attachment_path in chat-attachments, optional caption) or offer (payload); system messages are written by the database.'),
  ('HL510', 'message_too_long', 400, 'The message is too long.',
   'See details for the maximum length (messaging.max_body_length).'),
  ('HL511', 'invalid_attachment', 400, 'The attachment is invalid.',
   'Upload to chat-attachments under <conversation id>/<your user id>/ first, then send its path.'),
  ('HL512', 'message_not_found', 404, 'The message does not exist or you cannot see it.',
   'Check the id: it must be a message of a conversation you take part in.'),
  ('HL513', 'not_message_sender', 403, 'Only the sender can change this message.',
   'You can edit and delete only messages you wrote yourself.'),
  ('HL514', 'edit_window_closed', 409, 'This message can no longer be changed.',
   'Messages can be edited and deleted only for a while after sending: see details.'),
  ('HL515', 'message_deleted', 409, 'This message was deleted.',
   'Deleted messages cannot be edited or deleted again.'),
  ('HL516', 'cannot_message_yourself', 400, 'You cannot start a conversation with yourself.',
   'Name another user; providers do not start conversations about their own listings.'),
  ('HL517', 'idempotency_key_reused', 409, 'This client key was already used for another message.',
   'Generate a new p_client_key for every new message; reuse it only to retry the same send.'),
  ('HL520', 'cannot_block_yourself', 400, 'You cannot block yourself.',
   'Name another user in p_user_id.'),
  ('HL521', 'invalid_mute', 400, 'The mute time is invalid.',
   'p_until must be in the future and at most a year ahead, or null to unmute.'),
  ('HL522', 'invalid_offer_payload', 400, 'The offer is invalid.',
   'payload: {"amount": minor units 0..1000000000, "currency": "AED", "note"?: up to 500 characters, "ref"?: {"type": text, "id": uuid}}.'),
  ('HL523', 'recipient_unavailable', 409, 'The other participant''s account was deleted.',
   'The conversation stays readable but takes no new messages.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('messaging.max_body_length', '4000', 'Longest message body (and image caption), in characters (at most 4000).'),
  ('messaging.edit_window_minutes', '15', 'How long after sending a message its sender may edit it.'),
  ('messaging.delete_window_minutes', '60', 'How long after sending a message its sender may delete it.'),
  ('messaging.max_page_size', '100', 'Largest page inbox and history return.'),
  ('rate_limit.send_message', '{"limit": 30, "window": "1 minute"}', 'send_message: messages per sender.'),
  ('rate_limit.start_conversation', '{"limit": 30, "window": "1 hour"}', 'start_conversation: new conversations per user.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Conversation contexts of later modules (a registry owned here). Messaging knows its built-in
-- kinds (job, booking, service_listing, direct); a later module registers another kind with a
-- handler (p_context_id uuid, p_caller uuid) -> private.conversation_party that names the other
-- side of the caller's conversation about that context (and the business answering for it, if
-- any), or raises (not found, not allowed). start_conversation calls it for registered kinds.
------------------------------------------------------------------------------------------------
create type private.conversation_party as (
  other_user_id uuid,
  business_id uuid,
  business_user_id uuid
);
comment on type private.conversation_party is
  'What a conversation context handler answers: the other participant, and the business answering for one side '
  '(business_user_id: the participant it answers for), both null when none.';

create table private.conversation_contexts (
  kind text primary key check (kind ~ '^[a-z][a-z_]{1,39}$' and kind not in ('job', 'booking', 'service_listing', 'direct')),
  handler text not null unique,
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  description text not null
);
comment on table private.conversation_contexts is
  'Conversation context kinds of later modules: kind -> handler (p_context_id uuid, p_caller uuid) returning '
  'private.conversation_party (the other side) or raising when the context is unknown (HL503) or the caller may not talk '
  'about it (HL504, HL516). Called by start_conversation; the built-in kinds are not registered.';

create or replace trigger conversation_contexts_check_handler
  before insert or update on private.conversation_contexts
  for each row execute function private.check_registry_handler('uuid, uuid', 'private.conversation_party');

revoke all on table private.conversation_contexts from anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Conversations and participants
------------------------------------------------------------------------------------------------
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  -- Built in: job, booking, service_listing, direct; other kinds are registered by later modules
  -- (private.conversation_contexts) and checked by start_conversation.
  context_kind text not null check (context_kind ~ '^[a-z][a-z_]{1,39}$'),
  context_id uuid,
  user_low uuid not null references public.profiles (id),
  user_high uuid not null references public.profiles (id),
  -- The business answering for one side, and the participant it answers for.
  business_id uuid references public.businesses (id) on delete set null,
  business_user_id uuid,
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  last_message_id bigint,
  last_message_at timestamptz,
  last_activity_at timestamptz not null default now(),
  message_count integer not null default 0 check (message_count >= 0),
  check (user_low < user_high),
  check ((context_kind = 'direct') = (context_id is null)),
  check (business_user_id is null or business_user_id in (user_low, user_high)),
  constraint conversations_one_per_pair_and_context unique nulls not distinct (context_kind, context_id, user_low, user_high)
);
comment on table public.conversations is
  'A conversation between two users (ordered pair user_low < user_high) about a context (job, booking, service_listing, '
  'a kind registered in private.conversation_contexts such as goods_listing, or direct without one); one per pair and context. business_id/business_user_id: the business whose owners '
  'and managers answer for that participant. Counters kept by triggers. Written through RPCs only.';
create index conversations_pair_idx on public.conversations (user_low, user_high);
create index conversations_user_high_idx on public.conversations (user_high);
create index conversations_business_idx on public.conversations (business_id, last_activity_at desc, id desc);
create index conversations_created_by_idx on public.conversations (created_by);

create table public.conversation_participants (
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  user_id uuid not null references public.profiles (id),
  last_read_message_id bigint,
  last_read_at timestamptz,
  unread_count integer not null default 0 check (unread_count >= 0),
  archived_at timestamptz,
  muted_until timestamptz,
  -- A copy of the conversation's last activity, so a user's inbox is one index range.
  last_activity_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  primary key (conversation_id, user_id)
);
comment on table public.conversation_participants is
  'Each participant''s side of a conversation: read receipt (last_read_message_id), unread count (kept by triggers), '
  'archive and mute. Both sides see both rows (read receipts); changed through RPCs only.';
create index conversation_participants_inbox_idx
  on public.conversation_participants (user_id, (archived_at is not null), last_activity_at desc, conversation_id desc);

------------------------------------------------------------------------------------------------
-- Messages
------------------------------------------------------------------------------------------------
create table public.messages (
  id bigint generated always as identity primary key,
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  -- The participant the message speaks for; null for system messages.
  author_id uuid,
  -- Who wrote it (the author, or a business member answering for them); null for system messages.
  sender_id uuid references public.profiles (id),
  kind text not null check (kind in ('text', 'image', 'offer', 'system')),
  body text check (body is null or char_length(body) <= 4000),
  attachment_path text check (attachment_path is null or char_length(attachment_path) <= 300),
  payload jsonb check (payload is null or jsonb_typeof(payload) = 'object'),
  client_key text check (client_key is null or client_key ~ '^[A-Za-z0-9_.:-]{8,100}$'),
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  -- Moderation: set while an operator hides the message (trust module): the other side sees a
  -- tombstone, its sender sees it is hidden.
  hidden_at timestamptz,
  check ((kind = 'system') = (sender_id is null and author_id is null)),
  check (kind <> 'image' or attachment_path is not null or deleted_at is not null),
  constraint messages_client_key_unique unique (sender_id, client_key)
);
comment on table public.messages is
  'Messages of a conversation (keyset by id). kind text/image/offer from users, system from the database (booking and '
  'offer events). Soft-deleted rows keep their body for moderation; participants see them only as tombstones through history.';
create index messages_conversation_idx on public.messages (conversation_id, id);
comment on column public.messages.hidden_at is
  'Set while moderation hides the message: content withheld from everyone but its sender (and moderators); database only.';

------------------------------------------------------------------------------------------------
-- Blocks (reports: the trust module's public.reports)
------------------------------------------------------------------------------------------------
create table public.user_blocks (
  blocker_id uuid not null references public.profiles (id),
  blocked_id uuid not null references public.profiles (id),
  created_at timestamptz not null default now(),
  primary key (blocker_id, blocked_id),
  check (blocker_id <> blocked_id)
);
comment on table public.user_blocks is
  'Who blocked whom: the blocked user cannot start conversations with or message the blocker, nor receive their realtime '
  'broadcasts and presence. Users read their own blocks; block_user/unblock_user write.';
create index user_blocks_blocked_idx on public.user_blocks (blocked_id);
