import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type DeleteObjectsCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { runManifestSchema, type RunManifest, type SampleChunk } from '@runstream/domain';
import {
  ColdStoreError,
  DeleteObjectsError,
  ObjectMissingError,
  SegmentFormatError,
  type FailedDelete,
} from './cold-store-errors';
import {
  DEFAULT_PART_SIZE_BYTES,
  DEFAULT_UPLOAD_QUEUE_SIZE,
  MIN_PART_SIZE_BYTES,
  s3ClientOptions,
  type ColdStoreConfig,
} from './cold-store-config';
import { encodeObjectIndex, type IndexLevelInput, type ObjectIndexInput } from './object-index';
import { ObjectKeys, parseSegmentKey } from './object-keys';
import { ObjectReader } from './object-reader';
import { encodePieces, hasIndex } from './piece-format';
import { DEFAULT_READ_CACHE_BYTES, ReadCache } from './read-cache';
import {
  chunkTextHead,
  decodeSegmentLines,
  parseChunkText,
  SEGMENT_CONTENT_TYPE,
} from './segment-format';
import { PARQUET_CONTENT_TYPE } from './run-parquet';

/** A segment object as listed: its key, the seqs it holds, its size in bytes. */
export interface SegmentInfo {
  key: string;
  first: number;
  last: number;
  size: number;
}

/** An object as listed or headed. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** A merged object's last seq (it holds 1..lastSeq), from its metadata when headed. */
  lastSeq?: number;
}

/** A segment's bucket pyramid, or what builds it (called only for a segment that gets an index). */
export type SegmentLevels = readonly IndexLevelInput[] | (() => readonly IndexLevelInput[]);

/** An index to write beside a streamed data object: given, still being computed, or none. */
export type IndexToWrite = ObjectIndexInput | PromiseLike<ObjectIndexInput | undefined> | undefined;

/** Object metadata naming the last seq a merged object holds. */
const LAST_SEQ_META = 'last-seq';

/** S3 takes at most 1000 keys per DeleteObjects and lists at most 1000 per page. */
export const S3_BATCH_LIMIT = 1000;

/**
 * Everything Runstream keeps in S3 goes through here: segments (one per
 * flushed transfer key), merged objects (one per variable) and run
 * manifests. Every failure to reach S3 is a `ColdStoreError` (the SDK's error
 * as `cause`); a missing object is an `ObjectMissingError`; bad bytes are a
 * `SegmentFormatError`.
 *
 * Writes are idempotent: an object's key follows from what it holds (the
 * seq range, the variable), so a retried or duplicated job overwrites the
 * same object with the same bytes. Nothing here relies on conditional
 * writes or Delimiter listings (s3rver ignores or mishandles them).
 */
export class ColdStore {
  readonly keys: ObjectKeys;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly partSize: number;
  private readonly queueSize: number;
  /** Pieces and index blocks read so far, shared by every reader of this process. */
  readonly cache: ReadCache;
  /** Reads data objects through their indexes (seek, shared pieces). */
  readonly objects: ObjectReader;

  /**
   * `client`: an S3Client to use instead of one built from `config` (with
   * `s3ClientOptions(config)`), e.g. one shared with other code or carrying
   * extra middleware; its owner closes it.
   */
  constructor(config: ColdStoreConfig, client?: S3Client) {
    const partSize = config.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    if (partSize < MIN_PART_SIZE_BYTES)
      throw new RangeError(`partSizeBytes must be at least ${MIN_PART_SIZE_BYTES} (S3's minimum)`);
    this.partSize = partSize;
    this.queueSize = config.uploadQueueSize ?? DEFAULT_UPLOAD_QUEUE_SIZE;
    this.bucket = config.bucket;
    this.keys = new ObjectKeys(config.keyPrefix ?? '');
    this.ownsClient = client === undefined;
    this.client = client ?? new S3Client(s3ClientOptions(config));
    this.cache = new ReadCache(config.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES);
    this.objects = new ObjectReader(this, this.keys, this.cache);
  }

  /** Closes the client's sockets (unless the client was passed in). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  /** Readiness: the bucket answers to our credentials (HeadBucket). */
  async ping(): Promise<void> {
    await this.call('HeadBucket', undefined, () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
    );
  }

