/**
 * npm run seed -- [--size small|medium|large] [--seed N] [--write-sql] [--check]
 *
 * Loads the deterministic seed into the running local stack, or (--write-sql) regenerates
 * supabase/seed.sql for the Docker path.
 */
import { parseArgs } from "node:util";
import { profile, type ProfileName } from "./lib/config.ts";
import { connect } from "./lib/db.ts";
import { reportChecks, runChecks } from "../seed/check.ts";
import { parseSeed, parseSize, seed, writeSeedSql } from "../seed/index.ts";

const { values } = parseArgs({
  options: { size: { type: "string", default: "small" }, seed: { type: "string" }, "write-sql": { type: "boolean", default: false }, check: { type: "boolean", default: false }, profile: { type: "string" } },
});

async function main(): Promise<void> {
  if (values["write-sql"]) {
    process.stdout.write(`wrote ${writeSeedSql()}\n`);
    return;
  }
  const p = profile((values.profile as ProfileName | undefined) ?? undefined);
  if (values.check) {
    const sql = connect(p, "postgres", { max: 1 });
    try {
      reportChecks(await runChecks(sql));
    } finally {
      await sql.end();
    }
    return;
  }
  await seed(profile((values.profile as ProfileName | undefined) ?? undefined), { size: parseSize(values.size), seed: parseSeed(values.seed) });
}

main().catch((e) => {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exit(1);
});
