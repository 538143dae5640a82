/**
 * Migrations apply cleanly from scratch, twice: on a scratch cluster (platform shim + `supabase db
 * push`), then again after the database is dropped and recreated in the same cluster (which
 * catches migrations with side effects outside the database, such as roles). Both runs must
 * produce the same schema.
 */
import { afterAll, describe, expect, it } from "vitest";
import path from "node:path";
import { profile } from "../../scripts/lib/config.ts";
import { applyPlatformShim, initCluster, psql, removeCluster, startCluster, stopCluster } from "../../scripts/lib/cluster.ts";
import { dbUrl } from "../../scripts/lib/db.ts";
import { run } from "../../scripts/lib/proc.ts";
import { pushMigrations } from "../../scripts/lib/supabase-cli.ts";

const base = profile("test");
const at = { dbPort: base.dbPort + 100 };
const scratch = {
  ...base,
  home: path.join(base.home, "scratch"),
  clusterDir: path.join(base.clusterDir, "scratch"),
  dataDir: path.join(base.clusterDir, "scratch", "pgdata"),
  socketDir: path.join(base.clusterDir, "scratch", "run"),
  logDir: path.join(base.home, "scratch", "logs"),
  runDir: path.join(base.home, "scratch", "run"),
  dbPort: at.dbPort,
  dbUrl: dbUrl(at, "postgres"),
  adminDbUrl: dbUrl(at, "supabase_admin"),
  authAdminDbUrl: dbUrl(at, "supabase_auth_admin"),
};

function schemaDump(): string {
  const dump = run("pg_dump", ["--schema-only", "--no-owner", "--exclude-schema=cron", scratch.adminDbUrl], { what: "pg_dump" });
  // pg_dump wraps its output in \restrict lines with a random key.
  return dump.replace(/^\\(un)?restrict .*$/gm, "");
}

afterAll(() => removeCluster(scratch));

describe("migrations", () => {
  it("apply cleanly twice from scratch and produce the same schema", async () => {
    initCluster(scratch);
    await startCluster(scratch, { fast: true });
    applyPlatformShim(scratch);
    pushMigrations(scratch.dbUrl);
    const first = schemaDump();
    expect(pushMigrations(scratch.dbUrl)).toMatch(/up to date|No new migrations|Remote database is up to date/i);

    const template = dbUrl(scratch, "supabase_admin", "template1");
    psql(template, ["-c", "drop database postgres with (force)", "-c", "create database postgres"], "recreating the database");
    // pg_cron's launcher re-attaches to the new database on restart.
    stopCluster(scratch);
    await startCluster(scratch, { fast: true });
    applyPlatformShim(scratch);
    pushMigrations(scratch.dbUrl);
    expect(schemaDump()).toBe(first);
  });
});
