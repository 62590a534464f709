import { Queue, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import {
  AGE_FLUSH_SCHEDULER_ID,
  QUEUE_PREFIX,
  queueCatalog,
  type PayloadOf,
  type QueueName,
} from './queue-catalog';
import { QueueNotReadyError } from './queue-not-ready-error';

/** States of a job that will not run again by itself ('unknown': its key is gone). */
const FINISHED_STATES = new Set(['completed', 'failed', 'unknown']);

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

  /**
   * `connection`: options (each queue connects by itself), or a client
   * (a Redis Cluster's), which the queues share and `close()` quits.
   */
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
    const { data, options } = this.jobOf(name, payload, extra);
    const queue = await this.ready(name);
    await queue.add(queueCatalog[name].name, data, options);
  }

  /**
   * Makes sure a live job stands for the payload's instance (its fixed job
   * id, or its deduplication id): adds one when there is none, or when the
   * one there has finished — failed for good (kept under its fixed id, where
   * a plain add is a no-op), or stalled out of the queue's hands. Waiting,
   * delayed, active or prioritized, it is left alone. Returns what it did.
   * Two callers at once may both replace a finished job: the second add
   * meets the first's live job (same id) and does nothing.
   */
  async ensure<N extends QueueName>(
    name: N,
    payload: PayloadOf<N>,
  ): Promise<'live' | 'added' | 'replaced'> {
    const { data, options } = this.jobOf(name, payload);
    const queue = await this.ready(name);
    const dedupId = options.deduplication?.id;
    const heldBy =
      options.jobId ?? (dedupId !== undefined ? await queue.getDeduplicationJobId(dedupId) : null);
    const job: Job | undefined = heldBy === null ? undefined : await queue.getJob(heldBy);
    let replaced = false;
    if (job !== undefined) {
      const state = await job.getState();
      if (!FINISHED_STATES.has(state)) return 'live';
      if (options.jobId !== undefined) await job.remove();
      replaced = true;
    }
    // A deduplication id left pointing at a finished or vanished job would swallow the add.
    if (dedupId !== undefined && heldBy !== null) await queue.removeDeduplicationKey(dedupId);
    await queue.add(queueCatalog[name].name, data, options);
    return replaced ? 'replaced' : 'added';
  }

  /**
   * Schedules a flush job with reason `age` every `everyMs` (a BullMQ job
   * scheduler: one per queue, however many workers ask, and the last ask's
   * interval wins), or removes the schedule (undefined: age flushes off).
   * Each job runs once: the next one comes an interval later anyway.
   */
  async scheduleAgeFlush(everyMs: number | undefined): Promise<void> {
    const queue = this.queue('flush');
    if (everyMs === undefined) {
      await queue.removeJobScheduler(AGE_FLUSH_SCHEDULER_ID);
      return;
    }
    const data = queueCatalog.flush.payload.parse({ reason: 'age', requestedAt: 0 });
    const { removeOnComplete, removeOnFail } = queueCatalog.flush.jobOptions;
    await queue.upsertJobScheduler(
      AGE_FLUSH_SCHEDULER_ID,
      { every: everyMs },
      {
        name: queueCatalog.flush.name,
        data,
        opts: {
          attempts: 1,
          ...(removeOnComplete !== undefined ? { removeOnComplete } : {}),
          ...(removeOnFail !== undefined ? { removeOnFail } : {}),
        },
      },
    );
  }

  /** The payload checked against the catalog, with the queue's job options, deduplication and job id. */
  private jobOf<N extends QueueName>(
    name: N,
    payload: PayloadOf<N>,
    extra: Pick<JobsOptions, 'delay'> = {},
  ): { data: PayloadOf<N>; options: JobsOptions } {
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
    return { data, options };
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
    // A shared client is not closed by BullMQ.
    const client = this.connection;
    if (client instanceof Redis || client instanceof Cluster) {
      await client.quit().catch(() => client.disconnect());
    }
  }
}
