import { hasIndex, type ColdStore, type SegmentInfo } from '@runstream/cold-store';
import { randomInt, seededRandom } from '@runstream/domain/testing';
import { seqCoverageProblem } from '@runstream/testkit';
import type { Compactor, CompactOptions, CompactPoint } from './compactor';
import type { Flusher } from './flusher';
import type { Merger, MergeOptions } from './merger';
import { segmentChain } from './segment-chain';
import { pieceTableProblem } from './testing/piece-table-check';
import { pyramidProblem, storedPyramid } from './testing/pyramid-check';
import type { RecordedVariable } from './testing/recorded-variable';
import { TieringStores } from './testing/tiering-stores';
import type { TieredHistory } from './tiered-history';

// Compaction of a running variable's segments against a real Redis and
// s3rver: few segments however many flushes, exact reads during and after
// it, crash points finished by the next compaction, and a merge beside or
// after it that loses nothing.

let stores: TieringStores;
let cold: ColdStore;
let flusher: Flusher;
let merger: Merger;
let compactor: Compactor;
let history: TieredHistory;

beforeAll(async () => {
  stores = await TieringStores.start();
  ({ cold, flusher, merger, compactor, history } = stores);
});
afterAll(() => stores?.stop());

const everything = { lowWater: 0, budgetBytes: 0, everything: true };
const mergeOptions: MergeOptions = { reason: 'requested', quiescenceMs: 0, concurrency: 2 };
const defaults: CompactOptions = { fanIn: 8, maxSegments: 16 };
const variable = (run: string, seed: number): Promise<RecordedVariable> =>
  stores.variable(run, seed);
const flushed = async (v: RecordedVariable, samples: number): Promise<void> => {
  await stores.flushed(v, samples, 400);
};
const segments = (v: RecordedVariable): Promise<SegmentInfo[]> => stores.segments(v);

/** Undefined when every indexed segment's piece table and pyramid are exact. */
async function segmentsProblem(v: RecordedVariable): Promise<string | undefined> {
  for (const s of await segments(v)) {
    if (!hasIndex(s)) continue;
    const problem =
      (await pieceTableProblem(cold, s)) ??
      pyramidProblem((await storedPyramid(cold, s)) ?? [], v.data, s.first, s.last);
    if (problem !== undefined) return `${s.key}: ${problem}`;
  }
  return undefined;
}

