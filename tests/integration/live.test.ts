/**
 * Live selling end to end through the gateway with supabase-js: a seller announces a stream with a
 * thumbnail, pins two products, provisions ingest with the stream-ingest function (local provider;
 * only the seller reads the key), the simulated encoder's signed webhook puts the stream live,
 * viewers track presence on stream:<id> and join (counts), a comment arrives over Realtime, a
 * viewer buys the featured product (order reserved; product.updated says it is gone), and the
 * encoder going idle ends the stream (counters). Bad signatures, replays and unknown live inputs
 * are answered without changing anything.
 */
import type { RealtimeChannel } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveStreamEvent } from "../../functions/_shared/streaming/events.ts";
import { LOCAL_STREAM_WEBHOOK_SECRET } from "../../functions/_shared/streaming/local.ts";
import { signIngestWebhook } from "../../functions/_shared/streaming/signature.ts";
import { adminSql, anonClient, newUser, stack, type Actor } from "../support.ts";

const sql = adminSql();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jpeg = () => new Blob([Buffer.from("ffd8ffe000104a46494600010100000100010000ffd9", "hex")], { type: "image/jpeg" });

interface Person extends Actor {
  token: string;
}

async function person(label: string): Promise<Person> {
  const { session, client } = await newUser(label);
  await client.realtime.setAuth(session.accessToken);
  return { id: session.user.id, email: session.user.email ?? "", client, token: session.accessToken };
}

const channels: RealtimeChannel[] = [];

