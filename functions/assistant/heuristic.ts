/**
 * The deterministic suggester (the local default): keyword and synonym matching in English and
 * Arabic against the catalog's category names, slugs and keywords.
 *
 * Each category has phrases: its names (weight 2 per word), its keywords (1.5 per word) and its
 * slug's words (1 per word). Phrases and the description go through the same normalisation and
 * light stemming (../_shared/text.ts), stop words are dropped, and a phrase matches when every one
 * of its words is in the description. A category's score is the sum of its matched phrases'
 * weights, plus a quarter of its parent's (so "AC servicing" under a matching "AC and appliances"
 * wins over a sibling branch). The best score wins (ties: leaf categories, then the catalog's
 * order); confidence = best / (best + runner-up + 1), at most 0.9, where the runner-up is the best
 * category outside the winner's own branch. No matched phrase: no suggestion.
 *
 * The title is the description's first sentence without greetings and "I need someone to"-style
 * openings, capitalised, cut at a word boundary to 60 characters; the category's name when too
 * little is left.
 */
import { normalizeText, stem, tokens } from "../_shared/text.ts";
import type { CatalogCategory, Locale, SuggestInput, Suggester, Suggestion } from "./schemas.ts";

const STOP_WORDS = new Set(
  [
    // English
    "a", "an", "the", "and", "or", "of", "to", "for", "in", "on", "at", "with", "my", "our", "your", "me", "i", "we",
    "is", "are", "be", "it", "its", "this", "that", "from", "by", "do", "does", "need", "want", "please", "help",
    "someone", "somebody", "can", "could", "would", "get", "some", "home", "house", "service", "services", "new",
    // Arabic (normalised)
    "في", "من", "على", "الى", "عن", "مع", "و", "او", "ان", "هذا", "هذه", "ذلك", "انا", "نحن", "اريد", "احتاج",
    "نحتاج", "نريد", "ابحث", "لو", "سمحت", "الرجاء", "شخص", "خدمه", "خدمات", "بيت", "منزل", "المنزل", "البيت", "لي",
  ].map((w) => stem(normalizeText(w))),
);

const WEIGHT = { name: 2, keyword: 1.5, slug: 1 } as const;
const PARENT_SHARE = 0.25;
const MAX_CONFIDENCE = 0.9;
const TITLE_MAX = 60;

interface Phrase {
  words: string[];
  weight: number;
}

function phrase(text: string, weight: number): Phrase | null {
  const words = [...new Set(tokens(text).filter((t) => !STOP_WORDS.has(t)))];
  return words.length ? { words, weight } : null;
}

function phrasesOf(c: CatalogCategory): Phrase[] {
  const out: (Phrase | null)[] = [];
  for (const name of new Set(Object.values(c.names))) out.push(phrase(name, WEIGHT.name));
  for (const k of [...c.keywords.en, ...c.keywords.ar]) out.push(phrase(k, WEIGHT.keyword));
  out.push(phrase(c.slug.replace(/-/g, " "), WEIGHT.slug));
  return out.filter((p): p is Phrase => p !== null);
}

/** Scores of every category for a description (0 when nothing matched), parents' share included. */
export function scoreCategories(description: string, categories: CatalogCategory[]): Map<string, number> {
  const words = new Set(tokens(description));
  const own = new Map<string, number>();
  for (const c of categories) {
    let score = 0;
    for (const p of phrasesOf(c)) {
      if (p.words.every((w) => words.has(w))) score += p.weight * p.words.length;
    }
    own.set(c.id, score);
  }
  const total = new Map<string, number>();
  for (const c of categories) {
    const parentScore = c.parent_id ? own.get(c.parent_id) ?? 0 : 0;
    const s = own.get(c.id) ?? 0;
    total.set(c.id, s > 0 ? s + PARENT_SHARE * parentScore : 0);
  }
  return total;
}

function branchOf(id: string, byId: Map<string, CatalogCategory>): Set<string> {
  const out = new Set<string>([id]);
  let p = byId.get(id)?.parent_id ?? null;
  while (p) {
    out.add(p);
    p = byId.get(p)?.parent_id ?? null;
  }
  return out;
}

