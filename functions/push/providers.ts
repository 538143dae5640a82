/**
 * Push providers: what the `push` function sends a claimed delivery through.
 *
 *   RecordingProvider (PUSH_PROVIDER=recording, the local default): sends nothing; the message it
 *     would send is reported with the outcome and lands in private.push_attempts (provider
 *     "recording"), where tests read it. Tokens with these prefixes make it answer like a real
 *     provider would, for tests: `fail-` a transient error (retry), `unregistered-` an unregistered
 *     token, `invalid-` a permanent error.
 *   FcmProvider (PUSH_PROVIDER=fcm): Firebase Cloud Messaging HTTP v1. An OAuth2 access token is
 *     obtained with a service-account JWT (RS256, signed with `jose`) exchanged at the account's
 *     token_uri, cached until shortly before it expires; then POST
 *     https://fcm.googleapis.com/v1/projects/<project_id>/messages:send per delivery.
 */
import { importPKCS8, SignJWT } from "jose";

export interface PushMessage {
  deliveryId: number;
  token: string;
  platform: "fcm" | "apns" | "web";
  title: string;
  body: string;
  deepLink: string;
  /** String values only (FCM data messages). */
  data: Record<string, string>;
}

export type PushOutcome = "sent" | "retry" | "failed" | "unregistered";

export interface PushResult {
  outcome: PushOutcome;
  error?: string;
  providerMessageId?: string;
  retryAfterSeconds?: number;
  /** What was sent (stored in private.push_attempts). */
  request?: unknown;
  response?: unknown;
}

export interface PushProvider {
  readonly name: string;
  send(message: PushMessage): Promise<PushResult>;
}

export class RecordingProvider implements PushProvider {
  readonly name = "recording";
  readonly sent: PushMessage[] = [];

  send(message: PushMessage): Promise<PushResult> {
    this.sent.push(message);
    const request = { token: message.token, platform: message.platform, title: message.title, body: message.body,
      deep_link: message.deepLink, data: message.data };
    if (message.token.startsWith("fail-")) {
      return Promise.resolve({ outcome: "retry", error: "recording provider: simulated transient failure", request });
    }
    if (message.token.startsWith("unregistered-")) {
      return Promise.resolve({ outcome: "unregistered", error: "UNREGISTERED", request });
    }
    if (message.token.startsWith("invalid-")) {
      return Promise.resolve({ outcome: "failed", error: "INVALID_ARGUMENT", request });
    }
    return Promise.resolve({ outcome: "sent", providerMessageId: `recording/${message.deliveryId}`, request });
  }
}

export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

/** Parses FCM_SERVICE_ACCOUNT (the service account's JSON key file). */
export function parseServiceAccount(text: string): ServiceAccount {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("FCM_SERVICE_ACCOUNT is not JSON (paste the service account's key file)");
  }
  const sa = value as Partial<ServiceAccount>;
  for (const key of ["project_id", "client_email", "private_key"] as const) {
    if (typeof sa[key] !== "string" || sa[key] === "") throw new Error(`FCM_SERVICE_ACCOUNT has no ${key}`);
  }
  return sa as ServiceAccount;
}

function retryAfter(res: Response): number | undefined {
  const v = res.headers.get("retry-after");
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** The FCM error code of an error body ({error: {status, message, details: [{errorCode}]}}). */
function fcmErrorCode(body: unknown): string | undefined {
  const error = (body as { error?: { status?: string; details?: { errorCode?: string }[] } } | null)?.error;
  const detail = error?.details?.find((d) => typeof d?.errorCode === "string")?.errorCode;
  return detail ?? error?.status;
}

export class FcmProvider implements PushProvider {
  readonly name = "fcm";
  private accessToken?: { value: string; expiresAt: number };
  private readonly doFetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly account: ServiceAccount, opts: { fetch?: typeof fetch; now?: () => number } = {}) {
    this.doFetch = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
  }

  /** The signed assertion of the OAuth2 JWT bearer grant (RFC 7523). */
  async assertion(): Promise<string> {
    const key = await importPKCS8(this.account.private_key, "RS256");
    const iat = Math.floor(this.now() / 1000);
    return await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(this.account.private_key_id ? { kid: this.account.private_key_id } : {}) })
      .setIssuer(this.account.client_email)
      .setSubject(this.account.client_email)
      .setAudience(this.account.token_uri ?? GOOGLE_TOKEN_URI)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key);
  }

  async token(): Promise<string> {
    if (this.accessToken && this.accessToken.expiresAt > this.now() + 60_000) return this.accessToken.value;
    const res = await this.doFetch(this.account.token_uri ?? GOOGLE_TOKEN_URI, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion: await this.assertion(),
      }),
    });
    const body = await res.json().catch(() => null) as { access_token?: string; expires_in?: number; error?: string } | null;
    if (!res.ok || !body?.access_token) {
      throw new Error(`FCM token exchange failed (${res.status}): ${body?.error ?? "no access_token"}`);
    }
    this.accessToken = { value: body.access_token, expiresAt: this.now() + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  }

  /** The HTTP v1 message for a delivery. */
  message(m: PushMessage): Record<string, unknown> {
    return {
      token: m.token,
      notification: { title: m.title, body: m.body },
      data: { ...m.data, deep_link: m.deepLink },
      android: { priority: "high", notification: { click_action: "OPEN_DEEP_LINK" } },
      apns: { payload: { aps: { sound: "default" } } },
      webpush: { fcm_options: m.deepLink.startsWith("https://") ? { link: m.deepLink } : {} },
    };
  }

  async send(m: PushMessage): Promise<PushResult> {
    if (m.platform === "apns") {
      return { outcome: "failed", error: "raw APNs device tokens need an APNs provider; register the app's FCM token" };
    }
    const request = { message: this.message(m) };
    let access: string;
    try {
      access = await this.token();
    } catch (err) {
      return { outcome: "retry", error: err instanceof Error ? err.message : String(err), request };
    }
    let res: Response;
    try {
      res = await this.doFetch(`https://fcm.googleapis.com/v1/projects/${encodeURIComponent(this.account.project_id)}/messages:send`, {
        method: "POST",
        headers: { Authorization: `Bearer ${access}`, "Content-Type": "application/json; UTF-8" },
        body: JSON.stringify(request),
      });
    } catch (err) {
      return { outcome: "retry", error: `network: ${err instanceof Error ? err.message : String(err)}`, request };
    }
    const body = await res.json().catch(() => null);
    if (res.ok) {
      return { outcome: "sent", providerMessageId: (body as { name?: string } | null)?.name, request, response: body };
    }
    const code = fcmErrorCode(body) ?? `HTTP ${res.status}`;
    const error = `${code}: ${(body as { error?: { message?: string } } | null)?.error?.message ?? res.statusText}`;
    if (res.status === 404 || code === "UNREGISTERED" || code === "SENDER_ID_MISMATCH") {
      return { outcome: "unregistered", error, request, response: body };
    }
    if (res.status === 401) this.accessToken = undefined;   // expired or revoked: fetch a new one next time
    if (res.status === 429 || res.status >= 500 || res.status === 401) {
      return { outcome: "retry", error, retryAfterSeconds: retryAfter(res), request, response: body };
    }
    return { outcome: "failed", error, request, response: body };
  }
}
