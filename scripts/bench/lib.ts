/**
 * Shared pieces of the benchmarks (npm run bench:*): a stack of their own, users with tokens,
 * latency statistics, worker processes and the docs/benchmarks.md writer.
 *
 * Each benchmark runs on its own stack (HL_HOME=.hyperlocal/bench-<name>, its own ports) with
 * durable PostgreSQL settings (fsync on, unlike the test stack), so its numbers are not flattered
 * and neither the dev nor the test data is touched.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import { ANON_KEY, ROOT, profile, type Profile } from "../lib/config.ts";
import { authAdminSql, createUser, mintAccessToken } from "../lib/auth.ts";
import { log } from "../lib/proc.ts";
import { down, up } from "../lib/stack.ts";
import type { Database } from "../../functions/_shared/database.types.ts";

export type Client = SupabaseClient<Database>;

export interface BenchContext {
  p: Profile;
  /** Connection as the migration role `postgres` (fixtures and checks). */
  sql: postgres.Sql;
  /** Options given on the command line (--name value). */
  options: Record<string, string>;
}

/** A scenario measures one thing and returns a markdown fragment plus whether its checks held. */
export interface Scenario {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export interface ScenarioResult {
  markdown: string;
  ok: boolean;
  summary: string;
}

/** Brings up the benchmark's own stack; HL_API_PORT may move it. */
export async function benchStack(name: string, defaultApiPort: number): Promise<{ p: Profile; stop: () => Promise<void> }> {
  process.env.HL_HOME = process.env.HL_HOME ?? path.join(".hyperlocal", `bench-${name}`);
  process.env.HL_API_PORT = process.env.HL_API_PORT ?? String(defaultApiPort);
  const p = profile("dev");
  log(`bench stack in ${path.relative(ROOT, p.home)} (API ${p.apiUrl})`);
  await up(p, { reset: true, seedSize: "small" });
  return { p, stop: () => down(p, { removeData: true }) };
}

export function client(p: Profile, accessToken: string): Client {
  return createClient<Database>(p.apiUrl, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket: supabase-js needs the ws package as its transport.
    realtime: { transport: WebSocket as never },
    global: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
}

export interface BenchUser {
  id: string;
  token: string;
}

/** Creates users the way GoTrue does and mints their access tokens (a few at a time). */
export async function createUsers(p: Profile, prefix: string, n: number): Promise<BenchUser[]> {
  const sql = authAdminSql(p);
  try {
    const out: BenchUser[] = [];
    for (let i = 0; i < n; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
          const { user } = await createUser(sql, { email: `${prefix}.${i + j}.${Date.now()}@bench.test` });
          const session = await mintAccessToken(sql, user.id, { apiUrl: p.apiUrl, expiresIn: 6 * 3600 });
          return { id: user.id, token: session.accessToken };
        }),
      );
      out.push(...batch);
    }
    return out;
  } finally {
    await sql.end();
  }
}

export interface Stats {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const q = (f: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(f * s.length) - 1)] : 0);
  return {
    n: s.length,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: s.length ? s[s.length - 1] : 0,
  };
}

export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Runs this script again as a worker process: `tsx <script> --worker <job file>`; returns its JSON output. */
export function runWorker<T>(script: string, job: unknown, label: string): Promise<T> {
  const dir = path.join(ROOT, ".hyperlocal", "bench-jobs");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${label}-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(job));
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), [script, "--worker", file], {
      cwd: ROOT,
      env: process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      rmSync(file, { force: true });
      if (code !== 0) return reject(new Error(`worker ${label} exited with ${code}`));
      try {
        resolve(JSON.parse(out) as T);
      } catch (e) {
        reject(new Error(`worker ${label} printed no JSON: ${(e as Error).message}\n${out.slice(0, 500)}`));
      }
    });
  });
}

/** Runs `work` over items with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await work(item);
      }
    }),
  );
}

export function machine(): string {
  const cpus = os.cpus();
  const pg = "PostgreSQL 15 (fsync on)";
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${pg}, PostgREST 12 behind the Node gateway, all on one machine`;
}

const BENCH_DOC = path.join(ROOT, "docs", "benchmarks.md");

/**
 * Replaces (or appends) the section `## <heading>` of docs/benchmarks.md, leaving every other
 * section as it is (several issues write their own).
 */
export function writeSection(heading: string, body: string): void {
  mkdirSync(path.dirname(BENCH_DOC), { recursive: true });
  let doc = existsSync(BENCH_DOC)
    ? readFileSync(BENCH_DOC, "utf8")
    : "# Benchmarks\n\nNumbers measured on a development machine with the local stack; each section is written by its `npm run bench:*` script.\n";
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const lines = doc.split("\n");
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start === -1) {
    doc = `${doc.trimEnd()}\n\n${section}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end === -1) end = lines.length;
    doc = [...lines.slice(0, start), ...section.trimEnd().split("\n"), "", ...lines.slice(end)].join("\n").trimEnd() + "\n";
  }
  writeFileSync(BENCH_DOC, doc);
}
