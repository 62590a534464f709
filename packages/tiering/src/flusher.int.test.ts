import type { SampleChunk } from '@runstream/domain';
import { historyProblem, seqCoverageProblem, useFixture } from '@runstream/testkit';
import { Flusher, type FlushPoint } from './flusher';
import type { SegmentSink } from './segment-sink';
import { startTieredStores } from './testing/tiered-stores';
import { writeSamples } from './testing/write-samples';

// The flush protocol against a real Redis. The sink keeps segments in memory,
// keyed like the cold store (by seq range), so the protocol's own guarantees
// are checked here; the S3 round trip is tested with the cold store.
class MemorySink implements SegmentSink {
  readonly segments = new Map<string, string[]>();
  uploads = 0;
  putSegment(
    run: string,
    variable: string,
    texts: string[],
    first: number,
    last: number,
  ): Promise<void> {
    this.uploads++;
    this.segments.set(`${run}/${variable}/${first}-${last}`, [...texts]);
    return Promise.resolve();
  }
  chunks(run: string, variable: string): SampleChunk[] {
    const out: SampleChunk[] = [];
    for (const [key, texts] of this.segments) {
      if (!key.startsWith(`${run}/${variable}/`)) continue;
      for (const t of texts) {
        const c = JSON.parse(t) as { s: number; t: number[]; v: SampleChunk['v'] };
        out.push({ first: c.s, t: c.t, v: c.v });
      }
    }
    return out;
  }
  /** The seqs uploaded for a variable, in order. */
  seqs(run: string, variable: string): number[] {
    return this.chunks(run, variable)
      .flatMap((c) => c.t.map((_, i) => c.first + i))
      .sort((a, b) => a - b);
  }
}

const s = useFixture(() => startTieredStores({ maxmemory: '64mb' }));

/** Writes batches whose t and v are seq - 1, continuing after `offset` earlier samples. */
const writeBatches = (
  run: string,
  variables: string[],
  batches: number,
  size: number,
  offset = 0,
): Promise<void> => writeSamples(s.hot, run, variables, batches, size, offset, (seq) => seq - 1);

/** Every seq of a variable across S3 (the sink), transfer keys and the buffer, deduplicated by seq. */
async function coverage(sink: MemorySink, run: string, variable: string): Promise<number[]> {
  const seen = new Map<number, number>();
  const add = (c: SampleChunk): void => c.t.forEach((t, i) => seen.set(c.first + i, t));
  for (const c of sink.chunks(run, variable)) add(c);
  for (const tr of await s.hot.transfers.transfers(run, variable))
    for await (const c of s.hot.transfers.chunks(tr.key)) add(c);
  for await (const c of s.hot.reader.chunks(run, variable)) add(c);
  const seqs = [...seen.keys()].sort((a, b) => a - b);
  // Every seq carries its own value (t == seq - 1 here): nothing was shifted.
  for (const seq of seqs) expect(seen.get(seq)).toBe(seq - 1);
  return seqs;
}

