-- Module: bookings (timers and links)
-- Timed transitions (pg_cron), and what bookings register with earlier modules: the account
-- deletion step (identity) and the check that bookings point at a provider profile (catalog).

------------------------------------------------------------------------------------------------
-- Timers (pg_cron, every minute). Each acts only if the booking is still in the expected state,
-- re-checked under the row lock; a booking that moved on first is left alone.
------------------------------------------------------------------------------------------------
create or replace function private.apply_timer_transitions(
  p_ids uuid[], p_transition text, p_reason text, p_metadata jsonb,
  out applied integer, out failed integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  applied := 0;
  failed := 0;
  foreach v_id in array coalesce(p_ids, '{}'::uuid[]) loop
    -- One sub-transaction per booking: a failure is logged and counted, the others go on.
    begin
      perform private.apply_booking_transition(v_id, p_transition, 'system', null, p_reason, p_metadata);
      applied := applied + 1;
    exception when others then
      failed := failed + 1;
      raise warning 'bookings timer: % of % failed: %', p_transition, v_id, sqlerrm;
    end;
  end loop;
end;
$$;
comment on function private.apply_timer_transitions(uuid[], text, text, jsonb) is
  'Takes one transition as the system for each booking (already locked by the caller); counts what applied and what failed.';

create or replace function private.run_booking_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_batch integer := (private.setting('bookings.timer_batch_size'))::integer;
  v_no_show interval := pg_catalog.make_interval(mins => (private.setting('bookings.no_show_after_minutes'))::integer);
  v_auto_complete interval := pg_catalog.make_interval(mins => (private.setting('bookings.auto_complete_after_minutes'))::integer);
  v_stalled_after interval := pg_catalog.make_interval(mins => (private.setting('bookings.stalled_after_minutes'))::integer);
  v_offsets integer[];
  v_max_offset integer;
  v_id uuid;
  v_offset integer;
  v_booking public.bookings;
  v_expired integer := 0;
  v_no_shows integer := 0;
  v_completed integer := 0;
  v_stalled integer := 0;
  v_reminded integer := 0;
  v_reschedules integer := 0;
  v_failed integer := 0;
begin
  select pg_catalog.array_agg(x::integer) into v_offsets
    from pg_catalog.jsonb_array_elements_text(private.setting('bookings.reminder_offsets_minutes')) as x;
  v_max_offset := coalesce((select max(o) from pg_catalog.unnest(v_offsets) o), 0);

  -- 1. Requests nobody answered.
  select t.applied, v_failed + t.failed into v_expired, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status = 'requested' and b.request_expires_at <= v_now
            order by b.request_expires_at
            limit v_batch
              for update skip locked),
         'expire', 'request_expired', '{"timer": "expire"}') t;

  -- 2. Accepted bookings that never started.
  select t.applied, v_failed + t.failed into v_no_shows, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status = 'accepted' and pg_catalog.lower(b.period) <= v_now - v_no_show
            order by pg_catalog.lower(b.period)
            limit v_batch
              for update skip locked),
         'no_show', 'no_show', '{"timer": "no_show"}') t;

  -- 3. Work nobody disputed: complete after the grace period.
  select t.applied, v_failed + t.failed into v_completed, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status = 'in_progress' and pg_catalog.upper(b.period) <= v_now - v_auto_complete
            order by pg_catalog.upper(b.period)
            limit v_batch
              for update skip locked),
         'complete', 'auto_completed', '{"timer": "auto_complete"}') t;

  -- 3b. Providers who set off or arrived but never started, long after the scheduled end: the
  -- booking would hold the provider's time and the customer's payment for ever. Cancelled by the
  -- system (never a fee for the customer); a job behind it reopens or expires. The state it
  -- stalled in is the event's from_state.
  select t.applied, v_failed + t.failed into v_stalled, v_failed
    from private.apply_timer_transitions(array(
           select b.id from public.bookings b
            where b.status in ('en_route', 'arrived') and pg_catalog.upper(b.period) <= v_now - v_stalled_after
            order by pg_catalog.upper(b.period)
            limit v_batch
              for update skip locked),
         'cancel', 'stalled',
         pg_catalog.jsonb_build_object('timer', 'stalled',
                                       'stalled_after_minutes', extract(epoch from v_stalled_after)::integer / 60)) t;

  -- 4. Reminders before the start (each offset once; not when the booking was accepted later).
  for v_id, v_offset in
    select b.id, o.minutes
      from public.bookings b
     cross join pg_catalog.unnest(v_offsets) as o(minutes)
     where b.status = 'accepted'
       and pg_catalog.lower(b.period) > v_now
       and pg_catalog.lower(b.period) <= v_now + pg_catalog.make_interval(mins => v_max_offset)
       and pg_catalog.lower(b.period) - pg_catalog.make_interval(mins => o.minutes) <= v_now
       and coalesce(b.accepted_at, b.created_at) <= pg_catalog.lower(b.period) - pg_catalog.make_interval(mins => o.minutes)
       and not exists (select 1 from private.booking_reminders r where r.booking_id = b.id and r.offset_minutes = o.minutes)
     order by pg_catalog.lower(b.period)
     limit v_batch
       for update of b skip locked
  loop
    select * into v_booking from public.bookings b where b.id = v_id;
    continue when v_booking.status <> 'accepted';
    insert into private.booking_reminders (booking_id, offset_minutes, sent_at)
    values (v_id, v_offset, v_now)
    on conflict do nothing;
    if found then
      perform private.notify(u.user_id, 'booking.reminder', pg_catalog.jsonb_build_object(
                'booking_id', v_booking.id, 'reference', v_booking.reference,
                'starts_at', pg_catalog.lower(v_booking.period), 'minutes_before', v_offset))
         from (values (v_booking.customer_id), (v_booking.provider_id)) as u(user_id);
      v_reminded := v_reminded + 1;
    end if;
  end loop;

  -- 5. Proposals to move a booking nobody answered in time.
  v_reschedules := private.expire_booking_reschedules(v_batch);

  return pg_catalog.jsonb_build_object('expired', v_expired, 'no_show', v_no_shows, 'auto_completed', v_completed,
                                       'stalled', v_stalled,
                                       'reminded', v_reminded, 'reschedules_expired', v_reschedules, 'failed', v_failed);
