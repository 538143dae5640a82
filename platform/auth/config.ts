/**
 * The Auth server's settings, derived from supabase/config.toml the way the Supabase CLI turns
 * `[auth]` into GoTrue's environment for `supabase start` (CLI internal/start/start.go
 * `buildGotrueEnv`): the same keys, defaults and fixed values (SMS OTPs of 6 digits valid 6000 s,
 * the email-sent limit lifted unless a custom SMTP server is configured, service_role as the only
 * admin role). Read once when the service starts, as GoTrue reads its environment.
 */
import { readSupabaseConfig, resolveEnvRef, type SupabaseConfig } from "../../scripts/lib/supabase-config.ts";

export interface HookConfig {
  /** As written in config.toml. */
  uri: string;
  kind: "pg" | "http";
  /** pg-functions: the quoted `"schema"."function"` GoTrue selects. */
  pgName?: string;
  /** pg-functions: schema and function (unquoted). */
  schema?: string;
  fn?: string;
  /** http(s): Standard Webhooks secrets, each `v1,whsec_<base64>`. */
  secrets: string[];
  /** http(s): the URL this server calls (see localHookUrl). */
  url?: string;
}

export interface HookSet {
  customAccessToken?: HookConfig;
  sendSms?: HookConfig;
  sendEmail?: HookConfig;
  beforeUserCreated?: HookConfig;
  passwordVerificationAttempt?: HookConfig;
}

export interface AuthConfig {
  /** Public URL of Auth (API URL + /auth/v1 unless external_url says otherwise). */
  externalUrl: string;
  /** The JWT `iss` claim. */
  issuer: string;
  siteUrl: string;
  redirectAllowList: string[];
  jwtSecret: string;
  /** Access token lifetime in seconds. */
  jwtExp: number;
  /** GOTRUE_JWT_AUD / DEFAULT_GROUP_NAME / ADMIN_ROLES as the CLI sets them. */
  aud: string;
  defaultRole: string;
  adminRoles: string[];
  /** GoTrue's default admin group name (PUT /user may change app_metadata only for it). */
  adminGroupName: string;
  disableSignup: boolean;
  anonymousEnabled: boolean;
  email: {
    enabled: boolean;
    autoconfirm: boolean;
    otpLength: number;
    /** Seconds. */
    otpExp: number;
    /** Milliseconds between two mails of one kind to one user. */
    maxFrequencyMs: number;
    secureEmailChange: boolean;
    magicLinkEnabled: boolean;
  };
  sms: {
    enabled: boolean;
    autoconfirm: boolean;
    otpLength: number;
    otpExp: number;
    maxFrequencyMs: number;
    template: string;
    testOtp: Map<string, string>;
    /** The enabled provider section, or "" (then the local inbox delivers, see README). */
    provider: string;
  };
  password: { minLength: number; requiredCharacters: string[] };
  security: { refreshTokenRotation: boolean; refreshTokenReuseInterval: number; updatePasswordRequireReauthentication: boolean };
  sessions: { timeboxMs: number; inactivityTimeoutMs: number };
  rateLimits: {
    /** Per hour, global; Infinity when GoTrue's limit is lifted (no custom SMTP). */
    emailSent: number;
    /** Per hour, global. */
    smsSent: number;
    anonymousUsers: number;
    /** Per 5 minutes per IP: /token. */
    tokenRefresh: number;
    /** Per 5 minutes per IP: /signup, /otp, /recover, /magiclink, /resend, PUT /user. */
    otp: number;
    /** Per 5 minutes per IP: /verify. */
    verify: number;
  };
  hooks: HookSet;
}

/** An integer GoTrue setting from the environment (GoTrue reads GOTRUE_* variables), else the default. */
function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** A Go duration ("1s", "1m30s", "24h", "250ms"), in milliseconds. */
export function parseGoDuration(value: string, key: string): number {
  const text = value.trim();
  if (text === "0") return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  if (!text || matched !== text.length) throw new Error(`supabase/config.toml: ${key}: invalid duration "${value}"`);
  return total;
}

