/**
 * One-time codes and the messages carrying them, as GoTrue sends them (AU internal/api/phone.go
 * sendPhoneConfirmation, mail.go sendConfirmation / sendMagicLink / sendPasswordRecovery /
 * sendEmail, internal/mailer/templatemailer default templates):
 *
 *   - frequency: a second code of one kind within max_frequency → 429 (over_sms_send_rate_limit /
 *     over_email_send_rate_limit, "For security purposes, you can only request this after N seconds.");
 *   - global limits: SMS per hour (unless phone autoconfirm), emails per hour (unless email
 *     autoconfirm; lifted locally without a custom SMTP server, as the CLI does);
 *   - [auth.sms.test_otp] numbers get their fixed code and no message;
 *   - the Send SMS / Send Email hooks when enabled (inside the transaction), otherwise the local
 *     inbox (Supabase's local stack shows mail in Mailpit; SMS without a provider are captured too);
 *   - the user's token column gets the hash, *_sent_at now, and auth.one_time_tokens its row.
 */
import type { AuthConfig } from "./config.ts";
import { generateOtp, tokenHash } from "./crypto.ts";
import type { Tx } from "./db.ts";
import { internal, tooManyRequests, unprocessable } from "./errors.ts";
import { hookMetadata, runHook } from "./hooks.ts";
import { appendInbox, type InboxMessage } from "./inbox.ts";
import type { Limiters } from "./ratelimit.ts";
import { createOneTimeToken, updateUser, userJson, type User } from "./users.ts";

export interface MessageContext {
  cfg: AuthConfig;
  limiters: Limiters;
  inboxFile: string;
}

export interface RequestInfo {
  ip: string;
  /** redirect_to of the request (query or body), checked against the allow list. */
  redirectTo?: string;
  referer?: string;
}

function frequencyMessage(sentAt: Date, maxFrequencyMs: number): string {
  const left = Math.trunc((new Date(sentAt).getTime() + maxFrequencyMs - Date.now()) / 1000);
  return `For security purposes, you can only request this after ${left} seconds.`;
}

/** GoTrue's IsRedirectURLValid (site URL origin, loopback addresses, the allow list with globs). */
export function isRedirectUrlValid(cfg: AuthConfig, redirectUrl: string | undefined): boolean {
  if (!redirectUrl) return false;
  let base: URL;
  let ref: URL;
  try {
    base = new URL(cfg.siteUrl);
    ref = new URL(redirectUrl);
  } catch {
    return false;
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]", "::1"].includes(ref.hostname);
  if (base.hostname === ref.hostname && base.protocol === ref.protocol && (base.port === ref.port || loopback)) return true;
  if (/^[0-9]+$/.test(ref.hostname)) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ref.hostname) || ref.hostname.startsWith("[")) return loopback;
  const target = redirectUrl.split("#")[0];
  return cfg.redirectAllowList.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/.]*").replace(/\u0000/g, ".*")}$`);
    return re.test(target);
  });
}

/** GoTrue's GetReferrer: redirect_to if allowed, else the Referer if allowed, else the site URL. */
export function referrerUrl(cfg: AuthConfig, info: RequestInfo): string {
  if (isRedirectUrlValid(cfg, info.redirectTo)) return info.redirectTo!;
  if (isRedirectUrlValid(cfg, info.referer)) return info.referer!;
  return cfg.siteUrl;
}

// ---- SMS ----------------------------------------------------------------------------------------

export type PhoneOtpType = "confirmation" | "phone_change" | "reauthentication";

/**
 * GoTrue's sendPhoneConfirmation. Returns the message id ("test-otp" for a test number, "" else).
 */
