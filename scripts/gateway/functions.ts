/**
 * /functions/v1/<slug> → edge function <slug> (a Deno process per function, see
 * ../lib/functions-host.ts); the function sees the path /<slug>/…; verify_jwt from
 * supabase/config.toml.
 */
import type http from "node:http";
import { type FunctionInfo, type FunctionsHost, FunctionStartError } from "../lib/functions-host.ts";
import { bearer, firstHeader, forward, sendJson, sendPreflight, upstreamHeaders } from "./http.ts";
import type { Keys } from "./keys.ts";
import type { Route } from "./route.ts";

export interface FunctionsRouteOptions {
  keys: Keys;
  host(): FunctionsHost;
  /** Idle timeout of a function request. */
  timeoutMs: number;
  /** How long a function cold start may take. */
  startTimeoutMs?: number;
  localPort(): number;
}

export function functionsRoute(o: FunctionsRouteOptions): Route {
  function bootError(req: http.IncomingMessage, res: http.ServerResponse, slug: string, err: unknown) {
    const e = err instanceof FunctionStartError ? err : undefined;
    sendJson(req, res, 503, {
      code: "BOOT_ERROR",
      message: `Function "${slug}" failed to start: ${(err as Error).message}` +
        (e?.logFile ? ` (log: ${e.logFile})` : ""),
      details: e?.logTail || undefined,
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, subPath: string, rawQuery: string) {
    const m = /^\/([^/]+)(\/.*)?$/.exec(subPath);
    const slug = m?.[1] ?? "";
    const info: FunctionInfo | null = slug ? o.host().resolve(slug) : null;
    if (!info) {
      sendJson(req, res, 404, { code: "NOT_FOUND", message: "Requested function was not found" });
      return;
    }
    const preflight = req.method === "OPTIONS";
    if (!preflight && info.verifyJwt) {
      const token = bearer(firstHeader(req.headers.authorization));
      if (!token || !(await o.keys.verify(token))) {
        sendJson(req, res, 401, { msg: "Invalid JWT" });
        return;
      }
    }
    const headers = upstreamHeaders(req, "/functions/v1", o.localPort());
    const upstreamPath = `/${slug}${m?.[2] ?? ""}${rawQuery ? `?${rawQuery}` : ""}`;
    for (let attempt = 0; ; attempt++) {
      let port: number;
      try {
        port = await o.host().ensure(info, o.startTimeoutMs);
      } catch (err) {
        // A browser's preflight still gets an answer, so the real request shows the real error.
        if (preflight) sendPreflight(req, res);
        else bootError(req, res, slug, err);
        return;
      }
      const r = await forward(req, res, {
        host: "127.0.0.1",
        port,
        path: upstreamPath,
        headers,
        timeoutMs: o.timeoutMs,
        cors: false,
      });
      if (r.kind === "done") return;
      if (r.kind === "refused" && attempt < 3) {
        o.host().markSuspect(slug); // restarting (watch) or exited: wait for it again
        continue;
      }
      if (r.kind === "error" && r.timedOut) {
        sendJson(req, res, 504, {
          code: "function_timeout",
          message: `The upstream server is timing out: function "${slug}" sent nothing for ${
            Math.round(o.timeoutMs / 1000)
          } s`,
        });
      } else {
        await o.host().settle(slug);
        const tail = o.host().logTail(slug);
        sendJson(req, res, 502, {
          code: "function_error",
          message: `An invalid response was received from function "${slug}" (${r.err.message})`,
          details: tail || undefined,
        });
      }
      return;
    }
  }

  return { prefix: "/functions/v1", handle };
}
