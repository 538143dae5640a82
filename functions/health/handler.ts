/**
 * GET /functions/v1/health — liveness of the function runtime and its database.
 *
 * 200 {status:"ok", database:{ok:true, latency_ms, version, server_time, extensions:{postgis, pg_cron}}, time}
 * 503 {status:"degraded", database:{ok:false, error}, time}
 * Each extension is reported as {installed, version}.
 */
import { db, type Sql } from "../_shared/db.ts";
import { handle, json, methodNotAllowed } from "../_shared/http.ts";

/** Extensions the health report looks for (absent ones are reported as not installed). */
export const CHECKED_EXTENSIONS = ["postgis", "pg_cron"] as const;

export interface HealthDeps {
  /** The database client (called per request so a missing SUPABASE_DB_URL is reported, not thrown at import). */
  sql: () => Sql;
  /** Give up on the database after this many milliseconds (default 5000). */
  timeoutMs?: number;
}

interface ProbeRow {
  one: number;
  version: string;
  server_time: Date;
  extensions: Record<string, string> | null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

export function createHealthHandler(deps: HealthDeps): (req: Request) => Promise<Response> {
  const timeoutMs = deps.timeoutMs ?? 5000;
  return handle(async (req) => {
    if (req.method !== "GET") return methodNotAllowed(["GET", "OPTIONS"]);
    const noStore = { "Cache-Control": "no-store" };
    const started = performance.now();
    try {
      const sql = deps.sql();
      const names = [...CHECKED_EXTENSIONS];
      const rows = await withTimeout(
        sql<ProbeRow[]>`
          select 1 as one,
                 current_setting('server_version') as version,
                 now() as server_time,
                 (select jsonb_object_agg(extname, extversion)
                    from pg_catalog.pg_extension
                   where extname = any(${names})) as extensions`,
        timeoutMs,
      );
      const latency = Math.round((performance.now() - started) * 10) / 10;
      const row = rows[0];
      if (!row || Number(row.one) !== 1) throw new Error("unexpected answer to `select 1`");
      const installed = row.extensions ?? {};
      const extensions = Object.fromEntries(
        names.map((name) => [name, { installed: name in installed, version: installed[name] ?? null }]),
      );
      return json(
        {
          status: "ok",
          database: {
            ok: true,
            latency_ms: latency,
            version: row.version,
            server_time: new Date(row.server_time).toISOString(),
            extensions,
          },
          time: new Date().toISOString(),
        },
        200,
        noStore,
      );
    } catch (err) {
      console.error("health: database check failed:", describe(err));
      return json(
        { status: "degraded", database: { ok: false, error: describe(err) }, time: new Date().toISOString() },
        503,
        noStore,
      );
    }
  });
}

/** The handler served by index.ts, using SUPABASE_DB_URL. */
export const handler: (req: Request) => Promise<Response> = createHealthHandler({ sql: db });
