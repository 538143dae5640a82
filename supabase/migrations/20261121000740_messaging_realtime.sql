-- Module: messaging (counters and realtime delivery)
-- Row triggers keep the conversation's last message and activity and each participant's unread
-- count, and broadcast from the database (realtime.send, private topics):
--   conversation:<id>  message.created, message.updated, message.deleted, message.read
--   user:<id>          inbox.updated (core's per-user topic)
-- and queue a message.received notification for every other participant who has not muted the
-- conversation. Payloads are documented in docs/messaging.md.

create or replace function private.messages_after_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_recipient record;
begin
  update public.conversations c
     set last_message_id = new.id, last_message_at = new.created_at, last_activity_at = new.created_at,
         message_count = c.message_count + 1
   where c.id = new.conversation_id;

  -- The participants' rows: activity, unread (not for the author), a new message restores an
  -- archived conversation. Their update trigger broadcasts inbox.updated.
  update public.conversation_participants p
     set last_activity_at = new.created_at,
         unread_count = p.unread_count + case when p.user_id is distinct from new.author_id then 1 else 0 end,
         archived_at = null
   where p.conversation_id = new.conversation_id;

  perform realtime.send(pg_catalog.jsonb_build_object('message', private.message_json(new)),
                        'message.created', 'conversation:' || new.conversation_id::text, true);

  if new.kind <> 'system' then
    for v_recipient in
      select p.user_id from public.conversation_participants p
       where p.conversation_id = new.conversation_id and p.user_id is distinct from new.author_id
         and (p.muted_until is null or p.muted_until <= private.now())
    loop
      perform private.notify(v_recipient.user_id, 'message.received', pg_catalog.jsonb_build_object(
        'conversation_id', new.conversation_id, 'message_id', new.id, 'author_id', new.author_id,
        'sender_id', new.sender_id, 'kind', new.kind,
        -- What the push shows: the author's name, and the text or, without text, a sign of the kind.
        'sender_name', (select coalesce(nullif(pr.full_name, ''), pr.username) from public.profiles pr where pr.id = new.author_id),
        'preview', coalesce(nullif(pg_catalog.left(new.body, 100), ''), case new.kind when 'image' then '📷' else '🏷️' end)));
    end loop;
  end if;
  return null;
end;
$$;
comment on function private.messages_after_insert() is
  'AFTER INSERT on messages: conversation counters, participants'' activity and unread counts (archive lifted), broadcast '
  'message.created on conversation:<id>, notification message.received to unmuted recipients.';

create or replace trigger messages_after_insert
  after insert on public.messages
  for each row execute function private.messages_after_insert();

create or replace function private.messages_after_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    -- An unread deleted message no longer counts.
    update public.conversation_participants p
       set unread_count = p.unread_count - 1
     where p.conversation_id = new.conversation_id and p.user_id is distinct from new.author_id
       and (p.last_read_message_id is null or p.last_read_message_id < new.id) and p.unread_count > 0;
    perform realtime.send(pg_catalog.jsonb_build_object('message', private.message_json(new)),
                          'message.deleted', 'conversation:' || new.conversation_id::text, true);
  elsif new.hidden_at is distinct from old.hidden_at then
    -- Moderation hid or restored it: everyone in the conversation gets the new shape (a tombstone
    -- while hidden; the sender reloads it through history).
    perform realtime.send(pg_catalog.jsonb_build_object('message', private.message_json(new)),
                          case when new.hidden_at is null then 'message.restored' else 'message.hidden' end,
                          'conversation:' || new.conversation_id::text, true);
  elsif new.deleted_at is null and (new.body is distinct from old.body or new.edited_at is distinct from old.edited_at) then
    perform realtime.send(pg_catalog.jsonb_build_object('message', private.message_json(new)),
                          'message.updated', 'conversation:' || new.conversation_id::text, true);
  end if;
  return null;
end;
$$;
comment on function private.messages_after_update() is
  'AFTER UPDATE on messages: broadcast message.updated (edit), message.deleted (tombstone), or message.hidden / '
  'message.restored (moderation) on conversation:<id>; a deleted unread message leaves the unread counts.';

create or replace trigger messages_after_update
  after update on public.messages
  for each row execute function private.messages_after_update();

create or replace function private.conversation_participants_after_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.last_read_message_id is distinct from old.last_read_message_id then
    perform realtime.send(pg_catalog.jsonb_build_object(
        'conversation_id', new.conversation_id, 'user_id', new.user_id,
        'last_read_message_id', new.last_read_message_id, 'read_at', new.last_read_at),
      'message.read', 'conversation:' || new.conversation_id::text, true);
  end if;
  if (new.unread_count, new.last_activity_at, new.last_read_message_id, new.archived_at, new.muted_until)
     is distinct from (old.unread_count, old.last_activity_at, old.last_read_message_id, old.archived_at, old.muted_until) then
    perform realtime.send(pg_catalog.jsonb_build_object(
        'conversation_id', new.conversation_id,
        'unread_count', new.unread_count,
        'last_read_message_id', new.last_read_message_id,
        'last_message_id', (select c.last_message_id from public.conversations c where c.id = new.conversation_id),
        'last_activity_at', new.last_activity_at,
        'archived', new.archived_at is not null,
        'muted_until', new.muted_until),
      'inbox.updated', 'user:' || new.user_id::text, true);
  end if;
  return null;
end;
$$;
comment on function private.conversation_participants_after_update() is
  'AFTER UPDATE on conversation_participants: broadcast message.read (read receipt) on conversation:<id> and inbox.updated '
  'on user:<participant id>.';

create or replace trigger conversation_participants_after_update
  after update on public.conversation_participants
  for each row execute function private.conversation_participants_after_update();

revoke all on function
  private.messages_after_insert(),
  private.messages_after_update(),
  private.conversation_participants_after_update()
  from public, anon, authenticated, service_role;
