/**
 * Jobs and offers through the gateway with supabase-js: the whole flow (post, match, offer,
 * counter, accept, booking, then en_route, arrived, start code, completed), a job that reopens
 * when its provider cancels the booking, a job sent to a buddy first that falls back to matching,
 * the error contract (HTTP status + code), the rate limit under concurrency, and races that must
 * end with exactly one booking.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actor, adminSql, anonClient, authorizePayment, createCategory, createProvider, jobWithOffers, makeOffer, postJob as postJobAs, stack, startTimes, type Actor,
} from "../support.ts";
import { offersRace } from "../../scripts/bench/offers-race.ts";

const sql = adminSql();
const SITE = { lat: 25.2, lng: 55.27 };
let category: string;
let emptyCategory: string;
let providers: Actor[] = [];

/** A distinct future start time per call, so providers are never double-booked across tests. */
const nextStart = startTimes({ daysAhead: 1, stepHours: 3 });

const customer = (label = "jobs.customer") => actor(label);

/** A provider `northM` metres north of the site, covering 10 km, with an hourly listing in `cat`. */
const provider = (label: string, northM: number, cat = category) =>
  createProvider(sql, label, { at: { lat: SITE.lat + northM / 111320, lng: SITE.lng }, categoryId: cat, profile: { service_radius_m: 10000 } });

/** A job at the site with a budget range and a private address. */
const postJob = (c: Actor, title = "Fix the kitchen sink", cat = category) =>
  postJobAs(c, {
    categoryId: cat, at: SITE, title,
    p_address: "Downtown, Tower 3, flat 502", p_neighbourhood: "Downtown", p_budget_min: 10000, p_budget_max: 20000,
  });

const offer = (p: Actor, jobId: string, price = 15000, extra: { p_expires_at?: string } = {}) =>
  makeOffer(p, jobId, { price, start: nextStart(), ...extra });

async function bookingsOf(jobId: string): Promise<number> {
  // Bookings made from the job's offers (the link lives on the jobs side: job_offers.booking_id).
  const [{ n }] = await sql`select count(*)::int as n from public.bookings b join public.job_offers o on o.booking_id = b.id where o.job_id = ${jobId}`;
  return n;
}

beforeAll(async () => {
  category = await createCategory(sql, "it-jobs", { en: "Plumbing", ar: "سباكة" });
  emptyCategory = await createCategory(sql, "it-jobs-empty", { en: "Nobody", ar: "لا أحد" });
  providers = await Promise.all(Array.from({ length: 8 }, (_, i) => provider(`jobs.provider${i}`, 500 + i * 300)));
});

afterAll(async () => {
  await sql.end();
});

