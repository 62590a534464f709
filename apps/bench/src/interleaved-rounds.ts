/**
 * The schedule of the load and read phases: a warm-up pass of each subject
 * (unless `warmupSeconds` is 0: a load phase's warm-up lasts that long, a
 * read phase's is one unmeasured pass), then `rounds` rounds, each
 * passing over every subject in turn (A, B, C, A, B, C…) so that a noisy
 * spell on the machine hits every subject alike. Returns each subject's
 * rounds, in the order of `subjects`.
 */
export async function interleavedRounds<S, R>(
  subjects: readonly S[],
  plan: { rounds: number; warmupSeconds?: number },
  warmUp: (subject: S) => Promise<void>,
  measure: (subject: S, round: number) => Promise<R>,
): Promise<R[][]> {
  if (plan.warmupSeconds !== 0) for (const s of subjects) await warmUp(s);
  const rounds = subjects.map((): R[] => []);
  for (let round = 1; round <= plan.rounds; round++) {
    for (const [i, s] of subjects.entries()) rounds[i]?.push(await measure(s, round));
  }
  return rounds;
}

/**
 * The read phases' schedule: interleavedRounds with one unmeasured pass of
 * each subject (unless `warmUp` says no) and `rounds` measured ones, each
 * pass logged as `describe` says.
 */
export function loggedRounds<S, R>(
  subjects: readonly S[],
  rounds: number,
  log: (line: string) => void,
  pass: (subject: S) => Promise<R>,
  describe: (subject: S, result: R) => string,
  warmUp: (subject: S) => boolean = () => true,
): Promise<R[][]> {
  return interleavedRounds(
    subjects,
    { rounds },
    async (s) => {
      if (warmUp(s)) log(`  warm-up  ${describe(s, await pass(s))}`);
    },
    async (s, round) => {
      const r = await pass(s);
      log(`  round ${round}/${rounds} ${describe(s, r)}`);
      return r;
    },
  );
}
