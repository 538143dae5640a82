/**
 * POST /signup (AU internal/api/signup.go): email or phone with a password and `data`.
 *
 * New user, in one transaction: insert auth.users (bcrypt password, metadata) → set role →
 * insert auth.identities (provider email|phone, identity_data {sub, email, email_verified,
 * phone_verified} + data) → user_metadata := identity_data, app_metadata.providers → then either
 * autoconfirm (audit user_signedup, *_confirmed_at) or a confirmation code (audit
 * user_confirmation_requested, email/SMS, one_time_tokens). A confirmed user gets a session in a
 * second transaction (audit login). An existing confirmed address: 422 user_already_exists
 * with autoconfirm, else a look-alike user object (no enumeration); audit user_repeated_signup.
 */
import { randomUUID } from "node:crypto";
import { audit, actorOf } from "../audit.ts";
import { requestAud, grantInfo, requestInfo, type AuthContext } from "../context.ts";
import { hashPassword } from "../crypto.ts";
import type { Tx } from "../db.ts";
import { AuthError, badRequest, internal, unprocessable } from "../errors.ts";
import { hookMetadata, runHook } from "../hooks.ts";
import { field, json, readParams, type AuthRequest, type Reply } from "../http.ts";
import { sendConfirmationEmail, sendPhoneOtp } from "../messages.ts";
import { checkRequestRate } from "../ratelimit.ts";
import { issueSession, tokenSettings } from "../sessions.ts";
import { addSignupIdentity, autoconfirm, insertUserWithIdentity } from "../register.ts";
import { findDuplicateEmailUser, findUserByPhone, insertUser, isEmailConfirmed, isPhoneConfirmed, setRole, userJson, type User } from "../users.ts";
import { checkPasswordStrength, rejectPkceFlow, validateChannel, validateEmail, validatePhone, validatePkceParams } from "../validate.ts";
import { sessionJson } from "./session-json.ts";

