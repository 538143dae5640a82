-- Module catalog, availability: weekly rules and time off (policies and validation codes),
-- bookable slots (time zones, notice, step, merged rules, time off, daylight-saving changes),
-- and buddies (rules, wrong actors) with "available now".
begin;
select plan(92);

select tests.create_supabase_user(u) from unnest(array['cat_admin', 'cat_cust', 'cat_friend']) u;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('cat_admin'), 'admin');
insert into public.categories (id, slug, names) values
  ('00000000-0000-4000-a000-000000000103', 'tcat-leaks', '{"en": "Leaks", "ar": "تسريبات"}');
-- cat_prov: Dubai, accepting work, a 60-minute listing (201) and a hidden one (204).
select tests.create_provider('cat_prov', 25.2048, 55.2708, radius_m => 5000, profile => '{"display_name": "Omar Fixes It"}');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes, is_active) values
  ('00000000-0000-4000-a000-000000000201', tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Fix a leaking pipe', 'fixed', 15000, 60, true),
  ('00000000-0000-4000-a000-000000000204', tests.get_supabase_uid('cat_prov'), '00000000-0000-4000-a000-000000000103', 'Secret listing', 'fixed', 100, 60, false);
-- cat_prov2: London, priced in GBP, not accepting work; cat_temp: another provider.
select tests.create_provider('cat_prov2', 51.5074, -0.1278, radius_m => 8000, available => false,
  profile => '{"display_name": "London Fixer", "timezone": "Europe/London", "currency": "GBP"}');
select tests.create_provider('cat_temp', 25.1, 55.1, profile => '{"display_name": "Temp Provider"}');

------------------------------------------------------------------------------------------------
-- Availability rules and time off
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_prov');
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
values (auth.uid(), 1, '09:00', '12:00');
select ok(exists (select 1 from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1), 'providers add weekly rules');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 1, '11:00', '13:00') $$,
  'HL216', null, 'an overlapping rule is HL216');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 7, '09:00', '10:00') $$,
  'HL215', null, 'weekday 7 is HL215');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 2, '10:00', '09:00') $$,
  'HL215', null, 'a rule ending before it starts is HL215');
select throws_ok($$ select public.set_weekly_availability('{"weekday": 1}') $$, 'HL215', null, 'set_weekly_availability needs an array (HL215)');
select throws_ok($$ select public.set_weekly_availability('[{"weekday": "monday", "start_time": "09:00", "end_time": "10:00"}]') $$, 'HL215', null, 'an unreadable rule is HL215');
select tests.authenticate_as('cat_cust');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('cat_prov'), 3, '09:00', '10:00') $$,
  '42501', null, 'users cannot add rules for a provider');
select is(tests.affected_rows($$ update public.availability_rules set end_time = '23:00' where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1 $$), 0, 'other users cannot edit rules');
select is(tests.affected_rows($$ delete from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1 $$), 0, 'other users cannot delete rules');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 3, '09:00', '10:00') $$,
  'HL106', null, 'a non-provider adding a rule is HL106');
select tests.clear_authentication();
select ok(exists (select 1 from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1), 'anon reads weekly rules');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('cat_prov'), 3, '09:00', '10:00') $$,
  '42501', null, 'anon cannot add rules');
select throws_ok($$ select count(*) from public.provider_time_off $$, '42501', null, 'anon cannot read time off');

select tests.authenticate_as('cat_prov');
insert into public.provider_time_off (provider_id, period, reason)
values (auth.uid(), '[2026-12-24 00:00+04, 2026-12-27 00:00+04)', 'Holiday');
select ok(exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'providers add and read their time off');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (auth.uid(), 'empty') $$, 'HL217', null, 'an empty period is HL217');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (auth.uid(), '[2026-12-01 00:00+04,)') $$, 'HL217', null, 'an unbounded period is HL217');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (auth.uid(), '[2026-01-01 00:00+04, 2028-01-01 00:00+04)') $$, 'HL217', null, 'two years off is HL217');
select tests.authenticate_as('cat_prov2');
select ok(not exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'other users do not see time off');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (tests.get_supabase_uid('cat_prov'), '[2026-12-01 00:00+04, 2026-12-02 00:00+04)') $$,
  '42501', null, 'users cannot add time off for a provider');
