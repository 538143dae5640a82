-- Module: jobs (offers)
-- Making, withdrawing, declining and countering offers, and turning an accepted offer (or an
-- accepted counter) into a booking atomically.

create or replace function private.log_offer_event(
  p_offer public.job_offers, p_action text, p_from_status text, p_actor_role text,
  p_price bigint default null, p_message text default null)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.job_offer_events (offer_id, job_id, provider_id, action, from_status, to_status,
                                       actor_id, actor_role, price, message)
  values (p_offer.id, p_offer.job_id, p_offer.provider_id, p_action, p_from_status, p_offer.status,
          case when p_actor_role = 'system' then null else (select auth.uid()) end,
          p_actor_role, p_price, p_message);
$$;
comment on function private.log_offer_event(public.job_offers, text, text, text, bigint, text) is
  'Appends an offer action to job_offer_events (the offer row carries the new status).';

-- Closes every live offer of a job (the job was assigned, cancelled or expired), or only those of
-- p_only (an edit of the job invalidated their terms), and tells the providers (p_kind). Callers
-- hold the job row lock.
create or replace function private.close_live_offers(
  p_job_id uuid, p_except uuid, p_reason text, p_actor_role text,
  p_only uuid[] default null, p_kind text default 'offer.closed')
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  -- Set-based: an accepted job may have a hundred live offers, and the job row stays locked
  -- until this returns.
  with live as (
    select o.id, o.status as from_status
      from public.job_offers o
     where o.job_id = p_job_id and o.status in ('pending', 'countered')
       and (p_except is null or o.id <> p_except)
       and (p_only is null or o.id = any (p_only))
     order by o.id
       for update
  ), closed as (
    update public.job_offers o
       set status = 'closed', closed_at = private.now()
      from live
     where o.id = live.id
    returning o.id, o.job_id, o.provider_id, live.from_status
  ), events as (
    insert into public.job_offer_events (offer_id, job_id, provider_id, action, from_status, to_status, actor_id, actor_role, message)
    select c.id, c.job_id, c.provider_id, 'close', c.from_status, 'closed',
           case when p_actor_role = 'system' then null else (select auth.uid()) end, p_actor_role, p_reason
      from closed c
  )
  select pg_catalog.count(private.notify(c.provider_id, p_kind,
           pg_catalog.jsonb_build_object('offer_id', c.id, 'job_id', p_job_id, 'reason', p_reason)) is null)::integer
    into v_count
    from closed c;
  return v_count;
end;
$$;
comment on function private.close_live_offers(uuid, uuid, text, text, uuid[], text) is
  'Closes the live offers of a job (except one; or only those of p_only) with a reason, logs and notifies the providers '
  '(p_kind: offer.closed, or offer.invalidated after an edit). Call with the job row locked.';

------------------------------------------------------------------------------------------------
-- Offers
------------------------------------------------------------------------------------------------
-- A deleted account's token (valid until it expires) cannot make offers.
create or replace function private.check_offer_provider_active()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.profiles p where p.id = new.provider_id and p.deleted_at is not null) then
    perform private.raise_error('HL120', pg_catalog.format('provider %s', new.provider_id));
  end if;
  return new;
end;
$$;
comment on function private.check_offer_provider_active() is 'BEFORE INSERT on job_offers: HL120 when the provider''s account is deleted.';

create or replace trigger job_offers_check_provider_active
  before insert on public.job_offers
  for each row execute function private.check_offer_provider_active();

create or replace function public.make_offer(
  p_job_id uuid,
  p_price bigint,
  p_proposed_start timestamptz,
  p_duration_minutes integer default null,
  p_message text default null,
  p_expires_at timestamptz default null,
  p_currency text default null
)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_job public.job_requests;
  v_duration integer;
  v_expires timestamptz;
  v_offer public.job_offers;
  v_notified_at timestamptz;
