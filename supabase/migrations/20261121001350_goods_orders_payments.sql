-- Module: goods (orders paid through money: escrow, payout, refunds, the ledger)
-- Goods registers the payment subject `order` in money's private.payment_subjects (a prepare
-- handler for POST /payments/subject and a handler called after every change of an order's
-- payment) and a handler in its own private.order_transition_handlers, so that:
--   * the buyer of a reserved order pays through the generic route: the payment is the order's
--     own fee breakdown (priced when it was reserved, the amount shown to the buyer), payee the
--     seller, due by the end of the reservation, manual capture;
--   * the authorisation takes the order's system transition `pay` and queues the capture at once,
--     so the money is in escrow before the seller hands the item over (a `pay` without an
--     authorised payment is refused, HL624);
--   * a declined, abandoned or expired payment leaves a reserved order reserved: the buyer may
--     try again (another card) until the reservation timer expires it; an authorisation that is
--     lost before the capture landed (voided, expired, capture failed) cancels a paid order as
--     the system (units back);
--   * cancelled or expired orders give the payment up (money's cancel_subject_payment: pending ->
--     canceled, authorised -> void, captured -> refund of everything kept);
--   * completed and resolved orders settle: the refund the order records (a dispute's
--     metadata.refund_amount) is requested first, then, once the capture is in escrow and no
--     refund is pending, the escrow is released (seller payable, platform revenue and VAT; the
--     payout held until the seller is verified with a payouts account: money's rules). When the
--     capture or the refund is still at the provider, the payment handler settles again when it
--     lands.
-- docs/goods.md, "Paying for orders".

------------------------------------------------------------------------------------------------
-- Error codes (HL858-HL859) and notification kinds.
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL858', 'order_not_payable', 409, 'This order does not take a payment now.',
   'Only a reserved order is paid; details give its state (a paid order answers its payment, a cancelled or expired one needs a new purchase).'),
  ('HL859', 'order_reservation_lapsed', 409, 'The reservation has run out.',
   'Pay before reserved_until; buy the product again if it is still available.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description)
select 'order.' || k, 'orders', 'goods', 'order.' || k || '.title', 'order.' || k || '.body',
       'hyperlocal://orders/{order_id}', array['order_id', 'reference', 'product_title'], d
  from (values
    ('payment_failed', 'The buyer''s payment for a reserved order failed; they can try again before the reservation ends.'),
    ('refunded', 'A refund of the buyer''s payment for an order succeeded.'),
    ('payout_released', 'The escrow of a completed or resolved order was released to the seller (the payout waits for verification and a payouts account).')
  ) as t(k, d)
on conflict (kind) do update
  set type_group = excluded.type_group, module = excluded.module, title_key = excluded.title_key,
      body_key = excluded.body_key, deep_link = excluded.deep_link, params = excluded.params,
      description = excluded.description;

insert into private.notification_texts (key, locale, text) values
  ('order.payment_failed.title', 'en', 'Payment failed'),
  ('order.payment_failed.title', 'ar', 'فشل الدفع'),
  ('order.payment_failed.body', 'en', 'Order {reference}: the payment for {product_title} did not go through. Try again before the reservation ends.'),
  ('order.payment_failed.body', 'ar', 'الطلب {reference}: لم يتم دفع {product_title}. حاول مرة أخرى قبل انتهاء الحجز.'),
  ('order.refunded.title', 'en', 'Refund sent'),
  ('order.refunded.title', 'ar', 'تم إرسال المبلغ المسترد'),
  ('order.refunded.body', 'en', 'Order {reference}: your refund for {product_title} is on its way to your card.'),
  ('order.refunded.body', 'ar', 'الطلب {reference}: المبلغ المسترد لـ {product_title} في طريقه إلى بطاقتك.'),
  ('order.payout_released.title', 'en', 'Earnings released'),
  ('order.payout_released.title', 'ar', 'تم الإفراج عن أرباحك'),
  ('order.payout_released.body', 'en', 'Order {reference}: your earnings for {product_title} are released. Payouts need a verified account with payouts set up.'),
  ('order.payout_released.body', 'ar', 'الطلب {reference}: تم الإفراج عن أرباحك من {product_title}. تتطلب التحويلات حساباً موثقاً مع إعداد التحويلات.')
on conflict (key, locale) do update set text = excluded.text;

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------
create or replace function private.order_payment_notice(p_order public.orders, p_user_id uuid, p_kind text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.notify(p_user_id, p_kind, pg_catalog.jsonb_build_object(
    'order_id', p_order.id, 'reference', p_order.reference, 'status', p_order.status,
    'product_title', (select p.title from public.products p where p.id = p_order.product_id)));
end;
$$;
comment on function private.order_payment_notice(public.orders, uuid, text) is
  'Notifies one side of an order of a payment event (order.payment_failed, order.refunded, order.payout_released).';
revoke all on function private.order_payment_notice(public.orders, uuid, text) from public, anon, authenticated, service_role;

-- Brings an order's payment in line with the order (idempotent; called by both handlers):
-- cancelled/expired -> give the payment up; completed/resolved -> the refund the order records,
-- then the release once the capture is in escrow and no refund is pending.
create or replace function private.settle_order_payment(p_order public.orders)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_pending bigint;
  v_missing bigint;
begin
  select * into v_payment from public.payments p
   where p.subject_kind = 'order' and p.subject_id = p_order.id and p.kind = 'order'
     for update;
  if not found then
    return 'no_payment';
  end if;
  if p_order.status in ('cancelled', 'expired') then
    if v_payment.released_at is not null then
      return 'released';
    end if;
    return private.cancel_subject_payment(v_payment.id, 'order_' || p_order.status);
  end if;
  if p_order.status not in ('completed', 'resolved') then
    return 'open';
  end if;
  if v_payment.released_at is not null then
    return 'released';
  end if;
  if v_payment.status not in ('captured', 'partially_refunded', 'refunded') then
    -- The capture is still at the provider (or failed: operators follow up); the payment handler
    -- settles again when it lands.
    return 'awaiting_capture';
  end if;
  select coalesce(sum(r.amount), 0) into v_pending from public.payment_refunds r
   where r.payment_id = v_payment.id and r.status = 'pending';
  v_missing := least(p_order.refunded_amount - v_payment.amount_refunded - v_pending,
                                v_payment.amount_captured - v_payment.amount_refunded - v_pending);
  if v_missing > 0 then
    perform private.refund_subject_payment(v_payment.id, v_missing, 'dispute_resolution');
    return 'refund_requested';
  end if;
  if v_pending > 0 then
    return 'awaiting_refund';
  end if;
  perform private.release_subject_payment(v_payment.id);
  perform private.order_payment_notice(p_order, p_order.seller_id, 'order.payout_released');
  return 'released';
end;
$$;
comment on function private.settle_order_payment(public.orders) is
  'Brings a goods order''s payment in line with the order: cancelled or expired -> money''s cancel_subject_payment (pending '
  'canceled, authorised voided, captured refunded); completed or resolved -> first the refund the order records '
  '(refunded_amount, reason dispute_resolution), then, once captured with no refund pending, release_subject_payment (seller '
  'payable, platform revenue, VAT; payout held until the seller can be paid) and order.payout_released to the seller. Returns '
  'what it did (no_payment, open, awaiting_capture, refund_requested, awaiting_refund, released, or cancel_subject_payment''s answer).';
revoke all on function private.settle_order_payment(public.orders) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The prepare handler: the buyer pays a reserved order (POST /payments/subject {kind: order}).
------------------------------------------------------------------------------------------------
create or replace function private.prepare_order_payment(p_subject_id uuid, p_payer_id uuid, p_provider text,
                                                         p_payment_method text)
returns public.payments
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
  v_payment public.payments;
  v_title text;
begin
  -- The product, then the order, then the payment: the transition path's lock order.
  perform 1 from public.products p where p.id = (select o.product_id from public.orders o where o.id = p_subject_id)
     for no key update;
  select * into v_order from public.orders o where o.id = p_subject_id for update;
  if not found or (p_payer_id <> v_order.buyer_id and p_payer_id <> v_order.seller_id
                   and not private.authorize('orders.manage')) then
    perform private.raise_error('HL840', pg_catalog.format('order %s', p_subject_id));
  end if;
  if p_payer_id <> v_order.buyer_id then
    perform private.raise_error('HL843', 'only the buyer pays for an order');
  end if;
  if v_order.status <> 'reserved' then
    -- Paid already: answer its payment as it is (a client retrying gets the same state).
    select * into v_payment from public.payments p
     where p.subject_kind = 'order' and p.subject_id = v_order.id and p.kind = 'order'
       and p.status not in ('pending', 'requires_action', 'failed', 'canceled', 'expired');
    if found and v_order.status not in ('cancelled', 'expired') then
      return v_payment;
    end if;
    perform private.raise_error('HL858', pg_catalog.format('order %s is %s', v_order.reference, v_order.status));
  end if;
  if v_order.reserved_until <= private.now() then
    perform private.raise_error('HL859', pg_catalog.format('reserved until %s', v_order.reserved_until));
  end if;
  select p.title into v_title from public.products p where p.id = v_order.product_id;
  return private.create_subject_payment('order', v_order.id, v_order.buyer_id, v_order.seller_id, null,
    v_order.breakdown || pg_catalog.jsonb_build_object(
      'trade_kind', v_order.trade_kind,
      'region_code', (select r.code from public.money_regions r where r.id = v_order.fee_region_id)),
    p_provider, p_payment_method, 'manual', v_order.reserved_until,
    pg_catalog.left(pg_catalog.format('Order %s: %s x %s', v_order.reference, v_order.quantity, v_title), 200));
end;
$$;
comment on function private.prepare_order_payment(uuid, uuid, text, text) is
  'Payment subject order, prepare handler (public.prepare_subject_payment, POST /payments/subject): the buyer of a reserved '
  'order pays the order''s fee breakdown (priced at reservation: customer_total) to the seller, manual capture, due by '
  'reserved_until; creates, resumes or retries the payment (private.create_subject_payment). A paid order answers its '
  'payment unchanged. Errors: HL840 (no such order, or not a side), HL843 (not the buyer), HL858 (not awaiting payment), '
  'HL859 (the reservation ran out).';
revoke all on function private.prepare_order_payment(uuid, uuid, text, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The payment handler: after every change of an order's payment.
------------------------------------------------------------------------------------------------
create or replace function private.order_payment_changed(p_payment public.payments, p_transition text, p_from_state text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders o where o.id = p_payment.subject_id;
  if not found then
    return;
  end if;
  if p_transition = 'authorize' then
    if v_order.status = 'reserved' then
      -- Money held: the order is paid (the order handler queues the capture).
      perform private.apply_order_transition(v_order.id, 'pay', 'system', null, null,
        pg_catalog.jsonb_build_object('payment_id', p_payment.id, 'amount', p_payment.amount_authorized));
    elsif v_order.status in ('cancelled', 'expired') then
      -- Authorised after the order closed: give the hold back.
      perform private.cancel_subject_payment(p_payment.id, 'order_' || v_order.status);
    end if;
  elsif p_transition in ('fail', 'cancel', 'expire', 'capture_fail') then
    if v_order.status = 'reserved' and p_transition = 'fail' then
      -- Declined: the order stays reserved; the buyer may try again until reserved_until.
      perform private.order_payment_notice(v_order, v_order.buyer_id, 'order.payment_failed');
    elsif v_order.status = 'paid' and p_payment.amount_captured = 0 then
      -- The hold is gone before the capture landed: the sale cannot go on.
      perform private.apply_order_transition(v_order.id, 'cancel', 'system', null,
        case p_transition when 'expire' then 'payment_expired' when 'cancel' then 'payment_canceled' else 'payment_failed' end,
        pg_catalog.jsonb_build_object('payment_id', p_payment.id, 'payment_transition', p_transition));
    end if;
  elsif p_transition = 'capture' then
    perform private.settle_order_payment(v_order);
  elsif p_transition in ('refund_partially', 'refund_fully') then
    perform private.order_payment_notice(v_order, v_order.buyer_id, 'order.refunded');
    perform private.settle_order_payment(v_order);
  end if;
end;
$$;
comment on function private.order_payment_changed(public.payments, text, text) is
  'Payment subject order, handler (money''s private.apply_payment_transition, same transaction): authorize -> the order''s '
  'system transition pay (or, if the order already closed, the hold voided); fail while reserved -> order.payment_failed to '
  'the buyer (the order stays reserved until reserved_until); the hold lost before capture (fail, cancel, expire, '
  'capture_fail) while paid -> the order cancelled as the system; capture, refund_partially, refund_fully -> settle '
  '(refund, then release of completed and resolved orders).';
revoke all on function private.order_payment_changed(public.payments, text, text) from public, anon, authenticated, service_role;

insert into private.payment_subjects (kind, module, handler, prepare_handler, description) values
  ('order', 'goods', 'private.order_payment_changed(public.payments, text, text)',
   'private.prepare_order_payment(uuid, uuid, text, text)',
   'Goods orders: the buyer pays the seller; captured when paid, released when the order completes or is resolved.')
on conflict (kind) do update
  set module = excluded.module, handler = excluded.handler, prepare_handler = excluded.prepare_handler,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- The order transition handler: what each order transition does to its payment.
------------------------------------------------------------------------------------------------
create or replace function private.order_payment_after_transition(p_order public.orders, p_transition text,
                                                                  p_actor_role text, p_reason text, p_metadata jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
begin
  if p_order.status = 'paid' then
    select * into v_payment from public.payments p
     where p.subject_kind = 'order' and p.subject_id = p_order.id and p.kind = 'order'
       for update;
    if not found or v_payment.status <> 'authorized' or v_payment.amount_authorized < p_order.customer_total then
      perform private.raise_error('HL624', pg_catalog.format('order %s: the buyer''s payment is %s', p_order.reference,
                                                            coalesce(v_payment.status, 'not started')));
    end if;
    -- Capture now: the money is in escrow before the seller hands the item over.
    perform private.capture_subject_payment(v_payment.id, p_order.customer_total);
    return;
  end if;
  perform private.settle_order_payment(p_order);
end;
$$;
comment on function private.order_payment_after_transition(public.orders, text, text, text, jsonb) is
  'Goods orders'' payment wiring (private.order_transition_handlers): pay -> requires the order''s payment authorised for '
  'the customer total (HL624) and queues its capture; cancelled and expired -> the payment given up (void or refund of '
  'everything kept); completed and resolved -> the refund of metadata.refund_amount (refunded_amount) and the release of '
  'the rest to the seller (private.settle_order_payment).';
revoke all on function private.order_payment_after_transition(public.orders, text, text, text, jsonb)
  from public, anon, authenticated, service_role;

insert into private.order_transition_handlers (handler, position, module, to_states, description) values
  ('private.order_payment_after_transition(public.orders, text, text, text, jsonb)', 1350, 'goods',
   '{paid,cancelled,expired,completed,resolved}',
   'Payments of orders: capture when paid, void or refund when cancelled or expired, refund and release when completed or resolved.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;
