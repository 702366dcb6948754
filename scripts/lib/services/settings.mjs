// Where the project-local servers listen, and the user that runs them when we are root.

export const DEFAULT_PG_PORT = 54329;
export const DEFAULT_REDIS_PORT = 63799;
/** The local Citus coordinator; its two workers listen on the next two ports. */
export const DEFAULT_CITUS_PORT = 54339;
export const HOST = '127.0.0.1';
export const DEFAULT_SERVICE_USER = 'hcsvc';

export function envPort(name, def) {
  const v = process.env[name];
  if (v == null || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${v} is not a valid TCP port`);
  return n;
}
