/**
 * How much of the machine the benchmark had: CPU time used by the benchmark's own process trees
 * (database, PostgREST, gateway, load generator) versus everything else on the machine during a
 * measured interval (Linux /proc). Benchmarks on a shared machine report this next to latencies.
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

interface ProcInfo {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks (reaped children roll into their parent). */
  ticks: number;
}

function processes(): Map<number, ProcInfo> {
  const out = new Map<number, ProcInfo>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] = state (field 3); ppid = field 4; utime..cstime = fields 14..17.
      out.set(Number(name), {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
      });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function machineBusyTicks(): number {
  const [cpu] = readFileSync("/proc/stat", "utf8").split("\n");
  const v = cpu.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

export interface CpuSample {
  at: number;
  busy: number;
  ours: number;
}

/** A snapshot; `roots` are the pids whose process trees count as the benchmark's own. */
export function cpuSample(roots: number[]): CpuSample {
  const procs = processes();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(pid);
    children.set(p.ppid, list);
  }
  const seen = new Set<number>();
  const stack = roots.filter((r) => procs.has(r));
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  let ours = 0;
  for (const pid of seen) ours += procs.get(pid)!.ticks;
  return { at: Date.now(), busy: machineBusyTicks(), ours };
}

/** Shares of the machine's CPU capacity (0-1) used by the benchmark and by everything else. */
export function cpuShares(a: CpuSample, b: CpuSample): { ours: number; others: number } {
  const hz = 100; // USER_HZ on Linux
  const capacity = ((b.at - a.at) / 1000) * hz * os.cpus().length;
  const ours = Math.max(0, b.ours - a.ours);
  const others = Math.max(0, b.busy - a.busy - ours);
  return { ours: ours / capacity, others: others / capacity };
}
