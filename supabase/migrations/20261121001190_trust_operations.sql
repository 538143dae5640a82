-- Module: trust (operations: marketplace metrics, operator views, acting as an operator in SQL)
-- Operators read the marketplace through security_invoker views in public (granted to
-- authenticated and service_role; the rows come from tables whose RLS lets only operators with
-- metrics.read see them), and act through the modules' RPCs, guarded by their permissions. In
-- Studio's SQL editor (as postgres) private.act_as_operator(<operator id>) gives the rest of the
-- transaction that operator's identity, so the same RPCs and the same policies apply there.
--
-- Metrics are daily aggregates (UTC days) kept in private tables: reading them costs the same at
-- any marketplace size. Row triggers on bookings, payments, jobs and offers only queue the days
-- a change affects (private.metrics_queue, an append-only queue: no row is shared between
-- writers, so no booking waits for another); pg_cron recomputes the queued days every minute
-- (private.refresh_marketplace_metrics), and operators can refresh at once
-- (public.refresh_marketplace_metrics). Definitions: docs/operations.md.

insert into public.role_permissions (role, permission) values
  ('admin', 'metrics.read'),
  ('support', 'metrics.read')
on conflict do nothing;

insert into private.settings (key, value, description) values
  ('metrics.refresh_max_days', '120',
   'Days one run of private.refresh_marketplace_metrics recomputes at most; the rest stay queued for the next run.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Indexes the per-day recomputation reads by (the owners' tables are not changed otherwise).
------------------------------------------------------------------------------------------------
create index bookings_created_at_idx on public.bookings (created_at);
create index bookings_completed_at_idx on public.bookings (completed_at) where completed_at is not null;
create index job_requests_created_at_idx on public.job_requests (created_at);

------------------------------------------------------------------------------------------------
-- The aggregates.
------------------------------------------------------------------------------------------------
create table private.metrics_queue (
  id bigint generated always as identity primary key,
  day date not null,
  queued_at timestamptz not null default now()
);
comment on table private.metrics_queue is
  'Days whose metrics must be recomputed (one row per change, duplicates allowed: inserting never waits for another writer). '
  'Emptied by private.refresh_marketplace_metrics.';

create table private.marketplace_daily (
  day date not null,
  currency char(3) not null,
  bookings_created integer not null default 0,
  bookings_completed integer not null default 0,
  gmv bigint not null default 0,
  platform_revenue bigint not null default 0,
  refunded bigint not null default 0,
  tips bigint not null default 0,
  completing_customers integer not null default 0,
  repeat_customers integer not null default 0,
  jobs_posted integer not null default 0,
  jobs_with_offers integer not null default 0,
  jobs_booked integer not null default 0,
  refreshed_at timestamptz not null default now(),
  primary key (day, currency)
);
comment on table private.marketplace_daily is
  'Per UTC day and currency: bookings created and completed, GMV, platform revenue, refunds, tips, completing and repeat '
  'customers, jobs posted / with offers / booked. Recomputed per day by private.refresh_marketplace_metrics.';

create table private.marketplace_bookings_by_status (
  day date not null,
  currency char(3) not null,
  status text not null,
  bookings integer not null,
  value bigint not null,
  primary key (day, currency, status)
);
comment on table private.marketplace_bookings_by_status is
  'Bookings created on a UTC day, by currency and current status: count and summed price.';

create table private.marketplace_provider_activity (
  provider_id uuid primary key,
  area text not null,
  region_code text,
  last_completed_at timestamptz not null
);
comment on table private.marketplace_provider_activity is
  'Per provider who completed a booking: the area (geohash of 5 characters, about 4.9 x 4.9 km, of the base location), '
  'the money region there and the last completion. Read by public.marketplace_active_providers.';
create index marketplace_provider_activity_last_idx on private.marketplace_provider_activity (last_completed_at, area);

create table private.marketplace_active_areas (
  area text primary key,
  region_code text,
  active_7d integer not null,
  active_30d integer not null,
  computed_at timestamptz not null
);
comment on table private.marketplace_active_areas is
  'Active providers (a completion in the last 7 / 30 days) per area, counted from marketplace_provider_activity by '
  'private.compute_active_areas at each refresh run. Read by public.marketplace_active_providers.';

------------------------------------------------------------------------------------------------
-- Queueing the days a change affects.
------------------------------------------------------------------------------------------------
create or replace function private.metrics_day(p_at timestamptz)
returns date
language sql
immutable
set search_path = ''
as $$
  select (p_at at time zone 'UTC')::date;
