/**
 * The `sms` handler against a fake PostgREST and a fake provider: the RPC it calls with the
 * user's token, the text in the customer's language, the answers for bad input, missing users,
 * the RPC's errors (429 with Retry-After), provider failures, and no code in the logs. Through the
 * local stack: tests/integration/verification.test.ts.
 */
import { assert, assertEquals } from "../_shared/testing.ts";
import { SmsError, type SmsMessage, type SmsProvider } from "../_shared/sms.ts";
import { createSmsHandler } from "./handler.ts";

const URL_BASE = "http://stack.test";
const BOOKING = "0b5c6f2e-8a7d-4e1b-9c3a-2d1e0f9a8b7c";

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.signature`;
}
const USER = jwt({ sub: "6f1c3a52-1f7e-4c62-9a3b-3a0d2f3c9b10", role: "authenticated" });

class FakeProvider implements SmsProvider {
  readonly name = "fake";
  readonly sent: SmsMessage[] = [];
  constructor(private readonly fail?: SmsError) {}
  send(m: SmsMessage) {
    if (this.fail) return Promise.reject(this.fail);
    this.sent.push(m);
    return Promise.resolve({ provider: "fake", id: "fake-9", status: "queued" });
  }
}

function setup(rpc: { status: number; body: unknown }, provider = new FakeProvider()) {
  const calls: Array<{ url: string; authorization: string | null; apikey: string | null; body: unknown }> = [];
  const logs: string[] = [];
  const handler = createSmsHandler({
    supabaseUrl: () => URL_BASE,
    anonKey: () => "anon-key",
    provider: () => provider,
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      const h = new Headers(init?.headers);
      calls.push({ url: String(input), authorization: h.get("authorization"), apikey: h.get("apikey"), body: JSON.parse(String(init?.body)) });
      return Promise.resolve(new Response(JSON.stringify(rpc.body), { status: rpc.status, headers: { "Content-Type": "application/json" } }));
    }) as typeof fetch,
    log: (l) => logs.push(l),
  });
  return { handler, calls, provider, logs };
}

function post(body: unknown, token: string | null = USER): Request {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return new Request("http://fn.test/", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

Deno.test("booking_start_code: the RPC with the user's token, then the code in the customer's language", async () => {
  const { handler, calls, provider, logs } = setup({ status: 200, body: [{ phone: "+971501234567", locale: "ar", code: "073114" }] });
  const res = await handler(post({ action: "booking_start_code", booking_id: BOOKING }));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { sent: true, to: "+9715*****567", provider: "fake", id: "fake-9" });
  assertEquals(calls, [{
    url: `${URL_BASE}/rest/v1/rpc/claim_start_code_sms`,
    authorization: `Bearer ${USER}`,
    apikey: "anon-key",
    body: { p_booking_id: BOOKING },
  }]);
  assertEquals(provider.sent[0].to, "+971501234567");
  assertEquals(provider.sent[0].purpose, "start_code");
  assertEquals(provider.sent[0].body, "رمز بدء الخدمة في Hyperlocal: 073114 أعطه لمقدم الخدمة عند بدء العمل.");
  assert(!logs.join("\n").includes("073114") && !logs.join("\n").includes("971501234567"), "no code, masked number");
});

Deno.test("bad input: 400 with field errors, nothing called", async () => {
  const { handler, calls } = setup({ status: 200, body: [] });
  for (const body of [{ action: "booking_start_code", booking_id: "nope" }, { action: "spam", booking_id: BOOKING }, {
    action: "booking_start_code",
    booking_id: BOOKING,
    phone: "+15550000000",
  }]) {
    const res = await handler(post(body));
    assertEquals(res.status, 400, JSON.stringify(body));
    assertEquals((await res.json()).code, "invalid_request");
  }
  const badJson = await handler(post("{"));
  assertEquals([badJson.status, (await badJson.json()).code], [400, "invalid_json"]);
  assertEquals(calls.length, 0);
});

Deno.test("without a user: 401 HL001 (the anon key has no sub); GET: 405", async () => {
  const { handler, calls } = setup({ status: 200, body: [] });
  for (const token of [null, jwt({ role: "anon" })]) {
    const res = await handler(post({ action: "booking_start_code", booking_id: BOOKING }, token));
    assertEquals([res.status, (await res.json()).code], [401, "HL001"]);
  }
  assertEquals((await handler(new Request("http://fn.test/", { method: "GET" }))).status, 405);
  assertEquals(calls.length, 0);
});

Deno.test("the RPC's errors pass through; the rate limit gets Retry-After", async () => {
  const limited = setup({
    status: 429,
    body: { code: "HL006", message: "Too many requests.", details: '{"limit": 3, "window_seconds": 3600, "retry_after_seconds": 1790}', hint: null },
  });
  const res = await limited.handler(post({ action: "booking_start_code", booking_id: BOOKING }));
  assertEquals([res.status, res.headers.get("retry-after"), (await res.json()).code], [429, "1790", "HL006"]);
  assertEquals(limited.provider.sent.length, 0);

  const unverified = setup({ status: 409, body: { code: "HL682", message: "Add and verify a phone number first.", details: "x", hint: null } });
  const r2 = await unverified.handler(post({ action: "booking_start_code", booking_id: BOOKING }));
  assertEquals([r2.status, (await r2.json()).code], [409, "HL682"]);

  const garbage = setup({ status: 500, body: "<html>" });
  const r3 = await garbage.handler(post({ action: "booking_start_code", booking_id: BOOKING }));
  assertEquals([r3.status, (await r3.json()).code], [502, "upstream_error"]);
});

Deno.test("provider failures: 400 HL686 for a number that cannot receive SMS, 502 HL685 otherwise", async () => {
  const rpc = { status: 200, body: [{ phone: "+971501234567", locale: "en", code: "073114" }] };
  const bad = setup(rpc, new FakeProvider(new SmsError("recipient", "Twilio 21610", "21610", 400)));
  const r1 = await bad.handler(post({ action: "booking_start_code", booking_id: BOOKING }));
  assertEquals([r1.status, (await r1.json()).code], [400, "HL686"]);
  const down = setup(rpc, new FakeProvider(new SmsError("unavailable", "Twilio unreachable")));
  const r2 = await down.handler(post({ action: "booking_start_code", booking_id: BOOKING }));
  assertEquals([r2.status, (await r2.json()).code], [502, "HL685"]);
  assert(!down.logs.join().includes("073114"));
});
