import { parseIngestBatch } from '@runstream/domain';
import {
  collect,
  seqCoverageProblem,
  seqsOf,
  startRedis,
  type RunningRedis,
} from '@runstream/testkit';
import { HotStore } from './hot-store';
import { HotKeys } from './keys';
import { parseStoredChunk, storedChunkText } from './stored-chunk';
import { TransferStore } from './transfer-store';
import { readMemory } from './memory-gauge';

let redis: RunningRedis;
let store: HotStore;

beforeAll(async () => {
  redis = await startRedis({ maxmemory: '8mb' });
  store = HotStore.connect(redis.url);
});
afterAll(async () => {
  await store.close();
  await redis.stop();
});

const write = (run: string, variable: string, n: number) =>
  store.writer.write(
    run,
    parseIngestBatch({
      variables: { [variable]: { t: Array.from({ length: n }, (_, i) => i), v: Array(n).fill(1) } },
    }),
  );

describe('TransferStore', () => {
  it('moves a buffer aside while writes go on into a fresh buffer, and drops it once uploaded', async () => {
    await store.runs.create({ id: 't1' });
    await write('t1', 'x', 5);
    await write('t1', 'y', 1);
    expect(await store.transfers.dirtyVariables('t1')).toEqual([
      { variable: 'x', bytes: expect.any(Number) as number },
      { variable: 'y', bytes: expect.any(Number) as number },
    ]);

    const transfer = await store.transfers.begin('t1', 'x');
    expect(transfer).toMatchObject({ run: 't1', variable: 'x', first: 1 });
    await write('t1', 'x', 3); // lands in a new buffer
    expect(await store.transfers.pendingVariables('t1')).toEqual(['x']);
    expect(await store.transfers.range(transfer!.key)).toEqual({ first: 1, last: 5 });
    expect(seqsOf(await collect(store.transfers.chunks(transfer!.key)))).toEqual([1, 2, 3, 4, 5]);
    expect(seqsOf(await collect(store.reader.chunks('t1', 'x')))).toEqual([6, 7, 8]);
    expect((await store.transfers.dirtyVariables('t1')).map((d) => d.variable).sort()).toEqual([
      'x',
      'y',
    ]);

    expect(await store.transfers.end(transfer!)).toBe(true);
    expect(await store.transfers.end(transfer!)).toBe(false); // a second flush finishing the same one
    expect(await store.transfers.pendingVariables('t1')).toEqual([]);
    expect(await store.transfers.transfers('t1', 'x')).toEqual([]);
  });

  it('keeps several transfers of one variable in seq order and begins nothing on an empty buffer', async () => {
    await store.runs.create({ id: 't2' });
    await write('t2', 'x', 2);
    const a = await store.transfers.begin('t2', 'x');
    await write('t2', 'x', 2);
    const b = await store.transfers.begin('t2', 'x');
    expect(await store.transfers.begin('t2', 'x')).toBeUndefined();
    const listed = await store.transfers.transfers('t2', 'x');
    expect(listed.map((t) => t.key)).toEqual([a!.key, b!.key]);
    const all: number[] = [];
    for (const t of listed) all.push(...seqsOf(await collect(store.transfers.chunks(t.key))));
    expect(seqCoverageProblem(all, 4)).toBeUndefined();
  });

  it('reads a transfer slice by slice from its head, and trims a slice once', async () => {
    await store.runs.create({ id: 't3' });
    for (let i = 0; i < 10; i++) await write('t3', 'x', 3); // 10 chunks of 3: 1..30
    const transfer = (await store.transfers.begin('t3', 'x'))!;
    const { last } = (await store.transfers.range(transfer.key))!;
    expect(last).toBe(30);
    // A slice is bounded by its chunks' JSON texts, what its segment holds.
    const chunkBytes = storedChunkText((await store.redis.lindexBuffer(transfer.key, 0))!).length;

    const seen: number[] = [];
    for (let n = 0; ; n++) {
      // Two and a half chunks' bytes: the slice ends with the third, which crosses it.
      const slice = (await store.transfers.headSlice(transfer.key, last, 2.5 * chunkBytes))!;
      // Read again (a retry after a crash): the same slice.
      expect(await store.transfers.headSlice(transfer.key, last, 2.5 * chunkBytes)).toEqual(slice);
      expect(slice).toMatchObject({ first: n * 9 + 1, more: n < 3 });
      expect(slice.last).toBe(Math.min(30, n * 9 + 9));
      for (const text of slice.texts) seen.push(...seqsOf([parseStoredChunk(Buffer.from(text))]));
      if (!slice.more) break;
      expect(await store.transfers.trim(transfer, slice)).toBe(true);
      expect(await store.transfers.trim(transfer, slice)).toBe(false); // a second flush's trim
      // Readers take the seqs below the transfer's first seq from S3: it moved with the trim.
      expect((await store.transfers.transfers('t3', 'x'))[0]?.first).toBe(slice.last + 1);
    }
    expect(seqCoverageProblem(seen, 30)).toBeUndefined();
    // Small pages: a slice crossing page boundaries reads the same.
    const paged = new TransferStore(store.redis, new HotKeys(), 2);
    expect(await paged.headSlice(transfer.key, last, 1e9)).toMatchObject({
      first: 28,
      last: 30,
      more: false,
    });
    expect(await store.transfers.end(transfer)).toBe(true);
    expect(await store.transfers.headSlice(transfer.key, last, 100)).toBeUndefined();
  });

  it('renames and deletes even when Redis is at maxmemory and refuses writes', async () => {
    await store.runs.create({ id: 'full' });
    const big = Array(20_000).fill(123456.789);
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) {
      try {
        await store.writer.write(
          'full',
          parseIngestBatch({ variables: { x: { t: big.map((_, j) => j), v: big } } }),
        );
      } catch (err) {
        refused = (err as Error).name === 'HotStoreFullError';
        if (!refused) throw err;
      }
    }
    expect(refused).toBe(true);
    expect((await readMemory(store.redis)).ratio).toBeGreaterThan(0.9);
    const transfer = await store.transfers.begin('full', 'x');
    expect(transfer).toBeDefined();
    expect(await store.transfers.end(transfer!)).toBe(true);
    expect((await readMemory(store.redis)).ratio).toBeLessThan(0.5);
  });
});
