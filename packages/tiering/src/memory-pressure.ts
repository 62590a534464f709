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
 * (the queue's deduplication turns repeats into one follow-up).
 *
 * Between readings it counts the bytes of the writes it admitted: a write is
 * refused (503) when the last reading plus those bytes plus its own would
 * reach the hard limit, so memory stays under it even when writes come
 * faster than readings. A refusal is only ever based on a reading at most
 * `minIntervalMs` old: with an older one it waits for a fresh reading first,
 * so a write after a quiet spell (a producer waiting out Retry-After, or
 * writing once a second) is not refused on memory a flush has freed since.
 *
 * The bytes counted are an estimate (body bytes × a factor), and a write can
 * cost more than its estimate (allocator rounding, its stats and ack): the
 * error grows with what is admitted against one reading. Under load the next
 * reading comes late (its round trip queues behind the writes), and a low
 * reading taken just after a flush would then admit the whole headroom up to
 * the hard limit on estimates alone. So past the flush threshold one reading
 * admits at most `readingBudget` bytes (writes admitted after it was sent):
 * a write beyond that waits for the next reading and is judged on it. Below
 * the flush threshold, and within the budget, admitted writes never wait.
 */
/** See MemoryPressure.readingBudget. */
const READING_BUDGET_OF_LIMIT = 0.1;

export class MemoryPressure {
  private lastCheckAt = -Infinity;
  private checking: Promise<void> | undefined;
  private reading: MemoryReading | undefined;
  private readAt = -Infinity;
  /** Bytes of admitted writes: in all, still being written, and those the last reading may miss. */
  private admittedBytes = 0;
  private inFlightBytes = 0;
  private bytesSinceReading = 0;
  /** Bytes admitted after the last reading was sent: what counts against its budget. */
  private bytesSinceSent = 0;
  /** Successful readings so far: a waiter sees whether a new one came. */
  private readingsTaken = 0;

  constructor(
    private readonly readMemory: () => Promise<MemoryReading>,
    private readonly options: MemoryPressureOptions,
    /** Asks for a flush job (reason `pressure`: memory over the flush threshold). */
    private readonly requestFlush: (ratio: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called for every write attempt, refused ones included (they must see memory fall). */
  noteWrite(): void {
    const now = this.now();
    if (this.checking !== undefined || now - this.lastCheckAt < this.options.minIntervalMs) return;
    this.lastCheckAt = now;
    this.checking = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.takeReading(),
    );
  }

  /**
   * Notes a write of about `bytes` (its body) and says whether it may go
   * ahead: false (answer 503) when memory, as last read plus the writes
   * admitted since plus this one, would reach the hard limit — judged on a
   * reading no older than `minIntervalMs`.
   */
  async admitsWrite(bytes = 0): Promise<boolean> {
    this.noteWrite();
    if (this.wouldReachHardLimit(bytes) && this.now() - this.readAt > this.options.minIntervalMs)
      await this.check();
    // Many writes may be waiting on one reading: each is judged again, in turn, on the next.
    while (this.overReadingBudget(bytes)) {
      const seen = this.readingsTaken;
      await this.check();
      // No new reading (Redis unreachable): judged on the last one; Redis answers the write.
      if (this.readingsTaken === seen) break;
    }
    if (this.wouldReachHardLimit(bytes)) return false;
    this.admittedBytes += bytes;
    this.inFlightBytes += bytes;
    this.bytesSinceReading += bytes;
    this.bytesSinceSent += bytes;
    return true;
  }

  /**
   * What one reading admits past the flush threshold, in bytes: a tenth of
   * the limit (the margin between a 0.9 hard limit and maxmemory), so that
   * writes costing up to a quarter more than counted add at most about 2.5 %
   * of the limit over the hard limit before a reading sees them.
   */
  readingBudget(): number {
    return READING_BUDGET_OF_LIMIT * (this.reading?.limitBytes ?? 0);
  }

  /**
   * Past the flush threshold with this write, and over what the last reading
   * may admit. The first write after a reading always fits, however large.
   */
  private overReadingBudget(bytes: number): boolean {
    return (
      this.bytesSinceSent > 0 &&
      this.bytesSinceSent + bytes > this.readingBudget() &&
      this.projectedRatio(bytes) >= this.options.flushThreshold
    );
  }

  /** An admitted write of `bytes` has ended (written or failed): a later reading includes it. */
  writeEnded(bytes = 0): void {
    this.inFlightBytes -= bytes;
  }

  /**
   * Memory as the last reading saw it plus the writes admitted since plus
   * `bytes`, over the limit; 0 without a reading or a limit.
   */
  projectedRatio(bytes = 0): number {
    const r = this.reading;
    if (r === undefined || r.limitBytes === 0) return 0;
    return (r.usedBytes + this.bytesSinceReading + bytes) / r.limitBytes;
  }

  private wouldReachHardLimit(bytes: number): boolean {
    return this.projectedRatio(bytes) >= this.options.hardLimit;
  }

  get lastReading(): MemoryReading | undefined {
    return this.reading;
  }

  /** Takes a reading now (or joins the one under way) and acts on it; also used at start-up. */
  check(): Promise<void> {
    this.lastCheckAt = this.now();
    this.checking ??= this.takeReading();
    return this.checking;
  }

  private async takeReading(): Promise<void> {
    // Writes ended by now are in the reading; those still in flight and those
    // admitted from now on may not be.
    const endedBefore = this.admittedBytes - this.inFlightBytes;
    const admittedBefore = this.admittedBytes;
    try {
      this.reading = await this.readMemory();
      this.readAt = this.now();
      this.bytesSinceReading = this.admittedBytes - endedBefore;
      this.bytesSinceSent = this.admittedBytes - admittedBefore;
      this.readingsTaken++;
      if (this.reading.ratio >= this.options.flushThreshold)
        await this.requestFlush(this.reading.ratio);
    } catch (err) {
      this.onError(err);
    } finally {
      this.checking = undefined;
    }
  }
}
