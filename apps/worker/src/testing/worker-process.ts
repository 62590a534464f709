import { buildApp, spawnApp, type AppProcess } from '@runstream/testkit';
import { join } from 'node:path';

const APP_DIR = join(__dirname, '..', '..');
const MAIN = join(APP_DIR, 'dist', 'main.js');

/**
 * Compiles the worker so a test can run `node dist/main.js` as a real process
 * (see buildApp: skipped when the build is current, under a lock). The
 * workspace packages it imports are resolved to their own dist/ builds (npm
 * run build makes them).
 */
export async function buildWorker(): Promise<void> {
  await buildApp(APP_DIR);
}

export type WorkerProcess = AppProcess;

/** Runs `node dist/main.js` with `env` added to this process's environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  return spawnApp(MAIN, env);
}
