/**
 * Bookings through the gateway with supabase-js, as client apps use them: booking a listing
 * (request to book and instant book), the whole lifecycle with the start code, every
 * cancellation path, QR scans, the error contract (HTTP status + HL code, nothing half-written)
 * and customers racing for one slot. Business staff and the money: bookings-business-staff.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actor, adminSql, anonClient, authorizePayment, bookInState, createBusiness, createCategory, createProvider, operator, serviceClient, startTimes,
  type Actor, type Provider,
} from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

/** Dubai is UTC+4 all year: the provider works 06:00-22:00 local = 02:00-18:00 UTC. */
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** A fresh slot inside working hours (08:00-19:00 Dubai), at least three days ahead, one hour apart. */
const nextSlot = startTimes({ daysAhead: 3, utcHours: [4, 16] });
/** Where the customer wants the work done. */
const PLACE = { lat: 25.21, lng: 55.28, address: "Villa 7, Al Wasl Road", note: "Gate code 1234" };

interface World {
  customer: Actor;
  provider: Provider;
  manager: Actor;
  staff: Actor;
  operator: Actor;
  stranger: Actor;
  businessId: string;
  requestListing: string;
  instantListing: string;
}

/** A provider with a business (manager + staff), a request-to-book and an instant listing. */
async function world(): Promise<World> {
  const [customer, owner, manager, staff, stranger] = await Promise.all(
    ["bk-customer", "bk-provider", "bk-manager", "bk-staff", "bk-stranger"].map((l) => actor(l)),
  );
  const support = await operator(sql, "bk-operator", "support");
  const businessId = await createBusiness(sql, owner, "Sparkle Cleaning", { managers: [manager], staff: [staff] });
  const categoryId = await createCategory(sql, "it-bk", { en: "Cleaning", ar: "تنظيف" });
  const provider = await createProvider(sql, "Sparkle Pro", {
    user: owner,
    at: { lat: 25.2, lng: 55.27 },
    hours: { opens: "06:00", closes: "22:00" },
    profile: { business_id: businessId, timezone: "Asia/Dubai", is_available: false },
    listings: [
      { category_id: categoryId, title: "Deep clean", pricing_unit: "hourly", base_price: 12000, currency: "AED", duration_minutes: 60, booking_mode: "request" },
      { category_id: categoryId, title: "Quick fix", pricing_unit: "fixed", base_price: 20000, currency: "AED", duration_minutes: 60, booking_mode: "instant",
        cancellation_policy: sql.json({ free_until_minutes: 1440, fee_percent: 30 }) },
    ],
  });
  await sql`update public.profile_private set phone = ${`+97158${String(Date.now()).slice(-7)}`} where profile_id = ${customer.id}`;
  const [requestListing, instantListing] = provider.listings;
  return { customer, provider, manager, staff, operator: support, stranger, businessId, requestListing, instantListing };
}

async function book(_w: World, who: Actor, listing: string, start = nextSlot()) {
  return who.client.rpc("book_listing", {
    p_listing_id: listing, p_start: start, p_lat: PLACE.lat, p_lng: PLACE.lng, p_address: PLACE.address, p_note: PLACE.note,
  });
}

async function bookOk(w: World, listing = w.requestListing) {
  const { data, error } = await book(w, w.customer, listing);
  expect(error).toBeNull();
  return data!;
}

async function move(who: Actor, bookingId: string, transition: string, reason?: string) {
  return who.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: transition, p_reason: reason });
}

async function moveOk(who: Actor, bookingId: string, transition: string, reason?: string) {
  const { data, error } = await move(who, bookingId, transition, reason);
  expect(error).toBeNull();
  return data!;
}

async function startCode(w: World, bookingId: string): Promise<string> {
  const { data, error } = await w.customer.client.rpc("get_booking_start_code", { p_booking_id: bookingId }).single();
  expect(error).toBeNull();
  return data!.code;
}

let w: World;
beforeAll(async () => {
  w = await world();
});

