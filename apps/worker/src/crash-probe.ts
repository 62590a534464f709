import type { FlushOptions, FlushPoint } from '@runstream/tiering';

/**
 * Fault injection for crash tests (RUNSTREAM_TEST_CRASH_AT): a Flusher probe
 * that kills this process with SIGKILL — no handler, no cleanup, as an OOM
 * kill or a power cut would — the first time a transfer reaches `point`.
 * Never set in production.
 */
export function crashProbe(
  point: FlushPoint,
  beforeKill: (transferKey: string) => void,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): NonNullable<FlushOptions['probe']> {
  let fired = false;
  return (reached, transfer) => {
    if (reached !== point || fired) return;
    fired = true;
    beforeKill(transfer.key);
    kill();
    // SIGKILL may land a moment after kill() returns: the flush must not take
    // one more step meanwhile, so its promise never settles.
    return new Promise<void>(() => undefined);
  };
}
