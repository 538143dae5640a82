-- Module bookings: the process as data (every transition and actor rule), booking a listing,
-- guards, start codes, QR scans, contact reveal, timers under a frozen clock, reading RPCs, RLS.
begin;
select plan(219);

------------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------------
select tests.create_supabase_user('bk_cust', null, '+971599990001');
select tests.create_supabase_user('bk_cust2');
select tests.create_supabase_user('bk_prov', null, '+971599990002');
select tests.create_supabase_user('bk_mgr');
select tests.create_supabase_user('bk_staff');
select tests.create_supabase_user('bk_other');
select tests.create_supabase_user('bk_op');
select tests.create_supabase_user('bk_prov2');

select tests.get_supabase_uid('bk_cust') as cust, tests.get_supabase_uid('bk_cust2') as cust2,
       tests.get_supabase_uid('bk_prov') as prov, tests.get_supabase_uid('bk_mgr') as mgr,
       tests.get_supabase_uid('bk_staff') as staff, tests.get_supabase_uid('bk_other') as other,
       tests.get_supabase_uid('bk_op') as op, tests.get_supabase_uid('bk_prov2') as prov2 \gset

insert into public.user_roles (user_id, role) values (:'op', 'support');
insert into public.businesses (id, owner_id, name) values ('b0000000-0000-4000-8000-000000000001', :'prov', 'Fixit Co');
insert into public.business_members (business_id, user_id, role) values
  ('b0000000-0000-4000-8000-000000000001', :'mgr', 'manager'),
  ('b0000000-0000-4000-8000-000000000001', :'staff', 'staff');
insert into public.provider_profiles (id, business_id, display_name, base_location, timezone) values
  (:'prov', 'b0000000-0000-4000-8000-000000000001', 'Fixit Pro', 'SRID=4326;POINT(55.27 25.20)', 'Asia/Dubai'),
  (:'prov2', null, 'Solo Pro', 'SRID=4326;POINT(55.27 25.20)', 'Asia/Dubai');
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
-- Every day 08:00-20:00 in Dubai (UTC+4): 04:00-16:00 UTC.
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select p, d, '08:00', '20:00' from unnest(array[:'prov', :'prov2']::uuid[]) p, generate_series(0, 6) d;

\set l_req    '\'a0000000-0000-4000-8000-000000000001\''
\set l_inst   '\'a0000000-0000-4000-8000-000000000002\''
\set l_quote  '\'a0000000-0000-4000-8000-000000000003\''
\set l_off    '\'a0000000-0000-4000-8000-000000000004\''
\set l_solo   '\'a0000000-0000-4000-8000-000000000005\''

-- Monday 2030-01-07 10:00 in Dubai.
select tests.freeze_time('2030-01-07 06:00:00+00');

-- Test helpers (run as postgres). Fixture transitions are tagged {"fixture": true} so the
-- coverage checks below only count what the tests themselves did.
create temp sequence bk_slot;
create temp table seen (id uuid);
grant insert, select on seen to authenticated;
create function pg_temp.fx(p_booking uuid, p_transition text, p_actor text, p_actor_id uuid default null)
returns void language plpgsql as $$
begin
  perform private.apply_booking_transition(p_booking, p_transition, p_actor, p_actor_id,
    case when p_transition in ('cancel', 'dispute', 'resolve') then 'fixture' end, '{"fixture": true}', p_transition = 'start');
end $$;

create function pg_temp.mk(p_state text, p_past boolean default false, p_listing uuid default 'a0000000-0000-4000-8000-000000000001',
                           p_customer text default 'bk_cust')
returns uuid language plpgsql as $$
declare
  v_start timestamptz := case when p_past then timestamptz '2029-12-01 00:00+00' else timestamptz '2030-03-01 00:00+00' end
                         + nextval('bk_slot') * interval '2 hours';
  v_id uuid;
  v_prov uuid := tests.get_supabase_uid('bk_prov');
