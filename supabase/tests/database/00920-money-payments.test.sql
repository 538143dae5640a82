-- Module money, payments: the payment process as data and its one writer; starting a payment
-- (who, when, errors, nothing written on refusal); the booking lifecycle's payment steps
-- (authorisation required to progress, capture on completion and auto-completion, late-cancel
-- fee, void on other cancellations, refund on resolution, tips); the timers (payment due,
-- re-authorisation, escrow release); payouts held until verification; provider objects applied
-- idempotently and out of order; the operation outbox; webhooks; RLS; account deletion.
begin;
select plan(118);

------------------------------------------------------------------------------------------------
-- Fixtures: pp_prov works alone, pp_owner's business Pay Co (manager pp_mgr, staff pp_staff);
-- pp_cust books both; pp_op is an admin (money.manage); pp_other has nothing to do with it.
------------------------------------------------------------------------------------------------
select tests.create_supabase_user(u)
  from unnest(array['pp_cust', 'pp_prov', 'pp_owner', 'pp_mgr', 'pp_staff', 'pp_other', 'pp_op']) u;
select tests.get_supabase_uid('pp_cust') as cust, tests.get_supabase_uid('pp_prov') as prov,
       tests.get_supabase_uid('pp_owner') as owner, tests.get_supabase_uid('pp_op') as op \gset
insert into public.user_roles (user_id, role) values (:'op', 'admin');
select tests.create_business('pp_owner', 'Pay Co', managers => array['pp_mgr'], staff => array['pp_staff'],
                             id => 'b0000000-0000-4000-8000-000000000920') as biz \gset
select tests.create_provider('pp_prov', 25.20, 55.27);
select tests.create_provider('pp_owner', 25.20, 55.27, profile => '{"business_id": "b0000000-0000-4000-8000-000000000920"}');
select tests.freeze_time(date_trunc('minute', now()));
-- Many payments per customer here: lift the per-user rate limit of the payment RPCs (checked at the end).
update private.settings set value = '{"limit": 100000, "window": "1 minute"}' where key = 'rate_limit.payments';

------------------------------------------------------------------------------------------------
-- The process as data
------------------------------------------------------------------------------------------------
select is((select count(*)::int from public.payment_transitions t
            join public.payment_states s on s.state = t.from_state where s.is_terminal and t.name <> 'retry'), 0,
  'terminal payment states only take a customer retry');
select tests.create_booking('pp_cust', 'pp_prov', 'accepted') as b1 \gset
select tests.authenticate_as('pp_cust');
select is((public.prepare_booking_payment(:'b1', 'local', 'pm_card_visa')) ->> 'status', 'pending', 'the customer starts the payment');
reset role;
select id as p1 from public.payments where booking_id = :'b1' \gset
select is((tests.error_of(format($$ select private.apply_payment_transition(%L, 'refund_fully', 'system') $$, :'p1')) ->> 'sqlstate'),
  'HL630', 'a transition the process does not have from the state: HL630');

------------------------------------------------------------------------------------------------
-- Starting a payment: who and when
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_prov', 'requested') as req \gset
select tests.authenticate_as('pp_prov');
select throws_ok(format('select public.prepare_booking_payment(%L, %L)', :'b1', 'local'), 'HL621', null, 'the provider cannot pay: HL621');
select tests.authenticate_as('pp_cust');
select throws_ok(format('select public.prepare_booking_payment(%L, %L)', gen_random_uuid(), 'local'), 'HL620', null, 'unknown booking: HL620');
select throws_ok(format('select public.prepare_booking_payment(%L, %L)', :'req', 'local'), 'HL622', null, 'a request is not payable yet: HL622');
select throws_ok(format('select public.prepare_booking_payment(%L, %L)', :'b1', 'paypal'), 'HL629', null, 'unknown provider: HL629');
select throws_ok(format('select public.prepare_booking_payment(%L, %L, %L)', :'b1', 'local', 'pm card!'), 'HL641', null, 'malformed payment method: HL641');
reset role;
select is((select count(*)::int from public.payments where booking_id = :'req'), 0, 'a refused start writes nothing');

