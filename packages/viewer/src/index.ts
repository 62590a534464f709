import { join } from 'node:path';

export type { PanelReport } from './panel-report';

/**
 * @runstream/viewer — the browser viewer, bundled (esbuild) into static files
 * that ingest serves. This module only says where they are: the page asks the
 * API for everything, with the user's token.
 */

/** The built page (index.html, viewer.js, viewer.css); `npm run build` writes it. */
export const viewerAssetsDir = join(__dirname, '..', 'dist', 'public');
