/**
 * The catalog from a client app: provider onboarding through RPCs, listing CRUD through the Data
 * API, slots, buddies, the error contract (HTTP status + HL code) for bad input, a deleted
 * provider vanishing from catalog reads (their leftover token writing nothing back), and closed
 * businesses refusing providers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../functions/_shared/database.types.ts";
import { actor, adminSql, anonClient, createBusiness, createProvider, deleteAccount, operator, startTimes, type Actor } from "../support.ts";

const sql = adminSql();
const run = `${process.pid}${Date.now() % 100000}`;
let admin: Actor;
let provider: Actor;
let customer: Actor;
let rootId: string;
let leafId: string;

/** A calendar date `days` from today (UTC) as YYYY-MM-DD. */
function dateFromToday(days: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

beforeAll(async () => {
  admin = await operator(sql, "catalog.admin", "admin");
  provider = await actor("catalog.provider");
  customer = await actor("catalog.customer");

  // Admins manage categories through the Data API.
  const root = await admin.client
    .from("categories")
    .insert({ slug: `it-home-${run}`, names: { en: "Home services", ar: "خدمات منزلية" }, icon: "home", default_pricing_unit: "hourly" })
    .select()
    .single();
  expect(root.error).toBeNull();
  rootId = root.data!.id;
  const leaf = await admin.client
    .from("categories")
    .insert({ slug: `it-plumbing-${run}`, parent_id: rootId, names: { en: "Plumbing", ar: "سباكة" }, default_pricing_unit: "fixed" })
    .select()
    .single();
  expect(leaf.error).toBeNull();
  leafId = leaf.data!.id;
});

afterAll(() => sql.end());

describe("categories", () => {
  it("are managed by admins only and listed as a localized tree", async () => {
    const refused = await customer.client.from("categories").insert({ slug: `it-nope-${run}`, names: { en: "x", ar: "y" } });
    expect(refused.status).toBe(403);
    expect(refused.error?.code).toBe("42501");

    const tree = await anonClient().rpc("category_tree", { p_locale: "ar" });
    expect(tree.error).toBeNull();
    const rows = tree.data!.filter((r) => r.slug.endsWith(run));
    expect(rows.map((r) => [r.slug, r.name, r.depth])).toEqual([
      [`it-home-${run}`, "خدمات منزلية", 0],
      [`it-plumbing-${run}`, "سباكة", 1],
    ]);

    const bad = await admin.client.from("categories").insert({ slug: "Not A Slug", names: { en: "x", ar: "y" } });
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe("HL210");
  });
});

describe("provider onboarding", () => {
  it("refuses bad coordinates and radii with documented codes, never a 500", async () => {
    const cases: Array<[Partial<Database["public"]["Functions"]["create_provider_profile"]["Args"]>, number, string]> = [
      [{ p_lat: 90.5, p_lng: 55.27 }, 400, "HL200"],
      [{ p_lat: -91, p_lng: 55.27 }, 400, "HL200"],
      [{ p_lat: 25.2, p_lng: 181 }, 400, "HL201"],
      [{ p_lat: 25.2, p_lng: 55.27, p_service_radius_m: 0 }, 400, "HL202"],
      [{ p_lat: 25.2, p_lng: 55.27, p_service_radius_m: 150_000 }, 400, "HL202"],
      [{ p_lat: 25.2, p_lng: 55.27, p_hourly_rate: -100 }, 400, "HL205"],
      [{ p_lat: 25.2, p_lng: 55.27, p_timezone: "Dubai" }, 400, "HL214"],
    ];
    for (const [args, status, code] of cases) {
      const res = await provider.client.rpc("create_provider_profile", { p_display_name: "Omar Fixes", p_lat: 0, p_lng: 0, ...args });
      expect({ args, status: res.status, code: res.error?.code }).toEqual({ args, status, code });
      expect(res.error?.message).toBeTruthy();
      expect(res.error?.hint).toBeTruthy();
    }
  });

  it("creates the provider profile from lat/lng and makes the user a provider", async () => {
    const res = await provider.client.rpc("create_provider_profile", {
      p_display_name: "Omar Fixes",
      p_lat: 25.0805,
      p_lng: 55.1403,
      p_service_radius_m: 8000,
      p_skills: ["plumbing"],
    });
    expect(res.error).toBeNull();
    expect(res.data).toMatchObject({ id: provider.id, display_name: "Omar Fixes", base_lat: 25.0805, base_lng: 55.1403, service_radius_m: 8000, currency: "AED" });
    const me = await provider.client.from("profiles").select("is_provider").eq("id", provider.id).single();
    expect(me.data?.is_provider).toBe(true);

    const again = await provider.client.rpc("create_provider_profile", { p_display_name: "Omar Again", p_lat: 25, p_lng: 55 });
    expect(again.status).toBe(409);
    expect(again.error?.code).toBe("HL221");

    const anon = await anonClient().rpc("create_provider_profile", { p_display_name: "Anon", p_lat: 25, p_lng: 55 });
    expect(anon.status).toBe(401);
  });

  it("edits the profile through the table but never the trust fields", async () => {
    const ok = await provider.client.from("provider_profiles").update({ is_available: true, description: "Leaks fixed fast" }).eq("id", provider.id).select("is_available").single();
    expect(ok.error).toBeNull();
    expect(ok.data?.is_available).toBe(true);

    const forged = await provider.client.from("provider_profiles").update({ rating_avg: 5 } as never).eq("id", provider.id);
    expect(forged.status).toBe(403);
    expect(forged.error?.code).toBe("42501");
    for (const patch of [{ rating_count: 9 }, { completed_jobs: 9 }, { is_verified: true }]) {
      const res = await provider.client.from("provider_profiles").update(patch as never).eq("id", provider.id);
      expect(res.status).toBe(403);
    }
    // Nothing was written (npm test runs this on a legacy-grants project too).
    const after = await provider.client.from("provider_profiles").select("rating_avg, rating_count, completed_jobs, is_verified").eq("id", provider.id).single();
    expect(after.data).toEqual({ rating_avg: 0, rating_count: 0, completed_jobs: 0, is_verified: false });

    const radius = await provider.client.from("provider_profiles").update({ service_radius_m: -1 }).eq("id", provider.id);
    expect(radius.status).toBe(400);
    expect(radius.error?.code).toBe("HL202");
  });

  it("moves the base and draws a service area without WKT", async () => {
    const moved = await provider.client.rpc("set_provider_location", { p_lat: 25.0693, p_lng: 55.1418 });
    expect(moved.error).toBeNull();
    expect(moved.data).toMatchObject({ base_lat: 25.0693, base_lng: 55.1418 });

    const bowtie = await provider.client.rpc("set_service_area", {
      p_area: { type: "Polygon", coordinates: [[[55.1, 25.0], [55.2, 25.1], [55.2, 25.0], [55.1, 25.1], [55.1, 25.0]]] },
    });
    expect(bowtie.status).toBe(400);
    expect(bowtie.error?.code).toBe("HL203");

    const area = await provider.client.rpc("set_service_area", {
      p_area: { type: "Polygon", coordinates: [[[55.1, 25.0], [55.2, 25.0], [55.2, 25.1], [55.1, 25.1], [55.1, 25.0]]] },
    });
    expect(area.error).toBeNull();
    const [covered] = await sql`select extensions.st_covers(coverage, extensions.st_setsrid(extensions.st_makepoint(55.19, 25.09), 4326)::extensions.geography) as inside
      from public.provider_profiles where id = ${provider.id}`;
    expect(covered.inside).toBe(true);
    const cleared = await provider.client.rpc("set_service_area", { p_area: null as never });
    expect(cleared.error).toBeNull();
  });
});

describe("listings", () => {
  let listingId: string;

  it("are created, read, updated and deleted through the Data API", async () => {
    const created = await provider.client
      .from("service_listings")
      .insert({ provider_id: provider.id, category_id: leafId, title: "Fix a leaking pipe", pricing_unit: "fixed", base_price: 15000, duration_minutes: 60 })
      .select()
      .single();
    expect(created.error).toBeNull();
    expect(created.data).toMatchObject({ currency: "AED", is_active: true });
    listingId = created.data!.id;

    const publicView = await anonClient().from("service_listings").select("title").eq("id", listingId).single();
    expect(publicView.data?.title).toBe("Fix a leaking pipe");

    const derived = await anonClient().from("provider_profiles").select("price_from, category_ids").eq("id", provider.id).single();
    expect(derived.data?.price_from).toBe(15000);
    expect(derived.data?.category_ids).toEqual(expect.arrayContaining([rootId, leafId]));

    const updated = await provider.client.from("service_listings").update({ title: "Fix any leak", is_active: false }).eq("id", listingId).select("title").single();
    expect(updated.data?.title).toBe("Fix any leak");
    const hidden = await anonClient().from("service_listings").select("id").eq("id", listingId);
    expect(hidden.data).toEqual([]);
    const stillMine = await provider.client.from("service_listings").select("id").eq("id", listingId);
    expect(stillMine.data).toHaveLength(1);

    const hijack = await customer.client.from("service_listings").update({ title: "Hijacked" }).eq("id", listingId).select();
    expect(hijack.data).toEqual([]);

    const reactivated = await provider.client.from("service_listings").update({ is_active: true }).eq("id", listingId);
    expect(reactivated.error).toBeNull();
  });

  it("refuses bad prices, categories and currencies with documented codes", async () => {
    const base = { provider_id: provider.id, category_id: leafId, title: "Bad listing", pricing_unit: "fixed", base_price: 100 };
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ base_price: -1 }, 400, "HL205"],
      [{ base_price: 5_000_000_000 }, 400, "HL205"],
      [{ pricing_unit: "quote", base_price: 1000 }, 400, "HL205"],
      [{ category_id: "00000000-0000-4000-a000-0000000009ff" }, 400, "HL208"],
      [{ category_id: rootId, title: "Fine" }, 201, ""],
      [{ currency: "USD" }, 409, "HL207"],
      [{ duration_minutes: 3 }, 400, "HL225"],
      [{ pricing_unit: "per_day" }, 400, "HL224"],
    ];
    for (const [patch, status, code] of cases) {
      const res = await provider.client.from("service_listings").insert({ ...base, ...patch } as never);
      expect({ patch, status: res.status, code: res.error?.code ?? "" }).toEqual({ patch, status, code });
    }
    // An inactive category is refused too.
    const inactive = await admin.client
      .from("categories")
      .insert({ slug: `it-retired-${run}`, parent_id: rootId, names: { en: "Retired", ar: "متوقف" }, is_active: false })
      .select("id")
      .single();
    const res = await provider.client.from("service_listings").insert({ ...base, category_id: inactive.data!.id } as never);
    expect([res.status, res.error?.code]).toEqual([400, "HL209"]);
  });

  it("are deleted by their provider", async () => {
    const extra = await provider.client
      .from("service_listings")
      .insert({ provider_id: provider.id, category_id: leafId, title: "Temporary", pricing_unit: "fixed", base_price: 100 })
      .select("id")
      .single();
    const del = await provider.client.from("service_listings").delete().eq("id", extra.data!.id).select("id");
    expect(del.data).toHaveLength(1);
    const gone = await provider.client.from("service_listings").select("id").eq("id", extra.data!.id);
    expect(gone.data).toEqual([]);
  });

  it("offer bookable slots from weekly rules minus time off", async () => {
    const week = await provider.client.rpc("set_weekly_availability", {
      p_rules: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start_time: "09:00", end_time: "12:00" })),
    });
    expect(week.error).toBeNull();
    expect(week.data).toHaveLength(7);

    const from = dateFromToday(2);
    const to = dateFromToday(4);
    const slots = await anonClient().rpc("get_available_slots", { p_listing_id: listingId, p_from: from, p_to: to });
    expect(slots.error).toBeNull();
    // 09:00-12:00 in Dubai (UTC+4), 60-minute job, 30-minute steps: 5 a day.
    expect(slots.data).toHaveLength(15);
    expect(new Date(slots.data![0].slot_start).toISOString()).toBe(`${from}T05:00:00.000Z`);
    expect(new Date(slots.data![0].slot_end).toISOString()).toBe(`${from}T06:00:00.000Z`);

    const off = await provider.client
      .from("provider_time_off")
      .insert({ provider_id: provider.id, period: `[${from}T10:00:00+04:00,${from}T11:00:00+04:00)`, reason: "Dentist" });
    expect(off.error).toBeNull();
    const after = await anonClient().rpc("get_available_slots", { p_listing_id: listingId, p_from: from, p_to: from });
    expect(after.data!.map((s) => new Date(s.slot_start).toISOString())).toEqual([`${from}T05:00:00.000Z`, `${from}T07:00:00.000Z`]);

    const tooLong = await anonClient().rpc("get_available_slots", { p_listing_id: listingId, p_from: from, p_to: dateFromToday(60) });
    expect([tooLong.status, tooLong.error?.code]).toEqual([400, "HL218"]);
    const reversed = await anonClient().rpc("get_available_slots", { p_listing_id: listingId, p_from: to, p_to: from });
    expect([reversed.status, reversed.error?.code]).toEqual([400, "HL217"]);
    const badZone = await anonClient().rpc("get_available_slots", { p_listing_id: listingId, p_from: from, p_to: to, p_tz: "Mars/Olympus" });
    expect([badZone.status, badZone.error?.code]).toEqual([400, "HL214"]);
    const unknown = await anonClient().rpc("get_available_slots", { p_listing_id: "00000000-0000-4000-a000-0000000009ff", p_from: from, p_to: to });
    expect([unknown.status, unknown.error?.code]).toEqual([404, "HL219"]);

    const overlap = await provider.client.from("availability_rules").insert({ provider_id: provider.id, weekday: 1, start_time: "11:00", end_time: "13:00" });
    expect([overlap.status, overlap.error?.code]).toEqual([409, "HL216"]);
  });
});