select results_eq(
  format($$ select amount, currency::text, attempt from public.payments where id = %L $$, :'p1'),
  $$ select customer_total, currency::text, 1 from public.booking_charges where booking_id = $$ || quote_literal(:'b1'),
  'the amount is the customer total of the booking''s stored breakdown');
select tests.authenticate_as('pp_cust');
select is((public.prepare_booking_payment(:'b1', 'local')) ->> 'idempotency_key', 'hl:authorize:' || :'p1' || ':1',
  'the idempotency key is derived from the payment and its attempt');
select is((public.prepare_booking_payment(:'b1', 'local')) -> 'metadata' ->> 'hl_payment_id', :'p1', 'the metadata names the payment');
select tests.authenticate_as('pp_prov');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b1', 'start_travel'), 'HL624', null,
  'no progress while the payment is not authorised: HL624');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b1', 'arrive'), 'HL624', null, 'nor arriving');
reset role;
select is((select status from public.bookings where id = :'b1'), 'accepted', 'the refused transition changed nothing');

-- The card needs confirmation, then is declined; the customer retries with a new attempt.
select tests.authenticate_as_service_role();
select is((public.apply_payment_intent('local', tests.payment_intent(:'p1', 'requires_action', 15000, 'pi_b1_1'))) ->> 'status',
  'requires_action', 'a 3-D Secure step: requires_action');
select is((public.apply_payment_intent('local', tests.payment_intent(:'p1', 'requires_payment_method', 15000, 'pi_b1_1'))) ->> 'status',
  'failed', 'declined: failed');
select throws_ok(format($$ select public.apply_payment_intent('stripe', tests.payment_intent(%L, 'requires_capture', 1, 'pi_b1_1')) $$, :'p1'),
  'HL640', null, 'an object from another provider: HL640');
select throws_ok($$ select public.apply_payment_intent('local', '{"id": "pi_x", "status": "requires_capture", "amount": -5}') $$,
  'HL638', null, 'a malformed object: HL638');
select is((public.apply_payment_intent('local', '{"id": "pi_nobody", "status": "succeeded", "amount": 5}')) ->> 'ignored',
  'unknown_object', 'an object that is not ours is ignored');
reset role;
select tests.authenticate_as('pp_cust');
select is((public.prepare_booking_payment(:'b1', 'local')) ->> 'idempotency_key', 'hl:authorize:' || :'p1' || ':2',
  'a retry is a new attempt with a new idempotency key');
reset role;
select tests.authenticate_as_service_role();
select is((public.apply_payment_intent('local', tests.payment_intent(:'p1', 'requires_payment_method', 15000, 'pi_b1_1'))) ->> 'ignored',
  'superseded_intent', 'a late event of the first attempt''s intent changes nothing');
select ok((public.apply_payment_intent('local', tests.payment_intent(:'p1', 'requires_capture', (select amount from public.payments where id = :'p1'), 'pi_b1_2')) ->> 'changed')::boolean,
  'the second attempt is authorised');
select results_eq(format($$ select status, provider_ref, amount_authorized = amount, authorization_expires_at > private.now() from public.payments where id = %L $$, :'p1'),
  $$ values ('authorized'::text, 'pi_b1_2'::text, true, true) $$, 'authorized: the intent, the amount and the expiry are recorded');
select is((select array_agg(to_state order by id) from public.payment_events where payment_id = :'p1'),
  array['pending', 'requires_action', 'failed', 'pending', 'authorized'], 'the payment''s timeline');
reset role;
select tests.authenticate_as('pp_prov');
select is((public.transition_booking(:'b1', 'start_travel')).status, 'en_route', 'once authorised the provider sets off');
reset role;

