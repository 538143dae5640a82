-- Module bookings, the lifecycle: the guards and bookkeeping of individual transitions (accept,
-- expired requests, reasons, cancellation and late cancellation, completion and dispute windows,
-- resolution), timed transitions that cannot be forced early, and service_role acting as the system.
begin;
select plan(34);

------------------------------------------------------------------------------------------------
-- Fixtures: Fixit Pro works for Fixit Co (with a manager and staff), Solo Pro alone; both are
-- open every day 08:00-20:00 in Dubai (UTC+4): 04:00-16:00 UTC. bk_op is support.
------------------------------------------------------------------------------------------------
select tests.create_supabase_user('bk_cust', null, '+971599990001');
select tests.create_supabase_user('bk_prov', null, '+971599990002');
select tests.create_supabase_user(u) from unnest(array['bk_cust2', 'bk_mgr', 'bk_staff', 'bk_other', 'bk_op', 'bk_prov2']) u;
select tests.get_supabase_uid('bk_cust') as cust, tests.get_supabase_uid('bk_cust2') as cust2,
       tests.get_supabase_uid('bk_prov') as prov, tests.get_supabase_uid('bk_mgr') as mgr,
       tests.get_supabase_uid('bk_staff') as staff, tests.get_supabase_uid('bk_other') as other,
       tests.get_supabase_uid('bk_op') as op, tests.get_supabase_uid('bk_prov2') as prov2 \gset

insert into public.user_roles (user_id, role) values (:'op', 'support');
select tests.create_business('bk_prov', 'Fixit Co', managers => array['bk_mgr'], staff => array['bk_staff'],
                             id => 'b0000000-0000-4000-8000-000000000001');
select tests.create_provider(v.p, 25.20, 55.27, available => false, opens => '08:00', closes => '20:00',
                             profile => jsonb_build_object('display_name', v.name, 'business_id', v.business))
  from (values ('bk_prov', 'Fixit Pro', 'b0000000-0000-4000-8000-000000000001'), ('bk_prov2', 'Solo Pro', null)) v(p, name, business);
insert into public.categories (id, slug, names) values
  ('c0000000-0000-4000-8000-000000000001', 'bk-cleaning', '{"en": "Cleaning", "ar": "تنظيف"}');
