-- Module: bookings (behaviour)
-- The one transition path (public.transition_booking for people, the same private function for
-- timers), booking a listing (instant or request to book), start codes, signed QR payloads and
-- scans, contact reveal, reading RPCs, timed transitions with pg_cron and a notifications outbox.
--
-- Decisions (see also the README's bookings section):
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
  ('HL416', 'invalid_cancellation_policy', 400, 'The cancellation policy is invalid.',
   'Use {"free_until_minutes": integer from 0 to 525600, "fee_percent": number from 0 to 100}, or null to inherit.'),
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
   'Finish, cancel or resolve the bookings listed in details before deleting the account.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Settings (operators tune them in private.settings).
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
  -- Shared with the catalog module (get_available_slots): bookings honour the same notice.
  ('catalog.min_notice_minutes', '60',
   'Slots start at least this many minutes after now.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Cancellation policies: per listing, else per category (nearest ancestor), else the default.
------------------------------------------------------------------------------------------------
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

alter table public.service_listings
  add column if not exists booking_mode text not null default 'request'
    constraint service_listings_booking_mode_check check (booking_mode in ('instant', 'request')),
  add column if not exists cancellation_policy jsonb
    constraint service_listings_cancellation_policy_check
    check (cancellation_policy is null or private.is_valid_cancellation_policy(cancellation_policy));
comment on column public.service_listings.booking_mode is
  'instant: a booking is accepted at once; request: the provider accepts or declines before bookings.request_ttl_minutes.';
comment on column public.service_listings.cancellation_policy is
  'Cancellation policy {"free_until_minutes", "fee_percent"}; null inherits the category''s, then the default.';
grant insert (booking_mode, cancellation_policy), update (booking_mode, cancellation_policy)
  on public.service_listings to authenticated;

alter table public.categories
  add column if not exists cancellation_policy jsonb
    constraint categories_cancellation_policy_check
    check (cancellation_policy is null or private.is_valid_cancellation_policy(cancellation_policy));
comment on column public.categories.cancellation_policy is
  'Cancellation policy for listings of this category and its descendants that have none; null inherits from the parent.';
grant insert (cancellation_policy), update (cancellation_policy) on public.categories to authenticated;

-- Actionable errors before the check constraints (which stay as the last line of defence).
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

create or replace function private.effective_cancellation_policy(p_listing_id uuid)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select l.cancellation_policy from public.service_listings l where l.id = p_listing_id),
    (select c.cancellation_policy
       from public.service_listings l
       join public.categories lc on lc.id = l.category_id
      cross join lateral pg_catalog.unnest(lc.path_ids) with ordinality as u(id, depth)
       join public.categories c on c.id = u.id
      where l.id = p_listing_id and c.cancellation_policy is not null
      order by u.depth desc
      limit 1),
    private.setting('bookings.default_cancellation_policy'));
$$;
comment on function private.effective_cancellation_policy(uuid) is
  'The listing''s cancellation policy, else its nearest category''s, else bookings.default_cancellation_policy.';
revoke all on function
  private.effective_cancellation_policy(uuid)
  from public, anon, authenticated, service_role;
grant execute on function private.effective_cancellation_policy(uuid) to service_role;

------------------------------------------------------------------------------------------------
-- Process data: which provider transitions business staff may take.
------------------------------------------------------------------------------------------------
alter table public.booking_transitions
  add column if not exists staff_may boolean not null default false;
comment on column public.booking_transitions.staff_may is
  'Business staff may take this provider transition (progress only). Owners and managers take every provider transition.';
update public.booking_transitions
   set staff_may = (name in ('start_travel', 'arrive', 'start', 'complete'))
 where name is not null;

------------------------------------------------------------------------------------------------
-- Booking columns maintained by the transition function.
------------------------------------------------------------------------------------------------
alter table public.bookings
  add column if not exists status_changed_at timestamptz,
  add column if not exists free_cancellation_until timestamptz,
  add column if not exists cancelled_late boolean;
comment on column public.bookings.status_changed_at is 'When the last transition happened (domain clock).';
comment on column public.bookings.free_cancellation_until is
  'The customer can cancel without a fee until this time (start minus the policy''s free_until_minutes).';
comment on column public.bookings.cancelled_late is
  'Set on cancellation: true when the customer cancelled after free_cancellation_until (the money module charges cancellation_policy.fee_percent).';
comment on column public.bookings.start_code_attempts is 'Wrong start codes submitted since the code was issued.';

-- Keyset pagination (my bookings) and timers.
create index if not exists bookings_customer_start_idx on public.bookings (customer_id, lower(period), id);
create index if not exists bookings_provider_start_idx on public.bookings (provider_id, lower(period), id);
create index if not exists bookings_business_start_idx on public.bookings (business_id, lower(period), id);
drop index if exists public.bookings_business_id_idx;
create index if not exists bookings_accepted_start_idx on public.bookings (lower(period)) where status = 'accepted';
create index if not exists bookings_in_progress_end_idx on public.bookings (upper(period)) where status = 'in_progress';

