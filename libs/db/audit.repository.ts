import { Injectable } from '@nestjs/common';
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

/** Admin actions, appended in the same transaction as the action (the table is append-only). */
@Injectable()
export class AuditRepository {
  async append(tx: Db, e: AuditEntry): Promise<void> {
    await queryRows(
      tx,
      `INSERT INTO admin_audit (admin_id, actor, action, target_type, target_id, before, after, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        e.adminId,
        e.actor,
        e.action,
        e.targetType,
        e.targetId,
        JSON.stringify(e.before),
        JSON.stringify(e.after),
        e.note,
      ],
    );
  }
}
