-- Module: money (payments: error codes, settings, tables and row level security)
-- Payments of bookings (and tips), their refunds, the payees' connected accounts and payouts, the
-- operation outbox the payments edge function works through, and the provider webhook events.
-- Payment state is data (payment_states, payment_transitions) and only trusted code writes it:
-- private.apply_payment_transition (money_process) is the one writer of payments.status, fed by
-- the provider's answers (apply_* functions, service role) and the booking lifecycle (a handler
-- in bookings' private.booking_transition_handlers). Clients only read their own rows. See
-- docs/money.md, "Payments, escrow and the ledger", and /tmp contract notes reproduced there.

------------------------------------------------------------------------------------------------
-- Error codes HL620-HL649 (payments, ledger, payouts, webhooks, subjects).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL620', 'payment_booking_not_found', 404, 'The booking does not exist or is not yours.',
   'Pass the id of a booking you are the customer of.'),
  ('HL621', 'not_booking_customer', 403, 'Only the booking''s customer can pay for it or tip.',
   'The provider side, staff and operators cannot start a payment.'),
  ('HL622', 'booking_not_payable', 422, 'This booking does not take a payment now.',
   'A payment is started while the booking is accepted, en route or arrived and has a price; details give its state.'),
  ('HL623', 'payment_not_found', 404, 'The payment does not exist.',
   'Pass the id of a payment of yours (payments rows are readable by their parties).'),
  ('HL624', 'payment_not_authorized', 422, 'The customer''s payment is not authorised yet.',
   'The booking can start (travel, arrive, start) once its payment is authorised; the customer starts it in the app.'),
  ('HL625', 'invalid_refund_amount', 400, 'The refund amount is invalid.',
   'metadata.refund_amount is an integer in minor units between 0 and the amount paid (details give the maximum).'),
  ('HL626', 'tip_not_allowed', 422, 'A tip can be added only to a completed booking.',
   'Tip after the booking is completed (or its dispute resolved).'),
  ('HL627', 'invalid_tip_amount', 400, 'The tip amount is invalid.',
   'A tip is a positive integer in minor units up to payments.max_tip_minor (details give the maximum).'),
  ('HL628', 'tip_conflict', 409, 'A tip with another amount is already under way for this booking.',
   'Finish or abandon the pending tip first; one tip per booking.'),
  ('HL629', 'unknown_payment_provider', 400, 'The payment provider is unknown.', 'Use local or stripe.'),
  ('HL630', 'payment_transition_not_allowed', 409, 'The payment cannot make this transition from its state.',
   'Details give the payment''s state and the transition.'),
  ('HL631', 'invalid_operation_batch', 400, 'The operation batch size is invalid.', 'Claim 1 to 100 operations at a time.'),
  ('HL632', 'invalid_operation_result', 400, 'The operation result is invalid.',
   'Report the claimed attempt with outcome succeeded, retry or failed.'),
  ('HL633', 'operation_not_found', 404, 'The payment operation does not exist.',
   'Report the operation_id claim_payment_operations returned.'),
  ('HL634', 'business_money_not_allowed', 403, 'Only the business''s owners see or set up its money.',
   'Payout accounts are set up by an owner; balances are read by owners and managers.'),
  ('HL635', 'invalid_webhook_event', 400, 'The webhook event is malformed.',
   'An event needs id, type and data.object.'),
  ('HL636', 'ledger_unbalanced', 500, 'A ledger transaction does not balance.',
   'Every ledger transaction has at least two entries summing to zero per currency.'),
  ('HL637', 'ledger_append_only', 403, 'The ledger is append-only.',
   'Post a correcting transaction instead of changing or deleting entries.'),
  ('HL638', 'invalid_provider_object', 400, 'The payment provider object is malformed.',
   'It needs an id, a known status and non-negative integer amounts.'),
  ('HL639', 'provider_currency_mismatch', 400, 'The provider object''s currency differs from the payment''s.',
   'Create provider objects in the currency the database returned (details give both).'),
  ('HL640', 'provider_mismatch', 409, 'The provider object comes from another provider than the payment''s.',
   'A payment stays with the provider it was started with; details name it.'),
  ('HL641', 'invalid_payment_method', 400, 'The payment method id is invalid.',
   'Pass the provider''s payment method id (letters, digits and underscores, at most 100).'),
  ('HL645', 'unknown_payment_subject', 404, 'This kind of subject cannot be paid here.',
   'The kind must be registered in private.payment_subjects with a prepare handler (bookings and tips have their own routes).'),
  ('HL646', 'invalid_subject_payment', 400, 'The subject''s payment is invalid.',
   'A payer, exactly one payee, a breakdown in a supported currency whose customer_total (> 0) equals provider_payout + platform_revenue + tax, and capture manual or automatic; details name the problem.'),
  ('HL647', 'subject_payment_state', 409, 'The subject''s payment cannot do this in its state.',
   'Capture needs an authorised payment, release a captured one with no refund pending; details give the state.'),
  ('HL648', 'invalid_subject_refund', 400, 'The refund amount is invalid.',
   'A refund is an integer in minor units from 1 to what was captured, less what is refunded or being refunded, before the escrow is released (details give the maximum).'),
  ('HL649', 'subject_payment_not_found', 404, 'The subject has no payment.',
   'The subject''s module creates the payment (private.create_subject_payment) before the payer pays.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('payments.authorization_due_minutes', '60',
   'An accepted booking whose payment is not authorised this long after acceptance (or by its start, whichever is first) is cancelled by the system (reason payment_not_authorised).'),
  ('payments.reauthorize_margin_minutes', '1440',
   'A re-authorisation is queued this long before an authorisation expires while the booking still needs it.'),
  ('payments.max_tip_minor', '100000000',
   'Largest tip in minor units.'),
  ('payments.worker_batch_size', '20',
   'Operations one claim_payment_operations call returns by default (1-100).'),
  ('payments.operation_lease_seconds', '120',
   'How long a claimed operation stays with the worker before it can be claimed again (same idempotency key).'),
  ('payments.max_attempts', '8',
   'Attempts of an operation before a retry becomes a failure.'),
  ('payments.retry_base_seconds', '30',
   'Backoff of a retried operation: base x 2^(attempt-1) seconds, capped by payments.retry_max_seconds.'),
  ('payments.retry_max_seconds', '3600',
   'Longest backoff between two attempts of an operation.'),
  ('payments.timer_batch_size', '500',
   'Rows per timer kind and run of private.run_payment_timers.'),
  ('payments.dispatch_enabled', 'true',
   'When false, pg_cron does not call the payments worker (operations wait).'),
  ('rate_limit.payments', '{"limit": 30, "window": "10 minutes"}',
   'prepare_booking_payment, prepare_tip_payment, prepare_payout_account: calls per user (each may reach the payment provider).')
