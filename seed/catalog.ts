/**
 * Seed catalog: a service category tree (English and Arabic names, icons) and providers around
 * Dubai with listings, weekly availability, a little time off and the demo customer's buddies (providers they keep).
 *
 * Category ids are derived from their slugs in SQL (md5), so they are stable across sizes and
 * re-seeds. Provider counts scale with the seed size; rows are written as the `postgres` role,
 * so the catalog's validation and derived-data triggers run exactly as for API writes.
 */
import type { SeedContext, SeedProvider } from "./context.ts";
import { insertRows, lit } from "./sql.ts";

type Unit = "hourly" | "fixed" | "per_item" | "quote";

interface Child {
  slug: string;
  icon: string;
  en: string;
  ar: string;
  unit: Unit;
  /** Price range in AED (major units); ignored for quote. */
  price: [number, number];
  minutes: number;
  titles: string[];
}

interface Root {
  slug: string;
  en: string;
  ar: string;
  icon: string;
  unit: Unit;
  children: Child[];
}

export const CATEGORY_TREE: Root[] = [
  {
    slug: "home-repairs", en: "Home repairs", ar: "إصلاحات منزلية", icon: "wrench", unit: "fixed",
    children: [
      { slug: "plumbing", icon: "droplet", en: "Plumbing", ar: "سباكة", unit: "fixed", price: [120, 450], minutes: 60, titles: ["Leak detection and repair", "Tap and mixer replacement", "Blocked drain clearing"] },
      { slug: "electrical", icon: "plug-zap", en: "Electrical", ar: "كهرباء", unit: "fixed", price: [100, 400], minutes: 60, titles: ["Light fixture installation", "Socket and switch repair", "DB board inspection"] },
      { slug: "carpentry", icon: "hammer", en: "Carpentry", ar: "نجارة", unit: "hourly", price: [90, 180], minutes: 120, titles: ["Door and cabinet repair", "Custom shelving"] },
      { slug: "painting", icon: "paint-roller", en: "Painting", ar: "دهان", unit: "quote", price: [0, 0], minutes: 240, titles: ["Apartment repainting", "Feature wall painting"] },
      { slug: "handyman", icon: "wrench", en: "Handyman", ar: "أعمال صيانة عامة", unit: "hourly", price: [70, 150], minutes: 60, titles: ["Handyman by the hour", "TV mounting and small fixes"] },
    ],
  },
  {
    slug: "cleaning", en: "Cleaning", ar: "تنظيف", icon: "sparkles", unit: "hourly",
    children: [
      { slug: "home-cleaning", icon: "spray-can", en: "Home cleaning", ar: "تنظيف المنازل", unit: "hourly", price: [35, 60], minutes: 120, titles: ["Regular home cleaning", "Weekly maid service"] },
      { slug: "deep-cleaning", icon: "sparkles", en: "Deep cleaning", ar: "تنظيف عميق", unit: "fixed", price: [350, 1200], minutes: 300, titles: ["Move-in deep clean", "Kitchen deep clean"] },
      { slug: "sofa-carpet-cleaning", icon: "sofa", en: "Sofa and carpet cleaning", ar: "تنظيف الكنب والسجاد", unit: "per_item", price: [60, 180], minutes: 90, titles: ["Sofa shampooing", "Carpet steam cleaning"] },
      { slug: "window-cleaning", icon: "app-window", en: "Window cleaning", ar: "تنظيف النوافذ", unit: "fixed", price: [150, 500], minutes: 120, titles: ["Villa window cleaning", "Balcony glass cleaning"] },
    ],
  },
  {
    slug: "ac-appliances", en: "AC and appliances", ar: "التكييف والأجهزة", icon: "snowflake", unit: "fixed",
    children: [
      { slug: "ac-servicing", icon: "fan", en: "AC servicing", ar: "صيانة المكيفات", unit: "per_item", price: [99, 250], minutes: 60, titles: ["AC duct cleaning", "Split AC service"] },
      { slug: "ac-installation", icon: "air-vent", en: "AC installation", ar: "تركيب المكيفات", unit: "quote", price: [0, 0], minutes: 180, titles: ["Split AC installation", "AC relocation"] },
      { slug: "appliance-repair", icon: "washing-machine", en: "Appliance repair", ar: "إصلاح الأجهزة المنزلية", unit: "fixed", price: [150, 400], minutes: 90, titles: ["Washing machine repair", "Fridge repair"] },
      { slug: "water-heater", icon: "heater", en: "Water heaters", ar: "سخانات المياه", unit: "fixed", price: [150, 600], minutes: 90, titles: ["Water heater replacement", "Water heater descaling"] },
    ],
  },
  {
    slug: "moving-delivery", en: "Moving and delivery", ar: "نقل وتوصيل", icon: "truck", unit: "quote",
    children: [
      { slug: "home-moving", icon: "truck", en: "Home moving", ar: "نقل الأثاث", unit: "quote", price: [0, 0], minutes: 480, titles: ["Apartment move", "Villa move with packing"] },
      { slug: "furniture-assembly", icon: "armchair", en: "Furniture assembly", ar: "تركيب الأثاث", unit: "per_item", price: [50, 200], minutes: 60, titles: ["IKEA furniture assembly", "Bed and wardrobe assembly"] },
      { slug: "courier", icon: "package", en: "Courier", ar: "توصيل الطرود", unit: "fixed", price: [25, 90], minutes: 60, titles: ["Same-day parcel delivery", "Document delivery"] },
      { slug: "storage", icon: "warehouse", en: "Storage", ar: "تخزين", unit: "quote", price: [0, 0], minutes: 60, titles: ["Short-term storage"] },
    ],
  },
  {
    slug: "beauty-wellness", en: "Beauty and wellness", ar: "تجميل وعافية", icon: "scissors", unit: "fixed",
    children: [
      { slug: "hair-styling", icon: "scissors", en: "Hair styling", ar: "تصفيف الشعر", unit: "fixed", price: [80, 300], minutes: 60, titles: ["Haircut at home", "Blow-dry and styling"] },
      { slug: "nails", icon: "hand", en: "Nails", ar: "العناية بالأظافر", unit: "fixed", price: [60, 200], minutes: 60, titles: ["Manicure and pedicure", "Gel nails"] },
      { slug: "massage", icon: "heart-pulse", en: "Massage", ar: "تدليك", unit: "fixed", price: [200, 450], minutes: 60, titles: ["Relaxing massage", "Sports massage"] },
      { slug: "makeup", icon: "palette", en: "Makeup", ar: "مكياج", unit: "fixed", price: [250, 900], minutes: 90, titles: ["Party makeup", "Bridal makeup"] },
    ],
  },
  {
    slug: "tutoring", en: "Tutoring", ar: "دروس خصوصية", icon: "book-open", unit: "hourly",
    children: [
      { slug: "math-tutoring", icon: "calculator", en: "Maths", ar: "رياضيات", unit: "hourly", price: [120, 300], minutes: 60, titles: ["IGCSE maths tutoring", "Primary maths lessons"] },
      { slug: "language-lessons", icon: "languages", en: "Languages", ar: "دروس لغات", unit: "hourly", price: [100, 250], minutes: 60, titles: ["Arabic for beginners", "English conversation"] },
      { slug: "quran-lessons", icon: "book-open-text", en: "Quran lessons", ar: "تحفيظ القرآن", unit: "hourly", price: [80, 200], minutes: 45, titles: ["Quran memorisation", "Tajweed lessons"] },
      { slug: "music-lessons", icon: "music", en: "Music lessons", ar: "دروس موسيقى", unit: "hourly", price: [150, 300], minutes: 60, titles: ["Piano lessons", "Oud lessons"] },
      { slug: "exam-prep", icon: "graduation-cap", en: "Exam preparation", ar: "التحضير للامتحانات", unit: "hourly", price: [150, 350], minutes: 90, titles: ["SAT preparation", "EmSAT preparation"] },
    ],
  },
  {
    slug: "pets", en: "Pets", ar: "الحيوانات الأليفة", icon: "paw-print", unit: "fixed",
    children: [
      { slug: "pet-grooming", icon: "bath", en: "Pet grooming", ar: "تجميل الحيوانات", unit: "fixed", price: [120, 350], minutes: 90, titles: ["Dog grooming at home", "Cat grooming"] },
      { slug: "dog-walking", icon: "dog", en: "Dog walking", ar: "تمشية الكلاب", unit: "fixed", price: [40, 90], minutes: 30, titles: ["30-minute dog walk", "Evening dog walk"] },
      { slug: "pet-sitting", icon: "cat", en: "Pet sitting", ar: "رعاية الحيوانات", unit: "hourly", price: [40, 80], minutes: 60, titles: ["Pet sitting visits"] },
    ],
  },
  {
    slug: "auto", en: "Car services", ar: "خدمات السيارات", icon: "car", unit: "fixed",
    children: [
      { slug: "car-wash", icon: "car", en: "Car wash", ar: "غسيل السيارات", unit: "fixed", price: [35, 120], minutes: 45, titles: ["Waterless car wash", "Interior and exterior wash"] },
      { slug: "car-detailing", icon: "sparkle", en: "Car detailing", ar: "تلميع السيارات", unit: "fixed", price: [300, 1200], minutes: 240, titles: ["Full detailing", "Ceramic coating"] },
      { slug: "mechanic", icon: "cog", en: "Mobile mechanic", ar: "ميكانيكي متنقل", unit: "quote", price: [0, 0], minutes: 120, titles: ["Battery replacement", "Diagnostics at your door"] },
      { slug: "tyre-service", icon: "circle-dot", en: "Tyre service", ar: "خدمة الإطارات", unit: "per_item", price: [50, 150], minutes: 60, titles: ["Tyre change at home", "Puncture repair"] },
    ],
  },
  {
    slug: "tech-support", en: "Tech support", ar: "الدعم التقني", icon: "laptop", unit: "hourly",
    children: [
      { slug: "computer-repair", icon: "laptop", en: "Computer repair", ar: "إصلاح الحاسوب", unit: "fixed", price: [150, 400], minutes: 90, titles: ["Laptop repair", "Virus removal and tune-up"] },
      { slug: "phone-repair", icon: "smartphone", en: "Phone repair", ar: "إصلاح الهواتف", unit: "fixed", price: [100, 600], minutes: 60, titles: ["Screen replacement", "Battery replacement"] },
      { slug: "wifi-setup", icon: "wifi", en: "Wi-Fi and networks", ar: "إعداد الشبكات", unit: "fixed", price: [150, 500], minutes: 90, titles: ["Mesh Wi-Fi setup", "Home network troubleshooting"] },
      { slug: "smart-home", icon: "house-plug", en: "Smart home", ar: "المنزل الذكي", unit: "hourly", price: [150, 300], minutes: 120, titles: ["Smart lights and locks", "CCTV installation"] },
    ],
  },
  {
    slug: "events", en: "Events", ar: "المناسبات", icon: "party-popper", unit: "quote",
    children: [
      { slug: "photography", icon: "camera", en: "Photography", ar: "تصوير", unit: "hourly", price: [300, 800], minutes: 120, titles: ["Family photoshoot", "Event photography"] },
      { slug: "catering", icon: "utensils", en: "Catering", ar: "تموين الحفلات", unit: "quote", price: [0, 0], minutes: 240, titles: ["Home party catering", "Arabic coffee service"] },
      { slug: "event-decoration", icon: "party-popper", en: "Decoration", ar: "تزيين الحفلات", unit: "quote", price: [0, 0], minutes: 180, titles: ["Birthday decoration", "Balloon arches"] },
      { slug: "dj", icon: "disc-3", en: "DJ", ar: "منسق موسيقى", unit: "hourly", price: [400, 1000], minutes: 180, titles: ["DJ for private parties"] },
    ],
  },
];

