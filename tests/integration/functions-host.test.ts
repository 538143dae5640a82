/**
 * The gateway and the edge functions host in isolation: a fake PostgREST upstream records what the
 * gateway forwards, and throw-away functions in a temp folder exercise cold start, environment,
 * verify_jwt, boot errors, timeouts, crashes, waitUntil, config.toml edits and hot reload. Needs
 * no stack.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { ANON_KEY, JWT_SECRET, PUBLISHABLE_KEY, ROOT, SECRET_KEY, SERVICE_ROLE_KEY } from "../../scripts/lib/config.ts";
import { afterAll, it } from "vitest";
import { startGateway, type Gateway } from "../../scripts/gateway.ts";

function expect(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function eq<T>(actual: T, expected: T, what: string) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function jwt(claims: Record<string, unknown>, expSeconds: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

// ---- fixtures ----------------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hl-gw-selfcheck-"));
const fnDir = path.join(tmp, "functions");
const sbDir = path.join(tmp, "supabase");
const marker = path.join(tmp, "waituntil.txt");

function writeFn(slug: string, source: string) {
  fs.mkdirSync(path.join(fnDir, slug), { recursive: true });
  fs.writeFileSync(path.join(fnDir, slug, "index.ts"), source);
}

const ECHO = (version: string) => `
Deno.serve(async (req) => {
  const url = new URL(req.url);
  if (url.pathname.endsWith("/crash")) Deno.exit(3);
  const env = Deno.env.toObject();
  return new Response(JSON.stringify({
    version: ${JSON.stringify(version)},
    pathname: url.pathname,
    search: url.search,
    method: req.method,
    body: await req.text(),
    auth: req.headers.get("authorization"),
    forwardedPrefix: req.headers.get("x-forwarded-prefix"),
    env,
  }), { headers: { "content-type": "application/json", "access-control-allow-origin": "*" } });
});
`;

writeFn("echo", ECHO("v1"));
writeFn(
  "secure",
  `Deno.serve((req) => req.method === "OPTIONS"
    ? new Response(null, { status: 204, headers: { "access-control-allow-origin": "*", "x-from": "function" } })
    : new Response("secret stuff"));`,
);
writeFn("broken", `Deno.serve((req) => new Response("never"`);
writeFn("noserve", `console.log("I forgot to call Deno.serve");\nsetInterval(() => {}, 1000);`);
writeFn(
  "slow",
  `Deno.serve(async () => { await new Promise((r) => setTimeout(r, 5000)); return new Response("late"); });`,
);
writeFn(
  "bg",
  `Deno.serve(() => {
    EdgeRuntime.waitUntil(new Promise((r) => setTimeout(r, 300)).then(() =>
      Deno.writeTextFile(${JSON.stringify(marker)}, "done")));
    EdgeRuntime.waitUntil(Promise.reject(new Error("background oops")));
    return new Response("accepted", { status: 202 });
  });`,
);
writeFn("disabled", `Deno.serve(() => new Response("should not run"));`);
writeFn("opts", `Deno.serve({ port: 9999, hostname: "0.0.0.0", onListen() {} }, () => new Response("options form"));`);
fs.writeFileSync(path.join(fnDir, "deno.json"), JSON.stringify({ imports: {} }));
fs.mkdirSync(path.join(fnDir, "_shared"), { recursive: true });
fs.writeFileSync(path.join(fnDir, "_shared", "index.ts"), `Deno.serve(() => new Response("not a function"));`);
fs.writeFileSync(
  path.join(fnDir, ".env"),
  `# local secrets\nFOO=bar\nexport QUOTED="a b"\nSUPABASE_URL=http://override.invalid\n`,
);
fs.mkdirSync(sbDir, { recursive: true });
fs.writeFileSync(
  path.join(sbDir, "config.toml"),
  `project_id = "selfcheck"
[edge_runtime.secrets]
FROM_TOML = "toml-value"
[functions.echo]
verify_jwt = false
[functions.bg]
verify_jwt = false
[functions.slow]
verify_jwt = false
[functions.broken]
verify_jwt = false
[functions.noserve]
verify_jwt = false
[functions.opts]
verify_jwt = false
[functions.disabled]
enabled = false
[functions.health]
verify_jwt = true
entrypoint = ${JSON.stringify(path.join(ROOT, "functions", "health", "index.ts"))}
import_map = ${JSON.stringify(path.join(ROOT, "functions", "deno.json"))}
`,
);

// ---- fake PostgREST ----------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
let lastSeen: Seen | undefined;
const upstream = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    lastSeen = { method: req.method!, url: req.url!, headers: req.headers, body };
    res.writeHead(200, {
      "content-type": "application/json",
      "content-range": "0-0/1",
      "access-control-allow-origin": "http://upstream.invalid",
    });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify([{ ok: true }]));
  });
});
await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
const upstreamPort = (upstream.address() as { port: number }).port;

process.env.HL_SELFCHECK_PARENT_SECRET = "must-not-leak";
const dbUrl = process.env.HL_DB_URL || "postgresql://postgres:postgres@127.0.0.1:1/postgres";
// Function ports follow the stack under test (HL_API_PORT), so parallel runs do not collide.
const basePort = (Number(process.env.HL_API_PORT) || 15321) + 400;

const accessLines: string[] = [];
const gw: Gateway = await startGateway({
  port: 0,
  postgrestUrl: `http://127.0.0.1:${upstreamPort}`,
  dbUrl,
  functionsPortBase: basePort,
  functionsDir: fnDir,
  supabaseDir: sbDir,
  logDir: path.join(tmp, "logs"),
  functionTimeoutMs: 1500,
  functionStartTimeoutMs: 4000,
  accessLog: (line) => accessLines.push(line),
});
const U = gw.url;
const anonUser = await jwt({ role: "authenticated", sub: "00000000-0000-0000-0000-000000000001" }, 3600);
const expired = await jwt({ role: "anon" }, -60);

// ---- REST ------------------------------------------------------------------------------------
it("rest: no apikey → 401 with Supabase's message", async () => {
  const r = await fetch(`${U}/rest/v1/items`);
  eq(r.status, 401, "status");
  eq(await r.json(), {
    message: "No API key found in request",
    hint: "No `apikey` request header or url param was found.",
  }, "body");
  eq(r.headers.get("access-control-allow-origin"), "*", "cors");
});
it("rest: unknown / expired / user JWT as apikey → 401 Invalid API key", async () => {
  for (const key of ["nope", expired, anonUser, "sb_publishable_wrong"]) {
    const r = await fetch(`${U}/rest/v1/items`, { headers: { apikey: key } });
    eq(r.status, 401, `status for ${key.slice(0, 20)}`);
    eq((await r.json()).message, "Invalid API key", "message");
  }
});
it("rest: prefix stripped, query kept, apikey param removed, anon JWT set", async () => {
  const r = await fetch(`${U}/rest/v1/items?select=id,name&name=eq.a%2Cb&apikey=${ANON_KEY}&order=id`);
  eq(r.status, 200, "status");
  eq(lastSeen?.url, "/items?select=id,name&name=eq.a%2Cb&order=id", "upstream url");
  eq(lastSeen?.headers.authorization, `Bearer ${ANON_KEY}`, "authorization");
  eq(lastSeen?.headers["x-forwarded-prefix"], "/rest/v1", "x-forwarded-prefix");
  expect(lastSeen?.headers["x-forwarded-for"], "x-forwarded-for missing");
  eq(r.headers.get("access-control-allow-origin"), "*", "gateway CORS replaces upstream's");
  eq(r.headers.get("content-range"), "0-0/1", "content-range passed through");
  expect(r.headers.get("access-control-expose-headers")?.includes("content-range"), "expose content-range");
});
it("rest: sb_publishable → anon JWT, sb_secret → service_role JWT", async () => {
  await fetch(`${U}/rest/v1/`, { headers: { apikey: PUBLISHABLE_KEY } });
  eq(lastSeen?.headers.authorization, `Bearer ${ANON_KEY}`, "publishable");
  await fetch(`${U}/rest/v1/`, { headers: { apikey: SECRET_KEY, authorization: `Bearer ${SECRET_KEY}` } });
  eq(lastSeen?.headers.authorization, `Bearer ${SERVICE_ROLE_KEY}`, "secret (Bearer sb_ replaced)");
  eq(lastSeen?.headers.apikey, SECRET_KEY, "apikey header kept");
});
it("rest: a caller's Bearer JWT is forwarded as-is", async () => {
  await fetch(`${U}/rest/v1/items`, { headers: { apikey: PUBLISHABLE_KEY, authorization: `Bearer ${anonUser}` } });
  eq(lastSeen?.headers.authorization, `Bearer ${anonUser}`, "authorization");
});
it("rest: POST body, Prefer and profiles reach the upstream; HEAD works", async () => {
  const r = await fetch(`${U}/rest/v1/items`, {
    method: "POST",
    headers: {
      apikey: SERVICE_ROLE_KEY,
      "content-type": "application/json",
      prefer: "return=representation",
      "content-profile": "public",
    },
    body: JSON.stringify({ name: "x".repeat(100_000) }),
  });
  eq(r.status, 200, "status");
  eq(lastSeen?.method, "POST", "method");
  eq(lastSeen?.body.length, 100_000 + 11, "body length");
  eq(lastSeen?.headers.prefer, "return=representation", "prefer");
  eq(lastSeen?.headers["content-profile"], "public", "content-profile");
  const h = await fetch(`${U}/rest/v1/items`, { method: "HEAD", headers: { apikey: ANON_KEY, range: "0-0" } });
  eq(h.status, 200, "HEAD status");
  eq(lastSeen?.method, "HEAD", "HEAD method");
  eq(lastSeen?.headers.range, "0-0", "range");
});
it("rest: preflight is answered by the gateway without apikey", async () => {
  const r = await fetch(`${U}/rest/v1/items`, {
    method: "OPTIONS",
    headers: { origin: "http://app.test", "access-control-request-method": "PATCH", "access-control-request-headers": "apikey, x-custom" },
  });
  expect(r.status === 200 || r.status === 204, `status ${r.status}`);
  eq(r.headers.get("access-control-allow-origin"), "*", "allow-origin");
  expect(r.headers.get("access-control-allow-headers")?.includes("x-supabase-api-version"), "allow-headers");
  expect(r.headers.get("access-control-allow-methods")?.includes("PATCH"), "allow-methods");
});
it("rest: upstream down → 503 JSON quickly", async () => {
  const down = await startGateway({
    port: 0,
    postgrestUrl: "http://127.0.0.1:1",
    dbUrl,
    functionsPortBase: basePort + 50,
    functionsDir: fnDir,
    supabaseDir: sbDir,
    accessLog: false,
  });
  try {
    const r = await fetch(`${down.url}/rest/v1/items`, { headers: { apikey: ANON_KEY } });
    eq(r.status, 503, "status");
    expect((await r.json()).message.includes("PostgREST is not reachable"), "message");
  } finally {
    await down.close();
  }
});
it("other services → 501 not_available_locally; unknown routes → 404", async () => {
  for (const p of ["/auth/v1/token?grant_type=password", "/storage/v1/object/list/x", "/realtime/v1/api/broadcast"]) {
    const r = await fetch(`${U}${p}`, { method: "POST" });
    eq(r.status, 501, p);
    const b = await r.json();
    eq(b.code, "not_available_locally", `${p} code`);
    expect(b.message.includes("needs the full Supabase stack"), `${p} message`);
    expect(typeof b.hint === "string", `${p} hint`);
  }
  eq((await fetch(`${U}/graphql/v1`, { method: "POST" })).status, 401, "graphql without apikey");
  eq((await fetch(`${U}/graphql/v1`, { method: "POST", headers: { apikey: ANON_KEY } })).status, 501, "graphql");
  eq((await fetch(`${U}/nope`)).status, 404, "unknown route");
});

// ---- functions -------------------------------------------------------------------------------
it("functions: cold start, path /<slug>/…, query, method and body", async () => {
  const r = await fetch(`${U}/functions/v1/echo/a/b?x=1&y=%20`, { method: "PUT", body: "hello" });
  eq(r.status, 200, "status");
  const b = await r.json();
  eq(b.pathname, "/echo/a/b", "pathname");
  eq(b.search, "?x=1&y=%20", "search");
  eq(b.method, "PUT", "method");
  eq(b.body, "hello", "body");
  eq(b.forwardedPrefix, "/functions/v1", "x-forwarded-prefix");
  const root = await (await fetch(`${U}/functions/v1/echo`)).json();
  eq(root.pathname, "/echo", "bare slug path");
});
it("functions: env is Supabase's plus .env and [edge_runtime.secrets], nothing else", async () => {
  const { env } = await (await fetch(`${U}/functions/v1/echo`)).json();
  eq(env.SUPABASE_URL, U, "SUPABASE_URL (not overridable from .env)");
  eq(env.SUPABASE_ANON_KEY, ANON_KEY, "SUPABASE_ANON_KEY");
  eq(env.SUPABASE_SERVICE_ROLE_KEY, SERVICE_ROLE_KEY, "SUPABASE_SERVICE_ROLE_KEY");
  eq(env.SUPABASE_DB_URL, dbUrl, "SUPABASE_DB_URL");
  eq(JSON.parse(env.SUPABASE_PUBLISHABLE_KEYS), { default: PUBLISHABLE_KEY }, "SUPABASE_PUBLISHABLE_KEYS");
  eq(JSON.parse(env.SUPABASE_SECRET_KEYS), { default: SECRET_KEY }, "SUPABASE_SECRET_KEYS");
  eq(env.FOO, "bar", ".env FOO");
  eq(env.QUOTED, "a b", ".env QUOTED");
  eq(env.FROM_TOML, "toml-value", "[edge_runtime.secrets]");
  eq(env.HL_SELFCHECK_PARENT_SECRET, undefined, "parent env leaked");
  const unexpected = Object.keys(env).filter((k) =>
    !/^(SUPABASE_|PATH$|HOME$|DENO_|NO_COLOR$|FOO$|QUOTED$|FROM_TOML$|NPM_CONFIG_REGISTRY$|npm_config_registry$|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$|SSL_CERT_(FILE|DIR)$|NODE_EXTRA_CA_CERTS$)/
      .test(k)
  );
  eq(unexpected, [], "unexpected env vars");
});
it("functions: Deno.serve(options, handler) is moved to the function's port", async () => {
  const r = await fetch(`${U}/functions/v1/opts`);
  eq(await r.text(), "options form", "body");
});
it("functions: verify_jwt (default true) → 401 {msg:Invalid JWT} unless a valid JWT", async () => {
  for (const auth of [undefined, `Bearer ${expired}`, `Bearer ${PUBLISHABLE_KEY}`, "Bearer garbage", `Basic ${ANON_KEY}`]) {
    const r = await fetch(`${U}/functions/v1/secure`, { headers: auth ? { authorization: auth } : {} });
    eq(r.status, 401, `status for ${auth}`);
    eq(await r.json(), { msg: "Invalid JWT" }, "body");
  }
  for (const token of [ANON_KEY, SERVICE_ROLE_KEY, anonUser]) {
    const r = await fetch(`${U}/functions/v1/secure`, { headers: { authorization: `Bearer ${token}` } });
    eq(r.status, 200, "status with JWT");
    eq(await r.text(), "secret stuff", "body");
  }
});
it("functions: OPTIONS is exempt from verify_jwt and answered by the function", async () => {
  const r = await fetch(`${U}/functions/v1/secure`, {
    method: "OPTIONS",
    headers: { origin: "http://app.test", "access-control-request-method": "POST" },
  });
  eq(r.status, 204, "status");
  eq(r.headers.get("x-from"), "function", "answered by the function");
});
it("functions: unknown, invalid and disabled slugs → 404 NOT_FOUND", async () => {
  for (const slug of ["missing", "_shared", "disabled", "9lives", ""]) {
    const r = await fetch(`${U}/functions/v1/${slug}`, { headers: { authorization: `Bearer ${ANON_KEY}` } });
    eq(r.status, 404, `status for "${slug}"`);
    eq(await r.json(), { code: "NOT_FOUND", message: "Requested function was not found" }, "body");
  }
});
it("functions: syntax error → 503 BOOT_ERROR with the log tail, fast", async () => {
  const t0 = Date.now();
  const r = await fetch(`${U}/functions/v1/broken`);
  eq(r.status, 503, "status");
  const b = await r.json();
  eq(b.code, "BOOT_ERROR", "code");
  expect(/error/i.test(b.details ?? ""), `details should show the error, got ${JSON.stringify(b.details)}`);
  expect(Date.now() - t0 < 3500, "should fail before the start timeout");
  const pre = await fetch(`${U}/functions/v1/broken`, {
    method: "OPTIONS",
    headers: { origin: "http://app.test", "access-control-request-method": "POST" },
  });
  expect(pre.status === 204 || pre.status === 200, `preflight of a broken function: ${pre.status}`);
  eq(pre.headers.get("access-control-allow-origin"), "*", "preflight CORS");
});
it("functions: no Deno.serve → 503 after the start timeout with its output", async () => {
  const r = await fetch(`${U}/functions/v1/noserve`);
  eq(r.status, 503, "status");
  const b = await r.json();
  expect(b.message.includes("did not start listening"), b.message);
  expect((b.details ?? "").includes("I forgot to call Deno.serve"), "log tail");
});
it("functions: idle timeout → 504", async () => {
  const r = await fetch(`${U}/functions/v1/slow`);
  eq(r.status, 504, "status");
});
it("functions: EdgeRuntime.waitUntil runs background work after the response", async () => {
  const r = await fetch(`${U}/functions/v1/bg`);
  eq(r.status, 202, "status");
  for (let i = 0; i < 30 && !fs.existsSync(marker); i++) await sleep(100);
  eq(fs.existsSync(marker) ? fs.readFileSync(marker, "utf8") : null, "done", "background write");
  const log = fs.readFileSync(path.join(tmp, "logs", "functions-bg.log"), "utf8");
  expect(log.includes("background oops"), "rejected background task is logged");
});
it("functions: a crashed function → 502, then restarted on the next request", async () => {
  const r = await fetch(`${U}/functions/v1/echo/crash`);
  eq(r.status, 502, "status of the crashing request");
  const again = await fetch(`${U}/functions/v1/echo`);
  eq(again.status, 200, "status after restart");
});
it("functions: editing functions/.env restarts the function with the new value", async () => {
  fs.appendFileSync(path.join(fnDir, ".env"), "LATER=1\n");
  const { env } = await (await fetch(`${U}/functions/v1/echo`)).json();
  eq(env.LATER, "1", "new .env value");
});
it("functions: an invalid config.toml edit keeps the previous settings; a valid one applies", async () => {
  const file = path.join(sbDir, "config.toml");
  const original = fs.readFileSync(file, "utf8");
  const call = () => fetch(`${U}/functions/v1/disabled`, { headers: { authorization: `Bearer ${ANON_KEY}` } });
  try {
    fs.writeFileSync(file, original.replace("[functions.disabled]\nenabled = false", '[functions.disabled]\nenabled = "no"'));
    eq((await call()).status, 404, "still disabled after an invalid edit");
    fs.writeFileSync(file, original.replace("[functions.disabled]\nenabled = false", "[functions.disabled]\nenabled = true"));
    const r = await call();
    eq([r.status, await r.text()], [200, "should not run"], "enabled by a valid edit");
  } finally {
    fs.writeFileSync(file, original);
  }
  eq((await call()).status, 404, "disabled again");
});
it("health function: 200 with a database, 503 degraded without", async () => {
  const r = await fetch(`${U}/functions/v1/health`, { headers: { authorization: `Bearer ${ANON_KEY}` } });
  const b = await r.json();
  if (process.env.HL_DB_URL) {
    eq(r.status, 200, `status (${JSON.stringify(b)})`);
    eq(b.database.ok, true, "database.ok");
  } else {
    eq(r.status, 503, "status");
    eq(b.status, "degraded", "status field");
  }
  eq(r.headers.get("access-control-allow-origin"), "*", "function CORS");
  eq((await fetch(`${U}/functions/v1/health`)).status, 401, "verify_jwt");
});
it("access log has one line per request", async () => {
  expect(accessLines.some((l) => /^GET \/functions\/v1\/health 401 \d+(\.\d+)?ms$/.test(l)), accessLines.slice(-3).join("\n"));
});

// ---- hot reload --------------------------------------------------------------------------------
it("watch: edits reload the function; a syntax error shows up as BOOT_ERROR; crashes restart", async () => {
  const w = await startGateway({
    port: 0,
    postgrestUrl: `http://127.0.0.1:${upstreamPort}`,
    dbUrl,
    functionsPortBase: basePort + 100,
    functionsDir: fnDir,
    supabaseDir: sbDir,
    logDir: path.join(tmp, "logs-watch"),
    watch: true,
    functionStartTimeoutMs: 8000,
    accessLog: false,
  });
  try {
    const get = async () => {
      const r = await fetch(`${w.url}/functions/v1/echo`);
      return { status: r.status, body: await r.json() };
    };
    eq((await get()).body.version, "v1", "first version");
    const file = path.join(fnDir, "echo", "index.ts");
    fs.writeFileSync(file, ECHO("v2"));
    let seen = "";
    for (let i = 0; i < 50 && seen !== "v2"; i++) {
      await sleep(100);
      const r = await get();
      seen = r.status === 200 ? r.body.version : "";
    }
    eq(seen, "v2", "reloaded version");
    fs.writeFileSync(file, "Deno.serve((req) => ");
    let status = 0;
    let details = "";
    for (let i = 0; i < 50 && status !== 503; i++) {
      await sleep(100);
      const r = await get();
      status = r.status;
      details = r.body.details ?? "";
    }
    eq(status, 503, "status with a syntax error");
    expect(/error/i.test(details), `details: ${details}`);
    fs.writeFileSync(file, ECHO("v3"));
    seen = "";
    for (let i = 0; i < 50 && seen !== "v3"; i++) {
      await sleep(100);
      const r = await get();
      seen = r.status === 200 ? r.body.version : "";
    }
    eq(seen, "v3", "fixed version");
    eq((await fetch(`${w.url}/functions/v1/echo/crash`)).status, 502, "crashing request");
    const after = await get();
    eq([after.status, after.body.version], [200, "v3"], "restarted after a crash");
  } finally {
    const pids = w.functions.status().map((s) => s.pid!);
    await w.close();
    for (const pid of pids) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      expect(!alive, `watch process ${pid} still alive after close()`);
    }
    fs.writeFileSync(path.join(fnDir, "echo", "index.ts"), ECHO("v1"));
  }
});
it("close() stops every function process", async () => {
  const pids = gw.functions.status().map((s) => s.pid!);
  await gw.close();
  await sleep(100);
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  eq(alive, [], "alive pids");
});

afterAll(() => {
  upstream.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
