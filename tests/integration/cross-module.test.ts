/**
 * Cross-module paths through the gateway with supabase-js, as client apps meet them: business
 * staff working a booking without seeing its money, a job that reopens when its provider cancels
 * the booking, a deleted provider vanishing from catalog reads (and their leftover token writing
 * nothing back), and closed businesses refusing providers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "../../functions/_shared/database.types.ts";
import { adminSql, anonClient, newUser } from "../support.ts";

type Client = SupabaseClient<Database>;
interface Actor {
  id: string;
  client: Client;
}

const sql = adminSql();
afterAll(() => sql.end());

const SITE = { lat: 25.11, lng: 55.2 };
const HOUR = 3_600_000;
let category: string;
let slot = 0;

/** A distinct start well ahead (and inside the all-week availability below). */
function nextStart(): string {
  slot += 1;
  return new Date(Math.ceil(Date.now() / HOUR) * HOUR + 5 * 24 * HOUR + slot * 2 * HOUR).toISOString();
}

async function actor(label: string): Promise<Actor> {
  const u = await newUser(label);
  return { id: u.session.user.id, client: u.client };
}

async function provider(label: string, businessId: string | null = null): Promise<Actor & { listing: string }> {
  const a = await actor(label);
  await sql`
    insert into public.provider_profiles (id, business_id, display_name, base_location, is_available)
    values (${a.id}, ${businessId}, ${label}, extensions.st_setsrid(extensions.st_makepoint(${SITE.lng}, ${SITE.lat}), 4326)::extensions.geography, true)`;
  const [{ id: listing }] = await sql`
    insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, duration_minutes, booking_mode)
    values (${a.id}, ${category}, ${label + " service"}, 'fixed', 20000, 60, 'instant') returning id`;
  await sql`
    insert into public.availability_rules (provider_id, weekday, start_time, end_time)
    select ${a.id}, d, '00:00', '24:00' from generate_series(0, 6) d`;
  return { ...a, listing };
}

beforeAll(async () => {
  [{ id: category }] = await sql`
    insert into public.categories (slug, names) values (${`it-xm-${Date.now()}`}, ${sql.json({ en: "Handyman", ar: "عامل صيانة" })})
    returning id`;
});

describe("business staff and the business's money", () => {
  let owner: Actor & { listing: string };
  let manager: Actor;
  let staff: Actor;
  let customer: Actor;
  let bookingId: string;

  beforeAll(async () => {
    [manager, staff, customer] = await Promise.all([actor("xm.manager"), actor("xm.staff"), actor("xm.customer")]);
    const o = await actor("xm.owner");
    const [{ id: businessId }] = await sql`insert into public.businesses (owner_id, name) values (${o.id}, 'XM Repairs') returning id`;
    await sql`insert into public.business_members (business_id, user_id, role) values (${businessId}, ${manager.id}, 'manager'), (${businessId}, ${staff.id}, 'staff')`;
    await sql`
      insert into public.provider_profiles (id, business_id, display_name, base_location, is_available)
      values (${o.id}, ${businessId}, 'XM Owner', extensions.st_setsrid(extensions.st_makepoint(${SITE.lng}, ${SITE.lat}), 4326)::extensions.geography, true)`;
    const [{ id: listing }] = await sql`
      insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, duration_minutes, booking_mode)
      values (${o.id}, ${category}, 'Door fix', 'fixed', 20000, 60, 'instant') returning id`;
    await sql`insert into public.availability_rules (provider_id, weekday, start_time, end_time) select ${o.id}, d, '00:00', '24:00' from generate_series(0, 6) d`;
    owner = { ...o, listing };
    const { data, error } = await customer.client.rpc("book_listing", { p_listing_id: listing, p_start: nextStart(), p_lat: SITE.lat, p_lng: SITE.lng });
    expect(error).toBeNull();
    bookingId = data!.id;
  });

  it("staff read no booking rows, and get bookings through the RPCs without price", async () => {
    const rows = await staff.client.from("bookings").select("id, price").eq("id", bookingId);
    expect(rows.error).toBeNull();
    expect(rows.data).toEqual([]);
    const events = await staff.client.from("booking_events").select("id").eq("booking_id", bookingId);
    expect(events.data).toEqual([]);

    const detail = await staff.client.rpc("get_booking", { p_booking_id: bookingId });
    expect(detail.error).toBeNull();
    const booking = (detail.data as { booking: Record<string, unknown>; my_roles: string[] }).booking;
    expect(booking).toMatchObject({ id: bookingId, status: "accepted", price: null, currency: null, cancellation_policy: null });
    expect((detail.data as { my_roles: string[] }).my_roles).toEqual(["staff"]);

    const list = await staff.client.rpc("list_my_bookings", { p_as: "provider", p_limit: 100 });
    expect(list.data!.find((b) => b.id === bookingId)).toMatchObject({ price: null, currency: null });

    const moved = await staff.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: "start_travel" });
    expect(moved.error).toBeNull();
    expect(moved.data).toMatchObject({ status: "en_route", price: null });
  });

  it("owners, managers and the customer see the price", async () => {
    for (const who of [owner, manager, customer]) {
      const { data, error } = await who.client.from("bookings").select("price, currency").eq("id", bookingId).single();
      expect(error).toBeNull();
      expect(data).toEqual({ price: 20000, currency: "AED" });
    }
    const detail = await manager.client.rpc("get_booking", { p_booking_id: bookingId });
    expect((detail.data as { booking: { price: number } }).booking.price).toBe(20000);
  });
});

