/**
 * Shared settings of the docker-free local stack: ports, folders, credentials and keys.
 *
 * Four profiles exist side by side: `dev` (the ports `supabase start` uses, data kept under
 * `.hyperlocal/dev`), `test` (its own ports and a throw-away data folder, used by `npm test`),
 * `legacy` (a second throw-away test stack whose database has the default privileges of Supabase
 * projects created before the 2026 Data API change, used by `npm test`) and `bench` (its own
 * ports and `.hyperlocal/bench`, holding the large benchmark datasets).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dbUrl } from "./db.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The JWT secret of `supabase start` (Supabase CLI pkg/config/apikeys.go). */
export const JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

/** The well-known local keys: HS256 JWTs over exactly these payloads, signed with JWT_SECRET. */
export const ANON_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
export const SERVICE_ROLE_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";
/** The opaque local keys of newer CLIs; the gateway swaps them for the JWTs above. */
export const PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";

/**
 * Settings the local stack gives Auth and the edge functions through the environment, as a
 * developer would put them in `.env` for `supabase start` (the CLI reads `.env` for the `env()`
 * references of config.toml). Values already in the environment win.
 *   SEND_SMS_HOOK_SECRET — the Standard Webhooks secret of [auth.hook.send_sms] and of the
 *     auth-sms-hook function ([edge_runtime.secrets]); a fixed, public value for local stacks only,
 *     like the keys above (hosted projects generate their own: docs/verification.md).
 *   GOTRUE_SMS_OTP_EXP / GOTRUE_SMS_OTP_LENGTH — GoTrue's SMS code validity (s) and length. The
 *     CLI's config.toml has no key for them (it starts GoTrue with 6000 s and 6 digits); hosted
 *     projects set them in the dashboard (Auth → Providers → Phone) or the Management API
 *     (`sms_otp_exp`, `sms_otp_length`). The project's rule: 6 digits, 10 minutes.
 */
export const LOCAL_AUTH_ENV = {
  SEND_SMS_HOOK_SECRET: "v1,whsec_aHlwZXJsb2NhbC1sb2NhbC1zZW5kLXNtcy1ob29rLXNlY3JldCEh",
  GOTRUE_SMS_OTP_EXP: "600",
  GOTRUE_SMS_OTP_LENGTH: "6",
} as const;
for (const [name, value] of Object.entries(LOCAL_AUTH_ENV)) {
  if (!process.env[name]) process.env[name] = value;
}

export type ProfileName = "dev" | "test" | "legacy" | "bench";

const DEFAULT_API_PORT: Record<ProfileName, number> = { dev: 54321, test: 15321, legacy: 15621, bench: 16321 };

export interface Profile {
  name: ProfileName;
  /** Folder holding the cluster, logs and pid files. */
  home: string;
  dataDir: string;
  logDir: string;
  runDir: string;
  apiPort: number;
  dbPort: number;
  postgrestPort: number;
  postgrestAdminPort: number;
  /** Edge functions listen on functionsPortBase + n. */
  functionsPortBase: number;
  apiUrl: string;
  /** dbUrl(profile, "postgres"): the migration role (not a superuser, as on hosted Supabase). */
  dbUrl: string;
  /** dbUrl(profile, "supabase_admin"): the bootstrap superuser (local shim only). */
  adminDbUrl: string;
  /** dbUrl(profile, "supabase_auth_admin"): what GoTrue logs in as. */
  authAdminDbUrl: string;
  /**
   * The database keeps the pre-2026 default privileges of schema `public` (ALL on new tables,
   * sequences and functions for anon, authenticated and service_role), as older hosted projects
   * have them; the platform shim otherwise applies the 2026 defaults.
   */
  legacyDataApiGrants: boolean;
  /**
   * Where the files the PostgreSQL server itself reads and writes live: the data folder, its
   * socket, the server-side library and the server log. `home`, unless we run as root and the
   * `postgres` OS user (PostgreSQL refuses to run as root) cannot reach `home` (a checkout inside a
   * mode-700 folder such as root's home): then a folder of this checkout's own under
   * /var/lib/postgresql/hyperlocal.
   */
  clusterDir: string;
  /** The server's socket folder (inside clusterDir). */
  socketDir: string;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** uid and gid of the postgres OS user, from /etc/passwd (null when there is none). */
function postgresIds(): { uid: number; gid: number } | null {
  if (!existsSync("/etc/passwd")) return null;
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) return null;
  const f = line.split(":");
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** True when the postgres OS user can traverse every existing folder on the way to `dir`. */
function postgresCanReach(dir: string): boolean {
  const ids = postgresIds();
  if (!ids) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(d)) {
      const st = statSync(d);
      const mode = st.mode;
      const ok = st.uid === ids.uid ? (mode & 0o100) !== 0 : st.gid === ids.gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0;
      if (!ok) return false;
    }
    if (d === path.dirname(d)) return true;
  }
}

/** A short, stable name for this checkout (for folders outside it). */
function checkoutId(): string {
  let h = 0x811c9dc5;
  for (const c of ROOT) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `${path.basename(ROOT).replace(/[^A-Za-z0-9_.-]/g, "_")}-${h.toString(16).padStart(8, "0")}`;
}

function envPort(name: string, fallback: number): number {
  const v = process.env[name];
  return v ? Number(v) : fallback;
}

export function profile(name: ProfileName = (process.env.HL_PROFILE as ProfileName) || "dev"): Profile {
  // HL_HOME and HL_API_PORT let several stacks of one profile run side by side (for example
  // `npm test` in two work trees); every other port follows the API port.
  const home = process.env.HL_HOME ? path.resolve(ROOT, process.env.HL_HOME) : path.join(ROOT, ".hyperlocal", name);
  // The test stack sits below Linux's ephemeral port range (32768-60999), so an outgoing
  // connection can never be holding its ports when it starts.
  const apiPort = envPort("HL_API_PORT", DEFAULT_API_PORT[name]);
  const dbPort = envPort("HL_DB_PORT", apiPort + 1);
  const clusterDir = !isRoot || postgresCanReach(home)
    ? home
    : path.join("/var/lib/postgresql/hyperlocal", checkoutId(), path.relative(path.join(ROOT, ".hyperlocal"), home).replace(/^(\.\.\/)+/, "").replace(/\//g, "_") || name);
  return {
    name,
    home,
    clusterDir,
    dataDir: path.join(clusterDir, "pgdata"),
    socketDir: path.join(clusterDir, "run"),
    logDir: path.join(home, "logs"),
    runDir: path.join(home, "run"),
    apiPort,
    dbPort,
    postgrestPort: apiPort + 10,
    postgrestAdminPort: apiPort + 11,
    functionsPortBase: apiPort + 20,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    dbUrl: dbUrl({ dbPort }, "postgres"),
    adminDbUrl: dbUrl({ dbPort }, "supabase_admin"),
    authAdminDbUrl: dbUrl({ dbPort }, "supabase_auth_admin"),
    legacyDataApiGrants: name === "legacy",
  };
}
