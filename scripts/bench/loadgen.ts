/**
 * Load generator for the benchmarks, run as a separate process (so its CPU time is not the
 * gateway's): reads one job as JSON on stdin, sends `requests` POSTs (after `warmup` unmeasured
 * ones) with at most `concurrency` in flight over keep-alive connections, and prints a JSON
 * result on stdout: per-request latencies (ms, response fully read), statuses, rows per response.
 *
 * Only 127.0.0.1 is accepted as a target.
 */
import http from "node:http";

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  /** Request bodies, used in order (cycled). */
  bodies: unknown[];
  requests: number;
  warmup: number;
  concurrency: number;
  /** Give up after this long (the run stops by itself). */
  maxSeconds: number;
}

export interface LoadResult {
  latenciesMs: number[];
  rows: number[];
  statuses: Record<string, number>;
  errors: string[];
  seconds: number;
  completed: number;
  timedOut: boolean;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (c) => (data += c));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject);
  });
}

async function main(): Promise<void> {
  const job = JSON.parse(await readStdin()) as LoadJob;
  const target = new URL(job.url);
  if (target.hostname !== "127.0.0.1") throw new Error(`loadgen only targets 127.0.0.1, not ${target.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const payloads = job.bodies.map((b) => Buffer.from(JSON.stringify(b)));

  const once = (i: number): Promise<{ ms: number; status: number; rows: number }> =>
    new Promise((resolve, reject) => {
      const body = payloads[i % payloads.length];
      const started = process.hrtime.bigint();
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: "POST",
          agent,
          headers: { ...job.headers, "content-type": "application/json", "content-length": body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            let rows = -1;
            const text = Buffer.concat(chunks).toString("utf8");
            try {
              const parsed = JSON.parse(text) as unknown;
              rows = Array.isArray(parsed) ? parsed.length : -1;
            } catch {
              rows = -1;
            }
            if (res.statusCode !== 200 && errors.length < 5) errors.push(`${res.statusCode}: ${text.slice(0, 300)}`);
            resolve({ ms, status: res.statusCode ?? 0, rows });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const errors: string[] = [];
  const deadline = Date.now() + job.maxSeconds * 1000;
  let timedOut = false;

  // Warm-up (not measured), same concurrency, on other bodies than the measured ones.
  let next = 0;
  const worker = async (count: number, offset: number, sink?: (r: { ms: number; status: number; rows: number }) => void) => {
    while (true) {
      const i = next++;
      if (i >= count) return;
      if (Date.now() > deadline) {
        timedOut = true;
        return;
      }
      try {
        const r = await once(i + offset);
        sink?.(r);
      } catch (e) {
        if (errors.length < 5) errors.push((e as Error).message);
        sink?.({ ms: NaN, status: 0, rows: -1 });
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, () => worker(job.warmup, job.requests)));

  const latenciesMs: number[] = [];
  const rows: number[] = [];
  const statuses: Record<string, number> = {};
  next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, () =>
      worker(job.requests, 0, (r) => {
        statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
        if (r.status === 200) {
          latenciesMs.push(r.ms);
          rows.push(r.rows);
        }
      }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  const result: LoadResult = { latenciesMs, rows, statuses, errors, seconds, completed: latenciesMs.length, timedOut };
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => {
  process.stderr.write(`loadgen: ${(e as Error).message}\n`);
  process.exit(1);
});
