/**
 * The local Auth server through the gateway with the real supabase-js (Node 20, ws transport):
 * email/password sign-up and sign-in, the rows GoTrue writes, refresh token rotation and reuse,
 * sign-out scopes, phone sign-in with the OTP read from the inbox, the custom access token hook,
 * the admin API, and misuse (bad tokens, reused refresh tokens, OTP floods, wrong codes, malformed
 * bodies) answered with GoTrue's errors while nothing is written and the server stays up.
 *
 * Every client sends its own X-Forwarded-For address, which the server (like hosted Auth behind
 * its proxy) uses for GoTrue's per-IP limits: each test counts against its own buckets only.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { decodeJwt, SignJWT } from "jose";
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { ANON_KEY, JWT_SECRET, ROOT, SERVICE_ROLE_KEY } from "../../scripts/lib/config.ts";
import { inboxFile, readInbox } from "../../platform/auth/inbox.ts";
import { adminSql, clientFor, stack } from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

const api = stack.apiUrl;
const auth = `${api}/auth/v1`;
const run = Date.now().toString(36);
let seq = 0;
const octet = () => Math.floor(Math.random() * 250) + 1;
/** A client address of its own: GoTrue's per-IP rate limits then count this client alone. */
const freshIp = () => `10.${octet()}.${octet()}.${octet()}`;
const email = (label: string) => `${label}.${run}.${++seq}@auth.test`;
/** A phone number no other test uses (Dubai mobile range + run-unique digits). */
const phone = () => `+9715${String(Date.now() + ++seq).slice(-8)}`;

function client(ip = freshIp(), key = ANON_KEY): SupabaseClient {
  return createClient(api, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { headers: { "X-Forwarded-For": ip } },
  });
}
const service = () => client(freshIp(), SERVICE_ROLE_KEY);

