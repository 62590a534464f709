import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APP_DIR = join(__dirname, '..', '..');
const MAIN = join(APP_DIR, 'dist', 'main.js');

/**
 * Compiles the worker (tsc -p tsconfig.build.json) so a test can run
 * `node dist/main.js` as a real process; skipped when the build is newer
 * than every source file. Test files run in parallel: a lock keeps one from
 * rewriting dist/ while another spawns from it. The workspace packages it
 * imports are resolved to their own dist/ builds (npm run build makes them).
 */
export async function buildWorker(): Promise<void> {
  for (const pkg of ['domain', 'hot-store', 'cold-store', 'queues', 'tiering']) {
    const built = join(APP_DIR, '..', '..', 'packages', pkg, 'dist', 'index.js');
    if (!existsSync(built))
      throw new Error(`${built} is missing: build the workspace first (npm run build)`);
  }
  const lock = join(
    tmpdir(),
    `rs-worker-build-${createHash('sha1').update(APP_DIR).digest('hex')}`,
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

/** True when dist/main.js is newer than every source file (a second test file skips tsc). */
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

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILLs it if it is still running (test clean-up) and waits for its exit. */
  kill(): Promise<void>;
}

/** Runs `node dist/main.js` with `env` added to this process's environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env },
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