begin
  v_id := (private.create_booking(tests.get_supabase_uid(p_customer), v_prov, tstzrange(v_start, v_start + interval '1 hour'),
                                  15000, 'AED', 'requested', 'customer', p_listing,
                                  p_location => 'SRID=4326;POINT(55.28 25.21)'::extensions.geography,
                                  p_address => 'Villa 12, Street 4')).id;
  -- Past fixtures still get an answerable request.
  update public.bookings set request_expires_at = private.now() + interval '1 hour' where id = v_id;
  if p_state = 'requested' then return v_id; end if;
  if p_state = 'declined' then perform pg_temp.fx(v_id, 'decline', 'provider', v_prov); return v_id; end if;
  if p_state = 'expired' then
    update public.bookings set request_expires_at = private.now() - interval '1 minute' where id = v_id;
    perform pg_temp.fx(v_id, 'expire', 'system'); return v_id;
  end if;
  if p_state = 'cancelled' then perform pg_temp.fx(v_id, 'cancel', 'customer', tests.get_supabase_uid(p_customer)); return v_id; end if;
  perform pg_temp.fx(v_id, 'accept', 'provider', v_prov);
  if p_state = 'accepted' then return v_id; end if;
  if p_state = 'en_route' then perform pg_temp.fx(v_id, 'start_travel', 'provider', v_prov); return v_id; end if;
  perform pg_temp.fx(v_id, 'arrive', 'provider', v_prov);
  if p_state = 'arrived' then return v_id; end if;
  perform pg_temp.fx(v_id, 'start', 'provider', v_prov);
  if p_state = 'in_progress' then return v_id; end if;
  perform pg_temp.fx(v_id, 'complete', 'provider', v_prov);
  if p_state = 'completed' then return v_id; end if;
  perform pg_temp.fx(v_id, 'dispute', 'customer', tests.get_supabase_uid(p_customer));
  if p_state = 'disputed' then return v_id; end if;
  perform pg_temp.fx(v_id, 'resolve', 'operator', tests.get_supabase_uid('bk_op'));
  return v_id;
end $$;

create function pg_temp.code(p_booking uuid) returns text language sql as $$
  select private.derive_start_code(p_booking, s.start_code_version) from private.booking_secrets s where s.booking_id = p_booking;
$$;

-- One attempt by a persona; returns 'ok' or the SQLSTATE (the HL code).
create function pg_temp.attempt(p_persona text, p_booking uuid, p_transition text) returns text
language plpgsql as $$
declare
  v_code text := pg_temp.code(p_booking);
  v_res jsonb;
begin
  if p_persona = 'system' then
    begin
      perform private.apply_booking_transition(p_booking, p_transition, 'system', null, 'rule test', '{}');
      return 'ok';
    exception when others then
      return sqlstate;
    end;
  end if;
  begin
    perform tests.authenticate_as('bk_' || case p_persona when 'customer' then 'cust' when 'provider' then 'prov'
                                                   when 'manager' then 'mgr' when 'operator' then 'op' else p_persona end);
    if p_transition = 'start' then
      v_res := public.start_booking(p_booking, v_code);
      if v_res ? 'code' then
        raise exception using errcode = v_res ->> 'code', message = v_res ->> 'message';
      end if;
    else
      perform public.transition_booking(p_booking, p_transition, 'rule test', '{}');
    end if;
    perform set_config('role', 'postgres', true);
    perform set_config('request.jwt.claims', '', true);
    return 'ok';
  exception when others then
    return sqlstate;
  end;
end $$;

------------------------------------------------------------------------------------------------
-- The process as data
------------------------------------------------------------------------------------------------
select set_eq($$ select state from public.booking_states $$,
  array['requested', 'accepted', 'declined', 'expired', 'en_route', 'arrived', 'in_progress', 'completed', 'cancelled', 'disputed', 'resolved'],
  'the process has the required states');
select set_eq($$ select name from public.booking_transitions where staff_may $$,
  array['start_travel', 'arrive', 'start', 'complete'], 'business staff may take the progress transitions only');
