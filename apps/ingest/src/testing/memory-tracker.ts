import { HotStore } from '@runstream/hot-store';

/** One INFO memory reading by a MemoryTracker, answered at `at` (Date.now()). */
export interface TrackedReading {
  at: number;
  /** used_memory: everything Redis allocated, client buffers included. */
  usedBytes: number;
  /** mem_clients_normal: query and reply buffers of ordinary clients (part of used_memory). */
  clientBytes: number;
  /** used_memory_peak: Redis's own high-water mark since it started (updated after every command). */
  peakBytes: number;
  /** maxmemory. */
  limitBytes: number;
  /** used_memory / maxmemory. */
  ratio: number;
}

/** The fields of INFO memory a MemoryTracker keeps. */
export function parseInfoMemory(info: string, at = Date.now()): TrackedReading {
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  const usedBytes = field('used_memory');
  const limitBytes = field('maxmemory');
  return {
    at,
    usedBytes,
    clientBytes: field('mem_clients_normal'),
    peakBytes: field('used_memory_peak'),
    limitBytes,
    ratio: limitBytes > 0 ? usedBytes / limitBytes : 0,
  };
}

/**
 * Reads INFO memory every `everyMs` on a connection of its own, from
 * `start()` to `stop()`, and keeps every reading: the peak, and the timeline
 * a test checks 503s against.
 */
export class MemoryTracker {
  readonly readings: TrackedReading[] = [];
  private readonly hot: HotStore;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    redisUrl: string,
    private readonly everyMs = 50,
  ) {
    this.hot = HotStore.connect(redisUrl);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        this.readings.push(await this.read());
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
  }

  /** One reading now (not kept). */
  async read(): Promise<TrackedReading> {
    return parseInfoMemory(await this.hot.redis.info('memory'));
  }

  /** The kept reading with the highest used/maxmemory. */
  get peak(): TrackedReading | undefined {
    let peak: TrackedReading | undefined;
    for (const r of this.readings) if (peak === undefined || r.ratio > peak.ratio) peak = r;
    return peak;
  }

  /** The last kept reading answered at or before `at`. */
  before(at: number): TrackedReading | undefined {
    return this.readings.findLast((r) => r.at <= at);
  }

  /** Stops polling; `read()` still works until `close()`. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.hot.close();
  }
}
