/**
 * npm run bench:goods-feeds [-- --products 1000000 --requests 300 --concurrency 1,4 --rounds 3
 *                              --reseed --keep-running --no-docs]
 *
 * Goods feeds and search benchmark (issue 13), on the bench stack (profile `bench`:
 * .hyperlocal/bench, API port 16321 unless HL_API_PORT says otherwise):
 *   1. seeds N products over the Dubai model once (scripts/bench/seed-goods.ts; reused by later
 *      runs while the count matches, --reseed rebuilds the stack);
 *   2. a signed-in shopper with recent likes and views (the personal signal) and a neighbourhood;
 *   3. six request shapes at random points drawn from the same metro model: discover (default),
 *      discover with filters, the community feed, search text + geo, search with a typo (corrected),
 *      and discover page 2 through the first page's cursor;
 *   4. each shape measured through the gateway (POST /rest/v1/rpc, load generator in a second
 *      process) and over direct SQL (the same RPC as the same user, postgres.js), interleaved in
 *      rounds, at each `concurrency` level in turn (1 then 4 requests in flight by default);
 *      prints p50/p95 per shape and path, the targets (discover page p95 ≤ 25 ms, search p95
 *      ≤ 50 ms, through the gateway, judged at the first level: a page's own latency) and the
 *      plans, and rewrites the "Goods feeds and search" section of docs/benchmarks.md.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type postgres from "postgres";
import { ANON_KEY, profile, ROOT } from "../lib/config.ts";
import { signIn } from "../lib/auth.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { down, up } from "../lib/stack.ts";
import type { LoadJob, LoadResult } from "./loadgen.ts";
import { METRO, prng, samplePoint } from "./metro.ts";
import { GOODS_VOCABULARY, seedGoods, type GoodsSeedReport } from "./seed-goods.ts";
import { stats, writeSection } from "./lib.ts";
import { asUser, type Body, rpcSql, sqlRun } from "./sql-rpc.ts";

const { values } = parseArgs({
  options: {
    products: { type: "string", default: "1000000" },
    requests: { type: "string", default: "300" },
    concurrency: { type: "string", default: "1,4" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "40" },
    reseed: { type: "boolean", default: false },
    "keep-running": { type: "boolean", default: false },
    "no-docs": { type: "boolean", default: false },
  },
});

const PRODUCTS = Number(values.products);
const REQUESTS = Number(values.requests);
/** Requests in flight: each level is measured in turn; the targets are judged at the first (a page's own latency). */
const LEVELS = values.concurrency.split(",").map(Number).filter((x) => x >= 1);
const CONCURRENCY = Math.max(...LEVELS);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const TARGETS = { discoverP95: 25, searchP95: 50 };

const p = profile("bench");
const stateFile = path.join(p.home, "bench-goods-feeds.json");
const TSX_BIN = path.join(ROOT, "node_modules", ".bin", "tsx");

interface SeedState extends GoodsSeedReport {
  seededAt: string;
}

async function ensureDataset(): Promise<SeedState> {
  const state: SeedState | null = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : null;
  // The dataset holds the requested products plus the base seed's few.
  if (!values.reseed && state && state.products >= PRODUCTS && state.products <= PRODUCTS + 100) {
    await up(p, { fast: true });
    const sql = connect(p, "postgres", { max: 1 });
    const [{ n }] = await sql`select count(*)::int as n from public.products`;
    await sql.end();
    if (n >= state.products && n <= state.products + 100) {
      log(`reusing the goods dataset seeded ${state.seededAt} (${n.toLocaleString("en")} products)`);
      return state;
    }
    log(`bench dataset changed (${n} products, expected ${state.products}): rebuilding`);
  }
  log("building the bench stack from scratch (.hyperlocal/bench)");
  await up(p, { fast: true, reset: true });
  log(`seeding ${PRODUCTS.toLocaleString("en")} products`);
  const report = await seedGoods(p, PRODUCTS);
  const fresh: SeedState = { ...report, seededAt: new Date().toISOString() };
  mkdirSync(p.home, { recursive: true });
  writeFileSync(stateFile, JSON.stringify(fresh, null, 2));
  log(`seeded in ${report.seconds.toFixed(1)} s`);
  return fresh;
}

