/**
 * The Storage API's errors as clients receive them: a JSON body
 * `{statusCode: "<status>", code, error, message}` whose `statusCode` is the error's own status
 * (403, 404, 409, 413, 415, ...), sent with HTTP 400 for every error that is not a 500 (the
 * Storage API's error handler does this for backwards compatibility; a few errors keep their own
 * HTTP status: 403 for a missing service role, 416 for a bad range, 544 for a database timeout).
 * storage-js turns such a body into a StorageApiError with `status` = the HTTP status and
 * `statusCode` = the body's.
 *
 * Codes, messages and the Postgres error mapping follow the Storage API (src/internal/errors/
 * codes.ts, src/storage/database/errors.ts, src/http/error-handler.ts), written here in our words.
 */

export class StorageError extends Error {
  /** The error's own status (in the body's `statusCode`). */
  readonly status: number;
  /** The HTTP status of the response (400 unless told otherwise, 500 for 500s). */
  readonly httpStatus: number;
  readonly code: string;
  /** The body's `error` field (the code when not given). */
  readonly error: string;

  constructor(opts: { status: number; code: string; message: string; error?: string; httpStatus?: number; cause?: unknown }) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
    this.code = opts.code;
    this.error = opts.error ?? opts.code;
    this.httpStatus = opts.httpStatus ?? (opts.status === 500 ? 500 : 400);
  }

  body(): { statusCode: string; code: string; error: string; message: string } {
    return { statusCode: String(this.status), code: this.code, error: this.error, message: this.message };
  }
}

const err = (status: number, code: string, message: string, extra: { error?: string; httpStatus?: number; cause?: unknown } = {}) =>
  new StorageError({ status, code, message, ...extra });

/** The Storage API's error constructors this server needs (same codes, statuses and messages). */
export const ERRORS = {
  noSuchBucket: () => err(404, "NoSuchBucket", "Bucket not found", { error: "Bucket not found" }),
  noSuchKey: () => err(404, "NoSuchKey", "Object not found", { error: "not_found" }),
  invalidKey: (key: string) => err(400, "InvalidKey", `Invalid key: ${key}`),
  invalidBucketName: () => err(400, "InvalidBucketName", "Bucket name invalid", { error: "Invalid Input" }),
  accessDenied: (message = "Access denied", cause?: unknown) =>
    err(403, "AccessDenied", message, { error: "Unauthorized", cause }),
  /** The service-role-only routes answer a real HTTP 403. */
  accessDeniedHttp403: (message: string) => err(403, "AccessDenied", message, { error: "Unauthorized", httpStatus: 403 }),
  invalidJwt: (message = "Invalid JWT") => err(400, "InvalidJWT", message),
  invalidSignature: (message = "Invalid signature") => err(400, "InvalidSignature", message),
  expiredSignature: () => err(400, "ExpiredToken", "The provided token has expired."),
  entityTooLarge: (entity = "object", limit = "the maximum allowed size") =>
    err(413, "EntityTooLarge", `The ${entity} exceeded ${limit}`, { error: "Payload too large" }),
  invalidMimeType: (mimeType: string) =>
    err(415, "InvalidMimeType", `mime type ${mimeType} is not supported`, { error: "invalid_mime_type" }),
  keyAlreadyExists: (cause?: unknown) => err(409, "KeyAlreadyExists", "The resource already exists", { error: "Duplicate", cause }),
  bucketAlreadyExists: (cause?: unknown) =>
    err(409, "BucketAlreadyExists", "The resource already exists", { error: "Duplicate", cause }),
  resourceAlreadyExists: (cause?: unknown) =>
    err(409, "ResourceAlreadyExists", "The resource already exists", { error: "Duplicate", cause }),
  bucketNotEmpty: () => err(409, "ResourceNotEmpty", "The bucket you tried to delete is not empty"),
  noContentProvided: (message = "No content provided") => err(400, "InvalidRequest", message),
  invalidRequest: (message: string) => err(400, "InvalidRequest", message),
  invalidParameter: (name: string, message?: string) => err(400, "InvalidParameter", message ?? `Invalid Parameter ${name}`),
  invalidFileSizeLimit: () => err(400, "InvalidRequest", "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B"),
  featureNotEnabled: (feature: string) => err(409, "FeatureNotEnabled", `The feature ${feature} is not enabled for this resource`),
  invalidRange: () => err(416, "InvalidRange", "invalid range provided", { error: "invalid_range", httpStatus: 416 }),
  resourceLocked: () => err(423, "ResourceLocked", "The resource is locked"),
  lockTimeout: () => err(503, "LockTimeout", "acquiring lock timeout", { error: "acquiring_lock_timeout" }),
  relatedResourceNotFound: () => err(404, "InvalidRequest", "The related resource does not exist"),
  resourceReferenced: () => err(409, "ResourceReferenced", "The resource could not be updated or removed due to a foreign key constraint"),
  databaseTimeout: () => err(544, "DatabaseTimeout", "The connection to the database timed out", { httpStatus: 544 }),
  databaseError: (code: string) => err(500, "DatabaseError", `database error, code: ${code}`),
  internal: (message = "Internal server error", name = "Internal server error") => err(500, "InternalError", message, { error: name }),
  /** Fastify's request validation, as the Storage API's error handler renders it. */
  validation: (message: string) => err(400, "InvalidRequest", message, { error: "Error" }),
  /** A route the Storage API does not have. */
  routeNotFound: (method: string, url: string) =>
    err(404, "InvalidRequest", `Route ${method}:${url} not found`, { error: "Not Found", httpStatus: 404 }),
  /** Storage API features this local server leaves out (S3, TUS, image transformation...). */
  notImplementedLocally: (what: string) =>
    err(501, "NotSupported", `${what} is not implemented by the local Storage server; use \`supabase start\` (Docker) or a hosted project`, {
      httpStatus: 501,
    }),
};

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
}

function isPgError(e: unknown): e is PgLikeError & Error {
  return e instanceof Error && typeof (e as PgLikeError).code === "string" && /^[0-9A-Z]{5}$/.test((e as PgLikeError).code!);
}

/** A Postgres error as the Storage API maps it (src/storage/database/errors.ts). */
export function fromDbError(e: unknown): unknown {
  if (!isPgError(e)) return e;
  switch (e.code) {
    case "42501":
      return ERRORS.accessDenied(
        (e.message ?? "").includes("row-level security") ? "new row violates row-level security policy" : e.message,
        e,
      );
    case "23505":
      return ERRORS.resourceAlreadyExists(e);
    case "23503":
      return e.detail?.includes("is still referenced from table") ? ERRORS.resourceReferenced() : ERRORS.relatedResourceNotFound();
    case "55P03":
      return ERRORS.resourceLocked();
    case "57014":
      return ERRORS.databaseTimeout();
    case "22P02":
      return ERRORS.invalidParameter("value", e.message || "Invalid value format or type conversion failed");
    default:
      return ERRORS.databaseError(e.code!);
  }
}

/** Any thrown value as a StorageError (unknown errors become a 500 InternalError). */
export function toStorageError(e: unknown): StorageError {
  const mapped = fromDbError(e);
  if (mapped instanceof StorageError) return mapped;
  return mapped instanceof Error ? ERRORS.internal(mapped.message, mapped.name) : ERRORS.internal();
}
