/**
 * npm test [-- --keep] [-- --only pgtap,deno,vitest]
 *
 * Runs every test layer against an isolated stack of its own (profile `test`: its own ports and a
 * throw-away data folder; the dev stack and its data are never touched):
 *   1. pgTAP database tests (supabase/tests/database) with pg_prove;
 *   2. Deno: type check and lint of functions/, then the edge functions' tests (functions/**\/*.test.ts);
 *   3. vitest: integration tests through the gateway with supabase-js, and schema checks.
 * Then the legacy pass (profile `legacy`): the same migrations on a database with the default
 * privileges of Supabase projects created before the 2026 Data API change (ALL on new objects in
 * public for the API roles), pgTAP installed by the `postgres` role, and the tests that read
 * privileges there (LEGACY_PGTAP, LEGACY_VITEST): the privilege matrix must equal the reviewed list
 * on both stacks, so every other test would see the same grants and is not run twice.
 * Ends with one line `N passed, N failed` over all layers; exits non-zero on any failure.
 * `--update` rewrites vitest file snapshots (the reviewed privilege list) instead of comparing.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { profile, ROOT, type Profile } from "./lib/config.ts";
import { psql } from "./lib/cluster.ts";
import { DB_PASSWORD } from "./lib/db.ts";
import { log } from "./lib/proc.ts";
import { down, up } from "./lib/stack.ts";

const { values } = parseArgs({
  options: {
    keep: { type: "boolean", default: false },
    only: { type: "string" },
    update: { type: "boolean", default: false },
  },
});

const layers = new Set((values.only ?? "pgtap,deno,vitest,legacy").split(","));
const p = profile("test");
const legacy = profile("legacy");
/**
 * The legacy pass: the privilege matrix (every grant the API and platform roles hold, and the
 * default privileges left behind), the advisors, the conventions (RLS, policies, grants), and the
 * layers whose access goes through platform grants (storage, realtime, RLS through the API).
 */
const LEGACY_PGTAP = [
  "supabase/tests/database/00000-conventions.test.sql",
  "supabase/tests/database/00400-storage.test.sql",
  "supabase/tests/database/00710-messaging-realtime-storage-system.test.sql",
];
const LEGACY_VITEST = [
  "tests/schema/privileges.test.ts",
  "tests/schema/advisors.test.ts",
  "tests/integration/rls.test.ts",
  "tests/integration/storage-server.test.ts",
  "tests/integration/realtime-server.test.ts",
];

interface LayerResult {
  layer: string;
  passed: number;
  failed: number;
  seconds: number;
}

/** Runs a command with live output and returns its exit code and captured output. */
function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d;
      process.stderr.write(d);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
    child.on("error", (e) => resolve({ code: 1, output: `${output}\n${e.message}` }));
  });
}

/** Environment of test processes: the addresses of the stack under test. */
function testEnv(stack: Profile): NodeJS.ProcessEnv {
  return { HL_PROFILE: stack.name, SUPABASE_URL: stack.apiUrl, SUPABASE_DB_URL: stack.dbUrl, NO_COLOR: "1" };
}

/**
 * Creates pgTAP (and plpgsql_check) as the superuser, then hands pgTAP's functions to `postgres`
 * with no EXECUTE for PUBLIC: the state `create extension pgtap` by the postgres role leaves under
 * the core migration's default privileges. The helpers must make the tests work from there.
 */
function installPgtapAsPostgres(stack: Profile): void {
  psql(
    stack.adminDbUrl,
    [
      "-c", "create extension if not exists pgtap with schema extensions",
      "-c", "create extension if not exists plpgsql_check with schema extensions",
      "-c", `do $$
        declare f regprocedure;
        begin
          for f in select p.oid::regprocedure from pg_depend d
                     join pg_extension e on e.oid = d.refobjid and d.refclassid = 'pg_extension'::regclass
                     join pg_proc p on p.oid = d.objid and d.classid = 'pg_proc'::regclass
                    where e.extname = 'pgtap' and d.deptype = 'e'
          loop
            execute format('alter function %s owner to postgres', f);
            execute format('revoke execute on function %s from public', f);
          end loop;
        end $$`,
    ],
    "installing pgTAP as the postgres role would",
  );
}

