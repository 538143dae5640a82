-- Module verification: the Send SMS hook's per-number and per-address limits
-- (private.check_sms_otp_send) and the start code by SMS (public.claim_start_code_sms): who may
-- ask, which phone it goes to, the limits, and that a refusal writes nothing.
begin;
select plan(30);

select tests.freeze_time(date_trunc('minute', now()));

------------------------------------------------------------------------------------------------
-- check_sms_otp_send: 3 codes an hour per number and per client address
------------------------------------------------------------------------------------------------
select is((private.check_sms_otp_send('+971500000101', '10.9.0.1')) ->> 'phone_remaining', '2', 'first code to a number: 2 left');
select is((private.check_sms_otp_send('971500000101', '10.9.0.2')) ->> 'phone_remaining', '1',
  'the number is the same with or without + (GoTrue stores it without)');
select is((private.check_sms_otp_send('+971500000101', '10.9.0.3')) ->> 'phone_remaining', '0', 'third code: none left');
select is(tests.error_of($$select private.check_sms_otp_send('+971500000101', '10.9.0.4')$$) ->> 'sqlstate', 'HL680',
  'a fourth code to the number within the hour: HL680');
select ok((tests.error_of($$select private.check_sms_otp_send('+971500000101', '10.9.0.4')$$) ->> 'detail')::jsonb ? 'retry_after_seconds',
  'HL680 details say when to retry');
select is((select count(*)::int from private.rate_limit_hits where key = 'sms_otp_address:10.9.0.4'), 0,
  'the refused request counted nothing for its address');

select is((private.check_sms_otp_send('+971500000102', '10.9.9.9')) ->> 'address_remaining', '2', 'an address: 2 left');
select private.check_sms_otp_send('+971500000103', '10.9.9.9');
select private.check_sms_otp_send('+971500000104', '10.9.9.9');
select is(tests.error_of($$select private.check_sms_otp_send('+971500000105', '10.9.9.9')$$) ->> 'sqlstate', 'HL681',
  'a fourth code for requests from one address within the hour: HL681');
select is((select count(*)::int from private.rate_limit_hits where key = 'sms_otp_phone:+971500000105'), 0,
  'the refused request counted nothing for its number either');
select is((private.check_sms_otp_send('+971500000105', null)) ->> 'phone_remaining', '2',
  'without a client address only the number counts');

select tests.freeze_time(date_trunc('minute', now()) + interval '61 minutes');
select is((private.check_sms_otp_send('+971500000101', '10.9.0.5')) ->> 'phone_remaining', '2',
  'an hour later the number may receive codes again');
select tests.freeze_time(date_trunc('minute', now()));

select is(tests.error_of($$select private.check_sms_otp_send('12ab', '10.9.0.6')$$) ->> 'sqlstate', 'HL683', 'not a phone number: HL683');
select is(tests.error_of($$select private.check_sms_otp_send(null, null)$$) ->> 'sqlstate', 'HL683', 'no phone number: HL683');
select is(tests.error_of($$select private.check_sms_otp_send('+971500000106', repeat('1', 65))$$) ->> 'sqlstate', 'HL683',
  'an absurd address: HL683');

-- The same hook message twice (a replay, or Auth retrying a call that went through).
select is(private.check_sms_otp_send('+971500000107', '10.9.1.1', 'msg_1') ->> 'duplicate', 'false', 'a new hook message counts');
select is(private.check_sms_otp_send('+971500000107', '10.9.1.1', 'msg_1'), '{"duplicate": true}'::jsonb,
  'the same message id again: a duplicate');
select is((select count(*)::int from private.rate_limit_hits where key = 'sms_otp_phone:+971500000107'), 1,
  'the duplicate counted nothing');
select is(tests.error_of(format('select private.check_sms_otp_send(%L, null, %L)', '+971500000107', repeat('m', 101))) ->> 'sqlstate', 'HL683',
  'an absurd message id: HL683');

select ok(not has_function_privilege('authenticated', 'private.check_sms_otp_send(text, text, text)', 'execute'),
  'users cannot call the hook''s limiter');
select ok(has_function_privilege('service_role', 'private.check_sms_otp_send(text, text, text)', 'execute'),
  'the service role can');

------------------------------------------------------------------------------------------------
-- claim_start_code_sms
------------------------------------------------------------------------------------------------
select tests.create_supabase_user(u) from unnest(array['vs_cust', 'vs_prov', 'vs_other']) u;
select tests.get_supabase_uid('vs_cust') as cust \gset
select tests.create_provider('vs_prov', 25.20, 55.27);
select tests.create_booking('vs_cust', 'vs_prov', 'accepted') as b \gset
select tests.create_booking('vs_cust', 'vs_prov', 'requested') as req \gset

select tests.authenticate_as('vs_cust');
select is(tests.error_of(format('select * from public.claim_start_code_sms(%L)', :'b')) ->> 'sqlstate', 'HL682',
  'no verified phone: HL682');
reset role;
-- Auth confirms the customer's phone (the trigger mirrors it to profile_private), and the
-- customer reads Arabic.
update auth.users set phone = '971500000201', phone_confirmed_at = now() where id = :'cust';
update public.profiles set locale = 'ar' where id = :'cust';
select tests.booking_start_code(:'b') as code \gset

select tests.authenticate_as('vs_cust');
select results_eq(format('select phone, locale, code from public.claim_start_code_sms(%L)', :'b'),
  format('select %L::text, %L::text, %L::text', '+971500000201', 'ar', :'code'),
  'the customer gets the verified number, the locale and the booking''s code');
select lives_ok(format('select * from public.claim_start_code_sms(%L)', :'b'), 'a second SMS');
select lives_ok(format('select * from public.claim_start_code_sms(%L)', :'b'), 'a third SMS');
select is(tests.error_of(format('select * from public.claim_start_code_sms(%L)', :'b')) ->> 'sqlstate', 'HL006',
  'a fourth within the hour: HL006');
select is(tests.error_of(format('select * from public.claim_start_code_sms(%L)', :'req')) ->> 'sqlstate', 'HL424',
  'a booking still requested has no start code: HL424');

select tests.authenticate_as('vs_prov');
select is(tests.error_of(format('select * from public.claim_start_code_sms(%L)', :'b')) ->> 'sqlstate', 'HL403',
  'the provider cannot have the code sent: HL403');
select tests.authenticate_as('vs_other');
select is(tests.error_of(format('select * from public.claim_start_code_sms(%L)', :'b')) ->> 'sqlstate', 'HL400',
  'a stranger does not even see the booking: HL400');
select tests.clear_authentication();
select is(tests.error_of(format('select * from public.claim_start_code_sms(%L)', :'b')) ->> 'sqlstate', '42501',
  'anonymous callers cannot execute it');
reset role;
select tests.reset_authentication();

select is((select count(*)::int from private.rate_limit_hits where key like 'start_code_sms:%'), 3,
  'only the three SMS sent were counted');

select * from finish();
rollback;
