/**
 * The ingest provider interface without the stack: the mux-signature scheme (valid, tampered,
 * wrong secret, stale, future, several v1, malformed), Mux-shaped events normalised, the Mux
 * client against a local HTTP server answering as Mux's live streams API does (a test double of a
 * third-party API), and the local provider.
 */
import { assert, assertEquals, assertMatch } from "../testing.ts";
import { liveStreamEvent, MalformedIngestEvent, parseIngestEvent } from "./events.ts";
import { LOCAL_INGEST_URL, LocalStreamingProvider } from "./local.ts";
import { MUX_INGEST_URL, MuxProvider } from "./mux.ts";
import { parseSignatureHeader, signIngestWebhook, verifyIngestWebhook } from "./signature.ts";
import { StreamingProviderError } from "./types.ts";

const SECRET = "whsec_mux_test_secret";
const NOW = 1_800_000_000;
const BODY = JSON.stringify(liveStreamEvent({ type: "active", liveInputId: "ls_1", eventId: "ev_1" }));

async function hmacHex(secret: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("signature: the header is t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", async () => {
  const header = await signIngestWebhook(BODY, SECRET, NOW);
  assertEquals(header, `t=${NOW},v1=${await hmacHex(SECRET, `${NOW}.${BODY}`)}`);
  assertEquals(await verifyIngestWebhook(BODY, header, [SECRET], { nowSeconds: NOW + 10 }), {
    ok: true,
    timestamp: NOW,
  });
});

Deno.test("signature: a tampered body, a wrong secret, a changed timestamp are refused", async () => {
  const header = await signIngestWebhook(BODY, SECRET, NOW);
  const opts = { nowSeconds: NOW };
  assertEquals(await verifyIngestWebhook(BODY.replace("ls_1", "ls_2"), header, [SECRET], opts), {
    ok: false,
    reason: "signature_mismatch",
  });
  assertEquals(await verifyIngestWebhook(BODY, header, ["another"], opts), { ok: false, reason: "signature_mismatch" });
  const moved = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
  assertEquals(await verifyIngestWebhook(BODY, moved, [SECRET], opts), { ok: false, reason: "signature_mismatch" });
});

Deno.test("signature: stale and future timestamps are refused (300 s)", async () => {
  const header = await signIngestWebhook(BODY, SECRET, NOW);
  assertEquals((await verifyIngestWebhook(BODY, header, [SECRET], { nowSeconds: NOW + 300 })).ok, true);
  assertEquals(await verifyIngestWebhook(BODY, header, [SECRET], { nowSeconds: NOW + 301 }), {
    ok: false,
    reason: "timestamp_outside_tolerance",
  });
  assertEquals(await verifyIngestWebhook(BODY, header, [SECRET], { nowSeconds: NOW - 301 }), {
    ok: false,
    reason: "timestamp_outside_tolerance",
  });
});

Deno.test("signature: several v1 values (a secret being rolled) and several secrets", async () => {
  const good = (await signIngestWebhook(BODY, SECRET, NOW)).split(",")[1];
  const other = (await signIngestWebhook(BODY, "old-secret", NOW)).split(",")[1];
  const header = `t=${NOW},${other},${good}`;
  assertEquals((await verifyIngestWebhook(BODY, header, [SECRET], { nowSeconds: NOW })).ok, true);
  assertEquals(
    (await verifyIngestWebhook(BODY, `t=${NOW},${other}`, ["x", "old-secret"], { nowSeconds: NOW })).ok,
    true,
  );
  assertEquals(parseSignatureHeader(`t=${NOW},v0=abc,${good}`)?.signatures.length, 1);
});

Deno.test("signature: missing or malformed headers", async () => {
  assertEquals(await verifyIngestWebhook(BODY, null, [SECRET]), { ok: false, reason: "missing_header" });
  for (const h of ["v1=abc", `t=${NOW}`, "t=abc,v1=" + "0".repeat(64), "garbage", `t=${NOW},v1=xyz`]) {
    assertEquals(await verifyIngestWebhook(BODY, h, [SECRET], { nowSeconds: NOW }), {
      ok: false,
      reason: "malformed_header",
    }, h);
  }
});

Deno.test("events: Mux live stream events are normalised; others keep their type", () => {
  for (const type of ["connected", "active", "disconnected", "idle", "deleted"]) {
    const e = parseIngestEvent("mux", JSON.stringify(liveStreamEvent({ type, liveInputId: "ls_9", eventId: "e" })));
    assertEquals([e.type, e.liveInputId, e.eventId, e.providerType], [type, "ls_9", "e", `video.live_stream.${type}`]);
  }
  const created = parseIngestEvent("mux", JSON.stringify(liveStreamEvent({ type: "created", liveInputId: "ls_9" })));
  assertEquals(created.type, "video.live_stream.created");
  const asset = parseIngestEvent(
    "mux",
    JSON.stringify({
      type: "video.asset.live_stream_completed",
      id: "e2",
      created_at: "2026-12-06T10:00:00.000000Z",
      object: { type: "asset", id: "as_1" },
      data: { id: "as_1", live_stream_id: "ls_9" },
    }),
  );
  assertEquals([asset.type, asset.liveInputId, asset.occurredAt], [
    "video.asset.live_stream_completed",
    "ls_9",
    "2026-12-06T10:00:00.000Z",
  ]);
  for (
    const bad of ["nope", "[]", '{"type":"video.live_stream.active"}', '{"id":"e","type":"video.live_stream.active"}']
  ) {
    let err: unknown;
    try {
      parseIngestEvent("mux", bad);
    } catch (e) {
      err = e;
    }
    assert(err instanceof MalformedIngestEvent, bad);
  }
});

/** A local server answering as Mux's live streams API does, recording the requests. */
function fakeMux(opts: { status?: number } = {}) {
  const requests: { method: string; path: string; auth: string | null; body: unknown }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    requests.push({
      method: req.method,
      path: url.pathname,
      auth: req.headers.get("authorization"),
      body: text ? JSON.parse(text) : null,
    });
    if (req.headers.get("authorization") !== "Basic " + btoa("token-id:token-secret")) {
      return Response.json({ error: { type: "unauthorized", messages: ["Unauthorized request"] } }, { status: 401 });
    }
    if (opts.status) return Response.json({ error: { type: "internal", messages: ["boom"] } }, { status: opts.status });
    if (req.method === "POST" && url.pathname === "/video/v1/live-streams") {
      const b = JSON.parse(text) as { playback_policies: string[] };
      return Response.json({
        data: {
          id: "QrikEQpEXp3RvklQSHyHSYOakQkXlRId",
          stream_key: "super-secret-stream-key-1234",
          status: "idle",
          playback_ids: b.playback_policies.map((policy, i) => ({ id: `play${i}`, policy })),
          created_at: "1609937654",
        },
      }, { status: 201 });
    }
    if (req.method === "PUT" && /^\/video\/v1\/live-streams\/[^/]+\/disable$/.test(url.pathname)) {
      return Response.json({ data: {} });
    }
    if (req.method === "DELETE" && /^\/video\/v1\/live-streams\/[^/]+$/.test(url.pathname)) {
      return new Response(null, { status: 204 });
    }
    return Response.json({ error: { type: "not_found", messages: ["Not found"] } }, { status: 404 });
  });
  const addr = server.addr as Deno.NetAddr;
  return { requests, url: `http://127.0.0.1:${addr.port}`, close: () => server.shutdown() };
}

