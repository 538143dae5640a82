-- Module: identity (account deletion)
-- The domain side of deleting an account, in one transaction: every module's registered handler,
-- then the accountability record. The sign-in account is Auth's: the edge function
-- delete-account runs this, then asks Auth to soft-delete the user (docs/identity.md).

------------------------------------------------------------------------------------------------
-- Account deletion.
--
-- This SQL writes to no table of Auth's (schema auth): Auth owns more tables than any project
-- SQL can know about (sessions, factors, passkeys, OAuth grants ...) and its soft delete keeps the
-- auth.users row, so every foreign key from records the law or the books require us to keep
-- (bookings and their timelines, today) stays valid. The profile is anonymised rather than
-- deleted for the same reason. Each module that owns personal data registers a handler here;
-- delete_account calls them in order with the user id.
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

create or replace trigger account_deletion_handlers_check
  before insert or update on private.account_deletion_handlers
  for each row execute function private.check_registry_handler('uuid', 'void');
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
   'Anonymise the profile; delete private details and operator roles.'),
  -- Core's notification data: last, so notifications other steps sent the user go too.
  ('private.delete_account_notifications(uuid)', 1100, 'core',
   'Delete device tokens, notification preferences and settings, notifications and pending pushes.')
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
  'The domain side of deleting an account: runs private.account_deletion_handlers in order and records the deletion in '
  'private.account_deletions. Atomic: any handler error (e.g. HL119) undoes everything. Writes nothing in schema auth: '
  'Auth deletes the sign-in account itself (edge function delete-account).';

create or replace function public.delete_user_account(p_user_id uuid, p_reason text, p_requested_by uuid default null)
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
  if p_requested_by is not null and p_requested_by <> p_user_id then
    perform private.raise_error('HL004', 'p_requested_by is the user themselves (self-service) or null (support)');
  end if;
  return private.delete_account(p_user_id, p_requested_by, pg_catalog.btrim(p_reason));
end;
$$;
comment on function public.delete_user_account(uuid, text, uuid) is
  'The domain side of account deletion, for service_role only: the edge function delete-account calls it (self-service '
  'with p_reason ''self-service'' and p_requested_by = the user; support with the ticket as p_reason), then has Auth '
  'soft-delete the sign-in account (DELETE /auth/v1/admin/users/{id}). Called alone it leaves the sign-in account to Auth. '
  'Removed: phone/home/address/building (profile_private), avatar/bio/neighbourhood, operator roles, business memberships. '
  'Kept, anonymised: the profile row (username deleted_xxxxxx, name "Deleted user", deleted_at set, hidden from others), '
  'because bookings and other records must keep pointing at a party; a business where the user was the only member is '
  'closed and anonymised, not deleted, for the same reason; the other modules'' steps (private.account_deletion_handlers: '
  'catalog, bookings, jobs) say what they keep. private.account_deletions records when, by whom and why. '
  'Errors: HL004 missing reason or a requester other than the user, HL114 unknown user, HL119 owner of a business with '
  'other members (transfer it first), HL120 already deleted. Returns {user_id, deleted_at, username, handlers}.';
revoke all on function public.delete_user_account(uuid, text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_user_account(uuid, text, uuid) to service_role;
