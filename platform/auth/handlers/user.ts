/**
 * GET /user, PUT /user and POST /logout (AU internal/api/user.go, logout.go), behind GoTrue's
 * requireAuthentication (valid token, existing user and session, not banned).
 *
 * PUT /user, in one transaction: a new password (bcrypt; pending tokens cleared, the caller's other
 * sessions signed out; audit user_updated_password), `data` merged into user_metadata (null
 * deletes a key), app_metadata for admins only, a new email (confirmation codes to the new and,
 * with double_confirm_changes, the current address) or phone (SMS code, or applied at once with
 * SMS autoconfirm); audit user_modified.
 * POST /logout?scope=global|local|others deletes the user's sessions, the current one, or the
 * others (refresh tokens go with them); audit logout; 204.
 */
import { audit, actorOf } from "../audit.ts";
import { requestAud, requestInfo, requireAuthentication, type AuthContext } from "../context.ts";
import { comparePassword, hashPassword } from "../crypto.ts";
import type { Tx } from "../db.ts";
import { AuthError, badRequest, forbidden, unprocessable } from "../errors.ts";
import { field, json, readParams, type AuthRequest, type Reply } from "../http.ts";
import { sendEmailChange, sendPhoneOtp } from "../messages.ts";
import { checkRequestRate } from "../ratelimit.ts";
import { logoutOthers, logoutSession, logoutUser } from "../sessions.ts";
import { firstAudience } from "../tokens.ts";
import {
  findDuplicateEmailUser,
  findUserByPhone,
  hasPassword,
  updateAppMetaData,
  updatePassword,
  updateUserMetaData,
  userJson,
} from "../users.ts";
import { checkPasswordStrength, rejectPkceFlow, validateChannel, validateEmail, validatePhone } from "../validate.ts";
import { emailChangeVerify, smsVerify } from "./verify.ts";

export async function getUserRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const caller = await requireAuthentication(ctx, req);
  const aud = requestAud(ctx, req, caller.claims);
  if (firstAudience(caller.claims) !== aud) throw badRequest("validation_failed", "Token audience doesn't match request audience");
  return json(userJson(caller.user));
}

export async function updateUserRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const { cfg } = ctx;
  const caller = await requireAuthentication(ctx, req);
  checkRequestRate(ctx.limiters.user, req.ip);
  const body = await readParams(req);
  let email = field.string(body, "email");
  const password = field.optString(body, "password");
  const nonce = field.string(body, "nonce");
  const data = field.object(body, "data");
  const appData = field.object(body, "app_metadata");
  let phone = field.string(body, "phone");
  let channel = field.string(body, "channel");
  const codeChallenge = field.string(body, "code_challenge");
  const user = caller.user;
  const session = caller.session;
  const aud = requestAud(ctx, req, caller.claims);

  // validateUserUpdateParams
  if (email) email = validateEmail(email);
  if (phone) {
    phone = validatePhone(phone);
    if (!channel) channel = "sms";
    validateChannel(cfg, channel);
  }
  if (password !== undefined) checkPasswordStrength(cfg, password);

  const isAdmin = user.row.aud === cfg.aud && user.row.role === cfg.adminGroupName;
  if (appData && !isAdmin) throw forbidden("not_admin", "Updating app_metadata requires admin privileges");
  if (user.row.is_anonymous && password && !email && !phone) {
    throw unprocessable("validation_failed", "Updating password of an anonymous user without an email or phone is not allowed");
  }
  if (email && (user.row.email ?? "") !== email && (await findDuplicateEmailUser(ctx.sql, email, aud, user.row.id))) {
    throw unprocessable("email_exists", "A user with this email address has already been registered");
  }
  if (phone && (user.row.phone ?? "") !== phone && (await findUserByPhone(ctx.sql, phone, aud))) {
    throw unprocessable("phone_exists", "A user with this phone number has already been registered");
  }

  let encrypted: string | null | undefined;
  if (password !== undefined) {
    if (cfg.security.updatePasswordRequireReauthentication) {
      const fresh = session && Date.now() <= new Date(session.created_at).getTime() + 24 * 3600 * 1000;
      if (!fresh) {
        if (!nonce) throw badRequest("reauthentication_needed", "Password update requires reauthentication");
        // GET /reauthenticate is not served locally, so no nonce can be valid.
        throw unprocessable("reauthentication_not_valid", "Requested reauthentication is not valid");
      }
    }
    if (password !== "" && hasPassword(user.row) && (await comparePassword(password, user.row.encrypted_password ?? ""))) {
      throw unprocessable("same_password", "New password should be different from the old password.");
    }
    encrypted = password === "" ? null : await hashPassword(password);
  }
  if (email && email !== (user.row.email ?? "") && !(user.row.is_anonymous && cfg.email.autoconfirm)) rejectPkceFlow(codeChallenge);

  const info = requestInfo(req, body);
  await ctx.sql.begin(async (tx: Tx) => {
    if (encrypted !== undefined) {
      await updatePassword(tx, user, encrypted, session?.id ?? null);
      await audit(tx, actorOf(user.row), "user_updated_password");
    }
    if (data) await updateUserMetaData(tx, user, data);
    if (appData) await updateAppMetaData(tx, user, appData);
    if (email && email !== (user.row.email ?? "")) {
      if (user.row.is_anonymous && cfg.email.autoconfirm) {
        user.row.email_change = email; // in memory, as GoTrue sets it before verifying
        await emailChangeVerify(ctx, tx, user, { token: "", tokenHash: "" });
      } else {
        await sendEmailChange(ctx, tx, user, email, info);
      }
    }
    if (phone && phone !== (user.row.phone ?? "")) {
      if (cfg.sms.autoconfirm) {
        user.row.phone_change = phone;
        await smsVerify(tx, user, "phone_change", phone);
      } else {
        await sendPhoneOtp(ctx, tx, user, phone, "phone_change", channel, info);
      }
    }
    await audit(tx, actorOf(user.row), "user_modified");
  });
  return json(userJson(user));
}

export async function logoutRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const caller = await requireAuthentication(ctx, req);
  const scope = req.query.get("scope") ?? "";
  if (!["", "global", "local", "others"].includes(scope)) throw badRequest("validation_failed", `Unsupported logout scope "${scope}"`);
  try {
    await ctx.sql.begin(async (tx: Tx) => {
      await audit(tx, actorOf(caller.user.row), "logout");
      if (caller.session && scope === "local") return logoutSession(tx, caller.session.id);
      if (caller.session && scope === "others") return logoutOthers(tx, caller.session.id, caller.user.row.id);
      return logoutUser(tx, caller.user.row.id);
    });
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw new AuthError(500, "unexpected_failure", "Error logging out user");
  }
  return { status: 204 };
}
