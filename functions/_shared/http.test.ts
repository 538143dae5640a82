import { z } from "zod";
import { CORS_ALLOW_HEADERS } from "./cors.ts";
import { errorResponse, handle, HttpError, json, readJson } from "./http.ts";
import { assert, assertEquals } from "./testing.ts";

Deno.test("json() sets status, content type and CORS", async () => {
  const res = json({ a: 1 }, 201, { "X-Extra": "yes" });
  assertEquals(res.status, 201);
  assertEquals(res.headers.get("content-type"), "application/json; charset=utf-8");
  assertEquals(res.headers.get("access-control-allow-origin"), "*");
  assertEquals(res.headers.get("x-extra"), "yes");
  assertEquals(await res.json(), { a: 1 });
});

Deno.test("the CORS allow-list covers what supabase-js sends", () => {
  const sent = ["authorization", "x-client-info", "apikey", "content-type", "x-retry-count", "x-supabase-api-version"];
  for (const h of sent) assert(CORS_ALLOW_HEADERS.includes(h), `missing ${h}`);
});

Deno.test("errorResponse(): a zod error becomes 400 invalid_request with details", async () => {
  const schema = z.object({ name: z.string().min(2), age: z.number().int() });
  const parsed = schema.safeParse({ name: "x", age: 1.5 });
  assert(!parsed.success, "expected the sample to be invalid");
  const res = errorResponse(parsed.error);
  assertEquals(res.status, 400);
  const body = await res.json();
  assertEquals(body.code, "invalid_request");
  assert(typeof body.message === "string" && body.message.includes("name"), body.message);
  assertEquals(body.details.length, 2);
  assertEquals(body.details[0].path, ["name"]);
  assertEquals(body.details[1].path, ["age"]);
});

Deno.test("errorResponse(): HttpError keeps its status, code and details", async () => {
  const res = errorResponse(new HttpError(409, "conflict", "Already booked", { id: 7 }));
  assertEquals(res.status, 409);
  assertEquals(await res.json(), { code: "conflict", message: "Already booked", details: { id: 7 } });
});

Deno.test("errorResponse(): unknown errors become 500 without leaking the message", async () => {
  const originalError = console.error;
  console.error = () => {};
  try {
    const res = errorResponse(new Error("password=hunter2 at db.internal:5432"));
    assertEquals(res.status, 500);
    const text = await res.text();
    assert(!text.includes("hunter2"), "internal message leaked");
    assertEquals(JSON.parse(text), { code: "internal_error", message: "Internal server error" });
  } finally {
    console.error = originalError;
  }
});

Deno.test("handle(): answers the preflight without calling the handler", async () => {
  let called = false;
  const h = handle(() => {
    called = true;
    return new Response("nope");
  });
  const res = await h(new Request("http://localhost/fn", { method: "OPTIONS" }));
  assertEquals(called, false);
  assert(res.status >= 200 && res.status < 300, `preflight status ${res.status}`);
  assertEquals(res.headers.get("access-control-allow-origin"), "*");
  assert(res.headers.get("access-control-allow-headers")?.includes("apikey"));
  await res.body?.cancel();
});

Deno.test("handle(): adds CORS to plain and immutable responses, maps thrown errors", async () => {
  const plain = await handle(() => new Response("hi"))(new Request("http://localhost/fn"));
  assertEquals(plain.headers.get("access-control-allow-origin"), "*");
  assertEquals(await plain.text(), "hi");

  const immutable = Response.redirect("http://localhost/elsewhere", 302);
  const redirected = await handle(() => immutable)(new Request("http://localhost/fn"));
  assertEquals(redirected.status, 302);
  assertEquals(redirected.headers.get("access-control-allow-origin"), "*");

  const thrown = await handle(() => {
    throw new HttpError(404, "not_found", "No such listing");
  })(new Request("http://localhost/fn"));
  assertEquals(thrown.status, 404);
  assertEquals((await thrown.json()).code, "not_found");
  assertEquals(thrown.headers.get("access-control-allow-origin"), "*");
});

Deno.test("readJson(): bad JSON → 400 invalid_json, bad shape → 400 invalid_request", async () => {
  const schema = z.object({ title: z.string() });
  const h = handle(async (req) => json(await readJson(req, schema)));
  const post = (body: string) => new Request("http://localhost/fn", { method: "POST", body });

  const bad = await h(post("{not json"));
  assertEquals(bad.status, 400);
  assertEquals((await bad.json()).code, "invalid_json");

  const wrong = await h(post(JSON.stringify({ title: 5 })));
  assertEquals(wrong.status, 400);
  assertEquals((await wrong.json()).code, "invalid_request");

  const ok = await h(post(JSON.stringify({ title: "Lawn mowing", extra: true })));
  assertEquals(ok.status, 200);
  assertEquals(await ok.json(), { title: "Lawn mowing" });
});
