-- Module: money (fees)
-- One source of truth for what a trade costs: money-owned regions (boundary, currency, VAT and
-- whether prices are entered with VAT), fee schedules operators edit (per trade kind, optionally
-- per category and region, effective-dated), an append-only history of every configuration
-- change, and the fee arithmetic. functions/_shared/fees.ts implements the same arithmetic in
-- TypeScript; tests/integration/money-quote.test.ts proves the two agree on thousands of cases.
--
-- Decisions (docs/money.md, "Fees and quotes"):
--   * Amounts are bigint minor units (0 .. 10^12 for prices, tips and fixed fees), rates are
--     integer basis points (10000 = 100 %). No floating point anywhere.
--   * One rounding rule: every computed line is rounded once, half away from zero (all inputs are
--     non-negative, so half up): rdiv(a, b) = (2a + b) div 2b. A price entered with VAT is split
--     as net = rdiv(price * 10000, 10000 + vat), tax = price - net, so net + tax = price exactly
--     and the residue (at most one minor unit) lands on the tax line.
--   * customer_total = subtotal_net + subtotal_tax + service_fee_net + service_fee_tax - discount
--     + tip; provider_payout = subtotal_net - commission + tip; platform_revenue = commission +
--     service_fee_net - discount; tax = subtotal_tax + service_fee_tax. Hence customer_total =
--     provider_payout + platform_revenue + tax by construction, and nothing is negative because
--     commission <= subtotal_net and discount <= commission + service_fee_net.
--   * Matching order of fee schedules (most specific wins): trade kind and currency must match and
--     the schedule must be effective at the time; then a schedule of the place's region beats one
--     without region; then the nearest category (the category itself, then its parent, ...) beats
--     a farther one, which beats none; then the latest effective_from; then the latest created.

