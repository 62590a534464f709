import { queueCatalog, type PayloadOf, type QueueName } from '@runstream/queues';
import { UnrecoverableError, type Job } from 'bullmq';

/**
 * Handles one job of a queue; what it returns is stored as the job's result.
 * `token` is the job's lock token (a job that reschedules itself needs it).
 */
export type JobProcessor = (job: Job, token?: string) => Promise<unknown>;

/**
 * The job's payload, checked against the catalog. A payload the catalog
 * refuses fails the job for good (UnrecoverableError): a retry would refuse
 * it again.
 */
export function payloadOf<N extends QueueName>(queue: N, job: Job): PayloadOf<N> {
  const parsed = queueCatalog[queue].payload.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      `${queue} job ${job.id ?? '?'}: bad payload: ${parsed.error.message}`,
    );
  // The schema is the catalog's own for this queue.
  return parsed.data as PayloadOf<N>;
}

/** A queue this process was asked to serve has no processor. */
export class MissingProcessorError extends Error {
  constructor(readonly queues: string[]) {
    super(
      `no processor for queue(s) ${queues.map((q) => `'${q}'`).join(', ')}: remove them from WORKER_QUEUES or register one`,
    );
    this.name = new.target.name;
  }
}

/** Two processors were registered for one queue: which one runs would be an accident. */
export class DuplicateProcessorError extends Error {
  constructor(readonly queue: string) {
    super(`queue '${queue}' has two processors`);
    this.name = new.target.name;
  }
}

/**
 * Queue name → processor. Start-up refuses a chosen queue with no processor
 * (`assertProcessors`) and a queue with two (`register`), so a deployment
 * mistake fails at boot instead of leaving jobs to pile up unserved.
 */
export class ProcessorRegistry {
  private readonly processors = new Map<QueueName, JobProcessor>();

  register(queue: QueueName, processor: JobProcessor): this {
    if (this.processors.has(queue)) throw new DuplicateProcessorError(queue);
    this.processors.set(queue, processor);
    return this;
  }

  /** Throws `MissingProcessorError` naming every queue in `queues` that has no processor. */
  assertProcessors(queues: readonly QueueName[]): void {
    const missing = queues.filter((q) => !this.processors.has(q));
    if (missing.length > 0) throw new MissingProcessorError(missing);
  }

  get(queue: QueueName): JobProcessor {
    const processor = this.processors.get(queue);
    if (processor === undefined) throw new MissingProcessorError([queue]);
    return processor;
  }

  queues(): QueueName[] {
    return [...this.processors.keys()];
  }
}
