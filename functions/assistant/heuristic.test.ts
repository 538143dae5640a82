/** Tests of the heuristic suggester and the text normalisation it stands on. */
import { assert, assertEquals } from "../_shared/testing.ts";
import { detectLocale, normalizeText, tokens } from "../_shared/text.ts";
import { heuristicSuggester, scoreCategories, suggestHeuristically, titleFrom } from "./heuristic.ts";
import { AC_INSTALLATION, AC_SERVICING, CATALOG, CLEANING, ELECTRICAL, PLUMBING, SOFA_CLEANING } from "./testdata/catalog.ts";

const suggest = (description: string, locale: "en" | "ar" = detectLocale(description)) =>
  suggestHeuristically({ description, locale, categories: CATALOG });

Deno.test("text: Arabic normalisation folds diacritics, tatweel, alef forms, alef maqsura and ta marbuta", () => {
  assertEquals(normalizeText("سِبَاكَة"), "سباكه");
  assertEquals(normalizeText("أإآٱ"), "اااا");
  assertEquals(normalizeText("مـــكيف"), "مكيف");
  assertEquals(normalizeText("مستشفى"), "مستشفي");
  assertEquals(normalizeText("٣ غرف"), "3 غرف");
  assertEquals(normalizeText("Café CLEANING"), "cafe cleaning");
});

Deno.test("text: light stems meet across forms (English suffixes, Arabic article, plural, ta marbuta)", () => {
  assertEquals(tokens("plumber plumbing pipes pipe leaking leaks clogged"), ["plumb", "plumb", "pip", "pip", "leak", "leak", "clog"]);
  assertEquals(tokens("السباكة سباكه سبّاك المكيفات والمكيف"), ["سباك", "سباك", "سباك", "مكيف", "مكيف"]);
  assertEquals(detectLocale("المكيف لا يبرد منذ أمس, since Monday"), "ar");
  assertEquals(detectLocale("AC not cooling, المكيف"), "en");
});

Deno.test("heuristic: English descriptions find the specific category", () => {
  assertEquals(suggest("My kitchen tap is leaking and the sink drains slowly")?.categoryId, PLUMBING);
  assertEquals(suggest("Need an electrician, two sockets stopped working")?.categoryId, ELECTRICAL);
  assertEquals(suggest("The air conditioner in the bedroom is not cooling")?.categoryId, AC_SERVICING);
  assertEquals(suggest("Please install AC in the new flat")?.categoryId, AC_INSTALLATION);
  assertEquals(suggest("Shampoo for a big sofa and two rugs")?.categoryId, SOFA_CLEANING);
});

Deno.test("heuristic: Arabic descriptions, with and without diacritics and article", () => {
  assertEquals(suggest("أحتاج سبّاكاً لإصلاح تسريب الحنفية")?.categoryId, PLUMBING);
  assertEquals(suggest("المكيّف لا يبرد منذ أمس")?.categoryId, AC_SERVICING);
  assertEquals(suggest("اريد تركيب مكيف جديد")?.categoryId, AC_INSTALLATION);
  assertEquals(suggest("تنظيف الكنبة والسجادة")?.categoryId, SOFA_CLEANING);
  assertEquals(suggest("السباكة في الحمام")?.categoryId, PLUMBING);
});

Deno.test("heuristic: a parent matching alone is suggested; nothing matching → null", () => {
  assertEquals(suggest("General cleaning of the flat")?.categoryId, CLEANING);
  assertEquals(suggest("Walk me through quantum chromodynamics"), null);
  assertEquals(suggest("at home, please help"), null, "stop words alone match nothing");
});

Deno.test("heuristic: confidence grows with evidence and shrinks with a competing branch, capped at 0.9", () => {
  const strong = suggest("Plumber needed: leaking pipe under the sink, tap drips too")!;
  const weak = suggest("something leaks")!;
  const mixed = suggest("leaking tap near the electrical socket")!;
  assert(strong.confidence > weak.confidence, `${strong.confidence} > ${weak.confidence}`);
  assert(mixed.confidence < strong.confidence, `${mixed.confidence} < ${strong.confidence}`);
  assert(strong.confidence <= 0.9 && weak.confidence > 0, "range");
  assertEquals(strong.source, "heuristic");
  assertEquals(strong.durationMinutes, null);
});

Deno.test("heuristic: deterministic (same input, same answer) and scores are all non-negative", async () => {
  const a = await heuristicSuggester.suggest({ description: "sofa and carpet need cleaning", locale: "en", categories: CATALOG });
  const b = await heuristicSuggester.suggest({ description: "sofa and carpet need cleaning", locale: "en", categories: CATALOG });
  assertEquals(a, b);
  for (const s of scoreCategories("sofa", CATALOG).values()) assert(s >= 0, "score >= 0");
});

Deno.test("heuristic: titles drop greetings and 'I need someone to', keep the gist, and are cut at a word", () => {
  assertEquals(titleFrom("Hi! I need someone to fix my leaking kitchen tap. It started yesterday."), "Fix my leaking kitchen tap");
  assertEquals(titleFrom("looking for a plumber for the bathroom"), "A plumber for the bathroom");
  assertEquals(titleFrom("مرحبا، أحتاج إلى سباك لإصلاح تسريب"), "سباك لإصلاح تسريب");
  const long = titleFrom("Replace every single tap, mixer, shower head and the old water pipes in two bathrooms and the kitchen")!;
  assert(long.length <= 60 && !long.endsWith(" "), long);
  assertEquals(long, "Replace every single tap, mixer, shower head and the old");
  assertEquals(titleFrom("hi!!"), null);
  // Too little left: the category's name stands in.
  assertEquals(suggest("I need a plumber", "en")?.title, "A plumber");
  assertEquals(suggest("سباك؟", "ar")?.title, "سباك");
  assertEquals(suggestHeuristically({ description: "Hello. AC", locale: "ar", categories: CATALOG })?.title, "صيانة المكيفات");
});
