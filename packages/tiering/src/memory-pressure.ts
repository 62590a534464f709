import type { MemoryReading } from '@runstream/hot-store';

export interface MemoryPressureOptions {
  /** Over this used/limit ratio a flush is requested (default 0.7 in the apps). */
  flushThreshold: number;
  /** At or over this ratio writes are refused with 503 until a flush frees memory (0.9). */
  hardLimit: number;
  /** At most one memory reading per this many ms, per process. */
  minIntervalMs: number;
}

/**
 * Ingest's view of Redis memory, kept off the request path: a write only
 * notes that it happened; at most every `minIntervalMs` a reading is taken in
 * the background (INFO memory). Over the flush threshold it asks for a flush
 * (the queue's deduplication turns repeats into one follow-up); at the hard
 * limit `overHardLimit` turns true and ingest answers 503 until a later
 * reading says otherwise.
 */
export class MemoryPressure {
  private lastCheckAt = -Infinity;
  private checking = false;
  private reading: MemoryReading | undefined;

  constructor(
    private readonly read: () => Promise<MemoryReading>,
    private readonly options: MemoryPressureOptions,
    private readonly requestFlush: (ratio: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called for every write attempt, refused ones included (they must see memory fall). */
  noteWrite(): void {
    const now = this.now();
    if (this.checking || now - this.lastCheckAt < this.options.minIntervalMs) return;
    this.checking = true;
    this.lastCheckAt = now;
    setImmediate(() => void this.check());
  }

  get overHardLimit(): boolean {
    return this.reading !== undefined && this.reading.ratio >= this.options.hardLimit;
  }

  get lastReading(): MemoryReading | undefined {
    return this.reading;
  }

  /** Takes a reading now and acts on it (also used at start-up and by tests). */
  async check(): Promise<void> {
    this.checking = true;
    try {
      this.reading = await this.read();
      if (this.reading.ratio >= this.options.flushThreshold)
        await this.requestFlush(this.reading.ratio);
    } catch (err) {
      this.onError(err);
    } finally {
      this.checking = false;
    }
  }
}
