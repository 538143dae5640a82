/**
 * npm run bench:trust-metrics [-- --providers 1000000 --bookings 2000000 --jobs 300000 --reads 200
 *                                --keep --no-write]
 *
 * The operator metrics (issue 12, part O) at the discovery benchmark's scale, on a stack of its own
 * (.hyperlocal/bench-trust-metrics, API port 59321 unless HL_API_PORT is set):
 *   1. N providers over the Dubai model (scripts/bench/seed-discovery.ts, as bench:discovery);
 *   2. bulk marketplace history over the last 90 days, set-based as supabase_admin with
 *      session_replication_role = replica (no triggers, as a bulk load): bookings in realistic
 *      statuses (customers drawn among the same users), the captured payments of completed ones
 *      (breakdowns from private.fee_breakdown under the seeded AED schedule, partial refunds on
 *      resolved ones), jobs (60 % with an offer, 25 % booked);
 *   3. the full rebuild (private.rebuild_marketplace_metrics + refresh: every day recomputed), and
 *      the minute's incremental refresh after one more day of changes;
 *   4. p50/p95 of each operator view as an operator (role authenticated, RLS) in the database, and
 *      through the gateway with supabase-js.
 * Results: docs/benchmarks.md, section "Trust: operator metrics".
 */
import { parseArgs } from "node:util";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, client, createUsers, machine, ms, stats, writeSection, type Stats } from "./lib.ts";
import { seedDiscovery } from "./seed-discovery.ts";

const { values } = parseArgs({
  options: {
    providers: { type: "string", default: "1000000" },
    bookings: { type: "string", default: "2000000" },
    jobs: { type: "string", default: "300000" },
    reads: { type: "string", default: "200" },
    keep: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
});
const PROVIDERS = Number(values.providers);
const BOOKINGS = Number(values.bookings);
const JOBS = Number(values.jobs);
const READS = Number(values.reads);

const VIEWS: Array<{ name: string; sql: string; rest: (c: ReturnType<typeof client>) => PromiseLike<{ error: unknown; data: unknown }> }> = [
  {
    name: "marketplace_metrics_daily (AED, last 30 days)",
    sql: `select * from public.marketplace_metrics_daily where currency = 'AED' and day >= current_date - 30 order by day`,
    rest: (c) => c.from("marketplace_metrics_daily").select("*").eq("currency", "AED")
      .gte("day", new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10)).order("day"),
  },
  {
    name: "marketplace_bookings_by_status (last 30 days)",
    sql: `select * from public.marketplace_bookings_by_status where day >= current_date - 30`,
    rest: (c) => c.from("marketplace_bookings_by_status").select("*").gte("day", new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10)),
  },
  {
    name: "marketplace_active_providers (every area)",
    sql: `select * from public.marketplace_active_providers`,
    rest: (c) => c.from("marketplace_active_providers").select("*"),
  },
  {
    name: "operator_fee_schedules",
    sql: `select * from public.operator_fee_schedules`,
    rest: (c) => c.from("operator_fee_schedules").select("*"),
  },
];

