import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { LogLine } from './memory-logger';

// Runs an app of this monorepo (apps/<name>) as a real process, as its
// main.int.test.ts does: `node dist/main.js`, built from the app's sources.

/**
 * The workspace packages (packages/<name>) the app's package.json depends
 * on: they resolve to their own dist/ builds, which `npm run build` makes
 * and the app's tsc does not.
 */
function workspaceDependencies(appDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@runstream/'))
    .map((name) => join(appDir, '..', '..', 'packages', name.slice('@runstream/'.length)))
    .filter((dir) => existsSync(dir));
}

/** How long one build may hold the lock; an older lock is left by a killed run. */
const LOCK_MS = 120_000;

/**
 * Compiles the app in `appDir` (tsc -p tsconfig.build.json) so a test can
 * run `node dist/main.js` as a real process; skipped when the build is newer
 * than every source file. Test files run in parallel, in several processes: a
 * lock keeps one from rewriting dist/ while another spawns from it.
 * Resolves to the path of dist/main.js.
 */
export async function buildApp(appDir: string): Promise<string> {
  const main = join(appDir, 'dist', 'main.js');
  for (const pkg of workspaceDependencies(appDir)) {
    const built = join(pkg, 'dist', 'index.js');
    if (!existsSync(built))
      throw new Error(`${built} is missing: build the workspace first (npm run build)`);
  }
  const lock = join(
    tmpdir(),
    `rs-${basename(appDir)}-build-${createHash('sha1').update(appDir).digest('hex')}`,
  );
  const deadline = Date.now() + LOCK_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than any build is left by a killed run.
      if (Date.now() - statSync(lock).mtimeMs > LOCK_MS) rmSync(lock, { recursive: true });
      if (Date.now() > deadline) throw new Error(`${lock} held for too long`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (builtIsCurrent(appDir, main)) return main;
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(appDir, 'tsconfig.build.json')], {
      stdio: 'pipe',
    });
    if (!existsSync(main)) throw new Error(`${main} was not built`);
    return main;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** True when `main` is newer than every file under appDir/src (a second test file skips tsc). */
function builtIsCurrent(appDir: string, main: string): boolean {
  if (!existsSync(main)) return false;
  const builtAt = statSync(main).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  return newest(join(appDir, 'src')) < builtAt;
}

export interface AppProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far (the first 256 kB or so). */
  output(): string;
  /** The JSON log lines (pino's) among the lines it wrote in full so far, parsed. */
  logLines(): LogLine[];
  /** SIGKILLs it if it is still running (test clean-up) and waits for its exit. */
  kill(): Promise<void>;
}

export interface SpawnAppOptions {
  /**
   * The app's own variables: those of this process's environment that match
   * are not passed on, so that only `env` decides them (a developer's shell
   * must not decide what a test sees). By default everything is passed on.
   */
  ownVariables?: RegExp;
}

/** Runs `node <mainJs>` with `env` added to this process's environment. */
export function spawnApp(
  mainJs: string,
  env: Record<string, string>,
  options: SpawnAppOptions = {},
): AppProcess {
  const { ownVariables } = options;
  const inherited =
    ownVariables === undefined
      ? process.env
      : Object.fromEntries(Object.entries(process.env).filter(([k]) => !ownVariables.test(k)));
  const child = spawn(process.execPath, [mainJs], {
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
    logLines: () =>
      output
        .split('\n')
        .slice(0, -1) // the last is empty, or a line not yet written in full
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
