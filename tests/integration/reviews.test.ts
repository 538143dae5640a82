/**
 * Reviews through the gateway with supabase-js, as the people involved: a customer and a provider
 * review each other after a completed booking. The blind phase (the first review hidden from the
 * other side, review.received), the reveal when the second arrives, edits before publication only,
 * the one reply, the window's end published by the reveal job, reputation, and discovery showing
 * the new rating. The rules one by one: supabase/tests/database/01130-trust-reviews.test.sql.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, adminSql, bookInState, createCategory, createProvider, startTimes, type Actor, type Provider } from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

/** Inside the provider's hours (08:00-20:00 Dubai = 04:00-16:00 UTC), at least two days ahead. */
const nextSlot = startTimes({ daysAhead: 2, utcHours: [4, 16] });
/** A place of its own, so discovery around it finds this provider only. */
const AT = { lat: -23.5 + (process.pid % 1000) / 100_000, lng: 17.1 };

let customer: Actor;
let provider: Provider;
let stranger: Actor;

async function completedBooking(): Promise<string> {
  const row = await bookInState({ customer, provider, listing: provider.listing, start: nextSlot() }, "completed");
  expect(row.status).toBe("completed");
  return row.id;
}

beforeAll(async () => {
  [customer, stranger] = await Promise.all([actor("rv-customer"), actor("rv-stranger")]);
  const categoryId = await createCategory(sql, "it-rv", { en: "Gardening", ar: "بستنة" });
  provider = await createProvider(sql, "rv-green-pro", {
    at: AT,
    hours: { opens: "08:00", closes: "20:00" },
    profile: { timezone: "Asia/Dubai" },
    listings: [{ category_id: categoryId, title: "Lawn care", pricing_unit: "fixed", base_price: 15000, currency: "AED",
                 duration_minutes: 60, booking_mode: "instant" }],
  });
});

