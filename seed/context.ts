/** What every seed section gets: the sizes, the shared generator state and the section type. */
import type { Faker } from "@faker-js/faker";

export const SIZES = {
  small: { users: 25, providers: 10 },
  medium: { users: 2_000, providers: 300 },
  large: { users: 50_000, providers: 5_000 },
} as const;

export type SeedSize = keyof typeof SIZES;

export interface SeedUser {
  id: string;
  email: string;
  phone: string | null;
  fullName: string;
  username: string;
  locale: string;
}

export interface SeedContext {
  faker: Faker;
  size: SeedSize;
  counts: (typeof SIZES)[SeedSize];
  users: SeedUser[];
}

/** A section returns SQL statements; sections run in order inside one transaction. */
export type Section = (ctx: SeedContext) => string[];
