-- Module: identity (tables)
-- Profiles (created from sign-up metadata), private contact details, modes (customer / provider /
-- seller), operator roles and their permissions, and provider businesses with their members;
-- the validation and derived-data triggers that keep them consistent.

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL1xx).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL101', 'invalid_username', 400,
   'Usernames are 3 to 30 characters: letters, digits, underscores or dots, starting with a letter.',
   'Choose another username, for example "sara.k" or "omar_fixes".'),
  ('HL102', 'username_taken', 409, 'This username is already taken.',
   'Usernames are unique regardless of letter case; choose another one.'),
  ('HL103', 'invalid_phone', 400, 'Phone numbers must be in E.164 format.',
   'Use a leading + and the country code, e.g. +971501234567.'),
  ('HL104', 'phone_taken', 409, 'This phone number belongs to another account.',
   'Sign in with that account, or use another number.'),
  ('HL105', 'invalid_mode', 400, 'Unknown mode.',
   'Use one of: customer, provider, seller.'),
  ('HL106', 'provider_onboarding_required', 409, 'You are not a provider yet.',
   'Create your provider profile first (create_provider_profile), then switch to provider mode.'),
  ('HL107', 'invalid_business_role', 400, 'Unknown business role.',
   'Use one of: owner, manager, staff.'),
  ('HL108', 'business_owner_required', 409, 'A business must keep exactly one owner.',
   'Transfer ownership to another member before leaving or changing the owner''s role.'),
  ('HL109', 'invalid_profile_field', 400, 'A profile field has an invalid value.',
   'See details for the field and its limits.'),
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
-- Validation helpers
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

