/**
 * Messaging through the gateway with supabase-js and its Realtime client: a chat between a
 * customer and a provider about a listing (message, typing, presence, read receipt, inbox change
 * on user:<id>), attachments in chat-attachments, a stranger refused everywhere, and a block.
 */
import type { RealtimeChannel } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql, clientFor, createCategory, createProvider, newUser, type Actor } from "../support.ts";

const sql = adminSql();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Person extends Actor {
  token: string;
}

async function person(label: string): Promise<Person> {
  const { session, client } = await newUser(label);
  await client.realtime.setAuth(session.accessToken);
  return { id: session.user.id, email: session.user.email ?? "", client, token: session.accessToken };
}

const channels: RealtimeChannel[] = [];

/** Joins a private channel and resolves with its first status (SUBSCRIBED, CHANNEL_ERROR, ...). */
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

type Payload = Record<string, unknown> & { message?: Record<string, unknown> };

let customer: Person;
let provider: Person;
let stranger: Person;
let listing: string;

beforeAll(async () => {
  const category = await createCategory(sql, "it-chat", { en: "Cleaning", ar: "تنظيف" });
  [customer, provider, stranger] = await Promise.all([person("chat.customer"), person("chat.provider"), person("chat.stranger")]);
  const p = await createProvider(sql, "chat.provider", { at: { lat: 25.2, lng: 55.27 }, categoryId: category, user: provider });
  listing = p.listing;
});

afterAll(async () => {
  for (const ch of channels) await ch.unsubscribe();
  for (const p of [customer, provider, stranger]) p?.client.realtime.disconnect();
  await sql.end();
});

