/** Database handles of the Auth server: a pool logged in as supabase_auth_admin, as GoTrue logs in. */
import type postgres from "postgres";

// deno-lint-ignore no-explicit-any
export type Sql = postgres.Sql<any>;
// deno-lint-ignore no-explicit-any
export type Tx = postgres.TransactionSql<any>;
/** Either a pool or a transaction: single statements run on both. */
export type Q = Sql | Tx;

/** GoTrue's instance_id: every row of a single-tenant Auth carries the nil UUID. */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/**
 * Runs `fn` in a transaction: a new one on a pool, or the caller's own (GoTrue's nested
 * tx.Transaction calls run in the enclosing transaction).
 */
export function transaction<T>(q: Q, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if ("savepoint" in q) return fn(q as Tx);
  return (q as Sql).begin((tx) => fn(tx)) as Promise<T>;
}
