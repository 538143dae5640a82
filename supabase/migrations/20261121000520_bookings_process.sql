-- Module: bookings (process)
-- Creating a booking and the one transition path every status change goes through (people,
-- timers and back ends), with its guards, timeline, notifications, the provider statistics it
-- feeds, the busy time it keeps, and the handlers later modules register.

------------------------------------------------------------------------------------------------
-- Cancellation terms and weekly hours.
------------------------------------------------------------------------------------------------
create or replace function private.effective_cancellation_policy(p_listing_id uuid)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select l.cancellation_policy from public.service_listings l where l.id = p_listing_id),
    (select c.cancellation_policy
       from public.service_listings l
       join public.categories lc on lc.id = l.category_id
      cross join lateral pg_catalog.unnest(lc.path_ids) with ordinality as u(id, depth)
       join public.categories c on c.id = u.id
      where l.id = p_listing_id and c.cancellation_policy is not null
      order by u.depth desc
      limit 1),
    private.setting('bookings.default_cancellation_policy'));
$$;
comment on function private.effective_cancellation_policy(uuid) is
  'The listing''s cancellation policy, else its nearest category''s, else bookings.default_cancellation_policy.';
revoke all on function
  private.effective_cancellation_policy(uuid)
  from public, anon, authenticated, service_role;
grant execute on function private.effective_cancellation_policy(uuid) to service_role;

create or replace function private.is_within_availability(p_provider_id uuid, p_period tstzrange)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.provider_open_hours(p_provider_id, p_period) @> p_period;
$$;
comment on function private.is_within_availability(uuid, tstzrange) is
  'True when the whole period lies inside the provider''s weekly hours (rules in the provider''s time zone, weekday 0 = Sunday).';
revoke all on function
  private.is_within_availability(uuid, tstzrange)
  from public, anon, authenticated, service_role;
grant execute on function private.is_within_availability(uuid, tstzrange) to service_role;

-- When a booking may start (a new booking, or a booking moved to a new time).
create or replace function private.check_booking_start(p_start timestamptz)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_notice integer := (private.setting('catalog.min_notice_minutes'))::integer;
  v_max_days integer := (private.setting('bookings.max_advance_days'))::integer;
begin
  if p_start is null or not pg_catalog.isfinite(p_start) then
    perform private.raise_error('HL405', 'p_start is required');
  end if;
  if p_start <= v_now then
    perform private.raise_error('HL406', pg_catalog.format('%s is before now (%s)', p_start, v_now));
  end if;
  if p_start < v_now + pg_catalog.make_interval(mins => v_notice) then
    perform private.raise_error('HL407', pg_catalog.format('at least %s minutes of notice', v_notice));
  end if;
  if p_start > v_now + pg_catalog.make_interval(days => v_max_days) then
    perform private.raise_error('HL408', pg_catalog.format('bookable until %s', v_now + pg_catalog.make_interval(days => v_max_days)));
  end if;
end;
$$;
comment on function private.check_booking_start(timestamptz) is
  'A booking''s start: given and finite (HL405), in the future (HL406), at least catalog.min_notice_minutes ahead (HL407), at most bookings.max_advance_days ahead (HL408).';
revoke all on function private.check_booking_start(timestamptz) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Start codes: derived from a server key, hashed at rest, checked with a limited number of tries.
------------------------------------------------------------------------------------------------
create or replace function private.derive_start_code(p_booking_id uuid, p_version integer)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.lpad((
           ('x' || pg_catalog.substr(pg_catalog.encode(extensions.hmac(
              pg_catalog.convert_to(p_booking_id::text || ':' || p_version::text, 'UTF8'), k.secret, 'sha256'), 'hex'), 1, 12)
           )::bit(48)::bigint % 1000000)::text, 6, '0')
    from private.signing_keys k
   where k.purpose = 'booking_start_code';
$$;
comment on function private.derive_start_code(uuid, integer) is
  'The 6-digit start code of a booking and code version: HMAC-SHA256 with the booking_start_code key. Never stored.';