describe("booking a listing and walking the whole lifecycle", () => {
  it("request to book: accept, start_travel, arrive, start with the code, complete", async () => {
    const booking = await bookOk(w);
    expect(booking).toMatchObject({ status: "requested", price: 12000, currency: "AED", customer_id: w.customer.id, provider_id: w.provider.id });
    expect(booking.reference).toMatch(/^HL-\d{6,}$/);
    expect(booking.request_expires_at).not.toBeNull();

    // Before acceptance: no contact details, no start code.
    const hidden = await w.provider.client.rpc("get_booking_contact", { p_booking_id: booking.id });
    expect(hidden.status).toBe(409);
    expect(hidden.error?.code).toBe("HL425");

    expect((await moveOk(w.provider, booking.id, "accept")).status).toBe("accepted");
    const contact = await w.staff.client.rpc("get_booking_contact", { p_booking_id: booking.id }).single();
    expect(contact.error).toBeNull();
    expect(contact.data).toMatchObject({ counterpart_role: "customer", address: "Villa 7, Al Wasl Road", location_lat: 25.21, location_lng: 55.28 });
    expect(contact.data!.phone).toMatch(/^\+97158\d{7}$/);

    await authorizePayment(w.customer, booking.id);   // progress needs the customer's payment authorised
    expect((await moveOk(w.staff, booking.id, "start_travel")).status).toBe("en_route");
    expect((await moveOk(w.staff, booking.id, "arrive")).status).toBe("arrived");

    const code = await startCode(w, booking.id);
    expect(code).toMatch(/^\d{6}$/);
    const wrong = await w.staff.client.rpc("start_booking", { p_booking_id: booking.id, p_code: code === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    expect(wrong.error).toMatchObject({ code: "HL422", details: "4 attempts left" });

    const started = await w.staff.client.rpc("start_booking", { p_booking_id: booking.id, p_code: code });
    expect(started.error).toBeNull();
    expect((started.data as { status: string }).status).toBe("in_progress");

    expect((await moveOk(w.provider, booking.id, "complete")).status).toBe("completed");

    const detail = await w.customer.client.rpc("get_booking", { p_booking_id: booking.id });
    expect(detail.error).toBeNull();
    const timeline = (detail.data as { timeline: { transition: string; actor_role: string }[] }).timeline;
    expect(timeline.map((e) => e.transition)).toEqual(["create", "accept", "start_travel", "arrive", "start_code_rejected", "start", "complete"]);
    expect(timeline.map((e) => e.actor_role)).toEqual(["customer", "provider", "provider", "provider", "provider", "provider", "provider"]);

    // The other party was told along the way; both parties read the same timeline through RLS.
    const { data: notes } = await w.customer.client.from("notifications").select("kind").eq("payload->>booking_id", booking.id);
    expect(notes!.map((n) => n.kind).sort()).toEqual(["booking.accepted", "booking.arrived", "booking.completed", "booking.en_route", "booking.in_progress"]);
    const { data: events } = await w.provider.client.from("booking_events").select("transition").eq("booking_id", booking.id);
    expect(events).toHaveLength(7);
  });

  it("instant book: accepted at once, with a start code for the customer only", async () => {
    const booking = await bookOk(w, w.instantListing);
    expect(booking).toMatchObject({ status: "accepted", price: 20000, cancellation_policy: { free_until_minutes: 1440, fee_percent: 30 } });
    expect(await startCode(w, booking.id)).toMatch(/^\d{6}$/);
    const provider = await w.provider.client.rpc("get_booking_start_code", { p_booking_id: booking.id });
    expect(provider.status).toBe(403);
    expect(provider.error?.code).toBe("HL403");
  });

  it("locks the start code after five wrong attempts until the customer resets it", async () => {
    const booking = await bookOk(w, w.instantListing);
    await authorizePayment(w.customer, booking.id);
    await moveOk(w.provider, booking.id, "arrive");
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await w.provider.client.rpc("start_booking", { p_booking_id: booking.id, p_code: `x${i}` });
      codes.push(`${res.status} ${res.error?.code}`);
    }
    expect(codes).toEqual(["400 HL422", "400 HL422", "400 HL422", "400 HL422", "423 HL423"]);
    const locked = await w.provider.client.rpc("start_booking", { p_booking_id: booking.id, p_code: await startCode(w, booking.id) });
    expect(locked.status).toBe(423);
    const reset = await w.customer.client.rpc("reset_booking_start_code", { p_booking_id: booking.id });
    expect(reset.error).toBeNull();
    const ok = await w.provider.client.rpc("start_booking", { p_booking_id: booking.id, p_code: await startCode(w, booking.id) });
    expect(ok.error).toBeNull();
  });

  it("lists my bookings with keyset pagination and shows the provider's calendar", async () => {
    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { data, error } = await w.customer.client.rpc("list_my_bookings", { p_as: "customer", p_when: "all", p_limit: 2, p_after: after });
      expect(error).toBeNull();
      pages.push(...data!.map((b) => b.id));
      if (data!.length < 2) break;
      after = data![data!.length - 1].cursor;
    }
    const { count } = await w.customer.client.from("bookings").select("id", { count: "exact", head: true });
    expect(new Set(pages).size).toBe(count);
    expect(pages).toHaveLength(count!);

    const staffView = await w.staff.client.rpc("list_my_bookings", { p_as: "provider", p_when: "upcoming", p_limit: 100 });
    expect(staffView.error).toBeNull();
    expect(staffView.data!.length).toBeGreaterThan(0);

    const from = new Date(Date.now()).toISOString();
    const to = new Date(Date.now() + 30 * DAY).toISOString();
    const mine = await w.provider.client.rpc("get_provider_calendar", { p_provider_id: w.provider.id, p_from: from, p_to: to });
    expect(mine.data!.some((r) => r.kind === "booking" && r.reference)).toBe(true);
    const public_ = await anonClient().rpc("get_provider_calendar", { p_provider_id: w.provider.id, p_from: from, p_to: to });
    expect(public_.error).toBeNull();
    expect(public_.data!.every((r) => r.kind === "busy" && r.booking_id === null && r.customer_name === null)).toBe(true);
  });

  it("shows a provider's day in route order, to the provider and to the business's staff", async () => {
    // Two instant bookings on a day of their own, 10 days ahead (09:00 and 11:00 in Dubai).
    const day = new Date(Date.now() + 10 * DAY);
    day.setUTCHours(0, 0, 0, 0);
    const at = (hourUtc: number) => new Date(day.getTime() + hourUtc * 3_600_000).toISOString();
    const second = await book(w, w.customer, w.instantListing, at(7));
    const first = await book(w, w.customer, w.instantListing, at(5));
    expect([first.error, second.error]).toEqual([null, null]);
    const midnightDubai = new Date(day.getTime() - 4 * 3_600_000).toISOString();
    await sql`update public.profiles set full_name = 'Layla Mansour' where id = ${w.customer.id}`;

    const { data, error } = await w.provider.client.rpc("list_provider_day", { p_from: midnightDubai, p_days: 1 });
    expect(error).toBeNull();
    const mine = data!.filter((r) => [first.data!.id, second.data!.id].includes(r.booking_id));
    expect(mine.map((r) => [r.booking_id, r.stop_number, r.status])).toEqual([
      [first.data!.id, 1, "accepted"], [second.data!.id, 2, "accepted"],
    ]);
    expect(mine[0]).toMatchObject({ lat: PLACE.lat, lng: PLACE.lng, address: PLACE.address, customer_first_name: "Layla" });
    // From the provider's base (25.20, 55.27) to the place (25.21, 55.28): about 1.5 km; then the same place.
    expect(mine[0].distance_from_previous_m).toBeGreaterThan(1400);
    expect(mine[0].distance_from_previous_m).toBeLessThan(1600);
    expect(mine[1].distance_from_previous_m).toBe(0);

    const staffDay = await w.staff.client.rpc("list_provider_day", { p_from: midnightDubai, p_business_id: w.businessId });
    expect(staffDay.error).toBeNull();
    expect(staffDay.data!.map((r) => r.booking_id)).toEqual(data!.map((r) => r.booking_id));
    const stranger = await w.stranger.client.rpc("list_provider_day", { p_from: midnightDubai, p_business_id: w.businessId });
    expect(stranger.error).toMatchObject({ code: "HL436" });
    expect(stranger.status).toBe(403);
  });

  it("lets business staff scan the customer's QR code to record progress", async () => {
    const booking = await bookOk(w, w.instantListing);
    await authorizePayment(w.customer, booking.id);
    const qr = await w.customer.client.rpc("get_booking_qr", { p_booking_id: booking.id }).single();
    expect(qr.error).toBeNull();
    expect(qr.data!.payload).toMatch(/^HLB1\.[\w-]+\.[\w-]+$/);
    const track = await w.staff.client.rpc("scan_booking", { p_payload: qr.data!.payload, p_event: "keys_received", p_note: "Spare key" });
    expect(track.error).toBeNull();
    expect(track.data!.status).toBe("accepted");
    const arrived = await w.staff.client.rpc("scan_booking", { p_payload: qr.data!.payload, p_event: "arrived" });
    expect(arrived.data!.status).toBe("arrived");
    const [body, sig] = qr.data!.payload.split(".").slice(1);
    // (a signature that already ends in "AA" gets "BA", so it always changes)
    const forged = `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BA" : "AA"}`;
    const tampered = await w.staff.client.rpc("scan_booking", { p_payload: `HLB1.${body}.${forged}`, p_event: "arrived" });
    expect(tampered.status).toBe(400);
    expect(tampered.error?.code).toBe("HL426");
    const customer = await w.customer.client.rpc("scan_booking", { p_payload: qr.data!.payload, p_event: "done" });
    expect(customer.status).toBe(403);
    expect(customer.error?.code).toBe("HL429");
  });
});

