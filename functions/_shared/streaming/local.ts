/**
 * The local ingest provider (STREAMING_PROVIDER=local, the default): live inputs, stream keys and
 * playback ids are generated here from the platform's random source; no server receives video.
 * The encoder is simulated by posting signed events in Mux's shape to stream-webhook
 * (`npm run stream -- connect|disconnect|end <stream id>`, scripts/stream.ts), signed with the
 * local webhook secret (./index.ts). Disabling or deleting a local live input holds no state to
 * release here: the database marks it (apply_stream_ingest_event with `deleted`).
 */
import type { LiveInput, StreamingProvider } from "./types.ts";

/** The development signing secret of stream-webhook with the local provider (never in production). */
export const LOCAL_STREAM_WEBHOOK_SECRET = "hyperlocal_local_stream_webhook_secret";

/** Where a local encoder would point (nothing listens; it is shown to the seller like Mux's URL). */
export const LOCAL_INGEST_URL = "rtmp://127.0.0.1:1935/live";

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class LocalStreamingProvider implements StreamingProvider {
  readonly name = "local" as const;

  constructor(private readonly opts: { ingestUrl?: string } = {}) {}

  createLiveInput(_a: { streamId: string }): Promise<LiveInput> {
    return Promise.resolve({
      provider: "local",
      liveInputId: `local_${randomHex(12)}`,
      // 128 random bits, like a Mux stream key.
      streamKey: crypto.randomUUID(),
      ingestUrl: this.opts.ingestUrl ?? LOCAL_INGEST_URL,
      playbackId: `localplay_${randomHex(12)}`,
    });
  }

  disableLiveInput(_liveInputId: string): Promise<void> {
    return Promise.resolve();
  }

  deleteLiveInput(_liveInputId: string): Promise<void> {
    return Promise.resolve();
  }
}
