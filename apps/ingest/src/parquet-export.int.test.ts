import { DuckDBInstance } from '@duckdb/node-api';
import { decodeValue, type SampleValue, type WireValue } from '@runstream/domain';
import { useFixture } from '@runstream/testkit';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { READ_TOKEN, startIngest } from './testing/ingest-harness';

// `npm run export` (apps/demo's export CLI, built) writes a run as Parquet;
// DuckDB, an independent reader, reads it back: every variable exactly seqs
// 1..N, each t and value as written (NaN, ±Infinity, -0 told apart; strings,
// booleans, null and arrays in v_text).

const CLI = join(__dirname, '..', '..', 'demo', 'dist', 'export-cli.js');

const h = useFixture(async () => {
  const ingest = await startIngest();
  const dir = mkdtempSync(join(tmpdir(), 'rs-parquet-'));
  return { ...ingest, dir, stop: async () => (rmSync(dir, { recursive: true }), ingest.stop()) };
});

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1e308, -5e-324];
const xOf = (i: number): number => (i < SPECIAL.length ? (SPECIAL[i] ?? 0) : Math.sin(i) * i);
const MIXED: SampleValue[] = ['text', true, false, null, [1, NaN, -0, Infinity], 2.5, ''];

describe('Parquet export', () => {
  it('writes every variable of a run, read back exactly by DuckDB', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    const { run } = await h.writer.createRun({ id: 'parquet-run' });
    const n = 250_000; // three row groups of x
    const p = h.producer(run.id, { minIntervalMs: 0 });
    for (let i = 0; i < n; i++) p.log('x', i * 0.001, xOf(i));
    MIXED.forEach((v, i) => p.log('mixed values', i, v));
    await p.flush();

    const file = join(h.dir, 'run.parquet');
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, run.id, '--out', file], {
      env: { PATH: process.env.PATH ?? '', RUNSTREAM_URL: h.baseUrl, RUNSTREAM_TOKEN: READ_TOKEN },
    });
    expect(JSON.parse(stdout)).toMatchObject({ rows: n + MIXED.length });

    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const read = async (variable: string) =>
      (
        await connection.runAndReadAll(
          `SELECT seq, t, v, v_text FROM read_parquet('${file}') WHERE variable = $1 ORDER BY seq`,
          [variable],
        )
      ).getRows();
    const x = await read('x');
    expect(x).toHaveLength(n);
    const problems: string[] = [];
    x.forEach(([seq, t, v, text], i) => {
      if (
        seq !== BigInt(i + 1) ||
        !Object.is(t, i * 0.001) ||
        !Object.is(v, xOf(i)) ||
        text !== null
      )
        problems.push(`x row ${i}: ${String(seq)} ${String(t)} ${String(v)} ${String(text)}`);
    });
    expect(problems.slice(0, 5)).toEqual([]);

    const mixed = await read('mixed values');
    expect(mixed.map(([seq]) => seq)).toEqual(MIXED.map((_, i) => BigInt(i + 1)));
    mixed.forEach(([, t, v, text], i) => {
      expect(t).toBe(i);
      const want = MIXED[i] ?? null;
      if (typeof want === 'number') expect([v, text]).toEqual([want, null]);
      else {
        expect(v).toBeNull();
        expect(decodeValue(JSON.parse(String(text)) as WireValue)).toEqual(want);
      }
    });
    const variables = await connection.runAndReadAll(
      `SELECT DISTINCT variable FROM read_parquet('${file}') ORDER BY variable`,
    );
    expect(variables.getRows()).toEqual([['mixed values'], ['x']]);
    connection.closeSync();
  });
});