begin
  perform private.require_provider(v_uid);
  -- Shared lock: offers may be made concurrently, but not while the job is being assigned,
  -- cancelled or expired (those take the row lock in update mode).
  select * into v_job from public.job_requests where id = p_job_id for share;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id = v_uid then
    perform private.raise_error('HL311');
  end if;
  -- Closed jobs are visible only to the providers who offered on them or were shown them; a job
  -- hidden by moderation takes no offers (nobody but those sees it).
  if (v_job.status <> 'open' or v_job.hidden_at is not null)
     and v_job.id not in (select e.id from private.my_engaged_job_ids() as e(id)) then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  -- A direct job in its window takes offers from the chosen providers only; others do not see it.
  if private.outside_direct_window(v_job, v_uid) then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.hidden_at is not null then
    perform private.raise_error('HL306', 'the job was hidden by moderation');
  end if;
  if v_job.status = 'assigned' then
    perform private.raise_error('HL309');
  elsif v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  elsif v_job.expires_at <= v_now then
    perform private.raise_error('HL306', 'job status is expired');
  end if;
  if exists (select 1 from private.job_exclusions x where x.job_id = v_job.id and x.provider_id = v_uid) then
    perform private.raise_error('HL325', 'your booking for this job was cancelled on your side');
  end if;
  if exists (select 1 from public.job_offers o
              where o.job_id = v_job.id and o.provider_id = v_uid and o.status in ('pending', 'countered')) then
    perform private.raise_error('HL312');
  end if;

  if p_price is null or p_price <= 0 or p_price > 10000000000 then
    perform private.raise_error('HL313', 'price must be between 1 and 10000000000 minor units');
  end if;
  if p_currency is not null and p_currency <> v_job.currency then
    perform private.raise_error('HL315', pg_catalog.format('the job is priced in %s', v_job.currency));
  end if;
  if pg_catalog.char_length(coalesce(p_message, '')) > 2000 then
    perform private.raise_error('HL313', 'message is limited to 2000 characters');
  end if;
  v_duration := coalesce(p_duration_minutes, v_job.duration_minutes);
  if v_duration not between 5 and 10080 then
    perform private.raise_error('HL313', 'duration_minutes must be between 5 and 10080');
  end if;
  if p_proposed_start is null or p_proposed_start <= v_now or p_proposed_start > v_now + interval '180 days' then
    perform private.raise_error('HL314', 'proposed_start must be in the future and within 180 days');
  end if;
  v_expires := coalesce(p_expires_at,
    least(v_now + (private.setting('jobs.offer_default_expiry_hours'))::integer * interval '1 hour', p_proposed_start));
  if v_expires <= v_now or v_expires > p_proposed_start or v_expires > v_now + interval '14 days' then
    perform private.raise_error('HL314', 'expires_at must be in the future, no later than proposed_start and within 14 days');
  end if;
  -- Early answer; the booking's exclusion constraint has the last word when the offer is accepted.
  if exists (select 1 from public.bookings b
              join public.booking_states s on s.state = b.status and s.holds_time
             where b.provider_id = v_uid
               and b.period && pg_catalog.tstzrange(p_proposed_start, p_proposed_start + v_duration * interval '1 minute', '[)')) then
    perform private.raise_error('HL404', 'you already have a booking overlapping the proposed time; propose another start');
  end if;

  perform private.rate_limit('make_offer', v_uid::text);

  begin
    insert into public.job_offers (job_id, provider_id, price, currency, message, proposed_start, duration_minutes, expires_at)
    values (v_job.id, v_uid, p_price, v_job.currency, nullif(pg_catalog.btrim(p_message), ''), p_proposed_start, v_duration, v_expires)
    returning * into v_offer;
  exception when unique_violation then
    perform private.raise_error('HL312');
  end;
  perform private.log_offer_event(v_offer, 'make', null, 'provider', v_offer.price, v_offer.message);
  perform private.notify(v_job.customer_id, 'offer.received', pg_catalog.jsonb_build_object(
    'job_id', v_job.id, 'offer_id', v_offer.id, 'provider_id', v_uid, 'price', v_offer.price, 'currency', v_offer.currency));
  -- The first offer after a job notification is the provider's answer to it: its delay counts
  -- towards their response time (catalog), which matching weighs.
  update public.job_matches m
     set responded_at = v_now
   where m.job_id = v_job.id and m.provider_id = v_uid and m.notified_at is not null and m.responded_at is null
  returning m.notified_at into v_notified_at;
  if found then
    perform private.record_provider_response(v_uid,
      greatest(0, pg_catalog.round(extract(epoch from v_now - v_notified_at)))::integer);
  end if;
  return v_offer;
end;
$$;
comment on function public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text) is
  'The calling provider offers on an open job: price (minor units, the job''s currency), proposed start, duration (default the '
  'job''s), message, expiry (default 48 h, never after the start). One live offer per provider and job. Errors: HL106 not a '
  'provider, HL300 (also a direct job in its window, for providers not chosen), HL311 own job, HL306/HL309 job not open, HL325 excluded (your booking for it was cancelled on your side), HL312 live offer exists, HL313, HL314, HL315, HL404 already booked at that time, HL120 deleted account, HL006.';
