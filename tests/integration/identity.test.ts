/**
 * Identity through the client path: supabase-js with minted tokens, the gateway, PostgREST, RLS
 * and the identity RPCs. Sign-up trigger, public and private profile data, the error contract,
 * modes, operator roles in the JWT, businesses and members, account deletion.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { signIn } from "../../scripts/lib/auth.ts";
import { createHash } from "node:crypto";
import { actor as newActor, adminSql, anonClient, clientFor, deleteAccount, newUser, serviceClient, stack, type Actor as User, type Client } from "../support.ts";

interface Actor extends User {
  username: string;
}

const sql = adminSql();
const run = Date.now().toString(36);
let seq = 0;
/** A phone number no other test or seed user has (UK drama range + run-unique digits). */
const phone = () => `+4477${String(Date.now() + seq++).slice(-8)}`;

/** A fresh account; its username is unique to this run. */
async function actor(label: string, metadata: Record<string, unknown> = {}): Promise<Actor> {
  const username = `${label}_${run}_${seq++}`;
  return { ...(await newActor(label, { username, ...metadata })), username };
}

/** Signs the same user in again: a new token, passed through the custom access token hook. */
async function reSignIn(a: Actor): Promise<{ claims: Record<string, unknown>; client: Client; token: string }> {
  const s = await signIn(stack, { email: a.email });
  return { claims: s.claims, client: clientFor(s.accessToken), token: s.accessToken };
}

afterAll(() => sql.end());

describe("sign-up and profiles", () => {
  let ada: Actor;
  let bob: Actor;
  const adaPhone = phone();

  beforeAll(async () => {
    ada = await actor("ada", { full_name: "Ada Lovelace", locale: "ar-AE", phone: adaPhone });
    bob = await actor("bob", { full_name: "Bob Builder" });
  });

  it("creates the profile and private details from the sign-up metadata", async () => {
    const { data, error } = await ada.client.from("profiles").select("username, full_name, locale, active_mode, is_verified").eq("id", ada.id).single();
    expect(error).toBeNull();
    expect(data).toEqual({ username: ada.username, full_name: "Ada Lovelace", locale: "ar-AE", active_mode: "customer", is_verified: false });
    const priv = await ada.client.from("profile_private").select("profile_id, phone, phone_verified_at").single();
    expect(priv.data).toEqual({ profile_id: ada.id, phone: adaPhone, phone_verified_at: null });
  });

  it("never fails a sign-up for bad metadata: taken username, bad phone and locale are replaced or dropped", async () => {
    const { session, client } = await newUser("clash", { username: ada.username.toUpperCase(), phone: "0501234", locale: "klingon" });
    const { data } = await client.from("profiles").select("username, locale").eq("id", session.user.id).single();
    expect(data?.username).not.toBe(ada.username.toUpperCase());
    expect(data?.username).toMatch(/_\d{6}$/);
    expect(data?.locale).toBe("en");
    const priv = await client.from("profile_private").select("phone").single();
    expect(priv.data?.phone).toBeNull();
  });

  it("lets anon read public profiles but not private details", async () => {
    const anon = anonClient();
    const { data, error } = await anon.from("profiles").select("id, username").eq("id", ada.id);
    expect(error).toBeNull();
    expect(data).toEqual([{ id: ada.id, username: ada.username }]);
    const priv = await anon.from("profile_private").select("*");
    expect(priv.status).toBe(401);
    expect(priv.error?.code).toBe("42501");
  });

  it("hides private details from other users", async () => {
    const { data, error } = await bob.client.from("profile_private").select("profile_id").eq("profile_id", ada.id);
    expect(error).toBeNull();
    expect(data).toEqual([]);
  });

  it("lets a user edit their own profile and nobody else's", async () => {
    const mine = await ada.client.from("profiles").update({ bio: "Analytical engines", neighbourhood: "Marina" }).eq("id", ada.id).select("bio").single();
    expect(mine.error).toBeNull();
    expect(mine.data?.bio).toBe("Analytical engines");
    const theirs = await bob.client.from("profiles").update({ bio: "hijacked" }).eq("id", ada.id).select();
    expect(theirs.error).toBeNull();
    expect(theirs.data).toEqual([]);
    const home = await ada.client.from("profile_private").update({ building_name: "Tower 2", address: "Flat 1204" }).eq("profile_id", ada.id).select("building_name").single();
    expect(home.data?.building_name).toBe("Tower 2");
  });

  it("refuses trust fields with 403, whoever asks", async () => {
    for (const patch of [{ is_verified: true }, { is_provider: true }, { is_seller: true }, { active_mode: "provider" }] as const) {
      const res = await ada.client.from("profiles").update(patch as never).eq("id", ada.id);
      expect(res.status).toBe(403);
      expect(res.error?.code).toBe("42501");
    }
    const verified = await ada.client.from("profile_private").update({ phone_verified_at: new Date().toISOString() } as never).eq("profile_id", ada.id);
    expect(verified.status).toBe(403);
    // Nothing was written (npm test runs this on a legacy-grants project too).
    const after = await ada.client.from("profiles").select("is_verified, is_provider, is_seller, active_mode").eq("id", ada.id).single();
    expect(after.data).toEqual({ is_verified: false, is_provider: false, is_seller: false, active_mode: "customer" });
  });

  it("answers bad usernames and phones with documented codes, never a 500", async () => {
    const cases: Array<[Promise<{ status: number; error: { code: string; message: string; hint: string } | null }>, number, string]> = [
      [ada.client.from("profiles").update({ username: "x" }).eq("id", ada.id) as never, 400, "HL101"],
      [ada.client.from("profiles").update({ username: "1abc" }).eq("id", ada.id) as never, 400, "HL101"],
      [ada.client.from("profiles").update({ username: "support" }).eq("id", ada.id) as never, 400, "HL101"],
      [ada.client.from("profiles").update({ username: bob.username.toUpperCase() }).eq("id", ada.id) as never, 409, "HL102"],
      [ada.client.from("profile_private").update({ phone: "050 123 4567" }).eq("profile_id", ada.id) as never, 400, "HL103"],
      [bob.client.from("profile_private").update({ phone: adaPhone }).eq("profile_id", bob.id) as never, 409, "HL104"],
      [ada.client.from("profiles").update({ locale: "English" }).eq("id", ada.id) as never, 400, "HL109"],
    ];
    for (const [request, status, code] of cases) {
      const res = await request;
      expect({ status: res.status, code: res.error?.code }).toEqual({ status, code });
      expect(res.error?.message).toBeTruthy();
      expect(res.error?.hint).toBeTruthy();
    }
  });
});

