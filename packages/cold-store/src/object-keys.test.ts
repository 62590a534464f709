import { TRICKY_VARIABLE_NAMES } from '@runstream/testkit';
import { keyPrefixProblem, ObjectKeys, parseSegmentKey } from './object-keys';

const keys = new ObjectKeys();

const TRICKY = TRICKY_VARIABLE_NAMES;

describe('ObjectKeys', () => {
  it('lays out manifest, segments and merged objects under the run', () => {
    expect(keys.manifest('r1')).toBe('manifests/r1.json');
    expect(keys.segment('r1', 'x', 1, 42)).toBe(
      'runs/r1/vars/x/segments/0000000000000001-0000000000000042.ndjson.gz',
    );
    expect(keys.merged('r1', 'x')).toBe('runs/r1/vars/x/merged.ndjson.gz');
    expect(keys.parquet('r1')).toBe('runs/r1/run.parquet');
    expect(keys.parquet('..')).toBe('runs/%2E%2E/run.parquet');
    expect(keys.segmentsPrefix('r1', 'x')).toBe('runs/r1/vars/x/segments/');
    expect(keys.runPrefix('r1')).toBe('runs/r1/');
  });

  it('reads the run id back from a manifest key, and nothing from other keys', () => {
    for (const run of ['r1', '.', '..', 'a.b_c-d', 'x'.repeat(128)]) {
      expect(keys.runOfManifest(keys.manifest(run))).toBe(run);
    }
    expect(keys.runOfManifest(keys.merged('r1', 'x'))).toBeUndefined();
    expect(keys.runOfManifest('manifests/a/b.json')).toBeUndefined();
    expect(keys.runOfManifest('manifests/r1.txt')).toBeUndefined();
    expect(new ObjectKeys('p/').runOfManifest('manifests/r1.json')).toBeUndefined();
  });

  it('puts an optional prefix before every key', () => {
    const prefixed = new ObjectKeys('rs/prod/');
    expect(prefixed.manifest('r1')).toBe('rs/prod/manifests/r1.json');
    expect(prefixed.merged('r1', 'x')).toBe('rs/prod/runs/r1/vars/x/merged.ndjson.gz');
    expect(() => new ObjectKeys('no-slash')).toThrow(RangeError);
    expect(() => new ObjectKeys('../')).toThrow(RangeError);
    expect(() => new ObjectKeys('/abs/')).toThrow(RangeError);
  });

  it('pads seqs to 16 digits, so keys sort as seqs do, up to the largest safe integer', () => {
    const low = keys.segment('r', 'x', 9, 10);
    const high = keys.segment('r', 'x', 10, 11);
    expect(low < high).toBe(true);
    expect(keys.segment('r', 'x', 1, Number.MAX_SAFE_INTEGER)).toMatch(
      /0000000000000001-9007199254740991\.ndjson\.gz$/,
    );
    expect(() => keys.segment('r', 'x', 0, 3)).toThrow(RangeError);
    expect(() => keys.segment('r', 'x', 5, 4)).toThrow(RangeError);
    expect(() => keys.segment('r', 'x', 1.5, 4)).toThrow(RangeError);
    expect(() => keys.segment('r', 'x', 1, Number.MAX_SAFE_INTEGER + 2)).toThrow(RangeError);
  });

  it('encodes variable names so they cannot leave their folder', () => {
    expect(keys.variablePrefix('r', '../x')).toBe('runs/r/vars/%2E%2E%2Fx/');
    expect(keys.variablePrefix('r', 'a/b')).toBe('runs/r/vars/a%2Fb/');
    expect(keys.variablePrefix('r', '%')).toBe('runs/r/vars/%25/');
    expect(keys.variablePrefix('r', '.')).toBe('runs/r/vars/%2E/');
    expect(keys.variablePrefix('r', '..')).toBe('runs/r/vars/%2E%2E/');
    expect(keys.variablePrefix('r', 'a b')).toBe('runs/r/vars/a%20b/');
    expect(keys.variablePrefix('r', '温度')).toBe('runs/r/vars/%E6%B8%A9%E5%BA%A6/');
    for (const name of TRICKY) {
      const key = keys.segment('r', name, 1, 2);
      const parts = key.split('/');
      // runs / r / vars / <name> / segments / <file>: the name is exactly one part.
      expect(parts).toHaveLength(6);
      expect(parts[3]).toMatch(/^[A-Za-z0-9_%~-]+$/);
      expect(parts.some((p) => p === '.' || p === '..')).toBe(false);
    }
  });

  it("never makes one variable's listing prefix a prefix of another's keys", () => {
    const names = [...TRICKY, 'a'.repeat(256), `${'a'.repeat(255)}b`];
    for (const a of names) {
      for (const b of names) {
        if (a === b) continue;
        const listing = keys.segmentsPrefix('r', a);
        expect(keys.segment('r', b, 1, 1).startsWith(listing)).toBe(false);
        expect(keys.merged('r', b).startsWith(keys.variablePrefix('r', a))).toBe(false);
      }
    }
  });

  it('shortens long names to a bounded, still distinct path component', () => {
    const long = (tail: string): string => `${'温度.'.repeat(36)}${tail}`; // 252 bytes + tail
    const a = keys.variablePrefix('r', long('a'));
    const b = keys.variablePrefix('r', long('b'));
    expect(a).not.toBe(b);
    for (const prefix of [a, b]) {
      const part = prefix.split('/')[3]!;
      expect(part.length).toBeLessThanOrEqual(200);
      expect(part).toMatch(/^[A-Za-z0-9_%-]+~[0-9a-f]{32}$/);
      // The readable head does not end in a cut `%XX`.
      expect(part.split('~')[0]).toMatch(/^([A-Za-z0-9_-]|%[0-9A-F]{2})+$/);
    }
    // A name that just fits is written as it is.
    expect(keys.variablePrefix('r', 'x'.repeat(200))).toBe(`runs/r/vars/${'x'.repeat(200)}/`);
    expect(keys.variablePrefix('r', 'x'.repeat(201))).toContain('~');
  });

  it('rejects names and run ids that could not have been ingested', () => {
    expect(() => keys.merged('r', '')).toThrow(RangeError);
    expect(() => keys.merged('r', 'a\nb')).toThrow(RangeError);
    expect(() => keys.merged('r', 'x'.repeat(257))).toThrow(RangeError);
    expect(() => keys.merged('a/b', 'x')).toThrow(RangeError);
    expect(() => keys.merged('', 'x')).toThrow(RangeError);
  });

  it('writes the all-dots run ids percent-encoded, and only those', () => {
    expect(keys.runPrefix('..')).toBe('runs/%2E%2E/');
    expect(keys.runPrefix('.')).toBe('runs/%2E/');
    expect(keys.runPrefix('sim.2024-01_a')).toBe('runs/sim.2024-01_a/');
    expect(keys.runPrefix('..a')).toBe('runs/..a/');
  });
});

