-- Module: trust (reputation)
-- Rating count, sum, average and reputation score per user and role (customer, provider,
-- seller), maintained by the database only: a review counts once it is published and while
-- moderation does not hide it. Providers' numbers are also kept on the catalog's
-- provider_profiles (rating_count/rating_sum/rating_avg/reputation_score), which discovery and job
-- matching read; the catalog's private.adjust_provider_rating writes them.
--
-- Reputation score: a Bayesian average, (C * m + sum of stars) / (C + number of ratings), with the
-- prior mean m (reputation.prior_mean, 3.5) and weight C (reputation.prior_weight, 5) of the
-- settings: a user without ratings scores m, and one 5-star review (3.75) does not beat fifty
-- 4.8s (4.68). See docs/reviews.md.

create table public.user_reputation (
  user_id uuid not null references public.profiles (id) on delete cascade,
  role text not null check (role in ('customer', 'provider', 'seller')),
  rating_count integer not null default 0 check (rating_count >= 0),
  rating_sum integer not null default 0,
  rating_avg numeric(3, 2) not null default 0 check (rating_avg between 0 and 5),
  reputation_score numeric(5, 4) not null check (reputation_score between 0 and 5),
  updated_at timestamptz not null default now(),
  primary key (user_id, role),
  check (rating_sum between rating_count and 5 * rating_count)
);
comment on table public.user_reputation is
  'Public reputation per user and role (customer, provider, seller): published, visible reviews only. Written by the '
  'database only; readable by signed-in users. Providers'' numbers are also on provider_profiles.';
comment on column public.user_reputation.rating_avg is 'Average stars, 2 decimals.';
comment on column public.user_reputation.reputation_score is
  'Bayesian average (C * m + rating_sum) / (C + rating_count), settings reputation.prior_mean and reputation.prior_weight.';

alter table public.user_reputation enable row level security;
create policy "Reputation is public to signed-in users" on public.user_reputation
  for select to authenticated
  using (true);
