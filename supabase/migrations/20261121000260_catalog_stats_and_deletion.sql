-- Module: catalog (statistics, references, account deletion)
-- The database-maintained statistics of providers, the registry through which later modules say
-- that their records point at a provider profile (so it is kept, not deleted), and the catalog's
-- account deletion step.

------------------------------------------------------------------------------------------------
-- Provider statistics: written only here. Bookings count completed jobs and response times (as do
-- jobs, for answers to job notifications); the trust module's reviews add and remove ratings when
-- a review is published, hidden or restored (private.adjust_provider_rating).
------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('reputation.prior_mean', '3.5',
   'Reputation score prior mean m (stars): score = (C * m + sum of stars) / (C + number of ratings). Used for providers '
   '(provider_profiles.reputation_score) and by the trust module for customers and sellers. After a change, run '
   'private.refresh_reputation_scores().'),
  ('reputation.prior_weight', '5',
   'Reputation score prior weight C (as many ratings of m stars): see reputation.prior_mean.')
on conflict (key) do nothing;

-- The documented Bayesian average: with no ratings the score is the prior mean; each rating pulls
-- it towards the actual average, so one 5-star rating (3.75 with m = 3.5, C = 5) does not beat
-- fifty 4.8s (4.68).
create or replace function private.reputation_score(p_rating_sum bigint, p_rating_count bigint)
returns numeric
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_mean numeric := (private.setting('reputation.prior_mean'))::numeric;
  v_weight numeric := (private.setting('reputation.prior_weight'))::numeric;
begin
  return pg_catalog.round((v_weight * v_mean + coalesce(p_rating_sum, 0)) / (v_weight + coalesce(p_rating_count, 0)), 4);
end;
$$;
comment on function private.reputation_score(bigint, bigint) is
  'Reputation score: (C * m + sum of stars) / (C + number of ratings), 4 decimals; m and C are the settings '
  'reputation.prior_mean and reputation.prior_weight.';

create or replace function private.derive_provider_reputation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.reputation_score := private.reputation_score(new.rating_sum, new.rating_count);
  return new;
end;
$$;
comment on function private.derive_provider_reputation() is
  'BEFORE INSERT/UPDATE OF rating_sum, rating_count on provider_profiles: derives reputation_score.';

create or replace trigger provider_profiles_derive_reputation
  before insert or update of rating_sum, rating_count on public.provider_profiles
  for each row execute function private.derive_provider_reputation();

