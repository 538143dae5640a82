/**
 * Live location through the gateway with supabase-js and its realtime client: the staff member who
 * set off reports fixes (report_location), the customer and a dispatcher receive them live on the
 * private channel booking:<id> and read the live state (get_booking_location); a stranger is
 * refused the channel and the reads, the customer cannot report nor broadcast a spoofed fix; the
 * session ends with the booking and its summary stays.
 */
import type { RealtimeChannel } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminSql, authorizePayment, bookInState, clientFor, createBusiness, createCategory, createProvider, newUser, startTimes, type Actor, type Provider,
} from "../support.ts";

const sql = adminSql();
const nextSlot = startTimes({ daysAhead: 4, stepHours: 2 });
const PLACE = { lat: 25.21, lng: 55.28, address: "Villa 9, Al Wasl Road" };
const BASE = { lat: 25.2, lng: 55.27 };

interface Member extends Actor {
  token: string;
}

/** A new signed-in user whose realtime connection carries their token. */
async function member(label: string): Promise<Member> {
  const { session, client } = await newUser(label);
  await client.realtime.setAuth(session.accessToken);
  return { id: session.user.id, email: session.user.email ?? "", client, token: session.accessToken };
}

const channels: { m: Member; ch: RealtimeChannel }[] = [];
afterAll(async () => {
  for (const { m, ch } of channels) {
    await m.client.removeChannel(ch);
    m.client.realtime.disconnect();
  }
  await sql.end();
});

