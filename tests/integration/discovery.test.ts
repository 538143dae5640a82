/**
 * Discovery through the gateway with supabase-js, as a client app calls it: anon and signed-in
 * users, keyset pagination, covering vs near, map bounds and clusters, listings, and the error
 * contract (HTTP 400 with a registered HL code for every kind of bad input).
 *
 * Fixtures sit around a point far from any seed data and use categories created for this run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, adminSql, anonClient, createCategory, createProvider, serviceClient, type Client } from "../support.ts";

const sql = adminSql();
const CENTRE = { lat: -33.5, lng: 150.5 };
const M_PER_DEG = (6371008.8 * Math.PI) / 180;
let customer: Client;
const anon = anonClient();
const service = serviceClient();
const providers: string[] = [];
let rootCategory = "";
let leafCategory = "";

/** The i-th provider sits i km north of the centre with a (i + 1) km service radius (p4: 30 km). */
beforeAll(async () => {
  rootCategory = await createCategory(sql, "it-disc", { en: "IT discovery", ar: "ج" });
  leafCategory = await createCategory(sql, "it-disc-leaf", { en: "IT leaf", ar: "ج" }, rootCategory);
  for (let i = 1; i <= 5; i++) {
    const p = await createProvider(sql, `disc.provider${i}`, {
      at: { lat: CENTRE.lat + (i * 1000) / M_PER_DEG, lng: CENTRE.lng },
      profile: {
        display_name: `IT provider ${i}`, service_radius_m: i === 4 ? 30000 : (i + 1) * 1000 - 500,
        rating_avg: 3 + i / 5, rating_count: i * 10, rating_sum: 30 * i + 2 * i * i, is_available: i % 2 === 1, is_verified: i === 2,
      },
      listings: [{ category_id: i <= 3 ? leafCategory : rootCategory, title: `IT listing ${i}`, pricing_unit: "hourly", base_price: i * 2500 }],
    });
    providers.push(p.id);
  }
  customer = (await actor("disc.customer")).client;
});

afterAll(async () => {
  await sql`delete from public.provider_profiles where id = any(${providers})`;
  await sql`delete from public.categories where id = any(${[leafCategory, rootCategory]}) and parent_id is not null`;
  await sql`delete from public.categories where id = ${rootCategory}`;
  await sql.end();
});

const near = (extra: Record<string, unknown> = {}) => ({
  p_lat: CENTRE.lat,
  p_lng: CENTRE.lng,
  p_radius_m: 20000,
  p_category_id: rootCategory,
  ...extra,
});

describe("search_providers_nearby", () => {
  it("returns the nearest providers first, with distances in metres and card fields, for anon", async () => {
    const { data, error, status } = await anon.rpc("search_providers_nearby", near());
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data!.map((r) => r.provider_id)).toEqual(providers);
    expect(data![0].distance_m).toBeCloseTo(1000, 1);
    expect(data![4].distance_m).toBeCloseTo(5000, 1);
    expect(data![0]).toMatchObject({ display_name: "IT provider 1", currency: "AED", is_available: true, price_from: 2500 });
    expect(data![0].lat).toBeCloseTo(CENTRE.lat + 1000 / M_PER_DEG, 9);
    expect(typeof data![0].cursor).toBe("string");
  });

  it("gives a signed-in user and service_role the same results", async () => {
    const [a, u, s] = await Promise.all([
      anon.rpc("search_providers_nearby", near({ p_sort: "relevance" })),
      customer.rpc("search_providers_nearby", near({ p_sort: "relevance" })),
      service.rpc("search_providers_nearby", near({ p_sort: "relevance" })),
    ]);
    expect(u.error).toBeNull();
    expect(s.error).toBeNull();
    expect(u.data!.map((r) => r.provider_id)).toEqual(a.data!.map((r) => r.provider_id));
    expect(s.data!.map((r) => r.provider_id)).toEqual(a.data!.map((r) => r.provider_id));
  });

  it("filters by category (with subcategories), rating, verification, price and radius", async () => {
    const leaf = await anon.rpc("search_providers_nearby", near({ p_category_id: leafCategory }));
    expect(leaf.data!.map((r) => r.provider_id)).toEqual(providers.slice(0, 3));
    const rated = await anon.rpc("search_providers_nearby", near({ p_min_rating: 3.8 }));
    expect(rated.data!.map((r) => r.provider_id)).toEqual(providers.slice(3));
    const verified = await anon.rpc("search_providers_nearby", near({ p_verified_only: true }));
    expect(verified.data!.map((r) => r.provider_id)).toEqual([providers[1]]);
    const priced = await anon.rpc("search_providers_nearby", near({ p_min_price: 5000, p_max_price: 10000 }));
    expect(priced.data!.map((r) => r.provider_id)).toEqual(providers.slice(1, 4));
    const close = await anon.rpc("search_providers_nearby", near({ p_radius_m: 2500 }));
    expect(close.data!.map((r) => r.provider_id)).toEqual(providers.slice(0, 2));
  });

  it("sorts by rating and by price", async () => {
    const rating = await anon.rpc("search_providers_nearby", near({ p_sort: "rating" }));
    expect(rating.data!.map((r) => r.provider_id)).toEqual([...providers].reverse());
    const price = await anon.rpc("search_providers_nearby", near({ p_sort: "price" }));
    expect(price.data!.map((r) => r.provider_id)).toEqual(providers);
  });

  it("pages with the cursor of the last row, without duplicates or gaps", async () => {
    for (const sort of ["distance", "rating", "relevance"]) {
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const { data, error } = await customer.rpc("search_providers_nearby", near({ p_sort: sort, p_limit: 2, p_after: after }));
        expect(error).toBeNull();
        seen.push(...data!.map((r) => r.provider_id));
        if (data!.length < 2) break;
        after = data![data!.length - 1].cursor;
      }
      const all = await customer.rpc("search_providers_nearby", near({ p_sort: sort }));
      expect(seen).toEqual(all.data!.map((r) => r.provider_id));
    }
  });
});

