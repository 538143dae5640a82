-- Module: goods (orders: tables)
-- A goods order is a purchase of a quantity of a product by a buyer from its seller. Accepting an
-- offer or buying at the listing price reserves the quantity for payment (reserved_until); an
-- unpaid reservation expires and gives the stock back. The process is data (order_states,
-- order_transitions, actors buyer, seller, operator, system); every change goes through
-- private.apply_order_transition (20261121001345_goods_orders_api.sql), which writes an
-- order_events row and then calls the handlers later modules register in
-- private.order_transition_handlers (owned here: the payment wiring registers into it).
--
-- Decisions (see docs/goods.md, "Orders"):
--   * Money is not moved here. `pay` (reserved -> paid) is taken by the system (the payment back
--     end, service role) once the buyer's money is held; `cancel` from paid and `resolve` carry
--     the refund in the event's metadata (refund_amount) for the payment handlers.
--   * The fee breakdown is money's (private.fee_context + private.fee_breakdown, trade kind
--     goods_discover / goods_community from the product's feed), computed once when the order
--     is reserved and kept on the order, like booking_charges for bookings.
--   * dispute and resolve are taken only through trust's open_dispute / resolve_dispute (the
--     purchase dispute kind), so an order and its dispute record never disagree.

------------------------------------------------------------------------------------------------
-- Error codes (HL840-HL859), settings, the operator permission.
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL840', 'order_not_found', 404, 'The order does not exist or you cannot see it.',
   'Only the buyer, the seller and operators with orders.manage see an order.'),
  ('HL841', 'unknown_order_transition', 400, 'Unknown order action.',
   'Use a name from order_transitions: pay, cancel, send, receive, complete (dispute and resolve go through open_dispute and resolve_dispute).'),
  ('HL842', 'order_transition_not_allowed_from_state', 409, 'This action is not possible in the order''s current state.',
   'Reload the order: details name its state and the states this action starts from.'),
  ('HL843', 'order_actor_not_allowed', 403, 'You may not take this action on this order.',
   'See order_transitions.actors: the seller marks sent, the buyer marks received, the system records payment.'),
  ('HL844', 'product_not_purchasable', 409, 'This product cannot be bought now.',
   'Withdrawn, hidden and sold products cannot be bought; see details.'),
  ('HL845', 'insufficient_stock', 409, 'Not enough units are available.',
   'Someone else reserved or bought them first; details give the units still available.'),
  ('HL846', 'cannot_buy_own_product', 409, 'You cannot buy your own product.',
   'Orders are between a buyer and another seller.'),
  ('HL847', 'invalid_order_quantity', 400, 'The quantity is invalid.',
   'A whole number from 1 to goods.max_order_quantity (details).'),
  ('HL848', 'invalid_fulfilment', 400, 'The fulfilment is invalid.',
   'p_fulfilment delivery (with p_delivery_address, 1-300 characters) or meetup (p_meetup_place up to 300); note up to 1000.'),
  ('HL849', 'order_transition_not_due', 409, 'This timed action is not due yet.',
   'See details for when it becomes due.'),
  ('HL850', 'order_reason_required', 400, 'A reason is required for this action.',
   'Cancelling a paid order needs p_reason (1 to 1000 characters).'),
  ('HL851', 'too_many_reservations', 429, 'You have too many unpaid reservations.',
   'Pay or cancel one first (goods.max_open_reservations).'),
  ('HL852', 'invalid_order_filter', 400, 'Invalid order list filter.',
   'p_role buyer or seller; p_status an order state; p_limit 1 to 100; the cursor needs both p_before_created_at and p_before_id.'),
  ('HL853', 'order_dispute_via_trust', 409, 'Disputes of orders go through the dispute RPCs.',
   'Use open_dispute(''purchase'', order id, ...) and resolve_dispute(...).'),
  ('HL854', 'invalid_order_input', 400, 'An order field has an invalid value.',
   'Reasons up to 1000 characters, metadata a JSON object under 4 KB.'),
  ('HL855', 'account_has_active_orders', 409, 'The account has orders under way.',
   'Finish, cancel or resolve the orders listed in details before deleting the account.'),
  ('HL856', 'invalid_order_price', 400, 'The unit price is invalid.',
   'Internal (private.reserve_product): a unit price from 0 to 1000000000 minor units.'),
  ('HL857', 'order_dispute_window_closed', 409, 'The dispute window for this order has closed.',
   'Orders can be disputed while sent, and until goods.dispute_window_hours after receipt (details).')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('goods.reservation_minutes', '30',
   'How long a reservation (buy now, or an accepted offer) holds the units for payment before it expires.'),
  ('goods.auto_receive_hours', '72',
   'A sent order the buyer has not marked received is marked received by the system this long after it was sent.'),
  ('goods.dispute_window_hours', '48',
   'How long after receipt the buyer or seller can dispute an order; then it completes (escrow released).'),
  ('goods.max_order_quantity', '100',
   'Most units one order may take.'),
  ('goods.max_open_reservations', '10',
   'Most unpaid reservations one buyer may hold at once.'),
  ('goods.order_timer_batch_size', '500',
   'Most orders each order timer step handles per run (pg_cron runs every minute).')