insert into public.categories (id, parent_id, slug, names) values
  ('c0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'bk-deep-cleaning', '{"en": "Deep cleaning", "ar": "تنظيف عميق"}');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, currency, duration_minutes, booking_mode, cancellation_policy, is_active) values
  ('a0000000-0000-4000-8000-000000000001', :'prov', 'c0000000-0000-4000-8000-000000000002', 'Deep clean', 'hourly', 10000, 'AED', 90, 'request', null, true),
  ('a0000000-0000-4000-8000-000000000002', :'prov', 'c0000000-0000-4000-8000-000000000002', 'Tap fix', 'fixed', 20000, 'AED', 60, 'instant', '{"free_until_minutes": 120, "fee_percent": 50}', true),
  ('a0000000-0000-4000-8000-000000000003', :'prov', 'c0000000-0000-4000-8000-000000000002', 'Renovation', 'quote', 0, 'AED', 60, 'request', null, true),
  ('a0000000-0000-4000-8000-000000000004', :'prov', 'c0000000-0000-4000-8000-000000000002', 'Paused', 'fixed', 5000, 'AED', 60, 'instant', null, false),
  ('a0000000-0000-4000-8000-000000000005', :'prov2', 'c0000000-0000-4000-8000-000000000002', 'Solo job', 'fixed', 5000, 'AED', 60, 'instant', null, true);

\set l_req    '\'a0000000-0000-4000-8000-000000000001\''
\set l_inst   '\'a0000000-0000-4000-8000-000000000002\''
\set l_quote  '\'a0000000-0000-4000-8000-000000000003\''
\set l_off    '\'a0000000-0000-4000-8000-000000000004\''
\set l_solo   '\'a0000000-0000-4000-8000-000000000005\''

-- Monday 2030-01-07 10:00 in Dubai.
select tests.freeze_time('2030-01-07 06:00:00+00');
-- Bookings made as fixtures start from these (the next free two-hour step).
\set future '\'2030-03-01 02:00+00\''
\set past   '\'2029-12-01 02:00+00\''

-- A request to book (r1); then the parent category gets a cancellation policy (12 h free, then 10 %).
select tests.authenticate_as('bk_cust');
select (public.book_listing(:l_req, '2030-01-08 06:00+00', 25.21, 55.28, 'Villa 12, Street 4', 'Two bathrooms')).id as r1 \gset
reset role;
update public.categories set cancellation_policy = '{"free_until_minutes": 720, "fee_percent": 10}' where id = 'c0000000-0000-4000-8000-000000000001';

------------------------------------------------------------------------------------------------
-- Guards and bookkeeping of individual transitions
------------------------------------------------------------------------------------------------
-- accept: by the provider or a manager; start code issued; customer notified.
select tests.authenticate_as('bk_mgr');
select lives_ok(format('select public.transition_booking(%L, %L)', :'r1', 'accept'), 'a business manager accepts a request');
reset role;
select results_eq(format($$ select status, accepted_at, status_changed_at from public.bookings where id = %L $$, :'r1'),
  $$ values ('accepted'::text, timestamptz '2030-01-07 06:00+00', timestamptz '2030-01-07 06:00+00') $$, 'accept stamps accepted_at');
select is((select actor_id from public.booking_events where booking_id = :'r1' and transition = 'accept'), :'mgr'::uuid, 'the event names the manager');
select ok((select start_code_hash is not null from private.booking_secrets where booking_id = :'r1'), 'accepting issues the start code');
select is((select count(*)::int from public.notifications where user_id = :'cust' and kind = 'booking.accepted' and payload ->> 'booking_id' = :'r1'), 1,
  'the customer is notified of the acceptance');

-- An expired request cannot be accepted (and stays as it was until the timer expires it).
select tests.create_booking('bk_cust', 'bk_prov', 'requested', :future, :l_req) as late \gset
update public.bookings set request_expires_at = '2030-01-07 05:59+00' where id = :'late';
select tests.authenticate_as('bk_prov');
select throws_ok(format('select public.transition_booking(%L, %L)', :'late', 'accept'), 'HL417', null, 'accepting an expired request: HL417');
reset role;
select is((select status from public.bookings where id = :'late'), 'requested', 'the refused accept wrote nothing');

-- Reasons.
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as b \gset
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'cancel'), 'HL419', null, 'cancel without a reason: HL419');
select throws_ok(format('select public.transition_booking(%L, %L, %L)', :'b', 'cancel', '   '), 'HL419', null, 'a blank reason is no reason');
select throws_ok(format('select public.transition_booking(%L, %L, %L)', :'b', 'cancel', repeat('x', 1001)), 'HL434', null, 'reason too long: HL434');
select throws_ok(format($$ select public.transition_booking(%L, 'cancel', 'x', '[1]') $$, :'b'), 'HL434', null, 'metadata must be an object: HL434');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'teleport'), 'HL401', null, 'unknown transition: HL401');
select throws_ok(format('select public.transition_booking(%L, %L, %L)', '00000000-0000-4000-8000-000000000000', 'cancel', 'x'), 'HL400', null, 'unknown booking: HL400');

-- Cancellation: who, when, why, and whether it was late.
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'Plans changed', '{"client": "ios"}') $$, :'b'), 'the customer cancels an accepted booking');
reset role;
select results_eq(format($$ select status, cancelled_by, cancel_reason, cancelled_at, cancelled_late from public.bookings where id = %L $$, :'b'),
  $$ values ('cancelled'::text, 'customer'::text, 'Plans changed'::text, timestamptz '2030-01-07 06:00+00', false) $$,
  'cancelled: by the customer, why, when, inside the free window');
select results_eq(format($$ select reason, metadata ->> 'client', (metadata ->> 'late')::boolean, metadata -> 'cancellation_policy' from public.booking_events where booking_id = %L and transition = 'cancel' $$, :'b'),
  $$ values ('Plans changed'::text, 'ios'::text, false, '{"free_until_minutes": 720, "fee_percent": 10}'::jsonb) $$,
  'the cancel event carries the reason, the caller''s metadata and the policy window');
