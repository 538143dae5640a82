-- Module money: regions and fee schedules (seed, matching order, effective dates), the admin RPCs
-- (money.manage), the append-only configuration history, access, and the arithmetic's entry points
-- (fee_breakdown, tip_amounts, allocate_refund) with worked examples and refusals.
begin;
select plan(63);

select tests.create_supabase_user(u) from unnest(array['mf_admin', 'mf_support', 'mf_user']) u;
select tests.get_supabase_uid('mf_admin') as admin, tests.get_supabase_uid('mf_user') as usr \gset
insert into public.user_roles (user_id, role) values (:'admin', 'admin'), (tests.get_supabase_uid('mf_support'), 'support');
select tests.create_category('mf-home') as home \gset
select tests.create_category('mf-plumbing', 'mf-home') as plumbing \gset
select tests.create_category('mf-taps', 'mf-plumbing') as taps \gset
select id as dubai from public.money_regions where code = 'ae-dubai' \gset
select tests.freeze_time('2030-06-01 12:00+00');

------------------------------------------------------------------------------------------------
-- Seed.
------------------------------------------------------------------------------------------------
select is((select (currency, prices_include_tax, vat_rate)::text from public.money_regions where code = 'ae-dubai'),
  '(AED,t,500)', 'Dubai is seeded: AED, prices with VAT, 5 %');
select is((select count(*)::integer from public.fee_schedules where category_id is null and region_id is null and note = 'default'),
  40, 'a default schedule per trade kind (4) and supported currency (10)');
select is((select (commission_bps, commission_min, commission_max, service_fee_bps, service_fee_fixed, service_fee_max)::text
             from public.fee_schedules where trade_kind = 'service_booking' and currency = 'AED' and note = 'default'),
  '(1000,500,50000,200,100,2500)', 'AED services: 10 % commission within AED 5-500, service fee 2 % + AED 1 up to AED 25');
select is((select commission_min from public.fee_schedules where trade_kind = 'service_booking' and currency = 'KWD' and note = 'default'),
  5000::bigint, 'minimums scale with the currency exponent (KWD: 3 decimals)');
select is((select commission_min from public.fee_schedules where trade_kind = 'service_booking' and currency = 'JPY' and note = 'default'),
  5::bigint, '... (JPY: none)');
select is((select (service_fee_bps, service_fee_fixed)::text from public.fee_schedules where trade_kind = 'goods_community' and currency = 'AED' and note = 'default'),
  '(0,0)', 'goods sales carry no customer service fee by default');

------------------------------------------------------------------------------------------------
-- What applies: region, then nearest category, then latest effective_from.
------------------------------------------------------------------------------------------------
select is((private.fee_context('service_booking', 'AED', null, tests.point(25.2, 55.27), private.now())) - 'schedule_id' - 'region_id' - 'rates',
  '{"currency": "AED", "exponent": 2, "vat_rate": 500, "region_code": "ae-dubai", "prices_include_tax": true}'::jsonb,
  'a place in Dubai: the region''s VAT parameters');
select is((private.fee_context('service_booking', 'AED', null, tests.point(25.2, 55.27), private.now())) ->> 'schedule_id',
  (select id::text from public.fee_schedules where trade_kind = 'service_booking' and currency = 'AED' and note = 'default'),
  'no specific schedule: the default of the kind and currency');
select is((private.fee_context('service_booking', 'GBP', null, tests.point(51.5, -0.12), private.now())) - 'schedule_id' - 'rates',
  '{"currency": "GBP", "exponent": 2, "vat_rate": 0, "region_id": null, "region_code": null, "prices_include_tax": true}'::jsonb,
  'outside every region: no VAT');
select is((private.fee_context('service_booking', 'AED', null, null, private.now())) ->> 'vat_rate', '0', 'no place: no region, no VAT');

insert into public.fee_schedules (id, trade_kind, currency, category_id, region_id, commission_bps, effective_from, note) values
  ('f0000000-0000-4000-8000-00000000000a', 'service_booking', 'AED', :'home', null, 1100, '2030-01-01', 'A: home'),
  ('f0000000-0000-4000-8000-00000000000b', 'service_booking', 'AED', :'plumbing', null, 1200, '2030-01-01', 'B: plumbing'),
  ('f0000000-0000-4000-8000-00000000000c', 'service_booking', 'AED', null, :'dubai', 1300, '2030-01-01', 'C: dubai'),
  ('f0000000-0000-4000-8000-00000000000d', 'service_booking', 'AED', :'home', :'dubai', 1400, '2030-01-01', 'D: dubai home');
