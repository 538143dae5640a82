/**
 * The live selling chapter: Noura goes live from her balcony to sell a rattan chair. She announces
 * the stream with a thumbnail, pins the chair, provisions ingest with the stream-ingest function
 * (the local provider: the stream key only she can read), and her encoder's signed webhook (what
 * `npm run stream -- connect` posts, as Mux would) puts the stream live. Bilal watches on
 * stream:<id>, is counted, comments and buys the chair from the stream; the encoder going idle ends
 * the broadcast.
 */
import { liveStreamEvent } from "../../functions/_shared/streaming/events.ts";
import { LOCAL_STREAM_WEBHOOK_SECRET } from "../../functions/_shared/streaming/local.ts";
import { SIGNATURE_HEADER, signIngestWebhook } from "../../functions/_shared/streaming/signature.ts";
import type { GoodsScene } from "./goods.ts";
import { type Narrative, type Step, money } from "./narrative.ts";
import { type World, photo } from "./world.ts";

interface Stream {
  id: string;
  status: string;
  viewer_count: number;
  peak_viewers: number;
  total_views: number;
  comment_count: number;
  playback_id: string | null;
  products?: Array<{ product_id: string; price: number; currency: string; available: boolean; featured: boolean }>;
}

/** The encoder's event, signed as the local provider signs (npm run stream does the same). */
async function encoder(s: Step, world: World, type: string, liveInputId: string): Promise<Record<string, unknown>> {
  const body = JSON.stringify(liveStreamEvent({ type, liveInputId }));
  s.call(`POST /functions/v1/stream-webhook  ${SIGNATURE_HEADER}: t=…,v1=…  { type: "video.live_stream.${type}", … }   // npm run stream -- …`);
  const res = await fetch(`${world.stack.apiUrl}/functions/v1/stream-webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", [SIGNATURE_HEADER]: await signIngestWebhook(body, process.env.STREAM_WEBHOOK_SECRET || LOCAL_STREAM_WEBHOOK_SECRET) },
    body,
  });
  const out = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) s.fail(`stream-webhook answered HTTP ${res.status} ${JSON.stringify(out)}`);
  return out;
}

export async function liveChapter(n: Narrative, world: World, scene: GoodsScene): Promise<void> {
  const { seller, buyer } = scene;
  const obs = { name: "Noura's encoder", role: "OBS, through the local ingest provider" };
  n.chapter("Noura sells live", "Noura goes live to sell a rattan chair. The ingest provider (Mux in production, the local one here) receives her video; its signed webhooks move the stream live and end it. Viewers are counted by the database, comment over Realtime and buy the pinned chair with goods' own purchase RPC.");

  const { stream, chair } = await n.step(seller, "lists a rattan chair and announces a stream with it pinned", async (s) => {
    const path = `${seller.id}/chair-${world.run}.jpg`;
    await s.upload(seller.client, "listing-media", path, photo());
    const chair = await s.rpc<{ id: string; price: number }>(seller.client, "create_product", {
      p_title: "Rattan armchair", p_price: 35000, p_category_id: scene.categoryId, p_condition: "good",
      p_lat: 25.1136, p_lng: 55.2003, p_neighbourhood: scene.neighbourhood, p_image_paths: [path],
    });
    const stream = await s.rpc<Stream>(seller.client, "create_stream", {
      p_title: "Balcony clear-out, live", p_description: "Chairs, lamps and plants", p_category_id: scene.categoryId, p_thumbnail_path: path,
    });
    s.check(stream.status === "scheduled", "the stream is announced (scheduled)");
    const pin = await s.rpc<{ featured: boolean; available: boolean }>(seller.client, "pin_stream_product", {
      p_stream_id: stream.id, p_product_id: chair.id, p_position_x: 0.25, p_position_y: 0.8, p_featured: true,
    });
    s.check(pin.featured && pin.available, `the chair (${money(chair.price)}) is pinned bottom-left and featured`);
    return { stream, chair };
  });

  const liveInputId = await n.step(seller, "provisions ingest for her encoder", async (s) => {
    const r = await s.invoke(seller.client, "stream-ingest", { stream_id: stream.id });
    s.check(r.status === 201 && typeof r.body.stream_key === "string", `HTTP 201: RTMP URL ${String(r.body.ingest_url)} and her secret stream key`, r);
    s.say("She pastes the URL and the key into OBS.");
    await s.refused(buyer.client, "get_stream_ingest", { p_stream_id: stream.id }, "HL864", "nobody else reads the key");
    return r.body.live_input_id as string;
  });

  const { atBilal, atNoura } = await n.step(buyer, "opens the stream; he and Noura's app listen on its channel", async (s) => {
    const atBilal = await s.listen(buyer.client, `stream:${stream.id}`);
    const atNoura = await s.listen(seller.client, `stream:${stream.id}`);
    return { atBilal, atNoura };
  });

  await n.step(obs, "starts sending video", async (s) => {
    await encoder(s, world, "connected", liveInputId);
    const out = await encoder(s, world, "active", liveInputId);
    s.check(out.status === "applied" && out.stream_status === "live", "the verified event puts the stream live (actor: provider)", out);
    const status = await s.received(atBilal, "stream.status", (p) => p.status === "live");
    s.check(status.transition === "start", "Bilal's app hears stream.status live");
  });

  await n.step(buyer, "watches, comments and buys the chair from the stream", async (s) => {
    const joined = await s.rpc<{ viewer_count: number }>(buyer.client, "join_stream", { p_stream_id: stream.id });
    s.check(joined.viewer_count === 1, "he is counted: 1 viewer");
    await s.rpc(buyer.client, "post_stream_comment", { p_stream_id: stream.id, p_body: "Does it come with the cushion?" });
    const c = await s.received(atNoura, "comment.created");
    s.check((c.comment as { body: string }).body === "Does it come with the cushion?", "Noura sees his comment live");
    const seen = await s.rpc<Stream>(buyer.client, "get_stream", { p_stream_id: stream.id });
    const pinned = seen.products?.find((p) => p.product_id === chair.id);
    s.check(!!pinned?.available, `the pinned chair is available at ${money(pinned?.price ?? 0)}`, seen.products);
    const order = await s.rpc<{ status: string; subtotal: number }>(buyer.client, "buy_product", { p_product_id: chair.id });
    s.check(order.status === "reserved", `reserved for him (${money(order.subtotal)}); payment follows as for any order`);
    const update = await s.received(atBilal, "product.updated");
    s.check((update.product as { available: boolean }).available === false, "every viewer's buy button hears product.updated: sold out");
  });

  await n.step(obs, "stops: the broadcast is over", async (s) => {
    const out = await encoder(s, world, "idle", liveInputId);
    s.check(out.stream_status === "ended", "idle ends the stream", out);
    const after = await s.rpc<Stream>(seller.client, "get_stream", { p_stream_id: stream.id });
    s.check(after.status === "ended" && after.viewer_count === 0 && after.peak_viewers === 1 && after.total_views === 1 && after.comment_count === 1,
      "ended; counted by the database: peak 1 viewer, 1 view, 1 comment", after);
  });
}
