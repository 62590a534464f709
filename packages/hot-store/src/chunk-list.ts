import type { RunstreamRedis } from './redis-commands';

/**
 * The entries (stored chunks, as bytes: see stored-chunk.ts) of a chunk list — a buffer or a transfer
 * key — from the entry holding `fromSeq` on, `pageSize` entries a round
 * trip. The first page comes from a binary search in Redis (read-chunks),
 * so the entries before `fromSeq` are neither sent nor parsed; the first
 * entry may start before `fromSeq` (the caller trims it). Pages after the
 * first are LRANGEs at fixed indexes: entries appended meanwhile are read
 * too. A list renamed or deleted mid-read ends the read early (the caller
 * sees the seqs stop and looks again).
 */
export async function* chunkListEntries(
  redis: RunstreamRedis,
  key: string,
  fromSeq: number,
  pageSize: number,
): AsyncGenerator<Buffer> {
  const [index, ...first] = await redis.rsReadChunksBuffer(key, fromSeq, pageSize);
  if (index === undefined) return;
  yield* first as Buffer[];
  if (first.length < pageSize) return;
  for (let start = Number(index) + first.length; ; start += pageSize) {
    const page = await redis.lrangeBuffer(key, start, start + pageSize - 1);
    yield* page;
    if (page.length < pageSize) return;
  }
}
