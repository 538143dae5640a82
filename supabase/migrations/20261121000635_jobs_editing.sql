-- Module: jobs (editing an open job)
-- The customer changes an open job: title, description, category, duration, budget, time, place,
-- neighbourhood, photos. The terms are checked as post_job checks them (private.check_job_terms);
-- live offers whose terms the edit invalidates are closed with a reason, the other live offers'
-- providers are told, and matching runs again when the place or the category changed.

insert into private.settings (key, value, description) values
  ('rate_limit.update_job', '{"limit": 30, "window": "1 hour"}',
   'Edits a customer may make to their jobs per sliding window (update_job; edits that change nothing are not counted).')
on conflict (key) do nothing;

create or replace function public.update_job(p_job_id uuid, p_changes jsonb)
returns public.job_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_fields constant text[] := array['title', 'description', 'category_id', 'duration_minutes', 'fixed_budget', 'budget_min',
                                    'budget_max', 'asap', 'preferred_start', 'preferred_end', 'lat', 'lng', 'address',
                                    'neighbourhood', 'photo_paths'];
  v_c jsonb := p_changes;
  v_key text;
  v_job public.job_requests;
  v_place private.job_locations;
  v_neighbourhood_default text;
  -- The job after the edit.
  v_title text;
  v_description text;
  v_category uuid;
  v_duration integer;
  v_fixed bigint;
  v_min bigint;
  v_max bigint;
  v_asap boolean;
  v_start timestamptz;
  v_end timestamptz;
  v_location extensions.geography;
  v_address text;
  v_neighbourhood text;
  v_photos text[];
  v_terms record;
  v_expires timestamptz;
  v_moved boolean;
  v_changed text[] := '{}';
  v_ids uuid[];
