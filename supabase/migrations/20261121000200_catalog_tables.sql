-- Module: catalog (tables)
-- Categories, provider profiles (with derived coverage, categories, price and statistics),
-- certifications, service listings, weekly availability, time off, buddies, and the private
-- tables the catalog keeps for fast reads: the IANA zone cache, the zones providers use, and the
-- busy blocks other modules add to a provider's calendar.

create extension if not exists btree_gist with schema extensions;

-- Cancellation terms are part of a listing (and of its category, as the default): this check is
-- used by the table definitions below; bookings snapshot the effective policy.
create or replace function private.is_valid_cancellation_policy(p_policy jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_minutes numeric;
  v_fee numeric;
begin
  if p_policy is null or pg_catalog.jsonb_typeof(p_policy) <> 'object' then
    return false;
  end if;
  if exists (select 1 from pg_catalog.jsonb_object_keys(p_policy) k where k not in ('free_until_minutes', 'fee_percent')) then
    return false;
  end if;
  if pg_catalog.jsonb_typeof(p_policy -> 'free_until_minutes') is distinct from 'number'
     or pg_catalog.jsonb_typeof(p_policy -> 'fee_percent') is distinct from 'number' then
    return false;
  end if;
  v_minutes := (p_policy ->> 'free_until_minutes')::numeric;
  v_fee := (p_policy ->> 'fee_percent')::numeric;
  return v_minutes = pg_catalog.trunc(v_minutes) and v_minutes between 0 and 525600
     and v_fee between 0 and 100;
end;
$$;
comment on function private.is_valid_cancellation_policy(jsonb) is
  'True for {"free_until_minutes": integer 0..525600, "fee_percent": number 0..100} and nothing else.';
revoke all on function
  private.is_valid_cancellation_policy(jsonb)
  from public, anon, authenticated, service_role;
grant execute on function private.is_valid_cancellation_policy(jsonb) to authenticated, service_role;

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
  updated_at timestamptz not null default now(),
  cancellation_policy jsonb
    constraint categories_cancellation_policy_check
    check (cancellation_policy is null or private.is_valid_cancellation_policy(cancellation_policy))
);
comment on table public.categories is
  'Category tree (services and goods) with names per language in `names` (at least en and ar). Managed by admins.';
comment on column public.categories.names is 'Translated names, e.g. {"en": "Plumbing", "ar": "سباكة"}.';
comment on column public.categories.path_ids is 'Ancestor ids then this id (maintained by the database).';
create index categories_parent_id_idx on public.categories (parent_id);
comment on column public.categories.cancellation_policy is
  'Cancellation policy for listings of this category and its descendants that have none; null inherits from the parent.';
create index categories_path_ids_idx on public.categories using gin (path_ids);

create or replace trigger categories_set_updated_at
  before update on public.categories
  for each row execute function private.set_updated_at();

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
  -- Placeholder default: the BEFORE trigger always derives it, and generated client types do not ask
  -- clients to send it.
  coverage extensions.geography(MultiPolygon, 4326) not null default 'SRID=4326;MULTIPOLYGON EMPTY'::extensions.geography,
  category_ids uuid[] not null default '{}',
  price_from bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  rating_sum integer not null default 0 check (rating_sum >= 0),
  base_lat double precision generated always as (extensions.st_y(base_location::extensions.geometry)) stored,
  base_lng double precision generated always as (extensions.st_x(base_location::extensions.geometry)) stored,
  -- The catalog's own flag for a deleted account, so its policies filter on a column of the row
  -- (indexed) instead of joining profiles for every row read.
  deleted_at timestamptz,
  -- Moderation: set while the provider is hidden from discovery (their account is suspended or
  -- hidden by an operator); maintained by the trust module, like deleted_at a column discovery
  -- filters on without a join.
  hidden_at timestamptz,
  -- Bayesian average of the stars (catalog_stats_and_deletion). Placeholder default: the BEFORE
  -- trigger always derives it from rating_sum and rating_count.
  reputation_score numeric(5, 4) not null default 0 check (reputation_score between 0 and 5)
);
comment on table public.provider_profiles is
  'Service provider profile (public). Ratings, counters, verification, coverage, category_ids and price_from are maintained by the database.';
