/**
 * The local Realtime server (platform/realtime) through the gateway, with the real supabase-js
 * (realtime-js over `ws`) and, for protocol misuse, raw WebSocket frames: Broadcast between
 * clients, Presence, private channels decided by RLS policies on realtime.messages (created here
 * with realtime.topic() and auth.uid(), dropped afterwards), Broadcast from Database through
 * logical replication, the HTTP broadcast API, tokens that expire or change, malformed and
 * oversized frames.
 */
import { createClient, type RealtimeChannel, type SupabaseClient } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ANON_KEY, JWT_SECRET, PUBLISHABLE_KEY, SERVICE_ROLE_KEY } from "../../scripts/lib/config.ts";
import { connect } from "../../scripts/lib/db.ts";
import { adminSql, newUser, stack } from "../support.ts";

const sql = adminSql();
const run = `${process.pid}x${Date.now().toString(36)}`;
/** Topics under rt-<run>: are governed by this file's policies; others by none. */
const privateTopic = (name: string) => `rt-${run}:${name}`;
let topicCounter = 0;
const publicTopic = (name: string) => `rt-public-${run}-${name}-${++topicCounter}`;

const wsUrl = `${stack.apiUrl.replace(/^http/, "ws")}/realtime/v1/websocket`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function jwt(claims: Record<string, unknown>, secret = JWT_SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}
const now = () => Math.floor(Date.now() / 1000);

// ---- clients ---------------------------------------------------------------------------------

const clients: SupabaseClient[] = [];

/** A supabase-js client whose Realtime connection uses `token` (the anon key without one). */
function rt(token?: string, realtime: Record<string, unknown> = {}): SupabaseClient {
  const c = createClient(stack.apiUrl, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never, ...realtime },
    global: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
  });
  if (token) void c.realtime.setAuth(token);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) {
    await c.removeAllChannels();
    c.realtime.disconnect();
  }
});

type Status = { status: string; error?: string };

/** Subscribes and resolves with the first SUBSCRIBED / CHANNEL_ERROR / TIMED_OUT / CLOSED. */
function subscribe(ch: RealtimeChannel, timeoutMs = 20_000): Promise<Status> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription status for ${ch.topic}`)), timeoutMs);
    let done = false;
    ch.subscribe((status, err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, error: err?.message });
    });
  });
}

/** Subscribes and expects SUBSCRIBED. */
async function joined(ch: RealtimeChannel): Promise<RealtimeChannel> {
  const s = await subscribe(ch);
  expect(s).toEqual({ status: "SUBSCRIBED", error: undefined });
  return ch;
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

// ---- raw sockets -----------------------------------------------------------------------------

interface Raw {
  ws: WebSocket;
  frames: Array<{ text?: unknown; binary?: Buffer }>;
  send(frame: unknown): void;
  next(pred: (f: { text?: unknown; binary?: Buffer }) => boolean, what: string, timeoutMs?: number): Promise<{ text?: unknown; binary?: Buffer }>;
  closed: Promise<{ code: number; reason: string }>;
}

function raw(query: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}?${query}`);
    const frames: Raw["frames"] = [];
    ws.on("message", (data, isBinary) => {
      const buf = Buffer.from(data as Buffer);
      frames.push(isBinary ? { binary: buf } : { text: JSON.parse(buf.toString("utf8")) });
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString() })));
    ws.on("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on("error", () => {});
    ws.on("open", () =>
      resolve({
        ws,
        frames,
        closed,
        send: (f) => ws.send(typeof f === "string" || Buffer.isBuffer(f) ? f : JSON.stringify(f)),
        next: async (pred, what, timeoutMs = 10_000) => {
          const f = await until(what, () => frames.find(pred), timeoutMs);
          frames.splice(frames.indexOf(f), 1);
          return f;
        },
      }),
    );
  });
}

