-- Module: catalog
-- Categories, provider profiles (with derived coverage, categories and price), certifications,
-- service listings, weekly availability and time off, favorites.
--
-- This file holds the tables, derived-data triggers and row level security. Behaviour (RPCs:
-- onboarding, slots, favorites lists) lives in the catalog migrations that follow.

create extension if not exists btree_gist with schema extensions;

------------------------------------------------------------------------------------------------
-- Categories: an admin-managed tree with translated names.
------------------------------------------------------------------------------------------------
create table public.categories (
  id uuid primary key default gen_random_uuid(),
  parent_id uuid references public.categories (id) on delete restrict,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) <= 60),
  kind text not null default 'service' check (kind in ('service', 'goods')),
  icon text check (icon is null or char_length(icon) <= 120),
  names jsonb not null check (
    jsonb_typeof(names) = 'object'
    and coalesce(length(names ->> 'en'), 0) > 0
    and coalesce(length(names ->> 'ar'), 0) > 0),
  default_pricing_unit text not null default 'hourly'
    check (default_pricing_unit in ('hourly', 'fixed', 'per_item', 'quote')),
  is_active boolean not null default true,
  sort_order integer not null default 0,
  -- Ancestors then the category itself (root first); maintained by the database.
  path_ids uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.categories is
  'Category tree (services and goods) with names per language in `names` (at least en and ar). Managed by admins.';
comment on column public.categories.names is 'Translated names, e.g. {"en": "Plumbing", "ar": "سباكة"}.';
comment on column public.categories.path_ids is 'Ancestor ids then this id (maintained by the database).';
create index categories_parent_id_idx on public.categories (parent_id);

create or replace trigger categories_set_updated_at
  before update on public.categories
  for each row execute function private.set_updated_at();

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
      perform private.raise_error('HL003', 'parent category not found');
    end if;
    if new.id = any (v_parent_path) then
      perform private.raise_error('HL004', 'a category cannot be placed under itself or its descendants');
    end if;
    new.path_ids := v_parent_path || new.id;
  end if;
  return new;
end;
$$;
comment on function private.category_path() is 'BEFORE INSERT/UPDATE on categories: computes path_ids and refuses cycles.';

create or replace trigger categories_path
  before insert or update of parent_id on public.categories
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

create or replace trigger categories_path_cascade
  after update of path_ids on public.categories
  for each row when (old.path_ids is distinct from new.path_ids)
  execute function private.category_path_cascade();

------------------------------------------------------------------------------------------------
-- Provider profiles: one per user who offers services.
------------------------------------------------------------------------------------------------
create table public.provider_profiles (
  id uuid primary key references public.profiles (id) on delete cascade,
  business_id uuid references public.businesses (id) on delete set null,
  display_name text not null check (char_length(display_name) between 2 and 120),
  business_name text check (business_name is null or char_length(business_name) <= 120),
  description text check (description is null or char_length(description) <= 4000),
  skills text[] not null default '{}' check (cardinality(skills) <= 50),
  -- The provider's public service base; distances and the default service area start here.
  base_location extensions.geography(Point, 4326) not null,
  service_radius_m integer not null default 10000 check (service_radius_m between 100 and 100000),
  -- A drawn service area replaces the radius when set.
  service_area extensions.geography(MultiPolygon, 4326),
  hourly_rate bigint check (hourly_rate is null or hourly_rate between 0 and 100000000),
  currency char(3) not null default 'AED' check (currency ~ '^[A-Z]{3}$'),
  timezone text not null default 'Asia/Dubai',
  is_available boolean not null default false,
  -- Trust and derived data: written by the database only.
  is_verified boolean not null default false,
  rating_avg numeric(3, 2) not null default 0 check (rating_avg between 0 and 5),
  rating_count integer not null default 0 check (rating_count >= 0),
  completed_jobs integer not null default 0 check (completed_jobs >= 0),
  response_time_s integer check (response_time_s is null or response_time_s >= 0),
  coverage extensions.geography(MultiPolygon, 4326) not null,
  category_ids uuid[] not null default '{}',
  price_from bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.provider_profiles is
  'Service provider profile (public). Ratings, counters, verification, coverage, category_ids and price_from are maintained by the database.';
comment on column public.provider_profiles.base_location is 'Public service base (the app should offer a nearby public point rather than a home address).';
comment on column public.provider_profiles.service_area is 'Optional drawn service area; replaces service_radius_m when set.';
comment on column public.provider_profiles.hourly_rate is 'Hourly rate in minor units of `currency`.';
comment on column public.provider_profiles.coverage is 'Effective service area: service_area, else a circle of service_radius_m around base_location.';
comment on column public.provider_profiles.category_ids is 'Categories (with their ancestors) of the provider''s active listings.';
comment on column public.provider_profiles.price_from is 'Lowest base price of the provider''s active listings, minor units.';

create index provider_profiles_base_location_idx on public.provider_profiles using gist (base_location);
create index provider_profiles_coverage_idx on public.provider_profiles using gist (coverage);
create index provider_profiles_category_ids_idx on public.provider_profiles using gin (category_ids);
create index provider_profiles_business_id_idx on public.provider_profiles (business_id);

create or replace trigger provider_profiles_set_updated_at
  before update on public.provider_profiles
  for each row execute function private.set_updated_at();

create or replace function private.provider_profile_derive()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from pg_catalog.pg_timezone_names where name = new.timezone) then
    perform private.raise_error('HL004', pg_catalog.format('unknown time zone %L', new.timezone),
      null, 'Use an IANA time zone name such as "Asia/Dubai".');
  end if;
  new.coverage := coalesce(
    new.service_area,
    extensions.st_multi(extensions.st_buffer(new.base_location, new.service_radius_m::float8)::extensions.geometry)::extensions.geography);
  return new;