$$;
comment on function private.metrics_day(timestamptz) is 'The UTC day metrics count a moment in.';

create or replace function private.queue_metrics_booking()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.metrics_queue (day)
  select distinct d from (values (private.metrics_day(new.created_at)), (private.metrics_day(new.completed_at)),
                                 (case when tg_op = 'UPDATE' then private.metrics_day(old.completed_at) end)) v (d)
   where d is not null;
  return null;
end;
$$;
comment on function private.queue_metrics_booking() is
  'AFTER INSERT/UPDATE on bookings: queues the booking''s creation and completion days (before and after) for the metrics.';

create or replace function private.queue_metrics_payment()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.metrics_queue (day)
  select private.metrics_day(b.completed_at) from public.bookings b
   where b.id = new.booking_id and b.completed_at is not null;
  return null;
end;
$$;
comment on function private.queue_metrics_payment() is
  'AFTER UPDATE of the captured or refunded amount on payments: queues the completion day of the payment''s booking.';

create or replace function private.queue_metrics_job()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.metrics_queue (day) values (private.metrics_day(new.created_at));
  return null;
end;
$$;
comment on function private.queue_metrics_job() is 'AFTER INSERT/UPDATE on job_requests: queues the day the job was posted.';

create or replace function private.queue_metrics_offer()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.metrics_queue (day)
  select private.metrics_day(j.created_at) from public.job_requests j where j.id = new.job_id;
  return null;
end;
$$;
comment on function private.queue_metrics_offer() is 'AFTER INSERT on job_offers: queues the day the offer''s job was posted.';

create or replace trigger bookings_queue_metrics_insert
  after insert on public.bookings
  for each row execute function private.queue_metrics_booking();
create or replace trigger bookings_queue_metrics_update
  after update of status, completed_at, price on public.bookings
  for each row
  when (old.status is distinct from new.status or old.completed_at is distinct from new.completed_at
        or old.price is distinct from new.price)
  execute function private.queue_metrics_booking();
create or replace trigger payments_queue_metrics
  after update of amount_captured, amount_refunded on public.payments
  for each row
  when (old.amount_captured is distinct from new.amount_captured or old.amount_refunded is distinct from new.amount_refunded)
  execute function private.queue_metrics_payment();
create or replace trigger job_requests_queue_metrics_insert
  after insert on public.job_requests
  for each row execute function private.queue_metrics_job();
create or replace trigger job_requests_queue_metrics_update
  after update of status, booking_id on public.job_requests
  for each row
  when (old.status is distinct from new.status or old.booking_id is distinct from new.booking_id)
  execute function private.queue_metrics_job();
create or replace trigger job_offers_queue_metrics
  after insert on public.job_offers
  for each row execute function private.queue_metrics_offer();

------------------------------------------------------------------------------------------------
-- Recomputing a day.
------------------------------------------------------------------------------------------------
create or replace function private.compute_marketplace_day(p_day date)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_from timestamptz := p_day::timestamp at time zone 'UTC';
  v_to timestamptz := (p_day + 1)::timestamp at time zone 'UTC';
