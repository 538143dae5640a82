/**
 * Bucket routes of the local Storage server (/storage/v1/bucket...), as the Storage API serves
 * them (src/http/routes/bucket/*, src/storage/storage.ts). Every statement runs as the caller, so
 * RLS on storage.buckets decides: with no bucket policies (this project), only the service role
 * (BYPASSRLS) lists, reads, creates, updates and deletes buckets; users get an empty list and a
 * row-level security refusal. Emptying a bucket is for the service role only.
 *
 * Also the buckets of supabase/config.toml, created or updated through the same code as
 * `supabase start` / `supabase seed buckets` do through the Storage API.
 */
import type { Principal } from "./auth.ts";
import type { Call, Route, StorageServer } from "./context.ts";
import {
  countObjects,
  createBucket,
  deleteBucket,
  deleteObjects,
  findBucket,
  listBuckets,
  oldestObjects,
  updateBucket,
  type BucketRow,
  type RequestScope,
  type StorageDb,
  type Tx,
} from "./db.ts";
import { ERRORS } from "./errors.ts";
import type { ObjectFiles } from "./files.ts";
import { sendJson } from "./http.ts";
import {
  Body,
  mustBeNotReservedBucketName,
  mustBeValidBucketName,
  parseFileSize,
  validateAllowedMimeTypes,
} from "./validate.ts";

/** More objects than this and the Storage API refuses to empty a bucket. */
const EMPTY_BUCKET_MAX = 200_000;

/** A bucket as the Storage API returns it (its bucket schema: a null owner is ""). */
function bucketJson(b: BucketRow): Record<string, unknown> {
  return {
    id: b.id,
    name: b.name,
    owner: b.owner ?? "",
    public: b.public,
    type: b.type ?? "STANDARD",
    file_size_limit: b.file_size_limit,
    allowed_mime_types: b.allowed_mime_types,
    created_at: b.created_at,
    updated_at: b.updated_at,
  };
}

/** A bucket's file_size_limit: a number of bytes or a size string, at most the global limit. */
function sizeLimit(value: number | string, globalLimit: number): number {
  const bytes = typeof value === "string" ? parseFileSize(value) : value;
  if (bytes > globalLimit) throw ERRORS.entityTooLarge();
  return bytes;
}

export interface BucketSpec {
  id: string;
  name: string;
  public?: boolean;
  fileSizeLimit?: number | string | null;
  allowedMimeTypes?: string[] | null;
  type?: string;
}

/** createBucket: name checks, limits, then the INSERT as `who` (RLS). */
export async function createBucketAs(
  db: StorageDb,
  who: Principal,
  scope: RequestScope,
  spec: BucketSpec,
  globalLimit: number,
): Promise<void> {
  if (spec.name.trim() !== spec.name) throw ERRORS.invalidBucketName();
  mustBeValidBucketName(spec.name);
  mustBeNotReservedBucketName(spec.name);
  if (spec.type === "ANALYTICS") throw ERRORS.featureNotEnabled("iceberg_catalog");
  let fileSizeLimit: number | null | undefined;
  if (typeof spec.fileSizeLimit === "number" || typeof spec.fileSizeLimit === "string") fileSizeLimit = sizeLimit(spec.fileSizeLimit, globalLimit);
  if (spec.fileSizeLimit === null) fileSizeLimit = null;
  const mimeTypes = spec.allowedMimeTypes ? spec.allowedMimeTypes.filter((m) => m) : spec.allowedMimeTypes;
  if (mimeTypes) validateAllowedMimeTypes(mimeTypes);
  await db.run(who, scope, (tx) =>
    createBucket(tx, {
      id: spec.id,
      name: spec.name,
      owner: who.owner,
      public: spec.public ?? false,
      file_size_limit: fileSizeLimit,
      allowed_mime_types: mimeTypes,
    }),
  );
}

/** updateBucket: the fields given (at least one), as `who` (RLS); NoSuchBucket when nothing changed. */
export async function updateBucketAs(
  db: StorageDb,
  who: Principal,
  scope: RequestScope,
  id: string,
  spec: { public?: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null },
  globalLimit: number,
): Promise<void> {
  mustBeValidBucketName(id);
  if (Object.values(spec).every((v) => v === undefined)) throw ERRORS.noContentProvided();
  let fileSizeLimit: number | null | undefined;
  if (typeof spec.fileSizeLimit === "number" || typeof spec.fileSizeLimit === "string") fileSizeLimit = sizeLimit(spec.fileSizeLimit, globalLimit);
  if (spec.fileSizeLimit === null) fileSizeLimit = null;
  const mimeTypes = spec.allowedMimeTypes ? spec.allowedMimeTypes.filter((m) => m) : spec.allowedMimeTypes;
  if (mimeTypes) validateAllowedMimeTypes(mimeTypes);
  await db.run(who, scope, (tx) =>
    updateBucket(tx, id, { public: spec.public, file_size_limit: fileSizeLimit, allowed_mime_types: mimeTypes }),
  );
}

