-- Module: catalog (derived data)
-- Triggers that keep what the database derives in step with what clients write: category paths,
-- provider coverage and flags, listing location and coverage, the provider's categories and
-- price, the time zones providers use, and the effect of account deletion and business changes
-- on provider profiles.

------------------------------------------------------------------------------------------------
-- Category paths. The triggers fire on every update: `update of path_ids` would never fire when
-- the BEFORE trigger derives it (path_ids cannot be written directly either).
------------------------------------------------------------------------------------------------
create or replace function private.category_path()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_parent_path uuid[];
begin
  if new.parent_id is null then
    new.path_ids := array[new.id];
  else
    select c.path_ids into v_parent_path from public.categories c where c.id = new.parent_id;
    if v_parent_path is null then
      perform private.raise_error('HL208', pg_catalog.format('parent category %s', new.parent_id));
    end if;
    if new.id = any (v_parent_path) then
      perform private.raise_error('HL211');
    end if;
    new.path_ids := v_parent_path || new.id;
  end if;
  return new;
end;
$$;
comment on function private.category_path() is 'BEFORE INSERT/UPDATE on categories: computes path_ids and refuses cycles.';

create trigger categories_path
  before insert or update on public.categories
  for each row execute function private.category_path();

create or replace function private.category_path_cascade()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Re-derive the direct children; their own triggers carry the change further down.
  update public.categories c set parent_id = c.parent_id where c.parent_id = new.id;
  return null;
end;
$$;
comment on function private.category_path_cascade() is 'AFTER UPDATE of path_ids: refreshes descendants.';

create trigger categories_path_cascade
  after update on public.categories
  for each row when (old.path_ids is distinct from new.path_ids)
  execute function private.category_path_cascade();

------------------------------------------------------------------------------------------------
-- A provider's categories (with ancestors) and lowest price: from active listings in live
-- categories; refreshed when listings change and when a category moves or is (de)activated.
------------------------------------------------------------------------------------------------
create or replace function private.refresh_provider_catalog(p_provider_id uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  with live as (
    select l.base_price, l.pricing_unit, c.path_ids
      from public.service_listings l
      join public.categories c on c.id = l.category_id
     where l.provider_id = p_provider_id
       and l.is_active
       and l.hidden_at is null
       and private.category_is_live(c.path_ids)
  ), derived as (
    select coalesce((select array_agg(distinct cid order by cid) from live cross join lateral unnest(live.path_ids) as cid), '{}') as category_ids,
           (select min(live.base_price) from live where live.pricing_unit <> 'quote') as price_from
  )
  update public.provider_profiles p
     set category_ids = d.category_ids,
         price_from = d.price_from
    from derived d
   where p.id = p_provider_id
     and (p.category_ids is distinct from d.category_ids or p.price_from is distinct from d.price_from);
$$;
comment on function private.refresh_provider_catalog(uuid) is
  'Recomputes provider_profiles.category_ids (with ancestors) and price_from from active listings (not hidden by moderation) in live categories.';

create or replace function private.service_listing_refresh_provider()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform private.refresh_provider_catalog(old.provider_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.provider_id <> old.provider_id) then
    perform private.refresh_provider_catalog(new.provider_id);
  end if;
  return null;
end;
$$;
comment on function private.service_listing_refresh_provider() is 'AFTER changes to service_listings: refreshes the provider''s derived catalog fields.';

create or replace trigger service_listings_refresh_provider
  after insert or delete or update of category_id, is_active, base_price, pricing_unit, provider_id, hidden_at
  on public.service_listings
  for each row execute function private.service_listing_refresh_provider();
create or replace function private.categories_refresh_providers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changed uuid[];
begin
  select coalesce(array_agg(n.id), '{}') into v_changed
    from new_rows n join old_rows o on o.id = n.id
   where n.path_ids is distinct from o.path_ids or n.is_active is distinct from o.is_active;
  if pg_catalog.cardinality(v_changed) = 0 then
    return null;
  end if;
  perform private.refresh_provider_catalog(x.provider_id)
     from (select distinct l.provider_id
             from public.categories c
             join public.service_listings l on l.category_id = c.id
            where c.path_ids && v_changed) x;
  return null;
end;
$$;
comment on function private.categories_refresh_providers() is
  'AFTER UPDATE (statement) on categories: refreshes providers with listings under a moved or (de)activated category.';

create or replace trigger categories_refresh_providers
  after update on public.categories
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.categories_refresh_providers();

------------------------------------------------------------------------------------------------
-- Provider profiles: coverage from the drawn area or the radius, the profiles.is_provider flag,
-- and listings that follow a move (coverage changes derive from a new radius or area too, so the
-- trigger compares the derived columns).
------------------------------------------------------------------------------------------------
create or replace function private.provider_profile_derive()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.coverage := coalesce(
    new.service_area,
    extensions.st_multi(extensions.st_buffer(new.base_location, new.service_radius_m::float8)::extensions.geometry)::extensions.geography);
  return new;
end;
$$;
comment on function private.provider_profile_derive() is 'BEFORE INSERT/UPDATE on provider_profiles: derives coverage from the drawn area or the radius.';

create or replace trigger provider_profiles_derive
  before insert or update of base_location, service_radius_m, service_area, timezone on public.provider_profiles
  for each row execute function private.provider_profile_derive();

create or replace function private.provider_profile_flag()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.profiles set is_provider = true where id = new.id;
  else
    update public.profiles
       set is_provider = false,
           active_mode = case when active_mode = 'provider' then 'customer' else active_mode end
     where id = old.id;
  end if;
  return null;
end;
$$;
comment on function private.provider_profile_flag() is 'Keeps profiles.is_provider in step with provider_profiles.';

create or replace trigger provider_profiles_flag
  after insert or delete on public.provider_profiles
  for each row execute function private.provider_profile_flag();

-- Provider moves or redraws its area: listings follow.
create or replace function private.provider_profile_propagate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.service_listings l
     set provider_id = l.provider_id
   where l.provider_id = new.id;
  return null;
end;
$$;
comment on function private.provider_profile_propagate() is 'AFTER UPDATE of the provider''s location/area: re-derives its listings.';

create trigger provider_profiles_propagate
  after update on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.coverage is distinct from new.coverage)
  execute function private.provider_profile_propagate();