comment on column public.provider_profiles.base_location is 'Public service base (the app should offer a nearby public point rather than a home address).';
comment on column public.provider_profiles.service_area is 'Optional drawn service area; replaces service_radius_m when set.';
comment on column public.provider_profiles.hourly_rate is 'Hourly rate in minor units of `currency`.';
comment on column public.provider_profiles.coverage is 'Effective service area: service_area, else a circle of service_radius_m around base_location.';
comment on column public.provider_profiles.category_ids is 'Categories (with their ancestors) of the provider''s active listings.';
comment on column public.provider_profiles.price_from is 'Lowest base price of the provider''s active listings, minor units.';
comment on column public.provider_profiles.rating_sum is 'Sum of all stars received (maintained by the database); rating_avg = rating_sum / rating_count.';
comment on column public.provider_profiles.base_lat is 'Latitude of base_location (derived). Change the base with set_provider_location().';
comment on column public.provider_profiles.base_lng is 'Longitude of base_location (derived). Change the base with set_provider_location().';
comment on column public.provider_profiles.rating_avg is 'Average stars, 2 decimals (maintained by the database).';
comment on column public.provider_profiles.reputation_score is
  'Bayesian average of the stars, (C * m + rating_sum) / (C + rating_count) with the prior mean m and weight C of the '
  'settings reputation.prior_mean / reputation.prior_weight, 4 decimals (maintained by the database; discovery''s rating '
  'sort and relevance, job matching).';
comment on column public.provider_profiles.completed_jobs is 'Completed bookings (maintained by the database).';
comment on column public.provider_profiles.deleted_at is
  'Set when the provider''s account is deleted (maintained by the database, like profiles.deleted_at): the profile is anonymised and takes no more writes.';
comment on column public.provider_profiles.hidden_at is
  'Set while the provider is hidden from discovery by moderation (account suspended or hidden); maintained by the database.';
comment on column public.provider_profiles.response_time_s is 'Moving average of the time to answer a request, seconds (maintained by the database).';
comment on column public.provider_profiles.is_available is 'The provider''s own "taking work now" toggle.';
comment on column public.provider_profiles.timezone is 'IANA time zone of the provider''s availability rules.';

create index provider_profiles_base_location_idx on public.provider_profiles using gist (base_location);
create index provider_profiles_coverage_idx on public.provider_profiles using gist (coverage);
create index provider_profiles_category_ids_idx on public.provider_profiles using gin (category_ids);
create index provider_profiles_business_id_idx on public.provider_profiles (business_id);
-- Drawn service areas can lie anywhere; radius-based ones stay within 100 km of the base. The
-- covering search walks bases by distance (KNN) up to 100 km, and finds drawn areas of providers
-- based farther away through this small partial index.
create index provider_profiles_drawn_area_idx
  on public.provider_profiles using gist (coverage) where service_area is not null;

create or replace trigger provider_profiles_set_updated_at
  before update on public.provider_profiles
  for each row execute function private.set_updated_at();

-- A listing is priced in its provider's currency (price_from compares listings), so the column
-- defaults to the calling provider's currency and a different one is refused (HL207).
create or replace function private.default_listing_currency()
returns char(3)
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select p.currency from public.provider_profiles p where p.id = (select auth.uid())), 'AED')::char(3);
$$;
comment on function private.default_listing_currency() is 'Default currency of a new listing: the calling provider''s currency (AED without one).';
revoke all on function private.default_listing_currency() from public, anon, authenticated, service_role;
grant execute on function private.default_listing_currency() to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Certifications
------------------------------------------------------------------------------------------------
create table public.provider_certifications (
  id uuid primary key default gen_random_uuid(),
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  name text not null check (char_length(name) between 2 and 120),
  issuer text not null check (char_length(issuer) between 2 and 120),
  expires_on date,
  -- Trust: set by the verification module's decision path only (an operator with users.verify
  -- approves the provider's certification submission, whose number and document stay private there).
  verified_at timestamptz,
  verified_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.provider_certifications is
  'Certifications a provider declares (name, issuer, expiry), public. The number and the document go to a verification '
  'submission (private); verified_at/verified_by are set when an operator approves it.';
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
  currency char(3) not null default private.default_listing_currency() check (currency ~ '^[A-Z]{3}$'),
  duration_minutes integer not null default 60 check (duration_minutes between 5 and 1440),
  -- Coverage overrides; when both are null the listing inherits the provider's area.
  service_radius_m integer check (service_radius_m is null or service_radius_m between 100 and 100000),
  service_area extensions.geography(MultiPolygon, 4326),
  is_active boolean not null default true,
  media_paths text[] not null default '{}' check (cardinality(media_paths) <= 20),
  cover_image_path text check (cover_image_path is null or char_length(cover_image_path) <= 300),
  -- Derived by the database (placeholder defaults the BEFORE triggers always replace).
  location extensions.geography(Point, 4326) not null default 'SRID=4326;POINT EMPTY'::extensions.geography,
  coverage extensions.geography(MultiPolygon, 4326) not null default 'SRID=4326;MULTIPOLYGON EMPTY'::extensions.geography,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  booking_mode text not null default 'request'
    constraint service_listings_booking_mode_check check (booking_mode in ('instant', 'request')),
  cancellation_policy jsonb
    constraint service_listings_cancellation_policy_check
    check (cancellation_policy is null or private.is_valid_cancellation_policy(cancellation_policy)),
  -- Moderation: set while an operator hides the listing (trust module); only its provider, their
  -- business and moderators see it then. Not writable by clients.
  hidden_at timestamptz
);
comment on table public.service_listings is
  'A service a provider offers: category, pricing (minor units + currency), duration, coverage (inherits the provider''s unless overridden), media.';
