/**
 * Fees, one source of truth: the TypeScript arithmetic (functions/_shared/fees.ts) and the SQL
 * twin (private.fee_breakdown, cancellation_breakdown, allocate_refund, tip_amounts) agree, key
 * for key, on thousands of generated inputs sent to the database in one query each; and the
 * `quote` edge function through the gateway with supabase-js: each kind, the stored breakdown of a
 * booking equals what was quoted, and the error contract (400, 401, 403, 404, 409, 422).
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allocateRefund,
  type Breakdown,
  cancellationBreakdown,
  computeBreakdown,
  CURRENCY_EXPONENTS,
  type FeeInput,
  FeeError,
  MAX_AMOUNT,
  tipAmounts,
} from "../../functions/_shared/fees.ts";
import { feeInputs } from "../../functions/_shared/fees.arbitraries.ts";
import {
  actor,
  adminSql,
  anonClient,
  createBusiness,
  createCategory,
  createProvider,
  makeOffer,
  operator,
  postJob,
  startTimes,
  type Actor,
  type Client,
  type Provider,
} from "../support.ts";

const sql = adminSql();
const CASES = 5000;
const DUBAI = { lat: 25.2, lng: 55.27 };

const feeInput: fc.Arbitrary<FeeInput> = feeInputs({ vatRates: [0, 500, 1500], withScheduleId: true });

afterAll(async () => {
  await sql.end();
});

describe("fees: TypeScript and SQL agree", () => {
  it(`on ${CASES} generated breakdowns (every key, one query)`, async () => {
    const inputs = fc.sample(feeInput, { seed: 20261206, numRuns: CASES });
    const rows = await sql<{ b: Breakdown }[]>`
      select private.fee_breakdown(x) as b from jsonb_array_elements(${sql.json(inputs as never)}::jsonb) with ordinality t (x, n) order by n`;
    expect(rows).toHaveLength(CASES);
    let mismatches = 0;
    for (let i = 0; i < CASES; i++) {
      const ts = computeBreakdown(inputs[i]);
      if (!isDeepStrictEqual(rows[i].b, ts)) {
        mismatches++;
        expect(rows[i].b, JSON.stringify(inputs[i])).toEqual(ts);
      }
    }
    expect(mismatches).toBe(0);
    // Not a vacuous run: the cases cover both VAT modes, every exponent, promos that bite and tips.
    const ts = inputs.map(computeBreakdown);
    expect(new Set(ts.map((b) => b.exponent))).toEqual(new Set([0, 2, 3]));
    expect(ts.filter((b) => b.discount > 0).length).toBeGreaterThan(CASES / 10);
    expect(ts.filter((b) => b.prices_include_tax && b.subtotal_tax > 0).length).toBeGreaterThan(CASES / 10);
    expect(ts.filter((b) => !b.prices_include_tax && b.subtotal_tax > 0).length).toBeGreaterThan(CASES / 10);
    expect(ts.filter((b) => b.commission === b.rates.commission_min && b.commission > 0).length).toBeGreaterThan(0);
  });

  it("on cancellation fees, refund allocations and tips", async () => {
    const cases = fc.sample(
      fc.tuple(
        feeInput,
        fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(12.345, 33.335, 0.005)),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      { seed: 20261207, numRuns: 2000 },
    ).map(([input, pct, late, share]) => {
      const b = computeBreakdown(input);
      return { b, policy: { fee_percent: pct, free_until_minutes: 1440 }, late, refund: Math.floor(b.customer_total * share), tip: Math.min(MAX_AMOUNT, b.customer_total) };
    });
    const rows = await sql<{ c: unknown; r: unknown; t: unknown }[]>`
      select private.cancellation_breakdown(x -> 'b', x -> 'policy', (x ->> 'late')::boolean) as c,
             private.allocate_refund(x -> 'b', (x ->> 'refund')::bigint) as r,
             private.tip_amounts((x -> 'b' ->> 'currency')::char(3), (x ->> 'tip')::bigint) as t
        from jsonb_array_elements(${sql.json(cases as never)}::jsonb) with ordinality t (x, n) order by n`;
    for (let i = 0; i < cases.length; i++) {
      const { b, policy, late, refund, tip } = cases[i];
      expect(rows[i].c, JSON.stringify(cases[i])).toEqual(cancellationBreakdown(b, policy, late));
      expect(rows[i].r).toEqual(allocateRefund(b, refund));
      expect(rows[i].t).toEqual(tipAmounts(b.currency, tip));
    }
    expect(cases.filter((c) => c.late && c.policy.fee_percent > 0).length).toBeGreaterThan(500);
  });

  it("and refuse the same bad inputs with the same codes", async () => {
    const good = computeBreakdown({
      currency: "AED", prices_include_tax: true, vat_rate: 500, price: 100,
      rates: { commission_bps: 1, commission_min: 0, commission_max: null, service_fee_bps: 0, service_fee_fixed: 0, service_fee_max: null },
    });
    const base = { currency: "AED", prices_include_tax: true, vat_rate: 500, price: 100, rates: good.rates };
    const bad: unknown[] = [
      { ...base, currency: "XYZ" }, { ...base, price: -1 }, { ...base, price: 1.5 }, { ...base, price: MAX_AMOUNT + 1 },
      { ...base, vat_rate: 10001 }, { ...base, tip: -5 }, { ...base, prices_include_tax: "yes" },
      { ...base, rates: { ...base.rates, commission_bps: 10001 } }, { ...base, rates: { ...base.rates, commission_min: 5, commission_max: 4 } },
      { ...base, rates: { ...base.rates, service_fee_fixed: null } }, { ...base, promo: { code: "X", kind: "bogo" } },
      { ...base, promo: { code: "X", kind: "percent", percent_bps: 20000 } },
    ];
    for (const input of bad) {
      let tsCode = "ok";
      try {
        computeBreakdown(input as FeeInput);
      } catch (e) {
        tsCode = e instanceof FeeError ? e.code : String(e);
      }
      const sqlCode = await sql`select private.fee_breakdown(${sql.json(input as never)}::jsonb)`.then(() => "ok", (e) => e.code as string);
      expect(sqlCode, JSON.stringify(input)).toBe(tsCode);
      expect(tsCode).not.toBe("ok");
    }
  });
});

// ---- The quote function through the gateway ---------------------------------------------------

async function quote(client: Client, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const { data, error } = await client.functions.invoke("quote", { method: "POST", body: body as Record<string, unknown> });
  if (!error) return { status: 200, body: data as Record<string, any> };
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }
  throw error;
}

describe("quote (edge function)", () => {
  const nextStart = startTimes({ daysAhead: 5, stepHours: 2, utcHours: [4, 16] });
  let category: string;
  let provider: Provider;
  let customer: Actor;
  let staff: Actor;
  let stranger: Actor;
  let jobPro: Actor;

  beforeAll(async () => {
    category = await createCategory(sql, "it-money-quote", { en: "Window cleaning", ar: "تنظيف النوافذ" });
    const owner = await actor("quote.owner");
    staff = await actor("quote.staff");
    const business = await createBusiness(sql, owner, "Quote Co", { staff: [staff] });
    provider = await createProvider(sql, "quote.provider", {
      user: owner,
      at: DUBAI,
      hours: { opens: "00:00", closes: "24:00" },
      profile: { business_id: business, timezone: "UTC" },
      listings: [{ category_id: category, title: "Windows", pricing_unit: "fixed", base_price: 15000, currency: "AED", booking_mode: "instant" }],
    });
    customer = await actor("quote.customer");
    stranger = await actor("quote.stranger");
    jobPro = (await createProvider(sql, "quote.jobpro", { at: { lat: 25.21, lng: 55.28 } }));
    const admin = await operator(sql, "quote.admin");
    const saved = await admin.client.rpc("save_promo_code", {
      p_promo: { code: `GOODSONLY${process.pid}`, kind: "percent", percent_bps: 1000, trade_kinds: ["goods_discover"] },
    } as never);
    expect(saved.error).toBeNull();
    const saved2 = await admin.client.rpc("save_promo_code", {
      p_promo: { code: `TENOFF${process.pid}`, kind: "percent", percent_bps: 1000 },
    } as never);
    expect(saved2.error).toBeNull();
  });

  it("a listing slot: the schedule's breakdown, with and without a promo", async () => {
    const res = await quote(customer.client, { kind: "listing_slot", listing_id: provider.listing, start: nextStart() });
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe("listing_slot");
    expect(res.body.trade_kind).toBe("service_booking");
    expect(res.body.region_code).toBe("ae-dubai");
    expect(res.body.breakdown).toMatchObject({
      currency: "AED", exponent: 2, prices_include_tax: true, vat_rate: 500, price: 15000,
      subtotal_net: 14286, subtotal_tax: 714, customer_total: 15400, provider_payout: 12857, platform_revenue: 1810, tax: 733,
      discount: 0, promo_code: null,
    });
    const promo = await quote(customer.client, { kind: "listing_slot", listing_id: provider.listing, promo_code: `tenoff${process.pid}` });
    expect(promo.status).toBe(200);
    expect(promo.body.breakdown).toMatchObject({ discount: 1500, customer_total: 13900, provider_payout: 12857, promo_code: `TENOFF${process.pid}` });
  });

  it("a booking stores what was quoted; the booking kind returns it; a cancellation a month ahead is free", async () => {
    const quoted = await quote(customer.client, { kind: "listing_slot", listing_id: provider.listing });
    const booked = await customer.client.rpc("book_listing", { p_listing_id: provider.listing, p_start: nextStart() });
    expect(booked.error).toBeNull();
    const id = (booked.data as { id: string }).id;
    const stored = await customer.client.from("booking_charges").select("breakdown, customer_total").eq("booking_id", id).single();
    expect(stored.error).toBeNull();
    expect(stored.data!.breakdown).toEqual(quoted.body.breakdown);
    const b = await quote(customer.client, { kind: "booking", booking_id: id });
    expect(b.status).toBe(200);
    expect(b.body.breakdown).toEqual(stored.data!.breakdown);
    const asProvider = await quote(provider.client, { kind: "booking", booking_id: id });
    expect(asProvider.body.breakdown).toEqual(stored.data!.breakdown);
    const c = await quote(customer.client, { kind: "cancellation", booking_id: id });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ kind: "cancellation", late: false, fee_bps: 2500 });
    expect(c.body.breakdown.customer_total).toBe(0);

    // Staff never see the money (403); strangers do not see the booking (404).
    const s = await quote(staff.client, { kind: "booking", booking_id: id });
    expect([s.status, s.body.code]).toEqual([403, "HL002"]);
    const x = await quote(stranger.client, { kind: "cancellation", booking_id: id });
    expect([x.status, x.body.code]).toEqual([404, "HL400"]);

    // Cancelled: nothing left to cancel (409).
    const cancelled = await customer.client.rpc("transition_booking", { p_booking_id: id, p_transition: "cancel", p_reason: "changed my mind" });
    expect(cancelled.error).toBeNull();
    const again = await quote(customer.client, { kind: "cancellation", booking_id: id });
    expect([again.status, again.body.code]).toEqual([409, "HL402"]);
  });

  it("a job offer (job booking) and a goods sale", async () => {
    const job = await postJob(customer, { categoryId: category, at: { lat: 25.21, lng: 55.28 } });
    const offer = await makeOffer(jobPro, job.id, { price: 20000, start: nextStart() });
    const o = await quote(customer.client, { kind: "offer", offer_id: offer.id });
    expect(o.status).toBe(200);
    expect(o.body.trade_kind).toBe("job_booking");
    expect(o.body.breakdown).toMatchObject({ price: 20000, vat_rate: 500, customer_total: 20000 + 500 });
    expect((await quote(jobPro.client, { kind: "offer", offer_id: offer.id })).status).toBe(200);
    const so = await quote(stranger.client, { kind: "offer", offer_id: offer.id });
    expect([so.status, so.body.code]).toEqual([404, "HL310"]);

    const g = await quote(customer.client, { kind: "goods", price: 12345, currency: "KWD", feed: "discover" });
    expect(g.status).toBe(200);
    expect(g.body.trade_kind).toBe("goods_discover");
    expect(g.body.breakdown).toMatchObject({ currency: "KWD", exponent: 3, vat_rate: 0, price: 12345, service_fee_net: 0, commission: 5000 });
    const gd = await quote(customer.client, { kind: "goods", price: 10000, currency: "AED", feed: "community", ...DUBAI });
    expect(gd.body.breakdown).toMatchObject({ vat_rate: 500, subtotal_net: 9524, subtotal_tax: 476 });
  });

  it("errors: 400 field errors, 401, 404, 409, 422", async () => {
    const bad = await quote(customer.client, { kind: "goods", price: -5, currency: "AED", feed: "discover" });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("HL612");
    expect(bad.body.details[0].path).toEqual(["price"]);
    expect((await quote(customer.client, { kind: "goods", price: 5, currency: "DOGE", feed: "discover" })).body.code).toBe("HL600");
    expect((await quote(customer.client, { kind: "booking_change", booking_id: provider.listing })).body.code).toBe("HL004");
    expect((await quote(customer.client, { kind: "listing_slot", listing_id: "x" })).status).toBe(400);
    const anon = await quote(anonClient(), { kind: "goods", price: 5, currency: "AED", feed: "discover" });
    expect([anon.status, anon.body.code]).toEqual([401, "HL001"]);
    const missing = await quote(customer.client, { kind: "booking", booking_id: "00000000-0000-4000-8000-000000000000" });
    expect([missing.status, missing.body.code]).toEqual([404, "HL400"]);
    const noListing = await quote(customer.client, { kind: "listing_slot", listing_id: "00000000-0000-4000-8000-000000000000" });
    expect([noListing.status, noListing.body.code]).toEqual([404, "HL219"]);
    const notHere = await quote(customer.client, { kind: "listing_slot", listing_id: provider.listing, promo_code: `GOODSONLY${process.pid}` });
    expect([notHere.status, notHere.body.code]).toEqual([422, "HL605"]);
    const unknownCode = await quote(customer.client, { kind: "listing_slot", listing_id: provider.listing, promo_code: "NO-SUCH-CODE" });
    expect([unknownCode.status, unknownCode.body.code]).toEqual([404, "HL601"]);
  });
});

describe("promo codes under concurrency (through the Data API)", () => {
  const nextStart = startTimes({ daysAhead: 9, stepHours: 2, utcHours: [4, 16] });
  let provider: Provider;

  beforeAll(async () => {
    const category = await createCategory(sql, "it-money-promo", { en: "Gutter cleaning", ar: "تنظيف المزاريب" });
    provider = await createProvider(sql, "promo.provider", {
      at: DUBAI,
      hours: { opens: "00:00", closes: "24:00" },
      profile: { timezone: "UTC" },
      listings: [{ category_id: category, title: "Gutters", pricing_unit: "fixed", base_price: 20000, currency: "AED", booking_mode: "instant" }],
    });
    const admin = await operator(sql, "promo.admin");
    for (const p of [
      { code: `ONCE${process.pid}`, kind: "percent", percent_bps: 500, max_uses: 1 },
      { code: `MINE${process.pid}`, kind: "fixed", amount_off: 1000, currency: "AED", max_uses_per_user: 1 },
    ]) {
      const { error } = await admin.client.rpc("save_promo_code", { p_promo: p } as never);
      expect(error).toBeNull();
    }
  });

  async function book(customer: Actor): Promise<string> {
    const { data, error } = await customer.client.rpc("book_listing", { p_listing_id: provider.listing, p_start: nextStart() });
    expect(error).toBeNull();
    return (data as { id: string }).id;
  }

  it("a code with one use left: of 6 customers applying it at once, exactly one gets it (the others HL603)", async () => {
    const customers = await Promise.all(Array.from({ length: 6 }, (_, i) => actor(`promo.once.${i}`)));
    const bookings: string[] = [];
    for (const c of customers) bookings.push(await book(c));
    const results = await Promise.all(customers.map((c, i) =>
      c.client.rpc("apply_booking_promo_code", { p_booking_id: bookings[i], p_code: `once${process.pid}` })
    ));
    expect(results.filter((r) => r.error === null)).toHaveLength(1);
    expect(results.filter((r) => r.error !== null).map((r) => r.error!.code)).toEqual(Array(5).fill("HL603"));
    const [{ n }] = await sql`select count(*)::int as n from public.promo_redemptions r join public.promo_codes p on p.id = r.promo_code_id
                                where p.code = ${`ONCE${process.pid}`}`;
    expect(n).toBe(1);
  });

  it("once per person: one customer applying it to 4 bookings at once gets it once (the others HL604)", async () => {
    const customer = await actor("promo.mine");
    const bookings: string[] = [];
    for (let i = 0; i < 4; i++) bookings.push(await book(customer));
    const results = await Promise.all(bookings.map((b) =>
      customer.client.rpc("apply_booking_promo_code", { p_booking_id: b, p_code: `MINE${process.pid}` })
    ));
    expect(results.filter((r) => r.error === null)).toHaveLength(1);
    expect(results.filter((r) => r.error !== null).map((r) => r.error!.code)).toEqual(Array(3).fill("HL604"));
    const won = results.find((r) => r.error === null)!.data as { discount: number; customer_total: number; provider_payout: number };
    expect(won.discount).toBe(1000);
    const charges = await customer.client.from("booking_charges").select("discount").in("booking_id", bookings);
    expect(charges.data!.map((c) => c.discount).sort()).toEqual([0, 0, 0, 1000]);
  });
});
