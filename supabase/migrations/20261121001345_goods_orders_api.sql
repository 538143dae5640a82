-- Module: goods (orders: reservation, the transition path, RPCs, timers, account deletion)
-- private.reserve_product is the one way an order is created (buy_product at the listing price;
-- the offers part calls it when an offer is accepted). private.apply_order_transition is the one
-- way an order changes. Stock is written only through private.set_product_stock (products API).

------------------------------------------------------------------------------------------------
-- Stock: after a reservation or a transition, the product's available units and status.
------------------------------------------------------------------------------------------------
-- The product must be locked by the caller. available: units left; reserved: none left and some
-- reserved for payment; sold: none left and none reserved.
create or replace function private.sync_order_stock(p_product_id uuid, p_delta integer)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_available integer;
begin
  select p.available_quantity + p_delta into v_available from public.products p where p.id = p_product_id;
  return private.set_product_stock(p_product_id, v_available,
    case when v_available > 0 then 'available'
         when exists (select 1 from public.orders o where o.product_id = p_product_id and o.status = 'reserved') then 'reserved'
         else 'sold' end);
end;
$$;
comment on function private.sync_order_stock(uuid, integer) is
  'Moves a (locked) product''s available units by p_delta and sets its status: available with units left, reserved when '
  'none are left but an order still awaits payment, sold otherwise (through private.set_product_stock).';
revoke all on function private.sync_order_stock(uuid, integer) from public, anon, authenticated, service_role;

