/**
 * The database role the apps act as (migration 20261124000300_app_role.sql): the pool connects
 * with DATABASE_URL's user and switches to this role at connection start, so the apps can write
 * the tables but cannot UPDATE or DELETE the audit trail. Migrations run as the connecting user.
 */
export const APP_DB_ROLE = 'hc_app';

/**
 * libpq start-up options for a connection of the apps (pg's `options`): it acts as the app role,
 * and no statement waits more than a minute for a lock. A wait that goes through the app (a
 * trace's transaction waiting, idle, for its other one) is a deadlock Postgres cannot detect;
 * with the limit the waiting statement fails, its job is retried, and nothing hangs for good.
 */
export const APP_DB_CONNECTION_OPTIONS = `-c role=${APP_DB_ROLE} -c lock_timeout=60s`;
