/**
 * The quote part of `npm run bench:money` (issue 11); runnable alone:
 *
 *   npx tsx scripts/bench/money-quote.ts [-- --seconds 10 --concurrency 8,32 --users 20 --keep]
 *
 * `benchQuote()` returns markdown lines (the lead's bench:money writes them to docs/benchmarks.md);
 * run alone it prints them. Without a profile it brings up a stack of its own
 * (.hyperlocal/bench-money-quote, API port 59421 unless HL_API_PORT is set) and removes it after.
 *
 * Side by side, for the same request (a listing slot in Dubai, AED, with VAT):
 *   gateway   supabase-js functions.invoke("quote") as signed-in users: the gateway, the Deno
 *             function (zod, one RPC public.quote_context through the gateway and PostgREST as the
 *             user, the arithmetic in fees.ts): requests/s and latency p50/p95/p99;
 *   sql       the same work in the database alone: one simple query per quote as the user (role and
 *             JWT claims set, then private.fee_breakdown(public.quote_context(...) -> 'input')),
 *             over that many connections;
 *   fees.ts   computeBreakdown alone in this process (the arithmetic's own cost).
 */
import { isDeepStrictEqual, parseArgs } from "node:util";
import type postgres from "postgres";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { computeBreakdown, type FeeInput } from "../../functions/_shared/fees.ts";
import type { Profile } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, client, createUsers, machine, ms, stats, type BenchUser } from "./lib.ts";

export interface QuoteBenchOptions {
  /** A running stack to use (bench:money passes its own); else one is brought up and removed. */
  p?: Profile;
  seconds?: number;
  concurrency?: number[];
  users?: number;
  keep?: boolean;
}

interface Level {
  path: string;
  concurrency: number;
  ok: number;
  errors: Record<string, number>;
  latencies: number[];
  seconds: number;
}

async function run(
  path: string,
  concurrency: number,
  seconds: number,
  call: (worker: number, i: number) => Promise<string | null>,
): Promise<Level> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let n = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const err = await call(w, n++).catch((e: Error) => e.message.slice(0, 80));
        latencies.push(performance.now() - t0);
        if (err) errors[err] = (errors[err] ?? 0) + 1;
        else ok++;
      }
    }),
  );
  return { path, concurrency, ok, errors, latencies, seconds: (performance.now() - started) / 1000 };
}

