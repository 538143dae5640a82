/**
 * KYC verification through the gateway with supabase-js, as the people involved: a provider
 * uploads the front and back of their Emirates ID to the private verification-docs bucket through
 * the Storage API and submits; a moderator (users.verify) finds it in the queue, reads the images
 * (signed URL, download) and approves; the verified badge shows in discovery's verified filter.
 * Another user is rejected with a reason, is notified and resubmits with new uploads. Strangers
 * cannot read or plant files. Finally the retention run (pg_net → kyc-retention → Storage API)
 * removes the decided submission's files and masks its number.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor, adminSql, createProvider, operator, type Provider, serviceClient } from "../support.ts";

const sql = adminSql();
const run = `${process.pid}${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A place of its own, so the verified filter sees only this file's providers.
const AT = { lat: -41.2 + (process.pid % 100) / 1000, lng: 174.7 };
const png = (n: number) => new Blob([Buffer.from(`89504e470d0a1a0a${n.toString(16).padStart(8, "0")}`, "hex")], { type: "image/png" });

let provider: Provider;
let moderator: Actor;
let stranger: Actor;
let submissionId: string;
const docs = () => ({ id_front: `${provider.id}/eid-front-${run}.png`, id_back: `${provider.id}/eid-back-${run}.png` });

async function verifiedNearby(): Promise<string[]> {
  const { data, error } = await stranger.client.rpc("search_providers_nearby", {
    p_lat: AT.lat, p_lng: AT.lng, p_radius_m: 5000, p_verified_only: true,
  });
  expect(error).toBeNull();
  return data!.map((r) => r.provider_id);
}

beforeAll(async () => {
  provider = await createProvider(sql, `kyc-prov-${run}`, { at: AT });
  moderator = await operator(sql, "kyc-mod", "moderator");
  stranger = await actor("kyc-stranger");
});
afterAll(async () => {
  await sql.end();
});

describe("KYC verification", () => {
  it("a provider uploads their Emirates ID through the Storage API and submits it", async () => {
    for (const [i, path] of Object.values(docs()).entries()) {
      const up = await provider.client.storage.from("verification-docs").upload(path, png(i), { contentType: "image/png" });
      expect(up.error).toBeNull();
    }
    // Bad input: a specific code, nothing written.
    const bad = await provider.client.rpc("submit_verification", { p_type: "emirates_id", p_documents: docs(), p_emirates_id_number: "784-1990-12345" });
    expect([bad.status, bad.error?.code]).toEqual([400, "HL688"]);
    const foreign = await provider.client.rpc("submit_verification", {
      p_type: "emirates_id", p_documents: { ...docs(), id_back: `${stranger.id}/x.png` }, p_emirates_id_number: "784-1990-1234567-1",
    });
    expect([foreign.status, foreign.error?.code]).toEqual([400, "HL690"]);
    const { data, error } = await provider.client.rpc("submit_verification", {
      p_type: "emirates_id", p_documents: docs(), p_emirates_id_number: "784-1990-1234567-1",
    });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: "pending", emirates_id_number: "784199012345671", user_id: provider.id });
    submissionId = data!.id;
    const again = await provider.client.rpc("submit_verification", {
      p_type: "emirates_id", p_documents: docs(), p_emirates_id_number: "784-1990-1234567-1",
    });
    expect([again.status, again.error?.code]).toEqual([409, "HL691"]);
  });

  it("keeps the files private: strangers neither read nor plant them, public URLs serve nothing", async () => {
    const { id_front } = docs();
    expect((await stranger.client.storage.from("verification-docs").createSignedUrl(id_front, 60)).error).not.toBeNull();
    expect((await stranger.client.storage.from("verification-docs").download(id_front)).error).not.toBeNull();
    const planted = await stranger.client.storage.from("verification-docs").upload(`${provider.id}/planted-${run}.png`, png(9), { contentType: "image/png" });
    expect((planted.error as { statusCode?: string } | null)?.statusCode).toBe("403");
    const listed = await stranger.client.storage.from("verification-docs").list(provider.id);
    expect(listed.data ?? []).toEqual([]);
    const publicUrl = stranger.client.storage.from("verification-docs").getPublicUrl(id_front).data.publicUrl;
    expect((await fetch(publicUrl)).ok).toBe(false);
    // The owner cannot remove a submitted document either.
    await provider.client.storage.from("verification-docs").remove([id_front]);
    const [{ n }] = await sql`select count(*)::int as n from storage.objects where bucket_id = 'verification-docs' and name = ${id_front}`;
    expect(n).toBe(1);
    // Nor can anyone else decide.
    const self = await provider.client.rpc("approve_verification", { p_submission_id: submissionId });
    expect([self.status, self.error?.code]).toEqual([403, "HL002"]);
  });

  it("a moderator reads the queue and the images, approves, and the badge shows in discovery", async () => {
    expect(await verifiedNearby()).not.toContain(provider.id);
    const queue = await moderator.client.from("operator_verification_queue").select("submission_id, type, documents, age").eq("submission_id", submissionId);
    expect(queue.error).toBeNull();
    expect(queue.data).toHaveLength(1);
    expect(queue.data![0].documents).toEqual(docs());
    const signed = await moderator.client.storage.from("verification-docs").createSignedUrl(docs().id_back, 60);
    expect(signed.error).toBeNull();
    const viaUrl = await fetch(signed.data!.signedUrl);
    expect(Buffer.from(await viaUrl.arrayBuffer())).toEqual(Buffer.from(await png(1).arrayBuffer()));
    const file = await moderator.client.storage.from("verification-docs").download(docs().id_front);
    expect(file.error).toBeNull();
    expect(Buffer.from(await file.data!.arrayBuffer())).toEqual(Buffer.from(await png(0).arrayBuffer()));

    const approved = await moderator.client.rpc("approve_verification", { p_submission_id: submissionId, p_note: "matches the register" });
    expect(approved.error).toBeNull();
    expect(approved.data!.status).toBe("approved");
    expect(await verifiedNearby()).toContain(provider.id);
    const me = await provider.client.from("profiles").select("is_verified").eq("id", provider.id).single();
    expect(me.data!.is_verified).toBe(true);
    const note = await provider.client.rpc("list_notifications", {});
    expect(JSON.stringify(note.data)).toContain("verification.approved");
    // Neither the user nor the service role changes a badge behind the decision path's back.
    const own = await provider.client.from("profiles").update({ is_verified: false } as never).eq("id", provider.id);
    expect(own.error?.code).toBe("42501");
    const backend = await serviceClient().from("profiles").update({ is_verified: false }).eq("id", provider.id);
    expect([backend.status, backend.error?.code]).toEqual([403, "HL697"]);
  });

  it("a rejected user is told why and resubmits with new uploads", async () => {
    const ann = await actor("kyc-rejected");
    const upload = async (name: string) => {
      const path = `${ann.id}/${name}-${run}.png`;
      expect((await ann.client.storage.from("verification-docs").upload(path, png(3), { contentType: "image/png" })).error).toBeNull();
      return path;
    };
    const first = { id_front: await upload("f1"), id_back: await upload("b1") };
    const sub = await ann.client.rpc("submit_verification", { p_type: "emirates_id", p_documents: first, p_emirates_id_number: "784198512345678" });
    expect(sub.error).toBeNull();
    const noReason = await moderator.client.rpc("reject_verification", { p_submission_id: sub.data!.id, p_reason: "" });
    expect([noReason.status, noReason.error?.code]).toEqual([400, "HL695"]);
    const rejected = await moderator.client.rpc("reject_verification", { p_submission_id: sub.data!.id, p_reason: "The back is unreadable" });
    expect(rejected.data!.status).toBe("rejected");
    const [notice] = await sql`select params ->> 'reason' as reason from public.notifications where user_id = ${ann.id} and kind = 'verification.rejected'`;
    expect(notice.reason).toBe("The back is unreadable");
    const reuse = await ann.client.rpc("submit_verification", { p_type: "emirates_id", p_documents: first, p_emirates_id_number: "784198512345678" });
    expect([reuse.status, reuse.error?.code]).toEqual([400, "HL690"]);
    const second = { id_front: await upload("f2"), id_back: await upload("b2") };
    const resub = await ann.client.rpc("submit_verification", { p_type: "emirates_id", p_documents: second, p_emirates_id_number: "784198512345678" });
    expect(resub.error).toBeNull();
    const history = await ann.client.from("verification_submissions").select("status").order("submitted_at");
    expect(history.data!.map((r) => r.status)).toEqual(["rejected", "pending"]);
  });

  it("the retention run removes a decided submission's files through the Storage API (pg_cron's path) and masks the number", async () => {
    // The decision "happened" 30 days ago: its documents are due now.
    await sql`update public.verification_submissions set purge_due_at = now() - interval '1 minute' where id = ${submissionId}`;
    const [{ request }] = await sql<{ request: string | null }[]>`select private.dispatch_kyc_retention()::text as request`;
    expect(request).not.toBeNull();
    let removed = 0;
    for (let i = 0; i < 60 && removed < 2; i++) {
      await sleep(500);
      [{ removed }] = await sql<{ removed: number }[]>`
        select count(*)::int as removed from public.verification_documents where submission_id = ${submissionId} and removed_at is not null`;
    }
    expect(removed).toBe(2);
    const [{ left }] = await sql<{ left: number }[]>`
      select count(*)::int as left from storage.objects where bucket_id = 'verification-docs' and name = any (${Object.values(docs())})`;
    expect(left).toBe(0);
    expect((await moderator.client.storage.from("verification-docs").download(docs().id_front)).error).not.toBeNull();
    const row = await provider.client.from("verification_submissions").select("status, emirates_id_number").eq("id", submissionId).single();
    expect(row.data).toEqual({ status: "approved", emirates_id_number: "***********5671" });
    const [answer] = await sql<{ status_code: number; content: string }[]>`
      select status_code, content from net._http_response where id = ${request}::bigint`;
    expect(answer.status_code).toBe(200);
    expect(JSON.parse(answer.content)).toMatchObject({ documents_removed: expect.any(Number) });
  }, 60_000);
});
