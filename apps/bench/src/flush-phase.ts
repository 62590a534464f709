import { promisify } from 'node:util';
import { gunzipSync, gzip, type InputType, type ZlibOptions } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  SEGMENT_CONTENT_TYPE,
  SEGMENT_GZIP_LEVEL,
  type ColdStore,
  type SegmentInfo,
  type SegmentLevels,
} from '@runstream/cold-store';
import { Flusher, type FlushReport, type SegmentSink } from '@runstream/tiering';
import { variableNames } from './bodies';
import { CpuMeter } from './cpu-usage';
import { LABEL_WIDTH, fmtInt } from './format';
import { median } from './stats';
import { SeriesWriter } from './tiering-data';
import type { PhaseTable } from './report';
import { figures, versus } from './runner';
import { MB, fmtCpu, fmtMB, type Timing, type Volume } from './tiering-figures';
import type { TierPhase } from './tier-phase';
import type { TieringStores } from './tiering-stores';

const gzipAsync = promisify<InputType, ZlibOptions, Buffer>(gzip);

/** The flush should move data at no less than this share of raw PutObject of the same objects. */
export const FLUSH_TARGET_RATIO = 0.8;

/** S3 commands an upload may consist of (a body over the part size goes multipart). */
const UPLOAD_COMMANDS = [
  'PutObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
];

export interface FlushPlan {
  rounds: number;
  variables: number;
  samplesPerVariable: number;
  /** Samples per variable per write (per stored chunk). */
  batchSamples: number;
}

export interface FlushRound {
  round: number;
  /** Writing the samples through BatchWriter before the flush; in no figure. */
  writeSeconds: number;
  flush: Timing & {
    /** Inside the flush: in ColdStore.putSegment (gzip + upload). */
    sinkSeconds: number;
    /** Inside the flush: in S3 upload requests. */
    uploadSeconds: number;
  };
  rawPut: Timing;
  rawGzipPut: Timing;
}

export interface FlushResults {
  plan: FlushPlan;
  /** What every round moved: FlushReport.samples and .bytes, the gzip'd objects. */
  volume: Volume;
  rounds: FlushRound[];
}

/** Passes the segments to the cold store, timing how long they spend there. */
class TimedSink implements SegmentSink {
  seconds = 0;
  constructor(private readonly cold: ColdStore) {}
  async putSegment(
    run: string,
    variable: string,
    chunkTexts: string[],
    firstSeq: number,
    lastSeq: number,
    levels: SegmentLevels,
  ): Promise<SegmentInfo> {
    const started = performance.now();
    try {
      return await this.cold.putSegment(run, variable, chunkTexts, firstSeq, lastSeq, levels);
    } finally {
      this.seconds += (performance.now() - started) / 1000;
    }
  }
}

/**
 * Flush throughput. Each round: a fresh run; `variables` × `samplesPerVariable`
 * samples written through BatchWriter (ingest's write path); then, timed,
 * `new Flusher(hot, cold).flush({ lowWater: 0, budgetBytes: 0, everything: true })`
 * — every buffer renamed, read, gzip'd, uploaded as one segment and deleted.
 * The baselines move the very objects the flush stored (fetched back after
 * it, checked byte-identical round to round) to the same s3rver with the same
 * client, one after another as the flush does: raw PutObject of the gzip'd
 * bodies, and gzip + PutObject of their text. Round 0 is an unmeasured
 * warm-up; later rounds alternate which goes first.
 */
