import { Subscriber } from '@runstream/sdk';

/**
 * `npm run watch -- <run> <variable> [fromSeq]`: follows one variable in the
 * terminal through the SDK's Subscriber — its history first, then live
 * samples — printing one line per sample (`seq  t  v`). Reads RUNSTREAM_URL
 * and RUNSTREAM_TOKEN (a read token) like every SDK user.
 */
function main(): void {
  const [run, variable, from] = process.argv.slice(2);
  if (run === undefined || variable === undefined) {
    console.error('usage: npm run watch -- <run> <variable> [fromSeq]');
    process.exit(2);
  }
  const fromSeq = from === undefined ? 1 : Number(from);
  const subscriber = new Subscriber({
    url: process.env.RUNSTREAM_URL ?? 'http://127.0.0.1:8080',
    onError: (err) => console.error(`watch: ${err.message}`),
  });
  const show = (x: unknown): string =>
    JSON.stringify(x, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    );
  subscriber.subscribe(
    run,
    variable,
    (chunk) => {
      const lines = chunk.t.map((t, i) => `${chunk.first + i}\t${t}\t${show(chunk.v[i])}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    },
    {
      fromSeq,
      onError: (err) => {
        console.error(`watch: ${err.message}`);
        process.exitCode = 1;
        subscriber.close();
      },
    },
  );
  const stop = (): void => {
    subscriber.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