/** The start of a tstzrange as PostgREST returns it (["2030-01-01 10:00:00+00","...")). */
function rangeStart(period: unknown): number {
  return new Date(JSON.parse(String(period).replace(/\)$/, "]"))[0]).getTime();
}

describe("rescheduling by proposal and answer", () => {
  it("the customer proposes a new time, the business's manager accepts: the booking moves", async () => {
    const booking = await bookOk(w, w.instantListing);
    const newStart = nextSlot();
    const proposed = await w.customer.client.rpc("propose_booking_reschedule", {
      p_booking_id: booking.id, p_start: newStart, p_reason: "My flight moved",
    });
    expect(proposed.error).toBeNull();
    expect(proposed.data).toMatchObject({ status: "pending", proposer_role: "customer", reason: "My flight moved" });
    const proposalId = proposed.data!.id;

    // The provider is asked, and sees the pending proposal on the booking.
    const { data: asked } = await w.provider.client.from("notifications").select("payload")
      .eq("kind", "booking.reschedule_proposed").eq("payload->>booking_id", booking.id);
    expect(asked).toEqual([{ payload: expect.objectContaining({ reschedule_id: proposalId }) }]);
    const { data: seen } = await w.provider.client.rpc("get_booking", { p_booking_id: booking.id });
    expect((seen as { pending_reschedule: { id: string } }).pending_reschedule.id).toBe(proposalId);

    // One proposal at a time; the proposer does not answer it.
    const second = await w.provider.client.rpc("propose_booking_reschedule", { p_booking_id: booking.id, p_start: nextSlot(), p_reason: "x" });
    expect([second.status, second.error?.code]).toEqual([409, "HL439"]);
    const own = await w.customer.client.rpc("respond_booking_reschedule", { p_reschedule_id: proposalId, p_accept: true });
    expect([own.status, own.error?.code]).toEqual([403, "HL403"]);

    const accepted = await w.manager.client.rpc("respond_booking_reschedule", { p_reschedule_id: proposalId, p_accept: true });
    expect(accepted.error).toBeNull();
    expect(accepted.data!.status).toBe("accepted");
    expect(rangeStart(accepted.data!.period)).toBe(new Date(newStart).getTime());
    expect(new Date(accepted.data!.free_cancellation_until!).getTime()).toBe(new Date(newStart).getTime() - DAY);

    const { data: told } = await w.customer.client.from("notifications").select("payload")
      .eq("kind", "booking.rescheduled").eq("payload->>booking_id", booking.id);
    expect(told).toHaveLength(1);
    expect(new Date((told![0].payload as { previous_starts_at: string }).previous_starts_at).getTime()).toBe(rangeStart(booking.period));
    const { data: after } = await w.customer.client.rpc("get_booking", { p_booking_id: booking.id });
    const timeline = (after as { timeline: { transition: string; actor_role: string }[]; pending_reschedule: unknown });
    expect(timeline.pending_reschedule).toBeNull();
    expect(timeline.timeline.map((e) => [e.transition, e.actor_role])).toEqual([
      ["create", "customer"], ["reschedule_proposed", "customer"], ["reschedule", "provider"],
    ]);
    const { data: rows } = await w.customer.client.from("booking_reschedules").select("status").eq("booking_id", booking.id);
    expect(rows).toEqual([{ status: "accepted" }]);
  });

  it("the provider proposes, the customer declines: the booking keeps its time; misuse gets HL codes", async () => {
    const booking = await bookOk(w, w.instantListing);
    const { data: proposal, error } = await w.provider.client.rpc("propose_booking_reschedule", {
      p_booking_id: booking.id, p_start: nextSlot(), p_reason: "Our van is in the garage",
    });
    expect(error).toBeNull();
    const stranger = await w.stranger.client.rpc("respond_booking_reschedule", { p_reschedule_id: proposal!.id, p_accept: true });
    expect([stranger.status, stranger.error?.code]).toEqual([404, "HL440"]);

    const declined = await w.customer.client.rpc("respond_booking_reschedule", {
      p_reschedule_id: proposal!.id, p_accept: false, p_reason: "That day does not work",
    });
    expect(declined.error).toBeNull();
    expect(declined.data!.period).toBe(booking.period);
    const { data: told } = await w.provider.client.from("notifications").select("kind")
      .eq("kind", "booking.reschedule_declined").eq("payload->>booking_id", booking.id);
    expect(told).toHaveLength(1);

    const cases: [string, PromiseLike<{ status: number; error: { code: string } | null }>, number, string][] = [
      ["answering twice", w.provider.client.rpc("respond_booking_reschedule", { p_reschedule_id: proposal!.id, p_accept: true }) as never, 409, "HL441"],
      ["staff proposing", w.staff.client.rpc("propose_booking_reschedule", { p_booking_id: booking.id, p_start: nextSlot(), p_reason: "x" }) as never, 403, "HL403"],
      ["the same start", w.customer.client.rpc("propose_booking_reschedule", { p_booking_id: booking.id, p_start: new Date(rangeStart(booking.period)).toISOString(), p_reason: "x" }) as never, 400, "HL442"],
      ["no reason", w.customer.client.rpc("propose_booking_reschedule", { p_booking_id: booking.id, p_start: nextSlot(), p_reason: "" }) as never, 400, "HL419"],
      ["through transition_booking", move(w.customer, booking.id, "reschedule", "x"), 400, "HL443"],
    ];
    const results = await Promise.all(cases.map(async ([name, p]) => {
      const r = await p;
      return [name, r.status, r.error?.code];
    }));
    expect(results).toEqual(cases.map(([name, , status, code]) => [name, status, code]));
  });
});

