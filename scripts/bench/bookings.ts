/**
 * npm run bench:bookings [-- --rounds 20 --racers 100 --bookings 600 --workers 2 --concurrency 4,16 --seconds 120 --only race,lifecycle,offers,instant,reschedule --reschedules 400 --no-write]
 *
 * Bookings benchmark (issue 4) on a stack of its own (.hyperlocal/bench-bookings, API port 58321
 * unless HL_API_PORT is set), through the gateway with supabase-js:
 *   race       100 customers book the same slot at once, for several rounds: exactly one booking
 *              per round, every other caller gets HL404 slot_unavailable;
 *   lifecycle  sustained transitions per second: many requested bookings walked through
 *              accept -> start_travel -> arrive -> start (with the code) -> complete by concurrent
 *              clients in worker processes (bounded by count and time), with p50/p95/p99 latency;
 *   offers     100 providers' offers on one job accepted at once, several rounds: exactly one
 *              booking per round (scenario from ./offers-race.ts, jobs module).
 *   instant    100 providers take one instant job at once (take_job), several rounds: exactly
 *              one booking per round, HL309 for every other taker (./offers-race.ts, jobs module).
 *   reschedule reschedules per second (a customer proposes, the provider accepts, many pairs at
 *              once), and contention: 20 proposals for the same hour accepted at once move
 *              exactly one booking, HL404 for the others.
 * Results go to docs/benchmarks.md, section "Bookings (issue 4)".
 *
 * Scenarios are exported so other issues can add theirs (e.g. an offer acceptance race from the
 * jobs module: `export const offerAcceptanceRace: Scenario = {...}` pushed onto `scenarios`, or a
 * file of its own that reuses ./lib.ts).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ANON_KEY, SERVICE_ROLE_KEY } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { offersRace } from "./offers-race.ts";
import {
  benchStack,
  client,
  createUsers,
  machine,
  ms,
  pool,
  runWorker,
  stats,
  writeSection,
  type BenchContext,
  type BenchUser,
  type Scenario,
  type ScenarioResult,
} from "./lib.ts";
import { createClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import type { Database } from "../../functions/_shared/database.types.ts";

const HOUR = 3_600_000;
const SCRIPT = new URL(import.meta.url).pathname;

/** A provider working around the clock (UTC) with one listing in the given booking mode. */
async function providerWithListing(ctx: BenchContext, provider: BenchUser, mode: "instant" | "request"): Promise<string> {
  const { sql } = ctx;
  await sql`
    insert into public.provider_profiles (id, display_name, base_location, timezone)
    values (${provider.id}, 'Bench Pro', 'SRID=4326;POINT(55.27 25.20)', 'UTC')
    on conflict (id) do nothing`;
  await sql`
    insert into public.availability_rules (provider_id, weekday, start_time, end_time)
    select ${provider.id}, d, '00:00', '24:00' from generate_series(0, 6) d
    on conflict do nothing`;
  // The category trigger refuses a taken slug before ON CONFLICT could apply: select, else insert.
  await sql`
    insert into public.categories (slug, names)
    select 'bench-bookings', '{"en": "Bench", "ar": "Bench"}'
     where not exists (select 1 from public.categories where slug = 'bench-bookings')`;
  const [{ id: categoryId }] = await sql`select id from public.categories where slug = 'bench-bookings'`;
  const [{ id }] = await sql`
    insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, currency, duration_minutes, booking_mode)
    values (${provider.id}, ${categoryId}, ${`Bench ${mode}`}, 'fixed', 10000, 'AED', 60, ${mode}) returning id`;
  return id as string;
}

/** Whole hours from two days ahead: far enough for the minimum notice, never in the past. */
function slot(i: number): string {
  return new Date(Math.ceil((Date.now() + 48 * HOUR) / HOUR) * HOUR + i * HOUR).toISOString();
}

