-- Module: goods (offers: the transition path, RPCs, timers, closing, account deletion)
-- private.apply_offer_transition is the one way an offer changes; make_product_offer the one way
-- it is created. Each step writes a product_offer_events row, posts the offer's message into the
-- product's conversation (messaging's goods_listing context) and notifies the other side.
-- Accepting reserves the units through orders' private.reserve_product in the same transaction.
-- Lock order everywhere: the product, then the offer (then the order), like orders.

------------------------------------------------------------------------------------------------
-- Helpers: the price as text for notifications, the message payload, the step's side effects.
------------------------------------------------------------------------------------------------
create or replace function private.offer_price_text(p_amount bigint, p_currency text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when x.e = 0 then p_amount::text
              else pg_catalog.to_char(p_amount / pg_catalog.power(10::numeric, x.e),
                                      'FM999999999990.' || pg_catalog.repeat('0', x.e)) end
    from (select coalesce(private.currency_exponent(p_currency), 2) as e) x;
$$;
comment on function private.offer_price_text(bigint, text) is
  'Minor units as a decimal text in the currency''s exponent (12050 AED -> 120.50), for notification texts.';

create or replace function private.offer_message_payload(p_offer public.product_offers, p_action text, p_reason text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'event', 'product_offer.' || p_action,
    'action', p_action,
    'offer_id', p_offer.id,
    'product_id', p_offer.product_id,
    'status', p_offer.status,
    'amount', p_offer.amount,
    'currency', p_offer.currency,
    'quantity', p_offer.quantity,
    'turn', p_offer.turn,
    'expires_at', case when p_offer.status = 'pending' then p_offer.expires_at end,
    'order_id', p_offer.order_id,
    'reason', p_reason));
$$;
comment on function private.offer_message_payload(public.product_offers, text, text) is
  'The payload of an offer step''s message: {event: product_offer.<action>, action, offer_id, product_id, status, amount '
  '(unit price, minor units), currency, quantity, turn, expires_at (while pending), order_id (accepted), reason (system)}.';