/** The HTTP refusal of a socket upgrade: status and body. */
function refusal(query: string): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}?${query}`);
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
    });
    ws.on("open", () => {
      ws.close();
      reject(new Error("the socket was accepted"));
    });
    ws.on("error", () => {});
  });
}

const replyTo = (ref: string) => (f: { text?: unknown }) =>
  Array.isArray(f.text) && f.text[1] === ref && f.text[3] === "phx_reply";

// ---- users and policies ----------------------------------------------------------------------

let alice: { id: string; token: string }; // reads and writes the private topics
let bob: { id: string; token: string }; // reads only
let carol: { id: string; token: string }; // presence read only
let mallory: { id: string; token: string }; // nothing

async function user(label: string) {
  const { session } = await newUser(label);
  return { id: session.user.id, token: session.accessToken };
}

let policies = false;
async function ensurePolicies(): Promise<void> {
  if (policies) return;
  const ids = (xs: { id: string }[]) => `'{${xs.map((x) => x.id).join(",")}}'::uuid[]`;
  const topics = `'rt-${run}:%'`;
  await sql.unsafe(`
    create policy "rt-it read ${run}" on realtime.messages for select to authenticated using (
      (select realtime.topic()) like ${topics} and (
        (extension = 'broadcast' and (select auth.uid()) = any (${ids([alice, bob])}))
        or (extension = 'presence' and (select auth.uid()) = any (${ids([alice, bob, carol])}))))`);
  await sql.unsafe(`
    create policy "rt-it write ${run}" on realtime.messages for insert to authenticated with check (
      (select realtime.topic()) like ${topics} and extension in ('broadcast', 'presence')
      and (select auth.uid()) = any (${ids([alice])}))`);
  policies = true;
}

beforeAll(async () => {
  [alice, bob, carol, mallory] = await Promise.all([user("rt-alice"), user("rt-bob"), user("rt-carol"), user("rt-mallory")]);
});

afterAll(async () => {
  await sql.unsafe(`drop policy if exists "rt-it read ${run}" on realtime.messages`);
  await sql.unsafe(`drop policy if exists "rt-it write ${run}" on realtime.messages`);
  await sql`delete from realtime.messages where topic like ${`rt-${run}:%`} or topic like ${`rt-public-${run}-%`}`;
  await sql.end();
});

const storedRows = async (topic: string) =>
  Number((await sql`select count(*)::int as n from realtime.messages where topic = ${topic}`)[0].n);

// ---- tests -----------------------------------------------------------------------------------

describe("Broadcast between clients", () => {
  it("delivers a broadcast to the other client, not back to the sender unless `self`", async () => {
    const topic = publicTopic("chat");
    const got: Record<string, unknown[]> = { a: [], b: [], c: [] };
    const a = await joined(rt().channel(topic).on("broadcast", { event: "msg" }, (p) => got.a.push(p)));
    const b = await joined(rt().channel(topic).on("broadcast", { event: "msg" }, (p) => got.b.push(p)));
    const c = await joined(
      rt().channel(topic, { config: { broadcast: { self: true, ack: true } } }).on("broadcast", { event: "msg" }, (p) => got.c.push(p)),
    );
    expect(await a.send({ type: "broadcast", event: "msg", payload: { text: "hi from a" } })).toBe("ok");
    // ack: the reply arrives after the message was handed out
    expect(await c.send({ type: "broadcast", event: "msg", payload: { text: "hi from c" } })).toBe("ok");
    await until("b gets both", () => got.b.length === 2);
    await until("c gets a's and its own", () => got.c.length === 2);
    await sleep(200);
    expect(got.b).toEqual([
      { type: "broadcast", event: "msg", payload: { text: "hi from a" } },
      { type: "broadcast", event: "msg", payload: { text: "hi from c" } },
    ]);
    expect(got.a).toEqual([{ type: "broadcast", event: "msg", payload: { text: "hi from c" } }]);
    expect(got.c.map((p) => (p as { payload: unknown }).payload)).toEqual([{ text: "hi from a" }, { text: "hi from c" }]);
    void b;
  });

  it("works with the opaque publishable key (swapped for the anon JWT by the gateway)", async () => {
    const topic = publicTopic("publishable");
    const c = createClient(stack.apiUrl, PUBLISHABLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: WebSocket as never },
    });
    clients.push(c);
    const got: unknown[] = [];
    const ch = await joined(c.channel(topic, { config: { broadcast: { self: true } } }).on("broadcast", { event: "e" }, (p) => got.push(p)));
    await ch.send({ type: "broadcast", event: "e", payload: { ok: true } });
    await until("own message", () => got.length === 1);
    expect(await c.channel(topic).httpSend("e", { via: "http" })).toEqual({ success: true });
    await until("http message", () => got.length === 2);
  });

  it("speaks protocol 1.0.0 (JSON objects) to clients that ask for it", async () => {
    const topic = publicTopic("v1");
    const got: unknown[] = [];
    const v1 = await joined(rt(undefined, { vsn: "1.0.0" }).channel(topic).on("broadcast", { event: "e" }, (p) => got.push(p)));
    const v2 = await joined(rt().channel(topic));
    // a v2 client sends a binary user broadcast (kind 3); the v1 client receives it as JSON
    await v2.send({ type: "broadcast", event: "e", payload: { n: 1 } });
    await until("v1 message", () => got.length === 1);
    expect(got[0]).toEqual({ type: "broadcast", event: "e", payload: { n: 1 } });
    await v1.send({ type: "broadcast", event: "e", payload: { n: 2 } });
  });
});

describe("Presence", () => {
  it("shows a join and a leave to the other client", async () => {
    const topic = publicTopic("presence");
    const joins: Array<{ key: string; metas: unknown[] }> = [];
    const leaves: Array<{ key: string }> = [];
    const watcher = await joined(
      rt()
        .channel(topic)
        .on("presence", { event: "join" }, ({ key, newPresences }) => joins.push({ key, metas: newPresences }))
        .on("presence", { event: "leave" }, ({ key }) => leaves.push({ key })),
    );
    const otherClient = rt();
    const other = await joined(otherClient.channel(topic, { config: { presence: { key: "user-42" } } }).on("presence", { event: "sync" }, () => {}));
    expect(await other.track({ status: "online" })).toBe("ok");
    const join = await until("join", () => joins.find((j) => j.key === "user-42"));
    expect(join.metas).toEqual([expect.objectContaining({ status: "online" })]);
    expect(watcher.presenceState()["user-42"]).toEqual([expect.objectContaining({ status: "online" })]);
    await otherClient.removeChannel(other);
    await until("leave", () => leaves.find((l) => l.key === "user-42"));
    expect(watcher.presenceState()["user-42"]).toBeUndefined();
  });

  it("sends presence_state on join with what others track, and refuses a non-object track", async () => {
    const topic = publicTopic("presence-state");
    const first = await joined(rt().channel(topic, { config: { presence: { key: "first" } } }).on("presence", { event: "sync" }, () => {}));
    await first.track({ at: 1 });
    const second = await joined(rt().channel(topic).on("presence", { event: "sync" }, () => {}));
    await until("state with first", () => second.presenceState().first);
    const s = await raw(`apikey=${ANON_KEY}&vsn=2.0.0`);
    s.send(["1", "1", `realtime:${topic}`, "phx_join", { config: { presence: { enabled: true } } }]);
    await s.next(replyTo("1"), "join reply");
    const state = await s.next((f) => Array.isArray(f.text) && f.text[3] === "presence_state", "presence_state");
    expect(Object.keys((state.text as unknown[])[4] as object)).toContain("first");
    s.send(["1", "2", `realtime:${topic}`, "presence", { type: "presence", event: "track", payload: "not a map" }]);
    const reply = await s.next(replyTo("2"), "track reply");
    expect((reply.text as unknown[])[4]).toEqual({ response: { reason: "Presence track payload must be a map" }, status: "error" });
    s.ws.close();
  });
});

describe("Private channels", () => {
  it("refuses a join without a policy and accepts it once a policy allows it", async () => {
    const topic = privateTopic("room-1");
    const refused = rt(alice.token).channel(topic, { config: { private: true } });
    const started = Date.now();
    const s = await subscribe(refused);
    expect(s).toEqual({
      status: "CHANNEL_ERROR",
      error: `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500); // Realtime's 5 s error backoff
    await refused.unsubscribe();

    await ensurePolicies();
    await joined(rt(alice.token).channel(topic, { config: { private: true } }));
    // still refused for a user the policy does not name, and for the anon key
    const other = await subscribe(rt(mallory.token).channel(topic, { config: { private: true } }));
    expect(other.status).toBe("CHANNEL_ERROR");
    expect(other.error).toMatch(/^Unauthorized: You do not have permissions to read from this Channel topic/);
  });

  it("keeps public and private channels of the same name apart", async () => {
    await ensurePolicies();
    const topic = privateTopic("room-ns");
    const priv: unknown[] = [];
    const pub: unknown[] = [];
    const a = await joined(rt(alice.token).channel(topic, { config: { private: true } }).on("broadcast", { event: "m" }, (p) => priv.push(p)));
    await joined(rt(mallory.token).channel(topic).on("broadcast", { event: "m" }, (p) => pub.push(p)));
    const b = await joined(rt(bob.token).channel(topic, { config: { private: true } }));
    await b.send({ type: "broadcast", event: "m", payload: { from: "bob, no write" } });
    const m = await joined(rt(mallory.token).channel(topic));
    await m.send({ type: "broadcast", event: "m", payload: { from: "public" } });
    await until("public message", () => pub.length === 1);
    await sleep(300);
    expect(priv).toEqual([]);
    expect(pub).toEqual([{ type: "broadcast", event: "m", payload: { from: "public" } }]);
    void a;
  });

  it("drops a broadcast from a member without the INSERT policy and writes nothing", async () => {
    await ensurePolicies();
    const topic = privateTopic("room-write");
    const atBob: unknown[] = [];
    const atAlice: unknown[] = [];
    const a = await joined(rt(alice.token).channel(topic, { config: { private: true } }).on("broadcast", { event: "m" }, (p) => atAlice.push(p)));
    const b = await joined(
      rt(bob.token).channel(topic, { config: { private: true, broadcast: { ack: true } } }).on("broadcast", { event: "m" }, (p) => atBob.push(p)),
    );
    // No INSERT policy for bob: no reply even with ack (the push times out), nothing delivered.
    expect(await b.send({ type: "broadcast", event: "m", payload: { n: "from bob" } }, { timeout: 1500 })).toBe("timed out");
    expect(await a.send({ type: "broadcast", event: "m", payload: { n: "from alice" } })).toBe("ok");
    await until("bob receives alice's message", () => atBob.length === 1);
    await sleep(300);
    expect(atAlice).toEqual([]);
    expect(atBob).toEqual([{ type: "broadcast", event: "m", payload: { n: "from alice" } }]);
    // the read and write checks roll their probe rows back
    expect(await storedRows(topic)).toBe(0);
  });

  it("lets a member track presence only with the INSERT policy", async () => {
    await ensurePolicies();
    const topic = privateTopic("room-presence");
    const a = await joined(rt(alice.token).channel(topic, { config: { private: true, presence: { key: "alice" } } }).on("presence", { event: "sync" }, () => {}));
    const b = await joined(rt(bob.token).channel(topic, { config: { private: true, presence: { key: "bob" } } }).on("presence", { event: "sync" }, () => {}));
    expect(await a.track({ here: true })).toBe("ok");
    expect(await b.track({ here: true })).toBe("error");
    await until("bob sees alice", () => b.presenceState().alice);
    expect(a.presenceState().bob).toBeUndefined();
    expect(await storedRows(topic)).toBe(0);
  });
});

