-- Module: tracking (access)
-- Who watches a booking's live location (the customer, the provider, the business's dispatchers,
-- the reporter), the Realtime rule of `booking:<id>` topics (core's private.realtime_topics), and
-- how sessions follow the booking (bookings' private.booking_transition_handlers).

------------------------------------------------------------------------------------------------
-- Watchers. Dispatchers are the members of the booking's business with business role owner or
-- manager: the roles that act as the provider on a booking (private.booking_caller_roles).
------------------------------------------------------------------------------------------------
create or replace function private.booking_location_watcher(p_booking_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (select auth.uid()) is not null and exists (
    select 1
      from public.bookings b
      left join private.booking_tracking t on t.booking_id = b.id
     where b.id = p_booking_id
       and (b.customer_id = (select auth.uid())
            or b.provider_id = (select auth.uid())
            or t.reporter_id = (select auth.uid())
            or exists (select 1 from public.business_members bm
                        where bm.business_id = b.business_id and bm.user_id = (select auth.uid())
                          and bm.role in ('owner', 'manager'))));
$$;
comment on function private.booking_location_watcher(uuid) is
  'True when the calling user may see the booking''s live location: its customer, its provider, the reporter, or a '
  'dispatcher (owner or manager of the booking''s business).';
revoke all on function private.booking_location_watcher(uuid) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- `booking:<booking id>`: watchers receive broadcasts; nobody sends client broadcasts or tracks
-- presence (fixes and status changes are sent by the database with realtime.send).
------------------------------------------------------------------------------------------------
create or replace function private.booking_topic_allows(p_topic text, p_extension text, p_operation text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id text := pg_catalog.substr(p_topic, pg_catalog.length('booking:') + 1);
begin
  if p_operation <> 'read' or p_extension <> 'broadcast' or p_topic not like 'booking:%'
     or v_id !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    return false;
  end if;
  return private.booking_location_watcher(v_id::uuid);
end;
$$;
comment on function private.booking_topic_allows(text, text, text) is
  'Realtime rule of booking:<id> topics: the booking''s location watchers (private.booking_location_watcher) receive '
  'broadcasts; nobody sends client broadcasts or tracks presence.';
revoke all on function private.booking_topic_allows(text, text, text) from public, anon, authenticated, service_role;

insert into private.realtime_topics (prefix, module, handler, description) values
  ('booking', 'tracking', 'private.booking_topic_allows(text, text, text)',
   'A booking''s live location (events location, tracking_status) for its customer, provider and dispatchers.')
on conflict (prefix) do update
  set module = excluded.module, handler = excluded.handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- The live state and summary as clients see them.
------------------------------------------------------------------------------------------------
create or replace function private.tracking_summary(p_tracking private.booking_tracking)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'started_at', p_tracking.started_at,
    'ended_at', p_tracking.ended_at,
    'arrived_at', p_tracking.arrived_at,
    'distance_m', pg_catalog.round(p_tracking.distance_m::numeric, 1),
    'remaining_m', pg_catalog.round(p_tracking.remaining_m::numeric, 1),
    'eta_at', p_tracking.eta_at,
    'first', case when p_tracking.first_recorded_at is not null then pg_catalog.jsonb_build_object(
      'lat', extensions.st_y(p_tracking.first_location::extensions.geometry),
      'lng', extensions.st_x(p_tracking.first_location::extensions.geometry),
      'recorded_at', p_tracking.first_recorded_at) end,
    'last', case when p_tracking.last_recorded_at is not null then pg_catalog.jsonb_build_object(
      'lat', extensions.st_y(p_tracking.last_location::extensions.geometry),
      'lng', extensions.st_x(p_tracking.last_location::extensions.geometry),
      'accuracy', p_tracking.last_accuracy_m, 'heading', p_tracking.last_heading, 'speed', p_tracking.last_speed_mps,
      'recorded_at', p_tracking.last_recorded_at) end,
    'fixes_received', p_tracking.fixes_received,
    'fixes_stored', p_tracking.fixes_stored,
    'trail_deleted_at', p_tracking.trail_deleted_at);
$$;
comment on function private.tracking_summary(private.booking_tracking) is
  'A session as JSON: started/ended/arrived times, distance travelled, remaining distance and ETA, first and last fix '
  '({lat, lng, recorded_at}; the last with accuracy, heading, speed), fix counts, when the trail was deleted.';
revoke all on function private.tracking_summary(private.booking_tracking) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Sessions follow the booking. Into en_route, arrived or in_progress: the session starts (once),
-- its reporter being the provider-side actor of that transition, else the provider; arrival time
-- is kept. Out of those states: the session ends (the summary stays). Each change is broadcast
-- as `tracking_status` on the booking's topic.
------------------------------------------------------------------------------------------------
create or replace function private.tracking_after_booking_transition(
  p_booking public.bookings, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_actor uuid;
  v_tracking private.booking_tracking;
begin
  if p_booking.status in ('en_route', 'arrived', 'in_progress') then
    if p_actor_role = 'provider' then
      select e.actor_id into v_actor
        from public.booking_events e
       where e.booking_id = p_booking.id
       order by e.id desc
       limit 1;
    end if;
    insert into private.booking_tracking (booking_id, reporter_id, started_at)
    values (p_booking.id, coalesce(v_actor, p_booking.provider_id), v_now)
    on conflict (booking_id) do nothing;
    if p_booking.status = 'arrived' then
      update private.booking_tracking t
         set arrived_at = coalesce(t.arrived_at, v_now), eta_at = null, updated_at = v_now
       where t.booking_id = p_booking.id;
    end if;
  else
    update private.booking_tracking t
       set ended_at = v_now, eta_at = null, updated_at = v_now
     where t.booking_id = p_booking.id and t.ended_at is null;
    if not found then
      return;
    end if;
  end if;
  select * into v_tracking from private.booking_tracking t where t.booking_id = p_booking.id;
  perform realtime.send(
    pg_catalog.jsonb_build_object('booking_id', p_booking.id, 'status', p_booking.status,
                                  'tracking', v_tracking.ended_at is null)
      || private.tracking_summary(v_tracking),
    'tracking_status', 'booking:' || p_booking.id::text, true);
end;
$$;
comment on function private.tracking_after_booking_transition(public.bookings, text, text, text, jsonb) is
  'Booking transition handler (private.booking_transition_handlers): into en_route/arrived/in_progress starts the location '
  'session once (reporter: the provider-side actor, else the provider) and records the arrival time; out of them ends it. '
  'Broadcasts tracking_status on booking:<id>.';
revoke all on function private.tracking_after_booking_transition(public.bookings, text, text, text, jsonb)
  from public, anon, authenticated, service_role;

insert into private.booking_transition_handlers (handler, position, module, to_states, description) values
  ('private.tracking_after_booking_transition(public.bookings, text, text, text, jsonb)', 800, 'tracking',
   array['en_route', 'arrived', 'in_progress', 'completed', 'cancelled', 'disputed'],
   'Starts the live-location session when the booking sets off or arrives, records the arrival, ends it when the booking leaves the active states.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;
