import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AdminRepository, AuditRepository, type AdminRole, type AdminRow } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { hashPassword } from './passwords.js';

/** Who changes an account: an admin, or the operator CLI (no account; `actor` says who ran it). */
export interface AccountActor {
  adminId: string | null;
  actor: string;
}

// The token version shows in the trail when a change ended the account's sessions.
const view = (a: AdminRow) => ({
  username: a.username,
  role: a.role,
  disabled: a.disabled,
  tokenVersion: a.tokenVersion,
});

/**
 * Admin accounts: each change and its audit row commit together; passwords are stored hashed only.
 * A change that takes access away (a disable, a password reset) also ends the account's sessions
 * in the same transaction (its token version moves on), whoever calls it: the CLI or a route.
 */
@Injectable()
export class AdminAccounts {
  constructor(
    private readonly db: DataSource,
    private readonly admins: AdminRepository,
    private readonly audit: AuditRepository,
  ) {}

  async create(by: AccountActor, username: string, role: AdminRole, password: string): Promise<AdminRow> {
    const hash = await hashPassword(password);
    return this.db.transaction(async (tx) => {
      const created = await this.admins.createAdmin(tx, username, hash, role);
      if (!created) throw new DomainError(ErrorCode.CONFLICT, `an admin named ${username} exists already`);
      await this.audit.append(tx, {
        ...by,
        action: 'admin.create',
        targetType: 'admin',
        targetId: created.id,
        before: null,
        after: view(created),
        note: null,
      });
      return created;
    });
  }

  async setDisabled(
    by: AccountActor,
    username: string,
    disabled: boolean,
    note: string | null = null,
  ): Promise<AdminRow> {
    // Enabling ends nothing, and brings back nothing: the disable already moved the version on.
    return this.change(
      by,
      username,
      disabled ? 'admin.disable' : 'admin.enable',
      { disabled, endSessions: disabled },
      note,
    );
  }

  /** Whoever knew the old password may hold a session opened with it: those end now. */
  async resetPassword(by: AccountActor, username: string, password: string): Promise<AdminRow> {
    return this.change(by, username, 'admin.reset-password', {
      passwordHash: await hashPassword(password),
      endSessions: true,
    });
  }

  private async change(
    by: AccountActor,
    username: string,
    action: string,
    change: { disabled?: boolean; passwordHash?: string; endSessions: boolean },
    note: string | null = null,
  ): Promise<AdminRow> {
    return this.db.transaction(async (tx) => {
      const before = await this.admins.findByUsername(username, tx);
      const after = before && (await this.admins.updateAdmin(tx, username, change));
      if (!before || !after) throw new DomainError(ErrorCode.NOT_FOUND, `no admin named ${username}`);
      await this.audit.append(tx, {
        ...by,
        action,
        targetType: 'admin',
        targetId: after.id,
        before: view(before),
        after: view(after),
        note,
      });
      return after;
    });
  }
}
