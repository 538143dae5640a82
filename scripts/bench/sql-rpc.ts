/**
 * An RPC called over direct SQL as a signed-in user, the way PostgREST calls it (the JWT claims
 * and the role set in the request's transaction), for benchmarks that put the layers side by side:
 * the same call through the gateway, through PostgREST alone, and over SQL.
 */
import type postgres from "postgres";
import { log } from "../lib/proc.ts";

export type Body = Record<string, unknown>;

/** The RPC call as SQL with named arguments (arrays typed text[]), selecting `columns` of its rows. */
export function rpcSql(fn: string, body: Body, columns: string): { text: string; params: unknown[] } {
  const keys = Object.keys(body);
  const args = keys.map((k, i) => `${k} => $${i + 1}${Array.isArray(body[k]) ? "::text[]" : ""}`);
  return { text: `select ${columns} from public.${fn}(${args.join(", ")}) r`, params: keys.map((k) => body[k]) };
}

/**
 * One RPC call as the user: a transaction on a reserved connection (claims and role set in it).
 * The four statements are pipelined (sent together, one round trip), as a driver close to the
 * database would send them; a failed call's COMMIT rolls the transaction back.
 */
export async function asUser(c: postgres.ReservedSql, claims: string, q: { text: string; params: unknown[] }) {
  const steps = [
    c.unsafe("begin"),
    c.unsafe("select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [claims]),
    c.unsafe(q.text, q.params as never[]),
    c.unsafe("commit"),
  ];
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return (settled[2] as PromiseFulfilledResult<postgres.RowList<postgres.Row[]>>).value;
}

/**
 * Runs `bodies` over direct SQL as the user, one call in flight per reserved connection; the
 * first `warmup` calls are not measured. Returns latencies (ms), rows per call and failures.
 */
export async function sqlRun(conns: postgres.ReservedSql[], claims: string, fn: string, bodies: Body[], warmup: number,
                             columns: string) {
  const lat: number[] = [];
  const rows: number[] = [];
  let failures = 0;
  let next = 0;
  const total = bodies.length;
  await Promise.all(conns.map(async (c) => {
    while (next < total) {
      const i = next++;
      const q = rpcSql(fn, bodies[i], columns);
      const t0 = performance.now();
      try {
        const r = await asUser(c, claims, q);
        if (i >= warmup) {
          lat.push(performance.now() - t0);
          rows.push(r.length);
        }
      } catch (e) {
        failures += 1;
        if (failures <= 3) log(`  sql error (${fn}): ${(e as Error).message}`);
      }
    }
  }));
  return { lat, rows, failures };
}