------------------------------------------------------------------------------------------------
-- Completion captures; escrow waits for the dispute window; the payout waits for verification.
------------------------------------------------------------------------------------------------
select tests.apply_booking_transition(:'b1', 'arrive', 'provider', :'prov');
select tests.apply_booking_transition(:'b1', 'start', 'provider', :'prov');
select tests.apply_booking_transition(:'b1', 'complete', 'customer', :'cust');
select results_eq(format($$ select operation, amount, idempotency_key, provider_ref from private.payment_operations where payment_id = %L $$, :'p1'),
  format($$ values ('capture'::text, %s::bigint, %L::text, 'pi_b1_2'::text) $$,
         (select amount from public.payments where id = :'p1'), 'hl:capture:' || :'p1' || ':1'),
  'completion queues the capture of the authorised amount');
select is(tests.run_payment_worker(), 1, 'the worker captures');
select results_eq(format($$ select status, amount_captured = amount, released_at is null from public.payments where id = %L $$, :'p1'),
  $$ values ('captured'::text, true, true) $$, 'captured and held in escrow');
select tests.authenticate_as_service_role();
select is((public.apply_payment_intent('local', tests.payment_intent(:'p1', 'succeeded', 15000, 'pi_b1_2', (select amount from public.payments where id = :'p1')))) ->> 'changed',
  'false', 'the same succeeded intent again changes nothing');
select is((public.apply_payment_intent('local', tests.payment_intent(:'p1', 'requires_capture', 15000, 'pi_b1_2'))) ->> 'status',
  'captured', 'a late requires_capture after succeeded changes nothing');
reset role;
select is((select count(*)::int from private.ledger_transactions where payment_id = :'p1' and kind = 'capture'), 1, 'the capture is posted once');
select is((private.run_payment_timers() ->> 'payments_released')::int, 0, 'no release inside the dispute window');
select tests.freeze_time(private.now() + interval '2 days 1 minute');
select is((private.run_payment_timers() ->> 'payments_released')::int, 1, 'released after the dispute window');
select results_eq(format($$ select status, held_reason, amount from public.payouts where payment_id = %L $$, :'p1'),
  $$ select 'held'::text, 'payee_not_verified'::text, provider_payout from public.booking_charges where booking_id = $$ || quote_literal(:'b1'),
  'the payee''s payout (the breakdown''s provider payout) is held while they are not verified');
update public.profiles set is_verified = true where id = :'prov';
select is((select held_reason from public.payouts where payment_id = :'p1'), 'no_payout_account',
  'verified but without a payouts-enabled account: still held');
select tests.enable_payouts('pp_prov');
select is((select status from public.payouts where payment_id = :'p1'), 'pending', 'the account enabled: the payout is released');
select is(tests.run_payment_worker(), 1, 'the worker transfers');
select is((select status from public.payouts where payment_id = :'p1'), 'paid', 'paid');

------------------------------------------------------------------------------------------------
-- Cancellations: early (void), late (fee only), provider side (void), a failed transfer.
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_prov', 'accepted') as early \gset
select tests.authorize_booking_payment(:'early') as p_early \gset
select tests.apply_booking_transition(:'early', 'cancel', 'customer', :'cust');
select is((select operation from private.payment_operations where payment_id = :'p_early'), 'cancel', 'an early cancellation voids');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_captured from public.payments where id = %L $$, :'p_early'),
  $$ values ('canceled'::text, 0::bigint) $$, 'voided: nothing captured');

select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '3 hours') as late \gset
select tests.authorize_booking_payment(:'late') as p_late \gset
select tests.apply_booking_transition(:'late', 'cancel', 'customer', :'cust');
select ok((select cancelled_late from public.bookings where id = :'late'), 'cancelled inside the free window');
select results_eq(format($$ select operation, amount from private.payment_operations where payment_id = %L $$, :'p_late'),
  format($$ values ('capture'::text, %s::bigint) $$, (private.cancellation_amounts(:'late') ->> 'customer_total')),
  'a late cancellation captures only the fee');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_captured < amount, released_at is not null from public.payments where id = %L $$, :'p_late'),
  $$ values ('captured'::text, true, true) $$, 'the fee is captured (the rest released) and settled at once');