async function main(): Promise<number> {
  const { p, stop } = await benchStack("trust-metrics", 59321);
  const admin = connect(p, "supabase_admin", { max: 1, idle_timeout: 0 });
  const sql = connect(p, "postgres", { max: 1, idle_timeout: 0 });
  try {
    const seed = await seedDiscovery(p, PROVIDERS);
    log(`${seed.providers} providers seeded in ${seed.seconds.toFixed(0)} s; marketplace history`);
    const t0 = Date.now();
    await admin.begin(async (tx) => {
      await tx.unsafe(`set local session_replication_role = replica; set local work_mem = '512MB'; set local statement_timeout = 0`);
      await tx.unsafe(`select setseed(0.12)`);
      await tx.unsafe(`create temp table ids on commit drop as
        select row_number() over (order by id) as n, id, base_location from public.provider_profiles`);
      await tx.unsafe(`create index on ids (n)`);
      const [{ np }] = await tx.unsafe(`select count(*)::int as np from ids`);
      // One breakdown per price under the seeded AED schedule (Dubai, VAT included).
      await tx.unsafe(`create temp table prices on commit drop as
        select k, price, private.fee_breakdown(
                 (private.fee_context('service_booking', 'AED', null, extensions.st_point(55.27, 25.2)::extensions.geography, now())
                   - 'region_id' - 'region_code' - 'exponent') || jsonb_build_object('price', price, 'tip', 0)) as b
          from unnest(array[5000, 8000, 10000, 15000, 20000, 25000, 35000, 50000, 75000, 120000]) with ordinality x (price, k)`);
      log(`  ${BOOKINGS} bookings`);
      await tx.unsafe(`create temp table plan on commit drop as
        select n, 1 + (random() * (${np} - 1))::int as pn, 1 + (random() * (${np} - 1))::int as cn,
               1 + (random() * 9)::int as k, random() as u,
               now() - random() * interval '90 days' as created_at, random() * interval '5 days' as lag
          from generate_series(1, ${BOOKINGS}) n`);
      await tx.unsafe(`
        insert into public.bookings (customer_id, provider_id, status, period, price, currency, created_at, updated_at,
                                     status_changed_at, completed_at, accepted_at, cancelled_at, cancelled_by)
        select c.id, pr.id, s.status,
               tstzrange(timestamptz '2020-01-01' + pl.n * interval '1 hour', timestamptz '2020-01-01' + pl.n * interval '1 hour' + interval '1 hour'),
               x.price, 'AED', pl.created_at, pl.created_at, pl.created_at,
               case when s.status in ('completed', 'resolved', 'disputed') then least(now(), pl.created_at + pl.lag) end,
               case when s.status not in ('requested', 'declined', 'expired') then pl.created_at end,
               case when s.status = 'cancelled' then pl.created_at + pl.lag / 4 end,
               case when s.status = 'cancelled' then 'customer' end
          from plan pl
          join ids pr on pr.n = pl.pn
          join ids c on c.n = case when pl.cn = pl.pn then pl.cn % ${np} + 1 else pl.cn end
          join prices x on x.k = pl.k
          cross join lateral (select case
            when pl.created_at > now() - interval '2 days' and pl.u < 0.5 then (array['requested', 'accepted', 'in_progress'])[1 + (pl.u * 6)::int % 3]
            when pl.u < 0.70 then 'completed' when pl.u < 0.82 then 'cancelled' when pl.u < 0.87 then 'declined'
            when pl.u < 0.92 then 'expired' when pl.u < 0.93 then 'resolved' when pl.u < 0.935 then 'disputed'
            else 'completed' end as status) s`);
      log(`  payments of completed bookings`);
      await tx.unsafe(`
        insert into public.payments (booking_id, kind, customer_id, provider_id, payee_profile_id, currency, amount,
                                     amount_authorized, amount_captured, amount_refunded, breakdown, settlement, status,
                                     provider, capture_method, created_at, updated_at, status_changed_at, released_at)
        select b.id, 'booking', b.customer_id, b.provider_id, b.provider_id, 'AED', t.total, t.total, t.total,
               case when b.status = 'resolved' then t.total / 2 else 0 end, x.b, x.b,
               case when b.status = 'resolved' then 'partially_refunded' else 'captured' end,
               'local', 'manual', b.created_at, b.completed_at, b.completed_at, b.completed_at + interval '2 days'
          from public.bookings b
          join prices x on x.price = b.price
          cross join lateral (select (x.b ->> 'customer_total')::bigint as total) t
         where b.status in ('completed', 'resolved', 'disputed')`);
      log(`  ${JOBS} jobs`);
      await tx.unsafe(`
        insert into public.job_requests (customer_id, category_id, title, budget_kind, budget_min, budget_max, currency,
                                         duration_minutes, is_asap, fuzzed_location, status, expires_at, created_at, updated_at)
        select c.id, (select id from public.categories where slug = 'plumbing'), 'Bench job ' || j.n, 'fixed', 15000, 15000, 'AED',
               60, true, c.base_location, 'open', at + interval '3 days', at, at
          from (select n, 1 + (random() * (${np} - 1))::int as cn, now() - random() * interval '90 days' as at
                  from generate_series(1, ${JOBS}) n) j
          join ids c on c.n = j.cn`);
      await tx.unsafe(`create temp table offered on commit drop as
        select j.id as job_id, j.created_at, row_number() over () as r
          from public.job_requests j where random() < 0.6`);
      await tx.unsafe(`
        insert into public.job_offers (job_id, provider_id, price, currency, proposed_start, duration_minutes, expires_at, created_at, updated_at)
        select o.job_id, pr.id, 15000, 'AED', o.created_at + interval '2 days', 60, o.created_at + interval '1 day',
               o.created_at + interval '1 hour', o.created_at + interval '1 hour'
          from offered o join ids pr on pr.n = 1 + (o.r * 7919) % ${np}`);
      // A quarter of the jobs booked: linked to a completed booking of theirs.
      await tx.unsafe(`
        with done as (select id, row_number() over () as r from public.bookings where status = 'completed'),
        chosen as (select job_id, row_number() over () as r from offered where random() < 0.42),
        picks as (select c.job_id, d.id as booking_id from chosen c join done d on d.r = c.r)
        update public.job_requests j set status = 'assigned', booking_id = p.booking_id, assigned_at = j.created_at + interval '1 day'
          from picks p where p.job_id = j.id`);
    });
    await admin.unsafe(`vacuum analyze public.bookings, public.payments, public.job_requests, public.job_offers`);
    const loadSeconds = (Date.now() - t0) / 1000;
    const [counts] = await sql`
      select (select count(*) from public.bookings)::int as bookings, (select count(*) from public.payments)::int as payments,
             (select count(*) from public.job_requests)::int as jobs, (select count(*) from public.job_offers)::int as offers,
             (select count(*) from public.job_requests where booking_id is not null)::int as booked`;
    log(`history loaded in ${loadSeconds.toFixed(0)} s: ${JSON.stringify(counts)}`);

    // ---- rebuild and incremental refresh ----------------------------------------------------
    const [{ queued }] = await sql`select private.rebuild_marketplace_metrics() as queued`;
    let t = performance.now();
    const [{ r: rebuild }] = await sql`select private.refresh_marketplace_metrics() as r`;
    const rebuildMs = performance.now() - t;
    log(`full rebuild: ${queued} days in ${(rebuildMs / 1000).toFixed(1)} s (${JSON.stringify(rebuild)})`);
    // One more day of changes: 1/90 of the bookings change status through the triggers.
    await sql`update public.bookings set status = 'cancelled', cancelled_by = 'customer', cancelled_at = now()
               where id in (select id from public.bookings where status = 'accepted' limit 500)`;
    t = performance.now();
    const [{ r: incremental }] = await sql`select private.refresh_marketplace_metrics() as r`;
    const incrementalMs = performance.now() - t;
    log(`incremental refresh: ${JSON.stringify(incremental)} in ${incrementalMs.toFixed(0)} ms`);
    const perDay: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t1 = performance.now();
      await sql`select private.compute_marketplace_day(current_date - ${i * 7}::int)`;
      perDay.push(performance.now() - t1);
    }
    const perDayStats = stats(perDay);
    const areas: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t1 = performance.now();
      await sql`select private.compute_active_areas()`;
      areas.push(performance.now() - t1);
    }
    const areaStats = stats(areas);

    // ---- reads -------------------------------------------------------------------------------
    const [op] = await createUsers(p, "metrics-op", 1);
    await sql`insert into public.user_roles (user_id, role) values (${op.id}, 'support')`;
    await sql.unsafe(`
      create or replace function pg_temp.timed(p_user uuid, p_query text) returns float8 language plpgsql as $f$
      declare t0 timestamptz; n bigint;
      begin
        perform set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', 'authenticated')::text, true);
        perform set_config('role', 'authenticated', true);
        t0 := clock_timestamp();
        execute 'select count(*) from (' || p_query || ') q' into n;
        return extract(epoch from clock_timestamp() - t0) * 1000;
      end $f$`);
    const opClient = client(p, op.token);
    const rows: Array<{ name: string; db: Stats; api: Stats; n: number }> = [];
    for (const v of VIEWS) {
      const db: number[] = [];
      for (let i = 0; i < READS; i++) {
        const [{ ms: m }] = await sql.begin((tx) => tx.unsafe(`select pg_temp.timed($1, $2) as ms`, [op.id, v.sql]));
        db.push(Number(m));
      }
      const api: number[] = [];
      let n = 0;
      for (let i = 0; i < READS; i++) {
        const t2 = performance.now();
        const res = await v.rest(opClient);
        api.push(performance.now() - t2);
        if (res.error) throw new Error(`${v.name}: ${JSON.stringify(res.error)}`);
        n = (res.data as unknown[]).length;
      }
      rows.push({ name: v.name, db: stats(db.slice(10)), api: stats(api.slice(10)), n });
      log(`${v.name}: ${n} rows; database p50 ${ms(stats(db).p50)} / p95 ${ms(stats(db).p95)} ms; gateway p50 ${ms(stats(api).p50)} / p95 ${ms(stats(api).p95)} ms`);
    }
    const [{ active }] = await sql`select count(*)::int as active from private.marketplace_provider_activity`;

    const body = `
Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:trust-metrics\` (scripts/bench/trust-metrics.ts) on
${machine()}. Data: ${counts.bookings.toLocaleString("en")} bookings over 90 days among ${seed.providers.toLocaleString("en")}
providers (the discovery benchmark's metro model; customers drawn among the same users), ${counts.payments.toLocaleString("en")}
captured payments, ${counts.jobs.toLocaleString("en")} jobs (${counts.offers.toLocaleString("en")} offers, ${counts.booked.toLocaleString("en")} booked);
${active.toLocaleString("en")} providers with a completion. Loaded in ${loadSeconds.toFixed(0)} s (after the ${seed.seconds.toFixed(0)} s provider seed).

| refresh | time |
|---|---|
| full rebuild (every one of ${queued} days recomputed from the base tables) | ${(rebuildMs / 1000).toFixed(1)} s |
| one day recomputed (\`private.compute_marketplace_day\`, 10 days sampled) | p50 ${ms(perDayStats.p50)} ms, max ${ms(perDayStats.max)} ms |
| the minute's refresh after up to 500 accepted bookings were cancelled (${incremental.days} days) | ${ms(incrementalMs)} ms |
| active providers per area recounted (\`private.compute_active_areas\`, 5 runs) | p50 ${ms(areaStats.p50)} ms, max ${ms(areaStats.max)} ms |

| view (as a support operator: role authenticated, RLS) | rows | database p50 / p95 | gateway (supabase-js) p50 / p95 |
|---|---:|---:|---:|
${rows.map((r) => `| \`${r.name}\` | ${r.n} | ${ms(r.db.p50)} / ${ms(r.db.p95)} ms | ${ms(r.api.p50)} / ${ms(r.api.p95)} ms |`).join("\n")}

${READS} reads per view and path, sequential, the first 10 of each left out. Every view reads
pre-computed aggregates (a few hundred rows), so reading does not grow with the marketplace; the
work is in the refresh (pg_cron, every minute: the changed days, then the active providers per
area). Freshness: about a minute, see docs/operations.md.
`;
    if (!values["no-write"]) writeSection("Trust: operator metrics", body);
    process.stdout.write(body);
    return 0;
  } finally {
    await sql.end();
    await admin.end();
    if (!values.keep) await stop();
  }
}

main().then((code) => process.exit(code)).catch((e) => {
  process.stderr.write(`trust-metrics bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
