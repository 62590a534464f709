import { decodeValue, type SampleChunk, type SampleValue } from '@runstream/domain';

/**
 * A contiguous run of one variable's samples with values decoded back to
 * numbers (NaN, ±Infinity and -0 included): sample i has seq `first + i`.
 */
export interface DecodedChunk {
  first: number;
  t: number[];
  v: SampleValue[];
}

export function decodeChunk(chunk: SampleChunk): DecodedChunk {
  const v = new Array<SampleValue>(chunk.v.length);
  for (let i = 0; i < chunk.v.length; i++) v[i] = decodeValue(chunk.v[i] ?? null);
  return { first: chunk.first, t: chunk.t, v };
}
