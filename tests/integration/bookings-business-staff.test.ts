/**
 * Business staff and the business's money, through the gateway with supabase-js: staff work a
 * booking of their business through the RPCs (detail, list, transitions) without ever seeing its
 * price; the owner, managers and the customer do see it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actor, adminSql, authorizePayment, bookInState, createBusiness, createCategory, createProvider, startTimes, type Actor, type Provider,
} from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

const nextSlot = startTimes({ daysAhead: 5, stepHours: 2 });

describe("business staff and the business's money", () => {
  let owner: Provider;
  let manager: Actor;
  let staff: Actor;
  let customer: Actor;
  let bookingId: string;

  beforeAll(async () => {
    const HERE = { lat: 25.11, lng: 55.2 };
    [manager, staff, customer] = await Promise.all([actor("xm.manager"), actor("xm.staff"), actor("xm.customer")]);
    const o = await actor("xm.owner");
    const businessId = await createBusiness(sql, o, "XM Repairs", { managers: [manager], staff: [staff] });
    const categoryId = await createCategory(sql, "it-xm-staff", { en: "Handyman", ar: "عامل صيانة" });
    owner = await createProvider(sql, "XM Owner", {
      user: o, at: HERE, hours: { opens: "00:00", closes: "24:00" }, profile: { business_id: businessId },
      listings: [{ category_id: categoryId, title: "Door fix", pricing_unit: "fixed", base_price: 20000, duration_minutes: 60, booking_mode: "instant" }],
    });
    bookingId = (await bookInState({ customer, provider: owner, listing: owner.listing, start: nextSlot(), place: HERE }, "accepted")).id;
    await authorizePayment(customer, bookingId);
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