/** Raw calls, to see GoTrue's status codes, headers and bodies as they are. */
async function call(method: string, pathAndQuery: string, init: { body?: string; token?: string; headers?: Record<string, string>; ip?: string } = {}) {
  const res = await fetch(`${auth}${pathAndQuery}`, {
    method,
    body: init.body,
    headers: {
      apikey: ANON_KEY,
      "Content-Type": "application/json",
      "X-Forwarded-For": init.ip ?? freshIp(),
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}
const V2024 = { "X-Supabase-Api-Version": "2024-01-01" };

const inbox = () => inboxFile(path.join(stack.home, "platform"));
const sha224 = async (s: string) => {
  const { createHash } = await import("node:crypto");
  return createHash("sha224").update(s).digest("hex");
};

async function counts(userId: string) {
  const [row] = await sql`
    select (select count(*)::int from auth.sessions where user_id = ${userId}) as sessions,
           (select count(*)::int from auth.refresh_tokens where user_id = ${userId}::text) as refresh_tokens,
           (select count(*)::int from auth.audit_log_entries where payload->>'actor_id' = ${userId}) as audit`;
  return row as { sessions: number; refresh_tokens: number; audit: number };
}

describe("email and password", () => {
  it("signs up (the project's profile trigger fires), signs in and writes the rows GoTrue writes", async () => {
    const c = client();
    const address = email("ada");
    const up = await c.auth.signUp({ email: address, password: "correct horse 1", options: { data: { full_name: "Ada Auth" } } });
    expect(up.error).toBeNull();
    const user = up.data.user!;
    expect(up.data.session?.access_token).toBeTruthy(); // autoconfirm: [auth.email] enable_confirmations = false
    expect(user).toMatchObject({ email: address, aud: "authenticated", role: "authenticated", is_anonymous: false });
    expect(user.user_metadata).toMatchObject({ full_name: "Ada Auth", email: address, email_verified: true, sub: user.id });
    expect(user.app_metadata).toEqual({ provider: "email", providers: ["email"] });
    expect(user.identities?.[0]).toMatchObject({ provider: "email", id: user.id, user_id: user.id });

    const [profile] = await sql`select full_name from public.profiles where id = ${user.id}`;
    expect(profile.full_name).toBe("Ada Auth");
    const [row] = await sql`
      select u.encrypted_password, u.confirmation_token, u.email_confirmed_at is not null as confirmed, u.instance_id::text,
             (select identity_data from auth.identities i where i.user_id = u.id) as identity,
             (select array_agg(payload->>'action' order by created_at) from auth.audit_log_entries a where payload->>'actor_id' = u.id::text) as actions,
             (select array_agg(authentication_method) from auth.mfa_amr_claims m join auth.sessions s on s.id = m.session_id where s.user_id = u.id) as amr
        from auth.users u where u.id = ${user.id}`;
    expect(row.encrypted_password).toMatch(/^\$2a\$10\$/);
    expect(row).toMatchObject({ confirmation_token: "", confirmed: true, instance_id: "00000000-0000-0000-0000-000000000000", amr: ["password"] });
    expect(row.identity).toEqual({ sub: user.id, email: address, email_verified: false, phone_verified: false, full_name: "Ada Auth" });
    expect(row.actions).toEqual(["user_signedup", "login"]);

    const signIn = await client().auth.signInWithPassword({ email: address, password: "correct horse 1" });
    expect(signIn.error).toBeNull();
    const session = signIn.data.session!;
    expect(session).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(session.refresh_token).toMatch(/^[a-z2-7]{12}$/);
    const claims = decodeJwt(session.access_token);
    expect(claims).toMatchObject({
      iss: `${api}/auth/v1`, sub: user.id, aud: "authenticated", role: "authenticated", email: address, phone: "",
      aal: "aal1", is_anonymous: false, user_roles: [],
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect((claims.amr as { method: string }[])[0].method).toBe("password");
    const [s] = await sql`select id, user_agent, ip::text from auth.sessions where id = ${claims.session_id as string}`;
    expect(s.id).toBe(claims.session_id);

    const me = await client().auth.getUser(session.access_token);
    expect(me.data.user?.id).toBe(user.id);
    const rest = await clientFor(session.access_token).from("profiles").select("id, full_name").eq("id", user.id).single();
    expect(rest.data).toEqual({ id: user.id, full_name: "Ada Auth" });
  });

  it("refuses wrong credentials, repeated sign-ups and weak passwords with GoTrue's errors, writing nothing", async () => {
    const address = email("bea");
    const up = await client().auth.signUp({ email: address, password: "sturdy pass 1" });
    const id = up.data.user!.id;
    const before = await counts(id);

    const wrong = await client().auth.signInWithPassword({ email: address, password: "not it" });
    expect({ status: wrong.error?.status, code: wrong.error?.code, message: wrong.error?.message })
      .toEqual({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
    const nobody = await client().auth.signInWithPassword({ email: email("nobody"), password: "whatever 1" });
    expect(nobody.error?.code).toBe("invalid_credentials");
    expect(await counts(id)).toEqual(before);

    const again = await client().auth.signUp({ email: address, password: "another pass 1" });
    expect({ status: again.error?.status, code: again.error?.code }).toEqual({ status: 422, code: "user_already_exists" });

    const weak = await client().auth.signUp({ email: email("weak"), password: "123" });
    expect({ status: weak.error?.status, code: weak.error?.code }).toEqual({ status: 422, code: "weak_password" });
    expect((weak.error as { reasons?: string[] }).reasons).toEqual(["length"]);
    const [{ n }] = await sql`select count(*)::int as n from auth.users where email like ${`weak.${run}.%`}`;
    expect(n).toBe(0);
  });

  it("updates metadata and the password; the new password signs in, the old one no longer does", async () => {
    const address = email("cy");
    const c = client();
    await c.auth.signUp({ email: address, password: "first pass 1" });
    const other = client();
    await other.auth.signInWithPassword({ email: address, password: "first pass 1" });
    const updated = await c.auth.updateUser({ data: { full_name: "Cy Updated", nickname: null }, password: "second pass 2" });
    expect(updated.error).toBeNull();
    expect(updated.data.user?.user_metadata.full_name).toBe("Cy Updated");
    // GoTrue signs the user's other sessions out when the password changes.
    const stale = await other.auth.getUser();
    expect(stale.error?.name).toBe("AuthSessionMissingError");
    expect((await client().auth.signInWithPassword({ email: address, password: "first pass 1" })).error?.code).toBe("invalid_credentials");
    expect((await client().auth.signInWithPassword({ email: address, password: "second pass 2" })).error).toBeNull();
    const same = await c.auth.updateUser({ password: "second pass 2" });
    expect({ status: same.error?.status, code: same.error?.code }).toEqual({ status: 422, code: "same_password" });
    // app_metadata is for admins only (GoTrue's isAdmin: role "admin" in the audience).
    const token = (await c.auth.getSession()).data.session!.access_token;
    const appMeta = await call("PUT", "/user", { token, body: JSON.stringify({ app_metadata: { roles: ["admin"] } }), headers: V2024 });
    expect({ status: appMeta.status, code: appMeta.body.code }).toEqual({ status: 403, code: "not_admin" });
    const [row] = await sql`select raw_app_meta_data, raw_user_meta_data ? 'nickname' as has_nickname from auth.users where email = ${address}`;
    expect(row).toEqual({ raw_app_meta_data: { provider: "email", providers: ["email"] }, has_nickname: false });
  });
});

describe("refresh tokens", () => {
  it("rotate on refresh, hand back the child of a just-used token, and revoke the session's tokens on reuse", async () => {
    const address = email("dee");
    const c = client();
    const { data } = await c.auth.signUp({ email: address, password: "refresh me 1" });
    const r1 = data.session!.refresh_token;
    const sessionId = decodeJwt(data.session!.access_token).session_id as string;

    const first = await client().auth.refreshSession({ refresh_token: r1 });
    expect(first.error).toBeNull();
    const r2 = first.data.session!.refresh_token;
    expect(r2).not.toBe(r1);
    expect(decodeJwt(first.data.session!.access_token)).toMatchObject({ session_id: sessionId, user_roles: [] });
    const rows = await sql`select token, parent, revoked from auth.refresh_tokens where session_id = ${sessionId} order by id`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { token: r1, parent: null, revoked: true },
      { token: r2, parent: r1, revoked: false },
    ]);

    // A client that retries with the token it just used gets the same child back (GoTrue's rule).
    const retry = await client().auth.refreshSession({ refresh_token: r1 });
    expect(retry.data.session?.refresh_token).toBe(r2);

    const second = await client().auth.refreshSession({ refresh_token: r2 });
    const r3 = second.data.session!.refresh_token;
    // Past refresh_token_reuse_interval (10 s in config.toml): moved back in time rather than waited for.
    await sql`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = ${r1}`;
    const reuse = await client().auth.refreshSession({ refresh_token: r1 });
    expect({ status: reuse.error?.status, code: reuse.error?.code }).toEqual({ status: 400, code: "refresh_token_already_used" });
    const revoked = await sql`select token, revoked from auth.refresh_tokens where session_id = ${sessionId} order by id`;
    expect(revoked.every((r) => r.revoked)).toBe(true);
    expect(revoked.map((r) => r.token)).toEqual([r1, r2, r3]);

    const unknown = await client().auth.refreshSession({ refresh_token: "aaaaaaaaaaaa" });
    expect(unknown.error?.code).toBe("refresh_token_not_found");
  });
});

describe("sign-out", () => {
  it("ends the other sessions, the current one, or all of them", async () => {
    const address = email("eve");
    const a = client();
    await a.auth.signUp({ email: address, password: "scopes are fun 1" });
    const b = client();
    const c = client();
    await b.auth.signInWithPassword({ email: address, password: "scopes are fun 1" });
    await c.auth.signInWithPassword({ email: address, password: "scopes are fun 1" });
    const userId = (await a.auth.getUser()).data.user!.id;
    expect((await counts(userId)).sessions).toBe(3);

    expect((await a.auth.signOut({ scope: "others" })).error).toBeNull();
    expect((await counts(userId)).sessions).toBe(1);
    expect((await b.auth.getUser()).error?.name).toBe("AuthSessionMissingError");

    const tokenA = (await a.auth.getSession()).data.session!.access_token;
    expect((await a.auth.signOut({ scope: "local" })).error).toBeNull();
    expect((await counts(userId)).sessions).toBe(0);
    const gone = await call("GET", "/user", { token: tokenA, headers: V2024 });
    expect({ status: gone.status, code: gone.body.code }).toEqual({ status: 403, code: "session_not_found" });

    const d = client();
    const e = client();
    await d.auth.signInWithPassword({ email: address, password: "scopes are fun 1" });
    await e.auth.signInWithPassword({ email: address, password: "scopes are fun 1" });
    expect((await d.auth.signOut()).error).toBeNull(); // global
    expect((await counts(userId)).sessions).toBe(0);
    const [logouts] = await sql`select count(*)::int as n from auth.audit_log_entries where payload->>'actor_id' = ${userId} and payload->>'action' = 'logout'`;
    expect(logouts.n).toBe(3);
  });
});

describe("phone sign-in with a one-time code", () => {
  it("sends the code to the inbox (through the Send SMS hook), stores only its hash, and verifies it into a session", async () => {
    const number = phone();
    const digits = number.slice(1);
    const c = client();
    const sent = await c.auth.signInWithOtp({ phone: number, options: { data: { full_name: "Fay Phone" } } });
    expect(sent.error).toBeNull();

    // `npm run inbox -- <phone>`, as a developer reads it.
    const { stdout } = await promisify(execFile)(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/inbox.ts", number], {
      cwd: ROOT,
      env: { ...process.env, HL_PROFILE: stack.name },
    });
    const message = JSON.parse(stdout.split("\n")[0]) as { to: string; body: string; sent_at: string; channel: string };
    expect(message).toMatchObject({ to: number, channel: "sms" });
    const code = /code is (\d{6})/.exec(message.body)![1];
    expect((await readInbox(inbox(), number))[0].body).toBe(message.body);

    const [row] = await sql`
      select u.id, u.confirmation_token, u.phone_confirmed_at is not null as confirmed,
             (select jsonb_agg(jsonb_build_object('type', t.token_type, 'hash', t.token_hash, 'relates_to', t.relates_to))
                from auth.one_time_tokens t where t.user_id = u.id) as tokens
        from auth.users u where u.phone = ${digits}`;
    const hash = await sha224(digits + code);
    // [auth.sms] enable_confirmations = true: the number is confirmed by the code, not before.
    expect(row).toMatchObject({ confirmation_token: hash, confirmed: false, tokens: [{ type: "confirmation_token", hash, relates_to: digits }] });

    const verified = await c.auth.verifyOtp({ phone: number, token: code, type: "sms" });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.phone).toBe(digits);
    const claims = decodeJwt(verified.data.session!.access_token);
    expect(claims).toMatchObject({ phone: digits, email: "", sub: row.id });
    expect((claims.amr as { method: string }[]).map((a) => a.method)).toContain("otp");
    const [after] = await sql`
      select confirmation_token, (select count(*)::int from auth.one_time_tokens where user_id = ${row.id}) as tokens,
             (select full_name from public.profiles where id = ${row.id}) as full_name
        from auth.users where id = ${row.id}`;
    expect(after).toEqual({ confirmation_token: "", tokens: 0, full_name: "Fay Phone" });

    // The code is spent: using it again fails.
    const reuse = await client().auth.verifyOtp({ phone: number, token: code, type: "sms" });
    expect({ status: reuse.error?.status, code: reuse.error?.code }).toEqual({ status: 403, code: "otp_expired" });
  });

  it("mirrors a phone that Auth confirms on an email user's account to the profile", async () => {
    // [auth.sms] enable_confirmations = true: updateUser({phone}) texts a code (phone_change);
    // once Auth confirms the number with it, the database copies the number and time to
    // profile_private.
    const number = phone();
    const c = client();
    const up = await c.auth.signUp({ email: email("phoneadd"), password: "correct horse 2" });
    expect(up.error).toBeNull();
    const userId = up.data.user!.id;
    const [before] = await sql`select phone, phone_verified_at from public.profile_private where profile_id = ${userId}`;
    expect(before).toEqual({ phone: null, phone_verified_at: null });

    const changed = await c.auth.updateUser({ phone: number });
    expect(changed.error).toBeNull();
    const [pending] = await sql`select phone, phone_verified_at from public.profile_private where profile_id = ${userId}`;
    expect(pending).toEqual({ phone: null, phone_verified_at: null });
    const [sms] = await readInbox(inbox(), number);
    expect(sms).toMatchObject({ to: number, type: "phone_change" });
    expect((await c.auth.verifyOtp({ phone: number, token: sms.token!, type: "phone_change" })).error).toBeNull();
    const [after] = await sql`
      select pp.phone, u.phone_confirmed_at is not null as confirmed, pp.phone_verified_at = u.phone_confirmed_at as mirrored
        from public.profile_private pp join auth.users u on u.id = pp.profile_id
       where pp.profile_id = ${userId}`;
    expect(after).toEqual({ phone: number, confirmed: true, mirrored: true });
  });

  it("answers a second request within max_frequency with 429 and wrong codes with 403, then the per-IP limit", async () => {
    const number = phone();
    const ip = freshIp();
    const c = client(ip);
    expect((await c.auth.signInWithOtp({ phone: number })).error).toBeNull();
    const flood = await c.auth.signInWithOtp({ phone: number });
    expect({ status: flood.error?.status, code: flood.error?.code }).toEqual({ status: 429, code: "over_sms_send_rate_limit" });
    expect(flood.error?.message).toMatch(/^For security purposes, you can only request this after \d+ seconds\.$/);
    expect(await readInbox(inbox(), number)).toHaveLength(1);

    const [before] = await sql`select id, confirmation_token from auth.users where phone = ${number.slice(1)}`;
    // (Counted from here: nothing below may write.)
    const rowsBefore = await counts(before.id as string);
    const guesser = client(freshIp());
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const r = await guesser.auth.verifyOtp({ phone: number, token: String(100000 + i), type: "sms" });
      statuses.push(r.error?.status ?? 200);
    }
    // 30 in a burst ([auth.rate_limit] token_verifications per 5 minutes per IP), then 429.
    expect(statuses.slice(0, 30).every((s) => s === 403)).toBe(true);
    expect(statuses[30]).toBe(429);
    const limited = await guesser.auth.verifyOtp({ phone: number, token: "000000", type: "sms" });
    expect(limited.error?.code).toBe("over_request_rate_limit");
    const [after] = await sql`select confirmation_token from auth.users where id = ${before.id}`;
    expect(after.confirmation_token).toBe(before.confirmation_token);
    expect(await counts(before.id as string)).toEqual(rowsBefore);
  });
});

describe("the custom access token hook", () => {
  it("puts the operator roles (private.custom_access_token_hook) into issued and refreshed tokens", async () => {
    const address = email("op");
    const created = await service().auth.admin.createUser({ email: address, password: "operator pass 1", email_confirm: true });
    expect(created.error).toBeNull();
    const id = created.data.user!.id;
    await sql`insert into public.user_roles (user_id, role) values (${id}, 'moderator')`;
    const c = client();
    const { data } = await c.auth.signInWithPassword({ email: address, password: "operator pass 1" });
    expect(decodeJwt(data.session!.access_token).user_roles).toEqual(["moderator"]);
    const refreshed = await c.auth.refreshSession();
    expect(decodeJwt(refreshed.data.session!.access_token)).toMatchObject({ user_roles: ["moderator"], sub: id });
  });
});

describe("admin API (service role)", () => {
  it("creates, lists, reads, updates, bans, soft-deletes and deletes users", async () => {
    const admin = service().auth.admin;
    const address = email("adm");
    const created = await admin.createUser({ email: address, password: "admin made 1", email_confirm: true, user_metadata: { full_name: "Ad Min" } });
    expect(created.error).toBeNull();
    const id = created.data.user!.id;
    expect(created.data.user).toMatchObject({ email: address, user_metadata: { full_name: "Ad Min" }, app_metadata: { provider: "email", providers: ["email"] } });

    const page = await admin.listUsers({ page: 1, perPage: 2 });
    expect(page.error).toBeNull();
    expect(page.data.users).toHaveLength(2);
    expect((page.data as { total: number }).total).toBeGreaterThan(2);
    expect((page.data as { nextPage: number | null }).nextPage).toBe(2);

    expect((await admin.getUserById(id)).data.user?.email).toBe(address);
    const banned = await admin.updateUserById(id, { user_metadata: { team: "blue" }, ban_duration: "1h" });
    expect(banned.data.user?.user_metadata).toMatchObject({ full_name: "Ad Min", team: "blue" });
    const refused = await client().auth.signInWithPassword({ email: address, password: "admin made 1" });
    expect({ status: refused.error?.status, code: refused.error?.code }).toEqual({ status: 400, code: "user_banned" });

    expect((await admin.deleteUser(id, true)).error).toBeNull();
    const [soft] = await sql`select deleted_at is not null as deleted, email, encrypted_password, raw_user_meta_data from auth.users where id = ${id}`;
    expect(soft).toMatchObject({ deleted: true, encrypted_password: null, raw_user_meta_data: {} });
    expect(soft.email).not.toContain("@");
    expect((await admin.deleteUser(id, true)).error).toBeNull(); // GoTrue: a second soft delete changes nothing
    expect((await admin.deleteUser(id)).error).toBeNull();
    const [{ n }] = await sql`select count(*)::int as n from auth.users where id = ${id}`;
    expect(n).toBe(0);
    const missing = await admin.getUserById(id);
    expect({ status: missing.error?.status, code: missing.error?.code }).toEqual({ status: 404, code: "user_not_found" });
  });

  it("is refused to users and to the anon key (403 not_admin)", async () => {
    const c = client();
    const { data } = await c.auth.signUp({ email: email("notadmin"), password: "plain user 1" });
    const asUser = await call("GET", "/admin/users", { token: data.session!.access_token, headers: V2024 });
    expect({ status: asUser.status, code: asUser.body.code }).toEqual({ status: 403, code: "not_admin" });
    const asAnon = await call("GET", "/admin/users", { token: ANON_KEY, headers: V2024 });
    expect({ status: asAnon.status, code: asAnon.body.code }).toEqual({ status: 403, code: "not_admin" });
  });
});

describe("misuse", () => {
  it("rejects expired tokens and tokens signed with another secret (403 bad_jwt)", async () => {
    const { data } = await client().auth.signUp({ email: email("tok"), password: "token tests 1" });
    const claims = decodeJwt(data.session!.access_token);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(JWT_SECRET));
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("another-secret-that-is-at-least-32-characters"));
    for (const [token, reason] of [[expired, /token is expired/], [foreign, /signature is invalid/]] as const) {
      const r = await call("GET", "/user", { token, headers: V2024 });
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: "bad_jwt" });
      expect(r.body.message).toMatch(reason);
      expect(r.headers.get("x-sb-error-code")).toBe("bad_jwt");
    }
    const none = await call("GET", "/user", { headers: V2024 });
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 403, code: "bad_jwt" }); // the gateway's anon key has no sub
    const mangled = await call("GET", "/user", { token: "not.a.jwt", headers: V2024 });
    expect(mangled.status).toBe(403);
  });

  it("answers malformed bodies with 400 bad_json, writes nothing and stays up", async () => {
    const [{ n: before }] = await sql`select count(*)::int as n from auth.users`;
    for (const body of ["{not json", "[]", '"text"', '{"email": 5, "password": "x"}', ""]) {
      const r = await call("POST", "/signup", { body, headers: V2024 });
      expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status: 400, code: "bad_json" });
    }
    const huge = await call("POST", "/signup", { body: JSON.stringify({ email: email("big"), password: "x".repeat(2 << 20) }), headers: V2024 });
    expect({ status: huge.status, code: huge.body.code }).toEqual({ status: 413, code: "request_entity_too_large" });
    const grant = await call("POST", "/token?grant_type=magic", { body: "{}", headers: V2024 });
    expect({ status: grant.status, code: grant.body.code, message: grant.body.message })
      .toEqual({ status: 400, code: "invalid_credentials", message: "unsupported_grant_type" });
    const badPhone = await call("POST", "/otp", { body: JSON.stringify({ phone: "12ab" }), headers: V2024 });
    expect({ status: badPhone.status, code: badPhone.body.code }).toEqual({ status: 400, code: "validation_failed" });
    const [{ n: after }] = await sql`select count(*)::int as n from auth.users`;
    expect(after).toBe(before);
    expect((await call("GET", "/health")).status).toBe(200);
  });

  it("speaks both error formats: {code, message} for API version 2024-01-01, {code, error_code, msg} without", async () => {
    const body = JSON.stringify({ email: email("fmt"), password: "wrong" });
    const v2024 = await call("POST", "/token?grant_type=password", { body, headers: V2024 });
    expect(v2024.body).toEqual({ code: "invalid_credentials", message: "Invalid login credentials" });
    expect(v2024.headers.get("x-supabase-api-version")).toBe("2024-01-01");
    const initial = await call("POST", "/token?grant_type=password", { body });
    expect(initial.body).toEqual({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });
    expect(initial.headers.get("x-supabase-api-version")).toBeNull();
    expect(initial.headers.get("x-sb-error-code")).toBe("invalid_credentials");
  });
});

describe("settings and health", () => {
  it("report what config.toml enables", async () => {
    const s = await call("GET", "/settings");
    expect(s.body).toMatchObject({
      external: { email: true, phone: true, anonymous_users: false, google: false },
      disable_signup: false, mailer_autoconfirm: true, phone_autoconfirm: false,
    });
    const h = await call("GET", "/health");
    expect(h.body).toMatchObject({ name: "GoTrue" });
    const oauth = await call("GET", "/authorize?provider=google", { headers: V2024 });
    expect({ status: oauth.status, code: oauth.body.code }).toEqual({ status: 501, code: "not_available_locally" });
  });
});