describe("buddies", () => {
  it("adds providers and other users as buddies, refuses bad ones with their codes, and lists those available now", async () => {
    // A second provider who works around the clock, so "available now" does not depend on the hour.
    const night = await actor("catalog.nightowl");
    const created = await night.client.rpc("create_provider_profile", { p_display_name: "Night Owl", p_lat: 25.2, p_lng: 55.27 });
    expect(created.error).toBeNull();
    await night.client.rpc("set_weekly_availability", {
      p_rules: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start_time: "00:00", end_time: "24:00" })),
    });
    await night.client.from("provider_profiles").update({ is_available: true }).eq("id", night.id);
    const friend = await actor("catalog.friend");

    const saved = await customer.client.from("buddies").insert([
      { user_id: customer.id, buddy_id: provider.id },
      { user_id: customer.id, buddy_id: night.id },
      { user_id: customer.id, buddy_id: friend.id },
    ]);
    expect(saved.error).toBeNull();
    const again = await customer.client.from("buddies").insert({ user_id: customer.id, buddy_id: friend.id }).select();
    expect([again.error, again.data]).toEqual([null, []]);
    const unknown = await customer.client.from("buddies").insert({ user_id: customer.id, buddy_id: "00000000-0000-4000-a000-0000000009ff" });
    expect([unknown.status, unknown.error?.code]).toEqual([404, "HL233"]);
    const self = await customer.client.from("buddies").insert({ user_id: customer.id, buddy_id: customer.id });
    expect([self.status, self.error?.code]).toEqual([400, "HL232"]);
    const forSomeoneElse = await provider.client.from("buddies").insert({ user_id: customer.id, buddy_id: provider.id });
    expect([forSomeoneElse.status, forSomeoneElse.error?.code]).toEqual([403, "42501"]);

    const all = await customer.client.rpc("list_buddies");
    expect(all.error).toBeNull();
    expect(all.data!.map((b) => b.display_name ?? "(not a provider)").sort()).toEqual(["(not a provider)", "Night Owl", "Omar Fixes"]);
    expect(all.data!.find((b) => b.buddy_id === friend.id)).toMatchObject({ is_provider: false, display_name: null, available_now: false });

    const now = await customer.client.rpc("list_buddies", { p_available_now: true });
    expect(now.data!.map((b) => b.display_name)).toContain("Night Owl");
    expect(now.data!.every((b) => b.available_now && b.is_provider)).toBe(true);

    await night.client.from("provider_profiles").update({ is_available: false }).eq("id", night.id);
    const off = await customer.client.rpc("list_buddies", { p_available_now: true });
    expect(off.data!.map((b) => b.display_name)).not.toContain("Night Owl");

    const others = await provider.client.from("buddies").select("*").eq("user_id", customer.id);
    expect(others.data).toEqual([]);
    const removed = await customer.client.from("buddies").delete().eq("buddy_id", provider.id).select();
    expect(removed.data).toHaveLength(1);
  });
});

