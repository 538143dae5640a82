/** Request parsing and replies for the Auth server. */
import type http from "node:http";
import { isIP } from "node:net";
import { AuthError, badRequest } from "./errors.ts";

/** GoTrue's limitRequestBody(1 MiB). */
export const MAX_BODY_BYTES = 1 << 20;

export interface AuthRequest {
  method: string;
  /** Path under /auth/v1, starting with "/" (no trailing slash except "/"). */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The client's address as GoTrue's GetIPAddress finds it: first valid X-Forwarded-For entry, else the peer. */
  ip: string;
  userAgent: string;
  /** The raw body (read once, at most 1 MiB). */
  body(): Promise<Buffer>;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A redirect or empty answer: no JSON body. */
  raw?: string;
}

export const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({ status, body, headers });

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function header(req: AuthRequest, name: string): string | undefined {
  return firstHeader(req.headers[name.toLowerCase()]);
}

export function clientIp(req: http.IncomingMessage): string {
  const xff = firstHeader(req.headers["x-forwarded-for"]);
  if (xff) {
    for (const part of xff.split(",")) {
      const ip = part.trim();
      if (ip && isIP(ip)) return ip;
    }
  }
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

export function toAuthRequest(req: http.IncomingMessage, path: string, rawQuery: string): AuthRequest {
  let cached: Promise<Buffer> | undefined;
  return {
    method: req.method ?? "GET",
    path: path.length > 1 ? path.replace(/\/+$/, "") || "/" : "/",
    query: new URLSearchParams(rawQuery),
    headers: req.headers,
    ip: clientIp(req),
    userAgent: firstHeader(req.headers["user-agent"]) ?? "",
    body() {
      cached ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) tooLarge = true;
          else chunks.push(chunk);
        });
        let ended = false;
        req.on("end", () => {
          ended = true;
          if (tooLarge) reject(new AuthError(413, "request_entity_too_large", `Request body too large (max ${MAX_BODY_BYTES} bytes)`));
          else resolve(Buffer.concat(chunks));
        });
        req.on("error", reject);
        req.on("close", () => {
          if (!ended) reject(new Error("the client closed the request before sending its body"));
        });
      });
      return cached;
    },
  };
}

/**
 * The JSON body as GoTrue's retrieveRequestParams decodes it: anything that is not a JSON object
 * (empty, malformed, an array, a string) is 400 bad_json. Field types are checked by the caller.
 */
export async function readParams(req: AuthRequest): Promise<Record<string, unknown>> {
  const raw = (await req.body()).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw badRequest("bad_json", `Could not parse request body as JSON: ${raw.trim() === "" ? "unexpected end of JSON input" : (err as Error).message}`);
  }
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("bad_json", `Could not parse request body as JSON: json: cannot unmarshal ${Array.isArray(value) ? "array" : typeof value} into Go value of type api.Params`);
  }
  return value as Record<string, unknown>;
}

/** Typed readers of body fields: a wrong type is bad_json, as Go's json.Unmarshal fails. */
export const field = {
  string(params: Record<string, unknown>, key: string): string {
    const v = params[key];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") throw badRequest("bad_json", `Could not parse request body as JSON: json: cannot unmarshal ${jsonType(v)} into Go struct field .${key} of type string`);
    return v;
  },
  optString(params: Record<string, unknown>, key: string): string | undefined {
    const v = params[key];
    if (v === undefined || v === null) return undefined;
    return field.string(params, key);
  },
  bool(params: Record<string, unknown>, key: string, fallback = false): boolean {
    const v = params[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") throw badRequest("bad_json", `Could not parse request body as JSON: json: cannot unmarshal ${jsonType(v)} into Go struct field .${key} of type bool`);
    return v;
  },
  object(params: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
    const v = params[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) {
      throw badRequest("bad_json", `Could not parse request body as JSON: json: cannot unmarshal ${jsonType(v)} into Go struct field .${key} of type map[string]interface {}`);
    }
    return v as Record<string, unknown>;
  },
};

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v;
}

export function bearerToken(req: AuthRequest): string | undefined {
  const m = /^bearer (\S+)$/i.exec(header(req, "authorization") ?? "");
  return m ? m[1] : undefined;
}

/** Writes a reply (JSON unless raw), keeping headers the gateway already set (CORS). */
export function send(res: http.ServerResponse, reply: Reply, method: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = { ...reply.headers };
  let text: string | undefined;
  if (reply.raw !== undefined) {
    text = reply.raw;
  } else if (reply.status !== 204 && reply.body !== undefined) {
    text = JSON.stringify(reply.body);
    headers["content-type"] = "application/json";
  }
  headers["content-length"] = text === undefined ? 0 : Buffer.byteLength(text);
  // Browsers may read GoTrue's own response headers (GoTrue's CORS ExposedHeaders).
  const exposed = res.getHeader("access-control-expose-headers");
  if (typeof exposed === "string") {
    const have = new Set(exposed.split(",").map((h) => h.trim().toLowerCase()));
    const extra = ["X-Total-Count", "Link", "X-Supabase-Api-Version"].filter((h) => !have.has(h.toLowerCase()));
    if (extra.length) res.setHeader("access-control-expose-headers", [exposed, ...extra].join(", "));
  }
  res.writeHead(reply.status, headers);
  res.end(method === "HEAD" ? undefined : text);
}
