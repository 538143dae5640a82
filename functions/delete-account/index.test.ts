/**
 * Tests of the delete-account handler against a fake fetch standing in for Auth and PostgREST:
 * which calls it makes with which credentials, and how their answers become its answer. The whole
 * path through the local stack (real Auth server, database) is covered by the vitest tests
 * (tests/integration/identity.test.ts).
 */
import { assert, assertEquals } from "../_shared/testing.ts";
import { createDeleteAccountHandler } from "./handler.ts";

const URL_BASE = "http://stack.test";
const USER_ID = "6f1c3a52-1f7e-4c62-9a3b-3a0d2f3c9b10";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.signature`;
}
const USER_TOKEN = jwt({ sub: USER_ID, role: "authenticated" });
const SERVICE_TOKEN = jwt({ role: "service_role" });

interface Call {
  method: string;
  url: string;
  authorization: string | null;
  body: unknown;
}

type Responder = (call: Call) => Response;

function fakeStack(responders: Record<string, Responder>) {
  const calls: Call[] = [];
  const fetchFn = ((input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const headers = new Headers(init?.headers);
    const call: Call = {
      method,
      url,
      authorization: headers.get("authorization"),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    const key = `${method} ${url.replace(URL_BASE, "")}`;
    const responder = responders[key];
    if (!responder) return Promise.resolve(new Response(JSON.stringify({ message: `unexpected ${key}` }), { status: 599 }));
    return Promise.resolve(responder(call));
  }) as typeof fetch;
  const handler = createDeleteAccountHandler({
    supabaseUrl: () => URL_BASE,
    anonKey: () => "anon-key",
    serviceRoleKey: () => "service-key",
    fetch: fetchFn,
  });
  return { calls, handler };
}

const ok = (body: unknown, status = 200) => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const post = (token?: string, body?: unknown) =>
  new Request("http://localhost/delete-account", {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const DOMAIN = { user_id: USER_ID, deleted_at: "2030-01-01T00:00:00Z", username: "deleted_abc123", handlers: ["x"] };
const RPC = "POST /rest/v1/rpc/delete_user_account";
const ADMIN_DELETE = `DELETE /auth/v1/admin/users/${USER_ID}`;

Deno.test("delete-account: self-service runs the domain deletion, then Auth's soft delete", async () => {
  const { calls, handler } = fakeStack({
    "GET /auth/v1/user": ok({ id: USER_ID }),
    [RPC]: ok(DOMAIN),
    [ADMIN_DELETE]: ok({}),
  });
  const res = await handler(post(USER_TOKEN));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), DOMAIN);
  assertEquals(calls.map((c) => `${c.method} ${c.url.replace(URL_BASE, "")}`), ["GET /auth/v1/user", RPC, ADMIN_DELETE]);
  assertEquals(calls[0].authorization, `Bearer ${USER_TOKEN}`);
  assertEquals(calls[1].authorization, "Bearer service-key");
  assertEquals(calls[1].body, { p_user_id: USER_ID, p_reason: "self-service", p_requested_by: USER_ID });
  assertEquals(calls[2].body, { should_soft_delete: true });
});

Deno.test("delete-account: no token or a dead session → 401 HL001, nothing deleted", async () => {
  const { calls, handler } = fakeStack({
    "GET /auth/v1/user": ok({ code: "session_not_found", message: "Session from session_id claim in JWT does not exist" }, 403),
  });
  const none = await handler(post());
  assertEquals(none.status, 401);
  assertEquals((await none.json()).code, "HL001");
  const dead = await handler(post(USER_TOKEN));
  assertEquals(dead.status, 401);
  const body = await dead.json();
  assertEquals(body.code, "HL001");
  assertEquals(body.details, "Session from session_id claim in JWT does not exist");
  assertEquals(calls.length, 1);
});

Deno.test("delete-account: a domain refusal (HL119) passes through and Auth is not called", async () => {
  const refusal = { code: "HL119", message: "You own a business that still has other members.", details: null, hint: null };
  const { calls, handler } = fakeStack({
    "GET /auth/v1/user": ok({ id: USER_ID }),
    [RPC]: ok(refusal, 409),
  });
  const res = await handler(post(USER_TOKEN));
  assertEquals(res.status, 409);
  assertEquals(await res.json(), refusal);
  assertEquals(calls.length, 2);
});

Deno.test("delete-account: HL120 still finishes the Auth step, then answers HL120", async () => {
  const gone = { code: "HL120", message: "This account has been deleted.", details: null, hint: null };
  const { calls, handler } = fakeStack({
    "GET /auth/v1/user": ok({ id: USER_ID }),
    [RPC]: ok(gone, 410),
    [ADMIN_DELETE]: ok({}),
  });
  const res = await handler(post(USER_TOKEN));
  assertEquals(res.status, 410);
  assertEquals((await res.json()).code, "HL120");
  assertEquals(calls.at(-1)?.method, "DELETE");
});

Deno.test("delete-account: Auth failing after the domain step → 502 auth_delete_failed", async () => {
  const { handler } = fakeStack({
    "GET /auth/v1/user": ok({ id: USER_ID }),
    [RPC]: ok(DOMAIN),
    [ADMIN_DELETE]: ok({ code: "unexpected_failure", message: "boom" }, 500),
  });
  const original = console.error;
  console.error = () => {};
  try {
    const res = await handler(post(USER_TOKEN));
    assertEquals(res.status, 502);
    const body = await res.json();
    assertEquals(body.code, "auth_delete_failed");
    assertEquals(body.details.user_id, USER_ID);
  } finally {
    console.error = original;
  }
});

Deno.test("delete-account: the service role deletes for support with its own credentials", async () => {
  const { calls, handler } = fakeStack({ [RPC]: ok(DOMAIN), [ADMIN_DELETE]: ok({}) });
  const res = await handler(post(SERVICE_TOKEN, { user_id: USER_ID, reason: "ticket 42" }));
  assertEquals(res.status, 200);
  assert(calls.every((c) => c.authorization === `Bearer ${SERVICE_TOKEN}`), "support calls carry the caller's key");
  assertEquals(calls[0].body, { p_user_id: USER_ID, p_reason: "ticket 42", p_requested_by: null });
  const bad = await handler(post(SERVICE_TOKEN, { user_id: "nope", reason: "x" }));
  assertEquals(bad.status, 400);
  assertEquals((await bad.json()).code, "invalid_request");
});

Deno.test("delete-account: only POST (and the CORS preflight)", async () => {
  const { handler } = fakeStack({});
  const get = await handler(new Request("http://localhost/delete-account"));
  assertEquals(get.status, 405);
  await get.body?.cancel();
  const options = await handler(new Request("http://localhost/delete-account", { method: "OPTIONS" }));
  assert(options.status < 300, `preflight ${options.status}`);
  await options.body?.cancel();
});
