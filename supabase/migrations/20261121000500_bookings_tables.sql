-- Module: bookings (tables)
-- A booking is a transaction between a customer and a provider for a time range. Its process is
-- declared as data (states, transitions, the actors allowed to take each) and every change goes
-- through one transition function that writes a timeline event. This file holds the error codes,
-- settings, the process definition, the tables and the registry through which later modules react
-- to transitions.
--
-- Decisions (see also docs/bookings.md):
--   * Actors. customer = the booking's customer; provider = the provider, or an owner/manager of
--     the business the booking was made with; business staff act as the provider only for the
--     transitions flagged booking_transitions.staff_may (progress: start_travel, arrive, start,
--     complete), never for accept/decline/cancel/dispute. operator = private.authorize
--     ('bookings.manage') on a booking the operator is not a party to. system = timers and
--     trusted back ends (service_role through the Data API).
--   * A wrong start code must be counted even though the call fails, so start_booking commits and
--     returns the error body ({code, message, details, hint}, HTTP 400/423 through the Data API)
--     instead of raising; transition_booking refuses 'start' so attempts cannot bypass the count.
--   * The start code is never stored: private.booking_secrets keeps a bcrypt hash for checking it,
--     and get_booking_start_code re-derives it for the customer from a server key (HMAC of the
--     booking id and a version bumped on reset). Reading booking_secrets alone reveals nothing.
--   * The QR payload is HLB1.<base64url json {b, r, iat}>.<base64url HMAC-SHA256>, keyed by
--     private.signing_keys('booking_qr') (random per database; rotate it, or keep it in Vault, on
--     hosted projects: rotating invalidates codes already shown, nothing else).