describe("a job from post to booking", () => {
  it("posts, notifies nearby providers, takes offers, counters, and books at the counter price", async () => {
    const cust = await customer();
    const job = await postJob(cust);
    expect(job).toMatchObject({ status: "open", budget_kind: "range", neighbourhood: "Downtown", notified_count: 8 });

    // Matched providers are notified and see the job with its fuzzed location only.
    const [pA, pB] = providers;
    const notes = await pA.client.from("notifications").select("kind, payload").eq("kind", "job.matched");
    expect(notes.data?.some((n) => (n.payload as { job_id: string }).job_id === job.id)).toBe(true);
    const listed = await pA.client.rpc("list_open_jobs_near_me", { p_category_id: category, p_limit: 100 });
    expect(listed.error).toBeNull();
    const row = listed.data!.find((r) => r.id === job.id)!;
    expect(row).toMatchObject({ title: "Fix the kitchen sink", neighbourhood: "Downtown", is_matched: true });
    expect(row.lat).not.toBe(SITE.lat);
    expect(row.distance_m).toBeLessThan(1000);

    const oA = await offer(pA, job.id, 18000);
    const oB = await offer(pB, job.id, 16000);
    expect(oA.status).toBe("pending");

    // The customer sees both offers and the exact address; a provider only their own offer.
    const asCustomer = (await cust.client.rpc("get_job", { p_job_id: job.id })).data as {
      offers: Array<{ id: string }>; exact_location: { address: string };
    };
    expect(asCustomer.offers.map((o) => o.id).sort()).toEqual([oA.id, oB.id].sort());
    expect(asCustomer.exact_location.address).toBe("Downtown, Tower 3, flat 502");
    const asProvider = (await pB.client.rpc("get_job", { p_job_id: job.id })).data as { offers: Array<{ id: string }>; exact_location: null };
    expect(asProvider.offers.map((o) => o.id)).toEqual([oB.id]);
    expect(asProvider.exact_location).toBeNull();

    const countered = await cust.client.rpc("counter_offer", { p_offer_id: oA.id, p_counter_price: 15000, p_message: "150?" });
    expect(countered.data).toMatchObject({ status: "countered", counter_price: 15000 });
    const accepted = await pA.client.rpc("respond_to_counter", { p_offer_id: oA.id, p_accept: true });
    expect(accepted.error).toBeNull();
    expect(accepted.data).toMatchObject({ status: "accepted", accepted_price: 15000 });

    // The customer reaches the booking from the job (embedded through job_requests.booking_id).
    const booked = await cust.client.from("job_requests").select("booking:bookings(id, status, price, provider_id)").eq("id", job.id).single();
    expect(booked.data).toEqual({ booking: { id: accepted.data!.booking_id, status: "accepted", price: 15000, provider_id: pA.id } });
    const other = await pB.client.from("job_offers").select("status").eq("id", oB.id).single();
    expect(other.data?.status).toBe("closed");
    const jobNow = await cust.client.from("job_requests").select("status, booking_id").eq("id", job.id).single();
    expect(jobNow.data).toEqual({ status: "assigned", booking_id: accepted.data!.booking_id });

    // ... and on to the end: en_route, arrived, the customer's start code, in_progress, completed.
    const bookingId = accepted.data!.booking_id!;
    const move = async (transition: string) => {
      const { data, error } = await pA.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: transition });
      expect(error).toBeNull();
      return data!.status;
    };
    await authorizePayment(cust, bookingId);   // progress needs the customer's payment authorised
    expect(await move("start_travel")).toBe("en_route");
    expect(await move("arrive")).toBe("arrived");
    const code = await cust.client.rpc("get_booking_start_code", { p_booking_id: bookingId }).single();
    expect(code.error).toBeNull();
    const refused = await pA.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: "start" });
    expect(refused.error?.code).toBeTruthy(); // starting needs the code (start_booking)
    const started = await pA.client.rpc("start_booking", { p_booking_id: bookingId, p_code: code.data!.code });
    expect(started.error).toBeNull();
    expect((started.data as { status: string }).status).toBe("in_progress");
    expect(await move("complete")).toBe("completed");
    const detail = (await cust.client.rpc("get_booking", { p_booking_id: bookingId })).data as {
      booking: { status: string }; timeline: { transition: string; metadata: Record<string, unknown> }[];
    };
    expect(detail.booking).toMatchObject({ status: "completed" });
    // The timeline names the job and offer the booking came from.
    expect(detail.timeline[0].metadata).toMatchObject({ job_id: job.id, offer_id: oA.id });
    expect(detail.timeline.map((e) => e.transition)).toEqual(["create", "start_travel", "arrive", "start", "complete"]);
  });

  it("accept_offer returns the booking it created", async () => {
    const cust = await customer();
    const job = await postJob(cust, "Replace a tap");
    const o = await offer(providers[2], job.id, 12000);
    const { data, error } = await cust.client.rpc("accept_offer", { p_offer_id: o.id });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: "accepted", price: 12000, provider_id: providers[2].id });
    expect(await bookingsOf(job.id)).toBe(1);
    const [link] = await sql`select j.booking_id as job_booking, o.booking_id as offer_booking
                               from public.job_requests j join public.job_offers o on o.id = ${o.id} where j.id = ${job.id}`;
    expect(link).toEqual({ job_booking: (data as { id: string }).id, offer_booking: (data as { id: string }).id });
  });
});

