import { arrayLiteral, textArrayLiteral } from './sql.js';

describe('arrayLiteral', () => {
  it('writes integers and geohash cells as a Postgres array literal', () => {
    expect(arrayLiteral([5993712, 5993713])).toBe('{5993712,5993713}');
    expect(arrayLiteral(['u4pruydq', 'u4pruydr'])).toBe('{u4pruydq,u4pruydr}');
    expect(arrayLiteral([])).toBe('{}');
  });

  it('writes null as NULL and booleans as t and f', () => {
    expect(arrayLiteral([1, null, 3])).toBe('{1,NULL,3}');
    expect(arrayLiteral([true, false, null])).toBe('{t,f,NULL}');
    expect(arrayLiteral([-1.5, 1732480000000])).toBe('{-1.5,1732480000000}');
  });

  it('refuses anything that would need quoting (it never builds SQL from such text)', () => {
    for (const bad of ['a,b', 'x}', '"', 'null', 'NULL', '', '-1', 'B'])
      expect(() => arrayLiteral([bad])).toThrow(RangeError);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) expect(() => arrayLiteral([bad])).toThrow(RangeError);
  });
});

describe('textArrayLiteral', () => {
  it('quotes every element, escapes quotes and backslashes, and keeps null apart from the word null', () => {
    expect(textArrayLiteral(['green', 'a,b', 'say "hi"', 'back\\slash', 'null', null, ''])).toBe(
      '{"green","a,b","say \\"hi\\"","back\\\\slash","null",NULL,""}',
    );
    expect(textArrayLiteral([])).toBe('{}');
  });
});
