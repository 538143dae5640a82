/**
 * The stack starts from a checkout the `postgres` OS user cannot enter (a folder of mode 700, as
 * root's home is): PostgreSQL refuses to run as root, so its files go where that user can reach
 * them (Profile.clusterDir) while everything else stays in the checkout.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ANON_KEY, ROOT } from "../../scripts/lib/config.ts";

const outer = mkdtempSync(path.join(os.tmpdir(), "hl-private-"));
chmodSync(outer, 0o700);
const checkout = path.join(outer, "checkout");
const port = (Number(process.env.HL_API_PORT) || 15321) + 600;
const env: NodeJS.ProcessEnv = { ...process.env, HL_PROFILE: "test", HL_API_PORT: String(port) };
delete env.HL_DB_PORT;
delete env.HL_HOME;
const tsx = (args: string[]) =>
  execFileSync(path.join(ROOT, "node_modules", ".bin", "tsx"), args, { cwd: checkout, env, encoding: "utf8", stdio: "pipe" });

let clusterDir = "";

afterAll(() => {
  try {
    tsx(["scripts/stack.ts", "stop", "--profile", "test"]);
  } catch {
    // already stopped
  }
  // This checkout's folder there (the profile's cluster folder and its parent).
  if (clusterDir.startsWith("/var/lib/postgresql/hyperlocal/")) rmSync(path.dirname(clusterDir), { recursive: true, force: true });
  rmSync(outer, { recursive: true, force: true });
});

describe("a checkout inside a mode-700 folder", () => {
  it("runs the stack: the database lives where postgres can reach it, the API answers", async () => {
    // The working tree as it is (tracked and new files), and the installed packages.
    mkdirSync(checkout);
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    for (const f of files) {
      try {
        if (statSync(path.join(ROOT, f)).isFile()) cpSync(path.join(ROOT, f), path.join(checkout, f), { recursive: true });
      } catch {
        // deleted in the working tree
      }
    }
    symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"));

    clusterDir = tsx(["-e", 'import("./scripts/lib/config.ts").then((c) => console.log(c.profile("test").clusterDir))']).trim();
    if (process.getuid?.() === 0) {
      expect(clusterDir.startsWith("/var/lib/postgresql/hyperlocal/")).toBe(true);
    } else {
      expect(clusterDir).toBe(path.join(checkout, ".hyperlocal", "test"));
    }

    tsx(["scripts/stack.ts", "start", "--profile", "test"]);
    const res = await fetch(`http://127.0.0.1:${port}/rest/v1/booking_states?select=state&state=eq.requested`, {
      headers: { apikey: ANON_KEY },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ state: "requested" }]);
    expect(statSync(path.join(checkout, ".hyperlocal", "test", "logs", "gateway.log")).isFile()).toBe(true);
  });
});
