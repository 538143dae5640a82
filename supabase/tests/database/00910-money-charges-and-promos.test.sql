-- Module money: the breakdown each booking stores (service and job bookings, snapshot across
-- schedule changes), who reads it, promo codes (every refusal, per-user and global limits, the
-- platform-funded cap), cancellation amounts (free vs late) and quote_context's checks.
begin;
select plan(65);

select tests.create_supabase_user(u)
  from unnest(array['mc_admin', 'mc_cust', 'mc_cust2', 'mc_prov', 'mc_mgr', 'mc_staff', 'mc_stranger', 'mc_op', 'mc_jobpro']) u;
select tests.get_supabase_uid('mc_admin') as admin, tests.get_supabase_uid('mc_cust') as cust,
       tests.get_supabase_uid('mc_prov') as prov \gset
insert into public.user_roles (user_id, role) values (:'admin', 'admin'), (tests.get_supabase_uid('mc_op'), 'support');
select tests.create_category('mc-cleaning') as cleaning \gset
select tests.create_business('mc_prov', 'Sparkle Co', managers => array['mc_mgr'], staff => array['mc_staff'],
                             id => 'b0000000-0000-4000-8000-0000000009a1');
select tests.create_provider('mc_prov', 25.20, 55.27, category => :'cleaning',
                             profile => '{"business_id": "b0000000-0000-4000-8000-0000000009a1"}',
                             listing => '{"pricing_unit": "fixed", "base_price": 15000}');
select tests.create_provider('mc_jobpro', 25.21, 55.28);
select tests.listing_id('mc_prov service') as listing \gset
select id as default_service from public.fee_schedules where trade_kind = 'service_booking' and currency = 'AED' and note = 'default' \gset
select tests.freeze_time('2030-06-01 12:00+00');

------------------------------------------------------------------------------------------------
-- Each booking stores its breakdown.
------------------------------------------------------------------------------------------------
select tests.create_booking('mc_cust', 'mc_prov', 'accepted', listing => :'listing', not_before => '2030-07-01 10:00+00') as b1 \gset
select is((select (schedule_id, trade_kind, currency, price, customer_total, provider_payout, platform_revenue, tax)::text
             from public.booking_charges where booking_id = :'b1'),
  format('(%s,service_booking,AED,15000,15400,12857,1810,733)', :'default_service'),
  'a listing booking stores its breakdown under the schedule in force');
select is((select region_id from public.booking_charges where booking_id = :'b1'),
  (select id from public.money_regions where code = 'ae-dubai'), 'in the region of the place (here the provider''s base in Dubai)');
select is((select breakdown from public.booking_charges where booking_id = :'b1'),
  private.fee_breakdown(jsonb_build_object('currency', 'AED', 'prices_include_tax', true, 'vat_rate', 500, 'price', 15000, 'tip', 0,
    'schedule_id', :'default_service', 'rates', private.fee_context('service_booking', 'AED', null, null, now()) -> 'rates')),
  'the stored breakdown is private.fee_breakdown''s output');
select is((private.booking_amounts(:'b1')).customer_total, 15400::bigint, 'booking_amounts returns the stored row');
select throws_ok($$ select private.booking_amounts('00000000-0000-4000-8000-000000000000') $$, 'HL400', null, 'an unknown booking is HL400');

-- A later schedule change never alters it.
select tests.authenticate_as('mc_admin');
select public.save_fee_schedule(jsonb_build_object('id', :'default_service', 'commission_bps', 2000));
reset role;
select is((select (commission, customer_total, provider_payout)::text from public.booking_charges where booking_id = :'b1'),
  '(1429,15400,12857)', 'changing the schedule leaves the stored breakdown alone');
select tests.create_booking('mc_cust', 'mc_prov', 'accepted', listing => :'listing', not_before => '2030-07-02 10:00+00') as b2 \gset
select is((select commission from public.booking_charges where booking_id = :'b2'), 2857::bigint, 'a new booking gets the new rate');

-- A job booking: trade kind job_booking, the job's place.
select tests.create_job('mc_cust', :'cleaning', lat => 25.21, lng => 55.28) as job \gset
select tests.create_offer('mc_jobpro', :'job', '2030-07-03 10:00+00', price => 20000) as offer \gset
select tests.accept_offer('mc_cust', :'offer') as jb \gset
select is((select (trade_kind, price, schedule_id)::text from public.booking_charges where booking_id = :'jb'),
  format('(job_booking,20000,%s)', (select id from public.fee_schedules where trade_kind = 'job_booking' and currency = 'AED' and note = 'default')),
  'an accepted offer''s booking is priced as a job booking');

