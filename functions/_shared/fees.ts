/**
 * The fee arithmetic: one source of truth, twice. This file is the TypeScript half; the SQL half is
 * `private.fee_breakdown`, `private.cancellation_breakdown`, `private.allocate_refund` and
 * `private.tip_amounts` (supabase/migrations/20261121000900_money_fees.sql, …0910_money_quotes.sql).
 * tests/integration/money-quote.test.ts proves both give the same result, key for key, on thousands
 * of generated inputs; functions/_shared/fees.test.ts proves the invariants with fast-check.
 *
 * Pure: no Deno or Node APIs, no imports, so the same file runs in the `quote` edge function, in
 * Deno tests and in vitest.
 *
 * Numbers: amounts are integer minor units, passed and returned as JavaScript numbers that must be
 * safe integers (prices, tips and fixed fees 0..10^12, far below 2^53); every product and division
 * is done in BigInt, so intermediate values (up to 10^16) are exact. Rates are integer basis
 * points (10000 = 100 %).
 *
 * Rounding: one rule, half away from zero, applied once to each computed line: rdiv(a, b) =
 * (2a + b) div 2b for a >= 0, b > 0. A price entered with VAT splits as net = rdiv(price * 10000,
 * 10000 + vat) and tax = price - net, so net + tax = price exactly (the residue, at most one minor
 * unit, lands on the tax line).
 */

export const MAX_AMOUNT = 1_000_000_000_000;

/** ISO 4217 exponents of the currencies money accepts (private.currency_exponent). */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SAR: 2,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
});

export type TradeKind = "service_booking" | "job_booking" | "goods_discover" | "goods_community";

export interface Rates {
  commission_bps: number;
  commission_min: number;
  commission_max: number | null;
  service_fee_bps: number;
  service_fee_fixed: number;
  service_fee_max: number | null;
}

export interface PromoInput {
  code: string;
  kind: "percent" | "fixed";
  percent_bps?: number | null;
  amount_off?: number | null;
  max_discount?: number | null;
  min_order?: number | null;
}

/** The input of computeBreakdown and of private.fee_breakdown (same JSON). */
export interface FeeInput {
  currency: string;
  prices_include_tax: boolean;
  /** VAT in basis points (500 = 5 %). */
  vat_rate: number;
  /** The price as entered (with VAT when prices_include_tax), minor units. */
  price: number;
  tip?: number | null;
  schedule_id?: string | null;
  rates: Rates;
  promo?: PromoInput | null;
}

export interface Breakdown {
  currency: string;
  exponent: number;
  prices_include_tax: boolean;
  vat_rate: number;
  price: number;
  subtotal_net: number;
  subtotal_tax: number;
  service_fee_net: number;
  service_fee_tax: number;
  commission: number;
  discount: number;
  tip: number;
  customer_total: number;
  provider_payout: number;
  platform_revenue: number;
  tax: number;
  schedule_id: string | null;
  promo_code: string | null;
  rates: Rates;
}

export interface CancellationBreakdown extends Breakdown {
  late: boolean;
  fee_bps: number;
}

export interface RefundAllocation {
  currency: string;
  refund: number;
  provider_payout: number;
  platform_revenue: number;
  tax: number;
}

/** A bad input, with the error code the SQL twin raises for it. */
export class FeeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "FeeError";
    this.code = code;
  }
}

