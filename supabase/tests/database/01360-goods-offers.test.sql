-- Module goods, offers: the conversation about a product (messaging's context registry), making
-- an offer and every refusal, turns and actor rules for counter/accept/decline/withdraw, accept
-- reserving at the offer's price, the offer messages and timeline, expiry with a frozen clock,
-- one live offer per buyer and product, closing on sold/withdrawn, lapsing with the order, RLS,
-- privileges, blocks, suspension and account deletion.
begin;
select plan(89);

select tests.freeze_time('2030-07-01 08:00+00');

select tests.keep('cat', tests.create_category('gof-lamps', kind => 'goods', names => '{"en": "Lamps", "ar": "مصابيح"}'));
select tests.keep('seller', tests.create_supabase_user('gof_seller'));
select tests.keep('buyer', tests.create_supabase_user('gof_buyer'));
select tests.keep('buyer2', tests.create_supabase_user('gof_buyer2'));
select tests.keep('buyer3', tests.create_supabase_user('gof_buyer3'));
select tests.keep('stranger', tests.create_supabase_user('gof_stranger'));
select tests.keep('mod', tests.create_supabase_user('gof_mod'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator');

select tests.authenticate_as('gof_seller');
select tests.keep('lamp', (public.create_product('Brass lamp', 15000, tests.id('cat'), 'good', 25.08, 55.14,
  p_neighbourhood => 'Dubai Marina')).id);
select tests.keep('cases', (public.create_product('Phone cases', 2500, tests.id('cat'), 'new', 25.08, 55.14,
  p_quantity => 3)).id);
select tests.keep('chair', (public.create_product('Chair', 9000, tests.id('cat'), 'fair', 25.08, 55.14)).id);
select tests.keep('rug', (public.create_product('Rug', 30000, tests.id('cat'), 'good', 25.08, 55.14)).id);

------------------------------------------------------------------------------------------------
-- Process as data, registries
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select is((select count(*)::integer from public.product_offer_states), 7, 'seven offer states');
select set_eq($$ select distinct name from public.product_offer_transitions $$,
  array['counter', 'accept', 'decline', 'withdraw', 'expire', 'close', 'lapse'], 'the transitions');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-offer-timers'), 'the offer timer is scheduled');
select is((select handler from private.conversation_contexts where kind = 'goods_listing'),
  'private.goods_listing_conversation_party(uuid,uuid)', 'goods registers the goods_listing conversation context');
select throws_ok($$ insert into private.conversation_contexts (kind, handler, module, description)
                    values ('thing', 'private.offer_price_text(bigint, text)', 'goods', 'x') $$,
  '23514', null, 'the registry refuses a handler with the wrong signature');
select throws_ok($$ insert into private.conversation_contexts (kind, handler, module, description)
                    values ('booking', 'private.goods_listing_conversation_party(uuid, uuid)', 'goods', 'x') $$,
  '23514', null, 'built-in kinds cannot be registered');

------------------------------------------------------------------------------------------------
-- The conversation about a product
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_seller');
select throws_ok(format($$ select public.start_conversation('goods_listing', %L) $$, tests.id('lamp')), 'HL516', null,
  'the seller cannot start a conversation about their own product');
select tests.authenticate_as('gof_buyer');
select tests.keep('conv', (public.start_conversation('goods_listing', tests.id('lamp'))).id);
select results_eq(format($$ select context_kind, context_id, created_by from public.conversations where id = %L $$, tests.id('conv')),
  format($$ values ('goods_listing', %L::uuid, %L::uuid) $$, tests.id('lamp'), tests.id('buyer')),
  'a buyer starts the conversation about a product');
select set_eq(format($$ select user_id from public.conversation_participants where conversation_id = %L $$, tests.id('conv')),
  format($$ values (%L::uuid), (%L::uuid) $$, tests.id('buyer'), tests.id('seller')), 'with the seller');
select throws_ok(format($$ select public.start_conversation('goods_listing', %L, %L) $$, tests.id('lamp'), tests.id('buyer2')),
  'HL504', null, 'p_other_user_id must be the seller');
select tests.authenticate_as('gof_seller');
select public.withdraw_product(tests.id('rug'));
select tests.authenticate_as('gof_buyer');
select throws_ok(format($$ select public.start_conversation('goods_listing', %L) $$, tests.id('rug')), 'HL503', null,
  'a withdrawn product takes no new conversations');

------------------------------------------------------------------------------------------------
-- Making an offer
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_seller');
select throws_ok(format($$ select public.make_product_offer(%L, 10000) $$, tests.id('lamp')), 'HL827', null,
  'not on one''s own product');
select tests.authenticate_as('gof_buyer');
select throws_ok(format($$ select public.make_product_offer(%L, 0) $$, tests.id('lamp')), 'HL825', null, 'amount 0: HL825');
select throws_ok(format($$ select public.make_product_offer(%L, 15001) $$, tests.id('lamp')), 'HL825', null,
  'above the listing price: HL825');
select throws_ok(format($$ select public.make_product_offer(%L, 2000, 4) $$, tests.id('cases')), 'HL826', null,
  'more units than available: HL826');
select throws_ok(format($$ select public.make_product_offer(%L, 2000, 0) $$, tests.id('cases')), 'HL826', null, 'quantity 0: HL826');
select throws_ok(format($$ select public.make_product_offer(%L, 10000, 1, null, 'delivery') $$, tests.id('lamp')), 'HL848', null,
  'delivery without an address: HL848');
select throws_ok($$ select public.make_product_offer(gen_random_uuid(), 100) $$, 'HL800', null, 'an unknown product: HL800');
select throws_ok(format($$ select public.make_product_offer(%L, 100) $$, tests.id('rug')), 'HL800', null, 'a withdrawn product: HL800');

select tests.keep('o1', (public.make_product_offer(tests.id('lamp'), 10000, 1, 'Would you take 100?')).id);
select results_eq(
  format($$ select status, turn, amount, currency::text, quantity, conversation_id, seller_id, expires_at, counter_count
              from public.product_offers where id = %L $$, tests.id('o1')),
  format($$ values ('pending', 'seller', 10000::bigint, 'AED', 1, %L::uuid, %L::uuid, '2030-07-03 08:00+00'::timestamptz, 0) $$,
         tests.id('conv'), tests.id('seller')),
  'the offer waits for the seller for goods.offer_hours, in the product''s conversation');
select results_eq(
  format($$ select kind, author_id, body, payload ->> 'event', payload ->> 'offer_id', (payload ->> 'amount')::bigint,
                   payload ->> 'currency', payload ->> 'turn'
              from public.messages where conversation_id = %L order by id desc limit 1 $$, tests.id('conv')),
  format($$ values ('offer', %L::uuid, 'Would you take 100?', 'product_offer.make', %L, 10000::bigint, 'AED', 'seller') $$,
         tests.id('buyer'), tests.id('o1')),
  'an offer message by the buyer carries the offer (id, amount, currency, turn) and the note');
select throws_ok(format($$ select public.make_product_offer(%L, 11000) $$, tests.id('lamp')), 'HL829', null,
  'one live offer per buyer and product');
select tests.reset_authentication();
select is(tests.notification_count('gof_seller', 'product_offer.received', 'offer_id', tests.id('o1')), 1, 'the seller is told');
select is((select payload ->> 'price' from public.notifications
            where user_id = tests.id('seller') and kind = 'product_offer.received'), '100.00', 'with the price in major units');
select results_eq(format($$ select action, from_state, to_state, actor_role, amount, message_id is not null
                              from public.product_offer_events where offer_id = %L $$, tests.id('o1')),
  $$ values ('make', null::text, 'pending', 'buyer', 10000::bigint, true) $$, 'the make event links its message');

------------------------------------------------------------------------------------------------
-- Turns and actors
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_buyer');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'accept') $$, tests.id('o1')), 'HL823', null,
  'the buyer cannot accept their own proposal');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'counter', 11000) $$, tests.id('o1')), 'HL823', null,
  'nor counter it');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'expire') $$, tests.id('o1')), 'HL824', null,
  'expire is the system''s');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'haggle') $$, tests.id('o1')), 'HL821', null,
  'an unknown action: HL821');