------------------------------------------------------------------------------------------------
-- Error codes of this module (HL4xx).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL400', 'booking_not_found', 404, 'The booking does not exist.',
   'Check the id: you only see bookings you are a party to (or work on as business staff).'),
  ('HL401', 'unknown_transition', 400, 'Unknown booking transition.',
   'Use a name from booking_transitions: accept, decline, cancel, start_travel, arrive, start, complete, dispute, resolve.'),
  ('HL402', 'transition_not_allowed_from_state', 409, 'This transition is not possible in the booking''s current state.',
   'Reload the booking: details name its current state and the states this transition starts from.'),
  ('HL403', 'actor_not_allowed', 403, 'You may not take this transition on this booking.',
   'See booking_transitions.actors; business staff only record progress (start_travel, arrive, start, complete).'),
  ('HL404', 'slot_unavailable', 409, 'The provider is not free at this time.',
   'Another booking or time off overlaps this period: pick another slot (get_available_slots).'),
  ('HL405', 'invalid_period', 400, 'The booking time is missing or invalid.',
   'Send p_start as an ISO 8601 timestamp with a time zone.'),
  ('HL406', 'booking_in_past', 400, 'The booking would start in the past.',
   'Pick a start time in the future.'),
  ('HL407', 'booking_too_soon', 400, 'The booking starts too soon.',
   'Bookings need the minimum notice given in details; pick a later slot.'),
  ('HL408', 'booking_too_far_ahead', 400, 'The booking is too far in the future.',
   'See details for the furthest bookable time.'),
  ('HL409', 'outside_availability', 409, 'The provider does not work at this time.',
   'The whole booking must fall inside the provider''s weekly hours; pick a slot from get_available_slots.'),
  ('HL411', 'listing_inactive', 409, 'This listing is not bookable right now.',
   'The provider has paused it; choose another listing.'),
  ('HL412', 'listing_not_bookable', 409, 'This listing is priced on quote and cannot be booked directly.',
   'Post a job request to receive offers instead.'),
  ('HL413', 'cannot_book_yourself', 409, 'You cannot book your own listing.',
   'Bookings are between a customer and a provider outside the customer''s own business.'),
  ('HL415', 'outside_service_area', 409, 'The location is outside the listing''s service area.',
   'Choose a provider who covers this location.'),
  ('HL417', 'request_expired', 409, 'The booking request has expired.',
   'The provider did not answer before the deadline; the customer can book again.'),
  ('HL418', 'transition_not_due', 409, 'This timed transition is not due yet.',
   'See details for when it becomes due.'),
  ('HL419', 'reason_required', 400, 'A reason is required for this transition.',
   'Send p_reason (1 to 1000 characters).'),
  ('HL420', 'dispute_window_closed', 409, 'The dispute window for this booking has closed.',
   'Disputes were possible until the time in details; contact support.'),
  ('HL421', 'start_code_required', 400, 'Starting a booking needs the customer''s start code.',
   'Ask the customer for the 6-digit code and call start_booking(p_booking_id, p_code).'),
  ('HL422', 'start_code_invalid', 400, 'The start code is wrong.',
   'Details give the attempts left; after the last one the code locks.'),
  ('HL423', 'start_code_locked', 423, 'Too many wrong start codes: the code is locked.',
   'The customer (or support) unlocks it with reset_booking_start_code, which issues a new code.'),
  ('HL424', 'start_code_not_available', 409, 'The start code is not available for this booking.',
   'Only the customer sees it, while the booking is accepted, en route or arrived.'),
  ('HL425', 'contact_not_available', 409, 'Contact details are shared only while a booking is active.',
   'booking_states.reveals_contact lists the states that share them.'),
  ('HL426', 'qr_invalid', 400, 'This booking QR code is not valid.',
   'Scan the code shown in the app; it may have been altered or belong to another system.'),
  ('HL427', 'qr_expired', 410, 'This booking QR code has expired.',
   'Ask the customer to open the booking again to show a fresh code.'),
  ('HL428', 'invalid_scan_event', 400, 'This event cannot be recorded by a scan.',
   'Use start_travel/en_route, arrive/arrived, complete/completed, or a track name of 2 to 40 lower-case letters, digits or underscores.'),
  ('HL429', 'scanner_not_authorized', 403, 'Only the provider and their business staff can scan this booking.',
   'Sign in with an account of the provider''s business.'),
  ('HL430', 'booking_not_active', 409, 'The booking is closed.',
   'Completed, declined, expired, cancelled and resolved bookings do not take this action.'),
  ('HL431', 'invalid_booking_filter', 400, 'Invalid booking list filter.',
   'p_as: customer or provider; p_when: upcoming, past or all; p_status: booking states; p_limit: 1 to 100.'),
  ('HL434', 'invalid_booking_input', 400, 'A booking field has an invalid value.',
   'See details: reasons up to 1000 characters, notes up to 2000, addresses up to 300, metadata a JSON object under 4 KB.'),
  ('HL435', 'account_has_active_bookings', 409, 'The account has bookings in progress.',
   'Finish, cancel or resolve the bookings listed in details before deleting the account.'),
  ('HL436', 'day_not_allowed', 403, 'Only a provider, or a member of the business, can list this day''s bookings.',
   'Call list_provider_day as a provider (your own bookings) or give p_business_id of a business you own, manage or work for.'),
  ('HL437', 'reschedule_too_late', 409, 'It is too late to move this booking.',
   'New times are proposed and answered until bookings.reschedule_cutoff_minutes before the current start (details); cancel instead.'),
  ('HL438', 'reschedule_limit_reached', 409, 'You have proposed as many new times for this booking as allowed.',
   'Each party may propose bookings.reschedule_max_proposals times per booking; keep the time or cancel.'),
  ('HL439', 'reschedule_pending', 409, 'A proposal to move this booking is waiting for an answer.',
   'Answer it with respond_booking_reschedule, or withdraw your own with withdraw_booking_reschedule, before proposing again.'),
  ('HL440', 'reschedule_not_found', 404, 'The reschedule proposal does not exist.',
   'Check the id: you see the proposals of bookings you are a party to.'),
  ('HL441', 'reschedule_not_pending', 409, 'The reschedule proposal is no longer waiting for an answer.',
   'Details give its status (accepted, declined, withdrawn, expired or void) or when it expired; reload the booking.'),
  ('HL442', 'reschedule_same_time', 400, 'The proposed start is the booking''s current start.',
   'Propose a different start (the booking keeps its length).'),
  ('HL443', 'reschedule_by_proposal', 400, 'A booking moves to a new time by proposal and answer.',
   'Call propose_booking_reschedule(p_booking_id, p_start, p_reason); the other party answers with respond_booking_reschedule.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('bookings.request_ttl_minutes', '120',
   'How long a provider has to accept a request to book. Always capped below bookings.card_authorization_window_minutes and at the start time.'),
  ('bookings.card_authorization_window_minutes', '10080',
   'How long a card authorisation (escrow hold) lives: 7 days. Requests expire at least an hour before it, so a hold never lapses silently.'),
  ('bookings.max_advance_days', '180',
   'How far ahead a listing can be booked.'),
  ('bookings.reminder_offsets_minutes', '[1440, 60]',
   'Reminders to both parties this many minutes before an accepted booking starts.'),
  ('bookings.auto_complete_after_minutes', '2880',
   'An in-progress booking nobody disputes completes automatically this long after its scheduled end (2 days).'),
  ('bookings.no_show_after_minutes', '60',
   'An accepted booking that has not started this long after its scheduled start is cancelled as a no-show.'),
  ('bookings.dispute_window_minutes', '2880',
   'How long after completion a party can still dispute a booking.'),
  ('bookings.start_code_max_attempts', '5',
   'Wrong start codes a provider may submit before the code locks.'),
  ('bookings.qr_ttl_minutes', '1440',
   'How long a booking QR payload stays valid after it is issued.'),
  ('bookings.default_cancellation_policy', '{"free_until_minutes": 1440, "fee_percent": 25}',
   'Cancellation policy when neither the listing nor its category has one.'),
  ('bookings.timer_batch_size', '500',
   'Most bookings each timer handles per run (pg_cron runs every minute).'),
  ('bookings.calendar_max_days', '62',
   'Longest range get_provider_calendar accepts, in days.'),
  ('bookings.stalled_after_minutes', '720',
   'An en-route or arrived booking that never started is cancelled by the system this long after its scheduled end (12 h).'),
  ('bookings.reschedule_max_proposals', '3',
   'How many new times each party may propose for one booking (answered, withdrawn or expired proposals count).'),
  ('bookings.reschedule_cutoff_minutes', '120',
   'New times are proposed and accepted until this long before the booking''s current start.'),
  ('bookings.reschedule_response_minutes', '1440',
   'How long the other party has to answer a proposal (it also expires at the cutoff before the current start).')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- The process, as data.
