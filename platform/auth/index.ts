/**
 * The local Auth server (GoTrue-compatible), mounted by the gateway at /auth/v1.
 *
 * It speaks GoTrue's HTTP API for what supabase-js uses (sign-up, password and refresh grants,
 * user, logout, OTP and verify, settings, health, the admin user API) and touches the database
 * as GoTrue does: logged in as supabase_auth_admin, writing the same rows of auth.users,
 * identities, sessions, refresh_tokens, mfa_amr_claims, one_time_tokens and audit_log_entries,
 * calling the configured hooks. Settings come from supabase/config.toml ([auth]) as the Supabase
 * CLI passes them to GoTrue. Local development and tests only: production uses Supabase's Auth.
 * Not implemented: OAuth and SSO, MFA, passkeys, PKCE flow state, invites, identity linking —
 * their routes answer 501 not_available_locally.
 */
import path from "node:path";
import { connect } from "../../scripts/lib/db.ts";
import type { PlatformService, PlatformServiceFactory } from "../service.ts";
import { loadAuthConfig } from "./config.ts";
import type { AuthContext } from "./context.ts";
import { AuthError, OAuthError, renderError } from "./errors.ts";
import { adminRoute } from "./handlers/admin.ts";
import { otpRoute, recoverRoute } from "./handlers/otp.ts";
import { healthRoute, settingsRoute } from "./handlers/settings.ts";
import { signupRoute } from "./handlers/signup.ts";
import { tokenRoute } from "./handlers/token.ts";
import { getUserRoute, logoutRoute, updateUserRoute } from "./handlers/user.ts";
import { verifyRoute } from "./handlers/verify.ts";
import { header, send, toAuthRequest, type AuthRequest, type Reply } from "./http.ts";
import { inboxFile } from "./inbox.ts";
import { createLimiters } from "./ratelimit.ts";

const NOT_FOUND: Reply = { status: 404, raw: "404 page not found\n", headers: { "content-type": "text/plain; charset=utf-8" } };
const METHOD_NOT_ALLOWED: Reply = { status: 405, raw: "" };

/** GoTrue routes outside the local server's scope. */
const NOT_LOCAL = /^\/(authorize|callback|factors|sso|saml|passkeys|magiclink|resend|reauthenticate|invite|oauth|scim|user\/identities|user\/oauth|admin\/(generate_link|audit|sso|oauth|custom-providers|users\/[^/]+\/(factors|passkeys)))(\/|$)/;

type Handler = (ctx: AuthContext, req: AuthRequest) => Promise<Reply> | Reply;

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  "/health": { GET: () => healthRoute() },
  "/settings": { GET: (ctx) => settingsRoute(ctx) },
  "/.well-known/jwks.json": { GET: () => ({ status: 200, body: { keys: [] } }) },
  "/signup": { POST: signupRoute },
  "/token": { POST: tokenRoute },
  "/otp": { POST: otpRoute },
  "/recover": { POST: recoverRoute },
  "/verify": { GET: verifyRoute, POST: verifyRoute },
  "/logout": { POST: logoutRoute },
  "/user": { GET: getUserRoute, PUT: updateUserRoute },
};

export async function route(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const method = req.method === "HEAD" ? "GET" : req.method;
  if (NOT_LOCAL.test(req.path)) {
    throw new AuthError(
      501,
      "not_available_locally",
      `${req.path} is not implemented by the local Auth server (OAuth, SSO, MFA, passkeys, invites and identity linking need supabase start or a hosted project)`,
    );
  }
  if (req.path === "/admin" || req.path.startsWith("/admin/")) return adminRoute(ctx, req, req.path.slice("/admin".length));
  const handlers = ROUTES[req.path];
  if (!handlers) return NOT_FOUND;
  const handler = handlers[method];
  if (!handler) return METHOD_NOT_ALLOWED;
  return handler(ctx, req);
}

export interface AuthServiceOptions {
  /** Pool size of the supabase_auth_admin connections (default 10). */
  maxConnections?: number;
}

export function createAuthService(options: AuthServiceOptions = {}): PlatformServiceFactory {
  return async (pctx): Promise<PlatformService> => {
    const cfg = loadAuthConfig({ apiUrl: pctx.apiUrl, jwtSecret: pctx.jwtSecret, supabaseDir: pctx.supabaseDir });
    const sql = connect({ dbPort: pctx.dbPort }, "supabase_auth_admin", {
      max: options.maxConnections ?? 10,
      connection: { application_name: "hyperlocal-auth" },
    });
    const [tables] = await sql`select to_regclass('auth.webauthn_credentials') is not null as webauthn`;
    const ctx: AuthContext = {
      cfg,
      sql,
      limiters: createLimiters(cfg.rateLimits),
      inboxFile: inboxFile(pctx.dataDir),
      log: pctx.log,
      optionalTables: { webauthnCredentials: Boolean(tables.webauthn) },
    };
    pctx.log(`auth: GoTrue-compatible server at ${cfg.externalUrl} (inbox ${path.relative(process.cwd(), ctx.inboxFile) || ctx.inboxFile})`);
    return {
      prefix: "/auth/v1",
      async handle(req, res, subPath, rawQuery) {
        const areq = toAuthRequest(req, subPath, rawQuery);
        let reply: Reply;
        try {
          reply = await route(ctx, areq);
        } catch (err) {
          if (!(err instanceof AuthError) && !(err instanceof OAuthError)) {
            pctx.log(`[auth] ${areq.method} ${areq.path}: ${(err as Error).stack ?? String(err)}`);
          } else if (err instanceof AuthError && err.status >= 500) {
            pctx.log(`[auth] ${areq.method} ${areq.path}: ${err.status} ${err.message}`);
          }
          const e = renderError(err, header(areq, "x-supabase-api-version"));
          reply = { status: e.status, body: e.body, headers: e.headers };
        }
        send(res, reply, req.method ?? "GET");
      },
      close: () => sql.end({ timeout: 5 }),
    };
  };
}

/** The Auth service with default options, as registered in platform/index.ts. */
export const authService: PlatformServiceFactory = createAuthService();