------------------------------------------------------------------------------------------------
-- Who reads charges: the customer, the provider side except staff, operators. Nobody writes.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mc_cust');
select is((select count(*)::integer from public.booking_charges where booking_id = :'b1'), 1, 'the customer reads them');
select throws_ok(format($$ update public.booking_charges set customer_total = 1 where booking_id = %L $$, :'b1'), '42501', null, 'and cannot change them');
select throws_ok(format($$ insert into public.booking_charges (booking_id, schedule_id, trade_kind, currency, price, subtotal_net, subtotal_tax, service_fee_net, service_fee_tax, commission, discount, tip, customer_total, provider_payout, platform_revenue, tax, breakdown) values (%L, %L, 'service_booking', 'AED', 0,0,0,0,0,0,0,0,0,0,0,0,'{}') $$, :'jb', :'default_service'),
  '42501', null, 'nor write any');
select tests.authenticate_as('mc_prov');
select is((select count(*)::integer from public.booking_charges where booking_id in (:'b1', :'b2')), 2, 'the provider reads them');
select tests.authenticate_as('mc_mgr');
select is((select count(*)::integer from public.booking_charges where booking_id = :'b1'), 1, 'a business manager reads them');
select tests.authenticate_as('mc_staff');
select is((select count(*)::integer from public.booking_charges), 0, 'business staff do not (the business''s money)');
select tests.authenticate_as('mc_stranger');
select is((select count(*)::integer from public.booking_charges), 0, 'strangers do not');
select tests.authenticate_as('mc_op');
select ok((select count(*) >= 3 from public.booking_charges), 'operators with bookings.manage do');

------------------------------------------------------------------------------------------------
-- Promo codes.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mc_admin');
select public.save_promo_code(p) from unnest(array[
  '{"code": "Welcome10", "kind": "percent", "percent_bps": 1000}',
  '{"code": "FIVEOFF", "kind": "fixed", "amount_off": 500, "currency": "AED", "max_uses_per_user": 5}',
  '{"code": "BIGHALF", "kind": "percent", "percent_bps": 5000, "max_uses_per_user": 5}',
  '{"code": "CAPPED", "kind": "percent", "percent_bps": 5000, "max_discount": 300}',
  '{"code": "ONEUSE", "kind": "percent", "percent_bps": 100, "max_uses": 1}',
  '{"code": "OLD", "kind": "percent", "percent_bps": 100, "valid_from": "2030-01-01T00:00:00Z", "valid_until": "2030-02-01T00:00:00Z"}',
  '{"code": "SOON", "kind": "percent", "percent_bps": 100, "valid_from": "2031-01-01T00:00:00Z"}',
  '{"code": "PAUSED", "kind": "percent", "percent_bps": 100, "is_active": false}',
  '{"code": "GOODS", "kind": "percent", "percent_bps": 100, "trade_kinds": ["goods_discover"]}',
  '{"code": "DOLLARS", "kind": "fixed", "amount_off": 100, "currency": "USD"}',
  '{"code": "BIGSPEND", "kind": "percent", "percent_bps": 100, "min_order": 100000}']::jsonb[]) p;
select throws_ok($$ select public.save_promo_code('{"code": "WELCOME10", "kind": "percent", "percent_bps": 500}') $$,
  'HL611', null, 'codes are unique case-insensitively (HL611)');
select throws_ok($$ select public.save_promo_code('{"code": "NOCUR", "kind": "fixed", "amount_off": 500}') $$,
  'HL611', null, 'a fixed code needs its currency');
select throws_ok($$ select public.save_promo_code('{"code": "x", "kind": "percent", "percent_bps": 500}') $$,
  'HL611', null, 'codes are 3 to 32 characters');
select throws_ok($$ select public.save_promo_code('{"code": "BOGUS", "kind": "bogo", "percent_bps": 500}') $$,
  'HL611', null, 'unknown kinds are refused');
select is((select count(*)::integer from public.money_config_history where table_name = 'promo_codes'), 11, 'promo codes are audited');
select tests.authenticate_as('mc_cust');
select throws_ok($$ select public.save_promo_code('{"code": "MINE", "kind": "percent", "percent_bps": 10000}') $$,
  'HL002', null, 'users cannot create codes');
