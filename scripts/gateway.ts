/**
 * API gateway of the docker-free local stack: what Kong does in `supabase start`, as far as this
 * stack has services behind it.
 *
 *   /rest/v1/*        → PostgREST (prefix stripped; apikey required, key → JWT swap)
 *   /functions/v1/<s> → edge function <s> (a Deno process per function, see lib/functions-host.ts);
 *                       the function sees the path /<s>/…; verify_jwt from supabase/config.toml
 *   /auth/v1, /storage/v1, /realtime/v1 → the local platform services (platform/), mounted in
 *                       process; the gateway answers preflights, adds CORS headers and turns API
 *                       keys into JWTs as Kong does (platform/service.ts)
 *   /graphql/v1 (and a platform service that is not mounted) → 501 not_available_locally
 *   anything else     → 404
 *
 * Run directly: `tsx scripts/gateway.ts` (options from env, see gatewayOptionsFromEnv), or
 * `tsx scripts/gateway.ts --prewarm` to cache the functions' dependencies and exit.
 */
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jwtVerify, type JWTPayload } from "jose";
import {
  ANON_KEY,
  JWT_SECRET,
  profile,
  PUBLISHABLE_KEY,
  SECRET_KEY,
  SERVICE_ROLE_KEY,
} from "./lib/config.ts";
import { type FunctionInfo, FunctionsHost, FunctionStartError, prewarmFunctions } from "./lib/functions-host.ts";
import { CORS_ALLOW_HEADERS, corsHeaders as CORS_HEADERS } from "../functions/_shared/cors.ts";
import { platformServices } from "../platform/index.ts";
import type { PlatformContext, PlatformService, PlatformServiceFactory } from "../platform/service.ts";

export interface GatewayOptions {
  /** Port to listen on (0 = any free port). */
  port: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** PostgREST base URL, e.g. http://127.0.0.1:54331. */
  postgrestUrl: string;
  /** Database URL given to functions as SUPABASE_DB_URL. */
  dbUrl: string;
  /** Public API URL given to functions as SUPABASE_URL (default http://127.0.0.1:<port>). */
  apiUrl?: string;
  /** Edge functions listen on functionsPortBase + n. */
  functionsPortBase: number;
  /** Function output goes to <logDir>/functions-<slug>.log (default: stderr). */
  logDir?: string;
  /** Hot reload of functions (deno run --watch). */
  watch?: boolean;
  /** Project root / functions folder / supabase folder (defaults: this repository). */
  root?: string;
  functionsDir?: string;
  supabaseDir?: string;
  jwtSecret?: string;
  anonKey?: string;
  serviceRoleKey?: string;
  publishableKey?: string;
  secretKey?: string;
  /** Idle timeout of a function request (default 150 s, like the hosted gateway). */
  functionTimeoutMs?: number;
  /** Idle timeout of a PostgREST request (default 150 s). */
  restTimeoutMs?: number;
  /** How long a function cold start may take (default 60 s). */
  functionStartTimeoutMs?: number;
  /** Access log: true (default, stdout), false, or a sink for the lines. */
  accessLog?: boolean | ((line: string) => void);
  /**
   * The local platform servers (platform/): where their files live and the database port they log
   * in to. Without it (or with an empty `services`), /auth/v1, /storage/v1 and /realtime/v1 answer 501.
   */
  platform?: { dbPort: number; dataDir: string; services?: PlatformServiceFactory[] };
}

export interface Gateway {
  url: string;
  port: number;
  functions: FunctionsHost;
  close(): Promise<void>;
}

const UNAVAILABLE: Record<string, { service: string; hint: string }> = {
  "/graphql/v1": {
    service: "GraphQL (pg_graphql)",
    hint: "Use the REST API at /rest/v1 locally.",
  },
  "/auth/v1": {
    service: "Auth (GoTrue)",
    hint: "Locally, sign JWTs with the local JWT secret (or use the service_role key) to act as a user.",
  },
  "/storage/v1": {
    service: "Storage",
    hint: "Run `supabase start` with Docker, or test against a hosted project.",
  },
  "/realtime/v1": {
    service: "Realtime",
    hint: "Run `supabase start` with Docker, or test against a hosted project.",
  },
};

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
]);

