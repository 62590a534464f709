import fc from 'fast-check';
import { chunkTextSamples, sliceChunkText, splitChunkText } from './chunk-text';
import { encodeBinaryBody, parseBinaryBody, type BinaryBodyInput } from './columnar-binary';
import { parseColumnarBody } from './columnar-fast-path';
import { MalformedBodyError, ValidationError } from './errors';
import {
  parseIngestBatch,
  parseIngestBatchWithSchema,
  seriesEnds,
  type IngestBatch,
  type VariableSeries,
} from './ingest-batch';
import {
  encodeNumber,
  encodeValue,
  MAX_STRING_VALUE_LENGTH,
  type SampleValue,
} from './sample-value';
import { isWireValue, wireValueSchema } from './sample-value-schema';

// One validation: the ingest's plain-loop fast path (with the request's raw
// text kept for storage) and zod alone accept and refuse exactly the same
// bodies, and what an accepted body stores reads back as exactly the values
// zod produced. Bodies are generated as JSON TEXT, because that is where the
// fast path can differ: number literals (1e999, -0, 5e-324), whitespace,
// escapes, duplicate keys. PROPERTY_RUNS raises the number of cases.

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);

/** A JSON text to be: literals as written, strings and keys escaped or not, objects with duplicates. */
type Json =
  | { lit: string }
  | { str: string; escaped: boolean }
  | { arr: Json[] }
  | { obj: Array<[key: Json & { str: string }, value: Json]> };

const lit = (text: string): Json => ({ lit: text });
const key = (name: string, escaped = false): Json & { str: string } => ({ str: name, escaped });

/** Every UTF-16 unit as \uXXXX: valid JSON for any string, lone surrogates included. */
function escapeAll(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) out += `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return `${out}"`;
}

/** Renders `j` with the whitespace `spaces` cycles through between tokens (compact to pretty). */
function render(j: Json, spaces: readonly string[]): string {
  let n = 0;
  const ws = (): string => spaces[n++ % spaces.length] ?? '';
  const go = (x: Json): string => {
    if ('lit' in x) return x.lit;
    if ('str' in x) return x.escaped ? escapeAll(x.str) : JSON.stringify(x.str);
    if ('arr' in x) return `[${ws()}${x.arr.map(go).join(`${ws()},${ws()}`)}${ws()}]`;
    const members = x.obj.map(([k, v]) => `${go(k)}${ws()}:${ws()}${go(v)}`);
    return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
  };
  return `${ws()}${go(j)}${ws()}`;
}

const whitespace = fc.array(fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ', '   '), {
  minLength: 1,
  maxLength: 6,
});

/** Number literals: ordinary doubles, every spelling JSON allows, and the edges of the doubles. */
const numberLiteral: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  fc
    .tuple(
      fc.integer({ min: -99, max: 99 }),
      fc.nat(999),
      fc.constantFrom('e', 'E'),
      fc.constantFrom('', '+', '-'),
      fc.oneof(fc.nat(20), fc.integer({ min: 300, max: 400 }), fc.constantFrom(999, 99999)),
    )
    .map(([i, f, e, sign, exp]) => `${i}.${f}${e}${sign}${exp}`),
  fc.constantFrom(
    '1e999',
    '-1e999',
    '1E+400',
    '1e308',
    '-1e308',
    '1.7976931348623157e308',
    '1.7976931348623158e308',
    '1.7976931348623159e308',
    '5e-324',
    '-5e-324',
    '2e-324',
    '3e-324',
    '1e-400',
    '-1e-400',
    '-0',
    '-0.0',
    '-0e10',
    '0e-5',
    '0.000',
    '123456789012345678901234567890',
    '-9007199254740993',
    '0.1000000000000000055511151231257827',
  ),
);

const SPECIAL_NAMES = ['NaN', 'Infinity', '-Infinity', '-0'];