describe("every cancellation path", () => {
  async function inState(state: "requested" | "accepted" | "en_route" | "arrived") {
    return (await bookInState({ customer: w.customer, provider: w.provider, listing: w.requestListing, start: nextSlot(), place: PLACE }, state)).id;
  }

  const paths: [string, "requested" | "accepted" | "en_route" | "arrived", "customer" | "provider" | "manager" | "operator"][] = [
    ["the customer withdraws a request", "requested", "customer"],
    ["an operator cancels a request", "requested", "operator"],
    ["the customer cancels an accepted booking", "accepted", "customer"],
    ["the provider cancels an accepted booking", "accepted", "provider"],
    ["a business manager cancels an accepted booking", "accepted", "manager"],
    ["an operator cancels an accepted booking", "accepted", "operator"],
    ["the customer cancels while the provider is on the way", "en_route", "customer"],
    ["the provider cancels on the way", "en_route", "provider"],
    ["an operator cancels while the provider is on the way", "en_route", "operator"],
    ["the provider cancels on site (customer not there)", "arrived", "provider"],
    ["an operator cancels on site", "arrived", "operator"],
  ];
  for (const [title, state, who] of paths) {
    it(title, async () => {
      const id = await inState(state);
      const data = await moveOk(w[who], id, "cancel", `${who} cancels from ${state}`);
      expect(data).toMatchObject({
        status: "cancelled",
        cancelled_by: who === "manager" ? "provider" : who,
        cancel_reason: `${who} cancels from ${state}`,
        cancelled_late: false,
      });
      expect(data.cancelled_at).not.toBeNull();
      // Time is released: the same slot can be booked again.
      const { data: ev } = await w.customer.client.from("booking_events").select("transition, actor_role, reason").eq("booking_id", id).eq("transition", "cancel");
      expect(ev).toEqual([{ transition: "cancel", actor_role: who === "manager" ? "provider" : who, reason: `${who} cancels from ${state}` }]);
    });
  }

  it("refuses the cancellations the process does not allow", async () => {
    const requested = await inState("requested");
    const r1 = await move(w.provider, requested, "cancel", "no");
    expect([r1.status, r1.error?.code]).toEqual([403, "HL403"]);
    const arrived = await inState("arrived");
    const r2 = await move(w.customer, arrived, "cancel", "no");
    expect([r2.status, r2.error?.code]).toEqual([403, "HL403"]);
    const accepted = await inState("accepted");
    const r3 = await move(w.staff, accepted, "cancel", "no");
    expect([r3.status, r3.error?.code]).toEqual([403, "HL403"]);
    const r4 = await move(w.customer, accepted, "cancel");
    expect([r4.status, r4.error?.code]).toEqual([400, "HL419"]);
  });

  it("the provider declines a request; a back end cancels as the system", async () => {
    const a = await inState("requested");
    expect((await moveOk(w.provider, a, "decline", "Fully booked")).status).toBe("declined");
    const b = await inState("accepted");
    const { data, error } = await serviceClient().rpc("transition_booking", { p_booking_id: b, p_transition: "cancel", p_reason: "payment_failed" });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: "cancelled", cancelled_by: "system", cancel_reason: "payment_failed" });
  });

  it("the slot of a cancelled booking can be booked again", async () => {
    const start = nextSlot();
    const first = await book(w, w.customer, w.instantListing, start);
    expect(first.error).toBeNull();
    const taken = await book(w, w.stranger, w.instantListing, start);
    expect(taken.error?.code).toBe("HL404");
    await moveOk(w.customer, first.data!.id, "cancel", "changed my mind");
    const again = await book(w, w.stranger, w.instantListing, start);
    expect(again.error).toBeNull();
  });
});

