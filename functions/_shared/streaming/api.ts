/**
 * The live module's SQL API as stream-ingest and stream-webhook call it (PostgREST RPCs): with the
 * seller's JWT where the database must check the caller (get_stream_ingest, get_stream), with the
 * service role key for record_stream_ingest and apply_stream_ingest_event.
 */
import { HttpError } from "../http.ts";

export interface RpcResult {
  ok: boolean;
  status: number;
  body: unknown;
}

export interface LiveApiOptions {
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  fetch?: typeof fetch;
}

export const UNAVAILABLE = () =>
  new HttpError(503, "HL879", "The streaming service is unavailable. Try again shortly.");

/** A PostgREST error → HttpError with the registry's code; anything that is not the client's → HL879. */
export function liveHttpError(r: RpcResult): HttpError {
  const b = (r.body ?? {}) as { code?: unknown; message?: unknown; details?: unknown; hint?: unknown };
  if (typeof b.code === "string" && /^HL\d{3}$/.test(b.code) && r.status < 500) {
    const details = b.details ?? b.hint ?? undefined;
    return new HttpError(
      r.status,
      b.code,
      typeof b.message === "string" ? b.message : "The request failed.",
      details === null ? undefined : details,
    );
  }
  if (r.status === 401) return new HttpError(401, "HL001", "You must be signed in to do this.");
  return UNAVAILABLE();
}

export class LiveApi {
  private readonly url: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: LiveApiOptions) {
    this.url = opts.supabaseUrl.replace(/\/+$/, "");
    this.doFetch = opts.fetch ?? fetch;
  }

  /** `token`: the user's JWT; the service role key when omitted. A network failure → HL879. */
  async rpc(fn: string, args: unknown, token?: string): Promise<RpcResult> {
    let res: Response;
    try {
      res = await this.doFetch(`${this.url}/rest/v1/rpc/${fn}`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token ?? this.opts.serviceRoleKey}`,
          apikey: token ? this.opts.anonKey : this.opts.serviceRoleKey,
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body: JSON.stringify(args),
      });
    } catch {
      throw UNAVAILABLE();
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { ok: res.ok, status: res.status, body };
  }

  async rpcOrThrow<T>(fn: string, args: unknown, token?: string): Promise<T> {
    const r = await this.rpc(fn, args, token);
    if (!r.ok) throw liveHttpError(r);
    return r.body as T;
  }
}