/** `{"$num": …}` tags: right, misspelt, with an extra or a repeated key, the key escaped. */
const tag: fc.Arbitrary<Json> = fc
  .tuple(
    fc.constantFrom(...SPECIAL_NAMES, ...SPECIAL_NAMES, 'nan', 'inf', '', '-Inf'),
    fc.boolean(),
    fc.constantFrom('none', 'none', 'extra', 'repeat', 'proto'),
  )
  .map(([name, escaped, extra]): Json => {
    const members: Array<[Json & { str: string }, Json]> = [
      [key('$num', escaped), { str: name, escaped }],
    ];
    if (extra === 'extra') members.push([key('x'), lit('1')]);
    if (extra === 'repeat') members.unshift([key('$num'), lit('1')]);
    if (extra === 'proto') members.push([key('__proto__'), lit('null')]);
    return { obj: members };
  });

const LONG = MAX_STRING_VALUE_LENGTH;
const oddUnits = fc.constantFrom(
  '"',
  '\\',
  '/',
  '\n',
  '\u0000',
  '\u001f',
  '\u2028',
  '\u2029',
  ']',
  '}',
  ',',
  '{',
  '[',
  ':',
  'é',
  '变',
  '😀',
  '\ud800',
  '\udc00',
  'a',
);
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 10, arbitrary: fc.string({ unit: oddUnits, maxLength: 12 }) },
  { weight: 4, arbitrary: fc.constantFrom('NaN', 'Infinity', '', '1e999', '{"$num":"NaN"}') },
  fc.constantFrom(
    'x'.repeat(LONG),
    'x'.repeat(LONG + 1),
    // Over the limit in UTF-16 units, within it in code points (what zod counts), and past both.
    `a${'😀'.repeat(LONG / 2)}`,
    `${'x'.repeat(LONG)}😀`,
  ),
);
const str: fc.Arbitrary<Json> = fc.tuple(text, fc.boolean()).map(([s, escaped]) => ({
  str: s,
  escaped,
}));

/** Anything JSON, small: what a value or a field must not be. */
const junk: fc.Arbitrary<Json> = fc.letrec<{ j: Json }>((tie) => ({
  j: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberLiteral.map(lit),
    str,
    fc.constantFrom(lit('true'), lit('false'), lit('null')),
    fc.array(tie('j'), { maxLength: 3 }).map((arr): Json => ({ arr })),
    fc
      .array(fc.tuple(str, tie('j')), { maxLength: 3 })
      .map((members): Json => ({ obj: members as Array<[Json & { str: string }, Json]> })),
  ),
})).j;

const wireNumber: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: numberLiteral.map(lit) },
  tag,
);

/** Sample values: every kind, mostly well formed, sometimes not. */
const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: numberLiteral.map(lit) },
  { weight: 2, arbitrary: tag },
  { weight: 2, arbitrary: str },
  fc.constantFrom(lit('true'), lit('false'), lit('null')),
  fc.array(wireNumber, { maxLength: 4 }).map((arr): Json => ({ arr })),
  // Nested arrays, non-numbers in arrays: refused.
  fc
    .array(fc.oneof(wireNumber, junk), { minLength: 1, maxLength: 3 })
    .map((arr): Json => ({ arr })),
  junk,
);

/** A time: a number literal, now and then something else. */
const time: fc.Arbitrary<Json> = fc.oneof(
  { weight: 12, arbitrary: numberLiteral.map(lit) },
  tag,
  junk,
);

/** Variable names: plain, those that are special to objects, escaped, and refused ones. */
const name: fc.Arbitrary<Json & { str: string }> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', 'x.y/z') },
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        '$num',
        't',
        'v',
        'variables',
        '1',
        '0',
        '.',
        '..',
        ' ',
        '',
        'a\u0000b',
        '\ud800',
        'é'.repeat(128),
        'é'.repeat(129),
        'ünï "q" ]} \\',
      ),
      fc.string({ unit: oddUnits, minLength: 1, maxLength: 6 }),
    ),
    fc.boolean(),
  )
  .map(([n, escaped]) => key(n, escaped));

