/**
 * Who is calling, as the Storage API decides it (src/http/plugins/jwt.ts, src/internal/auth/jwt.ts):
 * the bearer token of `Authorization` verified with the project's JWT secret (HS256); routes that
 * allow it fall back to `anon` when the token is missing or invalid. Also the signed URL tokens:
 * HS256 JWTs over `{url, scope}` (download) or `{owner, url, upsert, scope}` (upload), signed with
 * the same secret (the Storage API's URL signing key is the JWT secret when no JWKS is set).
 */
import type http from "node:http";
import { decodeJwt, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { ERRORS } from "./errors.ts";

/** The caller of a request: what the database scope is made of. */
export interface Principal {
  /** The raw bearer token ('' when none). */
  jwt: string;
  claims: JWTPayload & { role?: string };
  /** `claims.role`, else `anon`. */
  role: string;
  /** `claims.sub` when the token was verified. */
  owner?: string;
  authenticated: boolean;
}

export class Auth {
  private readonly key: Uint8Array;
  /** The service role, which the Storage API acts as for its "super user" statements. */
  readonly serviceRole: Principal;

  constructor(jwtSecret: string, serviceRoleKey: string) {
    this.key = new TextEncoder().encode(jwtSecret);
    const claims = decodeJwt(serviceRoleKey) as JWTPayload & { role?: string };
    this.serviceRole = { jwt: serviceRoleKey, claims, role: claims.role ?? "service_role", authenticated: true };
  }

  /** The caller; throws AccessDenied (jose's message) unless `allowAnon`, which gives anon instead. */
  async principal(req: http.IncomingMessage, allowAnon: boolean): Promise<Principal> {
    const header = req.headers.authorization ?? "";
    const jwt = header.replace(/^Bearer\s+/i, "");
    if (!jwt && allowAnon) return { jwt, claims: { role: "anon" }, role: "anon", authenticated: false };
    try {
      const { payload } = await jwtVerify(jwt, this.key, { algorithms: ["HS256"] });
      const claims = payload as JWTPayload & { role?: string };
      return {
        jwt,
        claims,
        role: typeof claims.role === "string" && claims.role ? claims.role : "anon",
        owner: typeof claims.sub === "string" ? claims.sub : undefined,
        authenticated: true,
      };
    } catch (e) {
      if (allowAnon) return { jwt, claims: { role: "anon" }, role: "anon", authenticated: false };
      throw ERRORS.accessDenied((e as Error).message, e);
    }
  }

  /** Signs a signed-URL token that expires in `expiresIn` seconds. */
  sign(payload: Record<string, unknown>, expiresIn: number): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime(`${Math.floor(expiresIn)}s`)
      .sign(this.key);
  }

  /**
   * Checks a signed-URL token for `<bucket>/<objectName>` and `scope`: signature and expiry
   * (InvalidJWT with jose's message), scope (tokens without one: upload if they carry `upsert`),
   * the object path (InvalidSignature), then expiry again (ExpiredToken).
   */
  async verifyUrlToken(token: string, bucket: string, objectName: string, scope: "download" | "upload"): Promise<UrlToken> {
    let payload: UrlToken;
    try {
      payload = (await jwtVerify(token, this.key, { algorithms: ["HS256"] })).payload as UrlToken;
    } catch (e) {
      throw ERRORS.invalidJwt((e as Error).message);
    }
    const isUpload = payload.scope === "upload" || (payload.scope === undefined && "upsert" in payload);
    const isDownload = payload.scope === "download" || (payload.scope === undefined && !("upsert" in payload));
    if (scope === "upload" ? !isUpload : !isDownload) throw ERRORS.invalidSignature(`Token is not scoped for ${scope}`);
    if (payload.url !== `${bucket}/${objectName}`) throw ERRORS.invalidSignature();
    if (typeof payload.exp === "number" && payload.exp * 1000 < Date.now()) throw ERRORS.expiredSignature();
    return payload;
  }
}

export interface UrlToken extends JWTPayload {
  url: string;
  scope?: "download" | "upload";
  owner?: string;
  upsert?: boolean;
}
