/** Shared helpers for the vitest layers: the test stack's addresses, clients, users, and the actors and fixtures the integration tests share. */
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import type postgres from "postgres";
import WebSocket from "ws";
import { ANON_KEY, SERVICE_ROLE_KEY, profile, type ProfileName } from "../scripts/lib/config.ts";
import { parseIdentifier, signIn, type Session } from "../scripts/lib/auth.ts";
import { connect } from "../scripts/lib/db.ts";
import type { Database } from "../functions/_shared/database.types.ts";

/** The stack under test: `npm test` runs vitest with HL_PROFILE=test, then (integration) with legacy. */
export const stack = profile((process.env.HL_PROFILE as ProfileName | undefined) ?? "test");

/** A supabase-js client for the stack under test, acting with `accessToken` (anon without one). */
export function clientFor(accessToken?: string): SupabaseClient<Database> {
  return createClient<Database>(stack.apiUrl, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket: supabase-js needs the ws package as its transport.
    realtime: { transport: WebSocket as never },
    global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {},
  });
}

export const anonClient = (): SupabaseClient<Database> => clientFor();

export const serviceClient = (): SupabaseClient<Database> =>
  createClient<Database>(stack.apiUrl, SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  });

let counter = 0;

/** A brand-new user (unique email) signed in through the token helper, with a client acting as them. */
export async function newUser(
  label = "user",
  userMetadata: Record<string, unknown> = {},
): Promise<{ session: Session; client: SupabaseClient<Database> }> {
  counter += 1;
  const email = `${label}.${process.pid}.${Date.now()}.${counter}@example.test`;
  const session = await signIn(stack, { ...parseIdentifier(email), userMetadata });
  return { session, client: clientFor(session.accessToken) };
}

/**
 * Deletes an account through the delete-account edge function (the domain deletion, then Auth's
 * soft delete): the client's user's own account, or with the service role client `support`'s
 * {user_id, reason}. Returns the function's status and JSON body.
 */
