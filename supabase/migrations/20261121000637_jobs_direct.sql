-- Module: jobs (direct jobs: buddies first)
-- A customer sends a job directly to some of their buddies who are providers (post_job
-- p_direct_to). For a window (jobs.direct_window_minutes, or p_direct_window_minutes) only those
-- chosen providers see it, offer on it or take it, and matching waits (private.match_job does
-- nothing while the window runs). When the window ends with the job still open (the job timer), or
-- as soon as every chosen provider declined, it opens to everyone: matching runs, the customer is
-- told, and the chosen providers' live offers stay live. The chosen are job_matches rows with
-- source 'direct'; the board, get_job, make_offer and take_job read them (private.outside_direct_window).

------------------------------------------------------------------------------------------------
-- Error codes (HL330-HL336) and settings
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL330', 'invalid_direct_to', 400, 'The list of providers to send the job to is invalid.',
   'Give 1 to jobs.direct_max_providers distinct user ids in p_direct_to (see details), or leave it out to post to everyone.'),
  ('HL331', 'invalid_direct_window', 400, 'The direct window is invalid.',
   'Give p_direct_window_minutes between 5 and 1440 with p_direct_to, or leave it out for the default (jobs.direct_window_minutes).'),
  ('HL332', 'direct_not_buddy', 403, 'You can send a job directly only to your buddies.',
   'Add the provider to your buddies first (see details for the user id).'),
  ('HL333', 'direct_not_provider', 409, 'This buddy is not a provider.',
   'Send the job to buddies who are providers (list_buddies: is_provider); see details for the user id.'),
  ('HL334', 'direct_provider_unable', 409, 'This provider cannot do this job.',
   'A chosen provider must offer the job''s category and cover its place; see details for the provider and the condition.'),
  ('HL335', 'not_chosen_for_job', 403, 'The customer did not send this job to you directly.',
   'Only the providers a direct job was sent to can decline it.'),
  ('HL336', 'direct_window_over', 409, 'The job is no longer reserved for its chosen providers.',
   'The direct window closed and the job is open to everyone: there is nothing to decline.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('jobs.direct_window_minutes', '60',
   'Default direct window: minutes during which only the chosen providers see a direct job before it opens to everyone.'),
  ('jobs.direct_max_providers', '10',
   'How many providers one direct job may be sent to (post_job p_direct_to).')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Sending a new job to chosen providers (post_job, after the job and its place are inserted).
