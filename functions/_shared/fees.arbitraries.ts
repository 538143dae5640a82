/**
 * fast-check generators of fee inputs, shared by the property tests of fees.ts (Deno) and the
 * TS/SQL agreement test (vitest, tests/integration/money-quote.test.ts). "fast-check" resolves
 * through the import map in Deno and node_modules in Node.
 */
import fc from "fast-check";
import { CURRENCY_EXPONENTS, type FeeInput, MAX_AMOUNT } from "./fees.ts";

/** Minor-unit amounts, biased to small values and the bounds. */
export const amount = (maxValue = MAX_AMOUNT): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 0, max: 10_000_000 }),
    fc.constant(maxValue),
    fc.integer({ min: 0, max: maxValue }),
  );

/** Basis points 0..10000, with both bounds often. */
export const bps: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.constant(10000),
  fc.integer({ min: 0, max: 10000 }),
);

/** Any valid fee input: schedule rates, currency and VAT mode, price, tip, optional promo. */
export function feeInputs(options: { vatRates?: number[]; withScheduleId?: boolean } = {}): fc.Arbitrary<FeeInput> {
  const vatRates = options.vatRates ?? [0, 500, 1500, 2000];
  return fc
    .record({
      currency: fc.constantFrom(...Object.keys(CURRENCY_EXPONENTS)),
      prices_include_tax: fc.boolean(),
      vat_rate: fc.oneof(fc.constantFrom(...vatRates), bps),
      price: amount(),
      tip: fc.option(amount(), { nil: null }),
      schedule_id: options.withScheduleId ? fc.option(fc.uuid(), { nil: null }) : fc.constant(null),
      commission_bps: bps,
      commission_min: amount(100_000),
      commission_extra: fc.option(amount(), { nil: null }),
      service_fee_bps: bps,
      service_fee_fixed: amount(100_000),
      service_fee_max: fc.option(amount(1_000_000), { nil: null }),
      promo: fc.option(
        fc.record({
          code: fc.constantFrom("WELCOME10", "save5", "Eid-2026"),
          kind: fc.constantFrom("percent" as const, "fixed" as const),
          percent_bps: fc.integer({ min: 1, max: 10000 }),
          amount_off: fc.integer({ min: 1, max: 10_000_000 }),
          max_discount: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: null }),
          min_order: fc.option(amount(10_000_000), { nil: null }),
        }),
        { nil: null },
      ),
    })
    .map((r) => ({
      currency: r.currency,
      prices_include_tax: r.prices_include_tax,
      vat_rate: r.vat_rate,
      price: r.price,
      tip: r.tip,
      schedule_id: r.schedule_id,
      rates: {
        commission_bps: r.commission_bps,
        commission_min: r.commission_min,
        commission_max: r.commission_extra === null
          ? null
          : Math.min(MAX_AMOUNT, r.commission_min + r.commission_extra),
        service_fee_bps: r.service_fee_bps,
        service_fee_fixed: r.service_fee_fixed,
        service_fee_max: r.service_fee_max,
      },
      promo: r.promo === null ? null : {
        code: r.promo.code,
        kind: r.promo.kind,
        percent_bps: r.promo.kind === "percent" ? r.promo.percent_bps : null,
        amount_off: r.promo.kind === "fixed" ? r.promo.amount_off : null,
        max_discount: r.promo.max_discount,
        min_order: r.promo.min_order,
      },
    }));
}
