/**
 * stream-webhook without the stack: events signed like Mux signs them, a fake PostgREST that
 * applies each provider event id once like apply_stream_ingest_event does, and the answers for
 * valid, replayed, tampered, wrong-secret, stale, unsigned, malformed and unknown events and a
 * database outage.
 */
import { assert, assertEquals } from "../_shared/testing.ts";
import { LiveApi } from "../_shared/streaming/api.ts";
import { liveStreamEvent } from "../_shared/streaming/events.ts";
import { signIngestWebhook } from "../_shared/streaming/signature.ts";
import { createStreamWebhookHandler } from "./handler.ts";

const SECRET = "mux-webhook-secret";
const NOW = 1_800_000_000;

function fakeDb(opts: { down?: boolean; status?: number } = {}) {
  const seen = new Map<string, Record<string, unknown>>();
  const f = (input: string | URL | Request, init: RequestInit = {}) => {
    assertEquals(String(input), "http://db.test/rest/v1/rpc/apply_stream_ingest_event");
    assertEquals(new Headers(init.headers as HeadersInit).get("authorization"), "Bearer service-key");
    if (opts.down) return Promise.reject(new TypeError("connection refused"));
    if (opts.status) return Promise.resolve(Response.json({ code: "XX000", message: "boom" }, { status: opts.status }));
    const args = JSON.parse(String(init.body)) as Record<string, string>;
    if (seen.has(args.p_event_id)) {
      return Promise.resolve(Response.json({ event_id: args.p_event_id, status: "duplicate" }));
    }
    seen.set(args.p_event_id, args);
    const known = args.p_live_input_id === "ls_known";
    return Promise.resolve(Response.json({
      event_id: args.p_event_id,
      status: known ? "applied" : "ignored",
      note: known ? (args.p_type === "active" ? "start" : null) : "unknown live input",
      stream_id: known ? "stream-1" : null,
      stream_status: known ? "live" : null,
    }));
  };
  return { seen, fetch: f as typeof fetch };
}

function setup(opts: { down?: boolean; status?: number } = {}) {
  const db = fakeDb(opts);
  const api = new LiveApi({
    supabaseUrl: "http://db.test",
    anonKey: "anon",
    serviceRoleKey: "service-key",
    fetch: db.fetch,
  });
  const handler = createStreamWebhookHandler({
    api: () => api,
    secrets: () => [SECRET],
    provider: () => "mux",
    now: () => NOW,
  });
  return { db, handler };
}

function post(body: string, signature?: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature) headers["mux-signature"] = signature;
  return new Request("http://functions.test/stream-webhook", { method: "POST", headers, body });
}

const event = (type: string, liveInputId = "ls_known", eventId = `ev_${type}`) =>
  JSON.stringify(liveStreamEvent({ type, liveInputId, eventId, createdAt: new Date(NOW * 1000) }));

Deno.test("a signed event is applied once; a replay answers duplicate", async () => {
  const { db, handler } = setup();
  const body = event("active");
  const res = await handler(post(body, await signIngestWebhook(body, SECRET, NOW)));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), {
    received: true,
    event_id: "ev_active",
    type: "video.live_stream.active",
    status: "applied",
    note: "start",
    stream_id: "stream-1",
    stream_status: "live",
  });
  assertEquals(db.seen.get("ev_active"), {
    p_provider: "mux",
    p_event_id: "ev_active",
    p_type: "active",
    p_live_input_id: "ls_known",
    p_occurred_at: new Date(NOW * 1000).toISOString(),
  });
  const again = await handler(post(body, await signIngestWebhook(body, SECRET, NOW + 5)));
  assertEquals([again.status, (await again.json()).status], [200, "duplicate"]);
});

Deno.test("an unknown live input is answered 200 ignored (no retries)", async () => {
  const { handler } = setup();
  const body = event("active", "ls_other");
  const res = await handler(post(body, await signIngestWebhook(body, SECRET, NOW)));
  const out = await res.json();
  assertEquals([res.status, out.status, out.note, out.stream_id], [200, "ignored", "unknown live input", null]);
});

Deno.test("bad signatures are 401 HL878 and reach nothing", async () => {
  const { db, handler } = setup();
  const body = event("idle");
  const cases: [string | null, string, string][] = [
    [null, body, "missing_header"],
    [await signIngestWebhook(body, "wrong-secret", NOW), body, "signature_mismatch"],
    [await signIngestWebhook(body, SECRET, NOW), body.replace("ls_known", "ls_other"), "signature_mismatch"],
    [await signIngestWebhook(body, SECRET, NOW - 301), body, "timestamp_outside_tolerance"],
    ["t=1,v2=abc", body, "malformed_header"],
  ];
  for (const [sig, b, reason] of cases) {
    const res = await handler(post(b, sig));
    assertEquals([res.status, await res.json()], [401, {
      code: "HL878",
      message: "The ingest webhook signature is missing or invalid.",
      details: reason,
    }], reason);
  }
  assertEquals(db.seen.size, 0);
});

Deno.test("signed but malformed events are 400 HL875; GET is 405", async () => {
  const { handler } = setup();
  for (const body of ["not json", '{"id":"e1"}', '{"id":"e1","type":"video.live_stream.active","data":{}}']) {
    const res = await handler(post(body, await signIngestWebhook(body, SECRET, NOW)));
    assertEquals([res.status, (await res.json()).code], [400, "HL875"], body);
  }
  const get = await handler(new Request("http://functions.test/stream-webhook"));
  assertEquals(get.status, 405);
  await get.body?.cancel();
});

Deno.test("a database outage is 503 HL879 so the provider retries", async () => {
  for (const opts of [{ down: true }, { status: 500 }]) {
    const { handler } = setup(opts);
    const body = event("connected");
    const res = await handler(post(body, await signIngestWebhook(body, SECRET, NOW)));
    const out = await res.json();
    assert(res.status === 503 && out.code === "HL879", JSON.stringify(out));
  }
});
