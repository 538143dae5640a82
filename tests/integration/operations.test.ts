/**
 * An admin app through the gateway with supabase-js: operators read the audit log and the
 * marketplace metrics, refresh the metrics, read the fee schedules in readable form; a normal
 * user reads none of it and anon is refused. Other test files run in parallel on the same stack,
 * so the metrics are checked against this file's own booking as a lower bound.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actor, adminSql, anonClient, createCategory, operator } from "../support.ts";
import { customerTotal, paidBooking, payableProvider, paymentOf, settle } from "./payments-support.ts";

const sql = adminSql();
let categoryId: string;
let admin: Actor;
let support: Actor;
let customer: Actor;

beforeAll(async () => {
  categoryId = await createCategory(sql, "operations", { en: "Operations test", ar: "اختبار العمليات" });
  admin = await operator(sql, "ops-admin", "admin");
  support = await operator(sql, "ops-support", "support");
  customer = await actor("ops-customer");
});
afterAll(async () => {
  await sql.end();
});

const today = () => new Date().toISOString().slice(0, 10);

describe("operations: the audit log from an admin app", () => {
  it("an admin grants a role through the API; the entry names them and the request, and only audit.read reads it", async () => {
    const newcomer = await actor("ops-newcomer");
    const granted = await admin.client.from("user_roles").insert({ user_id: newcomer.id, role: "support", granted_by: admin.id });
    expect(granted.error).toBeNull();

    const { data, error } = await admin.client
      .from("audit_log")
      .select("action, actor_id, actor_role, target_type, target_id, after, request_id")
      .eq("target_type", "user")
      .eq("target_id", newcomer.id);
    expect(error).toBeNull();
    expect(data).toEqual([
      expect.objectContaining({
        action: "operator_role.granted",
        actor_id: admin.id,
        actor_role: "authenticated",
        after: expect.objectContaining({ role: "support", granted_by: admin.id }),
        request_id: expect.stringMatching(/\S+/),
      }),
    ]);

    // Support has no audit.read; a user has nothing at all; nobody can change an entry.
    expect((await support.client.from("audit_log").select("id").eq("target_id", newcomer.id)).data).toEqual([]);
    expect((await customer.client.from("audit_log").select("id").limit(5)).data).toEqual([]);
    const anon = await anonClient().from("audit_log").select("id").limit(1);
    expect(anon.error?.code).toBe("42501");
    const edit = await admin.client.from("audit_log").update({ reason: "edited" }).eq("target_id", newcomer.id);
    expect(edit.error?.code).toBe("42501");
    const remove = await admin.client.from("audit_log").delete().eq("target_id", newcomer.id);
    expect(remove.error?.code).toBe("42501");
  });
});

describe("operations: metrics from an admin app", () => {
  it("a completed, captured booking shows in today's GMV after a refresh; its payment is in the audit log", async () => {
    const provider = await payableProvider(sql, "ops-provider", categoryId);
    const booking = await paidBooking(sql, customer, provider, "completed");
    await settle(sql, [booking.payment.id]);
    const payment = await paymentOf(sql, booking.id);
    expect(payment.status).toBe("captured");
    const total = await customerTotal(sql, booking.id);

    const refreshed = await support.client.rpc("refresh_marketplace_metrics");
    expect(refreshed.error).toBeNull();
    // A refresh running at the same moment (pg_cron) skips; the next one counts the day.
    if ((refreshed.data as { skipped?: string }).skipped) await support.client.rpc("refresh_marketplace_metrics");

    const daily = await support.client.from("marketplace_metrics_daily").select("*").eq("day", today()).eq("currency", "AED").single();
    expect(daily.error).toBeNull();
    expect(daily.data!.bookings_completed).toBeGreaterThanOrEqual(1);
    expect(daily.data!.gmv).toBeGreaterThanOrEqual(total);
    expect(daily.data!.platform_revenue).toBeGreaterThan(0);
    expect(Number(daily.data!.take_rate)).toBeCloseTo(daily.data!.platform_revenue / daily.data!.gmv, 3);

    const byStatus = await support.client.from("marketplace_bookings_by_status").select("status, bookings")
      .eq("day", today()).eq("currency", "AED").eq("status", "completed");
    expect(byStatus.data?.[0]?.bookings).toBeGreaterThanOrEqual(1);
    const areas = await support.client.from("marketplace_active_providers").select("area, region_code, active_30d");
    expect(areas.error).toBeNull();
    expect(areas.data!.some((a) => a.region_code === "ae-dubai" && (a.active_30d ?? 0) >= 1)).toBe(true);

    const audit = await admin.client.from("audit_log").select("action").eq("target_type", "payment").eq("target_id", payment.id).order("id");
    expect(audit.data?.map((r) => r.action)).toEqual(["payment.authorized", "payment.captured"]);
  });

  it("fee schedules in readable form for operators", async () => {
    const { data, error } = await support.client.from("operator_fee_schedules").select("*")
      .eq("trade_kind", "service_booking").eq("currency", "AED").eq("note", "default");
    expect(error).toBeNull();
    expect(data).toEqual([expect.objectContaining({ period: "current", in_force: true, commission_min: "5.00 AED", region: "any region" })]);
  });

  it("a normal user reads no metrics and cannot refresh; anon is refused", async () => {
    for (const view of ["marketplace_metrics_daily", "marketplace_bookings_by_status", "marketplace_active_providers", "operator_fee_schedules"] as const) {
      const res = await customer.client.from(view).select("*").limit(5);
      expect([view, res.error, res.data]).toEqual([view, null, []]);
      const anon = await anonClient().from(view).select("*").limit(1);
      expect([view, anon.error?.code]).toEqual([view, "42501"]);
    }
    const refresh = await customer.client.rpc("refresh_marketplace_metrics");
    expect(refresh.error?.code).toBe("HL002");
  });
});
