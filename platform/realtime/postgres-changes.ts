/**
 * postgres_changes bindings. The local server does not stream table changes (the project's chat
 * and notifications use Broadcast from Database); it answers the bindings the way Realtime answers
 * them when nothing they name is published:
 *
 *   join reply  {postgres_changes: [<each client binding> + id]} in the client's order
 *               (RT realtime_channel.ex add_id_to_postgres_changes; [] without bindings);
 *   then        system {extension: "postgres_changes", status: "error", message, channel}, where
 *               message is Realtime's parse error for a malformed binding, or, when no table of
 *               publication `supabase_realtime` matches a binding (the query Realtime runs before
 *               inserting into realtime.subscription), "Unable to subscribe to changes with given
 *               parameters. Please check Realtime is enabled for the given connect parameters: [...]"
 *               (RT lib/extensions/postgres_cdc_rls/subscriptions.ex).
 *
 * When a binding does match a published table, real Realtime would stream its changes; this server
 * says plainly that it does not (a system error naming the local server) instead of pretending.
 */
import type postgres from "postgres";

type Binding = Record<string, unknown>;
type Filter = [column: string, op: string, value: string, negate: boolean];
interface Params {
  action: string;
  schema: string;
  table: string;
  filters: Filter[];
  select: string[] | null;
}

export const PUBLICATION = "supabase_realtime";

const FILTER_TYPES = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "like", "ilike", "is", "match", "imatch", "isdistinct"];

/** erlang:phash2-like id: a stable 27-bit hash of the binding. */
export function bindingId(binding: Binding): number {
  let h = 0x811c9dc5;
  const s = JSON.stringify(binding, Object.keys(binding).sort());
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7ffffff;
}

/** Bindings of a join: config.postgres_changes (nulls dropped), or the old topic form without config. */
export function bindingsOf(params: Record<string, unknown>, subTopic: string): unknown[] {
  if ("config" in params) {
    const config = params.config as Record<string, unknown> | null;
    const list = config && typeof config === "object" ? config.postgres_changes : undefined;
    return Array.isArray(list) ? list.filter((b) => b !== null && b !== undefined) : [];
  }
  const [schema, table, filter] = splitParts(subTopic, ":", 3);
  return [filter !== undefined ? { schema, table, filter } : table !== undefined ? { schema, table } : { schema }];
}

function splitParts(s: string, sep: string, parts: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < parts - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

const inspectString = (s: string) => JSON.stringify(s);

function inspect(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "string") return inspectString(v);
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(inspect).join(", ")}]`;
  if (typeof v === "object") {
    return `%{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${inspectString(k)} => ${inspect(x)}`).join(", ")}}`;
  }
  return String(v);
}

function actionFilter(b: Binding): string {
  if (typeof b.event !== "string") return "*";
  const e = b.event.toUpperCase();
  return b.event === "*" ? "*" : ["INSERT", "UPDATE", "DELETE"].includes(e) ? e : "*";
}

function splitTopLevel(filter: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let prev = "";
  let current = "";
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (quoted) {
      if (c === "\\" && i + 1 < filter.length) {
        current += c + filter[i + 1];
        prev = filter[++i];
        continue;
      }
      if (c === '"') quoted = false;
      current += c;
      prev = c;
      continue;
    }
    if (c === '"' && (prev === "." || prev === "(" || prev === ",")) quoted = true;
    else if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      out.push(current);
      current = "";
      prev = "";
      continue;
    }
    current += c;
    prev = c;
  }
  out.push(current);
  return out;
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  let acc = "";
  for (let i = 1; i < value.length; i++) {
    const c = value[i];
    if (c === '"') return i === value.length - 1 ? acc : value;
    if (c === "\\" && i + 1 < value.length) acc += value[++i];
    else acc += c;
  }
  return value;
}