/** A promise with its resolve, to hold a job at a probe point until the test lets it go. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('Compactor', () => {
  it('keeps a variable at few segments over 200 flushes, every read exact', async () => {
    const v = await variable('cp-many', 21);
    const rand = seededRandom(22);
    let most = 0;
    let compactions = 0;
    for (let f = 0; f < 200; f++) {
      await flushed(v, randomInt(rand, 50, 2500));
      if ((await segments(v)).length > defaults.maxSegments) {
        const report = await compactor.compact(v.run, defaults);
        expect(report).toMatchObject({ outcome: 'compacted', variables: 1, covered: 0 });
        compactions++;
      }
      most = Math.max(most, (await segments(v)).length);
      if (f % 50 === 49)
        expect(await v.historyProblem(history, randomInt(rand, 1, v.count))).toBeUndefined();
    }
    expect(compactions).toBeGreaterThan(5);
    // At most maxSegments after a compaction, one more before it.
    expect(most).toBeLessThanOrEqual(defaults.maxSegments + 1);
    const chain = segmentChain(await segments(v));
    expect(chain.covered).toEqual([]);
    expect(chain.chain.map((s) => [s.first, s.last])).toEqual(
      chain.chain.map((s, i) => [i === 0 ? 1 : chain.chain[i - 1]!.last + 1, s.last]),
    );
    expect(await v.historyProblem(history)).toBeUndefined();
    expect(await segmentsProblem(v)).toBeUndefined();

    // The merge of a compacted variable: one exact merged object, every segment gone.
    await merger.merge(v.run, mergeOptions);
    expect(await segments(v)).toEqual([]);
    const info = await cold.mergedInfo(v.run, v.name);
    const merged = { key: info!.key, size: info!.size, first: 1, last: v.count };
    expect(await pieceTableProblem(cold, merged)).toBeUndefined();
    expect(
      pyramidProblem((await storedPyramid(cold, merged))!, v.data, 1, v.count),
    ).toBeUndefined();
    expect(await v.historyProblem(history)).toBeUndefined();
  }, 240_000); // 200 flushes and their compactions: about 40 s on an idle 2-core machine

  it('gives readers exactly 1..N while writes, flushes and compactions run', async () => {
    const run = 'cp-readers';
    const v = await variable(run, 23);
    let done = false;
    const writer = (async () => {
      for (let b = 0; b < 300; b++) await v.write(60, 60);
      done = true;
    })();
    const flushing = (async () => {
      while (!done) await flusher.flush({ ...everything, run });
    })();
    let written = 0;
    const compacting = (async () => {
      while (!done) written += (await compactor.compact(run, { fanIn: 3, maxSegments: 4 })).written;
    })();
    let reads = 0;
    while (!done) {
      const before = v.count;
      const seqs: number[] = [];
      for await (const c of history.chunks(run, v.name))
        c.t.forEach((_, i) => seqs.push(c.first + i));
      expect(seqs.length).toBeGreaterThanOrEqual(before);
      expect(seqCoverageProblem(seqs, seqs.length)).toBeUndefined();
      reads++;
    }
    await Promise.all([writer, flushing, compacting]);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(written).toBeGreaterThanOrEqual(2); // compactions really overlapped the reads
    await flusher.flush({ ...everything, run });
    await compactor.compact(run, { fanIn: 3, maxSegments: 4 });
    expect(await v.historyProblem(history)).toBeUndefined();
    expect(await segmentsProblem(v)).toBeUndefined();
  });

  describe.each<CompactPoint>(['mid-upload', 'after-upload', 'mid-delete'])(
    'cut off at %s',
    (point) => {
      it('leaves every read exact; the next compaction finishes it', async () => {
        const v = await variable(`cp-cut-${point}`, 24);
        for (let f = 0; f < 8; f++) await flushed(v, 3000);
        const crash = new Error(`crash at ${point}`);
        await expect(
          compactor.compact(v.run, {
            ...defaults,
            probe: (p) => {
              if (p === point) throw crash;
            },
          }),
        ).rejects.toBe(crash);
        const left = segmentChain(await segments(v));
        if (point === 'mid-upload') expect(left).toMatchObject({ covered: [] });
        else {
          // The output (1..24000) is listed beside what is left of its inputs.
          expect(left.chain.map((s) => [s.first, s.last])).toEqual([[1, 24_000]]);
          expect(left.covered).toHaveLength(point === 'after-upload' ? 8 : 4);
        }
        expect(await v.historyProblem(history)).toBeUndefined();
        expect(await v.historyProblem(history, 9_999)).toBeUndefined();

        const report = await compactor.compact(v.run, defaults);
        expect(report.covered).toBe(left.covered.length);
        expect((await segments(v)).map((s) => [s.first, s.last])).toEqual([[1, 24_000]]);
        expect(await v.historyProblem(history)).toBeUndefined();
        expect(await segmentsProblem(v)).toBeUndefined();
      });
    },
  );

  describe('beside a merge', () => {
    it.each<CompactPoint>(['mid-upload', 'after-upload'])(
      'held at %s while the merge runs, loses nothing',
      async (point) => {
        const v = await variable(`cp-merge-${point}`, 25);
        for (let f = 0; f < 8; f++) await flushed(v, 2500);
        await v.write(700); // in Redis: the merge flushes it
        const held = gate();
        const reached = gate();
        const compaction = compactor.compact(v.run, {
          ...defaults,
          probe: async (p) => {
            if (p !== point) return;
            reached.open();
            await held.opened;
          },
        });
        await reached.opened;
        await merger.merge(v.run, mergeOptions);
        held.open();
        // Held before its output was complete, it finds its inputs gone; after, it has nothing left to do.
        const outcome = await compaction.then(
          () => 'done',
          () => 'failed',
        );
        expect(outcome).toBe(point === 'mid-upload' ? 'failed' : 'done');
        expect(await segments(v)).toEqual([]);
        const manifest = await cold.getManifest(v.run);
        const entry = manifest?.variables.find((m) => m.name === v.name);
        expect(entry?.count).toBe(v.count);
        const merged = { key: entry!.object, size: entry!.bytes, first: 1, last: v.count };
        expect(await pieceTableProblem(cold, merged)).toBeUndefined();
        expect(await v.historyProblem(history)).toBeUndefined();
        // Completing, the run is not compacted any more.
        expect(await compactor.compact(v.run, defaults)).toMatchObject({ outcome: 'not-running' });
      },
    );
  });
});
