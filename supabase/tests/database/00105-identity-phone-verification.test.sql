-- Module identity, phone verification: Auth's confirmation of a phone (auth.users.phone and
-- phone_confirmed_at, written by Auth on phone sign-in and phone change) is mirrored to
-- profile_private (phone, phone_verified_at); users still cannot write phone_verified_at.
begin;
select plan(9);

select tests.create_supabase_user('pv_ann', metadata => '{"username": "pv_ann", "phone": "+447700900101"}');
select tests.create_supabase_user('pv_ben', metadata => '{"username": "pv_ben", "phone": "+447700900102"}');
select tests.create_supabase_user('pv_cat', metadata => '{"username": "pv_cat"}');

select is((select phone_verified_at from public.profile_private where profile_id = tests.get_supabase_uid('pv_ann')), null,
  'a phone from sign-up metadata starts unverified');

-- Auth confirms Ann's number (what verifyOtp does).
update auth.users set phone = '447700900101', phone_confirmed_at = '2026-12-01 10:00:00+00'
 where id = tests.get_supabase_uid('pv_ann');
select is((select phone || ' ' || phone_verified_at::text from public.profile_private where profile_id = tests.get_supabase_uid('pv_ann')),
  '+447700900101 2026-12-01 10:00:00+00', 'Auth''s confirmation verifies the profile''s phone, at the confirmation time');

-- Cat had no phone on her profile; Auth confirms a number that Ben claimed (unverified) on his.
update auth.users set phone = '447700900102', phone_confirmed_at = '2026-12-01 11:00:00+00'
 where id = tests.get_supabase_uid('pv_cat');
select is((select phone from public.profile_private where profile_id = tests.get_supabase_uid('pv_cat')), '+447700900102',
  'the confirmed number becomes the profile''s phone');
select isnt((select phone_verified_at from public.profile_private where profile_id = tests.get_supabase_uid('pv_cat')), null,
  'and it is verified');
select is((select phone from public.profile_private where profile_id = tests.get_supabase_uid('pv_ben')), null,
  'another profile''s unverified claim of that number is dropped');

-- A phone change confirmed by Auth: the new number replaces the old one, verified.
update auth.users set phone = '447700900109', phone_confirmed_at = '2026-12-02 09:00:00+00'
 where id = tests.get_supabase_uid('pv_ann');
select is((select phone || ' ' || phone_verified_at::text from public.profile_private where profile_id = tests.get_supabase_uid('pv_ann')),
  '+447700900109 2026-12-02 09:00:00+00', 'a confirmed phone change moves the verified phone');

-- Losing the confirmation unverifies the number.
update auth.users set phone_confirmed_at = null where id = tests.get_supabase_uid('pv_ann');
select is((select phone || ' ' || coalesce(phone_verified_at::text, 'unverified')
             from public.profile_private where profile_id = tests.get_supabase_uid('pv_ann')),
  '+447700900109 unverified', 'an unconfirmed phone is no longer verified');

-- Other updates of auth.users leave the profile alone.
update auth.users set raw_app_meta_data = raw_app_meta_data || '{"x": 1}' where id = tests.get_supabase_uid('pv_cat');
select isnt((select phone_verified_at from public.profile_private where profile_id = tests.get_supabase_uid('pv_cat')), null,
  'unrelated updates of the user change nothing');

-- Users still cannot verify themselves.
select tests.authenticate_as('pv_ben');
select throws_ok($$ update public.profile_private set phone_verified_at = now() where profile_id = auth.uid() $$, '42501', null,
  'a user cannot write phone_verified_at');
reset role;

select * from finish();
rollback;
