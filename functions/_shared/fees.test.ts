/**
 * Property tests of the fee arithmetic (fast-check, fixed seeds so a failure reproduces): the
 * invariants of docs/money.md over random schedules, prices, currencies (0, 2 and 3 decimals), VAT
 * modes, promo codes, tips, cancellations and refunds; plus worked examples.
 */
import fc from "fast-check";
import {
  allocateRefund,
  type Breakdown,
  cancellationBreakdown,
  computeBreakdown,
  CURRENCY_EXPONENTS,
  FeeError,
  type FeeInput,
  formatMinor,
  MAX_AMOUNT,
  percentToBps,
  rdiv,
  tipAmounts,
} from "./fees.ts";
import { amount, feeInputs } from "./fees.arbitraries.ts";
import { assert, assertEquals } from "./testing.ts";

const RUNS = 3000;
export const feeInput: fc.Arbitrary<FeeInput> = feeInputs();

const AMOUNT_KEYS = [
  "price",
  "subtotal_net",
  "subtotal_tax",
  "service_fee_net",
  "service_fee_tax",
  "commission",
  "discount",
  "tip",
  "customer_total",
  "provider_payout",
  "platform_revenue",
  "tax",
] as const;

/** |a/b - x| <= 1/2, i.e. x is a/b rounded to the nearest unit (exact in BigInt). */
function withinHalf(x: number, a: bigint, b: bigint): boolean {
  const d = 2n * BigInt(x) * b - 2n * a;
  return (d < 0n ? -d : d) <= b;
}

function checkInvariants(input: FeeInput, b: Breakdown): void {
  for (const k of AMOUNT_KEYS) {
    assert(Number.isSafeInteger(b[k]) && b[k] >= 0, `${k} = ${b[k]} must be a non-negative safe integer`);
  }
  assertEquals(
    b.customer_total,
    b.provider_payout + b.platform_revenue + b.tax,
    "customer_total = payout + revenue + tax",
  );
  assertEquals(b.exponent, CURRENCY_EXPONENTS[input.currency]);
  const tip = input.tip ?? 0;
  assertEquals(b.tip, tip);
  // Tip: 100 % to the provider, no commission.
  assertEquals(b.provider_payout, b.subtotal_net - b.commission + tip);
  // Commission within [min, max] and never above the net price.
  const r = input.rates;
  assert(b.commission <= b.subtotal_net, "commission <= subtotal_net");
  if (b.commission < b.subtotal_net) {
    assert(b.commission >= r.commission_min, "commission >= min");
  }
  if (r.commission_max !== null) assert(b.commission <= r.commission_max, "commission <= max");
  // Discount funded by the platform: never more than its share, the payout untouched.
  assert(b.discount <= b.commission + b.service_fee_net, "discount <= platform share");
  // Tax lines: net + tax = price exactly when entered with VAT; each line off by at most 1/2 unit.
  const vat = BigInt(input.vat_rate);
  const p = BigInt(input.price);
  if (input.prices_include_tax) {
    assertEquals(b.subtotal_net + b.subtotal_tax, input.price, "net + tax = price");
    assert(withinHalf(b.subtotal_net, p * 10000n, 10000n + vat), "net within half a unit of price/(1+vat)");
    // So the tax line's residue is at most half a unit too, and it is where the residue lands.
    assert(withinHalf(b.subtotal_tax, p * vat, 10000n + vat), "tax within half a unit of exact");
  } else {
    assertEquals(b.subtotal_net, input.price);
    assert(withinHalf(b.subtotal_tax, p * vat, 10000n), "tax within half a unit of exact");
  }
  assertEquals(b.tax, b.subtotal_tax + b.service_fee_tax);
  // Sum of rounded lines vs the exact total: at most 1 minor unit per rounded line pair.
  const exactGross = input.prices_include_tax ? p : p * (10000n + vat);
  const exactDen = input.prices_include_tax ? 1n : 10000n;
  assert(withinHalf(b.subtotal_net + b.subtotal_tax, exactGross, exactDen), "gross subtotal within half a unit");
  assertEquals(b.promo_code, input.promo?.code ?? null);
}

Deno.test("rdiv rounds half away from zero (non-negative inputs)", () => {
  assertEquals(rdiv(5n, 2n), 3n);
  assertEquals(rdiv(4n, 2n), 2n);
  assertEquals(rdiv(7n, 4n), 2n); // 1.75
  assertEquals(rdiv(5n, 4n), 1n); // 1.25
  assertEquals(rdiv(0n, 7n), 0n);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 17n }), fc.bigInt({ min: 1n, max: 10n ** 5n }), (a, b) => {
      const q = rdiv(a, b);
      // q is the nearest integer, ties up: q - 1/2 <= a/b < q + 1/2
      return 2n * a >= (2n * q - 1n) * b && 2n * a < (2n * q + 1n) * b;
    }),
    { seed: 11, numRuns: RUNS },
  );
});

