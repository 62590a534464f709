/**
 * Checks that `seqs` is exactly 1..n in order: no gap, no repeat. Returns a
 * description of the first problem, or undefined. Tests assert on it so a
 * failure says where coverage broke.
 */
export function seqCoverageProblem(seqs: ArrayLike<number>, n: number): string | undefined {
  if (seqs.length !== n) {
    const seen = new Set<number>();
    let repeat: number | undefined;
    for (let i = 0; i < seqs.length; i++) {
      const s = seqs[i] as number;
      if (seen.has(s) && repeat === undefined) repeat = s;
      seen.add(s);
    }
    let missing: number | undefined;
    for (let s = 1; s <= n && missing === undefined; s++) if (!seen.has(s)) missing = s;
    return `expected ${n} seqs, got ${seqs.length} (first missing: ${String(missing)}, first repeated: ${String(repeat)})`;
  }
  for (let i = 0; i < n; i++) {
    if (seqs[i] !== i + 1) return `position ${i}: expected seq ${i + 1}, got ${String(seqs[i])}`;
  }
  return undefined;
}
