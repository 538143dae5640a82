/**
 * The ingest provider interface of the live module: who receives the seller's encoder (RTMP(S))
 * and serves the playback. Two implementations: `mux` (Mux Video's live streams API) and `local`
 * (keys generated here, no video; the encoder is simulated with `npm run stream`). Both send
 * webhooks in Mux's shape, signed with the `mux-signature` scheme (./signature.ts), which
 * ./events.ts normalises for the database (apply_stream_ingest_event).
 */

export type StreamingProviderName = "local" | "mux";

/** A provisioned live input: what record_stream_ingest stores. */
export interface LiveInput {
  provider: StreamingProviderName;
  /** The provider's id of the live input (Mux: the live stream id). */
  liveInputId: string;
  /** Secret: whoever has it can broadcast on the stream. */
  streamKey: string;
  /** Where the encoder connects (RTMPS with Mux). */
  ingestUrl: string;
  /** Public playback id (Mux: https://stream.mux.com/<id>.m3u8). */
  playbackId: string;
}

export interface StreamingProvider {
  readonly name: StreamingProviderName;
  /** A new live input for the stream (its id goes to the provider as passthrough). */
  createLiveInput(a: { streamId: string }): Promise<LiveInput>;
  /** Refuses new broadcasts on the live input (the key stops working) and ends a current one. */
  disableLiveInput(liveInputId: string): Promise<void>;
  /** Deletes the live input at the provider (a superseded or abandoned one). */
  deleteLiveInput(liveInputId: string): Promise<void>;
}

/** The provider refused or could not be reached (→ HL879, 503). */
export class StreamingProviderError extends Error {
  readonly status: number | null;

  constructor(message: string, status: number | null = null) {
    super(message);
    this.name = "StreamingProviderError";
    this.status = status;
  }
}

/** Normalised ingest event types (what the database acts on); others travel as their raw type and are ignored. */
export const INGEST_EVENT_TYPES = ["connected", "active", "disconnected", "idle", "deleted"] as const;
export type IngestEventType = (typeof INGEST_EVENT_TYPES)[number];

export interface IngestEvent {
  provider: StreamingProviderName;
  /** The provider's event id (idempotency). */
  eventId: string;
  /** A normalised type, or the provider's own type when it is not one the live module acts on. */
  type: IngestEventType | string;
  /** The provider's event type as sent (video.live_stream.active, ...). */
  providerType: string;
  liveInputId: string;
  /** When the provider says it happened (ISO 8601), if it says. */
  occurredAt: string | null;
}
