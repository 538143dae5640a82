-- Module: money (payees: connected accounts and payouts)
-- Released money becomes a payout to the payee's connected account: held while the payee is not
-- verified (profiles.is_verified for individuals, businesses.is_verified for businesses) or has no
-- payouts-enabled account, released when that changes (triggers on identity's tables, the
-- account's provider updates, and the timer as a safety net); a transfer operation moves it.
-- Ledger: queued payout = payable -> in transit; paid = in transit -> paid out; failed = back to
-- payable, and a new held payout replaces the failed one.

-- Why the payee cannot be paid now, or null when they can.
create or replace function private.payout_hold_reason(p_profile_id uuid, p_business_id uuid, p_provider text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when not coalesce(case when p_business_id is not null
                           then (select b.is_verified from public.businesses b where b.id = p_business_id)
                           else (select p.is_verified from public.profiles p where p.id = p_profile_id) end, false)
      then 'payee_not_verified'
    when not exists (select 1 from public.payout_accounts a
                      where a.provider = p_provider and a.payouts_enabled and a.provider_account_id is not null
                        and a.profile_id is not distinct from case when p_business_id is null then p_profile_id end
                        and a.business_id is not distinct from p_business_id)
      then 'no_payout_account'
  end;
$$;
comment on function private.payout_hold_reason(uuid, uuid, text) is
  'Why a payee''s payout is held (payee_not_verified, no_payout_account), or null when it can be sent.';
revoke all on function private.payout_hold_reason(uuid, uuid, text) from public, anon, authenticated, service_role;

-- Sends a held payout when its payee can be paid: pending, ledger payable -> in transit, transfer queued.
create or replace function private.send_payout(p_payout_id uuid, p_provider text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payout public.payouts;
  v_reason text;
  v_account public.payout_accounts;
begin
  select * into v_payout from public.payouts o where o.id = p_payout_id for update;
  if v_payout.status <> 'held' then
    return false;
  end if;
  v_reason := private.payout_hold_reason(v_payout.payee_profile_id, v_payout.payee_business_id, p_provider);
  if v_reason is not null then
    update public.payouts o set held_reason = v_reason where o.id = p_payout_id and o.held_reason is distinct from v_reason;
    return false;
  end if;
  select * into v_account from public.payout_accounts a
   where a.provider = p_provider
     and a.profile_id is not distinct from case when v_payout.payee_business_id is null then v_payout.payee_profile_id end
     and a.business_id is not distinct from v_payout.payee_business_id;
  update public.payouts o set status = 'pending', held_reason = null, payout_account_id = v_account.id where o.id = p_payout_id;
  perform private.post_ledger_transaction('payout_queued', 'payout_queued:' || p_payout_id, v_payout.currency,
    pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('account', private.ledger_account('provider_payable', v_payout.currency,
                                                                       v_payout.payee_profile_id, v_payout.payee_business_id),
                                    'amount', -v_payout.amount),
      pg_catalog.jsonb_build_object('account', private.ledger_account('payouts_in_transit', v_payout.currency,
                                                                       v_payout.payee_profile_id, v_payout.payee_business_id),
                                    'amount', v_payout.amount)),
    p_payout_id => p_payout_id, p_payment_id => v_payout.payment_id, p_description => 'payout queued');
  perform private.queue_payment_operation('transfer', p_provider, v_payout.payment_id, v_payout.amount, v_payout.currency,
                                          v_account.provider_account_id, p_payout_id => p_payout_id);
  return true;
end;
$$;
comment on function private.send_payout(uuid, text) is
  'A held payout whose payee is verified and has a payouts-enabled account becomes pending: ledger payable -> in transit and a transfer operation. Otherwise it stays held with the reason updated. Returns whether it was sent.';
revoke all on function private.send_payout(uuid, text) from public, anon, authenticated, service_role;

create or replace function private.create_payout(p_profile_id uuid, p_business_id uuid, p_currency char(3), p_amount bigint,
                                                 p_payment_id uuid, p_replaces uuid, p_provider text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into public.payouts (payee_profile_id, payee_business_id, payment_id, replaces_payout_id, currency, amount, status,
                              held_reason)
  values (case when p_business_id is null then p_profile_id end, p_business_id, p_payment_id, p_replaces, p_currency, p_amount,
          'held', coalesce(private.payout_hold_reason(p_profile_id, p_business_id, p_provider),
                          case when p_replaces is not null then 'previous_payout_failed' else 'no_payout_account' end))
  returning id into v_id;
  if p_replaces is null then
    perform private.send_payout(v_id, p_provider);
  end if;
  return v_id;
end;
$$;
comment on function private.create_payout(uuid, uuid, char, bigint, uuid, uuid, text) is
  'A payout of released money (or replacing a failed one, which stays held until the payee''s account is updated): held, then sent at once when the payee can be paid.';
revoke all on function private.create_payout(uuid, uuid, char, bigint, uuid, uuid, text) from public, anon, authenticated, service_role;

create or replace function private.release_held_payouts(p_profile_id uuid, p_business_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row record;
  v_sent integer := 0;
begin
  for v_row in
    select o.id, coalesce(p.provider, 'local') as provider
      from public.payouts o
      left join public.payments p on p.id = o.payment_id
     where o.status = 'held'
       and ((p_business_id is null and o.payee_profile_id = p_profile_id) or o.payee_business_id = p_business_id)
     order by o.created_at
  loop
    if private.send_payout(v_row.id, v_row.provider) then
      v_sent := v_sent + 1;
    end if;
  end loop;
  return v_sent;
end;
$$;
comment on function private.release_held_payouts(uuid, uuid) is
  'Sends the held payouts of a payee (profile, or business) that can now be paid; returns how many.';
revoke all on function private.release_held_payouts(uuid, uuid) from public, anon, authenticated, service_role;

-- Verification (identity, trust) releases held payouts.
create or replace function private.payouts_after_verification()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.is_verified and not old.is_verified then
    if tg_table_name = 'profiles' then
      perform private.release_held_payouts(new.id, null);
    else
      perform private.release_held_payouts(null, new.id);
    end if;
  end if;
  return null;
end;
$$;
comment on function private.payouts_after_verification() is
  'After a profile or business becomes verified: its held payouts are sent when it has a payouts-enabled account.';
revoke all on function private.payouts_after_verification() from public, anon, authenticated, service_role;

create or replace trigger profiles_verified_release_payouts
  after update of is_verified on public.profiles
  for each row when (new.is_verified and not old.is_verified)
  execute function private.payouts_after_verification();
create or replace trigger businesses_verified_release_payouts
  after update of is_verified on public.businesses
  for each row when (new.is_verified and not old.is_verified)
  execute function private.payouts_after_verification();

------------------------------------------------------------------------------------------------
-- Connected accounts.
------------------------------------------------------------------------------------------------
create or replace function public.prepare_payout_account(p_provider text, p_business_id uuid default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_account public.payout_accounts;
begin
  perform private.check_payment_provider(p_provider);
  perform private.rate_limit('payments', v_uid::text);
  if p_business_id is not null and not exists (
       select 1 from public.business_members bm
        where bm.business_id = p_business_id and bm.user_id = v_uid and bm.role = 'owner') then
    perform private.raise_error('HL634', pg_catalog.format('business %s', p_business_id));
  end if;
  insert into public.payout_accounts (profile_id, business_id, provider, email, country)
  values (case when p_business_id is null then v_uid end, p_business_id, p_provider,
          (select u.email from auth.users u where u.id = v_uid), 'AE')
  on conflict do nothing;
  select * into v_account from public.payout_accounts a
   where a.provider = p_provider
     and a.profile_id is not distinct from case when p_business_id is null then v_uid end
     and a.business_id is not distinct from p_business_id;
  return pg_catalog.jsonb_build_object(
    'payout_account_id', v_account.id, 'provider', v_account.provider, 'provider_account_id', v_account.provider_account_id,
    'profile_id', v_account.profile_id, 'business_id', v_account.business_id, 'email', v_account.email,
    'country', v_account.country, 'idempotency_key', 'hl:account:' || v_account.id,
    'metadata', pg_catalog.jsonb_build_object('hl_payout_account_id', v_account.id::text),
    'charges_enabled', v_account.charges_enabled, 'payouts_enabled', v_account.payouts_enabled,
    'details_submitted', v_account.details_submitted);
end;
$$;
comment on function public.prepare_payout_account(text, uuid) is
  'My payout account (or a business''s, for its owners: HL634 otherwise), created on first call: what the payments function needs to create the connected account and the onboarding link. Errors: HL006 (rate_limit.payments), HL629, HL634.';
revoke all on function public.prepare_payout_account(text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.prepare_payout_account(text, uuid) to authenticated;

create or replace function public.apply_account(p_provider text, p_account jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_account ->> 'id';
  v_account public.payout_accounts;
  v_before public.payout_accounts;
  v_released integer := 0;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'apply_account is for the payments function (service role)');
  end if;
  perform private.check_payment_provider(p_provider);
  if p_account is null or pg_catalog.jsonb_typeof(p_account) <> 'object' or v_id is null or v_id = '' then
    perform private.raise_error('HL638', 'an account needs an id');
  end if;
  select * into v_account from public.payout_accounts a
   where (a.provider = p_provider and a.provider_account_id = v_id)
      or a.id = private.json_uuid(p_account -> 'metadata' ->> 'hl_payout_account_id')
   order by (a.provider_account_id = v_id) desc nulls last
   limit 1
     for update;
  if not found then
    return pg_catalog.jsonb_build_object('changed', false, 'ignored', 'unknown_object', 'provider_ref', v_id);
  end if;
  if v_account.provider <> p_provider then
    perform private.raise_error('HL640', pg_catalog.format('account %s is with %s', v_account.id, v_account.provider));
  end if;
  v_before := v_account;
  update public.payout_accounts a
     set provider_account_id = coalesce(a.provider_account_id, v_id),
         charges_enabled = coalesce((p_account ->> 'charges_enabled')::boolean, a.charges_enabled),
         payouts_enabled = coalesce((p_account ->> 'payouts_enabled')::boolean, a.payouts_enabled),
         details_submitted = coalesce((p_account ->> 'details_submitted')::boolean, a.details_submitted)
   where a.id = v_account.id
  returning * into v_account;
  if v_account.payouts_enabled then
    v_released := private.release_held_payouts(v_account.profile_id, v_account.business_id);
  end if;
  return pg_catalog.jsonb_build_object(
    'payout_account_id', v_account.id, 'provider_account_id', v_account.provider_account_id,
    'changed', (v_before.charges_enabled, v_before.payouts_enabled, v_before.details_submitted, v_before.provider_account_id)
               is distinct from (v_account.charges_enabled, v_account.payouts_enabled, v_account.details_submitted,
                                 v_account.provider_account_id),
    'charges_enabled', v_account.charges_enabled, 'payouts_enabled', v_account.payouts_enabled,
    'details_submitted', v_account.details_submitted, 'released_payouts', v_released);
end;
$$;
comment on function public.apply_account(text, jsonb) is
  'Service role (payments function, stripe-webhook account.updated): links and updates a connected account (metadata.hl_payout_account_id or provider id): charges/payouts enabled, details submitted; sends the payee''s held payouts once payouts are enabled. Errors: HL002, HL629, HL638, HL640.';
revoke all on function public.apply_account(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.apply_account(text, jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- Audit: a payout's money-moving changes (created, sent, paid, failed, canceled) go to identity's
-- audit log; in_transit and a changed hold reason are technical steps and are not logged.
------------------------------------------------------------------------------------------------
create or replace function private.audit_payouts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_action text;
begin
  if tg_op = 'INSERT' then
    v_action := 'payout.created';
  elsif old.status is not distinct from new.status then
    return null;
  else
    v_action := case new.status when 'pending' then 'payout.sent' when 'paid' then 'payout.paid'
                                when 'failed' then 'payout.failed' when 'canceled' then 'payout.canceled' end;
  end if;
  if v_action is null then
    return null;
  end if;
  perform private.audit(v_action, 'payout', new.id::text,
    case when tg_op = 'UPDATE' then pg_catalog.jsonb_build_object('status', old.status, 'held_reason', old.held_reason) end,
    pg_catalog.jsonb_build_object('status', new.status, 'held_reason', new.held_reason, 'amount', new.amount,
                                  'currency', new.currency, 'payment_id', new.payment_id,
                                  'payee_profile_id', new.payee_profile_id, 'payee_business_id', new.payee_business_id,
                                  'replaces_payout_id', new.replaces_payout_id, 'provider_ref', new.provider_ref),
    new.failure_reason);
  return null;
end;
$$;
comment on function private.audit_payouts() is
  'AFTER INSERT or status UPDATE on payouts: audit entries payout.created, payout.sent (held -> pending), payout.paid, payout.failed, payout.canceled.';
revoke all on function private.audit_payouts() from public, anon, authenticated, service_role;

create or replace trigger payouts_audit
  after insert or update of status on public.payouts
  for each row execute function private.audit_payouts();

------------------------------------------------------------------------------------------------
-- Transfers.
------------------------------------------------------------------------------------------------
create or replace function private.payout_failed(p_payout_id uuid, p_reason text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_payout public.payouts;
  v_from text;
begin
  select * into v_payout from public.payouts o where o.id = p_payout_id for update;
  if v_payout.status not in ('pending', 'in_transit', 'paid') then
    return;
  end if;
  v_from := case when v_payout.status = 'paid' then 'paid_out' else 'payouts_in_transit' end;
  update public.payouts o set status = 'failed', failure_reason = left(p_reason, 100) where o.id = p_payout_id;
  perform private.post_ledger_transaction('payout_failed', 'payout_failed:' || p_payout_id, v_payout.currency,
    pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('account', private.ledger_account(v_from, v_payout.currency,
                                                                       v_payout.payee_profile_id, v_payout.payee_business_id),
                                    'amount', -v_payout.amount),
      pg_catalog.jsonb_build_object('account', private.ledger_account('provider_payable', v_payout.currency,
                                                                       v_payout.payee_profile_id, v_payout.payee_business_id),
                                    'amount', v_payout.amount)),
    p_payout_id => p_payout_id, p_payment_id => v_payout.payment_id, p_description => 'payout failed');
  perform private.create_payout(v_payout.payee_profile_id, v_payout.payee_business_id, v_payout.currency, v_payout.amount,
                                v_payout.payment_id, p_payout_id,
                                coalesce((select p.provider from public.payments p where p.id = v_payout.payment_id), 'local'));
end;
$$;
comment on function private.payout_failed(uuid, text) is
  'A payout that failed (or a transfer reversed): failed, the money back in the payee''s payable, and a new held payout replacing it (sent when the payee''s account is next updated).';
revoke all on function private.payout_failed(uuid, text) from public, anon, authenticated, service_role;

create or replace function public.apply_transfer(p_provider text, p_transfer jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_transfer ->> 'id';
  v_payout public.payouts;
  v_state text;
  v_before text;
  v_currency text := pg_catalog.upper(p_transfer ->> 'currency');
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'apply_transfer is for the payments function (service role)');
  end if;
  perform private.check_payment_provider(p_provider);
  if p_transfer is null or pg_catalog.jsonb_typeof(p_transfer) <> 'object' or v_id is null or v_id = ''
     or (p_transfer ? 'status' and p_transfer ->> 'status' not in ('pending', 'in_transit', 'paid', 'failed', 'canceled')) then
    perform private.raise_error('HL638', 'a transfer needs an id (and a known status when it has one)');
  end if;
  perform private.json_amount(p_transfer, 'amount');
  select * into v_payout from public.payouts o
   where o.id = private.json_uuid(p_transfer -> 'metadata' ->> 'hl_payout_id') or o.provider_ref = v_id
   limit 1
     for update;
  if not found then
    return pg_catalog.jsonb_build_object('changed', false, 'ignored', 'unknown_object', 'provider_ref', v_id);
  end if;
  if v_currency is not null and v_currency <> v_payout.currency then
    perform private.raise_error('HL639', pg_catalog.format('%s, the payout is in %s', v_currency, v_payout.currency));
  end if;
  if v_payout.provider_ref is null then
    update public.payouts o set provider_ref = v_id where o.id = v_payout.id;
  end if;
  v_before := v_payout.status;
  v_state := case
    when coalesce((p_transfer ->> 'reversed')::boolean, false) then 'failed'
    when p_transfer ->> 'status' in ('failed', 'canceled') then 'failed'
    when p_transfer ->> 'status' in ('pending', 'in_transit') then 'in_transit'
    else 'paid' end;
  if v_state = 'failed' then
    perform private.payout_failed(v_payout.id, coalesce(p_transfer ->> 'failure_reason', 'transfer ' || coalesce(p_transfer ->> 'status', 'reversed')));
  elsif v_state = 'in_transit' and v_payout.status = 'pending' then
    update public.payouts o set status = 'in_transit' where o.id = v_payout.id;
  elsif v_state = 'paid' and v_payout.status in ('pending', 'in_transit') then
    update public.payouts o set status = 'paid', paid_at = private.now() where o.id = v_payout.id;
    perform private.post_ledger_transaction('payout_paid', 'payout_paid:' || v_payout.id, v_payout.currency,
      pg_catalog.jsonb_build_array(
        pg_catalog.jsonb_build_object('account', private.ledger_account('payouts_in_transit', v_payout.currency,
                                                                         v_payout.payee_profile_id, v_payout.payee_business_id),
                                      'amount', -v_payout.amount),
        pg_catalog.jsonb_build_object('account', private.ledger_account('paid_out', v_payout.currency,
                                                                         v_payout.payee_profile_id, v_payout.payee_business_id),
                                      'amount', v_payout.amount)),
      p_payout_id => v_payout.id, p_payment_id => v_payout.payment_id, p_description => 'payout paid');
  end if;
  select o.status into v_state from public.payouts o where o.id = v_payout.id;
  return pg_catalog.jsonb_build_object('payout_id', v_payout.id, 'status', v_state, 'changed', v_state <> v_before);
end;
$$;
comment on function public.apply_transfer(text, jsonb) is
  'Service role (payments worker, stripe-webhook transfer.*): applies a Transfer to its payout (metadata.hl_payout_id or provider_ref): a Stripe transfer that exists is paid (in transit -> paid out), reversed is failed (back to payable, a new held payout); the local provider''s status pending/paid/failed. Never backwards. Errors: HL002, HL629, HL638, HL639.';
revoke all on function public.apply_transfer(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.apply_transfer(text, jsonb) to service_role;