/** A variable's `{t, v}`: mostly of equal length, with extra, missing or repeated fields now and then. */
const series: fc.Arbitrary<Json> = fc
  .tuple(
    fc.nat(5),
    fc.array(time, { maxLength: 6 }),
    fc.array(value, { maxLength: 6 }),
    fc.constantFrom('tv', 'tv', 'tv', 'vt', 'extra', 'proto', 'missing', 'repeat', 'junk'),
    junk,
  )
  .map(([n, ts, vs, shape, other]): Json => {
    const t: Json = { arr: ts.slice(0, n) };
    const v: Json = { arr: vs.slice(0, shape === 'junk' ? vs.length : n) };
    const members: Array<[Json & { str: string }, Json]> = [
      [key('t'), t],
      [key('v'), v],
    ];
    if (shape === 'vt') members.reverse();
    if (shape === 'extra') members.push([key('w'), other]);
    if (shape === 'proto') members.push([key('__proto__'), other]);
    if (shape === 'missing') members.pop();
    if (shape === 'repeat') members.unshift([key('t', true), other]);
    return { obj: members };
  });

const variables: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .array(fc.tuple(name, fc.oneof({ weight: 8, arbitrary: series }, junk)), {
        minLength: 1,
        maxLength: 4,
      })
      .map((members): Json => ({ obj: members })),
  },
  junk,
);

/** A columnar body: variables, maybe producer and batch (right or wrong), maybe extra keys. */
const columnarBody: fc.Arbitrary<Json> = fc
  .tuple(
    variables,
    fc.constantFrom('none', 'none', 'id', 'bad-batch', 'lone-producer', 'extra', 'twice'),
    fc.constantFrom('3', '0', '-1', '1.5', '1e999', '9007199254740992', '"3"'),
    variables,
  )
  .map(([vars, extra, batch, other]): Json => {
    const members: Array<[Json & { str: string }, Json]> = [[key('variables'), vars]];
    if (extra === 'id' || extra === 'bad-batch')
      members.unshift(
        [key('producer'), { str: 'p-1', escaped: false }],
        [key('batch'), lit(extra === 'id' ? '3' : batch)],
      );
    if (extra === 'lone-producer') members.push([key('producer'), { str: 'p', escaped: false }]);
    if (extra === 'extra') members.push([key('other'), lit('1')]);
    if (extra === 'twice') members.unshift([key('variables', true), other]);
    return { obj: members };
  });

/**
 * Bodies of the shape the fast path takes (mostly well formed, now and
 * then a number it must leave to the long way): the generator above makes
 * few of them, being about what must be refused.
 */
