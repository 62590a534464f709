import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { readdirSync } from 'node:fs';
import {
  decodeValue,
  encodeValue,
  type RunManifest,
  type SampleChunk,
  type SampleValue,
} from '@runstream/domain';
import {
  collect,
  seqCoverageProblem,
  seqsOf,
  startS3Server,
  TRICKY_VARIABLE_NAMES,
  UGLY_SAMPLE_VALUES,
  type RunningS3Server,
} from '@runstream/testkit';
import { ColdStore } from './cold-store';
import { MIN_PART_SIZE_BYTES, s3ClientOptions, type ColdStoreConfig } from './cold-store-config';
import { ColdStoreError, ObjectMissingError, SegmentFormatError } from './cold-store-errors';
import { encodeSegment } from './segment-format';

// The root jest config runs packages as projects, where the preset's
// testTimeout does not apply (jest's 5 s default does): slow tests say theirs.
const SLOW = 25_000;

let s3: RunningS3Server;
let store: ColdStore;

function connect(server: RunningS3Server, bucket = server.bucket): ColdStore {
  return new ColdStore(config(server, bucket));
}

function config(server: RunningS3Server, bucket = server.bucket): ColdStoreConfig {
  return {
    ...server.connection,
    bucket,
    // The smallest part S3 allows, so a few MB already make a multipart upload.
    partSizeBytes: MIN_PART_SIZE_BYTES,
    uploadQueueSize: 2,
    // Fail fast while the server is down; the SDK still retries once.
    maxAttempts: 2,
    connectTimeoutMs: 1_000,
  };
}

beforeAll(async () => {
  s3 = await startS3Server();
  store = connect(s3);
});

afterAll(async () => {
  store.close();
  await s3.dispose();
});

/** Chunk texts for seqs first..last, `per` samples a chunk, as the hot store stores them. */
function chunkTexts(
  first: number,
  last: number,
  per = 3,
  value = (seq: number): SampleValue => seq / 7,
): string[] {
  const texts: string[] = [];
  for (let s = first; s <= last; s += per) {
    const n = Math.min(per, last - s + 1);
    const t = Array.from({ length: n }, (_, i) => (s + i) * 0.01);
    const v = Array.from({ length: n }, (_, i) => encodeValue(value(s + i)));
    texts.push(`{"s":${s},"t":${JSON.stringify(t)},"v":${JSON.stringify(v)}}`);
  }
  return texts;
}

/** Deterministic noise in [0, 1): measurement-like doubles that gzip about as real ones do. */
let noiseState = 42;
function noise(): number {
  noiseState = (noiseState * 1103515245 + 12345) % 2147483648;
  return noiseState / 2147483648;
}

