import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_EXCLUSIONS, openApiExclusionOf } from '#libs/http/openapi-exclusions.js';
import { parsePingBatch } from '../../apps/ingest/src/pings/ping-batch.parser.js';
import { ROOT, type AppName } from '../support/apps.js';
import { servedRoutes, type ServedRoutes } from '../support/route-discovery.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * Every route an app really answers (Fastify's route table and the fast lane, not what the
 * controllers declare) is in its OpenAPI document, and every operation of the document is
 * answered, except the routes libs/http/openapi-exclusions.ts leaves out on purpose;
 * docs/api.md, written by hand, names the same routes; the ping body matches the parser.
 */
describe('OpenAPI documents cover every route the apps serve', () => {
  let sys: TestSystem;
  const served = {} as Record<AppName, ServedRoutes>;

  beforeAll(async () => {
    sys = await startSystem('openapi', []);
    // One app at a time: each is a whole Nest app in its own process, on a 2-core machine.
    for (const app of ['api', 'ingest', 'batch'] as const) served[app] = await servedRoutes(app, sys.env);
  }, 180_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();
  const toDocument = (app: AppName) => sorted(served[app].registered.filter((k) => !openApiExclusionOf(k)));

  it.each(['api', 'ingest'] as const)('%s documents exactly the routes it serves, less the exclusions', (app) => {
    expect(served[app].documented).not.toBeNull();
    const documented = new Set(served[app].documented);
    const due = toDocument(app);
    expect({
      app,
      undocumented: due.filter((k) => !documented.has(k)),
      documentedButNotServedOrExcluded: sorted(documented).filter((k) => !due.includes(k)),
    }).toEqual({ app, undocumented: [], documentedButNotServedOrExcluded: [] });
  });

  it('keeps the admin API out of the public documents, and documents it for admins', () => {
    for (const app of ['api', 'ingest'] as const)
      expect({ app, admin: Object.keys(served[app].document!.paths).filter((p) => p.startsWith('/v1/admin')) }).toEqual(
        { app, admin: [] },
      );
    const admin = Object.keys(served.api.adminDocument!.paths);
    expect(admin).toContain('/v1/admin/sessions');
    expect(admin.filter((p) => !p.startsWith('/v1/admin/'))).toEqual([]);
  });

  it('serves the fast-lane routes and documents them', () => {
    expect(served.api.documented).toContain('GET /v1/codes/me');
    expect(served.ingest.documented).toContain('POST /v1/pings');
  });

  it('batch serves no API: every route it has is excluded, and it serves no document', () => {
    expect(served.batch.documented).toBeNull();
    expect(toDocument('batch')).toEqual([]);
  });

  it('excludes HEAD only as the twin of a GET', () => {
    for (const app of ['api', 'ingest', 'batch'] as const) {
      const keys = new Set(served[app].registered);
      // A plugin's route at its prefix answers with and without the trailing slash.
      const get = (head: string) => head.replace(/^HEAD /, 'GET ');
      const lone = [...keys].filter(
        (k) => k.startsWith('HEAD ') && !keys.has(get(k)) && !keys.has(get(k).replace(/(.)\/$/, '$1')),
      );
      expect({ app, lone }).toEqual({ app, lone: [] });
    }
  });

  it('docs/api.md names every documented operation, and every route it names is served', () => {
    const text = readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8');
    // `METHOD /path`, less any query: the document's way of writing a route.
    const named = sorted([...text.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE) \/[^`?]*)[^`]*`/g)].map((m) => m[1]));
    const registered = new Set(Object.values(served).flatMap((s) => s.registered));
    const documented = sorted([...served.api.documented!, ...served.ingest.documented!]);
    expect({
      notInApiMd: documented.filter((k) => !named.includes(k)),
      namedButNotServed: named.filter((k) => !registered.has(k)),
    }).toEqual({ notInApiMd: [], namedButNotServed: [] });
  });

  // The ping body has no schema that the code validates with: parsePingBatch is plain code (hot,
  // see its comment) and the DTO only documents it. This holds the document to the parser at the
  // edges the document states, so neither can change alone.
  it("ingest's ping body schema is the one the parser takes, at the edges it states", () => {
    const schemas = served.ingest.document!.components!.schemas!;
    const list = schemas.PingsRequest.properties.pings;
    const item = schemas[String(list.items.$ref).split('/').pop()!];
    const problems = (body: unknown): { field: string; message: string }[] => {
      try {
        parsePingBatch(body, 8);
        return [];
      } catch (err) {
        return (err as { details: { field: string; message: string }[] }).details;
      }
    };
    const ping = (): Record<string, unknown> => ({ ts: Date.now(), geohash: 'u33dc0cp' });
    const batch = (n: number) => ({ pings: Array.from({ length: n }, ping) });
    expect(problems(batch(list.minItems))).toEqual([]);
    expect(problems(batch(list.maxItems))).toEqual([]);
    expect(problems(batch(list.minItems - 1))).not.toEqual([]);
    expect(problems(batch(list.maxItems + 1))).not.toEqual([]);

    const refused = (field: string) =>
      problems({ pings: [{ ...ping(), [field]: null }] }).some(
        (p) => p.message === `property ${field} should not exist`,
      );
    expect(refused('notAField')).toBe(true);
    expect(Object.keys(item.properties).filter(refused)).toEqual([]);
    for (const field of item.required as string[]) {
      const { [field]: _, ...without } = ping();
      expect({ field, refused: problems({ pings: [without] }).some((p) => p.field === field) }).toEqual({
        field,
        refused: true,
      });
    }

    // Each documented bound of a number, on a ping with a position.
    const problemsOf = (field: string, value: number) =>
      problems({ pings: [{ ts: Date.now(), lat: 0, lon: 0, [field]: value }] }).filter((p) => p.field === field);
    for (const [field, rule] of Object.entries<{ minimum?: number; maximum?: number }>(item.properties)) {
      for (const [bound, beyond] of [
        [rule.minimum, -1e-6],
        [rule.maximum, 1e-6],
      ] as const) {
        if (bound === undefined) continue;
        expect({ field, at: bound, problems: problemsOf(field, bound).length }).toEqual({
          field,
          at: bound,
          problems: 0,
        });
        expect(problemsOf(field, bound + beyond)).not.toEqual([]);
      }
    }
  });

  it('has no exclusion that matches nothing', () => {
    const all = Object.values(served).flatMap((s) => s.registered);
    const unused = OPENAPI_EXCLUSIONS.filter((e) => !all.some((k) => openApiExclusionOf(k) === e)).map((e) => e.route);
    expect(unused).toEqual([]);
  });
});
