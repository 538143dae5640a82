/**
 * Benchmark "goods purchase race": U signed-in buyers (default 100) call buy_product on the same
 * product at the same moment through the API gateway (PostgREST), for R rounds (default 10), each
 * round on a fresh product with a stock of Q (default 1). Every round must end with exactly Q
 * orders (one winner for a single item), the others HL845, the product's available units 0 and
 * no negative stock. Prints throughput (requests/s answered, orders/s created) and latency.
 *
 *   npm run bench:goods-race -- [--buyers 100] [--rounds 10] [--stock 1] [--existing] [--no-write]
 *
 * Standalone it brings up a stack of its own (HL_HOME=.hyperlocal/bench-goods-race, API port
 * HL_API_PORT or 24500) and removes it at the end; --existing runs against the running dev stack
 * of HL_API_PORT instead. Results go to docs/benchmarks.md unless --no-write.
 */
import { parseArgs } from "node:util";
import { ANON_KEY, profile, type Profile } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { benchStack, createUsers, machine, ms, stats, writeSection } from "./lib.ts";

const { values: args } = parseArgs({
  options: {
    buyers: { type: "string", default: "100" },
    rounds: { type: "string", default: "10" },
    stock: { type: "string", default: "1" },
    existing: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
});
const buyersN = Number(args.buyers);
const roundsN = Number(args.rounds);
const stock = Number(args.stock);

async function rpc(p: Profile, token: string, fn: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${p.apiUrl}/rest/v1/rpc/${fn}`, {
    method: "POST",
    headers: { apikey: ANON_KEY, Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function main(): Promise<void> {
  let p: Profile;
  let stop = async () => {};
  if (args.existing) {
    p = profile("dev");
  } else {
    ({ p, stop } = await benchStack("goods-race", 24500));
  }
  const sql = connect(p, "postgres", { max: 2 });
  let ok = true;
  const [{ value: reservations }] = await sql`select value from private.settings where key = 'goods.max_open_reservations'`;
  try {
    const [seller] = await createUsers(p, "race.seller", 1);
    const buyers = await createUsers(p, "race.buyer", buyersN);
    const [{ id: category }] = await sql`
      insert into public.categories (slug, kind, names, default_pricing_unit)
      values (${`bench-race-${Date.now()}`}, 'goods', ${sql.json({ en: "Race", ar: "سباق" })}, 'fixed') returning id`;
    // Buyers may hold goods.max_open_reservations unpaid reservations; the benchmark holds one per round.
    await sql`update private.settings set value = ${sql.json(roundsN + 10)} where key = 'goods.max_open_reservations'`;

    const latencies: number[] = [];
    const lines: string[] = [];
    let totalMs = 0;
    let totalOrders = 0;
    let totalRequests = 0;
    for (let round = 1; round <= roundsN; round += 1) {
      const made = await rpc(p, seller.token, "create_product", {
        p_title: `Race item ${round}`, p_price: 10000, p_category_id: category, p_condition: "new",
        p_lat: 25.08, p_lng: 55.14, p_quantity: stock,
      });
      if (made.status !== 200) throw new Error(`create_product: ${JSON.stringify(made.json)}`);
      const productId = made.json.id as string;
      const started = performance.now();
      const results = await Promise.all(buyers.map(async (b) => {
        const t0 = performance.now();
        const r = await rpc(p, b.token, "buy_product", { p_product_id: productId });
        latencies.push(performance.now() - t0);
        return r;
      }));
      const raceMs = performance.now() - started;
      const wins = results.filter((r) => r.status === 200).length;
      const codes = new Set(results.filter((r) => r.status !== 200).map((r) => r.json.code as string));
      const [row] = await sql`select p.available_quantity, p.status,
                                     (select count(*)::int from public.orders o where o.product_id = p.id) as orders
                                from public.products p where p.id = ${productId}`;
      const roundOk = wins === stock && row.orders === stock && row.available_quantity === 0
        && [...codes].every((c) => c === "HL845");
      ok &&= roundOk;
      totalMs += raceMs;
      totalOrders += wins;
      totalRequests += results.length;
      lines.push(`| ${round} | ${results.length} | ${wins} | ${row.orders} | ${row.available_quantity} | ${[...codes].join(", ") || "-"} | ${ms(raceMs)} | ${roundOk ? "yes" : "NO"} |`);
      console.log(`round ${round}: ${wins} winner(s) of ${results.length}, ${row.orders} order(s), stock ${row.available_quantity}, ${ms(raceMs)} ms ${roundOk ? "ok" : "FAILED"}`);
    }
    const s = stats(latencies);
    const reqPerS = (totalRequests / totalMs) * 1000;
    const ordersPerS = (totalOrders / totalMs) * 1000;
    const summary = `${roundsN} rounds × ${buyersN} buyers, stock ${stock}: ${reqPerS.toFixed(0)} buy requests/s answered, ` +
      `${ordersPerS.toFixed(1)} orders/s, p50 ${ms(s.p50)} ms, p95 ${ms(s.p95)} ms, max ${ms(s.max)} ms; ` +
      `exactly ${stock} winner(s) per item: ${ok ? "yes, every round" : "NO"}`;
    console.log(summary);
    if (!args["no-write"]) {
      writeSection(`Goods purchase race (bench:goods-race, stock ${stock})`, [
        `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, ${args.existing ? "the dev stack" : "a stack of its own"}.`,
        `${buyersN} signed-in buyers call \`buy_product\` on one product at the same moment through the gateway; ` +
          `every round uses a new product with a stock of ${stock}.`,
        "",
        `**${summary}.**`,
        "",
        "| round | requests | winners | orders | stock left | other answers | race ms | exact |",
        "|---|---|---|---|---|---|---|---|",
        ...lines,
      ].join("\n"));
    }
  } finally {
    await sql`update private.settings set value = ${sql.json(reservations)} where key = 'goods.max_open_reservations'`.catch(() => {});
    await sql.end();
    await stop();
  }
  if (!ok) process.exit(1);
}

await main();
