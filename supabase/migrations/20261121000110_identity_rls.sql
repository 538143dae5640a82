-- Module: identity (access)
-- Operator permissions (private.authorize, the custom access token hook), business roles, and the
-- row level security and privileges of identity's tables; the avatars bucket's folder rule.

------------------------------------------------------------------------------------------------
-- Operator roles: policies check the table itself (private.authorize), so a revoked role stops
-- working at once; the custom access token hook copies the roles into the JWT for the apps.
------------------------------------------------------------------------------------------------
create or replace function private.authorize(p_permission text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
      from public.user_roles ur
      join public.role_permissions rp on rp.role = ur.role
     where ur.user_id = (select auth.uid())
       and rp.permission = p_permission
  );
$$;
comment on function private.authorize(text) is
  'True when the calling user holds an operator role with this permission. Use as (select private.authorize(''x.y'')) in policies.';
revoke all on function private.authorize(text) from public, anon, authenticated, service_role;
grant execute on function private.authorize(text) to anon, authenticated, service_role;

create or replace function private.require_permission(p_permission text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  if not private.authorize(p_permission) then
    perform private.raise_error('HL002', pg_catalog.format('needs the %s permission', p_permission));
  end if;
  return v_uid;
end;
$$;
comment on function private.require_permission(text) is
  'The calling operator''s id when they hold the permission; HL001 without a user, HL002 without the permission.';
revoke all on function private.require_permission(text) from public, anon, authenticated, service_role;
grant execute on function private.require_permission(text) to authenticated, service_role;

create or replace function private.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  v_roles jsonb;
begin
  select coalesce(pg_catalog.jsonb_agg(ur.role order by ur.role), '[]'::jsonb)
    into v_roles
    from public.user_roles ur
   where ur.user_id = (event ->> 'user_id')::uuid;
  v_claims := pg_catalog.jsonb_set(v_claims, '{user_roles}', v_roles);
  return pg_catalog.jsonb_build_object('claims', v_claims);
end;
$$;
comment on function private.custom_access_token_hook(jsonb) is
  'Supabase Auth custom access token hook: adds the claim user_roles (operator roles).';
grant usage on schema private to supabase_auth_admin;
revoke all on function private.custom_access_token_hook(jsonb) from public, anon, authenticated, service_role;
grant execute on function private.custom_access_token_hook(jsonb) to supabase_auth_admin;

------------------------------------------------------------------------------------------------
-- Business roles
------------------------------------------------------------------------------------------------
create or replace function private.business_role(p_business_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select bm.role from public.business_members bm
   where bm.business_id = p_business_id and bm.user_id = (select auth.uid());
$$;
comment on function private.business_role(uuid) is 'The calling user''s role in a business (owner, manager, staff) or null.';

create or replace function private.business_ids_with_role(p_roles text[])
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select bm.business_id from public.business_members bm
   where bm.user_id = (select auth.uid()) and bm.role = any (p_roles);
$$;
comment on function private.business_ids_with_role(text[]) is
  'Businesses where the calling user holds one of the roles. Use as business_id = any (array(select ...)) in policies.';
revoke all on function
  private.business_role(uuid),
  private.business_ids_with_role(text[])
  from public, anon, authenticated, service_role;
grant execute on function private.business_role(uuid), private.business_ids_with_role(text[])
  to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Row level security and privileges
------------------------------------------------------------------------------------------------
alter table public.profiles enable row level security;
alter table public.profile_private enable row level security;
alter table public.user_roles enable row level security;
alter table public.role_permissions enable row level security;
alter table public.businesses enable row level security;
alter table public.business_members enable row level security;

-- profiles: public read; owners edit their own non-trust fields.
create policy "Profiles of active accounts are public" on public.profiles
  for select to anon, authenticated
  using (deleted_at is null or id = (select auth.uid()));
-- A deleted account's access token stays valid until it expires: it must not put personal data
-- back on its anonymised profile.
create policy "Users can edit their own profile" on public.profiles
  for update to authenticated
  using (id = (select auth.uid()) and deleted_at is null)
  with check (id = (select auth.uid()) and deleted_at is null);
revoke all on table public.profiles from anon, authenticated, service_role;
grant select on public.profiles to anon, authenticated;
grant update (username, full_name, avatar_path, bio, neighbourhood, locale, currency) on public.profiles to authenticated;
grant select, insert, update, delete on public.profiles to service_role;

-- profile_private: the owner, and operators allowed to read private data.
create policy "Users can read their own private details; support can read all" on public.profile_private
  for select to authenticated
  using (profile_id = (select auth.uid()) or (select private.authorize('users.read_private')));
create policy "Users can edit their own private details" on public.profile_private
  for update to authenticated
  using (profile_id = (select auth.uid()))
  with check (profile_id = (select auth.uid()));
revoke all on table public.profile_private from anon, authenticated, service_role;
grant select on public.profile_private to authenticated;
grant update (phone, home_location, address, building_name) on public.profile_private to authenticated;
grant select, insert, update, delete on public.profile_private to service_role;

-- user_roles: users see their own roles; admins see and change all.
create policy "Users can read their own roles; admins read all" on public.user_roles
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.authorize('roles.manage')));
create policy "Admins can grant roles" on public.user_roles
  for insert to authenticated
  with check ((select private.authorize('roles.manage')) and granted_by = (select auth.uid()));
