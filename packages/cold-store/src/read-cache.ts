import { LRUCache } from 'lru-cache';

/** Default bound of the read cache: pieces and index blocks kept per process. */
export const DEFAULT_READ_CACHE_BYTES = 256 * 1024 * 1024;

interface Entry {
  value: unknown;
  bytes: number;
}

/**
 * Immutable things read from S3 (index heads and blocks, decoded pieces),
 * kept per process in one LRU bounded in bytes. Concurrent loads of the same
 * key share one load (single flight), so fifty subscribers joining one
 * variable at once read each piece from S3 once. A failed load is not kept.
 * Keys must name immutable content (object key, size and offset do).
 */
export class ReadCache {
  private readonly lru: LRUCache<string, Entry, () => Promise<Entry>>;

  constructor(maxBytes = DEFAULT_READ_CACHE_BYTES) {
    this.lru = new LRUCache<string, Entry, () => Promise<Entry>>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      // A value larger than the whole cache is returned to its caller, not kept.
      maxEntrySize: Math.max(1, maxBytes),
      fetchMethod: (_key, _stale, { context }) => context(),
    });
  }

  /** The cached value of `key`, or `load()`'s (kept when it resolves); `bytes` sizes it. */
  async get<T>(key: string, load: () => Promise<T>, bytes: (value: T) => number): Promise<T> {
    const entry = await this.lru.fetch(key, {
      context: async () => {
        const value = await load();
        return { value, bytes: bytes(value) };
      },
    });
    if (entry === undefined) throw new Error(`read cache: no value for ${key}`);
    return entry.value as T;
  }

  /**
   * The cached value of `key`, or `load()`'s without keeping it: for reads
   * that pass over much data once (an export), which would otherwise push out
   * what many readers share.
   */
  async peekOrLoad<T>(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.lru.peek(key);
    return entry !== undefined ? (entry.value as T) : load();
  }

  /** Bytes held now (for metrics and tests). */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  clear(): void {
    this.lru.clear();
  }
}