export async function measureFlush(phase: TierPhase, plan: FlushPlan): Promise<FlushResults> {
  const { stores, log, profile } = phase;
  const { hot, cold } = stores;
  const names = variableNames({ variables: plan.variables, samplesPerVariable: 0 });
  const prefix = `bench-flush-${Date.now().toString(36)}`;
  const cpu = new CpuMeter(stores.pids());
  /** Writes a fresh run's samples; returns it and how long the writes took. */
  const fill = async (round: number | string): Promise<{ run: string; writeSeconds: number }> => {
    const run = `${prefix}-${round}`;
    await hot.runs.create({ id: run });
    const writer = new SeriesWriter(hot, run, names, { batchSamples: plan.batchSamples });
    const started = performance.now();
    await writer.write(plan.samplesPerVariable);
    return { run, writeSeconds: (performance.now() - started) / 1000 };
  };

  const flushNow = async (): Promise<{ report: FlushReport; sink: TimedSink }> => {
    const sink = new TimedSink(cold);
    const report = await new Flusher(hot, sink).flush({
      lowWater: 0,
      budgetBytes: 0,
      everything: true,
    });
    return { report, sink };
  };

  let reference: { bodies: Buffer[]; texts: Buffer[] } | undefined;
  let volume: Volume | undefined;
  const rounds: FlushRound[] = [];
  for (let round = 0; round <= plan.rounds; round++) {
    const { run, writeSeconds } = await fill(`r${round}`);
    const baselines = async (): Promise<{ rawPut: Timing; rawGzipPut: Timing }> => {
      const { bodies, texts } = reference as { bodies: Buffer[]; texts: Buffer[] };
      const rawPut = await cpu.measure(() => putAll(stores, `bench-raw/${run}`, bodies));
      const rawGzipPut = await cpu.measure(() =>
        gzipAndPutAll(stores, `bench-raw-gzip/${run}`, texts),
      );
      return { rawPut, rawGzipPut };
    };

    // Round 0 (warm-up) has no reference bodies yet; odd rounds flush first, even rounds last.
    const baselinesFirst = reference !== undefined && round % 2 === 0;
    const early = baselinesFirst ? await baselines() : undefined;

    stores.timer.reset();
    let outcome: { report: FlushReport; sink: TimedSink } | undefined;
    const flushTiming = await cpu.measure(async () => {
      outcome = await flushNow();
    });
    if (outcome === undefined) throw new Error('flush did not run');
    const { report, sink } = outcome;
    const uploadSeconds = UPLOAD_COMMANDS.reduce((s, c) => s + stores.timer.seconds(c), 0);
    const expected = plan.variables * plan.samplesPerVariable;
    if (report.moved !== plan.variables || report.samples !== expected)
      throw new Error(
        `flush of ${run} moved ${report.moved} buffers, ${report.samples} samples; ` +
          `expected ${plan.variables}, ${expected} (${report.stoppedBecause})`,
      );

    // The objects the flush stored, in a fixed order: the baselines' input.
    const segments = (await Promise.all(names.map((n) => cold.listSegments(run, n)))).flat();
    const bodies = await getAll(stores, segments);
    if (reference !== undefined && !sameBuffers(reference.bodies, bodies))
      throw new Error(`round ${round}: the flush stored other bytes than in the round before`);
    const texts = reference?.texts ?? bodies.map((b) => gunzipSync(b));
    reference = { bodies, texts };
    const thisVolume: Volume = {
      samples: report.samples,
      textBytes: report.bytes,
      storedBytes: bodies.reduce((n, b) => n + b.length, 0),
      objects: bodies.length,
    };
    volume ??= thisVolume;

    const late = baselinesFirst ? undefined : await baselines();
    const { rawPut, rawGzipPut } = (early ?? late) as { rawPut: Timing; rawGzipPut: Timing };
    await cold.deleteDataObjects(segments.map((s) => s.key));
    await cold.deleteObjects([
      ...bodies.map((_, i) => rawKey(`bench-raw/${run}`, i)),
      ...bodies.map((_, i) => rawKey(`bench-raw-gzip/${run}`, i)),
    ]);

    const r: FlushRound = {
      round,
      writeSeconds,
      flush: { ...flushTiming, sinkSeconds: sink.seconds, uploadSeconds },
      rawPut,
      rawGzipPut,
    };
    const mbps = (t: Timing): string =>
      `${(thisVolume.storedBytes / MB / t.seconds).toFixed(1).padStart(6)} MB/s gz`;
    log(
      `  ${round === 0 ? 'warm-up  ' : `round ${round}/${plan.rounds}`} ` +
        `${'flush'.padEnd(LABEL_WIDTH)} ${(thisVolume.textBytes / MB / r.flush.seconds).toFixed(1).padStart(6)} MB/s text ` +
        `${mbps(r.flush)} ${fmtInt(thisVolume.samples / r.flush.seconds).padStart(11)} samples/s | ` +
        `raw PUT ${mbps(rawPut)} | gzip+PUT ${mbps(rawGzipPut)} | ` +
        `in flush: upload ${r.flush.uploadSeconds.toFixed(2)} s, gzip ${(r.flush.sinkSeconds - r.flush.uploadSeconds).toFixed(2)} s, ` +
        `rest ${(r.flush.seconds - r.flush.sinkSeconds).toFixed(2)} s of ${r.flush.seconds.toFixed(2)} s`,
    );
    if (round > 0) rounds.push(r);
  }

  if (profile !== undefined) {
    await fill('profiled');
    await profile('flush', flushNow);
  }

  if (volume === undefined) throw new Error('no flush rounds ran');
  return { plan, volume, rounds };
}

/**
 * The flush phase's table: samples/s of the flush against raw PutObject of
 * the same objects (and gzip + PutObject of their text), the segment bytes
 * per sample, and where the flush's time went.
 */
