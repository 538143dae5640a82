-- Module bookings, rescheduling by proposal and answer: who may propose, answer and withdraw; the
-- new time checked as a booking would be (its own time not counting); the limits (one pending,
-- bookings.reschedule_max_proposals per party, the cutoff before the start); accepting moves the
-- booking through the transition path (period, free-cancellation clock, busy block, reminders,
-- timeline, notice) and fails cleanly when the time was taken meanwhile; declined, withdrawn,
-- expired (timer) and void (the booking left accepted) proposals; and the timeline of each.
begin;
select plan(59);

-- Monday 2030-06-03, 08:00 in Dubai. The provider works 08:00-20:00 Dubai (04:00-16:00 UTC).
select tests.freeze_time('2030-06-03 04:00+00');
select tests.create_supabase_user(u) from unnest(array['rs_cust', 'rs_mgr', 'rs_staff', 'rs_other', 'rs_op']) u;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('rs_op'), 'support');
select tests.keep('prov', tests.create_provider('rs_prov', 25.2, 55.27, opens => '08:00', closes => '20:00'));
select tests.keep('biz', tests.create_business('rs_prov', 'Move Co', managers => array['rs_mgr'], staff => array['rs_staff']));
update public.provider_profiles set business_id = tests.id('biz') where id = tests.id('prov');
select tests.keep('b1', tests.create_booking('rs_cust', 'rs_prov', 'accepted', '2030-06-05 06:00+00', instant => true));
select tests.keep('b2', tests.create_booking('rs_cust', 'rs_prov', 'accepted', '2030-06-06 06:00+00', instant => true));
insert into public.provider_time_off (provider_id, period) values (tests.id('prov'), '[2030-06-07 04:00+00, 2030-06-07 16:00+00)');

create function pg_temp.try(p_sql text) returns text language plpgsql as $$
begin
  execute p_sql;
  return 'ok';
exception when others then
  return sqlstate;
end $$;
create function pg_temp.propose(p_booking text, p_start text, p_reason text default 'a clash') returns text
language sql as $$
  select pg_temp.try(format('select public.propose_booking_reschedule(%L, %L, %L)', tests.id(p_booking), p_start, p_reason))
