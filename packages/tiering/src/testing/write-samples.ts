import { encodeNumber, parseIngestBatch } from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';
import type { ExpectedSample } from '@runstream/testkit';

/** The value a test gives sample `seq` of each variable it writes (its t is always seq - 1). */
export type SampleValues = (seq: number) => number;

/** Ordinary doubles with NaN and -Infinity among them, which must survive every tier. */
export const MIXED_VALUES: SampleValues = (seq) =>
  seq % 10 === 0 ? NaN : seq % 10 === 5 ? -Infinity : seq * 0.5;

/**
 * Writes `batches` batches of `size` samples to each of `variables` straight
 * into the hot store, after `offset` earlier samples: sample `seq` has
 * t = seq - 1 and v = values(seq), NaN and ±Infinity tagged ({$num}) as the
 * SDK sends them.
 */
export async function writeSamples(
  hot: HotStore,
  run: string,
  variables: readonly string[],
  batches: number,
  size: number,
  offset = 0,
  values: SampleValues = MIXED_VALUES,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const seqs = Array.from({ length: size }, (_, i) => offset + b * size + i + 1);
    const series = { t: seqs.map((s) => s - 1), v: seqs.map((s) => encodeNumber(values(s))) };
    await hot.writer.write(
      run,
      parseIngestBatch({ variables: Object.fromEntries(variables.map((v) => [v, series])) }),
    );
  }
}

/**
 * Sample `seq` as writeSamples wrote it with `values`, in the form history
 * chunks hold it (wire values): what testkit's historyProblem expects.
 */
export function writtenSample(
  values: SampleValues = MIXED_VALUES,
): (seq: number) => ExpectedSample {
  return (seq) => ({ t: seq - 1, v: encodeNumber(values(seq)) });
}
