/** What the route handlers of the local Storage server share. */
import type http from "node:http";
import type { Auth, Principal } from "./auth.ts";
import type { RequestScope, StorageDb } from "./db.ts";
import type { ObjectFiles } from "./files.ts";

export interface StorageServer {
  db: StorageDb;
  files: ObjectFiles;
  auth: Auth;
  /** `[storage] file_size_limit` of config.toml: the upper bound of every upload (FILE_SIZE_LIMIT). */
  globalFileSizeLimit: number;
  /** Lifetime of signed upload URLs, in seconds. */
  uploadUrlExpiresIn: number;
  log(line: string): void;
}

/** One request on its way through a route. */
export interface Call {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Path under /storage/v1, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  /** Route parameters, percent-decoded: `bucket`, `id`, and `*` (the object name). */
  params: Record<string, string>;
  /** The verified caller (anon on routes that allow it); the service role on public routes. */
  who: Principal;
  /** The JSON body, on routes that take one. */
  body: Record<string, unknown>;
  /** The database scope of this request for the route's operation. */
  scope: RequestScope;
}

export type Handler = (srv: StorageServer, call: Call) => Promise<void>;

export interface Route {
  method: string;
  /** Segments: static, `:param` (one segment) or a final `*` (the rest, may be empty). */
  pattern: string;
  /** The Storage API's operation name (storage.operation). */
  operation: string;
  /**
   * `jwt`: a verified JWT is required; `jwt-or-anon`: a missing or invalid JWT acts as anon;
   * `service`: the service role only; `none`: no JWT (public and signed URLs; the statements run
   * as the service role).
   */
  auth: "jwt" | "jwt-or-anon" | "service" | "none";
  /** `json` / `json-or-empty`: a JSON body is read and checked before authentication, as Fastify does. */
  body?: "json" | "json-or-empty";
  handler: Handler;
}