create or replace function private.issue_start_code(p_booking_id uuid, p_new_version boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_version integer;
begin
  select s.start_code_version + case when p_new_version then 1 else 0 end into v_version
    from private.booking_secrets s where s.booking_id = p_booking_id for update;
  if not found then
    raise exception using errcode = 'XX000', message = pg_catalog.format('booking %s has no secrets row', p_booking_id);
  end if;
  update private.booking_secrets
     set start_code_version = v_version,
         start_code_hash = extensions.crypt(private.derive_start_code(p_booking_id, v_version), extensions.gen_salt('bf', 6)),
         start_code_issued_at = private.now()
   where booking_id = p_booking_id;
end;
$$;
comment on function private.issue_start_code(uuid, boolean) is
  'Stores the bcrypt hash of the booking''s start code (a new code when p_new_version).';

------------------------------------------------------------------------------------------------
-- Creating a booking: deadlines, the free-cancellation window and, for accepted bookings, the
-- start code. Overlaps surface as 23P01 (exclusion_violation) for the caller to translate.
------------------------------------------------------------------------------------------------
create or replace function private.create_booking(
  p_customer_id uuid,
  p_provider_id uuid,
  p_period tstzrange,
  p_price bigint,
  p_currency char(3),
  p_status text,
  p_actor_role text,
  p_listing_id uuid default null,
  p_location extensions.geography default null,
  p_address text default null,
  p_customer_note text default null,
  p_cancellation_policy jsonb default '{}'::jsonb,
  p_request_expires_at timestamptz default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_now timestamptz := private.now();
  v_policy jsonb := p_cancellation_policy;
  v_expires timestamptz;
begin
  if p_status not in ('requested', 'accepted') then
    raise exception using errcode = 'XX000', message = pg_catalog.format('a booking cannot start in state %L', p_status);
  end if;
  if v_policy is null or v_policy = '{}'::jsonb then
    v_policy := case when p_listing_id is not null then private.effective_cancellation_policy(p_listing_id)
                     else private.setting('bookings.default_cancellation_policy') end;
  end if;
  if not private.is_valid_cancellation_policy(v_policy) then
    perform private.raise_error('HL416', pg_catalog.format('%s', v_policy));
  end if;
  -- One booking insert at a time per provider. The exclusion constraint alone is race-free, but
  -- two concurrent overlapping inserts each wait for the other's index entry and one of them dies
  -- as a deadlock (40P01) after deadlock_timeout. Serialising per provider turns every loser into
  -- an immediate, clean exclusion violation (23P01) and keeps the latency flat.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('hyperlocal.booking:' || p_provider_id::text, 0));

  if p_status = 'requested' then
    -- Never after the start, and always well inside a card authorisation's life.
    v_expires := least(
      coalesce(p_request_expires_at,
               v_now + pg_catalog.make_interval(mins => (private.setting('bookings.request_ttl_minutes'))::integer)),
      v_now + pg_catalog.make_interval(mins => (private.setting('bookings.card_authorization_window_minutes'))::integer - 60),
      pg_catalog.lower(p_period));
  end if;

  insert into public.bookings (
    customer_id, provider_id, business_id, listing_id, status, period, price, currency,
    customer_note, cancellation_policy, request_expires_at, accepted_at, status_changed_at, free_cancellation_until)
  values (
    p_customer_id, p_provider_id,
    (select pp.business_id from public.provider_profiles pp where pp.id = p_provider_id),
    p_listing_id, p_status, p_period, p_price, p_currency,
    p_customer_note, v_policy, v_expires,
    case when p_status = 'accepted' then v_now end,
    v_now,
    pg_catalog.lower(p_period) - pg_catalog.make_interval(mins => (v_policy ->> 'free_until_minutes')::numeric::integer))
  returning * into v_booking;

  insert into private.booking_secrets (booking_id, location, address)
  values (v_booking.id, p_location, p_address);

  if p_status = 'accepted' then
    perform private.issue_start_code(v_booking.id, false);
  end if;

  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (v_booking.id, 'create', null, p_status,
          case when p_actor_role = 'system' then null else (select auth.uid()) end,
          p_actor_role,
          pg_catalog.jsonb_build_object('listing_id', p_listing_id) || coalesce(p_metadata, '{}'::jsonb));
  return v_booking;
end;
$$;
comment on function private.create_booking(uuid, uuid, tstzrange, bigint, char, text, text, uuid, extensions.geography, text, text, jsonb, timestamptz, jsonb) is
  'Inserts a booking in state requested or accepted (with its secrets, start code when accepted, deadlines and free-cancellation window) and its first timeline event, whose metadata is {listing_id} plus p_metadata (e.g. the job and offer a booking comes from). An empty policy takes the listing''s effective policy. The exclusion constraint refuses overlaps (23P01).';

------------------------------------------------------------------------------------------------
-- The one transition path. Everything that changes a booking's status goes through here:
-- people (through transition_booking/start_booking/scan_booking), timers and back ends.
------------------------------------------------------------------------------------------------
create or replace function private.apply_booking_transition(
  p_booking_id uuid,
  p_transition text,
  p_actor_role text,
  p_actor_id uuid,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb,
  p_start_code_verified boolean default false,
  p_period tstzrange default null
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_previous public.bookings;
  v_transition public.booking_transitions;
  v_now timestamptz := private.now();
  v_reason text := nullif(pg_catalog.btrim(p_reason), '');
  v_due timestamptz;
  v_extra jsonb := '{}'::jsonb;
  v_late boolean;
  v_payload jsonb;
  v_handler record;
  v_requested_at timestamptz;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_requested_at := coalesce(v_booking.status_changed_at, v_booking.created_at);

  select * into v_transition
    from public.booking_transitions t
   where t.name = p_transition and t.from_state = v_booking.status;
  if not found then
    if not exists (select 1 from public.booking_transitions t where t.name = p_transition) then
      perform private.raise_error('HL401', pg_catalog.format('transition %L', p_transition));
    end if;
    perform private.raise_error('HL402', pg_catalog.format('cannot %s a booking that is %s (%s starts from: %s)',
      p_transition, v_booking.status, p_transition,
      (select pg_catalog.string_agg(t.from_state, ', ' order by t.from_state) from public.booking_transitions t where t.name = p_transition)));
  end if;
  if not (p_actor_role = any (v_transition.actors)) then
    perform private.raise_error('HL403', pg_catalog.format('%s may not %s a booking that is %s (allowed: %s)',
      p_actor_role, p_transition, v_booking.status, pg_catalog.array_to_string(v_transition.actors, ', ')));
  end if;

  -- Guards.
  if p_transition in ('cancel', 'dispute', 'resolve') and p_actor_role <> 'system' and v_reason is null then
    perform private.raise_error('HL419', pg_catalog.format('%s needs a reason', p_transition));
  end if;
  if p_transition = 'accept' and v_booking.request_expires_at is not null and v_now >= v_booking.request_expires_at then
    perform private.raise_error('HL417', pg_catalog.format('the request expired at %s', v_booking.request_expires_at));
  end if;
  if p_transition = 'expire' and (v_booking.request_expires_at is null or v_now < v_booking.request_expires_at) then
    perform private.raise_error('HL418', pg_catalog.format('the request expires at %s', v_booking.request_expires_at));
  end if;
  if p_transition = 'no_show' then
    v_due := pg_catalog.lower(v_booking.period)
             + pg_catalog.make_interval(mins => (private.setting('bookings.no_show_after_minutes'))::integer);
    if v_now < v_due then
      perform private.raise_error('HL418', pg_catalog.format('no-show is due at %s', v_due));
    end if;
  end if;
  if p_transition = 'complete' and p_actor_role = 'system' then
    v_due := pg_catalog.upper(v_booking.period)
             + pg_catalog.make_interval(mins => (private.setting('bookings.auto_complete_after_minutes'))::integer);
    if v_now < v_due then
      perform private.raise_error('HL418', pg_catalog.format('auto-completion is due at %s', v_due));
    end if;
  end if;
  if p_transition = 'dispute' and v_booking.status = 'completed' then
    v_due := coalesce(v_booking.completed_at, v_booking.status_changed_at)
             + pg_catalog.make_interval(mins => (private.setting('bookings.dispute_window_minutes'))::integer);
    if v_now > v_due then
      perform private.raise_error('HL420', pg_catalog.format('disputes were possible until %s', v_due));
    end if;
  end if;
  if p_transition = 'start' and not p_start_code_verified then
    perform private.raise_error('HL421', 'submit the code with start_booking(p_booking_id, p_code)');
  end if;
  -- Only a reschedule changes the period; its callers check the new time (private.check_booking_new_period).
  if (p_transition = 'reschedule') <> (p_period is not null) then
    perform private.raise_error('HL405', case when p_period is null then 'a reschedule needs the new period'
                                              else pg_catalog.format('%s does not change the period', p_transition) end);
  end if;
  if p_period is not null and (pg_catalog.isempty(p_period) or pg_catalog.lower_inf(p_period) or pg_catalog.upper_inf(p_period)) then
    perform private.raise_error('HL405', pg_catalog.format('period %s', p_period));
  end if;

  if v_transition.to_state = 'cancelled' then
    v_late := p_actor_role = 'customer'
              and v_booking.free_cancellation_until is not null
              and v_now >= v_booking.free_cancellation_until;
    v_extra := pg_catalog.jsonb_build_object(
      'cancellation_policy', v_booking.cancellation_policy,
      'free_cancellation_until', v_booking.free_cancellation_until,
      'late', v_late);
  end if;

  if p_period is not null then
    -- Like inserts (private.create_booking), changes of a provider's booked time queue per provider,
    -- so a concurrent overlap fails cleanly with 23P01 instead of deadlocking.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('hyperlocal.booking:' || v_booking.provider_id::text, 0));
    v_previous := v_booking;
  end if;

  update public.bookings b
     set status = v_transition.to_state,
         -- The domain clock of the state: a move in time keeps the state (and its clock).
         status_changed_at = case when v_transition.to_state <> v_transition.from_state then v_now else b.status_changed_at end,
         period = coalesce(p_period, b.period),
         -- The cancellation policy's clock follows the start.
         free_cancellation_until = case when p_period is null then b.free_cancellation_until
           else pg_catalog.lower(p_period) - pg_catalog.make_interval(mins => (b.cancellation_policy ->> 'free_until_minutes')::numeric::integer) end,
         accepted_at = case when p_transition = 'accept' then v_now else b.accepted_at end,
         started_at = case when v_transition.to_state = 'in_progress' then v_now else b.started_at end,
         completed_at = case when v_transition.to_state = 'completed' then v_now else b.completed_at end,
         cancelled_at = case when v_transition.to_state = 'cancelled' then v_now else b.cancelled_at end,
         cancelled_by = case when v_transition.to_state = 'cancelled' then p_actor_role else b.cancelled_by end,
         cancel_reason = case when v_transition.to_state = 'cancelled' then coalesce(v_reason, p_transition) else b.cancel_reason end,
         cancelled_late = case when v_transition.to_state = 'cancelled' then v_late else b.cancelled_late end
   where b.id = p_booking_id
  returning * into v_booking;

  if p_transition = 'accept' then
    perform private.issue_start_code(p_booking_id, false);
  end if;
  if p_period is not null then
    -- Reminders follow the new start: those whose time has already come count as sent.
    delete from private.booking_reminders r where r.booking_id = p_booking_id;
    insert into private.booking_reminders (booking_id, offset_minutes, sent_at)
    select p_booking_id, x::integer, v_now
      from pg_catalog.jsonb_array_elements_text(private.setting('bookings.reminder_offsets_minutes')) as x
     where pg_catalog.lower(p_period) - pg_catalog.make_interval(mins => x::integer) <= v_now
    on conflict do nothing;
    v_extra := pg_catalog.jsonb_build_object(
      'previous_start', pg_catalog.lower(v_previous.period), 'previous_end', pg_catalog.upper(v_previous.period),
      'start', pg_catalog.lower(p_period), 'end', pg_catalog.upper(p_period),
      'free_cancellation_until', v_booking.free_cancellation_until);
  end if;

  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata)
  values (p_booking_id, p_transition, v_transition.from_state, v_transition.to_state,
          case when p_actor_role = 'system' then null else p_actor_id end,
          p_actor_role, v_reason, coalesce(p_metadata, '{}'::jsonb) || v_extra);

  -- Tell the other party (both, when an operator or the system acted).
  v_payload := pg_catalog.jsonb_build_object(
    'booking_id', v_booking.id, 'reference', v_booking.reference, 'transition', p_transition,
    'from', v_transition.from_state, 'to', v_transition.to_state, 'actor', p_actor_role,
    'starts_at', pg_catalog.lower(v_booking.period), 'reason', v_reason);
  if p_period is not null then
    v_payload := v_payload || pg_catalog.jsonb_build_object('previous_starts_at', pg_catalog.lower(v_previous.period));
  end if;
  if p_actor_role <> 'customer' then
    perform private.notify(v_booking.customer_id,
      case when p_period is not null then 'booking.rescheduled' else 'booking.' || v_transition.to_state end, v_payload);
  end if;
  if p_actor_role <> 'provider' then
    perform private.notify(v_booking.provider_id,
      case when p_period is not null then 'booking.rescheduled' else 'booking.' || v_transition.to_state end, v_payload);
  end if;

  -- The provider's statistics (catalog): how fast they answer booking requests, and completed work.
  -- The answer time runs on the domain clock from when the request was made (its status_changed_at).
  if v_transition.from_state = 'requested' and p_actor_role = 'provider' then
    perform private.record_provider_response(v_booking.provider_id,
      greatest(0, pg_catalog.round(extract(epoch from v_now - v_requested_at)))::integer);
  end if;
  if v_transition.to_state = 'completed' then
    perform private.record_completed_job(v_booking.provider_id);
  end if;

  -- Later modules react in the same transaction (private.booking_transition_handlers), so they and
  -- the booking never disagree: for example a job follows the booking it was assigned to.
  for v_handler in
    select n.nspname::text as nsp, p.proname::text as fn
      from private.booking_transition_handlers h
      join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(h.handler)
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where h.to_states is null or v_transition.to_state = any (h.to_states)
     order by h.position
  loop
    execute pg_catalog.format('select %I.%I($1, $2, $3, $4, $5)', v_handler.nsp, v_handler.fn)
      using v_booking, p_transition, p_actor_role, v_reason, coalesce(p_metadata, '{}'::jsonb);
  end loop;
  return v_booking;
