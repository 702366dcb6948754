// Exact contacts from TRUE positions, the yardstick of matching quality: two pings are
// in contact when they lie within R metres and T seconds of each other. No cells, no slots for
// matching, no code shared with the engine; slots only count exposure, as the exposure policy does.

export interface TruePing {
  userId: string;
  tsMs: number;
  lat: number;
  lon: number;
}

export interface TruthRules {
  windowSeconds: number;
  slotSeconds: number;
  autoSeconds: number;
  reviewSeconds: number;
  /** R: the largest true distance of a contact. */
  meters: number;
  /** T: the largest time between the two pings. */
  seconds: number;
}

export interface TruthInput {
  pings: TruePing[];
  /** Red people and the start of their infectious period. */
  infectiousFromMs: Map<string, number>;
  rules: TruthRules;
}

/** A contact with one source in one window (the contact's): the contact's slots with a true contact. */
export interface TrueExposure {
  windowId: number;
  contactId: string;
  sourceId: string;
  slots: number[];
}

/** A contact who should get a request in a window (exposure to all sources together). */
export interface TrueRequest {
  windowId: number;
  userId: string;
  auto: boolean;
  exposureSeconds: number;
}

export interface Truth {
  exposures: TrueExposure[];
  requests: TrueRequest[];
  /** (contact ping, source ping) pairs within R and T. */
  pairs: number;
}

const METERS_PER_DEGREE = 111_320;

/** Equirectangular distance: exact enough within a city (well under 0.1% at 100 m). */
export function trueDistanceMeters(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dy = (a.lat - b.lat) * METERS_PER_DEGREE;
  const dx = (a.lon - b.lon) * METERS_PER_DEGREE * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

export function exactContacts(input: TruthInput): Truth {
  const { rules } = input;
  const slotMs = rules.slotSeconds * 1000;
  const windowMs = rules.windowSeconds * 1000;
  const maxMs = rules.seconds * 1000;
  // Source pings bucketed by time (buckets of T), so each contact ping looks at three buckets only.
  const bucketOf = (tsMs: number) => Math.floor(tsMs / Math.max(maxMs, 1));
  const sources = new Map<number, TruePing[]>();
  for (const p of input.pings) {
    const from = input.infectiousFromMs.get(p.userId);
    if (from === undefined || p.tsMs < from) continue;
    const b = bucketOf(p.tsMs);
    (sources.get(b) ?? sources.set(b, []).get(b)!).push(p);
  }

  let pairs = 0;
  const pairSlots = new Map<string, Set<number>>(); // "window|contact|source" -> contact slots
  for (const c of input.pings) {
    const b = bucketOf(c.tsMs);
    for (const bucket of [b - 1, b, b + 1]) {
      for (const s of sources.get(bucket) ?? []) {
        if (s.userId === c.userId || Math.abs(s.tsMs - c.tsMs) > maxMs || trueDistanceMeters(c, s) > rules.meters)
          continue;
        pairs++;
        const key = `${Math.floor(c.tsMs / windowMs)}|${c.userId}|${s.userId}`;
        (pairSlots.get(key) ?? pairSlots.set(key, new Set()).get(key)!).add(Math.floor(c.tsMs / slotMs));
      }
    }
  }

  const exposures: TrueExposure[] = [];
  const contactSlots = new Map<string, Set<number>>(); // "window|contact" -> slots with any source
  for (const [key, slots] of pairSlots) {
    const [w, contactId, sourceId] = key.split('|') as [string, string, string];
    exposures.push({ windowId: Number(w), contactId, sourceId, slots: [...slots].sort((a, b) => a - b) });
    const ck = `${w}|${contactId}`;
    const all = contactSlots.get(ck) ?? contactSlots.set(ck, new Set()).get(ck)!;
    slots.forEach((s) => all.add(s));
  }
  // Policy over all sources together; red people get no request (requests never lower a code).
  const requests: TrueRequest[] = [];
  for (const [key, slots] of contactSlots) {
    const [w, userId] = key.split('|') as [string, string];
    const exposureSeconds = slots.size * rules.slotSeconds;
    if (exposureSeconds < rules.reviewSeconds || input.infectiousFromMs.has(userId)) continue;
    requests.push({ windowId: Number(w), userId, auto: exposureSeconds >= rules.autoSeconds, exposureSeconds });
  }
  return { exposures, requests, pairs };
}

export interface Agreement {
  found: number;
  truth: number;
  both: number;
  /** |found ∩ truth| / |truth| (1 when the truth is empty). */
  recall: number;
  /** |found ∩ truth| / |found| (1 when nothing was found). */
  precision: number;
}

/** Recall and precision of a found set of keys against the true ones. */
export function agreement(found: Iterable<string>, truth: Iterable<string>): Agreement {
  const f = new Set(found);
  const t = new Set(truth);
  let both = 0;
  for (const k of f) if (t.has(k)) both++;
  return {
    found: f.size,
    truth: t.size,
    both,
    recall: t.size ? both / t.size : 1,
    precision: f.size ? both / f.size : 1,
  };
}
