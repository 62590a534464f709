import { buildApp, spawnApp, type AppProcess } from '@runstream/testkit';
import { join } from 'node:path';

const APP_DIR = join(__dirname, '..', '..');
const MAIN = join(APP_DIR, 'dist', 'main.js');

/**
 * Compiles the dashboard so a test can run `node dist/main.js` as a real
 * process (see buildApp: skipped when the build is current, under a lock).
 * The workspace packages it imports are resolved to their own dist/ builds
 * (npm run build makes them).
 */
export async function buildDashboard(): Promise<void> {
  await buildApp(APP_DIR);
}

export type DashboardProcess = AppProcess;

/** The dashboard's own variables: a developer's shell must not decide what a test sees. */
const OWN_VARIABLES =
  /^(DASHBOARD_.*|RUNSTREAM_INSECURE_NO_AUTH|BASE_PATH|PORT|HOST|REDIS_.*|LOG_LEVEL)$/;

/** Runs `node dist/main.js` with exactly `env` for the dashboard's own variables. */
export function spawnDashboard(env: Record<string, string>): DashboardProcess {
  return spawnApp(MAIN, env, { ownVariables: OWN_VARIABLES });
}