/** Neighbourhoods of Dubai (approximate centres) providers are spread around. */
export const AREAS: Array<{ name: string; lat: number; lng: number }> = [
  { name: "Dubai Marina", lat: 25.0805, lng: 55.1403 },
  { name: "Jumeirah Lake Towers", lat: 25.0693, lng: 55.1418 },
  { name: "Downtown Dubai", lat: 25.1972, lng: 55.2744 },
  { name: "Business Bay", lat: 25.186, lng: 55.265 },
  { name: "Deira", lat: 25.2711, lng: 55.3075 },
  { name: "Jumeirah", lat: 25.2048, lng: 55.242 },
  { name: "Al Barsha", lat: 25.1127, lng: 55.196 },
  { name: "Mirdif", lat: 25.2196, lng: 55.4216 },
  { name: "Dubai Silicon Oasis", lat: 25.1214, lng: 55.3891 },
  { name: "Jumeirah Village Circle", lat: 25.0571, lng: 55.2094 },
  { name: "Al Quoz", lat: 25.14, lng: 55.23 },
  { name: "Karama", lat: 25.246, lng: 55.303 },
];

/** Weekly patterns (weekday 0 = Sunday), in Asia/Dubai. */
const WEEKS: Array<Array<[number, string, string]>> = [
  [1, 2, 3, 4, 5].map((d) => [d, "09:00", "18:00"] as [number, string, string]),
  [0, 1, 2, 3, 4].map((d) => [d, "08:00", "17:00"] as [number, string, string]),
  [1, 2, 3, 4, 5, 6].flatMap((d) => [[d, "08:00", "12:00"], [d, "16:00", "21:00"]] as Array<[number, string, string]>),
  [0, 1, 2, 3, 4, 5, 6].map((d) => [d, "10:00", "22:00"] as [number, string, string]),
  [5, 6, 0].map((d) => [d, "09:00", "24:00"] as [number, string, string]),
];

