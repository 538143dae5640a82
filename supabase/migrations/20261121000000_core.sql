-- Module: core
-- What every module uses: extensions, the privilege defaults, the non-exposed `private` schema,
-- the updated_at trigger, a freezable clock, runtime settings, the error-code registry with its
-- raise/return helpers, guards, and the check that keeps every module's extension registry
-- (a table of handler functions another module owns) well-formed. The notifications outbox,
-- rate limits and storage folder rules follow in core's other files.
--
-- Runs as the non-superuser `postgres` role, on hosted Supabase and on the local stack alike.
-- Nothing is deployed yet, so every migration holds its objects in their final form; from the
-- first production release on, migrations are add-only.
------------------------------------------------------------------------------------------------
-- Extensions (Supabase keeps them out of `public`; pg_cron always lives in pg_catalog/cron).
------------------------------------------------------------------------------------------------
create extension if not exists pgcrypto with schema extensions;
create extension if not exists postgis with schema extensions;
create extension if not exists pg_cron with schema pg_catalog;

------------------------------------------------------------------------------------------------
-- Privileges: every module revokes, then grants exactly what it means.
--
-- Supabase projects created before the 2026 Data API change (and projects with
-- `auto_expose_new_tables` on) grant ALL on every new table, sequence and function in public to
-- anon, authenticated and service_role; newer projects grant nothing. The migrations must give the
-- same result on both, so they never rely on either default:
--   * here, the statements the Supabase CLI runs for new projects take the Data API defaults back
--     for whatever the migration role creates in public from now on;
--   * PostgreSQL grants EXECUTE on every new function to PUBLIC; nothing this project creates is
--     callable until a migration grants it to a named role (only the global default can take
--     this away: per-schema defaults can add privileges, never remove them);
--   * each module revokes all privileges of anon, authenticated and service_role (and PUBLIC, for
--     functions) on its own tables, sequences and functions right before granting them, so a
--     grant handed out by any other default is gone too. service_role bypasses RLS but not
--     privileges: it is granted explicitly wherever it needs access.
-- The privilege matrix test (tests/schema/privileges.test.ts) checks the result on both kinds of
-- project against a reviewed list.
------------------------------------------------------------------------------------------------
alter default privileges for role postgres in schema public
  revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke execute on functions from anon, authenticated, service_role;
alter default privileges for role postgres revoke execute on functions from public;

create schema if not exists private;
comment on schema private is
  'Internal helpers, triggers and tables of Hyperlocal. Not exposed through the Data API.';
revoke all on schema private from public;
-- Policies evaluated for API roles may call helpers here, so the roles need USAGE; each
-- function is still granted one by one.
grant usage on schema private to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- updated_at
------------------------------------------------------------------------------------------------
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
comment on function private.set_updated_at() is
  'BEFORE UPDATE trigger: stamps updated_at with the transaction time.';

------------------------------------------------------------------------------------------------
-- The clock. Domain logic reads private.now() rather than now(), so tests can freeze time
-- (tests.freeze_time sets hyperlocal.frozen_now for the transaction). Columns keep
-- `default now()`: they record when a row was really written.
------------------------------------------------------------------------------------------------
-- PL/pgSQL rather than SQL: a SQL function with a SET clause is never inlined and is planned
-- again in every statement that calls it (about 0.1 ms); PL/pgSQL keeps its plan per session.
create or replace function private.now()
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
begin
  return coalesce(nullif(pg_catalog.current_setting('hyperlocal.frozen_now', true), '')::timestamptz, pg_catalog.now());
end;
$$;
comment on function private.now() is
  'Current time for domain logic: now(), unless a test froze the clock with hyperlocal.frozen_now.';
