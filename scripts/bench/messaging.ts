/**
 * npm run bench:messaging — the messaging module at scale, on a stack of its own
 * (.hyperlocal/bench-messaging, API port 58321 unless HL_API_PORT is set):
 *
 *   1. bulk data in SQL: 5,000,000 messages in 500,000 conversations (10,000 long ones of 200
 *      messages, the rest 6-7), messages interleaved in time order across conversations, counters
 *      (last message, unread counts) filled in as the triggers would have, then VACUUM ANALYZE;
 *   2. history: a page of 50 before a random cursor in a long conversation, p95 inside the
 *      database (clock_timestamp around public.history as the user) and through the gateway
 *      (supabase-js rpc);
 *   3. inbox of a user with 1,000 conversations: first page and every page of a full walk,
 *      p95 in the database and through the gateway;
 *   4. send_message through the gateway with fan-out: receivers joined to conversation:<id> with
 *      realtime-js, senders calling send_message; throughput closed-loop and at a fixed rate,
 *      delivery latency from just before the call to the receiver's broadcast callback.
 *
 * Options: --keep (leave the stack running), --no-write (do not touch docs/benchmarks.md),
 * --messages N / --conversations N (smaller runs while developing).
 * Results go to docs/benchmarks.md, section "Messaging (issue 10)".
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type { RealtimeChannel } from "@supabase/supabase-js";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, client, createUsers, machine, ms, stats, writeSection, type BenchUser, type Stats } from "./lib.ts";

const sleep = (ms_: number) => new Promise((r) => setTimeout(r, ms_));

const { values } = parseArgs({
  options: {
    keep: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    messages: { type: "string", default: "5000000" },
    conversations: { type: "string", default: "500000" },
  },
});

const TOTAL_MESSAGES = Number(values.messages);
const TOTAL_CONVERSATIONS = Number(values.conversations);
const PROBES = 40; // proper users (tokens) who own the long conversations
const LONG_PER_PROBE = 250; // 40 × 250 = 10,000 long conversations
const LONG_LENGTH = 200;
const HUB_CONVERSATIONS = 1000;
const BULK_USERS = 2000;

async function main(): Promise<number> {
  const { p, stop } = await benchStack("messaging", 58321);
  const sql = connect(p, "postgres", { max: 1 }); // one session: pg_temp.timed lives there
  const admin = connect(p, "supabase_admin", { max: 1 });
  try {
    // ---- users -------------------------------------------------------------------------------
    const users = await createUsers(p, "msg", 1 + PROBES + 40);
    const hub = users[0];
    const probes = users.slice(1, 1 + PROBES);
    const chatters = users.slice(1 + PROBES); // 20 senders + 20 receivers for the send test
    log(`creating ${BULK_USERS} bulk users`);
    await admin.unsafe(`
      with ids as (select gen_random_uuid() as id, 'bulk' || n || '@bench.test' as email from generate_series(1, ${BULK_USERS}) n)
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
                              raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token,
                              email_change_token_new, email_change, email_change_token_current, phone_change,
                              phone_change_token, reauthentication_token, is_sso_user, is_anonymous)
      select '00000000-0000-0000-0000-000000000000', id, 'authenticated', 'authenticated', email, '', now(),
             '{"provider": "email", "providers": ["email"]}', jsonb_build_object('sub', id::text, 'email', email),
             now(), now(), '', '', '', '', '', '', '', '', false, false
        from ids`);

    // ---- bulk conversations and messages -----------------------------------------------------
    const t0 = Date.now();
    const longCount = PROBES * LONG_PER_PROBE;
    const restConversations = TOTAL_CONVERSATIONS - longCount - HUB_CONVERSATIONS;
    const restMessages = TOTAL_MESSAGES - longCount * LONG_LENGTH;
    // The hub's conversations and the rest share what the long ones leave; some get one more.
    const base = Math.floor(restMessages / (restConversations + HUB_CONVERSATIONS));
    const extra = restMessages - base * (restConversations + HUB_CONVERSATIONS);
    log(`generating ${TOTAL_CONVERSATIONS} conversations and ${TOTAL_MESSAGES} messages`);
    await admin.begin(async (tx) => {
      await tx.unsafe(`set local session_replication_role = replica`); // no triggers, as a bulk load
      await tx.unsafe(`create temp table bulk_users on commit drop as
                         select row_number() over (order by id) - 1 as n, id from public.profiles where id in (
                           select id from auth.users where email like 'bulk%@bench.test')`);
      await tx.unsafe(`create temp table plan (k int, a uuid, b uuid, n int) on commit drop`);
      // Long conversations: each probe user with 250 bulk users.
      await tx.unsafe(`insert into plan
        select row_number() over () - 1, pr.id, bu.id, ${LONG_LENGTH}
          from unnest($1::uuid[]) with ordinality pr(id, i)
          join bulk_users bu on bu.n < ${LONG_PER_PROBE}`, [probes.map((u) => u.id)]);
      // The hub: 1,000 conversations with 1,000 bulk users.
      await tx.unsafe(`insert into plan select ${longCount} + bu.n, $1::uuid, bu.id, ${base}
                         from bulk_users bu where bu.n < ${HUB_CONVERSATIONS}`, [hub.id]);
      // The rest: distinct pairs of bulk users (a, a + offset), offsets 1..N/2.
      await tx.unsafe(`insert into plan
        select ${longCount + HUB_CONVERSATIONS} + k, a.id, b.id, ${base} + case when k < ${extra} then 1 else 0 end
          from generate_series(0, ${restConversations - 1}) k
          join bulk_users a on a.n = k % ${BULK_USERS}
          join bulk_users b on b.n = (k % ${BULK_USERS} + 1 + k / ${BULK_USERS}) % ${BULK_USERS}`);
      await tx.unsafe(`insert into public.conversations (id, context_kind, user_low, user_high, created_at, last_activity_at)
        select gen_random_uuid(), 'direct', least(a, b), greatest(a, b), now() - interval '30 days', now() - interval '30 days'
          from plan`);
      await tx.unsafe(`create temp table convs on commit drop as
        select c.id, c.user_low, c.user_high, pl.n from public.conversations c
          join plan pl on least(pl.a, pl.b) = c.user_low and greatest(pl.a, pl.b) = c.user_high`);
      await tx.unsafe(`insert into public.conversation_participants (conversation_id, user_id, last_activity_at)
        select id, user_low, now() from convs union all select id, user_high, now() from convs`);
      // Messages spread over 30 days, inserted in time order (ids interleave across conversations).
      await tx.unsafe(`insert into public.messages (conversation_id, author_id, sender_id, kind, body, created_at)
        select c.id, case when i % 2 = 0 then c.user_low else c.user_high end,
               case when i % 2 = 0 then c.user_low else c.user_high end, 'text',
               'Message ' || i || ' of a bench conversation, about the size of a chat line.',
               now() - interval '30 days' + (random() * interval '30 days')
          from convs c cross join lateral generate_series(1, c.n) i
         order by 6`);
    });
    log(`bulk insert done in ${((Date.now() - t0) / 1000).toFixed(0)} s; counters`);
    await admin.unsafe(`
      update public.conversations c set last_message_id = m.last_id, last_message_at = m.last_at,
             last_activity_at = m.last_at, message_count = m.n
        from (select conversation_id, max(id) as last_id, max(created_at) as last_at, count(*)::int as n
                from public.messages group by conversation_id) m
       where m.conversation_id = c.id`);
    await admin.unsafe(`
      update public.conversation_participants p
         set last_activity_at = c.last_activity_at, last_read_message_id = c.last_message_id - 0,
             unread_count = case when p.user_id = c.user_low then 2 else 0 end
        from public.conversations c where c.id = p.conversation_id`);
    await admin.unsafe(`vacuum analyze public.conversations, public.conversation_participants, public.messages`);
    const loadSeconds = (Date.now() - t0) / 1000;
    const [{ nm, nc }] = await sql`select (select count(*) from public.messages)::int as nm, (select count(*) from public.conversations)::int as nc`;
    log(`${nm} messages in ${nc} conversations, loaded in ${loadSeconds.toFixed(0)} s`);

    // ---- history -----------------------------------------------------------------------------
    const longConvs = await sql<{ id: string; user_id: string; min_id: string; max_id: string }[]>`
      select c.id, p.user_id, min(m.id)::text as min_id, max(m.id)::text as max_id
        from public.conversations c
        join public.conversation_participants p on p.conversation_id = c.id and p.user_id = any(${probes.map((u) => u.id)}::uuid[])
        join public.messages m on m.conversation_id = c.id
       where c.message_count >= ${LONG_LENGTH}
       group by c.id, p.user_id
       order by random() limit 400`;
    await sql.unsafe(`
      create or replace function pg_temp.timed(p_user uuid, p_call text) returns float8 language plpgsql as $f$
      declare t0 timestamptz; r jsonb;
      begin
        perform set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', 'authenticated')::text, true);
        perform set_config('role', 'authenticated', true);
        t0 := clock_timestamp();
        execute p_call into r;
        return extract(epoch from clock_timestamp() - t0) * 1000;
      end $f$`);
    // A cursor somewhere in the conversation's ids (ids interleave, so the page spans real rows).
    const cursorIn = (c: { min_id: string; max_id: string }) =>
      (BigInt(c.min_id) + BigInt(Math.floor(Math.random() * Number(BigInt(c.max_id) - BigInt(c.min_id))))).toString();
    const timedOne = async (user: string, call: string): Promise<number> => {
      const rows = await sql.begin((tx) => tx.unsafe(`select pg_temp.timed($1, $2) as ms`, [user, call]));
      return Number(rows[0].ms);
    };
    const histDb: number[] = [];
    for (const c of longConvs) histDb.push(await timedOne(c.user_id, `select public.history('${c.id}', ${cursorIn(c)}, null, 50)`));
    const histDbStats = stats(histDb.slice(20)); // the first calls warm the cache
    log(`history in the database: p50 ${ms(histDbStats.p50)} ms, p95 ${ms(histDbStats.p95)} ms`);

    const clients = new Map(probes.map((u) => [u.id, client(p, u.token)]));
    const histApi: number[] = [];
    let histRows = 0;
    for (const c of longConvs) {
      const t = performance.now();
      const res = await clients.get(c.user_id)!.rpc("history", { p_conversation_id: c.id, p_before: Number(cursorIn(c)), p_limit: 50 });
      histApi.push(performance.now() - t);
      if (res.error) throw new Error(`history: ${res.error.code} ${res.error.message}`);
      histRows += (res.data as { items: unknown[] }).items.length;
    }
    const histApiStats = stats(histApi.slice(20));
    log(`history through the gateway: p50 ${ms(histApiStats.p50)} ms, p95 ${ms(histApiStats.p95)} ms (${(histRows / histApi.length).toFixed(1)} rows a page)`);

    // ---- inbox -------------------------------------------------------------------------------
    const inboxFirstDb: number[] = [];
    for (let i = 0; i < 300; i++) inboxFirstDb.push(await timedOne(hub.id, `select public.inbox(20)`));
    const inboxWalkDb: number[] = [];
    let walked = 0;
    for (let round = 0; round < 5; round++) {
      let cursor: string | null = null;
      do {
        const rows = await sql.begin(async (tx) => {
          await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: hub.id, role: "authenticated" })}, true), set_config('role', 'authenticated', true)`;
          const t = performance.now();
          const r = await tx`select public.inbox(50, ${cursor}) as page`;
          return { ms: performance.now() - t, page: r[0].page as { items: unknown[]; next_cursor: string | null } };
        });
        inboxWalkDb.push(rows.ms);
        walked += rows.page.items.length;
        cursor = rows.page.next_cursor;
      } while (cursor);
    }
    const hubClient = client(p, hub.token);
    const inboxApi: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      const res = await hubClient.rpc("inbox", { p_limit: 20 });
      inboxApi.push(performance.now() - t);
      if (res.error) throw new Error(`inbox: ${res.error.code} ${res.error.message}`);
    }
    const inboxFirstDbStats = stats(inboxFirstDb.slice(20));
    const inboxWalkStats = stats(inboxWalkDb);
    const inboxApiStats = stats(inboxApi.slice(20));
    log(`inbox first page in the database p95 ${ms(inboxFirstDbStats.p95)} ms; walk pages p95 ${ms(inboxWalkStats.p95)} ms (${walked / 5} conversations); gateway p95 ${ms(inboxApiStats.p95)} ms`);

    // ---- send_message with realtime fan-out --------------------------------------------------
    await sql`update private.settings set value = '{"limit": 100000, "window": "1 minute"}' where key = 'rate_limit.send_message'`;
    const senders = chatters.slice(0, 20);
    const receivers = chatters.slice(20, 40);
    const pairs: Array<{ conv: string; sender: BenchUser; receiver: BenchUser }> = [];
    for (let i = 0; i < senders.length; i++) {
      const [{ id }] = await sql`select private.ensure_conversation('direct', null, ${senders[i].id}, ${receivers[i].id}, null, null, null) as id`;
      pairs.push({ conv: id as string, sender: senders[i], receiver: receivers[i] });
    }
    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    let delivered = 0;
    let warmedUp = false;
    const channels: RealtimeChannel[] = [];
    const rtClients = receivers.map((u) => client(p, u.token));
    await Promise.all(pairs.map(async (pair, i) => {
      const c = rtClients[i];
      await c.realtime.setAuth(pair.receiver.token);
      const ch = c.channel(`conversation:${pair.conv}`, { config: { private: true } })
        .on("broadcast", { event: "message.created" }, (m) => {
          const { client_key: key, body } = (m.payload as { message: { client_key: string; body: string } }).message;
          if (body === "warm-up") warmedUp = true;
          const at = sentAt.get(key);
          if (at !== undefined) {
            latencies.push(performance.now() - at);
            delivered++;
          }
        });
      channels.push(ch);
      await new Promise<void>((resolve, reject) => ch.subscribe((s, err) => (s === "SUBSCRIBED" ? resolve() : reject(new Error(`${s} ${err?.message ?? ""}`)))));
    }));
    const senderClients = senders.map((u) => client(p, u.token));
    let seq = 0;
    // The bulk load is one transaction of gigabytes of WAL, which the Realtime server's logical
    // replication would first have to decode (and spill) before any new broadcast: a live system never
    // writes such a transaction. End that replication connection, as the server's watchdog does
    // with a dead slot: it reconnects with a new temporary slot at the current WAL position. Then
    // send until a first message comes through.
    {
      const warm = Date.now();
      const [{ lag }] = await admin`select coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)), 0)::bigint::text as lag
                                      from pg_replication_slots where slot_type = 'logical'`;
      log(`restarting the realtime replication stream (${(Number(lag) / 2 ** 20).toFixed(0)} MiB of bulk-load WAL behind)`);
      await admin`select pg_terminate_backend(active_pid) from pg_replication_slots where slot_type = 'logical' and active_pid is not null`;
      const deadline = Date.now() + 5 * 60_000;
      while (!warmedUp) {
        if (Date.now() > deadline) throw new Error("no realtime delivery within 5 minutes of restarting the stream");
        await senderClients[0].rpc("send_message", { p_conversation_id: pairs[0].conv, p_body: "warm-up" });
        await sleep(1000);
      }
      log(`caught up after ${((Date.now() - warm) / 1000).toFixed(0)} s`);
    }
    const sendOne = async (i: number): Promise<boolean> => {
      const key = `bench-${process.pid}-${++seq}`;
      sentAt.set(key, performance.now());
      const res = await senderClients[i].rpc("send_message", { p_conversation_id: pairs[i].conv, p_body: `ping ${seq}`, p_client_key: key });
      return !res.error;
    };
    // Closed loop: every sender sends again as soon as its call returns.
    const closedSeconds = 20;
    let closedSent = 0;
    let closedFailed = 0;
    latencies.length = 0;
    delivered = 0;
    const closedEnd = performance.now() + closedSeconds * 1000;
    await Promise.all(senders.map(async (_, i) => {
      while (performance.now() < closedEnd) {
        if (await sendOne(i)) closedSent++;
        else closedFailed++;
      }
    }));
    await sleep(3000);
    const closed = { perSecond: closedSent / closedSeconds, latency: stats(latencies), delivered, sent: closedSent, failed: closedFailed };
    log(`closed loop: ${closed.perSecond.toFixed(0)} send_message/s, delivery p95 ${ms(closed.latency.p95)} ms (${delivered}/${closedSent})`);
    // Open loop at a fixed rate below saturation: the latency a user sees.
    const rate = Math.max(10, Math.floor(closed.perSecond * 0.5));
    const openSeconds = 15;
    latencies.length = 0;
    delivered = 0;
    let openSent = 0;
    const inflight: Promise<unknown>[] = [];
    const startOpen = performance.now();
    for (let n = 0; n < rate * openSeconds; n++) {
      const due = startOpen + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      inflight.push(sendOne(n % senders.length).then((ok) => ok && openSent++));
    }
    await Promise.all(inflight);
    await sleep(3000);
    const open = { rate, latency: stats(latencies), delivered, sent: openSent };
    log(`open loop at ${rate}/s: delivery p95 ${ms(open.latency.p95)} ms (${delivered}/${openSent})`);
    for (const ch of channels) await ch.unsubscribe();
    for (const c of rtClients) c.realtime.disconnect();

    // ---- report ------------------------------------------------------------------------------
    const historyOk = histDbStats.p95 <= 5;
    const inboxOk = inboxFirstDbStats.p95 <= 20 && inboxWalkStats.p95 <= 20;
    const row = (label: string, s: Stats) => `| ${label} | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`;
    const body = `
\`npm run bench:messaging\` (scripts/bench/messaging.ts), ${new Date().toISOString().slice(0, 10)}: ${machine()}.

**Data**: ${nm.toLocaleString("en")} messages in ${nc.toLocaleString("en")} conversations, generated in SQL (${loadSeconds.toFixed(0)} s with
the counters and \`VACUUM ANALYZE\`; triggers off during the bulk load, counters then filled in as they would have): 10,000 long
conversations of ${LONG_LENGTH} messages (${PROBES} users with ${LONG_PER_PROBE} each), one user with ${HUB_CONVERSATIONS} conversations, and the rest
between ${BULK_USERS} users with ${base}-${base + 1} messages each; messages spread over 30 days and inserted in time order, so a
conversation's messages are interleaved with everyone else's in the table and its indexes.

| query | samples | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
${row("history: 50 before a random cursor, in the database", histDbStats)}
${row("history: the same through the gateway (supabase-js rpc)", histApiStats)}
${row("inbox of the 1,000-conversation user, first page of 20, in the database", inboxFirstDbStats)}
${row("inbox: every page of 50 walking all 1,000 (keyset), in the database", inboxWalkStats)}
${row("inbox first page through the gateway", inboxApiStats)}

Targets: history p95 ≤ 5 ms in the database — **${historyOk ? "met" : "missed"}** (${ms(histDbStats.p95)} ms); inbox p95 ≤ 20 ms — **${inboxOk ? "met" : "missed"}**
(first page ${ms(inboxFirstDbStats.p95)} ms, walk pages ${ms(inboxWalkStats.p95)} ms). "In the database" is \`clock_timestamp()\` around the call, as the
user (JWT claims and role \`authenticated\`, so \`auth.uid()\` and the participant checks run); the gateway numbers are wall time of
supabase-js calls with the user's token (gateway, PostgREST, JSON both ways).

**send_message with realtime fan-out**: ${pairs.length} senders (supabase-js, each its own token) to ${pairs.length} receivers joined with
realtime-js to private \`conversation:<id>\` topics; each call runs the participant and block checks, the rate limiter (raised for
the run), the insert, the triggers (conversation counters, both participants' unread counts and inbox broadcasts on \`user:<id>\`,
the \`message.created\` broadcast, the \`message.received\` notification with its \`notification.created\` broadcast on \`user:<id>\` and push outbox check). Latency: from just before the rpc call to the receiver's broadcast callback.
Before it, the Realtime server's replication connection is ended (it reconnects at once with a new temporary slot, as its watchdog
does): otherwise it would first decode the bulk load's single multi-gigabyte transaction, which no live system writes.

- Closed loop (each sender sends again when its call returns) for ${closedSeconds} s: **${closed.perSecond.toFixed(0)} send_message/s**
  (${closed.sent} sent, ${closed.failed} failed, ${closed.delivered} delivered); delivery p50 ${ms(closed.latency.p50)} ms, **p95 ${ms(closed.latency.p95)} ms**.
- Fixed rate of ${open.rate}/s (half of that) for ${openSeconds} s: delivery p50 ${ms(open.latency.p50)} ms, **p95 ${ms(open.latency.p95)} ms**, p99 ${ms(open.latency.p99)} ms
  (${open.delivered} of ${open.sent} delivered).

PostgreSQL, the gateway (with the local Realtime server decoding the replication stream) and this script share the machine's
CPUs.
`;
    process.stdout.write(body);
    if (!values["no-write"]) writeSection("Messaging (issue 10)", body);
    return closed.delivered === closed.sent && open.delivered === open.sent ? 0 : 1;
  } finally {
    await sql.end();
    await admin.end();
    if (values.keep) log(`stack kept running at ${p.apiUrl}`);
    else await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .then((code) => process.exit(code))
    .catch((e) => {
      process.stderr.write(`messaging bench failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
