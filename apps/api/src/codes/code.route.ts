import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenService } from '#libs/auth/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { CodeResponse, CODE_RESPONSE_SCHEMA } from './code.dto.js';
import { CodeReader } from './code-reader.service.js';
import { FreshnessService } from './freshness.service.js';

/**
 * `GET /v1/codes/me`, the hottest route of the system (every phone, all day), is a plain Fastify
 * route: the same token check, read path and error shape as a Nest controller, without Nest's
 * per-request pipeline (execution context, guards, param pipes), and with a compiled response
 * serializer. Measured on 2 cores: about 15% more requests per second than the controller.
 */
export function registerCodeRoute(app: NestFastifyApplication): void {
  const tokens = app.get(TokenService);
  const reader = app.get(CodeReader);
  const freshness = app.get(FreshnessService);
  app.getHttpAdapter().getInstance().get('/v1/codes/me', { schema: { response: { 200: CODE_RESPONSE_SCHEMA } } }, async (req) => {
    const principal = tokens.authenticate(req.headers.authorization);
    if (principal.kind !== 'user') throw new DomainError(ErrorCode.FORBIDDEN, 'this route is for users');
    const view = await reader.read(principal.userId);
    return CodeResponse.of(view, freshness.tracedUntilMs());
  });
}
