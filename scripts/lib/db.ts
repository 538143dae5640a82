/**
 * The one way scripts, seed and tests reach the local database: the cluster's login roles, their
 * connection URLs, and postgres.js connections with the project's defaults.
 */
import postgres from "postgres";
import type { Profile } from "./config.ts";

/** Password of every login role of the local cluster (local only, as with `supabase start`). */
export const DB_PASSWORD = "postgres";

/**
 * Login roles of the local cluster: `postgres` (migrations and seed; not a superuser, as on hosted
 * Supabase), the bootstrap superuser `supabase_admin` (local shim and benchmarks only), and the
 * roles Supabase's services log in as: `supabase_auth_admin` (GoTrue), `supabase_storage_admin`
 * (Storage), `supabase_realtime_admin` (Realtime) and `authenticator` (PostgREST).
 */
export type DbRole =
  | "postgres"
  | "supabase_admin"
  | "supabase_auth_admin"
  | "supabase_storage_admin"
  | "supabase_realtime_admin"
  | "authenticator";

/** Connection URL of `role` on the profile's cluster, to database `postgres` unless told otherwise. */
export function dbUrl(p: Pick<Profile, "dbPort">, role: DbRole, database = "postgres"): string {
  return `postgresql://${role}:${DB_PASSWORD}@127.0.0.1:${p.dbPort}/${database}`;
}

/**
 * A postgres.js connection pool as `role`, with notices silenced and application_name "hyperlocal"
 * unless `options` say otherwise; the rest (such as `max`) is postgres.js's default unless given.
 */
export function connect(p: Pick<Profile, "dbPort">, role: DbRole, options: postgres.Options<{}> = {}): postgres.Sql {
  return postgres(dbUrl(p, role), {
    onnotice: () => {},
    ...options,
    connection: { application_name: "hyperlocal", ...options.connection },
  });
}
