/**
 * Secrets as GoTrue makes and stores them (AU internal/crypto/crypto.go, password.go,
 * internal/models/user.go):
 *   - passwords: bcrypt, cost 10, `$2a$` (Go's x/crypto/bcrypt), at most 72 bytes;
 *   - OTPs: uniformly random decimal codes, zero-padded to their length;
 *   - OTP hashes: lowercase hex SHA-224 of identifier + code (phone without '+', email lowercased);
 *   - refresh tokens: 12 lowercase base32 characters from crypto-random bytes;
 *   - soft-delete obfuscation: unpadded base64url of SHA-256(user id + value), phones cut to 15.
 */
import { createHash, randomBytes, randomInt } from "node:crypto";
import bcrypt from "bcryptjs";

const BCRYPT_COST = 10;

export async function hashPassword(password: string): Promise<string> {
  // bcryptjs writes the `$2b$` prefix; Go writes `$2a$` (same algorithm for passwords < 256 bytes).
  const salt = (await bcrypt.genSalt(BCRYPT_COST)).replace(/^\$2b\$/, "$2a$");
  return bcrypt.hash(password, salt);
}

export async function comparePassword(password: string, hash: string): Promise<boolean> {
  if (!hash) return false;
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}

export function generateOtp(digits: number): string {
  let out = "";
  // One draw per 6 digits keeps every code equally likely for any length.
  for (let left = digits; left > 0; left -= 6) {
    const n = Math.min(left, 6);
    out += String(randomInt(0, 10 ** n)).padStart(n, "0");
  }
  return out;
}

export function tokenHash(emailOrPhone: string, otp: string): string {
  return createHash("sha224").update(emailOrPhone + otp).digest("hex");
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** GoTrue's SecureAlphanumeric(12): base32 (lowercase, unpadded) of random bytes, cut to length. */
export function secureAlphanumeric(length = 12): string {
  const bytes = randomBytes(Math.ceil((length * 5) / 8));
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out.slice(0, length);
}

/** A random password for users who never chose one (OTP sign-ups, admin-created users). */
export function randomPassword(length = 64): string {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += chars[randomInt(0, chars.length)];
  return out;
}

export function obfuscate(userId: string, value: string): string {
  return createHash("sha256").update(userId + value).digest("base64url");
}

export function obfuscatePhone(userId: string, phone: string): string {
  return obfuscate(userId, phone).slice(0, 15);
}
