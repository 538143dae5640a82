/**
 * Sessions and refresh tokens as GoTrue keeps them (AU internal/tokens/service.go
 * IssueRefreshToken / RefreshTokenGrant, internal/models/refresh_token.go, sessions.go, amr.go),
 * with GoTrue's default refresh token algorithm (v1: opaque 12-character tokens in
 * auth.refresh_tokens, each refresh revoking its token and inserting a child whose `parent` is it).
 *
 * Signing in (issueSession), in the caller's transaction:
 *   insert auth.sessions (aal1, user agent, ip) · insert auth.refresh_tokens · touch
 *   users.last_sign_in_at · upsert auth.mfa_amr_claims (method) · the access token (custom access
 *   token hook in the same transaction).
 * Refreshing (refreshGrant): GoTrue's reuse rules — a revoked token whose child is the session's
 * active token gets that child back; one revoked less than refresh_token_reuse_interval seconds ago
 * gets a new child; otherwise 400 refresh_token_already_used, and with rotation every token of the
 * session is revoked (committed before answering).
 */
import type { AuthConfig, HookConfig } from "./config.ts";
import { audit, actorOf } from "./audit.ts";
import { secureAlphanumeric } from "./crypto.ts";
import { NIL_UUID, transaction, type Q, type Sql, type Tx } from "./db.ts";
import { AuthError, badRequest, CommitWithError, OAuthError } from "./errors.ts";
import { buildClaims, customizeClaims, signAccessToken, type AmrEntry } from "./tokens.ts";
import { findUserById, isBanned, loadIdentities, type User, type UserRow } from "./users.ts";

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  updated_at: Date | null;
  factor_id: string | null;
  aal: string | null;
  not_after: Date | null;
  refreshed_at: Date | null;
  user_agent: string | null;
  ip: string | null;
  tag: string | null;
}

export interface RefreshTokenRow {
  id: string;
  token: string;
  user_id: string;
  parent: string | null;
  session_id: string | null;
  revoked: boolean;
  created_at: Date;
  updated_at: Date;
}

/** What issuing an access token needs from the configuration. */
export interface TokenSettings {
  issuer: string;
  jwtSecret: string;
  jwtExp: number;
  customAccessTokenHook?: HookConfig;
}

export function tokenSettings(cfg: AuthConfig): TokenSettings {
  return { issuer: cfg.issuer, jwtSecret: cfg.jwtSecret, jwtExp: cfg.jwtExp, customAccessTokenHook: cfg.hooks.customAccessToken };
}

/** Where a grant comes from (GoTrue's GrantParams). */
export interface GrantInfo {
  userAgent: string;
  ip: string;
}

/** GoTrue's AccessTokenResponse, before the user is rendered. */
export interface IssuedSession {
  accessToken: string;
  tokenType: "bearer";
  expiresIn: number;
  expiresAt: number;
  refreshToken: string;
  sessionId: string;
  claims: Record<string, unknown>;
  user: User;
}

export async function findSession(q: Q, id: string, forUpdate = false): Promise<SessionRow | null> {
  if (forUpdate) {
    const locked = await q`select id from auth.sessions where id = ${id} limit 1 for update skip locked`;
    if (locked.length === 0) return null;
  }
  const [row] = await q`select * from auth.sessions where id = ${id}`;
  return (row as SessionRow | undefined) ?? null;
}

/** AAL and AMR from the session's auth.mfa_amr_claims, newest first (CalculateAALAndAMR). */
export async function aalAndAmr(q: Q, sessionId: string): Promise<{ aal: string; amr: AmrEntry[] }> {
  const rows = await q`
    select authentication_method, updated_at from auth.mfa_amr_claims where session_id = ${sessionId}`;
  let aal = "aal1";
  const amr: AmrEntry[] = [];
  for (const r of rows) {
    const method = r.authentication_method as string;
    if (method === "totp" || method === "mfa/phone" || method === "mfa/webauthn") aal = "aal2";
    amr.push({ method, timestamp: Math.floor(new Date(r.updated_at as Date).getTime() / 1000) });
  }
  amr.sort((a, b) => b.timestamp - a.timestamp);
  return { aal, amr };
}

