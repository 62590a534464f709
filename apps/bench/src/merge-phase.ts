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
import { fieldMedians, median } from './stats';
import {
  ONE_VARIABLE,
  buildHistory,
  cloneFlushedHistory,
  type HistoryLayout,
  type OneVariablePlan,
} from './segmented-history';
import { evenSplit } from './tiering-data';
import { fmtCpu, fmtInt, type PhaseTable } from './report';
import { figures, runRounds, versus, type Subject } from './runner';
import { MB, SeqTally, fmtMB, type Timing } from './tiering-figures';
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
 * Merge time. The history is built once; each merge gets a fresh run that
 * is a copy of it (segments copied server-side, Redis state cloned;
 * untimed: see cloneFlushedHistory), because a merge deletes the segments
 * and forgets the run. Timed: `new Merger(hot, cold, flusher).merge(run,
 * { reason: 'requested', quiescenceMs: 0, concurrency: 4 })` — the whole
 * job: completion status, the (empty) flush of the run, the segments
 * streamed through gunzip into one gzip'd multipart upload, the segments'
 * deletion, the manifest, Redis forgetting the run. Baselines, same bytes,
 * same client: raw copies of the built run's segment objects. Every merged
 * object is checked (round 1's read in full).
 */
export async function mergePhase(phase: TierPhase): Promise<PhaseTable> {
  const { stores, log, profile, config } = phase;
  const plan: MergePlan = {
    rounds: config.BENCH_ROUNDS,
    samples: config.BENCH_MERGE_SAMPLES,
    segments: config.BENCH_MERGE_SEGMENTS,
    batchSamples: config.BENCH_TIERING_BATCH,
  };
  log(`  building ${plan.samples} samples in ${plan.segments} segments, nothing in Redis`);
  const layout = await buildMergeHistory(phase, plan);
  const { cold } = stores;
  const segments = await cold.listSegments(layout.run, ONE_VARIABLE);
  const samples = layout.samplesPerVariable;
  const cpu = new CpuMeter(stores.pids());
  let copies = 0;
  const freshRun = async (): Promise<string> => {
    const run = `${layout.run}-m${copies++}`;
    await cloneFlushedHistory(stores, layout, run);
    return run;
  };
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

  type Pass = Timing & { requests?: MergeRequests; mergedBytes?: number };
  const describe = (t: Pass): string =>
    `${t.seconds.toFixed(2)} s ${(layout.segmentBytes / MB / t.seconds).toFixed(1).padStart(6)} MB/s gz ` +
    `${fmtInt(samples / t.seconds).padStart(11)} samples/s`;
  const mergeSubject: Subject<Pass> = {
    name: 'Merger.merge',
    describe: (t) => `${describe(t)}, merged ${fmtMB(t.mergedBytes ?? 0)}`,
    measure: async (round) => {
      const run = await freshRun();
      stores.timer.reset();
      let report: MergeReport | undefined;
      const timing = await cpu.measure(async () => {
        report = await mergeNow(stores, run);
      });
      if (report === undefined) throw new Error('the merge did not run');
      expectMerged(report);
      const requests: MergeRequests = {
        getObjects: stores.timer.count('GetObject'),
        getObjectMs: stores.timer.seconds('GetObject') * 1000,
        uploadRequests: UPLOAD_COMMANDS.reduce((n, c) => n + stores.timer.count(c), 0),
        uploadMs: UPLOAD_COMMANDS.reduce((x, c) => x + stores.timer.seconds(c), 0) * 1000,
      };
      const mergedBytes = await checkMerged(stores, run, samples, round === 1);
      return { ...timing, requests, mergedBytes };
    },
  };
  const rawSubject = (
    name: string,
    copy: (prefix: string) => Promise<void>,
    keys: (prefix: string) => string[],
  ): Subject<Pass> => ({
    name,
    describe,
    measure: async () => {
      const prefix = `bench-raw/${layout.run}-${copies++}`;
      const timing = await cpu.measure(() => copy(prefix));
      await cold.deleteObjects(keys(prefix));
      return timing;
    },
  });
  const subjects = [
    mergeSubject,
    {
      ...rawSubject(
        'raw GET each → one multipart upload',
        (prefix) => rawConcatUpload(stores, segments, `${prefix}.ndjson.gz`),
        (prefix) => [`${prefix}.ndjson.gz`],
      ),
      baseline: true as const,
    },
    rawSubject(
      'raw GET + PUT each',
      (prefix) => rawCopyEach(stores, segments, prefix),
      (prefix) => segments.map((_, i) => rawCopyKey(prefix, i)),
    ),
  ];
  const rounds = await runRounds(subjects, plan.rounds, log);

  if (profile !== undefined) {
    const run = await freshRun();
    expectMerged(await profile('merge', () => mergeNow(stores, run)));
    await checkMerged(stores, run, samples, false);
  }

  const merges = rounds[0] ?? [];
  const rows = figures(subjects, rounds, {
    figure: 's',
    value: (t) => t.seconds,
    ratios: true,
    targets: {
      'Merger.merge': { on: 'ratio', target: { atMost: MERGE_TARGET_TIME_RATIO }, unit: 'times' },
    },
  });
  rows.push(versus(rows, 'Merger.merge', 'raw GET + PUT each'));
  const mergedBytes = merges.map((r) => r.mergedBytes ?? Number.NaN);
  rows.push({
    subject: 'merged object',
    figure: 'bytes',
    perRound: mergedBytes,
    median: median(mergedBytes),
    ratio: {
      to: 'the segments',
      perRound: mergedBytes.map((b) => b / layout.segmentBytes),
      median: median(mergedBytes) / layout.segmentBytes,
    },
  });
  const q = fieldMedians(merges.map((r) => r.requests as MergeRequests));
  return {
    phase: 'merge',
    title:
      `S3 segments → one merged object: ${fmtInt(samples)} samples of one variable in ${layout.segments} segments ` +
      `(${fmtMB(layout.segmentBytes)} gzip'd, ${fmtMB(layout.segmentTextBytes)} text), chunks of ${fmtInt(plan.batchSamples)}, ` +
      `copied to a fresh run per merge (not timed)`,
    figures: rows,
    notes: [
      `inside the merge (medians): ${q.getObjects} GetObject ${q.getObjectMs.toFixed(0)} ms until their headers; ` +
        `${q.uploadRequests} upload requests ${q.uploadMs.toFixed(0)} ms summed (they overlap the reading)`,
      ...subjects.map((s, i) => `${s.name}: CPU ${fmtCpu(rounds[i] ?? [])}`),
      `checked: round 1's merged object read in full, exactly seqs 1..${fmtInt(samples)}; every merge: last-seq ` +
        `metadata, chunks from seq 1, no segment left, manifest count, Redis forgot the run`,
    ],
    details: { plan, layout },
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
