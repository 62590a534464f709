import type { Run } from '@runstream/domain';
import { startRedis, startS3Server, useFixture, waitFor } from '@runstream/testkit';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIngest, spawnIngest, type IngestProcess } from './testing/ingest-process';
import { metricValue } from './testing/metric-value';
import { parseTokenFile } from './token-file';
import { TokenTable, grantOf, tokenDigest, type Access, type TokenGrant } from './token-table';

// The tokens file of a real ingest process (main.ts, as deployed): edited
// while it runs, the new tokens are in force without a restart; a bad
// version is logged and the previous good one stays in force.

const FIRST = 'first-acme-token-0123456789';
const SECOND = 'second-acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';

const grant = (token: string, project: string, access: Access): TokenGrant =>
  grantOf(token, { project, access });

const f = useFixture(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-tokens-'));
  const path = join(dir, 'tokens.json');
  const [redis, s3] = await Promise.all([startRedis(), startS3Server()]);
  return {
    dir,
    path,
    redis,
    s3,
    /** Replaces the file as a config manager does: a new file renamed over the old one. */
    write(text: string): void {
      writeFileSync(`${path}.new`, text);
      renameSync(`${path}.new`, path);
    },
    stop: async () => {
      await Promise.all([redis.stop(), s3.dispose()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

let ingest: IngestProcess | undefined;
afterEach(async () => {
  await ingest?.kill();
  ingest = undefined;
});

const fileOf = (...grants: TokenGrant[]): string => JSON.stringify({ tokens: grants }, null, 2);

async function status(app: IngestProcess, path: string, token: string): Promise<number> {
  return (await fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }))
    .status;
}

it('picks up an edited tokens file without a restart, and keeps the last good one', async () => {
  f.write(fileOf(grant(FIRST, 'acme', 'read-write')));
  const app = await spawnIngest(f.redis.url, f.s3.connection, {
    RUNSTREAM_TOKENS_FILE: f.path,
    RUNSTREAM_TOKENS_RELOAD_MS: '100',
  });
  ingest = app;

  const created = await fetch(`${app.baseUrl}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${FIRST}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'reload-run' }),
  });
  expect(created.status).toBe(201);
  expect(((await created.json()) as { run: Run }).run.project).toBe('acme');
  expect(await status(app, '/v1/runs/reload-run', GLOBEX)).toBe(401);

  // The first token revoked, a second one for acme, and a read-only one for globex.
  f.write(fileOf(grant(SECOND, 'acme', 'read-write'), grant(GLOBEX, 'globex', 'read')));
  await waitFor(
    'the second token to be accepted',
    async () => (await status(app, '/v1/runs/reload-run', SECOND)) === 200 || undefined,
    15_000,
    50,
  );
  expect(await status(app, '/v1/runs/reload-run', FIRST)).toBe(401);
  expect(await status(app, '/v1/runs/reload-run', GLOBEX)).toBe(404);
  expect(await status(app, '/v1/runs', GLOBEX)).toBe(200);

  // A broken edit: logged, and the tokens in force stay as they were.
  f.write('{"tokens": [ { "sha256": ');
  await waitFor(
    'the bad file to be logged',
    () =>
      app.logLines().find((l) => l.msg?.startsWith('tokens file not reloaded') === true) ??
      undefined,
    15_000,
    50,
  );
  expect(await status(app, '/v1/runs/reload-run', SECOND)).toBe(200);
  expect(await status(app, '/v1/runs/reload-run', FIRST)).toBe(401);
  // The failed reload is counted, once, for an alert to see.
  const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const failures = 'runstream_ingest_token_file_reload_failures_total';
  expect(metricValue(metrics, failures, { reason: 'invalid' })).toBe(1);
  expect(metricValue(metrics, failures, { reason: 'missing' })).toBe(0);
  // The settings tokens (the default project) are in force beside the file all along.
  expect(await status(app, '/v1/runs', 'test-read-token-0123456789')).toBe(200);
  expect(await status(app, '/v1/runs/reload-run', 'test-read-token-0123456789')).toBe(404);
}, 90_000);

it('refuses to start with a tokens file that is bad, naming the file', async () => {
  f.write('{"tokens": [{"token": "plain-secret-0123456789", "project": "p", "access": "read"}]}');
  await expect(
    spawnIngest(f.redis.url, f.s3.connection, { RUNSTREAM_TOKENS_FILE: f.path }),
  ).rejects.toThrow(/tokens file .*tokens\.json: an entry has a "token" field/);
}, 90_000);

describe('npm run token:digest', () => {
  const cli = (args: string[], input: string) =>
    spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'token-digest-cli.js'), ...args], {
      input,
      encoding: 'utf8',
    });

  beforeAll(() => buildIngest(), 120_000);

  it('makes a new token and prints its entry, the token on stderr only', () => {
    const out = cli(['--project', 'acme', '--access', 'read', '--name', 'ci'], '');
    expect(out.status).toBe(0);
    const token = /token \(shown once, stored nowhere\): (\S+)/.exec(out.stderr)?.[1];
    expect(token).toBeDefined();
    expect(out.stdout).not.toContain(token);
    const grants = parseTokenFile(`{"tokens": [${out.stdout}]}`, 'stdout');
    expect(grants).toEqual([
      { name: 'ci', sha256: tokenDigest(token ?? ''), project: 'acme', access: 'read' },
    ]);
    expect(new TokenTable(grants).match(token ?? '')).toEqual({ project: 'acme', access: 'read' });
  });

  it('digests a token given on stdin, and refuses a bad project or access', () => {
    const out = cli(['--project', 'globex'], `${GLOBEX}\n`);
    expect(JSON.parse(out.stdout)).toEqual(grant(GLOBEX, 'globex', 'read-write'));
    expect(out.stderr).toBe('');
    expect(cli(['--project', 'a/b'], '').status).toBe(2);
    expect(cli([], '').status).toBe(2);
    expect(cli(['--project', 'p', '--access', 'admin'], '').status).toBe(2);
  });
});
