/** The real Supabase CLI (npm package `supabase`), pointed at a database URL. */
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./config.ts";
import { run, StackError } from "./proc.ts";

const CLI = path.join(ROOT, "node_modules", ".bin", "supabase");

export function supabase(args: string[], what = `supabase ${args.slice(0, 2).join(" ")}`): string {
  if (!existsSync(CLI)) throw new StackError("The Supabase CLI is not installed: run `npm ci` first.");
  return run(CLI, args, {
    cwd: ROOT,
    what,
    env: {
      ...process.env,
      // The local cluster speaks plain TCP on loopback.
      PGSSLMODE: "disable",
      SUPABASE_TELEMETRY_DISABLED: "1",
      DO_NOT_TRACK: "1",
      NO_COLOR: "1",
    },
  });
}

/** `supabase db push`: the same command that deploys the migrations to hosted Supabase. */
export function pushMigrations(dbUrl: string): string {
  try {
    return supabase(["db", "push", `--remote=${dbUrl}`, "--include-all", "--yes"], "supabase db push");
  } catch (e) {
    throw new StackError(`A migration failed to apply.\n${(e as Error).message}`);
  }
}

/** Exposed schemas, as in supabase/config.toml [api].schemas that exist in this project. */
export const TYPE_SCHEMAS = ["public"];

/** Where the generated database types are committed (used by edge functions and tests). */
export const TYPES_FILE = path.join(ROOT, "functions", "_shared", "database.types.ts");

/** `supabase gen types` for the exposed schemas. */
export function generateTypes(dbUrl: string): string {
  return supabase(["gen", "types", "typescript", `--remote=${dbUrl}`, `--schema=${TYPE_SCHEMAS.join(",")}`], "supabase gen types");
}

export interface AdvisorFinding {
  name: string;
  title: string;
  level: "INFO" | "WARN" | "ERROR";
  detail: string;
  metadata?: { schema?: string; name?: string; type?: string };
}

/** `supabase db advisors` findings (security and performance). */
export function advisors(dbUrl: string): AdvisorFinding[] {
  const out = supabase(["db", "advisors", `--remote=${dbUrl}`, "--type=all", "--level=info", "--output-format=json"], "supabase db advisors");
  return (JSON.parse(out) as { results: AdvisorFinding[] }).results ?? [];
}
