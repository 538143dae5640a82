/**
 * A model of where providers and customers are in a real metro area (Dubai): neighbourhood
 * centres with a weight (share of providers) and a spread (standard deviation of a 2-D Gaussian,
 * so density falls off from the centre), plus a thin uniform background over the built-up area.
 *
 * The seed (SQL, set-based) and the load generator (query points) draw from the same model, so
 * benchmark queries land where the data is, in proportion to its density.
 */

export interface Neighbourhood {
  name: string;
  lat: number;
  lng: number;
  /** Standard deviation of the spread, metres. */
  sigmaM: number;
  /** Relative share of providers. */
  weight: number;
}

export const METRO = {
  name: "Dubai",
  /** The built-up area, for the uniform background (degrees). */
  background: { south: 24.98, west: 55.13, north: 25.3, east: 55.45, weight: 4 },
  neighbourhoods: [
    { name: "Deira", lat: 25.2711, lng: 55.3075, sigmaM: 1800, weight: 9 },
    { name: "Al Qusais", lat: 25.2786, lng: 55.3847, sigmaM: 1800, weight: 6 },
    { name: "Al Nahda", lat: 25.2917, lng: 55.3703, sigmaM: 1200, weight: 4 },
    { name: "Bur Dubai", lat: 25.2532, lng: 55.2969, sigmaM: 1500, weight: 7 },
    { name: "Karama", lat: 25.2436, lng: 55.3047, sigmaM: 1000, weight: 6 },
    { name: "Jumeirah", lat: 25.2105, lng: 55.2514, sigmaM: 2200, weight: 5 },
    { name: "Umm Suqeim", lat: 25.1538, lng: 55.2108, sigmaM: 1700, weight: 3 },
    { name: "Downtown Dubai", lat: 25.1972, lng: 55.2744, sigmaM: 1200, weight: 7 },
    { name: "Business Bay", lat: 25.1857, lng: 55.2651, sigmaM: 1300, weight: 6 },
    { name: "Al Quoz", lat: 25.1427, lng: 55.2389, sigmaM: 2000, weight: 3 },
    { name: "Al Barsha", lat: 25.1122, lng: 55.1961, sigmaM: 1800, weight: 7 },
    { name: "Dubai Hills", lat: 25.1110, lng: 55.2440, sigmaM: 1400, weight: 3 },
    { name: "Dubai Marina", lat: 25.0805, lng: 55.1403, sigmaM: 1100, weight: 8 },
    { name: "JLT", lat: 25.0693, lng: 55.1413, sigmaM: 800, weight: 6 },
    { name: "JVC", lat: 25.0600, lng: 55.2090, sigmaM: 1300, weight: 6 },
    { name: "Sports City", lat: 25.0390, lng: 55.2195, sigmaM: 1100, weight: 3 },
    { name: "Motor City", lat: 25.0470, lng: 55.2370, sigmaM: 900, weight: 2 },
    { name: "Mirdif", lat: 25.2204, lng: 55.4186, sigmaM: 1700, weight: 5 },
    { name: "Silicon Oasis", lat: 25.1185, lng: 55.3790, sigmaM: 1400, weight: 4 },
    { name: "International City", lat: 25.1642, lng: 55.4091, sigmaM: 1100, weight: 4 },
  ] satisfies Neighbourhood[],
};

/** Metres per degree of latitude on the mean-radius sphere. */
export const M_PER_DEG = (6371008.8 * Math.PI) / 180;

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A point drawn from the metro model (same distribution as the seed). */
export function samplePoint(rand: () => number): { lat: number; lng: number } {
  const hoods = METRO.neighbourhoods;
  const total = hoods.reduce((n, h) => n + h.weight, 0) + METRO.background.weight;
  let pick = rand() * total;
  for (const h of hoods) {
    pick -= h.weight;
    if (pick < 0) {
      const r = Math.sqrt(-2 * Math.log(1 - rand()));
      const theta = 2 * Math.PI * rand();
      return {
        lat: h.lat + (h.sigmaM * r * Math.cos(theta)) / M_PER_DEG,
        lng: h.lng + (h.sigmaM * r * Math.sin(theta)) / (M_PER_DEG * Math.cos((h.lat * Math.PI) / 180)),
      };
    }
  }
  const b = METRO.background;
  return { lat: b.south + rand() * (b.north - b.south), lng: b.west + rand() * (b.east - b.west) };
}

/**
 * The same model as SQL: a VALUES list of (idx, lat, lng, sigma_m, cumulative upper bound in [0,1])
 * where the last row (sigma_m = null) is the uniform background.
 */
export function metroValuesSql(): string {
  const hoods = METRO.neighbourhoods;
  const total = hoods.reduce((n, h) => n + h.weight, 0) + METRO.background.weight;
  let cum = 0;
  const rows = hoods.map((h, i) => {
    cum += h.weight / total;
    return `(${i + 1}, ${h.lat}, ${h.lng}, ${h.sigmaM}, ${cum})`;
  });
  rows.push(`(${hoods.length + 1}, null, null, null, 1.0)`);
  return rows.join(",\n    ");
}
