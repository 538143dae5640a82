/**
 * POST /verify and GET /verify (AU internal/api/verify.go): a code (email or phone + token) or
 * a token hash (the link in an email) is checked against the user's token column and its sent_at
 * (email codes valid otp_expiry seconds, SMS codes 6000 s as the CLI configures them; test OTP
 * numbers accept their fixed code), then in the same transaction the user is confirmed or the
 * change applied, the one-time tokens deleted, and a session issued with amr `otp`. A wrong or
 * expired code is 403 otp_expired and writes nothing.
 */
import { audit, actorOf } from "../audit.ts";
import { grantInfo, requestAud, type AuthContext } from "../context.ts";
import { tokenHash } from "../crypto.ts";
import type { Tx } from "../db.ts";
import { AuthError, badRequest, forbidden, unprocessable } from "../errors.ts";
import { field, json, readParams, type AuthRequest, type Reply } from "../http.ts";
import { referrerUrl } from "../messages.ts";
import { checkRequestRate } from "../ratelimit.ts";
import { issueSession, tokenSettings } from "../sessions.ts";
import {
  claimsIdentityData,
  clearAllOneTimeTokens,
  clearOneTimeToken,
  confirmEmail,
  confirmPhone,
  createIdentity,
  findIdentity,
  findUserByEmail,
  findUserById,
  findUserByPhone,
  findUserByPhoneChange,
  findUserByTokenHash,
  isBanned,
  isEmailConfirmed,
  loadIdentities,
  recover,
  updateAppMetaDataProviders,
  updateIdentityData,
  updateUser,
  type OneTimeTokenType,
  type User,
} from "../users.ts";
import { validateEmail, validatePhone } from "../validate.ts";
import { sessionJson } from "./session-json.ts";

interface VerifyParams {
  type: string;
  token: string;
  tokenHash: string;
  email: string;
  phone: string;
  redirectTo: string;
}

const expired = (d: Date | null, seconds: number) => d === null || Date.now() > new Date(d).getTime() + seconds * 1000;

function otpValid(actual: string, expected: string | null, sentAt: Date | null, expSeconds: number): boolean {
  if (!expected || sentAt === null) return false;
  return !expired(sentAt, expSeconds) && (actual === expected || `pkce_${actual}` === expected);
}

const TOKEN_INVALID = () => forbidden("otp_expired", "Token has expired or is invalid");
const LINK_INVALID = () => forbidden("otp_expired", "Email link is invalid or has expired");

/** verifyUserAndToken: the user of an email/phone + code. Sets p.type for type "email". */
async function verifyUserAndToken(ctx: AuthContext, tx: Tx, p: VerifyParams, aud: string): Promise<User> {
  const { cfg } = ctx;
  let user: User | null;
  if (p.type === "phone_change") user = await findUserByPhoneChange(tx, p.phone, aud);
  else if (p.type === "sms") user = await findUserByPhone(tx, p.phone, aud);
  else if (p.type === "email_change") {
    const types: OneTimeTokenType[] = cfg.email.secureEmailChange ? ["email_change_token_current", "email_change_token_new"] : ["email_change_token_new"];
    user = await findUserByTokenHash(tx, p.tokenHash, types);
  } else user = await findUserByEmail(tx, p.email, aud);
  if (!user) throw TOKEN_INVALID();
  if (isBanned(user.row)) throw forbidden("user_banned", "User is banned");
  const r = user.row;
  let valid = false;
  switch (p.type) {
    case "email":
      if (otpValid(p.tokenHash, r.confirmation_token, r.confirmation_sent_at, cfg.email.otpExp)) {
        valid = true;
        p.type = "signup";
      } else if (otpValid(p.tokenHash, r.recovery_token, r.recovery_sent_at, cfg.email.otpExp)) {
        valid = true;
        p.type = "magiclink";
      }
      break;
    case "signup":
    case "invite":
      valid = otpValid(p.tokenHash, r.confirmation_token, r.confirmation_sent_at, cfg.email.otpExp);
      break;
    case "recovery":
    case "magiclink":
      valid = otpValid(p.tokenHash, r.recovery_token, r.recovery_sent_at, cfg.email.otpExp);
      break;
    case "email_change":
      valid = otpValid(p.tokenHash, r.email_change_token_current, r.email_change_sent_at, cfg.email.otpExp) ||
        otpValid(p.tokenHash, r.email_change_token_new, r.email_change_sent_at, cfg.email.otpExp);
      break;
    case "sms":
    case "phone_change": {
      const testOtp = cfg.sms.testOtp.get(p.phone);
      if (testOtp !== undefined && p.token === testOtp) return user;
      const sentAt = p.type === "phone_change" ? r.phone_change_sent_at : r.confirmation_sent_at;
      const expected = p.type === "phone_change" ? r.phone_change_token : r.confirmation_token;
      valid = otpValid(p.tokenHash, expected, sentAt, cfg.sms.otpExp);
      break;
    }
  }
  if (!valid) throw TOKEN_INVALID();
  return user;
}

