import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { TokenService } from '#libs/auth/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { AdminRepository, type AdminRole } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';

// Verifying against this when the username is unknown keeps the timing of both failures alike.
const DUMMY_HASH = argon2.hash('not-a-real-password');

@Injectable()
export class AdminAuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminAuthService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly admins: AdminRepository,
    private readonly tokens: TokenService,
  ) {}

  /** DESIGN §4: the first admin comes from the environment, or gets a password printed once. */
  async onApplicationBootstrap(): Promise<void> {
    const { username } = this.config.admin;
    const password = this.config.admin.password ?? randomBytes(12).toString('base64url');
    if (await this.admins.createFirstAdmin(username, await argon2.hash(password))) {
      const shown = this.config.admin.password ? '(from HC_ADMIN_PASSWORD)' : password;
      this.logger.log(`first admin created: ${username} ${shown}`);
    }
  }

  async login(username: string, password: string): Promise<{ token: string; role: AdminRole; expiresAt: string }> {
    const admin = await this.admins.findByUsername(username);
    const ok = await argon2.verify(admin?.passwordHash ?? (await DUMMY_HASH), password);
    if (!admin || !ok || admin.disabled) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'wrong username or password');
    const { token, expiresAtMs } = this.tokens.issueAdminToken(admin);
    return { token, role: admin.role, expiresAt: new Date(expiresAtMs).toISOString() };
  }
}
