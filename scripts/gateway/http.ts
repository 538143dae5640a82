import { randomUUID } from "node:crypto";
/** HTTP plumbing of the gateway: CORS, JSON answers, header helpers and streaming to an upstream. */
import http from "node:http";
import { CORS_ALLOW_HEADERS, corsHeaders as CORS_HEADERS } from "../../functions/_shared/cors.ts";

export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
]);

export type Json = Record<string, unknown>;

/**
 * The project's CORS headers (functions/_shared/cors.ts), also allowing the headers a preflight asks
 * for, as Kong's cors plugin does in `supabase start`.
 */
/** The CORS headers for requests that ask for no extra headers (almost all), built once. */
const DEFAULT_CORS: Readonly<Record<string, string>> = Object.freeze({
  ...CORS_HEADERS,
  "Access-Control-Allow-Headers": [...new Set(CORS_ALLOW_HEADERS)].join(", "),
});

export function corsHeaders(req: http.IncomingMessage): Record<string, string> {
  const requested = req.headers["access-control-request-headers"];
  if (typeof requested !== "string") return { ...DEFAULT_CORS };
  const allow = new Set(CORS_ALLOW_HEADERS);
  for (const h of requested.split(",")) {
    const name = h.trim().toLowerCase();
    if (/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) allow.add(name);
  }
  return { ...CORS_HEADERS, "Access-Control-Allow-Headers": [...allow].join(", ") };
}

export function sendJson(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: Json,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...corsHeaders(req),
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...extra,
  });
  res.end(req.method === "HEAD" ? undefined : text);
}

export function sendPreflight(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(204, { ...corsHeaders(req), "content-length": "0" });
  res.end();
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : undefined;
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Remove `apikey` from a raw query string without re-encoding the rest (PostgREST filters). */
export function stripApikeyParam(query: string): string {
  return query
    .split("&")
    .filter((part) => {
      const key = part.split("=")[0];
      let name = key;
      try {
        name = decodeURIComponent(key.replace(/\+/g, " "));
      } catch {
        /* keep raw */
      }
      return part !== "" && name !== "apikey";
    })
    .join("&");
}

export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function clientAddress(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

/** Request headers for an upstream: hop-by-hop removed, X-Forwarded-* added. */
export function upstreamHeaders(req: http.IncomingMessage, prefix: string, localPort: number): http.OutgoingHttpHeaders {
  const drop = new Set(HOP_BY_HOP);
  const conn = req.headers.connection;
  if (conn) for (const t of conn.split(",")) drop.add(t.trim().toLowerCase());
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && !drop.has(k)) out[k] = v;
  }
  const remote = clientAddress(req);
  const prior = firstHeader(req.headers["x-forwarded-for"]);
  out["x-forwarded-for"] = prior ? `${prior}, ${remote}` : remote;
  out["x-forwarded-proto"] = firstHeader(req.headers["x-forwarded-proto"]) ?? "http";
  out["x-forwarded-host"] = firstHeader(req.headers["x-forwarded-host"]) ?? req.headers.host ?? "";
  out["x-forwarded-port"] = firstHeader(req.headers["x-forwarded-port"]) ?? String(localPort);
  out["x-forwarded-prefix"] = prefix;
  out["x-real-ip"] = remote;
  // Every request gets an id (kept when the client sent one), as a hosted edge does; the audit
  // log records it (private.request_id()).
  out["x-request-id"] = firstHeader(req.headers["x-request-id"]) ?? randomUUID();
  return out;
}

export type ForwardResult =
  | { kind: "done" }
  | { kind: "refused"; err: Error }
  | { kind: "error"; err: Error; timedOut: boolean };

export interface ForwardTarget {
  host: string;
  port: number;
  path: string;
  headers: http.OutgoingHttpHeaders;
  timeoutMs: number;
  /** Replace the upstream's CORS headers by the gateway's (PostgREST); functions answer CORS themselves. */
  cors: boolean;
  /** Connection pool to the upstream (keep-alive); without it, a connection per request. */
  agent?: http.Agent;
  /**
   * Answer a chunked upstream response of at most this many bytes in one piece, with its length
   * (one write instead of re-chunking it); larger ones stream from there. 0: always stream.
   */
  bufferUpTo?: number;
}

/**
 * A keep-alive pool for an upstream on the loopback: a new TCP connection per request (and its
 * accept on the upstream's side) costs more than the proxying itself. Idle connections close after
 * a few seconds, well before an upstream's own idle timeout, so a request never races a server
 * closing the connection it was about to reuse.
 */
export function upstreamAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, timeout: 4000, scheduling: "lifo", maxFreeSockets: 64 });
}

/**
 * Stream a request to an upstream and its response back. The request body is piped only once the
 * connection is up, so a refused connection can be retried.
 */
export function forward(req: http.IncomingMessage, res: http.ServerResponse, t: ForwardTarget): Promise<ForwardResult> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) {
      resolve({ kind: "done" }); // the client went away (e.g. during a cold start)
      return;
    }
    let settled = false;
    const finish = (r: ForwardResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    let connected = false;
    let timedOut = false;
    const preq = http.request({
      host: t.host,
      port: t.port,
      method: req.method,
      path: t.path,
      headers: t.headers,
      agent: t.agent ?? false,
    });
    preq.on("socket", (sock) => {
      const go = () => {
        connected = true;
        req.pipe(preq);
      };
      if (sock.connecting) sock.once("connect", go);
      else go();
    });
    preq.setTimeout(t.timeoutMs, () => {
      timedOut = true;
      preq.destroy(new Error(`no answer from the upstream within ${Math.round(t.timeoutMs / 1000)} s`));
    });
    preq.on("response", (pres) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(pres.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k) || k === "transfer-encoding") continue;
        if (t.cors && k.startsWith("access-control-")) continue;
        headers[k] = v;
      }
      if (t.cors) Object.assign(headers, corsHeaders(req));
      const status = pres.statusCode ?? 502;
      pres.on("error", () => res.destroy());
      pres.on("aborted", () => res.destroy());
      res.on("finish", () => finish({ kind: "done" }));
      const limit = t.bufferUpTo ?? 0;
      if (limit <= 0 || pres.headers["content-length"] !== undefined || req.method === "HEAD") {
        res.writeHead(status, pres.statusMessage || undefined, headers);
        pres.pipe(res);
        return;
      }
      // Small chunked bodies (PostgREST's JSON) go out in one write with their length.
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > limit) {
          pres.off("data", onData);
          pres.off("end", onEnd);
          pres.pause();
          res.writeHead(status, pres.statusMessage || undefined, headers);
          for (const c of chunks) res.write(c);
          pres.pipe(res);
          pres.resume();
        }
      };
      const onEnd = () => {
        if (status !== 204 && status !== 304) headers["content-length"] = size;
        res.writeHead(status, pres.statusMessage || undefined, headers);
        res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      };
      pres.on("data", onData);
      pres.on("end", onEnd);
    });
    preq.on("error", (err: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        finish({ kind: "done" });
      } else if (!connected && err.code === "ECONNREFUSED") {
        finish({ kind: "refused", err });
      } else {
        finish({ kind: "error", err, timedOut });
      }
    });
    res.on("close", () => {
      if (!res.writableFinished) preq.destroy();
      finish({ kind: "done" });
    });
  });
}


/** The CORS header value of the gateway's origin policy (for raw socket answers). */
export const ALLOW_ORIGIN = CORS_HEADERS["Access-Control-Allow-Origin"];