Deno.test("property: every breakdown keeps the invariants", () => {
  fc.assert(
    fc.property(feeInput, (input) => {
      checkInvariants(input, computeBreakdown(input));
    }),
    { seed: 1101, numRuns: RUNS * 3 },
  );
});

Deno.test("property: a promo never lowers the payout or the tax, and saves the customer exactly the discount", () => {
  fc.assert(
    fc.property(feeInput, (input) => {
      const without = computeBreakdown({ ...input, promo: null });
      const withPromo = computeBreakdown(input);
      assertEquals(withPromo.provider_payout, without.provider_payout);
      assertEquals(withPromo.tax, without.tax);
      assertEquals(without.customer_total - withPromo.customer_total, withPromo.discount);
      assertEquals(without.platform_revenue - withPromo.platform_revenue, withPromo.discount);
    }),
    { seed: 1102, numRuns: RUNS },
  );
});

Deno.test("property: tips go entirely to the provider", () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(CURRENCY_EXPONENTS)), amount(), (currency, tip) => {
      const b = tipAmounts(currency, tip);
      checkInvariants({ currency, prices_include_tax: true, vat_rate: 0, price: 0, tip, rates: b.rates }, b);
      assertEquals([b.customer_total, b.provider_payout, b.platform_revenue, b.tax, b.commission], [tip, tip, 0, 0, 0]);
    }),
    { seed: 1103, numRuns: RUNS },
  );
  fc.assert(
    fc.property(feeInput, amount(), (input, tip) => {
      const a = computeBreakdown({ ...input, tip: 0 });
      const b = computeBreakdown({ ...input, tip });
      assertEquals(b.provider_payout - a.provider_payout, tip);
      assertEquals(b.customer_total - a.customer_total, tip);
      assertEquals([b.commission, b.platform_revenue, b.tax], [a.commission, a.platform_revenue, a.tax]);
    }),
    { seed: 1104, numRuns: RUNS },
  );
});

Deno.test("property: refunds split exactly, proportionally, largest remainder", () => {
  const withRefund = feeInput.chain((input) => {
    const b = computeBreakdown(input);
    return fc.tuple(fc.constant(b), fc.integer({ min: 0, max: b.customer_total }));
  });
  fc.assert(
    fc.property(withRefund, ([b, refund]) => {
      const a = allocateRefund(b, refund);
      assertEquals(a.provider_payout + a.platform_revenue + a.tax, refund, "parts sum to the refund");
      for (const k of ["provider_payout", "platform_revenue", "tax"] as const) {
        assert(a[k] >= 0 && a[k] <= b[k], `${k} within 0..${b[k]}`);
        // Each part is its exact share rounded down or up: |part - share| < 1.
        const exact2 = BigInt(b[k]) * BigInt(refund);
        const diff = BigInt(a[k]) * BigInt(b.customer_total || 1) - exact2;
        assert(
          b.customer_total === 0 || (diff > -BigInt(b.customer_total) && diff < BigInt(b.customer_total)),
          `${k} off by < 1`,
        );
      }
      if (refund === b.customer_total) {
        assertEquals([a.provider_payout, a.platform_revenue, a.tax], [b.provider_payout, b.platform_revenue, b.tax]);
      }
    }),
    { seed: 1105, numRuns: RUNS },
  );
  const b = computeBreakdown({
    currency: "AED",
    prices_include_tax: true,
    vat_rate: 500,
    price: 10000,
    rates: {
      commission_bps: 1000,
      commission_min: 0,
      commission_max: null,
      service_fee_bps: 0,
      service_fee_fixed: 0,
      service_fee_max: null,
    },
  });
  let thrown: unknown;
  try {
    allocateRefund(b, b.customer_total + 1);
  } catch (e) {
    thrown = e;
  }
  assert(thrown instanceof FeeError && thrown.code === "HL613", "a refund above the total is HL613");
});

Deno.test("property: cancellation fees keep the invariants; zero when not late; no service fee", () => {
  fc.assert(
    fc.property(
      feeInput,
      fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })),
      fc.boolean(),
      (input, pct, late) => {
        const b = computeBreakdown({ ...input, promo: null, tip: 0 });
        const c = cancellationBreakdown(b, { fee_percent: pct }, late);
        checkInvariants({ ...input, price: c.price, tip: 0, promo: null }, c);
        assertEquals(c.service_fee_net + c.service_fee_tax + c.discount + c.tip, 0);
        assert(c.price <= b.price, "the fee is at most the price");
        if (!late) assertEquals(c.customer_total, 0);
        assertEquals(c.late, late);
      },
    ),
    { seed: 1106, numRuns: RUNS },
  );
});