async function pgtap(stack: Profile, label: string, files = ["supabase/tests/database"]): Promise<LayerResult> {
  const started = Date.now();
  if (stack.legacyDataApiGrants) {
    installPgtapAsPostgres(stack);
    psql(stack.dbUrl, ["-f", path.join(ROOT, "sql", "tests", "helpers.sql")], "installing pgTAP helpers as postgres");
  } else {
    psql(stack.adminDbUrl, ["-f", path.join(ROOT, "sql", "tests", "helpers.sql")], "installing pgTAP helpers");
  }
  const url = new URL(stack.dbUrl);
  const { code, output } = await exec(
    "pg_prove",
    ["--ext", ".sql", "-r", "-h", url.hostname, "-p", url.port, "-U", "postgres", "-d", "postgres", ...files],
    { PGPASSWORD: DB_PASSWORD, PGOPTIONS: "--client-min-messages=warning" },
  );
  const total = Number(/Tests=(\d+)/.exec(output)?.[1] ?? 0);
  // pg_prove's summary lists "Failed N/M subtests" per failing file.
  let failed = [...output.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
  if (code !== 0 && failed === 0) failed = 1; // a file died before its plan finished
  return { layer: label, passed: Math.max(total - failed, 0), failed, seconds: (Date.now() - started) / 1000 };
}

async function deno(): Promise<LayerResult> {
  const started = Date.now();
  const denoBin = path.join(ROOT, "node_modules", ".bin", "deno");
  // Type-check every function entry point and lint the functions (each counts as one test).
  const check = await exec(denoBin, ["check", "--config", "functions/deno.json", "functions/"], testEnv(p));
  const lint = await exec(denoBin, ["lint", "--config", "functions/deno.json", "functions/"], testEnv(p));
  const { code, output } = await exec(
    denoBin,
    ["test", "--config", "functions/deno.json", "--allow-net", "--allow-env", "--allow-read", "functions/"],
    testEnv(p),
  );
  // Deno's summary: "ok | 5 passed | 0 failed (1s)" or "FAILED | 4 passed | 1 failed (1s)"
  const m = /(\d+) passed[^|\n]*\| (\d+) failed/.exec(output);
  let passed = Number(m?.[1] ?? 0);
  let failed = Number(m?.[2] ?? 0);
  if (code !== 0 && failed === 0) failed = 1;
  if (!m && code === 0) passed = 0;
  for (const r of [check, lint]) {
    if (r.code === 0) passed += 1;
    else failed += 1;
  }
  return { layer: "Deno", passed, failed, seconds: (Date.now() - started) / 1000 };
}

async function vitest(stack: Profile, label: string, extraArgs: string[] = []): Promise<LayerResult> {
  const started = Date.now();
  const reportDir = path.join(stack.home, "reports");
  mkdirSync(reportDir, { recursive: true });
  const report = path.join(reportDir, "vitest.json");
  rmSync(report, { force: true });
  const { code } = await exec(
    path.join(ROOT, "node_modules", ".bin", "vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...(values.update ? ["-u"] : []), ...extraArgs],
    testEnv(stack),
  );
  let passed = 0;
  let failed = 0;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number };
    passed = r.numPassedTests;
    failed = r.numFailedTests;
  }
  if (code !== 0 && failed === 0) failed = 1;
  return { layer: label, passed, failed, seconds: (Date.now() - started) / 1000 };
}

async function main(): Promise<number> {
  const started = Date.now();
  const results: LayerResult[] = [];
  if (["pgtap", "deno", "vitest"].some((l) => layers.has(l))) {
    log("bringing up an isolated test stack (.hyperlocal/test)");
    await down(p, { removeData: true });
    await up(p, { fast: true, seedSize: "small" });
    try {
      if (layers.has("pgtap")) results.push(await pgtap(p, "pgTAP"));
      if (layers.has("deno")) results.push(await deno());
      if (layers.has("vitest")) results.push(await vitest(p, "vitest"));
    } finally {
      if (values.keep) log(`test stack kept running at ${p.apiUrl} (npm run stack -- stop --profile test)`);
      else await down(p, { removeData: true });
    }
  }
  if (layers.has("legacy")) {
    log("bringing up the legacy-grants test stack (.hyperlocal/legacy: pre-2026 default privileges in public)");
    await down(legacy, { removeData: true });
    await up(legacy, { fast: true, seedSize: "small" });
    try {
      results.push(await pgtap(legacy, "pgTAP (legacy grants)", LEGACY_PGTAP));
      results.push(await vitest(legacy, "vitest (legacy grants)", LEGACY_VITEST));
    } finally {
      if (values.keep) log(`legacy stack kept running at ${legacy.apiUrl} (npm run stack -- stop --profile legacy)`);
      else await down(legacy, { removeData: true });
    }
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  process.stdout.write("\n");
  for (const r of results) {
    process.stdout.write(`  ${r.layer.padEnd(22)} ${String(r.passed).padStart(4)} passed, ${r.failed} failed  (${r.seconds.toFixed(1)} s)\n`);
  }
  process.stdout.write(`  total time ${((Date.now() - started) / 1000).toFixed(1)} s\n\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch(async (e) => {
    process.stderr.write(`\n\x1b[31mError:\x1b[0m ${(e as Error).message}\n`);
    if (!values.keep) {
      await down(p, { removeData: true }).catch(() => {});
      await down(legacy, { removeData: true }).catch(() => {});
    }
    process.stdout.write("0 passed, 1 failed\n");
    process.exit(1);
  });