revoke all on function
  public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text)
  from public, anon, authenticated, service_role;
grant execute on function public.make_offer(uuid, bigint, timestamptz, integer, text, timestamptz, text) to authenticated;

-- Locks an offer for an action by one party and checks that the caller is that party and the
-- offer is live. Returns the locked row.
create or replace function private.lock_offer_for(p_offer_id uuid, p_party text)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_offer public.job_offers;
  v_customer uuid;
begin
  select * into v_offer from public.job_offers where id = p_offer_id for update;
  if not found then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  select j.customer_id into v_customer from public.job_requests j where j.id = v_offer.job_id;
  if v_uid <> v_customer and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  if p_party = 'customer' and v_uid <> v_customer then
    perform private.raise_error('HL307');
  end if;
  if p_party = 'provider' and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL316');
  end if;
  perform private.check_offer_live(v_offer);
  return v_offer;
end;
$$;

create or replace function private.check_offer_live(p_offer public.job_offers)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_offer.status = 'withdrawn' then
    perform private.raise_error('HL319');
  elsif p_offer.status = 'expired' or (p_offer.status in ('pending', 'countered') and p_offer.expires_at <= private.now()) then
    perform private.raise_error('HL318', pg_catalog.format('expired at %s', p_offer.expires_at));
  elsif p_offer.status = 'closed' and exists (
          select 1 from public.job_requests j where j.id = p_offer.job_id and j.status = 'assigned') then
    perform private.raise_error('HL309');
  elsif p_offer.status = 'closed' then
    perform private.raise_error('HL306', 'the job was cancelled or expired');
  elsif p_offer.status not in ('pending', 'countered') then
    perform private.raise_error('HL317', pg_catalog.format('offer status is %s', p_offer.status));
  end if;
end;
$$;
comment on function private.check_offer_live(public.job_offers) is
  'Raises the specific error for an offer that is not live: HL319 withdrawn, HL318 expired, HL309 job assigned, HL306 job closed, HL317 otherwise.';
comment on function private.lock_offer_for(uuid, text) is
  'Locks an offer for an action of p_party (customer or provider): HL310 when the caller is no party, HL307/HL316 wrong party, then live checks.';

create or replace function public.withdraw_offer(p_offer_id uuid)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.lock_offer_for(p_offer_id, 'provider');
  v_from text := v_offer.status;
begin
  update public.job_offers set status = 'withdrawn', closed_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'withdraw', v_from, 'provider');
  perform private.notify((select j.customer_id from public.job_requests j where j.id = v_offer.job_id), 'offer.withdrawn',
    pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'provider_id', v_offer.provider_id));
  return v_offer;
end;
$$;
comment on function public.withdraw_offer(uuid) is
  'The provider withdraws their live (pending or countered) offer. Errors: HL310, HL316 not yours, HL317/HL318/HL319/HL309 not live.';
revoke all on function public.withdraw_offer(uuid) from public, anon, authenticated, service_role;
grant execute on function public.withdraw_offer(uuid) to authenticated;

create or replace function public.decline_offer(p_offer_id uuid, p_reason text default null)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.lock_offer_for(p_offer_id, 'customer');
  v_from text := v_offer.status;
begin
  if pg_catalog.char_length(coalesce(p_reason, '')) > 2000 then
    perform private.raise_error('HL313', 'reason is limited to 2000 characters');
  end if;
  update public.job_offers set status = 'declined', closed_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'decline', v_from, 'customer', null, p_reason);
  perform private.notify(v_offer.provider_id, 'offer.declined',
    pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'reason', p_reason));
  return v_offer;
end;
$$;
comment on function public.decline_offer(uuid, text) is
  'The job''s customer declines a live offer (pending or countered). Errors: HL310, HL307 not your job, HL317/HL318/HL319/HL309 not live.';