describe("available now", () => {
  // Two providers 30 km south of the other fixtures, in a zone where it is about noon now (so the
  // test never straddles a local midnight): one open 10:00-14:00 today, one only later today.
  const SPOT = { lat: CENTRE.lat - 0.3, lng: CENTRE.lng };
  const utcHour = new Date().getUTCHours();
  const offset = 12 - utcHour; // local = UTC + offset; Etc/GMT names have the sign reversed
  const timezone = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
  const localWeekday = new Date(Date.now() + offset * 3_600_000).getUTCDay();
  const spot = { p_lat: SPOT.lat, p_lng: SPOT.lng, p_radius_m: 5000, p_available_now: true };
  const made: string[] = [];

  afterAll(async () => {
    await sql`delete from public.provider_profiles where id = any(${made})`;
  });

  it("finds providers whose weekly hours cover the present; a change of hours made while the minute's job holds the window does not wait for it and shows after the job's next run", async () => {
    const open = await createProvider(sql, "disc.open-now", {
      at: { lat: SPOT.lat + 1000 / M_PER_DEG, lng: SPOT.lng }, categoryId: rootCategory, profile: { timezone },
    });
    const later = await createProvider(sql, "disc.open-later", {
      at: { lat: SPOT.lat + 2000 / M_PER_DEG, lng: SPOT.lng }, categoryId: rootCategory, profile: { timezone },
    });
    made.push(open.id, later.id);
    for (const [who, hours] of [[open, ["10:00", "14:00"]], [later, ["16:00", "18:00"]]] as const) {
      const { error } = await who.client.rpc("set_weekly_availability", {
        p_rules: [{ weekday: localWeekday, start_time: hours[0], end_time: hours[1] }],
      });
      expect(error).toBeNull();
    }
    const first = await anon.rpc("search_providers_nearby", spot);
    expect(first.error).toBeNull();
    expect(first.data!.map((r) => r.provider_id)).toEqual([open.id]);

    // The job holds the window row (as while it adds the periods starting at a full hour).
    const job = await sql.reserve();
    try {
      await job`begin`;
      await job`select from private.provider_open_window for update`;
      const started = Date.now();
      const { error } = await later.client.rpc("set_weekly_availability", {
        p_rules: [{ weekday: localWeekday, start_time: "10:00", end_time: "14:00" }],
      });
      expect(error).toBeNull();
      expect(Date.now() - started).toBeLessThan(2000);
      const queued = await sql`select provider_id from private.provider_open_resync where provider_id = ${later.id}`;
      expect(queued).toHaveLength(1);
    } finally {
      await job`rollback`;
      job.release();
    }
    await sql`select private.tick_provider_open_periods()`;
    const after = await anon.rpc("search_providers_nearby", spot);
    expect(after.error).toBeNull();
    expect(after.data!.map((r) => r.provider_id)).toEqual([open.id, later.id]);
  });
});

