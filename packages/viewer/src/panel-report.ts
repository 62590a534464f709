/**
 * What a panel holds, as the page reports it on `window.runstreamViewer.panels()`:
 * read by the browser tests (Chromium and Firefox), which check the plotted
 * data rather than pixels.
 */
export interface PanelReport {
  mode: string;
  /**
   * What the chart draws (undefined before its first draw): its x scale,
   * and over the plotted points the smallest and largest t and largest y.
   */
  plot?: {
    xMin: number;
    xMax: number;
    tFirst: number;
    tLast: number;
    yMax: number;
    points: number;
  };
  variables: Array<{
    name: string;
    /** Last seq held of the whole range (history, then live). */
    lastSeq: number;
    bucketSeqs: number;
    /** The whole-range buckets cover 1..lastSeq, each seq once. */
    contiguous: boolean;
    /** Largest finite value of any component, over the whole range. */
    max: number;
    zoomedBucketSeqs: number | undefined;
    events: number;
    /** Event seqs strictly increasing: none shown twice. */
    eventsEachOnce: boolean;
  }>;
}
