/** /rest/v1 → PostgREST (prefix stripped; apikey required, key → JWT swap), as Kong does. */
import type http from "node:http";
import {
  bearer,
  firstHeader,
  forward,
  sendJson,
  sendPreflight,
  stripApikeyParam,
  upstreamAgent,
  upstreamHeaders,
} from "./http.ts";
import type { Keys } from "./keys.ts";
import type { Route } from "./route.ts";

export interface RestOptions {
  postgrestUrl: string;
  keys: Keys;
  /** Idle timeout of a PostgREST request. */
  timeoutMs: number;
  /** The gateway's port (for X-Forwarded-Port). */
  localPort(): number;
}

export function restRoute(o: RestOptions): Route {
  const rest = new URL(o.postgrestUrl);
  const restHost = rest.hostname.replace(/^\[|\]$/g, "");
  const restPort = Number(rest.port || (rest.protocol === "https:" ? 443 : 80));
  const restBase = rest.pathname.replace(/\/+$/, "");
  const agent = upstreamAgent();
  return {
    prefix: "/rest/v1",
    async handle(req: http.IncomingMessage, res: http.ServerResponse, subPath: string, rawQuery: string) {
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
        sendPreflight(req, res);
        return;
      }
      const jwt = await o.keys.checkApiKey(req, res, rawQuery);
      if (!jwt) return;
      const headers = upstreamHeaders(req, "/rest/v1", o.localPort());
      headers.host = rest.host;
      const auth = firstHeader(req.headers.authorization);
      const token = bearer(auth);
      if (!auth || (token && token.startsWith("sb_"))) headers.authorization = `Bearer ${jwt}`;
      const query = stripApikeyParam(rawQuery);
      const r = await forward(req, res, {
        host: restHost,
        port: restPort,
        path: `${restBase}${subPath}${query ? `?${query}` : ""}`,
        headers,
        timeoutMs: o.timeoutMs,
        cors: true,
        agent,
        bufferUpTo: 64 * 1024,
      });
      if (r.kind === "done") return;
      if (r.kind === "refused") {
        sendJson(req, res, 503, {
          code: "upstream_unavailable",
          message: `PostgREST is not reachable at ${o.postgrestUrl} (${r.err.message})`,
          hint: "Is the local stack running? Check the PostgREST log.",
        });
      } else if (r.timedOut) {
        sendJson(req, res, 504, { code: "upstream_timeout", message: `PostgREST: ${r.err.message}` });
      } else {
        sendJson(req, res, 502, {
          code: "upstream_error",
          message: `An invalid response was received from PostgREST (${r.err.message})`,
        });
      }
    }
  };
}
