/**
 * POST /functions/v1/stream-ingest {stream_id} — the signed-in seller provisions ingest for their
 * stream (verify_jwt = true).
 *
 *   1. As the seller (their JWT): get_stream_ingest. Provisioned already → 200 with it
 *      (created false: the call is idempotent). HL860 not visible, HL864 not theirs → that error.
 *      HL876 not provisioned → get_stream: an ended or cancelled stream → 409 HL866.
 *   2. The provider creates a live input (Mux: POST /video/v1/live-streams). Failure → 503 HL879.
 *   3. As the service role: record_stream_ingest stores it (the stream key only in
 *      private.stream_ingest, the playback id on the stream). When a concurrent call recorded
 *      another live input first, that one is returned and ours is deleted at the provider; when
 *      recording fails, ours is deleted too.
 *   4. 201 {stream_id, provider, live_input_id, ingest_url, stream_key, playback_id, created_at, created}.
 *
 * The stream key is in the answer because only the seller gets this far; they read it again with
 * get_stream_ingest.
 */
import { z } from "zod";
import { bearer, handle, HttpError, json, methodNotAllowed, readJson, tokenRole } from "../_shared/http.ts";
import { type LiveApi, liveHttpError, UNAVAILABLE } from "../_shared/streaming/api.ts";
import { type StreamingProvider, StreamingProviderError } from "../_shared/streaming/types.ts";

export interface StreamIngestDeps {
  api: () => LiveApi;
  provider: () => StreamingProvider;
}

const body = z.object({ stream_id: z.uuid() }).strict();

interface Ingest {
  stream_id: string;
  live_input_id: string;
  created?: boolean;
  [k: string]: unknown;
}

async function forget(provider: StreamingProvider, liveInputId: string): Promise<void> {
  try {
    await provider.deleteLiveInput(liveInputId);
  } catch (err) {
    // Left at the provider: an operator can delete it (it is named by its passthrough stream id).
    console.error(`stream-ingest: could not delete live input ${liveInputId}: ${(err as Error).message}`);
  }
}

export function createStreamIngestHandler(deps: StreamIngestDeps): (req: Request) => Promise<Response> {
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token || tokenRole(token) !== "authenticated") {
      throw new HttpError(401, "HL001", "You must be signed in to do this.", "a seller's access token");
    }
    const { stream_id } = await readJson(req, body);
    const api = deps.api();

    const existing = await api.rpc("get_stream_ingest", { p_stream_id: stream_id }, token);
    if (existing.ok) return json({ ...(existing.body as Ingest), created: false });
    if ((existing.body as { code?: unknown } | null)?.code !== "HL876") throw liveHttpError(existing);

    const stream = await api.rpcOrThrow<{ status: string }>("get_stream", { p_stream_id: stream_id }, token);
    if (stream.status === "ended" || stream.status === "cancelled") {
      throw new HttpError(409, "HL866", "The stream cannot change any more.", `the stream is ${stream.status}`);
    }

    const provider = deps.provider();
    let input;
    try {
      input = await provider.createLiveInput({ streamId: stream_id });
    } catch (err) {
      if (err instanceof StreamingProviderError) {
        console.error(`stream-ingest: ${err.message}`);
        throw UNAVAILABLE();
      }
      throw err;
    }

    let recorded;
    try {
      recorded = await api.rpc("record_stream_ingest", {
        p_stream_id: stream_id,
        p_provider: input.provider,
        p_live_input_id: input.liveInputId,
        p_stream_key: input.streamKey,
        p_ingest_url: input.ingestUrl,
        p_playback_id: input.playbackId,
      });
    } catch (err) {
      await forget(provider, input.liveInputId);
      throw err;
    }
    if (!recorded.ok) {
      await forget(provider, input.liveInputId);
      throw liveHttpError(recorded);
    }
    const out = recorded.body as Ingest;
    if (out.live_input_id !== input.liveInputId) await forget(provider, input.liveInputId);
    return json(out, out.created ? 201 : 200);
  });
}
