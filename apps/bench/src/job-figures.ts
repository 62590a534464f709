/**
 * Figures of the jobs phase: job times and what they mean for capacity,
 * `jobs per minute = concurrency × 60 000 / job time in ms` (README). Pure.
 */
import { median } from './stats';

/** Jobs per minute one worker process runs: concurrency × 60 000 / job time in ms. */
export function jobsPerMinute(jobMs: number, concurrency = 1): number {
  if (!(jobMs > 0)) throw new RangeError(`a job time must be positive, got ${jobMs} ms`);
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be ≥ 1, got ${concurrency}`);
  return (concurrency * 60_000) / jobMs;
}

/** One round of looks of a worker at concurrency 1: the time from one look's start to the next's. */
export interface LookRound {
  looks: number;
  medianMs: number;
  looksPerSecond: number;
}

/**
 * Splits the start times of consecutive looks of one worker at concurrency 1
 * (BullMQ's 'active' events, in ms) into rounds of `looks` looks after the
 * first `warmup` starts. A look's time is from its start to the next one's:
 * the processor and the fetch of the next job, what the worker spends per
 * job. Needs warmup + rounds × looks + 1 starts.
 */
export function lookRounds(
  starts: readonly number[],
  warmup: number,
  looks: number,
  rounds: number,
): LookRound[] {
  if (looks < 1 || rounds < 1 || warmup < 0) throw new RangeError('need looks, rounds ≥ 1');
  const needed = warmup + rounds * looks + 1;
  if (starts.length < needed)
    throw new RangeError(`${starts.length} look starts, ${needed} needed`);
  return Array.from({ length: rounds }, (_, r) => {
    const from = warmup + r * looks;
    const gaps: number[] = [];
    for (let i = from; i < from + looks; i++)
      gaps.push((starts[i + 1] as number) - (starts[i] as number));
    const span = (starts[from + looks] as number) - (starts[from] as number);
    return { looks, medianMs: median(gaps), looksPerSecond: (looks * 1000) / span };
  });
}
