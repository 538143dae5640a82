/**
 * The database side of the local Storage server: logged in as `supabase_storage_admin` (a member
 * of `authenticator`, so it may switch to the API roles), every transaction first scopes itself as
 * the Storage API does (src/internal/database/postgres/scope.ts): transaction-local `role` (the
 * JWT's role, else anon), `request.jwt.claim.role`, `request.jwt`, `request.jwt.claim.sub`,
 * `request.jwt.claims`, `request.headers`, `request.method`, `request.path`, `storage.operation`
 * and `storage.allow_delete_query = 'true'`. Statements run either as the caller (RLS decides) or
 * as the service role (the Storage API's "super user"), each in its own transaction unless a
 * caller's transaction switches to the service role for a step (a savepoint, then the caller's
 * scope again), as the Storage API does for bucket deletion.
 *
 * The statements mirror src/storage/database/pg.ts (findBucketById, findObject(s), createObject,
 * upsertObject, updateObject, deleteObject(s), searchObjects, listBuckets, createBucket,
 * updateBucket, deleteBucket, waitObjectLock), in our own words.
 */
import type postgres from "postgres";
import type { Principal } from "./auth.ts";
import { ERRORS, fromDbError, StorageError } from "./errors.ts";

type Sql = postgres.Sql<Record<string, unknown>>;
export type Tx = postgres.TransactionSql<Record<string, unknown>>;

/** What a request contributes to the scope besides the caller. */
export interface RequestScope {
  /** JSON of the request's headers. */
  headers: string;
  method: string;
  /** The request's path (under /storage/v1) and query, as the Storage API sees request.url. */
  path: string;
  /** The Storage API's operation name, e.g. storage.object.upload. */
  operation: string;
}

export interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  version: string | null;
  metadata: Record<string, unknown> | null;
  user_metadata: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
  last_accessed_at: Date | null;
}

export interface BucketRow {
  id: string;
  name: string;
  owner: string | null;
  owner_id?: string | null;
  public: boolean;
  type?: string;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: Date;
  updated_at: Date;
}

const ROLLBACK = Symbol("rollback");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** `owner` (uuid) is set only when the JWT's sub is a UUID; `owner_id` (text) always. */
export function ownerColumns(owner: string | undefined): { owner: string | null; owner_id: string | null } {
  return { owner: owner && UUID.test(owner) ? owner : null, owner_id: owner ?? null };
}

export class StorageDb {
  constructor(
    private readonly sql: Sql,
    readonly service: Principal,
  ) {}

  private async scope(tx: Tx, who: Principal, req: RequestScope): Promise<void> {
    await tx`
      select set_config('role', ${who.role}, true),
             set_config('request.jwt.claim.role', ${who.role}, true),
             set_config('request.jwt', ${who.jwt}, true),
             set_config('request.jwt.claim.sub', ${typeof who.claims.sub === "string" ? who.claims.sub : ""}, true),
             set_config('request.jwt.claims', ${JSON.stringify(who.claims)}, true),
             set_config('request.headers', ${req.headers}, true),
             set_config('request.method', ${req.method}, true),
             set_config('request.path', ${req.path}, true),
             set_config('storage.operation', ${req.operation}, true),
             set_config('storage.allow_delete_query', 'true', true)`;
  }

  /** `fn` in one transaction scoped as `who`; Postgres errors become the Storage API's. */
  async run<T>(who: Principal, req: RequestScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return (await this.sql.begin(async (tx) => {
        await this.scope(tx, who, req);
        return fn(tx);
      })) as T;
    } catch (e) {
      throw fromDbError(e);
    }
  }

  /** `fn` as `who` in a transaction that is always rolled back (the Storage API's testPermission). */
  async trial(who: Principal, req: RequestScope, fn: (tx: Tx) => Promise<unknown>): Promise<void> {
    try {
      await this.run(who, req, async (tx) => {
        await fn(tx);
        throw ROLLBACK;
      });
    } catch (e) {
      if (e !== ROLLBACK) throw e;
    }
  }

  /** Inside `who`'s transaction: `fn` as the service role in a savepoint, then `who`'s scope again. */
  async asService<T>(tx: Tx, who: Principal, req: RequestScope, fn: (sp: Tx) => Promise<T>): Promise<T> {
    return (await tx.savepoint(async (sp) => {
      await this.scope(sp as Tx, this.service, req);
      const result = await fn(sp as Tx);
      await this.scope(sp as Tx, who, req);
      return result;
    })) as T;
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}

