/**
 * HTTP plumbing of the local Storage server: request bodies (JSON, multipart form data, raw
 * bytes), the file an upload carries (as the Storage API reads it in src/storage/uploader.ts
 * fileUploadFromRequest), and responses (JSON, errors in the Storage API's shape).
 */
import type http from "node:http";
import { ERRORS, StorageError, toStorageError } from "./errors.ts";

/** JSON bodies of the Storage API's routes are small; anything larger is refused. */
const JSON_LIMIT = 1024 * 1024;
/** Form fields next to the file: at most 10, user metadata at most 1 MiB (the Storage API's limits). */
const FORM_OVERHEAD = 2 * 1024 * 1024;
const MAX_CUSTOM_METADATA_SIZE = 1024 * 1024;

export class BodyTooLarge extends Error {}

/** How much of an unwanted request body is read and dropped so an error can still be answered. */
export const DRAIN_LIMIT = 128 * 1024 * 1024;

/**
 * Reads the whole body. Beyond `limit` bytes it fails with BodyTooLarge once the rest has been
 * read and dropped (or, past DRAIN_LIMIT, at once, leaving the rest unread).
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (!over && size <= limit) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      if (size > DRAIN_LIMIT) {
        cleanup();
        req.pause();
        reject(new BodyTooLarge());
      }
    };
    const onEnd = () => {
      cleanup();
      if (over) reject(new BodyTooLarge());
      else resolve(Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      reject(new Error("Request stream closed before the body was read"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** A JSON object body (empty body = `{}` when `allowEmpty`), as Fastify's JSON parser gives it. */
export async function readJson(req: http.IncomingMessage, allowEmpty = false): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(req, JSON_LIMIT);
  } catch (e) {
    if (e instanceof BodyTooLarge) throw ERRORS.entityTooLarge("request body");
    throw ERRORS.noContentProvided((e as Error).message);
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (raw.length === 0) {
    if (allowEmpty) return {};
    if (type === "application/json") throw ERRORS.invalidRequest("Body cannot be empty when content-type is set to 'application/json'");
    throw ERRORS.validation("body must be object");
  }
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new StorageError({ status: 415, code: "InvalidMimeType", error: "invalid_mime_type", message: "Invalid Content-Type header" });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    throw ERRORS.invalidRequest("Body is not valid JSON but content-type is set to 'application/json'");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw ERRORS.validation("body must be object");
  return body as Record<string, unknown>;
}

/** The file of an upload request, before anything is written. */
export interface UploadFile {
  /** The content: buffered (multipart) or the request stream itself (raw body). */
  body: Buffer | http.IncomingMessage;
  mimeType: string;
  cacheControl: string;
  userMetadata?: Record<string, unknown>;
  /** The request's Content-Length (what the RLS trial's metadata.contentLength shows). */
  declaredLength?: number;
  /** The file's size when it is known before writing (multipart). */
  size?: number;
}

const isEmptyFolder = (name: string) => name.endsWith(".emptyFolderPlaceholder");

