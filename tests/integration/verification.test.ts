/**
 * Phone OTP and SMS through the gateway with supabase-js: Auth (the local GoTrue-compatible server,
 * SMS confirmations on) calls the auth-sms-hook edge function over HTTP with a Standard Webhooks
 * signature; the function counts the code in the database and hands the text, in the user's
 * language, to the local SMS provider, whose inbox `npm run inbox` reads. Phone sign-up and
 * sign-in, verifying a phone on an email account (profile_private.phone_verified_at), the limits
 * (3 codes an hour per number and per client address) as the client sees them, wrong codes, the
 * 10-minute validity, a hook call with a forged signature, and the booking start code by SMS.
 *
 * Every client sends its own X-Forwarded-For address (Auth's per-IP limits and the hook's
 * per-address limit then count this test alone).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { Webhook } from "standardwebhooks";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANON_KEY, LOCAL_AUTH_ENV, ROOT } from "../../scripts/lib/config.ts";
import { inboxFile, readInbox } from "../../platform/auth/inbox.ts";
import {
  actor, adminSql, bookInState, createCategory, createProvider, startTimes, stack, type Actor, type Provider,
} from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

const api = stack.apiUrl;
let seq = 0;
const octet = () => Math.floor(Math.random() * 250) + 1;
const freshIp = () => `10.${octet()}.${octet()}.${octet()}`;
/** A number no other test uses (Dubai mobile range 56 + run-unique digits). */
const phone = () => `+97156${String(Date.now() * 10 + ++seq).slice(-7)}`;
const email = (label: string) => `${label}.${Date.now().toString(36)}.${++seq}@verification.test`;
const inbox = () => inboxFile(path.join(stack.home, "platform"));

function client(ip = freshIp()): SupabaseClient {
  return createClient(api, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { headers: { "X-Forwarded-For": ip } },
  });
}

/** `npm run inbox -- <phone>`, as a developer reads it: the newest message first. */
async function inboxCli(number: string): Promise<Array<Record<string, string>>> {
  const { stdout } = await promisify(execFile)(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/inbox.ts", number], {
    cwd: ROOT,
    env: { ...process.env, HL_PROFILE: stack.name },
  });
  return stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Lets Auth send this number another code now (its max_frequency is 5 s between two codes). */
async function pastMaxFrequency(number: string) {
  await sql`
    update auth.users set confirmation_sent_at = confirmation_sent_at - interval '1 minute',
                          phone_change_sent_at = phone_change_sent_at - interval '1 minute'
     where phone = ${number.slice(1)} or phone_change = ${number.slice(1)}`;
}

