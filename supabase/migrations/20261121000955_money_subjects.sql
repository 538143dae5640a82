-- Module: money (payments of any registered subject)
-- A later module (goods: orders) pays for its subject through the same machinery as bookings:
-- it registers its kind in private.payment_subjects (money_payments) with a handler called after
-- every change of its payments and, for the generic client route, a prepare handler; then it
-- calls these entry points: create (or resume) the payment, capture, cancel (void or refund what
-- was captured), refund an amount, release the escrow to the payee (-> payout, held until the
-- payee is verified). Provider calls go through the same outbox, provider objects through the
-- same apply_* functions, postings to the same ledger with the same idempotency keys.
-- docs/money.md, "Payments of other subjects".

------------------------------------------------------------------------------------------------
-- The breakdown of a subject's price (the fees module's schedule for the trade kind).
------------------------------------------------------------------------------------------------
create or replace function private.subject_breakdown(p_trade_kind text, p_price bigint, p_currency text,
                                                     p_category_id uuid default null,
                                                     p_place extensions.geography default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_context jsonb;
begin
  if p_price is null or p_price < 1 or p_price > 1000000000000 then
    perform private.raise_error('HL612', pg_catalog.format('price %s', p_price));
  end if;
  v_context := private.fee_context(p_trade_kind, p_currency, p_category_id, p_place, private.now());
  return private.fee_breakdown((v_context - 'region_id' - 'region_code' - 'exponent')
                               || pg_catalog.jsonb_build_object('price', p_price, 'tip', 0))
         || pg_catalog.jsonb_build_object('trade_kind', p_trade_kind, 'region_code', v_context -> 'region_code');
end;
$$;
comment on function private.subject_breakdown(text, bigint, text, uuid, extensions.geography) is
  'The fee breakdown of a price for a trade kind (fees'' private.fee_context: the schedule of the kind, currency, category and place in force now; private.fee_breakdown), as the quote function computes it, plus trade_kind and region_code. Errors: HL600, HL608, HL612.';
revoke all on function private.subject_breakdown(text, bigint, text, uuid, extensions.geography)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Create or resume.
------------------------------------------------------------------------------------------------
create or replace function private.create_subject_payment(
  p_subject_kind text,
  p_subject_id uuid,
  p_payer_id uuid,
  p_payee_profile_id uuid,
  p_payee_business_id uuid,
  p_breakdown jsonb,
  p_provider text,
  p_payment_method text default null,
  p_capture_method text default 'manual',
  p_due_at timestamptz default null,
  p_description text default null
)
returns public.payments
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_total bigint;
  v_currency text;
  v_key text;
begin
  if p_subject_kind is null or p_subject_kind = 'booking'
     or not exists (select 1 from private.payment_subjects s where s.kind = p_subject_kind) then
    perform private.raise_error('HL645', pg_catalog.format('subject kind %L', p_subject_kind));
  end if;
  perform private.check_payment_provider(p_provider, p_payment_method);
  if p_subject_id is null or p_payer_id is null then
    perform private.raise_error('HL646', 'subject id and payer are required');
  end if;
  if num_nonnulls(p_payee_profile_id, p_payee_business_id) <> 1 then
    perform private.raise_error('HL646', 'exactly one payee: a profile or a business');
  end if;
  if p_payee_profile_id = p_payer_id then
    perform private.raise_error('HL646', 'the payer cannot pay themselves');
  end if;
  if p_capture_method is null or p_capture_method not in ('manual', 'automatic') then
    perform private.raise_error('HL646', 'capture method manual or automatic');
  end if;
  if p_description is not null and pg_catalog.length(p_description) > 200 then
    perform private.raise_error('HL646', 'description: at most 200 characters');
  end if;
  if p_breakdown is null or pg_catalog.jsonb_typeof(p_breakdown) <> 'object' then
    perform private.raise_error('HL646', 'breakdown: an object (private.subject_breakdown)');
  end if;
  v_currency := p_breakdown ->> 'currency';
  perform private.currency_exponent(v_currency);
  foreach v_key in array array['customer_total', 'provider_payout', 'platform_revenue', 'tax'] loop
    if pg_catalog.jsonb_typeof(p_breakdown -> v_key) is distinct from 'number'
       or (p_breakdown ->> v_key) !~ '^[0-9]{1,16}$' then
      perform private.raise_error('HL646', pg_catalog.format('breakdown.%s: a non-negative integer (minor units)', v_key));
    end if;
  end loop;
  v_total := (p_breakdown ->> 'customer_total')::bigint;
  if v_total < 1 or v_total <> (p_breakdown ->> 'provider_payout')::bigint + (p_breakdown ->> 'platform_revenue')::bigint
                                + (p_breakdown ->> 'tax')::bigint then
    perform private.raise_error('HL646', 'breakdown: customer_total > 0 and = provider_payout + platform_revenue + tax');
  end if;

  select * into v_payment from public.payments p
   where p.subject_kind = p_subject_kind and p.subject_id = p_subject_id and p.kind = p_subject_kind
     for update;
  if found and v_payment.customer_id <> p_payer_id then
    perform private.raise_error('HL646', 'the subject''s payment has another payer');
  end if;
  if found and v_payment.status not in ('pending', 'failed', 'canceled', 'expired')
     or found and v_payment.provider_ref is not null and v_payment.status not in ('failed', 'canceled', 'expired') then
    -- Under way or done: resume it as it is (the amount cannot change under an intent).
    if v_payment.provider <> p_provider then
      perform private.raise_error('HL640', pg_catalog.format('the payment is with %s', v_payment.provider));
    end if;
    return v_payment;
  end if;

  if v_payment.id is null then
    insert into public.payments (subject_kind, subject_id, kind, customer_id, payee_profile_id, payee_business_id, currency,
                                 amount, breakdown, provider, payment_method, capture_method, authorization_due_at, description)
    values (p_subject_kind, p_subject_id, p_subject_kind, p_payer_id, p_payee_profile_id, p_payee_business_id, v_currency,
            v_total, p_breakdown, p_provider, p_payment_method, p_capture_method, p_due_at, p_description)
    returning * into v_payment;
    insert into public.payment_events (payment_id, transition, from_state, to_state, source, amount)
    values (v_payment.id, 'create', null, 'pending',
            case when (select auth.uid()) = p_payer_id then 'client' else 'system' end, v_total);
    return v_payment;
  end if;
  if v_payment.status in ('failed', 'canceled', 'expired') then
    -- A new attempt: a new intent with a new idempotency key; the old intents' late events change nothing.
    perform private.apply_payment_transition(v_payment.id, 'retry', 'client', v_total);
    update public.payments p
       set attempt = p.attempt + 1,
           previous_refs = case when p.provider_ref is null then p.previous_refs else p.previous_refs || p.provider_ref end,
           provider_ref = null, amount_authorized = 0, authorization_expires_at = null, last_error = null
     where p.id = v_payment.id;
  end if;
  update public.payments p
     set amount = v_total, currency = v_currency, breakdown = p_breakdown, settlement = null, provider = p_provider,
         payment_method = coalesce(p_payment_method, p.payment_method), capture_method = p_capture_method,
         payee_profile_id = p_payee_profile_id, payee_business_id = p_payee_business_id,
         authorization_due_at = p_due_at, description = coalesce(p_description, p.description)
   where p.id = v_payment.id
  returning * into v_payment;
  return v_payment;
end;
$$;
comment on function private.create_subject_payment(text, uuid, uuid, uuid, uuid, jsonb, text, text, text, timestamptz, text) is
  'For a subject''s module (its prepare handler): creates the payment of (subject kind, subject id), pending, for the payer to the payee (a profile or a business), of the breakdown''s customer_total in its currency (private.subject_breakdown), capture manual (authorise now, capture later) or automatic; or resumes it (under way or done: returned unchanged; HL640 with another provider), or retries it after failed, canceled or expired (attempt + 1, the new breakdown). Nothing here authorises anything. Errors: HL600, HL629, HL640, HL641, HL645 (kind not registered, or booking), HL646.';
revoke all on function private.create_subject_payment(text, uuid, uuid, uuid, uuid, jsonb, text, text, text, timestamptz, text)
  from public, anon, authenticated, service_role;

-- The payer's generic route (POST /payments/subject): the subject's prepare handler decides.
create or replace function public.prepare_subject_payment(p_kind text, p_subject_id uuid, p_provider text,
                                                          p_payment_method text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_handler record;
  v_payment public.payments;
begin
  perform private.check_payment_provider(p_provider, p_payment_method);
  perform private.rate_limit('payments', v_uid::text);
  select n.nspname::text as nsp, f.proname::text as fn into v_handler
    from private.payment_subjects s
    join pg_catalog.pg_proc f on f.oid = pg_catalog.to_regprocedure(s.prepare_handler)
    join pg_catalog.pg_namespace n on n.oid = f.pronamespace
   where s.kind = p_kind;
  if not found then
    perform private.raise_error('HL645', pg_catalog.format('subject kind %L', p_kind));
  end if;
  if p_subject_id is null then
    perform private.raise_error('HL649', 'subject id is required');
  end if;
  execute pg_catalog.format('select (%I.%I($1, $2, $3, $4)).*', v_handler.nsp, v_handler.fn)
    into v_payment using p_subject_id, v_uid, p_provider, p_payment_method;
  if v_payment.id is null then
    perform private.raise_error('HL649', pg_catalog.format('%s %s', p_kind, p_subject_id));
  end if;
  if v_payment.customer_id <> v_uid or v_payment.subject_kind <> p_kind or v_payment.subject_id <> p_subject_id then
    perform private.raise_error('HL002', 'the payment is not the caller''s payment of this subject');
  end if;
  return private.payment_intent_request(v_payment);
end;
$$;
comment on function public.prepare_subject_payment(text, uuid, text, text) is
  'The payer of a subject of another module (p_kind registered in private.payment_subjects with a prepare handler): the handler checks the subject and the caller and creates or resumes its payment (private.create_subject_payment); returns what the payments function needs to create the PaymentIntent (as prepare_booking_payment, with subject_kind and subject_id). Errors: HL002, HL006 (rate_limit.payments), HL629, HL641, HL645, HL649, and the handler''s own.';
revoke all on function public.prepare_subject_payment(text, uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.prepare_subject_payment(text, uuid, text, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Capture, cancel, refund, release.
------------------------------------------------------------------------------------------------
create or replace function private.lock_subject_payment(p_payment_id uuid)
returns public.payments
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
begin
  select * into v_payment from public.payments p where p.id = p_payment_id for update;
  if not found then
    perform private.raise_error('HL623', pg_catalog.format('payment %s', p_payment_id));
  end if;
  if v_payment.subject_kind = 'booking' then
    -- Bookings' payments follow the booking lifecycle (private.payments_after_booking_transition).
    perform private.raise_error('HL645', 'booking payments follow the booking''s transitions');
  end if;
  return v_payment;
end;
$$;
comment on function private.lock_subject_payment(uuid) is
  'Locks a payment of a subject other than booking for the entry points below. Errors: HL623, HL645 (a booking''s payment).';
revoke all on function private.lock_subject_payment(uuid) from public, anon, authenticated, service_role;

create or replace function private.capture_subject_payment(p_payment_id uuid, p_amount bigint default null)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments := private.lock_subject_payment(p_payment_id);
  v_amount bigint := coalesce(p_amount, v_payment.amount_authorized);
begin
  if v_payment.status <> 'authorized' or exists (
       select 1 from private.payment_operations o
        where o.payment_id = p_payment_id and o.operation in ('capture', 'cancel') and o.status in ('pending', 'sending')) then
    perform private.raise_error('HL647', pg_catalog.format('the payment is %s', v_payment.status));
  end if;
  if v_amount < 1 or v_amount > v_payment.amount_authorized then
    perform private.raise_error('HL646', pg_catalog.format('capture 1 to %s', v_payment.amount_authorized));
  end if;
  -- What is not captured is shared out like a refund when the escrow is released.
  update public.payments p set settlement = p.breakdown where p.id = p_payment_id;
  return private.queue_payment_operation('capture', v_payment.provider, v_payment.id, v_amount, v_payment.currency,
                                         v_payment.provider_ref);
end;
$$;
comment on function private.capture_subject_payment(uuid, bigint) is
  'For a subject''s module: queues the capture of an authorised payment (all, or p_amount: the rest of the hold is released; at release the payee, platform and tax get their share of what was kept). The money lands in escrow when the provider confirms; the subject''s handler sees capture. Returns the operation id. Errors: HL623, HL645, HL646 (amount), HL647 (not authorised, or a capture or void already queued).';
revoke all on function private.capture_subject_payment(uuid, bigint) from public, anon, authenticated, service_role;

create or replace function private.cancel_subject_payment(p_payment_id uuid, p_reason text default null)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments := private.lock_subject_payment(p_payment_id);
  v_pending bigint;
begin
  if v_payment.status in ('pending', 'requires_action') then
    if v_payment.provider_ref is not null then
      perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency,
                                              v_payment.provider_ref);
    end if;
    perform private.apply_payment_transition(v_payment.id, 'cancel', 'system', null, null,
                                             pg_catalog.jsonb_build_object('reason', coalesce(p_reason, 'subject_cancelled')));
    return 'canceled';
  end if;
  if v_payment.status in ('authorized', 'capture_failed') then
    if exists (select 1 from private.payment_operations o
                where o.payment_id = p_payment_id and o.operation = 'cancel' and o.status in ('pending', 'sending')) then
      return 'void_queued';
    end if;
    -- A capture still queued is dropped; one already at the provider lands in escrow (then refund).
    update private.payment_operations o set status = 'canceled', finished_at = private.now(), last_error = 'subject_cancelled'
     where o.payment_id = p_payment_id and o.operation = 'capture' and o.status = 'pending';
    perform private.queue_payment_operation('cancel', v_payment.provider, v_payment.id, null, v_payment.currency,
                                            v_payment.provider_ref);
    return 'void_queued';
  end if;
  if v_payment.status in ('captured', 'partially_refunded') then
    if v_payment.released_at is not null then
      perform private.raise_error('HL647', 'the escrow was released to the payee');
    end if;
    select coalesce(sum(r.amount), 0) into v_pending from public.payment_refunds r
     where r.payment_id = p_payment_id and r.status = 'pending';
    if v_payment.amount_captured - v_payment.amount_refunded - v_pending > 0 then
      perform private.request_refund(v_payment, v_payment.amount_captured - v_payment.amount_refunded - v_pending, 'cancellation');
    end if;
    return 'refund_requested';
  end if;
  return 'nothing';
end;
$$;
comment on function private.cancel_subject_payment(uuid, text) is
  'For a subject''s module: gives the payment up: pending or requires_action -> canceled (the intent voided); authorised -> void queued (a queued capture dropped); captured and not released -> a refund of everything kept (reason cancellation). Returns canceled, void_queued, refund_requested or nothing (already closed). Errors: HL623, HL645, HL647 (the escrow was released).';
revoke all on function private.cancel_subject_payment(uuid, text) from public, anon, authenticated, service_role;

create or replace function private.refund_subject_payment(p_payment_id uuid, p_amount bigint, p_reason text default 'operator')
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments := private.lock_subject_payment(p_payment_id);
  v_max bigint;
begin
  if v_payment.status not in ('captured', 'partially_refunded') or v_payment.released_at is not null then
    perform private.raise_error('HL647', pg_catalog.format('the payment is %s%s', v_payment.status,
                                                           case when v_payment.released_at is not null then ', released' else '' end));
  end if;
  if p_reason is null or p_reason not in ('dispute_resolution', 'cancellation', 'operator') then
    perform private.raise_error('HL646', 'reason dispute_resolution, cancellation or operator');
  end if;
  v_max := v_payment.amount_captured - v_payment.amount_refunded
           - (select coalesce(sum(r.amount), 0) from public.payment_refunds r where r.payment_id = p_payment_id and r.status = 'pending');
  if p_amount is null or p_amount < 1 or p_amount > v_max then
    perform private.raise_error('HL648', pg_catalog.format('1 to %s', v_max));
  end if;
  return private.request_refund(v_payment, p_amount, p_reason);
end;
$$;
comment on function private.refund_subject_payment(uuid, bigint, text) is
  'For a subject''s module: refunds p_amount of a captured payment before its escrow is released (ledger escrow -> refunds; the refund operation; on success refunds -> the payer, and the subject''s handler sees refund_partially or refund_fully). At release the payee, platform and tax lose their share of it (fees'' allocate_refund). Returns the refund id. Errors: HL623, HL645, HL646 (reason), HL647, HL648.';
revoke all on function private.refund_subject_payment(uuid, bigint, text) from public, anon, authenticated, service_role;

create or replace function private.release_subject_payment(p_payment_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments := private.lock_subject_payment(p_payment_id);
begin
  if v_payment.released_at is not null then
    return false;
  end if;
  if v_payment.status not in ('captured', 'partially_refunded', 'refunded')
     or exists (select 1 from public.payment_refunds r where r.payment_id = p_payment_id and r.status = 'pending') then
    perform private.raise_error('HL647', pg_catalog.format('the payment is %s%s', v_payment.status,
      case when v_payment.status in ('captured', 'partially_refunded') then ' with a refund pending' else '' end));
  end if;
  return private.release_payment(p_payment_id);
end;
$$;
comment on function private.release_subject_payment(uuid) is
  'For a subject''s module: releases a captured payment''s escrow (no refund pending): escrow -> the payee''s payable, platform revenue and tax, and the payee''s payout (held until the payee is verified and has a payouts-enabled account, then sent). Returns true, or false when already released. Errors: HL623, HL645, HL647.';
revoke all on function private.release_subject_payment(uuid) from public, anon, authenticated, service_role;
