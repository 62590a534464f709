import { formatChunk } from '@runstream/cold-store';
import { PyramidBuilder, mapWithConcurrency } from '@runstream/tiering';
import { seedFlushedRun } from '@runstream/tiering/testing';
import { mergeNow } from './merge-phase';
import { batchSizes, smoothChunk } from './tiering-data';
import type { TieringStores } from './tiering-stores';

export interface CompletedPlan {
  /** The run is `<runPrefix>-<base-36 time>`. */
  runPrefix: string;
  variable: string;
  samples: number;
  /** Samples per segment (the last may hold fewer). */
  segmentSamples: number;
  /** Samples per stored chunk. */
  chunkSamples: number;
}

/** A completed variable as built: its merged object, and what making it took (not measured). */
export interface CompletedLayout {
  run: string;
  variable: string;
  samples: number;
  /** Segments merged into the merged object. */
  segments: number;
  /** Chunk text (uncompressed NDJSON) of the whole variable. */
  textBytes: number;
  mergedBytes: number;
  /** Writing the segments (generating, pyramids, gzip, PUT). */
  writeSeconds: number;
  mergeSeconds: number;
}

/** Segments being written at once: one is generated while the other compresses. */
const SEGMENTS_IN_FLIGHT = 2;

/**
 * A long completed variable (smoothChunk's signal), built the fastest
 * legitimate way: its segments written straight to S3 by
 * `ColdStore.putSegment` with their bucket pyramids (PyramidBuilder, as a
 * flush builds them), the run's Redis state seeded as the write path leaves
 * a run whose every buffer was flushed (seedFlushedRun: count, min, max,
 * last t and v, t ordered), then completed and merged by the Merger as a
 * merge job does (merged object, its index and pyramid, the manifest; Redis
 * forgets the run). What it skips, Redis's write script and the flush's
 * read-back, moves samples at ~1 M/s and changes nothing of what is read.
 */
export async function buildCompletedVariable(
  stores: TieringStores,
  plan: CompletedPlan,
  log: (line: string) => void,
): Promise<CompletedLayout> {
  const { cold } = stores;
  const run = `${plan.runPrefix}-${Date.now().toString(36)}`;
  const sizes = batchSizes(plan.samples, plan.segmentSamples);
  const starts = sizes.map((_, i) => 1 + sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const started = performance.now();
  let min = Infinity;
  let max = -Infinity;
  let textBytes = 0;
  let written = 0;
  let lastLog = started;
  // Each segment generated whole (synchronously), then compressed and uploaded while the next one is.
  await mapWithConcurrency(sizes, SEGMENTS_IN_FLIGHT, async (size, i) => {
    const first = starts[i] as number;
    const last = first + size - 1;
    const pyramid = new PyramidBuilder(first, last);
    const texts: string[] = [];
    for (let seq = first; seq <= last; seq += plan.chunkSamples) {
      const chunk = smoothChunk(seq, Math.min(plan.chunkSamples, last - seq + 1));
      pyramid.add(chunk);
      for (const v of chunk.v) {
        if (typeof v !== 'number') continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const text = formatChunk(chunk);
      textBytes += text.length + 1;
      texts.push(text);
    }
    await cold.putSegment(run, plan.variable, texts, first, last, () => pyramid.build());
    written++;
    const now = performance.now();
    if (now - lastLog > 10_000) {
      lastLog = now;
      log(`  wrote ${written}/${sizes.length} segments`);
    }
  });
  const writeSeconds = (performance.now() - started) / 1000;

  const end = smoothChunk(plan.samples, 1);
  await seedFlushedRun(
    stores.hot,
    run,
    String(plan.samples),
    new Map([
      [
        plan.variable,
        {
          count: String(plan.samples),
          min: String(min),
          max: String(max),
          lastT: String(end.t[0]),
          lastV: JSON.stringify(end.v[0]),
          tOrder: 'asc',
        },
      ],
    ]),
  );
  const mergeStart = performance.now();
  const report = await mergeNow(stores, run);
  const mergeSeconds = (performance.now() - mergeStart) / 1000;
  if (report.outcome !== 'merged' || report.samples !== plan.samples)
    throw new Error(
      `merge of ${run}: ${report.outcome}, ${report.samples} samples; wanted ${plan.samples} merged`,
    );
  return {
    run,
    variable: plan.variable,
    samples: plan.samples,
    segments: report.segments,
    textBytes,
    mergedBytes: report.bytes,
    writeSeconds,
    mergeSeconds,
  };
}
