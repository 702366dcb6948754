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

  it.each(apps)('docker-compose.yml starts %s with its flags', (app, flags) => {
    const command = compose
      .split('\n')
      .find((l) => l.includes(`"dist/apps/${app}/src/main.js"`) && /^\s*command:/.test(l));
    expect(command).toBeDefined();
    const args = JSON.parse(command!.slice(command!.indexOf('['))) as string[];
    expect(args.slice(1, -1)).toEqual(flags);
  });
});
