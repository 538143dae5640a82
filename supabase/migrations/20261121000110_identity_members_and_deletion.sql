-- Module: identity (part 2)
-- Business membership RPCs (add, change role, remove, leave, transfer ownership), account
-- deletion with a registry of per-module deletion handlers, and fixes to part 1 found while
-- writing its tests (each marked "Fix:" below).

------------------------------------------------------------------------------------------------
-- Error codes (HL110-HL129 belong to this part).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL110', 'business_not_found', 404, 'This business does not exist.',
   'Check the business id.'),
  ('HL111', 'not_business_member', 403, 'You are not a member of this business.',
   'Only members of a business can manage its members; ask its owner to add you.'),
  ('HL112', 'business_role_insufficient', 403, 'Your role in this business does not allow this.',
   'Owners add, re-role and remove managers and staff; managers add and remove staff; staff cannot change members.'),
  ('HL113', 'business_member_not_found', 404, 'This person is not a member of the business.',
   'Add them with add_business_member first.'),
  ('HL114', 'user_not_found', 404, 'No active account matches this user.',
   'Check the user id or username; deleted accounts cannot be added.'),
  ('HL115', 'already_business_member', 409, 'This person is already a member of the business.',
   'Use change_business_member_role to change their role.'),
  ('HL116', 'owner_role_by_transfer_only', 400, 'The owner role is given only by transferring ownership.',
   'Use transfer_business_ownership; a business always has exactly one owner.'),
  ('HL117', 'member_identifier_required', 400, 'Give exactly one of a user id or a username.',
   'Pass p_user_id or p_username, not both and not neither.'),
  ('HL118', 'business_closed', 409, 'This business is closed.',
   'A closed business keeps its records but its members can no longer be changed.'),
  ('HL119', 'business_transfer_required', 409, 'You own a business that still has other members.',
   'Transfer ownership with transfer_business_ownership, or remove the other members, before deleting your account.'),
  ('HL120', 'account_deleted', 410, 'This account has been deleted.',
   'Deleted accounts cannot be used again; sign up for a new account.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Fix: usernames starting with "deleted_" are reserved for anonymised accounts (otherwise anyone
-- could pose as a deleted account). The generator of sign-up usernames now strips that prefix
-- and has a bounded loop: with the old body a base that can never be valid looped forever.
------------------------------------------------------------------------------------------------
create or replace function private.is_valid_username(p_username text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_username ~ '^[A-Za-z][A-Za-z0-9_.]{2,29}$'
     and p_username !~ '\.\.'
     and p_username !~ '\.$'
     and lower(p_username) !~ '^deleted_'
     and lower(p_username) <> all (array['admin', 'administrator', 'root', 'support', 'help', 'hyperlocal',
                                         'moderator', 'system', 'null', 'undefined', 'me', 'api']);
$$;
comment on function private.is_valid_username(text) is
  'True when a username has the allowed shape and is not reserved (reserved words and the "deleted_" prefix of anonymised accounts).';

create or replace function private.unique_username(p_wanted text, p_fallback text)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_base text;
  v_candidate text;
begin
  if p_wanted is not null and private.is_valid_username(p_wanted)
     and not exists (select 1 from public.profiles where lower(username) = lower(p_wanted)) then
    return p_wanted;
  end if;
  v_base := lower(pg_catalog.regexp_replace(coalesce(nullif(p_wanted, ''), p_fallback, 'user'), '[^A-Za-z0-9_]', '', 'g'));
  v_base := pg_catalog.regexp_replace(v_base, '^(deleted_)+', '');
  v_base := pg_catalog.regexp_replace(v_base, '^[^a-z]+', '');
  if pg_catalog.char_length(v_base) < 3 then
    v_base := 'user' || v_base;
  end if;
  v_base := pg_catalog.left(v_base, 22);
  for i in 1..50 loop
    -- After a few collisions fall back to a base that is always valid.
    if i > 20 then
      v_base := 'user';
    end if;
    v_candidate := v_base || '_' || pg_catalog.lpad((pg_catalog.floor(pg_catalog.random() * 1000000))::int::text, 6, '0');
    if private.is_valid_username(v_candidate)
       and not exists (select 1 from public.profiles where lower(username) = lower(v_candidate)) then
      return v_candidate;
    end if;
  end loop;
  raise exception using errcode = 'XX000', message = 'could not generate a free username';
end;
$$;
comment on function private.unique_username(text, text) is 'The wanted username if usable and free, else a generated one.';

------------------------------------------------------------------------------------------------
-- Fix: check_profile lets account deletion write the reserved "deleted_xxxxxx" username (and
-- only then: deleted_at cannot be written by users).
------------------------------------------------------------------------------------------------
create or replace function private.check_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.username is distinct from old.username then
    if new.deleted_at is not null and new.username ~ '^deleted_[a-z0-9]{6,}$' then
      null; -- anonymised by account deletion; uniqueness is still enforced by the index
    elsif new.username is null or not private.is_valid_username(new.username) then
      perform private.raise_error('HL101', pg_catalog.format('username %L is not allowed', new.username));
    elsif exists (select 1 from public.profiles p
                   where lower(p.username) = lower(new.username) and p.id <> new.id) then
      perform private.raise_error('HL102', pg_catalog.format('username %L is taken', new.username));
    end if;
  end if;
  if new.locale !~ '^[a-z]{2}(-[A-Z]{2})?$' then
    perform private.raise_error('HL109', 'locale must look like "en" or "ar-AE"');
  end if;
  if new.currency !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL109', 'currency must be an ISO 4217 code such as "AED"');
  end if;
  if pg_catalog.char_length(new.full_name) > 120 then
    perform private.raise_error('HL109', 'full_name is limited to 120 characters');
  end if;
  if pg_catalog.char_length(coalesce(new.bio, '')) > 1000 then
    perform private.raise_error('HL109', 'bio is limited to 1000 characters');
  end if;
  if pg_catalog.char_length(coalesce(new.neighbourhood, '')) > 120 then
    perform private.raise_error('HL109', 'neighbourhood is limited to 120 characters');
  end if;
  if pg_catalog.char_length(coalesce(new.avatar_path, '')) > 300 then
    perform private.raise_error('HL109', 'avatar_path is limited to 300 characters');
  end if;
  return new;
end;
$$;
comment on function private.check_profile() is 'Validates profile fields with Hyperlocal error codes.';

------------------------------------------------------------------------------------------------
-- Fix: "sign-up never fails because of the metadata" also under concurrency. Two sign-ups
-- asking for the same free username (or phone) at once both passed the existence check and the
-- second one failed on the unique index; now it gets a generated username (or no phone).
------------------------------------------------------------------------------------------------
create or replace function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  v_locale text := coalesce(nullif(v_meta ->> 'locale', ''), 'en');
  v_phone text := coalesce(nullif('+' || new.phone, '+'), nullif(v_meta ->> 'phone', ''));
  v_fallback text := pg_catalog.split_part(coalesce(new.email, ''), '@', 1);
  v_username text;
  v_attempt int := 0;
begin
  if v_locale !~ '^[a-z]{2}(-[A-Z]{2})?$' then
    v_locale := 'en';
  end if;
  v_username := private.unique_username(nullif(v_meta ->> 'username', ''), v_fallback);
  loop
    begin
      insert into public.profiles (id, username, full_name, locale)
      values (new.id, v_username,
              pg_catalog.left(coalesce(v_meta ->> 'full_name', v_meta ->> 'name', ''), 120), v_locale);
      exit;
    exception when unique_violation or sqlstate 'HL102' then
      v_attempt := v_attempt + 1;
      if v_attempt >= 5 then
        raise;
      end if;
      -- Someone took the name in the meantime: generate one from the same base.
      v_username := private.unique_username(null, coalesce(v_username, v_fallback));
    end;
  end loop;

  if v_phone is not null and (not private.is_valid_phone(v_phone)
      or exists (select 1 from public.profile_private where phone = v_phone)) then
    v_phone := null;
  end if;
  begin
    insert into public.profile_private (profile_id, phone, phone_verified_at)
    values (new.id, v_phone, case when new.phone_confirmed_at is not null and v_phone = '+' || new.phone
                                  then new.phone_confirmed_at end);
  exception when unique_violation or sqlstate 'HL104' then
    -- The number was claimed concurrently: sign up without it.
    insert into public.profile_private (profile_id) values (new.id);
  end;
  return new;
end;
$$;
comment on function private.handle_new_user() is 'AFTER INSERT on auth.users: creates the profile and its private part.';

------------------------------------------------------------------------------------------------
-- Fix: a deleted account's access token stays valid until it expires (at most jwt_expiry); it
-- must not be able to put personal data back on its anonymised profile.
------------------------------------------------------------------------------------------------
alter policy "Users can edit their own profile" on public.profiles
  using (id = (select auth.uid()) and deleted_at is null)
  with check (id = (select auth.uid()) and deleted_at is null);

------------------------------------------------------------------------------------------------
-- Closed businesses: when the only member of a business deletes their account, the business is
-- closed and anonymised rather than deleted, because later modules (bookings, payments, ledger)
-- keep records that reference it.
------------------------------------------------------------------------------------------------
alter table public.businesses add column closed_at timestamptz;
comment on column public.businesses.closed_at is
  'Set when the business was closed (its sole owner deleted their account); its records are kept, its members frozen.';
-- The owner of record of a closed business is a deleted account whose token may still be
-- valid: it must not rename the anonymised business or delete the row bookings point at.
alter policy "Owners and managers can edit their business" on public.businesses
  using (closed_at is null and id = any (array(select private.business_ids_with_role(array['owner', 'manager']))))
  with check (closed_at is null and id = any (array(select private.business_ids_with_role(array['owner', 'manager']))));
alter policy "Owners can delete their business" on public.businesses
  using (owner_id = (select auth.uid()) and closed_at is null);
create index if not exists businesses_closed_at_idx on public.businesses (closed_at);

-- Fix: a deleted account (token still valid) cannot open a business.
create or replace function private.add_business_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.profiles p where p.id = new.owner_id and p.deleted_at is not null) then
    perform private.raise_error('HL120');
  end if;
  insert into public.business_members (business_id, user_id, role, added_by)
  values (new.id, new.owner_id, 'owner', new.owner_id);
  return new;