end;
$$;
comment on function private.run_booking_timers() is
  'Timed transitions as the system actor, idempotent: expire unanswered requests, cancel no-shows (accepted, not started bookings.no_show_after_minutes after the start), auto-complete undisputed in-progress bookings bookings.auto_complete_after_minutes after the end, cancel en-route or arrived bookings that never started bookings.stalled_after_minutes after the end (reason stalled), send reminders (bookings.reminder_offsets_minutes), and expire unanswered reschedule proposals. Scheduled every minute with pg_cron.';

select cron.schedule('hyperlocal-booking-timers', '* * * * *', 'select private.run_booking_timers()');

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 400): cancel what has not started,
-- refuse while a booking is under way, erase the service address; keep the bookings and their
-- timeline (the financial and legal record, tied to the anonymised profile).
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_bookings(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_busy text;
  v_id uuid;
begin
  select pg_catalog.string_agg(b.reference || ' (' || b.status || ')', ', ' order by b.reference) into v_busy
    from public.bookings b
   where (b.customer_id = p_user_id or b.provider_id = p_user_id)
     and b.status in ('en_route', 'arrived', 'in_progress', 'disputed');
  if v_busy is not null then
    perform private.raise_error('HL435', v_busy);
  end if;
  for v_id in
    select b.id from public.bookings b
     where (b.customer_id = p_user_id or b.provider_id = p_user_id)
       and b.status in ('requested', 'accepted')
     order by b.id
       for update
  loop
    perform private.apply_booking_transition(v_id, 'cancel', 'system', null, 'account_deleted',
      pg_catalog.jsonb_build_object('account_deleted', true, 'deleted_user_id', p_user_id));
  end loop;
  update private.booking_secrets s
     set location = null, address = null, start_code_hash = null
    from public.bookings b
   where b.id = s.booking_id and (b.customer_id = p_user_id or b.provider_id = p_user_id);
  update public.bookings b set customer_note = null where b.customer_id = p_user_id and b.customer_note is not null;
end;
$$;
comment on function private.delete_account_bookings(uuid) is
  'Account deletion step of the bookings module: refuses (HL435) while a booking of the user is en route, arrived, in progress or disputed; cancels requested/accepted ones as the system; erases service addresses, locations, start codes and notes. Bookings and timelines stay (financial record). The cancel events carry metadata.deleted_user_id, so a job behind a booking is cancelled when its customer leaves and reopens when its provider does.';
insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_bookings(uuid)', 400, 'bookings',
   'Refuse while a booking is under way; cancel requested/accepted bookings; erase addresses and notes; keep bookings and timelines.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

-- Bookings keep pointing at their provider (no cascade: they are the financial record).
create or replace function private.provider_has_bookings(p_provider_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.bookings b where b.provider_id = p_provider_id);
$$;
comment on function private.provider_has_bookings(uuid) is
  'True when bookings point at the provider profile (registered in private.provider_reference_checks).';

insert into private.provider_reference_checks (handler, module, description) values
  ('private.provider_has_bookings(uuid)', 'bookings', 'Bookings of the provider (kept: the financial record).')
on conflict (handler) do update set module = excluded.module, description = excluded.description;