type Json = Record<string, unknown>;

/**
 * The project's CORS headers (functions/_shared/cors.ts), also allowing the headers a preflight asks
 * for, as Kong's cors plugin does in `supabase start`.
 */
function corsHeaders(req: http.IncomingMessage): Record<string, string> {
  const allow = new Set(CORS_ALLOW_HEADERS);
  const requested = req.headers["access-control-request-headers"];
  if (typeof requested === "string") {
    for (const h of requested.split(",")) {
      const name = h.trim().toLowerCase();
      if (/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) allow.add(name);
    }
  }
  return { ...CORS_HEADERS, "Access-Control-Allow-Headers": [...allow].join(", ") };
}

function sendJson(
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

function sendPreflight(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(204, { ...corsHeaders(req), "content-length": "0" });
  res.end();
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : undefined;
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Remove `apikey` from a raw query string without re-encoding the rest (PostgREST filters). */
function stripApikeyParam(query: string): string {
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

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function clientAddress(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

/** Request headers for an upstream: hop-by-hop removed, X-Forwarded-* added. */
function upstreamHeaders(req: http.IncomingMessage, prefix: string, localPort: number): http.OutgoingHttpHeaders {
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
  return out;
}

type ForwardResult =
  | { kind: "done" }
  | { kind: "refused"; err: Error }
  | { kind: "error"; err: Error; timedOut: boolean };

interface ForwardTarget {
  host: string;
  port: number;
  path: string;
  headers: http.OutgoingHttpHeaders;
  timeoutMs: number;
  /** Replace the upstream's CORS headers by the gateway's (PostgREST); functions answer CORS themselves. */
  cors: boolean;
}

/**
 * Stream a request to an upstream and its response back. The request body is piped only once the
 * connection is up, so a refused connection can be retried.
 */
function forward(req: http.IncomingMessage, res: http.ServerResponse, t: ForwardTarget): Promise<ForwardResult> {
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
      agent: false,
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
      res.writeHead(pres.statusCode ?? 502, pres.statusMessage || undefined, headers);
      pres.pipe(res);
      pres.on("error", () => res.destroy());
      pres.on("aborted", () => res.destroy());
      res.on("finish", () => finish({ kind: "done" }));
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

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const secret = new TextEncoder().encode(opts.jwtSecret ?? JWT_SECRET);
  const anonKey = opts.anonKey ?? ANON_KEY;
  const serviceRoleKey = opts.serviceRoleKey ?? SERVICE_ROLE_KEY;
  const publishableKey = opts.publishableKey ?? PUBLISHABLE_KEY;
  const secretKey = opts.secretKey ?? SECRET_KEY;
  const rest = new URL(opts.postgrestUrl);
  const restHost = rest.hostname.replace(/^\[|\]$/g, "");
  const restPort = Number(rest.port || (rest.protocol === "https:" ? 443 : 80));
  const restBase = rest.pathname.replace(/\/+$/, "");
  const functionTimeoutMs = opts.functionTimeoutMs ?? 150_000;
  const restTimeoutMs = opts.restTimeoutMs ?? 150_000;
  const accessLog =
    opts.accessLog === false ? undefined : typeof opts.accessLog === "function" ? opts.accessLog : (line: string) => console.log(line);

  let localPort = opts.port;
  let functions: FunctionsHost | undefined;
  /** Mounted once the server listens (their context needs its URL); until then none match. */
  const services: PlatformService[] = [];
  const host = () => {
    if (!functions) throw new Error("gateway not started");
    return functions;
  };

  async function verify(token: string): Promise<JWTPayload | null> {
    if (!looksLikeJwt(token)) return null;
    try {
      const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
      return payload;
    } catch {
      return null;
    }
  }

  /** The JWT an accepted API key stands for, or null for an invalid key. */
  async function apiKeyJwt(key: string): Promise<string | null> {
    if (key === publishableKey) return anonKey;
    if (key === secretKey) return serviceRoleKey;
    const payload = await verify(key);
    return payload && (payload.role === "anon" || payload.role === "service_role") ? key : null;
  }

  /** apikey check of the Data API routes; sends the 401 and returns null when it fails. */
  async function checkApiKey(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawQuery: string,
  ): Promise<string | null> {
    let key = firstHeader(req.headers.apikey);
    if (!key && rawQuery) key = new URLSearchParams(rawQuery).get("apikey") ?? undefined;
    if (!key) {
      sendJson(req, res, 401, {
        message: "No API key found in request",
        hint: "No `apikey` request header or url param was found.",
      });
      return null;
    }
    const jwt = await apiKeyJwt(key.trim());
    if (!jwt) {
      sendJson(req, res, 401, { message: "Invalid API key", hint: "Double check the provided API key." });
      return null;
    }
    return jwt;
  }

  /**
   * Kong's credential handling for a platform service: an opaque key becomes its JWT in `apikey`,
   * and a request without a bearer token (or with `Bearer sb_…`) carries the key's JWT.
   */
  async function normaliseCredentials(req: http.IncomingMessage, rawQuery: string): Promise<boolean> {
    let key = firstHeader(req.headers.apikey);
    if (!key && rawQuery) key = new URLSearchParams(rawQuery).get("apikey") ?? undefined;
    if (!key) return true;
    const jwt = await apiKeyJwt(key.trim());
    if (!jwt) return false;
    req.headers.apikey = jwt;
    const token = bearer(firstHeader(req.headers.authorization));
    if (!req.headers.authorization || (token && token.startsWith("sb_"))) req.headers.authorization = `Bearer ${jwt}`;
    return true;
  }

  async function handleService(
    svc: PlatformService,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    subPath: string,
    rawQuery: string,
  ) {
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) return sendPreflight(req, res);
    for (const [k, v] of Object.entries(corsHeaders(req))) res.setHeader(k, v);
    if (!(await normaliseCredentials(req, rawQuery))) {
      return sendJson(req, res, 401, { message: "Invalid API key", hint: "Double check the provided API key." });
    }
    await svc.handle(req, res, subPath, rawQuery);
  }

  async function handleRest(req: http.IncomingMessage, res: http.ServerResponse, subPath: string, rawQuery: string) {
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      sendPreflight(req, res);
      return;
    }
    const jwt = await checkApiKey(req, res, rawQuery);
    if (!jwt) return;
    const headers = upstreamHeaders(req, "/rest/v1", localPort);
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
      timeoutMs: restTimeoutMs,
      cors: true,
    });
    if (r.kind === "done") return;
    if (r.kind === "refused") {
      sendJson(req, res, 503, {
        code: "upstream_unavailable",
        message: `PostgREST is not reachable at ${opts.postgrestUrl} (${r.err.message})`,
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

  function bootError(req: http.IncomingMessage, res: http.ServerResponse, slug: string, err: unknown) {
    const e = err instanceof FunctionStartError ? err : undefined;
    sendJson(req, res, 503, {
      code: "BOOT_ERROR",
      message: `Function "${slug}" failed to start: ${(err as Error).message}` +
        (e?.logFile ? ` (log: ${e.logFile})` : ""),
      details: e?.logTail || undefined,
    });
  }

  async function handleFunction(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    subPath: string,
    rawQuery: string,
  ) {
    const m = /^\/([^/]+)(\/.*)?$/.exec(subPath);
    const slug = m?.[1] ?? "";
    const info: FunctionInfo | null = slug ? host().resolve(slug) : null;
    if (!info) {
      sendJson(req, res, 404, { code: "NOT_FOUND", message: "Requested function was not found" });
      return;
    }
    const preflight = req.method === "OPTIONS";
    if (!preflight && info.verifyJwt) {
      const token = bearer(firstHeader(req.headers.authorization));
      if (!token || !(await verify(token))) {
        sendJson(req, res, 401, { msg: "Invalid JWT" });
        return;
      }
    }
    const headers = upstreamHeaders(req, "/functions/v1", localPort);
    const upstreamPath = `/${slug}${m?.[2] ?? ""}${rawQuery ? `?${rawQuery}` : ""}`;
    for (let attempt = 0; ; attempt++) {
      let port: number;
      try {
        port = await host().ensure(info, opts.functionStartTimeoutMs);
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
        timeoutMs: functionTimeoutMs,
        cors: false,
      });
      if (r.kind === "done") return;
      if (r.kind === "refused" && attempt < 3) {
        host().markSuspect(slug); // restarting (watch) or exited: wait for it again
        continue;
      }
      if (r.kind === "error" && r.timedOut) {
        sendJson(req, res, 504, {
          code: "function_timeout",
          message: `The upstream server is timing out: function "${slug}" sent nothing for ${
            Math.round(functionTimeoutMs / 1000)
          } s`,
        });
      } else {
        await host().settle(slug);
        const tail = host().logTail(slug);
        sendJson(req, res, 502, {
          code: "function_error",
          message: `An invalid response was received from function "${slug}" (${r.err.message})`,
          details: tail || undefined,
        });
      }
      return;
    }
  }

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    const started = process.hrtime.bigint();
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : "";
    if (accessLog) {
      res.on("close", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const status = res.headersSent ? res.statusCode : 499;
        accessLog(`${req.method} ${rawPath} ${status} ${ms.toFixed(1)}ms`);
      });
    }
    const under = (prefix: string): string | null =>
      rawPath === prefix ? "/" : rawPath.startsWith(prefix + "/") ? rawPath.slice(prefix.length) : null;

    try {
      let sub: string | null;
      if ((sub = under("/rest/v1")) !== null) return await handleRest(req, res, sub, rawQuery);
      if ((sub = under("/functions/v1")) !== null) return await handleFunction(req, res, sub, rawQuery);
      for (const svc of services) {
        if ((sub = under(svc.prefix)) !== null) return await handleService(svc, req, res, sub, rawQuery);
      }
      for (const [prefix, what] of Object.entries(UNAVAILABLE)) {
        if (under(prefix) === null) continue;
        if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) return sendPreflight(req, res);
        if (prefix === "/graphql/v1" && !(await checkApiKey(req, res, rawQuery))) return;
        return sendJson(req, res, 501, {
          code: "not_available_locally",
          message: `${what.service} needs the full Supabase stack (supabase start with Docker, or a hosted project)`,
          hint: what.hint,
        });
      }
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) return sendPreflight(req, res);
      sendJson(req, res, 404, { code: "not_found", message: "no Route matched with those values" });
    } catch (err) {
      console.error(`[gateway] ${req.method} ${rawPath}:`, err);
      sendJson(req, res, 500, { code: "gateway_error", message: "The local gateway failed on this request" });
    }
  }

  const server = http.createServer((req, res) => void onRequest(req, res));
  server.on("upgrade", (req, socket, head) => {
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const p = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    let rawQuery = q >= 0 ? rawUrl.slice(q + 1) : "";
    const svc = services.find((s) => s.upgrade && (p === s.prefix || p.startsWith(s.prefix + "/")));
    if (svc?.upgrade) {
      void (async () => {
        // Kong's key swap for the socket's apikey query parameter.
        const params = new URLSearchParams(rawQuery);
        const key = params.get("apikey");
        if (key?.startsWith("sb_")) {
          const jwt = await apiKeyJwt(key);
          if (jwt) {
            params.set("apikey", jwt);
            rawQuery = params.toString();
          }
        }
        svc.upgrade!(req, socket, head, p.slice(svc.prefix.length) || "/", rawQuery);
      })().catch((err) => {
        console.error(`[gateway] upgrade ${p}:`, err);
        socket.destroy();
      });
      return;
    }
    const realtime = p === "/realtime/v1" || p.startsWith("/realtime/v1/");
    const body = JSON.stringify({
      code: "not_available_locally",
      message: realtime
        ? "Realtime needs the full Supabase stack (supabase start with Docker, or a hosted project)"
        : "WebSocket upgrades are not supported by the local gateway",
    });
    socket.end(
      `HTTP/1.1 501 Not Implemented\r\ncontent-type: application/json\r\ncontent-length: ${
        Buffer.byteLength(body)
      }\r\naccess-control-allow-origin: ${CORS_HEADERS["Access-Control-Allow-Origin"]}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  localPort = typeof addr === "object" && addr ? addr.port : opts.port;
  const shownHost = !opts.host || opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${localPort}`;

  if (opts.platform) {
    const ctx: PlatformContext = {
      apiUrl: opts.apiUrl ?? url,
      dbUrl: opts.dbUrl,
      dbPort: opts.platform.dbPort,
      jwtSecret: opts.jwtSecret ?? JWT_SECRET,
      keys: { anon: anonKey, serviceRole: serviceRoleKey, publishable: publishableKey, secret: secretKey },
      dataDir: opts.platform.dataDir,
      supabaseDir: opts.supabaseDir ?? path.join(opts.root ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), "supabase"),
      log: (line) => console.log(line),
    };
    for (const factory of opts.platform.services ?? platformServices) services.push(await factory(ctx));
  }

  functions = new FunctionsHost({
    portBase: opts.functionsPortBase,
    apiUrl: opts.apiUrl ?? url,
    dbUrl: opts.dbUrl,
    root: opts.root,
    functionsDir: opts.functionsDir,
    supabaseDir: opts.supabaseDir,
    logDir: opts.logDir,
    watch: opts.watch,
    startTimeoutMs: opts.functionStartTimeoutMs,
    anonKey,
    serviceRoleKey,
    publishableKey,
    secretKey,
  });
  const fnHost = functions;

  let closing: Promise<void> | undefined;
  return {
    url,
    port: localPort,
    functions: fnHost,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), 1000);
        await Promise.all([closed, fnHost.close(), ...services.map((svc) => svc.close())]);
        clearTimeout(grace);
      })();
      return closing;
    },
  };
}

