/**
 * Phoenix channel frames as Supabase Realtime reads and writes them (RT lib/realtime_web/socket/
 * v2_serializer.ex, Phoenix's V1 JSON serializer), for `vsn=1.0.0` and `vsn=2.0.0` sockets.
 *
 *   v1 text    {"topic","event","payload","ref"[,"join_ref"]} (objects; replies and pushes carry no join_ref)
 *   v2 text    [join_ref, ref, topic, event, payload]
 *   v2 binary  kind 0 push (client→server, Phoenix's), kind 3 user broadcast push (client→server,
 *              what realtime-js sends for `send({type: "broadcast"})`), kind 2 broadcast and kind 4
 *              user broadcast (server→client; realtime-js decodes kind 4 only). Lengths are single
 *              bytes, strings UTF-8.
 *
 * Decoding errors are thrown as MalformedFrame; the socket logs them and carries on, as Realtime's
 * socket rescues them (RT lib/realtime_web/socket.ex).
 */
export type Vsn = "1.0.0" | "2.0.0";

export const KIND_PUSH = 0;
export const KIND_BROADCAST = 2;
export const KIND_USER_BROADCAST_PUSH = 3;
export const KIND_USER_BROADCAST = 4;

/** A client's user broadcast (binary kind 3): the payload bytes are passed on as they came. */
export interface UserBroadcastPayload {
  kind: "user";
  event: string;
  encoding: "json" | "binary";
  data: Buffer;
  metadata: Record<string, unknown>;
}

export type InPayload =
  | { kind: "json"; value: unknown }
  | UserBroadcastPayload
  /** Phoenix's binary push (kind 0): raw bytes. */
  | { kind: "binary"; data: Buffer };

/** A decoded client frame; refs and topic are whatever JSON the client sent. */
export interface Incoming {
  joinRef: unknown;
  ref: unknown;
  topic: unknown;
  event: unknown;
  payload: InPayload;
}

