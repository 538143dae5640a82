/** Input checks with GoTrue's errors (AU internal/api/mail.go validateEmail, phone.go, password.go). */
import type { AuthConfig } from "./config.ts";
import { badRequest, WeakPasswordError } from "./errors.ts";

const EMAIL_FORMAT =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateEmail(email: string): string {
  if (email === "") throw badRequest("validation_failed", "An email address is required");
  if (email.length > 255) throw badRequest("validation_failed", "An email address is too long");
  if (!EMAIL_FORMAT.test(email)) throw badRequest("validation_failed", "Unable to validate email address: invalid format");
  return email.toLowerCase();
}

/** GoTrue's formatPhoneNumber: no leading '+', no spaces. */
export function formatPhone(phone: string): string {
  return phone.replace(/^\+/, "").replace(/ /g, "");
}

export function validatePhone(phone: string): string {
  const p = formatPhone(phone);
  if (!/^[1-9][0-9]{1,14}$/.test(p)) throw badRequest("validation_failed", "Invalid phone number format (E.164 required)");
  return p;
}

export const INVALID_CHANNEL =
  "Invalid channel, supported values are 'sms' or 'whatsapp'. 'whatsapp' is only supported if Twilio or Twilio Verify is used as the provider.";

export function validateChannel(cfg: AuthConfig, channel: string): void {
  if (cfg.hooks.sendSms || channel === "sms") return;
  if (channel === "whatsapp" && (cfg.sms.provider === "twilio" || cfg.sms.provider === "twilio_verify")) return;
  throw badRequest("validation_failed", INVALID_CHANNEL);
}

export const MAX_PASSWORD_LENGTH = 72;

/** GoTrue's checkPasswordStrength (no HaveIBeenPwned check locally). */
export function checkPasswordStrength(cfg: AuthConfig, password: string): void {
  if (Buffer.byteLength(password) > MAX_PASSWORD_LENGTH) {
    throw badRequest("validation_failed", `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  const reasons: string[] = [];
  const messages: string[] = [];
  if (Buffer.byteLength(password) < cfg.password.minLength) {
    reasons.push("length");
    messages.push(`Password should be at least ${cfg.password.minLength} characters.`);
  }
  for (const set of cfg.password.requiredCharacters) {
    if (set && ![...password].some((ch) => set.includes(ch))) {
      reasons.push("characters");
      messages.push(`Password should contain at least one character of each: ${cfg.password.requiredCharacters.join(", ")}.`);
      break;
    }
  }
  if (reasons.length > 0) throw new WeakPasswordError(messages.join(" "), reasons);
}

const INVALID_PKCE = "PKCE flow requires code_challenge_method and code_challenge";

/** GoTrue's validatePKCEParams: both or neither. */
export function validatePkceParams(codeChallenge: string, codeChallengeMethod: string): void {
  if ((codeChallenge === "") !== (codeChallengeMethod === "")) throw badRequest("validation_failed", INVALID_PKCE);
  if (codeChallenge && !/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge)) {
    throw badRequest("validation_failed", "code challenge has to be between 43 and 128 characters");
  }
}

/** Where GoTrue would store a PKCE flow state (auth.flow_state), which the local server does not keep. */
export function rejectPkceFlow(codeChallenge: string): void {
  if (codeChallenge) {
    throw badRequest("validation_failed", "PKCE flow (code_challenge) is not available on the local Auth server; use the implicit flow locally");
  }
}
