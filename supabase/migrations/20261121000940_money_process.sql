-- Module: money (the payment process)
-- The one writer of payments.status (private.apply_payment_transition), the operation outbox
-- (private.queue_payment_operation), escrow (capture posts customer funding -> escrow; release
-- posts escrow -> payee payable + platform revenue + tax), refunds, the client RPCs that start a
-- payment (prepare_booking_payment, prepare_tip_payment), the provider's PaymentIntents and
-- Refunds applied (apply_payment_intent, apply_refund: used by the worker and the webhook), and
-- the booking lifecycle's payment steps (a handler in private.booking_transition_handlers).

------------------------------------------------------------------------------------------------
-- The one transition path of a payment.
------------------------------------------------------------------------------------------------
create or replace function private.apply_payment_transition(
  p_payment_id uuid,
  p_transition text,
  p_source text,
  p_amount bigint default null,
  p_provider_ref text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.payments
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_before public.payments;
  v_to text;
  v_action text;
  v_handler record;
begin
  select * into v_payment from public.payments p where p.id = p_payment_id for update;
  if not found then
    perform private.raise_error('HL623', pg_catalog.format('payment %s', p_payment_id));
  end if;
  v_before := v_payment;
  select t.to_state into v_to from public.payment_transitions t
   where t.name = p_transition and t.from_state = v_payment.status;
  if v_to is null then
    perform private.raise_error('HL630', pg_catalog.format('cannot %s a payment that is %s', p_transition, v_payment.status));
  end if;
  update public.payments p
     set status = v_to, status_changed_at = private.now()
   where p.id = p_payment_id
  returning * into v_payment;
  insert into public.payment_events (payment_id, transition, from_state, to_state, source, amount, provider_ref, metadata)
  select p_payment_id, p_transition, e.from_state, v_to, p_source, p_amount, p_provider_ref, coalesce(p_metadata, '{}'::jsonb)
    from (select t.from_state from public.payment_transitions t
           where t.name = p_transition and t.to_state = v_to
           order by t.from_state limit 1) e;
  -- The audit log gets the changes that move money (one entry each), not the technical steps
  -- (require_action, reauthorize, retry, abandoning a payment that never held money).
  v_action := case
    when p_transition = 'authorize' then 'payment.authorized'
    when p_transition = 'capture' then 'payment.captured'
    when p_transition = 'capture_fail' then 'payment.capture_failed'
    when p_transition = 'fail' then 'payment.failed'
    when p_transition = 'cancel' and v_before.status in ('authorized', 'capture_failed') then 'payment.voided'
    when p_transition = 'expire' then 'payment.expired'
    when p_transition in ('refund_partially', 'refund_fully') then 'payment.refunded'
  end;
  if v_action is not null then
    perform private.audit(v_action, 'payment', p_payment_id::text,
      -- Callers set the amounts before the transition, so only the state is "before".
      pg_catalog.jsonb_build_object('status', v_before.status),
      pg_catalog.jsonb_build_object('status', v_to, 'amount_authorized', v_payment.amount_authorized,
                                    'amount_captured', v_payment.amount_captured, 'amount_refunded', v_payment.amount_refunded,
                                    'currency', v_payment.currency, 'kind', v_payment.kind, 'booking_id', v_payment.booking_id,
                                    'subject_kind', v_payment.subject_kind, 'subject_id', v_payment.subject_id,
                                    'transition', p_transition, 'source', p_source, 'amount', p_amount,
                                    'provider_ref', p_provider_ref) || coalesce(p_metadata, '{}'::jsonb),
      coalesce(p_metadata ->> 'reason', p_metadata ->> 'error', p_metadata ->> 'cancellation_reason'));
  end if;
  -- The subject's module reacts in the same transaction (private.payment_subjects.handler).
  select n.nspname::text as nsp, f.proname::text as fn into v_handler
    from private.payment_subjects s
    join pg_catalog.pg_proc f on f.oid = pg_catalog.to_regprocedure(s.handler)
    join pg_catalog.pg_namespace n on n.oid = f.pronamespace
   where s.kind = v_payment.subject_kind;
  if found then
    execute pg_catalog.format('select %I.%I($1, $2, $3)', v_handler.nsp, v_handler.fn)
      using v_payment, p_transition, v_before.status;
    select * into v_payment from public.payments p where p.id = p_payment_id;
  end if;
  return v_payment;
end;
$$;
comment on function private.apply_payment_transition(uuid, text, text, bigint, text, jsonb) is
  'The only writer of payments.status: locks the payment, checks the transition from its state against payment_transitions (HL630), sets the state and writes the payment_events row; '
  'money-moving transitions are also audited (payment.authorized, captured, capture_failed, failed, voided, expired, refunded); '
  'then calls the handler of the payment''s subject kind (private.payment_subjects) with (the payment after the change, the transition, the state before).';
revoke all on function private.apply_payment_transition(uuid, text, text, bigint, text, jsonb)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The outbox.
------------------------------------------------------------------------------------------------
create or replace function private.queue_payment_operation(
  p_operation text,
  p_provider text,
  p_payment_id uuid default null,
  p_amount bigint default null,
  p_currency char(3) default null,
  p_provider_ref text default null,
  p_refund_id uuid default null,
  p_payout_id uuid default null
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_subject uuid := coalesce(p_refund_id, p_payout_id, p_payment_id);
  v_n integer;
  v_id bigint;
begin
  select pg_catalog.count(*) + 1 into v_n from private.payment_operations o
   where o.operation = p_operation
     and (o.payment_id = v_subject or o.refund_id = v_subject or o.payout_id = v_subject);
  insert into private.payment_operations (operation, provider, payment_id, refund_id, payout_id, provider_ref, amount,
                                          currency, idempotency_key, next_attempt_at)
  values (p_operation, p_provider, p_payment_id, p_refund_id, p_payout_id, p_provider_ref, p_amount, p_currency,
          pg_catalog.format('hl:%s:%s:%s', p_operation, v_subject, v_n), private.now())
  returning id into v_id;
  return v_id;
end;
$$;
comment on function private.queue_payment_operation(text, text, uuid, bigint, char, text, uuid, uuid) is
  'Queues a provider call for the payments worker with the idempotency key hl:<operation>:<refund, payout or payment id>:<n>.';
revoke all on function private.queue_payment_operation(text, text, uuid, bigint, char, text, uuid, uuid)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Escrow: capture, release, refunds.
------------------------------------------------------------------------------------------------
create or replace function private.post_capture(p_payment public.payments)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.post_ledger_transaction('capture', 'capture:' || p_payment.id, p_payment.currency,
    pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('account', private.ledger_account('customer_funding', p_payment.currency, p_payment.customer_id),
                                    'amount', -p_payment.amount_captured),
      pg_catalog.jsonb_build_object('account', private.ledger_account('escrow', p_payment.currency),
                                    'amount', p_payment.amount_captured)),
    p_payment_id => p_payment.id, p_booking_id => p_payment.booking_id,
    p_description => pg_catalog.format('%s payment captured', p_payment.kind));
end;
$$;
comment on function private.post_capture(public.payments) is
  'Ledger: a capture moves amount_captured from the customer''s funding account into escrow (once per payment).';
revoke all on function private.post_capture(public.payments) from public, anon, authenticated, service_role;

-- What the payee, the platform and the tax authority get from a settled payment: the settlement
-- breakdown minus the share (private.allocate_refund, fees module) of what was not kept
-- (settlement total - (captured - refunded)). The platform takes the rounding rest.
create or replace function private.release_amounts(p_payment public.payments)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_settlement jsonb := coalesce(p_payment.settlement, p_payment.breakdown);
  v_net bigint := p_payment.amount_captured - p_payment.amount_refunded;
  v_total bigint := (v_settlement ->> 'customer_total')::bigint;
  v_alloc jsonb := '{}'::jsonb;
  v_payee bigint;
  v_tax bigint;
begin
  if v_net < v_total then
    v_alloc := private.allocate_refund(v_settlement, v_total - v_net);
  end if;
  v_payee := (v_settlement ->> 'provider_payout')::bigint - coalesce((v_alloc ->> 'provider_payout')::bigint, 0);
  v_tax := (v_settlement ->> 'tax')::bigint - coalesce((v_alloc ->> 'tax')::bigint, 0);
  return pg_catalog.jsonb_build_object('net', v_net, 'provider_payout', v_payee, 'tax', v_tax,
                                       'platform_revenue', v_net - v_payee - v_tax);
end;
$$;
comment on function private.release_amounts(public.payments) is
  'The split of a payment''s kept money (captured - refunded): payee, tax and platform (the rest), from its settlement breakdown less the refund allocation.';
revoke all on function private.release_amounts(public.payments) from public, anon, authenticated, service_role;

create or replace function private.release_payment(p_payment_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_split jsonb;
begin
  select * into v_payment from public.payments p where p.id = p_payment_id for update;
  if v_payment.released_at is not null or v_payment.amount_captured = 0
     or exists (select 1 from public.payment_refunds r where r.payment_id = p_payment_id and r.status = 'pending') then
    return false;
  end if;
  v_split := private.release_amounts(v_payment);
  perform private.post_ledger_transaction('release', 'release:' || v_payment.id, v_payment.currency,
    pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('account', private.ledger_account('escrow', v_payment.currency),
                                    'amount', -(v_split ->> 'net')::bigint),
      pg_catalog.jsonb_build_object('account', private.ledger_account('provider_payable', v_payment.currency,
                                                                       v_payment.payee_profile_id, v_payment.payee_business_id),
                                    'amount', (v_split ->> 'provider_payout')::bigint),
      pg_catalog.jsonb_build_object('account', private.ledger_account('platform_revenue', v_payment.currency),
                                    'amount', (v_split ->> 'platform_revenue')::bigint),
      pg_catalog.jsonb_build_object('account', private.ledger_account('tax_payable', v_payment.currency),
                                    'amount', (v_split ->> 'tax')::bigint)),
    p_payment_id => v_payment.id, p_booking_id => v_payment.booking_id,
    p_description => 'escrow released');
  update public.payments p set released_at = private.now() where p.id = p_payment_id;
  if (v_split ->> 'provider_payout')::bigint > 0 then
    perform private.create_payout(v_payment.payee_profile_id, v_payment.payee_business_id, v_payment.currency,
                                  (v_split ->> 'provider_payout')::bigint, v_payment.id, null, v_payment.provider);
  end if;
  return true;
end;
$$;
comment on function private.release_payment(uuid) is
  'Releases a captured payment''s escrow once (no refund pending): escrow -> payee payable, platform revenue and tax (private.release_amounts), and creates the payee''s payout (held or pending). Returns whether it released now.';
revoke all on function private.release_payment(uuid) from public, anon, authenticated, service_role;

create or replace function private.request_refund(p_payment public.payments, p_amount bigint, p_reason text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_refund_id uuid;
begin
  insert into public.payment_refunds (payment_id, amount, currency, reason)
  values (p_payment.id, p_amount, p_payment.currency, p_reason)
  returning id into v_refund_id;
  perform private.audit('refund.requested', 'refund', v_refund_id::text, null,
    pg_catalog.jsonb_build_object('payment_id', p_payment.id, 'booking_id', p_payment.booking_id, 'amount', p_amount,
                                  'currency', p_payment.currency, 'status', 'pending'),
    p_reason);
  perform private.post_ledger_transaction('refund_requested', 'refund_requested:' || v_refund_id, p_payment.currency,
    pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('account', private.ledger_account('escrow', p_payment.currency), 'amount', -p_amount),
      pg_catalog.jsonb_build_object('account', private.ledger_account('refunds', p_payment.currency), 'amount', p_amount)),
    p_payment_id => p_payment.id, p_refund_id => v_refund_id, p_booking_id => p_payment.booking_id,
    p_description => p_reason);
  perform private.queue_payment_operation('refund', p_payment.provider, p_payment.id, p_amount, p_payment.currency,
                                          p_payment.provider_ref, p_refund_id => v_refund_id);
  return v_refund_id;
end;
$$;
comment on function private.request_refund(public.payments, bigint, text) is
  'Starts a refund: the row (pending), the ledger (escrow -> refunds in flight), the worker''s refund operation and the audit entry refund.requested (with the reason).';
revoke all on function private.request_refund(public.payments, bigint, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Helpers about bookings.
------------------------------------------------------------------------------------------------
create or replace function private.payment_due_at(p_booking public.bookings)
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select least(coalesce(p_booking.accepted_at, p_booking.status_changed_at, p_booking.created_at)
                 + pg_catalog.make_interval(mins => (private.setting('payments.authorization_due_minutes'))::integer),
               pg_catalog.lower(p_booking.period));
$$;
comment on function private.payment_due_at(public.bookings) is
  'When an accepted booking''s payment must be authorised: payments.authorization_due_minutes after acceptance, and never after the start.';
revoke all on function private.payment_due_at(public.bookings) from public, anon, authenticated, service_role;

-- The system cancels a booking whose payment cannot be had, when the booking can still be cancelled.
create or replace function private.cancel_booking_for_payment(p_booking_id uuid, p_reason text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.bookings b where b.id = p_booking_id and b.status in ('accepted', 'en_route', 'arrived')) then
    perform private.apply_booking_transition(p_booking_id, 'cancel', 'system', null, p_reason,
                                             pg_catalog.jsonb_build_object('payment', p_reason));
    return true;
  end if;
  return false;
end;
$$;
comment on function private.cancel_booking_for_payment(uuid, text) is
  'Cancels the booking as the system (reason payment_not_authorised, payment_failed, payment_expired) while it is accepted, en route or arrived; returns whether it did.';
revoke all on function private.cancel_booking_for_payment(uuid, text) from public, anon, authenticated, service_role;

create or replace function private.check_payment_provider(p_provider text, p_payment_method text default null)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_provider is null or p_provider not in ('local', 'stripe') then
    perform private.raise_error('HL629', pg_catalog.format('provider %L', p_provider));
  end if;
  if p_payment_method is not null and p_payment_method !~ '^[A-Za-z0-9_]{1,100}$' then
    perform private.raise_error('HL641', 'payment method id: letters, digits and underscores, at most 100');
  end if;
end;
$$;
comment on function private.check_payment_provider(text, text) is 'Validates a provider name (HL629) and a payment method id (HL641).';
revoke all on function private.check_payment_provider(text, text) from public, anon, authenticated, service_role;

create or replace function private.payment_intent_request(p_payment public.payments)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'payment_id', p_payment.id, 'booking_id', p_payment.booking_id, 'kind', p_payment.kind,
    'status', p_payment.status, 'attempt', p_payment.attempt,
    'provider', p_payment.provider, 'provider_ref', p_payment.provider_ref,
    'amount', p_payment.amount, 'currency', p_payment.currency, 'capture_method', p_payment.capture_method,
    'payment_method', p_payment.payment_method, 'customer_id', p_payment.customer_id,
    'provider_customer_ref', (select c.customer_ref from private.payment_customers c
                               where c.profile_id = p_payment.customer_id and c.provider = p_payment.provider),
    'idempotency_key', pg_catalog.format('hl:authorize:%s:%s', p_payment.id, p_payment.attempt),
    'subject_kind', p_payment.subject_kind, 'subject_id', p_payment.subject_id,
    'description', coalesce(p_payment.description,
                            (select pg_catalog.format('%s %s', case p_payment.kind when 'tip' then 'Tip for booking' else 'Booking' end, b.reference)
                               from public.bookings b where b.id = p_payment.booking_id),
                            pg_catalog.format('%s %s', p_payment.subject_kind, p_payment.subject_id)),
    'metadata', case when p_payment.subject_kind = 'booking'
                     then pg_catalog.jsonb_build_object('hl_payment_id', p_payment.id::text, 'hl_booking_id', p_payment.booking_id::text,
                                                        'hl_kind', p_payment.kind)
                     else pg_catalog.jsonb_build_object('hl_payment_id', p_payment.id::text, 'hl_subject_kind', p_payment.subject_kind,
                                                        'hl_subject_id', p_payment.subject_id::text, 'hl_kind', p_payment.kind) end,
    'authorization_due_at', p_payment.authorization_due_at,
    'breakdown', p_payment.breakdown);
$$;
comment on function private.payment_intent_request(public.payments) is
  'What the payments function needs to create or resume the payment''s PaymentIntent (the contract''s prepare_* answer).';
revoke all on function private.payment_intent_request(public.payments) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Client RPCs: start the booking's payment, tip (the subject kind booking; other subjects:
-- money_subjects).
------------------------------------------------------------------------------------------------
create or replace function public.prepare_booking_payment(p_booking_id uuid, p_provider text,
                                                          p_payment_method text default null,
                                                          p_promo_code text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_booking public.bookings;
  v_payment public.payments;
  v_breakdown jsonb;
begin
  perform private.check_payment_provider(p_provider, p_payment_method);
  perform private.rate_limit('payments', v_uid::text);
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL620', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_booking.customer_id <> v_uid then
    perform private.raise_error('HL621', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_booking.status not in ('accepted', 'en_route', 'arrived') or v_booking.price = 0 then
    perform private.raise_error('HL622', pg_catalog.format('the booking is %s, price %s', v_booking.status, v_booking.price));
  end if;

  select * into v_payment from public.payments p where p.booking_id = p_booking_id and p.kind = 'booking' for update;
  if found and v_payment.provider_ref is not null and v_payment.status not in ('failed', 'canceled', 'expired') then
    if v_payment.provider <> p_provider then
      perform private.raise_error('HL640', pg_catalog.format('the payment is with %s', v_payment.provider));
    end if;
    return private.payment_intent_request(v_payment);   -- under way or done: resume
  end if;

  -- Nothing authorised yet: the promo code re-prices the stored breakdown (fees module).
  if p_promo_code is not null and pg_catalog.btrim(p_promo_code) <> '' then
    perform private.apply_promo_code(p_booking_id, v_uid, p_promo_code);
  end if;
  v_breakdown := to_jsonb(private.booking_amounts(p_booking_id)) -> 'breakdown';

  if v_payment.id is null then
    insert into public.payments (subject_kind, subject_id, booking_id, kind, customer_id, provider_id, business_id,
                                 payee_profile_id, payee_business_id,
                                 currency, amount, breakdown, provider, payment_method, capture_method, authorization_due_at)
    values ('booking', v_booking.id, v_booking.id, 'booking', v_booking.customer_id, v_booking.provider_id, v_booking.business_id,
            case when v_booking.business_id is null then v_booking.provider_id end, v_booking.business_id,
            v_booking.currency, (v_breakdown ->> 'customer_total')::bigint, v_breakdown, p_provider, p_payment_method,
            'manual', private.payment_due_at(v_booking))
    returning * into v_payment;
    insert into public.payment_events (payment_id, transition, from_state, to_state, source, amount)
    values (v_payment.id, 'create', null, 'pending', 'client', v_payment.amount);
  else
    if v_payment.status in ('failed', 'canceled', 'expired') then
      perform private.apply_payment_transition(v_payment.id, 'retry', 'client', (v_breakdown ->> 'customer_total')::bigint);
      update public.payments p
         set attempt = p.attempt + 1,
             previous_refs = case when p.provider_ref is null then p.previous_refs else p.previous_refs || p.provider_ref end,
             provider_ref = null, amount_authorized = 0, authorization_expires_at = null, last_error = null
       where p.id = v_payment.id;
    end if;
    update public.payments p
       set amount = (v_breakdown ->> 'customer_total')::bigint, breakdown = v_breakdown, provider = p_provider,
           payment_method = coalesce(p_payment_method, p.payment_method)
     where p.id = v_payment.id
    returning * into v_payment;
  end if;
  return private.payment_intent_request(v_payment);
end;
$$;
comment on function public.prepare_booking_payment(uuid, text, text, text) is
  'Customer of an accepted/en route/arrived booking with a price: creates (or resumes, or retries after a failure) the booking''s payment and returns what the payments function needs to create the PaymentIntent: amount (customer total of the stored breakdown, after p_promo_code), currency, idempotency key, metadata. Nothing here authorises anything. Errors: HL006 (rate_limit.payments), HL620, HL621, HL622, HL629, HL640, HL641, the promo codes'' HL60x.';
revoke all on function public.prepare_booking_payment(uuid, text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.prepare_booking_payment(uuid, text, text, text) to authenticated;

create or replace function public.prepare_tip_payment(p_booking_id uuid, p_provider text, p_amount bigint,
                                                      p_payment_method text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_booking public.bookings;
  v_payment public.payments;
  v_breakdown jsonb;
  v_max bigint := (private.setting('payments.max_tip_minor'))::bigint;
begin
  perform private.check_payment_provider(p_provider, p_payment_method);
  perform private.rate_limit('payments', v_uid::text);
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL620', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_booking.customer_id <> v_uid then
    perform private.raise_error('HL621', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_booking.status not in ('completed', 'resolved') then
    perform private.raise_error('HL626', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  if p_amount is null or p_amount < 1 or p_amount > v_max then
    perform private.raise_error('HL627', pg_catalog.format('1 to %s', v_max));
  end if;
  v_breakdown := private.tip_amounts(v_booking.currency, p_amount);

  select * into v_payment from public.payments p where p.booking_id = p_booking_id and p.kind = 'tip' for update;
  if v_payment.id is null then
    insert into public.payments (subject_kind, subject_id, booking_id, kind, customer_id, provider_id, business_id,
                                 payee_profile_id, payee_business_id,
                                 currency, amount, breakdown, settlement, provider, payment_method, capture_method)
    values ('booking', v_booking.id, v_booking.id, 'tip', v_booking.customer_id, v_booking.provider_id, v_booking.business_id,
            case when v_booking.business_id is null then v_booking.provider_id end, v_booking.business_id,
            v_booking.currency, p_amount, v_breakdown, v_breakdown, p_provider, p_payment_method, 'automatic')
    returning * into v_payment;
    insert into public.payment_events (payment_id, transition, from_state, to_state, source, amount)
    values (v_payment.id, 'create', null, 'pending', 'client', p_amount);
    return private.payment_intent_request(v_payment);
  end if;
  if v_payment.status in ('failed', 'canceled', 'expired') then
    perform private.apply_payment_transition(v_payment.id, 'retry', 'client', p_amount);
    update public.payments p
       set attempt = p.attempt + 1,
           previous_refs = case when p.provider_ref is null then p.previous_refs else p.previous_refs || p.provider_ref end,
           provider_ref = null, amount_authorized = 0, last_error = null
     where p.id = v_payment.id;
  elsif v_payment.amount <> p_amount and (v_payment.provider_ref is not null or v_payment.status <> 'pending') then
    perform private.raise_error('HL628', pg_catalog.format('a tip of %s is %s', v_payment.amount, v_payment.status));
  elsif v_payment.provider_ref is not null and v_payment.provider <> p_provider then
    perform private.raise_error('HL640', pg_catalog.format('the tip is with %s', v_payment.provider));
  end if;
  update public.payments p
     set amount = p_amount, breakdown = v_breakdown, settlement = v_breakdown,
         provider = case when p.provider_ref is null then p_provider else p.provider end,
         payment_method = coalesce(p_payment_method, p.payment_method)
   where p.id = v_payment.id
  returning * into v_payment;
  return private.payment_intent_request(v_payment);
end;
$$;
comment on function public.prepare_tip_payment(uuid, text, bigint, text) is
  'Customer of a completed or resolved booking: one tip per booking (automatic capture, 100% to the provider: fees'' private.tip_amounts). Returns the same shape as prepare_booking_payment. Errors: HL006 (rate_limit.payments), HL620, HL621, HL626, HL627, HL628, HL629, HL640, HL641.';
revoke all on function public.prepare_tip_payment(uuid, text, bigint, text) from public, anon, authenticated, service_role;
grant execute on function public.prepare_tip_payment(uuid, text, bigint, text) to authenticated;

create or replace function public.get_payment_customer(p_provider text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  perform private.check_payment_provider(p_provider);
  return (select c.customer_ref from private.payment_customers c where c.profile_id = v_uid and c.provider = p_provider);
end;
$$;
comment on function public.get_payment_customer(text) is 'The caller''s customer id at the payment provider (saved payment methods), or null.';
revoke all on function public.get_payment_customer(text) from public, anon, authenticated, service_role;
grant execute on function public.get_payment_customer(text) to authenticated;

create or replace function public.record_payment_customer(p_user_id uuid, p_provider text, p_customer_ref text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'record_payment_customer is for the payments function (service role)');
  end if;
  perform private.check_payment_provider(p_provider);
  if p_customer_ref is null or p_customer_ref !~ '^[A-Za-z0-9_]{1,100}$' then
    perform private.raise_error('HL638', 'customer ref: letters, digits and underscores');
  end if;
  insert into private.payment_customers (profile_id, provider, customer_ref)
  values (p_user_id, p_provider, p_customer_ref)
  on conflict (profile_id, provider) do update set customer_ref = excluded.customer_ref;
end;
$$;
comment on function public.record_payment_customer(uuid, text, text) is
  'Service role (payments function): stores the user''s customer object id at the provider.';
revoke all on function public.record_payment_customer(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.record_payment_customer(uuid, text, text) to service_role;
