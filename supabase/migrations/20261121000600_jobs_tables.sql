-- Module: jobs (tables)
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
-- Jobs follow the bookings made from them through the bookings module's transition handlers, and
-- register their account deletion step and their provider-reference check with identity and catalog.

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
   'Your booking for this job was cancelled on your side (or as a no-show); the customer is looking for another provider.'),
  ('HL326', 'job_not_instant', 409, 'This job takes offers; it cannot be taken directly.',
   'Make an offer with make_offer. Only jobs posted as instant (p_instant) can be taken with take_job.'),
  ('HL327', 'not_qualified_for_job', 403, 'Only an available provider who offers the job''s category and covers its place can take it.',
   'See details for the condition you do not meet: your categories, your service area, or your availability.'),
  ('HL328', 'invalid_take_start', 400, 'The start time is invalid for this job.',
   'Give a start inside the job''s preferred window and at least jobs.instant_lead_minutes from now (within 180 days), or none to take the earliest.'),
  ('HL329', 'job_terms_changed', 409, 'The job''s budget changed since you saw it.',
   'Read the job again (see details for the budget now) and take it at that budget, or leave it.')
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
   '{"weights": {"rating": 0.4, "distance": 0.3, "verified": 0.15, "response": 0.15}, "distance_ref_m": 20000, "response_ref_s": 900}',
   'Matching score: weights of its parts and their parameters (see docs/jobs.md); the rating part is the provider''s '
   'reputation_score (settings reputation.prior_mean / reputation.prior_weight).'),
  ('jobs.fuzz_grid_m', '400',
   'Grid size in metres of the public (fuzzed) job location; the exact point is replaced by the centre of its cell.'),
  ('jobs.offer_default_expiry_hours', '48',
   'Offer expiry when the provider gives none (capped by the proposed start).'),
  ('jobs.max_photos', '10', 'Photos per job.'),
  ('jobs.instant_lead_minutes', '60',
   'Instant jobs: the earliest start a provider taking the job can give, in minutes from now (the default start of an asap job).')
on conflict (key) do nothing;

insert into private.settings (key, value, description) values
  ('rate_limit.post_job', '{"limit": 20, "window": "1 hour"}',
   'Jobs a customer may post per sliding window (post_job).'),
  ('rate_limit.make_offer', '{"limit": 60, "window": "1 hour"}',
   'Offers a provider may make per sliding window (make_offer).')
on conflict (key) do nothing;

insert into public.role_permissions (role, permission) values
  ('admin', 'jobs.manage'),
  ('moderator', 'jobs.manage'),
  ('support', 'jobs.manage')
on conflict do nothing;

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
  -- Instant: the first qualified provider who takes the job (take_job) is booked at the fixed budget.
  is_instant boolean not null default false,
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
  -- Moderation: set while an operator hides the job (trust module): it leaves the board and takes
  -- no offers; its customer, providers already engaged and operators still see it.
  hidden_at timestamptz,
  -- Direct jobs (post_job p_direct_to): until direct_until only the chosen providers (job_matches
  -- source 'direct') see the job, offer on it or take it, and matching does not run; then it opens
  -- to everyone (private.open_direct_job records direct_closed_at, from the timer or when every
  -- chosen provider declined). Null for a job posted to everyone.
  direct_until timestamptz,
  direct_closed_at timestamptz,
  check (direct_closed_at is null or direct_until is not null),
  check (budget_min <= budget_max and (budget_kind = 'range' or budget_min = budget_max)),
  check (not is_instant or budget_kind = 'fixed'),
  check ((is_asap and preferred_window is null) or (not is_asap and preferred_window is not null
         and not isempty(preferred_window) and not lower_inf(preferred_window) and not upper_inf(preferred_window))),
  check ((status = 'assigned') = (booking_id is not null))
);
comment on table public.job_requests is
  'A job (gig) a customer posted. Open jobs are visible to providers with a fuzzed location; the exact place is private. '
  'Changed only through RPCs (post_job, update_job, set_job_photos, cancel_job, accept_offer, timers).';
comment on column public.job_requests.hidden_at is
  'Set while moderation hides the job: off the board, no new offers or views; maintained by the database.';
comment on column public.job_requests.budget_min is 'Budget lower bound in minor units of `currency` (equal to budget_max for a fixed budget).';
comment on column public.job_requests.budget_max is 'Budget upper bound in minor units of `currency`.';
comment on column public.job_requests.preferred_window is 'When the customer wants the work done; null when is_asap.';
comment on column public.job_requests.is_instant is
  'Posted as instant: the first available provider of the category covering the place who calls take_job is booked at the fixed budget.';
comment on column public.job_requests.fuzzed_location is
  'Public location: the centre of the ~400 m grid cell (jobs.fuzz_grid_m) holding the exact point. Stable and never the exact point.';
comment on column public.job_requests.photo_paths is 'Object paths in the private job-media bucket, under <customer id>/<job id>/.';
comment on column public.job_requests.notified_count is 'How many providers matching notified: when the job was posted, plus the new ones on each reopening.';
comment on column public.job_requests.booking_id is 'The booking created by the accepted offer (status assigned).';
comment on column public.job_requests.direct_until is
  'A direct job''s window: until then only the chosen providers see it, offer on it or take it, and matching waits; null when '
  'the job went to everyone at once. Set to the moment the window closed early when every chosen provider declined.';
comment on column public.job_requests.direct_closed_at is
  'When the direct window was closed (by the job timer at direct_until, or when every chosen provider declined): if the job was '
  'still open, matching ran then and the customer got job.opened_to_all. Maintained by the database.';
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
create index job_requests_direct_due_idx on public.job_requests (direct_until) where direct_closed_at is null;

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

-- job_requests.accepted_offer_id and job_offers.job_id point at each other.
alter table public.job_requests
  add constraint job_requests_accepted_offer_id_fkey foreign key (accepted_offer_id) references public.job_offers (id);
create index job_requests_accepted_offer_id_idx on public.job_requests (accepted_offer_id);

create table public.job_offer_events (
  id bigint generated always as identity primary key,
  offer_id uuid not null references public.job_offers (id) on delete cascade,
  job_id uuid not null references public.job_requests (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  action text not null check (action in ('make', 'withdraw', 'decline', 'counter', 'accept', 'accept_counter',
                                         'reject_counter', 'expire', 'close', 'take')),
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
-- Who a job was shown to: notified by matching ('matched'), chosen by the customer for a direct
-- job ('direct') or opened by a provider ('viewed'). These providers (and those who offered) may
-- read the job's photos.
------------------------------------------------------------------------------------------------
create table public.job_matches (
  job_id uuid not null references public.job_requests (id) on delete cascade,
  provider_id uuid not null references public.provider_profiles (id) on delete cascade,
  source text not null check (source in ('matched', 'direct', 'viewed')),
  rank integer check (rank is null or rank >= 1),
  score numeric(6, 4),
  -- Distance from the provider's base to the job's public (fuzzed) point, rounded to 100 m.
  distance_m integer,
  notified_at timestamptz,
  -- The provider's first offer after being notified: their answer time counts towards
  -- provider_profiles.response_time_s.
  responded_at timestamptz,
  -- A chosen provider who said no to a direct job (decline_direct_job).
  declined_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (job_id, provider_id),
  check ((source = 'matched') = (rank is not null)),
  check (declined_at is null or source = 'direct')
);
comment on table public.job_matches is
  'Providers a job was shown to: notified by matching (source matched, with rank and score), chosen by the customer for a direct '
  'job (direct; declined_at when they declined) or who opened it (viewed).';
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
