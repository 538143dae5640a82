-- Module bookings, start codes and QR codes: starting only with the customer's code (through
-- start_booking), locking after wrong attempts and the customer's reset, who may see the code,
-- signed QR payloads scanned by the provider's side (progress tracks, tampering, expiry).
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

-- start: only with the code, through start_booking.
select tests.create_booking('bk_cust', 'bk_prov', 'arrived', :future, :l_req) as b \gset
select tests.authenticate_as('bk_prov');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'start'), 'HL421', null, 'start through transition_booking: HL421 (use start_booking)');
select throws_ok(format('select public.start_booking(%L, null)', :'b'), 'HL421', null, 'start without a code: HL421');
select is((public.start_booking(:'b', '000000x')) ->> 'code', 'HL422', 'a wrong code returns HL422');
reset role;
select results_eq(format($$ select status, start_code_attempts from public.bookings where id = %L $$, :'b'),
  $$ values ('arrived'::text, 1) $$, 'the wrong code is counted and the booking does not start');
select is((select metadata ->> 'attempts_left' from public.booking_events where booking_id = :'b' and transition = 'start_code_rejected'), '4',
  'the rejected attempt is on the timeline with the attempts left');
select tests.booking_start_code(:'b') as code \gset
select tests.authenticate_as('bk_staff');
select is((public.start_booking(:'b', :'code')) ->> 'status', 'in_progress', 'business staff start the job with the right code');
reset role;
select is((select started_at from public.bookings where id = :'b'), '2030-01-07 06:00+00'::timestamptz, 'start stamps started_at');

-- Brute force: locked after the allowed attempts, even for the right code; the customer unlocks.
select tests.create_booking('bk_cust', 'bk_prov', 'arrived', :future, :l_req) as b \gset
select tests.booking_start_code(:'b') as code \gset
select tests.authenticate_as('bk_prov');
select is(array(select public.start_booking(:'b', lpad(n::text, 6, 'x')) ->> 'code' from generate_series(1, 5) n),
  array['HL422', 'HL422', 'HL422', 'HL422', 'HL423'],
  'four wrong codes return HL422, the fifth locks with HL423');
select is((public.start_booking(:'b', :'code')) ->> 'code', 'HL423', 'a locked code refuses even the right code');
select throws_ok(format('select public.reset_booking_start_code(%L)', :'b'), 'HL403', null, 'the provider cannot unlock the code');
select tests.authenticate_as('bk_cust');
select is((select locked from public.get_booking_start_code(:'b')), true, 'the customer sees that the code is locked');
select lives_ok(format('select public.reset_booking_start_code(%L)', :'b'), 'the customer unlocks it');
select isnt((select code from public.get_booking_start_code(:'b')), :'code', 'unlocking issues a new code');
select results_eq(format('select attempts_left, locked from public.get_booking_start_code(%L)', :'b'),
  $$ values (5, false) $$, 'and clears the attempts');
select (select code from public.get_booking_start_code(:'b')) as code2 \gset
select tests.authenticate_as('bk_prov');
select is((public.start_booking(:'b', :'code')) ->> 'code', 'HL422', 'the old code no longer works');
select is((public.start_booking(:'b', :'code2')) ->> 'status', 'in_progress', 'the new one does');
reset role;
select tests.create_booking('bk_cust', 'bk_prov', 'arrived', :future, :l_req) as b \gset
select tests.authenticate_as('bk_op');
select lives_ok(format('select public.reset_booking_start_code(%L)', :'b'), 'an operator can reset a start code');
reset role;
select is((select transition from public.booking_events where booking_id = :'b' order by id desc limit 1), 'start_code_reset', 'the reset is on the timeline');

