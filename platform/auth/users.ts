/**
 * auth.users and auth.identities as GoTrue reads and writes them (AU internal/models/user.go,
 * identity.go, one_time_token.go): the same columns and values, `updated_at` touched by every
 * update (pop's UpdateColumns), metadata merged with `null` deleting a key, '' rather than NULL in
 * the token columns, NULL for an absent email or phone, and the user object GoTrue returns.
 */
import type postgres from "postgres";
import { obfuscate, obfuscatePhone } from "./crypto.ts";
import { NIL_UUID, type Q, type Tx } from "./db.ts";

type Json = Record<string, unknown>;
type Stamp = Date | null;

export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Stamp;
  invited_at: Stamp;
  confirmation_token: string | null;
  confirmation_sent_at: Stamp;
  recovery_token: string | null;
  recovery_sent_at: Stamp;
  email_change_token_new: string | null;
  email_change: string | null;
  email_change_sent_at: Stamp;
  last_sign_in_at: Stamp;
  raw_app_meta_data: Json | null;
  raw_user_meta_data: Json | null;
  created_at: Stamp;
  updated_at: Stamp;
  phone: string | null;
  phone_confirmed_at: Stamp;
  phone_change: string | null;
  phone_change_token: string | null;
  phone_change_sent_at: Stamp;
  confirmed_at: Stamp;
  email_change_token_current: string | null;
  email_change_confirm_status: number | null;
  banned_until: Stamp;
  reauthentication_token: string | null;
  reauthentication_sent_at: Stamp;
  is_sso_user: boolean;
  deleted_at: Stamp;
  is_anonymous: boolean;
}

export interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Json;
  provider: string;
  last_sign_in_at: Stamp;
  created_at: Stamp;
  updated_at: Stamp;
  email: string | null;
}

/** A user with its identities (GoTrue's eager load), or `identities: null` when not loaded. */
export interface User {
  row: UserRow;
  identities: IdentityRow[] | null;
}

export type OneTimeTokenType =
  | "confirmation_token"
  | "reauthentication_token"
  | "recovery_token"
  | "email_change_token_new"
  | "email_change_token_current"
  | "phone_change_token";

const iso = (d: Stamp): string | undefined => (d ? new Date(d).toISOString() : undefined);

export function identityJson(i: IdentityRow): Json {
  const out: Json = { identity_id: i.id, id: i.provider_id, user_id: i.user_id };
  if (i.identity_data && Object.keys(i.identity_data).length > 0) out.identity_data = i.identity_data;
  out.provider = i.provider;
  if (i.last_sign_in_at) out.last_sign_in_at = iso(i.last_sign_in_at);
  out.created_at = iso(i.created_at) ?? new Date(0).toISOString();
  out.updated_at = iso(i.updated_at) ?? new Date(0).toISOString();
  if (i.email) out.email = i.email;
  return out;
}

/** GoTrue's JSON for models.User (fields in its order; `omitempty` ones left out when empty). */
export function userJson(u: User): Json {
  const r = u.row;
  const out: Json = {
    id: r.id,
    aud: r.aud ?? "",
    role: r.role ?? "",
    email: r.email ?? "",
  };
  const opt = (key: string, value: string | undefined) => {
    if (value) out[key] = value;
  };
  opt("email_confirmed_at", iso(r.email_confirmed_at));
  opt("invited_at", iso(r.invited_at));
  out.phone = r.phone ?? "";
  opt("phone_confirmed_at", iso(r.phone_confirmed_at));
  opt("confirmation_sent_at", iso(r.confirmation_sent_at));
  opt("confirmed_at", iso(r.confirmed_at));
  opt("recovery_sent_at", iso(r.recovery_sent_at));
  opt("new_email", r.email_change ?? "");
  opt("email_change_sent_at", iso(r.email_change_sent_at));
  opt("new_phone", r.phone_change ?? "");
  opt("phone_change_sent_at", iso(r.phone_change_sent_at));
  opt("reauthentication_sent_at", iso(r.reauthentication_sent_at));
  opt("last_sign_in_at", iso(r.last_sign_in_at));
  out.app_metadata = r.raw_app_meta_data ?? null;
  out.user_metadata = r.raw_user_meta_data ?? null;
  out.identities = u.identities ? u.identities.map(identityJson) : null;
  out.created_at = iso(r.created_at) ?? new Date(0).toISOString();
  out.updated_at = iso(r.updated_at) ?? new Date(0).toISOString();
  opt("banned_until", iso(r.banned_until));
  opt("deleted_at", iso(r.deleted_at));
  out.is_anonymous = r.is_anonymous;
  return out;
}