// -------------------------------------------------------------------------------------------------
// Scenario 1: customers race for one slot.
// -------------------------------------------------------------------------------------------------
export const raceForSlot: Scenario = {
  name: "race",
  title: "customers race for one slot",
  async run(ctx) {
    const rounds = Number(ctx.options.rounds ?? 20);
    const racers = Number(ctx.options.racers ?? 100);
    log(`race: ${racers} customers x ${rounds} rounds`);
    const [provider] = await createUsers(ctx.p, "race-provider", 1);
    const customers = await createUsers(ctx.p, "race-customer", racers);
    const instant = await providerWithListing(ctx, provider, "instant");
    const request = await ctx.sql`
      insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, currency, duration_minutes, booking_mode)
      select provider_id, category_id, 'Bench request', pricing_unit, base_price, currency, duration_minutes, 'request'
        from public.service_listings where id = ${instant} returning id`;
    const listings = [instant, request[0].id as string];
    const clients = customers.map((c) => client(ctx.p, c.token));

    const latencies: number[] = [];
    const roundTimes: number[] = [];
    const outcomes = new Map<string, number>();
    let exactlyOne = 0;
    for (let round = 0; round < rounds; round++) {
      const start = slot(round);
      const listing = listings[round % 2];
      const t0 = performance.now();
      const results = await Promise.all(
        clients.map(async (c) => {
          const t = performance.now();
          const res = await c.rpc("book_listing", { p_listing_id: listing, p_start: start });
          latencies.push(performance.now() - t);
          return res;
        }),
      );
      roundTimes.push(performance.now() - t0);
      for (const r of results) {
        const key = r.error ? `${r.status} ${r.error.code}` : `${r.status} booked`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      const [row] = await ctx.sql`
        select count(*)::int as n,
               (select count(*)::int from public.booking_events e join public.bookings b on b.id = e.booking_id
                 where b.provider_id = ${provider.id} and lower(b.period) = ${start}::timestamptz) as events
          from public.bookings b where b.provider_id = ${provider.id} and lower(b.period) = ${start}::timestamptz`;
      const winners = results.filter((r) => !r.error).length;
      if (row.n === 1 && row.events === 1 && winners === 1) exactlyOne += 1;
      else log(`race: round ${round + 1}: ${winners} winners, ${row.n} bookings, ${row.events} events`);
    }
    const lat = stats(latencies);
    const rt = stats(roundTimes);
    const ok = exactlyOne === rounds && [...outcomes.keys()].every((k) => k === "200 booked" || k === "409 HL404");
    const outcomeText = [...outcomes.entries()].sort().map(([k, v]) => `${v} × ${k}`).join(", ");
    const markdown = [
      `### ${racers} customers race for one slot`,
      "",
      `Each round, ${racers} signed-in customers call \`book_listing\` for the same listing and start time at once ` +
        "(`Promise.all` of supabase-js calls; rounds alternate instant book and request to book). The database decides: the " +
        "per-provider advisory lock serialises the inserts and the `bookings_no_double_booking` exclusion constraint refuses " +
        "every overlap; `book_listing` turns it into `HL404 slot_unavailable`.",
      "",
      "| rounds | racers per round | rounds with exactly one booking (and one timeline event) | responses | round wall time p50 / p95 | request latency p50 / p95 / p99 |",
      "|---|---|---|---|---|---|",
      `| ${rounds} | ${racers} | **${exactlyOne} / ${rounds}** | ${outcomeText} | ${ms(rt.p50)} / ${ms(rt.p95)} ms | ${ms(lat.p50)} / ${ms(lat.p95)} / ${ms(lat.p99)} ms |`,
    ].join("\n");
    return { markdown, ok, summary: `race: ${exactlyOne}/${rounds} rounds with exactly one booking; ${outcomeText}` };
  },
};

// -------------------------------------------------------------------------------------------------
// Scenario 2: sustained lifecycle transitions through the gateway, from worker processes.
// -------------------------------------------------------------------------------------------------
const STEPS = ["accept", "start_travel", "arrive", "start", "complete"] as const;
type Step = (typeof STEPS)[number];

interface WorkerJob {
  apiUrl: string;
  concurrency: number;
  deadline: number;
  tasks: { id: string; token: string; customerToken: string; code: string }[];
}
interface WorkerResult {
  started: number;
  finished: number;
  latencies: Record<Step, number[]>;
  errors: string[];
  walked: number;
}

async function worker(job: WorkerJob): Promise<WorkerResult> {
  const clients = new Map<string, ReturnType<typeof createClient<Database>>>();
  const clientFor = (token: string) => {
    let c = clients.get(token);
    if (!c) {
      c = createClient<Database>(job.apiUrl, ANON_KEY, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        // Node 20 has no global WebSocket: supabase-js needs the ws package as its transport.
        realtime: { transport: WebSocket as never },
        global: { headers: { Authorization: `Bearer ${token}` } },
      });
      clients.set(token, c);
    }
    return c;
  };
  const service = clientFor(SERVICE_ROLE_KEY);
  // Between accept and start_travel the customer's payment is authorised (the money module refuses
  // progress without it): the customer starts it, the provider's answer is applied as the payments
  // worker does. Not timed: the benchmark measures the booking transitions.
  const authorize = async (task: WorkerJob["tasks"][number]): Promise<string | null> => {
    const prepared = await clientFor(task.customerToken).rpc("prepare_booking_payment", {
      p_booking_id: task.id, p_provider: "local", p_payment_method: "pm_card_visa",
    });
    if (prepared.error) return `prepare_booking_payment: ${prepared.error.code} ${prepared.error.message}`;
    const p = prepared.data as { payment_id: string; amount: number; currency: string; metadata: Record<string, string> };
    const applied = await service.rpc("apply_payment_intent", {
      p_provider: "local",
      p_intent: { id: `pi_bench_${p.payment_id.replaceAll("-", "")}`, status: "requires_capture", amount: p.amount,
                  amount_capturable: p.amount, currency: p.currency.toLowerCase(), metadata: p.metadata },
    });
    return applied.error ? `apply_payment_intent: ${applied.error.code} ${applied.error.message}` : null;
  };
  const latencies = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>;
  const errors: string[] = [];
  let walked = 0;
  const started = Date.now();
  await pool(job.tasks, job.concurrency, async (task) => {
    if (Date.now() > job.deadline) return;
    const c = clientFor(task.token);
    for (const step of STEPS) {
      const t = performance.now();
      const res =
        step === "start"
          ? await c.rpc("start_booking", { p_booking_id: task.id, p_code: task.code })
          : await c.rpc("transition_booking", { p_booking_id: task.id, p_transition: step });
      latencies[step].push(performance.now() - t);
      if (res.error) {
        errors.push(`${step}: ${res.status} ${res.error.code} ${res.error.message}`);
        return;
      }
      if (step === "accept") {
        const failed = await authorize(task);
        if (failed) {
          errors.push(failed);
          return;
        }
      }
    }
    walked += 1;
  });
  return { started, finished: Date.now(), latencies, errors, walked };
}

