/**
 * API gateway of the docker-free local stack: what Kong does in `supabase start`. A small router
 * that mounts one route per service:
 *
 *   /rest/v1/*        → PostgREST (gateway/rest.ts)
 *   /functions/v1/<s> → edge function <s> (gateway/functions.ts)
 *   /auth/v1, /storage/v1, /realtime/v1 → the local platform services (platform/), in process; the
 *                       gateway answers their preflights, adds CORS headers and turns API keys into
 *                       JWTs as Kong does (gateway/keys.ts, platform/service.ts)
 *   /graphql/v1 (and a platform service that is not mounted) → 501 not_available_locally
 *   anything else     → 404
 *
 * Run directly: `tsx scripts/gateway.ts` (options from env, see gatewayOptionsFromEnv), or
 * `tsx scripts/gateway.ts --prewarm` to cache the functions' dependencies and exit.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ANON_KEY,
  JWT_SECRET,
  profile,
  PUBLISHABLE_KEY,
  SECRET_KEY,
  SERVICE_ROLE_KEY,
} from "./lib/config.ts";
import { FunctionsHost, prewarmFunctions } from "./lib/functions-host.ts";
import { functionsRoute } from "./gateway/functions.ts";
import { ALLOW_ORIGIN, corsHeaders, sendJson, sendPreflight } from "./gateway/http.ts";
import { createKeys } from "./gateway/keys.ts";
import { restRoute } from "./gateway/rest.ts";
import type { Route } from "./gateway/route.ts";
import { platformServices } from "../platform/index.ts";
import { inboxFile } from "../platform/auth/inbox.ts";
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

/** A platform service as a route: preflights, CORS headers and Kong's credential swap around it. */
function serviceRoute(svc: PlatformService, keys: ReturnType<typeof createKeys>): Route {
  return {
    prefix: svc.prefix,
    async handle(req, res, subPath, rawQuery) {
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) return sendPreflight(req, res);
      for (const [k, v] of Object.entries(corsHeaders(req))) res.setHeader(k, v);
      if (!(await keys.normalise(req, rawQuery))) {
        return sendJson(req, res, 401, { message: "Invalid API key", hint: "Double check the provided API key." });
      }
      await svc.handle(req, res, subPath, rawQuery);
    },
    upgrade: svc.upgrade
      ? async (req, socket, head, subPath, rawQuery) => {
        // Kong's key swap for the socket's apikey query parameter.
        const params = new URLSearchParams(rawQuery);
        const key = params.get("apikey");
        if (key?.startsWith("sb_")) {
          const jwt = await keys.apiKeyJwt(key);
          if (jwt) {
            params.set("apikey", jwt);
            rawQuery = params.toString();
          }
        }
        svc.upgrade!(req, socket, head, subPath, rawQuery);
      }
      : undefined,
  };
}

/** 501 for a service this stack does not run (graphql; a platform service that is not mounted). */
function unavailableRoute(prefix: string, what: { service: string; hint: string }, keys: ReturnType<typeof createKeys>): Route {
  return {
    prefix,
    async handle(req, res, _subPath, rawQuery) {
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) return sendPreflight(req, res);
      if (prefix === "/graphql/v1" && !(await keys.checkApiKey(req, res, rawQuery))) return;
      sendJson(req, res, 501, {
        code: "not_available_locally",
        message: `${what.service} needs the full Supabase stack (supabase start with Docker, or a hosted project)`,
        hint: what.hint,
      });
    },
  };
}

function splitUrl(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf("?");
  return q >= 0 ? { path: rawUrl.slice(0, q), query: rawUrl.slice(q + 1) } : { path: rawUrl, query: "" };
}

/** The route mounted at the longest matching prefix, and the path below it. */
function match(routes: Route[], p: string): { route: Route; sub: string } | null {
  for (const route of routes) {
    if (p === route.prefix) return { route, sub: "/" };
    if (p.startsWith(route.prefix + "/")) return { route, sub: p.slice(route.prefix.length) };
  }
  return null;
}

