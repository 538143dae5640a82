/**
 * POST /token (AU internal/api/token.go): grant_type=password and grant_type=refresh_token, both
 * under the per-IP /token limit ([auth.rate_limit] token_refresh per 5 minutes).
 *
 * Password: look the user up by email or phone, bcrypt-compare, then (in one transaction) audit
 * login and issue a session. Wrong address or password: 400 invalid_credentials; unconfirmed:
 * email_not_confirmed / phone_not_confirmed; banned: user_banned. Nothing is written on failure.
 */
import { audit, actorOf } from "../audit.ts";
import { grantInfo, requestAud, type AuthContext } from "../context.ts";
import { comparePassword } from "../crypto.ts";
import type { Tx } from "../db.ts";
import { badRequest, unprocessable, WeakPasswordError } from "../errors.ts";
import { hookMetadata, runHook } from "../hooks.ts";
import { field, json, readParams, type AuthRequest, type Reply } from "../http.ts";
import { checkRequestRate } from "../ratelimit.ts";
import { issueSession, refreshGrant, tokenSettings } from "../sessions.ts";
import { findUserByEmail, findUserByPhone, hasPassword, isBanned, isEmailConfirmed, isPhoneConfirmed, type User } from "../users.ts";
import { checkPasswordStrength, formatPhone } from "../validate.ts";
import { sessionJson } from "./session-json.ts";

const INVALID_LOGIN = "Invalid login credentials";

export async function tokenRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const grantType = req.query.get("grant_type") ?? "";
  if (grantType !== "password" && grantType !== "refresh_token") {
    throw badRequest("invalid_credentials", "unsupported_grant_type");
  }
  checkRequestRate(ctx.limiters.token, req.ip);
  return grantType === "password" ? passwordGrant(ctx, req) : refreshTokenGrant(ctx, req);
}

async function passwordGrant(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const { cfg } = ctx;
  const body = await readParams(req);
  const email = field.string(body, "email");
  let phone = field.string(body, "phone");
  const password = field.string(body, "password");
  const aud = requestAud(ctx, req);
  if (email && phone) throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
  let user: User | null;
  let provider: string;
  if (email) {
    provider = "email";
    if (!cfg.email.enabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
    user = await findUserByEmail(ctx.sql, email, aud);
  } else if (phone) {
    provider = "phone";
    if (!cfg.sms.enabled) throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
    phone = formatPhone(phone);
    user = await findUserByPhone(ctx.sql, phone, aud);
  } else {
    throw badRequest("validation_failed", "missing email or phone");
  }
  if (!user || !hasPassword(user.row)) throw badRequest("invalid_credentials", INVALID_LOGIN);
  if (isBanned(user.row)) throw badRequest("user_banned", "User is banned");

  const valid = await comparePassword(password, user.row.encrypted_password ?? "");
  let weak: WeakPasswordError | undefined;
  if (valid) {
    try {
      checkPasswordStrength(cfg, password);
    } catch (err) {
      if (err instanceof WeakPasswordError) weak = err;
    }
  }
  if (cfg.hooks.passwordVerificationAttempt) {
    const output = (await runHook(ctx.sql, cfg.hooks.passwordVerificationAttempt, {
      metadata: hookMetadata("password-verification", req.ip),
      user_id: user.row.id,
      valid,
    })) as { decision?: string; message?: string; should_logout_user?: boolean } | null;
    if (output?.decision === "reject") {
      if (output.should_logout_user) await ctx.sql`delete from auth.sessions where user_id = ${user.row.id}`;
      throw badRequest("invalid_credentials", output.message || "Further password verification attempts will be rejected.");
    }
  }
  if (!valid) throw badRequest("invalid_credentials", INVALID_LOGIN);
  if (email && !isEmailConfirmed(user.row)) throw badRequest("email_not_confirmed", "Email not confirmed");
  if (phone && !isPhoneConfirmed(user.row)) throw badRequest("phone_not_confirmed", "Phone not confirmed");

  const signedIn = user;
  const issued = await ctx.sql.begin(async (tx: Tx) => {
    await audit(tx, actorOf(signedIn.row), "login", { provider });
    return issueSession(tx, tokenSettings(cfg), signedIn, "password", grantInfo(req));
  });
  return json(sessionJson(issued, weak ? { message: weak.message, reasons: weak.reasons } : undefined));
}

async function refreshTokenGrant(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const body = await readParams(req);
  const token = field.string(body, "refresh_token");
  const issued = await refreshGrant(ctx.sql, ctx.cfg, token, grantInfo(req));
  return json(sessionJson(issued));
}
