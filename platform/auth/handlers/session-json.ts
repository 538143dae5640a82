/** GoTrue's AccessTokenResponse JSON: the session supabase-js stores. */
import type { IssuedSession } from "../sessions.ts";
import { userJson } from "../users.ts";

export function sessionJson(s: IssuedSession, weakPassword?: { message: string; reasons: string[] }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    access_token: s.accessToken,
    token_type: s.tokenType,
    expires_in: s.expiresIn,
    expires_at: s.expiresAt,
    refresh_token: s.refreshToken,
    user: userJson(s.user),
  };
  if (weakPassword) out.weak_password = weakPassword;
  return out;
}
