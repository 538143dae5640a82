/**
 * npm run lock:fix — run after `npm install` changes package-lock.json.
 *
 * Some registries (mirrors) do not carry every platform build of packages that ship native
 * binaries as optional dependencies (deno, supabase). npm then leaves those optional packages out
 * of the lock file but keeps the edges to them, and `npm ci` refuses the lock file. This drops
 * the edges that have no entry, so `npm ci` works; the platform package this machine needs is
 * present and locked as usual.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/config.ts";

interface LockEntry {
  optionalDependencies?: Record<string, string>;
}

const file = path.join(ROOT, "package-lock.json");
const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, LockEntry> };
const removed: string[] = [];
for (const [name, entry] of Object.entries(lock.packages)) {
  for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
    if (!lock.packages[`node_modules/${dep}`] && !lock.packages[`${name}/node_modules/${dep}`]) {
      delete entry.optionalDependencies![dep];
      removed.push(`${name.replace(/^node_modules\//, "")} -> ${dep}`);
    }
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(removed.length ? `dropped unresolvable optional edges:\n  ${removed.join("\n  ")}\n` : "lock file is consistent\n");
