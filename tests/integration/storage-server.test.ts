/**
 * The local Storage server (platform/storage) through the gateway with the real supabase-js, as
 * an app meets it: upload (multipart and raw, upsert), download, public and signed URLs, signed
 * uploads, list, move, copy, remove; the project's policies deciding who writes and reads where
 * (own folder, job-media rules); bucket limits; bucket administration by the service role; the
 * database scope the policies see; and misuse (bad paths, forged tokens, malformed bodies) that
 * must be refused with the Storage API's errors while nothing is written and the server stays up.
 */
import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { ANON_KEY, JWT_SECRET } from "../../scripts/lib/config.ts";
import {
  actor, adminSql, anonClient, createCategory, createProvider, postJob, serviceClient, stack, type Actor,
} from "../support.ts";

const sql = adminSql();
const api = `${stack.apiUrl}/storage/v1`;
/** Where the gateway's Storage server keeps files: the file backend layout of `supabase start`. */
const filesRoot = path.join(stack.home, "platform", "storage", "stub", "stub");

/** A small PNG-typed blob (supabase-js sends Blobs as multipart form data). */
const png = (bytes = 64, fill = 7) => new Blob([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(bytes, fill)], { type: "image/png" });
const jpeg = (bytes = 64) => new Blob([Buffer.from("ffd8ffe0", "hex"), Buffer.alloc(bytes, 3)], { type: "image/jpeg" });

async function objectRow(bucket: string, name: string) {
  const [row] = await sql`select * from storage.objects where bucket_id = ${bucket} and name = ${name}`;
  return row as { id: string; owner: string | null; owner_id: string | null; version: string; metadata: Record<string, unknown>; user_metadata: unknown } | undefined;
}

const fileOf = (bucket: string, name: string, version: string) => path.join(filesRoot, bucket, name, version);