describe("modes", () => {
  it("switches between customer and seller with switch_mode and refuses provider mode before onboarding", async () => {
    const u = await actor("modes");
    const seller = await u.client.rpc("switch_mode", { p_mode: "seller" });
    expect(seller.error).toBeNull();
    expect(seller.data).toMatchObject({ id: u.id, active_mode: "seller", is_seller: true });
    const back = await u.client.rpc("switch_mode", { p_mode: "customer" });
    expect(back.data).toMatchObject({ active_mode: "customer", is_seller: true });
    const provider = await u.client.rpc("switch_mode", { p_mode: "provider" });
    expect({ status: provider.status, code: provider.error?.code }).toEqual({ status: 409, code: "HL106" });
    const bad = await u.client.rpc("switch_mode", { p_mode: "boss" });
    expect({ status: bad.status, code: bad.error?.code }).toEqual({ status: 400, code: "HL105" });
    const anon = await anonClient().rpc("switch_mode", { p_mode: "seller" });
    expect(anon.status).toBe(401);
  });
});

describe("operator roles", () => {
  let admin: Actor;
  let helper: Actor;

  beforeAll(async () => {
    admin = await actor("admin");
    helper = await actor("helper");
  });

  it("does not let a user grant themselves a role", async () => {
    const res = await helper.client.from("user_roles").insert({ user_id: helper.id, role: "admin", granted_by: helper.id });
    expect(res.status).toBe(403);
    expect(res.error?.code).toBe("42501");
    const mine = await helper.client.from("user_roles").select("role");
    expect(mine.data).toEqual([]);
    const perms = await helper.client.from("role_permissions").update({ permission: "roles.manage" }).eq("role", "support");
    expect(perms.status).toBe(403);
  });

  it("carries a role granted by SQL into the next token's user_roles claim", async () => {
    expect((await reSignIn(admin)).claims.user_roles).toEqual([]);
    await sql`insert into public.user_roles (user_id, role) values (${admin.id}, 'admin')`;
    const { claims, token, client } = await reSignIn(admin);
    expect(claims.user_roles).toEqual(["admin"]);
    expect(decodeJwt(token).user_roles).toEqual(["admin"]);
    admin.client = client;
  });

  it("lets an admin grant a role through the API; the grantee's next token carries it and it works at once", async () => {
    const granted = await admin.client.from("user_roles").insert({ user_id: helper.id, role: "support", granted_by: admin.id }).select().single();
    expect(granted.error).toBeNull();
    expect(granted.data).toMatchObject({ user_id: helper.id, role: "support", granted_by: admin.id });

    const { claims, client } = await reSignIn(helper);
    expect(claims.user_roles).toEqual(["support"]);
    // Policies read the table, so the role works even with the old token; support reads private details.
    const priv = await helper.client.from("profile_private").select("profile_id").eq("profile_id", admin.id);
    expect(priv.data).toEqual([{ profile_id: admin.id }]);
    // ...but cannot write them.
    const write = await client.from("profile_private").update({ address: "by support" }).eq("profile_id", admin.id).select();
    expect(write.data).toEqual([]);
    // Support cannot promote themselves further.
    const escalate = await client.from("user_roles").insert({ user_id: helper.id, role: "admin", granted_by: helper.id });
    expect(escalate.status).toBe(403);
  });
});

