-- Module: messaging (access)
-- Who takes part in a conversation (the two participants, and the owners and managers of a
-- business answering for one of them), blocks, the row level security and privileges of the
-- module's tables, the chat-attachments bucket's folder rule and the conversation:<id> Realtime
-- topic rule.

------------------------------------------------------------------------------------------------
-- Who acts in a conversation
------------------------------------------------------------------------------------------------
create or replace function private.conversation_actor(p_conversation_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  -- The participant the calling user acts as: themselves when they take part, else the participant
  -- their business answers for (owner or manager of conversations.business_id); null otherwise.
  select case
           when exists (select 1 from public.conversation_participants p
                         where p.conversation_id = c.id and p.user_id = (select auth.uid()))
             then (select auth.uid())
           when c.business_id is not null and exists (
                  select 1 from public.business_members bm
                   where bm.business_id = c.business_id and bm.user_id = (select auth.uid())
                     and bm.role in ('owner', 'manager'))
             then c.business_user_id
         end
    from public.conversations c
   where c.id = p_conversation_id;
$$;
comment on function private.conversation_actor(uuid) is
  'The participant the calling user acts as in a conversation: themselves, or the participant their business answers for '
  '(owner or manager of conversations.business_id); null when they have no part in it.';

create or replace function private.conversation_other(p_conversation_id uuid, p_user_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select case when c.user_low = p_user_id then c.user_high else c.user_low end
    from public.conversations c where c.id = p_conversation_id;
$$;
comment on function private.conversation_other(uuid, uuid) is 'The other participant of a conversation.';

create or replace function private.has_blocked(p_blocker uuid, p_blocked uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.user_blocks b where b.blocker_id = p_blocker and b.blocked_id = p_blocked);
$$;
comment on function private.has_blocked(uuid, uuid) is 'True when p_blocker blocked p_blocked.';

-- Conversations the calling user may read: their own, and their businesses' (owner, manager).
create or replace function private.my_conversation_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.conversation_id from public.conversation_participants p where p.user_id = (select auth.uid())
  union
  select c.id from public.conversations c
   where c.business_id in (select bm.business_id from public.business_members bm
                            where bm.user_id = (select auth.uid()) and bm.role in ('owner', 'manager'));
$$;
comment on function private.my_conversation_ids() is
  'Conversations the calling user takes part in or answers for (business owner or manager). For policies and folder rules.';

revoke all on function
  private.conversation_actor(uuid),
  private.conversation_other(uuid, uuid),
  private.has_blocked(uuid, uuid),
  private.my_conversation_ids()
  from public, anon, authenticated, service_role;
grant execute on function
  private.conversation_actor(uuid),
  private.my_conversation_ids()
  to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Row level security and privileges. Every write is an RPC (security definer).
------------------------------------------------------------------------------------------------
alter table public.conversations enable row level security;
alter table public.conversation_participants enable row level security;
alter table public.messages enable row level security;
alter table public.user_blocks enable row level security;

create policy "Participants can read their conversations" on public.conversations
  for select to authenticated
  using (id in (select private.my_conversation_ids()));

create policy "Participants can read both sides of their conversations" on public.conversation_participants
  for select to authenticated
  using (conversation_id in (select private.my_conversation_ids()));

-- Deleted messages are not readable as rows: history shows them as tombstones. Messages hidden by
-- moderation stay readable by their sender only.
create policy "Participants can read messages of their conversations" on public.messages
  for select to authenticated
  using (deleted_at is null and (hidden_at is null or sender_id = (select auth.uid()))
         and conversation_id in (select private.my_conversation_ids()));

create policy "Users can read their own blocks" on public.user_blocks
  for select to authenticated
  using (blocker_id = (select auth.uid()));

revoke all on table public.conversations, public.conversation_participants, public.messages,
  public.user_blocks from anon, authenticated, service_role;
revoke all on sequence public.messages_id_seq from anon, authenticated, service_role;
grant select on public.conversations, public.conversation_participants, public.messages,
  public.user_blocks to authenticated;
grant select, insert, update, delete on public.conversations, public.conversation_participants, public.messages,
  public.user_blocks to service_role;
grant usage on sequence public.messages_id_seq to service_role;

------------------------------------------------------------------------------------------------
-- chat-attachments (private bucket): `<conversation id>/<uploader id>/<file>`. Participants (and
-- the business members answering for one) read the conversation's folder; they upload into their
-- own subfolder of it, unless either side blocked the other; they replace and delete only their
-- own uploads.
------------------------------------------------------------------------------------------------
create or replace function private.chat_attachment_folders(p_operation text)
returns setof text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if v_uid is null then
    return;
  end if;
  if p_operation = 'select' then
    return query
      select c.id::text || '/' from public.conversations c
       where c.id in (select private.my_conversation_ids());
  elsif p_operation = 'insert' then
    return query
      select c.id::text || '/' || v_uid::text || '/'
        from public.conversations c
        cross join lateral (select private.conversation_actor(c.id) as me) a
       where c.id in (select private.my_conversation_ids())
         and a.me is not null
         and not private.has_blocked(private.conversation_other(c.id, a.me), a.me)
         and not private.has_blocked(a.me, private.conversation_other(c.id, a.me));
  elsif p_operation in ('update', 'delete') then
    return query
      select c.id::text || '/' || v_uid::text || '/' from public.conversations c
       where c.id in (select private.my_conversation_ids());
  end if;
end;
$$;
comment on function private.chat_attachment_folders(text) is
  'Folder rule of the chat-attachments bucket: select <conversation id>/ of conversations the user takes part in or answers '
  'for; insert <conversation id>/<user id>/ of those not blocked either way; update and delete their own <conversation id>/<user id>/.';
revoke all on function private.chat_attachment_folders(text) from public, anon, authenticated, service_role;

insert into private.storage_buckets (bucket_id, module, handler, description) values
  ('chat-attachments', 'messaging', 'private.chat_attachment_folders(text)',
   'Chat images: participants read <conversation id>/, upload under <conversation id>/<user id>/.')
on conflict (bucket_id) do update
  set module = excluded.module, handler = excluded.handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Realtime `conversation:<id>`: the participants (and the business members answering for one)
-- receive the database's broadcasts, send broadcasts (typing) and track presence. A user blocked
-- by the other participant gets nothing there and sends nothing.
------------------------------------------------------------------------------------------------
create or replace function private.conversation_topic_allows(p_topic text, p_extension text, p_operation text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id text := pg_catalog.split_part(p_topic, ':', 2);
  v_me uuid;
begin
  if p_extension not in ('broadcast', 'presence') or p_operation not in ('read', 'write')
     or v_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or p_topic <> 'conversation:' || v_id then
    return false;
  end if;
  v_me := private.conversation_actor(v_id::uuid);
  if v_me is null then
    return false;
  end if;
  return not private.has_blocked(private.conversation_other(v_id::uuid, v_me), v_me)
     and not private.has_blocked(private.conversation_other(v_id::uuid, v_me), (select auth.uid()));
end;
$$;
comment on function private.conversation_topic_allows(text, text, text) is
  'Realtime rule of conversation:<id> topics: participants (and business members answering for one) read and write '
  'broadcast and presence, unless the other participant blocked them.';
revoke all on function private.conversation_topic_allows(text, text, text) from public, anon, authenticated, service_role;

insert into private.realtime_topics (prefix, module, handler, description) values
  ('conversation', 'messaging', 'private.conversation_topic_allows(text, text, text)',
   'A conversation: new, edited and deleted messages and read receipts from the database; typing (broadcast) and presence between participants.')
on conflict (prefix) do update
  set module = excluded.module, handler = excluded.handler, description = excluded.description;
