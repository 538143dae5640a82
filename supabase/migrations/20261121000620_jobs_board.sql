-- Module: jobs (the job board)
-- Fuzzed public locations, matching (who is notified), posting, photos, cancelling, and reading
-- jobs (one job with its offers; open jobs near a provider).

-- Fuzzing: snap to the centre of a grid cell of about p_grid_m metres (rows of equal latitude
-- height; column width widened by 1/cos(latitude) so cells stay about square). Deterministic
-- (the same point always gives the same cell), so repeated jobs from one home cannot be
-- averaged back to the exact point, and at most ~0.71 * p_grid_m from it.
create or replace function private.fuzz_point(p_location extensions.geography, p_grid_m integer)
returns extensions.geography
language plpgsql
immutable
security definer
set search_path = ''
as $$
declare
  v_lat float8 := extensions.st_y(p_location::extensions.geometry);
  v_lng float8 := extensions.st_x(p_location::extensions.geometry);
  v_step_lat float8 := p_grid_m / 111320.0;
  v_lat_c float8;
  v_step_lng float8;
  v_lng_c float8;
begin
  v_lat_c := least(90.0, greatest(-90.0, (pg_catalog.floor(v_lat / v_step_lat) + 0.5) * v_step_lat));
  v_step_lng := v_step_lat / greatest(pg_catalog.cos(pg_catalog.radians(v_lat_c)), 0.01);
  v_lng_c := (pg_catalog.floor(v_lng / v_step_lng) + 0.5) * v_step_lng;
  if v_lng_c > 180 then v_lng_c := v_lng_c - 360; end if;
  if v_lng_c < -180 then v_lng_c := v_lng_c + 360; end if;
  return extensions.st_setsrid(extensions.st_makepoint(v_lng_c, v_lat_c), 4326)::extensions.geography;
end;
$$;
comment on function private.fuzz_point(extensions.geography, integer) is
  'Public approximation of a point: the centre of its ~p_grid_m metre grid cell (deterministic).';

revoke all on function
  private.fuzz_point(extensions.geography, integer)
  from public, anon, authenticated, service_role;
grant execute on function private.fuzz_point(extensions.geography, integer) to service_role;

