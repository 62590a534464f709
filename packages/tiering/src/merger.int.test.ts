import { formatChunk, type ColdStore } from '@runstream/cold-store';
import { parseIngestBatch, RunNotFoundError, type WireValue } from '@runstream/domain';
import { historyProblem, useFixture } from '@runstream/testkit';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Flusher } from './flusher';
import { Merger, type MergeOptions } from './merger';
import { RunCatalog } from './run-catalog';
import { TieredHistory } from './tiered-history';
import { expectMerged } from './testing/expect-merged';
import { startTieredStores } from './testing/tiered-stores';
import { writeSamples, writtenSample, type SampleValues } from './testing/write-samples';

const s = useFixture(() => startTieredStores());
let flusher: Flusher;
let merger: Merger;
beforeAll(() => {
  flusher = new Flusher(s.hot, s.cold);
  merger = new Merger(s.hot, s.cold, flusher);
});

const options: MergeOptions = { reason: 'requested', quiescenceMs: 50, concurrency: 4 };
const everything = { lowWater: 0, budgetBytes: 0, everything: true };

/** t = seq - 1, v = 2t, NaN where t is a multiple of 97. */
const MERGER_VALUES: SampleValues = (seq) => ((seq - 1) % 97 === 0 ? NaN : (seq - 1) * 2);
const expected = writtenSample(MERGER_VALUES);

/** `batches` more batches of `size` samples to each variable, after those it holds. */
async function write(
  run: string,
  variables: string[],
  batches: number,
  size: number,
): Promise<void> {
  const offset = await s.hot.reader.count(run, variables[0]!);
  await writeSamples(s.hot, run, variables, batches, size, offset, MERGER_VALUES);
}

