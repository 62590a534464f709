#!/usr/bin/env node
// `npm run local`: the whole system on this machine, for a new user.
// Starts a real redis-server (installing it with apt-get on Debian/Ubuntu as
// root when it is missing), a local S3-protocol server (s3rver, from npm), the
// ingest app, the worker (flushes Redis to S3), the queue dashboard and the demo
// model, prefixes their logs, and stops everything on Ctrl-C: the demo first
// (it completes its run), then, once that run's merge has finished, the apps,
// then Redis and S3. Auth stays on: a write and a read token are made once and
// kept in .local/tokens.json, the dashboard's user and password in
// .local/dashboard.json (both git-ignored). RUNSTREAM_LOCAL_DIR moves .local.
import { execSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalProcesses } from './local/children.mjs';
import { localPorts } from './local/ports.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = resolve(root, process.env.RUNSTREAM_LOCAL_DIR || '.local');
const shownStateDir = relative(root, stateDir).startsWith('..')
  ? stateDir
  : relative(root, stateDir);

/**
 * The local Redis is small on purpose: the demo writes ~80 kB/s, so at 16 MB
 * it crosses FLUSH_THRESHOLD (70 %) within its first two minutes and then
 * flushes to the local S3 about every 40 s: the tiers at work, with flush
 * jobs on the dashboard. (At 256 MB the first flush came after ~40 minutes.)
 */
const DEFAULT_REDIS_MAXMEMORY = '16mb';
/** The demo completes its run: its last batches, then POST …/complete (retried). */
const DEMO_STOP_MS = 30_000;
/** The merge of the demo's run: a quiescence second, then ~3 M samples/s. */
const MERGE_WAIT_MS = 120_000;
const MERGE_PROGRESS_EVERY_MS = 5_000;
/** Each app's own graceful close is bounded by SHUTDOWN_TIMEOUT_MS (10 s, set below). */
const APP_STOP_MS = 15_000;
const STORE_STOP_MS = 10_000;
/** `npm run local` passes the terminal's Ctrl-C on to this script: one Ctrl-C can arrive twice. */
const REPEATED_SIGNAL_MS = 1_000;
const START_TIMEOUT_MS = 60_000;

const processes = new LocalProcesses({
  file: join(stateDir, 'processes.json'),
  cwd: root,
  onExit: (name, code, signal) => {
    if (name === 'demo' && code === 0) {
      log('the demo has finished its run; everything else keeps running (Ctrl-C stops it)');
      return;
    }
    log(`${name} exited (${signal ?? code}) on its own: stopping everything`);
    void stop(1, `${name} exited`);
  },
});

/** What stop() needs to know of the running system; filled in as it starts. */
const system = { baseUrl: undefined, tokens: undefined, runId: undefined };

function log(line) {
  console.log(`[local]     ${line}`);
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureRedis() {
  if (has('redis-server')) return;
  const debian = existsSync('/etc/debian_version');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (debian && isRoot && has('apt-get')) {
    log('redis-server is missing: installing it with apt-get');
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server',
      { stdio: 'inherit' },
    );
    return;
  }
  throw new Error(
    [
      'redis-server (Redis 6.2 or newer) is needed and was not found on PATH.',
      '  Debian/Ubuntu: sudo apt-get install redis-server',
      '  macOS:         brew install redis',
      '  Fedora:        sudo dnf install redis',
      'then run `npm run local` again.',
    ].join('\n'),
  );
}

/** A JSON file of the state directory, made by `make` on the first run and reused after. */
function kept(name, make) {
  const file = join(stateDir, name);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const value = make();
  writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o600 });
  return value;
}

const secret = () => randomBytes(18).toString('base64url');