describe("phone sign-up and sign-in with a code from the Send SMS hook", () => {
  it("texts a 6-digit code through the hook, verifies it into a session and marks the profile's phone verified", async () => {
    const number = phone();
    const c = client();
    const sent = await c.auth.signInWithOtp({ phone: number, options: { data: { full_name: "Hana Hook" } } });
    expect(sent.error).toBeNull();
    expect(sent.data.session).toBeNull();

    const [message] = await inboxCli(number);
    // Written by the function's local SMS provider (provider "local"), not by Auth's own inbox.
    expect(message).toMatchObject({ to: number, channel: "sms", type: "confirmation", provider: "local" });
    expect(message.body).toBe(`Your Hyperlocal code is ${message.token}. It expires in 10 minutes. Never share it.`);
    expect(message.token).toMatch(/^\d{6}$/);

    const [before] = await sql`
      select u.id, u.phone_confirmed_at, pp.phone_verified_at
        from auth.users u left join public.profile_private pp on pp.profile_id = u.id
       where u.phone = ${number.slice(1)}`;
    expect({ confirmed: before.phone_confirmed_at, verified: before.phone_verified_at }).toEqual({ confirmed: null, verified: null });

    const verified = await c.auth.verifyOtp({ phone: number, token: message.token, type: "sms" });
    expect(verified.error).toBeNull();
    expect(verified.data.session?.access_token).toBeTruthy();
    const [after] = await sql`
      select pp.phone, pp.phone_verified_at = u.phone_confirmed_at as mirrored, p.full_name
        from auth.users u join public.profile_private pp on pp.profile_id = u.id join public.profiles p on p.id = u.id
       where u.id = ${before.id}`;
    expect(after).toEqual({ phone: number, mirrored: true, full_name: "Hana Hook" });

    // Signing in again later: a new code, a new session.
    await pastMaxFrequency(number);
    const again = client();
    expect((await again.auth.signInWithOtp({ phone: number })).error).toBeNull();
    const [second] = await readInbox(inbox(), number);
    expect(second.token).not.toBe(message.token);
    const session = await again.auth.verifyOtp({ phone: number, token: second.token!, type: "sms" });
    expect(session.error).toBeNull();
    expect(session.data.user?.id).toBe(before.id);
  });

  it("writes the text in Arabic for a user who signs up in Arabic", async () => {
    const number = phone();
    const c = client();
    expect((await c.auth.signInWithOtp({ phone: number, options: { data: { locale: "ar" } } })).error).toBeNull();
    const [message] = await readInbox(inbox(), number);
    expect(message.body).toMatch(/[\u0600-\u06FF]/);
    expect(message.body).toContain(` ${message.token} `);
    expect((await c.auth.verifyOtp({ phone: number, token: message.token!, type: "sms" })).error).toBeNull();
  });

  it("verifies a phone added to an email account (updateUser) and mirrors it to profile_private.phone_verified_at", async () => {
    const c = client();
    const up = await c.auth.signUp({ email: email("addphone"), password: "verify my phone 1", options: { data: { locale: "ar" } } });
    expect(up.error).toBeNull();
    const userId = up.data.user!.id;
    const number = phone();
    const changed = await c.auth.updateUser({ phone: number });
    expect(changed.error).toBeNull();
    const [sms] = await readInbox(inbox(), number);
    // The profile (committed at sign-up) reads Arabic: the hook found its locale.
    expect(sms).toMatchObject({ to: number, type: "phone_change", provider: "local" });
    expect(sms.body).toMatch(/[\u0600-\u06FF]/);
    const [pending] = await sql`select phone, phone_verified_at from public.profile_private where profile_id = ${userId}`;
    expect(pending).toEqual({ phone: null, phone_verified_at: null });

    const wrong = await c.auth.verifyOtp({ phone: number, token: sms.token === "000000" ? "111111" : "000000", type: "phone_change" });
    expect({ status: wrong.error?.status, code: wrong.error?.code }).toEqual({ status: 403, code: "otp_expired" });
    const ok = await c.auth.verifyOtp({ phone: number, token: sms.token!, type: "phone_change" });
    expect(ok.error).toBeNull();
    const [row] = await sql`
      select pp.phone, pp.phone_verified_at is not null as verified, pp.phone_verified_at = u.phone_confirmed_at as mirrored
        from public.profile_private pp join auth.users u on u.id = pp.profile_id where pp.profile_id = ${userId}`;
    expect(row).toEqual({ phone: number, verified: true, mirrored: true });
  });
});

