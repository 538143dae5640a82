-- Module identity, the audit log: append-only for everyone (API roles, the service role, the
-- owner), readable by operators with audit.read only, and the entries identity writes itself
-- (operator roles, permissions, account deletion, verified badges) with actor, role and request id.
begin;
select plan(45);

select tests.create_supabase_user(u) from unnest(array['ada', 'sam', 'mo', 'cus', 'gone', 'newbie']) u;
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('ada'), 'admin'),
  (tests.get_supabase_uid('sam'), 'support'),
  (tests.get_supabase_uid('mo'), 'moderator');
select tests.keep('business', tests.create_business('cus', 'Audit Test Co'));

------------------------------------------------------------------------------------------------
-- Who may do what with the table
------------------------------------------------------------------------------------------------
select tests.rls_enabled('public', 'audit_log');
select ok(not has_table_privilege(r, 'public.audit_log', p), format('%s has no %s on audit_log', r, p))
  from unnest(array['anon', 'authenticated', 'service_role']) r,
       unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
 where r <> 'anon' or p <> 'INSERT';
select ok(not has_table_privilege('anon', 'public.audit_log', 'SELECT'), 'anon cannot read the audit log at all');
select ok(not has_sequence_privilege(r, 'public.audit_log_id_seq', 'USAGE'), format('%s cannot use the id sequence', r))
  from unnest(array['anon', 'authenticated', 'service_role']) r;
select ok(not has_function_privilege(r, 'private.audit(text, text, text, jsonb, jsonb, text)', 'EXECUTE'),
          format('%s cannot call private.audit', r))
  from unnest(array['anon', 'authenticated', 'service_role']) r;
select is((select string_agg(t.tgname || '=' || t.tgenabled::text, ',' order by t.tgname) from pg_trigger t
            where t.tgrelid = 'public.audit_log'::regclass and not t.tgisinternal),
          'audit_log_refuse_truncate=A,audit_log_refuse_update_delete=A',
          'the refusing triggers fire always, even with session_replication_role = replica');

------------------------------------------------------------------------------------------------
-- Entries: operator role grant and revocation through the API, with request id and actor
------------------------------------------------------------------------------------------------
select tests.authenticate_as('ada');
select set_config('request.headers', '{"x-request-id": "req-grant-1", "user-agent": "admin-app"}', true);
insert into public.user_roles (user_id, role, granted_by)
values (tests.get_supabase_uid('newbie'), 'support', tests.get_supabase_uid('ada'));
delete from public.user_roles where user_id = tests.get_supabase_uid('newbie') and role = 'support';
select set_config('request.headers', '{"cf-ray": "8f1e-DXB"}', true);
-- The badge as the verification decision RPCs set it: owner rights, the operator's request.
set local role postgres;
update public.businesses set is_verified = true where id = tests.id('business');
set local role authenticated;
select set_config('request.headers', '', true);
select tests.reset_authentication();

select results_eq(
  $$ select actor_id, actor_role, target_type, target_id, after ->> 'role', request_id
       from public.audit_log where action = 'operator_role.granted' and target_id = tests.get_supabase_uid('newbie')::text $$,
  $$ values (tests.get_supabase_uid('ada'), 'authenticated', 'user', tests.get_supabase_uid('newbie')::text, 'support', 'req-grant-1') $$,
  'a role grant is logged with the admin as actor, their API role and the request id');
select results_eq(
  $$ select before ->> 'role', before ->> 'granted_by', after, request_id
       from public.audit_log where action = 'operator_role.revoked' and target_id = tests.get_supabase_uid('newbie')::text $$,
  $$ values ('support', tests.get_supabase_uid('ada')::text, null::jsonb, 'req-grant-1') $$,
  'a revocation keeps the role as it was');
select is((select count(distinct transaction_id)::int from public.audit_log
            where target_id = tests.get_supabase_uid('newbie')::text or action = 'business.verified_changed'), 1,
          'entries of one transaction share its transaction id');
select results_eq(
  $$ select actor_id, before -> 'is_verified', after -> 'is_verified', request_id
       from public.audit_log where action = 'business.verified_changed' and target_id = tests.id('business')::text $$,
  $$ values (tests.get_supabase_uid('ada'), 'false'::jsonb, 'true'::jsonb, '8f1e-DXB') $$,
  'a business badge change is logged; without x-request-id the cf-ray header is the request id');

