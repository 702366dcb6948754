/**
 * The database role the apps act as (migration 20261124000300_app_role.sql): the pool connects
 * with DATABASE_URL's user and switches to this role at connection start, so the apps can write
 * the tables but cannot UPDATE or DELETE the audit trail. Migrations run as the connecting user.
 */
export const APP_DB_ROLE = 'hc_app';

/** libpq start-up options for a connection acting as the app role (pg's `options`). */
export const APP_DB_CONNECTION_OPTIONS = `-c role=${APP_DB_ROLE}`;
