/**
 * The payments part of `npm run bench:money` (issue 11); runnable alone:
 *
 *   npx tsx scripts/bench/money-payments.ts [-- --seconds 10 --concurrency 8 --lifecycles 4 --keep]
 *
 * `benchPayments()` returns markdown lines (bench:money writes them to docs/benchmarks.md); run
 * alone it prints them. Without a profile it brings up a stack of its own
 * (.hyperlocal/bench-money-payments, API port 59521 unless HL_API_PORT is set) and removes it after.
 * The local payment provider (PAYMENTS_PROVIDER=local, the default) stands in for Stripe.
 *
 *   webhooks   signed Stripe events (payment_intent.amount_capturable_updated of real authorised
 *              intents, signed with the SDK's test-header helper and the endpoint's secret) POSTed
 *              through the gateway to stripe-webhook by `concurrency` closed-loop senders; 10% are
 *              re-deliveries of an event already sent (same id): each must answer `duplicate` and
 *              the database must hold each event id once.
 *   lifecycle  a full booking with payment, per customer loop: book an instant listing → POST
 *              /payments/booking (pm_card_visa, authorised) → arrive → start (the customer's code)
 *              → complete → the worker captures → the escrow is released (the dispute-window
 *              timer's work, private.release_payment) → the worker transfers the payout to the
 *              provider's onboarded connected account (paid). Lifecycles per second and latency.
 *   ledger     after the run, ledger_check (service role) must say balanced.
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type postgres from "postgres";
import Stripe from "stripe";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { type Profile, SERVICE_ROLE_KEY } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, type Client, client, createUsers, machine, ms, stats } from "./lib.ts";

export interface PaymentsBenchOptions {
  /** A running stack to use (bench:money passes its own); else one is brought up and removed. */
  p?: Profile;
  seconds?: number;
  /** Concurrent webhook senders. */
  concurrency?: number;
  /** Concurrent booking lifecycles (one customer and one provider each). */
  lifecycles?: number;
  keep?: boolean;
}

const SECRET = "whsec_hyperlocal_local_development_only"; // the local development secret
const webhooks = new Stripe("sk_test_unused").webhooks;

async function invoke(c: Client, path: string, body: unknown): Promise<Record<string, unknown>> {
  const { data, error } = await c.functions.invoke(path, { method: "POST", body: body as Record<string, unknown> });
  if (error) {
    const detail = error instanceof FunctionsHttpError ? await (error.context as Response).text() : error.message;
    throw new Error(`${path}: ${detail.slice(0, 200)}`);
  }
  return data as Record<string, unknown>;
}

