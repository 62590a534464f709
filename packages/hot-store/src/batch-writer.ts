import {
  RunNotFoundError,
  RunNotRunningError,
  type IngestBatch,
  type SeqRange,
} from '@runstream/domain';
import { ackField, type HotKeys } from './keys';
import { encodeBody, encodeColumnsBody } from './packed-chunk';
import type { RunstreamRedis } from './redis-commands';
import { masterNodeFor } from './redis-connection';
import { asRedisUnavailable, RedisUnavailableError } from './redis-unavailable';

export interface WriteResult {
  duplicate: boolean;
  ranges: SeqRange[];
}

/** How many replicas must hold a batch before it is acknowledged (REDIS_WRITE_REPLICAS). */
export interface WriteReplication {
  /** 0: acknowledged once its master has it (Redis's own default). */
  replicas: number;
  /** WAIT's timeout: past it the batch is answered 503 (it is written; the retry is a duplicate). */
  timeoutMs: number;
}

/** Appends ingest batches to their variables' buffers: one atomic script, one round trip. */
export class BatchWriter {
  constructor(
    private readonly redis: RunstreamRedis,
    private readonly keys: HotKeys,
    private readonly replication: WriteReplication = { replicas: 0, timeoutMs: 0 },
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
    const args: (string | Buffer)[] = [
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
        s.columns !== undefined ? encodeColumnsBody(s.columns) : encodeBody(s.t, s.v),
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

    // A duplicate waits too: its first attempt may have been answered 503 before replicas had it.
    if ((reply[0] === 'ok' || reply[0] === 'dup') && this.replication.replicas > 0)
      await this.awaitReplicas(run);

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

  /**
   * WAIT on the master that ran the write (the connection the script went
   * over: WAIT counts the replicas that have every write of its own
   * connection so far). Fewer replicas than asked within the timeout, or
   * no known master: 503, and the producer's retry is a deduplicated
   * duplicate, which waits again.
   */
  private async awaitReplicas(run: string): Promise<void> {
    const { replicas, timeoutMs } = this.replication;
    const master = masterNodeFor(this.redis, this.keys.run(run));
    let acked: number;
    try {
      if (master === undefined) throw new Error('Connection is closed: no master for the slot');
      acked = Number(await master.call('WAIT', String(replicas), String(timeoutMs)));
    } catch (err) {
      throw asRedisUnavailable(err) ?? err;
    }
    if (acked < replicas)
      throw new RedisUnavailableError('unreplicated', {
        cause: new Error(`WAIT ${replicas} ${timeoutMs}: ${acked} replica(s) acknowledged`),
      });
  }
}

function parseRanges(text: string, names: string[]): SeqRange[] {
  return text.split(';').map((pair, i) => {
    const [first, last] = pair.split(',');
    return { variable: names[i] ?? '', first: Number(first), last: Number(last) };
  });
}
