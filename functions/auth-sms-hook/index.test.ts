/**
 * The Send SMS hook's handler with fakes for the database (limits, locale) and the provider:
 * Standard Webhooks signatures (valid, rotated secret, tampered body, stale and future timestamps,
 * wrong secret, missing headers, replayed signature on another body), the event's validation, the
 * text in the user's language, the answers Auth expects (200 {}; {error: {http_code, message}}),
 * the limits' answers, provider failures, and that no log line carries the code.
 * Through the real Auth server and database: tests/integration/verification.test.ts.
 */
import { Webhook } from "standardwebhooks";
import { assert, assertEquals } from "../_shared/testing.ts";
import { maskPhone, SmsError, type SmsMessage, type SmsProvider } from "../_shared/sms.ts";
import { createSmsHookHandler, hookSecrets, type SmsHookDeps, verifySignature } from "./handler.ts";

// Secrets in Auth's format: v1,whsec_<base64 of at least 24 bytes>.
const SECRET = "v1,whsec_" + btoa("0123456789abcdef0123456789abcdef");
const OLD_SECRET = "v1,whsec_" + btoa("fedcba9876543210fedcba9876543210");
const OTHER = "v1,whsec_" + btoa("another secret, 32 bytes long!!!");
const USER_ID = "3b0b7a9e-6d1f-4c2a-9a55-2f9d8e7c6b5a";

function eventFor(overrides: Record<string, unknown> = {}) {
  return {
    metadata: { uuid: crypto.randomUUID(), time: new Date().toISOString(), name: "send-sms", ip_address: "10.1.2.3" },
    user: { id: USER_ID, aud: "authenticated", role: "authenticated", phone: "971501234567", user_metadata: {} },
    sms: { otp: "482913", phone: "971501234567" },
    ...overrides,
  };
}

