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

create or replace function pg_temp.seed_forget_limits(p_uid uuid)
returns void language plpgsql as $$
begin
  delete from private.rate_limit_hits h where h.key like '%' || p_uid::text;
end $$;

-- A PaymentIntent as the provider sends it (the fields apply_payment_intent reads).
create or replace function pg_temp.seed_intent(p_payment_id uuid, p_status text, p_amount bigint, p_id text,
                                               p_received bigint default 0, p_cancellation text default null)
returns jsonb language sql stable as $$
  select pg_catalog.jsonb_build_object(
    'id', p_id, 'object', 'payment_intent', 'status', p_status, 'amount', p_amount,
    'amount_capturable', case when p_status = 'requires_capture' then p_amount else 0 end,
    'amount_received', p_received, 'currency', pg_catalog.lower(p.currency), 'capture_method', 'manual',
    'payment_method', 'pm_card_visa', 'cancellation_reason', p_cancellation,
    'metadata', pg_catalog.jsonb_build_object('hl_payment_id', p_payment_id))
    from public.payments p where p.id = p_payment_id;
$$;

-- The customer authorises the booking's payment (local provider, a Visa test card).
create or replace function pg_temp.seed_pay(p_booking uuid)
returns uuid language plpgsql as $$
declare
  v_customer uuid := (select b.customer_id from public.bookings b where b.id = p_booking);
  v_request jsonb;
begin
  perform pg_temp.seed_as(v_customer);
  v_request := public.prepare_booking_payment(p_booking, 'local', 'pm_card_visa');
  perform pg_temp.seed_as_service();
  perform public.apply_payment_intent('local', pg_temp.seed_intent((v_request ->> 'payment_id')::uuid, 'requires_capture',
    (v_request ->> 'amount')::bigint, 'pi_' || pg_catalog.replace(v_request ->> 'payment_id', '-', '') || '_' || (v_request ->> 'attempt')));
  perform pg_temp.seed_reset();
  perform pg_temp.seed_forget_limits(v_customer);
  return (v_request ->> 'payment_id')::uuid;
end $$;

-- The payments worker against a simulated provider that accepts everything.
create or replace function pg_temp.seed_worker()
returns integer language plpgsql as $$
declare
  v_op record;
  v_n integer := 0;
  v_payment public.payments;
begin
  perform pg_temp.seed_as_service();
  loop
    for v_op in select * from public.claim_payment_operations(100) loop
      v_n := v_n + 1;
      select * into v_payment from public.payments p where p.id = v_op.payment_id;
      if v_op.operation = 'capture' then
        perform public.apply_payment_intent(v_op.provider, pg_temp.seed_intent(v_op.payment_id, 'succeeded',
          v_payment.amount, v_op.provider_ref, v_op.amount));
      elsif v_op.operation = 'cancel' then
        perform public.apply_payment_intent(v_op.provider, pg_temp.seed_intent(v_op.payment_id, 'canceled',
          v_payment.amount, v_op.provider_ref, 0, 'requested_by_customer'));
      elsif v_op.operation = 'reauthorize' then
        perform public.apply_payment_intent(v_op.provider, pg_temp.seed_intent(v_op.payment_id, 'requires_capture',
          v_op.amount, 'pi_reauth_' || v_op.operation_id));
      elsif v_op.operation = 'refund' then
        perform public.apply_refund(v_op.provider, pg_catalog.jsonb_build_object(
          'id', 're_' || v_op.operation_id, 'object', 'refund', 'amount', v_op.amount, 'currency', pg_catalog.lower(v_op.currency),
          'payment_intent', v_op.provider_ref, 'status', 'succeeded', 'metadata', v_op.metadata));
      elsif v_op.operation = 'transfer' then
        perform public.apply_transfer(v_op.provider, pg_catalog.jsonb_build_object(
          'id', 'tr_' || v_op.operation_id, 'object', 'transfer', 'amount', v_op.amount, 'currency', pg_catalog.lower(v_op.currency),
          'destination', v_op.destination_account, 'reversed', false, 'metadata', v_op.metadata));
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
  perform public.apply_account('local', pg_catalog.jsonb_build_object(
    'id', 'acct_' || pg_catalog.replace(v_account ->> 'payout_account_id', '-', ''), 'object', 'account',
    'charges_enabled', true, 'payouts_enabled', true, 'details_submitted', true, 'metadata', v_account -> 'metadata'));
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

