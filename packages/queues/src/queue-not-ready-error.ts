/** A queue's Redis connection was not ready within the bound: Redis is down or frozen. */
export class QueueNotReadyError extends Error {
  constructor(queue: string, timeoutMs: number) {
    super(`queue ${queue}: Redis not ready within ${timeoutMs} ms`);
    this.name = new.target.name;
  }
}
