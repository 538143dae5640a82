/** Small process utilities: running commands, background services with pid files, ports. */
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import net from "node:net";
import path from "node:path";

export class StackError extends Error {}

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

export function log(msg: string): void {
  process.stderr.write(`\x1b[2m[hyperlocal]\x1b[0m ${msg}\n`);
}

/** Runs a command, failing with its output when it exits non-zero. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { what?: string } = {}): string {
  const res = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...opts });
  if (res.error) throw new StackError(`${opts.what ?? cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    const out = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim();
    throw new StackError(`${opts.what ?? `${cmd} ${args.join(" ")}`} failed (exit ${res.status}):\n${out}`);
  }
  return String(res.stdout ?? "");
}

/** Runs a command as the `postgres` OS user when we are root (PostgreSQL refuses to run as root). */
export function runAsPostgres(cmd: string, args: string[], opts: SpawnSyncOptions & { what?: string } = {}): string {
  return isRoot ? run("runuser", ["-u", "postgres", "--", cmd, ...args], opts) : run(cmd, args, opts);
}

export function pidFile(runDir: string, name: string): string {
  return path.join(runDir, `${name}.pid`);
}

export function readPid(runDir: string, name: string): number | null {
  const file = pidFile(runDir, name);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Starts a detached background process group writing to a log file and records its pid. */
export function startService(opts: {
  name: string;
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  runDir: string;
  logFile: string;
  cwd?: string;
}): number {
  mkdirSync(opts.runDir, { recursive: true });
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, "a");
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  if (!child.pid) throw new StackError(`could not start ${opts.name} (${opts.cmd})`);
  child.unref();
  writeFileSync(pidFile(opts.runDir, opts.name), String(child.pid));
  return child.pid;
}

/** Stops a service started by startService: SIGTERM to its process group, then SIGKILL. */
export async function stopService(runDir: string, name: string, timeoutMs = 8000): Promise<boolean> {
  const pid = readPid(runDir, name);
  rmSync(pidFile(runDir, name), { force: true });
  if (!pid) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) signal("SIGKILL");
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(150);
  }
  const tail = logFile && existsSync(logFile) ? `\nLast lines of ${logFile}:\n${tailFile(logFile, 25)}` : "";
  throw new StackError(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s.${tail}`);
}

export function tailFile(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines - 1).join("\n");
}