describe("businesses and members", () => {
  let owner: Actor;
  let staff: Actor;
  let outsider: Actor;
  let businessId: string;

  beforeAll(async () => {
    owner = await actor("owner");
    staff = await actor("staff");
    outsider = await actor("outsider");
  });

  it("makes the creator of a business its owner member", async () => {
    const created = await owner.client.from("businesses").insert({ name: `Fixers ${run}`, owner_id: owner.id }).select().single();
    expect(created.error).toBeNull();
    businessId = created.data!.id;
    const members = await owner.client.from("business_members").select("user_id, role").eq("business_id", businessId);
    expect(members.data).toEqual([{ user_id: owner.id, role: "owner" }]);
    const forged = await outsider.client.from("businesses").insert({ name: "Not mine", owner_id: owner.id });
    expect(forged.status).toBe(403);
  });

  it("lets the owner add staff by username, and staff then see the members", async () => {
    const added = await owner.client.rpc("add_business_member", { p_business_id: businessId, p_username: staff.username, p_role: "staff" });
    expect(added.error).toBeNull();
    expect(added.data).toMatchObject({ business_id: businessId, user_id: staff.id, role: "staff", added_by: owner.id });

    const seen = await staff.client
      .from("business_members")
      .select("role, member:profiles!business_members_user_id_fkey(username)")
      .eq("business_id", businessId)
      .order("role");
    expect(seen.error).toBeNull();
    expect(seen.data).toEqual([
      { role: "owner", member: { username: owner.username } },
      { role: "staff", member: { username: staff.username } },
    ]);
    const hidden = await outsider.client.from("business_members").select("user_id").eq("business_id", businessId);
    expect(hidden.data).toEqual([]);
  });

  it("refuses member changes beyond the caller's role with documented codes", async () => {
    const staffAdds = await staff.client.rpc("add_business_member", { p_business_id: businessId, p_user_id: outsider.id });
    expect({ status: staffAdds.status, code: staffAdds.error?.code }).toEqual({ status: 403, code: "HL112" });
    const selfOwner = await outsider.client.rpc("transfer_business_ownership", { p_business_id: businessId, p_new_owner_id: outsider.id });
    expect({ status: selfOwner.status, code: selfOwner.error?.code }).toEqual({ status: 403, code: "HL111" });
    const ownerLeaves = await owner.client.rpc("leave_business", { p_business_id: businessId });
    expect({ status: ownerLeaves.status, code: ownerLeaves.error?.code }).toEqual({ status: 409, code: "HL108" });
    const twice = await owner.client.rpc("add_business_member", { p_business_id: businessId, p_user_id: staff.id });
    expect({ status: twice.status, code: twice.error?.code }).toEqual({ status: 409, code: "HL115" });
    const direct = await staff.client.from("business_members").update({ role: "owner" }).eq("user_id", staff.id);
    expect(direct.status).toBe(403);
  });

  it("transfers ownership, keeping exactly one owner and businesses.owner_id in step", async () => {
    const moved = await owner.client.rpc("transfer_business_ownership", { p_business_id: businessId, p_new_owner_id: staff.id });
    expect(moved.error).toBeNull();
    expect(moved.data).toMatchObject({ id: businessId, owner_id: staff.id });
    const members = await staff.client.from("business_members").select("user_id, role").eq("business_id", businessId).order("role");
    expect(members.data).toEqual([
      { user_id: owner.id, role: "manager" },
      { user_id: staff.id, role: "owner" },
    ]);
  });

  it("requires an owner with other members to transfer before deleting the account", async () => {
    const res = await deleteAccount(staff.client);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: "HL119" });
    const [row] = await sql`select deleted_at from auth.users where id = ${staff.id}`;
    expect(row.deleted_at).toBeNull(); // Auth is not asked when the domain refuses
  });
});

