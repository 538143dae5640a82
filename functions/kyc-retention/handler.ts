/**
 * POST /functions/v1/kyc-retention — removes identity documents that are no longer needed from
 * the private `verification-docs` bucket. Called by pg_cron every 15 minutes through pg_net
 * (private.dispatch_kyc_retention) with the service role key, or by any trusted back end.
 *
 *   1. rpc claim_verification_retention(p_limit): the database masks the numbers of submissions
 *      decided more than verification.document_retention ago and returns the object paths due
 *      (their documents, then uploads no submission references);
 *   2. DELETE /storage/v1/object/verification-docs {prefixes: paths} with the service role: the
 *      Storage API removes the rows and the files (hosted Supabase refuses deletes straight from
 *      storage.objects, which would also leave the files behind);
 *   3. rpc complete_verification_retention(p_paths): the database marks removed the documents
 *      whose objects are gone; repeated until a claim comes back empty, up to max_batches.
 *
 * Body (optional): {"batch_size": 1-1000, "max_batches": 1-50}. 200 → {batches, claimed, removed,
 * documents_removed, still_present}. Anyone but the service role: 403 HL002; without a token: 401
 * HL001. Database and Storage errors pass through with their status.
 */
import { z } from "zod";
import { bearer, handle, HttpError, json, methodNotAllowed, tokenRole } from "../_shared/http.ts";
import { optionalEnv, requireEnv } from "../_shared/env.ts";

export const BUCKET = "verification-docs";

export interface KycRetentionDeps {
  supabaseUrl: () => string;
  serviceRoleKey: () => string;
  batchSize?: number;
  maxBatches?: number;
  fetch?: typeof fetch;
}

const options = z.object({
  batch_size: z.int().min(1).max(1000).optional(),
  max_batches: z.int().min(1).max(50).optional(),
}).strict();

interface Answer {
  ok: boolean;
  status: number;
  body: unknown;
}

export function createKycRetentionHandler(deps: KycRetentionDeps): (req: Request) => Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token) throw new HttpError(401, "HL001", "You must be signed in to do this.");
    if (tokenRole(token) !== "service_role") {
      throw new HttpError(
        403,
        "HL002",
        "You are not allowed to do this.",
        "kyc-retention is called with the service role key",
      );
    }
    const text = await req.text();
    let parsed: unknown = {};
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new HttpError(400, "invalid_request", "The body must be JSON: {batch_size?, max_batches?}");
      }
    }
    const input = options.parse(parsed);
    const batchSize = input.batch_size ?? deps.batchSize ?? 500;
    const maxBatches = input.max_batches ?? deps.maxBatches ?? 10;
    const url = deps.supabaseUrl().replace(/\/+$/, "");
    const key = deps.serviceRoleKey();
    const call = async (method: string, path: string, payload: unknown): Promise<Answer> => {
      const res = await doFetch(`${url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, apikey: key, "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const raw = await res.text();
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch { /* keep the text */ }
      return { ok: res.ok, status: res.status, body };
    };

    const totals = { batches: 0, claimed: 0, removed: 0, documents_removed: 0, still_present: 0 };
    for (let i = 0; i < maxBatches; i++) {
      const claim = await call("POST", "/rest/v1/rpc/claim_verification_retention", { p_limit: batchSize });
      if (!claim.ok) return json(claim.body, claim.status);
      const paths = [...new Set((claim.body as { object_path: string }[]).map((r) => r.object_path))];
      if (paths.length === 0) break;
      totals.batches++;
      totals.claimed += paths.length;
      const removed = await call("DELETE", `/storage/v1/object/${BUCKET}`, { prefixes: paths });
      if (!removed.ok) {
        console.error(`kyc-retention: the Storage API refused to remove ${paths.length} objects (${removed.status})`);
        return json(removed.body, removed.status);
      }
      totals.removed += Array.isArray(removed.body) ? removed.body.length : 0;
      const done = await call("POST", "/rest/v1/rpc/complete_verification_retention", { p_paths: paths });
      if (!done.ok) return json(done.body, done.status);
      const counts = done.body as { documents_removed: number; still_present: number };
      totals.documents_removed += counts.documents_removed;
      totals.still_present += counts.still_present;
      // Objects the Storage API did not remove would come back in every claim: stop instead of looping.
      if (counts.still_present > 0) break;
      if (paths.length < batchSize) break;
    }
    return json(totals);
  });
}

/** The handler served by index.ts. */
export const handler: (req: Request) => Promise<Response> = createKycRetentionHandler({
  supabaseUrl: () => requireEnv("SUPABASE_URL"),
  serviceRoleKey: () => requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
  batchSize: Number(optionalEnv("KYC_RETENTION_BATCH_SIZE", "500")),
  maxBatches: Number(optionalEnv("KYC_RETENTION_MAX_BATCHES", "10")),
});
