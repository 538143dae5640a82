/**
 * The seed: its consistency check (seed/check.ts) on what the stack was seeded with, proof that
 * the check catches a broken counter (inside a transaction that is rolled back), what the
 * activity section left (through the real process functions), and the generated SQL's contract.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checksIn, CHECKS, runChecks } from "../../seed/check.ts";
import { renderActivitySql, renderSeedSql } from "../../seed/index.ts";
import { ROOT } from "../../scripts/lib/config.ts";
import { adminSql } from "../support.ts";

const sql = adminSql();

afterAll(async () => {
  await sql.end();
});

class Rollback extends Error {}

const DEMO_CUSTOMER = "00000000-0000-4000-8000-000000000001";
const DEMO_PROVIDER = "00000000-0000-4000-8000-000000000002";
const DEMO_SELLER = "00000000-0000-4000-8000-000000000003";

describe("seed consistency check", () => {
  it("passes on the seeded stack, every check run", async () => {
    const results = await runChecks(sql);
    expect(results.map((r) => r.name)).toEqual(CHECKS.filter((c) => !c.afterSeedOnly).map((c) => c.name));
    expect(results.filter((r) => r.offending)).toEqual([]);
  });

  it("catches a provider whose rating counter disagrees with the reviews", async () => {
    let failed: string[] = [];
    await sql
      .begin(async (tx) => {
        const [p] = await tx`select id from public.provider_profiles order by id limit 1`;
        const before = await checksIn(tx);
        await tx`update public.provider_profiles set rating_count = rating_count + 1, rating_sum = rating_sum + 5 where id = ${p.id as string}`;
        const after = await checksIn(tx);
        failed = after.filter((r, i) => r.offending > before[i].offending).map((r) => r.name);
        throw new Rollback();
      })
      .catch((e) => {
        if (!(e instanceof Rollback)) throw e;
      });
    expect(failed).toEqual(["provider ratings match published, visible reviews"]);
  });
});

describe("seed activity (small), loaded in a transaction that is rolled back", () => {
  // The test stack holds the base seed only (pgTAP's timer and metrics tests count every row of
  // their tables): the activity is loaded here, checked, and rolled back.
  it("passes every check and catches broken counters; the demo provider's bookings paid through money with real ledger postings, chats, reviews, goods, jobs, the clock unfrozen", async () => {
    let seen: Record<string, unknown> = {};
    await sql
      .begin(async (tx) => {
        await tx.unsafe(renderActivitySql("small"));
        const results = await checksIn(tx, { afterSeed: true });
        // Break a participant's unread count and the demo provider's completed jobs: caught.
        await tx`update public.conversation_participants set unread_count = unread_count + 1
                  where (conversation_id, user_id) = (select conversation_id, user_id from public.conversation_participants
                                                       where user_id = ${DEMO_CUSTOMER} order by conversation_id limit 1)`;
        await tx`update public.provider_profiles set completed_jobs = completed_jobs + 1 where id = ${DEMO_PROVIDER}`;
        const broken = await checksIn(tx, { afterSeed: true });
        const caught = broken.filter((x, i) => x.offending > results[i].offending).map((x) => x.name);
        const states = await tx`select distinct b.status from public.bookings b where b.provider_id = ${DEMO_PROVIDER}`;
        const [money] = await tx`
          select count(*) filter (where p.status = 'captured')::int as captured,
                 count(*) filter (where p.status in ('refunded', 'partially_refunded'))::int as refunded,
                 (select count(*)::int from private.ledger_entries e
                    join private.ledger_transactions t on t.id = e.transaction_id
                    join public.payments p2 on p2.id = t.payment_id
                    join public.bookings b2 on b2.id = p2.booking_id
                   where b2.provider_id = ${DEMO_PROVIDER}) as entries
            from public.payments p join public.bookings b on b.id = p.booking_id
           where b.provider_id = ${DEMO_PROVIDER}`;
        const [r] = await tx`
          select (select count(*)::int from public.reviews r join public.bookings b on b.id = r.trade_id
                   where b.provider_id = ${DEMO_PROVIDER} and r.published_at is not null) as published,
                 (select count(*)::int from public.messages m join public.conversations c on c.id = m.conversation_id
                   where c.context_kind = 'booking' and m.author_id = ${DEMO_CUSTOMER}) as chat_messages,
                 (select coalesce(sum(like_count + view_count), 0)::int from public.products where seller_id = ${DEMO_SELLER}) as attention,
                 (select count(*)::int from public.job_offers o join public.job_requests j on j.id = o.job_id where j.customer_id = ${DEMO_CUSTOMER}) as offers,
                 (select count(*)::int from public.business_members m join public.businesses b on b.id = m.business_id where b.owner_id = ${DEMO_PROVIDER}) as members,
                 abs(extract(epoch from private.now() - clock_timestamp())) < 5 as live,
                 coalesce(current_setting('hyperlocal.frozen_now', true), '') as frozen,
                 current_user as role`;
        seen = { failed: results.filter((x) => x.offending), caught, states: states.length, money, ...r };
        throw new Rollback();
      })
      .catch((e) => {
        if (!(e instanceof Rollback)) throw e;
      });
    expect(seen.failed).toEqual([]);
    expect(seen.caught).toEqual([
      "participants' unread counts match the messages after their read receipt",
      "providers' completed jobs match their completed bookings",
    ]);
    // The demo provider: every state but the two happening now that other providers took.
    expect(seen.states).toBeGreaterThanOrEqual(9);
    const money = seen.money as { captured: number; refunded: number; entries: number };
    expect(money.captured).toBeGreaterThan(0);
    expect(money.refunded).toBeGreaterThan(0);
    expect(money.entries).toBeGreaterThan(money.captured * 2);
    expect(seen).toMatchObject({ members: 3, live: true, frozen: "", role: "postgres" });
    for (const k of ["published", "chat_messages", "attention", "offers"]) expect(seen[k], k).toBeGreaterThan(0);
  }, 120_000);
});

describe("generated seed SQL", () => {
  it("is deterministic for a faker seed, differs for another, and supabase/seed.sql is the current small seed", () => {
    const small = renderSeedSql("small");
    expect(renderSeedSql("small")).toBe(small);
    expect(renderSeedSql("small", 7)).not.toBe(small);
    expect(readFileSync(path.join(ROOT, "supabase", "seed.sql"), "utf8")).toBe(small);
  });
});
