/**
 * The local platform servers (Auth, Storage, Realtime): TypeScript stand-ins for Supabase's own
 * servers, for local development and tests only, never deployed. Each speaks its server's HTTP
 * (and WebSocket) protocol and touches the database exactly as that server does, so supabase-js
 * apps work unchanged locally and the same migrations run under the real servers in production.
 *
 * The gateway (scripts/gateway.ts) mounts every service under its prefix, answers CORS preflights,
 * checks the `apikey` and normalises credentials as Kong does in `supabase start`: an opaque
 * `sb_publishable_…`/`sb_secret_…` key becomes the anon/service_role JWT, and a request without an
 * `Authorization` header (or with `Bearer sb_…`) gets `Authorization: Bearer <that JWT>`. Services
 * therefore see JWTs only, in `authorization` and `apikey` (headers, or the `apikey` query parameter
 * of a WebSocket upgrade).
 */
import type http from "node:http";
import type { Duplex } from "node:stream";

export interface PlatformKeys {
  anon: string;
  serviceRole: string;
  publishable: string;
  secret: string;
}

export interface PlatformContext {
  /** Public URL of the gateway, e.g. http://127.0.0.1:54321. */
  apiUrl: string;
  /** Connection URL of the `postgres` role; a service logs in as its own role (see scripts/lib/db.ts). */
  dbUrl: string;
  /** Database port, for connecting as the service's own role. */
  dbPort: number;
  jwtSecret: string;
  keys: PlatformKeys;
  /** Folder for the service's files (uploaded objects, captured mail and SMS); kept across restarts. */
  dataDir: string;
  /** Folder holding supabase/config.toml. */
  supabaseDir: string;
  log(line: string): void;
}

export interface PlatformService {
  /** Mount point, e.g. "/auth/v1". */
  readonly prefix: string;
  /** An HTTP request under the prefix; `path` starts with "/" and has the prefix removed. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string, rawQuery: string): Promise<void>;
  /** A WebSocket upgrade under the prefix (Realtime). */
  upgrade?(req: http.IncomingMessage, socket: Duplex, head: Buffer, path: string, rawQuery: string): void;
  close(): Promise<void>;
}

export type PlatformServiceFactory = (ctx: PlatformContext) => Promise<PlatformService>;