create or replace function private.is_valid_phone(p_phone text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_phone ~ '^\+[1-9][0-9]{6,14}$';
$$;
comment on function private.is_valid_phone(text) is 'True for an E.164 phone number (+ and 7 to 15 digits).';

revoke all on function
  private.is_valid_username(text),
  private.is_valid_phone(text)
  from public, anon, authenticated, service_role;
grant execute on function private.is_valid_username(text), private.is_valid_phone(text)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Profiles: the public face of every account.
------------------------------------------------------------------------------------------------
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text not null,
  full_name text not null default '' check (char_length(full_name) <= 120),
  avatar_path text check (avatar_path is null or char_length(avatar_path) <= 300),
  bio text check (bio is null or char_length(bio) <= 1000),
  neighbourhood text check (neighbourhood is null or char_length(neighbourhood) <= 120),
  locale text not null default 'en' check (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  currency char(3) not null default 'AED' check (currency ~ '^[A-Z]{3}$'),
  -- Modes: every account is a customer; provider comes with a provider profile (catalog), seller
  -- with the first switch to seller mode. Maintained by the database only.
  is_provider boolean not null default false,
  is_seller boolean not null default false,
  active_mode text not null default 'customer' check (active_mode in ('customer', 'provider', 'seller')),
  -- Trust: set by verification and operators only.
  is_verified boolean not null default false,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Moderation: set while the account is hidden by an operator (trust module's hide_content on
  -- kind user); its provider profile then leaves discovery. Written by the database only.
  hidden_at timestamptz
);
comment on table public.profiles is
  'One public profile per account (created at sign-up). Contact details live in profile_private.';
comment on column public.profiles.username is 'Unique regardless of case; 3-30 letters, digits, _ or .';
comment on column public.profiles.avatar_path is 'Object path in the avatars bucket, under the owner''s <user id>/ folder.';
comment on column public.profiles.is_provider is 'True once the user has a provider profile (maintained by the database).';
comment on column public.profiles.is_seller is 'True once the user has switched to seller mode (maintained by the database).';
comment on column public.profiles.active_mode is 'The mode the app shows; change it with switch_mode().';
comment on column public.profiles.is_verified is 'Identity verified by Hyperlocal (operators/verification only).';
comment on column public.profiles.hidden_at is
  'Set while moderation hides the account (hide_content kind user): its provider profile leaves discovery. Database only.';

create unique index profiles_username_lower_key on public.profiles (lower(username));

create or replace trigger profiles_set_updated_at
  before update on public.profiles
  for each row execute function private.set_updated_at();

-- Contact details and home: visible to their owner only (bookings reveal them to the other party
-- through RPCs while a booking is active).
create table public.profile_private (
  profile_id uuid primary key references public.profiles (id) on delete cascade,
  phone text unique,
  phone_verified_at timestamptz,
  home_location extensions.geography(Point, 4326),
  address text check (address is null or char_length(address) <= 300),
  building_name text check (building_name is null or char_length(building_name) <= 120),
  updated_at timestamptz not null default now()
);
comment on table public.profile_private is
  'Owner-only contact details: phone (E.164, unique), home location, address, building.';
comment on column public.profile_private.phone_verified_at is 'Set by phone verification only.';

create or replace trigger profile_private_set_updated_at
  before update on public.profile_private
  for each row execute function private.set_updated_at();

-- Validation with actionable errors (constraints remain the last line of defence). Account
-- deletion alone may write the reserved "deleted_xxxxxx" username (deleted_at cannot be written
-- by users).
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

create or replace trigger profiles_check
  before insert or update on public.profiles
  for each row execute function private.check_profile();

create or replace function private.check_profile_private()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    if not private.is_valid_phone(new.phone) then
      perform private.raise_error('HL103', pg_catalog.format('%L is not an E.164 phone number', new.phone));
    end if;
    if exists (select 1 from public.profile_private pp
                where pp.phone = new.phone and pp.profile_id <> new.profile_id) then
      perform private.raise_error('HL104');
    end if;
    -- A new number is unverified until verification confirms it.
    if tg_op = 'UPDATE' then
      new.phone_verified_at := null;
    end if;
  end if;
  return new;
end;
$$;
comment on function private.check_profile_private() is 'Validates phone numbers (E.164, unique) and resets verification on change.';

create or replace trigger profile_private_check
  before insert or update on public.profile_private
  for each row execute function private.check_profile_private();

------------------------------------------------------------------------------------------------
-- Sign-up: GoTrue inserts auth.users; this trigger creates the profile from the metadata
-- (full_name, username, phone, locale). Sign-up never fails because of the metadata: an unusable
-- username is replaced by a generated one, an invalid or taken phone is left out.
------------------------------------------------------------------------------------------------
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

create or replace trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

-- Phone verification: Auth confirms a phone (phone sign-in, phone change) by setting
-- auth.users.phone_confirmed_at (and phone); the profile mirrors it. The confirmed number becomes the
-- profile's verified phone; an unverified claim of the same number by another profile is dropped
-- (Auth keeps phones unique, so the confirmed owner wins). Losing the confirmation unverifies it.
create or replace function private.handle_user_phone_confirmation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_phone text := case when new.phone is not null and new.phone <> '' then '+' || new.phone end;
  v_old_phone text := case when old.phone is not null and old.phone <> '' then '+' || old.phone end;
begin
  if new.phone_confirmed_at is not null and v_phone is not null then
    if not private.is_valid_phone(v_phone) then
      return null;
    end if;
    update public.profile_private pp
       set phone = null
     where pp.phone = v_phone and pp.profile_id <> new.id and pp.phone_verified_at is null;
    if exists (select 1 from public.profile_private pp where pp.phone = v_phone and pp.profile_id <> new.id) then
      return null;
    end if;
    -- Two steps: a changed number is reset to unverified by profile_private's check, then verified.
    update public.profile_private pp
       set phone = v_phone
     where pp.profile_id = new.id and pp.phone is distinct from v_phone;
    update public.profile_private pp
       set phone_verified_at = new.phone_confirmed_at
     where pp.profile_id = new.id and pp.phone_verified_at is distinct from new.phone_confirmed_at;
  elsif v_old_phone is not null then
    update public.profile_private pp
       set phone_verified_at = null
     where pp.profile_id = new.id and pp.phone = v_old_phone and pp.phone_verified_at is not null;
  end if;
  return null;
end;
$$;
comment on function private.handle_user_phone_confirmation() is
  'AFTER UPDATE OF phone, phone_confirmed_at on auth.users: mirrors Auth''s phone confirmation to profile_private '
  '(phone and phone_verified_at).';
revoke all on function private.handle_user_phone_confirmation() from public, anon, authenticated, service_role;

create or replace trigger on_auth_user_phone_confirmed
  after update of phone, phone_confirmed_at on auth.users
  for each row
  when (old.phone is distinct from new.phone or old.phone_confirmed_at is distinct from new.phone_confirmed_at)
  execute function private.handle_user_phone_confirmation();

------------------------------------------------------------------------------------------------
-- Operator roles and permissions (admin, moderator, support). Only admins change them; the
-- custom access token hook copies them into the JWT (claim `user_roles`) for the apps, while
-- policies check the table itself so a revoked role stops working at once.
------------------------------------------------------------------------------------------------
create table public.user_roles (
  user_id uuid not null references public.profiles (id) on delete cascade,
  role text not null check (role in ('admin', 'moderator', 'support')),
  granted_by uuid references public.profiles (id) on delete set null,
  granted_at timestamptz not null default now(),
  primary key (user_id, role)
);
comment on table public.user_roles is 'Operator roles. Only admins grant or revoke them.';
create index user_roles_granted_by_idx on public.user_roles (granted_by);

create table public.role_permissions (
  role text not null check (role in ('admin', 'moderator', 'support')),
  permission text not null check (permission ~ '^[a-z_]+\.[a-z_]+$'),
  primary key (role, permission)
);
comment on table public.role_permissions is 'What each operator role may do (permission names like "categories.manage").';

insert into public.role_permissions (role, permission) values
  ('admin', 'roles.manage'),
  ('admin', 'users.verify'),
  ('admin', 'users.read_private'),
  ('admin', 'categories.manage'),
  ('admin', 'content.moderate'),
  ('moderator', 'content.moderate'),
  ('support', 'users.read_private')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Provider businesses and their members (owner, manager, staff).
------------------------------------------------------------------------------------------------
create table public.businesses (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references public.profiles (id),
  name text not null check (char_length(name) between 2 and 120),
  description text check (description is null or char_length(description) <= 2000),
  logo_path text check (logo_path is null or char_length(logo_path) <= 300),
  is_verified boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Set when the sole member deleted their account: the business is closed and anonymised rather
  -- than deleted, because records of later modules (bookings) point at it.
  closed_at timestamptz
);
comment on table public.businesses is 'A provider business; its staff act on its bookings without seeing its finances.';
comment on column public.businesses.owner_id is 'The owning member (kept in sync with business_members by the database).';
create index businesses_owner_id_idx on public.businesses (owner_id);
comment on column public.businesses.closed_at is
  'Set when the business was closed (its sole owner deleted their account); its records are kept, its members frozen.';
create index businesses_closed_at_idx on public.businesses (closed_at);

create or replace trigger businesses_set_updated_at
  before update on public.businesses
  for each row execute function private.set_updated_at();

create table public.business_members (
  business_id uuid not null references public.businesses (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  role text not null check (role in ('owner', 'manager', 'staff')),
  added_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (business_id, user_id)
);
comment on table public.business_members is 'Members of a business and their role: owner, manager or staff.';
create index business_members_user_id_idx on public.business_members (user_id);
create index business_members_added_by_idx on public.business_members (added_by);
create unique index business_members_one_owner on public.business_members (business_id) where role = 'owner';

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

create or replace trigger businesses_add_owner
  after insert on public.businesses
  for each row execute function private.add_business_owner();
