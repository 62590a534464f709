import { Readable } from 'node:stream';
import {
  encodeSegment,
  hasIndex,
  type ColdStore,
  type DataObject,
  type SegmentInfo,
} from '@runstream/cold-store';
import type { Merger, MergeOptions } from './merger';
import { joinedMembers, ObjectChangedError, planJoin } from './object-join';
import { pieceTableProblem } from './testing/piece-table-check';
import { pyramidProblem, storedPyramid } from './testing/pyramid-check';
import type { RecordedVariable } from './testing/recorded-variable';
import { TieringStores } from './testing/tiering-stores';
import type { TieredHistory } from './tiered-history';

// What a flush and a merge write beside their data objects: piece tables
// that cover each object exactly, and bucket pyramids equal to a
// brute-force computation over the samples, whatever kinds of objects the
// merge starts from.

let stores: TieringStores;
let cold: ColdStore;
let merger: Merger;
let history: TieredHistory;

beforeAll(async () => {
  stores = await TieringStores.start();
  ({ cold, merger, history } = stores);
});
afterAll(() => stores?.stop());

const options: MergeOptions = { reason: 'requested', quiescenceMs: 0, concurrency: 2 };
const variable = (run: string, seed: number): Promise<RecordedVariable> =>
  stores.variable(run, seed);
const flushed = (v: RecordedVariable, samples: number): Promise<SegmentInfo> =>
  stores.flushed(v, samples);

function members(bodies: Buffer[]): AsyncIterable<Uint8Array> {
  return Readable.from(bodies);
}

async function stored(key: string): Promise<Buffer> {
  const blocks: Uint8Array[] = [];
  for await (const block of cold.readObjectBytes(key)) blocks.push(block);
  return Buffer.concat(blocks);
}

/** The merged object of a completed variable, as a reader knows it from the manifest. */
async function mergedObject(v: RecordedVariable): Promise<DataObject> {
  const manifest = await cold.getManifest(v.run);
  const entry = manifest?.variables.find((m) => m.name === v.name);
  if (entry === undefined) throw new Error(`${v.run}: no manifest entry for ${v.name}`);
  return { key: entry.object, size: entry.bytes, first: 1, last: entry.count };
}

describe('a flush', () => {
  it('writes beside a large segment an index whose pyramid is the brute-force one', async () => {
    const v = await variable('ix-flush', 1);
    await v.write(300); // a small segment first: the large one starts mid-cell
    await stores.flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run: v.run });
    const small = (await cold.listSegments(v.run, v.name))[0]!;
    expect(hasIndex(small)).toBe(false);
    expect(await cold.head(cold.keys.indexOf(small.key))).toBeUndefined();

    const segment = await flushed(v, 70_000);
    expect(hasIndex(segment)).toBe(true);
    expect(await pieceTableProblem(cold, segment)).toBeUndefined();
    const levels = await storedPyramid(cold, segment);
    expect(levels?.map((l) => l.shift)).toEqual([8, 10, 12, 14, 16, 18]);
    expect(pyramidProblem(levels!, v.data, segment.first, segment.last)).toBeUndefined();
    expect(await v.historyProblem(history)).toBeUndefined();
  });
});

describe('a merge', () => {
  it('joins indexed, small and legacy segments into one object with an exact index', async () => {
    const v = await variable('ix-merge', 2);
    const indexed = [await flushed(v, 20_000), await flushed(v, 25_000)];
    const small = [await flushed(v, 500), await flushed(v, 700)];
    // A segment as a version before pieces wrote it: one gzip member, no index.
    const replaced = await flushed(v, 30_000);
    const texts: string[] = [];
    for await (const line of cold.readObjectLines(replaced.key)) texts.push(line);
    await cold.deleteDataObjects([replaced.key]);
    const legacyBody = await encodeSegment(texts);
    const legacy = await cold.putJoinedSegment(
      v.run,
      v.name,
      replaced.first,
      replaced.last,
      members([legacyBody]),
    );
    expect(await cold.objects.index(legacy)).toBeUndefined();
    await flushed(v, 1_000);
    await v.write(800); // left in Redis: the merge flushes it
    const copied = Buffer.concat(
      await Promise.all([...indexed, ...small].map((s) => stored(s.key))),
    );

    const report = await merger.merge(v.run, options);
    expect(report).toMatchObject({ outcome: 'merged', samples: v.count, segments: 7 });
    expect(await cold.listSegments(v.run, v.name)).toEqual([]);
    const merged = await mergedObject(v);
    expect(merged.last).toBe(v.count);
    expect(await pieceTableProblem(cold, merged)).toBeUndefined();
    const levels = await storedPyramid(cold, merged);
    expect(pyramidProblem(levels!, v.data, 1, v.count)).toBeUndefined();
    expect(await v.historyProblem(history)).toBeUndefined();
    expect(await v.historyProblem(history, 44_321)).toBeUndefined();

    // Copied, not decoded: the indexed and small segments' bytes open it, as stored.
    const bytes = await stored(merged.key);
    expect(bytes.subarray(0, copied.length).equals(copied)).toBe(true);
  });

  it('writes the index of a complete merged object that has none (written before indexes)', async () => {
    const v = await variable('ix-legacy-merged', 3);
    await flushed(v, 30_000);
    await flushed(v, 10_000);
    const crash = new Error('crash after the upload');
    await expect(
      merger.merge(v.run, {
        ...options,
        probe: (point) => {
          if (point === 'after-upload') throw crash;
        },
      }),
    ).rejects.toBe(crash);
    // As a version before indexes left it: complete, one gzip member, no index.
    const key = cold.keys.merged(v.run, v.name);
    const texts: string[] = [];
    for await (const line of cold.readObjectLines(key)) texts.push(line);
    await cold.deleteDataObjects([key]);
    const body = await encodeSegment(texts);
    const legacy = await cold.putMerged(v.run, v.name, members([body]), v.count);
    expect(legacy.lastSeq).toBe(v.count);
    expect(
      await cold.objects.index({ key, size: legacy.size, first: 1, last: v.count }),
    ).toBeUndefined();

    await merger.merge(v.run, options);
    const merged = await mergedObject(v);
    expect(merged.size).not.toBe(legacy.size);
    expect(await pieceTableProblem(cold, merged)).toBeUndefined();
    expect(
      pyramidProblem((await storedPyramid(cold, merged))!, v.data, 1, v.count),
    ).toBeUndefined();
    expect(await v.historyProblem(history, 12_345)).toBeUndefined();
  });

  it('aborts a join whose input is not as listed (being written), writing nothing', async () => {
    const v = await variable('ix-changed', 4);
    const a = await flushed(v, 9_000);
    const b = await flushed(v, 9_000);
    const listedShort = { ...b, size: b.size - 1 };
    const plan = planJoin(cold, [{ object: a }, { object: listedShort }]);
    await expect(
      cold.putJoinedSegment(v.run, v.name, 1, b.last, joinedMembers(cold, plan), plan.index),
    ).rejects.toThrow(ObjectChangedError);
    expect((await cold.listSegments(v.run, v.name)).map((s) => [s.first, s.last])).toEqual([
      [a.first, a.last],
      [b.first, b.last],
    ]);
    expect(await v.historyProblem(history)).toBeUndefined();
  });
});