select set_eq($$ select t.name, t.from_state from public.booking_transitions t join public.booking_states s on s.state = t.from_state where s.is_terminal $$,
  $$ values ('dispute', 'completed') $$, 'no transition leaves a terminal state, except disputing a completed job (within the window)');
select is_empty($$ select 1 from public.booking_transitions t
                    join public.booking_states f on f.state = t.from_state join public.booking_states s on s.state = t.to_state
                   where s.holds_time and not f.holds_time $$,
  'no transition takes back time that was released (the exclusion constraint never fires on a transition)');
select ok((private.setting('bookings.request_ttl_minutes'))::int < (private.setting('bookings.card_authorization_window_minutes'))::int,
  'requests expire before a card authorisation would');
select is((select schedule from cron.job where jobname = 'hyperlocal-booking-timers'), '* * * * *', 'the timers run every minute with pg_cron');
select is((select count(*)::int from private.error_codes where code between 'HL400' and 'HL449'), 32, 'bookings error codes are registered');

------------------------------------------------------------------------------------------------
-- Every actor rule of every transition, from the data (allowed actors succeed and write an
-- event with their role; everybody else is refused; business staff only for staff_may).
------------------------------------------------------------------------------------------------
create temp table rule_results (name text, from_state text, persona text, expected text, got text, status text);
do $$
declare
  t public.booking_transitions;
  v_persona text;
  v_allowed boolean;
  v_shared uuid;
  v_booking uuid;
  v_got text;
begin
  for t in select * from public.booking_transitions order by name, from_state loop
    v_shared := pg_temp.mk(t.from_state);
    foreach v_persona in array array['customer', 'provider', 'manager', 'staff', 'operator', 'other', 'system'] loop
      v_allowed := case v_persona
        when 'customer' then 'customer' = any (t.actors)
        when 'provider' then 'provider' = any (t.actors)
        when 'manager' then 'provider' = any (t.actors)
        when 'staff' then 'provider' = any (t.actors) and t.staff_may
        when 'operator' then 'operator' = any (t.actors)
        when 'system' then 'system' = any (t.actors)
        else false end;
      if v_allowed then
        -- Timed transitions need their time to have come.
        v_booking := pg_temp.mk(t.from_state, p_past => t.name in ('no_show', 'complete') and v_persona = 'system');
        if t.name = 'expire' then
          update public.bookings set request_expires_at = private.now() - interval '1 minute' where id = v_booking;
        end if;
      else
        v_booking := v_shared;
      end if;
      v_got := pg_temp.attempt(v_persona, v_booking, t.name);
      insert into rule_results values (t.name, t.from_state, v_persona,
        case when v_allowed then 'ok' when v_persona = 'other' then 'HL400' else 'HL403' end,
        v_got, (select b.status from public.bookings b where b.id = v_booking));
    end loop;
  end loop;
end $$;

select is((select count(*)::int from rule_results), (select count(*)::int * 7 from public.booking_transitions),
  'every transition was tried by customer, provider, manager, staff, operator, another user and the system');
select is_empty($$ select name, from_state, persona, expected, got from rule_results where got <> expected $$,
  'allowed actors succeed; wrong actors get HL403 actor_not_allowed; strangers get HL400');
select is_empty($$ select r.name, r.from_state, r.persona from rule_results r
                    join public.booking_transitions t on t.name = r.name and t.from_state = r.from_state
                   where r.got = 'ok' and r.status <> t.to_state $$,
  'each allowed transition lands in its to_state');
select set_eq(
  $$ select t.name, t.from_state, a from public.booking_transitions t cross join unnest(t.actors) a $$,
  $$ select distinct e.transition, e.from_state, e.actor_role from public.booking_events e
      where e.transition in (select name from public.booking_transitions) and not (e.metadata ? 'fixture') $$,
  'every (transition, from state, actor) of the process wrote a timeline event with that actor');
select is_empty($$ select 1 from rule_results r where r.got <> 'ok' and r.status <> r.from_state $$,
  'refused attempts change nothing');

