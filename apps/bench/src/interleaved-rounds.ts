/**
 * The schedule of the load phases (throughput, latency): a warm-up pass of
 * each subject when `warmupSeconds` is over 0, then `rounds` rounds, each
 * passing over every subject in turn (A, B, C, A, B, C…) so that a noisy
 * spell on the machine hits every subject alike. Returns each subject's
 * rounds, in the order of `subjects`.
 */
export async function interleavedRounds<S, R>(
  subjects: readonly S[],
  plan: { rounds: number; warmupSeconds: number },
  warmUp: (subject: S) => Promise<void>,
  measure: (subject: S, round: number) => Promise<R>,
): Promise<R[][]> {
  if (plan.warmupSeconds > 0) for (const s of subjects) await warmUp(s);
  const rounds = subjects.map((): R[] => []);
  for (let round = 1; round <= plan.rounds; round++) {
    for (const [i, s] of subjects.entries()) rounds[i]?.push(await measure(s, round));
  }
  return rounds;
}