function parseFilters(filter: string): { ok: true; filters: Filter[] } | { ok: false; reason: string } {
  const trimmed = filter.trim();
  if (trimmed === "") return { ok: true, filters: [] };
  const filters: Filter[] = [];
  for (const segment of splitTopLevel(trimmed)) {
    const seg = segment.trim();
    if (seg === "") return { ok: false, reason: "filter must not contain empty segments (check for extra commas)" };
    const eq = seg.indexOf("=");
    if (eq < 0) return { ok: false, reason: inspect([seg]) };
    const col = seg.slice(0, eq);
    let rest = seg.slice(eq + 1);
    const negate = rest.startsWith("not.");
    if (negate) rest = rest.slice(4);
    const dot = rest.indexOf(".");
    if (dot < 0) return { ok: false, reason: inspect([rest]) };
    const op = rest.slice(0, dot);
    const value = rest.slice(dot + 1);
    if (!FILTER_TYPES.includes(op)) return { ok: false, reason: inspect([op, value]) };
    if (op === "in") {
      if (!(value.length >= 2 && value.startsWith("(") && value.endsWith(")"))) {
        return { ok: false, reason: "`in` filter value must be wrapped by parentheses" };
      }
      filters.push([col, op, `{${value.slice(1, -1)}}`, negate]);
    } else {
      filters.push([col, op, unquote(value), negate]);
    }
  }
  return { ok: true, filters };
}

/** Realtime's Subscriptions.parse_subscription_params. */
export function parseBinding(b: unknown): { ok: true; params: Params } | { ok: false; reason: string } {
  if (typeof b !== "object" || b === null || Array.isArray(b)) {
    return { ok: false, reason: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${inspect(b)}` };
  }
  const p = b as Binding;
  const action = actionFilter(p);
  let select: string[] | null = null;
  if (Array.isArray(p.select)) {
    const cols = p.select.filter((c): c is string => typeof c === "string");
    select = cols.length ? cols : null;
  } else if (typeof p.select === "string") {
    return { ok: false, reason: 'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]' };
  }
  const done = (schema: string, table: string, filters: Filter[]) => {
    if (select && (schema === "*" || table === "*")) {
      return { ok: false as const, reason: "Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name." };
    }
    return { ok: true as const, params: { action, schema, table, filters, select } };
  };
  const has = (k: string) => k in p;
  if (typeof p.schema === "string" && typeof p.table === "string" && typeof p.filter === "string") {
    const f = parseFilters(p.filter);
    return f.ok ? done(p.schema, p.table, f.filters) : { ok: false, reason: `Error parsing \`filter\` params: ${f.reason}` };
  }
  if (typeof p.schema === "string" && typeof p.table === "string" && !has("filter")) return done(p.schema, p.table, []);
  if (typeof p.schema === "string" && !has("table") && !has("filter")) return done(p.schema, "*", []);
  if (typeof p.table === "string" && !has("schema") && !has("filter")) return done("public", p.table, []);
  if (has("user_token") || has("auth_token")) {
    return { ok: false, reason: "No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: <redacted>" };
  }
  return { ok: false, reason: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${inspect(p)}` };
}

function describe(p: Params): string {
  const filters = `[${p.filters.map(([c, o, v, n]) => `{${inspectString(c)}, ${inspectString(o)}, ${inspectString(v)}, ${n}}`).join(", ")}]`;
  const select = p.select ? inspect(p.select) : "nil";
  return `event: ${p.action}, schema: ${p.schema}, table: ${p.table}, filters: ${filters}, select: ${select}`;
}

/** The join reply's postgres_changes: each binding with its id, in the client's order. */
export function replyBindings(bindings: unknown[]): unknown[] {
  return bindings.map((b) =>
    typeof b === "object" && b !== null && !Array.isArray(b) ? { ...(b as Binding), id: bindingId(b as Binding) } : b,
  );
}

/**
 * What Realtime would push after the join for these bindings, given what is published; the
 * message of a `system` error (this server never reports "Subscribed to PostgreSQL").
 */
export async function subscriptionMessage(sql: postgres.Sql, bindings: unknown[]): Promise<string> {
  const parsed: Params[] = [];
  for (const b of bindings) {
    const r = parseBinding(b);
    if (!r.ok) return r.reason;
    parsed.push(r.params);
  }
  for (const p of parsed) {
    const [{ n }] = await sql`
      select count(*)::int as n
        from pg_catalog.pg_publication_tables pub
       where pub.pubname = ${PUBLICATION}
         and pub.schemaname like (case ${p.schema}::text when '*' then '%' else ${p.schema}::text end) escape ''
         and pub.tablename like (case ${p.table}::text when '*' then '%' else ${p.table}::text end) escape ''`;
    if (n === 0) {
      return `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${describe(p)}]`;
    }
  }
  return (
    "postgres_changes is not implemented by the local Realtime server (platform/realtime): the tables are " +
    "published, but no changes will be sent. Use Broadcast from Database (realtime.send / " +
    "realtime.broadcast_changes) or the full Supabase stack."
  );
}
