/**
 * Tests of the health handler. The degraded path always runs (against a port where nothing
 * listens); the healthy path runs when SUPABASE_DB_URL points at a reachable database.
 */
import { connect, type Sql } from "../_shared/db.ts";
import { requireEnv } from "../_shared/env.ts";
import { assert, assertEquals, assertMatch } from "../_shared/testing.ts";
import { CHECKED_EXTENSIONS, createHealthHandler } from "./handler.ts";

const get = () => new Request("http://localhost/health", { method: "GET" });

/** Run `fn` with a client for `url`, and always close it (Deno's resource sanitizer checks). */
async function withClient(url: string, fn: (sql: Sql) => Promise<void>) {
  const sql = connect(url, { max: 1, connectTimeout: 3 });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 0 });
  }
}

function quietConsoleError<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => {};
  return fn().finally(() => {
    console.error = original;
  });
}

Deno.test("health: unreachable database → 503 degraded with the error", async () => {
  await withClient("postgres://postgres:postgres@127.0.0.1:1/postgres", async (sql) => {
    const handler = createHealthHandler({ sql: () => sql, timeoutMs: 4000 });
    const res = await quietConsoleError(() => handler(get()));
    assertEquals(res.status, 503);
    assertEquals(res.headers.get("access-control-allow-origin"), "*");
    const body = await res.json();
    assertEquals(body.status, "degraded");
    assertEquals(body.database.ok, false);
    assert(typeof body.database.error === "string" && body.database.error.length > 0, "error message expected");
    assertMatch(body.time, /^\d{4}-\d\d-\d\dT/);
  });
});

Deno.test("health: a missing database URL is reported as degraded, naming the variable", async () => {
  const handler = createHealthHandler({ sql: () => connect(requireEnv("HL_TEST_UNSET_DB_URL")) });
  const res = await quietConsoleError(() => handler(get()));
  assertEquals(res.status, 503);
  const body = await res.json();
  assertEquals(body.database.ok, false);
  assertMatch(body.database.error, /HL_TEST_UNSET_DB_URL/);
});

Deno.test("health: methods other than GET → 405, OPTIONS → preflight", async () => {
  let touched = false;
  const handler = createHealthHandler({
    sql: () => {
      touched = true;
      throw new Error("must not be called");
    },
  });
  const post = await handler(new Request("http://localhost/health", { method: "POST", body: "{}" }));
  assertEquals(post.status, 405);
  assertEquals(post.headers.get("allow"), "GET, OPTIONS");
  assertEquals((await post.json()).code, "method_not_allowed");

  const options = await handler(new Request("http://localhost/health", { method: "OPTIONS" }));
  assert(options.status === 200 || options.status === 204, `preflight status ${options.status}`);
  assertEquals(options.headers.get("access-control-allow-origin"), "*");
  await options.body?.cancel();
  assertEquals(touched, false);
});

const dbUrl = Deno.env.get("SUPABASE_DB_URL");

Deno.test({
  name: "health: reachable database → 200 ok with version, latency and extensions",
  ignore: !dbUrl,
  fn: async () => {
    await withClient(dbUrl!, async (sql) => {
      const handler = createHealthHandler({ sql: () => sql });
      const res = await handler(get());
      const body = await res.json();
      assertEquals(res.status, 200, JSON.stringify(body));
      assertEquals(body.status, "ok");
      assertEquals(body.database.ok, true);
      assert(typeof body.database.latency_ms === "number" && body.database.latency_ms >= 0, "latency_ms");
      assertMatch(body.database.version, /^\d+(\.\d+)?/);
      assertMatch(body.database.server_time, /^\d{4}-\d\d-\d\dT/);
      for (const ext of CHECKED_EXTENSIONS) {
        const e = body.database.extensions[ext];
        assertEquals(typeof e.installed, "boolean", ext);
        assert(e.installed ? typeof e.version === "string" : e.version === null, `${ext} version`);
      }
    });
  },
});
