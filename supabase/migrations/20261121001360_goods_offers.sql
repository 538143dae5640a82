-- Module: goods (offers: tables, access, the conversation context, notification kinds)
-- Haggling over a product inside its conversation: a buyer offers a unit price for a quantity,
-- the two sides counter in turn, and the side whose turn it is accepts (the units are reserved
-- for payment through private.reserve_product, at the offer's price) or declines; the side that
-- made the last proposal can withdraw it; pending offers expire at expires_at (pg_cron). The
-- process is data (product_offer_states, product_offer_transitions); every change goes through
-- private.apply_offer_transition (20261121001365_goods_offers_api.sql), which writes a
-- product_offer_events row and posts the offer's message into the product's conversation.
--
-- Decisions (see docs/goods.md, "Offers and haggling"):
--   * amount is a unit price in the product's currency, from 1 to the listing price: nobody
--     offers more than the asking price (buy_product buys at it), and the seller's counters stay
--     at or below what they listed.
--   * One live (pending) offer per buyer and product: a partial unique index.
--   * The conversation is messaging's goods_listing context (registered here): the buyer and the
--     product's seller. A user's move is an `offer` message written by that user; the system's
--     moves (expire, close, lapse) are `system` messages; both carry the same payload.
--   * A product that becomes sold, withdrawn or hidden closes its pending offers (a trigger of
--     this file on products); an accepted offer whose order expires or is cancelled lapses
--     (orders' private.order_transition_handlers).

------------------------------------------------------------------------------------------------
-- Error codes (HL820-HL839), settings.
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL820', 'product_offer_not_found', 404, 'The offer does not exist or you cannot see it.',
   'Only the buyer and the seller of an offer see it.'),
  ('HL821', 'unknown_product_offer_action', 400, 'Unknown offer action.',
   'p_action: counter, accept, decline or withdraw.'),
  ('HL822', 'product_offer_not_pending', 409, 'This offer is no longer open.',
   'Only pending offers can be countered, accepted, declined or withdrawn; details give its state.'),
  ('HL823', 'not_your_turn_on_offer', 409, 'It is not your turn on this offer.',
   'The side whose turn it is counters, accepts or declines; the side that made the last proposal can withdraw it.'),
  ('HL824', 'product_offer_actor_not_allowed', 403, 'You may not take this action on this offer.',
   'See product_offer_transitions.actors: expire, close and lapse are the system''s.'),
  ('HL825', 'invalid_offer_amount', 400, 'The offered price is invalid.',
   'A unit price in minor units from 1 to the listing price (details); only counter takes p_amount.'),
  ('HL826', 'invalid_offer_quantity', 400, 'The quantity is invalid.',
   'A whole number from 1 to the units available (details).'),
  ('HL827', 'cannot_offer_on_own_product', 409, 'You cannot make an offer on your own product.',
   'Offers are between a buyer and another seller.'),
  ('HL828', 'product_not_open_for_offers', 409, 'This product takes no offers now.',
   'Sold products take no offers; details give the reason.'),
  ('HL829', 'live_product_offer_exists', 409, 'You already have an open offer on this product.',
   'Counter, withdraw or wait for an answer to the offer in details.'),
  ('HL830', 'product_offer_expired', 409, 'This offer has expired.',
   'Make a new offer (goods.offer_hours after each proposal).'),
  ('HL831', 'invalid_offer_filter', 400, 'Invalid offer list filter.',
   'p_role buyer or seller (or p_product_id); p_status an offer state; p_limit 1 to 100; the cursor needs both p_before_created_at and p_before_id.'),
  ('HL832', 'product_offer_not_due', 409, 'This timed offer action is not due yet.',
   'Internal (the system''s expire): the offer runs until expires_at (details).')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('goods.offer_hours', '48',
   'How long a proposal (an offer or a counter) stays open for an answer before the offer expires.'),
  ('goods.offer_timer_batch_size', '500',
   'Most offers the offer timer expires per run (pg_cron runs every minute).'),
  ('rate_limit.make_product_offer', '{"limit": 20, "window": "1 hour"}',
   'make_product_offer: new offers per buyer.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- The process, as data.
------------------------------------------------------------------------------------------------
create table public.product_offer_states (
  state text primary key check (state ~ '^[a-z_]+$'),
  description text not null,
  is_live boolean not null,
  sort_order integer not null
);
comment on table public.product_offer_states is 'States of the product offer process (data; read-only for clients).';

insert into public.product_offer_states (state, description, is_live, sort_order) values
  ('pending',   'Waiting for the side whose turn it is (turn) until expires_at.',                            true,  10),
  ('accepted',  'Accepted: the units are reserved for the buyer at the offer''s price (order_id).',          false, 20),
  ('declined',  'The side whose turn it was declined.',                                                      false, 30),
  ('withdrawn', 'The side that made the last proposal withdrew it.',                                         false, 40),
  ('expired',   'Nobody answered by expires_at.',                                                            false, 50),
  ('closed',    'The product was sold, withdrawn or hidden, or a side''s account was deleted, while pending.', false, 60),
  ('lapsed',    'Accepted, but the order''s reservation expired unpaid or was cancelled.',                  false, 70)
on conflict (state) do update
  set description = excluded.description, is_live = excluded.is_live, sort_order = excluded.sort_order;

create table public.product_offer_transitions (
  name text not null check (name ~ '^[a-z_]+$'),
  from_state text not null references public.product_offer_states (state),
  to_state text not null references public.product_offer_states (state),
  actors text[] not null check (actors <@ array['buyer', 'seller', 'system'] and cardinality(actors) > 0),
  -- turn: only the side whose turn it is; proposer: only the side that made the last proposal.
  side text check (side in ('turn', 'proposer')),
  description text not null,
  primary key (name, from_state)
);
comment on table public.product_offer_transitions is
  'Allowed transitions of product offers: name, from, to, who may take it and which side (turn: whose turn it is; '
  'proposer: who made the last proposal). The offer itself (make) is its creation. Data; read-only for clients.';
create index product_offer_transitions_to_state_idx on public.product_offer_transitions (to_state);

insert into public.product_offer_transitions (name, from_state, to_state, actors, side, description) values
  ('counter',  'pending',  'pending',   '{buyer,seller}', 'turn',     'Propose another unit price; the turn passes to the other side.'),
  ('accept',   'pending',  'accepted',  '{buyer,seller}', 'turn',     'Accept the last proposal: the units are reserved at its price for payment.'),
  ('decline',  'pending',  'declined',  '{buyer,seller}', 'turn',     'Decline the last proposal.'),
  ('withdraw', 'pending',  'withdrawn', '{buyer,seller}', 'proposer', 'Take back one''s own proposal before it is answered.'),
  ('expire',   'pending',  'expired',   '{system}',       null,       'Nobody answered by expires_at (timer).'),
  ('close',    'pending',  'closed',    '{system}',       null,       'The product was sold, withdrawn or hidden, or an account deleted.'),
  ('lapse',    'accepted', 'lapsed',    '{system}',       null,       'The order of the accepted offer expired unpaid or was cancelled.')
on conflict (name, from_state) do update
  set to_state = excluded.to_state, actors = excluded.actors, side = excluded.side, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Offers and their timeline
------------------------------------------------------------------------------------------------
create table public.product_offers (
  id uuid primary key default gen_random_uuid(),
  product_id uuid not null references public.products (id),
  buyer_id uuid not null references public.profiles (id),
  seller_id uuid not null references public.profiles (id),
  conversation_id uuid not null references public.conversations (id),
  quantity integer not null check (quantity between 1 and 10000),
  -- The current proposal: a unit price in minor units of currency (the product's).
  amount bigint not null check (amount between 1 and 1000000000),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  status text not null default 'pending' references public.product_offer_states (state),
  -- Whose answer the pending offer waits for; null once it is no longer pending.
  turn text check (turn in ('buyer', 'seller')),
  expires_at timestamptz not null,
  counter_count integer not null default 0 check (counter_count >= 0),
  fulfilment text not null default 'meetup' check (fulfilment in ('delivery', 'meetup')),
  delivery_address text check (delivery_address is null or char_length(delivery_address) between 1 and 300),
  meetup_place text check (meetup_place is null or char_length(meetup_place) between 1 and 300),
  order_id uuid references public.orders (id),
  closed_reason text check (closed_reason is null or char_length(closed_reason) <= 200),
  status_changed_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (buyer_id <> seller_id),
  check ((status = 'pending') = (turn is not null)),
  check ((status in ('accepted', 'lapsed')) = (order_id is not null))
);
comment on table public.product_offers is
  'Offers on goods (goods module): a buyer''s unit price (amount, product currency) for a quantity, countered in turn '
  '(turn), until accepted (order_id: the reservation at that price), declined, withdrawn, expired (expires_at), closed or '
  'lapsed. Written only through make_product_offer / respond_to_product_offer and the database; read by the buyer and '
  'the seller. One pending offer per buyer and product.';
comment on column public.product_offers.amount is 'The current proposal: unit price in minor units of currency (1 to the listing price).';
comment on column public.product_offers.turn is 'buyer or seller: whose answer a pending offer waits for; null otherwise.';
comment on column public.product_offers.expires_at is 'The pending offer expires then (goods.offer_hours after the last proposal).';
comment on column public.product_offers.order_id is 'The order reserved when the offer was accepted.';
comment on column public.product_offers.closed_reason is 'Why the database ended it: sold, withdrawn, hidden, account_deleted, order_expired, order_cancelled.';

create unique index product_offers_one_live_idx on public.product_offers (product_id, buyer_id) where status = 'pending';
create index product_offers_product_idx on public.product_offers (product_id, created_at desc, id desc);
create index product_offers_buyer_idx on public.product_offers (buyer_id, created_at desc, id desc);
create index product_offers_seller_idx on public.product_offers (seller_id, created_at desc, id desc);
create index product_offers_conversation_idx on public.product_offers (conversation_id);
create index product_offers_order_idx on public.product_offers (order_id) where order_id is not null;
create index product_offers_expires_at_idx on public.product_offers (expires_at) where status = 'pending';

create or replace trigger product_offers_set_updated_at
  before update on public.product_offers
  for each row execute function private.set_updated_at();

-- The trust module's suspension check: suspended buyers make no offers, nobody offers to a suspended seller.
create or replace trigger product_offers_refuse_suspended
  before insert on public.product_offers
  for each row execute function private.refuse_suspended_writes('buyer_id', 'seller_id');

create table public.product_offer_events (
  id bigint generated always as identity primary key,
  offer_id uuid not null references public.product_offers (id) on delete cascade,
  action text not null check (action ~ '^[a-z_]+$'),
  from_state text references public.product_offer_states (state),
  to_state text not null references public.product_offer_states (state),
  actor_id uuid references public.profiles (id) on delete set null,
  actor_role text not null check (actor_role in ('buyer', 'seller', 'system')),
  amount bigint not null,
  reason text check (reason is null or char_length(reason) <= 200),
  message_id bigint references public.messages (id) on delete set null,
  created_at timestamptz not null default now()
);
comment on table public.product_offer_events is
  'Timeline of a product offer: make and every transition with actor, states, the amount then, the reason (system moves) '
  'and the message it posted in the conversation.';
create index product_offer_events_offer_idx on public.product_offer_events (offer_id, id);
create index product_offer_events_actor_idx on public.product_offer_events (actor_id);
create index product_offer_events_message_idx on public.product_offer_events (message_id);

------------------------------------------------------------------------------------------------
-- Row level security and privileges (clients write nothing: the RPCs do)
------------------------------------------------------------------------------------------------
alter table public.product_offer_states enable row level security;
alter table public.product_offer_transitions enable row level security;
alter table public.product_offers enable row level security;
alter table public.product_offer_events enable row level security;

create policy "The offer process is public" on public.product_offer_states
  for select to anon, authenticated using (true);
create policy "The offer transitions are public" on public.product_offer_transitions
  for select to anon, authenticated using (true);
create policy "Buyers and sellers read their offers" on public.product_offers
  for select to authenticated
  using (buyer_id = (select auth.uid()) or seller_id = (select auth.uid()));
create policy "Buyers and sellers read their offers' timelines" on public.product_offer_events
  for select to authenticated
  using (exists (select 1 from public.product_offers o
                  where o.id = product_offer_events.offer_id
                    and (o.buyer_id = (select auth.uid()) or o.seller_id = (select auth.uid()))));

revoke all on table public.product_offer_states, public.product_offer_transitions, public.product_offers,
  public.product_offer_events from anon, authenticated, service_role;
revoke all on sequence public.product_offer_events_id_seq from anon, authenticated, service_role;
grant select on public.product_offer_states, public.product_offer_transitions to anon, authenticated;
grant select on public.product_offers, public.product_offer_events to authenticated;
grant select on public.product_offer_states, public.product_offer_transitions, public.product_offers,
  public.product_offer_events to service_role;

------------------------------------------------------------------------------------------------
-- The conversation about a product (messaging's registry): the caller is the buyer, the other
-- side the product's seller; hidden and withdrawn products take no new conversations.
------------------------------------------------------------------------------------------------
create or replace function private.goods_listing_conversation_party(p_context_id uuid, p_caller uuid)
returns private.conversation_party
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_seller uuid;
  v_party private.conversation_party;
begin
  select p.seller_id into v_seller from public.products p
   where p.id = p_context_id and p.hidden_at is null and p.withdrawn_at is null;
  if v_seller is null then
    perform private.raise_error('HL503', 'goods_listing: the product does not exist or is not listed');
  end if;
  if v_seller = p_caller then
    perform private.raise_error('HL516', 'this is your own product');
  end if;
  v_party.other_user_id := v_seller;
  return v_party;
end;
$$;
comment on function private.goods_listing_conversation_party(uuid, uuid) is
  'Conversation context goods_listing (messaging''s registry): a buyer talks to the product''s seller; HL503 for unknown, '
  'hidden or withdrawn products, HL516 for the seller''s own product.';
revoke all on function private.goods_listing_conversation_party(uuid, uuid) from public, anon, authenticated, service_role;

insert into private.conversation_contexts (kind, handler, module, description) values
  ('goods_listing', 'private.goods_listing_conversation_party(uuid, uuid)', 'goods',
   'A buyer and the seller of a product (listed: not hidden, not withdrawn); offers are posted here.')
on conflict (kind) do update
  set handler = excluded.handler, module = excluded.module, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Notification kinds (core's registry): group offers, product_offer.* with en/ar texts.
------------------------------------------------------------------------------------------------
insert into private.notification_groups (type_group, description, position) values
  ('offers', 'Offers on goods: received, countered, accepted, declined, expired.', 26)
on conflict (type_group) do nothing;

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description)
select 'product_offer.' || k, 'offers', 'goods', 'product_offer.' || k || '.title', 'product_offer.' || k || '.body',
       'hyperlocal://conversations/{conversation_id}',
       array['offer_id', 'product_id', 'conversation_id', 'product_title', 'price', 'currency', 'order_id'], d
  from (values
    ('received', 'A buyer made an offer on the seller''s product.'),
    ('countered', 'The other side proposed another price.'),
    ('accepted', 'The other side accepted: the units are reserved for payment.'),
    ('declined', 'The other side declined the proposal.'),
    ('expired', 'The offer expired unanswered.')
  ) as t(k, d)
on conflict (kind) do update
  set type_group = excluded.type_group, module = excluded.module, title_key = excluded.title_key,
      body_key = excluded.body_key, deep_link = excluded.deep_link, params = excluded.params,
      description = excluded.description;

insert into private.notification_texts (key, locale, text) values
  ('product_offer.received.title', 'en', 'New offer'),
  ('product_offer.received.title', 'ar', 'عرض جديد'),
  ('product_offer.received.body', 'en', 'A buyer offered {price} {currency} for {product_title}.'),
  ('product_offer.received.body', 'ar', 'عرض مشترٍ {price} {currency} مقابل {product_title}.'),
  ('product_offer.countered.title', 'en', 'Counter offer'),
  ('product_offer.countered.title', 'ar', 'عرض مقابل'),
  ('product_offer.countered.body', 'en', '{price} {currency} proposed for {product_title}.'),
  ('product_offer.countered.body', 'ar', 'تم اقتراح {price} {currency} مقابل {product_title}.'),
  ('product_offer.accepted.title', 'en', 'Offer accepted'),
  ('product_offer.accepted.title', 'ar', 'تم قبول العرض'),
  ('product_offer.accepted.body', 'en', '{product_title} is reserved at {price} {currency}, awaiting payment.'),
  ('product_offer.accepted.body', 'ar', 'تم حجز {product_title} بسعر {price} {currency} بانتظار الدفع.'),
  ('product_offer.declined.title', 'en', 'Offer declined'),
  ('product_offer.declined.title', 'ar', 'تم رفض العرض'),
  ('product_offer.declined.body', 'en', 'Your proposal for {product_title} was declined.'),
  ('product_offer.declined.body', 'ar', 'تم رفض اقتراحك بشأن {product_title}.'),
  ('product_offer.expired.title', 'en', 'Offer expired'),
  ('product_offer.expired.title', 'ar', 'انتهت صلاحية العرض'),
  ('product_offer.expired.body', 'en', 'The offer for {product_title} expired without an answer.'),
  ('product_offer.expired.body', 'ar', 'انتهت صلاحية العرض على {product_title} دون رد.')
on conflict (key, locale) do update set text = excluded.text;