interface LevelResult {
  concurrency: number;
  bookings: number;
  walked: number;
  transitions: number;
  errors: string[];
  wall: number;
  tps: number;
  total: ReturnType<typeof stats>;
  perStep: Record<Step, ReturnType<typeof stats>>;
  checksHeld: boolean;
  checks: string;
}

/** One load level: fresh requested bookings walked by `workers` processes with `concurrency` in flight each. */
async function lifecycleLevel(
  ctx: BenchContext,
  setup: { providers: BenchUser[]; customers: BenchUser[]; listings: string[]; offset: number },
  bookings: number,
  workers: number,
  concurrency: number,
  seconds: number,
): Promise<LevelResult> {
  const { providers, customers, listings } = setup;
  log(`lifecycle: ${bookings} bookings over ${providers.length} providers, ${workers} workers x ${concurrency} in flight`);
  // Requested bookings, set up in SQL: the benchmark measures the transitions. The first start
  // code of a booking is known to the server; a client reads it from get_booking_start_code.
  const rows = await ctx.sql`
    with plan as (
      select i, (${listings}::uuid[])[1 + i % ${providers.length}] as listing_id,
             (${customers.map((c) => c.id)}::uuid[])[1 + i % ${customers.length}] as customer_id,
             ${slot(setup.offset)}::timestamptz + (i / ${providers.length}) * interval '1 hour' as start
        from generate_series(0, ${bookings - 1}) i)
    select (private.create_booking(plan.customer_id, l.provider_id, tstzrange(plan.start, plan.start + interval '1 hour'),
                                   l.base_price, l.currency, 'requested', 'customer', l.id)).id as id,
           l.provider_id
      from plan join public.service_listings l on l.id = plan.listing_id
     order by plan.i`;
  const ids = rows.map((r) => r.id as string);
  // Every booking's customer starts a payment: lift the per-user limit of the payment RPCs
  // (rate_limit.payments) on the bench stack.
  await ctx.sql`update private.settings set value = '{"limit": 1000000, "window": "1 minute"}' where key = 'rate_limit.payments'`;
  const codes = await ctx.sql`select id, private.derive_start_code(id, 0) as code from public.bookings where id in ${ctx.sql(ids)}`;
  const codeById = new Map(codes.map((r) => [r.id as string, r.code as string]));
  const tokenByProvider = new Map(providers.map((p) => [p.id, p.token]));
  const customerOf = await ctx.sql`select id, customer_id from public.bookings where id in ${ctx.sql(ids)}`;
  const tokenByCustomer = new Map(customers.map((c) => [c.id, c.token]));
  const customerById = new Map(customerOf.map((r) => [r.id as string, tokenByCustomer.get(r.customer_id as string)!]));
  const tasks = rows.map((r) => ({
    id: r.id as string, token: tokenByProvider.get(r.provider_id as string)!, customerToken: customerById.get(r.id as string)!,
    code: codeById.get(r.id as string)!,
  }));

  const deadline = Date.now() + seconds * 1000;
  const slices = Array.from({ length: workers }, (_, w) => tasks.filter((_, i) => i % workers === w));
  const results = await Promise.all(
    slices.map((slice, w) =>
      runWorker<WorkerResult>(SCRIPT, { apiUrl: ctx.p.apiUrl, concurrency, deadline, tasks: slice } satisfies WorkerJob, `lifecycle-${w}`),
    ),
  );
  const all = Object.fromEntries(STEPS.map((s) => [s, results.flatMap((r) => r.latencies[s])])) as Record<Step, number[]>;
  const every = STEPS.flatMap((s) => all[s]);
  const errors = results.flatMap((r) => r.errors);
  const walked = results.reduce((n, r) => n + r.walked, 0);
  const wall = (Math.max(...results.map((r) => r.finished)) - Math.min(...results.map((r) => r.started))) / 1000;
  const transitions = every.length - errors.length;
  const [{ completed }] = await ctx.sql`select count(*)::int as completed from public.bookings where id in ${ctx.sql(ids)} and status = 'completed'`;
  const [{ events }] = await ctx.sql`
    select count(*)::int as events from public.booking_events where booking_id in ${ctx.sql(ids)} and transition <> 'create'`;
  if (errors.length) log(`lifecycle: first errors: ${errors.slice(0, 5).join("; ")}`);
  return {
    concurrency: workers * concurrency,
    bookings,
    walked,
    transitions,
    errors,
    wall,
    tps: transitions / wall,
    total: stats(every),
    perStep: Object.fromEntries(STEPS.map((s) => [s, stats(all[s])])) as Record<Step, ReturnType<typeof stats>>,
    checksHeld: errors.length === 0 && completed === walked && events === transitions,
    checks: `${completed} completed in the database, ${events} timeline events for ${transitions} transitions`,
  };
}

