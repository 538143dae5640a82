-- =================================================================================================
-- 00_roles.sql -- LOCAL-ONLY platform shim: cluster-wide roles of a Supabase project.
--
-- Never pushed to hosted Supabase: hosted projects already have all of this, created by the
-- platform. It exists because the docker-free local stack runs plain PostgreSQL 15, where GoTrue,
-- Storage and Realtime (and the Supabase Postgres image) cannot create their database side.
--
-- Mirrors (facts collected in shared/notes/supabase-platform.md, written here in our own words):
--   * supabase/postgres init scripts (initial schema, auth/storage/realtime schema, post-setup)
--     and migrations 10000000000000_demote-postgres, 20221028101028 / 20231130133139 (authenticator
--     timeouts), 20230529180330 (API roles INHERIT), 20250421084701 (admin roles revoked from
--     postgres), 20260413000000 / 20261010094800 (session_preload_libraries, safeupdate.enabled).
--   * supabase/supautils reserved roles (emulated by safeupdate/supautils_shim.c).
--
-- Applied by the bootstrap superuser supabase_admin (initdb -U supabase_admin, as on hosted) with
--   psql -v ON_ERROR_STOP=1 -d <db> -f 00_roles.sql
-- Re-runnable: roles are created when missing and otherwise brought back to these attributes.
--
-- Passwords: every LOGIN role gets the password 'postgres' -- LOCAL DEVELOPMENT ONLY, the same
-- convention as `supabase start`. (supabase_admin keeps the password given to initdb.)
--
-- CONTRACT with the stack (scripts/lib/cluster.ts): safeupdate.so is built with
-- sql/platform/safeupdate/build.sh into the folder named by `dynamic_library_path` BEFORE this file
-- runs. The last block of this file checks that the library really loads (LOAD 'safeupdate') and
-- only then sets `session_preload_libraries` for authenticator and postgres (a role setting naming
-- a library that cannot load would make every login of that role fail). If it cannot load, the
-- settings are removed and a WARNING says so; re-running this file after building fixes it.
-- =================================================================================================

set client_min_messages = warning;

-- Roles and attributes. Every attribute is spelled out so that re-running also repairs drift.
do $$
declare
  r record;
begin
  for r in
    select * from (values
      -- API roles (PostgREST switches to them); INHERIT since 2023 (20230529180330).
      ('anon',                       'nologin inherit nocreatedb nocreaterole noreplication nobypassrls'),
      ('authenticated',              'nologin inherit nocreatedb nocreaterole noreplication nobypassrls'),
      ('service_role',               'nologin inherit nocreatedb nocreaterole noreplication bypassrls'),
      -- What PostgREST logs in as; may only switch to the roles granted to it below.
      ('authenticator',              'login noinherit nocreatedb nocreaterole noreplication nobypassrls'),
      -- The project's own role: NOT a superuser on hosted (demote-postgres migration).
      ('postgres',                   'login inherit createdb createrole replication bypassrls'),
      -- Service roles of GoTrue, Storage, Realtime, pg_net/webhooks.
      ('supabase_auth_admin',        'login noinherit nocreatedb nocreaterole noreplication nobypassrls'),
      ('supabase_storage_admin',     'login noinherit nocreatedb createrole noreplication nobypassrls'),
      ('supabase_realtime_admin',    'login noinherit nocreatedb createrole replication nobypassrls'),
      ('supabase_functions_admin',   'login noinherit nocreatedb createrole noreplication nobypassrls'),
      ('supabase_replication_admin', 'login inherit nocreatedb nocreaterole replication nobypassrls'),
      ('supabase_read_only_user',    'login inherit nocreatedb nocreaterole noreplication bypassrls'),
      -- Studio's role.
      ('dashboard_user',             'nologin inherit createdb createrole replication nobypassrls')
    ) as t(name, attrs)
  loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = r.name) then
      execute format('create role %I nosuperuser %s', r.name, r.attrs);
    else
      execute format('alter role %I nosuperuser %s', r.name, r.attrs);
    end if;
    -- LOCAL DEVELOPMENT ONLY: the well-known password of `supabase start`.
    if r.attrs like 'login%' then
      execute format('alter role %I password %L', r.name, 'postgres');
    end if;
  end loop;
end
$$;

-- Memberships.
grant anon, authenticated, service_role to authenticator;   -- PostgREST role switching
grant anon, authenticated, service_role to postgres;
grant anon, authenticated, service_role to supabase_realtime_admin;
grant authenticator to supabase_storage_admin;
grant pg_read_all_data to supabase_read_only_user;

-- Hosted revoked these from postgres (20240319072844, 20250421084701, realtime's own migration);
-- make sure an older local cluster does not keep them.
do $$
declare
  admin_role text;
begin
  foreach admin_role in array array['supabase_admin', 'supabase_auth_admin', 'supabase_storage_admin',
                                     'supabase_realtime_admin']
  loop
    if pg_catalog.pg_has_role('postgres', admin_role, 'member') then
      execute format('revoke %I from postgres', admin_role);
    end if;
  end loop;
  -- supabase_admin was granted to authenticator once and revoked again (20221103090837).
  if pg_catalog.pg_has_role('authenticator', 'supabase_admin', 'member') then
    revoke supabase_admin from authenticator;
  end if;
end
$$;

-- Per-role settings.
alter role anon          set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';

alter role postgres                set search_path = "$user", public, extensions;
alter role supabase_admin          set search_path = "$user", public, auth, extensions;
alter role supabase_auth_admin     set search_path = auth;
alter role supabase_storage_admin  set search_path = storage;
alter role supabase_realtime_admin set search_path = public, extensions, realtime;

-- realtime.list_changes() sets log_min_messages (Realtime init script).
grant set on parameter log_min_messages to supabase_realtime_admin;

-- pg-safeupdate (and the supautils subset) -- see the CONTRACT in the header.
-- Hosted: authenticator loads 'supautils, safeupdate' (20260413000000); postgres loads
-- 'supautils, safeupdate' with safeupdate.enabled = 0 (20261010094800). Locally both libraries
-- are the one safeupdate.so (safeupdate/safeupdate.c + safeupdate/supautils_shim.c).
do $$
declare
  loadable boolean;
begin
  begin
    load 'safeupdate';
    loadable := true;
  exception when others then
    loadable := false;
    raise warning 'platform shim: the safeupdate library cannot be loaded (%); API sessions will NOT '
      'reject UPDATE/DELETE without WHERE, and postgres cannot manage policies on auth/storage/'
      'realtime tables. Build it with sql/platform/safeupdate/build.sh <dir> (dir listed in '
      'dynamic_library_path) and re-run this file.', sqlerrm;
  end;

  if loadable then
    -- This session now has the library loaded: keep its check away from this session's own work.
    set local safeupdate.enabled = off;
    alter role authenticator set session_preload_libraries = 'safeupdate';
    alter role postgres set session_preload_libraries = 'safeupdate';
    alter role postgres set safeupdate.enabled = 0;
  else
    alter role authenticator reset session_preload_libraries;
    alter role postgres reset session_preload_libraries;
    alter role postgres reset safeupdate.enabled;
  end if;
end
$$;
