-- Module: goods (orders meet trust)
-- Purchases as trades (private.trade_kinds: kind purchase, reputation role seller), as a dispute
-- kind (private.dispute_kinds: open -> the order's dispute transition, resolve -> its resolve
-- transition with metadata.refund_amount for the payment handlers, refundable -> what the buyer
-- paid less refunds) and in the review lists (private.review_trade_lists: completed and resolved
-- purchases), so open_dispute('purchase', ...), reviews of both sides and my_reviews_to_write work.

create or replace function private.purchase_trade(p_order_id uuid, p_user_id uuid)
returns private.trade
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
  v_trade private.trade;
begin
  select * into v_order from public.orders o where o.id = p_order_id;
  if not found then
    return null;
  end if;
  v_trade.kind := 'purchase';
  v_trade.id := v_order.id;
  v_trade.customer_id := v_order.buyer_id;
  v_trade.provider_id := v_order.seller_id;
  v_trade.business_id := null;
  v_trade.state := case
    when v_order.status in ('completed', 'resolved') then 'completed'
    when v_order.status = 'disputed' then 'disputed'
    when v_order.status in ('cancelled', 'expired') then 'closed'
    else 'open'
  end;
  v_trade.finished_at := case v_order.status when 'completed' then v_order.completed_at
                                             when 'resolved' then v_order.resolved_at end;
  v_trade.currency := v_order.currency;
  v_trade.amount := v_order.customer_total;
  v_trade.user_side := case
    when p_user_id is null then null
    when p_user_id = v_order.buyer_id then 'customer'
    when p_user_id = v_order.seller_id then 'provider'
  end;
  return v_trade;
end;
$$;
comment on function private.purchase_trade(uuid, uuid) is
  'A goods order as a trade: completed and resolved orders are completed, disputed ones disputed, cancelled and expired '
  'closed, the rest open; the buyer is the customer side, the seller the provider side; the amount is what the buyer pays.';
revoke all on function private.purchase_trade(uuid, uuid) from public, anon, authenticated, service_role;

insert into private.trade_kinds (kind, module, handler, provider_role, provider_subratings, customer_subratings, description) values
  ('purchase', 'goods', 'private.purchase_trade(uuid, uuid)', 'seller',
   '{accuracy,communication,packaging}', '{communication,punctuality}',
   'A purchase of goods (an order: buy now or an accepted offer).')
on conflict (kind) do update
  set module = excluded.module, handler = excluded.handler, provider_role = excluded.provider_role,
      provider_subratings = excluded.provider_subratings, customer_subratings = excluded.customer_subratings,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Purchases as a dispute kind.
------------------------------------------------------------------------------------------------
create or replace function private.open_purchase_dispute(p_trade_id uuid, p_actor_id uuid, p_actor_side text,
                                                          p_reason text, p_metadata jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  select o.status into v_status from public.orders o where o.id = p_trade_id for update;
  if v_status in ('disputed', 'resolved') then
    perform private.raise_error('HL744', pg_catalog.format('order %s is %s', p_trade_id, v_status));
  elsif v_status is distinct from 'sent' and v_status is distinct from 'received' then
    perform private.raise_error('HL743', pg_catalog.format('order %s is %s (disputes from: sent, received)',
                                                           p_trade_id, coalesce(v_status, 'missing')));
  end if;
  perform private.apply_order_transition(p_trade_id, 'dispute',
    case p_actor_side when 'customer' then 'buyer' else 'seller' end, p_actor_id, p_reason, p_metadata);
end;
$$;
comment on function private.open_purchase_dispute(uuid, uuid, text, text, jsonb) is
  'Dispute kind purchase, open: HL743 unless sent or received, HL744 when already disputed, else the order''s dispute '
  'transition as the buyer or the seller (HL857 after goods.dispute_window_hours from receipt).';
revoke all on function private.open_purchase_dispute(uuid, uuid, text, text, jsonb) from public, anon, authenticated, service_role;

create or replace function private.resolve_purchase_dispute(p_trade_id uuid, p_actor_id uuid, p_actor_role text,
                                                             p_refund_amount bigint, p_reason text, p_metadata jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.apply_order_transition(p_trade_id, 'resolve', p_actor_role, p_actor_id, coalesce(p_reason, 'resolved'),
    coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object('refund_amount', coalesce(p_refund_amount, 0)));
end;
$$;
comment on function private.resolve_purchase_dispute(uuid, uuid, text, bigint, text, jsonb) is
  'Dispute kind purchase, resolve: the order''s resolve transition with metadata.refund_amount (the payment handlers refund '
  'it and release the rest to the seller).';
revoke all on function private.resolve_purchase_dispute(uuid, uuid, text, bigint, text, jsonb) from public, anon, authenticated, service_role;

create or replace function private.purchase_refundable(p_trade_id uuid)
returns bigint
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select o.paid_amount - o.refunded_amount from public.orders o where o.id = p_trade_id), 0);
$$;
comment on function private.purchase_refundable(uuid) is
  'Dispute kind purchase, refundable: what the buyer paid for the order less what was refunded; 0 before payment.';
revoke all on function private.purchase_refundable(uuid) from public, anon, authenticated, service_role;

insert into private.dispute_kinds (kind, module, open_handler, resolve_handler, refundable_handler, description) values
  ('purchase', 'goods', 'private.open_purchase_dispute(uuid, uuid, text, text, jsonb)',
   'private.resolve_purchase_dispute(uuid, uuid, text, bigint, text, jsonb)', 'private.purchase_refundable(uuid)',
   'Goods orders: the dispute and resolve order transitions (refund in the resolve event''s metadata).')
on conflict (kind) do update
  set module = excluded.module, open_handler = excluded.open_handler, resolve_handler = excluded.resolve_handler,
      refundable_handler = excluded.refundable_handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Purchases in the review lists.
------------------------------------------------------------------------------------------------
create or replace function private.purchase_trades_of(p_user_id uuid, p_finished_after timestamptz)
returns setof private.trade
language sql
stable
security definer
set search_path = ''
as $$
  select t.*
    from (select o.id from public.orders o
           where o.buyer_id = p_user_id and o.status in ('completed', 'resolved')
          union
          select o.id from public.orders o
           where o.seller_id = p_user_id and o.status in ('completed', 'resolved')) ids
   cross join lateral private.purchase_trade(ids.id, p_user_id) t
   where t.state = 'completed' and t.finished_at > p_finished_after;
$$;
comment on function private.purchase_trades_of(uuid, timestamptz) is
  'The user''s completed or resolved orders (as buyer or seller) finished after p_finished_after, as trades.';
revoke all on function private.purchase_trades_of(uuid, timestamptz) from public, anon, authenticated, service_role;

insert into private.review_trade_lists (kind, handler, description) values
  ('purchase', 'private.purchase_trades_of(uuid, timestamptz)', 'Completed and resolved goods orders of a user.')
on conflict (kind) do update set handler = excluded.handler, description = excluded.description;
