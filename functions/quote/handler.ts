/**
 * POST /functions/v1/quote — what a trade costs, line by line, before (or after) it happens.
 *
 *   body  {kind: "listing_slot", listing_id, start?, lat?, lng?, promo_code?}   a listed service
 *         {kind: "offer", offer_id, promo_code?}                                a job offer (its counter when countered)
 *         {kind: "goods", price, currency, feed: "discover" | "community", category_id?, lat?, lng?, promo_code?}
 *         {kind: "booking", booking_id}                                         the breakdown the booking stored
 *         {kind: "cancellation", booking_id}                                    what cancelling now would cost
 *   200   {kind, trade_kind?, breakdown: {currency, exponent, prices_include_tax, vat_rate, price,
 *          subtotal_net, subtotal_tax, service_fee_net, service_fee_tax, commission, discount, tip,
 *          customer_total, provider_payout, platform_revenue, tax, schedule_id, promo_code, rates},
 *          region_code?, booking_id?, late?, fee_bps?, free_cancellation_until?}
 *
 * Steps:
 *   1. A user's access token (the gateway checks its signature: verify_jwt) → else 401 HL001.
 *   2. The body (zod) → 400 with field errors: HL004 (shape, unknown field or kind), HL612
 *      (price), HL600 (currency), HL200/HL201 (lat/lng), HL008 (only one of them).
 *   3. One RPC as the user, public.quote_context: the schedule and VAT parameters that apply (or
 *      the stored breakdown), with the database's checks: 404 HL219/HL310/HL400, 403 HL002
 *      (business staff never see a booking's money), 409 HL402/HL411/HL412, 422 HL608, promo
 *      refusals HL601-HL606. Its errors pass through unchanged.
 *   4. The breakdown computed with functions/_shared/fees.ts (the SQL twin gives the same).
 *
 * "booking_change" is not a kind: bookings cannot be changed (no reschedule or re-price
 * operation exists; a change is a cancellation and a new booking), so there is nothing to quote.
 */
import { z } from "zod";
import { cancellationBreakdown, computeBreakdown, FeeError } from "../_shared/fees.ts";
import { bearer, handle, HttpError, json, methodNotAllowed } from "../_shared/http.ts";
import { requireEnv } from "../_shared/env.ts";
import { type QuoteContext, quoteContext, type QuoteRequest, quoteRequest } from "./schemas.ts";

export interface QuoteDeps {
  supabaseUrl: () => string;
  anonKey: () => string;
  fetch?: typeof fetch;
}

const ERRORS = {
  HL001: [401, "You must be signed in to do this."],
  HL004: [400, "The request contains an invalid value."],
  HL008: [400, "Give both latitude and longitude, or neither."],
  HL200: [400, "Latitude must be between -90 and 90."],
  HL201: [400, "Longitude must be between -180 and 180."],
  HL600: [400, "This currency is not supported for payments."],
  HL612: [400, "An amount is invalid."],
} as const;
type Code = keyof typeof ERRORS;

function fail(code: Code, details: unknown = null): never {
  const [status, message] = ERRORS[code];
  throw new HttpError(status, code, message, details);
}

/** The `role` claim of a JWT (its signature is checked by the gateway and again by the Data API). */
function roleOf(token: string): string | undefined {
  try {
    const payload = token.split(".")[1];
    const text = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const role = (JSON.parse(text) as { role?: unknown }).role;
    return typeof role === "string" ? role : undefined;
  } catch {
    return undefined;
  }
}

const FIELD_CODES: Record<string, Code> = { price: "HL612", currency: "HL600", lat: "HL200", lng: "HL201" };

/** The validated request, or 400 with the field errors (the code of the first one). */
export function parseRequest(body: unknown): QuoteRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) fail("HL004", "the body must be a JSON object");
  const parsed = quoteRequest.safeParse(body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === "symbol" ? p.toString() : p)),
      code: i.code,
      message: i.code === "invalid_union" && i.path.length === 1 && i.path[0] === "kind"
        ? "kind must be listing_slot, offer, goods, booking or cancellation"
        : i.message,
    }));
    const first = parsed.error.issues[0];
    const field = String(first.path[0] ?? "");
    throw new HttpError(400, FIELD_CODES[field] ?? "HL004", ERRORS[FIELD_CODES[field] ?? "HL004"][1], details);
  }
  const input = parsed.data;
  if ("lat" in input || "lng" in input) {
    const r = input as { lat?: number; lng?: number };
    if ((r.lat === undefined) !== (r.lng === undefined)) fail("HL008", "send lat and lng together");
  }
  return input;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

class PassThrough extends Error {
  constructor(readonly response: Response) {
    super("pass-through");
  }
}

export function createQuoteHandler(deps: QuoteDeps): (req: Request) => Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token || roleOf(token) !== "authenticated") fail("HL001", token ? "a user's access token is required" : null);

    let raw: unknown;
    try {
      raw = await req.json();
    } catch {
      fail("HL004", "the body must be valid JSON");
    }
    const request = parseRequest(raw);

    const url = deps.supabaseUrl().replace(/\/+$/, "");
    const res = await doFetch(`${url}/rest/v1/rpc/quote_context`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, apikey: deps.anonKey(), "Content-Type": "application/json" },
      body: JSON.stringify({ p_request: request }),
    });
    const body = await readBody(res);
    try {
      if (!res.ok) {
        const code = (body as { code?: unknown } | null)?.code;
        if (res.status === 401 || res.status === 403 && code === "42501") fail("HL001", (body as { message?: unknown })?.message ?? null);
        if (res.status < 500 && typeof code === "string") throw new PassThrough(json(body, res.status));
        console.error(`quote: rpc quote_context failed (${res.status}):`, body);
        throw new HttpError(502, "upstream_error", "The database did not answer; try again.");
      }
      const ctx: QuoteContext = quoteContext.parse(body);
      switch (ctx.kind) {
        case "booking":
          return json({ kind: ctx.kind, trade_kind: ctx.trade_kind, booking_id: ctx.booking_id, breakdown: ctx.breakdown });
        case "cancellation": {
          const c = cancellationBreakdown(ctx.breakdown, ctx.policy, ctx.late);
          const { late, fee_bps, ...breakdown } = c;
          return json({
            kind: ctx.kind,
            booking_id: ctx.booking_id,
            late,
            fee_bps,
            free_cancellation_until: ctx.free_cancellation_until,
            breakdown,
          });
        }
        default:
          return json({
            kind: ctx.kind,
            trade_kind: ctx.trade_kind,
            region_code: ctx.region_code,
            breakdown: computeBreakdown(ctx.input),
          });
      }
    } catch (err) {
      if (err instanceof PassThrough) return err.response;
      if (err instanceof z.ZodError || err instanceof FeeError) {
        // The database's answer did not fit: the server's fault, never the client's.
        console.error("quote: unexpected database answer:", err instanceof z.ZodError ? err.issues : err.message);
        throw new HttpError(502, "upstream_error", "The database gave an unexpected answer.");
      }
      throw err;
    }
  });
}

/** The handler served by index.ts. */
export const handler: (req: Request) => Promise<Response> = createQuoteHandler({
  supabaseUrl: () => requireEnv("SUPABASE_URL"),
  anonKey: () => requireEnv("SUPABASE_ANON_KEY"),
});
