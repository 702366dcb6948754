import { lastClosedWindowId } from '#libs/domain/index.js';
import { runCli } from '../support/cli.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { FAST_GRID, loadTracingFixture, tracingResult, type TracingFixture } from '../support/tracing-fixture.js';

/** `npm run cli -- windows list|trace|rerun` against a real system with a batch worker. */
describe('operator CLI: windows', () => {
  let sys: TestSystem;
  let fixture: TracingFixture;
  let range: string;

  beforeAll(async () => {
    sys = await startSystem('cli_windows', []);
    // Not registered: the scheduler leaves these past windows alone until the CLI asks for them.
    fixture = await loadTracingFixture(sys.db, { windows: 2, people: 150, register: false });
    range = `${fixture.windowIds[0]}..${fixture.windowIds[1]}`;
    await sys.startApp('batch');
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('traces a range, watching it to the end, then reruns it with the identical result', async () => {
    const traced = await runCli(sys, ['windows', 'trace', range]);
    expect(traced.out).toMatch(/2 windows in [\d.]+ s: 2 done, 0 failed/);
    expect(traced.out).toMatch(/contacts \d+, requests \d+ \(\d+ applied automatically, \d+ for review\)/);
    expect(traced.code).toBe(0);
    const first = await tracingResult(sys.db, fixture.windowIds);
    expect(first.requests.length).toBeGreaterThan(0);

    const again = await runCli(sys, ['windows', 'trace', range]);
    expect(again.out).toContain('2 already traced (use rerun to trace them again)');

    const rerun = await runCli(sys, ['windows', 'rerun', range]);
    expect(rerun.out).toMatch(/2 windows in [\d.]+ s: 2 done, 0 failed/);
    expect(rerun.code).toBe(0);
    expect(await tracingResult(sys.db, fixture.windowIds)).toEqual(first);
    const audit = await sys.db.query<{ actor: string; target_id: string }>(
      `SELECT actor, target_id FROM admin_audit WHERE action = 'window.rerun' ORDER BY id`,
    );
    expect(audit.map((a) => a.target_id).slice(-2)).toEqual(fixture.windowIds.map(String));
    expect(audit.every((a) => a.actor.startsWith('cli:'))).toBe(true);

    const list = await runCli(sys, ['windows', 'list', '--status', 'done']);
    expect(list.code).toBe(0);
    for (const id of fixture.windowIds)
      expect(list.out).toMatch(new RegExp(`^${id}\\s.*done\\s+2\\s+contacts \\d+`, 'm'));
  }, 120_000);

  it.each([
    [['windows', 'trace', 'yesterday'], 'neither a window id nor an ISO time'],
    [['windows', 'rerun', '10..9'], 'ends before it starts'],
    [['windows', 'trace', String(lastClosedWindowId(Date.now(), FAST_GRID) + 1000)], 'has not closed yet'], // open for hours after the file loads
    [['windows', 'list', '--status', 'sleeping'], 'Allowed choices are open, closing, processing, done, failed'],
  ])(
    'refuses %j with a message and exit code 1',
    async (args, message) => {
      const r = await runCli(sys, args);
      expect(r.out).toContain(message);
      expect(r.out).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(r.code).toBe(1);
    },
    30_000,
  );
});
