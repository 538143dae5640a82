-- Module: catalog (RPCs)
-- Onboarding and moving a provider (lat/lng and GeoJSON, never WKT), attaching a provider to a
-- business, listing areas, buddies and the category tree (verification of providers and
-- certifications is the verification module's decision path). Plain edits of profiles, listings, certifications and buddies go
-- through the tables (row level security and column grants decide).

------------------------------------------------------------------------------------------------
-- Providers
------------------------------------------------------------------------------------------------
create or replace function public.create_provider_profile(
  p_display_name text,
  p_lat double precision,
  p_lng double precision,
  p_service_radius_m integer default 10000,
  p_timezone text default 'Asia/Dubai',
  p_currency text default null,
  p_hourly_rate bigint default null,
  p_business_name text default null,
  p_description text default null,
  p_skills text[] default '{}'
)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_profile public.profiles;
  v_point extensions.geography;
  v_provider public.provider_profiles;
begin
  select * into v_profile from public.profiles where id = v_uid;
  if not found or v_profile.deleted_at is not null then
    perform private.raise_error('HL003', 'profile not found');
  end if;
  if exists (select 1 from public.provider_profiles where id = v_uid) then
    perform private.raise_error('HL221');
  end if;
  v_point := private.make_point(p_lat, p_lng);
  perform private.check_radius(p_service_radius_m);
  if p_currency is not null and p_currency !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL206', pg_catalog.format('currency %L', p_currency));
  end if;
  insert into public.provider_profiles (
    id, display_name, business_name, description, skills, base_location, service_radius_m,
    hourly_rate, currency, timezone)
  values (
    v_uid, p_display_name, p_business_name, p_description, coalesce(p_skills, '{}'), v_point, p_service_radius_m,
    p_hourly_rate, coalesce(p_currency, v_profile.currency), coalesce(p_timezone, 'Asia/Dubai'))
  returning * into v_provider;
  return v_provider;
end;
$$;
comment on function public.create_provider_profile(text, double precision, double precision, integer, text, text, bigint, text, text, text[]) is
  'Creates the calling user''s provider profile at a base point (lat/lng) with a service radius in metres; the user becomes a provider. Errors: HL200/HL201 coordinates, HL202 radius, HL205 price, HL206 currency, HL214 time zone, HL221 already a provider, HL222 field.';
revoke all on function
  public.create_provider_profile(text, double precision, double precision, integer, text, text, bigint, text, text, text[])
  from public, anon, authenticated, service_role;
grant execute on function public.create_provider_profile(text, double precision, double precision, integer, text, text, bigint, text, text, text[])
  to authenticated;

create or replace function public.set_provider_location(
  p_lat double precision,
  p_lng double precision,
  p_service_radius_m integer default null
)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_point extensions.geography;
  v_provider public.provider_profiles;
begin
  perform private.require_provider(v_uid);
  v_point := private.make_point(p_lat, p_lng);
  if p_service_radius_m is not null then
    perform private.check_radius(p_service_radius_m);
  end if;
  update public.provider_profiles
     set base_location = v_point,
         service_radius_m = coalesce(p_service_radius_m, service_radius_m)
   where id = v_uid
  returning * into v_provider;
  return v_provider;
end;
$$;
comment on function public.set_provider_location(double precision, double precision, integer) is
  'Moves the calling provider''s base to lat/lng (and optionally sets the radius in metres); listings that inherit the area follow. Errors: HL106, HL200, HL201, HL202.';
revoke all on function
  public.set_provider_location(double precision, double precision, integer)
  from public, anon, authenticated, service_role;
grant execute on function public.set_provider_location(double precision, double precision, integer) to authenticated;

create or replace function public.set_service_area(p_area jsonb)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_area extensions.geography;
  v_provider public.provider_profiles;
begin
  perform private.require_provider(v_uid);
  v_area := private.service_area_from_geojson(p_area);
  update public.provider_profiles set service_area = v_area where id = v_uid
  returning * into v_provider;
  return v_provider;
end;
$$;
comment on function public.set_service_area(jsonb) is
  'Sets the calling provider''s drawn service area from a GeoJSON Polygon/MultiPolygon (lng/lat); null goes back to the radius. Errors: HL106, HL200, HL201, HL203 invalid or self-intersecting, HL204 size.';
revoke all on function public.set_service_area(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.set_service_area(jsonb) to authenticated;

create or replace function public.set_provider_business(p_provider_id uuid, p_business_id uuid)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_provider public.provider_profiles;
  v_business public.businesses;
begin
  v_provider := private.require_provider(p_provider_id);
  if p_business_id is null then
    -- Leaving: the provider themself, or an owner/manager of the current business.
    if v_provider.business_id is not null and v_provider.id <> v_uid
       and coalesce(private.business_role(v_provider.business_id), '') not in ('owner', 'manager') then
      perform private.raise_error('HL112');
    end if;
  else
    -- A closed business takes no providers, whoever asks; like the membership RPCs, existence and
    -- closure are answered first (HL110, HL118).
    select * into v_business from public.businesses b where b.id = p_business_id;
    if not found then
      perform private.raise_error('HL110', pg_catalog.format('business %s', p_business_id));
    end if;
    if v_business.closed_at is not null then
      perform private.raise_error('HL118', pg_catalog.format('business %s', p_business_id));
    end if;
    if coalesce(private.business_role(p_business_id), '') not in ('owner', 'manager') then
      perform private.raise_error('HL112');
    end if;
    if not exists (select 1 from public.business_members bm
                    where bm.business_id = p_business_id and bm.user_id = p_provider_id) then
      perform private.raise_error('HL113');
    end if;
    if v_provider.business_id is not null and v_provider.business_id <> p_business_id
       and v_provider.id <> v_uid
       and coalesce(private.business_role(v_provider.business_id), '') not in ('owner', 'manager') then
      perform private.raise_error('HL112', 'the provider belongs to another business');
    end if;
  end if;
  update public.provider_profiles set business_id = p_business_id where id = p_provider_id
  returning * into v_provider;
  return v_provider;
end;
$$;
comment on function public.set_provider_business(uuid, uuid) is
  'Attaches a provider profile to a business (owner/manager of the business; the provider must be a member), or detaches it with null (the provider or an owner/manager). Errors: HL220, HL110 unknown business, HL118 closed business, HL112, HL113.';
revoke all on function
  public.set_provider_business(uuid, uuid)
  from public, anon, authenticated, service_role;
grant execute on function public.set_provider_business(uuid, uuid) to authenticated;

-- Verified badges (provider_profiles.is_verified, provider_certifications.verified_at) are set by
-- the verification module's decision path only (approve_verification, revoke_verification).

------------------------------------------------------------------------------------------------
-- Listings
------------------------------------------------------------------------------------------------
create or replace function public.set_listing_service_area(p_listing_id uuid, p_area jsonb)
returns public.service_listings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_area extensions.geography;
  v_listing public.service_listings;
begin
  if not exists (select 1 from public.service_listings l where l.id = p_listing_id and l.provider_id = v_uid) then
    perform private.raise_error('HL219', pg_catalog.format('listing %s', coalesce(p_listing_id::text, 'null')));
  end if;
  v_area := private.service_area_from_geojson(p_area);
  update public.service_listings set service_area = v_area where id = p_listing_id
  returning * into v_listing;
  return v_listing;
end;
$$;
comment on function public.set_listing_service_area(uuid, jsonb) is
  'Overrides one of the caller''s listings'' coverage with a GeoJSON Polygon/MultiPolygon; null inherits again (or uses the listing''s service_radius_m). Errors: HL200, HL201, HL203, HL204, HL219.';
revoke all on function
  public.set_listing_service_area(uuid, jsonb)
  from public, anon, authenticated, service_role;
grant execute on function public.set_listing_service_area(uuid, jsonb) to authenticated;

------------------------------------------------------------------------------------------------
-- Buddies (added and removed with plain inserts and deletes on public.buddies)
------------------------------------------------------------------------------------------------
create or replace function public.list_buddies(p_available_now boolean default false)
returns table (
  buddy_id uuid,
  username text,
  full_name text,
  avatar_path text,
  is_verified boolean,
  is_provider boolean,
  display_name text,
  business_name text,
  category_ids uuid[],
  rating_avg numeric,
  rating_count integer,
  completed_jobs integer,
  price_from bigint,
  hourly_rate bigint,
  currency text,
  base_lat double precision,
  base_lng double precision,
  is_available boolean,
  available_now boolean,
  added_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
begin
  return query
  select x.* from (
    select pr.id, pr.username, pr.full_name, pr.avatar_path, pr.is_verified,
           p.id is not null as is_provider,
           p.display_name, p.business_name, p.category_ids,
           p.rating_avg, p.rating_count, p.completed_jobs, p.price_from, p.hourly_rate, p.currency::text,
           p.base_lat, p.base_lng, p.is_available,
           p.id is not null and private.provider_available_at(p.id, v_now) as available_now,
           b.created_at
      from public.buddies b
      join public.profiles pr on pr.id = b.buddy_id
      left join public.provider_profiles p on p.id = b.buddy_id and p.deleted_at is null
     where b.user_id = v_uid
       and pr.deleted_at is null
  ) x
  where not coalesce(p_available_now, false) or x.available_now
  order by x.created_at desc, x.id;
end;
$$;
comment on function public.list_buddies(boolean) is
  'The caller''s buddies, newest first: public profile fields (username, full_name, avatar_path, is_verified), is_provider, and '
  'for providers their display data (display_name, categories, rating, prices, base point, toggle; null for other users) and '
  'available_now (toggle on, inside a weekly rule in their time zone, not busy; false for users who are not providers). '
  'With p_available_now only the buddies available now.';
revoke all on function public.list_buddies(boolean) from public, anon, authenticated, service_role;
grant execute on function public.list_buddies(boolean) to authenticated;

------------------------------------------------------------------------------------------------
-- Category tree
------------------------------------------------------------------------------------------------
create or replace function public.category_tree(
  p_locale text default 'en',
  p_kind text default null,
  p_include_inactive boolean default false
)
returns table (
  id uuid,
  parent_id uuid,
  slug text,
  kind text,
  icon text,
  name text,
  default_pricing_unit text,
  sort_order integer,
  depth integer,
  path_ids uuid[],
  is_active boolean
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_locale text := coalesce(p_locale, 'en');
  v_language text;
begin
  if v_locale !~ '^[a-z]{2}(-[A-Z]{2})?$' then
    perform private.raise_error('HL227', pg_catalog.format('locale %L', p_locale));
  end if;
  if p_kind is not null and p_kind not in ('service', 'goods') then
    perform private.raise_error('HL210', 'kind must be "service" or "goods"');
  end if;
  v_language := pg_catalog.split_part(v_locale, '-', 1);
  return query
  with recursive ranked as (
    select c.*, pg_catalog.row_number() over (partition by c.parent_id order by c.sort_order, c.slug)::integer as rn
      from public.categories c
     where (p_kind is null or c.kind = p_kind)
       and (c.is_active or coalesce(p_include_inactive, false))
  ), tree as (
    select r.id, r.parent_id, r.slug, r.kind, r.icon, r.names, r.default_pricing_unit, r.sort_order,
           0 as depth, r.path_ids, r.is_active, array[r.rn] as ord
      from ranked r
     where r.parent_id is null
    union all
    select r.id, r.parent_id, r.slug, r.kind, r.icon, r.names, r.default_pricing_unit, r.sort_order,
           t.depth + 1, r.path_ids, r.is_active, t.ord || r.rn
      from ranked r
      join tree t on t.id = r.parent_id
  )
  select t.id, t.parent_id, t.slug, t.kind, t.icon,
         coalesce(t.names ->> v_locale, t.names ->> v_language, t.names ->> 'en'),
         t.default_pricing_unit, t.sort_order, t.depth, t.path_ids, t.is_active
    from tree t
   order by t.ord;
end;
$$;
comment on function public.category_tree(text, text, boolean) is
  'The category tree depth-first (parents before children, siblings by sort_order) with names in p_locale (falling back to its language, then English). Inactive categories and their subtrees are left out unless p_include_inactive (admins). Errors: HL227 locale.';
revoke all on function
  public.category_tree(text, text, boolean)
  from public, anon, authenticated, service_role;
grant execute on function public.category_tree(text, text, boolean) to anon, authenticated, service_role;
