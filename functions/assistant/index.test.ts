/**
 * Tests of the assistant handler against a fake API (Auth and the two RPCs): the request it
 * validates, the calls it makes as the user, the response it assembles and the errors it gives.
 */
import { assert, assertEquals } from "../_shared/testing.ts";
import { createAssistantHandler, suggesterFromEnv } from "./handler.ts";
import { heuristicSuggester } from "./heuristic.ts";
import { createLlmSuggester } from "./llm.ts";
import type { Estimate, Suggester } from "./schemas.ts";
import { completion } from "./testdata/chat-completions.ts";
import { CATALOG, ELECTRICAL, HOME_REPAIRS, PLUMBING } from "./testdata/catalog.ts";

const URL_BASE = "http://api.test";
const TOKEN = "user-token";
const USER_ID = "11111111-1111-4111-8111-111111111111";

type Call = { method: string; path: string; authorization: string | null; body: unknown };
type Responder = (call: Call) => Response;

const ok = (body: unknown, status = 200): Responder => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const ESTIMATE: Estimate = {
  category_id: PLUMBING, basis: "nearby", radius_m: 10000, sample_size: 5, currency: "AED",
  budget_min: 15000, budget_median: 20000, budget_max: 30000, duration_minutes: 90,
};

function fakeStack(responders: Record<string, Responder>, suggester: Suggester = heuristicSuggester) {
  const calls: Call[] = [];
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const path = String(input).replace(URL_BASE, "");
    const call = { method, path, authorization: new Headers(init?.headers).get("authorization"), body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const r = responders[`${method} ${path}`];
    return Promise.resolve(r ? r(call) : new Response(JSON.stringify({ message: `unexpected ${method} ${path}` }), { status: 599 }));
  }) as typeof fetch;
  const handler = createAssistantHandler({ supabaseUrl: () => URL_BASE, anonKey: () => "anon", suggester: () => suggester, fetch: fetchFn });
  return { calls, handler };
}

const STACK = {
  "GET /auth/v1/user": ok({ id: USER_ID }),
  "POST /rest/v1/rpc/assistant_catalog": ok(CATALOG),
  "POST /rest/v1/rpc/assistant_estimate": ok(ESTIMATE),
};

