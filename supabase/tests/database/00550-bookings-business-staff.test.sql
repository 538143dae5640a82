-- Module bookings, business staff and the business's money: staff work a booking of their
-- business (detail, list, contact, transitions, QR scan, start) without ever seeing its price,
-- currency or cancellation terms; managers, the provider and the customer do see them.
begin;
select plan(19);

-- Monday 2030-06-03 11:00 in Dubai.
select tests.freeze_time('2030-06-03 07:00+00');
select tests.create_supabase_user(u) from unnest(array['x_cother', 'x_mgr', 'x_staff']) u;
-- x_pa runs "X Co" with a manager and staff, and works for it.
select tests.create_provider('x_pa', 25.08, 55.14, profile => '{"display_name": "x_pa Pro"}');
select tests.create_business('x_pa', 'X Co', managers => array['x_mgr'], staff => array['x_staff'],
                             id => 'b7000000-0000-4000-8000-000000000001');
update public.provider_profiles set business_id = 'b7000000-0000-4000-8000-000000000001' where id = tests.get_supabase_uid('x_pa');

------------------------------------------------------------------------------------------------
-- Business staff and the business's money
------------------------------------------------------------------------------------------------
select (private.create_booking(tests.get_supabase_uid('x_cother'), tests.get_supabase_uid('x_pa'), tstzrange('2030-06-12 06:00+00', '2030-06-12 07:00+00'),
        15000, 'AED', 'accepted', 'customer', p_address => 'Villa 3')).id as bs1 \gset
select (private.create_booking(tests.get_supabase_uid('x_cother'), tests.get_supabase_uid('x_pa'), tstzrange('2030-06-12 08:00+00', '2030-06-12 09:00+00'),
        15000, 'AED', 'accepted', 'customer')).id as bs2 \gset
select tests.keep('bs1', :'bs1');
select tests.authorize_booking_payment(:'bs1');
select tests.keep('bs2', :'bs2');
select tests.apply_booking_transition(:'bs2', 'cancel', 'customer');
select is((select business_id from public.bookings where id = :'bs1'), 'b7000000-0000-4000-8000-000000000001'::uuid,
  'bookings of x_pa are made with their business');

select tests.authenticate_as('x_staff');
select is((select count(*)::int from public.bookings where id = tests.id('bs1')), 0, 'business staff do not read booking rows');
select is((select count(*)::int from public.booking_events where booking_id = tests.id('bs1')), 0, 'nor timeline rows');
select results_eq($$ select b ->> 'price', b ->> 'currency', b ->> 'cancellation_policy', b ->> 'free_cancellation_until', b ->> 'reference' is not null
                      from (select public.get_booking(tests.id('bs1')) -> 'booking' as b) x $$,
  $$ values (null::text, null::text, null::text, null::text, true) $$,
  'get_booking gives staff the booking without price, currency and cancellation terms');
select is((public.get_booking(tests.id('bs1'))) -> 'my_roles', '["staff"]'::jsonb, 'as staff');
select ok(not exists (select 1 from jsonb_array_elements((public.get_booking(tests.id('bs2'))) -> 'timeline') e
                       where e -> 'metadata' ?| array['cancellation_policy', 'late', 'free_cancellation_until']),
  'nor in the timeline''s metadata');
select results_eq($$ select price, currency::text from public.list_my_bookings('provider', null, 'all', 100) where id = tests.id('bs1') $$,
  $$ values (null::bigint, null::text) $$, 'list_my_bookings lists the business''s bookings for staff without the money');
select is((select counterpart_id from public.get_booking_contact(tests.id('bs1'))), tests.get_supabase_uid('x_cother'),
  'staff still see who and where (the work needs it)');
select results_eq($$ select status, price from public.transition_booking(tests.id('bs1'), 'start_travel') $$,
  $$ values ('en_route'::text, null::bigint) $$, 'staff take progress transitions; the returned booking has no price');

select tests.authenticate_as('x_mgr');
select results_eq($$ select price, currency::text from public.bookings where id = tests.id('bs1') $$,
  $$ values (15000::bigint, 'AED'::text) $$, 'business managers read booking rows with the price');
select ok((select count(*) > 0 from public.booking_events where booking_id = tests.id('bs1')), 'and the timeline rows');
select is((public.get_booking(tests.id('bs1'))) #>> '{booking,price}', '15000', 'and get the price from get_booking');
select ok(exists (select 1 from jsonb_array_elements((public.get_booking(tests.id('bs2'))) -> 'timeline') e
                   where e -> 'metadata' ? 'cancellation_policy'), 'and the cancellation terms in the timeline');
select is((select price from public.list_my_bookings('provider', null, 'all', 100) where id = tests.id('bs1')), 15000::bigint,
  'and in list_my_bookings');
select tests.authenticate_as('x_pa');
select is((select price from public.bookings where id = tests.id('bs1')), 15000::bigint, 'so does the provider');
select tests.authenticate_as('x_cother');
select is((select price from public.bookings where id = tests.id('bs1')), 15000::bigint, 'and the customer');
select payload as qr from public.get_booking_qr(:'bs1') \gset
select tests.authenticate_as('x_staff');
select results_eq(format($$ select status, price, cancellation_policy from public.scan_booking(%L, 'arrived') $$, :'qr'),
  $$ values ('arrived'::text, null::bigint, null::jsonb) $$, 'a staff scan returns the booking without the money');
select tests.reset_authentication();
select tests.booking_start_code(:'bs1') as code \gset
select tests.authenticate_as('x_staff');
select results_eq(format($$ select r ->> 'status', r ->> 'price' from public.start_booking(%L, %L) r $$, :'bs1', :'code'),
  $$ values ('in_progress'::text, null::text) $$, 'start_booking returns it without the money too');
select tests.authenticate_as('x_pa');
select is((public.transition_booking(:'bs1', 'complete')).price, 15000::bigint, 'the provider''s own calls return the price');
select tests.reset_authentication();

select * from finish();
rollback;
