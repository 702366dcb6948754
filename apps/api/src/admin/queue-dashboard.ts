import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminAuthenticator } from '#libs/auth/index.js';
import { toErrorResponse } from '#libs/http/index.js';
import { TRACING_QUEUE } from '#libs/queue/index.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The dashboard's own pages and XHRs cannot send a bearer header, so an admin's login also sets
 * this cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
 * scoped to the dashboard's path (the API never reads it, so the API stays bearer-only and
 * immune to CSRF), and it expires with the token it carries.
 */
export const DASHBOARD_COOKIE = 'hc_queues_session';

export function dashboardCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${DASHBOARD_COOKIE}=${token}; Path=${QUEUE_DASHBOARD_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The same cookie, empty and already expired (logout): the browser drops the one it holds. */
export const endedDashboardCookie = (secure: boolean): string => dashboardCookie('', 0, secure);

/**
 * Whether the browser reached us over TLS: our own socket, or a proxy of HC_TRUST_PROXY that says
 * so in X-Forwarded-Proto (Fastify believes the header only from a trusted proxy). The cookie is
 * then `Secure`, so the browser never sends it over plain HTTP.
 */
export const viaHttps = (req: FastifyRequest): boolean => req.protocol === 'https';

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** @bull-board at /admin/queues for the tracing queue, admins only (the session cookie above). */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const authenticator = app.get(AdminAuthenticator);
  const serverAdapter = new FastifyAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(app.get<Queue>(getQueueToken(TRACING_QUEUE)))], serverAdapter });
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const token = cookieValue(req.headers.cookie, DASHBOARD_COOKIE);
      try {
        await authenticator.authenticate(token ? `Bearer ${token}` : undefined, ['admin']);
      } catch (err) {
        const [status, body] = toErrorResponse(err);
        return reply.status(status).send(body);
      }
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
  });
}
