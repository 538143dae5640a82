-- Module: money (the worker's outbox RPCs, webhook events, timers, dispatch, account deletion)
-- The payments edge function's worker route claims operations (claim_payment_operations), calls
-- the provider with each operation's idempotency key, applies the returned object (apply_*) and
-- reports (complete_payment_operation). stripe-webhook stores and applies events in one call
-- (apply_webhook_event). pg_cron runs the timers and wakes the worker through pg_net.

------------------------------------------------------------------------------------------------
-- The worker's RPCs (service role only).
------------------------------------------------------------------------------------------------
create or replace function public.claim_payment_operations(p_limit integer default null)
returns table (
  operation_id bigint,
  operation text,
  attempt integer,
  idempotency_key text,
  provider text,
  payment_id uuid,
  refund_id uuid,
  payout_id uuid,
  provider_ref text,
  amount bigint,
  currency char(3),
  payment_method text,
  provider_customer_ref text,
  destination_account text,
  metadata jsonb,
  created_at timestamptz
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_limit integer;
  v_now timestamptz := private.now();
  v_lease interval := pg_catalog.make_interval(secs => (private.setting('payments.operation_lease_seconds'))::integer);
  v_claimed bigint[];
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'claim_payment_operations is for the payments worker (service role)');
  end if;
  v_limit := coalesce(p_limit, (private.setting('payments.worker_batch_size'))::integer);
  if v_limit not between 1 and 100 then
    perform private.raise_error('HL631', pg_catalog.format('p_limit %s: 1 to 100', v_limit));
  end if;
  with due as (
    select o.id from private.payment_operations o
     where o.status in ('pending', 'sending') and o.next_attempt_at <= v_now
     order by o.next_attempt_at, o.id
     limit v_limit
       for update skip locked
  )
  , claimed as (
    update private.payment_operations o
       set status = 'sending', attempts = o.attempts + 1, next_attempt_at = v_now + v_lease
      from due
     where o.id = due.id
    returning o.id
  )
  select coalesce(pg_catalog.array_agg(c.id), '{}') into v_claimed from claimed c;
  return query
    select o.id, o.operation, o.attempts, o.idempotency_key, o.provider, o.payment_id, o.refund_id, o.payout_id,
           o.provider_ref, o.amount, o.currency, p.payment_method, c.customer_ref, a.provider_account_id,
           case o.operation
             when 'refund' then pg_catalog.jsonb_build_object('hl_refund_id', o.refund_id::text, 'hl_payment_id', o.payment_id::text)
             when 'transfer' then pg_catalog.jsonb_build_object('hl_payout_id', o.payout_id::text)
             when 'reauthorize' then pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                                       'hl_payment_id', p.id::text, 'hl_booking_id', p.booking_id::text,
                                       'hl_subject_kind', case when p.subject_kind <> 'booking' then p.subject_kind end,
                                       'hl_subject_id', case when p.subject_kind <> 'booking' then p.subject_id::text end,
                                       'hl_kind', p.kind, 'hl_operation_id', o.id::text))
             else pg_catalog.jsonb_build_object('hl_payment_id', o.payment_id::text)
           end,
           o.created_at
      from private.payment_operations o
      left join public.payments p on p.id = o.payment_id
      left join private.payment_customers c on c.profile_id = p.customer_id and c.provider = o.provider
      left join public.payouts po on po.id = o.payout_id
      left join public.payout_accounts a on a.id = po.payout_account_id
     where o.id = any (v_claimed)
     order by o.id;
end;
$$;
comment on function public.claim_payment_operations(integer) is
  'Service role (payments worker): claims up to p_limit (default payments.worker_batch_size, 1-100, HL631) due operations with for update skip locked and leases them for payments.operation_lease_seconds (an expired lease is claimed again, same idempotency key). Returns what the provider call needs, including the metadata to set on created objects.';
revoke all on function public.claim_payment_operations(integer) from public, anon, authenticated, service_role;
grant execute on function public.claim_payment_operations(integer) to service_role;