// ---- Statements ---------------------------------------------------------------------------------

const BUCKET_COLUMNS = "id, name, owner, public, type, file_size_limit, allowed_mime_types, created_at, updated_at";

function bucketRow(r: Record<string, unknown>): BucketRow {
  return { ...(r as unknown as BucketRow), file_size_limit: r.file_size_limit == null ? null : Number(r.file_size_limit) };
}

/** findBucketById: NoSuchBucket when missing (or hidden by RLS) unless `orNull`. */
export async function findBucket(tx: Tx, id: string, opts: { orNull: true; forUpdate?: boolean; publicOnly?: boolean }): Promise<BucketRow | null>;
export async function findBucket(tx: Tx, id: string, opts?: { orNull?: false; forUpdate?: boolean; publicOnly?: boolean }): Promise<BucketRow>;
export async function findBucket(
  tx: Tx,
  id: string,
  opts: { orNull?: boolean; forUpdate?: boolean; publicOnly?: boolean } = {},
): Promise<BucketRow | null> {
  const rows = await tx.unsafe(
    `select ${BUCKET_COLUMNS} from storage.buckets where id = $1${opts.publicOnly ? " and public = true" : ""} limit 1${
      opts.forUpdate ? " for update" : ""
    }`,
    [id],
  );
  if (!rows[0]) {
    if (opts.orNull) return null;
    throw ERRORS.noSuchBucket();
  }
  return bucketRow(rows[0]);
}

export async function listBuckets(
  tx: Tx,
  opts: { limit?: number; offset?: number; sortColumn?: string; sortOrder?: string; search?: string },
): Promise<BucketRow[]> {
  const values: unknown[] = [];
  let where = "";
  if (opts.search) {
    values.push(`%${escapeLike(opts.search)}%`);
    where = `where name ilike $${values.length}`;
  }
  const order = opts.sortColumn ? `order by "${opts.sortColumn}" ${opts.sortOrder === "desc" ? "desc" : "asc"}` : "";
  let page = "";
  if (opts.limit !== undefined) {
    values.push(opts.limit);
    page += ` limit $${values.length}`;
  }
  if (opts.offset !== undefined) {
    values.push(opts.offset);
    page += ` offset $${values.length}`;
  }
  const rows = await tx.unsafe(`select ${BUCKET_COLUMNS} from storage.buckets ${where} ${order}${page}`, values as never[]);
  return rows.map(bucketRow);
}

export async function createBucket(
  tx: Tx,
  b: { id: string; name: string; owner?: string; public: boolean; file_size_limit?: number | null; allowed_mime_types?: string[] | null },
): Promise<void> {
  const o = ownerColumns(b.owner);
  try {
    await tx`
      insert into storage.buckets (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types, type)
      values (${b.id}, ${b.name}, ${o.owner}, ${o.owner_id}, ${b.public}, ${b.file_size_limit ?? null},
              ${b.allowed_mime_types ?? null}::text[], 'STANDARD')`;
  } catch (e) {
    const mapped = fromDbError(e);
    if (mapped instanceof StorageError && mapped.code === "ResourceAlreadyExists") throw ERRORS.bucketAlreadyExists(e);
    throw mapped;
  }
}

/** updateBucket: only the fields given; NoSuchBucket when no row was updated (missing or RLS). */
export async function updateBucket(
  tx: Tx,
  id: string,
  fields: { public?: boolean; file_size_limit?: number | null; allowed_mime_types?: string[] | null },
): Promise<{ previousPublic: boolean | null }> {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return { previousPublic: null };
  const sets = entries.map(([k], i) => `"${k}" = $${i + 1}${k === "allowed_mime_types" ? "::text[]" : ""}`).join(", ");
  const rows = await tx.unsafe(
    `with previous as (select public from storage.buckets where id = $${entries.length + 1})
     update storage.buckets set ${sets} where id = $${entries.length + 1}
     returning (select public from previous) as public`,
    [...entries.map(([, v]) => v), id] as never[],
  );
  if (rows.length === 0) throw ERRORS.noSuchBucket();
  return { previousPublic: rows[0].public as boolean };
}

