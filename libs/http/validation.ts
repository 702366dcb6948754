import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
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
  const leaf = path[path.length - 1];
  const message = rawMessage.startsWith(`${leaf} `) || /^\d+$/.test(leaf) ? rawMessage : `${field} ${rawMessage}`;
  return i >= 0 ? { index: Number(path[i]), field, message } : { field, message };
}

// Our DTOs nest two levels (an object of arrays of strings); deeper input only feeds the
// recursive copy of class-transformer, which runs out of stack (a 500) at a few thousand levels.
const MAX_DEPTH = 8;

/**
 * What class-transformer and class-validator cannot be trusted with, found by one iterative
 * walk: nesting deeper than MAX_DEPTH, and keys that name a member of Object.prototype
 * (`constructor`, `toString`, `__defineGetter__`, ...) or `prototype`, which class-transformer
 * silently drops, so `whitelist` never sees them and `forbidNonWhitelisted` would let them pass
 * unnamed. A body of JSON `null` would pass as an empty object.
 */
export function untrustedShapeProblems(value: unknown): FieldProblem[] {
  if (value === null) return [{ field: 'body', message: 'the body must be a JSON object' }];
  const problems: FieldProblem[] = [];
  const todo: [unknown, string[]][] = [[value, []]];
  while (todo.length) {
    const [v, path] = todo.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= MAX_DEPTH) return [{ field: path[0], message: `${path[0]} is nested too deeply` }];
    for (const key of Object.keys(v)) {
      const here = [...path, key];
      if (key in Object.prototype || key === 'prototype')
        problems.push({ field: here.join('.'), message: `property ${key} should not exist` });
      else todo.push([(v as Record<string, unknown>)[key], here]);
    }
  }
  return problems;
}

/** The 400 for these problems: the first one as the message, all of them as details. */
export function validationError(details: FieldProblem[]): DomainError {
  const first = details[0];
  return new DomainError(
    ErrorCode.VALIDATION,
    first ? `${first.index !== undefined ? `item ${first.index}: ` : ''}${first.message}` : 'invalid request body',
    details,
  );
}

/** Nest's ValidationPipe, after a check of what it cannot handle safely (see above). */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.toValidate(metadata)) {
      const problems = untrustedShapeProblems(value);
      if (problems.length) throw validationError(problems);
    }
    return super.transform(value, metadata);
  }
}

/** Request DTO validation: unknown fields refused, every problem named, nothing echoed. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationError(flattenValidationErrors(errors)),
  });
}