const DEMO_CUSTOMER = "00000000-0000-4000-8000-000000000001";
const DEMO_PROVIDER = "00000000-0000-4000-8000-000000000002";
const DEMO_SELLER = "00000000-0000-4000-8000-000000000003";

const categoryId = (slug: string) => `md5('hyperlocal:category:' || ${lit(slug)})::uuid`;

function categoriesSql(): string[] {
  const roots = CATEGORY_TREE.map((r, i) =>
    `(${categoryId(r.slug)}, null, ${lit(r.slug)}, 'service', ${lit(r.icon)}, ${lit({ en: r.en, ar: r.ar })}, ${lit(r.unit)}, ${i + 1})`,
  );
  const children = CATEGORY_TREE.flatMap((r) =>
    r.children.map((c, i) =>
      `(${categoryId(c.slug)}, ${categoryId(r.slug)}, ${lit(c.slug)}, 'service', ${lit(c.icon)}, ${lit({ en: c.en, ar: c.ar })}, ${lit(c.unit)}, ${i + 1})`,
    ),
  );
  const head = "insert into public.categories (id, parent_id, slug, kind, icon, names, default_pricing_unit, sort_order)";
  return [...insertRows(head, roots, "on conflict (slug) do nothing"), ...insertRows(head, children, "on conflict (slug) do nothing")];
}

