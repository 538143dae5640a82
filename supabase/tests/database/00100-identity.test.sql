-- Module identity: profiles and the sign-up trigger, private details, modes, operator roles and
-- the access token hook, businesses and members (policies and RPCs), account deletion.
-- Every policy is exercised for the row's owner, another user, anon, operators (admin,
-- moderator, support) and business members (owner, manager, staff), including attempts that
-- must fail.
begin;
select plan(213);

------------------------------------------------------------------------------------------------
-- Fixtures (as postgres)
------------------------------------------------------------------------------------------------
select tests.create_supabase_user('alice', metadata => '{"username": "alice", "full_name": "Alice Owner", "locale": "ar-AE", "phone": "+447700900001"}');
select tests.create_supabase_user('bob', metadata => '{"username": "bob", "full_name": "Bob Other"}');
select tests.create_supabase_user('carol', metadata => '{"username": "carol_admin"}');
select tests.create_supabase_user('dave', metadata => '{"username": "dave_mod"}');
select tests.create_supabase_user('erin', metadata => '{"username": "erin_support"}');
select tests.create_supabase_user('frank', metadata => '{"username": "frank"}');
select tests.create_supabase_user('gina', metadata => '{"username": "gina"}');
select tests.create_supabase_user('hank', metadata => '{"username": "hank", "phone": "+447700900008"}');
select tests.create_supabase_user('ivan', metadata => '{"username": "ivan"}');
select tests.create_supabase_user('judy', metadata => '{"username": "judy"}');

update public.profile_private set phone_verified_at = now() where profile_id = tests.get_supabase_uid('alice');
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('carol'), 'admin'),
  (tests.get_supabase_uid('dave'), 'moderator'),
  (tests.get_supabase_uid('erin'), 'support');

------------------------------------------------------------------------------------------------
-- Sign-up trigger
------------------------------------------------------------------------------------------------
select is((select username || '|' || full_name || '|' || locale from public.profiles where id = tests.get_supabase_uid('alice')),
  'alice|Alice Owner|ar-AE', 'sign-up: profile from metadata (username, full_name, locale)');
select is((select phone from public.profile_private where profile_id = tests.get_supabase_uid('alice')),
  '+447700900001', 'sign-up: a valid metadata phone lands in profile_private');
select ok((select phone = '+447700900008' and phone_verified_at is null from public.profile_private where profile_id = tests.get_supabase_uid('hank')),
  'sign-up: a metadata phone is kept but not verified');
select ok((select active_mode = 'customer' and not is_provider and not is_seller and not is_verified and currency = 'AED'
             from public.profiles where id = tests.get_supabase_uid('alice')),
  'sign-up: every account starts as an unverified customer');

select tests.create_supabase_user('su_taken', metadata => '{"username": "ALICE"}');
select matches((select username from public.profiles where id = tests.get_supabase_uid('su_taken')),
  '^alice_[0-9]{6}$', 'sign-up: a username taken in another letter case is replaced by a generated one');
select tests.create_supabase_user('su_invalid', metadata => '{"username": "9 bad name!"}');
select ok((select private.is_valid_username(username) and username ~ '^badname_[0-9]{6}$'
             from public.profiles where id = tests.get_supabase_uid('su_invalid')),
  'sign-up: an invalid username is replaced by a valid generated one');
select tests.create_supabase_user('su_reserved', metadata => '{"username": "admin"}');
select matches((select username from public.profiles where id = tests.get_supabase_uid('su_reserved')),
  '^admin_[0-9]{6}$', 'sign-up: a reserved username is replaced');
select tests.create_supabase_user('su_deleted', metadata => '{"username": "deleted_abc123"}');
select matches((select username from public.profiles where id = tests.get_supabase_uid('su_deleted')),
  '^abc123_[0-9]{6}$', 'sign-up: the deleted_ prefix of anonymised accounts cannot be taken');
select tests.create_supabase_user('su_nousername', email => 'Some.One+tag@example.test');
select matches((select username from public.profiles where id = tests.get_supabase_uid('su_nousername')),
  '^someonetag_[0-9]{6}$', 'sign-up: without a username one is generated from the email');
select tests.create_supabase_user('su_badphone', metadata => '{"phone": "050 123"}');
select is((select phone from public.profile_private where profile_id = tests.get_supabase_uid('su_badphone')),
  null, 'sign-up: an invalid phone is dropped');
select tests.create_supabase_user('su_takenphone', metadata => '{"phone": "+447700900001"}');
select is((select phone from public.profile_private where profile_id = tests.get_supabase_uid('su_takenphone')),
  null, 'sign-up: a phone of another account is dropped');
select tests.create_supabase_user('su_phoneuser', phone => '+447700900009');
select ok((select phone = '+447700900009' and phone_verified_at is not null
             from public.profile_private where profile_id = tests.get_supabase_uid('su_phoneuser')),
  'sign-up: a confirmed auth phone is stored with + and counts as verified');