/** GoTrue's GenerateAccessToken: claims from the user and session, the hook, the signature. */
export async function generateAccessToken(
  tx: Q,
  settings: TokenSettings,
  user: UserRow,
  sessionId: string,
  method: string,
  ip: string,
): Promise<{ token: string; expiresAt: number; claims: Record<string, unknown> }> {
  const session = await findSession(tx, sessionId);
  if (!session) throw new AuthError(404, "session_not_found", "Session not found");
  const { aal, amr } = await aalAndAmr(tx, sessionId);
  let claims = buildClaims({ issuer: settings.issuer, user, sessionId, aal, amr, expiresIn: settings.jwtExp });
  const expiresAt = claims.exp as number;
  if (settings.customAccessTokenHook) {
    const customized = await customizeClaims(tx, settings.customAccessTokenHook, { userId: user.id, claims, method, ip });
    // GoTrue signs the hook's output as a Go map, whose JSON has its keys sorted.
    claims = Object.fromEntries(Object.keys(customized).sort().map((k) => [k, customized[k]]));
  }
  return { token: await signAccessToken(claims, settings.jwtSecret), expiresAt, claims };
}

async function insertRefreshToken(tx: Tx, userId: string, sessionId: string, parent: string | null): Promise<RefreshTokenRow> {
  const [row] = await tx`
    insert into auth.refresh_tokens (instance_id, token, user_id, parent, session_id, revoked, created_at, updated_at)
    values (${NIL_UUID}, ${secureAlphanumeric(12)}, ${userId}, ${parent}, ${sessionId}, false, now(), now())
    returning *`;
  return row as RefreshTokenRow;
}

/** GoTrue's AddClaimToSession. */
async function addClaimToSession(tx: Tx, sessionId: string, method: string): Promise<void> {
  await tx`
    insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
    values (gen_random_uuid(), ${sessionId}, now(), now(), ${method})
    on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey do update set updated_at = now()`;
}

/** GoTrue's IssueRefreshToken: a new session, its first refresh token and an access token. */
export async function issueSession(q: Q, settings: TokenSettings, user: User, method: string, grant: GrantInfo): Promise<IssuedSession> {
  return transaction(q, async (tx) => {
    const [session] = await tx`
      insert into auth.sessions (id, user_id, created_at, updated_at, factor_id, aal, not_after, refreshed_at, user_agent, ip, tag)
      values (gen_random_uuid(), ${user.row.id}, now(), now(), null, 'aal1', null, null,
              ${grant.userAgent || null}, ${grant.ip || null}, null)
      returning id`;
    const sessionId = session.id as string;
    const refresh = await insertRefreshToken(tx, user.row.id, sessionId, null);
    const [row] = await tx`
      update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${user.row.id} returning *`;
    user.row = row as UserRow;
    await addClaimToSession(tx, sessionId, method);
    const { token, expiresAt, claims } = await generateAccessToken(tx, settings, user.row, sessionId, method, grant.ip);
    return {
      accessToken: token,
      tokenType: "bearer" as const,
      expiresIn: expiresAt - Math.floor(Date.now() / 1000),
      expiresAt,
      refreshToken: refresh.token,
      sessionId,
      claims,
      user,
    };
  });
}

/** Session validity as CheckValidity with [auth.sessions] timebox / inactivity_timeout. */
export function sessionValidity(cfg: AuthConfig, s: SessionRow, now: number, refreshTokenTime?: Date): "valid" | "expired" | "inactive" {
  if (s.not_after && now > new Date(s.not_after).getTime()) return "expired";
  if (cfg.sessions.timeboxMs && now > new Date(s.created_at).getTime() + cfg.sessions.timeboxMs) return "expired";
  if (cfg.sessions.inactivityTimeoutMs) {
    let last = new Date(s.created_at).getTime();
    if (s.refreshed_at) last = new Date(s.refreshed_at).getTime();
    else if (refreshTokenTime && refreshTokenTime.getTime() > last) last = refreshTokenTime.getTime();
    if (now > last + cfg.sessions.inactivityTimeoutMs) return "inactive";
  }
  return "valid";
}

const NOT_FOUND = () => badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");

class Retry extends Error {}

