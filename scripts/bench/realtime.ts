/**
 * npm run bench:realtime [-- --clients 1000 --topics 100 --workers 2 --rate 50 --seconds 20
 *                           --rates 250,500,1000,2000,4000,8000 --step-seconds 10 --keep --no-write]
 *
 * Broadcast from Database through the local Realtime server (platform/realtime), on a stack of its
 * own (.hyperlocal/bench-realtime, API port 57321 unless HL_API_PORT is set):
 *
 *   setup     --clients users (created as GoTrue does, with access tokens), each a member of one of
 *             --topics private topics (a membership table and a SELECT policy on realtime.messages
 *             using realtime.topic() and auth.uid(), as an app would write it); every user connects
 *             its own realtime-js client (worker processes) and joins its topic as a private channel,
 *             so every join runs Realtime's RLS probe transaction.
 *   latency   the main process calls `select realtime.send(...)` at --rate messages/s for --seconds,
 *             round-robin over the topics; each message reaches the topic's members; the latency of
 *             each delivery is from just before realtime.send to the client's broadcast callback
 *             (wall clock, same machine), p50/p95/p99.
 *   sign-in   --signin-clients concurrent loops of supabase-js signInWithPassword against the local Auth
 *             server through the gateway for --signin-seconds (users signed up first), side by side
 *             with the same loops on GET /auth/v1/health: sign-ins/s, their latency and the ratio.
 *   sustained open-loop steps at --rates messages/s (--step-seconds each, at most 64 sends in
 *             flight): sent rate achieved, deliveries received / expected and delivery latency per
 *             step, until a step saturates (the database takes under 90% of the offered sends, or
 *             deliveries lag); "sustained" is the highest sent rate of a step that delivered
 *             everything with p95 under a second.
 *
 * Results go to docs/benchmarks.md, section "Realtime (issue 9)", unless --no-write.
 * `--worker <job>` is a client process (JSON lines on stdout; commands on stdin).
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createClient, RealtimeClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import path from "node:path";
import { ANON_KEY, ROOT } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { log } from "../lib/proc.ts";
import { benchStack, createUsers, machine, ms, stats, writeSection, type Stats } from "./lib.ts";

const SCRIPT = new URL(import.meta.url).pathname;
const TSX_BIN = path.join(ROOT, "node_modules", ".bin", "tsx");
const clock = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WorkerJob {
  apiUrl: string;
  members: Array<{ token: string; topic: string }>;
}

type WorkerLine =
  | { type: "ready"; joined: number; failed: number; errors: string[]; joinMs: number[] }
  | { type: "report"; phase: string; latencies: number[] }
  | { type: "bye" };

// ---- worker: the clients -----------------------------------------------------------------------

async function worker(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, "utf8")) as WorkerJob;
  const latencies = new Map<string, number[]>();
  const out = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const clients: RealtimeClient[] = [];
  const errors: string[] = [];
  const joinMs: number[] = [];
  let joined = 0;
  let failed = 0;
  const join = async ({ token, topic }: { token: string; topic: string }) => {
    const client = new RealtimeClient(`${job.apiUrl}/realtime/v1`, {
      params: { apikey: ANON_KEY },
      transport: WebSocket as never,
      timeout: 60_000,
    });
    await client.setAuth(token);
    clients.push(client);
    const started = clock();
    const channel = client.channel(topic, { config: { private: true } }).on("broadcast", { event: "bench" }, (msg) => {
      const p = msg.payload as { sent_at: number; phase: string };
      let list = latencies.get(p.phase);
      if (!list) latencies.set(p.phase, (list = []));
      list.push(clock() - p.sent_at);
    });
    await new Promise<void>((resolve) => {
      let settled = false;
      channel.subscribe((status, err) => {
        if (settled) return;
        settled = true;
        if (status === "SUBSCRIBED") {
          joined++;
          joinMs.push(clock() - started);
        } else {
          failed++;
          if (errors.length < 5) errors.push(`${status}: ${err?.message ?? ""}`);
          void client.removeChannel(channel);
        }
        resolve();
      });
    });
  };
  // join a few at a time, like clients arriving
  let next = 0;
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < job.members.length) await join(job.members[next++]);
    }),
  );
  out({ type: "ready", joined, failed, errors, joinMs });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, phase] = line.trim().split(" ");
    if (cmd === "report") {
      out({ type: "report", phase, latencies: latencies.get(phase) ?? [] });
      latencies.delete(phase);
    } else if (cmd === "exit") {
      for (const c of clients) c.disconnect();
      out({ type: "bye" });
      break;
    }
  }
  rl.close();
}

// ---- main ----------------------------------------------------------------------------------------

interface Worker {
  send(cmd: string): void;
  next(type: WorkerLine["type"]): Promise<WorkerLine>;
  done: Promise<void>;
}

function startWorker(job: WorkerJob, label: string): Worker {
  const dir = path.join(ROOT, ".hyperlocal", "bench-jobs");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `realtime-${label}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(job));
  const child = spawn(TSX_BIN, [SCRIPT, "--worker", file], { cwd: ROOT, env: process.env, stdio: ["pipe", "pipe", "inherit"] });
  const queue: WorkerLine[] = [];
  const waiters: Array<{ type: string; resolve: (l: WorkerLine) => void }> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    let parsed: WorkerLine;
    try {
      parsed = JSON.parse(line) as WorkerLine;
    } catch {
      process.stderr.write(`[worker ${label}] ${line}\n`);
      return;
    }
    const i = waiters.findIndex((w) => w.type === parsed.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(parsed);
    else queue.push(parsed);
  });
  const done = new Promise<void>((resolve, reject) =>
    child.on("close", (code) => {
      rmSync(file, { force: true });
      if (code === 0) resolve();
      else reject(new Error(`worker ${label} exited with ${code}`));
    }),
  );
  return {
    send: (cmd) => child.stdin.write(`${cmd}\n`),
    next: (type) => {
      const i = queue.findIndex((l) => l.type === type);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
    done,
  };
}

interface Step {
  rate: number;
  seconds: number;
  sent: number;
  sentPerSecond: number;
  expected: number;
  delivered: number;
  latency: Stats;
}

interface Loop {
  done: number;
  failed: number;
  perSecond: number;
  latency: Stats;
}

/** `clients` concurrent loops of `call` for `seconds`: completed calls per second and their latency. */
async function loops(clients: number, seconds: number, call: (client: number) => Promise<boolean>): Promise<Loop> {
  const latencies: number[] = [];
  let failed = 0;
  const started = clock();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (clock() < until) {
        const t0 = clock();
        if (await call(c)) latencies.push(clock() - t0);
        else failed++;
      }
    }),
  );
  const elapsed = (clock() - started) / 1000;
  return { done: latencies.length, failed, perSecond: latencies.length / elapsed, latency: stats(latencies) };
}

