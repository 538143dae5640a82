-- =================================================================================================
-- 10_database.sql -- LOCAL-ONLY platform shim: per-database setup of a Supabase project
-- (ownership, schema `public` privileges, schema `extensions` and extensions, pg_cron, the
-- PostgREST schema-reload event triggers, the `supabase_realtime` publication).
--
-- Never pushed to hosted Supabase (the platform creates all of this there).
--
-- Mirrors, in our own words (see shared/notes/supabase-platform.md):
--   * supabase/postgres init scripts: initial schema (API grants and default privileges in public,
--     schema extensions, uuid-ossp/pgcrypto, empty publication supabase_realtime), post-setup
--     (dashboard_user, pg_cron access), storage/realtime init scripts (CREATE on the database);
--   * migrations 10000000000000_demote-postgres (ALL on the database for postgres),
--     20231020085357 / 20260730000000 (what postgres may do with pg_cron's tables),
--     20220126121436 / 20260923021047 (pgrst_ddl_watch / pgrst_drop_watch),
--     20250402065937 (internal event triggers owned by supabase_admin);
--   * Supabase CLI internal/db/start/start.go RevokeDefaultDataApiPrivilegesSql and changelog
--     #45329: from 2026-10-30 every project's NEW objects in public are not exposed to the API
--     roles until granted;
--   * a 2026 hosted schema dump: database `postgres` and the `supabase_realtime` publication are
--     owned by postgres, schema `extensions` is owned by postgres.
--
-- Applied by supabase_admin to each database (psql -v ON_ERROR_STOP=1 -d <db> -f ...), after
-- 00_roles.sql. Re-runnable, and runnable on a second database of the same cluster.
-- =================================================================================================
set client_min_messages = warning;

-- ------------------------------------------------------------------------------------------------
-- The database. On hosted the project's database is owned by postgres, which is how postgres (not
-- a superuser, no explicit CREATE on public) creates objects in schema public: PostgreSQL 15's
-- public schema belongs to pg_database_owner. postgres also holds ALL on the database
-- (demote-postgres), Storage and Realtime may create schemas (their init scripts).
-- ------------------------------------------------------------------------------------------------
do $$
begin
  execute format('alter database %I owner to postgres', current_database());
  execute format('grant all on database %I to postgres, dashboard_user', current_database());
  execute format('grant create on database %I to supabase_storage_admin, supabase_realtime_admin',
                 current_database());
end
$$;

-- ------------------------------------------------------------------------------------------------
-- Schema public: USAGE for postgres and the API roles (initial schema); Realtime may create there.
-- ------------------------------------------------------------------------------------------------
grant usage on schema public to postgres, anon, authenticated, service_role;
grant create, usage on schema public to supabase_realtime_admin;

-- Default privileges for objects created in public. The initial schema grants ALL to the API
-- roles for objects created by postgres or supabase_admin ...
alter default privileges for role postgres in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
-- ... and since 2026-10-30 (all projects) the Data API privileges are taken back again for
-- objects created by postgres. What is left for anon/authenticated/service_role on a new table is
-- TRUNCATE, REFERENCES, TRIGGER; on a new sequence UPDATE; on a new function nothing explicit --
-- but PostgreSQL itself still grants EXECUTE on every new function to PUBLIC (left alone, as on
-- hosted). Existing objects keep the grants they already have.
--
-- `psql -v legacy_data_api_grants=1` stops before that step: the database then has the default
-- privileges of a project created before the change (or one with `auto_expose_new_tables` on),
-- where every new table, sequence and function in public is granted to the API roles. The test
-- runner applies the migrations to such a database too (profile `legacy`), so that the
-- migrations' own privileges are proven on both kinds of project.
\if :{?legacy_data_api_grants}
\else
alter default privileges for role postgres in schema public
  revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke execute on functions from anon, authenticated, service_role;
\endif

-- ------------------------------------------------------------------------------------------------
-- Schema extensions and the extensions every project has.
-- ------------------------------------------------------------------------------------------------
create schema if not exists extensions;
alter schema extensions owner to postgres;
grant usage on schema extensions to anon, authenticated, service_role, supabase_realtime_admin;
grant all on schema extensions to dashboard_user;

-- Objects the platform (supabase_admin) creates in extensions are usable by postgres.
alter default privileges for role supabase_admin in schema extensions
  grant all on tables to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on sequences to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on functions to postgres with grant option;

create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;

-- On hosted, supautils lets the non-superuser postgres create the allow-listed ("privileged")
-- extensions, running CREATE EXTENSION as the superuser. Plain PostgreSQL cannot: postgres may only
-- create *trusted* extensions (pg_trgm, citext, btree_gist, ... still work that way). So the shim
-- pre-creates the untrusted allow-listed extensions this project's migrations enable; their
-- `create extension if not exists ...` is then a no-op locally, exactly as it is a no-op on a
-- hosted project where the extension is already enabled.
create extension if not exists postgis with schema extensions;

grant all on all tables in schema extensions to postgres with grant option;
grant all on all sequences in schema extensions to postgres with grant option;
grant all on all routines in schema extensions to postgres with grant option;
grant all on all tables in schema extensions to dashboard_user;
grant all on all sequences in schema extensions to dashboard_user;
grant all on all routines in schema extensions to dashboard_user;

