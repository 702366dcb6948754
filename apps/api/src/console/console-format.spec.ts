import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The console's pure modules, loaded from its sources as the browser loads them.
const JS = fileURLToPath(new URL('../../../../../apps/api/console/js/', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = async (file: string): Promise<any> => import(pathToFileURL(path.join(JS, file)).href);

describe('the console formats times in the official’s zone and language', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let tz: any, format: any, i18n: any;
  beforeAll(async () => {
    [tz, format, i18n] = await Promise.all([load('time-zone.js'), load('format.js'), load('i18n.js')]);
  });

  const at = (iso: string) => Date.parse(iso);

  it.each([
    ['en-GB', 'Europe/Berlin', '2026-12-07T09:00:00Z', '2026-12-07T10:00:00Z', '7 Dec 10:00–11:00'],
    ['zh-CN', 'Asia/Shanghai', '2026-12-07T02:00:00Z', '2026-12-07T03:00:00Z', '12月7日 10:00–11:00'],
    ['en-GB', 'UTC', '2026-12-07T23:30:00Z', '2026-12-08T00:00:00Z', '7 Dec 23:30–00:00'],
    ['en-GB', 'UTC', '2026-12-07T23:30:00Z', '2026-12-08T00:30:00Z', '7 Dec 23:30 – 8 Dec 00:30'],
  ])('a window in %s, %s reads as its time range', (tag, zone, from, to, text) => {
    expect(format.formatRange(at(from), at(to), tag, zone)).toBe(text);
  });

  it.each([
    // wall clock, zone, the UTC instant it names
    ['2026-12-07T10:00', 'Asia/Shanghai', '2026-12-07T02:00:00.000Z'],
    ['2026-12-07T10:00', 'UTC', '2026-12-07T10:00:00.000Z'],
    ['2026-07-01T10:00', 'Europe/Berlin', '2026-07-01T08:00:00.000Z'], // summer time
    ['2026-12-01T10:00', 'Europe/Berlin', '2026-12-01T09:00:00.000Z'],
    ['2026-03-08T01:30', 'America/New_York', '2026-03-08T06:30:00.000Z'], // the night clocks spring forward
  ])('a date typed as %s in %s is %s', (wall, zone, iso) => {
    const ms = tz.wallToUtcMs(wall, zone);
    expect(new Date(ms).toISOString()).toBe(iso);
    expect(tz.utcToWall(ms, zone)).toBe(wall);
  });

  it('refuses a malformed date instead of guessing', () => {
    expect(tz.wallToUtcMs('7 Dec', 'UTC')).toBeNull();
  });

  it('picks the browser’s language, a saved choice first', () => {
    expect(i18n.pickLocale(['zh-TW', 'en'], null)).toBe('zh-CN');
    expect(i18n.pickLocale(['de-DE', 'en-US'], null)).toBe('en');
    expect(i18n.pickLocale(['fr'], null)).toBe('en');
    expect(i18n.pickLocale(['en'], 'zh-CN')).toBe('zh-CN');
    expect(i18n.pickLocale(['en'], 'xx')).toBe('en');
  });

  it('fills placeholders, numbers and plural forms', () => {
    const { en, 'zh-CN': zh } = i18n.CATALOGUES;
    expect(i18n.translate(en, 'bulk.filterDone.approve', { count: 1 })).toBe('Approved 1 request.');
    expect(i18n.translate(en, 'bulk.filterDone.approve', { count: 12500 })).toBe('Approved 12,500 requests.');
    expect(i18n.translate(zh, 'bulk.filterDone.approve', { count: 500 })).toBe('已批准 500 条申请。');
    expect(i18n.translate(en, 'no.such.key')).toBe('no.such.key');
  });
});

describe('the queue filter in the link', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let filters: any;
  beforeAll(async () => {
    filters = await load('filters.js');
  });

  it('reads every filter, and leaves out (and names) what does not parse', () => {
    const state = filters.queueStateFrom(
      new URLSearchParams(
        'kind=review&exposureMin=0&exposureMax=oops&area=U33D&source=17&decidedBy=Alice!&from=2026-12-07T10:00:00Z&sort=exposure&order=desc&page=3&pageSize=500',
      ),
    );
    expect(state).toEqual({
      filter: {
        status: 'pending',
        kind: 'review',
        exposureMin: 0,
        area: 'u33d',
        source: '17',
        from: '2026-12-07T10:00:00.000Z',
      },
      statusAll: false,
      sort: 'exposure',
      order: 'desc',
      page: 3,
      pageSize: 500,
      invalid: ['exposureMax', 'decidedBy'],
    });
    // The same state back as a link, defaults left out; "all" is no status filter.
    expect(filters.queueHashQuery(state)).toEqual({
      kind: 'review',
      exposureMin: 0,
      area: 'u33d',
      source: '17',
      from: '2026-12-07T10:00:00.000Z',
      sort: 'exposure',
      order: 'desc',
      page: 3,
      pageSize: 500,
    });
    expect(filters.queueStateFrom(new URLSearchParams('status=all')).filter).toEqual({});
  });

  it.each([
    [0, 1, 50, { pages: 1, first: 0, last: 0, hasPrevious: false, hasNext: false }],
    [500, 1, 50, { pages: 10, first: 1, last: 50, hasPrevious: false, hasNext: true }],
    [501, 11, 50, { pages: 11, first: 501, last: 501, hasPrevious: true, hasNext: false }],
  ])('%i requests, page %i of %i a page', (total, page, size, info) => {
    expect(filters.pageInfo(total, page, size)).toEqual(info);
  });
});

describe('the evidence plan', () => {
  it.each([
    [0.7, 0.5],
    [9, 5],
    [19, 10],
    [24, 20],
    [160, 100],
  ])('draws a scale bar of a round length: at most %d m -> %d m', async (max, len) => {
    expect((await load('charts/cell-plan.js')).niceLength(max)).toBe(len);
  });
});
