-- Cross-module gaps: what identity, catalog, bookings and jobs, built in parallel, did not yet
-- agree on. Decisions are documented here, in the function comments and in the README (Catalog,
-- Jobs and offers, Bookings, Identity). Tests: supabase/tests/database/00700-cross-module.test.sql
-- and tests/integration/cross-module.test.ts.
--
--   1. Account deletion reaches the catalog (handler at position 700): favorites go; a provider
--      profile nothing else points at is deleted, one that bookings, offers or job matches point at
--      is anonymised and kept. Deleted providers are anonymised (their listings hidden by RLS)
--      (provider_profiles.deleted_at, kept in step with profiles.deleted_at), and a deleted
--      account's still-valid token can no longer write catalog data.
--   2. Closed businesses: set_provider_business refuses them (HL118); closing a business detaches
--      its providers; a closed business can no longer be edited or deleted by its (deleted) owner.
--   3. Jobs follow their bookings: when a booking made from an offer closes before work started,
--      the job reopens (provider, operator or system: cancel, no-show, stalled, expiry), expires
--      (reopening is pointless after its preferred window), or is cancelled with it (the customer
--      cancelled, or the customer's account is being deleted). Hook in the one transition path.
--   4. Timers: bookings stuck en route or arrived are cancelled by the system
--      bookings.stalled_after_minutes (12 h) after their scheduled end.
--   5. Business staff do not see the business's money: bookings rows are readable by the
--      customer, the provider, business owners and managers and operators; staff work through the
--      RPCs, which leave out price, currency and cancellation terms for them.
--   6. Other inconsistencies: jobs had no account deletion handler (a deleted customer's jobs
--      stayed on the job board with their exact address; a deleted provider's offers stayed
--      acceptable); deleted accounts could still make offers and edit their provider profile;
--      deleting a provider profile silently dropped its offers; error codes HL322 (= HL404) and
--      HL433 (= HL217/HL218) duplicated existing codes by meaning and are retired.

------------------------------------------------------------------------------------------------
-- 1. Deleted providers in the catalog
------------------------------------------------------------------------------------------------
-- The catalog's own flag, so its policies filter on a column of the row (indexed) instead of
-- joining profiles for every row read.
alter table public.provider_profiles add column if not exists deleted_at timestamptz;
comment on column public.provider_profiles.deleted_at is
  'Set when the provider''s account is deleted (maintained by the database, like profiles.deleted_at): the profile is anonymised and takes no more writes.';
-- The public SELECT policy on provider_profiles stays `using (true)`: any row filter there becomes
-- a security-barrier qual, and PostGIS's operators (&&, <->) are not leakproof, so the planner
-- could no longer use the spatial indexes under RLS (discovery fell to sequential scans). A
-- deleted provider's row is anonymised instead (see the catalog's deletion step), and discovery
-- leaves closed accounts out explicitly.

-- Fix: as for profiles, a deleted account's token (valid until it expires) must not put data
-- back on its provider profile, nor delete a profile that records point at.
alter policy "Providers can edit their own profile" on public.provider_profiles
  using (id = (select auth.uid()) and deleted_at is null)
  with check (id = (select auth.uid()) and deleted_at is null);
alter policy "Providers can delete their own profile" on public.provider_profiles
  using (id = (select auth.uid()) and deleted_at is null);

-- Whatever path deletes an account (profiles.deleted_at set), its provider profile is taken out of service and
-- its listings stop being public at once. The account deletion handler below does the rest.
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

-- Records that must keep pointing at a provider profile: bookings (no cascade), offers and the
-- record of who was shown a job (job_matches: who could read its photos). Those cascade, so
-- deleting the profile would silently erase a customer's offers and that record.
create or replace function private.provider_is_referenced(p_provider_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.bookings b where b.provider_id = p_provider_id)
      or exists (select 1 from public.job_offers o where o.provider_id = p_provider_id)
      or exists (select 1 from public.job_matches m where m.provider_id = p_provider_id);
$$;
comment on function private.provider_is_referenced(uuid) is
  'True when bookings, job offers or job matches point at the provider profile (it must then be kept, not deleted).';

create or replace function private.check_provider_profile_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.provider_is_referenced(old.id) then
    perform private.raise_error('HL005', 'the provider profile has bookings, offers or job matches', null,
      'Pause instead: set is_available to false and deactivate the listings. Deleting the account anonymises the profile.');
  end if;
  return old;
end;
$$;
comment on function private.check_provider_profile_delete() is
  'BEFORE DELETE on provider_profiles: HL005 while bookings, offers or job matches point at it (they would cascade or fail).';

create or replace trigger provider_profiles_check_delete
  before delete on public.provider_profiles
  for each row execute function private.check_provider_profile_delete();

