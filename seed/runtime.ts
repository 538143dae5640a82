/**
 * The seed's runtime: session-local helper functions (schema `pg_temp`, gone when the seed's
 * connection closes; nothing is added to the schema) through which the activity sections act as
 * the users and as the payment provider, so every row of bookings, payments, the ledger, jobs,
 * messages, reviews and goods is written by the project's own process functions and triggers:
 *
 * - `pg_temp.seed_as(uid)` / `seed_as_service()` / `seed_reset()` switch the role and the request
 *   claims for the current transaction, as PostgREST does for a request (and as pgTAP's
 *   `tests.authenticate_as`);
 * - `pg_temp.seed_at(ts)` freezes `private.now()` (transaction-local `hyperlocal.frozen_now`), so
 *   history lands in the past consistently; `seed_at(null)` unfreezes. Every helper unfreezes
 *   before it returns, and transaction-local settings end with the statement's transaction, so the
 *   stack is never left frozen;
 * - `pg_temp.seed_pay(booking)`: the customer's `prepare_booking_payment`, then the provider's
 *   authorised PaymentIntent through `apply_payment_intent` (service role);
 * - `pg_temp.seed_worker()`: the payments worker against a simulated provider (claim, answer with
 *   the provider object, `apply_*`, complete), as `tests.run_payment_worker` does;
 * - on the local stack the simulated provider keeps what it answers (customers with a saved test
 *   card, intents, refunds, transfers, accounts) in the local payment provider's store, shaped as
 *   the local provider keeps them, so later captures, voids, refunds and payouts of seeded
 *   payments go through the real payments worker like any other;
 * - `pg_temp.seed_booking(...)`: a booking walked to a target state through
 *   `private.create_booking` and `private.apply_booking_transition` at the given times;
 * - `pg_temp.seed_review(...)`: `submit_review` as the author at a time.
 *
 * Rate-limit hits the seed's acting users leave are removed (the seed is not the user).
 */