select is(private.fee_context('service_booking', 'AED', :'taps', tests.point(25.2, 55.27), private.now()) ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000d', 'in Dubai, for taps: the Dubai schedule of an ancestor category beats the nearer category without region');
select is(private.fee_context('service_booking', 'AED', null, tests.point(25.2, 55.27), private.now()) ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000c', 'in Dubai without category: the Dubai schedule');
select is(private.fee_context('service_booking', 'AED', :'taps', tests.point(24.45, 54.37), private.now()) ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000b', 'outside Dubai, for taps: the nearest category (plumbing) beats its parent (home)');
select is(private.fee_context('service_booking', 'AED', :'home', tests.point(24.45, 54.37), private.now()) ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000a', 'outside Dubai, for home: its own schedule');
select is(private.fee_context('job_booking', 'AED', :'taps', tests.point(25.2, 55.27), private.now()) ->> 'schedule_id',
  (select id::text from public.fee_schedules where trade_kind = 'job_booking' and currency = 'AED' and note = 'default'),
  'schedules are per trade kind');
select is(private.fee_context('service_booking', 'USD', :'taps', tests.point(25.2, 55.27), private.now()) ->> 'schedule_id',
  (select id::text from public.fee_schedules where trade_kind = 'service_booking' and currency = 'USD' and note = 'default'),
  '... and per currency');
insert into public.fee_schedules (id, trade_kind, currency, category_id, region_id, commission_bps, effective_from, effective_until, note) values
  ('f0000000-0000-4000-8000-00000000000e', 'service_booking', 'AED', :'plumbing', :'dubai', 1500, '2030-07-01', null, 'E: later'),
  ('f0000000-0000-4000-8000-00000000000f', 'service_booking', 'AED', :'plumbing', :'dubai', 1600, '2030-01-01', '2030-05-01', 'F: ended');
select is(private.fee_context('service_booking', 'AED', :'taps', tests.point(25.2, 55.27), private.now()) ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000d', 'a schedule not yet in force and one that ended do not apply');
select is(private.fee_context('service_booking', 'AED', :'taps', tests.point(25.2, 55.27), '2030-07-01') ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000e', 'from its effective_from on, the nearer category in the region wins');
select is(private.fee_context('service_booking', 'AED', :'taps', tests.point(25.2, 55.27), '2030-04-30') ->> 'schedule_id',
  'f0000000-0000-4000-8000-00000000000f', 'before its effective_until, the ended one applied');
insert into public.fee_schedules (id, trade_kind, currency, category_id, region_id, commission_bps, effective_from, note) values
  ('f0000000-0000-4000-8000-000000000010', 'service_booking', 'AED', :'home', :'dubai', 1700, '2030-03-01', 'G: newer D');
select is(private.fee_context('service_booking', 'AED', :'home', tests.point(25.2, 55.27), private.now()) ->> 'schedule_id',
  'f0000000-0000-4000-8000-000000000010', 'same scope: the latest effective_from wins');
select is(private.fee_context('service_booking', 'AED', :'home', tests.point(25.2, 55.27), private.now()) -> 'rates' ->> 'commission_bps',
  '1700', 'and its rates are returned');

select throws_ok($$ select private.fee_context('car_sale', 'AED', null, null, now()) $$, 'HL614', null, 'an unknown trade kind is HL614');
select throws_ok($$ select private.fee_context('service_booking', 'XYZ', null, null, now()) $$, 'HL600', null, 'an unsupported currency is HL600');
delete from public.fee_schedules where trade_kind = 'job_booking' and currency = 'OMR';
select throws_ok($$ select private.fee_context('job_booking', 'OMR', null, null, now()) $$, 'HL608', null, 'no schedule at all is HL608');

------------------------------------------------------------------------------------------------
-- Admin RPCs and the history.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('mf_user');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": 0}') $$,
  'HL002', null, 'a user cannot save a fee schedule');
select throws_ok($$ insert into public.fee_schedules (trade_kind, currency, commission_bps) values ('service_booking', 'AED', 0) $$,
  '42501', null, '... nor write the table');
select ok((select count(*) > 0 from public.fee_schedules), 'fee schedules are public to read');
select is((select count(*)::integer from public.money_config_history), 0, 'the history is not for users');
select tests.authenticate_as('mf_support');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": 0}') $$,
  'HL002', null, 'support has no money.manage');
select tests.authenticate_as('mf_admin');
select public.save_fee_schedule(jsonb_build_object('trade_kind', 'job_booking', 'currency', 'AED', 'category_id', :'plumbing',
  'commission_bps', 800, 'commission_min', 300, 'commission_max', 30000, 'service_fee_fixed', 200, 'note', 'plumbing jobs')) as s \gset
select is((:'s'::public.fee_schedules).effective_from, '2030-06-01 12:00+00'::timestamptz, 'an admin creates a schedule, effective now by default');
select is((:'s'::public.fee_schedules).service_fee_bps, 0, 'omitted fields take their defaults');
select is((select (action, actor_id, old_row is null, new_row ->> 'commission_bps')::text from public.money_config_history
            where table_name = 'fee_schedules' and row_id = (:'s'::public.fee_schedules).id),
  format('(insert,%s,t,800)', :'admin'), 'the creation is in the history: who, the new row');
select is((public.save_fee_schedule(jsonb_build_object('id', (:'s'::public.fee_schedules).id, 'effective_until', '2030-12-31T00:00:00Z'))).commission_bps,
  800, 'a change by id keeps the other fields');
select is((select (old_row ->> 'effective_until', new_row ->> 'effective_until', actor_id)::text from public.money_config_history
            where table_name = 'fee_schedules' and row_id = (:'s'::public.fee_schedules).id and action = 'update'),
  format('(,2030-12-31T00:00:00+00:00,%s)', :'admin'), 'the change is in the history with the old and the new row');
select ok((select count(*) > 0 from public.money_config_history), 'money operators read the history');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": 20000}') $$,
  'HL609', null, 'a rate above 100 % is HL609');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": 100, "commission_min": 500, "commission_max": 100}') $$,
  'HL609', null, 'max below min is HL609');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": 100, "colour": "red"}') $$,
  'HL609', null, 'an unknown field is HL609');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": "ten"}') $$,
  'HL609', null, 'a wrong type is HL609');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "AED", "commission_bps": 100, "category_id": "00000000-0000-4000-8000-000000000000"}') $$,
  'HL609', null, 'an unknown category is HL609');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "rental", "currency": "AED", "commission_bps": 100}') $$,
  'HL614', null, 'an unknown trade kind is HL614');
