-- Module: money (provider objects and the booking lifecycle)
-- apply_payment_intent and apply_refund: the provider's PaymentIntents and Refunds (from the
-- worker's calls and from webhooks) applied to payments idempotently and out-of-order tolerant:
-- a payment never moves backwards, ledger postings have idempotency keys. The payment subject
-- `booking` (its handler in private.payment_subjects) and the booking lifecycle's payment steps,
-- registered in bookings' private.booking_transition_handlers.

create or replace function private.json_amount(p_object jsonb, p_key text)
returns bigint
language plpgsql
immutable
set search_path = ''
as $$
declare
  v jsonb := p_object -> p_key;
begin
  if v is null or v = 'null'::jsonb then
    return null;
  end if;
  if pg_catalog.jsonb_typeof(v) <> 'number' or (v #>> '{}') !~ '^[0-9]{1,18}$' then
    perform private.raise_error('HL638', pg_catalog.format('%s must be a non-negative integer', p_key));
  end if;
  return (v #>> '{}')::bigint;
end;
$$;
comment on function private.json_amount(jsonb, text) is
  'A provider object''s amount field as bigint (null when absent); HL638 when it is not a non-negative integer.';
revoke all on function private.json_amount(jsonb, text) from public, anon, authenticated, service_role;

create or replace function private.json_uuid(p_value text)
returns uuid
language sql
immutable
set search_path = ''
as $$
  select case when p_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_value::uuid end;
$$;
comment on function private.json_uuid(text) is 'The text as a uuid, or null when it is not one (metadata from providers).';
revoke all on function private.json_uuid(text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- PaymentIntents.
------------------------------------------------------------------------------------------------
create or replace function public.apply_payment_intent(p_provider text, p_intent jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_intent ->> 'id';
  v_status text := p_intent ->> 'status';
  v_payment public.payments;
  v_capturable bigint;
  v_received bigint;
  v_currency text := pg_catalog.upper(p_intent ->> 'currency');
  v_expires timestamptz;
  v_before text;
  v_old_ref text;
  v_is_new_intent boolean;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'apply_payment_intent is for the payments function (service role)');
  end if;
  perform private.check_payment_provider(p_provider);
  if p_intent is null or pg_catalog.jsonb_typeof(p_intent) <> 'object' or v_id is null or v_id = ''
     or v_status is null or v_status not in ('requires_payment_method', 'requires_confirmation', 'requires_action', 'processing',
                                             'requires_capture', 'canceled', 'succeeded') then
    perform private.raise_error('HL638', 'a payment intent needs id and a known status');
  end if;
  v_capturable := coalesce(private.json_amount(p_intent, 'amount_capturable'), 0);
  v_received := coalesce(private.json_amount(p_intent, 'amount_received'), 0);
  perform private.json_amount(p_intent, 'amount');

  select * into v_payment from public.payments p
   where p.id = private.json_uuid(p_intent -> 'metadata' ->> 'hl_payment_id')
      or (p.provider = p_provider and p.provider_ref = v_id)
      or (p.provider = p_provider and v_id = any (p.previous_refs))
   limit 1
     for update;
  if not found then
    return pg_catalog.jsonb_build_object('changed', false, 'ignored', 'unknown_object', 'provider_ref', v_id);
  end if;
  if v_payment.provider <> p_provider then
    perform private.raise_error('HL640', pg_catalog.format('payment %s is with %s', v_payment.id, v_payment.provider));
  end if;
  if v_currency is not null and v_currency <> v_payment.currency then
    perform private.raise_error('HL639', pg_catalog.format('%s, the payment is in %s', v_currency, v_payment.currency));
  end if;
  if v_id = any (v_payment.previous_refs) then
    return pg_catalog.jsonb_build_object('payment_id', v_payment.id, 'status', v_payment.status, 'changed', false,
                                         'ignored', 'superseded_intent');
  end if;
  -- Which intent is this? The payment's current one, its first one, or a re-authorisation's new one.
  v_is_new_intent := v_payment.provider_ref is not null and v_payment.provider_ref <> v_id;
  if v_payment.provider_ref is null then
    update public.payments p set provider_ref = v_id where p.id = v_payment.id returning * into v_payment;
  end if;
  if pg_catalog.jsonb_typeof(p_intent -> 'payment_method') = 'string' then
    update public.payments p set payment_method = p_intent ->> 'payment_method'
     where p.id = v_payment.id and p.payment_method is distinct from p_intent ->> 'payment_method';
  end if;

  v_before := v_payment.status;
  if v_is_new_intent then
    -- A re-authorisation: only its success (requires_capture) or failure matters.
    if v_payment.status = 'authorized' and v_status = 'requires_capture' then
      v_expires := coalesce(pg_catalog.to_timestamp(private.json_amount(p_intent, 'capture_before')),
        pg_catalog.to_timestamp(private.json_amount(p_intent #> '{latest_charge,payment_method_details,card}', 'capture_before')),
        private.now() + pg_catalog.make_interval(mins => (private.setting('bookings.card_authorization_window_minutes'))::integer));
      v_old_ref := v_payment.provider_ref;
      update public.payments p
         set provider_ref = v_id, previous_refs = p.previous_refs || v_old_ref, amount_authorized = v_capturable,
             authorization_expires_at = v_expires, reauthorizations = p.reauthorizations + 1
       where p.id = v_payment.id;
      perform private.apply_payment_transition(v_payment.id, 'reauthorize', 'provider', v_capturable, v_id,
                                               pg_catalog.jsonb_build_object('replaces', v_old_ref));
      perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency, v_old_ref);
    elsif v_payment.status = 'authorized' and v_status in ('requires_payment_method', 'canceled') then
      perform private.payment_failed(v_payment.id, coalesce(p_intent #>> '{last_payment_error,code}', 'reauthorization_failed'), v_id);
    else
      return pg_catalog.jsonb_build_object('payment_id', v_payment.id, 'status', v_payment.status, 'changed', false,
                                           'ignored', 'not_current_intent');
    end if;
  elsif v_status = 'requires_payment_method' then
    if v_payment.status in ('pending', 'requires_action') and p_intent -> 'last_payment_error' is not null
       and p_intent -> 'last_payment_error' <> 'null'::jsonb then
      update public.payments p set last_error = left(coalesce(p_intent #>> '{last_payment_error,decline_code}',
                                                             p_intent #>> '{last_payment_error,code}', 'declined'), 100)
       where p.id = v_payment.id;
      perform private.apply_payment_transition(v_payment.id, 'fail', 'provider', null, v_id,
        pg_catalog.jsonb_build_object('error', p_intent #>> '{last_payment_error,code}'));
    end if;
  elsif v_status in ('requires_action', 'requires_confirmation') then
    if v_payment.status = 'pending' then
      perform private.apply_payment_transition(v_payment.id, 'require_action', 'provider', null, v_id);
    end if;
  elsif v_status = 'requires_capture' then
    if v_payment.status in ('pending', 'requires_action') then
      v_expires := coalesce(pg_catalog.to_timestamp(private.json_amount(p_intent, 'capture_before')),
        pg_catalog.to_timestamp(private.json_amount(p_intent #> '{latest_charge,payment_method_details,card}', 'capture_before')),
        private.now() + pg_catalog.make_interval(mins => (private.setting('bookings.card_authorization_window_minutes'))::integer));
      update public.payments p set amount_authorized = v_capturable, authorization_expires_at = v_expires, last_error = null
       where p.id = v_payment.id;
      -- The subject's handler reacts (a booking that moved on while the customer paid).
      perform private.apply_payment_transition(v_payment.id, 'authorize', 'provider', v_capturable, v_id);
    end if;
  elsif v_status = 'succeeded' then
    if v_payment.status in ('pending', 'requires_action', 'authorized', 'capture_failed') then
      update public.payments p
         set amount_captured = v_received, amount_authorized = greatest(p.amount_authorized, v_received),
             settlement = coalesce(p.settlement, p.breakdown), last_error = null
       where p.id = v_payment.id
      returning * into v_payment;
      perform private.post_capture(v_payment);
      -- The subject's handler settles (tips and closed bookings at once; completed bookings wait
      -- for the dispute window, private.run_payment_timers).
      perform private.apply_payment_transition(v_payment.id, 'capture', 'provider', v_received, v_id);
    end if;
  elsif v_status = 'canceled' then
    if v_payment.status in ('pending', 'requires_action', 'authorized', 'capture_failed') then
      if p_intent ->> 'cancellation_reason' = 'automatic' and v_payment.status = 'authorized' then
        perform private.apply_payment_transition(v_payment.id, 'expire', 'provider', null, v_id);
      else
        perform private.apply_payment_transition(v_payment.id, 'cancel', 'provider', null, v_id,
          pg_catalog.jsonb_build_object('cancellation_reason', p_intent ->> 'cancellation_reason'));
      end if;
    end if;
  end if;

  select * into v_payment from public.payments p where p.id = v_payment.id;
  return pg_catalog.jsonb_build_object('payment_id', v_payment.id, 'status', v_payment.status,
                                       'changed', v_payment.status <> v_before or v_is_new_intent and v_payment.provider_ref = v_id);
end;
$$;
comment on function public.apply_payment_intent(text, jsonb) is
  'Service role (payments worker and stripe-webhook): applies a PaymentIntent (Stripe''s shape; the local provider mimics it) to its payment (metadata.hl_payment_id or provider_ref): requires_action, authorized (with capture_before), captured (ledger: customer funding -> escrow), canceled/expired, failed, each through private.apply_payment_transition (so the subject''s handler reacts); a re-authorisation''s new intent replaces the old one (queued for cancel). Idempotent and never backwards: a late requires_capture after succeeded, or an event of a superseded intent, changes nothing. Unknown objects are ignored. Errors: HL002, HL629, HL638, HL639, HL640.';
revoke all on function public.apply_payment_intent(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.apply_payment_intent(text, jsonb) to service_role;

-- A payment that cannot be had (declined re-authorisation, failed reauthorize operation): failed
-- (the subject's handler reacts) and its authorisation voided.
create or replace function private.payment_failed(p_payment_id uuid, p_error text, p_provider_ref text default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
begin
  select * into v_payment from public.payments p where p.id = p_payment_id for update;
  if v_payment.status <> 'authorized' then
    return;
  end if;
  update public.payments p set last_error = left(p_error, 100) where p.id = p_payment_id;
  perform private.apply_payment_transition(p_payment_id, 'fail', 'provider', null, p_provider_ref,
                                           pg_catalog.jsonb_build_object('error', p_error));
  perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency,
                                          v_payment.provider_ref);
end;
$$;
comment on function private.payment_failed(uuid, text, text) is
  'An authorised payment whose re-authorisation failed: failed (the subject''s handler reacts: a booking is cancelled by the system, payment_failed, while it is accepted, en route or arrived) and the old authorisation voided.';
revoke all on function private.payment_failed(uuid, text, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Refunds.
------------------------------------------------------------------------------------------------
create or replace function public.apply_refund(p_provider text, p_refund jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_refund ->> 'id';
  v_status text := p_refund ->> 'status';
  v_refund public.payment_refunds;
  v_payment public.payments;
  v_currency text := pg_catalog.upper(p_refund ->> 'currency');
  v_before text;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'apply_refund is for the payments function (service role)');
  end if;
  perform private.check_payment_provider(p_provider);
  if p_refund is null or pg_catalog.jsonb_typeof(p_refund) <> 'object' or v_id is null or v_id = ''
     or v_status is null or v_status not in ('pending', 'requires_action', 'succeeded', 'failed', 'canceled') then
    perform private.raise_error('HL638', 'a refund needs id and a known status');
  end if;
  perform private.json_amount(p_refund, 'amount');

  select * into v_refund from public.payment_refunds r
   where r.id = private.json_uuid(p_refund -> 'metadata' ->> 'hl_refund_id') or r.provider_ref = v_id
   limit 1
     for update;
  if not found then
    return pg_catalog.jsonb_build_object('changed', false, 'ignored', 'unknown_object', 'provider_ref', v_id);
  end if;
  select * into v_payment from public.payments p where p.id = v_refund.payment_id for update;
  if v_payment.provider <> p_provider then
    perform private.raise_error('HL640', pg_catalog.format('refund %s is with %s', v_refund.id, v_payment.provider));
  end if;
  if v_currency is not null and v_currency <> v_refund.currency then
    perform private.raise_error('HL639', pg_catalog.format('%s, the refund is in %s', v_currency, v_refund.currency));
  end if;
  if v_refund.provider_ref is null then
    update public.payment_refunds r set provider_ref = v_id where r.id = v_refund.id;
  end if;
  v_before := v_refund.status;
  if v_refund.status <> 'pending' or v_status in ('pending', 'requires_action') then
    return pg_catalog.jsonb_build_object('refund_id', v_refund.id, 'payment_id', v_payment.id, 'status', v_refund.status,
                                         'changed', false);
  end if;

  update public.payment_refunds r
     set status = v_status, failure_reason = left(p_refund ->> 'failure_reason', 100)
   where r.id = v_refund.id;
  if v_status = 'succeeded' then
    update public.payments p set amount_refunded = p.amount_refunded + v_refund.amount where p.id = v_payment.id
    returning * into v_payment;
    perform private.apply_payment_transition(v_payment.id,
      case when v_payment.amount_refunded = v_payment.amount_captured then 'refund_fully' else 'refund_partially' end,
      'provider', v_refund.amount, v_id, pg_catalog.jsonb_build_object('refund_id', v_refund.id));
    perform private.post_ledger_transaction('refund_succeeded', 'refund_succeeded:' || v_refund.id, v_refund.currency,
      pg_catalog.jsonb_build_array(
        pg_catalog.jsonb_build_object('account', private.ledger_account('refunds', v_refund.currency), 'amount', -v_refund.amount),
        pg_catalog.jsonb_build_object('account', private.ledger_account('customer_funding', v_refund.currency, v_payment.customer_id),
                                      'amount', v_refund.amount)),
      p_payment_id => v_payment.id, p_refund_id => v_refund.id, p_booking_id => v_payment.booking_id,
      p_description => 'refund succeeded');
  else
    -- A refund that did not happen (the money goes back to escrow; operators follow up). Its
    -- success is audited as payment.refunded by apply_payment_transition.
    perform private.audit('refund.' || v_status, 'refund', v_refund.id::text,
      pg_catalog.jsonb_build_object('status', v_refund.status),
      pg_catalog.jsonb_build_object('status', v_status, 'payment_id', v_payment.id, 'amount', v_refund.amount,
                                    'currency', v_refund.currency, 'provider_ref', v_id),
      p_refund ->> 'failure_reason');
    perform private.post_ledger_transaction('refund_reversed', 'refund_reversed:' || v_refund.id, v_refund.currency,
      pg_catalog.jsonb_build_array(
        pg_catalog.jsonb_build_object('account', private.ledger_account('refunds', v_refund.currency), 'amount', -v_refund.amount),
        pg_catalog.jsonb_build_object('account', private.ledger_account('escrow', v_refund.currency), 'amount', v_refund.amount)),
      p_payment_id => v_payment.id, p_refund_id => v_refund.id, p_booking_id => v_payment.booking_id,
      p_description => 'refund ' || v_status);
  end if;
  return pg_catalog.jsonb_build_object('refund_id', v_refund.id, 'payment_id', v_payment.id, 'status', v_status,
                                       'changed', v_status <> v_before);
end;
$$;
comment on function public.apply_refund(text, jsonb) is
  'Service role (payments worker and stripe-webhook): applies a Refund (metadata.hl_refund_id or provider_ref) once: succeeded posts refunds -> customer funding and refunds the payment (partially or fully; the subject''s handler reacts: a resolved or cancelled booking''s escrow is released); failed/canceled puts the money back in escrow (operators follow up). A pending refund''s later states only move forward. Errors: HL002, HL629, HL638, HL639, HL640.';
revoke all on function public.apply_refund(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.apply_refund(text, jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- The payment subject `booking` (private.payment_subjects): bookings and their tips. Money reacts
-- to its own payments' changes here; the booking's own steps are the booking transition handler
-- below.
------------------------------------------------------------------------------------------------
create or replace function private.booking_payment_changed(p_payment public.payments, p_transition text, p_from_state text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  select * into v_booking from public.bookings b where b.id = p_payment.booking_id;
  if p_transition = 'authorize' then
    -- The booking moved on while the customer paid (a tip is captured at once).
    if p_payment.kind = 'tip' or v_booking.status in ('completed', 'resolved') then
      perform private.queue_payment_operation('capture', p_payment.provider, p_payment.id, p_payment.amount_authorized,
                                              p_payment.currency, p_payment.provider_ref);
    elsif v_booking.status in ('cancelled', 'declined', 'expired') then
      perform private.queue_payment_operation('cancel', p_payment.provider, p_payment.id, null, p_payment.currency,
                                              p_payment.provider_ref);
    end if;
  elsif p_transition = 'capture' then
    -- Tips and the money of closed bookings are settled at once; completed bookings wait for the
    -- dispute window (private.run_payment_timers).
    if p_payment.resolution_refund is not null and v_booking.status = 'resolved' then
      -- A resolution arrived while this capture was in flight: refund what it decided; the
      -- refund's success releases the rest (below).
      update public.payments p set resolution_refund = null where p.id = p_payment.id;
      perform private.request_refund(p_payment, least(p_payment.resolution_refund, p_payment.amount_captured), 'dispute_resolution');
    elsif p_payment.kind = 'tip' or v_booking.status in ('cancelled', 'declined', 'expired', 'resolved') then
      perform private.release_payment(p_payment.id);
    end if;
  elsif p_transition in ('refund_partially', 'refund_fully') then
    -- A resolved or cancelled booking's money is released once its refund is done.
    if v_booking.status in ('resolved', 'cancelled') then
      perform private.release_payment(p_payment.id);
    end if;
  elsif p_transition = 'expire' then
    perform private.cancel_booking_for_payment(p_payment.booking_id, 'payment_expired');
  elsif p_transition = 'fail' and p_from_state = 'authorized' then
    -- The re-authorisation failed (declined off-session or the operation failed).
    perform private.cancel_booking_for_payment(p_payment.booking_id, 'payment_failed');
  end if;
end;
$$;
comment on function private.booking_payment_changed(public.payments, text, text) is
  'Payment subject booking, handler: an authorisation arriving after completion (or for a tip) is captured, after a cancellation voided; a capture of a tip or closed booking is released (or a pending resolution refund requested); a resolved or cancelled booking''s refund releases the rest; an expired authorisation or failed re-authorisation cancels the booking as the system (payment_expired, payment_failed).';
revoke all on function private.booking_payment_changed(public.payments, text, text) from public, anon, authenticated, service_role;

insert into private.payment_subjects (kind, module, handler, prepare_handler, description) values
  ('booking', 'money', 'private.booking_payment_changed(public.payments, text, text)', null,
   'Bookings (kind booking: the customer total, manual capture) and their tips (kind tip); paid through POST /payments/booking and /payments/tip.')
on conflict (kind) do update
  set module = excluded.module, handler = excluded.handler, prepare_handler = excluded.prepare_handler,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- The booking lifecycle's payment steps (bookings' private.booking_transition_handlers, 600).
------------------------------------------------------------------------------------------------
create or replace function private.payments_after_booking_transition(
  p_booking public.bookings,
  p_transition text,
  p_actor_role text,
  p_reason text,
  p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_fee jsonb;
  v_fee_total bigint;
  v_refund jsonb := p_metadata -> 'refund_amount';
  v_refund_amount bigint := 0;
  v_max bigint;
begin
  select * into v_payment from public.payments p
   where p.booking_id = p_booking.id and p.kind = 'booking'
     for update;

  if p_transition in ('start_travel', 'arrive', 'start') then
    if p_booking.price > 0 and (v_payment.id is null or v_payment.status <> 'authorized') then
      perform private.raise_error('HL624', pg_catalog.format('the payment is %s', coalesce(v_payment.status, 'not started')));
    end if;
    return;
  end if;

  if p_transition = 'resolve' then
    if v_refund is not null and v_refund <> 'null'::jsonb then
      if pg_catalog.jsonb_typeof(v_refund) <> 'number' or (v_refund #>> '{}') !~ '^[0-9]{1,18}$' then
        perform private.raise_error('HL625', 'refund_amount must be a non-negative integer (minor units)');
      end if;
      v_refund_amount := (v_refund #>> '{}')::bigint;
    end if;
    v_max := case when v_payment.status in ('captured', 'partially_refunded') then v_payment.amount_captured - v_payment.amount_refunded
                  when v_payment.status = 'authorized' then v_payment.amount_authorized
                  else 0 end;
    if v_refund_amount > coalesce(v_max, 0) then
      perform private.raise_error('HL625', pg_catalog.format('at most %s', coalesce(v_max, 0)));
    end if;
    if v_payment.status in ('captured', 'partially_refunded') then
      if v_refund_amount > 0 then
        perform private.request_refund(v_payment, v_refund_amount, 'dispute_resolution');
      else
        perform private.release_payment(v_payment.id);
      end if;
    elsif v_payment.status = 'authorized' and exists (
            select 1 from private.payment_operations o
             where o.payment_id = v_payment.id and o.operation = 'capture' and o.status = 'sending') then
      -- The completion's full capture is already at the provider and cannot be called back: the
      -- refund is requested as soon as that capture is applied (apply_payment_intent).
      update public.payments p set resolution_refund = nullif(v_refund_amount, 0) where p.id = v_payment.id;
    elsif v_payment.status = 'authorized' then
      -- Not captured yet (disputed in progress, or the completion's capture still queued): capture
      -- only what is kept (the breakdown is reduced at release) instead of a queued full capture.
      update private.payment_operations o set status = 'canceled', finished_at = private.now(), last_error = 'resolved'
       where o.payment_id = v_payment.id and o.operation = 'capture' and o.status = 'pending';
      update public.payments p set settlement = p.breakdown where p.id = v_payment.id;
      if v_payment.amount_authorized - v_refund_amount > 0 then
        perform private.queue_payment_operation('capture', v_payment.provider, v_payment.id,
                                                v_payment.amount_authorized - v_refund_amount, v_payment.currency, v_payment.provider_ref);
      else
        perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency,
                                                v_payment.provider_ref);
      end if;
    end if;
    return;
  end if;

  if v_payment.id is null then
    return;
  end if;

  if p_transition = 'dispute' then
    -- Capture stops while the dispute is open: a completion's capture still queued is canceled and
    -- the hold stays (re-authorised by the timers); resolve captures what is kept. A capture already
    -- at the provider ('sending') lands in escrow, which waits for resolve.
    update private.payment_operations o set status = 'canceled', finished_at = private.now(), last_error = 'disputed'
     where o.payment_id = v_payment.id and o.operation = 'capture' and o.status = 'pending';
    return;
  end if;

  if p_transition = 'complete' then
    if v_payment.status = 'authorized' then
      update public.payments p set settlement = p.breakdown where p.id = v_payment.id;
      perform private.queue_payment_operation('capture', v_payment.provider, v_payment.id, v_payment.amount_authorized,
                                              v_payment.currency, v_payment.provider_ref);
    end if;
    return;
  end if;

  if p_booking.status in ('cancelled', 'declined', 'expired') then
    if v_payment.status = 'authorized' and p_booking.cancelled_late then
      -- A late cancellation by the customer: capture only the fee (the rest of the hold is released).
      v_fee := private.cancellation_amounts(p_booking.id);
      v_fee_total := least(coalesce((v_fee ->> 'customer_total')::bigint, 0), v_payment.amount_authorized);
      if v_fee_total > 0 then
        update public.payments p set settlement = v_fee where p.id = v_payment.id;
        perform private.queue_payment_operation('capture', v_payment.provider, v_payment.id, v_fee_total,
                                                v_payment.currency, v_payment.provider_ref);
        return;
      end if;
    end if;
    if v_payment.status in ('authorized', 'capture_failed') then
      perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency,
                                              v_payment.provider_ref);
    elsif v_payment.status in ('pending', 'requires_action') then
      if v_payment.provider_ref is not null then
        perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency,
                                                v_payment.provider_ref);
      end if;
      perform private.apply_payment_transition(v_payment.id, 'cancel', 'system', null, null,
                                               pg_catalog.jsonb_build_object('booking', p_booking.status));
    elsif v_payment.status in ('captured', 'partially_refunded') and v_payment.amount_captured > v_payment.amount_refunded
          and v_payment.released_at is null then
      perform private.request_refund(v_payment, v_payment.amount_captured - v_payment.amount_refunded, 'cancellation');
    end if;
  end if;
end;
$$;
comment on function private.payments_after_booking_transition(public.bookings, text, text, text, jsonb) is
  'Booking transition handler (position 600): start_travel/arrive/start need an authorised payment (HL624); complete captures the authorisation; dispute cancels a completion capture still queued (the hold stays until resolve); a late customer cancellation captures only the fee (fees'' cancellation_amounts); other cancellations, declines and expiries void it (or refund what was captured); resolve refunds metadata.refund_amount (HL625 beyond what was paid) or captures the rest when nothing was captured yet.';
revoke all on function private.payments_after_booking_transition(public.bookings, text, text, text, jsonb)
  from public, anon, authenticated, service_role;

insert into private.booking_transition_handlers (handler, position, module, to_states, description) values
  ('private.payments_after_booking_transition(public.bookings, text, text, text, jsonb)', 600, 'money',
   array['en_route', 'arrived', 'in_progress', 'completed', 'cancelled', 'declined', 'expired', 'disputed', 'resolved'],
   'Payment steps: progress needs an authorised payment; capture on completion; a dispute stops a queued capture; late-cancel fee; void or refund on cancellation; refund on resolution.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;