export class MalformedFrame extends Error {
  constructor(
    /** Realtime's log code: MalformedWebSocketMessage or UnknownErrorOnWebSocketMessage. */
    readonly code: "MalformedWebSocketMessage" | "UnknownErrorOnWebSocketMessage",
    message: string,
  ) {
    super(message);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MalformedFrame("MalformedWebSocketMessage", (e as Error).message);
  }
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** Decodes one client frame. */
export function decodeFrame(vsn: Vsn, data: Buffer, isBinary: boolean): Incoming {
  if (vsn === "1.0.0") {
    // Phoenix's V1 serializer JSON-decodes whatever arrives, text or binary.
    const value = parseJson(data.toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new MalformedFrame("UnknownErrorOnWebSocketMessage", `V1 JSON Serializer expected a map, got ${preview(value)}`);
    }
    const m = value as Record<string, unknown>;
    for (const key of ["topic", "event", "payload", "ref"]) {
      if (!(key in m)) throw new MalformedFrame("MalformedWebSocketMessage", `missing key "${key}"`);
    }
    return { joinRef: m.join_ref ?? null, ref: m.ref, topic: m.topic, event: m.event, payload: { kind: "json", value: m.payload } };
  }
  if (!isBinary) {
    const value = parseJson(data.toString("utf8"));
    if (!Array.isArray(value) || value.length < 5) {
      throw new MalformedFrame("MalformedWebSocketMessage", `expected V2 array, got: ${preview(value)}`);
    }
    const [joinRef, ref, topic, event, payload] = value;
    return { joinRef, ref, topic, event, payload: { kind: "json", value: payload } };
  }
  return decodeBinary(data);
}

function decodeBinary(b: Buffer): Incoming {
  const fail = (): never => {
    throw new MalformedFrame("UnknownErrorOnWebSocketMessage", `no binary frame of kind ${b[0]} and length ${b.length} can be decoded`);
  };
  if (b.length < 1) fail();
  const kind = b[0];
  if (kind === KIND_PUSH) {
    if (b.length < 5) fail();
    const [jl, rl, tl, el] = [b[1], b[2], b[3], b[4]];
    let o = 5;
    if (b.length < o + jl + rl + tl + el) fail();
    const joinRef = b.subarray(o, (o += jl)).toString("utf8");
    const ref = b.subarray(o, (o += rl)).toString("utf8");
    const topic = b.subarray(o, (o += tl)).toString("utf8");
    const event = b.subarray(o, (o += el)).toString("utf8");
    return { joinRef, ref, topic, event, payload: { kind: "binary", data: Buffer.from(b.subarray(o)) } };
  }
  if (kind === KIND_USER_BROADCAST_PUSH) {
    if (b.length < 7) fail();
    const [jl, rl, tl, el, ml, enc] = [b[1], b[2], b[3], b[4], b[5], b[6]];
    let o = 7;
    if (b.length < o + jl + rl + tl + el + ml) fail();
    const joinRef = b.subarray(o, (o += jl)).toString("utf8");
    const ref = b.subarray(o, (o += rl)).toString("utf8");
    const topic = b.subarray(o, (o += tl)).toString("utf8");
    const event = b.subarray(o, (o += el)).toString("utf8");
    const metaText = b.subarray(o, (o += ml)).toString("utf8");
    let metadata: Record<string, unknown> = {};
    if (ml > 0) {
      const parsed = parseJson(metaText);
      metadata = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    }
    return {
      joinRef,
      ref,
      topic,
      event: "broadcast",
      payload: {
        kind: "user",
        event,
        encoding: enc === 0 ? "binary" : "json",
        data: Buffer.from(b.subarray(o)),
        metadata,
      },
    };
  }
  return fail();
}

// ---- encoding --------------------------------------------------------------------------------

/** A server message (Phoenix.Socket.Message): pushes, phx_close/phx_error. */
export function encodeMessage(vsn: Vsn, joinRef: unknown, ref: unknown, topic: string, event: string, payload: unknown): string {
  if (vsn === "1.0.0") {
    return `{"event":${JSON.stringify(event)},"payload":${JSON.stringify(payload)},"ref":${JSON.stringify(ref ?? null)},"topic":${JSON.stringify(topic)}}`;
  }
  return JSON.stringify([joinRef ?? null, ref ?? null, topic, event, payload]);
}

/** A reply (phx_reply) to a client push. */
export function encodeReply(vsn: Vsn, joinRef: unknown, ref: unknown, topic: string, status: "ok" | "error", response: unknown): string {
  return encodeMessage(vsn, joinRef, ref, topic, "phx_reply", { response, status });
}

/** A broadcast with a JSON payload (Phoenix.Socket.Broadcast, fastlaned): no refs. */
export function encodeBroadcast(vsn: Vsn, topic: string, event: string, payload: unknown): string {
  return encodeMessage(vsn, null, null, topic, event, payload);
}

const byteLen = (s: string) => Buffer.byteLength(s, "utf8");

/** Kind 4 (user broadcast, server→client); null when a string is over 255 bytes (Realtime raises there). */
export function encodeUserBroadcast(
  topic: string,
  userEvent: string,
  encoding: "json" | "binary",
  data: Buffer,
  metadata: Record<string, unknown> | null,
): Buffer | null {
  const meta = metadata ? JSON.stringify(metadata) : "";
  const t = Buffer.from(topic, "utf8");
  const e = Buffer.from(userEvent, "utf8");
  const m = Buffer.from(meta, "utf8");
  if (t.length > 255 || e.length > 255 || m.length > 255) return null;
  const header = Buffer.from([KIND_USER_BROADCAST, t.length, e.length, m.length, encoding === "json" ? 1 : 0]);
  return Buffer.concat([header, t, e, m, data]);
}

/**
 * A user broadcast as a V1 socket receives it (Realtime converts it to a JSON broadcast; the user
 * payload is inserted as it came). Binary payloads cannot be represented: null.
 */
export function userBroadcastAsV1(
  topic: string,
  userEvent: string,
  encoding: "json" | "binary",
  data: Buffer,
  metadata: Record<string, unknown> | null,
): string | null {
  if (encoding !== "json") return null;
  const inner =
    `{"event":${JSON.stringify(userEvent)}` +
    (metadata ? `,"meta":${JSON.stringify(metadata)}` : "") +
    `,"payload":${data.toString("utf8")},"type":"broadcast"}`;
  return `{"event":"broadcast","payload":${inner},"ref":null,"topic":${JSON.stringify(topic)}}`;
}

/** Kind 2 (Phoenix binary broadcast), for binary pushes of kind 0; null when a string is too long. */
export function encodeBinaryBroadcast(topic: string, event: string, data: Buffer): Buffer | null {
  if (byteLen(topic) > 255 || byteLen(event) > 255) return null;
  const t = Buffer.from(topic, "utf8");
  const e = Buffer.from(event, "utf8");
  return Buffer.concat([Buffer.from([KIND_BROADCAST, t.length, e.length]), t, e, data]);
}
