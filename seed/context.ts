/** What every seed section gets: the sizes, the shared generator state and the section type. */
import type { Faker } from "@faker-js/faker";

/**
 * Row counts per size. Activity (businesses onwards) goes through the project's own functions
 * row by row (seed/runtime.ts), so these counts set the load time; bookings are per state
 * (every state of the booking process gets `bookingsPerState`, plus the jobs' accepted offers).
 */
export const SIZES = {
  small: { users: 25, providers: 10, businesses: 2, sellers: 4, products: 16, likes: 40, views: 80, follows: 12, jobs: 6, bookingsPerState: 3, orders: 6, chats: 6, haggles: 9 },
  medium: { users: 2_000, providers: 300, businesses: 30, sellers: 150, products: 1_000, likes: 3_000, views: 6_000, follows: 600, jobs: 200, bookingsPerState: 40, orders: 200, chats: 300, haggles: 200 },
  large: { users: 50_000, providers: 5_000, businesses: 250, sellers: 1_500, products: 8_000, likes: 15_000, views: 30_000, follows: 4_000, jobs: 1_000, bookingsPerState: 200, orders: 1_000, chats: 1_500, haggles: 1_000 },
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

export interface SeedListing {
  categorySlug: string;
  unit: string;
  /** Minor units (AED); 0 for quote listings. */
  price: number;
  minutes: number;
}

export interface SeedProvider {
  id: string;
  area: string;
  lat: number;
  lng: number;
  listings: SeedListing[];
}

export interface SeedContext {
  faker: Faker;
  size: SeedSize;
  counts: (typeof SIZES)[SeedSize];
  users: SeedUser[];
  /** Filled by the catalog section: the providers and their listings. */
  providers: SeedProvider[];
}

/** A section returns SQL statements; sections run in order inside one transaction. */
export type Section = (ctx: SeedContext) => string[];
