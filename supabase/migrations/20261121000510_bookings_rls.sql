-- Module: bookings (access)
-- Who is who on a booking (customer, provider, business staff, operator), what business staff may
-- see, and the row level security and privileges of the bookings tables: read-only for clients;
-- every change goes through the RPCs.

------------------------------------------------------------------------------------------------
-- Who is who on a booking.
------------------------------------------------------------------------------------------------
-- Bookings the caller may read as rows: as customer, as provider, or as owner/manager of the
-- business the booking was made with.
create or replace function private.my_booking_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select b.id from public.bookings b where b.customer_id = (select auth.uid())
  union
  select b.id from public.bookings b where b.provider_id = (select auth.uid())
  union
  select b.id from public.bookings b
   where b.business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])));
$$;
comment on function private.my_booking_ids() is
  'Bookings whose rows the calling user may read: as customer, provider, or owner/manager of the booking''s business (not staff). '
  'Use as booking_id = any (array(select private.my_booking_ids())) in policies.';
revoke all on function private.my_booking_ids() from public, anon, authenticated, service_role;
grant execute on function private.my_booking_ids() to authenticated, service_role;

create or replace function private.booking_caller_roles(p_customer_id uuid, p_provider_id uuid, p_business_id uuid)
returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_roles text[] := '{}'::text[];
  v_business_role text;
begin
  if v_uid is null then
    return v_roles;
  end if;
  if v_uid = p_customer_id then
    v_roles := v_roles || 'customer'::text;
  end if;
  if v_uid = p_provider_id then
    v_roles := v_roles || 'provider'::text;
  elsif p_business_id is not null then
    select bm.role into v_business_role
      from public.business_members bm
     where bm.business_id = p_business_id and bm.user_id = v_uid;
    if v_business_role in ('owner', 'manager') then
      v_roles := v_roles || 'provider'::text;
    elsif v_business_role = 'staff' then
      v_roles := v_roles || 'staff'::text;
    end if;
  end if;
  -- Operators act as operators only on bookings they are not a party to.
  if pg_catalog.cardinality(v_roles) = 0 and private.authorize('bookings.manage') then
    v_roles := v_roles || 'operator'::text;
  end if;
  return v_roles;
end;
$$;
comment on function private.booking_caller_roles(uuid, uuid, uuid) is
  'The calling user''s roles on a booking: customer, provider (the provider or a business owner/manager), staff (business staff), operator (bookings.manage, non-parties only).';

revoke all on function private.booking_caller_roles(uuid, uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function private.booking_caller_roles(uuid, uuid, uuid) to authenticated, service_role;

-- Business staff and the business's finances.
-- Decision: staff do the work (travel, arrive, start with the code, complete, scan) and see what
-- the work needs (when, where, who, the listing, the timeline), but not the money: a booking's
-- price is the business's revenue, and reading every booking row would add up to its books.
--   * bookings and booking_events rows are readable by the customer, the provider, the owners and
--     managers of the business the booking was made with, and operators; not by staff;
--   * staff read bookings through the RPCs (get_booking, list_my_bookings, get_provider_calendar)
--     and get the rows that the transition RPCs return, all without price, currency and the
--     cancellation terms (policy, free-cancellation deadline, late flag): those come back null
--     (and are left out of the timeline's metadata).
create or replace function private.is_staff_only(p_roles text[])
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce('staff' = any (p_roles) and not (p_roles && array['customer', 'provider', 'operator']), false);
$$;
comment on function private.is_staff_only(text[]) is
  'True when the caller''s roles on a booking (private.booking_caller_roles) are business staff only: no customer, provider (or owner/manager) or operator.';

create or replace function private.booking_for_viewer(p_booking public.bookings, p_roles text[])
returns public.bookings
language plpgsql
immutable
set search_path = ''
as $$
begin
  if private.is_staff_only(p_roles) then
    p_booking.price := null;
    p_booking.currency := null;
    p_booking.cancellation_policy := null;
    p_booking.free_cancellation_until := null;
    p_booking.cancelled_late := null;
  end if;
  return p_booking;
end;
$$;
comment on function private.booking_for_viewer(public.bookings, text[]) is
  'The booking as the caller may see it: for business staff only, price, currency, cancellation_policy, free_cancellation_until and cancelled_late are null.';

revoke all on function
  private.is_staff_only(text[]),
  private.booking_for_viewer(public.bookings, text[])
  from public, anon, authenticated, service_role;
grant execute on function private.is_staff_only(text[]), private.booking_for_viewer(public.bookings, text[])
  to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Row level security: read-only for clients; changes go through RPCs.
------------------------------------------------------------------------------------------------
alter table public.booking_states enable row level security;
alter table public.booking_transitions enable row level security;
alter table public.bookings enable row level security;
alter table public.booking_events enable row level security;
alter table public.booking_reschedules enable row level security;

create policy "The booking process is public" on public.booking_states
  for select to anon, authenticated using (true);
create policy "The booking transitions are public" on public.booking_transitions
  for select to anon, authenticated using (true);
revoke all on table public.booking_states, public.booking_transitions from anon, authenticated, service_role;
grant select on public.booking_states, public.booking_transitions to anon, authenticated;
grant select, insert, update, delete on public.booking_states, public.booking_transitions to service_role;

create policy "Parties, business managers and operators can read bookings" on public.bookings
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or provider_id = (select auth.uid())
    or business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('bookings.manage'))
  );
revoke all on table public.bookings from anon, authenticated, service_role;
revoke all on sequence public.bookings_number_seq from anon, authenticated, service_role;
grant select on public.bookings to authenticated;
grant select, insert, update, delete on public.bookings to service_role;

create policy "Parties, business managers and operators can read the timeline" on public.booking_events
  for select to authenticated
  using (
    booking_id = any (array(select private.my_booking_ids()))
    or (select private.authorize('bookings.manage'))
  );
revoke all on table public.booking_events from anon, authenticated, service_role;
revoke all on sequence public.booking_events_id_seq from anon, authenticated, service_role;
grant select on public.booking_events to authenticated;
grant select, insert, update, delete on public.booking_events to service_role;

create policy "Parties, business managers and operators can read reschedule proposals" on public.booking_reschedules
  for select to authenticated
  using (
    booking_id = any (array(select private.my_booking_ids()))
    or (select private.authorize('bookings.manage'))
  );
revoke all on table public.booking_reschedules from anon, authenticated, service_role;
grant select on public.booking_reschedules to authenticated;
grant select, insert, update, delete on public.booking_reschedules to service_role;
