/**
 * Tests of the kyc-retention handler against a fake PostgREST and Storage API: who may call it,
 * the calls it makes (claim, Storage API delete with the service role, complete) and how their
 * answers become its answer. The whole path through the local stack (database, Storage API,
 * pg_net) is covered by vitest (tests/integration/kyc.test.ts).
 */
import { assert, assertEquals } from "../_shared/testing.ts";
import { createKycRetentionHandler } from "./handler.ts";

const URL_BASE = "http://stack.test";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.signature`;
}
const SERVICE = jwt({ role: "service_role" });
const USER = jwt({ sub: "6f1c3a52-1f7e-4c62-9a3b-3a0d2f3c9b10", role: "authenticated" });

interface Call {
  method: string;
  path: string;
  auth: string | null;
  body: unknown;
}

/** A fake stack: `claims` are answered in order; the Storage API removes what it is asked to unless listed in `keep`. */
function fakeStack(claims: string[][], opts: { keep?: string[]; storageStatus?: number; claimStatus?: number } = {}) {
  const calls: Call[] = [];
  let claimIndex = 0;
  const answer = (input: string | URL | Request, init: RequestInit = {}): Response => {
    const url = new URL(String(input));
    const body = init.body ? JSON.parse(String(init.body)) : null;
    const headers = new Headers(init.headers);
    calls.push({ method: init.method ?? "GET", path: url.pathname, auth: headers.get("authorization"), body });
    if (url.pathname === "/rest/v1/rpc/claim_verification_retention") {
      if (opts.claimStatus) {
        return Response.json({ code: "HL699", message: "The retention request is invalid." }, {
          status: opts.claimStatus,
        });
      }
      const paths = claims[claimIndex++] ?? [];
      return Response.json(
        paths.map((p) => ({ object_path: p, document_id: p.includes("orphan") ? null : crypto.randomUUID() })),
      );
    }
    if (url.pathname === "/storage/v1/object/verification-docs" && init.method === "DELETE") {
      if (opts.storageStatus) {
        return Response.json({ statusCode: "500", error: "internal", message: "boom" }, { status: opts.storageStatus });
      }
      const removed = (body.prefixes as string[]).filter((p) => !(opts.keep ?? []).includes(p));
      return Response.json(removed.map((name) => ({ name, bucket_id: "verification-docs" })));
    }
    if (url.pathname === "/rest/v1/rpc/complete_verification_retention") {
      const paths = body.p_paths as string[];
      const present = paths.filter((p) => (opts.keep ?? []).includes(p)).length;
      return Response.json({
        documents_removed: paths.filter((p) => !p.includes("orphan")).length - present,
        still_present: present,
      });
    }
    return new Response("not found", { status: 404 });
  };
  const f = (input: string | URL | Request, init: RequestInit = {}) => Promise.resolve(answer(input, init));
  return { calls, fetch: f as typeof fetch };
}

function handlerWith(stack: ReturnType<typeof fakeStack>, batchSize = 2) {
  return createKycRetentionHandler({
    supabaseUrl: () => URL_BASE,
    serviceRoleKey: () => "service-key",
    batchSize,
    fetch: stack.fetch,
  });
}

const post = (token?: string, body = "") =>
  new Request(`${URL_BASE}/functions/v1/kyc-retention`, {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    body,
  });

Deno.test("kyc-retention: only the service role; nothing called otherwise", async () => {
  const stack = fakeStack([["u/a.jpg"]]);
  const handler = handlerWith(stack);
  const anon = await handler(post());
  assertEquals(anon.status, 401);
  assertEquals((await anon.json()).code, "HL001");
  const user = await handler(post(USER));
  assertEquals(user.status, 403);
  assertEquals((await user.json()).code, "HL002");
  assertEquals((await handler(new Request(`${URL_BASE}/functions/v1/kyc-retention`, { method: "GET" }))).status, 405);
  assertEquals(stack.calls.length, 0);
});

Deno.test("kyc-retention: claims, removes through the Storage API with the service role, completes, in batches", async () => {
  const stack = fakeStack([["u/a.jpg", "u/b.jpg"], ["u/orphan.jpg"]]);
  const res = await handlerWith(stack)(post(SERVICE));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { batches: 2, claimed: 3, removed: 3, documents_removed: 2, still_present: 0 });
  assertEquals(stack.calls.map((c) => `${c.method} ${c.path}`), [
    "POST /rest/v1/rpc/claim_verification_retention",
    "DELETE /storage/v1/object/verification-docs",
    "POST /rest/v1/rpc/complete_verification_retention",
    "POST /rest/v1/rpc/claim_verification_retention",
    "DELETE /storage/v1/object/verification-docs",
    "POST /rest/v1/rpc/complete_verification_retention",
  ]);
  assert(stack.calls.every((c) => c.auth === "Bearer service-key"), "every call uses the service role key");
  assertEquals(stack.calls[0].body, { p_limit: 2 });
  assertEquals(stack.calls[1].body, { prefixes: ["u/a.jpg", "u/b.jpg"] });
  assertEquals(stack.calls[2].body, { p_paths: ["u/a.jpg", "u/b.jpg"] });
});

Deno.test("kyc-retention: nothing due answers zeros after one claim", async () => {
  const stack = fakeStack([]);
  const res = await handlerWith(stack)(post(SERVICE, "{}"));
  assertEquals(await res.json(), { batches: 0, claimed: 0, removed: 0, documents_removed: 0, still_present: 0 });
  assertEquals(stack.calls.length, 1);
});

Deno.test("kyc-retention: objects the Storage API kept are reported and stop the run (no endless loop)", async () => {
  const stack = fakeStack([["u/a.jpg", "u/b.jpg"], ["u/a.jpg", "u/b.jpg"]], { keep: ["u/b.jpg"] });
  const res = await handlerWith(stack)(post(SERVICE));
  assertEquals(await res.json(), { batches: 1, claimed: 2, removed: 1, documents_removed: 1, still_present: 1 });
});

Deno.test("kyc-retention: Storage and database errors pass through; nothing is marked after a failed delete", async () => {
  const failing = fakeStack([["u/a.jpg"]], { storageStatus: 500 });
  const res = await handlerWith(failing)(post(SERVICE));
  assertEquals(res.status, 500);
  assertEquals(failing.calls.filter((c) => c.path.endsWith("complete_verification_retention")).length, 0);
  const badClaim = fakeStack([], { claimStatus: 400 });
  const res2 = await handlerWith(badClaim)(post(SERVICE));
  assertEquals(res2.status, 400);
  assertEquals((await res2.json()).code, "HL699");
});

Deno.test("kyc-retention: bad options are 400 invalid_request", async () => {
  const stack = fakeStack([]);
  const handler = handlerWith(stack);
  assertEquals((await handler(post(SERVICE, '{"batch_size": 0}'))).status, 400);
  assertEquals((await handler(post(SERVICE, '{"nope": 1}'))).status, 400);
  assertEquals((await handler(post(SERVICE, "not json"))).status, 400);
  assertEquals(stack.calls.length, 0);
});