select is((select amount from public.payouts where payment_id = :'p_late'), (private.cancellation_amounts(:'late') ->> 'provider_payout')::bigint,
  'the provider gets the fee''s payout share');

select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '5 hours') as pcancel \gset
select tests.authorize_booking_payment(:'pcancel') as p_pc \gset
select tests.apply_booking_transition(:'pcancel', 'cancel', 'provider', :'prov');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_captured from public.payments where id = %L $$, :'p_pc'),
  $$ values ('canceled'::text, 0::bigint) $$, 'a provider-side cancellation charges nothing (the authorisation is voided)');

-- A transfer the provider refuses: the payout fails, the money goes back to payable, a held one replaces it.
select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '7 hours') as late2 \gset
select tests.authorize_booking_payment(:'late2') as p_late2 \gset
select tests.apply_booking_transition(:'late2', 'cancel', 'customer', :'cust');
select tests.run_payment_worker(array['transfer']);
select results_eq(format($$ select status, replaces_payout_id is not null, held_reason from public.payouts where payment_id = %L order by created_at, replaces_payout_id nulls first $$, :'p_late2'),
  $$ values ('failed'::text, false, null::text), ('held'::text, true, 'previous_payout_failed'::text) $$,
  'a failed transfer: failed, and a held payout replaces it');
select tests.authenticate_as_service_role();
select is(public.ledger_check() ->> 'balanced', 'true', 'the ledger agrees with the payouts after the failure');
reset role;
select tests.enable_payouts('pp_prov');
select tests.run_payment_worker();
select is((select status from public.payouts where payment_id = :'p_late2' and replaces_payout_id is not null), 'paid',
  'the replacement is sent when the account is next updated');

------------------------------------------------------------------------------------------------
-- Disputes and resolutions: partial refund after capture; capture of the rest before it.
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_prov', 'in_progress', not_before => private.now() + interval '9 hours') as d1 \gset
select tests.apply_booking_transition(:'d1', 'dispute', 'customer', :'cust');
select id as p_d1, amount as d1_amount from public.payments where booking_id = :'d1' \gset
select is((select status from public.payments where id = :'p_d1'), 'authorized', 'disputed while in progress: nothing captured yet');
select throws_ok(format($$ select private.apply_booking_transition(%L, 'resolve', 'operator', %L, 'too much', '{"refund_amount": %s}') $$,
                        :'d1', :'op', :d1_amount + 1), 'HL625', null, 'a refund above what was paid: HL625');
select throws_ok(format($$ select private.apply_booking_transition(%L, 'resolve', 'operator', %L, 'odd', '{"refund_amount": 1.5}') $$,
                        :'d1', :'op'), 'HL625', null, 'a fractional refund: HL625');
select is((select status from public.bookings where id = :'d1'), 'disputed', 'a refused resolution changes nothing');
select lives_ok(format($$ select private.apply_booking_transition(%L, 'resolve', 'operator', %L, 'half', '{"refund_amount": 5000}') $$,
                       :'d1', :'op'), 'the operator resolves with a refund');
select results_eq(format($$ select operation, amount from private.payment_operations where payment_id = %L $$, :'p_d1'),
  format($$ values ('capture'::text, %s::bigint) $$, :d1_amount - 5000), 'not captured yet: only the rest is captured');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_captured, released_at is not null from public.payments where id = %L $$, :'p_d1'),
  format($$ values ('captured'::text, %s::bigint, true) $$, :d1_amount - 5000), 'captured and released at once (resolved)');

