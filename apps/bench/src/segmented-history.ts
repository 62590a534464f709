import { fmtInt } from './report';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CopyObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { hasIndex, type SegmentInfo } from '@runstream/cold-store';
import { storedChunkText, type HotStore } from '@runstream/hot-store';
import { Flusher, coveringSegment, mapWithConcurrency } from '@runstream/tiering';
import { seedFlushedRun } from '@runstream/tiering/testing';
import { SeriesWriter } from './tiering-data';
import type { TierPhase } from './tier-phase';
import type { TieringStores } from './tiering-stores';

/**
 * Histories for the tier phases (snapshot, merge, jobs), laid out over S3
 * segments and the Redis buffer through the real write and flush paths.
 */
export interface HistoryPlan {
  /** The run is `<runPrefix>-<base-36 time>`. */
  runPrefix: string;
  variables: readonly string[];
  /** Samples per variable of each segment, in seq order: one write + one flush each. */
  segmentSamples: readonly number[];
  /**
   * Samples per variable written after the last flush and then renamed to a
   * transfer key, as a flush leaves them between its rename and its upload.
   */
  inTransfer?: number;
  /** Samples per variable written after those, left in the Redis buffer. */
  inRedis: number;
  /** Samples per variable per write (per stored chunk). */
  batchSamples: number;
  /**
   * Runs after each flush (e.g. what the worker does then: compaction); the
   * segments are then checked to cover the flushed seqs, not counted.
   */
  afterFlush?: (run: string) => Promise<void>;
}

/** The variable of the one-variable phases (snapshot, merge). */
export const ONE_VARIABLE = 'plant.flow';

/**
 * A tier phase over one variable's history: `samples` samples over
 * `segments` segments, read or merged in `rounds` timed passes.
 */
export interface OneVariablePlan {
  rounds: number;
  samples: number;
  segments: number;
  /** Samples per write (per stored chunk). */
  batchSamples: number;
}

/** How a history was laid out over the tiers. */
export interface HistoryLayout {
  run: string;
  variables: string[];
  /** Every variable holds seqs 1..this. */
  samplesPerVariable: number;
  /** Segments per variable (as listed at the end: fewer than the flushes after compactions). */
  segments: number;
  /** Flushes that wrote them. */
  flushes: number;
  /** Samples per variable in a transfer key (a flush stopped after its rename). */
  inTransfer: number;
  /** Samples per variable in the Redis buffer. */
  inRedis: number;
  /** Stored chunks per variable, over the segments and the buffer. */
  chunks: number;
  /** Gzip'd segment bytes in S3, every variable. */
  segmentBytes: number;
  /** Uncompressed NDJSON of the segments, every variable. */
  segmentTextBytes: number;
  /** Chunk text in the Redis buffers, every variable. */
  redisTextBytes: number;
  buildSeconds: number;
  writeSeconds: number;
  flushSeconds: number;
}

/**
 * Builds a fresh run: for each entry of `segmentSamples`, write that many
 * samples of every variable through BatchWriter (SeriesWriter), then flush
 * the run (one segment per variable) and run `afterFlush`; then write
 * `inTransfer` more and rename each buffer to a transfer key
 * (TransferStore.begin, a flush's first step); then write `inRedis` more,
 * left buffered. Checked at the end: every variable counts exactly its
 * samples, and its segments are exactly the flushes' (without
 * `afterFlush`) or cover every flushed seq (with it).
 */