describe("deleted providers and closed businesses", () => {
  /** Providers open around the clock with one instant listing, and distinct starts for booking them. */
  const HERE = { lat: 25.11, lng: 55.2 };
  const nextStart = startTimes({ daysAhead: 5, stepHours: 2 });
  const provider = (label: string) => createProvider(sql, label, {
    at: HERE, hours: { opens: "00:00", closes: "24:00" },
    listings: [{ category_id: leafId, pricing_unit: "fixed", base_price: 20000, duration_minutes: 60, booking_mode: "instant" }],
  });

  it("a deleted provider vanishes from catalog reads and their leftover token writes nothing back", async () => {
    const p = await provider("xm.leaving");
    const before = await anonClient().from("provider_profiles").select("id").eq("id", p.id);
    expect(before.data).toHaveLength(1);

    const deleted = await deleteAccount(p.client);
    expect(deleted.status).toBe(200);

    const profiles = await anonClient().from("provider_profiles").select("id").eq("id", p.id);
    expect(profiles.data).toEqual([]);
    const listings = await anonClient().from("service_listings").select("id").eq("provider_id", p.id);
    expect(listings.data).toEqual([]);

    // Nothing pointed at this provider: the profile is gone, not just hidden.
    const [{ n }] = await sql`select count(*)::int as n from public.provider_profiles where id = ${p.id}`;
    expect(n).toBe(0);

    // Their access token is valid until it expires, but the catalog refuses it.
    const edit = await p.client.from("provider_profiles").update({ display_name: "Back again" }).eq("id", p.id).select();
    expect(edit.data).toEqual([]);
    const listing = await p.client.from("service_listings").insert({
      provider_id: p.id, category_id: leafId, title: "Ghost listing", pricing_unit: "fixed", base_price: 100,
    });
    // (the provider profile no longer exists: the account is not a provider any more)
    expect({ status: listing.status, code: listing.error?.code }).toEqual({ status: 409, code: "HL106" });
  });

  it("a deleted provider with bookings is kept anonymised, and reactivating a listing answers HL120 (410)", async () => {
    const p = await provider("xm.leaving2");
    const cust = await actor("xm.cust2");
    const booked = await cust.client.rpc("book_listing", { p_listing_id: p.listing, p_start: nextStart(), p_lat: HERE.lat, p_lng: HERE.lng });
    expect(booked.error).toBeNull();
    expect((await deleteAccount(p.client)).status).toBe(200);

    const [row] = await sql`select display_name, deleted_at is not null as deleted from public.provider_profiles where id = ${p.id}`;
    expect(row).toEqual({ display_name: "Deleted provider", deleted: true });
    const detail = await cust.client.rpc("get_booking", { p_booking_id: booked.data!.id });
    expect(detail.data).toMatchObject({ booking: { status: "cancelled", cancelled_by: "system" }, provider: { display_name: "Deleted provider" } });

    const reactivate = await p.client.from("service_listings").update({ is_active: true }).eq("id", p.listing);
    expect({ status: reactivate.status, code: reactivate.error?.code }).toEqual({ status: 410, code: "HL120" });
  });

  it("a closed business takes no providers: HL118 (409)", async () => {
    const owner = await actor("xm.closer");
    const member = await provider("xm.member");
    const businessId = await createBusiness(sql, owner, "Closing Co", { staff: [member] });
    const attached = await owner.client.rpc("set_provider_business", { p_provider_id: member.id, p_business_id: businessId });
    expect(attached.data).toMatchObject({ business_id: businessId });

    await sql`update public.businesses set closed_at = now() where id = ${businessId}`;
    const detached = await anonClient().from("provider_profiles").select("business_id").eq("id", member.id).single();
    expect(detached.data).toEqual({ business_id: null });

    const again = await owner.client.rpc("set_provider_business", { p_provider_id: member.id, p_business_id: businessId });
    expect({ status: again.status, code: again.error?.code }).toEqual({ status: 409, code: "HL118" });
    const rename = await owner.client.from("businesses").update({ name: "Reopened" }).eq("id", businessId).select();
    expect(rename.data).toEqual([]);
  });
});