/** Half away from zero for a >= 0, b > 0. */
export function rdiv(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

function int(value: unknown, key: string, lo: number, hi: number, code: string): bigint;
function int(value: unknown, key: string, lo: number, hi: number, code: string, nullable: true): bigint | null;
function int(value: unknown, key: string, lo: number, hi: number, code: string, nullable = false): bigint | null {
  if (value === undefined || value === null) {
    if (nullable) return null;
    throw new FeeError(code, `${key} is required`);
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi) {
    throw new FeeError(code, `${key} must be a whole number from ${lo} to ${hi}`);
  }
  return BigInt(value);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** net and tax of an amount entered in the region's mode. */
function split(amount: bigint, inclusive: boolean, vat: bigint): [bigint, bigint] {
  if (inclusive) {
    const net = rdiv(amount * 10000n, 10000n + vat);
    return [net, amount - net];
  }
  return [amount, rdiv(amount * vat, 10000n)];
}

/** The breakdown of one trade (private.fee_breakdown). */
export function computeBreakdown(input: FeeInput): Breakdown {
  const exponent = CURRENCY_EXPONENTS[input.currency as string];
  if (exponent === undefined || !Object.hasOwn(CURRENCY_EXPONENTS, input.currency)) {
    throw new FeeError("HL600", `currency ${input.currency ?? "missing"}`);
  }
  if (typeof input.prices_include_tax !== "boolean") {
    throw new FeeError("HL612", "prices_include_tax must be true or false");
  }
  const inclusive = input.prices_include_tax;
  const vat = int(input.vat_rate, "vat_rate", 0, 10000, "HL612");
  const price = int(input.price, "price", 0, MAX_AMOUNT, "HL612");
  const tip = int(input.tip, "tip", 0, MAX_AMOUNT, "HL612", true) ?? 0n;
  const r = input.rates ?? ({} as Rates);
  const cBps = int(r.commission_bps, "commission_bps", 0, 10000, "HL609");
  const cMin = int(r.commission_min, "commission_min", 0, MAX_AMOUNT, "HL609");
  const cMax = int(r.commission_max, "commission_max", 0, MAX_AMOUNT, "HL609", true);
  const sBps = int(r.service_fee_bps, "service_fee_bps", 0, 10000, "HL609");
  const sFixed = int(r.service_fee_fixed, "service_fee_fixed", 0, MAX_AMOUNT, "HL609");
  const sMax = int(r.service_fee_max, "service_fee_max", 0, MAX_AMOUNT, "HL609", true);
  if (cMax !== null && cMax < cMin) throw new FeeError("HL609", "commission_max must be at least commission_min");

  const [net, tax] = split(price, inclusive, vat);
  let sf = rdiv(price * sBps, 10000n) + sFixed;
  if (sMax !== null) sf = min(sf, sMax);
  const [sfNet, sfTax] = split(sf, inclusive, vat);
  let commission = max(rdiv(net * cBps, 10000n), cMin);
  if (cMax !== null) commission = min(commission, cMax);
  commission = min(commission, net);

  let discount = 0n;
  const promo = input.promo ?? null;
  if (promo !== null) {
    const order = net + tax;
    if (order >= (int(promo.min_order, "min_order", 0, MAX_AMOUNT, "HL611", true) ?? 0n)) {
      if (promo.kind === "percent") {
        discount = rdiv(order * int(promo.percent_bps, "percent_bps", 0, 10000, "HL611"), 10000n);
      } else if (promo.kind === "fixed") {
        discount = int(promo.amount_off, "amount_off", 0, MAX_AMOUNT, "HL611");
      } else {
        throw new FeeError("HL611", "promo kind must be percent or fixed");
      }
      const cap = int(promo.max_discount, "max_discount", 0, MAX_AMOUNT, "HL611", true);
      if (cap !== null) discount = min(discount, cap);
      discount = min(discount, commission + sfNet);
    }
  }

  const n = Number;
  return {
    currency: input.currency,
    exponent,
    prices_include_tax: inclusive,
    vat_rate: n(vat),
    price: n(price),
    subtotal_net: n(net),
    subtotal_tax: n(tax),
    service_fee_net: n(sfNet),
    service_fee_tax: n(sfTax),
    commission: n(commission),
    discount: n(discount),
    tip: n(tip),
    customer_total: n(net + tax + sfNet + sfTax - discount + tip),
    provider_payout: n(net - commission + tip),
    platform_revenue: n(commission + sfNet - discount),
    tax: n(tax + sfTax),
    schedule_id: input.schedule_id ?? null,
    promo_code: promo === null ? null : promo.code ?? null,
    rates: {
      commission_bps: n(cBps),
      commission_min: n(cMin),
      commission_max: cMax === null ? null : n(cMax),
      service_fee_bps: n(sBps),
      service_fee_fixed: n(sFixed),
      service_fee_max: sMax === null ? null : n(sMax),
    },
  };
}

/** A tip: all of it to the provider, no commission, no tax (private.tip_amounts). */
export function tipAmounts(currency: string, tip: number): Breakdown {
  return computeBreakdown({
    currency,
    prices_include_tax: true,
    vat_rate: 0,
    price: 0,
    tip,
    rates: {
      commission_bps: 0,
      commission_min: 0,
      commission_max: null,
      service_fee_bps: 0,
      service_fee_fixed: 0,
      service_fee_max: null,
    },
  });
}

/**
 * A percentage (a JSON number such as 25 or 12.5, as cancellation policies hold it) as basis
 * points rounded half away from zero, from its decimal text so that 12.345 gives 1235 exactly as
 * PostgreSQL's numeric does (binary floating point would give 1234).
 */
export function percentToBps(percent: number): number {
  if (typeof percent !== "number" || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new FeeError("HL612", "fee_percent must be a number from 0 to 100");
  }
  const text = percent.toString();
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!m) throw new FeeError("HL612", `fee_percent ${text}`);
  let digits = m[1] + (m[2] ?? "");
  let point = m[1].length + (m[3] ? Number(m[3]) : 0); // digits before the decimal point
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point + 3, "0");
  const whole = BigInt(digits.slice(0, point + 2) || "0"); // percent * 100, truncated
  const next = Number(digits[point + 2]);
  return Number(whole + (next >= 5 ? 1n : 0n));
}