describe('Flusher', () => {
  it('moves everything while writers keep writing, and nothing is lost or doubled', async () => {
    await s.hot.runs.create({ id: 'f1' });
    const sink = new MemorySink();
    const flusher = new Flusher(s.hot, sink);
    const writing = writeBatches('f1', ['a', 'b', 'c'], 300, 50);
    let done = false;
    void writing.then(() => (done = true));
    while (!done) await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run: 'f1' });
    await writing;
    await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run: 'f1' });
    expect(sink.uploads).toBeGreaterThan(3); // many flushes ran while batches were being written
    for (const v of ['a', 'b', 'c']) {
      expect(seqCoverageProblem(sink.seqs('f1', v), 15_000)).toBeUndefined();
    }
  });

  it.each<FlushPoint>(['after-rename', 'after-upload', 'before-delete'])(
    'a flush interrupted %s is finished by the next one: exactly 1..N',
    async (point) => {
      const run = `crash-${point}`;
      await s.hot.runs.create({ id: run });
      await writeBatches(run, ['x'], 20, 10);
      const sink = new MemorySink();
      const flusher = new Flusher(s.hot, sink);
      await expect(
        flusher.flush({
          lowWater: 0,
          budgetBytes: 0,
          everything: true,
          run,
          probe: (p) => {
            if (p === point) throw new Error(`killed ${p}`);
          },
        }),
      ).rejects.toThrow(`killed ${point}`);
      await writeBatches(run, ['x'], 5, 10, 200); // writers go on meanwhile
      expect(seqCoverageProblem(await coverage(sink, run, 'x'), 250)).toBeUndefined();

      const report = await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run });
      expect(report.resumed).toBe(1);
      expect(await s.hot.transfers.pendingVariables(run)).toEqual([]);
      expect(seqCoverageProblem(await coverage(sink, run, 'x'), 250)).toBeUndefined();
      expect(seqCoverageProblem(sink.seqs(run, 'x'), 250)).toBeUndefined();
    },
  );

  it('two flushes at the same moment end in the same exact result', async () => {
    await s.hot.runs.create({ id: 'twice' });
    await writeBatches('twice', ['p', 'q'], 50, 20);
    const sink = new MemorySink();
    const a = new Flusher(s.hot, sink);
    const b = new Flusher(s.hot, sink);
    const opts = { lowWater: 0, budgetBytes: 0, everything: true, run: 'twice' };
    await Promise.all([a.flush(opts), b.flush(opts), a.flush(opts)]);
    for (const v of ['p', 'q']) {
      expect(seqCoverageProblem(sink.seqs('twice', v), 1000)).toBeUndefined();
    }
  });

  it('stops at the low-water mark, largest variables first', async () => {
    await s.hot.redis.flushall();
    await s.hot.runs.create({ id: 'lw' });
    await writeBatches('lw', ['big'], 40, 2000);
    await writeBatches('lw', ['small'], 4, 10);
    const sink = new MemorySink();
    const budget = 64 * 1024 * 1024;
    const used = (await s.hot.redis.info('memory')).match(/^used_memory:(\d+)/m)?.[1];
    const [big] = await s.hot.transfers.dirtyVariables('lw');
    // Half-way through the big buffer: moving it alone gets under the mark.
    const lowWater = (Number(used) - (big?.bytes ?? 0) / 2) / budget;
    const report = await new Flusher(s.hot, sink).flush({
      lowWater,
      budgetBytes: budget,
      run: 'lw',
    });
    expect(report.moved).toBe(1);
    expect([...sink.segments.keys()][0]).toMatch(/^lw\/big\//);
    expect(report.stoppedBecause).toBe('low-water');
    expect(report.ratioAfter).toBeLessThan(report.ratioBefore);
  });

  describe('a transfer larger than a segment', () => {
    const segmentBytes = 2000; // a few dozen 50-sample chunks of ~400 bytes: several each

    /** The segment keys' ranges must follow each other: no overlap, no gap. */
    const ranges = (sink: MemorySink, run: string, variable: string): [number, number][] =>
      [...sink.segments.keys()]
        .filter((k) => k.startsWith(`${run}/${variable}/`))
        .map(
          (k) =>
            k
              .slice(k.lastIndexOf('/') + 1)
              .split('-')
              .map(Number) as [number, number],
        )
        .sort((a, b) => a[0] - b[0]);

    it('moves in segments of about segmentBytes each, trimming Redis as it goes', async () => {
      const run = 'sliced';
      await s.hot.runs.create({ id: run });
      await writeBatches(run, ['x'], 100, 50); // 1..5000, ~40 kB
      const sink = new MemorySink();
      const flusher = new Flusher(s.hot, sink, { segmentBytes });
      const held: number[] = [];
      const progress: number[] = [];
      const report = await flusher.flush({
        lowWater: 0,
        budgetBytes: 0,
        everything: true,
        run,
        probe: async (point, transfer) => {
          // After each segment's upload, before its trim: Redis holds the rest.
          if (point === 'after-upload')
            held.push((await s.hot.transfers.transfers(run, 'x'))[0]?.first ?? 0);
          expect(transfer.variable).toBe('x');
        },
        onProgress: (p) => progress.push(p.segments),
      });
      expect(report).toMatchObject({ moved: 1, samples: 5000 });
      expect(report.segments).toBeGreaterThan(10);
      expect(sink.uploads).toBe(report.segments);
      const segments = ranges(sink, run, 'x');
      expect(segments).toHaveLength(report.segments);
      segments.forEach(([first], i) => expect(first).toBe(i === 0 ? 1 : segments[i - 1]![1] + 1));
      expect(segments[segments.length - 1]![1]).toBe(5000);
      for (const texts of sink.segments.values()) {
        const bytes = texts.reduce((n, t) => n + t.length, 0);
        expect(bytes - texts[texts.length - 1]!.length).toBeLessThan(segmentBytes);
      }
      // The transfer's first seq moved past each segment as it was trimmed.
      expect(held).toEqual(segments.map(([first]) => first));
      // Progress after every segment, not only per buffer.
      expect(new Set(progress).size).toBeGreaterThan(10);
      expect(seqCoverageProblem(sink.seqs(run, 'x'), 5000)).toBeUndefined();
      expect(await s.hot.transfers.pendingVariables(run)).toEqual([]);
    });

    it('keeps history exact for readers at every step of a half-done transfer', async () => {
      const run = 'sliced-read';
      await s.hot.runs.create({ id: run });
      await writeBatches(run, ['x'], 60, 50); // 1..3000
      const flusher = new Flusher(s.hot, s.cold, { segmentBytes });
      const problem = (): Promise<string | undefined> =>
        historyProblem('x', s.history.chunks(run, 'x'), 3000, (seq) => ({
          t: seq - 1,
          v: seq - 1,
        }));
      let looks = 0;
      const report = await flusher.flush({
        lowWater: 0,
        budgetBytes: 0,
        everything: true,
        run,
        // Each look falls after a segment's upload and (but for the first) after
        // the trim of the one before: S3 and Redis both hold parts of the transfer.
        probe: async (point) => {
          if (point !== 'after-upload') return;
          looks++;
          expect(await problem()).toBeUndefined();
        },
      });
      expect(looks).toBe(report.segments);
      expect(looks).toBeGreaterThan(5);
      expect(await problem()).toBeUndefined();
    });

    it('after a crash k segments in, the retry rewrites the same segments: exactly 1..N', async () => {
      const run = 'sliced-crash';
      await s.hot.runs.create({ id: run });
      await writeBatches(run, ['x'], 100, 50); // 1..5000
      const sink = new MemorySink();
      const flusher = new Flusher(s.hot, sink, { segmentBytes });
      let uploads = 0;
      await expect(
        flusher.flush({
          lowWater: 0,
          budgetBytes: 0,
          everything: true,
          run,
          probe: (point) => {
            if (point === 'after-upload' && ++uploads === 4) throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      // Three segments trimmed, the fourth uploaded but still in Redis.
      const [left] = await s.hot.transfers.transfers(run, 'x');
      const before = ranges(sink, run, 'x');
      expect(before).toHaveLength(4);
      expect(left?.first).toBe(before[3]![0]);
      await writeBatches(run, ['x'], 5, 50, 5000); // writers go on meanwhile
      expect(seqCoverageProblem(await coverage(sink, run, 'x'), 5250)).toBeUndefined();

      const report = await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run });
      expect(report.resumed).toBe(1);
      expect(report.moved).toBe(1);
      const after = ranges(sink, run, 'x');
      expect(after.slice(0, 4)).toEqual(before); // the fourth rewritten under its own key
      expect(seqCoverageProblem(sink.seqs(run, 'x'), 5250)).toBeUndefined();
      expect(await s.hot.transfers.pendingVariables(run)).toEqual([]);
    });

    it('two flushes of one transfer at once write each segment once: exactly 1..N', async () => {
      const run = 'sliced-twice';
      await s.hot.runs.create({ id: run });
      await writeBatches(run, ['p', 'q'], 100, 50);
      const sink = new MemorySink();
      const opts = { lowWater: 0, budgetBytes: 0, everything: true, run };
      // The first flush stops after its first segment, leaving the transfers to both.
      await expect(
        new Flusher(s.hot, sink, { segmentBytes }).flush({
          ...opts,
          probe: (point) => {
            if (point === 'after-upload') throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      const a = new Flusher(s.hot, sink, { segmentBytes });
      const b = new Flusher(s.hot, sink, { segmentBytes });
      await Promise.all([a.flush(opts), b.flush(opts), a.flush(opts)]);
      for (const v of ['p', 'q']) {
        expect(seqCoverageProblem(sink.seqs(run, v), 5000)).toBeUndefined();
        const segments = ranges(sink, run, v);
        segments.forEach(([first], i) => expect(first).toBe(i === 0 ? 1 : segments[i - 1]![1] + 1));
      }
      expect(await s.hot.transfers.pendingVariables(run)).toEqual([]);
    });
  });
});
