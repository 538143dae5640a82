/**
 * Tests of the quote handler against a fake Data API (the quote_context RPC): request validation
 * and its error codes, the call it makes as the user, the breakdowns it computes and how it passes
 * the database's refusals through. The end-to-end tests through the gateway are in
 * tests/integration/money-quote.test.ts.
 */
import { computeBreakdown, type FeeInput } from "../_shared/fees.ts";
import { assert, assertEquals } from "../_shared/testing.ts";
import { createQuoteHandler } from "./handler.ts";

const URL_BASE = "http://api.test";
const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const USER_TOKEN = `${b64({ alg: "HS256" })}.${b64({ sub: "u1", role: "authenticated" })}.sig`;
const ANON_TOKEN = `${b64({ alg: "HS256" })}.${b64({ role: "anon" })}.sig`;
const ID = "11111111-1111-4111-8111-111111111111";

const INPUT: FeeInput = {
  currency: "AED",
  prices_include_tax: true,
  vat_rate: 500,
  price: 15000,
  tip: 0,
  schedule_id: "22222222-2222-4222-8222-222222222222",
  rates: {
    commission_bps: 1000,
    commission_min: 500,
    commission_max: 50000,
    service_fee_bps: 200,
    service_fee_fixed: 100,
    service_fee_max: 2500,
  },
};

type Call = { path: string; authorization: string | null; body: unknown };

function fake(answer: (body: unknown) => Response) {
  const calls: Call[] = [];
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => {
    const call = {
      path: String(input).replace(URL_BASE, ""),
      authorization: new Headers(init?.headers).get("authorization"),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    return Promise.resolve(answer(call.body));
  }) as typeof fetch;
  return { calls, handler: createQuoteHandler({ supabaseUrl: () => URL_BASE, anonKey: () => "anon", fetch: fetchFn }) };
}

const jsonRes = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const post = (body: unknown, token: string | null = USER_TOKEN) =>
  new Request("http://localhost/quote", {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } : {},
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

Deno.test("quote: a listing slot → one RPC as the user, the breakdown computed by fees.ts", async () => {
  const { calls, handler } = fake(() =>
    jsonRes({ kind: "listing_slot", trade_kind: "service_booking", input: INPUT, region_code: "ae-dubai" })
  );
  const res = await handler(post({ kind: "listing_slot", listing_id: ID, promo_code: "WELCOME" }));
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  assertEquals(calls.length, 1);
  assertEquals(calls[0].path, "/rest/v1/rpc/quote_context");
  assertEquals(calls[0].authorization, `Bearer ${USER_TOKEN}`);
  assertEquals(calls[0].body, { p_request: { kind: "listing_slot", listing_id: ID, promo_code: "WELCOME" } });
  assertEquals(body, {
    kind: "listing_slot",
    trade_kind: "service_booking",
    region_code: "ae-dubai",
    breakdown: computeBreakdown(INPUT),
  });
  assertEquals(body.breakdown.customer_total, 15400);
});

Deno.test("quote: a stored booking is returned as stored; a cancellation is priced from it", async () => {
  const stored = computeBreakdown(INPUT);
  const { handler } = fake((b) => {
    const kind = (b as { p_request: { kind: string } }).p_request.kind;
    return kind === "booking"
      ? jsonRes({ kind, trade_kind: "service_booking", booking_id: ID, breakdown: stored })
      : jsonRes({
        kind,
        booking_id: ID,
        breakdown: stored,
        policy: { free_until_minutes: 1440, fee_percent: 25 },
        free_cancellation_until: "2030-01-01T10:00:00+00:00",
        late: true,
      });
  });
  const booking = await (await handler(post({ kind: "booking", booking_id: ID }))).json();
  assertEquals(booking.breakdown, stored);
  const res = await handler(post({ kind: "cancellation", booking_id: ID }));
  const c = await res.json();
  assertEquals(res.status, 200, JSON.stringify(c));
  assertEquals([c.late, c.fee_bps, c.breakdown.price], [true, 2500, 3750]);
  assertEquals([c.breakdown.service_fee_net, c.breakdown.subtotal_net, c.breakdown.subtotal_tax], [0, 3571, 179]);
  assertEquals(c.breakdown.customer_total, c.breakdown.provider_payout + c.breakdown.platform_revenue + c.breakdown.tax);
  assert(!("late" in c.breakdown));
});

Deno.test("quote: field errors are 400 with specific codes and details, and nothing is asked of the database", async () => {
  const { calls, handler } = fake(() => jsonRes({}));
  const cases: Array<[unknown, string, string]> = [
    [{ kind: "goods", price: -1, currency: "AED", feed: "discover" }, "HL612", "price"],
    [{ kind: "goods", price: 1.5, currency: "AED", feed: "discover" }, "HL612", "price"],
    [{ kind: "goods", price: 100, currency: "XYZ", feed: "discover" }, "HL600", "currency"],
    [{ kind: "goods", price: 100, currency: "AED", feed: "flea" }, "HL004", "feed"],
    [{ kind: "goods", price: 100, currency: "AED", feed: "discover", lat: 91, lng: 0 }, "HL200", "lat"],
    [{ kind: "goods", price: 100, currency: "AED", feed: "discover", lat: 25 }, "HL008", ""],
    [{ kind: "listing_slot", listing_id: "nope" }, "HL004", "listing_id"],
    [{ kind: "listing_slot", listing_id: ID, extra: 1 }, "HL004", ""],
    [{ kind: "booking_change", booking_id: ID }, "HL004", "kind"],
    [{ booking_id: ID }, "HL004", "kind"],
    [[1, 2], "HL004", ""],
    ["{not json", "HL004", ""],
  ];
  for (const [body, code, field] of cases) {
    const res = await handler(post(body));
    const out = await res.json();
    assertEquals([res.status, out.code], [400, code], JSON.stringify(body));
    if (field) {
      assert(
        Array.isArray(out.details) && out.details.some((d: { path: unknown[] }) => d.path[0] === field),
        `details name ${field}: ${JSON.stringify(out.details)}`,
      );
    }
  }
  assertEquals(calls.length, 0);
});

Deno.test("quote: 401 without a user's token; 405 for GET", async () => {
  const { calls, handler } = fake(() => jsonRes({}));
  for (const token of [null, ANON_TOKEN, "garbage"]) {
    const res = await handler(post({ kind: "booking", booking_id: ID }, token));
    assertEquals([res.status, (await res.json()).code], [401, "HL001"]);
  }
  assertEquals((await handler(new Request("http://localhost/quote"))).status, 405);
  assertEquals(calls.length, 0);
});

Deno.test("quote: the database's refusals pass through with their status and code; its failures are 502", async () => {
  for (const [status, code] of [[404, "HL400"], [403, "HL002"], [409, "HL402"], [422, "HL608"], [404, "HL601"]] as const) {
    const { handler } = fake(() => jsonRes({ code, message: "m", details: "d", hint: null }, status));
    const res = await handler(post({ kind: "booking", booking_id: ID }));
    assertEquals([res.status, (await res.json()).code], [status, code]);
  }
  const broken = fake(() => jsonRes({ kind: "booking", breakdown: { nonsense: true } }));
  assertEquals((await broken.handler(post({ kind: "booking", booking_id: ID }))).status, 502);
  const down = fake(() => new Response("bad gateway", { status: 503 }));
  assertEquals((await down.handler(post({ kind: "booking", booking_id: ID }))).status, 502);
});