select is((select count(*)::integer from public.promo_codes), 0, 'nor see them');
reset role;

select tests.create_booking('mc_cust', 'mc_prov', 'accepted', listing => :'listing', not_before => '2030-07-04 10:00+00') as p1 \gset
select tests.create_booking('mc_cust', 'mc_prov', 'accepted', listing => :'listing', not_before => '2030-07-05 10:00+00') as p2 \gset
select tests.create_booking('mc_cust2', 'mc_prov', 'accepted', listing => :'listing', not_before => '2030-07-06 10:00+00') as p3 \gset
select tests.create_booking('mc_cust', 'mc_prov', 'accepted', listing => :'listing', not_before => '2030-07-07 10:00+00') as p4 \gset
select tests.create_booking('mc_cust', 'mc_prov', 'cancelled', listing => :'listing', not_before => '2030-07-08 10:00+00') as pc \gset
select (select row_to_json(c)::jsonb from public.booking_charges c where booking_id = :'p1') as before_p1 \gset

select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'NOPE') $$, :'p1', :'cust'), 'HL601', null, 'an unknown code is HL601');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'old') $$, :'p1', :'cust'), 'HL602', null, 'an expired code is HL602');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'SOON') $$, :'p1', :'cust'), 'HL602', null, 'a code not yet valid is HL602');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'PAUSED') $$, :'p1', :'cust'), 'HL602', null, 'a switched-off code is HL602');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'GOODS') $$, :'p1', :'cust'), 'HL605', null, 'a code for another trade kind is HL605');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'DOLLARS') $$, :'p1', :'cust'), 'HL605', null, 'a fixed code in another currency is HL605');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'BIGSPEND') $$, :'p1', :'cust'), 'HL606', null, 'below the minimum order is HL606');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'WELCOME10') $$, :'p1', tests.get_supabase_uid('mc_cust2')),
  'HL002', null, 'only the booking''s customer applies a code');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'WELCOME10') $$, :'pc', :'cust'), 'HL430', null, 'not on a closed booking');
select is((select row_to_json(c)::jsonb from public.booking_charges c where booking_id = :'p1'), :'before_p1'::jsonb,
  'refusals change nothing');
select is((select count(*)::integer from public.promo_redemptions), 0, '... and record nothing');

select is((select (discount, customer_total, provider_payout, platform_revenue, tax, promo_code_id is not null)::text
             from private.apply_promo_code(:'p1', :'cust', '  welcome10 ')),
  '(1500,13900,11429,1738,733,t)', 'WELCOME10 (any case): 10 % of the order, funded by the platform; payout and tax unchanged');
select is((select breakdown ->> 'promo_code' from public.booking_charges where booking_id = :'p1'), 'Welcome10', 'the breakdown names the code');
select is((select (use_number, discount, user_id)::text from public.promo_redemptions where booking_id = :'p1'),
  format('(1,1500,%s)', :'cust'), 'the redemption is recorded');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'FIVEOFF') $$, :'p1', :'cust'), 'HL607', null, 'one code per booking (HL607)');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'WELCOME10') $$, :'p2', :'cust'), 'HL604', null, 'WELCOME10 once per person (HL604)');
select is((private.apply_promo_code(:'p2', :'cust', 'BIGHALF')).discount, 3238::bigint, 'a 50 % code is capped at commission + service fee net');
select is((private.apply_promo_code(:'p3', tests.get_supabase_uid('mc_cust2'), 'ONEUSE')).discount, 150::bigint, 'ONEUSE: the first use');
select throws_ok(format($$ select private.apply_promo_code(%L, %L, 'ONEUSE') $$, :'p4', :'cust'), 'HL603', null, 'then it is used up (HL603)');
select is((private.apply_promo_code(:'p4', :'cust', 'CAPPED')).discount, 300::bigint, 'max_discount caps the discount');

select tests.authenticate_as('mc_cust');
select is((select count(*)::integer from public.promo_redemptions), 3, 'a user reads their own redemptions');
select throws_ok(format($$ select public.apply_booking_promo_code(%L, 'FIVEOFF') $$, :'p4'), 'HL607', null, 'the client RPC runs the same checks');
select tests.clear_authentication();
select throws_ok(format($$ select public.apply_booking_promo_code(%L, 'FIVEOFF') $$, :'p4'), '42501', null, 'signed-out callers cannot call it');
reset role;

