/**
 * Polls `probe` every `everyMs` until it returns a value other than undefined
 * and resolves to that value; throws after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until a built app at `baseUrl` answers `/readyz` 200 (its backends
 * reached: a cluster client connects after the app listens) and resolves to
 * that answer's body; throws after `timeoutMs`.
 */
export function waitUntilReady(baseUrl: string, timeoutMs = 30_000): Promise<unknown> {
  return waitFor(
    `${baseUrl} to be ready`,
    async () => {
      const res = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
      return res?.ok === true ? await res.json() : undefined;
    },
    timeoutMs,
  );
}