Deno.test("mux: creates a live stream with basic auth, public playback and recording", async () => {
  const mux = fakeMux();
  try {
    const p = new MuxProvider({ tokenId: "token-id", tokenSecret: "token-secret", apiUrl: mux.url });
    const input = await p.createLiveInput({ streamId: "stream-uuid" });
    assertEquals(input, {
      provider: "mux",
      liveInputId: "QrikEQpEXp3RvklQSHyHSYOakQkXlRId",
      streamKey: "super-secret-stream-key-1234",
      ingestUrl: MUX_INGEST_URL,
      playbackId: "play0",
    });
    assertEquals(mux.requests[0], {
      method: "POST",
      path: "/video/v1/live-streams",
      auth: "Basic " + btoa("token-id:token-secret"),
      body: {
        playback_policies: ["public"],
        new_asset_settings: { playback_policies: ["public"] },
        passthrough: "stream-uuid",
      },
    });
    await p.disableLiveInput(input.liveInputId);
    await p.deleteLiveInput(input.liveInputId);
    assertEquals(mux.requests.slice(1).map((r) => `${r.method} ${r.path}`), [
      "PUT /video/v1/live-streams/QrikEQpEXp3RvklQSHyHSYOakQkXlRId/disable",
      "DELETE /video/v1/live-streams/QrikEQpEXp3RvklQSHyHSYOakQkXlRId",
    ]);
  } finally {
    await mux.close();
  }
});

Deno.test("mux: signed playback; refusals and outages become StreamingProviderError", async () => {
  const mux = fakeMux();
  try {
    const signed = new MuxProvider({
      tokenId: "token-id",
      tokenSecret: "token-secret",
      apiUrl: mux.url,
      playbackPolicy: "signed",
    });
    assertEquals((await signed.createLiveInput({ streamId: "s" })).playbackId, "play0");
    assertEquals((mux.requests[0].body as { playback_policies: string[] }).playback_policies, ["signed"]);
    const wrong = new MuxProvider({ tokenId: "token-id", tokenSecret: "nope", apiUrl: mux.url });
    let err: unknown;
    try {
      await wrong.createLiveInput({ streamId: "s" });
    } catch (e) {
      err = e;
    }
    assert(err instanceof StreamingProviderError && err.status === 401, String(err));
    assertMatch((err as Error).message, /401/);
    assert(!(err as Error).message.includes("nope"), "the secret is not in the message");
  } finally {
    await mux.close();
  }
  const down = fakeMux({ status: 500 });
  const p = new MuxProvider({ tokenId: "token-id", tokenSecret: "token-secret", apiUrl: down.url });
  let err: unknown;
  try {
    await p.createLiveInput({ streamId: "s" });
  } catch (e) {
    err = e;
  }
  await down.close();
  assert(err instanceof StreamingProviderError && err.status === 500, String(err));
  let unreachable: unknown;
  try {
    await p.createLiveInput({ streamId: "s" });
  } catch (e) {
    unreachable = e;
  }
  assert(unreachable instanceof StreamingProviderError && unreachable.status === null, String(unreachable));
});

Deno.test("local: fresh ids and 128-bit keys each time, the configured URL", async () => {
  const p = new LocalStreamingProvider();
  const a = await p.createLiveInput({ streamId: "s" });
  const b = await p.createLiveInput({ streamId: "s" });
  assertEquals([a.provider, a.ingestUrl], ["local", LOCAL_INGEST_URL]);
  assertMatch(a.liveInputId, /^local_[0-9a-f]{24}$/);
  assertMatch(a.streamKey, /^[0-9a-f-]{36}$/);
  assertMatch(a.playbackId, /^localplay_[0-9a-f]{24}$/);
  assert(a.liveInputId !== b.liveInputId && a.streamKey !== b.streamKey && a.playbackId !== b.playbackId);
  assertEquals(
    (await new LocalStreamingProvider({ ingestUrl: "rtmp://10.0.0.5/live" }).createLiveInput({ streamId: "s" }))
      .ingestUrl,
    "rtmp://10.0.0.5/live",
  );
});
