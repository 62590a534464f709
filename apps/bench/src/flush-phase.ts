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
import { median } from './stats';
import { SeriesWriter } from './tiering-data';
import { fmtCpu, fmtInt, type PhaseTable } from './report';
import { figures, runRounds, versus, type Subject } from './runner';
import { MB, fmtMB, type Timing, type Volume } from './tiering-figures';
import type { TierPhase } from './tier-phase';
import type { TieringStores } from './tiering-stores';

const gzipAsync = promisify<InputType, ZlibOptions, Buffer>(gzip);

/** The flush should move data at no less than this share of raw PutObject of the same objects. */
const FLUSH_TARGET_RATIO = 0.8;

/** S3 commands an upload may consist of (a body over the part size goes multipart). */
const UPLOAD_COMMANDS = [
  'PutObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
];

interface FlushPass extends Timing {
  /** Inside the flush: in ColdStore.putSegment (gzip + upload), and in S3 upload requests. */
  sinkSeconds?: number;
  uploadSeconds?: number;
  /** Writing the samples through BatchWriter before the flush; in no figure. */
  writeSeconds?: number;
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
 * Flush throughput. Each flush: a fresh run; `variables` ×
 * `samplesPerVariable` samples written through BatchWriter (ingest's write
 * path, untimed); then, timed, `new Flusher(hot, cold).flush({ lowWater: 0,
 * budgetBytes: 0, everything: true })` — every buffer renamed, read,
 * gzip'd, uploaded as one segment and deleted. The baselines move the very
 * objects the flush stored (fetched back after it, checked byte-identical
 * flush to flush) to the same s3rver with the same client, one after
 * another as the flush does: raw PutObject of the gzip'd bodies, and gzip +
 * PutObject of their text. The table: samples/s of each, the flush against
 * both, the segments' gzip bytes per sample, where the flush's time went.
 */
export async function flushPhase(phase: TierPhase): Promise<PhaseTable> {
  const { stores, log, profile, config: c } = phase;
  const plan = {
    variables: c.BENCH_FLUSH_VARIABLES,
    samplesPerVariable: c.BENCH_FLUSH_SAMPLES,
    batchSamples: c.BENCH_TIERING_BATCH,
  };
  log(`  ${plan.variables} variables × ${plan.samplesPerVariable} samples a flush`);
  const { hot, cold } = stores;
  const names = variableNames({ variables: plan.variables, samplesPerVariable: 0 });
  const prefix = `bench-flush-${Date.now().toString(36)}`;
  const cpu = new CpuMeter(stores.pids());
  let runs = 0;
  /** Writes a fresh run's samples; returns it and how long the writes took. */
  const fill = async (): Promise<{ run: string; writeSeconds: number }> => {
    const run = `${prefix}-${runs++}`;
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

  /** The objects the first flush stored, and their text: the baselines' input. */
  let reference: { bodies: Buffer[]; texts: Buffer[] } | undefined;
  let volume: Volume | undefined;
  const describe = (t: Timing): string =>
    volume === undefined
      ? ''
      : `${(volume.storedBytes / MB / t.seconds).toFixed(1).padStart(6)} MB/s gz ` +
        `${fmtInt(volume.samples / t.seconds).padStart(11)} samples/s`;
  const flush: Subject<FlushPass> = {
    name: 'Flusher.flush',
    describe,
    measure: async () => {
      const { run, writeSeconds } = await fill();
      stores.timer.reset();
      let outcome: { report: FlushReport; sink: TimedSink } | undefined;
      const timing = await cpu.measure(async () => {
        outcome = await flushNow();
      });
      if (outcome === undefined) throw new Error('flush did not run');
      const { report, sink } = outcome;
      const expected = plan.variables * plan.samplesPerVariable;
      if (report.moved !== plan.variables || report.samples !== expected)
        throw new Error(
          `flush of ${run} moved ${report.moved} buffers, ${report.samples} samples; ` +
            `expected ${plan.variables}, ${expected} (${report.stoppedBecause})`,
        );
      const segments = (await Promise.all(names.map((n) => cold.listSegments(run, n)))).flat();
      const bodies = await getAll(stores, segments);
      if (reference !== undefined && !sameBuffers(reference.bodies, bodies))
        throw new Error(`${run}: the flush stored other bytes than the one before`);
      reference ??= { bodies, texts: bodies.map((b) => gunzipSync(b)) };
      volume ??= {
        samples: report.samples,
        textBytes: report.bytes,
        storedBytes: bodies.reduce((n, b) => n + b.length, 0),
        objects: bodies.length,
      };
      await cold.deleteDataObjects(segments.map((s) => s.key));
      const uploadSeconds = UPLOAD_COMMANDS.reduce((x, cmd) => x + stores.timer.seconds(cmd), 0);
      return { ...timing, sinkSeconds: sink.seconds, uploadSeconds, writeSeconds };
    },
  };
  const raw = (
    name: string,
    put: (prefix: string, ref: { bodies: Buffer[]; texts: Buffer[] }) => Promise<void>,
  ): Subject<FlushPass> => ({
    name,
    describe,
    measure: async () => {
      // The flush's warm-up runs first, so there is a reference from then on.
      const ref = reference as { bodies: Buffer[]; texts: Buffer[] };
      const keys = `bench-raw/${prefix}-${runs++}`;
      const timing = await cpu.measure(() => put(keys, ref));
      await cold.deleteObjects(ref.bodies.map((_, i) => rawKey(keys, i)));
      return timing;
    },
  });
  const subjects = [
    flush,
    { ...raw('raw PutObject', (p, ref) => putAll(stores, p, ref.bodies)), baseline: true as const },
    raw('gzip + PutObject', (p, ref) => gzipAndPutAll(stores, p, ref.texts)),
  ];
  const rounds = await runRounds(subjects, c.BENCH_ROUNDS, log);
  if (profile !== undefined) {
    await fill();
    await profile('flush', flushNow);
  }
  const v = volume as Volume;
  const rows = figures(subjects, rounds, {
    figure: 'samples/s',
    value: (t) => v.samples / t.seconds,
    ratios: true,
    targets: {
      'Flusher.flush': { on: 'ratio', target: { atLeast: FLUSH_TARGET_RATIO }, unit: 'share' },
    },
  });
  rows.push(versus(rows, 'Flusher.flush', 'gzip + PutObject'));
  const segmentBytes = v.storedBytes / v.samples;
  rows.push({
    subject: 'segments',
    figure: 'gzip B/sample',
    perRound: [segmentBytes],
    median: segmentBytes,
  });
  const flushes = rounds[0] ?? [];
  const m = (f: (r: FlushPass) => number): string => `${median(flushes.map(f)).toFixed(3)} s`;
  return {
    phase: 'flush',
    title:
      `Redis → S3, ${plan.variables} variables × ${fmtInt(plan.samplesPerVariable)} samples in chunks of ` +
      `${fmtInt(plan.batchSamples)}, a fresh run a flush: ${fmtInt(v.samples)} samples, ` +
      `${fmtMB(v.textBytes)} of text → ${v.objects} segments, ${fmtMB(v.storedBytes)} gzip'd`,
    figures: rows,
    notes: [
      `inside the flush (medians): upload requests ${m((r) => r.uploadSeconds ?? 0)}, ` +
        `gzip in putSegment ${m((r) => (r.sinkSeconds ?? 0) - (r.uploadSeconds ?? 0))}, ` +
        `Redis and the rest ${m((r) => r.seconds - (r.sinkSeconds ?? 0))} of ${m((r) => r.seconds)}`,
      ...subjects.map((s, i) => `${s.name}: CPU ${fmtCpu(rounds[i] ?? [])}`),
      `(filling Redis through BatchWriter, not timed: ` +
        `${fmtInt(median(flushes.map((r) => v.samples / (r.writeSeconds ?? Number.NaN))))} samples/s)`,
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