end;
$$;
comment on function private.add_business_owner() is 'AFTER INSERT on businesses: the creator becomes the owner member.';

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
  v_uid uuid := (select auth.uid());
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
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

-- Operators with businesses.manage give (or take away) the verified badge of a business; nobody
-- else can write businesses.is_verified (no column grant).
create or replace function public.verify_business(p_business_id uuid, p_verified boolean default true)
returns public.businesses
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_business public.businesses;
begin
  if (select auth.uid()) is null then
    perform private.raise_error('HL001');
  end if;
  if not private.authorize('businesses.manage') then
    perform private.raise_error('HL002', 'needs the businesses.manage permission');
  end if;
  update public.businesses set is_verified = coalesce(p_verified, false)
   where id = p_business_id and closed_at is null
  returning * into v_business;
  if not found then
    if exists (select 1 from public.businesses b where b.id = p_business_id) then
      perform private.raise_error('HL118');
    end if;
    perform private.raise_error('HL110');
  end if;
  return v_business;
end;
$$;
comment on function public.verify_business(uuid, boolean) is
  'Operators (businesses.manage): marks a business verified or not. Errors: HL001, HL002, HL110 unknown, HL118 closed.';
revoke all on function public.verify_business(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function public.verify_business(uuid, boolean) to authenticated;

------------------------------------------------------------------------------------------------
-- Account deletion.
--
-- The auth user is soft-deleted the way GoTrue's soft delete does it (the row stays, personal
-- fields are obfuscated or cleared), so that every foreign key from records the law or the books
-- require us to keep (bookings, payments, ledger entries, reviews, disputes) stays valid, and the
-- profile is anonymised rather than deleted for the same reason. Each module that owns personal
-- data registers a handler here; delete_account calls them in order with the user id.
------------------------------------------------------------------------------------------------
create table private.account_deletion_handlers (
  -- A signature such as 'private.delete_account_profile(uuid)'. Text, not regprocedure:
  -- pg_upgrade (used for Postgres major upgrades on Supabase) refuses user tables with
  -- regprocedure columns. A trigger checks and normalises it.
  handler text primary key,
  position integer not null unique,
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  description text not null
);
comment on table private.account_deletion_handlers is
  'Per-module steps of account deletion, called by private.delete_account in ascending position with the user id. '
  'A handler is a function (p_user_id uuid) returning void; it removes or anonymises its module''s personal data and keeps '
  'what must be kept. Identity uses positions 100 (memberships) and 1000 (profile); other modules use 200-900.';

