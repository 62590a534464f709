import { RunstreamClient } from '@runstream/sdk';
import { exportParquet } from './parquet-export';

/**
 * `npm run export -- <run> [variable ...] --out <file.parquet>`: writes the
 * run's samples (every variable, or those named) as one Parquet file
 * (parquet-export.ts). Reads RUNSTREAM_URL and RUNSTREAM_TOKEN (a read
 * token) like every SDK user.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const filename = at >= 0 ? args[at + 1] : undefined;
  const [run, ...variables] = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
  if (run === undefined || filename === undefined) {
    console.error('usage: npm run export -- <run> [variable ...] --out <file.parquet>');
    process.exit(2);
  }
  const client = new RunstreamClient({ url: process.env.RUNSTREAM_URL ?? 'http://127.0.0.1:8080' });
  const result = await exportParquet({
    client,
    run,
    filename,
    ...(variables.length > 0 ? { variables } : {}),
  });
  console.log(JSON.stringify({ file: filename, ...result }));
}

main().catch((err: unknown) => {
  console.error(`export: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