-- The catalog's account deletion step.
create or replace function private.delete_account_catalog(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  delete from public.favorites f where f.user_id = p_user_id;
  perform 1 from public.provider_profiles p where p.id = p_user_id for update;
  if not found then
    return;
  end if;
  -- Others' favorites of this provider are useless now (the profile is anonymised).
  delete from public.favorites f where f.provider_id = p_user_id;

  if not private.provider_is_referenced(p_user_id) then
    -- Nothing records this provider: the profile goes with its listings, availability, time off
    -- and certifications (cascade), and the account stops being a provider.
    delete from public.provider_profiles p where p.id = p_user_id;
    return;
  end if;

  -- Records point at it: keep the row (bookings, offers and ratings stay attributable) and
  -- remove what describes the person. Listings stay for bookings.listing_id, inactive and
  -- without media.
  update public.service_listings l
     set is_active = false, media_paths = '{}', cover_image_path = null
   where l.provider_id = p_user_id;
  delete from public.availability_rules r where r.provider_id = p_user_id;
  delete from public.provider_time_off t where t.provider_id = p_user_id;
  delete from public.provider_certifications c where c.provider_id = p_user_id;
  update public.provider_profiles p
     set display_name = 'Deleted provider',
         business_name = null,
         description = null,
         skills = '{}',
         is_available = false,
         business_id = null,
         deleted_at = coalesce(p.deleted_at, private.now())
   where p.id = p_user_id;
end;
$$;
comment on function private.delete_account_catalog(uuid) is
  'Account deletion (catalog, position 700). Deletes the user''s favorites (and others'' favorites of them). A provider profile that no '
  'booking, job offer or job match points at is deleted outright (listings, availability, time off and certifications cascade; '
  'profiles.is_provider becomes false). Otherwise it is anonymised and kept for those records: display name "Deleted provider", '
  'business name, description and skills cleared, not available, detached from its business, deleted_at set (anonymised in catalog '
  'reads); its listings are deactivated without media or cover image; availability rules, time off and certifications are deleted. '
  'Ratings, counters and verification stay (they describe past work, not the person).';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_catalog(uuid)', 700, 'catalog',
   'Delete favorites; delete an unreferenced provider profile, else anonymise it, deactivate its listings (no media) and delete availability, time off and certifications.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

------------------------------------------------------------------------------------------------
-- 2. Closed businesses take no providers (set_provider_business), and closing one detaches the
--    providers still attached to it (below), so nothing in the catalog presents a closed business
--    as active. The business row itself stays readable (anonymised, with closed_at): bookings keep
--    pointing at it and clients show "Closed business".
------------------------------------------------------------------------------------------------

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

-- Fix: the owner of record of a closed business is a deleted account whose token may still be
-- valid: it must not rename the anonymised business or delete the row bookings point at.
alter policy "Owners and managers can edit their business" on public.businesses
  using (closed_at is null and id = any (array(select private.business_ids_with_role(array['owner', 'manager']))))
  with check (closed_at is null and id = any (array(select private.business_ids_with_role(array['owner', 'manager']))));
alter policy "Owners can delete their business" on public.businesses
  using (owner_id = (select auth.uid()) and closed_at is null);
create index if not exists businesses_closed_at_idx on public.businesses (closed_at);

-- Fix: a deleted provider cannot be saved as a favorite (it is out of service).

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

------------------------------------------------------------------------------------------------
-- 3. Jobs follow their bookings
--
-- A job is `assigned` while the booking made from its accepted offer lives. When that booking
-- closes before work started (cancelled by anyone, no-show, stalled, expired, declined), the
-- job must not stay assigned to a dead booking:
--   * the customer cancelled (or the customer's account is being deleted): they no longer want
--     the work, so the job is cancelled with it;
--   * the provider, an operator or the system closed it (provider cancels, no-show, stalled
--     en route/arrived, the provider's account deleted): the customer still needs the work, so the
--     job reopens: status open, a fresh expiry (jobs.expiry_hours, capped by the end of its
--     preferred window), no accepted offer; the offers it had stay closed (their providers are
--     told it reopened and may quote again); the customer is notified (job.reopened);
--   * when the preferred window has already ended, reopening is pointless: the job expires
--     (job.expired to the customer).
-- Operators cancel for either side; reopening is the reversible choice (the customer or the
-- operator can still cancel_job the reopened job).
------------------------------------------------------------------------------------------------
alter table public.job_requests
  add column if not exists reopened_at timestamptz,
  add column if not exists reopen_count integer not null default 0 check (reopen_count >= 0);
comment on column public.job_requests.reopened_at is
  'When the job last went back to open because its booking closed before work started (maintained by the database).';
comment on column public.job_requests.reopen_count is
  'How many times the job reopened after its booking was cancelled by the provider side or the system (maintained by the database).';

create or replace function private.job_after_booking_closed(
  p_booking public.bookings,
  p_transition text,
  p_actor_role text,
  p_reason text,
  p_metadata jsonb
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.job_requests;
  v_now timestamptz := private.now();
  v_expires timestamptz;
  v_customer_left boolean;
begin
  if p_booking.job_id is null then
    return null;
  end if;
  -- Lock order: the booking (held by the caller), then the job. Nothing locks a job and then an
  -- existing booking, so this cannot deadlock with accept_offer or cancel_job.
  select * into v_job from public.job_requests j where j.id = p_booking.job_id for no key update;
  if not found or v_job.status <> 'assigned' or v_job.booking_id is distinct from p_booking.id then
    return null;
  end if;
  v_customer_left := coalesce(p_metadata ->> 'deleted_user_id', '') = v_job.customer_id::text
                     or exists (select 1 from public.profiles p where p.id = v_job.customer_id and p.deleted_at is not null);

  if p_actor_role = 'customer' or v_customer_left then
    update public.job_requests j
       set status = 'cancelled',
           booking_id = null,
           cancelled_at = v_now,
           cancel_reason = case when v_customer_left then 'account_deleted'
                                else pg_catalog.left(coalesce(p_reason, 'booking_cancelled'), 1000) end
     where j.id = v_job.id;
    return 'cancelled';
  end if;

  v_expires := v_now + (private.setting('jobs.expiry_hours'))::integer * interval '1 hour';
  if v_job.preferred_window is not null then
    v_expires := least(v_expires, pg_catalog.upper(v_job.preferred_window));
  end if;
  if v_expires <= v_now then
    update public.job_requests j
       set status = 'expired', booking_id = null, expired_at = v_now
     where j.id = v_job.id;
    perform private.notify(v_job.customer_id, 'job.expired', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'title', v_job.title, 'booking_id', p_booking.id, 'reason', 'booking_' || p_booking.status));
    return 'expired';
  end if;

  update public.job_requests j
     set status = 'open',
         booking_id = null,
         accepted_offer_id = null,
         assigned_at = null,
         expires_at = v_expires,
         reopened_at = v_now,
         reopen_count = j.reopen_count + 1
   where j.id = v_job.id;
  perform private.notify(v_job.customer_id, 'job.reopened', pg_catalog.jsonb_build_object(
    'job_id', v_job.id, 'title', v_job.title, 'booking_id', p_booking.id, 'transition', p_transition,
    'actor', p_actor_role, 'reason', p_reason, 'expires_at', v_expires));
  -- Providers whose offers the assignment closed are the likeliest to quote again.
  perform private.notify(o.provider_id, 'job.reopened', pg_catalog.jsonb_build_object(
            'job_id', v_job.id, 'title', v_job.title, 'expires_at', v_expires))
     from (select distinct jo.provider_id
             from public.job_offers jo
             join public.profiles pr on pr.id = jo.provider_id and pr.deleted_at is null
            where jo.job_id = v_job.id and jo.status = 'closed' and jo.provider_id <> p_booking.provider_id) o;
  return 'reopened';
end;
$$;
comment on function private.job_after_booking_closed(public.bookings, text, text, text, jsonb) is
  'Called by private.apply_booking_transition when a booking made from a job closes before work started (cancelled, expired, '
  'declined) while the job is assigned to it. Customer cancelled, or the customer''s account is being deleted '
  '(metadata.deleted_user_id): the job is cancelled. Provider, operator or system: the job reopens (open, new expiry from '
  'jobs.expiry_hours capped by its window, accepted offer cleared, offers stay closed, reopened_at/reopen_count; job.reopened to '
  'the customer and to the providers whose offers the assignment closed), or expires when its preferred window is over. '
  'Returns cancelled, reopened, expired, or null when the job was not waiting on this booking.';

------------------------------------------------------------------------------------------------
-- 6. Jobs had no account deletion step: a deleted customer's open jobs stayed on the job board
--    (with the exact address kept), and a deleted provider's live offers could still be accepted.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_jobs(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_job_id uuid;
  v_offer public.job_offers;
  v_from text;
  v_now timestamptz := private.now();
begin
  -- As a customer: open jobs are cancelled and their live offers closed (providers told).
  -- Assigned jobs follow their booking, which the bookings step (position 400) cancels.
  for v_job_id in
    select j.id from public.job_requests j
     where j.customer_id = p_user_id and j.status = 'open'
     order by j.id
       for no key update
  loop
    update public.job_requests j
       set status = 'cancelled', cancelled_at = v_now, cancel_reason = 'account_deleted'
     where j.id = v_job_id;
    perform private.close_live_offers(v_job_id, null, 'job_cancelled', 'system');
  end loop;
  -- The exact places, descriptions and photo references of all their jobs go; titles, budgets and
  -- the fuzzed point stay for the records (offers and bookings point at the jobs).
  delete from private.job_locations l
   using public.job_requests j
   where j.id = l.job_id and j.customer_id = p_user_id;
  update public.job_requests j
     set description = null, photo_paths = '{}'
   where j.customer_id = p_user_id and (j.description is not null or pg_catalog.cardinality(j.photo_paths) > 0);

  -- As a provider: live offers are withdrawn (the customers are told).
  for v_offer in
    select * from public.job_offers o
     where o.provider_id = p_user_id and o.status in ('pending', 'countered')
     order by o.id
       for update
  loop
    v_from := v_offer.status;
    update public.job_offers o set status = 'withdrawn', closed_at = v_now
     where o.id = v_offer.id
    returning * into v_offer;
    perform private.log_offer_event(v_offer, 'withdraw', v_from, 'system', null, 'account_deleted');
    perform private.notify((select j.customer_id from public.job_requests j where j.id = v_offer.job_id), 'offer.withdrawn',
      pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'provider_id', v_offer.provider_id,
                                    'reason', 'account_deleted'));
  end loop;
end;
$$;
comment on function private.delete_account_jobs(uuid) is
  'Account deletion (jobs, position 300). As a customer: open jobs are cancelled (reason account_deleted) with their live offers '
  'closed; the exact location and address, description and photo references of all their jobs are erased (titles, budgets and '
  'fuzzed points stay for the offers and bookings that point at them); assigned jobs are cancelled with their booking by the '
  'bookings step. As a provider: live offers are withdrawn by the system and the customers notified (offer.withdrawn); offers, '
  'matches and their timelines stay.';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_jobs(uuid)', 300, 'jobs',
   'Cancel open jobs; erase exact places, descriptions and photos of jobs; withdraw live offers.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

-- A deleted account's token (valid until it expires) cannot make offers.
create or replace function private.check_offer_provider_active()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.profiles p where p.id = new.provider_id and p.deleted_at is not null) then
    perform private.raise_error('HL120', pg_catalog.format('provider %s', new.provider_id));
  end if;
  return new;
end;
$$;
comment on function private.check_offer_provider_active() is 'BEFORE INSERT on job_offers: HL120 when the provider''s account is deleted.';

create or replace trigger job_offers_check_provider_active
  before insert on public.job_offers
  for each row execute function private.check_offer_provider_active();

------------------------------------------------------------------------------------------------
-- 6. Duplicated error code: HL322 provider_double_booked meant exactly HL404 slot_unavailable
--    ("the provider is not free at this time", 409). Offers now answer HL404 like bookings do;
--    HL322 is retired at the end of this migration.
------------------------------------------------------------------------------------------------

create or replace function public.make_offer(
  p_job_id uuid,
  p_price bigint,
  p_proposed_start timestamptz,
  p_duration_minutes integer default null,
  p_message text default null,
  p_expires_at timestamptz default null,
  p_currency text default null
)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_job public.job_requests;
  v_duration integer;
  v_expires timestamptz;
  v_offer public.job_offers;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  if not exists (select 1 from public.provider_profiles p where p.id = v_uid) then
    perform private.raise_error('HL106', 'only providers can make offers');
  end if;
  -- Shared lock: offers may be made concurrently, but not while the job is being assigned,
  -- cancelled or expired (those take the row lock in update mode).
  select * into v_job from public.job_requests where id = p_job_id for share;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id = v_uid then
    perform private.raise_error('HL311');
  end if;
  -- Closed jobs are visible only to the providers who offered on them or were shown them.
  if v_job.status <> 'open' and v_job.id not in (select e.id from private.my_engaged_job_ids() as e(id)) then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.status = 'assigned' then
    perform private.raise_error('HL309');
  elsif v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  elsif v_job.expires_at <= v_now then
    perform private.raise_error('HL306', 'job status is expired');
  end if;
  if exists (select 1 from public.job_offers o
              where o.job_id = v_job.id and o.provider_id = v_uid and o.status in ('pending', 'countered')) then
    perform private.raise_error('HL312');
  end if;

  if p_price is null or p_price <= 0 or p_price > 10000000000 then
    perform private.raise_error('HL313', 'price must be between 1 and 10000000000 minor units');
  end if;
  if p_currency is not null and p_currency <> v_job.currency then
    perform private.raise_error('HL315', pg_catalog.format('the job is priced in %s', v_job.currency));
  end if;
  if pg_catalog.char_length(coalesce(p_message, '')) > 2000 then
    perform private.raise_error('HL313', 'message is limited to 2000 characters');
  end if;
  v_duration := coalesce(p_duration_minutes, v_job.duration_minutes);
  if v_duration not between 5 and 10080 then
    perform private.raise_error('HL313', 'duration_minutes must be between 5 and 10080');
  end if;
  if p_proposed_start is null or p_proposed_start <= v_now or p_proposed_start > v_now + interval '180 days' then
    perform private.raise_error('HL314', 'proposed_start must be in the future and within 180 days');
  end if;
  v_expires := coalesce(p_expires_at,
    least(v_now + (private.setting('jobs.offer_default_expiry_hours'))::integer * interval '1 hour', p_proposed_start));
  if v_expires <= v_now or v_expires > p_proposed_start or v_expires > v_now + interval '14 days' then
    perform private.raise_error('HL314', 'expires_at must be in the future, no later than proposed_start and within 14 days');
  end if;
  -- Early answer; the booking's exclusion constraint has the last word when the offer is accepted.
  if exists (select 1 from public.bookings b
              join public.booking_states s on s.state = b.status and s.holds_time
             where b.provider_id = v_uid
               and b.period && pg_catalog.tstzrange(p_proposed_start, p_proposed_start + v_duration * interval '1 minute', '[)')) then
    perform private.raise_error('HL404', 'you already have a booking overlapping the proposed time; propose another start');
  end if;

  perform private.rate_limit('make_offer', v_uid::text);

  begin
    insert into public.job_offers (job_id, provider_id, price, currency, message, proposed_start, duration_minutes, expires_at)
    values (v_job.id, v_uid, p_price, v_job.currency, nullif(pg_catalog.btrim(p_message), ''), p_proposed_start, v_duration, v_expires)
    returning * into v_offer;
  exception when unique_violation then
    perform private.raise_error('HL312');
  end;
  perform private.log_offer_event(v_offer, 'make', null, 'provider', v_offer.price, v_offer.message);
  perform private.notify(v_job.customer_id, 'offer.received', pg_catalog.jsonb_build_object(
    'job_id', v_job.id, 'offer_id', v_offer.id, 'provider_id', v_uid, 'price', v_offer.price, 'currency', v_offer.currency));
  return v_offer;
end;
$$;
comment on function public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text) is
  'The calling provider offers on an open job: price (minor units, the job''s currency), proposed start, duration (default the '
  'job''s), message, expiry (default 48 h, never after the start). One live offer per provider and job. Errors: HL106 not a '
  'provider, HL300, HL311 own job, HL306/HL309 job not open, HL312 live offer exists, HL313, HL314, HL315, HL404 already booked at that time, HL120 deleted account, HL006.';
