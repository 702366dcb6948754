import { Injectable, type PipeTransform } from '@nestjs/common';
import { validationError, type FieldProblem } from './validation.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * For `@Body(NoBodyPipe)` on a route that takes no body: nothing or `{}` passes, anything else is
 * a 400, each field named (mass assignment: `{ "role": "admin" }` is refused, never silently
 * ignored). A handler without `@Body()` would accept any body unseen.
 */
@Injectable()
export class NoBodyPipe implements PipeTransform {
  transform(value: unknown): undefined {
    if (value === undefined) return undefined;
    const problems: FieldProblem[] = isPlainObject(value)
      ? Object.keys(value).map((field) => ({ field, message: `property ${field} should not exist` }))
      : [{ field: 'body', message: 'this route takes no body (or an empty object)' }];
    if (problems.length) throw validationError(problems);
    return undefined;
  }
}
