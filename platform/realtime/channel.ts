/**
 * One WebSocket and its channels, behaving as Phoenix's socket and Realtime's RealtimeChannel do
 * (PHX lib/phoenix/socket.ex, RT lib/realtime_web/channels/realtime_channel.ex and its
 * broadcast/presence handlers):
 *
 * socket  frames are handled one at a time in arrival order (a join holds the socket until it is
 *         answered, as Phoenix's socket process waits for the channel's join); heartbeats on
 *         "phoenix" are answered; a push to a topic that is not joined gets `unmatched topic`;
 *         `phx_leave` of an unjoined topic is answered ok; a second `phx_join` of a joined topic
 *         closes the first channel (phx_close) and joins again; pushes carrying another join_ref
 *         are stale and dropped; malformed frames are logged and skipped.
 * channel messages are handled one at a time; the channel ends with `phx_close` (left, shut down)
 *         or `phx_error` (crashed); presence it tracked leaves with it.
 */
import type WebSocket from "ws";
import {
  authorizationContext,
  newPolicies,
  readAuthorizations,
  writeAuthorizations,
  type AuthFailure,
  type AuthorizationContext,
  type Policies,
} from "./authorization.ts";
import type { RealtimeDatabase } from "./database.ts";
import { authorizeConn, joinTokenError, shutdownTokenMessage, type Claims } from "./jwt.ts";
import { bindingsOf, replyBindings, subscriptionMessage } from "./postgres-changes.ts";
import type { PresenceDiff, PresenceRegistry } from "./presence.ts";
import {
  decodeFrame,
  encodeMessage,
  encodeReply,
  encodeUserBroadcast,
  MalformedFrame,
  type InPayload,
  type Vsn,
} from "./protocol.ts";
import { tenantTopic, type Outgoing, type PubSub, type Subscriber } from "./pubsub.ts";

export interface Limits {
  /** Realtime sleeps this long before answering a failed join (CHANNEL_ERROR_BACKOFF_MS, 5 s). */
  channelErrorBackoffMs: number;
  /** Tenant max_channels_per_client (100). */
  maxChannelsPerClient: number;
  /** Tenant max_payload_size_in_kb (3000) * 1000 + 500 bytes. */
  maxPayloadBytes: number;
  /** Client presence events per channel per window (5 per 30 s). */
  presenceMaxCalls: number;
  presenceWindowMs: number;
  /** Tokens are re-checked at min(this, time to exp) (5 min). */
  confirmTokenMs: number;
  /** broadcast.replication_ready: how long to wait for the replication stream (1 min). */
  replicationReadyTimeoutMs: number;
}

export interface ServerContext {
  jwtSecret: string;
  db: RealtimeDatabase;
  pubsub: PubSub;
  presence: PresenceRegistry;
  limits: Limits;
  log(line: string): void;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** FlexibleBoolean: booleans, or "true"/"false" in any case; anything else is invalid (default). */
function flexibleBoolean(v: unknown, fallback = false): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.toLowerCase();
    if (s === "true") return true;
    if (s === "false") return false;
  }
  return fallback;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as Json);
  const kb = Object.keys(b as Json);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k]));
}

const payloadSize = (p: InPayload): number =>
  p.kind === "json" ? Buffer.byteLength(JSON.stringify(p.value) ?? "") : p.data.length + (p.kind === "user" ? p.event.length + 64 : 32);

/** What Realtime answers a failed read authorisation with (RT realtime_channel.ex). */
function authFailureReason(f: AuthFailure, name: string): string {
  switch (f.kind) {
    case "rls_policy_error":
      return `Unauthorized: You do not have permissions to read from this Channel topic: ${name}`;
    case "query_canceled":
      return `QueryCanceled: ${f.error.message}`;
    case "missing_partition":
      return "MissingPartition: Realtime was unable to find the expected messages partition";
    case "tenant_database_unavailable":
      return "UnableToConnectToProject: Realtime was unable to connect to the project database";
  }
}

class JoinError extends Error {}

export class RealtimeSocket {
  readonly channels = new Map<string, Channel>();
  private queue: Promise<void> = Promise.resolve();
  closed = false;
  lastFrameAt = Date.now();