/** Gateway options from HL_* env vars, with the ports of the HL_PROFILE profile (dev) as defaults. */
export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayOptions {
  const p = profile();
  const num = (v: string | undefined, fallback: number) => (v && v.trim() ? Number(v) : fallback);
  const port = num(env.HL_GATEWAY_PORT, p.apiPort);
  return {
    port,
    host: env.HL_GATEWAY_HOST || "127.0.0.1",
    postgrestUrl: env.HL_POSTGREST_URL || `http://127.0.0.1:${p.postgrestPort}`,
    dbUrl: env.HL_DB_URL || p.dbUrl,
    apiUrl: env.HL_API_URL || `http://127.0.0.1:${port}`,
    functionsPortBase: num(env.HL_FUNCTIONS_PORT_BASE, p.functionsPortBase),
    logDir: env.HL_LOG_DIR || undefined,
    watch: env.HL_WATCH === "1" || env.HL_WATCH === "true",
    platform: {
      dbPort: env.HL_DB_URL ? Number(new URL(env.HL_DB_URL).port) : p.dbPort,
      dataDir: env.HL_PLATFORM_DIR || path.join(p.home, "platform"),
    },
  };
}

async function main(argv: string[]) {
  if (argv.includes("--prewarm")) {
    const results = await prewarmFunctions();
    for (const r of results) {
      console.log(`${r.ok ? "cached" : "FAILED"} ${r.slug}${r.ok ? "" : `\n${r.output}`}`);
    }
    process.exit(results.every((r) => r.ok) ? 0 : 1);
  }
  const opts = gatewayOptionsFromEnv();
  const gw = await startGateway(opts);
  console.log(
    `gateway listening on ${gw.url} (rest → ${opts.postgrestUrl}, functions from port ${opts.functionsPortBase}` +
      `${opts.watch ? ", hot reload" : ""}${opts.logDir ? `, function logs in ${opts.logDir}` : ""})`,
  );
  let stoppingSince = 0;
  const stop = (signal: string) => {
    // tsx relays signals to this process, so one Ctrl-C may arrive twice: only a later one forces.
    if (stoppingSince) {
      if (Date.now() - stoppingSince > 2000) process.exit(1); // the 'exit' hook still kills functions
      return;
    }
    stoppingSince = Date.now();
    console.log(`gateway: ${signal}, stopping`);
    gw.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