select tests.create_supabase_user('su_locale', metadata => '{"locale": "english", "name": "Named Person"}');
select is((select locale || '|' || full_name from public.profiles where id = tests.get_supabase_uid('su_locale')),
  'en|Named Person', 'sign-up: an invalid locale becomes en; full_name falls back to name');

------------------------------------------------------------------------------------------------
-- profiles: "Profiles of active accounts are public" (select), "Users can edit their own profile"
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select ok((select count(*) from public.profiles) >= 10, 'anon can read public profiles');
select throws_ok($$ update public.profiles set bio = 'x' where username = 'alice' $$, '42501', null,
  'anon cannot update profiles');

select tests.authenticate_as('bob');
select is((select full_name from public.profiles where username = 'alice'), 'Alice Owner', 'another user can read a profile');
select results_eq($$ with u as (update public.profiles set bio = 'hacked' where username = 'alice' returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'another user cannot edit someone''s profile (0 rows)');

select tests.authenticate_as('alice');
select results_eq($$ with u as (update public.profiles set bio = 'I fix bikes', neighbourhood = 'Marina', avatar_path = 'x/a.png',
                                  full_name = 'Alice A.', currency = 'EUR', locale = 'en'
                                where id = auth.uid() returning 1) select count(*)::int from u $$,
  $$ values (1) $$, 'the owner edits their own profile');
select throws_ok($$ update public.profiles set is_verified = true where id = auth.uid() $$, '42501', null,
  'a user cannot give themselves the verified badge');
select throws_ok($$ update public.profiles set is_provider = true where id = auth.uid() $$, '42501', null,
  'a user cannot set is_provider');
select throws_ok($$ update public.profiles set is_seller = true where id = auth.uid() $$, '42501', null,
  'a user cannot set is_seller directly');
select throws_ok($$ update public.profiles set active_mode = 'provider' where id = auth.uid() $$, '42501', null,
  'a user cannot set active_mode directly');
select throws_ok($$ update public.profiles set deleted_at = now() where id = auth.uid() $$, '42501', null,
  'a user cannot set deleted_at');
select throws_ok($$ insert into public.profiles (id, username) values (gen_random_uuid(), 'ghost') $$, '42501', null,
  'a user cannot insert profiles');
select throws_ok($$ delete from public.profiles where id = auth.uid() $$, '42501', null,
  'a user cannot delete profiles');

-- Username and field validation.
select throws_ok($$ update public.profiles set username = 'ab' where id = auth.uid() $$, 'HL101', null, 'HL101: too short');
select throws_ok($$ update public.profiles set username = '1alice' where id = auth.uid() $$, 'HL101', null, 'HL101: must start with a letter');
select throws_ok($$ update public.profiles set username = 'al ice' where id = auth.uid() $$, 'HL101', null, 'HL101: no spaces');
select throws_ok($$ update public.profiles set username = 'al..ice' where id = auth.uid() $$, 'HL101', null, 'HL101: no double dots');
select throws_ok($$ update public.profiles set username = 'Support' where id = auth.uid() $$, 'HL101', null, 'HL101: reserved words, any case');
select throws_ok($$ update public.profiles set username = 'Deleted_abcdef' where id = auth.uid() $$, 'HL101', null, 'HL101: the deleted_ prefix is reserved');
select throws_ok($$ update public.profiles set username = 'BOB' where id = auth.uid() $$, 'HL102', null, 'HL102: taken, case-insensitively');
select lives_ok($$ update public.profiles set username = 'Alice.K' where id = auth.uid() $$, 'a valid free username is accepted');
select lives_ok($$ update public.profiles set username = 'alice.k' where id = auth.uid() $$, 'changing only the letter case of your own username is allowed');
select throws_ok($$ update public.profiles set locale = 'English' where id = auth.uid() $$, 'HL109', null, 'HL109: bad locale');
select throws_ok($$ update public.profiles set currency = 'usd' where id = auth.uid() $$, 'HL109', null, 'HL109: bad currency');
select throws_ok($$ update public.profiles set bio = repeat('x', 1001) where id = auth.uid() $$, 'HL109', null, 'HL109: bio too long');
select throws_ok($$ update public.profiles set full_name = repeat('x', 121) where id = auth.uid() $$, 'HL109', null, 'HL109: full_name too long');
update public.profiles set username = 'alice' where id = auth.uid();

select tests.authenticate_as('carol');
select results_eq($$ with u as (update public.profiles set bio = 'by admin' where username = 'alice' returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'an admin cannot edit another user''s profile through the API either');
select throws_ok($$ update public.profiles set is_verified = true where username = 'alice' $$, '42501', null,
  'an admin cannot set is_verified through a plain update (verification RPCs only)');

------------------------------------------------------------------------------------------------
-- profile_private: "Users can read their own private details; support can read all",
-- "Users can edit their own private details"
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($$ select * from public.profile_private $$, '42501', null, 'anon cannot read profile_private');

select tests.authenticate_as('alice');
select results_eq($$ select profile_id from public.profile_private $$, $$ select auth.uid() $$,
  'a user sees only their own private details');
select results_eq($$ with u as (update public.profile_private set building_name = 'Tower 2', address = 'Flat 1204',
                                   home_location = extensions.st_makepoint(55.14, 25.08)::extensions.geography
                                 where profile_id = auth.uid() returning 1) select count(*)::int from u $$,
  $$ values (1) $$, 'the owner edits their private details (home location, address, building)');
select throws_ok($$ update public.profile_private set phone_verified_at = now() where profile_id = auth.uid() $$, '42501', null,
  'a user cannot mark their own phone verified');
select throws_ok($$ insert into public.profile_private (profile_id) values (gen_random_uuid()) $$, '42501', null,
  'a user cannot insert profile_private rows');
select throws_ok($$ update public.profile_private set phone = '0501234567' where profile_id = auth.uid() $$, 'HL103', null,
  'HL103: phone not in E.164');
select throws_ok($$ update public.profile_private set phone = '+447700900008' where profile_id = auth.uid() $$, 'HL104', null,
  'HL104: phone of another account');
select lives_ok($$ update public.profile_private set phone = '+447700900077' where profile_id = auth.uid() $$,
  'a valid free phone is accepted');

select tests.authenticate_as('bob');
select is((select count(*)::int from public.profile_private where profile_id = tests.get_supabase_uid('alice')), 0,
  'another user cannot read someone''s private details');
select results_eq($$ with u as (update public.profile_private set address = 'hijacked'
                                 where profile_id = tests.get_supabase_uid('alice') returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'another user cannot edit someone''s private details (0 rows)');

select tests.authenticate_as('erin');
select is((select address from public.profile_private where profile_id = tests.get_supabase_uid('alice')), 'Flat 1204',
  'support can read private details of any user');
select results_eq($$ with u as (update public.profile_private set address = 'by support'
                                 where profile_id = tests.get_supabase_uid('alice') returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'support cannot write private details of others');

select tests.authenticate_as('carol');
select is((select building_name from public.profile_private where profile_id = tests.get_supabase_uid('alice')), 'Tower 2',
  'an admin can read private details of any user');
select results_eq($$ with u as (update public.profile_private set address = 'by admin'
                                 where profile_id = tests.get_supabase_uid('alice') returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'an admin cannot write private details of others either');

select tests.authenticate_as('dave');
select is((select count(*)::int from public.profile_private where profile_id <> auth.uid()), 0,
  'a moderator cannot read other users'' private details');

reset role;
select is((select phone_verified_at from public.profile_private where profile_id = tests.get_supabase_uid('alice')), null,
  'changing the phone resets its verification');

------------------------------------------------------------------------------------------------
-- Modes: switch_mode
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($$ select public.switch_mode('seller') $$, '42501', null, 'anon cannot call switch_mode');
select tests.authenticate_as('alice');
select throws_ok($$ select public.switch_mode('boss') $$, 'HL105', null, 'HL105: unknown mode');
select throws_ok($$ select public.switch_mode(null) $$, 'HL105', null, 'HL105: null mode');
select throws_ok($$ select public.switch_mode('provider') $$, 'HL106', null, 'HL106: provider mode needs a provider profile');
select is((select (public.switch_mode('seller')).active_mode), 'seller', 'switching to seller mode');
select ok((select is_seller from public.profiles where id = auth.uid()), 'seller mode enables selling (is_seller)');
select is((select (public.switch_mode('customer')).active_mode), 'customer', 'switching back to customer mode');
select ok((select is_seller from public.profiles where id = auth.uid()), 'the seller capability stays after switching back');
reset role;
update public.profiles set is_provider = true where id = tests.get_supabase_uid('alice');
select tests.authenticate_as('alice');
select is((select (public.switch_mode('provider')).active_mode), 'provider', 'a provider can switch to provider mode');

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
select ok(private.authorize('content.moderate') and private.authorize('providers.verify') and not private.authorize('users.read_private'),
  'authorize: a moderator moderates and verifies providers, nothing more');
select throws_ok($$ insert into public.user_roles (user_id, role, granted_by) values (tests.get_supabase_uid('bob'), 'moderator', auth.uid()) $$,
  '42501', null, 'a moderator cannot grant roles');

select tests.authenticate_as('carol');
select ok(private.authorize('roles.manage') and private.authorize('users.verify') and private.authorize('businesses.manage'),
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

------------------------------------------------------------------------------------------------
-- businesses: "Businesses are public", "Users can create a business they own",
-- "Owners and managers can edit their business", "Owners can delete their business"
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($$ insert into public.businesses (name, owner_id) values ('Anon Co', gen_random_uuid()) $$, '42501', null,
  'anon cannot create a business');

select tests.authenticate_as('alice');
select lives_ok($$ insert into public.businesses (name, owner_id, description) values ('Alice Plumbing', auth.uid(), 'Pipes') $$,
  'a user creates a business they own');
select throws_ok($$ insert into public.businesses (name, owner_id) values ('Bob Fake', tests.get_supabase_uid('bob')) $$, '42501', null,
  'a user cannot create a business owned by someone else');
select throws_ok($$ insert into public.businesses (name, owner_id, is_verified) values ('Verified Co', auth.uid(), true) $$, '42501', null,
  'a user cannot create an already verified business');
select results_eq($$ select user_id, role from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing') $$,
  $$ values (auth.uid(), 'owner'::text) $$, 'the creator becomes the owner member');

-- Members: the owner adds a manager, the manager adds staff.
select is((select (public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), p_username => 'FRANK', p_role => 'manager')).role),
  'manager', 'the owner adds a manager by username (any case)');
select tests.authenticate_as('frank');
select is((select (public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina'))).added_by),
  tests.get_supabase_uid('frank'), 'a manager adds staff (default role), recorded as the adder');

select tests.clear_authentication();
select is((select name from public.businesses where name = 'Alice Plumbing'), 'Alice Plumbing', 'anon can read businesses');
select throws_ok($$ select * from public.business_members $$, '42501', null, 'anon cannot read business members');
select throws_ok($$ update public.businesses set name = 'x' where name = 'Alice Plumbing' $$, '42501', null, 'anon cannot edit businesses');

select tests.authenticate_as('alice');
select is((select count(*)::int from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing')), 3,
  'the owner sees all members');
select results_eq($$ with u as (update public.businesses set description = 'Pipes and drains' where name = 'Alice Plumbing' returning 1) select count(*)::int from u $$,
  $$ values (1) $$, 'the owner edits the business');
select throws_ok($$ update public.businesses set is_verified = true where name = 'Alice Plumbing' $$, '42501', null,
  'the owner cannot verify their own business');
select throws_ok($$ update public.businesses set owner_id = tests.get_supabase_uid('bob') where name = 'Alice Plumbing' $$, '42501', null,
  'owner_id changes only through transfer_business_ownership');
select throws_ok($$ update public.businesses set closed_at = now() where name = 'Alice Plumbing' $$, '42501', null,
  'closed_at is not writable by users');
select throws_ok($$ insert into public.business_members (business_id, user_id, role) values ((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob'), 'staff') $$,
  '42501', null, 'members are not inserted directly, even by the owner');

select tests.authenticate_as('frank');
select is((select count(*)::int from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing')), 3,
  'a manager sees all members');
select results_eq($$ with u as (update public.businesses set logo_path = 'b/logo.png' where name = 'Alice Plumbing' returning 1) select count(*)::int from u $$,
  $$ values (1) $$, 'a manager edits the business');
select results_eq($$ with d as (delete from public.businesses where name = 'Alice Plumbing' returning 1) select count(*)::int from d $$,
  $$ values (0) $$, 'a manager cannot delete the business');

select tests.authenticate_as('gina');
select is((select count(*)::int from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing')), 3,
  'staff see all members');
select results_eq($$ with u as (update public.businesses set name = 'Gina Co' where name = 'Alice Plumbing' returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'staff cannot edit the business');
select results_eq($$ with d as (delete from public.businesses where name = 'Alice Plumbing' returning 1) select count(*)::int from d $$,
  $$ values (0) $$, 'staff cannot delete the business');
select throws_ok($$ update public.business_members set role = 'owner' where user_id = auth.uid() $$, '42501', null,
  'staff cannot make themselves owner by a direct update');
select throws_ok($$ delete from public.business_members where user_id = tests.get_supabase_uid('alice') $$, '42501', null,
  'staff cannot delete members directly');

select tests.authenticate_as('bob');
select is((select count(*)::int from public.business_members), 0, 'a non-member sees no members');
select results_eq($$ with u as (update public.businesses set name = 'Bob Co' where name = 'Alice Plumbing' returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'a non-member cannot edit the business');
select results_eq($$ with d as (delete from public.businesses where name = 'Alice Plumbing' returning 1) select count(*)::int from d $$,
  $$ values (0) $$, 'a non-member cannot delete the business');

select tests.authenticate_as('carol');
select is((select count(*)::int from public.business_members), 0, 'an admin is not a member and sees no members');
select results_eq($$ with u as (update public.businesses set name = 'Admin Co' where name = 'Alice Plumbing' returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'an admin cannot edit a business through the API');
select results_eq($$ with d as (delete from public.businesses where name = 'Alice Plumbing' returning 1) select count(*)::int from d $$,
  $$ values (0) $$, 'an admin cannot delete a business through the API');
select is((select count(*)::int from public.profiles where username = 'alice'), 1, 'an admin reads profiles like everyone');

------------------------------------------------------------------------------------------------
-- Business membership RPCs
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), p_username => 'bob') $$,
  '42501', null, 'anon cannot call add_business_member');

-- Nobody makes themselves a member, manager or owner of someone else's business.
select tests.authenticate_as('bob');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), auth.uid(), p_role => 'manager') $$,
  'HL111', null, 'a non-member cannot add themselves as manager');
select throws_ok($$ select public.transfer_business_ownership((select id from public.businesses where name = 'Alice Plumbing'), auth.uid()) $$,
  'HL111', null, 'a non-member cannot take ownership');
select throws_ok($$ select public.add_business_member(gen_random_uuid(), auth.uid()) $$, 'HL110', null, 'HL110: unknown business');

select tests.authenticate_as('gina');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob')) $$,
  'HL112', null, 'staff cannot add members');
select throws_ok($$ select public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), auth.uid(), 'manager') $$,
  'HL112', null, 'staff cannot promote themselves');
select throws_ok($$ select public.remove_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('frank')) $$,
  'HL112', null, 'staff cannot remove others');
select throws_ok($$ select public.transfer_business_ownership((select id from public.businesses where name = 'Alice Plumbing'), auth.uid()) $$,
  'HL112', null, 'staff cannot take ownership');

select tests.authenticate_as('frank');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob'), p_role => 'manager') $$,
  'HL112', null, 'a manager cannot add managers');
select throws_ok($$ select public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina'), 'manager') $$,
  'HL112', null, 'a manager cannot change roles (owner only)');
select throws_ok($$ select public.transfer_business_ownership((select id from public.businesses where name = 'Alice Plumbing'), auth.uid()) $$,
  'HL112', null, 'a manager cannot take ownership');
select throws_ok($$ select public.remove_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('alice')) $$,
  'HL108', null, 'the owner cannot be removed');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina')) $$,
  'HL115', null, 'HL115: already a member');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), p_username => 'nobody_here') $$,
  'HL114', null, 'HL114: unknown username');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), gen_random_uuid()) $$,
  'HL114', null, 'HL114: unknown user id');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing')) $$,
  'HL117', null, 'HL117: no identifier');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob'), 'bob') $$,
  'HL117', null, 'HL117: both identifiers');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob'), p_role => 'owner') $$,
  'HL116', null, 'HL116: owner is never given by add');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob'), p_role => 'boss') $$,
  'HL107', null, 'HL107: unknown role');
