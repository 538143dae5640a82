/** `supabase db advisors` (Supabase's splinter lints) must find nothing at WARN/ERROR in our objects. */
import { describe, expect, it } from "vitest";
import { advisors } from "../../scripts/lib/supabase-cli.ts";
import { stack } from "../support.ts";

/** Schemas the platform owns (shimmed locally, provided by Supabase when hosted). */
const PLATFORM_SCHEMAS = new Set(["auth", "storage", "realtime", "extensions", "cron", "pg_catalog", "vault", "net", "supabase_functions", "graphql", "graphql_public"]);

/** Lints about policies and buckets concern our own policies even on platform tables (storage.objects). */
const POLICY_LINTS = new Set(["auth_rls_initplan", "multiple_permissive_policies", "rls_policy_always_true", "public_bucket_allows_listing"]);

describe("database advisors", () => {
  it("report no WARN or ERROR finding for the project's own objects", () => {
    const findings = advisors(stack.dbUrl);
    const ours = findings.filter(
      (f) => f.level !== "INFO" && (POLICY_LINTS.has(f.name) || !PLATFORM_SCHEMAS.has(f.metadata?.schema ?? "")),
    );
    expect(ours.map((f) => `${f.level} ${f.name}: ${f.detail}`)).toEqual([]);
  });
});