/** verifyTokenHash: the user of an email link's token hash. */
async function verifyTokenHash(ctx: AuthContext, tx: Tx, p: VerifyParams): Promise<User> {
  const { cfg } = ctx;
  const types: Record<string, OneTimeTokenType[]> = {
    email: ["confirmation_token", "recovery_token"],
    signup: ["confirmation_token"],
    invite: ["confirmation_token"],
    recovery: ["recovery_token"],
    magiclink: ["recovery_token"],
    email_change: ["email_change_token_current", "email_change_token_new"],
  };
  if (!types[p.type]) throw badRequest("validation_failed", "Invalid email verification type");
  const user = await findUserByTokenHash(tx, p.tokenHash, types[p.type]);
  if (!user) throw LINK_INVALID();
  if (isBanned(user.row)) throw forbidden("user_banned", "User is banned");
  const r = user.row;
  let sentAt: Date | null;
  switch (p.type) {
    case "email":
      sentAt = r.confirmation_sent_at;
      p.type = "signup";
      if (r.recovery_token === p.tokenHash) {
        sentAt = r.recovery_sent_at;
        p.type = "magiclink";
      }
      break;
    case "signup":
    case "invite":
      sentAt = r.confirmation_sent_at;
      break;
    case "recovery":
    case "magiclink":
      sentAt = r.recovery_sent_at;
      break;
    default:
      sentAt = r.email_change_sent_at;
  }
  if (sentAt === null || expired(sentAt, cfg.email.otpExp)) throw LINK_INVALID();
  return user;
}

async function signupVerify(tx: Tx, user: User): Promise<void> {
  await audit(tx, actorOf(user.row), "user_signedup", { provider: "email" });
  await confirmEmail(tx, user);
  for (const identity of user.identities ?? []) {
    if (!identity.email || !user.row.email || identity.email !== user.row.email) continue;
    await updateIdentityData(tx, identity, { email_verified: true });
  }
}

async function recoverVerify(tx: Tx, user: User): Promise<void> {
  await recover(tx, user);
  if (!isEmailConfirmed(user.row)) {
    await audit(tx, actorOf(user.row), "user_signedup", { provider: "email" });
    await confirmEmail(tx, user);
  } else {
    await audit(tx, actorOf(user.row), "login");
  }
}

/** smsVerify: confirms the phone (sms) or applies the pending change (phone_change). */
export async function smsVerify(tx: Tx, user: User, type: "sms" | "phone_change", phone: string): Promise<void> {
  if (type === "sms") {
    await audit(tx, actorOf(user.row), "user_signedup", { provider: "phone" });
    await confirmPhone(tx, user);
  } else {
    await audit(tx, actorOf(user.row), "user_modified");
    const identity = await findIdentity(tx, user.row.id, "phone");
    if (!identity) {
      await createIdentity(tx, user, "phone", claimsIdentityData({ sub: user.row.id, phone, phoneVerified: true }));
    } else {
      await updateIdentityData(tx, identity, { phone, phone_verified: true });
    }
    // ConfirmPhoneChange
    const newPhone = user.row.phone_change ?? "";
    await updateUser(tx, user, { phone: newPhone || null, phone_change: "", phone_change_token: "", phone_confirmed_at: new Date() });
    await clearAllOneTimeTokens(tx, user.row.id);
    const phoneIdentity = await findIdentity(tx, user.row.id, "phone");
    if (phoneIdentity) {
      const data = { ...phoneIdentity.identity_data };
      if ("phone" in data) data.phone = newPhone;
      await tx`update auth.identities set identity_data = ${tx.json(data as never)}, updated_at = now() where id = ${phoneIdentity.id}`;
    }
  }
  if (user.row.is_anonymous) await updateUser(tx, user, { is_anonymous: false });
  user.identities = await loadIdentities(tx, user.row.id);
}

