-- Module: jobs (lifecycle and links)
-- Jobs follow the bookings made from them (a booking transition handler), the jobs' account
-- deletion step, the check that offers and matches point at a provider profile, and the timers.

------------------------------------------------------------------------------------------------
-- Jobs follow their bookings
--
-- A job is `assigned` while the booking made from its accepted offer lives. When that booking
-- closes before work started (cancelled by anyone, no-show, stalled, expired, declined), the
-- job must not stay assigned to a dead booking:
--   * the customer cancelled (or the customer's account is being deleted): they no longer want
--     the work, so the job is cancelled with it;
--   * the provider, an operator or the system closed it (provider cancels, no-show, stalled
--     en route/arrived, the provider's account deleted): the customer still needs the work, so the
--     job reopens: status open, a fresh expiry (jobs.expiry_hours, capped by the end of its
--     preferred window), no accepted offer; the offers it had stay closed (their providers are
--     told it reopened and may quote again); the customer is notified (job.reopened);
--   * when the preferred window has already ended, reopening is pointless: the job expires
--     (job.expired to the customer).
-- Operators cancel for either side; reopening is the reversible choice (the customer or the
-- operator can still cancel_job the reopened job).
------------------------------------------------------------------------------------------------
create or replace function private.job_after_booking_closed(
  p_booking public.bookings,
  p_transition text,
  p_actor_role text,
  p_reason text,
  p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.job_requests;
  v_now timestamptz := private.now();
  v_expires timestamptz;
  v_customer_left boolean;
begin
  -- Lock order: the booking (held by the caller), then the job. Nothing locks a job and then an
  -- existing booking, so this cannot deadlock with accept_offer or cancel_job.
  select * into v_job from public.job_requests j where j.booking_id = p_booking.id for no key update;
  if not found or v_job.status <> 'assigned' then
    return;
  end if;
  v_customer_left := coalesce(p_metadata ->> 'deleted_user_id', '') = v_job.customer_id::text
                     or exists (select 1 from public.profiles p where p.id = v_job.customer_id and p.deleted_at is not null);

  if p_actor_role = 'customer' or v_customer_left then
    update public.job_requests j
       set status = 'cancelled',
           booking_id = null,
           cancelled_at = v_now,
           cancel_reason = case when v_customer_left then 'account_deleted'
                                else pg_catalog.left(coalesce(p_reason, 'booking_cancelled'), 1000) end
     where j.id = v_job.id;
    return;
  end if;

  v_expires := v_now + (private.setting('jobs.expiry_hours'))::integer * interval '1 hour';
  if v_job.preferred_window is not null then
    v_expires := least(v_expires, pg_catalog.upper(v_job.preferred_window));
  end if;
  if v_expires <= v_now then
    update public.job_requests j
       set status = 'expired', booking_id = null, expired_at = v_now
     where j.id = v_job.id;
    perform private.notify(v_job.customer_id, 'job.expired', pg_catalog.jsonb_build_object(
      'job_id', v_job.id, 'title', v_job.title, 'booking_id', p_booking.id, 'reason', 'booking_' || p_booking.status));
    return;
  end if;

  update public.job_requests j
     set status = 'open',
         booking_id = null,
         accepted_offer_id = null,
         assigned_at = null,
         expires_at = v_expires,
         reopened_at = v_now,
         reopen_count = j.reopen_count + 1
   where j.id = v_job.id;
  -- The provider side gave the job up (cancel by the provider, staff, owner or manager; no-show or
  -- stalled by the system): that provider may not offer on it again. Operator cancellations and
  -- unanswered requests (expire) do not exclude.
  if p_actor_role = 'provider' or (p_actor_role = 'system' and p_transition in ('no_show', 'cancel')) then
    insert into private.job_exclusions (job_id, provider_id, booking_id, created_at)
    values (v_job.id, p_booking.provider_id, p_booking.id, v_now)
    on conflict (job_id, provider_id) do nothing;
  end if;
  perform private.notify(v_job.customer_id, 'job.reopened', pg_catalog.jsonb_build_object(
    'job_id', v_job.id, 'title', v_job.title, 'booking_id', p_booking.id, 'transition', p_transition,
    'actor', p_actor_role, 'reason', p_reason, 'expires_at', v_expires));
  -- Providers whose offers the assignment closed are the likeliest to quote again.
  perform private.notify(o.provider_id, 'job.reopened', pg_catalog.jsonb_build_object(
            'job_id', v_job.id, 'title', v_job.title, 'expires_at', v_expires))
     from (select distinct jo.provider_id
             from public.job_offers jo
             join public.profiles pr on pr.id = jo.provider_id and pr.deleted_at is null
            where jo.job_id = v_job.id and jo.status = 'closed' and jo.provider_id <> p_booking.provider_id) o;
  -- Match again: nearby providers not shown the job before get job.matched (at most jobs.match_limit).
  perform private.match_job(v_job.id);
  return;
end;
$$;
comment on function private.job_after_booking_closed(public.bookings, text, text, text, jsonb) is
  'Booking transition handler (private.booking_transition_handlers, into cancelled, expired or declined): a booking made '
  'from a job closed before work started while the job is assigned to it. Customer cancelled, or the customer''s account is being deleted '
  '(metadata.deleted_user_id): the job is cancelled. Provider, operator or system: the job reopens (open, new expiry from '
  'jobs.expiry_hours capped by its window, accepted offer cleared, offers stay closed, reopened_at/reopen_count; job.reopened to '
  'the customer and to the providers whose offers the assignment closed; matching runs again for providers not shown it before; '
  'a provider-side cancellation, no-show or stalled booking excludes its provider from the job, private.job_exclusions), '
  'or expires when its preferred window is over. Does nothing when no job waits on this booking.';

insert into private.booking_transition_handlers (handler, position, module, to_states, description) values
  ('private.job_after_booking_closed(public.bookings, text, text, text, jsonb)', 300, 'jobs',
   array['cancelled', 'expired', 'declined'],
   'A job whose booking closed before work started is cancelled (customer side), reopens (provider side, operator, system) or expires.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Account deletion: a deleted customer's open jobs leave the job board (with the exact address),
-- and a deleted provider's live offers can no longer be accepted.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_jobs(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_job_id uuid;
  v_offer public.job_offers;
  v_from text;
  v_now timestamptz := private.now();
begin
  -- As a customer: open jobs are cancelled and their live offers closed (providers told).
  -- Assigned jobs follow their booking, which the bookings step (position 400) cancels.
  for v_job_id in
    select j.id from public.job_requests j
     where j.customer_id = p_user_id and j.status = 'open'
     order by j.id
       for no key update
  loop
    update public.job_requests j
       set status = 'cancelled', cancelled_at = v_now, cancel_reason = 'account_deleted'
     where j.id = v_job_id;
    perform private.close_live_offers(v_job_id, null, 'job_cancelled', 'system');
  end loop;
  -- The exact places, descriptions and photo references of all their jobs go; titles, budgets and
  -- the fuzzed point stay for the records (offers and bookings point at the jobs).
  delete from private.job_locations l
   using public.job_requests j
   where j.id = l.job_id and j.customer_id = p_user_id;
  update public.job_requests j
     set description = null, photo_paths = '{}'
   where j.customer_id = p_user_id and (j.description is not null or pg_catalog.cardinality(j.photo_paths) > 0);

  -- As a provider: live offers are withdrawn (the customers are told).
  for v_offer in
    select * from public.job_offers o
     where o.provider_id = p_user_id and o.status in ('pending', 'countered')
     order by o.id
       for update
  loop
    v_from := v_offer.status;
    update public.job_offers o set status = 'withdrawn', closed_at = v_now
     where o.id = v_offer.id
    returning * into v_offer;
    perform private.log_offer_event(v_offer, 'withdraw', v_from, 'system', null, 'account_deleted');
    perform private.notify((select j.customer_id from public.job_requests j where j.id = v_offer.job_id), 'offer.withdrawn',
      pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id, 'provider_id', v_offer.provider_id,
                                    'reason', 'account_deleted'));
  end loop;
end;
$$;
comment on function private.delete_account_jobs(uuid) is
  'Account deletion (jobs, position 300). As a customer: open jobs are cancelled (reason account_deleted) with their live offers '
  'closed; the exact location and address, description and photo references of all their jobs are erased (titles, budgets and '
  'fuzzed points stay for the offers and bookings that point at them); assigned jobs are cancelled with their booking by the '
  'bookings step. As a provider: live offers are withdrawn by the system and the customers notified (offer.withdrawn); offers, '
  'matches and their timelines stay.';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_jobs(uuid)', 300, 'jobs',
   'Cancel open jobs; erase exact places, descriptions and photos of jobs; withdraw live offers.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

-- Offers and the record of who was shown a job keep pointing at their provider (their foreign
-- keys cascade, so deleting the profile would silently erase them).
create or replace function private.provider_has_job_records(p_provider_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.job_offers o where o.provider_id = p_provider_id)
      or exists (select 1 from public.job_matches m where m.provider_id = p_provider_id);
$$;
comment on function private.provider_has_job_records(uuid) is
  'True when job offers or job matches point at the provider profile (registered in private.provider_reference_checks).';

insert into private.provider_reference_checks (handler, module, description) values
  ('private.provider_has_job_records(uuid)', 'jobs', 'Offers of the provider and jobs shown to them.')
on conflict (handler) do update set module = excluded.module, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Timers (pg_cron, every minute): offers and jobs expire, direct windows close. Idempotent; each row is re-checked
-- under its lock, and rows another transaction holds are left for the next run.
------------------------------------------------------------------------------------------------
create or replace function private.run_job_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_offer public.job_offers;
  v_job public.job_requests;
  v_from text;
  v_offers integer := 0;
  v_jobs integer := 0;
  v_direct integer := 0;
begin
  -- Offers past their expiry. FOR UPDATE re-evaluates the conditions on the latest row version,
  -- so an offer accepted or withdrawn meanwhile is not touched; rows in use are left for the
  -- next run.
  for v_offer in
    select * from public.job_offers o
     where o.status in ('pending', 'countered') and o.expires_at <= v_now
     order by o.expires_at, o.id
     limit 1000
       for update skip locked
  loop
    v_from := v_offer.status;
    update public.job_offers set status = 'expired', closed_at = v_now
     where id = v_offer.id returning * into v_offer;
    perform private.log_offer_event(v_offer, 'expire', v_from, 'system');
    perform private.notify(v_offer.provider_id, 'offer.expired',
      pg_catalog.jsonb_build_object('job_id', v_offer.job_id, 'offer_id', v_offer.id));
    v_offers := v_offers + 1;
  end loop;

  -- Open jobs past their expiry (no accepted offer in time).
  for v_job in
    select * from public.job_requests j
     where j.status = 'open' and j.expires_at <= v_now
     order by j.expires_at, j.id
     limit 500
       for update skip locked
  loop
    update public.job_requests set status = 'expired', expired_at = v_now where id = v_job.id;
    perform private.close_live_offers(v_job.id, null, 'job_expired', 'system');
    perform private.notify(v_job.customer_id, 'job.expired', pg_catalog.jsonb_build_object('job_id', v_job.id, 'title', v_job.title));
    v_jobs := v_jobs + 1;
  end loop;

  -- Direct windows that ended (after expiry, so a job that expired meanwhile is not matched): a
  -- job still open opens to everyone (private.open_direct_job: matching, the customer told).
  for v_job in
    select * from public.job_requests j
     where j.direct_closed_at is null and j.direct_until <= v_now
     order by j.direct_until, j.id
     limit 500
       for no key update skip locked
  loop
    perform private.open_direct_job(v_job.id, 'window_ended');
    v_direct := v_direct + 1;
  end loop;

  return pg_catalog.jsonb_build_object('offers_expired', v_offers, 'jobs_expired', v_jobs, 'direct_windows_closed', v_direct);
end;
$$;
comment on function private.run_job_timers() is
  'pg_cron every minute: expires live offers past expires_at and open jobs past expires_at (closing their live offers), then '
  'closes the direct windows past direct_until (an open job opens to everyone: private.open_direct_job). '
  'Idempotent; skips rows locked by a running transaction. Returns the counts.';
revoke all on function private.run_job_timers() from public, anon, authenticated, service_role;
grant execute on function private.run_job_timers() to service_role;

select cron.schedule('hyperlocal-job-timers', '* * * * *', 'select private.run_job_timers()');
