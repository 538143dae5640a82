-- Module: catalog (behaviour)
-- Error codes HL2xx, validation with documented codes, onboarding and location RPCs (lat/lng and
-- GeoJSON, never WKT), business attachment, verification, category tree, slots, favorites,
-- database-maintained provider statistics, and fixes to the derived-data triggers of
-- 20261121000200_catalog.sql.
--
-- Validation triggers run BEFORE the check constraints, so bad input a client can send gets a
-- documented HL2xx code; the constraints stay as the last line of defence.

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL200-HL249).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL200', 'invalid_latitude', 400, 'Latitude must be between -90 and 90.',
   'Send WGS 84 decimal degrees, e.g. 25.2048 for Dubai; check that latitude and longitude are not swapped.'),
  ('HL201', 'invalid_longitude', 400, 'Longitude must be between -180 and 180.',
   'Send WGS 84 decimal degrees, e.g. 55.2708 for Dubai; check that latitude and longitude are not swapped.'),
  ('HL202', 'invalid_radius', 400, 'The service radius must be between 100 m and 100 km.',
   'Send the radius in metres, e.g. 10000 for 10 km.'),
  ('HL203', 'invalid_service_area', 400, 'The service area is not a valid polygon.',
   'Send a GeoJSON Polygon or MultiPolygon in longitude/latitude whose rings are closed and do not cross themselves.'),
  ('HL204', 'invalid_service_area_size', 400, 'The service area must cover between 0.03 km² and 31,416 km².',
   'That is the area of a circle of 100 m to 100 km radius; draw a smaller or larger area.'),
  ('HL205', 'invalid_price', 400, 'Prices are whole minor units between 0 and 1,000,000,000; quote listings have price 0.',
   'Send minor units (fils, cents): 15000 for 150.00 AED. For pricing_unit "quote" send base_price 0.'),
  ('HL206', 'invalid_currency', 400, 'Currencies are three-letter ISO 4217 codes.',
   'Use an upper-case code such as "AED".'),
  ('HL207', 'currency_mismatch', 409, 'Listing prices must be in the provider''s currency.',
   'Omit currency (it defaults to the provider''s) or send the provider''s currency. A provider with listings cannot change currency.'),
  ('HL208', 'unknown_category', 400, 'The category does not exist.',
   'Pick a category id from category_tree().'),
  ('HL209', 'category_unavailable', 400, 'The category is inactive or not a service category.',
   'Pick an active service category from category_tree().'),
  ('HL210', 'invalid_category', 400, 'The category has an invalid field.',
   'Slugs are lower-case words joined by hyphens (at most 60 characters); names need non-empty "en" and "ar" entries of at most 80 characters; a child has its parent''s kind.'),
  ('HL211', 'category_cycle', 400, 'A category cannot be placed under itself or one of its descendants.',
   'Choose a parent outside this category''s subtree.'),
  ('HL212', 'category_slug_taken', 409, 'Another category already uses this slug.',
   'Choose another slug.'),
  ('HL213', 'category_in_use', 409, 'The category still has subcategories or listings.',
   'Move or delete them first, or deactivate the category (is_active = false) instead.'),
  ('HL214', 'invalid_time_zone', 400, 'Unknown time zone.',
   'Use an IANA time zone name such as "Asia/Dubai" or "Europe/London".'),
  ('HL215', 'invalid_availability', 400, 'The availability entry is invalid.',
   'Weekly rules need a weekday from 0 (Sunday) to 6 (Saturday) and a start time before the end time (use 24:00 for midnight); time-off reasons are at most 200 characters.'),
  ('HL216', 'availability_overlap', 409, 'The rule overlaps another rule on the same weekday.',
   'Adjust or delete the existing rule first, or replace the whole week with set_weekly_availability().'),
  ('HL217', 'invalid_time_range', 400, 'The time range is invalid.',
   'Ranges need a start before the end, both bounded; time off lasts at most 366 days.'),
  ('HL218', 'date_range_too_long', 400, 'The requested date range is too long.',
   'Ask for a shorter range: details give the longest one allowed (31 days for slots, 62 for calendars by default).'),
  ('HL219', 'listing_not_found', 404, 'The listing does not exist or is not available.',
   'Check the listing id; inactive listings are visible to their provider only.'),
  ('HL220', 'provider_not_found', 404, 'The provider does not exist.',
   'Check the provider id.'),
  ('HL221', 'provider_profile_exists', 409, 'You already have a provider profile.',
   'Edit it instead (update provider_profiles, set_provider_location, set_service_area).'),
  ('HL222', 'invalid_provider_field', 400, 'A provider profile field has an invalid value.',
   'See details for the field and its limits.'),
  ('HL223', 'invalid_listing_field', 400, 'A listing field has an invalid value.',
   'See details for the field and its limits.'),
  ('HL224', 'invalid_pricing_unit', 400, 'Unknown pricing unit.',
   'Use one of: hourly, fixed, per_item, quote.'),
  ('HL225', 'invalid_duration', 400, 'Durations are 5 to 1440 minutes in steps of 5.',
   'Send duration_minutes such as 30, 60 or 90.'),
  ('HL226', 'invalid_certification', 400, 'A certification field has an invalid value.',
   'Name and issuer are 2 to 120 characters, number at most 80, and the expiry date must not be in the past.'),
  ('HL227', 'invalid_locale', 400, 'Locales look like "en" or "ar-AE".',
   'Send a two-letter language code, optionally with a region.'),
  ('HL230', 'invalid_rating', 400, 'Ratings are whole stars from 1 to 5.',
   'Send an integer from 1 to 5.'),
  ('HL231', 'certification_not_found', 404, 'The certification does not exist.',
   'Check the certification id.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('catalog.slot_step_minutes', '30',
   'Granularity of bookable slot start times in minutes; 0 means one slot per listing duration.'),
  ('catalog.min_notice_minutes', '60',
   'Slots start at least this many minutes after now.'),
  ('catalog.max_slot_range_days', '31',
   'Longest date range get_available_slots accepts, in days.'),
  ('catalog.response_time_weight', '0.2',
   'Weight of the newest response in the provider''s moving-average response time (0 < w <= 1).')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Validation helpers
------------------------------------------------------------------------------------------------

-- IANA zone names, cached from pg_timezone_names (which takes ~20 ms to scan). Names the server
-- learns later (tzdata updates) still validate through the slow path.
create table if not exists private.time_zones (name text primary key);
comment on table private.time_zones is 'Cache of IANA time zone names (from pg_timezone_names) for fast validation.';
insert into private.time_zones (name)
select name from pg_catalog.pg_timezone_names where name !~ '^(posix|right)/'
on conflict do nothing;