export async function buildHistory(
  stores: TieringStores,
  plan: HistoryPlan,
  log: (line: string) => void,
): Promise<HistoryLayout> {
  const { hot, cold } = stores;
  const names = [...plan.variables];
  const run = `${plan.runPrefix}-${Date.now().toString(36)}`;
  await hot.runs.create({ id: run });
  const writer = new SeriesWriter(hot, run, names, { batchSamples: plan.batchSamples });
  const flusher = new Flusher(hot, cold);
  const flushes = plan.segmentSamples.length;
  const started = performance.now();
  let writeSeconds = 0;
  let flushSeconds = 0;
  let lastLog = started;
  for (const [i, size] of plan.segmentSamples.entries()) {
    const writeStart = performance.now();
    await writer.write(size);
    const flushStart = performance.now();
    const report = await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run });
    await plan.afterFlush?.(run);
    const end = performance.now();
    writeSeconds += (flushStart - writeStart) / 1000;
    flushSeconds += (end - flushStart) / 1000;
    if (report.moved !== names.length || report.samples !== size * names.length)
      throw new Error(
        `flush ${i + 1} moved ${report.moved} buffers, ${report.samples} samples; ` +
          `expected ${names.length}, ${size * names.length}`,
      );
    if (end - lastLog > 5_000 || i === flushes - 1) {
      lastLog = end;
      log(
        `  built ${i + 1}/${flushes} flushes per variable (${fmtInt(writer.written)} samples × ${names.length})`,
      );
    }
  }
  const inTransfer = plan.inTransfer ?? 0;
  if (inTransfer > 0) {
    const writeStart = performance.now();
    await writer.write(inTransfer);
    writeSeconds += (performance.now() - writeStart) / 1000;
    for (const name of names)
      if ((await hot.transfers.begin(run, name)) === undefined)
        throw new Error(`${run}/${name}: no buffer to rename to a transfer key`);
  }
  if (plan.inRedis > 0) {
    const writeStart = performance.now();
    await writer.write(plan.inRedis);
    writeSeconds += (performance.now() - writeStart) / 1000;
  }

  const flushed = plan.segmentSamples.reduce((a, b) => a + b, 0);
  const samplesPerVariable = flushed + inTransfer + plan.inRedis;
  let segments = 0;
  let segmentBytes = 0;
  let segmentTextBytes = 0;
  let redisTextBytes = 0;
  let redisChunks = 0;
  for (const name of names) {
    const count = await hot.reader.count(run, name);
    const listed = await cold.listSegments(run, name);
    const problem =
      count !== samplesPerVariable
        ? `counts ${count} samples, wanted ${samplesPerVariable}`
        : plan.afterFlush === undefined && listed.length !== flushes
          ? `has ${listed.length} segments, wanted ${flushes}`
          : uncoveredSeq(listed, flushed);
    if (problem !== undefined) throw new Error(`${run}/${name} ${problem}`);
    segments = listed.length;
    const redisTexts = await redisChunkTexts(hot, run, name);
    redisChunks = redisTexts.length;
    redisTextBytes += redisTexts.reduce((n, t) => n + Buffer.byteLength(t), 0);
    segmentBytes += listed.reduce((n, s) => n + s.size, 0);
    for (const segment of listed) segmentTextBytes += await gunzippedSize(stores, segment);
  }
  const segmentChunks = plan.segmentSamples.reduce(
    (n, size) => n + Math.ceil(size / plan.batchSamples),
    0,
  );
  return {
    run,
    variables: names,
    samplesPerVariable,
    segments,
    flushes,
    inTransfer,
    inRedis: plan.inRedis,
    chunks: segmentChunks + redisChunks,
    segmentBytes,
    segmentTextBytes,
    redisTextBytes,
    buildSeconds: (performance.now() - started) / 1000,
    writeSeconds,
    flushSeconds,
  };
}

/**
 * One variable (ONE_VARIABLE) of a read phase's history in run
 * `<runPrefix>-…`: buildHistory with the bench's chunk size
 * (BENCH_TIERING_BATCH) and the phase's log.
 */
export function buildOneVariable(
  { stores, log, config }: TierPhase,
  runPrefix: string,
  layout: Pick<HistoryPlan, 'segmentSamples' | 'inTransfer' | 'inRedis' | 'afterFlush'>,
): Promise<HistoryLayout> {
  const plan = { runPrefix, variables: [ONE_VARIABLE], batchSamples: config.BENCH_TIERING_BATCH };
  return buildHistory(stores, { ...plan, ...layout }, log);
}