describe("editing an open job", () => {
  it("closes the offers the new budget excludes, tells the others, and refuses edits once assigned", async () => {
    const cust = await customer();
    const job = await postJob(cust, "Paint the hallway");
    const [p0, p1, p2] = providers;
    const cheap = await offer(p0, job.id, 12000);
    const dear = await offer(p1, job.id, 19000);
    const mid = await offer(p2, job.id, 15000);

    // Bad input answers with a code and changes nothing.
    const unknown = await cust.client.rpc("update_job", { p_job_id: job.id, p_changes: { colour: "blue" } });
    expect(unknown.error).toMatchObject({ code: "HL301" });
    expect(unknown.status).toBe(400);
    const stranger = await p0.client.rpc("update_job", { p_job_id: job.id, p_changes: { title: "Mine" } });
    expect(stranger.error).toMatchObject({ code: "HL307" });
    expect(stranger.status).toBe(403);

    const { data: edited, error } = await cust.client.rpc("update_job", {
      p_job_id: job.id, p_changes: { budget_min: 10000, budget_max: 16000, description: "Two coats" },
    });
    expect(error).toBeNull();
    expect(edited).toMatchObject({ budget_min: 10000, budget_max: 16000, description: "Two coats" });

    // 190.00 fitted the old budget (200.00) but not the new one: closed, its provider told why.
    const statuses = await sql`select id, status from public.job_offers where job_id = ${job.id}`;
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [cheap.id]: "pending", [dear.id]: "closed", [mid.id]: "pending",
    });
    const invalidated = await p1.client.from("notifications").select("payload").eq("kind", "offer.invalidated");
    expect(invalidated.data?.map((n) => n.payload)).toContainEqual(expect.objectContaining({ offer_id: dear.id, reason: "job_edited_budget" }));
    const dearTimeline = await p1.client.from("job_offer_events").select("action, message").eq("offer_id", dear.id).order("id");
    expect(dearTimeline.data?.at(-1)).toEqual({ action: "close", message: "job_edited_budget" });
    // The two live offers' providers get job.updated with what changed.
    for (const p of [p0, p2]) {
      const told = await p.client.from("notifications").select("payload").eq("kind", "job.updated");
      expect(told.data?.map((n) => n.payload)).toContainEqual(expect.objectContaining({ job_id: job.id, changes: ["description", "budget"] }));
    }
    const closedProviderTold = await p1.client.from("notifications").select("payload").eq("kind", "job.updated");
    expect(closedProviderTold.data?.some((n) => (n.payload as { job_id: string }).job_id === job.id)).toBe(false);

    // The customer accepts a remaining offer: the job is assigned and can no longer be edited.
    expect((await cust.client.rpc("accept_offer", { p_offer_id: cheap.id })).error).toBeNull();
    const late = await cust.client.rpc("update_job", { p_job_id: job.id, p_changes: { title: "Paint the hallway and door" } });
    expect(late.error).toMatchObject({ code: "HL306" });
    expect(late.status).toBe(409);
  });
});