on conflict (key) do nothing;

-- Operators who see all money: the fees module's permission money.manage (admin).

------------------------------------------------------------------------------------------------
-- The payment process as data.
------------------------------------------------------------------------------------------------
create table public.payment_states (
  state text primary key,
  is_terminal boolean not null,
  description text not null
);
comment on table public.payment_states is
  'States of a payment (payments.status). Terminal states take no further transition except a customer retry (failed, canceled, expired) or refunds (captured).';

insert into public.payment_states (state, is_terminal, description) values
  ('pending', false, 'Created; no authorisation yet.'),
  ('requires_action', false, 'The customer must confirm (3-D Secure) before the card is authorised.'),
  ('authorized', false, 'The amount is held on the card, not captured.'),
  ('captured', false, 'Money taken (all or part of the authorisation; the rest released).'),
  ('partially_refunded', false, 'Captured, part of it refunded.'),
  ('refunded', true, 'Captured and refunded in full.'),
  ('canceled', true, 'Voided or abandoned before capture.'),
  ('expired', true, 'The authorisation lapsed before capture.'),
  ('failed', true, 'Declined, or the re-authorisation failed.'),
  ('capture_failed', false, 'The capture was refused; operators follow up (retry or cancel).');

create table public.payment_transitions (
  name text not null,
  from_state text not null references public.payment_states (state),
  to_state text not null references public.payment_states (state),
  description text not null,
  primary key (name, from_state)
);
comment on table public.payment_transitions is
  'Allowed payment transitions (name, from, to). private.apply_payment_transition refuses anything else (HL630).';