export async function deleteBucket(tx: Tx, id: string): Promise<number> {
  const rows = await tx`delete from storage.buckets where id = any(${[id]}::text[]) returning id`;
  return rows.length;
}

export async function countObjects(tx: Tx, bucketId: string, limit: number): Promise<number> {
  const rows = await tx`select 1 from storage.objects where bucket_id = ${bucketId} limit ${limit}`;
  return rows.length;
}

/** findObject: NoSuchKey when missing (or hidden by RLS) unless `orNull`. */
export async function findObject(
  tx: Tx,
  bucketId: string,
  name: string,
  opts: { orNull?: boolean; forUpdate?: boolean } = {},
): Promise<ObjectRow | null> {
  const rows = opts.forUpdate
    ? await tx`select * from storage.objects where name = ${name} and bucket_id = ${bucketId} limit 1 for update`
    : await tx`select * from storage.objects where name = ${name} and bucket_id = ${bucketId} limit 1`;
  if (!rows[0]) {
    if (opts.orNull) return null;
    throw ERRORS.noSuchKey();
  }
  return rows[0] as unknown as ObjectRow;
}

export async function findObjectNames(tx: Tx, bucketId: string, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await tx`select name from storage.objects where bucket_id = ${bucketId} and name = any(${names}::text[])`;
  return rows.map((r) => r.name as string);
}

export interface NewObject {
  bucket_id: string;
  name: string;
  owner?: string;
  version: string;
  metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown> | null;
}

/** A jsonb parameter: postgres.js serialises the value itself once Postgres says the type is jsonb. */
const json = (v: unknown) => (v === undefined ? null : (v as postgres.JSONValue));

/** createObject (a plain INSERT): a duplicate is KeyAlreadyExists. */
export async function insertObject(tx: Tx, o: NewObject): Promise<void> {
  const own = ownerColumns(o.owner);
  try {
    await tx`
      insert into storage.objects (name, owner, owner_id, bucket_id, metadata, version, user_metadata)
      values (${o.name}, ${own.owner}, ${own.owner_id}, ${o.bucket_id}, ${json(o.metadata)}::jsonb, ${o.version},
              ${json(o.user_metadata)}::jsonb)`;
  } catch (e) {
    const mapped = fromDbError(e);
    if (mapped instanceof StorageError && mapped.code === "ResourceAlreadyExists") throw ERRORS.keyAlreadyExists(e);
    throw mapped;
  }
}

/** upsertObject: INSERT ... ON CONFLICT (name, bucket_id) DO UPDATE of the given columns. */
export async function upsertObject(tx: Tx, o: NewObject): Promise<ObjectRow> {
  const own = ownerColumns(o.owner);
  // Like the Storage API, the update sets only what is given: owner when the sub is a UUID,
  // owner_id when there is a sub.
  const updates = ["version = excluded.version"];
  if (own.owner) updates.push("owner = excluded.owner");
  if (own.owner_id) updates.push("owner_id = excluded.owner_id");
  if (o.metadata !== undefined) updates.push("metadata = excluded.metadata");
  if (o.user_metadata !== undefined) updates.push("user_metadata = excluded.user_metadata");
  const rows = await tx.unsafe(
    `insert into storage.objects (name, owner, owner_id, bucket_id, metadata, version, user_metadata)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb)
     on conflict (name, bucket_id) do update set ${updates.join(", ")}
     returning *`,
    [o.name, own.owner, own.owner_id, o.bucket_id, json(o.metadata), o.version, json(o.user_metadata)] as never[],
  );
  return rows[0] as unknown as ObjectRow;
}

