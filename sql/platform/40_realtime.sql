-- =================================================================================================
-- 40_realtime.sql -- LOCAL-ONLY platform shim: the database side of Supabase Realtime
-- (Broadcast/Presence authorization and database-sent broadcasts).
--
-- Never pushed to hosted Supabase: there the Realtime server creates and migrates schema realtime.
-- It cannot run in the docker-free local stack, so this recreates what a project's migrations,
-- policies and tests touch: realtime.messages, realtime.topic(), realtime.send(),
-- realtime.broadcast_changes().
--
-- Mirrors, in our own words (see shared/notes/supabase-platform.md):
--   * supabase/realtime tenant migrations 20240523004032 (realtime.topic()), 20240919163303
--     (broadcast_changes), 20241030150047 / 20241108114728 (messages partitioned by day on
--     inserted_at, primary key (id, inserted_at)), 20260514120000 (binary_payload),
--     20260605120000 (send() only WARNs on failure), 20260603120000 (send_binary), 20250905041441
--     (replay index); the tenant schema export priv/repo/tenant_schema/realtime (payload/binary
--     check constraint);
--   * supabase/postgres init script 00000000000003-realtime-schema and migration 20260506172403
--     (schema owned by supabase_admin, postgres: USAGE with grant option and no CREATE);
--   * a 2026 hosted schema dump (owner supabase_realtime_admin, ACLs, default privileges).
--
-- Partitions: like the Realtime server (lib/realtime/tenants.ex create_messages_partitions, run when
-- it connects to a project and by its janitor every few hours), daily partitions
-- realtime.messages_YYYY_MM_DD from yesterday to three days ahead (UTC), owned by
-- supabase_realtime_admin; no DEFAULT partition, so a row for a day without a partition fails as it
-- does on hosted. The local Realtime server (platform/realtime) keeps creating them ahead and drops
-- the ones older than 72 hours, as the janitor does; this file creates them too so that
-- realtime.send() works before that server has started (pgTAP, scripts).
--
-- Publication: supabase_realtime_messages_publication FOR TABLE realtime.messages, owned by
-- supabase_realtime_admin, as the Realtime server creates it for "Broadcast from Database"
-- (lib/realtime/tenants/replication_connection.ex); its replication slot is temporary and belongs
-- to the running server.
--
-- Policies: on hosted, supautils lets postgres manage policies on realtime.messages without owning
-- it; locally safeupdate.so (supautils_shim.c) does the same.
--
-- Applied by supabase_admin to each database, after 30_storage.sql. Re-runnable.
-- =================================================================================================
set client_min_messages = warning;

create schema if not exists realtime;
alter schema realtime owner to supabase_admin;
grant usage on schema realtime to postgres with grant option;
grant usage on schema realtime to anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;
revoke create on schema realtime from postgres;

-- Realtime evaluates policies that call auth.* helpers.
grant usage on schema auth to supabase_realtime_admin;
grant execute on all functions in schema auth to supabase_realtime_admin;

alter default privileges for role supabase_admin in schema realtime
  grant references, delete, trigger, truncate, update on tables to postgres;
alter default privileges for role supabase_admin in schema realtime
  grant select, insert on tables to postgres with grant option;
alter default privileges for role supabase_admin in schema realtime
  grant all on tables to dashboard_user;
alter default privileges for role supabase_admin in schema realtime
  grant all on sequences to postgres, dashboard_user;
alter default privileges for role supabase_admin in schema realtime
  grant all on functions to postgres, dashboard_user;

-- ------------------------------------------------------------------------------------------------
-- realtime.messages: one row per Broadcast message; SELECT policies decide who may receive on a
-- private channel, INSERT policies who may send.
-- ------------------------------------------------------------------------------------------------
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_pkey primary key (id, inserted_at)
) partition by range (inserted_at);

alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages enable row level security;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_constraint
                  where conname = 'messages_payload_exclusive' and conrelid = 'realtime.messages'::regclass) then
    alter table realtime.messages
      add constraint messages_payload_exclusive check (payload is null or binary_payload is null) not valid;
  end if;
end
$$;

