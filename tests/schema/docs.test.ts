/** The README's error-code table is the client contract: it must match private.error_codes. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/config.ts";
import { adminSql } from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

describe("README", () => {
  it("documents every registered error code exactly", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const table = /<!-- error-codes:start[^>]*-->([\s\S]*?)<!-- error-codes:end -->/.exec(readme)?.[1] ?? "";
    const documented = [...table.matchAll(/^\| (HL\d{3}) \| (\w+) \| (\d{3}) \| (.+?) \|$/gm)].map((m) => ({
      code: m[1], name: m[2], http_status: Number(m[3]), message: m[4],
    }));
    const registered = await sql`select code, name, http_status, message from private.error_codes order by code`;
    expect(documented).toEqual(registered.map((r) => ({ ...r })));
  });
});