Deno.test("percentToBps reads the decimal as written", () => {
  assertEquals(percentToBps(25), 2500);
  assertEquals(percentToBps(12.5), 1250);
  assertEquals(percentToBps(12.345), 1235); // 12.345 * 100 is 1234.4999… in binary floating point
  assertEquals(percentToBps(0.004), 0);
  assertEquals(percentToBps(0.005), 1);
  assertEquals(percentToBps(1e-7), 0);
  assertEquals(percentToBps(100), 10000);
});

Deno.test("worked examples (docs/money.md)", () => {
  const dubaiRates = {
    commission_bps: 1000,
    commission_min: 500,
    commission_max: 50000,
    service_fee_bps: 200,
    service_fee_fixed: 100,
    service_fee_max: 2500,
  };
  // AED 150.00 entered with 5 % VAT.
  const aed = computeBreakdown({
    currency: "AED",
    prices_include_tax: true,
    vat_rate: 500,
    price: 15000,
    rates: dubaiRates,
  });
  assertEquals(
    [aed.subtotal_net, aed.subtotal_tax, aed.service_fee_net, aed.service_fee_tax, aed.commission],
    [14286, 714, 381, 19, 1429],
  );
  assertEquals([aed.customer_total, aed.provider_payout, aed.platform_revenue, aed.tax], [15400, 12857, 1810, 733]);
  assertEquals(formatMinor(aed.customer_total, "AED"), "154.00");
  // The same with a 50 % code: capped at the platform's share (commission + service fee net).
  const promo = computeBreakdown({
    currency: "AED",
    prices_include_tax: true,
    vat_rate: 500,
    price: 15000,
    rates: dubaiRates,
    promo: { code: "HALF", kind: "percent", percent_bps: 5000 },
  });
  assertEquals([promo.discount, promo.customer_total, promo.platform_revenue, promo.provider_payout], [
    1810,
    13590,
    0,
    12857,
  ]);
  // KWD 12.345 (3 decimals) with VAT added on top.
  const kwd = computeBreakdown({
    currency: "KWD",
    prices_include_tax: false,
    vat_rate: 500,
    price: 12345,
    rates: { ...dubaiRates, commission_min: 1000, commission_max: null, service_fee_fixed: 0, service_fee_max: null },
  });
  assertEquals([kwd.subtotal_tax, kwd.service_fee_net, kwd.service_fee_tax, kwd.commission], [617, 247, 12, 1235]);
  assertEquals(formatMinor(kwd.customer_total, "KWD"), "13.221");
  // JPY 1,999 (no decimals), 10 % VAT included.
  const jpy = computeBreakdown({
    currency: "JPY",
    prices_include_tax: true,
    vat_rate: 1000,
    price: 1999,
    rates: { ...dubaiRates, commission_min: 0, service_fee_fixed: 0 },
  });
  assertEquals([jpy.subtotal_net, jpy.subtotal_tax, jpy.commission], [1817, 182, 182]);
  assertEquals(formatMinor(jpy.customer_total, "JPY"), String(jpy.customer_total));
});

Deno.test("bad inputs carry the SQL twin's error codes", () => {
  const base: FeeInput = {
    currency: "AED",
    prices_include_tax: true,
    vat_rate: 500,
    price: 100,
    rates: {
      commission_bps: 0,
      commission_min: 0,
      commission_max: null,
      service_fee_bps: 0,
      service_fee_fixed: 0,
      service_fee_max: null,
    },
  };
  const codeOf = (input: FeeInput) => {
    try {
      computeBreakdown(input);
      return "ok";
    } catch (e) {
      return e instanceof FeeError ? e.code : String(e);
    }
  };
  assertEquals(codeOf(base), "ok");
  assertEquals(codeOf({ ...base, currency: "XYZ" }), "HL600");
  assertEquals(codeOf({ ...base, currency: "toString" }), "HL600");
  assertEquals(codeOf({ ...base, price: -1 }), "HL612");
  assertEquals(codeOf({ ...base, price: 1.5 }), "HL612");
  assertEquals(codeOf({ ...base, price: MAX_AMOUNT + 1 }), "HL612");
  assertEquals(codeOf({ ...base, vat_rate: 10001 }), "HL612");
  assertEquals(codeOf({ ...base, rates: { ...base.rates, commission_bps: 10001 } }), "HL609");
  assertEquals(codeOf({ ...base, rates: { ...base.rates, commission_min: 10, commission_max: 5 } }), "HL609");
  assertEquals(codeOf({ ...base, promo: { code: "X", kind: "bogus" as "fixed" } }), "HL611");
});
