/** Number formats shared by progress lines and the final table. */

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const fmtMs = (x: number): string => `${x.toFixed(2).padStart(7)} ms`;

/** Progress lines align server labels ('bare', 'bare+redis', 'ingest') to this width. */
export const LABEL_WIDTH = 10;