alter table private.booking_secrets
  add column if not exists start_code_version integer not null default 0,
  add column if not exists start_code_issued_at timestamptz;

-- Reminders already sent (timers are idempotent).
create table if not exists private.booking_reminders (
  booking_id uuid not null references public.bookings (id) on delete cascade,
  offset_minutes integer not null,
  sent_at timestamptz not null,
  primary key (booking_id, offset_minutes)
);
comment on table private.booking_reminders is 'Reminders sent per booking and offset, so the timer never sends one twice.';

------------------------------------------------------------------------------------------------
-- Server keys for start codes and QR payloads. Random per database; never exposed.
------------------------------------------------------------------------------------------------
create table if not exists private.signing_keys (
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

------------------------------------------------------------------------------------------------
-- Notifications outbox (shared shape with the jobs module; the notifications module will add
-- preferences and push delivery).
------------------------------------------------------------------------------------------------
create table if not exists public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles(id) on delete cascade,
  kind text not null,
  payload jsonb not null default '{}',
  created_at timestamptz not null default now(),
  read_at timestamptz
);
comment on table public.notifications is
  'In-app notifications (outbox for push): kind such as booking.accepted, payload with ids. Users read and mark their own.';
create index if not exists notifications_user_id_idx on public.notifications (user_id, created_at desc);

alter table public.notifications enable row level security;
drop policy if exists "Users can read their own notifications" on public.notifications;
create policy "Users can read their own notifications" on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()));
drop policy if exists "Users can mark their own notifications read" on public.notifications;
create policy "Users can mark their own notifications read" on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
revoke all on table public.notifications from anon, authenticated, service_role;
grant select, update (read_at) on public.notifications to authenticated;
grant select, insert, update, delete on public.notifications to service_role;

