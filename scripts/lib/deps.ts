/**
 * Operating-system dependencies of the local stack, all from Debian's packages. When one is
 * missing, they are installed with apt-get when we are root on Debian/Ubuntu; otherwise the stack
 * stops with the exact command to run.
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { isRoot, log, StackError } from "./proc.ts";

export const PG_BIN = "/usr/lib/postgresql/15/bin";
const EXT_DIR = "/usr/share/postgresql/15/extension";

interface Requirement {
  what: string;
  present: () => boolean;
  pkg: string;
}

const REQUIREMENTS: Requirement[] = [
  { what: "PostgreSQL 15 server", present: () => existsSync(`${PG_BIN}/postgres`) && existsSync(`${PG_BIN}/initdb`), pkg: "postgresql-15" },
  { what: "psql", present: () => existsSync("/usr/bin/psql"), pkg: "postgresql-client-15" },
  { what: "PostGIS 3", present: () => existsSync(`${EXT_DIR}/postgis.control`), pkg: "postgresql-15-postgis-3" },
  { what: "pgTAP", present: () => existsSync(`${EXT_DIR}/pgtap.control`), pkg: "postgresql-15-pgtap" },
  { what: "pg_cron", present: () => existsSync(`${EXT_DIR}/pg_cron.control`), pkg: "postgresql-15-cron" },
  { what: "plpgsql_check", present: () => existsSync(`${EXT_DIR}/plpgsql_check.control`), pkg: "postgresql-15-plpgsql-check" },
  { what: "pg_prove", present: () => existsSync("/usr/bin/pg_prove"), pkg: "libtap-parser-sourcehandler-pgtap-perl" },
  {
    what: "PostgreSQL server headers (to build the local safeupdate module)",
    present: () => existsSync("/usr/include/postgresql/15/server/postgres.h") && existsSync(`${PG_BIN}/pg_config`),
    pkg: "postgresql-server-dev-15",
  },
  { what: "make", present: () => onPath("make"), pkg: "make" },
  { what: "a C compiler", present: () => onPath("gcc"), pkg: "gcc" },
];

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export function missingRequirements(): Requirement[] {
  return REQUIREMENTS.filter((r) => !r.present());
}

/** Makes sure every OS dependency is present, installing with apt-get when possible. */
export function ensureDependencies(): void {
  let missing = missingRequirements();
  if (!missing.length) return;
  const pkgs = [...new Set(missing.map((r) => r.pkg))];
  const command = `apt-get update && apt-get install -y ${pkgs.join(" ")}`;
  const canApt = isRoot && existsSync("/usr/bin/apt-get");
  if (!canApt) {
    throw new StackError(
      `Missing: ${missing.map((r) => r.what).join(", ")}.\nInstall them with:\n  sudo sh -c '${command}'`,
    );
  }
  log(`installing missing OS packages: ${pkgs.join(" ")}`);
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...pkgs]]) {
    const res = spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (res.status !== 0) throw new StackError(`apt-get ${args[0]} failed; run it by hand:\n  ${command}`);
  }
  missing = missingRequirements();
  if (missing.length) throw new StackError(`Still missing after apt-get: ${missing.map((r) => r.what).join(", ")}`);
}