async function waitFor(check, what) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (stopping) throw new Error(`stopped while waiting for ${what}`);
    if (Date.now() > deadline)
      throw new Error(`${what} did not come up within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One API request with a bound on its time; resolves to { status, body }. */
async function api(method, path, token) {
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(3_000),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/**
 * Waits until the demo's run is completed (merged into S3), printing its
 * status as it goes. A run the demo left `running` (it failed or was killed)
 * is completed here, so its samples are merged all the same.
 */
async function awaitMerge(runId) {
  const started = Date.now();
  const path = `/v1/runs/${encodeURIComponent(runId)}`;
  let lastStatus;
  let lastShown = started;
  while (Date.now() - started < MERGE_WAIT_MS) {
    const { status, body } = await api('GET', path, system.tokens.read).catch((err) => ({
      status: 0,
      body: err,
    }));
    if (status === 404) return log(`run ${runId} was never created: nothing to merge`);
    const run = status === 200 ? body?.run : undefined;
    if (run !== undefined) {
      if (run.status === 'completed') {
        const s = ((Date.now() - started) / 1000).toFixed(1);
        return log(`run ${runId} is completed and merged (${run.samples} samples), waited ${s} s`);
      }
      if (run.status === 'running' && lastStatus === undefined) {
        log(`the demo left run ${runId} running: completing it`);
        const done = await api('POST', `${path}/complete`, system.tokens.write).catch((err) => ({
          status: err.message,
        }));
        if (done.status !== 200 && done.status !== 202)
          log(`could not complete run ${runId} (${done.status}): its observer will, once idle`);
      }
      const now = Date.now();
      if (run.status !== lastStatus || now - lastShown >= MERGE_PROGRESS_EVERY_MS) {
        const s = ((now - started) / 1000).toFixed(0);
        log(`waiting for the merge of run ${runId}: ${run.status} (${s} s)`);
        lastStatus = run.status;
        lastShown = now;
      }
    } else if (!processes.running('ingest')) {
      return log(`ingest is not running: cannot wait for the merge of run ${runId}`);
    }
    if (!processes.running('worker'))
      return log(`the worker is not running: run ${runId} is merged at the next start`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log(
    `run ${runId} is still not completed after ${MERGE_WAIT_MS / 1000} s: stopping anyway ` +
      '(its merge job is kept in Redis and runs at the next start)',
  );
}

let stopping = false;
let stopRequestedAt;

/**
 * Stops everything in order: the demo completes its run; its merge finishes;
 * ingest, the worker and the dashboard close; then Redis (AOF fsync'd) and S3.
 * Each wait has a deadline, each child a SIGKILL after its own.
 */
async function stop(code, why) {
  if (stopping) return;
  stopping = true;
  stopRequestedAt ??= Date.now();
  processes.close();
  const started = Date.now();
  log(`stopping (${why})…`);
  if (processes.running('demo')) {
    // Without ingest the demo cannot complete its run: no use waiting for it to try.
    const ingestUp = processes.running('ingest');
    log(
      ingestUp ? 'the demo completes its run' : 'ingest is down: the demo cannot complete its run',
    );
    await processes.stop('demo', ingestUp ? DEMO_STOP_MS : 3_000);
  }
  if (system.runId !== undefined && processes.running('ingest')) await awaitMerge(system.runId);
  await Promise.all(['ingest', 'worker', 'dashboard'].map((n) => processes.stop(n, APP_STOP_MS)));
  await Promise.all(['redis', 's3'].map((n) => processes.stop(n, STORE_STOP_MS)));
  processes.release();
  log(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code);
}

/**
 * A second Ctrl-C: no more waiting for the run (its merge job stays queued in
 * Redis and runs at the next start); the apps stop at once, then the stores.
 */
async function stopNow(signal) {
  log(`${signal} again: stopping now, without waiting for the demo's run`);
  const stopAll = (names) => Promise.all(names.map((n) => processes.stop(n, 3_000)));
  await stopAll(['demo', 'ingest', 'worker', 'dashboard']);
  await stopAll(['redis', 's3']);
  processes.release();
  process.exit(130);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopRequestedAt === undefined) {
      stopRequestedAt = Date.now();
      void stop(0, signal);
    } else if (Date.now() - stopRequestedAt > REPEATED_SIGNAL_MS) {
      void stopNow(signal);
    }
  });
}
// After SIGHUP the terminal is gone and writing to it fails; stopping must go on regardless.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
process.on('exit', () => processes.killAll());

