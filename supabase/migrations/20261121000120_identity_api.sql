-- Module: identity (RPCs)
-- Switching modes and business membership (add, change role, remove, leave, transfer ownership).
-- The verified badge of a business comes from the verification module's decision path.

------------------------------------------------------------------------------------------------
-- Modes
------------------------------------------------------------------------------------------------
create or replace function public.switch_mode(p_mode text)
returns public.profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_profile public.profiles;
begin
  if p_mode is null or p_mode not in ('customer', 'provider', 'seller') then
    perform private.raise_error('HL105', pg_catalog.format('mode %L', p_mode));
  end if;
  select * into v_profile from public.profiles where id = v_uid for update;
  if not found or v_profile.deleted_at is not null then
    perform private.raise_error('HL003', 'profile not found');
  end if;
  if p_mode = 'provider' and not v_profile.is_provider then
    perform private.raise_error('HL106');
  end if;
  update public.profiles
     set active_mode = p_mode,
         is_seller = is_seller or p_mode = 'seller'
   where id = v_uid
  returning * into v_profile;
  return v_profile;
end;
$$;
comment on function public.switch_mode(text) is
  'Switches the app between customer, provider and seller mode for the calling user. Provider mode needs a provider profile; seller mode enables selling. Errors: HL105 unknown mode, HL106 not a provider yet.';
revoke all on function public.switch_mode(text) from public, anon, authenticated, service_role;
grant execute on function public.switch_mode(text) to authenticated;

------------------------------------------------------------------------------------------------
-- Business membership RPCs.
-- Every change first locks the business row (FOR UPDATE), so concurrent changes to one
-- business's members run one after another; the partial unique index business_members_one_owner
-- is the last line of defence for "exactly one owner".
------------------------------------------------------------------------------------------------
create or replace function private.current_active_user()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  if exists (select 1 from public.profiles p where p.id = v_uid and p.deleted_at is not null) then
    perform private.raise_error('HL120');
  end if;
  return v_uid;
end;
$$;
comment on function private.current_active_user() is
  'The calling user''s id; raises HL001 without a user and HL120 for a deleted account.';

create or replace function private.lock_business_for_members(p_business_id uuid, p_uid uuid)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_business public.businesses;
  v_role text;
begin
  select * into v_business from public.businesses b where b.id = p_business_id for update;
  if not found then
    perform private.raise_error('HL110', pg_catalog.format('business %s', p_business_id));
  end if;
  if v_business.closed_at is not null then
    perform private.raise_error('HL118', pg_catalog.format('business %s', p_business_id));
  end if;
  select bm.role into v_role from public.business_members bm
   where bm.business_id = p_business_id and bm.user_id = p_uid;
  if v_role is null then
    perform private.raise_error('HL111', pg_catalog.format('business %s', p_business_id));
  end if;
  return v_role;
end;
$$;
comment on function private.lock_business_for_members(uuid, uuid) is
  'Locks a business row for a membership change and returns the user''s role in it (HL110 / HL118 / HL111 otherwise).';