select throws_ok($$ select public.save_fee_schedule('{"trade_kind": "service_booking", "currency": "XYZ", "commission_bps": 100}') $$,
  'HL600', null, 'an unsupported currency is HL600');
select throws_ok($$ select public.save_fee_schedule('{"id": "00000000-0000-4000-8000-000000000000", "commission_bps": 100}') $$,
  'HL003', null, 'changing an unknown schedule is HL003');
select is((public.save_money_region('ae-abu-dhabi', 'Abu Dhabi',
  '{"type": "Polygon", "coordinates": [[[54.0, 24.0], [54.8, 24.0], [54.8, 24.6], [54.0, 24.6], [54.0, 24.0]]]}', 'AED', true, 500)).code,
  'ae-abu-dhabi', 'an admin adds a region from GeoJSON');
select throws_ok($$ select public.save_money_region('bad', 'Bad', '{"type": "Point", "coordinates": [1, 2]}', 'AED', true, 500) $$,
  'HL610', null, 'a boundary that is not a polygon is HL610');
select throws_ok($$ select public.save_money_region('bad', 'Bad', '{"type": "Polygon", "coordinates": [[[54.0, 24.0], [54.8, 24.0], [54.8, 24.6], [54.0, 24.0]]]}', 'AED', true, 50000) $$,
  'HL610', null, 'a VAT rate above 100 % is HL610');
select throws_ok($$ select public.save_money_region('bad', 'Bad', '{"type": "Polygon", "coordinates": [[[54.0, 24.0], [54.8, 24.0], [54.8, 24.6], [54.0, 24.0]]]}', 'ZZZ', true, 500) $$,
  'HL600', null, 'an unsupported region currency is HL600');
reset role;
select is((private.money_region_at(tests.point(24.45, 54.37))).code, 'ae-abu-dhabi', 'and places inside it belong to it');
select is((select count(*)::integer from public.money_config_history where table_name = 'money_regions' and new_row ->> 'code' = 'ae-abu-dhabi'),
  1, 'region changes are audited too');
select throws_ok($$ update public.money_config_history set actor_role = 'x' $$, '42501', null, 'the history cannot be changed');
select throws_ok($$ delete from public.money_config_history where id > 0 $$, '42501', null, '... nor deleted');
select is((select actor_role from public.money_config_history where row_id = 'f0000000-0000-4000-8000-00000000000a'),
  'postgres', 'changes made in Studio (no user) record the database role');