on conflict (key) do nothing;

insert into public.role_permissions (role, permission) values
  ('admin', 'orders.manage'),
  ('support', 'orders.manage')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- The process, as data.
------------------------------------------------------------------------------------------------
create table public.order_states (
  state text primary key check (state ~ '^[a-z_]+$'),
  description text not null,
  -- The order's units are held (reserved or sold to this order).
  holds_stock boolean not null,
  is_terminal boolean not null,
  sort_order integer not null
);
comment on table public.order_states is 'States of the goods order process (data; read-only for clients).';

insert into public.order_states (state, description, holds_stock, is_terminal, sort_order) values
  ('reserved',  'The units are reserved for the buyer until reserved_until, awaiting payment.',       true,  false, 10),
  ('paid',      'The buyer paid; the money is held until the order completes.',                      true,  false, 20),
  ('sent',      'The seller sent the item (delivery) or handed it over (meet-up).',                  true,  false, 30),
  ('received',  'The buyer has the item; the dispute window runs.',                                  true,  false, 40),
  ('completed', 'Done: the dispute window passed, the seller is paid.',                              true,  true,  50),
  ('cancelled', 'Cancelled before it was sent; the units are back in stock.',                        false, true,  60),
  ('expired',   'The reservation was not paid in time; the units are back in stock.',                false, true,  70),
  ('disputed',  'A side disputes the order; an operator will resolve it.',                           true,  false, 80),
  ('resolved',  'The dispute was resolved (refund in the resolve event''s metadata).',               true,  true,  90)
on conflict (state) do update
  set description = excluded.description, holds_stock = excluded.holds_stock, is_terminal = excluded.is_terminal,
      sort_order = excluded.sort_order;

create table public.order_transitions (
  name text not null check (name ~ '^[a-z_]+$'),
  from_state text not null references public.order_states (state),
  to_state text not null references public.order_states (state),
  actors text[] not null check (actors <@ array['buyer', 'seller', 'operator', 'system'] and cardinality(actors) > 0),
  description text not null,
  primary key (name, from_state)
);
comment on table public.order_transitions is
  'Allowed transitions of the goods order process: name, from, to and who may take it (data; read-only for clients).';
create index order_transitions_to_state_idx on public.order_transitions (to_state);

insert into public.order_transitions (name, from_state, to_state, actors, description) values
  ('pay',      'reserved', 'paid',      '{system}',                        'The payment back end records that the buyer''s money is held (escrow).'),
  ('cancel',   'reserved', 'cancelled', '{buyer,seller,operator,system}',  'A side drops the reservation; the units go back.'),
  ('cancel',   'paid',     'cancelled', '{buyer,seller,operator,system}',  'A side cancels before sending (a reason is required); the units go back and the payment is refunded.'),
  ('expire',   'reserved', 'expired',   '{system}',                        'The reservation was not paid by reserved_until (timer); the units go back.'),
  ('send',     'paid',     'sent',      '{seller}',                        'The seller marks the item sent (delivery) or handed over (meet-up).'),
  ('receive',  'sent',     'received',  '{buyer,system}',                  'The buyer marks it received; the system does after goods.auto_receive_hours.'),
  ('complete', 'received', 'completed', '{system,operator}',               'The dispute window (goods.dispute_window_hours) passed: the escrow is released.'),
  ('dispute',  'sent',     'disputed',  '{buyer,seller}',                  'A side disputes an order in transit (through open_dispute).'),
  ('dispute',  'received', 'disputed',  '{buyer,seller}',                  'A side disputes a received order within the dispute window (through open_dispute).'),
  ('resolve',  'disputed', 'resolved',  '{operator,system}',               'The dispute is resolved (through resolve_dispute or the dispute timer) with metadata.refund_amount.')
