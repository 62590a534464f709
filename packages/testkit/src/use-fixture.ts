/** What useFixture starts before a file's tests and stops after them. */
export interface Fixture {
  stop(): Promise<void>;
  /** Before each test (e.g. to note that what starts now belongs to the test). */
  beginTest?(): void;
  /** After each test (e.g. to close what the test started), passed or failed. */
  endTest?(): Promise<void>;
}

/**
 * Registers jest hooks that start a fixture before the tests of the file (or
 * of the describe block it is called in) and stop it after them, and returns
 * an object that stands for the started fixture. Read it in tests and hooks
 * only: before its beforeAll has run there is nothing to read yet, and
 * reading throws to say so.
 */
export function useFixture<T extends Fixture>(start: () => Promise<T>): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  beforeEach(() => started?.beginTest?.());
  afterEach(async () => {
    await started?.endTest?.();
  });
  afterAll(async () => {
    await started?.stop();
    started = undefined;
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (started === undefined)
        throw new Error(`fixture read outside its tests (${String(key)}): it is not started`);
      const value: unknown = Reflect.get(started, key, started);
      return typeof value === 'function' ? (value as () => unknown).bind(started) : value;
    },
  });
}
