/**
 * The assistant's contracts, validated with zod: the request, the catalog and estimate rows the
 * database returns, what a suggester answers, and the response.
 */
import { z } from "zod";

export const DESCRIPTION_MIN = 3;
export const DESCRIPTION_MAX = 2000;

/** POST body. Unknown keys are refused (HL004) so a misspelt field is never silently ignored. */
export const assistantRequest = z.strictObject({
  description: z.string().trim().min(DESCRIPTION_MIN).max(DESCRIPTION_MAX),
  locale: z.string().regex(/^(en|ar)(-[A-Za-z]{2})?$/).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
});
export type AssistantRequest = z.infer<typeof assistantRequest>;

export type Locale = "en" | "ar";

/** One row of rpc assistant_catalog(). */
export const catalogCategory = z.object({
  id: z.guid(),
  parent_id: z.guid().nullable(),
  slug: z.string(),
  names: z.object({ en: z.string(), ar: z.string() }).catchall(z.string()),
  keywords: z.object({ en: z.array(z.string()), ar: z.array(z.string()) }),
  typical_minutes: z.number().int().nullable(),
  is_leaf: z.boolean(),
});
export type CatalogCategory = z.infer<typeof catalogCategory>;
export const catalogRows = z.array(catalogCategory);

/** rpc assistant_estimate(). */
export const estimate = z.object({
  category_id: z.guid(),
  basis: z.enum(["nearby", "wide_area", "category", "listings", "none"]),
  radius_m: z.number().int().nullable(),
  sample_size: z.number().int().min(0),
  currency: z.string().length(3).nullable(),
  budget_min: z.number().int().min(0).nullable(),
  budget_median: z.number().int().min(0).nullable(),
  budget_max: z.number().int().min(0).nullable(),
  duration_minutes: z.number().int().min(5).nullable(),
});
export type Estimate = z.infer<typeof estimate>;

/** What a suggester answers (before the budget is looked up). */
export interface Suggestion {
  categoryId: string;
  title: string;
  /** The suggester's own duration guess, used when the catalog and bookings have none. */
  durationMinutes: number | null;
  confidence: number;
  source: "heuristic" | "llm";
  /** Why the LLM's answer was not used, when the heuristic stood in for it. */
  fallbackReason?: string;
}

export interface SuggestInput {
  description: string;
  locale: Locale;
  categories: CatalogCategory[];
}

/** One interface, two implementations: ./heuristic.ts and ./llm.ts. Null: no category fits. */
export interface Suggester {
  readonly name: "heuristic" | "llm";
  suggest(input: SuggestInput): Promise<Suggestion | null>;
}

/** The response body. */
export const assistantResponse = z.strictObject({
  locale: z.enum(["en", "ar"]),
  category: z.strictObject({ id: z.guid(), slug: z.string(), name: z.string().min(1), parent_id: z.guid().nullable() }),
  title: z.string().min(3).max(120),
  duration_minutes: z.number().int().min(5).max(10080),
  duration_basis: z.enum(["bookings", "listings", "suggester", "default"]),
  budget: z.strictObject({
    currency: z.string().regex(/^[A-Z]{3}$/),
    min: z.number().int().min(0),
    max: z.number().int().min(0),
    median: z.number().int().min(0),
    basis: z.enum(["nearby", "wide_area", "category", "listings"]),
    radius_m: z.number().int().nullable(),
    sample_size: z.number().int().min(1),
  }).refine((b) => b.min <= b.median && b.median <= b.max, "budget min <= median <= max").nullable(),
  confidence: z.number().min(0).max(1),
  source: z.enum(["heuristic", "llm"]),
  fallback_reason: z.string().optional(),
});
export type AssistantResponse = z.infer<typeof assistantResponse>;