/**
 * A cancellation fee (private.cancellation_breakdown): when late, policy.fee_percent of the price
 * as entered, priced like a price (VAT, commission with the booking's rates), no service fee, no
 * discount, no tip; zero amounts when not late.
 */
export function cancellationBreakdown(
  breakdown: Breakdown,
  policy: { fee_percent?: number | null } | null,
  late: boolean,
): CancellationBreakdown {
  const feeBps = percentToBps(policy?.fee_percent ?? 0);
  const price = late ? Number(rdiv(BigInt(breakdown.price) * BigInt(feeBps), 10000n)) : 0;
  const result = computeBreakdown({
    currency: breakdown.currency,
    prices_include_tax: breakdown.prices_include_tax,
    vat_rate: breakdown.vat_rate,
    price,
    tip: 0,
    schedule_id: breakdown.schedule_id,
    rates: { ...breakdown.rates, service_fee_bps: 0, service_fee_fixed: 0, service_fee_max: null },
  });
  return { ...result, late: Boolean(late), fee_bps: feeBps };
}

/**
 * A (partial) refund split across provider_payout, platform_revenue and tax in proportion to the
 * breakdown (private.allocate_refund): each share floored, the units left to the largest
 * remainders, ties in the order provider_payout, platform_revenue, tax. The parts sum to the refund.
 */
export function allocateRefund(
  breakdown: Pick<Breakdown, "currency" | "customer_total" | "provider_payout" | "platform_revenue" | "tax">,
  refund: number,
): RefundAllocation {
  const keys = ["provider_payout", "platform_revenue", "tax"] as const;
  const total = int(breakdown.customer_total, "customer_total", 0, 10 * MAX_AMOUNT, "HL612");
  if (typeof refund !== "number" || !Number.isInteger(refund) || refund < 0 || BigInt(refund) > total) {
    throw new FeeError("HL613", `refund ${refund} of a total of ${total}`);
  }
  const amounts = keys.map((k) => int(breakdown[k], k, 0, 10 * MAX_AMOUNT, "HL612"));
  if (amounts.reduce((a, b) => a + b, 0n) !== total) {
    throw new FeeError("HL613", "the breakdown's provider_payout + platform_revenue + tax differ from its customer_total");
  }
  const r = BigInt(refund);
  const parts = [0n, 0n, 0n];
  const rems = [0n, 0n, 0n];
  let left = r;
  if (total > 0n) {
    for (let i = 0; i < 3; i++) {
      parts[i] = (amounts[i] * r) / total;
      rems[i] = amounts[i] * r - parts[i] * total;
      left -= parts[i];
    }
    while (left > 0n) {
      let best = 0;
      for (let i = 1; i < 3; i++) if (rems[i] > rems[best]) best = i;
      parts[best] += 1n;
      rems[best] = -1n;
      left -= 1n;
    }
  }
  return {
    currency: breakdown.currency,
    refund,
    provider_payout: Number(parts[0]),
    platform_revenue: Number(parts[1]),
    tax: Number(parts[2]),
  };
}

/** An amount in minor units as a decimal string of the major unit ("150.00", "1500", "12.345"). */
export function formatMinor(amount: number, currency: string): string {
  const exponent = CURRENCY_EXPONENTS[currency];
  if (exponent === undefined) throw new FeeError("HL600", `currency ${currency}`);
  const s = BigInt(amount).toString().padStart(exponent + 1, "0");
  return exponent === 0 ? s : `${s.slice(0, -exponent)}.${s.slice(-exponent)}`;
}
