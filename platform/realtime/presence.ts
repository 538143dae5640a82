/**
 * Presence state per topic, as Phoenix.Presence keeps it for Realtime (RT lib/realtime_web/
 * channels/presence.ex, realtime_channel/presence_handler.ex): each channel tracks at most one
 * meta under its presence key; a meta is the client's payload plus `phx_ref` (and `phx_ref_prev`
 * after an update). `presence_state` lists `{key: {metas: [...]}}`; every change is a
 * `presence_diff {joins, leaves}` in the same shape.
 */
import { randomBytes } from "node:crypto";

export type Meta = Record<string, unknown> & { phx_ref: string; phx_ref_prev?: string };
export type PresenceList = Record<string, { metas: Meta[] }>;
export interface PresenceDiff {
  joins: PresenceList;
  leaves: PresenceList;
}

/** Phoenix.Tracker's ref: 8 random bytes, base64. */
const newRef = () => randomBytes(8).toString("base64");

export class PresenceRegistry {
  /** tenant topic → key → tracking owner (a channel) → meta */
  private readonly topics = new Map<string, Map<string, Map<object, Meta>>>();

  list(topic: string): PresenceList {
    const out: PresenceList = {};
    for (const [key, owners] of this.topics.get(topic) ?? []) {
      if (owners.size) out[key] = { metas: [...owners.values()] };
    }
    return out;
  }

  /** Track (or update, when the owner already tracks `key` there); returns the diff to broadcast. */
  track(topic: string, owner: object, key: string, payload: Record<string, unknown>): PresenceDiff {
    let keys = this.topics.get(topic);
    if (!keys) this.topics.set(topic, (keys = new Map()));
    let owners = keys.get(key);
    if (!owners) keys.set(key, (owners = new Map()));
    const previous = owners.get(owner);
    const meta: Meta = previous
      ? { ...payload, phx_ref: newRef(), phx_ref_prev: previous.phx_ref }
      : { ...payload, phx_ref: newRef() };
    owners.set(owner, meta);
    return {
      joins: { [key]: { metas: [meta] } },
      leaves: previous ? { [key]: { metas: [previous] } } : {},
    };
  }

  /** Untrack; null when the owner tracked nothing under `key` there. */
  untrack(topic: string, owner: object, key: string): PresenceDiff | null {
    const keys = this.topics.get(topic);
    const owners = keys?.get(key);
    const meta = owners?.get(owner);
    if (!keys || !owners || !meta) return null;
    owners.delete(owner);
    if (!owners.size) keys.delete(key);
    if (!keys.size) this.topics.delete(topic);
    return { joins: {}, leaves: { [key]: { metas: [meta] } } };
  }
}
