-- Module: bookings (rescheduling)
-- Moving an accepted booking to a new time by proposal and answer: one party proposes a new start
-- with a reason, the other accepts (the booking takes the transition 'reschedule' through
-- private.apply_booking_transition: the new period under the exclusion constraint, the
-- free-cancellation deadline and the reminders following the new start) or declines; the proposer
-- may withdraw; unanswered proposals expire (bookings timers); a proposal becomes void when the
-- booking leaves the accepted state. Limits: one pending proposal per booking,
-- bookings.reschedule_max_proposals per party, nothing later than bookings.reschedule_cutoff_minutes
-- before the current start. Every change of a proposal writes a booking_events row.

------------------------------------------------------------------------------------------------
-- Who proposes, who answers, and whether the new time is possible.
------------------------------------------------------------------------------------------------
create or replace function private.reschedule_party(p_roles text[])
returns text
language sql
immutable
set search_path = ''
as $$
  select case when 'customer' = any (p_roles) then 'customer' when 'provider' = any (p_roles) then 'provider' end;
$$;
comment on function private.reschedule_party(text[]) is
  'The side a caller acts for in rescheduling (from private.booking_caller_roles): customer, provider (the provider or a business owner/manager), or null (staff, operators).';

create or replace function private.check_reschedule_cutoff(p_booking public.bookings)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_cutoff timestamptz := pg_catalog.lower(p_booking.period)
    - pg_catalog.make_interval(mins => (private.setting('bookings.reschedule_cutoff_minutes'))::integer);
begin
  if private.now() >= v_cutoff then
    perform private.raise_error('HL437', pg_catalog.format('the booking starts at %s; moving it was possible until %s',
      pg_catalog.lower(p_booking.period), v_cutoff));
  end if;
end;
$$;
comment on function private.check_reschedule_cutoff(public.bookings) is
  'HL437 once the booking''s current start is less than bookings.reschedule_cutoff_minutes away.';

create or replace function private.check_booking_new_period(p_booking public.bookings, p_start timestamptz)
returns tstzrange
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_period tstzrange;
begin
  perform private.check_booking_start(p_start);
  if p_start = pg_catalog.lower(p_booking.period) then
    perform private.raise_error('HL442', pg_catalog.format('the booking starts at %s', p_start));
  end if;
  v_period := pg_catalog.tstzrange(p_start, p_start + (pg_catalog.upper(p_booking.period) - pg_catalog.lower(p_booking.period)), '[)');
  if not private.is_within_availability(p_booking.provider_id, v_period) then
    perform private.raise_error('HL409', pg_catalog.format('%s to %s (%s)', pg_catalog.lower(v_period), pg_catalog.upper(v_period),
      (select pp.timezone from public.provider_profiles pp where pp.id = p_booking.provider_id)));
  end if;
  -- Time off and the provider's other busy time (this booking's own block does not count).
  if exists (select 1 from public.provider_time_off t
              where t.provider_id = p_booking.provider_id and t.period && v_period)
     or exists (select 1 from private.provider_busy_blocks b
                 where b.provider_id = p_booking.provider_id and b.period && v_period
                   and not (b.source = 'booking' and b.source_id = p_booking.id)) then
    perform private.raise_error('HL404', pg_catalog.format('%s to %s', pg_catalog.lower(v_period), pg_catalog.upper(v_period)));
  end if;
  return v_period;
end;
$$;
comment on function private.check_booking_new_period(public.bookings, timestamptz) is
  'The booking''s period moved to start at p_start (same length), checked as a new booking would be: private.check_booking_start (HL405-HL408), not the current start (HL442), inside the provider''s weekly hours (HL409), free of time off and other busy time (HL404; the booking''s own time does not count).';

revoke all on function
  private.reschedule_party(text[]),
  private.check_reschedule_cutoff(public.bookings),
  private.check_booking_new_period(public.bookings, timestamptz)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The one path a proposal changes by: its status, the answer, a timeline event, and a notice to
