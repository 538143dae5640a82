/**
 * Topic subscriptions and fan-out, as Realtime's MessageDispatcher delivers them (RT lib/
 * realtime_web/channels/realtime_channel/message_dispatcher.ex): a message is encoded once per
 * protocol version and written to every subscribed socket; broadcasts skip the sender unless
 * `self`, skip private subscribers without broadcast read, and skip messages already replayed;
 * presence diffs skip private subscribers without presence read.
 *
 * Topics are Realtime's tenant topics: public and private channels of the same name are different
 * namespaces (RT Tenants.tenant_topic/3).
 */
import type { PresenceDiff } from "./presence.ts";
import {
  encodeBinaryBroadcast,
  encodeBroadcast,
  encodeUserBroadcast,
  userBroadcastAsV1,
  type Vsn,
} from "./protocol.ts";

export interface Subscriber {
  readonly joinTopic: string;
  readonly vsn: Vsn;
  /** Broadcast read as subscribed (public channels: true). */
  broadcastRead(): boolean | null;
  /** Presence read as subscribed (public: true; private without presence at join: null, see presenceReadNow). */
  presenceRead(): boolean | null;
  presenceReadNow(): boolean;
  /** Was this message id already sent by replay at join? */
  replayed(id: string): boolean;
  sendText(text: string): void;
  sendBinary(data: Buffer): void;
}

export type Outgoing =
  /**
   * A JSON broadcast (Phoenix.Socket.Broadcast, event "broadcast"). Its payload should be an object:
   * encoding any other payload for a v2 socket throws, as Realtime's V2 serializer raises.
   */
  | { kind: "broadcast"; payload: unknown }
  /** A user broadcast (kind 4 for v2 sockets). */
  | { kind: "user"; event: string; encoding: "json" | "binary"; data: Buffer; metadata: Record<string, unknown> | null }
  /** Phoenix's binary broadcast (kind 2), from a binary push. */
  | { kind: "binary"; event: string; data: Buffer }
  | { kind: "presence_diff"; payload: PresenceDiff };

export const tenantTopic = (name: string, isPrivate: boolean): string => `${isPrivate ? "private" : "public"}:${name}`;

export class PubSub {
  private readonly topics = new Map<string, Set<Subscriber>>();

  subscribe(topic: string, sub: Subscriber): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(sub);
  }

  unsubscribe(topic: string, sub: Subscriber): void {
    const set = this.topics.get(topic);
    if (!set) return;
    set.delete(sub);
    if (!set.size) this.topics.delete(topic);
  }

  subscribers(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Delivers `msg` to the subscribers of `topic` except `from`; returns how many got it. */
  dispatch(topic: string, msg: Outgoing, from?: Subscriber): number {
    const subs = this.topics.get(topic);
    if (!subs) return 0;
    const cache = new Map<string, string | Buffer | null>();
    let sent = 0;
    const id = messageId(msg);
    for (const sub of subs) {
      if (sub === from) continue;
      if (msg.kind === "presence_diff") {
        const read = sub.presenceRead();
        if (read === false || (read === null && !sub.presenceReadNow())) continue;
      } else {
        if (sub.broadcastRead() !== true) continue;
        if (id && sub.replayed(id)) continue;
      }
      const cacheKey = `${sub.vsn}|${sub.joinTopic}`;
      let frame = cache.get(cacheKey);
      if (frame === undefined) {
        frame = encode(sub.vsn, sub.joinTopic, msg);
        cache.set(cacheKey, frame);
      }
      if (frame === null) continue;
      if (typeof frame === "string") sub.sendText(frame);
      else sub.sendBinary(frame);
      sent++;
    }
    return sent;
  }
}

function messageId(msg: Outgoing): string | undefined {
  if (msg.kind === "user") return typeof msg.metadata?.id === "string" ? msg.metadata.id : undefined;
  if (msg.kind === "broadcast") {
    const meta = (msg.payload as { meta?: Record<string, unknown> } | null)?.meta;
    return typeof meta?.id === "string" ? meta.id : undefined;
  }
  return undefined;
}

function encode(vsn: Vsn, joinTopic: string, msg: Outgoing): string | Buffer | null {
  switch (msg.kind) {
    case "broadcast":
      if (vsn === "2.0.0" && (typeof msg.payload !== "object" || msg.payload === null || Array.isArray(msg.payload))) {
        throw new TypeError(`expected broadcasted payload to be a map, got: ${JSON.stringify(msg.payload)}`);
      }
      return encodeBroadcast(vsn, joinTopic, "broadcast", msg.payload);
    case "presence_diff":
      return encodeBroadcast(vsn, joinTopic, "presence_diff", msg.payload);
    case "user":
      return vsn === "2.0.0"
        ? encodeUserBroadcast(joinTopic, msg.event, msg.encoding, msg.data, msg.metadata)
        : userBroadcastAsV1(joinTopic, msg.event, msg.encoding, msg.data, msg.metadata);
    case "binary":
      // V1 cannot carry a binary broadcast (Realtime's fastlane raises for it).
      return vsn === "2.0.0" ? encodeBinaryBroadcast(joinTopic, msg.event, msg.data) : null;
  }
}
