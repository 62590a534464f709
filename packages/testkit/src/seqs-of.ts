/** The seqs chunks hold, in their order: `first`, `first + 1`… of each. */
export function seqsOf(chunks: Iterable<{ first: number; t: ArrayLike<unknown> }>): number[] {
  const seqs: number[] = [];
  for (const c of chunks) for (let i = 0; i < c.t.length; i++) seqs.push(c.first + i);
  return seqs;
}