create or replace function private.is_valid_timezone(p_tz text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_tz is not null and (
    exists (select 1 from private.time_zones z where z.name = p_tz)
    or exists (select 1 from pg_catalog.pg_timezone_names n
                where n.name = p_tz and n.name !~ '^(posix|right)/'));
$$;
comment on function private.is_valid_timezone(text) is 'True for an IANA time zone name the server knows (e.g. Asia/Dubai).';

create or replace function private.make_point(p_lat double precision, p_lng double precision)
returns extensions.geography
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_lat is null or not (p_lat between -90 and 90) then
    perform private.raise_error('HL200', pg_catalog.format('latitude %s', coalesce(p_lat::text, 'null')));
  end if;
  if p_lng is null or not (p_lng between -180 and 180) then
    perform private.raise_error('HL201', pg_catalog.format('longitude %s', coalesce(p_lng::text, 'null')));
  end if;
  return extensions.st_setsrid(extensions.st_makepoint(p_lng, p_lat), 4326)::extensions.geography;
end;
$$;
comment on function private.make_point(double precision, double precision) is
  'A WGS 84 point from latitude and longitude; HL200/HL201 when out of range (never clamped).';

create or replace function private.check_radius(p_radius_m integer)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_radius_m is null or not (p_radius_m between 100 and 100000) then
    perform private.raise_error('HL202', pg_catalog.format('service_radius_m %s', coalesce(p_radius_m::text, 'null')));
  end if;
end;
$$;
comment on function private.check_radius(integer) is 'HL202 unless the radius is 100 to 100000 metres.';

-- Checks a stored service area (also written by service_role and the seed).
create or replace function private.check_service_area(p_area extensions.geography)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_geom extensions.geometry := p_area::extensions.geometry;
  v_area double precision;
begin
  if p_area is null then
    return;
  end if;
  if extensions.st_isempty(v_geom) then
    perform private.raise_error('HL203', 'the area is empty');
  end if;
  if extensions.st_npoints(v_geom) > 2000 then
    perform private.raise_error('HL203', pg_catalog.format('%s vertices; at most 2000', extensions.st_npoints(v_geom)));
  end if;
  if not extensions.st_isvalid(v_geom) then
    perform private.raise_error('HL203', extensions.st_isvalidreason(v_geom));
  end if;
  v_area := extensions.st_area(p_area);
  -- pi * 100 m^2 .. pi * 100 km^2
  if v_area < 31415.9265 or v_area > 31415926535.9 then
    perform private.raise_error('HL204', pg_catalog.format('area %s km²', pg_catalog.round((v_area / 1e6)::numeric, 3)));
  end if;
end;
$$;
comment on function private.check_service_area(extensions.geography) is
  'Validates a service area: non-empty, at most 2000 vertices, valid (not self-intersecting) and of a sane size (HL203/HL204).';

-- A client's drawn area: GeoJSON Polygon/MultiPolygon (or a Feature holding one).
create or replace function private.service_area_from_geojson(p_area jsonb)
returns extensions.geography
language plpgsql
stable
set search_path = ''
as $$
declare
  v_geojson jsonb := p_area;
  v_geom extensions.geometry;
  v_area extensions.geography;
begin
  if v_geojson is null then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(v_geojson) = 'object' and v_geojson ->> 'type' = 'Feature' then
    v_geojson := v_geojson -> 'geometry';
  end if;
  if v_geojson is null or pg_catalog.jsonb_typeof(v_geojson) <> 'object'
     or coalesce(v_geojson ->> 'type', '') not in ('Polygon', 'MultiPolygon') then
    perform private.raise_error('HL203', 'a GeoJSON Polygon or MultiPolygon is required');
  end if;
  if v_geojson ? 'crs' then
    perform private.raise_error('HL203', 'coordinates must be WGS 84 longitude/latitude without a "crs" member');
  end if;
  begin
    v_geom := extensions.st_geomfromgeojson(v_geojson::text);
  exception when others then
    v_geom := null;
  end;
  if v_geom is null then
    perform private.raise_error('HL203', 'the GeoJSON could not be read (check the coordinates arrays)');
  end if;
  if extensions.st_ymin(v_geom::extensions.box3d) < -90 or extensions.st_ymax(v_geom::extensions.box3d) > 90 then
    perform private.raise_error('HL200', 'a vertex of the service area has a latitude outside -90..90');
  end if;
  if extensions.st_xmin(v_geom::extensions.box3d) < -180 or extensions.st_xmax(v_geom::extensions.box3d) > 180 then
    perform private.raise_error('HL201', 'a vertex of the service area has a longitude outside -180..180');
  end if;
  v_geom := extensions.st_setsrid(v_geom, 4326);
  if not extensions.st_isempty(v_geom) and not extensions.st_isvalid(v_geom) then
    perform private.raise_error('HL203', extensions.st_isvalidreason(v_geom));
  end if;
  v_area := extensions.st_multi(v_geom)::extensions.geography;
  perform private.check_service_area(v_area);
  return v_area;
end;
$$;
comment on function private.service_area_from_geojson(jsonb) is
  'Parses and validates a GeoJSON Polygon/MultiPolygon (or Feature) as a service area (HL200/HL201/HL203/HL204).';

-- Raises HL106 (the caller has no provider profile) or HL220 (someone else's id) when missing.
create or replace function private.require_provider(p_provider_id uuid)
returns public.provider_profiles
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  select * into v_provider from public.provider_profiles where id = p_provider_id;
  if not found then
    if p_provider_id is not null and p_provider_id = (select auth.uid()) then
      perform private.raise_error('HL106');
    end if;
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.require_provider(uuid) is 'The provider profile, or HL106 (caller not a provider) / HL220 (unknown provider).';

-- A category is live when it and all its ancestors are active.
create or replace function private.category_is_live(p_path_ids uuid[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select not exists (select 1 from public.categories a where a.id = any (p_path_ids) and not a.is_active);
$$;
comment on function private.category_is_live(uuid[]) is 'True when every category on the path (ancestors and itself) is active.';

revoke all on function
  private.is_valid_timezone(text),
  private.make_point(double precision, double precision),
  private.check_radius(integer),
  private.check_service_area(extensions.geography),
  private.service_area_from_geojson(jsonb),
  private.category_is_live(uuid[])
  from public, anon, authenticated, service_role;
grant execute on function
  private.is_valid_timezone(text),
  private.make_point(double precision, double precision),
  private.check_radius(integer),
  private.check_service_area(extensions.geography),
  private.service_area_from_geojson(jsonb),
  private.category_is_live(uuid[])
  to anon, authenticated, service_role;
revoke all on function private.require_provider(uuid) from public, anon, authenticated, service_role;
grant execute on function private.require_provider(uuid) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Categories: validation, tree fixes, refresh of providers on moves and deactivation.
------------------------------------------------------------------------------------------------
create index if not exists categories_path_ids_idx on public.categories using gin (path_ids);

create or replace function private.check_category()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_parent_kind text;
begin
  if new.slug is null or new.slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' or pg_catalog.char_length(new.slug) > 60 then
    perform private.raise_error('HL210', pg_catalog.format('slug %L', new.slug));
  end if;
  if tg_op = 'INSERT' or new.slug is distinct from old.slug then
    if exists (select 1 from public.categories c where c.slug = new.slug and c.id <> new.id) then
      perform private.raise_error('HL212', pg_catalog.format('slug %L', new.slug));
    end if;
  end if;
  if new.kind is null or new.kind not in ('service', 'goods') then
    perform private.raise_error('HL210', 'kind must be "service" or "goods"');
  end if;
  if new.names is null or pg_catalog.jsonb_typeof(new.names) <> 'object'
     or coalesce(pg_catalog.jsonb_typeof(new.names -> 'en'), '') <> 'string'
     or coalesce(pg_catalog.jsonb_typeof(new.names -> 'ar'), '') <> 'string'
     or pg_catalog.btrim(new.names ->> 'en') = '' or pg_catalog.btrim(new.names ->> 'ar') = '' then
    perform private.raise_error('HL210', 'names needs non-empty "en" and "ar" strings');
  end if;
  if exists (select 1 from pg_catalog.jsonb_each(new.names) e
              where e.key !~ '^[a-z]{2}(-[A-Z]{2})?$'
                 or pg_catalog.jsonb_typeof(e.value) <> 'string'
                 or pg_catalog.char_length(e.value #>> '{}') not between 1 and 80) then
    perform private.raise_error('HL210', 'names maps locales ("en", "ar-AE") to names of 1 to 80 characters');
  end if;
  if new.icon is not null and pg_catalog.char_length(new.icon) not between 1 and 120 then
    perform private.raise_error('HL210', 'icon is 1 to 120 characters');
  end if;
  if new.default_pricing_unit is null or new.default_pricing_unit not in ('hourly', 'fixed', 'per_item', 'quote') then
    perform private.raise_error('HL224', pg_catalog.format('default_pricing_unit %L', new.default_pricing_unit));
  end if;
  if new.is_active is null or new.sort_order is null then
    perform private.raise_error('HL210', 'is_active and sort_order are required');
  end if;
  if new.parent_id is not null then
    select c.kind into v_parent_kind from public.categories c where c.id = new.parent_id;
    if v_parent_kind is not null and v_parent_kind <> new.kind then
      perform private.raise_error('HL210', pg_catalog.format('a %s category cannot be placed under a %s category', new.kind, v_parent_kind));
    end if;
  end if;
  if tg_op = 'UPDATE' and new.kind <> old.kind
     and exists (select 1 from public.service_listings l where l.category_id = new.id) then
    perform private.raise_error('HL213', 'the kind of a category with listings cannot change');
  end if;
  return new;
end;
$$;
comment on function private.check_category() is 'BEFORE INSERT/UPDATE on categories: validates fields with HL210/HL212/HL213/HL224.';

create or replace trigger categories_check
  before insert or update on public.categories
  for each row execute function private.check_category();

-- Replaces the generic HL003/HL004 of the tables migration with HL208/HL211.
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

-- Fix: `update of path_ids` only fires when path_ids is in the UPDATE's SET list, never when the
-- BEFORE trigger derives it, so moving a category left its descendants' paths stale. Fire on
-- every update (path_ids cannot be written directly either).
drop trigger if exists categories_path on public.categories;
create trigger categories_path
  before insert or update on public.categories
  for each row execute function private.category_path();

drop trigger if exists categories_path_cascade on public.categories;
create trigger categories_path_cascade
  after update on public.categories
  for each row when (old.path_ids is distinct from new.path_ids)
  execute function private.category_path_cascade();

create or replace function private.check_category_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.categories c where c.parent_id = old.id) then
    perform private.raise_error('HL213', pg_catalog.format('category %L has subcategories', old.slug));
  end if;
  if exists (select 1 from public.service_listings l where l.category_id = old.id) then
    perform private.raise_error('HL213', pg_catalog.format('category %L has listings', old.slug));
  end if;
  return old;
end;
$$;
comment on function private.check_category_delete() is 'BEFORE DELETE on categories: HL213 while subcategories or listings remain.';

create or replace trigger categories_check_delete
  before delete on public.categories
  for each row execute function private.check_category_delete();

-- Derived provider fields now ignore listings whose category (or an ancestor) is inactive, and
-- skip the write when nothing changed.
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
  'Recomputes provider_profiles.category_ids (with ancestors) and price_from from active listings in live categories.';

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
-- Provider profiles
------------------------------------------------------------------------------------------------
alter table public.provider_profiles
  add column if not exists rating_sum integer not null default 0 check (rating_sum >= 0),
  add column if not exists base_lat double precision
    generated always as (extensions.st_y(base_location::extensions.geometry)) stored,
  add column if not exists base_lng double precision
    generated always as (extensions.st_x(base_location::extensions.geometry)) stored,
  -- The catalog's own flag for a deleted account, so its policies filter on a column of the row
  -- (indexed) instead of joining profiles for every row read.
  add column if not exists deleted_at timestamptz;
comment on column public.provider_profiles.rating_sum is 'Sum of all stars received (maintained by the database); rating_avg = rating_sum / rating_count.';
comment on column public.provider_profiles.base_lat is 'Latitude of base_location (derived). Change the base with set_provider_location().';
comment on column public.provider_profiles.base_lng is 'Longitude of base_location (derived). Change the base with set_provider_location().';
comment on column public.provider_profiles.rating_avg is 'Average stars, 2 decimals (maintained by the database).';
comment on column public.provider_profiles.completed_jobs is 'Completed bookings (maintained by the database).';
comment on column public.provider_profiles.deleted_at is
  'Set when the provider''s account is deleted (maintained by the database, like profiles.deleted_at): the profile is anonymised and takes no more writes.';
comment on column public.provider_profiles.response_time_s is 'Moving average of the time to answer a request, seconds (maintained by the database).';
comment on column public.provider_profiles.is_available is 'The provider''s own "taking work now" toggle.';
comment on column public.provider_profiles.timezone is 'IANA time zone of the provider''s availability rules.';

-- The public SELECT policy on provider_profiles stays `using (true)`: any row filter there becomes
-- a security-barrier qual, and PostGIS's operators (&&, <->) are not leakproof, so the planner
-- could no longer use the spatial indexes under RLS (discovery fell to sequential scans). A
-- deleted provider's row is anonymised instead (see the catalog's deletion step), and discovery
-- leaves closed accounts out explicitly.

-- As for profiles, a deleted account's token (valid until it expires) must not put data
-- back on its provider profile, nor delete a profile that records point at.
alter policy "Providers can edit their own profile" on public.provider_profiles
  using (id = (select auth.uid()) and deleted_at is null)
  with check (id = (select auth.uid()) and deleted_at is null);
alter policy "Providers can delete their own profile" on public.provider_profiles
  using (id = (select auth.uid()) and deleted_at is null);

-- Whatever path deletes an account (profiles.deleted_at set), its provider profile is taken out of service and
-- its listings stop being public at once. The account deletion handler
-- (private.delete_account_catalog, cross_module) does the rest.
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

-- A deleted provider has no active listing and no availability, whoever writes (the provider's
-- leftover token, a back end): inserts, edits and (re)activation are refused with HL120; taking
-- data away (deactivating, deleting) stays possible.
create or replace function private.refuse_deleted_provider_writes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'service_listings' and tg_op = 'UPDATE' then
    if not new.is_active then
      return new;
    end if;
  end if;
  if exists (select 1 from public.provider_profiles p where p.id = new.provider_id and p.deleted_at is not null) then
    perform private.raise_error('HL120', pg_catalog.format('provider %s', new.provider_id));
  end if;
  return new;
end;
$$;
comment on function private.refuse_deleted_provider_writes() is
  'BEFORE INSERT/UPDATE on listings, availability rules, time off and certifications: HL120 for a deleted provider (deactivating a listing is still allowed).';

create or replace trigger service_listings_refuse_deleted_provider
  before insert or update on public.service_listings
  for each row execute function private.refuse_deleted_provider_writes();
create or replace trigger availability_rules_refuse_deleted_provider
  before insert or update on public.availability_rules
  for each row execute function private.refuse_deleted_provider_writes();
create or replace trigger provider_time_off_refuse_deleted_provider
  before insert or update on public.provider_time_off
  for each row execute function private.refuse_deleted_provider_writes();
create or replace trigger provider_certifications_refuse_deleted_provider
  before insert or update on public.provider_certifications
  for each row execute function private.refuse_deleted_provider_writes();

create or replace function private.check_provider_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.display_name is null or pg_catalog.char_length(pg_catalog.btrim(new.display_name)) < 2
     or pg_catalog.char_length(new.display_name) > 120 then
    perform private.raise_error('HL222', 'display_name must be 2 to 120 characters');
  end if;
  if new.business_name is not null and pg_catalog.char_length(new.business_name) > 120 then
    perform private.raise_error('HL222', 'business_name is limited to 120 characters');
  end if;
  if new.description is not null and pg_catalog.char_length(new.description) > 4000 then
    perform private.raise_error('HL222', 'description is limited to 4000 characters');
  end if;
  if new.skills is null or pg_catalog.cardinality(new.skills) > 50
     or exists (select 1 from pg_catalog.unnest(new.skills) s
                 where s is null or pg_catalog.btrim(s) = '' or pg_catalog.char_length(s) > 60) then
    perform private.raise_error('HL222', 'skills is a list of at most 50 non-empty entries of at most 60 characters');
  end if;
  perform private.check_radius(new.service_radius_m);
  if new.hourly_rate is not null and not (new.hourly_rate between 0 and 100000000) then
    perform private.raise_error('HL205', pg_catalog.format('hourly_rate %s; at most 100000000 minor units', new.hourly_rate));
  end if;
  if new.currency is null or new.currency::text !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL206', pg_catalog.format('currency %L', new.currency));
  end if;
  if tg_op = 'UPDATE' and new.currency <> old.currency
     and exists (select 1 from public.service_listings l where l.provider_id = new.id) then
    perform private.raise_error('HL207', pg_catalog.format('listings are priced in %s', old.currency));
  end if;
  if (tg_op = 'INSERT' or new.timezone is distinct from old.timezone) and not private.is_valid_timezone(new.timezone) then
    perform private.raise_error('HL214', pg_catalog.format('time zone %L', new.timezone));
  end if;
  if tg_op = 'INSERT' or new.service_area is distinct from old.service_area then
    perform private.check_service_area(new.service_area);
  end if;
  if new.is_available is null then
    perform private.raise_error('HL222', 'is_available is true or false');
  end if;
  return new;
end;
$$;
comment on function private.check_provider_profile() is
  'BEFORE INSERT/UPDATE on provider_profiles: validates fields with HL202/HL205/HL206/HL207/HL214/HL222 codes.';

create or replace trigger provider_profiles_check
  before insert or update on public.provider_profiles
  for each row execute function private.check_provider_profile();

-- The time zone check moved to provider_profiles_check (with its own code).
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

-- Fix: `update of base_location, coverage` missed coverage changes derived from a new radius or
-- area (coverage is never in the SET list), so inheriting listings kept the old coverage.
drop trigger if exists provider_profiles_propagate on public.provider_profiles;
create trigger provider_profiles_propagate
  after update on public.provider_profiles
  for each row
  when (old.base_location is distinct from new.base_location or old.coverage is distinct from new.coverage)
  execute function private.provider_profile_propagate();

-- Onboarding and location go through RPCs (lat/lng, GeoJSON): PostGIS silently wraps
-- out-of-range coordinates in WKT/EWKT input, so raw geography writes are not offered.
drop policy if exists "Users can create their own provider profile" on public.provider_profiles;
revoke insert on public.provider_profiles from authenticated;
revoke update (base_location, service_area) on public.provider_profiles from authenticated;

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
  v_uid uuid := (select auth.uid());
  v_profile public.profiles;
  v_point extensions.geography;
  v_provider public.provider_profiles;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
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
  v_uid uuid := (select auth.uid());
  v_point extensions.geography;
  v_provider public.provider_profiles;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
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
  v_uid uuid := (select auth.uid());
  v_area extensions.geography;
  v_provider public.provider_profiles;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
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

-- Business attachment: only an owner/manager attaches a provider who is a member of the business.
create or replace function private.business_provider_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.id
    from public.provider_profiles p
   where p.business_id in (select bm.business_id from public.business_members bm where bm.user_id = (select auth.uid()));
$$;
comment on function private.business_provider_ids() is
  'Providers attached to a business the caller is a member of. Use as provider_id = any (array(select ...)) in policies.';
revoke all on function private.business_provider_ids() from public, anon, authenticated, service_role;
grant execute on function private.business_provider_ids() to authenticated, service_role;

create or replace function public.set_provider_business(p_provider_id uuid, p_business_id uuid)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_provider public.provider_profiles;
  v_business public.businesses;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  v_provider := private.require_provider(p_provider_id);
  if p_business_id is null then
    -- Leaving: the provider themself, or an owner/manager of the current business.
    if v_provider.business_id is not null and v_provider.id <> v_uid
       and coalesce(private.business_role(v_provider.business_id), '') not in ('owner', 'manager') then
      perform private.raise_error('HL112');
    end if;
  else
    -- Fix (closed businesses): a closed business takes no providers, whoever asks; like the
    -- membership RPCs, existence and closure are answered first (HL110, HL118).
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

-- Verification by operators with providers.verify.
create or replace function public.verify_provider(p_provider_id uuid, p_verified boolean default true)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  if (select auth.uid()) is null then
    perform private.raise_error('HL001');
  end if;
  if not private.authorize('providers.verify') then
    perform private.raise_error('HL002', 'needs the providers.verify permission');
  end if;
  perform private.require_provider(p_provider_id);
  update public.provider_profiles set is_verified = coalesce(p_verified, false) where id = p_provider_id
  returning * into v_provider;
  return v_provider;
end;
$$;
comment on function public.verify_provider(uuid, boolean) is
  'Operators (providers.verify): marks a provider verified or not. Errors: HL002, HL220.';
revoke all on function public.verify_provider(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function public.verify_provider(uuid, boolean) to authenticated;

------------------------------------------------------------------------------------------------
-- Certifications
------------------------------------------------------------------------------------------------
create or replace function private.check_certification()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_provider(new.provider_id);
  if new.name is null or pg_catalog.char_length(pg_catalog.btrim(new.name)) < 2 or pg_catalog.char_length(new.name) > 120 then
    perform private.raise_error('HL226', 'name must be 2 to 120 characters');
  end if;
  if new.issuer is null or pg_catalog.char_length(pg_catalog.btrim(new.issuer)) < 2 or pg_catalog.char_length(new.issuer) > 120 then
    perform private.raise_error('HL226', 'issuer must be 2 to 120 characters');
  end if;
  if new.number is not null and pg_catalog.char_length(new.number) > 80 then
    perform private.raise_error('HL226', 'number is limited to 80 characters');
  end if;
  if new.document_path is not null and pg_catalog.char_length(new.document_path) not between 1 and 300 then
    perform private.raise_error('HL226', 'document_path is 1 to 300 characters');
  end if;
  if new.expires_on is not null and (tg_op = 'INSERT' or new.expires_on is distinct from old.expires_on)
     and new.expires_on < (private.now() at time zone 'UTC')::date then
    perform private.raise_error('HL226', pg_catalog.format('expires_on %s is in the past', new.expires_on));
  end if;
  -- A changed certificate needs verifying again.
  if tg_op = 'UPDATE' and (new.name, new.issuer, new.number, new.expires_on, new.document_path)
       is distinct from (old.name, old.issuer, old.number, old.expires_on, old.document_path) then
    new.verified_at := null;
    new.verified_by := null;
  end if;
  return new;
end;
$$;
comment on function private.check_certification() is
  'BEFORE INSERT/UPDATE on provider_certifications: validates (HL226) and resets verification when the certificate changes.';

create or replace trigger provider_certifications_check
  before insert or update on public.provider_certifications
  for each row execute function private.check_certification();

create or replace function public.verify_certification(p_certification_id uuid, p_verified boolean default true)
returns public.provider_certifications
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_cert public.provider_certifications;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  if not private.authorize('providers.verify') then
    perform private.raise_error('HL002', 'needs the providers.verify permission');
  end if;
  update public.provider_certifications
     set verified_at = case when coalesce(p_verified, false) then private.now() end,
         verified_by = case when coalesce(p_verified, false) then v_uid end
   where id = p_certification_id
  returning * into v_cert;
  if not found then
    perform private.raise_error('HL231', pg_catalog.format('certification %s', coalesce(p_certification_id::text, 'null')));
  end if;
  return v_cert;
end;
$$;
comment on function public.verify_certification(uuid, boolean) is
  'Operators (providers.verify): marks a certification verified (now, by the caller) or clears it. Errors: HL002, HL231.';
revoke all on function
  public.verify_certification(uuid, boolean)
  from public, anon, authenticated, service_role;
grant execute on function public.verify_certification(uuid, boolean) to authenticated;

------------------------------------------------------------------------------------------------
-- Service listings
------------------------------------------------------------------------------------------------
-- Currency: a listing is priced in its provider's currency (price_from compares listings), so
-- the column defaults to the calling provider's currency and a different one is refused (HL207).
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

alter table public.service_listings alter column currency set default private.default_listing_currency();
comment on column public.service_listings.currency is 'The provider''s currency (the default); another currency is refused with HL207.';
comment on column public.service_listings.pricing_unit is 'hourly, fixed, per_item or quote; the category''s default_pricing_unit is the suggested value.';

create or replace function private.check_service_listing()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
  v_category public.categories;
begin
  v_provider := private.require_provider(new.provider_id);
  if tg_op = 'INSERT' or new.category_id is distinct from old.category_id then
    select * into v_category from public.categories c where c.id = new.category_id;
    if not found then
      perform private.raise_error('HL208', pg_catalog.format('category %s', coalesce(new.category_id::text, 'null')));
    end if;
    if v_category.kind <> 'service' or not private.category_is_live(v_category.path_ids) then
      perform private.raise_error('HL209', pg_catalog.format('category %L', v_category.slug));
    end if;
  end if;
  if new.title is null or pg_catalog.char_length(pg_catalog.btrim(new.title)) < 3 or pg_catalog.char_length(new.title) > 120 then
    perform private.raise_error('HL223', 'title must be 3 to 120 characters');
  end if;
  if new.description is not null and pg_catalog.char_length(new.description) > 4000 then
    perform private.raise_error('HL223', 'description is limited to 4000 characters');
  end if;
  if new.media_paths is null or pg_catalog.cardinality(new.media_paths) > 20
     or exists (select 1 from pg_catalog.unnest(new.media_paths) m
                 where m is null or pg_catalog.char_length(m) not between 1 and 300) then
    perform private.raise_error('HL223', 'media_paths is a list of at most 20 object paths of 1 to 300 characters');
  end if;
  if new.cover_image_path is not null and pg_catalog.char_length(new.cover_image_path) not between 1 and 300 then
    perform private.raise_error('HL223', 'cover_image_path is 1 to 300 characters');
  end if;
  if new.is_active is null then
    perform private.raise_error('HL223', 'is_active is true or false');
  end if;
  if new.pricing_unit is null or new.pricing_unit not in ('hourly', 'fixed', 'per_item', 'quote') then
    perform private.raise_error('HL224', pg_catalog.format('pricing_unit %L', new.pricing_unit));
  end if;
  if new.base_price is null or not (new.base_price between 0 and 1000000000) then
    perform private.raise_error('HL205', pg_catalog.format('base_price %s', coalesce(new.base_price::text, 'null')));
  end if;
  if new.pricing_unit = 'quote' and new.base_price <> 0 then
    perform private.raise_error('HL205', 'quote listings have base_price 0 (the price comes with the quote)');
  end if;
  if new.currency is null or new.currency::text !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL206', pg_catalog.format('currency %L', new.currency));
  end if;
  if new.currency <> v_provider.currency then
    perform private.raise_error('HL207', pg_catalog.format('listing in %s, provider in %s', new.currency, v_provider.currency));
  end if;
  if new.duration_minutes is null or not (new.duration_minutes between 5 and 1440) or new.duration_minutes % 5 <> 0 then
    perform private.raise_error('HL225', pg_catalog.format('duration_minutes %s', coalesce(new.duration_minutes::text, 'null')));
  end if;
  if new.service_radius_m is not null then
    perform private.check_radius(new.service_radius_m);
  end if;
  if tg_op = 'INSERT' or new.service_area is distinct from old.service_area then
    perform private.check_service_area(new.service_area);
  end if;
  return new;
end;
$$;
comment on function private.check_service_listing() is
  'BEFORE INSERT/UPDATE on service_listings: validates with HL106/HL202/HL205-HL209/HL220/HL223-HL225.';

create or replace trigger service_listings_check
  before insert or update on public.service_listings
  for each row execute function private.check_service_listing();

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

-- Derived geography columns get an empty placeholder default that the BEFORE triggers always
-- replace, so generated client types do not ask clients to send them.
alter table public.service_listings
  alter column location set default 'SRID=4326;POINT EMPTY'::extensions.geography,
  alter column coverage set default 'SRID=4326;MULTIPOLYGON EMPTY'::extensions.geography;
alter table public.provider_profiles
  alter column coverage set default 'SRID=4326;MULTIPOLYGON EMPTY'::extensions.geography;

-- Drawn listing areas come as GeoJSON through set_listing_service_area.
revoke insert (service_area), update (service_area) on public.service_listings from authenticated;

create or replace function public.set_listing_service_area(p_listing_id uuid, p_area jsonb)
returns public.service_listings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_area extensions.geography;
  v_listing public.service_listings;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
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

-- Business staff read their providers' hidden listings; moderators read all.
drop policy if exists "Active listings are public; providers see their own" on public.service_listings;
create policy "Active listings are public" on public.service_listings
  for select to anon
  using (is_active);
create policy "Active listings are public; providers, their business and moderators see hidden ones" on public.service_listings
  for select to authenticated
  using (
    is_active
    or provider_id = (select auth.uid())
    or provider_id = any (array(select private.business_provider_ids()))
    or (select private.authorize('content.moderate')));

------------------------------------------------------------------------------------------------
-- Availability and time off
------------------------------------------------------------------------------------------------
comment on column public.availability_rules.end_time is 'Exclusive end in the provider''s time zone; 24:00 means midnight at the end of the day.';

create or replace function private.check_availability_rule()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_provider(new.provider_id);
  if new.weekday is null or not (new.weekday between 0 and 6) then
    perform private.raise_error('HL215', pg_catalog.format('weekday %s; 0 = Sunday ... 6 = Saturday', coalesce(new.weekday::text, 'null')));
  end if;
  if new.start_time is null or new.end_time is null or new.start_time >= new.end_time then
    perform private.raise_error('HL215', pg_catalog.format('start_time %s must be before end_time %s', new.start_time, new.end_time));
  end if;
  if exists (select 1 from public.availability_rules r
              where r.provider_id = new.provider_id and r.weekday = new.weekday and r.id <> new.id
                and r.start_time < new.end_time and new.start_time < r.end_time) then
    perform private.raise_error('HL216', pg_catalog.format('weekday %s %s-%s', new.weekday, new.start_time, new.end_time));
  end if;
  return new;
end;
$$;
comment on function private.check_availability_rule() is 'BEFORE INSERT/UPDATE on availability_rules: HL215 invalid, HL216 overlap.';

create or replace trigger availability_rules_check
  before insert or update on public.availability_rules
  for each row execute function private.check_availability_rule();

create or replace function private.check_time_off()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_provider(new.provider_id);
  if new.period is null or pg_catalog.isempty(new.period)
     or pg_catalog.lower_inf(new.period) or pg_catalog.upper_inf(new.period) then
    perform private.raise_error('HL217', 'time off needs a bounded, non-empty period');
  end if;
  if pg_catalog.upper(new.period) - pg_catalog.lower(new.period) > interval '366 days' then
    perform private.raise_error('HL217', 'time off lasts at most 366 days');
  end if;
  if new.reason is not null and pg_catalog.char_length(new.reason) > 200 then
    perform private.raise_error('HL215', 'reason is limited to 200 characters');
  end if;
  return new;
end;
$$;
comment on function private.check_time_off() is 'BEFORE INSERT/UPDATE on provider_time_off: HL217 bad period, HL215 reason too long.';

create or replace trigger provider_time_off_check
  before insert or update on public.provider_time_off
  for each row execute function private.check_time_off();

drop policy if exists "Providers can read their time off" on public.provider_time_off;
create policy "Providers and their business can read their time off" on public.provider_time_off
  for select to authenticated
  using (provider_id = (select auth.uid()) or provider_id = any (array(select private.business_provider_ids())));

-- Replaces the caller's week in one transaction (PostgREST cannot group a delete and inserts).
create or replace function public.set_weekly_availability(p_rules jsonb)
returns setof public.availability_rules
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_rule jsonb;
  v_weekday smallint;
  v_start time;
  v_end time;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  perform private.require_provider(v_uid);
  if p_rules is null or pg_catalog.jsonb_typeof(p_rules) <> 'array' then
    perform private.raise_error('HL215', 'p_rules is an array of {weekday, start_time, end_time}');
  end if;
  delete from public.availability_rules where provider_id = v_uid;
  for v_rule in select value from pg_catalog.jsonb_array_elements(p_rules) loop
    begin
      v_weekday := (v_rule ->> 'weekday')::smallint;
      v_start := (v_rule ->> 'start_time')::time;
      v_end := (v_rule ->> 'end_time')::time;
    exception when others then
      v_weekday := null;
    end;
    if pg_catalog.jsonb_typeof(v_rule) <> 'object' or v_weekday is null then
      perform private.raise_error('HL215', pg_catalog.format('cannot read rule %s', v_rule));
    end if;
    insert into public.availability_rules (provider_id, weekday, start_time, end_time)
    values (v_uid, v_weekday, v_start, v_end);
  end loop;
  return query select * from public.availability_rules r where r.provider_id = v_uid order by r.weekday, r.start_time;
end;
$$;
comment on function public.set_weekly_availability(jsonb) is
  'Replaces the calling provider''s weekly rules with [{weekday 0-6 (0 = Sunday), start_time "09:00", end_time "17:00"}] in the provider''s time zone. Errors: HL106, HL215, HL216.';
revoke all on function public.set_weekly_availability(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.set_weekly_availability(jsonb) to authenticated;

------------------------------------------------------------------------------------------------
-- Busy periods and slots
------------------------------------------------------------------------------------------------
-- Extension point: the bookings module replaces this function (create or replace, same
-- signature) to add the periods of its active bookings, e.g.
--   union all select b.period from public.bookings b
--    where b.provider_id = p_provider_id and b.status in (...) and b.period && p_range
-- Slots (get_available_slots) and "available now" (favorites, discovery) both read it.
create or replace function private.provider_busy_periods(p_provider_id uuid, p_range tstzrange)
returns setof tstzrange
language sql
stable
security definer
set search_path = ''
as $$
  select t.period
    from public.provider_time_off t
   where t.provider_id = p_provider_id
     and t.period && p_range;
$$;
comment on function private.provider_busy_periods(uuid, tstzrange) is
  'Periods when a provider cannot take work, overlapping a range: time off (the bookings module extends it with active bookings).';
revoke all on function
  private.provider_busy_periods(uuid, tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.provider_busy_periods(uuid, tstzrange) to service_role;

create or replace function private.provider_open_hours(p_provider_id uuid, p_range tstzrange)
returns tstzmultirange
language sql
stable
security definer
set search_path = ''
as $$
  -- Wall-clock weekly rules become instants day by day in the provider's zone, so DST changes
  -- move them correctly; a rule lying in a spring-forward gap can end "before" it starts and is
  -- simply not open that day. Adjacent rules (and 24:00 followed by 00:00) merge.
  with p as (
    select pp.timezone from public.provider_profiles pp where pp.id = p_provider_id
  ), days as (
    select d::date as day, p.timezone
      from p, pg_catalog.generate_series(
             ((pg_catalog.lower(p_range) at time zone p.timezone)::date - 1)::timestamp,
             ((pg_catalog.upper(p_range) at time zone p.timezone)::date)::timestamp,
             interval '1 day') as d
  ), rule_instants as (
    select (days.day + r.start_time) at time zone days.timezone as opens,
           (days.day + r.end_time) at time zone days.timezone as closes
      from days
      join public.availability_rules r
        on r.provider_id = p_provider_id and r.weekday = extract(dow from days.day)
  )
  select coalesce(pg_catalog.range_agg(pg_catalog.tstzrange(ri.opens, ri.closes, '[)')), '{}'::tstzmultirange)
    from rule_instants ri
   where ri.opens < ri.closes;
$$;
comment on function private.provider_open_hours(uuid, tstzrange) is
  'The provider''s weekly hours as instants over the days that can overlap p_range (time zone and DST aware, adjacent rules merged). Used by slots and bookings.';
revoke all on function
  private.provider_open_hours(uuid, tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.provider_open_hours(uuid, tstzrange) to service_role;

create or replace function private.provider_available_at(p_provider_id uuid, p_at timestamptz)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select p.is_available
       and exists (
         select 1 from public.availability_rules r
          where r.provider_id = p.id
            and r.weekday = extract(dow from (p_at at time zone p.timezone))
            and r.start_time <= (p_at at time zone p.timezone)::time
            and (p_at at time zone p.timezone)::time < r.end_time)
       and not exists (select 1 from private.provider_busy_periods(p.id, tstzrange(p_at, p_at, '[]')))
      from public.provider_profiles p
     where p.id = p_provider_id), false);
$$;
comment on function private.provider_available_at(uuid, timestamptz) is
  'True when the provider''s toggle is on, a weekly rule covers the moment in their time zone, and no busy period does.';
revoke all on function
  private.provider_available_at(uuid, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function private.provider_available_at(uuid, timestamptz) to service_role;

create or replace function public.get_available_slots(
  p_listing_id uuid,
  p_from date,
  p_to date,
  p_tz text default null
)
returns table (slot_start timestamptz, slot_end timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_listing public.service_listings;
  v_provider public.provider_profiles;
  v_tz text;
  v_window tstzrange;
  v_duration interval;
  v_step interval;
  v_earliest timestamptz;
  v_max_days integer := (private.setting('catalog.max_slot_range_days'))::integer;
  v_step_minutes integer := (private.setting('catalog.slot_step_minutes'))::integer;
begin
  select * into v_listing from public.service_listings l where l.id = p_listing_id;
  if not found or not (
       v_listing.is_active
       or v_listing.provider_id is not distinct from v_uid
       or (v_uid is not null and v_listing.provider_id in (select private.business_provider_ids()))
       or (v_uid is not null and private.authorize('content.moderate'))) then
    perform private.raise_error('HL219', pg_catalog.format('listing %s', coalesce(p_listing_id::text, 'null')));
  end if;
  if p_from is null or p_to is null or p_from > p_to then
    perform private.raise_error('HL217', pg_catalog.format('from %s to %s', p_from, p_to));
  end if;
  if p_to - p_from + 1 > v_max_days then
    perform private.raise_error('HL218', pg_catalog.format('%s days requested; at most %s', p_to - p_from + 1, v_max_days));
  end if;
  if p_tz is not null and not private.is_valid_timezone(p_tz) then
    perform private.raise_error('HL214', pg_catalog.format('time zone %L', p_tz));
  end if;
  select * into v_provider from public.provider_profiles p where p.id = v_listing.provider_id;
  v_tz := coalesce(p_tz, v_provider.timezone);
  -- The requested dates are whole days in the requested (or the provider's) time zone.
  v_window := tstzrange(p_from::timestamp at time zone v_tz, (p_to + 1)::timestamp at time zone v_tz, '[)');
  v_duration := pg_catalog.make_interval(mins => v_listing.duration_minutes);
  v_step := case when v_step_minutes > 0 then pg_catalog.make_interval(mins => v_step_minutes) else v_duration end;
  v_earliest := private.now() + pg_catalog.make_interval(mins => (private.setting('catalog.min_notice_minutes'))::integer);

  return query
  with open_hours as (
    select private.provider_open_hours(v_provider.id, v_window) as hours
  ), busy as (
    select coalesce(pg_catalog.range_agg(b.period), '{}'::tstzmultirange) as periods
      from private.provider_busy_periods(v_provider.id, v_window) as b(period)
  ), free as (
    select o.hours - b.periods as hours from open_hours o, busy b
  )
  select s.t, s.t + v_duration
    from open_hours o
   cross join lateral pg_catalog.unnest(o.hours) as h(r)
   cross join lateral pg_catalog.generate_series(pg_catalog.lower(h.r), pg_catalog.upper(h.r) - v_duration, v_step) as s(t)
   cross join free f
   where s.t >= v_earliest
     and v_window @> s.t
     and f.hours @> pg_catalog.tstzrange(s.t, s.t + v_duration, '[)')
   order by s.t;
end;
$$;
comment on function public.get_available_slots(uuid, date, date, text) is
  'Bookable slots of a listing between two dates (inclusive, whole days in p_tz or the provider''s time zone): the provider''s weekly rules (DST-aware), the listing duration, the catalog.slot_step_minutes grid, catalog.min_notice_minutes from now, minus time off and bookings. Errors: HL214, HL217, HL218 (more than catalog.max_slot_range_days), HL219.';
revoke all on function
  public.get_available_slots(uuid, date, date, text)
  from public, anon, authenticated, service_role;
grant execute on function public.get_available_slots(uuid, date, date, text) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Favorites
------------------------------------------------------------------------------------------------
create or replace function private.check_favorite()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.provider_profiles p where p.id = new.provider_id and p.deleted_at is null) then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(new.provider_id::text, 'null')));
  end if;
  return new;
end;
$$;
comment on function private.check_favorite() is 'BEFORE INSERT on favorites: HL220 for an unknown or deleted provider.';

create or replace trigger favorites_check
  before insert on public.favorites
  for each row execute function private.check_favorite();

create or replace function public.list_favorite_providers(p_available_now boolean default false)
returns table (
  provider_id uuid,
  display_name text,
  business_name text,
  username text,
  avatar_path text,
  is_verified boolean,
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
  saved_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  return query
  select x.* from (
    select p.id, p.display_name, p.business_name, pr.username, pr.avatar_path, p.is_verified,
           p.rating_avg, p.rating_count, p.completed_jobs, p.price_from, p.hourly_rate, p.currency::text,
           p.base_lat, p.base_lng, p.is_available,
           private.provider_available_at(p.id, v_now) as available_now,
           f.created_at
      from public.favorites f
      join public.provider_profiles p on p.id = f.provider_id
      join public.profiles pr on pr.id = p.id
     where f.user_id = v_uid
       and pr.deleted_at is null
  ) x
  where not coalesce(p_available_now, false) or x.available_now
  order by x.created_at desc;
end;
$$;
comment on function public.list_favorite_providers(boolean) is
  'The caller''s saved providers ("buddies") with display data, newest first; with p_available_now only those available now (toggle on, inside a weekly rule in their time zone, not busy).';
revoke all on function public.list_favorite_providers(boolean) from public, anon, authenticated, service_role;
grant execute on function public.list_favorite_providers(boolean) to authenticated;

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

------------------------------------------------------------------------------------------------
-- Provider statistics: written only here, called by the reviews and bookings modules.
------------------------------------------------------------------------------------------------
create or replace function private.record_provider_rating(p_provider_id uuid, p_stars integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  if p_stars is null or not (p_stars between 1 and 5) then
    perform private.raise_error('HL230', pg_catalog.format('stars %s', coalesce(p_stars::text, 'null')));
  end if;
  update public.provider_profiles
     set rating_count = rating_count + 1,
         rating_sum = rating_sum + p_stars,
         rating_avg = pg_catalog.round((rating_sum + p_stars)::numeric / (rating_count + 1), 2)
   where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.record_provider_rating(uuid, integer) is
  'Adds one rating (1-5 stars) to a provider''s rating_count/rating_sum/rating_avg. For the reviews module.';

create or replace function private.remove_provider_rating(p_provider_id uuid, p_stars integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  if p_stars is null or not (p_stars between 1 and 5) then
    perform private.raise_error('HL230', pg_catalog.format('stars %s', coalesce(p_stars::text, 'null')));
  end if;
  update public.provider_profiles
     set rating_count = rating_count - 1,
         rating_sum = rating_sum - p_stars,
         rating_avg = case when rating_count - 1 = 0 then 0
                           else pg_catalog.round((rating_sum - p_stars)::numeric / (rating_count - 1), 2) end
   where id = p_provider_id
     and rating_count > 0
     and rating_sum - p_stars >= rating_count - 1
  returning * into v_provider;
  if not found then
    perform private.require_provider(p_provider_id);
    perform private.raise_error('HL005', 'the provider has no such rating to remove');
  end if;
  return v_provider;
end;
$$;
comment on function private.remove_provider_rating(uuid, integer) is
  'Removes one rating (a deleted or moderated review) from a provider''s rating statistics.';

create or replace function private.record_completed_job(p_provider_id uuid)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  update public.provider_profiles set completed_jobs = completed_jobs + 1 where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.record_completed_job(uuid) is 'Counts one completed job for a provider. For the bookings module.';

create or replace function private.record_provider_response(p_provider_id uuid, p_seconds integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_weight numeric := (private.setting('catalog.response_time_weight'))::numeric;
  v_provider public.provider_profiles;
begin
  if p_seconds is null or p_seconds < 0 then
    perform private.raise_error('HL004', 'response time is a non-negative number of seconds');
  end if;
  update public.provider_profiles
     set response_time_s = case when response_time_s is null then p_seconds
                                else pg_catalog.round(response_time_s * (1 - v_weight) + p_seconds * v_weight)::integer end
   where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.record_provider_response(uuid, integer) is
  'Folds one response time (seconds from request to the provider''s answer) into response_time_s (moving average, weight catalog.response_time_weight). For the jobs/bookings modules.';

-- For recomputation from the source tables: the reviews/bookings modules define
-- private.refresh_provider_stats(provider) over their tables and call this with the totals.
create or replace function private.set_provider_stats(
  p_provider_id uuid,
  p_rating_count integer,
  p_rating_sum integer,
  p_completed_jobs integer,
  p_response_time_s integer
)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  if p_rating_count is null or p_rating_sum is null or p_rating_count < 0
     or p_rating_sum < p_rating_count or p_rating_sum > 5 * p_rating_count then
    perform private.raise_error('HL230', pg_catalog.format('%s ratings with %s stars in total', p_rating_count, p_rating_sum));
  end if;
  if p_completed_jobs is null or p_completed_jobs < 0 or (p_response_time_s is not null and p_response_time_s < 0) then
    perform private.raise_error('HL004', 'counters are non-negative');
  end if;
  update public.provider_profiles
     set rating_count = p_rating_count,
         rating_sum = p_rating_sum,
         rating_avg = case when p_rating_count = 0 then 0 else pg_catalog.round(p_rating_sum::numeric / p_rating_count, 2) end,
         completed_jobs = p_completed_jobs,
         response_time_s = p_response_time_s
   where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.set_provider_stats(uuid, integer, integer, integer, integer) is
  'Sets a provider''s statistics from recomputed totals (rating count and star sum, completed jobs, response time).';

revoke all on function
  private.record_provider_rating(uuid, integer),
  private.remove_provider_rating(uuid, integer),
  private.record_completed_job(uuid),
  private.record_provider_response(uuid, integer),
  private.set_provider_stats(uuid, integer, integer, integer, integer)
  from public, anon, authenticated, service_role;
grant execute on function
  private.record_provider_rating(uuid, integer),
  private.remove_provider_rating(uuid, integer),
  private.record_completed_job(uuid),
  private.record_provider_response(uuid, integer),
  private.set_provider_stats(uuid, integer, integer, integer, integer)
  to service_role;
