/**
 * Object routes of the local Storage server (/storage/v1/object/...), as the Storage API serves
 * them (src/http/routes/object/*, src/storage/object.ts, src/storage/uploader.ts):
 *
 *   POST|PUT /object/{bucket}/{name}             upload (PUT and x-upsert: true upsert)
 *   GET      /object/{bucket}/{name}             download (anon allowed: public buckets)
 *   GET      /object/authenticated|public/...    download with a JWT / from a public bucket
 *   HEAD     /object/[authenticated|public/]...  headers only (storage-js `exists`)
 *   GET      /object/info/[authenticated|public/]...  object info (storage-js `info`)
 *   POST     /object/sign/{bucket}/{name}        signed download URL; POST /object/sign/{bucket} many
 *   GET      /object/sign/{bucket}/{name}?token  download with a signed URL
 *   POST|PUT /object/upload/sign/{bucket}/{name} signed upload URL / upload with it
 *   DELETE   /object/{bucket} {prefixes}         remove; DELETE /object/{bucket}/{name} one
 *   POST     /object/list/{bucket}               list one folder level (storage.search)
 *   POST     /object/move, /object/copy
 */
import { randomUUID } from "node:crypto";
import type { Principal } from "./auth.ts";
import type { Call, Route, StorageServer } from "./context.ts";
import {
  deleteObject,
  deleteObjects,
  findBucket,
  findObject,
  findObjectNames,
  insertObject,
  lockObject,
  searchObjects,
  updateObject,
  upsertObject,
  type ObjectRow,
} from "./db.ts";
import { ERRORS } from "./errors.ts";
import { DRAIN_LIMIT, sendJson, uploadFile, type UploadFile } from "./http.ts";
import { Body, mustBeValidBucketName, mustBeValidKey } from "./validate.ts";

/** Signing and listing take at most this many objects per request. */
const MAX_OBJECTS_PER_REQUEST = 1000;

const isEmptyFolder = (name: string) => name.endsWith(".emptyFolderPlaceholder");

/** Object metadata as the Storage API stores it in storage.objects.metadata. */
function objectMetadata(f: { size: number; eTag: string; lastModified: Date }, mimetype: string, cacheControl: string) {
  return {
    eTag: f.eTag,
    size: f.size,
    mimetype,
    cacheControl,
    lastModified: f.lastModified.toISOString(),
    contentLength: f.size,
    httpStatusCode: 200,
  };
}

// ---- Upload ---------------------------------------------------------------------------------------

/**
 * An upload: the bucket's size and MIME limits, the key, then the RLS trial as `trialAs` (an
 * INSERT, or an upsert, of the row, rolled back), then the file written under a new version, then
 * the row upserted as the service role (under a lock on the name) and the previous version's file
 * removed.
 */
async function upload(
  srv: StorageServer,
  call: Call,
  opts: { upsert: boolean; trialAs: Principal; owner: string | undefined },
): Promise<{ id: string; key: string }> {
  const bucketId = call.params.bucket;
  const name = call.params["*"];
  const service = srv.auth.serviceRole;
  mustBeValidBucketName(bucketId);
  const bucket = await srv.db.run(service, call.scope, (tx) => findBucket(tx, bucketId));
  let maxFileSize = 0; // a folder placeholder must be empty
  if (!isEmptyFolder(name)) {
    maxFileSize = typeof bucket.file_size_limit === "number"
      ? Math.min(bucket.file_size_limit, srv.globalFileSizeLimit)
      : srv.globalFileSizeLimit;
  }
  const file: UploadFile = await uploadFile(call.req, name, { maxFileSize, allowedMimeTypes: bucket.allowed_mime_types ?? [] });
  mustBeValidKey(name);

  const trialRow = {
    bucket_id: bucketId,
    name,
    owner: opts.owner,
    version: "1",
    metadata: { mimetype: file.mimeType, contentLength: file.declaredLength ?? file.size },
    user_metadata: file.userMetadata,
  };
  await srv.db.trial(opts.trialAs, call.scope, (tx) => (opts.upsert ? upsertObject(tx, trialRow) : insertObject(tx, trialRow)));

  const version = randomUUID();
  const path = srv.files.locate(bucketId, name, version);
  const stored = await srv.files.write(path, file.body, maxFileSize, DRAIN_LIMIT);
  let previous: ObjectRow | null;
  let row: ObjectRow;
  try {
    ({ previous, row } = await srv.db.run(service, call.scope, async (tx) => {
      await lockObject(tx, bucketId, name, 5000);
      const current = await findObject(tx, bucketId, name, { orNull: true, forUpdate: true });
      const saved = await upsertObject(tx, {
        bucket_id: bucketId,
        name,
        owner: opts.owner,
        version,
        metadata: objectMetadata(stored, file.mimeType, file.cacheControl),
        user_metadata: { ...file.userMetadata },
      });
      return { previous: current, row: saved };
    }));
  } catch (e) {
    await srv.files.remove(path);
    throw e;
  }
  if (previous?.version && previous.version !== version) await removeVersion(srv, bucketId, name, previous.version);
  return { id: row.id, key: `${bucketId}/${name}` };
}