describe("the error contract", () => {
  it("answers misuse with the documented HTTP status and HL code", async () => {
    const booking = await bookOk(w);
    const cases: [string, PromiseLike<{ status: number; error: { code: string } | null }>, number, string][] = [
      ["a customer accepting", move(w.customer, booking.id, "accept"), 403, "HL403"],
      ["staff accepting", move(w.staff, booking.id, "accept"), 403, "HL403"],
      ["a stranger", move(w.stranger, booking.id, "accept"), 404, "HL400"],
      ["wrong state", move(w.provider, booking.id, "arrive"), 409, "HL402"],
      ["unknown transition", move(w.provider, booking.id, "teleport"), 400, "HL401"],
      ["start without the code", move(w.provider, booking.id, "start"), 400, "HL421"],
      ["unknown booking", move(w.provider, "00000000-0000-4000-8000-000000000000", "accept"), 404, "HL400"],
      ["booking in the past", book(w, w.customer, w.requestListing, new Date(Date.now() - HOUR).toISOString()), 400, "HL406"],
      ["too little notice", book(w, w.customer, w.requestListing, new Date(Date.now() + 10 * 60_000).toISOString()), 400, "HL407"],
      ["outside working hours", book(w, w.customer, w.requestListing, new Date(Math.floor(Date.now() / DAY) * DAY + 5 * DAY + 20 * HOUR).toISOString()), 409, "HL409"],
      ["booking yourself", book(w, w.provider, w.requestListing), 409, "HL413"],
      ["unknown listing", book(w, w.customer, "00000000-0000-4000-8000-000000000000"), 404, "HL219"],
      ["contact before acceptance", w.customer.client.rpc("get_booking_contact", { p_booking_id: booking.id }) as never, 409, "HL425"],
      ["bad QR", w.staff.client.rpc("scan_booking", { p_payload: "HLB1.x.y", p_event: "arrived" }) as never, 400, "HL426"],
      ["bad list filter", w.customer.client.rpc("list_my_bookings", { p_as: "landlord" }) as never, 400, "HL431"],
    ];
    const results = await Promise.all(cases.map(async ([name, p]) => {
      const r = await p;
      return [name, r.status, r.error?.code];
    }));
    expect(results).toEqual(cases.map(([name, , status, code]) => [name, status, code]));
    const { data } = await w.customer.client.from("bookings").select("status").eq("id", booking.id).single();
    expect(data!.status).toBe("requested");
  });

  it("refuses anonymous callers", async () => {
    const res = await anonClient().rpc("book_listing", { p_listing_id: w.requestListing, p_start: nextSlot() });
    expect(res.status).toBe(401);
    expect(res.error?.code).toBe("42501");
  });

  it("writes nothing when a booking is refused", async () => {
    const count = async () => (await sql`select (select count(*) from public.bookings)::int as b, (select count(*) from public.booking_events)::int as e`)[0];
    const before = await count();
    const start = nextSlot();
    expect((await book(w, w.customer, w.requestListing, start)).error).toBeNull();
    const after = await count();
    const refused = await Promise.all([
      book(w, w.stranger, w.requestListing, start),
      book(w, w.stranger, w.instantListing, start),
      book(w, w.stranger, w.requestListing, new Date(Date.now() - DAY).toISOString()),
    ]);
    expect(refused.map((r) => r.error?.code)).toEqual(["HL404", "HL404", "HL406"]);
    expect(await count()).toEqual({ b: before.b + 1, e: before.e + 1 });
    expect(after).toEqual({ b: before.b + 1, e: before.e + 1 });
  });
});

