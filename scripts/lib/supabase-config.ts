/**
 * supabase/config.toml, read and validated in one place: the local stack's buckets, the token
 * helper's access token hook and the functions host's functions and secrets all come from here.
 *
 * The sections the project sets are typed; keys left out of the schema below are accepted and
 * dropped (the Supabase CLI reads them, the local stack does not). A value of the wrong type fails
 * with an error that names the file and the key, e.g.
 * `supabase/config.toml: storage.buckets.avatars.public: Invalid input: expected boolean, received string`.
 * Values stay as written; resolveEnvRef resolves `env(NAME)` where the local stack passes a value
 * on (the functions' `[edge_runtime.secrets]`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ROOT } from "./config.ts";
import { StackError } from "./proc.ts";

/** Folder of config.toml (and migrations, seed.sql) in this repository. */
const SUPABASE_DIR = path.join(ROOT, "supabase");

/** config.toml could not be read, parsed or validated; the message names the file (and key). */
export class SupabaseConfigError extends StackError {}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** A size such as "5MB" or "50MiB", in bytes ("" for none). */
const size = z.string().transform((value, ctx): number | null => {
  if (!value) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(value.trim());
  if (m) return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? "b").toLowerCase()]);
  ctx.addIssue({ code: "custom", message: `invalid size "${value}" (use a number with B, KB, KiB, MB, MiB, GB or GiB)` });
  return z.NEVER;
});

const int = z.number().int();
const strings = z.array(z.string());
/** Values that may be `env(NAME)` references, or plain scalars passed on as strings. */
const envValue = z.union([z.string(), z.number(), z.boolean()], { error: "expected a string, number or boolean" });

const bucket = z.object({
  public: z.boolean().optional(),
  file_size_limit: size.optional(),
  allowed_mime_types: strings.optional(),
});

const hook = z.object({
  enabled: z.boolean().optional(),
  uri: z.string().optional(),
  secrets: z.string().optional(),
});

/** An SMS provider section: the local stack only needs to know whether one is enabled. */
const smsProvider = z.object({ enabled: z.boolean().optional() });

const functionSection = z.object({
  enabled: z.boolean().optional(),
  verify_jwt: z.boolean().optional(),
  /** Relative to the supabase folder. */
  entrypoint: z.string().optional(),
  /** Relative to the supabase folder: a deno.json(c) or an import map. */
  import_map: z.string().optional(),
});