async function main() {
  for (const app of ['ingest', 'worker', 'dashboard', 'demo']) {
    if (!existsSync(join(root, 'apps', app, 'dist', 'main.js')))
      throw new Error(
        `apps/${app} is not built: run \`npm run local\` (it builds first) or \`npm run build\``,
      );
  }
  ensureRedis();
  mkdirSync(join(stateDir, 'redis'), { recursive: true });
  mkdirSync(join(stateDir, 's3'), { recursive: true });
  await processes.claim(log);
  const ports = await localPorts();
  const tokens = kept('tokens.json', () => ({
    write: `local-write-${secret()}`,
    read: `local-read-${secret()}`,
  }));
  const dashboardCredentials = kept('dashboard.json', () => ({
    user: 'runstream',
    password: `local-${secret()}`,
  }));

  const redisUrl = `redis://127.0.0.1:${ports.redis}`;
  // AOF with fsync every second: the durability floor DESIGN names. noeviction: never drop data.
  processes.start('redis', 'redis-server', [
    '--port',
    String(ports.redis),
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
    process.env.REDIS_MAXMEMORY || DEFAULT_REDIS_MAXMEMORY,
    '--maxmemory-policy',
    'noeviction',
  ]);
  await waitFor(
    async () =>
      spawnSync('redis-cli', ['-p', String(ports.redis), 'ping'])
        .stdout?.toString()
        .includes('PONG'),
    'redis',
  );

  // s3rver keeps objects in .local/s3; its listings need OpenSSL's legacy provider on Node 20.
  const s3 = {
    S3_ENDPOINT: `http://127.0.0.1:${ports.s3}`,
    S3_BUCKET: 'runstream',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
  processes.start(
    's3',
    process.execPath,
    [
      'packages/testkit/bin/s3rver.cjs',
      '--port',
      String(ports.s3),
      '--directory',
      join(stateDir, 's3'),
      '--bucket',
      'runstream',
    ],
    { NODE_OPTIONS: '--openssl-legacy-provider' },
  );
  await waitFor(async () => (await fetch(s3.S3_ENDPOINT)).status < 500, 's3rver');

  const common = { HOST: '127.0.0.1', REDIS_URL: redisUrl, SHUTDOWN_TIMEOUT_MS: '10000' };
  processes.start('worker', process.execPath, ['apps/worker/dist/main.js'], {
    ...common,
    ...s3,
    PORT: String(ports.worker),
  });
  const dashboardUrl = `http://127.0.0.1:${ports.dashboard}`;
  processes.start('dashboard', process.execPath, ['apps/dashboard/dist/main.js'], {
    ...common,
    PORT: String(ports.dashboard),
    DASHBOARD_USER: dashboardCredentials.user,
    DASHBOARD_PASSWORD: dashboardCredentials.password,
  });
  const baseUrl = `http://127.0.0.1:${ports.ingest}`;
  processes.start('ingest', process.execPath, ['apps/ingest/dist/main.js'], {
    ...common,
    ...s3,
    PORT: String(ports.ingest),
    RUNSTREAM_WRITE_TOKENS: tokens.write,
    RUNSTREAM_READ_TOKENS: tokens.read,
  });
  system.baseUrl = baseUrl;
  system.tokens = tokens;
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).ok, 'ingest');
  await waitFor(async () => (await fetch(`${dashboardUrl}/readyz`)).ok, 'dashboard');

  const runId = process.env.DEMO_RUN_ID || `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  system.runId = runId;
  processes.start('demo', process.execPath, ['apps/demo/dist/main.js'], {
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
      `[local]   Write token: ${tokens.write}   (both kept in ${shownStateDir}/tokens.json)`,
      `[local]   Demo run: ${runId}`,
      `[local]   Watch:    RUNSTREAM_URL=${baseUrl} RUNSTREAM_TOKEN=${tokens.read} npm run watch -- ${runId} lorenz.x`,
      `[local]   History:  curl -H 'authorization: Bearer ${tokens.read}' '${baseUrl}/v1/runs/${runId}/variables/lorenz.x/samples?limit=5'`,
      `[local]   Queues:   ${dashboardUrl}/  (user ${dashboardCredentials.user}, password ${dashboardCredentials.password}; kept in ${shownStateDir}/dashboard.json)`,
      `[local]   Redis:    ${redisUrl} (maxmemory ${process.env.REDIS_MAXMEMORY || DEFAULT_REDIS_MAXMEMORY})   S3: ${s3.S3_ENDPOINT} (bucket runstream, data in ${shownStateDir}/s3)`,
      '[local] Ctrl-C stops everything: the demo completes its run, its merge finishes, then the rest stops.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  if (stopping) return; // a Ctrl-C during start-up: stop() is already at work
  for (const line of String(err.message).split('\n')) console.error(`[local] ${line}`);
  // The pid file is another script's until claimed; with nothing started there is nothing to stop.
  if (processes.claimed && processes.size === 0) processes.release();
  if (!processes.claimed || processes.size === 0) process.exit(1);
  void stop(1, 'start-up failed');
});