/** Reference point: a trivial read (one row of booking_states) through the same gateway. */
async function trivialReadRate(ctx: BenchContext, concurrency: number, seconds: number): Promise<{ rps: number; p50: number }> {
  const url = `${ctx.p.apiUrl}/rest/v1/booking_states?select=state&limit=1`;
  const until = Date.now() + seconds * 1000;
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const t = performance.now();
        const res = await fetch(url, { headers: { apikey: ANON_KEY } });
        await res.text();
        lat.push(performance.now() - t);
      }
    }),
  );
  return { rps: lat.length / seconds, p50: stats(lat).p50 };
}

export const lifecycleThroughput: Scenario = {
  name: "lifecycle",
  title: "lifecycle transitions through the gateway",
  async run(ctx) {
    const bookings = Number(ctx.options.bookings ?? 600);
    const workers = Number(ctx.options.workers ?? 2);
    const levels = (ctx.options.concurrency ?? "4,16").split(",").map(Number);
    const seconds = Number(ctx.options.seconds ?? 120);
    const providersCount = Number(ctx.options.providers ?? 20);
    const providers = await createUsers(ctx.p, "life-provider", providersCount);
    const customers = await createUsers(ctx.p, "life-customer", 50);
    const listings: string[] = [];
    for (const p of providers) listings.push(await providerWithListing(ctx, p, "request"));

    const results: LevelResult[] = [];
    for (const [i, c] of levels.entries()) {
      results.push(await lifecycleLevel(ctx, { providers, customers, listings, offset: 200 + i * (Math.ceil(bookings / providersCount) + 2) },
        bookings, workers, c, seconds));
    }
    const best = results.reduce((a, b) => (b.tps > a.tps ? b : a));
    const reference = await trivialReadRate(ctx, 8, 5);
    const markdown = [
      "### Lifecycle transitions through the gateway",
      "",
      `Per load level, ${bookings} requested bookings over ${providersCount} providers are walked ` +
        "`accept → start_travel → arrive → start (start_booking with the code) → complete` " +
        `by ${workers} worker processes (a second process, not the one that set up the data), each call a supabase-js RPC ` +
        `through the gateway and PostgREST, bounded by ${bookings} bookings or ${seconds} s per level. Every transition locks the ` +
        "booking row, checks the process table and the actor, updates the booking, writes the timeline event and a notification; " +
        "accept also issues the start code (bcrypt hash) and start checks it.",
      "",
      "| concurrent clients | bookings walked | transitions | errors | wall time | **throughput** | p50 | p95 | p99 | max |",
      "|---|---|---|---|---|---|---|---|---|---|",
      ...results.map((r) =>
        `| ${r.concurrency} | ${r.walked} / ${r.bookings} | ${r.transitions} | ${r.errors.length} | ${r.wall.toFixed(1)} s | ` +
        `**${r.tps.toFixed(0)} transitions/s** | ${ms(r.total.p50)} ms | ${ms(r.total.p95)} ms | ${ms(r.total.p99)} ms | ${ms(r.total.max)} ms |`),
      "",
      `Per transition at ${best.concurrency} concurrent clients:`,
      "",
      "| transition | calls | p50 | p95 | p99 |",
      "|---|---|---|---|---|",
      ...STEPS.map((s) => {
        const st = best.perStep[s];
        return `| ${s === "start" ? "start (start_booking, bcrypt check)" : s} | ${st.n} | ${ms(st.p50)} ms | ${ms(st.p95)} ms | ${ms(st.p99)} ms |`;
      }),
      "",
      `Checks: ${results.map((r) => `${r.concurrency} clients: ${r.checks}`).join("; ")}.`,
      "",
      `For scale: on the same stack a trivial read (one row of \`booking_states\`, anon key) runs at ${reference.rps.toFixed(0)} requests/s ` +
        `(p50 ${ms(reference.p50)} ms, 8 clients): the Node gateway, PostgREST, PostgreSQL and the load generators share the machine's cores, ` +
        "so the gateway path, not the transition function (0.3 ms for a progress transition, about 6 ms for accept and start " +
        "because of bcrypt, measured in SQL), sets the ceiling here.",
    ].join("\n");
    return {
      markdown,
      ok: results.every((r) => r.checksHeld),
      summary: results.map((r) => `lifecycle @${r.concurrency}: ${r.tps.toFixed(0)} transitions/s, p50 ${ms(r.total.p50)} ms, p95 ${ms(r.total.p95)} ms, p99 ${ms(r.total.p99)} ms, ${r.errors.length} errors`).join("\n"),
    };
  },
};

