/**
 * npm test [-- --keep] [-- --only pgtap,deno,vitest]
 *
 * Runs every test layer against an isolated stack of its own (profile `test`: its own ports and a
 * throw-away data folder; the dev stack and its data are never touched):
 *   1. pgTAP database tests (supabase/tests/database) with pg_prove;
 *   2. Deno: type check and lint of functions/, then the edge functions' tests (functions/**\/*.test.ts);
 *   3. vitest: integration tests through the gateway with supabase-js, and schema checks.
 * Ends with one line `N passed, N failed` over all layers; exits non-zero on any failure.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { profile, ROOT } from "./lib/config.ts";
import { psql } from "./lib/cluster.ts";
import { log } from "./lib/proc.ts";
import { down, up } from "./lib/stack.ts";

const { values } = parseArgs({
  options: {
    keep: { type: "boolean", default: false },
    only: { type: "string" },
  },
});

const layers = new Set((values.only ?? "pgtap,deno,vitest").split(","));
const p = profile("test");

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

// Test processes get the test stack's addresses.
const testEnv: NodeJS.ProcessEnv = {
  HL_PROFILE: "test",
  SUPABASE_URL: p.apiUrl,
  SUPABASE_DB_URL: p.dbUrl,
  NO_COLOR: "1",
};

async function pgtap(): Promise<LayerResult> {
  const started = Date.now();
  psql(p.adminDbUrl, ["-f", path.join(ROOT, "sql", "tests", "helpers.sql")], "installing pgTAP helpers");
  const url = new URL(p.dbUrl);
  const { code, output } = await exec(
    "pg_prove",
    ["--ext", ".sql", "-r", "-h", url.hostname, "-p", url.port, "-U", "postgres", "-d", "postgres", "supabase/tests/database"],
    { PGPASSWORD: "postgres", PGOPTIONS: "--client-min-messages=warning" },
  );
  const total = Number(/Tests=(\d+)/.exec(output)?.[1] ?? 0);
  // pg_prove's summary lists "Failed N/M subtests" per failing file.
  let failed = [...output.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
  if (code !== 0 && failed === 0) failed = 1; // a file died before its plan finished
  return { layer: "pgTAP", passed: Math.max(total - failed, 0), failed, seconds: (Date.now() - started) / 1000 };
}

async function deno(): Promise<LayerResult> {
  const started = Date.now();
  const denoBin = path.join(ROOT, "node_modules", ".bin", "deno");
  // Type-check every function entry point and lint the functions (each counts as one test).
  const check = await exec(denoBin, ["check", "--config", "functions/deno.json", "functions/"], testEnv);
  const lint = await exec(denoBin, ["lint", "--config", "functions/deno.json", "functions/"], testEnv);
  const { code, output } = await exec(
    denoBin,
    ["test", "--config", "functions/deno.json", "--allow-net", "--allow-env", "--allow-read", "functions/"],
    testEnv,
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

async function vitest(): Promise<LayerResult> {
  const started = Date.now();
  const reportDir = path.join(p.home, "reports");
  mkdirSync(reportDir, { recursive: true });
  const report = path.join(reportDir, "vitest.json");
  rmSync(report, { force: true });
  const { code } = await exec(
    path.join(ROOT, "node_modules", ".bin", "vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    testEnv,
  );
  let passed = 0;
  let failed = 0;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number };
    passed = r.numPassedTests;
    failed = r.numFailedTests;
  }
  if (code !== 0 && failed === 0) failed = 1;
  return { layer: "vitest", passed, failed, seconds: (Date.now() - started) / 1000 };
}

async function main(): Promise<number> {
  const started = Date.now();
  log("bringing up an isolated test stack (.hyperlocal/test)");
  await down(p, { removeData: true });
  await up(p, { fast: true, seedSize: "small" });
  const results: LayerResult[] = [];
  try {
    if (layers.has("pgtap")) results.push(await pgtap());
    if (layers.has("deno")) results.push(await deno());
    if (layers.has("vitest")) results.push(await vitest());
  } finally {
    if (values.keep) log(`test stack kept running at ${p.apiUrl} (npm run stack -- stop --profile test)`);
    else await down(p, { removeData: true });
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  process.stdout.write("\n");
  for (const r of results) {
    process.stdout.write(`  ${r.layer.padEnd(7)} ${String(r.passed).padStart(4)} passed, ${r.failed} failed  (${r.seconds.toFixed(1)} s)\n`);
  }
  process.stdout.write(`  total time ${((Date.now() - started) / 1000).toFixed(1)} s\n\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch(async (e) => {
    process.stderr.write(`\n\x1b[31mError:\x1b[0m ${(e as Error).message}\n`);
    if (!values.keep) await down(p, { removeData: true }).catch(() => {});
    process.stdout.write("0 passed, 1 failed\n");
    process.exit(1);
  });