/**
 * emailChangeVerify. With secure email change the first of the two codes only records a single
 * confirmation (returns false: GoTrue answers with a message, no session).
 */
export async function emailChangeVerify(ctx: AuthContext, tx: Tx, user: User, p: { token: string; tokenHash: string }): Promise<boolean> {
  const { cfg } = ctx;
  const r = user.row;
  if (!cfg.email.autoconfirm && cfg.email.secureEmailChange && (r.email_change_confirm_status ?? 0) === 0 && r.email) {
    if (p.token === r.email_change_token_current || p.tokenHash === r.email_change_token_current) {
      await clearOneTimeToken(tx, r.id, "email_change_token_current");
      await updateUser(tx, user, { email_change_confirm_status: 1, email_change_token_current: "" });
    } else if (p.token === r.email_change_token_new || p.tokenHash === r.email_change_token_new) {
      await clearOneTimeToken(tx, r.id, "email_change_token_new");
      await updateUser(tx, user, { email_change_confirm_status: 1, email_change_token_new: "" });
    } else {
      await updateUser(tx, user, { email_change_confirm_status: 1 });
    }
    return false;
  }
  await audit(tx, actorOf(user.row), "user_modified");
  const identity = await findIdentity(tx, r.id, "email");
  if (!identity) {
    await createIdentity(tx, user, "email", claimsIdentityData({ sub: r.id, email: r.email_change ?? "", emailVerified: true }));
  } else {
    await updateIdentityData(tx, identity, { email: r.email_change ?? "", email_verified: true });
  }
  if (user.row.is_anonymous) await updateUser(tx, user, { is_anonymous: false });
  // ConfirmEmailChange
  const email = user.row.email_change ?? "";
  await updateUser(tx, user, { email: email || null, email_change: "", email_change_token_current: "", email_change_token_new: "", email_change_confirm_status: 0 });
  await clearAllOneTimeTokens(tx, r.id);
  if (!isEmailConfirmed(user.row)) await confirmEmail(tx, user);
  const emailIdentity = await findIdentity(tx, r.id, "email");
  if (emailIdentity && "email" in emailIdentity.identity_data) {
    await tx`update auth.identities set identity_data = ${tx.json({ ...emailIdentity.identity_data, email } as never)}, updated_at = now() where id = ${emailIdentity.id}`;
  }
  user.identities = await loadIdentities(tx, r.id);
  return true;
}

function verifyParams(body: Record<string, unknown>): VerifyParams {
  const p: VerifyParams = {
    type: field.string(body, "type"),
    token: field.string(body, "token"),
    tokenHash: field.string(body, "token_hash"),
    email: field.string(body, "email"),
    phone: field.string(body, "phone"),
    redirectTo: field.string(body, "redirect_to"),
  };
  if (!p.type) throw badRequest("validation_failed", "Verify requires a verification type");
  if ((p.token === "" && p.tokenHash === "") || (p.token !== "" && p.tokenHash !== "")) {
    throw badRequest("validation_failed", "Verify requires either a token or a token hash");
  }
  if (p.token) {
    if (p.phone !== "" && p.email === "") {
      p.phone = validatePhone(p.phone);
      p.tokenHash = tokenHash(p.phone, p.token);
    } else if (p.email !== "" && p.phone === "") {
      try {
        p.email = validateEmail(p.email);
      } catch {
        throw unprocessable("validation_failed", "Invalid email format");
      }
      p.tokenHash = tokenHash(p.email, p.token);
    } else {
      throw badRequest("validation_failed", "Only an email address or phone number should be provided on verify");
    }
  } else if (p.email || p.phone || p.redirectTo) {
    throw badRequest("validation_failed", "Only the token_hash and type should be provided");
  }
  return p;
}

