/**
 * The project-local PostgreSQL 15 cluster: created with the superuser `supabase_admin` (as on
 * hosted Supabase), run as the `postgres` OS user, with the platform shim applied by the
 * superuser and the project's migrations applied by the Supabase CLI as the non-superuser
 * `postgres` role. The server's own files live in `p.clusterDir` (the profile's home, or a folder
 * the postgres OS user can reach when the checkout sits where it cannot: see config.ts).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, type Profile } from "./config.ts";
import { DB_PASSWORD, dbUrl } from "./db.ts";
import { PG_BIN } from "./deps.ts";
import { isRoot, log, run, runAsPostgres, sleep, StackError, portInUse } from "./proc.ts";

export interface ClusterOptions {
  /** Trade durability for speed (throw-away test clusters). */
  fast?: boolean;
}

function postgresIds(): { uid: number; gid: number } {
  const out = run("id", ["postgres"], { what: "looking up the postgres OS user" });
  const uid = Number(/uid=(\d+)/.exec(out)?.[1]);
  const gid = Number(/gid=(\d+)/.exec(out)?.[1]);
  return { uid, gid };
}

function chownTree(dir: string): void {
  if (!isRoot) return;
  const { uid, gid } = postgresIds();
  run("chown", ["-R", `${uid}:${gid}`, dir]);
}

export function libDir(p: Profile): string {
  return path.join(p.clusterDir, "lib");
}

/** The server log (inside clusterDir); `npm run stack -- logs` finds it in the profile's log folder. */
function serverLog(p: Profile): string {
  return path.join(p.clusterDir, "logs", "postgres.log");
}

/** Builds the local stand-in for Supabase's safeupdate module into the profile's lib folder. */
export function buildSafeupdate(p: Profile): void {
  const target = path.join(libDir(p), "safeupdate.so");
  if (existsSync(target)) return;
  mkdirSync(libDir(p), { recursive: true });
  log("building the safeupdate module (local stand-in for Supabase's pg-safeupdate)");
  run("bash", [path.join(ROOT, "sql/platform/safeupdate/build.sh"), libDir(p)], { what: "building safeupdate" });
}

export function clusterExists(p: Profile): boolean {
  return existsSync(path.join(p.dataDir, "PG_VERSION"));
}

export function initCluster(p: Profile): void {
  mkdirSync(p.home, { recursive: true });
  mkdirSync(p.logDir, { recursive: true });
  mkdirSync(p.runDir, { recursive: true });
  mkdirSync(p.socketDir, { recursive: true });
  mkdirSync(path.dirname(serverLog(p)), { recursive: true });
  if (p.clusterDir !== p.home) {
    const link = path.join(p.logDir, "postgres.log");
    rmSync(link, { force: true });
    symlinkSync(serverLog(p), link);
  }
  const pwfile = path.join(p.clusterDir, "initdb.pw");
  writeFileSync(pwfile, `${DB_PASSWORD}\n`);
  chmodSync(pwfile, 0o644);
  chownTree(p.clusterDir);
  log(`creating the PostgreSQL cluster in ${p.clusterDir === p.home ? path.relative(ROOT, p.dataDir) : p.dataDir}`);
  runAsPostgres(
    `${PG_BIN}/initdb`,
    [
      "-D", p.dataDir,
      "-U", "supabase_admin",
      "--pwfile", pwfile,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "-E", "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
    ],
    { what: "initdb" },
  );
  rmSync(pwfile, { force: true });
  const conf = path.join(p.dataDir, "postgresql.conf");
  writeFileSync(conf, `${readFileSync(conf, "utf8")}\ninclude 'hyperlocal.conf'\n`);
}

/** (Re)writes the settings the stack needs; applied at every start. */
export function writeClusterConfig(p: Profile, opts: ClusterOptions = {}): void {
  const lines = [
    "# Written by scripts/lib/cluster.ts at every start; edit there.",
    "listen_addresses = '127.0.0.1'",
    `port = ${p.dbPort}`,
    `unix_socket_directories = '${p.socketDir}'`,
    "wal_level = logical",
    "max_wal_senders = 10",
    "max_replication_slots = 10",
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    "cron.use_background_workers = on",
    "max_worker_processes = 32",
    `dynamic_library_path = '$libdir:${libDir(p)}'`,
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "password_encryption = 'scram-sha-256'",
    "max_connections = 200",
    "log_min_messages = warning",
    "log_line_prefix = '%m [%p] %q%u@%d '",
    ...(opts.fast ? ["fsync = off", "synchronous_commit = off", "full_page_writes = off"] : []),
  ];
  writeFileSync(path.join(p.dataDir, "hyperlocal.conf"), `${lines.join("\n")}\n`);
  chownTree(p.dataDir);
}

export function clusterRunning(p: Profile): boolean {
  if (!clusterExists(p)) return false;
  try {
    runAsPostgres(`${PG_BIN}/pg_ctl`, ["status", "-D", p.dataDir], { what: "pg_ctl status" });
    return true;
  } catch {
    return false;
  }
}

export async function startCluster(p: Profile, opts: ClusterOptions = {}): Promise<void> {
  if (clusterRunning(p)) return;
  if (await portInUse(p.dbPort)) {
    throw new StackError(
      `Port ${p.dbPort} (database) is already in use by another program. Stop it (for example a ` +
        "`supabase start` stack: `supabase stop`) or choose other ports with HL_DB_PORT / HL_API_PORT.",
    );
  }
  buildSafeupdate(p);
  writeClusterConfig(p, opts);
  mkdirSync(p.logDir, { recursive: true });
  mkdirSync(path.dirname(serverLog(p)), { recursive: true });
  chownTree(p.clusterDir);
  const logFile = serverLog(p);
  for (let attempt = 1; ; attempt++) {
    try {
      runAsPostgres(`${PG_BIN}/pg_ctl`, ["start", "-D", p.dataDir, "-l", logFile, "-w", "-t", "60"], {
        what: "starting PostgreSQL",
      });
      return;
    } catch (e) {
      const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "";
      // A port inside the ephemeral range can be briefly held by an outgoing connection.
      if (attempt < 5 && /could not create any TCP\/IP sockets/.test(tail)) {
        await sleep(1000 * attempt);
        continue;
      }
      throw new StackError(`${(e as Error).message}\n${tail}`);
    }
  }
}

export function stopCluster(p: Profile): void {
  if (!clusterRunning(p)) return;
  runAsPostgres(`${PG_BIN}/pg_ctl`, ["stop", "-D", p.dataDir, "-m", "fast", "-w", "-t", "60"], {
    what: "stopping PostgreSQL",
  });
}

/** psql against the cluster; `url` picks the role. */
export function psql(url: string, args: string[], what?: string): string {
  return run("psql", [url, "-X", "-v", "ON_ERROR_STOP=1", "-q", ...args], {
    what: what ?? "psql",
    env: { ...process.env, PGOPTIONS: "--client-min-messages=warning" },
  });
}

/** The local platform shim (Supabase's roles and auth/storage/realtime schemas), as the superuser. */
export function applyPlatformShim(p: Profile, db = "postgres"): void {
  const dir = path.join(ROOT, "sql", "platform");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  const vars = p.legacyDataApiGrants ? ["-v", "legacy_data_api_grants=1"] : [];
  for (const f of files) psql(dbUrl(p, "supabase_admin", db), [...vars, "-f", path.join(dir, f)], `platform shim ${f}`);
}

export function removeCluster(p: Profile): void {
  stopCluster(p);
  rmSync(p.home, { recursive: true, force: true });
  if (p.clusterDir !== p.home) rmSync(p.clusterDir, { recursive: true, force: true });
}