export async function sendPhoneOtp(
  ctx: MessageContext,
  tx: Tx,
  user: User,
  phone: string,
  otpType: PhoneOtpType,
  channel: string,
  info: RequestInfo,
): Promise<string> {
  const { cfg } = ctx;
  const r = user.row;
  const sentAt = otpType === "phone_change" ? r.phone_change_sent_at : otpType === "confirmation" ? r.confirmation_sent_at : r.reauthentication_sent_at;
  if (sentAt && new Date(sentAt).getTime() + cfg.sms.maxFrequencyMs >= Date.now()) {
    throw tooManyRequests("over_sms_send_rate_limit", frequencyMessage(sentAt, cfg.sms.maxFrequencyMs));
  }
  let otp = cfg.sms.testOtp.get(phone) ?? "";
  const messageId = otp ? "test-otp" : "";
  if (!otp) {
    if (!cfg.sms.autoconfirm && !ctx.limiters.sms.allow()) {
      throw tooManyRequests("over_sms_send_rate_limit", "SMS rate limit exceeded");
    }
    otp = generateOtp(cfg.sms.otpLength);
    if (cfg.hooks.sendSms) {
      await runHook(tx, cfg.hooks.sendSms, {
        metadata: hookMetadata("send-sms", info.ip),
        user: userJson(user),
        sms: { otp, phone },
      });
    } else {
      // The local SMS provider: GoTrue renders config.sms.template with {{ .Code }} and hands it to
      // the provider; here it lands in the inbox.
      const body = cfg.sms.template.replace(/\{\{\s*\.Code\s*\}\}/g, otp);
      try {
        await appendInbox(ctx.inboxFile, {
          to: `+${phone}`,
          sent_at: new Date().toISOString(),
          channel: channel === "whatsapp" ? "whatsapp" : "sms",
          type: otpType,
          body,
          token: otp,
        });
      } catch (err) {
        throw unprocessable("sms_send_failed", `Error sending ${otpType} OTP to provider: ${(err as Error).message}`);
      }
    }
  }
  const hash = tokenHash(phone, otp);
  const now = new Date();
  if (otpType === "confirmation") {
    await updateUser(tx, user, { confirmation_token: hash, confirmation_sent_at: now });
    await createOneTimeToken(tx, user.row.id, user.row.phone ?? "", hash, "confirmation_token");
  } else if (otpType === "phone_change") {
    await updateUser(tx, user, { phone_change: phone, phone_change_token: hash, phone_change_sent_at: now });
    await createOneTimeToken(tx, user.row.id, phone, hash, "phone_change_token");
  } else {
    await updateUser(tx, user, { reauthentication_token: hash, reauthentication_sent_at: now });
    await createOneTimeToken(tx, user.row.id, user.row.phone ?? "", hash, "reauthentication_token");
  }
  return messageId;
}

// ---- Email --------------------------------------------------------------------------------------

export type EmailAction = "signup" | "magiclink" | "recovery" | "email_change";

const SUBJECTS: Record<EmailAction, string> = {
  signup: "Confirm your email address",
  magiclink: "Your sign-in link",
  recovery: "Reset your password",
  email_change: "Confirm your new email address",
};

function renderBody(action: EmailAction, url: string, newEmail: string): string {
  switch (action) {
    case "signup":
      return `<h2>Confirm your email address</h2>\n\n<p>Follow the link below to confirm this email address and finish signing up.</p>\n<p><a href="${url}">Confirm email address</a></p>\n`;
    case "magiclink":
      return `<h2>Your sign-in link</h2>\n\n<p>Follow the link below to sign in. This link expires shortly and can only be used once.</p>\n<p><a href="${url}">Sign in</a></p>`;
    case "recovery":
      return `<h2>Reset your password</h2>\n\n<p>We received a request to reset your password. Follow the link below to choose a new one.</p>\n<p><a href="${url}">Reset password</a></p>\n<p>If you didn't request this, you can safely ignore this email.</p>`;
    case "email_change":
      return `<h2>Confirm your new email address</h2>\n\n<p>Follow the link below to confirm ${newEmail} as your new email address.</p>\n<p><a href="${url}">Confirm new email address</a></p>\n<p>If you didn't request this change, you can safely ignore this email.</p>`;
  }
}

const EMAIL_RATE_LIMIT = () => tooManyRequests("over_email_send_rate_limit", "email rate limit exceeded");

/** GoTrue's sendEmail: the global limit, then the Send Email hook or the inbox. */
async function deliverEmail(
  ctx: MessageContext,
  tx: Tx,
  user: User,
  p: {
    action: EmailAction;
    to: string;
    otp: string;
    tokenHash: string;
    referrer: string;
    otpNew?: string;
    tokenHashNew?: string;
    newEmail?: string;
  },
  info: RequestInfo,
): Promise<void> {
  const { cfg } = ctx;
  if (cfg.rateLimits.emailSent === 0) throw EMAIL_RATE_LIMIT();
  if (!cfg.email.autoconfirm && !ctx.limiters.email.allow()) throw EMAIL_RATE_LIMIT();
  if (cfg.hooks.sendEmail) {
    await runHook(tx, cfg.hooks.sendEmail, {
      metadata: hookMetadata("send-email", info.ip),
      user: userJson(user),
      email_data: {
        token: p.otp,
        token_hash: p.tokenHash,
        redirect_to: p.referrer,
        email_action_type: p.action,
        site_url: cfg.externalUrl,
        token_new: p.otpNew ?? "",
        token_hash_new: p.tokenHashNew ?? "",
        old_email: "",
        old_phone: "",
        provider: "",
        factor_type: "",
      },
    });
    return;
  }
  const url = `${cfg.externalUrl}/verify?token=${encodeURIComponent(p.tokenHash)}&type=${p.action}&redirect_to=${encodeURIComponent(p.referrer)}`;
  const message: InboxMessage = {
    to: p.to,
    sent_at: new Date().toISOString(),
    channel: "email",
    type: p.action,
    subject: SUBJECTS[p.action],
    body: renderBody(p.action, url, p.newEmail ?? ""),
    token: p.otp,
    confirmation_url: url,
  };
  try {
    await appendInbox(ctx.inboxFile, message);
  } catch (err) {
    throw internal(`Error sending ${p.action} email: ${(err as Error).message}`);
  }
}