begin
  delete from private.marketplace_daily where day = p_day;
  delete from private.marketplace_bookings_by_status where day = p_day;

  insert into private.marketplace_bookings_by_status (day, currency, status, bookings, value)
  select p_day, b.currency, b.status, pg_catalog.count(*), coalesce(pg_catalog.sum(b.price), 0)
    from public.bookings b
   where b.created_at >= v_from and b.created_at < v_to
   group by b.currency, b.status;

  with created as (
    select s.currency, pg_catalog.sum(s.bookings)::integer as n
      from private.marketplace_bookings_by_status s where s.day = p_day group by s.currency
  ),
  done as (
    select b.id, b.currency, b.customer_id, b.completed_at
      from public.bookings b
     where b.completed_at >= v_from and b.completed_at < v_to
       and b.status in ('completed', 'disputed', 'resolved')
  ),
  money as (
    select d.currency,
           coalesce(pg_catalog.sum(p.amount_captured - p.amount_refunded) filter (where p.kind = 'booking'), 0) as gmv,
           -- private.release_amounts's platform share; inlined for the usual case (nothing refunded).
           coalesce(pg_catalog.sum(case
             when p.amount_captured - p.amount_refunded >= (coalesce(p.settlement, p.breakdown) ->> 'customer_total')::bigint
               then p.amount_captured - p.amount_refunded - (coalesce(p.settlement, p.breakdown) ->> 'provider_payout')::bigint
                    - (coalesce(p.settlement, p.breakdown) ->> 'tax')::bigint
             else (private.release_amounts(p) ->> 'platform_revenue')::bigint end)
                      filter (where p.kind = 'booking' and p.amount_captured > 0), 0) as platform_revenue,
           coalesce(pg_catalog.sum(p.amount_refunded), 0) as refunded,
           coalesce(pg_catalog.sum(p.amount_captured - p.amount_refunded) filter (where p.kind = 'tip'), 0) as tips
      from done d join public.payments p on p.booking_id = d.id
     group by d.currency
  ),
  customers as (
    select c.currency, pg_catalog.count(*) as completing,
           pg_catalog.count(*) filter (where exists (
             select 1 from public.bookings e
              where e.customer_id = c.customer_id and e.completed_at < v_from
                and e.status in ('completed', 'disputed', 'resolved'))) as repeating
      from (select distinct d.currency, d.customer_id from done d) c
     group by c.currency
  ),
  completions as (
    select d.currency, pg_catalog.count(*) as n from done d group by d.currency
  ),
  jobs as (
    select j.currency, pg_catalog.count(*) as posted,
           pg_catalog.count(*) filter (where exists (select 1 from public.job_offers o where o.job_id = j.id)) as with_offers,
           pg_catalog.count(*) filter (where j.booking_id is not null) as booked
      from public.job_requests j
     where j.created_at >= v_from and j.created_at < v_to
     group by j.currency
  ),
  currencies as (
    select currency from created union select currency from completions union select currency from jobs
  )
  insert into private.marketplace_daily (day, currency, bookings_created, bookings_completed, gmv, platform_revenue, refunded,
                                         tips, completing_customers, repeat_customers, jobs_posted, jobs_with_offers,
                                         jobs_booked, refreshed_at)
  select p_day, c.currency, coalesce(cr.n, 0), coalesce(co.n, 0), coalesce(m.gmv, 0), coalesce(m.platform_revenue, 0),
         coalesce(m.refunded, 0), coalesce(m.tips, 0), coalesce(cu.completing, 0), coalesce(cu.repeating, 0),
         coalesce(j.posted, 0), coalesce(j.with_offers, 0), coalesce(j.booked, 0), pg_catalog.clock_timestamp()
    from currencies c
    left join created cr on cr.currency = c.currency
    left join completions co on co.currency = c.currency
    left join money m on m.currency = c.currency
    left join customers cu on cu.currency = c.currency
    left join jobs j on j.currency = c.currency;

  -- Providers who completed a booking that day: their area and last completion.
  insert into private.marketplace_provider_activity as a (provider_id, area, region_code, last_completed_at)
  select l.provider_id,
         extensions.st_geohash(pp.base_location::extensions.geometry, 5),
         (private.money_region_at(pp.base_location)).code,
         l.last_at
    from (select b.provider_id, pg_catalog.max(b.completed_at) as last_at
            from public.bookings b
           where b.completed_at >= v_from and b.completed_at < v_to
             and b.status in ('completed', 'disputed', 'resolved')
           group by b.provider_id) l
    join public.provider_profiles pp on pp.id = l.provider_id
  on conflict (provider_id) do update
    set area = excluded.area, region_code = excluded.region_code,
        last_completed_at = greatest(a.last_completed_at, excluded.last_completed_at);
end;
$$;
comment on function private.compute_marketplace_day(date) is
  'Recomputes one UTC day of the marketplace metrics from bookings, payments, jobs and offers (docs/operations.md, Metrics).';

-- The active providers per area, as of now (the windows move with the clock, so every refresh run
-- that found changes recomputes them, and at least every 10 minutes).
create or replace function private.compute_active_areas()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_n integer;
begin
  delete from private.marketplace_active_areas where area is not null;
  insert into private.marketplace_active_areas (area, region_code, active_7d, active_30d, computed_at)
  select a.area, pg_catalog.min(a.region_code),
         pg_catalog.count(*) filter (where a.last_completed_at >= v_now - interval '7 days'),
         pg_catalog.count(*), pg_catalog.clock_timestamp()
    from private.marketplace_provider_activity a
   where a.last_completed_at >= v_now - interval '30 days'
   group by a.area;
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;
comment on function private.compute_active_areas() is
  'Recounts the active providers (7 and 30 days) per area from marketplace_provider_activity; returns the number of areas.';

