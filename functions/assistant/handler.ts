/**
 * POST /functions/v1/assistant — a draft job from a free-text description (English or Arabic):
 * category, title, duration and a budget range drawn from completed bookings in that category
 * and area.
 *
 *   body  {description: 3..2000 characters (at least 3 letters), locale?: "en" | "ar" (a region
 *         such as "ar-AE" is accepted; detected from the text when absent), lat?, lng?}
 *   200   {locale, category {id, slug, name, parent_id}, title, duration_minutes, duration_basis,
 *          budget {currency, min, max, median, basis, radius_m, sample_size} | null, confidence,
 *          source: "heuristic" | "llm", fallback_reason?}
 *
 * Steps, all as the calling user (so the database's guards and rate limits apply to them):
 *   1. Auth checks the access token (GET /auth/v1/user; the session must be alive) → else 401 HL001.
 *   2. The body is validated (zod) → 400 HL004 (not JSON, unknown field), HL340 (description),
 *      HL341 (locale), HL200/HL201 (latitude/longitude), HL008 (only one of them).
 *   3. rpc assistant_catalog() — the categories with names and keywords; counts one request
 *      against rate_limit.assistant (429 HL006 passes through).
 *   4. The suggester picks a category and a title: the LLM one when ASSISTANT_LLM_API_KEY (or
 *      OPENAI_API_KEY) is set, with the heuristic standing in when its answer cannot be used;
 *      otherwise the heuristic. No category → 422 HL342.
 *   5. rpc assistant_estimate(category, lat, lng) — budget percentiles and median minutes.
 *   6. The response is validated (zod) before it is sent.
 * Duration: the completed bookings' median when the budget comes from bookings; else the median
 * duration of the category's listings; else the suggester's guess; else 60 minutes.
 */
import { z } from "zod";
import { optionalEnv, requireEnv } from "../_shared/env.ts";
import { bearer, handle, HttpError, json, methodNotAllowed } from "../_shared/http.ts";
import { detectLocale, letterCount } from "../_shared/text.ts";
import { categoryName, heuristicSuggester } from "./heuristic.ts";
import { createLlmSuggester } from "./llm.ts";
import {
  type AssistantResponse,
  assistantRequest,
  assistantResponse,
  type CatalogCategory,
  catalogRows,
  DESCRIPTION_MAX,
  DESCRIPTION_MIN,
  estimate as estimateSchema,
  type Locale,
  type Suggester,
} from "./schemas.ts";

export interface AssistantDeps {
  /** The project's API URL (SUPABASE_URL). */
  supabaseUrl: () => string;
  anonKey: () => string;
  /** The suggester of a request (read per request so a changed key takes effect on restart only). */
  suggester: () => Suggester;
  fetch?: typeof fetch;
}

const DEFAULT_DURATION = 60;

/** The messages of the registered codes this function answers itself (README error table). */
const ERRORS = {
  HL001: [401, "You must be signed in to do this."],
  HL004: [400, "The request contains an invalid value."],
  HL008: [400, "Give both latitude and longitude, or neither."],
  HL200: [400, "Latitude must be between -90 and 90."],
  HL201: [400, "Longitude must be between -180 and 180."],
  HL340: [400, "Describe the job in 3 to 2000 characters."],
  HL341: [400, "The assistant understands English (en) and Arabic (ar)."],
  HL342: [422, "No service category matches this description."],
} as const;

function fail(code: keyof typeof ERRORS, details: unknown = null): never {
  const [status, message] = ERRORS[code];
  throw new HttpError(status, code, message, details);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/** The validated request, or a specific error for the first problem. */
export function parseRequest(body: unknown): z.infer<typeof assistantRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) fail("HL004", "the body must be a JSON object");
  const parsed = assistantRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? "");
    const details = issue.code === "unrecognized_keys"
      ? `unknown field(s): ${issue.keys.join(", ")}`
      : `${field}: ${issue.message}`;
    if (issue.code === "unrecognized_keys") fail("HL004", details);
    if (field === "description") {
      fail("HL340", `description must be text of ${DESCRIPTION_MIN} to ${DESCRIPTION_MAX} characters (${issue.message})`);
    }
    if (field === "locale") fail("HL341", details);
    if (field === "lat") fail("HL200", details);
    if (field === "lng") fail("HL201", details);
    fail("HL004", details);
  }
  const input = parsed.data;
  if (letterCount(input.description) < DESCRIPTION_MIN) fail("HL340", "description must contain at least 3 letters");
  if ((input.lat === undefined) !== (input.lng === undefined)) fail("HL008", "send lat and lng together");
  return input;
}

/** The suggester configured by the environment: the LLM one when a key is set, else the heuristic. */
export function suggesterFromEnv(): Suggester {
  const apiKey = optionalEnv("ASSISTANT_LLM_API_KEY") ?? optionalEnv("OPENAI_API_KEY");
  if (!apiKey) return heuristicSuggester;
  const format = optionalEnv("ASSISTANT_LLM_RESPONSE_FORMAT", "json_schema");
  return createLlmSuggester({
    apiKey,
    baseUrl: optionalEnv("ASSISTANT_LLM_BASE_URL", "https://api.openai.com/v1")!,
    model: optionalEnv("ASSISTANT_LLM_MODEL", "gpt-4o-mini")!,
    timeoutMs: Number(optionalEnv("ASSISTANT_LLM_TIMEOUT_MS", "8000")),
    responseFormat: format === "json_object" ? "json_object" : "json_schema",
  }, heuristicSuggester);
}