-- Wrong states: every transition from every state it does not start from.
create temp table state_results (name text, state text, got text);
do $$
declare
  v_name text;
  v_state text;
  v_persona text;
  v_booking uuid;
begin
  create temp table state_bookings as select s.state, pg_temp.mk(s.state) as id from public.booking_states s;
  for v_name in select distinct name from public.booking_transitions loop
    select case when 'provider' = any (t.actors) then 'provider' when 'customer' = any (t.actors) then 'customer'
                when 'operator' = any (t.actors) then 'operator' else 'system' end
      into v_persona from public.booking_transitions t where t.name = v_name limit 1;
    for v_state, v_booking in
      select sb.state, sb.id from state_bookings sb
       where sb.state not in (select t.from_state from public.booking_transitions t where t.name = v_name)
    loop
      insert into state_results values (v_name, v_state, pg_temp.attempt(v_persona, v_booking, v_name));
    end loop;
  end loop;
end $$;
select is((select count(*)::int from state_results),
  (select sum(11 - (select count(*) from public.booking_transitions t where t.name = n.name))::int
     from (select distinct name from public.booking_transitions) n),
  'every transition was tried from every state it does not start from');
select is_empty($$ select * from state_results where got <> 'HL402' $$,
  'a transition from the wrong state gets HL402 transition_not_allowed_from_state');
select is_empty($$ select 1 from state_bookings sb join public.bookings b on b.id = sb.id where b.status <> sb.state $$,
  'wrong-state attempts change nothing');

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
select ok((select start_code_hash <> pg_temp.code(:'i1') and position(pg_temp.code(:'i1') in start_code_hash) = 0
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
-- Guards and bookkeeping of individual transitions
------------------------------------------------------------------------------------------------
-- accept: by the provider or a manager; start code issued; customer notified.
select tests.authenticate_as('bk_mgr');
select lives_ok(format('select public.transition_booking(%L, %L)', :'r1', 'accept'), 'a business manager accepts a request');
reset role;
select results_eq(format($$ select status, accepted_at, status_changed_at from public.bookings where id = %L $$, :'r1'),
  $$ values ('accepted'::text, timestamptz '2030-01-07 06:00+00', timestamptz '2030-01-07 06:00+00') $$, 'accept stamps accepted_at');
select is((select actor_id from public.booking_events where booking_id = :'r1' and transition = 'accept'), :'mgr'::uuid, 'the event names the manager');
select ok((select start_code_hash is not null from private.booking_secrets where booking_id = :'r1'), 'accepting issues the start code');
select is((select count(*)::int from public.notifications where user_id = :'cust' and kind = 'booking.accepted' and payload ->> 'booking_id' = :'r1'), 1,
  'the customer is notified of the acceptance');

-- An expired request cannot be accepted (and stays as it was until the timer expires it).
select pg_temp.mk('requested') as late \gset
update public.bookings set request_expires_at = '2030-01-07 05:59+00' where id = :'late';
select tests.authenticate_as('bk_prov');
select throws_ok(format('select public.transition_booking(%L, %L)', :'late', 'accept'), 'HL417', null, 'accepting an expired request: HL417');
reset role;
select is((select status from public.bookings where id = :'late'), 'requested', 'the refused accept wrote nothing');

-- Reasons.
select pg_temp.mk('accepted') as b \gset
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'cancel'), 'HL419', null, 'cancel without a reason: HL419');
select throws_ok(format('select public.transition_booking(%L, %L, %L)', :'b', 'cancel', '   '), 'HL419', null, 'a blank reason is no reason');
select throws_ok(format('select public.transition_booking(%L, %L, %L)', :'b', 'cancel', repeat('x', 1001)), 'HL434', null, 'reason too long: HL434');
select throws_ok(format($$ select public.transition_booking(%L, 'cancel', 'x', '[1]') $$, :'b'), 'HL434', null, 'metadata must be an object: HL434');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'teleport'), 'HL401', null, 'unknown transition: HL401');
select throws_ok(format('select public.transition_booking(%L, %L, %L)', '00000000-0000-4000-8000-000000000000', 'cancel', 'x'), 'HL400', null, 'unknown booking: HL400');

