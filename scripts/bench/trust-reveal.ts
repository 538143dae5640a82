/**
 * npm run bench:trust-reveal [-- --reviews 100000 --providers 200 --no-write --keep] — the review
 * reveal job (private.publish_due_reviews, pg_cron `hyperlocal-review-reveal` every minute) on a
 * stack of its own (.hyperlocal/bench-trust, API port 59721 unless HL_API_PORT is set).
 *
 * Loads `--reviews` completed bookings (15 days old, spread over `--providers` providers and as
 * many customers) each with the customer's review still unpublished and its window ended: the
 * state after a 14-day window in which the providers never reviewed back. Users and provider
 * profiles go through their normal triggers; bookings and reviews are bulk SQL with
 * session_replication_role = replica (no per-row triggers: their foreign keys point at rows that
 * exist). Then it runs the job tick after tick, as pg_cron would (one transaction each, the
 * setting's batch size), until nothing is due, and reports the first tick, the ticks' p50/max,
 * the total and reviews published per second; afterwards every review is published and the
 * ratings equal a recomputation from the reviews (private.recompute_reputation() = 0).
 *
 * Writes the section "Trust: review reveal" of docs/benchmarks.md (unless --no-write).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ROOT } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, machine, ms, stats, writeSection } from "./lib.ts";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reviews: { type: "string", default: "100000" },
      providers: { type: "string", default: "200" },
      "no-write": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  });
  const reviews = Number(values.reviews);
  const providers = Number(values.providers);
  const { p, stop } = await benchStack("trust", 59721);
  const admin = connect(p, "supabase_admin", { max: 1, idle_timeout: 0, connection: { application_name: "hyperlocal-bench-trust" } });
  try {
    // The test helpers' user builder (the same rows Auth writes): local bench stack only.
    await admin.unsafe(readFileSync(path.join(ROOT, "sql", "tests", "helpers.sql"), "utf8"));

    const t0 = performance.now();
    log(`${providers} providers and ${providers} customers`);
    await admin.unsafe(`
      create temp table bench_people as
        select n, (select u from tests.create_supabase_users('bench.rv.p' || n || '.', 1) u) as provider_id,
                  (select u from tests.create_supabase_users('bench.rv.c' || n || '.', 1) u) as customer_id
          from generate_series(0, ${providers - 1}) n;
      insert into public.provider_profiles (id, display_name, base_location, is_available)
      select provider_id, 'Bench provider ' || n,
             extensions.st_setsrid(extensions.st_makepoint(55.1 + n * 0.0005, 25.1), 4326)::extensions.geography, true
        from bench_people;`);

    log(`${reviews} completed bookings, each with an unpublished customer review whose window ended`);
    await admin.unsafe(`
      set session_replication_role = replica;
      insert into public.bookings (customer_id, provider_id, status, period, price, currency, accepted_at, started_at,
                                   completed_at, status_changed_at, created_at, updated_at)
      select c.customer_id, pr.provider_id, 'completed',
             tstzrange(now() - interval '400 days' + (i / ${providers}) * interval '2 hours',
                       now() - interval '400 days' + (i / ${providers}) * interval '2 hours' + interval '1 hour'),
             15000, 'AED', now() - interval '16 days', now() - interval '16 days',
             now() - interval '15 days' - (i % 1440) * interval '1 minute',
             now() - interval '15 days' - (i % 1440) * interval '1 minute', now() - interval '16 days', now() - interval '15 days'
        from generate_series(0, ${reviews - 1}) i
        join bench_people pr on pr.n = i % ${providers}
        join bench_people c on c.n = (i / ${providers} + i) % ${providers};
      insert into public.reviews (trade_kind, trade_id, author_side, author_id, reviewee_id, reviewee_role, rating,
                                  subratings, comment, window_ends_at, created_at, updated_at)
      select 'booking', b.id, 'customer', b.customer_id, b.provider_id, 'provider', 1 + (b.number % 5)::int,
             jsonb_build_object('quality', 1 + (b.number % 5)::int), 'Bench review ' || b.number,
             b.completed_at + interval '14 days', b.completed_at + interval '1 hour', b.completed_at + interval '1 hour'
        from public.bookings b;
      set session_replication_role = origin;
      analyze public.bookings;
      analyze public.reviews;`);
    const loadS = (performance.now() - t0) / 1000;
    const [{ batch }] = await admin`select (private.setting('trust.review_reveal_batch_size'))::int as batch`;
    const [{ due }] = await admin`select count(*)::int as due from public.reviews where published_at is null and window_ends_at <= now()`;
    log(`${due} due reviews loaded in ${loadS.toFixed(1)} s; reveal job, batch size ${batch}`);

    // The bench drives the ticks itself: pg_cron's own run would take part of the backlog.
    await admin`update cron.job set active = false where jobname = 'hyperlocal-review-reveal'`;
    const ticks: number[] = [];
    let published = 0;
    const started = performance.now();
    for (;;) {
      const t = performance.now();
      const [{ r }] = await admin`select private.publish_due_reviews() as r`;
      const n = Number((r as { published: number }).published);
      if (n === 0) break;
      ticks.push(performance.now() - t);
      published += n;
    }
    const totalS = (performance.now() - started) / 1000;
    const [check] = await admin`
      select (select count(*)::int from public.reviews where published_at is null) as unpublished,
             (select coalesce(sum(rating_count), 0)::int from public.provider_profiles
               where id in (select provider_id from bench_people)) as counted,
             private.recompute_reputation() as corrections,
             (select count(*)::int from public.notifications where kind = 'review.published') as notified`;
    const s = stats(ticks);
    const ok = check.unpublished === 0 && check.counted === reviews && check.corrections === 0;
    const body = [
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:trust-reveal\` (scripts/bench/trust-reveal.ts) on ${machine()}.`,
      "",
      `${due.toLocaleString("en")} due, unpublished reviews (one per completed booking, ${providers} providers, ${providers} customers, ` +
        `loaded in ${loadS.toFixed(1)} s). The reveal job (\`private.publish_due_reviews()\`, what pg_cron's ` +
        `\`hyperlocal-review-reveal\` runs every minute; its cron entry is deactivated on the bench stack) was run tick after ` +
        `tick, each in its own transaction, with the ` +
        `default batch size \`trust.review_reveal_batch_size\` = ${batch}: each tick locks the due reviews (oldest window ` +
        "first, `for update skip locked`), looks each trade up again (`private.find_trade`: a disputed trade waits), " +
        "publishes them, adds their stars per provider (`user_reputation` and the catalog's rating totals and score) and " +
        "notifies each reviewee (`review.published`).",
      "",
      "| measure | value |",
      "|---|---|",
      `| reviews published | ${published.toLocaleString("en")} in ${ticks.length} tick${ticks.length === 1 ? "" : "s"} |`,
      `| one tick (batch of ${batch}) | first ${ms(ticks[0] ?? 0)} ms, p50 ${ms(s.p50)} ms, max ${ms(s.max)} ms |`,
      `| total | ${totalS.toFixed(1)} s |`,
      `| throughput | ${Math.round(published / totalS).toLocaleString("en")} reviews/s |`,
      `| afterwards | ${check.unpublished} unpublished; providers' rating_count sum ${Number(check.counted).toLocaleString("en")}; ` +
        `recompute_reputation() corrections ${check.corrections}; ${Number(check.notified).toLocaleString("en")} review.published notifications |`,
      "",
      `At one tick a minute, a backlog of ${due.toLocaleString("en")} clears in ${ticks.length} minute${ticks.length === 1 ? "" : "s"}; a tick takes ` +
        `${(s.max / 1000).toFixed(1)} s at most, well inside the minute. ${ok ? "Checks passed." : "CHECKS FAILED."}`,
      "",
    ].join("\n");
    process.stdout.write(body);
    if (!values["no-write"]) writeSection("Trust: review reveal", body);
    return ok ? 0 : 1;
  } finally {
    await admin.end();
    if (values.keep) log(`stack kept running at ${p.apiUrl}`);
    else await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .then((code) => process.exit(code))
    .catch((e) => {
      process.stderr.write(`trust reveal bench failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
