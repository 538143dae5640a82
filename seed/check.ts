/**
 * The seed's consistency check: derived data must agree with the rows it derives from. Each check
 * is a query returning the offending rows (none when consistent). Run after every seed and with
 * `npm run seed -- --check`. Add a check by appending to CHECKS (see README, "Seed data").
 */
import type postgres from "postgres";

export interface Check {
  name: string;
  /** Returns offending rows (at most a few are printed). */
  sql: string;
  /**
   * Only right after seeding: facts about what the seed made that the stack's own timers may
   * change later (a request expires after two hours), so `--check` on an older stack skips them.
   */
  afterSeedOnly?: boolean;
  /** Only where this query returns true (e.g. the local stack's own schemas exist). */
  onlyIf?: string;
}

export const CHECKS: Check[] = [
  {
    name: "ledger balances (money's ledger_check)",
    sql: `select c as ledger_check from (select public.ledger_check() as c) x where not (c ->> 'balanced')::boolean`,
  },
  {
    name: "bookings under way with a price have an authorised payment",
    sql: `select b.id, b.status, p.status as payment_status from public.bookings b
            left join public.payments p on p.booking_id = b.id and p.kind = 'booking'
           where b.status in ('en_route', 'arrived', 'in_progress') and b.price > 0
             and p.status is distinct from 'authorized'`,
  },
  {
    name: "completed bookings with a price have a captured payment (or a capture the worker has queued, or a refused capture operators follow up)",
    sql: `select b.id, b.status, p.status as payment_status from public.bookings b
            left join public.payments p on p.booking_id = b.id and p.kind = 'booking'
           where b.status = 'completed' and b.price > 0
             and p.status is distinct from 'captured' and p.status is distinct from 'partially_refunded'
             and p.status is distinct from 'refunded' and p.status is distinct from 'capture_failed'
             and not (p.status = 'authorized' and exists (
                   select 1 from private.payment_operations o
                    where o.payment_id = p.id and o.operation = 'capture' and o.status in ('pending', 'sending')))`,
  },
  {
    name: "bookings that never started hold no money",
    sql: `select b.id, b.status, p.status as payment_status from public.bookings b
            join public.payments p on p.booking_id = b.id and p.kind = 'booking'
           where b.status in ('declined', 'expired') and p.status in ('authorized', 'captured', 'partially_refunded')`,
  },
  {
    name: "cancelled and resolved bookings hold no authorised money (once their payment operations are done)",
    sql: `select b.id, b.status, p.status as payment_status from public.bookings b
            join public.payments p on p.booking_id = b.id and p.kind = 'booking'
           where b.status in ('cancelled', 'resolved') and p.status = 'authorized'
             and not exists (select 1 from private.payment_operations o
                              where o.payment_id = p.id and o.status in ('pending', 'sending', 'failed'))`,
  },
  {
    name: "provider ratings match published, visible reviews",
    sql: `select p.id, p.rating_count, p.rating_sum, r.n, r.s from public.provider_profiles p
            left join (select reviewee_id, count(*) as n, sum(rating) as s from public.reviews
                        where reviewee_role = 'provider' and published_at is not null and hidden_at is null
                        group by reviewee_id) r on r.reviewee_id = p.id
           where p.rating_count <> coalesce(r.n, 0) or p.rating_sum <> coalesce(r.s, 0)`,
  },
  {
    name: "user reputation matches published, visible reviews",
    sql: `select u.user_id, u.role, u.rating_count, u.rating_sum, r.n, r.s from public.user_reputation u
            full join (select reviewee_id, reviewee_role, count(*) as n, sum(rating) as s from public.reviews
                        where published_at is not null and hidden_at is null
                        group by reviewee_id, reviewee_role) r
              on r.reviewee_id = u.user_id and r.reviewee_role = u.role
           where coalesce(u.rating_count, 0) <> coalesce(r.n, 0) or coalesce(u.rating_sum, 0) <> coalesce(r.s, 0)`,
  },
  {
    name: "product like counts match likes",
    sql: `select p.id, p.like_count, (select count(*) from public.product_likes l where l.product_id = p.id) as likes
            from public.products p
           where p.like_count <> (select count(*) from public.product_likes l where l.product_id = p.id)`,
  },
  {
    name: "seller follower counts match follows",
    sql: `select s.seller_id, s.follower_count, (select count(*) from public.seller_follows f where f.seller_id = s.seller_id) as follows
            from public.seller_stats s
           where s.follower_count <> (select count(*) from public.seller_follows f where f.seller_id = s.seller_id)`,
  },
  {
    name: "product view counts match views",
    sql: `select p.id, p.view_count, (select count(*) from private.product_views v where v.product_id = p.id) as views
            from public.products p
           where p.view_count <> (select count(*) from private.product_views v where v.product_id = p.id)`,
  },
  {
    name: "stock: 0 <= available_quantity <= quantity",
    sql: `select id, quantity, available_quantity from public.products
           where available_quantity < 0 or available_quantity > quantity`,
  },
  {
    name: "conversations' message_count and last message match their messages",
    sql: `select c.id, c.message_count, c.last_message_id, m.n, m.last from public.conversations c
            left join (select conversation_id, count(*) as n, max(id) as last from public.messages group by conversation_id) m
              on m.conversation_id = c.id
           where c.message_count <> coalesce(m.n, 0) or c.last_message_id is distinct from m.last`,
  },
  {
    name: "participants' unread counts match the messages after their read receipt",
    sql: `select p.conversation_id, p.user_id, p.unread_count, u.n from public.conversation_participants p
            cross join lateral (select count(*)::integer as n from public.messages m
                                 where m.conversation_id = p.conversation_id
                                   and (p.last_read_message_id is null or m.id > p.last_read_message_id)
                                   and m.author_id is distinct from p.user_id and m.deleted_at is null) u
           where p.unread_count <> u.n`,
  },
  {
    name: "providers' completed jobs match their completed bookings",
    sql: `select p.id, p.completed_jobs, c.n from public.provider_profiles p
            left join (select b.provider_id, count(distinct b.id) as n from public.bookings b
                         join public.booking_events e on e.booking_id = b.id and e.transition = 'complete'
                        group by b.provider_id) c on c.provider_id = p.id
           where p.completed_jobs <> coalesce(c.n, 0)`,
  },
  {
    name: "jobs' bookings agree: an assigned job's booking came from its accepted offer",
    sql: `select j.id, j.status, j.booking_id, o.booking_id as offer_booking from public.job_requests j
            left join public.job_offers o on o.id = j.accepted_offer_id
           where j.status = 'assigned' and (j.booking_id is null or o.booking_id is distinct from j.booking_id)`,
  },
  {
    // The intents the seed made (metadata hl_seed); tests that fake provider events on a shared
    // stack leave the local provider's other intents behind on purpose.
    name: "the local payment provider holds each seeded payment's intent, in the payment's state",
    onlyIf: "select to_regclass('local_payments.objects') is not null as ok",
    sql: `select p.id, p.status, p.provider_ref, o.data ->> 'status' as provider_status
            from local_payments.objects o
            join public.payments p on p.provider = 'local' and p.provider_ref = o.id
           where o.object = 'payment_intent' and o.data #>> '{metadata,hl_seed}' = 'true'
             and ((p.status in ('authorized', 'capture_failed') and o.data ->> 'status' <> 'requires_capture')
                  or (p.status in ('captured', 'partially_refunded', 'refunded') and o.data ->> 'status' <> 'succeeded')
                  or (p.status in ('canceled', 'expired') and o.data ->> 'status' <> 'canceled')
                  or (p.status in ('captured', 'partially_refunded', 'refunded')
                      and ((o.data ->> 'amount_received')::bigint <> p.amount_captured
                           -- the charge's refunded amount counts the released uncaptured rest too
                           or (o.data #>> '{latest_charge,amount_refunded}')::bigint
                              - ((o.data ->> 'amount')::bigint - (o.data ->> 'amount_received')::bigint) <> p.amount_refunded)))`,
  },
  {
    name: "every booking state is present",
    afterSeedOnly: true,
    sql: `select s.state as missing from public.booking_states s
           where not exists (select 1 from public.bookings b where b.status = s.state)`,
  },
];