-- Cancellation: who, when, why, and whether it was late.
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'Plans changed', '{"client": "ios"}') $$, :'b'), 'the customer cancels an accepted booking');
reset role;
select results_eq(format($$ select status, cancelled_by, cancel_reason, cancelled_at, cancelled_late from public.bookings where id = %L $$, :'b'),
  $$ values ('cancelled'::text, 'customer'::text, 'Plans changed'::text, timestamptz '2030-01-07 06:00+00', false) $$,
  'cancelled: by the customer, why, when, inside the free window');
select results_eq(format($$ select reason, metadata ->> 'client', (metadata ->> 'late')::boolean, metadata -> 'cancellation_policy' from public.booking_events where booking_id = %L and transition = 'cancel' $$, :'b'),
  $$ values ('Plans changed'::text, 'ios'::text, false, '{"free_until_minutes": 720, "fee_percent": 10}'::jsonb) $$,
  'the cancel event carries the reason, the caller''s metadata and the policy window');
select is((select count(*)::int from public.notifications where user_id = :'prov' and kind = 'booking.cancelled' and payload ->> 'booking_id' = :'b'), 1,
  'the provider is notified of the cancellation');

select pg_temp.mk('accepted') as b \gset
select tests.freeze_time((select lower(period) - interval '1 hour' from public.bookings where id = :'b'));
select tests.authenticate_as('bk_cust');
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'Too late, sorry') $$, :'b'), 'the customer cancels an hour before the start');
reset role;
select is((select cancelled_late from public.bookings where id = :'b'), true, 'after free_cancellation_until the cancellation is late (fee applies)');
select pg_temp.mk('accepted') as b \gset
select tests.authenticate_as('bk_prov');
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'Van broke down') $$, :'b'), 'the provider cancels late');
reset role;
select results_eq(format($$ select cancelled_by, cancelled_late from public.bookings where id = %L $$, :'b'),
  $$ values ('provider'::text, false) $$, 'a provider cancellation never charges the customer');
select tests.freeze_time('2030-01-07 06:00:00+00');

-- start: only with the code, through start_booking.
select pg_temp.mk('arrived') as b \gset
select tests.authenticate_as('bk_prov');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'start'), 'HL421', null, 'start through transition_booking: HL421 (use start_booking)');
select throws_ok(format('select public.start_booking(%L, null)', :'b'), 'HL421', null, 'start without a code: HL421');
select is((public.start_booking(:'b', '000000x')) ->> 'code', 'HL422', 'a wrong code returns HL422');
reset role;
select results_eq(format($$ select status, start_code_attempts from public.bookings where id = %L $$, :'b'),
  $$ values ('arrived'::text, 1) $$, 'the wrong code is counted and the booking does not start');
select is((select metadata ->> 'attempts_left' from public.booking_events where booking_id = :'b' and transition = 'start_code_rejected'), '4',
  'the rejected attempt is on the timeline with the attempts left');
select pg_temp.code(:'b') as code \gset
select tests.authenticate_as('bk_staff');
select is((public.start_booking(:'b', :'code')) ->> 'status', 'in_progress', 'business staff start the job with the right code');
reset role;
select is((select started_at from public.bookings where id = :'b'), '2030-01-07 06:00+00'::timestamptz, 'start stamps started_at');

-- Brute force: locked after the allowed attempts, even for the right code; the customer unlocks.
select pg_temp.mk('arrived') as b \gset
select pg_temp.code(:'b') as code \gset
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
select pg_temp.mk('arrived') as b \gset
select tests.authenticate_as('bk_op');
select lives_ok(format('select public.reset_booking_start_code(%L)', :'b'), 'an operator can reset a start code');
reset role;
select is((select transition from public.booking_events where booking_id = :'b' order by id desc limit 1), 'start_code_reset', 'the reset is on the timeline');

