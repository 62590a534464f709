import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import {
  DEFAULT_PART_SIZE_BYTES,
  DEFAULT_UPLOAD_QUEUE_SIZE,
  SEGMENT_CONTENT_TYPE,
  type SegmentInfo,
} from '@runstream/cold-store';
import { Flusher, Merger, type MergeReport } from '@runstream/tiering';
import { CpuMeter } from './cpu-usage';
import { LABEL_WIDTH, fmtInt } from './format';
import { fieldMedians, median } from './stats';
import {
  ONE_VARIABLE,
  buildHistory,
  cloneFlushedHistory,
  type HistoryLayout,
  type OneVariablePlan,
} from './segmented-history';
import { evenSplit } from './tiering-data';
import {
  MB,
  SeqTally,
  rateFigures,
  timeRatio,
  type RateFigures,
  type TimeRatio,
  type Timing,
  type Volume,
} from './tiering-figures';
import type { TierPhase } from './tier-phase';
import type { TieringStores } from './tiering-stores';

/** The merge should take at most this many times as long as a raw S3 → S3 copy of the same bytes. */
export const MERGE_TARGET_TIME_RATIO = 2;
/** Variables one merge job merges at once: the worker's MERGE_VARIABLE_CONCURRENCY default. */
export const MERGE_VARIABLE_CONCURRENCY = 4;

/** S3 commands a (multipart) upload consists of. */
const UPLOAD_COMMANDS = [
  'PutObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
];

export type MergePlan = OneVariablePlan;

/** S3 requests inside one merge; uploads overlap each other and the reading. */
export interface MergeRequests {
  getObjects: number;
  /** Summed until each response's headers. */
  getObjectMs: number;
  uploadRequests: number;
  /** Summed over requests that overlap (up to 4 parts in flight). */
  uploadMs: number;
}

export interface MergeRound {
  round: number;
  merge: Timing;
  requests: MergeRequests;
  /** GetObject of each segment streamed into one multipart upload. */
  rawConcat: Timing;
  /** GetObject + PutObject of each segment, one after another. */
  rawCopy: Timing;
  mergedBytes: number;
  /** How the round's merged object was checked. */
  check: 'full read' | 'head and first chunks';
}

export interface MergeResults {
  plan: MergePlan;
  layout: HistoryLayout;
  volume: Volume;
  rounds: MergeRound[];
  merge: RateFigures;
  rawConcat: RateFigures;
  rawCopy: RateFigures;
  /** Merge time over raw copy time: the target is about `toRawConcat`. */
  toRawConcat: TimeRatio;
  toRawCopy: TimeRatio;
  target: number;
  pass: boolean;
  requests: MergeRequests;
  /** Median size of the merged object; the segments' total is layout.segmentBytes. */
  mergedBytes: number;
  /** Merged object over the segments it replaced, in bytes. */
  sizeRatio: number;
  lastReport: MergeReport;
}

/**
 * Completes and merges a run as a merge job does (`Merger.merge`, the
 * worker's variable concurrency), without the quiescence wait: nothing
 * writes to it.
 */
export function mergeNow(stores: TieringStores, run: string): Promise<MergeReport> {
  const { hot, cold } = stores;
  return new Merger(hot, cold, new Flusher(hot, cold)).merge(run, {
    reason: 'requested',
    quiescenceMs: 0,
    concurrency: MERGE_VARIABLE_CONCURRENCY,
  });
}

/** One variable of `samples` samples in `segments` segments in S3, nothing in Redis. */
export async function buildMergeHistory(
  { stores, log }: TierPhase,
  plan: MergePlan,
): Promise<HistoryLayout> {
  return buildHistory(
    stores,
    {
      runPrefix: 'bench-merge',
      variables: [ONE_VARIABLE],
      segmentSamples: evenSplit(plan.samples, plan.segments),
      inRedis: 0,
      batchSamples: plan.batchSamples,
    },
    log,
  );
}

