/**
 * Local edge functions host: one real Deno process per function, started on first request
 * (a cold start, as on hosted Supabase) and kept running.
 *
 * - Functions: `[functions.<slug>] entrypoint` in supabase/config.toml (relative to supabase/),
 *   else functions/<slug>/index.ts. `enabled = false` hides a function. Slugs match
 *   ^[A-Za-z][A-Za-z0-9_-]*$ (so functions/_shared is never a function).
 * - Imports: `[functions.<slug>] import_map` (a deno.json is passed with --config, another JSON
 *   file with --import-map), else a deno.json(c) beside the entrypoint, else functions/deno.json.
 * - Each process gets port `portBase + n` and is started through scripts/edge/boot.ts (a Deno
 *   preload that points `Deno.serve` at that port and defines `EdgeRuntime.waitUntil`).
 * - Env: what Supabase provides (SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY,
 *   SUPABASE_DB_URL, SUPABASE_PUBLISHABLE_KEYS, SUPABASE_SECRET_KEYS), plus `[edge_runtime.secrets]`
 *   of config.toml and supabase/functions/.env then functions/.env (names starting with SUPABASE_
 *   are skipped there, as the CLI does), and HL_SMS_INBOX (the local inbox, writable). From the
 *   parent env only PATH, HOME, DENO_DIR (and npm
 *   registry/proxy/CA settings Deno needs to fetch npm packages). A change of these files restarts
 *   the function on its next request.
 * - Output goes to <logDir>/functions-<slug>.log (or to stderr, prefixed, without a logDir).
 * - watch: `deno run --watch` reloads a function when its files or functions/ change.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ANON_KEY, PUBLISHABLE_KEY, ROOT, SECRET_KEY, SERVICE_ROLE_KEY } from "./config.ts";
import { parseSupabaseConfig, resolveEnvRef, supabaseConfigFile, type SupabaseConfig } from "./supabase-config.ts";

export const SLUG_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const DEFAULT_START_TIMEOUT_MS = 60_000;
const BOOT_SCRIPT = path.join(ROOT, "scripts", "edge", "boot.ts");
const TAIL_LINES = 60;

export interface FunctionsHostOptions {
  /** First port; function n listens on portBase + n. */
  portBase: number;
  /** Public API URL, given to functions as SUPABASE_URL. */
  apiUrl: string;
  /** Database URL, given to functions as SUPABASE_DB_URL. */
  dbUrl: string;
  /** Project root (default: the repository root). */
  root?: string;
  /** Folder of the functions (default <root>/functions). */
  functionsDir?: string;
  /** Folder holding config.toml (default <root>/supabase). */
  supabaseDir?: string;
  /** Function output goes to <logDir>/functions-<slug>.log; without it, to stderr. */
  logDir?: string;
  /** Hot reload with `deno run --watch`. */
  watch?: boolean;
  /** How long a cold start may take (default 60 s: the first start may download npm packages). */
  startTimeoutMs?: number;
  /** Deno binary (default node_modules/.bin/deno, else `deno` on PATH). */
  denoBin?: string;
  /** Heap limit per function in MB (default 256, like hosted); 0 disables. */
  memoryLimitMb?: number;
  /**
   * The local inbox (platform/auth/inbox.ts) that the local SMS provider of the functions writes
   * to: given to functions as HL_SMS_INBOX, and the one file outside the temp folder they may
   * write. Local stacks only.
   */
  smsInboxFile?: string;
  anonKey?: string;
  serviceRoleKey?: string;
  publishableKey?: string;
  secretKey?: string;
  /** Diagnostics of the host itself (default console.error). */
  log?: (message: string) => void;
}

export interface FunctionInfo {
  slug: string;
  /** Absolute path of the entrypoint. */
  entrypoint: string;
  verifyJwt: boolean;
  /** Config/import map passed to Deno, if any. */
  importMap?: { kind: "config" | "import-map"; file: string };
}

export type FunctionState = "starting" | "ready" | "failed" | "exited";