select tests.authenticate_as('gof_stranger');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'decline') $$, tests.id('o1')), 'HL820', null,
  'a stranger: HL820');
select tests.authenticate_as('gof_seller');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'withdraw') $$, tests.id('o1')), 'HL823', null,
  'the seller cannot withdraw the buyer''s proposal');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'counter') $$, tests.id('o1')), 'HL825', null,
  'a counter needs an amount');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'counter', 15001) $$, tests.id('o1')), 'HL825', null,
  'a counter above the listing price: HL825');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'decline', 100) $$, tests.id('o1')), 'HL825', null,
  'only counter takes an amount');
select tests.freeze_time('2030-07-01 09:00+00');
select results_eq(format($$ select status, turn, amount, counter_count, expires_at
                              from public.respond_to_product_offer(%L, 'counter', 13000, 'Make it 130') $$, tests.id('o1')),
  $$ values ('pending', 'buyer', 13000::bigint, 1, '2030-07-03 09:00+00'::timestamptz) $$,
  'the seller counters: new amount, the turn passes to the buyer, a new deadline');
select results_eq(format($$ select kind, author_id, payload ->> 'action', (payload ->> 'amount')::bigint
                              from public.messages where conversation_id = %L order by id desc limit 1 $$, tests.id('conv')),
  format($$ values ('offer', %L::uuid, 'counter', 13000::bigint) $$, tests.id('seller')), 'the counter is the seller''s offer message');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'accept') $$, tests.id('o1')), 'HL823', null,
  'the seller cannot accept their own counter');
