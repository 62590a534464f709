// Bundles the browser viewer (src/browser/main.ts, uPlot, socket.io-client,
// the SDK's Subscriber) into dist/public with the page and its styles: static
// files ingest serves, nothing fetched from a CDN.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist', 'public');
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src', 'browser', 'main.ts')],
  outfile: join(out, 'viewer.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox115'],
  minify: true,
  // The domain from its sources (ES modules, `sideEffects: false`), not its
  // CommonJS build, so esbuild keeps only the modules the page uses: not the
  // zod schemas of ingest's validation (~600 kB minified).
  alias: { '@runstream/domain': join(here, '..', 'domain', 'src', 'index.ts') },
  metafile: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const bundled = Object.values(result.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
if (bundled.some((f) => f.includes('node_modules/zod/')))
  throw new Error('viewer.js bundles zod: a module the page imports reaches a zod schema');

const uplotCss = readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'));
writeFileSync(
  join(out, 'viewer.css'),
  Buffer.concat([uplotCss, Buffer.from('\n'), readFileSync(join(here, 'static', 'viewer.css'))]),
);
copyFileSync(join(here, 'static', 'index.html'), join(out, 'index.html'));