grant execute on function public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text) to authenticated;

create or replace function private.book_offer(p_offer_id uuid, p_actor_role text)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_job_id uuid;
  v_job public.job_requests;
  v_offer public.job_offers;
  v_loc private.job_locations;
  v_price bigint;
  v_booking public.bookings;
  v_action text;
  v_from text;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select o.job_id into v_job_id from public.job_offers o where o.id = p_offer_id;
  if v_job_id is null then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  -- Lock order everywhere: job, then offer. Concurrent acceptances on one job queue here. FOR NO KEY
  -- UPDATE, not FOR UPDATE: offer events and offers reference the job (FOR KEY SHARE), so a stronger
  -- lock would deadlock with a provider withdrawing at the same moment. The lock is taken only
  -- while the job is open: when the winner commits, the waiters' re-check fails at once and they
  -- answer HL309 without queueing behind each other for the row.
  select * into v_job from public.job_requests where id = v_job_id and status = 'open' for no key update;
  if not found then
    select * into v_job from public.job_requests where id = v_job_id;
  end if;
  select * into v_offer from public.job_offers where id = p_offer_id for update;

  if v_uid <> v_job.customer_id and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  if p_actor_role = 'customer' and v_uid <> v_job.customer_id then
    perform private.raise_error('HL307');
  end if;
  if p_actor_role = 'provider' and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL316');
  end if;

  if v_job.status = 'assigned' then
    perform private.raise_error('HL309');
  elsif v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  elsif v_job.expires_at <= v_now then
    perform private.raise_error('HL306', 'job status is expired');
  end if;
  perform private.check_offer_live(v_offer);
  if p_actor_role = 'provider' and v_offer.status <> 'countered' then
    perform private.raise_error('HL321');
  end if;

  v_from := v_offer.status;
  v_price := case when p_actor_role = 'provider' then v_offer.counter_price else v_offer.price end;
  v_action := case when p_actor_role = 'provider' then 'accept_counter' else 'accept' end;
  select * into v_loc from private.job_locations l where l.job_id = v_job.id;

  begin
    v_booking := private.create_booking(
      p_customer_id => v_job.customer_id,
      p_provider_id => v_offer.provider_id,
      p_period => pg_catalog.tstzrange(v_offer.proposed_start,
                                       v_offer.proposed_start + v_offer.duration_minutes * interval '1 minute', '[)'),
      p_price => v_price,
      p_currency => v_offer.currency,
      p_status => 'accepted',
      p_actor_role => p_actor_role,
      p_job_id => v_job.id,
      p_offer_id => v_offer.id,
      p_location => v_loc.location,
      p_address => v_loc.address,
      p_customer_note => pg_catalog.left(v_job.title || coalesce(E'\n\n' || v_job.description, ''), 2000));
  exception when exclusion_violation then
    perform private.raise_error('HL404', pg_catalog.format('provider %s has another booking overlapping %s',
      v_offer.provider_id, v_offer.proposed_start));
  end;

  update public.job_offers
     set status = 'accepted', accepted_price = v_price, booking_id = v_booking.id, accepted_at = v_now
   where id = v_offer.id
  returning * into v_offer;
  perform private.log_offer_event(v_offer, v_action, v_from, p_actor_role, v_price);

  update public.job_requests
     set status = 'assigned', booking_id = v_booking.id, accepted_offer_id = v_offer.id, assigned_at = v_now
   where id = v_job.id;
  perform private.close_live_offers(v_job.id, v_offer.id, 'job_assigned', p_actor_role);

  if p_actor_role = 'customer' then
    perform private.notify(v_offer.provider_id, 'offer.accepted', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'offer_id', v_offer.id, 'booking_id', v_booking.id, 'price', v_price, 'currency', v_offer.currency));
  else
    perform private.notify(v_job.customer_id, 'counter.accepted', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'offer_id', v_offer.id, 'booking_id', v_booking.id, 'price', v_price, 'currency', v_offer.currency));
  end if;
  return v_offer;
