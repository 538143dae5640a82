-- Module bookings, booking a listing: request to book and instant book (price, period, policy,
-- private address, start code, first event, notification), category policy inheritance, a code
-- for each bad input with nothing written, the exclusion constraint against double booking, and
-- cancellation policy validation.
begin;
select plan(41);

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
-- Booking a listing
------------------------------------------------------------------------------------------------
select tests.authenticate_as('bk_cust');
select public.book_listing(:l_req, '2030-01-08 06:00+00', 25.21, 55.28, 'Villa 12, Street 4', 'Two bathrooms') as r1 \gset
select (public.book_listing(:l_inst, '2030-01-08 09:00+00')).id as i1 \gset
reset role;
select (:'r1'::public.bookings).id as r1 \gset

select results_eq(
  format($$ select status, price, currency::text, request_expires_at, cancellation_policy, free_cancellation_until, customer_note, listing_id
              from public.bookings where id = %L $$, :'r1'),
  $$ values ('requested'::text, 15000::bigint, 'AED'::text, timestamptz '2030-01-07 08:00+00',
             '{"free_until_minutes": 1440, "fee_percent": 25}'::jsonb, timestamptz '2030-01-07 06:00+00',
             'Two bathrooms'::text, 'a0000000-0000-4000-8000-000000000001'::uuid) $$,
  'request to book: requested, hourly price for 90 minutes, expires in 2 h, default policy and free window');
select is((select period from public.bookings where id = :'r1'), tstzrange('2030-01-08 06:00+00', '2030-01-08 07:30+00'),
  'the period is the start plus the listing duration');
select results_eq(format($$ select address, extensions.st_y(location::extensions.geometry), start_code_hash from private.booking_secrets where booking_id = %L $$, :'r1'),
  $$ values ('Villa 12, Street 4'::text, 25.21::float8, null::text) $$,
  'the exact address is kept in private.booking_secrets; no start code before acceptance');
select results_eq(format($$ select transition, from_state, to_state, actor_role, actor_id from public.booking_events where booking_id = %L $$, :'r1'),
  format($$ values ('create'::text, null::text, 'requested'::text, 'customer'::text, %L::uuid) $$, :'cust'),
  'creation writes the first timeline event');
select is((select count(*)::int from public.notifications where user_id = :'prov' and kind = 'booking.requested' and payload ->> 'booking_id' = :'r1'), 1,
  'the provider is notified of the request');

select results_eq(
  format($$ select status, price, accepted_at, cancellation_policy, free_cancellation_until, request_expires_at from public.bookings where id = %L $$, :'i1'),
  $$ values ('accepted'::text, 20000::bigint, timestamptz '2030-01-07 06:00+00', '{"free_until_minutes": 120, "fee_percent": 50}'::jsonb,
             timestamptz '2030-01-08 07:00+00', null::timestamptz) $$,
  'instant book: accepted at once with the listing''s own cancellation policy');
select ok((select start_code_hash like '$2a$06$%' from private.booking_secrets where booking_id = :'i1'),
  'instant book issues a start code, stored as a bcrypt hash');
select ok((select start_code_hash <> tests.booking_start_code(:'i1') and position(tests.booking_start_code(:'i1') in start_code_hash) = 0
             from private.booking_secrets where booking_id = :'i1'), 'the start code itself is not stored');

-- Category policy inheritance (nearest ancestor with a policy).
update public.categories set cancellation_policy = '{"free_until_minutes": 720, "fee_percent": 10}' where id = 'c0000000-0000-4000-8000-000000000001';
select tests.authenticate_as('bk_cust2');
select (public.book_listing(:l_req, '2030-01-09 06:00+00')).id as r2 \gset
reset role;
select is((select cancellation_policy from public.bookings where id = :'r2'), '{"free_until_minutes": 720, "fee_percent": 10}'::jsonb,
  'a listing without a policy takes its (parent) category''s');