function contentLength(req: http.IncomingMessage): number | undefined {
  const n = Number(req.headers["content-length"]);
  return req.headers["content-length"] !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * A bucket's allowed MIME types: `type/sub` or `type/*`, compared as the Storage API does
 * (a parameter such as `;charset=...` is part of the subtype, so `text/plain;charset=UTF-8` does
 * not match `text/plain`); anything else is InvalidMimeType.
 */
export function validateMimeType(mimeType: string, allowed: string[]): void {
  const [type, sub] = mimeType.split("/");
  if (sub === undefined) throw ERRORS.invalidMimeType(mimeType);
  for (const a of allowed) {
    const [aType, aSub] = a.split("/");
    if (aType === type && (aSub === "*" || aSub === sub)) return;
  }
  throw ERRORS.invalidMimeType(mimeType);
}

/**
 * The file an upload carries, read as the Storage API reads it: multipart form data (the first
 * file part; `cacheControl`, `contentType` and `metadata`/`userMetadata` fields before it) or a raw
 * body (Content-Type, Cache-Control, base64 JSON `x-metadata`); the MIME type checked against the
 * bucket; a raw body whose Content-Length exceeds the limit refused at once. A multipart body is
 * buffered: one over the limit by more than the form's overhead is refused while reading.
 */
export async function uploadFile(
  req: http.IncomingMessage,
  objectName: string,
  limits: { maxFileSize: number; allowedMimeTypes: string[] },
): Promise<UploadFile> {
  const contentType = req.headers["content-type"];
  const checkMime = (mime: string) => {
    if (limits.allowedMimeTypes.length > 0 && !isEmptyFolder(objectName)) validateMimeType(mime, limits.allowedMimeTypes);
  };
  const declaredLength = contentLength(req);

  if (contentType?.startsWith("multipart/form-data")) {
    let raw: Buffer;
    try {
      raw = await readBody(req, limits.maxFileSize + FORM_OVERHEAD);
    } catch (e) {
      if (e instanceof BodyTooLarge) throw ERRORS.entityTooLarge();
      throw ERRORS.noContentProvided((e as Error).message);
    }
    let form: FormData;
    try {
      form = await new Request("http://storage.local/", { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(raw) }).formData();
    } catch (e) {
      throw ERRORS.noContentProvided((e as Error).message);
    }
    // The Storage API takes the first file part and the fields sent before it.
    const fields: Record<string, string> = {};
    let file: File | undefined;
    for (const [key, value] of form.entries()) {
      if (typeof value !== "string") {
        file = value as File;
        break;
      }
      if (!(key in fields)) fields[key] = value;
    }
    if (!file) throw ERRORS.noContentProvided();
    const mimeType = fields.contentType || file.type || "text/plain";
    const cacheControl = fields.cacheControl ? `max-age=${fields.cacheControl}` : "no-cache";
    checkMime(mimeType);
    let userMetadata: Record<string, unknown> | undefined;
    const custom = fields.metadata ?? fields.userMetadata;
    if (typeof custom === "string") {
      if (Buffer.byteLength(custom, "utf8") > MAX_CUSTOM_METADATA_SIZE) throw ERRORS.entityTooLarge("user_metadata");
      try {
        userMetadata = JSON.parse(custom) as Record<string, unknown>;
      } catch {
        /* ignored, as the Storage API does */
      }
    }
    const body = Buffer.from(await file.arrayBuffer());
    return { body, mimeType, cacheControl, userMetadata, declaredLength, size: body.length };
  }

  if (req.readableEnded || req.destroyed) throw ERRORS.noContentProvided("Request stream closed before upload could begin");
  const mimeType = contentType || "application/octet-stream";
  const cacheControl = (req.headers["cache-control"] as string | undefined) ?? "no-cache";
  checkMime(mimeType);
  let userMetadata: Record<string, unknown> | undefined;
  const custom = req.headers["x-metadata"];
  if (typeof custom === "string") {
    try {
      userMetadata = JSON.parse(Buffer.from(custom, "base64").toString("utf8")) as Record<string, unknown>;
    } catch {
      /* ignored */
    }
  }
  if (declaredLength !== undefined && declaredLength > limits.maxFileSize) throw ERRORS.entityTooLarge();
  return { body: req, mimeType, cacheControl, userMetadata, declaredLength };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Sends an error in the Storage API's shape. A request body that was not read is drained (up to
 * a limit; beyond it the connection is closed after the answer) so the client sees the answer.
 */
export function sendError(req: http.IncomingMessage, res: http.ServerResponse, e: unknown): StorageError {
  const error = toStorageError(e);
  if (res.headersSent) {
    res.destroy();
    return error;
  }
  const headers: Record<string, string> = {};
  if (!req.complete) {
    const length = contentLength(req);
    if (length === undefined || length > DRAIN_LIMIT) headers.connection = "close";
  }
  sendJson(res, error.httpStatus, error.body(), headers);
  if (!req.complete) {
    if (headers.connection === "close") res.once("finish", () => req.destroy());
    else req.resume();
  }
  return error;
}
