import { DomainError, ErrorCode } from './errors.js';

describe('ErrorCode', () => {
  it.each([
    ['VALIDATION', 'VALIDATION'],
    ['UNAUTHENTICATED', 'AUTH.UNAUTHENTICATED'],
    ['FORBIDDEN', 'AUTH.FORBIDDEN'],
    ['NOT_FOUND', 'NOT_FOUND'],
    ['CONFLICT', 'CONFLICT'],
    ['RATE_LIMITED', 'RATE_LIMITED'],
    ['UNAVAILABLE', 'UNAVAILABLE'],
    ['PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
  ] as [keyof typeof ErrorCode, string][])('%s = %s', (key, value) => {
    expect(ErrorCode[key]).toBe(value);
  });

  it('has unique values', () => {
    const values = Object.values(ErrorCode);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('DomainError', () => {
  it('carries code, message and details', () => {
    const details = [{ field: 'geohash', problem: 'too short' }];
    const error = new DomainError(ErrorCode.VALIDATION, 'geohash is too short', details);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toBe('geohash is too short');
    expect(error.details).toEqual(details);
  });

  it('details are optional', () => {
    const error = new DomainError(ErrorCode.NOT_FOUND, 'no such user');
    expect(error.details).toBeUndefined();
    expect(error.code).toBe('NOT_FOUND');
  });
});
