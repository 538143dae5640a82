/**
 * The local pg_net (sql/platform/50_net.sql + the worker in platform/net): requests queued in SQL
 * with net.http_get/http_post/http_delete are performed after commit, and their answers or
 * failures land in net._http_response under the request id, as pg_net's background worker does.
 * A local HTTP server records what arrives.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql } from "../support.ts";

const sql = adminSql();
const received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let base = "";
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.url?.startsWith("/hang")) return;   // never answers
    res.writeHead(201, { "content-type": "application/json", "x-echo": "yes" });
    res.end(JSON.stringify({ ok: true }));
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await sql.end();
});

async function response(id: string) {
  for (let i = 0; i < 100; i++) {
    const [row] = await sql<{ status_code: number | null; content_type: string | null; headers: Record<string, string> | null;
      content: string | null; timed_out: boolean | null; error_msg: string | null }[]>`
      select status_code, content_type, headers, content, timed_out, error_msg from net._http_response where id = ${id}`;
    if (row) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no response for request ${id}`);
}

describe("pg_net (local)", () => {
  it("performs a POST after commit and stores the answer under the request id", async () => {
    const [{ id }] = await sql<{ id: string }[]>`
      select net.http_post(url := ${base + "/hook"}, body := '{"n": 1}'::jsonb, params := '{"a b": "x&y"}'::jsonb,
                           headers := '{"Content-Type": "application/json", "X-Test": "1"}'::jsonb)::text as id`;
    const row = await response(id);
    expect(row).toMatchObject({ status_code: 201, content_type: "application/json", content: '{"ok":true}', timed_out: false, error_msg: null });
    expect(row.headers?.["x-echo"]).toBe("yes");
    const req = received.find((r) => r.url.startsWith("/hook"))!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/hook?a%20b=x%26y");
    expect(req.headers["x-test"]).toBe("1");
    expect(JSON.parse(req.body)).toEqual({ n: 1 });
    expect(Number((await sql`select count(*) from net.http_request_queue where id = ${id}`)[0].count)).toBe(0);
  });

  it("GET and DELETE; timeouts and connection errors are recorded, not retried", async () => {
    const [{ g, d, t }] = await sql<{ g: string; d: string; t: string }[]>`
      select net.http_get(${base + "/get"}, '{"q": "ü"}')::text as g,
             net.http_delete(${base + "/del"})::text as d,
             net.http_get(url := ${base + "/hang"}, timeout_milliseconds := 300)::text as t`;
    expect((await response(g)).status_code).toBe(201);
    expect(received.find((r) => r.url.startsWith("/get"))?.url).toBe("/get?q=%C3%BC");
    expect((await response(d)).status_code).toBe(201);
    expect(received.find((r) => r.url.startsWith("/del"))?.method).toBe("DELETE");
    expect(await response(t)).toMatchObject({ status_code: null, timed_out: true, error_msg: "Timeout of 300 ms reached" });
    const [{ refused }] = await sql<{ refused: string }[]>`select net.http_get('http://127.0.0.1:1/')::text as refused`;
    const r = await response(refused);
    expect(r.status_code).toBeNull();
    expect(r.timed_out).toBe(false);
    expect(r.error_msg).toBeTruthy();
  });

  it("refuses what pg_net refuses", async () => {
    await expect(sql`select net.http_post(${base}, '{}'::jsonb, headers := '{"Content-Type": "text/plain"}'::jsonb)`)
      .rejects.toThrow('Content-Type header must be "application/json"');
    await expect(sql`select net.http_post(${base}, null::jsonb)`).rejects.toThrow("body must not be null");
  });
});