------------------------------------------------------------------------------------------------
-- Matching
------------------------------------------------------------------------------------------------
create or replace function private.match_job(p_job_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.job_requests;
  v_location extensions.geography;
  v_limit integer := (private.setting('jobs.match_limit'))::integer;
  v_conf jsonb := private.setting('jobs.match_score');
  v_w jsonb := v_conf -> 'weights';
  v_ref float8 := (v_conf ->> 'distance_ref_m')::float8;
  v_response_ref float8 := (v_conf ->> 'response_ref_s')::float8;
  v_match record;
  v_count integer := 0;
begin
  select * into v_job from public.job_requests where id = p_job_id;
  select l.location into v_location from private.job_locations l where l.job_id = p_job_id;
  -- A direct job waits for its chosen providers: matching runs when its window closes
  -- (private.open_direct_job), whoever asks before (posting, editing, reopening).
  if v_job.id is null or v_location is null or v_job.status <> 'open' or v_job.hidden_at is not null
     or coalesce(v_job.direct_until > private.now(), false) then
    return 0;
  end if;

  for v_match in
    with candidates as (
      select p.id, p.base_location, p.is_verified, p.response_time_s,
             -- The catalog's reputation score (a Bayesian average of the stars): new providers start at
             -- the prior mean instead of 0 or 5.
             p.reputation_score::float8 as rating,
             extensions.st_distance(p.base_location, v_location) as distance_exact
        from public.provider_profiles p
        join public.profiles pr on pr.id = p.id and pr.deleted_at is null
       where p.is_available
         and p.category_ids @> array[v_job.category_id]
         and extensions.st_covers(p.coverage, v_location)
         and p.id <> v_job.customer_id
         -- Re-matching a reopened job: only providers not shown it before, who have not offered
         -- on it (those whose offers were closed get job.reopened) and are not excluded from it.
         and not exists (select 1 from public.job_matches m where m.job_id = p_job_id and m.provider_id = p.id)
         and not exists (select 1 from public.job_offers o where o.job_id = p_job_id and o.provider_id = p.id)
         and not exists (select 1 from private.job_exclusions x where x.job_id = p_job_id and x.provider_id = p.id)
    ), scored as (
      select c.*,
             (v_w ->> 'rating')::float8 * (c.rating / 5.0)
           + (v_w ->> 'distance')::float8 * greatest(0.0, 1.0 - c.distance_exact / v_ref)
           + (v_w ->> 'verified')::float8 * (case when c.is_verified then 1.0 else 0.0 end)
           + (v_w ->> 'response')::float8 * (case when c.response_time_s is null then 0.5
                                                  else 1.0 / (1.0 + c.response_time_s / v_response_ref) end)
             as score
        from candidates c
    )
    select s.id, s.score,
           pg_catalog.row_number() over (order by s.score desc, s.distance_exact, s.id) as rank,
           (pg_catalog.round(extensions.st_distance(s.base_location, v_job.fuzzed_location) / 100.0) * 100)::integer as distance_m
      from scored s
     order by s.score desc, s.distance_exact, s.id
     limit v_limit
  loop
    insert into public.job_matches (job_id, provider_id, source, rank, score, distance_m, notified_at)
    values (p_job_id, v_match.id, 'matched', v_match.rank, pg_catalog.round(v_match.score::numeric, 4),
            v_match.distance_m, private.now())
    on conflict (job_id, provider_id) do nothing;
    if found then
      perform private.notify(v_match.id, 'job.matched', pg_catalog.jsonb_build_object(
        'job_id', p_job_id, 'title', v_job.title, 'category_id', v_job.category_id,
        'neighbourhood', v_job.neighbourhood, 'distance_m', v_match.distance_m,
        'budget_min', v_job.budget_min, 'budget_max', v_job.budget_max, 'currency', v_job.currency,
        'rank', v_match.rank, 'instant', v_job.is_instant));
      v_count := v_count + 1;
    end if;
  end loop;

  update public.job_requests set notified_count = notified_count + v_count where id = p_job_id;
  return v_count;
end;
$$;
comment on function private.match_job(uuid) is
  'Notifies the best-fitting providers of a job: available, offering its category, whose coverage covers the exact point; '
  'ranked by the documented score (jobs.match_score), at most jobs.match_limit. Records them in job_matches. Skips providers '
  'already in job_matches, who offered on the job, or excluded from it (private.job_exclusions), so running it again (when the '
  'job reopens) notifies only new providers, at most jobs.match_limit of them. Does nothing while a direct job''s window runs. Idempotent.';
revoke all on function private.match_job(uuid) from public, anon, authenticated, service_role;
grant execute on function private.match_job(uuid) to service_role;

------------------------------------------------------------------------------------------------
-- Posting, photos, cancelling
------------------------------------------------------------------------------------------------
-- The terms of a job, checked and normalised the same way when it is posted and when it is edited
-- (public.update_job): category, texts, duration, budget (fixed or a range) and time (asap or a
-- window ending in the future, within 365 days). Raises the documented codes; returns the budget
-- kind and bounds and the window.
create or replace function private.check_job_terms(
  p_category_id uuid,
  p_title text,
  p_description text,
  p_address text,
  p_neighbourhood text,
  p_duration_minutes integer,
  p_fixed_budget bigint,
  p_budget_min bigint,
  p_budget_max bigint,
  p_currency text,
  p_asap boolean,
  p_preferred_start timestamptz,
  p_preferred_end timestamptz,
  out budget_kind text,
  out budget_min bigint,
  out budget_max bigint,
  out preferred_window tstzrange
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  -- Category (the catalog's codes: HL208 unknown, HL209 inactive or not a service category)
  if p_category_id is null or not exists (select 1 from public.categories c where c.id = p_category_id) then
    perform private.raise_error('HL208', pg_catalog.format('category %s', p_category_id));
  end if;
  if not exists (
       select 1 from public.categories c where c.id = p_category_id and c.is_active and c.kind = 'service') then
    perform private.raise_error('HL209', pg_catalog.format('category %s', p_category_id));
  end if;

  -- Text fields
  if p_title is null or pg_catalog.char_length(pg_catalog.btrim(p_title)) not between 3 and 120 then
    perform private.raise_error('HL301', 'title must be 3 to 120 characters');
  end if;
  if pg_catalog.char_length(coalesce(p_description, '')) > 4000 then
    perform private.raise_error('HL301', 'description is limited to 4000 characters');
  end if;
  if pg_catalog.char_length(coalesce(p_address, '')) > 300 then
    perform private.raise_error('HL301', 'address is limited to 300 characters');
  end if;
  if pg_catalog.char_length(coalesce(p_neighbourhood, '')) > 120 then
    perform private.raise_error('HL301', 'neighbourhood is limited to 120 characters');
  end if;
  if p_duration_minutes is null or p_duration_minutes not between 5 and 10080 then
    perform private.raise_error('HL301', 'duration_minutes must be between 5 and 10080');
  end if;

  -- Budget: fixed, or a range.
  if p_fixed_budget is not null then
    if p_budget_min is not null or p_budget_max is not null then
      perform private.raise_error('HL302', 'give either fixed_budget or budget_min/budget_max, not both');
    end if;
    if p_fixed_budget <= 0 or p_fixed_budget > 10000000000 then
      perform private.raise_error('HL302', 'fixed_budget must be between 1 and 10000000000 minor units');
    end if;
    budget_kind := 'fixed'; budget_min := p_fixed_budget; budget_max := p_fixed_budget;
  else
    if p_budget_min is null or p_budget_max is null then
      perform private.raise_error('HL302', 'give fixed_budget, or both budget_min and budget_max');
    end if;
    if p_budget_min < 0 or p_budget_max <= 0 or p_budget_min > p_budget_max or p_budget_max > 10000000000 then
      perform private.raise_error('HL302', 'need 0 <= budget_min <= budget_max, budget_max between 1 and 10000000000');
    end if;
    budget_kind := 'range'; budget_min := p_budget_min; budget_max := p_budget_max;
  end if;
  if p_currency is null or p_currency !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL302', 'currency must be an ISO 4217 code such as "AED"');
  end if;

  -- Time: asap, or a window.
  if coalesce(p_asap, false) then
    if p_preferred_start is not null or p_preferred_end is not null then
      perform private.raise_error('HL304', 'give either asap or a preferred window, not both');
    end if;
  else
    if p_preferred_start is null or p_preferred_end is null then
      perform private.raise_error('HL304', 'give asap = true or both preferred_start and preferred_end');
    end if;
    if p_preferred_start >= p_preferred_end or p_preferred_end <= v_now
       or p_preferred_end > v_now + interval '365 days' then
      perform private.raise_error('HL304', 'the window must have start < end, end in the future and within 365 days');
    end if;
    preferred_window := pg_catalog.tstzrange(p_preferred_start, p_preferred_end, '[)');
  end if;
end;
$$;
comment on function private.check_job_terms(uuid, text, text, text, text, integer, bigint, bigint, bigint, text, boolean,
  timestamptz, timestamptz) is
  'Checks the terms of a job as post_job and update_job accept them (HL208/HL209 category, HL301 fields, HL302 budget, '
  'HL304 time); returns the budget kind and bounds and the preferred window (null when asap).';
revoke all on function private.check_job_terms(uuid, text, text, text, text, integer, bigint, bigint, bigint, text, boolean,
  timestamptz, timestamptz) from public, anon, authenticated, service_role;

create or replace function public.post_job(
  p_category_id uuid,
  p_title text,
  p_lat double precision,
  p_lng double precision,
  p_duration_minutes integer,
  p_description text default null,
  p_address text default null,
  p_neighbourhood text default null,
  p_fixed_budget bigint default null,
  p_budget_min bigint default null,
  p_budget_max bigint default null,
  p_currency text default null,
  p_asap boolean default false,
  p_preferred_start timestamptz default null,
  p_preferred_end timestamptz default null,
  p_instant boolean default false,
  p_direct_to uuid[] default null,
  p_direct_window_minutes integer default null
)
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_profile public.profiles;
  v_location extensions.geography;
  v_currency text;
  v_terms record;
  v_expires timestamptz;
  v_job public.job_requests;
begin
  select * into v_profile from public.profiles where id = v_uid;
  if not found or v_profile.deleted_at is not null then
    perform private.raise_error('HL003', 'profile not found');
  end if;

  v_currency := coalesce(p_currency, v_profile.currency);
  select * into v_terms
    from private.check_job_terms(p_category_id, p_title, p_description, p_address, p_neighbourhood, p_duration_minutes,
                                 p_fixed_budget, p_budget_min, p_budget_max, v_currency, p_asap, p_preferred_start,
                                 p_preferred_end);

  if coalesce(p_instant, false) and v_terms.budget_kind <> 'fixed' then
    perform private.raise_error('HL302', 'an instant job is taken at its budget: give fixed_budget');
  end if;

  -- Place
  v_location := private.make_point(p_lat, p_lng);

  -- At most rate_limit.post_job jobs per customer per window (20 an hour by default).
  perform private.rate_limit('post_job', v_uid::text);

  v_expires := v_now + ((private.setting('jobs.expiry_hours'))::integer * interval '1 hour');
  if v_terms.preferred_window is not null then
    v_expires := least(v_expires, pg_catalog.upper(v_terms.preferred_window));
  end if;

  insert into public.job_requests (
    customer_id, category_id, title, description, budget_kind, budget_min, budget_max, currency,
    duration_minutes, is_asap, is_instant, preferred_window, neighbourhood, fuzzed_location, status, expires_at)
  values (
    v_uid, p_category_id, pg_catalog.btrim(p_title), nullif(pg_catalog.btrim(p_description), ''), v_terms.budget_kind,
    v_terms.budget_min, v_terms.budget_max, v_currency,
    p_duration_minutes, coalesce(p_asap, false), coalesce(p_instant, false), v_terms.preferred_window,
    coalesce(nullif(pg_catalog.btrim(p_neighbourhood), ''), v_profile.neighbourhood),
    private.fuzz_point(v_location, (private.setting('jobs.fuzz_grid_m'))::integer),
    'open', v_expires)
  returning * into v_job;

  insert into private.job_locations (job_id, location, address)
  values (v_job.id, v_location, nullif(pg_catalog.btrim(p_address), ''));

  -- Sent to chosen buddies first (jobs_direct), else to matching at once.
  if p_direct_to is not null or p_direct_window_minutes is not null then
    perform private.start_direct_job(v_job.id, p_direct_to, p_direct_window_minutes);
  else
    perform private.match_job(v_job.id);
  end if;
  select * into v_job from public.job_requests where id = v_job.id;
  return v_job;
end;
$$;
comment on function public.post_job(uuid, text, double precision, double precision, integer, text, text, text, bigint, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, uuid[], integer) is
  'Posts a job for the calling customer and notifies the best-fitting nearby providers. Budget: p_fixed_budget, or '
  'p_budget_min + p_budget_max (minor units; currency defaults to the profile''s). Time: p_asap, or p_preferred_start + p_preferred_end. '
  'The exact point and address stay private; others see a fuzzed point and the neighbourhood. At most 20 jobs an hour (HL006). '
  'p_instant: the first qualified provider who calls take_job is booked at once at the fixed budget (needs p_fixed_budget). '
  'p_direct_to: 1 to jobs.direct_max_providers of the customer''s buddies who are providers offering the category and covering '
  'the place; only they see the job, offer on it or take it for p_direct_window_minutes (default jobs.direct_window_minutes), '
  'then it opens to everyone and matching runs (docs/jobs.md). '
  'Errors: HL301 field, HL302 budget, HL200/HL201 location, HL304 time window, HL208/HL209 category, HL006 rate limit, '
  'HL330-HL334 direct.';
revoke all on function
  public.post_job(uuid, text, double precision, double precision, integer, text, text, text, bigint, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, uuid[], integer)
  from public, anon, authenticated, service_role;
grant execute on function public.post_job(uuid, text, double precision, double precision, integer, text, text, text, bigint, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, uuid[], integer) to authenticated;

-- The photos of a job (set_job_photos, update_job): at most jobs.max_photos distinct paths of
-- objects already uploaded to the job-media bucket under <customer id>/<job id>/.
create or replace function private.check_job_photos(p_job public.job_requests, p_paths text[])
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_path text;
  v_max integer := (private.setting('jobs.max_photos'))::integer;
begin
  if pg_catalog.cardinality(p_paths) > v_max then
    perform private.raise_error('HL308', pg_catalog.format('at most %s photos', v_max));
  end if;
  if (select pg_catalog.count(distinct x) from pg_catalog.unnest(p_paths) x) <> pg_catalog.cardinality(p_paths) then
    perform private.raise_error('HL308', 'duplicate photo paths');
  end if;
  foreach v_path in array p_paths loop
    if v_path is null or pg_catalog.left(v_path, 74) <> p_job.customer_id::text || '/' || p_job.id::text || '/'
       or pg_catalog.char_length(v_path) > 300 or v_path ~ '(^|/)\.\.(/|$)' then
      perform private.raise_error('HL308', pg_catalog.format('%L is not under %s/%s/', v_path, p_job.customer_id, p_job.id));
    end if;
    if not exists (select 1 from storage.objects o where o.bucket_id = 'job-media' and o.name = v_path) then
      perform private.raise_error('HL308', pg_catalog.format('%L has not been uploaded to job-media', v_path));
    end if;
  end loop;
end;
$$;
comment on function private.check_job_photos(public.job_requests, text[]) is
  'Checks a job''s photo paths (HL308): at most jobs.max_photos, distinct, under <customer id>/<job id>/ and uploaded to job-media.';
revoke all on function private.check_job_photos(public.job_requests, text[]) from public, anon, authenticated, service_role;

-- The calling customer's job, locked for a change (the job row first, then its offers, as
-- accepting an offer does: a change and an acceptance run one after the other), while it can
-- still change: open, not past its expiry, not hidden by moderation.
create or replace function private.lock_my_open_job(p_job_id uuid, p_action text)
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.job_requests;
begin
  select * into v_job from public.job_requests where id = p_job_id for no key update;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id is distinct from (select auth.uid()) then
    perform private.raise_error('HL307');
  end if;
  if v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s; only open jobs can be %s', v_job.status, p_action));
  elsif v_job.expires_at <= private.now() then
    perform private.raise_error('HL306', pg_catalog.format('job status is expired; only open jobs can be %s', p_action));
  elsif v_job.hidden_at is not null then
    perform private.raise_error('HL306', pg_catalog.format('the job was hidden by moderation and cannot be %s', p_action));
  end if;
  return v_job;
end;
$$;
comment on function private.lock_my_open_job(uuid, text) is
  'Locks the calling customer''s job for a change (update_job, set_job_photos): HL300 unknown, HL307 not the customer, HL306 not '
  'open, past its expiry or hidden by moderation (details name p_action).';
revoke all on function private.lock_my_open_job(uuid, text) from public, anon, authenticated, service_role;

create or replace function public.set_job_photos(p_job_id uuid, p_photo_paths text[])
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.job_requests;
  v_paths text[] := coalesce(p_photo_paths, '{}');
begin
  perform private.require_uid();
  v_job := private.lock_my_open_job(p_job_id, 'given photos');
  perform private.check_job_photos(v_job, v_paths);
  update public.job_requests set photo_paths = v_paths where id = v_job.id returning * into v_job;
  return v_job;
end;
$$;
comment on function public.set_job_photos(uuid, text[]) is
  'Sets the photos of the calling customer''s open job: paths of objects already uploaded to the job-media bucket under '
  '<user id>/<job id>/ (at most 10). Errors: HL300, HL307 not yours, HL306 not open (or past its expiry, or hidden), HL308 invalid path.';
revoke all on function public.set_job_photos(uuid, text[]) from public, anon, authenticated, service_role;
grant execute on function public.set_job_photos(uuid, text[]) to authenticated;

create or replace function public.cancel_job(p_job_id uuid, p_reason text default null)
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_job public.job_requests;
  v_role text;
begin
  select * into v_job from public.job_requests where id = p_job_id for no key update;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.customer_id = v_uid then
    v_role := 'customer';
  elsif private.authorize('jobs.manage') then
    v_role := 'operator';
  elsif v_job.status = 'open' and private.is_provider() then
    perform private.raise_error('HL307');
  else
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;
  if v_job.status = 'assigned' then
    perform private.raise_error('HL306', 'job status is assigned', null,
      'The job has a booking: cancel the booking instead.');
  elsif v_job.status <> 'open' then
    perform private.raise_error('HL306', pg_catalog.format('job status is %s', v_job.status));
  end if;
  if pg_catalog.char_length(coalesce(p_reason, '')) > 1000 then
    perform private.raise_error('HL301', 'reason is limited to 1000 characters');
  end if;

  update public.job_requests
     set status = 'cancelled', cancelled_at = private.now(), cancel_reason = p_reason
   where id = v_job.id
  returning * into v_job;
  perform private.close_live_offers(v_job.id, null, 'job_cancelled', v_role);
  if v_role = 'operator' then
    perform private.notify(v_job.customer_id, 'job.cancelled',
      pg_catalog.jsonb_build_object('job_id', v_job.id, 'by', 'operator', 'reason', p_reason));
  end if;
  return v_job;
end;
$$;
comment on function public.cancel_job(uuid, text) is
  'Cancels an open job (its customer, or an operator with jobs.manage); live offers are closed and their providers notified. '
  'Errors: HL300, HL307 not yours, HL306 not open (an assigned job is cancelled through its booking).';
revoke all on function public.cancel_job(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.cancel_job(uuid, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
create or replace function private.offer_json(p_offer public.job_offers)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.to_jsonb(p_offer) || pg_catalog.jsonb_build_object(
    'provider', (select pg_catalog.jsonb_build_object(
                   'id', p.id, 'display_name', p.display_name, 'rating_avg', p.rating_avg,
                   'rating_count', p.rating_count, 'is_verified', p.is_verified, 'completed_jobs', p.completed_jobs)
                   from public.provider_profiles p where p.id = p_offer.provider_id));
$$;
comment on function private.offer_json(public.job_offers) is 'An offer as JSON with a summary of its provider.';

create or replace function public.get_job(p_job_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_job public.job_requests;
  v_viewer text;
  v_exact jsonb;
  v_offers jsonb;
begin
  select * into v_job from public.job_requests where id = p_job_id;
  if not found then
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;

  if v_job.customer_id = v_uid then
    v_viewer := 'customer';
  elsif private.authorize('jobs.manage') then
    v_viewer := 'operator';
  elsif private.is_provider() and (
          (v_job.status = 'open' and v_job.hidden_at is null and coalesce(v_job.direct_until <= private.now(), true))
          or exists (select 1 from public.job_offers o where o.job_id = v_job.id and o.provider_id = v_uid)
          or exists (select 1 from public.job_matches m where m.job_id = v_job.id and m.provider_id = v_uid)) then
    v_viewer := 'provider';
  else
    perform private.raise_error('HL300', pg_catalog.format('job %s', p_job_id));
  end if;

  if v_viewer in ('customer', 'operator') then
    select pg_catalog.jsonb_build_object(
             'lat', extensions.st_y(l.location::extensions.geometry),
             'lng', extensions.st_x(l.location::extensions.geometry),
             'address', l.address)
      into v_exact
      from private.job_locations l where l.job_id = v_job.id;
    select coalesce(pg_catalog.jsonb_agg(private.offer_json(o) order by o.created_at, o.id), '[]'::jsonb)
      into v_offers
      from public.job_offers o where o.job_id = v_job.id;
  else
    -- A provider who opens an open job has been shown it: record it (photos become readable).
    -- During a direct window only chosen providers get here, and they are recorded already.
    if v_job.status = 'open' and v_job.hidden_at is null and coalesce(v_job.direct_until <= private.now(), true) then
      insert into public.job_matches (job_id, provider_id, source)
      values (v_job.id, v_uid, 'viewed')
      on conflict (job_id, provider_id) do nothing;
    end if;
    select coalesce(pg_catalog.jsonb_agg(private.offer_json(o) order by o.created_at, o.id), '[]'::jsonb)
      into v_offers
      from public.job_offers o where o.job_id = v_job.id and o.provider_id = v_uid;
  end if;

  return pg_catalog.jsonb_build_object(
    'job', (pg_catalog.to_jsonb(v_job) - 'fuzzed_location') || pg_catalog.jsonb_build_object(
              'lat', extensions.st_y(v_job.fuzzed_location::extensions.geometry),
              'lng', extensions.st_x(v_job.fuzzed_location::extensions.geometry),
              'preferred_start', pg_catalog.lower(v_job.preferred_window),
              'preferred_end', pg_catalog.upper(v_job.preferred_window)),
    'exact_location', v_exact,
    'viewer', v_viewer,
    'live_offer_count', (select pg_catalog.count(*) from public.job_offers o
                          where o.job_id = v_job.id and o.status in ('pending', 'countered')),
    'offers', v_offers);
end;
$$;
comment on function public.get_job(uuid) is
  'A job with its offers: {job (fuzzed lat/lng), exact_location (customer and operators only), viewer, live_offer_count, offers}. '
  'The customer sees every offer; a provider only their own (opening an open job records that it was shown to them). '
  'During a direct job''s window only its chosen providers see it. Error: HL300 when the job does not exist or is not visible.';
revoke all on function public.get_job(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_job(uuid) to authenticated;

-- A row of the job board (list_open_jobs_near_me, list_open_jobs_in_bounds): the public part of an
-- open job with the caller's view of it (matched, their latest offer) and the page cursor.
create type public.open_job as (
  id uuid,
  customer_id uuid,
  category_id uuid,
  title text,
  description text,
  budget_kind text,
  budget_min bigint,
  budget_max bigint,
  currency char(3),
  duration_minutes integer,
  is_asap boolean,
  is_instant boolean,
  preferred_start timestamptz,
  preferred_end timestamptz,
  neighbourhood text,
  lat double precision,
  lng double precision,
  distance_m double precision,
  photo_count integer,
  live_offer_count integer,
  is_matched boolean,
  my_offer_id uuid,
  my_offer_status text,
  direct_until timestamptz,
  expires_at timestamptz,
  created_at timestamptz,
  cursor text
);
comment on type public.open_job is
  'A row of the job board: an open job''s public part (fuzzed lat/lng, distance_m from the search point), its live offer count, '
  'whether the calling provider was matched, their latest offer on it, direct_until while the job is in a direct window the caller '
  'was chosen for (null otherwise), and the keyset cursor.';

-- The job board's query, shared by list_open_jobs_near_me and list_open_jobs_in_bounds: open,
-- visible jobs (not the caller's, not hidden, not excluding the caller, not in a direct window the
-- caller was not chosen for) whose fuzzed point is within
-- p_radius of p_origin (and inside the map bounds, when given: degrees, compared as such), with the
-- filters, nearest first after the cursor. Checks of the filters (private.check_open_jobs_filters) are the callers'.
create or replace function private.open_jobs_page(
  p_uid uuid,
  p_my_categories uuid[],
  p_origin extensions.geography,
  p_radius double precision,
  p_south double precision,
  p_west double precision,
  p_north double precision,
  p_east double precision,
  p_category_id uuid,
  p_min_budget bigint,
  p_max_budget bigint,
  p_currency text,
  p_asap_only boolean,
  p_window tstzrange,
  p_my_categories_only boolean,
  p_after_distance double precision,
  p_after_id uuid,
  p_limit integer
)
returns setof public.open_job
language sql
stable
security definer
set search_path = ''
as $$
  with nearby as (
    select j.*, extensions.st_distance(j.fuzzed_location, p_origin) as dist
      from public.job_requests j
     where j.status = 'open'
       and j.hidden_at is null
       and j.expires_at > private.now()
       and j.customer_id <> p_uid
       -- A provider excluded from a reopened job (they gave its booking up) no longer sees it.
       and not exists (select 1 from private.job_exclusions x where x.job_id = j.id and x.provider_id = p_uid)
       -- A direct job in its window: only the providers the customer chose.
       and (j.direct_until is null or j.direct_until <= private.now()
            or exists (select 1 from public.job_matches m where m.job_id = j.id and m.provider_id = p_uid and m.source = 'direct'))
       and extensions.st_dwithin(j.fuzzed_location, p_origin, p_radius)
       and (p_south is null
            or (extensions.st_y(j.fuzzed_location::extensions.geometry) between p_south and p_north
                and extensions.st_x(j.fuzzed_location::extensions.geometry) between p_west and p_east))
       and (p_category_id is null or exists (
              select 1 from public.categories c where c.id = j.category_id and p_category_id = any (c.path_ids)))
       and (not coalesce(p_my_categories_only, false) or j.category_id = any (p_my_categories))
       and (p_min_budget is null or j.budget_max >= p_min_budget)
       and (p_max_budget is null or j.budget_min <= p_max_budget)
       and (p_currency is null or j.currency = p_currency)
       and (not coalesce(p_asap_only, false) or j.is_asap)
       and (p_window is null or j.is_asap or j.preferred_window operator(pg_catalog.&&) p_window)
  )
  select n.id, n.customer_id, n.category_id, n.title, n.description, n.budget_kind, n.budget_min, n.budget_max,
         n.currency, n.duration_minutes, n.is_asap, n.is_instant, pg_catalog.lower(n.preferred_window), pg_catalog.upper(n.preferred_window),
         n.neighbourhood,
         extensions.st_y(n.fuzzed_location::extensions.geometry), extensions.st_x(n.fuzzed_location::extensions.geometry),
         n.dist,
         pg_catalog.cardinality(n.photo_paths),
         (select pg_catalog.count(*)::integer from public.job_offers o
           where o.job_id = n.id and o.status in ('pending', 'countered')),
         exists (select 1 from public.job_matches m where m.job_id = n.id and m.provider_id = p_uid and m.source = 'matched'),
         mine.id, mine.status,
         case when n.direct_until > private.now() then n.direct_until end,
         n.expires_at, n.created_at,
         n.dist::text || '|' || n.id::text
    from nearby n
    left join lateral (
      select o.id, o.status from public.job_offers o
       where o.job_id = n.id and o.provider_id = p_uid
       order by o.created_at desc limit 1) mine on true
   where p_after_id is null or (n.dist, n.id) > (p_after_distance, p_after_id)
   order by n.dist, n.id
   limit p_limit;
$$;
comment on function private.open_jobs_page(uuid, uuid[], extensions.geography, double precision, double precision, double precision,
  double precision, double precision, uuid, bigint,
  bigint, text, boolean, tstzrange, boolean, double precision, uuid, integer) is
  'The job board''s page of open jobs for a provider (near a point, optionally inside a box), shared by list_open_jobs_near_me and list_open_jobs_in_bounds.';
revoke all on function private.open_jobs_page(uuid, uuid[], extensions.geography, double precision, double precision, double precision,
  double precision, double precision, uuid, bigint,
  bigint, text, boolean, tstzrange, boolean, double precision, uuid, integer) from public, anon, authenticated, service_role;

-- The board's filters and cursor, checked once for both listings (HL324, HL007): returns the
-- preferred window filter and the cursor's position.
create or replace function private.check_open_jobs_filters(
  p_min_budget bigint,
  p_max_budget bigint,
  p_window_start timestamptz,
  p_window_end timestamptz,
  p_limit integer,
  p_cursor text,
  out window_filter tstzrange,
  out after_distance double precision,
  out after_id uuid
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL324', 'limit must be between 1 and 100');
  end if;
  if p_min_budget is not null and p_max_budget is not null and p_min_budget > p_max_budget then
    perform private.raise_error('HL324', 'min_budget must not exceed max_budget');
  end if;
  if p_window_start is not null and p_window_end is not null and p_window_start >= p_window_end then
    perform private.raise_error('HL324', 'window_start must be before window_end');
  end if;
  if p_window_start is not null or p_window_end is not null then
    window_filter := pg_catalog.tstzrange(p_window_start, p_window_end, '[)');
  end if;
  if p_cursor is not null then
    begin
      after_distance := pg_catalog.split_part(p_cursor, '|', 1)::float8;
      after_id := pg_catalog.split_part(p_cursor, '|', 2)::uuid;
    exception when others then
      perform private.raise_error('HL007', pg_catalog.format('cursor %L', p_cursor));
    end;
    if after_distance is null or after_id is null then
      perform private.raise_error('HL007', pg_catalog.format('cursor %L', p_cursor));
    end if;
  end if;
end;
$$;
comment on function private.check_open_jobs_filters(bigint, bigint, timestamptz, timestamptz, integer, text) is
  'Checks the job board''s filters, page size and cursor (HL324, HL007); returns the window filter and the cursor position.';
revoke all on function private.check_open_jobs_filters(bigint, bigint, timestamptz, timestamptz, integer, text)
  from public, anon, authenticated, service_role;

create or replace function public.list_open_jobs_near_me(
  p_lat double precision default null,
  p_lng double precision default null,
  p_radius_m integer default null,
  p_category_id uuid default null,
  p_min_budget bigint default null,
  p_max_budget bigint default null,
  p_currency text default null,
  p_asap_only boolean default false,
  p_window_start timestamptz default null,
  p_window_end timestamptz default null,
  p_my_categories_only boolean default false,
  p_limit integer default 20,
  p_cursor text default null
)
returns setof public.open_job
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_provider public.provider_profiles;
  v_origin extensions.geography;
  v_radius integer;
  v_f record;
begin
  v_provider := private.require_provider(v_uid);
  if (p_lat is null) <> (p_lng is null) then
    perform private.raise_error('HL008', 'give both p_lat and p_lng, or neither (your base location)');
  end if;
  v_origin := case when p_lat is null then v_provider.base_location else private.make_point(p_lat, p_lng) end;
  v_radius := coalesce(p_radius_m, v_provider.service_radius_m);
  if v_radius not between 100 and 100000 then
    perform private.raise_error('HL324', 'radius_m must be between 100 and 100000');
  end if;
  select * into v_f from private.check_open_jobs_filters(p_min_budget, p_max_budget, p_window_start, p_window_end, p_limit, p_cursor);
  return query
  select * from private.open_jobs_page(v_uid, v_provider.category_ids, v_origin, v_radius, null, null, null, null, p_category_id, p_min_budget,
                                       p_max_budget, p_currency, p_asap_only, v_f.window_filter, p_my_categories_only,
                                       v_f.after_distance, v_f.after_id, p_limit);
end;
$$;
comment on function public.list_open_jobs_near_me(double precision, double precision, integer, uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) is
  'Open jobs near the calling provider (p_lat/p_lng, default their base; radius default their service radius), nearest first '
  'by distance to the fuzzed point. Filters: category (with subcategories), budget (jobs whose budget reaches p_min_budget / starts '
  'below p_max_budget), currency, asap only, preferred window overlapping [p_window_start, p_window_end), only my categories. '
  'Keyset pagination: pass the last row''s cursor. Errors: HL106 not a provider, HL200/HL201, HL007 cursor, HL324 parameters.';
revoke all on function
  public.list_open_jobs_near_me(double precision, double precision, integer, uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text)
  from public, anon, authenticated, service_role;
grant execute on function public.list_open_jobs_near_me(double precision, double precision, integer, uuid, bigint, bigint, text, boolean, timestamptz, timestamptz, boolean, integer, text) to authenticated;
