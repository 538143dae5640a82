-- Module bookings, a provider's day (public.list_provider_day): the day's bookings in start order
-- per provider (closed ones left out, completed kept), the customer's first name, the exact place
-- only while the state reveals contact, the distance from the previous stop; the business view for
-- its owner and staff, refused to others; and a business of 50 providers read through the index.
begin;
select plan(14);

-- Monday 2030-06-03, 08:00 in Dubai.
select tests.freeze_time('2030-06-03 04:00+00');
select tests.create_supabase_user(u) from unnest(array['pd_staff', 'pd_out', 'pd_boss']) u;
select tests.keep('cust', tests.create_supabase_user('pd_cust'));
update public.profiles set full_name = 'Amira Haddad' where id = tests.id('cust');
select tests.keep('owner', tests.create_provider('pd_owner', 25.08, 55.14, profile => '{"display_name": "A Owner"}'));
select tests.keep('p2', tests.create_provider('pd_p2', 25.10, 55.16, profile => '{"display_name": "B Second"}'));
select tests.keep('solo', tests.create_provider('pd_solo', 25.20, 55.30, profile => '{"display_name": "C Solo"}'));
select tests.keep('biz', tests.create_business('pd_owner', 'Day Co', staff => array['pd_staff']));
update public.provider_profiles set business_id = tests.id('biz') where id in (tests.id('owner'), tests.id('p2'));

-- Today: the owner has a request at 11:00 (Dubai), an accepted job at 09:00 with a place, and a
-- cancelled one at 13:00; tomorrow one more. p2 has one today. The solo provider one today.
create function pg_temp.book(p_provider uuid, p_start timestamptz, p_status text, p_lat float8 default null, p_lng float8 default null)
returns uuid language sql as $$
  select (private.create_booking(tests.id('cust'), p_provider, tstzrange(p_start, p_start + interval '1 hour'), 15000, 'AED',
                                 p_status, 'customer',
                                 p_location => case when p_lat is not null then extensions.st_point(p_lng, p_lat)::extensions.geography end,
                                 p_address => case when p_lat is not null then 'Villa ' || p_lat end)).id
$$;
select tests.keep('o_req', pg_temp.book(tests.id('owner'), '2030-06-03 07:00+00', 'requested', 25.09, 55.14));
select tests.keep('o_acc', pg_temp.book(tests.id('owner'), '2030-06-03 05:00+00', 'accepted', 25.07, 55.14));
select tests.keep('o_cxl', pg_temp.book(tests.id('owner'), '2030-06-03 09:00+00', 'accepted'));
select tests.apply_booking_transition(tests.id('o_cxl'), 'cancel', 'customer');
select tests.keep('o_tmw', pg_temp.book(tests.id('owner'), '2030-06-04 05:00+00', 'accepted', 25.08, 55.15));
select tests.keep('p2_acc', pg_temp.book(tests.id('p2'), '2030-06-03 06:00+00', 'accepted', 25.11, 55.16));
select tests.keep('solo_acc', pg_temp.book(tests.id('solo'), '2030-06-03 06:00+00', 'accepted', 25.21, 55.30));

select tests.authenticate_as('pd_owner');
select results_eq($$ select booking_id, stop_number, status from public.list_provider_day() $$,
  format($$ values (%L::uuid, 1, 'accepted'), (%L::uuid, 2, 'requested') $$, tests.id('o_acc'), tests.id('o_req')),
  'my day: today''s bookings in start order, the cancelled one and tomorrow''s left out');
select is((select customer_first_name from public.list_provider_day() where booking_id = tests.id('o_acc')), 'Amira',
  'the customer''s first name');
select is((select (lat, lng, address) from public.list_provider_day() where booking_id = tests.id('o_acc')),
          (25.07::float8, 55.14::float8, 'Villa 25.07'::text), 'the exact place of an accepted booking');
select is((select (lat, lng, address) from public.list_provider_day() where booking_id = tests.id('o_req')),
          (null::float8, null::float8, null::text), 'none for a request (the place is shared once accepted)');
select ok((select distance_from_previous_m from public.list_provider_day() where booking_id = tests.id('o_acc')) between 1100 and 1130,
  'the first stop''s distance is from the provider''s base (1.1 km south)');
select is(array(select booking_id from public.list_provider_day(p_days => 2)),
          array[tests.id('o_acc'), tests.id('o_req'), tests.id('o_tmw')], 'two days: tomorrow''s booking follows');
select is((select count(*)::int from public.list_provider_day(p_from => '2030-06-02 20:00+00', p_days => 1)), 2,
  'a day from a given start (midnight in Dubai)');

-- The business view: every provider of the business, grouped by provider, for owner and staff.
select results_eq($$ select provider_name, stop_number, booking_id from public.list_provider_day(p_business_id => tests.id('biz')) $$,
  format($$ values ('A Owner', 1, %L::uuid), ('A Owner', 2, %L::uuid), ('B Second', 1, %L::uuid) $$,
         tests.id('o_acc'), tests.id('o_req'), tests.id('p2_acc')),
  'the business''s day: each provider''s bookings in order (not the solo provider''s)');
select tests.authenticate_as('pd_staff');
select is((select count(*)::int from public.list_provider_day(p_business_id => tests.id('biz'))), 3, 'staff see the business''s day too');
select throws_ok($$ select * from public.list_provider_day() $$, 'HL436', null, 'a member without a provider profile has no own day (HL436)');
select tests.authenticate_as('pd_out');
select throws_ok(format($$ select * from public.list_provider_day(p_business_id => %L) $$, tests.id('biz')), 'HL436', null,
  'a stranger to the business: HL436');
select tests.authenticate_as('pd_owner');
select throws_ok($$ select * from public.list_provider_day(p_days => 0) $$, 'HL431', null, 'p_days out of 1-14: HL431');

-- A business of 50 providers with 40 bookings each over 20 days: the day is read by index.
reset role;
select tests.keep('big', tests.create_business('pd_boss', 'Big Co'));
select tests.create_provider('pd_big' || i, 25.0 + i * 0.001, 55.2) from generate_series(1, 50) i;
update public.provider_profiles set business_id = tests.id('big') where id in (select tests.get_supabase_uid('pd_big' || i) from generate_series(1, 50) i);
select count(pg_temp.book(tests.get_supabase_uid('pd_big' || i), '2030-06-03 00:00+00'::timestamptz + d * interval '12 hours', 'accepted'))
  from generate_series(1, 50) i, generate_series(0, 39) d;
analyze public.bookings;
create temp table stats_before as select seq_scan, coalesce(idx_scan, 0) as idx_scan from pg_stat_xact_user_tables where relid = 'public.bookings'::regclass;
grant select on stats_before to authenticated;
select tests.authenticate_as('pd_boss');
select is((select count(*)::int from public.list_provider_day(p_business_id => tests.id('big'))), 100,
  'the dispatcher of 50 providers gets their 100 bookings of the day');
select is((select (x.seq_scan - b.seq_scan, coalesce(x.idx_scan, 0) > b.idx_scan)
             from pg_stat_xact_user_tables x, stats_before b where x.relid = 'public.bookings'::regclass),
          (0::bigint, true), 'read through the (business, start) index, not the 2,000 bookings');

select * from finish();
rollback;