/** A request exactly as written (no URL normalisation of `..`), through the gateway. */
function rawRequest(method: string, p: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(stack.apiUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: p, headers }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const sign = (payload: Record<string, unknown>, secret = JWT_SECRET, exp: string | number = "1h") =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

let alice: Actor;
let bob: Actor;

beforeAll(async () => {
  [alice, bob] = await Promise.all([actor("storage.alice"), actor("storage.bob")]);
});

afterAll(() => sql.end());

describe("objects in the user's own folder", () => {
  it("uploads, stores the file on disk and the row as the Storage API does, downloads, lists, signs and removes", async () => {
    const name = `${alice.id}/avatar.png`;
    const up = await alice.client.storage.from("avatars").upload(name, png(100), { cacheControl: "120" });
    expect(up.error).toBeNull();
    expect(up.data).toMatchObject({ path: name, fullPath: `avatars/${name}` });

    const row = (await objectRow("avatars", name))!;
    expect(row.id).toBe(up.data!.id);
    expect(row.owner).toBe(alice.id);
    expect(row.owner_id).toBe(alice.id);
    expect(row.metadata).toMatchObject({ size: 108, mimetype: "image/png", cacheControl: "max-age=120", contentLength: 108, httpStatusCode: 200 });
    expect(row.metadata.eTag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Date.parse(row.metadata.lastModified as string)).not.toBeNaN();
    // The content is a file of its own version, never in the database.
    expect(existsSync(fileOf("avatars", name, row.version))).toBe(true);

    const down = await alice.client.storage.from("avatars").download(name);
    expect(down.error).toBeNull();
    expect(down.data!.type).toBe("image/png");
    expect(Buffer.from(await down.data!.arrayBuffer())).toEqual(Buffer.from(await png(100).arrayBuffer()));

    const listed = await alice.client.storage.from("avatars").list(alice.id);
    expect(listed.error).toBeNull();
    expect(listed.data!.map((o) => o.name)).toEqual(["avatar.png"]);
    expect(listed.data![0]).toMatchObject({ id: row.id, metadata: { size: 108, mimetype: "image/png" } });
    // Another user lists nothing of it (no SELECT policy for them), nor does anon.
    expect((await bob.client.storage.from("avatars").list(alice.id)).data).toEqual([]);
    expect((await anonClient().storage.from("avatars").list(alice.id)).data).toEqual([]);

    const signed = await alice.client.storage.from("avatars").createSignedUrl(name, 60);
    expect(signed.error).toBeNull();
    const viaUrl = await fetch(signed.data!.signedUrl); // no apikey, no token: the URL is the credential
    expect(viaUrl.status).toBe(200);
    expect(viaUrl.headers.get("content-type")).toBe("image/png");
    expect(viaUrl.headers.get("expires")).toBeTruthy();
    expect((await viaUrl.arrayBuffer()).byteLength).toBe(108);

    const many = await alice.client.storage.from("avatars").createSignedUrls([name, `${alice.id}/missing.png`], 60);
    expect(many.error).toBeNull();
    expect(many.data![0].signedUrl).toContain("/storage/v1/object/sign/avatars/");
    expect(many.data![1]).toMatchObject({ signedUrl: null, error: "Either the object does not exist or you do not have access to it" });

    const removed = await alice.client.storage.from("avatars").remove([name]);
    expect(removed.error).toBeNull();
    expect(removed.data!.map((o) => o.name)).toEqual([name]);
    expect(await objectRow("avatars", name)).toBeUndefined();
    expect(existsSync(fileOf("avatars", name, row.version))).toBe(false);
    const gone = await alice.client.storage.from("avatars").download(name);
    expect(gone.error).toMatchObject({ status: 400, statusCode: "404", message: "Object not found" });
  });

  it("refuses a second upload to the same name unless upsert, and replaces the file on upsert", async () => {
    const name = `${alice.id}/dup.png`;
    expect((await alice.client.storage.from("avatars").upload(name, png(10, 1))).error).toBeNull();
    const first = (await objectRow("avatars", name))!;
    const again = await alice.client.storage.from("avatars").upload(name, png(10, 2));
    expect(again.error).toMatchObject({ status: 400, statusCode: "409", message: "The resource already exists" });

    const upsert = await alice.client.storage.from("avatars").upload(name, png(20, 3), { upsert: true });
    expect(upsert.error).toBeNull();
    const second = (await objectRow("avatars", name))!;
    expect(second.id).toBe(first.id);
    expect(second.version).not.toBe(first.version);
    expect(second.metadata.size).toBe(28);
    expect(existsSync(fileOf("avatars", name, first.version))).toBe(false);
    expect(existsSync(fileOf("avatars", name, second.version))).toBe(true);

    // update() is a PUT: always an upsert. A raw body carries its own Content-Type.
    const raw = await alice.client.storage.from("avatars").update(name, Buffer.alloc(5, 9), { contentType: "image/webp" });
    expect(raw.error).toBeNull();
    expect((await objectRow("avatars", name))!.metadata).toMatchObject({ size: 5, mimetype: "image/webp", cacheControl: "max-age=3600" });
  });

  it("refuses uploads into another user's folder or the bucket root, writing nothing", async () => {
    for (const name of [`${bob.id}/intruder.png`, "root.png"]) {
      const res = await alice.client.storage.from("avatars").upload(name, png());
      expect(res.error).toMatchObject({ status: 400, statusCode: "403", message: "new row violates row-level security policy" });
      expect(await objectRow("avatars", name)).toBeUndefined();
    }
    expect(existsSync(path.join(filesRoot, "avatars", bob.id, "intruder.png"))).toBe(false);
    // anon (the anon key, no user) cannot upload anywhere.
    const anon = await anonClient().storage.from("avatars").upload(`${alice.id}/anon.png`, png());
    expect(anon.error).toMatchObject({ statusCode: "403" });
  });

  it("enforces the bucket's size limit (413) and MIME types (415), multipart and raw", async () => {
    const big = new Blob([Buffer.alloc(2 * 1024 * 1024 + 1)], { type: "image/png" }); // avatars: 2 MiB
    const tooBig = await alice.client.storage.from("avatars").upload(`${alice.id}/big.png`, big);
    expect(tooBig.error).toMatchObject({ status: 400, statusCode: "413", message: "The object exceeded the maximum allowed size" });
    const tooBigRaw = await alice.client.storage.from("avatars").upload(`${alice.id}/big-raw.png`, Buffer.alloc(3 * 1024 * 1024), { contentType: "image/png" });
    expect(tooBigRaw.error).toMatchObject({ statusCode: "413" });

    const text = await alice.client.storage.from("avatars").upload(`${alice.id}/note.txt`, "hello");
    expect(text.error).toMatchObject({ status: 400, statusCode: "415", message: "mime type text/plain;charset=UTF-8 is not supported" });
    const gif = await alice.client.storage.from("avatars").upload(`${alice.id}/anim.gif`, new Blob(["GIF89a"], { type: "image/gif" }));
    expect(gif.error).toMatchObject({ statusCode: "415", message: "mime type image/gif is not supported" });

    const [{ n }] = await sql`select count(*)::int as n from storage.objects where bucket_id = 'avatars' and name = any(${[
      `${alice.id}/big.png`, `${alice.id}/big-raw.png`, `${alice.id}/note.txt`, `${alice.id}/anim.gif`,
    ]}::text[])`;
    expect(n).toBe(0);
    for (const f of ["big.png", "big-raw.png", "note.txt", "anim.gif"]) expect(existsSync(path.join(filesRoot, "avatars", alice.id, f))).toBe(false);
    // A file exactly at the limit is fine.
    const atLimit = await alice.client.storage.from("avatars").upload(`${alice.id}/limit.png`, new Blob([Buffer.alloc(2 * 1024 * 1024)], { type: "image/png" }));
    expect(atLimit.error).toBeNull();
  });

  it("serves public buckets by public URL without any key, and never private ones", async () => {
    const name = `${alice.id}/public.png`;
    expect((await alice.client.storage.from("avatars").upload(name, png(32))).error).toBeNull();
    const { publicUrl } = alice.client.storage.from("avatars").getPublicUrl(name).data;
    expect(publicUrl).toBe(`${stack.apiUrl}/storage/v1/object/public/avatars/${name}`);
    const res = await fetch(publicUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("max-age=3600");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await res.arrayBuffer()).byteLength).toBe(40);
    // Revalidation and ranges, as a browser or player asks.
    expect((await fetch(publicUrl, { headers: { "if-none-match": res.headers.get("etag")! } })).status).toBe(304);
    const part = await fetch(publicUrl, { headers: { range: "bytes=0-7" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 0-7/40");
    // anon downloads from a public bucket through the ordinary route too.
    expect((await anonClient().storage.from("avatars").download(name)).error).toBeNull();

    const privateUrl = alice.client.storage.from("job-media").getPublicUrl(`${alice.id}/x.jpg`).data.publicUrl;
    const refused = await fetch(privateUrl);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ statusCode: "404", code: "NoSuchBucket", message: "Bucket not found" });
  });

  it("uploads through a signed upload URL without the user's token, owned by the signer", async () => {
    const name = `${alice.id}/via-signed-upload.png`;
    const signed = await alice.client.storage.from("avatars").createSignedUploadUrl(name);
    expect(signed.error).toBeNull();
    const up = await anonClient().storage.from("avatars").uploadToSignedUrl(name, signed.data!.token, png(12));
    expect(up.error).toBeNull();
    expect(up.data).toMatchObject({ fullPath: `avatars/${name}` });
    expect((await objectRow("avatars", name))!.owner_id).toBe(alice.id);
    // The signing already asks RLS: no signed upload URL into another user's folder.
    const refused = await alice.client.storage.from("avatars").createSignedUploadUrl(`${bob.id}/x.png`);
    expect(refused.error).toMatchObject({ statusCode: "403" });
    // A token only works for its own path.
    const elsewhere = await anonClient().storage.from("avatars").uploadToSignedUrl(`${alice.id}/other.png`, signed.data!.token, png(12));
    expect(elsewhere.error).toMatchObject({ statusCode: "400", message: "Invalid signature" });
  });

  it("moves and copies within the user's folder, and not into someone else's", async () => {
    const from = `${alice.id}/move-me.png`;
    expect((await alice.client.storage.from("avatars").upload(from, png(16))).error).toBeNull();
    const before = (await objectRow("avatars", from))!;
    const moved = await alice.client.storage.from("avatars").move(from, `${alice.id}/moved/here.png`);
    expect(moved.error).toBeNull();
    const after = (await objectRow("avatars", `${alice.id}/moved/here.png`))!;
    expect(after.id).toBe(before.id);
    expect(await objectRow("avatars", from)).toBeUndefined();
    expect(existsSync(fileOf("avatars", from, before.version))).toBe(false);
    expect(existsSync(fileOf("avatars", `${alice.id}/moved/here.png`, after.version))).toBe(true);

    const stolen = await alice.client.storage.from("avatars").move(`${alice.id}/moved/here.png`, `${bob.id}/here.png`);
    expect(stolen.error).toMatchObject({ statusCode: "403", message: "new row violates row-level security policy" });
    expect(await objectRow("avatars", `${alice.id}/moved/here.png`)).toBeDefined();

    const copied = await alice.client.storage.from("avatars").copy(`${alice.id}/moved/here.png`, `${alice.id}/copy.png`);
    expect(copied.error).toBeNull();
    expect(copied.data!.path).toBe(`avatars/${alice.id}/copy.png`);
    const copy = (await objectRow("avatars", `${alice.id}/copy.png`))!;
    expect(copy.metadata).toMatchObject({ size: 24, mimetype: "image/png" });
    expect((await alice.client.storage.from("avatars").copy(`${alice.id}/copy.png`, `${bob.id}/copy.png`)).error).toMatchObject({ statusCode: "403" });
    // Bob cannot even see the source to copy it.
    expect((await bob.client.storage.from("avatars").copy(`${alice.id}/copy.png`, `${bob.id}/copy.png`)).error).toMatchObject({ statusCode: "404" });

    // Folders list as entries without an id; removing by prefix needs the exact names.
    const listed = await alice.client.storage.from("avatars").list(alice.id, { sortBy: { column: "name", order: "asc" } });
    expect(listed.data!.find((o) => o.name === "moved")).toMatchObject({ id: null, metadata: null });
    const bobRemoves = await bob.client.storage.from("avatars").remove([`${alice.id}/copy.png`]);
    expect(bobRemoves.data).toEqual([]);
    expect(await objectRow("avatars", `${alice.id}/copy.png`)).toBeDefined();
  });
});

describe("job-media: the jobs module's folder rules", () => {
  let customer: Actor;
  let provider: Actor;
  let stranger: Actor;
  let jobId: string;

  beforeAll(async () => {
    const category = await createCategory(sql, "it-storage", { en: "Plumbing", ar: "سباكة" });
    const site = { lat: 25.1, lng: 55.2 };
    provider = await createProvider(sql, "storage.provider", { at: { lat: site.lat + 0.005, lng: site.lng }, categoryId: category, profile: { service_radius_m: 10000 } });
    [customer, stranger] = await Promise.all([actor("storage.customer"), actor("storage.stranger")]);
    jobId = (await postJob(customer, { categoryId: category, at: site })).id;
  });

  it("lets the customer upload into an open job's folder, a matched provider read, and nobody else", async () => {
    const name = `${customer.id}/${jobId}/sink.jpg`;
    const up = await customer.client.storage.from("job-media").upload(name, jpeg());
    expect(up.error).toBeNull();

    // Not outside a job of theirs, not at the root of their folder, not as the provider.
    for (const [who, other] of [[customer, `${customer.id}/${crypto.randomUUID()}/x.jpg`], [customer, `${customer.id}/x.jpg`], [provider, `${customer.id}/${jobId}/p.jpg`]] as const) {
      const res = await who.client.storage.from("job-media").upload(other, jpeg());
      expect(res.error).toMatchObject({ statusCode: "403" });
    }

    const asProvider = await provider.client.storage.from("job-media").download(name);
    expect(asProvider.error).toBeNull();
    expect(asProvider.data!.size).toBe(68);
    const signed = await provider.client.storage.from("job-media").createSignedUrl(name, 60);
    expect(signed.error).toBeNull();
    expect((await fetch(signed.data!.signedUrl)).status).toBe(200);

    const asStranger = await stranger.client.storage.from("job-media").download(name);
    expect(asStranger.error).toMatchObject({ status: 400, statusCode: "404", message: "Object not found" });
    expect((await stranger.client.storage.from("job-media").createSignedUrl(name, 60)).error).toMatchObject({ statusCode: "404" });
    expect((await stranger.client.storage.from("job-media").list(`${customer.id}/${jobId}`)).data).toEqual([]);
    // The bucket is private: anon reads nothing, with the anon key (RLS hides the object) or without a key.
    expect((await anonClient().storage.from("job-media").download(name)).error).toMatchObject({ statusCode: "404", message: "Object not found" });
    const noKey = await fetch(`${api}/object/job-media/${name}`);
    expect(await noKey.json()).toMatchObject({ statusCode: "404", message: "Bucket not found" });
    // The customer lists their job's photos.
    expect((await customer.client.storage.from("job-media").list(`${customer.id}/${jobId}`)).data!.map((o) => o.name)).toEqual(["sink.jpg"]);
  });
});

describe("buckets", () => {
  const id = `it-bucket-${Date.now().toString(36)}`;
  const admin = serviceClient();

  it("are created, read, updated, emptied and deleted by the service role only", async () => {
    expect((await admin.storage.createBucket(id, { public: false, fileSizeLimit: "1MB", allowedMimeTypes: ["text/plain"] })).error).toBeNull();
    const got = await admin.storage.getBucket(id);
    expect(got.data).toMatchObject({ id, name: id, public: false, file_size_limit: 1_000_000, allowed_mime_types: ["text/plain"] });
    expect((await admin.storage.listBuckets()).data!.map((b) => b.id)).toEqual(expect.arrayContaining(["avatars", "listing-media", "job-media", id]));
    expect((await admin.storage.createBucket(id)).error).toMatchObject({ statusCode: "409", message: "The resource already exists" });
    expect((await admin.storage.updateBucket(id, { public: true, fileSizeLimit: 10 })).error).toBeNull();
    expect((await admin.storage.getBucket(id)).data).toMatchObject({ public: true, file_size_limit: 10 });
    // Limits above the global upload limit ([storage] file_size_limit) are refused.
    expect((await admin.storage.updateBucket(id, { public: true, fileSizeLimit: "60MB" })).error).toMatchObject({ statusCode: "413" });

    expect((await admin.storage.from(id).upload("a.txt", "0123456789", { contentType: "text/plain" })).error).toBeNull();
    expect((await admin.storage.from(id).upload("b.txt", "0123456789+", { contentType: "text/plain" })).error).toMatchObject({ statusCode: "413" });
    expect((await admin.storage.deleteBucket(id)).error).toMatchObject({ statusCode: "409", message: "The bucket you tried to delete is not empty" });

    // Users see no bucket rows (no policy on storage.buckets) and cannot change any.
    expect((await alice.client.storage.listBuckets()).data).toEqual([]);
    expect((await alice.client.storage.getBucket(id)).error).toMatchObject({ statusCode: "404", message: "Bucket not found" });
    expect((await alice.client.storage.createBucket(`${id}-mine`)).error).toMatchObject({ statusCode: "403" });
    expect((await alice.client.storage.updateBucket(id, { public: false })).error).toMatchObject({ statusCode: "404" });
    const empty = await alice.client.storage.emptyBucket(id);
    expect(empty.error).toMatchObject({ status: 403, statusCode: "403", message: "Access denied: Invalid role" });

    expect((await admin.storage.emptyBucket(id)).error).toBeNull();
    expect((await admin.storage.from(id).list()).data).toEqual([]);
    // The empty bucket is not theirs to delete (RLS hides it from the DELETE).
    expect((await alice.client.storage.deleteBucket(id)).error).toMatchObject({ statusCode: "404", message: "Bucket not found" });
    expect((await admin.storage.deleteBucket(id)).error).toBeNull();
    expect((await admin.storage.getBucket(id)).error).toMatchObject({ statusCode: "404" });
  });
});

describe("the database scope the policies see", () => {
  const bucket = `it-scope-${Date.now().toString(36)}`;

  beforeAll(async () => {
    expect((await serviceClient().storage.createBucket(bucket)).error).toBeNull();
    // A probe policy for this bucket only (it widens nothing else): it refuses the insert with a
    // message made of the settings the Storage server set in the transaction.
    await sql.unsafe(`
      create schema if not exists it_storage_probe;
      grant usage on schema it_storage_probe to authenticated;
      create or replace function it_storage_probe.report() returns boolean language plpgsql as $$
      begin
        raise exception using errcode = '42501', message = json_build_object(
          'current_user', current_user,
          'role', current_setting('role'),
          'claim_role', current_setting('request.jwt.claim.role', true),
          'claim_sub', current_setting('request.jwt.claim.sub', true),
          'claims_sub', (current_setting('request.jwt.claims', true))::jsonb ->> 'sub',
          'jwt_is_token', current_setting('request.jwt', true) ~ '^[^.]+\\.[^.]+\\.[^.]+$',
          'probe_header', (current_setting('request.headers', true))::jsonb ->> 'x-probe',
          'method', current_setting('request.method', true),
          'path', current_setting('request.path', true),
          'operation', storage.operation(),
          'allow_delete', current_setting('storage.allow_delete_query', true))::text;
      end $$;
      grant execute on function it_storage_probe.report() to authenticated;
      create policy "it storage scope probe" on storage.objects for insert to authenticated
        with check (bucket_id = '${bucket}' and it_storage_probe.report());`);
  });

  afterAll(async () => {
    await sql.unsafe(`drop policy if exists "it storage scope probe" on storage.objects; drop schema if exists it_storage_probe cascade;`);
    await serviceClient().storage.deleteBucket(bucket);
  });

  it("is the caller's role and claims, the request and the Storage API's operation", async () => {
    const res = await alice.client.storage.from(bucket).upload("probe.txt", "x", { headers: { "x-probe": "hello" } });
    expect(res.error).toMatchObject({ statusCode: "403" });
    expect(JSON.parse(res.error!.message)).toEqual({
      current_user: "authenticated",
      role: "authenticated",
      claim_role: "authenticated",
      claim_sub: alice.id,
      claims_sub: alice.id,
      jwt_is_token: true,
      probe_header: "hello",
      method: "POST",
      path: `/object/${bucket}/probe.txt`,
      operation: "storage.object.upload",
      allow_delete: "true",
    });
  });
});

describe("misuse", () => {
  let token: string;
  const auth = () => ({ apikey: ANON_KEY, authorization: `Bearer ${token}`, "content-type": "image/png" });

  beforeAll(async () => {
    token = await sign({ role: "authenticated", sub: alice.id, aud: "authenticated" });
  });

  it("refuses `..`, `.`, NUL and non-S3 keys with the Storage API's InvalidKey, writing nothing", async () => {
    const before = await sql`select count(*)::int as n from storage.objects`;
    for (const key of [`${alice.id}/../${bob.id}/x.png`, `${alice.id}/%2e%2e/%2e%2e/escape.png`, `${alice.id}/./x.png`, `${alice.id}/a%00b.png`, `${alice.id}/caf%C3%A9.png`]) {
      const res = await rawRequest("POST", `/storage/v1/object/avatars/${key}`, auth(), Buffer.alloc(16, 1));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ statusCode: "400", code: "InvalidKey" });
    }
    const dots = await rawRequest("POST", `/storage/v1/object/avatars/${alice.id}/../x.png`, auth(), Buffer.alloc(16, 1));
    expect(dots.json.message).toMatch(new RegExp(`^Invalid key: stub/stub/avatars/${alice.id}/\\.\\./x\\.png/[0-9a-f-]{36} contains dot path segment$`));
    expect(await sql`select count(*)::int as n from storage.objects`).toEqual(before);
    expect(existsSync(path.join(filesRoot, "escape.png"))).toBe(false);
    expect(existsSync(path.join(filesRoot, "..", "escape.png"))).toBe(false);
  });

  it("treats an absolute path as a key outside the user's folder", async () => {
    const res = await rawRequest("POST", "/storage/v1/object/avatars//etc/passwd", auth(), Buffer.alloc(16, 1));
    expect(res.json).toMatchObject({ statusCode: "403", code: "AccessDenied", message: "new row violates row-level security policy" });
    expect(await objectRow("avatars", "/etc/passwd")).toBeUndefined();
  });

  it("refuses forged, expired and missing tokens as the Storage API does", async () => {
    const forged = await sign({ role: "authenticated", sub: alice.id }, "another-secret-another-secret-another-secret");
    const expired = await sign({ role: "authenticated", sub: alice.id }, JWT_SECRET, Math.floor(Date.now() / 1000) - 60);
    const name = `/storage/v1/object/avatars/${alice.id}/t.png`;
    expect((await rawRequest("POST", name, { ...auth(), authorization: `Bearer ${forged}` }, Buffer.alloc(4))).json).toMatchObject({
      statusCode: "403", code: "AccessDenied", error: "Unauthorized", message: "signature verification failed",
    });
    expect((await rawRequest("POST", name, { ...auth(), authorization: `Bearer ${expired}` }, Buffer.alloc(4))).json).toMatchObject({
      statusCode: "403", message: '"exp" claim timestamp check failed',
    });
    expect((await rawRequest("POST", name, { "content-type": "image/png" }, Buffer.alloc(4))).json).toMatchObject({ statusCode: "403", message: "Invalid Compact JWS" });
    expect(await objectRow("avatars", `${alice.id}/t.png`)).toBeUndefined();
    // An invalid token on a download of a public bucket just means anon.
    expect((await rawRequest("GET", `/storage/v1/object/avatars/${alice.id}/t.png`, { authorization: `Bearer ${forged}` })).json).toMatchObject({ statusCode: "404", code: "NoSuchKey" });
  });

  it("refuses tampered, misdirected, expired and wrong-scope signed URLs", async () => {
    const name = `${alice.id}/signed-target.png`;
    expect((await alice.client.storage.from("avatars").upload(name, png(8))).error).toBeNull();
    const good = await sign({ url: `avatars/${name}`, scope: "download" });
    expect((await rawRequest("GET", `/storage/v1/object/sign/avatars/${name}?token=${good}`)).status).toBe(200);
    expect((await rawRequest("GET", `/storage/v1/object/sign/avatars/${name}?token=${good.slice(0, -4)}AAAA`)).json).toMatchObject({ statusCode: "400", code: "InvalidJWT" });
    expect((await rawRequest("GET", `/storage/v1/object/sign/avatars/${alice.id}/other.png?token=${good}`)).json).toMatchObject({ code: "InvalidSignature", message: "Invalid signature" });
    const old = await sign({ url: `avatars/${name}`, scope: "download" }, JWT_SECRET, Math.floor(Date.now() / 1000) - 5);
    expect((await rawRequest("GET", `/storage/v1/object/sign/avatars/${name}?token=${old}`)).json).toMatchObject({ code: "InvalidJWT", message: '"exp" claim timestamp check failed' });
    // A download token is no upload token.
    const put = await rawRequest("PUT", `/storage/v1/object/upload/sign/avatars/${name}?token=${good}`, { "content-type": "image/png" }, Buffer.alloc(4));
    expect(put.json).toMatchObject({ code: "InvalidSignature", message: "Token is not scoped for upload" });
    expect(((await objectRow("avatars", name))!.metadata as { size: number }).size).toBe(16);
  });

  it("refuses malformed bodies and unknown routes, and stays up", async () => {
    const list = "/storage/v1/object/list/avatars";
    const json = { ...auth(), "content-type": "application/json" };
    expect((await rawRequest("POST", list, json, Buffer.from("{not json"))).json).toMatchObject({ statusCode: "400", code: "InvalidRequest" });
    expect((await rawRequest("POST", list, json, Buffer.from("{}"))).json).toMatchObject({ message: "body must have required property 'prefix'" });
    expect((await rawRequest("POST", list, json, Buffer.from('{"prefix":"","limit":0}'))).json).toMatchObject({ message: "body/limit must be >= 1" });
    const multipart = await rawRequest("POST", `/storage/v1/object/avatars/${alice.id}/m.png`, { ...auth(), "content-type": "multipart/form-data; boundary=x" }, Buffer.from("garbage"));
    expect(multipart.json).toMatchObject({ statusCode: "400", code: "InvalidRequest" });
    expect((await rawRequest("POST", `/storage/v1/object/no-such-bucket/${alice.id}/a.png`, auth(), Buffer.alloc(4))).json).toMatchObject({ statusCode: "404", code: "NoSuchBucket" });
    expect((await rawRequest("GET", "/storage/v1/object/avatars/%E0%A4%A", auth())).status).toBe(400);
    const unknown = await rawRequest("GET", "/storage/v1/nothing-here", auth());
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ statusCode: "404", error: "Not Found", message: "Route GET:/nothing-here not found" });
    for (const p of ["/storage/v1/upload/resumable", "/storage/v1/render/image/public/avatars/x.png", "/storage/v1/s3/avatars"]) {
      const res = await rawRequest("POST", p, auth());
      expect(res.status).toBe(501);
      expect(res.json).toMatchObject({ statusCode: "501", code: "NotSupported" });
    }
    // A huge declared body is refused before it is read.
    const huge = await rawRequest("POST", `/storage/v1/object/avatars/${alice.id}/huge.png`, auth(), Buffer.alloc(6 * 1024 * 1024));
    expect(huge.json).toMatchObject({ statusCode: "413" });
    // Still serving.
    expect((await alice.client.storage.from("avatars").list(alice.id)).error).toBeNull();
  });
});
