-- Module: money (the double-entry ledger)
-- Every movement of money is a ledger transaction: entries on accounts whose signed amounts sum
-- to zero per currency (a deferred constraint trigger refuses anything else at commit), posted
-- once per idempotency key (an event applied twice posts once), never updated or deleted
-- (triggers refuse it, for the table owner too). Sign convention: an entry moves money INTO an
-- account when positive and OUT when negative; a transaction moves money between accounts.
--
-- Accounts (kind, currency, owner):
--   customer_funding   per customer   the customer's card: capture -X, successful refund +r
--   escrow             global         captured money not yet released
--   refunds            global         refunds requested, not yet confirmed by the provider
--   platform_revenue   global         service fee + commission (net of tax)
--   tax_payable        global         VAT collected
--   provider_payable   per payee      released to the payee, not yet paid out
--   payouts_in_transit per payee      transfers queued / under way
--   paid_out           per payee      transferred to the payee's connected account
-- So after any history: -customer_funding(payment) = captured - refunded; escrow is zero once a
-- payment is settled (released, refunds done); provider_payable = held payouts; in transit =
-- pending and in-transit payouts; paid_out = paid payouts.

create table private.ledger_accounts (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('customer_funding', 'escrow', 'refunds', 'platform_revenue', 'tax_payable',
                                     'provider_payable', 'payouts_in_transit', 'paid_out')),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  profile_id uuid references public.profiles (id),
  business_id uuid references public.businesses (id),
  created_at timestamptz not null default now(),
  check (case
           when kind = 'customer_funding' then profile_id is not null and business_id is null
           when kind in ('provider_payable', 'payouts_in_transit', 'paid_out') then num_nonnulls(profile_id, business_id) = 1
           else profile_id is null and business_id is null
         end),
  unique nulls not distinct (kind, currency, profile_id, business_id),
  unique (id, currency)
);
comment on table private.ledger_accounts is
  'Ledger accounts by kind and currency: customer_funding per customer; provider_payable, payouts_in_transit, paid_out per payee (profile or business); escrow, refunds, platform_revenue, tax_payable global.';
create index ledger_accounts_profile_id_idx on private.ledger_accounts (profile_id);
create index ledger_accounts_business_id_idx on private.ledger_accounts (business_id);

create table private.ledger_transactions (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('capture', 'release', 'refund_requested', 'refund_succeeded', 'refund_reversed',
                                     'payout_queued', 'payout_paid', 'payout_failed')),
  idempotency_key text not null unique,
  payment_id uuid references public.payments (id),
  refund_id uuid references public.payment_refunds (id),
  payout_id uuid references public.payouts (id),
  booking_id uuid references public.bookings (id),
  description text,
  created_at timestamptz not null default now()
);
comment on table private.ledger_transactions is
  'A ledger transaction: what happened (kind), what it refers to, and an idempotency key so a provider object applied twice posts once.';
create index ledger_transactions_payment_id_idx on private.ledger_transactions (payment_id);
create index ledger_transactions_refund_id_idx on private.ledger_transactions (refund_id);
create index ledger_transactions_payout_id_idx on private.ledger_transactions (payout_id);
create index ledger_transactions_booking_id_idx on private.ledger_transactions (booking_id);

create table private.ledger_entries (
  id bigint generated always as identity primary key,
  transaction_id bigint not null references private.ledger_transactions (id),
  account_id bigint not null,
  currency char(3) not null,
  amount bigint not null check (amount <> 0),
  foreign key (account_id, currency) references private.ledger_accounts (id, currency)
);
comment on table private.ledger_entries is
  'Signed entries (positive: into the account, negative: out of it); the entries of a transaction sum to zero per currency.';
create index ledger_entries_transaction_id_idx on private.ledger_entries (transaction_id);
create index ledger_entries_account_id_idx on private.ledger_entries (account_id, id);

revoke all on table private.ledger_accounts, private.ledger_transactions, private.ledger_entries
  from anon, authenticated, service_role;
