-- Module bookings, reading: contact details revealed to the parties while a booking is on,
-- listing my bookings (filters, keyset pagination), the detail with its timeline and the
-- transitions the caller can take, the provider calendar, row level security on bookings and
-- their timelines, and notifications.
begin;
select plan(60);

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

-- r1: requested by bk_cust, accepted by Fixit Co's manager; Fixit Pro has time off on Thursday.
select tests.authenticate_as('bk_cust');
select (public.book_listing(:l_req, '2030-01-08 06:00+00', 25.21, 55.28, 'Villa 12, Street 4', 'Two bathrooms')).id as r1 \gset
select tests.authenticate_as('bk_mgr');
select public.transition_booking(:'r1', 'accept') is not null as accepted;
reset role;
insert into public.provider_time_off (provider_id, period, reason) values (:'prov', '[2030-01-10 04:00+00, 2030-01-10 08:00+00)', 'Dentist');
-- A busy business: bk_cust books in every state too, past and future (twice); Solo Pro has one booking.
select count(*) from (select tests.create_booking('bk_cust', 'bk_prov', s.state, p.not_before, :l_req, operator => 'bk_op')
                        from public.booking_states s, (values (:future::timestamptz), (:past), (:future), (:past)) p(not_before)) x;
select tests.create_booking('bk_cust', 'bk_prov2', 'accepted', :future, :l_solo) is not null as solo_booked;
create temp table seen (id uuid);
grant insert, select on seen to authenticated;

------------------------------------------------------------------------------------------------
-- Contact reveal
------------------------------------------------------------------------------------------------
select tests.create_booking('bk_cust', 'bk_prov', 'requested', :future, :l_req, location => tests.point(25.21, 55.28),
                            address => 'Villa 12, Street 4') as c_req \gset
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req, location => tests.point(25.21, 55.28),
                            address => 'Villa 12, Street 4') as c_acc \gset
select tests.create_booking('bk_cust', 'bk_prov', 'completed', :future, :l_req, location => tests.point(25.21, 55.28),
                            address => 'Villa 12, Street 4') as c_done \gset

select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.get_booking_contact(%L)', :'c_req'), 'HL425', null, 'no contact details while only requested');
select results_eq(format('select counterpart_role, full_name, phone, address from public.get_booking_contact(%L)', :'c_acc'),
  $$ values ('provider'::text, 'Fixit Pro'::text, '+971599990002'::text, 'Villa 12, Street 4'::text) $$,
  'the customer sees the provider''s name and phone once accepted');
select throws_ok(format('select public.get_booking_contact(%L)', :'c_done'), 'HL425', null, 'and no longer after completion');
select tests.authenticate_as('bk_prov');
select results_eq(format('select counterpart_role, phone, address, location_lat, location_lng from public.get_booking_contact(%L)', :'c_acc'),
  $$ values ('customer'::text, '+971599990001'::text, 'Villa 12, Street 4'::text, 25.21::float8, 55.28::float8) $$,
  'the provider sees the customer''s phone and exact location');
select tests.authenticate_as('bk_staff');
select is((select phone from public.get_booking_contact(:'c_acc')), '+971599990001', 'business staff working the booking see it too');
select tests.authenticate_as('bk_other');
select throws_ok(format('select public.get_booking_contact(%L)', :'c_acc'), 'HL400', null, 'strangers: HL400');
select tests.authenticate_as('bk_op');
select throws_ok(format('select public.get_booking_contact(%L)', :'c_acc'), 'HL403', null, 'operators are not a party: HL403');
select tests.authenticate_as('bk_cust');
select is_empty(format($$ select 1 from public.profile_private where profile_id = %L $$, :'prov'), 'the provider''s phone is not readable directly');
reset role;

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
-- bk_cust2 gets bookings in every state, past and future.
select count(*) from (select tests.create_booking('bk_cust2', 'bk_prov', s.state, p.not_before, :l_req, operator => 'bk_op')
                        from public.booking_states s, (values (:future::timestamptz), (:past)) p(not_before)) x;
select count(*) as c2_total from public.bookings where customer_id = :'cust2' \gset
select count(*) as cust_total from public.bookings where customer_id = :'cust' \gset
select tests.authenticate_as('bk_cust2');
select results_eq($$ select count(*)::int, bool_and(customer_id = (select auth.uid())) from public.list_my_bookings('customer', null, 'all', 100) $$,
  format('values (%s, true)', :'c2_total'), 'a customer lists all their own bookings, and only theirs');
-- Keyset pagination walks every booking exactly once.
do $$
declare
  v_after text;
  v_rows int;
  r record;
begin
  loop
    v_rows := 0;
    for r in select * from public.list_my_bookings('customer', null, 'all', 5, v_after) loop
      insert into seen values (r.id);
      v_after := r.cursor;
      v_rows := v_rows + 1;
    end loop;
    exit when v_rows < 5;
  end loop;