end;
$$;
comment on function private.book_offer(uuid, text) is
  'Turns an offer into a booking atomically (customer accepts the offer, or provider accepts the counter): job lock, offer lock, '
  'checks, create_booking (23P01 -> HL404), job assigned, offer accepted, other live offers closed, notifications.';

------------------------------------------------------------------------------------------------
-- 4. Stalled bookings: the system may cancel a booking stuck en route or arrived (the timer
--    below, and trusted back ends, as it already may for accepted ones).
------------------------------------------------------------------------------------------------
update public.booking_transitions
   set actors = array['customer', 'provider', 'operator', 'system'],
       description = 'A party cancels while the provider is on the way; the system cancels it when it stalled (bookings.stalled_after_minutes after the scheduled end).'
 where name = 'cancel' and from_state = 'en_route';
update public.booking_transitions
   set actors = array['provider', 'operator', 'system'],
       description = 'The provider cancels on site (e.g. customer no-show); the system cancels it when it stalled (bookings.stalled_after_minutes after the scheduled end).'
 where name = 'cancel' and from_state = 'arrived';

insert into private.settings (key, value, description) values
  ('bookings.stalled_after_minutes', '720',
   'An en-route or arrived booking that never started is cancelled by the system this long after its scheduled end (12 h).')
on conflict (key) do nothing;

create index if not exists bookings_stalled_end_idx on public.bookings (upper(period)) where status in ('en_route', 'arrived');

------------------------------------------------------------------------------------------------
-- 3. The one transition path now tells the jobs module when a booking made from an offer closes
--    before work started (unchanged otherwise).
------------------------------------------------------------------------------------------------

create or replace function private.apply_booking_transition(
  p_booking_id uuid,
  p_transition text,
  p_actor_role text,
  p_actor_id uuid,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb,
  p_start_code_verified boolean default false
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_transition public.booking_transitions;
  v_now timestamptz := private.now();
  v_reason text := nullif(pg_catalog.btrim(p_reason), '');
  v_due timestamptz;
  v_extra jsonb := '{}'::jsonb;
  v_late boolean;
  v_payload jsonb;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;

  select * into v_transition
    from public.booking_transitions t
   where t.name = p_transition and t.from_state = v_booking.status;
  if not found then
    if not exists (select 1 from public.booking_transitions t where t.name = p_transition) then
      perform private.raise_error('HL401', pg_catalog.format('transition %L', p_transition));
    end if;
    perform private.raise_error('HL402', pg_catalog.format('cannot %s a booking that is %s (%s starts from: %s)',
      p_transition, v_booking.status, p_transition,
      (select pg_catalog.string_agg(t.from_state, ', ' order by t.from_state) from public.booking_transitions t where t.name = p_transition)));
  end if;
  if not (p_actor_role = any (v_transition.actors)) then
    perform private.raise_error('HL403', pg_catalog.format('%s may not %s a booking that is %s (allowed: %s)',
      p_actor_role, p_transition, v_booking.status, pg_catalog.array_to_string(v_transition.actors, ', ')));
  end if;

  -- Guards.
  if p_transition in ('cancel', 'dispute', 'resolve') and p_actor_role <> 'system' and v_reason is null then
    perform private.raise_error('HL419', pg_catalog.format('%s needs a reason', p_transition));
  end if;
  if p_transition = 'accept' and v_booking.request_expires_at is not null and v_now >= v_booking.request_expires_at then
    perform private.raise_error('HL417', pg_catalog.format('the request expired at %s', v_booking.request_expires_at));
  end if;
  if p_transition = 'expire' and (v_booking.request_expires_at is null or v_now < v_booking.request_expires_at) then
    perform private.raise_error('HL418', pg_catalog.format('the request expires at %s', v_booking.request_expires_at));
  end if;
  if p_transition = 'no_show' then
    v_due := pg_catalog.lower(v_booking.period)
             + pg_catalog.make_interval(mins => (private.setting('bookings.no_show_after_minutes'))::integer);
    if v_now < v_due then
      perform private.raise_error('HL418', pg_catalog.format('no-show is due at %s', v_due));
    end if;
  end if;
  if p_transition = 'complete' and p_actor_role = 'system' then
    v_due := pg_catalog.upper(v_booking.period)
             + pg_catalog.make_interval(mins => (private.setting('bookings.auto_complete_after_minutes'))::integer);
    if v_now < v_due then
      perform private.raise_error('HL418', pg_catalog.format('auto-completion is due at %s', v_due));
    end if;
  end if;
  if p_transition = 'dispute' and v_booking.status = 'completed' then
    v_due := coalesce(v_booking.completed_at, v_booking.status_changed_at)
             + pg_catalog.make_interval(mins => (private.setting('bookings.dispute_window_minutes'))::integer);
    if v_now > v_due then
      perform private.raise_error('HL420', pg_catalog.format('disputes were possible until %s', v_due));
    end if;
  end if;
  if p_transition = 'start' and not p_start_code_verified then
    perform private.raise_error('HL421', 'submit the code with start_booking(p_booking_id, p_code)');
  end if;

  if v_transition.to_state = 'cancelled' then
    v_late := p_actor_role = 'customer'
              and v_booking.free_cancellation_until is not null
              and v_now >= v_booking.free_cancellation_until;
    v_extra := pg_catalog.jsonb_build_object(
      'cancellation_policy', v_booking.cancellation_policy,
      'free_cancellation_until', v_booking.free_cancellation_until,
      'late', v_late);
  end if;

  update public.bookings b
     set status = v_transition.to_state,
         status_changed_at = v_now,
         accepted_at = case when p_transition = 'accept' then v_now else b.accepted_at end,
         started_at = case when v_transition.to_state = 'in_progress' then v_now else b.started_at end,
         completed_at = case when v_transition.to_state = 'completed' then v_now else b.completed_at end,
         cancelled_at = case when v_transition.to_state = 'cancelled' then v_now else b.cancelled_at end,
         cancelled_by = case when v_transition.to_state = 'cancelled' then p_actor_role else b.cancelled_by end,
         cancel_reason = case when v_transition.to_state = 'cancelled' then coalesce(v_reason, p_transition) else b.cancel_reason end,
         cancelled_late = case when v_transition.to_state = 'cancelled' then v_late else b.cancelled_late end
   where b.id = p_booking_id
  returning * into v_booking;

  if p_transition = 'accept' then
    perform private.issue_start_code(p_booking_id, false);
  end if;

  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata)
  values (p_booking_id, p_transition, v_transition.from_state, v_transition.to_state,
          case when p_actor_role = 'system' then null else p_actor_id end,
          p_actor_role, v_reason, coalesce(p_metadata, '{}'::jsonb) || v_extra);

  -- Tell the other party (both, when an operator or the system acted).
  v_payload := pg_catalog.jsonb_build_object(
    'booking_id', v_booking.id, 'reference', v_booking.reference, 'transition', p_transition,
    'from', v_transition.from_state, 'to', v_transition.to_state, 'actor', p_actor_role,
    'starts_at', pg_catalog.lower(v_booking.period), 'reason', v_reason);
  if p_actor_role <> 'customer' then
    perform private.notify(v_booking.customer_id, 'booking.' || v_transition.to_state, v_payload);
  end if;
  if p_actor_role <> 'provider' then
    perform private.notify(v_booking.provider_id, 'booking.' || v_transition.to_state, v_payload);
  end if;

  -- A booking made from a job closed before work started: the job follows it (reopens, expires,
  -- or is cancelled with it; see private.job_after_booking_closed). Same transaction, so the job
  -- and the booking never disagree.
  if v_booking.job_id is not null and v_transition.to_state in ('cancelled', 'expired', 'declined') then
    perform private.job_after_booking_closed(v_booking, p_transition, p_actor_role, v_reason, coalesce(p_metadata, '{}'::jsonb));
  end if;
  return v_booking;