describe("a chat between a customer and a provider", () => {
  it("delivers messages, typing, presence and read receipts live, and refuses strangers", async () => {
    const started = await customer.client.rpc("start_conversation", { p_context_kind: "service_listing", p_context_id: listing });
    expect(started.error).toBeNull();
    const conv = started.data!.id;
    const topic = `conversation:${conv}`;

    const got = { customer: [] as Array<{ event: string; payload: Payload }>, provider: [] as Array<{ event: string; payload: Payload }>, inbox: [] as Payload[] };
    const custCh = customer.client.channel(topic, { config: { private: true, presence: { key: customer.id } } })
      .on("broadcast", { event: "*" }, (m) => got.customer.push({ event: m.event, payload: m.payload as Payload }))
      .on("presence", { event: "sync" }, () => {});
    const provCh = provider.client.channel(topic, { config: { private: true, presence: { key: provider.id } } })
      .on("broadcast", { event: "*" }, (m) => got.provider.push({ event: m.event, payload: m.payload as Payload }))
      .on("presence", { event: "sync" }, () => {});
    const provInbox = provider.client.channel(`user:${provider.id}`, { config: { private: true } })
      .on("broadcast", { event: "inbox.updated" }, (m) => got.inbox.push(m.payload as Payload));
    expect(await join(custCh)).toEqual({ status: "SUBSCRIBED", error: undefined });
    expect(await join(provCh)).toEqual({ status: "SUBSCRIBED", error: undefined });
    expect(await join(provInbox)).toEqual({ status: "SUBSCRIBED", error: undefined });

    // A message: broadcast by the database to the other participant, inbox change on user:<id>.
    const sent = await customer.client.rpc("send_message", { p_conversation_id: conv, p_body: "Hi! Can you come on Monday?", p_client_key: `it-${Date.now()}` });
    expect(sent.error).toBeNull();
    const created = await until("message.created", () => got.provider.find((m) => m.event === "message.created"));
    expect(created.payload.message).toMatchObject({ id: sent.data!.id, body: "Hi! Can you come on Monday?", author_id: customer.id, kind: "text" });
    const inbox = await until("inbox.updated", () => got.inbox.find((p) => p.conversation_id === conv && p.unread_count === 1));
    expect(inbox).toMatchObject({ last_message_id: sent.data!.id, archived: false });

    // Typing: a client broadcast between participants.
    expect(await provCh.send({ type: "broadcast", event: "typing", payload: { user_id: provider.id } })).toBe("ok");
    const typing = await until("typing", () => got.customer.find((m) => m.event === "typing"));
    expect(typing.payload).toEqual({ user_id: provider.id });

    // Presence: both participants track themselves.
    expect(await custCh.track({ online_at: new Date().toISOString() })).toBe("ok");
    await until("customer presence", () => provCh.presenceState()[customer.id]);

    // The provider reads it: the customer gets the read receipt.
    const read = await provider.client.rpc("mark_read", { p_conversation_id: conv });
    expect(read.data).toMatchObject({ unread_count: 0, last_read_message_id: sent.data!.id });
    const receipt = await until("message.read", () => got.customer.find((m) => m.event === "message.read"));
    expect(receipt.payload).toMatchObject({ conversation_id: conv, user_id: provider.id, last_read_message_id: sent.data!.id });

    // The inbox and history read the same state.
    const box = await customer.client.rpc("inbox", {});
    expect((box.data as { items: Array<Record<string, unknown>> }).items[0]).toMatchObject({
      conversation_id: conv, unread_count: 0, other_last_read_message_id: sent.data!.id,
      other: expect.objectContaining({ id: provider.id }),
    });
    const history = await provider.client.rpc("history", { p_conversation_id: conv });
    expect((history.data as { items: unknown[] }).items).toHaveLength(1);

    // A stranger: no send, no history, no subscription, no presence.
    const refused = await stranger.client.rpc("send_message", { p_conversation_id: conv, p_body: "let me in" });
    expect(refused.status).toBe(404);
    expect(refused.error?.code).toBe("HL500");
    expect((await stranger.client.rpc("history", { p_conversation_id: conv })).error?.code).toBe("HL500");
    const spy = await join(stranger.client.channel(topic, { config: { private: true } }));
    expect(spy.status).toBe("CHANNEL_ERROR");
    expect(spy.error).toContain("Unauthorized");

    // Bad input: one specific code each, nothing written.
    const long = await customer.client.rpc("send_message", { p_conversation_id: conv, p_body: "x".repeat(4001) });
    expect([long.status, long.error?.code]).toEqual([400, "HL510"]);
    const [{ n }] = await sql`select count(*)::int as n from public.messages where conversation_id = ${conv}`;
    expect(n).toBe(1);
  }, 60_000);

  it("keeps attachments to the participants", async () => {
    const conv = (await customer.client.rpc("start_conversation", { p_context_kind: "service_listing", p_context_id: listing })).data!.id;
    const path = `${conv}/${customer.id}/kitchen.png`;
    const png = new Blob([Buffer.from("89504e470d0a1a0a", "hex")], { type: "image/png" });
    const up = await customer.client.storage.from("chat-attachments").upload(path, png, { contentType: "image/png" });
    expect(up.error).toBeNull();
    const msg = await customer.client.rpc("send_message", { p_conversation_id: conv, p_kind: "image", p_attachment_path: path, p_body: "This one" });
    expect(msg.error).toBeNull();
    expect((await provider.client.storage.from("chat-attachments").createSignedUrl(path, 60)).error).toBeNull();
    const peek = await stranger.client.storage.from("chat-attachments").createSignedUrl(path, 60);
    expect(peek.error).not.toBeNull();
    const sneak = await stranger.client.storage.from("chat-attachments").upload(`${conv}/${stranger.id}/x.png`, png, { contentType: "image/png" });
    expect((sneak.error as { statusCode?: string } | null)?.statusCode).toBe("403");
  });

  it("blocks: the blocked provider can neither write nor listen to the customer", async () => {
    const conv = (await customer.client.rpc("start_conversation", { p_context_kind: "service_listing", p_context_id: listing })).data!.id;
    expect((await customer.client.rpc("block_user", { p_user_id: provider.id })).error).toBeNull();
    const res = await provider.client.rpc("send_message", { p_conversation_id: conv, p_body: "Why?" });
    expect([res.status, res.error?.code]).toEqual([403, "HL507"]);
    // A fresh connection of the provider's (the first test's channels are still joined).
    const fresh = clientFor(provider.token);
    await fresh.realtime.setAuth(provider.token);
    const listen = await join(fresh.channel(`conversation:${conv}`, { config: { private: true } }));
    expect(listen.status).toBe("CHANNEL_ERROR");
    fresh.realtime.disconnect();
    const start = await provider.client.rpc("start_conversation", { p_context_kind: "direct", p_other_user_id: customer.id });
    expect(start.error?.code).toBe("HL507");
    expect((await customer.client.rpc("unblock_user", { p_user_id: provider.id })).data).toBe(true);
    expect((await provider.client.rpc("send_message", { p_conversation_id: conv, p_body: "Thanks" })).error).toBeNull();
  }, 30_000);
});