  constructor(
    readonly srv: ServerContext,
    private readonly ws: WebSocket,
    readonly vsn: Vsn,
    /** The token the socket connected with (its apikey). */
    readonly tenantToken: string,
    /** The upgrade request's x-* headers (request.headers for policies). */
    readonly xHeaders: Record<string, string>,
  ) {
    ws.on("message", (data, isBinary) => {
      this.lastFrameAt = Date.now();
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.queue = this.queue.then(() => this.handleFrame(buf, isBinary)).catch((e) => {
        this.srv.log(`[realtime] UnknownErrorOnWebSocketMessage: ${(e as Error).stack ?? e}`);
      });
    });
    ws.on("close", () => this.onClose());
    ws.on("error", (e) => this.srv.log(`[realtime] socket error: ${e.message}`));
  }

  sendText(text: string): void {
    if (!this.closed && this.ws.readyState === 1) this.ws.send(text);
  }

  sendBinary(data: Buffer): void {
    if (!this.closed && this.ws.readyState === 1) this.ws.send(data, { binary: true });
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ch of [...this.channels.values()]) ch.stop("socket_closed");
  }

  private reply(joinRef: unknown, ref: unknown, topic: string, status: "ok" | "error", response: unknown): void {
    this.sendText(encodeReply(this.vsn, joinRef, ref, topic, status, response));
  }

  private async handleFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    let msg;
    try {
      msg = decodeFrame(this.vsn, data, isBinary);
    } catch (e) {
      if (e instanceof MalformedFrame) {
        this.srv.log(`[realtime] ${e.code}: ${e.message}`);
        return;
      }
      throw e;
    }
    const { topic, event } = msg;
    if (typeof topic !== "string" || typeof event !== "string") {
      this.srv.log(`[realtime] UnknownErrorOnWebSocketMessage: topic and event must be strings`);
      return;
    }
    if (topic === "phoenix" && event === "heartbeat") {
      this.reply(null, msg.ref, "phoenix", "ok", {});
      return;
    }
    const existing = this.channels.get(topic);
    if (event === "phx_join") {
      if (existing) existing.stop("duplicate");
      await this.join(topic, msg.joinRef, msg.ref, msg.payload);
      return;
    }
    if (!existing) {
      if (event === "phx_leave") this.reply(msg.joinRef, msg.ref, topic, "ok", {});
      else this.reply(null, msg.ref, topic, "error", { reason: "unmatched topic" });
      return;
    }
    if (!(existing.joinRef === null || existing.joinRef === msg.joinRef)) return; // stale push of an earlier join
    const ref = msg.ref;
    if (event === "phx_leave") {
      existing.enqueue(() => existing.leave(ref));
      return;
    }
    const payload = msg.payload;
    existing.enqueue(() => existing.handleIn(event, payload, ref));
  }

  private async join(topic: string, joinRef: unknown, ref: unknown, payload: InPayload): Promise<void> {
    if (!topic.startsWith("realtime:")) {
      this.srv.log(`[realtime] Ignoring unmatched topic "${topic}"`);
      this.reply(null, ref, topic, "error", { reason: "unmatched topic" });
      return;
    }
    const ch = new Channel(this, topic, joinRef);
    let response: Json;
    try {
      response = await ch.join(payload.kind === "json" ? payload.value : undefined);
    } catch (e) {
      const reason = e instanceof JoinError ? e.message : `UnknownErrorOnChannel: ${(e as Error).message}`;
      if (!(e instanceof JoinError)) this.srv.log(`[realtime] ${reason}`);
      await sleep(this.srv.limits.channelErrorBackoffMs);
      this.reply(joinRef, ref, topic, "error", { reason });
      return;
    }
    if (this.closed) {
      ch.stop("socket_closed");
      return;
    }
    this.channels.set(topic, ch);
    this.reply(joinRef, ref, topic, "ok", response);
    ch.afterJoin();
  }
}

