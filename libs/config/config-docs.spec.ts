import { readFileSync } from 'node:fs';
import { configSchema } from './config.schema.js';

const root = new URL('../../../', import.meta.url);
const variables = Object.keys(configSchema.shape).filter((v) => v !== 'NODE_ENV');

/**
 * The configuration is a contract (docs/domain.md, The contract): every variable the code reads is
 * documented.
 */
describe('configuration docs', () => {
  const envExample = readFileSync(new URL('.env.example', root), 'utf8');
  const readme = readFileSync(new URL('docs/configuration.md', root), 'utf8');

  it.each(variables)('%s is in .env.example', (v) => {
    expect(envExample).toMatch(new RegExp(`^${v}=`, 'm'));
  });

  it.each(variables)('%s is in the configuration table (docs/configuration.md)', (v) => {
    expect(readme).toMatch(new RegExp(`^\\| [^|]*\`${v}\``, 'm'));
  });

  // `cp .env.example .env` then `docker compose up`: every variable there reaches the stack, as an
  // app's environment entry or an interpolation (NODE_ENV and the ports inside are set there).
  const compose = readFileSync(new URL('docker-compose.yml', root), 'utf8');
  const exampleVariables = [...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it.each(exampleVariables)('%s of .env.example is passed through by docker-compose.yml', (v) => {
    expect(compose).toMatch(new RegExp(`\\$\\{${v}[:?}-]|^\\s+${v}:`, 'm'));
  });
});
