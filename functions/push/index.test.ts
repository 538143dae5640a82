/**
 * Tests of the push function without network: the FCM HTTP v1 provider against recorded
 * request/response shapes of Google's token endpoint and FCM (an injected fetch), and the handler's
 * batching and reporting against a fake PostgREST. The whole path through the local stack
 * (database, recording provider, retries, dead letter, token removal) is covered by vitest
 * (tests/integration/push.test.ts).
 */
import { exportPKCS8, exportSPKI, importSPKI, jwtVerify } from "jose";
import { assert, assertEquals } from "../_shared/testing.ts";
import { createPushHandler } from "./handler.ts";
import { FCM_SCOPE, FcmProvider, type PushMessage, RecordingProvider } from "./providers.ts";

async function serviceAccount() {
  const pair = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  return {
    account: {
      project_id: "hyperlocal-test",
      client_email: "push@hyperlocal-test.iam.gserviceaccount.com",
      private_key: await exportPKCS8(pair.privateKey),
      private_key_id: "key-1",
      token_uri: "https://oauth2.googleapis.com/token",
    },
    publicPem: await exportSPKI(pair.publicKey),
  };
}

const MESSAGE: PushMessage = {
  deliveryId: 7,
  token: "fcm-token-0123456789",
  platform: "fcm",
  title: "Booking confirmed",
  body: "Booking HL-1 is confirmed.",
  deepLink: "hyperlocal://bookings/b1",
  data: { notification_id: "n1", kind: "booking.accepted", booking_id: "b1" },
};

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch answering the token exchange with a recorded shape and FCM with `fcm(call)`. */
function fakeGoogle(fcm: (call: Call) => Response) {
  const calls: Call[] = [];
  const f = (input: string | URL | Request, init: RequestInit = {}) => {
    const call = { url: String(input), init };
    calls.push(call);
    if (call.url === "https://oauth2.googleapis.com/token") {
      return Promise.resolve(Response.json({ access_token: "ya29.test-token", expires_in: 3599, token_type: "Bearer" }));
    }
    return Promise.resolve(fcm(call));
  };
  return { calls, fetch: f as typeof fetch };
}

