/**
 * Mux Video as the ingest provider (https://www.mux.com/docs/api-reference/video/live-streams):
 *
 *   POST   {api}/video/v1/live-streams                   create (HTTP basic auth: token id / secret)
 *          { playback_policies: ["public"], new_asset_settings: { playback_policies: ["public"] }, passthrough }
 *          → { data: { id, stream_key, playback_ids: [{ id, policy }], status } }
 *   PUT    {api}/video/v1/live-streams/{id}/disable      refuse broadcasts (ends a current one)
 *   DELETE {api}/video/v1/live-streams/{id}              delete
 *
 * Encoders connect to rtmps://global-live.mux.com:443/app with the stream key. `new_asset_settings`
 * records each broadcast as an asset (a replay). Webhooks: ./events.ts and ./signature.ts.
 */
import { type LiveInput, type StreamingProvider, StreamingProviderError } from "./types.ts";

export const MUX_API_URL = "https://api.mux.com";
export const MUX_INGEST_URL = "rtmps://global-live.mux.com:443/app";

export interface MuxOptions {
  tokenId: string;
  tokenSecret: string;
  /** Default https://api.mux.com (tests point it at a local server). */
  apiUrl?: string;
  ingestUrl?: string;
  /** public (default) or signed playback ids. */
  playbackPolicy?: "public" | "signed";
  /** Record each broadcast as an asset (default true). */
  recordAssets?: boolean;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface MuxLiveStream {
  id?: unknown;
  stream_key?: unknown;
  playback_ids?: { id?: unknown; policy?: unknown }[];
}

export class MuxProvider implements StreamingProvider {
  readonly name = "mux" as const;
  private readonly api: string;
  private readonly auth: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: MuxOptions) {
    this.api = (opts.apiUrl ?? MUX_API_URL).replace(/\/+$/, "");
    this.auth = "Basic " + btoa(`${opts.tokenId}:${opts.tokenSecret}`);
    this.doFetch = opts.fetch ?? fetch;
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await this.doFetch(`${this.api}${path}`, {
        method,
        headers: {
          Authorization: this.auth,
          Accept: "application/json",
          ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new StreamingProviderError(`Mux could not be reached (${(err as Error).name})`);
    }
    const text = await res.text();
    if (!res.ok) {
      // Mux answers { error: { type, messages: [...] } }; the messages name the problem, not a secret.
      let detail = "";
      try {
        const e = JSON.parse(text) as { error?: { type?: unknown; messages?: unknown } };
        if (e.error) detail = `${String(e.error.type ?? "")}: ${JSON.stringify(e.error.messages ?? [])}`;
      } catch { /* not JSON */ }
      throw new StreamingProviderError(
        `Mux answered ${res.status} to ${method} ${path.split("/").slice(0, 4).join("/")} ${detail}`.trim(),
        res.status,
      );
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new StreamingProviderError(`Mux answered ${res.status} with a body that is not JSON`, res.status);
    }
  }

  async createLiveInput(a: { streamId: string }): Promise<LiveInput> {
    const policy = this.opts.playbackPolicy ?? "public";
    const out = await this.request("POST", "/video/v1/live-streams", {
      playback_policies: [policy],
      ...(this.opts.recordAssets === false ? {} : { new_asset_settings: { playback_policies: [policy] } }),
      passthrough: a.streamId,
    }) as { data?: MuxLiveStream } | null;
    const d = out?.data;
    const playbackId = d?.playback_ids?.find((p) => p.policy === policy)?.id ?? d?.playback_ids?.[0]?.id;
    if (typeof d?.id !== "string" || typeof d.stream_key !== "string" || typeof playbackId !== "string") {
      throw new StreamingProviderError("Mux's live stream lacks id, stream_key or a playback id");
    }
    return {
      provider: "mux",
      liveInputId: d.id,
      streamKey: d.stream_key,
      ingestUrl: this.opts.ingestUrl ?? MUX_INGEST_URL,
      playbackId,
    };
  }

  async disableLiveInput(liveInputId: string): Promise<void> {
    await this.request("PUT", `/video/v1/live-streams/${encodeURIComponent(liveInputId)}/disable`);
  }

  async deleteLiveInput(liveInputId: string): Promise<void> {
    await this.request("DELETE", `/video/v1/live-streams/${encodeURIComponent(liveInputId)}`);
  }
}
