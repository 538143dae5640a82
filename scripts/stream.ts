/**
 * npm run stream -- connect|disconnect|end <stream-id> [--profile dev]
 *
 * Simulates the seller's encoder with the local ingest provider: posts events in Mux's shape,
 * signed like Mux signs them (mux-signature, the local secret: STREAM_WEBHOOK_SECRET or the
 * development default), to the stack's stream-webhook function, as Mux would when OBS connects.
 *
 *   connect     video.live_stream.connected, then .active  → a scheduled stream goes live
 *   disconnect  video.live_stream.disconnected             → still live; live.no_ingest_minutes later it ends
 *   end         video.live_stream.idle                     → the broadcast is over: the stream ends
 *
 * The stream must have ingest (stream-ingest); its live input id is read from the database.
 */
import { parseArgs } from "node:util";
import { profile, type ProfileName } from "./lib/config.ts";
import { connect } from "./lib/db.ts";
import { liveStreamEvent } from "../functions/_shared/streaming/events.ts";
import { LOCAL_STREAM_WEBHOOK_SECRET } from "../functions/_shared/streaming/local.ts";
import { SIGNATURE_HEADER, signIngestWebhook } from "../functions/_shared/streaming/signature.ts";

const EVENTS: Record<string, string[]> = {
  connect: ["connected", "active"],
  disconnect: ["disconnected"],
  end: ["idle"],
};

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { profile: { type: "string" } } });
  const [command, streamId] = positionals;
  if (!command || !EVENTS[command] || !streamId) {
    process.stderr.write("usage: npm run stream -- connect|disconnect|end <stream-id>\n");
    process.exit(2);
  }
  const p = profile((values.profile as ProfileName | undefined) ?? undefined);
  const sql = connect(p, "postgres");
  let liveInputId: string | undefined;
  try {
    const rows = await sql<{ provider: string; live_input_id: string }[]>`
      select provider, live_input_id from private.stream_ingest where stream_id = ${streamId}::uuid and disabled_at is null`;
    if (rows.length === 0) throw new Error(`stream ${streamId} has no ingest: provision it with the stream-ingest function`);
    if (rows[0].provider !== "local") throw new Error(`stream ${streamId} uses the ${rows[0].provider} provider, not local`);
    liveInputId = rows[0].live_input_id;
  } finally {
    await sql.end({ timeout: 5 });
  }
  const secret = process.env.STREAM_WEBHOOK_SECRET || LOCAL_STREAM_WEBHOOK_SECRET;
  for (const type of EVENTS[command]) {
    const body = JSON.stringify(liveStreamEvent({ type, liveInputId }));
    const res = await fetch(`${p.apiUrl}/functions/v1/stream-webhook`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        [SIGNATURE_HEADER]: await signIngestWebhook(body, secret),
      },
      body,
    });
    const text = await res.text();
    process.stdout.write(`video.live_stream.${type} → ${res.status} ${text}\n`);
    if (!res.ok) process.exit(1);
  }
}

main().catch((e) => {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exit(1);
});