select is((select count(*)::int from public.notifications where user_id = :'prov' and kind = 'booking.cancelled' and payload ->> 'booking_id' = :'b'), 1,
  'the provider is notified of the cancellation');

select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as b \gset
select tests.freeze_time((select lower(period) - interval '1 hour' from public.bookings where id = :'b'));
select tests.authenticate_as('bk_cust');
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'Too late, sorry') $$, :'b'), 'the customer cancels an hour before the start');
reset role;
select is((select cancelled_late from public.bookings where id = :'b'), true, 'after free_cancellation_until the cancellation is late (fee applies)');
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as b \gset
select tests.authenticate_as('bk_prov');
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'Van broke down') $$, :'b'), 'the provider cancels late');
reset role;
select results_eq(format($$ select cancelled_by, cancelled_late from public.bookings where id = %L $$, :'b'),
  $$ values ('provider'::text, false) $$, 'a provider cancellation never charges the customer');
select tests.freeze_time('2030-01-07 06:00:00+00');


-- complete and dispute windows.
select tests.create_booking('bk_cust', 'bk_prov', 'in_progress', :future, :l_req) as b \gset
select throws_ok(format($$ select private.apply_booking_transition(%L, 'complete', 'system', null) $$, :'b'), 'HL418', null,
  'the system cannot complete before the grace period: HL418');
select tests.authenticate_as('bk_cust');
select lives_ok(format('select public.transition_booking(%L, %L)', :'b', 'complete'), 'the customer confirms completion');
reset role;
select is((select completed_at from public.bookings where id = :'b'), '2030-01-07 06:00+00'::timestamptz, 'complete stamps completed_at');
select tests.freeze_time('2030-01-09 05:59+00');
select tests.authenticate_as('bk_prov');
select lives_ok(format($$ select public.transition_booking(%L, 'dispute', 'Customer refuses to pay') $$, :'b'), 'the provider disputes inside the window');
reset role;
select tests.create_booking('bk_cust', 'bk_prov', 'completed', :future, :l_req) as b \gset
select tests.freeze_time('2030-01-11 06:01+00');
select tests.authenticate_as('bk_cust');
select throws_ok(format($$ select public.transition_booking(%L, 'dispute', 'Leak is back') $$, :'b'), 'HL420', null, 'after the dispute window: HL420');
reset role;
select tests.freeze_time('2030-01-07 06:00:00+00');
select tests.create_booking('bk_cust', 'bk_prov', 'disputed', :future, :l_req) as b \gset
select tests.authenticate_as('bk_op');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'resolve'), 'HL419', null, 'resolving needs a reason');
select lives_ok(format($$ select public.transition_booking(%L, 'resolve', 'Refund half', '{"outcome": "split"}') $$, :'b'), 'an operator resolves the dispute');
reset role;
select results_eq(format($$ select b.status, e.actor_role, e.metadata ->> 'outcome' from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'resolve' where b.id = %L $$, :'b'),
  $$ values ('resolved'::text, 'operator'::text, 'split'::text) $$, 'resolved, with the operator''s outcome on the timeline');

-- Timed transitions cannot be forced early, and people cannot take them.
select tests.create_booking('bk_cust', 'bk_prov', 'requested', :future, :l_req) as b \gset
select throws_ok(format($$ select private.apply_booking_transition(%L, 'expire', 'system', null) $$, :'b'), 'HL418', null, 'expire before the deadline: HL418');
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as b \gset
select throws_ok(format($$ select private.apply_booking_transition(%L, 'no_show', 'system', null) $$, :'b'), 'HL418', null, 'no-show before its time: HL418');

-- service_role acts as the system.
select tests.create_booking('bk_cust', 'bk_prov', 'requested', :future, :l_req) as b \gset
select tests.authenticate_as_service_role();
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'payment failed') $$, :'b'), 'a back end (service_role) cancels as the system');
reset role;
select is((select cancelled_by from public.bookings where id = :'b'), 'system', 'recorded as cancelled by the system');
select tests.clear_authentication();
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'cancel'), '42501', null, 'anonymous users cannot take transitions');
reset role;


select * from finish();
rollback;
