-- Module: bookings (RPCs)
-- Transitions for people (transition_booking), the start code (submit, show, reset) and booking
-- a listing (instant book or request to book).

------------------------------------------------------------------------------------------------
-- Public: transitions
------------------------------------------------------------------------------------------------
create or replace function public.transition_booking(
  p_booking_id uuid,
  p_transition text,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_booking public.bookings;
  v_transition public.booking_transitions;
  v_roles text[];
  v_actor text;
begin
  if v_uid is null and not private.is_service_role() then
    perform private.raise_error('HL001');
  end if;
  perform private.check_transition_input(p_reason, p_metadata);
  if p_transition is null or not exists (select 1 from public.booking_transitions t where t.name = p_transition) then
    perform private.raise_error('HL401', pg_catalog.format('transition %L', p_transition));
  end if;
  if p_transition = 'start' then
    perform private.raise_error('HL421', 'submit the code with start_booking(p_booking_id, p_code)');
  end if;
  if p_transition = 'reschedule' then
    perform private.raise_error('HL443', 'propose a new time with propose_booking_reschedule');
  end if;

  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;

  if v_uid is null then
    v_actor := 'system';
  else
    v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
    if pg_catalog.cardinality(v_roles) = 0 then
      perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
    end if;
    select * into v_transition
      from public.booking_transitions t
     where t.name = p_transition and t.from_state = v_booking.status;
    if not found then
      perform private.raise_error('HL402', pg_catalog.format('cannot %s a booking that is %s (%s starts from: %s)',
        p_transition, v_booking.status, p_transition,
        (select pg_catalog.string_agg(t.from_state, ', ' order by t.from_state) from public.booking_transitions t where t.name = p_transition)));
    end if;
    v_actor := case
      when 'customer' = any (v_roles) and 'customer' = any (v_transition.actors) then 'customer'
      when ('provider' = any (v_roles) or 'staff' = any (v_roles)) and 'provider' = any (v_transition.actors) then 'provider'
      when 'operator' = any (v_roles) and 'operator' = any (v_transition.actors) then 'operator'
    end;
    if v_actor is null then
      perform private.raise_error('HL403', pg_catalog.format('%s may not %s a booking that is %s (allowed: %s)',
        pg_catalog.array_to_string(v_roles, '/'), p_transition, v_booking.status,
        pg_catalog.array_to_string(v_transition.actors, ', ')));
    end if;
    if v_actor = 'provider' and not ('provider' = any (v_roles)) and not v_transition.staff_may then
      perform private.raise_error('HL403', pg_catalog.format('business staff may not %s; ask an owner or manager', p_transition));
    end if;
  end if;

  -- Business staff get the booking without its financial fields (private.booking_for_viewer).
  return private.booking_for_viewer(
    private.apply_booking_transition(p_booking_id, p_transition, v_actor, v_uid, p_reason, coalesce(p_metadata, '{}'::jsonb)),
    v_roles);
end;
$$;
comment on function public.transition_booking(uuid, text, text, jsonb) is
  'Takes a transition of the booking process (booking_transitions) as the calling user''s role on the booking: customer, provider (provider or business owner/manager; staff only for progress transitions), or operator (bookings.manage). Writes a timeline event. cancel, dispute and resolve need p_reason. start goes through start_booking, reschedule through propose_booking_reschedule and respond_booking_reschedule. Business staff receive the booking without price, currency and cancellation terms (null). Errors: HL400, HL401, HL402, HL403, HL417 (request expired), HL419, HL420, HL421, HL434, HL443.';
revoke all on function
  public.transition_booking(uuid, text, text, jsonb)
  from public, anon, authenticated, service_role;
grant execute on function public.transition_booking(uuid, text, text, jsonb) to authenticated, service_role;

create or replace function public.start_booking(p_booking_id uuid, p_code text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_booking public.bookings;
  v_roles text[];
  v_max integer := (private.setting('bookings.start_code_max_attempts'))::integer;
  v_hash text;
  v_attempts integer;
begin
  if p_code is null or pg_catalog.btrim(p_code) = '' then
    perform private.raise_error('HL421', 'p_code is empty');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_booking.status <> 'arrived' then
    perform private.raise_error('HL402', pg_catalog.format('cannot start a booking that is %s (start starts from: arrived)', v_booking.status));
  end if;
  if not ('provider' = any (v_roles) or 'staff' = any (v_roles)) then
    perform private.raise_error('HL403', 'only the provider side submits the start code');
  end if;

  if v_booking.start_code_attempts >= v_max then
    return private.error_body('HL423', pg_catalog.format('%s wrong attempts', v_booking.start_code_attempts));
  end if;

  select s.start_code_hash into v_hash from private.booking_secrets s where s.booking_id = p_booking_id;
  if v_hash is not null and extensions.crypt(pg_catalog.btrim(p_code), v_hash) = v_hash then
    return pg_catalog.to_jsonb(private.booking_for_viewer(private.apply_booking_transition(
      p_booking_id, 'start', 'provider', v_uid, null, pg_catalog.jsonb_build_object('start_code', 'accepted'), true), v_roles));
  end if;

  -- A wrong code: counted, on the timeline, and committed (the call returns the error body).
  update public.bookings b set start_code_attempts = b.start_code_attempts + 1
   where b.id = p_booking_id
  returning b.start_code_attempts into v_attempts;
  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (p_booking_id, 'start_code_rejected', v_booking.status, v_booking.status, v_uid, 'provider',
          pg_catalog.jsonb_build_object('attempts', v_attempts, 'attempts_left', greatest(v_max - v_attempts, 0)));
  if v_attempts >= v_max then
    perform private.notify(v_booking.customer_id, 'booking.start_code_locked',
      pg_catalog.jsonb_build_object('booking_id', v_booking.id, 'reference', v_booking.reference, 'attempts', v_attempts));
    return private.error_body('HL423', pg_catalog.format('%s wrong attempts', v_attempts));
  end if;
  return private.error_body('HL422', pg_catalog.format('%s attempts left', v_max - v_attempts));
end;
$$;
comment on function public.start_booking(uuid, text) is
  'The provider side (provider, owner, manager or staff) submits the customer''s start code to move an arrived booking to in_progress; returns the booking (for staff without price, currency and cancellation terms). A wrong code is counted and committed, so the call returns the error body with HTTP 400 HL422 (attempts left in details) or 423 HL423 once bookings.start_code_max_attempts is reached, instead of raising. Errors: HL400, HL402, HL403, HL421, HL422, HL423.';
revoke all on function public.start_booking(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.start_booking(uuid, text) to authenticated;

create or replace function public.get_booking_start_code(p_booking_id uuid)
returns table (code text, attempts_left integer, locked boolean)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_secret private.booking_secrets;
  v_code text;
  v_max integer := (private.setting('bookings.start_code_max_attempts'))::integer;
begin
  perform private.require_uid();
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if not ('customer' = any (v_roles)) then
    perform private.raise_error('HL403', 'only the customer sees the start code');
  end if;
  if v_booking.status not in ('accepted', 'en_route', 'arrived') then
    perform private.raise_error('HL424', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  select * into v_secret from private.booking_secrets s where s.booking_id = p_booking_id;
  v_code := private.derive_start_code(p_booking_id, v_secret.start_code_version);
  -- The key was rotated (or the code never issued): issue it again under the current key.
  if v_secret.start_code_hash is null or extensions.crypt(v_code, v_secret.start_code_hash) <> v_secret.start_code_hash then
    perform private.issue_start_code(p_booking_id, false);
  end if;
  return query select v_code, greatest(v_max - v_booking.start_code_attempts, 0), v_booking.start_code_attempts >= v_max;
end;
$$;
comment on function public.get_booking_start_code(uuid) is
  'The booking''s 6-digit start code, for its customer only, while the booking is accepted, en_route or arrived; with the provider''s attempts left. Errors: HL400, HL403, HL424.';
revoke all on function public.get_booking_start_code(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_start_code(uuid) to authenticated;

create or replace function public.reset_booking_start_code(p_booking_id uuid)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_booking public.bookings;
  v_roles text[];
  v_actor text;
begin
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_actor := case when 'customer' = any (v_roles) then 'customer' when 'operator' = any (v_roles) then 'operator' end;
  if v_actor is null then
    perform private.raise_error('HL403', 'only the customer or an operator resets the start code');
  end if;
  if v_booking.status not in ('accepted', 'en_route', 'arrived') then
    perform private.raise_error('HL424', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  perform private.issue_start_code(p_booking_id, true);
  update public.bookings b set start_code_attempts = 0 where b.id = p_booking_id returning * into v_booking;
  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, metadata)
  values (p_booking_id, 'start_code_reset', v_booking.status, v_booking.status, v_uid, v_actor, '{}'::jsonb);
  if v_actor = 'operator' then
    perform private.notify(v_booking.customer_id, 'booking.start_code_reset',
      pg_catalog.jsonb_build_object('booking_id', v_booking.id, 'reference', v_booking.reference));
  end if;
  return v_booking;
end;
$$;
comment on function public.reset_booking_start_code(uuid) is
  'Issues a new start code and clears the wrong attempts (unlocks). The customer or an operator, while the booking is accepted, en_route or arrived. Errors: HL400, HL403, HL424.';
revoke all on function public.reset_booking_start_code(uuid) from public, anon, authenticated, service_role;
grant execute on function public.reset_booking_start_code(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Public: booking a listing (instant book or request to book).
------------------------------------------------------------------------------------------------
create or replace function public.book_listing(
  p_listing_id uuid,
  p_start timestamptz,
  p_lat double precision default null,
  p_lng double precision default null,
  p_address text default null,
  p_note text default null
)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_listing public.service_listings;
  v_provider public.provider_profiles;
  v_period tstzrange;
  v_location extensions.geography;
  v_price bigint;
  v_status text;
  v_booking public.bookings;
begin
  select * into v_listing from public.service_listings l where l.id = p_listing_id;
  if not found then
    perform private.raise_error('HL219', pg_catalog.format('listing %s', p_listing_id));
  end if;
  select * into v_provider from public.provider_profiles p where p.id = v_listing.provider_id;
  if v_provider.id = v_uid
     or (v_provider.business_id is not null
         and exists (select 1 from public.business_members bm
                      where bm.business_id = v_provider.business_id and bm.user_id = v_uid)) then
    perform private.raise_error('HL413');
  end if;
  if not v_listing.is_active or v_listing.hidden_at is not null then
    perform private.raise_error('HL411', pg_catalog.format('listing %s', p_listing_id));
  end if;
  if v_listing.pricing_unit = 'quote' then
    perform private.raise_error('HL412', pg_catalog.format('listing %s', p_listing_id));
  end if;

  perform private.check_booking_start(p_start);

  if (p_lat is null) <> (p_lng is null) then
    perform private.raise_error('HL008', pg_catalog.format('lat %s, lng %s', p_lat, p_lng));
  end if;
  if p_lat is not null then
    v_location := private.make_point(p_lat, p_lng);
    if not extensions.st_covers(v_listing.coverage, v_location) then
      perform private.raise_error('HL415', pg_catalog.format('lat %s, lng %s', p_lat, p_lng));
    end if;
  end if;
  if p_address is not null and pg_catalog.char_length(p_address) > 300 then
    perform private.raise_error('HL434', 'p_address is limited to 300 characters');
  end if;
  if p_note is not null and pg_catalog.char_length(p_note) > 2000 then
    perform private.raise_error('HL434', 'p_note is limited to 2000 characters');
  end if;

  v_period := pg_catalog.tstzrange(p_start, p_start + pg_catalog.make_interval(mins => v_listing.duration_minutes), '[)');
  if not private.is_within_availability(v_provider.id, v_period) then
    perform private.raise_error('HL409', pg_catalog.format('%s to %s (%s)', pg_catalog.lower(v_period),
      pg_catalog.upper(v_period), v_provider.timezone));
  end if;
  if exists (select 1 from private.provider_busy_periods(v_provider.id, v_period)) then
    perform private.raise_error('HL404', pg_catalog.format('%s to %s', pg_catalog.lower(v_period), pg_catalog.upper(v_period)));
  end if;

  v_price := case v_listing.pricing_unit
    when 'hourly' then pg_catalog.round(v_listing.base_price * v_listing.duration_minutes / 60.0)::bigint
    else v_listing.base_price
  end;
  v_status := case v_listing.booking_mode when 'instant' then 'accepted' else 'requested' end;

  begin
    v_booking := private.create_booking(
      p_customer_id => v_uid,
      p_provider_id => v_provider.id,
      p_period => v_period,
      p_price => v_price,
      p_currency => v_listing.currency,
      p_status => v_status,
      p_actor_role => 'customer',
      p_listing_id => v_listing.id,
      p_location => v_location,
      p_address => nullif(pg_catalog.btrim(p_address), ''),
      p_customer_note => nullif(pg_catalog.btrim(p_note), ''),
      p_cancellation_policy => private.effective_cancellation_policy(v_listing.id));
  exception when exclusion_violation then
    -- Someone else took the slot between the check and the insert (concurrent requests).
    perform private.raise_error('HL404', pg_catalog.format('%s to %s', pg_catalog.lower(v_period), pg_catalog.upper(v_period)));
  end;

  perform private.notify(v_booking.provider_id, 'booking.' || v_status,
    pg_catalog.jsonb_build_object('booking_id', v_booking.id, 'reference', v_booking.reference,
      'transition', 'create', 'to', v_status, 'actor', 'customer', 'starts_at', p_start,
      'request_expires_at', v_booking.request_expires_at));
  return v_booking;
end;
$$;
comment on function public.book_listing(uuid, timestamptz, double precision, double precision, text, text) is
  'Books a listing for [p_start, p_start + duration): accepted at once when the listing''s booking_mode is instant, else requested until the provider answers (request_expires_at). Validates the listing, the start (future, catalog.min_notice_minutes, bookings.max_advance_days), the location (inside the listing''s coverage), the provider''s weekly hours, time off and other bookings; price from the listing; snapshots the cancellation policy. Errors: HL404 (taken, also under concurrent requests), HL405-HL415, HL434.';
revoke all on function
  public.book_listing(uuid, timestamptz, double precision, double precision, text, text)
  from public, anon, authenticated, service_role;
grant execute on function public.book_listing(uuid, timestamptz, double precision, double precision, text, text) to authenticated;
