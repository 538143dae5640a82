/**
 * The assistant edge function through the gateway with supabase-js: a description becomes a
 * category, a title, a duration and a budget range, and the range comes from the completed
 * bookings of that category near the place — it changes when they change. Also the fallbacks
 * (no place → whole category), Arabic, and the error contract (401, 400, 422).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { actor, adminSql, anonClient, bookInState, createCategory, createProvider, startTimes, type Actor, type Client, type Provider } from "../support.ts";

const sql = adminSql();
// Far from the seeded Dubai providers, so only this file's bookings are nearby.
const SITE = { lat: 24.3, lng: 52.6 };
const nextStart = startTimes({ daysAhead: 3, stepHours: 2, utcHours: [4, 16] });
// A word no other category uses (one per run), in both languages' keyword lists.
const WORD = `zorvak${process.pid}`;
const AR_WORD = "قيثارةزرقاء";

let category: string;
let provider: Provider;
let customer: Actor;
let listings: Record<number, string> = {};

async function ask(client: Client, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const { data, error } = await client.functions.invoke("assistant", { method: "POST", body: body as Record<string, unknown> });
  if (!error) return { status: 200, body: data as Record<string, any> };
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }
  throw error;
}

/** PostgreSQL's percentile_cont, rounded as round() does. */
function percentile(values: number[], p: number): number {
  const a = [...values].sort((x, y) => x - y);
  const pos = p * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return Math.round(a[lo] + (a[hi] - a[lo]) * (pos - lo));
}

/** A completed booking of the listing priced `price`, through the apps' RPCs; returns its price. */
async function completedBooking(price: number): Promise<number> {
  const row = await bookInState({ customer, provider, listing: listings[price], start: nextStart(), place: SITE }, "completed");
  expect(row.status).toBe("completed");
  return Number(row.price);
}

beforeAll(async () => {
  category = await createCategory(sql, "it-assistant", { en: "Harp tuning", ar: "ضبط القيثارة" });
  await sql`insert into private.category_keywords (category_id, locale, keyword)
            values (${category}, 'en', ${WORD}), (${category}, 'ar', ${AR_WORD})`;
  const prices = [10000, 20000, 30000, 90000];
  provider = await createProvider(sql, "assistant.provider", {
    at: SITE,
    hours: { opens: "00:00", closes: "24:00" },
    listings: prices.map((p) => ({
      category_id: category, title: `Tuning ${p}`, pricing_unit: "fixed", base_price: p, currency: "AED",
      duration_minutes: 90, booking_mode: "instant",
    })),
  });
  listings = Object.fromEntries(prices.map((p, i) => [p, provider.listings[i]]));
  customer = await actor("assistant.customer");
});

afterAll(async () => {
  await sql.end();
});

describe("assistant", () => {
  it("draws the budget range from the completed bookings nearby, and follows them when they change", async () => {
    // Thin data first: no bookings yet → the listings' prices.
    const before = await ask(customer.client, { description: `Need my ${WORD} looked at`, lat: SITE.lat, lng: SITE.lng });
    expect(before.status).toBe(200);
    expect(before.body.category).toMatchObject({ id: category, name: "Harp tuning" });
    expect(before.body.budget).toMatchObject({ basis: "listings", sample_size: 4, currency: "AED" });

    const first = [await completedBooking(10000), await completedBooking(20000), await completedBooking(30000)];
    const a = await ask(customer.client, { description: `Need my ${WORD} looked at`, lat: SITE.lat, lng: SITE.lng });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      locale: "en",
      category: { id: category, name: "Harp tuning", parent_id: null },
      title: `My ${WORD} looked at`,
      duration_minutes: 90,
      duration_basis: "bookings",
      budget: {
        basis: "nearby", radius_m: 10000, sample_size: 3, currency: "AED",
        min: percentile(first, 0.25), median: percentile(first, 0.5), max: percentile(first, 0.75),
      },
      source: "heuristic",
    });
    expect(a.body.budget).toMatchObject({ min: 15000, median: 20000, max: 25000 });

    // Two more, dearer jobs: the range moves up with them.
    const all = [...first, await completedBooking(90000), await completedBooking(90000)];
    const b = await ask(customer.client, { description: `Need my ${WORD} looked at`, lat: SITE.lat, lng: SITE.lng });
    expect(b.body.budget).toMatchObject({
      basis: "nearby", sample_size: 5,
      min: percentile(all, 0.25), median: percentile(all, 0.5), max: percentile(all, 0.75),
    });
    expect(b.body.budget.max).toBeGreaterThan(a.body.budget.max);

    // No place: the whole category (the same bookings here); far away: the whole category too.
    const anywhere = await ask(customer.client, { description: `${WORD} please` });
    expect(anywhere.body.budget).toMatchObject({ basis: "category", radius_m: null, sample_size: 5 });
    const far = await ask(customer.client, { description: `${WORD} please`, lat: SITE.lat + 3, lng: SITE.lng });
    expect(far.body.budget).toMatchObject({ basis: "category", sample_size: 5 });
  });

  it("understands Arabic: detected locale, Arabic names, normalised keywords", async () => {
    const res = await ask(customer.client, { description: `أحتاج إلى ضبط ${AR_WORD.replace("ة", "ه")} في البيت` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ locale: "ar", category: { id: category, name: "ضبط القيثارة" }, source: "heuristic" });
  });

  it("refuses misuse with specific codes: no user 401, bad input 400, nothing recognisable 422", async () => {
    const anon = await ask(anonClient(), { description: `${WORD} please` });
    expect([anon.status, anon.body.code]).toEqual([401, "HL001"]);
    const cases: Array<[unknown, number, string]> = [
      [{ description: "ab" }, 400, "HL340"],
      [{ description: `${WORD} please`, locale: "fr" }, 400, "HL341"],
      [{ description: `${WORD} please`, lat: 95, lng: 55 }, 400, "HL200"],
      [{ description: `${WORD} please`, lat: 25 }, 400, "HL008"],
      [{ description: `${WORD} please`, budget: 1 }, 400, "HL004"],
      [{ description: "the meaning of life, the universe and everything" }, 422, "HL342"],
    ];
    for (const [body, status, code] of cases) {
      const res = await ask(customer.client, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([status, code]);
      expect(typeof res.body.message).toBe("string");
    }
  });

  it("rate-limits per user with the database limiter (429 HL006 passes through)", async () => {
    const spammer = await actor("assistant.spammer");
    // Spend the user's window directly in the limiter's log, as 30 earlier requests would have.
    await sql`insert into private.rate_limit_hits (key, hit_at, expires_at)
              select ${`assistant:${spammer.id}`}, now(), now() + interval '1 hour' from generate_series(1, 30)`;
    const res = await ask(spammer.client, { description: `${WORD} please` });
    expect([res.status, res.body.code]).toEqual([429, "HL006"]);
    expect(JSON.parse(res.body.details)).toMatchObject({ limit: 30, window_seconds: 3600 });
  });
});