select lives_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), p_username => 'hank') $$,
  'a manager adds another staff member');
select lives_ok($$ select public.remove_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('hank')) $$,
  'a manager removes staff');
select throws_ok($$ select public.remove_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('hank')) $$,
  'HL113', null, 'HL113: not a member');

select tests.authenticate_as('alice');
select throws_ok($$ select public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), auth.uid(), 'staff') $$,
  'HL108', null, 'the owner cannot demote themselves (HL108)');
select throws_ok($$ select public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina'), 'owner') $$,
  'HL116', null, 'HL116: owner is given only by transfer');
select throws_ok($$ select public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob'), 'staff') $$,
  'HL113', null, 'HL113: changing a non-member');
select is((select (public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina'), 'manager')).role),
  'manager', 'the owner promotes staff to manager');
select is((select (public.change_business_member_role((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina'), 'staff')).role),
  'staff', 'the owner demotes a manager to staff');
select throws_ok($$ select public.leave_business((select id from public.businesses where name = 'Alice Plumbing')) $$,
  'HL108', null, 'the owner cannot leave without transferring ownership');
select throws_ok($$ select public.transfer_business_ownership((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('bob')) $$,
  'HL113', null, 'ownership goes only to a current member');
select is((select (public.transfer_business_ownership((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('frank'))).owner_id),
  tests.get_supabase_uid('frank'), 'the owner transfers ownership; businesses.owner_id follows');
select results_eq($$ select user_id, role from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing') and role in ('owner', 'manager') order by role $$,
  $$ values (tests.get_supabase_uid('alice'), 'manager'::text), (tests.get_supabase_uid('frank'), 'owner'::text) $$,
  'after the transfer there is exactly one owner and the previous owner is a manager');
select throws_ok($$ select public.transfer_business_ownership((select id from public.businesses where name = 'Alice Plumbing'), auth.uid()) $$,
  'HL112', null, 'the previous owner cannot take ownership back');
select throws_ok($$ select public.remove_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('frank')) $$,
  'HL108', null, 'a manager cannot remove the owner');
select lives_ok($$ select public.leave_business((select id from public.businesses where name = 'Alice Plumbing')) $$,
  'a manager leaves the business');
select throws_ok($$ select public.leave_business((select id from public.businesses where name = 'Alice Plumbing')) $$,
  'HL111', null, 'HL111: leaving a business you are not in');
select results_eq($$ with d as (delete from public.businesses where name = 'Alice Plumbing' returning 1) select count(*)::int from d $$,
  $$ values (0) $$, 'the previous owner can no longer delete the business');

select tests.authenticate_as('gina');
select lives_ok($$ select public.leave_business((select id from public.businesses where name = 'Alice Plumbing')) $$,
  'staff leave the business');

select tests.authenticate_as('frank');
select is((select count(*)::int from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing')), 1,
  'the new owner is the only member left');
select lives_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), p_username => 'gina', p_role => 'manager') $$,
  'the new owner adds a manager');

-- A business to delete.
select tests.authenticate_as('judy');
insert into public.businesses (name, owner_id) values ('Judy Temp', auth.uid());
select results_eq($$ with d as (delete from public.businesses where name = 'Judy Temp' returning 1) select count(*)::int from d $$,
  $$ values (1) $$, 'the owner deletes their business');
reset role;
select is((select count(*)::int from public.business_members bm where not exists (select 1 from public.businesses b where b.id = bm.business_id)), 0,
  'deleting a business removes its members');

------------------------------------------------------------------------------------------------
-- Account deletion
------------------------------------------------------------------------------------------------
-- Deletion clears raw_user_meta_data, where the test helpers keep their identifiers: keep the ids.
create table private.test_users as
  select u.raw_user_meta_data ->> 'test_identifier' as name, u.id
    from auth.users u where u.raw_user_meta_data ? 'test_identifier';
create function private.test_uid(p_name text) returns uuid language sql stable security definer set search_path = ''
  as $$ select t.id from private.test_users t where t.name = p_name $$;
grant execute on function private.test_uid(text) to anon, authenticated, service_role;
-- The handler registry accepts only (uuid) -> void functions.
select throws_ok($$ insert into private.account_deletion_handlers (handler, position, module, description) values ('private.nope(uuid)', 500, 'test', 'x') $$,
  '23514', null, 'deletion handlers must exist');
select throws_ok($$ insert into private.account_deletion_handlers (handler, position, module, description) values ('private.now()', 500, 'test', 'x') $$,
  '23514', null, 'deletion handlers must take (uuid) and return void');
select results_eq($$ select handler from private.account_deletion_handlers where module = 'identity' order by position $$,
  $$ values ('private.delete_account_memberships(uuid)'), ('private.delete_account_profile(uuid)') $$,
  'identity registers its two handlers');

-- A later module's handler: it runs in position order, before the profile is anonymised.
create table private.test_deletion_calls (user_id uuid, username_at_call text);
create function private.test_deletion_handler(p_user_id uuid) returns void language plpgsql set search_path = '' as $$
begin
  insert into private.test_deletion_calls select p.id, p.username from public.profiles p where p.id = p_user_id;
end $$;
insert into private.account_deletion_handlers (handler, position, module, description)
values ('private.test_deletion_handler(uuid)', 500, 'test', 'records the call');

select tests.clear_authentication();
select throws_ok($$ select public.delete_my_account() $$, '42501', null, 'anon cannot call delete_my_account');

-- bob: an operator with sessions and a phone, deletes his account.
reset role;
insert into public.user_roles (user_id, role) values (private.test_uid('bob'), 'moderator');
update public.profiles set bio = 'bio', neighbourhood = 'JLT', avatar_path = 'b/a.png' where id = private.test_uid('bob');
update public.profile_private set phone = '+447700900002', address = 'Home' where profile_id = private.test_uid('bob');
insert into auth.sessions (id, user_id, created_at, updated_at, aal) values (gen_random_uuid(), private.test_uid('bob'), now(), now(), 'aal1');
insert into auth.refresh_tokens (token, user_id, revoked, session_id)
  select 'tok-bob', private.test_uid('bob')::text, false, id from auth.sessions where user_id = private.test_uid('bob');
select tests.freeze_time('2030-05-06 07:08:09+00');
select tests.authenticate_as('bob');
select matches((public.delete_my_account() ->> 'username'), '^deleted_[0-9a-f]{6}$', 'delete_my_account returns the anonymised username');
-- bob's access token is still valid until it expires: it can no longer change anything.
select is((select count(*)::int from public.profiles where id = auth.uid()), 1, 'the deleted user still sees their anonymised profile');
select results_eq($$ with u as (update public.profiles set full_name = 'Bob Again', bio = 'back' where id = auth.uid() returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'a deleted account cannot put personal data back on its profile');
select throws_ok($$ select public.delete_my_account() $$, 'HL120', null, 'HL120: deleting twice');
select throws_ok($$ insert into public.businesses (name, owner_id) values ('Ghost Co', auth.uid()) $$, 'HL120', null,
  'a deleted account cannot open a business');
select throws_ok($$ select public.leave_business(gen_random_uuid()) $$, 'HL120', null, 'a deleted account cannot use membership RPCs');
reset role;
select ok((select deleted_at = '2030-05-06 07:08:09+00' and username ~ '^deleted_' and full_name = 'Deleted user'
                  and avatar_path is null and bio is null and neighbourhood is null and active_mode = 'customer'
             from public.profiles where id = private.test_uid('bob')),
  'deletion anonymises the profile and keeps the row');
select is((select count(*)::int from public.profile_private where profile_id = private.test_uid('bob')), 0,
  'deletion removes phone, home and address (profile_private)');
select is((select count(*)::int from public.user_roles where user_id = private.test_uid('bob')), 0,
  'deletion removes operator roles');
select ok((select u.deleted_at = '2030-05-06 07:08:09+00' and u.email is distinct from 'bob@example.test' and u.email !~ '@'
                  and u.encrypted_password = '' and u.raw_user_meta_data = '{}' and u.raw_app_meta_data = '{}'
                  and u.banned_until > now() + interval '50 years' and u.confirmation_token = '' and u.recovery_token = ''
             from auth.users u where u.id = private.test_uid('bob')),
  'deletion soft-deletes the auth user as GoTrue does (row kept, email obfuscated, secrets cleared, banned)');
select is((select count(*)::int from auth.identities where user_id = private.test_uid('bob'))
          + (select count(*)::int from auth.sessions where user_id = private.test_uid('bob'))
          + (select count(*)::int from auth.refresh_tokens where user_id = private.test_uid('bob')::text), 0,
  'deletion removes identities, sessions and refresh tokens');
select ok((select requested_by = private.test_uid('bob') and reason = 'self-service'
                  -- (other modules' handlers run too; identity's and the test's keep their order)
                  and array(select h from unnest(handlers) with ordinality u(h, n)
                             where h in ('private.delete_account_memberships(uuid)', 'private.test_deletion_handler(uuid)',
                                         'private.delete_account_profile(uuid)')
                             order by n)
                      = array['private.delete_account_memberships(uuid)', 'private.test_deletion_handler(uuid)', 'private.delete_account_profile(uuid)']
             from private.account_deletions where user_id = private.test_uid('bob')),
  'the deletion is recorded with the handlers that ran, in order');
select is((select username_at_call from private.test_deletion_calls where user_id = private.test_uid('bob')), 'bob',
  'registered handlers are called with the user id before the profile is anonymised');
select tests.unfreeze_time();

select tests.clear_authentication();
select is((select count(*)::int from public.profiles where id = private.test_uid('bob')), 0,
  'a deleted profile is hidden from anon');
select tests.authenticate_as('alice');
select is((select count(*)::int from public.profiles where id = private.test_uid('bob')), 0,
  'a deleted profile is hidden from other users');
reset role;
select throws_ok($$ update public.profiles set username = 'deleted_abcdef' where id = private.test_uid('alice') $$, 'HL101', null,
  'only deleted accounts carry deleted_ usernames');
select lives_ok($$ select tests.create_supabase_user('bob2', email => 'bob@example.test', phone => '+447700900002') $$,
  'the email and phone of a deleted account are free for a new sign-up');

-- frank owns "Alice Plumbing" with gina as manager: he must transfer first, and nothing changes.
select tests.authenticate_as('frank');
select throws_ok($$ select public.delete_my_account() $$, 'HL119', null, 'HL119: an owner with other members must transfer first');
reset role;
select ok((select deleted_at is null and username = 'frank' from public.profiles where id = private.test_uid('frank'))
          and (select deleted_at is null and email = 'frank@example.test' from auth.users where id = private.test_uid('frank'))
          and not exists (select 1 from private.test_deletion_calls where user_id = private.test_uid('frank')),
  'a refused deletion changes nothing');

-- gina (manager of Alice Plumbing) deletes her account: her membership goes, the business stays.
select tests.authenticate_as('gina');
select lives_ok($$ select public.delete_my_account() $$, 'a manager deletes their account');
reset role;
select is((select count(*)::int from public.business_members where user_id = private.test_uid('gina')), 0,
  'deletion removes non-owner memberships');
select is((select count(*)::int from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing')), 1,
  'the business keeps its owner');
select tests.authenticate_as('frank');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), private.test_uid('gina')) $$,
  'HL114', null, 'a deleted account cannot be added to a business');

-- ivan is the only member of his business: it is closed and anonymised, not deleted.
select tests.authenticate_as('ivan');
insert into public.businesses (name, owner_id, description) values ('Ivan Solo Repairs', auth.uid(), 'Ivan''s phone: 050...');
select lives_ok($$ select public.delete_my_account() $$, 'a sole-member owner deletes their account');
reset role;
select ok((select closed_at is not null and name = 'Closed business' and description is null and logo_path is null
                  and owner_id = private.test_uid('ivan')
             from public.businesses where owner_id = private.test_uid('ivan')),
  'their business is closed and anonymised, and keeps its owner of record');
select is((select role from public.business_members where user_id = private.test_uid('ivan')), 'owner',
  'the closed business keeps exactly one owner row');
select tests.authenticate_as('alice');
select throws_ok($$ select public.add_business_member((select id from public.businesses where owner_id = private.test_uid('ivan')), auth.uid()) $$,
  'HL118', null, 'HL118: a closed business cannot change members');

-- A failing handler undoes the whole deletion.
reset role;
create function private.test_failing_handler(p_user_id uuid) returns void language plpgsql set search_path = '' as $$
begin
  raise exception using errcode = 'P0001', message = 'money: open balance';
end $$;
insert into private.account_deletion_handlers (handler, position, module, description)
values ('private.test_failing_handler(uuid)', 600, 'test', 'always refuses');
select tests.authenticate_as('judy');
select throws_ok($$ select public.delete_my_account() $$, 'P0001', 'money: open balance', 'a handler can refuse a deletion');
reset role;
select ok((select deleted_at is null from public.profiles where id = private.test_uid('judy'))
          and (select deleted_at is null from auth.users where id = private.test_uid('judy'))
          and not exists (select 1 from private.test_deletion_calls where user_id = private.test_uid('judy')),
  'a refused deletion is rolled back completely');
delete from private.account_deletion_handlers where handler = 'private.test_failing_handler(uuid)';
drop function private.test_failing_handler(uuid);

-- A handler whose function disappeared makes deletion fail loudly rather than skip it.
insert into private.account_deletion_handlers (handler, position, module, description)
values ('private.test_deletion_handler(uuid)', 500, 'test', 'records the call')
on conflict (handler) do nothing;
alter function private.test_deletion_handler(uuid) rename to test_deletion_handler_renamed;
select tests.authenticate_as('judy');
select throws_ok($$ select public.delete_my_account() $$, 'XX000', null, 'a handler that no longer exists stops the deletion');
reset role;
delete from private.account_deletion_handlers where module = 'test';

-- The operator variant: service_role only.
select ok(not has_function_privilege('authenticated', 'public.delete_user_account(uuid, text)', 'execute')
          and not has_function_privilege('anon', 'public.delete_user_account(uuid, text)', 'execute'),
  'delete_user_account is not executable by anon or authenticated');
select tests.authenticate_as('carol');
select throws_ok($$ select public.delete_user_account(private.test_uid('hank'), 'ticket 1') $$, '42501', null,
  'even an admin user cannot call the operator variant through a user token');
select tests.authenticate_as_service_role();
select throws_ok($$ select public.delete_user_account(private.test_uid('hank'), '') $$, 'HL004', null, 'HL004: a reason is required');
select throws_ok($$ select public.delete_user_account(gen_random_uuid(), 'ticket 7') $$, 'HL114', null, 'HL114: unknown user');
select lives_ok($$ select public.delete_user_account(private.test_uid('hank'), 'support ticket 42') $$,
  'service_role deletes an account for support');
select throws_ok($$ select public.delete_user_account(private.test_uid('hank'), 'again') $$, 'HL120', null, 'HL120: already deleted');
reset role;
select ok((select requested_by is null and reason = 'support ticket 42' from private.account_deletions where user_id = private.test_uid('hank'))
          and (select deleted_at is not null from public.profiles where id = private.test_uid('hank'))
          and (select phone is null from auth.users where id = private.test_uid('hank')),
  'the operator deletion has the same effects and records the reason');
select tests.authenticate_as_service_role();
select lives_ok($$ select public.delete_user_account(private.test_uid('su_phoneuser'), 'GDPR request 9') $$,
  'service_role deletes a phone sign-up');
reset role;
select ok((select length(phone) = 15 and phone <> '447700900009' and email is null from auth.users where id = private.test_uid('su_phoneuser')),
  'an auth phone is replaced by an obfuscated 15-character value, as GoTrue does');
------------------------------------------------------------------------------------------------
-- Verified badge of a business: operators with businesses.manage only
------------------------------------------------------------------------------------------------
reset role;
select tests.unfreeze_time();
insert into public.businesses (name, owner_id) values ('Judy Verified Co', tests.get_supabase_uid('judy'));
insert into public.businesses (name, owner_id, closed_at) values ('Judy Closed Co', tests.get_supabase_uid('judy'), now());
select tests.authenticate_as('judy');
select throws_ok($$ select public.verify_business((select id from public.businesses where name = 'Judy Verified Co')) $$,
  'HL002', null, 'an owner cannot verify their own business (HL002)');
select tests.authenticate_as('dave');
select throws_ok($$ select public.verify_business((select id from public.businesses where name = 'Judy Verified Co')) $$,
  'HL002', null, 'a moderator without businesses.manage cannot either');
select tests.authenticate_as('carol');
select is((public.verify_business((select id from public.businesses where name = 'Judy Verified Co'))).is_verified, true,
  'an admin verifies a business');
select throws_ok($$ select public.verify_business(gen_random_uuid()) $$, 'HL110', null, 'an unknown business is HL110');
select throws_ok($$ select public.verify_business((select id from public.businesses where name = 'Judy Closed Co')) $$,
  'HL118', null, 'a closed business is HL118');
select tests.clear_authentication();
select throws_ok($$ select public.verify_business(gen_random_uuid()) $$, '42501', null, 'anon cannot call verify_business');

select * from finish();
rollback;
