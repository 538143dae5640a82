/** The committed database types must match what `supabase gen types` produces from the migrations. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTypes, TYPES_FILE } from "../../scripts/lib/supabase-cli.ts";
import { stack } from "../support.ts";

describe("generated types", () => {
  it("functions/_shared/database.types.ts is current (run `npm run gen:types` after changing migrations)", () => {
    const committed = readFileSync(TYPES_FILE, "utf8");
    expect(generateTypes(stack.dbUrl)).toBe(committed);
  });
});