export function isBanned(r: UserRow): boolean {
  return r.banned_until !== null && new Date(r.banned_until).getTime() > Date.now();
}
export const isEmailConfirmed = (r: UserRow) => r.email_confirmed_at !== null;
export const isPhoneConfirmed = (r: UserRow) => r.phone_confirmed_at !== null;
export const hasPassword = (r: UserRow) => Boolean(r.encrypted_password);
/** The name audit entries give the actor: the phone when there is one, else the email. */
export const auditUsername = (r: UserRow) => r.phone || r.email || "";

// ---- Reads --------------------------------------------------------------------------------------

async function withIdentities(q: Q, row: UserRow | undefined): Promise<User | null> {
  if (!row) return null;
  return { row, identities: await loadIdentities(q, row.id) };
}

export async function loadIdentities(q: Q, userId: string): Promise<IdentityRow[]> {
  return (await q`select * from auth.identities where user_id = ${userId} order by created_at, id`) as unknown as IdentityRow[];
}

export async function findUserById(q: Q, id: string): Promise<User | null> {
  const [row] = await q`select * from auth.users where instance_id = ${NIL_UUID} and id = ${id}`;
  return withIdentities(q, row as UserRow | undefined);
}

export async function findUserByEmail(q: Q, email: string, aud: string): Promise<User | null> {
  const [row] = await q`
    select * from auth.users
     where instance_id = ${NIL_UUID} and lower(email) = ${email.toLowerCase()} and aud = ${aud} and is_sso_user = false
     limit 1`;
  return withIdentities(q, row as UserRow | undefined);
}

export async function findUserByPhone(q: Q, phone: string, aud: string): Promise<User | null> {
  const [row] = await q`
    select * from auth.users
     where instance_id = ${NIL_UUID} and phone = ${phone} and aud = ${aud} and is_sso_user = false
     limit 1`;
  return withIdentities(q, row as UserRow | undefined);
}

export async function findUserByPhoneChange(q: Q, phone: string, aud: string): Promise<User | null> {
  const [row] = await q`
    select * from auth.users
     where instance_id = ${NIL_UUID} and phone_change = ${phone} and aud = ${aud} and is_sso_user = false
     limit 1`;
  return withIdentities(q, row as UserRow | undefined);
}

/**
 * GoTrue's IsDuplicatedEmail: a user of the audience (other than `currentUserId`) with an identity
 * carrying the email, else a user whose email it is.
 */
export async function findDuplicateEmailUser(q: Q, email: string, aud: string, currentUserId?: string): Promise<User | null> {
  const rows = await q`
    select distinct i.user_id from auth.identities i where i.email = ${email.toLowerCase()}`;
  for (const { user_id } of rows) {
    if (user_id === currentUserId) continue;
    const u = await findUserById(q, user_id as string);
    if (u && u.row.aud === aud) return u;
  }
  return findUserByEmail(q, email, aud);
}

// ---- Writes -------------------------------------------------------------------------------------

export interface NewUserFields {
  id: string;
  aud: string;
  email: string;
  phone: string;
  /** bcrypt hash, or '' for a user without a password. */
  encryptedPassword: string | null;
  userMetadata: Json;
  appMetadata?: Json;
  isAnonymous?: boolean;
}

/**
 * Inserts auth.users as pop creates a models.User (every column but the generated confirmed_at;
 * role still empty until SetRole), then reloads it: triggers may have changed the row.
 */
export async function insertUser(tx: Tx, f: NewUserFields): Promise<User> {
  await tx`
    insert into auth.users (
      instance_id, id, aud, role, email, is_sso_user, encrypted_password, email_confirmed_at, invited_at,
      phone, phone_confirmed_at, confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at,
      email_change_token_current, email_change_token_new, email_change, email_change_sent_at,
      email_change_confirm_status, phone_change_token, phone_change, phone_change_sent_at,
      reauthentication_token, reauthentication_sent_at, last_sign_in_at, raw_app_meta_data,
      raw_user_meta_data, created_at, updated_at, banned_until, deleted_at, is_anonymous)
    values (
      ${NIL_UUID}, ${f.id}, ${f.aud}, '', ${f.email.toLowerCase() || null}, false, ${f.encryptedPassword}, null, null,
      ${f.phone || null}, null, '', null, '', null,
      '', '', '', null,
      0, '', '', null,
      '', null, null, ${tx.json((f.appMetadata ?? {}) as postgres.JSONValue)},
      ${tx.json(f.userMetadata as postgres.JSONValue)}, now(), now(), null, null, ${f.isAnonymous ?? false})`;
  const user = await findUserById(tx, f.id);
  if (!user) throw new Error(`auth.users row ${f.id} vanished after insert`);
  return user;
}

