/**
 * Token checks as Realtime makes them (RT lib/realtime_web/channels/auth/channels_authorization.ex,
 * jwt_verification.ex): the token is URI-decoded and stripped of whitespace; its claims and header
 * must be JSON objects; HS256/384/512 with the project's JWT secret (no JWKS locally); `exp` (a
 * number after now) and `iat` (a number) are validated only when present, and then `role` and
 * `exp` must both be present.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type Claims = Record<string, unknown>;

export type TokenFailure =
  | "invalid_token"
  | "token_malformed"
  | "expected_claims_map"
  | "expected_header_map"
  | "error_generating_signer"
  | "signature_error"
  | "expired_token"
  | "missing_claims"
  | "invalid_claim";

export type TokenCheck =
  | { ok: true; claims: Claims }
  | { ok: false; reason: TokenFailure; message?: string };

const HS: Record<string, string> = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };

function b64json(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) throw new Error("not base64url");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Realtime's clean_token: URI-decoded, whitespace removed. */
export function cleanToken(token: string): string | null {
  try {
    return decodeURIComponent(token).replace(/\s/g, "");
  } catch {
    return null;
  }
}

/** ChannelsAuthorization.authorize_conn: a verified token with `role` and `exp`. */
export function authorizeConn(token: unknown, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenCheck {
  if (typeof token !== "string") return { ok: false, reason: "invalid_token" };
  const clean = cleanToken(token);
  if (clean === null) return { ok: false, reason: "token_malformed" };
  const parts = clean.split(".");
  if (parts.length !== 3) return { ok: false, reason: "token_malformed" };
  let claims: unknown;
  try {
    claims = b64json(parts[1]);
  } catch {
    return { ok: false, reason: "token_malformed" };
  }
  if (!isObject(claims)) return { ok: false, reason: "expected_claims_map" };
  let header: unknown;
  try {
    header = b64json(parts[0]);
  } catch {
    return { ok: false, reason: "expected_header_map" };
  }
  if (!isObject(header)) return { ok: false, reason: "expected_header_map" };
  const alg = typeof header.alg === "string" ? HS[header.alg] : undefined;
  if (!alg) return { ok: false, reason: "error_generating_signer" };

  const expected = createHmac(alg, secret).update(`${parts[0]}.${parts[1]}`).digest();
  let given: Buffer;
  try {
    given = Buffer.from(parts[2], "base64url");
  } catch {
    return { ok: false, reason: "signature_error" };
  }
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature_error" };

  if ("exp" in claims) {
    const exp = claims.exp;
    if (!(typeof exp === "number" && exp > nowSeconds)) {
      if (typeof exp === "number" && Number.isInteger(exp)) {
        return { ok: false, reason: "expired_token", message: `Token has expired ${nowSeconds - exp} seconds ago` };
      }
      return { ok: false, reason: "invalid_claim", message: "exp" };
    }
  }
  if ("iat" in claims && typeof claims.iat !== "number") return { ok: false, reason: "invalid_claim", message: "iat" };
  if (!("role" in claims) || !("exp" in claims)) return { ok: false, reason: "missing_claims" };

  const out: Claims = { ...claims };
  for (const k of ["exp", "iat"]) if (typeof out[k] === "number") out[k] = Math.round(out[k] as number);
  return { ok: true, claims: out };
}

/** The HTTP refusal of a socket whose token fails (RT user_socket.ex error_response). */
export function connectRefusal(reason: TokenFailure | "missing_api_key"): { status: number; error: string } {
  switch (reason) {
    case "missing_api_key":
      return { status: 401, error: "API key is missing" };
    case "expired_token":
      return { status: 401, error: "Token has expired" };
    case "missing_claims":
      return { status: 401, error: "Fields `role` and `exp` are required in JWT" };
    case "token_malformed":
    case "invalid_token":
      return { status: 401, error: "The token provided is not a valid JWT" };
    case "signature_error":
      return { status: 401, error: "Failed to validate JWT signature" };
    case "error_generating_signer":
      return { status: 401, error: "Failed to generate JWT signer, check your JWT secret or JWKS configuration" };
    default:
      return { status: 500, error: "Error connecting to Realtime" };
  }
}

/** The join error reason for a failing token (RT realtime_channel.ex join/3). */
export function joinTokenError(check: Extract<TokenCheck, { ok: false }>): string {
  switch (check.reason) {
    case "expired_token":
      return `InvalidJWTToken: ${check.message}`;
    case "missing_claims":
      return "InvalidJWTToken: Fields `role` and `exp` are required in JWT";
    case "token_malformed":
      return "MalformedJWT: The token provided is not a valid JWT";
    case "signature_error":
      return "JwtSignatureError: Failed to validate JWT signature";
    case "error_generating_signer":
      return "JwtSignerError: Failed to generate JWT signer, check your JWT secret or JWKS configuration";
    default:
      return "Unknown Error on Channel";
  }
}

/**
 * The `system` message that closes a channel whose new or re-checked token fails
 * (RT realtime_channel.ex handle_in("access_token") and handle_info(:confirm_token)).
 */
export function shutdownTokenMessage(check: Extract<TokenCheck, { ok: false }>): string {
  switch (check.reason) {
    case "expired_token":
      return check.message ?? "Token has expired";
    case "missing_claims":
      return "Fields `role` and `exp` are required in JWT";
    case "token_malformed":
      return "The token provided is not a valid JWT";
    case "error_generating_signer":
      return "Failed to generate JWT signer, check your JWT secret or JWKS configuration";
    default:
      // Realtime shows the Elixir term it got, e.g. ":signature_error".
      return `:${check.reason}`;
  }
}