/** `pg-functions://<db>/<schema>/<function>` or an http(s) URL, as GoTrue accepts them. */
/**
 * Where the local Auth server reaches an http(s) hook. With `supabase start`, GoTrue runs in a
 * container and reaches the project's API (Kong, [api] port) at host.docker.internal:<port> (or
 * kong:8000 inside Docker's network); here Auth runs inside the gateway, whose URL moves with the
 * stack's ports, so those addresses map to the gateway itself. Any other URL is called as written.
 */
export function localHookUrl(uri: string, local: { apiUrl: string; apiPort: number }): string {
  const u = new URL(uri);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  const dockerHost = u.hostname === "host.docker.internal" && port === local.apiPort;
  const kong = u.hostname === "kong" && port === 8000;
  if (!dockerHost && !kong) return uri;
  return `${local.apiUrl.replace(/\/+$/, "")}${u.pathname}${u.search}`;
}

export function parseHook(
  name: string,
  hook: { enabled?: boolean; uri?: string; secrets?: string } | undefined,
  local?: { apiUrl: string; apiPort: number },
): HookConfig | undefined {
  if (!hook?.enabled) return undefined;
  const uri = hook.uri ?? "";
  const pg = /^pg-functions:\/\/[^/]+\/([^/]+)\/([^/]+)$/.exec(uri);
  if (pg) {
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    return { uri, kind: "pg", schema: pg[1], fn: pg[2], pgName: `${quote(pg[1])}.${quote(pg[2])}`, secrets: [] };
  }
  if (/^https?:\/\//.test(uri)) {
    const raw = resolveEnvRef(hook.secrets) ?? "";
    const secrets = raw.split("|").map((s) => s.trim()).filter(Boolean);
    if (secrets.length === 0 || secrets.some((s) => !/^v1,whsec_[A-Za-z0-9+/=]{32,88}$/.test(s))) {
      throw new Error(`supabase/config.toml: auth.hook.${name}.secrets must be "v1,whsec_<base64>" (|-separated for rotation)`);
    }
    return { uri, kind: "http", secrets, url: local ? localHookUrl(uri, local) : uri };
  }
  throw new Error(`supabase/config.toml: auth.hook.${name}.uri must be pg-functions://<db>/<schema>/<function> or an http(s) URL, got "${uri}"`);
}

const LETTERS_LOWER = "abcdefghijklmnopqrstuvwxyz";
const LETTERS_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
const SYMBOLS = "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~";

/** GOTRUE_PASSWORD_REQUIRED_CHARACTERS for the CLI's `password_requirements` values. */
function requiredCharacters(requirement: string | undefined): string[] {
  switch (requirement ?? "") {
    case "letters_digits":
      return [LETTERS_LOWER + LETTERS_UPPER, DIGITS];
    case "lower_upper_letters_digits":
      return [LETTERS_LOWER, LETTERS_UPPER, DIGITS];
    case "lower_upper_letters_digits_symbols":
      return [LETTERS_LOWER, LETTERS_UPPER, DIGITS, SYMBOLS];
    case "":
      return [];
    default:
      throw new Error(`supabase/config.toml: auth.password_requirements: unknown value "${requirement}"`);
  }
}

export interface AuthConfigInput {
  apiUrl: string;
  jwtSecret: string;
  supabaseDir?: string;
  /** Already parsed config (tests); otherwise read from supabaseDir. */
  config?: SupabaseConfig;
}