describe('parseSegmentKey', () => {
  it('reads the seq range back from any segment key', () => {
    for (const name of TRICKY)
      expect(parseSegmentKey(keys.segment('run-1', name, 17, 4242))).toEqual({
        first: 17,
        last: 4242,
      });
    expect(parseSegmentKey(new ObjectKeys('p/').segment('r', 'x', 1, 1))).toEqual({
      first: 1,
      last: 1,
    });
    expect(parseSegmentKey(keys.segment('r', 'x', 1, Number.MAX_SAFE_INTEGER))?.last).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('refuses what is not a segment key', () => {
    expect(parseSegmentKey(keys.merged('r', 'x'))).toBeUndefined();
    expect(parseSegmentKey(keys.manifest('r'))).toBeUndefined();
    const base = 'runs/r/vars/x/segments/';
    expect(parseSegmentKey(`${base}1-2.ndjson.gz`)).toBeUndefined();
    expect(parseSegmentKey(`${base}0000000000000000-0000000000000002.ndjson.gz`)).toBeUndefined();
    expect(parseSegmentKey(`${base}0000000000000003-0000000000000002.ndjson.gz`)).toBeUndefined();
    expect(parseSegmentKey(`${base}0000000000000001-9999999999999999.ndjson.gz`)).toBeUndefined();
    expect(parseSegmentKey(`${base}0000000000000001-0000000000000002.ndjson`)).toBeUndefined();
    expect(
      parseSegmentKey(`${base}0000000000000001-0000000000000002.ndjson.gz.tmp`),
    ).toBeUndefined();
  });
});

describe('keyPrefixProblem', () => {
  it('accepts empty or slash-terminated safe parts', () => {
    expect(keyPrefixProblem('')).toBeUndefined();
    expect(keyPrefixProblem('runstream/')).toBeUndefined();
    expect(keyPrefixProblem('a.b/c_d-1/')).toBeUndefined();
    expect(keyPrefixProblem('runstream')).toBeDefined();
    expect(keyPrefixProblem('a//')).toBeDefined();
    expect(keyPrefixProblem('./')).toBeDefined();
    expect(keyPrefixProblem('a/../')).toBeDefined();
    expect(keyPrefixProblem(`${'a'.repeat(64)}/`)).toBeDefined();
  });
});
