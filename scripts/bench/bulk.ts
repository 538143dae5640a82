/**
 * Helpers the benchmarks' bulk seeders share: SQL array literals for generated statements, timed
 * steps, session settings for set-based loading, and running statement lists on several
 * connections at once.
 */
import type postgres from "postgres";
import { log } from "../lib/proc.ts";

export type Sql = postgres.Sql<Record<string, unknown>>;

/** One timed step of a seed, as the reports list them. */
export interface SeedStep {
  step: string;
  seconds: number;
}

/** A typed SQL array literal of numbers, strings (quoted) and nulls, for generated statements. */
export function sqlArray(xs: Array<string | number | null>, type: string): string {
  return `array[${xs.map((x) => (x === null ? "null" : typeof x === "number" ? String(x) : `'${x.replace(/'/g, "''")}'`)).join(", ")}]::${type}[]`;
}

/** Runs `fn`, logs and records how long it took under `step`. */
export async function timed<T>(steps: SeedStep[], step: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const out = await fn();
  const seconds = (Date.now() - started) / 1000;
  steps.push({ step, seconds });
  log(`  ${step}: ${seconds.toFixed(1)} s`);
  return out;
}

/**
 * Session settings for set-based bulk work on a superuser session: triggers off (the seeders
 * compute what they would), no synchronous commit, memory for sorts and index builds.
 */
export async function bulkSession(sql: Sql, memory: { workMem: string; maintenanceWorkMem: string }): Promise<void> {
  await sql.unsafe(`
    set session_replication_role = replica;
    set synchronous_commit = off;
    set work_mem = '${memory.workMem}';
    set maintenance_work_mem = '${memory.maintenanceWorkMem}';
    set max_parallel_workers_per_gather = 0;
    set statement_timeout = 0;
    set client_min_messages = warning`);
}

/** Runs statement lists at once, list i on connection i modulo the connections (2 cores: 2 connections). */
export async function inParallel(conns: Sql[], work: string[][]): Promise<void> {
  await Promise.all(work.map(async (stmts, i) => {
    for (const s of stmts) await conns[i % conns.length].unsafe(s);
  }));
}