/**
 * Merge throughput. The history is built once; each pass gets a fresh run
 * that is a copy of it (segments copied server-side, Redis state cloned;
 * untimed: see cloneFlushedHistory), because a merge deletes the segments
 * and forgets the run. Timed: `new Merger(hot, cold, flusher).merge(run,
 * { reason: 'requested', quiescenceMs: 0, concurrency: 4 })` — the whole
 * job: completion status, the (empty) flush of the run, the segments
 * streamed through gunzip into one gzip'd multipart upload, the segments'
 * deletion, the manifest, Redis forgetting the run. Baselines, same bytes,
 * same client: raw copies of the built run's segment objects. Round 0 is an
 * unmeasured warm-up; later rounds alternate what goes first. Every merged
 * object is checked (round 1's read in full).
 */
export async function measureMerge(
  phase: TierPhase,
  plan: MergePlan,
  layout: HistoryLayout,
): Promise<MergeResults> {
  const { stores, log, profile } = phase;
  const { cold } = stores;
  const segments = await cold.listSegments(layout.run, ONE_VARIABLE);
  const samples = layout.samplesPerVariable;
  const cpu = new CpuMeter(stores.pids());
  const volume: Volume = {
    samples,
    textBytes: layout.segmentTextBytes,
    storedBytes: layout.segmentBytes,
    objects: segments.length,
  };
  let copies = 0;
  const freshRun = async (): Promise<string> => {
    const run = `${layout.run}-m${copies++}`;
    await cloneFlushedHistory(stores, layout, run);
    return run;
  };
  const merge = (run: string): Promise<MergeReport> => mergeNow(stores, run);
  const expectMerged = (report: MergeReport): void => {
    if (
      report.outcome !== 'merged' ||
      report.variables !== 1 ||
      report.samples !== samples ||
      report.segments !== segments.length
    )
      throw new Error(
        `merge: ${report.outcome}, ${report.variables} variables, ${report.samples} samples, ` +
          `${report.segments} segments; expected merged, 1, ${samples}, ${segments.length}`,
      );
  };

  const rounds: MergeRound[] = [];
  let lastReport: MergeReport | undefined;
  for (let round = 0; round <= plan.rounds; round++) {
    const run = await freshRun();
    const baselines = async (): Promise<{ rawConcat: Timing; rawCopy: Timing }> => {
      const concatKey = `bench-raw-concat/${run}.ndjson.gz`;
      const rawConcat = await cpu.measure(() => rawConcatUpload(stores, segments, concatKey));
      const rawCopy = await cpu.measure(() =>
        rawCopyEach(stores, segments, `bench-raw-copy/${run}`),
      );
      await cold.deleteObjects([
        concatKey,
        ...segments.map((_, i) => rawCopyKey(`bench-raw-copy/${run}`, i)),
      ]);
      return { rawConcat, rawCopy };
    };

    // Round 0 (warm-up) and odd rounds merge first, even rounds last.
    const baselinesFirst = round > 0 && round % 2 === 0;
    const early = baselinesFirst ? await baselines() : undefined;

    stores.timer.reset();
    let report: MergeReport | undefined;
    const mergeTiming = await cpu.measure(async () => {
      report = await merge(run);
    });
    if (report === undefined) throw new Error('the merge did not run');
    const requests: MergeRequests = {
      getObjects: stores.timer.count('GetObject'),
      getObjectMs: stores.timer.seconds('GetObject') * 1000,
      uploadRequests: UPLOAD_COMMANDS.reduce((n, c) => n + stores.timer.count(c), 0),
      uploadMs: UPLOAD_COMMANDS.reduce((s, c) => s + stores.timer.seconds(c), 0) * 1000,
    };
    expectMerged(report);
    lastReport = report;
    const full = round === 1;
    const mergedBytes = await checkMerged(stores, run, samples, full);

    const late = baselinesFirst ? undefined : await baselines();
    const { rawConcat, rawCopy } = (early ?? late) as { rawConcat: Timing; rawCopy: Timing };
    const r: MergeRound = {
      round,
      merge: mergeTiming,
      requests,
      rawConcat,
      rawCopy,
      mergedBytes,
      check: full ? 'full read' : 'head and first chunks',
    };
    const rate = (t: Timing): string =>
      `${(volume.storedBytes / MB / t.seconds).toFixed(1).padStart(6)} MB/s gz`;
    log(
      `  ${round === 0 ? 'warm-up  ' : `round ${round}/${plan.rounds}`} ` +
        `${'merge'.padEnd(LABEL_WIDTH)} ${r.merge.seconds.toFixed(2)} s ${rate(r.merge)} ` +
        `${fmtInt(samples / r.merge.seconds).padStart(11)} samples/s | ` +
        `raw concat ${r.rawConcat.seconds.toFixed(2)} s ${rate(r.rawConcat)} | ` +
        `raw copy ${r.rawCopy.seconds.toFixed(2)} s | ` +
        `merge/concat ${(r.merge.seconds / r.rawConcat.seconds).toFixed(2)}× | ` +
        `merged ${(mergedBytes / MB).toFixed(1)} MB${full ? ', read in full: 1..' + fmtInt(samples) : ''}`,
    );
    if (round > 0) rounds.push(r);
  }

  if (profile !== undefined) {
    const run = await freshRun();
    expectMerged(await profile('merge', () => merge(run)));
    await checkMerged(stores, run, samples, false);
  }

  if (lastReport === undefined) throw new Error('no merge rounds ran');
  const of = (pick: (r: MergeRound) => Timing): Timing[] => rounds.map(pick);
  const toRawConcat = timeRatio(
    of((r) => r.merge),
    of((r) => r.rawConcat),
  );
  const mergedBytes = median(rounds.map((r) => r.mergedBytes));
  return {
    plan,
    layout,
    volume,
    rounds,
    merge: rateFigures(
      'merge',
      of((r) => r.merge),
      volume,
    ),
    rawConcat: rateFigures(
      'raw concat',
      of((r) => r.rawConcat),
      volume,
    ),
    rawCopy: rateFigures(
      'raw copy',
      of((r) => r.rawCopy),
      volume,
    ),
    toRawConcat,
    toRawCopy: timeRatio(
      of((r) => r.merge),
      of((r) => r.rawCopy),
    ),
    target: MERGE_TARGET_TIME_RATIO,
    pass: toRawConcat.ratio <= MERGE_TARGET_TIME_RATIO,
    requests: fieldMedians(rounds.map((r) => r.requests)),
    mergedBytes,
    sizeRatio: mergedBytes / layout.segmentBytes,
    lastReport,
  };
}