export async function benchPayments(options: PaymentsBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 10;
  const concurrency = options.concurrency ?? 8;
  const lifecycles = options.lifecycles ?? 4;
  const own = options.p ? null : await benchStack("money-payments", 59521);
  const p = options.p ?? own!.p;
  const sql: postgres.Sql = connect(p, "postgres", { max: 8 });
  const service = client(p, SERVICE_ROLE_KEY);
  const worker = () => invoke(service, "payments/worker", {});
  try {
    // ---- setup: per lifecycle loop a verified provider with an onboarded account and an instant
    // listing open around the clock, and a customer.
    // A few users make thousands of payments here: lift the per-user payment rate limit on this
    // stack (30 per 10 minutes by default, which is about people, not throughput).
    await sql`update private.settings set value = '{"limit": 1000000, "window": "10 minutes"}' where key = 'rate_limit.payments'`;
    const providers = await createUsers(p, "pay-bench-provider", lifecycles);
    const customers = await createUsers(p, "pay-bench-customer", lifecycles);
    const [{ id: category }] = await sql`
      insert into public.categories (slug, names) values (${`bench-pay-${Date.now()}`}, '{"en": "Bench", "ar": "Bench"}') returning id`;
    const listings: string[] = [];
    for (const [i, pr] of providers.entries()) {
      await sql`insert into public.provider_profiles (id, display_name, base_location, is_available)
                values (${pr.id}, ${`Bench Pay ${i}`}, 'SRID=4326;POINT(55.27 25.20)', true)`;
      const [{ id }] = await sql`
        insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, booking_mode)
        values (${pr.id}, ${category}, 'Bench repair', 'hourly', 10000, 'instant') returning id`;
      listings.push(id as string);
      await sql`insert into public.availability_rules (provider_id, weekday, start_time, end_time)
                select ${pr.id}, d, '00:00', '23:59' from generate_series(0, 6) d`;
      await sql`update public.profiles set is_verified = true where id = ${pr.id}`;
      const onboarding = await invoke(client(p, pr.token), "payments/onboarding", {});
      await sql`select local_payments.complete_onboarding(${String(onboarding.account_id)})`;
      await invoke(service, "payments/sync", { account: String(onboarding.account_id) });
    }
    const customerClients = customers.map((c) => client(p, c.token));
    const providerClients = providers.map((pr) => client(p, pr.token));

    // ---- lifecycle: book → pay → progress → complete → capture → release → payout.
    // Distinct starts inside the providers' hours (Dubai daytime): 7 two-hour slots a day from day 2.
    const DAY = 86_400_000;
    const today = Math.floor(Date.now() / DAY) * DAY;
    let slot = 0;
    const nextStart = () => {
      const k = slot++;
      return new Date(today + (2 + Math.floor(k / 7)) * DAY + (4 + 2 * (k % 7)) * 3_600_000).toISOString();
    };
    const waitFor = async (check: () => Promise<boolean>, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await worker();
      }
    };
    const lifecycle = async (i: number) => {
      const customer = customerClients[i];
      const provider = providerClients[i];
      const booked = await customer.rpc("book_listing", { p_listing_id: listings[i], p_start: nextStart(), p_lat: 25.2, p_lng: 55.27 });
      if (booked.error) throw new Error(`book_listing: ${booked.error.code} ${booked.error.message}`);
      const id = (booked.data as { id: string }).id;
      const paid = await invoke(customer, "payments/booking", { booking_id: id, payment_method: "pm_card_visa" });
      if (paid.status !== "authorized") throw new Error(`payment ${String(paid.status)}`);
      for (const t of ["arrive", "start", "complete"]) {
        const r = t === "start"
          ? await provider.rpc("start_booking", {
            p_booking_id: id,
            p_code: (await customer.rpc("get_booking_start_code", { p_booking_id: id }).single()).data!.code,
          })
          : await provider.rpc("transition_booking", { p_booking_id: id, p_transition: t });
        if (r.error) throw new Error(`${t}: ${r.error.code} ${r.error.message}`);
      }
      const paymentId = String(paid.payment_id);
      await waitFor(async () => {
        const [r] = await sql`select status from public.payments where id = ${paymentId}`;
        return r.status === "captured";
      }, "capture");
      await sql`select private.release_payment(${paymentId})`;
      await waitFor(async () => {
        const rows = await sql`select status from public.payouts where payment_id = ${paymentId}`;
        return rows.length > 0 && rows.every((r) => r.status === "paid");
      }, "payout");
    };
    log(`lifecycle: ${lifecycles} concurrent loops for ${seconds} s`);
    const lifeLatencies: number[] = [];
    const lifeErrors: Record<string, number> = {};
    let lifeStarted = performance.now();
    let deadline = lifeStarted + seconds * 1000;
    await Promise.all(Array.from({ length: lifecycles }, async (_, i) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await lifecycle(i);
          lifeLatencies.push(performance.now() - t0);
        } catch (e) {
          const k = (e as Error).message.slice(0, 80);
          lifeErrors[k] = (lifeErrors[k] ?? 0) + 1;
        }
      }
    }));
    const lifeSeconds = (performance.now() - lifeStarted) / 1000;
    const life = stats(lifeLatencies);

    // ---- webhooks: signed events of authorised intents, 10% re-deliveries.
    const intents: { data: Record<string, unknown> }[] = [];
    // 40 fresh authorised intents for the events (their state is requires_capture: applying it again
    // changes nothing, as a re-sent state should).
    for (let k = 0; k < 40; k++) {
      const i = k % lifecycles;
      const booked = await customerClients[i].rpc("book_listing", { p_listing_id: listings[i], p_start: nextStart(), p_lat: 25.2, p_lng: 55.27 });
      if (booked.error) throw new Error(`book_listing: ${booked.error.message}`);
      const paid = await invoke(customerClients[i], "payments/booking", { booking_id: (booked.data as { id: string }).id, payment_method: "pm_card_visa" });
      const [row] = await sql<{ data: Record<string, unknown> }[]>`select data from local_payments.objects where id = ${String(paid.payment_intent)}`;
      intents.push(row);
    }
    const authorised = intents.filter((r) => r.data.status === "requires_capture").map((r) => r.data);
    const sent: string[] = [];
    const hookLatencies: number[] = [];
    const statuses: Record<string, number> = {};
    let duplicatesSent = 0;
    let duplicatesAnswered = 0;
    let n = 0;
    log(`webhooks: ${concurrency} senders for ${seconds} s over ${authorised.length} authorised intents`);
    const url = `${p.apiUrl}/functions/v1/stripe-webhook`;
    lifeStarted = performance.now();
    deadline = lifeStarted + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const k = n++;
        const duplicate = sent.length > 0 && k % 10 === 9;
        const id = duplicate ? sent[Math.floor(Math.random() * sent.length)] : `evt_bench_${Date.now()}_${k}`;
        const object = authorised[k % authorised.length];
        const payload = JSON.stringify({
          id, object: "event", type: "payment_intent.amount_capturable_updated", api_version: "2026-11-18.endive",
          created: Math.floor(Date.now() / 1000), livemode: false, data: { object },
        });
        const signature = webhooks.generateTestHeaderString({ payload, secret: SECRET });
        const t0 = performance.now();
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload });
        const body = await res.json() as { status?: string };
        hookLatencies.push(performance.now() - t0);
        const s = res.status === 200 ? String(body.status) : `http_${res.status}`;
        statuses[s] = (statuses[s] ?? 0) + 1;
        if (duplicate) {
          duplicatesSent++;
          if (s === "duplicate") duplicatesAnswered++;
        } else if (res.status === 200) sent.push(id);
      }
    }));
    const hookSeconds = (performance.now() - lifeStarted) / 1000;
    const hook = stats(hookLatencies);
    const [{ stored }] = await sql`select count(*)::int as stored from private.webhook_events where event_id like 'evt_bench_%'`;
    const uniqueSent = new Set(sent).size;

    // ---- ledger.
    const { data: check, error } = await service.rpc("ledger_check" as never);
    if (error) throw new Error(`ledger_check: ${error.message}`);
    const balanced = (check as { balanced?: boolean }).balanced === true;
    const [{ lifecyclesDone, payouts }] = await sql`
      select (select count(*)::int from public.payments p join public.bookings b on b.id = p.booking_id
               where b.listing_id = any(${listings}::uuid[]) and p.status = 'captured' and p.released_at is not null) as "lifecyclesDone",
             (select count(*)::int from public.payouts o join public.payments p on p.id = o.payment_id
               join public.bookings b on b.id = p.booking_id where b.listing_id = any(${listings}::uuid[]) and o.status = 'paid') as payouts`;

    const errText = (e: Record<string, number>) =>
      Object.keys(e).length ? Object.entries(e).map(([k, v]) => `${v}× ${k}`).join("; ") : "none";
    return `Measured with \`npm run bench:money\` on ${new Date().toISOString().slice(0, 10)}: ${machine()}. Local payment provider (PAYMENTS_PROVIDER=local), everything through the gateway; \`rate_limit.payments\` lifted on the benchmark's stack (a handful of users pay thousands of times).

- **Webhook ingestion** (signed \`payment_intent.amount_capturable_updated\` events of ${authorised.length} authorised intents, ${concurrency} closed-loop senders, ${hookSeconds.toFixed(1)} s, 10% re-deliveries of an id already sent): **${(hook.n / hookSeconds).toFixed(0)} events/s**, latency p50 ${ms(hook.p50)} ms, **p95 ${ms(hook.p95)} ms**, p99 ${ms(hook.p99)} ms. Answers: ${Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(", ")}; re-deliveries answered \`duplicate\`: ${duplicatesAnswered} of ${duplicatesSent}; event ids stored ${stored} for ${uniqueSent} distinct ids sent.
- **Booking-with-payment lifecycle** (book an instant listing → authorise with pm_card_visa → arrive → start → complete → worker capture → escrow release → worker transfer, paid; ${lifecycles} concurrent loops, ${lifeSeconds.toFixed(1)} s): **${(life.n / lifeSeconds).toFixed(2)} lifecycles/s** (${life.n} completed, errors: ${errText(lifeErrors)}), lifecycle p50 ${ms(life.p50)} ms, p95 ${ms(life.p95)} ms; captured and released ${lifecyclesDone}, payouts paid ${payouts}.
- **Ledger after the run**: ledger_check ${balanced ? "**balanced**" : "**NOT balanced**"} (${JSON.stringify(check)}).
`;
  } finally {
    await sql.end();
    if (own) {
      if (options.keep) log(`stack kept running at ${p.apiUrl}`);
      else await own.stop();
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "8" },
      lifecycles: { type: "string", default: "4" },
      keep: { type: "boolean", default: false },
    },
  });
  benchPayments({
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    lifecycles: Number(values.lifecycles),
    keep: values.keep,
  })
    .then((md) => {
      process.stdout.write(md);
      process.exit(/NOT balanced/.test(md) ? 1 : 0);
    })
    .catch((e) => {
      process.stderr.write(`payments bench failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
