import { Injectable } from '@nestjs/common';
import type { CodeView } from '#libs/cache/index.js';
import { CodeReader } from '#libs/codes/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { TokenService, type UserPrincipal } from './token.service.js';

/**
 * Checks a phone's token: its signature and expiry (no I/O), then its token version against the
 * person's current one, which the read model keeps in the person's code entry. So the read path
 * checks revocation in the one Redis GET it does anyway, and a miss (evicted, or a rebuild not
 * there yet) reads the version from Postgres with the code: a revoked token never comes back.
 */
@Injectable()
export class UserAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly reader: CodeReader,
  ) {}

  /** 401 for no, a bad or an expired token; 403 for a token that is not a user's. */
  verify(authorization: string | undefined): UserPrincipal {
    const principal = this.tokens.authenticate(authorization);
    if (principal.kind !== 'user') throw new DomainError(ErrorCode.FORBIDDEN, 'this route is for users');
    return principal;
  }

  /**
   * The person's code (as the phone sees it now), once the token's version is the person's: 401
   * for a revoked token or a person who does not exist, 503 when neither store can answer.
   */
  async current(principal: UserPrincipal): Promise<CodeView> {
    const code = await this.reader.read(principal.userId);
    if (code.tokenVersion !== principal.tokenVersion)
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token is invalid or expired');
    return code;
  }

  async authenticate(authorization: string | undefined): Promise<{ principal: UserPrincipal; code: CodeView }> {
    const principal = this.verify(authorization);
    return { principal, code: await this.current(principal) };
  }
}