/** The local inbox file, its folder created so the functions' local SMS provider can append to it. */
function localSmsInbox(dataDir: string): string {
  const file = inboxFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const keys = createKeys({
    jwtSecret: opts.jwtSecret ?? JWT_SECRET,
    anonKey: opts.anonKey ?? ANON_KEY,
    serviceRoleKey: opts.serviceRoleKey ?? SERVICE_ROLE_KEY,
    publishableKey: opts.publishableKey ?? PUBLISHABLE_KEY,
    secretKey: opts.secretKey ?? SECRET_KEY,
  });
  const accessLog =
    opts.accessLog === false ? undefined : typeof opts.accessLog === "function" ? opts.accessLog : (line: string) => console.log(line);

  let localPort = opts.port;
  let functions: FunctionsHost | undefined;
  const host = () => {
    if (!functions) throw new Error("gateway not started");
    return functions;
  };
  const services: PlatformService[] = [];
  /** Resolved once the platform services are mounted (their context needs the server's URL, so they
   * start after it listens); requests arriving earlier wait for it. */
  let markReady!: () => void;
  let markFailed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => {}); // reported by startGateway itself
  const routes: Route[] = [
    restRoute({ postgrestUrl: opts.postgrestUrl, keys, timeoutMs: opts.restTimeoutMs ?? 150_000, localPort: () => localPort }),
    functionsRoute({
      keys,
      host,
      timeoutMs: opts.functionTimeoutMs ?? 150_000,
      startTimeoutMs: opts.functionStartTimeoutMs,
      localPort: () => localPort,
    }),
  ];

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    const started = process.hrtime.bigint();
    const { path: rawPath, query: rawQuery } = splitUrl(req.url ?? "/");
    if (accessLog) {
      res.on("close", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const status = res.headersSent ? res.statusCode : 499;
        accessLog(`${req.method} ${rawPath} ${status} ${ms.toFixed(1)}ms`);
      });
    }
    try {
      await ready;
      const m = match(routes, rawPath);
      if (m) return await m.route.handle(req, res, m.sub, rawQuery);
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) return sendPreflight(req, res);
      sendJson(req, res, 404, { code: "not_found", message: "no Route matched with those values" });
    } catch (err) {
      console.error(`[gateway] ${req.method} ${rawPath}:`, err);
      sendJson(req, res, 500, { code: "gateway_error", message: "The local gateway failed on this request" });
    }
  }

  const server = http.createServer((req, res) => void onRequest(req, res));
  server.on("upgrade", (req, socket, head) => {
    const { path: p, query } = splitUrl(req.url ?? "/");
    void ready.then(() => onUpgrade(p, query), () => socket.destroy());
    function onUpgrade(p: string, query: string) {
      const m = match(routes, p);
      if (m?.route.upgrade) {
        Promise.resolve(m.route.upgrade(req, socket, head, m.sub, query)).catch((err) => {
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
        }\r\naccess-control-allow-origin: ${ALLOW_ORIGIN}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
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
  const anonKey = opts.anonKey ?? ANON_KEY;
  const serviceRoleKey = opts.serviceRoleKey ?? SERVICE_ROLE_KEY;
  const publishableKey = opts.publishableKey ?? PUBLISHABLE_KEY;
  const secretKey = opts.secretKey ?? SECRET_KEY;

  try {
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
      for (const factory of opts.platform.services ?? platformServices) {
        const svc = await factory(ctx);
        services.push(svc);
        routes.push(serviceRoute(svc, keys));
      }
    }
    for (const [prefix, what] of Object.entries(UNAVAILABLE)) {
      if (!routes.some((r) => r.prefix === prefix)) routes.push(unavailableRoute(prefix, what, keys));
    }
  } catch (err) {
    markFailed(err);
    server.close();
    await Promise.allSettled(services.map((svc) => svc.close()));
    throw err;
  }
  markReady();

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
    smsInboxFile: opts.platform ? localSmsInbox(opts.platform.dataDir) : undefined,
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
