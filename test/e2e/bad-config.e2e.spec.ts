import { runNode } from '../support/apps.js';

describe('a bad configuration value', () => {
  it.each(['api', 'ingest', 'batch'])('stops %s at start-up with a message naming the variable', async (app) => {
    const { code, output } = await runNode(`dist/apps/${app}/src/main.js`, {
      HC_WINDOW_SECONDS: '60',
      HC_SLOT_SECONDS: '7',
    });
    expect(code).toBe(78);
    expect(output).toContain('HC_SLOT_SECONDS');
    expect(output).toContain('slotSeconds (7) must divide windowSeconds (60)');
  });
});