async function removeVersion(srv: StorageServer, bucketId: string, name: string, version: string | null): Promise<void> {
  if (!version) return;
  try {
    await srv.files.remove(srv.files.locate(bucketId, name, version));
  } catch {
    /* a key the disk layout refuses never had a file */
  }
}

const createObject = async (srv: StorageServer, call: Call) => {
  const upsert = call.req.method === "PUT" || call.req.headers["x-upsert"] === "true";
  const r = await upload(srv, call, { upsert, trialAs: call.who, owner: call.who.owner });
  sendJson(call.res, 200, { Id: r.id, Key: r.key });
};

const uploadSigned = async (srv: StorageServer, call: Call) => {
  const token = call.query.get("token");
  if (!token) throw ERRORS.validation("querystring must have required property 'token'");
  mustBeValidBucketName(call.params.bucket);
  const claims = await srv.auth.verifyUrlToken(token, call.params.bucket, call.params["*"], "upload");
  const r = await upload(srv, call, { upsert: Boolean(claims.upsert), trialAs: srv.auth.serviceRole, owner: claims.owner });
  sendJson(call.res, 200, { Key: r.key });
};

const signUploadUrl = async (srv: StorageServer, call: Call) => {
  const bucketId = call.params.bucket;
  const name = call.params["*"];
  mustBeValidBucketName(bucketId);
  const upsert = call.req.headers["x-upsert"] === "true";
  let userMetadata: Record<string, unknown> | undefined;
  const custom = call.req.headers["x-metadata"];
  if (typeof custom === "string") {
    try {
      userMetadata = JSON.parse(Buffer.from(custom, "base64").toString("utf8")) as Record<string, unknown>;
    } catch {
      /* ignored */
    }
  }
  const length = call.req.headers["content-length"];
  const trialRow = {
    bucket_id: bucketId,
    name,
    owner: call.who.owner,
    version: "1",
    metadata: { mimetype: call.req.headers["content-type"], contentLength: length ? Number(length) : undefined },
    user_metadata: userMetadata,
  };
  await srv.db.trial(call.who, call.scope, (tx) => (upsert ? upsertObject(tx, trialRow) : insertObject(tx, trialRow)));
  const url = `${bucketId}/${name}`;
  const token = await srv.auth.sign({ owner: call.who.owner, url, upsert, scope: "upload" }, srv.uploadUrlExpiresIn);
  sendJson(call.res, 200, { url: `/object/upload/sign/${url}?token=${token}`, token });
};

// ---- Download -------------------------------------------------------------------------------------

function parseRange(header: string, size: number): { start: number; end: number } {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!m || size <= 0 || (!m[1] && !m[2])) throw ERRORS.invalidRange();
  if (!m[1]) {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix) || suffix <= 0) throw ERRORS.invalidRange();
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : size - 1;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start || start >= size) throw ERRORS.invalidRange();
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Sends a stored version with the Storage API's asset headers (Content-Type, ETag, Last-Modified,
 * Cache-Control or, for signed URLs, Expires; Content-Disposition for `?download`), answering
 * If-None-Match / If-Modified-Since with 304 and a Range with 206.
 */