  /** Creates the bucket when it does not exist (local runs and tests; production provisions it). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw wrap('HeadBucket', undefined, err);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // Another process created it meanwhile: that is what we wanted.
      if (nameOf(err) === 'BucketAlreadyOwnedByYou') return;
      throw wrap('CreateBucket', undefined, err);
    }
  }

  /**
   * Writes the segment holding seqs `firstSeq..lastSeq` of a variable, its
   * lines the given chunk texts (the hot store's list entries, in order,
   * covering exactly that range: the caller's contract), as pieces. A
   * segment that may hold more than one piece gets an index (piece table and
   * bucket pyramid `levels`), written first: a segment a listing shows always
   * has its index. A smaller one is read whole anyway, and saves the second
   * PUT (a flush of many small buffers is bound by PUTs). `levels` may be a
   * function: it is then called only for a segment that gets an index, while
   * its pieces compress on the thread pool. The key is named by the range, so
   * a retry overwrites the same objects with the same bytes.
   */
  async putSegment(
    run: string,
    variable: string,
    chunkTexts: readonly string[],
    firstSeq: number,
    lastSeq: number,
    levels: SegmentLevels = [],
  ): Promise<SegmentInfo> {
    if (chunkTexts.length === 0) throw new RangeError('a segment holds at least one chunk');
    const key = this.keys.segment(run, variable, firstSeq, lastSeq);
    const chunks = chunkTexts.map((text, i) => ({
      text,
      ...chunkTextHead(text, `${key}: chunk ${i + 1}`),
    }));
    const indexed = hasIndex({ first: firstSeq, last: lastSeq });
    const encoding = encodePieces(chunks);
    let pyramid: readonly IndexLevelInput[] = [];
    try {
      // On this thread while the pieces compress on the pool.
      if (indexed) pyramid = typeof levels === 'function' ? levels() : levels;
    } finally {
      // Settled either way: a pyramid that throws must not leave a rejection unhandled.
      await encoding.catch(() => undefined);
    }
    const { body, pieces } = await encoding;
    if (indexed)
      await this.putIndex(key, {
        first: firstSeq,
        last: lastSeq,
        dataBytes: body.length,
        pieces,
        levels: pyramid,
      });
    if (body.length <= this.partSize) {
      await this.put(key, body, SEGMENT_CONTENT_TYPE);
    } else {
      await this.upload(key, body);
    }
    return { key, first: firstSeq, last: lastSeq, size: body.length };
  }

  /** Writes the index object of data object `dataKey`. */
  async putIndex(dataKey: string, index: ObjectIndexInput): Promise<void> {
    const key = this.keys.indexOf(dataKey);
    await this.put(key, await encodeObjectIndex(index), 'application/octet-stream');
  }

