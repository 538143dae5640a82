/**
 * POST /functions/v1/auth-sms-hook — Auth's Send SMS hook (config.toml [auth.hook.send_sms];
 * verify_jwt = false: Auth signs its calls with Standard Webhooks instead of a JWT).
 *
 *   1. The Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature) is
 *      checked with the `standardwebhooks` package against every secret of SEND_SMS_HOOK_SECRET
 *      (`v1,whsec_<base64>`, `|`-separated while rotating); a timestamp more than 5 minutes off
 *      fails too. Failure: HTTP 401 {error: {http_code: 401, message: "HL684: ..."}}.
 *   2. The event {metadata: {ip_address, ...}, user, sms: {otp, phone?, sms_type?}} is validated
 *      (HTTP 400 HL683 otherwise).
 *   3. Inside one database transaction: private.check_sms_otp_send(phone, ip, webhook-id) counts
 *      the code (3 an hour per number and per client address, HL680 / HL681), then the SMS
 *      provider (SMS_PROVIDER) sends the text rendered in the user's language (profiles.locale,
 *      else the sign-up metadata's locale, else English). A failed send rolls the count back. A
 *      webhook-id seen in the last 10 minutes (a replayed call, or Auth retrying one that went
 *      through) sends nothing and counts nothing.
 *   4. 200 {} when sent (or already sent).
 *
 * Errors meant for the person asking for the code (limits, a number that cannot receive SMS, the
 * provider failing) are answered HTTP 200 with {error: {http_code, message}}: that is the answer
 * GoTrue turns into the client's error with that status and message (any non-2xx status from a
 * hook becomes a 500 "unexpected_failure" for the client, and a 429 with Retry-After makes Auth
 * call again). The message starts with the project's error code ("HL680: ...").
 *
 * Nothing logs the code or the text: one line per send with the purpose, provider, message id
 * and the number masked.
 */
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { corsHeaders } from "../_shared/cors.ts";
import { db } from "../_shared/db.ts";
import { optionalEnv } from "../_shared/env.ts";
import { renderSms } from "../_shared/sms-text.ts";
import { maskPhone, SmsError, type SmsProvider, smsProviderFromEnv } from "../_shared/sms.ts";

export interface SmsHookDeps {
  /** The hook secrets, each `v1,whsec_<base64>`. */
  secrets: () => string[];
  provider: () => SmsProvider;
  /** profiles.locale of the user, if the profile is visible (committed) yet. */
  locale: (userId: string) => Promise<string | undefined>;
  /**
   * Counts one code for (phone, ip) and runs `send` in the same transaction: a refusal raises
   * HL680/HL681 (a postgres error with that code), a failed send undoes the count. A message id
   * (webhook-id) already counted returns null without calling `send`.
   */
  allowance: <T>(phone: string, ip: string | undefined, messageId: string, send: () => Promise<T>) => Promise<T | null>;
  /** How long Auth's code is valid, for the text (Auth's SMS OTP expiry; 10 minutes). */
  validMinutes?: number;
  log?: (line: string) => void;
}

const event = z.object({
  metadata: z.object({
    uuid: z.string().optional(),
    time: z.string().optional(),
    name: z.string().optional(),
    ip_address: z.string().max(64).optional(),
  }).loose().optional(),
  user: z.object({
    id: z.uuid(),
    phone: z.string().optional(),
    new_phone: z.string().optional(),
    user_metadata: z.record(z.string(), z.unknown()).optional(),
  }).loose(),
  sms: z.object({
    otp: z.string().regex(/^[0-9]{4,10}$/),
    phone: z.string().optional(),
    sms_type: z.string().max(40).optional(),
  }).loose(),
}).loose();