function signed(body: string, secret = SECRET, at = new Date(), id = `msg_${crypto.randomUUID()}`): Headers {
  const signature = new Webhook(secret.slice(3)).sign(id, at, body);
  return new Headers({
    "Content-Type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  });
}

class FakeProvider implements SmsProvider {
  readonly name = "fake";
  readonly sent: SmsMessage[] = [];
  constructor(private readonly fail?: SmsError) {}
  send(m: SmsMessage) {
    if (this.fail) return Promise.reject(this.fail);
    this.sent.push(m);
    return Promise.resolve({ provider: "fake", id: "fake-1", status: "queued" });
  }
}

function setup(opts: { provider?: FakeProvider; limited?: string; locale?: string; secrets?: string[] } = {}) {
  const provider = opts.provider ?? new FakeProvider();
  const counted: Array<[string, string | undefined]> = [];
  const seen = new Set<string>();
  const logs: string[] = [];
  const deps: SmsHookDeps = {
    secrets: () => opts.secrets ?? [SECRET],
    provider: () => provider,
    locale: () => Promise.resolve(opts.locale),
    // As private.check_sms_otp_send: a message id counted before is a duplicate.
    allowance: async (phone, ip, messageId, send) => {
      if (messageId && seen.has(messageId)) return null;
      if (opts.limited) {
        throw Object.assign(new Error("limited"), {
          code: opts.limited,
          detail: JSON.stringify({ limit: 3, window_seconds: 3600, retry_after_seconds: 1234 }),
        });
      }
      const result = await send();
      counted.push([phone, ip]);
      if (messageId) seen.add(messageId);
      return result;
    },
    log: (line) => logs.push(line),
  };
  return { handler: createSmsHookHandler(deps), provider, counted, logs };
}

async function call(handler: (r: Request) => Promise<Response>, body: string, headers: Headers) {
  const res = await handler(new Request("http://hook.test/", { method: "POST", body, headers }));
  return { status: res.status, body: await res.json() };
}

Deno.test("a valid signature: the code goes out and Auth gets 200 {}", async () => {
  const { handler, provider, counted, logs } = setup();
  const body = JSON.stringify(eventFor());
  assertEquals(await call(handler, body, signed(body)), { status: 200, body: {} });
  assertEquals(counted, [["+971501234567", "10.1.2.3"]]);
  assertEquals(provider.sent.length, 1);
  assertEquals(provider.sent[0].to, "+971501234567");
  assertEquals(provider.sent[0].purpose, "confirmation");
  assertEquals(provider.sent[0].body, "Your Hyperlocal code is 482913. It expires in 10 minutes. Never share it.");
  assert(logs.length === 1 && !logs.join("\n").includes("482913"), "logged once, without the code");
  assert(logs[0].includes(maskPhone("+971501234567")) && !logs[0].includes("971501234567"), "the number is masked");
});

Deno.test("signatures: rotated secrets, tampered body, wrong secret, stale or future timestamp, missing headers", async () => {
  const body = JSON.stringify(eventFor());
  // Either secret of a rotation verifies.
  const rotating = setup({ secrets: [SECRET, OLD_SECRET] });
  assertEquals((await call(rotating.handler, body, signed(body, OLD_SECRET))).status, 200);

  const denied = { status: 401, body: { error: { http_code: 401, message: "HL684: The webhook signature is missing, invalid or too old." } } };
  const { handler, provider, counted } = setup();
  const tampered = body.replace("482913", "000000");
  assertEquals(await call(handler, tampered, signed(body)), denied, "tampered body");
  assertEquals(await call(handler, body, signed(body, OTHER)), denied, "wrong secret");
  const stale = new Date(Date.now() - 6 * 60_000);
  assertEquals(await call(handler, body, signed(body, SECRET, stale)), denied, "timestamp 6 minutes old");
  const future = new Date(Date.now() + 6 * 60_000);
  assertEquals(await call(handler, body, signed(body, SECRET, future)), denied, "timestamp 6 minutes ahead");
  const headers = signed(body);
  headers.delete("webhook-signature");
  assertEquals(await call(handler, body, headers), denied, "no signature");
  // A signature taken from one call does not cover another body.
  const other = JSON.stringify(eventFor({ sms: { otp: "111111", phone: "971509999999" } }));
  assertEquals(await call(handler, other, signed(body)), denied, "replayed signature on another body");
  assertEquals(provider.sent.length, 0);
  assertEquals(counted.length, 0, "nothing is counted for a refused call");
  // Within the 5-minute tolerance it still verifies.
  assertEquals((await call(handler, body, signed(body, SECRET, new Date(Date.now() - 4 * 60_000)))).status, 200);
});

Deno.test("a replayed call (same webhook-id, body and signature) sends nothing more and answers 200 {}", async () => {
  const { handler, provider, counted, logs } = setup();
  const body = JSON.stringify(eventFor());
  const headers = signed(body);
  assertEquals(await call(handler, body, headers), { status: 200, body: {} });
  assertEquals(await call(handler, body, new Headers(headers)), { status: 200, body: {} });
  assertEquals([provider.sent.length, counted.length], [1, 1]);
  assert(logs.some((l) => l.includes("sms_hook.duplicate")));
  // A replay outside the 5-minute tolerance is refused by the signature check itself.
  const old = signed(body, SECRET, new Date(Date.now() - 10 * 60_000), "msg_old");
  assertEquals((await call(handler, body, old)).status, 401);
});

Deno.test("verifySignature and hookSecrets directly", () => {
  const body = '{"x":1}';
  assertEquals(verifySignature([SECRET], body, signed(body)), true);
  assertEquals(verifySignature([OTHER], body, signed(body)), false);
  assertEquals(verifySignature([SECRET], body, new Headers()), false);
  assertEquals(hookSecrets(`${SECRET} | ${OLD_SECRET}`), [SECRET, OLD_SECRET]);
  let thrown = false;
  try {
    hookSecrets("");
  } catch {
    thrown = true;
  }
  assert(thrown, "no secret configured");
});

Deno.test("the text follows the user's language: profiles.locale, else the sign-up metadata, else English", async () => {
  const ar = setup({ locale: "ar" });
  let body = JSON.stringify(eventFor());
  await call(ar.handler, body, signed(body));
  assert(/[\u0600-\u06FF]/.test(ar.provider.sent[0].body) && ar.provider.sent[0].body.includes("482913"), ar.provider.sent[0].body);

  const meta = setup();
  body = JSON.stringify(eventFor({ user: { id: USER_ID, phone: "", user_metadata: { locale: "ar-AE" } } }));
  await call(meta.handler, body, signed(body));
  assert(/[\u0600-\u06FF]/.test(meta.provider.sent[0].body), "metadata locale");

  const en = setup({ locale: "fr" });
  body = JSON.stringify(eventFor());
  await call(en.handler, body, signed(body));
  assert(en.provider.sent[0].body.startsWith("Your Hyperlocal code is"), "fallback English");
});

Deno.test("a phone change goes to the new number; the number comes without '+' from Auth", async () => {
  const { handler, provider, counted } = setup();
  const body = JSON.stringify(eventFor({
    user: { id: USER_ID, phone: "", email: "a@b.test" },
    sms: { otp: "123456", phone: "971551112223" },
  }));
  assertEquals((await call(handler, body, signed(body))).status, 200);
  assertEquals([provider.sent[0].to, provider.sent[0].purpose], ["+971551112223", "phone_change"]);
  assertEquals(counted, [["+971551112223", "10.1.2.3"]]);
});

Deno.test("without sms.phone (older Auth events): the current number, the pending one only for a phone change", async () => {
  const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
    [{ otp: "123456" }, { phone: "971501234567", new_phone: "971559999999" }, "+971501234567"],
    [{ otp: "123456", sms_type: "phone_change" }, { phone: "971501234567", new_phone: "971559999999" }, "+971559999999"],
    [{ otp: "123456" }, { phone: "", new_phone: "971559999999" }, "+971559999999"],
  ];
  for (const [sms, user, to] of cases) {
    const { handler, provider } = setup();
    const body = JSON.stringify(eventFor({ sms, user: { id: USER_ID, ...user } }));
    assertEquals((await call(handler, body, signed(body))).status, 200);
    assertEquals(provider.sent[0].to, to, JSON.stringify({ sms, user }));
  }
});

Deno.test("limits: HTTP 200 with {error: {http_code: 429}} so Auth answers the client 429 with the message", async () => {
  for (const [code, text] of [["HL680", "Too many codes were sent to this phone number"], [
    "HL681",
    "Too many codes were requested from this network address",
  ]]) {
    const { handler, provider } = setup({ limited: code });
    const body = JSON.stringify(eventFor());
    assertEquals(await call(handler, body, signed(body)), {
      status: 200,
      body: { error: { http_code: 429, message: `${code}: ${text}; try again in 1234 seconds.` } },
    });
    assertEquals(provider.sent.length, 0);
  }
});

Deno.test("provider failures: a number that cannot receive SMS is 400 HL686, anything else 502 HL685", async () => {
  const recipient = setup({ provider: new FakeProvider(new SmsError("recipient", "Twilio 21211: Invalid 'To'", "21211", 400)) });
  let body = JSON.stringify(eventFor());
  assertEquals(await call(recipient.handler, body, signed(body)), {
    status: 200,
    body: { error: { http_code: 400, message: "HL686: This phone number cannot receive SMS." } },
  });
  assert(recipient.logs.some((l) => l.includes('"provider_code":"21211"')) && !recipient.logs.join().includes("482913"));

  const down = setup({ provider: new FakeProvider(new SmsError("unavailable", "Twilio unreachable")) });
  body = JSON.stringify(eventFor());
  assertEquals(await call(down.handler, body, signed(body)), {
    status: 200,
    body: { error: { http_code: 502, message: "HL685: The SMS could not be sent." } },
  });
});

Deno.test("bad events: 400 HL683 (Auth reports a hook error); nothing sent or counted", async () => {
  const { handler, provider, counted } = setup();
  const bad = [
    "{not json",
    JSON.stringify(eventFor({ sms: { otp: "12ab56", phone: "971501234567" } })),
    JSON.stringify(eventFor({ sms: { otp: "123456", phone: "12" }, user: { id: USER_ID, phone: "" } })),
    JSON.stringify(eventFor({ user: { id: "not-a-uuid" } })),
    JSON.stringify({ sms: { otp: "123456" } }),
  ];
  for (const body of bad) {
    const r = await call(handler, body, signed(body));
    assertEquals(r.status, 400, body);
    assert(String(r.body.error.message).startsWith("HL683"), body);
  }
  assertEquals([provider.sent.length, counted.length], [0, 0]);
  const get = await handler(new Request("http://hook.test/", { method: "GET" }));
  assertEquals(get.status, 405);
});

Deno.test("without a configured secret: 500, never a send", async () => {
  const provider = new FakeProvider();
  const handler = createSmsHookHandler({
    secrets: () => hookSecrets(undefined),
    provider: () => provider,
    locale: () => Promise.resolve(undefined),
    allowance: (_p, _i, _m, send) => send(),
    log: () => {},
  });
  const body = JSON.stringify(eventFor());
  assertEquals((await call(handler, body, signed(body))).status, 500);
  assertEquals(provider.sent.length, 0);
});