-- whoever needs one (accepted: the booking's own transition notifies).
------------------------------------------------------------------------------------------------
create or replace function private.close_booking_reschedule(
  p_reschedule_id uuid,
  p_status text,
  p_actor_role text,
  p_actor_id uuid,
  p_reason text default null
)
returns public.booking_reschedules
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_row public.booking_reschedules;
  v_booking public.bookings;
  v_notify uuid;
begin
  if p_status not in ('accepted', 'declined', 'withdrawn', 'expired', 'void') then
    raise exception using errcode = 'XX000', message = pg_catalog.format('a proposal cannot become %L', p_status);
  end if;
  update public.booking_reschedules r
     set status = p_status,
         answered_by = case when p_status in ('accepted', 'declined') then p_actor_id end,
         answer_reason = case when p_status in ('accepted', 'declined') then nullif(pg_catalog.btrim(p_reason), '') end,
         closed_at = v_now
   where r.id = p_reschedule_id and r.status = 'pending'
  returning * into v_row;
  if not found then
    raise exception using errcode = 'XX000', message = pg_catalog.format('proposal %s is not pending', p_reschedule_id);
  end if;
  select * into v_booking from public.bookings b where b.id = v_row.booking_id;

  -- An accepted proposal is on the timeline as the booking's own reschedule transition.
  if p_status <> 'accepted' then
    insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata)
    values (v_booking.id, 'reschedule_' || p_status, v_booking.status, v_booking.status,
            case when p_actor_role = 'system' then null else p_actor_id end, p_actor_role,
            case when p_status = 'declined' then nullif(pg_catalog.btrim(p_reason), '') end,
            pg_catalog.jsonb_build_object('reschedule_id', v_row.id, 'proposer_role', v_row.proposer_role,
                                          'start', pg_catalog.lower(v_row.proposed_period)));
  end if;

  -- Declined and expired: the proposer hears; withdrawn: the party that was asked.
  v_notify := case
    when p_status in ('declined', 'expired') then
      case v_row.proposer_role when 'customer' then v_booking.customer_id else v_booking.provider_id end
    when p_status = 'withdrawn' then
      case v_row.proposer_role when 'customer' then v_booking.provider_id else v_booking.customer_id end
  end;
  if v_notify is not null then
    perform private.notify(v_notify, 'booking.reschedule_' || p_status, pg_catalog.jsonb_build_object(
      'booking_id', v_booking.id, 'reference', v_booking.reference, 'reschedule_id', v_row.id,
      'starts_at', pg_catalog.lower(v_booking.period), 'proposed_starts_at', pg_catalog.lower(v_row.proposed_period),
      'reason', nullif(pg_catalog.btrim(p_reason), '')));
  end if;
  return v_row;
end;
$$;
comment on function private.close_booking_reschedule(uuid, text, text, uuid, text) is
  'Closes a pending proposal as accepted, declined, withdrawn, expired or void: the row, a booking_events row (transition reschedule_<status>; an accepted one is recorded by the booking''s reschedule transition), and booking.reschedule_declined / _expired to the proposer or booking.reschedule_withdrawn to the other party. Accepting moves nothing by itself: respond_booking_reschedule then takes the booking''s reschedule transition.';
