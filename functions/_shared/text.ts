/**
 * Text helpers for English and Arabic free text: normalisation for matching, tokens with light
 * stemming, and language detection. Plain TypeScript without imports (Deno and Node alike).
 *
 * Arabic normalisation (what users type varies for the same word):
 *   - diacritics (tashkeel U+064B–U+065F, superscript alef U+0670) and tatweel (U+0640) removed;
 *   - alef forms أ إ آ ٱ → ا; alef maqsura ى → ي; ؤ → و; ئ → ي;
 *   - ta marbuta ة → ه (so سباكة and سباكه are the same word);
 *   - Arabic-Indic digits → ASCII digits.
 * Latin text: lower case, accents removed (NFKD), apostrophes dropped.
 */

const ARABIC_DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;
const ARABIC_LETTER = /[\u0621-\u064A\u0660-\u0669\u066E-\u06D3]/;
const LATIN_LETTER = /[a-z]/i;

/** Normalises Arabic spelling variants and Latin case/accents; keeps everything else. */
export function normalizeText(input: string): string {
  return input
    .normalize("NFKC")
    .replace(ARABIC_DIACRITICS, "")
    .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627")
    .replace(/\u0649/g, "\u064A")
    .replace(/\u0624/g, "\u0648")
    .replace(/\u0626/g, "\u064A")
    .replace(/\u0629/g, "\u0647")
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06F0))
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’`]/g, "");
}

const ARABIC_PREFIXES = ["وال", "بال", "كال", "فال", "لل", "ال"];
const ENGLISH_SUFFIXES = ["ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "ed", "s"];

/** A light stem of one normalised token: Arabic article/conjunction prefixes, plural and ta marbuta; English suffixes. */
export function stem(token: string): string {
  if (ARABIC_LETTER.test(token)) {
    let t = token;
    for (const p of ARABIC_PREFIXES) {
      if (t.startsWith(p) && t.length - p.length >= 2) {
        t = t.slice(p.length);
        break;
      }
    }
    if (t.length >= 5 && (t.endsWith("ات") || t.endsWith("ين") || t.endsWith("ون"))) t = t.slice(0, -2);
    if (t.length >= 4 && t.endsWith("ه")) t = t.slice(0, -1);
    return t;
  }
  let t = token;
  for (const s of ENGLISH_SUFFIXES) {
    if (t.endsWith(s) && t.length - s.length >= 3) {
      let base = t.slice(0, -s.length);
      if (s === "ies") base += "y";
      // "-es" only after s, x, z, ch, sh ("boxes"); otherwise the plural is just "-s" ("pipes").
      else if (s === "es" && !/(s|x|z|ch|sh)$/.test(base)) base = t.slice(0, -1);
      // A doubled final consonant is undone ("clogged" → "clog", "mopping" → "mop"), but not the
      // letters English doubles in base words ("install", "miss", "stuff", "buzz").
      else if (/([bdgkmnprt])\1$/.test(base)) base = base.slice(0, -1);
      t = base;
      break;
    }
  }
  // A final silent e goes, so "move", "moving" and "movers" meet at "mov".
  if (t.length >= 4 && t.endsWith("e") && /^[a-z]+$/.test(t)) t = t.slice(0, -1);
  return t;
}

/** Tokens of a text: normalised, split on anything that is not a letter or digit, stemmed. */
export function tokens(input: string): string[] {
  return normalizeText(input)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .map(stem);
}

/** "ar" when most letters of the text are Arabic, else "en". */
export function detectLocale(input: string): "en" | "ar" {
  let arabic = 0;
  let latin = 0;
  for (const ch of input) {
    if (ARABIC_LETTER.test(ch)) arabic++;
    else if (LATIN_LETTER.test(ch)) latin++;
  }
  return arabic > latin ? "ar" : "en";
}

/** Number of letters (any script) in a text. */
export function letterCount(input: string): number {
  let n = 0;
  for (const ch of input) if (/\p{L}/u.test(ch)) n++;
  return n;
}
