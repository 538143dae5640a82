/**
 * The server's side of the database, as Realtime runs it for a project, logged in as
 * supabase_realtime_admin:
 *
 *  - partitions: `CREATE TABLE IF NOT EXISTS realtime.messages_YYYY_MM_DD PARTITION OF
 *    realtime.messages FOR VALUES FROM (day) TO (day + 1)` + `ALTER TABLE ... OWNER TO
 *    supabase_realtime_admin` for yesterday to three days ahead (UTC), when it connects and again
 *    every 4 hours, and `DROP TABLE IF EXISTS` of partitions older than 72 hours (RT lib/realtime/
 *    tenants.ex create_messages_partitions, lib/realtime/messages.ex delete_old_messages);
 *  - Broadcast from Database: publication `supabase_realtime_messages_publication` FOR TABLE
 *    realtime.messages (checked, created or recreated when it holds other tables), a TEMPORARY
 *    LOGICAL pgoutput replication slot, and every INSERT streamed from it becomes a broadcast
 *    (RT lib/realtime/tenants/replication_connection.ex). The stream comes from postgres.js's
 *    logical replication support (`sql.subscribe`), which names its own slot (postgresjs_<random>)
 *    and asks for pgoutput protocol 1 in text format where Realtime asks for protocol 2, binary.
 *    A watchdog restarts the stream when its slot is gone or inactive (RT replication_connection/
 *    watchdog.ex).
 *  - replay of stored private broadcasts at join (RT lib/realtime/messages.ex replay/5).
 */
import postgres from "postgres";
import { connect, dbUrl } from "../../scripts/lib/db.ts";

export const MESSAGES_PUBLICATION = "supabase_realtime_messages_publication";

/** One row inserted into realtime.messages, as the replication stream delivers it. */
export interface MessageRow {
  id: string;
  topic: string;
  event: string | null;
  private: boolean | null;
  extension: string;
  /** jsonb text exactly as PostgreSQL prints it, or null. */
  payload: string | null;
  binary_payload: Buffer | null;
  inserted_at: string | null;
}

export interface StoredMessage {
  id: string;
  event: string | null;
  payload: unknown;
  binary_payload: Buffer | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + n));

export class RealtimeDatabase {
  /** Authorisation transactions, partitions, replay (Realtime's tenant connection pool). */
  readonly sql: postgres.Sql;
  private replication?: postgres.Sql;
  private maintenanceTimer?: NodeJS.Timeout;
  private streaming = false;
  private closed = false;

  constructor(
    private readonly dbPort: number,
    private readonly log: (line: string) => void,
    poolSize = 10,
  ) {
    this.sql = connect({ dbPort }, "supabase_realtime_admin", {
      max: poolSize,
      connection: { application_name: "realtime_connect" },
    });
  }

  get replicationReady(): boolean {
    return this.streaming;
  }

  /** Partitions now and every 4 hours (Realtime's janitor interval). */
  async startMaintenance(): Promise<void> {
    await this.maintainPartitions();
    this.maintenanceTimer = setInterval(() => {
      this.maintainPartitions().catch((e) => this.log(`[realtime] PartitionCreationFailed: ${(e as Error).message}`));
    }, 4 * 3600_000);
    this.maintenanceTimer.unref();
  }

  async maintainPartitions(now = new Date()): Promise<void> {
    const limit = day(addDays(now, -3));
    const children = await this.sql<{ relname: string }[]>`
      select child.relname
        from pg_inherits
        join pg_class parent on pg_inherits.inhparent = parent.oid
        join pg_class child on pg_inherits.inhrelid = child.oid
        join pg_namespace nmsp_child on nmsp_child.oid = child.relnamespace
       where parent.relname = 'messages' and nmsp_child.nspname = 'realtime'`;
    for (const { relname } of children) {
      const m = /^messages_(\d{4})_(\d{2})_(\d{2})$/.exec(relname);
      if (m && `${m[1]}-${m[2]}-${m[3]}` < limit) await this.sql.unsafe(`drop table if exists realtime.${relname}`);
    }
    for (let i = -1; i <= 3; i++) {
      const start = addDays(now, i);
      const name = `messages_${day(start).replace(/-/g, "_")}`;
      try {
        await this.sql.begin(async (tx) => {
          await tx.unsafe(
            `create table if not exists realtime.${name} partition of realtime.messages ` +
              `for values from ('${day(start)}') to ('${day(addDays(start, 1))}')`,
          );
          await tx.unsafe(`alter table realtime.${name} owner to supabase_realtime_admin`);
        });
      } catch (e) {
        if ((e as { code?: string }).code !== "42P07") throw e; // duplicate_table: created concurrently
      }
    }
  }

