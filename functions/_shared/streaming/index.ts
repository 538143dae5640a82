/**
 * The ingest provider chosen by configuration (functions/.env locally, `supabase secrets set` hosted):
 *
 *   STREAMING_PROVIDER        `local` (default) or `mux`
 *   MUX_TOKEN_ID / MUX_TOKEN_SECRET   mux: an access token with Mux Video read and write
 *   MUX_WEBHOOK_SECRET        mux: the webhook endpoint's signing secret (stream-webhook);
 *                             MUX_WEBHOOK_SECRET_PREVIOUS too while rolling it
 *   MUX_PLAYBACK_POLICY       public (default) or signed
 *   MUX_API_URL, MUX_INGEST_URL   defaults https://api.mux.com, rtmps://global-live.mux.com:443/app
 *   STREAM_WEBHOOK_SECRET     local: the signing secret (default LOCAL_STREAM_WEBHOOK_SECRET)
 *   LOCAL_STREAM_INGEST_URL   local: the URL shown to the seller (default rtmp://127.0.0.1:1935/live)
 */
import { optionalEnv, requireEnv } from "../env.ts";
import { LOCAL_STREAM_WEBHOOK_SECRET, LocalStreamingProvider } from "./local.ts";
import { MuxProvider } from "./mux.ts";
import type { StreamingProvider, StreamingProviderName } from "./types.ts";

export * from "./types.ts";
export { LOCAL_STREAM_WEBHOOK_SECRET };

export function streamingProviderName(): StreamingProviderName {
  const name = optionalEnv("STREAMING_PROVIDER", "local");
  if (name !== "local" && name !== "mux") throw new Error(`Unknown STREAMING_PROVIDER ${name}: use local or mux`);
  return name;
}

let cached: StreamingProvider | undefined;

export function streamingProviderFromEnv(): StreamingProvider {
  if (cached) return cached;
  if (streamingProviderName() === "mux") {
    const policy = optionalEnv("MUX_PLAYBACK_POLICY", "public");
    if (policy !== "public" && policy !== "signed") {
      throw new Error(`MUX_PLAYBACK_POLICY ${policy}: use public or signed`);
    }
    cached = new MuxProvider({
      tokenId: requireEnv("MUX_TOKEN_ID"),
      tokenSecret: requireEnv("MUX_TOKEN_SECRET"),
      apiUrl: optionalEnv("MUX_API_URL"),
      ingestUrl: optionalEnv("MUX_INGEST_URL"),
      playbackPolicy: policy,
    });
  } else {
    cached = new LocalStreamingProvider({ ingestUrl: optionalEnv("LOCAL_STREAM_INGEST_URL") });
  }
  return cached;
}

/** The secrets stream-webhook accepts: required with Mux, a fixed development secret locally. */
export function streamWebhookSecrets(): string[] {
  if (streamingProviderName() === "mux") {
    return [requireEnv("MUX_WEBHOOK_SECRET"), optionalEnv("MUX_WEBHOOK_SECRET_PREVIOUS")].filter((s): s is string =>
      !!s
    );
  }
  return [optionalEnv("STREAM_WEBHOOK_SECRET", LOCAL_STREAM_WEBHOOK_SECRET)!];
}