end;
$$;
comment on function private.apply_booking_transition(uuid, text, text, uuid, text, jsonb, boolean) is
  'The single transition path: locks the booking, checks the transition from its state and the actor against booking_transitions, runs the guards, updates status and timestamps, writes the timeline event and notifies; a booking made from a job that closes before work started hands the job to private.job_after_booking_closed. Used by the RPCs and the timers (actor system).';

------------------------------------------------------------------------------------------------
-- 4. Timers: bookings stuck en route or arrived are cancelled by the system
--    bookings.stalled_after_minutes after their scheduled end, through the same transition path.
------------------------------------------------------------------------------------------------

create or replace function private.run_booking_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_batch integer := (private.setting('bookings.timer_batch_size'))::integer;
  v_no_show interval := pg_catalog.make_interval(mins => (private.setting('bookings.no_show_after_minutes'))::integer);
  v_auto_complete interval := pg_catalog.make_interval(mins => (private.setting('bookings.auto_complete_after_minutes'))::integer);
  v_stalled_after interval := pg_catalog.make_interval(mins => (private.setting('bookings.stalled_after_minutes'))::integer);
  v_state text;
  v_offsets integer[];
  v_max_offset integer;
  v_id uuid;
  v_offset integer;
  v_booking public.bookings;
  v_expired integer := 0;
  v_no_shows integer := 0;
  v_completed integer := 0;
  v_stalled integer := 0;
  v_reminded integer := 0;
  v_failed integer := 0;
begin
  select pg_catalog.array_agg(x::integer) into v_offsets
    from pg_catalog.jsonb_array_elements_text(private.setting('bookings.reminder_offsets_minutes')) as x;
  v_max_offset := coalesce((select max(o) from pg_catalog.unnest(v_offsets) o), 0);

  -- 1. Requests nobody answered.
  for v_id in
    select b.id from public.bookings b
     where b.status = 'requested' and b.request_expires_at <= v_now
     order by b.request_expires_at
     limit v_batch
       for update skip locked
  loop
    begin
      perform private.apply_booking_transition(v_id, 'expire', 'system', null, 'request_expired', '{"timer": "expire"}');
      v_expired := v_expired + 1;
    exception when others then
      v_failed := v_failed + 1;
      raise warning 'bookings timer: expire % failed: %', v_id, sqlerrm;
    end;
  end loop;

  -- 2. Accepted bookings that never started.
  for v_id in
    select b.id from public.bookings b
     where b.status = 'accepted' and pg_catalog.lower(b.period) <= v_now - v_no_show
     order by pg_catalog.lower(b.period)
     limit v_batch
       for update skip locked
  loop
    begin
      perform private.apply_booking_transition(v_id, 'no_show', 'system', null, 'no_show', '{"timer": "no_show"}');
      v_no_shows := v_no_shows + 1;
    exception when others then
      v_failed := v_failed + 1;
      raise warning 'bookings timer: no_show % failed: %', v_id, sqlerrm;
    end;
  end loop;

  -- 3. Work nobody disputed: complete after the grace period.
  for v_id in
    select b.id from public.bookings b
     where b.status = 'in_progress' and pg_catalog.upper(b.period) <= v_now - v_auto_complete
     order by pg_catalog.upper(b.period)
     limit v_batch
       for update skip locked
  loop
    begin
      perform private.apply_booking_transition(v_id, 'complete', 'system', null, 'auto_completed', '{"timer": "auto_complete"}');
      v_completed := v_completed + 1;
    exception when others then
      v_failed := v_failed + 1;
      raise warning 'bookings timer: auto-complete % failed: %', v_id, sqlerrm;
    end;
  end loop;

  -- 3b. Providers who set off or arrived but never started, long after the scheduled end: the
  -- booking would hold the provider's time and the customer's payment for ever. Cancelled by the
  -- system (never a fee for the customer); a job behind it reopens or expires.
  for v_id, v_state in
    select b.id, b.status from public.bookings b
     where b.status in ('en_route', 'arrived') and pg_catalog.upper(b.period) <= v_now - v_stalled_after
     order by pg_catalog.upper(b.period)
     limit v_batch
       for update skip locked
  loop
    begin
      perform private.apply_booking_transition(v_id, 'cancel', 'system', null, 'stalled',
        pg_catalog.jsonb_build_object('timer', 'stalled', 'stalled_in', v_state,
                                      'stalled_after_minutes', extract(epoch from v_stalled_after)::integer / 60));
      v_stalled := v_stalled + 1;
    exception when others then
      v_failed := v_failed + 1;
      raise warning 'bookings timer: stalled % failed: %', v_id, sqlerrm;
    end;
  end loop;

  -- 4. Reminders before the start (each offset once; not when the booking was accepted later).
  for v_id, v_offset in
    select b.id, o.minutes
      from public.bookings b
     cross join pg_catalog.unnest(v_offsets) as o(minutes)
     where b.status = 'accepted'
       and pg_catalog.lower(b.period) > v_now
       and pg_catalog.lower(b.period) <= v_now + pg_catalog.make_interval(mins => v_max_offset)
       and pg_catalog.lower(b.period) - pg_catalog.make_interval(mins => o.minutes) <= v_now
       and coalesce(b.accepted_at, b.created_at) <= pg_catalog.lower(b.period) - pg_catalog.make_interval(mins => o.minutes)
       and not exists (select 1 from private.booking_reminders r where r.booking_id = b.id and r.offset_minutes = o.minutes)
     order by pg_catalog.lower(b.period)
     limit v_batch
       for update of b skip locked
  loop
    select * into v_booking from public.bookings b where b.id = v_id;
    continue when v_booking.status <> 'accepted';
    insert into private.booking_reminders (booking_id, offset_minutes, sent_at)
    values (v_id, v_offset, v_now)
    on conflict do nothing;
    if found then
      perform private.notify(u.user_id, 'booking.reminder', pg_catalog.jsonb_build_object(
                'booking_id', v_booking.id, 'reference', v_booking.reference,
                'starts_at', pg_catalog.lower(v_booking.period), 'minutes_before', v_offset))
         from (values (v_booking.customer_id), (v_booking.provider_id)) as u(user_id);
      v_reminded := v_reminded + 1;
    end if;
  end loop;

  return pg_catalog.jsonb_build_object('expired', v_expired, 'no_show', v_no_shows, 'auto_completed', v_completed,
                                       'stalled', v_stalled,
                                       'reminded', v_reminded, 'failed', v_failed);
end;
$$;
comment on function private.run_booking_timers() is
  'Timed transitions as the system actor, idempotent: expire unanswered requests, cancel no-shows (accepted, not started bookings.no_show_after_minutes after the start), auto-complete undisputed in-progress bookings bookings.auto_complete_after_minutes after the end, cancel en-route or arrived bookings that never started bookings.stalled_after_minutes after the end (reason stalled), and send reminders (bookings.reminder_offsets_minutes). Scheduled every minute with pg_cron.';

-- The bookings deletion step names the leaving account in the cancel event (unchanged otherwise).