function join(ch: RealtimeChannel): Promise<{ status: string; error?: string }> {
  channels.push(ch);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status for ${ch.topic}`)), 20_000);
    let done = false;
    ch.subscribe((status, err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, error: err?.message });
    });
  });
}

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Posts an ingest event as the local provider's encoder would (npm run stream does the same). */
async function webhook(body: string, signature?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.apiUrl}/functions/v1/stream-webhook`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "mux-signature": signature ?? await signIngestWebhook(body, LOCAL_STREAM_WEBHOOK_SECRET),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function invokeIngest(who: { client: Person["client"] }, streamId: string) {
  const { data, error } = await who.client.functions.invoke("stream-ingest", { method: "POST", body: { stream_id: streamId } });
  if (!error) return { status: 200, body: data as Record<string, unknown> };
  const res = (error as { context?: Response }).context;
  return { status: res?.status ?? 0, body: res ? ((await res.json()) as Record<string, unknown>) : {} };
}

type Msg = { event: string; payload: Record<string, unknown> };

let seller: Person;
let alice: Person;
let bob: Person;
let category: string;
let streamId: string;
const products: string[] = [];

beforeAll(async () => {
  [seller, alice, bob] = await Promise.all([person("live.seller"), person("live.alice"), person("live.bob")]);
  const [{ id }] = await sql`
    insert into public.categories (slug, kind, names, default_pricing_unit)
    values (${`it-live-${process.pid}-${Date.now()}`}, 'goods', ${sql.json({ en: "Fashion", ar: "أزياء" })}, 'fixed')
    returning id`;
  category = id as string;
  for (const [title, price] of [["Silk scarf", 9000], ["Leather bag", 25000]] as const) {
    const { data, error } = await seller.client.rpc("create_product", {
      p_title: title, p_price: price, p_category_id: category, p_condition: "like_new", p_lat: 25.08, p_lng: 55.14,
    });
    expect(error).toBeNull();
    products.push(data!.id);
  }
}, 60_000);

afterAll(async () => {
  for (const ch of channels) await ch.unsubscribe();
  for (const p of [seller, alice, bob]) p?.client.realtime.disconnect();
  await sql.end();
});

describe("a live selling stream", () => {
  it("the seller announces it with a thumbnail and pins products", async () => {
    const thumb = `${seller.id}/live-thumb.jpg`;
    expect((await seller.client.storage.from("listing-media").upload(thumb, jpeg(), { contentType: "image/jpeg" })).error).toBeNull();
    const created = await seller.client.rpc("create_stream", {
      p_title: "Friday closet clear-out", p_description: "Scarves and bags", p_category_id: category, p_thumbnail_path: thumb,
    });
    expect(created.error).toBeNull();
    expect(created.data).toMatchObject({ status: "scheduled", thumbnail_path: thumb, playback_id: null, viewer_count: 0 });
    streamId = created.data!.id;
    const pin1 = await seller.client.rpc("pin_stream_product", {
      p_stream_id: streamId, p_product_id: products[0], p_position_x: 0.2, p_position_y: 0.8, p_featured: true,
    });
    expect(pin1.error).toBeNull();
    const pin2 = await seller.client.rpc("pin_stream_product", { p_stream_id: streamId, p_product_id: products[1], p_sort_order: 1 });
    expect(pin2.error).toBeNull();
  });

  it("provisions ingest once through stream-ingest; only the seller reads the key", async () => {
    const first = await invokeIngest(seller, streamId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ stream_id: streamId, provider: "local", created: true });
    expect(first.body.ingest_url).toMatch(/^rtmps?:\/\//);
    expect(String(first.body.stream_key).length).toBeGreaterThanOrEqual(32);
    const again = await invokeIngest(seller, streamId);
    expect(again.body).toMatchObject({ created: false, live_input_id: first.body.live_input_id, stream_key: first.body.stream_key });

    const own = await seller.client.rpc("get_stream_ingest", { p_stream_id: streamId });
    expect(own.data).toMatchObject({ stream_key: first.body.stream_key, playback_id: first.body.playback_id });

    const other = await invokeIngest(alice, streamId);
    expect(other).toMatchObject({ status: 403, body: { code: "HL864" } });
    expect((await alice.client.rpc("get_stream_ingest", { p_stream_id: streamId })).error?.code).toBe("HL864");
    const anon = await anonClient().functions.invoke("stream-ingest", { method: "POST", body: { stream_id: streamId } });
    expect((anon.error as { context?: Response }).context?.status).toBe(401);

    // Viewers get the playback id, never the key.
    const seen = await alice.client.rpc("get_stream", { p_stream_id: streamId });
    expect(seen.data).toMatchObject({ playback_id: first.body.playback_id, ingest_status: "idle" });
    expect(JSON.stringify(seen.data)).not.toContain(String(first.body.stream_key));
    const direct = await alice.client.rpc("record_stream_ingest", {
      p_stream_id: streamId, p_provider: "local", p_live_input_id: "x", p_stream_key: "xxxxxxxxxxxx",
      p_ingest_url: "rtmp://x/app", p_playback_id: "x",
    });
    expect(direct.error?.code).toBe("42501");
  });

  it("goes live by the encoder's webhook; viewers' presence, counts, comments and buy now", async () => {
    const ingest = (await seller.client.rpc("get_stream_ingest", { p_stream_id: streamId })).data as { live_input_id: string };
    const topic = `stream:${streamId}`;
    const got = { alice: [] as Msg[], bob: [] as Msg[] };
    const sellerCh = seller.client.channel(topic, { config: { private: true, presence: { key: seller.id } } })
      .on("presence", { event: "sync" }, () => {});
    const aliceCh = alice.client.channel(topic, { config: { private: true, presence: { key: alice.id } } })
      .on("broadcast", { event: "*" }, (m) => got.alice.push({ event: m.event, payload: m.payload }))
      .on("presence", { event: "sync" }, () => {});
    const bobCh = bob.client.channel(topic, { config: { private: true, presence: { key: bob.id } } })
      .on("broadcast", { event: "*" }, (m) => got.bob.push({ event: m.event, payload: m.payload }))
      .on("presence", { event: "sync" }, () => {});
    for (const ch of [sellerCh, aliceCh, bobCh]) expect(await join(ch)).toEqual({ status: "SUBSCRIBED", error: undefined });

    // Refused: no signature, a wrong secret, a stale one.
    const connected = JSON.stringify(liveStreamEvent({ type: "connected", liveInputId: ingest.live_input_id }));
    expect(await webhook(connected, "")).toMatchObject({ status: 401, body: { code: "HL878", details: "missing_header" } });
    expect(await webhook(connected, await signIngestWebhook(connected, "not-the-secret")))
      .toMatchObject({ status: 401, body: { code: "HL878", details: "signature_mismatch" } });
    expect(await webhook(connected, await signIngestWebhook(connected, LOCAL_STREAM_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600)))
      .toMatchObject({ status: 401, body: { code: "HL878", details: "timestamp_outside_tolerance" } });
    expect(await webhook("not json")).toMatchObject({ status: 400, body: { code: "HL875" } });

    // The encoder connects, then sends: live.
    expect(await webhook(connected)).toMatchObject({ status: 200, body: { status: "applied", stream_status: "scheduled" } });
    const activeBody = JSON.stringify(liveStreamEvent({ type: "active", liveInputId: ingest.live_input_id }));
    expect(await webhook(activeBody)).toMatchObject({
      status: 200, body: { status: "applied", note: "start", stream_id: streamId, stream_status: "live" },
    });
    expect(await webhook(activeBody)).toMatchObject({ status: 200, body: { status: "duplicate" } });
    expect(await webhook(JSON.stringify(liveStreamEvent({ type: "active", liveInputId: "someone-elses-input" }))))
      .toMatchObject({ status: 200, body: { status: "ignored", note: "unknown live input", stream_id: null } });
    const status = await until("stream.status", () => got.alice.find((m) => m.event === "stream.status"));
    expect(status.payload).toMatchObject({ stream_id: streamId, status: "live", transition: "start" });

    // Presence on the topic (what the app shows at once) and join_stream (what the database counts).
    expect(await aliceCh.track({ at: Date.now() })).toBe("ok");
    expect(await bobCh.track({ at: Date.now() })).toBe("ok");
    await until("viewers' presence", () => sellerCh.presenceState()[alice.id] && sellerCh.presenceState()[bob.id]);
    expect((await alice.client.rpc("join_stream", { p_stream_id: streamId })).data).toMatchObject({ viewer_count: 1, total_views: 1 });
    expect((await bob.client.rpc("join_stream", { p_stream_id: streamId })).data).toMatchObject({ viewer_count: 2, total_views: 2 });
    expect((await alice.client.rpc("join_stream", { p_stream_id: streamId })).data).toMatchObject({ viewer_count: 2, total_views: 2 });

    // A comment reaches the other viewer over Realtime.
    const posted = await alice.client.rpc("post_stream_comment", { p_stream_id: streamId, p_body: "Is the scarf real silk?" });
    expect(posted.error).toBeNull();
    const comment = await until("comment.created", () => got.bob.find((m) => m.event === "comment.created"));
    expect(comment.payload.comment).toMatchObject({ id: posted.data!.id, author_id: alice.id, body: "Is the scarf real silk?" });

    // Buy now: the featured product, with goods' own RPC and the ids get_stream gives.
    const before = await bob.client.rpc("get_stream", { p_stream_id: streamId });
    const featured = (before.data as { products: Array<Record<string, unknown>> }).products[0];
    expect(featured).toMatchObject({ product_id: products[0], featured: true, available: true, price: 9000, currency: "AED" });
    const bought = await bob.client.rpc("buy_product", { p_product_id: featured.product_id as string });
    expect(bought.error).toBeNull();
    expect(bought.data).toMatchObject({ status: "reserved", subtotal: 9000, currency: "AED" });
    const update = await until("product.updated", () => got.alice.find((m) => m.event === "product.updated"));
    expect(update.payload.product).toMatchObject({ product_id: products[0], available: false, status: "reserved" });
    const after = await alice.client.rpc("get_stream", { p_stream_id: streamId });
    const pins = (after.data as { products: Array<Record<string, unknown>> }).products;
    expect(pins.find((p) => p.product_id === products[0])).toMatchObject({ available: false, status: "reserved" });
    expect(pins.find((p) => p.product_id === products[1])).toMatchObject({ available: true });
    expect((await alice.client.rpc("buy_product", { p_product_id: products[0] })).error?.code).toBe("HL845");

    // Bob leaves; the encoder disconnects (still live), then goes idle: the stream ends.
    expect((await bob.client.rpc("leave_stream", { p_stream_id: streamId })).data).toBe(true);
    expect(await webhook(JSON.stringify(liveStreamEvent({ type: "disconnected", liveInputId: ingest.live_input_id }))))
      .toMatchObject({ status: 200, body: { status: "applied", stream_status: "live" } });
    expect(await webhook(JSON.stringify(liveStreamEvent({ type: "idle", liveInputId: ingest.live_input_id }))))
      .toMatchObject({ status: 200, body: { status: "applied", note: "end", stream_status: "ended" } });
    await until("stream ended", () => got.alice.find((m) => m.event === "stream.status" && m.payload.status === "ended"));

    const ended = await anonClient().rpc("get_stream", { p_stream_id: streamId });
    expect(ended.data).toMatchObject({
      status: "ended", ingest_status: "idle", viewer_count: 0, peak_viewers: 2, total_views: 2, comment_count: 1,
    });
    const timeline = await seller.client.from("stream_events").select("transition, actor, reason").eq("stream_id", streamId).order("id");
    expect(timeline.data).toEqual([
      { transition: "start", actor: "provider", reason: "ingest active" },
      { transition: "end", actor: "provider", reason: "ingest idle" },
    ]);
    // Over: no new ingest, no new events applied.
    expect(await invokeIngest(seller, streamId)).toMatchObject({ status: 200, body: { created: false } });
    expect(await webhook(JSON.stringify(liveStreamEvent({ type: "active", liveInputId: ingest.live_input_id }))))
      .toMatchObject({ status: 200, body: { status: "ignored", note: "the stream is ended" } });
  }, 60_000);

  it("a stream without ingest is refused a key once it is over; the seller can end a live one", async () => {
    const s = (await seller.client.rpc("create_stream", { p_title: "Quick sale" })).data!;
    expect((await seller.client.rpc("transition_stream", { p_stream_id: s.id, p_transition: "start" })).data?.status).toBe("live");
    expect((await seller.client.rpc("transition_stream", { p_stream_id: s.id, p_transition: "end" })).data?.status).toBe("ended");
    expect(await invokeIngest(seller, s.id)).toMatchObject({ status: 409, body: { code: "HL866" } });
    expect(await invokeIngest(seller, crypto.randomUUID())).toMatchObject({ status: 404, body: { code: "HL860" } });
  });
});
