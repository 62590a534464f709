import { ColdStore, formatChunk } from '@runstream/cold-store';
import { parseIngestBatch, RunNotFoundError, type WireValue } from '@runstream/domain';
import { HotStore } from '@runstream/hot-store';
import {
  seqCoverageProblem,
  startRedis,
  startS3Server,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { Flusher } from './flusher';
import { Merger, type MergeOptions } from './merger';
import { RunCatalog } from './run-catalog';
import { TieredHistory } from './tiered-history';

let redis: RunningRedis;
let s3: RunningS3Server;
let hot: HotStore;
let cold: ColdStore;
let flusher: Flusher;
let merger: Merger;

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  hot = HotStore.connect(redis.url);
  cold = new ColdStore(s3.connection);
  flusher = new Flusher(hot, cold);
  merger = new Merger(hot, cold, flusher);
});
afterAll(async () => {
  cold.close();
  await hot.close();
  await Promise.all([redis.stop(), s3.dispose()]);
});

const options: MergeOptions = { reason: 'requested', quiescenceMs: 50, concurrency: 4 };
const everything = { lowWater: 0, budgetBytes: 0, everything: true };

/** `batches` batches of `size` samples to each variable; t = seq - 1, v = 2t (or NaN every 97th). */
async function write(
  run: string,
  variables: string[],
  batches: number,
  size: number,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const series: Record<string, { t: number[]; v: unknown[] }> = {};
    for (const name of variables) {
      const first = await hot.reader.count(run, name);
      const t = Array.from({ length: size }, (_, i) => first + i);
      series[name] = { t, v: t.map((x) => (x % 97 === 0 ? { $num: 'NaN' } : x * 2)) };
    }
    await hot.writer.write(run, parseIngestBatch({ variables: series }));
  }
}

/** Checks a variable's history reads exactly 1..n with its own t and v. */
async function historyProblem(
  history: TieredHistory,
  run: string,
  variable: string,
  n: number,
): Promise<string | undefined> {
  const seqs: number[] = [];
  for await (const c of history.chunks(run, variable)) {
    for (const [i, t] of c.t.entries()) {
      const seq = c.first + i;
      const v = t % 97 === 0 ? { $num: 'NaN' } : t * 2;
      if (t !== seq - 1 || JSON.stringify(c.v[i]) !== JSON.stringify(v))
        return `${variable} seq ${seq}: t=${t} v=${JSON.stringify(c.v[i])}`;
      seqs.push(seq);
    }
  }
  return seqCoverageProblem(seqs, n);
}

