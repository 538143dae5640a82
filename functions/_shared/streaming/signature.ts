/**
 * The ingest webhook signature: Mux's `mux-signature` scheme, which the local provider uses too.
 *
 *   mux-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>
 *
 * More than one `v1` may be present (one per signing secret); any match is enough. The timestamp
 * must be within the tolerance of now (default 300 s) so an old delivery cannot be replayed.
 * Only Web Crypto is used (no imports), so Node scripts (`npm run stream`) and tests share it.
 */

export const SIGNATURE_HEADER = "mux-signature";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailure =
  | "missing_header"
  | "malformed_header"
  | "timestamp_outside_tolerance"
  | "signature_mismatch";

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

const encoder = new TextEncoder();

async function hmacHex(secret: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time comparison of two hex strings. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The header value for `body` signed with `secret` at `timestamp` (unix seconds; default now). */
export async function signIngestWebhook(body: string, secret: string, timestamp?: number): Promise<string> {
  const t = timestamp ?? Math.floor(Date.now() / 1000);
  return `t=${t},v1=${await hmacHex(secret, `${t}.${body}`)}`;
}

/** Parses `t=…,v1=…[,v1=…]`; unknown schemes are skipped. */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const i = part.indexOf("=");
    if (i <= 0) return null;
    const key = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === "v1") {
      if (/^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined || signatures.length === 0) return null;
  return { timestamp, signatures };
}

/**
 * Checks the header against the raw body with each secret. `nowSeconds` defaults to the clock.
 * The reason of a failure names the check, never the secret.
 */
export async function verifyIngestWebhook(
  body: string,
  header: string | null | undefined,
  secrets: string[],
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: "missing_header" };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: "malformed_header" };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - parsed.timestamp) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: "timestamp_outside_tolerance" };
  }
  for (const secret of secrets) {
    const expected = await hmacHex(secret, `${parsed.timestamp}.${body}`);
    if (parsed.signatures.some((s) => sameHex(s, expected))) return { ok: true, timestamp: parsed.timestamp };
  }
  return { ok: false, reason: "signature_mismatch" };
}
