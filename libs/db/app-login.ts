import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { APP_DB_ROLE } from './app-role.js';

/** Runs one statement and answers its rows: a pg client, a pool or TypeORM's DataSource. */
export type RowQuery = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

// What a login may do beyond hc_app's rights; $1 names it (null: the login of the connection asking).
// pg_has_role(..., 'MEMBER') is true for the owner itself, a superuser, and any role that could
// SET ROLE to the owner.
const POWERS_SQL = `
SELECT r.rolsuper AS superuser,
       pg_has_role(r.oid, c.relowner, 'MEMBER') AS owner,
       has_table_privilege(r.oid, 'admin_audit', 'UPDATE, DELETE, TRUNCATE')
         OR has_table_privilege(r.oid, 'code_history', 'UPDATE, DELETE, TRUNCATE') AS "rewriteAudit",
       has_schema_privilege(r.oid, current_schema(), 'CREATE')
         OR has_database_privilege(r.oid, current_database(), 'CREATE') AS ddl,
       has_database_privilege(r.oid, current_database(), 'TEMPORARY') AS "tempTables"
FROM pg_roles r, pg_class c
WHERE r.rolname = coalesce($1, session_user) AND c.oid = 'admin_audit'::regclass`;

const POWER_TEXT: Record<string, string> = {
  superuser: 'is a superuser',
  owner: 'owns the tables (or may act as their owner)',
  rewriteAudit: 'may UPDATE, DELETE or TRUNCATE admin_audit or code_history',
  ddl: 'may create tables or schemas',
  // A temporary table shadows the real one of the same name for the rest of a pooled
  // connection's life: an injected CREATE TEMP TABLE admin_audit would swallow the audit rows.
  tempTables: 'may create temporary tables',
};

/** What `login` (default: the connection's own) may do that the apps' login must not; empty when it fits. */
export async function appLoginProblems(query: RowQuery, login: string | null = null): Promise<string[]> {
  const [row] = await query(POWERS_SQL, [login]);
  if (!row) return [`the role ${login ?? 'of this connection'} does not exist`];
  return Object.keys(POWER_TEXT)
    .filter((k) => row[k] === true)
    .map((k) => POWER_TEXT[k]);
}

/** Stops an app whose database login could rewrite the audit trail or the schema. */
export async function assertAppLogin(query: RowQuery): Promise<void> {
  const problems = await appLoginProblems(query);
  if (!problems.length) return;
  const [{ login }] = await query('SELECT session_user AS login');
  throw new Error(
    `DATABASE_URL logs in as "${String(login)}", which ${problems.join(', ')}. The apps need a login of ` +
      `their own, a member of ${APP_DB_ROLE} and nothing more; the migrate step creates it when given the ` +
      `owner's URL in MIGRATE_DATABASE_URL (docs/deployment.md, Database logins).`,
  );
}

/**
 * A SCRAM-SHA-256 verifier of `password` (RFC 5802/7677, as Postgres stores it): the role's
 * password is set without its clear text reaching the server, whose log would show a failed
 * statement in full.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (text: string) => createHmac('sha256', salted).update(text).digest();
  const storedKey = createHash('sha256').update(hmac('Client Key')).digest('base64');
  const serverKey = hmac('Server Key').toString('base64');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey}:${serverKey}`;
}

/**
 * Makes DATABASE_URL's user the apps' login on the database of `ownerUrl` (run by the migrate
 * step, as the owner, after the migrations): creates it or sets its password when the owner may
 * (CREATEROLE), makes it a member of hc_app, takes the database's TEMPORARY right from PUBLIC (a
 * copy of a database, made from a template, starts with it again), and refuses a login that
 * could still do more than hc_app.
 */
export async function ensureAppLogin(ownerUrl: string, appUrl: string): Promise<void> {
  const app = new URL(appUrl);
  const login = decodeURIComponent(app.username);
  const password = decodeURIComponent(app.password);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const [me] = (
      await client.query<{ name: string; mayCreate: boolean }>(
        `SELECT current_user AS name, rolsuper OR rolcreaterole AS "mayCreate" FROM pg_roles WHERE rolname = current_user`,
      )
    ).rows;
    if (!login || login === me.name)
      throw new Error(
        `DATABASE_URL and MIGRATE_DATABASE_URL log in as the same user ("${me.name}"): the apps need a login of their own`,
      );
    const role = client.escapeIdentifier(login);
    const exists = async () =>
      (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login])).rowCount === 1;
    if (me.mayCreate) {
      const secret = password ? ` PASSWORD ${client.escapeLiteral(scramVerifier(password))}` : '';
      if (!(await exists())) {
        await client.query(`CREATE ROLE ${role} LOGIN${secret}`).catch(async (err: { code?: string }) => {
          if (err.code !== '42710') throw err; // created at the same moment by another migrate step
        });
      }
      await client.query(`ALTER ROLE ${role} LOGIN${secret}`);
    } else if (!(await exists())) {
      throw new Error(
        `the apps' login "${login}" (DATABASE_URL) does not exist and "${me.name}" may not create it: create it ` +
          `(CREATE ROLE ... LOGIN PASSWORD ...) or migrate as a user with CREATEROLE`,
      );
    }
    const member = async () =>
      (await client.query(`SELECT pg_has_role($1, $2, 'USAGE') AS m`, [login, APP_DB_ROLE])).rows[0].m === true;
    if (!(await member())) await client.query(`GRANT ${APP_DB_ROLE} TO ${role}`);
    if (!(await member()))
      throw new Error(
        `the apps' login "${login}" does not inherit the rights of ${APP_DB_ROLE}: ALTER ROLE ... INHERIT`,
      );
    await revokePublicTemporary(client);
    if (password) await letCitusReachWorkersAs(client, login, password);
    const problems = await appLoginProblems(async (sql, params) => (await client.query(sql, params)).rows, login);
    if (problems.length)
      throw new Error(
        `the apps' login "${login}" (DATABASE_URL) ${problems.join(', ')}: give the apps a login of their own`,
      );
  } finally {
    await client.end();
  }
}

/**
 * On a Citus coordinator, the password the coordinator gives when it reaches the workers as the
 * apps' login (Citus connects as the session's user): its own catalogue of node credentials,
 * for every node (0). Elsewhere nothing.
 */
async function letCitusReachWorkersAs(client: pg.Client, login: string, password: string): Promise<void> {
  const citus = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`);
  if (!citus.rowCount) return;
  const quoted = `'${password.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  await client.query(
    `INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, $1, $2)
     ON CONFLICT (nodeid, rolename) DO UPDATE SET authinfo = EXCLUDED.authinfo`,
    [login, `password=${quoted}`],
  );
}

/**
 * No temporary tables on database `db` (default: the client's) for roles not granted them (see
 * POWER_TEXT); its owner keeps its own right.
 */
export async function revokePublicTemporary(client: pg.Client, db?: string): Promise<void> {
  const name = db ?? (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
  await client.query(`REVOKE TEMPORARY ON DATABASE ${client.escapeIdentifier(name)} FROM PUBLIC`);
}
