-- Module core: the extension registries' signature check, the guards, and the storage folder
-- registry that the storage.objects policies read.
begin;
select plan(16);

select tests.create_supabase_user('cr_user');
select tests.create_supabase_user('cr_other');

-- private.check_registry_handler (here on private.storage_buckets: (text) returns setof text).
select throws_ok(
  $$ insert into private.storage_buckets (bucket_id, module, handler, description)
     values ('cr-bucket', 'test', 'private.no_such_rule(text)', 'x') $$,
  '23514', null, 'a handler that does not exist is refused');
select throws_ok(
  $$ insert into private.storage_buckets (bucket_id, module, handler, description)
     values ('cr-bucket', 'test', 'private.now()', 'x') $$,
  '23514', null, 'a handler of another signature is refused');
select throws_ok(
  $$ insert into private.storage_buckets (bucket_id, module, handler, description)
     values ('cr-bucket', 'test', 'private.setting(text)', 'x') $$,
  '23514', null, 'the return type counts too (setof text, not jsonb)');
select lives_ok(
  $$ insert into private.storage_buckets (bucket_id, module, handler, description)
     values ('cr-bucket', 'test', 'PRIVATE.storage_user_folder(TEXT)', 'x') $$,
  'a handler of the right signature registers');
select is((select handler from private.storage_buckets where bucket_id = 'cr-bucket'), 'private.storage_user_folder(text)',
  'and is stored in its schema-qualified, normalised form');

-- The folders a signed-in user may use: their own folder in every bucket with the user-folder rule.
select tests.authenticate_as('cr_user');
select is(
  (select array_agg(f order by f) from private.storage_folders('insert') f
    where f not like 'job-media/%' and f not like 'verification-docs/%'),
  (select array_agg(b || '/' || tests.get_supabase_uid('cr_user') || '/' order by b)
     from unnest(array['avatars', 'cr-bucket', 'listing-media']) b),
  'storage_folders lists the user''s own folder in each bucket with the user-folder rule');
select tests.authenticate_as_service_role();
select is((select count(*)::int from private.storage_folders('select')), 0, 'no folders without a user');
select tests.clear_authentication();

-- Guards.
select throws_ok($$ select private.require_uid() $$, 'HL001', null, 'require_uid: HL001 without a user');
select tests.authenticate_as('cr_user');
select is(private.require_uid(), tests.get_supabase_uid('cr_user'), 'require_uid: the caller''s id');
select throws_ok($$ select private.require_permission('categories.manage') $$, 'HL002', null,
  'require_permission: HL002 without the permission');

-- Realtime topics (private.realtime_topics; the realtime.messages policies): user:<id> is its owner's.
select tests.authenticate_as('cr_user');
select ok(private.realtime_allows('user:' || tests.get_supabase_uid('cr_user'), 'broadcast', 'read'), 'a user receives on their own user topic');
select ok(not private.realtime_allows('user:' || tests.get_supabase_uid('cr_other'), 'broadcast', 'read'), 'but not on another user''s');
select ok(not private.realtime_allows('user:' || tests.get_supabase_uid('cr_user'), 'broadcast', 'write'), 'nobody sends on a user topic');
select ok(not private.realtime_allows('nosuchprefix:1', 'broadcast', 'read'), 'topics without a registered prefix are closed');
-- Realtime's own probe: a row inserted for the topic, read back as the user under realtime.topic().
reset role;
insert into realtime.messages (topic, extension, private, payload)
values ('user:' || tests.get_supabase_uid('cr_user'), 'broadcast', true, '{}'), ('user:' || tests.get_supabase_uid('cr_other'), 'broadcast', true, '{}');
select tests.authenticate_as('cr_user');
select set_config('realtime.topic', 'user:' || tests.get_supabase_uid('cr_user'), true);
select is((select count(*)::int from realtime.messages where extension = 'broadcast'), 1, 'the SELECT policy shows the probe of the user''s own topic only');
select throws_ok(format($$ insert into realtime.messages (topic, extension, private) values (%L, 'broadcast', true) $$, 'user:' || tests.get_supabase_uid('cr_user')),
  '42501', null, 'the INSERT policy refuses a client broadcast on a user topic');

select * from finish();
rollback;
