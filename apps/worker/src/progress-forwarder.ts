/**
 * Passes a job's progress on to BullMQ (`job.updateProgress`) at most once
 * per `intervalMs`: a flush or a merge may report after every buffer or
 * variable, and each update is a Redis write and an event. The latest value
 * always wins; `settle()` writes the last one and waits for it. A failed
 * write is handed to `onError` and never fails the job: progress is for
 * people watching, the job's work is what counts.
 */
export class ProgressForwarder<P> {
  private pending: { value: P } | undefined;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWriteAt = -Infinity;

  constructor(
    private readonly write: (progress: P) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes the latest progress; it is written now or when the interval allows. */
  report(progress: P): void {
    this.pending = { value: progress };
    if (this.writing !== undefined || this.timer !== undefined) return;
    const wait = this.lastWriteAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.writeLatest();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeLatest();
    }, wait);
    this.timer.unref();
  }

  /** Writes the latest progress, if not yet written, and waits for every write. Never rejects. */
  async settle(): Promise<void> {
    for (;;) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.writing !== undefined) await this.writing;
      else if (this.pending !== undefined) this.writeLatest();
      else return;
    }
  }

  private writeLatest(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.lastWriteAt = this.now();
    const writing = (async () => {
      try {
        await this.write(pending.value);
      } catch (err) {
        this.onError(err);
      }
    })();
    this.writing = writing;
    void writing.then(() => {
      if (this.writing !== writing) return;
      this.writing = undefined;
      // What came while writing waits out the rest of the interval.
      if (this.pending !== undefined && this.timer === undefined) this.report(this.pending.value);
    });
  }
}