create or replace function private.check_member_role(p_role text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_role = 'owner' then
    perform private.raise_error('HL116');
  end if;
  if p_role is null or p_role not in ('manager', 'staff') then
    perform private.raise_error('HL107', pg_catalog.format('role %L', p_role));
  end if;
end;
$$;
comment on function private.check_member_role(text) is
  'Accepts the roles add/change RPCs may give (manager, staff): HL116 for owner, HL107 for anything else.';

create or replace function public.add_business_member(
  p_business_id uuid,
  p_user_id uuid default null,
  p_username text default null,
  p_role text default 'staff'
)
returns public.business_members
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.current_active_user();
  v_my_role text;
  v_target uuid;
  v_member public.business_members;
begin
  perform private.check_member_role(p_role);
  if (p_user_id is null) = (nullif(pg_catalog.btrim(p_username), '') is null) then
    perform private.raise_error('HL117');
  end if;
  v_my_role := private.lock_business_for_members(p_business_id, v_uid);
  if not (v_my_role = 'owner' or (v_my_role = 'manager' and p_role = 'staff')) then
    perform private.raise_error('HL112',
      pg_catalog.format('a %s cannot add a %s', v_my_role, p_role));
  end if;

  if p_user_id is not null then
    select p.id into v_target from public.profiles p where p.id = p_user_id and p.deleted_at is null;
  else
    select p.id into v_target from public.profiles p
     where lower(p.username) = lower(pg_catalog.btrim(p_username)) and p.deleted_at is null;
  end if;
  if v_target is null then
    perform private.raise_error('HL114', coalesce(p_user_id::text, p_username));
  end if;
  if exists (select 1 from public.business_members bm
              where bm.business_id = p_business_id and bm.user_id = v_target) then
    perform private.raise_error('HL115');
  end if;
  -- Hold the target's profile against a concurrent account deletion (which locks it FOR UPDATE
  -- first): either that deletion sees this membership, or this call sees the deletion.
  perform 1 from public.profiles p where p.id = v_target and p.deleted_at is null for share;
  if not found then
    perform private.raise_error('HL114', coalesce(p_user_id::text, p_username));
  end if;

  insert into public.business_members (business_id, user_id, role, added_by)
  values (p_business_id, v_target, p_role, v_uid)
  returning * into v_member;
  return v_member;
end;
$$;
comment on function public.add_business_member(uuid, uuid, text, text) is
  'Adds an account to a business by user id or username (exactly one) as manager or staff (default staff). '
  'The owner may add managers and staff, a manager only staff, staff nobody. '
  'Errors: HL107 unknown role, HL116 owner role (use transfer_business_ownership), HL117 neither/both identifiers, '
  'HL110 no such business, HL118 closed, HL111 caller not a member, HL112 role too low, HL114 no such active account, HL115 already a member.';
revoke all on function
  public.add_business_member(uuid, uuid, text, text)
  from public, anon, authenticated, service_role;
grant execute on function public.add_business_member(uuid, uuid, text, text) to authenticated;

create or replace function public.change_business_member_role(p_business_id uuid, p_user_id uuid, p_role text)
returns public.business_members
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.current_active_user();
  v_my_role text;
  v_member public.business_members;
begin
  perform private.check_member_role(p_role);
  v_my_role := private.lock_business_for_members(p_business_id, v_uid);
  if v_my_role <> 'owner' then
    perform private.raise_error('HL112', 'only the owner changes member roles');
  end if;
  select * into v_member from public.business_members bm
   where bm.business_id = p_business_id and bm.user_id = p_user_id;
  if not found then
    perform private.raise_error('HL113');
  end if;
  if v_member.role = 'owner' then
    perform private.raise_error('HL108', 'the owner''s role changes only by transfer_business_ownership');
  end if;
  if v_member.role <> p_role then
    update public.business_members bm set role = p_role
     where bm.business_id = p_business_id and bm.user_id = p_user_id
    returning * into v_member;
  end if;
  return v_member;
end;
$$;
comment on function public.change_business_member_role(uuid, uuid, text) is
  'The owner changes a member between manager and staff. '
  'Errors: HL107/HL116 bad role, HL110, HL118, HL111, HL112 caller is not the owner, HL113 not a member, HL108 target is the owner.';
revoke all on function
  public.change_business_member_role(uuid, uuid, text)
  from public, anon, authenticated, service_role;
grant execute on function public.change_business_member_role(uuid, uuid, text) to authenticated;

