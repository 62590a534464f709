/**
 * How far a flush, a merge or a compaction has come, for whoever shows it (the worker
 * forwards it to its BullMQ job, the dashboard draws it). Pure: the Flusher,
 * the Merger and the Compactor know nothing of queues.
 */

/** A flush under way; counts so far, as in its FlushReport. */
export interface FlushProgress {
  /** 0..1 (see flushFraction). */
  fraction: number;
  resumed: number;
  moved: number;
  segments: number;
  samples: number;
  bytes: number;
  /** Memory used/limit at the last reading. */
  ratio: number;
}

/**
 * How much of a flush is done, 0..1. A flush of `everything` has a list of
 * buffers to move: the share of them handled. A flush down to `lowWater`
 * frees memory: the share of the way from the ratio it started at down to
 * the mark (memory that writers fill again meanwhile counts as not freed;
 * a flush that started under the mark has nothing to do).
 */
export function flushFraction(
  state:
    | { everything: true; handled: number; total: number }
    | { everything: false; ratioBefore: number; ratio: number; lowWater: number },
): number {
  if (state.everything) return state.total <= 0 ? 0 : clamp01(state.handled / state.total);
  const toFree = state.ratioBefore - state.lowWater;
  if (toFree <= 0) return 1;
  return clamp01((state.ratioBefore - state.ratio) / toFree);
}

/** The steps of a merge, in order. */
export const MERGE_PHASES = ['quiescence', 'flush', 'merge', 'manifest', 'done'] as const;
export type MergePhase = (typeof MERGE_PHASES)[number];

/** A merge under way. */
export interface MergeProgress {
  /** 0..1 (see mergeFraction). */
  fraction: number;
  phase: MergePhase;
  /** Variables merged so far, of `variables` (0 before the merge phase knows them). */
  variablesMerged: number;
  variables: number;
}

/**
 * Where each phase starts, as a share of the whole merge. Merging the
 * variables (reading and writing every segment) is most of a merge's time;
 * quiescence is a fixed short wait and the flush moves only what is left in
 * Redis.
 */
const MERGE_PHASE_START: Record<MergePhase, number> = {
  quiescence: 0,
  flush: 0.05,
  merge: 0.15,
  manifest: 0.95,
  done: 1,
};

/** How much of a merge is done, 0..1: its phase, and within `merge`, variables merged of all. */
export function mergeFraction(phase: MergePhase, variablesMerged = 0, variables = 0): number {
  const start = MERGE_PHASE_START[phase];
  if (phase !== 'merge' || variables <= 0) return start;
  const span = MERGE_PHASE_START.manifest - start;
  return start + span * clamp01(variablesMerged / variables);
}

/** A compaction under way; counts so far, as in its CompactReport. */
export interface CompactProgress {
  /** 0..1 (see compactFraction). */
  fraction: number;
  variablesCompacted: number;
  variables: number;
  written: number;
  joined: number;
  covered: number;
  bytes: number;
}

/** How much of a compaction is done, 0..1: variables compacted of all (all, when it has none). */
export function compactFraction(variablesCompacted: number, variables: number): number {
  return variables <= 0 ? 1 : clamp01(variablesCompacted / variables);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