create or replace function private.check_account_deletion_handler()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_proc regprocedure;
begin
  v_proc := pg_catalog.to_regprocedure(new.handler);
  if v_proc is null then
    raise exception using errcode = '23514',
      message = pg_catalog.format('account deletion handler %L is not an existing function signature', new.handler);
  end if;
  if not exists (select 1 from pg_catalog.pg_proc p
                  where p.oid = v_proc and p.prokind = 'f' and p.pronargs = 1
                    and p.proargtypes[0] = 'uuid'::regtype and p.prorettype = 'void'::regtype) then
    raise exception using errcode = '23514',
      message = pg_catalog.format('account deletion handler %s must take (uuid) and return void', v_proc);
  end if;
  -- search_path is empty here, so this is the schema-qualified signature.
  new.handler := v_proc::text;
  return new;
end;
$$;
comment on function private.check_account_deletion_handler() is
  'BEFORE INSERT/UPDATE on account_deletion_handlers: the handler must be an existing (uuid) -> void function.';

create or replace trigger account_deletion_handlers_check
  before insert or update on private.account_deletion_handlers
  for each row execute function private.check_account_deletion_handler();

-- Who asked for which deletion, when and why: the accountability record kept after deletion.
-- No foreign key: the record must outlive even a later hard delete of the auth user.
create table private.account_deletions (
  user_id uuid primary key,
  requested_by uuid,
  reason text not null,
  deleted_at timestamptz not null,
  handlers text[] not null
);
comment on table private.account_deletions is
  'One row per deleted account: requested_by is the user themselves or null for a service/operator request, '
  'reason "self-service" or the operator''s reason, and the handlers that ran. Holds no personal data.';

