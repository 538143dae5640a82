/**
 * Benchmark scenario "offers race": N providers each make an offer on one job; then a second
 * process fires every acceptance at the same moment through the API gateway (PostgREST 12):
 * the customer's accept_offer on every offer, and in `mixed` mode the providers'
 * respond_to_counter(accept) on the offers the customer countered. Every round must end with
 * exactly one booking, one accepted offer, every other offer closed, one successful response
 * and HL309 (job_already_assigned) for all the others. In `instant` mode the job is posted as
 * instant and every provider calls take_job at once: exactly one booking, one accepted offer
 * (the taker's), one success and HL309 for the others.
 *
 *   npm run bench:offers -- [--providers 100] [--rounds 5] [--mode customer|mixed|instant] [--keep]
 *
 * Standalone it brings up a stack of its own (HL_HOME=.hyperlocal/bench-offers, API port
 * HL_API_PORT or 56421; durability traded for speed like the test stack) and removes it at the end
 * unless --keep. As a module, `offersRace({ stack })` runs against any running stack (the
 * bookings benchmark imports it). `--worker` is the second process (reads the attempts as JSON
 * on stdin, writes the responses as JSON on stdout).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ANON_KEY, profile, ROOT, type Profile } from "../lib/config.ts";
import { authAdminSql, createUser, mintAccessToken } from "../lib/auth.ts";
import { connect } from "../lib/db.ts";

export interface OffersRaceOptions {
  stack: Profile;
  providers?: number;
  rounds?: number;
  /**
   * customer: every attempt is accept_offer; mixed: half the offers are countered and their
   * providers accept the counter; instant: no offers, every provider takes the instant job.
   */
  mode?: "customer" | "mixed" | "instant";
  log?: (line: string) => void;
}

export interface RoundResult {
  round: number;
  jobId: string;
  attempts: number;
  succeeded: number;
  bookings: number;
  acceptedOffers: number;
  closedOffers: number;
  /** Error codes of the failed attempts and how many of each. */
  errors: Record<string, number>;
  /** From the first request sent to the last response received, in the second process. */
  raceMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Time for the N providers to make their offers concurrently. */
  offersMs: number;
  ok: boolean;
}

export interface OffersRaceReport {
  providers: number;
  rounds: RoundResult[];
  setupMs: number;
  ok: boolean;
}

interface Attempt {
  token: string;
  fn: "accept_offer" | "respond_to_counter" | "take_job";
  args: Record<string, unknown>;
  /** The offer the attempt books (take_job: the taker's provider id). */
  offerId: string;
}

interface AttemptResult {
  offerId: string;
  fn: string;
  status: number;
  code: string | null;
  ms: number;
}

const TSX_BIN = path.join(ROOT, "node_modules", ".bin", "tsx");
const THIS_FILE = fileURLToPath(import.meta.url);

async function rpc<T>(apiUrl: string, token: string, fn: string, args: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${apiUrl}/rest/v1/rpc/${fn}`, {
    method: "POST",
    headers: { apikey: ANON_KEY, Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(args),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`${fn} failed with HTTP ${res.status}: ${body}`);
  return JSON.parse(body) as T;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs the attempts in a second process and returns its measurements. */
function raceInSecondProcess(apiUrl: string, attempts: Attempt[]): Promise<{ raceMs: number; results: AttemptResult[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX_BIN, [THIS_FILE, "--worker"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`offers-race worker exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`offers-race worker printed no JSON: ${out}\n${err}`));
      }
    });
    child.stdin.end(JSON.stringify({ apiUrl, attempts }));
  });
}

