import type { ColdStore } from '@runstream/cold-store';
import { mapWithConcurrency } from './bounded-concurrency';

/** Variables listed at once when looking for runs to compact. */
const LIST_CONCURRENCY = 8;

/**
 * Which runs need a compaction after flushes: those with a variable that a
 * flush wrote a segment of since the last look and that now holds more than
 * `maxSegments` segments. The flush's sink notes each segment it writes
 * (`noteSegment`); after a flush job, `runsToCompact` lists each noted
 * variable once (one LIST request) and forgets the notes. Nothing of this
 * is on ingest's write path, and a look that fails (S3 down) only delays
 * the compaction to the next flush of the variable.
 */
export class CompactionTrigger {
  private noted = new Map<string, Set<string>>();

  constructor(
    private readonly cold: ColdStore,
    private readonly maxSegments: number,
  ) {}

  noteSegment(run: string, variable: string): void {
    let variables = this.noted.get(run);
    if (variables === undefined) this.noted.set(run, (variables = new Set()));
    variables.add(variable);
  }

  /** The runs to compact, of those noted since the last call. */
  async runsToCompact(): Promise<string[]> {
    const noted = this.noted;
    this.noted = new Map();
    const over = new Set<string>();
    const looks = [...noted].flatMap(([run, variables]) =>
      [...variables].map((variable) => ({ run, variable })),
    );
    await mapWithConcurrency(looks, LIST_CONCURRENCY, async ({ run, variable }) => {
      if (over.has(run)) return;
      if ((await this.cold.listSegments(run, variable)).length > this.maxSegments) over.add(run);
    });
    return [...over];
  }
}