select is(tests.affected_rows($$ update public.provider_time_off set reason = 'x' where reason = 'Holiday' $$), 0, 'other users cannot edit time off');
select is(tests.affected_rows($$ delete from public.provider_time_off where reason = 'Holiday' $$), 0, 'other users cannot delete time off');
select tests.authenticate_as('cat_admin');
select ok(not exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'admins do not read time off');


------------------------------------------------------------------------------------------------
-- Slots
------------------------------------------------------------------------------------------------
-- cat_prov: Asia/Dubai, Monday 09:00-12:00; listing 201 lasts 60 minutes; step 30, notice 60.
select tests.freeze_time('2026-03-01 12:00+00');  -- a Sunday
select tests.clear_authentication();
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 05:00+00', '2026-03-02 05:30+00', '2026-03-02 06:00+00', '2026-03-02 06:30+00', '2026-03-02 07:00+00']::timestamptz[],
  'anon gets slots: Monday 09:00-12:00 Dubai in 30-minute steps for a 60-minute job');
select ok((select bool_and(slot_end = slot_start + interval '60 minutes') from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  'slots last the listing''s duration');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-03-31')), 25,
  'a 31-day range returns every Monday''s slots');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-03-01', 'America/Los_Angeles')), 5,
  'dates are read in the requested time zone (Sunday in Los Angeles holds Monday morning in Dubai)');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02', 'America/Los_Angeles')), 0,
  'and Monday in Los Angeles holds none');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-04-01') $$,
  'HL218', null, 'more than 31 days is HL218');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-05', '2026-03-01') $$,
  'HL217', null, 'a reversed range is HL217');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', null, '2026-03-01') $$,
  'HL217', null, 'a missing date is HL217');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-01', '2026-03-02', 'Mars/Olympus') $$,
  'HL214', null, 'an unknown time zone is HL214');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-0000000009ff', '2026-03-01', '2026-03-02') $$,
  'HL219', null, 'an unknown listing is HL219');
select throws_ok($$ select * from public.get_available_slots('00000000-0000-4000-a000-000000000204', '2026-03-01', '2026-03-02') $$,
  'HL219', null, 'an inactive listing is HL219 for others');
select tests.authenticate_as('cat_prov');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000204', '2026-03-02', '2026-03-02')), 5,
  'providers preview slots of their inactive listings');

-- Minimum notice.
select tests.freeze_time('2026-03-02 05:10+00');  -- Monday 09:10 in Dubai
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 06:30+00', '2026-03-02 07:00+00']::timestamptz[], 'slots start at least 60 minutes from now');

-- Step setting.
select tests.freeze_time('2026-03-01 12:00+00');
reset role;
update private.settings set value = '0' where key = 'catalog.slot_step_minutes';
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 05:00+00', '2026-03-02 06:00+00', '2026-03-02 07:00+00']::timestamptz[], 'step 0 makes back-to-back slots of the listing duration');
update private.settings set value = '30' where key = 'catalog.slot_step_minutes';

-- Adjacent rules merge; time off is excluded.
select tests.authenticate_as('cat_prov');
select is((select count(*)::integer from public.set_weekly_availability(
  '[{"weekday": 1, "start_time": "09:00", "end_time": "12:00"}, {"weekday": 2, "start_time": "09:00", "end_time": "10:00"}, {"weekday": 2, "start_time": "10:00", "end_time": "11:00"}]')),
  3, 'set_weekly_availability replaces the week');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-03', '2026-03-03')),
  array['2026-03-03 05:00+00', '2026-03-03 05:30+00', '2026-03-03 06:00+00']::timestamptz[], 'adjacent rules form one stretch (09:30-10:30 spans both)');