create or replace function private.refresh_marketplace_metrics()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_days date[];
  v_day date;
  v_max integer := coalesce(private.setting('metrics.refresh_max_days')::integer, 120);
  v_started timestamptz := pg_catalog.clock_timestamp();
begin
  -- One run at a time (pg_cron, an operator's refresh); a second caller returns at once.
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('hyperlocal.refresh_marketplace_metrics')) then
    return pg_catalog.jsonb_build_object('days', 0, 'skipped', 'another refresh is running');
  end if;
  with taken as (
    delete from private.metrics_queue q
     where q.day in (select distinct q2.day from private.metrics_queue q2 order by q2.day desc limit v_max)
    returning q.day
  )
  select pg_catalog.array_agg(distinct t.day order by t.day) into v_days from taken t;
  foreach v_day in array coalesce(v_days, '{}') loop
    perform private.compute_marketplace_day(v_day);
  end loop;
  if v_days is not null or coalesce((select pg_catalog.max(a.computed_at) from private.marketplace_active_areas a), '-infinity')
                           < pg_catalog.clock_timestamp() - interval '10 minutes' then
    perform private.compute_active_areas();
  end if;
  return pg_catalog.jsonb_build_object(
    'days', coalesce(pg_catalog.cardinality(v_days), 0),
    'first_day', v_days[1], 'last_day', v_days[pg_catalog.cardinality(v_days)],
    'queued', (select pg_catalog.count(distinct q.day) from private.metrics_queue q),
    'ms', pg_catalog.round(extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000));
end;
$$;
comment on function private.refresh_marketplace_metrics() is
  'Recomputes the queued days (at most metrics.refresh_max_days, newest first; the rest stay queued), then the active '
  'providers per area (when days changed, else every 10 minutes). pg_cron runs it every minute '
  '(hyperlocal-marketplace-metrics). Returns {days, first_day, last_day, queued, ms}.';

-- Every day that has data, queued again (after a bulk load that skipped the triggers, or a change
-- of definitions).
create or replace function private.rebuild_marketplace_metrics()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_n integer;
begin
  insert into private.metrics_queue (day)
  select d from (
    select distinct private.metrics_day(b.created_at) as d from public.bookings b
    union
    select distinct private.metrics_day(b.completed_at) from public.bookings b where b.completed_at is not null
    union
    select distinct private.metrics_day(j.created_at) from public.job_requests j
  ) days;
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;
comment on function private.rebuild_marketplace_metrics() is
  'Queues every day that has bookings, completions or jobs (after a bulk load that bypassed the triggers); returns how many.';

create or replace function public.refresh_marketplace_metrics()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_permission('metrics.read');
  return private.refresh_marketplace_metrics();
end;
$$;
comment on function public.refresh_marketplace_metrics() is
  'Operators (metrics.read): recomputes the metrics of the days changed since the last run now instead of at pg_cron''s next '
  'minute. Returns {days, first_day, last_day, queued, ms}. HL001, HL002.';

revoke all on function
  private.metrics_day(timestamptz),
  private.queue_metrics_booking(),
  private.queue_metrics_payment(),
  private.queue_metrics_job(),
  private.queue_metrics_offer(),
  private.compute_marketplace_day(date),
  private.compute_active_areas(),
  private.refresh_marketplace_metrics(),
  private.rebuild_marketplace_metrics(),
  public.refresh_marketplace_metrics()
  from public, anon, authenticated, service_role;
grant execute on function public.refresh_marketplace_metrics() to authenticated, service_role;
grant execute on function private.metrics_day(timestamptz) to authenticated, service_role;

select cron.schedule('hyperlocal-marketplace-metrics', '* * * * *', 'select private.refresh_marketplace_metrics()');

------------------------------------------------------------------------------------------------
-- Access to the aggregates: operators with metrics.read, through the views below.
------------------------------------------------------------------------------------------------
alter table private.metrics_queue enable row level security;
alter table private.marketplace_daily enable row level security;
alter table private.marketplace_bookings_by_status enable row level security;
alter table private.marketplace_provider_activity enable row level security;
alter table private.marketplace_active_areas enable row level security;

create policy "Operators with metrics.read read the daily metrics" on private.marketplace_daily
  for select to authenticated using ((select private.authorize('metrics.read')));
create policy "Operators with metrics.read read bookings by status" on private.marketplace_bookings_by_status
  for select to authenticated using ((select private.authorize('metrics.read')));
create policy "Operators with metrics.read read provider activity" on private.marketplace_provider_activity
  for select to authenticated using ((select private.authorize('metrics.read')));
