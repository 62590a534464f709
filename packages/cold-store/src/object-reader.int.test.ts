import {
  startS3RecordingProxy,
  startS3Server,
  type RunningS3Server,
  type S3RecordingProxy,
} from '@runstream/testkit';
import { ColdStore } from './cold-store';
import { ObjectMissingError } from './cold-store-errors';
import { firstSeqOfLine, type DataObject } from './object-reader';
import { pieceIndexOf, PIECE_MAX_SAMPLES } from './piece-format';
import { chunkTextHead, encodeSegment } from './segment-format';

const SLOW = 30_000;

let s3: RunningS3Server;
let store: ColdStore;
let proxy: S3RecordingProxy;
let viaProxy: ColdStore;

beforeAll(async () => {
  s3 = await startS3Server();
  store = new ColdStore(s3.connection);
  proxy = await startS3RecordingProxy(s3);
  viaProxy = new ColdStore({ ...s3.connection, endpoint: proxy.endpoint });
});

afterAll(async () => {
  store.close();
  viaProxy.close();
  await proxy.close();
  await s3.dispose();
});

/** Chunk texts for seqs first..last, `per` samples each; t = seq / 10, v = seq * 2. */
function chunkTexts(first: number, last: number, per: number): string[] {
  const texts: string[] = [];
  for (let s = first; s <= last; s += per) {
    const n = Math.min(per, last - s + 1);
    const seqs = Array.from({ length: n }, (_, i) => s + i);
    texts.push(
      `{"s":${s},"t":${JSON.stringify(seqs.map((q) => q / 10))},"v":${JSON.stringify(seqs.map((q) => q * 2))}}`,
    );
  }
  return texts;
}

/** Seqs of the lines read, each line's first..last, checked contiguous. */
function seqsOf(lines: string[]): number[] {
  const seqs: number[] = [];
  for (const line of lines) {
    const head = chunkTextHead(line);
    for (let i = 0; i < head.count; i++) seqs.push(head.first + i);
  }
  return seqs;
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

async function putSegment(
  run: string,
  first: number,
  last: number,
  per: number,
): Promise<DataObject> {
  return store.putSegment(run, 'x', chunkTexts(first, last, per), first, last);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('ObjectReader', () => {
  it(
    'reads a large segment from any seq through its index: the piece holding it and the ones after',
    async () => {
      const segment = await putSegment('r-seek', 1, 100_000, 1000);
      expect(await store.head(store.keys.indexOf(segment.key))).toBeDefined();
      const index = await store.objects.index(segment);
      // Whole chunks of 1000: 16 to a piece.
      expect(index?.pieces.length).toBe(Math.ceil(100_000 / (16 * 1000)));

      for (const fromSeq of [1, 16_384, 16_385, 50_000, 99_999, 100_000]) {
        viaProxy.cache.clear();
        proxy.downloads.length = 0;
        const lines = await collect(viaProxy.objects.linesFrom(segment, fromSeq));
        const seqs = seqsOf(lines);
        // Over-read: at most one piece's worth before fromSeq (whole chunks).
        expect(seqs[0]).toBeLessThanOrEqual(fromSeq);
        expect(fromSeq - seqs[0]!).toBeLessThan(PIECE_MAX_SAMPLES + 1000);
        expect(seqs).toEqual(range(seqs[0]!, 100_000));
        // Downloads: the index head, then ranged GETs of pieces from the one holding fromSeq.
        const data = proxy.downloads.filter((d) => d.key === segment.key);
        expect(proxy.downloads[0]!.key).toBe(store.keys.indexOf(segment.key));
        expect(data.every((d) => d.range !== undefined)).toBe(true);
        const bytes = data.reduce((n, d) => n + d.bytes, 0);
        const after = index!.pieces.slice(pieceIndexOf(index!.pieces, fromSeq));
        expect(bytes).toBe(after.reduce((n, p) => n + p.length, 0));
      }
    },
    SLOW,
  );

  it(
    'many readers of the same large segment at once download each piece once',
    async () => {
      const segment = await putSegment('r-shared', 1, 60_000, 500);
      viaProxy.cache.clear();
      proxy.downloads.length = 0;
      const reads = await Promise.all(
        Array.from({ length: 20 }, () => collect(viaProxy.objects.linesFrom(segment, 1))),
      );
      for (const lines of reads) expect(seqsOf(lines)).toEqual(range(1, 60_000));
      const keys = proxy.downloads.map((d) => `${d.key} ${d.range ?? ''}`);
      expect(new Set(keys).size).toBe(keys.length);
    },
    SLOW,
  );

  it('a small segment has no index and is read whole, once for many readers', async () => {
    const segment = await putSegment('r-small', 1, 3000, 100);
    expect(await store.head(store.keys.indexOf(segment.key))).toBeUndefined();
    viaProxy.cache.clear();
    proxy.downloads.length = 0;
    const reads = await Promise.all(
      Array.from({ length: 10 }, () => collect(viaProxy.objects.linesFrom(segment, 2500))),
    );
    for (const lines of reads) expect(seqsOf(lines)).toEqual(range(1, 3000));
    // No index was asked for (the seq range says there is none), the object once.
    expect(proxy.downloads.map((d) => d.key)).toEqual([segment.key]);
  });

  it(
    'reads a large object written before indexes (one gzip member, no index) from its start',
    async () => {
      const key = store.keys.segment('r-legacy', 'x', 1, 40_000);
      const body = await encodeSegment(chunkTexts(1, 40_000, 1000));
      await store.putJson(key, 'placeholder'); // any object, replaced below
      await store.deleteObjects([key]);
      const legacy = new ColdStore(s3.connection);
      // The old write path: one member, no index object.
      await (legacy as unknown as { put(k: string, b: Buffer, t: string): Promise<void> }).put(
        key,
        body,
        'application/gzip',
      );
      legacy.close();
      const object: DataObject = { key, size: body.length, first: 1, last: 40_000 };
      expect(await store.objects.index(object)).toBeUndefined();
      expect(seqsOf(await collect(store.objects.linesFrom(object, 30_000)))).toEqual(
        range(1, 40_000),
      );
    },
    SLOW,
  );

  it(
    'does not trust an index whose data object has another size (rewritten): reads from the start',
    async () => {
      const segment = await putSegment('r-stale', 1, 40_000, 1000);
      const other = { ...segment, size: segment.size + 1 };
      expect(await store.objects.index(other)).toBeUndefined();
      expect(await store.objects.index(segment)).toBeDefined();
    },
    SLOW,
  );

  it('deleteDataObjects removes a segment and its index; a read then finds it missing', async () => {
    const segment = await putSegment('r-delete', 1, 20_000, 1000);
    await store.deleteDataObjects([segment.key]);
    expect(await store.head(segment.key)).toBeUndefined();
    expect(await store.head(store.keys.indexOf(segment.key))).toBeUndefined();
    const fresh = new ColdStore(s3.connection);
    try {
      await expect(collect(fresh.objects.linesFrom(segment, 1))).rejects.toThrow(
        ObjectMissingError,
      );
    } finally {
      fresh.close();
    }
  });

  it('firstSeqOfLine reads the seq of a stored chunk line', () => {
    expect(firstSeqOfLine('{"s":42,"t":[1],"v":[1]}')).toBe(42);
    expect(firstSeqOfLine(' { "s" : 7 ,"t":[1]}')).toBe(7);
    expect(firstSeqOfLine('{"t":[1]}')).toBeUndefined();
    expect(firstSeqOfLine(undefined)).toBeUndefined();
  });
});
