import type { Logger } from 'pino';

/** The parts of `process` shutdown uses (tests pass their own). */
export interface ShutdownProcess {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  exit(code: number): void;
}

export interface GracefulShutdownOptions {
  logger: Logger;
  /** Longest the close may take before the process exits anyway (code 1). */
  timeoutMs: number;
  /** Stops the app: stop taking work, finish what is under way, close connections. */
  close: () => Promise<void>;
  /** What the 'shutting down' line adds, e.g. what is being waited for. */
  message?: string;
  proc?: ShutdownProcess;
}

/**
 * On the first SIGTERM or SIGINT: logs, runs `close`, exits 0 when it
 * resolves and 1 when it fails or takes longer than `timeoutMs` (a container
 * stop must not hang). Later signals are ignored while it runs. Register it
 * before starting anything long, so a stop during start-up is honoured.
 * Returns whether a shutdown has begun.
 */
export function onShutdownSignals(options: GracefulShutdownOptions): () => boolean {
  const { logger, proc = process } = options;
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, options.message ?? 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      proc.exit(1);
    }, options.timeoutMs);
    force.unref();
    options
      .close()
      .then(() => {
        clearTimeout(force);
        logger.info('stopped');
        proc.exit(0);
      })
      .catch((err: unknown) => {
        clearTimeout(force);
        logger.error({ err }, 'shutdown failed');
        proc.exit(1);
      });
  };
  proc.on('SIGTERM', () => shutdown('SIGTERM'));
  proc.on('SIGINT', () => shutdown('SIGINT'));
  return () => stopping;
}

/**
 * Runs an app's main: a failure to start (bad configuration, a port taken)
 * prints its message alone — configuration errors name the variable — and
 * exits 1.
 */
export function runMain(
  main: () => Promise<void>,
  proc: Pick<ShutdownProcess, 'exit'> = process,
): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    proc.exit(1);
  });
}