end;
$$;
comment on function private.provider_profile_derive() is 'BEFORE INSERT/UPDATE on provider_profiles: validates the time zone, derives coverage.';

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

------------------------------------------------------------------------------------------------
-- Certifications
------------------------------------------------------------------------------------------------
create table public.provider_certifications (
  id uuid primary key default gen_random_uuid(),
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  name text not null check (char_length(name) between 2 and 120),
  issuer text not null check (char_length(issuer) between 2 and 120),
  number text check (number is null or char_length(number) <= 80),
  expires_on date,
  document_path text check (document_path is null or char_length(document_path) <= 300),
  -- Trust: set by operators with providers.verify.
  verified_at timestamptz,
  verified_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.provider_certifications is
  'Certifications a provider declares (issuer, number, expiry, document). Verification is set by operators only.';
create index provider_certifications_provider_id_idx on public.provider_certifications (provider_id);
create index provider_certifications_verified_by_idx on public.provider_certifications (verified_by);

create or replace trigger provider_certifications_set_updated_at
  before update on public.provider_certifications
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------------------------------
-- Service listings
------------------------------------------------------------------------------------------------
create table public.service_listings (
  id uuid primary key default gen_random_uuid(),
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  category_id uuid not null references public.categories (id),
  title text not null check (char_length(title) between 3 and 120),
  description text check (description is null or char_length(description) <= 4000),
  pricing_unit text not null check (pricing_unit in ('hourly', 'fixed', 'per_item', 'quote')),
  base_price bigint not null default 0 check (base_price between 0 and 1000000000),
  currency char(3) not null default 'AED' check (currency ~ '^[A-Z]{3}$'),
  duration_minutes integer not null default 60 check (duration_minutes between 5 and 1440),
  -- Coverage overrides; when both are null the listing inherits the provider's area.
  service_radius_m integer check (service_radius_m is null or service_radius_m between 100 and 100000),
  service_area extensions.geography(MultiPolygon, 4326),
  is_active boolean not null default true,
  media_paths text[] not null default '{}' check (cardinality(media_paths) <= 20),
  cover_image_path text check (cover_image_path is null or char_length(cover_image_path) <= 300),
  -- Derived by the database.
  location extensions.geography(Point, 4326) not null,
  coverage extensions.geography(MultiPolygon, 4326) not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.service_listings is
  'A service a provider offers: category, pricing (minor units + currency), duration, coverage (inherits the provider''s unless overridden), media.';
comment on column public.service_listings.base_price is 'Price in minor units of `currency` (per hour, per job, per item; 0 for quote).';
comment on column public.service_listings.location is 'The provider''s base (maintained by the database).';
comment on column public.service_listings.coverage is 'Effective service area (maintained by the database).';

create index service_listings_provider_id_idx on public.service_listings (provider_id);
create index service_listings_category_id_idx on public.service_listings (category_id);
create index service_listings_location_idx on public.service_listings using gist (location);
create index service_listings_coverage_idx on public.service_listings using gist (coverage);

create or replace trigger service_listings_set_updated_at
  before update on public.service_listings
  for each row execute function private.set_updated_at();

create or replace function private.service_listing_derive()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  select * into v_provider from public.provider_profiles where id = new.provider_id;
  if not found then
    perform private.raise_error('HL003', 'provider profile not found');
  end if;
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

create or replace trigger provider_profiles_propagate
  after update of base_location, coverage on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.coverage is distinct from new.coverage)
  execute function private.provider_profile_propagate();

-- Listings change: the provider's category_ids and price_from follow.
create or replace function private.refresh_provider_catalog(p_provider_id uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.provider_profiles p
     set category_ids = coalesce((
           select array_agg(distinct cid order by cid)
             from public.service_listings l
             join public.categories c on c.id = l.category_id
            cross join lateral unnest(c.path_ids) as cid
            where l.provider_id = p_provider_id and l.is_active), '{}'),
         price_from = (
           select min(l.base_price) from public.service_listings l
            where l.provider_id = p_provider_id and l.is_active and l.pricing_unit <> 'quote')
   where p.id = p_provider_id;
$$;
comment on function private.refresh_provider_catalog(uuid) is 'Recomputes provider_profiles.category_ids and price_from from active listings.';

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
  after insert or delete or update of category_id, is_active, base_price, pricing_unit, provider_id
  on public.service_listings
  for each row execute function private.service_listing_refresh_provider();

------------------------------------------------------------------------------------------------
-- Availability: weekly rules in the provider's time zone, and time off.
------------------------------------------------------------------------------------------------
create table public.availability_rules (
  id uuid primary key default gen_random_uuid(),
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  weekday smallint not null check (weekday between 0 and 6),
  start_time time not null,
  end_time time not null,
  created_at timestamptz not null default now(),
  check (start_time < end_time),
  constraint availability_rules_no_overlap exclude using gist (
    provider_id with =,
    weekday with =,
    tsrange('2000-01-01'::date + start_time, '2000-01-01'::date + end_time) with &&)
);
comment on table public.availability_rules is
  'Weekly working hours per provider, in the provider''s time zone; weekday 0 = Sunday ... 6 = Saturday. Rules of one day do not overlap.';
comment on column public.availability_rules.end_time is 'Exclusive end; use 23:59:59.999999 for end of day.';

create table public.provider_time_off (
  id uuid primary key default gen_random_uuid(),
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  period tstzrange not null check (not isempty(period) and not lower_inf(period) and not upper_inf(period)),
  reason text check (reason is null or char_length(reason) <= 200),
  created_at timestamptz not null default now()
);
comment on table public.provider_time_off is 'Ranges when a provider is not bookable (holidays, sick days).';
create index provider_time_off_provider_period_idx on public.provider_time_off using gist (provider_id, period);

------------------------------------------------------------------------------------------------
-- Favorites ("buddies"): providers a user saved.
------------------------------------------------------------------------------------------------
create table public.favorites (
  user_id uuid not null references public.profiles (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (user_id, provider_id)
);
comment on table public.favorites is 'Providers a user saved (their "buddies").';
create index favorites_provider_id_idx on public.favorites (provider_id);

------------------------------------------------------------------------------------------------
-- Row level security and privileges
------------------------------------------------------------------------------------------------
alter table public.categories enable row level security;
alter table public.provider_profiles enable row level security;
alter table public.provider_certifications enable row level security;
alter table public.service_listings enable row level security;
alter table public.availability_rules enable row level security;
alter table public.provider_time_off enable row level security;
alter table public.favorites enable row level security;

-- categories
create policy "Active categories are public; admins see all" on public.categories
  for select to anon, authenticated
  using (is_active or (select private.authorize('categories.manage')));
create policy "Admins can add categories" on public.categories
  for insert to authenticated
  with check ((select private.authorize('categories.manage')));
create policy "Admins can edit categories" on public.categories
  for update to authenticated
  using ((select private.authorize('categories.manage')))
  with check ((select private.authorize('categories.manage')));
create policy "Admins can delete categories" on public.categories
  for delete to authenticated
  using ((select private.authorize('categories.manage')));
revoke all on table public.categories from anon, authenticated, service_role;
grant select on public.categories to anon, authenticated;
grant insert (id, parent_id, slug, kind, icon, names, default_pricing_unit, is_active, sort_order),
      update (parent_id, slug, kind, icon, names, default_pricing_unit, is_active, sort_order),
      delete
   on public.categories to authenticated;
grant select, insert, update, delete on public.categories to service_role;

-- provider_profiles
create policy "Provider profiles are public" on public.provider_profiles
  for select to anon, authenticated
  using (true);
create policy "Users can create their own provider profile" on public.provider_profiles
  for insert to authenticated
  with check (id = (select auth.uid()));
create policy "Providers can edit their own profile" on public.provider_profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
create policy "Providers can delete their own profile" on public.provider_profiles
  for delete to authenticated
  using (id = (select auth.uid()));
revoke all on table public.provider_profiles from anon, authenticated, service_role;
grant select on public.provider_profiles to anon, authenticated;
grant insert (id, display_name, business_name, description, skills, base_location, service_radius_m,
              service_area, hourly_rate, currency, timezone, is_available),
      update (display_name, business_name, description, skills, base_location, service_radius_m,
              service_area, hourly_rate, currency, timezone, is_available),
      delete
   on public.provider_profiles to authenticated;
grant select, insert, update, delete on public.provider_profiles to service_role;

-- provider_certifications: public (a trust signal), written by their provider.
create policy "Certifications are public" on public.provider_certifications
  for select to anon, authenticated
  using (true);
create policy "Providers can add their certifications" on public.provider_certifications
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit their certifications" on public.provider_certifications
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete their certifications" on public.provider_certifications
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.provider_certifications from anon, authenticated, service_role;
grant select on public.provider_certifications to anon, authenticated;
grant insert (provider_id, name, issuer, number, expires_on, document_path),
      update (name, issuer, number, expires_on, document_path),
      delete
   on public.provider_certifications to authenticated;
grant select, insert, update, delete on public.provider_certifications to service_role;

-- service_listings: active ones are public; providers manage their own.
create policy "Active listings are public; providers see their own" on public.service_listings
  for select to anon, authenticated
  using (is_active or provider_id = (select auth.uid()));
create policy "Providers can add listings" on public.service_listings
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit their listings" on public.service_listings
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete their listings" on public.service_listings
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.service_listings from anon, authenticated, service_role;
grant select on public.service_listings to anon, authenticated;
grant insert (id, provider_id, category_id, title, description, pricing_unit, base_price, currency, duration_minutes,
              service_radius_m, service_area, is_active, media_paths, cover_image_path),
      update (category_id, title, description, pricing_unit, base_price, currency, duration_minutes,
              service_radius_m, service_area, is_active, media_paths, cover_image_path),
      delete
   on public.service_listings to authenticated;
grant select, insert, update, delete on public.service_listings to service_role;

-- availability_rules and time off: readable by everyone (slots are public), written by the provider.
create policy "Availability is public" on public.availability_rules
  for select to anon, authenticated
  using (true);
create policy "Providers can add availability" on public.availability_rules
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit availability" on public.availability_rules
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete availability" on public.availability_rules
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.availability_rules from anon, authenticated, service_role;
grant select on public.availability_rules to anon, authenticated;
grant insert (provider_id, weekday, start_time, end_time), update (weekday, start_time, end_time), delete
   on public.availability_rules to authenticated;
grant select, insert, update, delete on public.availability_rules to service_role;

create policy "Providers can read their time off" on public.provider_time_off
  for select to authenticated
  using (provider_id = (select auth.uid()));
create policy "Providers can add time off" on public.provider_time_off
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit time off" on public.provider_time_off
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete time off" on public.provider_time_off
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.provider_time_off from anon, authenticated, service_role;
grant select, insert (provider_id, period, reason), update (period, reason), delete
   on public.provider_time_off to authenticated;
grant select, insert, update, delete on public.provider_time_off to service_role;

-- favorites: private to their owner.
create policy "Users can read their favorites" on public.favorites
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy "Users can save favorites" on public.favorites
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy "Users can remove favorites" on public.favorites
  for delete to authenticated
  using (user_id = (select auth.uid()));
revoke all on table public.favorites from anon, authenticated, service_role;
grant select, insert (user_id, provider_id), delete on public.favorites to authenticated;
grant select, insert, update, delete on public.favorites to service_role;