revoke all on function public.decline_offer(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.decline_offer(uuid, text) to authenticated;

create or replace function public.counter_offer(p_offer_id uuid, p_counter_price bigint, p_message text default null)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.lock_offer_for(p_offer_id, 'customer');
begin
  if v_offer.status <> 'pending' then
    perform private.raise_error('HL317', 'offer status is countered: wait for the provider''s answer');
  end if;
  if p_counter_price is null or p_counter_price <= 0 or p_counter_price > 10000000000 or p_counter_price = v_offer.price then
    perform private.raise_error('HL320', pg_catalog.format('counter %s vs price %s', p_counter_price, v_offer.price));
  end if;
  if pg_catalog.char_length(coalesce(p_message, '')) > 2000 then
    perform private.raise_error('HL313', 'message is limited to 2000 characters');
  end if;
  update public.job_offers
     set status = 'countered', counter_price = p_counter_price,
         counter_message = nullif(pg_catalog.btrim(p_message), ''), countered_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'counter', 'pending', 'customer', p_counter_price, v_offer.counter_message);
  perform private.notify(v_offer.provider_id, 'offer.countered', pg_catalog.jsonb_build_object(
    'job_id', v_offer.job_id, 'offer_id', v_offer.id, 'counter_price', p_counter_price, 'currency', v_offer.currency));
  return v_offer;
end;
$$;
comment on function public.counter_offer(uuid, bigint, text) is
  'The job''s customer proposes another price for a pending offer. The counter binds the customer: if the provider accepts it '
  '(respond_to_counter) the booking is created at the counter price. Errors: HL310, HL307, HL317 not pending, HL318, HL319, HL320.';
revoke all on function
  public.counter_offer(uuid, bigint, text)
  from public, anon, authenticated, service_role;
grant execute on function public.counter_offer(uuid, bigint, text) to authenticated;

-- The one place a booking comes from an offer: locks the job, then the offer; checks both;
-- creates the booking; assigns the job; accepts the offer; closes the others; notifies.
-- p_instant: the provider takes an instant job through their own offer at its price (take_job).
create or replace function private.book_offer(p_offer_id uuid, p_actor_role text, p_instant boolean default false)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_job_id uuid;
  v_job public.job_requests;
  v_offer public.job_offers;
  v_loc private.job_locations;
  v_price bigint;
  v_booking public.bookings;
  v_action text;
  v_from text;
begin
  select o.job_id into v_job_id from public.job_offers o where o.id = p_offer_id;
  if v_job_id is null then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  -- Lock order everywhere: job, then offer. Concurrent acceptances on one job queue here. FOR NO KEY
  -- UPDATE, not FOR UPDATE: offer events and offers reference the job (FOR KEY SHARE), so a stronger
  -- lock would deadlock with a provider withdrawing at the same moment. The lock is taken only
  -- while the job is open: when the winner commits, the waiters' re-check fails at once and they
  -- answer HL309 without queueing behind each other for the row.
  select * into v_job from public.job_requests where id = v_job_id and status = 'open' for no key update;
  if not found then
    select * into v_job from public.job_requests where id = v_job_id;
  end if;
  select * into v_offer from public.job_offers where id = p_offer_id for update;

  if v_uid <> v_job.customer_id and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL310', pg_catalog.format('offer %s', p_offer_id));
  end if;
  if p_actor_role = 'customer' and v_uid <> v_job.customer_id then
    perform private.raise_error('HL307');
  end if;
  if p_actor_role = 'provider' and v_uid <> v_offer.provider_id then
    perform private.raise_error('HL316');
  end if;

  if v_job.status = 'assigned' then
    perform private.raise_error('HL309');
  elsif v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  elsif v_job.expires_at <= v_now then
    perform private.raise_error('HL306', 'job status is expired');
  end if;
  perform private.check_offer_live(v_offer);
  if p_actor_role = 'provider' and v_offer.status <> 'countered' and not p_instant then
    perform private.raise_error('HL321');
  end if;

  v_from := v_offer.status;
  v_price := case when p_actor_role = 'provider' and not p_instant then v_offer.counter_price else v_offer.price end;
  v_action := case when p_instant then 'take' when p_actor_role = 'provider' then 'accept_counter' else 'accept' end;
  select * into v_loc from private.job_locations l where l.job_id = v_job.id;

  begin
    v_booking := private.create_booking(
      p_customer_id => v_job.customer_id,
      p_provider_id => v_offer.provider_id,
      p_period => pg_catalog.tstzrange(v_offer.proposed_start,
                                       v_offer.proposed_start + v_offer.duration_minutes * interval '1 minute', '[)'),
      p_price => v_price,
      p_currency => v_offer.currency,
      p_status => 'accepted',
      p_actor_role => p_actor_role,
      p_location => v_loc.location,
      p_address => v_loc.address,
      p_customer_note => pg_catalog.left(v_job.title || coalesce(E'\n\n' || v_job.description, ''), 2000),
      p_metadata => pg_catalog.jsonb_build_object('job_id', v_job.id, 'offer_id', v_offer.id));
  exception when exclusion_violation then
    perform private.raise_error('HL404', pg_catalog.format('provider %s has another booking overlapping %s',
      v_offer.provider_id, v_offer.proposed_start));
  end;

  update public.job_offers
     set status = 'accepted', accepted_price = v_price, booking_id = v_booking.id, accepted_at = v_now
   where id = v_offer.id
  returning * into v_offer;
  perform private.log_offer_event(v_offer, v_action, v_from, p_actor_role, v_price);

  update public.job_requests
     set status = 'assigned', booking_id = v_booking.id, accepted_offer_id = v_offer.id, assigned_at = v_now
   where id = v_job.id;
  perform private.close_live_offers(v_job.id, v_offer.id, 'job_assigned', p_actor_role);

  if p_actor_role = 'customer' then
    perform private.notify(v_offer.provider_id, 'offer.accepted', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'offer_id', v_offer.id, 'booking_id', v_booking.id, 'price', v_price, 'currency', v_offer.currency));
  elsif p_instant then
    perform private.notify(v_job.customer_id, 'job.taken', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'title', v_job.title, 'offer_id', v_offer.id, 'booking_id', v_booking.id,
      'provider_id', v_offer.provider_id, 'price', v_price, 'currency', v_offer.currency));
  else
    perform private.notify(v_job.customer_id, 'counter.accepted', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'offer_id', v_offer.id, 'booking_id', v_booking.id, 'price', v_price, 'currency', v_offer.currency));
  end if;
  return v_offer;
