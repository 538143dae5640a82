-- Module bookings, timers under a frozen clock: unanswered requests expire, reminders 24 h and
-- 1 h before, no-shows are cancelled, finished jobs are completed two days after their end
-- unless disputed; each by the system through the transition path, and idempotent.
begin;
select plan(24);

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

------------------------------------------------------------------------------------------------
-- Timers under a frozen clock
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 06:00:00+00');
select tests.authenticate_as('bk_cust');
select (public.book_listing(:l_solo, '2030-01-20 06:00+00')).id as t_acc \gset
reset role;
update public.service_listings set booking_mode = 'request' where id = :l_solo;
select tests.authenticate_as('bk_cust');
select (public.book_listing(:l_solo, '2030-01-21 06:00+00')).id as t_req1 \gset
select (public.book_listing(:l_solo, '2030-01-22 06:00+00')).id as t_req2 \gset
reset role;

select tests.freeze_time('2030-01-07 07:00:00+00');
select private.run_booking_timers() is not null;
select is((select status from public.bookings where id = :'t_req1'), 'requested', 'nothing expires before the deadline');
select tests.authenticate_as('bk_prov2');
select lives_ok(format('select public.transition_booking(%L, %L)', :'t_req2', 'accept'), 'the provider accepts one request in time');
reset role;
select tests.freeze_time('2030-01-07 08:00:00+00');
select ok((private.run_booking_timers() ->> 'expired')::int >= 1, 'at the deadline the timer expires unanswered requests');
select results_eq(format($$ select b.status, e.actor_role, e.actor_id, e.reason from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'expire' where b.id = %L $$, :'t_req1'),
  $$ values ('expired'::text, 'system'::text, null::uuid, 'request_expired'::text) $$, 'expired by the system, on the timeline');
select is((select status from public.bookings where id = :'t_req2'), 'accepted', 'a request accepted first is left alone');
select is((select count(*)::int from public.notifications where kind = 'booking.expired' and payload ->> 'booking_id' = :'t_req1'), 2,
  'both parties hear about the expiry');
select is(private.run_booking_timers(), '{"expired": 0, "no_show": 0, "auto_completed": 0, "stalled": 0, "reminded": 0, "reschedules_expired": 0, "failed": 0}'::jsonb,
  'running the timers again does nothing (idempotent)');

-- Reminders (24 h and 1 h before) for accepted bookings only.
select tests.freeze_time('2030-01-19 05:00:00+00');
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'), 0, 'no reminder 25 h before');
select private.run_booking_timers() is not null;
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'), 0, 'still none 25 h before');
select tests.freeze_time('2030-01-19 06:30:00+00');
select private.run_booking_timers() is not null;
select is((select array_agg(user_id order by user_id) from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'),
  (select array_agg(u order by u) from unnest(array[:'cust', :'prov2']::uuid[]) u), '23.5 h before: the 24 h reminder goes to both parties');
select private.run_booking_timers() is not null;
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'), 2, 'it is sent once');
select tests.freeze_time('2030-01-20 05:30:00+00');
select private.run_booking_timers() is not null;
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc' and payload ->> 'minutes_before' = '60'), 2,
  '30 minutes before: the 1 h reminder');
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_req1'), 0, 'expired bookings get no reminders');

-- No-show: accepted bookings that never started; a booking that moved on is left alone.
select tests.freeze_time('2030-01-20 06:30:00+00');
select private.run_booking_timers() is not null;
select is((select status from public.bookings where id = :'t_acc'), 'accepted', '30 minutes after the start: no no-show yet');
select tests.freeze_time('2030-01-22 07:01:00+00');
select tests.authorize_booking_payment(:'t_req2');
select tests.authenticate_as('bk_prov2');
select lives_ok(format('select public.transition_booking(%L, %L)', :'t_req2', 'arrive'), 'the provider of the other booking arrives (late)');
reset role;
select ok((private.run_booking_timers() ->> 'no_show')::int >= 1, 'the timer cancels accepted bookings that never started');
select results_eq(format($$ select status, cancelled_by, cancel_reason, cancelled_late from public.bookings where id = %L $$, :'t_acc'),
  $$ values ('cancelled'::text, 'system'::text, 'no_show'::text, false) $$, 'no-show: cancelled by the system, reason no_show');
select is((select status from public.bookings where id = :'t_req2'), 'arrived', 'an arrived booking is not a no-show');

-- Auto-completion two days after the end, unless disputed.
select (tests.create_booking('bk_cust', 'bk_prov', 'in_progress', :past, :l_req)) as ip1 \gset
select (tests.create_booking('bk_cust', 'bk_prov', 'in_progress', :past, :l_req)) as ip2 \gset
select (tests.create_booking('bk_cust', 'bk_prov', 'disputed', :past, :l_req)) as ip3 \gset
select upper(period) as ip1_end from public.bookings where id = :'ip1' \gset
select upper(period) as ip2_end from public.bookings where id = :'ip2' \gset
select tests.freeze_time(:'ip1_end'::timestamptz + interval '2 days' - interval '1 minute');
select private.run_booking_timers() is not null;
select is((select status from public.bookings where id = :'ip1'), 'in_progress', 'not completed before the grace period ends');
select tests.authenticate_as('bk_cust');
select lives_ok(format($$ select public.transition_booking(%L, 'dispute', 'Not finished') $$, :'ip2'), 'the customer disputes the other job');
reset role;
select tests.freeze_time(:'ip2_end'::timestamptz + interval '2 days');
select ok((private.run_booking_timers() ->> 'auto_completed')::int >= 1, 'the timer auto-completes');
select results_eq(format($$ select b.status, e.actor_role, e.reason from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'complete' where b.id = %L $$, :'ip1'),
  $$ values ('completed'::text, 'system'::text, 'auto_completed'::text) $$, 'completed by the system after the grace period');
select is((select status from public.bookings where id = :'ip2'), 'disputed', 'a disputed booking is not auto-completed');
select is((select status from public.bookings where id = :'ip3'), 'disputed', 'nor one disputed before');
select tests.freeze_time('2030-01-07 06:00:00+00');

select * from finish();
rollback;