create policy "Operators with metrics.read read active areas" on private.marketplace_active_areas
  for select to authenticated using ((select private.authorize('metrics.read')));

revoke all on table private.metrics_queue, private.marketplace_daily, private.marketplace_bookings_by_status,
  private.marketplace_provider_activity, private.marketplace_active_areas from public, anon, authenticated, service_role;
revoke all on sequence private.metrics_queue_id_seq from public, anon, authenticated, service_role;
grant select on private.marketplace_daily, private.marketplace_bookings_by_status, private.marketplace_provider_activity,
  private.marketplace_active_areas to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Operator views.
------------------------------------------------------------------------------------------------
create view public.marketplace_metrics_daily with (security_invoker = true) as
select d.day,
       d.currency,
       d.bookings_created,
       d.bookings_completed,
       d.gmv,
       d.platform_revenue,
       case when d.gmv > 0 then pg_catalog.round(d.platform_revenue::numeric / d.gmv, 4) end as take_rate,
       d.refunded,
       d.tips,
       d.completing_customers,
       d.repeat_customers,
       case when d.completing_customers > 0
            then pg_catalog.round(d.repeat_customers::numeric / d.completing_customers, 4) end as repeat_customer_rate,
       d.jobs_posted,
       d.jobs_with_offers,
       d.jobs_booked,
       case when d.jobs_posted > 0 then pg_catalog.round(d.jobs_booked::numeric / d.jobs_posted, 4) end as job_conversion_rate,
       d.refreshed_at
  from private.marketplace_daily d;
comment on view public.marketplace_metrics_daily is
  'Operators (metrics.read): per UTC day and currency, bookings created and completed, GMV (kept booking payments of the '
  'bookings completed that day, minor units), platform revenue and take rate, refunds, tips, repeat customers, job to '
  'booking conversion of the jobs posted that day. Refreshed every minute; definitions in docs/operations.md.';

create view public.marketplace_bookings_by_status with (security_invoker = true) as
select s.day, s.currency, s.status, s.bookings, s.value
  from private.marketplace_bookings_by_status s;
comment on view public.marketplace_bookings_by_status is
  'Operators (metrics.read): bookings created on each UTC day by currency and current status (count, summed price in minor units).';

create view public.marketplace_active_providers with (security_invoker = true) as
select a.area,
       a.region_code,
       a.active_7d,
       a.active_30d,
       extensions.st_y(extensions.st_pointfromgeohash(a.area)) as lat,
       extensions.st_x(extensions.st_pointfromgeohash(a.area)) as lng,
       a.computed_at
  from private.marketplace_active_areas a;
comment on view public.marketplace_active_providers is
  'Operators (metrics.read): active providers (a booking completed in the last 7 / 30 days) per area: a geohash cell of 5 '
  'characters (about 4.9 x 4.9 km; lat/lng its centre) with the money region there; counted at computed_at.';

-- An amount in minor units as major units with the currency: 150000 AED -> '1500.00 AED'.
create or replace function private.format_minor(p_amount bigint, p_currency char(3))
returns text
language sql
immutable
set search_path = ''
as $$
  select case when p_amount is not null then
    pg_catalog.to_char(p_amount / (10::numeric ^ coalesce(private.currency_exponent(p_currency), 2)),
      'FM999999999999990' || case when coalesce(private.currency_exponent(p_currency), 2) > 0
                                  then '.' || pg_catalog.repeat('0', coalesce(private.currency_exponent(p_currency), 2)) else '' end)
    || ' ' || p_currency end;
$$;
comment on function private.format_minor(bigint, char) is
  'An amount in minor units written in major units with its currency (150000, AED -> 1500.00 AED); null for null.';
revoke all on function private.format_minor(bigint, char) from public, anon, authenticated, service_role;
grant execute on function private.format_minor(bigint, char) to authenticated, service_role;

create view public.operator_fee_schedules with (security_invoker = true) as
select f.id,
       case when f.effective_from <= private.now() then 'current' else 'upcoming' end as period,
       f.effective_from <= private.now() and pg_catalog.row_number() over (
         partition by f.trade_kind, f.currency, f.category_id, f.region_id, (f.effective_from <= private.now())
         order by f.effective_from desc, f.created_at desc, f.id) = 1 as in_force,
       f.trade_kind,
       f.currency,
       coalesce(r.code, 'any region') as region,
       coalesce(c.slug, 'any category') as category,
       pg_catalog.round(f.commission_bps / 100.0, 2) as commission_percent,
       private.format_minor(f.commission_min, f.currency) as commission_min,
       private.format_minor(f.commission_max, f.currency) as commission_max,
       pg_catalog.round(f.service_fee_bps / 100.0, 2) as service_fee_percent,
       private.format_minor(f.service_fee_fixed, f.currency) as service_fee_fixed,
       private.format_minor(f.service_fee_max, f.currency) as service_fee_max,
       f.effective_from,
       f.effective_until,
       f.note,
       f.updated_at
  from public.fee_schedules f
  left join public.money_regions r on r.id = f.region_id
  left join public.categories c on c.id = f.category_id
 where (f.effective_until is null or f.effective_until > private.now())
   and ((select private.authorize('money.manage')) or (select private.authorize('metrics.read')));
