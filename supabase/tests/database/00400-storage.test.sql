-- Module storage: who may write where in the avatars and listing-media buckets.
begin;
select plan(22);

select tests.create_supabase_user('st_alice');
select tests.create_supabase_user('st_bob');

-- Buckets as declared in supabase/config.toml (synced by the local stack like `supabase seed buckets`).
select results_eq(
  $$ select id, public, file_size_limit, allowed_mime_types from storage.buckets
      where id in ('avatars', 'listing-media') order by id $$,
  $$ values ('avatars'::text, true, 2097152::bigint, array['image/jpeg', 'image/png', 'image/webp']::text[]),
            ('listing-media'::text, true, 20971520::bigint, array['image/jpeg', 'image/png', 'image/webp', 'video/mp4']::text[]) $$,
  'avatars and listing-media exist with their size and MIME limits');

-- Uploads (INSERT) as the Storage API performs them: role authenticated, owner_id = JWT sub.
select tests.authenticate_as('st_alice');
select lives_ok(
  format($$ select tests.upload('avatars', %L, %L) $$, tests.get_supabase_uid('st_alice') || '/me.png', tests.get_supabase_uid('st_alice')),
  'a user uploads an avatar into their own folder');
select lives_ok(
  format($$ select tests.upload('listing-media', %L, %L) $$, tests.get_supabase_uid('st_alice') || '/listing-1/cover.png', tests.get_supabase_uid('st_alice')),
  'a user uploads listing media into their own folder (subfolders allowed)');
select throws_ok(
  format($$ select tests.upload('avatars', %L, %L) $$, tests.get_supabase_uid('st_bob') || '/me.png', tests.get_supabase_uid('st_alice')),
  '42501', 'new row violates row-level security policy for table "objects"', 'a user cannot upload into another user''s folder');
select throws_ok(
  format($$ select tests.upload('avatars', %L, %L) $$, 'me.png', tests.get_supabase_uid('st_alice')),
  '42501', 'new row violates row-level security policy for table "objects"', 'a user cannot upload at the bucket root');
select throws_ok(
  format($$ select tests.upload('avatars', %L, %L) $$, tests.get_supabase_uid('st_alice') || '/x.png', tests.get_supabase_uid('st_bob')),
  '42501', 'new row violates row-level security policy for table "objects"', 'owner_id must be the uploader');
select throws_ok(
  format($$ select tests.upload('some-other-bucket', %L, %L) $$, tests.get_supabase_uid('st_alice') || '/x.png', tests.get_supabase_uid('st_alice')),
  '42501', 'new row violates row-level security policy for table "objects"', 'buckets without a policy are closed');

-- Reading and listing: owners see their own objects only.
select is((select count(*)::int from storage.objects), 2, 'the owner lists their own objects');
select tests.authenticate_as('st_bob');
select is((select count(*)::int from storage.objects), 0, 'another user cannot list them');

-- Updates and deletes by another user touch nothing.
update storage.objects set metadata = '{"hacked": true}' where bucket_id = 'avatars';
select lives_ok($$ set local storage.allow_delete_query = 'true' $$, 'the Storage API allows its own delete statements');
delete from storage.objects where bucket_id in ('avatars', 'listing-media');
select tests.authenticate_as('st_alice');
select is((select count(*)::int from storage.objects), 2, 'another user cannot delete someone else''s objects');
select is((select count(*)::int from storage.objects where metadata ? 'hacked'), 0, 'another user cannot update someone else''s objects');

-- The owner can replace and delete their own; moving an object out of their folder is refused.
select lives_ok(
  $$ update storage.objects set metadata = '{"size": 2048, "mimetype": "image/png"}' where bucket_id = 'avatars' $$,
  'the owner replaces their avatar (upsert)');
select throws_ok(
  format($$ update storage.objects set name = %L where bucket_id = 'avatars' $$, tests.get_supabase_uid('st_bob') || '/moved.png'),
  '42501', 'new row violates row-level security policy for table "objects"', 'the owner cannot move an object into another user''s folder');
select is((select count(*)::int from storage.objects where bucket_id = 'avatars' and metadata ->> 'size' = '2048'), 1,
  'the replacement is stored');
delete from storage.objects where bucket_id = 'listing-media';
select is((select count(*)::int from storage.objects), 1, 'the owner deletes their own object');

-- Direct SQL deletes without the Storage API are refused (as on hosted).
reset storage.allow_delete_query;
select throws_ok($$ delete from storage.objects where bucket_id = 'avatars' $$, '42501', null,
  'direct deletes outside the Storage API are refused');

-- anon: no writes, no listing.
select tests.clear_authentication();
select throws_ok(
  format($$ select tests.upload('avatars', %L, null) $$, tests.get_supabase_uid('st_alice') || '/anon.png'),
  '42501', 'new row violates row-level security policy for table "objects"', 'anon cannot upload');
select is((select count(*)::int from storage.objects), 0, 'anon cannot list objects');

-- Policies name their role and wrap auth.uid() in a select (auth_rls_initplan).
reset role;
select is_empty(
  $$ select policyname from pg_policies
      where schemaname = 'storage' and tablename = 'objects'
        and (roles <> '{authenticated}' or coalesce(qual, '') || coalesce(with_check, '') ~ 'auth\.uid\(\)'
             and coalesce(qual, '') || coalesce(with_check, '') !~ 'SELECT \(auth\.uid\(\)') $$,
  'storage policies are to authenticated and use (select auth.uid())');
select is((select count(*)::int from pg_policies where schemaname = 'storage' and tablename = 'objects'), 4,
  'one policy per action on storage.objects');
select ok(not exists (select 1 from pg_policies where schemaname = 'storage' and tablename = 'objects'
                      and cmd = 'SELECT' and 'anon' = any (roles)),
  'no broad SELECT policy makes the public buckets listable');

select * from finish();
rollback;
