import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
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
    await this.queue(name).add(def.name, data, options);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
