-- Module: money (promo codes)
-- Promo codes operators create (percentage or fixed amount, minimum order, maximum discount,
-- global and per-user use limits, validity period, trade kinds) and their redemptions, one row
-- per use. The discount is funded by the platform and capped at the platform's share of the
-- trade (commission + service fee net), so the provider's payout never shrinks and no amount
-- goes negative (private.fee_breakdown). Codes are case-insensitive (unique on lower(code)).
-- Applying a code to a booking is private.apply_promo_code (money_quotes), which checks the
-- rules below in this order, each with its own error: HL601 unknown, HL602 switched off or outside
-- [valid_from, valid_until), HL605 wrong trade kind or currency, HL606 below the minimum order,
-- HL603 global limit reached, HL604 the user's limit reached.

create table public.promo_codes (
  id uuid primary key default gen_random_uuid(),
  code text not null check (code ~ '^[A-Za-z0-9_-]{3,32}$'),
  kind text not null check (kind in ('percent', 'fixed')),
  percent_bps integer check (percent_bps between 1 and 10000),
  amount_off bigint check (amount_off between 1 and 1000000000000),
  -- Required for fixed codes (the amount's currency); for percentage codes, null = any currency.
  currency char(3) check (currency is null or private.currency_exponent(currency) is not null),
  min_order bigint not null default 0 check (min_order between 0 and 1000000000000),
  max_discount bigint check (max_discount is null or max_discount between 1 and 1000000000000),
  max_uses integer check (max_uses is null or max_uses > 0),
  max_uses_per_user integer not null default 1 check (max_uses_per_user > 0),
  valid_from timestamptz not null default now(),
  valid_until timestamptz check (valid_until is null or valid_until > valid_from),
  -- Null = every trade kind.
  trade_kinds text[] check (trade_kinds is null or (cardinality(trade_kinds) > 0 and trade_kinds <@
    array['service_booking', 'job_booking', 'goods_discover', 'goods_community'])),
  is_active boolean not null default true,
  description text check (description is null or char_length(description) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((kind = 'percent' and percent_bps is not null and amount_off is null)
         or (kind = 'fixed' and amount_off is not null and percent_bps is null and currency is not null))
);
comment on table public.promo_codes is
  'Promo codes (case-insensitive): percent (percent_bps of the order incl. VAT) or fixed (amount_off in currency), min_order, max_discount, '
  'global (max_uses) and per-user (max_uses_per_user) limits, [valid_from, valid_until), trade kinds. Operators only; platform-funded.';
create unique index promo_codes_code_key on public.promo_codes (lower(code));

create table public.promo_redemptions (
  id uuid primary key default gen_random_uuid(),
  promo_code_id uuid not null references public.promo_codes (id) on delete restrict,
  user_id uuid not null references public.profiles (id),
  -- The user's n-th use of this code: unique, so concurrent uses beyond the limit cannot both land.
  use_number integer not null check (use_number > 0),
  booking_id uuid references public.bookings (id) on delete cascade,
  discount bigint not null check (discount >= 0),
  currency char(3) not null,
  created_at timestamptz not null default now(),
  unique (promo_code_id, user_id, use_number),
  unique (booking_id)
);
comment on table public.promo_redemptions is
  'One row per use of a promo code: who, which booking, the discount granted. Written only by private.apply_promo_code.';
create index promo_redemptions_user_id_idx on public.promo_redemptions (user_id);

create or replace trigger promo_codes_set_updated_at
  before update on public.promo_codes
  for each row execute function private.set_updated_at();
create or replace trigger promo_codes_audit
  after insert or update or delete on public.promo_codes
  for each row execute function private.audit_money_config();

-- The promo code as the arithmetic takes it ({code, kind, percent_bps, amount_off, max_discount,
-- min_order}), after checking it may be used by p_user_id for this trade (HL601-HL606). Locks the
-- code row so limits hold under concurrency (p_lock).
create or replace function private.promo_for(p_code text, p_user_id uuid, p_trade_kind text, p_currency text,
                                             p_order bigint, p_lock boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_promo public.promo_codes;
  v_now timestamptz := private.now();
  v_used integer;
begin
  if p_lock then
    select * into v_promo from public.promo_codes where lower(code) = lower(pg_catalog.btrim(p_code)) for update;
  else
    select * into v_promo from public.promo_codes where lower(code) = lower(pg_catalog.btrim(p_code));
  end if;
  if v_promo.id is null then
    perform private.raise_error('HL601', pg_catalog.left(coalesce(p_code, ''), 40));
  end if;
  if not v_promo.is_active or v_now < v_promo.valid_from or (v_promo.valid_until is not null and v_now >= v_promo.valid_until) then
    perform private.raise_error('HL602', pg_catalog.format('valid from %s until %s%s', v_promo.valid_from,
      coalesce(v_promo.valid_until::text, 'no end'), case when v_promo.is_active then '' else ' (switched off)' end));
  end if;
  if v_promo.trade_kinds is not null and not (p_trade_kind = any (v_promo.trade_kinds)) then
    perform private.raise_error('HL605', pg_catalog.format('valid for %s, not %s', pg_catalog.array_to_string(v_promo.trade_kinds, ', '), p_trade_kind));
  end if;
  if v_promo.currency is not null and v_promo.currency <> p_currency then
    perform private.raise_error('HL605', pg_catalog.format('valid for prices in %s, not %s', v_promo.currency, p_currency));
  end if;
  if p_order < v_promo.min_order then
    perform private.raise_error('HL606', pg_catalog.format('minimum order %s %s', v_promo.min_order, coalesce(v_promo.currency, p_currency)));
  end if;
  if v_promo.max_uses is not null
     and (select pg_catalog.count(*) from public.promo_redemptions r where r.promo_code_id = v_promo.id) >= v_promo.max_uses then
    perform private.raise_error('HL603', pg_catalog.format('%s uses', v_promo.max_uses));
  end if;
  if p_user_id is not null then
    select pg_catalog.count(*) into v_used from public.promo_redemptions r
     where r.promo_code_id = v_promo.id and r.user_id = p_user_id;
    if v_used >= v_promo.max_uses_per_user then
      perform private.raise_error('HL604', pg_catalog.format('%s use(s) per person', v_promo.max_uses_per_user));
    end if;
  end if;
  return pg_catalog.jsonb_build_object(
    'id', v_promo.id, 'code', v_promo.code, 'kind', v_promo.kind, 'percent_bps', v_promo.percent_bps,
    'amount_off', v_promo.amount_off, 'max_discount', v_promo.max_discount, 'min_order', v_promo.min_order);
end;
$$;
comment on function private.promo_for(text, uuid, text, text, bigint, boolean) is
  'Checks a promo code for a user and a trade (kind, currency, order amount incl. VAT) and returns it as fee_breakdown''s promo input. '
  'HL601 unknown, HL602 inactive/outside validity, HL605 kind or currency, HL606 minimum order, HL603 global limit, HL604 per-user limit.';

revoke all on function private.promo_for(text, uuid, text, text, bigint, boolean) from public, anon, authenticated, service_role;
grant execute on function private.promo_for(text, uuid, text, text, bigint, boolean) to service_role;

------------------------------------------------------------------------------------------------
-- Access: operators (money.manage) read promo codes and all redemptions, and create or change codes
-- through save_promo_code (or Studio); a user reads their own redemptions. Nobody else sees codes
-- (they are handed out, not listed).
------------------------------------------------------------------------------------------------
alter table public.promo_codes enable row level security;
alter table public.promo_redemptions enable row level security;

create policy "Money operators read promo codes" on public.promo_codes
  for select to authenticated using ((select private.authorize('money.manage')));
create policy "Users read their redemptions, money operators all" on public.promo_redemptions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.authorize('money.manage')));

revoke all on table public.promo_codes, public.promo_redemptions from anon, authenticated, service_role;
grant select on public.promo_codes to authenticated;
grant select on public.promo_redemptions to authenticated;
grant select, insert, update, delete on public.promo_codes, public.promo_redemptions to service_role;

create or replace function public.save_promo_code(p_promo jsonb)
returns public.promo_codes
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.promo_codes;
  v_id uuid;
  v_unknown text;
begin
  perform private.require_permission('money.manage');
  if p_promo is null or pg_catalog.jsonb_typeof(p_promo) <> 'object' then
    perform private.raise_error('HL611', 'send a JSON object');
  end if;
  select pg_catalog.string_agg(k, ', ') into v_unknown from pg_catalog.jsonb_object_keys(p_promo) k
   where k not in ('id', 'code', 'kind', 'percent_bps', 'amount_off', 'currency', 'min_order', 'max_discount', 'max_uses',
                   'max_uses_per_user', 'valid_from', 'valid_until', 'trade_kinds', 'is_active', 'description');
  if v_unknown is not null then
    perform private.raise_error('HL611', 'unknown field(s): ' || v_unknown);
  end if;
  begin
    v_id := nullif(p_promo ->> 'id', '')::uuid;
    if v_id is not null then
      select * into v_row from public.promo_codes where id = v_id for update;
      if v_row.id is null then
        perform private.raise_error('HL003', pg_catalog.format('promo code %s', v_id));
      end if;
    end if;
    v_row := pg_catalog.jsonb_populate_record(v_row, p_promo - 'id');
    if v_id is null then
      v_row.id := gen_random_uuid();
      v_row.min_order := coalesce(v_row.min_order, 0);
      v_row.max_uses_per_user := coalesce(v_row.max_uses_per_user, 1);
      v_row.valid_from := coalesce(v_row.valid_from, private.now());
      v_row.is_active := coalesce(v_row.is_active, true);
      v_row.created_at := private.now();
      v_row.updated_at := private.now();
      insert into public.promo_codes select v_row.* returning * into v_row;
    else
      update public.promo_codes p
         set code = v_row.code, kind = v_row.kind, percent_bps = v_row.percent_bps, amount_off = v_row.amount_off,
             currency = v_row.currency, min_order = v_row.min_order, max_discount = v_row.max_discount,
             max_uses = v_row.max_uses, max_uses_per_user = v_row.max_uses_per_user, valid_from = v_row.valid_from,
             valid_until = v_row.valid_until, trade_kinds = v_row.trade_kinds, is_active = v_row.is_active,
             description = v_row.description
       where p.id = v_id
      returning * into v_row;
    end if;
  exception
    when unique_violation then
      perform private.raise_error('HL611', 'another promo code already uses this code (case-insensitive)');
    when check_violation or not_null_violation or invalid_text_representation or datetime_field_overflow
         or invalid_datetime_format or numeric_value_out_of_range or invalid_parameter_value then
      perform private.raise_error('HL611', sqlerrm);
  end;
  return v_row;
end;
$$;
comment on function public.save_promo_code(jsonb) is
  'Operators (money.manage): creates a promo code, or changes the one whose id is given (e.g. is_active false, valid_until). Audited in money_config_history. HL611, HL003.';

revoke all on function public.save_promo_code(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.save_promo_code(jsonb) to authenticated, service_role;
