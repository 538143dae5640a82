/**
 * Auth's error responses, as GoTrue renders them (AU internal/api/errors.go, apiversions.go,
 * apierrors/): an HTTP error carries a status, an error code and a message. A request with
 * `X-Supabase-Api-Version` at or after 2024-01-01 (auth-js always sends 2024-01-01) gets
 * `{code, message}` and the header echoed as `2024-01-01`; any other request gets the initial
 * shape `{code: <status>, error_code, msg}`. `x-sb-error-code` names the code. OAuth-style errors
 * (the refresh grant without a token) are `{error, error_description}` with status 400.
 */

export type ErrorCode = string;

/** GoTrue's HTTPError. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "",
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

/** GoTrue's WeakPasswordError: 422 weak_password with the reasons. */
export class WeakPasswordError extends AuthError {
  constructor(
    message: string,
    readonly reasons: string[],
  ) {
    super(422, "weak_password", message);
  }
}

/** GoTrue's OAuthError (always answered with 400). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/**
 * An error GoTrue returns from inside a transaction that still commits
 * (storage.NewCommitWithError): refresh token reuse revokes the family and then answers 400.
 */
export class CommitWithError extends Error {
  constructor(readonly cause: AuthError) {
    super(cause.message);
  }
}

export const badRequest = (code: ErrorCode, message: string) => new AuthError(400, code, message);
export const forbidden = (code: ErrorCode, message: string) => new AuthError(403, code, message);
export const notFound = (code: ErrorCode, message: string) => new AuthError(404, code, message);
export const unprocessable = (code: ErrorCode, message: string) => new AuthError(422, code, message);
export const tooManyRequests = (code: ErrorCode, message: string) => new AuthError(429, code, message);
export const internal = (message: string) => new AuthError(500, "unexpected_failure", message);

const API_VERSION_2024 = Date.UTC(2024, 0, 1);

/** True when the request asks for the 2024-01-01 error format (GoTrue's DetermineClosestAPIVersion). */
export function wants2024(header: string | undefined): boolean {
  if (!header) return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(header.trim());
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(t) || new Date(t).getUTCDate() !== Number(m[3])) return false;
  return t >= API_VERSION_2024;
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** The response GoTrue's HandleResponseError gives for `err`. */
export function renderError(err: unknown, apiVersionHeader: string | undefined): ErrorReply {
  const v2024 = wants2024(apiVersionHeader);
  const headers: Record<string, string> = {};
  if (v2024) headers["X-Supabase-Api-Version"] = "2024-01-01";
  if (err instanceof CommitWithError) err = err.cause;

  if (err instanceof WeakPasswordError) {
    if (v2024) return { status: 422, headers, body: { code: "weak_password", message: err.message, weak_password: { reasons: err.reasons } } };
    headers["x-sb-error-code"] = "weak_password";
    return { status: 422, headers, body: { code: 422, error_code: "weak_password", msg: err.message, weak_password: { reasons: err.reasons } } };
  }
  if (err instanceof AuthError) {
    const code = err.code || (err.status === 500 ? "unexpected_failure" : "unknown");
    if (err.code) headers["x-sb-error-code"] = err.code;
    if (v2024) return { status: err.status, headers, body: { code, message: err.message } };
    return { status: err.status, headers, body: { code: err.status, error_code: code, msg: err.message } };
  }
  if (err instanceof OAuthError) {
    return { status: 400, headers, body: { error: err.error, error_description: err.description } };
  }
  const message = "Unexpected failure, please check server logs for more information";
  if (v2024) return { status: 500, headers, body: { code: "unexpected_failure", message } };
  return { status: 500, headers, body: { code: 500, error_code: "unexpected_failure", msg: message } };
}
