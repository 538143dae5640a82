-- Module: messaging (reads)
-- inbox (keyset pages of conversations by last activity) and history (messages before or after a
-- cursor). Deleted messages come back as tombstones: id, kind, author, times, no content.

create or replace function private.message_json(p_message public.messages)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p_message.id,
    'conversation_id', p_message.conversation_id,
    'author_id', p_message.author_id,
    'sender_id', p_message.sender_id,
    'kind', p_message.kind,
    'body', case when p_message.deleted_at is null and p_message.hidden_at is null then p_message.body end,
    'attachment_path', case when p_message.deleted_at is null and p_message.hidden_at is null then p_message.attachment_path end,
    'payload', case when p_message.deleted_at is null and p_message.hidden_at is null then p_message.payload end,
    'client_key', p_message.client_key,
    'created_at', p_message.created_at,
    'edited_at', p_message.edited_at,
    'deleted_at', p_message.deleted_at,
    'hidden', p_message.hidden_at is not null);
$$;
comment on function private.message_json(public.messages) is
  'A message as participants see it (API answers and realtime payloads): content withheld once deleted or hidden by moderation.';

------------------------------------------------------------------------------------------------
-- inbox
------------------------------------------------------------------------------------------------
create or replace function public.inbox(
  p_limit integer default 20,
  p_cursor text default null,
  p_archived boolean default false,
  p_business_id uuid default null
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_max integer := (private.setting('messaging.max_page_size'))::integer;
  v_at timestamptz;
  v_id uuid;
  v_items jsonb;
  v_count integer;
begin
  if p_limit is null or p_limit < 1 or p_limit > v_max then
    perform private.raise_error('HL256', pg_catalog.format('p_limit: 1 to %s', v_max));
  end if;
  if p_cursor is not null then
    if p_cursor !~ '^[0-9]{1,20}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      perform private.raise_error('HL007');
    end if;
    v_at := pg_catalog.to_timestamp(pg_catalog.split_part(p_cursor, '_', 1)::numeric / 1000000);
    v_id := pg_catalog.split_part(p_cursor, '_', 2)::uuid;
  end if;
  if p_business_id is not null and coalesce(private.business_role(p_business_id), '') not in ('owner', 'manager') then
    perform private.raise_error('HL111', 'owners and managers read a business''s conversations');
  end if;

  with page as (
    -- A user's own conversations: one range of conversation_participants_inbox_idx.
    select p.*, c.context_kind, c.context_id, c.business_id, c.last_message_id,
           case when c.user_low = p.user_id then c.user_high else c.user_low end as other_id
      from public.conversation_participants p
      join public.conversations c on c.id = p.conversation_id
     where p_business_id is null
       and p.user_id = v_uid
       and (p.archived_at is not null) = coalesce(p_archived, false)
       and (v_at is null or (p.last_activity_at, p.conversation_id) < (v_at, v_id))
     order by p.last_activity_at desc, p.conversation_id desc
     limit p_limit + 1
  ), business_page as (
    -- A business's conversations, seen from the participant it answers for.
    select p.*, c.context_kind, c.context_id, c.business_id, c.last_message_id,
           case when c.user_low = p.user_id then c.user_high else c.user_low end as other_id
      from public.conversations c
      join public.conversation_participants p on p.conversation_id = c.id and p.user_id = c.business_user_id
     where p_business_id is not null
       and c.business_id = p_business_id
       and (p.archived_at is not null) = coalesce(p_archived, false)
       and (v_at is null or (c.last_activity_at, c.id) < (v_at, v_id))
     order by c.last_activity_at desc, c.id desc
     limit p_limit + 1
  ), candidates as (
    select * from page union all select * from business_page
  )
  select pg_catalog.count(*)::integer,
         coalesce(pg_catalog.jsonb_agg(item order by r_at desc, r_id desc) filter (where rn <= p_limit), '[]'::jsonb)
    into v_count, v_items
    from (
      select r.last_activity_at as r_at, r.conversation_id as r_id,
             pg_catalog.row_number() over (order by r.last_activity_at desc, r.conversation_id desc) as rn,
             pg_catalog.jsonb_build_object(
               'conversation_id', r.conversation_id,
               'context_kind', r.context_kind,
               'context_id', r.context_id,
               'business_id', r.business_id,
               'as_user_id', r.user_id,
               'other', (select pg_catalog.jsonb_build_object('id', pr.id, 'username', pr.username,
                                                              'full_name', pr.full_name, 'avatar_path', pr.avatar_path,
                                                              'deleted', pr.deleted_at is not null)
                           from public.profiles pr where pr.id = r.other_id),
               'other_last_read_message_id', (select o.last_read_message_id from public.conversation_participants o
                                                where o.conversation_id = r.conversation_id and o.user_id = r.other_id),
               'last_message', (select private.message_json(m) from public.messages m where m.id = r.last_message_id),
               'unread_count', r.unread_count,
               'last_read_message_id', r.last_read_message_id,
               'archived', r.archived_at is not null,
               'muted_until', r.muted_until,
               'last_activity_at', r.last_activity_at,
               'cursor', pg_catalog.floor(extract(epoch from r.last_activity_at) * 1000000)::bigint::text || '_' || r.conversation_id::text
             ) as item
        from candidates r
    ) x;

  return pg_catalog.jsonb_build_object(
    'items', v_items,
    'next_cursor', case when v_count > p_limit then v_items -> (p_limit - 1) ->> 'cursor' end);
end;
$$;
comment on function public.inbox(integer, text, boolean, uuid) is
  'The caller''s conversations (or, with p_business_id, a business''s, for its owners and managers), most recent activity '
  'first, in keyset pages: {items: [{conversation_id, context_kind, context_id, other (public profile), last_message, '
  'unread_count, last_read_message_id, other_last_read_message_id, archived, muted_until, last_activity_at, cursor}], '
  'next_cursor}. p_archived lists the archive.';

------------------------------------------------------------------------------------------------
-- history
------------------------------------------------------------------------------------------------
create or replace function public.history(
  p_conversation_id uuid,
  p_before bigint default null,
  p_after bigint default null,
  p_limit integer default 50
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_max integer := (private.setting('messaging.max_page_size'))::integer;
  v_items jsonb;
begin
  if private.conversation_actor(p_conversation_id) is null then
    perform private.raise_error('HL500');
  end if;
  if p_limit is null or p_limit < 1 or p_limit > v_max then
    perform private.raise_error('HL256', pg_catalog.format('p_limit: 1 to %s', v_max));
  end if;
  if p_before is not null and p_after is not null then
    perform private.raise_error('HL007', 'give p_before or p_after, not both');
  end if;

  -- The message shape of private.message_json, written out: a function call per row (its SET
  -- search_path prevents inlining) costs more than the page itself.
  if p_after is not null then
    -- Newer messages, oldest first (catching up).
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'id', m.id, 'conversation_id', m.conversation_id, 'author_id', m.author_id, 'sender_id', m.sender_id,
             'kind', m.kind, 'body', case when m.deleted_at is null and (m.hidden_at is null or m.sender_id = v_uid) then m.body end,
             'attachment_path', case when m.deleted_at is null and (m.hidden_at is null or m.sender_id = v_uid) then m.attachment_path end,
             'payload', case when m.deleted_at is null and (m.hidden_at is null or m.sender_id = v_uid) then m.payload end,
             'client_key', m.client_key, 'created_at', m.created_at, 'edited_at', m.edited_at, 'deleted_at', m.deleted_at,
             'hidden', m.hidden_at is not null) order by m.id), '[]'::jsonb) into v_items
      from (select * from public.messages m
             where m.conversation_id = p_conversation_id and m.id > p_after
             order by m.id limit p_limit + 1) m;
  else
    -- The page before the cursor (or the latest page), newest first.
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'id', m.id, 'conversation_id', m.conversation_id, 'author_id', m.author_id, 'sender_id', m.sender_id,
             'kind', m.kind, 'body', case when m.deleted_at is null and (m.hidden_at is null or m.sender_id = v_uid) then m.body end,
             'attachment_path', case when m.deleted_at is null and (m.hidden_at is null or m.sender_id = v_uid) then m.attachment_path end,
             'payload', case when m.deleted_at is null and (m.hidden_at is null or m.sender_id = v_uid) then m.payload end,
             'client_key', m.client_key, 'created_at', m.created_at, 'edited_at', m.edited_at, 'deleted_at', m.deleted_at,
             'hidden', m.hidden_at is not null) order by m.id desc), '[]'::jsonb) into v_items
      from (select * from public.messages m
             where m.conversation_id = p_conversation_id and (p_before is null or m.id < p_before)
             order by m.id desc limit p_limit + 1) m;
  end if;
  -- One row more than asked tells whether there is more; it is not returned.
  return pg_catalog.jsonb_build_object(
    'items', case when pg_catalog.jsonb_array_length(v_items) > p_limit then v_items - p_limit else v_items end,
    'has_more', pg_catalog.jsonb_array_length(v_items) > p_limit);
end;
$$;
comment on function public.history(uuid, bigint, bigint, integer) is
  'Messages of a conversation the caller takes part in (or answers for): p_before a message id gives the page before it, '
  'newest first (none: the latest page); p_after gives newer messages, oldest first. {items, has_more}; deleted messages '
  'are tombstones (no body, attachment or payload), and so are messages hidden by moderation except for their sender '
  '(hidden: true).';

revoke all on function
  private.message_json(public.messages),
  public.inbox(integer, text, boolean, uuid),
  public.history(uuid, bigint, bigint, integer)
  from public, anon, authenticated, service_role;
grant execute on function
  public.inbox(integer, text, boolean, uuid),
  public.history(uuid, bigint, bigint, integer)
  to authenticated;
