import { createSigner } from 'fast-jwt';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { hashPassword } from '#libs/auth/index.js';
import { APP_DB_CONNECTION_OPTIONS, CodeChangeRepository, WindowRepository } from '#libs/db/index.js';
import { call } from './http.js';
import { TEST_ADMIN, type TestSystem } from './system.js';

export interface Session {
  token: string;
  role: string;
  cookie: string | null;
}

export async function login(sys: TestSystem, username: string, password: string): Promise<Session> {
  const r = await call('POST', `${sys.url('api')}/v1/admin/sessions`, { body: { username, password } });
  if (r.status !== 200) throw new Error(`login of ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return { token: r.body.token, role: r.body.role, cookie: r.headers.get('set-cookie') };
}

export const loginAdmin = (sys: TestSystem) => login(sys, TEST_ADMIN.username, TEST_ADMIN.password);

/** Accounts made as the CLI makes them (hashed password), for tests that need another role. */
export async function insertAccount(
  sys: TestSystem,
  username: string,
  role: 'admin' | 'reviewer',
  password = `${username}-password-1`,
): Promise<void> {
  await sys.db.query('INSERT INTO admins (username, password_hash, role) VALUES ($1, $2, $3)', [
    username,
    await hashPassword(password),
    role,
  ]);
}

export async function createAccount(
  sys: TestSystem,
  username: string,
  role: 'admin' | 'reviewer',
  password = `${username}-password-1`,
): Promise<Session> {
  await insertAccount(sys, username, role, password);
  return login(sys, username, password);
}

/** A correctly signed admin token whose expiry has passed. */
export async function expiredAdminToken(sys: TestSystem): Promise<string> {
  const [admin] = await sys.db.query<{ id: string }>('SELECT id::text FROM admins WHERE username = $1', [
    TEST_ADMIN.username,
  ]);
  const nowS = Math.floor(Date.now() / 1000);
  return createSigner({ key: sys.env.HC_JWT_SECRET, algorithm: 'HS256' })({
    sub: admin.id,
    typ: 'admin',
    name: TEST_ADMIN.username,
    role: 'admin',
    iat: nowS - 7200,
    exp: nowS - 3600,
  });
}

export async function registerUsers(sys: TestSystem, n: number): Promise<{ userId: string; token: string }[]> {
  return Promise.all(
    Array.from({ length: n }, async () => (await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body),
  );
}

/** The test database as the apps see it (their own login), through the real repositories. */
export async function appDataSource(sys: TestSystem): Promise<DataSource> {
  return new DataSource({
    type: 'postgres',
    url: sys.db.appUrl,
    extra: { options: APP_DB_CONNECTION_OPTIONS },
  }).initialize();
}

export function appClient(sys: TestSystem): pg.Client {
  return new pg.Client({ connectionString: sys.db.appUrl, options: APP_DB_CONNECTION_OPTIONS });
}

let nextWindowId = 1_000;

/**
 * Pending review requests (yellow) for the given people in a new traced window, inserted the
 * way tracing inserts them (CodeChangeRepository.insertRequests); returns their ids in order.
 */
export async function insertPendingRequests(
  ds: DataSource,
  userIds: string[],
  opts: { windowId?: number; exposureSeconds?: number } = {},
): Promise<{ windowId: number; ids: string[] }> {
  const windowId = opts.windowId ?? nextWindowId++;
  await new WindowRepository(ds).ensureWindows(windowId, windowId, 60);
  await ds.query(`UPDATE windows SET status = 'done' WHERE id = $1`, [windowId]);
  const expiresAtMs = Date.now() + 14 * 86_400_000 + windowId * 1000;
  await ds.transaction((tx) =>
    new CodeChangeRepository(ds).insertRequests(
      tx,
      windowId,
      userIds.map((userId) => ({
        userId,
        fromColor: 'green',
        toColor: 'yellow',
        auto: false,
        reason: 'exposure',
        exposureSeconds: opts.exposureSeconds ?? 20,
        expiresAtMs,
      })),
    ),
  );
  // In the order of `userIds` (ids are given in user id order, and people registered at once are not in it).
  const rows: { id: string; userId: string }[] = await ds.query(
    `SELECT id::text, user_id::text AS "userId" FROM code_changes WHERE window_id = $1 AND user_id = ANY($2::bigint[])`,
    [windowId, userIds],
  );
  const idOf = new Map(rows.map((r) => [r.userId, r.id]));
  return { windowId, ids: userIds.map((u) => idOf.get(u)!) };
}

export async function auditRows(
  sys: TestSystem,
  targetType: string,
  targetId: string,
): Promise<{ action: string; actor: string; before: any; after: any; note: string | null }[]> {
  return sys.db.query(
    'SELECT action, actor, before, after, note FROM admin_audit WHERE target_type = $1 AND target_id = $2 ORDER BY id',
    [targetType, targetId],
  );
}
