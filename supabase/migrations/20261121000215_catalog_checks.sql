-- Module: catalog (checks)
-- The validation triggers of every catalog table. They run BEFORE the check constraints, so bad
-- input a client can send gets a documented HL2xx code; the constraints stay as the last line of
-- defence.

------------------------------------------------------------------------------------------------
-- Categories
------------------------------------------------------------------------------------------------
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

-- Cancellation policies: actionable errors before the check constraints (which stay as the last line of defence).
create or replace function private.check_cancellation_policy()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.cancellation_policy is not null and not private.is_valid_cancellation_policy(new.cancellation_policy) then
    perform private.raise_error('HL416', pg_catalog.format('%s', new.cancellation_policy));
  end if;
  return new;
end;
$$;
comment on function private.check_cancellation_policy() is
  'BEFORE INSERT/UPDATE on service_listings and categories: validates cancellation_policy (HL416).';

create or replace trigger service_listings_check_cancellation_policy
  before insert or update of cancellation_policy on public.service_listings
  for each row execute function private.check_cancellation_policy();
create or replace trigger categories_check_cancellation_policy
  before insert or update of cancellation_policy on public.categories
  for each row execute function private.check_cancellation_policy();
------------------------------------------------------------------------------------------------
-- Provider profiles
------------------------------------------------------------------------------------------------
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

------------------------------------------------------------------------------------------------
-- Certifications, listings, availability, time off, buddies
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
  if new.expires_on is not null and (tg_op = 'INSERT' or new.expires_on is distinct from old.expires_on)
     and new.expires_on < (private.now() at time zone 'UTC')::date then
    perform private.raise_error('HL226', pg_catalog.format('expires_on %s is in the past', new.expires_on));
  end if;
  -- A changed certificate needs verifying again.
  if tg_op = 'UPDATE' and (new.name, new.issuer, new.expires_on) is distinct from (old.name, old.issuer, old.expires_on) then
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
-- Buddies: not yourself, an existing account that is not deleted, and at most catalog.max_buddies
-- per user (inserts of one user queue on a transaction lock so the count holds). Adding a buddy
-- again is a no-op (the row is skipped), so adding is idempotent.
create or replace function private.check_buddy()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_max integer := (private.setting('catalog.max_buddies'))::integer;
begin
  -- A row for someone else's list: row level security refuses it after this trigger, so nothing
  -- here may tell anything about that list (its size, its rows).
  if (select auth.uid()) is not null and new.user_id is distinct from (select auth.uid()) then
    return new;
  end if;
  if new.buddy_id is not distinct from new.user_id then
    perform private.raise_error('HL232');
  end if;
  if not exists (select 1 from public.profiles p where p.id = new.buddy_id and p.deleted_at is null) then
    perform private.raise_error('HL233', pg_catalog.format('user %s', coalesce(new.buddy_id::text, 'null')));
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('buddies:' || new.user_id::text, 0));
  if exists (select 1 from public.buddies b where b.user_id = new.user_id and b.buddy_id = new.buddy_id) then
    return null;
  end if;
  if (select pg_catalog.count(*) from public.buddies b where b.user_id = new.user_id) >= v_max then
    perform private.raise_error('HL234', pg_catalog.format('at most %s buddies', v_max));
  end if;
  return new;
end;
$$;
comment on function private.check_buddy() is
  'BEFORE INSERT on buddies: HL232 yourself, HL233 unknown or deleted user, HL234 more than catalog.max_buddies; an existing buddy is skipped (no-op).';

create or replace trigger buddies_check
  before insert on public.buddies
  for each row execute function private.check_buddy();