/** POST /token?grant_type=refresh_token (GoTrue's RefreshTokenGrant with v1 tokens). */
export async function refreshGrant(sql: Sql, cfg: AuthConfig, refreshToken: string, grant: GrantInfo): Promise<IssuedSession> {
  if (!refreshToken) throw new OAuthError("invalid_request", "refresh_token required");
  const started = Date.now();
  while (Date.now() - started < 5000) {
    // Outside the transaction: the checks that need no lock.
    if (refreshToken.length !== 12) throw NOT_FOUND(); // shorter: not a token; longer: v2 tokens are never issued here
    const [token] = (await sql`select * from auth.refresh_tokens where token = ${refreshToken}`) as unknown as RefreshTokenRow[];
    if (!token) throw NOT_FOUND();
    const user = await findUserById(sql, token.user_id);
    if (!user) throw NOT_FOUND();
    if (isBanned(user.row)) throw badRequest("user_banned", "Invalid Refresh Token: User Banned");
    const session = token.session_id && token.session_id !== NIL_UUID ? await findSession(sql, token.session_id) : null;
    if (!session) {
      await sql`delete from auth.refresh_tokens where id = ${token.id}`;
      throw badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found");
    }
    const validity = sessionValidity(cfg, session, started, token.updated_at);
    if (validity === "inactive") throw badRequest("session_expired", "Invalid Refresh Token: Session Expired (Inactivity)");
    if (validity === "expired") throw badRequest("session_expired", "Invalid Refresh Token: Session Expired");

    let outcome: IssuedSession | CommitWithError;
    try {
      outcome = await sql.begin(async (tx): Promise<IssuedSession | CommitWithError> => {
        const locked = await tx`select id from auth.refresh_tokens where token = ${refreshToken} limit 1 for update skip locked`;
        if (locked.length === 0) throw new Retry();
        const [current] = (await tx`select * from auth.refresh_tokens where token = ${refreshToken}`) as unknown as RefreshTokenRow[];
        const u = await findUserById(tx, current.user_id);
        if (!u) throw NOT_FOUND();
        const s = await findSession(tx, current.session_id!, true);
        if (!s) throw new Retry();

        let issued = "";
        if (current.revoked) {
          const [active] = (await tx`
            select * from auth.refresh_tokens where session_id = ${s.id} and revoked is false order by id desc limit 1`) as unknown as RefreshTokenRow[];
          if (active && active.parent === current.token) {
            issued = active.token;
          } else {
            const reuseUntil = new Date(current.updated_at).getTime() + cfg.security.refreshTokenReuseInterval * 1000;
            if (Date.now() > reuseUntil) {
              if (cfg.security.refreshTokenRotation) {
                await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${s.id} and revoked = false`;
              }
              // GoTrue's NewCommitWithError: the revocation commits, then the request fails.
              return new CommitWithError(badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used"));
            }
          }
        }
        await audit(tx, actorOf(u.row), "token_refreshed");
        if (!issued) {
          // GrantRefreshTokenSwap: revoke, then a child in the same session.
          await audit(tx, actorOf(u.row), "token_revoked");
          await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where id = ${current.id}`;
          const child = await insertRefreshToken(tx, u.row.id, s.id, current.token);
          // createRefreshToken rewrites last_sign_in_at with the value GoTrue loaded (unchanged).
          const [row] = await tx`update auth.users set last_sign_in_at = ${u.row.last_sign_in_at}, updated_at = now() where id = ${u.row.id} returning *`;
          u.row = row as UserRow;
          issued = child.token;
        }
        const { token: accessToken, expiresAt, claims } = await generateAccessToken(tx, tokenSettings(cfg), u.row, s.id, "token_refresh", grant.ip);
        await tx`
          update auth.sessions set refreshed_at = (now() at time zone 'utc'), user_agent = ${grant.userAgent || null},
                 ip = ${grant.ip || null}, updated_at = now()
           where id = ${s.id}`;
        u.identities = await loadIdentities(tx, u.row.id);
        return {
          accessToken,
          tokenType: "bearer" as const,
          expiresIn: expiresAt - Math.floor(Date.now() / 1000),
          expiresAt,
          refreshToken: issued,
          sessionId: s.id,
          claims,
          user: u,
        };
      });
    } catch (err) {
      if (err instanceof Retry) {
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
        continue;
      }
      throw err;
    }
    if (outcome instanceof CommitWithError) throw outcome.cause;
    return outcome;
  }
  throw new AuthError(409, "conflict", "Too many concurrent token refresh requests on the same session or refresh token");
}

/** GoTrue's Logout, LogoutSession, LogoutAllExceptMe. */
export async function logoutUser(q: Q, userId: string): Promise<void> {
  await q`delete from auth.sessions where user_id = ${userId}`;
}
export async function logoutSession(q: Q, sessionId: string): Promise<void> {
  await q`delete from auth.sessions where id = ${sessionId}`;
}
export async function logoutOthers(q: Q, sessionId: string, userId: string): Promise<void> {
  await q`delete from auth.sessions where id <> ${sessionId} and user_id = ${userId}`;
}
