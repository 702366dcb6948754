import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const filesUnder = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(root, dir, f));

/**
 * The alert rules and the dashboard in deploy/ name metrics by hand: a metric renamed or removed
 * in the code would leave an alert that never fires and a panel that stays empty, silently.
 */
describe('metrics named in deploy/', () => {
  const source = [...filesUnder('apps'), ...filesUnder('libs')]
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const exported = new Set([...source.matchAll(/['"]((?:hc|http)_[a-z0-9_]+)['"]/g)].map((m) => m[1]));
  const deployed = [...filesUnder('deploy/prometheus/rules'), ...filesUnder('deploy/grafana')]
    .filter((f) => /\.rules\.yml$|\.json$/.test(f))
    .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b(?:hc|http)_[a-z0-9_]+/g)].map((m) => m[0]));
  // A histogram is named without the _bucket, _count and _sum of its series.
  const names = [...new Set(deployed.map((n) => n.replace(/_(bucket|count|sum)$/, '')))].sort();

  it('finds the metrics of the rules and the dashboard', () => expect(names.length).toBeGreaterThan(10));

  it.each(names)('%s is exported by the code', (name) => expect(exported).toContain(name));
});