describe("account deletion", () => {
  /** GoTrue's obfuscation of a soft-deleted user's identifiers: base64url(SHA-256(user id + value)). */
  const obfuscated = (id: string, value: string) => createHash("sha256").update(id + value).digest("base64url");

  it("deletes the caller's account through the delete-account function: domain data anonymised, then Auth's soft delete", async () => {
    const u = await actor("leaver", { full_name: "Leaving Person", phone: phone() });
    const before = await sql`select count(*)::int as n from auth.sessions where user_id = ${u.id}`;
    expect(before[0].n).toBeGreaterThan(0);

    const res = await deleteAccount(u.client);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: u.id });
    expect(res.body.username as string).toMatch(/^deleted_[0-9a-f]{6}$/);

    const [row] = await sql`
      select u.deleted_at is not null as deleted, u.email, u.phone, u.encrypted_password, u.raw_user_meta_data, u.raw_app_meta_data,
             p.full_name, p.deleted_at is not null as profile_deleted,
             (select count(*)::int from public.profile_private pp where pp.profile_id = u.id) as private_rows,
             (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions,
             (select count(*)::int from auth.refresh_tokens t where t.user_id = u.id::text) as refresh_tokens,
             (select jsonb_agg(jsonb_build_object('data', i.identity_data, 'provider_id', i.provider_id)) from auth.identities i where i.user_id = u.id) as identities,
             (select requested_by from private.account_deletions d where d.user_id = u.id) as requested_by
        from auth.users u join public.profiles p on p.id = u.id
       where u.id = ${u.id}`;
    // Auth's soft delete (GoTrue SoftDeleteUser / SoftDeleteUserIdentities), not the project's SQL.
    expect(row).toMatchObject({
      deleted: true, email: obfuscated(u.id, u.email), phone: obfuscated(u.id, "").slice(0, 15), encrypted_password: null,
      raw_user_meta_data: {}, raw_app_meta_data: {}, sessions: 0, refresh_tokens: 0,
      identities: [{ data: {}, provider_id: obfuscated(u.id, `email:${u.id}`) }],
      full_name: "Deleted user", profile_deleted: true, private_rows: 0, requested_by: u.id,
    });
    const [logged] = await sql`
      select payload->>'actor_username' as actor, payload->'traits'->>'user_id' as user_id from auth.audit_log_entries
       where payload->>'action' = 'user_deleted' and payload->'traits'->>'user_id' = ${u.id}`;
    expect(logged).toEqual({ actor: "service_role", user_id: u.id });

    const anon = await anonClient().from("profiles").select("id").eq("id", u.id);
    expect(anon.data).toEqual([]);
    // The old token is still signed, but it cannot bring the profile back; Auth no longer knows its session.
    const revive = await u.client.from("profiles").update({ full_name: "Back again" }).eq("id", u.id).select();
    expect(revive.data).toEqual([]);
    const again = await deleteAccount(u.client);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 401, code: "HL001" });
    // The address is free again: a new sign-up gets a new, unrelated account.
    const fresh = await clientFor().auth.signUp({ email: u.email, password: "a fresh password 1" });
    expect(fresh.error).toBeNull();
    expect(fresh.data.user?.id).not.toBe(u.id);
  });

  it("offers support-initiated deletion to the service role only", async () => {
    const u = await actor("ticket");
    const asUser = await u.client.rpc("delete_user_account", { p_user_id: u.id, p_reason: "I want out" });
    expect({ status: asUser.status, code: asUser.error?.code }).toEqual({ status: 403, code: "42501" });
    const noReason = await deleteAccount(serviceClient(), { user_id: u.id, reason: "" });
    expect({ status: noReason.status, code: noReason.body.code }).toEqual({ status: 400, code: "HL004" });
    const done = await deleteAccount(serviceClient(), { user_id: u.id, reason: "support ticket 1234" });
    expect(done.status).toBe(200);
    const [rec] = await sql`
      select d.requested_by, d.reason, u.deleted_at is not null as auth_deleted
        from private.account_deletions d join auth.users u on u.id = d.user_id where d.user_id = ${u.id}`;
    expect(rec).toEqual({ requested_by: null, reason: "support ticket 1234", auth_deleted: true });
    const unknown = await deleteAccount(serviceClient(), { user_id: crypto.randomUUID(), reason: "ticket 9" });
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: "HL114" });
  });

  it("finishes a deletion whose Auth step did not happen: the domain answers HL120, Auth soft-deletes", async () => {
    const u = await actor("halfway");
    // The domain side alone, as if Auth had been unreachable after it.
    const domain = await serviceClient().rpc("delete_user_account", { p_user_id: u.id, p_reason: "self-service", p_requested_by: u.id });
    expect(domain.error).toBeNull();
    const [mid] = await sql`select deleted_at from auth.users where id = ${u.id}`;
    expect(mid.deleted_at).toBeNull();
    const res = await deleteAccount(u.client);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 410, code: "HL120" });
    const [after] = await sql`select deleted_at is not null as deleted, (select count(*)::int from auth.sessions where user_id = ${u.id}) as sessions
                                from auth.users where id = ${u.id}`;
    expect(after).toEqual({ deleted: true, sessions: 0 });
  });
});

