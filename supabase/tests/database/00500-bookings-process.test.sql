-- Module bookings, the process as data: states and transitions, and every actor rule of every
-- transition tried by every persona (allowed actors succeed, the others are refused) and from
-- every state it does not start from. Fixture transitions are tagged {"fixture": true} (see
-- tests.apply_booking_transition) so the coverage checks only count what the tests did.
begin;
select plan(15);

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

-- One attempt by a persona; returns 'ok' or the SQLSTATE (the HL code).
create function pg_temp.attempt(p_persona text, p_booking uuid, p_transition text) returns text
language plpgsql as $$
declare
  v_code text := tests.booking_start_code(p_booking);
  v_res jsonb;
  v_start timestamptz;
  b public.bookings := (select x from public.bookings x where x.id = p_booking);
begin
  if p_transition = 'reschedule' then
    select s into v_start
      from generate_series(timestamptz '2030-05-01 04:00+00', timestamptz '2030-05-31 04:00+00', interval '1 hour') s
     where private.is_within_availability(b.provider_id, tstzrange(s, s + (upper(b.period) - lower(b.period))))
       and not exists (select 1 from private.provider_busy_periods(b.provider_id, tstzrange(s, s + (upper(b.period) - lower(b.period)))))
     order by s limit 1;
  end if;
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
    elsif p_transition = 'reschedule' then
      -- By proposal and answer: the persona proposes the next free hour in May, the other party accepts.
      v_res := to_jsonb(public.propose_booking_reschedule(p_booking, v_start, 'rule test'));
      perform tests.authenticate_as(case when p_persona = 'customer' then 'bk_prov' else 'bk_cust' end);
      perform public.respond_booking_reschedule((v_res ->> 'id')::uuid, true);
    else
      perform public.transition_booking(p_booking, p_transition, 'rule test', '{}');
    end if;
    perform tests.reset_authentication();
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
select is((select count(*)::int from private.error_codes where code between 'HL400' and 'HL449'), 40, 'bookings error codes are registered');

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
    v_shared := tests.create_booking('bk_cust', 'bk_prov', t.from_state, '2030-03-01 02:00+00', 'a0000000-0000-4000-8000-000000000001', operator => 'bk_op');
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
        v_booking := tests.create_booking('bk_cust', 'bk_prov', t.from_state,
          case when t.name in ('no_show', 'complete') and v_persona = 'system' then timestamptz '2029-12-01 02:00+00'
               else timestamptz '2030-03-01 02:00+00' end,
          'a0000000-0000-4000-8000-000000000001', operator => 'bk_op');
        if t.name = 'expire' then
          update public.bookings set request_expires_at = private.now() - interval '1 minute' where id = v_booking;
        end if;
        -- Progress from accepted needs the customer's payment authorised (money module).
        if t.from_state = 'accepted' then
          perform tests.authorize_booking_payment(v_booking);
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
  create temp table state_bookings as
    select s.state, tests.create_booking('bk_cust', 'bk_prov', s.state, '2030-03-01 02:00+00', 'a0000000-0000-4000-8000-000000000001',
                                         operator => 'bk_op') as id
      from public.booking_states s;
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


select * from finish();
rollback;
