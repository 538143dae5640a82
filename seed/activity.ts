/**
 * Seed activity: what the city's users did, written by the project's own process functions
 * through the seed runtime (seed/runtime.ts), acting as each user (or the payment provider, or
 * the system's timers) at a frozen past time:
 *
 * - businesses with staff (providers' businesses, members added and attached by the owner);
 * - sellers with products (create_product), likes, views and follows by other users;
 * - jobs with offers (post_job, make_offer; accepted, declined, countered or still pending; an
 *   accepted offer's booking is walked on like any other booking);
 * - bookings in every state of the booking process, with their payments authorised, captured,
 *   cancelled or refunded through money's `apply_*` functions and the payouts of providers with a
 *   payout account (so the ledger holds the real postings);
 * - chats in booking conversations and about products (send_message, mark_read);
 * - reviews of completed bookings by both sides (submit_review; published when both wrote, or by
 *   the reveal job's function at the end once the window has passed);
 * - haggling in products' conversations (make_product_offer, respond_to_product_offer: open,
 *   declined, withdrawn, countered, accepted) and orders paid through money (the payment subject
 *   `order`, the intent authorised at the provider, the capture by the worker), then sent,
 *   received, completed with the escrow released (the order timer) or cancelled and refunded;
 * - goods orders bought at the listing price, reserved, cancelled or expired (buy_product,
 *   transition_order, the order timer).
 *
 * Places are Dubai neighbourhoods (catalog's AREAS), prices AED. Counts come from SIZES.
 */
import type { Faker } from "@faker-js/faker";
import { AREAS, CATEGORY_TREE } from "./catalog.ts";
import type { SeedContext, SeedProvider, SeedUser } from "./context.ts";
import { GOODS_CATEGORIES } from "./goods.ts";
import { lit } from "./sql.ts";

const DEMO_CUSTOMER = "00000000-0000-4000-8000-000000000001";
const DEMO_PROVIDER = "00000000-0000-4000-8000-000000000002";
const DEMO_SELLER = "00000000-0000-4000-8000-000000000003";

/** The booking states, in the process's order (bookings' booking_states). */
export const BOOKING_STATES = [
  "requested", "accepted", "en_route", "arrived", "in_progress", "completed",
  "declined", "expired", "cancelled", "disputed", "resolved",
] as const;
type BookingState = (typeof BOOKING_STATES)[number];

const NOW_STATES: BookingState[] = ["en_route", "arrived", "in_progress"];
const FUTURE_STATES: BookingState[] = ["requested", "accepted"];

/** A time relative to the moment the seed runs, as SQL. */
const ago = (minutes: number) => `(now() - interval '${Math.round(minutes)} minutes')`;
/** 10:00 in Dubai (06:00 UTC) on the day `days` from today, plus `minutes`. */
const dayAt = (days: number, minutes = 0) =>
  `(date_trunc('day', now()) + interval '${days} days' + interval '${360 + minutes} minutes')`;
const uuid = (id: string) => `${lit(id)}::uuid`;
const arr = (items: string[]) => `array[${items.map(lit).join(", ")}]::text[]`;

const CUSTOMER_LINES = [
  "Hi, is the time still fine for you?", "The building has visitor parking at the back.", "Please call when you are at the gate.",
  "Can you bring the spare parts with you?", "Thanks, see you then!", "Is it possible to come a bit earlier?",
  "The entrance is next to the pharmacy.", "I will leave the key with the concierge.", "Great, thank you so much.",
];
const PROVIDER_LINES = [
  "Yes, all good, see you at the booked time.", "Noted, I will bring everything needed.", "On my way shortly.",
  "I can come 15 minutes earlier if that helps.", "Thank you! Please share the flat number.", "Sure, no problem.",
  "I will message you when I park.", "Done, thanks for choosing us.",
];
const HAGGLE_ASK_LINES = [
  "Hi! Is this still available?", "Does it come with the original box?", "Any scratches or marks?",
  "Could I see it this evening?", "Would you deliver to the Marina?", "How old is it?",
];
const HAGGLE_ANSWER_LINES = [
  "Yes, still available.", "Barely used, no marks at all.", "Box and receipt included.",
  "Evenings after 7 work for me.", "I can meet you at the mall lobby.", "About a year old, works perfectly.",
];
const ASK_LINES = [
  "Hi, are you available this weekend?", "Do you cover Dubai Marina?", "How long does it usually take?", "Is the price per hour or fixed?",
  "Do you bring your own tools and materials?", "Can you send a quote for a two-bedroom flat?",
];
const ANSWER_LINES = [
  "Yes, Saturday morning is free.", "Yes, Marina and JLT are in my area.", "About two hours for a standard job.",
  "Fixed price, materials extra if needed.", "Yes, everything is included.", "Sure, book a slot and I will confirm.",
];

