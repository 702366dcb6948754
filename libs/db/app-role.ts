/**
 * The group role holding the apps' rights (migration 20261124000300_app_role.sql): read and write
 * the tables, but only SELECT and INSERT on the audit trail and the code history, and no DDL. The
 * apps log in as a login role of their own that is a member of it (libs/db/app-login.ts), so there
 * is no other role their session could go back to with RESET ROLE.
 */
export const APP_DB_ROLE = 'hc_app';

/**
 * libpq start-up options for a connection of the apps (pg's `options`): no statement waits more
 * than a minute for a lock. A wait that goes through the app (a trace's transaction waiting,
 * idle, for its other one) is a deadlock Postgres cannot detect; with the limit the waiting
 * statement fails, its job is retried, and nothing hangs for good.
 */
export const APP_DB_CONNECTION_OPTIONS = '-c lock_timeout=60s';
