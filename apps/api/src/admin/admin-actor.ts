import type { AdminPrincipal } from '#libs/auth/index.js';
import type { AuditEntry } from '#libs/db/index.js';

/** How an admin appears in code history and in a request's decidedBy. */
export const actorOf = (admin: AdminPrincipal): string => `admin:${admin.username}`;

/** An audit row of an admin's action (who, what, before -> after, note). */
export function auditEntry(
  admin: AdminPrincipal,
  action: string,
  target: { type: string; id: string },
  before: unknown,
  after: unknown,
  note: string | null = null,
): AuditEntry {
  return {
    adminId: admin.adminId,
    actor: admin.username,
    action,
    targetType: target.type,
    targetId: target.id,
    before,
    after,
    note,
  };
}
