import { historyProblem, useFixture } from '@runstream/testkit';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WRITE_TOKEN, startIngest } from './testing/ingest-harness';

// The SDK as its users get it: `npm pack` of packages/sdk, installed into an
// empty folder outside the workspace (so no workspace package can be found),
// then a script there — CommonJS and ESM — sends samples to a real ingest.

const SDK_DIR = join(__dirname, '..', '..', '..', 'packages', 'sdk');
const run = promisify(execFile);

const SCRIPT = `
const { RunstreamClient } = require('@runstream/sdk');
(async () => {
  const client = new RunstreamClient({ url: process.env.RUNSTREAM_URL, token: process.env.RUNSTREAM_TOKEN });
  const id = process.argv[2];
  await client.createRun({ id });
  const producer = client.producer(id, { minIntervalMs: 10 });
  for (let i = 0; i < 1000; i++) producer.log('x', i, i === 500 ? NaN : i * 0.5);
  const done = await producer.complete();
  console.log(JSON.stringify(done));
})().catch((err) => { console.error(err); process.exit(1); });
`;

const h = useFixture(async () => {
  const ingest = await startIngest();
  const dir = mkdtempSync(join(tmpdir(), 'rs-sdk-pack-'));
  return { ...ingest, dir, stop: async () => (rmSync(dir, { recursive: true }), ingest.stop()) };
});

describe('@runstream/sdk packed', () => {
  it('installs from its tarball into an empty project and sends samples', async () => {
    if (!existsSync(join(SDK_DIR, 'dist', 'index.js')))
      throw new Error('packages/sdk/dist is missing: run `npm run build` first');
    const pack = await run('npm', ['pack', '--json', '--pack-destination', h.dir], {
      cwd: SDK_DIR,
    });
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    if (packed === undefined) throw new Error(`npm pack said: ${pack.stdout}`);
    // The entry points, and type chunks tsup shares between them (named by a content hash).
    const files = packed.files.map((f) => f.path).sort();
    expect(files.filter((f) => !/^dist\/[\w-]+-[\w]{8}\.d\.ts$/.test(f))).toEqual([
      'README.md',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/retry-policy.d.ts',
      'dist/retry-policy.js',
      'dist/subscriber.d.ts',
      'dist/subscriber.js',
      'package.json',
    ]);

    const project = join(h.dir, 'project');
    await run('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), '{ "private": true }\n');
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(h.dir, packed.filename)],
      { cwd: project },
    );
    // What got installed: the SDK and its registry dependencies, nothing of the workspace.
    expect(readdirSync(join(project, 'node_modules', '@runstream'))).toEqual(['sdk']);
    const installed = join(project, 'node_modules', '@runstream', 'sdk');
    expect(readFileSync(join(installed, 'dist', 'index.js'), 'utf8')).not.toMatch(
      /require\("@runstream\//,
    );
    expect(readFileSync(join(installed, 'dist', 'index.d.ts'), 'utf8')).not.toMatch(
      /from '@runstream\//,
    );

    writeFileSync(join(project, 'send.cjs'), SCRIPT);
    writeFileSync(
      join(project, 'check.mjs'),
      "import { RunstreamClient, Subscriber } from '@runstream/sdk';\n" +
        "console.log(typeof RunstreamClient + ' ' + typeof Subscriber);\n",
    );
    const env = {
      PATH: process.env.PATH ?? '',
      RUNSTREAM_URL: h.baseUrl,
      RUNSTREAM_TOKEN: WRITE_TOKEN,
    };
    const sent = await run(process.execPath, ['send.cjs', 'packed-sdk'], { cwd: project, env });
    expect(JSON.parse(sent.stdout)).toMatchObject({ completed: true });
    const esm = await run(process.execPath, ['check.mjs'], { cwd: project, env });
    expect(esm.stdout.trim()).toBe('function function');

    const problem = await historyProblem(
      'packed-sdk x',
      h.reader.history('packed-sdk', 'x'),
      1000,
      (seq) => ({ t: seq - 1, v: seq === 501 ? NaN : (seq - 1) * 0.5 }),
    );
    expect(problem).toBeUndefined();
  });
});
