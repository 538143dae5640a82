-- Module: trust (trades)
-- Reviews and disputes work on *trades*: a booking today, a goods purchase when the goods module
-- arrives. Trust owns the registry of trade kinds; each kind names a lookup function that
-- describes one trade in the common shape private.trade (parties, a normalised state, when it
-- finished, the amount, and which side a given user is on). Trust registers bookings itself
-- (bookings come earlier); the goods module will register `purchase` from its own files.

create type private.trade as (
  kind text,
  id uuid,
  -- The buyer: the booking's customer, the purchase's buyer.
  customer_id uuid,
  -- The seller side: the booking's provider (a user id, provider_profiles.id), the purchase's seller.
  provider_id uuid,
  -- The provider's business, when the trade was made through one (its owners and managers act
  -- for the provider side).
  business_id uuid,
  -- Normalised: open (not finished yet), completed (finished; reviews and disputes possible),
  -- disputed (an open dispute), closed (cancelled, declined, expired: nothing to review).
  state text,
  -- When the trade finished (completion, or the dispute's resolution); null while open.
  finished_at timestamptz,
  currency char(3),
  amount bigint,
  -- The side of the user the lookup was asked about: customer, provider, or null (not a party).
  user_side text
);
comment on type private.trade is
  'One trade (booking or purchase) in the shape reviews and disputes use; returned by the lookup of its kind in private.trade_kinds.';

create table private.trade_kinds (
  kind text primary key check (kind ~ '^[a-z][a-z_]*$'),
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  -- A signature such as 'private.booking_trade(uuid,uuid)': (p_trade_id uuid, p_user_id uuid)
  -- returns private.trade, or null when the trade does not exist.
  handler text not null,
  -- The reputation the seller side earns from this kind: provider (services) or seller (goods).
  provider_role text not null check (provider_role in ('provider', 'seller')),
  -- Optional sub-ratings a customer gives the seller side, and the seller side gives the customer.
  provider_subratings text[] not null default '{}',
  customer_subratings text[] not null default '{}',
  description text not null
);
comment on table private.trade_kinds is
  'Trade kinds reviews and disputes accept (booking, purchase): the module that owns them, the lookup handler '
  '(uuid trade id, uuid user id) -> private.trade, the seller side''s reputation role and the optional sub-ratings.';

create or replace trigger trade_kinds_check_handler
  before insert or update on private.trade_kinds
  for each row execute function private.check_registry_handler('uuid, uuid', 'private.trade');

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL700', 'unknown_trade_kind', 400, 'Unknown trade kind.',
   'Use booking (or another kind listed by the trust module).'),
  ('HL701', 'trade_not_found', 404, 'The trade does not exist or you are not part of it.',
   'Check the kind and id; only its customer, its provider side and operators can act on a trade.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Bookings as trades
------------------------------------------------------------------------------------------------
create or replace function private.booking_trade(p_booking_id uuid, p_user_id uuid)
returns private.trade
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_trade private.trade;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    return null;
  end if;
  v_trade.kind := 'booking';
  v_trade.id := v_booking.id;
  v_trade.customer_id := v_booking.customer_id;
  v_trade.provider_id := v_booking.provider_id;
  v_trade.business_id := v_booking.business_id;
  v_trade.state := case
    when v_booking.status in ('completed', 'resolved') then 'completed'
    when v_booking.status = 'disputed' then 'disputed'
    when v_booking.status in ('cancelled', 'declined', 'expired') then 'closed'
    else 'open'
  end;
  v_trade.finished_at := case
    when v_booking.status = 'completed' then v_booking.completed_at
    when v_booking.status = 'resolved' then v_booking.status_changed_at
  end;
  v_trade.currency := v_booking.currency;
  v_trade.amount := v_booking.price;
  v_trade.user_side := case
    when p_user_id is null then null
    when p_user_id = v_booking.customer_id then 'customer'
    when p_user_id = v_booking.provider_id then 'provider'
    when v_booking.business_id is not null and exists (
      select 1 from public.business_members bm
       where bm.business_id = v_booking.business_id and bm.user_id = p_user_id
         and bm.role in ('owner', 'manager')) then 'provider'
  end;
  return v_trade;
end;
$$;
comment on function private.booking_trade(uuid, uuid) is
  'A booking as a trade: completed and resolved bookings are completed (finished at completion or resolution), '
  'disputed ones disputed, cancelled/declined/expired closed, the rest open; the provider, or an owner/manager of its '
  'business, is the provider side.';
revoke all on function private.booking_trade(uuid, uuid) from public, anon, authenticated, service_role;

insert into private.trade_kinds (kind, module, handler, provider_role, provider_subratings, customer_subratings, description) values
  ('booking', 'trust', 'private.booking_trade(uuid, uuid)', 'provider',
   '{quality,punctuality,communication,value}', '{communication,punctuality}',
   'A booking of a service (from a listing or a job).')
on conflict (kind) do update
  set module = excluded.module, handler = excluded.handler, provider_role = excluded.provider_role,
      provider_subratings = excluded.provider_subratings, customer_subratings = excluded.customer_subratings,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Looking a trade up
------------------------------------------------------------------------------------------------
create or replace function private.find_trade(p_kind text, p_trade_id uuid, p_user_id uuid default null)
returns private.trade
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_handler text;
  v_trade private.trade;
begin
  select k.handler into v_handler from private.trade_kinds k where k.kind = p_kind;
  if v_handler is null then
    perform private.raise_error('HL700', pg_catalog.format('kind %L (known: %s)', p_kind,
      (select pg_catalog.string_agg(k.kind, ', ' order by k.kind) from private.trade_kinds k)));
  end if;
  if p_trade_id is null then
    return null;
  end if;
  -- The handler is a registered, checked signature: 'private.name(uuid,uuid)' -> 'private.name'.
  execute pg_catalog.format('select (%s($1, $2)).*', pg_catalog.regexp_replace(v_handler, '\(.*$', ''))
     into v_trade using p_trade_id, p_user_id;
  if v_trade.id is null then
    return null;
  end if;
  return v_trade;
end;
$$;
comment on function private.find_trade(text, uuid, uuid) is
  'The trade of this kind and id as seen by p_user_id (user_side), null when it does not exist; HL700 for an unknown kind.';
revoke all on function private.find_trade(text, uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function private.find_trade(text, uuid, uuid) to authenticated, service_role;

create or replace function private.require_trade(p_kind text, p_trade_id uuid)
returns private.trade
language plpgsql
stable
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_trade private.trade := private.find_trade(p_kind, p_trade_id, v_uid);
begin
  if v_trade.id is null or v_trade.user_side is null then
    perform private.raise_error('HL701', pg_catalog.format('%s %s', p_kind, p_trade_id));
  end if;
  return v_trade;
end;
$$;
comment on function private.require_trade(text, uuid) is
  'The trade as seen by the calling user, who must be one of its parties: HL001 signed out, HL700 unknown kind, HL701 not found or not a party.';
revoke all on function private.require_trade(text, uuid) from public, anon, authenticated, service_role;
grant execute on function private.require_trade(text, uuid) to authenticated, service_role;