describe('Merger', () => {
  it('folds 20 variables, several flushes and the buffer into one merged object each', async () => {
    const run = 'merge-20';
    const variables = Array.from({ length: 20 }, (_, i) => (i === 7 ? '../odd name %' : `v${i}`));
    await hot.runs.create({ id: run });
    for (let f = 0; f < 3; f++) {
      await write(run, variables, 5, 40);
      await flusher.flush(everything);
    }
    await write(run, variables, 2, 40); // 680 per variable; the last 80 still in Redis

    const report = await merger.merge(run, options);
    expect(report).toMatchObject({ outcome: 'merged', variables: 20, samples: 20 * 680 });
    expect(report.segments).toBeGreaterThanOrEqual(20 * 4);

    const manifest = await cold.getManifest(run);
    expect(manifest?.run).toMatchObject({ id: run, status: 'completed', reason: 'requested' });
    expect(manifest?.run.samples).toBe(20 * 680);
    expect(manifest?.variables.map((v) => v.name).sort()).toEqual([...variables].sort());
    const history = new TieredHistory(hot, cold);
    for (const name of variables) {
      expect(await cold.listSegments(run, name)).toEqual([]);
      const info = await cold.mergedInfo(run, name);
      expect(info?.lastSeq).toBe(680);
      expect(manifest?.variables.find((v) => v.name === name)).toMatchObject({
        count: 680,
        object: info?.key,
        bytes: info?.size,
        // t = 0 and t = 679 are NaN (multiples of 97): not counted in min/max.
        min: 2,
        max: 678 * 2,
      });
      expect(await hot.reader.headSeq(run, name)).toBeUndefined();
      expect(await historyProblem(history, run, name, 680)).toBeUndefined();
    }
    // Completed, Redis forgets the run: not a key of it is left; S3 is its record now.
    expect(await hot.redis.keys(`rs:{${run}}*`)).toEqual([]);
    expect(await hot.runs.ids()).not.toContain(run);
    expect(await new RunCatalog(hot, cold).run(run)).toMatchObject({ status: 'completed' });
    await expect(
      hot.writer.write(run, parseIngestBatch({ variables: { v0: { t: [1], v: [1] } } })),
    ).rejects.toThrow(RunNotFoundError);

    // Twice: the same end state, nothing written again.
    expect(await merger.merge(run, options)).toMatchObject({ outcome: 'already-completed' });
    expect(await cold.getManifest(run)).toEqual(manifest);
  });

  it('finishes a merge interrupted after an upload: no rewrite, same end state', async () => {
    const run = 'merge-crash';
    await hot.runs.create({ id: run });
    await write(run, ['a', 'b'], 4, 50);
    await flusher.flush(everything);
    await write(run, ['a', 'b'], 4, 50);
    await flusher.flush(everything);

    const crash = new Error('crash after the first upload');
    await expect(
      merger.merge(run, {
        ...options,
        concurrency: 1,
        probe: (point) => {
          if (point === 'after-upload') throw crash;
        },
      }),
    ).rejects.toBe(crash);
    // The merged object exists, the segments it covers are still there, the run is still completing.
    expect((await hot.runs.get(run))?.status).toBe('completing');
    const [first] = (await hot.reader.variables(run)).map((v) => v.name);
    const before = await cold.mergedInfo(run, first!);
    expect(before?.lastSeq).toBe(400);
    expect((await cold.listSegments(run, first!)).length).toBe(2);

    const points: string[] = [];
    const report = await merger.merge(run, {
      ...options,
      probe: (p, v) => void points.push(`${p}:${v}`),
    });
    expect(report.outcome).toBe('merged');
    // The variable merged before the crash is not uploaded again.
    expect(points.filter((p) => p.startsWith('after-upload'))).toEqual([
      `after-upload:${first === 'a' ? 'b' : 'a'}`,
    ]);
    const history = new TieredHistory(hot, cold);
    for (const name of ['a', 'b']) {
      expect(await cold.listSegments(run, name)).toEqual([]);
      expect(await historyProblem(history, run, name, 400)).toBeUndefined();
    }
  });

  it('trims segments that overlap what is merged already (a flush retried with other bounds)', async () => {
    const run = 'merge-overlap';
    await hot.runs.create({ id: run });
    await write(run, ['x'], 2, 10); // 1..20
    await flusher.flush(everything);
    await write(run, ['x'], 1, 10); // 21..30
    await flusher.flush(everything);
    // A segment 15..25 beside 1..20 and 21..30, holding the same samples.
    const t = Array.from({ length: 11 }, (_, i) => 14 + i);
    const v = t.map((x): WireValue => (x % 97 === 0 ? { $num: 'NaN' } : x * 2));
    await cold.putSegment(run, 'x', [formatChunk({ first: 15, t, v })], 15, 25);
    expect((await cold.listSegments(run, 'x')).map((s) => [s.first, s.last])).toEqual([
      [1, 20],
      [15, 25],
      [21, 30],
    ]);
    await merger.merge(run, options);
    expect(await cold.listSegments(run, 'x')).toEqual([]);
    let next = 1;
    for await (const chunk of cold.readObject(cold.keys.merged(run, 'x'))) {
      expect(chunk.first).toBe(next);
      next += chunk.t.length;
    }
    expect(next).toBe(31);
    expect(await historyProblem(new TieredHistory(hot, cold), run, 'x', 30)).toBeUndefined();
  });

  it('fails without replacing anything when S3 lacks seqs the run has', async () => {
    const run = 'merge-gap';
    await hot.runs.create({ id: run });
    await write(run, ['x'], 2, 10);
    await flusher.flush(everything);
    await write(run, ['x'], 2, 10);
    await flusher.flush(everything);
    const [lost] = await cold.listSegments(run, 'x');
    await cold.deleteObjects([lost!.key]);
    await expect(merger.merge(run, options)).rejects.toThrow(/seqs 1\.\.20 are in no segment/);
    expect(await cold.mergedInfo(run, 'x')).toBeUndefined();
    expect(await cold.listSegments(run, 'x')).toHaveLength(1);
    expect(await cold.getManifest(run)).toBeUndefined();
    expect((await hot.runs.get(run))?.status).toBe('completing');
  });

  it('serves a completed run from S3 alone once Redis has forgotten it', async () => {
    const run = 'merge-forgotten';
    await hot.runs.create({ id: run, meta: { model: 'lorenz' } });
    await write(run, ['x', 'y z'], 6, 30);
    await flusher.flush(everything);
    await write(run, ['x', 'y z'], 1, 30);
    await merger.merge(run, { ...options, reason: 'idle' });
    await hot.redis.flushall();

    const catalog = new RunCatalog(hot, cold);
    expect(await catalog.run(run)).toMatchObject({
      id: run,
      status: 'completed',
      reason: 'idle',
      samples: 420,
      meta: { model: 'lorenz' },
    });
    expect((await catalog.list({ limit: 100 })).map((r) => r.id)).toContain(run);
    expect((await catalog.list({ status: 'running', limit: 100 })).map((r) => r.id)).not.toContain(
      run,
    );
    expect((await catalog.variables(run))?.map((v) => [v.name, v.count])).toEqual([
      ['x', 210],
      ['y z', 210],
    ]);
    const history = new TieredHistory(hot, cold, catalog);
    expect(await historyProblem(history, run, 'x', 210)).toBeUndefined();
    expect(await historyProblem(history, run, 'y z', 210)).toBeUndefined();
    // A merge asked again (a stale job) finds the manifest and changes nothing.
    expect(await merger.merge(run, options)).toMatchObject({ outcome: 'already-completed' });
    expect(await merger.merge('never-was', options)).toMatchObject({ outcome: 'unknown-run' });
  });

  it('waits for the run to be quiet before flushing it', async () => {
    const run = 'merge-quiet';
    await hot.runs.create({ id: run });
    await write(run, ['x'], 1, 5);
    const report = await merger.merge(run, { ...options, quiescenceMs: 300 });
    expect(report.quietWaitMs).toBeGreaterThanOrEqual(300);
    expect(report.samples).toBe(5);
  });
});