describe("concurrency: customers racing for one slot", () => {
  const RACERS = 30;
  let racers: Actor[];
  beforeAll(async () => {
    racers = await Promise.all(Array.from({ length: RACERS }, (_, i) => actor(`bk-racer-${i}`)));
  });

  for (const [round, mode] of [[1, "instant"], [2, "instant"], [3, "request"], [4, "instant"]] as const) {
    it(`round ${round} (${mode}): exactly one booking, everyone else gets HL404`, async () => {
      const start = nextSlot();
      const listing = mode === "instant" ? w.instantListing : w.requestListing;
      const results = await Promise.all(racers.map((r) => book(w, r, listing, start)));
      const winners = results.filter((r) => r.error === null);
      const losers = results.filter((r) => r.error !== null);
      expect(winners).toHaveLength(1);
      expect(new Set(losers.map((r) => `${r.status} ${r.error!.code}`))).toEqual(new Set(["409 HL404"]));
      // The database agrees, and nothing was half-written for the losers.
      const [row] = await sql`
        select count(*)::int as bookings,
               (select count(*)::int from private.booking_secrets s join public.bookings b on b.id = s.booking_id
                 where b.provider_id = ${w.provider.id} and lower(b.period) = ${start}::timestamptz) as secrets,
               (select count(*)::int from public.booking_events e join public.bookings b on b.id = e.booking_id
                 where b.provider_id = ${w.provider.id} and lower(b.period) = ${start}::timestamptz) as events
          from public.bookings b
         where b.provider_id = ${w.provider.id} and lower(b.period) = ${start}::timestamptz`;
      expect(row).toEqual({ bookings: 1, secrets: 1, events: 1 });
      expect(racers.map((r) => r.id)).toContain(winners[0].data!.customer_id);
    });
  }
});

