import { runParquet, type VariableChunks } from '@runstream/cold-store';
import { encodeValue } from '@runstream/domain';
import type { RunstreamClient } from '@runstream/sdk';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A run's samples as one Parquet file (cold-store's runParquet: the same
 * file the merge writes), read through the HTTP API page by page and written
 * row group by row group: memory stays at one row group whatever the run's
 * size. Works on a running run too, which has no merged file yet.
 */
export interface ParquetExport {
  rows: number;
  variables: string[];
}

export async function exportParquet(options: {
  client: RunstreamClient;
  run: string;
  /** Default: every variable of the run. */
  variables?: string[];
  filename: string;
  rowGroupRows?: number;
}): Promise<ParquetExport> {
  const { client, run, filename } = options;
  const variables =
    options.variables ?? (await client.listVariables(run)).map((stats) => stats.name);
  // The SDK hands out values decoded; the file stores non-numbers as their wire JSON.
  const sources = variables.map((variable): VariableChunks => ({
    variable,
    chunks: (async function* () {
      for await (const chunk of client.history(run, variable))
        yield { first: chunk.first, t: chunk.t, v: chunk.v.map((v) => encodeValue(v ?? null)) };
    })(),
  }));
  let rows = 0;
  const bytes = runParquet(sources, {
    ...(options.rowGroupRows !== undefined ? { rowGroupRows: options.rowGroupRows } : {}),
    metadata: { 'runstream.run': run },
    onRows: (n) => (rows += n),
  });
  await pipeline(Readable.from(bytes), createWriteStream(filename));
  return { rows, variables };
}
