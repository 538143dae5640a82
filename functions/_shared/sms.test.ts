/**
 * The SMS providers without a network: the request Twilio receives (URL, Basic auth, form body with
 * MessagingServiceSid or From), Twilio's recorded answers (testdata/twilio: a created message and
 * its error bodies) and how each maps to an SmsError kind; the local provider's inbox record; the
 * provider selection by SMS_PROVIDER; the en/ar texts.
 */
import { assert, assertEquals } from "./testing.ts";
import { LocalSmsProvider, SmsError, smsProviderFromEnv, TwilioSmsProvider, twilioError } from "./sms.ts";
import { renderSms, smsLanguage } from "./sms-text.ts";
import created from "./testdata/twilio/message-created.json" with { type: "json" };
import e20003 from "./testdata/twilio/error-20003.json" with { type: "json" };
import e20429 from "./testdata/twilio/error-20429.json" with { type: "json" };
import e21211 from "./testdata/twilio/error-21211.json" with { type: "json" };
import e21606 from "./testdata/twilio/error-21606.json" with { type: "json" };
import e21610 from "./testdata/twilio/error-21610.json" with { type: "json" };

const SID = "AC0123456789abcdef0123456789abcdef";
const MG = "MG0123456789abcdef0123456789abcdef";
const MESSAGE = { to: "+971501234567", body: "Your Hyperlocal code is 123456.", purpose: "confirmation", code: "123456" };

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  form: URLSearchParams;
}

function twilio(status: number, body: unknown, opts: { from?: string; apiKey?: boolean } = {}) {
  const seen: Seen[] = [];
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      form: new URLSearchParams(String(init?.body ?? "")),
    });
    return Promise.resolve(new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json" },
    }));
  }) as typeof fetch;
  const provider = new TwilioSmsProvider({
    accountSid: SID,
    username: opts.apiKey ? "SK0123456789abcdef0123456789abcdef" : undefined,
    password: "token-or-secret",
    messagingServiceSid: opts.from ? undefined : MG,
    from: opts.from,
    fetch: fetchFn,
  });
  return { provider, seen };
}

async function sendError(p: Promise<unknown>): Promise<SmsError> {
  try {
    await p;
  } catch (err) {
    assert(err instanceof SmsError, `expected an SmsError, got ${err}`);
    return err;
  }
  throw new Error("expected the send to fail");
}

Deno.test("twilio: POST Messages.json with Basic auth and a form body through the Messaging Service", async () => {
  const { provider, seen } = twilio(201, created);
  const receipt = await provider.send(MESSAGE);
  assertEquals(receipt, { provider: "twilio", id: created.sid, status: "accepted" });
  assertEquals(seen.length, 1);
  assertEquals(seen[0].method, "POST");
  assertEquals(seen[0].url, `https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages.json`);
  assertEquals(seen[0].headers.get("authorization"), `Basic ${btoa(`${SID}:token-or-secret`)}`);
  assertEquals(seen[0].headers.get("content-type"), "application/x-www-form-urlencoded");
  assertEquals([...seen[0].form.entries()], [["To", "+971501234567"], ["MessagingServiceSid", MG], [
    "Body",
    "Your Hyperlocal code is 123456.",
  ]]);
});

Deno.test("twilio: From instead of a Messaging Service, and API key credentials", async () => {
  const { provider, seen } = twilio(201, created, { from: "+15005550006", apiKey: true });
  await provider.send(MESSAGE);
  assertEquals(seen[0].form.get("From"), "+15005550006");
  assertEquals(seen[0].form.has("MessagingServiceSid"), false);
  assertEquals(seen[0].headers.get("authorization"), `Basic ${btoa("SK0123456789abcdef0123456789abcdef:token-or-secret")}`);
});

Deno.test("twilio: recorded error answers map to kinds, with Twilio's code", async () => {
  const cases: Array<[number, unknown, string, string | undefined, boolean]> = [
    [400, e21211, "recipient", "21211", false],
    [400, e21610, "recipient", "21610", false],
    [401, e20003, "configuration", "20003", false],
    [400, e21606, "configuration", "21606", false],
    [429, e20429, "rate_limited", "20429", true],
    [503, "<html>Service Unavailable</html>", "unavailable", undefined, true],
    [400, { code: 99999, message: "Something new" }, "rejected", "99999", false],
  ];
  for (const [status, body, kind, code, retryable] of cases) {
    const err = await sendError(twilio(status, body).provider.send(MESSAGE));
    assertEquals({ kind: err.kind, code: err.providerCode, status: err.httpStatus, retryable: err.retryable }, {
      kind,
      code,
      status,
      retryable,
    }, `HTTP ${status}`);
    assert(!err.message.includes("123456"), "an error never carries the code");
  }
});

Deno.test("twilio: a message created as failed is an error; network failures are retryable", async () => {
  const failed = { ...created, status: "failed", error_code: 21614, error_message: "'To' number is not a valid mobile number" };
  const err = await sendError(twilio(201, failed).provider.send(MESSAGE));
  assertEquals({ kind: err.kind, code: err.providerCode }, { kind: "recipient", code: "21614" });

  const down = new TwilioSmsProvider({
    accountSid: SID,
    password: "t",
    messagingServiceSid: MG,
    fetch: (() => Promise.reject(new TypeError("connection refused"))) as typeof fetch,
  });
  const net = await sendError(down.send(MESSAGE));
  assertEquals({ kind: net.kind, retryable: net.retryable }, { kind: "unavailable", retryable: true });
});