insert into public.provider_time_off (provider_id, period) values (auth.uid(), '[2026-03-02 06:00+00, 2026-03-02 06:30+00)');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000201', '2026-03-02', '2026-03-02')),
  array['2026-03-02 05:00+00', '2026-03-02 06:30+00', '2026-03-02 07:00+00']::timestamptz[], 'slots overlapping time off are left out');

-- DST: a London provider, Sundays 00:30-03:00 and 09:00-11:00, 60-minute listing.
select tests.authenticate_as('cat_prov2');
select lives_ok($$ select public.set_weekly_availability('[{"weekday": 0, "start_time": "00:30", "end_time": "03:00"}, {"weekday": 0, "start_time": "09:00", "end_time": "11:00"}]') $$,
  'the London provider sets Sunday hours');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes) values
  ('00000000-0000-4000-a000-000000000205', auth.uid(), '00000000-0000-4000-a000-000000000103', 'London leaks', 'hourly', 6000, 60);
select is((select currency::text from public.service_listings where id = '00000000-0000-4000-a000-000000000205'), 'GBP', 'the London listing is priced in GBP');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000205', '2026-03-22', '2026-03-22')),
  array['2026-03-22 00:30+00', '2026-03-22 01:00+00', '2026-03-22 01:30+00', '2026-03-22 02:00+00',
        '2026-03-22 09:00+00', '2026-03-22 09:30+00', '2026-03-22 10:00+00']::timestamptz[],
  'London in winter: local time is UTC');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000205', '2026-03-29', '2026-03-29')),
  array['2026-03-29 00:30+00', '2026-03-29 01:00+00', '2026-03-29 08:00+00', '2026-03-29 08:30+00', '2026-03-29 09:00+00']::timestamptz[],
  'the last Sunday of March: 00:30-03:00 lasts 90 minutes and 09:00 BST is 08:00 UTC');
select is((select array_agg(slot_start order by slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000205', '2026-10-25', '2026-10-25')),
  array['2026-10-24 23:30+00', '2026-10-25 00:00+00', '2026-10-25 00:30+00', '2026-10-25 01:00+00', '2026-10-25 01:30+00', '2026-10-25 02:00+00',
        '2026-10-25 09:00+00', '2026-10-25 09:30+00', '2026-10-25 10:00+00']::timestamptz[],
  'the last Sunday of October: 00:30-03:00 lasts 3.5 hours');
select lives_ok($$ select public.set_weekly_availability('[{"weekday": 0, "start_time": "01:30", "end_time": "02:00"}]') $$,
  'a rule inside the spring-forward gap is accepted');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, duration_minutes) values
  ('00000000-0000-4000-a000-000000000206', auth.uid(), '00000000-0000-4000-a000-000000000103', 'Quick check', 'fixed', 2000, 30);
select is((select array_agg(slot_start) from public.get_available_slots('00000000-0000-4000-a000-000000000206', '2026-03-22', '2026-03-22')),
  array['2026-03-22 01:30+00']::timestamptz[], 'a 30-minute rule holds one 30-minute slot on a normal Sunday');
select is((select count(*)::integer from public.get_available_slots('00000000-0000-4000-a000-000000000206', '2026-03-29', '2026-03-29')), 0,
  'and none (without an error) when 01:30-02:00 does not exist');
reset role;
select is(private.is_within_availability(tests.get_supabase_uid('cat_prov2'), tstzrange('2026-03-22 01:30+00', '2026-03-22 02:00+00')), true,
  'bookings use the same open hours: 01:30-02:00 on a normal Sunday is open');
select is(private.is_within_availability(tests.get_supabase_uid('cat_prov2'), tstzrange('2026-03-29 00:30+00', '2026-03-29 01:00+00')), false,
  'and a Sunday whose rule falls in the gap is closed, without an error');

------------------------------------------------------------------------------------------------
-- Buddies
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_cust');
insert into public.buddies (user_id, buddy_id) values
  (auth.uid(), tests.get_supabase_uid('cat_prov')), (auth.uid(), tests.get_supabase_uid('cat_prov2'));
select is((select count(*)::integer from public.buddies), 2, 'users add and read their buddies');
select is(tests.affected_rows($$ insert into public.buddies (user_id, buddy_id) values (auth.uid(), tests.get_supabase_uid('cat_prov')) $$), 0,
  'adding a buddy again is a no-op');
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (auth.uid(), '00000000-0000-4000-a000-0000000009ff') $$,
  'HL233', null, 'adding an unknown user is HL233');
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (auth.uid(), auth.uid()) $$,
  'HL232', 'You cannot be your own buddy.', 'adding yourself is HL232');
