/**
 * Tests of the OpenAI-compatible suggester with an injected fetch (no network): the request it
 * sends, answers it accepts, and every way an answer falls back to the heuristic.
 */
import { assert, assertEquals, assertMatch } from "../_shared/testing.ts";
import { heuristicSuggester } from "./heuristic.ts";
import { createLlmSuggester, type LlmConfig } from "./llm.ts";
import type { Suggestion } from "./schemas.ts";
import { apiError, completion, ollamaCompletion } from "./testdata/chat-completions.ts";
import { AC_SERVICING, CATALOG, PLUMBING } from "./testdata/catalog.ts";

interface Sent {
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
  signal?: AbortSignal | null;
}

function fakeApi(respond: (sent: Sent) => Response | Promise<Response>, config: Partial<LlmConfig> = {}) {
  const sent: Sent[] = [];
  const warnings: string[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const s = { url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)), signal: init?.signal };
    sent.push(s);
    return await respond(s);
  }) as typeof fetch;
  const suggester = createLlmSuggester(
    { apiKey: "sk-test", baseUrl: "https://llm.example/v1/", model: "test-model", fetch: fetchFn, warn: (m) => warnings.push(m), ...config },
    heuristicSuggester,
  );
  return { sent, warnings, suggester };
}

const reply = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const answer = (o: Record<string, unknown>) => JSON.stringify({ category_slug: "plumbing", title: "Fix a leaking tap", duration_minutes: 45, confidence: 0.8, ...o });

const LEAK = { description: "My kitchen tap is leaking", locale: "en" as const, categories: CATALOG };

Deno.test("llm: sends a chat completion with the key, model, temperature 0 and a strict JSON schema of the catalog's slugs", async () => {
  const { sent, suggester } = fakeApi(() => reply(completion(answer({}))));
  const s = await suggester.suggest(LEAK);
  assertEquals(sent.length, 1);
  assertEquals(sent[0].url, "https://llm.example/v1/chat/completions");
  assertEquals(sent[0].headers.get("authorization"), "Bearer sk-test");
  assertEquals(sent[0].body.model, "test-model");
  assertEquals(sent[0].body.temperature, 0);
  const messages = sent[0].body.messages as { role: string; content: string }[];
  assertEquals(messages.map((m) => m.role), ["system", "user"]);
  assertEquals(messages[1].content, LEAK.description);
  assertMatch(messages[0].content, /- plumbing: Plumbing \/ سباكة/);
  const format = sent[0].body.response_format as { type: string; json_schema: { strict: boolean; schema: { properties: { category_slug: { enum: string[] } } } } };
  assertEquals(format.type, "json_schema");
  assertEquals(format.json_schema.strict, true);
  assertEquals(format.json_schema.schema.properties.category_slug.enum, [...CATALOG.map((c) => c.slug), "none"]);
  assertEquals(s, { categoryId: PLUMBING, title: "Fix a leaking tap", durationMinutes: 45, confidence: 0.8, source: "llm" } as Suggestion);
});

Deno.test("llm: json_object mode for servers without structured outputs, and a markdown-fenced answer (Ollama)", async () => {
  const { sent, suggester } = fakeApi(
    () => reply(ollamaCompletion("```json\n" + answer({ category_slug: "ac-servicing", title: "Service the AC", duration_minutes: null }) + "\n```")),
    { responseFormat: "json_object" },
  );
  const s = await suggester.suggest({ description: "المكيف لا يبرد", locale: "ar", categories: CATALOG });
  assertEquals((sent[0].body.response_format as { type: string }).type, "json_object");
  assertMatch((sent[0].body.messages as { content: string }[])[0].content, /in Arabic/);
  assertEquals(s?.categoryId, AC_SERVICING);
  assertEquals(s?.durationMinutes, null);
  assertEquals(s?.source, "llm");
});

const FALLBACKS: Array<[string, () => Response | Promise<Response>]> = [
  ["llm_http_401", () => reply(apiError("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-test."), 401)],
  ["llm_http_429", () => reply(apiError("requests", "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini."), 429)],
  ["llm_http_500", () => reply(apiError("server_error", null, "The server had an error while processing your request."), 500)],
  ["llm_invalid_response", () => new Response("<html>502 Bad Gateway</html>", { status: 200 })],
  ["llm_invalid_response", () => reply({ object: "chat.completion", choices: [] })],
  ["llm_refusal", () => reply(completion(null, { refusal: "I'm sorry, I can't help with that." }))],
  ["llm_truncated", () => reply(completion('{"category_slug": "plumbing", "title": "Fix a le', { finish_reason: "length" }))],
  ["llm_empty_answer", () => reply(completion(""))],
  ["llm_invalid_output", () => reply(completion("Sure! The category is plumbing."))],
  ["llm_invalid_output", () => reply(completion(answer({ confidence: 1.7 })))],
  ["llm_invalid_output", () => reply(completion(answer({ title: "x" })))],
  ["llm_invalid_output", () => reply(completion(answer({ duration_minutes: 2.5 })))],
  ["llm_invalid_output", () => reply(completion(answer({ extra: "field" })))],
  ["llm_unknown_category", () => reply(completion(answer({ category_slug: "rocket-repair" })))],
  ["llm_no_category", () => reply(completion(answer({ category_slug: "none" })))],
  ["llm_unreachable", () => Promise.reject(new TypeError("error sending request: connection refused"))],
];

for (const [reason, respond] of FALLBACKS) {
  Deno.test(`llm: ${reason} → the heuristic answers, saying why`, async () => {
    const { warnings, suggester } = fakeApi(respond);
    const s = await suggester.suggest(LEAK);
    assertEquals(s?.source, "heuristic");
    assertEquals(s?.categoryId, PLUMBING);
    assertEquals(s?.fallbackReason, reason);
    assertEquals(warnings.length, 1);
    assert(!warnings[0].includes("sk-test"), "the key is never logged");
  });
}

Deno.test("llm: a server slower than the timeout → llm_timeout, heuristic answer", async () => {
  // Like fetch, the fake rejects with the signal's reason (a TimeoutError) when the signal aborts.
  const { suggester } = fakeApi((sent) =>
    new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => resolve(reply(completion(answer({})))), 3000);
      sent.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(sent.signal?.reason);
      });
    }), { timeoutMs: 50 });
  const started = performance.now();
  const s = await suggester.suggest(LEAK);
  assert(performance.now() - started < 1500, "did not wait for the slow server");
  assertEquals(s?.fallbackReason, "llm_timeout");
  assertEquals(s?.source, "heuristic");
});

Deno.test("llm: nothing fits for the model nor the heuristic → null", async () => {
  const { suggester } = fakeApi(() => reply(completion(answer({ category_slug: "none" }))));
  assertEquals(await suggester.suggest({ description: "quantum chromodynamics homework", locale: "en", categories: CATALOG }), null);
});