create or replace function public.complete_payment_operation(p_operation_id bigint, p_attempt integer, p_outcome text,
                                                             p_result jsonb default null, p_error text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_op private.payment_operations;
  v_now timestamptz := private.now();
  v_delay integer;
  v_error text := left(p_error, 300);
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'complete_payment_operation is for the payments worker (service role)');
  end if;
  if p_outcome is null or p_outcome not in ('succeeded', 'retry', 'failed') or p_attempt is null then
    perform private.raise_error('HL632', 'outcome succeeded, retry or failed, and the claimed attempt');
  end if;
  select * into v_op from private.payment_operations o where o.id = p_operation_id for update;
  if not found then
    perform private.raise_error('HL633', pg_catalog.format('operation %s', p_operation_id));
  end if;
  if v_op.status <> 'sending' or v_op.attempts <> p_attempt then
    return pg_catalog.jsonb_build_object('operation_id', v_op.id, 'status', v_op.status, 'next_attempt_at', null, 'stale', true);
  end if;

  if p_outcome = 'retry' and v_op.attempts < (private.setting('payments.max_attempts'))::integer then
    v_delay := least((private.setting('payments.retry_base_seconds'))::integer * (2 ^ (v_op.attempts - 1))::integer,
                     (private.setting('payments.retry_max_seconds'))::integer);
    update private.payment_operations o
       set status = 'pending', next_attempt_at = v_now + pg_catalog.make_interval(secs => v_delay), last_error = v_error,
           result = p_result
     where o.id = v_op.id
    returning * into v_op;
    return pg_catalog.jsonb_build_object('operation_id', v_op.id, 'status', v_op.status, 'next_attempt_at', v_op.next_attempt_at,
                                         'stale', false);
  end if;

  update private.payment_operations o
     set status = case when p_outcome = 'succeeded' then 'succeeded' else 'failed' end,
         finished_at = v_now, last_error = v_error, result = p_result
   where o.id = v_op.id
  returning * into v_op;

  if v_op.status = 'failed' then
    if v_op.operation = 'capture' then
      if exists (select 1 from public.payments p where p.id = v_op.payment_id and p.status = 'authorized') then
        update public.payments p set last_error = left(coalesce(v_error, 'capture failed'), 100) where p.id = v_op.payment_id;
        perform private.apply_payment_transition(v_op.payment_id, 'capture_fail', 'provider', v_op.amount, v_op.provider_ref,
                                                 pg_catalog.jsonb_build_object('error', v_error, 'operation_id', v_op.id));
      end if;
    elsif v_op.operation = 'reauthorize' then
      perform private.payment_failed(v_op.payment_id, coalesce(v_error, 'reauthorization_failed'), v_op.provider_ref);
    elsif v_op.operation = 'refund' then
      perform public.apply_refund(v_op.provider, pg_catalog.jsonb_build_object(
        'id', coalesce((select r.provider_ref from public.payment_refunds r where r.id = v_op.refund_id), 'failed:' || v_op.id),
        'status', 'failed', 'failure_reason', coalesce(v_error, 'refund failed'),
        'metadata', pg_catalog.jsonb_build_object('hl_refund_id', v_op.refund_id::text)));
    elsif v_op.operation = 'transfer' then
      perform private.payout_failed(v_op.payout_id, coalesce(v_error, 'transfer failed'));
    end if;
  end if;
  return pg_catalog.jsonb_build_object('operation_id', v_op.id, 'status', v_op.status, 'next_attempt_at', null, 'stale', false);
end;
$$;
comment on function public.complete_payment_operation(bigint, integer, text, jsonb, text) is
  'Service role (payments worker): reports a claimed attempt: succeeded (the object was applied with apply_*), retry (backoff payments.retry_base_seconds x 2^(attempt-1), capped; failed after payments.max_attempts) or failed (permanent). A failed capture marks the payment capture_failed; a failed reauthorize fails the payment and cancels the booking; a failed refund goes back to escrow; a failed transfer fails the payout (back to payable, new held payout). A stale attempt is ignored. Errors: HL002, HL632, HL633.';