select tests.clear_authentication();
reset role;
update private.settings set value = '3' where key = 'catalog.max_buddies';
select tests.authenticate_as('cat_cust');
insert into public.buddies (user_id, buddy_id) values (auth.uid(), tests.get_supabase_uid('cat_friend'));
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (auth.uid(), tests.get_supabase_uid('cat_temp')) $$,
  'HL234', null, 'more than catalog.max_buddies is HL234');
select tests.clear_authentication();
reset role;
update private.settings set value = '200' where key = 'catalog.max_buddies';
select tests.authenticate_as('cat_cust');
select is((select count(*)::integer from public.list_buddies()), 3, 'list_buddies lists every buddy, providers or not');
select is((select display_name from public.list_buddies() where buddy_id = tests.get_supabase_uid('cat_prov')), 'Omar Fixes It',
  'with a provider''s display data');
select is((select row(is_provider, display_name, rating_avg, available_now)::text from public.list_buddies()
            where buddy_id = tests.get_supabase_uid('cat_friend')), '(f,,,f)',
  'a buddy who is not a provider: is_provider false, provider fields null, never available now');
select is((select username from public.list_buddies() where buddy_id = tests.get_supabase_uid('cat_friend')),
  (select username from public.profiles where id = tests.get_supabase_uid('cat_friend')), 'with their public profile fields');
-- Monday 09:30 in Dubai: inside cat_prov's rule, toggle on (set above), no time off.
select tests.freeze_time('2026-03-02 05:30+00');
select is((select array_agg(buddy_id) from public.list_buddies(true)), array[tests.get_supabase_uid('cat_prov')],
  'available now: toggle on and inside a weekly rule');
select tests.freeze_time('2026-03-02 06:10+00');
select is((select count(*)::integer from public.list_buddies(true)), 0, 'not available during time off');
select tests.freeze_time('2026-03-02 09:00+00');
select is((select count(*)::integer from public.list_buddies(true)), 0, 'not available outside the weekly rules');
select tests.freeze_time('2026-03-02 05:30+00');
select tests.authenticate_as('cat_prov');
update public.provider_profiles set is_available = false where id = auth.uid();
select tests.authenticate_as('cat_cust');
select is((select count(*)::integer from public.list_buddies(true)), 0, 'not available with the toggle off');
select tests.authenticate_as('cat_prov2');
select is((select count(*)::integer from public.buddies), 0, 'other users do not see someone''s buddies (not even the buddies themselves)');
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (tests.get_supabase_uid('cat_cust'), tests.get_supabase_uid('cat_temp')) $$,
  '42501', null, 'users cannot add buddies for someone else');
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (tests.get_supabase_uid('cat_cust'), tests.get_supabase_uid('cat_prov')) $$,
  '42501', null, 'not even a row that exists (the answer tells nothing about someone else''s list)');