select tests.create_booking('pp_cust', 'pp_prov', 'completed', not_before => private.now() + interval '11 hours') as d2 \gset
select id as p_d2, amount as d2_amount from public.payments where booking_id = :'d2' \gset
select tests.run_payment_worker();
select tests.apply_booking_transition(:'d2', 'dispute', 'customer', :'cust');
select tests.freeze_time(private.now() + interval '3 days');
select is((private.run_payment_timers() ->> 'payments_released')::int, 0, 'a disputed booking''s escrow is not released by the window');
select lives_ok(format($$ select private.apply_booking_transition(%L, 'resolve', 'operator', %L, 'partial', '{"refund_amount": 4000}') $$,
                       :'d2', :'op'), 'resolved with a partial refund of a captured payment');
select results_eq(format($$ select r.amount, r.status, o.operation, o.amount from public.payment_refunds r
                            join private.payment_operations o on o.refund_id = r.id where r.payment_id = %L $$, :'p_d2'),
  $$ values (4000::bigint, 'pending'::text, 'refund'::text, 4000::bigint) $$, 'a refund is pending with its operation');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_refunded, released_at is not null from public.payments where id = %L $$, :'p_d2'),
  $$ values ('partially_refunded'::text, 4000::bigint, true) $$, 'refunded in part, then the rest released');
select is((select amount from public.payouts where payment_id = :'p_d2'),
  (select provider_payout - (private.allocate_refund(breakdown, 4000) ->> 'provider_payout')::bigint
     from public.booking_charges where booking_id = :'d2'),
  'the payee gets their payout less their share of the refund (allocate_refund)');

-- A resolution while the completion's full capture is already at the provider (claimed, in flight):
-- that capture cannot be called back, so the refund follows it.
select tests.create_booking('pp_cust', 'pp_prov', 'completed', not_before => private.now() + interval '12 hours') as d3 \gset
select id as p_d3, amount as d3_amount from public.payments where booking_id = :'d3' \gset
update private.payment_operations set status = 'sending', attempts = 1, next_attempt_at = private.now() + interval '1 hour'
 where payment_id = :'p_d3' and operation = 'capture';
select tests.apply_booking_transition(:'d3', 'dispute', 'customer', :'cust');
select lives_ok(format($$ select private.apply_booking_transition(%L, 'resolve', 'operator', %L, 'in flight', '{"refund_amount": 3000}') $$,
                       :'d3', :'op'), 'resolved while the capture is in flight');
select results_eq(format($$ select operation, status, amount from private.payment_operations where payment_id = %L $$, :'p_d3'),
  format($$ values ('capture'::text, 'sending'::text, %s::bigint) $$, :d3_amount),
  'the in-flight capture is left alone and no second capture is queued');
select is((select resolution_refund from public.payments where id = :'p_d3'), 3000::bigint, 'the refund waits for the capture');
update private.payment_operations set next_attempt_at = private.now() - interval '1 second'
 where payment_id = :'p_d3' and operation = 'capture';
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_captured, amount_refunded, resolution_refund, released_at is not null
                             from public.payments where id = %L $$, :'p_d3'),
  format($$ values ('partially_refunded'::text, %s::bigint, 3000::bigint, null::bigint, true) $$, :d3_amount),
  'the capture lands, the resolution''s refund follows, then the rest is released');
select tests.authenticate_as_service_role();
select is(public.ledger_check() ->> 'balanced', 'true', 'the ledger balances after the in-flight resolution');
reset role;