describe('Merger', () => {
  it('folds 20 variables, several flushes and the buffer into one merged object each', async () => {
    const run = 'merge-20';
    const variables = Array.from({ length: 20 }, (_, i) => (i === 7 ? '../odd name %' : `v${i}`));
    await s.hot.runs.create({ id: run });
    for (let f = 0; f < 3; f++) {
      await write(run, variables, 5, 40);
      await flusher.flush(everything);
    }
    await write(run, variables, 2, 40); // 680 per variable; the last 80 still in Redis

    const report = await merger.merge(run, options);
    expect(report).toMatchObject({ outcome: 'merged', variables: 20, samples: 20 * 680 });
    expect(report.segments).toBeGreaterThanOrEqual(20 * 4);

    // t = 0 and t = 679 are NaN (multiples of 97): not counted in min/max.
    const manifest = await expectMerged(s.cold, run, variables, 680, { min: 2, max: 678 * 2 });
    expect(manifest?.run).toMatchObject({ id: run, status: 'completed', reason: 'requested' });
    expect(manifest?.run.samples).toBe(20 * 680);
    expect(manifest?.variables.map((v) => v.name).sort()).toEqual([...variables].sort());
    for (const name of variables) {
      expect(await s.hot.reader.headSeq(run, name)).toBeUndefined();
      expect(
        await historyProblem(name, s.history.chunks(run, name), 680, expected),
      ).toBeUndefined();
    }
    // Completed, Redis forgets the run: not a key of it is left; S3 is its record now.
    expect(await s.hot.redis.keys(`rs:{${run}}*`)).toEqual([]);
    expect(await s.hot.runs.ids()).not.toContain(run);
    expect(await new RunCatalog(s.hot, s.cold).run(run)).toMatchObject({ status: 'completed' });
    await expect(
      s.hot.writer.write(run, parseIngestBatch({ variables: { v0: { t: [1], v: [1] } } })),
    ).rejects.toThrow(RunNotFoundError);

    // Twice: the same end state, nothing written again.
    expect(await merger.merge(run, options)).toMatchObject({ outcome: 'already-completed' });
    expect(await s.cold.getManifest(run)).toEqual(manifest);
  });

  it('finishes a merge interrupted after an upload: no rewrite, same end state', async () => {
    const run = 'merge-crash';
    await s.hot.runs.create({ id: run });
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
    expect((await s.hot.runs.get(run))?.status).toBe('completing');
    const [first] = (await s.hot.reader.variables(run)).map((v) => v.name);
    const before = await s.cold.mergedInfo(run, first!);
    expect(before?.lastSeq).toBe(400);
    expect((await s.cold.listSegments(run, first!)).length).toBe(2);

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
    for (const name of ['a', 'b']) {
      expect(await s.cold.listSegments(run, name)).toEqual([]);
      expect(
        await historyProblem(name, s.history.chunks(run, name), 400, expected),
      ).toBeUndefined();
    }
  });

  it('trims segments that overlap what is merged already (a flush retried with other bounds)', async () => {
    const run = 'merge-overlap';
    await s.hot.runs.create({ id: run });
    await write(run, ['x'], 2, 10); // 1..20
    await flusher.flush(everything);
    await write(run, ['x'], 1, 10); // 21..30
    await flusher.flush(everything);
    // A segment 15..25 beside 1..20 and 21..30, holding the same samples.
    const t = Array.from({ length: 11 }, (_, i) => 14 + i);
    const v = t.map((x): WireValue => (x % 97 === 0 ? { $num: 'NaN' } : x * 2));
    await s.cold.putSegment(run, 'x', [formatChunk({ first: 15, t, v })], 15, 25);
    expect((await s.cold.listSegments(run, 'x')).map((seg) => [seg.first, seg.last])).toEqual([
      [1, 20],
      [15, 25],
      [21, 30],
    ]);
    await merger.merge(run, options);
    expect(await s.cold.listSegments(run, 'x')).toEqual([]);
    let next = 1;
    for await (const chunk of s.cold.readObject(s.cold.keys.merged(run, 'x'))) {
      expect(chunk.first).toBe(next);
      next += chunk.t.length;
    }
    expect(next).toBe(31);
    expect(await historyProblem('x', s.history.chunks(run, 'x'), 30, expected)).toBeUndefined();
  });

  it('fails without replacing anything when S3 lacks seqs the run has', async () => {
    const run = 'merge-gap';
    await s.hot.runs.create({ id: run });
    await write(run, ['x'], 2, 10);
    await flusher.flush(everything);
    await write(run, ['x'], 2, 10);
    await flusher.flush(everything);
    const [lost] = await s.cold.listSegments(run, 'x');
    await s.cold.deleteObjects([lost!.key]);
    await expect(merger.merge(run, options)).rejects.toThrow(/seqs 1\.\.20 are in no segment/);
    expect(await s.cold.mergedInfo(run, 'x')).toBeUndefined();
    expect(await s.cold.listSegments(run, 'x')).toHaveLength(1);
    expect(await s.cold.getManifest(run)).toBeUndefined();
    expect((await s.hot.runs.get(run))?.status).toBe('completing');
  });

  it('serves a completed run from S3 alone once Redis has forgotten it', async () => {
    const run = 'merge-forgotten';
    await s.hot.runs.create({ id: run, meta: { model: 'lorenz' } });
    await write(run, ['x', 'y z'], 6, 30);
    await flusher.flush(everything);
    await write(run, ['x', 'y z'], 1, 30);
    await merger.merge(run, { ...options, reason: 'idle' });
    await s.hot.redis.flushall();

    const catalog = new RunCatalog(s.hot, s.cold);
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
    const history = new TieredHistory(s.hot, s.cold, catalog);
    expect(await historyProblem('x', history.chunks(run, 'x'), 210, expected)).toBeUndefined();
    expect(await historyProblem('y z', history.chunks(run, 'y z'), 210, expected)).toBeUndefined();
    // A merge asked again (a stale job) finds the manifest and changes nothing.
    expect(await merger.merge(run, options)).toMatchObject({ outcome: 'already-completed' });
    expect(await merger.merge('never-was', options)).toMatchObject({ outcome: 'unknown-run' });
  });

  it('waits for the run to be quiet before flushing it', async () => {
    const run = 'merge-quiet';
    await s.hot.runs.create({ id: run });
    await write(run, ['x'], 1, 5);
    const report = await merger.merge(run, { ...options, quiescenceMs: 300 });
    expect(report.quietWaitMs).toBeGreaterThanOrEqual(300);
    expect(report.samples).toBe(5);
  });

  it.each([0, 20, 80])(
    'two merges of one run at once (the second %i ms later) leave it exact and completed once',
    async (lagMs) => {
      const run = `merge-twice-${lagMs}`;
      const variables = ['a', 'b', 'c d', 'e'];
      await s.hot.runs.create({ id: run });
      for (let f = 0; f < 3; f++) {
        await write(run, variables, 3, 200);
        await flusher.flush(everything);
      }
      await write(run, variables, 2, 100); // 2000 per variable; the last 200 in Redis
      const n = 2000;
      // Two workers: each its own Flusher and Merger, as two processes would
      // have; every manifest either writes is noted.
      const written: unknown[] = [];
      const noting = (): ColdStore => {
        const cold = Object.create(s.cold) as ColdStore;
        cold.putManifest = async (manifest) => {
          written.push(structuredClone(manifest));
          await s.cold.putManifest(manifest);
        };
        return cold;
      };
      const one = new Merger(s.hot, noting(), new Flusher(s.hot, s.cold));
      const other = new Merger(s.hot, noting(), new Flusher(s.hot, s.cold));
      const settled = await Promise.allSettled([
        one.merge(run, { ...options, concurrency: 2 }),
        new Promise((r) => setTimeout(r, lagMs)).then(() =>
          other.merge(run, { ...options, concurrency: 1 }),
        ),
      ]);
      // A merge that lost a race may fail (BullMQ retries it): its retry changes nothing.
      const outcomes: string[] = [];
      for (const result of settled) {
        if (result.status === 'fulfilled') outcomes.push(result.value.outcome);
        else outcomes.push((await one.merge(run, options)).outcome);
      }
      expect(outcomes).toContain('merged');
      for (const outcome of outcomes) expect(['merged', 'already-completed']).toContain(outcome);

      const manifest = await expectMerged(s.cold, run, variables, n);
      expect(manifest?.run).toMatchObject({ status: 'completed', samples: 4 * n });
      for (const name of variables)
        expect(
          await historyProblem(name, s.history.chunks(run, name), n, expected),
        ).toBeUndefined();
      expect(await s.hot.redis.keys(`rs:{${run}}*`)).toEqual([]);
      // Completed once: another merge finds it so and changes nothing.
      expect(await merger.merge(run, options)).toMatchObject({ outcome: 'already-completed' });
      expect(await s.cold.getManifest(run)).toEqual(manifest);
      // Completed once: whichever merges wrote the manifest wrote the same one.
      expect(written.length).toBeGreaterThanOrEqual(1);
      for (const m of written) expect(m).toEqual(manifest);
    },
  );

  it('merges every other variable and completes the run when one variable has a damaged segment', async () => {
    const run = 'merge-damaged';
    await s.hot.runs.create({ id: run });
    await write(run, ['ok', 'bad'], 3, 50);
    await flusher.flush(everything); // 1..150: the segment damaged below
    await write(run, ['ok', 'bad'], 2, 50);
    await flusher.flush(everything); // 151..250
    await write(run, ['ok', 'bad'], 1, 50); // 251..300 still in Redis
    const [damaged] = await s.cold.listSegments(run, 'bad');
    expect(damaged).toMatchObject({ first: 1, last: 150 });
    // Garbage in place of the object, as a disk or a buggy writer would leave it.
    const file = join(s.s3.directory, s.cold.bucket, `${damaged!.key}._S3rver_object`);
    await writeFile(file, 'garbage');
    await rm(`${file}.md5`, { force: true });

    const report = await merger.merge(run, options);
    expect(report).toMatchObject({
      outcome: 'merged',
      variables: 2,
      samples: 300,
      damaged: [{ variable: 'bad', objects: [damaged!.key] }],
    });
    // The run is completed and Redis has forgotten it; the manifest names the damage.
    expect(await s.hot.redis.keys(`rs:{${run}}*`)).toEqual([]);
    const manifest = await s.cold.getManifest(run);
    expect(manifest?.run.status).toBe('completed');
    const entry = (name: string) => manifest?.variables.find((v) => v.name === name);
    expect(entry('ok')?.damagedObjects).toBeUndefined();
    expect(entry('bad')).toMatchObject({ count: 300, damagedObjects: [damaged!.key] });
    // The run's Parquet file holds the whole variable alone, and says what it leaves out.
    expect(manifest?.parquet).toMatchObject({
      object: s.cold.keys.parquet(run),
      rows: 300,
      omitted: ['bad'],
    });
    expect((await s.cold.head(s.cold.keys.parquet(run)))?.size).toBe(manifest?.parquet?.bytes);
    const catalog = new RunCatalog(s.hot, s.cold);
    const stats = await catalog.variables(run);
    expect(stats?.find((v) => v.name === 'bad')).toMatchObject({ damaged: true, count: 300 });
    expect(stats?.find((v) => v.name === 'ok')).not.toHaveProperty('damaged');
    expect(JSON.stringify(stats)).not.toContain(damaged!.key);

    // The other variable is merged whole; the damaged one keeps its segments, and what reads is served.
    expect(await historyProblem('ok', s.history.chunks(run, 'ok'), 300, expected)).toBeUndefined();
    expect(await s.cold.listSegments(run, 'ok')).toEqual([]);
    expect((await s.cold.listSegments(run, 'bad')).map((x) => [x.first, x.last])).toEqual([
      [1, 150],
      [151, 250],
      [251, 300],
    ]);
    const rest: number[] = [];
    for await (const chunk of new TieredHistory(s.hot, s.cold, catalog).chunks(run, 'bad', 151))
      chunk.t.forEach((t, i) => {
        expect(t).toBe(chunk.first + i - 1);
        rest.push(chunk.first + i);
      });
    expect(rest).toEqual(Array.from({ length: 150 }, (_, i) => 151 + i));

    // Done: a merge again finds it completed.
    expect(await merger.merge(run, options)).toMatchObject({ outcome: 'already-completed' });
  }, 60_000);
});
