import type { ColdStore } from '@runstream/cold-store';
import type { RunManifest } from '@runstream/domain';

/**
 * Asserts what a completed merge leaves in S3 for each of `variables`: no
 * segment left, one merged object ending at seq `n`, and a manifest entry
 * that agrees with it (count, object, bytes, and what `entry` adds).
 * Resolves to the manifest.
 */
export async function expectMerged(
  cold: ColdStore,
  run: string,
  variables: readonly string[],
  n: number,
  entry: Record<string, unknown> = {},
): Promise<RunManifest | undefined> {
  const manifest = await cold.getManifest(run);
  for (const variable of variables) {
    expect(await cold.listSegments(run, variable)).toEqual([]);
    const info = await cold.mergedInfo(run, variable);
    expect(info?.lastSeq).toBe(n);
    expect(manifest?.variables.find((m) => m.name === variable)).toMatchObject({
      count: n,
      object: info?.key,
      bytes: info?.size,
      ...entry,
    });
  }
  return manifest;
}