begin
  if v_c is null or pg_catalog.jsonb_typeof(v_c) <> 'object' or v_c = '{}'::jsonb then
    perform private.raise_error('HL301', pg_catalog.format('p_changes must be a JSON object with the fields to change: %s',
                                                           pg_catalog.array_to_string(v_fields, ', ')));
  end if;
  for v_key in select k from pg_catalog.jsonb_object_keys(v_c) k order by k loop
    if v_key = 'currency' then
      perform private.raise_error('HL302', 'the currency of a job cannot change (its offers are quoted in it): cancel it and post a new one');
    elsif not (v_key = any (v_fields)) then
      perform private.raise_error('HL301', pg_catalog.format('unknown field %s; fields that can change: %s', v_key,
                                                             pg_catalog.array_to_string(v_fields, ', ')));
    end if;
    -- JSON types as the fields take them (null only where it clears or resets a field).
    if pg_catalog.jsonb_typeof(v_c -> v_key) <> (case
         when v_key in ('title', 'preferred_start', 'preferred_end', 'category_id') then 'string'
         when v_key in ('description', 'address', 'neighbourhood') and pg_catalog.jsonb_typeof(v_c -> v_key) = 'null' then 'null'
         when v_key in ('description', 'address', 'neighbourhood') then 'string'
         when v_key in ('duration_minutes', 'fixed_budget', 'budget_min', 'budget_max', 'lat', 'lng') then 'number'
         when v_key = 'asap' then 'boolean'
         when v_key = 'photo_paths' then 'array' end) then
      perform private.raise_error(case when v_key = 'photo_paths' then 'HL308' else 'HL301' end,
        pg_catalog.format('%s must be %s', v_key, case
          when v_key in ('description', 'address', 'neighbourhood') then 'a string or null'
          when v_key in ('title', 'category_id') then 'a string'
          when v_key in ('preferred_start', 'preferred_end') then 'a timestamp string such as "2030-03-02T12:00:00Z"'
          when v_key = 'asap' then 'true or false'
          when v_key = 'photo_paths' then 'an array of object paths'
          else 'a number' end));
    end if;
  end loop;

  -- The job row first, then its offers (as accepting an offer does): an edit and an acceptance
  -- run one after the other, and an assigned job cannot be edited.
  v_job := private.lock_my_open_job(p_job_id, 'edited');
  select * into v_place from private.job_locations l where l.job_id = v_job.id;

  -- The new values: a field given replaces the current one (JSON null clears description and
  -- address, and resets neighbourhood to the customer's, as post_job does); the budget and the time are replaced as a whole when any of their fields is
  -- given, as post_job takes them.
  begin
    v_title := case when v_c ? 'title' then v_c ->> 'title' else v_job.title end;
    v_description := case when v_c ? 'description' then v_c ->> 'description' else v_job.description end;
    v_category := case when v_c ? 'category_id' then (v_c ->> 'category_id')::uuid else v_job.category_id end;
    v_duration := case when v_c ? 'duration_minutes' then (v_c ->> 'duration_minutes')::integer else v_job.duration_minutes end;
    if v_c ?| array['fixed_budget', 'budget_min', 'budget_max'] then
      v_fixed := (v_c ->> 'fixed_budget')::bigint;
      v_min := (v_c ->> 'budget_min')::bigint;
      v_max := (v_c ->> 'budget_max')::bigint;
    elsif v_job.budget_kind = 'fixed' then
      v_fixed := v_job.budget_max;
    else
      v_min := v_job.budget_min;
      v_max := v_job.budget_max;
    end if;
    if v_c ?| array['asap', 'preferred_start', 'preferred_end'] then
      v_asap := coalesce((v_c ->> 'asap')::boolean, false);
      v_start := (v_c ->> 'preferred_start')::timestamptz;
      v_end := (v_c ->> 'preferred_end')::timestamptz;
    else
      v_asap := v_job.is_asap;
      v_start := pg_catalog.lower(v_job.preferred_window);
      v_end := pg_catalog.upper(v_job.preferred_window);
    end if;
    if v_c ?| array['lat', 'lng'] then
      v_location := private.make_point((v_c ->> 'lat')::double precision, (v_c ->> 'lng')::double precision);
    else
      v_location := v_place.location;
    end if;
    if v_c ? 'photo_paths' then
      v_photos := array(select pg_catalog.jsonb_array_elements_text(v_c -> 'photo_paths'));
    else
      v_photos := v_job.photo_paths;
    end if;
  exception
    -- Any unreadable value (22xxx: a malformed uuid, timestamp, time zone or number out of range).
    when data_exception then
      perform private.raise_error('HL301', pg_catalog.format('a field has a value that cannot be read (%s)', sqlerrm));
  end;
  v_moved := extensions.st_distance(v_location, v_place.location, false) > 0;
  -- Moving the job forgets the old address unless a new one is given.
  v_address := case when v_c ? 'address' then v_c ->> 'address' when not v_moved then v_place.address end;
  if v_c ? 'neighbourhood' then
    select p.neighbourhood into v_neighbourhood_default from public.profiles p where p.id = v_uid;
    v_neighbourhood := coalesce(nullif(pg_catalog.btrim(v_c ->> 'neighbourhood'), ''), v_neighbourhood_default);
  else
    v_neighbourhood := v_job.neighbourhood;
  end if;

  select * into v_terms
    from private.check_job_terms(v_category, v_title, v_description, v_address, v_neighbourhood, v_duration,
                                 v_fixed, v_min, v_max, v_job.currency, v_asap, v_start, v_end);
  if v_job.is_instant and v_terms.budget_kind <> 'fixed' then
    perform private.raise_error('HL302', 'an instant job is taken at its budget: give fixed_budget');
  end if;
  if v_photos is distinct from v_job.photo_paths then
    perform private.check_job_photos(v_job, v_photos);
  end if;
  v_title := pg_catalog.btrim(v_title);
  v_description := nullif(pg_catalog.btrim(v_description), '');
  v_address := nullif(pg_catalog.btrim(v_address), '');

  -- What changed (told to the providers with live offers; the address stays private).
  v_changed := pg_catalog.array_remove(array[
    case when v_title is distinct from v_job.title then 'title' end,
    case when v_description is distinct from v_job.description then 'description' end,
    case when v_category is distinct from v_job.category_id then 'category' end,
    case when v_duration is distinct from v_job.duration_minutes then 'duration' end,
    case when (v_terms.budget_kind, v_terms.budget_min, v_terms.budget_max)
              is distinct from (v_job.budget_kind, v_job.budget_min, v_job.budget_max) then 'budget' end,
    case when (v_asap, v_terms.preferred_window) is distinct from (v_job.is_asap, v_job.preferred_window) then 'time' end,
    case when v_moved then 'place' end,
    case when v_neighbourhood is distinct from v_job.neighbourhood then 'neighbourhood' end,
    case when v_photos is distinct from v_job.photo_paths then 'photos' end], null);
  if v_changed = '{}' and v_address is not distinct from v_place.address then
    return v_job;
  end if;
  perform private.rate_limit('update_job', v_uid::text);

  -- New time terms give the job the life a new post would have: jobs.expiry_hours from now,
  -- capped by the end of the window.
  v_expires := v_job.expires_at;
  if 'time' = any (v_changed) then
    v_expires := v_now + (private.setting('jobs.expiry_hours'))::integer * interval '1 hour';
    if v_terms.preferred_window is not null then
      v_expires := least(v_expires, pg_catalog.upper(v_terms.preferred_window));
    end if;
  end if;

  update public.job_requests j
     set title = v_title, description = v_description, category_id = v_category, duration_minutes = v_duration,
         budget_kind = v_terms.budget_kind, budget_min = v_terms.budget_min, budget_max = v_terms.budget_max,
         is_asap = coalesce(v_asap, false), preferred_window = v_terms.preferred_window, expires_at = v_expires,
         neighbourhood = v_neighbourhood, photo_paths = v_photos,
         fuzzed_location = case when 'place' = any (v_changed)
                                then private.fuzz_point(v_location, (private.setting('jobs.fuzz_grid_m'))::integer)
                                else j.fuzzed_location end
   where j.id = v_job.id;
  update private.job_locations l
     set location = v_location, address = v_address
   where l.job_id = v_job.id;

  -- Live offers the edit invalidates: their price fitted the old budget and exceeds the new one
  -- (a countered offer: the counter price); their start fell in the old window (or the job was
  -- asap) and falls outside the new one.
  if 'budget' = any (v_changed) then
    v_ids := array(select o.id from public.job_offers o
                    where o.job_id = v_job.id and o.status in ('pending', 'countered')
                      and coalesce(case when o.status = 'countered' then o.counter_price end, o.price) <= v_job.budget_max
                      and coalesce(case when o.status = 'countered' then o.counter_price end, o.price) > v_terms.budget_max);
    if v_ids <> '{}' then
      perform private.close_live_offers(v_job.id, null, 'job_edited_budget', 'customer', v_ids, 'offer.invalidated');
    end if;
  end if;
  if 'time' = any (v_changed) and v_terms.preferred_window is not null then
    v_ids := array(select o.id from public.job_offers o
                    where o.job_id = v_job.id and o.status in ('pending', 'countered')
                      and (v_job.preferred_window is null or o.proposed_start operator(pg_catalog.<@) v_job.preferred_window)
                      and not (o.proposed_start operator(pg_catalog.<@) v_terms.preferred_window));
    if v_ids <> '{}' then
      perform private.close_live_offers(v_job.id, null, 'job_edited_window', 'customer', v_ids, 'offer.invalidated');
    end if;
  end if;

  if v_changed <> '{}' then
    perform private.notify(o.provider_id, 'job.updated', pg_catalog.jsonb_build_object(
              'job_id', v_job.id, 'offer_id', o.id, 'title', v_title, 'changes', pg_catalog.to_jsonb(v_changed)))
       from public.job_offers o
      where o.job_id = v_job.id and o.status in ('pending', 'countered');
  end if;
  -- Another place or category: providers who fit it now and were not shown the job are notified
  -- (of a direct job, when its window closes: matching waits until then; the chosen stay chosen).
  if v_changed && array['place', 'category'] then
    perform private.match_job(v_job.id);
  end if;

  select * into v_job from public.job_requests where id = v_job.id;
  return v_job;
end;
$$;
comment on function public.update_job(uuid, jsonb) is
  'Edits the calling customer''s open job. p_changes is a JSON object of the fields to change: title, description, category_id, '
  'duration_minutes, budget (fixed_budget, or budget_min + budget_max: replaces the budget), time (asap, or preferred_start + '
  'preferred_end: replaces it), place (lat + lng; the address is forgotten unless address is given), address, neighbourhood, '
  'photo_paths (as set_job_photos). The same rules as post_job; the currency cannot change. Live offers that the edit makes '
  'not fit (price within the old budget and above the new one; start inside the old window and outside the new one) are '
  'closed (offer.invalidated, reason job_edited_budget / job_edited_window); the providers of the other live offers get '
  'job.updated with the list of changes; a new place or category runs matching again. An edit that changes nothing returns '
  'the job as it is. Errors: HL300, HL307 not yours, HL306 not open (no edit once assigned), HL301 unknown field or wrong '
  'value, HL302 budget or currency, HL304 time, HL200/HL201 place, HL208/HL209 category, HL308 photos, HL006 rate limit.';
revoke all on function public.update_job(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.update_job(uuid, jsonb) to authenticated;
