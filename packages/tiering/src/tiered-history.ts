import { chunkTextHead, ObjectMissingError, type ColdStore } from '@runstream/cold-store';
import type { SampleChunk, StoredChunkText } from '@runstream/domain';
import { parsedChunks, type ChunkTextSource, type ReadOptions } from './chunk-text-source';
import type { HotStore, Transfer } from '@runstream/hot-store';
import { coveringSegment, isMovedError, mergedObject } from './data-objects';
import { damagedObject, isFormatError } from './damaged-data';
import { RunCatalog } from './run-catalog';

/**
 * Looks again at an object whose bytes keep disagreeing with its listing or
 * its index before calling it damaged: a rewrite or an upload in progress
 * shows within a look or two (its size changes, and with it every cache
 * key), damage never goes away.
 */
const STALE_LOOKS = 5;

/** The object a read last found not to match its index, if the last look ended there. */
interface LastLook {
  stale?: { key: string; err: unknown };
}

/**
 * One variable's history across the tiers, in seq order, each seq once:
 * Redis buffer (1), transfer keys (2), segment objects (3), merged object (4).
 *
 * Data only moves down (1 → 2 → 3 → 4), and seqs grow with time. It reads
 * the variable's count first: every seq up to it exists somewhere, and the
 * read ends past it. Then it asks Redis, newest tier first, what it still
 * holds (the lowest seq there is the "Redis floor"): everything below the
 * floor is in S3 at that moment and stays there. It streams [next, floor)
 * from the segments, then asks Redis again; once next reaches the floor it
 * reads the transfer keys and the buffer. Whenever a piece is not where it
 * was a moment ago (a buffer renamed mid-read, a transfer deleted after its
 * upload, a segment listed but gone), it looks again from the next seq it
 * owes: the piece has moved down, to a tier it asks again. Below the floor
 * it lists the segments before it opens the merged object, so a segment
 * merged away after the listing is in the merged object it reads next.
 *
 * Every tier seeks: a read from `fromSeq` touches only what holds seqs at
 * or after it (docs/read-path.md): Redis lists by binary search, segments
 * by their keys, segment and merged objects through their indexes, piece by
 * piece, through the cold store's shared read cache. Chunks are streamed as
 * they are read, as stored text: nothing is parsed that the caller does not
 * ask to parse, and nothing is held whole.
 *
 * The count comes from the catalog: Redis, or the manifest of a completed run
 * Redis no longer knows.
 *
 * An S3 object that cannot be read (truncated, garbage, an index that never
 * fits its bytes) is StoredDataDamagedError naming the run and variable: a
 * read of another variable never touches it.
 */
export class TieredHistory implements ChunkTextSource {
  constructor(
    private readonly hot: HotStore,
    private readonly cold: ColdStore,
    private readonly catalog = new RunCatalog(hot, cold),
  ) {}

  /**
   * The stored chunk texts from the one holding `fromSeq` (it may start
   * before `fromSeq`: the caller trims it), contiguous after it, up to the
   * count read first (the last may end after it).
   */
  async *texts(
    run: string,
    variable: string,
    fromSeq = 1,
    options: ReadOptions = {},
  ): AsyncGenerator<StoredChunkText> {
    // Every seq up to `target` exists in some tier now; the read ends past it.
    const target = await this.catalog.count(run, variable);
    // Seqs start at 1: a read from before the first is a read from the first.
    let next = Math.max(1, fromSeq);
    const look: LastLook = {};
    for (let stalls = 0, staleLooks = 0; next <= target;) {
      // Newest tier first: a buffer renamed after this look is in the transfers looked at next.
      const { head, transfers } = await this.catalog.redisHoldings(run, variable);
      const floor = Math.min(transfers[0]?.first ?? Infinity, head ?? Infinity);
      const before = next;

      if (next < floor) {
        look.stale = undefined;
        next = yield* this.fromS3(run, variable, next, floor, options.cache ?? true, look);
      } else {
        next = yield* this.fromRedis(run, variable, transfers, next);
      }

      if (next === before) {
        const stale = look.stale;
        if (stale !== undefined && ++staleLooks >= STALE_LOOKS)
          throw damagedObject(run, variable, stale.key, stale.err);
        // Nothing where it was a moment ago: it is moving down. Look again, not forever.
        if (++stalls > 100) {
          throw new Error(`history of ${run}/${variable} is missing seq ${next} in every tier`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, stalls * 2)));
      } else {
        stalls = 0;
        staleLooks = 0;
      }
    }
  }

  /** The samples from `fromSeq`, parsed, each chunk trimmed to start at or after it. */
  chunks(run: string, variable: string, fromSeq = 1): AsyncGenerator<SampleChunk> {
    return parsedChunks(this, run, variable, fromSeq);
  }

  /** Transfer keys, then the buffer, from `next`; returns the next seq owed. */
  private async *fromRedis(
    run: string,
    variable: string,
    transfers: Transfer[],
    next: number,
  ): AsyncGenerator<StoredChunkText, number> {
    const sources = [
      ...transfers.map((t) => this.hot.transfers.texts(t.key, next)),
      this.hot.reader.texts(run, variable, next),
    ];
    for (const source of sources) {
      for await (const text of source) {
        const { first, count } = chunkTextHead(text);
        if (first + count <= next) continue;
        if (first > next) return next; // a piece moved down meanwhile
        yield { text, first, count };
        next = first + count;
      }
    }
    return next;
  }

  /**
   * [next, below) from S3: each seq from the listed segment that holds it
   * (the one reaching furthest, when a compaction left its inputs listed
   * beside its output), or else from the merged object. Returns the next
   * seq owed; stops early at a gap or a vanished object (the caller looks
   * again).
   */
  private async *fromS3(
    run: string,
    variable: string,
    next: number,
    below: number,
    cache: boolean,
    look: LastLook,
  ): AsyncGenerator<StoredChunkText, number> {
    const segments = await this.cold.listSegments(run, variable);
    while (next < below) {
      const object =
        coveringSegment(segments, next) ?? (await mergedObject(this.cold, run, variable));
      if (object === undefined) return next;
      const before = next;
      try {
        for await (const text of this.cold.objects.linesFrom(object, next, cache)) {
          const { first, count } = chunkTextHead(text, object.key);
          if (first + count <= next) continue;
          if (first > next || next >= below) break;
          yield { text, first, count };
          next = first + count;
        }
      } catch (err) {
        // Not what was listed or not readable (see isMovedError): rewritten
        // meanwhile, or listed mid-upload; ask again from the next seq owed.
        // Bytes that stay unreadable look after look are damage (STALE_LOOKS).
        if (isMovedError(err) || isFormatError(err)) {
          if (!(err instanceof ObjectMissingError)) look.stale = { key: object.key, err };
          return next;
        }
        throw err;
      }
      if (next === before) return next;
    }
    return next;
  }
}
