// Which Parquet writer for a run's file: size per sample and write time of
// each candidate on the same rows (the long format cold-store's runParquet
// writes: variable, seq, t, v, v_text), next to the merged gzip NDJSON.
// Datasets: 1 M random doubles, 1 M samples of a smooth signal, and the demo
// model's mix (9 variables, one of strings, one of arrays) at about 1 M samples.
// Each candidate writes row groups of 100 000 rows from columns built
// beforehand, so the figures are the writers' own; rounds are alternated
// (A, B, C, A, B, C…) and medians reported. Every file is read back with
// DuckDB (row count, seq sum) and its encodings and codec are printed.
//
//   npm run build
//   npm install --prefix /tmp/pq-candidates parquet-wasm@0.8.0 apache-arrow@21.2.0
//   PARQUET_CANDIDATES=/tmp/pq-candidates node scripts/parquet-writers.mjs [samples] [rounds]
//
// Without PARQUET_CANDIDATES (or without those packages there) parquet-wasm is
// skipped. Timings want a quiet machine; sizes do not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const require = createRequire(import.meta.url);
const candidatesRequire = process.env.PARQUET_CANDIDATES
  ? createRequire(join(process.env.PARQUET_CANDIDATES, 'package.json'))
  : undefined;
const {
  encodeSegment,
  formatChunk,
  PIECE_MAX_SAMPLES,
} = require('../packages/cold-store/dist/index.js');
const { decodeValue, encodeValue } = require('../packages/domain/dist/index.js');
const { DemoModel } = require('../apps/demo/dist/demo-model.js');
const { seededRandom } = require('../apps/demo/dist/seeded-random.js');
const hyparquet = require('hyparquet-writer');
const zstd = require('@bokuweb/zstd-wasm');
const duckdb = require('@duckdb/node-api');

const n = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const ROW_GROUP = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'parquet-writers-'));

// ---- datasets: per variable, wire values (as the merge reads them) ----

function numericSeries(f) {
  const t = Float64Array.from({ length: n }, (_, i) => i * 0.01);
  return [{ variable: 'x', t, v: Array.from(t, (_, i) => encodeValue(f(i))) }];
}
function demoSeries() {
  const model = new DemoModel(0.01, 1);
  const byVar = new Map();
  for (let step = 0; step * 9 < n; step++) {
    for (const { variable, v } of model.step()) {
      let s = byVar.get(variable);
      if (!s) byVar.set(variable, (s = { variable, t: [], v: [] }));
      s.t.push(model.t);
      s.v.push(encodeValue(v));
    }
  }
  return [...byVar.values()];
}
const random = seededRandom(7);
const datasets = {
  'random doubles': numericSeries(() => random()),
  'smooth signal': numericSeries((i) => Math.exp(-i * 1e-6) * Math.sin(i * 0.01)),
  'demo mix': demoSeries(),
};

/** The long-format columns, in row groups, exactly as runParquet builds them. */
function rowGroups(series) {
  const groups = [];
  let g;
  const open = () => (g = { variable: [], seq: [], t: [], v: [], vText: [] });
  open();
  for (const s of series) {
    for (let i = 0; i < s.t.length; i++) {
      const value = decodeValue(s.v[i]);
      const numeric = typeof value === 'number';
      g.variable.push(s.variable);
      g.seq.push(BigInt(i + 1));
      g.t.push(s.t[i]);
      g.v.push(numeric ? value : null);
      g.vText.push(numeric ? null : JSON.stringify(s.v[i]));
      if (g.seq.length === ROW_GROUP) (groups.push(g), open());
    }
  }
  if (g.seq.length > 0) groups.push(g);
  return groups;
}

// ---- candidates: each writes the row groups to a file, returns its path ----

