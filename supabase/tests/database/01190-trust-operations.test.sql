-- Module trust, operations: the marketplace metrics on a small fixture (GMV, take rate, bookings
-- by status, repeat customers, job -> booking conversion, active providers by area), who may read
-- them, the fee schedule view, money's audit entries (configuration, payments, refunds, payouts)
-- and acting as an operator from SQL (Studio).
begin;
select plan(44);

select tests.create_category('ops-cleaning');
-- p1 in Dubai Marina, p2 in Abu Dhabi (outside the seeded Dubai region).
select tests.create_provider('op_p1', 25.08, 55.14, tests.category_id('ops-cleaning'));
select tests.create_provider('op_p2', 24.45, 54.38, tests.category_id('ops-cleaning'));
select tests.create_supabase_user(u) from unnest(array['op_c1', 'op_c2', 'op_c3', 'op_admin', 'op_support', 'op_mod']) u;
insert into public.user_roles (user_id, role) values
  (tests.get_supabase_uid('op_admin'), 'admin'),
  (tests.get_supabase_uid('op_support'), 'support'),
  (tests.get_supabase_uid('op_mod'), 'moderator');

------------------------------------------------------------------------------------------------
-- Money configuration changes are audited with the operator as actor
------------------------------------------------------------------------------------------------
select tests.authenticate_as('op_admin');
select set_config('request.headers', '{"x-request-id": "req-fees-1"}', true);
select public.save_money_region('ae-abu-dhabi', 'Abu Dhabi',
  '{"type": "Polygon", "coordinates": [[[54.2, 24.3], [54.6, 24.3], [54.6, 24.6], [54.2, 24.6], [54.2, 24.3]]]}', 'AED', true, 500);
select tests.keep('upcoming', (public.save_fee_schedule(jsonb_build_object(
  'trade_kind', 'service_booking', 'currency', 'AED', 'commission_bps', 1250, 'commission_min', 700,
  'effective_from', now() + interval '7 days', 'note', 'Q3 pricing'))).id);
select public.save_promo_code('{"code": "OPSWELCOME", "kind": "percent", "percent_bps": 1000}');
select set_config('request.headers', '', true);
select tests.reset_authentication();

select results_eq(
  $$ select action, actor_id, actor_role, request_id from public.audit_log
      where request_id = 'req-fees-1' order by id $$,
  $$ values ('money_region.created', tests.get_supabase_uid('op_admin'), 'authenticated', 'req-fees-1'),
            ('fee_schedule.created', tests.get_supabase_uid('op_admin'), 'authenticated', 'req-fees-1'),
            ('promo_code.created', tests.get_supabase_uid('op_admin'), 'authenticated', 'req-fees-1') $$,
  'region, fee schedule and promo code changes are in the audit log with the operator and the request');
select is((select after ->> 'commission_bps' from public.audit_log where action = 'fee_schedule.created'
            and target_id = tests.id('upcoming')::text), '1250', 'the entry keeps the new row');
select is((select count(*)::int from public.money_config_history where row_id = tests.id('upcoming')), 1,
          'money_config_history still records the change');

------------------------------------------------------------------------------------------------
-- The fixture: bookings walked through their states, paid through the simulated provider
------------------------------------------------------------------------------------------------
select tests.keep('b0', tests.create_booking('op_c1', 'op_p1', 'completed'));
select tests.keep('b1', tests.create_booking('op_c1', 'op_p1', 'completed'));
select tests.keep('b2', tests.create_booking('op_c2', 'op_p2', 'completed'));
select tests.keep('b3', tests.create_booking('op_c2', 'op_p2', 'cancelled'));
select tests.keep('b4', tests.create_booking('op_c3', 'op_p1', 'requested'));
select tests.keep('b6', tests.create_booking('op_c1', 'op_p2', 'accepted'));
select tests.authorize_booking_payment(tests.id('b6'));
select tests.apply_booking_transition(tests.id('b6'), 'cancel', 'provider', tests.get_supabase_uid('op_p2'));
select tests.run_payment_worker();
-- b2 is disputed and resolved with a refund of 50.00 AED.
select tests.apply_booking_transition(tests.id('b2'), 'dispute', 'customer', tests.get_supabase_uid('op_c2'));
select private.apply_booking_transition(tests.id('b2'), 'resolve', 'operator', tests.get_supabase_uid('op_admin'),
                                        'half done', '{"refund_amount": 5000}');
