/**
 * Users and sessions for tests, seed tooling, benchmarks and `npm run token`, on the local Auth
 * server's own code (platform/auth): no HTTP round trip, no rate limits, but the same rows.
 *
 * createUser() signs a user up as POST /signup does with autoconfirm (auth.users with role and
 * metadata, auth.identities, user_metadata from the identity, audit user_signedup, email or phone
 * confirmed) — connected as GoTrue's role supabase_auth_admin, so the project's triggers on
 * auth.users fire as on a real sign-up. The user has no password (as an OTP-only sign-up; GoTrue
 * stores ''). mintAccessToken() signs them in as the password grant does: audit login, a session,
 * its refresh token and AMR claim, and an access token passed through the custom access token hook
 * of supabase/config.toml inside the same transaction.
 */
import { randomUUID } from "node:crypto";
import type postgres from "postgres";
import { JWT_SECRET, type Profile } from "./config.ts";
import { connect } from "./db.ts";
import { readSupabaseConfig, type SupabaseConfig } from "./supabase-config.ts";
import { audit, actorOf } from "../../platform/auth/audit.ts";
import { parseHook, type HookConfig } from "../../platform/auth/config.ts";
import { autoconfirm, insertUserWithIdentity } from "../../platform/auth/register.ts";
import { issueSession } from "../../platform/auth/sessions.ts";
import { validateHookOutput } from "../../platform/auth/tokens.ts";
import { findUserByEmail, findUserById, findUserByPhone, insertUser, setRole, type User } from "../../platform/auth/users.ts";
import { formatPhone } from "../../platform/auth/validate.ts";

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
  /** The session's refresh token (auth.refresh_tokens), usable with POST /auth/v1/token?grant_type=refresh_token. */
  refreshToken: string;
  sessionId: string;
  expiresAt: number;
  claims: Record<string, unknown>;
}

type Sql = postgres.Sql<Record<string, unknown>>;

/** A connection as supabase_auth_admin, the role GoTrue logs in as. */
export function authAdminSql(p: Pick<Profile, "dbPort">): Sql {
  return connect(p, "supabase_auth_admin", { max: 2, connection: { application_name: "hyperlocal-auth-helper" } }) as Sql;
}

/** Accepts an email address or an E.164 phone number. */
export function parseIdentifier(identifier: string): NewUser {
  const value = identifier.trim();
  if (/^\+?[1-9]\d{6,14}$/.test(value)) return { phone: value };
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) return { email: value.toLowerCase() };
  throw new Error(`"${identifier}" is neither an email address nor an E.164 phone number (e.g. +971501234567)`);
}

function toAuthUser(u: User): AuthUser {
  return {
    id: u.row.id,
    email: u.row.email,
    phone: u.row.phone,
    app_metadata: u.row.raw_app_meta_data ?? {},
    user_metadata: u.row.raw_user_meta_data ?? {},
    is_anonymous: u.row.is_anonymous,
  };
}

const AUD = "authenticated";

/** Finds the user by email/phone, or signs them up as GoTrue does with autoconfirm. */
export async function createUser(sql: Sql, input: NewUser): Promise<{ user: AuthUser; created: boolean }> {
  const email = input.email?.toLowerCase() ?? "";
  const phone = input.phone ? formatPhone(input.phone) : "";
  if (!email && !phone && !input.isAnonymous) throw new Error("createUser needs an email, a phone or isAnonymous");
  const existing = email ? await findUserByEmail(sql, email, AUD) : phone ? await findUserByPhone(sql, phone, AUD) : null;
  if (existing) return { user: toAuthUser(existing), created: false };

  const user = await sql.begin(async (tx) => {
    let u: User;
    if (input.isAnonymous) {
      u = await insertUser(tx, { id: randomUUID(), aud: AUD, email: "", phone: "", encryptedPassword: "", userMetadata: input.userMetadata ?? {}, isAnonymous: true });
      await setRole(tx, u, AUD);
    } else {
      const provider = email ? "email" : "phone";
      u = await insertUserWithIdentity(tx, {
        id: randomUUID(),
        aud: AUD,
        role: AUD,
        provider,
        email,
        phone,
        encryptedPassword: "",
        data: input.userMetadata ?? {},
      });
      await autoconfirm(tx, u, provider, { provider });
    }
    if (input.appMetadata) {
      const [row] = await tx`
        update auth.users set raw_app_meta_data = raw_app_meta_data || ${tx.json(input.appMetadata as postgres.JSONValue)}, updated_at = now()
         where id = ${u.row.id} returning *`;
      u.row = row as User["row"];
    }
    return u;
  });
  return { user: toAuthUser(user), created: true };
}