------------------------------------------------------------------------------------------------
create table public.booking_states (
  state text primary key check (state ~ '^[a-z_]+$'),
  description text not null,
  -- Holds the provider's time (and counts for the no-double-booking rule).
  holds_time boolean not null,
  -- The parties see each other's exact address and phone.
  reveals_contact boolean not null,
  is_terminal boolean not null,
  sort_order integer not null
);
comment on table public.booking_states is 'States of the booking process (data; read-only for clients).';

insert into public.booking_states (state, description, holds_time, reveals_contact, is_terminal, sort_order) values
  ('requested',   'Waiting for the provider to accept (request to book).',            true,  false, false, 10),
  ('accepted',    'Confirmed; the job is scheduled.',                                  true,  true,  false, 20),
  ('en_route',    'The provider is travelling to the customer.',                      true,  true,  false, 30),
  ('arrived',     'The provider has arrived.',                                         true,  true,  false, 40),
  ('in_progress', 'Work has started (the customer''s start code was accepted).',      true,  true,  false, 50),
  ('completed',   'Work is done.',                                                     false, false, true,  60),
  ('declined',    'The provider declined the request.',                                false, false, true,  70),
  ('expired',     'Nobody acted in time.',                                             false, false, true,  80),
  ('cancelled',   'Cancelled by a party, an operator or the system.',                 false, false, true,  90),
  ('disputed',    'A party disputes the outcome; an operator will resolve it.',       false, true,  false, 100),
  ('resolved',    'An operator resolved the dispute.',                                 false, false, true,  110)
on conflict (state) do update
  set description = excluded.description, holds_time = excluded.holds_time,
      reveals_contact = excluded.reveals_contact, is_terminal = excluded.is_terminal,
      sort_order = excluded.sort_order;

create table public.booking_transitions (
  name text not null check (name ~ '^[a-z_]+$'),
  from_state text not null references public.booking_states (state),
  to_state text not null references public.booking_states (state),
  -- Who may take it: customer, provider (the provider or their business owner/manager/staff),
  -- operator (an operator with bookings.manage), system (timers and trusted back ends).
  actors text[] not null check (actors <@ array['customer', 'provider', 'operator', 'system'] and cardinality(actors) > 0),
  description text not null,
  staff_may boolean not null default false,
  primary key (name, from_state)
);
comment on table public.booking_transitions is
  'Allowed transitions of the booking process: name, from, to and the actors who may take it (data; read-only for clients).';
