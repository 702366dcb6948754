import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminAuthenticator } from '#libs/auth/index.js';
import { openApiBuilder, openApiSubset, toErrorResponse, type FastLane } from '#libs/http/index.js';

export const ADMIN_API_PREFIX = '/v1/admin/';
export const ADMIN_OPENAPI_PATH = '/v1/admin/docs-json';

/**
 * The admin API's OpenAPI document, for admins and reviewers only (a bearer token): the public
 * /docs leaves the admin routes out, so a stranger does not get the map of what officials can do.
 */
export function serveAdminOpenApi(app: NestFastifyApplication, fastLane: FastLane): void {
  const authenticator = app.get(AdminAuthenticator);
  const build = openApiBuilder(app, fastLane, 'Health code admin API');
  app
    .getHttpAdapter()
    .getInstance()
    .get(ADMIN_OPENAPI_PATH, async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        await authenticator.authenticate(req.headers.authorization, ['admin', 'reviewer']);
      } catch (err) {
        const [status, body] = toErrorResponse(err);
        return reply.status(status).send(body);
      }
      return openApiSubset(build(), (path) => path.startsWith(ADMIN_API_PREFIX));
    });
}
