/** Seed users: three named demo accounts plus faker-generated neighbours. */
import type { SeedContext, SeedUser } from "./context.ts";
import { insertRows, lit } from "./sql.ts";

/** The accounts printed by `npm start`, stable across sizes. */
export function demoUsers(): SeedUser[] {
  return [
    { id: "00000000-0000-4000-8000-000000000001", email: "customer@example.com", phone: "+971500000001", fullName: "Amira Customer", username: "amira", locale: "en" },
    { id: "00000000-0000-4000-8000-000000000002", email: "provider@example.com", phone: "+971500000002", fullName: "Omar Provider", username: "omar_fixes", locale: "ar" },
    { id: "00000000-0000-4000-8000-000000000003", email: "seller@example.com", phone: "+971500000003", fullName: "Sara Seller", username: "sara_sells", locale: "en" },
  ];
}

function generateUsers(ctx: SeedContext): SeedUser[] {
  const { faker } = ctx;
  const users = demoUsers();
  const taken = new Set(users.map((u) => u.username));
  while (users.length < ctx.counts.users) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    let username = faker.internet.username({ firstName: first, lastName: last }).toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 24);
    while (taken.has(username)) username = `${username.slice(0, 20)}_${faker.string.numeric(3)}`;
    taken.add(username);
    const n = users.length + 1;
    users.push({
      id: faker.string.uuid(),
      email: `${username}@example.com`,
      // Unique, obviously synthetic numbers: +97155 followed by the user's sequence number.
      phone: `+97155${String(n).padStart(7, "0")}`,
      fullName: `${first} ${last}`,
      username,
      locale: faker.helpers.arrayElement(["en", "en", "ar"]),
    });
  }
  ctx.users = users;
  return users;
}

/** auth.users + auth.identities rows, written the way GoTrue writes them. */
export function usersSection(ctx: SeedContext): string[] {
  const users = generateUsers(ctx);
  const rows = users.map((u) =>
    [
      lit("00000000-0000-0000-0000-000000000000"),
      lit(u.id),
      lit("authenticated"),
      lit("authenticated"),
      lit(u.email),
      "(select h from pw)",
      "now()",
      lit(u.phone?.replace(/^\+/, "") ?? null),
      u.phone ? "now()" : "null",
      lit({ provider: "email", providers: ["email"] }),
      lit({ sub: u.id, email: u.email, email_verified: true, phone_verified: Boolean(u.phone), full_name: u.fullName, username: u.username, locale: u.locale, ...(u.phone ? { phone: u.phone } : {}) }),
      "now()",
      "now()",
      "''", "''", "''", "''", "''", "''", "''", "''",
      "false",
      "false",
    ].join(", "),
  ).map((r) => `(${r})`);
  return [
    ...insertRows(
      `with pw as (select extensions.crypt('password123', extensions.gen_salt('bf', 6)) as h)
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, phone, phone_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  email_change_token_current, phone_change, phone_change_token, reauthentication_token,
  is_sso_user, is_anonymous)`,
      rows,
      "on conflict (id) do nothing",
    ),
    `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true, 'phone_verified', u.phone is not null),
       'email', now(), now(), now()
  from auth.users u
 where not exists (select 1 from auth.identities i where i.user_id = u.id);`,
  ];
}
