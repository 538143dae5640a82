/**
 * POST /otp and POST /recover (AU internal/api/otp.go, magic_link.go, recover.go).
 *
 * Phone: an unknown or unconfirmed number signs up first (random password; with SMS autoconfirm
 * the new user is confirmed and then gets a code like a known one); a confirmed number gets a
 * code (audit user_recovery_requested) in its confirmation_token. Email: the same with a magic
 * link / code in recovery_token. `create_user: false` and an unknown address: 422 otp_disabled.
 */
import { audit, actorOf } from "../audit.ts";
import { requestAud, requestInfo, type AuthContext } from "../context.ts";
import { randomPassword } from "../crypto.ts";
import type { Tx } from "../db.ts";
import { badRequest, unprocessable } from "../errors.ts";
import { field, json, readParams, type AuthRequest, type Reply } from "../http.ts";
import { sendPhoneOtp, sendRecoveryEmail } from "../messages.ts";
import { checkRequestRate } from "../ratelimit.ts";
import { findUserByEmail, findUserByPhone, isEmailConfirmed, isPhoneConfirmed } from "../users.ts";
import { rejectPkceFlow, validateChannel, validateEmail, validatePhone, validatePkceParams } from "../validate.ts";
import { signup } from "./signup.ts";

export async function otpRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  checkRequestRate(ctx.limiters.otp, req.ip);
  const body = await readParams(req);
  let email = field.string(body, "email");
  let phone = field.string(body, "phone");
  const createUser = field.bool(body, "create_user", true);
  const data = field.object(body, "data") ?? {};
  let channel = field.string(body, "channel");
  const codeChallenge = field.string(body, "code_challenge");
  const codeChallengeMethod = field.string(body, "code_challenge_method");
  if (email && phone) throw badRequest("validation_failed", "Only an email address or phone number should be provided");
  if (email && channel) throw badRequest("validation_failed", "Channel should only be specified with Phone OTP");
  validatePkceParams(codeChallenge, codeChallengeMethod);

  // shouldCreateUser
  if (!createUser) {
    const aud = requestAud(ctx, req);
    if (email) {
      email = validateEmail(email);
      if (!(await findUserByEmail(ctx.sql, email, aud))) throw unprocessable("otp_disabled", "Signups not allowed for otp");
    } else if (phone) {
      phone = validatePhone(phone);
      if (!(await findUserByPhone(ctx.sql, phone, aud))) throw unprocessable("otp_disabled", "Signups not allowed for otp");
    }
  }
  if (email) return magicLink(ctx, req, email, data, codeChallenge, codeChallengeMethod);
  if (phone) {
    if (!channel) channel = "sms";
    return smsOtp(ctx, req, phone, data, channel);
  }
  throw badRequest("validation_failed", "One of email or phone must be set");
}

async function smsOtp(ctx: AuthContext, req: AuthRequest, rawPhone: string, data: Record<string, unknown>, channel: string): Promise<Reply> {
  const { cfg } = ctx;
  if (!cfg.sms.enabled) throw badRequest("phone_provider_disabled", "Unsupported phone provider");
  const phone = validatePhone(rawPhone);
  validateChannel(cfg, channel);
  const aud = requestAud(ctx, req);
  const user = await findUserByPhone(ctx.sql, phone, aud);
  if (!user || !isPhoneConfirmed(user.row)) {
    await signup(ctx, req, { email: "", phone, password: randomPassword(64), data, channel, codeChallenge: "", codeChallengeMethod: "" });
    if (cfg.sms.autoconfirm) return smsOtp(ctx, req, phone, {}, channel);
    return json({});
  }
  const info = requestInfo(req);
  const messageId = await ctx.sql.begin(async (tx: Tx) => {
    await audit(tx, actorOf(user.row), "user_recovery_requested", { channel });
    return sendPhoneOtp(ctx, tx, user, phone, "confirmation", channel, info);
  });
  return json(messageId ? { message_id: messageId } : {});
}

async function magicLink(
  ctx: AuthContext,
  req: AuthRequest,
  rawEmail: string,
  data: Record<string, unknown>,
  codeChallenge: string,
  codeChallengeMethod: string,
): Promise<Reply> {
  const { cfg } = ctx;
  if (!cfg.email.enabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
  if (!rawEmail) throw unprocessable("validation_failed", "Password recovery requires an email");
  const email = validateEmail(rawEmail);
  const aud = requestAud(ctx, req);
  const user = await findUserByEmail(ctx.sql, email, aud);
  if (!user || !isEmailConfirmed(user.row)) {
    await signup(ctx, req, { email, phone: "", password: randomPassword(33), data, channel: "", codeChallenge, codeChallengeMethod });
    if (cfg.email.autoconfirm) return magicLink(ctx, req, email, data, codeChallenge, codeChallengeMethod);
    return json({});
  }
  rejectPkceFlow(codeChallenge);
  const info = requestInfo(req);
  await ctx.sql.begin(async (tx: Tx) => {
    await audit(tx, actorOf(user.row), "user_recovery_requested");
    await sendRecoveryEmail(ctx, tx, user, "magiclink", info);
  });
  return json({});
}

/** POST /recover: a password reset email (GoTrue answers {} whether or not the address exists). */
export async function recoverRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  checkRequestRate(ctx.limiters.recover, req.ip);
  if (!ctx.cfg.email.enabled) throw badRequest("email_provider_disabled", "Email logins are disabled");
  const body = await readParams(req);
  const rawEmail = field.string(body, "email");
  if (!rawEmail) throw badRequest("validation_failed", "Password recovery requires an email");
  const email = validateEmail(rawEmail);
  const codeChallenge = field.string(body, "code_challenge");
  validatePkceParams(codeChallenge, field.string(body, "code_challenge_method"));
  rejectPkceFlow(codeChallenge);
  const user = await findUserByEmail(ctx.sql, email, requestAud(ctx, req));
  if (!user) return json({});
  const info = requestInfo(req, body);
  await ctx.sql.begin(async (tx: Tx) => {
    await audit(tx, actorOf(user.row), "user_recovery_requested");
    await sendRecoveryEmail(ctx, tx, user, "recovery", info);
  });
  return json({});
}
