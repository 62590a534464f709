import { z } from 'zod';
import { storedMetaSchema, type Run } from './run';
import type { VariableStats } from './http-api';
import type { WireValue } from './sample-value';

/**
 * What a completed run leaves in S3 beside its merged objects: the run's
 * record and every variable's stats and seq range. Once Redis has forgotten
 * the run, this is the source of truth for it (runs list, variables, history
 * bounds). Written by the merge job after every merged object, never
 * changed afterwards.
 */
export interface RunManifest {
  version: 1;
  run: Run;
  variables: ManifestVariable[];
  /** The run's Parquet file (absent in manifests written before the merge wrote one). */
  parquet?: ManifestParquet;
  /** ISO-8601: the run's completion time, fixed by the first merge to write it (every merge writes the same). */
  writtenAt: string;
}

export interface ManifestVariable extends VariableStats {
  /** The merged object holds exactly seqs 1..count (none is written for a damaged variable). */
  object: string;
  /** The merged object's size in bytes. */
  bytes: number;
  /**
   * Objects of the variable that did not read at its merge (keys, for the
   * logs, never sent to a client): it was not merged, its segments stay and
   * serve what reads.
   */
  damagedObjects?: string[];
}

/**
 * The run's samples as one Parquet file, written by the merge after the
 * merged objects: every variable's seqs 1..count, but for damaged ones.
 */
export interface ManifestParquet {
  object: string;
  bytes: number;
  rows: number;
  /** Variables left out of it because their stored data is damaged (see damagedObjects). */
  omitted?: string[];
}

const finite = z.number().refine(Number.isFinite);
/**
 * A stat that may be absent. Before ingest refused number literals beyond
 * double range (1e999), such a value could reach a variable's stats as an
 * infinity and its manifest as null (what JSON.stringify makes of one): that
 * reads as absent, so such a run is served, not refused as damaged.
 */
const stat = <T extends z.ZodType<number>>(schema: T) =>
  z.preprocess((x) => (x === null ? undefined : x), schema.optional());
// lastV is a wire value (JSON, with {"$num": ...} tags): kept as it was written.
const wireValue = z.custom<WireValue>(() => true);

export const runManifestSchema = z.object({
  version: z.literal(1),
  run: z.object({
    id: z.string(),
    status: z.enum(['running', 'completing', 'completed']),
    createdAt: z.string(),
    completedAt: z.string().optional(),
    reason: z.enum(['requested', 'idle']).optional(),
    samples: z.number().int().min(0),
    meta: storedMetaSchema,
    metaDamaged: z.literal(true).optional(),
    // Absent in manifests written before projects: those runs belong to the default project.
    project: z.string().optional(),
  }),
  variables: z.array(
    z.object({
      name: z.string(),
      count: z.number().int().min(0),
      min: stat(finite),
      max: stat(finite),
      lastT: stat(z.number()),
      lastV: wireValue.optional(),
      tOrdered: z.boolean().optional(),
      object: z.string(),
      bytes: z.number().int().min(0),
      damagedObjects: z.array(z.string()).optional(),
    }),
  ),
  parquet: z
    .object({
      object: z.string(),
      bytes: z.number().int().min(0),
      rows: z.number().int().min(0),
      omitted: z.array(z.string()).optional(),
    })
    .optional(),
  writtenAt: z.string(),
}) satisfies z.ZodType<RunManifest>;