/** updateObject of a name: NoSuchKey when no row was updated (missing, or hidden by RLS). */
export async function updateObject(
  tx: Tx,
  bucketId: string,
  name: string,
  set: { name: string; bucket_id: string; version: string; owner?: string; metadata?: Record<string, unknown>; user_metadata?: unknown },
): Promise<ObjectRow> {
  const own = ownerColumns(set.owner);
  const columns: Array<[string, unknown, string]> = [
    ["name", set.name, ""],
    ["bucket_id", set.bucket_id, ""],
    ["version", set.version, ""],
  ];
  // As in upsertObject: owner only for a UUID sub, owner_id only when there is a sub.
  if (own.owner) columns.push(["owner", own.owner, "::uuid"]);
  if (own.owner_id) columns.push(["owner_id", own.owner_id, ""]);
  if (set.metadata !== undefined) columns.push(["metadata", json(set.metadata), "::jsonb"]);
  if (set.user_metadata !== undefined) columns.push(["user_metadata", json(set.user_metadata), "::jsonb"]);
  const rows = await tx.unsafe(
    `update storage.objects set ${columns.map(([c, , cast], i) => `${c} = $${i + 1}${cast}`).join(", ")}
     where bucket_id = $${columns.length + 1} and name = $${columns.length + 2} returning *`,
    [...columns.map(([, v]) => v), bucketId, name] as never[],
  );
  if (!rows[0]) throw ERRORS.noSuchKey();
  return rows[0] as unknown as ObjectRow;
}

export async function deleteObject(tx: Tx, bucketId: string, name: string): Promise<ObjectRow | undefined> {
  const rows = await tx`delete from storage.objects where name = ${name} and bucket_id = ${bucketId} returning *`;
  return rows[0] as unknown as ObjectRow | undefined;
}

export async function deleteObjects(tx: Tx, bucketId: string, names: string[]): Promise<ObjectRow[]> {
  if (names.length === 0) return [];
  const rows = await tx`delete from storage.objects where bucket_id = ${bucketId} and name = any(${names}::text[]) returning *`;
  return rows as unknown as ObjectRow[];
}

export async function oldestObjects(tx: Tx, bucketId: string, before: Date, limit: number): Promise<ObjectRow[]> {
  const rows = await tx`
    select * from storage.objects where bucket_id = ${bucketId} and created_at < ${before}
    order by name collate "C" limit ${limit}`;
  return rows as unknown as ObjectRow[];
}

/** searchObjects: the listing of one folder level through storage.search (RLS applies). */
export async function searchObjects(
  tx: Tx,
  bucketId: string,
  prefix: string,
  opts: { limit?: number; offset?: number; search?: string; column?: string; order?: string },
): Promise<Record<string, unknown>[]> {
  const column = opts.column ?? "name";
  // Outside name order the function matches with ILIKE, so the caller escapes LIKE wildcards.
  const escape = column !== "name";
  const p = escape ? escapeLike(prefix) : prefix;
  const search = escape ? escapeLike(opts.search ?? "") : (opts.search ?? "");
  const rows = await tx`
    select * from storage.search(${p}, ${bucketId}, ${opts.limit || 100}, ${(p + search).split("/").length},
                                 ${opts.offset || 0}, ${search}, ${column}, ${opts.order ?? "asc"})`;
  return rows as unknown as Record<string, unknown>[];
}

/**
 * waitObjectLock: a transaction-scoped advisory lock on `<bucket>/<name>`, waiting at most
 * `timeoutMs` (LockTimeout after that), with the session's lock_timeout restored afterwards.
 */
export async function lockObject(tx: Tx, bucketId: string, name: string, timeoutMs: number): Promise<void> {
  const key = hashToInt32(`${bucketId}/${name}`);
  const [{ previous }] = await tx`select current_setting('lock_timeout') as previous`;
  await tx`select set_config('lock_timeout', ${`${timeoutMs}ms`}, true)`;
  try {
    await tx`select pg_advisory_xact_lock(${key})`;
  } catch (e) {
    if ((e as { code?: string }).code === "55P03") throw ERRORS.lockTimeout();
    throw e;
  }
  await tx`select set_config('lock_timeout', ${previous as string}, true)`;
}

/** A 32-bit FNV-1a hash of a string, as a signed integer (an advisory lock key). */
function hashToInt32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Escapes LIKE wildcards (and the escape character) in a user-given string. */
export function escapeLike(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/([%_])/g, "\\$1");
}