/** A function could not be started (or crashed during start); carries the tail of its output. */
export class FunctionStartError extends Error {
  readonly slug: string;
  readonly logTail: string;
  readonly logFile?: string;

  constructor(slug: string, message: string, logTail: string, logFile?: string) {
    super(message);
    this.name = "FunctionStartError";
    this.slug = slug;
    this.logTail = logTail;
    this.logFile = logFile;
  }
}

// ---- config files ------------------------------------------------------------------------------

interface Cached<T> {
  key: string;
  value: T;
}
const fileCache = new Map<string, Cached<unknown>>();

/** Read and transform a file, re-reading only when its mtime/size change; `missing` when absent. */
function readCached<T>(file: string, transform: (text: string) => T, missing: T): T {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    fileCache.delete(file);
    return missing;
  }
  const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
  const hit = fileCache.get(file) as Cached<T> | undefined;
  if (hit && hit.key === key) return hit.value;
  const value = transform(fs.readFileSync(file, "utf8"));
  fileCache.set(file, { key, value });
  return value;
}

const lastGoodConfig = new Map<string, SupabaseConfig>();

/**
 * config.toml of `supabaseDir` (see ./supabase-config.ts), re-read when it changes; while an edit
 * leaves it unparsable or invalid, the last good version (so hot reload survives a typo).
 */
function watchedSupabaseConfig(supabaseDir: string, log: (message: string) => void): SupabaseConfig {
  const file = supabaseConfigFile(supabaseDir);
  return readCached<SupabaseConfig>(
    file,
    (text) => {
      try {
        lastGoodConfig.set(file, parseSupabaseConfig(text, file));
      } catch (err) {
        log(`[functions] keeping the previous settings: ${(err as Error).message}`);
      }
      return lastGoodConfig.get(file) ?? {};
    },
    {},
  );
}