describe("the OTP rules", () => {
  it("refuses a 4th code to one number within the hour with 429 HL680, sending and changing nothing", async () => {
    const number = phone();
    for (let i = 0; i < 3; i++) {
      if (i > 0) await pastMaxFrequency(number);
      // A new client address each time: only the number's limit is in play.
      expect((await client().auth.signInWithOtp({ phone: number })).error).toBeNull();
    }
    await pastMaxFrequency(number);
    const [before] = await sql`select confirmation_token, confirmation_sent_at from auth.users where phone = ${number.slice(1)}`;
    const refused = await client().auth.signInWithOtp({ phone: number });
    // GoTrue carries no code from a hook's error: the client sees code "unknown" and the message.
    expect({ status: refused.error?.status, code: refused.error?.code }).toEqual({ status: 429, code: "unknown" });
    expect(refused.error?.message).toMatch(/^HL680: Too many codes were sent to this phone number; try again in \d+ seconds\.$/);
    expect(await readInbox(inbox(), number)).toHaveLength(3);
    // Auth's transaction rolled back with the hook's error: the last code still stands.
    const [after] = await sql`select confirmation_token, confirmation_sent_at from auth.users where phone = ${number.slice(1)}`;
    expect(after).toEqual(before);
    const [{ hits }] = await sql`select count(*)::int as hits from private.rate_limit_hits where key = ${`sms_otp_phone:${number}`}`;
    expect(hits).toBe(3);
  });

  it("refuses a 4th code requested from one client address within the hour with 429 HL681", async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await client(ip).auth.signInWithOtp({ phone: phone() })).error).toBeNull();
    const number = phone();
    const refused = await client(ip).auth.signInWithOtp({ phone: number });
    expect(refused.error?.status).toBe(429);
    expect(refused.error?.message).toMatch(/^HL681: /);
    expect(await readInbox(inbox(), number)).toEqual([]);
    // The refused request counted nothing for that number: another address may still get it a code.
    expect((await client().auth.signInWithOtp({ phone: number })).error).toBeNull();
    expect(await readInbox(inbox(), number)).toHaveLength(1);
  });

  it("refuses wrong codes (403) and limits the attempts: the per-IP verification limit, then 429", async () => {
    const number = phone();
    expect((await client().auth.signInWithOtp({ phone: number })).error).toBeNull();
    const [sms] = await readInbox(inbox(), number);
    const guesser = client();
    const wrong = (i: number) => String((Number(sms.token) + 1 + i) % 1_000_000).padStart(6, "0");
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await guesser.auth.verifyOtp({ phone: number, token: wrong(i), type: "sms" })).error?.status ?? 200);
    // [auth.rate_limit] token_verifications: 30 per 5 minutes per address (a burst of 30).
    expect(statuses.slice(0, 30).every((s) => s === 403)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Even the right code is refused to that address now.
    const blocked = await guesser.auth.verifyOtp({ phone: number, token: sms.token!, type: "sms" });
    expect({ status: blocked.error?.status, code: blocked.error?.code }).toEqual({ status: 429, code: "over_request_rate_limit" });
    const [row] = await sql`select phone_confirmed_at from auth.users where phone = ${number.slice(1)}`;
    expect(row.phone_confirmed_at).toBeNull();
    // The owner of the number, elsewhere, still signs in with it.
    expect((await client().auth.verifyOtp({ phone: number, token: sms.token!, type: "sms" })).error).toBeNull();
  });

  it("keeps a code valid for 10 minutes (Auth's SMS OTP expiry), not longer", async () => {
    const late = phone();
    expect((await client().auth.signInWithOtp({ phone: late })).error).toBeNull();
    const [old] = await readInbox(inbox(), late);
    await sql`update auth.users set confirmation_sent_at = now() - interval '10 minutes 5 seconds' where phone = ${late.slice(1)}`;
    const expired = await client().auth.verifyOtp({ phone: late, token: old.token!, type: "sms" });
    expect({ status: expired.error?.status, code: expired.error?.code }).toEqual({ status: 403, code: "otp_expired" });

    const inTime = phone();
    expect((await client().auth.signInWithOtp({ phone: inTime })).error).toBeNull();
    const [fresh] = await readInbox(inbox(), inTime);
    await sql`update auth.users set confirmation_sent_at = now() - interval '9 minutes 30 seconds' where phone = ${inTime.slice(1)}`;
    expect((await client().auth.verifyOtp({ phone: inTime, token: fresh.token!, type: "sms" })).error).toBeNull();
  });

  it("the hook refuses calls without Auth's signature (401 HL684) and never sends", async () => {
    const number = phone();
    const body = JSON.stringify({
      metadata: { name: "send-sms", ip_address: "10.0.0.1" },
      user: { id: "3b0b7a9e-6d1f-4c2a-9a55-2f9d8e7c6b5a", phone: number.slice(1) },
      sms: { otp: "123456", phone: number.slice(1) },
    });
    const forged = await fetch(`${api}/functions/v1/auth-sms-hook`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl",
      },
      body,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: { http_code: 401, message: "HL684: The webhook signature is missing, invalid or too old." } });
    expect(await readInbox(inbox(), number)).toEqual([]);
  });
});

