/**
 * SMS providers: what `auth-sms-hook` (Auth's codes) and `sms` (booking start codes) send through.
 * Chosen by SMS_PROVIDER:
 *
 *   local  (the default) — writes the message as one JSON line into the local stack's inbox
 *          (HL_SMS_INBOX, the file the local Auth server writes its own mail and SMS to), so
 *          `npm run inbox -- <phone>` shows it: {to, sent_at, channel: "sms", type, body, token,
 *          provider: "local"}. The functions host of the local stack sets HL_SMS_INBOX and lets
 *          functions write that one file; on hosted Supabase it is unset and `local` refuses to
 *          send (configuration error), so production must say SMS_PROVIDER=twilio.
 *   twilio — Twilio's Programmable Messaging REST API: POST
 *          https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic
 *          auth (account SID and auth token, or an API key SID and secret) and a form body
 *          To, Body and MessagingServiceSid (preferred) or From. 201 → the message resource
 *          ({sid, status, ...}); an error → {code, message, more_info, status}, mapped below.
 *
 * The message text (which carries a code) is never logged here, and SmsError messages never
 * contain it.
 */
import { appendFile } from "node:fs/promises";
import { optionalEnv } from "./env.ts";

export interface SmsMessage {
  /** E.164 with '+'. */
  to: string;
  body: string;
  /** What the message is for: confirmation, phone_change, start_code ... (inbox, logs). */
  purpose: string;
  /** The code the body carries (the local inbox records it, as the Auth server's inbox does). */
  code?: string;
}

export interface SmsReceipt {
  provider: string;
  /** The provider's message id (Twilio: SM...). */
  id: string;
  status: string;
}

/**
 * Why a send failed:
 *   recipient — the number cannot receive it (invalid, not mobile, unsubscribed, region blocked);
 *   rate_limited — the provider throttles us (retry later);
 *   configuration — our credentials, sender or service are wrong (an operator must act);
 *   unavailable — the provider or the network failed (retry later);
 *   rejected — anything else the provider refused.
 */
export type SmsErrorKind = "recipient" | "rate_limited" | "configuration" | "unavailable" | "rejected";

export class SmsError extends Error {
  readonly kind: SmsErrorKind;
  /** The provider's own error code (Twilio's numeric code as text), if any. */
  readonly providerCode?: string;
  readonly httpStatus?: number;

  constructor(kind: SmsErrorKind, message: string, providerCode?: string, httpStatus?: number) {
    super(message);
    this.name = "SmsError";
    this.kind = kind;
    this.providerCode = providerCode;
    this.httpStatus = httpStatus;
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}

export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage): Promise<SmsReceipt>;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** +971501234567 → +9715*****567: how numbers appear in logs. */
export function maskPhone(phone: string): string {
  return phone.length <= 8 ? "***" : `${phone.slice(0, 5)}${"*".repeat(phone.length - 8)}${phone.slice(-3)}`;
}

function checkMessage(m: SmsMessage): void {
  if (!E164.test(m.to)) throw new SmsError("recipient", "the recipient must be an E.164 number");
  if (!m.body) throw new SmsError("rejected", "empty message");
}

// ---- local ---------------------------------------------------------------------------------------

/** The local inbox record: the shape of platform/auth/inbox.ts InboxMessage, plus the provider. */
export interface LocalInboxRecord {
  to: string;
  sent_at: string;
  channel: "sms";
  type: string;
  body: string;
  token?: string;
  provider: "local";
}

export class LocalSmsProvider implements SmsProvider {
  readonly name = "local";

  constructor(
    private readonly inboxFile: string | undefined,
    private readonly now: () => Date = () => new Date(),
    private readonly append: (file: string, text: string) => Promise<void> = (file, text) =>
      appendFile(file, text, { encoding: "utf8" }),
  ) {}

  async send(message: SmsMessage): Promise<SmsReceipt> {
    checkMessage(message);
    if (!this.inboxFile) {
      throw new SmsError("configuration", "SMS_PROVIDER=local needs HL_SMS_INBOX (set by the local stack only)");
    }
    const record: LocalInboxRecord = {
      to: message.to,
      sent_at: this.now().toISOString(),
      channel: "sms",
      type: message.purpose,
      body: message.body,
      ...(message.code ? { token: message.code } : {}),
      provider: "local",
    };
    try {
      // One write of one line with O_APPEND: lines from the Auth server and functions never mix.
      await this.append(this.inboxFile, `${JSON.stringify(record)}\n`);
    } catch (err) {
      throw new SmsError("unavailable", `local inbox not writable: ${(err as Error).name}`);
    }
    return { provider: this.name, id: `local-${crypto.randomUUID()}`, status: "delivered" };
  }
}

// ---- Twilio ----------------------------------------------------------------------------------------

export interface TwilioOptions {
  accountSid: string;
  /** Basic auth user: the account SID, or an API key SID (SK...). */
  username?: string;
  /** Basic auth password: the auth token, or the API key's secret. */
  password: string;
  messagingServiceSid?: string;
  from?: string;
  /** Default https://api.twilio.com. */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions). */
