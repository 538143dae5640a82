/**
 * Seed keywords of the demo catalog for the assistant's heuristic (private.category_keywords):
 * words and short phrases, English and Arabic, that point at a category beside its names and
 * slug. Lower case; the heuristic normalises Arabic (diacritics, alef forms, ta marbuta) and
 * light English/Arabic affixes on both sides, so one form of a word is enough.
 */
import { CATEGORY_TREE } from "./catalog.ts";
import type { SeedContext } from "./context.ts";
import { insertRows, lit } from "./sql.ts";

export const CATEGORY_KEYWORDS: Record<string, { en: string[]; ar: string[] }> = {
  plumbing: {
    en: ["plumber", "leak", "pipe", "tap", "faucet", "sink", "drain", "toilet", "blocked", "clogged", "shower", "mixer"],
    ar: ["سباك", "تسريب", "تسرب", "ماسورة", "انابيب", "حنفية", "مغسلة", "مجاري", "انسداد", "مرحاض", "دش", "خلاط"],
  },
  electrical: {
    en: ["electrician", "socket", "switch", "wiring", "light fixture", "power outage", "breaker", "chandelier", "fuse"],
    ar: ["كهربائي", "فيش", "مفتاح كهرباء", "اسلاك", "انارة", "ثريا", "قاطع", "انقطاع الكهرباء", "فيوز"],
  },
  carpentry: {
    en: ["carpenter", "wood", "wooden", "cabinet", "door", "shelf", "wardrobe repair", "hinge"],
    ar: ["نجار", "خشب", "خزانة", "باب", "رفوف", "مفصلات"],
  },
  painting: {
    en: ["painter", "paint", "repaint", "wall", "ceiling", "wallpaper"],
    ar: ["دهان", "صباغ", "طلاء", "جدار", "سقف", "ورق جدران"],
  },
  handyman: {
    en: ["handyman", "small fixes", "odd jobs", "mount tv", "tv mounting", "hang", "curtain"],
    ar: ["صيانة عامة", "تعليق تلفزيون", "تعليق", "ستائر", "اصلاحات صغيرة"],
  },
  "home-cleaning": {
    en: ["clean", "cleaner", "maid", "housekeeping", "tidy", "mop", "dust"],
    ar: ["تنظيف", "عاملة تنظيف", "خادمة", "ترتيب", "مسح"],
  },
  "deep-cleaning": {
    en: ["deep clean", "move-in", "move-out", "post-construction", "degrease"],
    ar: ["تنظيف عميق", "تنظيف شامل", "بعد البناء"],
  },
  "sofa-carpet-cleaning": {
    en: ["sofa", "couch", "carpet", "rug", "upholstery", "mattress", "shampoo"],
    ar: ["كنب", "كنبة", "سجاد", "سجادة", "موكيت", "مرتبة", "فرشة"],
  },
  "window-cleaning": {
    en: ["window", "glass", "facade", "balcony glass"],
    ar: ["نوافذ", "شباك", "زجاج", "واجهة"],
  },
  "ac-servicing": {
    en: ["ac", "air conditioner", "aircon", "duct", "not cooling", "gas refill", "split ac", "filter"],
    ar: ["مكيف", "تكييف", "لا يبرد", "تعبئة غاز", "فلتر", "دكت"],
  },
  "ac-installation": {
    en: ["install ac", "ac installation", "new air conditioner", "relocate ac"],
    ar: ["تركيب مكيف", "نقل مكيف"],
  },
  "appliance-repair": {
    en: ["washing machine", "fridge", "refrigerator", "dishwasher", "oven", "dryer", "microwave", "appliance"],
    ar: ["غسالة", "ثلاجة", "براد", "غسالة صحون", "فرن", "نشافة", "ميكروويف", "جهاز"],
  },
  "water-heater": {
    en: ["water heater", "boiler", "geyser", "no hot water"],
    ar: ["سخان", "سخان ماء", "ماء ساخن", "بويلر"],
  },
  "home-moving": {
    en: ["move", "moving", "movers", "relocation", "packing", "shift house"],
    ar: ["نقل عفش", "نقل اثاث", "تغليف", "انتقال", "عزال"],
  },
  "furniture-assembly": {
    en: ["assemble", "assembly", "ikea", "bed frame", "wardrobe", "desk"],
    ar: ["تركيب اثاث", "تركيب", "ايكيا", "سرير", "دولاب", "مكتب"],
  },
  courier: {
    en: ["deliver", "delivery", "parcel", "package", "courier", "document", "pick up"],
    ar: ["توصيل", "طرد", "شحنة", "مندوب", "مستندات", "استلام"],
  },
  storage: {
    en: ["storage", "store my", "warehouse", "keep boxes"],
    ar: ["تخزين", "مستودع", "تخزين اغراض"],
  },
  "hair-styling": {
    en: ["haircut", "hair", "barber", "blow-dry", "hairdresser", "trim"],
    ar: ["شعر", "قص شعر", "حلاق", "تسريحة", "سشوار"],
  },
  nails: {
    en: ["nails", "manicure", "pedicure", "gel nails"],
    ar: ["اظافر", "مناكير", "باديكير", "جل"],
  },
  massage: {
    en: ["massage", "masseuse", "back pain", "relaxation", "spa"],
    ar: ["مساج", "تدليك", "الم الظهر", "استرخاء"],
  },
  makeup: {
    en: ["makeup", "make-up", "bridal", "makeup artist"],
    ar: ["مكياج", "ميكب", "عروس", "خبيرة تجميل"],
  },
  "math-tutoring": {
    en: ["math", "maths", "mathematics", "algebra", "calculus", "geometry", "homework"],
    ar: ["رياضيات", "جبر", "هندسة", "تفاضل", "واجبات"],
  },
  "language-lessons": {
    en: ["english lessons", "arabic lessons", "french", "language", "conversation", "grammar", "ielts"],
    ar: ["لغة", "انجليزي", "عربي", "فرنسي", "قواعد", "محادثة"],
  },
  "quran-lessons": {
    en: ["quran", "tajweed", "memorisation", "memorization", "recitation"],
    ar: ["قران", "تجويد", "تحفيظ", "تلاوة"],
  },
  "music-lessons": {
    en: ["piano", "guitar", "oud", "violin", "music", "singing", "drums"],
    ar: ["بيانو", "جيتار", "عود", "كمان", "موسيقى", "غناء"],
  },
  "exam-prep": {
    en: ["exam", "sat", "emsat", "gmat", "test preparation", "revision"],
    ar: ["امتحان", "اختبار", "مراجعة", "تحضير"],
  },
  "pet-grooming": {
    en: ["dog grooming", "cat grooming", "groom", "pet bath", "fur"],
    ar: ["تجميل كلب", "تجميل قطة", "استحمام", "قص فرو"],
  },
  "dog-walking": {
    en: ["dog walk", "walk my dog", "dog walker", "walking"],
    ar: ["تمشية", "تمشية الكلب", "كلب"],
  },
  "pet-sitting": {
    en: ["pet sitter", "pet sitting", "feed my cat", "look after my cat", "cat", "pets"],
    ar: ["رعاية", "قطة", "قطط", "اطعام"],
  },
  "car-wash": {
    en: ["car wash", "wash my car", "car cleaning", "interior cleaning"],
    ar: ["غسيل سيارة", "غسيل السيارة", "تنظيف سيارة"],
  },
  "car-detailing": {
    en: ["detailing", "polish", "ceramic coating", "wax"],
    ar: ["تلميع", "نانو سيراميك", "واكس"],
  },
  mechanic: {
    en: ["mechanic", "engine", "car battery", "won't start", "brakes", "diagnostics", "oil change"],
    ar: ["ميكانيكي", "محرك", "بطارية السيارة", "فرامل", "تغيير زيت", "تشخيص"],
  },
  "tyre-service": {
    en: ["tyre", "tire", "flat tyre", "puncture", "wheel"],
    ar: ["اطار", "كفر", "بنشر", "عجلة"],
  },
  "computer-repair": {
    en: ["computer", "laptop", "pc", "virus", "slow computer", "macbook"],
    ar: ["كمبيوتر", "حاسوب", "لابتوب", "فيروس"],
  },
  "phone-repair": {
    en: ["phone", "iphone", "screen", "cracked screen", "mobile", "smartphone"],
    ar: ["هاتف", "جوال", "موبايل", "شاشة", "ايفون"],
  },
  "wifi-setup": {
    en: ["wifi", "wi-fi", "router", "internet", "network", "mesh"],
    ar: ["واي فاي", "راوتر", "انترنت", "شبكة"],
  },
  "smart-home": {
    en: ["smart home", "cctv", "camera installation", "smart lock", "alexa", "intercom"],
    ar: ["منزل ذكي", "كاميرات مراقبة", "قفل ذكي", "انتركم"],
  },
  photography: {
    en: ["photographer", "photoshoot", "photos", "photography", "camera"],
    ar: ["مصور", "تصوير", "جلسة تصوير", "صور"],
  },
  catering: {
    en: ["catering", "food", "buffet", "chef", "cook"],
    ar: ["تموين", "طعام", "بوفيه", "طباخ", "ضيافة"],
  },
  "event-decoration": {
    en: ["decoration", "decor", "balloons", "birthday decoration", "flowers"],
    ar: ["تزيين", "ديكور", "بالونات", "زينة", "ورود"],
  },
  dj: {
    en: ["dj", "music for party", "sound system"],
    ar: ["دي جي", "منسق اغاني", "نظام صوت"],
  },
};

const categoryId = (slug: string) => `md5('hyperlocal:category:' || ${lit(slug)})::uuid`;

/** The keywords of the demo catalog's subcategories. */
export function assistantSection(_ctx: SeedContext): string[] {
  const known = new Set(CATEGORY_TREE.flatMap((r) => [r.slug, ...r.children.map((c) => c.slug)]));
  const rows: string[] = [];
  for (const [slug, words] of Object.entries(CATEGORY_KEYWORDS)) {
    if (!known.has(slug)) throw new Error(`seed/assistant.ts: keywords for unknown category ${slug}`);
    for (const locale of ["en", "ar"] as const) {
      for (const keyword of new Set(words[locale].map((w) => w.toLowerCase()))) {
        rows.push(`(${categoryId(slug)}, ${lit(locale)}, ${lit(keyword)})`);
      }
    }
  }
  return insertRows("insert into private.category_keywords (category_id, locale, keyword)", rows, "on conflict do nothing");
}
