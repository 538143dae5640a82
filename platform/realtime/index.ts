/**
 * Local Realtime server (Supabase Realtime-compatible) mounted by the gateway at /realtime/v1:
 *
 *   GET  /websocket?apikey=<jwt>&vsn=1.0.0|2.0.0   Phoenix channels as realtime-js speaks them
 *   POST /api/broadcast                             batch broadcast
 *   POST /api/broadcast/:topic/events/:event        single broadcast (JSON or bytes)
 *
 * Broadcast, Presence, private channels authorised by RLS on realtime.messages, and Broadcast from
 * Database streamed by logical replication; postgres_changes bindings are answered as Realtime
 * answers them when nothing is published (see ./postgres-changes.ts). Logs in as
 * supabase_realtime_admin. Facts and sources: shared/notes/supabase-servers.md; what mirrors what:
 * docs/realtime.md. A development stand-in only: production uses Supabase's Realtime.
 */
import type http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { PlatformContext, PlatformService, PlatformServiceFactory } from "../service.ts";
import { RealtimeSocket, type Limits, type ServerContext } from "./channel.ts";
import { RealtimeDatabase, type MessageRow } from "./database.ts";
import { handleHttp } from "./http.ts";
import { authorizeConn, connectRefusal } from "./jwt.ts";
import { PresenceRegistry } from "./presence.ts";
import type { Vsn } from "./protocol.ts";
import { PubSub, tenantTopic } from "./pubsub.ts";

export interface RealtimeOptions {
  limits?: Partial<Limits>;
  /** Realtime sleeps this long before refusing a socket (CONNECT_ERROR_BACKOFF_MS, 2 s). */
  connectErrorBackoffMs?: number;
  /** Cowboy's idle timeout of a socket that sends nothing, heartbeats included (60 s). */
  idleTimeoutMs?: number;
  /** Endpoint max_frame_size (5 MB): bigger frames close the socket with 1009. */
  maxFrameBytes?: number;
  poolSize?: number;
}

export const DEFAULT_LIMITS: Limits = {
  channelErrorBackoffMs: 5_000,
  maxChannelsPerClient: 100,
  maxPayloadBytes: 3000 * 1000 + 500,
  presenceMaxCalls: 5,
  presenceWindowMs: 30_000,
  confirmTokenMs: 5 * 60_000,
  replicationReadyTimeoutMs: 60_000,
};

/** Phoenix's serializer negotiation: `~> 1.0.0` or `~> 2.0.0`, plain x.y.z versions only. */
function negotiate(vsn: string): Vsn | null {
  const m = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(vsn);
  if (!m || m[4]) return null;
  if (m[1] === "1" && m[2] === "0") return "1.0.0";
  if (m[1] === "2" && m[2] === "0") return "2.0.0";
  return null;
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error" };

function refuse(socket: Duplex, status: number, body: string, json = true): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
      (json ? "content-type: application/json; charset=utf-8\r\n" : "") +
      `content-length: ${Buffer.byteLength(body)}\r\naccess-control-allow-origin: *\r\nconnection: close\r\n\r\n${body}`,
  );
}

export class RealtimeServer {
  readonly ctx: ServerContext;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<RealtimeSocket>();
  private readonly sweep: NodeJS.Timeout;
  private readonly connectBackoffMs: number;
  private readonly idleTimeoutMs: number;
  readonly started: Promise<void>;
  private closing?: Promise<void>;