/** Scenarios of this benchmark, in order (other issues may add theirs). */
// -------------------------------------------------------------------------------------------------
// Scenario 3: providers' offers on one job, all accepted at once (jobs module, ./offers-race.ts).
// -------------------------------------------------------------------------------------------------
export const offerAcceptanceRace: Scenario = {
  name: "offers",
  title: "100 providers' offers on one job accepted at once",
  async run(ctx) {
    const providers = Number(ctx.options.providers ?? 100);
    const rounds = Number(ctx.options["offer-rounds"] ?? 5);
    const report = await offersRace({ stack: ctx.p, providers, rounds, mode: "mixed", log });
    const race = stats(report.rounds.map((r) => r.raceMs));
    const good = report.rounds.filter((r) => r.ok).length;
    const markdown = [
      `### Offer acceptance race (${providers} providers, ${rounds} rounds)`,
      "",
      "Each round: one job, one offer per provider (half of them countered by the customer); then, from a " +
        "second process, the customer accepts every offer while the countered providers accept their counters.",
      "",
      "| round | attempts | succeeded | bookings | race wall time | p95 request |",
      "|---|---|---|---|---|---|",
      ...report.rounds.map(
        (r) => `| ${r.round} | ${r.attempts} | ${r.succeeded} | ${r.bookings} | ${ms(r.raceMs)} ms | ${ms(r.p95Ms)} ms |`,
      ),
      "",
      `Rounds with exactly one booking: **${good}/${report.rounds.length}**; race wall time p50 ${ms(race.p50)} ms, max ${ms(race.max)} ms.`,
    ].join("\n");
    return {
      ok: report.ok,
      markdown,
      summary: `offers: ${good}/${report.rounds.length} rounds with exactly one booking (race p50 ${ms(race.p50)} ms)`,
    };
  },
};

