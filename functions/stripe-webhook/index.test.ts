/**
 * stripe-webhook without network: signatures made with the Stripe SDK's own test-header helper
 * (the same HMAC scheme Stripe signs with), a fake PostgREST that stores event ids once like
 * apply_webhook_event does, and the handler's answers for valid, tampered, wrong-secret, stale,
 * replayed, malformed and unknown events.
 */
import Stripe from "stripe";
import { assert, assertEquals } from "../_shared/testing.ts";
import { MoneyApi } from "../_shared/payments/api.ts";
import * as fx from "../_shared/payments/stripe.fixtures.ts";
import { createWebhookHandler, TOLERANCE_SECONDS } from "./handler.ts";

const SECRET = "whsec_test_0123456789abcdef";
const webhooks = new Stripe("sk_test_x").webhooks;
const cryptoProvider = Stripe.createSubtleCryptoProvider();

function fakeDb(opts: { down?: boolean } = {}) {
  const events = new Map<string, { type: string; status: string; deliveries: number }>();
  const applied: unknown[] = [];
  const f = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    assert(url.endsWith("/rest/v1/rpc/apply_webhook_event"), url);
    assertEquals(new Headers(init.headers as HeadersInit).get("authorization"), "Bearer service-key");
    if (opts.down) throw new TypeError("connection refused");
    const { p_provider, p_event } = JSON.parse(String(init.body)) as {
      p_provider: string;
      p_event: { id: string; type: string; data: { object: unknown } };
    };
    assertEquals(p_provider, "stripe");
    const known = events.get(p_event.id);
    if (known) {
      known.deliveries++;
      return Response.json({
        event_id: p_event.id,
        type: p_event.type,
        status: "duplicate",
        result: null,
        error: null,
      });
    }
    const status = p_event.type.startsWith("payment_intent.") ? "applied" : "ignored";
    if (status === "applied") applied.push(p_event.data.object);
    events.set(p_event.id, { type: p_event.type, status, deliveries: 1 });
    return await Promise.resolve(
      Response.json({ event_id: p_event.id, type: p_event.type, status, result: null, error: null }),
    );
  };
  return { events, applied, fetch: f as typeof fetch };
}

function setup(opts: { down?: boolean; now?: number } = {}) {
  const db = fakeDb(opts);
  const api = new MoneyApi({
    supabaseUrl: "http://db.test",
    anonKey: "anon",
    serviceRoleKey: "service-key",
    fetch: db.fetch,
  });
  const handler = createWebhookHandler({
    api: () => api,
    secrets: () => [SECRET],
    provider: () => "stripe",
    now: opts.now !== undefined ? () => opts.now! : undefined,
  });
  return { db, handler };
}

function event(id: string, type = "payment_intent.amount_capturable_updated", object: unknown = fx.paymentIntent()) {
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2026-11-18.endive",
    created: fx.T0,
    type,
    livemode: false,
    data: { object },
  });
}

async function signed(payload: string, opts: { secret?: string; timestamp?: number } = {}) {
  return await webhooks.generateTestHeaderStringAsync({
    payload,
    secret: opts.secret ?? SECRET,
    timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
    cryptoProvider,
  });
}

async function post(handler: (r: Request) => Promise<Response>, payload: string, signature: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["stripe-signature"] = signature;
  const res = await handler(
    new Request("http://functions.test/stripe-webhook", { method: "POST", headers, body: payload }),
  );
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

Deno.test("webhook: a valid signature is applied once (200 applied)", async () => {
  const { db, handler } = setup();
  const payload = event("evt_valid_1");
  const r = await post(handler, payload, await signed(payload));
  assertEquals(r.status, 200);
  assertEquals([r.body.received, r.body.event_id, r.body.status], [true, "evt_valid_1", "applied"]);
  assertEquals(db.applied.length, 1);
});

Deno.test("webhook: a replayed event id (same delivery again, or re-signed) → 200 duplicate, no second effect", async () => {
  const { db, handler } = setup();
  const payload = event("evt_replay_1");
  const sig = await signed(payload);
  assertEquals((await post(handler, payload, sig)).body.status, "applied");
  const again = await post(handler, payload, sig);
  assertEquals([again.status, again.body.status], [200, "duplicate"]);
  const resigned = await post(
    handler,
    payload,
    await signed(payload, { timestamp: Math.floor(Date.now() / 1000) + 5 }),
  );
  assertEquals(resigned.body.status, "duplicate");
  assertEquals(db.applied.length, 1);
  assertEquals(db.events.get("evt_replay_1")?.deliveries, 3);
});

Deno.test("webhook: tampered body → 400 HL673, nothing stored", async () => {
  const { db, handler } = setup();
  const payload = event("evt_tamper_1");
  const sig = await signed(payload);
  const tampered = payload.replace('"amount":10500', '"amount":1');
  assert(tampered !== payload);
  const r = await post(handler, tampered, sig);
  assertEquals([r.status, r.body.code, r.body.details], [400, "HL673", "signature_mismatch"]);
  assertEquals(db.events.size, 0);
});

Deno.test("webhook: wrong secret, missing header, garbage header → 400 HL673", async () => {
  const { db, handler } = setup();
  const payload = event("evt_secret_1");
  assertEquals(
    (await post(handler, payload, await signed(payload, { secret: "whsec_someone_else" }))).body.code,
    "HL673",
  );
  assertEquals((await post(handler, payload, null)).status, 400);
  assertEquals((await post(handler, payload, "t=1,v1=deadbeef")).body.code, "HL673");
  assertEquals((await post(handler, payload, "nonsense")).body.code, "HL673");
  assertEquals(db.events.size, 0);
});

Deno.test("webhook: a timestamp older than the 300 s tolerance → 400 (replay of an old delivery)", async () => {
  const now = Date.now();
  const { db, handler } = setup({ now });
  const payload = event("evt_stale_1");
  const old = Math.floor(now / 1000) - TOLERANCE_SECONDS - 1;
  const r = await post(handler, payload, await signed(payload, { timestamp: old }));
  assertEquals([r.status, r.body.code, r.body.details], [400, "HL673", "timestamp_outside_tolerance"]);
  const inside = await post(handler, payload, await signed(payload, { timestamp: old + 2 }));
  assertEquals(inside.status, 200);
  assertEquals(db.events.size, 1);
});

Deno.test("webhook: signed but malformed → 400 HL635; unknown type → 200 ignored", async () => {
  const { db, handler } = setup();
  const notJson = "this is not json";
  assertEquals((await post(handler, notJson, await signed(notJson))).body.code, "HL635");
  const noObject = JSON.stringify({ id: "evt_x", type: "payment_intent.succeeded", data: {} });
  const r = await post(handler, noObject, await signed(noObject));
  assertEquals([r.status, r.body.code], [400, "HL635"]);
  const unknown = event("evt_unknown_1", "customer.subscription.trial_will_end", {
    id: "sub_1",
    object: "subscription",
  });
  const u = await post(handler, unknown, await signed(unknown));
  assertEquals([u.status, u.body.status], [200, "ignored"]);
  assertEquals(db.events.get("evt_unknown_1")?.status, "ignored");
});

Deno.test("webhook: database unreachable → 503 HL671 (Stripe retries); GET → 405", async () => {
  const { handler } = setup({ down: true });
  const payload = event("evt_down_1");
  const r = await post(handler, payload, await signed(payload));
  assertEquals([r.status, r.body.code], [503, "HL671"]);
  const get = await handler(new Request("http://functions.test/stripe-webhook"));
  assertEquals(get.status, 405);
});
