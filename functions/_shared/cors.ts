/**
 * The one CORS definition of the project: the edge functions (./http.ts) and the local API gateway
 * (scripts/gateway.ts, which imports this file from Node) send these headers. Plain TypeScript
 * without imports, so Deno and Node load it alike.
 *
 * Values as Supabase's stack sends them: any origin (Kong's cors plugin as `supabase start`
 * configures it, and supabase-js's `corsHeaders`), the request headers supabase-js sends, the
 * Data API's response headers, and preflights cached for a day (PostgREST's own CORS max-age;
 * Kong sets none).
 */

/** Request headers a browser client may send: the ones supabase-js and its clients set. */
export const CORS_ALLOW_HEADERS: readonly string[] = [
  // supabase-js's own `corsHeaders` (@supabase/supabase-js/cors)
  "authorization",
  "x-client-info",
  "apikey",
  "content-type",
  "x-retry-count",
  // Data API (postgrest-js) and Auth (auth-js)
  "prefer",
  "range",
  "accept-profile",
  "content-profile",
  "x-supabase-api-version",
  // Storage uploads (storage-js) and function regions (functions-js)
  "x-upsert",
  "x-metadata",
  "cache-control",
  "x-region",
];

const ALLOW_METHODS: readonly string[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/** Response headers a browser client may read (counts, ranges, locations, applied preferences). */
const EXPOSE_HEADERS: readonly string[] = [
  "content-range",
  "content-location",
  "content-profile",
  "location",
  "preference-applied",
  "range-unit",
  "x-total-count",
];

/** How long a browser may cache a preflight answer. */
const MAX_AGE_SECONDS = 86400;

/** The CORS headers of every response and preflight answer. */
export const corsHeaders: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS.join(", "),
  "Access-Control-Allow-Methods": ALLOW_METHODS.join(", "),
  "Access-Control-Expose-Headers": EXPOSE_HEADERS.join(", "),
  "Access-Control-Max-Age": String(MAX_AGE_SECONDS),
};
