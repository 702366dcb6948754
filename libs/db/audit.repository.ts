import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, queryRows } from './sql.js';

export interface AuditEntry {
  /** Null for the operator CLI, which acts outside any admin account. */
  adminId: string | null;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  note: string | null;
}

export interface AuditRow extends Omit<AuditEntry, 'adminId'> {
  id: string;
  atMs: number;
}

/** Which rows of the trail to read; `person` matches rows about that person and about their requests. */
export interface AuditFilter {
  actor?: string;
  person?: string;
  action?: string;
  fromMs?: number;
  toMs?: number;
}

function auditWhere(f: AuditFilter, params: unknown[]): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const where: string[] = [];
  if (f.actor !== undefined) where.push(`a.actor = ${p(f.actor)}`);
  if (f.action !== undefined) where.push(`a.action = ${p(f.action)}`);
  if (f.fromMs !== undefined) where.push(`a.at >= to_timestamp(${p(f.fromMs / 1000)})`);
  if (f.toMs !== undefined) where.push(`a.at < to_timestamp(${p(f.toMs / 1000)})`);
  if (f.person !== undefined) {
    const person = p(f.person);
    where.push(`((a.target_type = 'user' AND a.target_id = ${person}::text)
      OR (a.target_type = 'code-change' AND a.target_id IN (SELECT id::text FROM code_changes WHERE user_id = ${person}::bigint)))`);
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** Admin actions and reads of personal data, appended in the same transaction as the action (the table is append-only). */
@Injectable()
export class AuditRepository {
  constructor(readonly db: DataSource) {}

  async append(tx: Db, e: AuditEntry): Promise<void> {
    await this.appendMany(tx, [e]);
  }

  /** Several rows in one statement (a read of a person's code and history). */
  async appendMany(tx: Db, entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    await queryRows(
      tx,
      `INSERT INTO admin_audit (admin_id, actor, action, target_type, target_id, before, after, note)
       SELECT (e->>'adminId')::bigint, e->>'actor', e->>'action', e->>'targetType', e->>'targetId',
              e->'before', e->'after', e->>'note'
       FROM jsonb_array_elements($1::jsonb) AS e`,
      [JSON.stringify(entries.map((e) => ({ ...e, before: e.before ?? null, after: e.after ?? null })))],
    );
  }

  /** Newest first. */
  async list(f: AuditFilter, limit: number, offset: number): Promise<AuditRow[]> {
    const params: unknown[] = [];
    const where = auditWhere(f, params);
    const rows = await queryRows(
      this.db,
      `SELECT a.id::text, a.at, a.actor, a.action, a.target_type AS "targetType", a.target_id AS "targetId",
              a.before, a.after, a.note
       FROM admin_audit a ${where} ORDER BY a.id DESC LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`,
      params,
    );
    return rows.map(({ at, ...r }: AuditRow & { at: Date }) => ({ ...r, atMs: at.getTime() }));
  }

  async count(f: AuditFilter): Promise<number> {
    const params: unknown[] = [];
    const [row] = await queryRows(
      this.db,
      `SELECT count(*)::float8 AS n FROM admin_audit a ${auditWhere(f, params)}`,
      params,
    );
    return Number(row.n);
  }
}