describe("a job follows its booking", () => {
  /** Providers of their own category around a site of their own, open around the clock. */
  const HERE = { lat: 25.11, lng: 55.2 };
  let handyman: string;
  const provider = (label: string) => createProvider(sql, label, { at: HERE, categoryId: handyman, hours: { opens: "00:00", closes: "24:00" } });
  beforeAll(async () => {
    handyman = await createCategory(sql, "it-xm", { en: "Handyman", ar: "عامل صيانة" });
  });

  it("reopens when the provider cancels, and the customer sees it at once", async () => {
    const [cust, pA, pB] = await Promise.all([actor("xm.jobcust"), provider("xm.jobprovA"), provider("xm.jobprovB")]);
    const { job: posted, offers } = await jobWithOffers(cust, [pA, pB], { categoryId: handyman, at: HERE, title: "Hang two shelves" },
      { price: 14000, start: nextStart });
    const jobId = posted.id;
    const accepted = await cust.client.rpc("accept_offer", { p_offer_id: offers[0].id });
    expect(accepted.error).toBeNull();
    // A provider who joins nearby after the job was posted.
    const pC = await provider("xm.jobprovC");

    const cancelled = await pA.client.rpc("transition_booking", { p_booking_id: accepted.data!.id, p_transition: "cancel", p_reason: "Sick today" });
    expect(cancelled.error).toBeNull();

    const job = await cust.client.from("job_requests").select("status, booking_id, accepted_offer_id, reopen_count").eq("id", jobId).single();
    expect(job.data).toEqual({ status: "open", booking_id: null, accepted_offer_id: null, reopen_count: 1 });
    const note = await cust.client.from("notifications").select("payload").eq("kind", "job.reopened");
    expect(note.data!.map((n) => (n.payload as { job_id: string }).job_id)).toContain(jobId);
    const otherOffer = await pB.client.from("job_offers").select("status").eq("id", offers[1].id).single();
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

describe("a job sent to a buddy first", () => {
  /** Providers of their own category around a site of their own, open around the clock. */
  const THERE = { lat: 25.15, lng: 55.24 };
  let painting: string;
  const provider = (label: string, northM = 0) =>
    createProvider(sql, label, { at: { lat: THERE.lat + northM / 111320, lng: THERE.lng }, categoryId: painting, hours: { opens: "00:00", closes: "24:00" } });
  beforeAll(async () => {
    painting = await createCategory(sql, "it-direct", { en: "Painting", ar: "دهان" });
  });

  /** The job timer as pg_cron runs it, with the domain clock at `at` (committed). */
  async function runJobTimersAt(at: Date) {
    return sql.begin(async (tx) => {
      await tx`select set_config('hyperlocal.frozen_now', ${at.toISOString()}, true)`;
      const [{ r }] = await tx`select private.run_job_timers() as r`;
      return r as Record<string, number>;
    });
  }

  it("only the buddy sees it during the window; then the timer matches it to others and tells the customer", async () => {
    const [cust, friend, buddy, otherA, otherB] = await Promise.all([
      actor("direct.customer"), actor("direct.friend"), provider("direct.buddy"), provider("direct.otherA", 300), provider("direct.otherB", 600),
    ]);
    // Buddies: a provider and a friend who is not one; the buddy works around the clock, so is available now.
    const added = await cust.client.from("buddies").insert([{ user_id: cust.id, buddy_id: buddy.id }, { user_id: cust.id, buddy_id: friend.id }]);
    expect(added.error).toBeNull();
    const now = await cust.client.rpc("list_buddies", { p_available_now: true });
    expect(now.data!.map((b) => [b.buddy_id, b.is_provider, b.available_now])).toEqual([[buddy.id, true, true]]);

    // Refusals: a provider who is not a buddy, a buddy who is not a provider.
    const job = { p_category_id: painting, p_title: "Paint the hallway", p_lat: THERE.lat, p_lng: THERE.lng, p_duration_minutes: 120, p_fixed_budget: 40000, p_asap: true };
    const notBuddy = await cust.client.rpc("post_job", { ...job, p_direct_to: [otherA.id] });
    expect({ status: notBuddy.status, code: notBuddy.error?.code }).toEqual({ status: 403, code: "HL332" });
    const notProvider = await cust.client.rpc("post_job", { ...job, p_direct_to: [friend.id] });
    expect({ status: notProvider.status, code: notProvider.error?.code }).toEqual({ status: 409, code: "HL333" });

    const posted = await cust.client.rpc("post_job", { ...job, p_direct_to: [buddy.id], p_direct_window_minutes: 30 });
    expect(posted.error).toBeNull();
    const jobId = posted.data!.id;
    const directUntil = new Date(posted.data!.direct_until!);
    expect(directUntil.getTime() - new Date(posted.data!.created_at).getTime()).toBeCloseTo(30 * 60_000, -4);
    const request = await buddy.client.from("notifications").select("payload").eq("kind", "job.direct_request");
    expect(request.data!.map((n) => (n.payload as { job_id: string }).job_id)).toContain(jobId);

    // Another provider nearby: not on their board, unknown to get_job, no offers.
    const board = await otherA.client.rpc("list_open_jobs_near_me", {});
    expect(board.data!.map((j) => j.id)).not.toContain(jobId);
    const hidden = await otherA.client.rpc("get_job", { p_job_id: jobId });
    expect({ status: hidden.status, code: hidden.error?.code }).toEqual({ status: 404, code: "HL300" });
    const refused = await otherA.client.rpc("make_offer", { p_job_id: jobId, p_price: 30000, p_proposed_start: nextStart(), p_duration_minutes: 120 });
    expect({ status: refused.status, code: refused.error?.code }).toEqual({ status: 404, code: "HL300" });

    // The buddy sees it (with the end of the window) and offers.
    const buddyBoard = await buddy.client.rpc("list_open_jobs_near_me", {});
    expect(buddyBoard.data!.find((j) => j.id === jobId)?.direct_until).toBeTruthy();
    const offered = await makeOffer(buddy, jobId, { price: 38000, start: nextStart() });

    // The window ends with the job still open: the timer opens it to everyone.
    const ran = await runJobTimersAt(new Date(directUntil.getTime() + 60_000));
    expect(ran.direct_windows_closed).toBeGreaterThanOrEqual(1);
    for (const p of [otherA, otherB]) {
      const matched = await p.client.from("notifications").select("payload").eq("kind", "job.matched");
      expect(matched.data!.map((n) => (n.payload as { job_id: string }).job_id)).toContain(jobId);
    }
    const told = await cust.client.from("notifications").select("payload").eq("kind", "job.opened_to_all");
    expect(told.data!.map((n) => n.payload)).toContainEqual(expect.objectContaining({ job_id: jobId, reason: "window_ended", notified: 2 }));
    const shown = await cust.client.from("job_matches").select("provider_id, source").eq("job_id", jobId);
    expect(shown.data!.map((m) => [m.provider_id, m.source]).sort()).toEqual(
      [[buddy.id, "direct"], [otherA.id, "matched"], [otherB.id, "matched"]].sort());
    const stillLive = await buddy.client.from("job_offers").select("status").eq("id", offered.id).single();
    expect(stillLive.data!.status).toBe("pending");
    const seen = await otherA.client.rpc("get_job", { p_job_id: jobId });
    expect(seen.error).toBeNull();
  });
});

describe("error contract", () => {
  it("answers misuse with specific codes and HTTP statuses", async () => {
    const cust = await customer();
    const job = await postJob(cust, "Unblock a drain");
    const [pA, pB] = providers;

    const anon = await anonClient().rpc("post_job", {
      p_category_id: category, p_title: "x", p_lat: 0, p_lng: 0, p_duration_minutes: 60, p_fixed_budget: 1, p_asap: true,
    });
    expect(anon.status).toBe(401);

    const badBudget = await cust.client.rpc("post_job", {
      p_category_id: category, p_title: "Bad budget", p_lat: SITE.lat, p_lng: SITE.lng, p_duration_minutes: 60,
      p_budget_min: 500, p_budget_max: 100, p_asap: true,
    });
    expect(badBudget.status).toBe(400);
    expect(badBudget.error).toMatchObject({ code: "HL302", message: "The budget is invalid." });
    expect(badBudget.error?.hint).toBeTruthy();

    // A provider posting a job cannot offer on it.
    const ownJob = await postJob(pA, "My own leaking pipe");
    const own = await pA.client.rpc("make_offer", { p_job_id: ownJob.id, p_price: 100, p_proposed_start: nextStart() });
    expect(own.status).toBe(403);
    expect(own.error?.code).toBe("HL311");

    const o = await offer(pB, job.id);
    const twice = await pB.client.rpc("make_offer", { p_job_id: job.id, p_price: 100, p_proposed_start: nextStart() });
    expect([twice.status, twice.error?.code]).toEqual([409, "HL312"]);

    const wrongActor = await pB.client.rpc("accept_offer", { p_offer_id: o.id });
    expect([wrongActor.status, wrongActor.error?.code]).toEqual([403, "HL307"]);
    const unknown = await cust.client.rpc("accept_offer", { p_offer_id: "00000000-0000-4000-8000-00000000dead" });
    expect([unknown.status, unknown.error?.code]).toEqual([404, "HL310"]);
    const stranger = await customer("jobs.stranger");
    const hidden = await stranger.client.rpc("get_job", { p_job_id: job.id });
    expect([hidden.status, hidden.error?.code]).toEqual([404, "HL300"]);

    // An offer that expires in a moment: accepting it afterwards is HL318, and nothing is written.
    const brief = await offer(pA, job.id, 14000, { p_expires_at: new Date(Date.now() + 1500).toISOString() });
    await new Promise((r) => setTimeout(r, 2000));
    const expired = await cust.client.rpc("accept_offer", { p_offer_id: brief.id });
    expect([expired.status, expired.error?.code]).toEqual([409, "HL318"]);
    expect(await bookingsOf(job.id)).toBe(0);
    const still = await cust.client.from("job_requests").select("status").eq("id", job.id).single();
    expect(still.data?.status).toBe("open");
  });

  it("rate-limits posting to 20 jobs an hour per customer, also under concurrency", async () => {
    const cust = await customer("jobs.spammer");
    const attempts = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        cust.client.rpc("post_job", {
          p_category_id: emptyCategory, p_title: `Job ${i}`, p_lat: SITE.lat, p_lng: SITE.lng, p_duration_minutes: 30,
          p_fixed_budget: 1000, p_asap: true,
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === 200)).toHaveLength(20);
    const refused = attempts.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect([r.status, r.error?.code]).toEqual([429, "HL006"]);
      const details = JSON.parse(r.error!.details) as { limit: number; resets_at: string; retry_after_seconds: number };
      expect(details.limit).toBe(20);
      expect(Date.parse(details.resets_at)).toBeGreaterThan(Date.now() + 3_500_000);
      expect(details.retry_after_seconds).toBeGreaterThan(3500);
    }
    const [{ n }] = await sql`select count(*)::int as n from public.job_requests where customer_id = ${cust.id}`;
    expect(n).toBe(20);
  });
});

describe("races end with exactly one booking", () => {
  it("many acceptances of different offers on one job (customer accepts and providers accept counters at once)", async () => {
    for (let round = 0; round < 4; round++) {
      const cust = await customer();
      const job = await postJob(cust, `Race ${round}`);
      const offers = await Promise.all(providers.map((p, i) => offer(p, job.id, 10000 + i)));
      const countered = offers.filter((_, i) => i % 2 === 0);
      await Promise.all(countered.map((o) => cust.client.rpc("counter_offer", { p_offer_id: o.id, p_counter_price: 9000 })));

      const attempts = await Promise.all([
        ...offers.map((o) => cust.client.rpc("accept_offer", { p_offer_id: o.id })),
        ...countered.map((o) => providers.find((p) => p.id === o.provider_id)!.client.rpc("respond_to_counter", { p_offer_id: o.id, p_accept: true })),
      ]);
      const won = attempts.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      expect(attempts.filter((a) => a.status !== 200).map((a) => a.error?.code)).toEqual(Array(attempts.length - 1).fill("HL309"));
      expect(await bookingsOf(job.id)).toBe(1);
      const [state] = await sql`
        select (select status from public.job_requests where id = ${job.id}) as job,
               (select count(*)::int from public.job_offers where job_id = ${job.id} and status = 'accepted') as accepted,
               (select count(*)::int from public.job_offers where job_id = ${job.id} and status = 'closed') as closed`;
      expect(state).toEqual({ job: "assigned", accepted: 1, closed: offers.length - 1 });
    }
  });

  it("the customer accepting while the provider withdraws: one consistent outcome", async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const cust = await customer();
      const job = await postJob(cust, `Withdraw race ${round}`);
      const p = providers[round % providers.length];
      const o = await offer(p, job.id);
      // Alternate which request leaves first so that both outcomes occur.
      const fire = {
        accept: () => cust.client.rpc("accept_offer", { p_offer_id: o.id }),
        withdraw: () => p.client.rpc("withdraw_offer", { p_offer_id: o.id }),
      };
      let accept: Awaited<ReturnType<typeof fire.accept>>;
      let withdraw: Awaited<ReturnType<typeof fire.withdraw>>;
      if (round % 2 === 0) [accept, withdraw] = await Promise.all([fire.accept(), fire.withdraw()]);
      else [withdraw, accept] = await Promise.all([fire.withdraw(), fire.accept()]);
      const [state] = await sql`
        select (select status from public.job_offers where id = ${o.id}) as offer,
               (select status from public.job_requests where id = ${job.id}) as job,
               (select count(*)::int from public.bookings b join public.job_offers jo on jo.booking_id = b.id where jo.job_id = ${job.id}) as bookings`;
      if (accept.status === 200) {
        expect([withdraw.status, withdraw.error?.code]).toEqual([409, "HL317"]);
        expect(state).toEqual({ offer: "accepted", job: "assigned", bookings: 1 });
        outcomes.push("booked");
      } else {
        expect([accept.status, accept.error?.code]).toEqual([409, "HL319"]);
        expect(withdraw.status).toBe(200);
        expect(state).toEqual({ offer: "withdrawn", job: "open", bookings: 0 });
        outcomes.push("withdrawn");
      }
    }
    expect(outcomes).toHaveLength(6);
  });

  it("an instant job taken by 100 providers at once: one booking, HL309 for the 99 others", async () => {
    const report = await offersRace({ stack, providers: 100, rounds: 2, mode: "instant" });
    expect(report.rounds.map((r) => [r.attempts, r.succeeded, r.bookings, r.acceptedOffers, r.errors, r.ok])).toEqual([
      [100, 1, 1, 1, { HL309: 99 }, true], [100, 1, 1, 1, { HL309: 99 }, true],
    ]);
  });

  it("the offers-race benchmark scenario (small): one booking per round from a second process", async () => {
    const report = await offersRace({ stack, providers: 12, rounds: 2, mode: "mixed" });
    expect(report.rounds.map((r) => [r.bookings, r.succeeded, r.ok])).toEqual([[1, 1, true], [1, 1, true]]);
  });
});
