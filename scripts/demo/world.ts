/**
 * What the story runs against: the local stack (profile from HL_PROFILE or --profile), a
 * supabase-js client per person, the service role (pg_cron's jobs and the back office), the
 * `postgres` role (what an operator does in Studio, and the local payment provider's stand-in for
 * Stripe's hosted pages), and the Auth inbox the phone codes arrive in.
 *
 * People sign in as in the apps: `signInWithOtp({ phone })`, the 6-digit code from the SMS (the
 * project's Send SMS hook hands it to the local SMS provider, which writes the inbox that
 * `npm run inbox -- <phone>` reads), then `verifyOtp`. Every run uses new phone numbers, so the
 * story can be played again and again on the same stack.
 */
import path from "node:path";
import { createClient } from "@supabase/supabase-js";
import type postgres from "postgres";
import WebSocket from "ws";
import type { Database } from "../../functions/_shared/database.types.ts";
import { inboxFile, readInbox } from "../../platform/auth/inbox.ts";
import { ANON_KEY, SERVICE_ROLE_KEY, type Profile } from "../lib/config.ts";
import { connect } from "../lib/db.ts";
import { type Client, type Narrative, type Person, show } from "./narrative.ts";

export interface World {
  stack: Profile;
  /** The service role: pg_cron's jobs (the payments worker), webhooks' stand-ins, the back office. */
  service: Client;
  /** The `postgres` role, as in Studio's SQL editor. */
  sql: postgres.Sql;
  inbox: string;
  /** A tag unique to this run (phone numbers, file names). */
  run: string;
  /** The Back office and Studio, as characters of the story. */
  backOffice: { name: string; role: string };
  studio: { name: string; role: string };
}

export function openWorld(stack: Profile): World {
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  return {
    stack,
    service: createClient<Database>(stack.apiUrl, SERVICE_ROLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: WebSocket as never },
    }),
    sql: connect(stack, "postgres", { max: 2 }),
    inbox: inboxFile(process.env.HL_PLATFORM_DIR || path.join(stack.home, "platform")),
    run,
    backOffice: { name: "The back office", role: "service role" },
    studio: { name: "An operator in Studio", role: "postgres" },
  };
}

export async function closeWorld(world: World): Promise<void> {
  await world.sql.end({ timeout: 5 });
}

let seq = 0;
const octet = () => Math.floor(Math.random() * 250) + 1;

/**
 * A UAE mobile number no earlier run used: +97152, then 7 digits from the clock (tenths of a
 * second, cycling every ~28 hours) and the person's place in the story.
 */
function freshPhone(): string {
  seq += 1;
  const digits = String((Math.floor(Date.now() / 100) * 10 + (seq % 10)) % 10_000_000).padStart(7, "0");
  return `+97152${digits}`;
}

/**
 * A person signs up and in with their phone, as the apps do. Each person is on their own phone
 * and network: their client sends its own address (X-Forwarded-For), so Auth's per-address limits
 * and the SMS hook's "3 codes an hour per address" count each person separately, as they would
 * for real users.
 */
export async function signInByPhone(
  n: Narrative,
  world: World,
  who: { name: string; role: string; fullName: string; locale?: "en" | "ar" },
): Promise<Person> {
  const phone = freshPhone();
  const client = createClient<Database>(world.stack.apiUrl, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { headers: { "X-Forwarded-For": `10.${octet()}.${octet()}.${octet()}` } },
  });
  return n.step(who, `signs in with a phone number (${phone})`, async (s) => {
    const options = { data: { full_name: who.fullName, locale: who.locale ?? "en" } };
    s.call(`supabase.auth.signInWithOtp({ phone: ${JSON.stringify(phone)}, options: ${show(options)} })`);
    const asked = Date.now();
    const sent = await client.auth.signInWithOtp({ phone, options });
    if (sent.error) s.fail(`signInWithOtp: ${sent.error.status} ${sent.error.message}`);
    const sms = await s.until(`the SMS to ${phone} in the local inbox`, async () =>
      (await readInbox(world.inbox, phone)).find((m) => m.token && Date.parse(m.sent_at) >= asked - 5_000));
    s.say(`SMS (npm run inbox -- ${phone}): "${sms.body}"`);
    s.check(/^\d{6}$/.test(sms.token ?? ""), "a 6-digit code arrived by SMS", sms.token);
    s.call(`supabase.auth.verifyOtp({ phone: ${JSON.stringify(phone)}, token: ${JSON.stringify(sms.token)}, type: "sms" })`);
    const verified = await client.auth.verifyOtp({ phone, token: sms.token!, type: "sms" });
    if (verified.error || !verified.data.session || !verified.data.user) s.fail(`verifyOtp: ${verified.error?.status} ${verified.error?.message}`);
    const { session, user } = verified.data;
    // Realtime joins private channels with the user's token.
    await client.realtime.setAuth(session!.access_token);
    const created = Date.parse(user!.created_at);
    s.check(created >= asked - 5_000, `signed in as a new user (${user!.id.slice(0, 8)}…)`, user!.created_at);
    return { name: who.name, role: who.role, id: user!.id, phone, client };
  });
}

/** A small valid JPEG (a 1×1 image's bytes), as a phone's camera would upload. */
export function photo(): Blob {
  return new Blob([Buffer.from(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9",
    "hex",
  )], { type: "image/jpeg" });
}

/** A point `north_m` metres north and `east_m` metres east of `p`. */
export function offset(p: { lat: number; lng: number }, north_m: number, east_m: number): { lat: number; lng: number } {
  const lat = p.lat + north_m / 111_320;
  const lng = p.lng + east_m / (111_320 * Math.cos((p.lat * Math.PI) / 180));
  return { lat: Number(lat.toFixed(6)), lng: Number(lng.toFixed(6)) };
}
