/**
 * The demo's small narrative framework: chapters, numbered steps (who does what), the supabase-js
 * call each step makes (printed from the very arguments sent, so the text cannot drift from the
 * code), and checks. A failed check or a refused call throws `DemoFailure`, which stops the story;
 * `scripts/demo/index.ts` prints it and exits with code 1.
 */
import type { RealtimeChannel, SupabaseClient } from "@supabase/supabase-js";
import { FunctionsHttpError } from "@supabase/supabase-js";
import type { Database } from "../../functions/_shared/database.types.ts";

export type Client = SupabaseClient<Database>;

/** Someone in the story: a name, what they are, and (for people) the client acting as them. */
export interface Character {
  name: string;
  /** "customer", "plumber", "operator", "back office", ... */
  role: string;
}

export interface Person extends Character {
  id: string;
  phone: string;
  client: Client;
}

export class DemoFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoFailure";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value as it would be written in code, with ids shortened (`"1b2c3d4e…"`) so lines stay readable. */
export function show(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") {
    const v = value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (m) => `${m.slice(0, 8)}…`);
    return JSON.stringify(UUID.test(value) ? `${value.slice(0, 8)}…` : v.length > 60 ? `${v.slice(0, 57)}…` : v);
  }
  if (typeof value !== "object") return String(value);
  if (value instanceof Blob) return `<${value.type}, ${value.size} bytes>`;
  if (depth > 2) return Array.isArray(value) ? "[…]" : "{…}";
  if (Array.isArray(value)) {
    const shown = value.slice(0, 2).map((v) => show(v, depth + 1));
    if (value.length > 3) shown.push(`…${value.length - 2} more`);
    else if (value.length === 3) shown.push(show(value[2], depth + 1));
    return `[${shown.join(", ")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${show(v, depth + 1)}`).join(", ")} }`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An edge function's answer: HTTP status and JSON body, errors included. */
export interface FunctionAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Broadcasts received on one private Realtime channel. */
export interface Listener {
  topic: string;
  channel: RealtimeChannel;
  received: Array<{ event: string; payload: Record<string, unknown> }>;
}

export class Narrative {
  private steps = 0;
  private chapters = 0;
  private readonly channels: Array<{ client: Client; channel: RealtimeChannel }> = [];

  constructor(private readonly write: (line: string) => void) {}

  get stepCount(): number {
    return this.steps;
  }

  chapter(title: string, intro?: string): void {
    this.chapters += 1;
    this.write("");
    this.write(`━━ ${this.chapters}. ${title} ${"━".repeat(Math.max(3, 90 - title.length))}`);
    if (intro) for (const line of wrap(intro, 96)) this.write(`   ${line}`);
  }

  /** Narration that is not a call: why something happens, what a timer would do. */
  note(text: string): void {
    for (const line of wrap(text, 92)) this.write(`   ⋯ ${line}`);
  }

  /** One step: `who` does `what`; the body makes the calls and the checks through `s`. */
  async step<T>(who: Character, what: string, body: (s: Step) => Promise<T>): Promise<T> {
    this.steps += 1;
    const label = `${this.steps}. ${who.name} (${who.role}) ${what}`;
    this.write("");
    this.write(label);
    try {
      return await body(new Step(this.write, this.channels));
    } catch (e) {
      if (e instanceof DemoFailure) throw new DemoFailure(`step ${label}\n   ${e.message}`);
      throw new DemoFailure(`step ${label}\n   ${(e as Error).stack ?? String(e)}`);
    }
  }

  /** Leaves every channel the story joined (so the process can end). */
  async close(): Promise<void> {
    for (const { client, channel } of this.channels) await client.removeChannel(channel).catch(() => {});
    for (const { client } of this.channels) client.realtime.disconnect();
  }
}

/** What a step can do: make a call (printed), check, wait, say. */
export class Step {
  constructor(
    private readonly write: (line: string) => void,
    private readonly channels: Array<{ client: Client; channel: RealtimeChannel }>,
  ) {}

  /** Prints a call the step makes. */
  call(code: string): void {
    this.write(`     › ${code}`);
  }

  /** Prints a result worth reading. */
  say(text: string): void {
    for (const line of wrap(text, 90)) this.write(`       ${line}`);
  }

  /** A check: prints ✓ or stops the story with what was found instead. */
  check(ok: boolean, what: string, found?: unknown): void {
    if (!ok) throw new DemoFailure(`✗ expected: ${what}${found === undefined ? "" : `\n     found: ${JSON.stringify(found)}`}`);
    this.write(`     ✓ ${what}`);
  }

  fail(message: string): never {
    throw new DemoFailure(`✗ ${message}`);
  }

  /** `client.rpc(fn, args)`, printed; a refusal stops the story with its code. */
  async rpc<T = unknown>(client: Client, fn: string, args: Record<string, unknown> = {}): Promise<T> {
    this.call(`supabase.rpc(${JSON.stringify(fn)}, ${show(args)})`);
    const { data, error, status } = await client.rpc(fn as never, args as never);
    if (error) this.fail(`${fn} was refused: HTTP ${status} ${error.code} ${error.message}${error.details ? ` (${error.details})` : ""}`);
    return data as T;
  }

  /** A call that must be refused with `code` (printed with the refusal). */
  async refused(client: Client, fn: string, args: Record<string, unknown>, code: string, why: string): Promise<void> {
    this.call(`supabase.rpc(${JSON.stringify(fn)}, ${show(args)})`);
    const { error, status } = await client.rpc(fn as never, args as never);
    this.check(error?.code === code, `${why}: HTTP ${status} ${error?.code ?? "no error"}`, error ?? "no error");
  }

  /** An edge function through `supabase.functions.invoke`, printed; returns status and body whatever they are. */
  async invoke(client: Client, fn: string, body?: Record<string, unknown>, method: "POST" | "GET" = "POST"): Promise<FunctionAnswer> {
    this.call(`supabase.functions.invoke(${JSON.stringify(fn)}, { ${method === "GET" ? 'method: "GET"' : `body: ${show(body ?? {})}`} })`);
    const { data, error, response } = await client.functions.invoke(fn, { method, ...(body ? { body } : {}) });
    if (!error) return { status: response?.status ?? 200, body: data as Record<string, unknown> };
    if (error instanceof FunctionsHttpError) {
      const res = error.context as Response;
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    }
    return this.fail(`${fn}: ${(error as Error).message}`);
  }

  /** An edge function that must answer 200. */
  async invokeOk(client: Client, fn: string, body?: Record<string, unknown>, method: "POST" | "GET" = "POST"): Promise<Record<string, unknown>> {
    const r = await this.invoke(client, fn, body, method);
    if (r.status !== 200) this.fail(`${fn} answered HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** An upload to Storage, printed. */
  async upload(client: Client, bucket: string, path: string, file: Blob): Promise<void> {
    this.call(`supabase.storage.from(${JSON.stringify(bucket)}).upload(${show(path)}, ${show(file)}, { contentType: ${JSON.stringify(file.type)} })`);
    const { error } = await client.storage.from(bucket).upload(path, file, { contentType: file.type });
    if (error) this.fail(`upload to ${bucket} refused: ${error.message}`);
  }

  /** A read through the Data API; `shown` is the query as written in the app. */
  async read<T>(shown: string, query: PromiseLike<{ data: unknown; error: { code?: string; message: string } | null }>): Promise<T> {
    this.call(shown);
    const { data, error } = await query;
    if (error) this.fail(`read refused: ${error.code ?? ""} ${error.message}`);
    return data as T;
  }

  /** Joins the private channel `topic` as `client` and collects its broadcasts; fails unless SUBSCRIBED. */
  async listen(client: Client, topic: string): Promise<Listener> {
    this.call(`supabase.channel(${show(topic)}, { config: { private: true } }).on("broadcast", { event: "*" }, handler).subscribe()`);
    const received: Listener["received"] = [];
    const channel = client
      .channel(topic, { config: { private: true } })
      .on("broadcast", { event: "*" }, (m) => received.push({ event: m.event, payload: m.payload as Record<string, unknown> }));
    this.channels.push({ client, channel });
    const status = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve("TIMED_OUT"), 20_000);
      let done = false;
      channel.subscribe((s, err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(err ? `${s}: ${err.message}` : s);
      });
    });
    this.check(status === "SUBSCRIBED", `joined ${topic.replace(/:.*/, ":<id>")} (private)`, status);
    return { topic, channel, received };
  }

  /** Waits (polling) until `get` returns something truthy; fails after `timeoutMs`. */
  async until<T>(what: string, get: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await get();
      if (v) return v;
      if (Date.now() > deadline) this.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(50);
    }
  }

  /** Waits for a broadcast `event` on a listener matching `match`. */
  async received(l: Listener, event: string, match: (p: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    const m = await this.until(`"${event}" on ${l.topic}`, () => l.received.find((r) => r.event === event && match(r.payload)));
    return m.payload;
  }
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** Minor units as money: 15400 AED → "AED 154.00" (2-decimal currencies: what the story uses). */
export function money(amount: number | string, currency = "AED"): string {
  return `${currency} ${(Number(amount) / 100).toFixed(2)}`;
}
