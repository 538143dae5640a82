-- Module money, the ledger: transactions balance per currency (checked at commit, refused
-- otherwise), the ledger is append-only for every role, a posting key posts once, balances and
-- histories are read by their owners, operators and the service role only.
begin;
select plan(17);

select tests.create_supabase_user(u) from unnest(array['lg_cust', 'lg_prov', 'lg_op', 'lg_other']) u;
select tests.get_supabase_uid('lg_cust') as cust, tests.get_supabase_uid('lg_prov') as prov,
       tests.get_supabase_uid('lg_op') as op \gset
insert into public.user_roles (user_id, role) values (:'op', 'admin');
select tests.create_provider('lg_prov', 25.20, 55.27);
select throws_ok('truncate private.ledger_entries cascade', 'HL637', null, 'the ledger cannot be truncated (HL637)');
select tests.create_booking('lg_cust', 'lg_prov', 'completed') as b \gset
select tests.run_payment_worker();
select id as p from public.payments where booking_id = :'b' \gset

-- Balanced at commit.
select throws_ok(format($$ do $x$ begin
    perform private.post_ledger_transaction('capture', 'test:unbalanced', 'AED',
      jsonb_build_array(jsonb_build_object('account', private.ledger_account('escrow', 'AED'), 'amount', 100),
                        jsonb_build_object('account', private.ledger_account('customer_funding', 'AED', %L::uuid), 'amount', -99)));
    set constraints all immediate;
  end $x$ $$, :'cust'), 'HL636', null, 'a transaction whose entries do not sum to zero is refused (HL636)');
select throws_ok($$ do $x$ begin
    perform private.post_ledger_transaction('capture', 'test:single', 'AED',
      jsonb_build_array(jsonb_build_object('account', private.ledger_account('escrow', 'AED'), 'amount', 100)));
    set constraints all immediate;
  end $x$ $$, 'HL636', null, 'a transaction without two entries is refused (HL636)');
select throws_ok(format($$ do $x$ begin
    perform private.post_ledger_transaction('capture', 'test:currencies', 'AED',
      jsonb_build_array(jsonb_build_object('account', private.ledger_account('escrow', 'USD'), 'amount', 100),
                        jsonb_build_object('account', private.ledger_account('customer_funding', 'AED', %L::uuid), 'amount', -100)));
    set constraints all immediate;
  end $x$ $$, :'cust'), '23503', null, 'an entry in another currency than its account''s is refused');
select lives_ok(format($$ do $x$ begin
    perform private.post_ledger_transaction('capture', 'test:balanced', 'AED',
      jsonb_build_array(jsonb_build_object('account', private.ledger_account('escrow', 'AED'), 'amount', 100),
                        jsonb_build_object('account', private.ledger_account('customer_funding', 'AED', %L::uuid), 'amount', -100)));
    set constraints all immediate;
  end $x$ $$, :'cust'), 'a balanced transaction is accepted');
select is(private.post_ledger_transaction('capture', 'test:balanced', 'AED', '[]'), null::bigint, 'a key posts once');

-- Append-only, for the owner too.
select throws_ok('update private.ledger_entries set amount = amount + 1', 'HL637', null, 'entries cannot be updated (HL637)');
select throws_ok('delete from private.ledger_entries', 'HL637', null, 'nor deleted');
select throws_ok('update private.ledger_transactions set kind = ''release''', 'HL637', null, 'transactions cannot be updated');
select is((select string_agg(t.tgname || '=' || t.tgenabled::text, ',' order by t.tgname) from pg_trigger t
            where t.tgrelid in ('private.ledger_transactions'::regclass, 'private.ledger_entries'::regclass,
                                'private.ledger_accounts'::regclass)
              and t.tgname ~ '_(append_only|no_truncate)$'),
          'ledger_accounts_append_only=A,ledger_accounts_no_truncate=A,ledger_entries_append_only=A,ledger_entries_no_truncate=A,'
          'ledger_transactions_append_only=A,ledger_transactions_no_truncate=A',
          'the refusing triggers fire always, even with session_replication_role = replica');

select throws_ok('delete from private.ledger_accounts', 'HL637', null, 'accounts stay');

-- Reading.
select tests.authenticate_as('lg_cust');
select results_eq($$ select transaction_kind, account_kind, amount from public.my_ledger() where payment_id = $$ || quote_literal(:'p'),
  format($$ values ('capture'::text, 'customer_funding'::text, -%s::bigint) $$, (select amount_captured from public.payments where id = :'p')),
  'the customer''s history shows what they paid');
select throws_ok('select * from public.ledger_balances()', 'HL002', null, 'only operators read all balances');
select throws_ok('select count(*) from private.ledger_entries', '42501', null, 'nobody reads the ledger tables directly');
select tests.authenticate_as('lg_prov');
select is((select count(*)::int from public.my_ledger()), 0, 'nothing is payable before the dispute window ends');
select tests.authenticate_as('lg_op');
select ok((select count(*) from public.ledger_balances('AED')) >= 2, 'operators read every account');
select is(public.ledger_check() ->> 'unbalanced_transactions', '0', 'and check the invariants');

select * from finish();
rollback;
