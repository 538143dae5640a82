/**
 * Private-channel authorisation exactly as Realtime runs it (RT lib/realtime/tenants/
 * authorization.ex), on the server's own connection (supabase_realtime_admin):
 *
 * read (join, and each new access token), one transaction:
 *   INSERT probe rows (id, topic, extension, inserted_at, updated_at) into realtime.messages for
 *     'broadcast' (and 'presence' when presence is enabled) -- still as supabase_realtime_admin;
 *   SELECT set_config('role', <role claim>, true), set_config('realtime.topic', <topic>, true),
 *     set_config('request.jwt.claims', <claims json>, true), set_config('request.jwt.claim.sub', ..),
 *     set_config('request.jwt.claim.role', ..), set_config('request.headers', <headers json>, true);
 *   SELECT id FROM realtime.messages WHERE id = ANY(<probe ids>) -- the SELECT policies decide;
 *   ROLLBACK AND CHAIN (then the empty chained transaction commits).
 *
 * write (lazily, on the first broadcast or presence track; forgotten with a new token), one
 * transaction: the same set_config, then per extension INSERT (topic, extension, ...) inside a
 * SAVEPOINT; 42501 (insufficient_privilege) means no write; ROLLBACK AND CHAIN.
 */
import { randomUUID } from "node:crypto";
import type postgres from "postgres";
import type { Claims } from "./jwt.ts";

export interface ExtensionPolicies {
  /** null: not evaluated yet. */
  read: boolean | null;
  write: boolean | null;
}

export interface Policies {
  broadcast: ExtensionPolicies;
  presence: ExtensionPolicies;
}

export const newPolicies = (): Policies => ({
  broadcast: { read: null, write: null },
  presence: { read: null, write: null },
});

export interface AuthorizationContext {
  topic: string;
  /** Socket: its x-* headers; HTTP: all request headers. */
  headers: Record<string, string>;
  claims: Claims;
  role: unknown;
  sub: unknown;
}

export function authorizationContext(topic: string, claims: Claims, headers: Record<string, string>): AuthorizationContext {
  return { topic, headers, claims, role: claims.role, sub: claims.sub };
}

export type AuthFailure =
  | { kind: "rls_policy_error"; error: Error }
  | { kind: "query_canceled"; error: Error }
  | { kind: "missing_partition" }
  | { kind: "tenant_database_unavailable"; error: Error };

export type AuthResult = { ok: true; policies: Policies } | ({ ok: false } & AuthFailure);

type Extension = "broadcast" | "presence";

const clone = (p: Policies): Policies => ({ broadcast: { ...p.broadcast }, presence: { ...p.presence } });

/** `timestamp without time zone` in UTC, as Ecto's NaiveDateTime.utc_now() is sent. */
const utcNow = () => new Date().toISOString().replace("T", " ").replace("Z", "");

function classify(e: unknown): AuthFailure {
  const err = e as Error & { code?: string; table_name?: string; table?: string };
  if (typeof err?.code === "string" && /^[0-9A-Z]{5}$/.test(err.code)) {
    if (err.code === "57014") return { kind: "query_canceled", error: err };
    if (err.code === "23514" && (err.table_name ?? err.table) === "messages") return { kind: "missing_partition" };
    return { kind: "rls_policy_error", error: err };
  }
  return { kind: "tenant_database_unavailable", error: err instanceof Error ? err : new Error(String(e)) };
}

async function setConnConfig(tx: postgres.TransactionSql, ctx: AuthorizationContext): Promise<void> {
  const role = ctx.role === undefined || ctx.role === null ? null : String(ctx.role);
  const sub = ctx.sub === undefined || ctx.sub === null ? null : String(ctx.sub);
  await tx`
    select
      set_config('role', ${role}, true),
      set_config('realtime.topic', ${ctx.topic}, true),
      set_config('request.jwt.claims', ${JSON.stringify(ctx.claims)}, true),
      set_config('request.jwt.claim.sub', ${sub}, true),
      set_config('request.jwt.claim.role', ${role}, true),
      set_config('request.headers', ${JSON.stringify(ctx.headers)}, true)`;
}

/** A transaction whose work is rolled back with ROLLBACK AND CHAIN, as Realtime does. */
async function rolledBack<T>(sql: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    const out = await work(tx);
    await tx.unsafe("rollback and chain");
    return [out];
  }))[0] as T;
}

/** Read policies for `broadcast` (and `presence` when enabled): may this token receive? */
export async function readAuthorizations(
  sql: postgres.Sql,
  ctx: AuthorizationContext,
  policies: Policies,
  presenceEnabled: boolean,
): Promise<AuthResult> {
  const extensions: Extension[] = presenceEnabled ? ["broadcast", "presence"] : ["broadcast"];
  const ids = new Map(extensions.map((ext) => [ext, randomUUID()] as const));
  try {
    const visible = await rolledBack(sql, async (tx) => {
      const now = utcNow();
      const rows = [...ids].map(([extension, id]) => ({ id, topic: ctx.topic, extension, inserted_at: now, updated_at: now }));
      await tx`insert into realtime.messages ${tx(rows, "id", "topic", "extension", "inserted_at", "updated_at")}`;
      await setConnConfig(tx, ctx);
      const found = await tx`select id from realtime.messages where id = any(${[...ids.values()]}::uuid[])`;
      return new Set(found.map((r) => r.id as string));
    });
    const out = clone(policies);
    for (const [ext, id] of ids) out[ext].read = visible.has(id);
    return { ok: true, policies: out };
  } catch (e) {
    return { ok: false, ...classify(e) };
  }
}

/** Write policies (INSERT as the token's role in a savepoint): may this token send? */
export async function writeAuthorizations(
  sql: postgres.Sql,
  ctx: AuthorizationContext,
  policies: Policies,
  presenceEnabled = true,
): Promise<AuthResult> {
  const extensions: Extension[] = presenceEnabled ? ["broadcast", "presence"] : ["broadcast"];
  try {
    const writes = await rolledBack(sql, async (tx) => {
      await setConnConfig(tx, ctx);
      const out: Record<Extension, boolean> = { broadcast: false, presence: false };
      for (const ext of ["broadcast", "presence"] as Extension[]) {
        if (!extensions.includes(ext)) continue;
        const now = utcNow();
        try {
          await tx.savepoint((sp) => sp`
            insert into realtime.messages (id, topic, extension, inserted_at, updated_at)
            values (${randomUUID()}, ${ctx.topic}, ${ext}, ${now}, ${now})`);
          out[ext] = true;
        } catch (e) {
          if ((e as { code?: string }).code === "42501") out[ext] = false;
          else throw e;
        }
      }
      return out;
    });
    const out = clone(policies);
    out.broadcast.write = writes.broadcast;
    out.presence.write = writes.presence;
    return { ok: true, policies: out };
  } catch (e) {
    return { ok: false, ...classify(e) };
  }
}