revoke all on function private.now() from public, anon, authenticated, service_role;
grant execute on function private.now() to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Runtime settings that operators tune without a migration (in Studio, as postgres).
------------------------------------------------------------------------------------------------
create table private.settings (
  key text primary key check (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
  value jsonb not null,
  description text not null,
  updated_at timestamptz not null default now()
);
comment on table private.settings is
  'Tunable parameters (expiry windows, limits, counts). Read with private.setting(key).';

create or replace trigger settings_set_updated_at
  before update on private.settings
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------------------------------
-- Error codes: one registry, documented in the README. Each code has a stable identifier
-- (HLnnn), an HTTP status and a message/hint a client developer can act on.
------------------------------------------------------------------------------------------------
create table private.error_codes (
  code text primary key check (code ~ '^HL[0-9]{3}$'),
  name text not null unique check (name ~ '^[a-z][a-z0-9_]*$'),
  http_status integer not null check (http_status between 400 and 599),
  message text not null,
  hint text
);
comment on table private.error_codes is
  'Stable error codes raised by private.raise_error; the README lists them for client developers.';

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL001', 'not_authenticated', 401, 'You must be signed in to do this.',
   'Send the user''s access token in the Authorization header.'),
  ('HL002', 'forbidden', 403, 'You are not allowed to do this.',
   'Only the owner of the resource or an operator can perform this action.'),
  ('HL003', 'not_found', 404, 'The requested resource does not exist.',
   'Check the id; it may have been deleted or you may not be allowed to see it.'),
  ('HL004', 'invalid_input', 400, 'The request contains an invalid value.',
   'See details for the offending field.'),
  ('HL005', 'conflict', 409, 'The request conflicts with the current state of the resource.',
   'Reload the resource and retry.'),
  ('HL006', 'rate_limited', 429, 'Too many requests.',
   'Wait before retrying; see details for when the limit resets.'),
  ('HL007', 'invalid_cursor', 400, 'The page cursor is invalid.',
   'Pass back the cursor of the last row of the previous page unchanged, or none for the first page.'),
  ('HL008', 'incomplete_location', 400, 'Give both latitude and longitude, or neither.',
   'Send p_lat and p_lng together.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

create or replace function private.raise_error(
  p_code text,
  p_details text default null,
  p_message text default null,
  p_hint text default null
)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_entry private.error_codes;
  v_message text;
  v_hint text;
begin
  select * into v_entry from private.error_codes where code = p_code;
  if not found then
    raise exception using
      errcode = 'XX000',
      message = pg_catalog.format('private.raise_error called with unknown error code %L', p_code);
  end if;

  v_message := coalesce(p_message, v_entry.message);
  v_hint := coalesce(p_hint, v_entry.hint);

  -- Inside a Data API request, PostgREST turns SQLSTATE 'PGRST' with JSON message/detail into
  -- exactly this HTTP status and body ({code, message, details, hint}).
  if coalesce(pg_catalog.current_setting('request.method', true), '') <> '' then
    raise sqlstate 'PGRST' using
      message = pg_catalog.json_build_object(
        'code', v_entry.code, 'message', v_message, 'details', p_details, 'hint', v_hint)::text,
      detail = pg_catalog.json_build_object(
        'status', v_entry.http_status, 'headers', pg_catalog.json_build_object())::text;
  end if;

  -- Everywhere else (SQL clients, pg_cron, edge functions over postgres.js, pgTAP) the code is
  -- the SQLSTATE itself.
  raise exception using
    errcode = v_entry.code,
    message = v_message,
    detail = coalesce(p_details, ''),
    hint = coalesce(v_hint, '');
end;
$$;
comment on function private.raise_error(text, text, text, text) is
  'Raises a registered error: SQLSTATE = code in SQL, HTTP status + {code,message,details,hint} through the Data API.';
revoke all on function
  private.raise_error(text, text, text, text)
  from public, anon, authenticated, service_role;
grant execute on function private.raise_error(text, text, text, text) to anon, authenticated, service_role;

-- Append-only tables (the audit log, the ledger): BEFORE UPDATE OR DELETE (row) and BEFORE
-- TRUNCATE (statement) triggers execute private.refuse_change('<error code>'), and the owner
-- makes them fire always (`alter table ... enable always trigger ...`), so neither the API roles,
-- the owner nor a replica-mode session can change a row.
create or replace function private.refuse_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.raise_error(tg_argv[0], pg_catalog.format('%s on %s', tg_op, tg_table_name));
  return null;
end;
$$;
comment on function private.refuse_change() is
  'Trigger for append-only tables: refuses UPDATE, DELETE and TRUNCATE with the registered error code given as its argument.';
revoke all on function private.refuse_change() from public, anon, authenticated, service_role;

create or replace function private.setting(p_key text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_value jsonb;
begin
  select s.value into v_value from private.settings s where s.key = p_key;
  if not found then
    raise exception using
      errcode = 'XX000',
      message = pg_catalog.format('setting %L is not defined in private.settings', p_key);
  end if;
  return v_value;
end;
$$;
comment on function private.setting(text) is 'Value of a runtime setting; raises if the key is unknown.';
revoke all on function private.setting(text) from public, anon, authenticated, service_role;
grant execute on function private.setting(text) to anon, authenticated, service_role;   -- anon: public searches read tunables

create or replace function private.error_body(p_code text, p_details text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_entry private.error_codes;
begin
  select * into v_entry from private.error_codes where code = p_code;
  if not found then
    raise exception using errcode = 'XX000', message = pg_catalog.format('unknown error code %L', p_code);
  end if;
  if coalesce(pg_catalog.current_setting('request.method', true), '') <> '' then
    perform pg_catalog.set_config('response.status', v_entry.http_status::text, true);
  end if;
  return pg_catalog.jsonb_build_object(
    'code', v_entry.code, 'message', v_entry.message, 'details', p_details, 'hint', v_entry.hint);
end;
$$;
comment on function private.error_body(text, text) is
  'A registered error as a return value {code, message, details, hint}; inside a Data API request also sets the HTTP status. For failures whose side effects must commit.';
revoke all on function private.error_body(text, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Guards shared by every module's RPCs.
------------------------------------------------------------------------------------------------
create or replace function private.require_uid()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  return v_uid;
end;
$$;
comment on function private.require_uid() is 'The calling user''s id; raises HL001 when the request carries no user.';
revoke all on function private.require_uid() from public, anon, authenticated, service_role;
grant execute on function private.require_uid() to anon, authenticated, service_role;

create or replace function private.is_service_role()
returns boolean
language sql
stable
set search_path = ''
as $$
  select (select auth.uid()) is null and coalesce((select auth.role()), '') = 'service_role';
$$;
comment on function private.is_service_role() is 'True for a service_role request without a user (trusted back ends act as the system).';
revoke all on function private.is_service_role() from public, anon, authenticated, service_role;
grant execute on function private.is_service_role() to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Extension registries. When one module must react to another, the earlier module owns a
-- registry table of handler functions (by signature, in text: pg_upgrade refuses user tables
-- with reg* columns) and the later module inserts its handler from its own migration; the owner
-- calls the handlers in order. This trigger keeps a registry row pointing at an existing function
-- of the signature the registry expects (trigger arguments: the argument types, then the return
-- type, `setof x` for set-returning handlers) and normalises it to the schema-qualified form.
-- private.account_deletion_handlers (identity) was the model.
------------------------------------------------------------------------------------------------
create or replace function private.check_registry_handler()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_proc regprocedure;
  v_args text := tg_argv[0];
  v_returns text := tg_argv[1];
  v_setof boolean := v_returns ~ '^setof ';
begin
  v_proc := pg_catalog.to_regprocedure(new.handler);
  if v_proc is null then
    raise exception using errcode = '23514',
      message = pg_catalog.format('%s: handler %L is not an existing function signature', tg_table_name, new.handler);
  end if;
  if not exists (
    select 1 from pg_catalog.pg_proc p
     where p.oid = v_proc and p.prokind = 'f'
       and pg_catalog.oidvectortypes(p.proargtypes) = v_args
       and p.proretset = v_setof
       and p.prorettype = pg_catalog.regexp_replace(v_returns, '^setof ', '')::regtype) then
    raise exception using errcode = '23514',
      message = pg_catalog.format('%s: handler %s must take (%s) and return %s', tg_table_name, v_proc, v_args, v_returns);
  end if;
  -- search_path is empty here, so this is the schema-qualified signature.
  new.handler := v_proc::text;
  return new;
end;
$$;
comment on function private.check_registry_handler() is
  'BEFORE INSERT/UPDATE on a registry of handler functions: the handler must exist with the argument types (trigger argument 1) '
  'and return type (argument 2) the registry expects; stores its schema-qualified signature.';
