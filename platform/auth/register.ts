/**
 * Creating a user the way GoTrue's sign-up does (AU internal/api/signup.go signupNewUser and the
 * identity step): shared by POST /signup, /otp and the token helper (scripts/lib/auth.ts).
 */
import { audit, actorOf } from "./audit.ts";
import type { Tx } from "./db.ts";
import {
  claimsIdentityData,
  confirmEmail,
  confirmPhone,
  createIdentity,
  findIdentity,
  insertUser,
  removeUnconfirmedIdentities,
  setRole,
  type User,
} from "./users.ts";

export interface Registration {
  id: string;
  aud: string;
  role: string;
  provider: "email" | "phone";
  /** Lowercased email, or "". */
  email: string;
  /** Digits only, or "". */
  phone: string;
  /** bcrypt hash, or '' for a user without a password (GoTrue's NewUser with an empty password). */
  encryptedPassword: string;
  data: Record<string, unknown>;
}

/**
 * insert auth.users → set role → insert auth.identities ({sub, email?, email_verified: false,
 * phone_verified: false} plus the data keys it lacks) → user_metadata := identity data, other
 * identities dropped, app_metadata.provider(s) from the identities.
 */
export async function insertUserWithIdentity(tx: Tx, r: Registration): Promise<User> {
  const user = await insertUser(tx, {
    id: r.id,
    aud: r.aud,
    email: r.provider === "email" ? r.email : "",
    phone: r.provider === "phone" ? r.phone : "",
    encryptedPassword: r.encryptedPassword,
    userMetadata: r.data,
    appMetadata: { provider: r.provider, providers: [r.provider] },
  });
  await setRole(tx, user, r.role);
  await addSignupIdentity(tx, user, r.provider, r.data);
  return user;
}

/** The identity step of sign-up, also for an existing unconfirmed user without that identity. */
export async function addSignupIdentity(tx: Tx, user: User, provider: string, data: Record<string, unknown>): Promise<void> {
  if (await findIdentity(tx, user.row.id, provider)) return;
  const identityData = claimsIdentityData({ sub: user.row.id, email: user.row.email ?? "" });
  for (const [k, v] of Object.entries(data)) if (!(k in identityData)) identityData[k] = v;
  const identity = await createIdentity(tx, user, provider, identityData);
  await removeUnconfirmedIdentities(tx, user, identity);
}

/** Sign-up with autoconfirm: audit user_signedup, then the email or phone confirmed. */
export async function autoconfirm(tx: Tx, user: User, provider: "email" | "phone", traits: Record<string, unknown>): Promise<void> {
  await audit(tx, actorOf(user.row), "user_signedup", traits);
  if (provider === "email") await confirmEmail(tx, user);
  else await confirmPhone(tx, user);
}