/** shared_buffers at 25% of RAM up to 2 GB on the bench cluster, then products and its indexes prewarmed. */
async function tuneBenchCluster(): Promise<string> {
  const wantMb = Math.min(2048, Math.floor(os.totalmem() / 4 / 2 ** 20));
  const admin = connect(p, "supabase_admin", { max: 1 });
  try {
    const [{ setting }] = await admin`select setting::bigint * 8 / 1024 as setting from pg_settings where name = 'shared_buffers'`;
    if (Number(setting) !== wantMb) {
      log(`setting shared_buffers = ${wantMb}MB on the bench cluster (restart)`);
      await admin.unsafe(`alter system set shared_buffers = '${wantMb}MB'`);
      await admin.end();
      await down(p);
      await up(p, { fast: true });
    }
  } finally {
    await admin.end().catch(() => {});
  }
  const sql = connect(p, "supabase_admin", { max: 1 });
  try {
    await sql`create extension if not exists pg_prewarm with schema extensions`;
    const [{ blocks }] = await sql`
      select sum(extensions.pg_prewarm(c.oid))::bigint as blocks
        from pg_class c
       where c.oid in ('public.products'::regclass, 'public.profiles'::regclass)
          or c.oid in (select indexrelid from pg_index where indrelid in ('public.products'::regclass, 'public.profiles'::regclass))`;
    log(`prewarmed ${((Number(blocks) * 8) / 1024).toFixed(0)} MB`);
  } finally {
    await sql.end();
  }
  return `${wantMb}MB`;
}

function loadgen(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX_BIN, [path.join(ROOT, "scripts", "bench", "loadgen.ts")], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`loadgen exited with ${code}`));
      const result = JSON.parse(out) as LoadResult;
      if (result.errors.length) log(`  loadgen errors: ${result.errors.slice(0, 3).join(" | ")}`);
      resolve(result);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

interface Shape {
  name: string;
  fn: "discover_products" | "community_feed" | "search_products";
  target?: number;
  /** Gateway bodies and direct-SQL bodies (they differ only in page 2's cursors). */
  gateway: Body[];
  sql: Body[];
}

/** What the SQL path selects from a feed or search page (what a client reads first). */
const PAGE_COLUMNS = "(r.product).id, r.distance_m, r.score, r.cursor";

const msf = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");

