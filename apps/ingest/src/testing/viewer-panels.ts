import { waitFor } from '@runstream/testkit';
import type { PanelReport } from '@runstream/viewer';

export type PanelVariableReport = PanelReport['variables'][number];

/**
 * Waits until the page's panels (as `read` gets them from
 * `window.runstreamViewer.panels()`, whatever drives the browser) hold
 * `variable` in a state `accept` takes; resolves with its report.
 */
export function waitForPanelVariable(
  read: () => Promise<PanelReport[]>,
  variable: string,
  what: string,
  accept: (v: PanelVariableReport, panel: PanelReport) => boolean,
  timeoutMs = 30_000,
): Promise<PanelVariableReport> {
  return waitFor(
    `${variable}: ${what}`,
    async () => {
      for (const panel of await read())
        for (const v of panel.variables) if (v.name === variable && accept(v, panel)) return v;
      return undefined;
    },
    timeoutMs,
  );
}