select tests.reset_authentication();
select is(tests.notification_count('gof_buyer', 'product_offer.countered', 'offer_id', tests.id('o1')), 1, 'the buyer is told');
select tests.authenticate_as('gof_buyer');
select is((public.respond_to_product_offer(tests.id('o1'), 'counter', 12000)).turn, 'seller', 'the buyer counters back');

------------------------------------------------------------------------------------------------
-- Accept: the reservation at the offer's price
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_buyer2');
select tests.keep('o2', (public.make_product_offer(tests.id('lamp'), 9000)).id);
select tests.authenticate_as('gof_seller');
select tests.keep('order1', (public.respond_to_product_offer(tests.id('o1'), 'accept', p_message => 'Deal')).order_id);
select results_eq(format($$ select status, turn, order_id from public.product_offers where id = %L $$, tests.id('o1')),
  format($$ values ('accepted', null::text, %L::uuid) $$, tests.id('order1')), 'the offer is accepted with its order');
select results_eq(format($$ select status, buyer_id, unit_price, subtotal, offer_id, fulfilment, meetup_place
                              from public.orders where id = %L $$, tests.id('order1')),
  format($$ values ('reserved', %L::uuid, 12000::bigint, 12000::bigint, %L::uuid, 'meetup', 'Dubai Marina') $$,
         tests.id('buyer'), tests.id('o1')),
  'the order is reserved for the buyer at the offer''s price, linked to the offer');
select results_eq(format($$ select available_quantity, status from public.products where id = %L $$, tests.id('lamp')),
  $$ values (0, 'reserved') $$, 'the single item is reserved');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'accept') $$, tests.id('o2')), 'HL845', null,
  'a second acceptance on a single item: HL845 (orders'' insufficient stock)');
select is((select status from public.product_offers where id = tests.id('o2')), 'pending', 'and that offer stays pending');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'decline') $$, tests.id('o1')), 'HL822', null,
  'an accepted offer takes no more moves');
select tests.reset_authentication();
select is(tests.notification_count('gof_buyer', 'product_offer.accepted', 'offer_id', tests.id('o1')), 1, 'the buyer is told');
select is((select count(*)::integer from public.product_offer_events where offer_id = tests.id('o1')), 4,
  'make, counter, counter, accept on the timeline');

-- The order is paid: the product is sold and the other pending offer closes.
select tests.authorize_subject_payment('gof_buyer', 'order', tests.id('order1'));
select is((select status from public.orders where id = tests.id('order1')), 'paid', 'the buyer''s authorised payment: the order is paid');
select tests.reset_authentication();
select results_eq(format($$ select status, closed_reason, turn from public.product_offers where id = %L $$, tests.id('o2')),
  $$ values ('closed', 'sold', null::text) $$, 'a sold product closes its pending offers');
select results_eq(format($$ select kind, payload ->> 'event', payload ->> 'reason' from public.messages m
                              where m.payload ->> 'offer_id' = %L order by id desc limit 1 $$, tests.id('o2')),
  $$ values ('system', 'product_offer.close', 'sold') $$, 'with a system message in that buyer''s conversation');
select tests.authenticate_as('gof_buyer3');
select throws_ok(format($$ select public.make_product_offer(%L, 9000) $$, tests.id('lamp')), 'HL828', null,
  'a sold product takes no offers');