// ---- Routes ---------------------------------------------------------------------------------------

const SORT_COLUMNS = ["id", "name", "created_at", "updated_at"] as const;

const getBuckets = async (srv: StorageServer, call: Call) => {
  const q = call.query;
  const opts: Parameters<typeof listBuckets>[1] = {};
  for (const key of ["limit", "offset"] as const) {
    const v = q.get(key);
    if (v === null) continue;
    const n = Number(v);
    if (!/^-?\d+$/.test(v)) throw ERRORS.validation(`querystring/${key} must be integer`);
    if (n < (key === "limit" ? 1 : 0)) throw ERRORS.validation(`querystring/${key} must be >= ${key === "limit" ? 1 : 0}`);
    opts[key] = n;
  }
  const sortColumn = q.get("sortColumn");
  if (sortColumn !== null) {
    if (!(SORT_COLUMNS as readonly string[]).includes(sortColumn)) {
      throw ERRORS.validation("querystring/sortColumn must be equal to one of the allowed values");
    }
    opts.sortColumn = sortColumn;
  }
  const sortOrder = q.get("sortOrder");
  if (sortOrder !== null) {
    if (sortOrder !== "asc" && sortOrder !== "desc") throw ERRORS.validation("querystring/sortOrder must be equal to one of the allowed values");
    opts.sortOrder = sortOrder;
  }
  const search = q.get("search");
  if (search !== null) opts.search = search;
  const rows = await srv.db.run(call.who, call.scope, (tx) => listBuckets(tx, opts));
  sendJson(call.res, 200, rows.map(bucketJson));
};

const getBucket = async (srv: StorageServer, call: Call) => {
  const row = await srv.db.run(call.who, call.scope, (tx) => findBucket(tx, call.params.id));
  const { type: _type, ...rest } = bucketJson(row!);
  sendJson(call.res, 200, rest);
};

const postBucket = async (srv: StorageServer, call: Call) => {
  const body = new Body(call.body);
  const name = body.string("name", true)!;
  const id = body.string("id");
  const isPublic = body.boolean("public");
  const type = body.oneOf("type", ["STANDARD", "ANALYTICS"] as const);
  const fileSizeLimit = body.fileSizeLimit("file_size_limit");
  const allowedMimeTypes = body.strings("allowed_mime_types", { nullable: true });
  await createBucketAs(
    srv.db,
    call.who,
    call.scope,
    { id: id || name, name, public: isPublic, fileSizeLimit, allowedMimeTypes, type },
    srv.globalFileSizeLimit,
  );
  sendJson(call.res, 200, { name });
};

const putBucket = async (srv: StorageServer, call: Call) => {
  const body = new Body(call.body);
  const isPublic = body.boolean("public");
  const fileSizeLimit = body.fileSizeLimit("file_size_limit");
  const allowedMimeTypes = body.strings("allowed_mime_types", { nullable: true });
  if (!("public" in call.body) && !("file_size_limit" in call.body) && !("allowed_mime_types" in call.body)) {
    throw ERRORS.validation("body must have required property 'public'");
  }
  await updateBucketAs(
    srv.db,
    call.who,
    call.scope,
    call.params.id,
    { public: isPublic, fileSizeLimit, allowedMimeTypes },
    srv.globalFileSizeLimit,
  );
  sendJson(call.res, 200, { message: "Successfully updated" });
};

/** deleteBucket: in the caller's transaction, the bucket locked and found empty as the service role, then deleted as the caller. */
const removeBucket = async (srv: StorageServer, call: Call) => {
  const id = call.params.id;
  await srv.db.run(call.who, call.scope, async (tx) => {
    await srv.db.asService(tx, call.who, call.scope, (sp) => findBucket(sp, id, { forUpdate: true }));
    const objects = await srv.db.asService(tx, call.who, call.scope, (sp) => countObjects(sp, id, 1));
    if (objects > 0) throw ERRORS.bucketNotEmpty();
    if ((await deleteBucket(tx, id)) === 0) throw ERRORS.noSuchBucket();
  });
  sendJson(call.res, 200, { message: "Successfully deleted" });
};