/** GoTrue's tx.UpdateOnly(user, cols...): the columns given, plus updated_at. */
export async function updateUser(tx: Q, user: User, values: Record<string, unknown>): Promise<void> {
  const cols = { ...values, updated_at: new Date() };
  for (const [k, v] of Object.entries(cols)) {
    if ((k === "raw_user_meta_data" || k === "raw_app_meta_data") && v !== null) {
      (cols as Record<string, unknown>)[k] = tx.json(v as postgres.JSONValue);
    }
  }
  const [row] = await tx`update auth.users set ${tx(cols)} where id = ${user.row.id} returning *`;
  user.row = row as UserRow;
}

/** Metadata merge as UpdateUserMetaData/UpdateAppMetaData: a null value deletes the key. */
export function mergeMetadata(current: Json | null, updates: Json): Json {
  const out: Json = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(updates)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export async function updateUserMetaData(tx: Q, user: User, updates: Json): Promise<void> {
  await updateUser(tx, user, { raw_user_meta_data: mergeMetadata(user.row.raw_user_meta_data, updates) });
}

export async function updateAppMetaData(tx: Q, user: User, updates: Json): Promise<void> {
  await updateUser(tx, user, { raw_app_meta_data: mergeMetadata(user.row.raw_app_meta_data, updates) });
}

export async function setRole(tx: Q, user: User, role: string): Promise<void> {
  await updateUser(tx, user, { role: role.trim() });
}

/** Identity data as GoTrue's provider.Claims maps it: sub, email if any, the two verified flags. */
export function claimsIdentityData(c: {
  sub: string;
  email?: string;
  phone?: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
}): Json {
  const out: Json = { sub: c.sub };
  if (c.email) out.email = c.email;
  out.email_verified = c.emailVerified ?? false;
  if (c.phone) out.phone = c.phone;
  out.phone_verified = c.phoneVerified ?? false;
  return out;
}

export async function createIdentity(tx: Tx, user: User, provider: string, identityData: Json): Promise<IdentityRow> {
  const data = { ...identityData };
  if (typeof data.email === "string") data.email = data.email.toLowerCase();
  const [row] = await tx`
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (${String(data.sub)}, ${user.row.id}, ${tx.json(data as postgres.JSONValue)}, ${provider}, now(), now(), now())
    returning *`;
  const identity = row as IdentityRow;
  user.identities = [...(user.identities ?? []), identity];
  return identity;
}

export async function findIdentity(q: Q, userId: string, provider: string): Promise<IdentityRow | null> {
  const [row] = await q`select * from auth.identities where provider_id = ${userId} and provider = ${provider}`;
  return (row as IdentityRow | undefined) ?? null;
}

export async function updateIdentityData(tx: Q, identity: IdentityRow, updates: Json): Promise<void> {
  const data = mergeMetadata(identity.identity_data, updates);
  if (typeof data.email === "string") data.email = data.email.toLowerCase();
  const [row] = await tx`
    update auth.identities set identity_data = ${tx.json(data as postgres.JSONValue)}, updated_at = now()
     where id = ${identity.id} returning *`;
  Object.assign(identity, row);
}

/** GoTrue's UpdateAppMetaDataProviders: providers of the user's identities, oldest first. */
export async function updateAppMetaDataProviders(tx: Q, user: User): Promise<void> {
  const rows = await tx`select provider from auth.identities where user_id = ${user.row.id} order by created_at asc`;
  const providers: string[] = [];
  for (const { provider } of rows) if (!providers.includes(provider as string)) providers.push(provider as string);
  const payload: Json = { providers };
  if (providers.length > 0) payload.provider = providers[0];
  await updateAppMetaData(tx, user, payload);
}

/** GoTrue's RemoveUnconfirmedIdentities after a sign-up: the new identity's data becomes the metadata. */
export async function removeUnconfirmedIdentities(tx: Tx, user: User, identity: IdentityRow): Promise<void> {
  if (identity.provider !== "email" && identity.provider !== "phone") {
    await updateUser(tx, user, { encrypted_password: null });
  }
  await updateUser(tx, user, { raw_user_meta_data: mergeMetadata(identity.identity_data, identity.identity_data) });
  for (const other of user.identities ?? []) {
    if (other.id !== identity.id) await tx`delete from auth.identities where id = ${other.id}`;
  }
  user.identities = (user.identities ?? []).filter((i) => i.id === identity.id);
  await updateAppMetaDataProviders(tx, user);
}

export async function clearAllOneTimeTokens(tx: Q, userId: string): Promise<void> {
  await tx`delete from auth.one_time_tokens where user_id = ${userId}`;
}

export async function clearOneTimeToken(tx: Q, userId: string, type: OneTimeTokenType): Promise<void> {
  await tx`delete from auth.one_time_tokens where token_type = ${type} and user_id = ${userId}`;
}

/** GoTrue's CreateOneTimeToken: replaces the user's token of that type. */
export async function createOneTimeToken(tx: Q, userId: string, relatesTo: string, hash: string, type: OneTimeTokenType): Promise<void> {
  await clearOneTimeToken(tx, userId, type);
  await tx`
    insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
    values (gen_random_uuid(), ${userId}, ${type}, ${hash}, ${relatesTo.toLowerCase()}, now(), now())`;
}

/** The user a one-time token hash belongs to (GoTrue's FindOneTimeToken), for the given types. */
export async function findUserByTokenHash(q: Q, hash: string, types: OneTimeTokenType[]): Promise<User | null> {
  const [ott] = await q`
    select user_id from auth.one_time_tokens where token_type = any(${types}::auth.one_time_token_type[]) and token_hash = ${hash} limit 1`;
  return ott ? findUserById(q, ott.user_id as string) : null;
}

export async function confirmEmail(tx: Q, user: User): Promise<void> {
  await updateUser(tx, user, { confirmation_token: "", email_confirmed_at: new Date() });
  await updateUserMetaData(tx, user, { email_verified: true });
  await clearAllOneTimeTokens(tx, user.row.id);
}

export async function confirmPhone(tx: Q, user: User): Promise<void> {
  await updateUser(tx, user, { confirmation_token: "", phone_confirmed_at: new Date() });
  await clearAllOneTimeTokens(tx, user.row.id);
}

/** GoTrue's Recover: the recovery token is spent. */
export async function recover(tx: Q, user: User): Promise<void> {
  await updateUser(tx, user, { recovery_token: "" });
  await clearAllOneTimeTokens(tx, user.row.id);
}

/** GoTrue's UpdatePassword: pending tokens cleared, other sessions (or all) signed out. */
export async function updatePassword(tx: Q, user: User, encryptedPassword: string | null, keepSessionId: string | null): Promise<void> {
  await updateUser(tx, user, {
    encrypted_password: encryptedPassword,
    confirmation_token: "",
    confirmation_sent_at: null,
    recovery_token: "",
    recovery_sent_at: null,
    email_change_token_current: "",
    email_change_token_new: "",
    email_change_sent_at: null,
    phone_change_token: "",
    phone_change_sent_at: null,
    reauthentication_token: "",
    reauthentication_sent_at: null,
  });
  await clearAllOneTimeTokens(tx, user.row.id);
  if (keepSessionId) await tx`delete from auth.sessions where id <> ${keepSessionId} and user_id = ${user.row.id}`;
  else await tx`delete from auth.sessions where user_id = ${user.row.id}`;
}

/** GoTrue's Ban: banned until now + duration, or unbanned for 0. */
export async function ban(tx: Q, user: User, durationMs: number): Promise<void> {
  await updateUser(tx, user, { banned_until: durationMs === 0 ? null : new Date(Date.now() + durationMs) });
}

/**
 * GoTrue's soft delete (SoftDeleteUser + SoftDeleteUserIdentities): identifiers obfuscated (also
 * when empty, as GoTrue hashes the user id alone), password and tokens cleared, deleted_at set,
 * one-time tokens removed, metadata emptied key by key, sessions deleted, identities emptied with
 * obfuscated provider ids.
 */
export async function softDeleteUser(tx: Tx, user: User): Promise<void> {
  const r = user.row;
  await updateUser(tx, user, {
    email: obfuscate(r.id, r.email ?? ""),
    phone: obfuscatePhone(r.id, r.phone ?? ""),
    encrypted_password: null,
    email_change: obfuscate(r.id, r.email_change ?? ""),
    phone_change: obfuscatePhone(r.id, r.phone_change ?? ""),
    confirmation_token: "",
    recovery_token: "",
    email_change_token_current: "",
    email_change_token_new: "",
    phone_change_token: "",
    deleted_at: new Date(),
  });
  await clearAllOneTimeTokens(tx, r.id);
  await updateUserMetaData(tx, user, Object.fromEntries(Object.keys(user.row.raw_user_meta_data ?? {}).map((k) => [k, null])));
  await updateAppMetaData(tx, user, Object.fromEntries(Object.keys(user.row.raw_app_meta_data ?? {}).map((k) => [k, null])));
  await tx`delete from auth.sessions where user_id = ${r.id}`;
  for (const identity of await loadIdentities(tx, r.id)) {
    await updateIdentityData(tx, identity, Object.fromEntries(Object.keys(identity.identity_data ?? {}).map((k) => [k, null])));
    await tx`update auth.identities set provider_id = ${obfuscate(identity.user_id, `${identity.provider}:${identity.provider_id}`)} where id = ${identity.id}`;
  }
}