------------------------------------------------------------------------------------------------
-- Tips
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '13 hours') as t1 \gset
select tests.authenticate_as('pp_cust');
select throws_ok(format('select public.prepare_tip_payment(%L, %L, 500)', :'t1', 'local'), 'HL626', null, 'no tip before completion: HL626');
select throws_ok(format('select public.prepare_tip_payment(%L, %L, 0)', :'d2', 'local'), 'HL627', null, 'a zero tip: HL627');
select is((public.prepare_tip_payment(:'d2', 'local', 900)) ->> 'capture_method', 'automatic', 'a tip is captured at once');
select is((public.prepare_tip_payment(:'d2', 'local', 700)) ->> 'amount', '700', 'its amount can change until the provider has it');
reset role;
select id as tip from public.payments where booking_id = :'d2' and kind = 'tip' \gset
select tests.authenticate_as_service_role();
select is((public.apply_payment_intent('local', tests.payment_intent(:'tip', 'requires_action', 700, 'pi_tip'))) ->> 'status', 'requires_action',
  'the tip needs confirmation');
reset role;
select tests.authenticate_as('pp_cust');
select throws_ok(format('select public.prepare_tip_payment(%L, %L, 800)', :'d2', 'local'), 'HL628', null,
  'another amount once the provider has the tip: HL628');
reset role;
select tests.authenticate_as_service_role();
select is((public.apply_payment_intent('local', tests.payment_intent(:'tip', 'succeeded', 700, 'pi_tip', 700))) ->> 'status', 'captured',
  'the tip''s intent succeeded: captured');
reset role;
select results_eq(format($$ select amount, status from public.payouts where payment_id = %L $$, :'tip'),
  $$ values (700::bigint, 'pending'::text) $$, 'all of the tip goes to the provider at once');

------------------------------------------------------------------------------------------------
-- Timers: payment due, re-authorisation (success and failure), auto-completion captures.
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '15 days') as due \gset
select tests.freeze_time(private.now() + interval '61 minutes');
select ok((private.run_payment_timers() ->> 'bookings_cancelled')::int >= 1, 'the timer cancels bookings whose payment was not authorised in time');
select results_eq(format($$ select status, cancelled_by, cancel_reason from public.bookings where id = %L $$, :'due'),
  $$ values ('cancelled'::text, 'system'::text, 'payment_not_authorised'::text) $$, 'as the system, reason payment_not_authorised');

select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '20 days') as ra \gset
select tests.authorize_booking_payment(:'ra') as p_ra \gset
select provider_ref as ra_ref from public.payments where id = :'p_ra' \gset
select is((private.run_payment_timers() ->> 'reauthorizations_queued')::int, 0, 'nothing to re-authorise yet');
select tests.freeze_time(private.now() + interval '6 days 1 minute');
select is((private.run_payment_timers() ->> 'reauthorizations_queued')::int, 1, 'a re-authorisation is queued a margin before expiry');
select is((private.run_payment_timers() ->> 'reauthorizations_queued')::int, 0, 'once');
select tests.run_payment_worker();
select results_eq(format($$ select status, provider_ref <> %L, %L = any (previous_refs), reauthorizations from public.payments where id = %L $$, :'ra_ref', :'ra_ref', :'p_ra'),
  $$ values ('authorized'::text, true, true, 1) $$, 're-authorised: a new intent replaces the old one');
select is((select count(*)::int from private.payment_operations where payment_id = :'p_ra' and operation = 'cancel' and provider_ref = :'ra_ref'), 1,
  'the old authorisation is voided');
select tests.authenticate_as_service_role();
select is((public.apply_payment_intent('local', tests.payment_intent(:'p_ra', 'canceled', 1, :'ra_ref'))) ->> 'ignored', 'superseded_intent',
  'the old intent''s cancellation changes nothing');
reset role;
select tests.freeze_time(private.now() + interval '6 days 1 minute');
select is((private.run_payment_timers() ->> 'reauthorizations_queued')::int, 1, 'due again');
select tests.run_payment_worker(array['reauthorize']);
select results_eq(format($$ select p.status, b.status, b.cancel_reason from public.payments p join public.bookings b on b.id = p.booking_id where p.id = %L $$, :'p_ra'),
  $$ values ('failed'::text, 'cancelled'::text, 'payment_failed'::text) $$, 'a failed re-authorisation fails the payment and cancels the booking');