create policy "Admins can revoke roles" on public.user_roles
  for delete to authenticated
  using ((select private.authorize('roles.manage')));
revoke all on table public.user_roles from anon, authenticated, service_role;
grant select, insert (user_id, role, granted_by), delete on public.user_roles to authenticated;
grant select, insert, update, delete on public.user_roles to service_role;

create policy "Role permissions are readable by signed-in users" on public.role_permissions
  for select to authenticated
  using (true);
revoke all on table public.role_permissions from anon, authenticated, service_role;
grant select on public.role_permissions to authenticated;
grant select, insert, update, delete on public.role_permissions to service_role;

-- businesses: public read; any user can create one (becoming its owner); owner and managers edit.
create policy "Businesses are public" on public.businesses
  for select to anon, authenticated
  using (true);
create policy "Users can create a business they own" on public.businesses
  for insert to authenticated
  with check (owner_id = (select auth.uid()));
-- The owner of record of a closed business is a deleted account whose token may still be valid: it
-- must not rename the anonymised business or delete the row bookings point at.
create policy "Owners and managers can edit their business" on public.businesses
  for update to authenticated
  using (closed_at is null and id = any (array(select private.business_ids_with_role(array['owner', 'manager']))))
  with check (closed_at is null and id = any (array(select private.business_ids_with_role(array['owner', 'manager']))));
create policy "Owners can delete their business" on public.businesses
  for delete to authenticated
  using (owner_id = (select auth.uid()) and closed_at is null);
revoke all on table public.businesses from anon, authenticated, service_role;
grant select on public.businesses to anon, authenticated;
grant insert (name, description, logo_path, owner_id) on public.businesses to authenticated;
grant update (name, description, logo_path) on public.businesses to authenticated;
grant delete on public.businesses to authenticated;
grant select, insert, update, delete on public.businesses to service_role;

-- business_members: visible to fellow members; changed through RPCs only.
create policy "Members can see the members of their businesses" on public.business_members
  for select to authenticated
  using (business_id = any (array(select private.business_ids_with_role(array['owner', 'manager', 'staff']))));
revoke all on table public.business_members from anon, authenticated, service_role;
grant select on public.business_members to authenticated;
grant select, insert, update, delete on public.business_members to service_role;

------------------------------------------------------------------------------------------------
-- Storage: the public avatars bucket; users write under their own <user id>/ folder.
------------------------------------------------------------------------------------------------
insert into private.storage_buckets (bucket_id, module, handler, description) values
  ('avatars', 'identity', 'private.storage_user_folder(text)', 'Profile pictures (public URLs); users write under <user id>/.');
