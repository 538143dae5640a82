-- Module: tracking (reads, retention, account deletion)
-- get_booking_location for the watchers; the pg_cron job that deletes trails
-- tracking.trail_retention_hours after a session ended (the summary stays); the account deletion
-- step (identity's registry).

------------------------------------------------------------------------------------------------
-- Public: the live state and summary.
------------------------------------------------------------------------------------------------
create or replace function public.get_booking_location(p_booking_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_tracking private.booking_tracking;
begin
  perform private.require_uid();
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found
     or pg_catalog.cardinality(private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id)) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if not private.booking_location_watcher(p_booking_id) then
    perform private.raise_error('HL558', 'the customer, the provider, the dispatchers and the assigned staff member see it');
  end if;
  select * into v_tracking from private.booking_tracking t where t.booking_id = p_booking_id;
  return pg_catalog.jsonb_build_object(
    'booking_id', p_booking_id,
    'status', v_booking.status,
    'tracking', v_tracking.booking_id is not null and v_tracking.ended_at is null,
    'topic', 'booking:' || p_booking_id::text)
    || case when v_tracking.booking_id is null then '{}'::jsonb else private.tracking_summary(v_tracking) end;
end;
$$;
comment on function public.get_booking_location(uuid) is
  'The booking''s live location for its watchers (customer, provider, dispatchers, the reporter): status, whether tracking '
  'is on, the Realtime topic, and once tracked the last fix, remaining distance, ETA, distance travelled, arrival time, '
  'first fix and counts (kept after the trail is deleted). Errors: HL001, HL400, HL558.';
revoke all on function public.get_booking_location(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_location(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Retention (pg_cron, every 10 minutes): trails of sessions that ended more than
-- tracking.trail_retention_hours ago are deleted; the session row (summary) stays.
------------------------------------------------------------------------------------------------
create or replace function private.purge_tracking_trails()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings jsonb := private.tracking_settings();
  v_now timestamptz := private.now();
  v_ids uuid[];
begin
  select pg_catalog.array_agg(t.booking_id) into v_ids
    from (select t.booking_id
            from private.booking_tracking t
           where t.ended_at is not null and t.trail_deleted_at is null
             and t.ended_at <= v_now - pg_catalog.make_interval(hours => (v_settings ->> 'trail_retention_hours')::integer)
           order by t.ended_at
           limit (v_settings ->> 'retention_batch_size')::integer
           for update skip locked) t;
  if v_ids is null then
    return 0;
  end if;
  delete from private.tracking_points tp where tp.booking_id = any (v_ids);
  update private.booking_tracking t set trail_deleted_at = v_now, updated_at = v_now where t.booking_id = any (v_ids);
  return pg_catalog.cardinality(v_ids);
end;
$$;
comment on function private.purge_tracking_trails() is
  'Deletes the trails of sessions that ended at least tracking.trail_retention_hours ago (at most tracking.retention_batch_size '
  'sessions per run) and stamps trail_deleted_at; summaries stay. Returns the number of sessions purged. pg_cron every 10 minutes.';
revoke all on function private.purge_tracking_trails() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-tracking-retention', '*/10 * * * *', 'select private.purge_tracking_trails()');

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 450, after bookings refused deleting an
-- account with a booking under way): the trails and the first/last positions of the user's
-- bookings (as customer, provider or reporter) are erased; times and distances stay.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_tracking(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  select pg_catalog.array_agg(t.booking_id) into v_ids
    from private.booking_tracking t
    join public.bookings b on b.id = t.booking_id
   where b.customer_id = p_user_id or b.provider_id = p_user_id or t.reporter_id = p_user_id;
  if v_ids is null then
    return;
  end if;
  delete from private.tracking_points tp where tp.booking_id = any (v_ids);
  update private.booking_tracking t
     set first_location = null, last_location = null,
         last_accuracy_m = null, last_heading = null, last_speed_mps = null, remaining_m = null, eta_at = null,
         trail_deleted_at = coalesce(t.trail_deleted_at, private.now()), updated_at = private.now()
   where t.booking_id = any (v_ids);
end;
$$;
comment on function private.delete_account_tracking(uuid) is
  'Account deletion step (tracking): deletes the trails of the user''s bookings (customer, provider or reporter) and erases '
  'their first/last positions; times, counts and distances stay.';
revoke all on function private.delete_account_tracking(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_tracking(uuid)', 450, 'tracking',
   'Delete the trails and erase the first/last positions of the user''s tracked bookings; keep times and distances.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