create or replace function public.remove_business_member(p_business_id uuid, p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.current_active_user();
  v_my_role text;
  v_target_role text;
begin
  v_my_role := private.lock_business_for_members(p_business_id, v_uid);
  select bm.role into v_target_role from public.business_members bm
   where bm.business_id = p_business_id and bm.user_id = p_user_id;
  if v_target_role is null then
    perform private.raise_error('HL113');
  end if;
  if v_target_role = 'owner' then
    perform private.raise_error('HL108', 'the owner cannot be removed; transfer ownership first');
  end if;
  -- Anyone may remove themselves (as leave_business); otherwise the owner removes anyone, a
  -- manager removes staff, staff remove nobody.
  if p_user_id <> v_uid
     and not (v_my_role = 'owner' or (v_my_role = 'manager' and v_target_role = 'staff')) then
    perform private.raise_error('HL112', pg_catalog.format('a %s cannot remove a %s', v_my_role, v_target_role));
  end if;
  delete from public.business_members bm
   where bm.business_id = p_business_id and bm.user_id = p_user_id;
end;
$$;
comment on function public.remove_business_member(uuid, uuid) is
  'Removes a member: the owner removes managers and staff, a manager removes staff, staff nobody; anyone may remove themselves. '
  'Errors: HL110, HL118, HL111 caller not a member, HL113 not a member, HL108 target is the owner, HL112 role too low.';
revoke all on function
  public.remove_business_member(uuid, uuid)
  from public, anon, authenticated, service_role;
grant execute on function public.remove_business_member(uuid, uuid) to authenticated;

create or replace function public.leave_business(p_business_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.current_active_user();
  v_my_role text;
begin
  v_my_role := private.lock_business_for_members(p_business_id, v_uid);
  if v_my_role = 'owner' then
    perform private.raise_error('HL108', 'transfer ownership before leaving');
  end if;
  delete from public.business_members bm
   where bm.business_id = p_business_id and bm.user_id = v_uid;
end;
$$;
comment on function public.leave_business(uuid) is
  'The calling member leaves the business. Errors: HL110, HL118, HL111 not a member, HL108 the owner must transfer ownership first.';
revoke all on function public.leave_business(uuid) from public, anon, authenticated, service_role;
grant execute on function public.leave_business(uuid) to authenticated;

create or replace function public.transfer_business_ownership(p_business_id uuid, p_new_owner_id uuid)
returns public.businesses
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.current_active_user();
  v_my_role text;
  v_business public.businesses;
begin
  v_my_role := private.lock_business_for_members(p_business_id, v_uid);
  if v_my_role <> 'owner' then
    perform private.raise_error('HL112', 'only the owner can transfer ownership');
  end if;
  if not exists (select 1 from public.business_members bm
                  where bm.business_id = p_business_id and bm.user_id = p_new_owner_id) then
    perform private.raise_error('HL113', 'the new owner must already be a member');
  end if;
  if exists (select 1 from public.profiles p where p.id = p_new_owner_id and p.deleted_at is not null) then
    perform private.raise_error('HL114', 'the new owner''s account is deleted');
  end if;
  if p_new_owner_id <> v_uid then
    -- Demote first: the partial unique index allows one owner row per business at any time.
    update public.business_members bm set role = 'manager'
     where bm.business_id = p_business_id and bm.user_id = v_uid;
    update public.business_members bm set role = 'owner'
     where bm.business_id = p_business_id and bm.user_id = p_new_owner_id;
    update public.businesses b set owner_id = p_new_owner_id where b.id = p_business_id;
  end if;
  select * into v_business from public.businesses b where b.id = p_business_id;
  return v_business;
end;
$$;
comment on function public.transfer_business_ownership(uuid, uuid) is
  'The owner hands the business to another current member; the previous owner stays as a manager (and may then leave). '
  'Keeps exactly one owner and businesses.owner_id in step. Errors: HL110, HL118, HL111, HL112 caller is not the owner, '
  'HL113 new owner is not a member, HL114 new owner''s account is deleted.';
revoke all on function
  public.transfer_business_ownership(uuid, uuid)
  from public, anon, authenticated, service_role;
grant execute on function public.transfer_business_ownership(uuid, uuid) to authenticated;

-- businesses.is_verified is set by the verification module's decision path only (a trade licence
-- submission approved by an operator with users.verify); no column grant lets anyone else write it.
