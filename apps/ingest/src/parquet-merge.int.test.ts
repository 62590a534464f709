import type { SampleValue } from '@runstream/domain';
import { useFixture } from '@runstream/testkit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READ_TOKEN } from './testing/ingest-harness';
import { parquetHistoryProblems } from './testing/parquet-history';
import { parquetLayout } from './testing/parquet-layout';
import { startTieredIngest } from './testing/tiered-ingest';
import { waitForCompleted } from './testing/wait-for-completed';

// The merge writes a completed run's Parquet file; GET /v1/runs/:run/parquet
// serves it; DuckDB reads it back equal to the run's history, seqs 1..N.

const h = useFixture(async () => {
  const ingest = await startTieredIngest({
    tieredCatalog: true,
    worker: {
      WORKER_QUEUES: 'flush,merge,observe',
      MERGE_QUIESCENCE_MS: '200',
      OBSERVER_INTERVAL_MS: '600000',
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'rs-parquet-merge-'));
  return { ...ingest, dir, stop: async () => (rmSync(dir, { recursive: true }), ingest.stop()) };
});

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1e308, -5e-324];
const xOf = (i: number): number => (i < SPECIAL.length ? (SPECIAL[i] ?? 0) : Math.sin(i) * i);
const MIXED: SampleValue[] = ['text', true, false, null, [1, NaN, -0, Infinity], 2.5, '', NaN];

const download = (run: string, token = READ_TOKEN): Promise<Response> =>
  fetch(`${h.baseUrl}/v1/runs/${run}/parquet`, { headers: { authorization: `Bearer ${token}` } });

describe('the Parquet file of a merged run', () => {
  it('is served once the merge wrote it, and equals the history exactly', async () => {
    const { run } = await h.writer.createRun({ id: 'parquet-merged' });
    const n = 120_000; // two row groups of x
    const p = h.producer(run.id, { minIntervalMs: 0 });
    for (let i = 0; i < n; i++) p.log('x', i * 0.001, xOf(i));
    MIXED.forEach((v, i) => p.log('mixed values', i, v));
    for (let i = 0; i < 300; i++) p.log('arrays', i, [i, -i, i / 3]);
    await p.flush();

    const early = await download(run.id);
    expect(early.status).toBe(404);
    expect(await early.json()).toMatchObject({ error: { code: 'parquet_not_found' } });
    expect((await download(run.id, 'not-a-token')).status).toBe(401);
    expect((await download('no-such-run')).status).toBe(404);

    await p.complete();
    await waitForCompleted(h.reader, run.id);
    const response = await download(run.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/vnd.apache.parquet');
    const file = join(h.dir, 'run.parquet');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));

    const variables = ['arrays', 'mixed values', 'x'];
    const read = await parquetHistoryProblems(file, h.reader, run.id, variables);
    expect(read.problems).toEqual([]);
    expect(read.variables).toEqual(variables);
    expect(read.rows).toBe(n + MIXED.length + 300);
    const manifest = await h.cold.getManifest(run.id);
    expect(manifest?.parquet).toMatchObject({ rows: n + MIXED.length + 300 });
    expect(manifest?.parquet).not.toHaveProperty('omitted');

    // zstd pages; doubles byte-stream-split, seqs delta-packed (README, "Parquet").
    const layout = await parquetLayout(file);
    expect(Object.keys(layout).sort()).toEqual(['seq', 't', 'v', 'v_text', 'variable']);
    for (const column of Object.values(layout)) expect(column.compression).toEqual(['ZSTD']);
    expect(layout['t']?.encodings).toEqual(['BYTE_STREAM_SPLIT']);
    expect(layout['v']?.encodings).toEqual(['BYTE_STREAM_SPLIT']);
    expect(layout['seq']?.encodings).toEqual(['DELTA_BINARY_PACKED']);
  });
});
