/**
 * npm run bench:location [-- --bookings 500 --customers 50 --watched 100 --concurrency 8,32 --seconds 15
 *                           --workers 2 --keep --no-write]
 *
 * Live location (issue 10) on a stack of its own (.hyperlocal/bench-location, API port 59321 unless
 * HL_API_PORT is set): --bookings active (en route) bookings, each with its own provider (users
 * created as GoTrue does, with access tokens), --customers customers sharing them. Providers call
 * report_location for their own booking, round-robin, the fix moving along a line.
 *
 *   sql       report_location directly in the database: --concurrency connections as postgres, each
 *             call one round trip (one simple query, one implicit transaction: the provider's role
 *             and JWT claims, then public.report_location(...)): reports/s and latency;
 *   gateway   the same through the gateway with supabase-js rpc from --workers processes (one client
 *             per provider): reports/s and latency, side by side with sql;
 *   delivery  while either runs, the customers of --watched bookings are subscribed to
 *             booking:<id> (private channels, realtime-js): latency from just before the rpc (the
 *             fix's recorded_at) to the customer's broadcast callback.
 * Each is measured twice: with the default throttle (tracking.min_interval_seconds = 5, so nearly
 * every report is coalesced: live state only) and with the throttle off (0: every report is stored
 * in the trail and broadcast: the worst case).
 *
 * Results go to docs/benchmarks.md, section "Live location (issue 10)", unless --no-write.
 * `--worker <job>` is a load process (prints one JSON line).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { RealtimeClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import { ANON_KEY } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, client, createUsers, machine, ms, runWorker, stats, writeSection, type BenchUser, type Stats } from "./lib.ts";

const SCRIPT = new URL(import.meta.url).pathname;
const HOUR = 3_600_000;
const BASE = { lat: 25.2, lng: 55.27 };

interface Target {
  token: string;
  providerId: string;
  bookingId: string;
}

interface LoadJob {
  apiUrl: string;
  targets: Target[];
  concurrency: number;
  seconds: number;
}

interface LoadResult {
  ok: number;
  errors: Record<string, number>;
  latencies: number[];
  statuses: Record<string, number>;
  seconds: number;
}

/** The fix number `k` of booking `i`: a line north-east from the base, about 11 m a step. */
function fix(i: number, k: number): { lat: number; lng: number } {
  return { lat: BASE.lat + (i % 50) * 0.001 + k * 0.0001, lng: BASE.lng + Math.floor(i / 50) * 0.001 + k * 0.00005 };
}

/** Round-robin over targets with `concurrency` loops for `seconds`; `call` reports one fix. */
async function loop(
  targets: Target[],
  concurrency: number,
  seconds: number,
  call: (t: Target, index: number, k: number) => Promise<{ error?: string; status?: string }>,
): Promise<LoadResult> {
  const steps = new Map<number, number>();
  const busy = new Set<number>();
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  let ok = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        // never two reports of one booking at once (a phone sends one after the other)
        let i = next++ % targets.length;
        while (busy.has(i)) i = next++ % targets.length;
        busy.add(i);
        const k = (steps.get(i) ?? 0) + 1;
        steps.set(i, k);
        const t = performance.now();
        const r = await call(targets[i], i, k);
        latencies.push(performance.now() - t);
        busy.delete(i);
        if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
        else {
          ok++;
          if (r.status) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        }
      }
    }),
  );
  return { ok, errors, latencies, statuses, seconds: (performance.now() - started) / 1000 };
}

