import type { Queues } from '@runstream/queues';

/**
 * Closes the queues' connections, waiting at most `graceMs`. With Redis down,
 * BullMQ's close() sends QUIT and waits for an answer that only comes once
 * Redis is back, and its disconnect() waits for an 'end' that ioredis does
 * not emit while it is between reconnect attempts. So after the grace the
 * connections are dropped without waiting. The dashboard only reads and
 * relays single commands: nothing half-done is lost.
 */
export async function closeQueues(queues: Queues, graceMs: number): Promise<'closed' | 'dropped'> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'dropped'>((resolve) => {
    timer = setTimeout(() => resolve('dropped'), graceMs);
  });
  const closing = queues.close().then(() => 'closed' as const);
  try {
    const how = await Promise.race([closing, grace]);
    if (how === 'dropped') {
      // Stops reconnecting; what it would wait for may never happen.
      for (const q of queues.all()) void q.disconnect().catch(() => undefined);
      closing.catch(() => undefined);
    }
    return how;
  } finally {
    clearTimeout(timer);
  }
}
