/**
 * GoTrue's rate limiters (AU internal/api/apilimiter, internal/ratelimit):
 *   - per-IP token buckets (tollbooth): `limit` requests per 5 minutes refilled continuously, a
 *     burst of 30, buckets forgotten after an hour idle — /token, /verify, /signup, /otp, PUT /user;
 *   - global interval limiters: `events` per hour in fixed windows — emails and SMS sent.
 * Hosted Supabase keys the per-IP buckets by the client address its proxy forwards; the local
 * server uses the first X-Forwarded-For address, else the peer (GoTrue's GetIPAddress).
 */
import { tooManyRequests } from "./errors.ts";

export class KeyedBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = Date.now();

  constructor(
    /** Tokens per millisecond. */
    private readonly ratePerMs: number,
    private readonly burst: number,
    private readonly ttlMs = 3_600_000,
  ) {}

  /** `limit` per `windowMs`, burst 30 (GoTrue's limiters for /token, /verify, /otp ...). */
  static perWindow(limit: number, windowMs = 300_000, burst = 30): KeyedBucketLimiter {
    return new KeyedBucketLimiter(limit / windowMs, burst);
  }

  allow(key: string, now = Date.now()): boolean {
    if (now - this.lastSweep > this.ttlMs) {
      for (const [k, b] of this.buckets) if (now - b.at > this.ttlMs) this.buckets.delete(k);
      this.lastSweep = now;
    }
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.ratePerMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

export class IntervalLimiter {
  private start = Date.now();
  private count = 0;

  constructor(
    private readonly events: number,
    private readonly intervalMs = 3_600_000,
  ) {}

  allow(now = Date.now()): boolean {
    if (!Number.isFinite(this.events)) return true;
    const windows = Math.floor((now - this.start) / this.intervalMs);
    if (windows > 0) {
      this.start += windows * this.intervalMs;
      this.count = 0;
    }
    if (this.count < this.events) {
      this.count++;
      return true;
    }
    return false;
  }
}

export interface Limiters {
  token: KeyedBucketLimiter;
  verify: KeyedBucketLimiter;
  /** /signup, /otp, /recover, /magiclink, /resend and PUT /user share one rate, in separate buckets. */
  signups: KeyedBucketLimiter;
  otp: KeyedBucketLimiter;
  recover: KeyedBucketLimiter;
  user: KeyedBucketLimiter;
  anonymous: KeyedBucketLimiter;
  email: IntervalLimiter;
  sms: IntervalLimiter;
}

export function createLimiters(r: {
  tokenRefresh: number;
  verify: number;
  otp: number;
  anonymousUsers: number;
  emailSent: number;
  smsSent: number;
}): Limiters {
  return {
    token: KeyedBucketLimiter.perWindow(r.tokenRefresh),
    verify: KeyedBucketLimiter.perWindow(r.verify),
    signups: KeyedBucketLimiter.perWindow(r.otp),
    otp: KeyedBucketLimiter.perWindow(r.otp),
    recover: KeyedBucketLimiter.perWindow(r.otp),
    user: KeyedBucketLimiter.perWindow(r.otp),
    anonymous: new KeyedBucketLimiter(r.anonymousUsers / 3_600_000, r.anonymousUsers),
    email: new IntervalLimiter(r.emailSent),
    sms: new IntervalLimiter(r.smsSent),
  };
}

/** 429 over_request_rate_limit unless the bucket of `ip` has room. */
export function checkRequestRate(limiter: KeyedBucketLimiter, ip: string): void {
  if (!limiter.allow(ip)) throw tooManyRequests("over_request_rate_limit", "Request rate limit reached");
}