-- Identity's handler 1: business memberships.
create or replace function private.delete_account_memberships(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_business_id uuid;
  v_role text;
begin
  for v_business_id in
    select bm.business_id
      from public.business_members bm
     where bm.user_id = p_user_id
     order by bm.business_id
  loop
    -- Same lock as the membership RPCs (in a fixed order, so deletions do not deadlock each
    -- other), then read the role again: a transfer may have committed while we waited.
    perform 1 from public.businesses b where b.id = v_business_id for update;
    select bm.role into v_role from public.business_members bm
     where bm.business_id = v_business_id and bm.user_id = p_user_id;
    if v_role is null then
      continue;
    elsif v_role <> 'owner' then
      delete from public.business_members bm
       where bm.business_id = v_business_id and bm.user_id = p_user_id;
    elsif exists (select 1 from public.business_members bm
                   where bm.business_id = v_business_id and bm.user_id <> p_user_id) then
      perform private.raise_error('HL119', pg_catalog.format('business %s', v_business_id));
    else
      -- Sole member: close and anonymise the business, keep the row (and the deleted account as
      -- its owner of record) for the records that reference it.
      update public.businesses b
         set closed_at = coalesce(b.closed_at, private.now()),
             name = 'Closed business',
             description = null,
             logo_path = null
       where b.id = v_business_id;
    end if;
  end loop;
end;
$$;
comment on function private.delete_account_memberships(uuid) is
  'Account deletion (identity, position 100): leaves every business where the user is manager or staff; closes and '
  'anonymises a business where they are the only member; refuses (HL119) while they own a business with other members.';

-- Identity's handler 2: the profile, private details and operator roles.
create or replace function private.delete_account_profile(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_username text;
begin
  loop
    v_username := 'deleted_' || pg_catalog.left(pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 6);
    exit when not exists (select 1 from public.profiles p where lower(p.username) = v_username);
  end loop;
  update public.profiles p
     set username = v_username,
         full_name = 'Deleted user',
         avatar_path = null,
         bio = null,
         neighbourhood = null,
         active_mode = 'customer',
         is_seller = false,
         deleted_at = private.now()
   where p.id = p_user_id;
  delete from public.profile_private pp where pp.profile_id = p_user_id;
  delete from public.user_roles ur where ur.user_id = p_user_id;
end;
$$;
comment on function private.delete_account_profile(uuid) is
  'Account deletion (identity, position 1000): anonymises the profile (username deleted_xxxxxx, name "Deleted user", '
  'no avatar/bio/neighbourhood), deletes profile_private (phone, home, address, building) and operator roles.';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_memberships(uuid)', 100, 'identity',
   'Leave businesses; close sole-member businesses; refuse while owning a business with other members.'),
  ('private.delete_account_profile(uuid)', 1000, 'identity',
   'Anonymise the profile; delete private details and operator roles.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

create or replace function private.delete_account(p_user_id uuid, p_requested_by uuid, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_deleted_at timestamptz;
  v_handlers text[] := '{}';
  h record;
begin
  -- Lock the account first: concurrent deletions of one account run one after another.
  select p.deleted_at into v_deleted_at from public.profiles p where p.id = p_user_id for update;
  if not found then
    perform private.raise_error('HL114', pg_catalog.format('user %s', p_user_id));
  end if;
  if v_deleted_at is not null then
    perform private.raise_error('HL120');
  end if;
  perform 1 from auth.users u where u.id = p_user_id for update;

  for h in
    select d.handler, n.nspname::text as nsp, p.proname::text as fn
      from private.account_deletion_handlers d
      left join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(d.handler)
      left join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     order by d.position
  loop
    if h.fn is null then
      raise exception using errcode = 'XX000',
        message = pg_catalog.format('account deletion handler %s no longer exists', h.handler);
    end if;
    execute pg_catalog.format('select %I.%I($1::uuid)', h.nsp, h.fn) using p_user_id;
    v_handlers := v_handlers || h.handler;
  end loop;

  -- GoTrue's soft delete: keep the row, obfuscate the identifiers (sha256 of id + value, as
  -- GoTrue does), clear secrets, tokens and metadata. A ban stops any sign-in; it is a far-future
  -- time (GoTrue's own "ban forever" is a duration of 876000h) rather than 'infinity', which Go's
  -- time.Time cannot hold when GoTrue reads the row.
  update auth.users u
     set email = case when u.email is null then null else
           pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(
             pg_catalog.sha256(pg_catalog.convert_to(u.id::text || u.email, 'UTF8')), 'base64'), '+/', '-_'), '=') end,
         phone = case when u.phone is null then null else
           pg_catalog.left(pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(
             pg_catalog.sha256(pg_catalog.convert_to(u.id::text || u.phone, 'UTF8')), 'base64'), '+/', '-_'), '='), 15) end,
         encrypted_password = '',
         email_change = '',
         phone_change = '',
         confirmation_token = '',
         recovery_token = '',
         email_change_token_current = '',
         email_change_token_new = '',
         phone_change_token = '',
         reauthentication_token = '',
         raw_user_meta_data = '{}'::jsonb,
         raw_app_meta_data = '{}'::jsonb,
         banned_until = pg_catalog.now() + interval '876000 hours',
         deleted_at = v_now,
         updated_at = pg_catalog.now()
   where u.id = p_user_id;
  -- Sign-in methods and sessions go (refresh tokens with them); a new sign-up with the same
  -- email, phone or OAuth account creates a new, unrelated account.
  delete from auth.identities i where i.user_id = p_user_id;
  delete from auth.mfa_factors f where f.user_id = p_user_id;
  delete from auth.refresh_tokens rt where rt.user_id = p_user_id::text;
  delete from auth.sessions s where s.user_id = p_user_id;
  delete from auth.one_time_tokens t where t.user_id = p_user_id;

  insert into private.account_deletions (user_id, requested_by, reason, deleted_at, handlers)
  values (p_user_id, p_requested_by, p_reason, v_now, v_handlers);

  return pg_catalog.jsonb_build_object(
    'user_id', p_user_id,
    'deleted_at', v_now,
    'username', (select p.username from public.profiles p where p.id = p_user_id),
    'handlers', pg_catalog.to_jsonb(v_handlers));
