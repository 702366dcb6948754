import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TokenService, hashPassword, verifyPassword } from '#libs/auth/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { AdminRepository, AuditRepository, type AdminRole } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { LoginThrottle } from './login-throttle.service.js';

export interface AdminSession {
  token: string;
  role: AdminRole;
  expiresAt: string;
}

@Injectable()
export class AdminAuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminAuthService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
    private readonly admins: AdminRepository,
    private readonly audit: AuditRepository,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * The first admin comes from HC_ADMIN_PASSWORD (`npm start` generates one and shows it in its
   * banner). Without it no account is made: a generated password would have to be shown, and logs
   * are read by more people, and kept longer, than an admin password may be.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { username, password } = this.config.admin;
    if (password === null) {
      if (!(await this.admins.anyExists()))
        this.logger.warn(
          'no admin account exists: set HC_ADMIN_PASSWORD, or create one with the CLI (admins create <name> --role admin)',
        );
      return;
    }
    if (await this.admins.createFirstAdmin(username, await hashPassword(password)))
      this.logger.log(`first admin created: ${username} (password from HC_ADMIN_PASSWORD)`);
  }

  /**
   * `address` is the client's: failures lock per (username, address) and per address. The attempt
   * is counted before the password is checked and given back only on success.
   */
  async login(username: string, password: string, address: string): Promise<AdminSession> {
    await this.throttle.reserve(username, address);
    const admin = await this.admins.findByUsername(username);
    const ok = await verifyPassword(admin?.passwordHash ?? null, password);
    if (!admin || !ok || admin.disabled) {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'wrong username or password');
    }
    await this.throttle.succeeded(username, address);
    const { token, expiresAtMs } = this.tokens.issueAdminToken(admin);
    const expiresAt = new Date(expiresAtMs).toISOString();
    await this.audit.append(this.db, {
      adminId: admin.id,
      actor: admin.username,
      action: 'session.create',
      targetType: 'admin',
      targetId: admin.id,
      before: null,
      after: { role: admin.role, expiresAt },
      note: null,
    });
    return { token, role: admin.role, expiresAt };
  }
}
