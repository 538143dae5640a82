/**
 * POST /functions/v1/sms — SMS a signed-in user asks for (verify_jwt = true: the user's token).
 *
 *   {"action": "booking_start_code", "booking_id": "<uuid>"}
 *     The booking's start code to the customer's verified phone, in their language. With the
 *     user's token: rpc claim_start_code_sms(p_booking_id) checks that the caller is the
 *     customer, the booking is accepted / en route / arrived, the code is not locked and the phone
 *     is verified, counts the send (rate_limit.start_code_sms: 3 an hour per booking) and
 *     returns the number, the locale and the code; then the SMS provider (SMS_PROVIDER) sends it.
 *     200 → {sent: true, to: "+9715*****567", provider, id}.
 *
 * Errors ({code, message, details?}): 400 invalid_request (zod) / invalid_json; 401 HL001 without
 * a user; the RPC's errors as PostgREST answers them (HL400 404, HL403 403, HL423 423, HL424 409,
 * HL682 409, HL006 429 with Retry-After); the provider: 400 HL686 (the number cannot receive
 * SMS), 502 HL685 (a send that failed still counts against the limit). The code is never logged.
 */
import { z } from "zod";
import { bearer, handle, HttpError, json, methodNotAllowed, readJson } from "../_shared/http.ts";
import { requireEnv } from "../_shared/env.ts";
import { renderSms } from "../_shared/sms-text.ts";
import { maskPhone, SmsError, type SmsProvider, smsProviderFromEnv } from "../_shared/sms.ts";

export interface SmsDeps {
  supabaseUrl: () => string;
  anonKey: () => string;
  provider: () => SmsProvider;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

const request = z.discriminatedUnion("action", [
  z.object({ action: z.literal("booking_start_code"), booking_id: z.uuid() }).strict(),
]);

/** The sub claim of a JWT the gateway already verified. */
function tokenSub(token: string): string | undefined {
  try {
    const part = token.split(".")[1] ?? "";
    const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (part.length % 4)) % 4);
    const claims = JSON.parse(atob(padded)) as { sub?: unknown };
    return typeof claims.sub === "string" && claims.sub ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

interface Claimed {
  phone: string;
  locale: string;
  code: string;
}

export function createSmsHandler(deps: SmsDeps): (req: Request) => Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  const log = deps.log ?? ((line: string) => console.log(line));
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token || !tokenSub(token)) throw new HttpError(401, "HL001", "You must be signed in to do this.");
    const input = await readJson(req, request);

    const res = await doFetch(`${deps.supabaseUrl()}/rest/v1/rpc/claim_start_code_sms`, {
      method: "POST",
      headers: {
        apikey: deps.anonKey(),
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
      body: JSON.stringify({ p_booking_id: input.booking_id }),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) {
      const e = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
      if (typeof e.code !== "string" || typeof e.message !== "string") {
        throw new HttpError(502, "upstream_error", "The database API answered unexpectedly");
      }
      const headers: Record<string, string> = {};
      if (res.status === 429) {
        try {
          const after = (JSON.parse(String(e.details)) as { retry_after_seconds?: unknown }).retry_after_seconds;
          if (typeof after === "number") headers["Retry-After"] = String(after);
        } catch {
          // details without a retry time
        }
      }
      return json({ code: e.code, message: e.message, ...(e.details != null ? { details: e.details } : {}) }, res.status, headers);
    }
    const claimed = (Array.isArray(body) ? body[0] : body) as Claimed | undefined;
    if (!claimed?.phone || !claimed.code) throw new HttpError(502, "upstream_error", "The database API answered unexpectedly");

    const message = renderSms("start_code", claimed.locale, claimed.code);
    try {
      const receipt = await deps.provider().send({ to: claimed.phone, body: message, purpose: "start_code", code: claimed.code });
      log(JSON.stringify({ event: "sms.sent", purpose: "start_code", provider: receipt.provider, id: receipt.id, to: maskPhone(claimed.phone) }));
      return json({ sent: true, to: maskPhone(claimed.phone), provider: receipt.provider, id: receipt.id });
    } catch (err) {
      if (!(err instanceof SmsError)) throw err;
      log(JSON.stringify({ event: "sms.failed", purpose: "start_code", kind: err.kind, provider_code: err.providerCode, to: maskPhone(claimed.phone) }));
      if (err.kind === "recipient") throw new HttpError(400, "HL686", "This phone number cannot receive SMS.", { provider_code: err.providerCode });
      throw new HttpError(502, "HL685", "The SMS could not be sent.", { kind: err.kind, provider_code: err.providerCode });
    }
  });
}

export const handler = createSmsHandler({
  supabaseUrl: () => requireEnv("SUPABASE_URL"),
  anonKey: () => requireEnv("SUPABASE_ANON_KEY"),
  provider: () => smsProviderFromEnv(),
});
