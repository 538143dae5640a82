-- Module identity, profiles: the sign-up trigger, public profiles, private details and modes.
-- Every policy is exercised for the row's owner, another user, anon and operators (admin,
-- moderator, support), including attempts that must fail.
begin;
select plan(65);

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

select * from finish();
rollback;