describe("a job follows its booking", () => {
  it("reopens when the provider cancels, and the customer sees it at once", async () => {
    const [cust, pA, pB] = await Promise.all([actor("xm.jobcust"), provider("xm.jobprovA"), provider("xm.jobprovB")]);
    const posted = await cust.client.rpc("post_job", {
      p_category_id: category, p_title: "Hang two shelves", p_lat: SITE.lat, p_lng: SITE.lng, p_duration_minutes: 60,
      p_fixed_budget: 15000, p_asap: true,
    });
    expect(posted.error).toBeNull();
    const jobId = posted.data!.id;
    const offers = await Promise.all([pA, pB].map((p) =>
      p.client.rpc("make_offer", { p_job_id: jobId, p_price: 14000, p_proposed_start: nextStart(), p_duration_minutes: 60 })));
    const accepted = await cust.client.rpc("accept_offer", { p_offer_id: offers[0].data!.id });
    expect(accepted.error).toBeNull();
    // A provider who joins nearby after the job was posted.
    const pC = await provider("xm.jobprovC");

    const cancelled = await pA.client.rpc("transition_booking", { p_booking_id: accepted.data!.id, p_transition: "cancel", p_reason: "Sick today" });
    expect(cancelled.error).toBeNull();

    const job = await cust.client.from("job_requests").select("status, booking_id, accepted_offer_id, reopen_count").eq("id", jobId).single();
    expect(job.data).toEqual({ status: "open", booking_id: null, accepted_offer_id: null, reopen_count: 1 });
    const note = await cust.client.from("notifications").select("payload").eq("kind", "job.reopened");
    expect(note.data!.map((n) => (n.payload as { job_id: string }).job_id)).toContain(jobId);
    const otherOffer = await pB.client.from("job_offers").select("status").eq("id", offers[1].data!.id).single();
    expect(otherOffer.data!.status).toBe("closed");

    // The reopened job is matched again: the newcomer gets job.matched; nobody is notified twice.
    const matchedC = await pC.client.from("notifications").select("payload").eq("kind", "job.matched");
    expect(matchedC.data!.map((n) => (n.payload as { job_id: string }).job_id)).toContain(jobId);
    const matchedB = await pB.client.from("notifications").select("payload").eq("kind", "job.matched");
    expect(matchedB.data!.filter((n) => (n.payload as { job_id: string }).job_id === jobId)).toHaveLength(1);
    const matchRow = await pC.client.from("job_matches").select("source").eq("job_id", jobId).single();
    expect(matchRow.data).toEqual({ source: "matched" });

    // The provider who cancelled may not offer on it again.
    const refused = await pA.client.rpc("make_offer", { p_job_id: jobId, p_price: 13000, p_proposed_start: nextStart(), p_duration_minutes: 60 });
    expect({ status: refused.status, code: refused.error?.code }).toEqual({ status: 403, code: "HL325" });

    // The customer cancelling the next booking cancels the job with it.
    const again = await pB.client.rpc("make_offer", { p_job_id: jobId, p_price: 15000, p_proposed_start: nextStart(), p_duration_minutes: 60 });
    const second = await cust.client.rpc("accept_offer", { p_offer_id: again.data!.id });
    expect(second.error).toBeNull();
    await cust.client.rpc("transition_booking", { p_booking_id: second.data!.id, p_transition: "cancel", p_reason: "No longer needed" });
    const closed = await cust.client.from("job_requests").select("status, cancel_reason").eq("id", jobId).single();
    expect(closed.data).toEqual({ status: "cancelled", cancel_reason: "No longer needed" });
  });
});

describe("deleted providers and closed businesses", () => {
  it("a deleted provider vanishes from catalog reads and their leftover token writes nothing back", async () => {
    const p = await provider("xm.leaving");
    const before = await anonClient().from("provider_profiles").select("id").eq("id", p.id);
    expect(before.data).toHaveLength(1);

    const deleted = await p.client.rpc("delete_my_account");
    expect(deleted.error).toBeNull();

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
      provider_id: p.id, category_id: category, title: "Ghost listing", pricing_unit: "fixed", base_price: 100,
    });
    // (the provider profile no longer exists: the account is not a provider any more)
    expect({ status: listing.status, code: listing.error?.code }).toEqual({ status: 409, code: "HL106" });
  });

  it("a deleted provider with bookings is kept anonymised, and reactivating a listing answers HL120 (410)", async () => {
    const p = await provider("xm.leaving2");
    const cust = await actor("xm.cust2");
    const booked = await cust.client.rpc("book_listing", { p_listing_id: p.listing, p_start: nextStart(), p_lat: SITE.lat, p_lng: SITE.lng });
    expect(booked.error).toBeNull();
    expect((await p.client.rpc("delete_my_account")).error).toBeNull();

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
    const [{ id: businessId }] = await sql`insert into public.businesses (owner_id, name) values (${owner.id}, 'Closing Co') returning id`;
    await sql`insert into public.business_members (business_id, user_id, role) values (${businessId}, ${member.id}, 'staff')`;
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