export const RUNTIME_SQL = String.raw`
create or replace function pg_temp.seed_reset()
returns void language plpgsql as $$
begin
  perform pg_catalog.set_config('role', 'none', true);
  perform pg_catalog.set_config('request.jwt.claims', '', true);
end $$;

create or replace function pg_temp.seed_as(p_uid uuid)
returns void language plpgsql as $$
begin
  perform pg_catalog.set_config('role', 'authenticated', true);
  perform pg_catalog.set_config('request.jwt.claims',
    pg_catalog.json_build_object('sub', p_uid, 'role', 'authenticated', 'aud', 'authenticated')::text, true);
end $$;

create or replace function pg_temp.seed_as_service()
returns void language plpgsql as $$
begin
  perform pg_catalog.set_config('role', 'service_role', true);
  perform pg_catalog.set_config('request.jwt.claims', '{"role":"service_role"}', true);
end $$;

create or replace function pg_temp.seed_at(p_at timestamptz)
returns void language plpgsql as $$
begin
  perform pg_catalog.set_config('hyperlocal.frozen_now', coalesce(p_at::text, ''), true);
end $$;

-- Rate-limit hits are keyed '<action>:<subject>' (private.rate_limit); the seed's acting users'
-- hits are removed by exact key (indexed), and every hit the seed left is removed at its end
-- (seed_finish), so the seeded users start with their full allowance.
create or replace function pg_temp.seed_forget_limits(p_uid uuid)
returns void language plpgsql as $$
begin
  delete from private.rate_limit_hits h
   where h.key = any (array(select pg_catalog.substr(s.key, 12) || ':' || p_uid::text from private.settings s
                             where s.key like 'rate_limit.%'));
end $$;

-- Ids of the rows the seed created, under keys the generator chose ('product:12', 'job:3', ...).
-- Session tables (the seed may run outside one transaction: supabase db reset); seed_finish drops them.
create temporary table seed_keys (key text primary key, id uuid not null);
create temporary table seed_start (rate_limit_hit bigint not null);
insert into seed_start select coalesce(max(id), 0) from private.rate_limit_hits;

create or replace function pg_temp.seed_keep(p_key text, p_id uuid)
returns uuid language sql as $$
  insert into pg_temp.seed_keys (key, id) values (p_key, p_id) returning id;
$$;

create or replace function pg_temp.seed_id(p_key text)
returns uuid language plpgsql stable as $$
declare
  v_id uuid := (select k.id from pg_temp.seed_keys k where k.key = p_key);
begin
  if v_id is null then
    raise exception 'seed: no row kept under %', p_key;
  end if;
  return v_id;
end $$;

-- The local payment provider's store (schema local_payments of the local platform shim; absent on
-- hosted Supabase, where nothing is written): what the seed's simulated provider answers is kept
-- there as functions/_shared/payments/local.ts keeps it, so the payments worker later finds the
-- seeded customers, intents, refunds, transfers and accounts (a capture or a void of a seeded
-- authorisation then works like any other).
-- (As the seed's own login role, whatever role the caller acts as: the store is no API role's.)
create or replace function pg_temp.seed_provider_get(p_id text)
returns jsonb language plpgsql as $$
declare
  v_data jsonb;
  v_role text := pg_catalog.current_setting('role');
begin
  perform pg_catalog.set_config('role', 'none', true);
  if pg_catalog.to_regclass('local_payments.objects') is not null then
    execute 'select data from local_payments.objects where id = $1' into v_data using p_id;
  end if;
  perform pg_catalog.set_config('role', v_role, true);
  return v_data;
end $$;

create or replace function pg_temp.seed_provider_put(p_obj jsonb, p_ref text default null)
returns jsonb language plpgsql as $$
declare
  v_role text := pg_catalog.current_setting('role');
begin
  perform pg_catalog.set_config('role', 'none', true);
  if pg_catalog.to_regclass('local_payments.objects') is not null then
    execute 'insert into local_payments.objects (id, object, ref, data) values ($1, $2, $3, $4)
             on conflict (id) do update set data = excluded.data, ref = coalesce(excluded.ref, local_payments.objects.ref),
                                            updated_at = now()'
      using p_obj ->> 'id', p_obj ->> 'object', p_ref, p_obj;
  end if;
  perform pg_catalog.set_config('role', v_role, true);
  return p_obj;
end $$;

create or replace function pg_temp.seed_epoch()
returns bigint language sql stable as $$ select pg_catalog.floor(extract(epoch from private.now()))::bigint $$;

-- The user's customer at the local provider, with a saved Visa test card (created and recorded
-- once, as the payments function does on a first payment). Returns the customer id.
create or replace function pg_temp.seed_customer(p_uid uuid)
returns text language plpgsql as $$
declare
  v_ref text := (select c.customer_ref from private.payment_customers c where c.profile_id = p_uid and c.provider = 'local');
begin
  if v_ref is not null then
    return v_ref;
  end if;
  v_ref := 'cus_local_' || pg_catalog.substr(pg_catalog.md5('customer:' || p_uid), 1, 14);
  perform pg_temp.seed_provider_put(pg_catalog.jsonb_build_object('id', v_ref, 'object', 'customer', 'email', null,
    'name', null, 'created', pg_temp.seed_epoch(), 'metadata', pg_catalog.jsonb_build_object('hl_user_id', p_uid)), p_uid::text);
  perform pg_temp.seed_provider_put(pg_catalog.jsonb_build_object('id', pg_temp.seed_card(v_ref), 'object', 'payment_method',
    'type', 'card', 'customer', v_ref,
    'card', pg_catalog.jsonb_build_object('brand', 'visa', 'last4', '4242', 'exp_month', 12, 'exp_year', 2034, 'funding', 'credit'),
    'created', pg_temp.seed_epoch(), 'metadata', pg_catalog.jsonb_build_object('test_token', 'pm_card_visa')), v_ref);
  perform pg_temp.seed_as_service();
  perform public.record_payment_customer(p_uid, 'local', v_ref);
  return v_ref;
end $$;

-- The saved card of a customer (its payment method id).
create or replace function pg_temp.seed_card(p_customer text)
returns text language sql immutable as $$ select 'pm_local_' || pg_catalog.substr(pg_catalog.md5('card:' || p_customer), 1, 24) $$;

-- An authorised manual-capture PaymentIntent as the local provider returns it (its charge holds
-- capture_before: 7 days, the provider's authorisation window), kept in the provider's store.
create or replace function pg_temp.seed_authorised_intent(p_payment_id uuid, p_amount bigint, p_id text, p_customer text)
returns jsonb language sql as $$
  select pg_temp.seed_provider_put(pg_catalog.jsonb_build_object(
    'id', p_id, 'object', 'payment_intent', 'amount', p_amount, 'amount_capturable', p_amount, 'amount_received', 0,
    'currency', pg_catalog.lower(p.currency), 'status', 'requires_capture', 'capture_method', 'manual',
    'customer', p_customer, 'payment_method', pg_temp.seed_card(p_customer),
    'client_secret', p_id || '_secret_' || pg_catalog.substr(pg_catalog.md5(p_id), 1, 14),
    'canceled_at', null, 'cancellation_reason', null, 'created', pg_temp.seed_epoch(), 'livemode', false,
    'metadata', pg_catalog.jsonb_build_object('hl_payment_id', p_payment_id, 'hl_seed', 'true'), 'transfer_group', null,
    'next_action', null,
    'last_payment_error', null,
    'latest_charge', pg_catalog.jsonb_build_object(
      'id', 'ch_local_' || pg_catalog.substr(pg_catalog.md5('charge:' || p_id), 1, 24), 'object', 'charge',
      'amount', p_amount, 'amount_captured', 0, 'amount_refunded', 0, 'captured', false, 'refunded', false,
      'currency', pg_catalog.lower(p.currency), 'payment_intent', p_id, 'status', 'succeeded',
      'payment_method_details', pg_catalog.jsonb_build_object('type', 'card', 'card', pg_catalog.jsonb_build_object(
        'brand', 'visa', 'last4', '4242', 'capture_before', pg_temp.seed_epoch() + 168 * 3600)))))
    from public.payments p where p.id = p_payment_id;
$$;

-- The intent after a capture of p_received or a cancellation, as the local provider changes it.
create or replace function pg_temp.seed_settled_intent(p_payment_id uuid, p_id text, p_status text, p_received bigint,
                                                       p_cancellation text default null)
returns jsonb language plpgsql as $$
declare
  v_pi jsonb := pg_temp.seed_provider_get(p_id);
  v_amount bigint;
begin
  if v_pi is null then
    -- No provider store (hosted): the fields apply_payment_intent reads.
    select pg_catalog.jsonb_build_object('id', p_id, 'object', 'payment_intent', 'amount', p.amount,
             'currency', pg_catalog.lower(p.currency), 'capture_method', 'manual', 'payment_method', p.payment_method,
             'metadata', pg_catalog.jsonb_build_object('hl_payment_id', p_payment_id))
      into v_pi from public.payments p where p.id = p_payment_id;
  end if;
  v_amount := (v_pi ->> 'amount')::bigint;
  if p_status = 'succeeded' then
    v_pi := v_pi || pg_catalog.jsonb_build_object('status', 'succeeded', 'amount_capturable', 0, 'amount_received', p_received);
    if v_pi ? 'latest_charge' then
      v_pi := pg_catalog.jsonb_set(v_pi, '{latest_charge}', (v_pi -> 'latest_charge') || pg_catalog.jsonb_build_object(
        'amount_captured', p_received, 'captured', true, 'amount_refunded', v_amount - p_received, 'refunded', p_received = 0));
    end if;
  else
    v_pi := v_pi || pg_catalog.jsonb_build_object('status', 'canceled', 'amount_capturable', 0, 'amount_received', 0,
      'canceled_at', pg_temp.seed_epoch(), 'cancellation_reason', p_cancellation, 'next_action', null);
    if v_pi ? 'latest_charge' then
      v_pi := pg_catalog.jsonb_set(v_pi, '{latest_charge}', (v_pi -> 'latest_charge') || pg_catalog.jsonb_build_object(
        'amount_refunded', v_amount, 'refunded', true));
    end if;
  end if;
  return pg_temp.seed_provider_put(v_pi);
end $$;

-- The customer authorises the booking's payment (local provider, a Visa test card).
create or replace function pg_temp.seed_pay(p_booking uuid)
returns uuid language plpgsql as $$
declare
  v_customer uuid := (select b.customer_id from public.bookings b where b.id = p_booking);
  v_request jsonb;
  v_customer_ref text;
begin
  v_customer_ref := pg_temp.seed_customer(v_customer);
  perform pg_temp.seed_as(v_customer);
  v_request := public.prepare_booking_payment(p_booking, 'local', 'pm_card_visa');
  perform pg_temp.seed_as_service();
  perform public.apply_payment_intent('local', pg_temp.seed_authorised_intent((v_request ->> 'payment_id')::uuid,
    (v_request ->> 'amount')::bigint, 'pi_local_' || pg_catalog.substr(pg_catalog.md5((v_request ->> 'payment_id') || ':'
      || (v_request ->> 'attempt')), 1, 24), v_customer_ref));
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(v_customer);
  return (v_request ->> 'payment_id')::uuid;
end $$;

-- The payments worker against a simulated provider that accepts everything (and keeps what it
-- answers in the local provider's store, as the local provider would).
create or replace function pg_temp.seed_worker()
returns integer language plpgsql as $$
declare
  v_op record;
  v_n integer := 0;
  v_pi jsonb;
  v_refund jsonb;
  v_refunded bigint;
  v_transfer jsonb;
begin
  perform pg_temp.seed_as_service();
  loop
    for v_op in select * from public.claim_payment_operations(100) loop
      v_n := v_n + 1;
      if v_op.operation = 'capture' then
        perform public.apply_payment_intent(v_op.provider,
          pg_temp.seed_settled_intent(v_op.payment_id, v_op.provider_ref, 'succeeded', v_op.amount));
      elsif v_op.operation = 'cancel' then
        perform public.apply_payment_intent(v_op.provider,
          pg_temp.seed_settled_intent(v_op.payment_id, v_op.provider_ref, 'canceled', 0, 'abandoned'));
      elsif v_op.operation = 'reauthorize' then
        perform public.apply_payment_intent(v_op.provider, pg_temp.seed_authorised_intent(v_op.payment_id, v_op.amount,
          'pi_local_' || pg_catalog.substr(pg_catalog.md5('reauth:' || v_op.operation_id), 1, 24), v_op.provider_customer_ref));
      elsif v_op.operation = 'refund' then
        v_refund := pg_catalog.jsonb_build_object(
          'id', 're_local_' || pg_catalog.substr(pg_catalog.md5('refund:' || v_op.operation_id), 1, 24), 'object', 'refund',
          'amount', v_op.amount, 'currency', pg_catalog.lower(v_op.currency), 'payment_intent', v_op.provider_ref,
          'status', 'succeeded', 'reason', null, 'created', pg_temp.seed_epoch(), 'metadata', v_op.metadata, 'failure_reason', null);
        v_pi := pg_temp.seed_provider_get(v_op.provider_ref);
        if v_pi is not null then
          v_refund := v_refund || pg_catalog.jsonb_build_object('charge', v_pi #>> '{latest_charge,id}');
          v_refunded := (v_pi #>> '{latest_charge,amount_refunded}')::bigint + v_op.amount;
          perform pg_temp.seed_provider_put(pg_catalog.jsonb_set(v_pi, '{latest_charge}', (v_pi -> 'latest_charge')
            || pg_catalog.jsonb_build_object('amount_refunded', v_refunded,
                 'refunded', v_refunded - ((v_pi ->> 'amount')::bigint - (v_pi ->> 'amount_received')::bigint)
                             >= (v_pi ->> 'amount_received')::bigint)));
        end if;
        perform public.apply_refund(v_op.provider, pg_temp.seed_provider_put(v_refund, v_op.provider_ref));
      elsif v_op.operation = 'transfer' then
        v_transfer := pg_catalog.jsonb_build_object(
          'id', 'tr_local_' || pg_catalog.substr(pg_catalog.md5('transfer:' || v_op.operation_id), 1, 24), 'object', 'transfer',
          'amount', v_op.amount, 'amount_reversed', 0, 'currency', pg_catalog.lower(v_op.currency),
          'destination', v_op.destination_account, 'reversed', false, 'transfer_group', null, 'created', pg_temp.seed_epoch(),
          'metadata', v_op.metadata);
        perform public.apply_transfer(v_op.provider, pg_temp.seed_provider_put(v_transfer, v_op.destination_account));
      end if;
      perform public.complete_payment_operation(v_op.operation_id, v_op.attempt, 'succeeded');
    end loop;
    exit when not found;
  end loop;
  perform pg_temp.seed_reset();
  return v_n;
end $$;

-- A payee ready to be paid: verified, with a payouts-enabled connected account (local provider).
create or replace function pg_temp.seed_enable_payouts(p_uid uuid, p_business uuid default null)
returns void language plpgsql as $$
declare
  v_account jsonb;
begin
  if p_business is null then
    update public.profiles set is_verified = true where id = p_uid;
  else
    update public.businesses set is_verified = true where id = p_business;
  end if;
  perform pg_temp.seed_as(p_uid);
  v_account := public.prepare_payout_account('local', p_business);
  perform pg_temp.seed_as_service();
  perform public.apply_account('local', pg_temp.seed_provider_put(pg_catalog.jsonb_build_object(
    'id', 'acct_local_' || pg_catalog.substr(pg_catalog.md5(v_account ->> 'payout_account_id'), 1, 16), 'object', 'account',
    'type', 'express', 'country', 'AE', 'default_currency', 'aed', 'email', null,
    'charges_enabled', true, 'payouts_enabled', true, 'details_submitted', true, 'created', pg_temp.seed_epoch(),
    'metadata', (v_account -> 'metadata') || pg_catalog.jsonb_build_object(
      'hl_owner_kind', case when p_business is null then 'user' else 'business' end,
      'hl_owner_id', coalesce(p_business, p_uid)),
    'requirements', pg_catalog.jsonb_build_object('currently_due', '[]'::jsonb, 'disabled_reason', null)),
    case when p_business is null then 'user:' || p_uid else 'business:' || p_business end));
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(p_uid);
end $$;

create or replace function pg_temp.seed_step(p_booking uuid, p_at timestamptz, p_transition text, p_role text,
                                             p_actor uuid, p_reason text default null, p_metadata jsonb default '{}')
returns void language plpgsql as $$
begin
  perform pg_temp.seed_at(p_at);
  perform private.apply_booking_transition(p_booking, p_transition, p_role, p_actor, p_reason,
    p_metadata, p_transition = 'start');
end $$;

-- A message from p_author in a conversation at p_at (send_message as the author).
create or replace function pg_temp.seed_message(p_conversation uuid, p_author uuid, p_at timestamptz, p_body text)
returns bigint language plpgsql as $$
declare
  v_id bigint;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_author);
  v_id := (public.send_message(p_conversation, p_body)).id;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(p_author);
  return v_id;
end $$;

-- A chat between two users: p_bodies alternate between p_first and p_second, a few minutes
-- apart from p_at; the second user reads everything up to the last message when p_read.
create or replace function pg_temp.seed_chat(p_conversation uuid, p_first uuid, p_second uuid, p_at timestamptz,
                                             p_bodies text[], p_read boolean)
returns void language plpgsql as $$
declare
  v_i integer;
begin
  for v_i in 1 .. coalesce(pg_catalog.array_length(p_bodies, 1), 0) loop
    perform pg_temp.seed_message(p_conversation, case when v_i % 2 = 1 then p_first else p_second end,
      p_at + pg_catalog.make_interval(mins => 3 * v_i), p_bodies[v_i]);
  end loop;
  if p_read then
    perform pg_temp.seed_at(p_at + pg_catalog.make_interval(mins => 3 * coalesce(pg_catalog.array_length(p_bodies, 1), 0) + 2));
    perform pg_temp.seed_as(p_second);
    perform public.mark_read(p_conversation);
    perform pg_temp.seed_reset();
  end if;
  perform pg_temp.seed_at(null);
end $$;

-- A booking (requested, or accepted when it was made by an offer or instantly) walked on to
-- p_state. Times come from the booking: p_created when it was made, its period; progress
-- happens around the start, completion at the end, later steps after it. p_variant picks among
-- the paths to a state (cancellations: 0 customer early, 1 customer late, 2 provider;
-- resolutions: the refund share in percent). p_messages: a chat between the customer and the
-- provider in the booking's conversation after it was accepted (or requested).
create or replace function pg_temp.seed_walk(p_id uuid, p_state text, p_created timestamptz, p_variant integer,
                                             p_messages text[] default null)
returns uuid language plpgsql as $$
declare
  v_booking public.bookings := (select b from public.bookings b where b.id = p_id);
  v_customer uuid := v_booking.customer_id;
  v_provider uuid := v_booking.provider_id;
  v_start timestamptz := pg_catalog.lower(v_booking.period);
  v_end timestamptz := pg_catalog.upper(v_booking.period);
  v_requested boolean := v_booking.status = 'requested';
  v_accepted timestamptz := least(p_created + interval '20 minutes', pg_catalog.lower(v_booking.period) - interval '30 minutes');
  v_conversation uuid;
begin
  if p_messages is not null and p_state not in ('declined', 'expired') and not (p_state = 'cancelled' and p_variant = 0 and v_requested) then
    if v_requested and p_state <> 'requested' then
      perform pg_temp.seed_step(p_id, p_created + interval '1 minute', 'accept', 'provider', v_provider);
      v_requested := false;
      v_accepted := p_created + interval '1 minute';
    end if;
    v_conversation := (select c.id from public.conversations c where c.context_kind = 'booking' and c.context_id = p_id);
    if v_conversation is null then
      perform pg_temp.seed_at(p_created + interval '1 minute');
      perform pg_temp.seed_as(v_customer);
      v_conversation := (public.start_conversation('booking', p_id)).id;
      perform pg_temp.seed_reset();
      perform pg_temp.seed_forget_limits(v_customer);
    end if;
    perform pg_temp.seed_chat(v_conversation, v_customer, v_provider, p_created + interval '1 minute', p_messages,
                              p_state not in ('requested', 'accepted'));
    v_accepted := v_accepted + pg_catalog.make_interval(mins => 3 * pg_catalog.array_length(p_messages, 1) + 3);
  end if;
  if p_state = 'requested' then
    perform pg_temp.seed_at(null);
    return p_id;
  end if;
  if p_state = 'declined' then
    perform pg_temp.seed_step(p_id, p_created + interval '25 minutes', 'decline', 'provider', v_provider);
  elsif p_state = 'expired' then
    perform pg_temp.seed_step(p_id, v_booking.request_expires_at + interval '1 minute', 'expire', 'system', null);
  elsif p_state = 'cancelled' and p_variant = 0 and v_requested then
    perform pg_temp.seed_step(p_id, p_created + interval '10 minutes', 'cancel', 'customer', v_customer, 'Found another time');
  else
    if v_requested then
      perform pg_temp.seed_step(p_id, v_accepted, 'accept', 'provider', v_provider);
    end if;
    if v_booking.price > 0 then
      perform pg_temp.seed_at(v_accepted + interval '5 minutes');
      perform pg_temp.seed_pay(p_id);
    end if;
    if p_state = 'cancelled' then
      select * into v_booking from public.bookings b where b.id = p_id;
      if p_variant = 2 then
        perform pg_temp.seed_step(p_id, v_accepted + interval '1 hour', 'cancel', 'provider', v_provider, 'Unavailable that day');
      elsif p_variant = 1 and v_booking.free_cancellation_until is not null and v_booking.free_cancellation_until < v_start then
        -- Late: after the free cancellation window, before the start.
        perform pg_temp.seed_step(p_id, greatest(v_booking.free_cancellation_until + interval '1 minute', v_accepted + interval '10 minutes'),
          'cancel', 'customer', v_customer, 'Plans changed');
      else
        perform pg_temp.seed_step(p_id, v_accepted + interval '10 minutes', 'cancel', 'customer', v_customer, 'Plans changed');
      end if;
      perform pg_temp.seed_worker();
    elsif p_state = 'en_route' then
      perform pg_temp.seed_step(p_id, v_start - interval '20 minutes', 'start_travel', 'provider', v_provider);
    elsif p_state in ('arrived', 'in_progress', 'completed', 'disputed', 'resolved') then
      perform pg_temp.seed_step(p_id, v_start - interval '25 minutes', 'start_travel', 'provider', v_provider);
      perform pg_temp.seed_step(p_id, v_start - interval '3 minutes', 'arrive', 'provider', v_provider);
      if p_state <> 'arrived' then
        perform pg_temp.seed_step(p_id, v_start, 'start', 'provider', v_provider);
      end if;
      if p_state in ('completed', 'disputed', 'resolved') then
        perform pg_temp.seed_step(p_id, v_end, 'complete', 'provider', v_provider);
        perform pg_temp.seed_worker();
      end if;
      if p_state in ('disputed', 'resolved') then
        perform pg_temp.seed_step(p_id, v_end + interval '3 hours', 'dispute', 'customer', v_customer,
          'The job was not finished');
      end if;
      if p_state = 'resolved' then
        perform pg_temp.seed_step(p_id, v_end + interval '1 day', 'resolve', 'system', null, 'Partial refund agreed',
          pg_catalog.jsonb_build_object('refund_amount',
            (select (c.customer_total * p_variant / 100) from public.booking_charges c where c.booking_id = p_id)));
        perform pg_temp.seed_worker();
      end if;
    end if;
  end if;
  perform pg_temp.seed_at(null);
  return p_id;
end $$;

-- A booking made by the customer (request, or instant) and walked to p_state (seed_walk).
create or replace function pg_temp.seed_booking(
  p_customer uuid, p_provider uuid, p_listing uuid, p_state text, p_created timestamptz,
  p_start timestamptz, p_minutes integer, p_price bigint, p_lat float8, p_lng float8, p_address text,
  p_instant boolean, p_variant integer, p_messages text[] default null)
returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform pg_temp.seed_at(p_created);
  v_id := (private.create_booking(p_customer, p_provider,
             pg_catalog.tstzrange(p_start, p_start + pg_catalog.make_interval(mins => p_minutes)), p_price, 'AED',
             case when p_instant then 'accepted' else 'requested' end, 'customer', p_listing,
             p_location => private.make_point(p_lat, p_lng), p_address => p_address)).id;
  return pg_temp.seed_walk(v_id, p_state, p_created, p_variant, p_messages);
end $$;

-- A review by p_author of a trade at p_at (submit_review as the author).
create or replace function pg_temp.seed_review(p_author uuid, p_booking uuid, p_at timestamptz, p_rating integer,
                                               p_subratings jsonb, p_comment text)
returns void language plpgsql as $$
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_author);
  perform public.submit_review('booking', p_booking, p_rating, p_subratings, p_comment);
  perform pg_temp.seed_reset();
  perform pg_temp.seed_at(null);
end $$;

-- A provider business: the owner creates it (and becomes its owner member), adds the other
-- providers as staff or managers and attaches every member's provider profile to it.
create or replace function pg_temp.seed_business(p_key text, p_owner uuid, p_at timestamptz, p_name text,
                                                 p_description text, p_members uuid[], p_roles text[])
returns uuid language plpgsql as $$
declare
  v_id uuid;
  v_i integer;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_owner);
  insert into public.businesses (owner_id, name, description) values (p_owner, p_name, p_description) returning id into v_id;
  perform public.set_provider_business(p_owner, v_id);
  for v_i in 1 .. coalesce(pg_catalog.array_length(p_members, 1), 0) loop
    perform public.add_business_member(v_id, p_members[v_i], null, p_roles[v_i]);
    perform public.set_provider_business(p_members[v_i], v_id);
  end loop;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_at(null);
  return pg_temp.seed_keep(p_key, v_id);
end $$;

-- A product listed by p_seller at p_at (create_product).
create or replace function pg_temp.seed_product(p_key text, p_seller uuid, p_at timestamptz, p_title text, p_price bigint,
  p_category text, p_condition text, p_lat float8, p_lng float8, p_description text, p_original_price bigint,
  p_feed text, p_neighbourhood text, p_building text, p_quantity integer, p_tags text[])
returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_seller);
  v_id := (public.create_product(p_title, p_price, pg_catalog.md5('hyperlocal:category:' || p_category)::uuid, p_condition,
    p_lat, p_lng, p_description, p_original_price, 'AED', p_feed, p_neighbourhood, p_building, p_quantity,
    '{}'::text[], null, null, p_tags)).id;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(p_seller);
  perform pg_temp.seed_at(null);
  return pg_temp.seed_keep(p_key, v_id);
end $$;

-- A user's goods activity at p_at: 'like' or 'view' a product, 'follow' a seller.
create or replace function pg_temp.seed_goods_act(p_user uuid, p_action text, p_target uuid, p_at timestamptz)
returns boolean language plpgsql as $$
declare
  v_done boolean;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_user);
  v_done := case p_action when 'like' then public.like_product(p_target)
                          when 'view' then public.record_product_view(p_target)
                          when 'follow' then public.follow_seller(p_target) end;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_at(null);
  return v_done;
end $$;

-- A job posted by p_customer at p_at (post_job; a fixed budget, a preferred window).
create or replace function pg_temp.seed_job(p_key text, p_customer uuid, p_at timestamptz, p_category text, p_title text,
  p_lat float8, p_lng float8, p_minutes integer, p_description text, p_address text, p_neighbourhood text,
  p_budget bigint, p_window_start timestamptz)
returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_customer);
  v_id := (public.post_job(pg_catalog.md5('hyperlocal:category:' || p_category)::uuid, p_title, p_lat, p_lng, p_minutes,
    p_description, p_address, p_neighbourhood, p_budget, null, null, 'AED', false,
    p_window_start, p_window_start + interval '3 days')).id;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(p_customer);
  perform pg_temp.seed_at(null);
  return pg_temp.seed_keep(p_key, v_id);
end $$;

-- An offer by p_provider on a job at p_at (make_offer).
create or replace function pg_temp.seed_offer(p_key text, p_provider uuid, p_job uuid, p_at timestamptz, p_price bigint,
                                              p_start timestamptz, p_minutes integer, p_message text)
returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_provider);
  v_id := (public.make_offer(p_job, p_price, p_start, p_minutes, p_message, p_start - interval '1 hour', 'AED')).id;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(p_provider);
  perform pg_temp.seed_at(null);
  return pg_temp.seed_keep(p_key, v_id);
end $$;

-- The customer answers an offer at p_at: 'accept' (accept_offer: the booking, then walked to
-- p_state by seed_walk), 'decline', or 'counter' (counter_offer at 90% of the price); the
-- provider may 'withdraw'.
create or replace function pg_temp.seed_answer(p_offer uuid, p_action text, p_at timestamptz,
                                               p_state text default null, p_variant integer default 0)
returns uuid language plpgsql as $$
declare
  v_offer public.job_offers := (select o from public.job_offers o where o.id = p_offer);
  v_customer uuid := (select j.customer_id from public.job_requests j where j.id = v_offer.job_id);
  v_booking uuid;
begin
  perform pg_temp.seed_at(p_at);
  if p_action = 'withdraw' then
    perform pg_temp.seed_as(v_offer.provider_id);
    perform public.withdraw_offer(p_offer);
  else
    perform pg_temp.seed_as(v_customer);
    if p_action = 'accept' then
      v_booking := (public.accept_offer(p_offer)).id;
    elsif p_action = 'decline' then
      perform public.decline_offer(p_offer, 'Chose another offer');
    elsif p_action = 'counter' then
      perform public.counter_offer(p_offer, v_offer.price * 9 / 10, 'Could you do it for a little less?');
    end if;
  end if;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(v_customer);
  if v_booking is not null then
    perform pg_temp.seed_walk(v_booking, p_state, p_at, p_variant);
  end if;
  perform pg_temp.seed_at(null);
  return v_booking;
end $$;

-- A goods order by p_buyer at p_at (buy_product), left reserved or cancelled by p_canceller
-- ('buyer' or 'seller') ten minutes later, or expired by the order timer after its reservation.
-- (Paying is the payment back end's; the seed does not record payments for orders.)
create or replace function pg_temp.seed_order(p_buyer uuid, p_product uuid, p_at timestamptz, p_quantity integer,
                                              p_state text, p_place text)
returns uuid language plpgsql as $$
declare
  v_order public.orders;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_buyer);
  v_order := public.buy_product(p_product, p_quantity, 'meetup', null, p_place, null);
  perform pg_temp.seed_reset();
  if p_state = 'cancelled' then
    perform pg_temp.seed_at(p_at + interval '10 minutes');
    perform pg_temp.seed_as(p_buyer);
    perform public.transition_order(v_order.id, 'cancel', 'Changed my mind');
    perform pg_temp.seed_reset();
  elsif p_state = 'expired' then
    perform pg_temp.seed_at(v_order.reserved_until + interval '1 minute');
    perform private.run_order_timers();
  end if;
  perform pg_temp.seed_forget_limits(p_buyer);
  perform pg_temp.seed_at(null);
  return v_order.id;
end $$;

-- The buyer pays a reserved order (local provider, a Visa test card), as the payments function
-- does: prepare_subject_payment as the buyer, then the authorised intent (service role); the
-- order's payment handler moves it to paid and queues the capture, which the worker runs.
create or replace function pg_temp.seed_pay_order(p_order uuid, p_at timestamptz)
returns uuid language plpgsql as $$
declare
  v_buyer uuid := (select o.buyer_id from public.orders o where o.id = p_order);
  v_customer_ref text;
  v_request jsonb;
begin
  perform pg_temp.seed_at(p_at);
  v_customer_ref := pg_temp.seed_customer(v_buyer);
  perform pg_temp.seed_as(v_buyer);
  v_request := public.prepare_subject_payment('order', p_order, 'local', 'pm_card_visa');
  perform pg_temp.seed_as_service();
  perform public.apply_payment_intent('local', pg_temp.seed_authorised_intent((v_request ->> 'payment_id')::uuid,
    (v_request ->> 'amount')::bigint, 'pi_local_' || pg_catalog.substr(pg_catalog.md5((v_request ->> 'payment_id') || ':'
      || (v_request ->> 'attempt')), 1, 24), v_customer_ref));
  perform pg_temp.seed_reset();
  perform pg_temp.seed_worker();
  perform pg_temp.seed_forget_limits(v_buyer);
  perform pg_temp.seed_at(null);
  return (v_request ->> 'payment_id')::uuid;
end $$;

-- A paid order walked on from p_at to p_state: paid, sent, received, completed (the order timer
-- after the dispute window; the escrow released, paid out by the worker when the seller can be
-- paid), or cancelled after payment (refunded by the worker).
create or replace function pg_temp.seed_paid_order(p_order uuid, p_at timestamptz, p_state text)
returns void language plpgsql as $$
declare
  v_order public.orders := (select o from public.orders o where o.id = p_order);
  v_at timestamptz := p_at;
begin
  perform pg_temp.seed_pay_order(p_order, v_at);
  if p_state = 'cancelled' then
    perform pg_temp.seed_at(v_at + interval '3 hours');
    perform pg_temp.seed_as(v_order.seller_id);
    perform public.transition_order(p_order, 'cancel', 'Sorry, the item was damaged when packing');
    perform pg_temp.seed_reset();
  elsif p_state in ('sent', 'received', 'completed') then
    v_at := v_at + interval '5 hours';
    perform pg_temp.seed_at(v_at);
    perform pg_temp.seed_as(v_order.seller_id);
    perform public.transition_order(p_order, 'send');
    perform pg_temp.seed_reset();
    if p_state in ('received', 'completed') then
      v_at := v_at + interval '20 hours';
      perform pg_temp.seed_at(v_at);
      perform pg_temp.seed_as(v_order.buyer_id);
      perform public.transition_order(p_order, 'receive');
      perform pg_temp.seed_reset();
    end if;
    if p_state = 'completed' then
      perform pg_temp.seed_at(v_at + pg_catalog.make_interval(hours => private.setting('goods.dispute_window_hours')::integer + 1));
      perform private.run_order_timers();
    end if;
  end if;
  perform pg_temp.seed_worker();
  perform pg_temp.seed_forget_limits(v_order.buyer_id);
  perform pg_temp.seed_forget_limits(v_order.seller_id);
  perform pg_temp.seed_at(null);
end $$;

-- Haggling on a product: the buyer asks in the product's conversation, offers p_amount; then
-- 'pending' (left open), 'declined' by the seller, 'withdrawn' by the buyer, 'countered' (the
-- seller's counter left open), 'accepted' (the seller accepts: the unit is reserved at the
-- offer's price) or 'paid' (accepted and paid, then p_order_state as seed_paid_order). Returns
-- the offer.
create or replace function pg_temp.seed_haggle(p_buyer uuid, p_product uuid, p_at timestamptz, p_amount bigint,
                                               p_counter bigint, p_outcome text, p_place text, p_bodies text[],
                                               p_order_state text default null)
returns uuid language plpgsql as $$
declare
  v_seller uuid := (select p.seller_id from public.products p where p.id = p_product);
  v_conversation uuid;
  v_offer public.product_offers;
begin
  v_conversation := pg_temp.seed_conversation(p_buyer, v_seller, 'goods_listing', p_product, p_at, p_bodies, true);
  perform pg_temp.seed_at(p_at + interval '30 minutes');
  perform pg_temp.seed_as(p_buyer);
  v_offer := public.make_product_offer(p_product, p_amount, 1, 'Would you take this?', 'meetup', null, p_place);
  perform pg_temp.seed_reset();
  if p_outcome <> 'pending' then
    perform pg_temp.seed_at(p_at + interval '90 minutes');
    if p_outcome = 'withdrawn' then
      perform pg_temp.seed_as(p_buyer);
      v_offer := public.respond_to_product_offer(v_offer.id, 'withdraw');
    elsif p_outcome = 'declined' then
      perform pg_temp.seed_as(v_seller);
      v_offer := public.respond_to_product_offer(v_offer.id, 'decline', null, 'Sorry, that is too low for me.');
    elsif p_outcome = 'countered' then
      perform pg_temp.seed_as(v_seller);
      v_offer := public.respond_to_product_offer(v_offer.id, 'counter', p_counter, 'I can do this price.');
    else
      perform pg_temp.seed_as(v_seller);
      v_offer := public.respond_to_product_offer(v_offer.id, 'accept', null, 'Deal!');
    end if;
    perform pg_temp.seed_reset();
  end if;
  perform pg_temp.seed_forget_limits(p_buyer);
  perform pg_temp.seed_forget_limits(v_seller);
  perform pg_temp.seed_at(null);
  if p_outcome = 'paid' then
    perform pg_temp.seed_paid_order(v_offer.order_id, p_at + interval '100 minutes', p_order_state);
  end if;
  return v_offer.id;
end $$;

-- A conversation started by p_from with p_to about a context ('goods_listing' with a product,
-- 'service_listing', or 'direct'), then a chat (seed_chat).
create or replace function pg_temp.seed_conversation(p_from uuid, p_to uuid, p_kind text, p_context uuid,
                                                     p_at timestamptz, p_bodies text[], p_read boolean)
returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform pg_temp.seed_at(p_at);
  perform pg_temp.seed_as(p_from);
  v_id := (public.start_conversation(p_kind, p_context, case when p_kind = 'direct' then p_to end)).id;
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(p_from);
  perform pg_temp.seed_chat(v_id, p_from, p_to, p_at, p_bodies, p_read);
  return v_id;
end $$;

-- The end of the activity: reviews whose window has passed (real time) are published by the
-- reveal job's function, the rate-limit hits the seed left are removed, the session tables go.
create or replace function pg_temp.seed_finish()
returns void language plpgsql as $$
begin
  perform pg_temp.seed_at(null);
  perform pg_temp.seed_reset();
  perform private.publish_due_reviews(1000000);
  delete from private.rate_limit_hits h where h.id > (select s.rate_limit_hit from pg_temp.seed_start s);
  drop table pg_temp.seed_keys;
  drop table pg_temp.seed_start;
end $$;

-- Acts as p_uid at p_at for one SQL expression's worth of work (callers use it around RPCs).
create or replace function pg_temp.seed_act(p_uid uuid, p_at timestamptz)
returns void language plpgsql as $$
begin
  perform pg_temp.seed_at(p_at);
  if p_uid is null then perform pg_temp.seed_reset(); else perform pg_temp.seed_as(p_uid); end if;
end $$;

-- The project revokes EXECUTE from PUBLIC by default: the acting roles need these helpers.
do $$
declare f record;
begin
  for f in select p.oid::regprocedure as sig from pg_catalog.pg_proc p where p.pronamespace = pg_catalog.pg_my_temp_schema() loop
    execute pg_catalog.format('grant execute on function %s to authenticated, service_role', f.sig);
  end loop;
  grant select, insert on pg_temp.seed_keys, pg_temp.seed_start to authenticated, service_role;
end $$;
`;
