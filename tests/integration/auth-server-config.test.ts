/**
 * The Auth server under other supabase/config.toml settings than the project's: separate server
 * instances on the test database, each with a copy of config.toml changed as a project would
 * change it — sign-ups off; email and SMS confirmations on with [auth.sms.test_otp]; a Send SMS
 * hook over HTTP (Standard Webhooks signature, GoTrue's success and error rules, the 5 s timeout);
 * a custom access token hook whose output fails GoTrue's schema check.
 */
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { parse, stringify } from "smol-toml";
import { Webhook } from "standardwebhooks";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANON_KEY, JWT_SECRET, PUBLISHABLE_KEY, ROOT, SECRET_KEY, SERVICE_ROLE_KEY } from "../../scripts/lib/config.ts";
import { createAuthService } from "../../platform/auth/index.ts";
import { inboxFile, readInbox } from "../../platform/auth/inbox.ts";
import { adminSql, stack } from "../support.ts";

const sql = adminSql();
const run = Date.now().toString(36);
let seq = 0;
const email = (label: string) => `${label}.${run}.${++seq}@authcfg.test`;
const phone = () => `+9715${String(Date.now() + ++seq).slice(-8)}`;

/** A raw call (supabase-js reports 5xx answers as retryable network errors without their body). */
async function post(instance: { url: string }, pathAndQuery: string, body: unknown) {
  const res = await fetch(`${instance.url}/auth/v1${pathAndQuery}`, {
    method: "POST",
    headers: { apikey: ANON_KEY, "Content-Type": "application/json", "X-Supabase-Api-Version": "2024-01-01" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

interface Instance {
  url: string;
  dir: string;
  client(): SupabaseClient;
  close(): Promise<void>;
}
const instances: Instance[] = [];
afterAll(async () => {
  await Promise.all(instances.map((i) => i.close()));
  await sql.end();
});

/** An Auth server with the project's config.toml changed by `edit`, on a port of its own. */
async function startAuth(edit: (config: Record<string, any>) => void): Promise<Instance> {
  const dir = mkdtempSync(path.join(tmpdir(), "hl-auth-"));
  const config = parse(readFileSync(path.join(ROOT, "supabase", "config.toml"), "utf8")) as Record<string, any>;
  // The project's Send SMS hook is its edge function, which these bare Auth servers do not serve:
  // they deliver SMS to their own inbox unless a test configures a hook of its own.
  delete config.auth.hook.send_sms;
  edit(config);
  writeFileSync(path.join(dir, "config.toml"), stringify(config));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const service = await createAuthService({ maxConnections: 3 })({
    apiUrl: url,
    dbUrl: stack.dbUrl,
    dbPort: stack.dbPort,
    jwtSecret: JWT_SECRET,
    keys: { anon: ANON_KEY, serviceRole: SERVICE_ROLE_KEY, publishable: PUBLISHABLE_KEY, secret: SECRET_KEY },
    dataDir: dir,
    supabaseDir: dir,
    log: () => {},
  });
  server.on("request", (req, res) => {
    const [p, q = ""] = (req.url ?? "/").split("?");
    void service.handle(req, res, p.slice("/auth/v1".length) || "/", q);
  });
  const instance: Instance = {
    url,
    dir,
    client: () =>
      createClient(url, ANON_KEY, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        realtime: { transport: WebSocket as never },
      }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  instances.push(instance);
  return instance;
}

describe("enable_signup = false", () => {
  let auth: Instance;
  beforeAll(async () => {
    auth = await startAuth((c) => (c.auth.enable_signup = false));
  });

  it("refuses sign-ups and OTP sign-ups of new users with 422 signup_disabled, creating nothing", async () => {
    const address = email("closed");
    const up = await auth.client().auth.signUp({ email: address, password: "no entry 1" });
    expect({ status: up.error?.status, code: up.error?.code }).toEqual({ status: 422, code: "signup_disabled" });
    const number = phone();
    const otp = await auth.client().auth.signInWithOtp({ phone: number });
    expect(otp.error?.code).toBe("signup_disabled");
    const [{ n }] = await sql`select count(*)::int as n from auth.users where email = ${address} or phone = ${number.slice(1)}`;
    expect(n).toBe(0);
    const settings = await (await fetch(`${auth.url}/auth/v1/settings`)).json();
    expect(settings.disable_signup).toBe(true);
  });
});

describe("confirmations on, with a test OTP number", () => {
  let auth: Instance;
  const testNumber = `+1555${String(Date.now()).slice(-7)}`;
  beforeAll(async () => {
    auth = await startAuth((c) => {
      c.auth.email.enable_confirmations = true;
      c.auth.sms.enable_confirmations = true;
      c.auth.sms.test_otp = { [testNumber.slice(1)]: "123456" };
    });
  });

  it("mails a confirmation code, refuses the password until it is verified, then signs in", async () => {
    const address = email("confirm");
    const up = await auth.client().auth.signUp({ email: address, password: "confirm me 1" });
    expect(up.error).toBeNull();
    expect(up.data.session).toBeNull();
    expect(up.data.user?.confirmation_sent_at).toBeTruthy();
    const [mail] = await readInbox(inboxFile(auth.dir), address);
    expect(mail).toMatchObject({ to: address, channel: "email", type: "signup", subject: "Confirm your email address" });
    expect(mail.confirmation_url).toContain(`${auth.url}/auth/v1/verify?token=`);

    const early = await auth.client().auth.signInWithPassword({ email: address, password: "confirm me 1" });
    expect({ status: early.error?.status, code: early.error?.code }).toEqual({ status: 400, code: "email_not_confirmed" });
    const wrong = await auth.client().auth.verifyOtp({ email: address, token: "000000", type: "email" });
    expect(wrong.error?.code).toBe("otp_expired");
    const ok = await auth.client().auth.verifyOtp({ email: address, token: mail.token!, type: "email" });
    expect(ok.error).toBeNull();
    expect(ok.data.user?.email_confirmed_at).toBeTruthy();
    expect((await auth.client().auth.signInWithPassword({ email: address, password: "confirm me 1" })).error).toBeNull();
  });

  it("texts a confirmation code to a new phone; a test number gets its fixed code and no message", async () => {
    const number = phone();
    const c = auth.client();
    expect((await c.auth.signInWithOtp({ phone: number })).error).toBeNull();
    const [sms] = await readInbox(inboxFile(auth.dir), number);
    expect(sms).toMatchObject({ to: number, type: "confirmation", channel: "sms" });
    const verified = await c.auth.verifyOtp({ phone: number, token: sms.token!, type: "sms" });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.phone_confirmed_at).toBeTruthy();

    const t = await auth.client().auth.signInWithOtp({ phone: testNumber });
    expect(t.error).toBeNull();
    expect(await readInbox(inboxFile(auth.dir), testNumber)).toEqual([]);
    const viaTest = await auth.client().auth.verifyOtp({ phone: testNumber, token: "123456", type: "sms" });
    expect(viaTest.error).toBeNull();
    // A confirmed test number signing in again: GoTrue answers with the message id "test-otp".
    await sql`update auth.users set confirmation_sent_at = now() - interval '1 minute' where phone = ${testNumber.slice(1)}`;
    const again = await auth.client().auth.signInWithOtp({ phone: testNumber });
    expect(again.data.messageId).toBe("test-otp");
  });
});

describe("a Send SMS hook over HTTP", () => {
  const secret = `whsec_${Buffer.from(`hyperlocal-test-${run}`.padEnd(32, "x")).toString("base64")}`;
  const received: { headers: http.IncomingHttpHeaders; body: any }[] = [];
  let answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end();
  let hook: http.Server;
  let auth: Instance;

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        try {
          // Throws unless the Standard Webhooks signature, id and timestamp are right.
          new Webhook(secret).verify(raw, req.headers as Record<string, string>);
          received.push({ headers: req.headers, body: JSON.parse(raw) });
          answer(res);
        } catch (err) {
          res.writeHead(401).end(String(err));
        }
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const port = (hook.address() as AddressInfo).port;
    auth = await startAuth((c) => {
      c.auth.hook.send_sms = { enabled: true, uri: `http://127.0.0.1:${port}/sms`, secrets: `v1,${secret}` };
    });
  });
  afterAll(() => {
    hook.closeAllConnections();
    return new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  it("POSTs GoTrue's payload, signed; a 204 sends the code, which then verifies", async () => {
    const number = phone();
    const c = auth.client();
    expect((await c.auth.signInWithOtp({ phone: number })).error).toBeNull();
    const event = received.at(-1)!.body;
    expect(event.metadata).toMatchObject({ name: "send-sms" });
    expect(event.user).toMatchObject({ phone: number.slice(1), aud: "authenticated" });
    expect(event.sms.phone).toBe(number.slice(1));
    expect(event.sms.otp).toMatch(/^\d{6}$/);
    expect(received.at(-1)!.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(await readInbox(inboxFile(auth.dir), number)).toEqual([]); // the hook replaces the local SMS provider
    const verified = await c.auth.verifyOtp({ phone: number, token: event.sms.otp, type: "sms" });
    expect(verified.error).toBeNull();
  });

  it("turns the hook's answers into GoTrue's errors and keeps nothing of the attempt", async () => {
    const number = phone();
    const c = auth.client();
    answer = (res) => res.writeHead(204).end();
    await c.auth.signInWithOtp({ phone: number }); // the user exists now, with a first code
    // (no code → GoTrue answers "unknown" below 500, "unexpected_failure" at 500)
    const attempts: [string, (res: http.ServerResponse) => void, number, string | undefined, RegExp][] = [
      ["error object", (res) => res.writeHead(200, { "Content-Type": "application/json" }).end('{"error":{"http_code":400,"message":"blocked number"}}'), 400, undefined, /^blocked number$/],
      ["500", (res) => res.writeHead(500).end("oops"), 500, "unexpected_failure", /Unexpected status code returned from hook: 500/],
      ["not JSON", (res) => res.writeHead(200, { "Content-Type": "text/plain" }).end("ok"), 400, "hook_payload_invalid_content_type", /Invalid JSON response/],
    ];
    for (const [label, respond, status, code, message] of attempts) {
      answer = respond;
      // Past [auth.sms] max_frequency since the last code: moved back in time rather than waited for.
      await sql`update auth.users set confirmation_sent_at = confirmation_sent_at - interval '1 minute' where phone = ${number.slice(1)}`;
      const [before] = await sql`select confirmation_token, confirmation_sent_at from auth.users where phone = ${number.slice(1)}`;
      const r = await post(auth, "/otp", { phone: number });
      expect({ label, status: r.status }).toEqual({ label, status });
      expect(r.body.code).toBe(code ?? "unknown");
      expect(r.body.message).toMatch(message);
      const [after] = await sql`select confirmation_token, confirmation_sent_at from auth.users where phone = ${number.slice(1)}`;
      expect(after).toEqual(before);
    }
    answer = (res) => res.writeHead(204).end();
  });

  it("gives up after 5 s with 422 hook_timeout", async () => {
    answer = () => {}; // never answers
    const started = Date.now();
    const r = await auth.client().auth.signInWithOtp({ phone: phone() });
    expect({ status: r.error?.status, code: r.error?.code }).toEqual({ status: 422, code: "hook_timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - started).toBeLessThan(8000);
    answer = (res) => res.writeHead(204).end();
  }, 15_000);
});

describe("a custom access token hook whose output fails GoTrue's schema check", () => {
  let auth: Instance;
  beforeAll(async () => {
    await sql.unsafe(`
      create or replace function public.it_claims_too_thin(event jsonb) returns jsonb language sql as $$
        select jsonb_build_object('claims', jsonb_build_object('sub', event ->> 'user_id'))
      $$;
      grant execute on function public.it_claims_too_thin(jsonb) to supabase_auth_admin;`);
    auth = await startAuth((c) => {
      c.auth.hook.custom_access_token = { enabled: true, uri: "pg-functions://postgres/public/it_claims_too_thin" };
    });
  });
  afterAll(() => sql.unsafe("drop function if exists public.it_claims_too_thin(jsonb)"));

  it("refuses to issue the token (500) and rolls the sign-in back", async () => {
    const address = email("thin");
    const up = await post(auth, "/signup", { email: address, password: "thin claims 1" });
    expect(up.status).toBe(500);
    expect(up.body).toMatchObject({ code: "unexpected_failure" });
    expect(up.body.message).toMatch(/output claims do not conform to the expected schema: \n- \(root\): "aud" is required/);
    // The user was created in the sign-up transaction; the session's transaction was rolled back.
    const [row] = await sql`select u.id, (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions from auth.users u where u.email = ${address}`;
    expect(row.sessions).toBe(0);
    const again = await post(auth, "/token?grant_type=password", { email: address, password: "thin claims 1" });
    expect(again.status).toBe(500);
    const [after] = await sql`select count(*)::int as sessions from auth.sessions where user_id = ${row.id}`;
    expect(after.sessions).toBe(0);
  });
});