const PRODUCT_TITLES: Record<string, string[]> = {
  "trading-cards": ["Pokemon booster box", "Yu-Gi-Oh starter deck bundle", "Magic the Gathering commander deck"],
  "mens-fashion": ["Linen kandura, size M", "Leather jacket, size L", "Designer sunglasses"],
  sneakers: ["Nike Air Max 90, EU 43", "Adidas Samba, EU 42", "New Balance 550, EU 44"],
  "sports-cards": ["Panini football stickers album", "Signed cricket card", "NBA rookie card lot"],
  collectibles: ["Vintage Dubai postcard set", "Die-cast Land Cruiser model", "Limited edition figurine"],
  electronics: ["iPhone 14, 128 GB", "Sony noise-cancelling headphones", "PlayStation 5 with two controllers", "iPad Air 5th gen"],
  "home-decor": ["Moroccan floor lamp", "Handwoven rug 160x230", "Set of brass lanterns"],
  beauty: ["Oud perfume 100 ml, sealed", "Hair dryer, barely used", "Skincare set, unopened"],
  "kids-baby": ["Baby stroller", "Kids bicycle 16 inch", "LEGO city set, complete"],
  furniture: ["IKEA desk, white", "Three-seater sofa", "Dining table with six chairs", "Office chair, ergonomic"],
  books: ["Arabic novels bundle", "IGCSE maths textbooks", "Cookbook collection"],
  "other-goods": ["Camping tent for four", "Golf clubs set", "Treadmill, foldable"],
};

interface Slots {
  /** Days already taken by each provider (a booking a day, at 10:00 Dubai). */
  days: Map<string, Set<number>>;
  now: Set<string>;
}

function takeDay(slots: Slots, provider: string, from: number, to: number, faker: Faker): number | null {
  const used = slots.days.get(provider) ?? new Set<number>();
  slots.days.set(provider, used);
  for (let tries = 0; tries < 40; tries++) {
    const d = faker.number.int({ min: from, max: to });
    if (!used.has(d)) {
      used.add(d);
      return d;
    }
  }
  for (let d = from; d <= to; d++) {
    if (!used.has(d)) {
      used.add(d);
      return d;
    }
  }
  return null;
}

function near(faker: Faker, area = faker.helpers.arrayElement(AREAS)): { name: string; lat: number; lng: number } {
  return {
    name: area.name,
    lat: Number((area.lat + faker.number.float({ min: -0.012, max: 0.012, fractionDigits: 5 })).toFixed(5)),
    lng: Number((area.lng + faker.number.float({ min: -0.014, max: 0.014, fractionDigits: 5 })).toFixed(5)),
  };
}

function chat(faker: Faker, first: string[], second: string[], min: number, max: number): string[] {
  const n = faker.number.int({ min, max });
  return Array.from({ length: n }, (_, i) => faker.helpers.arrayElement(i % 2 === 0 ? first : second));
}

function address(faker: Faker, area: string): string {
  return `${faker.helpers.arrayElement(["Tower", "Residence", "Villa", "Building", "Heights"])} ${faker.number.int({ min: 1, max: 40 })}, ${area}, Dubai`;
}

/** A booking price in minor units: the listing's price, or a quote's agreed price. */
function price(faker: Faker, p: SeedProvider, listing: number): number {
  const l = p.listings[listing];
  return l.price > 0 ? l.price : faker.number.int({ min: 20, max: 150 }) * 1_000;
}

const listingSql = (p: SeedProvider, i: number) =>
  `(select l.id from public.service_listings l where l.provider_id = ${uuid(p.id)} and l.category_id = md5('hyperlocal:category:' || ${lit(p.listings[i].categorySlug)})::uuid order by l.id limit 1)`;