const SCHEMA = [
  { name: 'root', num_children: 5 },
  { name: 'variable', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'seq', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 't', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'v', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'v_text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
];
await zstd.init();
function hyparquetWriter(codec, level, seqEncoding) {
  const compressors = codec === 'ZSTD' ? { ZSTD: (b) => zstd.compress(b, level) } : {};
  return (groups, file) => {
    const out = new hyparquet.ByteWriter();
    const w = new hyparquet.ParquetWriter({ writer: out, schema: SCHEMA, codec, compressors });
    for (const g of groups) {
      w.write({
        rowGroupSize: g.seq.length,
        columnData: [
          { name: 'variable', data: g.variable },
          { name: 'seq', data: g.seq, encoding: seqEncoding },
          { name: 't', data: g.t, encoding: 'BYTE_STREAM_SPLIT' },
          { name: 'v', data: g.v, encoding: 'BYTE_STREAM_SPLIT' },
          { name: 'v_text', data: g.vText },
        ],
      });
    }
    w.finish();
    writeFileSync(file, out.getBytes());
  };
}

// DuckDB has no streaming input from JavaScript: the run is appended to a
// table (here in memory), then COPY writes the file.
const duck = await duckdb.DuckDBInstance.create(':memory:');
const con = await duck.connect();
async function duckdbWriter(groups, file) {
  await con.run(
    'CREATE OR REPLACE TABLE run (variable VARCHAR, seq BIGINT, t DOUBLE, v DOUBLE, v_text VARCHAR)',
  );
  const appender = await con.createAppender('run');
  const types = [duckdb.VARCHAR, duckdb.BIGINT, duckdb.DOUBLE, duckdb.DOUBLE, duckdb.VARCHAR];
  for (const g of groups) {
    for (let at = 0; at < g.seq.length; at += 2048) {
      const end = Math.min(at + 2048, g.seq.length);
      const chunk = duckdb.DuckDBDataChunk.create(types, end - at);
      chunk.setColumns([
        g.variable.slice(at, end),
        g.seq.slice(at, end),
        g.t.slice(at, end),
        g.v.slice(at, end),
        g.vText.slice(at, end),
      ]);
      appender.appendDataChunk(chunk);
    }
  }
  appender.closeSync();
  await con.run(
    `COPY run TO '${file}' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2, ROW_GROUP_SIZE ${ROW_GROUP})`,
  );
  await con.run('DROP TABLE run');
}

let parquetWasm;
try {
  const pw = candidatesRequire?.('parquet-wasm');
  const arrow = candidatesRequire?.('apache-arrow');
  if (pw && arrow) parquetWasm = { pw, arrow };
} catch {
  // not installed: skipped (see the command above)
}
async function parquetWasmWriter(groups, file) {
  const { pw, arrow } = parquetWasm;
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setWriterVersion(pw.WriterVersion.V2)
    .setDictionaryEnabled(false)
    .setColumnDictionaryEnabled('variable', true)
    .setColumnEncoding('t', pw.Encoding.BYTE_STREAM_SPLIT)
    .setColumnEncoding('v', pw.Encoding.BYTE_STREAM_SPLIT)
    .setMaxRowGroupSize(ROW_GROUP)
    .build();
  // Each row group: an Arrow batch, through IPC into wasm memory, then the
  // streaming writer.
  const batches = (function* () {
    for (const g of groups) {
      const table = arrow.tableFromArrays({
        variable: arrow.vectorFromArray(g.variable, new arrow.Utf8()),
        seq: BigInt64Array.from(g.seq),
        t: Float64Array.from(g.t),
        v: arrow.vectorFromArray(g.v, new arrow.Float64()),
        v_text: arrow.vectorFromArray(g.vText, new arrow.Utf8()),
      });
      yield pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')).recordBatch(0);
    }
  })();
  const input = new ReadableStream({
    pull(controller) {
      const next = batches.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  const output = await pw.transformParquetStream(input, props);
  const parts = [];
  for await (const part of Readable.fromWeb(output)) parts.push(part);
  writeFileSync(file, Buffer.concat(parts));
}

const candidates = {
  'hyparquet-writer snappy (current)': hyparquetWriter('SNAPPY'),
  'hyparquet-writer + wasm zstd 3': hyparquetWriter('ZSTD', 3),
  'hyparquet-writer + wasm zstd 3, seq delta (chosen)': hyparquetWriter(
    'ZSTD',
    3,
    'DELTA_BINARY_PACKED',
  ),
  'hyparquet-writer + wasm zstd 9, seq delta': hyparquetWriter('ZSTD', 9, 'DELTA_BINARY_PACKED'),
  'duckdb COPY zstd v2': duckdbWriter,
  ...(parquetWasm ? { 'parquet-wasm zstd v2': parquetWasmWriter } : {}),
};
if (!parquetWasm) console.log('parquet-wasm: skipped (set PARQUET_CANDIDATES, see the header)');

// ---- measure ----

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [dataset, series] of Object.entries(datasets)) {
  const groups = rowGroups(series);
  const samples = groups.reduce((sum, g) => sum + g.seq.length, 0);
  let gz = 0;
  for (const s of series) {
    for (let first = 1; first <= s.t.length; first += PIECE_MAX_SAMPLES) {
      const len = Math.min(PIECE_MAX_SAMPLES, s.t.length - first + 1);
      const chunk = {
        first,
        t: Array.from(s.t.slice(first - 1, first - 1 + len)),
        v: s.v.slice(first - 1, first - 1 + len),
      };
      gz += (await encodeSegment([formatChunk(chunk)])).length;
    }
  }
  rows.push({ dataset, writer: 'merged gzip NDJSON (for scale)', bPerSample: gz / samples });
  const times = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  const files = {};
  for (let round = 0; round <= rounds; round++) {
    for (const [name, write] of Object.entries(candidates)) {
      const file = join(dir, `${Object.keys(candidates).indexOf(name)}.parquet`);
      global.gc?.();
      const start = process.hrtime.bigint();
      await write(groups, file);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (round > 0) times[name].push(ms); // round 0 warms up
      files[name] = file;
    }
  }
  for (const [name, file] of Object.entries(files)) {
    const bytes = readFileSync(file).length;
    const check = await (
      await con.runAndReadAll(
        `SELECT count(*)::BIGINT AS c, sum(seq)::BIGINT AS s FROM read_parquet('${file}')`,
      )
    ).getRowObjects();
    const meta = await (
      await con.runAndReadAll(
        `SELECT path_in_schema AS col, compression, encodings FROM parquet_metadata('${file}') WHERE row_group_id = 0 ORDER BY column_id`,
      )
    ).getRowObjects();
    const expectSum = series.reduce((sum, s) => sum + (s.t.length * (s.t.length + 1)) / 2, 0);
    if (Number(check[0].c) !== samples || Number(check[0].s) !== expectSum)
      throw new Error(`${name} on ${dataset}: read back ${check[0].c} rows, seq sum ${check[0].s}`);
    rows.push({
      dataset,
      writer: name,
      bPerSample: bytes / samples,
      ms: median(times[name]),
      encodings: meta.map((m) => `${m.col}:${m.encodings}/${m.compression}`).join(' '),
    });
  }
}
console.log(`\n${n} samples per dataset, ${rounds} rounds (medians), row groups of ${ROW_GROUP}\n`);
console.log('| dataset | writer | B/sample | write ms |');
console.log('| --- | --- | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.dataset} | ${r.writer} | ${r.bPerSample.toFixed(2)} | ${r.ms === undefined ? '' : r.ms.toFixed(0)} |`,
  );
console.log('\nencodings/codec per column (first row group):');
for (const r of rows) if (r.encodings) console.log(`  ${r.dataset} / ${r.writer}: ${r.encodings}`);
rmSync(dir, { recursive: true });
