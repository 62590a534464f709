import { ColdStore } from '@runstream/cold-store';
import { parseIngestBatch, type SampleChunk } from '@runstream/domain';
import { HotStore } from '@runstream/hot-store';
import {
  seqCoverageProblem,
  startRedis,
  startS3RecordingProxy,
  startS3Server,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { Flusher } from './flusher';
import { TieredHistory } from './tiered-history';

let redis: RunningRedis;
let s3: RunningS3Server;
let hot: HotStore;
let cold: ColdStore;
let history: TieredHistory;
let flusher: Flusher;

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  hot = HotStore.connect(redis.url);
  cold = new ColdStore(s3.connection);
  history = new TieredHistory(hot, cold);
  flusher = new Flusher(hot, cold);
});
afterAll(async () => {
  cold.close();
  await hot.close();
  await Promise.all([redis.stop(), s3.dispose()]);
});

/** Writes `batches` batches whose t is seq - 1, after `offset` earlier samples. */
async function write(
  run: string,
  variable: string,
  batches: number,
  size: number,
  offset = 0,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const t = Array.from({ length: size }, (_, i) => offset + b * size + i);
    await hot.writer.write(
      run,
      parseIngestBatch({ variables: { [variable]: { t, v: t.map((x) => x * 2) } } }),
    );
  }
}

async function read(run: string, variable: string, fromSeq = 1): Promise<number[]> {
  const seqs: number[] = [];
  for await (const c of history.chunks(run, variable, fromSeq)) {
    c.t.forEach((t, i) => {
      // each sample keeps its own t and v: nothing shifted between tiers
      expect([t, c.v[i]]).toEqual([c.first + i - 1, (c.first + i - 1) * 2]);
      seqs.push(c.first + i);
    });
  }
  return seqs;
}

const everything = { lowWater: 0, budgetBytes: 0, everything: true };

describe('TieredHistory', () => {
  it('reads segments, a leftover transfer and the buffer as one exact 1..N', async () => {
    await hot.runs.create({ id: 'h1' });
    await write('h1', 'x', 10, 100); // 1..1000
    await flusher.flush({ ...everything, run: 'h1' }); // → segment
    await write('h1', 'x', 5, 100, 1000); // 1001..1500
    await flusher.flush({ ...everything, run: 'h1' }); // → second segment
    await write('h1', 'x', 5, 100, 1500); // 1501..2000
    await hot.transfers.begin('h1', 'x'); // a flush that died after its rename
    await write('h1', 'x', 5, 100, 2000); // 2001..2500 in the buffer
    expect((await cold.listSegments('h1', 'x')).length).toBe(2);
    expect(seqCoverageProblem(await read('h1', 'x'), 2500)).toBeUndefined();
    expect(await read('h1', 'x', 1234)).toEqual(
      Array.from({ length: 2500 - 1233 }, (_, i) => 1234 + i),
    );
  });

  it('gives every reader exactly 1..N while writers write and flushes move data down', async () => {
    await hot.runs.create({ id: 'h2' });
    let written = 0;
    let done = false;
    const writer = (async () => {
      for (let b = 0; b < 400; b++) {
        await write('h2', 'y', 1, 40, written);
        written += 40;
      }
      done = true;
    })();
    const flushing = (async () => {
      while (!done) await flusher.flush({ ...everything, run: 'h2' });
    })();
    let reads = 0;
    while (!done) {
      const before = written;
      const seqs = await read('h2', 'y');
      // A reader sees at least what was written when it started, as an unbroken 1..K.
      expect(seqs.length).toBeGreaterThanOrEqual(before);
      expect(seqCoverageProblem(seqs, seqs.length)).toBeUndefined();
      reads++;
    }
    await Promise.all([writer, flushing]);
    expect(reads).toBeGreaterThanOrEqual(2); // reads really overlapped the writes and flushes
    expect(seqCoverageProblem(await read('h2', 'y'), 16_000)).toBeUndefined();
  });

  it('reads nothing for a variable that has no samples', async () => {
    await hot.runs.create({ id: 'h3' });
    const chunks: SampleChunk[] = [];
    for await (const c of history.chunks('h3', 'none')) chunks.push(c);
    expect(chunks).toEqual([]);
  });

  it('skips the segments below fromSeq without downloading them', async () => {
    await hot.runs.create({ id: 'h4' });
    for (let i = 0; i < 4; i++) {
      await write('h4', 'z', 10, 100, i * 1000); // 1..1000, 1001..2000, …
      await flusher.flush({ ...everything, run: 'h4' }); // → one segment each
    }
    await write('h4', 'z', 5, 100, 4000); // 4001..4500 stay in Redis
    const segments = await cold.listSegments('h4', 'z');
    expect(segments.map((s) => [s.first, s.last])).toEqual([
      [1, 1000],
      [1001, 2000],
      [2001, 3000],
      [3001, 4000],
    ]);

    const proxy = await startS3RecordingProxy(s3);
    const counted = new ColdStore({ ...s3.connection, endpoint: proxy.endpoint });
    const reader = new TieredHistory(hot, counted);
    const readFrom = async (fromSeq: number): Promise<{ seqs: number[]; downloads: string[] }> => {
      proxy.downloads.length = 0;
      counted.cache.clear(); // what a cold reader downloads
      const seqs: number[] = [];
      for await (const c of reader.chunks('h4', 'z', fromSeq)) {
        c.t.forEach((t, i) => {
          expect([t, c.v[i]]).toEqual([c.first + i - 1, (c.first + i - 1) * 2]);
          seqs.push(c.first + i);
        });
      }
      return { seqs, downloads: proxy.downloads.map((d) => d.key) };
    };
    const from = (first: number): number[] =>
      Array.from({ length: 4500 - first + 1 }, (_, i) => first + i);
    try {
      // From the middle of the last segment: that segment alone is downloaded.
      expect(await readFrom(3500)).toEqual({ seqs: from(3500), downloads: [segments[3]!.key] });
      // From its first seq, and from the one before it (the previous segment's last).
      expect(await readFrom(3001)).toEqual({ seqs: from(3001), downloads: [segments[3]!.key] });
      expect(await readFrom(3000)).toEqual({
        seqs: from(3000),
        downloads: [segments[2]!.key, segments[3]!.key],
      });
      // From the second segment: every segment but the first.
      expect(await readFrom(1500)).toEqual({
        seqs: from(1500),
        downloads: segments.slice(1).map((s) => s.key),
      });
      // From the buffer: nothing from S3 at all.
      expect(await readFrom(4200)).toEqual({ seqs: from(4200), downloads: [] });
      // The counter does see everything: a read from 1 downloads all four.
      expect((await readFrom(1)).downloads).toEqual(segments.map((s) => s.key));
    } finally {
      counted.close();
      await proxy.close();
    }
  });
});
