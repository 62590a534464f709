import type { SampleChunk, VariableStats, WireValue } from '@runstream/domain';
import type { HotKeys } from './keys';
import type { RunstreamRedis } from './redis-commands';
import { chunkListEntries } from './chunk-list';
import { firstSeqOf, parseStoredChunk, storedChunkText } from './stored-chunk';

/** Reads what the hot store holds of a run's variables: their stats and buffered chunks. */
export class BufferReader {
  constructor(
    private readonly redis: RunstreamRedis,
    private readonly keys: HotKeys,
    private readonly pageSize = 64,
  ) {}

  async variables(run: string): Promise<VariableStats[]> {
    const names = (await this.redis.smembers(this.keys.variables(run))).sort();
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hgetall(this.keys.stats(run, name));
    const results = (await pipeline.exec()) ?? [];
    return names.map((name, i) => {
      const [err, h] = results[i] ?? [new Error('missing pipeline reply'), {}];
      if (err) throw err;
      return toStats(name, h as Record<string, string>);
    });
  }

  async stats(run: string, variable: string): Promise<VariableStats | undefined> {
    const h = await this.redis.hgetall(this.keys.stats(run, variable));
    return h.count === undefined ? undefined : toStats(variable, h);
  }

  /** The last seq given to the variable so far (0 when it has none). */
  async count(run: string, variable: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.stats(run, variable), 'count')) ?? 0);
  }

  /** The first seq in the variable's buffer, or undefined when it is empty. */
  async headSeq(run: string, variable: string): Promise<number | undefined> {
    const head = await this.redis.lindexBuffer(this.keys.buffer(run, variable), 0);
    if (head === null) return undefined;
    return firstSeqOf(head);
  }

  /**
   * The variable's buffered chunks in seq order, from the one that holds
   * `fromSeq` (found without reading the ones before it; see chunkListEntries),
   * as JSON chunk texts (see storedChunkText): the first may start before
   * `fromSeq`. Appends during the read are picked up (the list only grows at
   * its tail).
   */
  async *texts(run: string, variable: string, fromSeq = 1): AsyncGenerator<string> {
    for await (const entry of this.entries(run, variable, fromSeq)) yield storedChunkText(entry);
  }

  /** The buffered chunks from the one holding `fromSeq`, parsed (see texts). */
  async *chunks(run: string, variable: string, fromSeq = 1): AsyncGenerator<SampleChunk> {
    for await (const entry of this.entries(run, variable, fromSeq)) {
      const chunk = parseStoredChunk(entry);
      if (chunk.first + chunk.t.length <= fromSeq) continue;
      yield chunk;
    }
  }

  private entries(run: string, variable: string, fromSeq: number): AsyncGenerator<Buffer> {
    return chunkListEntries(this.redis, this.keys.buffer(run, variable), fromSeq, this.pageSize);
  }
}

function toStats(name: string, h: Record<string, string>): VariableStats {
  return {
    name,
    count: Number(h.count ?? 0),
    ...(h.min !== undefined ? { min: Number(h.min) } : {}),
    ...(h.max !== undefined ? { max: Number(h.max) } : {}),
    ...(h.lastT !== undefined ? { lastT: Number(h.lastT) } : {}),
    ...(h.lastV !== undefined ? { lastV: JSON.parse(h.lastV) as WireValue } : {}),
    ...(h.tOrder === 'asc' ? { tOrdered: true } : {}),
  };
}
