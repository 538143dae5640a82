-- Module: jobs (job requests, matching, offers and counters)
-- A customer posts a job; the best-fitting nearby providers are notified; providers offer; the
-- customer declines, counters or accepts; accepting (or the provider accepting a counter)
-- creates the booking atomically. Decisions are documented in docs/jobs.md.
--
--   job_requests      public part of a job (fuzzed point, neighbourhood); RLS
--   private.job_locations   exact point and address (never exposed)
--   job_matches       providers a job was shown to (notified by matching, or opened it)
--   private.job_exclusions  providers who may not offer again on a job (their booking for it
--                     was cancelled on their side)
--   job_offers        quotes; one live offer per provider and job
--   job_offer_events  timeline of every offer action
--   notifications     rows queued with private.notify (bookings module; delivered by messaging)

------------------------------------------------------------------------------------------------
-- Error codes (HL3xx)
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL300', 'job_not_found', 404, 'The job does not exist or you cannot see it.',
   'Check the id. Open jobs are visible to providers; other jobs only to their customer and the providers who offered.'),
  ('HL301', 'invalid_job', 400, 'A job field has an invalid value.',
   'See details for the field and its limits (title 3-120 characters, description up to 4000, duration 5-10080 minutes).'),
  ('HL302', 'invalid_budget', 400, 'The budget is invalid.',
   'Give either a fixed budget > 0, or a range with 0 <= budget_min <= budget_max and budget_max > 0 (minor units).'),
  ('HL304', 'invalid_time_window', 400, 'The preferred time window is invalid.',
   'Give either asap = true, or a window with start < end, ending in the future and at most 365 days ahead.'),
  ('HL306', 'job_not_open', 409, 'The job is no longer open.',
   'Only open jobs can receive offers or be changed; see details for its status.'),
  ('HL307', 'not_job_owner', 403, 'Only the customer who posted the job can do this.',
   'Sign in as the customer who posted the job.'),
  ('HL308', 'invalid_job_photos', 400, 'A job photo path is invalid.',
   'Upload photos to the job-media bucket under <your user id>/<job id>/ first; at most 10 photos.'),
  ('HL309', 'job_already_assigned', 409, 'Another offer was already accepted for this job.',
   'The job has a booking; other offers on it are closed.'),
  ('HL310', 'offer_not_found', 404, 'The offer does not exist or you cannot see it.',
   'Check the id. Offers are visible to the provider who made them and to the job''s customer.'),
  ('HL311', 'own_job', 403, 'You cannot make an offer on your own job.',
   'Offers come from other providers.'),
  ('HL312', 'live_offer_exists', 409, 'You already have a live offer on this job.',
   'Withdraw it first, or wait for the customer''s answer.'),
  ('HL313', 'invalid_offer', 400, 'An offer field has an invalid value.',
   'See details (price > 0 in minor units, message up to 2000 characters, duration 5-10080 minutes).'),
  ('HL314', 'invalid_offer_time', 400, 'The offer''s start or expiry time is invalid.',
   'The start must be in the future (at most 180 days ahead); the expiry must be in the future, no later than the start and at most 14 days ahead.'),
  ('HL315', 'offer_currency_mismatch', 400, 'The offer''s currency differs from the job''s.',
   'Quote in the currency of the job.'),
  ('HL316', 'not_offer_owner', 403, 'Only the provider who made the offer can do this.',
   'Sign in as the provider who made the offer.'),
  ('HL317', 'offer_not_pending', 409, 'The offer cannot be changed in its current state.',
   'See details for its status; only pending (or countered) offers can be answered.'),
  ('HL318', 'offer_expired', 409, 'The offer has expired.',
   'Ask the provider for a new offer.'),
  ('HL319', 'offer_withdrawn', 409, 'The provider withdrew this offer.',
   'Choose another offer or wait for a new one.'),
  ('HL320', 'invalid_counter', 400, 'The counter price is invalid.',
   'A counter price is > 0 and differs from the offer''s price.'),
  ('HL321', 'no_counter_pending', 409, 'There is no counter offer to respond to.',
   'Only an offer in status countered has a counter to accept or reject.'),
  ('HL324', 'invalid_search', 400, 'A search parameter is invalid.',
   'See details (radius 100-100000 m, limit 1-100).'),
  ('HL325', 'excluded_from_job', 403, 'You cannot offer on this job again.',
   'Your booking for this job was cancelled on your side (or as a no-show); the customer is looking for another provider.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Settings (tunable without a migration).
------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('jobs.expiry_hours', '72',
   'Hours an open job waits for an accepted offer before it expires (capped by the end of its preferred window).'),
  ('jobs.match_limit', '10',
   'How many providers matching notifies when a job is posted (and how many new ones at most when it reopens).'),
  ('jobs.match_score',
   '{"weights": {"rating": 0.4, "distance": 0.3, "verified": 0.15, "response": 0.15}, "distance_ref_m": 20000, "rating_prior_mean": 3.5, "rating_prior_count": 3, "response_ref_s": 900}',
   'Matching score: weights of its parts and their parameters (see docs/jobs.md).'),
  ('jobs.fuzz_grid_m', '400',
   'Grid size in metres of the public (fuzzed) job location; the exact point is replaced by the centre of its cell.'),
  ('jobs.offer_default_expiry_hours', '48',
   'Offer expiry when the provider gives none (capped by the proposed start).'),
  ('jobs.max_photos', '10', 'Photos per job.')
on conflict (key) do nothing;

insert into public.role_permissions (role, permission) values
  ('admin', 'jobs.manage'),
  ('moderator', 'jobs.manage'),
  ('support', 'jobs.manage')
on conflict do nothing;

-- Notifications: public.notifications and private.notify come from the bookings module.

------------------------------------------------------------------------------------------------
-- Job requests
------------------------------------------------------------------------------------------------
create table public.job_requests (
  id uuid primary key default gen_random_uuid(),
  customer_id uuid not null references public.profiles (id) on delete cascade,
  category_id uuid not null references public.categories (id),
  title text not null check (char_length(title) between 3 and 120),
  description text check (description is null or char_length(description) <= 4000),
  budget_kind text not null check (budget_kind in ('fixed', 'range')),
  budget_min bigint not null check (budget_min >= 0),
  budget_max bigint not null check (budget_max > 0 and budget_max <= 10000000000),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  duration_minutes integer not null check (duration_minutes between 5 and 10080),
  is_asap boolean not null default false,
  preferred_window tstzrange,
  neighbourhood text check (neighbourhood is null or char_length(neighbourhood) <= 120),
  -- Public, deterministic approximation of the exact point (private.job_locations).
  fuzzed_location extensions.geography(Point, 4326) not null,
  photo_paths text[] not null default '{}' check (cardinality(photo_paths) <= 20),
  status text not null default 'open' check (status in ('open', 'assigned', 'cancelled', 'expired')),
  expires_at timestamptz not null,
  notified_count integer not null default 0,
  booking_id uuid references public.bookings (id),
  accepted_offer_id uuid,
  assigned_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text check (cancel_reason is null or char_length(cancel_reason) <= 1000),
  expired_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Maintained by the database when the job's booking closes before work started
  -- (private.job_after_booking_closed).
  reopened_at timestamptz,
  reopen_count integer not null default 0 check (reopen_count >= 0),
  check (budget_min <= budget_max and (budget_kind = 'range' or budget_min = budget_max)),
  check ((is_asap and preferred_window is null) or (not is_asap and preferred_window is not null
         and not isempty(preferred_window) and not lower_inf(preferred_window) and not upper_inf(preferred_window))),
  check ((status = 'assigned') = (booking_id is not null))
);
comment on table public.job_requests is
  'A job (gig) a customer posted. Open jobs are visible to providers with a fuzzed location; the exact place is private. '
  'Changed only through RPCs (post_job, set_job_photos, cancel_job, accept_offer, timers).';
comment on column public.job_requests.budget_min is 'Budget lower bound in minor units of `currency` (equal to budget_max for a fixed budget).';
comment on column public.job_requests.budget_max is 'Budget upper bound in minor units of `currency`.';
comment on column public.job_requests.preferred_window is 'When the customer wants the work done; null when is_asap.';
comment on column public.job_requests.fuzzed_location is
  'Public location: the centre of the ~400 m grid cell (jobs.fuzz_grid_m) holding the exact point. Stable and never the exact point.';
comment on column public.job_requests.photo_paths is 'Object paths in the private job-media bucket, under <customer id>/<job id>/.';
comment on column public.job_requests.notified_count is 'How many providers matching notified: when the job was posted, plus the new ones on each reopening.';
comment on column public.job_requests.booking_id is 'The booking created by the accepted offer (status assigned).';
comment on column public.job_requests.reopened_at is
  'When the job last went back to open because its booking closed before work started (maintained by the database).';
comment on column public.job_requests.reopen_count is
  'How many times the job reopened after its booking was cancelled by the provider side or the system (maintained by the database).';

create index job_requests_customer_id_idx on public.job_requests (customer_id, created_at desc);
create index job_requests_category_id_idx on public.job_requests (category_id);
create index job_requests_booking_id_idx on public.job_requests (booking_id);
create index job_requests_open_location_idx on public.job_requests using gist (fuzzed_location) where status = 'open';
create index job_requests_open_expires_at_idx on public.job_requests (expires_at) where status = 'open';
create index job_requests_status_idx on public.job_requests (status);

create or replace trigger job_requests_set_updated_at
  before update on public.job_requests
  for each row execute function private.set_updated_at();

create table private.job_locations (
  job_id uuid primary key references public.job_requests (id) on delete cascade,
  location extensions.geography(Point, 4326) not null,
  address text check (address is null or char_length(address) <= 300)
);
comment on table private.job_locations is
  'Exact point and address of a job: read by matching and copied into the booking; shown only to the customer.';
create index job_locations_location_idx on private.job_locations using gist (location);

------------------------------------------------------------------------------------------------
-- Offers
------------------------------------------------------------------------------------------------
create table public.job_offers (
  id uuid primary key default gen_random_uuid(),
  job_id uuid not null references public.job_requests (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  price bigint not null check (price > 0 and price <= 10000000000),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  message text check (message is null or char_length(message) <= 2000),
  proposed_start timestamptz not null,
  duration_minutes integer not null check (duration_minutes between 5 and 10080),
  expires_at timestamptz not null,
  status text not null default 'pending'
    check (status in ('pending', 'countered', 'accepted', 'declined', 'withdrawn', 'expired', 'rejected', 'closed')),
  counter_price bigint check (counter_price is null or (counter_price > 0 and counter_price <= 10000000000)),
  counter_message text check (counter_message is null or char_length(counter_message) <= 2000),
  countered_at timestamptz,
  -- The agreed price: `price`, or `counter_price` when the provider accepted the counter.
  accepted_price bigint,
  booking_id uuid references public.bookings (id),
  accepted_at timestamptz,
  closed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (expires_at <= proposed_start),
  check ((status = 'accepted') = (booking_id is not null)),
  check ((status = 'countered') <= (counter_price is not null))
);
comment on table public.job_offers is
  'A provider''s quote on a job: price, message, proposed start, duration, expiry. Status: pending, countered '
  '(the customer proposed counter_price), accepted (booking_id), declined, withdrawn, expired, rejected (counter refused), '
  'closed (the job was assigned to another offer, cancelled or expired). Changed only through RPCs.';
comment on column public.job_offers.price is 'The provider''s price in minor units of `currency`.';
comment on column public.job_offers.counter_price is 'The customer''s counter price (minor units), when countered.';
comment on column public.job_offers.accepted_price is 'The booked price: price, or counter_price when the provider accepted the counter.';

-- One live offer per provider and job.
create unique index job_offers_one_live_per_provider on public.job_offers (job_id, provider_id)
  where status in ('pending', 'countered');
create index job_offers_job_id_idx on public.job_offers (job_id, status);
create index job_offers_provider_id_idx on public.job_offers (provider_id, created_at desc);
create index job_offers_booking_id_idx on public.job_offers (booking_id);
create index job_offers_live_expires_at_idx on public.job_offers (expires_at) where status in ('pending', 'countered');

create or replace trigger job_offers_set_updated_at
  before update on public.job_offers
  for each row execute function private.set_updated_at();

alter table public.job_requests
  add constraint job_requests_accepted_offer_id_fkey foreign key (accepted_offer_id) references public.job_offers (id);
create index job_requests_accepted_offer_id_idx on public.job_requests (accepted_offer_id);

-- Bookings made from offers point back to them.
alter table public.bookings
  add constraint bookings_job_id_fkey foreign key (job_id) references public.job_requests (id),
  add constraint bookings_offer_id_fkey foreign key (offer_id) references public.job_offers (id);

create table public.job_offer_events (
  id bigint generated always as identity primary key,
  offer_id uuid not null references public.job_offers (id) on delete cascade,
  job_id uuid not null references public.job_requests (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  action text not null check (action in ('make', 'withdraw', 'decline', 'counter', 'accept', 'accept_counter',
                                         'reject_counter', 'expire', 'close')),
  from_status text,
  to_status text not null,
  actor_id uuid references public.profiles (id) on delete set null,
  actor_role text not null check (actor_role in ('customer', 'provider', 'operator', 'system')),
  price bigint,
  message text,
  created_at timestamptz not null default now()
);
comment on table public.job_offer_events is
  'Timeline of an offer: every action with its actor, statuses and price. Visible to the provider and the job''s customer.';
create index job_offer_events_offer_id_idx on public.job_offer_events (offer_id, id);
create index job_offer_events_job_id_idx on public.job_offer_events (job_id);
create index job_offer_events_provider_id_idx on public.job_offer_events (provider_id);
create index job_offer_events_actor_id_idx on public.job_offer_events (actor_id);

------------------------------------------------------------------------------------------------
-- Who a job was shown to: notified by matching ('matched') or opened by a provider ('viewed').
-- These providers (and those who offered) may read the job's photos.
------------------------------------------------------------------------------------------------
create table public.job_matches (
  job_id uuid not null references public.job_requests (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  source text not null check (source in ('matched', 'viewed')),
  rank integer check (rank is null or rank >= 1),
  score numeric(6, 4),
  -- Distance from the provider's base to the job's public (fuzzed) point, rounded to 100 m.
  distance_m integer,
  notified_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (job_id, provider_id),
  check ((source = 'matched') = (rank is not null))
);
comment on table public.job_matches is
  'Providers a job was shown to: notified by matching (source matched, with rank and score) or who opened it (viewed).';
create index job_matches_provider_id_idx on public.job_matches (provider_id, created_at desc);

------------------------------------------------------------------------------------------------
-- Providers who may not offer on a job again: their booking for it was cancelled on the
-- provider side (provider, staff, owner or manager; or the system for a no-show or a stalled
-- booking) and the job reopened (private.job_after_booking_closed). make_offer refuses them
-- with HL325 and re-matching skips them. Never exposed.
------------------------------------------------------------------------------------------------
create table private.job_exclusions (
  job_id uuid not null references public.job_requests (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  booking_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (job_id, provider_id)
);
comment on table private.job_exclusions is
  'Providers excluded from a job after their booking for it was cancelled on the provider side (or as a no-show or stalled by '
  'the system): make_offer refuses them (HL325), re-matching skips them and the job board hides the job from them. '
  'booking_id is the cancelled booking.';
create index job_exclusions_provider_id_idx on private.job_exclusions (provider_id);

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------

-- Fuzzing: snap to the centre of a grid cell of about p_grid_m metres (rows of equal latitude
-- height; column width widened by 1/cos(latitude) so cells stay about square). Deterministic
-- (the same point always gives the same cell), so repeated jobs from one home cannot be
-- averaged back to the exact point, and at most ~0.71 * p_grid_m from it.
create or replace function private.fuzz_point(p_location extensions.geography, p_grid_m integer)
returns extensions.geography
language plpgsql
immutable
security definer
set search_path = ''
as $$
declare
  v_lat float8 := extensions.st_y(p_location::extensions.geometry);
  v_lng float8 := extensions.st_x(p_location::extensions.geometry);
  v_step_lat float8 := p_grid_m / 111320.0;
  v_lat_c float8;
  v_step_lng float8;
  v_lng_c float8;
begin
  v_lat_c := least(90.0, greatest(-90.0, (pg_catalog.floor(v_lat / v_step_lat) + 0.5) * v_step_lat));
  v_step_lng := v_step_lat / greatest(pg_catalog.cos(pg_catalog.radians(v_lat_c)), 0.01);
  v_lng_c := (pg_catalog.floor(v_lng / v_step_lng) + 0.5) * v_step_lng;
  if v_lng_c > 180 then v_lng_c := v_lng_c - 360; end if;
  if v_lng_c < -180 then v_lng_c := v_lng_c + 360; end if;
  return extensions.st_setsrid(extensions.st_makepoint(v_lng_c, v_lat_c), 4326)::extensions.geography;
end;
$$;
comment on function private.fuzz_point(extensions.geography, integer) is
  'Public approximation of a point: the centre of its ~p_grid_m metre grid cell (deterministic).';

create or replace function private.is_provider()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.provider_profiles p where p.id = (select auth.uid()));
$$;
comment on function private.is_provider() is 'True when the calling user has a provider profile.';

create or replace function private.my_job_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select j.id from public.job_requests j where j.customer_id = (select auth.uid());
$$;
comment on function private.my_job_ids() is
  'Jobs posted by the calling user. Use as job_id = any (array(select private.my_job_ids())) in policies.';

create or replace function private.my_engaged_job_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select o.job_id from public.job_offers o where o.provider_id = (select auth.uid())
  union
  select m.job_id from public.job_matches m where m.provider_id = (select auth.uid());
$$;
comment on function private.my_engaged_job_ids() is
  'Jobs the calling provider offered on or was shown (matched or viewed): they stay visible after the job closes.';

create or replace function private.job_media_folders()
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select j.customer_id::text || '/' || j.id::text
    from public.job_requests j
   where j.id in (select e.id from private.my_engaged_job_ids() as e(id));
$$;
comment on function private.job_media_folders() is
  'job-media folders (<customer id>/<job id>) the calling provider may read: jobs shown to them or offered on.';

create or replace function private.my_open_job_folders()
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select j.id::text from public.job_requests j
   where j.customer_id = (select auth.uid()) and j.status = 'open';
$$;
comment on function private.my_open_job_folders() is
  'Ids (as text) of the calling user''s open jobs: the job-media subfolders they may upload into.';

revoke all on function
  private.is_provider(),
  private.my_job_ids(),
  private.my_engaged_job_ids(),
  private.job_media_folders(),
  private.my_open_job_folders()
  from public, anon, authenticated, service_role;
grant execute on function private.is_provider(), private.my_job_ids(), private.my_engaged_job_ids(),
  private.job_media_folders(), private.my_open_job_folders() to authenticated, service_role;
revoke all on function
  private.fuzz_point(extensions.geography, integer)
  from public, anon, authenticated, service_role;
grant execute on function private.fuzz_point(extensions.geography, integer) to service_role;

create or replace function private.log_offer_event(
  p_offer public.job_offers, p_action text, p_from_status text, p_actor_role text,
  p_price bigint default null, p_message text default null)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.job_offer_events (offer_id, job_id, provider_id, action, from_status, to_status,
                                       actor_id, actor_role, price, message)
  values (p_offer.id, p_offer.job_id, p_offer.provider_id, p_action, p_from_status, p_offer.status,
          case when p_actor_role = 'system' then null else (select auth.uid()) end,
          p_actor_role, p_price, p_message);
$$;
comment on function private.log_offer_event(public.job_offers, text, text, text, bigint, text) is
  'Appends an offer action to job_offer_events (the offer row carries the new status).';

-- Closes every live offer of a job (the job was assigned, cancelled or expired) and tells the
-- providers. Callers hold the job row lock.
create or replace function private.close_live_offers(p_job_id uuid, p_except uuid, p_reason text, p_actor_role text)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  -- Set-based: an accepted job may have a hundred live offers, and the job row stays locked
  -- until this returns.
  with live as (
    select o.id, o.status as from_status
      from public.job_offers o
     where o.job_id = p_job_id and o.status in ('pending', 'countered')
       and (p_except is null or o.id <> p_except)
     order by o.id
       for update
  ), closed as (
    update public.job_offers o
       set status = 'closed', closed_at = private.now()
      from live
     where o.id = live.id
    returning o.id, o.job_id, o.provider_id, live.from_status
  ), events as (
    insert into public.job_offer_events (offer_id, job_id, provider_id, action, from_status, to_status, actor_id, actor_role, message)
    select c.id, c.job_id, c.provider_id, 'close', c.from_status, 'closed',
           case when p_actor_role = 'system' then null else (select auth.uid()) end, p_actor_role, p_reason
      from closed c
  )
  select pg_catalog.count(private.notify(c.provider_id, 'offer.closed',
           pg_catalog.jsonb_build_object('offer_id', c.id, 'job_id', p_job_id, 'reason', p_reason)) is null)::integer
    into v_count
    from closed c;
  return v_count;
end;
$$;
comment on function private.close_live_offers(uuid, uuid, text, text) is
  'Closes the live offers of a job (except one) with a reason, logs and notifies. Call with the job row locked.';

------------------------------------------------------------------------------------------------
-- Matching
------------------------------------------------------------------------------------------------
create or replace function private.match_job(p_job_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.job_requests;
  v_location extensions.geography;
  v_limit integer := (private.setting('jobs.match_limit'))::integer;
  v_conf jsonb := private.setting('jobs.match_score');
  v_w jsonb := v_conf -> 'weights';
  v_ref float8 := (v_conf ->> 'distance_ref_m')::float8;
  v_prior_mean float8 := (v_conf ->> 'rating_prior_mean')::float8;
  v_prior_n float8 := (v_conf ->> 'rating_prior_count')::float8;
  v_response_ref float8 := (v_conf ->> 'response_ref_s')::float8;
  v_match record;
  v_count integer := 0;
begin
  select * into v_job from public.job_requests where id = p_job_id;
  select l.location into v_location from private.job_locations l where l.job_id = p_job_id;
  if v_job.id is null or v_location is null or v_job.status <> 'open' then
    return 0;
  end if;

  for v_match in
    with candidates as (
      select p.id, p.base_location, p.is_verified, p.response_time_s,
             -- Bayesian average: new providers start near the prior instead of 0 or 5.
             (p.rating_avg::float8 * p.rating_count + v_prior_mean * v_prior_n) / (p.rating_count + v_prior_n) as rating,
             extensions.st_distance(p.base_location, v_location) as distance_exact
        from public.provider_profiles p
        join public.profiles pr on pr.id = p.id and pr.deleted_at is null
       where p.is_available
         and p.category_ids @> array[v_job.category_id]
         and extensions.st_covers(p.coverage, v_location)
         and p.id <> v_job.customer_id
         -- Re-matching a reopened job: only providers not shown it before, who have not offered
         -- on it (those whose offers were closed get job.reopened) and are not excluded from it.
         and not exists (select 1 from public.job_matches m where m.job_id = p_job_id and m.provider_id = p.id)
         and not exists (select 1 from public.job_offers o where o.job_id = p_job_id and o.provider_id = p.id)
         and not exists (select 1 from private.job_exclusions x where x.job_id = p_job_id and x.provider_id = p.id)
    ), scored as (
      select c.*,
             (v_w ->> 'rating')::float8 * (c.rating / 5.0)
           + (v_w ->> 'distance')::float8 * greatest(0.0, 1.0 - c.distance_exact / v_ref)
           + (v_w ->> 'verified')::float8 * (case when c.is_verified then 1.0 else 0.0 end)
           + (v_w ->> 'response')::float8 * (case when c.response_time_s is null then 0.5
                                                  else 1.0 / (1.0 + c.response_time_s / v_response_ref) end)
             as score
        from candidates c
    )
    select s.id, s.score,
           pg_catalog.row_number() over (order by s.score desc, s.distance_exact, s.id) as rank,
           (pg_catalog.round(extensions.st_distance(s.base_location, v_job.fuzzed_location) / 100.0) * 100)::integer as distance_m
      from scored s
     order by s.score desc, s.distance_exact, s.id
     limit v_limit
  loop
    insert into public.job_matches (job_id, provider_id, source, rank, score, distance_m, notified_at)
    values (p_job_id, v_match.id, 'matched', v_match.rank, pg_catalog.round(v_match.score::numeric, 4),
            v_match.distance_m, private.now())
    on conflict (job_id, provider_id) do nothing;
    if found then
      perform private.notify(v_match.id, 'job.matched', pg_catalog.jsonb_build_object(
        'job_id', p_job_id, 'title', v_job.title, 'category_id', v_job.category_id,
        'neighbourhood', v_job.neighbourhood, 'distance_m', v_match.distance_m,
        'budget_min', v_job.budget_min, 'budget_max', v_job.budget_max, 'currency', v_job.currency,
        'rank', v_match.rank));
      v_count := v_count + 1;
    end if;
  end loop;

  update public.job_requests set notified_count = notified_count + v_count where id = p_job_id;
  return v_count;
end;
$$;
comment on function private.match_job(uuid) is
  'Notifies the best-fitting providers of a job: available, offering its category, whose coverage covers the exact point; '
  'ranked by the documented score (jobs.match_score), at most jobs.match_limit. Records them in job_matches. Skips providers '
  'already in job_matches, who offered on the job, or excluded from it (private.job_exclusions), so running it again (when the '
  'job reopens) notifies only new providers, at most jobs.match_limit of them. Idempotent.';
revoke all on function private.match_job(uuid) from public, anon, authenticated, service_role;
grant execute on function private.match_job(uuid) to service_role;

------------------------------------------------------------------------------------------------
-- Posting, photos, cancelling
------------------------------------------------------------------------------------------------
create or replace function public.post_job(
  p_category_id uuid,
  p_title text,
  p_lat double precision,
  p_lng double precision,
  p_duration_minutes integer,
  p_description text default null,
  p_address text default null,
  p_neighbourhood text default null,
  p_fixed_budget bigint default null,
  p_budget_min bigint default null,
  p_budget_max bigint default null,
  p_currency text default null,
  p_asap boolean default false,
  p_preferred_start timestamptz default null,
  p_preferred_end timestamptz default null
)
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_profile public.profiles;
  v_location extensions.geography;
  v_kind text;
  v_min bigint;
  v_max bigint;
  v_currency text;
  v_window tstzrange;
  v_expires timestamptz;
  v_job public.job_requests;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_profile from public.profiles where id = v_uid;
  if not found or v_profile.deleted_at is not null then
    perform private.raise_error('HL003', 'profile not found');
  end if;

  -- Category (the catalog's codes: HL208 unknown, HL209 inactive or not a service category)
  if p_category_id is null or not exists (select 1 from public.categories c where c.id = p_category_id) then
    perform private.raise_error('HL208', pg_catalog.format('category %s', p_category_id));
  end if;
  if not exists (
       select 1 from public.categories c where c.id = p_category_id and c.is_active and c.kind = 'service') then
    perform private.raise_error('HL209', pg_catalog.format('category %s', p_category_id));
  end if;

  -- Text fields
  if p_title is null or pg_catalog.char_length(pg_catalog.btrim(p_title)) not between 3 and 120 then
    perform private.raise_error('HL301', 'title must be 3 to 120 characters');
  end if;
  if pg_catalog.char_length(coalesce(p_description, '')) > 4000 then
    perform private.raise_error('HL301', 'description is limited to 4000 characters');
  end if;
  if pg_catalog.char_length(coalesce(p_address, '')) > 300 then
    perform private.raise_error('HL301', 'address is limited to 300 characters');
  end if;
  if pg_catalog.char_length(coalesce(p_neighbourhood, '')) > 120 then
    perform private.raise_error('HL301', 'neighbourhood is limited to 120 characters');
  end if;
  if p_duration_minutes is null or p_duration_minutes not between 5 and 10080 then
    perform private.raise_error('HL301', 'duration_minutes must be between 5 and 10080');
  end if;

  -- Budget: fixed, or a range.
  if p_fixed_budget is not null then
    if p_budget_min is not null or p_budget_max is not null then
      perform private.raise_error('HL302', 'give either fixed_budget or budget_min/budget_max, not both');
    end if;
    if p_fixed_budget <= 0 or p_fixed_budget > 10000000000 then
      perform private.raise_error('HL302', 'fixed_budget must be between 1 and 10000000000 minor units');
    end if;
    v_kind := 'fixed'; v_min := p_fixed_budget; v_max := p_fixed_budget;
  else
    if p_budget_min is null or p_budget_max is null then
      perform private.raise_error('HL302', 'give fixed_budget, or both budget_min and budget_max');
    end if;
    if p_budget_min < 0 or p_budget_max <= 0 or p_budget_min > p_budget_max or p_budget_max > 10000000000 then
      perform private.raise_error('HL302', 'need 0 <= budget_min <= budget_max, budget_max between 1 and 10000000000');
    end if;
    v_kind := 'range'; v_min := p_budget_min; v_max := p_budget_max;
  end if;
  v_currency := coalesce(p_currency, v_profile.currency);
  if v_currency !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL302', 'currency must be an ISO 4217 code such as "AED"');
  end if;

  -- Time: asap, or a window.
  if coalesce(p_asap, false) then
    if p_preferred_start is not null or p_preferred_end is not null then
      perform private.raise_error('HL304', 'give either asap or a preferred window, not both');
    end if;
  else
    if p_preferred_start is null or p_preferred_end is null then
      perform private.raise_error('HL304', 'give asap = true or both preferred_start and preferred_end');
    end if;
    if p_preferred_start >= p_preferred_end or p_preferred_end <= v_now
       or p_preferred_end > v_now + interval '365 days' then
      perform private.raise_error('HL304', 'the window must have start < end, end in the future and within 365 days');
    end if;
    v_window := pg_catalog.tstzrange(p_preferred_start, p_preferred_end, '[)');
  end if;

  -- Place
  v_location := private.make_point(p_lat, p_lng);

  -- At most rate_limit.post_job jobs per customer per window (20 an hour by default).
  perform private.rate_limit('post_job', v_uid::text);

  v_expires := v_now + ((private.setting('jobs.expiry_hours'))::integer * interval '1 hour');
  if v_window is not null then
    v_expires := least(v_expires, pg_catalog.upper(v_window));
  end if;

  insert into public.job_requests (
    customer_id, category_id, title, description, budget_kind, budget_min, budget_max, currency,
    duration_minutes, is_asap, preferred_window, neighbourhood, fuzzed_location, status, expires_at)
  values (
    v_uid, p_category_id, pg_catalog.btrim(p_title), nullif(pg_catalog.btrim(p_description), ''), v_kind, v_min, v_max, v_currency,
    p_duration_minutes, coalesce(p_asap, false), v_window,
    coalesce(nullif(pg_catalog.btrim(p_neighbourhood), ''), v_profile.neighbourhood),
    private.fuzz_point(v_location, (private.setting('jobs.fuzz_grid_m'))::integer),
    'open', v_expires)
  returning * into v_job;

  insert into private.job_locations (job_id, location, address)
  values (v_job.id, v_location, nullif(pg_catalog.btrim(p_address), ''));

  perform private.match_job(v_job.id);
  select * into v_job from public.job_requests where id = v_job.id;
  return v_job;
end;
$$;
comment on function public.post_job(uuid, text, double precision, double precision, integer, text, text, text, bigint, bigint, bigint, text, boolean, timestamptz, timestamptz) is
  'Posts a job for the calling customer and notifies the best-fitting nearby providers. Budget: p_fixed_budget, or '
  'p_budget_min + p_budget_max (minor units; currency defaults to the profile''s). Time: p_asap, or p_preferred_start + p_preferred_end. '
  'The exact point and address stay private; others see a fuzzed point and the neighbourhood. At most 20 jobs an hour (HL006). '
  'Errors: HL301 field, HL302 budget, HL200/HL201 location, HL304 time window, HL208/HL209 category, HL006 rate limit.';
revoke all on function
  public.post_job(uuid, text, double precision, double precision, integer, text, text, text, bigint, bigint, bigint, text, boolean, timestamptz, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function public.post_job(uuid, text, double precision, double precision, integer, text, text, text, bigint, bigint, bigint, text, boolean, timestamptz, timestamptz) to authenticated;

create or replace function public.set_job_photos(p_job_id uuid, p_photo_paths text[])
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_job public.job_requests;
  v_paths text[] := coalesce(p_photo_paths, '{}');
  v_path text;
  v_max integer := (private.setting('jobs.max_photos'))::integer;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_job from public.job_requests where id = p_job_id for no key update;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id <> v_uid then
    perform private.raise_error('HL307');
  end if;
  if v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  end if;
  if pg_catalog.cardinality(v_paths) > v_max then
    perform private.raise_error('HL308', pg_catalog.format('at most %s photos', v_max));
  end if;
  if (select pg_catalog.count(distinct x) from pg_catalog.unnest(v_paths) x) <> pg_catalog.cardinality(v_paths) then
    perform private.raise_error('HL308', 'duplicate photo paths');
  end if;
  foreach v_path in array v_paths loop
    if v_path is null or pg_catalog.left(v_path, 74) <> v_uid::text || '/' || v_job.id::text || '/'
       or pg_catalog.char_length(v_path) > 300 or v_path ~ '(^|/)\.\.(/|$)' then
      perform private.raise_error('HL308', pg_catalog.format('%L is not under %s/%s/', v_path, v_uid, v_job.id));
    end if;
    if not exists (select 1 from storage.objects o where o.bucket_id = 'job-media' and o.name = v_path) then
      perform private.raise_error('HL308', pg_catalog.format('%L has not been uploaded to job-media', v_path));
    end if;
  end loop;
  update public.job_requests set photo_paths = v_paths where id = v_job.id returning * into v_job;
  return v_job;
end;
$$;
comment on function public.set_job_photos(uuid, text[]) is
  'Sets the photos of the calling customer''s open job: paths of objects already uploaded to the job-media bucket under '
  '<user id>/<job id>/ (at most 10). Errors: HL300, HL307 not yours, HL306 not open, HL308 invalid path.';
revoke all on function public.set_job_photos(uuid, text[]) from public, anon, authenticated, service_role;
grant execute on function public.set_job_photos(uuid, text[]) to authenticated;

create or replace function public.cancel_job(p_job_id uuid, p_reason text default null)
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_job public.job_requests;
  v_role text;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_job from public.job_requests where id = p_job_id for no key update;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id = v_uid then
    v_role := 'customer';
  elsif private.authorize('jobs.manage') then
    v_role := 'operator';
  elsif v_job.status = 'open' and private.is_provider() then
    perform private.raise_error('HL307');
  else
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.status = 'assigned' then
    perform private.raise_error('HL306', 'job status is assigned', null,
      'The job has a booking: cancel the booking instead.');
  elsif v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  end if;
  if pg_catalog.char_length(coalesce(p_reason, '')) > 1000 then
    perform private.raise_error('HL301', 'reason is limited to 1000 characters');
  end if;

  update public.job_requests
     set status = 'cancelled', cancelled_at = private.now(), cancel_reason = p_reason
   where id = v_job.id
  returning * into v_job;
  perform private.close_live_offers(v_job.id, null, 'job_cancelled', v_role);
  if v_role = 'operator' then
    perform private.notify(v_job.customer_id, 'job.cancelled',
      pg_catalog.jsonb_build_object('job_id', v_job.id, 'by', 'operator', 'reason', p_reason));
  end if;
  return v_job;
end;
$$;
comment on function public.cancel_job(uuid, text) is
  'Cancels an open job (its customer, or an operator with jobs.manage); live offers are closed and their providers notified. '
  'Errors: HL300, HL307 not yours, HL306 not open (an assigned job is cancelled through its booking).';
revoke all on function public.cancel_job(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.cancel_job(uuid, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
create or replace function private.offer_json(p_offer public.job_offers)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.to_jsonb(p_offer) || pg_catalog.jsonb_build_object(
    'provider', (select pg_catalog.jsonb_build_object(
                   'id', p.id, 'display_name', p.display_name, 'rating_avg', p.rating_avg,
                   'rating_count', p.rating_count, 'is_verified', p.is_verified, 'completed_jobs', p.completed_jobs)
                   from public.provider_profiles p where p.id = p_offer.provider_id));
$$;
comment on function private.offer_json(public.job_offers) is 'An offer as JSON with a summary of its provider.';

create or replace function public.get_job(p_job_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_job public.job_requests;
  v_viewer text;
  v_exact jsonb;
  v_offers jsonb;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_job from public.job_requests where id = p_job_id;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;

  if v_job.customer_id = v_uid then
    v_viewer := 'customer';
  elsif private.authorize('jobs.manage') then
    v_viewer := 'operator';
  elsif private.is_provider() and (
          v_job.status = 'open'
          or exists (select 1 from public.job_offers o where o.job_id = v_job.id and o.provider_id = v_uid)
          or exists (select 1 from public.job_matches m where m.job_id = v_job.id and m.provider_id = v_uid)) then
    v_viewer := 'provider';
  else
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;

  if v_viewer in ('customer', 'operator') then
    select pg_catalog.jsonb_build_object(
             'lat', extensions.st_y(l.location::extensions.geometry),
             'lng', extensions.st_x(l.location::extensions.geometry),
             'address', l.address)
      into v_exact
      from private.job_locations l where l.job_id = v_job.id;
    select coalesce(pg_catalog.jsonb_agg(private.offer_json(o) order by o.created_at, o.id), '[]'::jsonb)
      into v_offers
      from public.job_offers o where o.job_id = v_job.id;
  else
    -- A provider who opens an open job has been shown it: record it (photos become readable).
    if v_job.status = 'open' then
      insert into public.job_matches (job_id, provider_id, source)
      values (v_job.id, v_uid, 'viewed')
      on conflict (job_id, provider_id) do nothing;
    end if;
    select coalesce(pg_catalog.jsonb_agg(private.offer_json(o) order by o.created_at, o.id), '[]'::jsonb)
      into v_offers
      from public.job_offers o where o.job_id = v_job.id and o.provider_id = v_uid;
  end if;

  return pg_catalog.jsonb_build_object(
    'job', (pg_catalog.to_jsonb(v_job) - 'fuzzed_location') || pg_catalog.jsonb_build_object(
              'lat', extensions.st_y(v_job.fuzzed_location::extensions.geometry),
              'lng', extensions.st_x(v_job.fuzzed_location::extensions.geometry),
              'preferred_start', pg_catalog.lower(v_job.preferred_window),
              'preferred_end', pg_catalog.upper(v_job.preferred_window)),
    'exact_location', v_exact,
    'viewer', v_viewer,
    'live_offer_count', (select pg_catalog.count(*) from public.job_offers o
                          where o.job_id = v_job.id and o.status in ('pending', 'countered')),
    'offers', v_offers);
end;
$$;
comment on function public.get_job(uuid) is
  'A job with its offers: {job (fuzzed lat/lng), exact_location (customer and operators only), viewer, live_offer_count, offers}. '
  'The customer sees every offer; a provider only their own (opening an open job records that it was shown to them). '
  'Error: HL300 when the job does not exist or is not visible.';
revoke all on function public.get_job(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_job(uuid) to authenticated;

create or replace function public.list_open_jobs_near_me(
  p_lat double precision default null,
  p_lng double precision default null,
  p_radius_m integer default null,
  p_category_id uuid default null,
  p_min_budget bigint default null,
  p_max_budget bigint default null,
  p_currency text default null,
  p_asap_only boolean default false,
  p_window_start timestamptz default null,
  p_window_end timestamptz default null,
  p_my_categories_only boolean default false,
  p_limit integer default 20,
  p_cursor text default null
)
returns table (
  id uuid,
  customer_id uuid,
  category_id uuid,
  title text,
  description text,
  budget_kind text,
  budget_min bigint,
  budget_max bigint,
  currency char(3),
  duration_minutes integer,
  is_asap boolean,
  preferred_start timestamptz,
  preferred_end timestamptz,
  neighbourhood text,
  lat double precision,
  lng double precision,
  distance_m double precision,
  photo_count integer,
  live_offer_count integer,
  is_matched boolean,
  my_offer_id uuid,
  my_offer_status text,
  expires_at timestamptz,
  created_at timestamptz,
  cursor text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_uid uuid := (select auth.uid());
  v_provider public.provider_profiles;
  v_origin extensions.geography;
  v_radius integer;
  v_after_distance float8;
  v_after_id uuid;
  v_window tstzrange;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_provider from public.provider_profiles p where p.id = v_uid;
  if not found then
    perform private.raise_error('HL106', 'only providers can list open jobs');
  end if;
  if (p_lat is null) <> (p_lng is null) then
    perform private.raise_error('HL008', 'give both p_lat and p_lng, or neither (your base location)');
  end if;
  v_origin := case when p_lat is null then v_provider.base_location else private.make_point(p_lat, p_lng) end;
  v_radius := coalesce(p_radius_m, v_provider.service_radius_m);
  if v_radius not between 100 and 100000 then
    perform private.raise_error('HL324', 'radius_m must be between 100 and 100000');
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL324', 'limit must be between 1 and 100');
  end if;
  if p_min_budget is not null and p_max_budget is not null and p_min_budget > p_max_budget then
    perform private.raise_error('HL324', 'min_budget must not exceed max_budget');
  end if;
  if p_window_start is not null and p_window_end is not null and p_window_start >= p_window_end then
    perform private.raise_error('HL324', 'window_start must be before window_end');
  end if;
  if p_window_start is not null or p_window_end is not null then
    v_window := pg_catalog.tstzrange(p_window_start, p_window_end, '[)');
  end if;
  if p_cursor is not null then
    begin
      v_after_distance := pg_catalog.split_part(p_cursor, '|', 1)::float8;
      v_after_id := pg_catalog.split_part(p_cursor, '|', 2)::uuid;
    exception when others then
      perform private.raise_error('HL007', pg_catalog.format('cursor %L', p_cursor));
    end;
    if v_after_distance is null or v_after_id is null then
      perform private.raise_error('HL007', pg_catalog.format('cursor %L', p_cursor));
    end if;
  end if;

  return query
  with nearby as (
    select j.*, extensions.st_distance(j.fuzzed_location, v_origin) as dist
      from public.job_requests j
     where j.status = 'open'
       and j.expires_at > private.now()
       and j.customer_id <> v_uid
       -- A provider excluded from a reopened job (they gave its booking up) no longer sees it.
       and not exists (select 1 from private.job_exclusions x where x.job_id = j.id and x.provider_id = v_uid)
       and extensions.st_dwithin(j.fuzzed_location, v_origin, v_radius)
       and (p_category_id is null or exists (
              select 1 from public.categories c where c.id = j.category_id and p_category_id = any (c.path_ids)))
       and (not coalesce(p_my_categories_only, false) or j.category_id = any (v_provider.category_ids))
       and (p_min_budget is null or j.budget_max >= p_min_budget)
       and (p_max_budget is null or j.budget_min <= p_max_budget)
       and (p_currency is null or j.currency = p_currency)
       and (not coalesce(p_asap_only, false) or j.is_asap)
       and (v_window is null or j.is_asap or j.preferred_window && v_window)
  )
  select n.id, n.customer_id, n.category_id, n.title, n.description, n.budget_kind, n.budget_min, n.budget_max,
         n.currency, n.duration_minutes, n.is_asap, pg_catalog.lower(n.preferred_window), pg_catalog.upper(n.preferred_window),
         n.neighbourhood,
         extensions.st_y(n.fuzzed_location::extensions.geometry), extensions.st_x(n.fuzzed_location::extensions.geometry),
         n.dist,
         pg_catalog.cardinality(n.photo_paths),
         (select pg_catalog.count(*)::integer from public.job_offers o
           where o.job_id = n.id and o.status in ('pending', 'countered')),
         exists (select 1 from public.job_matches m where m.job_id = n.id and m.provider_id = v_uid and m.source = 'matched'),
         mine.id, mine.status,
         n.expires_at, n.created_at,
         n.dist::text || '|' || n.id::text
    from nearby n
    left join lateral (
      select o.id, o.status from public.job_offers o
       where o.job_id = n.id and o.provider_id = v_uid
       order by o.created_at desc limit 1) mine on true
   where p_cursor is null or (n.dist, n.id) > (v_after_distance, v_after_id)
   order by n.dist, n.id
   limit p_limit;
end;
$$;
comment on function public.list_open_jobs_near_me(double precision, double precision, integer, uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) is
  'Open jobs near the calling provider (p_lat/p_lng, default their base; radius default their service radius), nearest first '
  'by distance to the fuzzed point. Filters: category (with subcategories), budget (jobs whose budget reaches p_min_budget / starts '
  'below p_max_budget), currency, asap only, preferred window overlapping [p_window_start, p_window_end), only my categories. '
  'Keyset pagination: pass the last row''s cursor. Errors: HL106 not a provider, HL200/HL201, HL007 cursor, HL324 parameters.';
revoke all on function
  public.list_open_jobs_near_me(double precision, double precision, integer, uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text)
  from public, anon, authenticated, service_role;
grant execute on function public.list_open_jobs_near_me(double precision, double precision, integer, uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Offers
------------------------------------------------------------------------------------------------
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
  if exists (select 1 from private.job_exclusions x where x.job_id = v_job.id and x.provider_id = v_uid) then
    perform private.raise_error('HL325', 'your booking for this job was cancelled on your side');
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
  'provider, HL300, HL311 own job, HL306/HL309 job not open, HL325 excluded (your booking for it was cancelled on your side), HL312 live offer exists, HL313, HL314, HL315, HL404 already booked at that time, HL120 deleted account, HL006.';
revoke all on function
  public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text)
  from public, anon, authenticated, service_role;
grant execute on function public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text) to authenticated;

-- Locks an offer for an action by one party and checks that the caller is that party and the
-- offer is live. Returns the locked row.
create or replace function private.lock_offer_for(p_offer_id uuid, p_party text)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_offer public.job_offers;
  v_customer uuid;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_offer from public.job_offers where id = p_offer_id for update;
  if not found then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  select j.customer_id into v_customer from public.job_requests j where j.id = v_offer.job_id;
  if v_uid <> v_customer and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  if p_party = 'customer' and v_uid <> v_customer then
    perform private.raise_error('HL307');
  end if;
  if p_party = 'provider' and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL316');
  end if;
  perform private.check_offer_live(v_offer);
  return v_offer;
end;
$$;

create or replace function private.check_offer_live(p_offer public.job_offers)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_offer.status = 'withdrawn' then
    perform private.raise_error('HL319');
  elsif p_offer.status = 'expired' or (p_offer.status in ('pending', 'countered') and p_offer.expires_at <= private.now()) then
    perform private.raise_error('HL318', pg_catalog.format('expired at %s', p_offer.expires_at));
  elsif p_offer.status = 'closed' and exists (
          select 1 from public.job_requests j where j.id = p_offer.job_id and j.status = 'assigned') then
    perform private.raise_error('HL309');
  elsif p_offer.status = 'closed' then
    perform private.raise_error('HL306', 'the job was cancelled or expired');
  elsif p_offer.status not in ('pending', 'countered') then
    perform private.raise_error('HL317', pg_catalog.format('offer status is %s', p_offer.status));
  end if;
end;
$$;
comment on function private.check_offer_live(public.job_offers) is
  'Raises the specific error for an offer that is not live: HL319 withdrawn, HL318 expired, HL309 job assigned, HL306 job closed, HL317 otherwise.';
comment on function private.lock_offer_for(uuid, text) is
  'Locks an offer for an action of p_party (customer or provider): HL310 when the caller is no party, HL307/HL316 wrong party, then live checks.';

create or replace function public.withdraw_offer(p_offer_id uuid)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.lock_offer_for(p_offer_id, 'provider');
  v_from text := v_offer.status;
begin
  update public.job_offers set status = 'withdrawn', closed_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'withdraw', v_from, 'provider');
  perform private.notify((select j.customer_id from public.job_requests j where j.id = v_offer.job_id), 'offer.withdrawn',
    pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'provider_id', v_offer.provider_id));
  return v_offer;
end;
$$;
comment on function public.withdraw_offer(uuid) is
  'The provider withdraws their live (pending or countered) offer. Errors: HL310, HL316 not yours, HL317/HL318/HL319/HL309 not live.';
revoke all on function public.withdraw_offer(uuid) from public, anon, authenticated, service_role;
grant execute on function public.withdraw_offer(uuid) to authenticated;

create or replace function public.decline_offer(p_offer_id uuid, p_reason text default null)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.lock_offer_for(p_offer_id, 'customer');
  v_from text := v_offer.status;
begin
  if pg_catalog.char_length(coalesce(p_reason, '')) > 2000 then
    perform private.raise_error('HL313', 'reason is limited to 2000 characters');
  end if;
  update public.job_offers set status = 'declined', closed_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'decline', v_from, 'customer', null, p_reason);
  perform private.notify(v_offer.provider_id, 'offer.declined',
    pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'reason', p_reason));
  return v_offer;
end;
$$;
comment on function public.decline_offer(uuid, text) is
  'The job''s customer declines a live offer (pending or countered). Errors: HL310, HL307 not your job, HL317/HL318/HL319/HL309 not live.';
revoke all on function public.decline_offer(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.decline_offer(uuid, text) to authenticated;

create or replace function public.counter_offer(p_offer_id uuid, p_counter_price bigint, p_message text default null)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.lock_offer_for(p_offer_id, 'customer');
begin
  if v_offer.status <> 'pending' then
    perform private.raise_error('HL317', 'offer status is countered: wait for the provider''s answer');
  end if;
  if p_counter_price is null or p_counter_price <= 0 or p_counter_price > 10000000000 or p_counter_price = v_offer.price then
    perform private.raise_error('HL320', pg_catalog.format('counter %s vs price %s', p_counter_price, v_offer.price));
  end if;
  if pg_catalog.char_length(coalesce(p_message, '')) > 2000 then
    perform private.raise_error('HL313', 'message is limited to 2000 characters');
  end if;
  update public.job_offers
     set status = 'countered', counter_price = p_counter_price,
         counter_message = nullif(pg_catalog.btrim(p_message), ''), countered_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'counter', 'pending', 'customer', p_counter_price, v_offer.counter_message);
  perform private.notify(v_offer.provider_id, 'offer.countered', pg_catalog.jsonb_build_object(
    'job_id', v_offer.job_id, 'offer_id', v_offer.id, 'counter_price', p_counter_price, 'currency', v_offer.currency));
  return v_offer;
end;
$$;
comment on function public.counter_offer(uuid, bigint, text) is
  'The job''s customer proposes another price for a pending offer. The counter binds the customer: if the provider accepts it '
  '(respond_to_counter) the booking is created at the counter price. Errors: HL310, HL307, HL317 not pending, HL318, HL319, HL320.';
revoke all on function
  public.counter_offer(uuid, bigint, text)
  from public, anon, authenticated, service_role;
grant execute on function public.counter_offer(uuid, bigint, text) to authenticated;

-- The one place a booking comes from an offer: locks the job, then the offer; checks both;
-- creates the booking; assigns the job; accepts the offer; closes the others; notifies.
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

create or replace function public.accept_offer(p_offer_id uuid)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.book_offer(p_offer_id, 'customer');
begin
  return (select b from public.bookings b where b.id = v_offer.booking_id);
end;
$$;
comment on function public.accept_offer(uuid) is
  'The job''s customer accepts a live offer (pending, or countered: then at the provider''s original price). In one transaction: '
  'the booking is created (accepted, at the offer''s start and duration, at the job''s exact place), the job becomes assigned and '
  'every other live offer is closed. Errors: HL310, HL307 not your job, HL309 another offer was accepted, HL306 job not open, '
  'HL318 expired, HL319 withdrawn, HL317 not live, HL404 provider already booked.';
revoke all on function public.accept_offer(uuid) from public, anon, authenticated, service_role;
grant execute on function public.accept_offer(uuid) to authenticated;

create or replace function public.respond_to_counter(p_offer_id uuid, p_accept boolean, p_message text default null)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers;
begin
  if p_accept is null then
    perform private.raise_error('HL004', 'p_accept must be true or false');
  end if;
  if pg_catalog.char_length(coalesce(p_message, '')) > 2000 then
    perform private.raise_error('HL313', 'message is limited to 2000 characters');
  end if;
  if p_accept then
    return private.book_offer(p_offer_id, 'provider');
  end if;
  v_offer := private.lock_offer_for(p_offer_id, 'provider');
  if v_offer.status <> 'countered' then
    perform private.raise_error('HL321');
  end if;
  update public.job_offers set status = 'rejected', closed_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'reject_counter', 'countered', 'provider', v_offer.counter_price, p_message);
  perform private.notify((select j.customer_id from public.job_requests j where j.id = v_offer.job_id), 'counter.rejected',
    pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'message', p_message));
  return v_offer;
end;
$$;
comment on function public.respond_to_counter(uuid, boolean, text) is
  'The provider answers the customer''s counter. Accept: the booking is created at the counter price exactly as accept_offer does '
  '(the returned offer is accepted and carries booking_id). Reject: the offer ends as rejected (the provider may make a new offer). '
  'Errors: HL310, HL316 not yours, HL321 no counter pending, HL309, HL306, HL318, HL319, HL404.';
revoke all on function
  public.respond_to_counter(uuid, boolean, text)
  from public, anon, authenticated, service_role;
grant execute on function public.respond_to_counter(uuid, boolean, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Jobs follow their bookings
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
  -- The provider side gave the job up (cancel by the provider, staff, owner or manager; no-show or
  -- stalled by the system): that provider may not offer on it again. Operator cancellations and
  -- unanswered requests (expire) do not exclude.
  if p_actor_role = 'provider' or (p_actor_role = 'system' and p_transition in ('no_show', 'cancel')) then
    insert into private.job_exclusions (job_id, provider_id, booking_id, created_at)
    values (v_job.id, p_booking.provider_id, p_booking.id, v_now)
    on conflict (job_id, provider_id) do nothing;
  end if;
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
  -- Match again: nearby providers not shown the job before get job.matched (at most jobs.match_limit).
  perform private.match_job(v_job.id);
  return 'reopened';
end;
$$;
comment on function private.job_after_booking_closed(public.bookings, text, text, text, jsonb) is
  'Called by private.apply_booking_transition when a booking made from a job closes before work started (cancelled, expired, '
  'declined) while the job is assigned to it. Customer cancelled, or the customer''s account is being deleted '
  '(metadata.deleted_user_id): the job is cancelled. Provider, operator or system: the job reopens (open, new expiry from '
  'jobs.expiry_hours capped by its window, accepted offer cleared, offers stay closed, reopened_at/reopen_count; job.reopened to '
  'the customer and to the providers whose offers the assignment closed; matching runs again for providers not shown it before; '
  'a provider-side cancellation, no-show or stalled booking excludes its provider from the job, private.job_exclusions), '
  'or expires when its preferred window is over. '
  'Returns cancelled, reopened, expired, or null when the job was not waiting on this booking.';

------------------------------------------------------------------------------------------------
-- Account deletion: a deleted customer's open jobs leave the job board (with the exact address),
-- and a deleted provider's live offers can no longer be accepted.
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

------------------------------------------------------------------------------------------------
-- Timers (pg_cron, every minute): offers and jobs expire. Idempotent; each row is re-checked
-- under its lock, and rows another transaction holds are left for the next run.
------------------------------------------------------------------------------------------------
create or replace function private.run_job_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_offer public.job_offers;
  v_job public.job_requests;
  v_from text;
  v_offers integer := 0;
  v_jobs integer := 0;
begin
  -- Offers past their expiry. FOR UPDATE re-evaluates the conditions on the latest row version,
  -- so an offer accepted or withdrawn meanwhile is not touched; rows in use are left for the
  -- next run.
  for v_offer in
    select * from public.job_offers o
     where o.status in ('pending', 'countered') and o.expires_at <= v_now
     order by o.expires_at, o.id
     limit 1000
       for update skip locked
  loop
    v_from := v_offer.status;
    update public.job_offers set status = 'expired', closed_at = v_now
     where id = v_offer.id returning * into v_offer;
    perform private.log_offer_event(v_offer, 'expire', v_from, 'system');
    perform private.notify(v_offer.provider_id, 'offer.expired',
      pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id));
    v_offers := v_offers + 1;
  end loop;

  -- Open jobs past their expiry (no accepted offer in time).
  for v_job in
    select * from public.job_requests j
     where j.status = 'open' and j.expires_at <= v_now
     order by j.expires_at, j.id
     limit 500
       for update skip locked
  loop
    update public.job_requests set status = 'expired', expired_at = v_now where id = v_job.id;
    perform private.close_live_offers(v_job.id, null, 'job_expired', 'system');
    perform private.notify(v_job.customer_id, 'job.expired', pg_catalog.jsonb_build_object('job_id', v_job.id, 'title', v_job.title));
    v_jobs := v_jobs + 1;
  end loop;

  return pg_catalog.jsonb_build_object('offers_expired', v_offers, 'jobs_expired', v_jobs);
end;
$$;
comment on function private.run_job_timers() is
  'pg_cron every minute: expires live offers past expires_at and open jobs past expires_at (closing their live offers). '
  'Idempotent; skips rows locked by a running transaction. Returns the counts.';
revoke all on function private.run_job_timers() from public, anon, authenticated, service_role;
grant execute on function private.run_job_timers() to service_role;

select cron.schedule('hyperlocal-job-timers', '* * * * *', 'select private.run_job_timers()');

------------------------------------------------------------------------------------------------
-- Row level security: read-only for clients; changes go through the RPCs above.
------------------------------------------------------------------------------------------------
alter table public.job_requests enable row level security;
alter table public.job_offers enable row level security;
alter table public.job_offer_events enable row level security;
alter table public.job_matches enable row level security;

-- Who sees which job: its customer; every provider while it is open (the job board, fuzzed
-- location only); providers who offered on it or were shown it, also after it closed;
-- operators with jobs.manage.
create policy "Customers, providers and operators can read jobs they may see" on public.job_requests
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or (status = 'open' and (select private.is_provider()))
    or id = any (array(select private.my_engaged_job_ids()))
    or (select private.authorize('jobs.manage'))
  );
revoke all on table public.job_requests from anon, authenticated, service_role;
grant select on public.job_requests to authenticated;
grant select, insert, update, delete on public.job_requests to service_role;

create policy "Providers read their offers; customers read offers on their jobs" on public.job_offers
  for select to authenticated
  using (
    provider_id = (select auth.uid())
    or job_id = any (array(select private.my_job_ids()))
    or (select private.authorize('jobs.manage'))
  );
revoke all on table public.job_offers from anon, authenticated, service_role;
grant select on public.job_offers to authenticated;
grant select, insert, update, delete on public.job_offers to service_role;

create policy "The parties of an offer can read its timeline" on public.job_offer_events
  for select to authenticated
  using (
    provider_id = (select auth.uid())
    or job_id = any (array(select private.my_job_ids()))
    or (select private.authorize('jobs.manage'))
  );
revoke all on table public.job_offer_events from anon, authenticated, service_role;
revoke all on sequence public.job_offer_events_id_seq from anon, authenticated, service_role;
grant select on public.job_offer_events to authenticated;
grant select, insert, update, delete on public.job_offer_events to service_role;

create policy "Providers read their matches; customers read who their jobs were shown to" on public.job_matches
  for select to authenticated
  using (
    provider_id = (select auth.uid())
    or job_id = any (array(select private.my_job_ids()))
    or (select private.authorize('jobs.manage'))
  );
revoke all on table public.job_matches from anon, authenticated, service_role;
grant select on public.job_matches to authenticated;
grant select, insert, update, delete on public.job_matches to service_role;

------------------------------------------------------------------------------------------------
-- Storage: the private job-media bucket ([storage.buckets.job-media] in config.toml). Supabase
-- lints multiple permissive policies per role and action, so the storage module's four policies
-- are recreated (same names) with the job-media rules added; the avatars/listing-media rules are
-- unchanged.
--   read:   the customer (their own folder) and providers the job was shown to or who offered;
--   write:  the customer, under <user id>/<job id>/ of one of their open jobs.
------------------------------------------------------------------------------------------------
drop policy if exists "Users can see their own media objects" on storage.objects;
create policy "Users can see their own media objects" on storage.objects
  for select to authenticated
  using (
    (bucket_id in ('avatars', 'listing-media')
     and (storage.foldername(name))[1] = (select auth.uid()::text))
    or (bucket_id = 'job-media'
        and ((storage.foldername(name))[1] = (select auth.uid()::text)
             or ((storage.foldername(name))[1] || '/' || (storage.foldername(name))[2])
                  = any (array(select private.job_media_folders()))))
  );

drop policy if exists "Users can upload media into their own folder" on storage.objects;
create policy "Users can upload media into their own folder" on storage.objects
  for insert to authenticated
  with check (
    (bucket_id in ('avatars', 'listing-media')
     and (storage.foldername(name))[1] = (select auth.uid()::text)
     and owner_id = (select auth.uid()::text))
    or (bucket_id = 'job-media'
        and (storage.foldername(name))[1] = (select auth.uid()::text)
        and (storage.foldername(name))[2] = any (array(select private.my_open_job_folders()))
        and owner_id = (select auth.uid()::text))
  );

drop policy if exists "Users can replace their own media objects" on storage.objects;
create policy "Users can replace their own media objects" on storage.objects
  for update to authenticated
  using (
    (bucket_id in ('avatars', 'listing-media')
     and (storage.foldername(name))[1] = (select auth.uid()::text))
    or (bucket_id = 'job-media'
        and (storage.foldername(name))[1] = (select auth.uid()::text))
  )
  with check (
    (bucket_id in ('avatars', 'listing-media')
     and (storage.foldername(name))[1] = (select auth.uid()::text))
    or (bucket_id = 'job-media'
        and (storage.foldername(name))[1] = (select auth.uid()::text)
        and (storage.foldername(name))[2] = any (array(select private.my_open_job_folders())))
  );

drop policy if exists "Users can delete their own media objects" on storage.objects;
create policy "Users can delete their own media objects" on storage.objects
  for delete to authenticated
  using (
    (bucket_id in ('avatars', 'listing-media')
     and (storage.foldername(name))[1] = (select auth.uid()::text))
    or (bucket_id = 'job-media'
        and (storage.foldername(name))[1] = (select auth.uid()::text))
  );