interface TwilioErrorBody {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

/** Twilio REST error codes (https://www.twilio.com/docs/api/errors) → what they mean for us. */
const TWILIO_ERRORS: Record<number, SmsErrorKind> = {
  20003: "configuration", // Authentication error: wrong account SID / token
  20404: "configuration", // The requested resource was not found (wrong account SID)
  20429: "rate_limited", // Too many requests
  21211: "recipient", // Invalid 'To' phone number
  21212: "configuration", // Invalid 'From' phone number
  21214: "recipient", // 'To' phone number cannot be reached
  21217: "recipient", // Phone number does not appear to be valid
  21408: "recipient", // Permission to send an SMS has not been enabled for the region of 'To'
  21606: "configuration", // The 'From' number is not a valid, SMS-capable Twilio number for this account
  21608: "recipient", // Trial accounts can only send to verified numbers
  21610: "recipient", // Attempt to send to an unsubscribed recipient (STOP)
  21612: "recipient", // The 'To' number is not currently reachable via SMS
  21614: "recipient", // 'To' number is not a valid mobile number
  21617: "rejected", // The concatenated message body exceeds the 1600 character limit
  21701: "configuration", // The Messaging Service does not exist
  21703: "configuration", // The Messaging Service does not have a phone number available
  21704: "configuration", // The Messaging Service contains no phone numbers
  30002: "configuration", // Account suspended
  30007: "rejected", // Message filtered (carrier)
};

/** How a Twilio error answer maps to an SmsError. */
export function twilioError(httpStatus: number, body: TwilioErrorBody | undefined): SmsError {
  const code = typeof body?.code === "number" ? body.code : undefined;
  let kind: SmsErrorKind | undefined = code !== undefined ? TWILIO_ERRORS[code] : undefined;
  if (!kind) {
    if (httpStatus === 401 || httpStatus === 403) kind = "configuration";
    else if (httpStatus === 429) kind = "rate_limited";
    else if (httpStatus >= 500) kind = "unavailable";
    else kind = "rejected";
  }
  // Twilio's messages may echo the 'To' number, never the body: safe to keep.
  const text = body?.message ? `Twilio ${code ?? httpStatus}: ${body.message}` : `Twilio answered HTTP ${httpStatus}`;
  return new SmsError(kind, text, code !== undefined ? String(code) : undefined, httpStatus);
}

export class TwilioSmsProvider implements SmsProvider {
  readonly name = "twilio";
  private readonly opts: TwilioOptions;

  constructor(opts: TwilioOptions) {
    if (!/^AC[0-9a-fA-F]{32}$/.test(opts.accountSid)) throw new SmsError("configuration", "TWILIO_ACCOUNT_SID must be AC + 32 hex digits");
    if (!opts.password) throw new SmsError("configuration", "the Twilio auth token (or API key secret) is missing");
    if (!opts.messagingServiceSid && !opts.from) {
      throw new SmsError("configuration", "set TWILIO_MESSAGING_SERVICE_SID (MG...) or TWILIO_FROM (an E.164 number or sender id)");
    }
    this.opts = opts;
  }

  /** The request Twilio receives for `message` (exposed for the recorded-shape tests). */
  request(message: SmsMessage): { url: string; init: RequestInit } {
    const o = this.opts;
    const form = new URLSearchParams();
    form.set("To", message.to);
    if (o.messagingServiceSid) form.set("MessagingServiceSid", o.messagingServiceSid);
    else form.set("From", o.from!);
    form.set("Body", message.body);
    const base = (o.baseUrl ?? "https://api.twilio.com").replace(/\/+$/, "");
    return {
      url: `${base}/2010-04-01/Accounts/${o.accountSid}/Messages.json`,
      init: {
        method: "POST",
        headers: {
          Authorization: `Basic ${btoa(`${o.username ?? o.accountSid}:${o.password}`)}`,
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: form.toString(),
      },
    };
  }

  async send(message: SmsMessage): Promise<SmsReceipt> {
    checkMessage(message);
    const { url, init } = this.request(message);
    const doFetch = this.opts.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 4000) });
    } catch (err) {
      throw new SmsError("unavailable", `Twilio unreachable: ${(err as Error).name}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (res.status !== 200 && res.status !== 201) throw twilioError(res.status, body as TwilioErrorBody | undefined);
    const msg = body as { sid?: unknown; status?: unknown; error_code?: unknown; error_message?: unknown } | undefined;
    if (typeof msg?.sid !== "string") throw new SmsError("unavailable", "Twilio answered without a message sid", undefined, res.status);
    if (msg.status === "failed" || msg.status === "undelivered") {
      throw twilioError(400, { code: typeof msg.error_code === "number" ? msg.error_code : undefined, message: String(msg.error_message ?? msg.status) });
    }
    return { provider: this.name, id: msg.sid, status: typeof msg.status === "string" ? msg.status : "queued" };
  }
}

// ---- selection ---------------------------------------------------------------------------------

/** The provider SMS_PROVIDER names (local by default). Throws SmsError("configuration") when misconfigured. */
export function smsProviderFromEnv(get: (name: string) => string | undefined = (n) => optionalEnv(n)): SmsProvider {
  const name = (get("SMS_PROVIDER") ?? "local").toLowerCase();
  switch (name) {
    case "local":
      return new LocalSmsProvider(get("HL_SMS_INBOX"));
    case "twilio": {
      const accountSid = get("TWILIO_ACCOUNT_SID") ?? "";
      const apiKey = get("TWILIO_API_KEY_SID");
      return new TwilioSmsProvider({
        accountSid,
        username: apiKey ?? accountSid,
        password: (apiKey ? get("TWILIO_API_KEY_SECRET") : get("TWILIO_AUTH_TOKEN")) ?? "",
        messagingServiceSid: get("TWILIO_MESSAGING_SERVICE_SID"),
        from: get("TWILIO_FROM"),
      });
    }
    default:
      throw new SmsError("configuration", `SMS_PROVIDER must be local or twilio, not "${name}"`);
  }
}