const post = (body: unknown, token: string | null = TOKEN) =>
  new Request("http://localhost/assistant", {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } : {},
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

Deno.test("assistant: a description and a place → category, title, duration and budget from the estimate", async () => {
  const { calls, handler } = fakeStack(STACK);
  const res = await handler(post({ description: "I need someone to fix my leaking kitchen tap", lat: 25.08, lng: 55.14 }));
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  assertEquals(body, {
    locale: "en",
    category: { id: PLUMBING, slug: "plumbing", name: "Plumbing", parent_id: HOME_REPAIRS },
    title: "Fix my leaking kitchen tap",
    duration_minutes: 90,
    duration_basis: "bookings",
    budget: { currency: "AED", min: 15000, max: 30000, median: 20000, basis: "nearby", radius_m: 10000, sample_size: 5 },
    confidence: body.confidence,
    source: "heuristic",
  });
  assert(body.confidence > 0 && body.confidence <= 0.9, `confidence ${body.confidence}`);
  assertEquals(calls.map((c) => `${c.method} ${c.path}`), ["GET /auth/v1/user", "POST /rest/v1/rpc/assistant_catalog", "POST /rest/v1/rpc/assistant_estimate"]);
  assert(calls.every((c) => c.authorization === `Bearer ${TOKEN}`), "every call is made as the user");
  assertEquals(calls[2].body, { p_category_id: PLUMBING, p_lat: 25.08, p_lng: 55.14 });
});

Deno.test("assistant: Arabic is detected, names come in Arabic, no place → null coordinates", async () => {
  const { calls, handler } = fakeStack(STACK);
  const res = await handler(post({ description: "أحتاج كهربائي لتركيب فيش جديد" }));
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  assertEquals(body.locale, "ar");
  assertEquals(body.category, { id: ELECTRICAL, slug: "electrical", name: "كهرباء", parent_id: HOME_REPAIRS });
  assertEquals(body.title, "كهربائي لتركيب فيش جديد");
  assertEquals(calls[2].body, { p_category_id: ELECTRICAL, p_lat: null, p_lng: null });
});

Deno.test("assistant: an explicit locale wins over detection (ar-AE → ar)", async () => {
  const { handler } = fakeStack(STACK);
  const body = await (await handler(post({ description: "Leaking tap in the kitchen", locale: "ar-AE" }))).json();
  assertEquals(body.locale, "ar");
  assertEquals(body.category.name, "سباكة");
});

Deno.test("assistant: thin data → listings basis and the listings' duration; none → budget null, duration from the catalog or 60", async () => {
  const listings = fakeStack({ ...STACK, "POST /rest/v1/rpc/assistant_estimate": ok({ ...ESTIMATE, basis: "listings", radius_m: null, sample_size: 2, duration_minutes: 30 }) });
  const a = await (await listings.handler(post({ description: "leaking tap" }))).json();
  assertEquals(a.budget.basis, "listings");
  assertEquals([a.duration_minutes, a.duration_basis], [60, "listings"], "the catalog's typical minutes of the category");
  const none = { ...ESTIMATE, basis: "none", radius_m: null, sample_size: 0, currency: null, budget_min: null, budget_median: null, budget_max: null, duration_minutes: null };
  const empty = fakeStack({
    ...STACK,
    "POST /rest/v1/rpc/assistant_catalog": ok(CATALOG.map((c) => ({ ...c, typical_minutes: null }))),
    "POST /rest/v1/rpc/assistant_estimate": ok(none),
  });
  const b = await (await empty.handler(post({ description: "leaking tap" }))).json();
  assertEquals(b.budget, null);
  assertEquals([b.duration_minutes, b.duration_basis], [60, "default"]);
});

Deno.test("assistant: the LLM suggester's answer is used, its duration only when nothing better exists", async () => {
  const llm = createLlmSuggester({
    apiKey: "k", baseUrl: "https://llm.test/v1", model: "m",
    fetch: (() => Promise.resolve(ok(completion(JSON.stringify({ category_slug: "electrical", title: "Install two sockets", duration_minutes: 40, confidence: 0.7 })))({} as Call))) as typeof fetch,
  }, heuristicSuggester);
  const none = { ...ESTIMATE, category_id: ELECTRICAL, basis: "none", radius_m: null, sample_size: 0, currency: null, budget_min: null, budget_median: null, budget_max: null, duration_minutes: null };
  const { handler } = fakeStack({
    ...STACK,
    "POST /rest/v1/rpc/assistant_catalog": ok(CATALOG.map((c) => ({ ...c, typical_minutes: null }))),
    "POST /rest/v1/rpc/assistant_estimate": ok(none),
  }, llm);
  const body = await (await handler(post({ description: "two new sockets in the living room" }))).json();
  assertEquals([body.source, body.category.id, body.title, body.confidence], ["llm", ELECTRICAL, "Install two sockets", 0.7]);
  assertEquals([body.duration_minutes, body.duration_basis], [40, "suggester"]);
  assertEquals("fallback_reason" in body, false);
});

Deno.test("assistant: the environment picks the suggester (heuristic without a key)", () => {
  const saved = Deno.env.get("ASSISTANT_LLM_API_KEY");
  const savedOpenAi = Deno.env.get("OPENAI_API_KEY");
  try {
    Deno.env.delete("ASSISTANT_LLM_API_KEY");
    Deno.env.delete("OPENAI_API_KEY");
    assertEquals(suggesterFromEnv().name, "heuristic");
    Deno.env.set("ASSISTANT_LLM_API_KEY", "sk-x");
    assertEquals(suggesterFromEnv().name, "llm");
  } finally {
    if (saved === undefined) Deno.env.delete("ASSISTANT_LLM_API_KEY");
    else Deno.env.set("ASSISTANT_LLM_API_KEY", saved);
    if (savedOpenAi !== undefined) Deno.env.set("OPENAI_API_KEY", savedOpenAi);
  }
});

const BAD: Array<[string, unknown, number, string]> = [
  ["not JSON", "{description:", 400, "HL004"],
  ["an array", [1, 2], 400, "HL004"],
  ["an unknown field", { description: "leaking tap", budget: 5 }, 400, "HL004"],
  ["no description", {}, 400, "HL340"],
  ["a number as description", { description: 42 }, 400, "HL340"],
  ["a too short description", { description: "ab" }, 400, "HL340"],
  ["punctuation only", { description: "?!?!?!" }, 400, "HL340"],
  ["a too long description", { description: "a".repeat(2001) }, 400, "HL340"],
  ["an unsupported locale", { description: "leaking tap", locale: "fr" }, 400, "HL341"],
  ["a malformed locale", { description: "leaking tap", locale: "english" }, 400, "HL341"],
  ["latitude out of range", { description: "leaking tap", lat: 91, lng: 55 }, 400, "HL200"],
  ["longitude out of range", { description: "leaking tap", lat: 25, lng: -181 }, 400, "HL201"],
  ["latitude as text", { description: "leaking tap", lat: "25", lng: 55 }, 400, "HL200"],
  ["only a latitude", { description: "leaking tap", lat: 25 }, 400, "HL008"],
  ["nothing recognisable", { description: "the meaning of life" }, 422, "HL342"],
];

for (const [what, body, status, code] of BAD) {
  Deno.test(`assistant: ${what} → ${status} ${code}, no estimate asked`, async () => {
    const { calls, handler } = fakeStack(STACK);
    const res = await handler(post(body));
    const json = await res.json();
    assertEquals([res.status, json.code], [status, code], JSON.stringify(json));
    assert(typeof json.message === "string" && json.message.length > 0, "a message");
    assert(!calls.some((c) => c.path.endsWith("assistant_estimate")), "no estimate");
  });
}

Deno.test("assistant: no token or a dead session → 401 HL001, the database untouched", async () => {
  const { calls, handler } = fakeStack({ ...STACK, "GET /auth/v1/user": ok({ code: "session_not_found", message: "Session from session_id claim in JWT does not exist" }, 403) });
  const none = await handler(post({ description: "leaking tap" }, null));
  assertEquals([none.status, (await none.json()).code], [401, "HL001"]);
  const dead = await handler(post({ description: "leaking tap" }));
  const body = await dead.json();
  assertEquals([dead.status, body.code, body.details], [401, "HL001", "Session from session_id claim in JWT does not exist"]);
  assertEquals(calls.map((c) => c.path), ["/auth/v1/user"]);
});

Deno.test("assistant: the database's refusals pass through (429 HL006 from the rate limit), its failures are 502", async () => {
  const limited = { code: "HL006", message: "Too many requests.", details: '{"limit": 30}', hint: "Wait before retrying; see details for when the limit resets." };
  const a = fakeStack({ ...STACK, "POST /rest/v1/rpc/assistant_catalog": ok(limited, 429) });
  const res = await a.handler(post({ description: "leaking tap" }));
  assertEquals([res.status, await res.json()], [429, limited]);

  const original = console.error;
  console.error = () => {};
  try {
    const b = fakeStack({ ...STACK, "POST /rest/v1/rpc/assistant_estimate": ok({ message: "boom" }, 500) });
    const down = await b.handler(post({ description: "leaking tap" }));
    assertEquals([down.status, (await down.json()).code], [502, "upstream_error"]);
    const c = fakeStack({ ...STACK, "POST /rest/v1/rpc/assistant_catalog": ok([{ id: "not-a-row" }]) });
    const odd = await c.handler(post({ description: "leaking tap" }));
    assertEquals([odd.status, (await odd.json()).code], [502, "upstream_error"]);
  } finally {
    console.error = original;
  }
});

Deno.test("assistant: only POST (and the CORS preflight)", async () => {
  const { handler } = fakeStack(STACK);
  const get = await handler(new Request("http://localhost/assistant"));
  assertEquals(get.status, 405);
  await get.body?.cancel();
  const options = await handler(new Request("http://localhost/assistant", { method: "OPTIONS" }));
  assert(options.status < 300, `preflight ${options.status}`);
  assertEquals(options.headers.get("access-control-allow-origin"), "*");
  await options.body?.cancel();
});
