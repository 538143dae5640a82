-- =================================================================================================
-- 30_storage.sql -- LOCAL-ONLY platform shim: the database side of Supabase Storage.
--
-- Never pushed to hosted Supabase: there the Storage API creates and migrates schema storage.
-- The Storage server cannot run in the docker-free local stack, so this recreates what a
-- project's migrations, policies and tests touch: storage.buckets, storage.objects, the path
-- helpers foldername/filename/extension, storage.operation(), and the trigger that refuses direct
-- DELETEs.
--
-- Mirrors, in our own words (see shared/notes/supabase-platform.md):
--   * supabase/storage tenant migrations 0002 (tables, helpers), 0003/0016/0018/0025 (path_tokens,
--     version, owner_id, user_metadata), 0012-0014, 0037/0038 (bucket limits, name length, type
--     storage.buckettype), 0046/0049 (ALL for the API roles and postgres: policies are the only
--     gate), the prevent-direct-deletes migration (DELETE raises 42501 unless the setting
--     storage.allow_delete_query is 'true', which the Storage API sets), 0060/0061 (IMMUTABLE
--     plpgsql helpers), storage.operation();
--   * supabase/postgres init script 00000000000002-storage-schema and migrations 20250421084701 /
--     20250709135250 (schema owned by supabase_admin, tables owned by supabase_storage_admin,
--     postgres: USAGE with grant option, no CREATE, not a member of supabase_storage_admin);
--   * a 2026 hosted schema dump (columns, defaults, ACLs).
-- Mid-rollout object-versioning columns/indexes of 2026 (archived_at, is_delete_marker, ...) and
-- the analytics/vector bucket tables are not reproduced.
--
-- Policies: on hosted, supautils lets postgres CREATE/ALTER/DROP POLICY on storage.objects and
-- storage.buckets without owning them; locally safeupdate.so (supautils_shim.c) does the same --
-- see safeupdate/supautils_shim.c and the notes in 00_roles.sql.
--
-- Applied by supabase_admin to each database, after 20_auth.sql. Re-runnable.
-- =================================================================================================
set client_min_messages = warning;

create schema if not exists storage;
alter schema storage owner to supabase_admin;
grant usage on schema storage to postgres with grant option;
grant usage on schema storage to anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin with grant option;
grant all on schema storage to dashboard_user;
revoke create on schema storage from postgres;

-- Objects supabase_storage_admin creates later are open to postgres and the API roles.
alter default privileges for role supabase_storage_admin in schema storage
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
  grant all on functions to postgres, anon, authenticated, service_role;

do $$
begin
  if to_regtype('storage.buckettype') is null then
    create type storage.buckettype as enum ('STANDARD', 'ANALYTICS', 'VECTOR');
  end if;
end
$$;
alter type storage.buckettype owner to supabase_storage_admin;

-- ------------------------------------------------------------------------------------------------
-- Tables.
-- ------------------------------------------------------------------------------------------------
create table if not exists storage.buckets (
  id text not null,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text,
  type storage.buckettype not null default 'STANDARD',
  versioning_status text not null default 'DISABLED',
  constraint buckets_pkey primary key (id),
  constraint buckets_versioning_status_check
    check (versioning_status in ('DISABLED', 'ENABLED', 'SUSPENDED'))
);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';
create unique index if not exists bname on storage.buckets (name);

create table if not exists storage.objects (
  id uuid not null default gen_random_uuid(),
  bucket_id text,
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb,
  constraint objects_pkey primary key (id),
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);

alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

-- Policies are the only gate: everybody holds every table privilege.
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;
grant all on storage.buckets, storage.objects to postgres with grant option;

-- ------------------------------------------------------------------------------------------------
-- Functions (owned by supabase_storage_admin; EXECUTE for everybody).
-- ------------------------------------------------------------------------------------------------

-- All path segments but the last: 'a/b/c.png' -> {a,b}.
create or replace function storage.foldername(name text)
returns text[]
language plpgsql
immutable
as $$
declare
  segments text[] := string_to_array(name, '/');
begin
  return segments[1 : array_length(segments, 1) - 1];
end
$$;

-- The last path segment: 'a/b/c.png' -> 'c.png'.
create or replace function storage.filename(name text)
returns text
language plpgsql
immutable
as $$
declare
  segments text[] := string_to_array(name, '/');
begin
  return segments[array_length(segments, 1)];
end
$$;

-- What follows the last '.' of the file name, case kept: 'a/b/c.tar.GZ' -> 'GZ';
-- the whole file name when it has no '.'.
create or replace function storage.extension(name text)
returns text
language plpgsql
immutable
as $$
declare
  segments text[] := string_to_array(name, '/');
  file_name text := segments[array_length(segments, 1)];
begin
  return reverse(split_part(reverse(file_name), '.', 1));
end
$$;

-- The operation the Storage API is performing (it sets storage.operation per request).
create or replace function storage.operation()
returns text
language plpgsql
stable
as $$
begin
  return current_setting('storage.operation', true);
end
$$;

-- Direct DELETEs on storage tables would orphan the stored files: only the Storage API, which sets
-- storage.allow_delete_query = 'true' for its own statements, may delete.
create or replace function storage.protect_delete()
returns trigger
language plpgsql
as $$
begin
  if coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' then
    raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      using errcode = '42501',
            hint = 'This prevents accidental data loss from orphaned objects.';
  end if;
  return null;
end
$$;

create or replace function storage.update_updated_at_column()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create or replace function storage.enforce_bucket_name_length()
returns trigger
language plpgsql
as $$
begin
  if length(new.name) > 100 then
    raise exception 'bucket name "%" is too long (% characters). Max is 100.', new.name, length(new.name);
  end if;
  return new;
end
$$;

alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
alter function storage.operation() owner to supabase_storage_admin;
alter function storage.protect_delete() owner to supabase_storage_admin;
alter function storage.update_updated_at_column() owner to supabase_storage_admin;
alter function storage.enforce_bucket_name_length() owner to supabase_storage_admin;
grant all on function storage.foldername(text), storage.filename(text), storage.extension(text),
  storage.operation()
  to postgres, anon, authenticated, service_role, dashboard_user;

-- ------------------------------------------------------------------------------------------------
-- Triggers.
-- ------------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_trigger
                 where tgrelid = 'storage.buckets'::regclass and tgname = 'protect_buckets_delete') then
    create trigger protect_buckets_delete before delete on storage.buckets
      for each statement execute function storage.protect_delete();
  end if;
  if not exists (select 1 from pg_catalog.pg_trigger
                 where tgrelid = 'storage.objects'::regclass and tgname = 'protect_objects_delete') then
    create trigger protect_objects_delete before delete on storage.objects
      for each statement execute function storage.protect_delete();
  end if;
  if not exists (select 1 from pg_catalog.pg_trigger
                 where tgrelid = 'storage.objects'::regclass and tgname = 'update_objects_updated_at') then
    create trigger update_objects_updated_at before update on storage.objects
      for each row execute function storage.update_updated_at_column();
  end if;
  if not exists (select 1 from pg_catalog.pg_trigger
                 where tgrelid = 'storage.buckets'::regclass and tgname = 'enforce_bucket_name_length_trigger') then
    create trigger enforce_bucket_name_length_trigger before insert or update of name on storage.buckets
      for each row execute function storage.enforce_bucket_name_length();
  end if;
end
$$;