revoke all on sequence private.ledger_accounts_id_seq, private.ledger_transactions_id_seq, private.ledger_entries_id_seq
  from anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Invariants: balanced transactions (checked at commit), append-only.
------------------------------------------------------------------------------------------------
create or replace function private.check_ledger_transaction_balanced()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_transaction_id bigint := (pg_catalog.to_jsonb(new) ->> case when tg_table_name = 'ledger_transactions' then 'id' else 'transaction_id' end)::bigint;
  v_entries integer;
  v_unbalanced text;
begin
  select pg_catalog.count(*) into v_entries from private.ledger_entries e where e.transaction_id = v_transaction_id;
  if v_entries < 2 then
    perform private.raise_error('HL636', pg_catalog.format('transaction %s has %s entries', v_transaction_id, v_entries));
  end if;
  select pg_catalog.string_agg(pg_catalog.format('%s %s', s.currency, s.total), ', ') into v_unbalanced
    from (select e.currency, pg_catalog.sum(e.amount) as total
            from private.ledger_entries e
           where e.transaction_id = v_transaction_id
           group by e.currency) s
   where s.total <> 0;
  if v_unbalanced is not null then
    perform private.raise_error('HL636', pg_catalog.format('transaction %s sums to %s', v_transaction_id, v_unbalanced));
  end if;
  return null;
end;
$$;
comment on function private.check_ledger_transaction_balanced() is
  'Deferred constraint trigger: at commit, a ledger transaction has at least two entries and they sum to zero per currency (HL636).';
revoke all on function private.check_ledger_transaction_balanced() from public, anon, authenticated, service_role;

create constraint trigger ledger_entries_balanced
  after insert on private.ledger_entries
  deferrable initially deferred
  for each row execute function private.check_ledger_transaction_balanced();
create constraint trigger ledger_transactions_balanced
  after insert on private.ledger_transactions
  deferrable initially deferred
  for each row execute function private.check_ledger_transaction_balanced();

create or replace trigger ledger_transactions_append_only
  before update or delete on private.ledger_transactions
  for each row execute function private.refuse_change('HL637');
create or replace trigger ledger_entries_append_only
  before update or delete on private.ledger_entries
  for each row execute function private.refuse_change('HL637');
create or replace trigger ledger_accounts_append_only
  before update or delete on private.ledger_accounts
  for each row execute function private.refuse_change('HL637');
create or replace trigger ledger_transactions_no_truncate
  before truncate on private.ledger_transactions
  for each statement execute function private.refuse_change('HL637');
create or replace trigger ledger_entries_no_truncate
  before truncate on private.ledger_entries
  for each statement execute function private.refuse_change('HL637');
create or replace trigger ledger_accounts_no_truncate
  before truncate on private.ledger_accounts
  for each statement execute function private.refuse_change('HL637');
-- Fire always: a replica-mode session (which the owner may open) cannot rewrite the ledger either.
alter table private.ledger_transactions enable always trigger ledger_transactions_append_only;
alter table private.ledger_transactions enable always trigger ledger_transactions_no_truncate;
alter table private.ledger_entries enable always trigger ledger_entries_append_only;
alter table private.ledger_entries enable always trigger ledger_entries_no_truncate;
alter table private.ledger_accounts enable always trigger ledger_accounts_append_only;
alter table private.ledger_accounts enable always trigger ledger_accounts_no_truncate;

------------------------------------------------------------------------------------------------
-- Posting.
------------------------------------------------------------------------------------------------
create or replace function private.ledger_account(p_kind text, p_currency char(3), p_profile_id uuid default null,
                                                  p_business_id uuid default null)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  select a.id into v_id from private.ledger_accounts a
   where a.kind = p_kind and a.currency = p_currency
     and a.profile_id is not distinct from p_profile_id and a.business_id is not distinct from p_business_id;
  if v_id is null then
    insert into private.ledger_accounts (kind, currency, profile_id, business_id)
    values (p_kind, p_currency, p_profile_id, p_business_id)
    on conflict (kind, currency, profile_id, business_id) do nothing
    returning id into v_id;
    if v_id is null then
      select a.id into v_id from private.ledger_accounts a
       where a.kind = p_kind and a.currency = p_currency
         and a.profile_id is not distinct from p_profile_id and a.business_id is not distinct from p_business_id;
    end if;
  end if;
  return v_id;
