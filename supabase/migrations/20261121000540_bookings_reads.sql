-- Module: bookings (reads)
-- Listing one's bookings, one booking with its timeline and the transitions the caller can take,
-- and a provider's calendar.

------------------------------------------------------------------------------------------------
-- Public: reading
------------------------------------------------------------------------------------------------
create or replace function public.list_my_bookings(
  p_as text default 'customer',
  p_status text[] default null,
  p_when text default 'all',
  p_limit integer default 20,
  p_after text default null
)
returns table (
  id uuid,
  reference text,
  status text,
  starts_at timestamptz,
  ends_at timestamptz,
  listing_id uuid,
  listing_title text,
  customer_id uuid,
  customer_name text,
  provider_id uuid,
  provider_name text,
  price bigint,
  currency char(3),
  created_at timestamptz,
  cursor text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_terminal text[];
  v_businesses uuid[];
  v_managed uuid[] := '{}';
  v_after_start timestamptz;
  v_after_id uuid;
  v_ascending boolean := p_when = 'upcoming';
  v_cursor text;
begin
  if p_as is null or p_as not in ('customer', 'provider') then
    perform private.raise_error('HL431', pg_catalog.format('p_as %L', p_as));
  end if;
  if p_when is null or p_when not in ('upcoming', 'past', 'all') then
    perform private.raise_error('HL431', pg_catalog.format('p_when %L', p_when));
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL431', pg_catalog.format('p_limit %s', p_limit));
  end if;
  if p_status is not null and exists (
       select 1 from pg_catalog.unnest(p_status) s(v)
        where s.v is null or not exists (select 1 from public.booking_states bs where bs.state = s.v)) then
    perform private.raise_error('HL431', pg_catalog.format('p_status %s', p_status));
  end if;
  if p_after is not null then
    begin
      v_cursor := pg_catalog.convert_from(private.base64url_decode(p_after), 'UTF8');
      v_after_start := 'epoch'::timestamptz
        + (pg_catalog.split_part(v_cursor, ',', 1)::bigint::text || ' microseconds')::interval;
      v_after_id := pg_catalog.split_part(v_cursor, ',', 2)::uuid;
    exception when others then
      perform private.raise_error('HL007', 'unreadable cursor');
    end;
    if v_after_start is null or v_after_id is null then
      perform private.raise_error('HL007', 'incomplete cursor');
    end if;
  end if;

  select pg_catalog.array_agg(s.state) into v_terminal from public.booking_states s where s.is_terminal;
  if p_as = 'provider' then
    select coalesce(pg_catalog.array_agg(bm.business_id), '{}'),
           coalesce(pg_catalog.array_agg(bm.business_id) filter (where bm.role in ('owner', 'manager')), '{}')
      into v_businesses, v_managed
      from public.business_members bm where bm.user_id = v_uid;
  end if;

  return query
  select b.id, b.reference, b.status, pg_catalog.lower(b.period), pg_catalog.upper(b.period),
         b.listing_id, l.title, b.customer_id, c.full_name, b.provider_id, pp.display_name,
         -- Business staff see their business's bookings without the money (docs/bookings.md).
         case when b.customer_id = v_uid or b.provider_id = v_uid or b.business_id = any (v_managed) then b.price end,
         case when b.customer_id = v_uid or b.provider_id = v_uid or b.business_id = any (v_managed) then b.currency end,
         b.created_at,
         private.base64url(pg_catalog.convert_to(
           ((extract(epoch from pg_catalog.lower(b.period)) * 1000000)::bigint)::text || ',' || b.id::text, 'UTF8'))
    from public.bookings b
    join public.profiles c on c.id = b.customer_id
    join public.provider_profiles pp on pp.id = b.provider_id
    left join public.service_listings l on l.id = b.listing_id
   where (case when p_as = 'customer' then b.customer_id = v_uid
               else (b.provider_id = v_uid or b.business_id = any (v_businesses)) end)
     and (p_status is null or b.status = any (p_status))
     and (p_when = 'all'
          or (p_when = 'upcoming' and pg_catalog.upper(b.period) > v_now and not (b.status = any (v_terminal)))
          or (p_when = 'past' and (pg_catalog.upper(b.period) <= v_now or b.status = any (v_terminal))))
     and (v_after_id is null
          or (v_ascending and (pg_catalog.lower(b.period), b.id) > (v_after_start, v_after_id))
          or (not v_ascending and (pg_catalog.lower(b.period), b.id) < (v_after_start, v_after_id)))
   order by case when v_ascending then pg_catalog.lower(b.period) end asc,
            case when v_ascending then b.id end asc,
            case when not v_ascending then pg_catalog.lower(b.period) end desc,
            case when not v_ascending then b.id end desc
   limit p_limit;
end;
$$;
comment on function public.list_my_bookings(text, text[], text, integer, text) is
  'The caller''s bookings as customer or provider (provider side includes their businesses'' bookings; price and currency are null on the rows of a business where the caller is only staff), filtered by status and by when: upcoming (not closed and not yet over, soonest first), past (over or closed, latest first) or all (latest first). Keyset pagination: pass the last row''s cursor as p_after. Errors: HL431, HL007.';
revoke all on function
  public.list_my_bookings(text, text[], text, integer, text)
  from public, anon, authenticated, service_role;
grant execute on function public.list_my_bookings(text, text[], text, integer, text) to authenticated;

create or replace function public.get_booking(p_booking_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_staff_only boolean;
  v_result jsonb;
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

  v_staff_only := private.is_staff_only(v_roles);

  select pg_catalog.jsonb_build_object(
    'booking', pg_catalog.to_jsonb(private.booking_for_viewer(v_booking, v_roles)) - 'period'
      || pg_catalog.jsonb_build_object('starts_at', pg_catalog.lower(v_booking.period), 'ends_at', pg_catalog.upper(v_booking.period)),
    'listing', (select pg_catalog.jsonb_build_object('id', l.id, 'title', l.title, 'pricing_unit', l.pricing_unit,
                                                     'duration_minutes', l.duration_minutes)
                  from public.service_listings l where l.id = v_booking.listing_id),
    'customer', (select pg_catalog.jsonb_build_object('id', p.id, 'username', p.username, 'full_name', p.full_name,
                                                      'avatar_path', p.avatar_path)
                   from public.profiles p where p.id = v_booking.customer_id),
    'provider', (select pg_catalog.jsonb_build_object('id', pp.id, 'display_name', pp.display_name,
                                                      'business_id', v_booking.business_id, 'timezone', pp.timezone)
                   from public.provider_profiles pp where pp.id = v_booking.provider_id),
    'my_roles', pg_catalog.to_jsonb(v_roles),
    'pending_reschedule', (
      select pg_catalog.jsonb_build_object('id', r.id, 'proposer_role', r.proposer_role, 'proposed_by', r.proposed_by,
               'start', pg_catalog.lower(r.proposed_period), 'end', pg_catalog.upper(r.proposed_period),
               'reason', r.reason, 'expires_at', r.expires_at, 'created_at', r.created_at)
        from public.booking_reschedules r where r.booking_id = v_booking.id and r.status = 'pending'),
    'available_transitions', coalesce((
      select pg_catalog.jsonb_agg(t.name order by t.name)
        from public.booking_transitions t
       where t.from_state = v_booking.status
         and (('customer' = any (v_roles) and 'customer' = any (t.actors))
              or ('provider' = any (v_roles) and 'provider' = any (t.actors))
              or ('staff' = any (v_roles) and 'provider' = any (t.actors) and t.staff_may)
              or ('operator' = any (v_roles) and 'operator' = any (t.actors)))), '[]'::jsonb),
    'timeline', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'id', e.id, 'transition', e.transition, 'from', e.from_state, 'to', e.to_state,
               'actor_role', e.actor_role, 'actor_id', e.actor_id, 'actor_name', ap.full_name,
               'reason', e.reason,
               'metadata', case when v_staff_only then e.metadata - array['cancellation_policy', 'free_cancellation_until', 'late']
                                else e.metadata end,
               'created_at', e.created_at) order by e.id)
        from public.booking_events e
        left join public.profiles ap on ap.id = e.actor_id
       where e.booking_id = v_booking.id), '[]'::jsonb))
  into v_result;
  return v_result;
