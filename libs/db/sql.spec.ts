import { arrayLiteral } from './sql.js';

describe('arrayLiteral', () => {
  it('writes integers and geohash cells as a Postgres array literal', () => {
    expect(arrayLiteral([5993712, 5993713])).toBe('{5993712,5993713}');
    expect(arrayLiteral(['u4pruydq', 'u4pruydr'])).toBe('{u4pruydq,u4pruydr}');
    expect(arrayLiteral([])).toBe('{}');
  });

  it('refuses anything that would need quoting (it never builds SQL from such text)', () => {
    for (const bad of ['a,b', 'x}', '"', 'null', 'NULL', '', '-1', 'B']) expect(() => arrayLiteral([bad])).toThrow(RangeError);
    expect(() => arrayLiteral([1.5])).toThrow(RangeError);
  });
});
