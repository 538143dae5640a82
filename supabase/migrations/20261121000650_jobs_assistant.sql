-- Module: jobs (assistant)
-- What the `assistant` edge function reads from the database to turn a free-text job description
-- into a draft job (docs/jobs.md, "Assistant"):
--
--   private.category_keywords   words (en, ar) that point at a category, beside its names;
--                               operators edit them in Studio, the seed fills the demo catalog
--   public.assistant_catalog()  the active service categories with names, keywords and the typical
--                               duration of their listings; each call counts one assistant request
--                               against the caller's rate limit (rate_limit.assistant)
--   public.assistant_estimate() percentile statistics of completed bookings' prices and durations
--                               in a category near a point, falling back to a wider area, the
--                               whole category and then listing prices when data is thin; the
--                               basis and the sample size are reported
--
-- Only aggregates of at least `min_sample` bookings leave the database: nobody reads another
-- customer's booking price through the assistant.

------------------------------------------------------------------------------------------------
-- Error codes (HL34x)
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL340', 'invalid_job_description', 400, 'Describe the job in 3 to 2000 characters.',
   'Send `description` as text with at least 3 letters and at most 2000 characters.'),
  ('HL341', 'unsupported_assistant_locale', 400, 'The assistant understands English (en) and Arabic (ar).',
   'Send `locale` as "en" or "ar" (a region such as "ar-AE" is accepted), or leave it out to detect the language.'),
  ('HL342', 'no_category_match', 422, 'No service category matches this description.',
   'Describe the work in more detail (what needs doing, to what), or choose a category yourself.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------
insert into private.settings (key, value, description) values
  ('jobs.assistant',
   '{"radius_m": 10000, "wide_radius_m": 50000, "min_sample": 3, "lookback_days": 365}',
   'Assistant budget estimate: completed bookings within radius_m of the job, else wide_radius_m, else the whole '
   'category (each needs min_sample bookings completed in the last lookback_days), else listing prices.'),
  ('rate_limit.assistant', '{"limit": 30, "window": "1 hour"}',
   'Assistant requests a user may make per sliding window (counted by assistant_catalog).'),
  ('rate_limit.assistant_estimate', '{"limit": 120, "window": "1 hour"}',
   'Budget estimates a user may ask for per sliding window (assistant_estimate).')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Keywords per category and language
------------------------------------------------------------------------------------------------
create table private.category_keywords (
  category_id uuid not null references public.categories (id) on delete cascade,
  locale text not null check (locale in ('en', 'ar')),
  keyword text not null check (char_length(keyword) between 2 and 60 and keyword = pg_catalog.lower(keyword)),
  primary key (category_id, locale, keyword)
);
comment on table private.category_keywords is
  'Words and short phrases (lower case, en or ar) that point at a category, beside its names and slug: what the '
  'assistant''s heuristic matches job descriptions against. Edited by operators (Studio); the seed fills the demo catalog.';

revoke all on table private.category_keywords from public, anon, authenticated, service_role;
grant select, insert, update, delete on table private.category_keywords to service_role;

------------------------------------------------------------------------------------------------
-- The catalog as the assistant sees it
------------------------------------------------------------------------------------------------
create or replace function public.assistant_catalog()
returns table (
  id uuid,
  parent_id uuid,
  slug text,
  names jsonb,
  keywords jsonb,
  typical_minutes integer,
  is_leaf boolean
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  perform private.rate_limit('assistant', v_uid::text);
  return query
    select c.id, c.parent_id, c.slug, c.names,
           pg_catalog.jsonb_build_object(
             'en', coalesce((select pg_catalog.jsonb_agg(k.keyword order by k.keyword) from private.category_keywords k
                              where k.category_id = c.id and k.locale = 'en'), '[]'::jsonb),
             'ar', coalesce((select pg_catalog.jsonb_agg(k.keyword order by k.keyword) from private.category_keywords k
                              where k.category_id = c.id and k.locale = 'ar'), '[]'::jsonb)),
           (select (pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (order by l.duration_minutes) / 5) * 5)::integer
              from public.service_listings l
              join public.categories lc on lc.id = l.category_id
             where l.is_active and lc.path_ids @> array[c.id]),
           not exists (select 1 from public.categories ch where ch.parent_id = c.id and ch.is_active)
      from public.categories c
     where c.is_active and c.kind = 'service'
     order by c.path_ids[1], pg_catalog.cardinality(c.path_ids), c.sort_order, c.slug;
end;
$$;
comment on function public.assistant_catalog() is
  'The active service categories for the assistant: id, parent_id, slug, names, keywords {"en": [...], "ar": [...]}, '
  'typical_minutes (median duration of the active listings in the category and its subcategories, to 5 minutes) and '
  'is_leaf. Signed-in users only (HL001); each call counts one request against rate_limit.assistant (HL006).';

------------------------------------------------------------------------------------------------
-- Budget and duration from completed bookings
------------------------------------------------------------------------------------------------
-- Completed bookings of a category (and its subcategories), with where they took place (the
-- booking's exact point, else the provider's base) and their booked minutes. A booking's category
-- is its listing's, or the job's it was accepted from.
create or replace function private.assistant_completed_bookings(p_category_id uuid, p_since timestamptz)
returns table (price bigint, currency char(3), minutes integer, place extensions.geography)
language sql
stable
security definer
set search_path = ''
as $$
  select b.price, b.currency,
         (extract(epoch from (upper(b.period) - lower(b.period))) / 60)::integer,
         coalesce(s.location, p.base_location)
    from public.bookings b
    join public.provider_profiles p on p.id = b.provider_id
    left join private.booking_secrets s on s.booking_id = b.id
    left join public.service_listings l on l.id = b.listing_id
    left join public.job_requests j on j.booking_id = b.id
    join public.categories c on c.id = coalesce(l.category_id, j.category_id)
   where b.status = 'completed'
     and b.completed_at >= p_since
     and c.path_ids @> array[p_category_id];
$$;
comment on function private.assistant_completed_bookings(uuid, timestamptz) is
  'Completed bookings (since p_since) of a category and its subcategories: price, currency, booked minutes and place '
  '(the booking''s point, else the provider''s base). The category is the listing''s, else the job''s the booking came from.';

create or replace function public.assistant_estimate(
  p_category_id uuid,
  p_lat double precision default null,
  p_lng double precision default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_conf jsonb := private.setting('jobs.assistant');
  v_radius integer := (v_conf ->> 'radius_m')::integer;
  v_wide integer := (v_conf ->> 'wide_radius_m')::integer;
  v_min integer := (v_conf ->> 'min_sample')::integer;
  v_since timestamptz := private.now() - ((v_conf ->> 'lookback_days')::integer * interval '1 day');
  v_point extensions.geography;
  v_tier record;
  v_stats record;
begin
  if p_category_id is null or not exists (select 1 from public.categories c where c.id = p_category_id) then
    perform private.raise_error('HL208', pg_catalog.format('category %s', p_category_id));
  end if;
  if not exists (select 1 from public.categories c where c.id = p_category_id and c.is_active and c.kind = 'service') then
    perform private.raise_error('HL209', pg_catalog.format('category %s', p_category_id));
  end if;
  if (p_lat is null) <> (p_lng is null) then
    perform private.raise_error('HL008');
  end if;
  if p_lat is not null then
    v_point := private.make_point(p_lat, p_lng);
  end if;
  perform private.rate_limit('assistant_estimate', v_uid::text);

  -- Completed bookings, nearest tier first: within radius_m, within wide_radius_m, anywhere.
  -- Within a tier the statistics use the currency most of its bookings were paid in.
  for v_tier in
    select t.basis, t.radius_m
      from (values (1, 'nearby', v_radius), (2, 'wide_area', v_wide), (3, 'category', null::integer)) t (n, basis, radius_m)
     where t.radius_m is null or v_point is not null
     order by t.n
  loop
    select x.currency, pg_catalog.count(*)::integer as n,
           pg_catalog.round(pg_catalog.percentile_cont(0.25) within group (order by x.price))::bigint as p25,
           pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (order by x.price))::bigint as p50,
           pg_catalog.round(pg_catalog.percentile_cont(0.75) within group (order by x.price))::bigint as p75,
           (pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (order by x.minutes) / 5) * 5)::integer as minutes
      into v_stats
      from private.assistant_completed_bookings(p_category_id, v_since) x
     where v_tier.radius_m is null or extensions.st_dwithin(x.place, v_point, v_tier.radius_m)
     group by x.currency
     order by pg_catalog.count(*) desc, x.currency
     limit 1;
    if found and v_stats.n >= v_min then
      return pg_catalog.jsonb_build_object(
        'category_id', p_category_id, 'basis', v_tier.basis, 'radius_m', v_tier.radius_m,
        'sample_size', v_stats.n, 'currency', v_stats.currency,
        'budget_min', v_stats.p25, 'budget_median', v_stats.p50, 'budget_max', v_stats.p75,
        'duration_minutes', greatest(v_stats.minutes, 5));
    end if;
  end loop;

  -- Too few bookings anywhere: the prices of the category's active, priced listings.
  select l.currency, pg_catalog.count(*)::integer as n,
         pg_catalog.round(pg_catalog.percentile_cont(0.25) within group (order by l.base_price))::bigint as p25,
         pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (order by l.base_price))::bigint as p50,
         pg_catalog.round(pg_catalog.percentile_cont(0.75) within group (order by l.base_price))::bigint as p75,
         (pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (order by l.duration_minutes) / 5) * 5)::integer as minutes
    into v_stats
    from public.service_listings l
    join public.categories c on c.id = l.category_id
    join public.provider_profiles p on p.id = l.provider_id
   where l.is_active and l.pricing_unit <> 'quote' and l.base_price > 0 and p.deleted_at is null
     and c.path_ids @> array[p_category_id]
   group by l.currency
   order by pg_catalog.count(*) desc, l.currency
   limit 1;
  if found then
    return pg_catalog.jsonb_build_object(
      'category_id', p_category_id, 'basis', 'listings', 'radius_m', null,
      'sample_size', v_stats.n, 'currency', v_stats.currency,
      'budget_min', v_stats.p25, 'budget_median', v_stats.p50, 'budget_max', v_stats.p75,
      'duration_minutes', greatest(v_stats.minutes, 5));
  end if;

  return pg_catalog.jsonb_build_object(
    'category_id', p_category_id, 'basis', 'none', 'radius_m', null, 'sample_size', 0, 'currency', null,
    'budget_min', null, 'budget_median', null, 'budget_max', null, 'duration_minutes', null);
end;
$$;
comment on function public.assistant_estimate(uuid, double precision, double precision) is
  'Budget and duration for a job in a category (and its subcategories) near an optional point: the 25th, 50th and 75th '
  'percentiles of completed bookings'' prices and their median booked minutes, from bookings within jobs.assistant '
  'radius_m, else wide_radius_m, else anywhere (each tier needs min_sample bookings completed in the last lookback_days; '
  'prices in the tier''s most common currency), else from active listing prices. Returns {category_id, basis: nearby | '
  'wide_area | category | listings | none, radius_m, sample_size, currency, budget_min, budget_median, budget_max, '
  'duration_minutes}. Errors: HL001, HL208, HL209, HL008, HL200, HL201, HL006 (rate_limit.assistant_estimate).';

revoke all on function
  public.assistant_catalog(),
  private.assistant_completed_bookings(uuid, timestamptz),
  public.assistant_estimate(uuid, double precision, double precision)
  from public, anon, authenticated, service_role;
grant execute on function
  public.assistant_catalog(),
  public.assistant_estimate(uuid, double precision, double precision)
  to authenticated;