end;
$$;
comment on function private.book_offer(uuid, text, boolean) is
  'Turns an offer into a booking atomically (customer accepts the offer, provider accepts the counter, or p_instant: the provider '
  'takes an instant job through their own offer): job lock, offer lock, checks, create_booking (23P01 -> HL404), job assigned, '
  'offer accepted, other live offers closed, notifications.';

create or replace function public.accept_offer(p_offer_id uuid)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers := private.book_offer(p_offer_id, 'customer');
begin
  return (select b from public.bookings b where b.id = v_offer.booking_id);
end;
$$;
comment on function public.accept_offer(uuid) is
  'The job''s customer accepts a live offer (pending, or countered: then at the provider''s original price). In one transaction: '
  'the booking is created (accepted, at the offer''s start and duration, at the job''s exact place), the job becomes assigned and '
  'every other live offer is closed. Errors: HL310, HL307 not your job, HL309 another offer was accepted, HL306 job not open, '
  'HL318 expired, HL319 withdrawn, HL317 not live, HL404 provider already booked.';
revoke all on function public.accept_offer(uuid) from public, anon, authenticated, service_role;
grant execute on function public.accept_offer(uuid) to authenticated;

create or replace function public.respond_to_counter(p_offer_id uuid, p_accept boolean, p_message text default null)
returns public.job_offers
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offer public.job_offers;
begin
  if p_accept is null then
    perform private.raise_error('HL004', 'p_accept must be true or false');
  end if;
  if pg_catalog.char_length(coalesce(p_message, '')) > 2000 then
    perform private.raise_error('HL313', 'message is limited to 2000 characters');
  end if;
  if p_accept then
    return private.book_offer(p_offer_id, 'provider');
  end if;
  v_offer := private.lock_offer_for(p_offer_id, 'provider');
  if v_offer.status <> 'countered' then
    perform private.raise_error('HL321');
  end if;
  update public.job_offers set status = 'rejected', closed_at = private.now()
   where id = v_offer.id returning * into v_offer;
  perform private.log_offer_event(v_offer, 'reject_counter', 'countered', 'provider', v_offer.counter_price, p_message);
  perform private.notify((select j.customer_id from public.job_requests j where j.id = v_offer.job_id), 'counter.rejected',
    pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'message', p_message));
  return v_offer;
end;
$$;
comment on function public.respond_to_counter(uuid, boolean, text) is
  'The provider answers the customer''s counter. Accept: the booking is created at the counter price exactly as accept_offer does '
  '(the returned offer is accepted and carries booking_id). Reject: the offer ends as rejected (the provider may make a new offer). '
  'Errors: HL310, HL316 not yours, HL321 no counter pending, HL309, HL306, HL318, HL319, HL404.';
revoke all on function
  public.respond_to_counter(uuid, boolean, text)
  from public, anon, authenticated, service_role;
grant execute on function public.respond_to_counter(uuid, boolean, text) to authenticated;
