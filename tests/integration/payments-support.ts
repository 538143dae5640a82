/**
 * Fixtures of the payment tests through the gateway: the `payments` function as the apps call it
 * (supabase-js functions.invoke with the user's session), its worker as pg_cron calls it (service
 * role), and reads of the database and of the local provider's own objects (local_payments, as
 * postgres) to compare the two views.
 */
import { FunctionsHttpError } from "@supabase/supabase-js";
import type postgres from "postgres";
import { type Actor, bookInState, type BookingState, type Client, createProvider, serviceClient, startTimes } from "../support.ts";

export interface FnAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers | null;
}

/** POST/GET /functions/v1/payments/<path> as `client`; errors come back as status + body. */
export async function payments(client: Client, path: string, body?: unknown, method: "POST" | "GET" = "POST"): Promise<FnAnswer> {
  const { data, error, response } = await client.functions.invoke(`payments/${path}`, {
    method,
    ...(body !== undefined ? { body: body as Record<string, unknown> } : {}),
  });
  if (!error) return { status: response?.status ?? 200, body: data as Record<string, unknown>, headers: response?.headers ?? null };
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  }
  throw error;
}

/** The worker, as pg_cron's dispatch calls it (service role). */
export async function runWorker(): Promise<Record<string, number>> {
  const r = await payments(serviceClient(), "worker", {});
  if (r.status !== 200) throw new Error(`worker: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, number>;
}

/**
 * Runs the worker until no operation of these payments is pending or leased (pg_cron may be
 * running one too: its claims are skipped by ours, so wait for them to finish).
 */
export async function settle(sql: postgres.Sql, paymentIds?: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await runWorker();
    const [{ n }] = paymentIds
      ? await sql`select count(*)::int as n from private.payment_operations
                   where status in ('pending', 'sending') and next_attempt_at <= now()
                     and (payment_id = any(${paymentIds}::uuid[])
                          or payout_id in (select id from public.payouts where payment_id = any(${paymentIds}::uuid[])))`
      : await sql`select count(*)::int as n from private.payment_operations
                   where status in ('pending', 'sending') and next_attempt_at <= now()`;
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`payment operations still due after 20 s (${n})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface PaymentRow {
  id: string;
  kind: string;
  status: string;
  amount: number;
  amount_authorized: number;
  amount_captured: number;
  amount_refunded: number;
  provider_ref: string | null;
  currency: string;
  released_at: Date | null;
}

export async function paymentOf(sql: postgres.Sql, bookingId: string, kind = "booking"): Promise<PaymentRow> {
  const rows = await sql<PaymentRow[]>`
    select id, kind, status, amount::float8 as amount, amount_authorized::float8 as amount_authorized,
           amount_captured::float8 as amount_captured, amount_refunded::float8 as amount_refunded,
           provider_ref, currency, released_at
      from public.payments where booking_id = ${bookingId} and kind = ${kind}`;
  if (rows.length !== 1) throw new Error(`expected one ${kind} payment for ${bookingId}, found ${rows.length}`);
  return rows[0];
}

/** The local provider's object (Stripe-shaped JSON). */
export async function providerObject<T = Record<string, unknown>>(sql: postgres.Sql, id: string): Promise<T> {
  const [row] = await sql<{ data: T }[]>`select data from local_payments.objects where id = ${id}`;
  if (!row) throw new Error(`no local provider object ${id}`);
  return row.data;
}

/** The customer total of a booking (its fee breakdown snapshot). */
export async function customerTotal(sql: postgres.Sql, bookingId: string): Promise<number> {
  const [row] = await sql<{ total: number }[]>`
    select (breakdown->>'customer_total')::float8 as total from public.booking_charges where booking_id = ${bookingId}`;
  return row.total;
}

/** A provider working around the clock with one listing (booking_mode and policy as given). */
export async function payableProvider(sql: postgres.Sql, label: string, categoryId: string, listing: Record<string, unknown> = {}) {
  return await createProvider(sql, label, {
    at: { lat: 25.2, lng: 55.27 },
    listings: [{ category_id: categoryId, base_price: 10000, ...listing }],
    hours: { opens: "00:00", closes: "23:59" },
  });
}

// Inside the provider's day (Asia/Dubai, UTC+4): a one-hour booking never crosses its midnight.
const starts = startTimes({ daysAhead: 5, utcHours: [0, 18] });

/** A booking walked to `state`, its payment authorised with `pm` as soon as it is accepted. */
export async function paidBooking(
  sql: postgres.Sql,
  customer: Actor,
  provider: Actor & { listing: string },
  state: BookingState,
  opts: { start?: string; pm?: string } = {},
): Promise<{ id: string; payment: PaymentRow }> {
  const start = opts.start ?? starts();
  const accepted = await bookInState({ customer, provider, listing: provider.listing, start, place: { lat: 25.2, lng: 55.27 } }, "accepted");
  const paid = await payments(customer.client, "booking", { booking_id: accepted.id, payment_method: opts.pm ?? "pm_card_visa" });
  if (paid.status !== 200 || paid.body.status !== "authorized") throw new Error(`payment: ${paid.status} ${JSON.stringify(paid.body)}`);
  if (state !== "accepted") await walk(customer, provider, accepted.id, state);
  return { id: accepted.id, payment: await paymentOf(sql, accepted.id) };
}

/** From `from` (default accepted) to `state` through the RPCs, as the apps do. */
export async function walk(
  customer: Actor,
  provider: Actor,
  bookingId: string,
  state: BookingState,
  from: BookingState = "accepted",
): Promise<void> {
  const order: BookingState[] = ["accepted", "en_route", "arrived", "in_progress", "completed"];
  const steps: Record<string, string> = { en_route: "start_travel", arrived: "arrive", in_progress: "start", completed: "complete" };
  for (const s of order.slice(order.indexOf(from) + 1, order.indexOf(state) + 1)) {
    if (s === "en_route" && state !== "en_route") continue;
    const res = s === "in_progress"
      ? await provider.client.rpc("start_booking", {
        p_booking_id: bookingId,
        p_code: (await customer.client.rpc("get_booking_start_code", { p_booking_id: bookingId }).single()).data!.code,
      })
      : await provider.client.rpc("transition_booking", { p_booking_id: bookingId, p_transition: steps[s] });
    if (res.error) throw new Error(`${steps[s]}: ${res.error.code} ${res.error.message}`);
  }
}

/** Ledger invariants as the database checks them (operator view). */
export async function ledgerCheck(operator: Actor): Promise<Record<string, unknown>> {
  const { data, error } = await operator.client.rpc("ledger_check" as never);
  if (error) throw new Error(`ledger_check: ${error.code} ${error.message}`);
  return data as Record<string, unknown>;
}

/**
 * The local provider's view against the ledger, per payment: captured − refunded at the provider
 * (every intent of the payment, every refund of those intents) equals −(customer funding) in the
 * ledger; per connected account: the provider's transfers equal the payee's paid out + in transit.
 * Scoped to the given payments and accounts (other tests feed the same ledger concurrently).
 * Returns the mismatches (empty = agreement).
 */
export async function providerLedgerMismatches(
  sql: postgres.Sql,
  scope: { payments: string[]; accounts?: string[] },
): Promise<unknown[]> {
  const perPayment = await sql`
    with provider_view as (
      select pi.data->'metadata'->>'hl_payment_id' as payment_id,
             sum((pi.data->>'amount_received')::bigint) as captured,
             coalesce(sum((select sum((r.data->>'amount')::bigint) from local_payments.objects r
                            where r.object = 'refund' and r.ref = pi.id and r.data->>'status' = 'succeeded')), 0) as refunded
        from local_payments.objects pi
       where pi.object = 'payment_intent' and pi.data->'metadata'->>'hl_payment_id' = any(${scope.payments}::text[])
       group by 1),
    ledger_view as (
      select t.payment_id::text as payment_id, -sum(e.amount) as funded
        from private.ledger_transactions t
        join private.ledger_entries e on e.transaction_id = t.id
        join private.ledger_accounts a on a.id = e.account_id and a.kind = 'customer_funding'
       where t.payment_id = any(${scope.payments}::uuid[])
       group by 1)
    select coalesce(p.payment_id, l.payment_id) as payment_id, p.captured - p.refunded as provider, l.funded as ledger
      from provider_view p full join ledger_view l on l.payment_id = p.payment_id
      join public.payments pay on pay.id::text = coalesce(p.payment_id, l.payment_id) and pay.provider = 'local'
     where coalesce(p.captured - p.refunded, 0) <> coalesce(l.funded, 0)`;
  const perAccount = await sql`
    with transfers as (
      select t.data->>'destination' as account, sum((t.data->>'amount')::bigint) as sent
        from local_payments.objects t
       where t.object = 'transfer' and t.data->>'destination' = any(${scope.accounts ?? []}::text[])
       group by 1),
    ledger as (
      select pa.provider_account_id as account, sum(e.amount) filter (where a.kind in ('paid_out', 'payouts_in_transit')) as out
        from public.payout_accounts pa
        join private.ledger_accounts a
          on a.kind in ('paid_out', 'payouts_in_transit')
         and a.profile_id is not distinct from pa.profile_id and a.business_id is not distinct from pa.business_id
        join private.ledger_entries e on e.account_id = a.id
       where pa.provider = 'local' and pa.provider_account_id = any(${scope.accounts ?? []}::text[])
       group by 1)
    select coalesce(t.account, l.account) as account, t.sent, l.out
      from transfers t full join ledger l on l.account = t.account
     where coalesce(t.sent, 0) <> coalesce(l.out, 0)`;
  return [...perPayment, ...perAccount];
}
