-- Module money, payments of other subjects: the private.payment_subjects registry (handler
-- signatures checked), a test subject kind registered inside this transaction and walked end to
-- end through the generic path: prepare as the payer (the kind's prepare handler), authorise with
-- the simulated provider, capture, refund part, release, payout held until the payee is verified
-- then sent and paid; the handler called on each change; void and retry; decline; the generic
-- re-authorisation timer; errors; RLS for payer and payee; the ledger balanced.
begin;
select plan(51);

select tests.create_supabase_user(u) from unnest(array['sj_buyer', 'sj_seller', 'sj_other']) u;
select tests.get_supabase_uid('sj_buyer') as buyer, tests.get_supabase_uid('sj_seller') as seller \gset
select tests.freeze_time(date_trunc('minute', now()));
update private.settings set value = '{"limit": 100000, "window": "1 minute"}' where key = 'rate_limit.payments';

------------------------------------------------------------------------------------------------
-- A subject module of the tests: things sold by a seller (a profile, not a provider).
------------------------------------------------------------------------------------------------
create table tests.things (id uuid primary key default gen_random_uuid(), buyer uuid not null, seller uuid not null,
                           price bigint not null, state text not null default 'reserved');
create table tests.thing_calls (n bigint generated always as identity, payment_id uuid, transition text, from_state text,
                                to_state text);
grant all on tests.things, tests.thing_calls to public;

create function tests.thing_payment_changed(p_payment public.payments, p_transition text, p_from_state text)
returns void language plpgsql set search_path = '' as $$
begin
  insert into tests.thing_calls (payment_id, transition, from_state, to_state)
  values (p_payment.id, p_transition, p_from_state, p_payment.status);
  if p_transition = 'authorize' then
    update tests.things set state = 'paid' where id = p_payment.subject_id;
  elsif p_transition in ('fail', 'cancel', 'expire') then
    update tests.things set state = 'released' where id = p_payment.subject_id;
  end if;
end;
$$;
create function tests.prepare_thing_payment(p_thing uuid, p_payer uuid, p_provider text, p_payment_method text)
returns public.payments language plpgsql set search_path = '' as $$
declare
  v_thing tests.things;
begin
  select * into v_thing from tests.things t where t.id = p_thing;
  if not found or v_thing.buyer <> p_payer then
    perform private.raise_error('HL002', 'not your thing');
  end if;
  return private.create_subject_payment('thing', v_thing.id, v_thing.buyer, v_thing.seller, null,
    private.subject_breakdown('goods_discover', v_thing.price, 'AED'), p_provider, p_payment_method, 'manual', null,
    'Thing ' || v_thing.id);
end;
$$;
create function tests.wrong_handler(p_payment public.payments) returns void language sql as $$ select $$;

select throws_ok($$ insert into private.payment_subjects (kind, module, handler, description)
                    values ('thing', 'tests', 'tests.wrong_handler(public.payments)', 'x') $$,
  '23514', null, 'a handler with another signature is refused');
select throws_ok($$ insert into private.payment_subjects (kind, module, handler, prepare_handler, description)
                    values ('thing', 'tests', 'tests.thing_payment_changed(public.payments, text, text)',
                            'tests.thing_payment_changed(public.payments, text, text)', 'x') $$,
  '23514', null, 'a prepare handler with another signature is refused');
select lives_ok($$ insert into private.payment_subjects (kind, module, handler, prepare_handler, description)
                   values ('thing', 'tests', 'tests.thing_payment_changed(public.payments, text, text)',
                           'tests.prepare_thing_payment(uuid, uuid, text, text)', 'Things of the tests') $$,
  'a module registers its subject kind with its handlers');
select is((select handler from private.payment_subjects where kind = 'booking'),
  'private.booking_payment_changed(public.payments,text,text)', 'money registers bookings (and tips) as the subject kind booking');

insert into tests.things (buyer, seller, price) values (:'buyer', :'seller', 10000) returning id as t1 \gset
insert into tests.things (buyer, seller, price) values (:'buyer', :'seller', 5000) returning id as t2 \gset
insert into tests.things (buyer, seller, price) values (:'buyer', :'seller', 7000) returning id as t3 \gset

------------------------------------------------------------------------------------------------
-- Prepare (the generic route's RPC)
------------------------------------------------------------------------------------------------
select tests.authenticate_as('sj_buyer');
select public.prepare_subject_payment('thing', :'t1', 'local', 'pm_card_visa') as req \gset
select is((:'req'::jsonb) ->> 'status', 'pending', 'the payer starts the payment of the subject');
select is(((:'req'::jsonb) ->> 'amount')::bigint, 10000::bigint, 'of the breakdown''s customer total (goods: no customer fee, no VAT outside regions)');
select is((:'req'::jsonb) -> 'metadata' ->> 'hl_subject_kind', 'thing', 'the intent''s metadata names the subject kind');
select is((:'req'::jsonb) ->> 'description', 'Thing ' || :'t1', 'and the subject''s description');
select is((:'req'::jsonb) ->> 'idempotency_key', format('hl:authorize:%s:1', (:'req'::jsonb) ->> 'payment_id'), 'with the attempt''s idempotency key');
select is(public.prepare_subject_payment('thing', :'t1', 'local') ->> 'payment_id', (:'req'::jsonb) ->> 'payment_id',
  'preparing again resumes the same payment');
select is((tests.error_of($$ select public.prepare_subject_payment('nothing', gen_random_uuid(), 'local') $$)) ->> 'sqlstate',
  'HL645', 'an unregistered kind: HL645');
select is((tests.error_of($$ select public.prepare_subject_payment('booking', gen_random_uuid(), 'local') $$)) ->> 'sqlstate',
  'HL645', 'bookings have their own routes: HL645');
select tests.authenticate_as('sj_other');
select is((tests.error_of(format($$ select public.prepare_subject_payment('thing', %L, 'local') $$, :'t1'))) ->> 'sqlstate',
  'HL002', 'someone else: the prepare handler refuses');
reset role;
select (:'req'::jsonb) ->> 'payment_id' as p1 \gset
select results_eq(format($$ select subject_kind, subject_id, kind, customer_id, payee_profile_id, provider_id, booking_id from public.payments where id = %L $$, :'p1'),
  format($$ values ('thing'::text, %L::uuid, 'thing'::text, %L::uuid, %L::uuid, null::uuid, null::uuid) $$, :'t1', :'buyer', :'seller'),
  'the payment belongs to the subject, payer to payee, no booking or provider');

------------------------------------------------------------------------------------------------
-- Authorise, capture, refund part, release, payout
------------------------------------------------------------------------------------------------
select is(tests.authorize_subject_payment('sj_buyer', 'thing', :'t1'), :'p1'::uuid, 'the provider authorises');
select is((select status from public.payments where id = :'p1'), 'authorized', 'authorized');
select is((select state from tests.things where id = :'t1'), 'paid', 'the handler saw it in the same transaction (the thing is paid)');
select tests.authenticate_as('sj_seller');
select is((select count(*)::int from public.payments where id = :'p1'), 1, 'the payee reads the payment');
select tests.authenticate_as('sj_buyer');
select is((select count(*)::int from public.payments where id = :'p1'), 1, 'the payer reads it');
select tests.authenticate_as('sj_other');
select is((select count(*)::int from public.payments where id = :'p1'), 0, 'nobody else does');
reset role;

select is((tests.error_of(format($$ select private.capture_subject_payment(%L, 20000) $$, :'p1'))) ->> 'sqlstate', 'HL646',
  'capturing more than the hold: HL646');
select ok(private.capture_subject_payment(:'p1') > 0, 'the module captures: an operation is queued');
select is((tests.error_of(format($$ select private.capture_subject_payment(%L) $$, :'p1'))) ->> 'sqlstate', 'HL647',
  'twice: HL647 (a capture is under way)');
select ok(tests.run_payment_worker() >= 1, 'the worker captures at the provider');
select results_eq(format($$ select status, amount_captured from public.payments where id = %L $$, :'p1'),
  $$ values ('captured'::text, 10000::bigint) $$, 'captured');
select is((tests.error_of(format($$ select private.refund_subject_payment(%L, 10001) $$, :'p1'))) ->> 'sqlstate', 'HL648',
  'refunding more than was captured: HL648');
select ok(private.refund_subject_payment(:'p1', 2500, 'dispute_resolution') is not null, 'the module refunds part');
select is((tests.error_of(format($$ select private.release_subject_payment(%L) $$, :'p1'))) ->> 'sqlstate', 'HL647',
  'no release while a refund is pending: HL647');
select ok(tests.run_payment_worker() >= 1, 'the worker refunds');
select results_eq(format($$ select status, amount_refunded from public.payments where id = %L $$, :'p1'),
  $$ values ('partially_refunded'::text, 2500::bigint) $$, 'partially refunded');
select ok(private.release_subject_payment(:'p1'), 'the module releases the escrow');
select is(private.release_subject_payment(:'p1'), false, 'once');
select results_eq(format($$ select status, held_reason, amount from public.payouts where payment_id = %L $$, :'p1'),
  $$ values ('held'::text, 'payee_not_verified'::text, 6750::bigint) $$,
  'the payee''s payout (9000 less its share of the 2500 refund) is held: not verified');
select tests.enable_payouts('sj_seller');
select is((select status from public.payouts where payment_id = :'p1'), 'pending', 'verified with an account: sent');
select ok(tests.run_payment_worker() >= 1, 'the worker transfers');
select is((select status from public.payouts where payment_id = :'p1'), 'paid', 'paid');
select results_eq(format($$ select transition, from_state, to_state from tests.thing_calls where payment_id = %L order by n $$, :'p1'),
  $$ values ('authorize'::text, 'pending'::text, 'authorized'::text), ('capture', 'authorized', 'captured'),
            ('refund_partially', 'captured', 'partially_refunded') $$,
  'the handler was called on each change, after it');

------------------------------------------------------------------------------------------------
-- Void, retry, decline, re-authorisation, cancel after capture
------------------------------------------------------------------------------------------------
select tests.authorize_subject_payment('sj_buyer', 'thing', :'t2') as p2 \gset
select is(private.cancel_subject_payment(:'p2', 'reservation_expired'), 'void_queued', 'the module gives up an authorised payment');
select ok(tests.run_payment_worker() >= 1, 'the worker voids it');
select results_eq(format($$ select p.status, t.state from public.payments p join tests.things t on t.id = p.subject_id where p.id = %L $$, :'p2'),
  $$ values ('canceled'::text, 'released'::text) $$, 'canceled, and the handler released the thing');
select tests.authenticate_as('sj_buyer');
select is((public.prepare_subject_payment('thing', :'t2', 'local')) ->> 'attempt', '2', 'the payer can start again: attempt 2');
reset role;
select tests.authorize_subject_payment('sj_buyer', 'thing', :'t2', 'requires_payment_method');
select is((select status from public.payments where id = :'p2'), 'failed', 'a declined card fails the payment (the handler sees fail)');

select tests.authorize_subject_payment('sj_buyer', 'thing', :'t3') as p3 \gset
select tests.freeze_time(private.now() + interval '6 days 1 hour');
select ok((private.run_payment_timers() ->> 'reauthorizations_queued')::int >= 1, 'the timer re-authorises any subject''s payment before it expires');
select is((select count(*)::int from private.payment_operations where payment_id = :'p3' and operation = 'reauthorize'), 1,
  'for this payment');
select ok(tests.run_payment_worker() >= 1, 'the worker re-authorises');
select ok(private.capture_subject_payment(:'p3') > 0 and tests.run_payment_worker() >= 1, 'captured on the new authorisation');
select is(private.cancel_subject_payment(:'p3'), 'refund_requested', 'cancelled after capture: a full refund');
select ok(tests.run_payment_worker() >= 1, 'refunded');
select results_eq(format($$ select status, amount_refunded from public.payments where id = %L $$, :'p3'),
  $$ values ('refunded'::text, 7000::bigint) $$, 'refunded in full');

select is((tests.error_of(format($$ select private.release_subject_payment(%L) $$, :'p2'))) ->> 'sqlstate', 'HL647',
  'releasing a payment that captured nothing: HL647');

select tests.authenticate_as_service_role();
select is(public.ledger_check() ->> 'balanced', 'true', 'the ledger balances');
reset role;

select * from finish();
rollback;
