/**
 * Deno preload for one local edge function process (see scripts/lib/functions-host.ts).
 *
 * Run as `deno run --preload "file:///…/boot.ts?port=N&slug=S" <entrypoint>`, so the function's
 * entrypoint stays the main module (as on the edge runtime) and `deno run --watch` follows its
 * module graph. This module:
 *  - replaces `Deno.serve` so the function's own `Deno.serve(handler)` / `Deno.serve(opts, handler)`
 *    listens on 127.0.0.1:<port> instead of :8000, and reports readiness on stderr;
 *  - defines a minimal `EdgeRuntime` global with `waitUntil(promise)`;
 *  - on SIGTERM dispatches `beforeunload` (detail "termination"), lets pending background tasks
 *    settle for a moment, then exits.
 *
 * Parameters travel in this module's URL so they add nothing to the function's env or Deno.args.
 * Written against a minimal structural view of the Deno namespace so Node's tsc accepts it too.
 */

type ServeHandler = (request: Request, info: unknown) => Response | Promise<Response>;
type ServeOptions = Record<string, unknown> & { handler?: ServeHandler; onListen?: (addr: unknown) => void };

interface DenoLike {
  serve: (...args: unknown[]) => unknown;
  stderr: { writeSync(data: Uint8Array): number };
  addSignalListener(signal: string, listener: () => void): void;
  exit(code?: number): never;
}

const D = (globalThis as unknown as { Deno: DenoLike }).Deno;
const params = new URL(import.meta.url).searchParams;
const port = Number(params.get("port"));
const slug = params.get("slug") ?? "function";
const encoder = new TextEncoder();

function say(line: string): void {
  D.stderr.writeSync(encoder.encode(`[hl-edge] ${line}\n`));
}

if (!Number.isInteger(port) || port <= 0) {
  say(`boot error: invalid port parameter in ${import.meta.url}`);
  D.exit(70);
}

const originalServe = D.serve.bind(D);
let served = false;

D.serve = (...args: unknown[]): unknown => {
  let options: ServeOptions = {};
  let handler: ServeHandler | undefined;
  if (typeof args[0] === "function") {
    // Deno.serve(handler) and the older Deno.serve(handler, options)
    handler = args[0] as ServeHandler;
    if (args[1] && typeof args[1] === "object") options = args[1] as ServeOptions;
  } else if (args[0] && typeof args[0] === "object") {
    // Deno.serve(options, handler) and Deno.serve({ ...options, handler })
    options = args[0] as ServeOptions;
    handler = typeof args[1] === "function" ? (args[1] as ServeHandler) : options.handler;
  }
  if (!handler) throw new TypeError("Deno.serve: a handler function is required");

  const first = !served;
  served = true;
  if (!first) {
    say(`warning: Deno.serve was called more than once in "${slug}"; only the first server receives requests`);
  }
  const userOnListen = options.onListen;
  // TLS, unix sockets and custom ports do not apply behind the gateway.
  const { cert: _c, key: _k, path: _p, transport: _t, handler: _h, ...rest } = options;
  return originalServe(
    {
      ...rest,
      hostname: "127.0.0.1",
      port: first ? port : 0,
      onListen(addr: unknown) {
        if (first) say(`ready slug=${slug} port=${port}`);
        if (typeof userOnListen === "function") userOnListen(addr);
      },
    },
    handler,
  );
};

// ---- EdgeRuntime -------------------------------------------------------------------------------
const pending = new Set<Promise<unknown>>();

function waitUntil<T>(promise: Promise<T>): Promise<T> {
  const tracked: Promise<void> = Promise.resolve(promise)
    .then(
      () => {},
      (err) => console.error(`[EdgeRuntime.waitUntil] background task of "${slug}" failed:`, err),
    )
    .finally(() => pending.delete(tracked));
  pending.add(tracked);
  return promise;
}

Object.defineProperty(globalThis, "EdgeRuntime", {
  value: Object.freeze({ waitUntil }),
  writable: false,
  enumerable: false,
  configurable: true,
});

// ---- shutdown ----------------------------------------------------------------------------------
let stopping = false;
D.addSignalListener("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  try {
    globalThis.dispatchEvent(new CustomEvent("beforeunload", { detail: "termination" }));
  } catch (err) {
    console.error("[hl-edge] beforeunload listener failed:", err);
  }
  const grace = new Promise((resolve) => setTimeout(resolve, 3000));
  Promise.race([Promise.allSettled([...pending]), grace]).finally(() => D.exit(0));
});
