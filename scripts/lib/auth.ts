/**
 * Users and access tokens without GoTrue (a development tool, not an auth server).
 *
 * createUser() writes auth.users + auth.identities the way GoTrue does, connected as GoTrue's own
 * role (supabase_auth_admin), so the project's triggers on auth.users fire as they would on a
 * real sign-up. mintAccessToken() opens an auth.sessions row and signs an HS256 access token with
 * GoTrue's claims, passing them through the project's custom access token hook when
 * `[auth.hook.custom_access_token]` is enabled in supabase/config.toml, as GoTrue calls it.
 */
import type postgres from "postgres";
import { SignJWT } from "jose";
import { JWT_SECRET, type Profile } from "./config.ts";
import { connect } from "./db.ts";
import { readSupabaseConfig, type SupabaseConfig } from "./supabase-config.ts";

export interface NewUser {
  email?: string;
  /** E.164, with or without '+'. GoTrue stores it without the '+'. */
  phone?: string;
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
  isAnonymous?: boolean;
}

export interface AuthUser {
  id: string;
  email: string | null;
  phone: string | null;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  is_anonymous: boolean;
}

export interface Session {
  user: AuthUser;
  accessToken: string;
  sessionId: string;
  expiresAt: number;
  claims: Record<string, unknown>;
}

type Sql = postgres.Sql<Record<string, unknown>>;

/** A connection as supabase_auth_admin, the role GoTrue logs in as. */
export function authAdminSql(p: Profile): Sql {
  return connect(p, "supabase_auth_admin", { max: 2, connection: { application_name: "hyperlocal-auth-helper" } });
}

/** Accepts an email address or an E.164 phone number. */
export function parseIdentifier(identifier: string): NewUser {
  const value = identifier.trim();
  if (/^\+?[1-9]\d{6,14}$/.test(value)) return { phone: value };
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) return { email: value.toLowerCase() };
  throw new Error(`"${identifier}" is neither an email address nor an E.164 phone number (e.g. +971501234567)`);
}

function rowToUser(row: Record<string, unknown>): AuthUser {
  return {
    id: row.id as string,
    email: (row.email as string | null) ?? null,
    phone: (row.phone as string | null) ?? null,
    app_metadata: (row.raw_app_meta_data as Record<string, unknown>) ?? {},
    user_metadata: (row.raw_user_meta_data as Record<string, unknown>) ?? {},
    is_anonymous: Boolean(row.is_anonymous),
  };
}

/** Finds the user by email/phone, or creates it as GoTrue's sign-up does (auto-confirmed). */
export async function createUser(sql: Sql, input: NewUser): Promise<{ user: AuthUser; created: boolean }> {
  const email = input.email?.toLowerCase() ?? null;
  const phone = input.phone ? input.phone.replace(/^\+/, "") : null;
  if (!email && !phone && !input.isAnonymous) throw new Error("createUser needs an email, a phone or isAnonymous");

  const existing = await sql`
    select * from auth.users
     where (${email}::text is not null and email = ${email}) or (${phone}::text is not null and phone = ${phone})
     limit 1`;
  if (existing.length) return { user: rowToUser(existing[0]), created: false };

  const provider = input.isAnonymous ? null : email ? "email" : "phone";
  const appMeta = {
    ...(provider ? { provider, providers: [provider] } : {}),
    ...(input.appMetadata ?? {}),
  };
  return sql.begin(async (tx) => {
    const [{ id }] = await tx`select gen_random_uuid() as id`;
    const userMeta = {
      ...(input.userMetadata ?? {}),
      sub: id,
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      email_verified: Boolean(email),
      phone_verified: Boolean(phone),
    };
    const [row] = await tx`
      insert into auth.users (
        instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
        phone, phone_confirmed_at, raw_app_meta_data, raw_user_meta_data,
        created_at, updated_at, confirmation_token, recovery_token, email_change_token_new,
        email_change, email_change_token_current, phone_change, phone_change_token,
        reauthentication_token, is_sso_user, is_anonymous)
      values (
        '00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email},
        -- No password: tokens are minted directly (GoTrue stores '' for passwordless users).
        '',
        case when ${email}::text is not null then now() end,
        ${phone}, case when ${phone}::text is not null then now() end,
        ${sql.json(appMeta as postgres.JSONValue)}, ${sql.json(userMeta as postgres.JSONValue)},
        now(), now(), '', '', '', '', '', '', '', '', false, ${Boolean(input.isAnonymous)})
      returning *`;
    if (provider) {
      const identityData = {
        sub: id,
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
        email_verified: Boolean(email),
        phone_verified: Boolean(phone),
      };
      await tx`
        insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
        values (${id}, ${id}, ${sql.json(identityData)}, ${provider}, now(), now(), now())`;
    }
    return { user: rowToUser(row), created: true };
  });
}

