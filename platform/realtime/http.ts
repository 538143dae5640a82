/**
 * Realtime's REST broadcast API (RT lib/realtime_web/router.ex, controllers/broadcast_controller.ex,
 * broadcast_single_controller.ex, lib/realtime/tenants/batch_broadcast.ex, single_broadcast.ex,
 * plugs/auth_tenant.ex, plugs/validate_broadcast_content_type.ex):
 *
 *   POST /api/broadcast {messages: [{topic, event, payload, private?, id?}]}
 *        → 202; public messages go to every subscriber (text frames, `meta.id` when an id is given);
 *          private ones, grouped by topic, only when the caller's token passes the write check
 *          (others are dropped silently); 422 {errors} for invalid messages.
 *   POST /api/broadcast/:topic/events/:event[?private=true] with a JSON or octet-stream body
 *        → 202 (user broadcast: kind 4 frames); private without the write check → 403
 *          {message: "Unauthorized"}; 415 for other content types.
 *
 * The token is `Authorization: Bearer` else the `apikey` header; a missing or failing one → 401
 * {message: "Unauthorized"}.
 */
import type http from "node:http";
import { authorizationContext, newPolicies, writeAuthorizations, type AuthFailure } from "./authorization.ts";
import type { ServerContext } from "./channel.ts";
import { authorizeConn, type Claims } from "./jwt.ts";
import { tenantTopic } from "./pubsub.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Plug.Parsers' default body limit. */
const MAX_BODY = 8_000_000;

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { "content-length": "0" });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function requestHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** AuthTenant: the bearer token, else the apikey header, verified like a socket's. */
function caller(req: http.IncomingMessage, secret: string): Claims | null {
  let token: string | undefined;
  const auth = header(req, "authorization");
  if (auth) {
    const parts = auth.split(" ");
    if (parts.length === 2 && parts[0].toLowerCase() === "bearer") token = parts[1];
  }
  token ??= header(req, "apikey");
  if (!token) return null;
  const check = authorizeConn(token, secret);
  return check.ok ? check.claims : null;
}

type Parsed = { kind: "json"; params: Json } | { kind: "binary"; data: Buffer } | { kind: "none" };

/** What Plug.Parsers makes of the body: JSON objects as params, other JSON as {_json}, octet-stream bytes. */
function parseBody(req: http.IncomingMessage, body: Buffer): Parsed | "bad_request" {
  const type = (header(req, "content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/json" || type.endsWith("+json")) {
    if (body.length === 0) return { kind: "json", params: {} };
    try {
      const value = JSON.parse(body.toString("utf8"));
      return { kind: "json", params: isObject(value) ? value : { _json: value } };
    } catch {
      return "bad_request";
    }
  }
  if (type === "application/octet-stream") return { kind: "binary", data: body };
  return { kind: "none" };
}

async function canWrite(srv: ServerContext, topic: string, claims: Claims, headers: Record<string, string>) {
  return writeAuthorizations(srv.db.sql, authorizationContext(topic, claims, headers), newPolicies());
}

const jsonSize = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? "");

/** Ecto-style errors of one batch message, or null when valid. */
function messageErrors(m: unknown, maxPayload: number): Json | null | "invalid" {
  if (!isObject(m)) return "invalid";
  const errors: Record<string, string[]> = {};
  const add = (k: string, e: string) => (errors[k] ??= []).push(e);
  for (const k of ["topic", "event"]) {
    const v = m[k];
    if (v !== undefined && v !== null && typeof v !== "string") add(k, "is invalid");
    else if (v === undefined || v === null || (v as string).trim() === "") add(k, "can't be blank");
  }
  if (m.payload !== undefined && m.payload !== null && !isObject(m.payload)) add("payload", "is invalid");
  else if (m.payload === undefined || m.payload === null) add("payload", "can't be blank");
  else if (jsonSize(m.payload) > maxPayload) add("payload", "Payload size exceeds tenant limit");
  if (m.private !== undefined && m.private !== null && ![true, false, "true", "false", "1", "0"].includes(m.private as never)) {
    add("private", "is invalid");
  }
  if (m.id !== undefined && m.id !== null && typeof m.id !== "string") add("id", "is invalid");
  return Object.keys(errors).length ? errors : null;
}

const truthy = (v: unknown) => v === true || v === "true" || v === "1";

