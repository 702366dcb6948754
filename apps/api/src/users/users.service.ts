import { Injectable } from '@nestjs/common';
import { TokenService } from '#libs/auth/index.js';
import { CodeWriter } from '#libs/codes/index.js';
import { UserRepository } from '#libs/db/index.js';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly writer: CodeWriter,
    private readonly tokens: TokenService,
  ) {}

  /** A new person starts green; the read model gets the code at once. */
  async register(): Promise<{ userId: string; token: string }> {
    const code = await this.users.registerUser();
    await this.writer.publish(code);
    return { userId: code.userId, token: this.tokens.issueUserToken(code.userId) };
  }
}
