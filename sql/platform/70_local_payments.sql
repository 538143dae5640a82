-- =================================================================================================
-- 70_local_payments.sql -- LOCAL-ONLY: the storage of the local payment provider
-- (functions/_shared/payments/local.ts, PAYMENTS_PROVIDER=local), a stand-in for Stripe's side of
-- the world: customers, payment methods, payment intents, refunds, Connect accounts and transfers,
-- as Stripe-shaped JSON, plus the answers stored per idempotency key.
--
-- Never pushed to hosted Supabase: there the provider is Stripe. The edge functions reach this
-- schema through SUPABASE_DB_URL (role postgres); the API roles get nothing, so no client can
-- read or forge a provider object. Tests read it (as postgres) to compare the provider's view with
-- the ledger, and use the two helpers below to do what a payee does on Stripe's hosted pages.
--
-- Applied by supabase_admin to each database, after 60_vault.sql. Re-runnable.
-- =================================================================================================
set client_min_messages = warning;

create schema if not exists local_payments;
alter schema local_payments owner to supabase_admin;
revoke all on schema local_payments from public;
grant usage on schema local_payments to postgres;

create table if not exists local_payments.objects (
  id text primary key,
  object text not null,
  ref text,
  data jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists objects_object_ref_idx on local_payments.objects (object, ref);
alter table local_payments.objects owner to supabase_admin;
comment on table local_payments.objects is
  'Local payment provider objects (Stripe-shaped JSON in data); ref: customer of a payment method, user of a customer, intent of a refund, account of a transfer.';

create table if not exists local_payments.idempotency_keys (
  key text primary key,
  fingerprint text not null,
  status integer not null,
  body jsonb not null,
  created_at timestamptz not null default now()
);
alter table local_payments.idempotency_keys owner to supabase_admin;
comment on table local_payments.idempotency_keys is
  'The first answer of the local provider to each idempotency key (replayed for the same request, refused for another).';

revoke all on all tables in schema local_payments from public, anon, authenticated, service_role;
grant select, insert, update, delete on local_payments.objects, local_payments.idempotency_keys to postgres;

-- What Stripe's hosted onboarding does for an Express account: details submitted, charges and
-- payouts enabled. p_payouts_fail marks the account so transfers to it fail (payout failure tests).
create or replace function local_payments.complete_onboarding(p_account text, p_payouts_fail boolean default false)
returns jsonb
language sql
set search_path = ''
as $$
  update local_payments.objects
     set data = data || jsonb_build_object(
           'charges_enabled', true, 'payouts_enabled', true, 'details_submitted', true,
           'requirements', jsonb_build_object('currently_due', '[]'::jsonb, 'disabled_reason', null),
           'metadata', coalesce(data->'metadata', '{}'::jsonb)
                       || jsonb_build_object('hl_test_payouts_fail', p_payouts_fail::text)),
         updated_at = now()
   where id = p_account and object = 'account'
  returning data;
$$;
alter function local_payments.complete_onboarding(text, boolean) owner to supabase_admin;
comment on function local_payments.complete_onboarding(text, boolean) is
  'Local provider: finish an account''s onboarding (charges/payouts enabled); p_payouts_fail makes transfers to it fail.';

-- Move an authorisation's capture deadline (the local provider expires it lazily on the next read).
create or replace function local_payments.set_capture_before(p_intent text, p_at timestamptz)
returns jsonb
language sql
set search_path = ''
as $$
  update local_payments.objects
     set data = jsonb_set(data, '{latest_charge,payment_method_details,card,capture_before}',
                          to_jsonb(floor(extract(epoch from p_at))::bigint)),
         updated_at = now()
   where id = p_intent and object = 'payment_intent' and jsonb_typeof(data->'latest_charge') = 'object'
  returning data;
$$;
alter function local_payments.set_capture_before(text, timestamptz) owner to supabase_admin;
comment on function local_payments.set_capture_before(text, timestamptz) is
  'Local provider: move an authorisation''s capture_before (tests of expiry).';

revoke all on function local_payments.complete_onboarding(text, boolean) from public;
revoke all on function local_payments.set_capture_before(text, timestamptz) from public;
grant execute on function local_payments.complete_onboarding(text, boolean) to postgres;
grant execute on function local_payments.set_capture_before(text, timestamptz) to postgres;
