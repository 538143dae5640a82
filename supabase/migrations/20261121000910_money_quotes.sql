-- Module: money (quotes and booking charges)
-- Every booking stores the breakdown it was created with (public.booking_charges), so a later
-- change of fee schedules, regions or VAT never alters it; the payments module reads it
-- (private.booking_amounts), re-prices it with a promo code (private.apply_promo_code), asks what a
-- late cancellation costs (private.cancellation_amounts) and splits refunds
-- (private.allocate_refund, money_fees). public.quote_context feeds the `quote` edge function.
--
-- Decisions (docs/money.md):
--   * The charges row is written by a trigger on bookings' timeline: AFTER INSERT on
--     public.booking_events for the `create` event, which private.create_booking writes in the same
--     transaction right after the booking row and its secrets. At that point the event's metadata
--     says whether the booking comes from a job offer (job_id: trade kind job_booking, the job's
--     category) or a listing (service_booking, the listing's category), and the service location
--     (booking_secrets) exists for the region; a trigger on the bookings row itself would see
--     neither. The row exists before create_booking returns, so callers in the same transaction
--     (book_listing, accept_offer, instant book and its payment) find it.
--   * The schedule in force is the one effective at the booking's creation (private.now()).
--   * Cancellation fee: policy.fee_percent (converted to basis points, half away from zero) of
--     the service price as entered, priced like a price in the booking's region mode (VAT split or
--     added); the service fee is refunded (zero), no discount, commission applies to the fee with
--     the booking's rates. Zero amounts when the cancellation is not late.