end $$;
select is((select count(distinct id)::int from seen), :'c2_total'::int, 'pages of 5 cover every booking');
select is((select count(*)::int from seen), :'c2_total'::int, 'without repeating one');
select ok((select bool_and(a.starts_at >= b.starts_at) from
            (select starts_at, row_number() over () n from public.list_my_bookings('customer', null, 'all', 100)) a
            join (select starts_at, row_number() over () n from public.list_my_bookings('customer', null, 'all', 100)) b on b.n = a.n + 1),
  '"all" is latest first');
select ok((select count(*) > 0 and bool_and(status not in ('completed', 'cancelled', 'declined', 'expired', 'resolved')) and bool_and(ends_at > '2030-01-07 06:00+00')
             from public.list_my_bookings('customer', null, 'upcoming', 100)), 'upcoming: open and not yet over');
select ok((select bool_and(a.starts_at <= b.starts_at) from
            (select starts_at, row_number() over () n from public.list_my_bookings('customer', null, 'upcoming', 100)) a
            join (select starts_at, row_number() over () n from public.list_my_bookings('customer', null, 'upcoming', 100)) b on b.n = a.n + 1),
  'upcoming is soonest first');
select ok((select count(*) > 0 and bool_and(status in ('completed', 'cancelled', 'declined', 'expired', 'resolved') or ends_at <= '2030-01-07 06:00+00')
             from public.list_my_bookings('customer', null, 'past', 100)), 'past: closed or over');
select is((select count(*)::int from public.list_my_bookings('customer', null, 'upcoming', 100)) + (select count(*)::int from public.list_my_bookings('customer', null, 'past', 100)),
  :'c2_total'::int, 'upcoming and past split all bookings');
select results_eq($$ select count(*)::int, bool_and(status = 'disputed') from public.list_my_bookings('customer', array['disputed'], 'all', 100) $$,
  $$ values (2, true) $$, 'filter by status');
select is((select count(*)::int from public.list_my_bookings('customer', array['disputed'], 'upcoming', 100)), 1, 'status and time filters combine');
select throws_ok($$ select public.list_my_bookings('landlord') $$, 'HL431', null, 'p_as must be customer or provider: HL431');
select throws_ok($$ select public.list_my_bookings('customer', array['lost']) $$, 'HL431', null, 'unknown status: HL431');
select throws_ok($$ select public.list_my_bookings('customer', null, 'someday') $$, 'HL431', null, 'unknown p_when: HL431');
select throws_ok($$ select public.list_my_bookings('customer', null, 'all', 0) $$, 'HL431', null, 'p_limit out of range: HL431');
select throws_ok($$ select public.list_my_bookings('customer', null, 'all', 10, 'bm90IGEgY3Vyc29y') $$, 'HL007', null, 'a forged cursor: HL007');
select is((select count(*)::int from public.list_my_bookings('provider')), 0, 'a customer is not a provider');
select tests.authenticate_as('bk_staff');
select ok((select count(*)::int from public.list_my_bookings('provider', null, 'all', 100)) > 50, 'business staff list the business''s bookings');
select tests.authenticate_as('bk_prov2');
select ok((select bool_and(provider_id = (select auth.uid())) from public.list_my_bookings('provider', null, 'all', 100)), 'a provider lists their own bookings');

-- Detail with timeline and the transitions the caller can take.
select tests.authenticate_as('bk_cust');
select is((public.get_booking(:'r1')) -> 'available_transitions', '["cancel", "reschedule"]'::jsonb, 'the customer of an accepted booking can cancel or move it (by proposal)');
select is((select array_agg(e ->> 'transition' order by (e ->> 'id')::bigint) from jsonb_array_elements((public.get_booking(:'r1')) -> 'timeline') e),
  array['create', 'accept'], 'the detail carries the timeline');
