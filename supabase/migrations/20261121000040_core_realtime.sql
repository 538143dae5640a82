-- Module: core (realtime access)
-- Who may receive and send on Supabase Realtime's private channels. Realtime authorises a private
-- channel with the row level security of realtime.messages: on join it probes a SELECT as the user
-- (may receive) and, on the first broadcast or presence track, an INSERT (may send). Every topic
-- family belongs to a module, named by the topic's prefix (`conversation:<id>`, `booking:<id>`,
-- `user:<id>`); the module registers here a rule (p_topic text, p_extension text, p_operation text)
-- returning boolean, where p_extension is 'broadcast' or 'presence' and p_operation 'read' or
-- 'write'. The two policies below ask the rule of the topic's prefix, so a module adds a topic
-- family without touching another module's rules (Supabase lints more than one permissive policy
-- per role and action, which is why the policies are shared). Topics without a registered prefix
-- are closed to everyone but the service role.

create table private.realtime_topics (
  prefix text primary key check (prefix ~ '^[a-z][a-z0-9_]*$'),
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  -- A signature such as 'private.conversation_topic_allows(text, text, text)'.
  handler text not null,
  description text not null
);
comment on table private.realtime_topics is
  'Private Realtime topic families by prefix (the text before the first '':''), with the rule handler(topic, extension, '
  'operation) that decides whether the calling user may read (receive) or write (send, track presence) there. The '
  'realtime.messages policies read it.';

create or replace trigger realtime_topics_check_handler
  before insert or update on private.realtime_topics
  for each row execute function private.check_registry_handler('text, text, text', 'boolean');

create or replace function private.realtime_allows(p_topic text, p_extension text, p_operation text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_rule record;
  v_allowed boolean;
begin
  if (select auth.uid()) is null or p_topic is null or pg_catalog.strpos(p_topic, ':') = 0 then
    return false;
  end if;
  select n.nspname::text as nsp, p.proname::text as fn into v_rule
    from private.realtime_topics t
    join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(t.handler)
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace
   where t.prefix = pg_catalog.split_part(p_topic, ':', 1);
  if not found then
    return false;
  end if;
  execute pg_catalog.format('select %I.%I($1, $2, $3)', v_rule.nsp, v_rule.fn)
    into v_allowed using p_topic, p_extension, p_operation;
  return coalesce(v_allowed, false);
end;
$$;
comment on function private.realtime_allows(text, text, text) is
  'True when the rule registered for the topic''s prefix in private.realtime_topics lets the calling user do p_operation '
  '(read, write) with p_extension (broadcast, presence) on p_topic. False without a user or a registered prefix.';
revoke all on function private.realtime_allows(text, text, text) from public, anon, authenticated, service_role;
grant execute on function private.realtime_allows(text, text, text) to authenticated, service_role;

-- Realtime probes one row per extension; the topic is both the row's and realtime.topic().
create policy "Users can receive on private topics open to them" on realtime.messages
  for select to authenticated
  using (topic = (select realtime.topic()) and private.realtime_allows(topic, extension, 'read'));

create policy "Users can send on private topics open to them" on realtime.messages
  for insert to authenticated
  with check (topic = (select realtime.topic()) and private.realtime_allows(topic, extension, 'write'));

------------------------------------------------------------------------------------------------
-- `user:<user id>`: each user's own topic (notifications, inbox changes): only that user receives;
-- nobody sends or tracks presence there but the database (realtime.send as the owner).
------------------------------------------------------------------------------------------------
create or replace function private.user_topic_allows(p_topic text, p_extension text, p_operation text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select p_operation = 'read' and p_extension = 'broadcast'
     and p_topic = 'user:' || (select auth.uid())::text;
$$;
comment on function private.user_topic_allows(text, text, text) is
  'Realtime rule of user:<id> topics: only that user receives broadcasts; nobody sends or tracks presence.';
revoke all on function private.user_topic_allows(text, text, text) from public, anon, authenticated, service_role;

insert into private.realtime_topics (prefix, module, handler, description) values
  ('user', 'core', 'private.user_topic_allows(text, text, text)', 'Each user''s own topic: notifications and inbox changes.');
