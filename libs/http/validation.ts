import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, ErrorCode } from '#libs/domain/index.js';

export interface FieldProblem {
  index?: number;
  field: string;
  message: string;
}

/**
 * Flattens class-validator's error tree. An array element's problems carry its `index` and the
 * field inside it (`pings.3.lat` -> `{ index: 3, field: 'lat' }`), as the pings contract wants.
 */
export function flattenValidationErrors(errors: ValidationError[], path: string[] = []): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const here = [...path, e.property];
    for (const message of Object.values(e.constraints ?? {})) out.push(problemAt(here, message));
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, here));
  }
  return out;
}

function problemAt(path: string[], rawMessage: string): FieldProblem {
  const i = path.findIndex((p) => /^\d+$/.test(p));
  const field = i >= 0 && i < path.length - 1 ? path.slice(i + 1).join('.') : path.join('.');
  // class-validator prefixes messages with the property path; keep only the leaf name in front.
  const leaf = path[path.length - 1]!;
  const message = rawMessage.startsWith(`${leaf} `) || /^\d+$/.test(leaf) ? rawMessage : `${field} ${rawMessage}`;
  return i >= 0 ? { index: Number(path[i]), field, message } : { field, message };
}

/** Request DTO validation: unknown fields refused, every problem named, nothing echoed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      const first = details[0];
      return new DomainError(ErrorCode.VALIDATION, first ? `${first.index !== undefined ? `item ${first.index}: ` : ''}${first.message}` : 'invalid request body', details);
    },
  });
}
