import { Injectable } from '@nestjs/common';
import { TokenService, type IssuedUserToken, type UserPrincipal } from '#libs/auth/index.js';
import { CodeWriter } from '#libs/codes/index.js';
import { UserRepository } from '#libs/db/index.js';

export interface UserToken {
  userId: string;
  token: string;
  expiresAt: string;
}

const answer = (userId: string, issued: IssuedUserToken): UserToken => ({
  userId,
  token: issued.token,
  expiresAt: new Date(issued.expiresAtMs).toISOString(),
});

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly writer: CodeWriter,
    private readonly tokens: TokenService,
  ) {}

  /** A new person starts green; the read model gets the code at once. */
  async register(): Promise<UserToken> {
    const code = await this.users.registerUser();
    await this.writer.publish(code);
    return answer(code.userId, this.tokens.issueUserToken(code.userId, code.tokenVersion));
  }

  /** A fresh token for a caller whose token UserAuthGuard found valid, unexpired and of the current version. */
  refresh(user: UserPrincipal): UserToken {
    return answer(user.userId, this.tokens.issueUserToken(user.userId, user.tokenVersion));
  }
}