describe("the hook called directly", () => {
  it("sends a signed call once: the same call replayed (or retried by Auth) sends and counts nothing more", async () => {
    const number = phone();
    const body = JSON.stringify({
      metadata: { uuid: crypto.randomUUID(), time: new Date().toISOString(), name: "send-sms", ip_address: freshIp() },
      user: { id: "3b0b7a9e-6d1f-4c2a-9a55-2f9d8e7c6b5a", phone: number.slice(1) },
      sms: { otp: "246810", phone: number.slice(1) },
    });
    const id = `msg_${crypto.randomUUID()}`;
    const at = new Date();
    const headers = {
      "Content-Type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(LOCAL_AUTH_ENV.SEND_SMS_HOOK_SECRET.slice(3)).sign(id, at, body),
    };
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${api}/functions/v1/auth-sms-hook`, { method: "POST", headers, body });
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: {} });
    }
    const sent = await readInbox(inbox(), number);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ token: "246810", provider: "local" });
    const [{ hits }] = await sql`select count(*)::int as hits from private.rate_limit_hits where key = ${`sms_otp_phone:${number}`}`;
    expect(hits).toBe(1);
  });
});

describe("the booking start code by SMS", () => {
  let customer: Actor;
  let provider: Provider;
  let bookingId: string;
  const customerPhone = phone();

  beforeAll(async () => {
    // A customer signed in with a session of their own (updateUser needs one).
    const c = client();
    const up = await c.auth.signUp({ email: email("sms-customer"), password: "start code by sms 1" });
    if (up.error) throw up.error;
    customer = { id: up.data.user!.id, email: up.data.user!.email!, client: c as unknown as Actor["client"] };
    const owner = await actor("sms-provider");
    const categoryId = await createCategory(sql, "it-sms", { en: "Plumbing", ar: "سباكة" });
    provider = await createProvider(sql, "Pipe Pro", {
      user: owner,
      at: { lat: 25.2, lng: 55.27 },
      hours: { opens: "06:00", closes: "22:00" },
      profile: { timezone: "Asia/Dubai" },
      listings: [{ category_id: categoryId, title: "Fix a leak", pricing_unit: "fixed", base_price: 15000, currency: "AED", duration_minutes: 60, booking_mode: "request" }],
    });
    const start = startTimes({ daysAhead: 4, utcHours: [4, 16] })();
    bookingId = (await bookInState({ customer, provider, listing: provider.listings[0], start, place: { lat: 25.21, lng: 55.28 } }, "accepted")).id;
  });

  const send = (who: Actor, body: unknown) => who.client.functions.invoke("sms", { body: body as Record<string, unknown> });

  async function errorOf(res: { error: unknown }) {
    const ctx = (res.error as { context?: Response } | null)?.context;
    return ctx ? { status: ctx.status, body: await ctx.json(), retryAfter: ctx.headers.get("retry-after") } : null;
  }

  it("is refused until the customer has a verified phone (409 HL682)", async () => {
    expect(await errorOf(await send(customer, { action: "booking_start_code", booking_id: bookingId }))).toMatchObject({
      status: 409,
      body: { code: "HL682" },
    });
  });

  it("texts the code to the customer's verified phone, 3 times an hour at most (then 429 HL006 with Retry-After)", async () => {
    // The customer verifies a phone through Auth (updateUser + the code from the inbox).
    expect((await customer.client.auth.updateUser({ phone: customerPhone })).error).toBeNull();
    const [verification] = await readInbox(inbox(), customerPhone);
    expect((await customer.client.auth.verifyOtp({ phone: customerPhone, token: verification.token!, type: "phone_change" })).error).toBeNull();

    const res = await send(customer, { action: "booking_start_code", booking_id: bookingId });
    expect(res.error).toBeNull();
    expect(res.data).toMatchObject({ sent: true, provider: "local", to: `${customerPhone.slice(0, 5)}*****${customerPhone.slice(-3)}` });
    const code = (await customer.client.rpc("get_booking_start_code", { p_booking_id: bookingId }).single()).data as { code: string };
    const [sms] = await inboxCli(customerPhone);
    expect(sms).toMatchObject({ to: customerPhone, type: "start_code", token: code.code, provider: "local" });
    expect(sms.body).toBe(`Your Hyperlocal start code is ${code.code}. Give it to your provider when the job starts.`);

    expect((await send(customer, { action: "booking_start_code", booking_id: bookingId })).error).toBeNull();
    expect((await send(customer, { action: "booking_start_code", booking_id: bookingId })).error).toBeNull();
    const limited = await errorOf(await send(customer, { action: "booking_start_code", booking_id: bookingId }));
    expect(limited).toMatchObject({ status: 429, body: { code: "HL006" } });
    expect(Number(limited!.retryAfter)).toBeGreaterThan(0);
    expect((await readInbox(inbox(), customerPhone)).filter((m) => m.type === "start_code")).toHaveLength(3);
  });

  it("is the customer's alone; bad input is 400 with field errors", async () => {
    const asProvider = await errorOf(await send(provider, { action: "booking_start_code", booking_id: bookingId }));
    expect(asProvider).toMatchObject({ status: 403, body: { code: "HL403" } });
    const stranger = await actor("sms-stranger");
    expect(await errorOf(await send(stranger, { action: "booking_start_code", booking_id: bookingId }))).toMatchObject({
      status: 404,
      body: { code: "HL400" },
    });
    const bad = await errorOf(await send(customer, { action: "booking_start_code", booking_id: "not-a-uuid" }));
    expect(bad).toMatchObject({ status: 400, body: { code: "invalid_request" } });
    expect(bad!.body.details[0].path).toEqual(["booking_id"]);
    const anon = await fetch(`${api}/functions/v1/sms`, {
      method: "POST",
      headers: { apikey: ANON_KEY, Authorization: `Bearer ${ANON_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ action: "booking_start_code", booking_id: bookingId }),
    });
    expect(anon.status).toBe(401);
    expect((await anon.json()).code).toBe("HL001");
  });
});