export async function flushPhase(phase: TierPhase): Promise<PhaseTable> {
  const c = phase.config;
  const plan: FlushPlan = {
    rounds: c.BENCH_ROUNDS,
    variables: c.BENCH_FLUSH_VARIABLES,
    samplesPerVariable: c.BENCH_FLUSH_SAMPLES,
    batchSamples: c.BENCH_TIERING_BATCH,
  };
  phase.log(`  ${plan.variables} variables × ${plan.samplesPerVariable} samples a round`);
  const { volume, rounds } = await measureFlush(phase, plan);
  const subjects = [
    { name: 'Flusher.flush' },
    { name: 'raw PutObject', baseline: true as const },
    { name: 'gzip + PutObject' },
  ];
  const timings = [
    rounds.map((r) => r.flush),
    rounds.map((r) => r.rawPut),
    rounds.map((r) => r.rawGzipPut),
  ];
  const rows = figures(subjects, timings, {
    figure: 'samples/s',
    value: (t) => volume.samples / t.seconds,
    ratios: true,
    targets: {
      'Flusher.flush': { on: 'ratio', target: { atLeast: FLUSH_TARGET_RATIO }, unit: 'share' },
    },
  });
  rows.push(versus(rows, 'Flusher.flush', 'gzip + PutObject'));
  const segmentBytes = volume.storedBytes / volume.samples;
  rows.push({
    subject: 'segments',
    figure: 'gzip B/sample',
    perRound: [segmentBytes],
    median: segmentBytes,
  });
  const m = (f: (r: FlushRound) => number): string => `${median(rounds.map(f)).toFixed(3)} s`;
  return {
    phase: 'flush',
    title:
      `Redis → S3, ${plan.variables} variables × ${fmtInt(plan.samplesPerVariable)} samples in chunks of ` +
      `${fmtInt(plan.batchSamples)}, a fresh run a round: ${fmtInt(volume.samples)} samples, ` +
      `${fmtMB(volume.textBytes)} of text → ${volume.objects} segments, ${fmtMB(volume.storedBytes)} gzip'd`,
    figures: rows,
    notes: [
      `inside the flush (medians): upload requests ${m((r) => r.flush.uploadSeconds)}, ` +
        `gzip in putSegment ${m((r) => r.flush.sinkSeconds - r.flush.uploadSeconds)}, ` +
        `Redis and the rest ${m((r) => r.flush.seconds - r.flush.sinkSeconds)} of ${m((r) => r.flush.seconds)}`,
      ...subjects.map((s, i) => `${s.name}: CPU ${fmtCpu(timings[i] ?? [])}`),
      `(filling Redis through BatchWriter, not timed: ${fmtInt(median(rounds.map((r) => volume.samples / r.writeSeconds)))} samples/s)`,
    ],
    details: { plan, volume },
  };
}

function rawKey(prefix: string, i: number): string {
  return `${prefix}/${String(i).padStart(4, '0')}.ndjson.gz`;
}

/** PutObject of each body, one after another, as ColdStore.putSegment sends one. */
async function putAll(stores: TieringStores, prefix: string, bodies: Buffer[]): Promise<void> {
  for (const [i, body] of bodies.entries()) await put(stores, rawKey(prefix, i), body);
}

/** gzip (SEGMENT_GZIP_LEVEL, one call on the thread pool) then PutObject, one object after another. */
async function gzipAndPutAll(
  stores: TieringStores,
  prefix: string,
  texts: Buffer[],
): Promise<void> {
  for (const [i, text] of texts.entries()) {
    const body = await gzipAsync(text, { level: SEGMENT_GZIP_LEVEL });
    await put(stores, rawKey(prefix, i), body);
  }
}

async function put(stores: TieringStores, key: string, body: Buffer): Promise<void> {
  await stores.s3Client.send(
    new PutObjectCommand({
      Bucket: stores.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: SEGMENT_CONTENT_TYPE,
    }),
  );
}

/** The stored bytes of each object, in order (untimed: the baselines' input). */
async function getAll(stores: TieringStores, segments: SegmentInfo[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const s of segments) {
    const response = await stores.s3Client.send(
      new GetObjectCommand({ Bucket: stores.bucket, Key: s.key }),
    );
    if (response.Body === undefined) throw new Error(`${s.key}: no body`);
    const body = Buffer.from(await response.Body.transformToByteArray());
    if (body.length !== s.size) throw new Error(`${s.key}: ${body.length} bytes, listed ${s.size}`);
    out.push(body);
  }
  return out;
}

function sameBuffers(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((x, i) => x.equals(b[i] as Buffer));
}