end;
$$;
comment on function private.apply_booking_transition(uuid, text, text, uuid, text, jsonb, boolean, tstzrange) is
  'The single transition path: locks the booking, checks the transition from its state and the actor against booking_transitions, runs the guards, updates status and timestamps (reschedule: the period given in p_period, the free-cancellation deadline and the reminders follow the new start; overlaps raise 23P01), writes the timeline event, notifies (booking.<to state>, booking.rescheduled for a reschedule), records the provider''s answer time (from requested) and completed jobs, then calls the handlers later modules registered in private.booking_transition_handlers. Used by the RPCs and the timers (actor system).';

create or replace function private.check_transition_input(p_reason text, p_metadata jsonb)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_reason is not null and pg_catalog.char_length(p_reason) > 1000 then
    perform private.raise_error('HL434', 'p_reason is limited to 1000 characters');
  end if;
  if p_metadata is not null and (pg_catalog.jsonb_typeof(p_metadata) <> 'object'
                                 or pg_catalog.octet_length(p_metadata::text) > 4096) then
    perform private.raise_error('HL434', 'p_metadata must be a JSON object under 4 KB');
  end if;
end;
$$;
comment on function private.check_transition_input(text, jsonb) is 'Validates a transition''s reason and metadata (HL434).';

revoke all on function private.check_transition_input(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.check_transition_input(text, jsonb) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Busy time: bookings in a state that holds time (booking_states.holds_time) keep a busy block
-- in the catalog's private.provider_busy_blocks, which slots, "available now" and discovery read.
------------------------------------------------------------------------------------------------
create or replace function private.booking_sync_busy_block()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op <> 'DELETE'
     and exists (select 1 from public.booking_states s where s.state = new.status and s.holds_time) then
    insert into private.provider_busy_blocks (source, source_id, provider_id, period)
    values ('booking', new.id, new.provider_id, new.period)
    on conflict (source, source_id) do update
      set provider_id = excluded.provider_id, period = excluded.period;
  else
    delete from private.provider_busy_blocks b
     where b.source = 'booking' and b.source_id = case when tg_op = 'DELETE' then old.id else new.id end;
  end if;
  return null;
end;
$$;
comment on function private.booking_sync_busy_block() is
  'AFTER INSERT/UPDATE/DELETE on bookings: keeps the provider''s busy block for bookings in a state that holds time (booking_states.holds_time).';

create or replace trigger bookings_sync_busy_block
  after insert or delete or update of status, period, provider_id on public.bookings
  for each row execute function private.booking_sync_busy_block();
