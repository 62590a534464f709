/** Something did not answer in time. */
export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = new.target.name;
  }
}

/**
 * Resolves as `work` does, or rejects with a TimeoutError once `ms` have
 * passed without an answer. A Redis that is down makes commands wait for a
 * reconnect; health and metrics must answer anyway. `work` itself goes on:
 * its late answer is ignored.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