create index payment_transitions_to_state_idx on public.payment_transitions (to_state);

insert into public.payment_transitions (name, from_state, to_state, description) values
  ('require_action', 'pending', 'requires_action', 'The provider asks the customer to confirm.'),
  ('authorize', 'pending', 'authorized', 'The card is authorised.'),
  ('authorize', 'requires_action', 'authorized', 'Confirmed and authorised.'),
  ('reauthorize', 'authorized', 'authorized', 'A new authorisation replaced one about to expire.'),
  ('capture', 'pending', 'captured', 'Captured at once (tips).'),
  ('capture', 'requires_action', 'captured', 'Confirmed and captured at once (tips).'),
  ('capture', 'authorized', 'captured', 'Captured (all or part).'),
  ('capture', 'capture_failed', 'captured', 'A retried capture succeeded.'),
  ('capture_fail', 'authorized', 'capture_failed', 'The provider refused the capture.'),
  ('fail', 'pending', 'failed', 'Declined.'),
  ('fail', 'requires_action', 'failed', 'Confirmation failed.'),
  ('fail', 'authorized', 'failed', 'The re-authorisation failed.'),
  ('cancel', 'pending', 'canceled', 'Abandoned before authorisation.'),
  ('cancel', 'requires_action', 'canceled', 'Abandoned before confirmation.'),
  ('cancel', 'authorized', 'canceled', 'The authorisation was voided.'),
  ('cancel', 'capture_failed', 'canceled', 'Given up after a failed capture.'),
  ('expire', 'authorized', 'expired', 'The authorisation lapsed.'),
  ('refund_partially', 'captured', 'partially_refunded', 'Part of the captured amount refunded.'),
  ('refund_partially', 'partially_refunded', 'partially_refunded', 'Another part refunded.'),
  ('refund_fully', 'captured', 'refunded', 'All of the captured amount refunded.'),
  ('refund_fully', 'partially_refunded', 'refunded', 'The rest refunded.'),
  ('retry', 'failed', 'pending', 'The customer starts again while the booking still needs the payment.'),
  ('retry', 'canceled', 'pending', 'The customer starts again while the booking still needs the payment.'),
  ('retry', 'expired', 'pending', 'The customer starts again while the booking still needs the payment.');

