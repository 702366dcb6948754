import { readFileSync } from 'node:fs';

const root = new URL('../../../', import.meta.url);

/**
 * package.json `appNodeArgs` (read by npm start and the bench) is repeated by hand in
 * docker-compose.yml: an app started there without its V8 flags would run differently.
 */
describe('app V8 flags', () => {
  const appNodeArgs = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).appNodeArgs as Record<
    string,
    string[] | string
  >;
  const compose = readFileSync(new URL('docker-compose.yml', root), 'utf8');
  const apps = Object.entries(appNodeArgs).filter((e): e is [string, string[]] => Array.isArray(e[1]));

  it('lists at least one app', () => expect(apps.length).toBeGreaterThan(0));

  /** Every `command: [...]` of the file as a list of strings, however the flow sequence is laid out. */
  const commands = [...compose.matchAll(/^\s*command:\s*\[([^\]]*)\]/gm)].map((m) =>
    m[1]
      .split(',')
      .map((item) => item.trim().replace(/^(['"])(.*)\1$/, '$2'))
      .filter((item) => item !== ''),
  );

  it.each(apps)('docker-compose.yml starts %s with its flags', (app, flags) => {
    const args = commands.find((c) => c.includes(`dist/apps/${app}/src/main.js`));
    expect(args).toBeDefined();
    expect(args!.slice(1, -1)).toEqual(flags);
  });
});