revoke all on function private.close_booking_reschedule(uuid, text, text, uuid, text)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Public: propose, answer, withdraw.
------------------------------------------------------------------------------------------------
create or replace function public.propose_booking_reschedule(p_booking_id uuid, p_start timestamptz, p_reason text)
returns public.booking_reschedules
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_booking public.bookings;
  v_roles text[];
  v_party text;
  v_reason text := nullif(pg_catalog.btrim(p_reason), '');
  v_pending public.booking_reschedules;
  v_max integer := (private.setting('bookings.reschedule_max_proposals'))::integer;
  v_made integer;
  v_period tstzrange;
  v_row public.booking_reschedules;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_party := private.reschedule_party(v_roles);
  if v_party is null then
    perform private.raise_error('HL403', 'only the customer or the provider (an owner or manager of its business) proposes a new time');
  end if;
  if not exists (select 1 from public.booking_transitions t where t.name = 'reschedule' and t.from_state = v_booking.status) then
    perform private.raise_error('HL402', pg_catalog.format('cannot reschedule a booking that is %s (reschedule starts from: %s)',
      v_booking.status,
      (select pg_catalog.string_agg(t.from_state, ', ' order by t.from_state) from public.booking_transitions t where t.name = 'reschedule')));
  end if;
  if v_reason is null then
    perform private.raise_error('HL419', 'say why the booking should move (p_reason)');
  end if;
  if pg_catalog.char_length(v_reason) > 1000 then
    perform private.raise_error('HL434', 'p_reason is limited to 1000 characters');
  end if;
  perform private.check_reschedule_cutoff(v_booking);
  select * into v_pending from public.booking_reschedules r where r.booking_id = v_booking.id and r.status = 'pending';
  if found then
    perform private.raise_error('HL439', pg_catalog.format('proposal %s by the %s, to start at %s', v_pending.id,
      v_pending.proposer_role, pg_catalog.lower(v_pending.proposed_period)));
  end if;
  select pg_catalog.count(*) into v_made
    from public.booking_reschedules r where r.booking_id = v_booking.id and r.proposer_role = v_party;
  if v_made >= v_max then
    perform private.raise_error('HL438', pg_catalog.format('the %s has proposed %s times (at most %s)', v_party, v_made, v_max));
  end if;
  v_period := private.check_booking_new_period(v_booking, p_start);

  insert into public.booking_reschedules (booking_id, proposed_by, proposer_role, previous_period, proposed_period, reason, expires_at)
  values (v_booking.id, v_uid, v_party, v_booking.period, v_period, v_reason,
          least(v_now + pg_catalog.make_interval(mins => (private.setting('bookings.reschedule_response_minutes'))::integer),
                pg_catalog.lower(v_booking.period)
                  - pg_catalog.make_interval(mins => (private.setting('bookings.reschedule_cutoff_minutes'))::integer)))
  returning * into v_row;

  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata)
  values (v_booking.id, 'reschedule_proposed', v_booking.status, v_booking.status, v_uid, v_party, v_reason,
          pg_catalog.jsonb_build_object('reschedule_id', v_row.id, 'start', pg_catalog.lower(v_period),
                                        'end', pg_catalog.upper(v_period), 'expires_at', v_row.expires_at));
  perform private.notify(case v_party when 'customer' then v_booking.provider_id else v_booking.customer_id end,
    'booking.reschedule_proposed', pg_catalog.jsonb_build_object(
      'booking_id', v_booking.id, 'reference', v_booking.reference, 'reschedule_id', v_row.id,
      'starts_at', pg_catalog.lower(v_booking.period), 'proposed_starts_at', pg_catalog.lower(v_period),
      'expires_at', v_row.expires_at, 'reason', v_reason));
  return v_row;
end;
$$;
comment on function public.propose_booking_reschedule(uuid, timestamptz, text) is
  'Proposes to move an accepted booking to start at p_start (same length), with a reason, as its customer or its provider (an owner or manager of the provider''s business). The other party is notified (booking.reschedule_proposed) and answers with respond_booking_reschedule before expires_at (bookings.reschedule_response_minutes, at the latest bookings.reschedule_cutoff_minutes before the current start). The new time is checked as a booking would be. Errors: HL400, HL402 (not accepted), HL403 (staff, operators), HL404, HL405-HL409, HL419, HL434, HL437 (too late), HL438 (bookings.reschedule_max_proposals reached), HL439 (a proposal is pending), HL442 (same start).';
revoke all on function public.propose_booking_reschedule(uuid, timestamptz, text) from public, anon, authenticated, service_role;
grant execute on function public.propose_booking_reschedule(uuid, timestamptz, text) to authenticated;