/** The second process: every attempt at once, through the gateway. */
async function worker(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const { apiUrl, attempts } = JSON.parse(input) as { apiUrl: string; attempts: Attempt[] };
  // Warm the connection pool so the race measures the database, not TCP handshakes.
  await fetch(`${apiUrl}/rest/v1/`, { headers: { apikey: ANON_KEY } }).then((r) => r.text()).catch(() => "");
  const started = performance.now();
  const results = await Promise.all(
    attempts.map(async (a): Promise<AttemptResult> => {
      const t0 = performance.now();
      const res = await fetch(`${apiUrl}/rest/v1/rpc/${a.fn}`, {
        method: "POST",
        headers: { apikey: ANON_KEY, Authorization: `Bearer ${a.token}`, "Content-Type": "application/json" },
        body: JSON.stringify(a.args),
      });
      const body = await res.text();
      let code: string | null = null;
      if (!res.ok) {
        try {
          code = (JSON.parse(body) as { code?: string }).code ?? `HTTP${res.status}`;
        } catch {
          code = `HTTP${res.status}`;
        }
      }
      return { offerId: a.offerId, fn: a.fn, status: res.status, code, ms: performance.now() - t0 };
    }),
  );
  const raceMs = performance.now() - started;
  process.stdout.write(JSON.stringify({ raceMs, results }));
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export async function offersRace(opts: OffersRaceOptions): Promise<OffersRaceReport> {
  const { stack } = opts;
  const n = opts.providers ?? 100;
  const rounds = opts.rounds ?? 5;
  const mode = opts.mode ?? "mixed";
  const log = opts.log ?? (() => {});
  if (rounds > 50) throw new Error("at most 50 rounds: each provider offers once per round (rate_limit.make_offer is 60 an hour)");

  const sql = connect(stack, "postgres", { max: 2 });
  const auth = authAdminSql(stack);
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const signIn = async (email: string) => {
    const { user } = await createUser(auth, { email });
    return mintAccessToken(auth, user.id, { apiUrl: stack.apiUrl });
  };
  try {
    const setupStarted = performance.now();
    const [category] = await sql`
      insert into public.categories (slug, names)
      values (${`bench-offers-${runId}`}, ${sql.json({ en: "Bench offers", ar: "اختبار" })})
      returning id`;
    const providers: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < n; i++) {
      const s = await signIn(`bench.offers.${runId}.p${i}@example.test`);
      providers.push({ id: s.user.id, token: s.accessToken });
    }
    const ids = providers.map((p) => p.id);
    await sql`
      insert into public.provider_profiles (id, display_name, base_location, service_radius_m, is_available)
      select t.id, 'Bench provider ' || t.n,
             extensions.st_setsrid(extensions.st_makepoint(55.14 + (t.n % 10) * 0.002, 25.08 + (t.n / 10) * 0.002), 4326)::extensions.geography,
             20000, true
        from unnest(${ids}::uuid[]) with ordinality as t(id, n)`;
    await sql`
      insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
      select t.id, ${category.id}, 'Bench service', 'hourly', 10000 from unnest(${ids}::uuid[]) as t(id)`;
    const setupMs = performance.now() - setupStarted;
    log(`setup: ${n} providers in ${setupMs.toFixed(0)} ms`);

    const results: RoundResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      const customer = await signIn(`bench.offers.${runId}.c${round}@example.test`);
      const instant = mode === "instant";
      const job = await rpc<{ id: string }>(stack.apiUrl, customer.accessToken, "post_job", {
        p_category_id: category.id, p_title: `Bench job ${round}`, p_lat: 25.08, p_lng: 55.14,
        p_duration_minutes: 60, p_asap: true,
        ...(instant ? { p_fixed_budget: 15000, p_instant: true } : { p_budget_min: 5000, p_budget_max: 20000 }),
      });
      // Distinct times per round: a provider may win several rounds without double-booking.
      const start = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + (round + 1) * 86_400_000).toISOString();
      const offersStarted = performance.now();
      const offers = instant ? [] : await Promise.all(
        providers.map((p, i) =>
          rpc<{ id: string }>(stack.apiUrl, p.token, "make_offer", {
            p_job_id: job.id, p_price: 10000 + i, p_proposed_start: start, p_duration_minutes: 60,
          }).then((o) => ({ offerId: o.id, provider: p })),
        ),
      );
      const offersMs = performance.now() - offersStarted;

      const attempts: Attempt[] = instant
        ? providers.map((p) => ({ token: p.token, fn: "take_job", args: { p_job_id: job.id, p_start: start }, offerId: p.id }))
        : [];
      const countered = mode === "mixed" ? offers.filter((_, i) => i % 2 === 1) : [];
      await Promise.all(
        countered.map((o) => rpc(stack.apiUrl, customer.accessToken, "counter_offer", { p_offer_id: o.offerId, p_counter_price: 9000 })),
      );
      const counteredIds = new Set(countered.map((o) => o.offerId));
      for (const o of offers) {
        if (counteredIds.has(o.offerId)) {
          attempts.push({ token: o.provider.token, fn: "respond_to_counter", args: { p_offer_id: o.offerId, p_accept: true }, offerId: o.offerId });
        }
        // The customer also tries to accept every offer (countered ones at the provider's price).
        attempts.push({ token: customer.accessToken, fn: "accept_offer", args: { p_offer_id: o.offerId }, offerId: o.offerId });
      }

      const race = await raceInSecondProcess(stack.apiUrl, shuffle(attempts));
      const [state] = await sql`
        select (select count(*)::int from public.bookings b join public.job_offers o on o.booking_id = b.id where o.job_id = ${job.id}) as bookings,
               (select count(*)::int from public.job_offers o where o.job_id = ${job.id} and o.status = 'accepted') as accepted,
               (select count(*)::int from public.job_offers o where o.job_id = ${job.id} and o.status = 'closed') as closed,
               (select status from public.job_requests j where j.id = ${job.id}) as job_status,
               (select case when ${instant} then o.provider_id else o.id end
                  from public.job_offers o where o.job_id = ${job.id} and o.status = 'accepted') as winner`;
      const winners = race.results.filter((r) => r.status === 200);
      const errors: Record<string, number> = {};
      for (const r of race.results) if (r.code) errors[r.code] = (errors[r.code] ?? 0) + 1;
      const latencies = race.results.map((r) => r.ms).sort((a, b) => a - b);
      const ok =
        state.bookings === 1 && state.accepted === 1 && state.closed === (instant ? 0 : n - 1) && state.job_status === "assigned" &&
        winners.length === 1 && winners[0].offerId === state.winner &&
        Object.keys(errors).every((code) => code === "HL309");
      const result: RoundResult = {
        round, jobId: job.id, attempts: attempts.length, succeeded: winners.length, bookings: state.bookings,
        acceptedOffers: state.accepted, closedOffers: state.closed, errors, raceMs: race.raceMs,
        p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), maxMs: latencies.at(-1) ?? 0, offersMs, ok,
      };
      results.push(result);
      log(
        `round ${round}: ${attempts.length} attempts (${mode}) -> ${winners.length} succeeded, ${state.bookings} booking(s), ` +
          `errors ${JSON.stringify(errors)}; race ${result.raceMs.toFixed(0)} ms (p50 ${result.p50Ms.toFixed(0)}, ` +
          `p95 ${result.p95Ms.toFixed(0)}, max ${result.maxMs.toFixed(0)} ms)` +
          (instant ? "" : `; ${n} offers in ${offersMs.toFixed(0)} ms`) +
          (ok ? "" : "  <-- NOT EXACTLY ONE BOOKING"),
      );
    }
    return { providers: n, rounds: results, setupMs, ok: results.every((r) => r.ok) };
  } finally {
    await Promise.all([sql.end(), auth.end()]);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      worker: { type: "boolean", default: false },
      providers: { type: "string", default: "100" },
      rounds: { type: "string", default: "5" },
      mode: { type: "string", default: "mixed" },
      keep: { type: "boolean", default: false },
    },
  });
  if (values.worker) {
    await worker();
    return 0;
  }
  if (values.mode !== "customer" && values.mode !== "mixed" && values.mode !== "instant") {
    throw new Error("--mode is customer, mixed or instant");
  }
  process.env.HL_HOME ??= ".hyperlocal/bench-offers";
  process.env.HL_API_PORT ??= "56421";
  const { down, up } = await import("../lib/stack.ts");
  const { log } = await import("../lib/proc.ts");
  const stack = profile("dev");
  log(`offers race: bringing up a stack of its own in ${stack.home} (API ${stack.apiUrl})`);
  await up(stack, { reset: true, fast: true, seedSize: "small" });
  try {
    const report = await offersRace({
      stack, providers: Number(values.providers), rounds: Number(values.rounds), mode: values.mode, log,
    });
    const race = report.rounds.map((r) => r.raceMs).sort((a, b) => a - b);
    process.stdout.write(
      `\noffers race: ${report.providers} providers, ${report.rounds.length} rounds, mode ${values.mode}: ` +
        `${report.rounds.filter((r) => r.ok).length}/${report.rounds.length} rounds with exactly one booking; ` +
        `race median ${percentile(race, 50).toFixed(0)} ms, max ${(race.at(-1) ?? 0).toFixed(0)} ms\n`,
    );
    return report.ok ? 0 : 1;
  } finally {
    if (values.keep) log(`stack kept running at ${stack.apiUrl}`);
    else await down(stack, { removeData: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .then((code) => process.exit(code))
    .catch((e) => {
      process.stderr.write(`offers race failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