select is((public.get_booking(:'r1')) #>> '{booking,reference}', (select reference from public.bookings where id = :'r1'), 'and the order number');
select ok((public.get_booking(:'r1')) #>> '{booking,reference}' ~ '^HL-[0-9]{6,}$', 'order numbers look like HL-000123');
select tests.authenticate_as('bk_prov');
select is((public.get_booking(:'r1')) -> 'available_transitions', '["arrive", "cancel", "reschedule", "start_travel"]'::jsonb, 'the provider''s options');
select tests.authenticate_as('bk_staff');
select is((public.get_booking(:'r1')) -> 'available_transitions', '["arrive", "start_travel"]'::jsonb, 'business staff: progress only');
select tests.authenticate_as('bk_op');
select is((public.get_booking(:'r1')) -> 'my_roles', '["operator"]'::jsonb, 'operators read any booking');
select tests.authenticate_as('bk_other');
select throws_ok(format('select public.get_booking(%L)', :'r1'), 'HL400', null, 'strangers: HL400');

-- Provider calendar.
select tests.authenticate_as('bk_prov');
select ok((select count(*) filter (where kind = 'booking' and customer_name is not null) > 0 and count(*) filter (where kind = 'time_off') = 1
             from public.get_provider_calendar(:'prov', '2030-01-08 00:00+00', '2030-01-12 00:00+00')),
  'the provider sees bookings with customers, and time off');
select tests.authenticate_as('bk_other');
select ok((select count(*) > 0 and bool_and(kind = 'busy' and booking_id is null and customer_name is null)
             from public.get_provider_calendar(:'prov', '2030-01-08 00:00+00', '2030-01-12 00:00+00')),
  'others see busy blocks without details');
select tests.clear_authentication();
select ok((select bool_and(kind = 'busy') from public.get_provider_calendar(:'prov', '2030-01-08 00:00+00', '2030-01-12 00:00+00')), 'so do anonymous visitors');
select throws_ok(format($$ select public.get_provider_calendar(%L, '2030-01-12', '2030-01-08') $$, :'prov'), 'HL217', null, 'reversed range: HL217');
select throws_ok(format($$ select public.get_provider_calendar(%L, '2030-01-01', '2030-06-01') $$, :'prov'), 'HL218', null, 'too long a range: HL218');
select throws_ok($$ select public.get_provider_calendar('00000000-0000-4000-8000-000000000000', '2030-01-01', '2030-01-02') $$, 'HL220', null, 'unknown provider: HL220');
reset role;
select tests.authenticate_as('bk_prov');
select throws_ok($$ select public.get_provider_calendar(auth.uid(), '2030-06-10', '2030-06-01') $$, 'HL217', null,
  'a reversed calendar range is HL217, as for slots');
select throws_ok($$ select public.get_provider_calendar(auth.uid(), '2030-06-01', '2030-12-01') $$, 'HL218', null,
  'too long a calendar range is HL218, as for slots');
reset role;

------------------------------------------------------------------------------------------------
-- Row level security
------------------------------------------------------------------------------------------------
select tests.authenticate_as('bk_cust');
select is((select count(*) from public.bookings), :'cust_total'::bigint, 'customers read their own bookings');
select ok((select count(*) from public.booking_events where booking_id = :'r1') >= 2, 'and their timelines');
select throws_ok(format($$ update public.bookings set status = 'completed' where id = %L $$, :'r1'), '42501', null, 'nobody writes bookings directly');
select throws_ok(format($$ insert into public.booking_events (booking_id, transition, to_state, actor_role) values (%L, 'x', 'completed', 'customer') $$, :'r1'), '42501', null,
  'nobody writes timeline events directly');
select tests.authenticate_as('bk_cust2');
select is_empty(format('select 1 from public.bookings where id = %L', :'r1'), 'other customers do not see the booking');
select is_empty(format('select 1 from public.booking_events where booking_id = %L', :'r1'), 'nor its timeline');
select tests.authenticate_as('bk_prov');
select isnt_empty(format('select 1 from public.bookings where id = %L', :'r1'), 'the provider sees it');
select tests.authenticate_as('bk_mgr');
select isnt_empty(format('select 1 from public.booking_events where booking_id = %L', :'r1'), 'a business manager sees its timeline');
select tests.authenticate_as('bk_staff');
select is_empty(format('select 1 from public.bookings where id = %L', :'r1'), 'business staff do not read booking rows (they work through the RPCs, without the money)');
select tests.authenticate_as('bk_other');
select is_empty('select 1 from public.bookings', 'an unrelated user sees no bookings');
select tests.authenticate_as('bk_op');
select isnt_empty(format('select 1 from public.booking_events where booking_id = %L', :'r1'), 'operators see timelines');
select tests.clear_authentication();
select throws_ok('select 1 from public.bookings', '42501', null, 'anonymous visitors cannot read bookings');
select lives_ok('select 1 from public.booking_transitions', 'the process definition is public');

-- Notifications: own only; mark read, nothing else.
select tests.authenticate_as('bk_cust');
select ok((select count(*) > 0 and bool_and(user_id = (select auth.uid())) from public.notifications), 'users read their own notifications');
select lives_ok($$ update public.notifications set read_at = now() where kind = 'booking.accepted' $$, 'and mark them read');
select throws_ok($$ update public.notifications set kind = 'x' where true $$, '42501', null, 'but cannot rewrite them');
select throws_ok(format($$ insert into public.notifications (user_id, kind) values (%L, 'spam') $$, :'cust'), '42501', null, 'nor create them');
select tests.authenticate_as('bk_other');
select is_empty('select 1 from public.notifications', 'other users'' notifications are invisible');
reset role;

select * from finish();
rollback;
