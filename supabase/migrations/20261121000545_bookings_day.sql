-- Module: bookings (a provider's day)
-- The bookings of a day (or a few), in the order they are worked, with what a route needs: where
-- (the exact place while the booking's state reveals contact), when, who (the customer's first
-- name) and the state; for the calling provider, or for every provider of a business (its owner,
-- managers and staff: the dispatcher's view). Read through the (provider_id | business_id,
-- lower(period), id) indexes: a business with 50 providers reads the window's rows, not its
-- history.

create or replace function public.list_provider_day(
  p_from timestamptz default null,
  p_days integer default 1,
  p_business_id uuid default null
)
returns table (
  booking_id uuid,
  reference text,
  status text,
  starts_at timestamptz,
  ends_at timestamptz,
  provider_id uuid,
  provider_name text,
  stop_number integer,
  customer_first_name text,
  listing_title text,
  lat double precision,
  lng double precision,
  address text,
  distance_from_previous_m integer
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_provider public.provider_profiles;
  v_from timestamptz;
  v_to timestamptz;
begin
  if p_days is null or p_days not between 1 and 14 then
    perform private.raise_error('HL431', pg_catalog.format('p_days %s: 1 to 14', coalesce(p_days::text, 'null')));
  end if;
  select * into v_provider from public.provider_profiles p where p.id = v_uid;
  if p_business_id is null and v_provider.id is null then
    perform private.raise_error('HL436', 'you have no provider profile: give p_business_id of your business');
  end if;
  if p_business_id is not null and not exists (
       select 1 from public.business_members m where m.business_id = p_business_id and m.user_id = v_uid) then
    perform private.raise_error('HL436', pg_catalog.format('you are not a member of business %s', p_business_id));
  end if;
  -- Today, from midnight in the caller's time zone (their provider profile's; UTC otherwise).
  v_from := coalesce(p_from, pg_catalog.date_trunc('day', private.now(), coalesce(v_provider.timezone, 'UTC')));
  v_to := v_from + p_days * interval '1 day';

  return query
  with mine as (
    -- Two branches, each an index range on (provider_id | business_id, start); only one runs. A
    -- booking started the day before and still running counts.
    select b.* from public.bookings b
     where p_business_id is null and b.provider_id = v_uid
       and pg_catalog.lower(b.period) >= v_from - interval '1 day' and pg_catalog.lower(b.period) < v_to
    union all
    select b.* from public.bookings b
     where p_business_id is not null and b.business_id = p_business_id
       and pg_catalog.lower(b.period) >= v_from - interval '1 day' and pg_catalog.lower(b.period) < v_to
  ), day as (
    select b.id, b.reference, b.status, b.period, b.provider_id, b.customer_id, b.listing_id,
           case when s.reveals_contact then bs.location end as location,
           case when s.reveals_contact then bs.address end as address
      from mine b
      join public.booking_states s on s.state = b.status
      left join private.booking_secrets bs on bs.booking_id = b.id
     where pg_catalog.upper(b.period) > v_from
       and (s.holds_time or b.status = 'completed')
  ), ordered as (
    select d.*,
           pg_catalog.row_number() over w as stop,
           coalesce(pg_catalog.lag(d.location) over w, pp.base_location) as previous_location
      from day d
      join public.provider_profiles pp on pp.id = d.provider_id
    window w as (partition by d.provider_id order by pg_catalog.lower(d.period), d.id)
  )
  select o.id, o.reference, o.status, pg_catalog.lower(o.period), pg_catalog.upper(o.period),
         o.provider_id, pp.display_name, o.stop::integer,
         nullif(pg_catalog.split_part(pg_catalog.btrim(c.full_name), ' ', 1), ''),
         l.title,
         extensions.st_y(o.location::extensions.geometry), extensions.st_x(o.location::extensions.geometry), o.address,
         pg_catalog.round(extensions.st_distance(o.previous_location, o.location))::integer
    from ordered o
    join public.provider_profiles pp on pp.id = o.provider_id
    join public.profiles c on c.id = o.customer_id
    left join public.service_listings l on l.id = o.listing_id
   order by pp.display_name, o.provider_id, o.stop;
end;
$$;
comment on function public.list_provider_day(timestamptz, integer, uuid) is
  'A provider''s day: the bookings that hold time (requested to in_progress) or were completed, starting from p_from (default '
  'midnight today in the caller''s time zone) for p_days days (1-14), per provider in start order (stop_number), with the '
  'customer''s first name, the listing, the exact place while the state reveals contact (accepted to in_progress) and the '
  'straight-line distance from the previous stop (from the provider''s base for the first). Without p_business_id: the '
  'caller''s own bookings (providers). With it: every booking of that business (its owner, managers and staff: the '
  'dispatcher''s view; no prices). Errors: HL431 p_days, HL436 not a provider / not a member.';
revoke all on function public.list_provider_day(timestamptz, integer, uuid) from public, anon, authenticated, service_role;
grant execute on function public.list_provider_day(timestamptz, integer, uuid) to authenticated;