// -------------------------------------------------------------------------------------------------
// Scenario 4: an instant job taken by 100 providers at once (jobs module, ./offers-race.ts).
// -------------------------------------------------------------------------------------------------
export const instantTakeRace: Scenario = {
  name: "instant",
  title: "100 providers take one instant job at once",
  async run(ctx) {
    const providers = Number(ctx.options.providers ?? 100);
    const rounds = Number(ctx.options["offer-rounds"] ?? 5);
    const report = await offersRace({ stack: ctx.p, providers, rounds, mode: "instant", log });
    const race = stats(report.rounds.map((r) => r.raceMs));
    const good = report.rounds.filter((r) => r.ok).length;
    const markdown = [
      `### Instant-job race (${providers} providers, ${rounds} rounds)`,
      "",
      "Each round: one job posted as instant (fixed budget); then, from a second process, every provider calls " +
        "take_job at the same moment.",
      "",
      "| round | attempts | succeeded | bookings | errors | race wall time | p95 request |",
      "|---|---|---|---|---|---|---|",
      ...report.rounds.map(
        (r) => `| ${r.round} | ${r.attempts} | ${r.succeeded} | ${r.bookings} | ${JSON.stringify(r.errors)} | ${ms(r.raceMs)} ms | ${ms(r.p95Ms)} ms |`,
      ),
      "",
      `Rounds with exactly one booking: **${good}/${report.rounds.length}**; race wall time p50 ${ms(race.p50)} ms, max ${ms(race.max)} ms.`,
    ].join("\n");
    return {
      ok: report.ok,
      markdown,
      summary: `instant: ${good}/${report.rounds.length} rounds with exactly one booking (race p50 ${ms(race.p50)} ms)`,
    };
  },
};

// -------------------------------------------------------------------------------------------------
// Scenario 5: rescheduling by proposal and answer (propose_booking_reschedule + respond_booking_reschedule).
// -------------------------------------------------------------------------------------------------
/** Accepted bookings made in SQL (not timed): one hour each, per provider in consecutive hours from slot(offset). */
async function acceptedBookings(ctx: BenchContext, listings: string[], customers: BenchUser[], count: number, offset: number) {
  return ctx.sql`
    with plan as (
      select i, (${listings}::uuid[])[1 + i % ${listings.length}] as listing_id,
             (${customers.map((c) => c.id)}::uuid[])[1 + i % ${customers.length}] as customer_id,
             ${slot(offset)}::timestamptz + (i / ${listings.length}) * interval '1 hour' as start
        from generate_series(0, ${count - 1}) i)
    select (private.create_booking(plan.customer_id, l.provider_id, tstzrange(plan.start, plan.start + interval '1 hour'),
                                   l.base_price, l.currency, 'accepted', 'customer', l.id)).id as id,
           l.provider_id, plan.customer_id, plan.start
      from plan join public.service_listings l on l.id = plan.listing_id
     order by plan.i`;
}