describe("the local Auth server's hook address and SMS code settings", () => {
  it("maps the Docker address of the API in config.toml to the gateway, and reads GoTrue's SMS OTP settings", async () => {
    const { localHookUrl, loadAuthConfig } = await import("../../platform/auth/config.ts");
    const local = { apiUrl: "http://127.0.0.1:26361", apiPort: 54321 };
    expect(localHookUrl("http://host.docker.internal:54321/functions/v1/auth-sms-hook", local)).toBe("http://127.0.0.1:26361/functions/v1/auth-sms-hook");
    expect(localHookUrl("http://kong:8000/functions/v1/auth-sms-hook?x=1", local)).toBe("http://127.0.0.1:26361/functions/v1/auth-sms-hook?x=1");
    expect(localHookUrl("http://host.docker.internal:9999/hook", local)).toBe("http://host.docker.internal:9999/hook");
    expect(localHookUrl("https://abc.supabase.co/functions/v1/auth-sms-hook", local)).toBe("https://abc.supabase.co/functions/v1/auth-sms-hook");

    const cfg = loadAuthConfig({ apiUrl: api, jwtSecret: "x".repeat(40), supabaseDir: path.join(ROOT, "supabase") });
    expect({ length: cfg.sms.otpLength, exp: cfg.sms.otpExp, autoconfirm: cfg.sms.autoconfirm }).toEqual({ length: 6, exp: 600, autoconfirm: false });
    expect(cfg.hooks.sendSms).toMatchObject({ kind: "http", url: `${api}/functions/v1/auth-sms-hook` });
    const saved = process.env.GOTRUE_SMS_OTP_EXP;
    try {
      process.env.GOTRUE_SMS_OTP_EXP = "0";
      expect(() => loadAuthConfig({ apiUrl: api, jwtSecret: "x".repeat(40), supabaseDir: path.join(ROOT, "supabase") })).toThrow(/GOTRUE_SMS_OTP_EXP/);
    } finally {
      process.env.GOTRUE_SMS_OTP_EXP = saved;
    }
  });
});