create or replace function private.notify(p_user_id uuid, p_kind text, p_payload jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_user_id is null then
    return;
  end if;
  insert into public.notifications (user_id, kind, payload)
  values (p_user_id, p_kind, coalesce(p_payload, '{}'::jsonb));
end;
$$;
comment on function private.notify(uuid, text, jsonb) is 'Queues an in-app notification for a user (no-op for a null user).';
revoke all on function private.notify(uuid, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.notify(uuid, text, jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- Busy periods (supersedes the catalog's version: time off + bookings that hold time) and the
-- weekly-hours check in the provider's time zone.
------------------------------------------------------------------------------------------------
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
     and t.period && p_range
  union all
  -- The same states as the bookings_no_double_booking exclusion constraint (so its index serves).
  select b.period
    from public.bookings b
   where b.provider_id = p_provider_id
     and b.status in ('requested', 'accepted', 'en_route', 'arrived', 'in_progress')
     and b.period && p_range;
$$;
comment on function private.provider_busy_periods(uuid, tstzrange) is
  'Periods when a provider cannot take work, overlapping a range: time off and bookings that hold time (requested to in_progress).';
grant execute on function private.provider_busy_periods(uuid, tstzrange) to service_role;

create or replace function private.is_within_availability(p_provider_id uuid, p_period tstzrange)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.provider_open_hours(p_provider_id, p_period) @> p_period;
$$;
comment on function private.is_within_availability(uuid, tstzrange) is
  'True when the whole period lies inside the provider''s weekly hours (rules in the provider''s time zone, weekday 0 = Sunday).';
revoke all on function
  private.is_within_availability(uuid, tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.is_within_availability(uuid, tstzrange) to service_role;

------------------------------------------------------------------------------------------------
-- Start codes: derived from a server key, hashed at rest, checked with a limited number of tries.
------------------------------------------------------------------------------------------------
create or replace function private.derive_start_code(p_booking_id uuid, p_version integer)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.lpad((
           ('x' || pg_catalog.substr(pg_catalog.encode(extensions.hmac(
              pg_catalog.convert_to(p_booking_id::text || ':' || p_version::text, 'UTF8'), k.secret, 'sha256'), 'hex'), 1, 12)
           )::bit(48)::bigint % 1000000)::text, 6, '0')
    from private.signing_keys k
   where k.purpose = 'booking_start_code';
$$;
comment on function private.derive_start_code(uuid, integer) is
  'The 6-digit start code of a booking and code version: HMAC-SHA256 with the booking_start_code key. Never stored.';

create or replace function private.issue_start_code(p_booking_id uuid, p_new_version boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_version integer;
begin
  select s.start_code_version + case when p_new_version then 1 else 0 end into v_version
    from private.booking_secrets s where s.booking_id = p_booking_id for update;
  if not found then
    raise exception using errcode = 'XX000', message = pg_catalog.format('booking %s has no secrets row', p_booking_id);
  end if;
  update private.booking_secrets
     set start_code_version = v_version,
         start_code_hash = extensions.crypt(private.derive_start_code(p_booking_id, v_version), extensions.gen_salt('bf', 6)),
         start_code_issued_at = private.now()
   where booking_id = p_booking_id;
end;
$$;
comment on function private.issue_start_code(uuid, boolean) is
  'Stores the bcrypt hash of the booking''s start code (a new code when p_new_version).';

------------------------------------------------------------------------------------------------
-- Creating a booking: same signature as before (accept_offer uses it); now also sets the
-- deadlines, the free-cancellation window and, for accepted bookings, the start code.
-- Overlaps still surface as 23P01 (exclusion_violation) for the caller to translate.
------------------------------------------------------------------------------------------------
create or replace function private.create_booking(
  p_customer_id uuid,
  p_provider_id uuid,
  p_period tstzrange,
  p_price bigint,
  p_currency char(3),
  p_status text,
  p_actor_role text,
  p_listing_id uuid default null,
  p_job_id uuid default null,
  p_offer_id uuid default null,
  p_location extensions.geography default null,
  p_address text default null,
  p_customer_note text default null,
  p_cancellation_policy jsonb default '{}'::jsonb,
  p_request_expires_at timestamptz default null
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_now timestamptz := private.now();
  v_policy jsonb := p_cancellation_policy;
  v_expires timestamptz;
begin
  if p_status not in ('requested', 'accepted') then
    raise exception using errcode = 'XX000', message = pg_catalog.format('a booking cannot start in state %L', p_status);
  end if;
  if v_policy is null or v_policy = '{}'::jsonb then
    v_policy := case when p_listing_id is not null then private.effective_cancellation_policy(p_listing_id)
                     else private.setting('bookings.default_cancellation_policy') end;
  end if;
  if not private.is_valid_cancellation_policy(v_policy) then
    perform private.raise_error('HL416', pg_catalog.format('%s', v_policy));
  end if;
  -- One booking insert at a time per provider. The exclusion constraint alone is race-free, but
  -- two concurrent overlapping inserts each wait for the other's index entry and one of them dies
  -- as a deadlock (40P01) after deadlock_timeout. Serialising per provider turns every loser into
  -- an immediate, clean exclusion violation (23P01) and keeps the latency flat.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('hyperlocal.booking:' || p_provider_id::text, 0));

  if p_status = 'requested' then
    -- Never after the start, and always well inside a card authorisation's life.
    v_expires := least(
      coalesce(p_request_expires_at,
               v_now + pg_catalog.make_interval(mins => (private.setting('bookings.request_ttl_minutes'))::integer)),
      v_now + pg_catalog.make_interval(mins => (private.setting('bookings.card_authorization_window_minutes'))::integer - 60),
      pg_catalog.lower(p_period));
  end if;

  insert into public.bookings (
    customer_id, provider_id, business_id, listing_id, job_id, offer_id, status, period, price, currency,
    customer_note, cancellation_policy, request_expires_at, accepted_at, status_changed_at, free_cancellation_until)
  values (
    p_customer_id, p_provider_id,
    (select pp.business_id from public.provider_profiles pp where pp.id = p_provider_id),
    p_listing_id, p_job_id, p_offer_id, p_status, p_period, p_price, p_currency,
    p_customer_note, v_policy, v_expires,
    case when p_status = 'accepted' then v_now end,
    v_now,
    pg_catalog.lower(p_period) - pg_catalog.make_interval(mins => (v_policy ->> 'free_until_minutes')::numeric::integer))
  returning * into v_booking;

  insert into private.booking_secrets (booking_id, location, address)
  values (v_booking.id, p_location, p_address);

  if p_status = 'accepted' then
    perform private.issue_start_code(v_booking.id, false);
  end if;

  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (v_booking.id, 'create', null, p_status,
          case when p_actor_role = 'system' then null else (select auth.uid()) end,
          p_actor_role,
          pg_catalog.jsonb_build_object('listing_id', p_listing_id, 'job_id', p_job_id, 'offer_id', p_offer_id));
  return v_booking;
end;
$$;
comment on function private.create_booking(uuid, uuid, tstzrange, bigint, char, text, text, uuid, uuid, uuid, extensions.geography, text, text, jsonb, timestamptz) is
  'Inserts a booking in state requested or accepted (with its secrets, start code when accepted, deadlines and free-cancellation window) and its first timeline event. An empty policy takes the listing''s effective policy. The exclusion constraint refuses overlaps (23P01).';

------------------------------------------------------------------------------------------------
-- Who is the caller on a booking.
------------------------------------------------------------------------------------------------
create or replace function private.booking_caller_roles(p_customer_id uuid, p_provider_id uuid, p_business_id uuid)
returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_roles text[] := '{}'::text[];
  v_business_role text;
begin
  if v_uid is null then
    return v_roles;
  end if;
  if v_uid = p_customer_id then
    v_roles := v_roles || 'customer'::text;
  end if;
  if v_uid = p_provider_id then
    v_roles := v_roles || 'provider'::text;
  elsif p_business_id is not null then
    select bm.role into v_business_role
      from public.business_members bm
     where bm.business_id = p_business_id and bm.user_id = v_uid;
    if v_business_role in ('owner', 'manager') then
      v_roles := v_roles || 'provider'::text;
    elsif v_business_role = 'staff' then
      v_roles := v_roles || 'staff'::text;
    end if;
  end if;
  -- Operators act as operators only on bookings they are not a party to.
  if pg_catalog.cardinality(v_roles) = 0 and private.authorize('bookings.manage') then
    v_roles := v_roles || 'operator'::text;
  end if;
  return v_roles;
end;
$$;
comment on function private.booking_caller_roles(uuid, uuid, uuid) is
  'The calling user''s roles on a booking: customer, provider (the provider or a business owner/manager), staff (business staff), operator (bookings.manage, non-parties only).';

-- Business staff and the business's finances.
-- Decision: staff do the work (travel, arrive, start with the code, complete, scan) and see what
-- the work needs (when, where, who, the listing, the timeline), but not the money: a booking's
-- price is the business's revenue, and reading every booking row would add up to its books.
--   * bookings and booking_events rows are readable by the customer, the provider, the owners and
--     managers of the business the booking was made with, and operators; not by staff;
--   * staff read bookings through the RPCs (get_booking, list_my_bookings, get_provider_calendar)
--     and get the rows that the transition RPCs return, all without price, currency and the
--     cancellation terms (policy, free-cancellation deadline, late flag): those come back null
--     (and are left out of the timeline's metadata).
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

revoke all on function
  private.is_staff_only(text[]),
  private.booking_for_viewer(public.bookings, text[])
  from public, anon, authenticated, service_role;
grant execute on function private.is_staff_only(text[]), private.booking_for_viewer(public.bookings, text[])
  to authenticated, service_role;

create or replace function private.is_service_role()
returns boolean
language sql
stable
set search_path = ''
as $$
  select (select auth.uid()) is null and coalesce((select auth.role()), '') = 'service_role';
$$;
comment on function private.is_service_role() is 'True for a service_role request without a user (trusted back ends act as the system).';

------------------------------------------------------------------------------------------------
-- Errors a call must commit with (start code attempts): the PostgREST error body and status
-- without rolling back.
------------------------------------------------------------------------------------------------
create or replace function private.error_body(p_code text, p_details text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_entry private.error_codes;
begin
  select * into v_entry from private.error_codes where code = p_code;
  if not found then
    raise exception using errcode = 'XX000', message = pg_catalog.format('unknown error code %L', p_code);
  end if;
  if coalesce(pg_catalog.current_setting('request.method', true), '') <> '' then
    perform pg_catalog.set_config('response.status', v_entry.http_status::text, true);
  end if;
  return pg_catalog.jsonb_build_object(
    'code', v_entry.code, 'message', v_entry.message, 'details', p_details, 'hint', v_entry.hint);
end;
$$;
comment on function private.error_body(text, text) is
  'A registered error as a return value {code, message, details, hint}; inside a Data API request also sets the HTTP status. For failures whose side effects must commit.';

------------------------------------------------------------------------------------------------
-- The one transition path. Everything that changes a booking's status goes through here:
-- people (through transition_booking/start_booking/scan_booking), timers and back ends.
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
-- Public: transitions
------------------------------------------------------------------------------------------------
create or replace function private.check_transition_input(p_reason text, p_metadata jsonb)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_reason is not null and pg_catalog.char_length(p_reason) > 1000 then
    perform private.raise_error('HL434', 'p_reason is limited to 1000 characters');
  end if;
  if p_metadata is not null and (pg_catalog.jsonb_typeof(p_metadata) <> 'object'
                                 or pg_catalog.octet_length(p_metadata::text) > 4096) then
    perform private.raise_error('HL434', 'p_metadata must be a JSON object under 4 KB');
  end if;
end;
$$;
comment on function private.check_transition_input(text, jsonb) is 'Validates a transition''s reason and metadata (HL434).';

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
revoke all on function
  public.transition_booking(uuid, text, text, jsonb)
  from public, anon, authenticated, service_role;
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
revoke all on function public.start_booking(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.start_booking(uuid, text) to authenticated;

create or replace function public.get_booking_start_code(p_booking_id uuid)
returns table (code text, attempts_left integer, locked boolean)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_secret private.booking_secrets;
  v_code text;
  v_max integer := (private.setting('bookings.start_code_max_attempts'))::integer;
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
  if not ('customer' = any (v_roles)) then
    perform private.raise_error('HL403', 'only the customer sees the start code');
  end if;
  if v_booking.status not in ('accepted', 'en_route', 'arrived') then
    perform private.raise_error('HL424', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  select * into v_secret from private.booking_secrets s where s.booking_id = p_booking_id;
  v_code := private.derive_start_code(p_booking_id, v_secret.start_code_version);
  -- The key was rotated (or the code never issued): issue it again under the current key.
  if v_secret.start_code_hash is null or extensions.crypt(v_code, v_secret.start_code_hash) <> v_secret.start_code_hash then
    perform private.issue_start_code(p_booking_id, false);
  end if;
  return query select v_code, greatest(v_max - v_booking.start_code_attempts, 0), v_booking.start_code_attempts >= v_max;
end;
$$;
comment on function public.get_booking_start_code(uuid) is
  'The booking''s 6-digit start code, for its customer only, while the booking is accepted, en_route or arrived; with the provider''s attempts left. Errors: HL400, HL403, HL424.';
revoke all on function public.get_booking_start_code(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_start_code(uuid) to authenticated;

create or replace function public.reset_booking_start_code(p_booking_id uuid)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_booking public.bookings;
  v_roles text[];
  v_actor text;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_actor := case when 'customer' = any (v_roles) then 'customer' when 'operator' = any (v_roles) then 'operator' end;
  if v_actor is null then
    perform private.raise_error('HL403', 'only the customer or an operator resets the start code');
  end if;
  if v_booking.status not in ('accepted', 'en_route', 'arrived') then
    perform private.raise_error('HL424', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  perform private.issue_start_code(p_booking_id, true);
  update public.bookings b set start_code_attempts = 0 where b.id = p_booking_id returning * into v_booking;
  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (p_booking_id, 'start_code_reset', v_booking.status, v_booking.status, v_uid, v_actor, '{}'::jsonb);
  if v_actor = 'operator' then
    perform private.notify(v_booking.customer_id, 'booking.start_code_reset',
      pg_catalog.jsonb_build_object('booking_id', v_booking.id, 'reference', v_booking.reference));
  end if;
  return v_booking;
end;
$$;
comment on function public.reset_booking_start_code(uuid) is
  'Issues a new start code and clears the wrong attempts (unlocks). The customer or an operator, while the booking is accepted, en_route or arrived. Errors: HL400, HL403, HL424.';
revoke all on function public.reset_booking_start_code(uuid) from public, anon, authenticated, service_role;
grant execute on function public.reset_booking_start_code(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Public: booking a listing (instant book or request to book).
------------------------------------------------------------------------------------------------
create or replace function public.book_listing(
  p_listing_id uuid,
  p_start timestamptz,
  p_lat double precision default null,
  p_lng double precision default null,
  p_address text default null,
  p_note text default null
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_listing public.service_listings;
  v_provider public.provider_profiles;
  v_period tstzrange;
  v_location extensions.geography;
  v_price bigint;
  v_notice integer := (private.setting('catalog.min_notice_minutes'))::integer;
  v_max_days integer := (private.setting('bookings.max_advance_days'))::integer;
  v_status text;
  v_booking public.bookings;
begin
  if v_uid is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_listing from public.service_listings l where l.id = p_listing_id;
  if not found then
    perform private.raise_error('HL219', pg_catalog.format('listing %s', p_listing_id));
  end if;
  select * into v_provider from public.provider_profiles p where p.id = v_listing.provider_id;
  if v_provider.id = v_uid
     or (v_provider.business_id is not null
         and exists (select 1 from public.business_members bm
                      where bm.business_id = v_provider.business_id and bm.user_id = v_uid)) then
    perform private.raise_error('HL413');
  end if;
  if not v_listing.is_active then
    perform private.raise_error('HL411', pg_catalog.format('listing %s', p_listing_id));
  end if;
  if v_listing.pricing_unit = 'quote' then
    perform private.raise_error('HL412', pg_catalog.format('listing %s', p_listing_id));
  end if;

  if p_start is null or pg_catalog.isfinite(p_start) is false then
    perform private.raise_error('HL405', 'p_start is required');
  end if;
  if p_start <= v_now then
    perform private.raise_error('HL406', pg_catalog.format('%s is before now (%s)', p_start, v_now));
  end if;
  if p_start < v_now + pg_catalog.make_interval(mins => v_notice) then
    perform private.raise_error('HL407', pg_catalog.format('at least %s minutes of notice', v_notice));
  end if;
  if p_start > v_now + pg_catalog.make_interval(days => v_max_days) then
    perform private.raise_error('HL408', pg_catalog.format('bookable until %s', v_now + pg_catalog.make_interval(days => v_max_days)));
  end if;

  if (p_lat is null) <> (p_lng is null) then
    perform private.raise_error('HL008', pg_catalog.format('lat %s, lng %s', p_lat, p_lng));
  end if;
  if p_lat is not null then
    v_location := private.make_point(p_lat, p_lng);
    if not extensions.st_covers(v_listing.coverage, v_location) then
      perform private.raise_error('HL415', pg_catalog.format('lat %s, lng %s', p_lat, p_lng));
    end if;
  end if;
  if p_address is not null and pg_catalog.char_length(p_address) > 300 then
    perform private.raise_error('HL434', 'p_address is limited to 300 characters');
  end if;
  if p_note is not null and pg_catalog.char_length(p_note) > 2000 then
    perform private.raise_error('HL434', 'p_note is limited to 2000 characters');
  end if;

  v_period := pg_catalog.tstzrange(p_start, p_start + pg_catalog.make_interval(mins => v_listing.duration_minutes), '[)');
  if not private.is_within_availability(v_provider.id, v_period) then
    perform private.raise_error('HL409', pg_catalog.format('%s to %s (%s)', pg_catalog.lower(v_period),
      pg_catalog.upper(v_period), v_provider.timezone));
  end if;
  if exists (select 1 from private.provider_busy_periods(v_provider.id, v_period)) then
    perform private.raise_error('HL404', pg_catalog.format('%s to %s', pg_catalog.lower(v_period), pg_catalog.upper(v_period)));
  end if;

  v_price := case v_listing.pricing_unit
    when 'hourly' then pg_catalog.round(v_listing.base_price * v_listing.duration_minutes / 60.0)::bigint
    else v_listing.base_price
  end;
  v_status := case v_listing.booking_mode when 'instant' then 'accepted' else 'requested' end;

  begin
    v_booking := private.create_booking(
      p_customer_id => v_uid,
      p_provider_id => v_provider.id,
      p_period => v_period,
      p_price => v_price,
      p_currency => v_listing.currency,
      p_status => v_status,
      p_actor_role => 'customer',
      p_listing_id => v_listing.id,
      p_location => v_location,
      p_address => nullif(pg_catalog.btrim(p_address), ''),
      p_customer_note => nullif(pg_catalog.btrim(p_note), ''),
      p_cancellation_policy => private.effective_cancellation_policy(v_listing.id));
  exception when exclusion_violation then
    -- Someone else took the slot between the check and the insert (concurrent requests).
    perform private.raise_error('HL404', pg_catalog.format('%s to %s', pg_catalog.lower(v_period), pg_catalog.upper(v_period)));
  end;

  perform private.notify(v_booking.provider_id, 'booking.' || v_status,
    pg_catalog.jsonb_build_object('booking_id', v_booking.id, 'reference', v_booking.reference,
      'transition', 'create', 'to', v_status, 'actor', 'customer', 'starts_at', p_start,
      'request_expires_at', v_booking.request_expires_at));
  return v_booking;
end;
$$;
comment on function public.book_listing(uuid, timestamptz, double precision, double precision, text, text) is
  'Books a listing for [p_start, p_start + duration): accepted at once when the listing''s booking_mode is instant, else requested until the provider answers (request_expires_at). Validates the listing, the start (future, catalog.min_notice_minutes, bookings.max_advance_days), the location (inside the listing''s coverage), the provider''s weekly hours, time off and other bookings; price from the listing; snapshots the cancellation policy. Errors: HL404 (taken, also under concurrent requests), HL405-HL415, HL434.';
revoke all on function
  public.book_listing(uuid, timestamptz, double precision, double precision, text, text)
  from public, anon, authenticated, service_role;
grant execute on function public.book_listing(uuid, timestamptz, double precision, double precision, text, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Public: contact reveal
------------------------------------------------------------------------------------------------
create or replace function public.get_booking_contact(p_booking_id uuid)
returns table (
  counterpart_role text,
  counterpart_id uuid,
  full_name text,
  phone text,
  location_lat double precision,
  location_lng double precision,
  address text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_secret private.booking_secrets;
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
  if v_roles = array['operator'] then
    perform private.raise_error('HL403', 'contact details are shared between the parties only');
  end if;
  if not exists (select 1 from public.booking_states s where s.state = v_booking.status and s.reveals_contact) then
    perform private.raise_error('HL425', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  select * into v_secret from private.booking_secrets s where s.booking_id = p_booking_id;

  if 'customer' = any (v_roles) then
    return query
    select 'provider'::text, pp.id, pp.display_name, ppr.phone,
           extensions.st_y(v_secret.location::extensions.geometry), extensions.st_x(v_secret.location::extensions.geometry),
           v_secret.address
      from public.provider_profiles pp
      left join public.profile_private ppr on ppr.profile_id = pp.id
     where pp.id = v_booking.provider_id;
  else
    return query
    select 'customer'::text, p.id, p.full_name, ppr.phone,
           extensions.st_y(v_secret.location::extensions.geometry), extensions.st_x(v_secret.location::extensions.geometry),
           v_secret.address
      from public.profiles p
      left join public.profile_private ppr on ppr.profile_id = p.id
     where p.id = v_booking.customer_id;
  end if;
end;
$$;
comment on function public.get_booking_contact(uuid) is
  'The other party''s name and phone and the exact service location/address, for the parties (provider side includes business staff) while the booking''s state reveals_contact. Errors: HL400, HL403 (operators), HL425.';
revoke all on function public.get_booking_contact(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_contact(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Public: QR payloads and scans
------------------------------------------------------------------------------------------------
create or replace function private.base64url(p_bytes bytea)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.translate(pg_catalog.encode(p_bytes, 'base64'), E'+/=\n', '-_');
$$;
comment on function private.base64url(bytea) is 'Base64url without padding.';

create or replace function private.base64url_decode(p_text text)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.decode(
    pg_catalog.rpad(pg_catalog.translate(p_text, '-_', '+/'),
                    (pg_catalog.char_length(p_text) + 3) / 4 * 4, '='), 'base64');
$$;
comment on function private.base64url_decode(text) is 'Decodes base64url with or without padding.';

create or replace function private.sign_booking_qr(p_body text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select private.base64url(extensions.hmac(pg_catalog.convert_to('HLB1.' || p_body, 'UTF8'), k.secret, 'sha256'))
    from private.signing_keys k
   where k.purpose = 'booking_qr';
$$;
comment on function private.sign_booking_qr(text) is 'HMAC-SHA256 (base64url) of a QR body with the booking_qr key.';

create or replace function public.get_booking_qr(p_booking_id uuid)
returns table (payload text, reference text, issued_at timestamptz, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_now timestamptz := private.now();
  v_body text;
begin
  if (select auth.uid()) is null then
    perform private.raise_error('HL001');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 or v_roles = array['operator'] then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if exists (select 1 from public.booking_states s where s.state = v_booking.status and s.is_terminal) then
    perform private.raise_error('HL430', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  v_body := private.base64url(pg_catalog.convert_to(pg_catalog.jsonb_build_object(
    'b', v_booking.id, 'r', v_booking.reference, 'iat', pg_catalog.floor(extract(epoch from v_now))::bigint)::text, 'UTF8'));
  return query select 'HLB1.' || v_body || '.' || private.sign_booking_qr(v_body), v_booking.reference,
    pg_catalog.to_timestamp(pg_catalog.floor(extract(epoch from v_now))),
    pg_catalog.to_timestamp(pg_catalog.floor(extract(epoch from v_now)))
      + pg_catalog.make_interval(mins => (private.setting('bookings.qr_ttl_minutes'))::integer);
end;
$$;
comment on function public.get_booking_qr(uuid) is
  'A signed QR payload (HLB1.<base64url {b: booking id, r: reference, iat}>.<HMAC-SHA256>) for the parties of an open booking; business staff scan it with scan_booking. Valid for bookings.qr_ttl_minutes. Errors: HL400, HL430.';
revoke all on function public.get_booking_qr(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_qr(uuid) to authenticated;

create or replace function private.verify_booking_qr(p_payload text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_parts text[];
  v_claims jsonb;
  v_iat timestamptz;
  v_now timestamptz := private.now();
begin
  v_parts := pg_catalog.string_to_array(coalesce(p_payload, ''), '.');
  if pg_catalog.cardinality(v_parts) <> 3 or v_parts[1] <> 'HLB1' or v_parts[2] = '' or v_parts[3] = ''
     or v_parts[2] !~ '^[A-Za-z0-9_-]+$' or v_parts[3] !~ '^[A-Za-z0-9_-]+$' then
    perform private.raise_error('HL426', 'not a Hyperlocal booking code');
  end if;
  if private.sign_booking_qr(v_parts[2]) <> v_parts[3] then
    perform private.raise_error('HL426', 'bad signature');
  end if;
  begin
    v_claims := pg_catalog.convert_from(private.base64url_decode(v_parts[2]), 'UTF8')::jsonb;
    v_iat := pg_catalog.to_timestamp((v_claims ->> 'iat')::double precision);
    perform (v_claims ->> 'b')::uuid;
  exception when others then
    perform private.raise_error('HL426', 'unreadable payload');
  end;
  if v_iat is null or v_claims ->> 'b' is null then
    perform private.raise_error('HL426', 'incomplete payload');
  end if;
  if v_iat > v_now + interval '5 minutes' then
    perform private.raise_error('HL426', 'issued in the future');
  end if;
  if v_now > v_iat + pg_catalog.make_interval(mins => (private.setting('bookings.qr_ttl_minutes'))::integer) then
    perform private.raise_error('HL427', pg_catalog.format('issued at %s', v_iat));
  end if;
  return v_claims;
end;
$$;
comment on function private.verify_booking_qr(text) is 'Checks a booking QR payload''s format, signature and age; returns its claims. Errors: HL426, HL427.';

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
revoke all on function public.scan_booking(text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.scan_booking(text, text, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Public: reading
------------------------------------------------------------------------------------------------
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
revoke all on function
  public.list_my_bookings(text, text[], text, integer, text)
  from public, anon, authenticated, service_role;
grant execute on function public.list_my_bookings(text, text[], text, integer, text) to authenticated;

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
revoke all on function public.get_booking(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking(uuid) to authenticated;

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
revoke all on function
  public.get_provider_calendar(uuid, timestamptz, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function public.get_provider_calendar(uuid, timestamptz, timestamptz) to anon, authenticated;

------------------------------------------------------------------------------------------------
-- Timers (pg_cron, every minute). Each acts only if the booking is still in the expected state,
-- re-checked under the row lock; a booking that moved on first is left alone.
------------------------------------------------------------------------------------------------
create or replace function private.apply_timer_transitions(
  p_ids uuid[], p_transition text, p_reason text, p_metadata jsonb,
  out applied integer, out failed integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  applied := 0;
  failed := 0;
  foreach v_id in array coalesce(p_ids, '{}'::uuid[]) loop
    -- One sub-transaction per booking: a failure is logged and counted, the others go on.
    begin
      perform private.apply_booking_transition(v_id, p_transition, 'system', null, p_reason, p_metadata);
      applied := applied + 1;
    exception when others then
      failed := failed + 1;
      raise warning 'bookings timer: % of % failed: %', p_transition, v_id, sqlerrm;
    end;
  end loop;
end;
$$;
comment on function private.apply_timer_transitions(uuid[], text, text, jsonb) is
  'Takes one transition as the system for each booking (already locked by the caller); counts what applied and what failed.';

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
  select t.applied, v_failed + t.failed into v_expired, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status = 'requested' and b.request_expires_at <= v_now
            order by b.request_expires_at
            limit v_batch
              for update skip locked),
         'expire', 'request_expired', '{"timer": "expire"}') t;

  -- 2. Accepted bookings that never started.
  select t.applied, v_failed + t.failed into v_no_shows, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status = 'accepted' and pg_catalog.lower(b.period) <= v_now - v_no_show
            order by pg_catalog.lower(b.period)
            limit v_batch
              for update skip locked),
         'no_show', 'no_show', '{"timer": "no_show"}') t;

  -- 3. Work nobody disputed: complete after the grace period.
  select t.applied, v_failed + t.failed into v_completed, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status = 'in_progress' and pg_catalog.upper(b.period) <= v_now - v_auto_complete
            order by pg_catalog.upper(b.period)
            limit v_batch
              for update skip locked),
         'complete', 'auto_completed', '{"timer": "auto_complete"}') t;

  -- 3b. Providers who set off or arrived but never started, long after the scheduled end: the
  -- booking would hold the provider's time and the customer's payment for ever. Cancelled by the
  -- system (never a fee for the customer); a job behind it reopens or expires. The state it
  -- stalled in is the event's from_state.
  select t.applied, v_failed + t.failed into v_stalled, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status in ('en_route', 'arrived') and pg_catalog.upper(b.period) <= v_now - v_stalled_after
            order by pg_catalog.upper(b.period)
            limit v_batch
              for update skip locked),
         'cancel', 'stalled',
         pg_catalog.jsonb_build_object('timer', 'stalled',
                                       'stalled_after_minutes', extract(epoch from v_stalled_after)::integer / 60)) t;

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

select cron.schedule('hyperlocal-booking-timers', '* * * * *', 'select private.run_booking_timers()');

------------------------------------------------------------------------------------------------
-- Account deletion (identity module's registry, when present): cancel what has not started,
-- refuse while a booking is under way, erase the service address; keep the bookings and their
-- timeline (the financial and legal record, tied to the anonymised profile).
------------------------------------------------------------------------------------------------
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

do $$
begin
  if pg_catalog.to_regclass('private.account_deletion_handlers') is not null then
    execute $sql$
      insert into private.account_deletion_handlers (handler, position, module, description)
      values ('private.delete_account_bookings(uuid)', 400, 'bookings',
              'Refuse while a booking is under way; cancel requested/accepted bookings; erase addresses and notes; keep bookings and timelines.')
      on conflict (handler) do update
        set position = excluded.position, module = excluded.module, description = excluded.description
    $sql$;
  end if;
end;
$$;

------------------------------------------------------------------------------------------------
-- Privileges of the private helpers (definer functions above run as their owner; these grants
-- are for service_role back ends and policies).
------------------------------------------------------------------------------------------------
revoke all on function
  private.booking_caller_roles(uuid, uuid, uuid),
  private.is_service_role()
  from public, anon, authenticated, service_role;
grant execute on function private.booking_caller_roles(uuid, uuid, uuid), private.is_service_role()
  to authenticated, service_role;
revoke all on function
  private.check_transition_input(text, jsonb)
  from public, anon, authenticated, service_role;
grant execute on function private.check_transition_input(text, jsonb) to authenticated, service_role;
revoke all on function
  private.base64url(bytea),
  private.base64url_decode(text)
  from public, anon, authenticated, service_role;
grant execute on function private.base64url(bytea), private.base64url_decode(text) to service_role;