async function batch(srv: ServerContext, req: http.IncomingMessage, res: http.ServerResponse, parsed: Parsed): Promise<void> {
  const params = parsed.kind === "json" ? parsed.params : {};
  const claims = caller(req, srv.jwtSecret);
  if (!claims) return send(res, 401, { message: "Unauthorized" });
  const list = params.messages;
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    return send(res, 422, { errors: { messages: ["can't be blank"] } });
  }
  if (!Array.isArray(list)) return send(res, 422, { errors: { messages: ["is invalid"] } });
  const perMessage = list.map((m) => messageErrors(m, srv.limits.maxPayloadBytes));
  if (perMessage.includes("invalid")) return send(res, 422, { errors: { messages: ["is invalid"] } });
  if (perMessage.some((e) => e !== null)) return send(res, 422, { errors: { messages: perMessage.map((e) => e ?? {}) } });

  const messages = list as Json[];
  const send1 = (m: Json, isPrivate: boolean) => {
    const payload: Json = { event: m.event, payload: m.payload, type: "broadcast" };
    if (typeof m.id === "string") payload.meta = { id: m.id };
    srv.pubsub.dispatch(tenantTopic(m.topic as string, isPrivate), { kind: "broadcast", payload });
  };
  for (const m of messages) if (!truthy(m.private)) send1(m, false);
  const byTopic = new Map<string, Json[]>();
  for (const m of messages) {
    if (!truthy(m.private)) continue;
    const t = m.topic as string;
    byTopic.set(t, [...(byTopic.get(t) ?? []), m]);
  }
  const headers = requestHeaders(req);
  for (const [topic, ms] of byTopic) {
    const r = await canWrite(srv, topic, claims, headers);
    if (r.ok && r.policies.broadcast.write) for (const m of ms) send1(m, true);
    else if (!r.ok) srv.log(`[realtime] batch broadcast write check on ${topic}: ${r.kind}`);
  }
  send(res, 202);
}

function singleFailure(f: AuthFailure): [number, string] {
  switch (f.kind) {
    case "rls_policy_error":
      return [422, "RLS policy error"];
    case "query_canceled":
      return [422, "Query canceled"];
    case "missing_partition":
      return [422, "Missing messages partition"];
    case "tenant_database_unavailable":
      return [422, "Tenant database unavailable"];
  }
}

async function single(
  srv: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  parsed: Parsed,
  topic: string,
  event: string,
  isPrivate: boolean,
): Promise<void> {
  const claims = caller(req, srv.jwtSecret);
  if (!claims) return send(res, 401, { message: "Unauthorized" });
  const binary = parsed.kind === "binary";
  const data = binary ? parsed.data : Buffer.from(JSON.stringify(parsed.kind === "json" ? parsed.params : {}));
  if (data.length > srv.limits.maxPayloadBytes) return send(res, 422, { errors: { payload: ["Payload size exceeds tenant limit"] } });
  if (isPrivate) {
    const r = await canWrite(srv, topic, claims, requestHeaders(req));
    if (!r.ok) {
      const [status, message] = singleFailure(r);
      return send(res, status, { message });
    }
    if (!r.policies.broadcast.write) return send(res, 403, { message: "Unauthorized" });
  }
  srv.pubsub.dispatch(tenantTopic(topic, isPrivate), {
    kind: "user",
    event,
    encoding: binary ? "binary" : "json",
    data,
    metadata: null,
  });
  send(res, 202);
}

/** Requests under /realtime/v1 (path without the prefix); true when answered. */
export async function handleHttp(
  srv: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  rawQuery: string,
): Promise<void> {
  const single_ = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(path);
  const isBatch = path === "/api/broadcast";
  if (req.method === "GET" && path === "/api/ping") return send(res, 200, { message: "Success" });
  if (req.method !== "POST" || (!single_ && !isBatch)) {
    req.resume();
    return send(res, 404, "Not Found");
  }
  const body = await readBody(req);
  if (body === null) return send(res, 413, "Request Entity Too Large");
  const parsed = parseBody(req, body);
  if (parsed === "bad_request") return send(res, 400, "Bad Request");
  if (isBatch) return batch(srv, req, res, parsed);

  const type = header(req, "content-type");
  if (type !== undefined) {
    const t = type.split(";")[0].trim().toLowerCase();
    if (t !== "application/json" && t !== "application/octet-stream") {
      return send(res, 415, { error: "Unsupported Media Type. Use application/json or application/octet-stream" });
    }
  }
  let topic: string;
  let event: string;
  try {
    topic = decodeURIComponent(single_![1]);
    event = decodeURIComponent(single_![2]);
  } catch {
    return send(res, 400, "Bad Request");
  }
  const isPrivate = new URLSearchParams(rawQuery).get("private") === "true";
  return single(srv, req, res, parsed, topic, event, isPrivate);
}
