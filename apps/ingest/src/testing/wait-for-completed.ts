import type { Run } from '@runstream/domain';
import { RunstreamHttpError, type RunstreamClient } from '@runstream/sdk';
import { waitFor } from '@runstream/testkit';

/**
 * Polls a run until the API says it is completed. A 404 on the way is read
 * as not yet: once the merge has written the Parquet file it rewrites the
 * manifest, and s3rver (unlike S3, whose PUT replaces an object at once)
 * serves an object it is writing as empty, which the catalog cannot read.
 */
export function waitForCompleted(
  reader: Pick<RunstreamClient, 'getRun'>,
  run: string,
  timeoutMs = 60_000,
): Promise<Run> {
  return waitFor(
    `run ${run} to be completed`,
    async () => {
      const answer = await reader.getRun(run).catch((err: unknown) => {
        if (err instanceof RunstreamHttpError && err.status === 404) return undefined;
        throw err;
      });
      return answer?.status === 'completed' ? answer : undefined;
    },
    timeoutMs,
  );
}
