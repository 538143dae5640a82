-- pgTAP helpers for Hyperlocal's database tests (schema `tests`).
--
-- Test-only: `npm test` installs this file into its throw-away database before running pg_prove
-- (as a superuser, next to the pgtap extension). It is never part of a migration. To run the
-- tests with `supabase test db` on the Docker stack, apply it first:
--   psql "$DB_URL" -v ON_ERROR_STOP=1 -f sql/tests/helpers.sql
--
-- What it offers, in the spirit of the well-known Supabase test helpers:
--   Users and roles
--   tests.create_supabase_user(identifier, email, phone, metadata) -> uuid
--       a user created the way GoTrue creates one (auth.users + auth.identities), so the
--       project's own triggers on auth.users fire;
--   tests.create_supabase_users(identifier_prefix, how_many) -> setof uuid
--       many such users at once (no password), identifiers prefix1..prefixN;
--   tests.get_supabase_uid(identifier) / tests.get_supabase_user(identifier)
--       (also after the account was deleted, which clears the metadata);
--   tests.authenticate_as(identifier)          -- role authenticated + GoTrue-shaped JWT claims
--   tests.authenticate_as_service_role()       -- role service_role
--   tests.clear_authentication()               -- role anon, as a request without a user token
--   tests.reset_authentication()               -- back to the test's own role, no JWT claims
--   tests.delete_own_account(identifier) -> jsonb
--       the domain side of a self-service account deletion as the delete-account edge function
--       runs it (delete_user_account as the service role); the caller's role is kept
--   Time
--   tests.freeze_time(ts) / tests.unfreeze_time()  -- the clock seen by private.now()
--   Small utilities
--   tests.keep(name, id) / tests.id(name)      -- named ids, readable by every role
--   tests.affected_rows(statement)             -- rows a statement touched as the current role
--   tests.error_of(statement)                  -- SQLSTATE, message, detail and hint it raised
--   tests.upload(bucket, path, owner)          -- a Storage API upload as the current user
--   tests.point(lat, lng) / tests.point_near(lat, lng, north_m, east_m) / tests.metres_to_degrees(m)
--   tests.notification_count(user, kind, key, id)
--   Fixture builders (through the project's own functions, as its clients reach that state)
--   tests.create_business(owner, name, managers, staff)
--   tests.create_category(slug, parent_slug, kind, names) / tests.category_id(slug) / tests.listing_id(title)
--   tests.create_provider(identifier, lat, lng, ...)  -- user + provider profile + listing + hours
--   tests.create_booking(customer, provider, state, ...)  -- a booking walked to a state
--   tests.apply_booking_transition(booking, transition, actor_role, actor_id)
--   tests.booking_start_code(booking)
--   tests.create_job(customer, category, ...) / tests.create_offer(provider, job, start, ...)
--   tests.accept_offer(customer, offer)        -- a job with offers, and its booking
--   Assertions
--   tests.rls_enabled(schema) / tests.rls_enabled(schema, table)  -- pgTAP assertions
--   (and, used by the above: tests.setting_name, tests.current_authentication,
--   tests.restore_authentication, tests.insert_row)
-- All of them only change transaction-local settings or write rows inside the test's own
-- transaction: pg_prove files run inside `begin; ... rollback;`. Builders act as the given users
-- through the public RPCs where clients would, and restore the caller's role and claims after.

create extension if not exists pgtap with schema extensions;
-- Static checks of PL/pgSQL (supabase/tests/database/00001-plpgsql-check.test.sql).
create extension if not exists plpgsql_check with schema extensions;

create schema if not exists tests;
grant usage on schema tests to postgres, anon, authenticated, service_role;
-- Tests may register their own handlers (e.g. a payment subject kind) here, inside their transaction.
grant create on schema tests to postgres;

------------------------------------------------------------------------------------------------
-- Named ids: transaction-local settings, so every role the test acts as can read them
------------------------------------------------------------------------------------------------
-- The setting that holds a name in a namespace (setting names allow identifiers only).
create or replace function tests.setting_name(namespace text, name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select 'tests_' || namespace || '.k' || pg_catalog.md5(name);
$$;

-- Keeps an id under a name for the rest of the test; returns the id.
create or replace function tests.keep(name text, id uuid)
returns uuid
language sql
set search_path = ''
as $$
  select pg_catalog.set_config(tests.setting_name('id', name), id::text, true)::uuid;
$$;

-- The id kept under a name (an error if nothing was kept).
create or replace function tests.id(name text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_value text := pg_catalog.current_setting(tests.setting_name('id', name), true);
begin
  if coalesce(v_value, '') = '' then
    raise exception 'tests.id: nothing kept under %; keep it with tests.keep', name;
  end if;
  return v_value::uuid;
end;
$$;

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

  -- Account deletion clears raw_user_meta_data: the identifier is also kept in a setting.
  perform pg_catalog.set_config(tests.setting_name('user', identifier), v_id::text, true);
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
   where u.id = nullif(pg_catalog.current_setting(tests.setting_name('user', identifier), true), '')::uuid
      or u.raw_user_meta_data ->> 'test_identifier' = identifier
   order by u.id = nullif(pg_catalog.current_setting(tests.setting_name('user', identifier), true), '')::uuid desc nulls last
   limit 1;
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

-- Back to the role the test runs as (the session's, as `reset role`), without JWT claims; unlike
-- `reset role` it can be called inside functions.
create or replace function tests.reset_authentication()
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

-- The caller's role and claims, to put back after acting as someone else.
create or replace function tests.current_authentication()
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object('role', pg_catalog.current_setting('role'),
                            'claims', coalesce(pg_catalog.current_setting('request.jwt.claims', true), ''));
$$;

create or replace function tests.restore_authentication(saved jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', saved ->> 'role', true);
  perform set_config('request.jwt.claims', saved ->> 'claims', true);
end;
$$;

-- The domain side of self-service account deletion, as the edge function delete-account runs it:
-- public.delete_user_account(uid, 'self-service', uid) with the service role. Auth's soft delete
-- of the sign-in account is not part of the database (see docs/identity.md).
create or replace function tests.delete_own_account(identifier text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_uid uuid := tests.get_supabase_uid(identifier);
  v_result jsonb;
begin
  perform tests.authenticate_as_service_role();
  v_result := public.delete_user_account(v_uid, 'self-service', v_uid);
  perform tests.restore_authentication(v_saved);
  return v_result;
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
-- Statements
------------------------------------------------------------------------------------------------
-- Rows a statement touched, run as the current role (RLS applies): 0 = silently filtered out.
create or replace function tests.affected_rows(statement text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_rows integer;
begin
  execute statement;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;

-- What a statement raised, run as the current role: null when it succeeded, else
-- {"sqlstate", "message", "detail", "hint"} (the statement's effects are undone).
create or replace function tests.error_of(statement text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_state text;
  v_message text;
  v_detail text;
  v_hint text;
begin
  execute statement;
  return null;
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_message = message_text,
                          v_detail = pg_exception_detail, v_hint = pg_exception_hint;
  return jsonb_build_object('sqlstate', v_state, 'message', v_message,
                            'detail', nullif(v_detail, ''), 'hint', nullif(v_hint, ''));
end;
$$;

------------------------------------------------------------------------------------------------
-- Storage and notifications
------------------------------------------------------------------------------------------------
-- An upload as the Storage API performs it: an INSERT into storage.objects as the current role,
-- owner_id the uploader (by default the JWT's sub), size 1024 and the MIME type of the extension.
create or replace function tests.upload(bucket text, path text, owner text default null)
returns void
language sql
set search_path = ''
as $$
  insert into storage.objects (bucket_id, name, owner_id, metadata)
  values (bucket, path, coalesce(owner, auth.uid()::text),
          jsonb_build_object('size', 1024, 'mimetype',
            case lower(substring(path from '\.([A-Za-z0-9]+)$'))
              when 'jpg' then 'image/jpeg' when 'jpeg' then 'image/jpeg' when 'webp' then 'image/webp'
              when 'mp4' then 'video/mp4' when 'pdf' then 'application/pdf' else 'image/png' end));
$$;

-- Notifications of a kind a user has, optionally only those whose payload names an id
-- (e.g. notification_count('alice', 'job.reopened', 'job_id', job)).
create or replace function tests.notification_count(user_identifier text, kind text, payload_key text default null,
                                                    payload_id uuid default null)
returns integer
language sql
stable
set search_path = ''
as $$
  select count(*)::integer from public.notifications n
   where n.user_id = tests.get_supabase_uid(user_identifier) and n.kind = notification_count.kind
     and (payload_key is null or n.payload ->> payload_key = payload_id::text);
$$;

------------------------------------------------------------------------------------------------
-- Geometry
------------------------------------------------------------------------------------------------
create or replace function tests.point(lat float8, lng float8)
returns extensions.geography
language sql
immutable
set search_path = ''
as $$
  select extensions.st_setsrid(extensions.st_makepoint(lng, lat), 4326)::extensions.geography;
$$;

-- A point north_m metres north and east_m metres east of (lat, lng), on a flat local
-- approximation (111320 m a degree of latitude): good to a few metres over a few kilometres.
create or replace function tests.point_near(lat float8, lng float8, north_m float8, east_m float8 default 0)
returns extensions.geography
language sql
immutable
set search_path = ''
as $$
  select extensions.st_setsrid(extensions.st_makepoint(lng + east_m / (111320 * cos(radians(lat))), lat + north_m / 111320.0),
                               4326)::extensions.geography;
$$;

-- Degrees of arc for a distance along a meridian on the sphere geography distances use
-- (use_spheroid false, mean radius 6371008.8 m): exact for distances measured on the sphere.
create or replace function tests.metres_to_degrees(metres float8)
returns float8
language sql
immutable
set search_path = ''
as $$
  select metres / (6371008.8 * pi() / 180);
$$;

------------------------------------------------------------------------------------------------
-- Fixture builders: identity
------------------------------------------------------------------------------------------------
-- A business owned by `owner` with managers and staff (identifiers), written as postgres (the
-- owner becomes its owner member, as for a business created through the API); returns its id.
create or replace function tests.create_business(owner text, name text, managers text[] default '{}',
                                                 staff text[] default '{}', id uuid default null)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_id uuid;
begin
  perform tests.reset_authentication();
  insert into public.businesses (id, owner_id, name)
  values (coalesce(create_business.id, extensions.gen_random_uuid()), tests.get_supabase_uid(owner), create_business.name)
  returning businesses.id into v_id;
  insert into public.business_members (business_id, user_id, role)
  select v_id, tests.get_supabase_uid(m.who), m.role
    from (select unnest(managers) as who, 'manager' as role union all select unnest(staff), 'staff') m;
  perform tests.restore_authentication(v_saved);
  return v_id;
end;
$$;

------------------------------------------------------------------------------------------------
-- Fixture builders: catalog
------------------------------------------------------------------------------------------------
-- A category (as postgres); names default to the slug in English and Arabic.
create or replace function tests.create_category(slug text, parent_slug text default null, kind text default 'service',
                                                 names jsonb default null)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into public.categories (slug, parent_id, kind, names)
  values (slug, case when parent_slug is not null then tests.category_id(parent_slug) end, kind,
          coalesce(names, jsonb_build_object('en', slug, 'ar', slug)))
  returning id into v_id;
  return v_id;
end;
$$;

create or replace function tests.category_id(slug text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select c.id into v_id from public.categories c where c.slug = category_id.slug;
  if v_id is null then
    raise exception 'tests.category_id: no category %', slug;
  end if;
  return v_id;
end;
$$;

-- The listing with this title, as the current role sees listings (an error unless exactly one).
create or replace function tests.listing_id(title text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  select array_agg(l.id) into v_ids from public.service_listings l where l.title = listing_id.title;
  if coalesce(cardinality(v_ids), 0) <> 1 then
    raise exception 'tests.listing_id: % listings titled %', coalesce(cardinality(v_ids), 0), title;
  end if;
  return v_ids[1];
end;
$$;

-- Inserts a row with just the given columns (the others keep their defaults); returns its id.
create or replace function tests.insert_row(target regclass, columns jsonb)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_columns text;
  v_id uuid;
begin
  select string_agg(quote_ident(k), ', ') into v_columns from jsonb_object_keys(columns) k;
  execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning id',
                 target, v_columns, v_columns, target)
    into v_id using columns;
  return v_id;
end;
$$;

-- A provider: the user (the existing one with this identifier, else a new one), a provider
-- profile based at (lat, lng), with one listing in `category` when given and the same open
-- hours every day of the week when `opens`/`closes` are given. `profile` and `listing` set any
-- other column (for example {"rating_avg": 4.5} or {"booking_mode": "instant"}). Written as
-- postgres, as a back office would; returns the provider's id.
create or replace function tests.create_provider(
  identifier text,
  lat float8,
  lng float8,
  category uuid default null,
  radius_m integer default null,
  available boolean default true,
  opens time default null,
  closes time default null,
  profile jsonb default '{}',
  listing jsonb default '{}'
)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_id uuid := nullif(current_setting(tests.setting_name('user', identifier), true), '')::uuid;
begin
  perform tests.reset_authentication();
  if v_id is null then
    v_id := tests.create_supabase_user(identifier);
  end if;
  perform tests.insert_row('public.provider_profiles',
    jsonb_build_object('id', v_id, 'display_name', identifier, 'base_location', tests.point(lat, lng),
                       'is_available', available)
    || case when radius_m is not null then jsonb_build_object('service_radius_m', radius_m) else '{}' end
    || profile);
  if category is not null then
    perform tests.insert_row('public.service_listings',
      jsonb_build_object('provider_id', v_id, 'category_id', category, 'title', identifier || ' service',
                         'pricing_unit', 'hourly', 'base_price', 10000)
      || listing);
  end if;
  if opens is not null or closes is not null then
    insert into public.availability_rules (provider_id, weekday, start_time, end_time)
    select v_id, d, opens, closes from generate_series(0, 6) d;
  end if;
  perform tests.restore_authentication(v_saved);
  return v_id;
end;
$$;

------------------------------------------------------------------------------------------------
-- Fixture builders: bookings
------------------------------------------------------------------------------------------------
-- A transition taken as a fixture: through private.apply_booking_transition (the single path the
-- RPCs and timers use), tagged {"fixture": true} in the timeline so tests can tell it from the
-- transitions they take themselves; reasons where the process needs one; a start counts as
-- having passed the start code.
create or replace function tests.apply_booking_transition(booking uuid, transition text, actor_role text,
                                                          actor_id uuid default null)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
begin
  perform tests.reset_authentication();
  perform private.apply_booking_transition(booking, transition, actor_role, actor_id,
    case when transition in ('cancel', 'dispute', 'resolve') then 'fixture' end, '{"fixture": true}', transition = 'start');
  perform tests.restore_authentication(v_saved);
end;
$$;

------------------------------------------------------------------------------------------------
-- Fixture builders: payments (money module). The payment provider is simulated the way the
-- payments worker and webhook drive the database: provider objects (Stripe's shapes) go through
-- the service-role apply_* functions; nothing is written to the payment tables directly.
------------------------------------------------------------------------------------------------
-- The booking's customer starts the payment (prepare_booking_payment) and the provider answers
-- with an authorised PaymentIntent (requires_capture), or `intent_status` (requires_action,
-- requires_payment_method for a decline). Returns the payment id.
create or replace function tests.authorize_booking_payment(booking uuid, intent_status text default 'requires_capture',
                                                           provider text default 'local')
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_customer uuid;
  v_request jsonb;
begin
  perform tests.reset_authentication();
  v_customer := (select b.customer_id from public.bookings b where b.id = booking);
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims',
                     pg_catalog.json_build_object('sub', v_customer, 'role', 'authenticated')::text, true);
  v_request := public.prepare_booking_payment(booking, provider, 'pm_card_visa');
  -- A fixture, not the customer: it does not count against their rate limit (rate_limit.payments).
  perform tests.reset_authentication();
  delete from private.rate_limit_hits h where h.key = 'payments:' || v_customer;
  perform tests.authenticate_as_service_role();
  perform public.apply_payment_intent(provider, tests.payment_intent(v_request ->> 'payment_id', intent_status,
    (v_request ->> 'amount')::bigint, 'pi_' || pg_catalog.replace(v_request ->> 'payment_id', '-', '') || '_' || (v_request ->> 'attempt')));
  perform tests.restore_authentication(v_saved);
  return (v_request ->> 'payment_id')::uuid;
end;
$$;

-- The same for a payment of another subject (money's private.payment_subjects): the payer starts
-- it through public.prepare_subject_payment (the kind's prepare handler), the provider answers.
create or replace function tests.authorize_subject_payment(payer text, kind text, subject uuid,
                                                           intent_status text default 'requires_capture',
                                                           provider text default 'local')
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_payer uuid := tests.get_supabase_uid(payer);
  v_request jsonb;
begin
  perform tests.reset_authentication();
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', pg_catalog.json_build_object('sub', v_payer, 'role', 'authenticated')::text, true);
  v_request := public.prepare_subject_payment(kind, subject, provider, 'pm_card_visa');
  perform tests.reset_authentication();
  delete from private.rate_limit_hits h where h.key = 'payments:' || v_payer;
  perform tests.authenticate_as_service_role();
  perform public.apply_payment_intent(provider, tests.payment_intent(v_request ->> 'payment_id', intent_status,
    (v_request ->> 'amount')::bigint, 'pi_' || pg_catalog.replace(v_request ->> 'payment_id', '-', '') || '_' || (v_request ->> 'attempt')));
  perform tests.restore_authentication(v_saved);
  return (v_request ->> 'payment_id')::uuid;
end;
$$;

-- A PaymentIntent as Stripe sends it (the fields apply_payment_intent reads).
create or replace function tests.payment_intent(payment_id text, status text, amount bigint, id text,
                                                received bigint default 0, cancellation_reason text default null)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', payment_intent.id, 'object', 'payment_intent', 'status', payment_intent.status,
    'amount', payment_intent.amount,
    'amount_capturable', case when payment_intent.status = 'requires_capture' then payment_intent.amount else 0 end,
    'amount_received', payment_intent.received, 'currency', pg_catalog.lower(p.currency), 'capture_method', 'manual',
    'payment_method', 'pm_card_visa', 'cancellation_reason', payment_intent.cancellation_reason,
    'last_payment_error', case when payment_intent.status = 'requires_payment_method'
                               then pg_catalog.jsonb_build_object('code', 'card_declined', 'decline_code', 'generic_decline') end,
    'metadata', pg_catalog.jsonb_build_object('hl_payment_id', payment_intent.payment_id))
    from public.payments p where p.id = payment_intent.payment_id::uuid;
$$;

-- The payments worker against a simulated provider: claims the due operations and answers each as
-- the provider would (capture -> succeeded with amount_to_capture, cancel -> canceled, refund ->
-- succeeded refund, reauthorize -> a new authorised intent, transfer -> paid), through the apply_*
-- functions, then completes the operation. `fail` lists operations to refuse permanently instead
-- (e.g. '{transfer}'). Returns how many operations it handled.
create or replace function tests.run_payment_worker(fail text[] default '{}')
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_op record;
  v_n integer := 0;
  v_payment public.payments;
begin
  perform tests.authenticate_as_service_role();
  loop
    for v_op in select * from public.claim_payment_operations(100) loop
      v_n := v_n + 1;
      if v_op.operation = any (fail) then
        perform public.complete_payment_operation(v_op.operation_id, v_op.attempt, 'failed', null, 'simulated_failure');
        continue;
      end if;
      select * into v_payment from public.payments p where p.id = v_op.payment_id;
      if v_op.operation = 'capture' then
        perform public.apply_payment_intent(v_op.provider, tests.payment_intent(v_op.payment_id::text, 'succeeded',
          v_payment.amount, v_op.provider_ref, v_op.amount));
      elsif v_op.operation = 'cancel' then
        perform public.apply_payment_intent(v_op.provider, tests.payment_intent(v_op.payment_id::text, 'canceled',
          v_payment.amount, v_op.provider_ref, 0, 'requested_by_customer'));
      elsif v_op.operation = 'reauthorize' then
        perform public.apply_payment_intent(v_op.provider, tests.payment_intent(v_op.payment_id::text, 'requires_capture',
          v_op.amount, 'pi_reauth_' || v_op.operation_id));
      elsif v_op.operation = 'refund' then
        perform public.apply_refund(v_op.provider, pg_catalog.jsonb_build_object(
          'id', 're_' || v_op.operation_id, 'object', 'refund', 'amount', v_op.amount, 'currency', pg_catalog.lower(v_op.currency),
          'payment_intent', v_op.provider_ref, 'status', 'succeeded', 'metadata', v_op.metadata));
      elsif v_op.operation = 'transfer' then
        perform public.apply_transfer(v_op.provider, pg_catalog.jsonb_build_object(
          'id', 'tr_' || v_op.operation_id, 'object', 'transfer', 'amount', v_op.amount, 'currency', pg_catalog.lower(v_op.currency),
          'destination', v_op.destination_account, 'reversed', false, 'metadata', v_op.metadata));
      end if;
      perform public.complete_payment_operation(v_op.operation_id, v_op.attempt, 'succeeded');
    end loop;
    exit when not found;
  end loop;
  perform tests.restore_authentication(v_saved);
  return v_n;
end;
$$;

-- A payee ready to be paid: verified, with a payouts-enabled connected account (local provider).
create or replace function tests.enable_payouts(payee text, business uuid default null)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_uid uuid := tests.get_supabase_uid(payee);
  v_account jsonb;
begin
  if business is null then
    update public.profiles set is_verified = true where id = v_uid;
  else
    update public.businesses set is_verified = true where id = business;
  end if;
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', pg_catalog.json_build_object('sub', v_uid, 'role', 'authenticated')::text, true);
  v_account := public.prepare_payout_account('local', business);
  perform tests.reset_authentication();
  delete from private.rate_limit_hits h where h.key = 'payments:' || v_uid;
  perform tests.authenticate_as_service_role();
  perform public.apply_account('local', pg_catalog.jsonb_build_object(
    'id', 'acct_' || pg_catalog.replace(v_account ->> 'payout_account_id', '-', ''), 'object', 'account',
    'charges_enabled', true, 'payouts_enabled', true, 'details_submitted', true, 'metadata', v_account -> 'metadata'));
  perform tests.restore_authentication(v_saved);
  return (v_account ->> 'payout_account_id')::uuid;
end;
$$;

-- A booking of `provider` by `customer` (identifiers) walked to `state` through the transition
-- path: created as requested (answerable for an hour, even in the past) and then declined,
-- expired, cancelled, or accepted and on through arrive, start, complete, dispute and resolve
-- (en_route: accepted then start_travel); `instant` creates it accepted, as instant book does.
-- It starts at `not_before`, or at the next step of `step` after it when the provider already
-- has a booking there (by default 30 days from now); `operator` resolves disputes.
create or replace function tests.create_booking(
  customer text,
  provider text,
  state text default 'requested',
  not_before timestamptz default null,
  listing uuid default null,
  duration interval default '1 hour',
  price bigint default 15000,
  location extensions.geography default null,
  address text default null,
  operator text default null,
  instant boolean default false,
  step interval default '2 hours'
)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_customer uuid := tests.get_supabase_uid(customer);
  v_provider uuid := tests.get_supabase_uid(provider);
  v_start timestamptz := coalesce(not_before, date_trunc('hour', private.now()) + interval '30 days');
  v_id uuid;
begin
  if state not in ('requested', 'declined', 'expired', 'cancelled', 'accepted', 'en_route', 'arrived',
                   'in_progress', 'completed', 'disputed', 'resolved') then
    raise exception 'tests.create_booking: unknown state %', state;
  end if;
  if instant and state in ('requested', 'declined', 'expired') then
    raise exception 'tests.create_booking: an instant booking is never %', state;
  end if;
  perform tests.reset_authentication();
  while exists (select 1 from public.bookings b
                 where b.provider_id = v_provider and b.period && tstzrange(v_start, v_start + duration)) loop
    v_start := v_start + step;
  end loop;
  v_id := (private.create_booking(v_customer, v_provider, tstzrange(v_start, v_start + duration), price, 'AED',
                                  case when instant then 'accepted' else 'requested' end, 'customer', listing,
                                  p_location => location, p_address => address)).id;
  if not instant then
    update public.bookings set request_expires_at = private.now() + interval '1 hour' where id = v_id;
    if state = 'declined' then
      perform tests.apply_booking_transition(v_id, 'decline', 'provider', v_provider);
    elsif state = 'expired' then
      update public.bookings set request_expires_at = private.now() - interval '1 minute' where id = v_id;
      perform tests.apply_booking_transition(v_id, 'expire', 'system');
    elsif state = 'cancelled' then
      perform tests.apply_booking_transition(v_id, 'cancel', 'customer', v_customer);
    elsif state <> 'requested' then
      perform tests.apply_booking_transition(v_id, 'accept', 'provider', v_provider);
    end if;
  elsif state = 'cancelled' then
    perform tests.apply_booking_transition(v_id, 'cancel', 'customer', v_customer);
  end if;
  -- Progress needs the customer's payment authorised (money module).
  if state in ('en_route', 'arrived', 'in_progress', 'completed', 'disputed', 'resolved') and price > 0 then
    perform tests.authorize_booking_payment(v_id);
  end if;
  if state = 'en_route' then
    perform tests.apply_booking_transition(v_id, 'start_travel', 'provider', v_provider);
  elsif state in ('arrived', 'in_progress', 'completed', 'disputed', 'resolved') then
    perform tests.apply_booking_transition(v_id, 'arrive', 'provider', v_provider);
    if state <> 'arrived' then
      perform tests.apply_booking_transition(v_id, 'start', 'provider', v_provider);
    end if;
    if state in ('completed', 'disputed', 'resolved') then
      perform tests.apply_booking_transition(v_id, 'complete', 'provider', v_provider);
    end if;
    if state in ('disputed', 'resolved') then
      perform tests.apply_booking_transition(v_id, 'dispute', 'customer', v_customer);
    end if;
    if state = 'resolved' then
      if operator is null then
        raise exception 'tests.create_booking: a resolved booking needs an operator';
      end if;
      perform tests.apply_booking_transition(v_id, 'resolve', 'operator', tests.get_supabase_uid(operator));
    end if;
  end if;
  perform tests.restore_authentication(v_saved);
  return v_id;
end;
$$;

-- The booking's current start code, derived as the server derives it (never stored).
create or replace function tests.booking_start_code(booking uuid)
returns text
language sql
stable
set search_path = ''
as $$
  select private.derive_start_code(s.booking_id, s.start_code_version)
    from private.booking_secrets s where s.booking_id = booking;
$$;

------------------------------------------------------------------------------------------------
-- Fixture builders: jobs (through the RPCs, as the apps use them)
------------------------------------------------------------------------------------------------
-- A job posted by `customer` (identifier) with public.post_job: a fixed budget, ASAP unless a
-- preferred window is given.
create or replace function tests.create_job(
  customer text,
  category uuid,
  title text default 'Fix the sink',
  lat float8 default 25.08,
  lng float8 default 55.14,
  preferred_window tstzrange default null,
  budget bigint default 20000,
  description text default null,
  address text default null,
  duration_minutes integer default 60
)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_id uuid;
begin
  perform tests.authenticate_as(customer);
  v_id := (public.post_job(p_category_id => category, p_title => title, p_lat => lat, p_lng => lng,
             p_duration_minutes => duration_minutes, p_description => description, p_address => address,
             p_fixed_budget => budget, p_asap => preferred_window is null,
             p_preferred_start => lower(preferred_window), p_preferred_end => upper(preferred_window))).id;
  perform tests.restore_authentication(v_saved);
  return v_id;
end;
$$;

-- An offer made by `provider` (identifier) on a job with public.make_offer.
create or replace function tests.create_offer(provider text, job uuid, proposed_start timestamptz,
                                              price bigint default 15000, duration_minutes integer default 60)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_id uuid;
begin
  perform tests.authenticate_as(provider);
  v_id := (public.make_offer(job, price, proposed_start, duration_minutes)).id;
  perform tests.restore_authentication(v_saved);
  return v_id;
end;
$$;

-- The customer accepts an offer with public.accept_offer; returns the booking it made.
create or replace function tests.accept_offer(customer text, offer uuid)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_saved jsonb := tests.current_authentication();
  v_id uuid;
begin
  perform tests.authenticate_as(customer);
  v_id := (public.accept_offer(offer)).id;
  perform tests.restore_authentication(v_saved);
  return v_id;
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
