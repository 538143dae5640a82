-- Module: live (registrations)
-- What the live module puts into earlier modules' registries and tables: the realtime topic family
-- stream:<id> (core), the report targets stream and stream_comment (trust), the trigger that takes
-- a suspended seller off the air (trust's user_suspensions), and the account deletion step (identity).

------------------------------------------------------------------------------------------------
-- Realtime: stream:<id> (core's registry)
------------------------------------------------------------------------------------------------
create or replace function private.stream_topic_allows(p_topic text, p_extension text, p_operation text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id text := pg_catalog.substr(p_topic, pg_catalog.length('stream:') + 1);
  v_uid uuid := (select auth.uid());
  v_row public.streams;
begin
  if p_topic not like 'stream:%' or v_uid is null
     or v_id !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    return false;
  end if;
  select * into v_row from public.streams s where s.id = v_id::uuid;
  if not found then
    return false;
  end if;
  -- The seller reads, broadcasts (control events) and tracks presence on their stream.
  if v_row.seller_id = v_uid then
    return true;
  end if;
  if v_row.hidden_at is not null or private.blocked_by_seller(v_row.seller_id, v_uid) then
    return false;
  end if;
  if p_operation = 'read' then
    -- Viewers wait on a scheduled stream's topic (stream.status tells them it started) and watch a live one.
    return v_row.status in ('scheduled', 'live') and p_extension in ('broadcast', 'presence');
  end if;
  -- Viewers track presence on a live stream; only the seller and the database broadcast.
  return p_operation = 'write' and p_extension = 'presence' and v_row.status = 'live';
end;
$$;
comment on function private.stream_topic_allows(text, text, text) is
  'Realtime rule of stream:<id> topics: the seller reads and writes; other signed-in users not blocked by the seller read '
  'broadcasts and presence of a visible scheduled or live stream and track presence on a live one; only the seller and '
  'the database broadcast.';
revoke all on function private.stream_topic_allows(text, text, text) from public, anon, authenticated, service_role;

insert into private.realtime_topics (prefix, module, handler, description) values
  ('stream', 'live', 'private.stream_topic_allows(text, text, text)',
   'A live stream: viewers'' presence, comments, pinned products and status (comment.*, product.*, stream.status).')
on conflict (prefix) do update
  set module = excluded.module, handler = excluded.handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Trust's report targets: stream, stream_comment
------------------------------------------------------------------------------------------------
create or replace function private.stream_report_owner(p_stream_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select s.seller_id from public.streams s
   where s.id = p_stream_id and (private.stream_readable(s) or private.moderation_sees_all());
$$;
comment on function private.stream_report_owner(uuid) is
  'Report target stream: the seller; null when the stream does not exist or the caller cannot see it.';

create or replace function private.set_stream_hidden(p_stream_id uuid, p_hidden boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  update public.streams s
     set hidden_at = case when p_hidden then coalesce(s.hidden_at, private.now()) end
   where s.id = p_stream_id and (s.hidden_at is not null) is distinct from p_hidden
  returning s.status into v_status;
  -- Hiding takes a live stream off the air (restoring does not put it back on).
  if p_hidden and v_status = 'live' then
    perform private.apply_stream_transition(p_stream_id, 'end', 'system', null, 'hidden by moderation');
  end if;
end;
$$;
comment on function private.set_stream_hidden(uuid, boolean) is
  'Report target stream: hides (out of every public read; a live stream ends) or restores the stream; idempotent.';

create or replace function private.stream_comment_report_owner(p_comment_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select c.author_id from public.stream_comments c
   where c.id = p_comment_id
     and ((c.hidden_at is null and private.stream_id_readable(c.stream_id)) or c.author_id = (select auth.uid())
          or private.moderation_sees_all());
$$;
comment on function private.stream_comment_report_owner(uuid) is
  'Report target stream_comment: the author; null when the comment does not exist or the caller cannot see it.';

create or replace function private.set_stream_comment_hidden(p_comment_id uuid, p_hidden boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.stream_comments;
begin
  update public.stream_comments c
     set hidden_at = case when p_hidden then coalesce(c.hidden_at, private.now()) end
   where c.id = p_comment_id and (c.hidden_at is not null) is distinct from p_hidden
  returning * into v_row;
  if found then
    perform realtime.send(pg_catalog.jsonb_build_object('comment', private.stream_comment_json(v_row)),
      case when p_hidden then 'comment.hidden' else 'comment.restored' end, 'stream:' || v_row.stream_id::text, true);
  end if;
end;
$$;
comment on function private.set_stream_comment_hidden(uuid, boolean) is
  'Report target stream_comment: hides or restores the comment (comment.hidden / comment.restored on the stream''s topic); idempotent.';
revoke all on function private.stream_report_owner(uuid), private.set_stream_hidden(uuid, boolean),
  private.stream_comment_report_owner(uuid), private.set_stream_comment_hidden(uuid, boolean)
  from public, anon, authenticated, service_role;

insert into private.report_targets (kind, module, owner_handler, hide_handler, description) values
  ('stream', 'live', 'private.stream_report_owner(uuid)', 'private.set_stream_hidden(uuid, boolean)',
   'A live selling stream (streams.hidden_at: out of every public read, its topic closed to viewers; a live one ends).'),
  ('stream_comment', 'live', 'private.stream_comment_report_owner(uuid)', 'private.set_stream_comment_hidden(uuid, boolean)',
   'A live comment (stream_comments.hidden_at: unreadable but to its author; comment.hidden is broadcast).')
on conflict (kind) do update
  set module = excluded.module, owner_handler = excluded.owner_handler, hide_handler = excluded.hide_handler,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Suspension: a suspended seller goes off the air
------------------------------------------------------------------------------------------------
create or replace function private.end_streams_of_suspended()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_stream record;
begin
  if new.starts_at > private.now() or new.ended_at is not null then
    return null;
  end if;
  for v_stream in
    select s.id, s.status from public.streams s where s.seller_id = new.user_id and s.status in ('scheduled', 'live')
  loop
    perform private.apply_stream_transition(v_stream.id, case when v_stream.status = 'live' then 'end' else 'cancel' end,
                                            'system', null, 'seller suspended');
  end loop;
  return null;
end;
$$;
comment on function private.end_streams_of_suspended() is
  'AFTER INSERT on user_suspensions (in force now): the user''s live streams end and scheduled ones are cancelled.';
revoke all on function private.end_streams_of_suspended() from public, anon, authenticated, service_role;

create or replace trigger user_suspensions_end_streams
  after insert on public.user_suspensions
  for each row execute function private.end_streams_of_suspended();

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 1400)
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_live(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_stream record;
begin
  for v_stream in
    select s.id, s.status from public.streams s where s.seller_id = p_user_id and s.status in ('scheduled', 'live')
  loop
    perform private.apply_stream_transition(v_stream.id, case when v_stream.status = 'live' then 'end' else 'cancel' end,
                                            'system', null, 'account deleted');
  end loop;
  delete from private.stream_ingest i where i.stream_id in (select s.id from public.streams s where s.seller_id = p_user_id);
  update public.streams s set thumbnail_path = null where s.seller_id = p_user_id and s.thumbnail_path is not null;
  -- Their watching and comments go (viewer_count and comment_count follow; total_views is history and stays).
  delete from private.stream_viewers v where v.user_id = p_user_id;
  delete from public.stream_comments c where c.author_id = p_user_id;
end;
$$;
comment on function private.delete_account_live(uuid) is
  'Account deletion (live, position 1400): the user''s live streams end and scheduled ones are cancelled, their stream '
  'keys and thumbnails go; their viewer rows and comments are deleted (counters follow).';
revoke all on function private.delete_account_live(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_live(uuid)', 1400, 'live',
   'End or cancel the seller''s streams and drop their stream keys; delete the user''s viewer rows and comments.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
