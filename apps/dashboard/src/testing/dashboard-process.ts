import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The same approach as apps/worker/src/testing/worker-process.ts.

const APP_DIR = join(__dirname, '..', '..');
const MAIN = join(APP_DIR, 'dist', 'main.js');

/**
 * Compiles the dashboard (tsc -p tsconfig.build.json) so a test can run
 * `node dist/main.js` as a real process; skipped when the build is newer than
 * every source file. A lock keeps parallel test files from rewriting dist/
 * while another spawns from it. The workspace packages it imports are
 * resolved to their own dist/ builds (npm run build makes them).
 */
export async function buildDashboard(): Promise<void> {
  for (const pkg of ['domain', 'queues']) {
    const built = join(APP_DIR, '..', '..', 'packages', pkg, 'dist', 'index.js');
    if (!existsSync(built))
      throw new Error(`${built} is missing: build the workspace first (npm run build)`);
  }
  const lock = join(
    tmpdir(),
    `rs-dashboard-build-${createHash('sha1').update(APP_DIR).digest('hex')}`,
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than any build is left by a killed run.
      if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true });
      if (Date.now() > deadline) throw new Error(`${lock} held for too long`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (builtIsCurrent()) return;
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(APP_DIR, 'tsconfig.build.json')], {
      stdio: 'pipe',
    });
    if (!existsSync(MAIN)) throw new Error(`${MAIN} was not built`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** True when dist/main.js is newer than every source file. */
function builtIsCurrent(): boolean {
  if (!existsSync(MAIN)) return false;
  const builtAt = statSync(MAIN).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  return newest(join(APP_DIR, 'src')) < builtAt;
}

export interface DashboardProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILLs it if it is still running (test clean-up) and waits for its exit. */
  kill(): Promise<void>;
}

/** The dashboard's own variables: a developer's shell must not decide what a test sees. */
const OWN_VARIABLES =
  /^(DASHBOARD_.*|RUNSTREAM_INSECURE_NO_AUTH|BASE_PATH|PORT|HOST|REDIS_URL|LOG_LEVEL)$/;

/** Runs `node dist/main.js` with exactly `env` for the dashboard's own variables. */
export function spawnDashboard(env: Record<string, string>): DashboardProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !OWN_VARIABLES.test(k)),
  );
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer): void => {
    if (output.length < 256_000) output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    exited,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `probe` until it returns a value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
