import { SegmentFormatError, type ColdStore } from '@runstream/cold-store';
import type { RunManifest } from '@runstream/domain';
import { waitFor } from '@runstream/testkit';

/**
 * Waits until the run's manifest is in S3 (its merge is done) and resolves
 * to it. s3rver, unlike S3, serves an object it is still writing — empty or
 * cut short — so a manifest that does not parse yet is looked at again.
 */
export function waitForManifest(
  cold: ColdStore,
  run: string,
  timeoutMs = 15_000,
): Promise<RunManifest> {
  return waitFor(
    `the manifest of run ${run}`,
    () =>
      cold.getManifest(run).catch((err: unknown) => {
        if (err instanceof SegmentFormatError) return undefined;
        throw err;
      }),
    timeoutMs,
  );
}
