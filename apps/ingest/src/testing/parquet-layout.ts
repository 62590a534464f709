import { DuckDBInstance } from '@duckdb/node-api';

/** How one column of a Parquet file is stored, over all its row groups. */
export interface ColumnLayout {
  compression: string[];
  encodings: string[];
}

/**
 * How a Parquet file's columns are stored, as DuckDB reads its footer: per
 * column, the codecs and the encodings its row groups use (each sorted).
 */
export async function parquetLayout(file: string): Promise<Record<string, ColumnLayout>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const rows = (
      await connection.runAndReadAll(
        `SELECT path_in_schema AS col,
                list(DISTINCT compression ORDER BY compression) AS compression,
                list(DISTINCT encoding ORDER BY encoding) AS encodings
           FROM (SELECT path_in_schema, compression,
                        unnest(string_split(encodings, ', ')) AS encoding
                   FROM parquet_metadata('${file.replaceAll("'", "''")}'))
          GROUP BY path_in_schema`,
      )
    ).getRowObjectsJson();
    return Object.fromEntries(
      rows.map(({ col, compression, encodings }) => [
        col as string,
        { compression: compression as string[], encodings: encodings as string[] },
      ]),
    );
  } finally {
    connection.closeSync();
  }
}