/** Subscribes `m` to booking:<id> (private), collecting broadcasts; resolves with the subscription status. */
function watch(m: Member, bookingId: string, got: Record<string, unknown>[]): Promise<{ status: string; error?: string }> {
  const ch = m.client
    .channel(`booking:${bookingId}`, { config: { private: true } })
    .on("broadcast", { event: "*" }, (msg) => got.push(msg as Record<string, unknown>));
  channels.push({ m, ch });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription status for ${ch.topic}`)), 20_000);
    let done = false;
    ch.subscribe((status, err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, error: err?.message });
    });
  });
}

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("live location of a booking", () => {
  let owner: Provider;
  let manager: Member;
  let staff: Member;
  let customer: Member;
  let stranger: Member;
  let bookingId: string;
  const atCustomer: Record<string, unknown>[] = [];
  const atManager: Record<string, unknown>[] = [];
  const atStranger: Record<string, unknown>[] = [];

  beforeAll(async () => {
    [manager, staff, customer, stranger] = await Promise.all(["lt.manager", "lt.staff", "lt.customer", "lt.stranger"].map(member));
    const o = await member("lt.owner");
    const businessId = await createBusiness(sql, o, "LT Movers", { managers: [manager], staff: [staff] });
    const categoryId = await createCategory(sql, "it-lt-moving", { en: "Moving", ar: "نقل" });
    owner = await createProvider(sql, "LT Owner", {
      user: o, at: BASE, hours: { opens: "00:00", closes: "24:00" }, profile: { business_id: businessId },
      listings: [{ category_id: categoryId, title: "Van and two movers", pricing_unit: "fixed", base_price: 30000, duration_minutes: 60, booking_mode: "instant" }],
    });
    bookingId = (await bookInState({ customer, provider: owner, listing: owner.listing, start: nextSlot(), place: PLACE }, "accepted")).id;
    await authorizePayment(customer, bookingId);
  });

  it("refuses reports before the provider sets off, and from anyone but the one travelling", async () => {
    const early = await staff.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: BASE.lat, p_lng: BASE.lng, p_recorded_at: new Date().toISOString(),
    });
    expect(early.error?.code).toBe("HL551");
    expect(early.status).toBe(409);

    const moved = await staff.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: "start_travel" });
    expect(moved.error).toBeNull();

    const byCustomer = await customer.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: PLACE.lat, p_lng: PLACE.lng, p_recorded_at: new Date().toISOString(),
    });
    expect(byCustomer.error?.code).toBe("HL550");
    expect(byCustomer.status).toBe(403);
    const byStranger = await stranger.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: PLACE.lat, p_lng: PLACE.lng, p_recorded_at: new Date().toISOString(),
    });
    expect(byStranger.error?.code).toBe("HL400");
    expect(byStranger.status).toBe(404);
    const future = await staff.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: BASE.lat, p_lng: BASE.lng, p_recorded_at: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(future.error?.code).toBe("HL555");
    const outOfRange = await staff.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: 95, p_lng: BASE.lng, p_recorded_at: new Date().toISOString(),
    });
    expect(outOfRange.error?.code).toBe("HL200");
    expect(outOfRange.status).toBe(400);
    const [{ n }] = await sql`select count(*)::int as n from private.tracking_points where booking_id = ${bookingId}`;
    expect(n).toBe(0);
  });

  it("the customer and a dispatcher see the fixes live; a stranger is refused the channel", async () => {
    expect(await watch(customer, bookingId, atCustomer)).toEqual({ status: "SUBSCRIBED", error: undefined });
    expect(await watch(manager, bookingId, atManager)).toEqual({ status: "SUBSCRIBED", error: undefined });
    const refused = await watch(stranger, bookingId, atStranger);
    expect(refused).toEqual({
      status: "CHANNEL_ERROR",
      error: `Unauthorized: You do not have permissions to read from this Channel topic: booking:${bookingId}`,
    });

    const sent = await staff.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: BASE.lat, p_lng: BASE.lng, p_accuracy: 8, p_heading: 30, p_speed: 9.5,
      p_recorded_at: new Date().toISOString(),
    });
    expect(sent.error).toBeNull();
    expect(sent.data).toMatchObject({ status: "stored", booking_status: "en_route" });

    const fix = await until("the customer's location event", () => atCustomer.find((m) => m.event === "location"));
    expect(fix.payload).toMatchObject({ booking_id: bookingId, lat: BASE.lat, lng: BASE.lng, accuracy: 8, heading: 30, speed: 9.5, status: "en_route" });
    expect(typeof (fix.payload as { eta_at: unknown }).eta_at).toBe("string");
    await until("the dispatcher's location event", () => atManager.find((m) => m.event === "location"));

    // A fix right after is coalesced: live state only, no broadcast.
    const again = await staff.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: BASE.lat + 0.0005, p_lng: BASE.lng, p_recorded_at: new Date().toISOString(),
    });
    expect(again.data).toMatchObject({ status: "coalesced" });
    const live = await customer.client.rpc("get_booking_location", { p_booking_id: bookingId });
    expect(live.error).toBeNull();
    expect(live.data).toMatchObject({ booking_id: bookingId, tracking: true, topic: `booking:${bookingId}`, fixes_received: 2, fixes_stored: 1 });
    expect((live.data as { last: { lat: number } }).last.lat).toBeCloseTo(BASE.lat + 0.0005, 6);

    const hidden = await stranger.client.rpc("get_booking_location", { p_booking_id: bookingId });
    expect(hidden.error?.code).toBe("HL400");
    expect(atStranger).toEqual([]);
    expect(atCustomer.filter((m) => m.event === "location")).toHaveLength(1);
  });

  it("nobody broadcasts a spoofed fix on the booking topic", async () => {
    // A client of its own: realtime-js hands back the watching channel for the same topic.
    const own = clientFor(customer.token);
    await own.realtime.setAuth(customer.token);
    const spoof = own.channel(`booking:${bookingId}`, { config: { private: true } });
    await expect(spoof.httpSend("location", { lat: 0, lng: 0 })).rejects.toThrow(/Unauthorized/);
    await own.removeChannel(spoof);
  });

  it("the session ends with the booking and the summary stays", async () => {
    const arrived = await staff.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: "arrive" });
    expect(arrived.error).toBeNull();
    const status = await until("the arrival status event", () =>
      atCustomer.find((m) => m.event === "tracking_status" && (m.payload as { status: string }).status === "arrived"));
    expect((status.payload as { arrived_at: string | null }).arrived_at).not.toBeNull();

    const cancelled = await owner.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: "cancel", p_reason: "customer not home" });
    expect(cancelled.error).toBeNull();
    await until("the end of tracking", () =>
      atCustomer.find((m) => m.event === "tracking_status" && (m.payload as { tracking: boolean }).tracking === false));
    const late = await staff.client.rpc("report_location", {
      p_booking_id: bookingId, p_lat: PLACE.lat, p_lng: PLACE.lng, p_recorded_at: new Date().toISOString(),
    });
    expect(late.error?.code).toBe("HL551");
    const summary = await customer.client.rpc("get_booking_location", { p_booking_id: bookingId });
    expect(summary.data).toMatchObject({ status: "cancelled", tracking: false, first: { lat: BASE.lat, lng: BASE.lng } });
    expect((summary.data as { arrived_at: string | null; ended_at: string | null }).ended_at).not.toBeNull();
  });
});
