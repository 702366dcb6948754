import type pg from 'pg';
import { lastClosedWindowId, type TimeGrid } from '#libs/domain/index.js';
import { encodeCell, POSITION_PRECISION } from '#libs/geo/index.js';
import { agreement, exactContacts, type Agreement, type TruthRules } from '../../test/support/city/ground-truth.js';
import {
  copyPings,
  ensurePingPartitions,
  insertPeople,
  registerWindows,
  setRedCodes,
} from '../../test/support/city/load.js';
import { City, withPositionError, type SimPing } from '../../test/support/city/simulator.js';
import { productionAppEnv, row, type BenchContext, type BenchRow, type Scenario } from '../scenario.js';
import { writeBarChart } from '../support/bar-chart.js';
import { withClient } from '../support/postgres.js';
import { assertTracingTablesEmpty, emptyBenchData } from '../support/reset.js';

/**
 * The production grid and policy divided by 30 in time: 12 slots a window, review from one slot
 * of exposure, automatic from three. The simulator and the rules count in slots, so the figures
 * are those of the production grid; the batch app's scheduler just ticks every 10 s instead of 60 s.
 */
const GRID: TimeGrid = { windowSeconds: 120, slotSeconds: 10, graceSeconds: 5 };
const POLICY = { reviewSeconds: 10, autoSeconds: 30 };
/** The exact-contact truth: R metres and T = one slot. */
const R_METERS = 20;
const RULES: TruthRules = { ...GRID, ...POLICY, meters: R_METERS, seconds: GRID.slotSeconds };
const SIZES = { quick: { people: 1000, windows: 2 }, default: { people: 4000, windows: 3 } };
const RED_FRACTION = 0.015;
const TRACE_TIMEOUT_MS = 5 * 60_000;

/** A way the phones report and the engine matches: what each row of the results measures. */
interface QualityConfig {
  label: string;
  /** What the phones send: lat/lon (kept to POSITION_PRECISION) or only their geohash-8 cell. */
  reports: 'lat/lon' | 'cell';
  /** RMS error of the reported positions, metres. */
  errorMeters: number;
  /** Whether the phones report that error as their accuracy. */
  reportsAccuracy: boolean;
  radiusMeters: number;
  why: string;
}

const CELL_PRECISION = 8;
const CONFIGS: QualityConfig[] = [
  {
    label: 'default',
    reports: 'lat/lon',
    errorMeters: 0,
    reportsAccuracy: false,
    radiusMeters: R_METERS,
    why: 'lat/lon phones, exact positions',
  },
  {
    label: 'default, 5 m error',
    reports: 'lat/lon',
    errorMeters: 5,
    reportsAccuracy: true,
    radiusMeters: R_METERS,
    why: 'positions off by 5 m RMS, the phones reporting an accuracy of 5 m',
  },
  {
    label: 'default, 10 m error',
    reports: 'lat/lon',
    errorMeters: 10,
    reportsAccuracy: true,
    radiusMeters: R_METERS,
    why: 'positions off by 10 m RMS, the phones reporting an accuracy of 10 m',
  },
  {
    label: '5 m error, no accuracy',
    reports: 'lat/lon',
    errorMeters: 5,
    reportsAccuracy: false,
    radiusMeters: R_METERS,
    why: 'positions off by 5 m RMS, the phones reporting no accuracy',
  },
  {
    label: 'geohash-8 phones',
    reports: 'cell',
    errorMeters: 0,
    reportsAccuracy: false,
    radiusMeters: R_METERS,
    why: 'phones that send only their cell: its rectangle can only widen a contact',
  },
];

