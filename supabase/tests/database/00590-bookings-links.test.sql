-- Module bookings: what the transition path feeds into earlier modules and what later modules hang
-- on it. Busy blocks (catalog) follow the states that hold time, the provider's statistics count
-- completed work and the answer to a request, the exclusion constraint and booking_states agree,
-- and the transition handler registry calls registered handlers (and refuses malformed ones).
begin;
select plan(19);

select tests.create_supabase_user('bl_cust');
select tests.create_supabase_user('bl_prov');
select tests.get_supabase_uid('bl_cust') as cust, tests.get_supabase_uid('bl_prov') as prov \gset

insert into public.provider_profiles (id, display_name, base_location, timezone)
values (:'prov', 'Links Pro', 'SRID=4326;POINT(55.27 25.20)', 'Asia/Dubai');
insert into public.categories (id, slug, names)
values ('c0000000-0000-4000-8000-0000000000b1', 'bl-cleaning', '{"en": "Cleaning", "ar": "تنظيف"}');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, currency, booking_mode)
values ('a0000000-0000-4000-8000-0000000000b1', :'prov', 'c0000000-0000-4000-8000-0000000000b1', 'Clean', 'fixed', 10000, 'AED', 'request');
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select :'prov', d, '00:00', '24:00' from generate_series(0, 6) d;

select tests.freeze_time('2030-01-07 06:00:00+00');

-- One source for "holds time": the exclusion constraint's predicate lists exactly the states
-- booking_states marks holds_time.
select is(
  (select array_agg(m[1] order by m[1])
     from regexp_matches(
            (select pg_get_constraintdef(oid) from pg_constraint where conname = 'bookings_no_double_booking'),
            '''([a-z_]+)''::text', 'g') as m),
  (select array_agg(state order by state) from public.booking_states where holds_time),
  'bookings_no_double_booking covers exactly the states with booking_states.holds_time');

-- A request holds the provider's time: its busy block is there, and slots and busy periods see it.
select (private.create_booking(:'cust', :'prov', tstzrange('2030-01-08 08:00+00', '2030-01-08 09:00+00'), 10000, 'AED',
                               'requested', 'customer', 'a0000000-0000-4000-8000-0000000000b1')).id as b1 \gset
select results_eq(
  format($$ select source, provider_id, period from private.provider_busy_blocks where source_id = %L $$, :'b1'),
  $$ values ('booking'::text, '$$ || :'prov' || $$'::uuid, tstzrange('2030-01-08 08:00+00', '2030-01-08 09:00+00')) $$,
  'a requested booking keeps a busy block for its provider');
select is((select count(*)::int from private.provider_busy_periods(:'prov', tstzrange('2030-01-08 00:00+00', '2030-01-09 00:00+00'))),
  1, 'provider_busy_periods includes the booking');
select is((select count(*)::int from public.get_available_slots('a0000000-0000-4000-8000-0000000000b1', '2030-01-08', '2030-01-08', 'UTC')
            where slot_start < '2030-01-08 09:00+00' and slot_end > '2030-01-08 08:00+00'),
  0, 'slots overlapping the booking are gone');

-- The provider answers an hour later: the answer time is recorded (domain clock).
select tests.freeze_time('2030-01-07 07:00:00+00');
select is((select response_time_s from public.provider_profiles where id = :'prov'), null::integer, 'no response time before the first answer');
select lives_ok(format($$ select private.apply_booking_transition(%L, 'accept', 'provider', %L) $$, :'b1', :'prov'),
  'the provider accepts');
select tests.authorize_booking_payment(:'b1');
select is((select response_time_s from public.provider_profiles where id = :'prov'), 3600, 'the answer took 3600 s and is recorded');
select is((select count(*)::int from private.provider_busy_blocks where source_id = :'b1'), 1, 'an accepted booking still holds time');

-- Completed work counts.
select is((select completed_jobs from public.provider_profiles where id = :'prov'), 0, 'no completed jobs yet');
select lives_ok(format($$
  select private.apply_booking_transition(%1$L, 'arrive', 'provider', %2$L);
  select private.apply_booking_transition(%1$L, 'start', 'provider', %2$L, null, '{}', true);
  select private.apply_booking_transition(%1$L, 'complete', 'provider', %2$L) $$, :'b1', :'prov'),
  'the provider arrives, starts and completes');
select is((select completed_jobs from public.provider_profiles where id = :'prov'), 1, 'completing a booking counts one completed job');
select is((select count(*)::int from private.provider_busy_blocks where source_id = :'b1'), 0, 'a completed booking no longer holds time');

-- A cancelled request frees the time; the provider's answer is not counted for a customer's cancel.
select (private.create_booking(:'cust', :'prov', tstzrange('2030-01-09 08:00+00', '2030-01-09 09:00+00'), 10000, 'AED',
                               'requested', 'customer', 'a0000000-0000-4000-8000-0000000000b1')).id as b2 \gset
select private.apply_booking_transition(:'b2', 'cancel', 'customer', :'cust', 'changed my mind');
select is((select count(*)::int from private.provider_busy_blocks where source_id = :'b2'), 0, 'a cancelled request frees the time');
select is((select response_time_s from public.provider_profiles where id = :'prov'), 3600, 'a customer''s cancellation is not an answer');

-- Transition handlers: a registered handler is called for its target states only.
create table pg_temp.calls (booking_id uuid, transition text, actor text);
create function pg_temp.remember(p_booking public.bookings, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb)
returns void language sql as $$ insert into pg_temp.calls values (p_booking.id, p_transition, p_actor_role) $$;
select lives_ok(
  $$ insert into private.booking_transition_handlers (handler, position, module, to_states, description)
     values ('pg_temp.remember(public.bookings, text, text, text, jsonb)', 990, 'test', array['declined'], 'test handler') $$,
  'a handler of the right signature registers');
select (private.create_booking(:'cust', :'prov', tstzrange('2030-01-10 08:00+00', '2030-01-10 09:00+00'), 10000, 'AED',
                               'requested', 'customer', 'a0000000-0000-4000-8000-0000000000b1')).id as b3 \gset
select private.apply_booking_transition(:'b3', 'decline', 'provider', :'prov');
select results_eq($$ select transition, actor from pg_temp.calls $$, $$ values ('decline'::text, 'provider'::text) $$,
  'the handler is called once, for the transition into a state it asked for');
select throws_ok(
  $$ insert into private.booking_transition_handlers (handler, position, module, description)
     values ('private.now()', 991, 'test', 'wrong signature') $$,
  '23514', null, 'a handler of another signature is refused');
select throws_ok(
  $$ insert into private.booking_transition_handlers (handler, position, module, description)
     values ('private.no_such_function(uuid)', 992, 'test', 'missing') $$,
  '23514', null, 'a handler that does not exist is refused');

-- Bookings register with earlier modules' registries.
select results_eq(
  $$ select 'deletion' as registry, handler, position from private.account_deletion_handlers where module = 'bookings'
     union all
     select 'provider references', handler, null from private.provider_reference_checks where module = 'bookings' $$,
  $$ values ('deletion'::text, 'private.delete_account_bookings(uuid)'::text, 400),
            ('provider references', 'private.provider_has_bookings(uuid)', null::integer) $$,
  'bookings register their account deletion step and their provider-reference check');

select * from finish();
rollback;
