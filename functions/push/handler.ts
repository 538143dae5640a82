/**
 * POST /functions/v1/push — the push dispatcher, called every minute by pg_cron through pg_net
 * (private.dispatch_push) with the service role key, or by any trusted back end.
 *
 *   1. rpc claim_push_deliveries(p_limit = batch size): due deliveries, claimed with
 *      `for update skip locked` (concurrent runs never share one), preferences and quiet hours
 *      already applied by the database;
 *   2. each sent through the provider (PUSH_PROVIDER: `recording`, the default, or `fcm`);
 *   3. rpc complete_push_deliveries(results): sent / retry (backoff) / dead letter / token removed;
 *   repeated until a claim comes back empty, up to PUSH_MAX_BATCHES batches per call.
 *
 * Body (optional): {"batch_size": 1-500, "max_batches": 1-50}. 200 → {batches, claimed, sent,
 * retry, dead, unregistered, stale, provider}. Anyone but the service role: 403 HL002; without a
 * token: 401 HL001. Database errors pass through as PostgREST answers them.
 */
import { z } from "zod";
import { bearer, handle, HttpError, json, methodNotAllowed, tokenRole } from "../_shared/http.ts";
import { optionalEnv, requireEnv } from "../_shared/env.ts";
import { FcmProvider, parseServiceAccount, type PushMessage, type PushProvider, RecordingProvider } from "./providers.ts";

export interface PushDeps {
  supabaseUrl: () => string;
  serviceRoleKey: () => string;
  provider: () => PushProvider;
  batchSize?: number;
  maxBatches?: number;
  fetch?: typeof fetch;
}

interface ClaimedDelivery {
  delivery_id: number;
  attempt: number;
  notification_id: string;
  user_id: string;
  token: string;
  platform: "fcm" | "apns" | "web";
  locale: string;
  kind: string;
  title: string;
  body: string;
  deep_link: string;
  params: Record<string, unknown>;
  created_at: string;
}

const options = z.object({
  batch_size: z.int().min(1).max(500).optional(),
  max_batches: z.int().min(1).max(50).optional(),
}).strict();

/** FCM data values must be strings. */
function stringData(d: ClaimedDelivery): Record<string, string> {
  const data: Record<string, string> = { notification_id: d.notification_id, kind: d.kind };
  for (const [k, v] of Object.entries(d.params ?? {})) {
    if (v !== null && v !== undefined) data[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return data;
}

export function createPushHandler(deps: PushDeps): (req: Request) => Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token) throw new HttpError(401, "HL001", "You must be signed in to do this.");
    if (tokenRole(token) !== "service_role") {
      throw new HttpError(403, "HL002", "You are not allowed to do this.", "push is called with the service role key");
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
    const batchSize = input.batch_size ?? deps.batchSize ?? 100;
    const maxBatches = input.max_batches ?? deps.maxBatches ?? 10;
    const provider = deps.provider();
    const url = deps.supabaseUrl().replace(/\/+$/, "");
    const key = deps.serviceRoleKey();
    const rpc = async (fn: string, args: unknown): Promise<{ ok: boolean; status: number; body: unknown }> => {
      const res = await doFetch(`${url}/rest/v1/rpc/${fn}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, apikey: key, "Content-Type": "application/json" },
        body: JSON.stringify(args),
      });
      const raw = await res.text();
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch { /* keep the text */ }
      return { ok: res.ok, status: res.status, body };
    };

    const totals = { batches: 0, claimed: 0, sent: 0, retry: 0, dead: 0, unregistered: 0, stale: 0, provider: provider.name };
    for (let i = 0; i < maxBatches; i++) {
      const claim = await rpc("claim_push_deliveries", { p_limit: batchSize });
      if (!claim.ok) return json(claim.body, claim.status);
      const batch = claim.body as ClaimedDelivery[];
      if (batch.length === 0) break;
      totals.batches++;
      totals.claimed += batch.length;
      const results = await Promise.all(batch.map(async (d) => {
        const message: PushMessage = {
          deliveryId: d.delivery_id, token: d.token, platform: d.platform, title: d.title, body: d.body,
          deepLink: d.deep_link, data: stringData(d),
        };
        const r = await provider.send(message).catch((err: unknown) => ({
          outcome: "retry" as const, error: `provider threw: ${err instanceof Error ? err.message : String(err)}`,
          providerMessageId: undefined, retryAfterSeconds: undefined, request: undefined, response: undefined,
        }));
        return {
          delivery_id: d.delivery_id, attempt: d.attempt, provider: provider.name, outcome: r.outcome,
          error: r.error ?? null, provider_message_id: r.providerMessageId ?? null,
          ...(r.retryAfterSeconds !== undefined ? { retry_after_seconds: r.retryAfterSeconds } : {}),
          request: r.request ?? null, response: r.response ?? null,
        };
      }));
      const done = await rpc("complete_push_deliveries", { p_results: results });
      if (!done.ok) return json(done.body, done.status);
      const counts = done.body as Record<string, number>;
      for (const k of ["sent", "retry", "dead", "unregistered", "stale"] as const) totals[k] += counts[k] ?? 0;
      // A short batch does not mean the queue is empty: the claim skips (token gone, push turned
      // off) and defers (quiet hours) rows without returning them; the next claim says.
    }
    return json(totals);
  });
}

let cachedProvider: PushProvider | undefined;

/** The provider named by PUSH_PROVIDER (recording unless set to fcm). */
export function providerFromEnv(): PushProvider {
  if (cachedProvider) return cachedProvider;
  const name = optionalEnv("PUSH_PROVIDER", "recording");
  if (name === "fcm") cachedProvider = new FcmProvider(parseServiceAccount(requireEnv("FCM_SERVICE_ACCOUNT")));
  else if (name === "recording") cachedProvider = new RecordingProvider();
  else throw new HttpError(500, "push_misconfigured", `Unknown PUSH_PROVIDER ${name}: use recording or fcm`);
  return cachedProvider;
}

/** The handler served by index.ts. */
export const handler: (req: Request) => Promise<Response> = createPushHandler({
  supabaseUrl: () => requireEnv("SUPABASE_URL"),
  serviceRoleKey: () => requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
  provider: providerFromEnv,
  batchSize: Number(optionalEnv("PUSH_BATCH_SIZE", "100")),
  maxBatches: Number(optionalEnv("PUSH_MAX_BATCHES", "10")),
});
