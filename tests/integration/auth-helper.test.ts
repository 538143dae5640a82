/** The token helper: users created as GoTrue creates them, tokens with GoTrue's claims and the hook. */
import { afterAll, describe, expect, it } from "vitest";
import { jwtVerify } from "jose";
import { JWT_SECRET } from "../../scripts/lib/config.ts";
import { authAdminSql, createUser, mintAccessToken, parseIdentifier, signIn, validateHookClaims } from "../../scripts/lib/auth.ts";
import { adminSql, stack } from "../support.ts";

const sql = adminSql();
const gotrue = authAdminSql(stack);
afterAll(async () => {
  await sql.unsafe("drop function if exists public.it_hook(jsonb); drop function if exists public.it_hook_refuses(jsonb);");
  await Promise.all([sql.end(), gotrue.end()]);
});

describe("token helper", () => {
  it("parses emails and E.164 phones and rejects anything else", () => {
    expect(parseIdentifier("Ada@Example.com")).toEqual({ email: "ada@example.com" });
    expect(parseIdentifier("+971501234567")).toEqual({ phone: "+971501234567" });
    expect(() => parseIdentifier("not a user")).toThrow(/neither an email/);
  });

  it("creates the user once, as GoTrue does, and mints a token with GoTrue's claims", async () => {
    const email = `claims.${Date.now()}@example.test`;
    const first = await signIn(stack, { email, userMetadata: { full_name: "Ada Lovelace" } });
    const again = await signIn(stack, { email });
    expect(again.user.id).toBe(first.user.id);

    const { payload } = await jwtVerify(first.accessToken, new TextEncoder().encode(JWT_SECRET));
    expect(payload).toMatchObject({ sub: first.user.id, aud: "authenticated", role: "authenticated", email, phone: "", aal: "aal1", is_anonymous: false });
    expect(payload.session_id).toBe(first.sessionId);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect((payload.user_metadata as Record<string, unknown>).full_name).toBe("Ada Lovelace");
    expect(payload.app_metadata).toEqual({ provider: "email", providers: ["email"] });

    const [row] = await sql`select u.email_confirmed_at is not null as confirmed, u.confirmation_token,
      (select count(*)::int from auth.identities i where i.user_id = u.id and i.provider = 'email') as identities,
      (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions
      from auth.users u where u.id = ${first.user.id}`;
    expect(row).toEqual({ confirmed: true, confirmation_token: "", identities: 1, sessions: 2 });
  });

  it("stores phone numbers without '+' like GoTrue", async () => {
    const phone = `+9715${String(Date.now()).slice(-8)}`;
    const s = await signIn(stack, { phone });
    expect(s.user.phone).toBe(phone.slice(1));
    expect(s.claims.phone).toBe(phone.slice(1));
  });

  it("passes the claims through a custom access token hook as GoTrue calls it", async () => {
    await sql.unsafe(`
      create function public.it_hook(event jsonb) returns jsonb language plpgsql as $$
      begin
        return jsonb_build_object('claims', (event -> 'claims') || jsonb_build_object(
          'user_role', 'tester', 'seen_method', event ->> 'authentication_method', 'seen_user', event ->> 'user_id'));
      end $$;
      create function public.it_hook_refuses(event jsonb) returns jsonb language sql as $$
        select jsonb_build_object('error', jsonb_build_object('http_code', 403, 'message', 'banned'))
      $$;
      grant execute on function public.it_hook(jsonb), public.it_hook_refuses(jsonb) to supabase_auth_admin;
    `);
    const { user } = await createUser(gotrue, { email: `hook.${Date.now()}@example.test` });
    const s = await mintAccessToken(gotrue, user.id, { hook: { schema: "public", fn: "it_hook" }, authenticationMethod: "otp" });
    expect(s.claims).toMatchObject({ user_role: "tester", seen_method: "otp", seen_user: user.id, sub: user.id });
    await expect(mintAccessToken(gotrue, user.id, { hook: { schema: "public", fn: "it_hook_refuses" } })).rejects.toThrow(/banned/);
  });

  it("validates hook output the way GoTrue does", () => {
    const ok = { aud: "authenticated", exp: 2, iat: 1, sub: "s", email: "", phone: "", role: "authenticated", aal: "aal1", session_id: "x", is_anonymous: false };
    expect(() => validateHookClaims(ok)).not.toThrow();
    expect(() => validateHookClaims(undefined)).toThrow(/claims/);
    const { role: _role, ...missingRole } = ok;
    expect(() => validateHookClaims(missingRole)).toThrow(/"role"/);
    expect(() => validateHookClaims({ ...ok, exp: "soon" })).toThrow(/integers/);
    expect(() => validateHookClaims({ ...ok, app_metadata: [] })).toThrow(/object/);
  });
});