export class Channel implements Subscriber {
  readonly name: string;
  private readonly srv: ServerContext;
  private isPrivate = false;
  private presenceEnabled = false;
  private presenceKey = "";
  private ack = false;
  private self = false;
  private replicationReady = false;
  private accessToken = "";
  private claims: Claims = {};
  private auth!: AuthorizationContext;
  private policies: Policies | null = null;
  /** The read gates the subscription was made with (Realtime's fastlane metadata). */
  private gate: { broadcast: boolean | null; presence: boolean | null } = { broadcast: true, presence: true };
  private topicKey = "";
  private confirmTimer?: NodeJS.Timeout;
  private trackedPayload: unknown = undefined;
  private presenceLimit = { counter: 0, resetAt: 0 };
  private replayedIds = new Set<string>();
  private replayMessages: Array<{ id: string; event: string | null; payload: unknown; binary_payload: Buffer | null }> = [];
  private bindings: unknown[] = [];
  private queue: Promise<void> = Promise.resolve();
  private state: "joining" | "joined" | "closed" = "joining";

  constructor(
    private readonly socket: RealtimeSocket,
    readonly joinTopic: string,
    readonly joinRef: unknown,
  ) {
    this.srv = socket.srv;
    this.name = joinTopic.slice("realtime:".length);
  }

  get vsn(): Vsn {
    return this.socket.vsn;
  }

  // ---- Subscriber ------------------------------------------------------------------------------
  broadcastRead(): boolean | null {
    return this.gate.broadcast;
  }
  presenceRead(): boolean | null {
    return this.gate.presence;
  }
  presenceReadNow(): boolean {
    return this.policies?.presence.read === true;
  }
  replayed(id: string): boolean {
    return this.replayedIds.has(id);
  }
  sendText(text: string): void {
    this.socket.sendText(text);
  }
  sendBinary(data: Buffer): void {
    this.socket.sendBinary(data);
  }

