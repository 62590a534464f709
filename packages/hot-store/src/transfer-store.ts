import type { SampleChunk } from '@runstream/domain';
import { randomBytes } from 'node:crypto';
import type { HotKeys } from './keys';
import type { RunstreamRedis } from './redis-commands';
import { chunkListTexts } from './chunk-list';
import { chunkRange, parseStoredChunk } from './stored-chunk';

/** A buffer renamed by a flush, waiting for its segment upload (tier 2). */
export interface Transfer {
  run: string;
  variable: string;
  key: string;
  /** The first seq it holds. */
  first: number;
}

/**
 * Tier 2 in Redis: moving a variable's buffer aside for upload, finding the
 * transfers a crashed flush left behind, reading them, and dropping them once
 * their segment is in S3. Every step is idempotent, so two flushes may run
 * the same transfer at once and end in the same state.
 */
export class TransferStore {
  constructor(
    private readonly redis: RunstreamRedis,
    private readonly keys: HotKeys,
    // A reply is held in Redis's memory until sent, and flushes run when that
    // memory is short: pages of 32 chunks (~1.3 MB at 1000 samples a chunk)
    // rather than 256 (~10 MB) kept the sustained-write test's peak lower.
    private readonly pageSize = 32,
  ) {}

  /** Variables of `run` with buffered data, largest first (bytes since the last flush). */
  async dirtyVariables(run: string): Promise<{ variable: string; bytes: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.dirty(run), 0, -1, 'WITHSCORES');
    const out: { variable: string; bytes: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ variable: flat[i] as string, bytes: Number(flat[i + 1]) });
    return out;
  }

  /** The variable of `run` with the most bytes buffered, if any. */
  async largestDirty(run: string): Promise<{ variable: string; bytes: number } | undefined> {
    const [variable, bytes] = await this.redis.zrevrange(this.keys.dirty(run), 0, 0, 'WITHSCORES');
    return variable === undefined ? undefined : { variable, bytes: Number(bytes) };
  }

  /** Renames the buffer to a new transfer key; undefined when there was nothing to move. */
  async begin(run: string, variable: string): Promise<Transfer | undefined> {
    const key = this.keys.transfer(
      run,
      variable,
      `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`,
    );
    const first = await this.redis.rsBeginTransfer(
      this.keys.buffer(run, variable),
      key,
      this.keys.transfers(run, variable),
      this.keys.pending(run),
      this.keys.dirty(run),
      this.keys.run(run),
      variable,
    );
    return first === null ? undefined : { run, variable, key, first: Number(first) };
  }

  /** Variables of `run` with transfers not yet uploaded (left by a crash, or in progress). */
  async pendingVariables(run: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.pending(run))).sort();
  }

  /** A variable's transfer keys, oldest data first. */
  async transfers(run: string, variable: string): Promise<Transfer[]> {
    const flat = await this.redis.zrange(
      this.keys.transfers(run, variable),
      '0',
      '-1',
      'WITHSCORES',
    );
    const out: Transfer[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ run, variable, key: flat[i] as string, first: Number(flat[i + 1]) });
    return out;
  }

  /** The transfer's chunk texts, a page at a time (as stored: they go to S3 unchanged). */
  async *chunkTexts(key: string): AsyncGenerator<string[]> {
    for (let start = 0; ; start += this.pageSize) {
      const page = await this.redis.lrange(key, start, start + this.pageSize - 1);
      if (page.length > 0) yield page;
      if (page.length < this.pageSize) return;
    }
  }

  /** The seq range a transfer holds, or undefined when it is gone. */
  async range(key: string): Promise<{ first: number; last: number } | undefined> {
    const [head, tail] = await Promise.all([this.redis.lindex(key, 0), this.redis.lindex(key, -1)]);
    if (head === null || tail === null) return undefined;
    return { first: chunkRange(head).first, last: chunkRange(tail).last };
  }

  /**
   * The transfer's chunk texts from the one holding `fromSeq`, for readers
   * (tier 2), found without reading the ones before it (see chunkListTexts).
   * A vanished key yields nothing.
   */
  texts(key: string, fromSeq = 1): AsyncGenerator<string> {
    return chunkListTexts(this.redis, key, fromSeq, this.pageSize);
  }

  /** The transfer's chunks from the one holding `fromSeq`, parsed (see texts). */
  async *chunks(key: string, fromSeq = 1): AsyncGenerator<SampleChunk> {
    for await (const text of this.texts(key, fromSeq)) {
      const chunk = parseStoredChunk(text);
      if (chunk.first + chunk.t.length <= fromSeq) continue;
      yield chunk;
    }
  }

  /** Deletes an uploaded transfer; false when another flush had already done it. */
  async end(transfer: Transfer): Promise<boolean> {
    const deleted = await this.redis.rsEndTransfer(
      transfer.key,
      this.keys.transfers(transfer.run, transfer.variable),
      this.keys.pending(transfer.run),
      transfer.variable,
    );
    return deleted === 1;
  }
}