export interface SignupParams {
  email: string;
  phone: string;
  password: string;
  data: Record<string, unknown>;
  channel: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

export function signupParams(body: Record<string, unknown>): SignupParams {
  return {
    email: field.string(body, "email"),
    phone: field.string(body, "phone"),
    password: field.string(body, "password"),
    data: field.object(body, "data") ?? {},
    channel: field.string(body, "channel"),
    codeChallenge: field.string(body, "code_challenge"),
    codeChallengeMethod: field.string(body, "code_challenge_method"),
  };
}

class UserExists extends Error {
  constructor(readonly user: User) {
    super("user already exists");
  }
}

/** GoTrue's Signup handler; also called by /otp for new users (its reply then discarded). */
export async function signup(ctx: AuthContext, req: AuthRequest, p: SignupParams): Promise<Reply> {
  const { cfg } = ctx;
  if (cfg.disableSignup) throw unprocessable("signup_disabled", "Signups not allowed for this instance");
  const provider = p.email ? "email" : p.phone ? "phone" : "";
  if (p.phone && !p.channel) p.channel = "sms";

  // validateSignupParams
  if (p.password === "") throw badRequest("validation_failed", "Signup requires a valid password");
  checkPasswordStrength(cfg, p.password);
  if (p.email && p.phone) throw badRequest("validation_failed", "Only an email address or phone number should be provided on signup.");
  if (provider === "phone") validateChannel(cfg, p.channel);
  if (p.phone && p.codeChallenge) throw badRequest("validation_failed", "PKCE not supported for phone signups");
  validatePkceParams(p.codeChallenge, p.codeChallengeMethod);

  const aud = requestAud(ctx, req);
  let user: User | null;
  if (provider === "email") {
    if (!cfg.email.enabled) throw badRequest("email_provider_disabled", "Email signups are disabled");
    p.email = validateEmail(p.email);
    user = await findDuplicateEmailUser(ctx.sql, p.email, aud);
  } else if (provider === "phone") {
    if (!cfg.sms.enabled) throw badRequest("phone_provider_disabled", "Phone signups are disabled");
    p.phone = validatePhone(p.phone);
    user = await findUserByPhone(ctx.sql, p.phone, aud);
  } else {
    const msg = cfg.email.enabled && cfg.sms.enabled
      ? "Sign up only available with email or phone provider"
      : cfg.email.enabled
      ? "Sign up only available with email provider"
      : cfg.sms.enabled
      ? "Sign up only available with phone provider"
      : "Sign up with this provider not possible";
    throw badRequest("validation_failed", msg);
  }
  if (provider === "email" && !cfg.email.autoconfirm) rejectPkceFlow(p.codeChallenge);

  // Outside the transaction, as GoTrue hashes before it opens one.
  let newUserId: string | undefined;
  let encrypted: string | undefined;
  if (!user) {
    newUserId = randomUUID();
    encrypted = await hashPassword(p.password);
    if (cfg.hooks.beforeUserCreated) {
      await runHook(ctx.sql, cfg.hooks.beforeUserCreated, {
        metadata: hookMetadata("before-user-created", req.ip),
        user: {
          id: newUserId,
          aud,
          role: "",
          email: provider === "email" ? p.email : "",
          phone: provider === "phone" ? p.phone : "",
          app_metadata: { provider, providers: [provider] },
          user_metadata: p.data,
          identities: [],
          created_at: new Date(0).toISOString(),
          updated_at: new Date(0).toISOString(),
          is_anonymous: false,
        },
      });
    }
  }

  const info = requestInfo(req);
  let signedUp: User;
  try {
    signedUp = await ctx.sql.begin(async (tx: Tx) => {
      let u: User;
      if (user) {
        if ((provider === "email" && isEmailConfirmed(user.row)) || (provider === "phone" && isPhoneConfirmed(user.row))) {
          throw new UserExists(user);
        }
        u = user; // an unconfirmed account: GoTrue does not trust the claimed identity enough to update it
      } else {
        try {
          u = await insertUserWithIdentity(tx, {
            id: newUserId!,
            aud,
            role: cfg.defaultRole,
            provider: provider as "email" | "phone",
            email: p.email,
            phone: p.phone,
            encryptedPassword: encrypted!,
            data: p.data,
          });
        } catch (err) {
          if (err instanceof AuthError) throw err;
          ctx.log(`[auth] signup: ${(err as Error).message}`);
          throw internal("Database error saving new user");
        }
      }
      if (user) await addSignupIdentity(tx, u, provider, p.data);
      if (provider === "email" && !isEmailConfirmed(u.row)) {
        if (cfg.email.autoconfirm) {
          await autoconfirm(tx, u, "email", { provider });
        } else {
          await audit(tx, actorOf(u.row), "user_confirmation_requested", { provider });
          await sendConfirmationEmail(ctx, tx, u, info);
        }
      } else if (provider === "phone" && !isPhoneConfirmed(u.row)) {
        if (cfg.sms.autoconfirm) {
          await autoconfirm(tx, u, "phone", { provider, channel: p.channel });
        } else {
          await audit(tx, actorOf(u.row), "user_confirmation_requested", { provider });
          await sendPhoneOtp(ctx, tx, u, p.phone, "confirmation", p.channel, info);
        }
      }
      return u;
    });
  } catch (err) {
    if (!(err instanceof UserExists)) throw err;
    await audit(ctx.sql, actorOf(err.user.row), "user_repeated_signup", { provider });
    if (cfg.email.autoconfirm || cfg.sms.autoconfirm) throw unprocessable("user_already_exists", "User already registered");
    return json(sanitizedUser(err.user, p, provider, aud));
  }

  if (isEmailConfirmed(signedUp.row) || isPhoneConfirmed(signedUp.row)) {
    const issued = await ctx.sql.begin(async (tx: Tx) => {
      await audit(tx, actorOf(signedUp.row), "login", { provider });
      return issueSession(tx, tokenSettings(cfg), signedUp, "password", grantInfo(req));
    });
    return json(sessionJson(issued));
  }
  return json(userJson(signedUp));
}

/** GoTrue's sanitizeUser: a plausible new user, so sign-up does not reveal registered addresses. */
function sanitizedUser(u: User, p: SignupParams, provider: string, aud: string): Record<string, unknown> {
  const now = new Date().toISOString();
  const out = userJson({ row: { ...u.row }, identities: [] });
  out.id = randomUUID();
  out.aud = aud;
  out.role = "";
  out.confirmation_sent_at = now;
  for (const k of ["email_confirmed_at", "phone_confirmed_at", "confirmed_at", "last_sign_in_at", "email_change_sent_at", "new_email"]) delete out[k];
  out.created_at = now;
  out.updated_at = now;
  out.user_metadata = p.data;
  out.app_metadata = { provider, providers: [provider] };
  if (provider === "email") out.phone = "";
  else out.email = "";
  return out;
}

/** GoTrue's SignupAnonymously: a user without email, phone, password or identity, signed in. */
async function signupAnonymously(ctx: AuthContext, req: AuthRequest, p: SignupParams): Promise<Reply> {
  const { cfg } = ctx;
  if (cfg.disableSignup) throw unprocessable("signup_disabled", "Signups not allowed for this instance");
  const aud = requestAud(ctx, req);
  const id = randomUUID();
  try {
    const issued = await ctx.sql.begin(async (tx: Tx) => {
      const u = await insertUser(tx, { id, aud, email: "", phone: "", encryptedPassword: "", userMetadata: p.data, appMetadata: {}, isAnonymous: true });
      await setRole(tx, u, cfg.defaultRole);
      return issueSession(tx, tokenSettings(cfg), u, "anonymous", grantInfo(req));
    });
    return json(sessionJson(issued));
  } catch (err) {
    if (err instanceof AuthError) throw err;
    ctx.log(`[auth] anonymous sign-up: ${(err as Error).message}`);
    throw internal("Database error creating anonymous user");
  }
}

export async function signupRoute(ctx: AuthContext, req: AuthRequest): Promise<Reply> {
  const body = await readParams(req);
  const p = signupParams(body);
  if (!p.email && !p.phone) {
    if (!ctx.cfg.anonymousEnabled) throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
    checkRequestRate(ctx.limiters.anonymous, req.ip);
    return signupAnonymously(ctx, req, p);
  }
  checkRequestRate(ctx.limiters.signups, req.ip);
  return signup(ctx, req, p);
}