-- Adds (or, with negative deltas, removes) ratings: p_count ratings with p_sum stars in total.
-- The totals must stay possible (0 <= count, count <= sum <= 5 * count): removing what was never
-- added is HL005.
create or replace function private.adjust_provider_rating(p_provider_id uuid, p_count integer, p_sum integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  if p_count is null or p_sum is null then
    perform private.raise_error('HL230', 'count and sum are required');
  end if;
  update public.provider_profiles
     set rating_count = rating_count + p_count,
         rating_sum = rating_sum + p_sum,
         rating_avg = case when rating_count + p_count = 0 then 0
                           else pg_catalog.round((rating_sum + p_sum)::numeric / (rating_count + p_count), 2) end
   where id = p_provider_id
     and rating_count + p_count >= 0
     and rating_sum + p_sum between rating_count + p_count and 5 * (rating_count + p_count)
  returning * into v_provider;
  if not found then
    perform private.require_provider(p_provider_id);
    perform private.raise_error('HL005', pg_catalog.format('the provider has no such ratings to remove (%s ratings, %s stars)',
      p_count, p_sum));
  end if;
  return v_provider;
end;
$$;
comment on function private.adjust_provider_rating(uuid, integer, integer) is
  'Adds p_count ratings with p_sum stars in total to a provider''s rating_count/rating_sum/rating_avg (negative to remove '
  'them; reputation_score follows by trigger). HL220 unknown provider, HL005 when the totals would become impossible. '
  'Called by the trust module when reviews are published, hidden or restored.';

create or replace function private.record_provider_rating(p_provider_id uuid, p_stars integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_stars is null or not (p_stars between 1 and 5) then
    perform private.raise_error('HL230', pg_catalog.format('stars %s', coalesce(p_stars::text, 'null')));
  end if;
  return private.adjust_provider_rating(p_provider_id, 1, p_stars);
end;
$$;
comment on function private.record_provider_rating(uuid, integer) is
  'Adds one rating (1-5 stars) to a provider''s rating statistics (private.adjust_provider_rating).';

create or replace function private.remove_provider_rating(p_provider_id uuid, p_stars integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_stars is null or not (p_stars between 1 and 5) then
    perform private.raise_error('HL230', pg_catalog.format('stars %s', coalesce(p_stars::text, 'null')));
  end if;
  return private.adjust_provider_rating(p_provider_id, -1, -p_stars);
end;
$$;
comment on function private.remove_provider_rating(uuid, integer) is
  'Removes one rating (a hidden review) from a provider''s rating statistics (private.adjust_provider_rating).';

create or replace function private.record_completed_job(p_provider_id uuid)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  update public.provider_profiles set completed_jobs = completed_jobs + 1 where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.record_completed_job(uuid) is 'Counts one completed job for a provider (bookings: on completion).';

create or replace function private.record_provider_response(p_provider_id uuid, p_seconds integer)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_weight numeric := (private.setting('catalog.response_time_weight'))::numeric;
  v_provider public.provider_profiles;
begin
  if p_seconds is null or p_seconds < 0 then
    perform private.raise_error('HL004', 'response time is a non-negative number of seconds');
  end if;
  update public.provider_profiles
     set response_time_s = case when response_time_s is null then p_seconds
                                else pg_catalog.round(response_time_s * (1 - v_weight) + p_seconds * v_weight)::integer end
   where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.record_provider_response(uuid, integer) is
  'Folds one response time (seconds from request to the provider''s answer) into response_time_s (moving average, weight catalog.response_time_weight). Called by bookings (answer to a booking request) and jobs (first offer after a job notification).';

-- For recomputation from the source tables (operators, repairs): set the totals at once.
create or replace function private.set_provider_stats(
  p_provider_id uuid,
  p_rating_count integer,
  p_rating_sum integer,
  p_completed_jobs integer,
  p_response_time_s integer
)
returns public.provider_profiles
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.provider_profiles;
begin
  if p_rating_count is null or p_rating_sum is null or p_rating_count < 0
     or p_rating_sum < p_rating_count or p_rating_sum > 5 * p_rating_count then
    perform private.raise_error('HL230', pg_catalog.format('%s ratings with %s stars in total', p_rating_count, p_rating_sum));
  end if;
  if p_completed_jobs is null or p_completed_jobs < 0 or (p_response_time_s is not null and p_response_time_s < 0) then
    perform private.raise_error('HL004', 'counters are non-negative');
  end if;
  update public.provider_profiles
     set rating_count = p_rating_count,
         rating_sum = p_rating_sum,
         rating_avg = case when p_rating_count = 0 then 0 else pg_catalog.round(p_rating_sum::numeric / p_rating_count, 2) end,
         completed_jobs = p_completed_jobs,
         response_time_s = p_response_time_s
   where id = p_provider_id
  returning * into v_provider;
  if not found then
    perform private.raise_error('HL220', pg_catalog.format('provider %s', coalesce(p_provider_id::text, 'null')));
  end if;
  return v_provider;
end;
$$;
comment on function private.set_provider_stats(uuid, integer, integer, integer, integer) is
  'Sets a provider''s statistics from recomputed totals (rating count and star sum, completed jobs, response time).';

revoke all on function
  private.reputation_score(bigint, bigint),
  private.derive_provider_reputation(),
  private.adjust_provider_rating(uuid, integer, integer),
  private.record_provider_rating(uuid, integer),
  private.remove_provider_rating(uuid, integer),
  private.record_completed_job(uuid),
  private.record_provider_response(uuid, integer),
  private.set_provider_stats(uuid, integer, integer, integer, integer)
  from public, anon, authenticated, service_role;
grant execute on function
  private.adjust_provider_rating(uuid, integer, integer),
  private.record_provider_rating(uuid, integer),
  private.remove_provider_rating(uuid, integer),
  private.record_completed_job(uuid),
  private.record_provider_response(uuid, integer),
  private.set_provider_stats(uuid, integer, integer, integer, integer)
  to service_role;

------------------------------------------------------------------------------------------------
-- Records that point at a provider profile. Later modules whose rows must keep pointing at a
-- provider (bookings; job offers and the record of who was shown a job, whose foreign keys
-- cascade) register a check `(p_provider_id uuid) returns boolean` here. While any says true, the
-- profile cannot be deleted (HL005), and account deletion anonymises it instead.
------------------------------------------------------------------------------------------------
create table private.provider_reference_checks (
  handler text primary key,
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  description text not null
);
comment on table private.provider_reference_checks is
  'Checks (p_provider_id uuid) returns boolean that later modules register: true when their records point at the provider '
  'profile. private.provider_is_referenced asks them all.';

create or replace trigger provider_reference_checks_check_handler
  before insert or update on private.provider_reference_checks
  for each row execute function private.check_registry_handler('uuid', 'boolean');

create or replace function private.provider_is_referenced(p_provider_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_check record;
  v_referenced boolean;
begin
  for v_check in
    select n.nspname::text as nsp, p.proname::text as fn
      from private.provider_reference_checks c
      join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(c.handler)
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     order by c.handler
  loop
    execute pg_catalog.format('select %I.%I($1)', v_check.nsp, v_check.fn) into v_referenced using p_provider_id;
    if v_referenced then
      return true;
    end if;
  end loop;
  return false;
end;
$$;
comment on function private.provider_is_referenced(uuid) is
  'True when a check in private.provider_reference_checks finds records pointing at the provider profile (it must then be kept, not deleted).';
revoke all on function private.provider_is_referenced(uuid) from public, anon, authenticated, service_role;

create or replace function private.check_provider_profile_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.provider_is_referenced(old.id) then
    perform private.raise_error('HL005', 'records (bookings, offers, job matches) point at the provider profile', null,
      'Pause instead: set is_available to false and deactivate the listings. Deleting the account anonymises the profile.');
  end if;
  return old;
end;
$$;
comment on function private.check_provider_profile_delete() is
  'BEFORE DELETE on provider_profiles: HL005 while records point at it (private.provider_is_referenced).';

create or replace trigger provider_profiles_check_delete
  before delete on public.provider_profiles
  for each row execute function private.check_provider_profile_delete();

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 700). Buddies go (both ways); a provider profile nothing
-- points at is deleted; one that records point at is anonymised and kept.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_catalog(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- The user's buddies, and their place in others' buddy lists.
  delete from public.buddies b where b.user_id = p_user_id or b.buddy_id = p_user_id;
  perform 1 from public.provider_profiles p where p.id = p_user_id for update;
  if not found then
    return;
  end if;
  if not private.provider_is_referenced(p_user_id) then
    -- Nothing records this provider: the profile goes with its listings, availability, time off
    -- and certifications (cascade), and the account stops being a provider.
    delete from public.provider_profiles p where p.id = p_user_id;
    return;
  end if;

  -- Records point at it: keep the row (bookings, offers and ratings stay attributable) and
  -- remove what describes the person. Listings stay for bookings.listing_id, inactive and
  -- without media.
  update public.service_listings l
     set is_active = false, media_paths = '{}', cover_image_path = null
   where l.provider_id = p_user_id;
  delete from public.availability_rules r where r.provider_id = p_user_id;
  delete from public.provider_time_off t where t.provider_id = p_user_id;
  delete from public.provider_certifications c where c.provider_id = p_user_id;
  update public.provider_profiles p
     set display_name = 'Deleted provider',
         business_name = null,
         description = null,
         skills = '{}',
         is_available = false,
         business_id = null,
         deleted_at = coalesce(p.deleted_at, private.now())
   where p.id = p_user_id;
end;
$$;
comment on function private.delete_account_catalog(uuid) is
  'Account deletion (catalog, position 700). Deletes the user''s buddies and their rows in others'' buddy lists. A provider profile that no '
  'booking, job offer or job match points at is deleted outright (listings, availability, time off and certifications cascade; '
  'profiles.is_provider becomes false). Otherwise it is anonymised and kept for those records: display name "Deleted provider", '
  'business name, description and skills cleared, not available, detached from its business, deleted_at set (anonymised in catalog '
  'reads); its listings are deactivated without media or cover image; availability rules, time off and certifications are deleted. '
  'Ratings, counters and verification stay (they describe past work, not the person).';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_catalog(uuid)', 700, 'catalog',
   'Delete buddies (both ways); delete an unreferenced provider profile, else anonymise it, deactivate its listings (no media) and delete availability, time off and certifications.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