-- Later modules' handlers (private.order_transition_handlers), in position order.
create or replace function private.run_order_transition_handlers(
  p_order public.orders, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_handler record;
begin
  for v_handler in
    select n.nspname::text as nsp, p.proname::text as fn
      from private.order_transition_handlers h
      join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(h.handler)
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where h.to_states is null or p_order.status = any (h.to_states)
     order by h.position
  loop
    execute pg_catalog.format('select %I.%I($1, $2, $3, $4, $5)', v_handler.nsp, v_handler.fn)
      using p_order, p_transition, p_actor_role, p_reason, coalesce(p_metadata, '{}'::jsonb);
  end loop;
end;
$$;
comment on function private.run_order_transition_handlers(public.orders, text, text, text, jsonb) is
  'Calls the handlers registered in private.order_transition_handlers for the order''s new state, in position order.';
revoke all on function private.run_order_transition_handlers(public.orders, text, text, text, jsonb)
  from public, anon, authenticated, service_role;

create or replace function private.order_notice(p_order public.orders, p_transition text, p_actor_role text, p_reason text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payload jsonb;
begin
  v_payload := pg_catalog.jsonb_build_object(
    'order_id', p_order.id, 'reference', p_order.reference, 'transition', p_transition, 'to', p_order.status,
    'actor', p_actor_role, 'reason', p_reason,
    'product_title', (select p.title from public.products p where p.id = p_order.product_id));
  -- Tell the other side (both when an operator or the system acted).
  if p_actor_role <> 'buyer' then
    perform private.notify(p_order.buyer_id, 'order.' || p_order.status, v_payload);
  end if;
  if p_actor_role <> 'seller' then
    perform private.notify(p_order.seller_id, 'order.' || p_order.status, v_payload);
  end if;
end;
$$;
comment on function private.order_notice(public.orders, text, text, text) is
  'Notifies order.<state> to the side that did not act (both when the operator or the system acted).';
revoke all on function private.order_notice(public.orders, text, text, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Reservation: the one way an order is created.
------------------------------------------------------------------------------------------------
create or replace function private.reserve_product(
  p_product_id uuid,
  p_buyer_id uuid,
  p_quantity integer,
  p_unit_price bigint,
  p_offer_id uuid default null,
  p_fulfilment text default 'meetup',
  p_delivery_address text default null,
  p_meetup_place text default null,
  p_note text default null
)
returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_product public.products;
  v_order public.orders;
  v_trade text;
  v_context jsonb;
  v_breakdown jsonb;
  v_max integer := (private.setting('goods.max_order_quantity'))::integer;
  v_address text := nullif(pg_catalog.btrim(p_delivery_address), '');
  v_place text := nullif(pg_catalog.btrim(p_meetup_place), '');
  v_note text := nullif(pg_catalog.btrim(p_note), '');
  v_actor text := case when p_buyer_id = (select auth.uid()) then 'buyer' else 'system' end;
begin
  if p_buyer_id is null then
    perform private.raise_error('HL001');
  end if;
  if p_quantity is null or p_quantity < 1 or p_quantity > v_max then
    perform private.raise_error('HL847', pg_catalog.format('quantity %s (1 to %s)', coalesce(p_quantity::text, 'null'), v_max));
  end if;
  if p_unit_price is null or p_unit_price not between 0 and 1000000000 then
    perform private.raise_error('HL856', pg_catalog.format('unit price %s', coalesce(p_unit_price::text, 'null')));
  end if;
  if p_fulfilment is null or p_fulfilment not in ('delivery', 'meetup') then
    perform private.raise_error('HL848', pg_catalog.format('fulfilment %L (delivery or meetup)', p_fulfilment));
  end if;
  if p_fulfilment = 'delivery' and (v_address is null or pg_catalog.char_length(v_address) > 300) then
    perform private.raise_error('HL848', 'a delivery needs p_delivery_address (1 to 300 characters)');
  end if;
  if pg_catalog.char_length(v_place) > 300 or pg_catalog.char_length(v_note) > 1000 then
    perform private.raise_error('HL848', 'p_meetup_place is up to 300 characters, p_note up to 1000');
  end if;
  perform private.assert_not_suspended(p_buyer_id);

  -- One buyer at a time per product: the row lock serialises every reservation of this product,
  -- and each one reads the stock the previous one left (READ COMMITTED re-reads the locked row).
  select * into v_product from public.products p where p.id = p_product_id for no key update;
  if not found or v_product.hidden_at is not null or v_product.withdrawn_at is not null then
    perform private.raise_error('HL800', pg_catalog.format('product %s', coalesce(p_product_id::text, 'null')));
  end if;
  if v_product.seller_id = p_buyer_id then
    perform private.raise_error('HL846');
  end if;
  if v_product.status = 'sold' then
    perform private.raise_error('HL844', 'the product is sold');
  end if;
  if v_product.available_quantity < p_quantity then
    perform private.raise_error('HL845', pg_catalog.format('%s available, %s asked', v_product.available_quantity, p_quantity));
  end if;
  if (select pg_catalog.count(*) from public.orders o where o.buyer_id = p_buyer_id and o.status = 'reserved')
     >= (private.setting('goods.max_open_reservations'))::integer then
    perform private.raise_error('HL851', pg_catalog.format('at most %s', private.setting('goods.max_open_reservations')));
  end if;

  -- Money's price for this sale, kept on the order.
  v_trade := 'goods_' || v_product.feed;
  v_context := private.fee_context(v_trade, v_product.currency, v_product.category_id, v_product.location, v_now);
  v_breakdown := private.fee_breakdown((v_context - 'region_id' - 'region_code' - 'exponent')
    || pg_catalog.jsonb_build_object('price', p_unit_price * p_quantity, 'tip', 0));

  insert into public.orders (buyer_id, seller_id, product_id, offer_id, quantity, unit_price, subtotal, currency, trade_kind,
                             fee_schedule_id, fee_region_id, breakdown, customer_total, seller_payout, platform_revenue, tax,
                             fulfilment, delivery_address, meetup_place, buyer_note, status, reserved_until,
                             status_changed_at, created_at, updated_at)
  values (p_buyer_id, v_product.seller_id, v_product.id, p_offer_id, p_quantity, p_unit_price, p_unit_price * p_quantity,
          v_product.currency, v_trade, (v_context ->> 'schedule_id')::uuid, (v_context ->> 'region_id')::uuid, v_breakdown,
          (v_breakdown ->> 'customer_total')::bigint, (v_breakdown ->> 'provider_payout')::bigint,
          (v_breakdown ->> 'platform_revenue')::bigint, (v_breakdown ->> 'tax')::bigint,
          p_fulfilment, case when p_fulfilment = 'delivery' then v_address end,
          coalesce(v_place, case when p_fulfilment = 'meetup' then v_product.neighbourhood end), v_note, 'reserved',
          v_now + pg_catalog.make_interval(mins => (private.setting('goods.reservation_minutes'))::integer),
          v_now, v_now, v_now)
  returning * into v_order;

  perform private.sync_order_stock(v_product.id, -p_quantity);

  insert into public.order_events (order_id, transition, from_state, to_state, actor_id, actor_role, metadata, created_at)
  values (v_order.id, 'reserve', null, 'reserved', case when v_actor = 'buyer' then p_buyer_id end, v_actor,
          pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
            'product_id', v_product.id, 'quantity', p_quantity, 'unit_price', p_unit_price, 'offer_id', p_offer_id,
            'reserved_until', v_order.reserved_until)),
          v_now);
  perform private.notify(v_order.seller_id, 'order.reserved', pg_catalog.jsonb_build_object(
    'order_id', v_order.id, 'reference', v_order.reference, 'product_title', v_product.title,
    'quantity', p_quantity, 'reserved_until', v_order.reserved_until));
  perform private.run_order_transition_handlers(v_order, 'reserve', v_actor, null,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('offer_id', p_offer_id)));
  return v_order;
