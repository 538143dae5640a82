/**
 * API keys and JWTs at the gateway, as Kong does it in `supabase start`: the opaque
 * `sb_publishable_…`/`sb_secret_…` keys stand for the anon/service_role JWTs, JWTs are checked
 * against the project's secret (HS256).
 */
import type http from "node:http";
import { jwtVerify, type JWTPayload } from "jose";
import { bearer, firstHeader, looksLikeJwt, sendJson } from "./http.ts";

export interface KeyOptions {
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
}

export interface Keys {
  /** The payload of a JWT signed with the project's secret, or null. */
  verify(token: string): Promise<JWTPayload | null>;
  /** The JWT an accepted API key stands for, or null for an invalid key. */
  apiKeyJwt(key: string): Promise<string | null>;
  /** The Data API's apikey check: sends the 401 and returns null when it fails, else the key's JWT. */
  checkApiKey(req: http.IncomingMessage, res: http.ServerResponse, rawQuery: string): Promise<string | null>;
  /**
   * Credentials for a platform service: an opaque key becomes its JWT in `apikey`, and a request
   * without a bearer token (or with `Bearer sb_…`) carries the key's JWT. False for an invalid key.
   */
  normalise(req: http.IncomingMessage, rawQuery: string): Promise<boolean>;
}

export function createKeys(o: KeyOptions): Keys {
  const secret = new TextEncoder().encode(o.jwtSecret);

  // Verified tokens, until their expiry: the API key (and a user's token) comes with every request,
  // and checking its signature each time is most of the gateway's own work on a fast call.
  const verified = new Map<string, { payload: JWTPayload; until: number }>();
  const MAX_CACHED = 10_000;

  async function verify(token: string): Promise<JWTPayload | null> {
    if (!looksLikeJwt(token)) return null;
    const hit = verified.get(token);
    if (hit) {
      if (Date.now() < hit.until) return hit.payload;
      verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
      if (verified.size >= MAX_CACHED) verified.clear();
      verified.set(token, { payload, until: typeof payload.exp === "number" ? payload.exp * 1000 : Infinity });
      return payload;
    } catch {
      return null;
    }
  }

  async function apiKeyJwt(key: string): Promise<string | null> {
    if (key === o.publishableKey) return o.anonKey;
    if (key === o.secretKey) return o.serviceRoleKey;
    const payload = await verify(key);
    return payload && (payload.role === "anon" || payload.role === "service_role") ? key : null;
  }

  function requestKey(req: http.IncomingMessage, rawQuery: string): string | undefined {
    let key = firstHeader(req.headers.apikey);
    if (!key && rawQuery) key = new URLSearchParams(rawQuery).get("apikey") ?? undefined;
    return key?.trim();
  }

  return {
    verify,
    apiKeyJwt,
    async checkApiKey(req, res, rawQuery) {
      const key = requestKey(req, rawQuery);
      if (!key) {
        sendJson(req, res, 401, {
          message: "No API key found in request",
          hint: "No `apikey` request header or url param was found.",
        });
        return null;
      }
      const jwt = await apiKeyJwt(key);
      if (!jwt) {
        sendJson(req, res, 401, { message: "Invalid API key", hint: "Double check the provided API key." });
        return null;
      }
      return jwt;
    },
    async normalise(req, rawQuery) {
      const key = requestKey(req, rawQuery);
      if (!key) return true;
      const jwt = await apiKeyJwt(key);
      if (!jwt) return false;
      req.headers.apikey = jwt;
      const token = bearer(firstHeader(req.headers.authorization));
      if (!req.headers.authorization || (token && token.startsWith("sb_"))) req.headers.authorization = `Bearer ${jwt}`;
      return true;
    },
  };
}