/** `[auth.hook.custom_access_token]` of supabase/config.toml, when enabled with a pg-functions URI. */
export function customAccessTokenHook(config: SupabaseConfig = readSupabaseConfig()): { schema: string; fn: string } | null {
  const hook = parseHook("custom_access_token", config.auth?.hook?.custom_access_token);
  if (!hook) return null;
  if (hook.kind !== "pg") throw new Error(`custom_access_token hook uri must be pg-functions://<db>/<schema>/<function>, got ${hook.uri}`);
  return { schema: hook.schema!, fn: hook.fn! };
}

/** The checks GoTrue applies to the claims a custom access token hook returns (the server's own). */
export function validateHookClaims(claims: unknown): asserts claims is Record<string, unknown> {
  validateHookOutput({ claims });
}

export interface MintOptions {
  apiUrl?: string;
  authenticationMethod?: string;
  expiresIn?: number;
  hook?: { schema: string; fn: string } | null;
}

function pgHook(h: { schema: string; fn: string }): HookConfig {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return { uri: `pg-functions://postgres/${h.schema}/${h.fn}`, kind: "pg", schema: h.schema, fn: h.fn, pgName: `${quote(h.schema)}.${quote(h.fn)}`, secrets: [] };
}

/** Signs the user in as GoTrue's password grant does (audit login, session, tokens, hook). */
export async function mintAccessToken(sql: Sql, userId: string, opts: MintOptions = {}): Promise<Session> {
  const user = await findUserById(sql, userId);
  if (!user) throw new Error(`no auth.users row with id ${userId}`);
  const method = opts.authenticationMethod ?? (user.row.is_anonymous ? "anonymous" : "password");
  const hook = opts.hook === undefined ? customAccessTokenHook() : opts.hook;
  const config = readSupabaseConfig();
  const issued = await sql.begin(async (tx) => {
    await audit(tx, actorOf(user.row), "login", { provider: user.row.raw_app_meta_data?.provider ?? "email" });
    return issueSession(
      tx,
      {
        issuer: `${opts.apiUrl ?? "http://127.0.0.1:54321"}/auth/v1`,
        jwtSecret: JWT_SECRET,
        jwtExp: opts.expiresIn ?? config.auth?.jwt_expiry ?? 3600,
        customAccessTokenHook: hook ? pgHook(hook) : undefined,
      },
      user,
      method,
      { userAgent: "hyperlocal-token-helper", ip: "" },
    );
  });
  return {
    user: toAuthUser(issued.user),
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    sessionId: issued.sessionId,
    expiresAt: issued.expiresAt,
    claims: issued.claims,
  };
}

/** Creates (or finds) a user and signs them in: the common case for tests, seed and the CLI. */
export async function signIn(p: Pick<Profile, "dbPort" | "apiUrl">, input: NewUser, opts: MintOptions = {}): Promise<Session> {
  const sql = authAdminSql(p);
  try {
    const { user } = await createUser(sql, input);
    return await mintAccessToken(sql, user.id, { apiUrl: p.apiUrl, ...opts });
  } finally {
    await sql.end();
  }
}
