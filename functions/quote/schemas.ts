/** Request and response shapes of the `quote` edge function. */
import { z } from "zod";
import { CURRENCY_EXPONENTS, MAX_AMOUNT } from "../_shared/fees.ts";

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID");
const promoCode = z.string().trim().min(1).max(64).optional();
const lat = z.number().min(-90).max(90).optional();
const lng = z.number().min(-180).max(180).optional();

export const quoteRequest = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("listing_slot"),
    listing_id: uuid,
    start: z.iso.datetime({ offset: true }).optional(),
    lat,
    lng,
    promo_code: promoCode,
  }),
  z.strictObject({ kind: z.literal("offer"), offer_id: uuid, promo_code: promoCode }),
  z.strictObject({ kind: z.literal("booking"), booking_id: uuid }),
  z.strictObject({ kind: z.literal("cancellation"), booking_id: uuid }),
  z.strictObject({
    kind: z.literal("goods"),
    price: z.number().int().min(0).max(MAX_AMOUNT),
    currency: z.string().refine((c) => Object.hasOwn(CURRENCY_EXPONENTS, c), "unsupported currency"),
    feed: z.enum(["discover", "community"]),
    category_id: uuid.optional(),
    lat,
    lng,
    promo_code: promoCode,
  }),
]);
export type QuoteRequest = z.infer<typeof quoteRequest>;

const rates = z.object({
  commission_bps: z.number().int(),
  commission_min: z.number().int(),
  commission_max: z.number().int().nullable(),
  service_fee_bps: z.number().int(),
  service_fee_fixed: z.number().int(),
  service_fee_max: z.number().int().nullable(),
});

const promo = z.object({
  code: z.string(),
  kind: z.enum(["percent", "fixed"]),
  percent_bps: z.number().int().nullable().optional(),
  amount_off: z.number().int().nullable().optional(),
  max_discount: z.number().int().nullable().optional(),
  min_order: z.number().int().nullable().optional(),
});

export const feeInputSchema = z.object({
  currency: z.string(),
  prices_include_tax: z.boolean(),
  vat_rate: z.number().int(),
  price: z.number().int(),
  tip: z.number().int().nullable().optional(),
  schedule_id: z.string().nullable().optional(),
  rates,
  promo: promo.nullable().optional(),
});

export const breakdownSchema = z.object({
  currency: z.string(),
  exponent: z.number().int(),
  prices_include_tax: z.boolean(),
  vat_rate: z.number().int(),
  price: z.number().int(),
  subtotal_net: z.number().int(),
  subtotal_tax: z.number().int(),
  service_fee_net: z.number().int(),
  service_fee_tax: z.number().int(),
  commission: z.number().int(),
  discount: z.number().int(),
  tip: z.number().int(),
  customer_total: z.number().int(),
  provider_payout: z.number().int(),
  platform_revenue: z.number().int(),
  tax: z.number().int(),
  schedule_id: z.string().nullable(),
  promo_code: z.string().nullable(),
  rates,
});

/** What public.quote_context answers. */
export const quoteContext = z.discriminatedUnion("kind", [
  z.object({
    kind: z.enum(["listing_slot", "offer", "goods"]),
    trade_kind: z.string(),
    input: feeInputSchema,
    region_code: z.string().nullable(),
  }),
  z.object({ kind: z.literal("booking"), trade_kind: z.string(), booking_id: z.string(), breakdown: breakdownSchema }),
  z.object({
    kind: z.literal("cancellation"),
    booking_id: z.string(),
    breakdown: breakdownSchema,
    policy: z.object({ fee_percent: z.number().optional(), free_until_minutes: z.number().optional() }).nullable(),
    free_cancellation_until: z.string().nullable(),
    late: z.boolean(),
  }),
]);
export type QuoteContext = z.infer<typeof quoteContext>;