-- Start code visibility.
select pg_temp.mk('accepted') as b \gset
select pg_temp.mk('requested') as breq \gset
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
select pg_temp.mk('in_progress') as b \gset
select tests.authenticate_as('bk_cust');
select throws_ok(format('select public.get_booking_start_code(%L)', :'b'), 'HL424', null, 'no code once the job started: HL424');
reset role;
select ok(not has_table_privilege('authenticated', 'private.booking_secrets', 'select'), 'clients cannot read booking secrets');
select ok(not has_table_privilege('authenticated', 'private.signing_keys', 'select'), 'clients cannot read the signing keys');

-- complete and dispute windows.
select pg_temp.mk('in_progress') as b \gset
select throws_ok(format($$ select private.apply_booking_transition(%L, 'complete', 'system', null) $$, :'b'), 'HL418', null,
  'the system cannot complete before the grace period: HL418');
select tests.authenticate_as('bk_cust');
select lives_ok(format('select public.transition_booking(%L, %L)', :'b', 'complete'), 'the customer confirms completion');
reset role;
select is((select completed_at from public.bookings where id = :'b'), '2030-01-07 06:00+00'::timestamptz, 'complete stamps completed_at');
select tests.freeze_time('2030-01-09 05:59+00');
select tests.authenticate_as('bk_prov');
select lives_ok(format($$ select public.transition_booking(%L, 'dispute', 'Customer refuses to pay') $$, :'b'), 'the provider disputes inside the window');
reset role;
select pg_temp.mk('completed') as b \gset
select tests.freeze_time('2030-01-11 06:01+00');
select tests.authenticate_as('bk_cust');
select throws_ok(format($$ select public.transition_booking(%L, 'dispute', 'Leak is back') $$, :'b'), 'HL420', null, 'after the dispute window: HL420');
reset role;
select tests.freeze_time('2030-01-07 06:00:00+00');
select pg_temp.mk('disputed') as b \gset
select tests.authenticate_as('bk_op');
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'resolve'), 'HL419', null, 'resolving needs a reason');
select lives_ok(format($$ select public.transition_booking(%L, 'resolve', 'Refund half', '{"outcome": "split"}') $$, :'b'), 'an operator resolves the dispute');
reset role;
select results_eq(format($$ select b.status, e.actor_role, e.metadata ->> 'outcome' from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'resolve' where b.id = %L $$, :'b'),
  $$ values ('resolved'::text, 'operator'::text, 'split'::text) $$, 'resolved, with the operator''s outcome on the timeline');

-- Timed transitions cannot be forced early, and people cannot take them.
select pg_temp.mk('requested') as b \gset
select throws_ok(format($$ select private.apply_booking_transition(%L, 'expire', 'system', null) $$, :'b'), 'HL418', null, 'expire before the deadline: HL418');
select pg_temp.mk('accepted') as b \gset
select throws_ok(format($$ select private.apply_booking_transition(%L, 'no_show', 'system', null) $$, :'b'), 'HL418', null, 'no-show before its time: HL418');

-- service_role acts as the system.
select pg_temp.mk('requested') as b \gset
select tests.authenticate_as_service_role();
select lives_ok(format($$ select public.transition_booking(%L, 'cancel', 'payment failed') $$, :'b'), 'a back end (service_role) cancels as the system');
reset role;
select is((select cancelled_by from public.bookings where id = :'b'), 'system', 'recorded as cancelled by the system');
select tests.clear_authentication();
select throws_ok(format('select public.transition_booking(%L, %L)', :'b', 'cancel'), '42501', null, 'anonymous users cannot take transitions');
reset role;