create index booking_transitions_to_state_idx on public.booking_transitions (to_state);
comment on column public.booking_transitions.staff_may is
  'Business staff may take this provider transition (progress only). Owners and managers take every provider transition.';
insert into public.booking_transitions (name, from_state, to_state, actors, staff_may, description) values
  ('accept',            'requested',   'accepted',    '{provider}',                           false, 'The provider accepts the request.'),
  ('decline',           'requested',   'declined',    '{provider}',                           false, 'The provider declines the request.'),
  ('expire',            'requested',   'expired',     '{system}',                             false, 'The request was not accepted before its deadline.'),
  ('cancel',            'requested',   'cancelled',   '{customer,operator,system}',           false, 'The customer withdraws the request.'),
  ('cancel',            'accepted',    'cancelled',   '{customer,provider,operator,system}',  false, 'A party cancels before the provider sets off.'),
  ('cancel',            'en_route',    'cancelled',   '{customer,provider,operator,system}',  false, 'A party cancels while the provider is on the way; the system cancels it when it stalled (bookings.stalled_after_minutes after the scheduled end).'),
  ('cancel',            'arrived',     'cancelled',   '{provider,operator,system}',           false, 'The provider cancels on site (e.g. customer no-show); the system cancels it when it stalled (bookings.stalled_after_minutes after the scheduled end).'),
  ('start_travel',      'accepted',    'en_route',    '{provider}',                           true,  'The provider sets off.'),
  ('arrive',            'accepted',    'arrived',     '{provider}',                           true,  'The provider arrives (without travel tracking).'),
  ('arrive',            'en_route',    'arrived',     '{provider}',                           true,  'The provider arrives.'),
  ('start',             'arrived',     'in_progress', '{provider}',                           true,  'Work starts once the customer''s start code is accepted.'),
  ('complete',          'in_progress', 'completed',   '{provider,customer,system}',           true,  'Work is done (the provider marks it; the system auto-completes after the grace period).'),
  ('dispute',           'in_progress', 'disputed',    '{customer,provider}',                  false, 'A party raises a dispute during the job.'),
  ('dispute',           'completed',   'disputed',    '{customer,provider}',                  false, 'A party disputes a completed job within the dispute window.'),
  ('resolve',           'disputed',    'resolved',    '{operator,system}',                    false, 'An operator resolves the dispute (the system: the trust module''s timeout rule for abandoned disputes).'),
  ('no_show',           'accepted',    'cancelled',   '{system}',                             false, 'Nobody started the job long after its scheduled start.'),
  ('reschedule',        'accepted',    'accepted',    '{customer,provider}',                  false, 'The booking moves to a time both parties agreed: one proposed it (propose_booking_reschedule), the other accepted (respond_booking_reschedule, the actor of this transition).')
on conflict (name, from_state) do update
  set to_state = excluded.to_state, actors = excluded.actors, staff_may = excluded.staff_may,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Bookings
