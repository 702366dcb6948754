import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { CODE_BY_STATUS, STATUS_BY_CODE, type ErrorBody } from './error-response.js';

/**
 * Turns every thrown error into the contract's `{ error, message, details? }` with its status
 * (docs/api.md, Errors).
 */
@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = toErrorResponse(err);
    if (status >= 500 && status !== 503) this.logger.error(err instanceof Error ? err.stack : String(err));
    if (err instanceof DomainError && err.code === ErrorCode.RATE_LIMITED && err.details?.[0]) {
      reply.header('retry-after', String((err.details[0] as { retryAfterSeconds: number }).retryAfterSeconds));
    }
    void reply.status(status).send(body);
  }
}

export function toErrorResponse(err: unknown): [number, ErrorBody] {
  if (err instanceof DomainError) {
    const body: ErrorBody = { error: err.code, message: err.message };
    if (err.details && err.code !== ErrorCode.RATE_LIMITED) body.details = err.details;
    return [STATUS_BY_CODE[err.code] ?? 500, body];
  }
  const status = statusOf(err);
  // Health checks answer 503 with their own report of what is down (terminus's shape).
  if (err instanceof HttpException && status === 503 && (err.getResponse() as { status?: string }).status === 'error') {
    return [503, err.getResponse() as ErrorBody];
  }
  if (status && status < 500) {
    return [status, { error: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message: safeMessage(err, status) }];
  }
  if (status === 503) return [503, { error: ErrorCode.UNAVAILABLE, message: 'service unavailable, try again' }];
  return [500, { error: 'INTERNAL', message: 'internal error' }];
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof HttpException) return err.getStatus();
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

// Framework messages can quote the request (e.g. "Cannot GET /path?token=..."); keep them generic.
function safeMessage(err: unknown, status: number): string {
  const code = (err as { code?: string })?.code ?? '';
  if (status === 404) return 'no such route or resource';
  if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'request body too large';
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return 'content-type must be application/json';
  if (code.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) return 'body: not valid JSON';
  if (status === 400) return 'bad request';
  if (status === 429) return 'too many requests, try again later';
  return err instanceof HttpException ? err.message : 'request refused';
}
