-- Module identity, operator roles: user_roles and role_permissions policies, private.authorize
-- for each role, and the custom access token hook that puts the roles into the JWT.
begin;
select plan(27);

select tests.create_supabase_user(u) from unnest(array['bob', 'carol', 'dave', 'erin', 'judy']) u;
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('carol'), 'admin'),
  (tests.get_supabase_uid('dave'), 'moderator'),
  (tests.get_supabase_uid('erin'), 'support');

------------------------------------------------------------------------------------------------
-- Operator roles: user_roles policies, role_permissions, private.authorize, the token hook
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($$ select * from public.user_roles $$, '42501', null, 'anon cannot read user_roles');
select throws_ok($$ select * from public.role_permissions $$, '42501', null, 'anon cannot read role_permissions');
select is(private.authorize('roles.manage'), false, 'authorize: anon holds no permission');

select tests.authenticate_as('bob');
select is((select count(*)::int from public.user_roles), 0, 'a user without roles sees no role rows (not others'')');
select throws_ok($$ insert into public.user_roles (user_id, role, granted_by) values (auth.uid(), 'admin', auth.uid()) $$,
  '42501', null, 'a user cannot grant themselves admin');
select throws_ok($$ insert into public.user_roles (user_id, role, granted_by) values (auth.uid(), 'support', tests.get_supabase_uid('carol')) $$,
  '42501', null, 'a user cannot grant themselves a role in an admin''s name');
select results_eq($$ with d as (delete from public.user_roles where role = 'admin' returning 1) select count(*)::int from d $$,
  $$ values (0) $$, 'a user cannot revoke anyone''s role');
select throws_ok($$ update public.user_roles set role = 'admin' where user_id = tests.get_supabase_uid('erin') $$, '42501', null,
  'nobody updates user_roles rows in place');
select ok((select count(*) > 0 from public.role_permissions), 'a signed-in user can read role_permissions');
select throws_ok($$ insert into public.role_permissions (role, permission) values ('support', 'roles.manage') $$, '42501', null,
  'a user cannot add role permissions');
select is(private.authorize('users.read_private'), false, 'authorize: a plain user holds no permission');

select tests.authenticate_as('erin');
select results_eq($$ select role from public.user_roles $$, $$ values ('support') $$, 'support sees only their own role');
select ok(private.authorize('users.read_private') and not private.authorize('content.moderate') and not private.authorize('roles.manage'),
  'authorize: support may read private details only');
select throws_ok($$ insert into public.user_roles (user_id, role, granted_by) values (auth.uid(), 'admin', auth.uid()) $$,
  '42501', null, 'support cannot promote themselves to admin');

select tests.authenticate_as('dave');
select ok(private.authorize('content.moderate') and private.authorize('users.verify') and not private.authorize('users.read_private'),
  'authorize: a moderator moderates and decides verifications, nothing more');
select throws_ok($$ insert into public.user_roles (user_id, role, granted_by) values (tests.get_supabase_uid('bob'), 'moderator', auth.uid()) $$,
  '42501', null, 'a moderator cannot grant roles');

select tests.authenticate_as('carol');
select ok(private.authorize('roles.manage') and private.authorize('users.verify') and private.authorize('categories.manage'),
  'authorize: an admin holds the admin permissions');
select ok((select count(*) >= 3 from public.user_roles), 'an admin reads all role rows');
select lives_ok($$ insert into public.user_roles (user_id, role, granted_by) values (tests.get_supabase_uid('judy'), 'support', auth.uid()) $$,
  'an admin grants a role');
select throws_ok($$ insert into public.user_roles (user_id, role, granted_by) values (tests.get_supabase_uid('judy'), 'moderator', tests.get_supabase_uid('dave')) $$,
  '42501', null, 'an admin cannot record someone else as the granter');
select throws_ok($$ update public.role_permissions set permission = 'roles.manage' where role = 'support' $$, '42501', null,
  'an admin cannot change role_permissions through the API (migrations only)');
select results_eq($$ with d as (delete from public.user_roles where user_id = tests.get_supabase_uid('judy') and role = 'support' returning 1)
                     select count(*)::int from d $$,
  $$ values (1) $$, 'an admin revokes a role');

reset role;
select is((private.custom_access_token_hook(jsonb_build_object(
            'user_id', tests.get_supabase_uid('carol'), 'authentication_method', 'password',
            'claims', jsonb_build_object('sub', tests.get_supabase_uid('carol'), 'role', 'authenticated', 'aud', 'authenticated')))
          -> 'claims' -> 'user_roles'), '["admin"]'::jsonb, 'hook: the claim user_roles lists the operator roles');
select is((private.custom_access_token_hook(jsonb_build_object(
            'user_id', tests.get_supabase_uid('bob'), 'authentication_method', 'password',
            'claims', jsonb_build_object('sub', tests.get_supabase_uid('bob'), 'role', 'authenticated', 'aal', 'aal1')))
          -> 'claims'), jsonb_build_object('sub', tests.get_supabase_uid('bob'), 'role', 'authenticated', 'aal', 'aal1', 'user_roles', '[]'::jsonb),
  'hook: other claims pass through and a user without roles gets an empty list');
select ok(has_function_privilege('supabase_auth_admin', 'private.custom_access_token_hook(jsonb)', 'execute'),
  'hook: executable by supabase_auth_admin');
select ok(not has_function_privilege('anon', 'private.custom_access_token_hook(jsonb)', 'execute')
          and not has_function_privilege('authenticated', 'private.custom_access_token_hook(jsonb)', 'execute'),
  'hook: not executable by anon or authenticated');
select tests.authenticate_as('bob');
select throws_ok($$ select private.custom_access_token_hook('{"user_id": "00000000-0000-0000-0000-000000000000"}') $$, '42501', null,
  'hook: a user calling it is refused');

select * from finish();
rollback;