async function sendObject(
  srv: StorageServer,
  call: Call,
  obj: ObjectRow,
  opts: { expires?: string; headOnly?: boolean } = {},
): Promise<void> {
  const { req, res } = call;
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const file = obj.version ? srv.files.locate(obj.bucket_id, obj.name, obj.version) : null;
  const stat = file ? await srv.files.stat(file) : null;
  if (!file || !stat) {
    res.writeHead(400, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify({ error: "Not found", message: "The resource was not found", statusCode: "404", code: "NoSuchKey" }));
    return;
  }
  const eTag = typeof meta.eTag === "string" ? meta.eTag : `"${stat.mtimeMs.toString(16)}-${stat.size.toString(16)}"`;
  const mimetype = typeof meta.mimetype === "string" ? meta.mimetype : "application/octet-stream";
  const cacheControl = typeof meta.cacheControl === "string" ? meta.cacheControl : "no-cache";
  const ifNoneMatch = req.headers["if-none-match"];
  const ifModifiedSince = req.headers["if-modified-since"];
  if ((ifNoneMatch && ifNoneMatch === eTag) || (ifModifiedSince && stat.mtime <= new Date(ifModifiedSince))) {
    res.writeHead(304);
    res.end();
    return;
  }
  let range: { start: number; end: number } | undefined;
  if (req.headers.range && !opts.headOnly) range = parseRange(req.headers.range, stat.size);
  const headers: Record<string, string | number> = {
    "accept-ranges": "bytes",
    // Served HTML would run in the API's origin: the Storage API sends it as plain text.
    "content-type": mimetype.includes("text/html") ? "text/plain" : mimetype,
    etag: eTag,
    "x-robots-tag": typeof meta.xRobotsTag === "string" ? meta.xRobotsTag : "none",
    "last-modified": stat.mtime.toUTCString(),
    "content-length": range ? range.end - range.start + 1 : stat.size,
  };
  if (opts.expires) headers.expires = opts.expires;
  else {
    const values = [cacheControl];
    if (ifNoneMatch && ifNoneMatch !== eTag) values.push("stale-while-revalidate=30");
    headers["cache-control"] = values.join(", ");
  }
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${stat.size}`;
  const download = call.query.get("download");
  if (download !== null) {
    const encoded = encodeURIComponent(download);
    headers["content-disposition"] = download === "" ? "attachment;" : `attachment; filename=${encoded}; filename*=UTF-8''${encoded}`;
  }
  res.writeHead(range ? 206 : 200, headers);
  if (opts.headOnly || req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = srv.files.read(file, range);
  stream.on("error", () => res.destroy());
  res.on("close", () => stream.destroy());
  stream.pipe(res);
}

/**
 * The object a download, HEAD or info request names: a missing bucket, or a private one without a
 * valid JWT, is NoSuchBucket; public buckets (and the public routes) are read as the service role,
 * private ones as the caller (RLS).
 */
async function visibleObject(srv: StorageServer, call: Call, publicRoute: boolean): Promise<ObjectRow> {
  const bucketId = call.params.bucket;
  const name = call.params["*"];
  const service = srv.auth.serviceRole;
  if (publicRoute) {
    mustBeValidBucketName(bucketId);
    await srv.db.run(service, call.scope, (tx) => findBucket(tx, bucketId, { publicOnly: true }));
    mustBeValidKey(name);
    return (await srv.db.run(service, call.scope, (tx) => findObject(tx, bucketId, name)))!;
  }
  const bucket = await srv.db.run(service, call.scope, (tx) => findBucket(tx, bucketId, { orNull: true }));
  if (!bucket || (!call.who.authenticated && !bucket.public)) throw ERRORS.noSuchBucket();
  mustBeValidBucketName(bucketId);
  mustBeValidKey(name);
  const reader = bucket.public ? service : call.who;
  return (await srv.db.run(reader, call.scope, (tx) => findObject(tx, bucketId, name)))!;
}

const getObject = (publicRoute: boolean) => async (srv: StorageServer, call: Call) => {
  const obj = await visibleObject(srv, call, publicRoute);
  await sendObject(srv, call, obj, { headOnly: call.req.method === "HEAD" });
};

const getObjectInfo = (publicRoute: boolean) => async (srv: StorageServer, call: Call) => {
  const obj = await visibleObject(srv, call, publicRoute);
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const body = {
    id: obj.id,
    name: obj.name,
    version: obj.version,
    bucket_id: obj.bucket_id,
    size: meta.size ?? null,
    content_type: meta.mimetype ?? null,
    cache_control: meta.cacheControl ?? null,
    etag: meta.eTag ?? null,
    metadata: obj.user_metadata,
    last_modified: obj.updated_at,
    created_at: obj.created_at,
  };
  const headers: Record<string, string> = {};
  if (typeof meta.eTag === "string") headers.etag = meta.eTag;
  if (typeof meta.cacheControl === "string") headers["cache-control"] = meta.cacheControl;
  if (typeof meta.lastModified === "string") headers["last-modified"] = new Date(meta.lastModified).toUTCString();
  sendJson(call.res, 200, body, headers);
};

const getSignedObject = async (srv: StorageServer, call: Call) => {
  const token = call.query.get("token");
  if (!token) throw ERRORS.validation("querystring must have required property 'token'");
  mustBeValidBucketName(call.params.bucket);
  const claims = await srv.auth.verifyUrlToken(token, call.params.bucket, call.params["*"], "download");
  const [bucketId, ...rest] = claims.url.split("/");
  const name = rest.join("/");
  mustBeValidBucketName(bucketId);
  mustBeValidKey(name);
  const obj = (await srv.db.run(srv.auth.serviceRole, call.scope, (tx) => findObject(tx, bucketId, name)))!;
  await sendObject(srv, call, obj, { expires: new Date((claims.exp ?? 0) * 1000).toUTCString() });
};

// ---- Signed URLs ----------------------------------------------------------------------------------

function expiresIn(body: Body): number {
  const seconds = body.integer("expiresIn", { required: true, min: 1 })!;
  if (seconds > Math.floor(Number.MAX_SAFE_INTEGER / 1000) - Math.floor(Date.now() / 1000)) {
    throw ERRORS.invalidParameter("expiresIn");
  }
  return seconds;
}

const signObject = async (srv: StorageServer, call: Call) => {
  const seconds = expiresIn(new Body(call.body));
  const bucketId = call.params.bucket;
  const name = call.params["*"];
  mustBeValidBucketName(bucketId);
  mustBeValidKey(name);
  await srv.db.run(call.who, call.scope, (tx) => findObject(tx, bucketId, name));
  // The Storage API signs the request's path after /object/sign/, URI-decoded.
  const url = decodeURI(call.path.split("/").slice(3).join("/"));
  const token = await srv.auth.sign({ url, scope: "download" }, seconds);
  sendJson(call.res, 200, { signedURL: `/object/sign/${url}?token=${token}` });
};

const signObjects = async (srv: StorageServer, call: Call) => {
  const body = new Body(call.body);
  const seconds = expiresIn(body);
  const paths = body.strings("paths", { required: true, minItems: 1, maxItems: MAX_OBJECTS_PER_REQUEST })!;
  const bucketId = call.params.bucket;
  mustBeValidBucketName(bucketId);
  const found = new Set(await srv.db.run(call.who, call.scope, (tx) => findObjectNames(tx, bucketId, paths)));
  const results = await Promise.all(
    paths.map(async (path) => {
      if (!found.has(path)) return { error: "Either the object does not exist or you do not have access to it", path, signedURL: null };
      const url = `${bucketId}/${path}`;
      const token = await srv.auth.sign({ url, scope: "download" }, seconds);
      return { error: null, path, signedURL: `/object/sign/${url}?token=${token}` };
    }),
  );
  sendJson(call.res, 200, results);
};

// ---- Delete, list, move, copy ---------------------------------------------------------------------

/** Rows as the Storage API returns objects (its object schema's fields). */
function objectJson(o: ObjectRow): Record<string, unknown> {
  const { id, bucket_id, name, owner, owner_id, version, created_at, updated_at, last_accessed_at, metadata, user_metadata } = o;
  return { name, bucket_id, owner: owner ?? "", owner_id: owner_id ?? "", version: version ?? "", id, updated_at, created_at, last_accessed_at, metadata, user_metadata };
}

const removeObjects = async (srv: StorageServer, call: Call) => {
  const prefixes = new Body(call.body).strings("prefixes", { required: true, minItems: 1 })!;
  const bucketId = call.params.bucket;
  mustBeValidBucketName(bucketId);
  const deleted: ObjectRow[] = [];
  // In batches, each in one transaction as the caller: the rows RLS lets them delete, and their files.
  for (let i = 0; i < prefixes.length; i += 500) {
    const batch = prefixes.slice(i, i + 500);
    const rows = await srv.db.run(call.who, call.scope, async (tx) => {
      const gone = await deleteObjects(tx, bucketId, batch);
      for (const row of gone) await removeVersion(srv, bucketId, row.name, row.version);
      return gone;
    });
    deleted.push(...rows);
  }
  sendJson(call.res, 200, deleted.map(objectJson));
};

const removeObject = async (srv: StorageServer, call: Call) => {
  const bucketId = call.params.bucket;
  const name = call.params["*"];
  mustBeValidBucketName(bucketId);
  mustBeValidKey(name);
  await srv.db.run(call.who, call.scope, async (tx) => {
    const obj = await srv.db.asService(tx, call.who, call.scope, (sp) => findObject(sp, bucketId, name, { forUpdate: true }));
    const gone = await deleteObject(tx, bucketId, name);
    if (!gone) throw ERRORS.accessDenied("Access denied");
    await removeVersion(srv, bucketId, name, obj!.version);
  });
  sendJson(call.res, 200, { message: "Successfully deleted" });
};

const SORT_COLUMNS = ["name", "updated_at", "created_at", "last_accessed_at"] as const;

const listObjects = async (srv: StorageServer, call: Call) => {
  const body = new Body(call.body);
  let prefix = body.string("prefix", true)!;
  const limit = body.integer("limit", { min: 1 });
  const offset = body.integer("offset", { min: 0 });
  const sortBy = body.object("sortBy");
  const column = sortBy?.oneOf("column", SORT_COLUMNS, true);
  const order = sortBy?.oneOf("order", ["asc", "desc"] as const);
  const search = body.string("search");
  const bucketId = call.params.bucket;
  mustBeValidBucketName(bucketId);
  if (prefix.length > 0 && !prefix.endsWith("/")) prefix = `${prefix}/`; // a prefix is a folder
  const rows = await srv.db.run(call.who, call.scope, (tx) =>
    searchObjects(tx, bucketId, prefix, { limit, offset, search, column, order }),
  );
  sendJson(call.res, 200, rows);
};

/**
 * move: the RLS trial as the caller (the source visible, and its row renamed: UPDATE's USING and
 * WITH CHECK), rolled back; then the file copied to the new name and version, the row updated as
 * the service role, and the old version's file removed.
 */
const moveObject = async (srv: StorageServer, call: Call) => {
  const body = new Body(call.body);
  const bucketId = body.string("bucketId", true)!;
  const sourceKey = body.string("sourceKey", true)!;
  const destinationKey = body.string("destinationKey", true)!;
  const destinationBucket = body.string("destinationBucket") || bucketId;
  mustBeValidBucketName(bucketId);
  mustBeValidKey(destinationKey);
  const service = srv.auth.serviceRole;
  const owner = call.who.owner;
  const version = randomUUID();
  await srv.db.trial(call.who, call.scope, async (tx) => {
    await findObject(tx, bucketId, sourceKey);
    await updateObject(tx, bucketId, sourceKey, { name: destinationKey, bucket_id: destinationBucket, version, owner });
  });
  const source = (await srv.db.run(service, call.scope, (tx) => findObject(tx, bucketId, sourceKey)))!;
  if (bucketId === destinationBucket && sourceKey === destinationKey) {
    sendJson(call.res, 200, { message: "Successfully moved", Id: source.id, Key: source.name });
    return;
  }
  const from = srv.files.locate(bucketId, sourceKey, source.version ?? "");
  const to = srv.files.locate(destinationBucket, destinationKey, version);
  const meta = (source.metadata ?? {}) as Record<string, unknown>;
  let moved: ObjectRow;
  try {
    const copied = await srv.files.copy(from, to);
    moved = await srv.db.run(service, call.scope, async (tx) => {
      await lockObject(tx, bucketId, destinationKey, 5000);
      const current = (await findObject(tx, bucketId, sourceKey, { forUpdate: true }))!;
      return updateObject(tx, bucketId, sourceKey, {
        name: destinationKey,
        bucket_id: destinationBucket,
        version,
        owner,
        metadata: objectMetadata(copied, String(meta.mimetype ?? "application/octet-stream"), String(meta.cacheControl ?? "no-cache")),
        user_metadata: current.user_metadata,
      });
    });
  } catch (e) {
    await srv.files.remove(to);
    throw e;
  }
  await removeVersion(srv, bucketId, sourceKey, source.version);
  sendJson(call.res, 200, { message: "Successfully moved", Id: moved.id, Key: destinationKey });
};

/**
 * copy: the source read as the caller, the RLS trial of the destination (INSERT, or upsert with
 * x-upsert) as the caller, then the file copied and the destination row upserted as the service
 * role (a replaced destination's old file removed).
 */
const copyObject = async (srv: StorageServer, call: Call) => {
  const body = new Body(call.body);
  const bucketId = body.string("bucketId", true)!;
  const sourceKey = body.string("sourceKey", true)!;
  const destinationKey = body.string("destinationKey", true)!;
  const destinationBucket = body.string("destinationBucket") || bucketId;
  const metadataIn = body.object("metadata");
  const copyMetadata = body.boolean("copyMetadata") ?? true;
  const upsert = call.req.headers["x-upsert"] === "true";
  let userMetadataIn: Record<string, unknown> | undefined;
  const custom = call.req.headers["x-metadata"];
  if (typeof custom === "string") {
    try {
      userMetadataIn = JSON.parse(Buffer.from(custom, "base64").toString("utf8")) as Record<string, unknown>;
    } catch {
      /* ignored */
    }
  }
  mustBeValidBucketName(bucketId);
  mustBeValidKey(destinationKey);
  const service = srv.auth.serviceRole;
  const owner = call.who.owner;
  const version = randomUUID();
  mustBeValidKey(sourceKey);
  const origin = (await srv.db.run(call.who, call.scope, (tx) => findObject(tx, bucketId, sourceKey)))!;
  const metadata: Record<string, unknown> = { ...(origin.metadata ?? {}) };
  if (!copyMetadata) {
    const cacheControl = metadataIn?.string("cacheControl");
    const mimetype = metadataIn?.string("mimetype");
    if (cacheControl !== undefined) metadata.cacheControl = cacheControl;
    if (mimetype !== undefined) metadata.mimetype = mimetype;
  }
  const userMetadata = copyMetadata ? origin.user_metadata : userMetadataIn;
  const trialRow = {
    bucket_id: destinationBucket,
    name: destinationKey,
    owner,
    version: "1",
    metadata,
    user_metadata: userMetadata ?? undefined,
  };
  await srv.db.trial(call.who, call.scope, (tx) => (upsert ? upsertObject(tx, trialRow) : insertObject(tx, trialRow)));
  const from = srv.files.locate(bucketId, sourceKey, origin.version ?? "");
  const to = srv.files.locate(destinationBucket, destinationKey, version);
  let result: { row: ObjectRow; previous: ObjectRow | null };
  try {
    const copied = await srv.files.copy(from, to);
    result = await srv.db.run(service, call.scope, async (tx) => {
      await lockObject(tx, destinationBucket, destinationKey, 3000);
      const previous = await findObject(tx, destinationBucket, destinationKey, { orNull: true, forUpdate: true });
      const row = await upsertObject(tx, {
        bucket_id: destinationBucket,
        name: destinationKey,
        owner,
        version,
        metadata: { ...metadata, lastModified: copied.lastModified.toISOString(), eTag: copied.eTag },
        user_metadata: userMetadata ?? null,
      });
      return { row, previous };
    });
  } catch (e) {
    await srv.files.remove(to);
    throw e;
  }
  if (result.previous) await removeVersion(srv, destinationBucket, destinationKey, result.previous.version);
  sendJson(call.res, 200, { Id: result.row.id, Key: `${destinationBucket}/${destinationKey}`, ...objectJson(result.row) });
};

// ---- Routes ---------------------------------------------------------------------------------------

const notLocal = (what: string) => async () => {
  throw ERRORS.notImplementedLocally(what);
};

export const objectRoutes: Route[] = [
  { method: "POST", pattern: "/object/list/:bucket", operation: "storage.object.list", auth: "jwt", body: "json", handler: listObjects },
  { method: "POST", pattern: "/object/list-v2/:bucket", operation: "storage.object.list_v2", auth: "jwt", handler: notLocal("Listing v2 (list-v2)") },
  { method: "POST", pattern: "/object/move", operation: "storage.object.move", auth: "jwt", body: "json", handler: moveObject },
  { method: "POST", pattern: "/object/copy", operation: "storage.object.copy", auth: "jwt", body: "json", handler: copyObject },
  { method: "POST", pattern: "/object/sign/:bucket/*", operation: "storage.object.sign", auth: "jwt", body: "json", handler: signObject },
  { method: "POST", pattern: "/object/sign/:bucket", operation: "storage.object.sign_many", auth: "jwt", body: "json", handler: signObjects },
  { method: "GET", pattern: "/object/sign/:bucket/*", operation: "storage.object.get_signed", auth: "none", handler: getSignedObject },
  { method: "POST", pattern: "/object/upload/sign/:bucket/*", operation: "storage.object.sign_upload_url", auth: "jwt", handler: signUploadUrl },
  { method: "PUT", pattern: "/object/upload/sign/:bucket/*", operation: "storage.object.upload_signed", auth: "none", handler: uploadSigned },
  { method: "GET", pattern: "/object/public/:bucket/*", operation: "storage.object.get_public", auth: "none", handler: getObject(true) },
  { method: "HEAD", pattern: "/object/public/:bucket/*", operation: "storage.object.info_public", auth: "none", handler: getObject(true) },
  { method: "GET", pattern: "/object/authenticated/:bucket/*", operation: "storage.object.get_authenticated", auth: "jwt", handler: getObject(false) },
  { method: "HEAD", pattern: "/object/authenticated/:bucket/*", operation: "object.head_authenticated_info", auth: "jwt", handler: getObject(false) },
  { method: "GET", pattern: "/object/info/public/:bucket/*", operation: "storage.object.info_public", auth: "none", handler: getObjectInfo(true) },
  { method: "GET", pattern: "/object/info/authenticated/:bucket/*", operation: "object.get_authenticated_info", auth: "jwt", handler: getObjectInfo(false) },
  { method: "GET", pattern: "/object/info/:bucket/*", operation: "object.get_authenticated_info", auth: "jwt-or-anon", handler: getObjectInfo(false) },
  { method: "GET", pattern: "/object/:bucket/*", operation: "storage.object.get_authenticated", auth: "jwt-or-anon", handler: getObject(false) },
  { method: "HEAD", pattern: "/object/:bucket/*", operation: "object.head_authenticated_info", auth: "jwt-or-anon", handler: getObject(false) },
  { method: "POST", pattern: "/object/:bucket/*", operation: "storage.object.upload", auth: "jwt", handler: createObject },
  { method: "PUT", pattern: "/object/:bucket/*", operation: "storage.object.upload_update", auth: "jwt", handler: createObject },
  { method: "DELETE", pattern: "/object/:bucket", operation: "storage.object.delete_many", auth: "jwt", body: "json", handler: removeObjects },
  { method: "DELETE", pattern: "/object/:bucket/*", operation: "storage.object.delete", auth: "jwt", handler: removeObject },
];