create or replace function private.record_offer_step(
  p_offer public.product_offers, p_action text, p_from_state text, p_actor_role text, p_actor_id uuid,
  p_body text, p_reason text
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_message_id bigint;
  v_payload jsonb := private.offer_message_payload(p_offer, p_action, p_reason);
  v_notice jsonb;
  v_kind text;
begin
  -- The conversation always exists (make creates it), unless an operator removed it: then it is
  -- created again.
  if not exists (select 1 from public.conversations c where c.id = p_offer.conversation_id) then
    p_offer.conversation_id := private.ensure_conversation('goods_listing', p_offer.product_id, p_offer.buyer_id,
                                                           p_offer.seller_id, null, null, null);
  end if;
  if p_actor_role in ('buyer', 'seller') then
    insert into public.messages (conversation_id, author_id, sender_id, kind, body, payload, created_at)
    values (p_offer.conversation_id, p_actor_id, p_actor_id, 'offer', nullif(pg_catalog.btrim(p_body), ''), v_payload, v_now)
    returning id into v_message_id;
  else
    insert into public.messages (conversation_id, author_id, sender_id, kind, payload, created_at)
    values (p_offer.conversation_id, null, null, 'system', v_payload, v_now)
    returning id into v_message_id;
  end if;

  insert into public.product_offer_events (offer_id, action, from_state, to_state, actor_id, actor_role, amount, reason,
                                           message_id, created_at)
  values (p_offer.id, p_action, p_from_state, p_offer.status, case when p_actor_role <> 'system' then p_actor_id end,
          p_actor_role, p_offer.amount, p_reason, v_message_id, v_now);

  v_kind := case p_action when 'make' then 'received' when 'counter' then 'countered' when 'accept' then 'accepted'
                          when 'decline' then 'declined' when 'expire' then 'expired' end;
  if v_kind is not null then
    v_notice := pg_catalog.jsonb_build_object(
      'offer_id', p_offer.id, 'product_id', p_offer.product_id, 'conversation_id', p_offer.conversation_id,
      'product_title', (select p.title from public.products p where p.id = p_offer.product_id),
      'price', private.offer_price_text(p_offer.amount, p_offer.currency), 'currency', p_offer.currency,
      'order_id', p_offer.order_id);
    -- The other side; both when the system acted.
    if p_actor_role <> 'buyer' then
      perform private.notify(p_offer.buyer_id, 'product_offer.' || v_kind, v_notice);
    end if;
    if p_actor_role <> 'seller' then
      perform private.notify(p_offer.seller_id, 'product_offer.' || v_kind, v_notice);
    end if;
  end if;
end;
$$;
comment on function private.record_offer_step(public.product_offers, text, text, text, uuid, text, text) is
  'Side effects of an offer step: the message in the product''s conversation (kind offer written by the acting side, or '
  'system for the system''s steps; payload private.offer_message_payload), the product_offer_events row, and the '
  'product_offer.<received|countered|accepted|declined|expired> notification to the other side (both for the system).';

------------------------------------------------------------------------------------------------
-- The one transition path.
------------------------------------------------------------------------------------------------
create or replace function private.apply_offer_transition(
  p_offer_id uuid,
  p_action text,
  p_actor_role text,
  p_actor_id uuid,
  p_amount bigint default null,
  p_body text default null,
  p_reason text default null
)
returns public.product_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_offer public.product_offers;
  v_product public.products;
  v_transition public.product_offer_transitions;
  v_order public.orders;
  v_amount bigint;
  v_other uuid;
begin
  -- The product first, then the offer: the lock order of reservations and order transitions.
  select * into v_product from public.products p
   where p.id = (select o.product_id from public.product_offers o where o.id = p_offer_id)
     for no key update;
  select * into v_offer from public.product_offers o where o.id = p_offer_id for update;
  if not found then
    perform private.raise_error('HL820', pg_catalog.format('offer %s', coalesce(p_offer_id::text, 'null')));
  end if;
  select * into v_transition from public.product_offer_transitions t
   where t.name = p_action and t.from_state = v_offer.status;
  if not found then
    if not exists (select 1 from public.product_offer_transitions t where t.name = p_action) then
      perform private.raise_error('HL821', pg_catalog.format('action %L', p_action));
    end if;
    perform private.raise_error('HL822', pg_catalog.format('the offer is %s', v_offer.status));
  end if;
  if not (p_actor_role = any (v_transition.actors)) then
    perform private.raise_error('HL824', pg_catalog.format('%s may not %s (allowed: %s)', p_actor_role, p_action,
                                                           pg_catalog.array_to_string(v_transition.actors, ', ')));
  end if;
  if v_transition.side = 'turn' and p_actor_role <> v_offer.turn
     or v_transition.side = 'proposer' and p_actor_role = v_offer.turn then
    perform private.raise_error('HL823', pg_catalog.format('the offer waits for the %s', v_offer.turn));
  end if;

  v_amount := v_offer.amount;
  if p_actor_role in ('buyer', 'seller') then
    if v_now >= v_offer.expires_at then
      perform private.raise_error('HL830', pg_catalog.format('expired at %s', v_offer.expires_at));
    end if;
    if p_action = 'counter' then
      if p_amount is null or p_amount < 1 or p_amount > v_product.price then
        perform private.raise_error('HL825', pg_catalog.format('%s (1 to the listing price %s)',
                                                               coalesce(p_amount::text, 'null'), v_product.price));
      end if;
      v_amount := p_amount;
    elsif p_amount is not null then
      perform private.raise_error('HL825', 'only counter takes p_amount');
    end if;
    perform private.check_message_body(p_body, false);
    perform private.assert_not_suspended(p_actor_id);
    v_other := case when p_actor_role = 'buyer' then v_offer.seller_id else v_offer.buyer_id end;
    perform private.check_not_blocked(p_actor_id, v_other);
  elsif p_action = 'expire' and v_now < v_offer.expires_at then
    perform private.raise_error('HL832', pg_catalog.format('the offer runs until %s', v_offer.expires_at));
  end if;

  if p_action = 'accept' then
    -- Reserve at the offer's price (HL800, HL844, HL845, HL851 ... refuse the acceptance).
    v_order := private.reserve_product(v_offer.product_id, v_offer.buyer_id, v_offer.quantity, v_offer.amount, v_offer.id,
                                       v_offer.fulfilment, v_offer.delivery_address, v_offer.meetup_place, null);
  end if;

  update public.product_offers o
     set status = v_transition.to_state,
         amount = v_amount,
         turn = case when v_transition.to_state <> 'pending' then null
                     when o.turn = 'buyer' then 'seller' else 'buyer' end,
         expires_at = case when p_action = 'counter'
                           then v_now + pg_catalog.make_interval(hours => (private.setting('goods.offer_hours'))::integer)
                           else o.expires_at end,
         counter_count = o.counter_count + case when p_action = 'counter' then 1 else 0 end,
         order_id = coalesce(v_order.id, o.order_id),
         closed_reason = case when p_actor_role = 'system' then p_reason else o.closed_reason end,
         status_changed_at = v_now
   where o.id = v_offer.id
  returning * into v_offer;

  perform private.record_offer_step(v_offer, p_action, v_transition.from_state, p_actor_role, p_actor_id, p_body,
                                    case when p_actor_role = 'system' then p_reason end);
  return v_offer;
end;
$$;
comment on function private.apply_offer_transition(uuid, text, text, uuid, bigint, text, text) is
  'The single transition path of product offers: locks the product then the offer, checks the action from the offer''s '
  'state, the actor and the side (turn or proposer) against product_offer_transitions, refuses a side''s move after '
  'expires_at (HL830), by a suspended user or across a block; counter sets a new unit price (1 to the listing price) and '
  'passes the turn with a new expires_at; accept reserves the units at the offer''s price (private.reserve_product); then '
  'writes the event, the conversation message and the notification.';

------------------------------------------------------------------------------------------------
-- RPCs
------------------------------------------------------------------------------------------------
create or replace function public.make_product_offer(
  p_product_id uuid,
  p_amount bigint,
  p_quantity integer default 1,
  p_message text default null,
  p_fulfilment text default 'meetup',
  p_delivery_address text default null,
  p_meetup_place text default null
)
returns public.product_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_product public.products;
  v_offer public.product_offers;
  v_conversation uuid;
  v_address text := nullif(pg_catalog.btrim(p_delivery_address), '');
  v_place text := nullif(pg_catalog.btrim(p_meetup_place), '');
  v_max integer := (private.setting('goods.max_order_quantity'))::integer;
begin
  perform private.assert_not_suspended(v_uid);
  if p_fulfilment is null or p_fulfilment not in ('delivery', 'meetup')
     or p_fulfilment = 'delivery' and (v_address is null or pg_catalog.char_length(v_address) > 300)
     or pg_catalog.char_length(v_place) > 300 then
    perform private.raise_error('HL848', 'p_fulfilment delivery (p_delivery_address 1 to 300 characters) or meetup (p_meetup_place up to 300)');
  end if;
  perform private.check_message_body(p_message, false);

  -- A share lock: the product's stock and status cannot change under the new offer, so a sale
  -- that closes the product's offers sees it.
  select * into v_product from public.products p where p.id = p_product_id for share;
  if not found or v_product.hidden_at is not null or v_product.withdrawn_at is not null then
    perform private.raise_error('HL800', pg_catalog.format('product %s', coalesce(p_product_id::text, 'null')));
  end if;
  if v_product.seller_id = v_uid then
    perform private.raise_error('HL827');
  end if;
  if v_product.status = 'sold' then
    perform private.raise_error('HL828', 'the product is sold');
  end if;
  if p_quantity is null or p_quantity < 1 or p_quantity > v_max or p_quantity > v_product.available_quantity then
    perform private.raise_error('HL826', pg_catalog.format('%s asked, %s available', coalesce(p_quantity::text, 'null'),
                                                           least(v_product.available_quantity, v_max)));
  end if;
  if p_amount is null or p_amount < 1 or p_amount > v_product.price then
    perform private.raise_error('HL825', pg_catalog.format('%s (1 to the listing price %s)', coalesce(p_amount::text, 'null'),
                                                           v_product.price));
  end if;
  select o.id into v_offer.id from public.product_offers o
   where o.product_id = p_product_id and o.buyer_id = v_uid and o.status = 'pending';
  if v_offer.id is not null then
    perform private.raise_error('HL829', v_offer.id::text);
  end if;
  perform private.check_not_blocked(v_uid, v_product.seller_id);
  perform private.rate_limit('make_product_offer', v_uid::text);

  v_conversation := private.ensure_conversation('goods_listing', v_product.id, v_uid, v_product.seller_id, null, null, v_uid);
  insert into public.product_offers (product_id, buyer_id, seller_id, conversation_id, quantity, amount, currency, status,
                                     turn, expires_at, fulfilment, delivery_address, meetup_place, status_changed_at,
                                     created_at, updated_at)
  values (v_product.id, v_uid, v_product.seller_id, v_conversation, p_quantity, p_amount, v_product.currency, 'pending',
          'seller', v_now + pg_catalog.make_interval(hours => (private.setting('goods.offer_hours'))::integer),
          p_fulfilment, case when p_fulfilment = 'delivery' then v_address end, v_place, v_now, v_now, v_now)
  on conflict (product_id, buyer_id) where status = 'pending' do nothing
  returning * into v_offer;
  if v_offer.id is null then
    -- The same buyer's concurrent offer committed first.
    perform private.raise_error('HL829', 'an offer was just made');
  end if;
  perform private.record_offer_step(v_offer, 'make', null, 'buyer', v_uid, p_message, null);
  return v_offer;
end;
$$;
comment on function public.make_product_offer(uuid, bigint, integer, text, text, text, text) is
  'Offers p_amount (unit price in minor units of the product''s currency, 1 to the listing price) for p_quantity units '
  '(up to those available), with an optional p_message and how the buyer wants it (p_fulfilment meetup or delivery with '
  'p_delivery_address). Posts an offer message in the product''s conversation (created when missing) and notifies the '
  'seller; the offer waits for the seller until expires_at (goods.offer_hours). One pending offer per buyer and product. '
  'Errors: HL001, HL800, HL825-HL829, HL848, HL507/HL508 (blocks), HL510, HL761 (suspended), HL006 (20 an hour).';

create or replace function public.respond_to_product_offer(
  p_offer_id uuid,
  p_action text,
  p_amount bigint default null,
  p_message text default null
)
returns public.product_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_offer public.product_offers;
  v_actor text;
begin
  select * into v_offer from public.product_offers o where o.id = p_offer_id;
  v_actor := case when v_offer.buyer_id = v_uid then 'buyer' when v_offer.seller_id = v_uid then 'seller' end;
  if v_actor is null then
    perform private.raise_error('HL820', pg_catalog.format('offer %s', coalesce(p_offer_id::text, 'null')));
  end if;
  if p_action is null or p_action not in ('counter', 'accept', 'decline', 'withdraw') then
    if exists (select 1 from public.product_offer_transitions t where t.name = p_action) then
      perform private.raise_error('HL824', pg_catalog.format('%s is the system''s', p_action));
    end if;
    perform private.raise_error('HL821', pg_catalog.format('action %L', p_action));
  end if;
  return private.apply_offer_transition(p_offer_id, p_action, v_actor, v_uid, p_amount, p_message, null);
end;
$$;
comment on function public.respond_to_product_offer(uuid, text, bigint, text) is
  'A side''s move on an offer: counter (p_amount, the new unit price), accept (the units are reserved at the offer''s '
  'price: the offer''s order_id; get_order for the order) or decline, by the side whose turn it is; withdraw by the side '
  'that made the last proposal. Optional p_message goes with the move''s offer message. Errors: HL001, HL820-HL825, HL830, '
  'HL507/HL508, HL510, HL761, and the reservation''s HL800/HL844/HL845/HL851 on accept.';

create or replace function public.list_product_offers(
  p_product_id uuid default null,
  p_role text default null,
  p_status text default null,
  p_limit integer default 20,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null
)
returns setof public.product_offers
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  if p_product_id is null and (p_role is null or p_role not in ('buyer', 'seller'))
     or p_role is not null and p_role not in ('buyer', 'seller') then
    perform private.raise_error('HL831', pg_catalog.format('p_role %L (buyer or seller, or give p_product_id)', p_role));
  end if;
  if p_status is not null and not exists (select 1 from public.product_offer_states s where s.state = p_status) then
    perform private.raise_error('HL831', pg_catalog.format('p_status %L', p_status));
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL831', 'p_limit is 1 to 100');
  end if;
  if (p_before_created_at is null) <> (p_before_id is null) then
    perform private.raise_error('HL831', 'p_before_created_at and p_before_id go together (the last row of the previous page)');
  end if;
  if p_product_id is not null then
    return query
      select o.* from public.product_offers o
       where o.product_id = p_product_id
         and (o.buyer_id = v_uid and coalesce(p_role, 'buyer') = 'buyer'
              or o.seller_id = v_uid and coalesce(p_role, 'seller') = 'seller')
         and (p_status is null or o.status = p_status)
         and (p_before_created_at is null or (o.created_at, o.id) < (p_before_created_at, p_before_id))
       order by o.created_at desc, o.id desc
       limit p_limit;
  elsif p_role = 'buyer' then
    return query
      select o.* from public.product_offers o
       where o.buyer_id = v_uid
         and (p_status is null or o.status = p_status)
         and (p_before_created_at is null or (o.created_at, o.id) < (p_before_created_at, p_before_id))
       order by o.created_at desc, o.id desc
       limit p_limit;
  else
    return query
      select o.* from public.product_offers o
       where o.seller_id = v_uid
         and (p_status is null or o.status = p_status)
         and (p_before_created_at is null or (o.created_at, o.id) < (p_before_created_at, p_before_id))
       order by o.created_at desc, o.id desc
       limit p_limit;
  end if;
end;
$$;
comment on function public.list_product_offers(uuid, text, text, integer, timestamptz, uuid) is
  'The caller''s offers, newest first with keyset pages (pass the last row''s created_at and id): on one product '
  '(p_product_id: the seller sees all of its offers, a buyer theirs), or all of theirs as p_role buyer or seller; '
  'optionally in one state. Errors: HL001, HL831.';

------------------------------------------------------------------------------------------------
-- Timer (pg_cron, every minute): pending offers past expires_at expire. Ids are read without
-- locks; each offer is then taken by the transition path (product, then offer), re-checked, in
-- its own sub-transaction.
------------------------------------------------------------------------------------------------
create or replace function private.run_offer_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_expired integer := 0;
  v_failed integer := 0;
begin
  for v_id in
    select o.id from public.product_offers o
     where o.status = 'pending' and o.expires_at <= private.now()
     order by o.expires_at
     limit (private.setting('goods.offer_timer_batch_size'))::integer
  loop
    begin
      perform private.apply_offer_transition(v_id, 'expire', 'system', null, null, null, 'expired');
      v_expired := v_expired + 1;
    exception when others then
      v_failed := v_failed + 1;
      raise warning 'offer timer: expire of % failed: %', v_id, sqlerrm;
    end;
  end loop;
  return pg_catalog.jsonb_build_object('expired', v_expired, 'failed', v_failed);
end;
$$;
comment on function private.run_offer_timers() is
  'Expires pending offers past expires_at as the system (at most goods.offer_timer_batch_size a run; one sub-transaction '
  'each; an offer answered meanwhile is skipped as failed). Scheduled every minute with pg_cron (hyperlocal-offer-timers).';

select cron.schedule('hyperlocal-offer-timers', '* * * * *', 'select private.run_offer_timers()');

------------------------------------------------------------------------------------------------
-- Closing: a product that becomes sold, withdrawn or hidden closes its pending offers; an
-- accepted offer whose order expires or is cancelled lapses (orders' handler registry).
------------------------------------------------------------------------------------------------
create or replace function private.products_close_offers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_reason text := case when new.withdrawn_at is not null and old.withdrawn_at is null then 'withdrawn'
                        when new.hidden_at is not null and old.hidden_at is null then 'hidden'
                        else 'sold' end;
begin
  for v_id in
    select o.id from public.product_offers o where o.product_id = new.id and o.status = 'pending' order by o.id
  loop
    perform private.apply_offer_transition(v_id, 'close', 'system', null, null, null, v_reason);
  end loop;
  return null;
end;
$$;
comment on function private.products_close_offers() is
  'AFTER UPDATE on products (goods offers): when a product becomes sold, withdrawn or hidden, its pending offers close '
  '(reason sold, withdrawn or hidden), each with its event and conversation message.';

create or replace trigger products_close_offers
  after update of status, withdrawn_at, hidden_at on public.products
  for each row
  when (new.status = 'sold' and old.status <> 'sold'
        or new.withdrawn_at is not null and old.withdrawn_at is null
        or new.hidden_at is not null and old.hidden_at is null)
  execute function private.products_close_offers();

create or replace function private.offers_after_order_closed(
  p_order public.orders, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_order.offer_id is not null
     and exists (select 1 from public.product_offers o where o.id = p_order.offer_id and o.status = 'accepted') then
    perform private.apply_offer_transition(p_order.offer_id, 'lapse', 'system', null, null, null, 'order_' || p_order.status);
  end if;
end;
$$;
comment on function private.offers_after_order_closed(public.orders, text, text, text, jsonb) is
  'Order transition handler (goods offers, position 1360, into cancelled and expired): the accepted offer of the order '
  'lapses (reason order_cancelled or order_expired); the units are already back in stock.';

insert into private.order_transition_handlers (handler, position, module, to_states, description) values
  ('private.offers_after_order_closed(public.orders, text, text, text, jsonb)', 1360, 'goods', array['cancelled', 'expired'],
   'An accepted offer lapses when its order is cancelled or expires.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 1360): the user's pending offers as a buyer
-- close (their products' offers close when goods withdraws the products at 1300); the offers and
-- their timelines stay, like orders.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_offers(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  for v_id in
    select o.id from public.product_offers o
     where (o.buyer_id = p_user_id or o.seller_id = p_user_id) and o.status = 'pending'
     order by o.id
  loop
    perform private.apply_offer_transition(v_id, 'close', 'system', null, null, null, 'account_deleted');
  end loop;
end;
$$;
comment on function private.delete_account_offers(uuid) is
  'Account deletion (goods offers, position 1360): closes the user''s pending offers (reason account_deleted); offers, '
  'events and messages stay (messaging erases what the user wrote).';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_offers(uuid)', 1360, 'goods', 'Close the user''s pending offers; keep offers and timelines.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------------------------
revoke all on function
  private.offer_price_text(bigint, text),
  private.offer_message_payload(public.product_offers, text, text),
  private.record_offer_step(public.product_offers, text, text, text, uuid, text, text),
  private.apply_offer_transition(uuid, text, text, uuid, bigint, text, text),
  public.make_product_offer(uuid, bigint, integer, text, text, text, text),
  public.respond_to_product_offer(uuid, text, bigint, text),
  public.list_product_offers(uuid, text, text, integer, timestamptz, uuid),
  private.run_offer_timers(),
  private.products_close_offers(),
  private.offers_after_order_closed(public.orders, text, text, text, jsonb),
  private.delete_account_offers(uuid)
  from public, anon, authenticated, service_role;
grant execute on function
  public.make_product_offer(uuid, bigint, integer, text, text, text, text),
  public.respond_to_product_offer(uuid, text, bigint, text),
  public.list_product_offers(uuid, text, text, integer, timestamptz, uuid)
  to authenticated;