select tests.run_payment_worker();
-- b0 was completed three days earlier: op_c1 is a repeat customer today.
update public.bookings set completed_at = completed_at - interval '3 days' where id = tests.id('b0');
-- Jobs: one booked from an offer, one without offers.
select tests.keep('j1', tests.create_job('op_c3', tests.category_id('ops-cleaning')));
select tests.keep('j2', tests.create_job('op_c3', tests.category_id('ops-cleaning'), 'Clean the balcony'));
select tests.keep('o1', tests.create_offer('op_p1', tests.id('j1'), date_trunc('hour', now()) + interval '40 days'));
select tests.keep('b5', tests.accept_offer('op_c3', tests.id('o1')));

------------------------------------------------------------------------------------------------
-- Money audit entries: one per money-moving change
------------------------------------------------------------------------------------------------
select tests.keep('pay2', (select id from public.payments where booking_id = tests.id('b2') and kind = 'booking'));
select tests.keep('pay6', (select id from public.payments where booking_id = tests.id('b6') and kind = 'booking'));
select results_eq(
  $$ select action from public.audit_log where target_type = 'payment' and target_id = tests.id('pay2')::text order by id $$,
  $$ values ('payment.authorized'), ('payment.captured'), ('payment.refunded') $$,
  'a payment''s authorisation, capture and refund are audited (not its technical steps)');
select results_eq(
  $$ select (after ->> 'amount_refunded')::bigint, (after ->> 'amount')::bigint, after ->> 'status', before ->> 'status'
       from public.audit_log where action = 'payment.refunded' and target_id = tests.id('pay2')::text $$,
  $$ values (5000::bigint, 5000::bigint, 'partially_refunded', 'captured') $$,
  'the refund entry has the state before and after and the amounts');
select results_eq(
  $$ select reason, (after ->> 'amount')::bigint, after ->> 'payment_id' from public.audit_log where action = 'refund.requested'
      and after ->> 'payment_id' = tests.id('pay2')::text $$,
  $$ values ('dispute_resolution', 5000::bigint, tests.id('pay2')::text) $$,
  'the refund request is audited with its reason');
select results_eq(
  $$ select action, before ->> 'status' from public.audit_log where target_type = 'payment' and target_id = tests.id('pay6')::text
      order by id $$,
  $$ values ('payment.authorized', 'pending'), ('payment.voided', 'authorized') $$,
  'voiding an authorisation (the provider cancelled) is audited');
select is((select count(*)::int from public.audit_log a join public.payments p on p.id::text = a.target_id
            where a.target_type = 'payment' and p.booking_id = any (array[tests.id('b0'), tests.id('b1')])),
          4, 'two completed bookings: authorised and captured, two entries each');

select tests.keep('payout2', (select id from public.payouts where payment_id = tests.id('pay2')));
select is((select status || '/' || held_reason from public.payouts where id = tests.id('payout2')), 'held/payee_not_verified',
          'the released money waits for the unverified provider');
select tests.enable_payouts('op_p2');
select tests.run_payment_worker();
select results_eq(
  $$ select action, after ->> 'status', (after ->> 'amount')::bigint = (select amount from public.payouts where id = tests.id('payout2'))
       from public.audit_log where target_type = 'payout' and target_id = tests.id('payout2')::text order by id $$,
  $$ values ('payout.created', 'held', true), ('payout.sent', 'pending', true), ('payout.paid', 'paid', true) $$,
  'a payout is audited when created, sent and paid');

------------------------------------------------------------------------------------------------
-- Metrics: queued days, refreshed, read through the views
------------------------------------------------------------------------------------------------
select ok((select count(*) > 0 from private.metrics_queue), 'changes queued their days');
select tests.authenticate_as('op_admin');
select is((select count(*)::int from public.marketplace_metrics_daily where day = private.metrics_day(now())), 0,
          'nothing is counted before a refresh');
select is((public.refresh_marketplace_metrics() ->> 'days')::int, 2, 'an operator refreshes: today and three days ago');
select tests.reset_authentication();
select is((select count(*)::int from private.metrics_queue), 0, 'the queue is empty after the refresh');
select tests.authenticate_as('op_admin');

