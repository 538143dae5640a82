-- Module goods, orders paid through money: the subject kind order (prepare handler refusals, the
-- payment of the order's breakdown to the seller), authorisation -> pay -> capture in escrow,
-- completion -> release (payout held until the seller can be paid, then sent), declines leave the
-- reservation, a pending payment is canceled when the reservation expires, cancellation before
-- and after the capture (void, refund), a lost hold cancels a paid order, disputes resolved with
-- refunds (captured, and capture still queued), RLS on the order's payment, notifications, and
-- the ledger balanced (money's ledger_check) after every path.
begin;
select plan(58);

select tests.freeze_time('2030-08-01 08:00+00');

select tests.keep('cat', tests.create_category('gp-bikes', kind => 'goods', names => '{"en": "Bikes", "ar": "دراجات"}'));
select tests.keep('seller', tests.create_supabase_user('gp_seller'));
select tests.keep('buyer', tests.create_supabase_user('gp_buyer'));
select tests.keep('stranger', tests.create_supabase_user('gp_stranger'));
select tests.keep('support', tests.create_supabase_user('gp_support'));
insert into public.user_roles (user_id, role) values (tests.id('support'), 'support');

select tests.authenticate_as('gp_seller');
select tests.keep('bikes', (public.create_product('City bike', 40000, tests.id('cat'), 'good', 25.08, 55.14,
  p_quantity => 20)).id);

-- The ledger's invariants (money's check), as the service role.
create function pg_temp.balanced() returns boolean language plpgsql as $$
declare v_saved jsonb := tests.current_authentication(); v_ok boolean;
begin
  perform tests.authenticate_as_service_role();
  v_ok := (public.ledger_check() ->> 'balanced')::boolean;
  perform tests.restore_authentication(v_saved);
  return v_ok;
end $$;
create function pg_temp.pay_of(p_order uuid) returns public.payments language sql as $$
  select * from public.payments where subject_kind = 'order' and subject_id = p_order and kind = 'order' $$;
create function pg_temp.buy(p_quantity integer default 1) returns uuid language plpgsql as $$
declare v_saved jsonb := tests.current_authentication(); v_id uuid;
begin
  perform tests.authenticate_as('gp_buyer');
  v_id := (public.buy_product(tests.id('bikes'), p_quantity)).id;
  perform tests.restore_authentication(v_saved);
  return v_id;
end $$;

------------------------------------------------------------------------------------------------
-- The subject kind and the prepare handler's refusals
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select is((select prepare_handler from private.payment_subjects where kind = 'order'),
  'private.prepare_order_payment(uuid,uuid,text,text)', 'goods registers the payment subject order with a prepare handler');
select ok(exists (select 1 from private.order_transition_handlers where handler like 'private.order_payment_after_transition%'),
  'and its order transition handler');

select tests.keep('o1', pg_temp.buy(2));
select tests.authenticate_as('gp_stranger');
select throws_ok(format($$ select public.prepare_subject_payment('order', %L, 'local', 'pm_card_visa') $$, tests.id('o1')),
  'HL840', null, 'a stranger cannot pay (or see) the order');
select tests.authenticate_as('gp_seller');
select throws_ok(format($$ select public.prepare_subject_payment('order', %L, 'local', 'pm_card_visa') $$, tests.id('o1')),
  'HL843', null, 'the seller cannot pay their own sale');
select tests.authenticate_as_service_role();
select throws_ok(format($$ select public.transition_order(%L, 'pay') $$, tests.id('o1')), 'HL624', null,
  'the system cannot mark an order paid without an authorised payment');

------------------------------------------------------------------------------------------------
-- Authorised -> paid -> captured -> sent -> received -> completed -> released
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select tests.keep('p1', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o1')));
select results_eq(format($$ select p.customer_id, p.payee_profile_id, p.amount, p.currency::text, p.capture_method,
                                   p.authorization_due_at, p.description like 'Order GO-%% 2 x City bike'
                              from public.payments p where p.id = %L $$, tests.id('p1')),
  format($$ select buyer_id, seller_id, customer_total, currency::text, 'manual', reserved_until, true
              from public.orders where id = %L $$, tests.id('o1')),
  'the payment: buyer to seller, the order''s customer total, manual capture, due by the end of the reservation');
select is((select (p.breakdown ->> 'provider_payout')::bigint = o.seller_payout and p.breakdown ->> 'trade_kind' = 'goods_discover'
             from public.payments p join public.orders o on o.id = p.subject_id where p.id = tests.id('p1')), true,
  'with the order''s fee breakdown and trade kind');
select results_eq(format($$ select status, paid_amount = customer_total from public.orders where id = %L $$, tests.id('o1')),
  $$ values ('paid', true) $$, 'the authorisation takes the order''s pay transition');
select is((select operation from private.payment_operations where payment_id = tests.id('p1') and status = 'pending'), 'capture',
  'and queues the capture at once');
select is(tests.notification_count('gp_seller', 'order.paid', 'order_id', tests.id('o1')), 1, 'the seller hears it is paid');

select tests.authenticate_as('gp_buyer');
select is((public.prepare_subject_payment('order', tests.id('o1'), 'local', 'pm_card_visa')) ->> 'payment_id', tests.id('p1')::text,
  'paying again answers the same payment');
select is((select count(*)::integer from public.payments where id = tests.id('p1')), 1, 'the buyer reads the order''s payment');
select tests.authenticate_as('gp_seller');
select is((select count(*)::integer from public.payments where id = tests.id('p1')), 1, 'the seller reads it');
select tests.authenticate_as('gp_stranger');
select is((select count(*)::integer from public.payments where id = tests.id('p1')), 0, 'a stranger does not');

select tests.reset_authentication();
select is(tests.run_payment_worker(), 1, 'the worker captures');
select results_eq(format($$ select status, amount_captured = amount from public.payments where id = %L $$, tests.id('p1')),
  $$ values ('captured', true) $$, 'the money is in escrow');
select ok(pg_temp.balanced(), 'the ledger balances after the capture');

select tests.authenticate_as('gp_seller');
select is((public.transition_order(tests.id('o1'), 'send')).status, 'sent', 'the seller sends');
select tests.authenticate_as('gp_buyer');
select is((public.transition_order(tests.id('o1'), 'receive')).status, 'received', 'the buyer receives');
select tests.reset_authentication();
select is((pg_temp.pay_of(tests.id('o1'))).released_at, null, 'nothing is released inside the dispute window');
select tests.freeze_time('2030-08-03 08:01+00');
select private.run_order_timers();
select is((select status from public.orders where id = tests.id('o1')), 'completed', 'the timer completes the order after the dispute window');
select ok((pg_temp.pay_of(tests.id('o1'))).released_at is not null, 'completion releases the escrow');
select results_eq(format($$ select po.amount, po.status, po.held_reason from public.payouts po where po.payment_id = %L $$, tests.id('p1')),
  format($$ select seller_payout, 'held', 'payee_not_verified' from public.orders where id = %L $$, tests.id('o1')),
  'the seller''s payout (the order''s seller payout) is held until the seller is verified');
select tests.authenticate_as('gp_seller');
select is((select payable from public.my_balance() where currency = 'AED'),
  (select seller_payout from public.orders where id = tests.id('o1')), 'the seller sees it payable');
select tests.reset_authentication();
select is(tests.notification_count('gp_seller', 'order.payout_released', 'order_id', tests.id('o1')), 1, 'and is told');
select ok(pg_temp.balanced(), 'the ledger balances after the release');
select tests.enable_payouts('gp_seller');
select is(tests.run_payment_worker(), 1, 'a verified seller with a payouts account: the transfer is sent');
select is((select status from public.payouts where payment_id = tests.id('p1')), 'paid', 'and paid');
select ok(pg_temp.balanced(), 'the ledger balances after the payout');

------------------------------------------------------------------------------------------------
-- Declined: the order stays reserved; a retry pays it. A pending payment is canceled at expiry.
------------------------------------------------------------------------------------------------
select tests.keep('o2', pg_temp.buy());
select tests.keep('p2', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o2'), 'requires_payment_method'));
select results_eq(format($$ select o.status, p.status from public.orders o join public.payments p on p.subject_id = o.id where o.id = %L $$,
                         tests.id('o2')),
  $$ values ('reserved', 'failed') $$, 'a declined payment leaves the order reserved');
select is(tests.notification_count('gp_buyer', 'order.payment_failed', 'order_id', tests.id('o2')), 1, 'the buyer is told to try again');
select is(tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o2')), tests.id('p2'), 'the retry reuses the payment');
select results_eq(format($$ select o.status, p.status, p.attempt from public.orders o join public.payments p on p.subject_id = o.id
                             where o.id = %L $$, tests.id('o2')),
  $$ values ('paid', 'authorized', 2) $$, 'and pays the order');

select tests.keep('o3', pg_temp.buy());
select tests.keep('p3', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o3'), 'requires_action'));
select tests.freeze_time('2030-08-03 08:32+00');
select tests.authenticate_as('gp_buyer');
select throws_ok(format($$ select public.prepare_subject_payment('order', %L, 'local', 'pm_card_visa') $$, tests.id('o3')),
  'HL859', null, 'the reservation ran out: HL859');
select tests.reset_authentication();
select ok((private.run_order_timers() ->> 'expired')::integer >= 1, 'the reservation timer expires it');
select results_eq(format($$ select o.status, p.status from public.orders o join public.payments p on p.subject_id = o.id where o.id = %L $$,
                         tests.id('o3')),
  $$ values ('expired', 'canceled') $$, 'its unfinished payment is canceled (and the intent voided)');
select tests.authenticate_as('gp_buyer');
select throws_ok(format($$ select public.prepare_subject_payment('order', %L, 'local', 'pm_card_visa') $$, tests.id('o3')),
  'HL858', null, 'an expired order takes no payment: HL858');

------------------------------------------------------------------------------------------------
-- Cancelled from paid: before the capture landed (void), after it (refund of everything)
------------------------------------------------------------------------------------------------
select results_eq(format($$ select status, refunded_amount = paid_amount
                              from public.transition_order(%L, 'cancel', 'Changed my mind') $$, tests.id('o2')),
  $$ values ('cancelled', true) $$, 'the buyer cancels a paid order');
select tests.reset_authentication();
select is((select array_agg(operation::text order by id) from private.payment_operations
            where payment_id = tests.id('p2') and status = 'pending'), '{cancel}',
  'the queued capture is dropped and the hold voided');
select tests.run_payment_worker();
select is((pg_temp.pay_of(tests.id('o2'))).status, 'canceled', 'the payment is voided: nothing was taken');

select tests.keep('o4', pg_temp.buy());
select tests.keep('p4', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o4')));
select tests.run_payment_worker();
select tests.authenticate_as('gp_seller');
select is((public.transition_order(tests.id('o4'), 'cancel', 'Sold out in the shop')).status, 'cancelled', 'the seller cancels after capture');
select tests.reset_authentication();
select is((select count(*)::integer from public.payment_refunds where payment_id = tests.id('p4') and reason = 'cancellation'
             and amount = (select customer_total from public.orders where id = tests.id('o4'))), 1,
  'everything captured is refunded');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_refunded = amount_captured from public.payments where id = %L $$, tests.id('p4')),
  $$ values ('refunded', true) $$, 'the refund succeeded');
select is(tests.notification_count('gp_buyer', 'order.refunded', 'order_id', tests.id('o4')), 1, 'the buyer hears of the refund');
select ok(pg_temp.balanced(), 'the ledger balances after the cancellations');

------------------------------------------------------------------------------------------------
-- The hold lost before the capture: the paid order is cancelled as the system
------------------------------------------------------------------------------------------------
select tests.keep('o5', pg_temp.buy());
select tests.keep('p5', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o5')));
select tests.run_payment_worker(fail => '{capture}');
select results_eq(format($$ select status, cancelled_by, cancel_reason from public.orders where id = %L $$, tests.id('o5')),
  $$ values ('cancelled', 'system', 'payment_failed') $$, 'a failed capture cancels the paid order');
select tests.run_payment_worker();
select is((pg_temp.pay_of(tests.id('o5'))).status, 'canceled', 'and the hold is voided');

------------------------------------------------------------------------------------------------
-- Disputes resolved with refunds: captured (refund, then release of the rest); capture queued
------------------------------------------------------------------------------------------------
select tests.keep('o6', pg_temp.buy());
select tests.keep('p6', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o6')));
select tests.run_payment_worker();
select tests.authenticate_as('gp_seller');
select public.transition_order(tests.id('o6'), 'send');
select tests.authenticate_as('gp_buyer');
select is((public.open_dispute('purchase', tests.id('o6'), 'damage', 'Bent wheel')) ->> 'status', 'open', 'the buyer disputes');
select tests.authenticate_as('gp_support');
select is((public.resolve_dispute((select id from public.disputes where trade_kind = 'purchase' and trade_id = tests.id('o6')),
  'partial_refund', 10000, 'Wheel repair')) ->> 'status', 'resolved', 'support resolves with a partial refund');
select tests.reset_authentication();
select results_eq(format($$ select amount, reason, status from public.payment_refunds where payment_id = %L $$, tests.id('p6')),
  $$ values (10000::bigint, 'dispute_resolution', 'pending') $$, 'the refund is requested');
select is((pg_temp.pay_of(tests.id('o6'))).released_at, null, 'the release waits for the refund');
select tests.run_payment_worker();
select results_eq(format($$ select p.status, p.amount_refunded, p.released_at is not null from public.payments p where p.id = %L $$, tests.id('p6')),
  $$ values ('partially_refunded', 10000::bigint, true) $$, 'refunded, then the rest released to the seller');
select ok((select amount from public.payouts where payment_id = tests.id('p6'))
          < (select seller_payout from public.orders where id = tests.id('o6')), 'the seller''s payout bears its share of the refund');
select ok(pg_temp.balanced(), 'the ledger balances after the resolution');

select tests.keep('o7', pg_temp.buy());
select tests.keep('p7', tests.authorize_subject_payment('gp_buyer', 'order', tests.id('o7')));
select tests.authenticate_as('gp_seller');
select public.transition_order(tests.id('o7'), 'send');
select tests.authenticate_as('gp_buyer');
select public.open_dispute('purchase', tests.id('o7'), 'not_performed', 'Never came');
select tests.authenticate_as('gp_support');
select public.resolve_dispute((select id from public.disputes where trade_kind = 'purchase' and trade_id = tests.id('o7')),
  'full_refund', (select customer_total from public.orders where id = tests.id('o7')), 'Lost in transit');
select tests.reset_authentication();
select is((pg_temp.pay_of(tests.id('o7'))).status, 'authorized', 'resolved before the capture landed: the settlement waits for it');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_refunded = amount_captured, released_at is not null from public.payments where id = %L $$,
                         tests.id('p7')),
  $$ values ('refunded', true, true) $$, 'then the capture, the full refund and the (empty) release');
select is((select count(*)::integer from public.payouts where payment_id = tests.id('p7')), 0, 'a full refund pays the seller nothing');
select ok(pg_temp.balanced(), 'the ledger balances at the end');

select * from finish();
rollback;
