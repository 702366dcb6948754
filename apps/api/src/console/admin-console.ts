import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { fileURLToPath } from 'node:url';

/** The console's static files: plain HTML, CSS and ES modules, served as they are (this file runs from dist/apps/api/src/console/). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../../../apps/api/console/', import.meta.url));

/**
 * Only our own files run in the console: scripts, styles and API calls from this origin, no inline
 * code, no framing. Data is put on the page as text, and this header stops anything else.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the admins' console at /admin/. Every file gets its own route (no wildcard), so the
 * queue dashboard at /admin/queues and the API at /v1/admin/* stay free.
 */
export async function serveAdminConsole(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyStatic, {
    root: CONSOLE_DIR,
    prefix: '/admin/',
    wildcard: false,
    index: ['index.html'],
    dotfiles: 'ignore',
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply) => {
      reply.header('content-security-policy', CONSOLE_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      // Small files: always revalidated (by ETag), so a new release is seen at once.
      reply.header('cache-control', 'no-cache');
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/admin', (_req, reply) => reply.redirect('/admin/', 301));
}