select results_eq(
  $$ select bookings_created, bookings_completed, completing_customers, repeat_customers, repeat_customer_rate,
            jobs_posted, jobs_with_offers, jobs_booked, job_conversion_rate, refunded
       from public.marketplace_metrics_daily where day = private.metrics_day(now()) and currency = 'AED' $$,
  $$ values (7, 2, 2, 1, 0.5000, 2, 1, 1, 0.5000, 5000::bigint) $$,
  'today: 7 bookings created, 2 completed by 2 customers (1 repeat), 2 jobs (1 booked), 50.00 refunded');
select tests.reset_authentication();
select results_eq(
  $$ select gmv, platform_revenue from public.marketplace_metrics_daily
      where day = private.metrics_day(now()) and currency = 'AED' $$,
  $$ select sum(p.amount_captured - p.amount_refunded)::bigint,
            ((select c.platform_revenue from public.booking_charges c where c.booking_id = tests.id('b1'))
             + (select (private.release_amounts(p2) ->> 'platform_revenue')::bigint from public.payments p2 where p2.id = tests.id('pay2')))::bigint
       from public.payments p where p.booking_id in (tests.id('b1'), tests.id('b2')) and p.kind = 'booking' $$,
  'GMV is what customers kept paying for the bookings completed today; platform revenue is the platform''s share of it');
select tests.authenticate_as('op_admin');
select ok((select gmv = (select customer_total from public.booking_charges where booking_id = tests.id('b1'))
                        + (select customer_total from public.booking_charges where booking_id = tests.id('b2')) - 5000
             from public.marketplace_metrics_daily where day = private.metrics_day(now()) and currency = 'AED'),
          'GMV = the two customer totals minus the refund');
select ok((select take_rate = round(platform_revenue::numeric / gmv, 4) and take_rate between 0.05 and 0.3
             from public.marketplace_metrics_daily where day = private.metrics_day(now()) and currency = 'AED'),
          'take rate = platform revenue / GMV');
select results_eq(
  $$ select bookings_created, bookings_completed, completing_customers, repeat_customers,
            gmv = (select amount_captured from public.payments where booking_id = tests.id('b0') and kind = 'booking')
       from public.marketplace_metrics_daily where day = private.metrics_day(now() - interval '3 days') $$,
  $$ values (0, 1, 1, 0, true) $$,
  'three days ago: b0''s completion and its money');
select results_eq(
  $$ select status, bookings, value from public.marketplace_bookings_by_status
      where day = private.metrics_day(now()) and currency = 'AED' order by status $$,
  $$ values ('accepted', 1, (select price from public.bookings where id = tests.id('b5'))),
            ('cancelled', 2, 30000::bigint), ('completed', 2, 30000::bigint),
            ('requested', 1, 15000::bigint), ('resolved', 1, 15000::bigint) $$,
  'bookings created today by current status, with their value');
select results_eq(
  $$ select area, region_code, active_7d, active_30d from public.marketplace_active_providers order by area $$,
  $$ select extensions.st_geohash(pp.base_location::extensions.geometry, 5),
            case when pp.id = tests.get_supabase_uid('op_p1') then 'ae-dubai' else 'ae-abu-dhabi' end, 1, 1
       from public.provider_profiles pp
      where pp.id in (tests.get_supabase_uid('op_p1'), tests.get_supabase_uid('op_p2'))
      order by 1 $$,
  'each provider who completed a booking counts once in their area, with the money region there');

-- A later change re-queues its day only.
select tests.apply_booking_transition(tests.id('b4'), 'decline', 'provider', tests.get_supabase_uid('op_p1'));
select tests.authenticate_as('op_admin');
select is((public.refresh_marketplace_metrics() ->> 'days')::int, 1, 'a later change refreshes only its day');
select results_eq(
  $$ select bookings from public.marketplace_bookings_by_status
      where day = private.metrics_day(now()) and currency = 'AED' and status in ('requested', 'declined') order by status $$,
  $$ values (1) $$, 'the declined request moved from requested to declined');

