-- Module: messaging (RPCs)
-- start_conversation, send_message, edit_message, delete_message, mark_read, archive and mute,
-- block_user/unblock_user (reporting a message: the trust module's report_content, kind message).
-- Every check runs before anything is written, so a refused call leaves no trace (the rate limiter counts only sends that commit).

------------------------------------------------------------------------------------------------
-- Internal: find or create the conversation of a pair and context.
------------------------------------------------------------------------------------------------
create or replace function private.ensure_conversation(
  p_kind text, p_context_id uuid, p_user_a uuid, p_user_b uuid,
  p_business_id uuid, p_business_user_id uuid, p_created_by uuid
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_low uuid := least(p_user_a, p_user_b);
  v_high uuid := greatest(p_user_a, p_user_b);
  v_id uuid;
begin
  select c.id into v_id from public.conversations c
   where c.context_kind = p_kind and c.context_id is not distinct from p_context_id
     and c.user_low = v_low and c.user_high = v_high;
  if found then
    return v_id;
  end if;
  insert into public.conversations (context_kind, context_id, user_low, user_high, business_id, business_user_id,
                                    created_by, last_activity_at)
  values (p_kind, p_context_id, v_low, v_high, p_business_id,
          case when p_business_id is not null then p_business_user_id end, p_created_by, private.now())
  on conflict on constraint conversations_one_per_pair_and_context do nothing
  returning id into v_id;
  if v_id is null then
    -- A concurrent call created it first.
    select c.id into v_id from public.conversations c
     where c.context_kind = p_kind and c.context_id is not distinct from p_context_id
       and c.user_low = v_low and c.user_high = v_high;
    return v_id;
  end if;
  insert into public.conversation_participants (conversation_id, user_id, last_activity_at)
  select v_id, u, private.now() from unnest(array[v_low, v_high]) u
   where exists (select 1 from public.profiles p where p.id = u and p.deleted_at is null);
  return v_id;
end;
$$;
comment on function private.ensure_conversation(text, uuid, uuid, uuid, uuid, uuid, uuid) is
  'The conversation of a pair of users about a context, created (with both participant rows) when missing. No checks: '
  'callers (start_conversation, the system messages) decide who may talk.';

-- Direct conversations open once the other side allowed it: a booking between the two (either
-- way), or the other user wrote to the caller in any conversation.
create or replace function private.direct_allowed(p_me uuid, p_other uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.bookings b
                  where (b.customer_id = p_me and b.provider_id = p_other)
                     or (b.customer_id = p_other and b.provider_id = p_me))
      or exists (select 1 from public.conversations c
                   join public.messages m on m.conversation_id = c.id
                  where c.user_low = least(p_me, p_other) and c.user_high = greatest(p_me, p_other)
                    and m.author_id = p_other);
$$;
comment on function private.direct_allowed(uuid, uuid) is
  'True when p_other allowed direct messages from p_me: a booking between them, or p_other wrote to p_me before.';

create or replace function private.check_not_blocked(p_me uuid, p_other uuid)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if private.has_blocked(p_other, p_me) then
    perform private.raise_error('HL507');
  end if;
  if private.has_blocked(p_me, p_other) then
    perform private.raise_error('HL508');
  end if;
end;
$$;
comment on function private.check_not_blocked(uuid, uuid) is 'HL507 when p_other blocked p_me, HL508 when p_me blocked p_other.';

------------------------------------------------------------------------------------------------
-- start_conversation
------------------------------------------------------------------------------------------------
create or replace function public.start_conversation(
  p_context_kind text,
  p_context_id uuid default null,
  p_other_user_id uuid default null
)
returns public.conversations
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_other uuid;
  v_business uuid;
  v_business_user uuid;
  v_customer uuid;
  v_provider uuid;
  v_id uuid;
  v_row public.conversations;
  v_handler text;
  v_party private.conversation_party;
begin
  if p_context_kind is null
     or (p_context_kind not in ('job', 'booking', 'service_listing', 'direct')
         and not exists (select 1 from private.conversation_contexts k where k.kind = p_context_kind))
     or (p_context_kind = 'direct') <> (p_context_id is null) then
    perform private.raise_error('HL502',
      pg_catalog.format('p_context_kind %s with %s', coalesce(p_context_kind, 'null'),
                        case when p_context_id is null then 'no p_context_id' else 'a p_context_id' end));
  end if;

  if p_context_kind = 'booking' then
    select b.customer_id, b.provider_id, b.business_id into v_customer, v_provider, v_business
      from public.bookings b where b.id = p_context_id;
    if not found then
      perform private.raise_error('HL503', 'booking');
    end if;
    -- The customer, the provider, or an owner/manager of the booking's business (for the provider).
    if v_uid = v_customer then
      v_other := v_provider;
    elsif v_uid = v_provider or (v_business is not null and private.business_role(v_business) in ('owner', 'manager')) then
      v_other := v_customer;
    else
      perform private.raise_error('HL504', 'not a party of this booking');
    end if;
    if p_other_user_id is not null and p_other_user_id <> v_other then
      perform private.raise_error('HL504', 'p_other_user_id is not the other party of this booking');
    end if;
    v_business_user := v_provider;
    -- A business member starts it for the provider.
    if v_uid not in (v_customer, v_provider) then
      v_uid := v_provider;
    end if;
  elsif p_context_kind = 'job' then
    select j.customer_id into v_customer from public.job_requests j where j.id = p_context_id;
    if not found then
      perform private.raise_error('HL503', 'job');
    end if;
    if v_uid = v_customer then
      v_provider := p_other_user_id;
    else
      v_provider := v_uid;
      if p_other_user_id is not null and p_other_user_id <> v_customer then
        perform private.raise_error('HL504', 'p_other_user_id is not the job''s customer');
      end if;
    end if;
    if v_provider is null or not (
         exists (select 1 from public.job_matches m where m.job_id = p_context_id and m.provider_id = v_provider)
         or exists (select 1 from public.job_offers o where o.job_id = p_context_id and o.provider_id = v_provider)) then
      perform private.raise_error('HL504', 'jobs: the customer and a provider who was shown the job or offered on it');
    end if;
    v_other := case when v_uid = v_customer then v_provider else v_customer end;
    select pp.business_id into v_business from public.provider_profiles pp where pp.id = v_provider;
    v_business_user := v_provider;
  elsif p_context_kind = 'service_listing' then
    select l.provider_id into v_provider from public.service_listings l
     where l.id = p_context_id and l.is_active and l.hidden_at is null;
    if not found then
      perform private.raise_error('HL503', 'service_listing');
    end if;
    if v_uid = v_provider then
      perform private.raise_error('HL516', 'this is your own listing');
    end if;
    if p_other_user_id is not null and p_other_user_id <> v_provider then
      perform private.raise_error('HL504', 'p_other_user_id is not the listing''s provider');
    end if;
    v_other := v_provider;
    select pp.business_id into v_business from public.provider_profiles pp where pp.id = v_provider;
    v_business_user := v_provider;
  elsif p_context_kind <> 'direct' then
    -- A kind registered by a later module: its handler names the other side or raises.
    select pg_catalog.format('select * from %I.%I($1, $2)', n.nspname, p.proname) into v_handler
      from private.conversation_contexts k
      join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(k.handler)
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where k.kind = p_context_kind;
    execute v_handler into v_party using p_context_id, v_uid;
    if v_party.other_user_id is null then
      perform private.raise_error('HL503', p_context_kind);
    end if;
    if p_other_user_id is not null and p_other_user_id <> v_party.other_user_id then
      perform private.raise_error('HL504', pg_catalog.format('p_other_user_id is not the other side of this %s', p_context_kind));
    end if;
    v_other := v_party.other_user_id;
    v_business := v_party.business_id;
    v_business_user := v_party.business_user_id;
  else
    v_other := p_other_user_id;
    if v_other is null then
      perform private.raise_error('HL502', 'direct conversations need p_other_user_id');
    end if;
  end if;

  if v_other = v_uid then
    perform private.raise_error('HL516');
  end if;
  if not exists (select 1 from public.profiles p where p.id = v_other and p.deleted_at is null) then
    perform private.raise_error('HL114', 'p_other_user_id');
  end if;
  perform private.check_not_blocked(v_uid, v_other);

  select c.id into v_id from public.conversations c
   where c.context_kind = p_context_kind and c.context_id is not distinct from p_context_id
     and c.user_low = least(v_uid, v_other) and c.user_high = greatest(v_uid, v_other);
  if v_id is null then
    if p_context_kind = 'direct' and not private.direct_allowed(v_uid, v_other) then
      perform private.raise_error('HL506');
    end if;
    perform private.rate_limit('start_conversation', (select auth.uid())::text);
    v_id := private.ensure_conversation(p_context_kind, p_context_id, v_uid, v_other, v_business, v_business_user,
                                        (select auth.uid()));
  end if;
  select * into v_row from public.conversations c where c.id = v_id;
  return v_row;
end;
$$;
comment on function public.start_conversation(text, uuid, uuid) is
  'The caller''s conversation about a context, created when missing: job (customer and a provider shown the job or who '
  'offered; the customer names the provider), booking (its customer and provider, or the provider''s business owner or '
  'manager), service_listing (a customer and the listing''s provider), direct (p_other_user_id, once allowed), or a kind '
  'registered in private.conversation_contexts (goods_listing: a buyer and the product''s seller). Blocks refuse it (HL507/HL508). 30 new conversations an hour.';

------------------------------------------------------------------------------------------------
-- Sending
------------------------------------------------------------------------------------------------
create or replace function private.check_message_body(p_body text, p_required boolean)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_max integer := least((private.setting('messaging.max_body_length'))::integer, 4000);
begin
  if p_body is null or pg_catalog.btrim(p_body) = '' then
    if p_required then
      perform private.raise_error('HL509', 'the message needs a body');
    end if;
    return;
  end if;
  if pg_catalog.char_length(p_body) > v_max then
    perform private.raise_error('HL510', pg_catalog.format('at most %s characters (got %s)', v_max, pg_catalog.char_length(p_body)));
  end if;
end;
$$;
comment on function private.check_message_body(text, boolean) is 'Validates a message body: present when required (HL509), not over messaging.max_body_length (HL510).';

create or replace function private.check_offer_payload(p_payload jsonb)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_payload is null or pg_catalog.jsonb_typeof(p_payload) <> 'object'
     or exists (select 1 from pg_catalog.jsonb_object_keys(p_payload) k where k not in ('amount', 'currency', 'note', 'ref'))
     or pg_catalog.jsonb_typeof(p_payload -> 'amount') is distinct from 'number'
     or (p_payload ->> 'amount') !~ '^[0-9]{1,10}$'
     or (p_payload ->> 'amount')::bigint > 1000000000
     or pg_catalog.jsonb_typeof(p_payload -> 'currency') is distinct from 'string'
     or (p_payload ->> 'currency') !~ '^[A-Z]{3}$'
     or (p_payload ? 'note' and (pg_catalog.jsonb_typeof(p_payload -> 'note') <> 'string'
                                 or pg_catalog.char_length(p_payload ->> 'note') > 500))
     or (p_payload ? 'ref' and (pg_catalog.jsonb_typeof(p_payload -> 'ref') <> 'object'
                                or pg_catalog.jsonb_typeof(p_payload -> 'ref' -> 'type') is distinct from 'string'
                                or (p_payload -> 'ref' ->> 'type') !~ '^[a-z][a-z_]{1,39}$'
                                or (p_payload -> 'ref' ->> 'id') is null
                                or (p_payload -> 'ref' ->> 'id') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')) then
    perform private.raise_error('HL522', pg_catalog.left(coalesce(p_payload::text, 'null'), 200));
  end if;
end;
$$;
comment on function private.check_offer_payload(jsonb) is
  'Validates the structured payload of an offer message: {amount (minor units), currency, note?, ref? {type, id}} (HL522).';

create or replace function public.send_message(
  p_conversation_id uuid,
  p_body text default null,
  p_kind text default 'text',
  p_attachment_path text default null,
  p_payload jsonb default null,
  p_client_key text default null
)
returns public.messages
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_me uuid;
  v_other uuid;
  v_row public.messages;
begin
  v_me := private.conversation_actor(p_conversation_id);
  if v_me is null then
    perform private.raise_error('HL500');
  end if;
  if p_client_key is not null and p_client_key !~ '^[A-Za-z0-9_.:-]{8,100}$' then
    perform private.raise_error('HL509', 'p_client_key: 8 to 100 letters, digits, _ . : -');
  end if;
  -- A retried send returns the message it already created.
  if p_client_key is not null then
    select * into v_row from public.messages m where m.sender_id = v_uid and m.client_key = p_client_key;
    if found then
      if v_row.conversation_id <> p_conversation_id or v_row.kind <> coalesce(p_kind, '')
         or v_row.deleted_at is null and v_row.edited_at is null and v_row.body is distinct from nullif(pg_catalog.btrim(p_body), '') then
        perform private.raise_error('HL517', p_client_key);
      end if;
      return v_row;
    end if;
  end if;

  v_other := private.conversation_other(p_conversation_id, v_me);
  if not exists (select 1 from public.conversation_participants p
                  where p.conversation_id = p_conversation_id and p.user_id = v_other) then
    perform private.raise_error('HL523');
  end if;
  perform private.check_not_blocked(v_me, v_other);
  if v_uid <> v_me then
    perform private.check_not_blocked(v_uid, v_other);
  end if;

  if p_kind is null or p_kind not in ('text', 'image', 'offer') then
    perform private.raise_error('HL509',
      case when p_kind = 'system' then 'system messages are written by the database'
           else pg_catalog.format('unknown kind %s', coalesce(p_kind, 'null')) end);
  end if;
  perform private.check_message_body(p_body, p_kind = 'text');
  if p_kind = 'image' then
    if p_attachment_path is null
       or not p_attachment_path ^@ (p_conversation_id::text || '/' || v_uid::text || '/')
       or p_attachment_path ~ '(^|/)\.\.?(/|$)'
       or pg_catalog.char_length(p_attachment_path) > 300
       or not exists (select 1 from storage.objects o
                       where o.bucket_id = 'chat-attachments' and o.name = p_attachment_path) then
      perform private.raise_error('HL511', coalesce(p_attachment_path, 'attachment_path is required for images'));
    end if;
  elsif p_attachment_path is not null then
    perform private.raise_error('HL511', 'only image messages carry an attachment');
  end if;
  if p_kind = 'offer' then
    perform private.check_offer_payload(p_payload);
  elsif p_payload is not null then
    perform private.raise_error('HL509', 'only offer messages carry a payload');
  end if;

  perform private.rate_limit('send_message', v_uid::text);

  insert into public.messages (conversation_id, author_id, sender_id, kind, body, attachment_path, payload, client_key, created_at)
  values (p_conversation_id, v_me, v_uid, p_kind, nullif(pg_catalog.btrim(p_body), ''), p_attachment_path, p_payload,
          p_client_key, private.now())
  on conflict on constraint messages_client_key_unique do nothing
  returning * into v_row;
  if v_row.id is null then
    -- The same key committed concurrently: that message is the answer.
    select * into v_row from public.messages m where m.sender_id = v_uid and m.client_key = p_client_key;
  end if;
  return v_row;
end;
$$;
comment on function public.send_message(uuid, text, text, text, jsonb, text) is
  'Sends a text (p_body), image (p_attachment_path under chat-attachments/<conversation>/<you>/, optional caption) or offer '
  '(p_payload) message as the caller (or for the participant their business answers for). p_client_key makes retries '
  'idempotent. Refused when blocked either way, when the other account is deleted, or over the rate limit (HL006).';

------------------------------------------------------------------------------------------------
-- Editing, deleting
------------------------------------------------------------------------------------------------
create or replace function private.own_message_for_change(p_message_id bigint, p_window_setting text)
returns public.messages
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.messages;
  v_window interval := pg_catalog.make_interval(mins => (private.setting(p_window_setting))::integer);
begin
  select * into v_row from public.messages m where m.id = p_message_id for update;
  if not found or private.conversation_actor(v_row.conversation_id) is null then
    perform private.raise_error('HL512');
  end if;
  if v_row.sender_id is distinct from v_uid then
    perform private.raise_error('HL513');
  end if;
  if v_row.deleted_at is not null then
    perform private.raise_error('HL515');
  end if;
  if private.now() > v_row.created_at + v_window then
    perform private.raise_error('HL514', pg_catalog.format('until %s', v_row.created_at + v_window));
  end if;
  return v_row;
end;
$$;
comment on function private.own_message_for_change(bigint, text) is
  'Locks the caller''s own message for an edit or delete: HL512 unseen, HL513 not theirs, HL515 deleted, HL514 past the window.';

create or replace function public.edit_message(p_message_id bigint, p_body text)
returns public.messages
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.messages := private.own_message_for_change(p_message_id, 'messaging.edit_window_minutes');
begin
  if v_row.kind not in ('text', 'image') then
    perform private.raise_error('HL509', 'only text messages and image captions can be edited');
  end if;
  perform private.check_message_body(p_body, v_row.kind = 'text');
  update public.messages m
     set body = nullif(pg_catalog.btrim(p_body), ''), edited_at = private.now()
   where m.id = v_row.id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.edit_message(bigint, text) is
  'Edits the caller''s own text message (or image caption) within messaging.edit_window_minutes.';

create or replace function public.delete_message(p_message_id bigint)
returns public.messages
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.messages := private.own_message_for_change(p_message_id, 'messaging.delete_window_minutes');
begin
  update public.messages m set deleted_at = private.now() where m.id = v_row.id returning * into v_row;
  v_row.body := null;
  v_row.attachment_path := null;
  v_row.payload := null;
  return v_row;
end;
$$;
comment on function public.delete_message(bigint) is
  'Soft-deletes the caller''s own message within messaging.delete_window_minutes: participants see a tombstone; the row and '
  'its content stay for moderation.';

------------------------------------------------------------------------------------------------
-- Read receipts, archive, mute
------------------------------------------------------------------------------------------------
create or replace function public.mark_read(p_conversation_id uuid, p_message_id bigint default null)
returns public.conversation_participants
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_me uuid;
  v_upto bigint;
  v_row public.conversation_participants;
begin
  perform private.require_uid();
  v_me := private.conversation_actor(p_conversation_id);
  if v_me is null then
    perform private.raise_error('HL500');
  end if;
  if p_message_id is null then
    select c.last_message_id into v_upto from public.conversations c where c.id = p_conversation_id;
  else
    select m.id into v_upto from public.messages m where m.id = p_message_id and m.conversation_id = p_conversation_id;
    if not found then
      perform private.raise_error('HL512', 'not a message of this conversation');
    end if;
  end if;
  select * into v_row from public.conversation_participants p
   where p.conversation_id = p_conversation_id and p.user_id = v_me for update;
  if not found then
    perform private.raise_error('HL501');
  end if;
  -- Receipts only move forward.
  if v_upto is not null and (v_row.last_read_message_id is null or v_upto > v_row.last_read_message_id) then
    update public.conversation_participants p
       set last_read_message_id = v_upto, last_read_at = private.now(),
           unread_count = (select pg_catalog.count(*)::integer from public.messages m
                            where m.conversation_id = p_conversation_id and m.id > v_upto
                              and m.author_id is distinct from v_me and m.deleted_at is null)
     where p.conversation_id = p_conversation_id and p.user_id = v_me
    returning * into v_row;
  end if;
  return v_row;
end;
$$;
comment on function public.mark_read(uuid, bigint) is
  'Marks the conversation read up to p_message_id (default: its last message) for the caller (or the participant their '
  'business answers for): the read receipt the other side sees; unread_count recounted. Never moves backwards.';

create or replace function private.own_participant_row(p_conversation_id uuid)
returns public.conversation_participants
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.conversation_participants;
begin
  select * into v_row from public.conversation_participants p
   where p.conversation_id = p_conversation_id and p.user_id = v_uid for update;
  if not found then
    if private.conversation_actor(p_conversation_id) is not null then
      perform private.raise_error('HL501', 'archive and mute are for the participants themselves');
    end if;
    perform private.raise_error('HL500');
  end if;
  return v_row;
end;
$$;
comment on function private.own_participant_row(uuid) is 'The caller''s own participant row, locked (HL500 / HL501 otherwise).';

create or replace function public.archive_conversation(p_conversation_id uuid, p_archived boolean default true)
returns public.conversation_participants
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.conversation_participants := private.own_participant_row(p_conversation_id);
begin
  update public.conversation_participants p
     set archived_at = case when coalesce(p_archived, true) then coalesce(p.archived_at, private.now()) end
   where p.conversation_id = v_row.conversation_id and p.user_id = v_row.user_id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.archive_conversation(uuid, boolean) is
  'Archives (or with p_archived false, restores) a conversation in the caller''s inbox; a new message restores it.';

create or replace function public.mute_conversation(p_conversation_id uuid, p_until timestamptz default null)
returns public.conversation_participants
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.conversation_participants := private.own_participant_row(p_conversation_id);
begin
  if p_until is not null and (p_until <= private.now() or p_until > private.now() + interval '1 year') then
    perform private.raise_error('HL521', p_until::text);
  end if;
  update public.conversation_participants p set muted_until = p_until
   where p.conversation_id = v_row.conversation_id and p.user_id = v_row.user_id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.mute_conversation(uuid, timestamptz) is
  'Mutes the conversation''s notifications for the caller until p_until (at most a year ahead); null unmutes.';

------------------------------------------------------------------------------------------------
-- Blocks
------------------------------------------------------------------------------------------------
create or replace function public.block_user(p_user_id uuid)
returns public.user_blocks
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.user_blocks;
begin
  if p_user_id = v_uid then
    perform private.raise_error('HL520');
  end if;
  if p_user_id is null or not exists (select 1 from public.profiles p where p.id = p_user_id) then
    perform private.raise_error('HL114', 'p_user_id');
  end if;
  insert into public.user_blocks (blocker_id, blocked_id, created_at) values (v_uid, p_user_id, private.now())
  on conflict (blocker_id, blocked_id) do nothing;
  select * into v_row from public.user_blocks b where b.blocker_id = v_uid and b.blocked_id = p_user_id;
  return v_row;
end;
$$;
comment on function public.block_user(uuid) is
  'Blocks a user (idempotent): they can no longer start conversations with or message the caller, nor receive the caller''s '
  'realtime broadcasts or presence; the caller cannot message them until unblock_user.';

create or replace function public.unblock_user(p_user_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_found boolean;
begin
  delete from public.user_blocks b where b.blocker_id = v_uid and b.blocked_id = p_user_id;
  v_found := found;
  return v_found;
end;
$$;
comment on function public.unblock_user(uuid) is 'Lifts the caller''s block of a user; true when there was one.';

revoke all on function
  private.ensure_conversation(text, uuid, uuid, uuid, uuid, uuid, uuid),
  private.direct_allowed(uuid, uuid),
  private.check_not_blocked(uuid, uuid),
  private.check_message_body(text, boolean),
  private.check_offer_payload(jsonb),
  private.own_message_for_change(bigint, text),
  private.own_participant_row(uuid),
  public.start_conversation(text, uuid, uuid),
  public.send_message(uuid, text, text, text, jsonb, text),
  public.edit_message(bigint, text),
  public.delete_message(bigint),
  public.mark_read(uuid, bigint),
  public.archive_conversation(uuid, boolean),
  public.mute_conversation(uuid, timestamptz),
  public.block_user(uuid),
  public.unblock_user(uuid)
  from public, anon, authenticated, service_role;
grant execute on function
  public.start_conversation(text, uuid, uuid),
  public.send_message(uuid, text, text, text, jsonb, text),
  public.edit_message(bigint, text),
  public.delete_message(bigint),
  public.mark_read(uuid, bigint),
  public.archive_conversation(uuid, boolean),
  public.mute_conversation(uuid, timestamptz),
  public.block_user(uuid),
  public.unblock_user(uuid)
  to authenticated;
