import { Queue, type ConnectionOptions } from 'bullmq';
import { QUEUE_PREFIX, queueCatalog, type PayloadOf, type QueueName } from './queue-catalog';

/** Adds jobs to the catalog's queues with their default options and deduplication. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly connection: ConnectionOptions) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new Queue(queueCatalog[name].name, { connection: this.connection, prefix: QUEUE_PREFIX });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Validates the payload against the catalog and adds the job. */
  async add<N extends QueueName>(name: N, payload: PayloadOf<N>): Promise<void> {
    const def = queueCatalog[name];
    const data: unknown = def.payload.parse(payload);
    await this.queue(name).add(def.name, data, {
      ...def.jobOptions,
      ...('deduplicationId' in def
        ? { deduplication: { id: def.deduplicationId, keepLastIfActive: true } }
        : {}),
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