interface HookConfig {
  schema: string;
  fn: string;
}

/** `[auth.hook.custom_access_token]` of supabase/config.toml, when enabled with a pg-functions URI. */
export function customAccessTokenHook(config: SupabaseConfig = readSupabaseConfig()): HookConfig | null {
  const hook = config.auth?.hook?.custom_access_token;
  if (!hook?.enabled || !hook.uri) return null;
  const m = /^pg-functions:\/\/[^/]+\/([^/]+)\/([^/]+)$/.exec(hook.uri);
  if (!m) throw new Error(`custom_access_token hook uri must be pg-functions://<db>/<schema>/<function>, got ${hook.uri}`);
  return { schema: m[1], fn: m[2] };
}

const REQUIRED_CLAIMS = ["aud", "exp", "iat", "sub", "email", "phone", "role", "aal", "session_id", "is_anonymous"];

/** The checks GoTrue applies to what a custom access token hook returns. */
export function validateHookClaims(claims: unknown): asserts claims is Record<string, unknown> {
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) {
    throw new Error("custom access token hook: output must contain a `claims` object");
  }
  const c = claims as Record<string, unknown>;
  for (const key of REQUIRED_CLAIMS) {
    if (!(key in c)) throw new Error(`custom access token hook: required claim "${key}" is missing`);
  }
  if (!(typeof c.aud === "string" || Array.isArray(c.aud))) throw new Error("custom access token hook: aud must be a string or an array");
  if (!Number.isInteger(c.exp) || !Number.isInteger(c.iat)) throw new Error("custom access token hook: exp and iat must be integers");
  for (const key of ["app_metadata", "user_metadata"]) {
    if (key in c && (typeof c[key] !== "object" || c[key] === null || Array.isArray(c[key]))) {
      throw new Error(`custom access token hook: ${key} must be an object`);
    }
  }
}

export interface MintOptions {
  apiUrl?: string;
  authenticationMethod?: string;
  expiresIn?: number;
  hook?: HookConfig | null;
}

/** Opens a session for the user and signs an access token as GoTrue would. */
export async function mintAccessToken(sql: Sql, userId: string, opts: MintOptions = {}): Promise<Session> {
  const [row] = await sql`select * from auth.users where id = ${userId}`;
  if (!row) throw new Error(`no auth.users row with id ${userId}`);
  const user = rowToUser(row);
  const method = opts.authenticationMethod ?? (user.is_anonymous ? "anonymous" : "password");
  const hook = opts.hook === undefined ? customAccessTokenHook() : opts.hook;

  return sql.begin(async (tx) => {
    const [session] = await tx`
      insert into auth.sessions (id, user_id, created_at, updated_at, aal)
      values (gen_random_uuid(), ${userId}, now(), now(), 'aal1') returning id`;
    await tx`update auth.users set last_sign_in_at = now() where id = ${userId}`;
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + (opts.expiresIn ?? 3600);
    let claims: Record<string, unknown> = {
      iss: `${opts.apiUrl ?? "http://127.0.0.1:54321"}/auth/v1`,
      sub: user.id,
      aud: "authenticated",
      exp,
      iat,
      email: user.email ?? "",
      phone: user.phone ?? "",
      app_metadata: user.app_metadata,
      user_metadata: user.user_metadata,
      role: "authenticated",
      aal: "aal1",
      amr: [{ method, timestamp: iat }],
      session_id: session.id,
      is_anonymous: user.is_anonymous,
    };
    if (hook) {
      const event = { user_id: user.id, claims, authentication_method: method };
      await tx`set local statement_timeout = '2s'`;
      const [out] = await tx.unsafe(`select ${ident(hook.schema)}.${ident(hook.fn)}($1::text::jsonb) as result`, [
        JSON.stringify(event),
      ]);
      const result = out.result as { claims?: unknown; error?: { http_code?: number; message?: string } };
      if (result?.error?.message) {
        throw new Error(`custom access token hook refused: ${result.error.message} (HTTP ${result.error.http_code ?? 500})`);
      }
      validateHookClaims(result?.claims);
      claims = result.claims as Record<string, unknown>;
    }
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(JWT_SECRET));
    return { user, accessToken, sessionId: session.id as string, expiresAt: Number(claims.exp), claims };
  });
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates (or finds) a user and signs them in: the common case for tests, seed and the CLI. */
export async function signIn(p: Profile, input: NewUser, opts: MintOptions = {}): Promise<Session> {
  const sql = authAdminSql(p);
  try {
    const { user } = await createUser(sql, input);
    return await mintAccessToken(sql, user.id, { apiUrl: p.apiUrl, ...opts });
  } finally {
    await sql.end();
  }
}