export function createAssistantHandler(deps: AssistantDeps): (req: Request) => Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  return handle(async (req) => {
    if (req.method !== "POST") return methodNotAllowed(["POST", "OPTIONS"]);
    const token = bearer(req);
    if (!token) fail("HL001");
    const url = deps.supabaseUrl().replace(/\/+$/, "");
    const headers = { Authorization: `Bearer ${token}`, apikey: deps.anonKey(), "Content-Type": "application/json" };

    // 1. A signed-in user with a live session.
    const auth = await doFetch(`${url}/auth/v1/user`, { headers });
    const user = await readBody(auth);
    if (!auth.ok) fail("HL001", (user as { message?: unknown } | null)?.message ?? null);

    // 2. The request.
    let raw: unknown;
    try {
      raw = await req.json();
    } catch {
      fail("HL004", "the body must be valid JSON");
    }
    const input = parseRequest(raw);
    const locale: Locale = input.locale ? (input.locale.slice(0, 2) as Locale) : detectLocale(input.description);

    // Database calls as the user; their refusals (HL006, HL208, ...) pass through unchanged.
    const rpc = async (name: string, args: Record<string, unknown>): Promise<unknown> => {
      const res = await doFetch(`${url}/rest/v1/rpc/${name}`, { method: "POST", headers, body: JSON.stringify(args) });
      const body = await readBody(res);
      if (res.ok) return body;
      const code = (body as { code?: unknown } | null)?.code;
      if (res.status < 500 && typeof code === "string") throw new PassThrough(json(body, res.status));
      console.error(`assistant: rpc ${name} failed (${res.status}):`, body);
      throw new HttpError(502, "upstream_error", "The database did not answer; try again.");
    };

    try {
      // 3. The catalog (counts this request against the caller's rate limit).
      const categories: CatalogCategory[] = catalogRows.parse(await rpc("assistant_catalog", {}));

      // 4. Category and title.
      const suggestion = await deps.suggester().suggest({ description: input.description, locale, categories });
      if (!suggestion) fail("HL342", "no category's names or keywords appear in the description");
      const category = categories.find((c) => c.id === suggestion.categoryId)!;

      // 5. Budget and duration from completed bookings (or listings).
      const est = estimateSchema.parse(
        await rpc("assistant_estimate", { p_category_id: category.id, p_lat: input.lat ?? null, p_lng: input.lng ?? null }),
      );
      const fromBookings = est.basis === "nearby" || est.basis === "wide_area" || est.basis === "category";
      let duration: number;
      let durationBasis: AssistantResponse["duration_basis"];
      if (fromBookings && est.duration_minutes !== null) {
        [duration, durationBasis] = [est.duration_minutes, "bookings"];
      } else if (category.typical_minutes !== null || est.duration_minutes !== null) {
        [duration, durationBasis] = [category.typical_minutes ?? est.duration_minutes!, "listings"];
      } else if (suggestion.durationMinutes !== null) {
        [duration, durationBasis] = [suggestion.durationMinutes, "suggester"];
      } else {
        [duration, durationBasis] = [DEFAULT_DURATION, "default"];
      }

      const out: AssistantResponse = {
        locale,
        category: { id: category.id, slug: category.slug, name: categoryName(category, locale), parent_id: category.parent_id },
        title: suggestion.title.slice(0, 120),
        duration_minutes: duration,
        duration_basis: durationBasis,
        budget: est.basis === "none" || est.currency === null || est.budget_min === null || est.budget_max === null ||
            est.budget_median === null
          ? null
          : {
            currency: est.currency,
            min: est.budget_min,
            max: est.budget_max,
            median: est.budget_median,
            basis: est.basis,
            radius_m: est.radius_m,
            sample_size: est.sample_size,
          },
        confidence: suggestion.confidence,
        source: suggestion.source,
        ...(suggestion.fallbackReason ? { fallback_reason: suggestion.fallbackReason } : {}),
      };
      // 6. Our own answer must satisfy the contract; a failure here is the server's fault, never the client's.
      const checked = assistantResponse.safeParse(out);
      if (!checked.success) {
        console.error("assistant: response failed its schema:", checked.error.issues);
        throw new HttpError(500, "internal_error", "Internal server error");
      }
      return json(checked.data);
    } catch (err) {
      if (err instanceof PassThrough) return err.response;
      if (err instanceof z.ZodError) {
        // A database answer of an unexpected shape: the server's fault.
        console.error("assistant: unexpected database answer:", err.issues);
        throw new HttpError(502, "upstream_error", "The database gave an unexpected answer.");
      }
      throw err;
    }
  });
}

class PassThrough extends Error {
  constructor(readonly response: Response) {
    super("pass-through");
  }
}

/** The handler served by index.ts. */
export const handler: (req: Request) => Promise<Response> = createAssistantHandler({
  supabaseUrl: () => requireEnv("SUPABASE_URL"),
  anonKey: () => requireEnv("SUPABASE_ANON_KEY"),
  suggester: (() => {
    let s: Suggester | undefined;
    return () => (s ??= suggesterFromEnv());
  })(),
});
