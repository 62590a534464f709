import type { ColdStore } from '@runstream/cold-store';

/** The seqs in the variable's S3 segments; throws when two segments overlap. */
export async function segmentSeqs(
  cold: ColdStore,
  run: string,
  variable: string,
): Promise<number[]> {
  const seqs: number[] = [];
  let last = 0;
  for (const segment of await cold.listSegments(run, variable)) {
    if (segment.first <= last)
      throw new Error(`${segment.key} overlaps the segment before it (up to seq ${last})`);
    last = segment.last;
    for await (const chunk of cold.readSegment(segment.key))
      chunk.t.forEach((_, i) => seqs.push(chunk.first + i));
  }
  return seqs;
}