------------------------------------------------------------------------------------------------
-- Decline, withdraw, a new offer after one ended
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_buyer');
select tests.keep('o3', (public.make_product_offer(tests.id('cases'), 2000, 2)).id);
select is((public.respond_to_product_offer(tests.id('o3'), 'withdraw')).status, 'withdrawn', 'the buyer withdraws their proposal');
select tests.keep('o4', (public.make_product_offer(tests.id('cases'), 2100, 2)).id);
select ok(tests.id('o4') <> tests.id('o3'), 'a new offer once the last one ended');
select tests.authenticate_as('gof_seller');
select is((public.respond_to_product_offer(tests.id('o4'), 'decline', p_message => 'Too low')).status, 'declined',
  'the seller declines');
select tests.reset_authentication();
select is(tests.notification_count('gof_buyer', 'product_offer.declined', 'offer_id', tests.id('o4')), 1, 'the buyer is told');

------------------------------------------------------------------------------------------------
-- Expiry with a frozen clock
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_buyer2');
select tests.keep('o5', (public.make_product_offer(tests.id('cases'), 2200, 1)).id);
select tests.reset_authentication();
select private.run_offer_timers();
select is((select status from public.product_offers where id = tests.id('o5')), 'pending', 'not due yet: the timer leaves it');
select throws_ok(format($$ select private.apply_offer_transition(%L, 'expire', 'system', null) $$, tests.id('o5')), 'HL832', null,
  'the system cannot expire it early');
select tests.freeze_time('2030-07-03 09:00+00');
select tests.authenticate_as('gof_seller');
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'accept') $$, tests.id('o5')), 'HL830', null,
  'past expires_at no side can move, even before the timer runs');
select tests.reset_authentication();
select cmp_ok(((private.run_offer_timers()) ->> 'expired')::integer, '>=', 1, 'the timer expires it');
select results_eq(format($$ select status, closed_reason from public.product_offers where id = %L $$, tests.id('o5')),
  $$ values ('expired', 'expired') $$, 'expired');
select is(tests.notification_count('gof_buyer2', 'product_offer.expired', 'offer_id', tests.id('o5'))
          + tests.notification_count('gof_seller', 'product_offer.expired', 'offer_id', tests.id('o5')), 2, 'both sides are told');
select results_eq(format($$ select action, actor_role, actor_id from public.product_offer_events
                             where offer_id = %L order by id desc limit 1 $$, tests.id('o5')),
  $$ values ('expire', 'system', null::uuid) $$, 'the system''s step on the timeline');

------------------------------------------------------------------------------------------------
-- The order of an accepted offer expires: the offer lapses, the units come back
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_buyer2');
select tests.keep('o6', (public.make_product_offer(tests.id('cases'), 2300, 2)).id);
select tests.authenticate_as('gof_seller');
select tests.keep('order6', (public.respond_to_product_offer(tests.id('o6'), 'accept')).order_id);
select is((select available_quantity from public.products where id = tests.id('cases')), 1, 'two of three units reserved');
select tests.freeze_time('2030-07-03 09:31+00');
select tests.reset_authentication();
select private.run_order_timers();
select is((select status from public.orders where id = tests.id('order6')), 'expired', 'the unpaid reservation expires');
select results_eq(format($$ select status, closed_reason, order_id from public.product_offers where id = %L $$, tests.id('o6')),
  format($$ values ('lapsed', 'order_expired', %L::uuid) $$, tests.id('order6')), 'the accepted offer lapses');
select is((select available_quantity from public.products where id = tests.id('cases')), 3, 'the units are back');

------------------------------------------------------------------------------------------------
-- Withdrawing a product closes its offers
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_buyer3');
select tests.keep('o7', (public.make_product_offer(tests.id('chair'), 8000)).id);
select tests.authenticate_as('gof_seller');
select public.withdraw_product(tests.id('chair'));
select tests.reset_authentication();
select results_eq(format($$ select status, closed_reason from public.product_offers where id = %L $$, tests.id('o7')),
  $$ values ('closed', 'withdrawn') $$, 'a withdrawn product closes its pending offers');

------------------------------------------------------------------------------------------------
-- Reading (RLS), listing
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_stranger');
select is((select count(*)::integer from public.product_offers), 0, 'strangers read no offers');
select is((select count(*)::integer from public.product_offer_events), 0, 'nor their timelines');
select tests.authenticate_as('gof_buyer2');
select set_eq($$ select id from public.product_offers $$,
  format($$ values (%L::uuid), (%L::uuid), (%L::uuid) $$, tests.id('o2'), tests.id('o5'), tests.id('o6')),
  'a buyer reads their own offers only');
