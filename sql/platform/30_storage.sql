-- =================================================================================================
-- 30_storage.sql -- LOCAL-ONLY platform shim: the database side of Supabase Storage.
--
-- Never pushed to hosted Supabase: there the Storage API creates and migrates schema storage.
-- The Storage server cannot run in the docker-free local stack, so this recreates what a
-- project's migrations, policies and tests touch: storage.buckets, storage.objects, the path
-- helpers foldername/filename/extension, storage.operation(), the trigger that refuses direct
-- DELETEs, and storage.search(), which the local Storage server (platform/storage) lists with.
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

-- One folder level of a bucket, as the Storage API lists it (POST /object/list/<bucket>, storage-js
-- list()): the objects and sub-folders directly under `prefix` (a folder path ending in '/', or
-- '') whose path continues with `search`, case-insensitively; names relative to `prefix`; a
-- sub-folder is one row named after it, with NULL id, dates and metadata. Runs as the caller
-- (SECURITY INVOKER): RLS on storage.objects decides what is listed.
--   * sortcolumn 'name' (default): folders and objects interleaved in lower(name) order ("C"
--     collation), a folder placed at its first object (its last one when descending);
--   * 'updated_at' | 'created_at' | 'last_accessed_at': folders first (by name), then objects
--     by that column; here the name match is an ILIKE, so callers escape LIKE wildcards.
-- At most 1500 rows (`limits`), after skipping `offsets` rows. `levels` is not used (the Storage
-- API still passes it). Same signature and results as the Storage API's storage.search
-- (tenant migrations 0050/0056/0063), written anew for this shim.
create or replace function storage.search(
  prefix text,
  bucketname text,
  limits int default 100,
  levels int default 1,
  offsets int default 0,
  search text default '',
  sortcolumn text default 'name',
  sortorder text default 'asc'
)
returns table (
  name text,
  id uuid,
  updated_at timestamptz,
  created_at timestamptz,
  last_accessed_at timestamptz,
  metadata jsonb
)
language plpgsql
stable
security invoker
as $$
declare
  v_prefix text := coalesce(prefix, '');
  v_match text := coalesce(prefix, '') || coalesce(search, '');
  v_limit int := least(coalesce(limits, 100), 1500);
  v_offset int := greatest(coalesce(offsets, 0), 0);
  v_desc boolean := lower(coalesce(sortorder, 'asc')) <> 'asc';
  v_column text := case lower(coalesce(sortcolumn, 'name'))
                     when 'updated_at' then 'updated_at'
                     when 'created_at' then 'created_at'
                     when 'last_accessed_at' then 'last_accessed_at'
                     else 'name'
                   end;
  v_first int;
  v_depth int;
begin
  if v_column = 'name' then
    return query
      with under_prefix as (
        select o.name as object_name, o.id as object_id, o.updated_at as updated, o.created_at as created,
               o.last_accessed_at as accessed, o.metadata as meta,
               lower(o.name) collate "C" as sort_key,
               -- where the next '/' after the matched part is (0: the object sits at this level)
               strpos(substr(lower(o.name), length(v_match) + 1), '/') as slash
          from storage.objects o
         where o.bucket_id = bucketname
           and starts_with(lower(o.name), lower(v_match))
      ),
      entries as (
        select substr(u.object_name, length(v_prefix) + 1) as entry_name, u.object_id, u.updated, u.created,
               u.accessed, u.meta, u.sort_key
          from under_prefix u
         where u.slash = 0
        union all
        select f.entry_name, null::uuid, null::timestamptz, null::timestamptz, null::timestamptz, null::jsonb, f.sort_key
          from (select distinct on (left(u.sort_key, length(v_match) + u.slash))
                       substr(rtrim(left(u.object_name, length(v_match) + u.slash), '/'), length(v_prefix) + 1) as entry_name,
                       u.sort_key
                  from under_prefix u
                 where u.slash > 0
                 order by left(u.sort_key, length(v_match) + u.slash),
                          (case when v_desc then u.sort_key end) collate "C" desc nulls last,
                          u.sort_key) as f
      )
      select e.entry_name, e.object_id, e.updated, e.created, e.accessed, e.meta
        from entries e
       order by (case when not v_desc then e.sort_key end) collate "C" asc,
                (case when v_desc then e.sort_key end) collate "C" desc
       limit v_limit offset v_offset;
    return;
  end if;

  -- Other orders: by path segments. v_first = the segment after the prefix, v_depth = the level listed.
  v_first := coalesce(array_length(string_to_array(v_prefix, '/'), 1), 1);
  v_depth := coalesce(array_length(string_to_array(v_match, '/'), 1), 1);
  return query execute format(
    $q$
    select entry_name, entry_id, updated, created, accessed, meta
      from (
        select 0 as kind, folder as entry_name, null::uuid as entry_id, null::timestamptz as updated,
               null::timestamptz as created, null::timestamptz as accessed, null::jsonb as meta,
               row_number() over (order by folder %1$s) as position
          from (select distinct array_to_string(o.path_tokens[$1:$2], '/') as folder
                  from storage.objects o
                 where o.bucket_id = $3 and o.name ilike $4 || '%%'
                   and array_length(o.path_tokens, 1) <> $2) as folders
        union all
        select 1, array_to_string(o.path_tokens[$1:$2], '/'), o.id, o.updated_at, o.created_at,
               o.last_accessed_at, o.metadata,
               row_number() over (order by o.%2$I %1$s)
          from storage.objects o
         where o.bucket_id = $3 and o.name ilike $4 || '%%'
           and array_length(o.path_tokens, 1) = $2
      ) as entries
     order by kind, position
     limit $5 offset $6
    $q$,
    case when v_desc then 'desc' else 'asc' end, v_column)
  using v_first, v_depth, bucketname, v_match, v_limit, v_offset;
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
alter function storage.search(text, text, int, int, int, text, text, text) owner to supabase_storage_admin;
alter function storage.protect_delete() owner to supabase_storage_admin;
alter function storage.update_updated_at_column() owner to supabase_storage_admin;
alter function storage.enforce_bucket_name_length() owner to supabase_storage_admin;
grant all on function storage.foldername(text), storage.filename(text), storage.extension(text),
  storage.operation(), storage.search(text, text, int, int, int, text, text, text)
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
