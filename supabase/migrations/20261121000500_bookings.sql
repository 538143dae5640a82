-- Module: bookings (tables and process definition)
-- A booking is a transaction between a customer and a provider for a time range. Its process is
-- declared as data (states, transitions, the actors allowed to take each) and every change goes
-- through one transition function that writes a timeline event. This file holds the tables,
-- the process definition and row level security; behaviour (transitions, timers, start codes)
-- follows in the next bookings migrations.

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
  -- operator (an operator with bookings.manage), system (timers, payments).
  actors text[] not null check (actors <@ array['customer', 'provider', 'operator', 'system'] and cardinality(actors) > 0),
  description text not null,
  primary key (name, from_state)
);
comment on table public.booking_transitions is
  'Allowed transitions of the booking process: name, from, to and the actors who may take it (data; read-only for clients).';
create index booking_transitions_to_state_idx on public.booking_transitions (to_state);

insert into public.booking_transitions (name, from_state, to_state, actors, description) values
  ('accept',            'requested',   'accepted',    '{provider}',                  'The provider accepts the request.'),
  ('decline',           'requested',   'declined',    '{provider}',                  'The provider declines the request.'),
  ('expire',            'requested',   'expired',     '{system}',                    'The request was not accepted before its deadline.'),
  ('cancel',            'requested',   'cancelled',   '{customer,operator,system}',  'The customer withdraws the request.'),
  ('cancel',            'accepted',    'cancelled',   '{customer,provider,operator,system}', 'A party cancels before the provider sets off.'),
  ('cancel',            'en_route',    'cancelled',   '{customer,provider,operator,system}', 'A party cancels while the provider is on the way; the system cancels it when it stalled (bookings.stalled_after_minutes after the scheduled end).'),
  ('cancel',            'arrived',     'cancelled',   '{provider,operator,system}',  'The provider cancels on site (e.g. customer no-show); the system cancels it when it stalled (bookings.stalled_after_minutes after the scheduled end).'),
  ('start_travel',      'accepted',    'en_route',    '{provider}',                  'The provider sets off.'),
  ('arrive',            'accepted',    'arrived',     '{provider}',                  'The provider arrives (without travel tracking).'),
  ('arrive',            'en_route',    'arrived',     '{provider}',                  'The provider arrives.'),
  ('start',             'arrived',     'in_progress', '{provider}',                  'Work starts once the customer''s start code is accepted.'),
  ('complete',          'in_progress', 'completed',   '{provider,customer,system}',  'Work is done (the provider marks it; the system auto-completes after the grace period).'),
  ('dispute',           'in_progress', 'disputed',    '{customer,provider}',         'A party raises a dispute during the job.'),
  ('dispute',           'completed',   'disputed',    '{customer,provider}',         'A party disputes a completed job within the dispute window.'),
  ('resolve',           'disputed',    'resolved',    '{operator}',                  'An operator resolves the dispute.'),
  ('no_show',           'accepted',    'cancelled',   '{system}',                    'Nobody started the job long after its scheduled start.')
on conflict (name, from_state) do update
  set to_state = excluded.to_state, actors = excluded.actors, description = excluded.description;

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
  -- Set when the booking comes from an accepted offer on a job (foreign keys added by the jobs module).
  job_id uuid,
  offer_id uuid,
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
  check (customer_id <> provider_id),
  -- A provider is never double-booked: ranges of bookings that hold time never overlap.
  constraint bookings_no_double_booking exclude using gist (provider_id with =, period with &&)
    where (status in ('requested', 'accepted', 'en_route', 'arrived', 'in_progress'))
);
comment on table public.bookings is
  'A booking between a customer and a provider. Changed only through transition RPCs; every change writes a booking_events row.';
comment on column public.bookings.reference is 'Human-readable order number, e.g. HL-000123.';
comment on column public.bookings.period is 'Scheduled time range; holding states never overlap for one provider.';

-- What the parties must not read directly: the exact place (revealed through RPCs while the
-- booking is active) and the start code hash. Not exposed through the Data API.
create table private.booking_secrets (
  booking_id uuid primary key references public.bookings (id) on delete cascade,
  location extensions.geography(Point, 4326),
  address text check (address is null or char_length(address) <= 300),
  start_code_hash text
);
comment on table private.booking_secrets is
  'Exact service location/address (revealed only while the booking is active) and the hash of the customer''s start code.';