interface ConfigResult extends QualityConfig {
  requests: Agreement;
  exposures: Agreement;
  traceSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The pings as the phones of this configuration report them. */
function reported(pings: SimPing[], config: QualityConfig, seed: number): SimPing[] {
  if (config.reports === 'cell') return pings.map((p) => ({ ...p, cell: encodeCell(p.lat, p.lon, CELL_PRECISION) }));
  return withPositionError(pings, config.errorMeters, CELL_PRECISION, POSITION_PRECISION, seed, config.reportsAccuracy);
}

/** Loads the city as reported; returns the user id of each person. Refuses to load over leftovers. */
async function load(client: pg.Client, city: City, pings: SimPing[]): Promise<string[]> {
  await assertTracingTablesEmpty(client);
  const ids = await insertPeople(client, city.options.people);
  await setRedCodes(client, city.red, (p) => ids[p]);
  await ensurePingPartitions(client, city.startMs, city.endMs);
  await copyPings(client, pings, (p) => ids[p]);
  await registerWindows(client, city.options.firstWindowId, city.options.windowCount, GRID.windowSeconds);
  await client.query('ANALYZE pings, users, health_codes');
  return ids;
}

/** Runs the real batch app with this configuration until the city's windows are traced. */
async function trace(ctx: BenchContext, client: pg.Client, city: City, config: QualityConfig): Promise<number> {
  const env = productionAppEnv(ctx, {
    HC_WINDOW_SECONDS: String(GRID.windowSeconds),
    HC_SLOT_SECONDS: String(GRID.slotSeconds),
    HC_GRACE_SECONDS: String(GRID.graceSeconds),
    HC_EXPOSURE_REVIEW_SECONDS: String(POLICY.reviewSeconds),
    HC_EXPOSURE_AUTO_SECONDS: String(POLICY.autoSeconds),
    HC_GEOHASH_PRECISION: String(CELL_PRECISION),
    HC_CONTACT_RADIUS_METERS: String(config.radiusMeters),
    // Every request counts, automatic or not: the circuit breaker must not matter here.
    HC_AUTO_APPLY_MAX_PER_WINDOW: '1000000',
  });
  const t0 = Date.now();
  const range = [city.options.firstWindowId, city.options.firstWindowId + city.options.windowCount - 1];
  return ctx.processes.withApp('batch', env, `batch-quality-${config.label.replace(/[^a-z0-9]+/gi, '-')}`, async () => {
    for (;;) {
      const rows = (
        await client.query<{ id: string; status: string; error: string | null }>(
          'SELECT id, status, error FROM windows WHERE id BETWEEN $1 AND $2',
          range,
        )
      ).rows;
      const failed = rows.find((r) => r.status === 'failed');
      if (failed) throw new Error(`window ${failed.id} failed: ${failed.error}`);
      if (rows.every((r) => r.status === 'done')) return (Date.now() - t0) / 1000;
      if (Date.now() - t0 > TRACE_TIMEOUT_MS)
        throw new Error(
          `windows ${range.join('-')} not traced after ${TRACE_TIMEOUT_MS / 60_000} min: ${JSON.stringify(rows)}`,
        );
      await sleep(250);
    }
  });
}
/** What the pipeline stored, keyed by person (ids differ between loads only in theory). */
async function stored(client: pg.Client, city: City, ids: string[]) {
  const person = new Map(ids.map((id, i) => [id, i]));
  const range = [city.options.firstWindowId, city.options.firstWindowId + city.options.windowCount - 1];
  const requests = (
    await client.query<{ w: string; u: string }>(
      `SELECT window_id::text AS w, user_id::text AS u FROM code_changes WHERE to_color = 'yellow' AND window_id BETWEEN $1 AND $2`,
      range,
    )
  ).rows;
  const exposures = (
    await client.query<{ w: string; c: string; s: string }>(
      'SELECT window_id::text AS w, contact_id::text AS c, source_id::text AS s FROM exposures WHERE window_id BETWEEN $1 AND $2',
      range,
    )
  ).rows;
  return {
    requests: requests.map((r) => `${r.w}|${person.get(r.u)}`),
    exposures: exposures.map((e) => `${e.w}|${person.get(e.c)}|${person.get(e.s)}`),
  };
}

function table(results: ConfigResult[], truthRequests: number): string[] {
  const head = ['config', 'recall', 'precision', 'found', 'truth', 'pair recall', 'pair precision', 'trace'];
  const lines = results.map((r) => [
    r.label,
    pct(r.requests.recall),
    pct(r.requests.precision),
    String(r.requests.found),
    String(truthRequests),
    pct(r.exposures.recall),
    pct(r.exposures.precision),
    `${r.traceSec.toFixed(1)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [head, ...lines].map((l) => l.map((v, i) => (i < 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
}

export const quality: Scenario = {
  name: 'quality',
  description: `recall and precision of the requests against exact contacts (${R_METERS} m, one slot) from true positions: lat/lon phones with 0, 5 and 10 m position error reporting their accuracy, 5 m without, and phones that send only their cell`,
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = ctx.quick ? SIZES.quick : SIZES.default;
    const firstWindowId = lastClosedWindowId(Date.now(), GRID) - size.windows - 2;
    const city = new City({
      seed: 6,
      people: size.people,
      firstWindowId,
      windowCount: size.windows,
      windowSeconds: GRID.windowSeconds,
      slotSeconds: GRID.slotSeconds,
      precision: 8,
      redFraction: RED_FRACTION,
      yellowFraction: 0,
    });
    const pings = [...city.pings()];
    const truePings = pings.map((p) => ({ userId: String(p.person), tsMs: p.tsMs, lat: p.lat, lon: p.lon }));
    const infectiousFromMs = new Map(city.red.map((r) => [String(r.person), r.infectiousFromMs]));
    const truth = exactContacts({ pings: truePings, infectiousFromMs, rules: RULES });
    // Near misses: pairs within one slot but 20-30 m apart, what a coarse rule wrongly counts.
    const within30 = exactContacts({ pings: truePings, infectiousFromMs, rules: { ...RULES, meters: 30 } }).pairs;
    const truthRequests = truth.requests.map((r) => `${r.windowId}|${r.userId}`);
    const truthExposures = truth.exposures.map((e) => `${e.windowId}|${e.contactId}|${e.sourceId}`);
    ctx.log(
      `quality: ${size.people} people (${city.red.length} red), ${pings.length} pings over ${size.windows} windows; truth: ${truth.pairs} ping pairs within ${R_METERS} m and one slot (${within30 - truth.pairs} more at 20-30 m), ${truth.exposures.length} (contact, source) exposures, ${truth.requests.length} requests (${truth.requests.filter((r) => r.auto).length} automatic)`,
    );

    const results: ConfigResult[] = [];
    await withClient(ctx.databaseUrl, async (client) => {
      for (const config of CONFIGS) {
        await emptyBenchData(client, ctx.redisUrl, ctx.keyPrefix);
        const ids = await load(client, city, reported(pings, config, 6));
        const traceSec = await trace(ctx, client, city, config);
        const found = await stored(client, city, ids);
        const result = {
          ...config,
          requests: agreement(found.requests, truthRequests),
          exposures: agreement(found.exposures, truthExposures),
          traceSec,
        };
        results.push(result);
        ctx.log(
          `quality: ${config.label} (${config.why}): recall ${pct(result.requests.recall)}, precision ${pct(result.requests.precision)} (${result.requests.found} requests, ${result.requests.both} true of ${truth.requests.length}); traced in ${traceSec.toFixed(1)} s`,
        );
      }
      await emptyBenchData(client, ctx.redisUrl, ctx.keyPrefix);
    });
    for (const line of table(results, truth.requests.length)) ctx.log(`quality: ${line}`);
    const chart = writeBarChart(
      ctx.resultsDir,
      'quality.svg',
      `Matching quality against exact contacts (${R_METERS} m, one slot)`,
      ['request recall', 'request precision', 'pair recall', 'pair precision'],
      results.map((r) => ({
        label: r.label,
        values: [r.requests, r.exposures].flatMap((a) => [100 * a.recall, 100 * a.precision]),
      })),
    );
    ctx.log(`quality: chart written to ${chart}`);

    ctx.detail('city', {
      people: size.people,
      red: city.red.length,
      pings: pings.length,
      windows: size.windows,
      firstWindowId,
      grid: GRID,
      policy: POLICY,
    });
    ctx.detail('truth', {
      meters: R_METERS,
      seconds: RULES.seconds,
      pairs: truth.pairs,
      pairsAt20to30m: within30 - truth.pairs,
      exposures: truth.exposures.length,
      requests: truth.requests.length,
    });
    ctx.detail('configurations', results);
    const note = (r: ConfigResult) =>
      `${r.why}; ${r.requests.found} requests found, ${r.requests.both} of ${r.requests.truth} true ones; (contact, source) pairs: recall ${pct(r.exposures.recall)}, precision ${pct(r.exposures.precision)}`;
    return results.flatMap((r) => [
      row({
        scenario: 'quality',
        metric: `recall, ${r.label}`,
        unit: '%',
        value: 100 * r.requests.recall,
        baseline: null,
        baselineLabel: null,
        note: note(r),
      }),
      row({
        scenario: 'quality',
        metric: `precision, ${r.label}`,
        unit: '%',
        value: 100 * r.requests.precision,
        baseline: null,
        baselineLabel: null,
      }),
      row({
        scenario: 'quality',
        metric: `pair precision, ${r.label}`,
        unit: '%',
        value: 100 * r.exposures.precision,
        baseline: null,
        baselineLabel: null,
      }),
    ]);
  },
};
