import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getSchemaPath } from '@nestjs/swagger';
import { UserAuthenticator } from '#libs/auth/index.js';
import type { FastRoute } from '#libs/http/index.js';
import { CodeResponse } from './code.dto.js';
import { FreshnessService } from './freshness.service.js';

/**
 * `GET /v1/codes/me`, the hottest route of the system (every phone, all day), served from the
 * fast lane (libs/http/fast-lane.ts): the same token check, read path and error shape as a
 * controller would give, without the framework's per-request work. One Redis GET answers both
 * the code and whether the token is revoked (UserAuthenticator).
 */
export function codeRoute(app: NestFastifyApplication): FastRoute {
  const users = app.get(UserAuthenticator);
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
          401: {
            description:
              'no token, or a token that is invalid, expired or revoked (or whose person does not exist): ' +
              'renew before expiry with POST /v1/users/me/token; after a 401 the phone registers again',
          },
          403: { description: 'not a user token' },
          503: { description: 'both the cache and the database are unavailable' },
        },
      },
    },
    handle: async (req) => {
      const { code } = await users.authenticate(req.headers.authorization);
      return CodeResponse.of(code, freshness.tracedUntilMs());
    },
  };
}
