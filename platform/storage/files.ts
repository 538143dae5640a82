/**
 * Object contents on local disk, laid out like the Storage API's file backend in `supabase start`
 * (STORAGE_BACKEND=file, tenant and global bucket `stub`): `<root>/stub/stub/<bucket>/<name>/<version>`,
 * one file per version, never in the database. Paths are resolved as the file backend does
 * (src/storage/backend/secure-path.ts): a key with a NUL byte, an absolute path or a `.`/`..`
 * segment is refused with InvalidKey before anything touches the disk, and nothing may resolve
 * outside the root. The eTag is the quoted MD5 of the content (the file backend's default).
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, type Stats } from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { ERRORS, StorageError } from "./errors.ts";

/** Tenant id and global bucket of the Storage API in `supabase start`. */
const TENANT = "stub";
const GLOBAL_BUCKET = "stub";

export interface StoredFile {
  size: number;
  eTag: string;
  lastModified: Date;
}

export class ObjectFiles {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file of one version of an object; InvalidKey for a key that could escape the root. */
  locate(bucketId: string, name: string, version: string): string {
    const relative = `${GLOBAL_BUCKET}/${TENANT}/${bucketId}/${name}/${version}`;
    const refuse = (reason: string): never => {
      throw ERRORS.invalidKey(`${relative} ${reason}`);
    };
    if (relative.includes("\0")) refuse("contains null byte");
    if (path.isAbsolute(relative)) refuse("must be a relative path");
    if (/^[a-zA-Z]:[\\/]/.test(relative) || /^\\\\[^\\/]+[\\/][^\\/]+/.test(relative)) refuse("must not be an absolute Windows path");
    if (relative.split(/[\\/]+/).some((segment) => segment === "." || segment === "..")) refuse("contains dot path segment");
    const resolved = path.resolve(this.root, relative);
    if (!resolved.startsWith(this.root + path.sep)) refuse("resolves outside storage directory");
    return resolved;
  }

  /**
   * Writes `body` to `file` (a new version), at most `limit` bytes: beyond that the partial file
   * is removed and EntityTooLarge thrown, after reading (and dropping) the rest of the body up to
   * `drainLimit` bytes so the response can still reach the client; a longer body is cut off.
   */
  async write(file: string, body: AsyncIterable<Buffer> | Buffer, limit: number, drainLimit = limit + 64 * 1024 * 1024): Promise<StoredFile> {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const md5 = createHash("md5");
    const out = createWriteStream(file, { flags: "wx" });
    const failed = new Promise<never>((_, reject) => out.once("error", reject));
    failed.catch(() => {});
    let size = 0;
    let tooLarge = false;
    try {
      for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
        size += chunk.length;
        if (tooLarge || size > limit) {
          tooLarge = true;
          if (size > drainLimit) break;
          continue;
        }
        md5.update(chunk);
        if (!out.write(chunk)) await Promise.race([once(out, "drain"), failed]);
      }
      out.end();
      await Promise.race([once(out, "finish"), failed]);
    } catch (e) {
      out.destroy();
      await this.remove(file);
      throw e instanceof StorageError ? e : ERRORS.noContentProvided((e as Error).message);
    }
    if (tooLarge) {
      await this.remove(file);
      throw ERRORS.entityTooLarge();
    }
    const stat = await fsp.stat(file);
    return { size, eTag: `"${md5.digest("hex")}"`, lastModified: stat.mtime };
  }

  async stat(file: string): Promise<Stats | null> {
    try {
      return await fsp.stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  }

  read(file: string, range?: { start: number; end: number }): Readable {
    return createReadStream(file, range);
  }

  /** Copies a version to a new file (a new version of the same or another object). */
  async copy(from: string, to: string): Promise<StoredFile> {
    await fsp.mkdir(path.dirname(to), { recursive: true });
    await fsp.copyFile(from, to);
    const stat = await fsp.stat(to);
    const md5 = createHash("md5");
    for await (const chunk of createReadStream(to)) md5.update(chunk as Buffer);
    return { size: stat.size, eTag: `"${md5.digest("hex")}"`, lastModified: stat.mtime };
  }

  /** Removes a version's file and the folders it leaves empty (never the root). Missing is fine. */
  async remove(file: string): Promise<void> {
    await fsp.rm(file, { force: true }).catch(() => {});
    let dir = path.dirname(file);
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return; // not empty (or gone): stop
      }
      dir = path.dirname(dir);
    }
  }
}
