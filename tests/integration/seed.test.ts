/**
 * The seed's consistency check (seed/check.ts) on what the stack was seeded with, and proof that
 * it catches a broken counter (inside a transaction that is rolled back).
 */
import { afterAll, describe, expect, it } from "vitest";
import { checksIn, CHECKS, runChecks } from "../../seed/check.ts";
import { adminSql } from "../support.ts";

const sql = adminSql();

afterAll(async () => {
  await sql.end();
});

class Rollback extends Error {}

describe("seed consistency check", () => {
  it("passes on the seeded stack, every check run", async () => {
    const results = await runChecks(sql);
    expect(results.map((r) => r.name)).toEqual(CHECKS.map((c) => c.name));
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