function checkEmailFrequency(cfg: AuthConfig, sentAt: Date | null): void {
  if (sentAt && new Date(sentAt).getTime() + cfg.email.maxFrequencyMs > Date.now()) {
    throw tooManyRequests("over_email_send_rate_limit", frequencyMessage(sentAt, cfg.email.maxFrequencyMs));
  }
}

/** GoTrue's sendConfirmation (sign-up confirmation code and link). */
export async function sendConfirmationEmail(ctx: MessageContext, tx: Tx, user: User, info: RequestInfo): Promise<void> {
  const { cfg } = ctx;
  checkEmailFrequency(cfg, user.row.confirmation_sent_at);
  const otp = generateOtp(cfg.email.otpLength);
  const hash = tokenHash(user.row.email ?? "", otp);
  await deliverEmail(ctx, tx, user, { action: "signup", to: user.row.email ?? "", otp, tokenHash: hash, referrer: referrerUrl(cfg, info) }, info);
  await updateUser(tx, user, { confirmation_token: hash, confirmation_sent_at: new Date() });
  await createOneTimeToken(tx, user.row.id, user.row.email ?? "", hash, "confirmation_token");
}

/** GoTrue's sendMagicLink / sendPasswordRecovery: a recovery token (magic link or reset). */
export async function sendRecoveryEmail(ctx: MessageContext, tx: Tx, user: User, action: "magiclink" | "recovery", info: RequestInfo): Promise<void> {
  const { cfg } = ctx;
  checkEmailFrequency(cfg, user.row.recovery_sent_at);
  const otp = generateOtp(cfg.email.otpLength);
  const hash = tokenHash(user.row.email ?? "", otp);
  await deliverEmail(ctx, tx, user, { action, to: user.row.email ?? "", otp, tokenHash: hash, referrer: referrerUrl(cfg, info) }, info);
  await updateUser(tx, user, { recovery_token: hash, recovery_sent_at: new Date() });
  await createOneTimeToken(tx, user.row.id, user.row.email ?? "", hash, "recovery_token");
}

/**
 * GoTrue's sendEmailChange: a code to the new address, and with secure email change
 * (double_confirm_changes) another to the current one.
 */
export async function sendEmailChange(ctx: MessageContext, tx: Tx, user: User, email: string, info: RequestInfo): Promise<void> {
  const { cfg } = ctx;
  checkEmailFrequency(cfg, user.row.email_change_sent_at);
  const otpNew = generateOtp(cfg.email.otpLength);
  const hashNew = tokenHash(email, otpNew);
  const secure = cfg.email.secureEmailChange && Boolean(user.row.email);
  const otpCurrent = secure ? generateOtp(cfg.email.otpLength) : "";
  const hashCurrent = secure ? tokenHash(user.row.email ?? "", otpCurrent) : "";
  const referrer = referrerUrl(cfg, info);
  if (cfg.hooks.sendEmail) {
    await deliverEmail(ctx, tx, user, {
      action: "email_change",
      to: email,
      otp: secure ? otpCurrent : otpNew,
      tokenHash: secure ? hashCurrent : hashNew,
      otpNew: secure ? otpNew : "",
      tokenHashNew: secure ? hashNew : "",
      referrer,
      newEmail: email,
    }, info);
  } else {
    await deliverEmail(ctx, tx, user, { action: "email_change", to: email, otp: otpNew, tokenHash: hashNew, referrer, newEmail: email }, info);
    if (secure) {
      await deliverEmail(ctx, tx, user, {
        action: "email_change",
        to: user.row.email ?? "",
        otp: otpCurrent,
        tokenHash: hashCurrent,
        referrer,
        newEmail: email,
      }, info);
    }
  }
  await updateUser(tx, user, {
    email_change: email,
    email_change_token_new: hashNew,
    // Without secure email change GoTrue leaves the current-address token as it was.
    email_change_token_current: secure ? hashCurrent : user.row.email_change_token_current ?? "",
    email_change_confirm_status: 0,
    email_change_sent_at: new Date(),
  });
  if (secure) await createOneTimeToken(tx, user.row.id, user.row.email ?? "", hashCurrent, "email_change_token_current");
  await createOneTimeToken(tx, user.row.id, email, hashNew, "email_change_token_new");
}
