import { compress as zstdCompress, init as initZstd } from '@bokuweb/zstd-wasm';
import { decodeValue, type SampleChunk } from '@runstream/domain';
import type * as Hyparquet from 'hyparquet-writer' with { 'resolution-mode': 'import' };

// hyparquet-writer ships ES modules only; Node (>= 20.19) require()s them from
// this CommonJS package, and jest's preset turns them into CommonJS for tests.
type HyparquetWriter = typeof Hyparquet;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES module loaded synchronously (see above)
const loadWriter = (): HyparquetWriter => require('hyparquet-writer') as HyparquetWriter;

/**
 * zstd's default level: level 9 made the measured files at most 3.5 % smaller
 * (random doubles 1 % larger) for up to twice the time (README, "Which Parquet
 * writer").
 */
const ZSTD_LEVEL = 3;
let zstdReady: Promise<void> | undefined;
/**
 * zstd compiled to WebAssembly, instantiated once per process:
 * hyparquet-writer compresses pages synchronously, and Node 20's zlib has no
 * zstd.
 */
const loadZstd = (): Promise<void> => (zstdReady ??= initZstd());

/** One variable's chunks, in seq order, as a run's Parquet file takes them. */
export interface VariableChunks {
  variable: string;
  chunks: AsyncIterable<SampleChunk>;
}

export interface RunParquetOptions {
  /** Rows per row group: memory holds about one row group. Default 100 000. */
  rowGroupRows?: number;
  /** Key/value pairs for the file's footer (e.g. `runstream.run`). */
  metadata?: Record<string, string>;
  /** Told of each row group written (its rows), e.g. to count them. */
  onRows?: (rows: number) => void;
}

/**
 * A run's samples as one Parquet file in long format, one row per sample:
 * `variable` (UTF-8), `seq` (INT64), `t` (DOUBLE), `v` (DOUBLE, null when the
 * value is not a number) and `v_text` (UTF-8: the value's wire JSON when it is
 * not a number — `"text"`, `true`, `null`, `[1,{"$num":"NaN"}]` — else null).
 * NaN, ±Infinity and -0 are stored in `v` as the doubles they are.
 * Doubles are BYTE_STREAM_SPLIT-encoded and `seq` DELTA_BINARY_PACKED (a run of
 * consecutive integers costs next to nothing), pages zstd-compressed: the
 * smallest files of the writers measured (README, "Which Parquet writer").
 *
 * The file's bytes are yielded row group by row group as the chunks are
 * read, then the footer: memory stays at one row group whatever the run's
 * size. The merge uploads them to S3; `npm run export` writes them to a file.
 */
export async function* runParquet(
  variables: AsyncIterable<VariableChunks> | Iterable<VariableChunks>,
  options: RunParquetOptions = {},
): AsyncGenerator<Uint8Array> {
  const { rowGroupRows = 100_000 } = options;
  const { ParquetWriter, ByteWriter } = loadWriter();
  await loadZstd();
  const out = new ByteWriter();
  // What the writer appended since the last drain; the writer counts `offset` itself.
  const drain = (): Uint8Array => {
    const bytes = out.getBytes().slice();
    out.index = 0;
    return bytes;
  };
  const writer = new ParquetWriter({
    writer: out,
    schema: SCHEMA.map((element) => ({ ...element })),
    createdBy: 'runstream',
    codec: 'ZSTD',
    compressors: { ZSTD: (bytes) => zstdCompress(bytes, ZSTD_LEVEL) },
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  let group = new RowGroup();
  const write = async (): Promise<void> => {
    if (group.size === 0) return;
    await writer.write({
      rowGroupSize: group.size,
      columnData: [
        { name: 'variable', data: group.variable },
        { name: 'seq', data: group.seq, encoding: 'DELTA_BINARY_PACKED' },
        { name: 't', data: group.t, encoding: 'BYTE_STREAM_SPLIT' },
        { name: 'v', data: group.v, encoding: 'BYTE_STREAM_SPLIT' },
        { name: 'v_text', data: group.vText },
      ],
    });
    options.onRows?.(group.size);
    group = new RowGroup();
  };
  for await (const { variable, chunks } of variables) {
    for await (const chunk of chunks) {
      chunk.t.forEach((t, i) => group.add(variable, chunk.first + i, t, chunk.v[i] ?? null));
      if (group.size >= rowGroupRows) {
        await write();
        yield drain();
      }
    }
  }
  await write();
  await writer.finish();
  yield drain();
}

/** The MIME type of a Parquet file (none is registered; this one is common). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

const SCHEMA = [
  { name: 'root', num_children: 5 },
  { name: 'variable', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'seq', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 't', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'v', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'v_text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
] as const;

class RowGroup {
  variable: string[] = [];
  seq: bigint[] = [];
  t: number[] = [];
  v: (number | null)[] = [];
  vText: (string | null)[] = [];

  add(variable: string, seq: number, t: number, wire: SampleChunk['v'][number]): void {
    this.variable.push(variable);
    this.seq.push(BigInt(seq));
    this.t.push(t);
    const value = decodeValue(wire);
    const numeric = typeof value === 'number';
    this.v.push(numeric ? value : null);
    this.vText.push(numeric ? null : JSON.stringify(wire));
  }

  get size(): number {
    return this.seq.length;
  }
}