------------------------------------------------------------------------------------------------
-- Cancellation amounts (policy 24 h free, 25 % after; bookings.default_cancellation_policy).
------------------------------------------------------------------------------------------------
select is((select cancellation_policy from public.bookings where id = :'b1'), '{"fee_percent": 25, "free_until_minutes": 1440}'::jsonb,
  'the booking holds the default policy');
select is(private.cancellation_amounts(:'b1') -> 'customer_total', '0'::jsonb, 'a month ahead: cancelling is free');
select is(private.cancellation_amounts(:'b1') -> 'late', 'false'::jsonb, '... and not late');
select tests.freeze_time('2030-06-30 11:00+00');
select is(private.cancellation_amounts(:'b1') - 'rates' - 'schedule_id' - 'promo_code' - 'currency' - 'exponent' - 'prices_include_tax' - 'vat_rate',
  '{"price": 3750, "subtotal_net": 3571, "subtotal_tax": 179, "service_fee_net": 0, "service_fee_tax": 0, "commission": 500,
    "discount": 0, "tip": 0, "customer_total": 3750, "provider_payout": 3071, "platform_revenue": 500, "tax": 179,
    "late": true, "fee_bps": 2500}'::jsonb,
  'inside the last 24 h: 25 % of the price, VAT split, commission (minimum AED 5) on the fee, the service fee refunded');
select is(private.cancellation_amounts(:'b1'), private.cancellation_breakdown((private.booking_amounts(:'b1')).breakdown,
  '{"fee_percent": 25, "free_until_minutes": 1440}', true), 'cancellation_amounts = cancellation_breakdown of the stored breakdown');
select tests.apply_booking_transition(:'b1', 'cancel', 'customer', :'cust');
select is((select cancelled_late from public.bookings where id = :'b1'), true, 'the customer cancels late');
select is(private.cancellation_amounts(:'b1') -> 'customer_total', '3750'::jsonb, 'a late cancellation: the fee to capture');
select is(private.cancellation_amounts(:'pc') -> 'customer_total', '0'::jsonb, 'an early cancellation: nothing');

------------------------------------------------------------------------------------------------
-- quote_context: access and refusals.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mc_cust');
select is(public.quote_context(jsonb_build_object('kind', 'booking', 'booking_id', :'b2')) -> 'breakdown',
  (select breakdown from public.booking_charges where booking_id = :'b2'), 'the customer gets the stored breakdown');
select is(public.quote_context(jsonb_build_object('kind', 'listing_slot', 'listing_id', :'listing')) -> 'input' ->> 'price',
  '15000', 'a listing slot: the fee input with the listing''s price');
select is(public.quote_context('{"kind": "goods", "price": 5000, "currency": "AED", "feed": "community"}') ->> 'trade_kind',
  'goods_community', 'goods: the feed''s trade kind');
select throws_ok($$ select public.quote_context('{"kind": "goods", "price": 5000, "currency": "XYZ", "feed": "community"}') $$,
  'HL600', null, 'goods in an unsupported currency: HL600');
select throws_ok(format($$ select public.quote_context('{"kind": "listing_slot", "listing_id": "%s", "promo_code": "WELCOME10"}') $$, :'listing'),
  'HL604', null, 'a promo the user already used is refused in the quote too');
select throws_ok(format($$ select public.quote_context('{"kind": "cancellation", "booking_id": "%s"}') $$, :'b1'),
  'HL402', null, 'a cancelled booking has no cancellation quote');
select throws_ok($$ select public.quote_context('{"kind": "booking", "booking_id": "not-a-uuid"}') $$,
  'HL004', null, 'a malformed id is HL004');
select throws_ok($$ select public.quote_context('{"kind": "refund"}') $$, 'HL004', null, 'an unknown kind is HL004');
select tests.authenticate_as('mc_staff');
select throws_ok(format($$ select public.quote_context('{"kind": "booking", "booking_id": "%s"}') $$, :'b2'),
  'HL002', null, 'business staff: HL002');
select tests.authenticate_as('mc_stranger');
select throws_ok(format($$ select public.quote_context('{"kind": "booking", "booking_id": "%s"}') $$, :'b2'),
  'HL400', null, 'strangers: HL400');
select throws_ok(format($$ select public.quote_context('{"kind": "offer", "offer_id": "%s"}') $$, :'offer'),
  'HL310', null, 'strangers cannot quote someone else''s offer');

select * from finish();
rollback;