end;
$$;
comment on function public.get_booking(uuid) is
  'A booking with its listing, parties, the caller''s roles, the pending reschedule proposal (or null), the transitions the caller can take now and the timeline, for the parties, business staff and operators. Business staff (who read bookings only through RPCs) get no price, currency or cancellation terms, in the booking or in the timeline''s metadata. Errors: HL400.';
revoke all on function public.get_booking(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking(uuid) to authenticated;

create or replace function public.get_provider_calendar(p_provider_id uuid, p_from timestamptz, p_to timestamptz)
returns table (
  starts_at timestamptz,
  ends_at timestamptz,
  kind text,
  booking_id uuid,
  reference text,
  status text,
  customer_id uuid,
  customer_name text,
  listing_title text,
  note text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_provider public.provider_profiles;
  v_range tstzrange;
  v_max_days integer := (private.setting('bookings.calendar_max_days'))::integer;
  v_full boolean;
begin
  select * into v_provider from public.provider_profiles p where p.id = p_provider_id;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', p_provider_id));
  end if;
  if p_from is null or p_to is null or p_from >= p_to then
    perform private.raise_error('HL217', pg_catalog.format('%s to %s', p_from, p_to));
  end if;
  if p_to - p_from > pg_catalog.make_interval(days => v_max_days) then
    perform private.raise_error('HL218', pg_catalog.format('at most %s days', v_max_days));
  end if;
  v_range := pg_catalog.tstzrange(p_from, p_to, '[)');
  v_full := v_uid is not null and (
    v_uid = p_provider_id
    or (v_provider.business_id is not null and exists (
          select 1 from public.business_members bm where bm.business_id = v_provider.business_id and bm.user_id = v_uid))
    or private.authorize('bookings.manage'));

  if v_full then
    return query
    select pg_catalog.lower(b.period), pg_catalog.upper(b.period), 'booking'::text, b.id, b.reference, b.status,
           b.customer_id, c.full_name, l.title, b.customer_note
      from public.bookings b
      join public.profiles c on c.id = b.customer_id
      left join public.service_listings l on l.id = b.listing_id
     where b.provider_id = p_provider_id
       and b.status in (select s.state from public.booking_states s where s.holds_time)
       and b.period && v_range
    union all
    select pg_catalog.lower(t.period), pg_catalog.upper(t.period), 'time_off'::text, null::uuid, null::text, null::text,
           null::uuid, null::text, null::text, t.reason
      from public.provider_time_off t
     where t.provider_id = p_provider_id and t.period && v_range
    order by 1, 2;
  else
    -- Everyone else sees merged busy blocks only.
    return query
    select pg_catalog.lower(r), pg_catalog.upper(r), 'busy'::text, null::uuid, null::text, null::text,
           null::uuid, null::text, null::text, null::text
      from pg_catalog.unnest((
        select pg_catalog.range_agg(bp.period) from private.provider_busy_periods(p_provider_id, v_range) as bp(period))) as u(r)
     order by 1;
  end if;
end;
$$;
comment on function public.get_provider_calendar(uuid, timestamptz, timestamptz) is
  'A provider''s calendar between two instants (at most bookings.calendar_max_days): for the provider, their business members and operators the holding bookings (with customer and listing) and time off; for everyone else merged busy blocks without details. Errors: HL217 reversed or missing bounds, HL218 longer than bookings.calendar_max_days, HL220.';
revoke all on function
  public.get_provider_calendar(uuid, timestamptz, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function public.get_provider_calendar(uuid, timestamptz, timestamptz) to anon, authenticated;
