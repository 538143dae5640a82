/**
 * Notifications and push through the gateway with supabase-js: device tokens registered by their
 * owner, notifications arriving live on the private topic user:<id>, the list and mark-read RPCs,
 * and the `push` edge function with the recording provider (the local default): batching, retry
 * with exponential backoff, dead letter, removal of tokens the provider reports unregistered,
 * quiet hours. The pg_cron job that calls `push` every minute is paused meanwhile (push.dispatch_enabled) so
 * that this file drives every run; a last test lets it run: cron → pg_net → push.
 */
import type { RealtimeChannel, SupabaseClient } from "@supabase/supabase-js";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql, clientFor, newUser, serviceClient } from "../support.ts";

const sql = adminSql();
const run = `${process.pid}${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface User {
  id: string;
  token: string;
  client: SupabaseClient;
}
async function user(label: string): Promise<User> {
  const { session, client } = await newUser(label);
  return { id: session.user.id, token: session.accessToken, client: client as unknown as SupabaseClient };
}

async function invokePush(body: Record<string, unknown> = {}) {
  const { data, error } = await serviceClient().functions.invoke("push", { method: "POST", body });
  if (error) {
    const res = (error as FunctionsHttpError).context as Response | undefined;
    throw new Error(`push failed: ${res ? `${res.status} ${await res.text()}` : error.message}`);
  }
  return data as { batches: number; claimed: number; sent: number; retry: number; dead: number; unregistered: number; stale: number; provider: string };
}

async function notify(userId: string, kind: string, payload: Record<string, unknown>) {
  await sql`select private.notify(${userId}::uuid, ${kind}, ${sql.json(payload as never)})`;
}

/** The user's deliveries with their token. */
async function deliveries(userId: string) {
  return sql<{ id: string; status: string; attempts: number; token: string | null; due_in: number; last_error: string | null }[]>`
    select d.id::text, d.status, d.attempts, t.token, extract(epoch from d.next_attempt_at - now())::float8 as due_in, d.last_error
      from private.push_deliveries d left join public.device_tokens t on t.id = d.device_token_id
     where d.user_id = ${userId}::uuid order by d.id`;
}

// Pause the pg_cron dispatch (the operator's switch) while this file drives the runs.
beforeAll(async () => {
  await sql`update private.settings set value = 'false' where key = 'push.dispatch_enabled'`;
  // Deliveries left by earlier runs on a kept stack stay out of this file's counts.
  await sql`update private.push_deliveries set status = 'skipped', last_error = 'test cleanup' where status in ('pending', 'sending')`;
});
afterAll(async () => {
  await sql`update private.settings set value = 'true' where key = 'push.dispatch_enabled'`;
  await sql.end();
});

describe("notifications", () => {
  it("arrive live on user:<id>, are listed in the user's language and marked read", async () => {
    const ann = await user("notif-ann");
    const stranger = await user("notif-stranger");
    const rt = clientFor(ann.token);
    await rt.realtime.setAuth(ann.token);
    const got: Record<string, unknown>[] = [];
    const channel: RealtimeChannel = rt.channel(`user:${ann.id}`, { config: { private: true } })
      .on("broadcast", { event: "notification.created" }, (m) => got.push(m.payload as Record<string, unknown>));
    await new Promise<void>((resolve, reject) =>
      channel.subscribe((status, err) => (status === "SUBSCRIBED" ? resolve() : status !== "CLOSED" && reject(err ?? new Error(status)))));

    // A stranger cannot listen on Ann's topic.
    const spy = clientFor(stranger.token);
    await spy.realtime.setAuth(stranger.token);
    const refused = await new Promise<string>((resolve) =>
      spy.channel(`user:${ann.id}`, { config: { private: true } }).subscribe((status) => status !== "SUBSCRIBED" ? resolve(status) : resolve("SUBSCRIBED")));
    expect(refused).toBe("CHANNEL_ERROR");

    await notify(ann.id, "booking.reminder", { booking_id: crypto.randomUUID(), reference: `HL-${run}`, minutes_before: 30 });
    for (let i = 0; i < 100 && got.length === 0; i++) await sleep(100);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ kind: "booking.reminder", title_key: "booking.reminder.title", params: { reference: `HL-${run}`, minutes_before: 30 } });

    const { data: list, error } = await ann.client.rpc("list_notifications", { p_limit: 10, p_locale: "ar" });
    expect(error).toBeNull();
    expect(list).toHaveLength(1);
    expect(list![0]).toMatchObject({ title: "حجز قادم", body: `يبدأ الحجز HL-${run} بعد 30 دقيقة.`, read_at: null });
    const { data: notOwned, error: refusedMark } = await stranger.client.rpc("mark_notifications_read", { p_ids: [list![0].id] });
    expect(notOwned).toBeNull();
    expect(refusedMark?.code).toBe("HL572");
    expect((await ann.client.rpc("mark_notifications_read", { p_ids: [list![0].id] })).data).toBe(1);
    expect((await ann.client.rpc("unread_notification_count")).data).toBe(0);
    await rt.removeAllChannels();
    rt.realtime.disconnect();
    await spy.removeAllChannels();
    spy.realtime.disconnect();
  });

  it("device tokens: registered and removed by their owner, moved when another user registers them", async () => {
    const ann = await user("token-ann");
    const bob = await user("token-bob");
    const { error: bad } = await ann.client.rpc("register_device_token", { p_token: "x", p_platform: "fcm" });
    expect(bad?.code).toBe("HL573");
    expect((await ann.client.rpc("register_device_token", { p_token: `device-${run}-shared`, p_platform: "web" })).error).toBeNull();
    expect((await bob.client.rpc("unregister_device_token", { p_token: `device-${run}-shared` })).error?.code).toBe("HL574");
    expect((await bob.client.from("device_tokens").select("token")).data).toEqual([]);
    expect((await bob.client.rpc("register_device_token", { p_token: `device-${run}-shared`, p_platform: "web" })).error).toBeNull();
    expect((await ann.client.from("device_tokens").select("token")).data).toEqual([]);
    expect((await bob.client.from("device_tokens").select("token")).data).toEqual([{ token: `device-${run}-shared` }]);
    expect((await bob.client.rpc("unregister_device_token", { p_token: `device-${run}-shared` })).error).toBeNull();
    expect((await bob.client.from("device_tokens").select("token")).data).toEqual([]);
  });
});

describe("push dispatch (recording provider)", () => {
  it("sends in batches, retries with backoff, dead-letters, removes unregistered tokens", async () => {
    const cid = await user("push-customer");
    const tokens = { okA: `ok-a-${run}`, okB: `ok-b-${run}`, fail: `fail-${run}`, gone: `unregistered-${run}` };
    for (const t of Object.values(tokens)) {
      const { error } = await cid.client.rpc("register_device_token", { p_token: t, p_platform: "fcm", p_locale: "en" });
      expect(error).toBeNull();
    }
    const refs = [1, 2, 3].map((i) => `HL-${run}-${i}`);
    for (const reference of refs) await notify(cid.id, "booking.accepted", { booking_id: crypto.randomUUID(), reference });
    expect(await deliveries(cid.id)).toHaveLength(12);

    // Only the service role may run the dispatcher.
    const { error: asUser } = await cid.client.functions.invoke("push", { method: "POST", body: {} });
    expect(((asUser as FunctionsHttpError).context as Response).status).toBe(403);

    const first = await invokePush({ batch_size: 5 });
    expect(first.provider).toBe("recording");
    // Claims of at most 5: the unregistered token is deleted after the batch that reported it, so
    // its later deliveries are skipped at claim time instead of being claimed.
    expect(first.batches).toBeGreaterThanOrEqual(Math.ceil(first.claimed / 5));
    expect(first.claimed).toBeGreaterThanOrEqual(10);
    expect(first.sent).toBe(6);
    expect(first.retry).toBe(3);
    expect(first.unregistered).toBeGreaterThanOrEqual(1);

    const after = await deliveries(cid.id);
    const byStatus = (s: string) => after.filter((d) => d.status === s);
    expect(byStatus("sent")).toHaveLength(6);
    expect(byStatus("skipped")).toHaveLength(3);
    expect(byStatus("pending")).toHaveLength(3);
    expect(byStatus("pending").every((d) => d.token === tokens.fail && d.attempts === 1 && d.due_in > 20 && d.due_in <= 30)).toBe(true);
    expect((await cid.client.from("device_tokens").select("token").order("token")).data!.map((r) => r.token))
      .toEqual([tokens.fail, tokens.okA, tokens.okB].sort());

    // What the recording provider "sent".
    const recorded = await sql<{ token: string; title: string; body: string; deep_link: string }[]>`
      select a.request ->> 'token' as token, a.request ->> 'title' as title, a.request ->> 'body' as body,
             a.request ->> 'deep_link' as deep_link
        from private.push_attempts a join private.push_deliveries d on d.id = a.delivery_id
       where d.user_id = ${cid.id}::uuid and a.outcome = 'sent' and a.provider = 'recording'`;
    expect(recorded).toHaveLength(6);
    expect(new Set(recorded.map((r) => r.body))).toEqual(new Set(refs.map((r) => `Booking ${r} is confirmed.`)));
    expect(recorded.every((r) => r.title === "Booking confirmed" && r.deep_link.startsWith("hyperlocal://bookings/"))).toBe(true);

    // Nothing is due yet: a run sends nothing.
    expect((await invokePush()).claimed).toBe(0);

    // Time passes (the retries fall due): the delay doubles at each failure, then the 5th failure
    // dead-letters (push.max_attempts).
    const delays: number[] = [];
    for (let attempt = 2; attempt <= 5; attempt++) {
      await sql`update private.push_deliveries set next_attempt_at = now() where user_id = ${cid.id}::uuid and status = 'pending'`;
      const r = await invokePush();
      expect(r.claimed).toBe(3);
      const pending = (await deliveries(cid.id)).filter((d) => d.status === "pending");
      if (attempt < 5) {
        expect(r.retry).toBe(3);
        delays.push(Math.round(pending[0].due_in / 10) * 10);
      } else {
        expect(r.dead).toBe(3);
        expect(pending).toHaveLength(0);
      }
    }
    expect(delays).toEqual([60, 120, 240]);
    const dead = (await deliveries(cid.id)).filter((d) => d.status === "dead");
    expect(dead).toHaveLength(3);
    expect(dead.every((d) => d.attempts === 5 && d.last_error?.includes("simulated transient failure"))).toBe(true);
  });

  it("defers pushes inside the user's quiet hours", async () => {
    const quiet = await user("push-quiet");
    await quiet.client.rpc("register_device_token", { p_token: `ok-quiet-${run}`, p_platform: "fcm" });
    // Quiet from now (UTC) to two hours from now.
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const now = new Date();
    const { error } = await quiet.client.rpc("set_quiet_hours", {
      p_start: hhmm(new Date(now.getTime() - 60_000)), p_end: hhmm(new Date(now.getTime() + 2 * 3600_000)), p_time_zone: "UTC",
    });
    expect(error).toBeNull();
    await notify(quiet.id, "job.matched", { job_id: crypto.randomUUID(), title: "Fix a tap" });
    await invokePush();
    const [d] = await deliveries(quiet.id);
    expect(d.status).toBe("pending");
    expect(d.attempts).toBe(0);
    expect(d.due_in).toBeGreaterThan(3600);
  });

  it("is scheduled: pg_cron calls the function through the gateway with pg_net every minute", async () => {
    const u = await user("push-cron");
    await u.client.rpc("register_device_token", { p_token: `ok-cron-${run}`, p_platform: "fcm" });
    await notify(u.id, "booking.accepted", { booking_id: crypto.randomUUID(), reference: `HL-${run}-cron` });
    const [{ since }] = await sql<{ since: Date }[]>`select now() as since`;
    await sql`update private.settings set value = 'true' where key = 'push.dispatch_enabled'`;
    let status = "pending";
    for (let i = 0; i < 90 && status !== "sent"; i++) {
      await sleep(1000);
      status = (await deliveries(u.id))[0].status;
    }
    await sql`update private.settings set value = 'false' where key = 'push.dispatch_enabled'`;
    expect(status).toBe("sent");
    // The request pg_net performed and the function's answer, as pg_net stores them: its
    // background worker writes the response after the function has answered (and so after the
    // delivery is marked sent), so wait for the row too.
    let answers: { status_code: number; content: string }[] = [];
    for (let i = 0; i < 30 && answers.length === 0; i++) {
      answers = await sql<{ status_code: number; content: string }[]>`
        select status_code, content from net._http_response where created >= ${since} and content like '%"provider":"recording"%'`;
      if (answers.length === 0) await sleep(1000);
    }
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(answers[0].status_code).toBe(200);
  }, 120_000);
});
