import { type DomainError } from '#libs/domain/index.js';
import { NoBodyPipe } from './no-body.pipe.js';
import { untrustedShapeProblems } from './validation.js';

const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });

describe('untrustedShapeProblems', () => {
  it.each([
    ['a flat body', { color: 'red', reason: 'x' }, []],
    ['an array of strings', { ids: ['1', '2'], decision: 'approve' }, []],
    ['nesting within the limit', { note: nested(6) }, []],
    [
      'nesting beyond the limit, named by its field',
      { note: nested(5000) },
      [{ field: 'note', message: 'note is nested too deeply' }],
    ],
    [
      'a constructor key',
      { note: 'x', constructor: 1 },
      [{ field: 'constructor', message: 'property constructor should not exist' }],
    ],
    [
      'a prototype key inside a field',
      { note: { prototype: null } },
      [{ field: 'note.prototype', message: 'property prototype should not exist' }],
    ],
    [
      'an Object.prototype method name',
      { __defineGetter__: 'x' },
      [{ field: '__defineGetter__', message: 'property __defineGetter__ should not exist' }],
    ],
    ['a body of JSON null', null, [{ field: 'body', message: 'the body must be a JSON object' }]],
  ])('%s', (_, value, problems) => {
    expect(untrustedShapeProblems(value)).toEqual(problems);
  });
});

describe('NoBodyPipe', () => {
  const pipe = new NoBodyPipe();
  const detailsOf = (value: unknown) => {
    try {
      pipe.transform(value);
      return null;
    } catch (err) {
      return (err as DomainError).details;
    }
  };

  it.each([[undefined], [{}]])('lets %p through', (value) => {
    expect(detailsOf(value)).toBeNull();
  });

  it.each([
    [{ role: 'admin', color: 'red' }, ['role', 'color']],
    [[], ['body']],
    [null, ['body']],
    ['x', ['body']],
  ])('refuses %p naming %p', (value, fields) => {
    expect(detailsOf(value)?.map((d) => (d as { field: string }).field)).toEqual(fields);
  });
});
