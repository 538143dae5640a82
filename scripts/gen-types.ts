/**
 * npm run gen:types  — regenerates functions/_shared/database.types.ts from the running local
 * stack with `supabase gen types` (a test fails when the committed file is stale).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { profile, ROOT } from "./lib/config.ts";
import { generateTypes, TYPES_FILE } from "./lib/supabase-cli.ts";

const p = profile();
writeFileSync(TYPES_FILE, generateTypes(p.dbUrl));
process.stdout.write(`wrote ${path.relative(ROOT, TYPES_FILE)} from ${p.dbUrl}\n`);
