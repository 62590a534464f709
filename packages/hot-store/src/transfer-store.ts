import type { SampleChunk } from '@runstream/domain';
import { randomBytes } from 'node:crypto';
import type { HotKeys } from './keys';
import type { RunstreamRedis } from './redis-commands';
import { chunkListEntries } from './chunk-list';
import { chunkRange, firstSeqOf, parseStoredChunk, storedChunkText } from './stored-chunk';

/** A buffer renamed by a flush, waiting for its segment upload (tier 2). */
export interface Transfer {
  run: string;
  variable: string;
  key: string;
  /** The first seq it holds. */
  first: number;
}

/**
 * The chunks at the head of a transfer key, as many as make one segment (see
 * TransferStore.headSlice): a large transfer is moved to S3 slice by slice.
 */
export interface TransferSlice {
  /** The chunks as JSON chunk texts (see storedChunkText), contiguous. */
  texts: string[];
  /** The first and last seq they hold. */
  first: number;
  last: number;
  /** Their texts' length (what the slice bound counts: a segment's size before gzip). */
  bytes: number;
  /** Whether the transfer holds chunks after these: it is trimmed after the upload, not ended. */
  more: boolean;
}

/** Chunks in the first page of a slice read, before their size is known. */
const FIRST_PAGE = 4;

/** Reads of a head that keeps moving under a slice read (other flushes trimming it) before giving up. */
const SLICE_ATTEMPTS = 10;

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

  /**
   * The transfer's first chunks, up to `maxBytes` of text (at least one
   * chunk, and whole chunks: the one crossing the bound is the slice's
   * last), or undefined when the key is gone. `last` is the transfer's last
   * seq (see range): its tail never changes, so a slice that ends the list
   * must end there. A transfer only loses chunks at its head, so the same
   * transfer read again, whoever trimmed it meanwhile, gives the same slices:
   * a retried slice is the same segment, rewritten under the same key.
   * Pages of chunks are read until the bound (the chunks read past it are
   * dropped): memory holds a slice and a page, whatever the transfer's size.
   */
  async headSlice(key: string, last: number, maxBytes: number): Promise<TransferSlice | undefined> {
    for (let attempt = 0; attempt < SLICE_ATTEMPTS; attempt++) {
      const slice = await this.readHead(key, last, maxBytes);
      if (slice !== 'moved') return slice;
    }
    throw new Error(`${key}: its head kept moving during ${SLICE_ATTEMPTS} slice reads`);
  }

  /** One try of headSlice: 'moved' when another flush trimmed the head between two pages. */
  private async readHead(
    key: string,
    last: number,
    maxBytes: number,
  ): Promise<TransferSlice | undefined | 'moved'> {
    const texts: string[] = [];
    let first: number | undefined;
    let bytes = 0;
    const done = (end: number): TransferSlice => ({
      texts,
      first: first as number,
      last: end,
      bytes,
      // The tail never changes: a slice short of it has chunks after it.
      more: end < last,
    });
    let next: number | undefined; // the first seq the next chunk must hold
    // Pages sized to what the slice still lacks, by the chunks read so far (a
    // few to start with): chunks of 10 000 samples are ~200 kB each, and a
    // page read past the bound is memory for nothing.
    let want = Math.min(FIRST_PAGE, this.pageSize);
    for (;;) {
      if (texts.length > 0)
        want = Math.max(
          1,
          Math.min(this.pageSize, Math.ceil(((maxBytes - bytes) * texts.length) / bytes)),
        );
      const start = texts.length;
      const page = await this.redis.lrangeBuffer(key, start, start + want - 1);
      const head = page[0];
      if (head === undefined) {
        if (next === undefined) return undefined; // gone: another flush finished it
        return next - 1 === last ? done(last) : 'moved';
      }
      if (next !== undefined && firstSeqOf(head) !== next) return 'moved';
      first ??= firstSeqOf(head);
      // The segment holds JSON chunk texts: a packed chunk is converted here, once.
      for (const entry of page) {
        const text = storedChunkText(entry);
        texts.push(text);
        bytes += text.length;
        if (bytes >= maxBytes) return done(chunkRange(entry).last);
      }
      next = chunkRange(page[page.length - 1] as Buffer).last + 1;
      if (page.length < want) return next - 1 === last ? done(last) : 'moved';
    }
  }

  /**
   * Drops a slice from the head of its transfer once its segment is in S3,
   * moving the transfer's first seq past it (readers then take those seqs
   * from S3); false when another flush had already dropped it.
   */
  async trim(transfer: Transfer, slice: TransferSlice): Promise<boolean> {
    const trimmed = await this.redis.rsTrimTransfer(
      transfer.key,
      this.keys.transfers(transfer.run, transfer.variable),
      slice.first,
      slice.texts.length,
      slice.last + 1,
    );
    return trimmed === 1;
  }

  /** The seq range a transfer holds, or undefined when it is gone. */
  async range(key: string): Promise<{ first: number; last: number } | undefined> {
    const [head, tail] = await Promise.all([
      this.redis.lindexBuffer(key, 0),
      this.redis.lindexBuffer(key, -1),
    ]);
    if (head === null || tail === null) return undefined;
    return { first: chunkRange(head).first, last: chunkRange(tail).last };
  }

  /**
   * The transfer's chunk texts from the one holding `fromSeq`, for readers
   * (tier 2), found without reading the ones before it (see chunkListEntries).
   * A vanished key yields nothing.
   */
  async *texts(key: string, fromSeq = 1): AsyncGenerator<string> {
    for await (const entry of chunkListEntries(this.redis, key, fromSeq, this.pageSize))
      yield storedChunkText(entry);
  }

  /** The transfer's chunks from the one holding `fromSeq`, parsed (see texts). */
  async *chunks(key: string, fromSeq = 1): AsyncGenerator<SampleChunk> {
    for await (const entry of chunkListEntries(this.redis, key, fromSeq, this.pageSize)) {
      const chunk = parseStoredChunk(entry);
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