------------------------------------------------------------------------------------------------
-- Contact reveal
------------------------------------------------------------------------------------------------
select pg_temp.mk('requested') as c_req \gset
select pg_temp.mk('accepted') as c_acc \gset
select pg_temp.mk('completed') as c_done \gset
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
-- QR payloads and scans
------------------------------------------------------------------------------------------------
select pg_temp.mk('accepted') as q \gset
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

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
-- bk_cust2 gets bookings in every state, past and future.
select count(*) from (select pg_temp.mk(s.state, p.past, p_customer => 'bk_cust2')
                        from public.booking_states s, (values (false), (true)) p(past)) x;
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
select is((public.get_booking(:'r1')) -> 'available_transitions', '["cancel"]'::jsonb, 'the customer of an accepted booking can cancel');
select is((select array_agg(e ->> 'transition' order by (e ->> 'id')::bigint) from jsonb_array_elements((public.get_booking(:'r1')) -> 'timeline') e),
  array['create', 'accept'], 'the detail carries the timeline');
select is((public.get_booking(:'r1')) #>> '{booking,reference}', (select reference from public.bookings where id = :'r1'), 'and the order number');
select ok((public.get_booking(:'r1')) #>> '{booking,reference}' ~ '^HL-[0-9]{6,}$', 'order numbers look like HL-000123');
select tests.authenticate_as('bk_prov');
select is((public.get_booking(:'r1')) -> 'available_transitions', '["arrive", "cancel", "start_travel"]'::jsonb, 'the provider''s options');
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
select pg_temp.fx(:'lv3', 'arrive', 'provider', :'prov');
select throws_ok(format('select private.delete_account_bookings(%L)', :'leaver'), 'HL435', null, 'deletion is refused while a booking is under way');
select pg_temp.fx(:'lv3', 'cancel', 'operator', :'op');
select lives_ok(format('select private.delete_account_bookings(%L)', :'leaver'), 'then it proceeds');
select results_eq(format($$ select status, cancelled_by, cancel_reason from public.bookings where id in (%L, %L) order by id $$, :'lv1', :'lv2'),
  $$ values ('cancelled'::text, 'system'::text, 'account_deleted'::text), ('cancelled'::text, 'system'::text, 'account_deleted'::text) $$,
  'open bookings are cancelled by the system');
select is_empty(format($$ select 1 from private.booking_secrets where booking_id in (%L, %L, %L) and (address is not null or location is not null) $$, :'lv1', :'lv2', :'lv3'),
  'addresses are erased');
select is((select customer_note from public.bookings where id = :'lv2'), null, 'notes are erased');
select is((select count(*)::int from public.bookings where customer_id = :'leaver'), 3, 'the bookings themselves are kept');

------------------------------------------------------------------------------------------------
-- Timers under a frozen clock
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 06:00:00+00');
select tests.authenticate_as('bk_cust');
select (public.book_listing(:l_solo, '2030-01-20 06:00+00')).id as t_acc \gset
reset role;
update public.service_listings set booking_mode = 'request' where id = :l_solo;
select tests.authenticate_as('bk_cust');
select (public.book_listing(:l_solo, '2030-01-21 06:00+00')).id as t_req1 \gset
select (public.book_listing(:l_solo, '2030-01-22 06:00+00')).id as t_req2 \gset
reset role;

select tests.freeze_time('2030-01-07 07:00:00+00');
select private.run_booking_timers() is not null;
select is((select status from public.bookings where id = :'t_req1'), 'requested', 'nothing expires before the deadline');
select tests.authenticate_as('bk_prov2');
select lives_ok(format('select public.transition_booking(%L, %L)', :'t_req2', 'accept'), 'the provider accepts one request in time');
reset role;
select tests.freeze_time('2030-01-07 08:00:00+00');
select ok((private.run_booking_timers() ->> 'expired')::int >= 1, 'at the deadline the timer expires unanswered requests');
select results_eq(format($$ select b.status, e.actor_role, e.actor_id, e.reason from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'expire' where b.id = %L $$, :'t_req1'),
  $$ values ('expired'::text, 'system'::text, null::uuid, 'request_expired'::text) $$, 'expired by the system, on the timeline');
select is((select status from public.bookings where id = :'t_req2'), 'accepted', 'a request accepted first is left alone');
select is((select count(*)::int from public.notifications where kind = 'booking.expired' and payload ->> 'booking_id' = :'t_req1'), 2,
  'both parties hear about the expiry');
select is(private.run_booking_timers(), '{"expired": 0, "no_show": 0, "auto_completed": 0, "stalled": 0, "reminded": 0, "failed": 0}'::jsonb,
  'running the timers again does nothing (idempotent)');

-- Reminders (24 h and 1 h before) for accepted bookings only.
select tests.freeze_time('2030-01-19 05:00:00+00');
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'), 0, 'no reminder 25 h before');
select private.run_booking_timers() is not null;
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'), 0, 'still none 25 h before');
select tests.freeze_time('2030-01-19 06:30:00+00');
select private.run_booking_timers() is not null;
select is((select array_agg(user_id order by user_id) from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'),
  (select array_agg(u order by u) from unnest(array[:'cust', :'prov2']::uuid[]) u), '23.5 h before: the 24 h reminder goes to both parties');
select private.run_booking_timers() is not null;
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc'), 2, 'it is sent once');
select tests.freeze_time('2030-01-20 05:30:00+00');
select private.run_booking_timers() is not null;
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_acc' and payload ->> 'minutes_before' = '60'), 2,
  '30 minutes before: the 1 h reminder');
select is((select count(*)::int from public.notifications where kind = 'booking.reminder' and payload ->> 'booking_id' = :'t_req1'), 0, 'expired bookings get no reminders');

-- No-show: accepted bookings that never started; a booking that moved on is left alone.
select tests.freeze_time('2030-01-20 06:30:00+00');
select private.run_booking_timers() is not null;
select is((select status from public.bookings where id = :'t_acc'), 'accepted', '30 minutes after the start: no no-show yet');
select tests.freeze_time('2030-01-22 07:01:00+00');
select tests.authenticate_as('bk_prov2');
select lives_ok(format('select public.transition_booking(%L, %L)', :'t_req2', 'arrive'), 'the provider of the other booking arrives (late)');
reset role;
select ok((private.run_booking_timers() ->> 'no_show')::int >= 1, 'the timer cancels accepted bookings that never started');
select results_eq(format($$ select status, cancelled_by, cancel_reason, cancelled_late from public.bookings where id = %L $$, :'t_acc'),
  $$ values ('cancelled'::text, 'system'::text, 'no_show'::text, false) $$, 'no-show: cancelled by the system, reason no_show');
select is((select status from public.bookings where id = :'t_req2'), 'arrived', 'an arrived booking is not a no-show');

-- Auto-completion two days after the end, unless disputed.
select (pg_temp.mk('in_progress', true)) as ip1 \gset
select (pg_temp.mk('in_progress', true)) as ip2 \gset
select (pg_temp.mk('disputed', true)) as ip3 \gset
select upper(period) as ip1_end from public.bookings where id = :'ip1' \gset
select upper(period) as ip2_end from public.bookings where id = :'ip2' \gset
select tests.freeze_time(:'ip1_end'::timestamptz + interval '2 days' - interval '1 minute');
select private.run_booking_timers() is not null;
select is((select status from public.bookings where id = :'ip1'), 'in_progress', 'not completed before the grace period ends');
select tests.authenticate_as('bk_cust');
select lives_ok(format($$ select public.transition_booking(%L, 'dispute', 'Not finished') $$, :'ip2'), 'the customer disputes the other job');
reset role;
select tests.freeze_time(:'ip2_end'::timestamptz + interval '2 days');
select ok((private.run_booking_timers() ->> 'auto_completed')::int >= 1, 'the timer auto-completes');
select results_eq(format($$ select b.status, e.actor_role, e.reason from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'complete' where b.id = %L $$, :'ip1'),
  $$ values ('completed'::text, 'system'::text, 'auto_completed'::text) $$, 'completed by the system after the grace period');
select is((select status from public.bookings where id = :'ip2'), 'disputed', 'a disputed booking is not auto-completed');
select is((select status from public.bookings where id = :'ip3'), 'disputed', 'nor one disputed before');
select tests.freeze_time('2030-01-07 06:00:00+00');

select * from finish();
rollback;