on conflict (name, from_state) do update
  set to_state = excluded.to_state, actors = excluded.actors, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Orders
------------------------------------------------------------------------------------------------
create table public.orders (
  id uuid primary key default gen_random_uuid(),
  number bigint generated always as identity unique,
  reference text generated always as ('GO-' || lpad(number::text, 6, '0')) stored,
  buyer_id uuid not null references public.profiles (id),
  seller_id uuid not null references public.profiles (id),
  product_id uuid not null references public.products (id),
  -- The accepted offer the price comes from (the offers part references it); null for buy now.
  offer_id uuid,
  quantity integer not null check (quantity between 1 and 10000),
  unit_price bigint not null check (unit_price between 0 and 1000000000),
  subtotal bigint not null check (subtotal = unit_price * quantity),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  trade_kind text not null check (trade_kind in ('goods_discover', 'goods_community')),
  -- Money's breakdown when the order was reserved (private.fee_breakdown output) and its amounts.
  fee_schedule_id uuid not null references public.fee_schedules (id),
  fee_region_id uuid references public.money_regions (id),
  breakdown jsonb not null,
  customer_total bigint not null check (customer_total >= 0),
  seller_payout bigint not null check (seller_payout >= 0),
  platform_revenue bigint not null check (platform_revenue >= 0),
  tax bigint not null check (tax >= 0),
  -- What the buyer paid (set by pay) and what was refunded (cancel after payment, resolve).
  paid_amount bigint not null default 0 check (paid_amount >= 0),
  refunded_amount bigint not null default 0 check (refunded_amount between 0 and paid_amount),
  fulfilment text not null check (fulfilment in ('delivery', 'meetup')),
  delivery_address text check (delivery_address is null or char_length(delivery_address) between 1 and 300),
  meetup_place text check (meetup_place is null or char_length(meetup_place) between 1 and 300),
  buyer_note text check (buyer_note is null or char_length(buyer_note) <= 1000),
  status text not null default 'reserved' references public.order_states (state),
  reserved_until timestamptz not null,
  paid_at timestamptz,
  sent_at timestamptz,
  received_at timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  expired_at timestamptz,
  disputed_at timestamptz,
  resolved_at timestamptz,
  cancelled_by text check (cancelled_by is null or cancelled_by in ('buyer', 'seller', 'operator', 'system')),
  cancel_reason text check (cancel_reason is null or char_length(cancel_reason) <= 1000),
  status_changed_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (buyer_id <> seller_id)
);
comment on table public.orders is
  'Goods purchases (goods module): buyer, seller, product, quantity and price, money''s fee breakdown, fulfilment, the '
  'reservation deadline and a timestamp per milestone. Changed only through buy_product / transition_order and the dispute '
  'RPCs; every change writes an order_events row. Read by the buyer, the seller and operators with orders.manage.';
comment on column public.orders.reference is 'Human-readable order number, e.g. GO-000123.';
comment on column public.orders.offer_id is 'The accepted offer the price comes from (offers); null when bought at the listing price.';
comment on column public.orders.trade_kind is 'Money''s trade kind from the product''s feed: goods_discover or goods_community.';
comment on column public.orders.breakdown is 'Money''s fee breakdown (private.fee_breakdown) computed when the order was reserved.';
comment on column public.orders.seller_payout is 'The breakdown''s provider_payout: what the seller receives.';
comment on column public.orders.paid_amount is 'What the buyer paid (set by the pay transition: customer_total).';
comment on column public.orders.refunded_amount is 'What was refunded (a cancel after payment, or a dispute''s resolution).';
comment on column public.orders.reserved_until is 'The reservation expires (units back in stock) if not paid by then.';

create index orders_buyer_id_created_at_idx on public.orders (buyer_id, created_at desc, id desc);
create index orders_seller_id_created_at_idx on public.orders (seller_id, created_at desc, id desc);
create index orders_product_id_idx on public.orders (product_id, status);
create index orders_fee_schedule_id_idx on public.orders (fee_schedule_id);
create index orders_fee_region_id_idx on public.orders (fee_region_id);
create index orders_offer_id_idx on public.orders (offer_id) where offer_id is not null;
-- Timers.
create index orders_reserved_until_idx on public.orders (reserved_until) where status = 'reserved';
create index orders_sent_at_idx on public.orders (sent_at) where status = 'sent';
create index orders_received_at_idx on public.orders (received_at) where status = 'received';