async function main(): Promise<void> {
  const started = Date.now();
  const seed = await ensureDataset();
  const sharedBuffers = await tuneBenchCluster();
  const loadBefore = os.loadavg();
  const sql = connect(p, "postgres", { max: 1 });
  const pool = connect(p, "postgres", { max: CONCURRENCY, idle_timeout: 0 });
  const conns: postgres.ReservedSql[] = [];
  try {
    const [versions] = await sql`select current_setting('server_version') as pg, extensions.postgis_lib_version() as postgis`;
    // The shopper: lives in Dubai Marina, liked and viewed electronics and furniture there lately.
    const session = await signIn(p, { email: "bench.shopper@example.com" });
    const shopper = session.user.id;
    await sql`update public.profiles set neighbourhood = 'Dubai Marina' where id = ${shopper}`;
    await sql`delete from public.product_likes where user_id = ${shopper}`;
    await sql`delete from private.product_views where viewer_id = ${shopper}`;
    await sql`
      insert into public.product_likes (product_id, user_id)
      select p.id, ${shopper} from public.products p
       where p.category_id in (select id from public.categories where slug in ('electronics', 'furniture'))
         and p.hidden_at is null and p.withdrawn_at is null
         and extensions.st_dwithin(p.location, extensions.st_makepoint(55.1403, 25.0805)::extensions.geography, 3000)
       order by p.id limit 30`;
    await sql`
      insert into private.product_views (product_id, viewer_id, day, viewed_at)
      select p.id, ${shopper}, current_date, now() from public.products p
       where p.category_id in (select id from public.categories where slug in ('sneakers', 'furniture'))
         and p.hidden_at is null and p.withdrawn_at is null
         and extensions.st_dwithin(p.location, extensions.st_makepoint(55.1403, 25.0805)::extensions.geography, 3000)
       order by p.id desc limit 60`;
    const claims = JSON.stringify({ sub: shopper, role: "authenticated", aud: "authenticated" });
    const headers = { apikey: ANON_KEY, authorization: `Bearer ${session.accessToken}` };
    const cats = await sql`select id, slug from public.categories where kind = 'goods'`;
    const catId = new Map(cats.map((c) => [c.slug as string, c.id as string]));

    const rand = prng(1320);
    const n = REQUESTS + WARMUP;
    const point = () => {
      const pt = samplePoint(rand);
      return { p_lat: Number(pt.lat.toFixed(6)), p_lng: Number(pt.lng.toFixed(6)) };
    };
    const nouns = GOODS_VOCABULARY.flatMap((v) => v.nouns);
    const word = () => {
      const [en, ar] = nouns[Math.floor(rand() * nouns.length)];
      return rand() < 0.15 ? ar : en;
    };
    const typo = () => {
      const candidates = nouns.map((x) => x[0]).filter((x) => x.length >= 5);
      const w = candidates[Math.floor(rand() * candidates.length)];
      const i = 1 + Math.floor(rand() * (w.length - 2));
      return rand() < 0.5 ? w.slice(0, i) + w.slice(i + 1) : w.slice(0, i) + "x" + w.slice(i + 1);
    };
    const filterCats = ["electronics", "furniture", "kids-baby", "home-decor"];
    const same = (bodies: Body[]) => ({ gateway: bodies, sql: bodies });
    const discover = Array.from({ length: n }, () => ({ ...point(), p_limit: 20 }));
    const shapes: Shape[] = [
      { name: "discover, 10 km, default", fn: "discover_products", target: TARGETS.discoverP95, ...same(discover) },
      { name: "discover, 5 km, category + conditions + price", fn: "discover_products", target: TARGETS.discoverP95,
        ...same(Array.from({ length: n }, () => ({ ...point(), p_radius_m: 5000,
          p_category_id: catId.get(filterCats[Math.floor(rand() * filterCats.length)]),
          p_conditions: ["new", "like_new"], p_min_price: 5000, p_max_price: 200000, p_limit: 20 }))) },
      { name: "community, 3 km, building + neighbourhood", fn: "community_feed", target: TARGETS.discoverP95,
        ...same(Array.from({ length: n }, () => ({ ...point(), p_building: `Tower ${1 + Math.floor(rand() * 40)}`, p_limit: 20 }))) },
      { name: "search text + geo, 10 km (en 85%, ar 15%)", fn: "search_products", target: TARGETS.searchP95,
        ...same(Array.from({ length: n }, () => ({ p_query: word(), ...point(), p_limit: 20 }))) },
      { name: "search with a typo (corrected words), 10 km", fn: "search_products", target: TARGETS.searchP95,
        ...same(Array.from({ length: n }, () => ({ p_query: typo(), ...point(), p_limit: 20 }))) },
    ];

    // Page 2: the cursor of each first page, as the same user, per path.
    log("page 2: fetching first pages for their cursors");
    for (let i = 0; i < CONCURRENCY; i++) conns.push(await pool.reserve());
    const page2 = { gateway: [] as Body[], sql: [] as Body[] };
    for (const b of discover) {
      const res = await fetch(`${p.apiUrl}/rest/v1/rpc/discover_products`, {
        method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(b),
      });
      const rows = (await res.json()) as Array<{ cursor: string }>;
      if (rows.length) page2.gateway.push({ ...b, p_cursor: rows[rows.length - 1].cursor });
      const q = rpcSql("discover_products", b, PAGE_COLUMNS);
      const r = await asUser(conns[0], claims, q);
      if (r.length) page2.sql.push({ ...b, p_cursor: r[r.length - 1].cursor });
    }
    shapes.push({ name: "discover page 2 (cursor)", fn: "discover_products", target: TARGETS.discoverP95, ...page2 });

    // Plans: auto_explain of the statement the function executes, first body of each shape.
    const plans: Array<{ name: string; plan: string }> = [];
    const admin = connect(p, "supabase_admin", { max: 1 });
    try {
      for (const s of shapes) {
        const lines: string[] = [];
        const q = rpcSql(s.fn, s.sql[0], PAGE_COLUMNS);
        const explainer = connect(p, "supabase_admin", { max: 1, onnotice: (m) => lines.push(String(m.message)) });
        try {
          await explainer.begin(async (tx) => {
            await tx.unsafe(`load 'auto_explain'; set local auto_explain.log_min_duration = 0; set local auto_explain.log_nested_statements = on;
                             set local auto_explain.log_analyze = on; set local auto_explain.log_timing = off; set local auto_explain.log_buffers = off;
                             set local client_min_messages = log`);
            await tx.unsafe("select set_config('request.jwt.claims', $1, true)", [claims]);
            await tx.unsafe(q.text, q.params as never[]);
          });
        } finally {
          await explainer.end();
        }
        const inner = lines.filter((l) => /pg_catalog\.array_agg\(\(c\.id|select \(select p from public\.products p/.test(l));
        // The statements of the request (the candidates, ring by ring for a search, then the
        // page), without auto_explain's "Query Text:" (the statement itself).
        const strip = (m: string) => {
          const text = m.split("\n");
          return text.slice(Math.max(0, text.findIndex((l) => /^[A-Z][A-Za-z ]*[a-z]  \(cost=/.test(l)))).join("\n");
        };
        plans.push({ name: s.name, plan: (inner.length ? inner : lines.slice(0, 1)).map(strip).join("\n\n-- then --\n\n") });
      }
    } finally {
      await admin.end();
    }

    // Warm-up, then interleaved rounds: every shape through the gateway and over SQL, per level.
    log(`warming up (${WARMUP} requests per shape and path)`);
    for (const s of shapes) {
      await loadgen({ url: `${p.apiUrl}/rest/v1/rpc/${s.fn}`, headers, bodies: s.gateway.slice(REQUESTS), requests: WARMUP,
        warmup: 0, concurrency: CONCURRENCY, maxSeconds: 120 });
      await sqlRun(conns, claims, s.fn, s.sql.slice(REQUESTS), WARMUP, PAGE_COLUMNS);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    const per = Math.ceil(REQUESTS / ROUNDS);
    const tables: string[] = [];
    let failures = 0;
    let missed = false;
    for (const [li, level] of LEVELS.entries()) {
      const acc = shapes.map(() => ({ gw: [] as number[], gwRows: [] as number[], gwFail: 0, db: [] as number[], dbRows: [] as number[], dbFail: 0 }));
      for (let r = 0; r < ROUNDS; r++) {
        log(`${level} in flight: round ${r + 1}/${ROUNDS}`);
        for (const [i, s] of shapes.entries()) {
          const gwSlice = s.gateway.slice(r * per, Math.min(s.gateway.length, (r + 1) * per));
          const dbSlice = s.sql.slice(r * per, Math.min(s.sql.length, (r + 1) * per));
          const runGw = async () => {
            if (!gwSlice.length) return;
            const res = await loadgen({ url: `${p.apiUrl}/rest/v1/rpc/${s.fn}`, headers, bodies: gwSlice, requests: gwSlice.length,
              warmup: 0, concurrency: level, maxSeconds: 300 });
            acc[i].gw.push(...res.latenciesMs);
            acc[i].gwRows.push(...res.rows);
            acc[i].gwFail += Object.entries(res.statuses).filter(([st]) => st !== "200").reduce((m, [, c]) => m + c, 0);
          };
          const runDb = async () => {
            const res = await sqlRun(conns.slice(0, level), claims, s.fn, dbSlice, 0, PAGE_COLUMNS);
            acc[i].db.push(...res.lat);
            acc[i].dbRows.push(...res.rows);
            acc[i].dbFail += res.failures;
          };
          if (r % 2 === 0) {
            await runGw();
            await runDb();
          } else {
            await runDb();
            await runGw();
          }
        }
      }
      const judged = li === 0;
      const rowsOut = shapes.map((s, i) => {
        const g = stats(acc[i].gw);
        const d = stats(acc[i].db);
        return { s, g, d, gwRows: mean(acc[i].gwRows), fails: acc[i].gwFail + acc[i].dbFail,
          pass: s.target === undefined ? null : g.p95 <= s.target };
      });
      const table = [
        `**${level} request${level === 1 ? "" : "s"} in flight**${judged ? " (the targets are judged here)" : " (load: requests queue for the 2 cores)"}:`,
        "",
        `| shape | requests (gateway / SQL) | gateway p50 ms | gateway p95 ms | SQL p50 ms | SQL p95 ms | rows/page | ${judged ? "target (gateway p95)" : "target, for reference"} |`,
        "|---|---:|---:|---:|---:|---:|---:|---|",
        ...rowsOut.map((x) => `| ${x.s.name} | ${x.g.n} / ${x.d.n} | ${msf(x.g.p50)} | ${msf(x.g.p95)} | ${msf(x.d.p50)} | ${msf(x.d.p95)} | ${x.gwRows.toFixed(1)} | ≤ ${x.s.target} ms: ${x.pass ? "PASS" : judged ? "FAIL" : "over"} |`),
      ].join("\n");
      failures += rowsOut.reduce((n, x) => n + x.fails, 0);
      if (judged && rowsOut.some((x) => x.pass === false)) missed = true;
      tables.push(table);
      process.stdout.write(`\n${table}\n\n`);
    }
    const table = tables.join("\n\n");
    if (failures) process.stdout.write(`WARNING: ${failures} requests failed\n`);

    const cpus = os.cpus();
    const body = `
Last run: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, \`npm run bench:goods-feeds\` (total ${((Date.now() - started) / 1000).toFixed(0)} s).

- **Machine**: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, shared with other work
  (load average before the run: ${loadBefore.map((x) => x.toFixed(2)).join(", ")}). PostgreSQL ${versions.pg} + PostGIS ${versions.postgis}
  (bench cluster: shared_buffers ${sharedBuffers}, products and profiles prewarmed); PostgREST 12 behind the Node gateway; the load
  generator is a separate Node process on the same machine.
- **Dataset**: ${seed.products.toLocaleString("en")} products (${seed.available.toLocaleString("en")} visible and available; the rest sold, reserved, withdrawn or hidden)
  by ${seed.sellers.toLocaleString("en")} sellers over ${METRO.name} (${METRO.neighbourhoods.length} neighbourhood clusters + a uniform background; items within ~40 m of their seller's home),
  12 goods categories, titles and descriptions in English (85%) and Arabic (15%), tags, ${seed.likes.toLocaleString("en")} likes and ${seed.views.toLocaleString("en")} views
  (skewed: most products have none). Seeded ${seed.seededAt} in **${seed.seconds.toFixed(0)} s** (${seed.steps.map((x) => `${x.step} ${x.seconds.toFixed(0)} s`).join("; ")}).
- **Requests**: ${REQUESTS} per shape, path and level after ${WARMUP} warm-up ones, ${LEVELS.join(" then ")} in flight, at random points from the same metro model,
  20 rows a page, as a signed-in shopper with 30 likes and 60 views (the personal signal is computed on every request). Gateway = POST /rest/v1/rpc/…
  with the user's JWT; SQL = the same RPC over postgres.js as the same user (claims and role set in the transaction, timed with it).
  Both paths interleaved in ${ROUNDS} rounds.

${table}

How to read the figures: everything runs on one machine (database, PostgREST, gateway, load generator). With 1 request in
flight a figure is a page's own latency; with 4 in flight on 2 cores each request also waits for CPU behind the others (the
database work is CPU only: everything is cached), so the figures roughly double. What a request costs by design: a feed page walks
\`goods.feed.candidates\` (200) products nearest first on a partial GiST index, reading the columns the score needs once; one
statement scores, sorts and cuts them after the cursor, and checks the sellers' standing on the sorted rows until the page is full
(20). A search reads the matches of its words in the grid cells around the point (words and cells in one GIN index scan), 1 km
first and then as wide as the density seen asks, until a ring holds the candidates; a search whose words match nothing corrects
them against the vocabulary of listed words (trigram GiST, a few hundred microseconds) and reads the corrected words the same way.

Plans (auto_explain of the statements the RPC executes, first request of the discover and search shapes):

${plans.filter((x) => /default|search/.test(x.name)).map((x) => `${x.name}:\n\n\`\`\`\n${x.plan.trim()}\n\`\`\``).join("\n\n")}
`;
    if (!values["no-docs"]) {
      writeSection("Goods feeds and search (issue 13)", body);
      log("updated docs/benchmarks.md");
    }
    if (failures || missed) process.exitCode = 1;
  } finally {
    for (const c of conns) c.release();
    await pool.end();
    await sql.end();
    if (!values["keep-running"]) {
      log("stopping the bench stack (data kept for the next run; --reseed rebuilds it)");
      await down(p);
    }
  }
}

main().catch(async (e) => {
  process.stderr.write(`\nbench:goods-feeds failed: ${(e as Error).stack ?? e}\n`);
  if (!values["keep-running"]) await down(p).catch(() => {});
  process.exit(1);
});
