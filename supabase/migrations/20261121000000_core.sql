-- Module: core
-- Extensions, the non-exposed `private` schema, and the conventions every later module uses:
-- the updated_at trigger, a freezable clock, runtime settings and the error-code registry.
--
-- Runs as the non-superuser `postgres` role, on hosted Supabase and on the local stack alike.

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
create or replace function private.now()
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('hyperlocal.frozen_now', true), '')::timestamptz,
    pg_catalog.now()
  );
$$;
comment on function private.now() is
  'Current time for domain logic: now(), unless a test froze the clock with hyperlocal.frozen_now.';
revoke all on function private.now() from public, anon, authenticated, service_role;
grant execute on function private.now() to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Runtime settings that operators tune without a migration (in Studio, as postgres).
------------------------------------------------------------------------------------------------
create table if not exists private.settings (
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
create table if not exists private.error_codes (
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
grant execute on function private.setting(text) to authenticated, service_role;

