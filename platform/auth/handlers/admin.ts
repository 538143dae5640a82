/**
 * The admin API for the service role (AU internal/api/admin.go): GET/POST /admin/users and
 * GET/PUT/DELETE /admin/users/{id}, behind requireAdminCredentials (a valid token whose role is
 * service_role; otherwise 401 no_authorization / 403 bad_jwt / 403 not_admin).
 *
 * DELETE with {"should_soft_delete": true} is GoTrue's soft delete, in one transaction: audit
 * user_deleted, then (unless already soft-deleted) identifiers obfuscated, password and tokens
 * cleared, deleted_at set, one-time tokens deleted, metadata emptied, sessions deleted,
 * identities emptied with obfuscated provider ids, MFA factors and WebAuthn credentials deleted.
 * Without it the auth.users row is deleted (identities, sessions, tokens cascade).
 */
import { randomUUID } from "node:crypto";
import { audit, adminActor } from "../audit.ts";
import { requestAud, requireAdmin, type AuthContext } from "../context.ts";
import { hashPassword, randomPassword } from "../crypto.ts";
import type { Tx } from "../db.ts";
import { AuthError, badRequest, internal, notFound, unprocessable } from "../errors.ts";
import { field, json, readParams, type AuthRequest, type Reply } from "../http.ts";
import { parseGoDuration } from "../config.ts";
import {
  ban,
  claimsIdentityData,
  confirmEmail,
  confirmPhone,
  createIdentity,
  findDuplicateEmailUser,
  findIdentity,
  findUserById,
  findUserByPhone,
  insertUser,
  setRole,
  softDeleteUser,
  updateAppMetaData,
  updateIdentityData,
  updatePassword,
  updateUser,
  updateUserMetaData,
  userJson,
  type User,
  type UserRow,
} from "../users.ts";
import { checkPasswordStrength, MAX_PASSWORD_LENGTH, validateEmail, validatePhone } from "../validate.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface AdminParams {
  id: string;
  aud: string;
  role: string;
  email: string;
  phone: string;
  password: string | undefined;
  passwordHash: string;
  emailConfirm: boolean;
  phoneConfirm: boolean;
  userMetadata: Record<string, unknown> | undefined;
  appMetadata: Record<string, unknown> | undefined;
  banDuration: string;
}

function adminParams(body: Record<string, unknown>): AdminParams {
  return {
    id: field.string(body, "id"),
    aud: field.string(body, "aud"),
    role: field.string(body, "role"),
    email: field.string(body, "email"),
    phone: field.string(body, "phone"),
    password: field.optString(body, "password"),
    passwordHash: field.string(body, "password_hash"),
    emailConfirm: field.bool(body, "email_confirm"),
    phoneConfirm: field.bool(body, "phone_confirm"),
    userMetadata: field.object(body, "user_metadata"),
    appMetadata: field.object(body, "app_metadata"),
    banDuration: field.string(body, "ban_duration"),
  };
}

function banDurationMs(value: string): number | undefined {
  if (!value) return undefined;
  if (value === "none") return 0;
  try {
    return parseGoDuration(value, "ban_duration");
  } catch {
    throw badRequest("validation_failed", `invalid format for ban duration: time: invalid duration "${value}"`);
  }
}

async function loadUser(ctx: AuthContext, id: string): Promise<User> {
  if (!UUID.test(id)) throw notFound("validation_failed", "user_id must be an UUID");
  const user = await findUserById(ctx.sql, id);
  if (!user) throw notFound("user_not_found", "User not found");
  return user;
}

export async function adminRoute(ctx: AuthContext, req: AuthRequest, rest: string): Promise<Reply> {
  const { claims, role } = await requireAdmin(ctx, req);
  const m = /^\/users(?:\/([^/]+))?$/.exec(rest);
  if (!m) return { status: 404, raw: "404 page not found\n", headers: { "content-type": "text/plain; charset=utf-8" } };
  const id = m[1];
  if (!id) {
    if (req.method === "GET") return listUsers(ctx, req, claims);
    if (req.method === "POST") return createUser(ctx, req, claims, role);
    return { status: 405, raw: "" };
  }
  const user = await loadUser(ctx, decodeURIComponent(id));
  if (req.method === "GET") return json(userJson(user));
  if (req.method === "PUT") return updateUserById(ctx, req, user, role);
  if (req.method === "DELETE") return deleteUser(ctx, req, user, role);
  return { status: 405, raw: "" };
}

