import { waitFor } from '@runstream/testkit';
import type { Queue } from 'bullmq';

/** Waits until the queue has no job waiting, active, delayed or prioritized (seen twice in a row). */
export async function waitForIdleQueue(queue: Queue, timeoutMs = 20_000): Promise<void> {
  let idleSeen = 0;
  await waitFor(
    `queue ${queue.name} to be idle`,
    async () => {
      const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      idleSeen = Object.values(counts).every((n) => n === 0) ? idleSeen + 1 : 0;
      return idleSeen >= 2 ? true : undefined;
    },
    timeoutMs,
  );
}
