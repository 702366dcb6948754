import { Injectable } from '@nestjs/common';
import { AdminRepository, type AdminRole } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { TokenService, type AdminPrincipal } from './token.service.js';

/**
 * Checks an admin token and the account behind it: a disabled account, one whose role changed, or
 * a token older than the account's token version (its password was reset, it was disabled) is
 * refused at once rather than when the token expires. Admin traffic is small, so the one lookup
 * per request costs nothing that matters.
 */
@Injectable()
export class AdminAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly admins: AdminRepository,
  ) {}

  /** `authorization` is a `Bearer <jwt>` header value; 401 for no or a bad token, 403 for a wrong role. */
  async authenticate(authorization: string | undefined, roles: readonly AdminRole[]): Promise<AdminPrincipal> {
    const principal = this.tokens.authenticate(authorization);
    if (principal.kind !== 'admin') throw new DomainError(ErrorCode.FORBIDDEN, 'this route is for admins');
    const account = await this.admins.findById(principal.adminId);
    if (!account || account.disabled || account.tokenVersion !== principal.tokenVersion)
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token is invalid or expired');
    if (!roles.includes(account.role))
      throw new DomainError(ErrorCode.FORBIDDEN, `this route needs the role ${roles.join(' or ')}`);
    return {
      kind: 'admin',
      adminId: account.id,
      username: account.username,
      role: account.role,
      tokenVersion: account.tokenVersion,
    };
  }
}