create index bookings_customer_id_idx on public.bookings (customer_id, created_at desc);
create index bookings_provider_id_idx on public.bookings (provider_id, created_at desc);
create index bookings_business_id_idx on public.bookings (business_id);
create index bookings_listing_id_idx on public.bookings (listing_id);
create index bookings_job_id_idx on public.bookings (job_id);
create index bookings_offer_id_idx on public.bookings (offer_id);
create index bookings_status_idx on public.bookings (status);
create index bookings_request_expires_at_idx on public.bookings (request_expires_at) where status = 'requested';
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

------------------------------------------------------------------------------------------------
-- Creating a booking (used by instant book, request to book and accepted offers).
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
begin
  if p_status not in ('requested', 'accepted') then
    raise exception using errcode = 'XX000', message = pg_catalog.format('a booking cannot start in state %L', p_status);
  end if;
  insert into public.bookings (
    customer_id, provider_id, business_id, listing_id, job_id, offer_id, status, period, price, currency,
    customer_note, cancellation_policy, request_expires_at, accepted_at)
  values (
    p_customer_id, p_provider_id,
    (select pp.business_id from public.provider_profiles pp where pp.id = p_provider_id),
    p_listing_id, p_job_id, p_offer_id, p_status, p_period, p_price, p_currency,
    p_customer_note, coalesce(p_cancellation_policy, '{}'::jsonb),
    case when p_status = 'requested' then p_request_expires_at end,
    case when p_status = 'accepted' then private.now() end)
  returning * into v_booking;

  insert into private.booking_secrets (booking_id, location, address)
  values (v_booking.id, p_location, p_address);

  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (v_booking.id, 'create', null, p_status,
          case when p_actor_role = 'system' then null else (select auth.uid()) end,
          p_actor_role,
          pg_catalog.jsonb_build_object('listing_id', p_listing_id, 'job_id', p_job_id, 'offer_id', p_offer_id));
  return v_booking;
end;
$$;
comment on function private.create_booking(uuid, uuid, tstzrange, bigint, char, text, text, uuid, uuid, uuid, extensions.geography, text, text, jsonb, timestamptz) is
  'Inserts a booking in state requested or accepted and its first timeline event. The exclusion constraint refuses overlaps (23P01).';

------------------------------------------------------------------------------------------------
-- Who is who on a booking.
------------------------------------------------------------------------------------------------
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
revoke all on function private.my_booking_ids() from public, anon, authenticated, service_role;
grant execute on function private.my_booking_ids() to authenticated, service_role;

insert into public.role_permissions (role, permission) values
  ('admin', 'bookings.manage'),
  ('support', 'bookings.manage')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Row level security: read-only for clients; changes go through RPCs.
------------------------------------------------------------------------------------------------
alter table public.booking_states enable row level security;
alter table public.booking_transitions enable row level security;
alter table public.bookings enable row level security;
alter table public.booking_events enable row level security;

create policy "The booking process is public" on public.booking_states
  for select to anon, authenticated using (true);
create policy "The booking transitions are public" on public.booking_transitions
  for select to anon, authenticated using (true);
revoke all on table public.booking_states, public.booking_transitions from anon, authenticated, service_role;
grant select on public.booking_states, public.booking_transitions to anon, authenticated;
grant select, insert, update, delete on public.booking_states, public.booking_transitions to service_role;

create policy "Parties, business managers and operators can read bookings" on public.bookings
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or provider_id = (select auth.uid())
    or business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('bookings.manage'))
  );
revoke all on table public.bookings from anon, authenticated, service_role;
revoke all on sequence public.bookings_number_seq from anon, authenticated, service_role;
grant select on public.bookings to authenticated;
grant select, insert, update, delete on public.bookings to service_role;

create policy "Parties, business managers and operators can read the timeline" on public.booking_events
  for select to authenticated
  using (
    booking_id = any (array(select private.my_booking_ids()))
    or (select private.authorize('bookings.manage'))
  );
revoke all on table public.booking_events from anon, authenticated, service_role;
revoke all on sequence public.booking_events_id_seq from anon, authenticated, service_role;
grant select on public.booking_events to authenticated;
grant select, insert, update, delete on public.booking_events to service_role;