------------------------------------------------------------------------------------------------
create table public.bookings (
  id uuid primary key default gen_random_uuid(),
  number bigint generated always as identity unique,
  reference text generated always as ('HL-' || lpad(number::text, 6, '0')) stored,
  customer_id uuid not null references public.profiles (id),
  provider_id uuid not null references public.provider_profiles (id),
  -- The provider's business when the booking was made: its staff act on the booking.
  business_id uuid references public.businesses (id) on delete set null,
  listing_id uuid references public.service_listings (id) on delete set null,
  status text not null default 'requested' references public.booking_states (state),
  period tstzrange not null check (not isempty(period) and not lower_inf(period) and not upper_inf(period)),
  price bigint not null check (price >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  customer_note text check (customer_note is null or char_length(customer_note) <= 2000),
  -- Cancellation policy snapshot at booking time, e.g. {"free_until_minutes": 1440, "fee_percent": 20}.
  cancellation_policy jsonb not null default '{}'::jsonb,
  -- Deadlines and bookkeeping maintained by the transition function.
  request_expires_at timestamptz,
  start_code_attempts integer not null default 0,
  cancelled_by text check (cancelled_by is null or cancelled_by in ('customer', 'provider', 'operator', 'system')),
  cancel_reason text,
  accepted_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  status_changed_at timestamptz,
  free_cancellation_until timestamptz,
  cancelled_late boolean,
  check (customer_id <> provider_id),
  -- A provider is never double-booked: ranges of bookings that hold time never overlap. The states
  -- are those with booking_states.holds_time (a pgTAP test keeps the two lists equal).
  constraint bookings_no_double_booking exclude using gist (provider_id with =, period with &&)
    where (status in ('requested', 'accepted', 'en_route', 'arrived', 'in_progress'))
);
comment on table public.bookings is
  'A booking between a customer and a provider. Changed only through transition RPCs; every change writes a booking_events row.';
comment on column public.bookings.reference is 'Human-readable order number, e.g. HL-000123.';
comment on column public.bookings.period is 'Scheduled time range; holding states never overlap for one provider.';
comment on column public.bookings.status_changed_at is 'When the last transition happened (domain clock).';
comment on column public.bookings.free_cancellation_until is
  'The customer can cancel without a fee until this time (start minus the policy''s free_until_minutes).';
comment on column public.bookings.cancelled_late is
  'Set on cancellation: true when the customer cancelled after free_cancellation_until, so cancellation_policy.fee_percent applies.';
comment on column public.bookings.start_code_attempts is 'Wrong start codes submitted since the code was issued.';

-- What the parties must not read directly: the exact place (revealed through RPCs while the
-- booking is active) and the start code hash. Not exposed through the Data API.
create table private.booking_secrets (
  booking_id uuid primary key references public.bookings (id) on delete cascade,
  location extensions.geography(Point, 4326),
  address text check (address is null or char_length(address) <= 300),
  start_code_hash text,
  start_code_version integer not null default 0,
  start_code_issued_at timestamptz
);
comment on table private.booking_secrets is
  'Exact service location/address (revealed only while the booking is active) and the hash of the customer''s start code.';

create index bookings_customer_id_idx on public.bookings (customer_id, created_at desc);
create index bookings_provider_id_idx on public.bookings (provider_id, created_at desc);
create index bookings_listing_id_idx on public.bookings (listing_id);
create index bookings_status_idx on public.bookings (status);
-- Keyset pagination (my bookings) and timers.
create index bookings_customer_start_idx on public.bookings (customer_id, lower(period), id);
create index bookings_provider_start_idx on public.bookings (provider_id, lower(period), id);
create index bookings_business_start_idx on public.bookings (business_id, lower(period), id);
create index bookings_request_expires_at_idx on public.bookings (request_expires_at) where status = 'requested';
create index bookings_accepted_start_idx on public.bookings (lower(period)) where status = 'accepted';
create index bookings_in_progress_end_idx on public.bookings (upper(period)) where status = 'in_progress';
create index bookings_stalled_end_idx on public.bookings (upper(period)) where status in ('en_route', 'arrived');

create or replace trigger bookings_set_updated_at
  before update on public.bookings
  for each row execute function private.set_updated_at();

create table public.booking_events (
  id bigint generated always as identity primary key,
  booking_id uuid not null references public.bookings (id) on delete cascade,
  transition text not null,
  from_state text references public.booking_states (state),
  to_state text not null references public.booking_states (state),
  actor_id uuid references public.profiles (id) on delete set null,
  actor_role text not null check (actor_role in ('customer', 'provider', 'operator', 'system')),
  reason text check (reason is null or char_length(reason) <= 1000),
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.booking_events is 'Timeline of a booking: every transition (and progress scans) with actor, states, reason and metadata.';
create index booking_events_booking_id_idx on public.booking_events (booking_id, id);
create index booking_events_actor_id_idx on public.booking_events (actor_id);

-- Proposals to move a booking to a new time. One party proposes, the other accepts (the booking
-- takes the transition 'reschedule'), declines, or lets it expire; the proposer may withdraw it;
-- it becomes void when the booking leaves the states it can be rescheduled from. Every change of a
-- proposal goes through private.close_booking_reschedule and writes a booking_events row.
create table public.booking_reschedules (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null references public.bookings (id) on delete cascade,
  proposed_by uuid references public.profiles (id) on delete set null,
  proposer_role text not null check (proposer_role in ('customer', 'provider')),
  previous_period tstzrange not null,
  proposed_period tstzrange not null check (not isempty(proposed_period) and not lower_inf(proposed_period) and not upper_inf(proposed_period)),
  reason text not null check (char_length(reason) between 1 and 1000),
  status text not null default 'pending'
    check (status in ('pending', 'accepted', 'declined', 'withdrawn', 'expired', 'void')),
  expires_at timestamptz not null,
  answered_by uuid references public.profiles (id) on delete set null,
  answer_reason text check (answer_reason is null or char_length(answer_reason) <= 1000),
  closed_at timestamptz,
  created_at timestamptz not null default now(),
  check ((status = 'pending') = (closed_at is null))
);
comment on table public.booking_reschedules is
  'Proposals to move a booking to a new time (same length): pending until the other party accepts or declines, the proposer withdraws, it expires, or the booking leaves the accepted state (void). Read-only for clients: propose_booking_reschedule, respond_booking_reschedule, withdraw_booking_reschedule.';
comment on column public.booking_reschedules.proposer_role is 'customer, or provider (the provider or an owner/manager of its business).';
comment on column public.booking_reschedules.previous_period is 'The booking''s time when the proposal was made.';
comment on column public.booking_reschedules.expires_at is
  'Unanswered proposals expire then: bookings.reschedule_response_minutes after the proposal, at the latest bookings.reschedule_cutoff_minutes before the booking''s start.';
create unique index booking_reschedules_one_pending_idx on public.booking_reschedules (booking_id) where status = 'pending';
create index booking_reschedules_booking_id_idx on public.booking_reschedules (booking_id, created_at);
create index booking_reschedules_expires_at_idx on public.booking_reschedules (expires_at) where status = 'pending';
create index booking_reschedules_proposed_by_idx on public.booking_reschedules (proposed_by);
create index booking_reschedules_answered_by_idx on public.booking_reschedules (answered_by);

-- Reminders already sent (timers are idempotent).
create table private.booking_reminders (
  booking_id uuid not null references public.bookings (id) on delete cascade,
  offset_minutes integer not null,
  sent_at timestamptz not null,
  primary key (booking_id, offset_minutes)
);
comment on table private.booking_reminders is 'Reminders sent per booking and offset, so the timer never sends one twice.';

------------------------------------------------------------------------------------------------
-- Server keys for start codes and QR payloads. Random per database; never exposed.
------------------------------------------------------------------------------------------------
create table private.signing_keys (
  purpose text primary key check (purpose ~ '^[a-z_]+$'),
  secret bytea not null check (octet_length(secret) >= 32),
  created_at timestamptz not null default now()
);
comment on table private.signing_keys is
  'HMAC keys by purpose (booking_qr, booking_start_code). Rotate on hosted projects (or move them to Vault): rotating booking_qr invalidates QR codes already shown; start codes re-derive on the next read.';
insert into private.signing_keys (purpose, secret) values
  ('booking_qr', extensions.gen_random_bytes(32)),
  ('booking_start_code', extensions.gen_random_bytes(32))
on conflict (purpose) do nothing;
revoke all on private.signing_keys, private.booking_reminders from anon, authenticated, service_role;

insert into public.role_permissions (role, permission) values
  ('admin', 'bookings.manage'),
  ('support', 'bookings.manage')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Transition handlers: how later modules react to a booking's transitions. A module registers a
-- function (p_booking public.bookings, p_transition text, p_actor_role text, p_reason text,
-- p_metadata jsonb) returning void, optionally only for some target states; the transition path
-- (private.apply_booking_transition) calls them in position order, in the same transaction, after
-- the booking row and its timeline event are written. An error cancels the transition.
------------------------------------------------------------------------------------------------
create table private.booking_transition_handlers (
  handler text primary key,
  position integer not null unique,
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  -- Target states the handler is called for; null for every transition.
  to_states text[],
  description text not null
);
comment on table private.booking_transition_handlers is
  'Functions (public.bookings, transition text, actor_role text, reason text, metadata jsonb) -> void that later modules '
  'register to react to booking transitions (to_states: only transitions into these states). Called in position order by '
  'private.apply_booking_transition.';

create or replace trigger booking_transition_handlers_check_handler
  before insert or update on private.booking_transition_handlers
  for each row execute function private.check_registry_handler('public.bookings, text, text, text, jsonb', 'void');