end;
$$;
comment on function private.delete_account(uuid, uuid, text) is
  'Deletes an account: runs private.account_deletion_handlers in order, then soft-deletes the auth user as GoTrue does '
  'and records the deletion in private.account_deletions. Atomic: any handler error (e.g. HL119) undoes everything.';

create or replace function public.delete_my_account()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  return private.delete_account(v_uid, v_uid, 'self-service');
end;
$$;
comment on function public.delete_my_account() is
  'Deletes the calling user''s account, at once and for good. '
  'Removed: email, phone, password, sign-in identities, sessions and refresh tokens, user metadata, phone/home/address/building '
  '(profile_private), avatar/bio/neighbourhood, operator roles, business memberships. '
  'Kept, anonymised: the auth.users row (soft-deleted and banned) and the profile row (username deleted_xxxxxx, name "Deleted user", '
  'deleted_at set, hidden from others), because bookings, payments, ledger entries and reviews must keep pointing at a party; '
  'a business where the user was the only member is closed and anonymised, not deleted, for the same reason; '
  'later modules keep what their handlers say (e.g. money keeps ledger rows). private.account_deletions records when and by whom. '
  'Access tokens already issued stay valid until they expire but can no longer change the profile or memberships. '
  'Errors: HL001 not signed in, HL119 you own a business with other members (transfer it first), HL120 already deleted. '
  'Returns {user_id, deleted_at, username, handlers}.';
revoke all on function public.delete_my_account() from public, anon, authenticated, service_role;
grant execute on function public.delete_my_account() to authenticated;

create or replace function public.delete_user_account(p_user_id uuid, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_user_id is null then
    perform private.raise_error('HL004', 'p_user_id is required');
  end if;
  if pg_catalog.char_length(pg_catalog.btrim(coalesce(p_reason, ''))) < 3 then
    perform private.raise_error('HL004', 'p_reason is required (e.g. the support ticket)');
  end if;
  return private.delete_account(p_user_id, null, pg_catalog.btrim(p_reason));
end;
$$;
comment on function public.delete_user_account(uuid, text) is
  'Support-initiated account deletion, for service_role only (Data API with the secret key, or an edge function). '
  'Same effects and errors as delete_my_account (HL114 unknown user, HL119, HL120); p_reason (e.g. the ticket) is required (HL004).';
revoke all on function public.delete_user_account(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.delete_user_account(uuid, text) to service_role;
