/** Shared helpers for the vitest layers: the test stack's addresses, clients and users. */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type postgres from "postgres";
import WebSocket from "ws";
import { ANON_KEY, SERVICE_ROLE_KEY, profile, type ProfileName } from "../scripts/lib/config.ts";
import { parseIdentifier, signIn, type Session } from "../scripts/lib/auth.ts";
import { connect } from "../scripts/lib/db.ts";
import type { Database } from "../functions/_shared/database.types.ts";

/** The stack under test: `npm test` runs vitest with HL_PROFILE=test, then (integration) with legacy. */
export const stack = profile((process.env.HL_PROFILE as ProfileName | undefined) ?? "test");

function client(accessToken?: string): SupabaseClient<Database> {
  return createClient<Database>(stack.apiUrl, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket: supabase-js needs the ws package as its transport.
    realtime: { transport: WebSocket as never },
    global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {},
  });
}

export const anonClient = (): SupabaseClient<Database> => client();

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
  return { session, client: client(session.accessToken) };
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