async function listUsers(ctx: AuthContext, req: AuthRequest, claims: Record<string, unknown>): Promise<Reply> {
  const aud = requestAud(ctx, req, claims);
  const sorts = req.query.getAll("sort");
  const order: string[] = [];
  for (const s of sorts.length ? sorts : ["created_at desc"]) {
    const [fieldName, dir = "desc"] = s.split(" ", 2);
    if (fieldName !== "created_at") throw badRequest("validation_failed", `Bad Sort Parameters: bad field for sort '${fieldName}'`);
    if (!["asc", "desc"].includes(dir.toLowerCase())) {
      throw badRequest("validation_failed", `Bad Sort Parameters: bad direction for sort '${dir}', only 'asc' and 'desc' allowed`);
    }
    order.push(`created_at ${dir.toLowerCase()}`);
  }
  const parseUint = (v: string | null, fallback: number) => {
    if (v === null || v === "") return fallback;
    if (!/^\d+$/.test(v)) throw badRequest("validation_failed", `Bad Pagination Parameters: strconv.ParseUint: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  const page = Math.max(1, parseUint(req.query.get("page"), 1));
  const perPage = Math.max(1, parseUint(req.query.get("per_page"), 50));
  const filter = req.query.get("filter") ?? "";
  const like = `%${filter}%`;
  const where = ctx.sql`instance_id = '00000000-0000-0000-0000-000000000000' and aud = ${aud}
    ${filter ? ctx.sql`and (email like ${like} or raw_user_meta_data->>'full_name' ilike ${like})` : ctx.sql``}`;
  const [{ count }] = await ctx.sql`select count(*)::int as count from auth.users where ${where}`;
  const rows = await ctx.sql`
    select * from auth.users where ${where}
     order by ${ctx.sql.unsafe(order.join(", "))}
     limit ${perPage} offset ${(page - 1) * perPage}`;
  const total = count as number;
  const totalPages = Math.ceil(total / perPage);
  const url = new URL(`http://local/admin/users?${req.query.toString()}`);
  const link = (p: number) => {
    url.searchParams.set("page", String(p));
    url.searchParams.sort(); // Go's url.Values.Encode sorts by key (auth-js reads the page after the first '=')
    return `</admin/users?${url.searchParams.toString()}>`;
  };
  let header = "";
  if (totalPages > page) header += `${link(page + 1)}; rel="next", `;
  header += `${link(totalPages)}; rel="last"`;
  return json(
    { users: (rows as unknown as UserRow[]).map((row) => userJson({ row, identities: null })), aud },
    200,
    { Link: header, "X-Total-Count": String(total) },
  );
}

async function createUser(ctx: AuthContext, req: AuthRequest, claims: Record<string, unknown>, role: string): Promise<Reply> {
  const { cfg } = ctx;
  const p = adminParams(await readParams(req));
  const aud = p.aud || requestAud(ctx, req, claims);
  if (!p.email && !p.phone) throw badRequest("validation_failed", "Cannot create a user without either an email or phone");
  const providers: string[] = [];
  if (p.email) {
    p.email = validateEmail(p.email);
    if (await findDuplicateEmailUser(ctx.sql, p.email, aud)) {
      throw unprocessable("email_exists", "A user with this email address has already been registered");
    }
    providers.push("email");
  }
  if (p.phone) {
    p.phone = validatePhone(p.phone);
    if (await findUserByPhone(ctx.sql, p.phone, aud)) throw unprocessable("phone_exists", "Phone number already registered by another user");
    providers.push("phone");
  }
  if (p.password !== undefined && p.passwordHash) throw badRequest("validation_failed", "Only a password or a password hash should be provided");
  let encrypted: string;
  if (p.passwordHash) {
    if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(p.passwordHash)) {
      throw internal("Error creating user");
    }
    encrypted = p.passwordHash;
  } else {
    const password = p.password || randomPassword(64);
    if (Buffer.byteLength(password) > MAX_PASSWORD_LENGTH) throw badRequest("validation_failed", "bcrypt: password length exceeds 72 bytes");
    encrypted = await hashPassword(password);
  }
  let id: string = randomUUID();
  if (p.id) {
    if (!UUID.test(p.id)) throw badRequest("validation_failed", "ID must conform to the uuid v4 format");
    if (/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(p.id)) throw badRequest("validation_failed", "ID cannot be a nil uuid");
    id = p.id.toLowerCase();
  }
  const banMs = banDurationMs(p.banDuration);
  try {
    const user = await ctx.sql.begin(async (tx: Tx) => {
      const u = await insertUser(tx, {
        id,
        aud,
        email: p.email,
        phone: p.phone,
        encryptedPassword: encrypted,
        userMetadata: p.userMetadata ?? {},
        appMetadata: { provider: providers[0], providers },
      });
      u.identities = [];
      if (u.row.email) await createIdentity(tx, u, "email", claimsIdentityData({ sub: u.row.id, email: u.row.email }));
      if (u.row.phone) await createIdentity(tx, u, "phone", claimsIdentityData({ sub: u.row.id, phone: u.row.phone }));
      await audit(tx, adminActor(role), "user_signedup", {
        user_id: u.row.id,
        user_email: u.row.email ?? "",
        user_phone: u.row.phone ?? "",
        provider: providers[0],
      });
      await setRole(tx, u, p.role || cfg.defaultRole);
      if (p.appMetadata) await updateAppMetaData(tx, u, p.appMetadata);
      if (p.emailConfirm) await confirmEmail(tx, u);
      if (p.phoneConfirm) await confirmPhone(tx, u);
      if (banMs !== undefined) await ban(tx, u, banMs);
      return u;
    });
    return json(userJson(user));
  } catch (err) {
    if (err instanceof AuthError) throw err;
    ctx.log(`[auth] admin create user: ${(err as Error).message}`);
    throw internal("Database error creating new user");
  }
}

async function updateUserById(ctx: AuthContext, req: AuthRequest, user: User, role: string): Promise<Reply> {
  const { cfg } = ctx;
  const p = adminParams(await readParams(req));
  if (p.email) p.email = validateEmail(p.email);
  if (p.phone) p.phone = validatePhone(p.phone);
  const banMs = banDurationMs(p.banDuration);
  let encrypted: string | null | undefined;
  if (p.password !== undefined) {
    checkPasswordStrength(cfg, p.password);
    encrypted = p.password === "" ? null : await hashPassword(p.password);
  }
  try {
    await ctx.sql.begin(async (tx: Tx) => {
      if (p.role) await setRole(tx, user, p.role);
      if (p.emailConfirm) await confirmEmail(tx, user);
      if (p.phoneConfirm) await confirmPhone(tx, user);
      if (encrypted !== undefined) await updatePassword(tx, user, encrypted, null);
      if (p.email) {
        const identity = await findIdentity(tx, user.row.id, "email");
        if (!identity) {
          await createIdentity(tx, user, "email", claimsIdentityData({ sub: user.row.id, email: p.email, emailVerified: p.emailConfirm }));
        } else {
          await updateIdentityData(tx, identity, { email: p.email, email_verified: p.emailConfirm });
        }
        if (user.row.is_anonymous && p.emailConfirm) await updateUser(tx, user, { is_anonymous: false });
        await updateUser(tx, user, { email: p.email });
      }
      if (p.phone) {
        const identity = await findIdentity(tx, user.row.id, "phone");
        if (!identity) {
          await createIdentity(tx, user, "phone", claimsIdentityData({ sub: user.row.id, phone: p.phone, phoneVerified: p.phoneConfirm }));
        } else {
          await updateIdentityData(tx, identity, { phone: p.phone, phone_verified: p.phoneConfirm });
        }
        if (user.row.is_anonymous && p.phoneConfirm) await updateUser(tx, user, { is_anonymous: false });
        await updateUser(tx, user, { phone: p.phone });
      }
      if (p.appMetadata) await updateAppMetaData(tx, user, p.appMetadata);
      if (p.userMetadata) await updateUserMetaData(tx, user, p.userMetadata);
      if (banMs !== undefined) await ban(tx, user, banMs);
      await audit(tx, adminActor(role), "user_modified", {
        user_id: user.row.id,
        user_email: user.row.email ?? "",
        user_phone: user.row.phone ?? "",
      });
    });
  } catch (err) {
    ctx.log(`[auth] admin update user: ${(err as Error).message}`);
    throw internal("Error updating user");
  }
  return json(userJson(user));
}

async function deleteUser(ctx: AuthContext, req: AuthRequest, user: User, role: string): Promise<Reply> {
  let soft = false;
  const raw = await req.body();
  if (raw.length > 0) soft = field.bool(await readParams(req), "should_soft_delete");
  await ctx.sql.begin(async (tx: Tx) => {
    try {
      await audit(tx, adminActor(role), "user_deleted", {
        user_id: user.row.id,
        user_email: user.row.email ?? "",
        user_phone: user.row.phone ?? "",
      });
    } catch {
      throw internal("Error recording audit log entry");
    }
    if (soft) {
      if (user.row.deleted_at) return; // already soft-deleted
      try {
        await softDeleteUser(tx, user);
      } catch {
        throw internal("Error soft deleting user");
      }
      await tx`delete from auth.mfa_factors where user_id = ${user.row.id}`;
      if (ctx.optionalTables.webauthnCredentials) await tx`delete from auth.webauthn_credentials where user_id = ${user.row.id}`;
      await tx`delete from auth.sessions where user_id = ${user.row.id}`;
    } else {
      try {
        await tx`delete from auth.users where id = ${user.row.id}`;
      } catch (err) {
        ctx.log(`[auth] admin delete user: ${(err as Error).message}`);
        throw internal("Database error deleting user");
      }
    }
  });
  return json({});
}