$$;
grant execute on function pg_temp.try(text), pg_temp.propose(text, text, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Who may propose, and which times.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rs_other');
select is(pg_temp.propose('b1', '2030-06-05 08:00+00'), 'HL400', 'a stranger does not see the booking (HL400)');
select tests.authenticate_as('rs_staff');
select is(pg_temp.propose('b1', '2030-06-05 08:00+00'), 'HL403', 'business staff do not move bookings (HL403)');
select tests.authenticate_as('rs_op');
select is(pg_temp.propose('b1', '2030-06-05 08:00+00'), 'HL403', 'an operator is not a party (HL403)');
select tests.authenticate_as('rs_cust');
select is(pg_temp.propose('b1', '2030-06-05 08:00+00', '  '), 'HL419', 'a reason is required (HL419)');
select is(pg_temp.propose('b1', '2030-06-05 08:00+00', repeat('x', 1001)), 'HL434', 'a reason of 1001 characters (HL434)');
select is(pg_temp.propose('b1', '2030-06-05 06:00+00'), 'HL442', 'the current start (HL442)');
select is(pg_temp.propose('b1', null), 'HL405', 'no start (HL405)');
select is(pg_temp.propose('b1', '2030-06-02 06:00+00'), 'HL406', 'a start in the past (HL406)');
select is(pg_temp.propose('b1', '2030-06-03 04:30+00'), 'HL407', 'less than catalog.min_notice_minutes ahead (HL407)');
select is(pg_temp.propose('b1', '2031-06-03 06:00+00'), 'HL408', 'beyond bookings.max_advance_days (HL408)');
select is(pg_temp.propose('b1', '2030-06-05 15:30+00'), 'HL409', 'ending after the provider''s hours (HL409)');
select is(pg_temp.propose('b1', '2030-06-06 06:30+00'), 'HL404', 'overlapping another booking (HL404)');
select is(pg_temp.propose('b1', '2030-06-07 06:00+00'), 'HL404', 'during time off (HL404)');
select is(pg_temp.try(format($$ select public.transition_booking(%L, 'reschedule', 'x') $$, tests.id('b1'))), 'HL443',
  'transition_booking refuses reschedule: it goes by proposal (HL443)');
select is((select count(*)::int from public.booking_reschedules), 0, 'refused proposals leave nothing');

-- Half an hour later overlaps the booking's own time: allowed.
select tests.keep('r1', (public.propose_booking_reschedule(tests.id('b1'), '2030-06-05 06:30+00', 'Traffic in the morning')).id);
select is((select (status, proposer_role, proposed_period, expires_at) from public.booking_reschedules where id = tests.id('r1')),
          ('pending'::text, 'customer'::text, '[2030-06-05 06:30+00, 2030-06-05 07:30+00)'::tstzrange, '2030-06-04 04:00+00'::timestamptz),
  'a pending proposal of the same length, answerable for bookings.reschedule_response_minutes');
select is(pg_temp.propose('b1', '2030-06-05 09:00+00'), 'HL439', 'one pending proposal per booking (HL439)');
select tests.authenticate_as('rs_mgr');
select is(pg_temp.propose('b1', '2030-06-05 09:00+00'), 'HL439', '... for the other party too');
reset role;
select is((select payload ->> 'reschedule_id' from public.notifications where user_id = tests.id('prov') and kind = 'booking.reschedule_proposed'),
  tests.id('r1')::text, 'the provider is asked (booking.reschedule_proposed)');
select is((select (actor_role, reason, metadata ->> 'reschedule_id') from public.booking_events
            where booking_id = tests.id('b1') and transition = 'reschedule_proposed'),
          ('customer'::text, 'Traffic in the morning'::text, tests.id('r1')::text), 'the proposal is on the timeline');

------------------------------------------------------------------------------------------------
-- Who may answer; declining and withdrawing.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rs_cust');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, true)', tests.id('r1'))), 'HL403',
  'the proposer does not answer their own proposal (HL403)');
select tests.authenticate_as('rs_staff');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, true)', tests.id('r1'))), 'HL403', 'staff do not answer (HL403)');
select tests.authenticate_as('rs_other');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, true)', tests.id('r1'))), 'HL440', 'a stranger does not see it (HL440)');
select tests.authenticate_as('rs_mgr');
select is(pg_temp.try(format('select public.withdraw_booking_reschedule(%L)', tests.id('r1'))), 'HL403',
  'the other party cannot withdraw it (HL403)');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, null)', tests.id('r1'))), 'HL434', 'p_accept is required (HL434)');
select is((public.respond_booking_reschedule(tests.id('r1'), false, 'We are fully booked then')).period,
  '[2030-06-05 06:00+00, 2030-06-05 07:00+00)'::tstzrange, 'a manager declines: the booking keeps its time');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, true)', tests.id('r1'))), 'HL441',
  'a declined proposal takes no answer (HL441)');
reset role;
select is((select (status, answered_by, answer_reason) from public.booking_reschedules where id = tests.id('r1')),
          ('declined'::text, tests.get_supabase_uid('rs_mgr'), 'We are fully booked then'::text), 'declined, by whom and why');
select ok(exists (select 1 from public.notifications where user_id = tests.get_supabase_uid('rs_cust') and kind = 'booking.reschedule_declined'),
  'the customer hears it was declined');

select tests.authenticate_as('rs_cust');
select tests.keep('r2', (public.propose_booking_reschedule(tests.id('b1'), '2030-06-05 09:00+00', 'Second try')).id);
select is((public.withdraw_booking_reschedule(tests.id('r2'))).status, 'withdrawn', 'the proposer withdraws');
reset role;
select ok(exists (select 1 from public.notifications where user_id = tests.id('prov') and kind = 'booking.reschedule_withdrawn'),
  'the provider hears it was withdrawn');