  enqueue(work: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.state === "closed" ? undefined : work()))
      .catch((e) => {
        this.srv.log(`[realtime] channel ${this.name} crashed: ${(e as Error).stack ?? e}`);
        this.stop("crash");
      });
  }

  private push(event: string, payload: unknown): void {
    this.sendText(encodeMessage(this.vsn, this.joinRef, null, this.joinTopic, event, payload));
  }

  private reply(ref: unknown, status: "ok" | "error", response: unknown): void {
    this.sendText(encodeReply(this.vsn, this.joinRef, ref, this.joinTopic, status, response));
  }

  private system(extension: string, status: "ok" | "error", message: string): void {
    this.push("system", { channel: this.name, extension, message, status });
  }

  /** Realtime's shutdown_response: a system error, then the channel stops (phx_close). */
  private shutdown(message: string): void {
    this.system("system", "error", message);
    this.srv.log(`[realtime] ChannelShutdown: ${message}`);
    this.stop("normal");
  }

  // ---- join ------------------------------------------------------------------------------------

  /** Returns the join reply, or throws a JoinError with Realtime's reason. */
  async join(params: unknown): Promise<Json> {
    const fail = (reason: string): never => {
      throw new JoinError(reason);
    };
    if (this.name === "") fail("TopicNameRequired: You must provide a topic name");
    if (!isObject(params)) fail("UnknownErrorOnChannel: the join payload must be an object");
    const p = params as Json;
    const config = isObject(p.config) ? p.config : {};
    const broadcast = isObject(config.broadcast) ? config.broadcast : {};
    const presence = isObject(config.presence) ? config.presence : {};
    this.isPrivate = flexibleBoolean(config.private);
    this.presenceEnabled = flexibleBoolean(presence.enabled);
    this.presenceKey = presence.key === undefined || presence.key === null || presence.key === "" ? crypto.randomUUID() : String(presence.key);
    this.ack = flexibleBoolean(broadcast.ack);
    this.self = flexibleBoolean(broadcast.self);
    this.replicationReady = !!broadcast.replication_ready;

    // Token: access_token (or user_token) from the join, the socket's own for sb_ keys or none.
    const given = p.access_token ?? p.user_token;
    if (typeof given === "string" && given.startsWith("sb_")) this.accessToken = this.socket.tenantToken;
    else if (typeof p.user_token === "string") this.accessToken = p.user_token;
    else if (typeof p.access_token === "string") this.accessToken = p.access_token;
    else this.accessToken = this.socket.tenantToken;

    if (this.socket.channels.size >= this.srv.limits.maxChannelsPerClient) fail("ChannelRateLimitReached: Too many channels");

    const check = authorizeConn(this.accessToken, this.srv.jwtSecret);
    if (!check.ok) fail(joinTokenError(check));
    this.claims = (check as { claims: Claims }).claims;
    this.auth = authorizationContext(this.name, this.claims, this.socket.xHeaders);

    if (this.isPrivate) {
      const r = await readAuthorizations(this.srv.db.sql, this.auth, newPolicies(), this.presenceEnabled);
      if (!r.ok) {
        if (r.kind !== "rls_policy_error") this.srv.log(`[realtime] ${authFailureReason(r, this.name)}`);
        fail(authFailureReason(r, this.name));
      }
      const policies = (r as { policies: Policies }).policies;
      if (!policies.broadcast.read && !policies.presence.read) {
        fail(`Unauthorized: You do not have permissions to read from this Channel topic: ${this.name}`);
      }
      this.policies = policies;
    }

    const replay = broadcast.replay;
    if (replay !== undefined) {
      if (this.policies?.broadcast.read === false) {
        fail(`Unauthorized: You do not have permissions to read from this Channel topic: ${this.name}`);
      }
      if (!this.isPrivate) fail("UnableToReplayMessages: Replay is not allowed for public channels");
      if (isObject(replay)) {
        const since = replay.since;
        const limit = replay.limit ?? 25;
        if (!Number.isInteger(since) || !Number.isInteger(limit)) fail("UnableToReplayMessages: Replay params are not valid");
        try {
          this.replayMessages = await this.srv.db.replay(this.name, since as number, Math.max(Math.min(limit as number, 25), 1));
        } catch (e) {
          if (e instanceof RangeError) fail("UnableToReplayMessages: Replay params are not valid");
          fail("UnableToReplayMessages: Realtime was unable to replay messages");
        }
        this.replayedIds = new Set(this.replayMessages.map((m) => m.id));
      }
    }

    this.bindings = bindingsOf(p, this.name);
    const postgresChanges = replyBindings(this.bindings);

    this.topicKey = tenantTopic(this.name, this.isPrivate);
    this.setGates();
    this.srv.pubsub.subscribe(this.topicKey, this);
    this.scheduleTokenCheck();
    this.state = "joined";
    return { postgres_changes: postgresChanges };
  }

  private setGates(): void {
    this.gate = this.policies
      ? { broadcast: this.policies.broadcast.read, presence: this.policies.presence.read }
      : { broadcast: true, presence: true };
  }

  /** What Realtime does right after the join reply: replay, postgres_changes, replication, presence. */
  afterJoin(): void {
    for (const m of this.replayMessages) {
      const meta = { id: m.id, replayed: true };
      if (m.binary_payload) {
        if (this.vsn !== "2.0.0") continue; // V1 sockets cannot represent binary payloads
        const frame = encodeUserBroadcast(this.joinTopic, m.event ?? "", "binary", m.binary_payload, meta);
        if (frame) this.sendBinary(frame);
      } else {
        this.push("broadcast", { event: m.event, meta, payload: m.payload, type: "broadcast" });
      }
    }
    this.replayMessages = [];
    if (this.bindings.length > 0) {
      const bindings = this.bindings;
      subscriptionMessage(this.srv.db.sql, bindings).then(
        (message) => {
          if (this.state === "joined") this.system("postgres_changes", "error", message);
        },
        (e) => {
          if (this.state === "joined") this.system("postgres_changes", "error", (e as Error).message);
        },
      );
    }
    if (this.replicationReady) void this.notifyReplicationReady(Date.now() + this.srv.limits.replicationReadyTimeoutMs);
    if (this.presenceEnabled && (!this.isPrivate || this.policies?.presence.read === true)) {
      this.push("presence_state", this.srv.presence.list(this.topicKey));
    }
  }

  private async notifyReplicationReady(deadline: number): Promise<void> {
    while (this.state === "joined") {
      if (this.srv.db.replicationReady) {
        this.system("system", "ok", "Replication connection established");
        return;
      }
      if (Date.now() >= deadline) {
        this.enqueue(async () => this.shutdown("Replication connection was not established in time"));
        return;
      }
      await sleep(500);
    }
  }

  private scheduleTokenCheck(): void {
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    const exp = Number(this.claims.exp);
    const untilExp = Math.max(0, exp * 1000 - Date.now());
    const interval = Math.min(this.srv.limits.confirmTokenMs, untilExp);
    this.confirmTimer = setTimeout(() => this.enqueue(async () => this.confirmToken()), interval);
    this.confirmTimer.unref();
  }

  private async confirmToken(): Promise<void> {
    const check = authorizeConn(this.accessToken, this.srv.jwtSecret);
    if (!check.ok) return this.shutdown(shutdownTokenMessage(check));
    this.claims = check.claims;
    this.scheduleTokenCheck();
  }

  // ---- messages --------------------------------------------------------------------------------

  async handleIn(event: string, payload: InPayload, ref: unknown): Promise<void> {
    switch (event) {
      case "broadcast":
        return this.handleBroadcast(payload, ref);
      case "presence":
        return this.handlePresence(payload, ref);
      case "access_token":
        return this.handleAccessToken(payload);
      default:
        // Realtime ignores other events (logged at info level only).
        return;
    }
  }

  async leave(ref: unknown): Promise<void> {
    this.reply(ref, "ok", {});
    this.stop("left");
  }

  private async handleBroadcast(payload: InPayload, ref: unknown): Promise<void> {
    if (this.isPrivate) {
      let policies = this.policies ?? newPolicies();
      if (policies.broadcast.write === null) {
        const r = await writeAuthorizations(this.srv.db.sql, this.auth, policies);
        if (!r.ok) {
          this.srv.log(`[realtime] broadcast write check on ${this.name}: ${r.kind}${"error" in r ? ` ${r.error.message}` : ""}`);
          return;
        }
        policies = r.policies;
      }
      this.policies = policies;
      // Without the INSERT policy the message is dropped silently (no reply, even with ack).
      if (!policies.broadcast.write) return;
    }
    let result: "ok" | "payload_size_exceeded" = "ok";
    if (payloadSize(payload) > this.srv.limits.maxPayloadBytes) {
      result = "payload_size_exceeded";
    } else {
      let out: Outgoing;
      if (payload.kind === "user") {
        out = { kind: "user", event: payload.event, encoding: payload.encoding, data: payload.data, metadata: null };
      } else if (payload.kind === "binary") {
        out = { kind: "binary", event: "broadcast", data: payload.data };
      } else {
        out = { kind: "broadcast", payload: payload.value };
      }
      this.srv.pubsub.dispatch(this.topicKey, out, this.self ? undefined : this);
    }
    if (this.ack) {
      if (result === "ok") this.reply(ref, "ok", {});
      else this.reply(ref, "error", "payload_size_exceeded");
    }
  }

  private presenceRateLimited(): boolean {
    const now = performance.now();
    const l = this.presenceLimit;
    if (l.resetAt === 0 || now > l.resetAt) {
      this.presenceLimit = { counter: 1, resetAt: now + this.srv.limits.presenceWindowMs };
      return false;
    }
    if (l.counter >= this.srv.limits.presenceMaxCalls) return true;
    l.counter += 1;
    return false;
  }

  private dispatchDiff(diff: PresenceDiff | null): void {
    if (diff) this.srv.pubsub.dispatch(this.topicKey, { kind: "presence_diff", payload: diff });
  }

  private async handlePresence(payload: InPayload, ref: unknown): Promise<void> {
    const p = payload.kind === "json" ? payload.value : undefined;
    if (!isObject(p) || !("event" in p)) return this.reply(ref, "ok", {});
    if (typeof p.event !== "string") throw new Error("presence event must be a string");
    if (this.presenceRateLimited()) {
      this.srv.log(`[realtime] ClientPresenceRateLimitReached: ${this.name}`);
      return this.shutdown("Client presence rate limit exceeded");
    }
    const event = p.event.toLowerCase();
    if (event === "untrack") {
      this.dispatchDiff(this.srv.presence.untrack(this.topicKey, this, this.presenceKey));
      this.trackedPayload = undefined;
      return this.reply(ref, "ok", {});
    }
    if (event !== "track") {
      this.srv.log(`[realtime] UnknownPresenceEvent: ${event}`);
      return this.reply(ref, "error", {});
    }
    if (this.isPrivate && (this.policies?.presence.write ?? null) === null) {
      let policies = this.policies ?? newPolicies();
      if (policies.presence.read === null) {
        const r = await readAuthorizations(this.srv.db.sql, this.auth, policies, true);
        if (!r.ok) return this.reply(ref, "error", {});
        policies = r.policies;
      }
      const w = await writeAuthorizations(this.srv.db.sql, this.auth, policies, true);
      if (!w.ok) return this.reply(ref, "error", {});
      this.policies = w.policies;
    }
    if (this.isPrivate && !this.policies?.presence.write) return this.reply(ref, "error", {});

    const meta = "payload" in p ? p.payload : {};
    if (!isObject(meta)) return this.reply(ref, "error", { reason: "Presence track payload must be a map" });
    if (this.trackedPayload !== undefined && deepEqual(meta, this.trackedPayload)) return this.reply(ref, "ok", {});
    if (Buffer.byteLength(JSON.stringify(meta)) > this.srv.limits.maxPayloadBytes) {
      return this.shutdown("Track message size exceeded");
    }
    this.dispatchDiff(this.srv.presence.track(this.topicKey, this, this.presenceKey, meta));
    this.presenceEnabled = true;
    this.trackedPayload = meta;
    return this.reply(ref, "ok", {});
  }

  private async handleAccessToken(payload: InPayload): Promise<void> {
    const p = payload.kind === "json" ? payload.value : undefined;
    if (!isObject(p) || !("access_token" in p)) return;
    const token = p.access_token;
    if (typeof token !== "string" || token.startsWith("sb_") || token === this.accessToken) return;

    const previous = this.policies;
    this.accessToken = token;
    this.policies = null;
    const check = authorizeConn(token, this.srv.jwtSecret);
    if (!check.ok) return this.shutdown(shutdownTokenMessage(check));
    this.claims = check.claims;
    this.auth = authorizationContext(this.name, this.claims, this.socket.xHeaders);
    if (this.isPrivate) {
      const r = await readAuthorizations(this.srv.db.sql, this.auth, newPolicies(), this.presenceEnabled);
      if (!r.ok) {
        switch (r.kind) {
          case "rls_policy_error":
            return this.shutdown(`You do not have permissions to read from this Channel topic: ${this.name}`);
          case "query_canceled":
            return this.shutdown("Query was cancelled, please try again");
          default:
            return this.shutdown("Realtime was unable to connect to the project database");
        }
      }
      const policies = r.policies;
      if (!policies.broadcast.read && !policies.presence.read) {
        return this.shutdown(`You do not have permissions to read from this Channel topic: ${this.name}`);
      }
      const revoked = (a: boolean | null | undefined, b: boolean | null) => a === true && b === false;
      if (previous && (revoked(previous.broadcast.read, policies.broadcast.read) || revoked(previous.presence.read, policies.presence.read))) {
        return this.shutdown(`You no longer have permission to read from this Channel topic: ${this.name}`);
      }
      this.policies = policies;
      this.setGates();
    }
    this.scheduleTokenCheck();
  }

  // ---- end -------------------------------------------------------------------------------------

  /**
   * Ends the channel: `normal`/`left`/`duplicate` push phx_close, `crash` pushes phx_error,
   * `socket_closed` pushes nothing. Presence it tracked leaves.
   */
  stop(reason: "normal" | "left" | "duplicate" | "crash" | "socket_closed"): void {
    if (this.state === "closed") return;
    const wasJoined = this.state === "joined";
    this.state = "closed";
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    if (!wasJoined) return;
    this.srv.pubsub.unsubscribe(this.topicKey, this);
    this.dispatchDiff(this.srv.presence.untrack(this.topicKey, this, this.presenceKey));
    if (this.socket.channels.get(this.joinTopic) === this) this.socket.channels.delete(this.joinTopic);
    if (reason === "socket_closed") return;
    const event = reason === "crash" ? "phx_error" : "phx_close";
    this.socket.sendText(encodeMessage(this.vsn, this.joinRef, this.joinRef, this.joinTopic, event, {}));
  }
}