-- pg_cron: hosted installs it with its extension schema forced to pg_catalog (its objects live in
-- schema cron) and then gives postgres what extensions.grant_pg_cron_access() gives. pg_cron can
-- only exist in the database named by cron.database_name and needs shared_preload_libraries.
do $$
begin
  if current_database() <> coalesce(current_setting('cron.database_name', true), 'postgres') then
    return;   -- another database of the cluster: pg_cron does not belong here
  end if;
  if coalesce(current_setting('shared_preload_libraries', true), '') !~ '(^|[\s,])pg_cron($|[\s,])' then
    raise warning 'platform shim: pg_cron is not in shared_preload_libraries; skipping it';
    return;
  end if;

  create extension if not exists pg_cron with schema pg_catalog;

  grant usage on schema cron to postgres with grant option;
  alter default privileges in schema cron grant all on tables to postgres with grant option;
  alter default privileges in schema cron grant all on sequences to postgres with grant option;
  alter default privileges in schema cron grant all on functions to postgres with grant option;
  alter default privileges for role supabase_admin in schema cron
    grant all on tables to postgres with grant option;
  alter default privileges for role supabase_admin in schema cron
    grant all on sequences to postgres with grant option;
  alter default privileges for role supabase_admin in schema cron
    grant all on functions to postgres with grant option;
  grant all privileges on all tables in schema cron to postgres with grant option;
  -- Jobs are written only through cron.schedule()/unschedule(): no direct writes to cron.job
  -- (20231020085357), no triggers on cron.job_run_details (20260730000000).
  revoke all on table cron.job from postgres;
  grant select on table cron.job to postgres with grant option;
  revoke trigger on table cron.job_run_details from postgres;
end
$$;

-- ------------------------------------------------------------------------------------------------
-- PostgREST schema-cache reload on DDL (hosted: extensions.pgrst_ddl_watch / pgrst_drop_watch,
-- owned by supabase_admin -- event triggers need a superuser). Changes inside the platform schemas
-- and to temporary objects do not notify, as in the 2026-09 hosted version.
-- ------------------------------------------------------------------------------------------------
create or replace function extensions.pgrst_ddl_watch()
returns event_trigger
language plpgsql
set search_path = ''
as $$
declare
  cmd record;
begin
  for cmd in select * from pg_catalog.pg_event_trigger_ddl_commands()
  loop
    if (cmd.command_tag in (
          'CREATE SCHEMA', 'ALTER SCHEMA',
          'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE',
          'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE',
          'CREATE VIEW', 'ALTER VIEW',
          'CREATE MATERIALIZED VIEW', 'ALTER MATERIALIZED VIEW',
          'CREATE FUNCTION', 'ALTER FUNCTION',
          'CREATE TYPE', 'ALTER TYPE',
          'CREATE RULE', 'COMMENT')
        and coalesce(cmd.schema_name, '') not in ('pg_temp', 'auth', 'storage', 'realtime', '_realtime'))
       or (cmd.command_tag = 'CREATE TRIGGER' and cmd.object_identity not like '% pg\_temp.%')
    then
      notify pgrst, 'reload schema';
    end if;
  end loop;
end
$$;

create or replace function extensions.pgrst_drop_watch()
returns event_trigger
language plpgsql
set search_path = ''
as $$
declare
  obj record;
begin
  for obj in select * from pg_catalog.pg_event_trigger_dropped_objects()
  loop
    if (obj.object_type in ('schema', 'table', 'foreign table', 'view', 'materialized view',
                            'function', 'type', 'rule')
        and obj.is_temporary is false
        and coalesce(obj.schema_name, '') not in ('auth', 'storage', 'realtime', '_realtime'))
       or (obj.object_type = 'trigger' and obj.object_identity not like '% pg\_temp.%')
    then
      notify pgrst, 'reload schema';
    end if;
  end loop;
end
$$;

alter function extensions.pgrst_ddl_watch() owner to supabase_admin;
alter function extensions.pgrst_drop_watch() owner to supabase_admin;
grant all on function extensions.pgrst_ddl_watch() to postgres with grant option;
grant all on function extensions.pgrst_drop_watch() to postgres with grant option;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_event_trigger where evtname = 'pgrst_ddl_watch') then
    create event trigger pgrst_ddl_watch on ddl_command_end
      execute function extensions.pgrst_ddl_watch();
  end if;
  if not exists (select 1 from pg_catalog.pg_event_trigger where evtname = 'pgrst_drop_watch') then
    create event trigger pgrst_drop_watch on sql_drop
      execute function extensions.pgrst_drop_watch();
  end if;
end
$$;
alter event trigger pgrst_ddl_watch owner to supabase_admin;
alter event trigger pgrst_drop_watch owner to supabase_admin;

-- ------------------------------------------------------------------------------------------------
-- Realtime "Postgres Changes": the publication exists, empty, owned by postgres (so migrations can
-- `alter publication supabase_realtime add table ...`).
-- ------------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
alter publication supabase_realtime owner to postgres;
