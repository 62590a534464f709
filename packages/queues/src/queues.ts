import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { QueueNotReadyError } from './queue-not-ready-error';
import { QUEUE_PREFIX, queueCatalog, type PayloadOf, type QueueName } from './queue-catalog';

export interface QueuesOptions {
  /**
   * Longest wait for a queue's connection to be ready before an add fails
   * (BullMQ waits for Redis without end otherwise). Default: no bound.
   */
  readyTimeoutMs?: number;
}

/** Adds jobs to the catalog's queues with their default options and deduplication. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly options: QueuesOptions = {},
  ) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new Queue(queueCatalog[name].name, { connection: this.connection, prefix: QUEUE_PREFIX });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Every queue of the catalog (the dashboard shows them all). */
  all(): Queue[] {
    return (Object.keys(queueCatalog) as QueueName[]).map((n) => this.queue(n));
  }

  /** Validates the payload against the catalog and adds the job. */
  async add<N extends QueueName>(
    name: N,
    payload: PayloadOf<N>,
    extra: Pick<JobsOptions, 'delay'> = {},
  ): Promise<void> {
    const def = queueCatalog[name];
    // The schema is the catalog's own, so parse returns PayloadOf<N>.
    const data = def.payload.parse(payload) as PayloadOf<N>;
    const options: JobsOptions = { ...def.jobOptions, ...extra };
    if ('deduplication' in def) {
      const dedup = def.deduplication as {
        id: (p: PayloadOf<N>) => string;
        keepLastIfActive: boolean;
      };
      options.deduplication = dedup.keepLastIfActive
        ? { id: dedup.id(data), keepLastIfActive: true }
        : { id: dedup.id(data) };
    }
    if ('jobId' in def) options.jobId = (def.jobId as (p: PayloadOf<N>) => string)(data);
    const queue = await this.ready(name);
    await queue.add(def.name, data, options);
  }

  /**
   * The queue once its connection is ready. A connection whose start failed
   * (Redis frozen while BullMQ read its version) stays failed in BullMQ:
   * that queue is dropped, and the next add makes a new one.
   */
  private async ready(name: QueueName): Promise<Queue> {
    const queue = this.queue(name);
    let timer: NodeJS.Timeout | undefined;
    const bound = this.options.readyTimeoutMs;
    try {
      await Promise.race([
        queue.waitUntilReady(),
        ...(bound === undefined
          ? []
          : [
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new QueueNotReadyError(queue.name, bound)), bound);
              }),
            ]),
      ]);
    } catch (err) {
      if (!(err instanceof QueueNotReadyError) && this.queues.get(name) === queue) {
        this.queues.delete(name);
        queue.close().catch(() => undefined); // already broken: nothing to wait for
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