create or replace function private.delete_account_bookings(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_busy text;
  v_id uuid;
begin
  select pg_catalog.string_agg(b.reference || ' (' || b.status || ')', ', ' order by b.reference) into v_busy
    from public.bookings b
   where (b.customer_id = p_user_id or b.provider_id = p_user_id)
     and b.status in ('en_route', 'arrived', 'in_progress', 'disputed');
  if v_busy is not null then
    perform private.raise_error('HL435', v_busy);
  end if;
  for v_id in
    select b.id from public.bookings b
     where (b.customer_id = p_user_id or b.provider_id = p_user_id)
       and b.status in ('requested', 'accepted')
     order by b.id
       for update
  loop
    perform private.apply_booking_transition(v_id, 'cancel', 'system', null, 'account_deleted',
      pg_catalog.jsonb_build_object('account_deleted', true, 'deleted_user_id', p_user_id));
  end loop;
  update private.booking_secrets s
     set location = null, address = null, start_code_hash = null
    from public.bookings b
   where b.id = s.booking_id and (b.customer_id = p_user_id or b.provider_id = p_user_id);
  update public.bookings b set customer_note = null where b.customer_id = p_user_id and b.customer_note is not null;
end;
$$;
comment on function private.delete_account_bookings(uuid) is
  'Account deletion step of the bookings module: refuses (HL435) while a booking of the user is en route, arrived, in progress or disputed; cancels requested/accepted ones as the system; erases service addresses, locations, start codes and notes. Bookings and timelines stay (financial record). The cancel events carry metadata.deleted_user_id, so a job behind a booking is cancelled when its customer leaves and reopens when its provider does.';

------------------------------------------------------------------------------------------------
-- 5. Business staff and the business's finances
--
-- Decision: staff do the work (travel, arrive, start with the code, complete, scan) and see what
-- the work needs (when, where, who, the listing, the timeline), but not the money: a booking's
-- price is the business's revenue, and reading every booking row would add up to its books.
--   * bookings and booking_events rows are readable by the customer, the provider, the owners and
--     managers of the business the booking was made with, and operators; not by staff;
--   * staff read bookings through the RPCs (get_booking, list_my_bookings, get_provider_calendar)
--     and get the rows that the transition RPCs return, all without price, currency and the
--     cancellation terms (policy, free-cancellation deadline, late flag): those come back null
--     (and are left out of the timeline's metadata).
------------------------------------------------------------------------------------------------
create or replace function private.is_staff_only(p_roles text[])
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce('staff' = any (p_roles) and not (p_roles && array['customer', 'provider', 'operator']), false);
$$;
comment on function private.is_staff_only(text[]) is
  'True when the caller''s roles on a booking (private.booking_caller_roles) are business staff only: no customer, provider (or owner/manager) or operator.';

create or replace function private.booking_for_viewer(p_booking public.bookings, p_roles text[])
returns public.bookings
language plpgsql
immutable
set search_path = ''
as $$
begin
  if private.is_staff_only(p_roles) then
    p_booking.price := null;
    p_booking.currency := null;
    p_booking.cancellation_policy := null;
    p_booking.free_cancellation_until := null;
    p_booking.cancelled_late := null;
  end if;
  return p_booking;
end;
$$;
comment on function private.booking_for_viewer(public.bookings, text[]) is
  'The booking as the caller may see it: for business staff only, price, currency, cancellation_policy, free_cancellation_until and cancelled_late are null.';

grant execute on function private.is_staff_only(text[]), private.booking_for_viewer(public.bookings, text[])
  to authenticated, service_role;

-- Bookings the caller may read as rows: as customer, as provider, or as owner/manager of the
-- business the booking was made with.
create or replace function private.my_booking_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select b.id from public.bookings b where b.customer_id = (select auth.uid())
  union
  select b.id from public.bookings b where b.provider_id = (select auth.uid())
  union
  select b.id from public.bookings b
   where b.business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])));
$$;
comment on function private.my_booking_ids() is
  'Bookings whose rows the calling user may read: as customer, provider, or owner/manager of the booking''s business (not staff). '
  'Use as booking_id = any (array(select private.my_booking_ids())) in policies.';
grant execute on function private.my_booking_ids() to authenticated, service_role;

drop policy if exists "Parties, business staff and operators can read bookings" on public.bookings;
create policy "Parties, business managers and operators can read bookings" on public.bookings
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or provider_id = (select auth.uid())
    or business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('bookings.manage'))
  );

drop policy if exists "Parties, business staff and operators can read the timeline" on public.booking_events;
create policy "Parties, business managers and operators can read the timeline" on public.booking_events
  for select to authenticated
  using (
    booking_id = any (array(select private.my_booking_ids()))
    or (select private.authorize('bookings.manage'))
  );

-- Replaced by private.my_booking_ids (which leaves staff out); nothing else used it.
drop function if exists private.booking_ids_for_provider_side();