select tests.create_booking('pp_cust', 'pp_prov', 'in_progress', not_before => private.now() - interval '4 days') as ac \gset
select tests.apply_booking_transition(:'ac', 'complete', 'system');
select is((select operation from private.payment_operations o join public.payments p on p.id = o.payment_id where p.booking_id = :'ac'), 'capture',
  'auto-completion captures too');

------------------------------------------------------------------------------------------------
-- Business payee
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_owner', 'completed', not_before => private.now() + interval '1 day') as bb \gset
select tests.run_payment_worker();
select results_eq(format($$ select payee_business_id, payee_profile_id from public.payments where booking_id = %L $$, :'bb'),
  format($$ values (%L::uuid, null::uuid) $$, :'biz'), 'a business booking is paid to the business');
update public.profiles set is_verified = true where id = :'owner';
select tests.freeze_time(private.now() + interval '3 days');
select private.run_payment_timers();
select is((select held_reason from public.payouts o join public.payments p on p.id = o.payment_id where p.booking_id = :'bb'), 'payee_not_verified',
  'held while the business is not verified (the owner''s verification is not the business''s)');
select tests.enable_payouts('pp_owner', :'biz');
select is((select o.status from public.payouts o join public.payments p on p.id = o.payment_id where p.booking_id = :'bb'), 'pending',
  'released once the business is verified with an account');

------------------------------------------------------------------------------------------------
-- The outbox's RPCs
------------------------------------------------------------------------------------------------
select tests.authenticate_as('pp_cust');
select throws_ok('select * from public.claim_payment_operations()', '42501', null, 'clients cannot claim operations');
reset role;
select tests.authenticate_as_service_role();
select throws_ok('select * from public.claim_payment_operations(0)', 'HL631', null, 'batch size 1-100: HL631');
select op.operation_id, op.attempt from public.claim_payment_operations(1) op \gset
select is((public.complete_payment_operation(:operation_id, :attempt, 'retry', null, 'timeout')) ->> 'status', 'pending', 'a retry is pending');
reset role;
select ok((select next_attempt_at = private.now() + interval '30 seconds' from private.payment_operations where id = :operation_id),
  'after the base backoff');
select tests.authenticate_as_service_role();
select is((public.complete_payment_operation(:operation_id, :attempt, 'succeeded')) ->> 'stale', 'true', 'a stale attempt is ignored');
select throws_ok(format($$ select public.complete_payment_operation(%s, 1, 'done') $$, :operation_id), 'HL632', null, 'unknown outcome: HL632');
select throws_ok('select public.complete_payment_operation(-1, 1, ''failed'')', 'HL633', null, 'unknown operation: HL633');
reset role;

------------------------------------------------------------------------------------------------
-- Webhook events: stored once, applied, unknown types ignored, failures recorded.
------------------------------------------------------------------------------------------------
select tests.create_booking('pp_cust', 'pp_prov', 'accepted', not_before => private.now() + interval '2 days') as wh \gset
select tests.authenticate_as('pp_cust');
select (public.prepare_booking_payment(:'wh', 'local')) ->> 'payment_id' as p_wh \gset
reset role;
select tests.authenticate_as_service_role();
select is((public.apply_webhook_event('local', jsonb_build_object('id', 'evt_1', 'type', 'payment_intent.amount_capturable_updated',
  'data', jsonb_build_object('object', tests.payment_intent(:'p_wh', 'requires_capture', 15000, 'pi_wh'))))) ->> 'status', 'applied',
  'a payment_intent event is applied');
select is((public.apply_webhook_event('local', jsonb_build_object('id', 'evt_1', 'type', 'payment_intent.canceled',
  'data', jsonb_build_object('object', tests.payment_intent(:'p_wh', 'canceled', 15000, 'pi_wh'))))) ->> 'status', 'duplicate',
  'the same event id again is a duplicate...');