  /** Bytes `start..end` (inclusive) of an object: one ranged GET. */
  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const response = await this.call('GetObject', key, () =>
      this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}` }),
      ),
    );
    if (response.Body === undefined)
      throw new ColdStoreError(`GetObject ${key}: no body`, 'GetObject', key);
    const bytes = await this.call('GetObject', key, () => response.Body!.transformToByteArray());
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * A variable's segments, sorted by first seq. Keys under the prefix that
   * are not segment keys are not ours (nothing of Runstream writes them) and
   * are left out rather than failing every flush and merge of the variable.
   */
  async listSegments(run: string, variable: string): Promise<SegmentInfo[]> {
    const segments: SegmentInfo[] = [];
    for await (const object of this.listObjects(this.keys.segmentsPrefix(run, variable))) {
      const span = parseSegmentKey(object.key);
      if (span !== undefined) segments.push({ ...object, ...span });
    }
    return segments.sort((a, b) => a.first - b.first || a.last - b.last);
  }

  /**
   * Every object under `prefix`, page by page (ListObjectsV2, 1000 a page,
   * no Delimiter), in key order.
   */
  async *listObjects(prefix: string): AsyncGenerator<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: S3_BATCH_LIMIT,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? [])
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
      if (page.IsTruncated === true && page.NextContinuationToken === undefined)
        throw new ColdStoreError(
          `ListObjectsV2 ${prefix}: truncated page without a continuation token`,
          'ListObjectsV2',
          prefix,
        );
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /**
   * The chunks of a segment, streamed, checked against the seq range its key
   * names (contiguous, exactly first..last): a segment that holds anything
   * else is corrupt, and would otherwise lose or invent samples silently.
   * `ObjectMissingError` when the segment is gone (merged meanwhile: skip it).
   */
  async *readSegment(key: string): AsyncGenerator<SampleChunk> {
    const span = parseSegmentKey(key);
    if (span === undefined) throw new RangeError(`not a segment key: ${key}`);
    let next = span.first;
    for await (const chunk of this.readObject(key)) {
      if (chunk.first !== next || next + chunk.t.length - 1 > span.last)
        throw new SegmentFormatError(
          `${key}: chunk of seqs ${chunk.first}-${chunk.first + chunk.t.length - 1} where seq ${next} was due`,
        );
      next += chunk.t.length;
      yield chunk;
    }
    if (next !== span.last + 1)
      throw new SegmentFormatError(`${key}: ends at seq ${next - 1}, its key says ${span.last}`);
  }

  /** The chunks of any segment-format object (e.g. a merged one), streamed. */
  async *readObject(key: string): AsyncGenerator<SampleChunk> {
    let n = 0;
    for await (const line of this.readObjectLines(key)) {
      n++;
      yield parseChunkText(line, `${key}: chunk ${n}`);
    }
  }

  /**
   * The lines (chunk texts) of a segment-format object, streamed and not
   * parsed: a merge can copy them to the merged object without re-encoding.
   */
  async *readObjectLines(key: string): AsyncGenerator<string> {
    try {
      yield* decodeSegmentLines(this.readObjectBytes(key), { label: key });
    } catch (err) {
      if (err instanceof SegmentFormatError) throw err;
      throw wrap('GetObject', key, err);
    }
  }

  /**
   * Writes a variable's merged object from gzip members in seq order — whole
   * segment objects as they are stored, or `encodeSegment` output — uploaded
   * as they come through a multipart upload: memory holds at most
   * partSize × uploadQueueSize bytes, never the variable. The object is their
   * concatenation, a multi-member gzip file that gunzip, zcat, Python's gzip
   * and pandas read as one NDJSON stream; nothing is decompressed and
   * compressed again on the way. An upload that fails is aborted and leaves
   * no object (and no old object is replaced: S3 makes an object visible only
   * when its upload completes). An error of `members` itself is rethrown as
   * it is. `lastSeq` goes into the object's metadata. `index`, when given
   * (or once it resolves: it may still be computed while the bytes stream),
   * is written before the upload completes, so the object is never visible
   * without it (a reader of the old object meanwhile finds an index whose
   * `dataBytes` is not its size, and does not use it).
   */
  async putMerged(
    run: string,
    variable: string,
    members: AsyncIterable<Uint8Array>,
    lastSeq: number,
    index?: IndexToWrite,
  ): Promise<ObjectInfo> {
    const key = this.keys.merged(run, variable);
    await this.putStreamed(key, members, index, { [LAST_SEQ_META]: String(lastSeq) });
    const info = await this.mergedInfo(run, variable);
    if (info === undefined)
      throw new ColdStoreError(`${key}: missing right after its upload`, 'HeadObject', key);
    return info;
  }

  /**
   * Writes the segment of seqs `firstSeq..lastSeq` from gzip members in seq
   * order (a compaction joins its inputs' stored bytes), streamed as
   * putMerged streams, its index (when given) written before the upload
   * completes: a segment a listing shows has its index. The caller's
   * contract: the members hold exactly those seqs, and the index describes
   * exactly those bytes.
   */
  async putJoinedSegment(
    run: string,
    variable: string,
    firstSeq: number,
    lastSeq: number,
    members: AsyncIterable<Uint8Array>,
    index?: IndexToWrite,
  ): Promise<SegmentInfo> {
    const key = this.keys.segment(run, variable, firstSeq, lastSeq);
    const size = await this.putStreamed(key, members, index);
    return { key, first: firstSeq, last: lastSeq, size };
  }

  /**
   * One data object from a stream of gzip members (see putMerged); returns
   * its size. The index is written while the bytes stream, and the stream
   * ends only once it is written: the upload completes (and the object
   * appears) after it.
   */
  private async putStreamed(
    key: string,
    members: AsyncIterable<Uint8Array>,
    index: IndexToWrite,
    metadata?: Record<string, string>,
    contentType = SEGMENT_CONTENT_TYPE,
  ): Promise<number> {
    const indexWritten = (async () => {
      const input = await index;
      if (input !== undefined) await this.putIndex(key, input);
    })();
    // Awaited at the end of the stream; meanwhile a failure is not an unhandled rejection.
    indexWritten.catch(() => undefined);
    // Mutated by the generator below; an object so TS does not narrow it to its initial value.
    const source: { failed: boolean; error?: unknown; bytes: number } = { failed: false, bytes: 0 };
    const watched = async function* (): AsyncGenerator<Uint8Array> {
      try {
        for await (const member of members) {
          source.bytes += member.length;
          yield member;
        }
        await indexWritten;
      } catch (error) {
        source.failed = true;
        source.error = error;
        throw error;
      }
    };
    const body = Readable.from(watched(), { objectMode: false });
    try {
      await this.upload(key, body, metadata, contentType);
    } catch (err) {
      // The caller's own error (or the index's), unchanged: the upload's is S3's.
      if (source.failed) throw source.error;
      throw err;
    } finally {
      // After a failed upload nobody reads on: closing the stream returns
      // `members`' iterator, which may hold sockets of its own (segment reads).
      body.destroy();
    }
    return source.bytes;
  }

  /**
   * Writes the run's Parquet file from its bytes as they come (see
   * runParquet), streamed as putMerged streams: the object appears whole,
   * replacing an older one, only when its upload completes. Returns its size.
   */
  async putParquet(run: string, bytes: AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    const key = this.keys.parquet(run);
    const size = await this.putStreamed(key, bytes, undefined, undefined, PARQUET_CONTENT_TYPE);
    return { key, size };
  }

  /** An object's stored bytes (gzip, as written), streamed: a merge copies segments with it. */
  async *readObjectBytes(key: string): AsyncGenerator<Uint8Array> {
    const response = await this.call('GetObject', key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    if (response.Body === undefined)
      throw new ColdStoreError(`GetObject ${key}: no body`, 'GetObject', key);
    try {
      for await (const part of response.Body as Readable) yield part as Uint8Array;
    } catch (err) {
      throw wrap('GetObject', key, err);
    }
  }

  /** The merged object's key and size, or undefined when it does not exist (yet). */
  async mergedInfo(run: string, variable: string): Promise<ObjectInfo | undefined> {
    return this.head(this.keys.merged(run, variable));
  }

  /** An object's key and size (HeadObject), or undefined when it does not exist. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const lastSeq = Number(head.Metadata?.[LAST_SEQ_META] ?? NaN);
      return {
        key,
        size: head.ContentLength ?? 0,
        ...(Number.isSafeInteger(lastSeq) ? { lastSeq } : {}),
      };
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw wrap('HeadObject', key, err);
    }
  }

  /** Deletes data objects (segments, merged objects) with their index objects. */
  async deleteDataObjects(dataKeys: readonly string[]): Promise<void> {
    await this.deleteObjects(dataKeys.flatMap((key) => [key, this.keys.indexOf(key)]));
  }

  /**
   * Deletes objects, at most 1000 per DeleteObjects request. Deleting a
   * missing key is not an error (S3 deletes are idempotent). Keys that S3
   * refuses are reported per key inside a successful response; every batch
   * is still tried, then a `DeleteObjectsError` lists all the refusals.
   */
  async deleteObjects(keys: readonly string[]): Promise<void> {
    const failures: FailedDelete[] = [];
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += S3_BATCH_LIMIT) {
      const batch = unique.slice(i, i + S3_BATCH_LIMIT);
      const output = await this.call('DeleteObjects', batch[0], () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      failures.push(...failedDeletes(output));
    }
    if (failures.length > 0) throw new DeleteObjectsError(failures);
  }

  /** Writes a completed run's manifest (its key follows from the run). */
  async putManifest(manifest: RunManifest): Promise<void> {
    await this.putJson(this.keys.manifest(manifest.run.id), manifest);
  }

  /** A run's manifest, or undefined when the run has none (not completed, or unknown). */
  async getManifest(run: string): Promise<RunManifest | undefined> {
    const key = this.keys.manifest(run);
    const json = await this.getJson(key);
    if (json === undefined) return undefined;
    const parsed = runManifestSchema.safeParse(json);
    if (!parsed.success)
      throw new SegmentFormatError(`${key}: not a run manifest: ${parsed.error.message}`);
    return parsed.data;
  }

  /** The ids of every run that has a manifest, page by page. */
  async *manifestRuns(): AsyncGenerator<string> {
    for await (const object of this.listObjects(this.keys.manifestsPrefix())) {
      const run = this.keys.runOfManifest(object.key);
      if (run !== undefined) yield run;
    }
  }

  /** Writes `value` as a JSON object (manifests). */
  async putJson(key: string, value: unknown): Promise<void> {
    await this.put(key, Buffer.from(JSON.stringify(value)), 'application/json');
  }

  /** One PutObject of a body small enough for a single request. */
  private async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.call('PutObject', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: contentType,
        }),
      ),
    );
  }

  /**
   * Reads a JSON object; undefined when it does not exist (a run without a
   * manifest yet is normal). The caller validates the shape.
   */
  async getJson(key: string): Promise<unknown> {
    let text: string;
    try {
      const response = await this.call('GetObject', key, () =>
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      if (response.Body === undefined) return undefined;
      text = await this.call('GetObject', key, () => response.Body!.transformToString('utf8'));
    } catch (err) {
      if (err instanceof ObjectMissingError) return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new SegmentFormatError(`${key}: not JSON`, { cause: err });
    }
  }

  /** One (possibly multipart) upload; lib-storage does a single PutObject when it fits one part. */
  private async upload(
    key: string,
    body: Buffer | Readable,
    metadata?: Record<string, string>,
    contentType = SEGMENT_CONTENT_TYPE,
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      partSize: this.partSize,
      queueSize: this.queueSize,
      // Abort the multipart upload on failure: no orphan parts to pay for.
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(metadata !== undefined ? { Metadata: metadata } : {}),
      },
    });
    await this.call('Upload', key, () => upload.done());
  }

  private async call<T>(
    operation: string,
    key: string | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw wrap(operation, key, err);
    }
  }
}

/** The per-key errors of a DeleteObjects response (a 200 can still refuse keys). */
export function failedDeletes(output: Pick<DeleteObjectsCommandOutput, 'Errors'>): FailedDelete[] {
  return (output.Errors ?? []).map((e) => ({
    key: e.Key ?? '(no key)',
    code: e.Code ?? 'Unknown',
    message: e.Message ?? '',
  }));
}

function wrap(operation: string, key: string | undefined, err: unknown): ColdStoreError {
  if (err instanceof ColdStoreError) return err;
  if (key !== undefined && isMissingObject(operation, err))
    return new ObjectMissingError(operation, key, { cause: err });
  const what = key === undefined ? operation : `${operation} ${key}`;
  const reason = describeError(err);
  return new ColdStoreError(`${what} failed: ${reason}`, operation, key, { cause: err });
}

/** NoSuchKey; or a bare 404 (a HEAD has no body to name the error) that is not NoSuchBucket. */
function isMissingObject(operation: string, err: unknown): boolean {
  const name = nameOf(err);
  if (name === 'NoSuchKey') return true;
  return (
    (operation === 'GetObject' || operation === 'HeadObject') &&
    httpStatusOf(err) === 404 &&
    name !== 'NoSuchBucket'
  );
}

// Duck-typed, not `instanceof Error`: errors made by Node's core (sockets,
// zlib) belong to another realm under jest.
function nameOf(err: unknown): string | undefined {
  const name = (err as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

function describeError(err: unknown): string {
  const message = (err as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string') return String(err);
  const code = (err as { code?: unknown }).code;
  return `${nameOf(err) ?? 'Error'}${typeof code === 'string' ? ` ${code}` : ''}: ${message}`;
}

function httpStatusOf(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}