-- Start code visibility.
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as b \gset
select tests.create_booking('bk_cust', 'bk_prov', 'requested', :future, :l_req) as breq \gset
select tests.authenticate_as('bk_cust');
select ok((select code ~ '^[0-9]{6}$' from public.get_booking_start_code(:'b')), 'the customer sees a 6-digit start code');
select throws_ok(format('select public.get_booking_start_code(%L)', :'breq'), 'HL424', null, 'no code before acceptance: HL424');
select tests.authenticate_as('bk_prov');
select throws_ok(format('select public.get_booking_start_code(%L)', :'b'), 'HL403', null, 'the provider never sees the code');
select tests.authenticate_as('bk_staff');
select throws_ok(format('select public.get_booking_start_code(%L)', :'b'), 'HL403', null, 'nor does business staff');
select tests.authenticate_as('bk_other');
select throws_ok(format('select public.get_booking_start_code(%L)', :'b'), 'HL400', null, 'strangers do not even see the booking');
reset role;
select tests.create_booking('bk_cust', 'bk_prov', 'in_progress', :future, :l_req) as b \gset
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.get_booking_start_code(%L)', :'b'), 'HL424', null, 'no code once the job started: HL424');
reset role;
select ok(not has_table_privilege('authenticated', 'private.booking_secrets', 'select'), 'clients cannot read booking secrets');
select ok(not has_table_privilege('authenticated', 'private.signing_keys', 'select'), 'clients cannot read the signing keys');

------------------------------------------------------------------------------------------------
-- QR payloads and scans
------------------------------------------------------------------------------------------------
-- Another accepted booking (its id is forged into a payload below) and a completed one.
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as c_acc \gset
select tests.create_booking('bk_cust', 'bk_prov', 'completed', :future, :l_req) as c_done \gset
select tests.create_booking('bk_cust', 'bk_prov', 'accepted', :future, :l_req) as q \gset
select tests.authorize_booking_payment(:'q');
select tests.authenticate_as('bk_cust');
select payload as qr from public.get_booking_qr(:'q') \gset
select ok(:'qr' ~ '^HLB1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$', 'the QR payload is HLB1.<body>.<signature>');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'checked_in'), 'HL429', null, 'customers cannot scan: HL429');
select tests.authenticate_as('bk_prov2');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'checked_in'), 'HL429', null, 'another provider cannot scan: HL429');
select tests.authenticate_as('bk_staff');
select is((public.scan_booking(:'qr', 'checked_in', 'Keys received')).status, 'accepted', 'staff record a progress track');
reset role;
select results_eq(format($$ select transition, from_state, to_state, actor_role, actor_id, reason, metadata ->> 'track' from public.booking_events where booking_id = %L and transition = 'scan' $$, :'q'),
  format($$ values ('scan'::text, 'accepted'::text, 'accepted'::text, 'provider'::text, %L::uuid, 'Keys received'::text, 'checked_in'::text) $$, :'staff'),
  'the scan is on the timeline with its track');
select tests.authenticate_as('bk_staff');
select is((public.scan_booking(:'qr', 'arrived')).status, 'arrived', 'scanning "arrived" takes the arrive transition');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'start'), 'HL428', null, 'a scan cannot replace the start code: HL428');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'cancelled'), 'HL428', null, 'a scan cannot cancel: HL428');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'Bad Event!'), 'HL428', null, 'malformed event: HL428');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'en_route'), 'HL402', null, 'a progress transition from the wrong state: HL402');
-- Tampering: another booking id in the body, a changed signature, garbage.
reset role;
select 'HLB1.' || private.base64url(convert_to(jsonb_build_object('b', :'c_acc', 'r', 'HL-000001', 'iat', extract(epoch from private.now())::bigint)::text, 'UTF8'))
      || '.' || split_part(:'qr', '.', 3) as forged \gset
select tests.authenticate_as('bk_staff');
select throws_ok(format('select public.scan_booking(%L, %L)', :'forged', 'checked_in'), 'HL426', null, 'a body with another booking id fails the signature: HL426');
select throws_ok(format('select public.scan_booking(%L, %L)', split_part(:'qr', '.', 1) || '.' || split_part(:'qr', '.', 2) || '.' || 'AAAA' || substr(split_part(:'qr', '.', 3), 5), 'checked_in'),
  'HL426', null, 'an altered signature: HL426');
select throws_ok(format('select public.scan_booking(%L, %L)', 'not-a-code', 'checked_in'), 'HL426', null, 'garbage: HL426');
select tests.freeze_time('2030-01-08 06:01:00+00');
select throws_ok(format('select public.scan_booking(%L, %L)', :'qr', 'checked_in'), 'HL427', null, 'an old payload: HL427 expired');
select tests.freeze_time('2030-01-07 06:00:00+00');
reset role;
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.get_booking_qr(%L)', :'c_done'), 'HL430', null, 'no QR for a closed booking: HL430');
reset role;

select * from finish();
rollback;