/** Categories, then providers (from the seeded users) with listings, weekly hours and time off. */
export function catalogSection(ctx: SeedContext): string[] {
  const { faker } = ctx;
  const count = ctx.counts.providers;
  const candidates = ctx.users.filter((u) => u.id !== DEMO_CUSTOMER && u.id !== DEMO_SELLER && u.id !== DEMO_PROVIDER);
  const chosen = [ctx.users.find((u) => u.id === DEMO_PROVIDER)!, ...candidates.slice(0, count - 1)];
  const children = CATEGORY_TREE.flatMap((r) => r.children);

  const providers: string[] = [];
  const listings: string[] = [];
  const rules: string[] = [];
  const timeOff: string[] = [];

  chosen.forEach((user, n) => {
    const demo = user.id === DEMO_PROVIDER;
    const area = demo ? AREAS[0] : faker.helpers.arrayElement(AREAS);
    // Within about 1.5 km of the area's centre.
    const lat = Number((area.lat + faker.number.float({ min: -0.013, max: 0.013, fractionDigits: 5 })).toFixed(5));
    const lng = Number((area.lng + faker.number.float({ min: -0.015, max: 0.015, fractionDigits: 5 })).toFixed(5));
    const root = demo ? CATEGORY_TREE[0] : faker.helpers.arrayElement(CATEGORY_TREE);
    const offered = demo
      ? [root.children[0], root.children[1], root.children[4]]
      : faker.helpers.arrayElements(faker.helpers.maybe(() => children, { probability: 0.2 }) ?? root.children, { min: 1, max: 3 });
    const displayName = demo ? "Omar Fixes" : user.fullName;
    const businessName = demo ? "Omar Plumbing & Electrical" : faker.helpers.maybe(() => `${user.fullName.split(" ")[1]} ${root.en}`, { probability: 0.4 }) ?? null;
    const skills = offered.map((c) => c.en.toLowerCase());
    const radius = demo ? 12_000 : faker.helpers.arrayElement([3_000, 5_000, 8_000, 10_000, 15_000, 20_000]);
    const hourly = demo ? 12_000 : faker.number.int({ min: 6, max: 30 }) * 1_000;
    const available = demo || faker.datatype.boolean();
    providers.push(
      `(${lit(user.id)}, ${lit(displayName)}, ${lit(businessName)}, ${lit(demo ? "Licensed plumber and electrician serving Dubai Marina, JLT and the Palm. Same-day call-outs." : faker.lorem.sentence({ min: 8, max: 16 }))}, ` +
        `array[${skills.map((s) => lit(s)).join(", ")}]::text[], private.make_point(${lat}, ${lng}), ${radius}, ${hourly}, 'AED', 'Asia/Dubai', ${lit(available)})`,
    );
    const seeded: SeedProvider = { id: user.id, area: area.name, lat, lng, listings: [] };
    ctx.providers.push(seeded);
    for (const c of offered) {
      const price = c.unit === "quote" ? 0 : faker.number.int({ min: c.price[0], max: c.price[1] }) * 100;
      seeded.listings.push({ categorySlug: c.slug, unit: c.unit, price, minutes: c.minutes });
      const title = demo ? c.titles[0] : faker.helpers.arrayElement(c.titles);
      listings.push(
        `(${lit(user.id)}, ${categoryId(c.slug)}, ${lit(title)}, ${lit(`${title} by ${displayName}.`)}, ${lit(c.unit)}, ${price}, ${c.minutes})`,
      );
    }
    const week = demo ? WEEKS[1] : faker.helpers.arrayElement(WEEKS);
    for (const [d, start, end] of week) rules.push(`(${lit(user.id)}, ${d}, ${lit(start)}, ${lit(end)})`);
    if (n % 4 === 3) {
      const startDays = faker.number.int({ min: 3, max: 20 });
      timeOff.push(
        `(${lit(user.id)}, tstzrange(date_trunc('day', now()) + interval '${startDays} days', date_trunc('day', now()) + interval '${startDays + faker.number.int({ min: 1, max: 5 })} days'), 'Holiday')`,
      );
    }
  });

  const buddies = chosen.slice(0, 4).map((u) => `(${lit(DEMO_CUSTOMER)}, ${lit(u.id)})`);

  return [
    ...categoriesSql(),
    ...insertRows(
      "insert into public.provider_profiles (id, display_name, business_name, description, skills, base_location, service_radius_m, hourly_rate, currency, timezone, is_available)",
      providers,
      "on conflict (id) do nothing",
    ),
    ...insertRows(
      "insert into public.service_listings (provider_id, category_id, title, description, pricing_unit, base_price, duration_minutes)",
      listings,
    ),
    ...insertRows("insert into public.availability_rules (provider_id, weekday, start_time, end_time)", rules),
    ...(timeOff.length ? insertRows("insert into public.provider_time_off (provider_id, period, reason)", timeOff) : []),
    `insert into public.provider_certifications (provider_id, name, issuer, expires_on)
values (${lit(DEMO_PROVIDER)}, 'Plumbing and electrical licence', 'Dubai Electricity and Water Authority', (now() + interval '2 years')::date);`,
    ...insertRows("insert into public.buddies (user_id, buddy_id)", buddies, "on conflict do nothing"),
  ];
}