/** The texts one by one, a tick apart, as a hot-store or segment read yields them. */
async function* asyncOf(texts: string[]): AsyncGenerator<string> {
  for (const text of texts) {
    await Promise.resolve();
    yield text;
  }
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(
  items: T[],
  width: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Chunk texts as gzip members of up to `per` lines each, as a merge hands them to putMerged. */
async function* gzipMembers(texts: AsyncIterable<string>, per = 50): AsyncGenerator<Uint8Array> {
  let batch: string[] = [];
  for await (const text of texts) {
    batch.push(text);
    if (batch.length === per) {
      yield await encodeSegment(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield await encodeSegment(batch);
}

describe('ColdStore against s3rver', () => {
  it('answers ping, and ensureBucket is idempotent and creates a missing bucket', async () => {
    await store.ping();
    await store.ensureBucket();
    const other = connect(s3, 'second-bucket');
    try {
      await expect(other.ping()).rejects.toThrow(ColdStoreError);
      await other.ensureBucket();
      await other.ensureBucket();
      await other.ping();
    } finally {
      other.close();
    }
  });

  const NAMES = TRICKY_VARIABLE_NAMES;

  it(
    'puts, lists and reads segments of many variables; a listing never shows another variable',
    async () => {
      const run = 'r-names';
      await Promise.all(
        NAMES.map(async (name, i) => {
          // Different ranges per name, so a leak across names would show in the seqs.
          const n = 10 + i;
          await store.putSegment(run, name, chunkTexts(1, n), 1, n);
          await store.putSegment(run, name, chunkTexts(n + 1, 2 * n + 1), n + 1, 2 * n + 1);
        }),
      );
      for (const [i, name] of NAMES.entries()) {
        const n = 10 + i;
        const segments = await store.listSegments(run, name);
        expect(segments.map((s) => [s.first, s.last])).toEqual([
          [1, n],
          [n + 1, 2 * n + 1],
        ]);
        for (const s of segments) {
          expect(s.key.startsWith(store.keys.segmentsPrefix(run, name))).toBe(true);
          expect(s.size).toBeGreaterThan(20);
        }
        const chunks: SampleChunk[] = [];
        for (const s of segments) chunks.push(...(await collect(store.readSegment(s.key))));
        expect(seqCoverageProblem(seqsOf(chunks), 2 * n + 1)).toBeUndefined();
        expect(chunks[0]!.v.map(decodeValue)).toEqual([1 / 7, 2 / 7, 3 / 7]);
      }
      // Nothing was written outside the bucket's folder (`..` and `/` stayed inside keys).
      expect(readdirSync(s3.directory).sort()).toEqual(['second-bucket', s3.bucket].sort());
    },
    SLOW,
  );

  it(
    'lists more than 1000 segments through pagination, in seq order',
    async () => {
      const run = 'r-pages';
      const ranges = Array.from({ length: 1100 }, (_, i) => i + 1);
      // Uploaded out of order: the listing must come back sorted by seq anyway.
      await inParallel([...ranges].reverse(), 64, (seq) =>
        store.putSegment(run, 'p', chunkTexts(seq, seq, 1), seq, seq),
      );
      const segments = await store.listSegments(run, 'p');
      expect(segments).toHaveLength(1100);
      expect(segments.map((s) => s.first)).toEqual(ranges);
      // A neighbour whose name starts the same is not listed with it.
      await store.putSegment(run, 'p q', chunkTexts(1, 1), 1, 1);
      expect(await store.listSegments(run, 'p')).toHaveLength(1100);
    },
    SLOW,
  );

  it(
    'deletes more than 1000 objects in batches',
    async () => {
      const run = 'r-pages';
      const keys = (await store.listSegments(run, 'p')).map((s) => s.key);
      expect(keys.length).toBeGreaterThan(1000);
      // A key that does not exist is not an error: deletes are idempotent.
      await store.deleteObjects([...keys, store.keys.segment(run, 'p', 5000, 5001), keys[0]!]);
      expect(await store.listSegments(run, 'p')).toEqual([]);
      expect(await store.listSegments(run, 'p q')).toHaveLength(1);
      await store.deleteObjects([]);
    },
    SLOW,
  );

  it("keeps testkit's ugly values exactly through S3", async () => {
    const values = [...UGLY_SAMPLE_VALUES] as SampleValue[];
    const texts = chunkTexts(1, values.length, 4, (seq) => values[seq - 1]!);
    const segment = await store.putSegment('r-ugly', 'u', texts, 1, values.length);
    const chunks = await collect(store.readSegment(segment.key));
    expect(chunks.flatMap((c) => c.v.map(decodeValue))).toEqual(values);
  });

  it('overwrites the same object when a putSegment is retried', async () => {
    const run = 'r-retry';
    const first = await store.putSegment(run, 'x', chunkTexts(1, 6), 1, 6);
    const again = await store.putSegment(
      run,
      'x',
      chunkTexts(1, 6, 2, (s) => s * 10),
      1,
      6,
    );
    expect(again.key).toBe(first.key);
    const segments = await store.listSegments(run, 'x');
    expect(segments).toHaveLength(1);
    const chunks = await collect(store.readSegment(first.key));
    expect(chunks.map((c) => c.first)).toEqual([1, 3, 5]);
    expect(chunks.flatMap((c) => c.v)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('reports a segment deleted between LIST and GET as ObjectMissingError', async () => {
    const run = 'r-vanish';
    await store.putSegment(run, 'x', chunkTexts(1, 3), 1, 3);
    const [segment] = await store.listSegments(run, 'x');
    await store.deleteObjects([segment!.key]);
    const read = collect(store.readSegment(segment!.key));
    await expect(read).rejects.toThrow(ObjectMissingError);
    await expect(read).rejects.toMatchObject({ key: segment!.key, operation: 'GetObject' });
    expect(await store.head(segment!.key)).toBeUndefined();
  });

  it('refuses a segment whose chunks do not match the range in its key', async () => {
    const run = 'r-corrupt';
    const gap = await store.putSegment(
      run,
      'gap',
      [...chunkTexts(1, 3), ...chunkTexts(5, 6)],
      1,
      6,
    );
    await expect(collect(store.readSegment(gap.key))).rejects.toThrow(SegmentFormatError);
    const short = await store.putSegment(run, 'short', chunkTexts(1, 3), 1, 4);
    await expect(collect(store.readSegment(short.key))).rejects.toThrow(/ends at seq 3/);
  });

  it(
    'streams a merged object of several MB through a multipart upload and reads it back exactly',
    async () => {
      const run = 'r-merged';
      const per = 500;
      const chunkCount = 1000; // 500 000 samples of full-precision doubles: ~19 MB of text, ~6 MB gzip'd
      const written = createHash('sha256');
      let pulled = 0;
      async function* source(): AsyncGenerator<string> {
        for (let c = 0; c < chunkCount; c++) {
          await Promise.resolve();
          const first = c * per + 1;
          const [text] = chunkTexts(first, first + per - 1, per, (s) =>
            s % 1000 === 0 ? NaN : Math.sin(s / 100) * 1000 + noise(),
          );
          written.update(text! + '\n');
          pulled++;
          yield text!;
        }
      }
      // s3rver gives multipart objects plain ETags: watch the commands instead.
      const commands: string[] = [];
      let pulledAtFirstPart: number | undefined;
      const client = new S3Client(s3ClientOptions(config(s3)));
      client.middlewareStack.add(
        (next, context) => (args) => {
          commands.push(context.commandName ?? '?');
          if (context.commandName === 'UploadPartCommand') pulledAtFirstPart ??= pulled;
          return next(args);
        },
        { step: 'initialize' },
      );
      const watched = new ColdStore(config(s3), client);
      const info = await watched.putMerged(run, 'big', gzipMembers(source()), per * chunkCount);
      client.destroy();
      expect(pulled).toBe(chunkCount);
      expect(info.key).toBe(store.keys.merged(run, 'big'));
      // More than one 5 MiB part: the multipart path ran.
      expect(info.size).toBeGreaterThan(MIN_PART_SIZE_BYTES);
      expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(2);
      expect(commands).toContain('CompleteMultipartUploadCommand');
      // Streamed: the first part went out before the source was read to its end.
      expect(pulledAtFirstPart).toBeLessThan(chunkCount);
      expect(await store.mergedInfo(run, 'big')).toEqual(info);
      // Its metadata names the last seq, so a merge can tell what it covers without reading it.
      expect(info.lastSeq).toBe(per * chunkCount);

      const read = createHash('sha256');
      let lines = 0;
      for await (const line of store.readObjectLines(info.key)) {
        read.update(line + '\n');
        lines++;
      }
      expect(lines).toBe(chunkCount);
      expect(read.digest('hex')).toBe(written.digest('hex'));

      const chunks = await collect(store.readObject(info.key));
      expect(seqCoverageProblem(seqsOf(chunks), per * chunkCount)).toBeUndefined();
      expect(decodeValue(chunks[1]!.v[499]!)).toBeNaN();
    },
    SLOW,
  );

  it('keeps no merged object, and the old one, when the source of putMerged fails', async () => {
    const run = 'r-merged-fail';
    expect(await store.mergedInfo(run, 'x')).toBeUndefined();
    async function* failing(): AsyncGenerator<string> {
      yield* asyncOf(chunkTexts(1, 30));
      throw new Error('hot store read failed');
    }
    await expect(store.putMerged(run, 'x', gzipMembers(failing()), 30)).rejects.toThrow(
      'hot store read failed',
    );
    expect(await store.mergedInfo(run, 'x')).toBeUndefined();

    const good = await store.putMerged(run, 'x', gzipMembers(asyncOf(chunkTexts(1, 30))), 30);
    await expect(store.putMerged(run, 'x', gzipMembers(failing()), 30)).rejects.toThrow(
      'hot store read failed',
    );
    expect(await store.mergedInfo(run, 'x')).toEqual(good);
    expect(seqsOf(await collect(store.readObject(good.key)))).toHaveLength(30);
  });

  it('writes and reads JSON (manifests); a missing one is undefined', async () => {
    const key = store.keys.manifest('r-json');
    expect(await store.getJson(key)).toBeUndefined();
    const manifest = { run: 'r-json', variables: { x: { count: 3 }, '../y': { count: 1 } } };
    await store.putJson(key, manifest);
    expect(await store.getJson(key)).toEqual(manifest);
  });

  it('writes, reads and lists run manifests; refuses one of the wrong shape', async () => {
    const manifest: RunManifest = {
      version: 1,
      run: {
        id: 'r-manifest',
        status: 'completed',
        reason: 'idle',
        createdAt: '2026-01-01T00:00:00.000Z',
        completedAt: '2026-01-01T01:00:00.000Z',
        samples: 4,
        meta: { model: 'm' },
      },
      variables: [
        {
          name: '../x',
          count: 3,
          min: -1,
          max: 2,
          lastT: 3,
          lastV: { $num: 'NaN' },
          object: 'k',
          bytes: 10,
        },
        { name: 'y', count: 1, object: 'k2', bytes: 5 },
      ],
      writtenAt: '2026-01-01T01:00:00.000Z',
    };
    expect(await store.getManifest('r-manifest')).toBeUndefined();
    await store.putManifest(manifest);
    await store.putManifest({ ...manifest, run: { ...manifest.run, id: '..' } });
    expect(await store.getManifest('r-manifest')).toEqual(manifest);
    const runs: string[] = [];
    for await (const run of store.manifestRuns()) runs.push(run);
    expect(runs).toEqual(expect.arrayContaining(['r-manifest', '..']));
    await store.putJson(store.keys.manifest('r-bad'), { version: 2 });
    await expect(store.getManifest('r-bad')).rejects.toThrow(SegmentFormatError);
  });

  it(
    'fails with ColdStoreError while S3 is down and works again after it is back',
    async () => {
      const run = 'r-outage';
      const before = await store.putSegment(run, 'x', chunkTexts(1, 9), 1, 9);
      await s3.stop();
      try {
        const down: Array<[string, Promise<unknown>]> = [
          ['ping', store.ping()],
          ['putSegment', store.putSegment(run, 'x', chunkTexts(10, 12), 10, 12)],
          ['listSegments', store.listSegments(run, 'x')],
          ['readSegment', collect(store.readSegment(before.key))],
          ['putMerged', store.putMerged(run, 'x', gzipMembers(asyncOf(chunkTexts(1, 9))), 9)],
          ['mergedInfo', store.mergedInfo(run, 'x')],
          ['deleteObjects', store.deleteObjects([before.key])],
          ['getJson', store.getJson(store.keys.manifest(run))],
          ['putJson', store.putJson(store.keys.manifest(run), {})],
        ];
        for (const [what, attempt] of down) {
          const err: unknown = await attempt.then(
            () => new Error(`${what} succeeded while S3 was down`),
            (e: unknown) => e,
          );
          expect([what, err]).toEqual([what, expect.any(ColdStoreError)]);
          expect(err).not.toBeInstanceOf(ObjectMissingError);
          expect((err as ColdStoreError).cause).toBeDefined();
        }
      } finally {
        await s3.restart();
      }
      // The same client carries on: nothing was lost, nothing needs rebuilding.
      await store.ping();
      await store.putSegment(run, 'x', chunkTexts(10, 12), 10, 12);
      const segments = await store.listSegments(run, 'x');
      expect(segments.map((s) => [s.first, s.last])).toEqual([
        [1, 9],
        [10, 12],
      ]);
      const chunks: SampleChunk[] = [];
      for (const s of segments) chunks.push(...(await collect(store.readSegment(s.key))));
      expect(seqCoverageProblem(seqsOf(chunks), 12)).toBeUndefined();
    },
    SLOW,
  );
});
