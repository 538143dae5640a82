/**
 * npm run bench:money [-- --seconds 10 --no-write --keep] — issue 11's benchmarks on one stack of
 * their own (.hyperlocal/bench-money, API port 59621 unless HL_API_PORT is set):
 *
 *   benchQuote     the quote function (scripts/bench/money-quote.ts, when present)
 *   benchPayments  webhook ingestion with 10% duplicates and the booking-with-payment lifecycle,
 *                  ledger checked after the run (scripts/bench/money-payments.ts)
 *
 * Writes the section "Money (issue 11)" of docs/benchmarks.md (unless --no-write).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ROOT } from "../lib/config.ts";
import { log } from "../lib/proc.ts";
import { benchStack, writeSection } from "./lib.ts";
import { benchPayments } from "./money-payments.ts";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      "no-write": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds);
  const { p, stop } = await benchStack("money", 59621);
  const parts: string[] = [];
  let ok = true;
  try {
    const quoteModule = path.join(ROOT, "scripts", "bench", "money-quote.ts");
    if (existsSync(quoteModule)) {
      const { benchQuote } = await import(pathToFileURL(quoteModule).href) as {
        benchQuote: (o: { p: typeof p; seconds: number }) => Promise<string>;
      };
      log("quote");
      parts.push(await benchQuote({ p, seconds }));
    } else {
      parts.push("### Quotes\n\n(scripts/bench/money-quote.ts is not in this tree: not measured.)\n");
    }
    log("payments");
    const payments = await benchPayments({ p, seconds });
    ok = !/NOT balanced/.test(payments);
    parts.push("### Payments and webhooks (`payments`, `stripe-webhook`)\n\n" + payments);
    const body = parts.join("\n");
    process.stdout.write(body);
    if (!values["no-write"]) writeSection("Money (issue 11)", body);
    return ok ? 0 : 1;
  } finally {
    if (values.keep) log(`stack kept running at ${p.apiUrl}`);
    else await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .then((code) => process.exit(code))
    .catch((e) => {
      process.stderr.write(`money bench failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