/**
 * Checks a merged run: the merged object's `last-seq` metadata is `samples`,
 * its chunks start at seq 1 and follow on (all of them when `full`: exactly
 * 1..samples), no segment is left, the manifest counts `samples`, Redis
 * forgot the run. Then deletes the merged object and the manifest. Returns
 * the merged object's size.
 */
async function checkMerged(
  stores: TieringStores,
  run: string,
  samples: number,
  full: boolean,
): Promise<number> {
  const { hot, cold } = stores;
  const info = await cold.mergedInfo(run, ONE_VARIABLE);
  if (info?.lastSeq !== samples)
    throw new Error(`${run}: merged object's last-seq is ${info?.lastSeq}, expected ${samples}`);
  const tally = new SeqTally();
  for await (const chunk of cold.readObject(info.key)) {
    tally.add(chunk.first, chunk.t.length);
    if (tally.problem !== undefined || (!full && tally.chunks >= 3)) break;
  }
  const problem = full ? tally.check(samples) : tally.problem;
  if (problem !== undefined) throw new Error(`${run}: merged object: ${problem}`);
  const left = await cold.listSegments(run, ONE_VARIABLE);
  if (left.length > 0) throw new Error(`${run}: ${left.length} segments left after the merge`);
  const manifest = await cold.getManifest(run);
  const count = manifest?.variables.find((v) => v.name === ONE_VARIABLE)?.count;
  if (manifest?.run.status !== 'completed' || count !== samples)
    throw new Error(`${run}: manifest ${manifest?.run.status ?? 'missing'}, count ${count}`);
  if ((await hot.runs.get(run)) !== undefined) throw new Error(`${run}: Redis still knows it`);
  await cold.deleteDataObjects([info.key]);
  await cold.deleteObjects([cold.keys.manifest(run)]);
  return info.size;
}

