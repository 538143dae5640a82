-- pgTAP helpers for Hyperlocal's database tests (schema `tests`).
--
-- Test-only: `npm test` installs this file into its throw-away database before running pg_prove
-- (as a superuser, next to the pgtap extension). It is never part of a migration. To run the
-- tests with `supabase test db` on the Docker stack, apply it first:
--   psql "$DB_URL" -v ON_ERROR_STOP=1 -f sql/tests/helpers.sql
--
-- What it offers, in the spirit of the well-known Supabase test helpers:
--   tests.create_supabase_user(identifier, email, phone, metadata) -> uuid
--       a user created the way GoTrue creates one (auth.users + auth.identities), so the
--       project's own triggers on auth.users fire;
--   tests.create_supabase_users(identifier_prefix, how_many) -> setof uuid
--       many such users at once (no password), identifiers prefix1..prefixN;
--   tests.get_supabase_uid(identifier) / tests.get_supabase_user(identifier);
--   tests.authenticate_as(identifier)          -- role authenticated + GoTrue-shaped JWT claims
--   tests.authenticate_as_service_role()       -- role service_role
--   tests.clear_authentication()               -- role anon, as a request without a user token
--   tests.freeze_time(ts) / tests.unfreeze_time()  -- the clock seen by private.now()
--   tests.rls_enabled(schema) / tests.rls_enabled(schema, table)  -- pgTAP assertions
-- All of them only change transaction-local settings: pg_prove files run inside
-- `begin; ... rollback;`.

create extension if not exists pgtap with schema extensions;
-- Static checks of PL/pgSQL (supabase/tests/database/00001-plpgsql-check.test.sql).
create extension if not exists plpgsql_check with schema extensions;