------------------------------------------------------------------------------------------------
-- Entries: permissions, profile badges, account deletion; the system as actor
------------------------------------------------------------------------------------------------
insert into public.role_permissions (role, permission) values ('support', 'audit_test.read');
delete from public.role_permissions where role = 'support' and permission = 'audit_test.read';
select results_eq(
  $$ select action, target_id, coalesce(after, before) ->> 'permission', actor_id, actor_role
       from public.audit_log where target_type = 'role_permission' and coalesce(after, before) ->> 'permission' = 'audit_test.read'
      order by id $$,
  $$ values ('role_permission.created', 'support', 'audit_test.read', null::uuid, 'postgres'),
            ('role_permission.deleted', 'support', 'audit_test.read', null::uuid, 'postgres') $$,
  'permission changes are logged; direct SQL has no actor and the session user as role');

update public.profiles set is_verified = true where id = tests.get_supabase_uid('sam');
update public.profiles set full_name = 'Sam S' where id = tests.get_supabase_uid('sam');
select results_eq(
  $$ select action, before ->> 'is_verified', after ->> 'is_verified' from public.audit_log
      where target_type = 'user' and target_id = tests.get_supabase_uid('sam')::text
        and action not like 'operator_role.%' $$,
  $$ values ('profile.verified_changed', 'false', 'true') $$,
  'a verified badge change is logged, other profile edits are not');

select tests.delete_own_account('gone');
select results_eq(
  $$ select actor_role, after ? 'deleted_at', actor_id from public.audit_log
      where action = 'account.deleted' and target_id = tests.get_supabase_uid('gone')::text $$,
  $$ values ('service_role', true, null::uuid) $$,
  'an account deletion is logged (the delete-account function acts as the service role)');

------------------------------------------------------------------------------------------------
-- Nobody changes or removes entries
------------------------------------------------------------------------------------------------
select throws_ok($$ update public.audit_log set reason = 'edited' where action = 'operator_role.granted' $$,
  'HL121', null, 'the owner (postgres) cannot update an entry');
select throws_ok($$ delete from public.audit_log where action = 'operator_role.granted' $$,
  'HL121', null, 'the owner cannot delete an entry');
select throws_ok($$ truncate public.audit_log $$, 'HL121', null, 'the owner cannot truncate the log');

select tests.authenticate_as_service_role();
select throws_ok($$ update public.audit_log set reason = 'edited' where id > 0 $$, '42501', null,
  'the service role cannot update entries');
select throws_ok($$ delete from public.audit_log where id > 0 $$, '42501', null, 'the service role cannot delete entries');
select throws_ok($$ truncate public.audit_log $$, '42501', null, 'the service role cannot truncate');
select throws_ok($$ insert into public.audit_log (actor_role, action, target_type) values ('x', 'forged.entry', 'user') $$,
  '42501', null, 'the service role cannot insert forged entries');
select throws_ok($$ select private.audit('forged.entry', 'user', null) $$, '42501', null,
  'the service role cannot call private.audit');
select ok((select count(*) > 0 from public.audit_log), 'the service role reads the log (it bypasses RLS)');

select tests.authenticate_as('ada');
select throws_ok($$ update public.audit_log set reason = 'edited' where id > 0 $$, '42501', null,
  'an admin cannot update entries through the API');
select throws_ok($$ delete from public.audit_log where id > 0 $$, '42501', null, 'an admin cannot delete entries');
select throws_ok($$ insert into public.audit_log (actor_role, action, target_type) values ('x', 'forged.entry', 'user') $$,
  '42501', null, 'an admin cannot insert entries');
select throws_ok($$ select private.audit_row_change() $$, '42501', null, 'nobody calls the row trigger function');

------------------------------------------------------------------------------------------------
-- Reading: audit.read only
------------------------------------------------------------------------------------------------
select ok((select count(*) >= 6 from public.audit_log), 'an admin (audit.read) reads the log');
select tests.authenticate_as('sam');
select is((select count(*)::int from public.audit_log), 0, 'support (no audit.read) reads nothing');
select tests.authenticate_as('mo');
select is((select count(*)::int from public.audit_log), 0, 'a moderator reads nothing');
select tests.authenticate_as('cus');
select is((select count(*)::int from public.audit_log), 0, 'a user reads nothing, not even entries about themselves');
select tests.clear_authentication();
select throws_ok($$ select count(*) from public.audit_log $$, '42501', null, 'anon cannot read the log');
select tests.reset_authentication();

select * from finish();
rollback;
