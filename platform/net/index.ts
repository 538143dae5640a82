/**
 * Local pg_net worker, run by the gateway next to the other platform services. Hosted Supabase's
 * pg_net extension has a C background worker that performs the HTTP requests SQL queued with
 * net.http_get/http_post/http_delete; the Debian packages of the local stack have no pg_net, so
 * sql/platform/50_net.sql recreates its SQL side and this worker does what its background worker
 * does (supabase/pg_net, src/worker.c and src/core.c, in our own words):
 *
 *   - wakes on net.wake() (locally `NOTIFY pg_net_wake`) or every second;
 *   - takes up to pg_net.batch_size (200) requests: `DELETE FROM net.http_request_queue WHERE id IN
 *     (SELECT id … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED) RETURNING …`, so a request is
 *     performed once even if it fails (pg_net does not retry);
 *   - performs them concurrently with their timeout_milliseconds and writes each answer to
 *     net._http_response (id = the request's id, status_code, content_type, headers as a JSON
 *     object, content as text) or the failure (error_msg, timed_out);
 *   - deletes answers older than pg_net.ttl (6 hours).
 *
 * It logs in as supabase_admin (the background worker is a superuser backend). At start it also
 * stores the gateway's URL and the service role key in Vault (hyperlocal_api_url,
 * hyperlocal_service_role_key) as the postgres role, as an operator does once on a hosted project
 * (docs/messaging.md): pg_cron's push job reads them there. Mounted at /pg_net/v1 only to report
 * its state (GET /status); nothing of it is deployed.
 */
import type http from "node:http";
import type postgres from "postgres";
import { connect } from "../../scripts/lib/db.ts";
import type { PlatformContext, PlatformService, PlatformServiceFactory } from "../service.ts";

export interface NetWorkerOptions {
  batchSize?: number;
  ttl?: string;
  pollMs?: number;
}

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, unknown> | null;
  body: Buffer | null;
  timeout_milliseconds: number;
}

export class NetWorker {
  private readonly sql: postgres.Sql;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private closed = false;
  private listener?: { unlisten: () => Promise<void> };
  private lastTtlSweep = 0;
  performed = 0;
  failed = 0;

  constructor(
    private readonly ctx: PlatformContext,
    private readonly opts: Required<NetWorkerOptions>,
  ) {
    this.sql = connect({ dbPort: ctx.dbPort }, "supabase_admin", {
      max: 2,
      connection: { application_name: "pg_net worker" },
    });
  }

  async start(): Promise<void> {
    this.listener = await this.sql.listen("pg_net_wake", () => this.wake());
    this.timer = setInterval(() => this.wake(), this.opts.pollMs);
    this.wake();
  }

  /** Run a pass now (or right after the current one). */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.ctx.log(`pg_net worker: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pass(): Promise<void> {
    if (Date.now() - this.lastTtlSweep > 60_000) {
      this.lastTtlSweep = Date.now();
      await this.sql`delete from net._http_response where created < now() - ${this.opts.ttl}::interval`;
    }
    for (;;) {
      const batch = await this.sql<QueuedRequest[]>`
        delete from net.http_request_queue
         where id in (select id from net.http_request_queue order by id limit ${this.opts.batchSize}
                        for update skip locked)
        returning id, method, url, headers, body, timeout_milliseconds`;
      if (batch.length === 0 || this.closed) return;
      await Promise.all(batch.map((r) => this.perform(r)));
      if (batch.length < this.opts.batchSize) return;
    }
  }

  private async perform(r: QueuedRequest): Promise<void> {
    const headers = new Headers();
    for (const [k, v] of Object.entries(r.headers ?? {})) headers.set(k, typeof v === "string" ? v : JSON.stringify(v));
    let row: Record<string, unknown>;
    try {
      const res = await fetch(r.url, {
        method: r.method.toUpperCase(),
        headers,
        body: r.body && r.body.length > 0 ? new Uint8Array(r.body) : undefined,
        signal: AbortSignal.timeout(r.timeout_milliseconds),
      });
      const responseHeaders: Record<string, string> = {};
      res.headers.forEach((v, k) => (responseHeaders[k] = v));
      row = {
        id: r.id,
        status_code: res.status,
        content_type: res.headers.get("content-type"),
        headers: responseHeaders,
        content: await res.text(),
        timed_out: false,
        error_msg: null,
      };
      this.performed++;
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      row = {
        id: r.id,
        status_code: null,
        content_type: null,
        headers: null,
        content: null,
        timed_out: timedOut,
        error_msg: timedOut
          ? `Timeout of ${r.timeout_milliseconds} ms reached`
          : `${err instanceof Error ? err.message : String(err)}`,
      };
      this.failed++;
    }
    await this.sql`
      insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
      values (${row.id as string}, ${row.status_code as number | null}, ${row.content_type as string | null},
              ${row.headers === null ? null : this.sql.json(row.headers as Record<string, string>)},
              ${row.content as string | null}, ${row.timed_out as boolean}, ${row.error_msg as string | null})`;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.listener?.unlisten().catch(() => {});
    await this.sql.end({ timeout: 5 });
  }
}

/** Vault secrets the project's pg_cron jobs read (an operator creates them once on hosted). */
export async function storeApiSecrets(ctx: PlatformContext): Promise<void> {
  const sql = connect({ dbPort: ctx.dbPort }, "postgres", { max: 1 });
  try {
    const secrets: [string, string, string][] = [
      ["hyperlocal_api_url", ctx.apiUrl, "API URL the database calls edge functions at (pg_cron + pg_net)"],
      ["hyperlocal_service_role_key", ctx.keys.serviceRole, "Service role key for those calls"],
    ];
    for (const [name, value, description] of secrets) {
      const [existing] = await sql<{ id: string }[]>`select id from vault.secrets where name = ${name}`;
      if (existing) await sql`select vault.update_secret(${existing.id}, ${value})`;
      else await sql`select vault.create_secret(${value}, ${name}, ${description})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function createNetService(opts: NetWorkerOptions = {}): PlatformServiceFactory {
  return async (ctx: PlatformContext): Promise<PlatformService> => {
    await storeApiSecrets(ctx);
    const worker = new NetWorker(ctx, { batchSize: opts.batchSize ?? 200, ttl: opts.ttl ?? "6 hours", pollMs: opts.pollMs ?? 1000 });
    await worker.start();
    return {
      prefix: "/pg_net/v1",
      async handle(_req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
        const status = path === "/status" ? 200 : 404;
        const body = status === 200
          ? { worker: "running", performed: worker.performed, failed: worker.failed }
          : { message: "not found" };
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(body));
      },
      close: () => worker.close(),
    };
  };
}

export const netService: PlatformServiceFactory = createNetService();
