/**
 * POST /functions/v1/stream-webhook — the ingest provider's webhook endpoint (verify_jwt = false:
 * the provider sends no JWT; the signature is the authentication).
 *
 *   1. `mux-signature` is checked over the raw body with the configured secret(s) (the local
 *      provider signs the same way), at most 300 s old. Missing, malformed, stale or wrong → 401 HL878
 *      with the failed check in `details`.
 *   2. The body is normalised (../_shared/streaming/events.ts): not an event naming a live stream → 400 HL875.
 *   3. apply_stream_ingest_event (service role) applies it once per provider event id.
 *   4. 200 {received, event_id, type, status: applied|ignored|duplicate, note, stream_id, stream_status}.
 *      An event of a live input we do not know (another environment's stream, a deleted one) is
 *      answered 200 `ignored`, so the provider does not retry it for a day. Only when the database
 *      cannot be reached is it 503 HL879, so the provider retries later.
 */
import { handle, HttpError, json, methodNotAllowed } from "../_shared/http.ts";
import { type LiveApi, liveHttpError } from "../_shared/streaming/api.ts";
import { MalformedIngestEvent, parseIngestEvent } from "../_shared/streaming/events.ts";
import { SIGNATURE_HEADER, verifyIngestWebhook } from "../_shared/streaming/signature.ts";
import type { IngestEvent, StreamingProviderName } from "../_shared/streaming/types.ts";

export const TOLERANCE_SECONDS = 300;
export const MAX_BODY_BYTES = 256 * 1024;

export interface StreamWebhookDeps {
  api: () => LiveApi;
  secrets: () => string[];
  provider: () => StreamingProviderName;
  /** Clock in unix seconds (tests). */
  now?: () => number;
}

const malformed = (why: string) => new HttpError(400, "HL875", "The ingest event is invalid.", why);

export function createStreamWebhookHandler(deps: StreamWebhookDeps): (req: Request) => Promise<Response> {
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    if (Number(req.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) throw malformed("body too large");
    const raw = await req.text();
    if (raw.length > MAX_BODY_BYTES) throw malformed("body too large");
    const check = await verifyIngestWebhook(raw, req.headers.get(SIGNATURE_HEADER), deps.secrets(), {
      nowSeconds: deps.now?.(),
      toleranceSeconds: TOLERANCE_SECONDS,
    });
    if (!check.ok) {
      throw new HttpError(401, "HL878", "The ingest webhook signature is missing or invalid.", check.reason);
    }
    let event: IngestEvent;
    try {
      event = parseIngestEvent(deps.provider(), raw);
    } catch (err) {
      if (err instanceof MalformedIngestEvent) throw malformed(err.message);
      throw err;
    }
    const r = await deps.api().rpc("apply_stream_ingest_event", {
      p_provider: event.provider,
      p_event_id: event.eventId,
      p_type: event.type,
      p_live_input_id: event.liveInputId,
      p_occurred_at: event.occurredAt,
    });
    if (!r.ok) throw liveHttpError(r);
    const out = (r.body ?? {}) as Record<string, unknown>;
    return json({
      received: true,
      event_id: event.eventId,
      type: event.providerType,
      status: out.status ?? null,
      note: out.note ?? null,
      stream_id: out.stream_id ?? null,
      stream_status: out.stream_status ?? null,
    });
  });
}
