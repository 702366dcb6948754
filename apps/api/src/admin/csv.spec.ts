import { csvField, csvLine } from './csv.js';

describe('csvField', () => {
  it.each([
    ['plain', 'admin:rita', 'admin:rita'],
    ['null', null, ''],
    ['a number', 1200, '1200'],
    ['a negative number stays a number', -3, '-3'],
    ['a boolean', false, 'false'],
    ['a comma', 'a,b', '"a,b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a line break', 'a\nb', '"a\nb"'],
    ['a formula', '=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['a leading plus', '+1', "'+1"],
    ['a leading minus in text', '-rita', "'-rita"],
    ['a leading at', '@SUM(A1)', "'@SUM(A1)"],
  ])('%s', (_label, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('joins a line', () => {
    expect(csvLine(['1', 'a,b', null, 3])).toBe('1,"a,b",,3');
  });
});