describe("covering, bounds and listings", () => {
  it("finds providers whose service area covers the point, which is not the same as near", async () => {
    // 8 km north of the centre: p5 is 3 km away (5.5 km area), p4 4 km away (30 km area), p3 5 km
    // away (3.5 km area), p2 6 km (2.5 km area), p1 7 km (1.5 km area).
    const point = { p_lat: CENTRE.lat + 8000 / M_PER_DEG, p_lng: CENTRE.lng, p_category_id: rootCategory };
    const covering = await anon.rpc("search_providers_covering", point);
    expect(covering.error).toBeNull();
    expect(covering.data!.map((r) => r.provider_id)).toEqual([providers[4], providers[3]]);
    expect(covering.data![1].distance_m).toBeCloseTo(4000, 1);
    const within35 = await anon.rpc("search_providers_nearby", { ...point, p_radius_m: 3500 });
    expect(within35.data!.map((r) => r.provider_id)).toEqual([providers[4]]);
    const within65 = await anon.rpc("search_providers_nearby", { ...point, p_radius_m: 6500 });
    expect(within65.data!.map((r) => r.provider_id)).toEqual([providers[4], providers[3], providers[2], providers[1]]);
  });

  it("searches map bounds (rows with positions) and clusters them on a grid", async () => {
    const bounds = {
      p_south: CENTRE.lat - 0.01, p_west: CENTRE.lng - 0.05, p_north: CENTRE.lat + 0.06, p_east: CENTRE.lng + 0.05,
      p_category_id: rootCategory,
    };
    const rows = await anon.rpc("search_providers_in_bounds", bounds);
    expect(rows.error).toBeNull();
    expect(new Set(rows.data!.map((r) => r.provider_id))).toEqual(new Set(providers));
    const grid = await anon.rpc("cluster_providers_in_bounds", { ...bounds, p_grid_size: 1 });
    expect(grid.error).toBeNull();
    expect(grid.data).toHaveLength(1);
    expect(grid.data![0]).toMatchObject({ provider_count: 5, min_price: 2500 });
    const listings = await anon.rpc("cluster_listings_in_bounds", { ...bounds, p_grid_size: 4 });
    expect(listings.data!.reduce((n, c) => n + c.listing_count, 0)).toBe(5);
  });

  it("finds listings near a point with listing-level filters", async () => {
    const { data, error } = await customer.rpc("search_listings_nearby", near({ p_max_price: 7500, p_sort: "price" }));
    expect(error).toBeNull();
    expect(data!.map((r) => r.title)).toEqual(["IT listing 1", "IT listing 2", "IT listing 3"]);
    expect(data![0]).toMatchObject({ provider_id: providers[0], base_price: 2500, provider_display_name: "IT provider 1" });
    const inBounds = await anon.rpc("search_listings_in_bounds", {
      p_south: CENTRE.lat, p_west: CENTRE.lng - 0.01, p_north: CENTRE.lat + 0.025, p_east: CENTRE.lng + 0.01,
      p_category_id: leafCategory,
    });
    expect(inBounds.data!.map((r) => r.title).sort()).toEqual(["IT listing 1", "IT listing 2"]);
  });
});

describe("error contract", () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ["latitude above 90", "search_providers_nearby", { p_lat: 91, p_lng: 10 }, "HL200"],
    ["latitude null", "search_providers_nearby", { p_lat: null, p_lng: 10 }, "HL200"],
    ["longitude below -180", "search_providers_covering", { p_lat: 10, p_lng: -180.5 }, "HL201"],
    ["radius 0", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_radius_m: 0 }, "HL252"],
    ["radius above 100 km", "search_listings_nearby", { p_lat: 10, p_lng: 10, p_radius_m: 150000 }, "HL252"],
    ["negative price", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_min_price: -100 }, "HL253"],
    ["absurd price", "search_listings_nearby", { p_lat: 10, p_lng: 10, p_max_price: 1e12 }, "HL253"],
    ["min price above max", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_min_price: 500, p_max_price: 100 }, "HL253"],
    ["unknown category", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_category_id: "00000000-0000-4000-8000-000000000000" }, "HL208"],
    ["rating above 5", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_min_rating: 6 }, "HL255"],
    ["page size above 100", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_limit: 101 }, "HL256"],
    ["bad cursor", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_after: "nope" }, "HL007"],
    ["unknown sort", "search_listings_nearby", { p_lat: 10, p_lng: 10, p_sort: "popular" }, "HL258"],
    ["window in the past", "search_providers_nearby", { p_lat: 10, p_lng: 10, p_open_from: "2020-01-01T10:00:00Z", p_open_to: "2020-01-01T12:00:00Z" }, "HL259"],
    ["inverted bounds", "search_providers_in_bounds", { p_south: 11, p_west: 10, p_north: 10, p_east: 11 }, "HL260"],
    ["bounds too large", "search_listings_in_bounds", { p_south: 10, p_west: 10, p_north: 12, p_east: 12 }, "HL261"],
    ["grid too fine", "cluster_providers_in_bounds", { p_south: 10, p_west: 10, p_north: 10.1, p_east: 10.1, p_grid_size: 64 }, "HL262"],
  ];
  for (const [what, fn, args, code] of cases) {
    it(`answers 400 ${code} for ${what}`, async () => {
      const { data, error, status } = await anon.rpc(fn as "search_providers_nearby", args as never);
      expect(data).toBeNull();
      expect(status).toBe(400);
      expect(error).toMatchObject({ code });
      expect(error!.message.length).toBeGreaterThan(10);
      expect(error!.hint).toBeTruthy();
    });
  }

  it("answers a malformed category id with PostgreSQL's 400 (invalid uuid), not a 500", async () => {
    const { error, status } = await anon.rpc("search_providers_nearby", { p_lat: 10, p_lng: 10, p_category_id: "plumbing" });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: "22P02" });
  });
});
