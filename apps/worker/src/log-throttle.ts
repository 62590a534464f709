/**
 * Lets one log line through per interval and counts the ones it held back,
 * so an error a library retries in a tight loop cannot flood the logs (the
 * metrics still count every one).
 */
export class LogThrottle {
  private last = -Infinity;
  private held = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: hold this line back; a number: log it, noting that many held back before it. */
  admit(): number | undefined {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.held++;
      return undefined;
    }
    this.last = now;
    const held = this.held;
    this.held = 0;
    return held;
  }
}
