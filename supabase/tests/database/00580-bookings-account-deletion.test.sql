-- Module bookings, account deletion: the bookings step of deleting an account refuses while a
-- booking is under way, cancels open bookings as the system, erases addresses and notes, and
-- keeps the bookings themselves.
begin;
select plan(6);

-- Monday 2030-01-07 10:00 in Dubai.
select tests.freeze_time('2030-01-07 06:00:00+00');
select tests.create_supabase_user('bk_op');
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('bk_op'), 'support');
select tests.create_provider('bk_prov', 25.20, 55.27, available => false, opens => '08:00', closes => '20:00',
                             profile => '{"display_name": "Fixit Pro"}');
select tests.get_supabase_uid('bk_prov') as prov, tests.get_supabase_uid('bk_op') as op \gset

------------------------------------------------------------------------------------------------
-- Account deletion step
------------------------------------------------------------------------------------------------
select tests.create_supabase_user('bk_leaver');
select tests.get_supabase_uid('bk_leaver') as leaver \gset
select (private.create_booking(:'leaver', :'prov', tstzrange('2030-05-01 06:00+00', '2030-05-01 07:00+00'), 1, 'AED', 'accepted', 'customer',
        p_address => 'Flat 3')).id as lv1 \gset
select (private.create_booking(:'leaver', :'prov', tstzrange('2030-05-01 08:00+00', '2030-05-01 09:00+00'), 1, 'AED', 'requested', 'customer',
        p_customer_note => 'ring twice')).id as lv2 \gset
select (private.create_booking(:'leaver', :'prov', tstzrange('2030-05-01 10:00+00', '2030-05-01 11:00+00'), 1, 'AED', 'accepted', 'customer')).id as lv3 \gset
select tests.authorize_booking_payment(:'lv3');
select tests.apply_booking_transition(:'lv3', 'arrive', 'provider', :'prov');
select throws_ok(format('select private.delete_account_bookings(%L)', :'leaver'), 'HL435', null, 'deletion is refused while a booking is under way');
select tests.apply_booking_transition(:'lv3', 'cancel', 'operator', :'op');
select lives_ok(format('select private.delete_account_bookings(%L)', :'leaver'), 'then it proceeds');
select results_eq(format($$ select status, cancelled_by, cancel_reason from public.bookings where id in (%L, %L) order by id $$, :'lv1', :'lv2'),
  $$ values ('cancelled'::text, 'system'::text, 'account_deleted'::text), ('cancelled'::text, 'system'::text, 'account_deleted'::text) $$,
  'open bookings are cancelled by the system');
select is_empty(format($$ select 1 from private.booking_secrets where booking_id in (%L, %L, %L) and (address is not null or location is not null) $$, :'lv1', :'lv2', :'lv3'),
  'addresses are erased');
select is((select customer_note from public.bookings where id = :'lv2'), null, 'notes are erased');
select is((select count(*)::int from public.bookings where customer_id = :'leaver'), 3, 'the bookings themselves are kept');

select * from finish();
rollback;