-- Able: the chosen user is a buddy of the customer, has a provider profile that is not deleted,
-- offers the job's category and covers its exact place (matching's rules, less the availability
-- toggle: a buddy who is off now may still answer within the window).
------------------------------------------------------------------------------------------------
create or replace function private.start_direct_job(p_job_id uuid, p_direct_to uuid[], p_window_minutes integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_job public.job_requests;
  v_place extensions.geography;
  v_max integer := (private.setting('jobs.direct_max_providers'))::integer;
  v_minutes integer := coalesce(p_window_minutes, (private.setting('jobs.direct_window_minutes'))::integer);
  v_id uuid;
  v_provider public.provider_profiles;
begin
  select * into v_job from public.job_requests j where j.id = p_job_id;
  select l.location into v_place from private.job_locations l where l.job_id = p_job_id;

  if p_direct_to is null or pg_catalog.cardinality(p_direct_to) not between 1 and v_max then
    perform private.raise_error('HL330', pg_catalog.format('p_direct_to lists 1 to %s providers', v_max));
  end if;
  if pg_catalog.array_position(p_direct_to, null) is not null then
    perform private.raise_error('HL330', 'p_direct_to has a null entry');
  end if;
  if (select pg_catalog.count(distinct x) from pg_catalog.unnest(p_direct_to) x) <> pg_catalog.cardinality(p_direct_to) then
    perform private.raise_error('HL330', 'p_direct_to lists a provider twice');
  end if;
  if v_minutes is null or v_minutes not between 5 and 1440 then
    perform private.raise_error('HL331', pg_catalog.format('p_direct_window_minutes %s; 5 to 1440', coalesce(v_minutes::text, 'null')));
  end if;

  foreach v_id in array p_direct_to loop
    if not exists (select 1 from public.buddies b where b.user_id = v_job.customer_id and b.buddy_id = v_id) then
      perform private.raise_error('HL332', pg_catalog.format('user %s', v_id));
    end if;
    select p.* into v_provider
      from public.provider_profiles p
      join public.profiles pr on pr.id = p.id and pr.deleted_at is null
     where p.id = v_id and p.deleted_at is null;
    if not found then
      perform private.raise_error('HL333', pg_catalog.format('user %s', v_id));
    end if;
    if not (v_job.category_id = any (v_provider.category_ids)) then
      perform private.raise_error('HL334', pg_catalog.format('provider %s does not offer the job''s category', v_id));
    end if;
    if v_provider.coverage is null or not extensions.st_covers(v_provider.coverage, v_place) then
      perform private.raise_error('HL334', pg_catalog.format('the job''s place is outside the service area of provider %s', v_id));
    end if;
  end loop;

  -- The window ends with the job at the latest.
  update public.job_requests j
     set direct_until = least(v_now + v_minutes * interval '1 minute', j.expires_at)
   where j.id = p_job_id
  returning * into v_job;

  insert into public.job_matches (job_id, provider_id, source, notified_at)
  select p_job_id, x, 'direct', v_now from pg_catalog.unnest(p_direct_to) x;
  perform private.notify(x, 'job.direct_request', pg_catalog.jsonb_build_object(
            'job_id', v_job.id, 'title', v_job.title, 'category_id', v_job.category_id,
            'neighbourhood', v_job.neighbourhood, 'budget_min', v_job.budget_min, 'budget_max', v_job.budget_max,
            'currency', v_job.currency, 'instant', v_job.is_instant, 'direct_until', v_job.direct_until))
    from pg_catalog.unnest(p_direct_to) x;
end;
$$;
comment on function private.start_direct_job(uuid, uuid[], integer) is
  'post_job''s direct step: checks the chosen providers (HL330 list, HL331 window, HL332 not a buddy of the customer, HL333 not a '
  'provider, HL334 does not offer the category or cover the place), sets direct_until (now + the window, at most the job''s '
  'expiry), records them in job_matches (source direct) and sends them job.direct_request.';
revoke all on function private.start_direct_job(uuid, uuid[], integer) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Closing the window (the job timer at direct_until; decline_direct_job when every chosen provider
-- declined). Once per job. A job still open goes to matching and its customer is told; a job
-- assigned, cancelled or expired meanwhile only gets its window marked closed.
------------------------------------------------------------------------------------------------
create or replace function private.open_direct_job(p_job_id uuid, p_reason text)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_job public.job_requests;
  v_count integer;
begin
  select * into v_job from public.job_requests j where j.id = p_job_id for no key update;
  if not found or v_job.direct_until is null or v_job.direct_closed_at is not null then
    return 0;
  end if;
  update public.job_requests j
     set direct_closed_at = v_now, direct_until = least(j.direct_until, v_now)
   where j.id = p_job_id
  returning * into v_job;
  if v_job.status <> 'open' or v_job.hidden_at is not null then
    return 0;
  end if;
  v_count := private.match_job(v_job.id);
  perform private.notify(v_job.customer_id, 'job.opened_to_all', pg_catalog.jsonb_build_object(
    'job_id', v_job.id, 'title', v_job.title, 'reason', p_reason, 'notified', v_count));
  return v_count;
end;
$$;
comment on function private.open_direct_job(uuid, text) is
  'Closes a direct job''s window once (direct_closed_at; direct_until no later than now). If the job is still open and not hidden, '
  'matching runs and the customer gets job.opened_to_all (p_reason window_ended or all_declined, and how many providers were '
  'notified); the chosen providers'' live offers stay live. Returns the number of providers matching notified.';
revoke all on function private.open_direct_job(uuid, text) from public, anon, authenticated, service_role;
grant execute on function private.open_direct_job(uuid, text) to service_role;

------------------------------------------------------------------------------------------------
-- A chosen provider declines.
------------------------------------------------------------------------------------------------
create or replace function public.decline_direct_job(p_job_id uuid)
returns public.job_matches
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_job public.job_requests;
  v_match public.job_matches;
begin
  -- The job row in update mode: declines of one job run one after the other, so exactly one of
  -- them sees that every chosen provider declined.
  select * into v_job from public.job_requests j where j.id = p_job_id for no key update;
  if not found or private.outside_direct_window(v_job, v_uid) then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  select * into v_match from public.job_matches m
   where m.job_id = v_job.id and m.provider_id = v_uid and m.source = 'direct';
  if not found then
    perform private.raise_error('HL335');
  end if;
  if v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  end if;
  if v_job.direct_closed_at is not null or v_job.direct_until <= v_now then
    perform private.raise_error('HL336');
  end if;
  if v_match.declined_at is not null then
    return v_match;
  end if;
  if exists (select 1 from public.job_offers o
              where o.job_id = v_job.id and o.provider_id = v_uid and o.status in ('pending', 'countered')) then
    perform private.raise_error('HL312', 'you have a live offer on this job: withdraw it to decline');
  end if;

  update public.job_matches m set declined_at = v_now
   where m.job_id = v_job.id and m.provider_id = v_uid
  returning * into v_match;
  perform private.notify(v_job.customer_id, 'job.direct_declined', pg_catalog.jsonb_build_object(
    'job_id', v_job.id, 'title', v_job.title, 'provider_id', v_uid));
  if not exists (select 1 from public.job_matches m
                  where m.job_id = v_job.id and m.source = 'direct' and m.declined_at is null) then
    perform private.open_direct_job(v_job.id, 'all_declined');
  end if;
  return v_match;
end;
$$;
comment on function public.decline_direct_job(uuid) is
  'A provider a direct job was sent to declines it during its window (the customer gets job.direct_declined); when every chosen '
  'provider declined, the job opens to everyone at once (matching runs, job.opened_to_all). Declining again returns the same row. '
  'Returns the provider''s job_matches row (declined_at). Errors: HL300 unknown job, HL335 not chosen, HL306 not open, '
  'HL336 window over, HL312 withdraw your live offer first.';
revoke all on function public.decline_direct_job(uuid) from public, anon, authenticated, service_role;
grant execute on function public.decline_direct_job(uuid) to authenticated;