/**
 * Empties a bucket. The Storage API queues the deletion of every object created before the
 * request and answers at once; here the objects (rows and files) are deleted before the answer.
 */
const emptyBucket = async (srv: StorageServer, call: Call) => {
  const id = call.params.id;
  await srv.db.run(call.who, call.scope, (tx) => findBucket(tx, id));
  const count = await srv.db.run(call.who, call.scope, (tx) => countObjects(tx, id, EMPTY_BUCKET_MAX + 1));
  if (count > EMPTY_BUCKET_MAX) {
    throw ERRORS.invalidRequest("Unable to empty the bucket because it contains too many objects");
  }
  await deleteAllBefore(srv.db, srv.files, srv.auth.serviceRole, call.scope, id, new Date());
  sendJson(call.res, 200, { message: "Empty bucket has been queued. Completion may take up to an hour." });
};

async function deleteAllBefore(db: StorageDb, files: ObjectFiles, service: Principal, scope: RequestScope, bucketId: string, before: Date) {
  for (;;) {
    const done = await db.run(service, scope, async (tx: Tx) => {
      const batch = await oldestObjects(tx, bucketId, before, 500);
      if (batch.length === 0) return true;
      const gone = await deleteObjects(tx, bucketId, batch.map((o) => o.name));
      for (const o of gone) {
        if (!o.version) continue;
        try {
          await files.remove(files.locate(bucketId, o.name, o.version));
        } catch {
          /* a refused key never had a file */
        }
      }
      return false;
    });
    if (done) return;
  }
}

export const bucketRoutes: Route[] = [
  { method: "GET", pattern: "/bucket", operation: "storage.bucket.list", auth: "jwt", handler: getBuckets },
  { method: "GET", pattern: "/bucket/", operation: "storage.bucket.list", auth: "jwt", handler: getBuckets },
  { method: "POST", pattern: "/bucket", operation: "storage.bucket.create", auth: "jwt", body: "json", handler: postBucket },
  { method: "POST", pattern: "/bucket/", operation: "storage.bucket.create", auth: "jwt", body: "json", handler: postBucket },
  { method: "POST", pattern: "/bucket/:id/empty", operation: "storage.bucket.empty", auth: "service", body: "json-or-empty", handler: emptyBucket },
  { method: "GET", pattern: "/bucket/:id", operation: "storage.bucket.get", auth: "jwt", handler: getBucket },
  { method: "PUT", pattern: "/bucket/:id", operation: "storage.bucket.update", auth: "jwt", body: "json", handler: putBucket },
  { method: "DELETE", pattern: "/bucket/:id", operation: "storage.bucket.delete", auth: "jwt", body: "json-or-empty", handler: removeBucket },
];

// ---- Buckets from config.toml -----------------------------------------------------------------------

export interface ConfigBucket {
  public?: boolean;
  file_size_limit?: number | null;
  allowed_mime_types?: string[];
}

/**
 * The buckets of supabase/config.toml, as `supabase seed buckets` applies them through the
 * Storage API with the service role: a bucket that exists is updated (public, size limit, MIME
 * types), a missing one created. Returns the number of buckets.
 */
export async function seedBuckets(
  db: StorageDb,
  buckets: Record<string, ConfigBucket>,
  globalLimit: number,
): Promise<number> {
  const service = db.service;
  const scope = (method: string, path: string, operation: string): RequestScope => ({
    headers: JSON.stringify({ authorization: `Bearer ${service.jwt}`, "content-type": "application/json" }),
    method,
    path,
    operation,
  });
  const existing = new Set(
    (await db.run(service, scope("GET", "/bucket", "storage.bucket.list"), (tx) => listBuckets(tx, {}))).map((b) => b.id),
  );
  for (const [name, b] of Object.entries(buckets)) {
    const spec = { public: b.public ?? false, fileSizeLimit: b.file_size_limit ?? null, allowedMimeTypes: b.allowed_mime_types ?? null };
    if (existing.has(name)) {
      await updateBucketAs(db, service, scope("PUT", `/bucket/${name}`, "storage.bucket.update"), name, spec, globalLimit);
    } else {
      await createBucketAs(db, service, scope("POST", "/bucket", "storage.bucket.create"), { id: name, name, ...spec }, globalLimit);
    }
  }
  return Object.keys(buckets).length;
}
