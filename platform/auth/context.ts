/**
 * What every handler gets: settings, the database, limiters, the inbox; and GoTrue's
 * authentication middlewares (AU internal/api/auth.go requireAuthentication, middleware.go
 * requireAdminCredentials, helpers.go requestAud).
 */
import type { AuthConfig } from "./config.ts";
import type { Sql } from "./db.ts";
import { AuthError, badRequest, forbidden } from "./errors.ts";
import { bearerToken, header, type AuthRequest } from "./http.ts";
import type { MessageContext, RequestInfo } from "./messages.ts";
import type { Limiters } from "./ratelimit.ts";
import { findSession, sessionValidity, type GrantInfo, type SessionRow } from "./sessions.ts";
import { firstAudience, verifyAccessToken } from "./tokens.ts";
import { findUserById, isBanned, type User } from "./users.ts";

export interface AuthContext extends MessageContext {
  cfg: AuthConfig;
  sql: Sql;
  limiters: Limiters;
  inboxFile: string;
  log(line: string): void;
  /** Tables of hosted Auth the local schema may lack (GoTrue deletes from them on soft delete). */
  optionalTables: { webauthnCredentials: boolean };
}

export interface Caller {
  token: string;
  claims: Record<string, unknown>;
  user: User;
  session: SessionRow | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireBearer(req: AuthRequest): string {
  const token = bearerToken(req);
  if (!token) throw new AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  return token;
}

/** GoTrue's maybeLoadUserOrSession for verified claims. */
async function loadUserAndSession(ctx: AuthContext, claims: Record<string, unknown>): Promise<{ user: User | null; session: SessionRow | null }> {
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  if (!sub) throw forbidden("bad_jwt", "invalid claim: missing sub claim");
  if (!UUID.test(sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
  const user = await findUserById(ctx.sql, sub);
  if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
  let session: SessionRow | null = null;
  const sid = typeof claims.session_id === "string" ? claims.session_id : "";
  if (sid && sid !== "00000000-0000-0000-0000-000000000000") {
    if (!UUID.test(sid)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
    session = await findSession(ctx.sql, sid);
    if (!session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
  }
  return { user, session };
}

/** GoTrue's requireAuthentication: a valid token of an existing, unbanned user and live session. */
export async function requireAuthentication(ctx: AuthContext, req: AuthRequest): Promise<Caller> {
  const token = requireBearer(req);
  const claims = await verifyAccessToken(token, ctx.cfg.jwtSecret);
  const { user, session } = await loadUserAndSession(ctx, claims);
  if (isBanned(user!.row)) throw forbidden("user_banned", "User is banned");
  return { token, claims, user: user!, session };
}

/** GoTrue's requireAdminCredentials: a valid token whose role is an admin role (service_role). */
export async function requireAdmin(ctx: AuthContext, req: AuthRequest): Promise<{ claims: Record<string, unknown>; role: string }> {
  const token = requireBearer(req);
  const claims = await verifyAccessToken(token, ctx.cfg.jwtSecret);
  const sid = typeof claims.session_id === "string" ? claims.session_id : "";
  if (sid && sid !== "00000000-0000-0000-0000-000000000000") {
    const { session } = await loadUserAndSession(ctx, claims);
    if (session && sessionValidity(ctx.cfg, session, Date.now()) !== "valid") {
      throw forbidden("session_expired", "Session is no longer valid");
    }
  }
  const role = typeof claims.role === "string" ? claims.role : "";
  if (!ctx.cfg.adminRoles.includes(role)) throw forbidden("not_admin", "User not allowed");
  return { claims, role };
}

/** GoTrue's requestAud: X-JWT-AUD, else a non-admin token's audience, else the configured one. */
export function requestAud(ctx: AuthContext, req: AuthRequest, claims?: Record<string, unknown>): string {
  const fromHeader = header(req, "x-jwt-aud");
  if (fromHeader) return fromHeader;
  if (claims && !ctx.cfg.adminRoles.includes(String(claims.role ?? ""))) {
    const aud = firstAudience(claims);
    if (aud) return aud;
  }
  return ctx.cfg.aud;
}

export function grantInfo(req: AuthRequest): GrantInfo {
  return { userAgent: req.userAgent, ip: req.ip };
}

export function requestInfo(req: AuthRequest, body?: Record<string, unknown>): RequestInfo {
  const fromBody = body && typeof body.redirect_to === "string" ? body.redirect_to : undefined;
  return { ip: req.ip, redirectTo: req.query.get("redirect_to") ?? fromBody, referer: header(req, "referer") };
}
