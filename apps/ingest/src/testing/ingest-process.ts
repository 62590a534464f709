import { coldStoreEnvOf } from '@runstream/cold-store';
import {
  buildApp,
  freePort,
  spawnApp,
  type AppProcess,
  type S3Connection,
} from '@runstream/testkit';
import { join } from 'node:path';
import { READ_TOKEN, WRITE_TOKEN } from './ingest-harness';

const APP_DIR = join(__dirname, '..', '..');
const MAIN = join(APP_DIR, 'dist', 'main.js');

/**
 * Compiles ingest so a test can run `node dist/main.js` as a real process
 * (see buildApp: skipped when the build is current, under a lock).
 */
export async function buildIngest(): Promise<void> {
  await buildApp(APP_DIR);
}

export interface IngestProcess extends AppProcess {
  baseUrl: string;
}

/** Ingest's own variables: a developer's shell must not decide what a test sees. */
const OWN_VARIABLES =
  /^(RUNSTREAM_.*|PORT|HOST|REDIS_.*|LOG_LEVEL|S3_.*|FLUSH_THRESHOLD|HARD_LIMIT|MEMORY_CHECK_MS|READ_CACHE_BYTES|INGEST_.*|SNAPSHOT_.*|SHUTDOWN_TIMEOUT_MS|LIVE_.*)$/;

/**
 * Runs the built ingest (`main.ts`, wired as in production) on a free
 * loopback port against `redisUrl` and `s3`, with the test tokens; resolves
 * once it listens.
 */
export async function spawnIngest(
  redisUrl: string,
  s3: S3Connection,
  env: Record<string, string> = {},
): Promise<IngestProcess> {
  await buildIngest();
  // A fixed PORT in `env` (a restart where clients expect it) is kept.
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
  const app = spawnApp(
    MAIN,
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      RUNSTREAM_WRITE_TOKENS: WRITE_TOKEN,
      RUNSTREAM_READ_TOKENS: READ_TOKEN,
      LOG_LEVEL: 'info',
      ...coldStoreEnvOf(s3),
      ...env,
    },
    { ownVariables: OWN_VARIABLES },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ;) {
    if (app.child.exitCode !== null) throw new Error(`ingest exited:\n${app.output()}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { ...app, baseUrl };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await app.kill();
      throw new Error(`ingest did not listen within 30 s:\n${app.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