export async function deleteAccount(
  client: SupabaseClient<Database>,
  support?: { user_id: string; reason: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { data, error } = await client.functions.invoke("delete-account", { method: "POST", body: support ?? {} });
  if (!error) return { status: 200, body: data as Record<string, unknown> };
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  throw error;
}

/** A direct connection as the migration role `postgres` (for fixtures and assertions). */
export function adminSql(): postgres.Sql {
  return connect(stack, "postgres", { max: 2 });
}

/** Waits until PostgREST's schema cache knows a relation or function (after DDL in a test). */
export async function waitForSchema(path: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${stack.apiUrl}/rest/v1/${path}`, { headers: { apikey: SERVICE_ROLE_KEY }, method: "HEAD" });
    if (res.status !== 404) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`PostgREST did not pick up ${path}`);
}

// ---- Actors and fixtures ----------------------------------------------------------------------
// Fixtures are written with a direct connection as `postgres` (as a back office would) where the
// apps have no API for them, and through the RPCs as the users themselves where they do.

export type Client = SupabaseClient<Database>;
type Sql = postgres.Sql;

/** A signed-in user and a client acting as them. */
export interface Actor {
  id: string;
  email: string;
  client: Client;
}

/** A brand-new signed-in user (a customer: every account starts as one). */
export async function actor(label: string, userMetadata: Record<string, unknown> = {}): Promise<Actor> {
  const { session, client } = await newUser(label, userMetadata);
  return { id: session.user.id, email: session.user.email ?? "", client };
}

/** A new user holding an operator role (admin, moderator or support), granted as the database would. */
export async function operator(sql: Sql, label: string, role: "admin" | "moderator" | "support" = "admin"): Promise<Actor> {
  const a = await actor(label);
  await sql`insert into public.user_roles (user_id, role) values (${a.id}, ${role})`;
  return a;
}

/** A category for this run (slugs are unique per run); `parentId` makes it a subcategory. */
export async function createCategory(sql: Sql, slug: string, names: { en: string; ar: string }, parentId: string | null = null): Promise<string> {
  const [{ id }] = await sql`
    insert into public.categories (slug, names, parent_id)
    values (${`${slug}-${process.pid}-${Date.now()}-${++counter}`}, ${sql.json(names)}, ${parentId}) returning id`;
  return id as string;
}

/** A business owned by `owner`, with managers and staff; returns its id. */
export async function createBusiness(
  sql: Sql,
  owner: { id: string },
  name: string,
  members: { managers?: { id: string }[]; staff?: { id: string }[] } = {},
): Promise<string> {
  const [{ id }] = await sql`insert into public.businesses (owner_id, name) values (${owner.id}, ${name}) returning id`;
  const rows = [
    ...(members.managers ?? []).map((m) => ({ business_id: id as string, user_id: m.id, role: "manager" })),
    ...(members.staff ?? []).map((m) => ({ business_id: id as string, user_id: m.id, role: "staff" })),
  ];
  if (rows.length > 0) await sql`insert into public.business_members ${sql(rows)}`;
  return id as string;
}

/** A listing of a provider: any service_listings columns but the provider's. */
export type ListingSpec = Record<string, unknown> & { category_id: string };

export interface ProviderOptions {
  /** The provider's public base. */
  at: { lat: number; lng: number };
  /** Listings to create (by default an hourly listing at 10000 titled "<label> service"). */
  listings?: Partial<ListingSpec>[];
  /** The category of the default listing; without it and without `listings`, no listing. */
  categoryId?: string;
  /** Open every day from `opens` to `closes` (local time, "HH:MM"); none by default. */
  hours?: { opens: string; closes: string };
  /** Other provider_profiles columns: business_id, service_radius_m, timezone, ratings... */
  profile?: Record<string, unknown>;
  /** The user to make a provider (by default a new one). */
  user?: Actor;
}

export interface Provider extends Actor {
  /** The first listing, when any. */
  listing: string;
  listings: string[];
}

/** A provider: a user, a provider profile accepting work at `at`, listings and weekly hours. */
export async function createProvider(sql: Sql, label: string, options: ProviderOptions): Promise<Provider> {
  const a = options.user ?? (await actor(label));
  const profile = {
    id: a.id, display_name: label, is_available: true,
    base_location: `SRID=4326;POINT(${options.at.lng} ${options.at.lat})`,
    ...options.profile,
  };
  await sql`insert into public.provider_profiles ${sql(profile)}`;
  const specs = options.listings ?? (options.categoryId ? [{ category_id: options.categoryId }] : []);
  const listings: string[] = [];
  for (const spec of specs) {
    const row = { provider_id: a.id, title: `${label} service`, pricing_unit: "hourly", base_price: 10000, ...spec };
    const [{ id }] = await sql`insert into public.service_listings ${sql(row as Record<string, unknown>)} returning id`;
    listings.push(id as string);
  }
  if (options.hours) {
    await sql`
      insert into public.availability_rules (provider_id, weekday, start_time, end_time)
      select ${a.id}, d, ${options.hours.opens}, ${options.hours.closes} from generate_series(0, 6) d`;
  }
  return { ...a, listing: listings[0], listings };
}

/**
 * Distinct future start times, so fixtures never double-book a provider: every call gives a new
 * one, `stepHours` apart from `daysAhead` days ahead (whole hours, UTC); with `utcHours` [from, to)
 * the starts stay inside those hours of the day (e.g. a provider's working hours).
 */
export function startTimes(options: { daysAhead: number; stepHours?: number; utcHours?: [number, number] }): () => string {
  const HOUR = 3_600_000;
  let n = 0;
  return () => {
    n += 1;
    if (options.utcHours) {
      const [from, to] = options.utcHours;
      const perDay = to - from;
      const day = new Date(Date.now() + (options.daysAhead + Math.floor(n / perDay)) * 24 * HOUR);
      day.setUTCHours(from + (n % perDay), 0, 0, 0);
      return day.toISOString();
    }
    return new Date(Math.ceil(Date.now() / HOUR) * HOUR + options.daysAhead * 24 * HOUR + n * (options.stepHours ?? 1) * HOUR).toISOString();
  };
}

export type BookingState = "requested" | "accepted" | "en_route" | "arrived" | "in_progress" | "completed";

/**
 * The customer's payment for an accepted booking, authorised: the customer starts it
 * (prepare_booking_payment, as the payments function does with their token) and the provider's
 * answer, an authorised PaymentIntent (Stripe's shape, status requires_capture), is applied with
 * the service role as the payments worker does. Tests of other modules use it so bookings can
 * progress (start_travel, arrive and start need an authorised payment); the payment paths
 * themselves are tested end to end through the payments function. Returns the payment id.
 */
export async function authorizePayment(customer: { client: Client }, bookingId: string): Promise<string> {
  const prepared = await customer.client.rpc("prepare_booking_payment", {
    p_booking_id: bookingId, p_provider: "local", p_payment_method: "pm_card_visa",
  });
  if (prepared.error) throw new Error(`prepare_booking_payment: ${prepared.error.code} ${prepared.error.message}`);
  const p = prepared.data as { payment_id: string; amount: number; currency: string; attempt: number; metadata: Record<string, string> };
  const applied = await serviceClient().rpc("apply_payment_intent", {
    p_provider: "local",
    p_intent: {
      id: `pi_test_${p.payment_id.replaceAll("-", "")}_${p.attempt}`, object: "payment_intent", status: "requires_capture",
      amount: p.amount, amount_capturable: p.amount, amount_received: 0, currency: p.currency.toLowerCase(),
      capture_method: "manual", payment_method: "pm_card_visa", metadata: p.metadata,
    },
  });
  if (applied.error) throw new Error(`apply_payment_intent: ${applied.error.code} ${applied.error.message}`);
  return p.payment_id;
}

/**
 * A booking of `listing` by `customer` walked to `state` through the RPCs, as the apps do: book,
 * the provider accepts (unless instant book did), travels, arrives, starts with the customer's
 * code and completes. Returns the booking row as the last call returned it.
 */
export async function bookInState(
  booking: { customer: Actor; provider: Actor; listing: string; start: string; place?: { lat: number; lng: number; address?: string; note?: string } },
  state: BookingState,
): Promise<{ id: string; status: string } & Record<string, unknown>> {
  const { customer, provider } = booking;
  const booked = await customer.client.rpc("book_listing", {
    p_listing_id: booking.listing, p_start: booking.start,
    p_lat: booking.place?.lat, p_lng: booking.place?.lng, p_address: booking.place?.address, p_note: booking.place?.note,
  });
  if (booked.error) throw new Error(`book_listing: ${booked.error.code} ${booked.error.message}`);
  let row = booked.data as { id: string; status: string } & Record<string, unknown>;
  const order: BookingState[] = ["requested", "accepted", "en_route", "arrived", "in_progress", "completed"];
  const step = async (transition: string) => {
    const res = transition === "start"
      ? await provider.client.rpc("start_booking", {
          p_booking_id: row.id,
          p_code: (await customer.client.rpc("get_booking_start_code", { p_booking_id: row.id }).single()).data!.code,
        })
      : await provider.client.rpc("transition_booking", { p_booking_id: row.id, p_transition: transition });
    if (res.error) throw new Error(`${transition}: ${res.error.code} ${res.error.message}`);
    row = res.data as typeof row;
  };
  const transitions: Record<BookingState, string> = {
    requested: "", accepted: "accept", en_route: "start_travel", arrived: "arrive", in_progress: "start", completed: "complete",
  };
  for (const s of order.slice(order.indexOf(row.status as BookingState) + 1, order.indexOf(state) + 1)) {
    // arrive follows accepted directly unless the booking should be en route first.
    if (s === "en_route" && state !== "en_route") continue;
    // Progress needs the customer's payment authorised.
    if (row.status === "accepted" && row.price !== 0) await authorizePayment(customer, row.id);
    await step(transitions[s]);
  }
  return row;
}

/** A job posted by `customer` through post_job (ASAP, a fixed budget unless one is given). */
export async function postJob(
  customer: Actor,
  job: { categoryId: string; at: { lat: number; lng: number }; title?: string } & Record<string, unknown>,
) {
  const { categoryId, at, title, ...rest } = job;
  const { data, error } = await customer.client.rpc("post_job", {
    p_category_id: categoryId, p_title: title ?? "Fix the kitchen sink", p_lat: at.lat, p_lng: at.lng, p_duration_minutes: 60,
    ...("p_budget_min" in rest || "p_budget_max" in rest ? {} : { p_fixed_budget: 15000 }),
    p_asap: !("p_preferred_start" in rest),
    ...rest,
  } as never);
  if (error) throw new Error(`post_job: ${error.code} ${error.message}`);
  return data! as Database["public"]["Tables"]["job_requests"]["Row"];
}

/** An offer by `provider` on a job through make_offer (60 minutes by default). */
export async function makeOffer(provider: Actor, jobId: string, offer: { price: number; start: string } & Record<string, unknown>) {
  const { price, start, ...rest } = offer;
  const { data, error } = await provider.client.rpc("make_offer", {
    p_job_id: jobId, p_price: price, p_proposed_start: start, p_duration_minutes: 60, ...rest,
  } as never);
  if (error) throw new Error(`make_offer: ${error.code} ${error.message}`);
  return data! as Database["public"]["Tables"]["job_offers"]["Row"];
}

/** A job posted by `customer` with an offer from each provider, one `start()` each. */
export async function jobWithOffers(
  customer: Actor,
  providers: Actor[],
  job: Parameters<typeof postJob>[1],
  offer: { price: number; start: () => string },
) {
  const posted = await postJob(customer, job);
  const offers = await Promise.all(providers.map((p) => makeOffer(p, posted.id, { price: offer.price, start: offer.start() })));
  return { job: posted, offers };
}
