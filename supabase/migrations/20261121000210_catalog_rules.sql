-- Module: catalog (rules)
-- Error codes HL2xx, settings, and the validation helpers every catalog write uses (lat/lng and
-- GeoJSON, never WKT; radii, service areas, time zones, live categories, "is a provider").

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL2xx, and HL416 for the cancellation terms listings carry).
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
   'Check the certification id.'),
  ('HL232', 'buddy_is_self', 400, 'You cannot be your own buddy.',
   'Add another user''s id as buddy_id.'),
  ('HL233', 'buddy_not_found', 404, 'The user does not exist or deleted their account.',
   'Check the user id (profiles.id) you are adding as a buddy.'),
  ('HL234', 'too_many_buddies', 409, 'You have reached the maximum number of buddies.',
   'Remove a buddy first; see details for the maximum (setting catalog.max_buddies).'),
  ('HL416', 'invalid_cancellation_policy', 400, 'The cancellation policy is invalid.',
   'Use {"free_until_minutes": integer from 0 to 525600, "fee_percent": number from 0 to 100}, or null to inherit.')
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
  ('catalog.max_buddies', '200',
   'How many buddies one user may keep (public.buddies).'),
  ('catalog.response_time_weight', '0.2',
   'Weight of the newest response in the provider''s moving-average response time (0 < w <= 1).')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Validation helpers
------------------------------------------------------------------------------------------------

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
