/**
 * Ingest webhook events in Mux's shape (both providers send them):
 *
 *   { "type": "video.live_stream.active", "id": "<event uuid>", "created_at": "<ISO 8601>",
 *     "object": { "type": "live_stream", "id": "<live stream id>" }, "data": { "id": "<live stream id>", ... } }
 *
 * normalised to { eventId, type: connected|active|disconnected|idle|deleted (or the raw type), liveInputId }.
 */
import type { IngestEvent, StreamingProviderName } from "./types.ts";

const PREFIX = "video.live_stream.";
const HANDLED = new Set(["connected", "active", "disconnected", "idle", "deleted"]);

export class MalformedIngestEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedIngestEvent";
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** The event of a verified body; MalformedIngestEvent when it is not one. */
export function parseIngestEvent(provider: StreamingProviderName, body: string): IngestEvent {
  let e: unknown;
  try {
    e = JSON.parse(body);
  } catch {
    throw new MalformedIngestEvent("body is not JSON");
  }
  if (typeof e !== "object" || e === null || Array.isArray(e)) throw new MalformedIngestEvent("body is not an object");
  const ev = e as { id?: unknown; type?: unknown; created_at?: unknown; object?: unknown; data?: unknown };
  const eventId = str(ev.id);
  const providerType = str(ev.type);
  if (!eventId || !providerType) throw new MalformedIngestEvent("an event needs id and type");
  const object = (typeof ev.object === "object" && ev.object !== null ? ev.object : {}) as {
    type?: unknown;
    id?: unknown;
  };
  const data = (typeof ev.data === "object" && ev.data !== null ? ev.data : {}) as {
    id?: unknown;
    live_stream_id?: unknown;
  };
  const isLiveStream = providerType.startsWith(PREFIX);
  // Live stream events name the live stream as their object; asset events of a recording carry live_stream_id.
  const liveInputId = isLiveStream
    ? str(object.type === "live_stream" ? object.id : undefined) ?? str(data.id)
    : str(data.live_stream_id) ?? str(object.id) ?? str(data.id);
  if (!liveInputId) throw new MalformedIngestEvent("the event names no live stream");
  const short = isLiveStream ? providerType.slice(PREFIX.length) : "";
  let occurredAt: string | null = null;
  if (typeof ev.created_at === "string" && !Number.isNaN(Date.parse(ev.created_at))) {
    occurredAt = new Date(ev.created_at).toISOString();
  } else if (typeof ev.created_at === "number" && Number.isFinite(ev.created_at)) {
    occurredAt = new Date(ev.created_at * 1000).toISOString();
  }
  return {
    provider,
    eventId,
    type: HANDLED.has(short) ? short : providerType,
    providerType,
    liveInputId,
    occurredAt,
  };
}

/** A live stream event in Mux's shape (the local provider's simulated encoder, tests). */
export function liveStreamEvent(
  a: { type: string; liveInputId: string; eventId?: string; createdAt?: Date; status?: string },
): Record<string, unknown> {
  return {
    type: `${PREFIX}${a.type}`,
    id: a.eventId ?? crypto.randomUUID(),
    created_at: (a.createdAt ?? new Date()).toISOString(),
    object: { type: "live_stream", id: a.liveInputId },
    data: { id: a.liveInputId, status: a.status ?? a.type },
    environment: { name: "local", id: "local" },
    attempts: [],
  };
}