-- Bad input: each gets its own code, and nothing is written.
select count(*) as bookings_before from public.bookings \gset
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.book_listing(%L, %L)', '00000000-0000-4000-8000-000000000000', '2030-01-10 06:00+00'), 'HL219', null, 'unknown listing: HL219');
select throws_ok(format('select public.book_listing(%L, %L)', :l_off, '2030-01-10 06:00+00'), 'HL411', null, 'paused listing: HL411');
select throws_ok(format('select public.book_listing(%L, %L)', :l_quote, '2030-01-10 06:00+00'), 'HL412', null, 'quote listing: HL412');
select throws_ok(format('select public.book_listing(%L, null)', :l_req), 'HL405', null, 'missing start: HL405');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, 'infinity'), 'HL405', null, 'infinite start: HL405');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-07 05:00+00'), 'HL406', null, 'start in the past: HL406');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-07 06:30+00'), 'HL407', null, 'less than the minimum notice: HL407');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2031-01-07 06:00+00'), 'HL408', null, 'too far ahead: HL408');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-08 17:00+00'), 'HL409', null, 'outside weekly hours (21:00 in Dubai): HL409');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-08 15:00+00'), 'HL409', null, 'running past closing time: HL409');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-08 06:30+00'), 'HL404', null, 'overlapping another booking: HL404');
select throws_ok(format('select public.book_listing(%L, %L, 25.2, null)', :l_req, '2030-01-10 06:00+00'), 'HL008', null, 'half a location: HL008');
select throws_ok(format('select public.book_listing(%L, %L, 100, 55)', :l_req, '2030-01-10 06:00+00'), 'HL200', null, 'latitude out of range: HL200');
select throws_ok(format('select public.book_listing(%L, %L, 0, 0)', :l_req, '2030-01-10 06:00+00'), 'HL415', null, 'outside the service area: HL415');
select throws_ok(format('select public.book_listing(%L, %L, null, null, null, %L)', :l_req, '2030-01-10 06:00+00', repeat('x', 2001)), 'HL434', null, 'note too long: HL434');
reset role;
insert into public.provider_time_off (provider_id, period, reason) values (:'prov', '[2030-01-10 04:00+00, 2030-01-10 08:00+00)', 'Dentist');
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-10 05:00+00'), 'HL404', null, 'during time off: HL404');
select tests.authenticate_as('bk_prov');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-11 06:00+00'), 'HL413', null, 'the provider cannot book their own listing: HL413');
select tests.authenticate_as('bk_staff');
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-11 06:00+00'), 'HL413', null, 'nor can their business staff: HL413');
select tests.clear_authentication();
select throws_ok(format('select public.book_listing(%L, %L)', :l_req, '2030-01-11 06:00+00'), '42501', null, 'anonymous users cannot book');
reset role;
select is((select count(*) from public.bookings), :'bookings_before'::bigint, 'refused bookings write nothing');

-- The database itself refuses overlaps, whatever the caller (exclusion constraint).
select throws_ok(format($$ select private.create_booking(%L, %L, tstzrange('2030-01-08 07:00+00', '2030-01-08 08:00+00'), 1, 'AED', 'requested', 'customer') $$, :'cust2', :'prov'),
  '23P01', null, 'bookings_no_double_booking refuses an overlapping booking');
select lives_ok(format($$ select private.create_booking(%L, %L, tstzrange('2030-01-08 07:30+00', '2030-01-08 08:00+00'), 1, 'AED', 'requested', 'customer') $$, :'cust2', :'prov'),
  'back-to-back bookings are fine');
select lives_ok(format($$ select private.create_booking(%L, %L, tstzrange('2030-01-08 06:00+00', '2030-01-08 07:00+00'), 1, 'AED', 'requested', 'customer') $$, :'cust', :'prov2'),
  'another provider at the same time is fine');
select is((select count(*)::int from private.provider_busy_periods(:'prov', '[2030-01-08 00:00+00, 2030-01-11 00:00+00)')), 5,
  'provider_busy_periods returns holding bookings and time off');

------------------------------------------------------------------------------------------------
-- Cancellation policy validation
------------------------------------------------------------------------------------------------
select tests.authenticate_as('bk_prov');
select throws_ok(format($$ update public.service_listings set cancellation_policy = '{"free_until_minutes": -1, "fee_percent": 10}' where id = %L $$, :l_req), 'HL416', null, 'negative window: HL416');
select throws_ok(format($$ update public.service_listings set cancellation_policy = '{"free_until_minutes": 60, "fee_percent": 101}' where id = %L $$, :l_req), 'HL416', null, 'fee over 100 percent: HL416');
select throws_ok(format($$ update public.service_listings set cancellation_policy = '{"free_until_minutes": 60.5, "fee_percent": 1}' where id = %L $$, :l_req), 'HL416', null, 'fractional minutes: HL416');
select throws_ok(format($$ update public.service_listings set cancellation_policy = '{"free_until_minutes": 60, "fee_percent": 1, "x": 1}' where id = %L $$, :l_req), 'HL416', null, 'unknown keys: HL416');
select throws_ok(format($$ update public.service_listings set cancellation_policy = '{"free_until_minutes": "60", "fee_percent": 1}' where id = %L $$, :l_req), 'HL416', null, 'strings are not numbers: HL416');
select lives_ok(format($$ update public.service_listings set cancellation_policy = '{"free_until_minutes": 0, "fee_percent": 12.5}', booking_mode = 'instant' where id = %L $$, :l_req), 'a valid policy and booking mode');
select throws_ok(format($$ update public.service_listings set booking_mode = 'auction' where id = %L $$, :l_req), '23514', null, 'booking_mode is instant or request');
reset role;
select throws_ok($$ update public.categories set cancellation_policy = '[]' where slug = 'bk-cleaning' $$, 'HL416', null, 'categories validate their policy too');

select * from finish();
rollback;