describe("Broadcast from Database", () => {
  it("delivers realtime.send to an authorised subscriber and not to others", async () => {
    await ensurePolicies();
    const topic = privateTopic("db");
    const atAlice: Array<Record<string, unknown>> = [];
    const atCarol: unknown[] = [];
    const atPublic: unknown[] = [];
    await joined(rt(alice.token).channel(topic, { config: { private: true } }).on("broadcast", { event: "new_message" }, (p) => atAlice.push(p)));
    // carol may read presence only: she joins, but receives no broadcasts
    await joined(
      rt(carol.token).channel(topic, { config: { private: true } }).on("broadcast", { event: "new_message" }, (p) => atCarol.push(p))
        .on("presence", { event: "sync" }, () => {}),
    );
    await joined(rt(mallory.token).channel(topic).on("broadcast", { event: "new_message" }, (p) => atPublic.push(p)));

    await sql`select realtime.send(${sql.json({ body: "hello" })}, 'new_message', ${topic}, true)`;
    const msg = await until("alice gets the database message", () => atAlice[0]);
    const [row] = await sql`select id, payload from realtime.messages where topic = ${topic} and extension = 'broadcast'`;
    expect(msg).toEqual({ type: "broadcast", event: "new_message", payload: { body: "hello", id: row.id }, meta: { id: row.id } });
    await sleep(300);
    expect(atCarol).toEqual([]);
    expect(atPublic).toEqual([]);

    // a public send reaches the public channel only
    await sql`select realtime.send(${sql.json({ body: "to everyone" })}, 'new_message', ${topic}, false)`;
    await until("public subscriber gets the public message", () => atPublic.length === 1);
    await sleep(200);
    expect(atAlice).toHaveLength(1);
  });

  it("delivers broadcast_changes rows and send_binary bytes", async () => {
    await ensurePolicies();
    const topic = privateTopic("db-changes");
    const got: Array<Record<string, unknown>> = [];
    await joined(rt(alice.token).channel(topic, { config: { private: true } }).on("broadcast", { event: "*" }, (p) => got.push(p)));
    await sql`
      select realtime.broadcast_changes(${topic}, 'INSERT', 'INSERT', 'notes', 'public', r, null)
        from (select 7 as id, 'first' as title) r`;
    await sql`select realtime.send_binary(${Buffer.from([1, 2, 3, 250])}, 'bytes', ${topic}, true)`;
    await until("two messages", () => got.length === 2);
    expect(got[0]).toMatchObject({
      event: "INSERT",
      payload: { old_record: null, record: { id: 7, title: "first" }, operation: "INSERT", table: "notes", schema: "public" },
    });
    expect(got[1].event).toBe("bytes");
    expect([...new Uint8Array(got[1].payload as ArrayBuffer)]).toEqual([1, 2, 3, 250]);
  });

  it("replays stored private broadcasts on join and reports replication ready", async () => {
    await ensurePolicies();
    const topic = privateTopic("replay");
    const since = Date.now() - 60_000;
    for (const n of [1, 2, 3]) await sql`select realtime.send(${sql.json({ n })}, 'old', ${topic}, true)`;
    const got: Array<{ payload: { n: number }; meta: { id: string; replayed: boolean } }> = [];
    const system: Array<Record<string, unknown>> = [];
    await joined(
      rt(alice.token)
        .channel(topic, { config: { private: true, broadcast: { replay: { since, limit: 2 }, replication_ready: true } } })
        .on("broadcast", { event: "old" }, (p) => got.push(p as never))
        .on("system", {}, (p) => system.push(p)),
    );
    // The three sends may still be on their way through replication when the channel joins: a live
    // delivery of one of them (not replayed) is legitimate, so only the replayed ones are counted.
    const replayed = () => got.filter((m) => m.meta?.replayed === true);
    await until("two replayed messages", () => replayed().length >= 2);
    await sleep(200);
    expect(replayed().map((m) => m.payload.n)).toEqual([2, 3]); // the newest `limit`, oldest first
    expect(replayed().every((m) => m.meta.id)).toBe(true);
    expect(new Set(got.map((m) => m.meta.id)).size).toBe(got.length); // nothing delivered twice
    await until("replication ready", () => system.find((m) => m.message === "Replication connection established"));
  });

  it("lets a caller without an INSERT policy send nothing (realtime.send only warns)", async () => {
    await ensurePolicies();
    const topic = privateTopic("db-denied");
    const got: unknown[] = [];
    await joined(rt(alice.token).channel(topic, { config: { private: true } }).on("broadcast", { event: "x" }, (p) => got.push(p)));
    await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: mallory.id, role: "authenticated" })}, true)`;
      await tx`select realtime.send('{"a":1}'::jsonb, 'x', ${topic}, true)`;
    });
    await sleep(500);
    expect(got).toEqual([]);
    expect(await storedRows(topic)).toBe(0);
  });
});

describe("Broadcast from Database, recovery", () => {
  it("resumes streaming after its replication connection is killed (watchdog)", async () => {
    const topic = publicTopic("db-recover");
    const got: unknown[] = [];
    await joined(rt().channel(topic).on("broadcast", { event: "after" }, (p) => got.push(p)));
    const superuser = connect(stack, "supabase_admin", { max: 1 });
    try {
      const killed = await superuser`
        select pg_terminate_backend(active_pid) as ok from pg_replication_slots
         where active_pid is not null and slot_type = 'logical' and database = current_database()`;
      expect(killed.length).toBeGreaterThan(0);
    } finally {
      await superuser.end();
    }
    // messages sent while the stream is down are lost (a temporary slot), as with Realtime;
    // keep sending until one arrives through the new slot
    const deadline = Date.now() + 20_000;
    while (got.length === 0) {
      if (Date.now() > deadline) throw new Error("no message after the replication connection was killed");
      await sql`select realtime.send('{"n":1}'::jsonb, 'after', ${topic}, false)`;
      await sleep(500);
    }
  });
});

describe("HTTP broadcast", () => {
  const api = `${stack.apiUrl}/realtime/v1/api/broadcast`;

  it("delivers httpSend and the batch form, public and private", async () => {
    await ensurePolicies();
    const pub = publicTopic("http");
    const priv = privateTopic("http");
    const atPub: unknown[] = [];
    const atPriv: unknown[] = [];
    await joined(rt().channel(pub).on("broadcast", { event: "*" }, (p) => atPub.push(p)));
    await joined(rt(bob.token).channel(priv, { config: { private: true } }).on("broadcast", { event: "*" }, (p) => atPriv.push(p)));

    expect(await rt().channel(pub).httpSend("single", { a: 1 })).toEqual({ success: true });
    expect(await rt(alice.token).channel(priv, { config: { private: true } }).httpSend("single", { b: 2 })).toEqual({ success: true });
    await expect(rt(bob.token).channel(priv, { config: { private: true } }).httpSend("single", { c: 3 })).rejects.toThrow("Unauthorized");

    const batch = (token: string, messages: unknown[]) =>
      fetch(api, { method: "POST", headers: { apikey: ANON_KEY, Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify({ messages }) });
    const r1 = await batch(SERVICE_ROLE_KEY, [
      { topic: pub, event: "batch", payload: { d: 4 }, id: "m-1" },
      { topic: priv, event: "batch", payload: { e: 5 }, private: true },
    ]);
    expect(r1.status).toBe(202);
    const r2 = await batch(mallory.token, [{ topic: priv, event: "batch", payload: { f: 6 }, private: true }]);
    expect(r2.status).toBe(202); // unauthorised private messages are dropped silently

    await until("public messages", () => atPub.length === 2);
    await until("private messages", () => atPriv.length === 2);
    await sleep(300);
    expect(atPub).toEqual([
      { type: "broadcast", event: "single", payload: { a: 1 } },
      { type: "broadcast", event: "batch", payload: { d: 4 }, meta: { id: "m-1" } },
    ]);
    expect(atPriv).toEqual([
      { type: "broadcast", event: "single", payload: { b: 2 } },
      { type: "broadcast", event: "batch", payload: { e: 5 } },
    ]);
  });

  it("answers bad requests as Realtime does", async () => {
    const post = (body: string, headers: Record<string, string>, url = api) => fetch(url, { method: "POST", headers, body });
    const json = { apikey: ANON_KEY, "Content-Type": "application/json" };
    const r401 = await fetch(api, { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer nope", apikey: ANON_KEY }, body: "{}" });
    expect(r401.status).toBe(401);
    expect(await r401.json()).toEqual({ message: "Unauthorized" });
    const r422 = await post(JSON.stringify({ messages: [{ topic: "t", event: "e", payload: { ok: 1 } }, { event: "e", payload: "x" }] }), json);
    expect(r422.status).toBe(422);
    expect(await r422.json()).toEqual({ errors: { messages: [{}, { topic: ["can't be blank"], payload: ["is invalid"] }] } });
    const empty = await post("{}", json);
    expect(await empty.json()).toEqual({ errors: { messages: ["can't be blank"] } });
    expect((await post("{not json", json)).status).toBe(400);
    const r415 = await post("x", { apikey: ANON_KEY, "Content-Type": "text/plain" }, `${api}/t/events/e`);
    expect(r415.status).toBe(415);
    expect(await r415.json()).toEqual({ error: "Unsupported Media Type. Use application/json or application/octet-stream" });
  });
});

describe("tokens and misuse", () => {
  it("refuses sockets with expired, forged or missing tokens after Realtime's 2 s backoff", async () => {
    const expired = await jwt({ role: "authenticated", sub: alice.id, exp: now() - 60, iat: now() - 3660 });
    const forged = await jwt({ role: "anon", exp: now() + 3600 }, "another-secret-another-secret-another-secret");
    const noExp = await jwt({ role: "anon" });
    const results = await Promise.all([
      refusal(`apikey=${expired}&vsn=2.0.0`),
      refusal(`apikey=${forged}&vsn=2.0.0`),
      refusal(`apikey=${noExp}&vsn=2.0.0`),
      refusal(`apikey=garbage&vsn=2.0.0`),
      refusal(`vsn=2.0.0`),
    ]);
    expect(results.map((r) => [r.status, JSON.parse(r.body)])).toEqual([
      [401, { error: "Token has expired" }],
      [401, { error: "Failed to validate JWT signature" }],
      [401, { error: "Fields `role` and `exp` are required in JWT" }],
      [401, { error: "The token provided is not a valid JWT" }],
      [401, { error: "API key is missing" }],
    ]);
    for (const r of results) expect(r.ms).toBeGreaterThanOrEqual(1_900);
    const badVsn = await refusal(`apikey=${ANON_KEY}&vsn=3.0.0`);
    expect([badVsn.status, badVsn.body]).toEqual([403, ""]);
  });

  it("refuses a join with an expired access token", async () => {
    const expired = await jwt({ role: "authenticated", sub: alice.id, exp: now() - 30, iat: now() - 3600 });
    const s = await subscribe(rt(expired).channel(publicTopic("expired")));
    expect(s.status).toBe("CHANNEL_ERROR");
    expect(s.error).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
  });

  it("closes a channel when its token expires, and when a new token may not read", async () => {
    await ensurePolicies();
    const shortLived = await jwt({ role: "authenticated", sub: alice.id, exp: now() + 2, iat: now() });
    const system: Array<Record<string, unknown>> = [];
    const statuses: string[] = [];
    const ch = rt(shortLived).channel(privateTopic("expiry"), { config: { private: true } }).on("system", {}, (p) => system.push(p));
    ch.subscribe((s) => statuses.push(s));
    await until("subscribed", () => statuses.includes("SUBSCRIBED"));
    await until("closed", () => statuses.includes("CLOSED"), 8_000);
    expect(system).toEqual([
      { channel: privateTopic("expiry"), extension: "system", message: expect.stringMatching(/^Token has expired \d+ seconds ago$/), status: "error" },
    ]);

    const c = rt(alice.token);
    const sys2: Array<Record<string, unknown>> = [];
    const st2: string[] = [];
    const ch2 = c.channel(privateTopic("swap"), { config: { private: true } }).on("system", {}, (p) => sys2.push(p));
    ch2.subscribe((s) => st2.push(s));
    await until("subscribed", () => st2.includes("SUBSCRIBED"));
    await c.realtime.setAuth(mallory.token); // pushes access_token: re-authorised, no read
    await until("closed", () => st2.includes("CLOSED"));
    expect(sys2[0]).toMatchObject({
      extension: "system",
      status: "error",
      message: `You do not have permissions to read from this Channel topic: ${privateTopic("swap")}`,
    });
  });

  it("answers postgres_changes bindings as Realtime does when nothing is published", async () => {
    const system: Array<Record<string, unknown>> = [];
    const ch = rt()
      .channel(publicTopic("pg"))
      .on("postgres_changes", { event: "INSERT", schema: "public", table: "categories", filter: "slug=eq.x" }, () => {})
      .on("system", {}, (p) => system.push(p));
    await joined(ch);
    const msg = await until("system message", () => system[0]);
    expect(msg).toMatchObject({
      extension: "postgres_changes",
      status: "error",
      message:
        "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: " +
        '[event: INSERT, schema: public, table: categories, filters: [{"slug", "eq", "x", false}], select: nil]',
    });
  });

  it("survives malformed and oversized frames, writes nothing and keeps answering", async () => {
    const s = await raw(`apikey=${ANON_KEY}&vsn=2.0.0`);
    const topic = `realtime:${publicTopic("misuse")}`;
    s.send("this is not json");
    s.send("[1, 2]");
    s.send(JSON.stringify({ not: "an array" }));
    s.send(Buffer.from([9, 9, 9]));
    s.send(Buffer.from([3, 200, 1])); // a kind 3 frame shorter than its lengths
    s.send([null, "r1", "phoenix", "heartbeat", {}]);
    expect((await s.next(replyTo("r1"), "heartbeat reply")).text).toEqual([null, "r1", "phoenix", "phx_reply", { response: {}, status: "ok" }]);
    // pushes to a topic that is not joined
    s.send(["9", "r2", topic, "broadcast", { type: "broadcast", event: "x", payload: {} }]);
    expect((await s.next(replyTo("r2"), "unmatched")).text).toEqual([null, "r2", topic, "phx_reply", { response: { reason: "unmatched topic" }, status: "error" }]);
    // a join of a topic outside realtime:*
    s.send(["3", "r3", "room:lobby", "phx_join", {}]);
    expect((await s.next(replyTo("r3"), "unmatched join")).text).toEqual([null, "r3", "room:lobby", "phx_reply", { response: { reason: "unmatched topic" }, status: "error" }]);
    // join with ack and send a broadcast over Realtime's payload limit (3 MB)
    s.send(["4", "r4", topic, "phx_join", { config: { broadcast: { ack: true } } }]);
    expect(((await s.next(replyTo("r4"), "join")).text as unknown[])[4]).toEqual({ response: { postgres_changes: [] }, status: "ok" });
    s.send(["4", "r5", topic, "broadcast", { type: "broadcast", event: "big", payload: { blob: "x".repeat(3_100_000) } }]);
    expect(((await s.next(replyTo("r5"), "size reply")).text as unknown[])[4]).toEqual({ response: "payload_size_exceeded", status: "error" });
    s.send(["4", "r6", topic, "phx_leave", {}]);
    await s.next(replyTo("r6"), "leave reply");
    expect((await s.next((f) => Array.isArray(f.text) && f.text[3] === "phx_close", "phx_close")).text).toEqual(["4", "4", topic, "phx_close", {}]);
    // a frame over the 5 MB frame limit closes this socket (1009) ...
    s.send("x".repeat(5_100_000));
    expect((await s.closed).code).toBe(1009);
    // ... and the server keeps serving
    const again = await raw(`apikey=${ANON_KEY}&vsn=1.0.0`);
    again.send({ topic: "phoenix", event: "heartbeat", payload: {}, ref: "h1" });
    const hb = await again.next((f) => (f.text as { ref?: string })?.ref === "h1", "v1 heartbeat");
    expect(hb.text).toEqual({ event: "phx_reply", payload: { response: {}, status: "ok" }, ref: "h1", topic: "phoenix" });
    again.ws.close();
    expect(await storedRows(topic.slice("realtime:".length))).toBe(0);
  });
});
