/**
 * The database store of the local payment provider: schema local_payments (created by the local
 * platform shim, sql/platform/70_local_payments.sql, never deployed), reached as postgres through
 * SUPABASE_DB_URL. The clock is the database's private.now() (tests freeze or move it), objects are
 * locked `for update` while a call changes them, and calls on one idempotency key are serialised by
 * a transaction-scoped advisory lock.
 */
import type postgres from "postgres";
import type { LocalObject, LocalStore, LocalTx, StoredAnswer } from "./local.ts";

export class PgStore implements LocalStore {
  constructor(private readonly sql: postgres.Sql) {}

  transaction<T>(lockKey: string, fn: (tx: LocalTx) => Promise<T>): Promise<T> {
    return this.sql.begin(async (q) => {
      await q`select pg_advisory_xact_lock(hashtextextended(${"local_payments:" + lockKey}, 0))`;
      let clock: Date | undefined;
      const tx: LocalTx = {
        now: async () => {
          if (!clock) {
            const [row] = await q<{ now: Date }[]>`select private.now() as now`;
            clock = new Date(row.now);
          }
          return clock;
        },
        get: async <U extends LocalObject>(id: string) => {
          const rows = await q<{ data: U }[]>`select data from local_payments.objects where id = ${id} for update`;
          return rows[0]?.data;
        },
        put: async (obj: LocalObject, ref?: string | null) => {
          const data = q.json(obj as unknown as postgres.JSONValue);
          await q`
            insert into local_payments.objects (id, object, ref, data)
            values (${obj.id}, ${obj.object}, ${ref ?? null}, ${data})
            on conflict (id) do update
              set data = excluded.data, ref = coalesce(excluded.ref, local_payments.objects.ref), updated_at = now()`;
        },
        listByRef: async <U extends LocalObject>(object: string, ref: string) => {
          const rows = await q<{ data: U }[]>`
            select data from local_payments.objects where object = ${object} and ref = ${ref}
            order by created_at, id`;
          return rows.map((r) => r.data);
        },
        answer: async (key: string) => {
          const rows = await q<{ fingerprint: string; status: number; body: unknown }[]>`
            select fingerprint, status, body from local_payments.idempotency_keys where key = ${key}`;
          return rows[0] as StoredAnswer | undefined;
        },
        saveAnswer: async (key: string, a: StoredAnswer) => {
          await q`
            insert into local_payments.idempotency_keys (key, fingerprint, status, body)
            values (${key}, ${a.fingerprint}, ${a.status}, ${q.json(a.body as postgres.JSONValue)})`;
        },
      };
      return await fn(tx);
    }) as Promise<T>;
  }
}