describe("races between member changes and account deletion", () => {
  /** Two connections, each in its own transaction, acting as users the way PostgREST does. */
  const race = adminSql();
  afterAll(() => race.end());

  async function begin(uid: string) {
    const conn = await race.reserve();
    await conn`begin`;
    await conn`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${JSON.stringify({ sub: uid, role: "authenticated" })}, true)`;
    return conn;
  }
  /** The delete-account function's domain step for `uid`, as PostgREST runs it for the service role. */
  async function beginDeletion() {
    const conn = await race.reserve();
    await conn`begin`;
    await conn`select set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true)`;
    return conn;
  }
  /** Ends a reserved connection's transaction (if any) and gives it back. */
  async function end(conn: Awaited<ReturnType<typeof begin>>) {
    await conn`rollback`.catch(() => {});
    conn.release();
  }
  /** Starts a statement that must wait for a lock; resolves to its error (or null) once it ran. */
  async function startBlocked(run: Promise<unknown>): Promise<{ outcome: Promise<{ code?: string } | null> }> {
    let settled: { code?: string; message?: string } | null | undefined;
    const outcome = run.then(
      () => (settled = null),
      (e: { code?: string; message?: string }) => (settled = e),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(settled, `expected the statement to wait for a lock, it ended with ${JSON.stringify(settled)}`).toBeUndefined();
    // Wrapped: an async function returning a promise would wait for it.
    return { outcome };
  }

  it("a member deleting their account while the owner hands them the business: the deletion waits, then refuses (HL119)", async () => {
    const owner = await actor("rowner");
    const heir = await actor("rheir");
    const biz = await owner.client.from("businesses").insert({ name: `Race ${run}`, owner_id: owner.id }).select("id").single();
    await owner.client.rpc("add_business_member", { p_business_id: biz.data!.id, p_user_id: heir.id, p_role: "manager" });

    const t1 = await begin(owner.id);
    const t2 = await beginDeletion();
    try {
      await t1`select public.transfer_business_ownership(${biz.data!.id}, ${heir.id})`;
      const deletion = await startBlocked(t2`select public.delete_user_account(${heir.id}, 'self-service', ${heir.id})`);
      await t1`commit`;
      expect((await deletion.outcome)?.code).toBe("HL119");
    } finally {
      await end(t1);
      await end(t2);
    }
    const rows = await sql`select user_id, role from public.business_members where business_id = ${biz.data!.id} order by role`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { user_id: owner.id, role: "manager" },
      { user_id: heir.id, role: "owner" },
    ]);
    const [p] = await sql`select deleted_at from public.profiles where id = ${heir.id}`;
    expect(p.deleted_at).toBeNull();
  });

  it("an account deleted while being added to a business does not stay a member", async () => {
    const owner = await actor("aowner");
    const joiner = await actor("ajoiner");
    const biz = await owner.client.from("businesses").insert({ name: `Race add ${run}`, owner_id: owner.id }).select("id").single();

    const t1 = await begin(owner.id);
    const t2 = await beginDeletion();
    try {
      await t1`select public.add_business_member(${biz.data!.id}, ${joiner.id})`;
      const deletion = await startBlocked(t2`select public.delete_user_account(${joiner.id}, 'self-service', ${joiner.id})`);
      await t1`commit`;
      expect(await deletion.outcome).toBeNull();
      await t2`commit`;
    } finally {
      await end(t1);
      await end(t2);
    }
    const rows = await sql`select user_id from public.business_members where business_id = ${biz.data!.id}`;
    expect(rows.map((r) => r.user_id)).toEqual([owner.id]);
  });
});
