/**
 * `npm run demo` on the stack under test: the whole story must play through (exit code 0, every
 * check passed), and a step that misbehaves must stop it loudly (exit code 1, the step and what was
 * found). The demo's own checks are the assertions of the story; this file makes `npm test` fail
 * when the story does, and checks a few outcomes in the database independently of the demo.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/config.ts";
import { DemoFailure, Narrative } from "../../scripts/demo/narrative.ts";
import { adminSql, stack } from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

function demo(env: NodeJS.ProcessEnv = {}) {
  const started = new Date();
  const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/demo/index.ts"], {
    cwd: ROOT,
    env: { ...process.env, HL_PROFILE: stack.name, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, started };
}

let story = "";

describe("npm run demo", () => {
  it("plays the whole story on the stack under test", () => {
    const run = demo();
    story = run.stdout;
    // On failure the message carries the narrative and the reason.
    expect({ code: run.code, stderr: run.stderr }, run.stdout).toEqual({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/━━ The end: \d+ steps, every check passed/);
    expect(run.stdout.match(/^ {5}✓ /gm)?.length ?? 0).toBeGreaterThan(60);
  }, 150_000);

  it("left what the story did in the database: a completed job booking paid out, two published reviews, a liked lamp", async () => {
    const reference = /booking (HL-\d+): accepted/.exec(story)?.[1];
    const product = /get_product", \{ p_product_id: "([0-9a-f]{8})…"/.exec(story)?.[1];
    expect({ reference, product }).toEqual({ reference: expect.any(String), product: expect.any(String) });
    const [booking] = await sql`
      select b.status, p.status as payment, p.released_at is not null as released, o.status as payout,
             (select count(*)::int from public.reviews r where r.trade_id = b.id and r.published_at is not null) as reviews
        from public.bookings b
        join public.job_requests j on j.id = (select (e.metadata->>'job_id')::uuid from public.booking_events e
                                               where e.booking_id = b.id and e.transition = 'create')
        join public.payments p on p.booking_id = b.id and p.kind = 'booking'
        join public.payouts o on o.payment_id = p.id
       where b.reference = ${reference!} and j.title = 'Kitchen sink leaking under the counter'`;
    expect(booking).toEqual({ status: "completed", payment: "captured", released: true, payout: "paid", reviews: 2 });
    const [lamp] = await sql`
      select like_count::int, view_count::int from public.products
       where id::text like ${`${product}%`} and title = 'Brass table lamp'`;
    expect(lamp).toEqual({ like_count: 1, view_count: 1 });
  });

  it("stops at the first step that misbehaves, naming it and what was found", async () => {
    const lines: string[] = [];
    const n = new Narrative((l) => lines.push(l));
    const failing = n.step({ name: "Omar", role: "plumber" }, "starts the job", async (s) => {
      s.check(true, "arrived");
      s.check(false, "the booking is in progress", { status: "arrived" });
    });
    await expect(failing).rejects.toThrow(DemoFailure);
    await expect(failing).rejects.toThrow(/step 1\. Omar \(plumber\) starts the job\n.*expected: the booking is in progress\n.*found: \{"status":"arrived"\}/s);
    expect(lines).toContain("     ✓ arrived");
  });

  it("exits with code 1 and says what to do when no stack answers", () => {
    const run = demo({ HL_API_PORT: "9" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("No local stack answers at http://127.0.0.1:9");
  });
});
