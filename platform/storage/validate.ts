/**
 * Input checks of the Storage API: object keys and bucket names (src/storage/limits.ts: S3-safe
 * characters only), file size strings, and the JSON bodies its routes validate with JSON schemas
 * (Fastify/Ajv messages such as "body must have required property 'prefix'").
 */
import { ERRORS } from "./errors.ts";

const VALID_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/;
const VALID_BUCKET_NAME = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]*$/;
/** Bucket names ending like this are reserved for Iceberg tables. */
const RESERVED_BUCKET_SUFFIX = "--table-s3";

export function mustBeValidKey(key: string): void {
  if (!key || !VALID_KEY.test(key)) throw ERRORS.invalidKey(key);
}

export function mustBeValidBucketName(name: string): void {
  if (!name || name.length > 100 || !VALID_BUCKET_NAME.test(name)) throw ERRORS.invalidBucketName();
}

export function mustBeNotReservedBucketName(name: string): void {
  if (!name || name.endsWith(RESERVED_BUCKET_SUFFIX)) throw ERRORS.invalidBucketName();
}

/** "20MB", "1.5GB", "30KB", "3B" (decimal units) in bytes. */
export function parseFileSize(value: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(gb|mb|kb|b)$/i.exec(value);
  if (!m) throw ERRORS.invalidFileSizeLimit();
  const n = Number(Number.parseFloat(m[1]).toPrecision(3));
  const unit = { gb: 1e9, mb: 1e6, kb: 1e3, b: 1 }[m[2].toLowerCase() as "gb" | "mb" | "kb" | "b"];
  return n * unit;
}

/** Allowed MIME types of a bucket: `type/subtype` (optionally `;charset=...`) or ending in `*`. */
export function validateAllowedMimeTypes(types: string[]): void {
  for (const t of types) {
    if (t.length > 1000 || !/^([a-zA-Z0-9\-+.]+)\/([a-zA-Z0-9\-+.]+)(;\s*charset=[a-zA-Z0-9-]+)?$|\*$/.test(t)) {
      throw ERRORS.invalidMimeType(t);
    }
  }
}

type Kind = "string" | "integer" | "boolean" | "object" | "array";

function is(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
  }
}

/** A JSON body's fields, checked one by one with Ajv-like messages. */
export class Body {
  constructor(
    readonly value: Record<string, unknown>,
    private readonly where = "body",
  ) {}

  private get<T>(key: string, kind: Kind, required: boolean, nullable = false): T | undefined {
    const v = this.value[key];
    if (v === undefined) {
      if (required) throw ERRORS.validation(`${this.where} must have required property '${key}'`);
      return undefined;
    }
    if (v === null && nullable) return null as T;
    if (!is(kind, v)) throw ERRORS.validation(`${this.where}/${key} must be ${kind}`);
    return v as T;
  }

  string(key: string, required = false, nullable = false): string | undefined {
    return this.get<string>(key, "string", required, nullable);
  }
  boolean(key: string, required = false): boolean | undefined {
    return this.get<boolean>(key, "boolean", required);
  }
  integer(key: string, opts: { required?: boolean; min?: number } = {}): number | undefined {
    const v = this.get<number>(key, "integer", opts.required ?? false);
    if (v !== undefined && opts.min !== undefined && v < opts.min) throw ERRORS.validation(`${this.where}/${key} must be >= ${opts.min}`);
    return v;
  }
  oneOf<T extends string>(key: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.string(key, required);
    if (v !== undefined && !allowed.includes(v as T)) throw ERRORS.validation(`${this.where}/${key} must be equal to one of the allowed values`);
    return v as T | undefined;
  }
  strings(key: string, opts: { required?: boolean; nullable?: boolean; minItems?: number; maxItems?: number } = {}): string[] | null | undefined {
    const v = this.get<unknown[]>(key, "array", opts.required ?? false, opts.nullable ?? false);
    if (!v) return v as null | undefined;
    v.forEach((item, i) => {
      if (typeof item !== "string") throw ERRORS.validation(`${this.where}/${key}/${i} must be string`);
    });
    if (opts.minItems !== undefined && v.length < opts.minItems) {
      throw ERRORS.validation(`${this.where}/${key} must NOT have fewer than ${opts.minItems} items`);
    }
    if (opts.maxItems !== undefined && v.length > opts.maxItems) {
      throw ERRORS.validation(`${this.where}/${key} must NOT have more than ${opts.maxItems} items`);
    }
    return v as string[];
  }
  object(key: string): Body | undefined {
    const v = this.get<Record<string, unknown>>(key, "object", false);
    return v ? new Body(v, `${this.where}/${key}`) : undefined;
  }
  /** file_size_limit: a non-negative integer, a size string such as "20MB", or null. */
  fileSizeLimit(key: string): number | string | null | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return v as undefined | null;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === "string" && /^[0-9]+(?:\.[0-9]+)?(?:[gG][bB]|[mM][bB]|[kK][bB]|[bB])$/.test(v)) return v;
    throw ERRORS.validation(`${this.where}/${key} must match a schema in anyOf`);
  }
}