-- A booking walked to p_state. Times: p_created (the request or instant booking), p_start and
-- p_minutes (the period); progress happens around the start, completion at the end, later steps
-- after it. p_variant picks among the paths to a state (cancellations: customer early, customer
-- late, provider; resolutions: refund share in percent).
create or replace function pg_temp.seed_booking(
  p_customer uuid, p_provider uuid, p_listing uuid, p_state text, p_created timestamptz,
  p_start timestamptz, p_minutes integer, p_price bigint, p_lat float8, p_lng float8, p_address text,
  p_instant boolean, p_variant integer)
returns uuid language plpgsql as $$
declare
  v_id uuid;
  v_end timestamptz := p_start + pg_catalog.make_interval(mins => p_minutes);
  v_accepted timestamptz := least(p_created + interval '20 minutes', p_start - interval '30 minutes');
  v_booking public.bookings;
begin
  perform pg_temp.seed_at(p_created);
  v_id := (private.create_booking(p_customer, p_provider, pg_catalog.tstzrange(p_start, v_end), p_price, 'AED',
             case when p_instant then 'accepted' else 'requested' end, 'customer', p_listing,
             p_location => private.make_point(p_lat, p_lng), p_address => p_address)).id;
  if p_state = 'requested' then
    perform pg_temp.seed_at(null);
    return v_id;
  end if;
  if p_state = 'declined' then
    perform pg_temp.seed_step(v_id, p_created + interval '25 minutes', 'decline', 'provider', p_provider);
  elsif p_state = 'expired' then
    select * into v_booking from public.bookings b where b.id = v_id;
    perform pg_temp.seed_step(v_id, v_booking.request_expires_at + interval '1 minute', 'expire', 'system', null);
  elsif p_state = 'cancelled' and p_variant = 0 and not p_instant then
    perform pg_temp.seed_step(v_id, p_created + interval '10 minutes', 'cancel', 'customer', p_customer, 'Found another time');
  else
    if not p_instant then
      perform pg_temp.seed_step(v_id, v_accepted, 'accept', 'provider', p_provider);
    end if;
    if p_price > 0 then
      perform pg_temp.seed_at(v_accepted + interval '5 minutes');
      perform pg_temp.seed_pay(v_id);
    end if;
    if p_state = 'cancelled' then
      select * into v_booking from public.bookings b where b.id = v_id;
      if p_variant = 2 then
        perform pg_temp.seed_step(v_id, v_accepted + interval '1 hour', 'cancel', 'provider', p_provider, 'Unavailable that day');
      elsif p_variant = 1 and v_booking.free_cancellation_until is not null and v_booking.free_cancellation_until < p_start then
        -- Late: after the free cancellation window, before the start.
        perform pg_temp.seed_step(v_id, greatest(v_booking.free_cancellation_until + interval '1 minute', v_accepted + interval '10 minutes'),
          'cancel', 'customer', p_customer, 'Plans changed');
      else
        perform pg_temp.seed_step(v_id, v_accepted + interval '10 minutes', 'cancel', 'customer', p_customer, 'Plans changed');
      end if;
      perform pg_temp.seed_worker();
    elsif p_state = 'en_route' then
      perform pg_temp.seed_step(v_id, p_start - interval '20 minutes', 'start_travel', 'provider', p_provider);
    elsif p_state in ('arrived', 'in_progress', 'completed', 'disputed', 'resolved') then
      perform pg_temp.seed_step(v_id, p_start - interval '25 minutes', 'start_travel', 'provider', p_provider);
      perform pg_temp.seed_step(v_id, p_start - interval '3 minutes', 'arrive', 'provider', p_provider);
      if p_state <> 'arrived' then
        perform pg_temp.seed_step(v_id, p_start, 'start', 'provider', p_provider);
      end if;
      if p_state in ('completed', 'disputed', 'resolved') then
        perform pg_temp.seed_step(v_id, v_end, 'complete', 'provider', p_provider);
        perform pg_temp.seed_worker();
      end if;
      if p_state in ('disputed', 'resolved') then
        perform pg_temp.seed_step(v_id, v_end + interval '3 hours', 'dispute', 'customer', p_customer,
          'The job was not finished');
      end if;
      if p_state = 'resolved' then
        perform pg_temp.seed_step(v_id, v_end + interval '1 day', 'resolve', 'system', null, 'Partial refund agreed',
          pg_catalog.jsonb_build_object('refund_amount',
            (select (c.customer_total * p_variant / 100) from public.booking_charges c where c.booking_id = v_id)));
        perform pg_temp.seed_worker();
      end if;
    end if;
  end if;
  perform pg_temp.seed_at(null);
  return v_id;
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
end $$;
`;