comment on column public.service_listings.base_price is 'Price in minor units of `currency` (per hour, per job, per item; 0 for quote).';
comment on column public.service_listings.location is 'The provider''s base (maintained by the database).';
comment on column public.service_listings.coverage is 'Effective service area (maintained by the database).';
comment on column public.service_listings.currency is 'The provider''s currency (the default); another currency is refused with HL207.';
comment on column public.service_listings.pricing_unit is 'hourly, fixed, per_item or quote; the category''s default_pricing_unit is the suggested value.';
comment on column public.service_listings.hidden_at is
  'Set while moderation hides the listing: not public, not bookable, not in discovery; its provider sees it is hidden.';
comment on column public.service_listings.booking_mode is
  'instant: a booking is accepted at once; request: the provider accepts or declines before bookings.request_ttl_minutes.';
comment on column public.service_listings.cancellation_policy is
  'Cancellation policy {"free_until_minutes", "fee_percent"}; null inherits the category''s, then the default.';

create index service_listings_provider_id_idx on public.service_listings (provider_id);
create index service_listings_category_id_idx on public.service_listings (category_id);
create index service_listings_location_idx on public.service_listings using gist (location);
create index service_listings_coverage_idx on public.service_listings using gist (coverage);

create or replace trigger service_listings_set_updated_at
  before update on public.service_listings
  for each row execute function private.set_updated_at();

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
comment on column public.availability_rules.end_time is 'Exclusive end in the provider''s time zone; 24:00 means midnight at the end of the day.';
create index availability_rules_weekday_start_idx
  on public.availability_rules (weekday, start_time) include (end_time, provider_id);
-- A provider's rules of a day (slots, "available now", discovery's availability filters): the
-- exclusion constraint's GiST index answers these too, about ten times slower.
create index availability_rules_provider_weekday_idx
  on public.availability_rules (provider_id, weekday) include (start_time, end_time);

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
-- Buddies: other users someone keeps (providers or not), one-directional like a contact list.
-- Customers send jobs directly to their buddies who are providers (jobs: post_job p_direct_to).
------------------------------------------------------------------------------------------------
create table public.buddies (
  user_id uuid not null references public.profiles (id) on delete cascade,
  buddy_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (user_id, buddy_id),
  check (user_id <> buddy_id)
);
comment on table public.buddies is
  'A user''s buddies: other users they keep (providers or not), one-directional like a contact list. Private to the user; '
  'at most catalog.max_buddies each (checked by private.check_buddy).';
create index buddies_buddy_id_idx on public.buddies (buddy_id);

------------------------------------------------------------------------------------------------
-- Time zones: the IANA names (cached from pg_timezone_names, which takes ~20 ms to scan; names
-- the server learns later still validate through the slow path), and the zones providers use
-- (a superset: zones are added, never removed), which discovery's availability filters walk.
------------------------------------------------------------------------------------------------
create table private.time_zones (name text primary key);
comment on table private.time_zones is 'Cache of IANA time zone names (from pg_timezone_names) for fast validation.';
insert into private.time_zones (name)
select name from pg_catalog.pg_timezone_names where name !~ '^(posix|right)/'
on conflict do nothing;

create table private.provider_time_zones (
  time_zone text primary key
);
comment on table private.provider_time_zones is
  'Time zones used by provider profiles (a superset: zones are added, never removed). Maintained by a trigger.';
revoke all on table private.provider_time_zones from anon, authenticated, service_role;
grant select on private.provider_time_zones to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Busy blocks: the extension point through which later modules keep a provider's time taken
-- (bookings add the periods of bookings that hold time). Time off stays in provider_time_off;
-- private.provider_busy_periods reads both, and slots, "available now" and discovery's
-- availability filters read that.
------------------------------------------------------------------------------------------------
create table private.provider_busy_blocks (
  -- Who keeps the block and which of its rows it stands for, e.g. ('booking', bookings.id).
  source text not null check (source ~ '^[a-z][a-z0-9_]*$'),
  source_id uuid not null,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  period tstzrange not null check (not isempty(period) and not lower_inf(period) and not upper_inf(period)),
  primary key (source, source_id)
);
comment on table private.provider_busy_blocks is
  'Periods in which a provider is taken, kept by other modules (source, source_id): bookings add those of bookings that hold '
  'time. Read through private.provider_busy_periods together with time off.';
create index provider_busy_blocks_provider_period_idx on private.provider_busy_blocks using gist (provider_id, period);