create or replace function public.transition_booking(
  p_booking_id uuid,
  p_transition text,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_booking public.bookings;
  v_transition public.booking_transitions;
  v_roles text[];
  v_actor text;
begin
  if v_uid is null and not private.is_service_role() then
    perform private.raise_error('HL001');
  end if;
  perform private.check_transition_input(p_reason, p_metadata);
  if p_transition is null or not exists (select 1 from public.booking_transitions t where t.name = p_transition) then
    perform private.raise_error('HL401', pg_catalog.format('transition %L', p_transition));
  end if;
  if p_transition = 'start' then
    perform private.raise_error('HL421', 'submit the code with start_booking(p_booking_id, p_code)');
  end if;

  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;

  if v_uid is null then
    v_actor := 'system';
  else
    v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
    if pg_catalog.cardinality(v_roles) = 0 then
      perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
    end if;
    select * into v_transition
      from public.booking_transitions t
     where t.name = p_transition and t.from_state = v_booking.status;
    if not found then
      perform private.raise_error('HL402', pg_catalog.format('cannot %s a booking that is %s (%s starts from: %s)',
        p_transition, v_booking.status, p_transition,
        (select pg_catalog.string_agg(t.from_state, ', ' order by t.from_state) from public.booking_transitions t where t.name = p_transition)));
    end if;
    v_actor := case
      when 'customer' = any (v_roles) and 'customer' = any (v_transition.actors) then 'customer'
      when ('provider' = any (v_roles) or 'staff' = any (v_roles)) and 'provider' = any (v_transition.actors) then 'provider'
      when 'operator' = any (v_roles) and 'operator' = any (v_transition.actors) then 'operator'
    end;
    if v_actor is null then
      perform private.raise_error('HL403', pg_catalog.format('%s may not %s a booking that is %s (allowed: %s)',
        pg_catalog.array_to_string(v_roles, '/'), p_transition, v_booking.status,
        pg_catalog.array_to_string(v_transition.actors, ', ')));
    end if;
    if v_actor = 'provider' and not ('provider' = any (v_roles)) and not v_transition.staff_may then
      perform private.raise_error('HL403', pg_catalog.format('business staff may not %s; ask an owner or manager', p_transition));
    end if;
  end if;

  -- Business staff get the booking without its financial fields (private.booking_for_viewer).
  return private.booking_for_viewer(
    private.apply_booking_transition(p_booking_id, p_transition, v_actor, v_uid, p_reason, coalesce(p_metadata, '{}'::jsonb)),
    v_roles);
end;
$$;
comment on function public.transition_booking(uuid, text, text, jsonb) is
  'Takes a transition of the booking process (booking_transitions) as the calling user''s role on the booking: customer, provider (provider or business owner/manager; staff only for progress transitions), or operator (bookings.manage). Writes a timeline event. cancel, dispute and resolve need p_reason. start goes through start_booking. Business staff receive the booking without price, currency and cancellation terms (null). Errors: HL400, HL401, HL402, HL403, HL417 (request expired), HL419, HL420, HL421, HL434.';
grant execute on function public.transition_booking(uuid, text, text, jsonb) to authenticated, service_role;

create or replace function public.start_booking(p_booking_id uuid, p_code text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_booking public.bookings;
  v_roles text[];
  v_max integer := (private.setting('bookings.start_code_max_attempts'))::integer;
  v_hash text;
  v_attempts integer;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  if p_code is null or pg_catalog.btrim(p_code) = '' then
    perform private.raise_error('HL421', 'p_code is empty');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_booking.status <> 'arrived' then
    perform private.raise_error('HL402', pg_catalog.format('cannot start a booking that is %s (start starts from: arrived)', v_booking.status));
  end if;
  if not ('provider' = any (v_roles) or 'staff' = any (v_roles)) then
    perform private.raise_error('HL403', 'only the provider side submits the start code');
  end if;

  if v_booking.start_code_attempts >= v_max then
    return private.error_body('HL423', pg_catalog.format('%s wrong attempts', v_booking.start_code_attempts));
  end if;

  select s.start_code_hash into v_hash from private.booking_secrets s where s.booking_id = p_booking_id;
  if v_hash is not null and extensions.crypt(pg_catalog.btrim(p_code), v_hash) = v_hash then
    return pg_catalog.to_jsonb(private.booking_for_viewer(private.apply_booking_transition(
      p_booking_id, 'start', 'provider', v_uid, null, pg_catalog.jsonb_build_object('start_code', 'accepted'), true), v_roles));
  end if;

  -- A wrong code: counted, on the timeline, and committed (the call returns the error body).
  update public.bookings b set start_code_attempts = b.start_code_attempts + 1
   where b.id = p_booking_id
  returning b.start_code_attempts into v_attempts;
  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (p_booking_id, 'start_code_rejected', v_booking.status, v_booking.status, v_uid, 'provider',
          pg_catalog.jsonb_build_object('attempts', v_attempts, 'attempts_left', greatest(v_max - v_attempts, 0)));
  if v_attempts >= v_max then
    perform private.notify(v_booking.customer_id, 'booking.start_code_locked',
      pg_catalog.jsonb_build_object('booking_id', v_booking.id, 'reference', v_booking.reference, 'attempts', v_attempts));
    return private.error_body('HL423', pg_catalog.format('%s wrong attempts', v_attempts));
  end if;
  return private.error_body('HL422', pg_catalog.format('%s attempts left', v_max - v_attempts));
end;
$$;
comment on function public.start_booking(uuid, text) is
  'The provider side (provider, owner, manager or staff) submits the customer''s start code to move an arrived booking to in_progress; returns the booking (for staff without price, currency and cancellation terms). A wrong code is counted and committed, so the call returns the error body with HTTP 400 HL422 (attempts left in details) or 423 HL423 once bookings.start_code_max_attempts is reached, instead of raising. Errors: HL400, HL402, HL403, HL421, HL422, HL423.';
grant execute on function public.start_booking(uuid, text) to authenticated;

create or replace function public.scan_booking(p_payload text, p_event text, p_note text default null)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_claims jsonb;
  v_booking public.bookings;
  v_roles text[];
  v_transition public.booking_transitions;
  v_event text := pg_catalog.lower(pg_catalog.btrim(coalesce(p_event, '')));
  v_is_process_name boolean;
  v_metadata jsonb;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  v_claims := private.verify_booking_qr(p_payload);
  if p_note is not null and pg_catalog.char_length(p_note) > 1000 then
    perform private.raise_error('HL434', 'p_note is limited to 1000 characters');
  end if;
  if v_event !~ '^[a-z][a-z0-9_]{1,39}$' then
    perform private.raise_error('HL428', pg_catalog.format('event %L', p_event));
  end if;
  select * into v_booking from public.bookings b where b.id = (v_claims ->> 'b')::uuid for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', v_claims ->> 'b'));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if not ('provider' = any (v_roles) or 'staff' = any (v_roles)) then
    perform private.raise_error('HL429', pg_catalog.format('booking %s', v_booking.reference));
  end if;
  if exists (select 1 from public.booking_states s where s.state = v_booking.status and s.is_terminal) then
    perform private.raise_error('HL430', pg_catalog.format('the booking is %s', v_booking.status));
  end if;

  -- A transition or state name drives the matching progress transition; anything else is a track.
  v_is_process_name := exists (select 1 from public.booking_transitions t where t.name = v_event or t.to_state = v_event)
                       or exists (select 1 from public.booking_states s where s.state = v_event);
  if v_is_process_name then
    select * into v_transition
      from public.booking_transitions t
     where (t.name = v_event or t.to_state = v_event) and t.staff_may and t.name <> 'start'
     order by (t.from_state = v_booking.status) desc
     limit 1;
    if not found then
      perform private.raise_error('HL428', pg_catalog.format('%s cannot be recorded by a scan', v_event));
    end if;
  end if;

  v_metadata := pg_catalog.jsonb_build_object('track', v_event, 'note', p_note,
    'qr_issued_at', pg_catalog.to_timestamp((v_claims ->> 'iat')::double precision));
  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata)
  values (v_booking.id, 'scan', v_booking.status, v_booking.status, v_uid, 'provider', p_note, v_metadata);

  if v_transition.name is not null then
    v_booking := private.apply_booking_transition(v_booking.id, v_transition.name, 'provider', v_uid, p_note,
      pg_catalog.jsonb_build_object('via', 'scan', 'track', v_event));
  end if;
  return private.booking_for_viewer(v_booking, v_roles);
end;
$$;
comment on function public.scan_booking(text, text, text) is
  'Business staff (or the provider) scan a booking''s QR payload to record a progress event (timeline event ''scan'' with metadata.track); an event named like a progress transition or its state (start_travel/en_route, arrive/arrived, complete/completed) also takes that transition. Returns the booking (for staff without price, currency and cancellation terms). Errors: HL400, HL402, HL426, HL427, HL428, HL429, HL430, HL434.';
grant execute on function public.scan_booking(text, text, text) to authenticated;

create or replace function public.get_booking(p_booking_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_staff_only boolean;
  v_result jsonb;
begin
  if (select auth.uid()) is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;

  v_staff_only := private.is_staff_only(v_roles);

  select pg_catalog.jsonb_build_object(
    'booking', pg_catalog.to_jsonb(private.booking_for_viewer(v_booking, v_roles)) - 'period'
      || pg_catalog.jsonb_build_object('starts_at', pg_catalog.lower(v_booking.period), 'ends_at', pg_catalog.upper(v_booking.period)),
    'listing', (select pg_catalog.jsonb_build_object('id', l.id, 'title', l.title, 'pricing_unit', l.pricing_unit,
                                                     'duration_minutes', l.duration_minutes)
                  from public.service_listings l where l.id = v_booking.listing_id),
    'customer', (select pg_catalog.jsonb_build_object('id', p.id, 'username', p.username, 'full_name', p.full_name,
                                                      'avatar_path', p.avatar_path)
                   from public.profiles p where p.id = v_booking.customer_id),
    'provider', (select pg_catalog.jsonb_build_object('id', pp.id, 'display_name', pp.display_name,
                                                      'business_id', v_booking.business_id, 'timezone', pp.timezone)
                   from public.provider_profiles pp where pp.id = v_booking.provider_id),
    'my_roles', pg_catalog.to_jsonb(v_roles),
    'available_transitions', coalesce((
      select pg_catalog.jsonb_agg(t.name order by t.name)
        from public.booking_transitions t
       where t.from_state = v_booking.status
         and (('customer' = any (v_roles) and 'customer' = any (t.actors))
              or ('provider' = any (v_roles) and 'provider' = any (t.actors))
              or ('staff' = any (v_roles) and 'provider' = any (t.actors) and t.staff_may)
              or ('operator' = any (v_roles) and 'operator' = any (t.actors)))), '[]'::jsonb),
    'timeline', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'id', e.id, 'transition', e.transition, 'from', e.from_state, 'to', e.to_state,
               'actor_role', e.actor_role, 'actor_id', e.actor_id, 'actor_name', ap.full_name,
               'reason', e.reason,
               'metadata', case when v_staff_only then e.metadata - array['cancellation_policy', 'free_cancellation_until', 'late']
                                else e.metadata end,
               'created_at', e.created_at) order by e.id)
        from public.booking_events e
        left join public.profiles ap on ap.id = e.actor_id
       where e.booking_id = v_booking.id), '[]'::jsonb))
  into v_result;
  return v_result;
end;
$$;
comment on function public.get_booking(uuid) is
  'A booking with its listing, parties, the caller''s roles, the transitions the caller can take now and the timeline, for the parties, business staff and operators. Business staff (who read bookings only through RPCs) get no price, currency or cancellation terms, in the booking or in the timeline''s metadata. Errors: HL400.';
grant execute on function public.get_booking(uuid) to authenticated;