------------------------------------------------------------------------------------------------
-- The stored breakdown of each booking.
------------------------------------------------------------------------------------------------
create table public.booking_charges (
  booking_id uuid primary key references public.bookings (id) on delete cascade,
  schedule_id uuid not null references public.fee_schedules (id),
  trade_kind text not null check (trade_kind in ('service_booking', 'job_booking')),
  region_id uuid references public.money_regions (id),
  currency char(3) not null,
  price bigint not null check (price >= 0),
  subtotal_net bigint not null check (subtotal_net >= 0),
  subtotal_tax bigint not null check (subtotal_tax >= 0),
  service_fee_net bigint not null check (service_fee_net >= 0),
  service_fee_tax bigint not null check (service_fee_tax >= 0),
  commission bigint not null check (commission >= 0),
  discount bigint not null check (discount >= 0),
  tip bigint not null check (tip >= 0),
  customer_total bigint not null check (customer_total >= 0),
  provider_payout bigint not null check (provider_payout >= 0),
  platform_revenue bigint not null check (platform_revenue >= 0),
  tax bigint not null check (tax >= 0),
  breakdown jsonb not null,
  promo_code_id uuid references public.promo_codes (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (customer_total = provider_payout + platform_revenue + tax)
);
comment on table public.booking_charges is
  'What a booking costs, as computed when it was created (private.fee_breakdown output in `breakdown`, amounts as columns); '
  'changed only by applying a promo code. Read by the customer, the provider and business owners/managers (not staff), and operators.';
create index booking_charges_schedule_id_idx on public.booking_charges (schedule_id);
create index booking_charges_region_id_idx on public.booking_charges (region_id);
create index booking_charges_promo_code_id_idx on public.booking_charges (promo_code_id);

create or replace trigger booking_charges_set_updated_at
  before update on public.booking_charges
  for each row execute function private.set_updated_at();

-- Writes (or rewrites) the amount columns from a breakdown.
create or replace function private.store_booking_charges(p_booking_id uuid, p_schedule_id uuid, p_trade_kind text,
                                                         p_region_id uuid, p_breakdown jsonb, p_promo_code_id uuid)
returns public.booking_charges
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.booking_charges;
begin
  insert into public.booking_charges as c (
    booking_id, schedule_id, trade_kind, region_id, currency, price, subtotal_net, subtotal_tax, service_fee_net,
    service_fee_tax, commission, discount, tip, customer_total, provider_payout, platform_revenue, tax, breakdown,
    promo_code_id, created_at, updated_at)
  values (
    p_booking_id, p_schedule_id, p_trade_kind, p_region_id, p_breakdown ->> 'currency',
    (p_breakdown ->> 'price')::bigint, (p_breakdown ->> 'subtotal_net')::bigint, (p_breakdown ->> 'subtotal_tax')::bigint,
    (p_breakdown ->> 'service_fee_net')::bigint, (p_breakdown ->> 'service_fee_tax')::bigint,
    (p_breakdown ->> 'commission')::bigint, (p_breakdown ->> 'discount')::bigint, (p_breakdown ->> 'tip')::bigint,
    (p_breakdown ->> 'customer_total')::bigint, (p_breakdown ->> 'provider_payout')::bigint,
    (p_breakdown ->> 'platform_revenue')::bigint, (p_breakdown ->> 'tax')::bigint, p_breakdown, p_promo_code_id,
    private.now(), private.now())
  on conflict (booking_id) do update
    set price = excluded.price, subtotal_net = excluded.subtotal_net, subtotal_tax = excluded.subtotal_tax,
        service_fee_net = excluded.service_fee_net, service_fee_tax = excluded.service_fee_tax,
        commission = excluded.commission, discount = excluded.discount, tip = excluded.tip,
        customer_total = excluded.customer_total, provider_payout = excluded.provider_payout,
        platform_revenue = excluded.platform_revenue, tax = excluded.tax, breakdown = excluded.breakdown,
        promo_code_id = excluded.promo_code_id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function private.store_booking_charges(uuid, uuid, text, uuid, jsonb, uuid) is
  'Inserts or re-prices a booking''s charges row from a fee_breakdown result (amount columns copied from the breakdown).';

create or replace function private.create_booking_charges()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_kind text;
  v_category uuid;
  v_point extensions.geography;
  v_context jsonb;
  v_breakdown jsonb;
begin
  if new.transition <> 'create' then
    return null;
  end if;
  select * into v_booking from public.bookings b where b.id = new.booking_id;
  if new.metadata ? 'job_id' then
    v_kind := 'job_booking';
    select j.category_id into v_category from public.job_requests j where j.id = (new.metadata ->> 'job_id')::uuid;
  else
    v_kind := 'service_booking';
    select l.category_id into v_category from public.service_listings l where l.id = v_booking.listing_id;
  end if;
  select coalesce(s.location, (select p.base_location from public.provider_profiles p where p.id = v_booking.provider_id))
    into v_point
    from private.booking_secrets s where s.booking_id = v_booking.id;
  if v_point is null then
    select p.base_location into v_point from public.provider_profiles p where p.id = v_booking.provider_id;
  end if;
  v_context := private.fee_context(v_kind, v_booking.currency, v_category, v_point, private.now());
  v_breakdown := private.fee_breakdown(
    (v_context - 'region_id' - 'region_code' - 'exponent') || pg_catalog.jsonb_build_object('price', v_booking.price, 'tip', 0));
  perform private.store_booking_charges(v_booking.id, (v_context ->> 'schedule_id')::uuid, v_kind,
                                        (v_context ->> 'region_id')::uuid, v_breakdown, null);
  return null;
end;
$$;
comment on function private.create_booking_charges() is
  'AFTER INSERT on booking_events (the create event): stores the booking''s breakdown under the schedule in force now '
  '(job_booking with the job''s category when the event names a job, else service_booking with the listing''s; region of the service location, else the provider''s base).';

create or replace trigger booking_events_create_charges
  after insert on public.booking_events
  for each row when (new.transition = 'create')
  execute function private.create_booking_charges();

------------------------------------------------------------------------------------------------
-- Entry points for the payments module.
------------------------------------------------------------------------------------------------
create or replace function private.booking_amounts(p_booking_id uuid)
returns public.booking_charges
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_row public.booking_charges;
begin
  select * into v_row from public.booking_charges c where c.booking_id = p_booking_id;
  if v_row.booking_id is null then
    if not exists (select 1 from public.bookings b where b.id = p_booking_id) then
      perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
    end if;
    perform private.raise_error('HL615', pg_catalog.format('booking %s', p_booking_id));
  end if;
  return v_row;
end;
$$;
comment on function private.booking_amounts(uuid) is
  'The booking''s stored charges (what to authorise and capture, the provider''s payout, the platform''s revenue, the tax). HL400, HL615.';

create or replace function private.apply_promo_code(p_booking_id uuid, p_user_id uuid, p_code text)
returns public.booking_charges
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_charges public.booking_charges;
  v_promo jsonb;
  v_breakdown jsonb;
  v_use integer;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if v_booking.id is null then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if p_user_id is distinct from v_booking.customer_id then
    perform private.raise_error('HL002', 'only the booking''s customer can apply a promo code');
  end if;
  if v_booking.status not in ('requested', 'accepted', 'en_route', 'arrived', 'in_progress') then
    perform private.raise_error('HL430', pg_catalog.format('booking is %s', v_booking.status));
  end if;
  v_charges := private.booking_amounts(p_booking_id);
  if v_charges.promo_code_id is not null then
    perform private.raise_error('HL607');
  end if;
  if p_code is null or pg_catalog.btrim(p_code) = '' then
    perform private.raise_error('HL601', 'empty code');
  end if;
  v_promo := private.promo_for(p_code, p_user_id, v_charges.trade_kind, v_charges.currency,
                               v_charges.subtotal_net + v_charges.subtotal_tax, true);
  v_breakdown := private.fee_breakdown(
    pg_catalog.jsonb_build_object(
      'currency', v_charges.breakdown -> 'currency', 'prices_include_tax', v_charges.breakdown -> 'prices_include_tax',
      'vat_rate', v_charges.breakdown -> 'vat_rate', 'price', v_charges.breakdown -> 'price',
      'tip', v_charges.breakdown -> 'tip', 'schedule_id', v_charges.breakdown -> 'schedule_id',
      'rates', v_charges.breakdown -> 'rates', 'promo', v_promo - 'id'));
  select coalesce(pg_catalog.max(r.use_number), 0) + 1 into v_use
    from public.promo_redemptions r where r.promo_code_id = (v_promo ->> 'id')::uuid and r.user_id = p_user_id;
  begin
    insert into public.promo_redemptions (promo_code_id, user_id, use_number, booking_id, discount, currency, created_at)
    values ((v_promo ->> 'id')::uuid, p_user_id, v_use, p_booking_id, (v_breakdown ->> 'discount')::bigint,
            v_charges.currency, private.now());
  exception when unique_violation then
    perform private.raise_error('HL604', 'used concurrently');
  end;
  return private.store_booking_charges(p_booking_id, v_charges.schedule_id, v_charges.trade_kind, v_charges.region_id,
                                       v_breakdown, (v_promo ->> 'id')::uuid);
end;
$$;
comment on function private.apply_promo_code(uuid, uuid, text) is
  'Re-prices a booking''s stored breakdown with a promo code for its customer and records the redemption (the code row is locked, so limits hold '
  'under concurrency). HL400, HL002 (not the customer), HL430 (closed), HL607 (already has one), HL601-HL606.';

-- The cancellation breakdown of a stored breakdown under a policy (cancellationBreakdown in fees.ts).
create or replace function private.cancellation_breakdown(p_breakdown jsonb, p_policy jsonb, p_late boolean)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_fee_bps bigint := pg_catalog.round(coalesce((p_policy ->> 'fee_percent')::numeric, 0) * 100)::bigint;
  v_price bigint := 0;
begin
  if p_late then
    v_price := private.fee_rdiv((p_breakdown ->> 'price')::bigint * v_fee_bps, 10000);
  end if;
  return private.fee_breakdown(pg_catalog.jsonb_build_object(
      'currency', p_breakdown -> 'currency', 'prices_include_tax', p_breakdown -> 'prices_include_tax',
      'vat_rate', p_breakdown -> 'vat_rate', 'price', v_price, 'tip', 0, 'schedule_id', p_breakdown -> 'schedule_id',
      'rates', (p_breakdown -> 'rates') || '{"service_fee_bps": 0, "service_fee_fixed": 0, "service_fee_max": null}'::jsonb))
    || pg_catalog.jsonb_build_object('late', coalesce(p_late, false), 'fee_bps', v_fee_bps);
end;
$$;
comment on function private.cancellation_breakdown(jsonb, jsonb, boolean) is
  'A cancellation fee''s breakdown: when late, fee_percent of the price as entered (as basis points, half away from zero), priced like a price '
  '(VAT, commission with the booking''s rates), no service fee, no discount; zero amounts when not late.';

create or replace function private.cancellation_amounts(p_booking_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_charges public.booking_charges;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if v_booking.id is null then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_charges := private.booking_amounts(p_booking_id);
  return private.cancellation_breakdown(v_charges.breakdown, v_booking.cancellation_policy,
    case when v_booking.status = 'cancelled' then coalesce(v_booking.cancelled_late, false)
         else v_booking.free_cancellation_until is not null and private.now() >= v_booking.free_cancellation_until end);
end;
$$;
comment on function private.cancellation_amounts(uuid) is
  'The fee to capture for a booking''s cancellation: for a cancelled booking by its cancelled_late flag; for an open one, as if the customer '
  'cancelled now (late at or after free_cancellation_until). Zero amounts when not late. HL400, HL615.';

revoke all on function
  private.store_booking_charges(uuid, uuid, text, uuid, jsonb, uuid),
  private.create_booking_charges(),
  private.booking_amounts(uuid),
  private.apply_promo_code(uuid, uuid, text),
  private.cancellation_breakdown(jsonb, jsonb, boolean),
  private.cancellation_amounts(uuid)
  from public, anon, authenticated, service_role;
grant execute on function
  private.booking_amounts(uuid),
  private.apply_promo_code(uuid, uuid, text),
  private.cancellation_amounts(uuid)
  to service_role;
grant execute on function private.cancellation_breakdown(jsonb, jsonb, boolean) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Access: the customer, the provider and business owners/managers (not staff: docs/bookings.md
-- "Staff and the business's money"), operators with bookings.manage or money.manage. Read-only.
------------------------------------------------------------------------------------------------
alter table public.booking_charges enable row level security;

create policy "Booking parties, business managers and operators read charges" on public.booking_charges
  for select to authenticated
  using (
    booking_id = any (array(select private.my_booking_ids()))
    or (select private.authorize('bookings.manage'))
    or (select private.authorize('money.manage'))
  );
revoke all on table public.booking_charges from anon, authenticated, service_role;
grant select on public.booking_charges to authenticated;
grant select on public.booking_charges to service_role;

------------------------------------------------------------------------------------------------
-- Client RPCs.
------------------------------------------------------------------------------------------------
create or replace function public.apply_booking_promo_code(p_booking_id uuid, p_code text)
returns public.booking_charges
language plpgsql
security definer
set search_path = ''
as $$
begin
  return private.apply_promo_code(p_booking_id, private.require_uid(), p_code);
end;
$$;
comment on function public.apply_booking_promo_code(uuid, text) is
  'The customer applies a promo code to their open booking: the stored breakdown is re-priced with the platform-funded discount. '
  'HL001, HL400, HL002, HL430, HL607, HL601-HL606.';

-- What the `quote` edge function needs, in one call, as the signed-in user. p_request is the
-- function's validated body:
--   {kind: listing_slot, listing_id, start?, lat?, lng?, promo_code?}  → {kind, input}
--   {kind: offer, offer_id, promo_code?}                                → {kind, input}
--   {kind: goods, price, currency, feed: discover|community, category_id?, lat?, lng?, promo_code?} → {kind, input}
--   {kind: booking, booking_id}                                        → {kind, breakdown, charges}
--   {kind: cancellation, booking_id}                                   → {kind, breakdown, policy, late, free_cancellation_until}
-- `input` is private.fee_breakdown's input (computeBreakdown's in fees.ts), with the schedule and
-- the region's VAT parameters of the trade, and the checked promo code.
create or replace function public.quote_context(p_request jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_kind text := p_request ->> 'kind';
  v_now timestamptz := private.now();
  v_listing public.service_listings;
  v_offer public.job_offers;
  v_job public.job_requests;
  v_booking public.bookings;
  v_charges public.booking_charges;
  v_roles text[];
  v_trade text;
  v_currency text;
  v_category uuid;
  v_point extensions.geography;
  v_price bigint;
  v_context jsonb;
  v_input jsonb;
  v_plain jsonb;
begin
  if v_kind in ('booking', 'cancellation') then
    select * into v_booking from public.bookings b where b.id = (p_request ->> 'booking_id')::uuid;
    if v_booking.id is null then
      perform private.raise_error('HL400', pg_catalog.format('booking %s', p_request ->> 'booking_id'));
    end if;
    v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
    if pg_catalog.cardinality(v_roles) = 0 then
      perform private.raise_error('HL400', pg_catalog.format('booking %s', v_booking.id));
    end if;
    if private.is_staff_only(v_roles) then
      perform private.raise_error('HL002', 'business staff do not see a booking''s money');
    end if;
    v_charges := private.booking_amounts(v_booking.id);
    if v_kind = 'booking' then
      return pg_catalog.jsonb_build_object('kind', v_kind, 'breakdown', v_charges.breakdown,
        'trade_kind', v_charges.trade_kind, 'booking_id', v_booking.id);
    end if;
    if v_booking.status not in ('requested', 'accepted', 'en_route', 'arrived') then
      perform private.raise_error('HL402', pg_catalog.format('a %s booking cannot be cancelled', v_booking.status));
    end if;
    return pg_catalog.jsonb_build_object('kind', v_kind, 'breakdown', v_charges.breakdown,
      'booking_id', v_booking.id, 'policy', v_booking.cancellation_policy,
      'free_cancellation_until', v_booking.free_cancellation_until,
      -- Only the customer's cancellations are ever late (docs/bookings.md).
      'late', 'customer' = any (v_roles) and v_booking.free_cancellation_until is not null
              and v_now >= v_booking.free_cancellation_until);
  elsif v_kind = 'listing_slot' then
    select * into v_listing from public.service_listings l where l.id = (p_request ->> 'listing_id')::uuid;
    if v_listing.id is null then
      perform private.raise_error('HL219', pg_catalog.format('listing %s', p_request ->> 'listing_id'));
    end if;
    if not v_listing.is_active then
      perform private.raise_error('HL411', pg_catalog.format('listing %s', v_listing.id));
    end if;
    if v_listing.pricing_unit = 'quote' then
      perform private.raise_error('HL412', pg_catalog.format('listing %s', v_listing.id));
    end if;
    v_trade := 'service_booking';
    v_currency := v_listing.currency;
    v_category := v_listing.category_id;
    v_point := v_listing.location;
    -- The price book_listing charges.
    v_price := case v_listing.pricing_unit
      when 'hourly' then pg_catalog.round(v_listing.base_price * v_listing.duration_minutes / 60.0)::bigint
      else v_listing.base_price end;
  elsif v_kind = 'offer' then
    select * into v_offer from public.job_offers o where o.id = (p_request ->> 'offer_id')::uuid;
    select * into v_job from public.job_requests j where j.id = v_offer.job_id;
    if v_offer.id is null or (v_uid <> v_job.customer_id and v_uid <> v_offer.provider_id) then
      perform private.raise_error('HL310', pg_catalog.format('offer %s', p_request ->> 'offer_id'));
    end if;
    v_trade := 'job_booking';
    v_currency := v_offer.currency;
    v_category := v_job.category_id;
    select l.location into v_point from private.job_locations l where l.job_id = v_job.id;
    v_price := case when v_offer.status = 'accepted' then v_offer.accepted_price
                    when v_offer.status = 'countered' then v_offer.counter_price
                    else v_offer.price end;
  elsif v_kind = 'goods' then
    v_trade := 'goods_' || coalesce(p_request ->> 'feed', '');
    v_currency := p_request ->> 'currency';
    v_category := (p_request ->> 'category_id')::uuid;
    if v_category is not null and not exists (select 1 from public.categories c where c.id = v_category) then
      perform private.raise_error('HL208', pg_catalog.format('category %s', v_category));
    end if;
    v_price := private.fee_int(p_request, 'price', 0, 1000000000000);
  else
    perform private.raise_error('HL004', pg_catalog.format('unknown quote kind %s', coalesce(v_kind, 'missing')));
  end if;

  if p_request ? 'lat' and p_request ? 'lng' then
    v_point := private.make_point((p_request ->> 'lat')::float8, (p_request ->> 'lng')::float8);
  end if;
  v_context := private.fee_context(v_trade, v_currency, v_category, v_point, v_now);
  v_input := (v_context - 'region_id' - 'region_code' - 'exponent') || pg_catalog.jsonb_build_object('price', v_price, 'tip', 0);
  if coalesce(p_request ->> 'promo_code', '') <> '' then
    v_plain := private.fee_breakdown(v_input);
    v_input := v_input || pg_catalog.jsonb_build_object('promo',
      private.promo_for(p_request ->> 'promo_code', v_uid, v_trade, v_currency,
                        (v_plain ->> 'subtotal_net')::bigint + (v_plain ->> 'subtotal_tax')::bigint) - 'id');
  end if;
  return pg_catalog.jsonb_build_object('kind', v_kind, 'trade_kind', v_trade, 'input', v_input,
    'region_code', v_context -> 'region_code');
exception
  when invalid_text_representation or numeric_value_out_of_range then
    -- A malformed id or coordinate from a direct caller (the edge function validates first).
    perform private.raise_error('HL004', sqlerrm);
    return null;
end;
$$;
comment on function public.quote_context(jsonb) is
  'For the quote edge function: the fee input of a listing slot, a job offer or a goods sale (schedule, VAT, price, checked promo), '
  'or a booking''s stored breakdown (and its cancellation terms). HL001, HL400, HL002 (staff), HL219, HL411, HL412, HL310, HL208, HL402, HL600, HL608, HL614, HL601-HL606.';

revoke all on function
  public.apply_booking_promo_code(uuid, text),
  public.quote_context(jsonb)
  from public, anon, authenticated, service_role;
grant execute on function
  public.apply_booking_promo_code(uuid, text),
  public.quote_context(jsonb)
  to authenticated, service_role;