Deno.test("twilio: configuration is checked up front; bad numbers never reach Twilio", async () => {
  for (const opts of [
    { accountSid: "not-a-sid", password: "t", from: "+15005550006" },
    { accountSid: SID, password: "", from: "+15005550006" },
    { accountSid: SID, password: "t" },
  ]) {
    let thrown: unknown;
    try {
      new TwilioSmsProvider(opts);
    } catch (err) {
      thrown = err;
    }
    assert(thrown instanceof SmsError && thrown.kind === "configuration", JSON.stringify(opts));
  }
  const { provider, seen } = twilio(201, created);
  const err = await sendError(provider.send({ ...MESSAGE, to: "0501234567" }));
  assertEquals(err.kind, "recipient");
  assertEquals(seen.length, 0);
});

Deno.test("twilioError: status fallbacks when the body has no known code", () => {
  assertEquals(twilioError(401, undefined).kind, "configuration");
  assertEquals(twilioError(429, undefined).kind, "rate_limited");
  assertEquals(twilioError(500, undefined).kind, "unavailable");
  assertEquals(twilioError(404, { code: 20404, message: "The requested resource was not found" }).kind, "configuration");
});

Deno.test("local: one inbox line in the Auth server's inbox shape", async () => {
  const lines: Array<[string, string]> = [];
  const at = new Date("2026-12-05T21:14:03.000Z");
  const local = new LocalSmsProvider("/tmp/inbox.jsonl", () => at, (file, text) => {
    lines.push([file, text]);
    return Promise.resolve();
  });
  const receipt = await local.send(MESSAGE);
  assertEquals(receipt.provider, "local");
  assertEquals(lines.length, 1);
  assertEquals(lines[0][0], "/tmp/inbox.jsonl");
  assert(lines[0][1].endsWith("\n") && !lines[0][1].slice(0, -1).includes("\n"), "one line");
  assertEquals(JSON.parse(lines[0][1]), {
    to: "+971501234567",
    sent_at: "2026-12-05T21:14:03.000Z",
    channel: "sms",
    type: "confirmation",
    body: "Your Hyperlocal code is 123456.",
    token: "123456",
    provider: "local",
  });
});

Deno.test("local: without the local stack's inbox it refuses (configuration), a failed write is retryable", async () => {
  const err = await sendError(new LocalSmsProvider(undefined).send(MESSAGE));
  assertEquals(err.kind, "configuration");
  const broken = new LocalSmsProvider("/nope/inbox.jsonl", undefined, () => Promise.reject(new Deno.errors.PermissionDenied("x")));
  assertEquals((await sendError(broken.send(MESSAGE))).kind, "unavailable");
});

Deno.test("smsProviderFromEnv: local by default, twilio with its env, anything else refused", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assertEquals(smsProviderFromEnv(env({})).name, "local");
  assertEquals(smsProviderFromEnv(env({ SMS_PROVIDER: "LOCAL", HL_SMS_INBOX: "/x" })).name, "local");
  const t = smsProviderFromEnv(env({
    SMS_PROVIDER: "twilio",
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: "tok",
    TWILIO_MESSAGING_SERVICE_SID: MG,
  })) as TwilioSmsProvider;
  assertEquals(t.name, "twilio");
  const { url, init } = t.request(MESSAGE);
  assertEquals(url, `https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages.json`);
  assertEquals(new Headers(init.headers).get("authorization"), `Basic ${btoa(`${SID}:tok`)}`);
  const keyed = smsProviderFromEnv(env({
    SMS_PROVIDER: "twilio",
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_API_KEY_SID: "SKabc",
    TWILIO_API_KEY_SECRET: "sec",
    TWILIO_FROM: "Hyperlocal",
  })) as TwilioSmsProvider;
  assertEquals(new Headers(keyed.request(MESSAGE).init.headers).get("authorization"), `Basic ${btoa("SKabc:sec")}`);
  for (const bad of [{ SMS_PROVIDER: "carrier-pigeon" }, { SMS_PROVIDER: "twilio" }]) {
    let thrown: unknown;
    try {
      smsProviderFromEnv(env(bad));
    } catch (err) {
      thrown = err;
    }
    assert(thrown instanceof SmsError && thrown.kind === "configuration", JSON.stringify(bad));
  }
});

Deno.test("texts: English and Arabic, chosen by locale, with the code and the validity", () => {
  assertEquals(renderSms("otp", "en", "123456"), "Your Hyperlocal code is 123456. It expires in 10 minutes. Never share it.");
  const ar = renderSms("otp", "ar-AE", "654321");
  assert(/[\u0600-\u06FF]/.test(ar), "Arabic script");
  assert(ar.includes(" 654321 ") && ar.includes("10"), ar);
  assertEquals(renderSms("start_code", "ar", "004211"), "رمز بدء الخدمة في Hyperlocal: 004211 أعطه لمقدم الخدمة عند بدء العمل.");
  assertEquals(renderSms("start_code", "fr", "004211"),
    "Your Hyperlocal start code is 004211. Give it to your provider when the job starts.");
  assertEquals([smsLanguage("AR"), smsLanguage("ar_EG"), smsLanguage(null), smsLanguage("en-GB")], ["ar", "ar", "en", "en"]);
  // One SMS each: GSM-7 160 characters in English, UCS-2 70 in Arabic.
  assert(renderSms("otp", "en", "123456").length <= 160);
  assert(renderSms("otp", "ar", "123456").length <= 70, `${renderSms("otp", "ar", "123456").length}`);
  assert(renderSms("start_code", "ar", "123456").length <= 70);
  let thrown = false;
  try {
    renderSms("otp", "en", "12ab56");
  } catch {
    thrown = true;
  }
  assert(thrown, "a code is digits only");
});
