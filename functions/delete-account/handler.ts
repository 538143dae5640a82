/**
 * POST /functions/v1/delete-account — account deletion: the project's domain deletion in the
 * database, then Auth's own soft delete of the sign-in account.
 *
 *   Self-service (a user's access token, body ignored): Auth checks the token (GET /auth/v1/user,
 *   which also needs the session to be alive); then, with the service role,
 *   rpc delete_user_account(p_user_id, 'self-service', p_requested_by = the user) and
 *   DELETE /auth/v1/admin/users/{id} {"should_soft_delete": true}.
 *   Support (the service role key, body {user_id, reason}): the same two calls with the caller's
 *   own credentials, so PostgREST and Auth check them; requested_by stays null.
 *
 * 200 → the RPC's result {user_id, deleted_at, username, handlers}. Domain errors pass through as
 * PostgREST answers them (HL004 400, HL114 404, HL119 409, HL435 …). HL120 (already deleted) still
 * runs Auth's soft delete — it finishes a deletion whose Auth step failed earlier; GoTrue's soft
 * delete of a soft-deleted user changes nothing — then answers the HL120. Auth failing after the
 * domain step: 502 auth_delete_failed; calling again completes it. Without a valid user session:
 * 401 HL001.
 */
import { z } from "zod";
import { bearer, handle, HttpError, json, methodNotAllowed, readJson, tokenRole } from "../_shared/http.ts";
import { requireEnv } from "../_shared/env.ts";

export interface DeleteAccountDeps {
  /** The project's API URL (SUPABASE_URL). */
  supabaseUrl: () => string;
  anonKey: () => string;
  serviceRoleKey: () => string;
  fetch?: typeof fetch;
}

const supportRequest = z.object({
  user_id: z.uuid(),
  reason: z.string(),
});

const NOT_SIGNED_IN = "You must be signed in to do this.";

async function body(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

export function createDeleteAccountHandler(deps: DeleteAccountDeps): (req: Request) => Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token) throw new HttpError(401, "HL001", NOT_SIGNED_IN);
    const url = deps.supabaseUrl().replace(/\/+$/, "");

    let userId: string;
    let reason: string;
    let requestedBy: string | null;
    let credentials: string;
    if (tokenRole(token) === "service_role") {
      const input = await readJson(req, supportRequest);
      userId = input.user_id;
      reason = input.reason;
      requestedBy = null;
      credentials = token;
    } else {
      const auth = await doFetch(`${url}/auth/v1/user`, {
        headers: { Authorization: `Bearer ${token}`, apikey: deps.anonKey() },
      });
      const user = await body(auth);
      if (!auth.ok) {
        throw new HttpError(401, "HL001", NOT_SIGNED_IN, (user as { message?: unknown } | null)?.message ?? user);
      }
      userId = (user as { id: string }).id;
      reason = "self-service";
      requestedBy = userId;
      credentials = deps.serviceRoleKey();
    }

    // 1. The domain side, in one database transaction (every module's deletion handler).
    const rpc = await doFetch(`${url}/rest/v1/rpc/delete_user_account`, {
      method: "POST",
      headers: { Authorization: `Bearer ${credentials}`, apikey: credentials, "Content-Type": "application/json" },
      body: JSON.stringify({ p_user_id: userId, p_reason: reason, p_requested_by: requestedBy }),
    });
    const domain = await body(rpc);
    const alreadyDeleted = !rpc.ok && (domain as { code?: unknown } | null)?.code === "HL120";
    if (!rpc.ok && !alreadyDeleted) return json(domain, rpc.status);

    // 2. The sign-in account, by Auth itself.
    const del = await doFetch(`${url}/auth/v1/admin/users/${encodeURIComponent(userId)}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${credentials}`, apikey: credentials, "Content-Type": "application/json" },
      body: JSON.stringify({ should_soft_delete: true }),
    });
    if (!del.ok) {
      const detail = await body(del);
      console.error(`delete-account: Auth refused to delete user ${userId} (${del.status}):`, detail);
      throw new HttpError(
        502,
        "auth_delete_failed",
        "The account's data was deleted but Auth could not delete the sign-in; call delete-account again to finish.",
        { user_id: userId, auth_status: del.status, auth_error: detail },
      );
    }
    await del.body?.cancel();
    return alreadyDeleted ? json(domain, rpc.status) : json(domain);
  });
}

/** The handler served by index.ts, with the keys Supabase gives every function. */
export const handler: (req: Request) => Promise<Response> = createDeleteAccountHandler({
  supabaseUrl: () => requireEnv("SUPABASE_URL"),
  anonKey: () => requireEnv("SUPABASE_ANON_KEY"),
  serviceRoleKey: () => requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
});
