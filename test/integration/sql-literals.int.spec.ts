import { arrayLiteral, textArrayLiteral } from '#libs/db/index.js';
import { withServer } from '../support/databases.js';

/** The array literals the repositories pass instead of pg's own encoding must read back as the values they were built from. */
describe('array literals, read by Postgres', () => {
  it('gives back every text, quotes, backslashes, braces and the word null included, and NULL as null', async () => {
    const texts = ['green', 'a,b', 'say "hi"', 'back\\slash', 'null', null, '', 'x}{', "it's", 'ü'];
    const row = await withServer(
      async (c) =>
        (
          await c.query(
            'SELECT $1::text[] AS texts, $2::float8[] AS numbers, $3::bool[] AS flags, $4::bigint[]::text[] AS ids',
            [
              textArrayLiteral(texts),
              arrayLiteral([-1.5, 1732480000000, null]),
              arrayLiteral([true, false, null]),
              arrayLiteral(['9007199254740993', null]),
            ],
          )
        ).rows[0],
    );
    expect(row).toEqual({
      texts,
      numbers: [-1.5, 1732480000000, null],
      flags: [true, false, null],
      ids: ['9007199254740993', null],
    });
  });
});
