import { Injectable } from '@nestjs/common';
import { AdminAccounts, generatePassword, type AccountActor, type AdminPrincipal } from '#libs/auth/index.js';
import { AdminRepository, type AdminRole } from '#libs/db/index.js';
import { DomainError, ErrorCode, adminPasswordProblem, adminUsernameProblem } from '#libs/domain/index.js';
import { iso } from './views.js';

const by = (admin: AdminPrincipal): AccountActor => ({ adminId: admin.adminId, actor: admin.username });

function check(field: string, problem: string | null): void {
  if (problem)
    throw new DomainError(ErrorCode.VALIDATION, `${field} ${problem}`, [{ field, message: `${field} ${problem}` }]);
}

/** A chosen password under the CLI's rules, or a generated one (answered once). */
function passwordOf(chosen: string | undefined): { password: string; generated: boolean } {
  if (chosen === undefined) return { password: generatePassword(), generated: true };
  check('password', adminPasswordProblem(chosen));
  return { password: chosen, generated: false };
}

/**
 * Admin accounts from the console: the same service and rules as the CLI's `admins` commands
 * (libs/auth AdminAccounts, libs/domain's username and password rules); every change audited there.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AdminAccounts,
    private readonly admins: AdminRepository,
  ) {}

  async list() {
    const rows = await this.admins.listAdmins();
    return {
      items: rows.map((a) => ({
        username: a.username,
        role: a.role,
        disabled: a.disabled,
        createdAt: iso(a.createdAtMs)!,
      })),
    };
  }

  async create(admin: AdminPrincipal, username: string, role: AdminRole, chosen: string | undefined) {
    check('username', adminUsernameProblem(username));
    const p = passwordOf(chosen);
    const created = await this.accounts.create(by(admin), username, role, p.password);
    return { username: created.username, role: created.role, ...(p.generated ? { password: p.password } : {}) };
  }

  /** An admin cannot disable their own account from here (nobody might be left to enable it). */
  async setDisabled(admin: AdminPrincipal, username: string, disabled: boolean, note: string | null): Promise<void> {
    check('username', adminUsernameProblem(username));
    if (disabled && username === admin.username)
      throw new DomainError(ErrorCode.CONFLICT, 'an admin cannot disable their own account');
    await this.accounts.setDisabled(by(admin), username, disabled, note);
  }

  async resetPassword(admin: AdminPrincipal, username: string, chosen: string | undefined) {
    check('username', adminUsernameProblem(username));
    const p = passwordOf(chosen);
    await this.accounts.resetPassword(by(admin), username, p.password);
    return p.generated ? { password: p.password } : {};
  }
}