/** Mostly doubles as JavaScript prints them, now and then any literal (-0, 1e999…). */
const commonNumber: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  numberLiteral,
);
const commonValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 12, arbitrary: commonNumber.map(lit) },
  { weight: 2, arbitrary: tag },
  { weight: 2, arbitrary: text.map((t): Json => ({ str: t, escaped: false })) },
  fc.constantFrom(lit('true'), lit('false'), lit('null')),
  value,
);
const commonBody: fc.Arbitrary<Json> = fc
  .tuple(
    fc.uniqueArray(fc.oneof({ weight: 8, arbitrary: name.map((n) => key(n.str)) }, name), {
      minLength: 1,
      maxLength: 4,
      selector: (n) => n.str,
    }),
    fc.array(fc.array(fc.tuple(commonNumber, commonValue), { minLength: 1, maxLength: 6 }), {
      minLength: 4,
      maxLength: 4,
    }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([names, samples, identified, vFirst]): Json => {
    const members: Array<[Json & { str: string }, Json]> = [
      [
        key('variables'),
        {
          obj: names.map((n, i): [Json & { str: string }, Json] => {
            const rows = samples[i] ?? [];
            const fields: Array<[Json & { str: string }, Json]> = [
              [key('t'), { arr: rows.map(([t]) => lit(t)) }],
              [key('v'), { arr: rows.map(([, v]) => v) }],
            ];
            if (vFirst) fields.reverse();
            return [n, { obj: fields }];
          }),
        },
      ],
    ];
    if (identified)
      members.push([key('producer'), { str: 'p-1', escaped: false }], [key('batch'), lit('12')]);
    return { obj: members };
  });

type Outcome = { ok: true; batch: IngestBatch } | { ok: false; message: string };

function outcome(parse: () => IngestBatch): Outcome {
  try {
    return { ok: true, batch: parse() };
  } catch (err) {
    // Anything but a ValidationError (a TypeError, say) fails the property.
    if (!(err instanceof ValidationError)) throw err;
    return { ok: false, message: err.message };
  }
}

/** What a batch holds. */
const values = (b: IngestBatch): unknown =>
  b.series.map((s) => ({ name: s.name, t: s.t, v: s.v, min: s.summary.min, max: s.summary.max }));

/** The chunk text a series is read back as (from a packed chunk, a segment line). */
const storedChunk = (s: VariableSeries, first = 1): string =>
  `{"s":${first},"t":${JSON.stringify(s.t)},"v":${JSON.stringify(s.v)}}`;

/**
 * The stored chunk text of every series reads back (parsed, and cut at
 * `cut`) as exactly `expected`'s values, -0 and tags included; so does it as
 * a segment line (line breaks turned into spaces). Stats are finite.
 */
function expectStoredAs(stored: IngestBatch, expected: IngestBatch, cut: [number, number]): void {
  stored.series.forEach((s, i) => {
    const want = expected.series[i] as VariableSeries;
    const chunk = storedChunk(s, 5);
    for (const text of [chunk, chunk.replace(/[\n\r]/g, ' ')]) {
      const split = splitChunkText(text);
      expect(split.count).toBe(want.t.length);
      expect(chunkTextSamples(split)).toEqual({ first: 5, t: want.t, v: want.v });
      const from = cut[0] % (want.t.length + 1);
      const to = from + (cut[1] % (want.t.length - from + 1));
      const part = chunkTextSamples(sliceChunkText(split, from, to));
      expect(part).toEqual({
        first: 5 + from,
        t: want.t.slice(from, to),
        v: want.v.slice(from, to),
      });
    }
    for (const stat of [s.summary.min, s.summary.max, ...s.t])
      if (stat !== undefined) expect(Number.isFinite(stat)).toBe(true);
  });
}

describe('the fast path and zod agree on every body', () => {
  it('columnar bodies: the same answer, and what is stored reads back as what zod produced', () => {
    fc.assert(
      fc.property(columnarBody, whitespace, fc.tuple(fc.nat(), fc.nat()), (body, spaces, cut) => {
        const raw = render(body, spaces);
        const fast = outcome(() => parseIngestBatch(JSON.parse(raw)));
        const schema = outcome(() => parseIngestBatchWithSchema(JSON.parse(raw)));
        expect(fast.ok).toBe(schema.ok);
        if (!fast.ok || !schema.ok) {
          expect(fast).toEqual(schema);
          return;
        }
        expect(values(fast.batch)).toEqual(values(schema.batch));
        expect([fast.batch.producer, fast.batch.batch, fast.batch.sampleCount]).toEqual([
          schema.batch.producer,
          schema.batch.batch,
          schema.batch.sampleCount,
        ]);
        expectStoredAs(fast.batch, schema.batch, cut);
      }),
      { numRuns: RUNS },
    );
  });

  it('the fast path accepts only what zod accepts, with the same values, ends and stored text', () => {
    let scanned = 0;
    fc.assert(
      fc.property(
        fc.oneof(columnarBody, commonBody),
        whitespace,
        fc.tuple(fc.nat(), fc.nat()),
        (body, spaces, cut) => {
          const raw = render(body, spaces);
          const scan = parseColumnarBody(raw);
          if (scan === undefined) {
            // Left to the long way (checked above): the same answer, whatever it is.
            const fast = outcome(() => parseIngestBatch(JSON.parse(raw)));
            const schema = outcome(() => parseIngestBatchWithSchema(JSON.parse(raw)));
            expect(fast.ok).toBe(schema.ok);
            return;
          }
          scanned++;
          const schema = outcome(() => parseIngestBatchWithSchema(JSON.parse(raw)));
          if (!schema.ok) throw new Error(`scanned, but zod refuses ${raw}: ${schema.message}`);
          expect(values(scan)).toEqual(values(schema.batch));
          expect(scan.series.map((s) => s.ends)).toEqual(
            schema.batch.series.map((s) => seriesEnds(s.t, s.v)),
          );
          expect([scan.producer, scan.batch, scan.sampleCount]).toEqual([
            schema.batch.producer,
            schema.batch.batch,
            schema.batch.sampleCount,
          ]);
          expectStoredAs(scan, schema.batch, cut);
        },
      ),
      { numRuns: RUNS },
    );
    // The property is not vacuous: a fair share of the generated bodies take the one pass.
    expect(scanned).toBeGreaterThan(RUNS / 20);
  });

  it('the fast path takes the common bodies: tags, strings, whitespace, producer and batch', () => {
    const text =
      ' {"producer":"p-1", "batch": 7,"variables":{"x.y/z":{"v":[1.5,{"$num":"NaN"},"s",true,null,-2e-3],' +
      '\n"t":[0,1,1,2.5,3e0,4]},"é":{"t":[5,4],"v":[{ "$num" : "-0" },0]}}}\t';
    const scan = parseColumnarBody(text);
    expect(scan).toBeDefined();
    expect(values(scan as IngestBatch)).toEqual(
      values(parseIngestBatchWithSchema(JSON.parse(text))),
    );
    expect(scan?.series.map((s) => s.ends)).toEqual([
      { count: 6, firstT: 0, lastT: 4, lastV: -2e-3, tNonDecreasing: true },
      { count: 2, firstT: 5, lastT: 4, lastV: 0, tNonDecreasing: false },
    ]);
    for (const refused of [
      '{"variables":{"x":{"t":[-0],"v":[1]}}}',
      '{"variables":{"x":{"t":[1],"v":[[1]]}}}',
    ])
      expect(parseColumnarBody(refused)).toBeUndefined();
  });

  it('row bodies: the same answer as the columnar form of the same samples, stored alike', () => {
    const row = fc.tuple(name, time, value);
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 8 }),
        whitespace,
        fc.tuple(fc.nat(), fc.nat()),
        (rows, spaces, cut) => {
          const rowsText = render(
            {
              obj: [
                [
                  key('samples'),
                  {
                    arr: rows.map(([n, t, v]) => ({
                      obj: [
                        [key('variable'), n],
                        [key('t'), t],
                        [key('v'), v],
                      ],
                    })),
                  },
                ],
              ],
            },
            spaces,
          );
          // The same samples, grouped by name in the order names first appear.
          const grouped = new Map<string, { name: Json & { str: string }; t: Json[]; v: Json[] }>();
          for (const [n, t, v] of rows) {
            const g = grouped.get(n.str) ?? { name: n, t: [], v: [] };
            grouped.set(n.str, g);
            g.t.push(t);
            g.v.push(v);
          }
          const columnsText = render(
            {
              obj: [
                [
                  key('variables'),
                  {
                    obj: [...grouped.values()].map((g) => [
                      g.name,
                      {
                        obj: [
                          [key('t'), { arr: g.t }],
                          [key('v'), { arr: g.v }],
                        ],
                      },
                    ]),
                  },
                ],
              ],
            },
            spaces,
          );
          const rowsOutcome = outcome(() => parseIngestBatch(JSON.parse(rowsText)));
          const columns = outcome(() => parseIngestBatch(JSON.parse(columnsText)));
          expect(rowsOutcome.ok).toBe(columns.ok);
          if (!rowsOutcome.ok || !columns.ok) return;
          // Object.entries puts integer-like names first: compare by name.
          const byName = (b: IngestBatch): unknown =>
            Object.fromEntries(
              (values(b) as Array<{ name: string }>).map((s) => [JSON.stringify(s.name), s]),
            );
          expect(byName(rowsOutcome.batch)).toEqual(byName(columns.batch));
          expectStoredAs(rowsOutcome.batch, rowsOutcome.batch, cut);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('isWireValue says what wireValueSchema says, for any value', () => {
    fc.assert(
      fc.property(value, (v) => {
        const parsed: unknown = JSON.parse(render(v, ['']));
        expect(isWireValue(parsed)).toBe(wireValueSchema.safeParse(parsed).success);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('numbers the doubles cannot hold', () => {
  const refusal = (text: string): string => {
    const result = outcome(() => parseIngestBatch(JSON.parse(text)));
    if (result.ok) throw new Error(`${text} was accepted`);
    return result.message;
  };

  it('refuses a t beyond double range, naming the field, in both forms', () => {
    expect(refusal('{"variables":{"x":{"t":[0,1e999],"v":[1,2]}}}')).toMatch(
      /^variables\.x\.t\[1\]: t must be a finite number/,
    );
    expect(refusal('{"samples":[{"variable":"x","t":-1e999,"v":1}]}')).toMatch(
      /^samples\[0\]\.t: t must be a finite number/,
    );
  });

  it('refuses a v beyond double range, naming the field and the tag to send instead', () => {
    for (const [text, path] of [
      ['{"variables":{"x":{"t":[0],"v":[1e999]}}}', 'variables.x.v[0]'],
      ['{"variables":{"x":{"t":[0],"v":[[1,-1e999]]}}}', 'variables.x.v[0]'],
      ['{"samples":[{"variable":"x","t":0,"v":1e400}]}', 'samples[0].v'],
    ] as const)
      expect(refusal(text)).toBe(
        `${path}: number out of double range (e.g. 1e999): send an infinity as {"$num": "Infinity"} or {"$num": "-Infinity"}`,
      );
  });

  it('keeps the edges of the doubles, and a time of -0 as 0', () => {
    const text = '{"variables":{"x":{"t":[-0,5e-324],"v":[1e308,-1.7976931348623157e308]}}}';
    const [x] = parseIngestBatch(JSON.parse(text)).series;
    expect(x?.t).toEqual([0, 5e-324]);
    expect(x?.v).toEqual([1e308, -Number.MAX_VALUE]);
  });
});

// The binary body (columnar-binary) against JSON: a batch as a producer holds
// it (doubles of every kind, strings, booleans, null, arrays; names and
// identities right and wrong) sent both ways is accepted as the same
// IngestBatch or refused with the same error; and no damage to a binary body
// gets past its framing checks as anything but a clear 400. (An array value
// over the limit is in columnar-binary.test.ts: one is too slow to generate.)

const anyDouble = fc.oneof(
  { weight: 8, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 5e-324, -Number.MAX_VALUE),
);
/** Binary names and strings are UTF-8: a lone surrogate has no spelling there. */
const wellFormed = (x: string): boolean => x.isWellFormed();
const sampleValue: fc.Arbitrary<SampleValue> = fc.oneof(
  { weight: 8, arbitrary: anyDouble },
  { weight: 2, arbitrary: text.filter(wellFormed) },
  fc.boolean(),
  fc.constant(null),
  fc.array(anyDouble, { maxLength: 4 }),
);
const producerBatch = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('p-1'), fc.nat()) },
  fc.tuple(
    fc.constantFrom('p-1', 'x'.repeat(128), 'x'.repeat(129), 'bad id', 'é', ''),
    fc.constantFrom(0, 12, Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 60),
  ),
);
const producedBatch: fc.Arbitrary<BinaryBodyInput> = fc
  .tuple(
    producerBatch,
    fc.uniqueArray(
      fc.tuple(
        name.map((n) => n.str).filter(wellFormed),
        fc.array(fc.tuple(anyDouble, sampleValue), { maxLength: 6 }),
      ),
      { maxLength: 4, selector: ([n]) => n },
    ),
  )
  .map(([identity, vars]) => {
    const variables = Object.create(null) as BinaryBodyInput['variables'];
    for (const [n, rows] of vars)
      variables[n] = { t: rows.map(([t]) => t), v: rows.map(([, v]) => encodeValue(v)) };
    return identity === undefined
      ? { variables }
      : { producer: identity[0], batch: identity[1], variables };
  });

/** What a JSON producer sends for it: -0 as 0 in t (JSON's own), the other non-finite ones tagged. */
function jsonText(input: BinaryBodyInput): string {
  const variables = Object.create(null) as Record<string, unknown>;
  for (const [n, s] of Object.entries(input.variables))
    variables[n] = { t: s.t.map((t) => (Number.isFinite(t) ? t : encodeNumber(t))), v: s.v };
  return JSON.stringify({ ...input, variables });
}

/** The ingest route's JSON path: the one pass, else the long way. */
const viaJson = (raw: string): IngestBatch =>
  parseColumnarBody(raw) ?? parseIngestBatch(JSON.parse(raw));

describe('the binary body and JSON agree on every batch', () => {
  it('the same IngestBatch, or the same refusal', () => {
    let accepted = 0;
    fc.assert(
      fc.property(producedBatch, (input) => {
        const json = outcome(() => viaJson(jsonText(input)));
        const binary = outcome(() => parseBinaryBody(encodeBinaryBody(input)));
        if (!json.ok || !binary.ok) {
          expect(binary).toEqual(json);
          return;
        }
        accepted++;
        expect(values(binary.batch)).toEqual(values(json.batch));
        expect(binary.batch.series.map((s) => s.ends)).toEqual(
          json.batch.series.map((s) => s.ends),
        );
        expect([binary.batch.producer, binary.batch.batch, binary.batch.sampleCount]).toEqual([
          json.batch.producer,
          json.batch.batch,
          json.batch.sampleCount,
        ]);
        // What the writer stores of it reads back as the values JSON gave.
        expectStoredAs(binary.batch, json.batch, [0, 0]);
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });

  it('a damaged binary body is a clear 400 (malformed_body or invalid_request), never anything else', () => {
    const damage = fc.oneof(
      fc.record({ cut: fc.nat() }),
      fc.record({ extra: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
      fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(producedBatch, damage, (input, hurt) => {
        const bytes = encodeBinaryBody(input);
        let body: Uint8Array;
        if ('cut' in hurt) body = bytes.subarray(0, hurt.cut % bytes.length);
        else if ('extra' in hurt) body = Uint8Array.from([...bytes, ...hurt.extra]);
        else {
          body = bytes.slice();
          body[hurt.at % body.length] = hurt.byte;
        }
        try {
          const batch = parseBinaryBody(body);
          // A flipped byte may still frame a valid batch: then it is one zod accepts too.
          if ('cut' in hurt || 'extra' in hurt)
            throw new Error('a cut or padded body was accepted');
          expect(batch.sampleCount).toBe(batch.series.reduce((n, s) => n + s.t.length, 0));
        } catch (err) {
          if ('cut' in hurt || 'extra' in hurt) expect(err).toBeInstanceOf(MalformedBodyError);
          else if (!(err instanceof MalformedBodyError || err instanceof ValidationError))
            throw err;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