/** A small dotenv reader: KEY=VALUE, `export KEY=…`, # comments, single/double quotes. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) {
      value = value.slice(1, value.lastIndexOf(q));
      if (q === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r").replace(/\\t/g, "\t").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out[m[1]] = value;
  }
  return out;
}

function exists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findDeno(root: string): string {
  const local = path.join(root, "node_modules", ".bin", "deno");
  return exists(local) ? local : "deno";
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function canConnect(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

// ---- processes ---------------------------------------------------------------------------------

class FunctionProcess {
  state: FunctionState = "starting";
  /** Set after a refused connection: readiness is confirmed by a TCP probe. */
  suspect = false;
  /** Watch mode: the run failed after it had been serving (a crash, not a boot error). */
  crashed = false;
  private readySinceStart = false;
  readonly tail: string[] = [];
  readonly exited: Promise<void>;
  private listeners = new Set<() => void>();
  private partial: Record<string, string> = { out: "", err: "" };
  private sink?: fs.WriteStream;

  constructor(
    readonly slug: string,
    readonly port: number,
    readonly signature: string,
    readonly child: ChildProcess,
    readonly watch: boolean,
    readonly logFile: string | undefined,
    header: string,
  ) {
    if (logFile) {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      this.sink = fs.createWriteStream(logFile, { flags: "a" });
      this.sink.on("error", (err) => {
        process.stderr.write(`[functions] cannot write ${logFile}: ${err.message}\n`);
        this.sink = undefined;
      });
    }
    this.write(header + "\n");
    child.stdout?.on("data", (b: Buffer) => this.onData("out", b));
    child.stderr?.on("data", (b: Buffer) => this.onData("err", b));
    this.exited = new Promise((resolve) => {
      let done = false;
      const finalize = (why: string) => {
        if (done) return;
        done = true;
        for (const k of ["out", "err"]) if (this.partial[k]) this.onLine(this.partial[k]);
        this.push(`[hl-edge] ${why}`);
        this.write(`[hl-edge] ${why}\n`);
        this.setState("exited");
        this.sink?.end();
        this.sink = undefined;
        resolve();
      };
      // 'close' comes after the output pipes are drained, so nothing is written after the log ends.
      child.once("close", (code, signal) => finalize(`process exited (${signal ? `signal ${signal}` : `code ${code}`})`));
      child.once("error", (err) => finalize(`could not start deno: ${err.message}`));
    });
  }

  private write(text: string) {
    if (this.sink) this.sink.write(text);
    else if (this.logFile === undefined) process.stderr.write(text.replace(/^(?=.)/gm, `[fn:${this.slug}] `));
  }

  private push(line: string) {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  private onData(stream: "out" | "err", chunk: Buffer) {
    const text = chunk.toString("utf8");
    this.write(text);
    const lines = (this.partial[stream] + text).split("\n");
    this.partial[stream] = lines.pop() ?? "";
    for (const line of lines) this.onLine(line);
  }

  private onLine(rawLine: string) {
    const line = stripAnsi(rawLine).replace(/\r$/, "");
    if (line.startsWith("[hl-edge] ready")) {
      this.suspect = false;
      this.readySinceStart = true;
      this.setState("ready");
      return;
    }
    if (this.watch && /^Watcher\b/.test(line)) {
      if (/Restarting!|Process started/.test(line)) {
        this.tail.length = 0;
        this.readySinceStart = false;
        this.crashed = false;
        this.setState("starting");
      } else if (/Process (failed|finished)/.test(line)) {
        this.crashed = this.readySinceStart;
        this.setState("failed");
      }
    }
    this.push(line);
  }

  setState(state: FunctionState) {
    if (this.state === "exited") return;
    this.state = state;
    for (const l of [...this.listeners]) l();
  }

  tailText(lines = 30): string {
    return this.tail.slice(-lines).join("\n").trim();
  }

  /** Resolve once ready; reject when the process fails, exits or the deadline passes. */
  async waitReady(deadline: number): Promise<void> {
    for (;;) {
      if (this.state === "ready") return;
      if (this.state === "failed" || this.state === "exited") {
        const why = this.state === "exited" ? "exited during start" : "failed to start";
        throw new FunctionStartError(this.slug, `Function "${this.slug}" ${why}`, this.tailText(), this.logFile);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new FunctionStartError(
          this.slug,
          `Function "${this.slug}" did not start listening within the start timeout ` +
            `(does its entrypoint call Deno.serve?)`,
          this.tailText(),
          this.logFile,
        );
      }
      if (this.suspect && (await canConnect(this.port))) {
        this.suspect = false;
        this.setState("ready");
        return;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.listeners.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, this.suspect ? 200 : 1000));
        this.listeners.add(wake);
      });
    }
  }

  /** Stop the whole process group: SIGTERM (SIGINT for the watcher), then SIGKILL. */
  async stop(graceMs = 4000): Promise<void> {
    if (this.state === "exited" || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-pid, s);
      } catch {
        try {
          this.child.kill(s);
        } catch {
          /* already gone */
        }
      }
    };
    signal(this.watch ? "SIGINT" : "SIGTERM");
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
    ]);
    if (timedOut) {
      signal("SIGKILL");
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }

  killNow() {
    if (this.state === "exited" || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

// ---- the host ----------------------------------------------------------------------------------

export class FunctionsHost {
  readonly root: string;
  readonly functionsDir: string;
  readonly supabaseDir: string;
  private readonly opts: FunctionsHostOptions;
  private readonly denoBin: string;
  private readonly log: (message: string) => void;
  private readonly procs = new Map<string, FunctionProcess>();
  private readonly starting = new Map<string, Promise<FunctionProcess>>();
  private readonly ports = new Map<string, number>();
  private nextPortIndex = 0;
  private readonly warned = new Set<string>();
  private closed = false;
  private readonly onExit = () => {
    for (const p of this.procs.values()) p.killNow();
  };

  constructor(opts: FunctionsHostOptions) {
    this.opts = opts;
    this.root = opts.root ?? ROOT;
    this.functionsDir = opts.functionsDir ?? path.join(this.root, "functions");
    this.supabaseDir = opts.supabaseDir ?? path.join(this.root, "supabase");
    this.denoBin = opts.denoBin ?? findDeno(this.root);
    this.log = opts.log ?? ((m) => console.error(m));
    process.on("exit", this.onExit);
  }

  private config(): SupabaseConfig {
    return watchedSupabaseConfig(this.supabaseDir, this.log);
  }

  /** The function `slug`, or null if the slug is invalid, disabled or has no entrypoint file. */
  resolve(slug: string): FunctionInfo | null {
    if (!SLUG_RE.test(slug)) return null;
    const section = this.config().functions?.[slug] ?? {};
    if (section.enabled === false) return null;
    const entrypoint = section.entrypoint
      ? path.resolve(this.supabaseDir, section.entrypoint)
      : path.join(this.functionsDir, slug, "index.ts");
    if (!exists(entrypoint)) return null;
    let importMap: FunctionInfo["importMap"];
    if (section.import_map) {
      const file = path.resolve(this.supabaseDir, section.import_map);
      importMap = { kind: /^deno\.jsonc?$/.test(path.basename(file)) ? "config" : "import-map", file };
    } else {
      const dir = path.dirname(entrypoint);
      const local = ["deno.json", "deno.jsonc"].map((f) => path.join(dir, f)).find(exists);
      const shared = ["deno.json", "deno.jsonc"].map((f) => path.join(this.functionsDir, f)).find(exists);
      const file = local ?? shared;
      if (file) importMap = { kind: "config", file };
    }
    return { slug, entrypoint, verifyJwt: section.verify_jwt !== false, importMap };
  }

  /** Slugs of all functions: folders of functions/ with an index.ts and config.toml sections. */
  list(): string[] {
    const slugs = new Set<string>();
    try {
      for (const d of fs.readdirSync(this.functionsDir, { withFileTypes: true })) {
        if (d.isDirectory() && SLUG_RE.test(d.name)) slugs.add(d.name);
      }
    } catch {
      /* no functions folder */
    }
    for (const slug of Object.keys(this.config().functions ?? {})) slugs.add(slug);
    return [...slugs].filter((s) => this.resolve(s) !== null).sort();
  }

  /** The environment of a function process. */
  functionEnv(): Record<string, string> {
    const o = this.opts;
    const env: Record<string, string> = {};
    for (const k of ["PATH", "HOME", "DENO_DIR"]) if (process.env[k]) env[k] = process.env[k]!;
    // Only so Deno can reach the npm registry (and TLS hosts) the way this machine is set up to.
    for (const k of [
      "NODE_EXTRA_CA_CERTS",
      "SSL_CERT_FILE",
      "SSL_CERT_DIR",
      "DENO_TLS_CA_STORE",
      "NPM_CONFIG_REGISTRY",
      "npm_config_registry",
      "HTTP_PROXY",
      "HTTPS_PROXY",
      "NO_PROXY",
      "http_proxy",
      "https_proxy",
      "no_proxy",
      "DENO_CERT",
    ]) {
      if (process.env[k]) env[k] = process.env[k]!;
    }
    // Trust the OS store too (TLS-intercepting proxies, corporate CAs) without relying on the caller's env.
    if (!env.DENO_TLS_CA_STORE) env.DENO_TLS_CA_STORE = "mozilla,system";
    env.DENO_NO_UPDATE_CHECK = "1";
    if (o.logDir) env.NO_COLOR = "1";

    const secrets: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.config().edge_runtime?.secrets ?? {})) {
      const value = resolveEnvRef(v);
      if (value !== undefined) secrets[k] = value;
    }
    for (const file of [path.join(this.supabaseDir, "functions", ".env"), path.join(this.functionsDir, ".env")]) {
      Object.assign(secrets, readCached(file, parseDotenv, {}));
    }
    for (const [k, v] of Object.entries(secrets)) {
      if (k.startsWith("SUPABASE_")) {
        if (!this.warned.has(k)) this.log(`[functions] env name cannot start with SUPABASE_, skipping: ${k}`);
        this.warned.add(k);
        continue;
      }
      env[k] = v;
    }
    if (o.smsInboxFile) env.HL_SMS_INBOX = o.smsInboxFile;
    const anon = o.anonKey ?? ANON_KEY;
    const service = o.serviceRoleKey ?? SERVICE_ROLE_KEY;
    Object.assign(env, {
      SUPABASE_URL: o.apiUrl,
      SUPABASE_ANON_KEY: anon,
      SUPABASE_SERVICE_ROLE_KEY: service,
      SUPABASE_DB_URL: o.dbUrl,
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: o.publishableKey ?? PUBLISHABLE_KEY }),
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: o.secretKey ?? SECRET_KEY }),
    });
    return env;
  }

  /** Deno arguments shared by `run` and `cache`. */
  private configArgs(info: FunctionInfo): string[] {
    if (!info.importMap) return [];
    return info.importMap.kind === "config"
      ? ["--config", info.importMap.file]
      : ["--import-map", info.importMap.file];
  }

  private runArgs(info: FunctionInfo, port: number): string[] {
    const dirs = [this.root, path.dirname(info.entrypoint)];
    if (info.importMap) dirs.push(path.dirname(info.importMap.file));
    const inside = (d: string, parent: string) => d !== parent && !path.relative(parent, d).startsWith("..");
    const readable = new Set(dirs.filter((d) => !dirs.some((p) => inside(d, p))));
    const args = ["run", "--no-prompt", ...this.configArgs(info)];
    args.push(
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      `--allow-read=${[...readable].join(",")}`,
      `--allow-write=${[os.tmpdir(), ...(this.opts.smsInboxFile ? [this.opts.smsInboxFile] : [])].join(",")}`,
    );
    const mem = this.opts.memoryLimitMb ?? 256;
    if (mem > 0) args.push(`--v8-flags=--max-old-space-size=${mem}`);
    if (this.opts.watch) {
      const watched = new Set([this.functionsDir, path.dirname(info.entrypoint)]);
      args.push(`--watch=${[...watched].join(",")}`, "--no-clear-screen");
    }
    const boot = pathToFileURL(BOOT_SCRIPT);
    boot.search = new URLSearchParams({ port: String(port), slug: info.slug }).toString();
    args.push("--preload", boot.href, info.entrypoint);
    return args;
  }

  private async allocatePort(slug: string): Promise<number> {
    const known = this.ports.get(slug);
    if (known !== undefined && (await portIsFree(known))) return known;
    const taken = new Set(this.ports.values());
    for (let tries = 0; tries < 200; tries++) {
      const port = this.opts.portBase + this.nextPortIndex++;
      if (taken.has(port)) continue;
      if (await portIsFree(port)) {
        this.ports.set(slug, port);
        return port;
      }
    }
    throw new Error(`no free port for function "${slug}" from ${this.opts.portBase}`);
  }

  private async spawnProcess(info: FunctionInfo, signature: string): Promise<FunctionProcess> {
    const port = await this.allocatePort(info.slug);
    const args = this.runArgs(info, port);
    const child = spawn(this.denoBin, args, {
      cwd: this.root,
      env: this.functionEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const logFile = this.opts.logDir ? path.join(this.opts.logDir, `functions-${info.slug}.log`) : undefined;
    const header = `[hl-edge] ${new Date().toISOString()} starting "${info.slug}" on 127.0.0.1:${port}: deno ${args.join(" ")}`;
    const proc = new FunctionProcess(info.slug, port, signature, child, !!this.opts.watch, logFile, header);
    proc.exited.then(() => {
      if (this.procs.get(info.slug) === proc) this.procs.delete(info.slug);
    });
    this.procs.set(info.slug, proc);
    return proc;
  }

  private signature(info: FunctionInfo): string {
    return JSON.stringify([info.entrypoint, info.importMap, this.functionEnv()]);
  }

  /**
   * Make sure the function runs and listens; returns its port. Starts it (cold start) or restarts
   * it when its entrypoint, import map or env changed. Throws FunctionStartError.
   */
  async ensure(info: FunctionInfo, timeoutMs = this.opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS): Promise<number> {
    if (this.closed) throw new FunctionStartError(info.slug, "The functions host is shutting down", "");
    const deadline = Date.now() + timeoutMs;
    const sig = this.signature(info);
    let proc = this.procs.get(info.slug);
    if (proc && (proc.signature !== sig || proc.state === "exited" || proc.crashed)) {
      if (proc.crashed) this.log(`[functions] "${info.slug}" crashed; restarting`);
      else if (proc.state !== "exited") {
        this.log(`[functions] "${info.slug}" changed (entrypoint, import map or env); restarting`);
      }
      this.procs.delete(info.slug);
      await proc.stop();
      proc = undefined;
    }
    if (!proc) {
      let pending = this.starting.get(info.slug);
      if (!pending) {
        pending = this.spawnProcess(info, sig).finally(() => this.starting.delete(info.slug));
        this.starting.set(info.slug, pending);
      }
      proc = await pending;
    }
    await proc.waitReady(deadline);
    return proc.port;
  }

  /** After a refused connection: the process is restarting (watch) or gone; re-check before use. */
  markSuspect(slug: string): void {
    const p = this.procs.get(slug);
    if (p && p.state === "ready") {
      p.suspect = true;
      p.setState("starting");
    }
  }

  /**
   * After a failed request: give a dying process a moment to be seen as exited (or failed, in watch
   * mode), so the next request starts a fresh one instead of hitting the corpse.
   */
  async settle(slug: string, ms = 500): Promise<void> {
    const p = this.procs.get(slug);
    if (!p) return;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && (p.state === "ready" || p.state === "starting")) {
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 50))]);
    }
  }

  /** The recent output of a function (for error messages). */
  logTail(slug: string, lines = 30): string {
    return this.procs.get(slug)?.tailText(lines) ?? "";
  }

  logFile(slug: string): string | undefined {
    return this.opts.logDir ? path.join(this.opts.logDir, `functions-${slug}.log`) : undefined;
  }

  status(): { slug: string; port: number; state: FunctionState; pid?: number }[] {
    return [...this.procs.values()].map((p) => ({ slug: p.slug, port: p.port, state: p.state, pid: p.child.pid }));
  }

  /** Stop one function (it starts again on its next request). */
  async stop(slug: string): Promise<void> {
    const p = this.procs.get(slug);
    if (p) {
      this.procs.delete(slug);
      await p.stop();
    }
  }

  /** Stop all function processes (their whole process groups). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.starting.values()]);
    await Promise.all([...this.procs.values()].map((p) => p.stop()));
    this.procs.clear();
    process.removeListener("exit", this.onExit);
  }

  /**
   * Download and cache the npm/remote dependencies of every function (`deno cache`), so the first
   * request does not wait for downloads. Resolves with one result per function.
   */
  async prewarm(slugs = this.list()): Promise<{ slug: string; ok: boolean; output: string }[]> {
    const results: { slug: string; ok: boolean; output: string }[] = [];
    for (const slug of slugs) {
      const info = this.resolve(slug);
      if (!info) {
        results.push({ slug, ok: false, output: "no such function" });
        continue;
      }
      const args = ["cache", ...this.configArgs(info), BOOT_SCRIPT, info.entrypoint];
      const env = { ...this.functionEnv(), NO_COLOR: "1" };
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(this.denoBin, args, { cwd: this.root, env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (b) => (out += b));
        child.stderr.on("data", (b) => (out += b));
        child.on("error", (err) => resolve({ code: -1, output: err.message }));
        child.on("close", (c) => resolve({ code: c, output: out }));
      });
      results.push({ slug, ok: code === 0, output: output.trim() });
    }
    return results;
  }
}

/** Cache the dependencies of all functions (see FunctionsHost.prewarm) without starting any. */
export async function prewarmFunctions(
  opts: Partial<FunctionsHostOptions> & { slugs?: string[] } = {},
): Promise<{ slug: string; ok: boolean; output: string }[]> {
  const host = new FunctionsHost({ portBase: 0, apiUrl: "http://127.0.0.1", dbUrl: "", ...opts });
  try {
    return await host.prewarm(opts.slugs);
  } finally {
    await host.close();
  }
}
