/**
 * Moderation and suspension through the gateway with supabase-js, as the people involved: a
 * customer reports a provider's listing and a message; a moderator reads the queue, hides the
 * listing and suspends the provider for 7 days; the provider is notified, cannot post a job,
 * offer, list or message (HL761), disappears from discovery but still reads their bookings and
 * appeals; the moderator lifts the suspension and everything works again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actor, adminSql, bookInState, createCategory, createProvider, operator, postJob, startTimes, type Actor, type Provider,
} from "../support.ts";

const sql = adminSql();
const AT = { lat: 25.11, lng: 55.19 };

let category: string;
let customer: Actor;
let other: Actor;
let provider: Provider;
let moderator: Actor;
let conversation: string;
let messageId: number;
let bookingId: string;
let jobId: string;

beforeAll(async () => {
  category = await createCategory(sql, "it-moderation", { en: "Handyman", ar: "أعمال صيانة" });
  [customer, other, moderator] = await Promise.all([actor("mod.customer"), actor("mod.other"), operator(sql, "mod.moderator", "moderator")]);
  provider = await createProvider(sql, "mod.provider", { at: AT, categoryId: category, hours: { opens: "00:00", closes: "23:59" } });
  const start = startTimes({ daysAhead: 3, utcHours: [4, 16] });
  bookingId = (await bookInState({ customer, provider, listing: provider.listing, start: start() }, "accepted")).id;
  jobId = (await postJob(other, { categoryId: category, at: AT, title: "Hang three shelves" })).id;

  const started = await customer.client.rpc("start_conversation", { p_context_kind: "service_listing", p_context_id: provider.listing });
  expect(started.error).toBeNull();
  conversation = started.data!.id;
  const sent = await provider.client.rpc("send_message", { p_conversation_id: conversation, p_body: "Pay me by bank transfer instead" });
  expect(sent.error).toBeNull();
  messageId = (sent.data as { id: number }).id;
}, 60_000);

afterAll(async () => {
  await sql.end();
});

async function providerFound(): Promise<boolean> {
  const { data, error } = await other.client.rpc("search_providers_nearby", { p_lat: AT.lat, p_lng: AT.lng, p_limit: 100 });
  expect(error).toBeNull();
  return (data as { provider_id: string }[]).some((r) => r.provider_id === provider.id);
}

describe("reporting", () => {
  it("a customer reports a listing and a message; reasons come from a list", async () => {
    const { data: reasons } = await customer.client.from("report_reasons").select("code").order("position");
    expect(reasons!.map((r) => r.code)).toContain("scam");

    const listing = await customer.client.rpc("report_content", {
      p_kind: "service_listing", p_target_id: provider.listing, p_reason: "scam", p_details: "Asks for bank transfers",
    });
    expect(listing.error).toBeNull();
    expect(listing.data).toMatchObject({ status: "open", target_owner_id: provider.id });

    const message = await customer.client.rpc("report_content", {
      p_kind: "message", p_target_id: String(messageId), p_reason: "scam",
    });
    expect(message.error).toBeNull();

    const again = await customer.client.rpc("report_content", { p_kind: "message", p_target_id: String(messageId), p_reason: "spam" });
    expect(again.error).toMatchObject({ code: "HL766" });
    const bad = await customer.client.rpc("report_content", { p_kind: "service_listing", p_target_id: provider.listing, p_reason: "rude" });
    expect(bad.error).toMatchObject({ code: "HL764" });
    const stranger = await other.client.rpc("report_content", { p_kind: "message", p_target_id: String(messageId), p_reason: "spam" });
    expect(stranger.error).toMatchObject({ code: "HL763" });

    const { data: mine } = await customer.client.from("reports").select("kind, status");
    expect(mine).toHaveLength(2);
    const { data: theirs } = await other.client.from("reports").select("id");
    expect(theirs).toEqual([]);
  });

  it("the moderator reads the queue; others read nothing there", async () => {
    const { data, error } = await moderator.client.from("operator_report_queue").select("*");
    expect(error).toBeNull();
    const row = data!.find((r) => r.kind === "service_listing" && r.target_id === provider.listing)!;
    expect(row).toMatchObject({ open_reports: 1, reasons: ["scam"], target_owner_id: provider.id, sla_breached: false });
    expect(data!.find((r) => r.kind === "message" && r.target_ref === String(messageId))).toBeDefined();
    const { data: none } = await customer.client.from("operator_report_queue").select("*");
    expect(none).toEqual([]);
  });
});

describe("hiding and suspending", () => {
  it("the moderator hides the listing: only its provider and moderators see it", async () => {
    const refused = await customer.client.rpc("hide_content", { p_kind: "service_listing", p_target_id: provider.listing, p_reason: "Scam" });
    expect(refused.error).toMatchObject({ code: "HL002" });

    const hidden = await moderator.client.rpc("hide_content", {
      p_kind: "service_listing", p_target_id: provider.listing, p_reason: "Off-platform payment requests",
    });
    expect(hidden.error).toBeNull();
    expect(hidden.data).toMatchObject({ action: "hide", reports_closed: 1 });

    const { data: seen } = await other.client.from("service_listings").select("id").eq("id", provider.listing);
    expect(seen).toEqual([]);
    const { data: own } = await provider.client.from("service_listings").select("hidden_at").eq("id", provider.listing).single();
    expect(own!.hidden_at).not.toBeNull();
    const { data: reports } = await customer.client.from("reports").select("status, outcome").eq("kind", "service_listing");
    expect(reports).toEqual([{ status: "actioned", outcome: "hidden" }]);
  });

  it("the moderator suspends the provider for 7 days; the provider is notified", async () => {
    expect(await providerFound()).toBe(true);
    const until = new Date(Date.now() + 7 * 24 * 3600_000).toISOString();
    const { data, error } = await moderator.client.rpc("suspend_user", {
      p_user_id: provider.id, p_reason: "Repeated off-platform payment requests", p_until: until,
    });
    expect(error).toBeNull();
    expect(new Date(data!.ends_at!).toISOString()).toBe(until);

    const { data: notes } = await provider.client.rpc("list_notifications", { p_limit: 50 });
    const suspended = notes!.find((n) => n.kind === "account.suspended")!;
    expect(notes!.map((n) => n.kind)).toContain("moderation.content_hidden");
    expect(suspended.body).toBe("Your account is suspended: Repeated off-platform payment requests. You can appeal in the app.");
  });

  it("the suspended provider cannot post, offer, list or message", async () => {
    const job = await provider.client.rpc("post_job", {
      p_category_id: category, p_title: "Need a hand", p_lat: AT.lat, p_lng: AT.lng, p_duration_minutes: 60,
      p_fixed_budget: 10000, p_asap: true,
    });
    expect(job.error).toMatchObject({ code: "HL761", message: "Your account is suspended." });
    const offer = await provider.client.rpc("make_offer", {
      p_job_id: jobId, p_price: 12000, p_proposed_start: new Date(Date.now() + 4 * 24 * 3600_000).toISOString(), p_duration_minutes: 60,
    });
    expect(offer.error).toMatchObject({ code: "HL761" });
    const listing = await provider.client.from("service_listings")
      .insert({ provider_id: provider.id, category_id: category, title: "Cheap repairs", pricing_unit: "fixed", base_price: 5000 });
    expect(listing.error).toMatchObject({ code: "HL761" });
    const edit = await provider.client.from("service_listings").update({ title: "Back soon" }).eq("id", provider.listing);
    expect(edit.error).toMatchObject({ code: "HL761" });
    const message = await provider.client.rpc("send_message", { p_conversation_id: conversation, p_body: "Still there?" });
    expect(message.error).toMatchObject({ code: "HL761" });
  });

  it("disappears from discovery but still reads their bookings and appeals", async () => {
    expect(await providerFound()).toBe(false);
    const { data: bookings, error } = await provider.client.from("bookings").select("id, status").eq("id", bookingId);
    expect(error).toBeNull();
    expect(bookings).toEqual([{ id: bookingId, status: "accepted" }]);
    const appeal = await provider.client.rpc("appeal_suspension", { p_reason: "The customer asked me for a discount for cash." });
    expect(appeal.error).toBeNull();
    expect(appeal.data).toMatchObject({ appeal_status: "pending" });
    const { data: pending } = await moderator.client.from("user_suspensions").select("user_id").eq("appeal_status", "pending");
    expect(pending!.map((r) => r.user_id)).toContain(provider.id);
  });

  it("lifting the suspension makes everything work again", async () => {
    const lifted = await moderator.client.rpc("lift_suspension", { p_user_id: provider.id, p_reason: "Explained on a call" });
    expect(lifted.error).toBeNull();
    expect(lifted.data).toMatchObject({ end_kind: "lifted" });

    const message = await provider.client.rpc("send_message", { p_conversation_id: conversation, p_body: "Sorry about that" });
    expect(message.error).toBeNull();
    const offer = await provider.client.rpc("make_offer", {
      p_job_id: jobId, p_price: 12000, p_proposed_start: new Date(Date.now() + 4 * 24 * 3600_000).toISOString(), p_duration_minutes: 60,
    });
    expect(offer.error).toBeNull();
    expect(await providerFound()).toBe(true);

    const { data: notes } = await provider.client.rpc("list_notifications", { p_limit: 50 });
    expect(notes!.map((n) => n.kind)).toContain("account.suspension_lifted");
  });
});