end;
$$;
comment on function private.reserve_product(uuid, uuid, integer, bigint, uuid, text, text, text, text) is
  'Reserves p_quantity units of a product for a buyer at p_unit_price (buy now: the listing price; the offers part: the '
  'accepted price, with p_offer_id): locks the product, checks it is visible, not the buyer''s own, not sold, with enough '
  'units, the buyer''s open reservations and suspensions; prices it with money''s fee schedule for goods_<feed>; inserts the '
  'order (reserved until now + goods.reservation_minutes), moves the stock, writes the reserve event, notifies the seller '
  'and calls the registered order transition handlers (transition reserve). HL001, HL800, HL844-HL848, HL851, HL856, '
  'HL761/HL762, HL600/HL608.';
revoke all on function private.reserve_product(uuid, uuid, integer, bigint, uuid, text, text, text, text)
  from public, anon, authenticated, service_role;
grant execute on function private.reserve_product(uuid, uuid, integer, bigint, uuid, text, text, text, text) to service_role;

------------------------------------------------------------------------------------------------
-- The one transition path.
------------------------------------------------------------------------------------------------
create or replace function private.apply_order_transition(
  p_order_id uuid,
  p_transition text,
  p_actor_role text,
  p_actor_id uuid,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
  v_transition public.order_transitions;
  v_now timestamptz := private.now();
  v_reason text := nullif(pg_catalog.btrim(p_reason), '');
  v_metadata jsonb := coalesce(p_metadata, '{}'::jsonb);
  v_due timestamptz;
  v_refund bigint := 0;
begin
  -- The product first, then the order: the same lock order as a reservation, so stock changes
  -- never deadlock with buyers.
  perform 1 from public.products p where p.id = (select o.product_id from public.orders o where o.id = p_order_id)
     for no key update;
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if not found then
    perform private.raise_error('HL840', pg_catalog.format('order %s', p_order_id));
  end if;
  select * into v_transition from public.order_transitions t where t.name = p_transition and t.from_state = v_order.status;
  if not found then
    if not exists (select 1 from public.order_transitions t where t.name = p_transition) then
      perform private.raise_error('HL841', pg_catalog.format('action %L', p_transition));
    end if;
    perform private.raise_error('HL842', pg_catalog.format('cannot %s an order that is %s (%s starts from: %s)',
      p_transition, v_order.status, p_transition,
      (select pg_catalog.string_agg(t.from_state, ', ' order by t.from_state) from public.order_transitions t where t.name = p_transition)));
  end if;
  if not (p_actor_role = any (v_transition.actors)) then
    perform private.raise_error('HL843', pg_catalog.format('%s may not %s an order that is %s (allowed: %s)',
      p_actor_role, p_transition, v_order.status, pg_catalog.array_to_string(v_transition.actors, ', ')));
  end if;

  -- Guards.
  if p_transition = 'cancel' and v_order.status = 'paid' and p_actor_role <> 'system' and v_reason is null then
    perform private.raise_error('HL850', 'cancelling a paid order needs a reason');
  end if;
  if p_transition = 'expire' and v_now < v_order.reserved_until then
    perform private.raise_error('HL849', pg_catalog.format('the reservation runs until %s', v_order.reserved_until));
  end if;
  if p_transition = 'receive' and p_actor_role = 'system' then
    v_due := v_order.sent_at + pg_catalog.make_interval(hours => (private.setting('goods.auto_receive_hours'))::integer);
    if v_now < v_due then
      perform private.raise_error('HL849', pg_catalog.format('automatic receipt is due at %s', v_due));
    end if;
  end if;
  if p_transition = 'complete' then
    v_due := v_order.received_at + pg_catalog.make_interval(hours => (private.setting('goods.dispute_window_hours'))::integer);
    if v_now < v_due and p_actor_role = 'system' then
      perform private.raise_error('HL849', pg_catalog.format('completion is due at %s', v_due));
    end if;
  end if;
  if p_transition = 'dispute' and v_order.status = 'received' then
    v_due := v_order.received_at + pg_catalog.make_interval(hours => (private.setting('goods.dispute_window_hours'))::integer);
    if v_now > v_due then
      perform private.raise_error('HL857', pg_catalog.format('disputes were possible until %s', v_due));
    end if;
  end if;

  -- The refund points, for the payment handlers: everything paid when a paid order is cancelled,
  -- metadata.refund_amount (at most what is left) when a dispute is resolved.
  if p_transition = 'cancel' and v_order.status = 'paid' then
    v_refund := v_order.paid_amount - v_order.refunded_amount;
    v_metadata := v_metadata || pg_catalog.jsonb_build_object('refund_amount', v_refund);
  elsif p_transition = 'resolve' then
    v_refund := coalesce((v_metadata ->> 'refund_amount')::bigint, 0);
    if v_refund < 0 or v_refund > v_order.paid_amount - v_order.refunded_amount then
      perform private.raise_error('HL625', pg_catalog.format('at most %s %s can be refunded',
        v_order.paid_amount - v_order.refunded_amount, v_order.currency));
    end if;
    v_metadata := v_metadata || pg_catalog.jsonb_build_object('refund_amount', v_refund);
  end if;

  update public.orders o
     set status = v_transition.to_state,
         status_changed_at = v_now,
         paid_amount = case when p_transition = 'pay' then o.customer_total else o.paid_amount end,
         refunded_amount = o.refunded_amount + v_refund,
         paid_at = case when v_transition.to_state = 'paid' then v_now else o.paid_at end,
         sent_at = case when v_transition.to_state = 'sent' then v_now else o.sent_at end,
         received_at = case when v_transition.to_state = 'received' then v_now else o.received_at end,
         completed_at = case when v_transition.to_state = 'completed' then v_now else o.completed_at end,
         cancelled_at = case when v_transition.to_state = 'cancelled' then v_now else o.cancelled_at end,
         expired_at = case when v_transition.to_state = 'expired' then v_now else o.expired_at end,
         disputed_at = case when v_transition.to_state = 'disputed' then v_now else o.disputed_at end,
         resolved_at = case when v_transition.to_state = 'resolved' then v_now else o.resolved_at end,
         cancelled_by = case when v_transition.to_state = 'cancelled' then p_actor_role else o.cancelled_by end,
         cancel_reason = case when v_transition.to_state = 'cancelled' then coalesce(v_reason, p_transition) else o.cancel_reason end
   where o.id = p_order_id
  returning * into v_order;

  -- Stock: units go back when the order lets them go; a paid reservation may make the product sold.
  if not (select s.holds_stock from public.order_states s where s.state = v_transition.to_state) then
    perform private.sync_order_stock(v_order.product_id, v_order.quantity);
  elsif v_transition.from_state = 'reserved' then
    perform private.sync_order_stock(v_order.product_id, 0);
  end if;

  insert into public.order_events (order_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata, created_at)
  values (p_order_id, p_transition, v_transition.from_state, v_transition.to_state,
          case when p_actor_role = 'system' then null else p_actor_id end, p_actor_role, v_reason, v_metadata, v_now);

  perform private.order_notice(v_order, p_transition, p_actor_role, v_reason);
  perform private.run_order_transition_handlers(v_order, p_transition, p_actor_role, v_reason, v_metadata);
  return v_order;
end;
$$;
comment on function private.apply_order_transition(uuid, text, text, uuid, text, jsonb) is
  'The single transition path of goods orders: locks the product and the order, checks the transition from the order''s '
  'state and the actor against order_transitions, runs the guards (reason to cancel a paid order, due times, the dispute '
  'window), records the refund point (cancel after payment: everything paid; resolve: metadata.refund_amount), updates the '
  'status and milestone, gives units back (or marks the product sold), writes the order_events row, notifies, then calls '
  'the handlers in private.order_transition_handlers. Used by transition_order, the timers (system) and trust''s dispute kind.';
revoke all on function private.apply_order_transition(uuid, text, text, uuid, text, jsonb)
  from public, anon, authenticated, service_role;
grant execute on function private.apply_order_transition(uuid, text, text, uuid, text, jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- Who the caller is on an order: buyer, seller, operator (orders.manage, not a side), system
-- (service role without a user); null otherwise.
------------------------------------------------------------------------------------------------
create or replace function private.order_actor(p_order public.orders)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when (select auth.uid()) is null and private.is_service_role() then 'system'
    when p_order.buyer_id = (select auth.uid()) then 'buyer'
    when p_order.seller_id = (select auth.uid()) then 'seller'
    when private.authorize('orders.manage') then 'operator'
  end;
$$;
comment on function private.order_actor(public.orders) is
  'The caller''s role on an order: buyer, seller, operator (orders.manage), system (service role); null for anyone else.';
revoke all on function private.order_actor(public.orders) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- RPCs
------------------------------------------------------------------------------------------------
create or replace function public.buy_product(
  p_product_id uuid,
  p_quantity integer default 1,
  p_fulfilment text default 'meetup',
  p_delivery_address text default null,
  p_meetup_place text default null,
  p_note text default null
)
returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_price bigint;
begin
  select p.price into v_price from public.products p where p.id = p_product_id;
  return private.reserve_product(p_product_id, v_uid, p_quantity, coalesce(v_price, 0), null, p_fulfilment,
                                 p_delivery_address, p_meetup_place, p_note);
end;
$$;
comment on function public.buy_product(uuid, integer, text, text, text, text) is
  'Buy now: reserves p_quantity units of a product at its listing price for the caller until reserved_until (goods.reservation_minutes), '
  'for delivery (p_delivery_address) or a meet-up (p_meetup_place, default the product''s neighbourhood). Returns the order '
  '(status reserved, with money''s fee breakdown); the payment moves it to paid. Errors: HL001, HL800 (not visible), HL844 '
  'sold, HL845 not enough units, HL846 own product, HL847 quantity, HL848 fulfilment, HL851 too many open reservations, '
  'HL761/HL762 suspended.';
revoke all on function public.buy_product(uuid, integer, text, text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.buy_product(uuid, integer, text, text, text, text) to authenticated;

create or replace function public.transition_order(
  p_order_id uuid,
  p_action text,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
  v_actor text;
begin
  if p_reason is not null and pg_catalog.char_length(p_reason) > 1000 then
    perform private.raise_error('HL854', 'p_reason is limited to 1000 characters');
  end if;
  if p_metadata is not null and (pg_catalog.jsonb_typeof(p_metadata) <> 'object' or pg_catalog.octet_length(p_metadata::text) > 4096) then
    perform private.raise_error('HL854', 'p_metadata must be a JSON object under 4 KB');
  end if;
  select * into v_order from public.orders o where o.id = p_order_id;
  v_actor := case when v_order.id is not null then private.order_actor(v_order) end;
  if v_actor is null then
    if v_order.id is null and not private.is_service_role() then
      perform private.require_uid();
    end if;
    perform private.raise_error('HL840', pg_catalog.format('order %s', coalesce(p_order_id::text, 'null')));
  end if;
  if p_action in ('dispute', 'resolve') then
    perform private.raise_error('HL853');
  end if;
  return private.apply_order_transition(p_order_id, p_action, v_actor, (select auth.uid()), p_reason, p_metadata);
end;
$$;
comment on function public.transition_order(uuid, text, text, jsonb) is
  'The one order action RPC: the buyer cancels (a paid order with a reason) and marks received; the seller cancels and '
  'marks sent (delivery) or handed over (meet-up); operators (orders.manage) cancel and complete; the service role acts as '
  'the system (pay: the buyer''s money is held). dispute and resolve go through open_dispute / resolve_dispute (HL853). '
  'Errors: HL001, HL840, HL841, HL842, HL843, HL849, HL850, HL854.';
revoke all on function public.transition_order(uuid, text, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.transition_order(uuid, text, text, jsonb) to authenticated, service_role;

create or replace function public.get_order(p_order_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
  v_actor text;
begin
  select * into v_order from public.orders o where o.id = p_order_id;
  v_actor := case when v_order.id is not null then private.order_actor(v_order) end;
  if v_actor is null then
    if v_order.id is null and not private.is_service_role() then
      perform private.require_uid();
    end if;
    perform private.raise_error('HL840', pg_catalog.format('order %s', coalesce(p_order_id::text, 'null')));
  end if;
  return pg_catalog.to_jsonb(v_order) || pg_catalog.jsonb_build_object(
    'my_role', v_actor,
    'product', (select pg_catalog.jsonb_build_object('id', p.id, 'title', p.title, 'image_paths', p.image_paths,
                                                      'condition', p.condition, 'status', p.status)
                  from public.products p where p.id = v_order.product_id),
    'actions', coalesce((select pg_catalog.jsonb_agg(t.name order by t.name)
                           from public.order_transitions t
                          where t.from_state = v_order.status and v_actor = any (t.actors)
                            and t.name not in ('dispute', 'resolve')), '[]'::jsonb),
    'can_dispute', v_actor in ('buyer', 'seller')
                   and exists (select 1 from public.order_transitions t where t.name = 'dispute' and t.from_state = v_order.status),
    'events', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                         'id', e.id, 'transition', e.transition, 'from_state', e.from_state, 'to_state', e.to_state,
                         'actor_role', e.actor_role, 'reason', e.reason, 'metadata', e.metadata, 'created_at', e.created_at)
                         order by e.id)
                          from public.order_events e where e.order_id = v_order.id), '[]'::jsonb));
end;
$$;
comment on function public.get_order(uuid) is
  'One order for its buyer, its seller, operators (orders.manage) or the service role: the row, my_role, the product '
  '(title, images, condition, status), the actions the caller can take now through transition_order, can_dispute, and the '
  'timeline. Errors: HL001, HL840.';
revoke all on function public.get_order(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_order(uuid) to authenticated, service_role;

create or replace function public.list_my_orders(
  p_role text default 'buyer',
  p_status text default null,
  p_limit integer default 20,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null
)
returns setof public.orders
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  if p_role is null or p_role not in ('buyer', 'seller') then
    perform private.raise_error('HL852', pg_catalog.format('p_role %L', p_role));
  end if;
  if p_status is not null and not exists (select 1 from public.order_states s where s.state = p_status) then
    perform private.raise_error('HL852', pg_catalog.format('p_status %L', p_status));
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL852', 'p_limit is 1 to 100');
  end if;
  if (p_before_created_at is null) <> (p_before_id is null) then
    perform private.raise_error('HL852', 'p_before_created_at and p_before_id go together (the last row of the previous page)');
  end if;
  if p_role = 'buyer' then
    return query
      select o.* from public.orders o
       where o.buyer_id = v_uid
         and (p_status is null or o.status = p_status)
         and (p_before_created_at is null or (o.created_at, o.id) < (p_before_created_at, p_before_id))
       order by o.created_at desc, o.id desc
       limit p_limit;
  else
    return query
      select o.* from public.orders o
       where o.seller_id = v_uid
         and (p_status is null or o.status = p_status)
         and (p_before_created_at is null or (o.created_at, o.id) < (p_before_created_at, p_before_id))
       order by o.created_at desc, o.id desc
       limit p_limit;
  end if;
end;
$$;
comment on function public.list_my_orders(text, text, integer, timestamptz, uuid) is
  'The caller''s orders as buyer or seller, newest first, optionally in one state; keyset pages (pass the last row''s '
  'created_at and id). Errors: HL001, HL852.';
revoke all on function public.list_my_orders(text, text, integer, timestamptz, uuid) from public, anon, authenticated, service_role;
grant execute on function public.list_my_orders(text, text, integer, timestamptz, uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Timers (pg_cron, every minute): expire unpaid reservations, mark sent orders received after
-- goods.auto_receive_hours, complete received orders after goods.dispute_window_hours. Each order
-- is taken under its row lock (skip locked), re-checked by the transition path, in its own
-- sub-transaction (a failure is counted and logged, the rest go on).
------------------------------------------------------------------------------------------------
create or replace function private.apply_order_timer(p_ids uuid[], p_transition text, p_reason text, out applied integer,
                                                     out failed integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  applied := 0;
  failed := 0;
  foreach v_id in array coalesce(p_ids, '{}'::uuid[]) loop
    begin
      perform private.apply_order_transition(v_id, p_transition, 'system', null, p_reason,
                                             pg_catalog.jsonb_build_object('timer', p_transition));
      applied := applied + 1;
    exception when others then
      failed := failed + 1;
      raise warning 'order timer: % of % failed: %', p_transition, v_id, sqlerrm;
    end;
  end loop;
end;
$$;
comment on function private.apply_order_timer(uuid[], text, text) is
  'Takes one transition as the system for each order; counts what applied and what failed.';
revoke all on function private.apply_order_timer(uuid[], text, text) from public, anon, authenticated, service_role;

create or replace function private.run_order_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_batch integer := (private.setting('goods.order_timer_batch_size'))::integer;
  v_receive interval := pg_catalog.make_interval(hours => (private.setting('goods.auto_receive_hours'))::integer);
  v_window interval := pg_catalog.make_interval(hours => (private.setting('goods.dispute_window_hours'))::integer);
  v_expired integer;
  v_received integer;
  v_completed integer;
  v_failed integer := 0;
begin
  select t.applied, v_failed + t.failed into v_expired, v_failed
    from private.apply_order_timer(array(
           select o.id from public.orders o
            where o.status = 'reserved' and o.reserved_until <= v_now
            order by o.reserved_until limit v_batch for update skip locked),
         'expire', 'reservation_expired') t;
  select t.applied, v_failed + t.failed into v_received, v_failed
    from private.apply_order_timer(array(
           select o.id from public.orders o
            where o.status = 'sent' and o.sent_at <= v_now - v_receive
            order by o.sent_at limit v_batch for update skip locked),
         'receive', 'auto_received') t;
  select t.applied, v_failed + t.failed into v_completed, v_failed
    from private.apply_order_timer(array(
           select o.id from public.orders o
            where o.status = 'received' and o.received_at <= v_now - v_window
            order by o.received_at limit v_batch for update skip locked),
         'complete', 'dispute_window_over') t;
  return pg_catalog.jsonb_build_object('expired', v_expired, 'received', v_received, 'completed', v_completed,
                                       'failed', v_failed);
end;
$$;
comment on function private.run_order_timers() is
  'Timed order transitions as the system, idempotent, at most goods.order_timer_batch_size per step: expire reservations '
  'past reserved_until (units back), mark sent orders received goods.auto_receive_hours after sending, complete received '
  'orders goods.dispute_window_hours after receipt. Scheduled every minute with pg_cron (hyperlocal-order-timers).';
revoke all on function private.run_order_timers() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-order-timers', '* * * * *', 'select private.run_order_timers()');

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 1340, after the products step): refused while
-- an order of the user is under way; unpaid reservations are cancelled; addresses and notes erased.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_orders(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_busy text;
  v_id uuid;
begin
  select pg_catalog.string_agg(o.reference || ' (' || o.status || ')', ', ' order by o.reference) into v_busy
    from public.orders o
   where (o.buyer_id = p_user_id or o.seller_id = p_user_id)
     and o.status in ('paid', 'sent', 'received', 'disputed');
  if v_busy is not null then
    perform private.raise_error('HL855', v_busy);
  end if;
  for v_id in
    select o.id from public.orders o
     where (o.buyer_id = p_user_id or o.seller_id = p_user_id) and o.status = 'reserved'
     order by o.id
  loop
    perform private.apply_order_transition(v_id, 'cancel', 'system', null, 'account_deleted',
      pg_catalog.jsonb_build_object('deleted_user_id', p_user_id));
  end loop;
  update public.orders o
     set delivery_address = null, buyer_note = null
   where o.buyer_id = p_user_id and (o.delivery_address is not null or o.buyer_note is not null);
end;
$$;
comment on function private.delete_account_orders(uuid) is
  'Account deletion (goods orders, position 1340): refuses (HL855) while an order of the user is paid, sent, received or '
  'disputed; cancels their unpaid reservations as the system (units back); erases the delivery addresses and notes of '
  'their purchases. Orders and timelines stay (the financial record).';
revoke all on function private.delete_account_orders(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_orders(uuid)', 1340, 'goods',
   'Refuse while an order is under way; cancel unpaid reservations; erase delivery addresses and notes; keep orders.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
