/**
 * Auth hooks called exactly as GoTrue calls them (AU internal/hooks/v0hooks, hookspgfunc,
 * hookshttp, hookserrors):
 *
 * pg-functions://<db>/<schema>/<fn> — inside the caller's transaction (a new one when there is
 *   none): `set local statement_timeout TO '2000'`, `select "<schema>"."<fn>"($event)`, then
 *   `set local statement_timeout TO default`. An SQL error fails the request with 500.
 * http(s):// — POST of the JSON event with Standard Webhooks headers (webhook-id,
 *   webhook-timestamp, webhook-signature: one `v1,<base64 HMAC>` per configured secret joined by
 *   ", "), 5 s for the whole call, up to 3 attempts (2 s back-off after a network error; a 429/503
 *   with retry-after is retried at once). 204 = no output; 200/202 need Content-Type
 *   application/json and at most 200 KiB; other statuses map to GoTrue's errors.
 * Either way an output `{"error": {"http_code", "message"}}` with a message becomes that error
 * (status 500 without a code).
 */
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { HookConfig } from "./config.ts";
import { AuthError, badRequest, internal, unprocessable } from "./errors.ts";
import { transaction, type Q } from "./db.ts";

export type HookName =
  | "send-sms"
  | "send-email"
  | "customize-access-token"
  | "password-verification"
  | "before-user-created";

const HTTP_TIMEOUT_MS = 5000;
const HTTP_RETRIES = 3;
const HTTP_BACKOFF_MS = 2000;
const RESPONSE_LIMIT = 200 * 1024;

/** The `metadata` object of every hook event. */
export function hookMetadata(name: HookName, ip: string): Record<string, unknown> {
  const meta: Record<string, unknown> = { uuid: randomUUID(), time: new Date().toISOString(), name };
  if (ip) meta.ip_address = ip;
  return meta;
}

/** hookserrors.Check: an output with error.message is an HTTP error. */
function checkHookError(output: unknown): void {
  if (!output || typeof output !== "object" || Array.isArray(output)) return;
  const error = (output as { error?: unknown }).error;
  if (!error || typeof error !== "object") return;
  const { http_code, message } = error as { http_code?: unknown; message?: unknown };
  if (typeof message !== "string" || message === "") return;
  const status = typeof http_code === "number" && Number.isInteger(http_code) && http_code !== 0 ? http_code : 500;
  throw new AuthError(status, "", message);
}

export interface HookOptions {
  /** Override of the HTTP timeout and back-off (tests). */
  timeoutMs?: number;
  backoffMs?: number;
}

/** Runs a hook and returns its output (null for an HTTP 204). */
export async function runHook(q: Q, hook: HookConfig, event: unknown, opts: HookOptions = {}): Promise<unknown> {
  try {
    return hook.kind === "pg" ? await runPgHook(q, hook, event) : await runHttpHook(hook, event, opts);
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw internal(`Error running hook URI: ${hook.uri}`);
  }
}

async function runPgHook(q: Q, hook: HookConfig, event: unknown): Promise<unknown> {
  const output = await transaction(q, async (tx) => {
    await tx.unsafe("set local statement_timeout TO '2000'");
    const [row] = await tx.unsafe(`select ${hook.pgName}($1::text::jsonb) as output`, [JSON.stringify(event)]);
    await tx.unsafe("set local statement_timeout TO default");
    return row?.output ?? null;
  });
  checkHookError(output);
  return output;
}

function signatures(secrets: string[], msgId: string, at: Date, payload: string): string {
  return secrets.map((s) => new Webhook(s.slice("v1,".length)).sign(msgId, at, payload)).join(", ");
}

async function runHttpHook(hook: HookConfig, event: unknown, opts: HookOptions): Promise<unknown> {
  const timeoutMs = opts.timeoutMs ?? HTTP_TIMEOUT_MS;
  const timeoutMessage = `Failed to reach hook within maximum time of ${(timeoutMs / 1000).toFixed(6)} seconds`;
  const deadline = Date.now() + timeoutMs;
  const payload = JSON.stringify(event);
  for (let attempt = 0; attempt < HTTP_RETRIES; attempt++) {
    const msgId = randomUUID();
    const at = new Date();
    let res: Response;
    try {
      res = await fetch(hook.url ?? hook.uri, {
        method: "POST",
        body: payload,
        headers: {
          "Content-Type": "application/json",
          "webhook-id": msgId,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": signatures(hook.secrets, msgId, at, payload),
          "Accept-Encoding": "identity",
        },
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError" || Date.now() >= deadline) throw unprocessable("hook_timeout", timeoutMessage);
      if (attempt < HTTP_RETRIES - 1) {
        const wait = opts.backoffMs ?? HTTP_BACKOFF_MS;
        if (Date.now() + wait >= deadline) {
          await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
          throw unprocessable("hook_timeout", timeoutMessage);
        }
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      throw unprocessable("hook_timeout_after_retry", "Failed to reach hook after maximum retries");
    }
    switch (res.status) {
      case 204:
        await res.body?.cancel();
        return null;
      case 200:
      case 202: {
        const contentType = res.headers.get("content-type");
        if (!contentType) {
          await res.body?.cancel();
          throw badRequest("hook_payload_invalid_content_type", "Invalid Content-Type: Missing Content-Type header");
        }
        const mediaType = contentType.split(";")[0].trim().toLowerCase();
        if (mediaType !== "application/json") {
          await res.body?.cancel();
          throw badRequest("hook_payload_invalid_content_type", `Invalid JSON response. Received content-type: ${contentType}`);
        }
        const body = Buffer.from(await res.arrayBuffer());
        if (body.length > RESPONSE_LIMIT) {
          throw unprocessable("hook_payload_over_size_limit", `Payload size exceeded size limit of ${RESPONSE_LIMIT} bytes`);
        }
        let output: unknown;
        try {
          output = JSON.parse(body.toString("utf8"));
        } catch {
          checkHookError(undefined);
          throw internal("Error unmarshaling JSON output.");
        }
        checkHookError(output);
        return output;
      }
      case 429:
      case 503:
        await res.body?.cancel();
        if (res.headers.get("retry-after")) continue;
        throw internal("Service currently unavailable due to hook");
      case 400:
        await res.body?.cancel();
        throw internal("Invalid payload sent to hook");
      case 401:
        await res.body?.cancel();
        throw internal("Hook requires authorization token");
      default:
        await res.body?.cancel();
        throw internal(`Unexpected status code returned from hook: ${res.status}`);
    }
  }
  throw internal("Service currently unavailable due to hook");
}