Deno.test("FCM: service-account JWT (RS256), token exchange, then messages:send with the v1 message", async () => {
  const { account, publicPem } = await serviceAccount();
  const google = fakeGoogle(() => Response.json({ name: "projects/hyperlocal-test/messages/0:123" }));
  const provider = new FcmProvider(account, { fetch: google.fetch });
  const result = await provider.send(MESSAGE);
  assertEquals(result.outcome, "sent");
  assertEquals(result.providerMessageId, "projects/hyperlocal-test/messages/0:123");

  const [exchange, send] = google.calls;
  assertEquals(exchange.init.method, "POST");
  assertEquals(new Headers(exchange.init.headers).get("content-type"), "application/x-www-form-urlencoded");
  const form = new URLSearchParams(String(exchange.init.body));
  assertEquals(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const { payload, protectedHeader } = await jwtVerify(form.get("assertion")!, await importSPKI(publicPem, "RS256"), {
    issuer: account.client_email,
    audience: "https://oauth2.googleapis.com/token",
  });
  assertEquals(protectedHeader.alg, "RS256");
  assertEquals(protectedHeader.kid, "key-1");
  assertEquals(payload.scope, FCM_SCOPE);
  assertEquals((payload.exp as number) - (payload.iat as number), 3600);

  assertEquals(send.url, "https://fcm.googleapis.com/v1/projects/hyperlocal-test/messages:send");
  assertEquals(new Headers(send.init.headers).get("authorization"), "Bearer ya29.test-token");
  const body = JSON.parse(String(send.init.body));
  assertEquals(body.message.token, MESSAGE.token);
  assertEquals(body.message.notification, { title: MESSAGE.title, body: MESSAGE.body });
  assertEquals(body.message.data, { ...MESSAGE.data, deep_link: MESSAGE.deepLink });

  // The access token is cached: a second send makes no second exchange.
  await provider.send(MESSAGE);
  assertEquals(google.calls.filter((c) => c.url.endsWith("/token")).length, 1);
});

Deno.test("FCM: errors map to unregistered, retry (with Retry-After) and failed", async () => {
  const { account } = await serviceAccount();
  const fcmError = (status: number, code: string, errorCode?: string, headers?: HeadersInit) => () =>
    Response.json({
      error: {
        code: status,
        message: "recorded",
        status: code,
        details: errorCode ? [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }] : [],
      },
    }, { status, headers });
  const cases: [() => Response, string, number | undefined][] = [
    [fcmError(404, "NOT_FOUND", "UNREGISTERED"), "unregistered", undefined],
    [fcmError(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), "unregistered", undefined],
    [fcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", { "retry-after": "120" }), "retry", 120],
    [fcmError(503, "UNAVAILABLE", "UNAVAILABLE"), "retry", undefined],
    [fcmError(500, "INTERNAL", "INTERNAL"), "retry", undefined],
    [fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"), "failed", undefined],
  ];
  for (const [answer, outcome, retryAfter] of cases) {
    const provider = new FcmProvider(account, { fetch: fakeGoogle(answer).fetch });
    const r = await provider.send(MESSAGE);
    assertEquals(r.outcome, outcome, `${r.error} → ${outcome}`);
    assertEquals(r.retryAfterSeconds, retryAfter);
  }
  const network = new FcmProvider(account, {
    fetch: ((input: string | URL | Request) =>
      String(input).endsWith("/token")
        ? Promise.resolve(Response.json({ access_token: "t", expires_in: 3600 }))
        : Promise.reject(new TypeError("connection reset"))) as typeof fetch,
  });
  assertEquals((await network.send(MESSAGE)).outcome, "retry");
  const apns = new FcmProvider(account, { fetch: fakeGoogle(() => Response.json({})).fetch });
  assertEquals((await apns.send({ ...MESSAGE, platform: "apns" })).outcome, "failed");
});

Deno.test("recording provider: records every message and simulates failures by token prefix", async () => {
  const p = new RecordingProvider();
  assertEquals((await p.send(MESSAGE)).outcome, "sent");
  assertEquals((await p.send({ ...MESSAGE, token: "fail-0123456789abcdef" })).outcome, "retry");
  assertEquals((await p.send({ ...MESSAGE, token: "unregistered-0123456789" })).outcome, "unregistered");
  assertEquals((await p.send({ ...MESSAGE, token: "invalid-0123456789abcd" })).outcome, "failed");
  assertEquals(p.sent.length, 4);
});

function jwt(payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}.signature`;
}
const SERVICE = jwt({ role: "service_role" });

function claimed(id: number, token = `tok-${id}-0123456789abcdef`) {
  return {
    delivery_id: id, attempt: 1, notification_id: `n${id}`, user_id: "u1", token, platform: "fcm", locale: "en",
    kind: "booking.accepted", title: "t", body: "b", deep_link: "hyperlocal://bookings/x", params: { reference: "HL-1", n: 3 },
    created_at: "2026-12-05T00:00:00Z",
  };
}

Deno.test("handler: claims batches until a claim comes back empty, reports every outcome", async () => {
  const batches = [[claimed(1), claimed(2)], [claimed(3, "fail-0123456789abcdef")]];
  const reported: unknown[][] = [];
  const claims: unknown[] = [];
  const fake = ((input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    assertEquals(new Headers(init.headers).get("authorization"), "Bearer service-key");
    const args = JSON.parse(String(init.body));
    if (url.endsWith("/rpc/claim_push_deliveries")) {
      claims.push(args);
      return Promise.resolve(Response.json(batches.shift() ?? []));
    }
    if (url.endsWith("/rpc/complete_push_deliveries")) {
      reported.push(args.p_results);
      const sent = args.p_results.filter((r: { outcome: string }) => r.outcome === "sent").length;
      return Promise.resolve(Response.json({ sent, retry: args.p_results.length - sent, dead: 0, unregistered: 0, stale: 0 }));
    }
    throw new Error(`unexpected ${url}`);
  }) as typeof fetch;
  const recording = new RecordingProvider();
  const handler = createPushHandler({
    supabaseUrl: () => "http://stack.test", serviceRoleKey: () => "service-key", provider: () => recording, fetch: fake,
  });
  const res = await handler(new Request("http://x/push", {
    method: "POST", headers: { Authorization: `Bearer ${SERVICE}` }, body: JSON.stringify({ batch_size: 2 }),
  }));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), {
    batches: 2, claimed: 3, sent: 2, retry: 1, dead: 0, unregistered: 0, stale: 0, provider: "recording",
  });
  assertEquals(claims, [{ p_limit: 2 }, { p_limit: 2 }, { p_limit: 2 }]);
  assertEquals(reported.map((b) => b.map((r) => (r as { outcome: string }).outcome)), [["sent", "sent"], ["retry"]]);
  const first = reported[0][0] as Record<string, unknown>;
  assertEquals(first.delivery_id, 1);
  assertEquals(first.attempt, 1);
  assertEquals((first.request as { data: Record<string, string> }).data,
    { notification_id: "n1", kind: "booking.accepted", reference: "HL-1", n: "3" });
});

Deno.test("handler: only the service role; bad options are 400", async () => {
  const handler = createPushHandler({
    supabaseUrl: () => "http://stack.test", serviceRoleKey: () => "k", provider: () => new RecordingProvider(),
    fetch: (() => Promise.reject(new Error("no call expected"))) as typeof fetch,
  });
  const call = (headers: HeadersInit, body = "{}") => handler(new Request("http://x/push", { method: "POST", headers, body }));
  assertEquals((await call({})).status, 401);
  const user = await call({ Authorization: `Bearer ${jwt({ role: "authenticated", sub: "u" })}` });
  assertEquals(user.status, 403);
  assertEquals((await user.json()).code, "HL002");
  const bad = await call({ Authorization: `Bearer ${SERVICE}` }, JSON.stringify({ batch_size: 0 }));
  assertEquals(bad.status, 400);
  assert((await handler(new Request("http://x/push", { method: "GET" }))).status === 405);
});