comment on view public.operator_fee_schedules is
  'Operators (money.manage or metrics.read): fee schedules in force now or later, readable (percentages, amounts in major '
  'units of their currency, region and category by code); in_force marks the schedule that wins for its own kind, currency, '
  'category and region now. Change them with save_fee_schedule.';

revoke all on table public.marketplace_metrics_daily, public.marketplace_bookings_by_status,
  public.marketplace_active_providers, public.operator_fee_schedules from public, anon, authenticated, service_role;
grant select on public.marketplace_metrics_daily, public.marketplace_bookings_by_status,
  public.marketplace_active_providers, public.operator_fee_schedules to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Studio: acting as an operator for the rest of the transaction.
------------------------------------------------------------------------------------------------
create or replace function private.act_as_operator(p_operator_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_roles text[];
  v_permissions text[];
  v_request_id text;
begin
  if not exists (select 1 from public.profiles p where p.id = p_operator_id) then
    perform private.raise_error('HL114', pg_catalog.format('user %s', p_operator_id));
  end if;
  if exists (select 1 from public.profiles p where p.id = p_operator_id and p.deleted_at is not null) then
    perform private.raise_error('HL120', pg_catalog.format('user %s', p_operator_id));
  end if;
  select pg_catalog.array_agg(ur.role order by ur.role) into v_roles from public.user_roles ur where ur.user_id = p_operator_id;
  if v_roles is null then
    perform private.raise_error('HL002', pg_catalog.format('user %s holds no operator role', p_operator_id));
  end if;
  select pg_catalog.array_agg(distinct rp.permission order by rp.permission) into v_permissions
    from public.role_permissions rp where rp.role = any (v_roles);
  v_request_id := pg_catalog.format('sql:%s:%s', pg_catalog.session_user(), pg_catalog.pg_current_xact_id());
  -- The claims PostgREST would set for this operator's token, and the request id the audit log keeps.
  perform pg_catalog.set_config('request.jwt.claims', pg_catalog.jsonb_build_object(
    'sub', p_operator_id, 'role', 'authenticated', 'aud', 'authenticated', 'user_roles', pg_catalog.to_jsonb(v_roles),
    'acting_session_user', pg_catalog.session_user())::text, true);
  perform pg_catalog.set_config('request.jwt.claim.sub', p_operator_id::text, true);
  perform pg_catalog.set_config('request.jwt.claim.role', 'authenticated', true);
  perform pg_catalog.set_config('request.headers', pg_catalog.jsonb_build_object('x-request-id', v_request_id)::text, true);
  -- As the API role, so the policies apply exactly as in the admin app.
  perform pg_catalog.set_config('role', 'authenticated', true);
  return pg_catalog.jsonb_build_object('operator_id', p_operator_id, 'roles', v_roles, 'permissions', v_permissions,
                                       'request_id', v_request_id, 'until', 'the end of this transaction');
end;
$$;
comment on function private.act_as_operator(uuid) is
  'Studio / psql (as postgres): the rest of the current transaction runs as this operator, as their API requests do '
  '(role authenticated, JWT claims, request id sql:<session user>:<transaction>), so RPCs, permissions, policies and the '
  'audit log see them. HL114 unknown user, HL120 deleted, HL002 no operator role. Not callable through the API.';
revoke all on function private.act_as_operator(uuid) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Account deletion: a provider's activity row goes with the account.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_metrics(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.marketplace_provider_activity a where a.provider_id = p_user_id;
end;
$$;
comment on function private.delete_account_metrics(uuid) is
  'Account deletion step: removes the provider''s row of marketplace activity (the daily totals keep no user ids).';
revoke all on function private.delete_account_metrics(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_metrics(uuid)', 1190, 'trust',
   'Forget the provider''s marketplace activity row (area, last completion); daily totals hold no user ids.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
