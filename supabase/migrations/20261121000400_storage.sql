-- Module: storage
-- Access to the buckets declared in supabase/config.toml ([storage.buckets.*]):
--   avatars        public read (public URLs), 2 MiB, jpeg/png/webp
--   listing-media  public read (public URLs), 20 MiB, jpeg/png/webp/mp4
-- Size and MIME limits are enforced by the Storage API from the bucket settings; these policies
-- decide who may write where: signed-in users, only under their own `<user id>/` folder.
--
-- Public buckets serve files by public URL without any SELECT policy. The SELECT policy below
-- is only for the owner (the Storage API needs it for upserts and for listing one's own files);
-- nobody can list other users' folders.

create policy "Users can see their own media objects" on storage.objects
  for select to authenticated
  using (
    bucket_id in ('avatars', 'listing-media')
    and (storage.foldername(name))[1] = (select auth.uid()::text)
  );

create policy "Users can upload media into their own folder" on storage.objects
  for insert to authenticated
  with check (
    bucket_id in ('avatars', 'listing-media')
    and (storage.foldername(name))[1] = (select auth.uid()::text)
    and owner_id = (select auth.uid()::text)
  );

create policy "Users can replace their own media objects" on storage.objects
  for update to authenticated
  using (
    bucket_id in ('avatars', 'listing-media')
    and (storage.foldername(name))[1] = (select auth.uid()::text)
  )
  with check (
    bucket_id in ('avatars', 'listing-media')
    and (storage.foldername(name))[1] = (select auth.uid()::text)
  );

create policy "Users can delete their own media objects" on storage.objects
  for delete to authenticated
  using (
    bucket_id in ('avatars', 'listing-media')
    and (storage.foldername(name))[1] = (select auth.uid()::text)
  );
