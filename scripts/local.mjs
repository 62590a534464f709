#!/usr/bin/env node
// `npm run local`: the whole system on this machine, for a new user.
// Starts a real redis-server (installing it with apt-get on Debian/Ubuntu as
// root when it is missing), a local S3-protocol server (s3rver, from npm), the
// ingest app, the worker (flushes Redis to S3), the queue dashboard and the demo
// model, prefixes their logs, and stops everything on Ctrl-C. Auth stays on: a
// write and a read token are made once and kept in .local/tokens.json, the
// dashboard's user and password in .local/dashboard.json (both git-ignored).
import { execSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(root, '.local');
const ingestPort = Number(process.env.PORT ?? 8080);
const dashboardPort = Number(process.env.DASHBOARD_PORT ?? 8082);
const children = [];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureRedis() {
  if (has('redis-server')) return;
  const debian = existsSync('/etc/debian_version');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (debian && root && has('apt-get')) {
    console.log('[local] redis-server is missing: installing it with apt-get');
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server',
      {
        stdio: 'inherit',
      },
    );
    return;
  }
  console.error(
    [
      '[local] redis-server (Redis 6.2 or newer) is needed and was not found on PATH.',
      '  Debian/Ubuntu: sudo apt-get install redis-server',
      '  macOS:         brew install redis',
      '  Fedora:        sudo dnf install redis',
      'then run `npm run local` again.',
    ].join('\n'),
  );
  process.exit(1);
}

/** The local tokens, made on the first run and reused so a browser keeps working. */
function localTokens() {
  const file = join(stateDir, 'tokens.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const tokens = {
    write: `local-write-${randomBytes(18).toString('base64url')}`,
    read: `local-read-${randomBytes(18).toString('base64url')}`,
  };
  writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return tokens;
}

/** The dashboard's HTTP Basic user and password, made once like the tokens. */
function localDashboardCredentials() {
  const file = join(stateDir, 'dashboard.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const credentials = {
    user: 'runstream',
    password: `local-${randomBytes(18).toString('base64url')}`,
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(name, command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}]`.padEnd(11);
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (d) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) console.log(`${prefix} ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${prefix} exited (${signal ?? code})`);
    if (!stopping) stop(1);
  });
  children.push(child);
  return child;
}

function waitFor(check, what, timeoutMs = 15_000) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (await check().catch(() => false)) return resolve();
      if (Date.now() - started > timeoutMs)
        return reject(new Error(`${what} did not come up in ${timeoutMs} ms`));
      setTimeout(tick, 200);
    };
    void tick();
  });
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('[local] stopping…');
  // Reverse order: the model first (it completes its run), Redis last.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        r();
      }, 8000);
      child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});
process.on('SIGTERM', () => void stop(0));

async function main() {
  ensureRedis();
  for (const app of ['ingest', 'worker', 'dashboard', 'demo']) {
    if (!existsSync(join(root, 'apps', app, 'dist', 'main.js'))) {
      console.error(
        `[local] apps/${app} is not built: run \`npm run local\` (it builds first) or \`npm run build\``,
      );
      process.exit(1);
    }
  }
  mkdirSync(join(stateDir, 'redis'), { recursive: true });
  const tokens = localTokens();
  const dashboardCredentials = localDashboardCredentials();
  const redisPort = Number(process.env.REDIS_PORT ?? (await freePort()));
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  // AOF with fsync every second: the durability floor DESIGN names. noeviction: never drop data.
  start('redis', 'redis-server', [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    join(stateDir, 'redis'),
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory',
    process.env.REDIS_MAXMEMORY ?? '256mb',
    '--maxmemory-policy',
    'noeviction',
  ]);
  await waitFor(
    async () =>
      spawnSync('redis-cli', ['-p', String(redisPort), 'ping'])
        .stdout?.toString()
        .includes('PONG'),
    'redis',
  );

  // s3rver keeps objects in .local/s3; its listings need OpenSSL's legacy provider on Node 20.
  mkdirSync(join(stateDir, 's3'), { recursive: true });
  const s3Port = Number(process.env.S3_PORT ?? (await freePort()));
  const s3 = {
    S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    S3_BUCKET: 'runstream',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
  start(
    's3',
    process.execPath,
    [
      'packages/testkit/bin/s3rver.cjs',
      '--port',
      String(s3Port),
      '--directory',
      join(stateDir, 's3'),
      '--bucket',
      'runstream',
    ],
    { NODE_OPTIONS: '--openssl-legacy-provider' },
  );
  await waitFor(async () => (await fetch(s3.S3_ENDPOINT)).status < 500, 's3rver');

  const baseUrl = `http://127.0.0.1:${ingestPort}`;
  start('worker', process.execPath, ['apps/worker/dist/main.js'], {
    PORT: String(Number(process.env.WORKER_PORT ?? 8081)),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    ...s3,
  });
  const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
  start('dashboard', process.execPath, ['apps/dashboard/dist/main.js'], {
    PORT: String(dashboardPort),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    DASHBOARD_USER: dashboardCredentials.user,
    DASHBOARD_PASSWORD: dashboardCredentials.password,
  });
  start('ingest', process.execPath, ['apps/ingest/dist/main.js'], {
    PORT: String(ingestPort),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    ...s3,
    RUNSTREAM_WRITE_TOKENS: tokens.write,
    RUNSTREAM_READ_TOKENS: tokens.read,
  });
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).ok, 'ingest');
  await waitFor(async () => (await fetch(`${dashboardUrl}/readyz`)).ok, 'dashboard');

  const runId = process.env.DEMO_RUN_ID ?? `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  start('demo', process.execPath, ['apps/demo/dist/main.js'], {
    RUNSTREAM_URL: baseUrl,
    RUNSTREAM_TOKEN: tokens.write,
    DEMO_RUN_ID: runId,
  });

  console.log(
    [
      '',
      '[local] Runstream is running.',
      `[local]   Viewer:   ${baseUrl}/  (paste the read token)`,
      `[local]   Read token:  ${tokens.read}`,
      `[local]   Write token: ${tokens.write}   (both kept in .local/tokens.json)`,
      `[local]   Demo run: ${runId}`,
      `[local]   Watch:    RUNSTREAM_TOKEN=${tokens.read} npm run watch -- ${runId} lorenz.x`,
      `[local]   History:  curl -H 'authorization: Bearer ${tokens.read}' '${baseUrl}/v1/runs/${runId}/variables/lorenz.x/samples?limit=5'`,
      `[local]   Queues:   ${dashboardUrl}/  (user ${dashboardCredentials.user}, password ${dashboardCredentials.password}; kept in .local/dashboard.json)`,
      `[local]   Redis:    ${redisUrl}   S3: ${s3.S3_ENDPOINT} (bucket runstream, data in .local/s3)`,
      '[local] Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`[local] ${err.message}`);
  void stop(1);
});
