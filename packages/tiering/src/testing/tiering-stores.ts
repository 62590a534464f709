import { ColdStore, type SegmentInfo } from '@runstream/cold-store';
import { seededRandom } from '@runstream/domain/testing';
import { HotStore } from '@runstream/hot-store';
import {
  startRedis,
  startS3Server,
  type RunningRedis,
  type RunningS3Server,
} from '@runstream/testkit';
import { Compactor } from '../compactor';
import { Flusher } from '../flusher';
import { Merger } from '../merger';
import { TieredHistory } from '../tiered-history';
import { RecordedVariable } from './recorded-variable';

/**
 * A real redis-server and s3rver for one test file, with the stores and the
 * tiering jobs on them, and recorded variables written through the real
 * write path.
 */
export class TieringStores {
  readonly flusher: Flusher;
  readonly merger: Merger;
  readonly compactor: Compactor;
  readonly history: TieredHistory;

  private constructor(
    private readonly redis: RunningRedis,
    private readonly s3: RunningS3Server,
    readonly hot: HotStore,
    readonly cold: ColdStore,
  ) {
    this.flusher = new Flusher(hot, cold);
    this.merger = new Merger(hot, cold, this.flusher);
    this.compactor = new Compactor(hot, cold);
    this.history = new TieredHistory(hot, cold);
  }

  static async start(): Promise<TieringStores> {
    const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
    return new TieringStores(redis, s3, HotStore.connect(redis.url), new ColdStore(s3.connection));
  }

  async stop(): Promise<void> {
    this.cold.close();
    await this.hot.close();
    await Promise.all([this.redis.stop(), this.s3.dispose()]);
  }

  /** A new run with one recorded variable `x` of seeded random samples. */
  async variable(run: string, seed: number): Promise<RecordedVariable> {
    await this.hot.runs.create({ id: run });
    return new RecordedVariable(this.hot, run, 'x', seededRandom(seed));
  }

  /** Writes `samples` more samples of `v` (batches of at most `maxBatch`) and flushes them into one segment. */
  async flushed(v: RecordedVariable, samples: number, maxBatch = 1000): Promise<SegmentInfo> {
    await v.write(samples, maxBatch);
    await this.flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run: v.run });
    const segments = await this.segments(v);
    const last = segments[segments.length - 1];
    if (last?.last !== v.count) throw new Error(`no segment ends at ${v.count}`);
    return last;
  }

  segments(v: RecordedVariable): Promise<SegmentInfo[]> {
    return this.cold.listSegments(v.run, v.name);
  }
}
