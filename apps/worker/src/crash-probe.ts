/**
 * Fault injection for crash tests (RUNSTREAM_TEST_CRASH_AT): a probe that
 * kills this process with SIGKILL — no handler, no cleanup, as an OOM kill or
 * a power cut would — the `hit`-th time (RUNSTREAM_TEST_CRASH_HIT, default
 * the first) a job reaches `point`. The flush and the merge call it with
 * their step and what they were working on. Never set in production.
 */
export function crashProbe(
  point: string,
  beforeKill: (where: string) => void,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
  hit = 1,
): (reached: string, where: string) => Promise<void> | undefined {
  let reachedTimes = 0;
  return (reached, where) => {
    if (reached !== point || ++reachedTimes !== hit) return undefined;
    beforeKill(where);
    kill();
    // SIGKILL may land a moment after kill() returns: the job must not take
    // one more step meanwhile, so its promise never settles.
    return new Promise<void>(() => undefined);
  };
}