select is((select count(*)::integer from public.list_product_offers(tests.id('cases'))), 2,
  'list_product_offers on a product: a buyer gets theirs');
select tests.authenticate_as('gof_seller');
select is((select count(*)::integer from public.product_offers), 7, 'the seller reads every offer on their products');
select is((select count(*)::integer from public.list_product_offers(tests.id('cases'))), 4, 'the seller lists all of a product''s');
select is((select count(*)::integer from public.list_product_offers(p_role => 'seller', p_status => 'closed')), 2,
  'filtered by state');
select is((select count(*)::integer from public.list_product_offers(p_role => 'seller', p_limit => 3)), 3, 'a first page');
select is((select count(*)::integer
             from (select * from public.list_product_offers(p_role => 'seller', p_limit => 3) offset 2) last_row,
                  lateral public.list_product_offers(p_role => 'seller', p_limit => 100,
                                                     p_before_created_at => last_row.created_at, p_before_id => last_row.id)), 4,
  'the next page from the last row (keyset)');
select throws_ok($$ select public.list_product_offers() $$, 'HL831', null, 'a role or a product is needed');
select throws_ok($$ select public.list_product_offers(p_role => 'seller', p_status => 'lost') $$, 'HL831', null, 'unknown state');

------------------------------------------------------------------------------------------------
-- Privileges: clients write nothing
------------------------------------------------------------------------------------------------
select throws_ok(format($$ update public.product_offers set amount = 1 where id = %L $$, tests.id('o1')), '42501', null,
  'the seller cannot write an offer');
select tests.authenticate_as('gof_buyer');
select throws_ok(format($$ insert into public.product_offers (product_id, buyer_id, seller_id, conversation_id, amount, currency,
                                                              expires_at, status_changed_at)
                            values (%L, %L, %L, %L, 1, 'AED', now(), now()) $$,
                        tests.id('cases'), tests.id('buyer'), tests.id('seller'), tests.id('conv')), '42501', null,
  'nor can a buyer insert one');
select throws_ok($$ insert into public.product_offer_events (offer_id, action, to_state, actor_role, amount)
                   select id, 'accept', 'accepted', 'buyer', 1 from public.product_offers limit 1 $$, '42501', null,
  'nor write the timeline');
select tests.clear_authentication();
select throws_ok(format($$ select public.make_product_offer(%L, 100) $$, tests.id('cases')), '42501', null,
  'anon cannot make offers');
select is((select count(*)::integer from public.product_offer_states), 7, 'anon reads the process');

------------------------------------------------------------------------------------------------
-- Blocks, suspension, account deletion
------------------------------------------------------------------------------------------------
select tests.authenticate_as('gof_seller');
select public.block_user(tests.id('buyer3'));
select tests.authenticate_as('gof_buyer3');
select throws_ok(format($$ select public.make_product_offer(%L, 2000) $$, tests.id('cases')), 'HL507', null,
  'a buyer the seller blocked cannot make offers');
select tests.authenticate_as('gof_seller');
select public.unblock_user(tests.id('buyer3'));
select tests.authenticate_as('gof_buyer3');
select tests.keep('o8', (public.make_product_offer(tests.id('cases'), 2000)).id);
select tests.authenticate_as('gof_seller');
select public.block_user(tests.id('buyer3'));
select throws_ok(format($$ select public.respond_to_product_offer(%L, 'counter', 2400) $$, tests.id('o8')), 'HL508', null,
  'no moves across a block');
select public.unblock_user(tests.id('buyer3'));

select tests.authenticate_as('gof_mod');
select lives_ok(format($$ select public.suspend_user(%L, 'Fraud') $$, tests.id('buyer2')), 'a buyer is suspended');
select tests.authenticate_as('gof_buyer2');
select throws_ok(format($$ select public.make_product_offer(%L, 2000) $$, tests.id('cases')), 'HL761', null,
  'a suspended buyer cannot make offers');

select lives_ok($$ select tests.delete_own_account('gof_buyer3') $$, 'a buyer with a pending offer deletes their account');
select tests.reset_authentication();
select results_eq(format($$ select status, closed_reason from public.product_offers where id = %L $$, tests.id('o8')),
  $$ values ('closed', 'account_deleted') $$, 'their pending offer is closed');

select * from finish();
rollback;