async function worker(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, "utf8")) as LoadJob;
  const clients = job.targets.map((t) => client({ apiUrl: job.apiUrl } as never, t.token));
  const result = await loop(job.targets, job.concurrency, job.seconds, async (t, i, k) => {
    const at = fix(i, k);
    const res = await clients[i].rpc("report_location", {
      p_booking_id: t.bookingId, p_lat: at.lat, p_lng: at.lng, p_accuracy: 8, p_heading: 45, p_speed: 8,
      p_recorded_at: new Date().toISOString(),
    });
    if (res.error) return { error: `${res.status} ${res.error.code}` };
    return { status: (res.data as { status: string }).status };
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      worker: { type: "string" },
      bookings: { type: "string", default: "500" },
      customers: { type: "string", default: "50" },
      watched: { type: "string", default: "100" },
      concurrency: { type: "string", default: "8,32" },
      seconds: { type: "string", default: "15" },
      workers: { type: "string", default: "2" },
      keep: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  if (values.worker) {
    await worker(values.worker);
    return 0;
  }
  const nBookings = Number(values.bookings);
  const nCustomers = Number(values.customers);
  const nWatched = Math.min(Number(values.watched), nBookings);
  const levels = values.concurrency.split(",").map(Number);
  const seconds = Number(values.seconds);
  const nWorkers = Number(values.workers);
  const { p, stop } = await benchStack("location", 59321);
  const sql = connect(p, "postgres", { max: Math.max(...levels) + 2 });
  const watchers: RealtimeClient[] = [];
  try {
    // ---- setup: providers, customers, one en-route booking per provider (as the back office would)
    let t = Date.now();
    const providers = await createUsers(p, "loc-provider", nBookings);
    const customers = await createUsers(p, "loc-customer", nCustomers);
    await sql`
      insert into public.provider_profiles (id, display_name, base_location, timezone)
      select u, 'Bench Pro', 'SRID=4326;POINT(55.27 25.20)', 'UTC' from unnest(${providers.map((x) => x.id)}::uuid[]) u`;
    const start = new Date(Math.ceil((Date.now() + HOUR) / HOUR) * HOUR).toISOString();
    const rows = await sql`
      with made as (
        select pr.u as provider_id, pr.n,
               (private.create_booking((${customers.map((c) => c.id)}::uuid[])[1 + (pr.n - 1) % ${nCustomers}], pr.u,
                  tstzrange(${start}::timestamptz, ${start}::timestamptz + interval '1 hour'), 10000, 'AED', 'accepted', 'customer',
                  p_location => extensions.st_setsrid(extensions.st_makepoint(55.30 + (pr.n % 20) * 0.001, 25.25), 4326)::extensions.geography)).id as booking_id
          from unnest(${providers.map((x) => x.id)}::uuid[]) with ordinality pr(u, n))
      select provider_id, booking_id, n from made order by n`;
    // The customer's payment authorised first (the money module refuses progress without it): the
    // customer starts it and the provider's answer is applied as the payments worker does.
    await sql`update private.settings set value = '{"limit": 1000000, "window": "1 minute"}' where key = 'rate_limit.payments'`;
    for (const r of rows) {
      await sql.begin(async (tx) => {
        const [b] = await tx`select customer_id from public.bookings where id = ${r.booking_id as string}`;
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: b.customer_id, role: "authenticated" })}, true)`;
        const [{ p }] = await tx`select public.prepare_booking_payment(${r.booking_id as string}, 'local', 'pm_card_visa') as p`;
        await tx`select set_config('request.jwt.claims', '{"role": "service_role"}', true)`;
        await tx`select public.apply_payment_intent('local', ${tx.json({
          id: `pi_bench_${String(p.payment_id).replaceAll("-", "")}`, status: "requires_capture", amount: p.amount,
          amount_capturable: p.amount, currency: String(p.currency).toLowerCase(), metadata: p.metadata,
        })})`;
      });
    }
    await sql`select private.apply_booking_transition(b, 'start_travel', 'provider', p, null, '{}'::jsonb, false)
                from unnest(${rows.map((r) => r.booking_id as string)}::uuid[], ${rows.map((r) => r.provider_id as string)}::uuid[]) as x(b, p)`;
    const [{ tracked }] = await sql`select count(*)::int as tracked from private.booking_tracking where ended_at is null`;
    if (tracked !== nBookings) throw new Error(`expected ${nBookings} tracking sessions, got ${tracked}`);
    const byProvider = new Map(providers.map((x) => [x.id, x] as [string, BenchUser]));
    const targets: Target[] = rows.map((r) => ({
      token: byProvider.get(r.provider_id as string)!.token, providerId: r.provider_id as string, bookingId: r.booking_id as string,
    }));
    const setupMs = Date.now() - t;
    log(`location bench: ${nBookings} en-route bookings, ${nBookings} providers, ${nCustomers} customers (${(setupMs / 1000).toFixed(1)} s)`);

    // ---- watchers: the customers of the first --watched bookings subscribe to booking:<id>
    t = Date.now();
    const deliveries: number[] = [];
    let deliveryPhase = "";
    const phaseDeliveries = new Map<string, number[]>();
    const customerOf = (i: number) => customers[i % nCustomers];
    const byCustomer = new Map<string, number[]>();
    for (let i = 0; i < nWatched; i++) {
      const c = customerOf(i);
      byCustomer.set(c.id, [...(byCustomer.get(c.id) ?? []), i]);
    }
    let joined = 0;
    for (const [customerId, indexes] of byCustomer) {
      const c = customers.find((x) => x.id === customerId)!;
      const rt = new RealtimeClient(`${p.apiUrl}/realtime/v1`, { params: { apikey: ANON_KEY }, transport: WebSocket as never, timeout: 60_000 });
      await rt.setAuth(c.token);
      watchers.push(rt);
      await Promise.all(indexes.map((i) => new Promise<void>((resolve, reject) => {
        rt.channel(`booking:${targets[i].bookingId}`, { config: { private: true } })
          .on("broadcast", { event: "location" }, (msg) => {
            const lag = Date.now() - Date.parse((msg.payload as { recorded_at: string }).recorded_at);
            deliveries.push(lag);
            const list = phaseDeliveries.get(deliveryPhase) ?? [];
            list.push(lag);
            phaseDeliveries.set(deliveryPhase, list);
          })
          .subscribe((status, err) => {
            if (status === "SUBSCRIBED") {
              joined++;
              resolve();
            } else reject(new Error(`booking:${targets[i].bookingId}: ${status} ${err?.message ?? ""}`));
          });
      })));
    }
    log(`location bench: ${joined} booking channels joined by ${byCustomer.size} customers (${((Date.now() - t) / 1000).toFixed(1)} s)`);

    // ---- measurements
    const setThrottle = (s: number) => sql`update private.settings set value = ${String(s)}::jsonb where key = 'tracking.min_interval_seconds'`;
    const counts = async () => {
      const [r] = await sql`select sum(fixes_received)::bigint as received, sum(fixes_stored)::bigint as stored from private.booking_tracking`;
      return { received: Number(r.received), stored: Number(r.stored) };
    };
    const sqlCall = (tg: Target, i: number, k: number) => {
      const at = fix(i, k);
      const claims = JSON.stringify({ sub: tg.providerId, role: "authenticated" });
      return sql
        // Several statements in one simple query run as one implicit transaction (set_config local to it).
        .unsafe(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '${claims}', true);
                 select public.report_location('${tg.bookingId}', ${at.lat}, ${at.lng}, 8, 45, 8, clock_timestamp()) ->> 'status' as s`)
        .then((res) => ({ status: (res as unknown as { s: string }[][])[1]?.[0]?.s }))
        .catch((e: { code?: string }) => ({ error: `sql ${e.code ?? "error"}` }));
    };

    interface Row { throttle: number; level: number; path: string; result: LoadResult; stats: Stats; delivered?: Stats; stored: number; received: number }
    const table: Row[] = [];
    for (const throttle of [5, 0]) {
      await setThrottle(throttle);
      for (const level of levels) {
        // sql
        let before = await counts();
        deliveryPhase = `sql-${throttle}-${level}`;
        const sqlResult = await loop(targets, level, seconds, sqlCall);
        let after = await counts();
        await new Promise((r) => setTimeout(r, 2000)); // late deliveries
        table.push({ throttle, level, path: "sql", result: sqlResult, stats: stats(sqlResult.latencies),
                     delivered: stats(phaseDeliveries.get(deliveryPhase) ?? []), stored: after.stored - before.stored, received: after.received - before.received });
        log(`  throttle ${throttle} s, ${level} clients, sql: ${(sqlResult.ok / sqlResult.seconds).toFixed(0)} reports/s`);
        // gateway
        await new Promise((r) => setTimeout(r, 4000)); // every booking's next fix is storable again
        before = await counts();
        deliveryPhase = `${throttle}-${level}`;
        const perWorker = Math.max(1, Math.round(level / nWorkers));
        const results = await Promise.all(Array.from({ length: nWorkers }, (_, w) => runWorker<LoadResult>(SCRIPT, {
          apiUrl: p.apiUrl, targets: targets.filter((_, i) => i % nWorkers === w), concurrency: perWorker, seconds,
        } satisfies LoadJob, `location-${w}`)));
        await new Promise((r) => setTimeout(r, 2000)); // late deliveries
        after = await counts();
        const merged: LoadResult = {
          ok: results.reduce((a, r) => a + r.ok, 0),
          errors: Object.assign({}, ...results.map((r) => r.errors)),
          latencies: results.flatMap((r) => r.latencies),
          statuses: results.reduce((a, r) => {
            for (const [k, v] of Object.entries(r.statuses)) a[k] = (a[k] ?? 0) + v;
            return a;
          }, {} as Record<string, number>),
          seconds: Math.max(...results.map((r) => r.seconds)),
        };
        table.push({ throttle, level: perWorker * nWorkers, path: "gateway", result: merged, stats: stats(merged.latencies),
                     delivered: stats(phaseDeliveries.get(deliveryPhase) ?? []),
                     stored: after.stored - before.stored, received: after.received - before.received });
        log(`  throttle ${throttle} s, ${perWorker * nWorkers} clients, gateway: ${(merged.ok / merged.seconds).toFixed(0)} reports/s, ` +
            `${phaseDeliveries.get(deliveryPhase)?.length ?? 0} deliveries`);
        await new Promise((r) => setTimeout(r, 6000));
      }
    }
    await setThrottle(5);
    const [{ points }] = await sql`select count(*)::int as points from private.tracking_points`;

    const errorsText = (r: LoadResult) => (Object.keys(r.errors).length ? Object.entries(r.errors).map(([k, v]) => `${v} × ${k}`).join(", ") : "0");
    const lines = table.map((row) => {
      const rate = row.result.ok / row.result.seconds;
      const d = row.delivered;
      return `| ${row.throttle === 0 ? "off (every report stored + broadcast)" : `${row.throttle} s (default)`} | ${row.path} | ${row.level} | ` +
        `${row.result.ok} | ${errorsText(row.result)} | **${rate.toFixed(0)} reports/s** | ${ms(row.stats.p50)} / ${ms(row.stats.p95)} / ${ms(row.stats.p99)} ms | ` +
        `${row.stored} / ${row.received} | ` +
        (d && d.n ? `${d.n}: ${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)} ms` : "—") + " |";
    });
    const body = `
Measured with \`npm run bench:location\` on ${new Date().toISOString().slice(0, 10)}: ${machine()}. The benchmark brings up its own stack (\`.hyperlocal/bench-location\`) and removes it afterwards.

${nBookings} bookings en route at once, each with its own provider (${nBookings} providers, ${nCustomers} customers); every report is the provider's own \`report_location\` for their booking (round-robin over the bookings, never two reports of one booking at once, the fix moving about 11 m a step, \`recorded_at\` the client's clock). **sql**: directly in the database, one round trip per report (one simple query run as one implicit transaction: \`set_config\` of the provider's role and JWT claims, then \`select public.report_location(..., clock_timestamp())\`) over that many connections. **gateway**: supabase-js \`rpc\` through the gateway and PostgREST from ${nWorkers} worker processes. Each level runs ${seconds} s. Meanwhile the customers of ${nWatched} of the bookings are subscribed to their \`booking:<id>\` private channels (${joined} channels, realtime-js); *delivery* is from the fix's \`recorded_at\` (the client's clock just before the call; \`clock_timestamp()\` for sql) to the customer's broadcast callback, for the stored fixes of the watched bookings (only stored fixes are broadcast).

| throttle (\`tracking.min_interval_seconds\`) | path | concurrent clients | reports | errors | **throughput** | latency p50 / p95 / p99 | stored / received (database) | delivery to a watching customer: n, p50 / p95 / p99 |
|---|---|---|---|---|---|---|---|---|
${lines.join("\n")}

With the default throttle a booking reporting more often than every 5 s is coalesced (live state and ETA updated, nothing stored or broadcast), which is why few reports are stored at these rates (each booking reports several times a second here; a phone sends every few seconds). With the throttle off every report also inserts a trail point and a \`realtime.messages\` row that the Realtime server streams out by logical replication. Trail points at the end: ${points}. All processes (PostgreSQL, PostgREST, the gateway with the Realtime server, the load generators) share the machine's cores with other work, so these are lower bounds. For scale: ${nBookings} phones each reporting every 5 s make ${(nBookings / 5).toFixed(0)} reports/s.
`;
    log(body);
    if (!values["no-write"]) writeSection("Live location (issue 10)", body);
    const anyErrors = table.some((r) => Object.keys(r.result.errors).length > 0);
    return anyErrors || joined !== nWatched ? 1 : 0;
  } finally {
    for (const w of watchers) w.disconnect();
    await sql.end();
    if (!values.keep) await stop();
  }
}

process.exitCode = await main();
