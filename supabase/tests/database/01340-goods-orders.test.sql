-- Module goods, orders: buying reserves stock (row lock, never negative, no double sale), the fee
-- breakdown from money, the process as data and every actor rule, stock back on cancel/expiry,
-- sold on payment of the last units, timers with a frozen clock, reads under RLS, the handler
-- registry, disputes and reviews of purchases through trust, suspension and account deletion.
begin;
select plan(64);

select tests.freeze_time('2030-07-01 08:00+00');

select tests.keep('cat', tests.create_category('go-lamps', kind => 'goods', names => '{"en": "Lamps", "ar": "مصابيح"}'));
select tests.keep('seller', tests.create_supabase_user('go_seller'));
select tests.keep('buyer', tests.create_supabase_user('go_buyer'));
select tests.keep('buyer2', tests.create_supabase_user('go_buyer2'));
select tests.keep('stranger', tests.create_supabase_user('go_stranger'));
select tests.keep('support', tests.create_supabase_user('go_support'));
insert into public.user_roles (user_id, role) values (tests.id('support'), 'support');
select tests.keep('mod', tests.create_supabase_user('go_mod'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator');

select tests.authenticate_as('go_seller');
select tests.keep('lamp', (public.create_product('Brass lamp', 15000, tests.id('cat'), 'good', 25.08, 55.14,
  p_neighbourhood => 'Dubai Marina')).id);
select tests.keep('cases', (public.create_product('Phone cases', 2500, tests.id('cat'), 'new', 25.08, 55.14,
  p_quantity => 3, p_feed => 'community')).id);

------------------------------------------------------------------------------------------------
-- Process as data
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select is((select count(*)::integer from public.order_states), 9, 'nine order states');
select set_eq($$ select distinct name from public.order_transitions $$,
  array['pay', 'cancel', 'expire', 'send', 'receive', 'complete', 'dispute', 'resolve'], 'the transitions');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-order-timers'), 'the order timers are scheduled');

------------------------------------------------------------------------------------------------
-- Buying
------------------------------------------------------------------------------------------------
select tests.authenticate_as('go_seller');
select throws_ok(format($$ select public.buy_product(%L) $$, tests.id('lamp')), 'HL846', null, 'the seller cannot buy their own product');
select tests.authenticate_as('go_buyer');
select throws_ok(format($$ select public.buy_product(%L, 0) $$, tests.id('lamp')), 'HL847', null, 'quantity 0: HL847');
select throws_ok(format($$ select public.buy_product(%L, 101) $$, tests.id('cases')), 'HL847', null, 'over goods.max_order_quantity: HL847');
select throws_ok(format($$ select public.buy_product(%L, 1, 'drone') $$, tests.id('lamp')), 'HL848', null, 'unknown fulfilment: HL848');
select throws_ok(format($$ select public.buy_product(%L, 1, 'delivery') $$, tests.id('lamp')), 'HL848', null, 'delivery without an address: HL848');
select throws_ok(format($$ select public.buy_product(%L, 4) $$, tests.id('cases')), 'HL845', null, 'more than the stock: HL845');
select throws_ok($$ select public.buy_product(gen_random_uuid()) $$, 'HL800', null, 'an unknown product: HL800');

select tests.keep('o1', (public.buy_product(tests.id('lamp'), 1, 'delivery', 'Marina Gate 1, apt 1203', p_note => 'after 6pm')).id);
select results_eq(
  format($$ select status, quantity, unit_price, subtotal, currency::text, trade_kind, fulfilment, reserved_until, seller_id
              from public.orders where id = %L $$, tests.id('o1')),
  format($$ values ('reserved', 1, 15000::bigint, 15000::bigint, 'AED', 'goods_discover', 'delivery',
                    '2030-07-01 08:30+00'::timestamptz, %L::uuid) $$, tests.id('seller')),
  'buy now: reserved at the listing price for goods.reservation_minutes, trade kind from the feed');
select ok((select customer_total = (breakdown ->> 'customer_total')::bigint
                  and seller_payout = (breakdown ->> 'provider_payout')::bigint
                  and customer_total = seller_payout + platform_revenue + tax
                  and seller_payout < subtotal
             from public.orders where id = tests.id('o1')), 'money''s breakdown is stored: total = payout + platform + tax, commission taken');
select results_eq(format($$ select available_quantity, status from public.products where id = %L $$, tests.id('lamp')),
  $$ values (0, 'reserved') $$, 'the single item is reserved');
select throws_ok(format($$ select public.buy_product(%L) $$, tests.id('lamp')), 'HL845', null, 'a second buyer finds nothing available (the same buyer too)');
select is((select count(*)::integer from public.order_events where order_id = tests.id('o1') and transition = 'reserve'), 1,
  'the reservation is on the timeline');
select tests.reset_authentication();
select is(tests.notification_count('go_seller', 'order.reserved', 'order_id', tests.id('o1')), 1, 'the seller is told');
select tests.authenticate_as('go_buyer');

select tests.keep('c1', (public.buy_product(tests.id('cases'), 2)).id);
select results_eq(format($$ select available_quantity, status from public.products where id = %L $$, tests.id('cases')),
  $$ values (1, 'available') $$, 'stock of 3, 2 reserved: 1 left, still available');
select is((select meetup_place from public.orders where id = tests.id('c1')), null, 'a meet-up without a place and no neighbourhood');

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
select tests.authenticate_as('go_stranger');
select is((select count(*)::integer from public.orders), 0, 'strangers read no orders');
select is((select count(*)::integer from public.order_events), 0, 'nor their timelines');
select throws_ok(format($$ select public.get_order(%L) $$, tests.id('o1')), 'HL840', null, 'get_order: HL840 for a stranger');
select throws_ok(format($$ select public.transition_order(%L, 'cancel') $$, tests.id('o1')), 'HL840', null, 'a stranger cannot act');
select tests.authenticate_as('go_seller');
select is((select count(*)::integer from public.orders), 2, 'the seller reads their sales');
select is((select count(*)::integer from public.list_my_orders('seller')), 2, 'list_my_orders as seller');
select is((select count(*)::integer from public.list_my_orders('buyer')), 0, 'and none as buyer');
select throws_ok($$ select public.list_my_orders('owner') $$, 'HL852', null, 'a bad role: HL852');
select is(public.get_order(tests.id('o1')) -> 'actions', '["cancel"]'::jsonb, 'the seller of a reservation can cancel it');
select tests.authenticate_as('go_buyer');
select is((select count(*)::integer from public.list_my_orders('buyer', p_limit => 1)), 1, 'keyset pages: limit');
select is((select count(*)::integer from public.list_my_orders('buyer', p_limit => 1,
  p_before_created_at => (select created_at from public.list_my_orders('buyer', p_limit => 1)),
  p_before_id => (select id from public.list_my_orders('buyer', p_limit => 1)))), 1,
  'keyset pages: the next page');
select is(public.get_order(tests.id('o1')) ->> 'my_role', 'buyer', 'get_order: my_role');
select tests.authenticate_as('go_support');
select is((select count(*)::integer from public.orders where seller_id = tests.id('seller')), 2, 'operators (orders.manage) read all');
select tests.authenticate_as('go_buyer');
select is(tests.error_of(format($$ update public.orders set status = 'completed' where id = %L $$, tests.id('o1'))) ->> 'sqlstate',
  '42501', 'clients cannot write orders');

------------------------------------------------------------------------------------------------
-- Actors and the process
------------------------------------------------------------------------------------------------
select throws_ok(format($$ select public.transition_order(%L, 'pay') $$, tests.id('o1')), 'HL843', null, 'the buyer cannot mark paid');
select throws_ok(format($$ select public.transition_order(%L, 'send') $$, tests.id('o1')), 'HL842', null, 'send before payment: HL842');
select throws_ok(format($$ select public.transition_order(%L, 'fly') $$, tests.id('o1')), 'HL841', null, 'unknown action: HL841');
select throws_ok(format($$ select public.transition_order(%L, 'dispute') $$, tests.id('o1')), 'HL853', null, 'disputes go through open_dispute');
select tests.authenticate_as_service_role();
select throws_ok(format($$ select public.transition_order(%L, 'pay') $$, tests.id('o1')), 'HL624', null,
  'pay needs the buyer''s authorised payment (HL624)');
select tests.authorize_subject_payment('go_buyer', 'order', tests.id('o1'));
select is((select status from public.orders where id = tests.id('o1')), 'paid', 'the buyer''s authorised payment marks it paid');
select results_eq(format($$ select available_quantity, status, sold_at is not null from public.products where id = %L $$, tests.id('lamp')),
  $$ values (0, 'sold', true) $$, 'the last unit paid: the product is sold');
select is((select paid_amount = customer_total from public.orders where id = tests.id('o1')), true, 'paid_amount is what the buyer pays');

-- A handler registered by a later module runs in the same transaction.
select tests.reset_authentication();
create function private.test_order_handler(p_order public.orders, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb)
returns void language plpgsql set search_path = '' as $$
begin
  perform set_config('tests.order_handler', p_transition || ':' || p_actor_role, true);
end; $$;
insert into private.order_transition_handlers (handler, position, module, to_states, description)
values ('private.test_order_handler(public.orders, text, text, text, jsonb)', 9999, 'tests', '{sent}', 'test');
select throws_ok($$ insert into private.order_transition_handlers (handler, position, module, description)
                    values ('private.now()', 9998, 'tests', 'bad') $$, null, null, 'the registry checks signatures');

select tests.authenticate_as('go_buyer');
select throws_ok(format($$ select public.transition_order(%L, 'send') $$, tests.id('o1')), 'HL843', null, 'the buyer cannot mark sent');
select tests.authenticate_as('go_seller');
select is((public.transition_order(tests.id('o1'), 'send')).status, 'sent', 'the seller marks it sent');
select is(current_setting('tests.order_handler', true), 'send:seller', 'the registered handler ran');
select tests.reset_authentication();
select is(tests.notification_count('go_buyer', 'order.sent', 'order_id', tests.id('o1')), 1, 'the buyer is told');

------------------------------------------------------------------------------------------------
-- Timers (frozen clock)
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
-- The timers act on every due order in the database (a seeded stack holds others): the checks
-- read this file's own orders.
select private.run_order_timers();
select results_eq(format($$ select status from public.orders where id in (%L, %L) order by status $$, tests.id('o1'), tests.id('c1')),
  $$ values ('reserved'), ('sent') $$, 'nothing of ours is due yet');
select tests.freeze_time('2030-07-01 08:31+00');
select ok((private.run_order_timers() ->> 'expired')::integer >= 1, 'the unpaid reservation expires after reserved_until');
select results_eq(format($$ select o.status, p.available_quantity, p.status from public.orders o join public.products p on p.id = o.product_id
                             where o.id = %L $$, tests.id('c1')),
  $$ values ('expired', 3, 'available') $$, 'its units are back');
select tests.freeze_time('2030-07-04 08:01+00');
select private.run_order_timers();
select is((select status from public.orders where id = tests.id('o1')), 'received', 'a sent order is received automatically after goods.auto_receive_hours');
select tests.freeze_time('2030-07-06 08:00+00');
select private.run_order_timers();
select is((select status from public.orders where id = tests.id('o1')), 'received', 'not completed inside the dispute window');

------------------------------------------------------------------------------------------------
-- Disputes and reviews through trust
------------------------------------------------------------------------------------------------
select tests.authenticate_as('go_buyer');
select is((public.open_dispute('purchase', tests.id('o1'), 'damage', 'Cracked shade')) ->> 'status', 'open', 'the buyer disputes the received order');
select is((select status from public.orders where id = tests.id('o1')), 'disputed', 'the order is disputed');
select tests.authenticate_as('go_support');
select is((public.resolve_dispute((select id from public.disputes where trade_kind = 'purchase' and trade_id = tests.id('o1')),
  'partial_refund', 5000, 'Partial refund for the shade')) ->> 'status', 'resolved', 'support resolves with a partial refund');
select results_eq(format($$ select status, refunded_amount from public.orders where id = %L $$, tests.id('o1')),
  $$ values ('resolved', 5000::bigint) $$, 'the order is resolved with the refund');
select is((select metadata ->> 'refund_amount' from public.order_events where order_id = tests.id('o1') and transition = 'resolve'), '5000',
  'the refund is in the resolve event for the payment handlers');
select tests.authenticate_as('go_buyer');
select is((select count(*)::integer from public.my_reviews_to_write() where trade_kind = 'purchase'), 1, 'the buyer has a purchase to review');
select tests.authenticate_as('go_seller');
select is((select reviewee_role from public.my_reviews_to_write() where trade_kind = 'purchase'), 'customer', 'the seller reviews the buyer');

------------------------------------------------------------------------------------------------
-- Cancelling, suspension, account deletion
------------------------------------------------------------------------------------------------
select tests.authenticate_as('go_buyer2');
select tests.keep('c2', (public.buy_product(tests.id('cases'), 1)).id);
select tests.authorize_subject_payment('go_buyer2', 'order', tests.id('c2'));
select tests.authenticate_as('go_buyer2');
select throws_ok(format($$ select public.transition_order(%L, 'cancel') $$, tests.id('c2')), 'HL850', null, 'cancelling a paid order needs a reason');
select is((public.transition_order(tests.id('c2'), 'cancel', 'Found one elsewhere')).refunded_amount,
  (select customer_total from public.orders where id = tests.id('c2')), 'cancel after payment: everything is refunded');
select is((select available_quantity from public.products where id = tests.id('cases')), 3, 'and the unit is back');

select tests.authenticate_as('go_mod');
select lives_ok(format($$ select public.suspend_user(%L, 'Fraud') $$, tests.id('buyer2')), 'the buyer is suspended');
select tests.authenticate_as('go_buyer2');
select throws_ok(format($$ select public.buy_product(%L) $$, tests.id('cases')), 'HL761', null, 'a suspended buyer cannot buy');

select tests.authenticate_as('go_stranger');
select tests.keep('c3', (public.buy_product(tests.id('cases'), 1, 'delivery', 'Somewhere 1')).id);
select lives_ok($$ select tests.delete_own_account('go_stranger') $$, 'a buyer with a reservation can delete their account');
select results_eq(format($$ select status, delivery_address from public.orders where id = %L $$, tests.id('c3')),
  $$ values ('cancelled', null::text) $$, 'the reservation is cancelled and the address erased');

select * from finish();
rollback;
