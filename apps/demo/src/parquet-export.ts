import { encodeValue, type SampleValue } from '@runstream/domain';
import type { RunstreamClient } from '@runstream/sdk';

/**
 * A run's samples as one Parquet file in long format, one row per sample:
 * `variable` (UTF-8), `seq` (INT64), `t` (DOUBLE), `v` (DOUBLE, null when the
 * value is not a number) and `v_text` (UTF-8: the value's wire JSON when it is
 * not a number — `"text"`, `true`, `null`, `[1,{"$num":"NaN"}]` — else null).
 * Doubles are BYTE_STREAM_SPLIT-encoded (compresses model output better than
 * PLAIN), pages snappy-compressed (hyparquet-writer's built-in codec).
 *
 * Read through the HTTP API page by page, written in row groups of
 * `rowGroupRows`: memory stays at one row group whatever the run's size.
 */
export interface ParquetExport {
  rows: number;
  variables: string[];
}

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

  add(variable: string, seq: number, t: number, value: SampleValue): void {
    this.variable.push(variable);
    this.seq.push(BigInt(seq));
    this.t.push(t);
    const numeric = typeof value === 'number';
    this.v.push(numeric ? value : null);
    this.vText.push(numeric ? null : JSON.stringify(encodeValue(value)));
  }

  get size(): number {
    return this.seq.length;
  }
}

export async function exportParquet(options: {
  client: RunstreamClient;
  run: string;
  /** Default: every variable of the run. */
  variables?: string[];
  filename: string;
  rowGroupRows?: number;
}): Promise<ParquetExport> {
  const { client, run, filename, rowGroupRows = 100_000 } = options;
  // hyparquet-writer is an ES module: loaded by import() from this CommonJS app.
  const { ParquetWriter, fileWriter } = await import('hyparquet-writer');
  const variables =
    options.variables ?? (await client.listVariables(run)).map((stats) => stats.name);
  const writer = new ParquetWriter({
    writer: fileWriter(filename),
    schema: SCHEMA.map((element) => ({ ...element })),
    createdBy: 'runstream export',
    kvMetadata: [{ key: 'runstream.run', value: run }],
  });
  let group = new RowGroup();
  let rows = 0;
  const flush = async (): Promise<void> => {
    if (group.size === 0) return;
    await writer.write({
      rowGroupSize: group.size,
      columnData: [
        { name: 'variable', data: group.variable },
        { name: 'seq', data: group.seq },
        { name: 't', data: group.t, encoding: 'BYTE_STREAM_SPLIT' },
        { name: 'v', data: group.v, encoding: 'BYTE_STREAM_SPLIT' },
        { name: 'v_text', data: group.vText },
      ],
    });
    rows += group.size;
    group = new RowGroup();
  };
  for (const variable of variables) {
    for await (const chunk of client.history(run, variable)) {
      chunk.t.forEach((t, i) => group.add(variable, chunk.first + i, t, chunk.v[i] ?? null));
      if (group.size >= rowGroupRows) await flush();
    }
  }
  await flush();
  await writer.finish();
  return { rows, variables };
}