export interface CheckResult {
  name: string;
  offending: number;
  sample: unknown[];
}

/** Runs every check inside the caller's transaction (as its role, postgres; ledger_check as the service role). */
export async function checksIn(tx: postgres.TransactionSql, opts: { afterSeed?: boolean } = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  // ledger_check is for operators and the service role: the claims say service role; the other
  // checks read counters as the owner (postgres).
  await tx.unsafe(`select set_config('request.jwt.claims', '{"role":"service_role"}', true)`);
  for (const c of CHECKS) {
    if (c.afterSeedOnly && !opts.afterSeed) continue;
    if (c.onlyIf && !(await tx.unsafe(c.onlyIf))[0]?.ok) continue;
    const asService = c.name.startsWith("ledger");
    if (asService) await tx.unsafe(`select set_config('role', 'service_role', true)`);
    const rows = await tx.unsafe(c.sql);
    if (asService) await tx.unsafe(`select set_config('role', 'none', true)`);
    results.push({ name: c.name, offending: rows.length, sample: rows.slice(0, 5) });
  }
  return results;
}

/** Runs every check in a transaction that is rolled back; never writes. */
export async function runChecks(sql: postgres.Sql, opts: { afterSeed?: boolean } = {}): Promise<CheckResult[]> {
  let results: CheckResult[] = [];
  await sql
    .begin(async (tx) => {
      results = await checksIn(tx, opts);
      throw new RollbackSignal();
    })
    .catch((e) => {
      if (!(e instanceof RollbackSignal)) throw e;
    });
  return results;
}

class RollbackSignal extends Error {}

/** Prints what was checked; throws with the offending rows when anything disagrees. */
export function reportChecks(results: CheckResult[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  for (const r of results) out(`${r.offending ? "FAIL" : "ok  "} ${r.name}${r.offending ? ` (${r.offending} rows)` : ""}`);
  const failed = results.filter((r) => r.offending);
  if (failed.length) {
    throw new Error(`seed consistency check failed:\n${failed.map((f) => `${f.name}: ${JSON.stringify(f.sample)}`).join("\n")}`);
  }
}
