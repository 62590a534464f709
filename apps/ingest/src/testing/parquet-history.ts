import { DuckDBInstance } from '@duckdb/node-api';
import { encodeValue } from '@runstream/domain';
import type { RunstreamClient } from '@runstream/sdk';

/**
 * Where a run's Parquet file (read by DuckDB, an independent reader) differs
 * from the run's history through the API: per variable, rows exactly seqs
 * 1..N, each t and numeric value the same double (NaN, ±Infinity, -0 told
 * apart by Object.is), every other value as its wire JSON in v_text. Returns
 * the first problems found (none: []), and the variables the file holds.
 */
export async function parquetHistoryProblems(
  file: string,
  client: RunstreamClient,
  run: string,
  variables: readonly string[],
): Promise<{ problems: string[]; variables: string[]; rows: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const problems: string[] = [];
  let rows = 0;
  try {
    const source = `read_parquet('${file.replaceAll("'", "''")}')`;
    for (const variable of variables) {
      const found = (
        await connection.runAndReadAll(
          `SELECT seq, t, v, v_text FROM ${source} WHERE variable = $1 ORDER BY seq`,
          [variable],
        )
      ).getRows();
      rows += found.length;
      let i = 0;
      for await (const chunk of client.history(run, variable, { pageSize: 50_000 })) {
        chunk.t.forEach((t, k) => {
          const seq = chunk.first + k;
          const want = chunk.v[k] ?? null;
          const row = found[i++];
          if (row === undefined) return void problems.push(`${variable}: seq ${seq} missing`);
          const [gotSeq, gotT, v, text] = row;
          const same =
            gotSeq === BigInt(seq) &&
            Object.is(gotT, t) &&
            (typeof want === 'number'
              ? Object.is(v, want) && text === null
              : // As wire JSON both: NaN and -0 inside arrays stay told apart.
                v === null && text === JSON.stringify(encodeValue(want)));
          if (!same)
            problems.push(
              `${variable} seq ${seq}: ${row.map(String).join(' ')} for ${String(want)}`,
            );
        });
      }
      if (i !== found.length)
        problems.push(`${variable}: ${found.length - i} rows more than its history`);
    }
    const names = (
      await connection.runAndReadAll(`SELECT DISTINCT variable FROM ${source} ORDER BY variable`)
    )
      .getRows()
      .map(([name]) => String(name));
    return { problems: problems.slice(0, 5), variables: names, rows };
  } finally {
    connection.closeSync();
  }
}
