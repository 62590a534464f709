import { readMemory, type HotStore, type MemoryReading } from '@runstream/hot-store';
import type { Queues } from '@runstream/queues';
import { MemoryPressure, type MemoryPressureOptions } from '@runstream/tiering';

/** One INFO memory reading taken by ingest's memory watch, with when it was asked and answered. */
export interface TimedReading {
  reading: MemoryReading;
  /** Date.now() when INFO memory was sent and when its answer came back. */
  startedAt: number;
  endedAt: number;
}

/** A write the memory watch refused: when, and the reading the refusal was based on. */
export interface Refusal {
  at: number;
  /** Undefined would mean a refusal with no reading behind it. */
  basis: TimedReading | undefined;
  /** The reading plus the writes admitted since plus this one, over the limit. */
  projected: number;
}

/** Ingest's memory settings as in production: FLUSH_THRESHOLD, HARD_LIMIT, MEMORY_CHECK_MS. */
export const PRODUCTION_MEMORY_SETTINGS: MemoryPressureOptions = {
  flushThreshold: 0.7,
  hardLimit: 0.9,
  minIntervalMs: 250,
};

/**
 * Ingest's memory watch wired as its main.ts wires it — INFO memory against
 * maxmemory, flush jobs through the app's queues, 503 before the hard limit —
 * recording every reading it takes and every refusal it makes, so a test can
 * check each 503 against the reading behind it. Pass `pressure` to
 * startIngest's `pressure` option; `options` override the production settings.
 */
export class MemoryWatch {
  readonly readings: TimedReading[] = [];
  readonly refusals: Refusal[] = [];
  /** Failed readings or flush requests (main.ts logs them as warnings). */
  readonly errors: unknown[] = [];
  readonly options: MemoryPressureOptions;

  constructor(options: Partial<MemoryPressureOptions> = {}) {
    this.options = { ...PRODUCTION_MEMORY_SETTINGS, ...options };
  }

  /** Builds the watch on the ingest app's hot store and queues (startIngest calls it). */
  readonly pressure = (hot: HotStore, queues: Queues): MemoryPressure => {
    const { readings, refusals } = this;
    const timed = (reading: MemoryReading | undefined): TimedReading | undefined =>
      readings.findLast((r) => r.reading === reading);
    // Ingest asks `admitsWrite` once per write, before writing: each `false` is one 503.
    class RecordingMemoryPressure extends MemoryPressure {
      override async admitsWrite(bytes?: number): Promise<boolean> {
        const admitted = await super.admitsWrite(bytes);
        if (!admitted)
          refusals.push({
            at: Date.now(),
            basis: timed(this.lastReading),
            projected: this.projectedRatio(bytes),
          });
        return admitted;
      }
    }
    return new RecordingMemoryPressure(
      async () => {
        const startedAt = Date.now();
        const reading = await readMemory(hot.redis);
        readings.push({ reading, startedAt, endedAt: Date.now() });
        return reading;
      },
      this.options,
      () => queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }),
      (err) => this.errors.push(err),
    );
  };
}