function rawCopyKey(prefix: string, i: number): string {
  return `${prefix}/${String(i).padStart(4, '0')}.ndjson.gz`;
}

async function getBody(stores: TieringStores, key: string): Promise<Readable> {
  const response = await stores.s3Client.send(
    new GetObjectCommand({ Bucket: stores.bucket, Key: key }),
  );
  if (response.Body === undefined) throw new Error(`${key}: no body`);
  return response.Body as Readable;
}

/** GetObject of each segment, then PutObject of its bytes to a key of its own, one after another. */
async function rawCopyEach(
  stores: TieringStores,
  segments: readonly SegmentInfo[],
  prefix: string,
): Promise<void> {
  for (const [i, segment] of segments.entries()) {
    const blocks: Buffer[] = [];
    for await (const block of (await getBody(stores, segment.key)) as AsyncIterable<Buffer>)
      blocks.push(block);
    const body = Buffer.concat(blocks);
    await stores.s3Client.send(
      new PutObjectCommand({
        Bucket: stores.bucket,
        Key: rawCopyKey(prefix, i),
        Body: body,
        ContentLength: body.length,
        ContentType: SEGMENT_CONTENT_TYPE,
      }),
    );
  }
}

/**
 * The segments' bytes, GetObject after GetObject, streamed into one object
 * as the merge writes its own: a multipart upload of DEFAULT_PART_SIZE_BYTES
 * parts, DEFAULT_UPLOAD_QUEUE_SIZE in flight (lib-storage's scheme, which
 * ColdStore uses), one PutObject when it all fits one part. (Concatenated
 * gzip members are one valid gzip stream.)
 */
export async function rawConcatUpload(
  stores: TieringStores,
  segments: readonly SegmentInfo[],
  key: string,
  partSize = DEFAULT_PART_SIZE_BYTES,
  queueSize = DEFAULT_UPLOAD_QUEUE_SIZE,
): Promise<void> {
  const { s3Client: client, bucket } = stores;
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const failure: { error?: Error } = {};
  let sent = 0;
  const sendPart = async (body: Buffer): Promise<void> => {
    if (uploadId === undefined) {
      const created = await client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ContentType: SEGMENT_CONTENT_TYPE,
        }),
      );
      if (created.UploadId === undefined) throw new Error(`${key}: no upload id`);
      uploadId = created.UploadId;
    }
    const PartNumber = ++sent;
    const p: Promise<void> = client
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then(
        (out) => {
          parts.push({ ETag: out.ETag, PartNumber });
        },
        (error: unknown) => {
          failure.error ??= error instanceof Error ? error : new Error(String(error));
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    while (inFlight.size >= queueSize) await Promise.race(inFlight);
    if (failure.error !== undefined) throw failure.error;
  };

  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (const segment of segments) {
      for await (const block of (await getBody(stores, segment.key)) as AsyncIterable<Buffer>) {
        pending.push(block);
        pendingBytes += block.length;
        if (pendingBytes >= partSize) {
          const all = Buffer.concat(pending);
          await sendPart(all.subarray(0, partSize));
          pending = all.length > partSize ? [all.subarray(partSize)] : [];
          pendingBytes = all.length - partSize;
        }
      }
    }
    const rest = Buffer.concat(pending);
    if (uploadId === undefined) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: rest,
          ContentLength: rest.length,
          ContentType: SEGMENT_CONTENT_TYPE,
        }),
      );
      return;
    }
    if (rest.length > 0) await sendPart(rest);
    await Promise.all(inFlight);
    if (failure.error !== undefined) throw failure.error;
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [...parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0)),
        },
      }),
    );
  } catch (err) {
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined)
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    throw err;
  }
}
