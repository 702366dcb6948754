import type { DataSource, EntityManager } from 'typeorm';

/** Either the pool or a transaction: repository methods take one so callers compose transactions. */
export type Db = DataSource | EntityManager;

export const toMs = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());
export const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
