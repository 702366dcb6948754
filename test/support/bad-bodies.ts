import fc from 'fast-check';

/**
 * Generators of request bodies that must be refused: every one is wrong for its route (a field
 * of the wrong type or out of range, a missing field, an unknown field, a body that is not an
 * object, text that is not JSON, deep nesting, prototype-pollution keys, unicode). Bodies are
 * built as JSON text, so nesting deeper than JSON.stringify could write, keys like `__proto__`
 * and broken JSON can be sent too. Every generated string value carries `marker`, so a test can
 * check that no answer repeats a value.
 */

/** A JSON text fragment sent as it is (deep nesting, broken JSON). */
export class RawJson {
  constructor(readonly text: string) {}
}

export const toJson = (v: unknown): string => (v instanceof RawJson ? v.text : JSON.stringify(v));
export const objectText = (entries: [string, unknown][]): string =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;

/** The fields of a body: how to make a good value, and values that are always wrong for it. */
export interface FieldSpec {
  name: string;
  required: boolean;
  good: () => unknown;
  bad: fc.Arbitrary<unknown>;
}

export interface BadBodyKit {
  marker: string;
  /** A string that is no value any field accepts (it starts with the upper-case marker). */
  marked: fc.Arbitrary<string>;
  /** Any JSON value but a string. */
  notString: fc.Arbitrary<unknown>;
  /** A string longer than `max`. */
  tooLong: (max: number) => fc.Arbitrary<string>;
  /** A bad body for an object with these fields (`fields` empty: a route that takes no body). */
  body: (fields: FieldSpec[]) => fc.Arbitrary<string>;
  /** The fields' good values as entries, optional ones included or not. */
  goodEntries: (fields: FieldSpec[]) => fc.Arbitrary<[string, unknown][]>;
}

const POLLUTION_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
];
const MASS_ASSIGNMENT_KEYS = ['color', 'status', 'version', 'userId', 'role', 'id', 'admin', 'decidedBy', 'auto'];

export function badBodyKit(marker: string): BadBodyKit {
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  const marked = text.map((s) => `${marker.toUpperCase()}${s}`);
  const deep = fc
    .tuple(fc.integer({ min: 200, max: 5000 }), fc.constantFrom('[', '{"a":'))
    .map(([n, open]) => new RawJson(`${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`));
  const markedJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      marked,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(text, tie('value'), { maxKeys: 3 }),
    ),
  })).value;
  const notString = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(markedJson, { maxLength: 4 }),
    fc.dictionary(text, markedJson, { maxKeys: 4 }),
    deep,
  );
  const tooLong = (max: number) =>
    fc.integer({ min: max + 1, max: max + 3000 }).map((n) => `${marker}${'é'.repeat(n)}`);

  const goodEntries = (fields: FieldSpec[]) =>
    fc
      .tuple(...fields.map((f) => (f.required ? fc.constant(true) : fc.boolean())))
      .map((keep) => fields.filter((_, i) => keep[i]).map((f): [string, unknown] => [f.name, f.good()]));

  const body = (fields: FieldSpec[]): fc.Arbitrary<string> => {
    const known = new Set(fields.map((f) => f.name));
    const unknownKey = fc
      .oneof(
        fc.constantFrom(...POLLUTION_KEYS, ...MASS_ASSIGNMENT_KEYS),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
      )
      .filter((k) => !known.has(k));
    const shapes: fc.Arbitrary<string>[] = [
      // a field that does not belong, beside good ones
      fc.tuple(goodEntries(fields), unknownKey, fc.oneof(markedJson, deep), fc.nat()).map(([good, key, value, at]) => {
        const entries = [...good];
        entries.splice(at % (entries.length + 1), 0, [key, value]);
        return objectText(entries);
      }),
      // prototype pollution, nested
      fc
        .tuple(
          goodEntries(fields),
          fc.constantFrom('__proto__', 'constructor'),
          fc.constantFrom(...MASS_ASSIGNMENT_KEYS),
        )
        .map(([good, key, inner]) =>
          objectText([
            ...good,
            [key, key === 'constructor' ? { prototype: { [inner]: 'admin' } } : { [inner]: 'admin' }],
          ]),
        ),
      // not an object at all
      fc
        .oneof(
          notString.filter((v) => !(v instanceof RawJson) && (typeof v !== 'object' || v === null || Array.isArray(v))),
          marked,
          deep,
        )
        .map(toJson),
      // not JSON
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `${s}{"${marker}`),
        goodEntries(fields).chain((good) => {
          const full = objectText([...good, ['x', marker]]);
          return fc.integer({ min: 1, max: full.length - 1 }).map((n) => full.slice(0, n) + marker);
        }),
        fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n)),
      ),
    ];
    if (fields.length) {
      // one field wrong, the others good
      shapes.push(
        fc
          .tuple(goodEntries(fields), fc.constantFrom(...fields))
          .chain(([good, field]) =>
            field.bad.map((value) => objectText([...good.filter(([k]) => k !== field.name), [field.name, value]])),
          ),
      );
      const required = fields.filter((f) => f.required);
      // a required field missing
      if (required.length)
        shapes.push(
          fc
            .tuple(goodEntries(fields), fc.constantFrom(...required))
            .map(([good, field]) => objectText(good.filter(([k]) => k !== field.name))),
        );
    } else {
      // any object with a field
      shapes.push(
        fc.dictionary(text, markedJson, { minKeys: 1, maxKeys: 4 }).map((o) => objectText(Object.entries(o))),
      );
    }
    return fc.oneof(...shapes);
  };

  return { marker, marked, notString, tooLong, body, goodEntries };
}