describe("timed transitions (frozen clock, committed)", () => {
  /** Runs the timers as pg_cron would, with the domain clock set to `at`. */
  async function runTimersAt(at: string) {
    return sql.begin(async (tx) => {
      await tx`select set_config('hyperlocal.frozen_now', ${at}, true)`;
      const [{ r }] = await tx`select private.run_booking_timers() as r`;
      return r as Record<string, number>;
    });
  }

  it("expires unanswered requests and cancels no-shows, but not bookings that moved on", async () => {
    const requested = await bookOk(w);
    const answered = await bookOk(w);
    await moveOk(w.provider, answered.id, "accept");
    const noShow = await bookOk(w, w.instantListing);
    const started = await bookOk(w, w.instantListing);
    await authorizePayment(w.customer, started.id);
    await moveOk(w.provider, started.id, "arrive");

    const ends = await sql`select max(upper(period)) as t from public.bookings where id in ${sql([requested.id, answered.id, noShow.id, started.id])}`;
    await runTimersAt(new Date(ends[0].t.getTime() + 2 * HOUR).toISOString());

    const rows = await sql`select id, status, cancelled_by, cancel_reason from public.bookings where id in ${sql([requested.id, answered.id, noShow.id, started.id])}`;
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[requested.id]).toMatchObject({ status: "expired" });
    expect(byId[answered.id]).toMatchObject({ status: "cancelled", cancelled_by: "system", cancel_reason: "no_show" });
    expect(byId[noShow.id]).toMatchObject({ status: "cancelled", cancelled_by: "system", cancel_reason: "no_show" });
    expect(byId[started.id]).toMatchObject({ status: "arrived" });
    const { data } = await w.customer.client.from("notifications").select("kind").eq("payload->>booking_id", requested.id);
    expect(data!.map((n) => n.kind)).toContain("booking.expired");
  });
});