------------------------------------------------------------------------------------------------
-- Payment subjects: what a payment pays for. A registry later modules register into (the
-- project's pattern, docs/architecture.md "How modules meet"): money itself registers `booking`
-- (bookings and their tips, money_lifecycle); goods registers its orders. `handler` is called by
-- private.apply_payment_transition after every change of a payment of that kind, in the same
-- transaction, with (the payment after the change, the transition, the state before);
-- `prepare_handler`, when set, lets the payer start or resume the payment through the generic
-- public.prepare_subject_payment / POST /payments/subject: (subject id, the payer's uid,
-- provider, payment method) -> the payment, created or resumed with private.create_subject_payment.
------------------------------------------------------------------------------------------------
create table private.payment_subjects (
  kind text primary key check (kind ~ '^[a-z][a-z0-9_]{1,30}$' and kind <> 'tip'),
  module text not null,
  handler text not null,
  prepare_handler text,
  description text not null,
  created_at timestamptz not null default now()
);
comment on table private.payment_subjects is
  'Registry of what payments pay for (payments.subject_kind): the owning module, the handler called after each payment transition (public.payments, text transition, text from_state) -> void, and optionally the prepare handler of the generic payment route (uuid subject, uuid payer, text provider, text payment_method) -> public.payments.';
revoke all on table private.payment_subjects from anon, authenticated, service_role;

create or replace trigger payment_subjects_check_handler
  before insert or update on private.payment_subjects
  for each row execute function private.check_registry_handler('public.payments, text, text', 'void');

-- The second handler column, checked the way core's private.check_registry_handler checks `handler`.
create or replace function private.check_payment_subject_prepare()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_proc regprocedure;
begin
  if new.prepare_handler is null then
    return new;
  end if;
  v_proc := pg_catalog.to_regprocedure(new.prepare_handler);
  if v_proc is null or not exists (
       select 1 from pg_catalog.pg_proc p
        where p.oid = v_proc and p.prokind = 'f' and not p.proretset
          and pg_catalog.oidvectortypes(p.proargtypes) = 'uuid, uuid, text, text'
          and p.prorettype = 'public.payments'::regtype) then
    raise exception using errcode = '23514',
      message = pg_catalog.format('payment_subjects: prepare_handler %L must be an existing function taking (uuid, uuid, text, text) and returning public.payments',
                                  new.prepare_handler);
  end if;
  new.prepare_handler := v_proc::text;
  return new;
end;
$$;
comment on function private.check_payment_subject_prepare() is
  'BEFORE INSERT/UPDATE on private.payment_subjects: prepare_handler, when set, must exist taking (uuid, uuid, text, text) and returning public.payments (as core''s private.check_registry_handler checks handler); stores its schema-qualified signature.';
revoke all on function private.check_payment_subject_prepare() from public, anon, authenticated, service_role;

create or replace trigger payment_subjects_check_prepare
  before insert or update on private.payment_subjects
  for each row execute function private.check_payment_subject_prepare();

------------------------------------------------------------------------------------------------
-- Payments: one row per subject and kind (a retry reuses the row with attempt + 1).
------------------------------------------------------------------------------------------------
create table public.payments (
  id uuid primary key default gen_random_uuid(),
  -- What is paid for: a kind registered in private.payment_subjects and the subject's id.
  subject_kind text not null references private.payment_subjects (kind),
  subject_id uuid not null,
  -- The booking, for the booking kind (subject_id = booking_id); null for other subjects.
  booking_id uuid references public.bookings (id),
  -- The payment of the subject (kind = subject_kind), or a booking's tip (kind tip).
  kind text not null,
  -- The payer.
  customer_id uuid not null references public.profiles (id),
  -- The booking's provider and business (booking kind); null for other subjects.
  provider_id uuid references public.provider_profiles (id),
  business_id uuid references public.businesses (id),
  -- Who is paid: the business the booking was made with, else the provider; for other subjects
  -- the payee the subject's module named (a profile, not necessarily a provider, or a business).
  payee_profile_id uuid references public.profiles (id),
  payee_business_id uuid references public.businesses (id),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  amount bigint not null check (amount > 0),
  amount_authorized bigint not null default 0 check (amount_authorized >= 0),
  amount_captured bigint not null default 0 check (amount_captured >= 0),
  amount_refunded bigint not null default 0 check (amount_refunded >= 0 and amount_refunded <= amount_captured),
  -- The fees breakdown the amount comes from (booking_charges or a tip's), and the breakdown of
  -- what was captured (the booking's, or a late cancellation's fee).
  breakdown jsonb not null,
  settlement jsonb,
  status text not null default 'pending' references public.payment_states (state),
  attempt integer not null default 1 check (attempt >= 1),
  provider text not null check (provider in ('local', 'stripe')),
  provider_ref text,
  previous_refs text[] not null default '{}',
  payment_method text,
  capture_method text not null check (capture_method in ('manual', 'automatic')),
  authorization_expires_at timestamptz,
  authorization_due_at timestamptz,
  reauthorizations integer not null default 0,
  -- When the escrowed money went to the payee's payable (escrow released), and why not yet.
  released_at timestamptz,
  -- A dispute resolution's refund waiting for a capture already at the provider.
  resolution_refund bigint check (resolution_refund is null or resolution_refund > 0),
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  status_changed_at timestamptz not null default now(),
  -- How the subject names this payment to the payer and the provider (other subjects).
  description text check (description is null or pg_catalog.length(description) <= 200),
  check (num_nonnulls(payee_profile_id, payee_business_id) = 1),
  check (kind = subject_kind or (kind = 'tip' and subject_kind = 'booking')),
  check (case when subject_kind = 'booking' then booking_id = subject_id and provider_id is not null
              else booking_id is null and provider_id is null and business_id is null end),
  unique (subject_kind, subject_id, kind)
);
comment on table public.payments is
  'A payer''s payment for a subject (payments.subject_kind, registered in private.payment_subjects): a booking (kind booking: the customer total, manual capture) or its tip (automatic capture, all to the provider), or another module''s subject (a goods order). Written only by trusted code: status by private.apply_payment_transition.';
comment on column public.payments.amount is 'What is authorised (minor units): the booking''s customer total, or the tip.';
comment on column public.payments.settlement is 'Breakdown of what was captured: the booking''s breakdown, or the late-cancellation fee''s.';
comment on column public.payments.previous_refs is 'Earlier PaymentIntents of this payment (re-authorisations, retries): their late events change nothing.';
comment on column public.payments.resolution_refund is 'Refund (minor units) a dispute resolution asked for while the completion''s capture was already at the provider: requested as soon as that capture is applied.';
comment on column public.payments.released_at is 'When the escrowed amount (captured - refunded) went to the payee''s payable, platform revenue and tax.';
create unique index payments_provider_ref_key on public.payments (provider, provider_ref) where provider_ref is not null;
create index payments_customer_id_idx on public.payments (customer_id, created_at desc);
create index payments_provider_id_idx on public.payments (provider_id) where provider_id is not null;
create index payments_booking_id_idx on public.payments (booking_id) where booking_id is not null;
create index payments_business_id_idx on public.payments (business_id) where business_id is not null;
create index payments_payee_profile_id_idx on public.payments (payee_profile_id);
create index payments_payee_business_id_idx on public.payments (payee_business_id);
create index payments_reauthorize_idx on public.payments (authorization_expires_at) where status = 'authorized';
create index payments_unreleased_idx on public.payments (booking_id) where released_at is null and amount_captured > 0;

create or replace trigger payments_set_updated_at
  before update on public.payments
  for each row execute function private.set_updated_at();

create table public.payment_events (
  id bigint generated always as identity primary key,
  payment_id uuid not null references public.payments (id),
  transition text not null,
  from_state text,
  to_state text not null,
  -- Who caused it: the customer (client), the worker's or a webhook's provider object, the booking lifecycle (system).
  source text not null check (source in ('client', 'provider', 'system', 'operator')),
  amount bigint,
  provider_ref text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.payment_events is 'Timeline of a payment: every transition with its source, amount and provider object.';
create index payment_events_payment_id_idx on public.payment_events (payment_id, id);

create table public.payment_refunds (
  id uuid primary key default gen_random_uuid(),
  payment_id uuid not null references public.payments (id),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  reason text not null check (reason in ('dispute_resolution', 'cancellation', 'operator')),
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'canceled')),
  provider_ref text,
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.payment_refunds is
  'Refunds of captured payments (dispute resolutions): pending until the provider reports succeeded, failed or canceled.';
create index payment_refunds_payment_id_idx on public.payment_refunds (payment_id);
create unique index payment_refunds_provider_ref_key on public.payment_refunds (provider_ref) where provider_ref is not null;
create or replace trigger payment_refunds_set_updated_at
  before update on public.payment_refunds
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------------------------------
-- Payees: connected accounts and payouts.
------------------------------------------------------------------------------------------------
create table public.payout_accounts (
  id uuid primary key default gen_random_uuid(),
  profile_id uuid references public.profiles (id),
  business_id uuid references public.businesses (id),
  provider text not null check (provider in ('local', 'stripe')),
  provider_account_id text,
  charges_enabled boolean not null default false,
  payouts_enabled boolean not null default false,
  details_submitted boolean not null default false,
  email text,
  country char(2),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (num_nonnulls(profile_id, business_id) = 1),
  unique (provider, provider_account_id)
);
comment on table public.payout_accounts is
  'A payee''s connected account at the payment provider (an individual provider, or a business): payouts go there once payouts_enabled and the payee is verified.';
create unique index payout_accounts_profile_key on public.payout_accounts (provider, profile_id) where profile_id is not null;
create unique index payout_accounts_business_key on public.payout_accounts (provider, business_id) where business_id is not null;
create index payout_accounts_profile_id_idx on public.payout_accounts (profile_id);
create index payout_accounts_business_id_idx on public.payout_accounts (business_id);
create or replace trigger payout_accounts_set_updated_at
  before update on public.payout_accounts
  for each row execute function private.set_updated_at();

create table public.payouts (
  id uuid primary key default gen_random_uuid(),
  payee_profile_id uuid references public.profiles (id),
  payee_business_id uuid references public.businesses (id),
  -- The release this payout pays (or the failed payout it replaces).
  payment_id uuid references public.payments (id),
  replaces_payout_id uuid references public.payouts (id),
  payout_account_id uuid references public.payout_accounts (id),
  currency char(3) not null,
  amount bigint not null check (amount > 0),
  status text not null check (status in ('held', 'pending', 'in_transit', 'paid', 'failed', 'canceled')),
  held_reason text check (held_reason is null or held_reason in ('payee_not_verified', 'no_payout_account', 'previous_payout_failed')),
  provider_ref text,
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  paid_at timestamptz,
  check (num_nonnulls(payee_profile_id, payee_business_id) = 1)
);
comment on table public.payouts is
  'Money released to a payee: held while the payee is not verified or has no payouts-enabled account, then pending (transfer queued), in transit, paid, or failed (back to payable; a new held payout replaces it).';
create index payouts_payee_profile_id_idx on public.payouts (payee_profile_id, created_at desc);
create index payouts_payee_business_id_idx on public.payouts (payee_business_id, created_at desc);
create index payouts_payment_id_idx on public.payouts (payment_id);
create index payouts_replaces_payout_id_idx on public.payouts (replaces_payout_id);
create index payouts_payout_account_id_idx on public.payouts (payout_account_id);
create index payouts_held_idx on public.payouts (status) where status = 'held';
create unique index payouts_provider_ref_key on public.payouts (provider_ref) where provider_ref is not null;
create or replace trigger payouts_set_updated_at
  before update on public.payouts
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------------------------------
-- Private: provider customers, the operation outbox, webhook events.
------------------------------------------------------------------------------------------------
create table private.payment_customers (
  profile_id uuid not null references public.profiles (id) on delete cascade,
  provider text not null check (provider in ('local', 'stripe')),
  customer_ref text not null,
  created_at timestamptz not null default now(),
  primary key (profile_id, provider)
);
comment on table private.payment_customers is 'The provider''s customer object of a user (saved payment methods, off-session re-authorisation).';

create table private.payment_operations (
  id bigint generated always as identity primary key,
  operation text not null check (operation in ('capture', 'cancel', 'refund', 'reauthorize', 'transfer')),
  provider text not null check (provider in ('local', 'stripe')),
  payment_id uuid references public.payments (id),
  refund_id uuid references public.payment_refunds (id),
  payout_id uuid references public.payouts (id),
  provider_ref text,
  amount bigint check (amount is null or amount > 0),
  currency char(3),
  idempotency_key text not null unique,
  status text not null default 'pending' check (status in ('pending', 'sending', 'succeeded', 'failed', 'canceled')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
comment on table private.payment_operations is
  'Outbox of provider calls the booking lifecycle needs (capture, cancel, refund, reauthorize, transfer), claimed by the payments worker with for update skip locked; the idempotency key (hl:<op>:<id>:<n>) is the provider call''s Idempotency-Key.';
create index payment_operations_due_idx on private.payment_operations (next_attempt_at) where status in ('pending', 'sending');
create index payment_operations_payment_id_idx on private.payment_operations (payment_id);
create index payment_operations_refund_id_idx on private.payment_operations (refund_id);
create index payment_operations_payout_id_idx on private.payment_operations (payout_id);
create or replace trigger payment_operations_set_updated_at
  before update on private.payment_operations
  for each row execute function private.set_updated_at();

create table private.webhook_events (
  provider text not null check (provider in ('local', 'stripe')),
  event_id text not null,
  type text not null,
  received_at timestamptz not null default now(),
  applied_at timestamptz,
  status text not null check (status in ('applied', 'ignored', 'failed')),
  duplicates integer not null default 0,
  last_duplicate_at timestamptz,
  error text,
  result jsonb,
  payload jsonb not null,
  primary key (provider, event_id)
);
comment on table private.webhook_events is
  'Provider webhook events, each stored once (a duplicate delivery is counted, never applied again): applied, ignored (unknown type or object) or failed (error kept).';

revoke all on table private.payment_customers, private.payment_operations, private.webhook_events
  from anon, authenticated, service_role;
revoke all on sequence private.payment_operations_id_seq from anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Row level security: read-only for clients (their own rows); every change is trusted code.
------------------------------------------------------------------------------------------------
alter table public.payment_states enable row level security;
alter table public.payment_transitions enable row level security;
alter table public.payments enable row level security;
alter table public.payment_events enable row level security;
alter table public.payment_refunds enable row level security;
alter table public.payout_accounts enable row level security;
alter table public.payouts enable row level security;

create policy "The payment process is public" on public.payment_states
  for select to authenticated using (true);
create policy "The payment transitions are public" on public.payment_transitions
  for select to authenticated using (true);
revoke all on table public.payment_states, public.payment_transitions from anon, authenticated, service_role;
grant select on public.payment_states, public.payment_transitions to authenticated;
grant select, insert, update, delete on public.payment_states, public.payment_transitions to service_role;

-- The payer (customer), the payee and the provider side (the provider, owners and managers of
-- the booking's or the payee business; not staff: docs/bookings.md "Staff and the business's
-- money") and operators (money.manage), whatever the subject.
create policy "Payers, payees, the provider side and operators can read payments" on public.payments
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or provider_id = (select auth.uid())
    or payee_profile_id = (select auth.uid())
    or business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or payee_business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('money.manage'))
  );
create policy "Readers of a payment can read its timeline" on public.payment_events
  for select to authenticated
  using (payment_id in (select p.id from public.payments p));
create policy "Readers of a payment can read its refunds" on public.payment_refunds
  for select to authenticated
  using (payment_id in (select p.id from public.payments p));
create policy "Payees and operators can read payout accounts" on public.payout_accounts
  for select to authenticated
  using (
    profile_id = (select auth.uid())
    or business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('money.manage'))
  );
create policy "Payees and operators can read payouts" on public.payouts
  for select to authenticated
  using (
    payee_profile_id = (select auth.uid())
    or payee_business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('money.manage'))
  );

revoke all on table public.payments, public.payment_events, public.payment_refunds, public.payout_accounts,
  public.payouts from anon, authenticated, service_role;
revoke all on sequence public.payment_events_id_seq from anon, authenticated, service_role;
grant select on public.payments, public.payment_events, public.payment_refunds, public.payout_accounts,
  public.payouts to authenticated;
grant select on public.payments, public.payment_events, public.payment_refunds, public.payout_accounts,
  public.payouts to service_role;
