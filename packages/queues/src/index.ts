export {
  QUEUE_PREFIX,
  QUEUE_NAMES,
  queueCatalog,
  isQueueName,
  flushPayloadSchema,
  flushReasonSchema,
  type FlushPayload,
  type FlushReason,
  type PayloadOf,
  type QueueName,
} from './queue-catalog';
export { Queues } from './queues';
