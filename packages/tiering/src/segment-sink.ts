import type { SegmentLevels } from '@runstream/cold-store';

/**
 * Where a flush puts a transfer's chunks: one segment object named by its seq
 * range, so uploading the same transfer twice rewrites the same object, with
 * its bucket pyramid (`levels`: what builds it, called only for a segment
 * large enough for an index; see ColdStore.putSegment). The cold store
 * implements it; the flusher knows nothing of S3.
 */
export interface SegmentSink {
  putSegment(
    run: string,
    variable: string,
    chunkTexts: string[],
    firstSeq: number,
    lastSeq: number,
    levels: SegmentLevels,
  ): Promise<unknown>;
}