export async function benchQuote(options: QuoteBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 10;
  const levels = options.concurrency ?? [8, 32];
  const nUsers = options.users ?? 20;
  const own = options.p ? null : await benchStack("money-quote", 59421);
  const p = options.p ?? own!.p;
  const sql: postgres.Sql = connect(p, "postgres", { max: Math.max(...levels) + 2 });
  try {
    // ---- setup: a provider in Dubai with a fixed-price listing, and signed-in customers.
    const [provider] = await createUsers(p, "quote-provider", 1);
    const users: BenchUser[] = await createUsers(p, "quote-customer", nUsers);
    await sql`insert into public.provider_profiles (id, display_name, base_location, timezone)
              values (${provider.id}, 'Bench Quote Pro', 'SRID=4326;POINT(55.27 25.20)', 'UTC')`;
    const [{ id: category }] = await sql`
      insert into public.categories (slug, names) values (${`bench-quote-${Date.now()}`}, '{"en": "Bench", "ar": "Bench"}') returning id`;
    const [{ id: listing }] = await sql`
      insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, currency)
      values (${provider.id}, ${category}, 'Bench windows', 'fixed', 15000, 'AED') returning id`;
    const body = { kind: "listing_slot", listing_id: listing as string };
    const clients = users.map((u) => client(p, u.token));

    // The answer is right before it is fast: the function and the database agree on it.
    const first = await clients[0].functions.invoke("quote", { method: "POST", body });
    if (first.error) throw new Error(`quote: ${first.error.message}`);
    const [{ b: sqlBreakdown }] = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims0(users[0].id)}, true)`;
      return tx`select private.fee_breakdown(public.quote_context(${sql.json(body)}) -> 'input') as b`;
    });
    if (!isDeepStrictEqual((first.data as { breakdown: unknown }).breakdown, sqlBreakdown)) {
      throw new Error("the function and SQL disagree on the benchmark's quote");
    }

    const results: Level[] = [];
    for (const c of levels) {
      log(`quote: gateway, ${c} concurrent clients, ${seconds} s`);
      results.push(await run("gateway", c, seconds, async (w, i) => {
        const { data, error } = await clients[(w + i) % clients.length].functions.invoke("quote", { method: "POST", body });
        if (error) {
          const status = error instanceof FunctionsHttpError ? (error.context as Response).status : "network";
          return `HTTP ${status}`;
        }
        return (data as { breakdown?: unknown }).breakdown ? null : "no breakdown";
      }));
      log(`quote: sql, ${c} connections, ${seconds} s`);
      const claims = users.map((u) => JSON.stringify({ sub: u.id, role: "authenticated" }));
      const text = JSON.stringify(body);
      results.push(await run("sql", c, seconds, async (w, i) => {
        // One simple query: one round trip, one implicit transaction (as PostgREST's is one).
        const rows = await sql.unsafe(
          `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '${claims[(w + i) % claims.length]}', true);
           select private.fee_breakdown(public.quote_context('${text}'::jsonb) -> 'input') as b;`,
        ).simple();
        return rows ? null : "no rows";
      }));
    }

    // The arithmetic alone.
    const input = (await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims0(users[0].id)}, true)`;
      return tx`select public.quote_context(${sql.json(body)}) -> 'input' as i`;
    }))[0].i as FeeInput;
    const N = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) computeBreakdown({ ...input, price: 100 + i });
    const tsPerSec = N / ((performance.now() - t0) / 1000);

    const rows = results.map((r) => {
      const s = stats(r.latencies);
      const errs = Object.entries(r.errors).map(([k, v]) => `${v} × ${k}`).join(", ") || "0";
      return `| ${r.path} | ${r.concurrency} | ${r.ok} | ${errs} | **${(r.ok / r.seconds).toFixed(0)} quotes/s** | ${ms(s.p50)} / **${ms(s.p95)}** / ${ms(s.p99)} ms |`;
    });
    return `
### Quotes (\`quote\` edge function)

Measured on ${new Date().toISOString().slice(0, 10)}: ${machine()}.

One request, a listing slot in Dubai (AED 150.00 with 5 % VAT), as ${nUsers} signed-in customers in turn. **gateway**: supabase-js \`functions.invoke("quote")\` from one Node process: the gateway, the Deno function (zod, then one RPC \`public.quote_context\` as the user through the gateway and PostgREST, then \`computeBreakdown\` of fees.ts). **sql**: the same lookup and arithmetic in the database alone, one simple query per quote as the user (\`set_config\` of the role and JWT claims, \`private.fee_breakdown(public.quote_context(...) -> 'input')\`) over that many connections. Each level runs ${seconds} s.

| path | concurrent clients | quotes | errors | **throughput** | latency p50 / **p95** / p99 |
|---|---|---|---|---|---|
${rows.join("\n")}

The arithmetic alone (fees.ts \`computeBreakdown\`, BigInt, in Node): ${Math.round(tsPerSec).toLocaleString("en")} breakdowns/s. The function's cost over the database is the two HTTP hops (client → gateway → Deno, Deno → gateway → PostgREST) and JSON; the fee arithmetic itself is negligible next to them.
`;
  } finally {
    await sql.end();
    if (own && !options.keep) await own.stop();
  }
}

function claims0(id: string): string {
  return JSON.stringify({ sub: id, role: "authenticated" });
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "8,32" },
      users: { type: "string", default: "20" },
      keep: { type: "boolean", default: false },
    },
  });
  const markdown = await benchQuote({
    seconds: Number(values.seconds),
    concurrency: values.concurrency.split(",").map(Number),
    users: Number(values.users),
    keep: values.keep,
  });
  console.log(markdown);
}
