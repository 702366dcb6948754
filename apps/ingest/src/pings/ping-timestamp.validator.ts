import { registerDecorator, type ValidationOptions } from 'class-validator';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds (an integer) or an ISO-8601 string, as a number; NaN when neither. */
export function pingTimeMs(ts: unknown): number {
  if (typeof ts === 'number') return Number.isSafeInteger(ts) && ts >= 0 ? ts : NaN;
  if (typeof ts === 'string' && ts.length <= 40 && ISO_UTC.test(ts)) return Date.parse(ts);
  return NaN;
}

export function IsPingTimestamp(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPingTimestamp',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO-8601 time or epoch milliseconds`, ...options },
      validator: { validate: (v: unknown) => !Number.isNaN(pingTimeMs(v)) },
    });
}