/** Sign-ins per second through the gateway with supabase-js, and a trivial Auth request side by side. */
async function signInPhase(apiUrl: string, clients: number, seconds: number): Promise<{ signIn: Loop; health: Loop }> {
  const password = "bench-password-123";
  // Each client is a user at an address of its own (Auth rate-limits per client IP, which it takes
  // from the first X-Forwarded-For address, as GoTrue behind Kong does).
  const ip = (c: number) => `10.77.${Math.floor(c / 250)}.${(c % 250) + 1}`;
  const emails = Array.from({ length: clients * 4 }, (_, i) => `signin.${i}.${Date.now()}@bench.test`);
  for (const [i, email] of emails.entries()) {
    const res = await fetch(`${apiUrl}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: ANON_KEY, "content-type": "application/json", "x-forwarded-for": ip(i % clients) },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`sign-up of ${email}: ${res.status} ${await res.text()}`);
  }
  const supabase = Array.from({ length: clients }, (_, c) =>
    createClient(apiUrl, ANON_KEY, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { headers: { "x-forwarded-for": ip(c) } },
      realtime: { transport: WebSocket as never },
    }));
  let round = 0;
  const signIn = await loops(clients, seconds, async (c) => {
    // Client c signs in its own users in turn.
    const { error } = await supabase[c].auth.signInWithPassword({ email: emails[c + clients * (round++ % 4)], password });
    return !error;
  });
  const health = await loops(clients, seconds, async () => {
    const res = await fetch(`${apiUrl}/auth/v1/health`, { headers: { apikey: ANON_KEY } });
    await res.arrayBuffer();
    return res.ok;
  });
  return { signIn, health };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      worker: { type: "string" },
      clients: { type: "string", default: "1000" },
      topics: { type: "string", default: "100" },
      workers: { type: "string", default: "2" },
      rate: { type: "string", default: "50" },
      seconds: { type: "string", default: "20" },
      rates: { type: "string", default: "250,500,1000,2000,4000,8000" },
      "step-seconds": { type: "string", default: "10" },
      "signin-clients": { type: "string", default: "8" },
      "signin-seconds": { type: "string", default: "10" },
      keep: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  if (values.worker) {
    await worker(values.worker);
    return 0;
  }
  const nClients = Number(values.clients);
  const nTopics = Number(values.topics);
  const nWorkers = Number(values.workers);
  const { p, stop } = await benchStack("realtime", 57321);
  const sql = connect(p, "postgres", { max: 16 });
  const workers: Worker[] = [];
  try {
    // ---- sign-in throughput (before the Realtime clients load the gateway)
    const signinClients = Number(values["signin-clients"]);
    const signinSeconds = Number(values["signin-seconds"]);
    log(`realtime bench: sign-in phase, ${signinClients} clients for ${signinSeconds} s`);
    const { signIn, health } = await signInPhase(p.apiUrl, signinClients, signinSeconds);
    log(`  ${signIn.perSecond.toFixed(1)} sign-ins/s (p50 ${ms(signIn.latency.p50)} ms), health ${health.perSecond.toFixed(0)}/s`);

    // ---- setup
    let t = Date.now();
    const users = await createUsers(p, "rt-bench", nClients);
    const topicOf = (i: number) => `bench-room-${i % nTopics}`;
    await sql`create table if not exists public.bench_room_members (topic text not null, user_id uuid not null, primary key (topic, user_id))`;
    await sql`insert into public.bench_room_members ${sql(users.map((u, i) => ({ topic: topicOf(i), user_id: u.id })))} on conflict do nothing`;
    await sql`grant select on public.bench_room_members to authenticated`;
    await sql.unsafe(`
      create policy "bench room members read" on realtime.messages for select to authenticated using (
        extension = 'broadcast' and exists (
          select 1 from public.bench_room_members m
           where m.topic = (select realtime.topic()) and m.user_id = (select auth.uid())))`);
    const setupMs = Date.now() - t;
    log(`realtime bench: ${users.length} users in ${nTopics} rooms (${(setupMs / 1000).toFixed(1)} s)`);

    t = Date.now();
    const members = users.map((u, i) => ({ token: u.token, topic: topicOf(i) }));
    for (let w = 0; w < nWorkers; w++) {
      const job: WorkerJob = { apiUrl: p.apiUrl, members: members.filter((_, i) => i % nWorkers === w) };
      workers.push(startWorker(job, String(w)));
    }
    const ready = (await Promise.all(workers.map((w) => w.next("ready")))) as Extract<WorkerLine, { type: "ready" }>[];
    const joinedTotal = ready.reduce((a, r) => a + r.joined, 0);
    const failedTotal = ready.reduce((a, r) => a + r.failed, 0);
    const joinStats = stats(ready.flatMap((r) => r.joinMs));
    const connectMs = Date.now() - t;
    log(`realtime bench: ${joinedTotal} clients joined (${failedTotal} failed) in ${(connectMs / 1000).toFixed(1)} s`);
    for (const r of ready) for (const e of r.errors) log(`  join error: ${e}`);
    if (joinedTotal === 0) throw new Error("no client joined");
    const perTopic = new Map<string, number>();
    for (const m of members) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);

    const collect = async (phase: string): Promise<number[]> => {
      for (const w of workers) w.send(`report ${phase}`);
      const reports = (await Promise.all(workers.map((w) => w.next("report")))) as Extract<WorkerLine, { type: "report" }>[];
      return reports.flatMap((r) => r.latencies);
    };

    /** Sends at `rate`/s for `seconds` (open loop, bounded in flight); returns what was sent. */
    const sendPhase = async (phase: string, rate: number, seconds: number) => {
      const total = Math.round(rate * seconds);
      const started = clock();
      let sent = 0;
      let expected = 0;
      const inflight = new Set<Promise<unknown>>();
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / rate;
        const wait = due - clock();
        if (wait > 1) await sleep(wait);
        while (inflight.size >= 64) await Promise.race(inflight);
        const topic = topicOf(i);
        expected += perTopic.get(topic) ?? 0;
        const q = sql`select realtime.send(${sql.json({ phase, seq: i, sent_at: clock() })}, 'bench', ${topic}, true)`.then(() => {
          sent++;
        });
        inflight.add(q);
        void q.finally(() => inflight.delete(q));
      }
      await Promise.all(inflight);
      const elapsed = (clock() - started) / 1000;
      return { sent, expected, sentPerSecond: sent / elapsed };
    };

    // warm-up (not measured)
    await sendPhase("warmup", 20, 2);
    await sleep(1000);
    await collect("warmup");

    // ---- latency at a steady rate
    const rate = Number(values.rate);
    const seconds = Number(values.seconds);
    log(`realtime bench: latency phase, ${rate} messages/s for ${seconds} s`);
    const lat = await sendPhase("latency", rate, seconds);
    await sleep(2000);
    const latencies = await collect("latency");
    const latency = stats(latencies);
    const minLatency = latencies.reduce((a, b) => Math.min(a, b), Infinity);
    log(`  ${latencies.length}/${lat.expected} deliveries, min ${ms(minLatency)} ms, p50 ${ms(latency.p50)} ms, p95 ${ms(latency.p95)} ms`);

    // ---- sustained steps
    const steps: Step[] = [];
    const stepSeconds = Number(values["step-seconds"]);
    for (const r of values.rates.split(",").map(Number)) {
      log(`realtime bench: step ${r} messages/s for ${stepSeconds} s`);
      const phase = `step-${r}`;
      const s = await sendPhase(phase, r, stepSeconds);
      await sleep(3000);
      const l = await collect(phase);
      const step: Step = {
        rate: r,
        seconds: stepSeconds,
        sent: s.sent,
        sentPerSecond: s.sentPerSecond,
        expected: s.expected,
        delivered: l.length,
        latency: stats(l),
      };
      steps.push(step);
      log(`  sent ${s.sentPerSecond.toFixed(0)}/s, delivered ${l.length}/${s.expected}, p50 ${ms(step.latency.p50)} ms, p95 ${ms(step.latency.p95)} ms`);
      // saturated (deliveries lag, or the database takes fewer sends than offered): stop climbing
      if (l.length < s.expected * 0.99 || step.latency.p95 > 5000 || s.sentPerSecond < 0.9 * r) break;
    }
    const sustained = steps
      .filter((s) => s.delivered === s.expected && s.latency.p95 < 1000)
      .sort((a, b) => b.sentPerSecond - a.sentPerSecond)[0];

    const latencyOk = latencies.length === lat.expected;
    const table = steps
      .map((s) =>
        `| ${s.rate} | ${s.sentPerSecond.toFixed(0)} | ${(s.sentPerSecond * (s.expected / Math.max(1, s.sent))).toFixed(0)} | ${s.delivered} / ${s.expected} | ${ms(s.latency.p50)} | ${ms(s.latency.p95)} | ${ms(s.latency.p99)} |`,
      )
      .join("\n");
    const body = `
\`npm run bench:realtime\` (scripts/bench/realtime.ts), ${new Date().toISOString().slice(0, 10)}: ${machine()}.
${nClients} users, each with its own realtime-js client (${nWorkers} worker processes) joined to one of ${nTopics} **private**
topics (${Math.round(nClients / nTopics)} per topic), authorised at join by a SELECT policy on \`realtime.messages\` that looks
the user up in a membership table with \`realtime.topic()\` and \`auth.uid()\`. Messages are \`select realtime.send(...)\`
calls (one transaction each) from a separate connection; each reaches the topic's members through the
publication and logical replication slot of the local Realtime server, as binary user-broadcast frames.
Latency is measured per delivery, from just before \`realtime.send\` to the client's broadcast callback.

- Joins: ${joinedTotal} of ${nClients} private joins succeeded in ${(connectMs / 1000).toFixed(1)} s (join p50 ${ms(joinStats.p50)} ms, p95 ${ms(joinStats.p95)} ms, 25 concurrent per worker).
- **Delivery latency** at ${rate} messages/s (${rate * Math.round(nClients / nTopics)} deliveries/s) for ${seconds} s: **p50 ${ms(latency.p50)} ms, p95 ${ms(latency.p95)} ms**, p99 ${ms(latency.p99)} ms, max ${ms(latency.max)} ms (${latencies.length} of ${lat.expected} deliveries).
- **Sustained**: ${sustained ? `**${sustained.sentPerSecond.toFixed(0)} messages/s** (${(sustained.sentPerSecond * Math.round(nClients / nTopics)).toFixed(0)} deliveries/s) for ${stepSeconds} s with every delivery made, p50 ${ms(sustained.latency.p50)} ms, p95 ${ms(sustained.latency.p95)} ms` : "no step delivered everything with p95 under 1 s"}; the last step shows where sending saturates.

**Sign-in** (\`signInWithPassword\`, password grant on the local Auth server through the gateway, ${signinClients} concurrent
supabase-js clients for ${signinSeconds} s, before the Realtime clients connect): **${signIn.perSecond.toFixed(1)} sign-ins/s**
(${signIn.done} made, ${signIn.failed} failed), p50 ${ms(signIn.latency.p50)} ms, p95 ${ms(signIn.latency.p95)} ms. Side by side, \`GET /auth/v1/health\`
with the same clients: ${health.perSecond.toFixed(0)} requests/s (p50 ${ms(health.latency.p50)} ms), so a sign-in costs
${(health.perSecond / Math.max(signIn.perSecond, 0.001)).toFixed(0)}× a trivial Auth request: the bcrypt check (cost 10, as GoTrue's;
pure-JavaScript bcryptjs on the gateway's one thread) and the session rows (audit, session, refresh token, AMR claims, the custom
access token hook) dominate.

| offered msg/s | sent msg/s | deliveries/s | delivered / expected | p50 ms | p95 ms | p99 ms |
|---|---|---|---|---|---|---|
${table}

Everything (PostgreSQL, the gateway with the Realtime server, the ${nWorkers} client processes and the sender) shares the machine's
${machine().split(" ")[0]} CPUs; the gateway is one Node thread that also decodes the replication stream and writes every frame.
The local server does not apply hosted Realtime's tenant quotas (100 events/s, 200 concurrent users by default, see
docs/realtime.md): these are capacities of the local stand-in, not of a hosted project.
`;
    process.stdout.write(body);
    if (!values["no-write"]) writeSection("Realtime (issue 9)", body);
    return latencyOk && failedTotal === 0 && signIn.failed === 0 ? 0 : 1;
  } finally {
    for (const w of workers) w.send("exit");
    await Promise.allSettled(workers.map((w) => w.done));
    await sql.end();
    if (values.keep) log(`stack kept running at ${p.apiUrl}`);
    else await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .then((code) => process.exit(code))
    .catch((e) => {
      process.stderr.write(`realtime bench failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
