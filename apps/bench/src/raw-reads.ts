import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parseStoredChunk, type RedisClient } from '@runstream/hot-store';
import { lines } from './byte-lines';
import type { TieringStores } from './tiering-stores';

/**
 * The raw baselines of the read phases: what any reader of the same stored
 * data must do at least, with the bench's own clients (the S3 client under
 * the cold store, the hot store's Redis connection).
 */

/** How far a raw read goes: the bytes only, + gunzip, + gunzip, lines and JSON.parse of each. */
export type RawObjectRead = 'bytes' | 'gunzip' | 'parse';

/** What a raw read reports as it goes. */
export interface RawReadWatch {
  /** Some data came (the first call times the first byte or chunk). */
  data(): void;
  /** A parsed chunk of `count` samples from seq `first` (parsing reads only). */
  chunk(first: number, count: number): void;
}

interface StoredChunk {
  s: number;
  t: unknown[];
}

/** GetObject of each object, one after another, each body read to its end as `mode` says. */
export async function readObjectsRaw(
  stores: TieringStores,
  keys: readonly string[],
  mode: RawObjectRead,
  watch: RawReadWatch,
): Promise<void> {
  for (const key of keys) {
    const response = await stores.s3Client.send(
      new GetObjectCommand({ Bucket: stores.bucket, Key: key }),
    );
    const body = response.Body as Readable | undefined;
    if (body === undefined) throw new Error(`${key}: no body`);
    if (mode === 'bytes') {
      for await (const _ of body as AsyncIterable<Buffer>) watch.data();
      continue;
    }
    const gunzip = body.pipe(createGunzip());
    body.once('error', (err) => gunzip.destroy(err));
    if (mode === 'gunzip') {
      for await (const _ of gunzip as AsyncIterable<Buffer>) watch.data();
      continue;
    }
    for await (const line of lines(gunzip as AsyncIterable<Buffer>)) {
      const chunk = JSON.parse(line) as StoredChunk;
      watch.data();
      watch.chunk(chunk.s, chunk.t.length);
    }
  }
}

/** LRANGE of a whole list in one reply, then (with `parse`) the decoding of each entry. */
export async function readListRaw(
  redis: RedisClient,
  key: string,
  parse: boolean,
  watch: RawReadWatch,
): Promise<void> {
  const entries = await redis.lrangeBuffer(key, 0, -1);
  if (entries.length > 0) watch.data();
  if (!parse) return;
  for (const entry of entries) {
    const chunk = parseStoredChunk(entry);
    watch.chunk(chunk.first, chunk.t.length);
  }
}