------------------------------------------------------------------------------------------------
-- The arithmetic's entry points.
------------------------------------------------------------------------------------------------
\set rates '{"commission_bps": 1000, "commission_min": 500, "commission_max": 50000, "service_fee_bps": 200, "service_fee_fixed": 100, "service_fee_max": 2500}'
select is(private.fee_breakdown(jsonb_build_object('currency', 'AED', 'prices_include_tax', true, 'vat_rate', 500, 'price', 15000, 'rates', :'rates'::jsonb))
            - 'rates' - 'schedule_id' - 'promo_code',
  '{"currency": "AED", "exponent": 2, "prices_include_tax": true, "vat_rate": 500, "price": 15000, "subtotal_net": 14286,
    "subtotal_tax": 714, "service_fee_net": 381, "service_fee_tax": 19, "commission": 1429, "discount": 0, "tip": 0,
    "customer_total": 15400, "provider_payout": 12857, "platform_revenue": 1810, "tax": 733}'::jsonb,
  'AED 150.00 with VAT: the worked example of docs/money.md');
select is(private.fee_breakdown(jsonb_build_object('currency', 'KWD', 'prices_include_tax', false, 'vat_rate', 500, 'price', 12345, 'tip', 1000,
            'rates', :'rates'::jsonb || '{"commission_min": 1000, "commission_max": null, "service_fee_fixed": 0, "service_fee_max": null}'))
            ->> 'customer_total',
  '14221', 'KWD 12.345 plus VAT, service fee and a KWD 1.000 tip');
select is(private.fee_breakdown(jsonb_build_object('currency', 'AED', 'prices_include_tax', true, 'vat_rate', 500, 'price', 15000, 'rates', :'rates'::jsonb,
            'promo', '{"code": "HALF", "kind": "percent", "percent_bps": 5000}'::jsonb)) -> 'discount',
  '1810'::jsonb, 'a 50 % code is capped at the platform''s share');
select is(private.fee_breakdown(jsonb_build_object('currency', 'AED', 'prices_include_tax', true, 'vat_rate', 500, 'price', 100, 'rates', :'rates'::jsonb)) -> 'commission',
  '95'::jsonb, 'the commission minimum never exceeds the net price');
select throws_ok(format($$ select private.fee_breakdown(%L) $$, jsonb_build_object('currency', 'AED', 'prices_include_tax', true, 'vat_rate', 500, 'price', -1, 'rates', :'rates'::jsonb)),
  'HL612', null, 'a negative price is HL612');
select throws_ok(format($$ select private.fee_breakdown(%L) $$, jsonb_build_object('currency', 'AED', 'prices_include_tax', true, 'vat_rate', 500, 'price', 1000000000001, 'rates', :'rates'::jsonb)),
  'HL612', null, 'a price above 10^12 is HL612');
select throws_ok(format($$ select private.fee_breakdown(%L) $$, jsonb_build_object('currency', 'XBT', 'prices_include_tax', true, 'vat_rate', 500, 'price', 1, 'rates', :'rates'::jsonb)),
  'HL600', null, 'an unsupported currency is HL600');
select is(private.tip_amounts('AED', 2000) - 'rates' - 'schedule_id' - 'promo_code' - 'currency' - 'exponent' - 'prices_include_tax' - 'vat_rate',
  '{"price": 0, "subtotal_net": 0, "subtotal_tax": 0, "service_fee_net": 0, "service_fee_tax": 0, "commission": 0, "discount": 0,
    "tip": 2000, "customer_total": 2000, "provider_payout": 2000, "platform_revenue": 0, "tax": 0}'::jsonb,
  'a tip goes entirely to the provider');
select is(private.allocate_refund('{"currency": "AED", "customer_total": 15400, "provider_payout": 12857, "platform_revenue": 1810, "tax": 733}', 7700),
  '{"currency": "AED", "refund": 7700, "provider_payout": 6429, "platform_revenue": 905, "tax": 366}'::jsonb,
  'half a refund: shares floored, the unit left to the largest remainder');
select is(private.allocate_refund('{"currency": "AED", "customer_total": 3, "provider_payout": 1, "platform_revenue": 1, "tax": 1}', 1),
  '{"currency": "AED", "refund": 1, "provider_payout": 1, "platform_revenue": 0, "tax": 0}'::jsonb,
  'equal remainders: the provider first');
select throws_ok($$ select private.allocate_refund('{"currency": "AED", "customer_total": 100, "provider_payout": 90, "platform_revenue": 10, "tax": 0}', 101) $$,
  'HL613', null, 'a refund above the total is HL613');

select * from finish();
rollback;
