/**
 * Direct Postgres access for edge functions (postgres.js), from SUPABASE_DB_URL.
 *
 * One lazily created, small pool per function instance. `prepare: false` because hosted projects
 * reach the database through the transaction pooler (Supavisor), which does not support
 * prepared statements.
 */
import postgres from "postgres";
import { requireEnv } from "./env.ts";

export type Sql = postgres.Sql;

let pool: Sql | undefined;

export interface ConnectOptions {
  /** Pool size (default 3). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
}

/** A new postgres.js client for `url` with the settings used by the functions. */
export function connect(url: string, opts: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 3,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: opts.connectTimeout ?? 10,
    connection: { application_name: "edge-function" },
    onnotice: () => {},
  });
}

/** The shared client of this function instance (created on first use). */
export function db(): Sql {
  if (!pool) pool = connect(requireEnv("SUPABASE_DB_URL"));
  return pool;
}

/** Close the shared client (tests, shutdown). */
export async function closeDb(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await p.end({ timeout: 5 });
}