-- The proposal and its booking, locked booking first (the order of every booking change).
create or replace function private.lock_booking_reschedule(p_reschedule_id uuid)
returns public.booking_reschedules
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  r_row public.booking_reschedules;
begin
  select b.* into v_booking
    from public.bookings b
   where b.id = (select r.booking_id from public.booking_reschedules r where r.id = p_reschedule_id)
     for update;
  if found then
    select * into r_row from public.booking_reschedules r where r.id = p_reschedule_id for update;
  end if;
  if r_row.id is null
     or pg_catalog.cardinality(private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id)) = 0 then
    perform private.raise_error('HL440', pg_catalog.format('proposal %s', p_reschedule_id));
  end if;
  if r_row.status <> 'pending' then
    perform private.raise_error('HL441', pg_catalog.format('the proposal is %s', r_row.status));
  end if;
  if private.now() >= r_row.expires_at then
    perform private.raise_error('HL441', pg_catalog.format('the proposal expired at %s', r_row.expires_at));
  end if;
  return r_row;
end;
$$;
comment on function private.lock_booking_reschedule(uuid) is
  'Locks a pending, unexpired proposal and its booking for the caller (a party or operator of the booking): HL440 when not found or not visible, HL441 when no longer pending or past expires_at. Returns the proposal.';
revoke all on function private.lock_booking_reschedule(uuid) from public, anon, authenticated, service_role;

create or replace function public.respond_booking_reschedule(p_reschedule_id uuid, p_accept boolean, p_reason text default null)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.booking_reschedules;
  v_current public.bookings;
  v_roles text[];
  v_party text;
  v_period tstzrange;
  v_booking public.bookings;
begin
  if p_accept is null then
    perform private.raise_error('HL434', 'p_accept is required: true to accept, false to decline');
  end if;
  if p_reason is not null and pg_catalog.char_length(p_reason) > 1000 then
    perform private.raise_error('HL434', 'p_reason is limited to 1000 characters');
  end if;
  v_row := private.lock_booking_reschedule(p_reschedule_id);
  select * into v_current from public.bookings b where b.id = v_row.booking_id;
  v_roles := private.booking_caller_roles(v_current.customer_id, v_current.provider_id, v_current.business_id);
  v_party := private.reschedule_party(v_roles);
  if v_party is null then
    perform private.raise_error('HL403', 'only the other party of the booking answers a proposal');
  end if;
  if v_party = v_row.proposer_role then
    perform private.raise_error('HL403', 'the proposer does not answer their own proposal; withdraw it with withdraw_booking_reschedule');
  end if;

  if not p_accept then
    perform private.close_booking_reschedule(p_reschedule_id, 'declined', v_party, v_uid, p_reason);
    return private.booking_for_viewer(v_current, v_roles);
  end if;

  perform private.check_reschedule_cutoff(v_current);
  v_period := private.check_booking_new_period(v_current, pg_catalog.lower(v_row.proposed_period));
  perform private.close_booking_reschedule(p_reschedule_id, 'accepted', v_party, v_uid, p_reason);
  begin
    v_booking := private.apply_booking_transition(v_current.id, 'reschedule', v_party, v_uid, p_reason,
      pg_catalog.jsonb_build_object('reschedule_id', p_reschedule_id, 'proposer_role', v_row.proposer_role,
                                    'proposal_reason', v_row.reason),
      p_period => v_period);
  exception when exclusion_violation then
    -- Another booking took the time between the check and the move (concurrent requests).
    perform private.raise_error('HL404', pg_catalog.format('%s to %s', pg_catalog.lower(v_period), pg_catalog.upper(v_period)));
  end;
  return private.booking_for_viewer(v_booking, v_roles);