  constructor(
    private readonly platform: PlatformContext,
    opts: RealtimeOptions = {},
  ) {
    const db = new RealtimeDatabase(platform.dbPort, platform.log, opts.poolSize ?? 10);
    this.ctx = {
      jwtSecret: platform.jwtSecret,
      db,
      pubsub: new PubSub(),
      presence: new PresenceRegistry(),
      limits: { ...DEFAULT_LIMITS, ...opts.limits },
      log: platform.log,
    };
    this.connectBackoffMs = opts.connectErrorBackoffMs ?? 2_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxFrameBytes ?? 5_000_000,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const s of this.sockets) if (now - s.lastFrameAt > this.idleTimeoutMs) s.close(1000, "idle timeout");
    }, Math.min(5_000, this.idleTimeoutMs));
    this.sweep.unref();
    this.started = this.start();
  }

  /** Partitions, publication and the replication stream, as Realtime sets them up on connect. */
  private async start(): Promise<void> {
    const { db } = this.ctx;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.startMaintenance();
        await db.ensurePublication();
        await db.startReplication((row) => this.onDatabaseMessage(row));
        return;
      } catch (e) {
        if (this.closing) return;
        this.platform.log(`[realtime] database setup failed (attempt ${attempt}): ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * attempt)));
        if (this.closing) return;
      }
    }
  }

  /** An INSERT into realtime.messages, as Realtime's ReplicationConnection handles it. */
  private onDatabaseMessage(row: MessageRow): void {
    if (!row.inserted_at || row.event === null || row.event === undefined || !row.id || !row.topic) return;
    if (row.private === null || row.private === undefined) return;
    const data = row.binary_payload
      ? { encoding: "binary" as const, data: Buffer.from(row.binary_payload) }
      : row.payload !== null && row.payload !== undefined
        ? { encoding: "json" as const, data: Buffer.from(row.payload, "utf8") }
        : null;
    if (!data) return;
    if (data.data.length > this.ctx.limits.maxPayloadBytes) {
      this.platform.log("[realtime] UnableToBroadcastChanges: :payload_size_exceeded");
      return;
    }
    try {
      this.ctx.pubsub.dispatch(tenantTopic(row.topic, row.private), {
        kind: "user",
        event: row.event,
        ...data,
        metadata: { id: row.id },
      });
    } catch (e) {
      this.platform.log(`[realtime] UnableToBroadcastChanges: ${(e as Error).message}`);
    }
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, path: string, rawQuery: string): Promise<void> {
    if (path === "/websocket") {
      // A plain request to the socket path: Phoenix cannot upgrade it.
      req.resume();
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("'connection' header must contain 'upgrade'");
      return;
    }
    await handleHttp(this.ctx, req, res, path, rawQuery);
  }

  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, path: string, rawQuery: string): void {
    socket.on("error", () => {});
    if (path !== "/websocket") return refuse(socket, 404, JSON.stringify("Not Found"));
    const params = new URLSearchParams(rawQuery);
    const vsn = negotiate(params.get("vsn") ?? "1.0.0");
    if (!vsn) return refuse(socket, 403, "", false);
    const headerKey = req.headers["x-api-key"];
    const token = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? params.get("apikey") ?? undefined;
    const later = (status: number, error: string) =>
      setTimeout(() => refuse(socket, status, JSON.stringify({ error })), this.connectBackoffMs).unref();
    if (typeof token !== "string") {
      const r = connectRefusal("missing_api_key");
      return void later(r.status, r.error);
    }
    const check = authorizeConn(token, this.ctx.jwtSecret);
    if (!check.ok) {
      const r = connectRefusal(check.reason);
      return void later(r.status, r.error);
    }
    const xHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k.startsWith("x-") && v !== undefined) xHeaders[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closing) return ws.close(1001, "going away");
      const s = new RealtimeSocket(this.ctx, ws, vsn, token, xHeaders);
      this.sockets.add(s);
      ws.on("close", () => this.sockets.delete(s));
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweep);
      for (const s of this.sockets) s.close(1001, "server shutting down");
      this.sockets.clear();
      await this.ctx.db.close();
    })();
    return this.closing;
  }
}

/** The gateway's factory for the local Realtime server. */
export function realtimeService(opts: RealtimeOptions = {}): PlatformServiceFactory {
  return async (ctx) => {
    const server = new RealtimeServer(ctx, opts);
    const service: PlatformService & { server: RealtimeServer } = {
      prefix: "/realtime/v1",
      server,
      handle: (req, res, path, rawQuery) => server.handle(req, res, path, rawQuery),
      upgrade: (req, socket, head, path, rawQuery) => server.upgrade(req, socket, head, path, rawQuery),
      close: () => server.close(),
    };
    return service;
  };
}

export const createRealtimeService: PlatformServiceFactory = realtimeService();