export const rescheduleThroughput: Scenario = {
  name: "reschedule",
  title: "reschedules by proposal and answer through the gateway",
  async run(ctx) {
    const count = Number(ctx.options.reschedules ?? 400);
    const concurrency = Number(ctx.options["reschedule-concurrency"] ?? 16);
    const rounds = Number(ctx.options["reschedule-rounds"] ?? 5);
    const racers = 20;
    const shiftHours = 24 * 20;
    log(`reschedule: ${count} bookings moved by ${concurrency} concurrent pairs; ${rounds} contention rounds of ${racers}`);
    const providers = await createUsers(ctx.p, "resched-provider", 20);
    const customers = await createUsers(ctx.p, "resched-customer", 40);
    const listings: string[] = [];
    for (const p of providers) listings.push(await providerWithListing(ctx, p, "instant"));
    const tokenOf = new Map([...providers, ...customers].map((u) => [u.id, u.token]));
    const clients = new Map([...tokenOf].map(([id, token]) => [id, client(ctx.p, token)]));

    // 1. Throughput: each booking's customer proposes a time 20 days later, its provider accepts.
    const rows = await acceptedBookings(ctx, listings, customers, count, 3000);
    const proposeMs: number[] = [];
    const acceptMs: number[] = [];
    const errors: string[] = [];
    const t0 = performance.now();
    await pool(rows, concurrency, async (r) => {
      const target = new Date(new Date(r.start as string).getTime() + shiftHours * HOUR).toISOString();
      let t = performance.now();
      const proposed = await clients.get(r.customer_id as string)!.rpc("propose_booking_reschedule", {
        p_booking_id: r.id as string, p_start: target, p_reason: "bench",
      });
      proposeMs.push(performance.now() - t);
      if (proposed.error) return void errors.push(`propose: ${proposed.status} ${proposed.error.code} ${proposed.error.message}`);
      t = performance.now();
      const answered = await clients.get(r.provider_id as string)!.rpc("respond_booking_reschedule", {
        p_reschedule_id: proposed.data!.id, p_accept: true,
      });
      acceptMs.push(performance.now() - t);
      if (answered.error) errors.push(`respond: ${answered.status} ${answered.error.code} ${answered.error.message}`);
    });
    const wall = (performance.now() - t0) / 1000;
    const ids = rows.map((r) => r.id as string);
    const [check] = await ctx.sql`
      select count(*) filter (where lower(b.period) = lower(x.previous_period) + ${shiftHours} * interval '1 hour'
                                and upper(b.period) - lower(b.period) = interval '1 hour' and b.status = 'accepted')::int as moved,
             (select count(*)::int from public.booking_events e where e.booking_id in ${ctx.sql(ids)} and e.transition = 'reschedule') as events,
             count(x.id)::int as accepted,
             (select count(*)::int from private.provider_busy_blocks k join public.bookings b2 on b2.id = k.source_id
               where k.source = 'booking' and k.source_id in ${ctx.sql(ids)} and k.period = b2.period) as blocks
        from public.bookings b
        left join public.booking_reschedules x on x.booking_id = b.id and x.status = 'accepted'
       where b.id in ${ctx.sql(ids)}`;
    const throughputOk = errors.length === 0 && check.moved === count && check.events === count && check.accepted === count && check.blocks === count;
    if (errors.length) log(`reschedule: first errors: ${errors.slice(0, 5).join("; ")}`);

    // 2. Contention: 20 customers of one provider propose the same free hour; the provider
    // accepts all the proposals at once: one booking moves, the others get HL404.
    const contention: { round: number; moved: number; outcomes: string; ok: boolean; raceMs: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      const booked = await acceptedBookings(ctx, [listings[0]], customers.slice(0, racers), racers, 4000 + round * 50);
      const target = slot(4000 + round * 50 + racers + 5);
      const proposals = await Promise.all(booked.map((b) => clients.get(b.customer_id as string)!.rpc("propose_booking_reschedule", {
        p_booking_id: b.id as string, p_start: target, p_reason: "bench contention",
      })));
      const t = performance.now();
      const answers = await Promise.all(proposals.map((p) => clients.get(providers[0].id)!.rpc("respond_booking_reschedule", {
        p_reschedule_id: p.data?.id ?? "00000000-0000-4000-8000-000000000000", p_accept: true,
      })));
      const raceMs = performance.now() - t;
      const outcomes = new Map<string, number>();
      for (const a of answers) {
        const key = a.error ? `${a.status} ${a.error.code}` : `${a.status} moved`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      const [{ moved }] = await ctx.sql`
        select count(*)::int as moved from public.bookings where provider_id = ${providers[0].id} and lower(period) = ${target}::timestamptz`;
      const text = [...outcomes.entries()].sort().map(([k, v]) => `${v} × ${k}`).join(", ");
      contention.push({ round: round + 1, moved, outcomes: text, raceMs,
        ok: proposals.every((p) => !p.error) && moved === 1 && outcomes.get("200 moved") === 1 && outcomes.get("409 HL404") === racers - 1 });
    }

    const p = stats(proposeMs);
    const a = stats(acceptMs);
    const pairs = count - errors.length;
    const goodRounds = contention.filter((c) => c.ok).length;
    const markdown = [
      "### Rescheduling by proposal and answer",
      "",
      `${count} accepted bookings over ${providers.length} providers (made in SQL, not timed); each booking's customer calls ` +
        "`propose_booking_reschedule` (20 days later, same length) and its provider then `respond_booking_reschedule(p_accept => true)`, " +
        `${concurrency} such pairs in flight, supabase-js through the gateway. Accepting takes the booking's \`reschedule\` transition ` +
        "through `private.apply_booking_transition` (row lock, per-provider advisory lock, the new period under the exclusion " +
        "constraint, busy block, reminders, timeline event, notification, the messaging module's system message).",
      "",
      "| bookings | pairs in flight | errors | wall time | **reschedules/s** | propose p50 / p95 | accept p50 / p95 |",
      "|---|---|---|---|---|---|---|",
      `| ${count} | ${concurrency} | ${errors.length} | ${wall.toFixed(1)} s | **${(pairs / wall).toFixed(1)}** | ${ms(p.p50)} / ${ms(p.p95)} ms | ${ms(a.p50)} / ${ms(a.p95)} ms |`,
      "",
      `Checks: ${check.moved} bookings at their new start, ${check.events} \`reschedule\` events, ${check.accepted} accepted proposals, ` +
        `${check.blocks} busy blocks equal to the new periods (of ${count}).`,
      "",
      `Contention: each round, ${racers} customers of one provider propose the same free hour (every proposal is valid when made); ` +
        "the provider then accepts all of them at once.",
      "",
      "| round | bookings at the hour | answers | accept race wall time |",
      "|---|---|---|---|",
      ...contention.map((c) => `| ${c.round} | ${c.moved} | ${c.outcomes} | ${ms(c.raceMs)} ms |`),
      "",
      `Rounds with exactly one booking moved and ${racers - 1} × HL404: **${goodRounds}/${rounds}**.`,
    ].join("\n");
    return {
      markdown,
      ok: throughputOk && goodRounds === rounds,
      summary: `reschedule: ${(pairs / wall).toFixed(1)} reschedules/s at ${concurrency} pairs (propose p50 ${ms(p.p50)} ms, accept p50 ${ms(a.p50)} ms), ` +
        `${errors.length} errors; contention ${goodRounds}/${rounds} rounds with exactly one move`,
    };
  },
};

export const scenarios: Scenario[] = [raceForSlot, lifecycleThroughput, offerAcceptanceRace, instantTakeRace, rescheduleThroughput];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      worker: { type: "string" },
      only: { type: "string" },
      rounds: { type: "string" },
      racers: { type: "string" },
      bookings: { type: "string" },
      workers: { type: "string" },
      concurrency: { type: "string" },
      seconds: { type: "string" },
      providers: { type: "string" },
      "offer-rounds": { type: "string" },
      reschedules: { type: "string" },
      "reschedule-concurrency": { type: "string" },
      "reschedule-rounds": { type: "string" },
      keep: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  if (values.worker) {
    const job = JSON.parse(readFileSync(values.worker, "utf8")) as WorkerJob;
    process.stdout.write(JSON.stringify(await worker(job)));
    return 0;
  }
  const only = new Set((values.only ?? scenarios.map((s) => s.name).join(",")).split(","));
  const options = Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const { p, stop } = await benchStack("bookings", 58321);
  const sql = connect(p, "postgres", { max: 4 });
  const results: ScenarioResult[] = [];
  try {
    const ctx: BenchContext = { p, sql, options };
    for (const s of scenarios.filter((s) => only.has(s.name))) {
      log(`scenario: ${s.title}`);
      const r = await s.run(ctx);
      log(r.summary);
      results.push(r);
    }
  } finally {
    await sql.end();
    if (!values.keep) await stop();
  }
  const ok = results.every((r) => r.ok);
  const body = [
    `Measured with \`npm run bench:bookings\` on ${new Date().toISOString().slice(0, 10)}: ${machine()}. ` +
      "The benchmark brings up its own stack (`.hyperlocal/bench-bookings`) and removes it afterwards.",
    "",
    ...results.map((r) => r.markdown + "\n"),
    ok ? "All checks held." : "**Some checks failed** (see the numbers above).",
  ].join("\n");
  if (!values["no-write"] && results.length) {
    writeSection("Bookings (issue 4)", body);
    log("wrote docs/benchmarks.md (section \"Bookings (issue 4)\")");
  }
  process.stdout.write(`\n${results.map((r) => r.summary).join("\n")}\n`);
  return ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main()
    .then((code) => process.exit(code))
    .catch((e) => {
      process.stderr.write(`\n${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