end;
$$;
comment on function public.respond_booking_reschedule(uuid, boolean, text) is
  'The other party answers a pending proposal: p_accept true moves the booking (transition reschedule, taken by the answering party: the new period under the no-double-booking rule, the free-cancellation deadline and reminders following the new start, booking.rescheduled to the proposer); false declines it (booking.reschedule_declined to the proposer). The new time is checked again (HL404, HL406-HL409). Returns the booking. Errors: HL403 (the proposer, staff, operators), HL404, HL406-HL409, HL434, HL437, HL440, HL441.';
revoke all on function public.respond_booking_reschedule(uuid, boolean, text) from public, anon, authenticated, service_role;
grant execute on function public.respond_booking_reschedule(uuid, boolean, text) to authenticated;

create or replace function public.withdraw_booking_reschedule(p_reschedule_id uuid)
returns public.booking_reschedules
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.booking_reschedules;
  v_booking public.bookings;
  v_roles text[];
begin
  v_row := private.lock_booking_reschedule(p_reschedule_id);
  select * into v_booking from public.bookings b where b.id = v_row.booking_id;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if private.reschedule_party(v_roles) is distinct from v_row.proposer_role then
    perform private.raise_error('HL403', 'only the proposing side withdraws a proposal; the other party answers it with respond_booking_reschedule');
  end if;
  return private.close_booking_reschedule(p_reschedule_id, 'withdrawn', v_row.proposer_role, v_uid);
end;
$$;
comment on function public.withdraw_booking_reschedule(uuid) is
  'The proposing side (the same party: the customer, or the provider''s side) withdraws a pending proposal; the other party is told (booking.reschedule_withdrawn). Errors: HL403, HL440, HL441.';
revoke all on function public.withdraw_booking_reschedule(uuid) from public, anon, authenticated, service_role;
grant execute on function public.withdraw_booking_reschedule(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Proposals end with the state they were made in, and expire unanswered (the bookings timers).
------------------------------------------------------------------------------------------------
create or replace function private.reschedule_after_booking_transition(
  p_booking public.bookings, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if exists (select 1 from public.booking_transitions t where t.name = 'reschedule' and t.from_state = p_booking.status) then
    return;
  end if;
  select r.id into v_id from public.booking_reschedules r where r.booking_id = p_booking.id and r.status = 'pending';
  if found then
    perform private.close_booking_reschedule(v_id, 'void', 'system', null);
  end if;
end;
$$;
comment on function private.reschedule_after_booking_transition(public.bookings, text, text, text, jsonb) is
  'Booking transition handler (bookings, position 100): a pending proposal becomes void when the booking leaves the states it can be rescheduled from (cancelled, on the way, ...).';
revoke all on function private.reschedule_after_booking_transition(public.bookings, text, text, text, jsonb)
  from public, anon, authenticated, service_role;

insert into private.booking_transition_handlers (handler, position, module, to_states, description) values
  ('private.reschedule_after_booking_transition(public.bookings, text, text, text, jsonb)', 100, 'bookings', null,
   'A pending reschedule proposal becomes void when the booking leaves the accepted state.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;

create or replace function private.expire_booking_reschedules(p_limit integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_booking_id uuid;
  v_count integer := 0;
begin
  for v_id, v_booking_id in
    select r.id, r.booking_id from public.booking_reschedules r
     where r.status = 'pending' and r.expires_at <= private.now()
     order by r.expires_at
     limit p_limit
  loop
    -- The booking first, like every change of a booking (an answer in flight keeps it).
    perform 1 from public.bookings b where b.id = v_booking_id for update skip locked;
    continue when not found;
    perform 1 from public.booking_reschedules r
     where r.id = v_id and r.status = 'pending' and r.expires_at <= private.now()
       for update;
    continue when not found;
    perform private.close_booking_reschedule(v_id, 'expired', 'system', null);
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function private.expire_booking_reschedules(integer) is
  'Expires up to p_limit pending proposals past their expires_at (booking.reschedule_expired to the proposer); called by private.run_booking_timers.';
revoke all on function private.expire_booking_reschedules(integer) from public, anon, authenticated, service_role;
