import type { Logger } from 'pino';

/** Anything that reports connection errors as 'error' events (ioredis, BullMQ queues). */
export interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Logs a source's 'error' events at warn, at most one line per `intervalMs`
 * with the number left out since the last one. A Redis outage makes every
 * connection report each reconnect attempt; the line says it once.
 */
export function warnOnErrors(
  source: ErrorEmitter,
  name: string,
  logger: Logger,
  intervalMs = 10_000,
  now: () => number = Date.now,
): void {
  let lastLoggedAt = -Infinity;
  let suppressed = 0;
  source.on('error', (err) => {
    const t = now();
    if (t - lastLoggedAt < intervalMs) {
      suppressed++;
      return;
    }
    logger.warn({ err, source: name, suppressed }, 'connection error');
    lastLoggedAt = t;
    suppressed = 0;
  });
}