const OPENINGS: RegExp[] = [
  /^(hi|hello|hey|good (morning|afternoon|evening))\b[\s,!.:-]*/i,
  /^(i|we)\s*('m|'re| am| are)?\s*(really\s+)?(need|want|would like|looking for|searching for)\s+(to find\s+)?/i,
  /^(looking for|searching for|need|needed|wanted|please|can (someone|somebody|you)|could (someone|somebody|you))\s+/i,
  /^(someone|somebody|a person|an expert|a professional|a pro)\s+(to|who can|that can|for)\s+/i,
  /^(مرحبا|مرحباً|السلام عليكم|اهلا|أهلا)[\s،,!.:-]*/,
  /^(انا|أنا|نحن)?\s*(احتاج|أحتاج|نحتاج|اريد|أريد|نريد|ابحث عن|أبحث عن|نبحث عن|مطلوب|محتاج|محتاجة)\s+(الى|إلى)?\s*/,
  /^(شخص|احد|أحد|فني|عامل)\s+(ل|لكي|يقدر|يستطيع)\s*/,
];

/** A title from the description (see the module comment), or null when too little is left. */
export function titleFrom(description: string): string | null {
  const greeting = OPENINGS.slice(0, 1).concat(OPENINGS.slice(4, 5));
  let text = description.trim();
  for (const re of greeting) text = text.replace(re, "").trim();
  const first = text.split(/[.!?؟\n\r]+/).map((s) => s.trim()).find((s) => s.length > 0) ?? "";
  let t = first.replace(/\s+/g, " ");
  for (let again = true; again;) {
    again = false;
    for (const re of OPENINGS) {
      const next = t.replace(re, "").trim();
      if (next !== t) {
        t = next;
        again = true;
      }
    }
  }
  t = t.replace(/^[\s,;:،-]+|[\s,;:،-]+$/g, "");
  if (t.length > TITLE_MAX) {
    const cut = t.slice(0, TITLE_MAX + 1);
    const space = cut.lastIndexOf(" ");
    t = (space >= 20 ? cut.slice(0, space) : cut.slice(0, TITLE_MAX)).replace(/[\s,;:،-]+$/, "");
  }
  if ([...t].filter((ch) => /\p{L}/u.test(ch)).length < 3) return null;
  return t.charAt(0).toLocaleUpperCase("en") + t.slice(1);
}

export function categoryName(c: CatalogCategory, locale: Locale): string {
  return c.names[locale] || c.names.en;
}

/** The heuristic as a function (also the LLM suggester's fallback). */
export function suggestHeuristically(input: SuggestInput): Suggestion | null {
  const { categories } = input;
  const scores = scoreCategories(input.description, categories);
  const order = new Map(categories.map((c, i) => [c.id, i]));
  const ranked = categories
    .filter((c) => (scores.get(c.id) ?? 0) > 0)
    .sort((a, b) =>
      (scores.get(b.id)! - scores.get(a.id)!) || (Number(b.is_leaf) - Number(a.is_leaf)) ||
      (order.get(a.id)! - order.get(b.id)!)
    );
  const best = ranked[0];
  if (!best) return null;
  const byId = new Map(categories.map((c) => [c.id, c]));
  const branch = branchOf(best.id, byId);
  const runnerUp = ranked.find((c) => !branch.has(c.id) && !branchOf(c.id, byId).has(best.id));
  const b = scores.get(best.id)!;
  const r = runnerUp ? scores.get(runnerUp.id)! : 0;
  const confidence = Math.round(Math.min(MAX_CONFIDENCE, b / (b + r + 1)) * 100) / 100;
  return {
    categoryId: best.id,
    title: titleFrom(input.description) ?? categoryName(best, input.locale),
    durationMinutes: null,
    confidence,
    source: "heuristic",
  };
}

export const heuristicSuggester: Suggester = {
  name: "heuristic",
  suggest: (input) => Promise.resolve(suggestHeuristically(input)),
};