------------------------------------------------------------------------------------------------
-- Accepting moves the booking through the transition path.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rs_cust');
select tests.keep('r3', (public.propose_booking_reschedule(tests.id('b1'), '2030-06-05 10:00+00', 'Third try')).id);
select is(pg_temp.propose('b1', '2030-06-05 11:00+00'), 'HL439', 'still one at a time');
select tests.authenticate_as('rs_mgr');
select is((select (status, period, free_cancellation_until)
             from public.respond_booking_reschedule(tests.id('r3'), true, 'Fine by us')),
          ('accepted'::text, '[2030-06-05 10:00+00, 2030-06-05 11:00+00)'::tstzrange, '2030-06-04 10:00+00'::timestamptz),
  'accepted: the booking moves (same length, still accepted) and the free-cancellation clock follows the new start');
reset role;
select is((select (status, answered_by) from public.booking_reschedules where id = tests.id('r3')),
          ('accepted'::text, tests.get_supabase_uid('rs_mgr')), 'the proposal is accepted');
select is((select period from private.provider_busy_blocks where source = 'booking' and source_id = tests.id('b1')),
  '[2030-06-05 10:00+00, 2030-06-05 11:00+00)'::tstzrange, 'the provider''s busy time moved with it');
select is((select (from_state, to_state, actor_role, actor_id, metadata ->> 'previous_start', metadata ->> 'reschedule_id')
             from public.booking_events where booking_id = tests.id('b1') and transition = 'reschedule'),
          ('accepted'::text, 'accepted'::text, 'provider'::text, tests.get_supabase_uid('rs_mgr'),
           to_jsonb('2030-06-05 06:00+00'::timestamptz) #>> '{}', tests.id('r3')::text),
  'the timeline records the move, who accepted and the previous start');
select is((select payload ->> 'previous_starts_at' from public.notifications
            where user_id = tests.get_supabase_uid('rs_cust') and kind = 'booking.rescheduled'),
          to_jsonb('2030-06-05 06:00+00'::timestamptz) #>> '{}', 'the proposer hears the booking moved (booking.rescheduled)');
select is(array(select transition from public.booking_events where booking_id = tests.id('b1') and not (metadata ? 'fixture') order by id),
          array['create', 'reschedule_proposed', 'reschedule_declined', 'reschedule_proposed', 'reschedule_withdrawn',
                'reschedule_proposed', 'reschedule'], 'the whole story is on the timeline');
select tests.authenticate_as('rs_cust');
select is(pg_temp.propose('b1', '2030-06-05 12:00+00'), 'HL438', 'a fourth proposal by the customer: bookings.reschedule_max_proposals (HL438)');
select is((select count(*)::int from public.booking_reschedules where booking_id = tests.id('b1')), 3,
  'the customer reads the proposals of their booking');
select tests.authenticate_as('rs_staff');
select is((select count(*)::int from public.booking_reschedules), 0, 'staff do not read them (as with the timeline)');
select tests.authenticate_as('rs_other');
select is((select count(*)::int from public.booking_reschedules), 0, 'strangers do not');
select tests.clear_authentication();
select throws_ok($$ select count(*) from public.booking_reschedules $$, '42501', null, 'anon cannot read proposals');
select throws_ok(format($$ select public.propose_booking_reschedule(%L, '2030-06-05 12:00+00', 'x') $$, tests.id('b1')),
  '42501', null, 'anon cannot propose (no execute grant)');

------------------------------------------------------------------------------------------------
-- The provider proposes; nobody answers; the timer expires it.
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rs_prov');
select tests.keep('r4', (public.propose_booking_reschedule(tests.id('b1'), '2030-06-05 12:00+00', 'A van broke down')).id);
select tests.freeze_time('2030-06-04 04:00+00');
select tests.authenticate_as('rs_cust');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, true)', tests.id('r4'))), 'HL441',
  'past expires_at the proposal takes no answer (HL441)');
reset role;
select is((private.run_booking_timers()) -> 'reschedules_expired', '1'::jsonb, 'the timer expires it');
select is((select status from public.booking_reschedules where id = tests.id('r4')), 'expired', 'expired');
select ok(exists (select 1 from public.notifications where user_id = tests.id('prov') and kind = 'booking.reschedule_expired'),
  'the provider (the proposer) hears it expired');

