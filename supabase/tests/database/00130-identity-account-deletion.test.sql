-- Module identity, account deletion: the domain side (delete_user_account, service role only; the
-- edge function delete-account runs it for self-service and support), the handler registry other
-- modules plug into (order, refusal, rollback), what is anonymised, kept and removed, that nothing
-- in schema auth is written (Auth soft-deletes the sign-in account itself: tested through the Auth
-- server in tests/integration/identity.test.ts), and what a deleted account's still-valid token
-- can no longer do.
begin;
select plan(43);

select tests.create_supabase_user(u, metadata => jsonb_build_object('username', u))
  from unnest(array['alice', 'bob', 'frank', 'gina', 'ivan', 'judy']) u;
select tests.create_supabase_user('carol', metadata => '{"username": "carol_admin"}');
select tests.create_supabase_user('hank', metadata => '{"username": "hank", "phone": "+447700900008"}');
select tests.create_supabase_user('su_phoneuser', phone => '+447700900009');
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('carol'), 'admin');
-- frank owns "Alice Plumbing", with gina as manager.
insert into public.businesses (name, owner_id) values ('Alice Plumbing', tests.get_supabase_uid('frank'));
insert into public.business_members (business_id, user_id, role)
values ((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina'), 'manager');

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

select hasnt_function('public', 'delete_my_account', 'no self-service deletion RPC: clients call the delete-account function');
select ok(not has_function_privilege('authenticated', 'public.delete_user_account(uuid, text, uuid)', 'execute')
          and not has_function_privilege('anon', 'public.delete_user_account(uuid, text, uuid)', 'execute'),
  'delete_user_account is not executable by anon or authenticated');

-- bob: an operator with sessions and a phone, deletes his account.
reset role;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('bob'), 'moderator');
update public.profiles set bio = 'bio', neighbourhood = 'JLT', avatar_path = 'b/a.png' where id = tests.get_supabase_uid('bob');
update public.profile_private set phone = '+447700900002', address = 'Home' where profile_id = tests.get_supabase_uid('bob');
insert into auth.sessions (id, user_id, created_at, updated_at, aal) values (gen_random_uuid(), tests.get_supabase_uid('bob'), now(), now(), 'aal1');
insert into auth.refresh_tokens (token, user_id, revoked, session_id)
  select 'tok-bob', tests.get_supabase_uid('bob')::text, false, id from auth.sessions where user_id = tests.get_supabase_uid('bob');
create temporary table bob_auth_before as select * from auth.users where id = tests.get_supabase_uid('bob');
select tests.freeze_time('2030-05-06 07:08:09+00');
select tests.authenticate_as('bob');
select matches((tests.delete_own_account('bob') ->> 'username'), '^deleted_[0-9a-f]{6}$', 'deletion returns the anonymised username');
-- bob's access token is still valid until it expires: it can no longer change anything.
select is((select count(*)::int from public.profiles where id = auth.uid()), 1, 'the deleted user still sees their anonymised profile');
select results_eq($$ with u as (update public.profiles set full_name = 'Bob Again', bio = 'back' where id = auth.uid() returning 1) select count(*)::int from u $$,
  $$ values (0) $$, 'a deleted account cannot put personal data back on its profile');
select throws_ok($$ select tests.delete_own_account('bob') $$, 'HL120', null, 'HL120: deleting twice');
select throws_ok($$ insert into public.businesses (name, owner_id) values ('Ghost Co', auth.uid()) $$, 'HL120', null,
  'a deleted account cannot open a business');
select throws_ok($$ select public.leave_business(gen_random_uuid()) $$, 'HL120', null, 'a deleted account cannot use membership RPCs');
reset role;
select ok((select deleted_at = '2030-05-06 07:08:09+00' and username ~ '^deleted_' and full_name = 'Deleted user'
                  and avatar_path is null and bio is null and neighbourhood is null and active_mode = 'customer'
             from public.profiles where id = tests.get_supabase_uid('bob')),
  'deletion anonymises the profile and keeps the row');
select is((select count(*)::int from public.profile_private where profile_id = tests.get_supabase_uid('bob')), 0,
  'deletion removes phone, home and address (profile_private)');
select is((select count(*)::int from public.user_roles where user_id = tests.get_supabase_uid('bob')), 0,
  'deletion removes operator roles');
select results_eq($$ select * from auth.users where id = tests.get_supabase_uid('bob') $$,
  $$ select * from bob_auth_before $$,
  'the domain deletion writes nothing in auth.users: Auth soft-deletes the sign-in account itself');
select is((select count(*)::int from auth.identities where user_id = tests.get_supabase_uid('bob'))
          + (select count(*)::int from auth.sessions where user_id = tests.get_supabase_uid('bob'))
          + (select count(*)::int from auth.refresh_tokens where user_id = tests.get_supabase_uid('bob')::text), 3,
  'and leaves identities, sessions and refresh tokens to Auth');
select ok((select requested_by = tests.get_supabase_uid('bob') and reason = 'self-service'
                  -- (other modules' handlers run too; identity's and the test's keep their order)
                  and array(select h from unnest(handlers) with ordinality u(h, n)
                             where h in ('private.delete_account_memberships(uuid)', 'private.test_deletion_handler(uuid)',
                                         'private.delete_account_profile(uuid)')
                             order by n)
                      = array['private.delete_account_memberships(uuid)', 'private.test_deletion_handler(uuid)', 'private.delete_account_profile(uuid)']
             from private.account_deletions where user_id = tests.get_supabase_uid('bob')),
  'the deletion is recorded with the handlers that ran, in order');
select is((select username_at_call from private.test_deletion_calls where user_id = tests.get_supabase_uid('bob')), 'bob',
  'registered handlers are called with the user id before the profile is anonymised');
select tests.unfreeze_time();

select tests.clear_authentication();
select is((select count(*)::int from public.profiles where id = tests.get_supabase_uid('bob')), 0,
  'a deleted profile is hidden from anon');
select tests.authenticate_as('alice');
select is((select count(*)::int from public.profiles where id = tests.get_supabase_uid('bob')), 0,
  'a deleted profile is hidden from other users');
reset role;
select throws_ok($$ update public.profiles set username = 'deleted_abcdef' where id = tests.get_supabase_uid('alice') $$, 'HL101', null,
  'only deleted accounts carry deleted_ usernames');
select tests.authenticate_as_service_role();
select throws_ok($$ select public.delete_user_account(tests.get_supabase_uid('alice'), 'self-service', tests.get_supabase_uid('bob')) $$,
  'HL004', null, 'HL004: a deletion is requested by the user themselves or by support, never by another user');
reset role;

-- frank owns "Alice Plumbing" with gina as manager: he must transfer first, and nothing changes.
select tests.authenticate_as('frank');
select throws_ok($$ select tests.delete_own_account('frank') $$, 'HL119', null, 'HL119: an owner with other members must transfer first');
reset role;
select ok((select deleted_at is null and username = 'frank' from public.profiles where id = tests.get_supabase_uid('frank'))
          and (select deleted_at is null and email = 'frank@example.test' from auth.users where id = tests.get_supabase_uid('frank'))
          and not exists (select 1 from private.test_deletion_calls where user_id = tests.get_supabase_uid('frank')),
  'a refused deletion changes nothing');

-- gina (manager of Alice Plumbing) deletes her account: her membership goes, the business stays.
select tests.authenticate_as('gina');
select lives_ok($$ select tests.delete_own_account('gina') $$, 'a manager deletes their account');
reset role;
select is((select count(*)::int from public.business_members where user_id = tests.get_supabase_uid('gina')), 0,
  'deletion removes non-owner memberships');
select is((select count(*)::int from public.business_members where business_id = (select id from public.businesses where name = 'Alice Plumbing')), 1,
  'the business keeps its owner');
select tests.authenticate_as('frank');
select throws_ok($$ select public.add_business_member((select id from public.businesses where name = 'Alice Plumbing'), tests.get_supabase_uid('gina')) $$,
  'HL114', null, 'a deleted account cannot be added to a business');

-- ivan is the only member of his business: it is closed and anonymised, not deleted.
select tests.authenticate_as('ivan');
insert into public.businesses (name, owner_id, description) values ('Ivan Solo Repairs', auth.uid(), 'Ivan''s phone: 050...');
select lives_ok($$ select tests.delete_own_account('ivan') $$, 'a sole-member owner deletes their account');
reset role;
select ok((select closed_at is not null and name = 'Closed business' and description is null and logo_path is null
                  and owner_id = tests.get_supabase_uid('ivan')
             from public.businesses where owner_id = tests.get_supabase_uid('ivan')),
  'their business is closed and anonymised, and keeps its owner of record');
select is((select role from public.business_members where user_id = tests.get_supabase_uid('ivan')), 'owner',
  'the closed business keeps exactly one owner row');
select tests.authenticate_as('alice');
select throws_ok($$ select public.add_business_member((select id from public.businesses where owner_id = tests.get_supabase_uid('ivan')), auth.uid()) $$,
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
select throws_ok($$ select tests.delete_own_account('judy') $$, 'P0001', 'money: open balance', 'a handler can refuse a deletion');
reset role;
select ok((select deleted_at is null from public.profiles where id = tests.get_supabase_uid('judy'))
          and (select deleted_at is null from auth.users where id = tests.get_supabase_uid('judy'))
          and not exists (select 1 from private.test_deletion_calls where user_id = tests.get_supabase_uid('judy')),
  'a refused deletion is rolled back completely');
delete from private.account_deletion_handlers where handler = 'private.test_failing_handler(uuid)';
drop function private.test_failing_handler(uuid);

-- A handler whose function disappeared makes deletion fail loudly rather than skip it.
insert into private.account_deletion_handlers (handler, position, module, description)
values ('private.test_deletion_handler(uuid)', 500, 'test', 'records the call')
on conflict (handler) do nothing;
alter function private.test_deletion_handler(uuid) rename to test_deletion_handler_renamed;
select tests.authenticate_as('judy');
select throws_ok($$ select tests.delete_own_account('judy') $$, 'XX000', null, 'a handler that no longer exists stops the deletion');
reset role;
delete from private.account_deletion_handlers where module = 'test';

-- Support deletion: service_role only, with a reason.
select tests.authenticate_as('carol');
select throws_ok($$ select public.delete_user_account(tests.get_supabase_uid('hank'), 'ticket 1') $$, '42501', null,
  'even an admin user cannot call the operator variant through a user token');
select tests.authenticate_as_service_role();
select throws_ok($$ select public.delete_user_account(tests.get_supabase_uid('hank'), '') $$, 'HL004', null, 'HL004: a reason is required');
select throws_ok($$ select public.delete_user_account(gen_random_uuid(), 'ticket 7') $$, 'HL114', null, 'HL114: unknown user');
select lives_ok($$ select public.delete_user_account(tests.get_supabase_uid('hank'), 'support ticket 42') $$,
  'service_role deletes an account for support');
select throws_ok($$ select public.delete_user_account(tests.get_supabase_uid('hank'), 'again') $$, 'HL120', null, 'HL120: already deleted');
reset role;
select ok((select requested_by is null and reason = 'support ticket 42' from private.account_deletions where user_id = tests.get_supabase_uid('hank'))
          and (select deleted_at is not null from public.profiles where id = tests.get_supabase_uid('hank'))
          and (select deleted_at is null and phone is null from auth.users where id = tests.get_supabase_uid('hank')),
  'the support deletion has the same effects, records the reason and leaves auth.users to Auth');
select tests.authenticate_as_service_role();
select lives_ok($$ select public.delete_user_account(tests.get_supabase_uid('su_phoneuser'), 'GDPR request 9') $$,
  'service_role deletes a phone sign-up');
reset role;
select ok((select phone = '447700900009' and deleted_at is null from auth.users where id = tests.get_supabase_uid('su_phoneuser')),
  'the sign-in phone stays until Auth soft-deletes the user (Auth obfuscates it then)');

select * from finish();
rollback;
