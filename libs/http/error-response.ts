import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from '#libs/domain/index.js';

/** The one place that maps domain error codes to HTTP statuses (docs/api.md, Errors). */
export const STATUS_BY_CODE: Record<string, number> = {
  [ErrorCode.VALIDATION]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UNAUTHENTICATED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCode.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCode.PAYLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
};

/** The reverse, for errors raised by the framework itself (unknown route, bad JSON, ...). */
export const CODE_BY_STATUS: Record<number, string> = {
  ...Object.fromEntries(Object.entries(STATUS_BY_CODE).map(([code, status]) => [status, code])),
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'INTERNAL',
};

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown[];
}