create or replace function public.list_my_bookings(
  p_as text default 'customer',
  p_status text[] default null,
  p_when text default 'all',
  p_limit integer default 20,
  p_after text default null
)
returns table (
  id uuid,
  reference text,
  status text,
  starts_at timestamptz,
  ends_at timestamptz,
  listing_id uuid,
  listing_title text,
  customer_id uuid,
  customer_name text,
  provider_id uuid,
  provider_name text,
  price bigint,
  currency char(3),
  created_at timestamptz,
  cursor text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_terminal text[];
  v_businesses uuid[];
  v_managed uuid[] := '{}';
  v_after_start timestamptz;
  v_after_id uuid;
  v_ascending boolean := p_when = 'upcoming';
  v_cursor text;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  if p_as is null or p_as not in ('customer', 'provider') then
    perform private.raise_error('HL431', pg_catalog.format('p_as %L', p_as));
  end if;
  if p_when is null or p_when not in ('upcoming', 'past', 'all') then
    perform private.raise_error('HL431', pg_catalog.format('p_when %L', p_when));
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL431', pg_catalog.format('p_limit %s', p_limit));
  end if;
  if p_status is not null and exists (
       select 1 from pg_catalog.unnest(p_status) s(v)
        where s.v is null or not exists (select 1 from public.booking_states bs where bs.state = s.v)) then
    perform private.raise_error('HL431', pg_catalog.format('p_status %s', p_status));
  end if;
  if p_after is not null then
    begin
      v_cursor := pg_catalog.convert_from(private.base64url_decode(p_after), 'UTF8');
      v_after_start := 'epoch'::timestamptz
        + (pg_catalog.split_part(v_cursor, ',', 1)::bigint::text || ' microseconds')::interval;
      v_after_id := pg_catalog.split_part(v_cursor, ',', 2)::uuid;
    exception when others then
      perform private.raise_error('HL007', 'unreadable cursor');
    end;
    if v_after_start is null or v_after_id is null then
      perform private.raise_error('HL007', 'incomplete cursor');
    end if;
  end if;

  select pg_catalog.array_agg(s.state) into v_terminal from public.booking_states s where s.is_terminal;
  if p_as = 'provider' then
    select coalesce(pg_catalog.array_agg(bm.business_id), '{}'),
           coalesce(pg_catalog.array_agg(bm.business_id) filter (where bm.role in ('owner', 'manager')), '{}')
      into v_businesses, v_managed
      from public.business_members bm where bm.user_id = v_uid;
  end if;

  return query
  select b.id, b.reference, b.status, pg_catalog.lower(b.period), pg_catalog.upper(b.period),
         b.listing_id, l.title, b.customer_id, c.full_name, b.provider_id, pp.display_name,
         -- Business staff see their business's bookings without the money (README: Bookings).
         case when b.customer_id = v_uid or b.provider_id = v_uid or b.business_id = any (v_managed) then b.price end,
         case when b.customer_id = v_uid or b.provider_id = v_uid or b.business_id = any (v_managed) then b.currency end,
         b.created_at,
         private.base64url(pg_catalog.convert_to(
           ((extract(epoch from pg_catalog.lower(b.period)) * 1000000)::bigint)::text || ',' || b.id::text, 'UTF8'))
    from public.bookings b
    join public.profiles c on c.id = b.customer_id
    join public.provider_profiles pp on pp.id = b.provider_id
    left join public.service_listings l on l.id = b.listing_id
   where (case when p_as = 'customer' then b.customer_id = v_uid
               else (b.provider_id = v_uid or b.business_id = any (v_businesses)) end)
     and (p_status is null or b.status = any (p_status))
     and (p_when = 'all'
          or (p_when = 'upcoming' and pg_catalog.upper(b.period) > v_now and not (b.status = any (v_terminal)))
          or (p_when = 'past' and (pg_catalog.upper(b.period) <= v_now or b.status = any (v_terminal))))
     and (v_after_id is null
          or (v_ascending and (pg_catalog.lower(b.period), b.id) > (v_after_start, v_after_id))
          or (not v_ascending and (pg_catalog.lower(b.period), b.id) < (v_after_start, v_after_id)))
   order by case when v_ascending then pg_catalog.lower(b.period) end asc,
            case when v_ascending then b.id end asc,
            case when not v_ascending then pg_catalog.lower(b.period) end desc,
            case when not v_ascending then b.id end desc
   limit p_limit;
end;
$$;
comment on function public.list_my_bookings(text, text[], text, integer, text) is
  'The caller''s bookings as customer or provider (provider side includes their businesses'' bookings; price and currency are null on the rows of a business where the caller is only staff), filtered by status and by when: upcoming (not closed and not yet over, soonest first), past (over or closed, latest first) or all (latest first). Keyset pagination: pass the last row''s cursor as p_after. Errors: HL431, HL007.';
grant execute on function public.list_my_bookings(text, text[], text, integer, text) to authenticated;

------------------------------------------------------------------------------------------------
-- 6. Duplicated error code: HL433 invalid_calendar_range meant HL217 invalid_time_range (bounds)
--    and HL218 date_range_too_long (span), which the catalog's slots already answer. The calendar
--    now answers the same; HL433 is retired below.
------------------------------------------------------------------------------------------------

create or replace function public.get_provider_calendar(p_provider_id uuid, p_from timestamptz, p_to timestamptz)
returns table (
  starts_at timestamptz,
  ends_at timestamptz,
  kind text,
  booking_id uuid,
  reference text,
  status text,
  customer_id uuid,
  customer_name text,
  listing_title text,
  note text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_provider public.provider_profiles;
  v_range tstzrange;
  v_max_days integer := (private.setting('bookings.calendar_max_days'))::integer;
  v_full boolean;
begin
  select * into v_provider from public.provider_profiles p where p.id = p_provider_id;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', p_provider_id));
  end if;
  if p_from is null or p_to is null or p_from >= p_to then
    perform private.raise_error('HL217', pg_catalog.format('%s to %s', p_from, p_to));
  end if;
  if p_to - p_from > pg_catalog.make_interval(days => v_max_days) then
    perform private.raise_error('HL218', pg_catalog.format('at most %s days', v_max_days));
  end if;
  v_range := pg_catalog.tstzrange(p_from, p_to, '[)');
  v_full := v_uid is not null and (
    v_uid = p_provider_id
    or (v_provider.business_id is not null and exists (
          select 1 from public.business_members bm where bm.business_id = v_provider.business_id and bm.user_id = v_uid))
    or private.authorize('bookings.manage'));

  if v_full then
    return query
    select pg_catalog.lower(b.period), pg_catalog.upper(b.period), 'booking'::text, b.id, b.reference, b.status,
           b.customer_id, c.full_name, l.title, b.customer_note
      from public.bookings b
      join public.profiles c on c.id = b.customer_id
      left join public.service_listings l on l.id = b.listing_id
     where b.provider_id = p_provider_id
       and b.status in ('requested', 'accepted', 'en_route', 'arrived', 'in_progress')
       and b.period && v_range
    union all
    select pg_catalog.lower(t.period), pg_catalog.upper(t.period), 'time_off'::text, null::uuid, null::text, null::text,
           null::uuid, null::text, null::text, t.reason
      from public.provider_time_off t
     where t.provider_id = p_provider_id and t.period && v_range
    order by 1, 2;
  else
    -- Everyone else sees merged busy blocks only.
    return query
    select pg_catalog.lower(r), pg_catalog.upper(r), 'busy'::text, null::uuid, null::text, null::text,
           null::uuid, null::text, null::text, null::text
      from pg_catalog.unnest((
        select pg_catalog.range_agg(bp.period) from private.provider_busy_periods(p_provider_id, v_range) as bp(period))) as u(r)
     order by 1;
  end if;
end;
$$;
comment on function public.get_provider_calendar(uuid, timestamptz, timestamptz) is
  'A provider''s calendar between two instants (at most bookings.calendar_max_days): for the provider, their business members and operators the holding bookings (with customer and listing) and time off; for everyone else merged busy blocks without details. Errors: HL217 reversed or missing bounds, HL218 longer than bookings.calendar_max_days, HL220.';
grant execute on function public.get_provider_calendar(uuid, timestamptz, timestamptz) to anon, authenticated;

------------------------------------------------------------------------------------------------
-- 6. Retired error codes (duplicates by meaning; no function raises them any more).
------------------------------------------------------------------------------------------------
delete from private.error_codes where code in ('HL322', 'HL433');
-- HL218 now also answers calendars (62 days), so its hint no longer names the slots' 31 days.
update private.error_codes
   set hint = 'Ask for a shorter range: details give the longest one allowed (31 days for slots, 62 for calendars by default).'
 where code = 'HL218';
