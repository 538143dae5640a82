-- Module: core (storage access)
-- Who may read and write where in Supabase Storage. Every bucket belongs to a module (declared in
-- supabase/config.toml, [storage.buckets.*]); the module registers the bucket here with a folder
-- rule: a function (p_operation text) returning the folders of the bucket (paths ending in '/')
-- where the calling user may select, insert, update or delete objects. The four policies on
-- storage.objects below ask the registry once per statement and compare each object's path with
-- those folders, so a module adds a bucket without touching another module's rules. Supabase lints
-- more than one permissive policy per role and action, which is why the policies are shared.
--
-- Sizes and MIME types are enforced by the Storage API from the bucket settings. Public buckets
-- serve files by public URL without any SELECT policy; SELECT here is what a signed-in user may
-- list, sign or download through the API (and what upserts need).

create table private.storage_buckets (
  bucket_id text primary key check (bucket_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  -- A signature such as 'private.job_media_folders(text)': (p_operation text) returns setof text.
  handler text not null,
  description text not null
);
comment on table private.storage_buckets is
  'Storage buckets and the folder rule of each: handler(p_operation) returns the folders (ending in ''/'') of the bucket where '
  'the calling user may do p_operation (select, insert, update, delete). The storage.objects policies read it.';

create or replace trigger storage_buckets_check_handler
  before insert or update on private.storage_buckets
  for each row execute function private.check_registry_handler('text', 'setof text');

create or replace function private.storage_folders(p_operation text)
returns setof text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_bucket record;
begin
  if (select auth.uid()) is null then
    return;
  end if;
  for v_bucket in
    select b.bucket_id, n.nspname::text as nsp, p.proname::text as fn
      from private.storage_buckets b
      join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(b.handler)
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     order by b.bucket_id
  loop
    return query execute pg_catalog.format('select $2 || f from %I.%I($1) as f', v_bucket.nsp, v_bucket.fn)
      using p_operation, v_bucket.bucket_id || '/';
  end loop;
end;
$$;
comment on function private.storage_folders(text) is
  'Every folder (''<bucket>/<path>/'') where the calling user may do p_operation (select, insert, update, delete), from the '
  'folder rules in private.storage_buckets. Use as (bucket_id || ''/'' || name) ^@ any (array(select ...)) in policies.';
revoke all on function private.storage_folders(text) from public, anon, authenticated, service_role;
grant execute on function private.storage_folders(text) to authenticated, service_role;

-- The folder rule most buckets use: a user works in `<user id>/` and below, whatever the operation.
create or replace function private.storage_user_folder(p_operation text)
returns setof text
language sql
stable
set search_path = ''
as $$
  select (select auth.uid())::text || '/' where (select auth.uid()) is not null;
$$;
comment on function private.storage_user_folder(text) is
  'Folder rule "own folder": the calling user may do anything under <user id>/ (for buckets registered in private.storage_buckets).';
revoke all on function private.storage_user_folder(text) from public, anon, authenticated, service_role;

create policy "Users can read objects in folders open to them" on storage.objects
  for select to authenticated
  using ((bucket_id || '/' || name) ^@ any (array(select private.storage_folders('select'))));

create policy "Users can upload objects into folders open to them" on storage.objects
  for insert to authenticated
  with check (
    owner_id = (select auth.uid()::text)
    and (bucket_id || '/' || name) ^@ any (array(select private.storage_folders('insert'))));

-- An object may be replaced where it is (update) and must stay where one may upload (insert).
create policy "Users can replace objects in folders open to them" on storage.objects
  for update to authenticated
  using ((bucket_id || '/' || name) ^@ any (array(select private.storage_folders('update'))))
  with check ((bucket_id || '/' || name) ^@ any (array(select private.storage_folders('insert'))));

create policy "Users can delete objects in folders open to them" on storage.objects
  for delete to authenticated
  using ((bucket_id || '/' || name) ^@ any (array(select private.storage_folders('delete'))));