------------------------------------------------------------------------------------------------
-- Reminders follow the new start; the cutoff; void when the booking moves on; a taken slot.
------------------------------------------------------------------------------------------------
-- Now 2030-06-04 04:00. b3 starts in 30 h; moved to 6 h from now, its 24 h reminder is past.
select tests.keep('b3', tests.create_booking('rs_cust', 'rs_prov', 'accepted', '2030-06-05 14:00+00', instant => true));
select tests.authenticate_as('rs_cust');
select tests.keep('r5', (public.propose_booking_reschedule(tests.id('b3'), '2030-06-04 10:00+00', 'Sooner please')).id);
select tests.authenticate_as('rs_prov');
select lives_ok(format('select public.respond_booking_reschedule(%L, true)', tests.id('r5')), 'the provider accepts a sooner time');
reset role;
select is(array(select offset_minutes from private.booking_reminders where booking_id = tests.id('b3')), array[1440],
  'reminders whose time is past for the new start count as sent (no "in 24 hours" six hours before)');
select tests.freeze_time('2030-06-04 09:00+00');
select is((private.run_booking_timers()) -> 'reminded', '1'::jsonb, 'the one-hour reminder comes before the new start');
select tests.authenticate_as('rs_cust');
select is(pg_temp.propose('b3', '2030-06-05 09:00+00'), 'HL437', 'one hour before the start it is too late to move it (HL437)');

reset role;
select tests.keep('b4', tests.create_booking('rs_cust', 'rs_prov', 'accepted', '2030-06-10 06:00+00', instant => true));
select tests.authenticate_as('rs_cust');
select tests.keep('r6', (public.propose_booking_reschedule(tests.id('b4'), '2030-06-10 08:00+00', 'Later')).id);
select is(pg_temp.try(format($$ select public.transition_booking(%L, 'cancel', 'Not needed any more') $$, tests.id('b4'))), 'ok',
  'the customer cancels the booking instead');
reset role;
select is((select status from public.booking_reschedules where id = tests.id('r6')), 'void', 'the pending proposal is void');
select ok(exists (select 1 from public.booking_events where booking_id = tests.id('b4') and transition = 'reschedule_void' and actor_role = 'system'),
  '... on the timeline');

select tests.keep('b5', tests.create_booking('rs_cust', 'rs_prov', 'accepted', '2030-06-11 06:00+00', instant => true));
select tests.authenticate_as('rs_cust');
select tests.keep('r7', (public.propose_booking_reschedule(tests.id('b5'), '2030-06-11 09:00+00', 'Later')).id);
reset role;
select tests.keep('taken', (private.create_booking(tests.get_supabase_uid('rs_other'), tests.id('prov'),
  '[2030-06-11 09:30+00, 2030-06-11 10:30+00)', 5000, 'AED', 'accepted', 'customer')).id);
select tests.authenticate_as('rs_prov');
select is(pg_temp.try(format('select public.respond_booking_reschedule(%L, true)', tests.id('r7'))), 'HL404',
  'the time was booked meanwhile: accepting fails with HL404');
reset role;
select is((select (b.period, r.status) from public.bookings b join public.booking_reschedules r on r.booking_id = b.id where r.id = tests.id('r7')),
          ('[2030-06-11 06:00+00, 2030-06-11 07:00+00)'::tstzrange, 'pending'::text), 'nothing moved; the proposal can still be declined');

select tests.keep('b6', tests.create_booking('rs_cust', 'rs_prov', 'requested', '2030-06-12 06:00+00'));
select tests.authenticate_as('rs_cust');
select is(pg_temp.propose('b6', '2030-06-12 08:00+00'), 'HL402', 'a request is not moved (HL402: the provider declines or accepts it)');
reset role;
select is(pg_temp.try(format($$ select private.apply_booking_transition(%L, 'reschedule', 'customer', %L) $$,
                             tests.id('b5'), tests.get_supabase_uid('rs_cust'))), 'HL405',
  'the transition path refuses a reschedule without a period (HL405)');

select * from finish();
rollback;
