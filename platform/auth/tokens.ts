/**
 * Access tokens as GoTrue issues and checks them (AU internal/tokens/service.go, internal/api/auth.go):
 * HS256 with the project's JWT secret; claims iss, sub, aud (one audience, as a string), exp, iat,
 * email, phone, app_metadata, user_metadata, role, aal, amr, session_id, is_anonymous — in that
 * order. With `[auth.hook.custom_access_token]` the claims go through the hook inside the
 * issuing transaction and its output replaces them after GoTrue's schema check.
 */
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { HookConfig } from "./config.ts";
import type { Q } from "./db.ts";
import { AuthError, forbidden } from "./errors.ts";
import { hookMetadata, runHook } from "./hooks.ts";
import type { UserRow } from "./users.ts";

export interface AmrEntry {
  method: string;
  timestamp: number;
  provider?: string;
}

export interface ClaimsInput {
  issuer: string;
  user: UserRow;
  sessionId: string;
  aal: string;
  amr: AmrEntry[];
  expiresIn: number;
  now?: number;
}

export function buildClaims(i: ClaimsInput): Record<string, unknown> {
  const iat = i.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: i.issuer,
    sub: i.user.id,
    aud: i.user.aud ?? "",
    exp: iat + i.expiresIn,
    iat,
    email: i.user.email ?? "",
    phone: i.user.phone ?? "",
    app_metadata: i.user.raw_app_meta_data ?? null,
    user_metadata: i.user.raw_user_meta_data ?? null,
    role: i.user.role ?? "",
  };
  if (i.aal) claims.aal = i.aal;
  if (i.amr.length > 0) claims.amr = i.amr;
  if (i.sessionId) claims.session_id = i.sessionId;
  claims.is_anonymous = i.user.is_anonymous;
  return claims;
}

const INTEGER_CLAIMS = ["exp", "iat", "nbf"];
const STRING_CLAIMS = ["jti", "iss", "sub", "email", "phone", "role", "aal", "session_id", "client_id"];
const OBJECT_CLAIMS = ["app_metadata", "user_metadata"];
const REQUIRED_CLAIMS = ["aud", "exp", "iat", "sub", "email", "phone", "role", "aal", "session_id", "is_anonymous"];

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/**
 * GoTrue's check of a custom access token hook's output (MinimumViableTokenSchema): a `claims`
 * object with the required claims and the standard claims' types. Throws GoTrue's 500.
 */
export function validateHookOutput(output: unknown): Record<string, unknown> {
  if (!output || typeof output !== "object" || Array.isArray(output) || !("claims" in output)) {
    throw new AuthError(500, "", "output claims field is missing");
  }
  const claims = (output as { claims: unknown }).claims;
  const problems: string[] = [];
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) {
    problems.push(`(root): Invalid type. Expected: object, given: ${jsonKind(claims)}`);
  } else {
    const c = claims as Record<string, unknown>;
    for (const key of REQUIRED_CLAIMS) if (!(key in c)) problems.push(`(root): "${key}" is required`);
    if ("aud" in c && typeof c.aud !== "string" && !Array.isArray(c.aud)) {
      problems.push(`aud: Invalid type. Expected: string or array, given: ${jsonKind(c.aud)}`);
    }
    for (const key of INTEGER_CLAIMS) {
      if (key in c && !Number.isInteger(c[key])) problems.push(`${key}: Invalid type: exp, iat and nbf must be integers, given: ${jsonKind(c[key])}`);
    }
    for (const key of STRING_CLAIMS) {
      if (key in c && typeof c[key] !== "string") problems.push(`${key}: Invalid type. Expected: string, given: ${jsonKind(c[key])}`);
    }
    for (const key of OBJECT_CLAIMS) {
      if (key in c && jsonKind(c[key]) !== "object") problems.push(`${key}: Invalid type. Expected: object, given: ${jsonKind(c[key])}`);
    }
    if ("amr" in c && (!Array.isArray(c.amr) || c.amr.some((e) => typeof e !== "string" && jsonKind(e) !== "object"))) {
      problems.push("amr: Invalid type. Expected: array of strings or objects");
    }
  }
  if (problems.length > 0) {
    throw new AuthError(500, "", `output claims do not conform to the expected schema: \n${problems.map((p) => `- ${p}\n`).join("")}`);
  }
  return claims as Record<string, unknown>;
}

/** Calls the custom access token hook as GoTrue does and returns the claims to sign. */
export async function customizeClaims(
  q: Q,
  hook: HookConfig,
  args: { userId: string; claims: Record<string, unknown>; method: string; ip: string },
): Promise<Record<string, unknown>> {
  const event = {
    metadata: hookMetadata("customize-access-token", args.ip),
    user_id: args.userId,
    claims: args.claims,
    authentication_method: args.method,
  };
  const output = await runHook(q, hook, event);
  return validateHookOutput(output);
}

export async function signAccessToken(claims: Record<string, unknown>, secret: string): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

/**
 * GoTrue's parseJWTClaims: HS256 with the secret, exp and nbf checked. Any failure is
 * 403 bad_jwt "invalid JWT: unable to parse or verify signature, <reason>".
 */
export async function verifyAccessToken(token: string, secret: string): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ["HS256"] });
    return payload as Record<string, unknown>;
  } catch (err) {
    let reason: string;
    if (err instanceof joseErrors.JWTExpired) reason = "token has invalid claims: token is expired";
    else if (err instanceof joseErrors.JWSSignatureVerificationFailed) reason = "token signature is invalid: signature is invalid";
    else if (err instanceof joseErrors.JOSEAlgNotAllowed) reason = "token is unverifiable: error while executing keyfunc: signing method is invalid";
    else if (err instanceof joseErrors.JWTClaimValidationFailed) reason = `token has invalid claims: ${err.message}`;
    else reason = `token is malformed: ${(err as Error).message}`;
    throw forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`);
  }
}

/** The first audience of a token's `aud` (string or array). */
export function firstAudience(claims: Record<string, unknown>): string | undefined {
  const aud = claims.aud;
  if (typeof aud === "string") return aud;
  if (Array.isArray(aud) && typeof aud[0] === "string") return aud[0];
  return undefined;
}

