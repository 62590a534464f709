import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startFaultProxy } from './fault-proxy';

/**
 * The conformance cases' fault proxy as a process, for a client runner in
 * any language (conformance/README.md):
 *
 *   node apps/ingest/dist/conformance-proxy-cli.js --target http://127.0.0.1:8080 [--port 0]
 *
 * Prints `{"url": …}` (one JSON line) once listening, then reads commands
 * from stdin, one JSON line each, answering each with one JSON line:
 *   {"faults": [{"nth": 1, "action": "refuse"}]}   a case starts: its faults, counts reset
 *   {"report": true}                               `{"samplePosts": n, "bodies": [...]}` of this case
 * Ends when stdin closes.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { target: { type: 'string' }, port: { type: 'string', default: '0' } },
  });
  if (values.target === undefined) throw new Error('--target URL of a running ingest is required');
  const proxy = await startFaultProxy(values.target, Number(values.port));
  let faults = new Map<number, string>();
  let bodies: string[] = [];
  proxy.mode = (_index, path) => {
    if (!path.split('?')[0]?.endsWith('/samples')) return 'pass';
    bodies.push(proxy.requests.at(-1)?.body ?? '');
    const action = faults.get(bodies.length);
    return action === 'refuse' || action === 'lose' ? action : 'pass';
  };
  const say = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
  say({ url: proxy.url });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    try {
      const command = JSON.parse(line) as { faults?: { nth: number; action: string }[] };
      if (command.faults !== undefined) {
        faults = new Map(command.faults.map((f) => [f.nth, f.action]));
        bodies = [];
        proxy.requests.length = 0;
        say({ ok: true });
      } else say({ samplePosts: bodies.length, bodies });
    } catch (err) {
      say({ error: String(err) });
    }
  }
  await proxy.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
