/**
 * HTTP helpers shared by the edge functions: CORS, JSON responses and error mapping.
 *
 * Pattern for a function (keeps the handler importable by tests without starting a server):
 *
 *   functions/<slug>/handler.ts   export const handler = handle(async (req) => json({ ... }));
 *   functions/<slug>/index.ts     import { handler } from "./handler.ts"; Deno.serve(handler);
 *
 * Hosted Supabase does not add CORS headers to function responses: the function must answer the
 * browser's preflight and put the headers on every response. `handle()` does both, with the
 * headers of ./cors.ts (the gateway's too).
 */
import { z } from "zod";
import { corsHeaders } from "./cors.ts";

/** An error that maps to a given HTTP status and a public message. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** A JSON response with CORS headers. */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(corsHeaders);
  h.set("Content-Type", "application/json; charset=utf-8");
  if (headers) new Headers(headers).forEach((value, key) => h.set(key, value));
  return new Response(status === 204 || status === 304 ? null : JSON.stringify(body), { status, headers: h });
}

/** 405 with an `Allow` header. */
export function methodNotAllowed(allowed: string[]): Response {
  return json(
    { code: "method_not_allowed", message: `Method not allowed; use ${allowed.join(", ")}` },
    405,
    { Allow: allowed.join(", ") },
  );
}

function isZodError(err: unknown): err is z.ZodError {
  if (err instanceof z.ZodError) return true;
  // A ZodError from another copy of zod (different version in the module graph).
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "ZodError" &&
    Array.isArray((err as { issues?: unknown }).issues);
}

/**
 * Turn any thrown value into a response without leaking internals:
 * ZodError → 400 invalid_request with the issues; HttpError → its status; anything else → 500.
 */
export function errorResponse(err: unknown): Response {
  if (isZodError(err)) {
    const details = err.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === "symbol" ? p.toString() : p)),
      code: issue.code,
      message: issue.message,
    }));
    const first = details[0];
    const where = first && first.path.length ? `${first.path.join(".")}: ` : "";
    return json(
      {
        code: "invalid_request",
        message: first ? `Invalid request (${where}${first.message})` : "Invalid request",
        details,
      },
      400,
    );
  }
  if (err instanceof HttpError) {
    const body: Record<string, unknown> = { code: err.code, message: err.message };
    if (err.details !== undefined) body.details = err.details;
    return json(body, err.status);
  }
  console.error("Unhandled error:", err);
  return json({ code: "internal_error", message: "Internal server error" }, 500);
}

/** Parse the request body as JSON and validate it; bad JSON → 400 invalid_json, bad shape → ZodError. */
export async function readJson<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new HttpError(400, "invalid_json", "Request body must be valid JSON");
  }
  return schema.parse(body);
}

function withCors(res: Response): Response {
  if (res.headers.has("Access-Control-Allow-Origin")) return res;
  try {
    for (const [k, v] of Object.entries(corsHeaders)) res.headers.set(k, v);
    return res;
  } catch {
    // Immutable headers (e.g. a Response from fetch): copy into a new response.
    const h = new Headers(res.headers);
    for (const [k, v] of Object.entries(corsHeaders)) h.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: h });
  }
}

export type Handler = (req: Request) => Response | Promise<Response>;

/**
 * Wrap a handler: answers the CORS preflight, adds CORS headers to every response and turns
 * thrown errors into JSON error responses (see `errorResponse`).
 */
export function handle(fn: Handler): (req: Request) => Promise<Response> {
  return async (req: Request): Promise<Response> => {
    if (req.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: corsHeaders });
    }
    try {
      return withCors(await fn(req));
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** The bearer token of the Authorization header, if any. */
export function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  return m ? m[1] : undefined;
}

/**
 * The role claim of a JWT the gateway already verified (functions with verify_jwt = true in
 * config.toml); undefined when the token is not a readable JWT. Never use it on an unverified token.
 */
export function tokenRole(token: string): string | undefined {
  try {
    const part = token.split(".")[1] ?? "";
    const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (part.length % 4)) % 4);
    const claims = JSON.parse(atob(padded)) as { role?: unknown };
    return typeof claims.role === "string" ? claims.role : undefined;
  } catch {
    return undefined;
  }
}
