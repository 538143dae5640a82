-- Module: jobs (instant jobs)
-- A job posted as instant (post_job p_instant, fixed budget) is taken by the first qualified
-- provider who calls take_job: their offer at the budget is made and booked in one transaction,
-- through the same path as an accepted offer (private.book_offer), so concurrent takers queue on
-- the job row and exactly one is booked; the others get HL309.

create or replace function public.take_job(p_job_id uuid, p_start timestamptz default null, p_expected_budget bigint default null)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_lead interval := (private.setting('jobs.instant_lead_minutes'))::integer * interval '1 minute';
  v_job public.job_requests;
  v_place private.job_locations;
  v_provider public.provider_profiles;
  v_start timestamptz;
  v_offer public.job_offers;
begin
  v_provider := private.require_provider(v_uid);
  -- The job row while it is open, in the mode accepting an offer takes (book_offer takes it again
  -- in this transaction): concurrent takers queue here, and once the winner commits the others
  -- find the job assigned at once.
  select * into v_job from public.job_requests j where j.id = p_job_id and j.status = 'open' for no key update;
  if not found then
    select * into v_job from public.job_requests j where j.id = p_job_id;
    -- Taken: every taker who lost the race hears so (HL309), whether or not the job had been pushed
    -- to them; other closed jobs stay unknown to providers they were never shown to.
    if found and v_job.status = 'assigned' and v_job.is_instant then
      perform private.raise_error('HL309');
    elsif not found or (v_job.customer_id <> v_uid
                        and v_job.id not in (select e.id from private.my_engaged_job_ids() as e(id))) then
      perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
    elsif v_job.status = 'assigned' then
      perform private.raise_error('HL309');
    end if;
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  end if;
  -- A job hidden by moderation is unknown to providers it was never shown to (as for offers).
  if v_job.hidden_at is not null then
    if v_job.customer_id <> v_uid and v_job.id not in (select e.id from private.my_engaged_job_ids() as e(id)) then
      perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
    end if;
    perform private.raise_error('HL306', 'the job was hidden by moderation');
  end if;
  -- A direct job in its window can be taken by the chosen providers only; others do not see it.
  if private.outside_direct_window(v_job, v_uid) then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id = v_uid then
    perform private.raise_error('HL311');
  end if;
  if v_job.expires_at <= v_now then
    perform private.raise_error('HL306', 'job status is expired');
  end if;
  if not v_job.is_instant then
    perform private.raise_error('HL326');
  end if;
  -- The budget the provider saw: the customer may have edited it since (update_job).
  if p_expected_budget is not null and p_expected_budget <> v_job.budget_max then
    perform private.raise_error('HL329', pg_catalog.format('the budget is now %s %s', v_job.budget_max, v_job.currency));
  end if;
  if exists (select 1 from private.job_exclusions x where x.job_id = v_job.id and x.provider_id = v_uid) then
    perform private.raise_error('HL325', 'your booking for this job was cancelled on your side');
  end if;

  -- Qualified: the provider offers the category, covers the exact place and takes work now (the
  -- rules matching applies).
  select * into v_place from private.job_locations l where l.job_id = v_job.id;
  if not (v_job.category_id = any (v_provider.category_ids)) then
    perform private.raise_error('HL327', 'you do not offer the job''s category');
  elsif v_provider.coverage is null or not extensions.st_covers(v_provider.coverage, v_place.location) then
    perform private.raise_error('HL327', 'the job''s place is outside your service area');
  elsif not v_provider.is_available then
    perform private.raise_error('HL327', 'you are not taking work (is_available is off)');
  end if;

  -- The start: the one given, or the earliest (the lead from now, from the window's start at the
  -- earliest), on a five-minute mark.
  if p_start is null then
    v_start := greatest(v_now + v_lead, coalesce(pg_catalog.lower(v_job.preferred_window), v_now + v_lead));
    v_start := pg_catalog.date_bin(interval '5 minutes', v_start + interval '5 minutes' - interval '1 microsecond',
                                   timestamptz '2000-01-01 00:00+00');
  else
    v_start := p_start;
  end if;
  if v_start < v_now + v_lead - interval '1 minute' or v_start > v_now + interval '180 days' then
    perform private.raise_error('HL328', pg_catalog.format('the start must be at least %s minutes from now and within 180 days',
                                                           pg_catalog.round(extract(epoch from v_lead) / 60)));
  end if;
  if v_job.preferred_window is not null and not (v_start operator(pg_catalog.<@) v_job.preferred_window) then
    perform private.raise_error('HL328', pg_catalog.format('the start must fall within the job''s window [%s, %s)',
                                                           pg_catalog.lower(v_job.preferred_window),
                                                           pg_catalog.upper(v_job.preferred_window)));
  end if;

  begin
    insert into public.job_offers (job_id, provider_id, price, currency, proposed_start, duration_minutes, expires_at)
    values (v_job.id, v_uid, v_job.budget_max, v_job.currency, v_start, v_job.duration_minutes, v_start)
    returning * into v_offer;
  exception when unique_violation then
    perform private.raise_error('HL312', 'you have a live offer on this job: withdraw it to take the job at its budget');
  end;
  perform private.log_offer_event(v_offer, 'make', null, 'provider', v_offer.price);
  v_offer := private.book_offer(v_offer.id, 'provider', true);
  return (select b from public.bookings b where b.id = v_offer.booking_id);
end;
$$;
comment on function public.take_job(uuid, timestamptz, bigint) is
  'The calling provider takes an instant job (posted with p_instant) at its fixed budget: in one transaction their offer is made '
  'and booked exactly as an accepted offer (booking accepted at the job''s exact place, job assigned, other live offers closed; '
  'the customer gets job.taken). Concurrent takers are served one at a time: one is booked, the others get HL309. p_start: '
  'inside the job''s window and at least jobs.instant_lead_minutes from now (default: the earliest such time on a 5-minute '
  'mark). p_expected_budget: the budget the provider saw (HL329 when the customer changed it since). Qualified: offers the '
  'category, covers the place, available. During a direct job''s window only its chosen providers can take it. '
  'Errors: HL106 not a provider, HL300 (also a direct job in its window, for providers not chosen), HL311 own job, '
  'HL306 not open, HL309 already taken, HL326 not instant (make an offer), HL325 excluded, HL327 not qualified, '
  'HL328 start, HL329 budget changed, HL312 a live offer of yours exists, HL404 you are booked at that time.';
revoke all on function public.take_job(uuid, timestamptz, bigint) from public, anon, authenticated, service_role;
grant execute on function public.take_job(uuid, timestamptz, bigint) to authenticated;