------------------------------------------------------------------------------------------------
-- Who reads the metrics
------------------------------------------------------------------------------------------------
select tests.authenticate_as('op_support');
select ok((select count(*) > 0 from public.marketplace_metrics_daily), 'support (metrics.read) reads the daily metrics');
select ok((select count(*) > 0 from public.marketplace_active_providers), 'support reads active providers');
select tests.authenticate_as('op_mod');
select is((select count(*)::int from public.marketplace_metrics_daily), 0, 'a moderator (no metrics.read) reads nothing');
select is((select count(*)::int from public.marketplace_bookings_by_status), 0, 'nor bookings by status');
select throws_ok($$ select public.refresh_marketplace_metrics() $$, 'HL002', null, 'nor refreshes');
select tests.authenticate_as('op_c1');
select is((select count(*)::int from public.marketplace_metrics_daily) + (select count(*)::int from public.marketplace_active_providers)
          + (select count(*)::int from public.operator_fee_schedules), 0, 'a customer reads no metrics and no operator fee view');
select tests.clear_authentication();
select throws_ok($$ select * from public.marketplace_metrics_daily $$, '42501', null, 'anon cannot read the metrics views');
select throws_ok($$ select public.refresh_marketplace_metrics() $$, '42501', null, 'anon cannot refresh');
select tests.reset_authentication();
select ok(not has_table_privilege('authenticated', 'private.metrics_queue', 'SELECT'), 'the queue is not readable by API roles');

------------------------------------------------------------------------------------------------
-- Fee schedules, readable
------------------------------------------------------------------------------------------------
select tests.authenticate_as('op_support');
select results_eq(
  $$ select period, in_force, commission_percent, commission_min, commission_max, service_fee_fixed, region, category
       from public.operator_fee_schedules
      where trade_kind = 'service_booking' and currency = 'AED' and note = 'default' $$,
  $$ values ('current', true, 10.00, '5.00 AED', '500.00 AED', '1.00 AED', 'any region', 'any category') $$,
  'the default AED schedule in readable form, in force');
select results_eq(
  $$ select period, in_force, commission_percent, commission_min from public.operator_fee_schedules where id = tests.id('upcoming') $$,
  $$ values ('upcoming', false, 12.50, '7.00 AED') $$,
  'a schedule starting next week is listed as upcoming');
select is((select commission_min from public.operator_fee_schedules where currency = 'KWD' and trade_kind = 'job_booking'
            and note = 'default'), '5.000 KWD', 'amounts use the currency''s exponent');

------------------------------------------------------------------------------------------------
-- Studio: acting as an operator from SQL
------------------------------------------------------------------------------------------------
select tests.reset_authentication();
select ok(not has_function_privilege(r, 'private.act_as_operator(uuid)', 'EXECUTE'), format('%s cannot act as an operator', r))
  from unnest(array['anon', 'authenticated', 'service_role']) r;
select throws_ok(format($$ select private.act_as_operator(%L) $$, tests.get_supabase_uid('op_c1')), 'HL002', null,
  'only users with an operator role can be acted as');
select throws_ok($$ select private.act_as_operator('00000000-0000-4000-8000-000000000bad') $$, 'HL114', null, 'unknown users are refused');
select is((private.act_as_operator(tests.get_supabase_uid('op_admin')) -> 'roles'), '["admin"]'::jsonb,
          'postgres acts as the admin for the rest of the transaction');
select results_eq($$ select current_user::text collate "default", auth.uid(), private.authorize('money.manage') $$,
  $$ values ('authenticated', tests.get_supabase_uid('op_admin'), true) $$, 'as the API role, with the operator''s identity');
select public.save_fee_schedule(jsonb_build_object('id', tests.id('upcoming'), 'note', 'Q3 pricing, approved'));
select tests.reset_authentication();
select results_eq(
  $$ select actor_id, actor_role, request_id like 'sql:postgres:%' from public.audit_log
      where action = 'fee_schedule.updated' and target_id = tests.id('upcoming')::text $$,
  $$ values (tests.get_supabase_uid('op_admin'), 'authenticated', true) $$,
  'the change made from SQL is audited with the operator and a sql: request id');

-- Account deletion forgets the provider's activity row.
select private.delete_account_metrics(tests.get_supabase_uid('op_p1'));
select is((select count(*)::int from private.marketplace_provider_activity where provider_id = tests.get_supabase_uid('op_p1')), 0,
          'account deletion removes the provider''s activity row');

select * from finish();
rollback;
