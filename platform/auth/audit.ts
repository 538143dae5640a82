/**
 * auth.audit_log_entries as GoTrue writes them (AU internal/models/audit_log_entry.go):
 * payload {actor_id, actor_via_sso, actor_username, action, log_type[, actor_name][, traits]},
 * ip_address '' (GoTrue passes no address for these actions), instance_id nil.
 */
import type postgres from "postgres";
import { NIL_UUID, type Q } from "./db.ts";
import { auditUsername, type UserRow } from "./users.ts";

export type AuditAction =
  | "login"
  | "logout"
  | "user_signedup"
  | "user_deleted"
  | "user_modified"
  | "user_recovery_requested"
  | "user_confirmation_requested"
  | "user_repeated_signup"
  | "user_updated_password"
  | "token_revoked"
  | "token_refreshed";

const LOG_TYPES: Record<AuditAction, string> = {
  login: "account",
  logout: "account",
  user_signedup: "team",
  user_deleted: "team",
  token_revoked: "token",
  token_refreshed: "token",
  user_modified: "user",
  user_recovery_requested: "user",
  user_confirmation_requested: "user",
  user_repeated_signup: "user",
  user_updated_password: "user",
};

/** The actor GoTrue records for admin API calls: a user with the token's role as id-less name. */
export interface Actor {
  id: string;
  isSso: boolean;
  username: string;
  name?: unknown;
}

export function actorOf(row: UserRow): Actor {
  const meta = row.raw_user_meta_data ?? {};
  return { id: row.id, isSso: row.is_sso_user, username: auditUsername(row), name: "full_name" in meta ? meta.full_name : undefined };
}

/** GoTrue's admin pseudo-user: {role, email: role} with the nil id. */
export function adminActor(role: string): Actor {
  return { id: NIL_UUID, isSso: false, username: role };
}

export async function audit(q: Q, actor: Actor, action: AuditAction, traits?: Record<string, unknown>): Promise<void> {
  const payload: Record<string, unknown> = {
    actor_id: actor.id,
    actor_via_sso: actor.isSso,
    actor_username: actor.username,
    action,
    log_type: LOG_TYPES[action],
  };
  if (actor.name !== undefined) payload.actor_name = actor.name;
  if (traits) payload.traits = traits;
  await q`
    insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
    values (${NIL_UUID}, gen_random_uuid(), ${q.json(payload as postgres.JSONValue)}, now(), '')`;
}