export async function verifyRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  checkRequestRate(ctx.limiters.verify, req.ip);
  if (req.method === "GET") return verifyGet(ctx, req);
  const body = await readParams(req);
  const p = verifyParams(body);
  const aud = requestAud(ctx, req);
  const result = await ctx.sql.begin(async (tx: Tx) => {
    const usingHash = p.token === "" && p.tokenHash !== "";
    const user = usingHash ? await verifyTokenHash(ctx, tx, p) : await verifyUserAndToken(ctx, tx, p, aud);
    switch (p.type) {
      case "signup":
      case "invite":
        await signupVerify(tx, user);
        break;
      case "recovery":
      case "magiclink":
        await recoverVerify(tx, user);
        break;
      case "email_change":
        if (!(await emailChangeVerify(ctx, tx, user, p))) return null;
        break;
      case "sms":
      case "phone_change":
        await smsVerify(tx, user, p.type, p.phone);
        break;
      default:
        throw badRequest("validation_failed", "Unsupported verification type");
    }
    await updateAppMetaDataProviders(tx, user);
    const reloaded = (await findUserById(tx, user.row.id))!;
    return issueSession(tx, tokenSettings(ctx.cfg), reloaded, "otp", grantInfo(req));
  });
  if (!result) {
    return json({ msg: "Confirmation link accepted. Please proceed to confirm link sent to the other email", code: "200" });
  }
  return json(sessionJson(result));
}

/** GET /verify?token=<hash>&type=…&redirect_to=… — the email link: a 303 to redirect_to with the session in the fragment. */
async function verifyGet(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const type = req.query.get("type") ?? "";
  const token = req.query.get("token") ?? "";
  const redirectTo = referrerUrl(ctx.cfg, { ip: req.ip, redirectTo: req.query.get("redirect_to") ?? undefined });
  if (!type) throw badRequest("validation_failed", "Verify requires a verification type");
  if (!token) throw badRequest("validation_failed", "Verify requires a token or a token hash");
  const p: VerifyParams = { type, token, tokenHash: token, email: "", phone: "", redirectTo };
  const redirect = (url: string): Reply => ({ status: 303, headers: { location: url }, raw: "" });
  try {
    const issued = await ctx.sql.begin(async (tx: Tx) => {
      const user = await verifyTokenHash(ctx, tx, p);
      switch (p.type) {
        case "signup":
        case "invite":
          await signupVerify(tx, user);
          break;
        case "recovery":
        case "magiclink":
          await recoverVerify(tx, user);
          break;
        case "email_change":
          if (!(await emailChangeVerify(ctx, tx, user, { token: "", tokenHash: p.tokenHash }))) return null;
          break;
        default:
          throw badRequest("validation_failed", "Unsupported verification type");
      }
      await updateAppMetaDataProviders(tx, user);
      const reloaded = (await findUserById(tx, user.row.id))!;
      return issueSession(tx, tokenSettings(ctx.cfg), reloaded, "otp", grantInfo(req));
    });
    if (!issued) {
      const url = new URL(redirectTo);
      url.hash = new URLSearchParams({ message: "Confirmation link accepted. Please proceed to confirm link sent to the other email", sb: "" }).toString();
      return redirect(url.toString());
    }
    const fragment = new URLSearchParams({
      access_token: issued.accessToken,
      expires_at: String(issued.expiresAt),
      expires_in: String(issued.expiresIn),
      refresh_token: issued.refreshToken,
      sb: "",
      token_type: issued.tokenType,
      type,
    });
    return redirect(`${redirectTo}#${fragment.toString()}`);
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    const oauth: Record<number, string> = { 400: "invalid_request", 401: "unauthorized_client", 403: "access_denied", 500: "server_error", 503: "temporarily_unavailable" };
    const fragment = new URLSearchParams();
    if (oauth[err.status]) fragment.set("error", oauth[err.status]);
    fragment.set("error_code", err.code);
    fragment.set("error_description", err.message);
    fragment.set("sb", "");
    const url = new URL(redirectTo);
    url.hash = fragment.toString();
    return redirect(url.toString());
  }
}
