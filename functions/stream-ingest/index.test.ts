/**
 * stream-ingest without the stack: a fake PostgREST standing for get_stream_ingest, get_stream
 * (as the seller) and record_stream_ingest (service role, first recording wins), and a provider
 * that records what it creates and deletes: provisioning, idempotency, a concurrent provision,
 * someone else's stream, an ended stream, a provider outage and a refused recording.
 */
import { assertEquals } from "../_shared/testing.ts";
import { LiveApi } from "../_shared/streaming/api.ts";
import { LocalStreamingProvider } from "../_shared/streaming/local.ts";
import { type LiveInput, StreamingProviderError } from "../_shared/streaming/types.ts";
import { createStreamIngestHandler } from "./handler.ts";

const STREAM = "0b5c8a52-3f36-4a4b-9a4f-2b8d1f3c7e10";
const jwt = (role: string) => `h.${btoa(JSON.stringify({ role, sub: "u" })).replace(/=+$/, "")}.s`;
const SELLER = jwt("authenticated");

class RecordingProvider extends LocalStreamingProvider {
  created: LiveInput[] = [];
  deleted: string[] = [];
  fail = false;
  override async createLiveInput(a: { streamId: string }): Promise<LiveInput> {
    if (this.fail) throw new StreamingProviderError("Mux answered 500", 500);
    const input = await super.createLiveInput(a);
    this.created.push(input);
    return input;
  }
  override deleteLiveInput(id: string): Promise<void> {
    this.deleted.push(id);
    return Promise.resolve();
  }
}

function setup(o: { owner?: boolean; status?: string; raceWith?: string; refuse?: boolean } = {}) {
  let stored: Record<string, unknown> | null = null;
  const calls: string[] = [];
  const f = (input: string | URL | Request, init: RequestInit = {}) => {
    const fn = String(input).split("/rpc/")[1];
    const auth = new Headers(init.headers as HeadersInit).get("authorization");
    calls.push(`${fn} ${auth === "Bearer service-key" ? "service" : "user"}`);
    const args = JSON.parse(String(init.body)) as Record<string, string>;
    const err = (status: number, code: string, message: string) =>
      Response.json({ code, message, details: null, hint: null }, { status });
    if (fn === "get_stream_ingest") {
      if (o.owner === false) return Promise.resolve(err(403, "HL864", "Only the seller can do this."));
      return Promise.resolve(stored ? Response.json(stored) : err(404, "HL876", "The stream has no ingest yet."));
    }
    if (fn === "get_stream") return Promise.resolve(Response.json({ id: STREAM, status: o.status ?? "scheduled" }));
    if (fn === "record_stream_ingest") {
      if (o.refuse) return Promise.resolve(err(400, "HL877", "The ingest to record is invalid."));
      if (o.raceWith && !stored) {
        stored = { stream_id: STREAM, live_input_id: o.raceWith, stream_key: "k-race", provider: "local" };
      }
      if (stored) return Promise.resolve(Response.json({ ...stored, created: false }));
      stored = {
        stream_id: args.p_stream_id,
        provider: args.p_provider,
        live_input_id: args.p_live_input_id,
        stream_key: args.p_stream_key,
        ingest_url: args.p_ingest_url,
        playback_id: args.p_playback_id,
      };
      return Promise.resolve(Response.json({ ...stored, created: true }));
    }
    throw new Error(`unexpected ${fn}`);
  };
  const api = new LiveApi({
    supabaseUrl: "http://db.test",
    anonKey: "anon",
    serviceRoleKey: "service-key",
    fetch: f as typeof fetch,
  });
  const provider = new RecordingProvider();
  const handler = createStreamIngestHandler({ api: () => api, provider: () => provider });
  return { handler, provider, calls };
}

const call = (
  handler: (r: Request) => Promise<Response>,
  token: string | null = SELLER,
  body: unknown = { stream_id: STREAM },
) =>
  handler(
    new Request("http://functions.test/stream-ingest", {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }),
  );

Deno.test("provisions once: 201 with the key, then 200 the same ingest", async () => {
  const { handler, provider, calls } = setup();
  const first = await call(handler);
  const out = await first.json();
  assertEquals(first.status, 201);
  assertEquals([out.created, out.live_input_id, out.stream_key], [
    true,
    provider.created[0].liveInputId,
    provider.created[0].streamKey,
  ]);
  assertEquals(calls, ["get_stream_ingest user", "get_stream user", "record_stream_ingest service"]);
  const second = await call(handler);
  const again = await second.json();
  assertEquals([second.status, again.created, again.live_input_id], [200, false, out.live_input_id]);
  assertEquals(provider.created.length, 1);
});

Deno.test("a concurrent provision recorded first: ours is deleted at the provider", async () => {
  const { handler, provider } = setup({ raceWith: "live_first" });
  const res = await call(handler);
  const out = await res.json();
  assertEquals([res.status, out.live_input_id, out.created], [200, "live_first", false]);
  assertEquals(provider.deleted, [provider.created[0].liveInputId]);
});

Deno.test("someone else's stream, an ended one, no token, a bad body", async () => {
  const notMine = setup({ owner: false });
  const r1 = await call(notMine.handler);
  assertEquals([r1.status, (await r1.json()).code, notMine.provider.created.length], [403, "HL864", 0]);
  const ended = setup({ status: "ended" });
  const r2 = await call(ended.handler);
  assertEquals([r2.status, (await r2.json()).code, ended.provider.created.length], [409, "HL866", 0]);
  const anon = await call(setup().handler, null);
  assertEquals([anon.status, (await anon.json()).code], [401, "HL001"]);
  const service = await call(setup().handler, jwt("service_role"));
  assertEquals(service.status, 401);
  await service.body?.cancel();
  const bad = await call(setup().handler, SELLER, { stream_id: "nope" });
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("provider outage → 503 HL879; a refused recording deletes the live input", async () => {
  const down = setup();
  down.provider.fail = true;
  const r1 = await call(down.handler);
  assertEquals([r1.status, (await r1.json()).code], [503, "HL879"]);
  const refused = setup({ refuse: true });
  const r2 = await call(refused.handler);
  assertEquals([r2.status, (await r2.json()).code], [400, "HL877"]);
  assertEquals(refused.provider.deleted, [refused.provider.created[0].liveInputId]);
});