export function activitySection(ctx: SeedContext): string[] {
  const { faker, counts } = ctx;
  // The seed runs in one transaction on tables that start empty: fresh statistics at each phase
  // keep the planner (and the process functions' cached plans) on the indexes.
  // (Not for small: its tables stay tiny and it must load in seconds.)
  const ANALYZE = ctx.size === "small" ? "select 1;" : "analyze;";
  const out: string[] = [ANALYZE];
  const providers = ctx.providers;
  const providerIds = new Set(providers.map((p) => p.id));
  const customers: SeedUser[] = ctx.users.filter((u) => !providerIds.has(u.id));
  const demoProvider = providers.find((p) => p.id === DEMO_PROVIDER)!;
  const slots: Slots = { days: new Map(), now: new Set() };

  // Businesses: the demo provider's, then others; each owner with two or three members.
  const inBusiness = new Set<string>();
  const others = providers.filter((p) => p.id !== DEMO_PROVIDER);
  for (let b = 0; b < counts.businesses; b++) {
    const owner = b === 0 ? demoProvider : others[(b - 1) * 3];
    const members = b === 0 ? others.slice(-2) : others.slice((b - 1) * 3 + 1, (b - 1) * 3 + 3);
    if (!owner || members.some((m) => !m || inBusiness.has(m.id)) || inBusiness.has(owner.id)) break;
    [owner, ...members].forEach((m) => inBusiness.add(m.id));
    const name = b === 0 ? "Omar Plumbing & Electrical" : `${faker.person.lastName()} ${faker.helpers.arrayElement(["Services", "Technical Services", "Home Care", "Maintenance LLC"])}`;
    out.push(
      `select pg_temp.seed_business(${lit(`business:${b}`)}, ${uuid(owner.id)}, ${ago(90 * 1440 - b)}, ${lit(name)}, ` +
        `${lit(`${name}: a team serving ${owner.area} and nearby.`)}, array[${members.map((m) => uuid(m.id)).join(", ")}]::uuid[], ` +
        `${arr(members.map((_, i) => (i === 0 ? "manager" : "staff")))});`,
    );
    // The business is paid out through its own connected account.
    out.push(`select pg_temp.seed_enable_payouts(${uuid(owner.id)}, pg_temp.seed_id(${lit(`business:${b}`)}));`);
  }
  // Independent providers: every other one has a payout account (the others' earnings wait).
  providers.filter((p) => !inBusiness.has(p.id)).forEach((p, i) => {
    if (i % 2 === 0) out.push(`select pg_temp.seed_enable_payouts(${uuid(p.id)});`);
  });

  // Bookings in every state.
  const completed: Array<{ key: string; customer: string; provider: string; days: number; minutes: number }> = [];
  let bookingNo = 0;
  for (const state of BOOKING_STATES) {
    // Most finished work is completed work: three times as many completed bookings.
    const n = state === "completed" ? counts.bookingsPerState * 3 : counts.bookingsPerState;
    for (let k = 0; k < n; k++) {
      const customer = k === 0 ? ctx.users[0] : faker.helpers.arrayElement(customers);
      const now = NOW_STATES.includes(state);
      let provider = k === 0 ? demoProvider : faker.helpers.arrayElement(providers);
      if (now) {
        let tries = 0;
        while (slots.now.has(provider.id) && tries++ < 50) provider = faker.helpers.arrayElement(providers);
        if (slots.now.has(provider.id)) continue;
        slots.now.add(provider.id);
      }
      const li = faker.number.int({ min: 0, max: provider.listings.length - 1 });
      let minutes = provider.listings[li].minutes;
      let start: string;
      let created: string;
      let days = 0;
      if (now) {
        minutes = Math.max(minutes, 90);
        const offset = state === "en_route" ? 15 : state === "arrived" ? 2 : -30;
        start = `(now() + interval '${offset} minutes')`;
        created = ago(faker.number.int({ min: 2, max: 6 }) * 1440);
      } else if (FUTURE_STATES.includes(state)) {
        const d = takeDay(slots, provider.id, 1, 40, faker);
        if (d === null) continue;
        days = d;
        start = dayAt(d);
        created = ago(state === "requested" ? faker.number.int({ min: 5, max: 60 }) : faker.number.int({ min: 60, max: 2 * 1440 }));
      } else {
        // Disputed: finished hours ago (the dispute is open); the others days to months ago.
        const d = state === "disputed" ? takeDay(slots, provider.id, -1, -1, faker) : takeDay(slots, provider.id, -120, -3, faker);
        if (d === null) continue;
        days = d;
        start = dayAt(d);
        created = `(${start} - interval '${faker.number.int({ min: 26, max: 120 })} hours')`;
      }
      const variant = state === "cancelled" ? k % 3 : state === "resolved" ? faker.helpers.arrayElement([25, 50, 100]) : 0;
      const spot = near(faker, AREAS.find((a) => a.name === provider.area));
      const messages = faker.datatype.boolean({ probability: 0.6 }) ? chat(faker, CUSTOMER_LINES, PROVIDER_LINES, 2, 6) : null;
      // Instant bookings start accepted: never for states reached from a request.
      const instant = !["requested", "declined", "expired"].includes(state) && !(state === "cancelled" && variant === 0) &&
        faker.datatype.boolean({ probability: 0.3 });
      const key = `booking:${bookingNo++}`;
      out.push(
        `select pg_temp.seed_keep(${lit(key)}, pg_temp.seed_booking(${uuid(customer.id)}, ${uuid(provider.id)}, ${listingSql(provider, li)}, ` +
          `${lit(state)}, ${created}, ${start}, ${minutes}, ${price(faker, provider, li)}, ${spot.lat}, ${spot.lng}, ` +
          `${lit(address(faker, spot.name))}, ${instant}, ${variant}, ${messages ? arr(messages) : "null"}));`,
      );
      if (state === "completed") completed.push({ key, customer: customer.id, provider: provider.id, days, minutes });
    }
  }

  out.push(ANALYZE);
  // Jobs with offers. Every fourth job's first offer is accepted (its booking done if it was in
  // the past, accepted if ahead), the others are countered, declined or still pending.
  const roots = CATEGORY_TREE.flatMap((r) => r.children);
  for (let j = 0; j < counts.jobs; j++) {
    const customer = j === 0 ? ctx.users[0] : faker.helpers.arrayElement(customers);
    const child = faker.helpers.arrayElement(roots);
    const spot = near(faker);
    const outcome = j % 4;
    const past = outcome === 0 && j % 8 === 0;
    // Offers' proposed days, per provider (each provider keeps one booking a day).
    const bidders = faker.helpers.arrayElements(providers, { min: 1, max: Math.min(3, providers.length) });
    const firstDay = past ? -faker.number.int({ min: 5, max: 60 }) : faker.number.int({ min: 2, max: 10 });
    const postedMinutesAgo = past ? -firstDay * 1440 + 2 * 1440 : faker.number.int({ min: 3, max: 40 }) * 60;
    const budget = faker.number.int({ min: 15, max: 120 }) * 1_000;
    const jobKey = `job:${j}`;
    out.push(
      `select pg_temp.seed_job(${lit(jobKey)}, ${uuid(customer.id)}, ${ago(postedMinutesAgo)}, ${lit(child.slug)}, ` +
        `${lit(`${faker.helpers.arrayElement(child.titles)} needed`)}, ${spot.lat}, ${spot.lng}, ${child.minutes}, ` +
        `${lit(faker.lorem.sentence({ min: 6, max: 14 }))}, ${lit(address(faker, spot.name))}, ${lit(spot.name)}, ${budget}, ${dayAt(firstDay - 1)});`,
    );
    const made: Array<{ i: number; p: SeedProvider; d: number }> = [];
    bidders.forEach((p, i) => {
      if (p.id === customer.id) return;
      const d = takeDay(slots, p.id, firstDay, past ? firstDay + 1 : firstDay + 2, faker);
      if (d === null) return;
      made.push({ i, p, d });
      out.push(
        `select pg_temp.seed_offer(${lit(`offer:${j}:${i}`)}, ${uuid(p.id)}, pg_temp.seed_id(${lit(jobKey)}), ${ago(postedMinutesAgo - 60 - i * 40)}, ` +
          `${Math.round((budget * faker.number.int({ min: 85, max: 115 })) / 100 / 100) * 100}, ${dayAt(d)}, ${child.minutes}, ` +
          `${lit(faker.helpers.arrayElement(["I can do this, all materials included.", "Available that day, ten years of experience.", "Happy to help, I am nearby."]))});`,
      );
    });
    // Answers come after every offer was made.
    const answerAt = ago(postedMinutesAgo - 240);
    for (const { i, p, d } of made) {
      const offer = `pg_temp.seed_id(${lit(`offer:${j}:${i}`)})`;
      if (i === 0 && outcome === 0) {
        const state: BookingState = past ? "completed" : "accepted";
        const key = `booking:job:${j}`;
        out.push(`select pg_temp.seed_keep(${lit(key)}, pg_temp.seed_answer(${offer}, 'accept', ${answerAt}, ${lit(state)}));`);
        if (past) completed.push({ key, customer: customer.id, provider: p.id, days: d, minutes: child.minutes });
      } else if (outcome === 1 && i === 0) {
        out.push(`select pg_temp.seed_answer(${offer}, 'decline', ${answerAt});`);
      } else if (outcome === 2 && i === 0) {
        out.push(`select pg_temp.seed_answer(${offer}, 'counter', ${answerAt});`);
      } else if (outcome === 3 && i === 1) {
        out.push(`select pg_temp.seed_answer(${offer}, 'withdraw', ${answerAt});`);
      }
    }
  }

  // Reviews of completed bookings (disputed trades' reviews wait for the resolution): the customer nearly always, the provider often; both within a
  // day or two of the end.
  const reviews: string[] = [];
  for (const c of completed) {
    const end = `(${dayAt(c.days)} + interval '${c.minutes} minutes')`;
    if (faker.datatype.boolean({ probability: 0.85 })) {
      const rating = faker.helpers.weightedArrayElement([{ weight: 6, value: 5 }, { weight: 3, value: 4 }, { weight: 1, value: 3 }, { weight: 0.5, value: 2 }, { weight: 0.3, value: 1 }]);
      reviews.push(`(${uuid(c.customer)}, pg_temp.seed_id(${lit(c.key)}), (${end} + interval '${faker.number.int({ min: 60, max: 2000 })} minutes'), ${rating}, ${lit(faker.helpers.arrayElement(["Very professional and on time.", "Good work, would book again.", "Fixed it quickly, fair price.", "Friendly and tidy.", "Okay, but arrived late.", "Not great, had to call twice."]))})`);
    }
    if (faker.datatype.boolean({ probability: 0.6 })) {
      reviews.push(`(${uuid(c.provider)}, pg_temp.seed_id(${lit(c.key)}), (${end} + interval '${faker.number.int({ min: 60, max: 2000 })} minutes'), ${faker.helpers.arrayElement([5, 5, 5, 4])}, ${lit(faker.helpers.arrayElement(["Great customer, clear instructions.", "Easy to work with.", "Paid promptly, thank you."]))})`);
    }
  }
  for (let i = 0; i < reviews.length; i += 500) {
    out.push(`select pg_temp.seed_review(v.author, v.booking, v.at, v.rating, '{}'::jsonb, v.comment)
  from (values ${reviews.slice(i, i + 500).join(",\n    ")}) v(author, booking, at, rating, comment) order by v.at;`);
  }

  out.push(ANALYZE);
  // Sellers with products.
  const sellers = [ctx.users.find((u) => u.id === DEMO_SELLER)!, ...customers.filter((u) => u.id !== DEMO_SELLER && u.id !== DEMO_CUSTOMER).slice(0, counts.sellers - 1)];
  const products: Array<{ key: string; seller: string; createdAgo: number; quantity: number; price: number }> = [];
  for (let i = 0; i < counts.products; i++) {
    const seller = i < 4 ? sellers[0] : faker.helpers.arrayElement(sellers);
    const cat = faker.helpers.arrayElement(GOODS_CATEGORIES);
    const title = faker.helpers.arrayElement(PRODUCT_TITLES[cat.slug]);
    const spot = near(faker);
    const p = faker.number.int({ min: 2, max: 400 }) * 500;
    const quantity = faker.helpers.weightedArrayElement([{ weight: 8, value: 1 }, { weight: 2, value: faker.number.int({ min: 2, max: 5 }) }]);
    const createdAgo = faker.number.int({ min: 3 * 1440, max: 60 * 1440 });
    const key = `product:${i}`;
    products.push({ key, seller: seller.id, createdAgo, quantity, price: p });
    out.push(
      `select pg_temp.seed_product(${lit(key)}, ${uuid(seller.id)}, ${ago(createdAgo)}, ${lit(title)}, ${p}, ${lit(cat.slug)}, ` +
        `${lit(faker.helpers.arrayElement(["new", "like_new", "good", "fair"]))}, ${spot.lat}, ${spot.lng}, ` +
        `${lit(`${title}. ${faker.lorem.sentence({ min: 5, max: 12 })}`)}, ${faker.datatype.boolean({ probability: 0.3 }) ? p + faker.number.int({ min: 1, max: 100 }) * 500 : "null"}, ` +
        `${lit(faker.helpers.arrayElement(["discover", "discover", "community"]))}, ${lit(spot.name)}, ${lit(`${faker.helpers.arrayElement(["Tower", "Residence", "Building"])} ${faker.number.int({ min: 1, max: 30 })}`)}, ` +
        `${quantity}, ${arr(faker.helpers.arrayElements(["lifestyle", "urgency", "event"], { min: 0, max: 1 }))});`,
    );
  }

  out.push(ANALYZE);
  // Likes, views (one per viewer, product and day) and follows by other users.
  const acts: string[] = [];
  const seen = new Set<string>();
  const people = ctx.users;
  const act = (kind: "like" | "view" | "follow", n: number) => {
    for (let i = 0, tries = 0; i < n && tries < n * 5; tries++) {
      const u = faker.helpers.arrayElement(people);
      const pr = faker.helpers.arrayElement(products);
      if (u.id === pr.seller) continue;
      const daysAgo = faker.number.int({ min: 0, max: Math.floor(pr.createdAgo / 1440) - 1 });
      const target = kind === "follow" ? pr.seller : pr.key;
      const id = `${kind}:${u.id}:${target}${kind === "view" ? `:${daysAgo}` : ""}`;
      if (seen.has(id)) continue;
      seen.add(id);
      i++;
      const at = `(now() - interval '${daysAgo} days' - interval '${faker.number.int({ min: 60, max: 1200 })} minutes')`;
      acts.push(`(${uuid(u.id)}, ${lit(kind)}, ${kind === "follow" ? uuid(pr.seller) : `pg_temp.seed_id(${lit(pr.key)})`}, ${at})`);
    }
  };
  act("view", counts.views);
  act("like", counts.likes);
  act("follow", counts.follows);
  for (let i = 0; i < acts.length; i += 1000) {
    out.push(`select count(*) filter (where pg_temp.seed_goods_act(v.u, v.a, v.t, v.at)) from (values ${acts.slice(i, i + 1000).join(",\n    ")}) v(u, a, t, at);`);
  }

  out.push(ANALYZE);
  // Customers ask providers about a service listing before booking (conversations about
  // products open with the goods marketplace's messaging, not yet).
  for (let i = 0; i < counts.chats; i++) {
    const provider = i === 0 ? demoProvider : faker.helpers.arrayElement(providers);
    const customer = i === 0 ? ctx.users[0] : faker.helpers.arrayElement(customers);
    if (customer.id === provider.id) continue;
    const li = faker.number.int({ min: 0, max: provider.listings.length - 1 });
    out.push(
      `select pg_temp.seed_conversation(${uuid(customer.id)}, ${uuid(provider.id)}, 'service_listing', ${listingSql(provider, li)}, ` +
        `${ago(faker.number.int({ min: 60, max: 30 * 1440 }))}, ${arr(chat(faker, ASK_LINES, ANSWER_LINES, 1, 5))}, ${faker.datatype.boolean()});`,
    );
  }

  // Haggling in the products' conversations (each on a product of its own): offers left open,
  // declined, withdrawn, countered, accepted minutes ago (the unit reserved at the offer's price),
  // and accepted then paid, in each state of a paid order (paid, sent, received, completed with the
  // escrow released, cancelled and refunded). Times keep every open step inside its window: open
  // offers within the last day, reservations minutes old, orders in transit within the last days,
  // finished ones older.
  const used = new Set<string>();
  const outcomes = [
    { outcome: "paid", order: "completed", min: 5 * 1440, max: 40 * 1440 },
    { outcome: "pending", order: null, min: 60, max: 1200 },
    { outcome: "paid", order: "sent", min: 8 * 60, max: 20 * 60 },
    { outcome: "declined", order: null, min: 1440, max: 30 * 1440 },
    { outcome: "paid", order: "received", min: 28 * 60, max: 40 * 60 },
    { outcome: "countered", order: null, min: 60, max: 1200 },
    { outcome: "accepted", order: null, min: 95, max: 115 },
    { outcome: "paid", order: "cancelled", min: 2 * 1440, max: 20 * 1440 },
    { outcome: "withdrawn", order: null, min: 1440, max: 30 * 1440 },
    { outcome: "paid", order: "paid", min: 120, max: 180 },
  ] as const;
  const haggles: Array<{ ago: number; sql: string }> = [];
  const reserving = new Set<string>();
  const shuffled = faker.helpers.shuffle([...products]);
  for (let i = 0; i < counts.haggles; i++) {
    const o = outcomes[i % outcomes.length];
    const at = faker.number.int({ min: o.min, max: o.max });
    const pr = shuffled.find((x) => !used.has(x.key) && x.createdAgo > at + 120 && x.price >= 2000);
    if (!pr) continue;
    // An accepted offer holds a reservation: one per buyer, within the open-reservation limit.
    const pool = customers.filter((u) => u.id !== pr.seller && !(o.outcome === "accepted" && reserving.has(u.id)));
    const buyer = i === 0 && ctx.users[0].id !== pr.seller ? ctx.users[0] : faker.helpers.arrayElement(pool.slice(0, 2000));
    if (!buyer) continue;
    used.add(pr.key);
    if (o.outcome === "accepted") reserving.add(buyer.id);
    const amount = Math.round((pr.price * faker.number.int({ min: 60, max: 90 })) / 100 / 100) * 100;
    const counter = Math.round((amount + pr.price) / 2 / 100) * 100;
    haggles.push({
      ago: at,
      sql: `select pg_temp.seed_haggle(${uuid(buyer.id)}, pg_temp.seed_id(${lit(pr.key)}), ${ago(at)}, ${amount}, ${counter}, ` +
        `${lit(o.outcome)}, ${lit(`Lobby of ${near(faker).name} Mall`)}, ${arr(chat(faker, HAGGLE_ASK_LINES, HAGGLE_ANSWER_LINES, 1, 3))}, ` +
        `${o.order ? lit(o.order) : "null"});`,
    });
  }
  // Oldest first, as they happened (a finished order's timers run at their own times).
  haggles.sort((a, b) => b.ago - a.ago).forEach((h) => out.push(h.sql));

  // Goods orders bought at the listing price: cancelled and expired in the past, then reservations
  // made minutes ago (distinct single-unit products, so each buyer's open reservations stay within
  // the limit), on products nobody haggled over.
  const orderStates = ["cancelled", "expired", "reserved"] as const;
  const orders: Array<{ state: string; sql: string; ago: number }> = [];
  for (let i = 0; i < counts.orders; i++) {
    const state = orderStates[i % 3];
    const pr = products[faker.number.int({ min: 0, max: products.length - 1 })];
    if (used.has(pr.key)) continue;
    const buyer = i < 3 ? ctx.users[0] : faker.helpers.arrayElement(customers.filter((u) => u.id !== pr.seller).slice(0, 2000));
    if (buyer.id === pr.seller) continue;
    if (state === "reserved") used.add(pr.key);
    const at = state === "reserved" ? faker.number.int({ min: 1, max: 20 }) : faker.number.int({ min: 120, max: Math.max(121, pr.createdAgo - 60) });
    orders.push({
      state,
      ago: at,
      sql: `select pg_temp.seed_order(${uuid(buyer.id)}, pg_temp.seed_id(${lit(pr.key)}), ${ago(at)}, 1, ${lit(state)}, ${lit(`Lobby of ${near(faker).name} Mall`)});`,
    });
  }
  // Oldest first: the order timer of an expired reservation runs at its time.
  orders.sort((a, b) => b.ago - a.ago).forEach((o) => out.push(o.sql));

  return out;
}