select is(tests.affected_rows($$ delete from public.buddies where user_id = tests.get_supabase_uid('cat_cust') $$), 0, 'other users cannot remove someone''s buddies');
select throws_ok($$ update public.buddies set created_at = now() where user_id = auth.uid() $$, '42501', null, 'buddies are not updated');
select is((select count(*)::integer from public.list_buddies()), 0, 'list_buddies only lists the caller''s');
select tests.clear_authentication();
select throws_ok($$ select count(*) from public.buddies $$, '42501', null, 'anon cannot read buddies');
select throws_ok($$ select * from public.list_buddies() $$, '42501', null, 'anon cannot list buddies');
select tests.authenticate_as('cat_cust');
select is(tests.affected_rows($$ delete from public.buddies where buddy_id = tests.get_supabase_uid('cat_prov2') $$), 1, 'users remove their buddies');

------------------------------------------------------------------------------------------------
-- Remaining policy cells: each action by the owner, another user, anon and an operator
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_cust');
select ok(exists (select 1 from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov')), 'signed-in users read weekly rules');

select tests.clear_authentication();
select throws_ok($$ update public.availability_rules set end_time = '23:00' where weekday = 1 $$, '42501', null, 'anon cannot edit rules');
select throws_ok($$ delete from public.availability_rules where weekday = 1 $$, '42501', null, 'anon cannot delete rules');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (tests.get_supabase_uid('cat_prov'), '[2026-12-01 00:00+04, 2026-12-02 00:00+04)') $$,
  '42501', null, 'anon cannot add time off');
select throws_ok($$ update public.provider_time_off set reason = 'x' where reason = 'Holiday' $$, '42501', null, 'anon cannot edit time off');
select throws_ok($$ delete from public.provider_time_off where reason = 'Holiday' $$, '42501', null, 'anon cannot delete time off');
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (tests.get_supabase_uid('cat_cust'), tests.get_supabase_uid('cat_temp')) $$,
  '42501', null, 'anon cannot add buddies');
select throws_ok($$ delete from public.buddies where user_id = tests.get_supabase_uid('cat_cust') $$, '42501', null, 'anon cannot remove buddies');

select tests.authenticate_as('cat_admin');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('cat_prov'), 5, '09:00', '10:00') $$,
  '42501', null, 'admins do not add rules for providers');
select is(tests.affected_rows($$ update public.availability_rules set end_time = '23:00' where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not edit rules');
select is(tests.affected_rows($$ delete from public.availability_rules where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not delete rules');
select throws_ok($$ insert into public.provider_time_off (provider_id, period) values (tests.get_supabase_uid('cat_prov'), '[2026-12-01 00:00+04, 2026-12-02 00:00+04)') $$,
  '42501', null, 'admins do not add time off for providers');
select is(tests.affected_rows($$ update public.provider_time_off set reason = 'x' where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not edit time off');
select is(tests.affected_rows($$ delete from public.provider_time_off where provider_id = tests.get_supabase_uid('cat_prov') $$), 0, 'admins do not delete time off');
select is((select count(*)::integer from public.buddies where user_id = tests.get_supabase_uid('cat_cust')), 0, 'admins do not read users'' buddies');
select is(tests.affected_rows($$ delete from public.buddies where user_id = tests.get_supabase_uid('cat_cust') $$), 0, 'admins do not remove users'' buddies');

select tests.authenticate_as('cat_prov');
select is(tests.affected_rows($$ update public.availability_rules set end_time = '13:00' where provider_id = auth.uid() and weekday = 1 $$), 1, 'providers edit their rules');
select throws_ok($$ update public.availability_rules set start_time = '14:00' where provider_id = auth.uid() and weekday = 1 $$, 'HL215', null, 'an edit that starts after the end is HL215');
select is(tests.affected_rows($$ delete from public.availability_rules where provider_id = auth.uid() and weekday = 2 $$), 2, 'providers delete their rules');
select is(tests.affected_rows($$ update public.provider_time_off set reason = 'Family holiday' where reason = 'Holiday' $$), 1, 'providers edit their time off');
select is(tests.affected_rows($$ delete from public.provider_time_off where reason = 'Family holiday' $$), 1, 'providers delete their time off');

select * from finish();
rollback;