create or replace trigger orders_set_updated_at
  before update on public.orders
  for each row execute function private.set_updated_at();

-- The trust module's suspension check: a suspended buyer cannot buy, nobody buys from a suspended seller.
create or replace trigger orders_refuse_suspended
  before insert on public.orders
  for each row execute function private.refuse_suspended_writes('buyer_id', 'seller_id');

create table public.order_events (
  id bigint generated always as identity primary key,
  order_id uuid not null references public.orders (id) on delete cascade,
  transition text not null,
  from_state text references public.order_states (state),
  to_state text not null references public.order_states (state),
  actor_id uuid references public.profiles (id) on delete set null,
  actor_role text not null check (actor_role in ('buyer', 'seller', 'operator', 'system')),
  reason text check (reason is null or char_length(reason) <= 1000),
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.order_events is
  'Timeline of a goods order: the reservation and every transition with actor, states, reason and metadata.';
create index order_events_order_id_idx on public.order_events (order_id, id);
create index order_events_actor_id_idx on public.order_events (actor_id);

------------------------------------------------------------------------------------------------
-- Transition handlers: how later modules (the payment wiring) react to an order's transitions.
-- A module registers (p_order public.orders, p_transition text, p_actor_role text, p_reason text,
-- p_metadata jsonb) returning void, optionally only for some target states; the transition path
-- calls them in position order, in the same transaction, after the order row and its event are
-- written (also for the reservation itself: transition 'reserve', to_state reserved). An error
-- cancels the transition.
------------------------------------------------------------------------------------------------
create table private.order_transition_handlers (
  handler text primary key,
  position integer not null unique,
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  to_states text[],
  description text not null
);
comment on table private.order_transition_handlers is
  'Functions (public.orders, transition text, actor_role text, reason text, metadata jsonb) -> void that later modules '
  'register to react to goods order transitions (to_states: only transitions into these states; the reservation is '
  'transition reserve into reserved). Called in position order by private.apply_order_transition and private.reserve_product.';

create or replace trigger order_transition_handlers_check_handler
  before insert or update on private.order_transition_handlers
  for each row execute function private.check_registry_handler('public.orders, text, text, text, jsonb', 'void');

------------------------------------------------------------------------------------------------
-- Row level security and privileges (clients write nothing: the RPCs do)
------------------------------------------------------------------------------------------------
alter table public.order_states enable row level security;
alter table public.order_transitions enable row level security;
alter table public.orders enable row level security;
alter table public.order_events enable row level security;

create policy "The order process is public" on public.order_states
  for select to anon, authenticated using (true);
create policy "The order transitions are public" on public.order_transitions
  for select to anon, authenticated using (true);
create policy "Buyers and sellers read their orders, operators all" on public.orders
  for select to authenticated
  using (buyer_id = (select auth.uid()) or seller_id = (select auth.uid())
         or (select private.authorize('orders.manage')));
create policy "Buyers and sellers read their orders' timelines, operators all" on public.order_events
  for select to authenticated
  using (exists (select 1 from public.orders o
                  where o.id = order_events.order_id
                    and (o.buyer_id = (select auth.uid()) or o.seller_id = (select auth.uid())))
         or (select private.authorize('orders.manage')));

revoke all on table public.order_states, public.order_transitions, public.orders, public.order_events
  from anon, authenticated, service_role;
revoke all on table private.order_transition_handlers from anon, authenticated, service_role;
revoke all on sequence public.orders_number_seq, public.order_events_id_seq from anon, authenticated, service_role;
grant select on public.order_states, public.order_transitions to anon, authenticated;
grant select on public.orders, public.order_events to authenticated;
grant select on public.order_states, public.order_transitions, public.orders, public.order_events to service_role;

------------------------------------------------------------------------------------------------
-- Notification kinds (core's registry): a group for orders, order.<state> with en/ar texts.
------------------------------------------------------------------------------------------------
insert into private.notification_groups (type_group, description, position) values
  ('orders', 'Goods orders: reservations, payments, sending, receipt, completion, cancellations.', 25)
on conflict (type_group) do nothing;

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description)
select 'order.' || k, 'orders', 'goods', 'order.' || k || '.title', 'order.' || k || '.body',
       'hyperlocal://orders/{order_id}', array['order_id', 'reference', 'product_title'], d
  from (values
    ('reserved', 'A buyer reserved the seller''s product (buy now or an accepted offer).'),
    ('paid', 'The buyer paid; the seller can send the item.'),
    ('sent', 'The seller sent or handed over the item.'),
    ('received', 'The buyer received the item (or the system marked it after goods.auto_receive_hours).'),
    ('completed', 'The order is complete; the seller is paid.'),
    ('cancelled', 'The order was cancelled.'),
    ('expired', 'The reservation expired unpaid.'),
    ('disputed', 'A side disputes the order.'),
    ('resolved', 'The dispute about the order was resolved.')
  ) as t(k, d)
on conflict (kind) do update
  set type_group = excluded.type_group, module = excluded.module, title_key = excluded.title_key,
      body_key = excluded.body_key, deep_link = excluded.deep_link, params = excluded.params,
      description = excluded.description;

insert into private.notification_texts (key, locale, text) values
  ('order.reserved.title', 'en', 'Your item is reserved'),
  ('order.reserved.title', 'ar', 'تم حجز منتجك'),
  ('order.reserved.body', 'en', 'Order {reference}: {product_title} is reserved for a buyer awaiting payment.'),
  ('order.reserved.body', 'ar', 'الطلب {reference}: تم حجز {product_title} لمشترٍ بانتظار الدفع.'),
  ('order.paid.title', 'en', 'Order paid'),
  ('order.paid.title', 'ar', 'تم دفع الطلب'),
  ('order.paid.body', 'en', 'Order {reference}: {product_title} is paid. Send or hand it over.'),
  ('order.paid.body', 'ar', 'الطلب {reference}: تم دفع {product_title}. أرسله أو سلّمه.'),
  ('order.sent.title', 'en', 'Your item is on its way'),
  ('order.sent.title', 'ar', 'منتجك في الطريق'),
  ('order.sent.body', 'en', 'Order {reference}: the seller sent {product_title}. Mark it received when you have it.'),
  ('order.sent.body', 'ar', 'الطلب {reference}: أرسل البائع {product_title}. أكّد الاستلام عند وصوله.'),
  ('order.received.title', 'en', 'Item received'),
  ('order.received.title', 'ar', 'تم استلام المنتج'),
  ('order.received.body', 'en', 'Order {reference}: {product_title} was received.'),
  ('order.received.body', 'ar', 'الطلب {reference}: تم استلام {product_title}.'),
  ('order.completed.title', 'en', 'Order completed'),
  ('order.completed.title', 'ar', 'اكتمل الطلب'),
  ('order.completed.body', 'en', 'Order {reference} for {product_title} is complete.'),
  ('order.completed.body', 'ar', 'اكتمل الطلب {reference} لـ {product_title}.'),
  ('order.cancelled.title', 'en', 'Order cancelled'),
  ('order.cancelled.title', 'ar', 'تم إلغاء الطلب'),
  ('order.cancelled.body', 'en', 'Order {reference} for {product_title} was cancelled.'),
  ('order.cancelled.body', 'ar', 'تم إلغاء الطلب {reference} لـ {product_title}.'),
  ('order.expired.title', 'en', 'Reservation expired'),
  ('order.expired.title', 'ar', 'انتهت مدة الحجز'),
  ('order.expired.body', 'en', 'Order {reference}: {product_title} was not paid in time and is available again.'),
  ('order.expired.body', 'ar', 'الطلب {reference}: لم يُدفع {product_title} في الوقت المحدد وعاد متاحاً.'),
  ('order.disputed.title', 'en', 'Order disputed'),
  ('order.disputed.title', 'ar', 'تم الاعتراض على الطلب'),
  ('order.disputed.body', 'en', 'Order {reference} for {product_title} is disputed; support will review it.'),
  ('order.disputed.body', 'ar', 'تم الاعتراض على الطلب {reference} لـ {product_title}؛ سيراجعه فريق الدعم.'),
  ('order.resolved.title', 'en', 'Dispute resolved'),
  ('order.resolved.title', 'ar', 'تمت تسوية الاعتراض'),
  ('order.resolved.body', 'en', 'The dispute about order {reference} is resolved.'),
  ('order.resolved.body', 'ar', 'تمت تسوية الاعتراض على الطلب {reference}.')
on conflict (key, locale) do update set text = excluded.text;
