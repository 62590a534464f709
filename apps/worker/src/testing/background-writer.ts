import type { HotStore } from '@runstream/hot-store';
import { writeSamples } from '@runstream/tiering/testing';

/**
 * A writer that keeps writing small batches to `variables` (writeSamples,
 * after `offset` samples) until stopped, to show that flushes (and crashes)
 * never stop writers.
 */
export function backgroundWriter(
  hot: HotStore,
  run: string,
  variables: string[],
  offset: number,
  size = 50,
): { written(): number; stop(): Promise<number> } {
  let written = offset;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await writeSamples(hot, run, variables, 1, size, written);
      written += size;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    written: () => written,
    stop: async () => {
      stopped = true;
      await loop;
      return written;
    },
  };
}
