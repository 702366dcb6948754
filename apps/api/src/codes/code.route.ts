import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getSchemaPath } from '@nestjs/swagger';
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
    // The 200 body's schema is CodeResponse's, the class its handler answers with.
    openapi: {
      models: [CodeResponse],
      operation: {
        tags: ['codes'],
        summary: "The caller's health code (user token)",
        security: [{ bearer: [] }],
        responses: {
          200: {
            description: 'the code',
            content: { 'application/json': { schema: { $ref: getSchemaPath(CodeResponse) } } },
          },
          401: { description: 'no or invalid token' },
          403: { description: 'not a user token' },
          503: { description: 'both the cache and the database are unavailable' },
        },
      },
    },
    handle: async (req) => {
      const principal = tokens.authenticate(req.headers.authorization);
      if (principal.kind !== 'user') throw new DomainError(ErrorCode.FORBIDDEN, 'this route is for users');
      return CodeResponse.of(await reader.read(principal.userId), freshness.tracedUntilMs());
    },
  };
}
