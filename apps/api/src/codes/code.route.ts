import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenService } from '#libs/auth/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import type { FastRoute } from '#libs/http/index.js';
import { CodeResponse } from './code.dto.js';
import { CodeReader } from './code-reader.service.js';
import { FreshnessService } from './freshness.service.js';

/**
 * `GET /v1/codes/me`, the hottest route of the system (every phone, all day), served from the
 * fast lane (libs/http/fast-lane.ts): the same token check, read path and error shape as a
 * controller would give, without the framework's per-request work.
 */
export function codeRoute(app: NestFastifyApplication): FastRoute {
  const tokens = app.get(TokenService);
  const reader = app.get(CodeReader);
  const freshness = app.get(FreshnessService);
  return {
    method: 'GET',
    path: '/v1/codes/me',
    handle: async (req) => {
      const principal = tokens.authenticate(req.headers.authorization);
      if (principal.kind !== 'user') throw new DomainError(ErrorCode.FORBIDDEN, 'this route is for users');
      return CodeResponse.of(await reader.read(principal.userId), freshness.tracedUntilMs());
    },
  };
}