reset role;
select is((select status from public.payments where id = :'p_wh'), 'authorized', '... and changes nothing');
select tests.authenticate_as_service_role();
select is((public.apply_webhook_event('local', '{"id": "evt_2", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}')) ->> 'status',
  'ignored', 'an unknown type is recorded as ignored');
select is((public.apply_webhook_event('local', jsonb_build_object('id', 'evt_3', 'type', 'payment_intent.succeeded',
  'data', jsonb_build_object('object', tests.payment_intent(:'p_wh', 'succeeded', 15000, 'pi_wh') || '{"currency": "usd"}')))) ->> 'status', 'failed',
  'an object that cannot be applied is recorded as failed, without an error');
select throws_ok($$ select public.apply_webhook_event('local', '{"type": "x"}') $$, 'HL635', null, 'an event without id: HL635');
reset role;
select results_eq($$ select event_id, status, duplicates from private.webhook_events where event_id in ('evt_1', 'evt_2', 'evt_3') order by event_id $$,
  $$ values ('evt_1'::text, 'applied'::text, 1), ('evt_2', 'ignored', 0), ('evt_3', 'failed', 0) $$, 'each event stored once');

------------------------------------------------------------------------------------------------
-- Row level security: parties read, nobody writes.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('pp_cust');
select ok((select count(*) from public.payments) >= 5, 'the customer reads their payments');
select is((select count(*)::int from public.payouts), 0, 'but not payouts');
select throws_ok(format($$ update public.payments set status = 'captured' where id = %L $$, :'p_wh'), '42501', null, 'nor writes a payment');
select tests.authenticate_as('pp_mgr');
select is((select count(*)::int from public.payments where booking_id = :'bb'), 1, 'the business''s manager reads its payment');
select is((select count(*)::int from public.payouts where payee_business_id = :'biz'), 1, 'and its payouts');
select tests.authenticate_as('pp_staff');
select is((select count(*)::int from public.payments where booking_id = :'bb'), 0, 'staff do not see the money');
select tests.authenticate_as('pp_other');
select is((select count(*)::int from public.payments), 0, 'strangers see no payment');
select is((select count(*)::int from public.payment_events), 0, 'nor timelines');
select tests.authenticate_as('pp_op');
select ok((select count(*) from public.payments) >= 5, 'operators (money.manage) read payments');
select tests.authenticate_as('pp_prov');
select ok((select payable + in_transit + paid_out from public.my_balance()) > 0, 'the provider reads their balance');
select throws_ok(format('select * from public.my_balance(%L)', :'biz'), 'HL634', null, 'not another business''s: HL634');
reset role;

update private.settings set value = '{"limit": 2, "window": "10 minutes"}' where key = 'rate_limit.payments';
select tests.authenticate_as('pp_other');
select public.prepare_payout_account('local') ->> 'provider';
select public.prepare_payout_account('local') ->> 'provider';
select throws_ok(format('select public.prepare_payout_account(%L)', 'local'), 'HL006', null,
  'the payment RPCs are rate-limited per user (rate_limit.payments): HL006');
reset role;

------------------------------------------------------------------------------------------------
-- Account deletion keeps the records, forgets the provider customer.
------------------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select public.record_payment_customer(:'cust', 'local', 'cus_local_1');
reset role;
select private.delete_account_payments(:'cust');
select ok(not exists (select 1 from private.payment_customers where profile_id = :'cust'), 'deletion forgets the provider customer');
select ok(exists (select 1 from public.payments where customer_id = :'cust'), 'and keeps the payments');
select tests.authenticate_as_service_role();
select is(public.ledger_check() ->> 'balanced', 'true', 'after everything the ledger balances and agrees with payments and payouts');
reset role;
select lives_ok('set constraints all immediate', 'every ledger transaction of this test balances (the deferred check runs now)');

select * from finish();
rollback;