end;
$$;
comment on function private.ledger_account(text, char, uuid, uuid) is
  'The id of the ledger account (kind, currency, owner), created on first use.';
revoke all on function private.ledger_account(text, char, uuid, uuid) from public, anon, authenticated, service_role;

-- p_entries: [{"account": <ledger account id>, "amount": <signed minor units>}, ...]; zero
-- amounts are skipped. Returns the new transaction's id, or null when the key was posted before.
create or replace function private.post_ledger_transaction(
  p_kind text,
  p_idempotency_key text,
  p_currency char(3),
  p_entries jsonb,
  p_payment_id uuid default null,
  p_refund_id uuid default null,
  p_payout_id uuid default null,
  p_booking_id uuid default null,
  p_description text default null
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  -- Nothing moves (e.g. the release of a payment refunded in full): no transaction.
  if not exists (select 1 from pg_catalog.jsonb_array_elements(p_entries) e where (e ->> 'amount')::bigint <> 0) then
    return null;
  end if;
  insert into private.ledger_transactions (kind, idempotency_key, payment_id, refund_id, payout_id, booking_id, description)
  values (p_kind, p_idempotency_key, p_payment_id, p_refund_id, p_payout_id, p_booking_id, p_description)
  on conflict (idempotency_key) do nothing
  returning id into v_id;
  if v_id is null then
    return null;
  end if;
  insert into private.ledger_entries (transaction_id, account_id, currency, amount)
  select v_id, (e ->> 'account')::bigint, p_currency, (e ->> 'amount')::bigint
    from pg_catalog.jsonb_array_elements(p_entries) e
   where (e ->> 'amount')::bigint <> 0;
  return v_id;
end;
$$;
comment on function private.post_ledger_transaction(text, text, char, jsonb, uuid, uuid, uuid, uuid, text) is
  'Posts a ledger transaction once per idempotency key: entries [{account, amount}] in one currency (zero amounts skipped; nothing posted when all are zero; the deferred trigger checks they balance). Returns the transaction id, or null when already posted or nothing moves.';
revoke all on function private.post_ledger_transaction(text, text, char, jsonb, uuid, uuid, uuid, uuid, text)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Reading: payees and customers their own, operators everything.
------------------------------------------------------------------------------------------------
-- The ledger owner the caller reads as: themselves, or a business they own or manage.
create or replace function private.money_owner(p_business_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  if p_business_id is null then
    return v_uid;
  end if;
  if not exists (select 1 from public.business_members bm
                  where bm.business_id = p_business_id and bm.user_id = v_uid and bm.role in ('owner', 'manager'))
     and not private.authorize('money.manage') then
    perform private.raise_error('HL634', pg_catalog.format('business %s', p_business_id));
  end if;
  return v_uid;
end;
$$;
comment on function private.money_owner(uuid) is
  'Checks the caller may read the money of p_business_id (owner or manager, or money.manage) or of themselves (null); returns the caller''s id.';
revoke all on function private.money_owner(uuid) from public, anon, authenticated, service_role;

create or replace function public.my_balance(p_business_id uuid default null)
returns table (
  currency char(3),
  payable bigint,
  in_transit bigint,
  paid_out bigint,
  paid_by_me bigint
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.money_owner(p_business_id);
begin
  return query
    select a.currency,
           coalesce(pg_catalog.sum(e.amount) filter (where a.kind = 'provider_payable'), 0)::bigint,
           coalesce(pg_catalog.sum(e.amount) filter (where a.kind = 'payouts_in_transit'), 0)::bigint,
           coalesce(pg_catalog.sum(e.amount) filter (where a.kind = 'paid_out'), 0)::bigint,
           coalesce(-pg_catalog.sum(e.amount) filter (where a.kind = 'customer_funding'), 0)::bigint
      from private.ledger_accounts a
      join private.ledger_entries e on e.account_id = a.id
     where (p_business_id is null and a.profile_id = v_uid)
        or (p_business_id is not null and a.business_id = p_business_id)
     group by a.currency
     order by a.currency;
end;
$$;
comment on function public.my_balance(uuid) is
  'Balances per currency of the caller (or of a business they own or manage, HL634 otherwise): payable (released, not paid out), in transit, paid out, and what the caller paid as a customer (captured - refunded).';
revoke all on function public.my_balance(uuid) from public, anon, authenticated, service_role;
grant execute on function public.my_balance(uuid) to authenticated;

create or replace function public.my_ledger(p_business_id uuid default null, p_limit integer default 50,
                                            p_before bigint default null)
returns table (
  entry_id bigint,
  transaction_id bigint,
  created_at timestamptz,
  transaction_kind text,
  account_kind text,
  currency char(3),
  amount bigint,
  payment_id uuid,
  payout_id uuid,
  booking_id uuid
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.money_owner(p_business_id);
begin
  return query
    select e.id, t.id, t.created_at, t.kind, a.kind, e.currency, e.amount, t.payment_id, t.payout_id, t.booking_id
      from private.ledger_accounts a
      join private.ledger_entries e on e.account_id = a.id
      join private.ledger_transactions t on t.id = e.transaction_id
     where ((p_business_id is null and a.profile_id = v_uid)
            or (p_business_id is not null and a.business_id = p_business_id))
       and (p_before is null or e.id < p_before)
     order by e.id desc
     limit least(greatest(coalesce(p_limit, 50), 1), 200);
end;
$$;
comment on function public.my_ledger(uuid, integer, bigint) is
  'The caller''s ledger entries (as customer: payments and refunds; as payee: releases and payouts), or a business''s for its owners and managers; newest first, keyset by entry id (p_before), at most 200.';
revoke all on function public.my_ledger(uuid, integer, bigint) from public, anon, authenticated, service_role;
grant execute on function public.my_ledger(uuid, integer, bigint) to authenticated;

create or replace function public.ledger_balances(p_currency char(3) default null)
returns table (
  account_id bigint,
  kind text,
  currency char(3),
  profile_id uuid,
  business_id uuid,
  balance bigint
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not private.is_service_role() then
    perform private.require_permission('money.manage');
  end if;
  return query
    select a.id, a.kind, a.currency, a.profile_id, a.business_id, coalesce(pg_catalog.sum(e.amount), 0)::bigint
      from private.ledger_accounts a
      left join private.ledger_entries e on e.account_id = a.id
     where p_currency is null or a.currency = p_currency
     group by a.id
     order by a.currency, a.kind, a.id;
end;
$$;
comment on function public.ledger_balances(char) is
  'Operators (money.manage) and the service role: every ledger account with its balance.';
revoke all on function public.ledger_balances(char) from public, anon, authenticated, service_role;
grant execute on function public.ledger_balances(char) to authenticated, service_role;

create or replace function public.ledger_check()
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_totals jsonb;
  v_unbalanced bigint;
  v_funding_mismatches bigint;
  v_escrow_left bigint;
  v_payout_mismatches bigint;
begin
  if not private.is_service_role() then
    perform private.require_permission('money.manage');
  end if;
  select coalesce(pg_catalog.jsonb_object_agg(s.currency, s.total), '{}'::jsonb) into v_totals
    from (select e.currency, pg_catalog.sum(e.amount)::bigint as total from private.ledger_entries e group by e.currency) s;
  select pg_catalog.count(*) into v_unbalanced
    from (select e.transaction_id from private.ledger_entries e
           group by e.transaction_id, e.currency having pg_catalog.sum(e.amount) <> 0) s;
  -- Customer funding per payment = -(captured - refunded).
  select pg_catalog.count(*) into v_funding_mismatches
    from public.payments p
   where p.amount_captured - p.amount_refunded <> coalesce((
           select -pg_catalog.sum(e.amount)
             from private.ledger_transactions t
             join private.ledger_entries e on e.transaction_id = t.id
             join private.ledger_accounts a on a.id = e.account_id
            where t.payment_id = p.id and a.kind = 'customer_funding'), 0);
  -- Escrow left on released payments with no refund pending.
  select pg_catalog.count(*) into v_escrow_left
    from public.payments p
   where p.released_at is not null
     and not exists (select 1 from public.payment_refunds r where r.payment_id = p.id and r.status = 'pending')
     and coalesce((select pg_catalog.sum(e.amount)
                      from private.ledger_transactions t
                      join private.ledger_entries e on e.transaction_id = t.id
                      join private.ledger_accounts a on a.id = e.account_id
                     where t.payment_id = p.id and a.kind in ('escrow', 'refunds')), 0) <> 0;
  -- Per payee and currency: payable = held payouts, in transit = pending + in_transit, paid_out = paid.
  select pg_catalog.count(*) into v_payout_mismatches
    from (select a.profile_id, a.business_id, a.currency,
                 coalesce(pg_catalog.sum(e.amount) filter (where a.kind = 'provider_payable'), 0) as payable,
                 coalesce(pg_catalog.sum(e.amount) filter (where a.kind = 'payouts_in_transit'), 0) as in_transit,
                 coalesce(pg_catalog.sum(e.amount) filter (where a.kind = 'paid_out'), 0) as paid_out
            from private.ledger_accounts a
            left join private.ledger_entries e on e.account_id = a.id
           where a.kind in ('provider_payable', 'payouts_in_transit', 'paid_out')
           group by a.profile_id, a.business_id, a.currency) l
   where l.payable <> coalesce((select pg_catalog.sum(o.amount) from public.payouts o
                                 where o.status = 'held' and o.currency = l.currency
                                   and o.payee_profile_id is not distinct from l.profile_id
                                   and o.payee_business_id is not distinct from l.business_id), 0)
      or l.in_transit <> coalesce((select pg_catalog.sum(o.amount) from public.payouts o
                                    where o.status in ('pending', 'in_transit') and o.currency = l.currency
                                      and o.payee_profile_id is not distinct from l.profile_id
                                      and o.payee_business_id is not distinct from l.business_id), 0)
      or l.paid_out <> coalesce((select pg_catalog.sum(o.amount) from public.payouts o
                                  where o.status = 'paid' and o.currency = l.currency
                                    and o.payee_profile_id is not distinct from l.profile_id
                                    and o.payee_business_id is not distinct from l.business_id), 0);
  return pg_catalog.jsonb_build_object(
    'balanced', v_unbalanced = 0 and not exists (select 1 from pg_catalog.jsonb_each(v_totals) t where t.value <> '0'::jsonb)
                and v_funding_mismatches = 0 and v_escrow_left = 0 and v_payout_mismatches = 0,
    'totals', v_totals,
    'unbalanced_transactions', v_unbalanced,
    'funding_mismatches', v_funding_mismatches,
    'escrow_left_on_released_payments', v_escrow_left,
    'payout_mismatches', v_payout_mismatches);
end;
$$;
comment on function public.ledger_check() is
  'Operators and the service role: the ledger''s invariants: every currency and transaction sums to zero; each payment''s customer funding is -(captured - refunded); released payments leave nothing in escrow; payee payable/in transit/paid out equal their held/pending+in transit/paid payouts. balanced is true when all hold.';
revoke all on function public.ledger_check() from public, anon, authenticated, service_role;
grant execute on function public.ledger_check() to authenticated, service_role;