create schema if not exists tests;
grant usage on schema tests to postgres, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Users
------------------------------------------------------------------------------------------------
create or replace function tests.create_supabase_user(
  identifier text,
  email text default null,
  phone text default null,
  metadata jsonb default null
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid := extensions.gen_random_uuid();
  v_email text := lower(coalesce(email, identifier || '@example.test'));
  -- GoTrue stores phone numbers without the leading '+'.
  v_phone text := nullif(ltrim(coalesce(phone, ''), '+'), '');
  v_provider text := case when email is null and phone is not null then 'phone' else 'email' end;
  v_user_meta jsonb;
begin
  if identifier is null or identifier = '' then
    raise exception 'tests.create_supabase_user: identifier is required';
  end if;
  if v_provider = 'phone' then
    v_email := null;
  end if;

  v_user_meta := coalesce(metadata, '{}'::jsonb)
    || jsonb_build_object('test_identifier', identifier, 'sub', v_id::text,
                          'email_verified', v_email is not null, 'phone_verified', v_phone is not null)
    || case when v_email is null then '{}'::jsonb else jsonb_build_object('email', v_email) end;

  insert into auth.users (
    instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
    phone, phone_confirmed_at, raw_app_meta_data, raw_user_meta_data,
    created_at, updated_at, last_sign_in_at,
    confirmation_token, recovery_token, email_change_token_new, email_change,
    email_change_token_current, phone_change, phone_change_token, reauthentication_token,
    is_sso_user, is_anonymous
  ) values (
    '00000000-0000-0000-0000-000000000000', v_id, 'authenticated', 'authenticated', v_email,
    extensions.crypt('password', extensions.gen_salt('bf')),
    case when v_email is not null then now() end,
    v_phone, case when v_phone is not null then now() end,
    jsonb_build_object('provider', v_provider, 'providers', jsonb_build_array(v_provider)),
    v_user_meta,
    now(), now(), now(),
    '', '', '', '', '', '', '', '',
    false, false
  );

  insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
  values (
    v_id::text, v_id,
    jsonb_build_object('sub', v_id::text, 'email_verified', v_email is not null, 'phone_verified', v_phone is not null)
      || case when v_email is null then '{}'::jsonb else jsonb_build_object('email', v_email) end
      || case when v_phone is null then '{}'::jsonb else jsonb_build_object('phone', v_phone) end,
    v_provider, now(), now(), now()
  );

  return v_id;
end;
$$;

-- Many users at once (set-based, no password), e.g. for tests that need enough rows for the
-- planner to prefer indexes. Identifiers are identifier_prefix || n, n = 1..how_many.
create or replace function tests.create_supabase_users(identifier_prefix text, how_many integer)
returns setof uuid
language plpgsql
security definer
set search_path = ''
as $$
begin
  return query
  with ids as (
    select extensions.gen_random_uuid() as id, lower(identifier_prefix || n || '@example.test') as email,
           identifier_prefix || n as identifier
      from generate_series(1, how_many) as n
  ), users as (
    insert into auth.users (
      instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at, last_sign_in_at,
      confirmation_token, recovery_token, email_change_token_new, email_change,
      email_change_token_current, phone_change, phone_change_token, reauthentication_token,
      is_sso_user, is_anonymous)
    select '00000000-0000-0000-0000-000000000000', ids.id, 'authenticated', 'authenticated', ids.email, '', now(),
           '{"provider": "email", "providers": ["email"]}'::jsonb,
           jsonb_build_object('test_identifier', ids.identifier, 'sub', ids.id::text, 'email', ids.email,
                              'email_verified', true, 'phone_verified', false),
           now(), now(), now(), '', '', '', '', '', '', '', '', false, false
      from ids
    returning id, email
  )
  insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
  select users.id::text, users.id,
         jsonb_build_object('sub', users.id::text, 'email', users.email, 'email_verified', true, 'phone_verified', false),
         'email', now(), now(), now()
    from users
  returning user_id;
end;
$$;

create or replace function tests.get_supabase_user(identifier text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user jsonb;
begin
  select jsonb_build_object(
           'id', u.id, 'email', coalesce(u.email, ''), 'phone', coalesce(u.phone, ''),
           'app_metadata', coalesce(u.raw_app_meta_data, '{}'::jsonb),
           'user_metadata', coalesce(u.raw_user_meta_data, '{}'::jsonb),
           'is_anonymous', u.is_anonymous)
    into v_user
    from auth.users u
   where u.raw_user_meta_data ->> 'test_identifier' = identifier;
  if v_user is null then
    raise exception 'tests: no user with identifier %; create it with tests.create_supabase_user', identifier;
  end if;
  return v_user;
end;
$$;

create or replace function tests.get_supabase_uid(identifier text)
returns uuid
language sql
stable
set search_path = ''
as $$
  select (tests.get_supabase_user(identifier) ->> 'id')::uuid;
$$;

------------------------------------------------------------------------------------------------
-- Acting as a role. Invoker functions: `role` cannot be set inside a security definer function.
------------------------------------------------------------------------------------------------
create or replace function tests.authenticate_as(identifier text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_user jsonb := tests.get_supabase_user(identifier);
  v_now bigint := extract(epoch from now())::bigint;
  v_claims jsonb;
begin
  -- The same claim set GoTrue signs (see scripts/lib/auth.ts for the token helper).
  v_claims := jsonb_build_object(
    'iss', 'http://127.0.0.1:54321/auth/v1',
    'sub', v_user ->> 'id',
    'aud', 'authenticated',
    'exp', v_now + 3600,
    'iat', v_now,
    'email', v_user ->> 'email',
    'phone', v_user ->> 'phone',
    'app_metadata', v_user -> 'app_metadata',
    'user_metadata', v_user -> 'user_metadata',
    'role', 'authenticated',
    'aal', 'aal1',
    'amr', jsonb_build_array(jsonb_build_object('method', 'password', 'timestamp', v_now)),
    'session_id', extensions.gen_random_uuid(),
    'is_anonymous', (v_user ->> 'is_anonymous')::boolean
  );
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', v_claims::text, true);
end;
$$;

create or replace function tests.authenticate_as_service_role()
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
end;
$$;

create or replace function tests.clear_authentication()
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
end;
$$;

------------------------------------------------------------------------------------------------
-- Time
------------------------------------------------------------------------------------------------
create or replace function tests.freeze_time(frozen_time timestamptz)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('hyperlocal.frozen_now', frozen_time::text, true);
end;
$$;

create or replace function tests.unfreeze_time()
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('hyperlocal.frozen_now', '', true);
end;
$$;

------------------------------------------------------------------------------------------------
-- Assertions
------------------------------------------------------------------------------------------------
create or replace function tests.rls_enabled(testing_schema name)
returns text
language sql
-- pgTAP's assertions call each other unqualified.
set search_path = extensions, pg_catalog
as $$
  select extensions.is(
    (select pg_catalog.count(*)::integer
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = testing_schema
        and c.relkind in ('r', 'p')
        and not c.relrowsecurity),
    0,
    pg_catalog.format('every table in schema %I has row level security enabled', testing_schema));
$$;

create or replace function tests.rls_enabled(testing_schema name, testing_table name)
returns text
language sql
-- pgTAP's assertions call each other unqualified.
set search_path = extensions, pg_catalog
as $$
  select extensions.ok(
    coalesce((select c.relrowsecurity
                from pg_catalog.pg_class c
                join pg_catalog.pg_namespace n on n.oid = c.relnamespace
               where n.nspname = testing_schema and c.relname = testing_table), false),
    pg_catalog.format('table %I.%I has row level security enabled', testing_schema, testing_table));
$$;

grant execute on all functions in schema tests to postgres, anon, authenticated, service_role;

-- Tests switch to anon, authenticated and service_role and keep calling pgTAP's functions. When
-- pgTAP is created by a superuser they are executable by PUBLIC; when the `postgres` role creates
-- it (as `supabase test db` may), the project's default privileges (core migration: no EXECUTE
-- for PUBLIC on what postgres creates) leave them callable by postgres only. Grant them to the
-- roles the tests act as, whoever owns the extension.
do $$
declare
  v_function regprocedure;
begin
  for v_function in
    select p.oid::regprocedure
      from pg_catalog.pg_depend d
      join pg_catalog.pg_extension e on e.oid = d.refobjid and d.refclassid = 'pg_catalog.pg_extension'::regclass
      join pg_catalog.pg_proc p on p.oid = d.objid and d.classid = 'pg_catalog.pg_proc'::regclass
     where e.extname = 'pgtap' and d.deptype = 'e'
       and not pg_catalog.has_function_privilege('public', p.oid, 'execute')
  loop
    execute pg_catalog.format('grant execute on function %s to postgres, anon, authenticated, service_role', v_function);
  end loop;
end
$$;
