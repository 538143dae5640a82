/**
 * The local Storage server, mounted by the gateway at /storage/v1: the routes of Supabase's
 * Storage API that storage-js uses, touching the database as the Storage API does (see ./db.ts)
 * and keeping object contents on local disk under the platform data folder (see ./files.ts).
 * For local development and tests only; production uses Supabase's Storage API.
 *
 * Not here: the S3 protocol (/s3), resumable (TUS) uploads (/upload/resumable), image
 * transformations (/render/image), list-v2, analytics and vector buckets, CDN purges, webhooks.
 */
import type http from "node:http";
import path from "node:path";
import { connect } from "../../scripts/lib/db.ts";
import { readSupabaseConfig } from "../../scripts/lib/supabase-config.ts";
import type { PlatformContext, PlatformService, PlatformServiceFactory } from "../service.ts";
import { Auth, type Principal } from "./auth.ts";
import { bucketRoutes } from "./buckets.ts";
import type { Call, Route, StorageServer } from "./context.ts";
import { StorageDb } from "./db.ts";
import { ERRORS, StorageError } from "./errors.ts";
import { ObjectFiles } from "./files.ts";
import { readJson, sendError } from "./http.ts";
import { objectRoutes } from "./objects.ts";

export { seedBuckets } from "./buckets.ts";
export { StorageDb } from "./db.ts";
export { Auth } from "./auth.ts";

/** The Storage API's default upload limit when config.toml sets none (50 MiB, as `supabase start`). */
export const DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024;
/** Signed upload URLs: the Storage API's UPLOAD_SIGNED_URL_EXPIRATION_TIME (hosted: 2 hours). */
const UPLOAD_URL_EXPIRES_IN = 2 * 60 * 60;

const routes: Route[] = [...objectRoutes, ...bucketRoutes];

/** Storage features this server leaves out: answered 501 rather than "route not found". */
const NOT_LOCAL: Array<[RegExp, string]> = [
  [/^\/s3(\/|$)/, "The S3 protocol"],
  [/^\/upload\/resumable(\/|$)/, "Resumable (TUS) uploads"],
  [/^\/render\/image(\/|$)/, "Image transformation"],
  [/^\/iceberg(\/|$)/, "Analytics buckets (Iceberg)"],
  [/^\/vector(\/|$)/, "Vector buckets"],
  [/^\/cdn(\/|$)/, "CDN cache purging"],
];

class BadUrl extends Error {}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadUrl();
  }
}

/** The route and its parameters for a method and a (still percent-encoded) path. */
function match(method: string, rawPath: string): { route: Route; params: Record<string, string> } | null {
  const parts = rawPath.split("/").slice(1);
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.pattern.split("/").slice(1);
    const wildcard = pattern[pattern.length - 1] === "*";
    const fixed = wildcard ? pattern.length - 1 : pattern.length;
    if (wildcard ? parts.length < pattern.length : parts.length !== pattern.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < fixed && ok; i++) {
      if (pattern[i].startsWith(":")) {
        if (parts[i] === "") ok = false;
        else params[pattern[i].slice(1)] = decode(parts[i]);
      } else if (pattern[i] !== parts[i]) ok = false;
    }
    if (!ok) continue;
    if (wildcard) params["*"] = decode(parts.slice(fixed).join("/"));
    return { route, params };
  }
  return null;
}

export const storageService: PlatformServiceFactory = async (ctx: PlatformContext): Promise<PlatformService> => {
  const config = readSupabaseConfig(ctx.supabaseDir);
  const auth = new Auth(ctx.jwtSecret, ctx.keys.serviceRole);
  const sql = connect({ dbPort: ctx.dbPort }, "supabase_storage_admin", {
    max: 10,
    connection: { application_name: "hyperlocal-storage" },
  });
  const srv: StorageServer = {
    db: new StorageDb(sql, auth.serviceRole),
    files: new ObjectFiles(path.join(ctx.dataDir, "storage")),
    auth,
    globalFileSizeLimit: config.storage?.file_size_limit ?? DEFAULT_FILE_SIZE_LIMIT,
    uploadUrlExpiresIn: UPLOAD_URL_EXPIRES_IN,
    log: ctx.log,
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, subPath: string, rawQuery: string) {
    try {
      const method = req.method ?? "GET";
      const found = match(method, subPath);
      if (!found) {
        const missing = NOT_LOCAL.find(([re]) => re.test(subPath));
        if (missing) throw ERRORS.notImplementedLocally(missing[1]);
        throw ERRORS.routeNotFound(method, subPath + (rawQuery ? `?${rawQuery}` : ""));
      }
      const { route, params } = found;
      // Fastify order: the JSON body is parsed and validated before authentication.
      const body = route.body ? await readJson(req, route.body === "json-or-empty") : {};
      let who: Principal;
      if (route.auth === "none") who = auth.serviceRole;
      else {
        who = await auth.principal(req, route.auth === "jwt-or-anon");
        if (route.auth === "service") {
          if (!who.authenticated) throw ERRORS.accessDeniedHttp403("Access denied: JWT is not authenticated");
          if (who.role !== "service_role") throw ERRORS.accessDeniedHttp403("Access denied: Invalid role");
        }
      }
      const call: Call = {
        req,
        res,
        path: subPath,
        query: new URLSearchParams(rawQuery),
        params,
        who,
        body,
        scope: {
          headers: JSON.stringify(req.headers),
          method,
          path: subPath + (rawQuery ? `?${rawQuery}` : ""),
          operation: route.operation,
        },
      };
      await route.handler(srv, call);
    } catch (e) {
      if (e instanceof BadUrl) {
        e = new StorageError({ status: 400, code: "InvalidRequest", error: "Bad Request", message: `'${subPath}' is not a valid url component` });
      }
      const error = sendError(req, res, e);
      if (error.status >= 500) ctx.log(`[storage] ${req.method} ${subPath}: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  return {
    prefix: "/storage/v1",
    handle,
    async close() {
      await srv.db.close();
    },
  };
};