const schema = z.object({
  project_id: z.string().optional(),
  api: z
    .object({
      enabled: z.boolean().optional(),
      port: int.optional(),
      schemas: strings.optional(),
      extra_search_path: strings.optional(),
      max_rows: int.optional(),
      auto_expose_new_tables: z.boolean().optional(),
    })
    .optional(),
  db: z
    .object({
      port: int.optional(),
      shadow_port: int.optional(),
      major_version: int.optional(),
    })
    .optional(),
  storage: z
    .object({
      enabled: z.boolean().optional(),
      file_size_limit: size.optional(),
      buckets: z.record(z.string(), bucket).optional(),
    })
    .optional(),
  auth: z
    .object({
      enabled: z.boolean().optional(),
      site_url: z.string().optional(),
      /** Auth's public URL (default: the API URL + /auth/v1); also the JWT issuer unless jwt_issuer is set. */
      external_url: z.string().optional(),
      jwt_issuer: z.string().optional(),
      additional_redirect_urls: strings.optional(),
      jwt_expiry: int.optional(),
      enable_refresh_token_rotation: z.boolean().optional(),
      refresh_token_reuse_interval: int.optional(),
      enable_signup: z.boolean().optional(),
      enable_anonymous_sign_ins: z.boolean().optional(),
      enable_manual_linking: z.boolean().optional(),
      minimum_password_length: int.optional(),
      password_requirements: z.string().optional(),
      rate_limit: z
        .object({
          email_sent: int.optional(),
          sms_sent: int.optional(),
          anonymous_users: int.optional(),
          token_refresh: int.optional(),
          sign_in_sign_ups: int.optional(),
          token_verifications: int.optional(),
          web3: int.optional(),
        })
        .optional(),
      email: z
        .object({
          /** GoTrue's EXTERNAL_EMAIL_ENABLED (the CLI's key; default true). */
          enable_signup: z.boolean().optional(),
          double_confirm_changes: z.boolean().optional(),
          enable_confirmations: z.boolean().optional(),
          secure_password_change: z.boolean().optional(),
          max_frequency: z.string().optional(),
          otp_length: int.optional(),
          otp_expiry: int.optional(),
          /** Only `enabled` matters locally: [auth.rate_limit] email_sent applies with a custom SMTP server. */
          smtp: z.object({ enabled: z.boolean().optional() }).optional(),
        })
        .optional(),
      sms: z
        .object({
          /** GoTrue's EXTERNAL_PHONE_ENABLED (the CLI's key; default false). */
          enable_signup: z.boolean().optional(),
          enable_confirmations: z.boolean().optional(),
          template: z.string().optional(),
          max_frequency: z.string().optional(),
          test_otp: z.record(z.string(), z.string()).optional(),
          twilio: smsProvider.optional(),
          twilio_verify: smsProvider.optional(),
          messagebird: smsProvider.optional(),
          textlocal: smsProvider.optional(),
          vonage: smsProvider.optional(),
        })
        .optional(),
      sessions: z
        .object({
          /** Go durations such as "24h" or "8h30m". */
          timebox: z.string().optional(),
          inactivity_timeout: z.string().optional(),
        })
        .optional(),
      hook: z
        .object({
          before_user_created: hook.optional(),
          custom_access_token: hook.optional(),
          mfa_verification_attempt: hook.optional(),
          password_verification_attempt: hook.optional(),
          send_sms: hook.optional(),
          send_email: hook.optional(),
        })
        .optional(),
    })
    .optional(),
  edge_runtime: z
    .object({
      enabled: z.boolean().optional(),
      policy: z.enum(["oneshot", "per_worker"]).optional(),
      inspector_port: int.optional(),
      deno_version: int.optional(),
      secrets: z.record(z.string(), envValue).optional(),
    })
    .optional(),
  functions: z.record(z.string(), functionSection).optional(),
});

export type SupabaseConfig = z.output<typeof schema>;

function shown(file: string): string {
  const rel = path.relative(ROOT, file);
  return rel.startsWith("..") ? file : rel;
}

/** config.toml in `supabaseDir`. */
export function supabaseConfigFile(supabaseDir = SUPABASE_DIR): string {
  return path.join(supabaseDir, "config.toml");
}

/** Parses and validates the text of a config.toml (`file` is only used in error messages). */
export function parseSupabaseConfig(text: string, file: string): SupabaseConfig {
  let toml: unknown;
  try {
    toml = parseToml(text);
  } catch (err) {
    throw new SupabaseConfigError(`cannot parse ${shown(file)}: ${(err as Error).message}`);
  }
  const result = schema.safeParse(toml);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.map(String).join(".")}: ${issue.message}`);
  throw new SupabaseConfigError(`${shown(file)}: ${problems.join("; ")}`);
}

/** Reads, parses and validates `<supabaseDir>/config.toml`. */
export function readSupabaseConfig(supabaseDir = SUPABASE_DIR): SupabaseConfig {
  const file = supabaseConfigFile(supabaseDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new SupabaseConfigError(`cannot read ${shown(file)}: ${(err as Error).message}`);
  }
  return parseSupabaseConfig(text, file);
}

/**
 * A config value as the process sees it: `env(NAME)` resolves from this process's environment
 * (undefined when NAME is unset), as in the CLI; other strings as written, numbers and booleans
 * as strings.
 */
export function resolveEnvRef(value: z.output<typeof envValue> | undefined): string | undefined {
  if (typeof value !== "string") return value === undefined ? undefined : String(value);
  const m = /^env\((\w+)\)$/.exec(value.trim());
  return m ? process.env[m[1]] : value;
}