------------------------------------------------------------------------------------------------
-- Error codes of the fees, promo codes and quotes (HL600-HL619).
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL600', 'unsupported_currency', 400, 'This currency is not supported for payments.',
   'Supported: AED, BHD, EUR, GBP, JPY, KRW, KWD, OMR, SAR, USD (docs/money.md).'),
  ('HL601', 'promo_code_not_found', 404, 'This promo code does not exist.',
   'Codes are case-insensitive; check the spelling.'),
  ('HL602', 'promo_code_expired', 409, 'This promo code is not valid now.',
   'details give the validity period; the code may also have been switched off.'),
  ('HL603', 'promo_code_exhausted', 409, 'This promo code has been used up.',
   'Its global use limit is reached.'),
  ('HL604', 'promo_code_already_used', 409, 'You have already used this promo code.',
   'Each person may use it the number of times in details.'),
  ('HL605', 'promo_code_not_applicable', 422, 'This promo code does not apply to this order.',
   'details say why: the kind of trade or the currency.'),
  ('HL606', 'promo_min_order_not_met', 422, 'The order is below this promo code''s minimum.',
   'details give the minimum order amount in minor units.'),
  ('HL607', 'promo_already_applied', 409, 'A promo code is already applied to this booking.',
   'One promo code per booking.'),
  ('HL608', 'no_fee_schedule', 422, 'No fee schedule applies to this trade.',
   'Operators must add a fee schedule for this trade kind and currency.'),
  ('HL609', 'invalid_fee_schedule', 400, 'A fee schedule field has an invalid value.',
   'See details; rates are basis points 0..10000, amounts minor units 0..10^12, min <= max, from < until.'),
  ('HL610', 'invalid_region', 400, 'A region field has an invalid value.',
   'See details: a code, a MultiPolygon boundary, a supported currency and a VAT rate in basis points.'),
  ('HL611', 'invalid_promo_code', 400, 'A promo code field has an invalid value.',
   'See details: codes are 3 to 32 letters, digits, - or _; percentage or fixed with its currency.'),
  ('HL612', 'invalid_amount', 400, 'An amount is invalid.',
   'Amounts are whole minor units from 0 to 1000000000000.'),
  ('HL613', 'invalid_refund', 400, 'The refund amount is invalid.',
   'A refund is 0 to the customer total of the breakdown, in minor units.'),
  ('HL614', 'invalid_trade_kind', 400, 'Unknown trade kind.',
   'Use service_booking, job_booking, goods_discover or goods_community.'),
  ('HL615', 'booking_charges_not_found', 404, 'This booking has no stored charges.',
   'Bookings created before the money module have none.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into public.role_permissions (role, permission) values
  ('admin', 'money.manage')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Currencies and the pure arithmetic (immutable; the TypeScript twin is functions/_shared/fees.ts).
------------------------------------------------------------------------------------------------
create or replace function private.currency_exponent(p_currency text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_currency
    when 'AED' then 2 when 'USD' then 2 when 'EUR' then 2 when 'GBP' then 2 when 'SAR' then 2
    when 'JPY' then 0 when 'KRW' then 0
    when 'KWD' then 3 when 'BHD' then 3 when 'OMR' then 3
  end;
$$;
comment on function private.currency_exponent(text) is
  'ISO 4217 minor-unit exponent of the currencies money accepts (AED/USD/EUR/GBP/SAR 2, JPY/KRW 0, KWD/BHD/OMR 3); null for any other.';

-- Half away from zero for a >= 0, b > 0: (2a + b) div 2b.
create or replace function private.fee_rdiv(p_a bigint, p_b bigint)
returns bigint
language sql
immutable
set search_path = ''
as $$
  select (2 * p_a + p_b) / (2 * p_b);
$$;
comment on function private.fee_rdiv(bigint, bigint) is
  'The one rounding rule: a / b rounded half away from zero, for a >= 0 and b > 0 ((2a + b) div 2b).';

-- An integer field of a jsonb object within [lo, hi] (null when absent or JSON null and p_nullable).
create or replace function private.fee_int(p_input jsonb, p_key text, p_lo bigint, p_hi bigint,
                                           p_nullable boolean default false, p_code text default 'HL612')
returns bigint
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_value jsonb := p_input -> p_key;
  v_n numeric;
begin
  if v_value is null or v_value = 'null'::jsonb then
    if p_nullable then
      return null;
    end if;
    perform private.raise_error(p_code, pg_catalog.format('%s is required', p_key));
  end if;
  if pg_catalog.jsonb_typeof(v_value) <> 'number' then
    perform private.raise_error(p_code, pg_catalog.format('%s must be a whole number', p_key));
  end if;
  v_n := (v_value #>> '{}')::numeric;
  if v_n <> pg_catalog.trunc(v_n) or v_n < p_lo or v_n > p_hi then
    perform private.raise_error(p_code, pg_catalog.format('%s must be a whole number from %s to %s', p_key, p_lo, p_hi));
  end if;
  return v_n::bigint;
end;
$$;
comment on function private.fee_int(jsonb, text, bigint, bigint, boolean, text) is
  'Reads a whole-number field of a fee input within [lo, hi]; raises p_code (HL612 by default) otherwise.';

-- The breakdown of one trade. Input (the same object functions/_shared/fees.ts computeBreakdown takes):
--   {currency, prices_include_tax, vat_rate (bps), price, tip?, schedule_id?,
--    rates: {commission_bps, commission_min, commission_max|null, service_fee_bps, service_fee_fixed, service_fee_max|null},
--    promo?: {code, kind: percent|fixed, percent_bps?, amount_off?, max_discount?, min_order?} | null}
create or replace function private.fee_breakdown(p_input jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  c_max constant bigint := 1000000000000;
  v_currency text := p_input ->> 'currency';
  v_exponent integer := private.currency_exponent(p_input ->> 'currency');
  v_incl boolean;
  v_vat bigint;
  v_price bigint;
  v_tip bigint;
  v_rates jsonb := coalesce(p_input -> 'rates', '{}'::jsonb);
  v_promo jsonb := nullif(p_input -> 'promo', 'null'::jsonb);
  v_c_bps bigint; v_c_min bigint; v_c_max bigint;
  v_s_bps bigint; v_s_fixed bigint; v_s_max bigint;
  v_net bigint; v_tax bigint; v_sf bigint; v_sf_net bigint; v_sf_tax bigint;
  v_commission bigint; v_discount bigint := 0; v_order bigint;
begin
  if v_exponent is null then
    perform private.raise_error('HL600', pg_catalog.format('currency %s', coalesce(v_currency, 'missing')));
  end if;
  if pg_catalog.jsonb_typeof(p_input -> 'prices_include_tax') is distinct from 'boolean' then
    perform private.raise_error('HL612', 'prices_include_tax must be true or false');
  end if;
  v_incl := (p_input ->> 'prices_include_tax')::boolean;
  v_vat := private.fee_int(p_input, 'vat_rate', 0, 10000);
  v_price := private.fee_int(p_input, 'price', 0, c_max);
  v_tip := coalesce(private.fee_int(p_input, 'tip', 0, c_max, true), 0);
  v_c_bps := private.fee_int(v_rates, 'commission_bps', 0, 10000, false, 'HL609');
  v_c_min := private.fee_int(v_rates, 'commission_min', 0, c_max, false, 'HL609');
  v_c_max := private.fee_int(v_rates, 'commission_max', 0, c_max, true, 'HL609');
  v_s_bps := private.fee_int(v_rates, 'service_fee_bps', 0, 10000, false, 'HL609');
  v_s_fixed := private.fee_int(v_rates, 'service_fee_fixed', 0, c_max, false, 'HL609');
  v_s_max := private.fee_int(v_rates, 'service_fee_max', 0, c_max, true, 'HL609');
  if v_c_max < v_c_min then
    perform private.raise_error('HL609', 'commission_max must be at least commission_min');
  end if;

  -- The price as entered, split into net and tax by the region's mode.
  if v_incl then
    v_net := private.fee_rdiv(v_price * 10000, 10000 + v_vat);
    v_tax := v_price - v_net;
  else
    v_net := v_price;
    v_tax := private.fee_rdiv(v_price * v_vat, 10000);
  end if;
  -- The customer's service fee, entered like a price (percentage of the price as entered plus a
  -- fixed part, capped), split the same way.
  v_sf := private.fee_rdiv(v_price * v_s_bps, 10000) + v_s_fixed;
  if v_s_max is not null then
    v_sf := least(v_sf, v_s_max);
  end if;
  if v_incl then
    v_sf_net := private.fee_rdiv(v_sf * 10000, 10000 + v_vat);
    v_sf_tax := v_sf - v_sf_net;
  else
    v_sf_net := v_sf;
    v_sf_tax := private.fee_rdiv(v_sf * v_vat, 10000);
  end if;
  -- Commission on the net price, within [min, max], never more than the net price.
  v_commission := greatest(private.fee_rdiv(v_net * v_c_bps, 10000), v_c_min);
  if v_c_max is not null then
    v_commission := least(v_commission, v_c_max);
  end if;
  v_commission := least(v_commission, v_net);
  -- A promo discount, funded by the platform: at most its share (commission + service fee net).
  if v_promo is not null then
    v_order := v_net + v_tax;
    if v_order >= coalesce(private.fee_int(v_promo, 'min_order', 0, c_max, true, 'HL611'), 0) then
      if v_promo ->> 'kind' = 'percent' then
        v_discount := private.fee_rdiv(v_order * private.fee_int(v_promo, 'percent_bps', 0, 10000, false, 'HL611'), 10000);
      elsif v_promo ->> 'kind' = 'fixed' then
        v_discount := private.fee_int(v_promo, 'amount_off', 0, c_max, false, 'HL611');
      else
        perform private.raise_error('HL611', 'promo kind must be percent or fixed');
      end if;
      v_discount := least(v_discount,
                          coalesce(private.fee_int(v_promo, 'max_discount', 0, c_max, true, 'HL611'), v_discount),
                          v_commission + v_sf_net);
    end if;
  end if;

  return pg_catalog.jsonb_build_object(
    'currency', v_currency,
    'exponent', v_exponent,
    'prices_include_tax', v_incl,
    'vat_rate', v_vat,
    'price', v_price,
    'subtotal_net', v_net,
    'subtotal_tax', v_tax,
    'service_fee_net', v_sf_net,
    'service_fee_tax', v_sf_tax,
    'commission', v_commission,
    'discount', v_discount,
    'tip', v_tip,
    'customer_total', v_net + v_tax + v_sf_net + v_sf_tax - v_discount + v_tip,
    'provider_payout', v_net - v_commission + v_tip,
    'platform_revenue', v_commission + v_sf_net - v_discount,
    'tax', v_tax + v_sf_tax,
    'schedule_id', p_input -> 'schedule_id',
    'promo_code', case when v_promo is null then null else v_promo -> 'code' end,
    'rates', pg_catalog.jsonb_build_object(
      'commission_bps', v_c_bps, 'commission_min', v_c_min, 'commission_max', v_c_max,
      'service_fee_bps', v_s_bps, 'service_fee_fixed', v_s_fixed, 'service_fee_max', v_s_max));
end;
$$;
comment on function private.fee_breakdown(jsonb) is
  'The fee arithmetic (docs/money.md): a trade''s breakdown from {currency, prices_include_tax, vat_rate, price, tip, rates, promo, schedule_id}. '
  'Same keys and results as computeBreakdown in functions/_shared/fees.ts. Raises HL600 (currency), HL612 (amounts), HL609 (rates), HL611 (promo).';

-- A tip: all of it to the provider, no commission, no tax.
create or replace function private.tip_amounts(p_currency char(3), p_tip bigint)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select private.fee_breakdown(pg_catalog.jsonb_build_object(
    'currency', p_currency, 'prices_include_tax', true, 'vat_rate', 0, 'price', 0, 'tip', p_tip,
    'rates', pg_catalog.jsonb_build_object('commission_bps', 0, 'commission_min', 0, 'commission_max', null,
                                           'service_fee_bps', 0, 'service_fee_fixed', 0, 'service_fee_max', null)));
$$;
comment on function private.tip_amounts(char, bigint) is
  'A tip''s breakdown: customer_total = provider_payout = tip; no commission, fee or tax (tipAmounts in fees.ts).';

-- A partial refund split across provider_payout, platform_revenue and tax in proportion to the
-- breakdown, by largest remainder: each share is floored, the units left go to the largest
-- remainders, ties in the order provider_payout, platform_revenue, tax.
create or replace function private.allocate_refund(p_breakdown jsonb, p_refund bigint)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_keys constant text[] := array['provider_payout', 'platform_revenue', 'tax'];
  v_total bigint;
  v_parts bigint[] := array[0, 0, 0]::bigint[];
  v_rems bigint[] := array[0, 0, 0]::bigint[];
  v_left bigint;
  v_amount bigint;
  v_i integer;
  v_best integer;
  v_result jsonb;
begin
  v_total := private.fee_int(p_breakdown, 'customer_total', 0, 10000000000000);
  if p_refund is null or p_refund < 0 or p_refund > v_total then
    perform private.raise_error('HL613', pg_catalog.format('refund %s of a total of %s', p_refund, v_total));
  end if;
  if (select pg_catalog.sum(private.fee_int(p_breakdown, k, 0, 10000000000000)) from pg_catalog.unnest(v_keys) k) <> v_total then
    perform private.raise_error('HL613', 'the breakdown''s provider_payout + platform_revenue + tax differ from its customer_total');
  end if;
  v_left := p_refund;
  if v_total > 0 then
    for v_i in 1..3 loop
      v_amount := (p_breakdown ->> v_keys[v_i])::bigint;
      v_parts[v_i] := pg_catalog.div(v_amount::numeric * p_refund, v_total)::bigint;
      v_rems[v_i] := (v_amount::numeric * p_refund - v_parts[v_i]::numeric * v_total)::bigint;
      v_left := v_left - v_parts[v_i];
    end loop;
    while v_left > 0 loop
      v_best := 1;
      for v_i in 2..3 loop
        if v_rems[v_i] > v_rems[v_best] then
          v_best := v_i;
        end if;
      end loop;
      v_parts[v_best] := v_parts[v_best] + 1;
      v_rems[v_best] := -1;
      v_left := v_left - 1;
    end loop;
  end if;
  v_result := pg_catalog.jsonb_build_object('currency', p_breakdown -> 'currency', 'refund', p_refund);
  for v_i in 1..3 loop
    v_result := v_result || pg_catalog.jsonb_build_object(v_keys[v_i], v_parts[v_i]);
  end loop;
  return v_result;
end;
$$;
comment on function private.allocate_refund(jsonb, bigint) is
  'Splits a (partial) refund across the breakdown''s provider_payout, platform_revenue and tax proportionally, largest remainder '
  '(ties: provider_payout, platform_revenue, tax); the parts sum to the refund. HL613 when the refund is outside 0..customer_total. Same as allocateRefund in fees.ts.';

-- Pure arithmetic on its arguments (reads nothing): callable by signed-in sessions too, so SQL run
-- as a user (e.g. a quote computed in the database) can use it.
revoke all on function
  private.currency_exponent(text),
  private.fee_rdiv(bigint, bigint),
  private.fee_int(jsonb, text, bigint, bigint, boolean, text),
  private.fee_breakdown(jsonb),
  private.tip_amounts(char, bigint),
  private.allocate_refund(jsonb, bigint)
  from public, anon, authenticated, service_role;
grant execute on function
  private.currency_exponent(text),
  private.fee_rdiv(bigint, bigint),
  private.fee_int(jsonb, text, bigint, bigint, boolean, text),
  private.fee_breakdown(jsonb),
  private.tip_amounts(char, bigint),
  private.allocate_refund(jsonb, bigint)
  to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Regions and fee schedules (operators edit them in Studio or through the admin RPCs).
------------------------------------------------------------------------------------------------
create table public.money_regions (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(code) <= 60),
  name text not null check (char_length(name) between 1 and 120),
  boundary extensions.geography(MultiPolygon, 4326) not null,
  currency char(3) not null check (private.currency_exponent(currency) is not null),
  prices_include_tax boolean not null,
  vat_rate integer not null check (vat_rate between 0 and 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.money_regions is
  'Tax regions: a boundary, the local currency, the VAT rate in basis points (500 = 5 %) and whether prices are entered with VAT. Owned by money; operators edit them.';
create index money_regions_boundary_idx on public.money_regions using gist (boundary);

create table public.fee_schedules (
  id uuid primary key default gen_random_uuid(),
  trade_kind text not null check (trade_kind in ('service_booking', 'job_booking', 'goods_discover', 'goods_community')),
  category_id uuid references public.categories (id) on delete restrict,
  region_id uuid references public.money_regions (id) on delete restrict,
  currency char(3) not null check (private.currency_exponent(currency) is not null),
  commission_bps integer not null check (commission_bps between 0 and 10000),
  commission_min bigint not null default 0 check (commission_min between 0 and 1000000000000),
  commission_max bigint check (commission_max is null or commission_max between commission_min and 1000000000000),
  service_fee_bps integer not null default 0 check (service_fee_bps between 0 and 10000),
  service_fee_fixed bigint not null default 0 check (service_fee_fixed between 0 and 1000000000000),
  service_fee_max bigint check (service_fee_max is null or service_fee_max between 0 and 1000000000000),
  effective_from timestamptz not null default now(),
  effective_until timestamptz check (effective_until is null or effective_until > effective_from),
  note text check (note is null or char_length(note) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.fee_schedules is
  'Platform fees per trade kind and currency, optionally per category (inherited by subcategories) and region, effective [from, until). '
  'Most specific match wins (docs/money.md). Bookings keep the breakdown they were created with (booking_charges).';
comment on column public.fee_schedules.commission_bps is 'Commission on the net price, in basis points (1000 = 10 %), within [commission_min, commission_max] minor units.';
comment on column public.fee_schedules.service_fee_bps is 'Customer service fee: this share of the price as entered plus service_fee_fixed, capped at service_fee_max; VAT as for the price.';
create index fee_schedules_match_idx on public.fee_schedules (trade_kind, currency, effective_from);
create index fee_schedules_category_id_idx on public.fee_schedules (category_id);
create index fee_schedules_region_id_idx on public.fee_schedules (region_id);

create or replace trigger money_regions_set_updated_at
  before update on public.money_regions
  for each row execute function private.set_updated_at();
create or replace trigger fee_schedules_set_updated_at
  before update on public.fee_schedules
  for each row execute function private.set_updated_at();

-- Every change of money's configuration (regions, schedules, promo codes): who, when, old and new row.
create table public.money_config_history (
  id bigint generated always as identity primary key,
  table_name text not null,
  row_id uuid not null,
  action text not null check (action in ('insert', 'update', 'delete')),
  actor_id uuid,
  actor_role text not null,
  changed_at timestamptz not null default now(),
  old_row jsonb,
  new_row jsonb
);
comment on table public.money_config_history is
  'Append-only audit of money''s configuration (money_regions, fee_schedules, promo_codes): who (auth.uid(), else the database role), when, old and new row.';
create index money_config_history_row_idx on public.money_config_history (table_name, row_id, changed_at);

create or replace function private.audit_money_config()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.money_config_history (table_name, row_id, action, actor_id, actor_role, changed_at, old_row, new_row)
  values (tg_table_name,
          case when tg_op = 'DELETE' then old.id else new.id end,
          pg_catalog.lower(tg_op),
          (select auth.uid()),
          coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''), session_user::text),
          pg_catalog.clock_timestamp(),
          case when tg_op <> 'INSERT' then pg_catalog.to_jsonb(old) end,
          case when tg_op <> 'DELETE' then pg_catalog.to_jsonb(new) end);
  -- The same change in identity's audit log (actor, role, request id), as fee_schedule.created,
  -- money_region.updated, promo_code.deleted ...
  perform private.audit(
    case tg_table_name when 'fee_schedules' then 'fee_schedule' when 'money_regions' then 'money_region' else 'promo_code' end
      || '.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end,
    case tg_table_name when 'fee_schedules' then 'fee_schedule' when 'money_regions' then 'money_region' else 'promo_code' end,
    (case when tg_op = 'DELETE' then old.id else new.id end)::text,
    case when tg_op <> 'INSERT' then pg_catalog.to_jsonb(old) end,
    case when tg_op <> 'DELETE' then pg_catalog.to_jsonb(new) end);
  return null;
end;
$$;
comment on function private.audit_money_config() is
  'AFTER INSERT/UPDATE/DELETE on money''s configuration tables: appends the change to money_config_history and to the '
  'audit log (fee_schedule.*, money_region.*, promo_code.* created/updated/deleted).';

create or replace function private.money_config_history_append_only()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = '42501', message = 'money_config_history is append-only';
end;
$$;
comment on function private.money_config_history_append_only() is
  'BEFORE UPDATE/DELETE/TRUNCATE on money_config_history: refuses (the history is append-only).';

create or replace trigger money_config_history_append_only
  before update or delete on public.money_config_history
  for each row execute function private.money_config_history_append_only();
create or replace trigger money_config_history_no_truncate
  before truncate on public.money_config_history
  for each statement execute function private.money_config_history_append_only();
create or replace trigger money_regions_audit
  after insert or update or delete on public.money_regions
  for each row execute function private.audit_money_config();
create or replace trigger fee_schedules_audit
  after insert or update or delete on public.fee_schedules
  for each row execute function private.audit_money_config();

------------------------------------------------------------------------------------------------
-- Seed: Dubai (AED, 5 % VAT, prices with VAT) and default schedules for every supported currency.
------------------------------------------------------------------------------------------------
insert into public.money_regions (code, name, boundary, currency, prices_include_tax, vat_rate)
values ('ae-dubai', 'United Arab Emirates: Dubai',
        extensions.st_geogfromtext('SRID=4326;MULTIPOLYGON(((54.85 24.60, 56.45 24.60, 56.45 25.45, 54.85 25.45, 54.85 24.60)))'),
        'AED', true, 500)
on conflict (code) do nothing;

-- 10 % commission (min 5, max 500 major units), customer service fee 2 % + 1 major unit capped at
-- 25 major units, scaled by each currency's exponent (major units of that currency).
insert into public.fee_schedules (trade_kind, currency, commission_bps, commission_min, commission_max,
                                  service_fee_bps, service_fee_fixed, service_fee_max, effective_from, note)
select k.kind, c.currency, 1000,
       5 * (10::bigint ^ c.exponent)::bigint, 500 * (10::bigint ^ c.exponent)::bigint,
       case when k.kind like 'goods%' then 0 else 200 end,
       case when k.kind like 'goods%' then 0 else (10::bigint ^ c.exponent)::bigint end,
       25 * (10::bigint ^ c.exponent)::bigint,
       '2026-01-01 00:00+00', 'default'
  from (values ('service_booking'), ('job_booking'), ('goods_discover'), ('goods_community')) k (kind)
 cross join (select x.currency, private.currency_exponent(x.currency) as exponent
               from (values ('AED'), ('USD'), ('EUR'), ('GBP'), ('SAR'), ('JPY'), ('KRW'), ('KWD'), ('BHD'), ('OMR')) x (currency)) c
 where not exists (select 1 from public.fee_schedules f where f.trade_kind = k.kind and f.currency = c.currency
                      and f.category_id is null and f.region_id is null);

------------------------------------------------------------------------------------------------
-- Looking up what applies.
------------------------------------------------------------------------------------------------
-- The region containing a place: the smallest boundary when regions nest.
create or replace function private.money_region_at(p_point extensions.geography)
returns public.money_regions
language sql
stable
security definer
set search_path = ''
as $$
  select r.* from public.money_regions r
   where p_point is not null and extensions.st_intersects(r.boundary, p_point)
   order by extensions.st_area(r.boundary), r.code
   limit 1;
$$;
comment on function private.money_region_at(extensions.geography) is
  'The tax region containing a point (the smallest one when regions nest); null outside every region.';

-- Everything the arithmetic needs besides the price: {schedule_id, region_id, region_code,
-- currency, exponent, prices_include_tax, vat_rate, rates}. Outside every region there is no VAT.
create or replace function private.fee_context(p_trade_kind text, p_currency text, p_category_id uuid,
                                               p_point extensions.geography, p_at timestamptz)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_region public.money_regions;
  v_path uuid[];
  v_schedule public.fee_schedules;
begin
  if p_trade_kind is null or p_trade_kind not in ('service_booking', 'job_booking', 'goods_discover', 'goods_community') then
    perform private.raise_error('HL614', pg_catalog.format('trade kind %s', coalesce(p_trade_kind, 'missing')));
  end if;
  if private.currency_exponent(p_currency) is null then
    perform private.raise_error('HL600', pg_catalog.format('currency %s', coalesce(p_currency, 'missing')));
  end if;
  v_region := private.money_region_at(p_point);
  if p_category_id is not null then
    select c.path_ids into v_path from public.categories c where c.id = p_category_id;
  end if;
  select f.* into v_schedule
    from public.fee_schedules f
   where f.trade_kind = p_trade_kind
     and f.currency = p_currency
     and f.effective_from <= p_at
     and (f.effective_until is null or f.effective_until > p_at)
     and (f.region_id is null or f.region_id = v_region.id)
     and (f.category_id is null or f.category_id = any (coalesce(v_path, '{}'::uuid[])))
   order by (f.region_id is not null) desc,
            pg_catalog.array_position(v_path, f.category_id) desc nulls last,
            f.effective_from desc, f.created_at desc, f.id
   limit 1;
  if v_schedule.id is null then
    perform private.raise_error('HL608', pg_catalog.format('%s in %s', p_trade_kind, p_currency));
  end if;
  return pg_catalog.jsonb_build_object(
    'schedule_id', v_schedule.id,
    'region_id', v_region.id,
    'region_code', v_region.code,
    'currency', p_currency,
    'exponent', private.currency_exponent(p_currency),
    'prices_include_tax', coalesce(v_region.prices_include_tax, true),
    'vat_rate', coalesce(v_region.vat_rate, 0),
    'rates', pg_catalog.jsonb_build_object(
      'commission_bps', v_schedule.commission_bps, 'commission_min', v_schedule.commission_min,
      'commission_max', v_schedule.commission_max, 'service_fee_bps', v_schedule.service_fee_bps,
      'service_fee_fixed', v_schedule.service_fee_fixed, 'service_fee_max', v_schedule.service_fee_max));
end;
$$;
comment on function private.fee_context(text, text, uuid, extensions.geography, timestamptz) is
  'The fee schedule and tax parameters that apply to a trade (kind, currency, category, place, time): most specific schedule first '
  '(region, then nearest category, then latest effective_from). HL614 unknown kind, HL600 currency, HL608 no schedule.';

revoke all on function
  private.money_region_at(extensions.geography),
  private.fee_context(text, text, uuid, extensions.geography, timestamptz),
  private.audit_money_config(),
  private.money_config_history_append_only()
  from public, anon, authenticated, service_role;
grant execute on function
  private.money_region_at(extensions.geography),
  private.fee_context(text, text, uuid, extensions.geography, timestamptz)
  to service_role;

------------------------------------------------------------------------------------------------
-- Access: schedules and regions are public (fees are shown before a trade); changes by operators
-- with money.manage (RLS below, Studio, or the admin RPCs); the history is for those operators.
------------------------------------------------------------------------------------------------
alter table public.money_regions enable row level security;
alter table public.fee_schedules enable row level security;
alter table public.money_config_history enable row level security;

create policy "Tax regions are public" on public.money_regions
  for select to anon, authenticated using (true);
create policy "Fee schedules are public" on public.fee_schedules
  for select to anon, authenticated using (true);
create policy "Money operators read the configuration history" on public.money_config_history
  for select to authenticated using ((select private.authorize('money.manage')));

revoke all on table public.money_regions, public.fee_schedules, public.money_config_history from anon, authenticated, service_role;
revoke all on sequence public.money_config_history_id_seq from anon, authenticated, service_role;
grant select on public.money_regions, public.fee_schedules to anon, authenticated;
grant select on public.money_config_history to authenticated;
grant select, insert, update, delete on public.money_regions, public.fee_schedules to service_role;
grant select on public.money_config_history to service_role;

------------------------------------------------------------------------------------------------
-- Admin RPCs (money.manage). Changes are audited by the triggers above.
------------------------------------------------------------------------------------------------
create or replace function public.save_fee_schedule(p_schedule jsonb)
returns public.fee_schedules
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.fee_schedules;
  v_id uuid;
  v_unknown text;
begin
  perform private.require_permission('money.manage');
  if p_schedule is null or pg_catalog.jsonb_typeof(p_schedule) <> 'object' then
    perform private.raise_error('HL609', 'send a JSON object');
  end if;
  select pg_catalog.string_agg(k, ', ') into v_unknown from pg_catalog.jsonb_object_keys(p_schedule) k
   where k not in ('id', 'trade_kind', 'category_id', 'region_id', 'currency', 'commission_bps', 'commission_min',
                   'commission_max', 'service_fee_bps', 'service_fee_fixed', 'service_fee_max', 'effective_from',
                   'effective_until', 'note');
  if v_unknown is not null then
    perform private.raise_error('HL609', 'unknown field(s): ' || v_unknown);
  end if;
  v_id := nullif(p_schedule ->> 'id', '')::uuid;
  if v_id is not null then
    select * into v_row from public.fee_schedules where id = v_id for update;
    if v_row.id is null then
      perform private.raise_error('HL003', pg_catalog.format('fee schedule %s', v_id));
    end if;
  end if;
  v_row := pg_catalog.jsonb_populate_record(v_row, p_schedule - 'id');
  if v_row.trade_kind is null or v_row.trade_kind not in ('service_booking', 'job_booking', 'goods_discover', 'goods_community') then
    perform private.raise_error('HL614', pg_catalog.format('trade kind %s', coalesce(v_row.trade_kind, 'missing')));
  end if;
  if private.currency_exponent(v_row.currency) is null then
    perform private.raise_error('HL600', pg_catalog.format('currency %s', coalesce(v_row.currency, 'missing')));
  end if;
  begin
    if v_id is null then
      v_row.id := gen_random_uuid();
      v_row.effective_from := coalesce(v_row.effective_from, private.now());
      v_row.created_at := private.now();
      v_row.updated_at := private.now();
      v_row.commission_min := coalesce(v_row.commission_min, 0);
      v_row.service_fee_bps := coalesce(v_row.service_fee_bps, 0);
      v_row.service_fee_fixed := coalesce(v_row.service_fee_fixed, 0);
      insert into public.fee_schedules select v_row.* returning * into v_row;
    else
      update public.fee_schedules f
         set trade_kind = v_row.trade_kind, category_id = v_row.category_id, region_id = v_row.region_id,
             currency = v_row.currency, commission_bps = v_row.commission_bps, commission_min = v_row.commission_min,
             commission_max = v_row.commission_max, service_fee_bps = v_row.service_fee_bps,
             service_fee_fixed = v_row.service_fee_fixed, service_fee_max = v_row.service_fee_max,
             effective_from = v_row.effective_from, effective_until = v_row.effective_until, note = v_row.note
       where f.id = v_id
      returning * into v_row;
    end if;
  exception
    when check_violation or not_null_violation then
      perform private.raise_error('HL609', sqlerrm);
    when foreign_key_violation then
      perform private.raise_error('HL609', 'unknown category or region');
  end;
  return v_row;
exception
  when invalid_text_representation or datetime_field_overflow or invalid_datetime_format or numeric_value_out_of_range then
    perform private.raise_error('HL609', sqlerrm);
    return null;
end;
$$;
comment on function public.save_fee_schedule(jsonb) is
  'Operators (money.manage): creates a fee schedule, or changes the one whose id is given (e.g. set effective_until to end it). '
  'Existing bookings keep their stored breakdown. Audited in money_config_history. HL609, HL614, HL600, HL003.';

create or replace function public.save_money_region(p_code text, p_name text, p_boundary_geojson jsonb, p_currency text,
                                                    p_prices_include_tax boolean, p_vat_rate integer)
returns public.money_regions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_boundary extensions.geography;
  v_row public.money_regions;
begin
  perform private.require_permission('money.manage');
  if private.currency_exponent(p_currency) is null then
    perform private.raise_error('HL600', pg_catalog.format('currency %s', coalesce(p_currency, 'missing')));
  end if;
  begin
    v_boundary := extensions.st_multi(extensions.st_geomfromgeojson(p_boundary_geojson::text))::extensions.geography;
    if extensions.geometrytype(v_boundary::extensions.geometry) <> 'MULTIPOLYGON'
       or not extensions.st_isvalid(v_boundary::extensions.geometry) then
      perform private.raise_error('HL610', 'boundary must be a valid Polygon or MultiPolygon');
    end if;
    insert into public.money_regions (code, name, boundary, currency, prices_include_tax, vat_rate)
    values (p_code, p_name, v_boundary, p_currency, p_prices_include_tax, p_vat_rate)
    on conflict (code) do update
      set name = excluded.name, boundary = excluded.boundary, currency = excluded.currency,
          prices_include_tax = excluded.prices_include_tax, vat_rate = excluded.vat_rate
    returning * into v_row;
  exception
    when check_violation or not_null_violation then
      perform private.raise_error('HL610', sqlerrm);
    when others then
      if sqlstate like 'HL%' then
        raise;
      end if;
      perform private.raise_error('HL610', 'boundary: ' || sqlerrm);
  end;
  return v_row;
end;
$$;
comment on function public.save_money_region(text, text, jsonb, text, boolean, integer) is
  'Operators (money.manage): creates or replaces (by code) a tax region from a GeoJSON Polygon/MultiPolygon. Audited. HL610, HL600.';

revoke all on function
  public.save_fee_schedule(jsonb),
  public.save_money_region(text, text, jsonb, text, boolean, integer)
  from public, anon, authenticated, service_role;
grant execute on function
  public.save_fee_schedule(jsonb),
  public.save_money_region(text, text, jsonb, text, boolean, integer)
  to authenticated, service_role;
