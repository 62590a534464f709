import {
  RunNotFoundError,
  RunNotRunningError,
  type IngestBatch,
  type SeqRange,
} from '@runstream/domain';
import { ackField, type HotKeys } from './keys';
import type { RunstreamRedis } from './redis-commands';
import { asRedisUnavailable } from './redis-unavailable';

export interface WriteResult {
  duplicate: boolean;
  ranges: SeqRange[];
}

/** Appends ingest batches to their variables' buffers: one atomic script, one round trip. */
export class BatchWriter {
  constructor(
    private readonly redis: RunstreamRedis,
    private readonly keys: HotKeys,
  ) {}

  async write(run: string, batch: IngestBatch): Promise<WriteResult> {
    const { series } = batch;
    const identified = batch.producer !== undefined && batch.batch !== undefined;
    const names = series.map((s) => s.name);
    const keys = [
      this.keys.run(run),
      this.keys.acks(run),
      this.keys.variables(run),
      this.keys.dirty(run),
    ];
    const args: string[] = [
      identified ? ackField(batch.producer as string, batch.batch as number) : '',
      identified ? String(batch.batch) : '',
      JSON.stringify(names),
    ];
    for (const s of series) {
      keys.push(this.keys.buffer(run, s.name), this.keys.stats(run, s.name));
      const { ends } = s;
      args.push(
        s.name,
        String(ends.count),
        // The request's own text when we have it: no second serialisation.
        s.raw?.t ?? JSON.stringify(s.t),
        s.raw?.v ?? JSON.stringify(s.v),
        s.summary.min === undefined ? '' : String(s.summary.min),
        s.summary.max === undefined ? '' : String(s.summary.max),
        String(ends.lastT),
        JSON.stringify(ends.lastV),
        String(ends.firstT),
        ends.tNonDecreasing ? '1' : '0',
      );
    }

    let reply: string[];
    try {
      // Nested arrays, not spreads: ioredis flattens them once.
      reply = await this.redis.rsWriteBatch(keys.length, keys, args);
    } catch (err) {
      // Full (maxmemory), down or frozen: 503 and the producer retries the same batch.
      throw asRedisUnavailable(err) ?? err;
    }

    switch (reply[0]) {
      case 'ok':
        return { duplicate: false, ranges: parseRanges(reply[1] ?? '', names) };
      case 'dup':
        return {
          duplicate: true,
          ranges: parseRanges(reply[1] ?? '', JSON.parse(reply[2] ?? '[]') as string[]),
        };
      case 'no_run':
        throw new RunNotFoundError(run);
      case 'not_running':
        throw new RunNotRunningError(run, reply[1] ?? 'unknown');
      default:
        throw new Error(`unexpected reply from the write script: ${String(reply[0])}`);
    }
  }
}

function parseRanges(text: string, names: string[]): SeqRange[] {
  return text.split(';').map((pair, i) => {
    const [first, last] = pair.split(',');
    return { variable: names[i] ?? '', first: Number(first), last: Number(last) };
  });
}
