import { inspect, isDeepStrictEqual } from 'node:util';
import { seqCoverageProblem } from './seq-coverage';

/** Consecutive samples as a history reader yields them: seqs `first`, `first + 1`… */
export interface HistoryChunk {
  first: number;
  t: ArrayLike<number>;
  v: ArrayLike<unknown>;
}

/** A sample as the test wrote it, in the form the reader under test gives it back. */
export interface ExpectedSample {
  t: number;
  v: unknown;
}

/**
 * How many seqs a history must hold: exactly `n` (1..n), or, while writers
 * still write, at least `atLeast` (an unbroken 1..K with K >= atLeast).
 */
export type SeqCount = number | { atLeast: number };

/**
 * Reads a whole history (any tier, any reader: TieredHistory's chunks, the
 * SDK's history…) and returns undefined when it holds seqs 1..n in order,
 * each sample exactly as `expected(seq)` says (NaN, -0 and ±Infinity told
 * apart; wire values compared as they are), else a description of the first
 * problem, starting with `name`. Tests assert it is undefined, so a failure
 * says where the history broke.
 */
export async function historyProblem(
  name: string,
  chunks: AsyncIterable<HistoryChunk>,
  count: SeqCount,
  expected: (seq: number) => ExpectedSample,
): Promise<string | undefined> {
  const seqs: number[] = [];
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.t.length; i++) {
      const seq = chunk.first + i;
      const t = chunk.t[i];
      const v = chunk.v[i];
      const want = expected(seq);
      if (!Object.is(t, want.t) || !sameValue(v, want.v))
        return `${name} seq ${seq}: got ${inspect({ t, v })}, expected ${inspect(want)}`;
      seqs.push(seq);
    }
  }
  if (typeof count !== 'number' && seqs.length < count.atLeast)
    return `${name}: ${seqs.length} seqs, expected at least ${count.atLeast}`;
  const problem = seqCoverageProblem(seqs, typeof count === 'number' ? count : seqs.length);
  return problem === undefined ? undefined : `${name}: ${problem}`;
}

/** Object.is for numbers (the common case, and fast over millions of samples); deep otherwise. */
function sameValue(got: unknown, want: unknown): boolean {
  return typeof got === 'number' ? Object.is(got, want) : isDeepStrictEqual(got, want);
}
