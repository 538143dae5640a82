/**
 * Every database object is defined once, in its final form, in the module that owns it: no
 * function, policy, trigger, index, table, view or type is created in more than one migration
 * file, no migration alters or drops another file's objects (enabling row level security, in the module's
 * access file, is the one exception), and no migration file grows past 800
 * lines (modules are split by concern). Nothing is deployed yet, so migrations are rewritten
 * rather than patched; from the first production release on they become add-only and this test
 * will allow `alter` of released objects.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/config.ts";

const DIR = path.join(ROOT, "supabase", "migrations");
const files = readdirSync(DIR).filter((f) => f.endsWith(".sql")).sort();

/** The SQL without comments and with the bodies of dollar-quoted strings blanked out. */
function code(file: string): string {
  const text = readFileSync(path.join(DIR, file), "utf8");
  return text
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "$$$$")
    .replace(/--[^\n]*/g, "")
    .replace(/\s+/g, " ")
    .toLowerCase();
}

const ident = String.raw`("[^"]+"|[a-z_][a-z0-9_.]*)`;
const PATTERNS: Array<[string, RegExp]> = [
  ["function", new RegExp(String.raw`create (?:or replace )?function ${ident}\s*\(`, "g")],
  ["table", new RegExp(String.raw`create table (?:if not exists )?${ident}`, "g")],
  ["view", new RegExp(String.raw`create (?:or replace )?(?:materialized )?view ${ident}`, "g")],
  ["type", new RegExp(String.raw`create type ${ident}`, "g")],
  ["index", new RegExp(String.raw`create (?:unique )?index (?:concurrently )?(?:if not exists )?${ident} on`, "g")],
  ["trigger", new RegExp(String.raw`create (?:or replace )?(?:constraint )?trigger ${ident} .*? on ${ident}`, "g")],
  ["policy", new RegExp(String.raw`create policy ${ident} on ${ident}`, "g")],
];

/** kind:name -> files that create it. */
function definitions(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const file of files) {
    const sql = code(file);
    for (const [kind, re] of PATTERNS) {
      for (const m of sql.matchAll(re)) {
        // Triggers and policies are named per table.
        const name = kind === "trigger" || kind === "policy" ? `${m[1]} on ${m[2]}` : m[1];
        const key = `${kind} ${name}`;
        const where = seen.get(key) ?? [];
        if (!where.includes(file)) where.push(file);
        seen.set(key, where);
      }
    }
  }
  return seen;
}

describe("migrations define each object once", () => {
  it("find the objects at all (the patterns work)", () => {
    const defs = definitions();
    expect(defs.get("function private.raise_error")).toEqual(["20261121000000_core.sql"]);
    expect([...defs.keys()].filter((k) => k.startsWith("policy ")).length).toBeGreaterThan(40);
    expect([...defs.keys()].filter((k) => k.startsWith("trigger ")).length).toBeGreaterThan(30);
  });

  it("create no function, table, view, type, index, trigger or policy in two files", () => {
    const twice = [...definitions()].filter(([, where]) => where.length > 1).map(([k, where]) => `${k}: ${where.join(", ")}`);
    expect(twice).toEqual([]);
  });

  it("never alter, drop or replace an object another file created", () => {
    const defs = definitions();
    const owner = (kind: string, name: string) => defs.get(`${kind} ${name}`)?.[0];
    const foreign: string[] = [];
    for (const file of files) {
      const sql = code(file);
      for (const m of sql.matchAll(new RegExp(String.raw`alter table (?:if exists )?(?:only )?${ident}( enable row level security)?`, "g"))) {
        // Enabling row level security belongs with the module's policies, in its access file.
        if (m[2]) continue;
        const created = owner("table", m[1]);
        if (created && created !== file) foreign.push(`${file}: alter table ${m[1]} (created in ${created})`);
      }
      for (const m of sql.matchAll(new RegExp(String.raw`alter policy ${ident} on ${ident}`, "g"))) {
        foreign.push(`${file}: alter policy ${m[1]} on ${m[2]}`);
      }
      for (const m of sql.matchAll(/\bdrop (function|table|trigger|policy|index|view|type) /g)) {
        foreign.push(`${file}: drop ${m[1]}`);
      }
    }
    expect(foreign).toEqual([]);
  });

  it("keep every migration file under 800 lines", () => {
    const long = files
      .map((f) => [f, readFileSync(path.join(DIR, f), "utf8").split("\n").length] as const)
      .filter(([, n]) => n > 800)
      .map(([f, n]) => `${f}: ${n} lines`);
    expect(long).toEqual([]);
  });
});