revoke all on function public.complete_payment_operation(bigint, integer, text, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function public.complete_payment_operation(bigint, integer, text, jsonb, text) to service_role;

------------------------------------------------------------------------------------------------
-- Webhook events: stored once, applied through the apply_* functions in the same transaction.
------------------------------------------------------------------------------------------------
create or replace function private.dispatch_webhook_event(p_provider text, p_type text, p_object jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_refund jsonb;
  v_results jsonb := '[]'::jsonb;
begin
  if p_type like 'payment_intent.%' then
    return public.apply_payment_intent(p_provider, p_object);
  elsif p_type in ('charge.refunded', 'charge.refund.updated') and p_object ->> 'object' = 'charge' then
    for v_refund in select r from pg_catalog.jsonb_array_elements(coalesce(p_object #> '{refunds,data}', '[]'::jsonb)) r loop
      v_results := v_results || public.apply_refund(p_provider, v_refund);
    end loop;
    return pg_catalog.jsonb_build_object('refunds', v_results);
  elsif p_type in ('refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated') then
    return public.apply_refund(p_provider, p_object);
  elsif p_type = 'account.updated' then
    return public.apply_account(p_provider, p_object);
  elsif p_type in ('transfer.created', 'transfer.updated', 'transfer.reversed') then
    return public.apply_transfer(p_provider, p_object);
  end if;
  return null;
end;
$$;
comment on function private.dispatch_webhook_event(text, text, jsonb) is
  'Applies a webhook event''s object by type (payment_intent.*, charge.refunded, refund.*, account.updated, transfer.*); null for types the module ignores.';
revoke all on function private.dispatch_webhook_event(text, text, jsonb) from public, anon, authenticated, service_role;

create or replace function public.apply_webhook_event(p_provider text, p_event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_event ->> 'id';
  v_type text := p_event ->> 'type';
  v_object jsonb := p_event #> '{data,object}';
  v_result jsonb;
  v_status text;
  v_error text;
  v_inserted boolean;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'apply_webhook_event is for stripe-webhook (service role)');
  end if;
  perform private.check_payment_provider(p_provider);
  if p_event is null or pg_catalog.jsonb_typeof(p_event) <> 'object' or coalesce(v_id, '') = '' or coalesce(v_type, '') = ''
     or v_object is null or pg_catalog.jsonb_typeof(v_object) <> 'object'
     or pg_catalog.length(v_id) > 255 or pg_catalog.length(v_type) > 100 then
    perform private.raise_error('HL635', 'id, type and data.object');
  end if;

  insert into private.webhook_events (provider, event_id, type, status, payload)
  values (p_provider, v_id, v_type, 'ignored', p_event)
  on conflict (provider, event_id) do nothing
  returning true into v_inserted;
  if v_inserted is null then
    update private.webhook_events w
       set duplicates = w.duplicates + 1, last_duplicate_at = now()
     where w.provider = p_provider and w.event_id = v_id;
    return pg_catalog.jsonb_build_object('event_id', v_id, 'type', v_type, 'status', 'duplicate', 'result', null, 'error', null);
  end if;

  begin
    v_result := private.dispatch_webhook_event(p_provider, v_type, v_object);
    v_status := case when v_result is null or v_result ? 'ignored' then 'ignored' else 'applied' end;
  exception when others then
    v_status := 'failed';
    v_error := left(sqlstate || ' ' || sqlerrm, 500);
  end;
  update private.webhook_events w
     set status = v_status, result = v_result, error = v_error,
         applied_at = case when v_status = 'applied' then now() end
   where w.provider = p_provider and w.event_id = v_id;
  return pg_catalog.jsonb_build_object('event_id', v_id, 'type', v_type, 'status', v_status, 'result', v_result, 'error', v_error);
end;
$$;
comment on function public.apply_webhook_event(text, jsonb) is
  'Service role (stripe-webhook, after the signature check): stores the event id once (a duplicate is counted and answers status duplicate), applies its object through apply_payment_intent / apply_refund / apply_account / apply_transfer in the same transaction, records unknown types and unknown objects as ignored and a failed application as failed (its error kept; no exception). Errors: HL002, HL629, HL635 (no id, type or data.object).';
revoke all on function public.apply_webhook_event(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.apply_webhook_event(text, jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- Timers (pg_cron hyperlocal-payment-timers, every minute).
------------------------------------------------------------------------------------------------
create or replace function private.run_payment_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_batch integer := (private.setting('payments.timer_batch_size'))::integer;
  v_margin interval := pg_catalog.make_interval(mins => (private.setting('payments.reauthorize_margin_minutes'))::integer);
  v_due_minutes integer := (private.setting('payments.authorization_due_minutes'))::integer;
  v_window interval := pg_catalog.make_interval(mins => (private.setting('bookings.dispute_window_minutes'))::integer);
  v_row record;
  v_cancelled integer := 0;
  v_reauthorizations integer := 0;
  v_released integer := 0;
  v_payouts integer := 0;
begin
  -- Accepted bookings whose payment was not authorised in time.
  for v_row in
    select b.id from public.bookings b
     where b.status = 'accepted' and b.price > 0
       and (coalesce(b.accepted_at, b.status_changed_at) + pg_catalog.make_interval(mins => v_due_minutes) <= v_now
            or pg_catalog.lower(b.period) <= v_now)
       and not exists (select 1 from public.payments p
                        where p.booking_id = b.id and p.kind = 'booking' and p.status in ('authorized', 'captured'))
     order by b.accepted_at
     limit v_batch
       for update of b skip locked
  loop
    perform private.apply_booking_transition(v_row.id, 'cancel', 'system', null, 'payment_not_authorised',
                                             '{"payment": "payment_not_authorised"}'::jsonb);
    v_cancelled := v_cancelled + 1;
  end loop;

  -- Re-authorise a margin before the authorisation expires while the subject still needs it: a
  -- booking until it is closed; any other subject's authorised payment until its module captures
  -- or voids it (an authorised payment is one nobody has settled yet).
  for v_row in
    select p.id, p.provider, p.amount_authorized, p.currency, p.provider_ref
      from public.payments p
      left join public.bookings b on b.id = p.booking_id
     where p.status = 'authorized' and p.kind <> 'tip'
       and p.authorization_expires_at - v_margin <= v_now
       and (p.subject_kind <> 'booking' or b.status in ('accepted', 'en_route', 'arrived', 'in_progress', 'disputed'))
       and not exists (select 1 from private.payment_operations o
                        where o.payment_id = p.id and o.status in ('pending', 'sending')
                          and o.operation in ('reauthorize', 'capture', 'cancel'))
     order by p.authorization_expires_at
     limit v_batch
       for update of p skip locked
  loop
    perform private.queue_payment_operation('reauthorize', v_row.provider, v_row.id, v_row.amount_authorized, v_row.currency,
                                            v_row.provider_ref);
    v_reauthorizations := v_reauthorizations + 1;
  end loop;

  -- Escrow of completed bookings nobody disputed within the window.
  for v_row in
    select p.id
      from public.payments p
      join public.bookings b on b.id = p.booking_id
     where p.released_at is null and p.amount_captured > 0 and p.kind = 'booking'
       and b.status = 'completed' and coalesce(b.completed_at, b.status_changed_at) + v_window <= v_now
     limit v_batch
  loop
    if private.release_payment(v_row.id) then
      v_released := v_released + 1;
    end if;
  end loop;

  -- Safety net: held payouts whose payee can be paid now (verification or account changed).
  for v_row in
    select o.id, coalesce(p.provider, 'local') as provider
      from public.payouts o
      left join public.payments p on p.id = o.payment_id
     where o.status = 'held' and o.held_reason is distinct from 'previous_payout_failed'
     order by o.created_at
     limit v_batch
  loop
    if private.send_payout(v_row.id, v_row.provider) then
      v_payouts := v_payouts + 1;
    end if;
  end loop;

  return pg_catalog.jsonb_build_object('bookings_cancelled', v_cancelled, 'reauthorizations_queued', v_reauthorizations,
                                       'payments_released', v_released, 'payouts_sent', v_payouts);
end;
$$;
comment on function private.run_payment_timers() is
  'pg_cron hyperlocal-payment-timers: cancels accepted bookings whose payment is not authorised by payments.authorization_due_minutes after acceptance or the start (reason payment_not_authorised); queues reauthorize payments.reauthorize_margin_minutes before an authorisation expires while the booking needs it (any subject''s authorised payment for other subjects); releases the escrow of completed bookings after bookings.dispute_window_minutes; sends held payouts whose payee can now be paid. At most payments.timer_batch_size per kind; returns the counts.';
revoke all on function private.run_payment_timers() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-payment-timers', '* * * * *', 'select private.run_payment_timers()');

------------------------------------------------------------------------------------------------
-- Waking the worker (pg_cron hyperlocal-payments), like core's private.dispatch_push.
------------------------------------------------------------------------------------------------
create or replace function private.dispatch_payments()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.setting('payments.dispatch_enabled')::boolean then
    return null;
  end if;
  if not exists (select 1 from private.payment_operations o
                  where o.status in ('pending', 'sending') and o.next_attempt_at <= private.now()) then
    return null;
  end if;
  return private.post_to_edge_function('payments/worker', 'dispatch_payments');
end;
$$;
comment on function private.dispatch_payments() is
  'pg_cron job hyperlocal-payments: when payment operations are due, queues POST <hyperlocal_api_url>/functions/v1/payments/worker with the service role key (both from Vault) through pg_net; returns the request id, or null when payments.dispatch_enabled is false, nothing is due or the secrets are missing.';
revoke all on function private.dispatch_payments() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-payments', '* * * * *', 'select private.dispatch_payments()');

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 420: after bookings cancelled what was open).
-- Payments, refunds, payouts and the ledger are financial records: they stay, tied to the
-- anonymised profile. The provider customer reference (saved cards) is forgotten and the payout
-- accounts' e-mail erased; held payouts of a deleted payee stay held for operators to settle.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_payments(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.payment_customers c where c.profile_id = p_user_id;
  update public.payout_accounts a set email = null where a.profile_id = p_user_id and a.email is not null;
end;
$$;
comment on function private.delete_account_payments(uuid) is
  'Account deletion step of the money module: forgets the user''s provider customer (saved payment methods) and erases their payout account''s e-mail; payments, refunds, payouts and ledger entries stay (financial records).';
revoke all on function private.delete_account_payments(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_payments(uuid)', 420, 'money',
   'Forget the provider customer and the payout e-mail; keep payments, payouts and the ledger.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
