-- Module core: extensions, private schema, clock, settings, error codes, privilege defaults.
begin;
select plan(33);

-- Extensions live where Supabase keeps them.
select is((select extnamespace::regnamespace::text from pg_extension where extname = 'postgis'), 'extensions', 'postgis is in schema extensions');
select is((select extnamespace::regnamespace::text from pg_extension where extname = 'pgcrypto'), 'extensions', 'pgcrypto is in schema extensions');
select is((select extnamespace::regnamespace::text from pg_extension where extname = 'pg_cron'), 'pg_catalog', 'pg_cron is in pg_catalog');

-- private is not reachable by the API as data.
select ok(not has_table_privilege('anon', 'private.settings', 'select'), 'anon cannot read private.settings');
select ok(not has_table_privilege('authenticated', 'private.error_codes', 'select'), 'authenticated cannot read private.error_codes');

-- New objects created by postgres in public are not exposed until granted (hosted default).
create table public.core_test_exposure (id int primary key);
create function public.core_test_fn() returns int language sql as 'select 1';
select ok(not has_table_privilege('anon', 'public.core_test_exposure', 'select'), 'a new public table is not readable by anon');
select ok(not has_table_privilege('authenticated', 'public.core_test_exposure', 'insert'), 'a new public table is not writable by authenticated');
select ok(not has_table_privilege('service_role', 'public.core_test_exposure', 'select'), 'a new public table is not readable by service_role without a grant');
select ok(not has_function_privilege('public', 'public.core_test_fn()', 'execute'), 'a new public function is not executable by PUBLIC');
select ok(not has_function_privilege('anon', 'public.core_test_fn()', 'execute'), 'a new public function is not executable by anon');

-- updated_at trigger.
create table public.core_test_touch (id int primary key, v int, updated_at timestamptz not null default '2000-01-01');
create trigger t before update on public.core_test_touch for each row execute function private.set_updated_at();
insert into public.core_test_touch (id, v) values (1, 1);
update public.core_test_touch set v = 2 where id = 1;
select ok((select updated_at > '2000-01-01' from public.core_test_touch where id = 1), 'set_updated_at stamps updated_at');

-- The clock.
select ok(abs(extract(epoch from private.now() - now())) < 1, 'private.now() is now() by default');
select tests.freeze_time('2030-01-02 03:04:05+00');
select is(private.now(), '2030-01-02 03:04:05+00'::timestamptz, 'tests.freeze_time freezes private.now()');
select tests.unfreeze_time();
select ok(abs(extract(epoch from private.now() - now())) < 1, 'tests.unfreeze_time restores the clock');

-- Settings.
insert into private.settings (key, value, description) values ('core_test.window_minutes', '15', 'test');
select is(private.setting('core_test.window_minutes'), '15'::jsonb, 'private.setting reads a value');
select throws_ok($$ select private.setting('core_test.nope') $$, 'XX000', null, 'an unknown setting raises');
select throws_ok($$ insert into private.settings (key, value, description) values ('Bad Key', '1', 'x') $$, '23514', null, 'setting keys are validated');

-- Error codes: the SQLSTATE is the stable code outside the Data API...
select throws_ok($$ select private.raise_error('HL004', 'latitude must be between -90 and 90') $$,
  'HL004', 'The request contains an invalid value.', 'raise_error uses the code as SQLSTATE');
select throws_ok($$ select private.raise_error('HL099') $$, 'XX000', null, 'an unregistered code is a programming error');
select is_empty($$ select code from private.error_codes where hint is null or message = '' $$, 'every error code has a message and a hint');

-- Every code a function raises is registered; duplicates were retired (HL322 = HL404, HL433 = HL217/HL218).
select is_empty($$ select code from private.error_codes where code in ('HL322', 'HL433') $$,
  'HL322 (= HL404) and HL433 (= HL217/HL218) are retired');
select is_empty(
  $$ select distinct p.oid::regprocedure::text || ' raises ' || m[1]
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      cross join lateral regexp_matches(p.prosrc, '(?:raise_error|error_body)\(''(HL[0-9]{3})''', 'g') m
      where n.nspname in ('public', 'private')
        and not exists (select 1 from private.error_codes e where e.code = m[1]) $$,
  'every error code a function raises is registered');

-- ... and an HTTP status + JSON body inside a PostgREST request.
set local request.method = 'POST';
select throws_ok($$ select private.raise_error('HL005', 'offer 42 was already accepted') $$, 'PGRST', null, 'inside a request raise_error uses PGRST');
select is((tests.error_of($$ select private.raise_error('HL005', 'offer 42 was already accepted') $$) ->> 'message')::jsonb ->> 'code',
  'HL005', 'the JSON body carries the code');
select is((tests.error_of($$ select private.raise_error('HL005', 'offer 42 was already accepted') $$) ->> 'message')::jsonb ->> 'details',
  'offer 42 was already accepted', 'the JSON body carries the details');
select is(((tests.error_of($$ select private.raise_error('HL005', 'offer 42 was already accepted') $$) ->> 'detail')::jsonb ->> 'status')::int,
  409, 'the HTTP status comes from the registry');
reset request.method;

-- The test helpers themselves (sql/tests/helpers.sql).
select tests.create_supabase_user('core_alice');
select tests.authenticate_as('core_alice');
select is(auth.uid(), tests.get_supabase_uid('core_alice'), 'authenticate_as sets auth.uid()');
select tests.reset_authentication();
select ok(current_user = session_user and coalesce(current_setting('request.jwt.claims', true), '') = '',
  'reset_authentication goes back to the test''s role without claims');
update auth.users set raw_user_meta_data = '{}' where id = tests.get_supabase_uid('core_alice');
select is(tests.get_supabase_uid('core_alice'), (select id from auth.users where email = 'core_alice@example.test'),
  'a user stays known by their identifier after their metadata is cleared (as account deletion does)');
select tests.keep('core.thing', '00000000-0000-4000-8000-00000000c0de');
select tests.clear_authentication();
select is(tests.id('core.thing'), '00000000-0000-4000-8000-00000000c0de'::uuid, 'a kept id is readable by every role');
select tests.create_supabase_user('core_bob');
select tests.authenticate_as('core_bob');
select is(tests.affected_rows($$ update public.profiles set bio = 'x' where id in (tests.get_supabase_uid('core_alice'), auth.uid()) $$), 1,
  'affected_rows counts the rows RLS let the statement touch');
select tests.reset_authentication();
select is(tests.error_of($$ select 1 / 0 $$) ->> 'sqlstate', '22012', 'error_of returns the SQLSTATE raised');
select is(tests.error_of($$ select 1 $$), null, 'and null when nothing was raised');

select * from finish();
rollback;