  /** The publication as Realtime checks it: exists with only realtime.messages(_*), else (re)created. */
  async ensurePublication(): Promise<void> {
    const pubs = await this.sql`select 1 from pg_publication where pubname = ${MESSAGES_PUBLICATION}`;
    if (pubs.length === 0) {
      await this.sql.unsafe(`create publication ${MESSAGES_PUBLICATION} for table realtime.messages`);
      return;
    }
    const tables = await this.sql<{ schemaname: string; tablename: string }[]>`
      select schemaname, tablename from pg_publication_tables where pubname = ${MESSAGES_PUBLICATION}`;
    const valid = tables.length > 0 &&
      tables.every((t) => t.schemaname === "realtime" && (t.tablename === "messages" || t.tablename.startsWith("messages_")));
    if (!valid) {
      this.log(`[realtime] publication ${MESSAGES_PUBLICATION} contains unexpected tables, recreating it`);
      await this.sql.unsafe(
        `drop publication if exists ${MESSAGES_PUBLICATION}; create publication ${MESSAGES_PUBLICATION} for table realtime.messages`,
      );
    }
  }

  /**
   * Streams inserts into realtime.messages (any partition) to `onInsert`, with a watchdog that
   * restarts the stream when its slot is gone or inactive (database restarted, connection
   * killed), as Realtime's ReplicationConnection.Watchdog does (every `watchdogMs`; Realtime: 5 min).
   */
  async startReplication(onInsert: (row: MessageRow) => void, watchdogMs = 5_000): Promise<void> {
    this.onInsert = onInsert;
    await this.connectReplication();
    this.watchdog = setInterval(() => void this.checkReplication(), watchdogMs);
    this.watchdog.unref();
  }

  private onInsert: (row: MessageRow) => void = () => {};
  private replicationState?: { pid?: number };
  private watchdog?: NodeJS.Timeout;
  private checking = false;

  private async connectReplication(): Promise<void> {
    // jsonb and timestamps as PostgreSQL prints them: the payload is passed on as it is stored.
    const raw = { from: [3802, 114, 1114], to: 25, serialize: (x: unknown) => String(x), parse: (x: string) => x };
    const replication = postgres(dbUrl({ dbPort: this.dbPort }, "supabase_realtime_admin"), {
      publications: MESSAGES_PUBLICATION,
      onnotice: () => {},
      types: { raw } as never,
      connection: { application_name: "realtime_replication_connection" },
    });
    this.replication = replication;
    try {
      const handle = await replication.subscribe("insert", (row, info) => {
        const rel = info.relation as { schema: string; table: string };
        if (rel.schema !== "realtime" || !rel.table.startsWith("messages")) return;
        this.onInsert(row as unknown as MessageRow);
      });
      // postgres.js keeps the walsender's backend pid in the handle's (untyped) `state`.
      this.replicationState = (handle as unknown as { state: { pid?: number } }).state;
      this.streaming = true;
    } catch (e) {
      this.replication = undefined;
      await replication.end({ timeout: 0 }).catch(() => {});
      throw e;
    }
  }

  private async checkReplication(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const pid = this.replicationState?.pid;
      const alive = pid
        ? (await this.sql`select 1 from pg_replication_slots where active_pid = ${pid} and slot_type = 'logical'`).length > 0
        : false;
      if (alive) return;
      this.streaming = false;
      this.log("[realtime] ReplicationSlotNotAlive: restarting the replication connection");
      const old = this.replication;
      this.replication = undefined;
      this.replicationState = undefined;
      await old?.end({ timeout: 0 }).catch(() => {});
      if (this.closed) return;
      await this.connectReplication();
      this.log("[realtime] replication connection re-established");
    } catch (e) {
      this.streaming = false;
      this.log(`[realtime] replication watchdog: ${(e as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  /** The newest `limit` stored private broadcasts of `topic` since `sinceMs`, oldest first. */
  async replay(topic: string, sinceMs: number, limit: number): Promise<StoredMessage[]> {
    const since = new Date(sinceMs);
    if (Number.isNaN(since.getTime())) throw new RangeError("invalid_unix_time");
    const now = new Date(Date.now() + 60_000);
    const ts = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");
    const rows = await this.sql<StoredMessage[]>`
      select id, event, payload, binary_payload
        from realtime.messages
       where topic = ${topic} and private = true and extension = 'broadcast'
         and inserted_at >= ${ts(since)}::timestamp and inserted_at < ${ts(now)}::timestamp
       order by inserted_at desc
       limit ${limit}`;
    return [...rows].reverse();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.allSettled([this.replication?.end({ timeout: 1 }), this.sql.end({ timeout: 1 })]);
  }
}