revoke all on table public.user_reputation from anon, authenticated, service_role;
grant select on public.user_reputation to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Applying ratings
------------------------------------------------------------------------------------------------
-- Adds p_count ratings with p_sum stars (negative: removes them) to a user's reputation in a role,
-- and for providers to the catalog's provider profile.
create or replace function private.apply_reputation(p_user_id uuid, p_role text, p_count integer, p_sum integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_count = 0 and p_sum = 0 then
    return;
  end if;
  -- Update first: a removal must never be tried as an insert (the row's checks would refuse it
  -- before ON CONFLICT is considered).
  update public.user_reputation u
     set rating_count = u.rating_count + p_count,
         rating_sum = u.rating_sum + p_sum,
         rating_avg = case when u.rating_count + p_count = 0 then 0
                           else pg_catalog.round((u.rating_sum + p_sum)::numeric / (u.rating_count + p_count), 2) end,
         reputation_score = private.reputation_score(u.rating_sum + p_sum, u.rating_count + p_count),
         updated_at = private.now()
   where u.user_id = p_user_id and u.role = p_role;
  if not found then
    insert into public.user_reputation as u (user_id, role, rating_count, rating_sum, rating_avg, reputation_score, updated_at)
    values (p_user_id, p_role, p_count, p_sum,
            case when p_count = 0 then 0 else pg_catalog.round(p_sum::numeric / p_count, 2) end,
            private.reputation_score(p_sum, p_count), private.now())
    on conflict (user_id, role) do update
      set rating_count = u.rating_count + p_count,
          rating_sum = u.rating_sum + p_sum,
          rating_avg = case when u.rating_count + p_count = 0 then 0
                            else pg_catalog.round((u.rating_sum + p_sum)::numeric / (u.rating_count + p_count), 2) end,
          reputation_score = private.reputation_score(u.rating_sum + p_sum, u.rating_count + p_count),
          updated_at = private.now();
  end if;
  if p_role = 'provider' then
    perform private.adjust_provider_rating(p_user_id, p_count, p_sum);
  end if;
end;
$$;
comment on function private.apply_reputation(uuid, text, integer, integer) is
  'Adds (negative: removes) p_count ratings with p_sum stars to user_reputation (user, role) and, for the provider role, '
  'to the catalog''s provider_profiles (private.adjust_provider_rating); impossible totals raise (check constraint, HL005).';
revoke all on function private.apply_reputation(uuid, text, integer, integer) from public, anon, authenticated, service_role;

-- Publishes the given reviews that are not published yet: visible from now, counted in ratings
-- unless hidden, and the reviewee is notified. Returns how many were published.
create or replace function private.publish_reviews(p_ids uuid[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_rows public.reviews[];
  v_agg record;
begin
  with published as (
    update public.reviews r
       set published_at = v_now
     where r.id = any (p_ids) and r.published_at is null
    returning r as review)
  select pg_catalog.array_agg(p.review) into v_rows from published p;
  if v_rows is null then
    return 0;
  end if;
  -- One update per reviewee and role, in a fixed order (concurrent batches lock alike).
  for v_agg in
    select r.reviewee_id, r.reviewee_role, count(*)::integer as n, sum(r.rating)::integer as stars
      from pg_catalog.unnest(v_rows) r
     where r.hidden_at is null
     group by r.reviewee_id, r.reviewee_role
     order by r.reviewee_id, r.reviewee_role
  loop
    perform private.apply_reputation(v_agg.reviewee_id, v_agg.reviewee_role, v_agg.n, v_agg.stars);
  end loop;
  perform private.notify(r.reviewee_id, 'review.published', pg_catalog.jsonb_build_object(
            'trade_kind', r.trade_kind, 'trade_id', r.trade_id, 'review_id', r.id, 'rating', r.rating))
     from pg_catalog.unnest(v_rows) r
    where r.hidden_at is null;
  return pg_catalog.cardinality(v_rows);
end;
$$;
comment on function private.publish_reviews(uuid[]) is
  'Publishes the unpublished reviews among p_ids: published_at = now, their stars added to the reviewees'' reputation '
  '(unless hidden by moderation), review.published to each reviewee. Returns how many were published.';
revoke all on function private.publish_reviews(uuid[]) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Moderation (the moderation module registers reviews as a report target with these two)
------------------------------------------------------------------------------------------------
create or replace function private.review_author(p_review_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select r.author_id from public.reviews r where r.id = p_review_id;
$$;
comment on function private.review_author(uuid) is
  'The author of a review (the user responsible for its content); null when the review does not exist or its author''s '
  'account was deleted.';
revoke all on function private.review_author(uuid) from public, anon, authenticated, service_role;

create or replace function private.set_review_hidden(p_review_id uuid, p_hidden boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_review public.reviews;
  v_now timestamptz := private.now();
begin
  if p_hidden is null then
    perform private.raise_error('HL004', 'p_hidden is true (hide) or false (restore)');
  end if;
  select * into v_review from public.reviews r where r.id = p_review_id for update;
  if not found then
    perform private.raise_error('HL717', pg_catalog.format('review %s', coalesce(p_review_id::text, 'null')));
  end if;
  if p_hidden and v_review.hidden_at is null then
    update public.reviews set hidden_at = v_now where id = p_review_id;
    if v_review.published_at is not null then
      perform private.apply_reputation(v_review.reviewee_id, v_review.reviewee_role, -1, -v_review.rating);
    end if;
    perform private.audit('review.hidden', 'review', p_review_id::text,
      pg_catalog.jsonb_build_object('hidden_at', null, 'published_at', v_review.published_at, 'rating', v_review.rating),
      pg_catalog.jsonb_build_object('hidden_at', v_now, 'published_at', v_review.published_at, 'rating', v_review.rating));
  elsif not p_hidden and v_review.hidden_at is not null then
    update public.reviews set hidden_at = null where id = p_review_id;
    if v_review.published_at is not null then
      perform private.apply_reputation(v_review.reviewee_id, v_review.reviewee_role, 1, v_review.rating);
    end if;
    perform private.audit('review.restored', 'review', p_review_id::text,
      pg_catalog.jsonb_build_object('hidden_at', v_review.hidden_at, 'published_at', v_review.published_at, 'rating', v_review.rating),
      pg_catalog.jsonb_build_object('hidden_at', null, 'published_at', v_review.published_at, 'rating', v_review.rating));
  end if;
end;
$$;
comment on function private.set_review_hidden(uuid, boolean) is
  'Hides (true) or restores (false) a review for moderation, idempotently: a hidden review is invisible to everyone but '
  'its author and moderators and, once published, leaves the reviewee''s rating average and score (restoring adds it '
  'back). Audited as review.hidden / review.restored. HL717 unknown review.';
revoke all on function private.set_review_hidden(uuid, boolean) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Repairs: scores after a change of the prior, totals from the reviews
------------------------------------------------------------------------------------------------
create or replace function private.refresh_reputation_scores()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_n integer;
  v_m integer;
begin
  update public.provider_profiles p
     set reputation_score = private.reputation_score(p.rating_sum, p.rating_count)
   where p.reputation_score <> private.reputation_score(p.rating_sum, p.rating_count);
  get diagnostics v_n = row_count;
  update public.user_reputation u
     set reputation_score = private.reputation_score(u.rating_sum, u.rating_count), updated_at = private.now()
   where u.reputation_score <> private.reputation_score(u.rating_sum, u.rating_count);
  get diagnostics v_m = row_count;
  return v_n + v_m;
end;
$$;
comment on function private.refresh_reputation_scores() is
  'Re-derives every reputation_score (provider_profiles, user_reputation) after reputation.prior_mean or '
  'reputation.prior_weight changed; returns the rows changed. Run as postgres (Studio).';
revoke all on function private.refresh_reputation_scores() from public, anon, authenticated, service_role;

-- The reviews are the source of truth: rebuilds user_reputation and the providers' rating totals
-- from published, visible reviews. Returns the rows corrected (0 when everything agreed).
create or replace function private.recompute_reputation()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_fixed integer := 0;
  v_n integer;
begin
  delete from public.user_reputation u
   where u.rating_count > 0
     and not exists (select 1 from public.reviews r
                      where r.reviewee_id = u.user_id and r.reviewee_role = u.role
                        and r.published_at is not null and r.hidden_at is null);
  get diagnostics v_n = row_count;
  v_fixed := v_fixed + v_n;

  insert into public.user_reputation as u (user_id, role, rating_count, rating_sum, rating_avg, reputation_score, updated_at)
  select t.user_id, t.role, t.n, t.stars, pg_catalog.round(t.stars::numeric / t.n, 2),
         private.reputation_score(t.stars, t.n), private.now()
    from (select r.reviewee_id as user_id, r.reviewee_role as role, count(*)::integer as n, sum(r.rating)::integer as stars
            from public.reviews r
           where r.published_at is not null and r.hidden_at is null
           group by r.reviewee_id, r.reviewee_role) t
  on conflict (user_id, role) do update
    set rating_count = excluded.rating_count, rating_sum = excluded.rating_sum, rating_avg = excluded.rating_avg,
        reputation_score = excluded.reputation_score, updated_at = excluded.updated_at
    where (u.rating_count, u.rating_sum, u.rating_avg, u.reputation_score)
          is distinct from (excluded.rating_count, excluded.rating_sum, excluded.rating_avg, excluded.reputation_score);
  get diagnostics v_n = row_count;
  v_fixed := v_fixed + v_n;

  update public.provider_profiles p
     set rating_count = t.n,
         rating_sum = t.stars,
         rating_avg = case when t.n = 0 then 0 else pg_catalog.round(t.stars::numeric / t.n, 2) end
    from (select pp.id, count(r.id)::integer as n, coalesce(sum(r.rating), 0)::integer as stars
            from public.provider_profiles pp
            left join public.reviews r on r.reviewee_id = pp.id and r.reviewee_role = 'provider'
                                      and r.published_at is not null and r.hidden_at is null
           group by pp.id) t
   where p.id = t.id
     and (p.rating_count, p.rating_sum) is distinct from (t.n, t.stars);
  get diagnostics v_n = row_count;
  return v_fixed + v_n;
end;
$$;
comment on function private.recompute_reputation() is
  'Rebuilds user_reputation and the providers'' rating_count/rating_sum/rating_avg (reputation_score follows) from the '
  'published, visible reviews; returns the rows corrected (0 when all agreed). A repair for operators (Studio).';
revoke all on function private.recompute_reputation() from public, anon, authenticated, service_role;
