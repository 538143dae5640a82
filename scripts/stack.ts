/**
 * npm run stack -- start|stop|status|reset|logs|deps [--size small|medium|large]
 * npm start  (= start in the foreground: prints URLs and keys, follows the logs, Ctrl-C stops)
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { profile, type ProfileName } from "./lib/config.ts";
import { log, StackError } from "./lib/proc.ts";
import { banner, down, status, up } from "./lib/stack.ts";
import { ensureDependencies } from "./lib/deps.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: "string" },
    foreground: { type: "boolean", default: false },
    profile: { type: "string" },
  },
});
const command = positionals[0] ?? "status";
const p = profile((values.profile as ProfileName | undefined) ?? undefined);

function followLogs(): ReturnType<typeof spawn> | null {
  if (!existsSync(p.logDir)) return null;
  const files = readdirSync(p.logDir).filter((f) => f.endsWith(".log")).map((f) => path.join(p.logDir, f));
  if (!files.length) return null;
  return spawn("tail", ["-n", "20", "-F", ...files], { stdio: "inherit" });
}

async function main(): Promise<void> {
  switch (command) {
    case "start":
    case "reset": {
      const started = Date.now();
      await up(p, { reset: command === "reset", seedSize: values.size, watch: values.foreground });
      process.stdout.write(banner(p));
      log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (values.foreground) {
        log("following logs; press Ctrl-C to stop the stack (data is kept)");
        const tail = followLogs();
        const stop = async () => {
          tail?.kill();
          log("stopping…");
          await down(p);
          process.exit(0);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      }
      return;
    }
    case "stop":
      await down(p);
      log("stopped (data kept; `npm run stack -- reset` rebuilds it)");
      return;
    case "status": {
      const s = status(p);
      for (const [k, v] of Object.entries(s)) process.stdout.write(`${k.padEnd(10)} ${v ? "running" : "stopped"}\n`);
      if (s.database && s.gateway) process.stdout.write(banner(p));
      return;
    }
    case "deps":
      // The OS packages the stack needs (apt-get when root on Debian/Ubuntu); used by .ci/run.
      ensureDependencies();
      log("OS dependencies present");
      return;
    case "logs": {
      const tail = followLogs();
      if (!tail) throw new StackError("no logs yet: start the stack first");
      return;
    }
    default:
      throw new StackError(`unknown command "${command}"; use start, stop, status, reset, logs or deps`);
  }
}

main().catch((e) => {
  if (e instanceof StackError) {
    process.stderr.write(`\n\x1b[31mError:\x1b[0m ${e.message}\n`);
    process.exit(1);
  }
  throw e;
});