export function loadAuthConfig(input: AuthConfigInput): AuthConfig {
  const toml = input.config ?? readSupabaseConfig(input.supabaseDir);
  const auth = toml.auth ?? {};
  const email = auth.email ?? {};
  const sms = auth.sms ?? {};
  const rate = auth.rate_limit ?? {};
  const externalUrl = (auth.external_url || `${input.apiUrl.replace(/\/+$/, "")}/auth/v1`).replace(/\/+$/, "");
  const providers = ["twilio", "twilio_verify", "messagebird", "textlocal", "vonage"] as const;
  const provider = providers.find((p) => sms[p]?.enabled) ?? "";
  const hooks = auth.hook ?? {};
  const local = { apiUrl: input.apiUrl, apiPort: toml.api?.port ?? 54321 };
  return {
    externalUrl,
    issuer: auth.jwt_issuer || externalUrl,
    siteUrl: auth.site_url ?? "http://127.0.0.1:3000",
    redirectAllowList: auth.additional_redirect_urls ?? [],
    jwtSecret: input.jwtSecret,
    jwtExp: auth.jwt_expiry ?? 3600,
    aud: "authenticated",
    defaultRole: "authenticated",
    adminRoles: ["service_role"],
    adminGroupName: "admin",
    disableSignup: auth.enable_signup === false,
    anonymousEnabled: auth.enable_anonymous_sign_ins ?? false,
    email: {
      enabled: email.enable_signup ?? true,
      autoconfirm: !(email.enable_confirmations ?? false),
      otpLength: email.otp_length ?? 6,
      otpExp: email.otp_expiry ?? 3600,
      maxFrequencyMs: parseGoDuration(email.max_frequency ?? "1s", "auth.email.max_frequency"),
      secureEmailChange: email.double_confirm_changes ?? true,
      magicLinkEnabled: true,
    },
    sms: {
      enabled: sms.enable_signup ?? false,
      autoconfirm: !(sms.enable_confirmations ?? false),
      // GoTrue's SMS_OTP_LENGTH / SMS_OTP_EXP (the CLI fixes 6 and 6000 s; hosted projects set
      // them in the dashboard); the local stack passes the project's values (scripts/lib/config.ts).
      otpLength: envInt("GOTRUE_SMS_OTP_LENGTH", 6, 6, 10),
      otpExp: envInt("GOTRUE_SMS_OTP_EXP", 6000, 1, 86_400),
      maxFrequencyMs: parseGoDuration(sms.max_frequency ?? "5s", "auth.sms.max_frequency"),
      template: sms.template ?? "Your code is {{ .Code }}",
      testOtp: new Map(Object.entries(sms.test_otp ?? {}).map(([phone, otp]) => [phone.replace(/^\+/, ""), otp])),
      provider,
    },
    password: {
      minLength: auth.minimum_password_length ?? 6,
      requiredCharacters: requiredCharacters(auth.password_requirements),
    },
    security: {
      refreshTokenRotation: auth.enable_refresh_token_rotation ?? true,
      refreshTokenReuseInterval: auth.refresh_token_reuse_interval ?? 10,
      updatePasswordRequireReauthentication: email.secure_password_change ?? false,
    },
    sessions: {
      timeboxMs: auth.sessions?.timebox ? parseGoDuration(auth.sessions.timebox, "auth.sessions.timebox") : 0,
      inactivityTimeoutMs: auth.sessions?.inactivity_timeout
        ? parseGoDuration(auth.sessions.inactivity_timeout, "auth.sessions.inactivity_timeout")
        : 0,
    },
    rateLimits: {
      emailSent: email.smtp?.enabled ? rate.email_sent ?? 2 : Infinity,
      smsSent: rate.sms_sent ?? 30,
      anonymousUsers: rate.anonymous_users ?? 30,
      tokenRefresh: rate.token_refresh ?? 150,
      otp: rate.sign_in_sign_ups ?? 30,
      verify: rate.token_verifications ?? 30,
    },
    hooks: {
      customAccessToken: parseHook("custom_access_token", hooks.custom_access_token, local),
      sendSms: parseHook("send_sms", hooks.send_sms, local),
      sendEmail: parseHook("send_email", hooks.send_email, local),
      beforeUserCreated: parseHook("before_user_created", hooks.before_user_created, local),
      passwordVerificationAttempt: parseHook("password_verification_attempt", hooks.password_verification_attempt, local),
    },
  };
}
