/** The API gateway as client apps meet it: apikey, CORS, routes, and edge functions with JWTs. */
import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { ANON_KEY, JWT_SECRET, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from "../../scripts/lib/config.ts";
import { anonClient, newUser, stack } from "../support.ts";

const api = stack.apiUrl;

async function jwt(payload: Record<string, unknown>, secret = JWT_SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

describe("REST through the gateway", () => {
  it("serves PostgREST's OpenAPI document with the anon key", async () => {
    const res = await fetch(`${api}/rest/v1/`, { headers: { apikey: ANON_KEY } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { swagger?: string; info?: unknown; paths?: unknown };
    expect(doc.swagger).toBe("2.0");
    expect(doc.paths).toBeTypeOf("object");
  });

  it("answers a small PostgREST response in one piece with its length, and streams a large one", async () => {
    const small = await fetch(`${api}/rest/v1/categories?select=id&limit=2`, { headers: { apikey: ANON_KEY } });
    expect(small.status).toBe(200);
    const text = await small.text();
    expect(small.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toHaveLength(2);
    expect(small.headers.get("access-control-allow-origin")).toBe("*");
    // The OpenAPI document (~200 kB) is over the 64 kB the gateway gathers: it streams, whole.
    const large = await fetch(`${api}/rest/v1/`, { headers: { apikey: ANON_KEY } });
    const body = await large.text();
    expect(body.length).toBeGreaterThan(64 * 1024);
    expect(large.headers.get("content-length")).toBeNull();
    expect(JSON.parse(body)).toMatchObject({ swagger: "2.0" });
  });

  it("refuses a request without an apikey", async () => {
    const res = await fetch(`${api}/rest/v1/`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "No API key found in request" });
  });

  it("refuses an unknown or forged apikey", async () => {
    for (const key of ["nonsense", await jwt({ role: "anon" }, "another-secret-another-secret-another-secret")]) {
      const res = await fetch(`${api}/rest/v1/`, { headers: { apikey: key } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ message: "Invalid API key" });
    }
  });

  it("accepts the apikey as a query parameter and the opaque publishable and secret keys", async () => {
    expect((await fetch(`${api}/rest/v1/?apikey=${ANON_KEY}`)).status).toBe(200);
    expect((await fetch(`${api}/rest/v1/`, { headers: { apikey: PUBLISHABLE_KEY } })).status).toBe(200);
    expect((await fetch(`${api}/rest/v1/`, { headers: { apikey: SECRET_KEY } })).status).toBe(200);
    expect((await fetch(`${api}/rest/v1/`, { headers: { apikey: SERVICE_ROLE_KEY } })).status).toBe(200);
  });

  it("lets PostgREST reject an invalid user token", async () => {
    const res = await fetch(`${api}/rest/v1/`, {
      headers: { apikey: ANON_KEY, Authorization: `Bearer ${await jwt({ role: "authenticated", sub: "x" }, "wrong-secret-wrong-secret-wrong-secret-1")}` },
    });
    expect(res.status).toBe(401);
  });

  it("answers CORS preflight for browser clients", async () => {
    const res = await fetch(`${api}/rest/v1/anything`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:3000",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, apikey, content-type, x-client-info",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toMatch(/\*|http:\/\/localhost:3000/);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("apikey");
    const get = await fetch(`${api}/rest/v1/`, { headers: { apikey: ANON_KEY, Origin: "http://localhost:3000" } });
    expect(get.headers.get("access-control-allow-origin")).toBeTruthy();
  });

  it("explains that GraphQL needs the full Supabase stack", async () => {
    for (const path of ["/graphql/v1"]) {
      const res = await fetch(`${api}${path}`, { method: "POST", headers: { apikey: ANON_KEY } });
      expect(res.status).toBe(501);
      const body = (await res.json()) as { message: string };
      expect(body.message).toMatch(/full Supabase stack/);
    }
  });

  it("mounts the local Auth, Storage and Realtime servers", async () => {
    for (const path of ["/auth/v1/health", "/storage/v1/bucket/avatars", "/realtime/v1/api/broadcast"]) {
      const res = await fetch(`${api}${path}`, { headers: { apikey: ANON_KEY } });
      expect(res.status).not.toBe(501);
      expect(res.headers.get("access-control-allow-origin")).toBeTruthy();
    }
  });

  it("answers 404 in JSON for unknown paths", async () => {
    const res = await fetch(`${api}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
  });
});

describe("edge functions through the gateway", () => {
  it("runs health with a valid token and reports the database", async () => {
    const res = await fetch(`${api}/functions/v1/health`, { headers: { Authorization: `Bearer ${ANON_KEY}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; database: { ok: boolean; extensions: Record<string, unknown> } };
    expect(body.status).toBe("ok");
    expect(body.database.ok).toBe(true);
    expect(body.database.extensions.postgis).toBeTruthy();
  });

  it("refuses health without a token, with a forged one and with an expired one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<Record<string, string>> = [
      {},
      { Authorization: `Bearer ${await jwt({ role: "anon" }, "another-secret-another-secret-another-secret")}` },
      { Authorization: `Bearer ${await jwt({ role: "authenticated", sub: "u", exp: now - 60, iat: now - 3660 })}` },
      { Authorization: "Basic abc" },
    ];
    for (const headers of cases) {
      const res = await fetch(`${api}/functions/v1/health`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ msg: "Invalid JWT" });
    }
  });

  it("is invoked by supabase-js with a user's session", async () => {
    const { client } = await newUser("fn");
    const { data, error } = await client.functions.invoke("health", { method: "GET" });
    expect(error).toBeNull();
    expect(data).toMatchObject({ status: "ok" });
  });

  it("answers 404 for an unknown function and 405 for a wrong method", async () => {
    const missing = await fetch(`${api}/functions/v1/no-such-function`, { headers: { Authorization: `Bearer ${ANON_KEY}` } });
    expect(missing.status).toBe(404);
    const wrong = await anonClient().functions.invoke("health", { method: "DELETE" });
    expect(wrong.error).toBeTruthy();
    expect((wrong.error as { context?: Response }).context?.status).toBe(405);
  });
});