-- Replay of stored broadcasts (private channels) reads the newest rows of a topic.
create index if not exists messages_inserted_at_topic_index on realtime.messages
  using btree (inserted_at desc, topic) where extension = 'broadcast' and private is true;

-- Earlier versions of this shim had a DEFAULT partition; its rows were transient broadcasts.
drop table if exists realtime.messages_default;

-- Daily partitions, yesterday to three days ahead (UTC), as the Realtime server creates them.
do $$
declare
  day date;
  name text;
begin
  for day in
    select d::date
      from generate_series((now() at time zone 'utc')::date - 1, (now() at time zone 'utc')::date + 3,
                           interval '1 day') d
  loop
    name := 'messages_' || to_char(day, 'YYYY_MM_DD');
    execute format('create table if not exists realtime.%I partition of realtime.messages for values from (%L) to (%L)',
                   name, day, day + 1);
    execute format('alter table realtime.%I owner to supabase_realtime_admin', name);
  end loop;
end
$$;

grant select, insert, update on realtime.messages to anon, authenticated, service_role;
grant references, delete, trigger, truncate, update on realtime.messages to postgres;
grant select, insert on realtime.messages to postgres with grant option;
grant all on realtime.messages to dashboard_user;

-- ------------------------------------------------------------------------------------------------
-- Functions (owned by supabase_realtime_admin, invoker's rights, EXECUTE for everybody).
-- ------------------------------------------------------------------------------------------------

-- The channel topic Realtime is authorizing (it sets realtime.topic before probing the policies).
create or replace function realtime.topic()
returns text
language sql
stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

-- Broadcast `payload` as `event` on `topic` from the database. Adds an `id` to the payload when it
-- has none. Runs with the caller's rights: the caller needs INSERT on realtime.messages and a
-- matching INSERT policy (or BYPASSRLS). Never fails the caller's transaction: any error is only
-- reported as a WARNING.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  message_id uuid := gen_random_uuid();
  body jsonb;
begin
  begin
    if payload ? 'id' then
      body := payload;
    else
      body := jsonb_set(payload, '{id}', to_jsonb(message_id));
    end if;

    -- Same as SET LOCAL realtime.topic: policies see the topic through realtime.topic().
    perform set_config('realtime.topic', topic, true);

    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (message_id, body, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$$;

-- Broadcast raw bytes (binary_payload) as `event` on `topic`; same rules as send().
create or replace function realtime.send_binary(payload bytea, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  message_id uuid := gen_random_uuid();
begin
  begin
    perform set_config('realtime.topic', topic, true);

    insert into realtime.messages (id, binary_payload, event, topic, private, extension)
    values (message_id, payload, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$$;

-- Row-trigger helper: broadcasts {old_record, record, operation, table, schema} privately.
create or replace function realtime.broadcast_changes(
  topic_name text,
  event_name text,
  operation text,
  table_name text,
  table_schema text,
  new record,
  old record,
  level text default 'ROW'
)
returns void
language plpgsql
as $$
declare
  row_data jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation in ('INSERT', 'UPDATE', 'DELETE') then
    row_data := jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
                                   'table', table_name, 'schema', table_schema);
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception when others then
  raise exception 'Failed to process the row: %', sqlerrm;
end
$$;

alter function realtime.topic() owner to supabase_realtime_admin;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.send_binary(bytea, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  owner to supabase_realtime_admin;
grant all on function realtime.topic() to postgres, dashboard_user;
grant all on function realtime.send(jsonb, text, text, boolean) to postgres, dashboard_user;
grant all on function realtime.send_binary(bytea, text, text, boolean) to postgres, dashboard_user;
grant all on function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to postgres, dashboard_user;

-- ------------------------------------------------------------------------------------------------
-- Broadcast from Database: the publication the Realtime server streams realtime.messages from
-- (pgoutput, temporary slot). Partitions publish under their own names (messages_YYYY_MM_DD).
-- ------------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime_messages_publication') then
    create publication supabase_realtime_messages_publication for table realtime.messages;
  end if;
end
$$;
alter publication supabase_realtime_messages_publication owner to supabase_realtime_admin;
