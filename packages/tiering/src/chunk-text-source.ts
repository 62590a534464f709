import { chunkTextHead } from '@runstream/cold-store';
import { parseChunkText } from '@runstream/cold-store';
import { trimChunk, type SampleChunk, type StoredChunkText } from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';

/**
 * Where a variable's history comes from, as stored chunk texts in seq order
 * from the one holding `fromSeq` (it may start before it; the reader trims):
 * TieredHistory across every tier, or RedisHistory alone.
 */
export interface ChunkTextSource {
  texts(
    run: string,
    variable: string,
    fromSeq: number,
    options?: ReadOptions,
  ): AsyncIterable<StoredChunkText>;
}

export interface ReadOptions {
  /**
   * False for a read that passes over much data once (an export): what it
   * reads from S3 is not kept in the read cache, where it would push out what
   * many readers share. Default true.
   */
  cache?: boolean;
}

/**
 * History from the Redis buffer alone: for an app without a cold store
 * (tests of the live path), where nothing is ever flushed.
 */
export class RedisHistory implements ChunkTextSource {
  constructor(private readonly hot: HotStore) {}

  async *texts(run: string, variable: string, fromSeq: number): AsyncGenerator<StoredChunkText> {
    for await (const text of this.hot.reader.texts(run, variable, fromSeq)) {
      const { first, count } = chunkTextHead(text);
      yield { text, first, count };
    }
  }
}

/** The samples of `source` from `fromSeq`, parsed, each chunk trimmed to start at or after it. */
export async function* parsedChunks(
  source: ChunkTextSource,
  run: string,
  variable: string,
  fromSeq = 1,
  options: ReadOptions = {},
): AsyncGenerator<SampleChunk> {
  for await (const stored of source.texts(run, variable, fromSeq, options)) {
    const chunk = trimChunk(parseChunkText(stored.text), fromSeq);
    if (chunk !== undefined) yield chunk;
  }
}
