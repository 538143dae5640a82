-- Module identity, businesses: the policies on businesses and business_members for the owner,
-- managers, staff, non-members, anon and operators; the membership RPCs (add, change role,
-- remove, leave, transfer ownership) with every refusal.
begin;
select plan(72);

select tests.create_supabase_user(u, metadata => jsonb_build_object('username', u))
  from unnest(array['alice', 'bob', 'frank', 'gina', 'hank', 'judy']) u;
select tests.create_supabase_user('carol', metadata => '{"username": "carol_admin"}');
select tests.create_supabase_user('dave', metadata => '{"username": "dave_mod"}');
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('carol'), 'admin'),
  (tests.get_supabase_uid('dave'), 'moderator');

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

select * from finish();
rollback;