describe("a customer and a provider review each other", () => {
  let booking: string;
  let customerReview: string;

  it("the first review stays hidden from the other side (double-blind)", async () => {
    booking = await completedBooking();
    const todo = await customer.client.rpc("my_reviews_to_write");
    expect(todo.error).toBeNull();
    expect(todo.data!.find((t) => t.trade_id === booking)).toMatchObject({ side: "customer", reviewee_id: provider.id,
      reviewee_role: "provider", other_side_reviewed: false });

    const submitted = await customer.client.rpc("submit_review", {
      p_kind: "booking", p_trade_id: booking, p_rating: 4, p_subratings: { quality: 5, punctuality: 4 }, p_comment: "Tidy work",
    });
    expect(submitted.error).toBeNull();
    expect(submitted.data).toMatchObject({ author_side: "customer", reviewee_id: provider.id, rating: 4, published_at: null });
    customerReview = submitted.data!.id;

    // The provider knows a review arrived, but not what it says.
    const own = await provider.client.from("reviews").select("id").eq("trade_id", booking);
    expect(own.error).toBeNull();
    expect(own.data).toEqual([]);
    const trade = await provider.client.rpc("get_trade_reviews", { p_kind: "booking", p_trade_id: booking });
    expect(trade.error).toBeNull();
    expect(trade.data!.find((r) => r.author_side === "customer")).toMatchObject({ written: true, mine: false, rating: null, comment: null });
    const todo2 = await provider.client.rpc("my_reviews_to_write");
    expect(todo2.data!.find((t) => t.trade_id === booking)).toMatchObject({ side: "provider", reviewee_id: customer.id,
      reviewee_role: "customer", other_side_reviewed: true });
    const notes = await provider.client.rpc("list_notifications");
    expect(notes.data!.some((n) => n.kind === "review.received" && (n.payload as { trade_id?: string }).trade_id === booking)).toBe(true);

    // The author may still change it.
    const edited = await customer.client.rpc("edit_review", {
      p_review_id: customerReview, p_rating: 5, p_subratings: { quality: 5 }, p_comment: "Tidy and quick",
    });
    expect(edited.error).toBeNull();
    expect(edited.data).toMatchObject({ rating: 5, comment: "Tidy and quick" });
  });

  it("refusals carry their HTTP status and HL code, and write nothing", async () => {
    const twice = await customer.client.rpc("submit_review", { p_kind: "booking", p_trade_id: booking, p_rating: 3 });
    expect(twice.status).toBe(409);
    expect(twice.error?.code).toBe("HL711");
    const badStars = await provider.client.rpc("submit_review", { p_kind: "booking", p_trade_id: booking, p_rating: 9 });
    expect(badStars.status).toBe(400);
    expect(badStars.error?.code).toBe("HL714");
    const badSub = await provider.client.rpc("submit_review", {
      p_kind: "booking", p_trade_id: booking, p_rating: 5, p_subratings: { quality: 5 },
    });
    expect(badSub.status).toBe(400);
    expect(badSub.error?.code).toBe("HL715");
    const notParty = await stranger.client.rpc("submit_review", { p_kind: "booking", p_trade_id: booking, p_rating: 1 });
    expect(notParty.status).toBe(404);
    expect(notParty.error?.code).toBe("HL701");
    const direct = await customer.client.from("reviews").update({ rating: 1 }).eq("id", customerReview).select();
    expect(direct.error?.code).toBe("42501");
    const [{ n }] = await sql`select count(*)::int as n from public.reviews where trade_id = ${booking}`;
    expect(n).toBe(1);
  });

  it("the second review publishes both at once; each side then reads the other's", async () => {
    const second = await provider.client.rpc("submit_review", {
      p_kind: "booking", p_trade_id: booking, p_rating: 4, p_subratings: { communication: 5, punctuality: 3 }, p_comment: "Friendly",
    });
    expect(second.error).toBeNull();
    expect(second.data!.published_at).not.toBeNull();

    const seen = await customer.client.rpc("get_trade_reviews", { p_kind: "booking", p_trade_id: booking });
    expect(seen.data!.find((r) => r.author_side === "provider")).toMatchObject({ written: true, rating: 4, comment: "Friendly" });
    const publicRead = await stranger.client.from("reviews").select("rating, comment, published_at").eq("id", customerReview).single();
    expect(publicRead.error).toBeNull();
    expect(publicRead.data).toMatchObject({ rating: 5, comment: "Tidy and quick" });

    const published = await customer.client.rpc("edit_review", { p_review_id: customerReview, p_rating: 1 });
    expect(published.status).toBe(409);
    expect(published.error?.code).toBe("HL718");

    const reputation = await stranger.client.from("user_reputation").select("role, rating_count, rating_sum, rating_avg, reputation_score")
      .eq("user_id", customer.id);
    expect(reputation.data).toEqual([{ role: "customer", rating_count: 1, rating_sum: 4, rating_avg: 4, reputation_score: 3.5833 }]);
    const notes = await customer.client.rpc("list_notifications");
    expect(notes.data!.some((n) => n.kind === "review.published" && (n.payload as { trade_id?: string }).trade_id === booking)).toBe(true);
  });

  it("the reviewed provider replies once", async () => {
    const reply = await provider.client.rpc("reply_to_review", { p_review_id: customerReview, p_reply: "Thank you!" });
    expect(reply.error).toBeNull();
    expect(reply.data).toMatchObject({ reply: "Thank you!", replied_by: provider.id });
    const again = await provider.client.rpc("reply_to_review", { p_review_id: customerReview, p_reply: "And again" });
    expect(again.status).toBe(409);
    expect(again.error?.code).toBe("HL720");
    const author = await customer.client.rpc("reply_to_review", { p_review_id: customerReview, p_reply: "Me too" });
    expect(author.status).toBe(403);
    expect(author.error?.code).toBe("HL719");
  });

  it("a lone review is published by the reveal job when the window ends", async () => {
    const lone = await completedBooking();
    const submitted = await customer.client.rpc("submit_review", { p_kind: "booking", p_trade_id: lone, p_rating: 3, p_comment: "OK" });
    expect(submitted.error).toBeNull();
    // Fifteen days later (moved back in time as a back office would), pg_cron's job runs.
    await sql`update public.bookings set completed_at = completed_at - interval '15 days' where id = ${lone}`;
    await sql`update public.reviews set window_ends_at = window_ends_at - interval '15 days' where trade_id = ${lone}`;
    const tooLate = await provider.client.rpc("submit_review", { p_kind: "booking", p_trade_id: lone, p_rating: 5 });
    expect(tooLate.status).toBe(409);
    expect(tooLate.error?.code).toBe("HL712");
    await sql`select private.publish_due_reviews()`;
    const [row] = await sql`select published_at from public.reviews where trade_id = ${lone}`;
    expect(row.published_at).not.toBeNull();
  });

  it("list_reviews pages the provider's published reviews, newest first, with the reply", async () => {
    const first = await stranger.client.rpc("list_reviews", { p_user_id: provider.id, p_limit: 1 });
    expect(first.error).toBeNull();
    expect(first.data).toHaveLength(1);
    const second = await stranger.client.rpc("list_reviews", { p_user_id: provider.id, p_limit: 1, p_after: first.data![0].cursor });
    expect(second.data).toHaveLength(1);
    const all = [...first.data!, ...second.data!];
    expect(all.map((r) => r.rating).sort()).toEqual([3, 5]);
    expect(all.find((r) => r.id === customerReview)).toMatchObject({ reply: "Thank you!", author_id: customer.id, comment: "Tidy and quick" });
    const third = await stranger.client.rpc("list_reviews", { p_user_id: provider.id, p_limit: 1, p_after: second.data![0].cursor });
    expect(third.data).toEqual([]);
  });

  it("discovery shows the new rating and sorts by the reputation score", async () => {
    const found = await stranger.client.rpc("search_providers_nearby", {
      p_lat: AT.lat, p_lng: AT.lng, p_radius_m: 500, p_sort: "rating",
    });
    expect(found.error).toBeNull();
    const me = found.data!.find((p) => p.provider_id === provider.id);
    // 5 + 3 stars: average 4, score (5 * 3.5 + 8) / (5 + 2) = 3.6429.
    expect(me).toMatchObject({ rating_count: 2, rating_avg: 4, reputation_score: 3.6429 });
    const filtered = await stranger.client.rpc("search_providers_nearby", {
      p_lat: AT.lat, p_lng: AT.lng, p_radius_m: 500, p_min_rating: 4.5,
    });
    expect(filtered.data!.some((p) => p.provider_id === provider.id)).toBe(false);
  });
});