------------------------------------------------------------------------------------------------
-- Listings: location and coverage from the provider and the listing's overrides.
------------------------------------------------------------------------------------------------
create or replace function private.service_listing_derive()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  v_provider := private.require_provider(new.provider_id);
  new.location := v_provider.base_location;
  new.coverage := case
    when new.service_area is not null then new.service_area
    when new.service_radius_m is not null then
      extensions.st_multi(extensions.st_buffer(v_provider.base_location, new.service_radius_m::float8)::extensions.geometry)::extensions.geography
    else v_provider.coverage
  end;
  return new;
end;
$$;
comment on function private.service_listing_derive() is 'BEFORE INSERT/UPDATE on service_listings: location and coverage from the provider and overrides.';

create or replace trigger service_listings_derive
  before insert or update of provider_id, service_radius_m, service_area on public.service_listings
  for each row execute function private.service_listing_derive();

------------------------------------------------------------------------------------------------
-- Time zones providers use (discovery's availability filters walk them).
------------------------------------------------------------------------------------------------
create or replace function private.remember_provider_time_zone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.provider_time_zones (time_zone) values (new.timezone) on conflict do nothing;
  return null;
end;
$$;
comment on function private.remember_provider_time_zone() is
  'AFTER INSERT/UPDATE of timezone on provider_profiles: records the zone in private.provider_time_zones.';

create or replace trigger provider_profiles_remember_time_zone
  after insert or update of timezone on public.provider_profiles
  for each row execute function private.remember_provider_time_zone();
------------------------------------------------------------------------------------------------
-- Account deletion and business changes. Whatever path deletes an account (profiles.deleted_at
-- set), its provider profile is taken out of service and its listings stop being public at once;
-- the catalog's account deletion step (private.delete_account_catalog) does the rest.
------------------------------------------------------------------------------------------------
create or replace function private.profile_deleted_hide_provider()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.provider_profiles p
     set deleted_at = new.deleted_at,
         is_available = false
   where p.id = new.id and p.deleted_at is null;
  update public.service_listings l
     set is_active = false
   where l.provider_id = new.id and l.is_active;
  return null;
end;
$$;
comment on function private.profile_deleted_hide_provider() is
  'AFTER UPDATE of profiles.deleted_at: marks the provider profile deleted, not available, and its listings inactive.';

create or replace trigger profiles_deleted_hide_provider
  after update of deleted_at on public.profiles
  for each row when (old.deleted_at is null and new.deleted_at is not null)
  execute function private.profile_deleted_hide_provider();
-- Closing a business (today: its sole member deleted their account; later perhaps operators)
-- detaches every provider still attached to it: discovery and listings never show a provider as
-- part of a closed business, and their next bookings are not made with it.
create or replace function private.business_closed_detach_providers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.provider_profiles p set business_id = null where p.business_id = new.id;
  return null;
end;
$$;
comment on function private.business_closed_detach_providers() is
  'AFTER UPDATE of businesses.closed_at (closing): detaches the providers attached to the business.';

create or replace trigger businesses_closed_detach_providers
  after update of closed_at on public.businesses
  for each row when (old.closed_at is null and new.closed_at is not null)
  execute function private.business_closed_detach_providers();

-- A member who leaves a business takes their provider profile along.
create or replace function private.business_member_detach_provider()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.provider_profiles p set business_id = null
   where p.id = old.user_id and p.business_id = old.business_id;
  return null;
end;
$$;
comment on function private.business_member_detach_provider() is
  'AFTER DELETE on business_members: detaches the member''s provider profile from that business.';

create or replace trigger business_members_detach_provider
  after delete on public.business_members
  for each row execute function private.business_member_detach_provider();
