import { runNode } from '../support/apps.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

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

// Outside production too: a process that made up its own key would refuse the tokens its
// siblings (other apps, other cluster workers) signed.
describe('no HC_JWT_SECRET', () => {
  it.each(['api', 'ingest', 'batch'])('stops %s at start-up, whatever NODE_ENV says', async (app) => {
    const { code, output } = await runNode(`dist/apps/${app}/src/main.js`, {
      NODE_ENV: 'development',
      HC_JWT_SECRET: '',
      HC_HTTP_WORKERS: '2',
    });
    expect(code).toBe(78);
    expect(output).toContain('HC_JWT_SECRET is required');
  });
});

describe('a database login that could rewrite the audit trail', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('owner_login');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it.each(['api', 'ingest', 'batch'])('stops %s at start-up when it logs in as the schema owner', async (app) => {
    const { code, output } = await runNode(
      `dist/apps/${app}/src/main.js`,
      {
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl(),
        HC_KEY_PREFIX: testKeyPrefix(`owner-${app}`),
        HC_JWT_SECRET: 'a-test-secret-of-at-least-32-characters!!',
        LOG_FORMAT: 'json',
      },
      60_000,
    );
    expect(code).not.toBe(0);
    expect(output).toMatch(/DATABASE_URL logs in as "[^"]+", which is a superuser/);
    expect(output).toContain('MIGRATE_DATABASE_URL');
  });
});
