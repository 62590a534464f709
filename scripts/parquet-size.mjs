// Parquet bytes per sample next to the merged gzip NDJSON, for 1 M random
// doubles and for a demo-like variable (a smooth oscillation): the same
// chunks through cold-store's runParquet and through encodeSegment (gzip
// level 1, one gzip member per 16 384 samples, as a merged object's pieces).
// Sizes only, no timings: safe on a loaded machine.
//   npm run build && node scripts/parquet-size.mjs [samples]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const {
  runParquet,
  encodeSegment,
  formatChunk,
  PIECE_MAX_SAMPLES,
} = require('../packages/cold-store/dist/index.js');

const n = Number(process.argv[2] ?? 1_000_000);
const random = Math.random;
const series = {
  'random doubles': () => random(),
  'demo-like (damped oscillation, t step 0.01)': (i) =>
    Math.exp(-i * 1e-5) * Math.sin(i * 0.01) + 0.001 * (random() - 0.5),
};
for (const [name, f] of Object.entries(series)) {
  const chunks = [];
  for (let first = 1; first <= n; first += PIECE_MAX_SAMPLES) {
    const len = Math.min(PIECE_MAX_SAMPLES, n - first + 1);
    const t = Array.from({ length: len }, (_, k) => (first + k - 1) * 0.01);
    chunks.push({ first, t, v: t.map((_, k) => f(first + k - 1)) });
  }
  let gz = 0;
  for (const chunk of chunks) gz += (await encodeSegment([formatChunk(chunk)])).length;
  let pq = 0;
  for await (const bytes of runParquet([{ variable: 'x', chunks: chunks.values() }]))
    pq += bytes.length;
  console.log(
    `${name}, ${n} samples: Parquet ${(pq / n).toFixed(2)} B/sample, gzip NDJSON ${(gz / n).toFixed(2)} B/sample`,
  );
}
