/** SQL literal rendering for generated seed files. */
export function lit(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot render ${value} as SQL`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`;
  if (typeof value === "object") return `'${JSON.stringify(value).replace(/'/g, "''")}'::jsonb`;
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** Splits rows into multi-row INSERT statements of at most `chunk` rows. */
export function insertRows(head: string, rows: string[], tail = "", chunk = 1000): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    out.push(`${head}\nvalues\n  ${rows.slice(i, i + chunk).join(",\n  ")}\n${tail};`);
  }
  return out;
}