/** E.164 with '+' from what Auth sends ('+' or not, as auth.users stores it). */
function e164(raw: string | undefined): string | undefined {
  const digits = (raw ?? "").replace(/[\s()+-]/g, "");
  return /^[1-9][0-9]{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

/** GoTrue's hook error output (AU internal/hooks/hookserrors). */
function hookError(status: number, httpCode: number, message: string, headers?: HeadersInit): Response {
  const h = new Headers(corsHeaders);
  h.set("Content-Type", "application/json");
  if (headers) new Headers(headers).forEach((v, k) => h.set(k, v));
  return new Response(JSON.stringify({ error: { http_code: httpCode, message } }), { status, headers: h });
}

function ok(): Response {
  return new Response("{}", { status: 200, headers: { ...corsHeaders, "Content-Type": "application/json" } });
}

/** Verifies the Standard Webhooks headers against any of the secrets. */
export function verifySignature(secrets: string[], payload: string, headers: Headers): boolean {
  const wanted = {
    "webhook-id": headers.get("webhook-id") ?? "",
    "webhook-timestamp": headers.get("webhook-timestamp") ?? "",
    "webhook-signature": headers.get("webhook-signature") ?? "",
  };
  if (!wanted["webhook-id"] || !wanted["webhook-timestamp"] || !wanted["webhook-signature"]) return false;
  for (const secret of secrets) {
    try {
      new Webhook(secret.replace(/^v1,/, "")).verify(payload, wanted);
      return true;
    } catch (err) {
      // The package parses the body as JSON after a valid signature: a SyntaxError means a
      // signed body that is not JSON (answered 400 by the caller).
      if (err instanceof SyntaxError) return true;
      // wrong secret, tampered payload, stale or future timestamp: try the next secret
    }
  }
  return false;
}

/** retry_after_seconds from an HL006-style detail (JSON text), if any. */
function retryAfter(detail: unknown): number | undefined {
  try {
    const d = JSON.parse(String(detail ?? "")) as { retry_after_seconds?: unknown };
    return typeof d.retry_after_seconds === "number" ? d.retry_after_seconds : undefined;
  } catch {
    return undefined;
  }
}

const LIMIT_MESSAGES: Record<string, string> = {
  HL680: "Too many codes were sent to this phone number",
  HL681: "Too many codes were requested from this network address",
};

export function createSmsHookHandler(deps: SmsHookDeps): (req: Request) => Promise<Response> {
  const log = deps.log ?? ((line: string) => console.log(line));
  return async (req: Request): Promise<Response> => {
    if (req.method !== "POST") {
      return hookError(405, 405, "HL683: POST only", { Allow: "POST" });
    }
    const payload = await req.text();
    let secrets: string[];
    try {
      secrets = deps.secrets();
    } catch {
      log(JSON.stringify({ event: "sms_hook.misconfigured", reason: "SEND_SMS_HOOK_SECRET is not set" }));
      return hookError(500, 500, "HL685: The SMS hook is not configured.");
    }
    if (!verifySignature(secrets, payload, req.headers)) {
      return hookError(401, 401, "HL684: The webhook signature is missing, invalid or too old.");
    }
    let input: z.infer<typeof event>;
    try {
      input = event.parse(JSON.parse(payload));
    } catch {
      return hookError(400, 400, "HL683: The SMS request is invalid.");
    }
    // Auth (2.196) names the number in sms.phone. Without it (older GoTrue events carry only the
    // user), a pending phone change (user.new_phone) is used only when the event says so or the
    // user has no number yet: a code for the current number must never go to an unverified one.
    const phone = e164(input.sms.phone) ??
      (input.sms.sms_type === "phone_change" ? e164(input.user.new_phone) : undefined) ??
      e164(input.user.phone) ?? e164(input.user.new_phone);
    if (!phone) return hookError(400, 400, "HL683: The SMS request has no valid phone number.");
    const ip = input.metadata?.ip_address?.trim() || undefined;
    const userPhone = e164(input.user.phone);
    const purpose = input.sms.sms_type ?? (userPhone === phone ? "confirmation" : "phone_change");

    let locale: string | undefined;
    try {
      locale = await deps.locale(input.user.id);
    } catch {
      locale = undefined; // the language is a nicety; the code must still go out
    }
    const metaLocale = input.user.user_metadata?.locale;
    const body = renderSms("otp", locale ?? (typeof metaLocale === "string" ? metaLocale : undefined), input.sms.otp,
      deps.validMinutes ?? 10);

    try {
      const messageId = req.headers.get("webhook-id") ?? "";
      const receipt = await deps.allowance(phone, ip, messageId, () =>
        deps.provider().send({ to: phone, body, purpose, code: input.sms.otp })
      );
      if (receipt === null) {
        log(JSON.stringify({ event: "sms_hook.duplicate", purpose, to: maskPhone(phone) }));
        return ok();
      }
      log(JSON.stringify({ event: "sms_hook.sent", purpose, provider: receipt.provider, id: receipt.id, to: maskPhone(phone) }));
      return ok();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === "HL680" || code === "HL681") {
        const after = retryAfter((err as { detail?: unknown }).detail);
        log(JSON.stringify({ event: "sms_hook.limited", code, to: maskPhone(phone) }));
        return hookError(200, 429, `${code}: ${LIMIT_MESSAGES[code]}; try again${after ? ` in ${after} seconds` : " later"}.`);
      }
      if (code === "HL683") return hookError(200, 400, "HL683: The SMS request has no valid phone number.");
      if (err instanceof SmsError) {
        log(JSON.stringify({ event: "sms_hook.failed", kind: err.kind, provider_code: err.providerCode, to: maskPhone(phone) }));
        if (err.kind === "recipient") return hookError(200, 400, "HL686: This phone number cannot receive SMS.");
        return hookError(200, 502, "HL685: The SMS could not be sent.");
      }
      log(JSON.stringify({ event: "sms_hook.error", error: (err as Error).name, message: (err as Error).message }));
      return hookError(500, 500, "HL685: The SMS could not be sent.");
    }
  };
}

/** The secrets from SEND_SMS_HOOK_SECRET (`|`-separated during a rotation). */
export function hookSecrets(raw: string | undefined): string[] {
  const secrets = (raw ?? "").split("|").map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) throw new Error("SEND_SMS_HOOK_SECRET is not set");
  return secrets;
}

export const handler = createSmsHookHandler({
  secrets: () => hookSecrets(optionalEnv("SEND_SMS_HOOK_SECRET")),
  provider: () => smsProviderFromEnv(),
  locale: async (userId) => {
    const rows = await db()`select locale from public.profiles where id = ${userId}`;
    return rows[0]?.locale as string | undefined;
  },
  allowance: <T>(phone: string, ip: string | undefined, messageId: string, send: () => Promise<T>) =>
    db().begin(async (tx) => {
      const [row] = await tx`select private.check_sms_otp_send(${phone}, ${ip ?? null}, ${messageId}) as r`;
      if ((row.r as { duplicate?: boolean }).duplicate) return null;
      return await send();
    }) as unknown as Promise<T | null>,
  validMinutes: Number(optionalEnv("SMS_OTP_VALID_MINUTES", "10")),
});