/**
 * Makes run `to` a copy of a built history whose samples have all been
 * flushed (`layout.inRedis` 0): what the Merger finds of a run that is ready
 * to merge, for runs that a merge consumes (it deletes the segments and
 * forgets the run in Redis), so each timed merge gets its own.
 *
 * S3: each segment object, and its index object when it has one, copied
 * server-side (CopyObject) to the same key under `to`. Redis: seedFlushedRun
 * with the built run's `samples` count and stats hashes, copied field for
 * field. The Merger merges what `hot.reader.variables(run)` lists, up to
 * each stats count, from `cold.listSegments`. Writing a batch instead would
 * give new seqs, so the segments' ranges would no longer be the run's.
 */
export async function cloneFlushedHistory(
  stores: TieringStores,
  layout: HistoryLayout,
  to: string,
): Promise<void> {
  if (layout.inRedis !== 0)
    throw new Error(`${layout.run} still holds samples in Redis: only flushed histories clone`);
  const { hot, cold } = stores;
  const from = layout.run;

  // Each segment with its index object, when it has one (the merge reads its pieces and pyramid).
  const copies = (
    await Promise.all(
      layout.variables.map(async (name) =>
        (await cold.listSegments(from, name)).flatMap((s) => {
          const target = cold.keys.segment(to, name, s.first, s.last);
          const data = { source: s.key, target };
          if (!hasIndex(s)) return [data];
          return [data, { source: cold.keys.indexOf(s.key), target: cold.keys.indexOf(target) }];
        }),
      ),
    )
  ).flat();
  await mapWithConcurrency(copies, 8, async ({ source, target }) => {
    await stores.s3Client.send(
      new CopyObjectCommand({
        Bucket: stores.bucket,
        Key: target,
        CopySource: copySource(stores.bucket, source),
      }),
    );
  });

  const samples = await hot.redis.hget(hot.keys.run(from), 'samples');
  const read = hot.redis.pipeline();
  for (const name of layout.variables) read.hgetall(hot.keys.stats(from, name));
  const stats = ((await read.exec()) ?? []).map(([err, h], i) => {
    if (err) throw err;
    const hash = h as Record<string, string>;
    if (hash.count === undefined) throw new Error(`${from}: no stats for variable ${i}`);
    return [layout.variables[i] as string, hash] as const;
  });
  await seedFlushedRun(hot, to, samples ?? '0', new Map(stats));

  for (const name of layout.variables) {
    const [a, b] = await Promise.all([cold.listSegments(from, name), cold.listSegments(to, name)]);
    const same =
      a.length === b.length &&
      a.every((s, i) => s.first === b[i]?.first && s.last === b[i]?.last && s.size === b[i]?.size);
    if (!same) throw new Error(`${to}/${name}: the copied segments differ from ${from}'s`);
  }
}

/** Where listed segments first fail to hold seqs 1..last (undefined when they hold them all). */
function uncoveredSeq(listed: readonly SegmentInfo[], last: number): string | undefined {
  for (let next = 1; next <= last;) {
    const segment = coveringSegment(listed, next);
    if (segment === undefined) return `has no segment holding seq ${next}`;
    next = segment.last + 1;
  }
  return undefined;
}

/** The chunk texts a variable holds in Redis: its transfer keys', then its buffer's. */
export async function redisChunkTexts(
  hot: HotStore,
  run: string,
  variable: string,
): Promise<string[]> {
  const keys = [
    ...(await hot.transfers.transfers(run, variable)).map((t) => t.key),
    hot.keys.buffer(run, variable),
  ];
  const texts: string[] = [];
  for (const key of keys)
    texts.push(...(await hot.redis.lrangeBuffer(key, 0, -1)).map(storedChunkText));
  return texts;
}

/** CopyObject's `x-amz-copy-source`: bucket/key, each key part URL-encoded (keys hold `%XX`). */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The uncompressed size of a segment (untimed: the volume the figures are quoted for). */
async function gunzippedSize(stores: TieringStores, segment: SegmentInfo): Promise<number> {
  const response = await stores.s3Client.send(
    new GetObjectCommand({ Bucket: stores.bucket, Key: segment.key }),
  );
  const body = response.Body as Readable | undefined;
  if (body === undefined) throw new Error(`${segment.key}: no body`);
  let n = 0;
  for await (const block of body.pipe(createGunzip()) as AsyncIterable<Buffer>) n += block.length;
  return n;
}
