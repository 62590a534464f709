import { createRunBodySchema } from './run';
import { runManifestSchema, type RunManifest } from './run-manifest';

const parse = (text: string) => createRunBodySchema.safeParse(JSON.parse(text));

describe('run meta', () => {
  it('keeps every key, __proto__ and constructor included, as own keys', () => {
    const parsed = parse('{"meta":{"__proto__":"x","constructor":1,"toString":null,"a":true}}');
    expect(parsed.success).toBe(true);
    const meta = parsed.data?.meta ?? {};
    expect(Object.keys(meta)).toEqual(['__proto__', 'constructor', 'toString', 'a']);
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(JSON.stringify(meta)).toBe('{"__proto__":"x","constructor":1,"toString":null,"a":true}');
  });

  it.each([
    ['not an object', '{"meta":[]}', 'body.meta'],
    ['an empty key', '{"meta":{"":1}}', 'body.meta.'],
    [
      'a key of 129 characters',
      `{"meta":{"${'k'.repeat(129)}":1}}`,
      `body.meta.${'k'.repeat(129)}`,
    ],
    ['an object under __proto__', '{"meta":{"__proto__":{"x":1}}}', 'body.meta.__proto__'],
    ['an array value', '{"meta":{"a":[1]}}', 'body.meta.a'],
    ['a string of 1025 characters', `{"meta":{"a":"${'s'.repeat(1025)}"}}`, 'body.meta.a'],
    [
      '65 entries',
      `{"meta":{${Array.from({ length: 65 }, (_, i) => `"k${i}":1`).join(',')}}}`,
      'body.meta',
    ],
  ])('refuses %s, naming the field', (_what, text, path) => {
    const parsed = parse(text);
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => ['body', ...i.path].join('.'));
    expect(paths).toContain(path);
  });
});

describe('runManifestSchema', () => {
  const manifest = (variable: Record<string, unknown>): unknown => ({
    version: 1,
    run: {
      id: 'r',
      status: 'completed',
      createdAt: '2024-01-01T00:00:00.000Z',
      samples: 1,
      meta: JSON.parse('{"__proto__":"kept"}') as unknown,
    },
    variables: [{ name: 'x', count: 1, object: 'o', bytes: 10, ...variable }],
    writtenAt: '2024-01-01T00:00:01.000Z',
  });

  it('reads null stats (an infinity, before ingest refused 1e999) as absent', () => {
    const parsed = runManifestSchema.parse(manifest({ min: null, max: null, lastT: null }));
    const [x] = parsed.variables;
    expect([x?.min, x?.max, x?.lastT]).toEqual([undefined, undefined, undefined]);
    expect(Object.keys(parsed.run.meta)).toEqual(['__proto__']);
  });

  it('refuses a null where a count must be', () => {
    expect(runManifestSchema.safeParse(manifest({ count: null })).success).toBe(false);
  });

  it('keeps a manifest as written', () => {
    const written = manifest({ min: -1, max: 2, lastT: 0, lastV: { $num: 'NaN' } }) as RunManifest;
    expect(runManifestSchema.parse(JSON.parse(JSON.stringify(written)))).toEqual(written);
  });
});
